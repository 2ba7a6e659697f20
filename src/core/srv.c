// SPDX-License-Identifier: ISC
/* srv: builds replies to client (mode 3) and symmetric active (mode 1)
 * requests from the system state; drops everything else. */
#include "core/srv.h"

#include <string.h>

#include "core/pkt.h"
#include "core/ts.h"

#define SRV_POLL_MIN 4 /* ntpd's NTP_MINPOLL as echoed in replies */
#define SRV_POLL_MAX 17

void
srv_sys_unsync(struct srv_sys *sys, int8_t precision)
{
	*sys = (struct srv_sys){
		.leap = PKT_LEAP_UNSYNC,
		.stratum = 16,
		.precision = precision,
		.refid = pkt_refid_str("INIT"),
	};
}

static enum srv_verdict
classify(const struct pkt *p, enum pkt_err e)
{
	if (e == PKT_ERR_SHORT)
		return SRV_DROP_SHORT;
	if (p->h.version < 1 || p->h.version > 4)
		return SRV_DROP_VERSION;
	if (p->h.mode != PKT_MODE_CLIENT && p->h.mode != PKT_MODE_SYM_ACTIVE)
		return SRV_DROP_MODE;
	if (e != PKT_OK)
		return SRV_DROP_MALFORMED;
	return SRV_REPLY;
}

static uint64_t
wire_ts(int64_t t_ns)
{
	uint64_t v = 0;

	if (t_ns != 0 && ts_to_ntp64(t_ns, &v) != 0)
		v = 0;
	return v;
}

/* Root dispersion as of now: RFC 5905 section 9.2 adds PHI per second
 * since the last clock update. */
static int64_t
root_disp_at(const struct srv_sys *sys, int64_t now_ns)
{
	int64_t age = sys->ref_ns ? now_ns - sys->ref_ns : 0;
	int64_t d = sys->root_disp_ns;

	if (age > 0)
		d += age / TS_NS_PER_S * TS_PHI_PPB +
		    age % TS_NS_PER_S * TS_PHI_PPB / TS_NS_PER_S;
	return d;
}

static void
fill_reply(const struct srv_sys *sys, const struct pkt_hdr *rq, int64_t rx_ns,
    struct pkt_hdr *h)
{
	int poll = rq->poll;

	if (poll < SRV_POLL_MIN)
		poll = SRV_POLL_MIN;
	if (poll > SRV_POLL_MAX)
		poll = SRV_POLL_MAX;
	*h = (struct pkt_hdr){
		.leap = sys->leap,
		.version = rq->version,
		.mode = rq->mode == PKT_MODE_CLIENT ? PKT_MODE_SERVER
		                                    : PKT_MODE_SYM_PASSIVE,
		.stratum = sys->stratum,
		.poll = (int8_t)poll,
		.precision = sys->precision,
		.root_delay = ts_to_short(sys->root_delay_ns),
		.root_disp = ts_to_short(root_disp_at(sys, rx_ns)),
		.refid = sys->refid,
		.ref_ts = wire_ts(sys->ref_ns),
		.org_ts = rq->xmt_ts,
		.rec_ts = wire_ts(rx_ns),
	};
}

enum srv_verdict
srv_respond(const struct srv_sys *sys, const uint8_t *req, size_t req_len,
    int64_t rx_ns, uint8_t *reply, size_t cap, size_t *reply_len)
{
	struct pkt p;
	struct pkt_hdr h;
	enum srv_verdict v;
	enum pkt_err e;
	size_t n;

	*reply_len = 0;
	e = pkt_decode(req, req_len, &p);
	v = classify(&p, e);
	if (v != SRV_REPLY)
		return v;
	fill_reply(sys, &p.h, rx_ns, &h);
	n = pkt_encode_hdr(&h, reply, cap);
	if (n == 0)
		return SRV_DROP_SHORT;
	/* A request with a MAC gets a crypto-NAK: four zero bytes.  The
	 * request was at least 48 + 4 bytes long, so the reply still fits
	 * within it. */
	if (p.has_mac && cap >= n + PKT_CRYPTO_NAK_LEN) {
		memset(reply + n, 0, PKT_CRYPTO_NAK_LEN);
		n += PKT_CRYPTO_NAK_LEN;
	}
	*reply_len = n;
	return SRV_REPLY;
}

void
srv_finish(uint8_t *reply, int64_t tx_ns)
{
	pkt_set_xmt(reply, wire_ts(tx_ns));
}

const char *
srv_verdict_str(enum srv_verdict v)
{
	switch (v) {
	case SRV_REPLY:
		return "reply";
	case SRV_DROP_SHORT:
		return "too short";
	case SRV_DROP_VERSION:
		return "bad version";
	case SRV_DROP_MODE:
		return "mode not served";
	case SRV_DROP_MALFORMED:
		return "malformed";
	}
	return "?";
}

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
put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static void
put64(uint8_t *b, uint64_t v)
{
	put32(b, (uint32_t)(v >> 32));
	put32(b + 4, (uint32_t)v);
}

/* Header offsets (RFC 5905 figure 8). */
#define OFF_ROOT_DELAY 4
#define OFF_ROOT_DISP 8
#define OFF_REFID 12
#define OFF_REF 16
#define OFF_ORG 24
#define OFF_REC 32

void
srv_tmpl_build(struct srv_tmpl *t, const struct srv_sys *sys)
{
	struct pkt_hdr h = {
		.leap = sys->leap,
		.version = 4,
		.mode = PKT_MODE_SERVER,
		.stratum = sys->stratum,
		.precision = sys->precision,
		.root_delay = ts_to_short(sys->root_delay_ns),
		.refid = sys->refid,
		.ref_ts = wire_ts(sys->ref_ns),
	};

	t->sys = *sys;
	(void)pkt_encode_hdr(&h, t->hdr, sizeof(t->hdr));
}

void
srv_tmpl_set_ref(struct srv_tmpl *t, int64_t ref_ns)
{
	t->sys.ref_ns = ref_ns;
	put64(t->hdr + OFF_REF, wire_ts(ref_ns));
}

/* The per-request fields: first byte, poll, root dispersion as of the
 * receive time, origin and receive timestamps. */
static void
fill_reply(const struct srv_tmpl *t, const struct pkt_hdr *rq, int64_t rx_ns,
    uint8_t *b)
{
	int poll = rq->poll;
	int mode = rq->mode == PKT_MODE_CLIENT ? PKT_MODE_SERVER
	                                       : PKT_MODE_SYM_PASSIVE;

	if (poll < SRV_POLL_MIN)
		poll = SRV_POLL_MIN;
	if (poll > SRV_POLL_MAX)
		poll = SRV_POLL_MAX;
	memcpy(b, t->hdr, PKT_HDR_LEN);
	b[0] =
	    (uint8_t)((t->sys.leap & 3) << 6 | (rq->version & 7) << 3 | mode);
	b[2] = (uint8_t)(int8_t)poll;
	put32(b + OFF_ROOT_DISP, ts_to_short(root_disp_at(&t->sys, rx_ns)));
	put64(b + OFF_ORG, rq->xmt_ts);
	put64(b + OFF_REC, wire_ts(rx_ns));
}

/* RFC 5905 section 7.4: a kiss-o'-death says stratum 0 and its code in
 * the refid; it carries no time of ours to use. */
static void
make_kod(uint8_t *b)
{
	b[0] = (uint8_t)(PKT_LEAP_UNSYNC << 6 | (b[0] & 0x3f));
	b[1] = 0;
	memset(b + OFF_ROOT_DELAY, 0, 8);
	put32(b + OFF_REFID, pkt_refid_str("RATE"));
	memset(b + OFF_REF, 0, 8);
}

enum srv_verdict
srv_reply(const struct srv_tmpl *t, const uint8_t *req, size_t req_len,
    int64_t rx_ns, int kod, uint8_t *reply, size_t cap, size_t *reply_len)
{
	struct pkt p;
	enum srv_verdict v;
	enum pkt_err e;
	size_t n = PKT_HDR_LEN;

	*reply_len = 0;
	e = pkt_decode(req, req_len, &p);
	v = classify(&p, e);
	if (v != SRV_REPLY)
		return v;
	if (cap < PKT_HDR_LEN)
		return SRV_DROP_SHORT;
	fill_reply(t, &p.h, rx_ns, reply);
	if (kod)
		make_kod(reply);
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

enum srv_verdict
srv_respond(const struct srv_sys *sys, const uint8_t *req, size_t req_len,
    int64_t rx_ns, uint8_t *reply, size_t cap, size_t *reply_len)
{
	struct srv_tmpl t;

	srv_tmpl_build(&t, sys);
	return srv_reply(&t, req, req_len, rx_ns, 0, reply, cap, reply_len);
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

// SPDX-License-Identifier: ISC
/*
 * Fuzz target for the client core's reply handler (sync_on_reply).  Two
 * states are built once: three good servers, or one (answers from
 * core/srv at true time over a 1 ms path), until the client has been
 * synchronized for two hours; then the next request to source 0 goes out
 * and stays unanswered.  Each input is one datagram handed to a copy of that state,
 * either as raw bytes to any of the three sources, or as a well-formed
 * reply to source 0 with the right origin and random other fields
 * (offset, delay, stratum, leap, root delay and dispersion...).
 * Properties:
 *  - a datagram that does not carry the outstanding request's transmit
 *    value as origin changes nothing: no action at all (no sample, no
 *    clock command, no event), the served state unchanged, the request
 *    still outstanding, the source's bogus counter one higher;
 *  - no single datagram, whatever it says, steps the clock (no CLOCK
 *    action with do_step, no SYNC_EV_STEP or SYNC_EV_PANIC) or slews it
 *    by more than the step threshold;
 *  - at most one sample (PEERSTATS) per datagram, and the action list
 *    stays within its bound.
 *
 * Input: byte 0 chooses the form (bit 0: well-formed), the source (bits
 * 1-6) and the state (bit 7: the one with a single server);
 * raw: the rest is the datagram; well-formed: 40 bytes of fields, then
 * anything appended after the 48-byte header (extension fields, MAC).
 */
#include <stdint.h>
#include <string.h>

#include "core/pkt.h"
#include "core/srv.h"
#include "core/sync.h"
#include "core/ts.h"
#include "prop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S TS_NS_PER_S
#define MS 1000000LL
#define MONO0 (1000 * S)
#define CLK0 (1795000000LL * S) /* true time at mono 0 */
#define OWD (500 * 1000LL)      /* one-way path delay */
#define NSRV 3 /* servers of the first state; the second has one */
#define STEP_NS (128 * MS)

struct base {
	struct sync s;
	int64_t now;  /* mono when the request left */
	uint64_t xmt; /* its transmit value */
	int ok;       /* built */
	int nsrv;
	struct srv_sys sys; /* what the servers say */
};

static int64_t
clock_at(const struct sync *s, int64_t mono)
{
	return CLK0 + mono + disc_correction_at(&s->disc, mono);
}

static uint64_t
next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Answer every SEND in act at once, as a good server would. */
static void
answer(struct base *b, struct sync_act *act, size_t k, int keep_src0)
{
	struct sync_act rep[SYNC_MAX_ACTS];
	uint8_t rp[PKT_HDR_LEN];
	size_t i, n;
	int64_t rx;

	for (i = 0; i < k; i++) {
		if (act[i].kind != SYNC_ACT_SEND)
			continue;
		if (keep_src0 && act[i].src == 0) {
			b->xmt = 0;
			for (n = 40; n < 48; n++)
				b->xmt = b->xmt << 8 | act[i].pkt[n];
			continue;
		}
		rx = CLK0 + b->now + OWD;
		n = 0;
		if (srv_respond(&b->sys, act[i].pkt, act[i].len, rx, rp,
		        sizeof(rp), &n) != SRV_REPLY)
			continue;
		srv_finish(rp, rx + 20000);
		(void)sync_on_reply(&b->s, act[i].src, rp, n,
		    clock_at(&b->s, b->now + 2 * OWD + 20000),
		    b->now + 2 * OWD + 20000, rep, SYNC_MAX_ACTS);
	}
}

/* Two hours of good service, then a request to source 0 left open. */
static void
build(struct base *b, int nsrv)
{
	struct sync_cfg cfg = { .sel = { 3, 10, 1 },
		.disc = { STEP_NS, 1000 * S, 300 * S, 0, 6, 10, 0, 0, 0 },
		.precision = -20,
		.mindist_ns = MS };
	struct sync_src_cfg sc = { SYNC_IBURST, 6, 10, 4, 0xc0000201u, 0, 0 };
	struct sync_act act[SYNC_MAX_ACTS];
	uint64_t rng = 0x9e3779b97f4a7c15ULL;
	size_t k;
	int i;

	memset(b, 0, sizeof(*b));
	b->nsrv = nsrv;
	b->sys = (struct srv_sys){ .leap = PKT_LEAP_NONE,
		.stratum = 1,
		.precision = -20,
		.refid = pkt_refid_str("GPS"),
		.root_disp_ns = 100000 };
	sync_init(&b->s, &cfg, 1, CLK0 + MONO0);
	for (i = 0; i < nsrv; i++)
		(void)sync_add(&b->s, &sc, MONO0);
	while ((b->now = sync_next_timer(&b->s)) < MONO0 + 7200 * S) {
		k = sync_on_timer(&b->s, b->now, clock_at(&b->s, b->now),
		    next_rand(&rng), act, SYNC_MAX_ACTS);
		answer(b, act, k, 0);
	}
	while (!sync_outstanding(&b->s, 0)) {
		b->now = sync_next_timer(&b->s);
		k = sync_on_timer(&b->s, b->now, clock_at(&b->s, b->now),
		    next_rand(&rng), act, SYNC_MAX_ACTS);
		answer(b, act, k, 1);
	}
	PROP(sync_snapshot(&b->s)->sys.stratum == 2 && b->xmt != 0);
	b->ok = 1;
}

static uint64_t
rd(const uint8_t *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* A wire timestamp for t_ns; 0 when it cannot go on the wire. */
static uint64_t
wire(int64_t t_ns)
{
	uint64_t v = 0;

	(void)ts_to_ntp64(t_ns, &v);
	return v;
}

/*
 * A reply to source 0's request with fields from f[0..40): origin right
 * (unless f[0] bit 0), offset, delays, header fields random.  Writes the
 * 48-byte header to pkt; *rx_delay_ns is the arrival after sending.
 */
static void
formed(const struct base *b, const uint8_t *f, uint8_t *pkt,
    int64_t *rx_delay_ns)
{
	int64_t t1 = CLK0 + b->now, off, srv_ns, t2, t3;
	struct pkt_hdr h;

	/* offset: a signed 32-bit value times 2^0..2^31 ns */
	off = (int64_t)(int32_t)(uint32_t)rd(f + 1, 4) *
	    ((int64_t)1 << (f[5] & 31));
	*rx_delay_ns = (int64_t)rd(f + 6, 3) << (f[9] & 15);
	srv_ns = (int64_t)rd(f + 10, 2) << (f[12] & 15);
	t2 = t1 + off + *rx_delay_ns / 2 - srv_ns / 2;
	t3 = t2 + srv_ns;
	memset(&h, 0, sizeof(h));
	h.leap = f[13] & 3;
	h.version = (uint8_t)(f[13] >> 2 & 7);
	h.mode = (f[13] & 0x20) ? PKT_MODE_SYM_PASSIVE : PKT_MODE_SERVER;
	h.stratum = f[14];
	h.poll = (int8_t)f[15];
	h.precision = (int8_t)f[16];
	h.root_delay = (uint32_t)rd(f + 17, 4);
	h.root_disp = (uint32_t)rd(f + 21, 4);
	h.refid = (uint32_t)rd(f + 25, 4);
	h.ref_ts = wire(t3 - (int64_t)rd(f + 29, 2) * S);
	h.org_ts = b->xmt ^ (uint64_t)(f[0] & 2);
	h.rec_ts = wire(t2);
	h.xmt_ts = wire(t3);
	if (f[31] & 1)
		h.rec_ts ^= rd(f + 32, 8);
	(void)pkt_encode_hdr(&h, pkt, PKT_HDR_LEN);
}

static void
check_acts(const struct sync_act *act, size_t n)
{
	size_t i;
	int samples = 0;

	PROP(n <= SYNC_MAX_ACTS);
	for (i = 0; i < n; i++) {
		samples += act[i].kind == SYNC_ACT_PEERSTATS;
		if (act[i].kind == SYNC_ACT_CLOCK) {
			PROP(!act[i].do_step);
			PROP(ts_abs(act[i].cmd.slew_ns) <= STEP_NS);
		}
		if (act[i].kind == SYNC_ACT_EVENT)
			PROP(act[i].ev != SYNC_EV_STEP &&
			    act[i].ev != SYNC_EV_PANIC);
	}
	PROP(samples <= 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct base bases[2];
	struct base *b;
	static struct sync w;
	static uint8_t pkt[2048];
	struct sync_act act[SYNC_MAX_ACTS];
	struct sync_src_view v0, v1;
	int64_t delay = 2 * OWD, clk;
	uint64_t gen;
	size_t len, n;
	int idx, match;

	if (!bases[0].ok) {
		build(&bases[0], NSRV);
		build(&bases[1], 1);
	}
	if (size < 1)
		return 0;
	b = &bases[data[0] >> 7];
	memcpy(&w, &b->s, sizeof(w));
	idx = (data[0] >> 1 & 0x3f) % b->nsrv;
	if ((data[0] & 1) && size >= 40) {
		idx = 0;
		formed(b, data, pkt, &delay);
		len = PKT_HDR_LEN +
		    (size - 40 > sizeof(pkt) - PKT_HDR_LEN
		            ? sizeof(pkt) - PKT_HDR_LEN
		            : size - 40);
		memcpy(pkt + PKT_HDR_LEN, data + 40, len - PKT_HDR_LEN);
	} else {
		len = size - 1 > sizeof(pkt) ? sizeof(pkt) : size - 1;
		memcpy(pkt, data + 1, len);
	}
	match = idx == 0 && len >= PKT_HDR_LEN && rd(pkt + 24, 8) == b->xmt;
	gen = sync_snapshot(&w)->gen;
	clk = clock_at(&w, b->now + delay);
	(void)sync_src_info(&w, idx, clk, &v0);
	n = sync_on_reply(&w, idx, pkt, len, clk, b->now + delay, act,
	    SYNC_MAX_ACTS);
	check_acts(act, n);
	if (match)
		return 0;
	(void)sync_src_info(&w, idx, clk, &v1);
	PROP(n == 0);
	PROP(sync_snapshot(&w)->gen == gen);
	PROP(sync_outstanding(&w, idx) == sync_outstanding(&b->s, idx));
	PROP(v1.bogus == v0.bogus + 1 && v1.received == v0.received);
	PROP(memcmp(&w.sys, &b->s.sys, sizeof(w.sys)) == 0);
	return 0;
}

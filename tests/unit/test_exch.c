// SPDX-License-Identifier: ISC
/* Tests for core/exch: reply validation and the sample it yields. */
#include "core/exch.h"

#include <string.h>

#include "core/srv.h"
#include "core/ts.h"
#include "t.h"

#define S TS_NS_PER_S
#define T1 (1795000000LL * S)
#define XMT 0x0123456789ABCDEFULL

/* A reply from a server whose clock is `ahead` ns ahead, one-way delays
 * d1 and d2, 50 us inside the server. */
static size_t
make_reply(uint8_t *rp, int64_t ahead, int64_t d1, int64_t d2, int64_t *t4)
{
	struct srv_sys sys = { .leap = 0,
		.stratum = 2,
		.precision = -20,
		.refid = 0xC0000201u,
		.ref_ns = T1 - S,
		.root_delay_ns = 2 * S / 1000,
		.root_disp_ns = S / 1000 };
	struct pkt_hdr h = { .version = 4,
		.mode = PKT_MODE_CLIENT,
		.xmt_ts = XMT };
	uint8_t rq[PKT_HDR_LEN];
	size_t n = 0;
	int64_t t2 = T1 + d1 + ahead;

	pkt_encode_hdr(&h, rq, sizeof(rq));
	srv_respond(&sys, rq, sizeof(rq), t2, rp, 256, &n);
	srv_finish(rp, t2 + 50000);
	*t4 = T1 + d1 + 50000 + d2;
	return n;
}

static void
good_reply(void)
{
	struct exch_sample s;
	uint8_t rp[256];
	int64_t t4;
	size_t n = make_reply(rp, S / 4, 1000000, 3000000, &t4);

	T_EQ(exch_check(rp, n, XMT, T1, t4, PKT_MODE_SERVER, -20, &s), EXCH_OK);
	/* theta = ahead + (d1 - d2) / 2 = 250 ms - 1 ms */
	T_EQ(s.offset_ns, S / 4 - 1000000);
	T_EQ(s.delay_ns, 4000000);
	T_EQ(s.stratum, 2);
	T_CHECK(s.refid == 0xC0000201u);
	/* the reference time, to the NTP format's resolution (mode 6) */
	T_CHECK(s.ref_ns >= T1 - S - 1 && s.ref_ns <= T1 - S + 1);
	T_CHECK(s.root_delay_ns > 1980000 && s.root_delay_ns < 2020000);
	T_CHECK(s.disp_ns > 0 && s.disp_ns < 10000);
	T_CHECK(exch_root_distance(&s, 0) > 3000000);
	/* Mode 2 is what a mode 1 request gets; not acceptable here. */
	T_EQ(exch_check(rp, n, XMT, T1, t4, PKT_MODE_SYM_PASSIVE, -20, &s),
	    EXCH_BAD_MODE);
}

static void
rejections(void)
{
	struct exch_sample s;
	uint8_t rp[256];
	int64_t t4;
	size_t n = make_reply(rp, 0, 1000, 1000, &t4);

	T_EQ(exch_check(rp, 47, XMT, T1, t4, 4, -20, &s), EXCH_SHORT);
	T_EQ(exch_check(rp, n, XMT + 1, T1, t4, 4, -20, &s), EXCH_BAD_ORIGIN);
	/* Kiss-o'-death RATE: stratum 0, code in the refid. */
	rp[1] = 0;
	memcpy(rp + 12, "RATE", 4);
	T_EQ(exch_check(rp, n, XMT, T1, t4, 4, -20, &s), EXCH_KOD);
	T_CHECK(strcmp(s.kiss, "RATE") == 0);
	/* A KoD that does not echo our origin is not believed. */
	T_EQ(exch_check(rp, n, XMT ^ 1, T1, t4, 4, -20, &s), EXCH_BAD_ORIGIN);
	rp[1] = 16;
	T_EQ(exch_check(rp, n, XMT, T1, t4, 4, -20, &s), EXCH_UNSYNC);
	rp[1] = 3;
	rp[0] |= 0xC0;
	T_EQ(exch_check(rp, n, XMT, T1, t4, 4, -20, &s), EXCH_UNSYNC);
	rp[0] &= 0x3F;
	memset(rp + 40, 0, 8);
	T_EQ(exch_check(rp, n, XMT, T1, t4, 4, -20, &s), EXCH_BAD_TIME);
	n = make_reply(rp, 0, 1000, 1000, &t4);
	rp[4] = 0x00;
	rp[5] = 0x11; /* root delay 17 s */
	T_EQ(exch_check(rp, n, XMT, T1, t4, 4, -20, &s), EXCH_BAD_ROOT);
	T_CHECK(exch_verdict_str(EXCH_KOD)[0] != '?');
}

/* A server that randomizes the bits below its precision and answers in
 * no time reads T3 < T2 about half the time: within its precision that
 * is accepted (T3 taken = T2), beyond it the reply is bad. */
static void
sub_precision(void)
{
	struct exch_sample s;
	uint8_t rp[256];
	int64_t t4;
	size_t n = make_reply(rp, 0, 1000, 1000, &t4);
	struct pkt p;

	T_EQ(pkt_decode(rp, n, &p), PKT_OK);
	/* precision -20 is 954 ns: T3 300 ns before T2 */
	T_EQ(ts_to_ntp64(ts_from_ntp64(p.h.rec_ts) - 300, &p.h.xmt_ts), 0);
	pkt_encode_hdr(&p.h, rp, n);
	T_EQ(exch_check(rp, n, XMT, T1, t4, 4, -20, &s), EXCH_OK);
	T_EQ(s.t3_ns, s.t2_ns);
	T_CHECK(s.delay_ns >= 0);
	T_EQ(ts_to_ntp64(ts_from_ntp64(p.h.rec_ts) - 5000, &p.h.xmt_ts), 0);
	pkt_encode_hdr(&p.h, rp, n);
	T_EQ(exch_check(rp, n, XMT, T1, t4, 4, -20, &s), EXCH_BAD_TIME);
}

void
test_exch(void)
{
	good_reply();
	sub_precision();
	rejections();
}

// SPDX-License-Identifier: ISC
/* Tests for core/srv: who gets a reply and what it says. */
#include "core/srv.h"

#include <string.h>

#include "core/pkt.h"
#include "core/ts.h"
#include "t.h"

#define S TS_NS_PER_S
#define NOW (1795000000LL * S) /* 2026-11-18 */

static void
local_sys(struct srv_sys *sys)
{
	*sys = (struct srv_sys){ .leap = PKT_LEAP_NONE,
		.stratum = 10,
		.precision = -23,
		.refid = pkt_refid_str("LOCL"),
		.ref_ns = NOW - 100 * S,
		.root_delay_ns = S / 1000,
		.root_disp_ns = S / 1000 };
}

static size_t
request(uint8_t *buf, int version, int mode, int poll, uint64_t xmt)
{
	struct pkt_hdr h = { .leap = PKT_LEAP_UNSYNC,
		.version = (uint8_t)version,
		.mode = (uint8_t)mode,
		.poll = (int8_t)poll,
		.xmt_ts = xmt };

	return pkt_encode_hdr(&h, buf, PKT_HDR_LEN);
}

static void
client_reply(void)
{
	struct srv_sys sys;
	uint8_t rq[PKT_HDR_LEN], rp[256];
	struct pkt p;
	size_t n = 0;
	int v;

	local_sys(&sys);
	for (v = 1; v <= 4; v++) {
		request(rq, v, PKT_MODE_CLIENT, 6, 0x1122334455667788ULL);
		T_EQ(srv_respond(&sys, rq, sizeof(rq), NOW, rp, sizeof(rp), &n),
		    SRV_REPLY);
		T_EQ(n, PKT_HDR_LEN);
		srv_finish(rp, NOW + 1000);
		T_EQ(pkt_decode(rp, n, &p), PKT_OK);
		T_EQ(p.h.version, v);
		T_EQ(p.h.mode, PKT_MODE_SERVER);
		T_EQ(p.h.leap, PKT_LEAP_NONE);
		T_EQ(p.h.stratum, 10);
		T_EQ(p.h.precision, -23);
		T_EQ(p.h.poll, 6);
		T_CHECK(p.h.refid == pkt_refid_str("LOCL"));
		T_CHECK(p.h.org_ts == 0x1122334455667788ULL);
		T_EQ(ts_from_ntp64(p.h.rec_ts), NOW);
		T_EQ(ts_from_ntp64(p.h.xmt_ts), NOW + 1000);
		T_EQ(ts_from_ntp64(p.h.ref_ts), NOW - 100 * S);
		T_EQ(ts_from_short(p.h.root_delay) / 100000, 10);
		/* 1 ms + 15 ppm * 100 s = 2.5 ms, to short-format precision */
		T_EQ(ts_from_short(p.h.root_disp) / 100000, 25);
	}
	/* Poll is echoed, clamped to 4..17. */
	request(rq, 4, PKT_MODE_CLIENT, 0, 1);
	srv_respond(&sys, rq, sizeof(rq), NOW, rp, sizeof(rp), &n);
	pkt_decode(rp, n, &p);
	T_EQ(p.h.poll, 4);
	request(rq, 4, PKT_MODE_CLIENT, 30, 1);
	srv_respond(&sys, rq, sizeof(rq), NOW, rp, sizeof(rp), &n);
	pkt_decode(rp, n, &p);
	T_EQ(p.h.poll, 17);
}

/* Windows w32time: NTPv3, mode 3 or (some NtpServer flags) mode 1. */
static void
w32time(void)
{
	struct srv_sys sys;
	uint8_t rq[PKT_HDR_LEN], rp[256];
	struct pkt p;
	size_t n = 0;

	local_sys(&sys);
	request(rq, 3, PKT_MODE_SYM_ACTIVE, 10, 0xAABBCCDD00000000ULL);
	T_EQ(srv_respond(&sys, rq, sizeof(rq), NOW, rp, sizeof(rp), &n),
	    SRV_REPLY);
	pkt_decode(rp, n, &p);
	T_EQ(p.h.mode, PKT_MODE_SYM_PASSIVE);
	T_EQ(p.h.version, 3);
	T_CHECK(p.h.org_ts == 0xAABBCCDD00000000ULL);
}

static void
drops(void)
{
	static const int modes[] = { 0, 2, 4, 5, 6, 7 };
	struct srv_sys sys;
	uint8_t rq[300], rp[300];
	size_t n = 1, i;

	local_sys(&sys);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		request(rq, 4, modes[i], 6, 1);
		T_EQ(srv_respond(&sys, rq, PKT_HDR_LEN, NOW, rp, sizeof(rp),
		         &n),
		    SRV_DROP_MODE);
		T_EQ(n, 0);
	}
	for (i = 0; i < 8; i++) {
		if (i >= 1 && i <= 4)
			continue;
		request(rq, (int)i, PKT_MODE_CLIENT, 6, 1);
		T_EQ(srv_respond(&sys, rq, PKT_HDR_LEN, NOW, rp, sizeof(rp),
		         &n),
		    SRV_DROP_VERSION);
	}
	request(rq, 4, PKT_MODE_CLIENT, 6, 1);
	for (i = 0; i < PKT_HDR_LEN; i++)
		T_EQ(srv_respond(&sys, rq, i, NOW, rp, sizeof(rp), &n),
		    SRV_DROP_SHORT);
	memset(rq + PKT_HDR_LEN, 0xff, 10);
	T_EQ(srv_respond(&sys, rq, PKT_HDR_LEN + 10, NOW, rp, sizeof(rp), &n),
	    SRV_DROP_MALFORMED);
	T_CHECK(srv_verdict_str(SRV_DROP_MODE)[0] != '?');
}

static void
mac_gets_crypto_nak(void)
{
	struct srv_sys sys;
	uint8_t rq[PKT_HDR_LEN + PKT_MAC_MD5_LEN], rp[256];
	size_t n = 0;

	local_sys(&sys);
	request(rq, 4, PKT_MODE_CLIENT, 6, 1);
	memset(rq + PKT_HDR_LEN, 0x5A, PKT_MAC_MD5_LEN);
	T_EQ(srv_respond(&sys, rq, sizeof(rq), NOW, rp, sizeof(rp), &n),
	    SRV_REPLY);
	T_EQ(n, PKT_HDR_LEN + 4);
	T_CHECK(memcmp(rp + PKT_HDR_LEN, "\0\0\0\0", 4) == 0);
}

static void
unsynchronized(void)
{
	struct srv_sys sys;
	uint8_t rq[PKT_HDR_LEN], rp[256];
	struct pkt p;
	size_t n = 0;

	srv_sys_unsync(&sys, -20);
	request(rq, 4, PKT_MODE_CLIENT, 6, 1);
	T_EQ(srv_respond(&sys, rq, sizeof(rq), NOW, rp, sizeof(rp), &n),
	    SRV_REPLY);
	pkt_decode(rp, n, &p);
	T_EQ(p.h.leap, PKT_LEAP_UNSYNC);
	T_EQ(p.h.stratum, 16); /* never 0: that is reserved for KoD */
	T_CHECK(p.h.ref_ts == 0);
}

/* Property: whatever arrives, at most one reply, never longer than the
 * request. */
static void
never_amplifies(void)
{
	uint64_t st = t_stats.seed ^ 0x737276;
	struct srv_sys sys;
	uint8_t rq[600], rp[600];
	size_t n, len, k;
	int i, bad = 0, replies = 0;

	local_sys(&sys);
	for (i = 0; i < 100000; i++) {
		len = (size_t)(t_rand(&st) % sizeof(rq));
		if (i % 4 == 1)
			len = PKT_HDR_LEN;
		for (k = 0; k < len; k++)
			rq[k] = (uint8_t)t_rand(&st);
		if (len > 0 && (i & 1))
			rq[0] =
			    (uint8_t)((rq[0] & 0xC0) | 0x23); /* v4 mode 3 */
		if (srv_respond(&sys, rq, len, NOW, rp, sizeof(rp), &n) ==
		    SRV_REPLY)
			replies++;
		if (n > len)
			bad++;
	}
	T_EQ(bad, 0);
	T_CHECK(replies > 1000);
}

/* The template path gives the same verdicts and bytes as srv_respond,
 * and only the reference time changes with srv_tmpl_set_ref. */
static void
template_matches(void)
{
	struct srv_sys sys;
	struct srv_tmpl t;
	uint8_t rq[128], a[256], b[256];
	uint64_t seed = t_stats.seed;
	size_t na, nb, len;
	int i, same = 1;

	local_sys(&sys);
	srv_tmpl_build(&t, &sys);
	for (i = 0; i < 20000; i++) {
		size_t k;

		len = (size_t)(t_rand(&seed) % sizeof(rq));
		for (k = 0; k < len; k++)
			rq[k] = (uint8_t)t_rand(&seed);
		if (len >= 1 && i % 2)
			rq[0] = (uint8_t)(0x20 | (i % 4 ? 3 : 1)); /* v4 */
		if (srv_respond(&sys, rq, len, NOW, a, sizeof(a), &na) !=
		        srv_reply(&t, rq, len, NOW, 0, b, sizeof(b), &nb) ||
		    na != nb || memcmp(a, b, na) != 0)
			same = 0;
	}
	T_CHECK(same);
	srv_tmpl_set_ref(&t, sys.ref_ns + S);
	sys.ref_ns += S;
	len = request(rq, 4, PKT_MODE_CLIENT, 6, 42);
	T_EQ(srv_respond(&sys, rq, len, NOW, a, sizeof(a), &na), SRV_REPLY);
	T_EQ(srv_reply(&t, rq, len, NOW, 0, b, sizeof(b), &nb), SRV_REPLY);
	T_CHECK(na == nb && memcmp(a, b, na) == 0);
}

static void
kod_reply(void)
{
	struct srv_sys sys;
	struct srv_tmpl t;
	uint8_t rq[PKT_HDR_LEN], rp[256];
	struct pkt p;
	size_t n;

	local_sys(&sys);
	srv_tmpl_build(&t, &sys);
	request(rq, 3, PKT_MODE_CLIENT, 6, 0xabcdef0123456789ULL);
	T_EQ(srv_reply(&t, rq, sizeof(rq), NOW, 1, rp, sizeof(rp), &n),
	    SRV_REPLY);
	T_EQ(n, PKT_HDR_LEN);
	T_EQ(pkt_decode(rp, n, &p), PKT_OK);
	T_EQ(p.h.stratum, 0);
	T_EQ(p.h.leap, PKT_LEAP_UNSYNC);
	T_EQ(p.h.version, 3);
	T_EQ(p.h.mode, PKT_MODE_SERVER);
	T_EQ(p.h.refid, pkt_refid_str("RATE"));
	T_CHECK(p.h.org_ts == 0xabcdef0123456789ULL);
	T_CHECK(p.h.ref_ts == 0);
	/* a bad request never becomes a KoD */
	rq[0] = 0x26; /* v4 mode 6 */
	T_EQ(srv_reply(&t, rq, sizeof(rq), NOW, 1, rp, sizeof(rp), &n),
	    SRV_DROP_MODE);
	T_EQ(n, 0);
}

void
test_srv(void)
{
	client_reply();
	w32time();
	drops();
	mac_gets_crypto_nak();
	unsynchronized();
	never_amplifies();
	template_matches();
	kod_reply();
}

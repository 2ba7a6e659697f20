// SPDX-License-Identifier: ISC
/*
 * Fuzz target for the server's request handler as the engine runs it
 * (daemon/engine.c, decide()): restrict (core/acl), the mode 6 hook, the
 * reply template (core/srv), rate limiting (core/rl) with the RATE
 * kiss-o'-death, then the transmit timestamp.  A sequence of requests
 * from a few addresses at increasing times, under one of several
 * restrict/limit configurations.  Properties, for every request:
 *  - at most one reply, never longer than the request (nor 64 bytes);
 *  - a reply decodes, answers in the request's version, mode 4 to mode 3
 *    and mode 2 to mode 1, echoes the request's transmit timestamp as
 *    origin and carries a transmit timestamp;
 *  - the template path gives the same bytes as srv_respond;
 *  - no reply to a request restrict refuses, nor to modes 0, 2, 4-7;
 *  - a RATE kiss-o'-death is stratum 0, leap 3, refid RATE; any other
 *    reply carries the served stratum; at most one RATE per client per
 *    limit interval.
 *
 * Input: 4 bytes (served stratum, leap and precision, restrict choice,
 * limiter choice), then records: one byte of address index, one byte of
 * time step, two bytes of length, the request.
 */
#include <stdint.h>
#include <string.h>

#include "core/acl.h"
#include "core/pkt.h"
#include "core/rl.h"
#include "core/srv.h"
#include "core/ts.h"
#include "prop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW (1795000000LL * TS_NS_PER_S)
#define MONO0 (1000LL * TS_NS_PER_S)
#define ENG_REPLY 64 /* the engine's reply buffer */
#define N_ADDR 4
#define RL_SLOTS 16

struct fz {
	struct acl acl;
	struct rl rl;
	struct rl_entry slots[RL_SLOTS];
	int limiting;       /* the engine calls rl_check at all */
	int ratelimit;      /* ratelimit configured (everyone limited) */
	int64_t kod_gap_ns; /* least spacing of two RATEs to one client */
	struct srv_sys sys;
	struct srv_tmpl t;
	int64_t last_kod[N_ADDR];
};

static void
add_rule(struct acl *a, enum acl_kind kind, uint8_t a3, int plen,
    unsigned flags)
{
	struct acl_rule r;
	int i;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.family = kind == ACL_RULE_ADDR ? 4 : 0;
	r.addr[0] = 192;
	r.addr[1] = 0;
	r.addr[2] = 2;
	r.addr[3] = a3;
	for (i = 0; i < plen; i++)
		r.mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	r.flags = flags;
	(void)acl_add(a, &r, 0);
}

/* The restrict lines of a few typical configurations. */
static void
acl_setup(struct acl *a, uint8_t choice)
{
	acl_init(a);
	switch (choice % 6) {
	case 0: /* no restrict line */
		break;
	case 1: /* Debian's: default kod limited nomodify noquery... */
		add_rule(a, ACL_RULE_DEFAULT, 0, 0,
		    ACL_KOD | ACL_LIMITED | ACL_NOMODIFY | ACL_NOQUERY |
		        ACL_NOPEER | ACL_NOTRAP);
		break;
	case 2: /* LAN only: default ignore, one /31 served */
		add_rule(a, ACL_RULE_DEFAULT, 0, 0, ACL_IGNORE);
		add_rule(a, ACL_RULE_ADDR, 0, 31, 0);
		break;
	case 3: /* default limited without kod, one host noserve */
		add_rule(a, ACL_RULE_DEFAULT, 0, 0, ACL_LIMITED);
		add_rule(a, ACL_RULE_ADDR, 1, 32, ACL_NOSERVE);
		break;
	case 4: /* notrust: no keys here, so no time request served */
		add_rule(a, ACL_RULE_ADDR, 2, 31, ACL_NOTRUST);
		break;
	default: /* source: our own source has kod limited */
		add_rule(a, ACL_RULE_SOURCE, 0, 0, ACL_KOD | ACL_LIMITED);
		break;
	}
}

static void
rl_setup(struct fz *f, uint8_t choice)
{
	struct rl_cfg c;

	memset(&c, 0, sizeof(c));
	f->ratelimit = (choice & 0x80) != 0;
	if (f->ratelimit) {
		c.kind = RL_RATELIMIT;
		c.average_log2 = choice & 3;
		c.burst = 1 + (choice >> 2 & 7);
		c.leak_log2 = choice >> 5 & 3;
		f->kod_gap_ns = TS_NS_PER_S << c.average_log2;
	} else {
		c.kind = RL_DISCARD;
		c.average_log2 = choice & 3;
		c.minimum_s = choice >> 2 & 3;
		f->kod_gap_ns = TS_NS_PER_S << c.average_log2;
		if (c.minimum_s * TS_NS_PER_S > f->kod_gap_ns)
			f->kod_gap_ns = c.minimum_s * TS_NS_PER_S;
	}
	f->limiting = rl_init(&f->rl, &c, f->slots, RL_SLOTS, 7, 11) == 0;
}

/* The checks every reply must pass: size, shape, echo. */
static void
check_reply(const struct fz *f, const uint8_t *rq, size_t rq_len,
    const uint8_t *rp, size_t n, int kod)
{
	struct pkt q, p;

	PROP(n >= PKT_HDR_LEN && n <= rq_len && n <= ENG_REPLY);
	PROP(pkt_decode(rq, rq_len, &q) == PKT_OK);
	PROP(pkt_decode(rp, n, &p) == PKT_OK);
	PROP(p.h.version == q.h.version && p.h.org_ts == q.h.xmt_ts);
	PROP(q.h.mode == PKT_MODE_CLIENT || q.h.mode == PKT_MODE_SYM_ACTIVE);
	PROP(p.h.mode ==
	    (q.h.mode == PKT_MODE_CLIENT ? PKT_MODE_SERVER
	                                 : PKT_MODE_SYM_PASSIVE));
	PROP(p.h.xmt_ts != 0);
	if (kod)
		PROP(p.h.stratum == 0 && p.h.leap == PKT_LEAP_UNSYNC &&
		    p.h.refid == pkt_refid_str("RATE"));
	else
		PROP(p.h.stratum == f->t.hdr[1]);
}

/* engine.c's decide(): the reply length (0: none), *kod when a RATE. */
static size_t
decide(struct fz *f, int ai, const uint8_t *rq, size_t len, int64_t mono,
    uint8_t *out, int *kod)
{
	uint8_t addr[4] = { 192, 0, 2, (uint8_t)ai }, ver = 0, mode = 0;
	unsigned flags;
	size_t n = 0;
	enum rl_verdict lv;

	*kod = 0;
	flags = acl_flags(&f->acl, 4, addr, ai == 3);
	(void)pkt_peek(rq, len, &ver, &mode);
	if (acl_check(flags, mode, 0) != ACL_OK || mode == PKT_MODE_CONTROL)
		return 0;
	if (srv_reply(&f->t, rq, len, NOW, 0, out, ENG_REPLY, &n) !=
	    SRV_REPLY) {
		PROP(n == 0);
		return 0;
	}
	if (!f->limiting || (!(flags & ACL_LIMITED) && !f->ratelimit))
		return n;
	lv = rl_check(&f->rl, 4, addr, mono, (uint32_t)mono,
	    (flags & ACL_KOD) != 0);
	if (lv == RL_DROP)
		return 0;
	if (lv == RL_KOD) {
		PROP(flags & ACL_KOD);
		*kod = 1;
		PROP(srv_reply(&f->t, rq, len, NOW, 1, out, ENG_REPLY, &n) ==
		    SRV_REPLY);
	}
	return n;
}

static void
one(struct fz *f, int ai, const uint8_t *rq, size_t len, int64_t mono)
{
	uint8_t out[ENG_REPLY], direct[2048];
	size_t n, nd = 0;
	int kod;
	enum srv_verdict v;

	n = decide(f, ai, rq, len, mono, out, &kod);
	/* The template and the direct path agree, verdict and bytes. */
	v = srv_respond(&f->sys, rq, len, NOW, direct, sizeof(direct), &nd);
	if (v != SRV_REPLY)
		PROP(n == 0);
	else if (n > 0 && !kod)
		PROP(nd == n && memcmp(direct, out, n) == 0);
	if (n == 0)
		return;
	srv_finish(out, NOW + 1000);
	check_reply(f, rq, len, out, n, kod);
	if (kod) {
		PROP(f->last_kod[ai] == 0 ||
		    mono - f->last_kod[ai] >= f->kod_gap_ns);
		f->last_kod[ai] = mono;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz f;
	int64_t mono = MONO0;
	size_t off = 4, len;
	int ai;

	if (size < 4)
		return 0;
	memset(&f, 0, sizeof(f));
	f.sys = (struct srv_sys){ .leap = (uint8_t)(data[1] & 3),
		.stratum = (uint8_t)(data[0] % 17),
		.precision = (int8_t)(-(data[1] >> 2)),
		.refid = 0xc0000201u,
		.ref_ns = NOW - TS_NS_PER_S };
	srv_tmpl_build(&f.t, &f.sys);
	acl_setup(&f.acl, data[2]);
	rl_setup(&f, data[3]);
	while (off + 4 <= size) {
		ai = data[off] % N_ADDR;
		/* steps of 0 to 1.6 s, or up to 4 minutes */
		mono += (data[off + 1] & 0x80 ? 1000LL : 1LL) *
		    (int64_t)(data[off + 1] & 0x7f) * 12500000LL;
		len = (size_t)(data[off + 2] << 8 | data[off + 3]) % 1200;
		off += 4;
		if (len > size - off)
			len = size - off;
		one(&f, ai, data + off, len, mono);
		off += len;
	}
	return 0;
}

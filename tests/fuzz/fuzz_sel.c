// SPDX-License-Identifier: ISC
/*
 * Fuzz target for system selection (core/sel, RFC 5905 section 11.2) over
 * random candidates.  Properties asserted for every input:
 *  - the combined offset lies between the survivors' smallest and largest
 *    offsets (a weighted mean), so inside the hull of their correctness
 *    intervals; it and the jitter are 0 when there is no system peer;
 *  - fewer than minsane truechimers, or no majority, selects no system
 *    peer;
 *  - statuses are consistent: unusable or noselect candidates (and slots
 *    past n) are SEL_REJECT, the others are not; at most one SEL_SYSPEER,
 *    at out->sys_peer; the counts match the statuses; a prefer survivor
 *    wins over the others; clustering keeps at least minclock;
 *  - the same input gives the same result (a pure function).
 *
 * Input: 4 bytes of configuration (minclock, maxclock, minsane, the
 * previous peer), one byte of value scale, then 16 bytes per candidate.
 * Scale 0 reads offsets and distances as raw 64-bit values (saturation);
 * otherwise they are bounded to about +-2^40 ns (18 minutes), where the
 * combined offset must hold to the nanosecond.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/sel.h"
#include "prop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAND_BYTES 16

static uint64_t
rd64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int64_t
rd32s(const uint8_t *p)
{
	uint32_t v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];

	return (int64_t)(int32_t)v;
}

static void
cand_from(const uint8_t *p, int raw, struct sel_cand *c)
{
	c->usable = (p[0] & 1) != 0;
	c->prefer = (p[0] & 2) != 0;
	c->noselect = (p[0] & 4) != 0;
	c->stratum = p[1];
	if (raw) {
		c->offset_ns = (int64_t)rd64(p + 2);
		c->root_dist_ns = (int64_t)((uint64_t)rd32s(p + 10) << 24);
		c->jitter_ns = (int64_t)(uint16_t)(p[14] << 8 | p[15]) << 24;
	} else {
		c->offset_ns = rd32s(p + 2) * 256 + p[6];
		c->root_dist_ns = (rd32s(p + 7) & 0x3fffffff) * 16;
		c->jitter_ns =
		    (int64_t)(uint16_t)(p[11] << 8 | p[12]) * (1 + p[13]);
	}
}

static int
selectable(const struct sel_cand *c)
{
	return c->usable && !c->noselect;
}

/* The combined offset between the survivors' extreme offsets.  Raw
 * values may lose precision in the double arithmetic of combining: allow
 * 2^-40 of the span there, 1 ns otherwise. */
static void
check_offset(const struct sel_cand *c, size_t n, const struct sel_result *r,
    int raw)
{
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	double tol;
	size_t i;

	for (i = 0; i < n; i++) {
		if (r->status[i] != SEL_CANDIDATE &&
		    r->status[i] != SEL_SYSPEER)
			continue;
		if (c[i].offset_ns < lo)
			lo = c[i].offset_ns;
		if (c[i].offset_ns > hi)
			hi = c[i].offset_ns;
	}
	if (getenv("FUZZ_DEBUG") != NULL)
		for (i = 0; i < n; i++)
			fprintf(stderr, "%zu: %d off %lld dist %lld jit %lld\n",
			    i, (int)r->status[i], (long long)c[i].offset_ns,
			    (long long)c[i].root_dist_ns,
			    (long long)c[i].jitter_ns);
	if (getenv("FUZZ_DEBUG") != NULL)
		fprintf(stderr, "combined %lld peer %d\n",
		    (long long)r->offset_ns, r->sys_peer);
	tol = 1.0 + (raw ? ((double)hi - (double)lo) / 1099511627776.0 : 0);
	PROP((double)r->offset_ns >= (double)lo - tol &&
	    (double)r->offset_ns <= (double)hi + tol);
	PROP(r->jitter_ns >= 0);
}

static void
check_counts(const struct sel_cfg *cfg, const struct sel_cand *c, size_t n,
    const struct sel_result *r)
{
	int cnt[SEL_SYSPEER + 1] = { 0 }, prefer = 0;
	size_t i;

	for (i = 0; i < SEL_MAX; i++) {
		PROP(i < n || r->status[i] == SEL_REJECT);
		PROP(i >= n ||
		    selectable(&c[i]) == (r->status[i] != SEL_REJECT));
		cnt[r->status[i]]++;
		if (i < n && c[i].prefer &&
		    (r->status[i] == SEL_CANDIDATE ||
		        r->status[i] == SEL_SYSPEER))
			prefer = 1;
	}
	PROP(r->n_survivors == cnt[SEL_CANDIDATE] + cnt[SEL_SYSPEER]);
	PROP(!r->majority ||
	    r->n_truechimers == r->n_survivors + cnt[SEL_EXCESS]);
	PROP(r->majority ||
	    (r->n_truechimers == 0 && r->n_survivors == 0 &&
	        cnt[SEL_FALSETICK] == 0));
	PROP(cnt[SEL_SYSPEER] == (r->sys_peer >= 0));
	/* Clustering stops at minclock (and maxclock caps the candidates). */
	PROP(!r->majority || r->n_survivors == r->n_truechimers ||
	    r->n_survivors >= cfg->minclock || r->n_survivors >= cfg->maxclock);
	if (r->sys_peer < 0)
		return;
	PROP((size_t)r->sys_peer < n && r->status[r->sys_peer] == SEL_SYSPEER);
	PROP(!prefer || c[r->sys_peer].prefer);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sel_cand c[SEL_MAX + 2];
	struct sel_result r, again;
	struct sel_cfg cfg;
	size_t i, n;
	int prev, raw;

	if (size < 5)
		return 0;
	cfg.minclock = data[0] % 12;
	cfg.maxclock = data[1] % 14;
	cfg.minsane = data[2] % 6;
	prev = (int)(data[3] % (SEL_MAX + 2)) - 1;
	raw = data[4] == 0;
	n = (size - 5) / CAND_BYTES;
	if (n > SEL_MAX + 2)
		n = SEL_MAX + 2;
	memset(c, 0, sizeof(c));
	memset(&r, 0, sizeof(r));
	memset(&again, 0, sizeof(again));
	for (i = 0; i < n; i++)
		cand_from(data + 5 + i * CAND_BYTES, raw, &c[i]);
	if (prev >= (int)n)
		prev = -1;
	/* More than SEL_MAX candidates: only the first SEL_MAX count. */
	sel_run(&cfg, c, n, prev, &r);
	if (n > SEL_MAX)
		n = SEL_MAX;
	check_counts(&cfg, c, n, &r);
	if (r.n_truechimers < cfg.minsane || !r.majority)
		PROP(r.sys_peer == -1);
	if (r.sys_peer < 0)
		PROP(r.offset_ns == 0 && r.jitter_ns == 0);
	if (r.sys_peer >= 0)
		check_offset(c, n, &r, raw);
	sel_run(&cfg, c, n, prev, &again);
	PROP(memcmp(&r, &again, sizeof(r)) == 0);
	return 0;
}

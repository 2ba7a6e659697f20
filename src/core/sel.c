// SPDX-License-Identifier: ISC
/*
 * sel: system selection, RFC 5905 section 11.2.  sel_run() is a pure
 * function: it reads the candidate array, writes only *out, and keeps
 * its working lists (at most SEL_MAX indices, 3 * SEL_MAX endpoints) on
 * the stack.  Times are int64_t nanoseconds; doubles appear only in the
 * clustering and combining statistics.
 *
 * Rules beyond the RFC text, chosen here and relied on by the tests:
 * - unusable and noselect candidates are SEL_REJECT and take no part;
 * - no majority: every selectable candidate is SEL_EXCESS, no sys peer;
 * - fewer than minsane truechimers: statuses are kept, no sys peer;
 * - offset_ns and jitter_ns are 0 whenever sys_peer is -1.
 */
#include "core/sel.h"

#include <math.h>
#include <stdint.h>

/*
 * One endpoint of a correctness interval: type is -1 for the lower edge,
 * 0 for the midpoint and +1 for the upper edge, as in RFC 5905 section
 * 11.2.1, so that sorting by (val, type) puts lower edges first at equal
 * values and the intervals behave as closed.
 */
struct edge {
	int64_t val;
	int type;
};

static int64_t
sat_add(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

/* A negative distance or jitter is a caller bug; read it as zero. */
static int64_t
nonneg(int64_t v)
{
	return v < 0 ? 0 : v;
}

static int
clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Correctness interval [offset - lambda, offset + lambda], saturated. */
static int64_t
lo_edge(const struct sel_cand *c)
{
	return sat_add(c->offset_ns, -nonneg(c->root_dist_ns));
}

static int64_t
hi_edge(const struct sel_cand *c)
{
	return sat_add(c->offset_ns, nonneg(c->root_dist_ns));
}

/* lambda for weighting: a zero (or negative) one counts as 1 ns. */
static int64_t
weight_dist(const struct sel_cand *c)
{
	return c->root_dist_ns > 0 ? c->root_dist_ns : 1;
}

/* Round to the nearest nanosecond, saturating instead of overflowing. */
static int64_t
to_ns(double x)
{
	if (x >= 9.2e18)
		return INT64_MAX;
	if (x <= -9.2e18)
		return INT64_MIN;
	return (int64_t)(x < 0 ? x - 0.5 : x + 0.5);
}

static void
result_init(struct sel_result *out)
{
	int i;

	for (i = 0; i < SEL_MAX; i++)
		out->status[i] = SEL_REJECT;
	out->sys_peer = -1;
	out->n_truechimers = 0;
	out->n_survivors = 0;
	out->majority = 0;
	out->offset_ns = 0;
	out->jitter_ns = 0;
}

static void
mark(struct sel_result *out, const int *idx, int k, enum sel_status s)
{
	int i;

	for (i = 0; i < k; i++)
		out->status[idx[i]] = s;
}

/* Indices of the candidates that may vote: usable and not noselect. */
static int
gather(const struct sel_cand *c, int n, int *idx)
{
	int i, m = 0;

	for (i = 0; i < n; i++)
		if (c[i].usable && !c[i].noselect)
			idx[m++] = i;
	return m;
}

static int
edge_before(const struct edge *a, const struct edge *b)
{
	if (a->val != b->val)
		return a->val < b->val;
	return a->type < b->type;
}

/* Insertion sort: at most 3 * SEL_MAX entries, and no libc qsort here. */
static void
sort_edges(struct edge *e, int n)
{
	struct edge t;
	int i, j;

	for (i = 1; i < n; i++) {
		t = e[i];
		for (j = i; j > 0 && edge_before(&t, &e[j - 1]); j--)
			e[j] = e[j - 1];
		e[j] = t;
	}
}

/*
 * Walk the sorted endpoints from the bottom (dir 1) or the top (dir -1)
 * until need intervals overlap; store that endpoint in *at.  Midpoints
 * passed on the way lie outside the intersection and are added to *mids.
 * Returns 1 when the depth was reached, 0 when it never was.
 */
static int
scan(const struct edge *e, int ne, int dir, int need, int64_t *at, int *mids)
{
	int i, k, chime = 0;

	for (k = 0; k < ne; k++) {
		i = dir > 0 ? k : ne - 1 - k;
		chime -= dir * e[i].type;
		if (chime >= need) {
			*at = e[i].val;
			return 1;
		}
		if (e[i].type == 0)
			(*mids)++;
	}
	return 0;
}

/*
 * RFC 5905 section 11.2.1: try f = 0, 1, ... falsetickers while 2f < m.
 * The intersection [low, high] is the span where at least m - f
 * intervals overlap; it is accepted when it is not empty and at most f
 * midpoints fall outside it (more would mean the "majority" is made of
 * intervals whose own best estimates disagree with it).  low == high is
 * accepted: closed intervals touching at one point do agree.
 * Returns 0 with *low and *high set, or -1 when there is no majority.
 */
static int
intersect(const struct sel_cand *c, const int *idx, int m, int64_t *low,
    int64_t *high)
{
	struct edge e[3 * SEL_MAX];
	int i, f, mids, got_lo, got_hi;

	for (i = 0; i < m; i++) {
		e[3 * i] = (struct edge){ lo_edge(&c[idx[i]]), -1 };
		e[3 * i + 1] = (struct edge){ c[idx[i]].offset_ns, 0 };
		e[3 * i + 2] = (struct edge){ hi_edge(&c[idx[i]]), 1 };
	}
	sort_edges(e, 3 * m);
	for (f = 0; 2 * f < m; f++) {
		mids = 0;
		got_lo = scan(e, 3 * m, 1, m - f, low, &mids);
		got_hi = scan(e, 3 * m, -1, m - f, high, &mids);
		if (got_lo && got_hi && mids <= f && *low <= *high)
			return 0;
	}
	return -1;
}

/*
 * Truechimers are the candidates whose interval meets [low, high]; the
 * rest are falsetickers.  Compacts idx to the truechimers, returns their
 * count.
 */
static int
split_truechimers(const struct sel_cand *c, int *idx, int m, int64_t low,
    int64_t high, struct sel_result *out)
{
	int i, t = 0;

	for (i = 0; i < m; i++) {
		if (lo_edge(&c[idx[i]]) <= high && hi_edge(&c[idx[i]]) >= low)
			idx[t++] = idx[i];
		else
			out->status[idx[i]] = SEL_FALSETICK;
	}
	return t;
}

/*
 * Merit order of RFC 5905 section 11.2.2 (stratum * MAXDIST + lambda),
 * taken lexicographically: lower stratum, then lower root distance, then
 * lower index so that equal candidates order the same way every run.
 */
static int
merit_before(const struct sel_cand *c, int a, int b)
{
	int64_t da = nonneg(c[a].root_dist_ns), db = nonneg(c[b].root_dist_ns);

	if (c[a].stratum != c[b].stratum)
		return c[a].stratum < c[b].stratum;
	if (da != db)
		return da < db;
	return a < b;
}

static void
sort_merit(const struct sel_cand *c, int *idx, int m)
{
	int i, j, t;

	for (i = 1; i < m; i++) {
		t = idx[i];
		for (j = i; j > 0 && merit_before(c, t, idx[j - 1]); j--)
			idx[j] = idx[j - 1];
		idx[j] = t;
	}
}

/* a - b as a double, exact to the double's precision: the difference is
 * taken in integers first (two offsets 2^56 ns out and 10 ns apart would
 * otherwise round to 16 ns apart), in doubles only when it overflows. */
static double
diff_ns(int64_t a, int64_t b)
{
	if ((b > 0 && a < INT64_MIN + b) || (b < 0 && a > INT64_MAX + b))
		return (double)a - (double)b;
	return (double)(a - b);
}

/* Selection jitter of s[i]: RMS of its offset to the other k - 1. */
static double
sel_jitter(const struct sel_cand *c, const int *s, int k, int i)
{
	double d, sum = 0;
	int j;

	for (j = 0; j < k; j++) {
		d = diff_ns(c[s[j]].offset_ns, c[s[i]].offset_ns);
		sum += d * d;
	}
	return sqrt(sum / (k - 1));
}

/*
 * RFC 5905 section 11.2.2: while more than minclock survive, find the
 * largest selection jitter phi_max and the smallest peer jitter psi_min;
 * stop once phi_max <= psi_min, since dropping a survivor can then no
 * longer make the rest agree better than any one of them measures.
 * Otherwise drop the survivor with phi_max (on a tie the one later in
 * merit order) as SEL_EXCESS.  s is in merit order; returns the new k.
 */
static int
cluster(const struct sel_cand *c, int *s, int k, int minclock,
    struct sel_result *out)
{
	double phi, phi_max, psi, psi_min;
	int i, worst;

	while (k > minclock) {
		worst = 0;
		phi_max = -1;
		psi_min = 0;
		for (i = 0; i < k; i++) {
			phi = sel_jitter(c, s, k, i);
			if (phi >= phi_max) {
				phi_max = phi;
				worst = i;
			}
			psi = (double)nonneg(c[s[i]].jitter_ns);
			if (i == 0 || psi < psi_min)
				psi_min = psi;
		}
		if (phi_max <= psi_min)
			break;
		out->status[s[worst]] = SEL_EXCESS;
		for (i = worst; i < k - 1; i++)
			s[i] = s[i + 1];
		k--;
	}
	return k;
}

/*
 * A prefer survivor wins over the others (RFC 5905 section 11.2.3); the
 * pool is the prefer survivors if there are any, else all of them, and
 * its best is the first in merit order.  Against clock hopping the
 * previous peer is kept while it is in the pool and its stratum is not
 * higher than the best's, even if its distance is larger.
 */
static int
pick_peer(const struct sel_cand *c, const int *s, int k, int prev_peer)
{
	int i, best = -1, prefer = 0, prev_in = 0;

	for (i = 0; i < k; i++)
		if (c[s[i]].prefer)
			prefer = 1;
	for (i = 0; i < k; i++) {
		if (prefer && !c[s[i]].prefer)
			continue;
		if (best < 0)
			best = s[i];
		if (s[i] == prev_peer)
			prev_in = 1;
	}
	if (prev_in && c[prev_peer].stratum <= c[best].stratum)
		return prev_peer;
	return best;
}

/*
 * RFC 5905 section 11.2.3: the combined offset is the survivors' offsets
 * weighted by 1 / lambda; the selection
 * jitter psi_s is the same-weighted RMS of their offsets to the system
 * peer's, and the system jitter is sqrt(psi_s^2 + psi_p^2), psi_p being
 * the system peer's own jitter.  Sums are taken relative to the peer's
 * offset so large absolute offsets keep their precision.
 */
static void
combine(const struct sel_cand *c, const int *s, int k, struct sel_result *out)
{
	const struct sel_cand *p = &c[out->sys_peer];
	double w, d, sw = 0, swd = 0, swd2 = 0, psi_p;
	int i;

	for (i = 0; i < k; i++) {
		w = 1.0 / (double)weight_dist(&c[s[i]]);
		d = diff_ns(c[s[i]].offset_ns, p->offset_ns);
		sw += w;
		swd += w * d;
		swd2 += w * d * d;
	}
	psi_p = (double)nonneg(p->jitter_ns);
	out->offset_ns = sat_add(p->offset_ns, to_ns(swd / sw));
	out->jitter_ns = to_ns(sqrt(swd2 / sw + psi_p * psi_p));
}

int
sel_run(const struct sel_cfg *cfg, const struct sel_cand *c, size_t n,
    int prev_peer, struct sel_result *out)
{
	int idx[SEL_MAX], m, k;
	int64_t low, high;

	result_init(out);
	/* Only SEL_MAX statuses fit in *out: extra candidates are ignored. */
	m = gather(c, n > SEL_MAX ? SEL_MAX : (int)n, idx);
	if (m == 0 || intersect(c, idx, m, &low, &high) != 0) {
		mark(out, idx, m, SEL_EXCESS);
		return 0;
	}
	out->majority = 1;
	m = split_truechimers(c, idx, m, low, high, out);
	out->n_truechimers = m;
	sort_merit(c, idx, m);
	k = clampi(cfg->maxclock, 1, SEL_MAX);
	if (k < m)
		mark(out, idx + k, m - k, SEL_EXCESS);
	else
		k = m;
	k = cluster(c, idx, k, clampi(cfg->minclock, 1, SEL_MAX), out);
	mark(out, idx, k, SEL_CANDIDATE);
	out->n_survivors = k;
	if (m < cfg->minsane)
		return 0;
	out->sys_peer = pick_peer(c, idx, k, prev_peer);
	out->status[out->sys_peer] = SEL_SYSPEER;
	combine(c, idx, k, out);
	return 0;
}

const char *
sel_status_str(enum sel_status s)
{
	switch (s) {
	case SEL_REJECT:
		return "reject";
	case SEL_FALSETICK:
		return "falsetick";
	case SEL_EXCESS:
		return "excess";
	case SEL_CANDIDATE:
		return "candidate";
	case SEL_SYSPEER:
		return "sys.peer";
	}
	return "unknown";
}

// SPDX-License-Identifier: ISC
/* Tests for core/sel: intersection, clustering, combining, peer choice. */
#include "core/sel.h"

#include <stdint.h>

#include "t.h"

#define MS 1000000LL
#define US 1000LL

static const struct sel_cfg dflt = { 3, 10, 1 };

static struct sel_cand
cand(int64_t offset_ns, int64_t dist_ns, int stratum)
{
	struct sel_cand c = { 0 };

	c.usable = 1;
	c.stratum = (uint8_t)stratum;
	c.offset_ns = offset_ns;
	c.jitter_ns = 100 * US;
	c.root_dist_ns = dist_ns;
	return c;
}

static int
count(const struct sel_result *r, size_t n, enum sel_status s)
{
	size_t i;
	int k = 0;

	for (i = 0; i < n; i++)
		k += r->status[i] == s;
	return k;
}

static int64_t
iabs64(int64_t v)
{
	return v < 0 ? -v : v;
}

static void
single(void)
{
	struct sel_cand c[1] = { cand(1 * MS, 2 * MS, 1) };
	struct sel_result r;

	T_EQ(sel_run(&dflt, c, 1, -1, &r), 0);
	T_EQ(r.sys_peer, 0);
	T_EQ(r.status[0], SEL_SYSPEER);
	T_EQ(r.majority, 1);
	T_EQ(r.n_truechimers, 1);
	T_EQ(r.n_survivors, 1);
	T_EQ(r.offset_ns, 1 * MS);
	/* No other survivor: the system jitter is the peer's own. */
	T_EQ(r.jitter_ns, 100 * US);

	/* A zero lambda is a point interval; it still agrees with itself. */
	c[0].root_dist_ns = 0;
	T_EQ(sel_run(&dflt, c, 1, -1, &r), 0);
	T_EQ(r.sys_peer, 0);
	T_EQ(r.offset_ns, 1 * MS);

	T_EQ(sel_run(&dflt, c, 0, -1, &r), 0);
	T_EQ(r.sys_peer, -1);
	T_EQ(r.majority, 0);
}

static void
falsetickers(void)
{
	/* The liars have the better stratum: only the vote can reject them. */
	struct sel_cand c[5] = { cand(0, 2 * MS, 2), cand(500 * US, 2 * MS, 2),
		cand(-400 * US, 2 * MS, 2), cand(50 * MS, 2 * MS, 1),
		cand(-50 * MS, 2 * MS, 1) };
	struct sel_result r;

	T_EQ(sel_run(&dflt, c, 5, 3, &r), 0);
	T_EQ(r.majority, 1);
	T_EQ(r.status[3], SEL_FALSETICK);
	T_EQ(r.status[4], SEL_FALSETICK);
	T_EQ(r.n_truechimers, 3);
	T_EQ(r.n_survivors, 3);
	T_CHECK(r.sys_peer >= 0 && r.sys_peer <= 2);
	T_EQ(count(&r, 5, SEL_SYSPEER), 1);
	T_EQ(count(&r, 5, SEL_CANDIDATE), 2);
	T_CHECK(iabs64(r.offset_ns) < 1 * MS);
}

static void
no_majority(void)
{
	struct sel_cand c[5] = { cand(0, 2 * MS, 2), cand(300 * US, 2 * MS, 2),
		cand(50 * MS, 2 * MS, 2), cand(-50 * MS, 2 * MS, 2),
		cand(100 * MS, 2 * MS, 2) };
	struct sel_result r;
	int i;

	T_EQ(sel_run(&dflt, c, 5, 0, &r), 0);
	T_EQ(r.majority, 0);
	T_EQ(r.sys_peer, -1);
	T_EQ(r.n_truechimers, 0);
	T_EQ(r.n_survivors, 0);
	T_EQ(r.offset_ns, 0);
	for (i = 0; i < 5; i++)
		T_EQ(r.status[i], SEL_EXCESS);

	/* Two sources that disagree: neither is a majority of two. */
	T_EQ(sel_run(&dflt, c + 2, 2, -1, &r), 0);
	T_EQ(r.majority, 0);
	T_EQ(r.sys_peer, -1);
}

static void
unusable(void)
{
	struct sel_cand c[3] = { cand(0, 2 * MS, 1), cand(0, 2 * MS, 1),
		cand(0, 2 * MS, 1) };
	struct sel_result r;
	int i;

	for (i = 0; i < 3; i++)
		c[i].usable = 0;
	T_EQ(sel_run(&dflt, c, 3, 1, &r), 0);
	T_EQ(r.sys_peer, -1);
	T_EQ(r.majority, 0);
	T_EQ(r.n_truechimers, 0);
	T_EQ(count(&r, 3, SEL_REJECT), 3);

	/* One usable among them is a majority of one. */
	c[1].usable = 1;
	T_EQ(sel_run(&dflt, c, 3, -1, &r), 0);
	T_EQ(r.sys_peer, 1);
	T_EQ(r.status[0], SEL_REJECT);
	T_EQ(r.status[2], SEL_REJECT);
}

static void
prefer(void)
{
	struct sel_cand c[4] = { cand(0, 1 * MS, 1), cand(200 * US, 3 * MS, 3),
		cand(-200 * US, 2 * MS, 2), cand(80 * MS, 1 * MS, 1) };
	struct sel_result r;

	T_EQ(sel_run(&dflt, c, 4, -1, &r), 0);
	T_EQ(r.sys_peer, 0);
	c[1].prefer = 1;
	T_EQ(sel_run(&dflt, c, 4, -1, &r), 0);
	T_EQ(r.sys_peer, 1);
	T_EQ(r.status[1], SEL_SYSPEER);
	T_EQ(r.status[0], SEL_CANDIDATE);
	/* Prefer beats the previous peer too. */
	T_EQ(sel_run(&dflt, c, 4, 0, &r), 0);
	T_EQ(r.sys_peer, 1);
	/* A preferred falseticker stays a falseticker. */
	c[1].prefer = 0;
	c[3].prefer = 1;
	T_EQ(sel_run(&dflt, c, 4, 3, &r), 0);
	T_EQ(r.status[3], SEL_FALSETICK);
	T_EQ(r.sys_peer, 0);
}

static void
hysteresis(void)
{
	struct sel_cand c[4] = { cand(0, 1 * MS, 2), cand(100 * US, 2 * MS, 2),
		cand(-100 * US, 3 * MS, 3), cand(60 * MS, 1 * MS, 1) };
	struct sel_result r;

	T_EQ(sel_run(&dflt, c, 4, -1, &r), 0);
	T_EQ(r.sys_peer, 0);
	/* Same stratum, larger distance: the old peer stays. */
	T_EQ(sel_run(&dflt, c, 4, 1, &r), 0);
	T_EQ(r.sys_peer, 1);
	T_EQ(r.status[1], SEL_SYSPEER);
	T_EQ(r.status[0], SEL_CANDIDATE);
	/* Higher stratum than the best: hop to the best. */
	T_EQ(sel_run(&dflt, c, 4, 2, &r), 0);
	T_EQ(r.sys_peer, 0);
	/* No longer a survivor: hop. */
	T_EQ(sel_run(&dflt, c, 4, 3, &r), 0);
	T_EQ(r.sys_peer, 0);
	c[1].usable = 0;
	T_EQ(sel_run(&dflt, c, 4, 1, &r), 0);
	T_EQ(r.sys_peer, 0);
	/* Out-of-range previous peers are ignored. */
	T_EQ(sel_run(&dflt, c, 4, 99, &r), 0);
	T_EQ(r.sys_peer, 0);
	T_EQ(sel_run(&dflt, c, 4, -7, &r), 0);
	T_EQ(r.sys_peer, 0);
}

static void
minsane(void)
{
	struct sel_cfg cfg = { 3, 10, 3 };
	struct sel_cand c[2] = { cand(0, 2 * MS, 1),
		cand(100 * US, 2 * MS, 1) };
	struct sel_result r;

	T_EQ(sel_run(&cfg, c, 2, 0, &r), 0);
	T_EQ(r.majority, 1);
	T_EQ(r.n_truechimers, 2);
	T_EQ(r.sys_peer, -1);
	T_EQ(count(&r, 2, SEL_SYSPEER), 0);
	T_EQ(r.offset_ns, 0);
	cfg.minsane = 2;
	T_EQ(sel_run(&cfg, c, 2, -1, &r), 0);
	T_EQ(r.sys_peer, 0);
}

static void
clustering(void)
{
	/* Wide intervals: all five are truechimers, one is an outlier. */
	struct sel_cand c[5] = { cand(0, 20 * MS, 2),
		cand(100 * US, 20 * MS, 2), cand(-100 * US, 20 * MS, 2),
		cand(200 * US, 20 * MS, 2), cand(8 * MS, 20 * MS, 1) };
	struct sel_cfg cfg = dflt;
	struct sel_result r;
	int i;

	for (i = 0; i < 5; i++)
		c[i].jitter_ns = 1 * MS;
	T_EQ(sel_run(&cfg, c, 5, 4, &r), 0);
	T_EQ(r.n_truechimers, 5);
	T_EQ(r.status[4], SEL_EXCESS);
	/* The rest agree within their peer jitter: pruning stops at 4. */
	T_EQ(r.n_survivors, 4);
	T_EQ(r.sys_peer, 0);
	T_CHECK(iabs64(r.offset_ns - 50 * US) <= 1);

	/* minclock 5: nothing may be pruned. */
	cfg.minclock = 5;
	T_EQ(sel_run(&cfg, c, 5, -1, &r), 0);
	T_EQ(r.n_survivors, 5);
	T_EQ(r.sys_peer, 4);

	/* Peer jitter above the spread: pruning would not help. */
	cfg.minclock = 3;
	for (i = 0; i < 5; i++)
		c[i].jitter_ns = 10 * MS;
	T_EQ(sel_run(&cfg, c, 5, -1, &r), 0);
	T_EQ(r.n_survivors, 5);

	/* Tiny peer jitter: pruning goes down to minclock. */
	for (i = 0; i < 5; i++)
		c[i].jitter_ns = 1 * US;
	T_EQ(sel_run(&cfg, c, 5, -1, &r), 0);
	T_EQ(r.n_survivors, 3);
	T_EQ(count(&r, 5, SEL_EXCESS), 2);
	T_EQ(r.status[4], SEL_EXCESS);
	/* -0.1 and +0.2 ms tie on selection jitter: the later in merit goes. */
	T_EQ(r.status[3], SEL_EXCESS);
	T_EQ(r.status[2], SEL_CANDIDATE);
}

static void
maxclock(void)
{
	struct sel_cand c[5] = { cand(0, 20 * MS, 2),
		cand(100 * US, 20 * MS, 2), cand(-100 * US, 19 * MS, 2),
		cand(200 * US, 20 * MS, 2), cand(8 * MS, 20 * MS, 1) };
	struct sel_cfg cfg = { 1, 2, 1 };
	struct sel_result r;
	int i;

	/* maxclock 2: the three of worst merit are excess before pruning. */
	for (i = 0; i < 5; i++)
		c[i].jitter_ns = 10 * MS;
	T_EQ(sel_run(&cfg, c, 5, -1, &r), 0);
	T_EQ(r.n_truechimers, 5);
	T_EQ(r.n_survivors, 2);
	T_EQ(r.status[4], SEL_SYSPEER);
	T_EQ(r.status[2], SEL_CANDIDATE);
	T_EQ(count(&r, 5, SEL_EXCESS), 3);
}

static void
combining(void)
{
	/* Weights 1 and 1/3: offset 0.25 ms; psi_s = 0.5 ms. */
	struct sel_cand c[2] = { cand(0, 1 * MS, 2), cand(1 * MS, 3 * MS, 2) };
	struct sel_result r;

	c[0].jitter_ns = 0;
	T_EQ(sel_run(&dflt, c, 2, -1, &r), 0);
	T_EQ(r.sys_peer, 0);
	T_EQ(r.offset_ns, 250 * US);
	T_EQ(r.jitter_ns, 500 * US);
	/* sqrt(0.5^2 + 0.5^2) ms */
	c[0].jitter_ns = 500 * US;
	T_EQ(sel_run(&dflt, c, 2, -1, &r), 0);
	T_EQ(r.jitter_ns, 707107);
	/* Found by fuzz target sel: offsets 2^56 ns out and 10 ns apart
	 * were combined to 6 ns outside both (differences taken after the
	 * conversion to double, whose step there is 16 ns). */
	c[0] = cand(72057594037927936LL, 1 * MS, 2);
	c[1] = cand(72057594037927946LL, 100 * MS, 1);
	T_EQ(sel_run(&dflt, c, 2, -1, &r), 0);
	T_CHECK(r.offset_ns >= c[0].offset_ns && r.offset_ns <= c[1].offset_ns);
}

static void
noselect(void)
{
	struct sel_cand c[3] = { cand(0, 1 * MS, 1), cand(100 * US, 4 * MS, 3),
		cand(-100 * US, 4 * MS, 3) };
	struct sel_result r;

	c[0].noselect = 1;
	c[0].prefer = 1;
	T_EQ(sel_run(&dflt, c, 3, 0, &r), 0);
	T_EQ(r.status[0], SEL_REJECT);
	T_EQ(r.sys_peer, 1);
	T_EQ(r.n_truechimers, 2);
	T_EQ(sel_run(&dflt, c, 1, -1, &r), 0);
	T_EQ(r.sys_peer, -1);
	T_EQ(r.status[0], SEL_REJECT);
}

static void
extremes(void)
{
	struct sel_cand c[SEL_MAX + 2];
	struct sel_result r;
	int i;

	/*
	 * Huge offsets and distances saturate instead of overflowing (the
	 * sanitizer build checks).  A negative distance reads as zero.
	 */
	c[0] = cand(INT64_MAX, INT64_MAX, 1);
	c[1] = cand(INT64_MAX - 3, INT64_MAX, 1);
	c[2] = cand(INT64_MAX - 1, -5, 1);
	c[2].jitter_ns = INT64_MAX;
	c[3] = cand(INT64_MIN, INT64_MAX, 1);
	T_EQ(sel_run(&dflt, c, 3, -1, &r), 0);
	T_EQ(r.majority, 1);
	T_EQ(r.sys_peer, 2);
	T_EQ(r.offset_ns, INT64_MAX - 1);
	T_EQ(r.jitter_ns, INT64_MAX);
	/* [MIN, -1] meets none of them; their midpoints split the rest. */
	T_EQ(sel_run(&dflt, c, 4, -1, &r), 0);
	T_EQ(r.majority, 0);

	/* More than SEL_MAX: the extra ones are not looked at. */
	for (i = 0; i < SEL_MAX + 2; i++)
		c[i] = cand(i * US, 2 * MS, 2);
	c[SEL_MAX].stratum = 1;
	T_EQ(sel_run(&dflt, c, SEL_MAX + 2, -1, &r), 0);
	T_CHECK(r.sys_peer >= 0 && r.sys_peer < SEL_MAX);
	T_EQ(r.n_truechimers, SEL_MAX);
	T_CHECK(r.n_survivors <= 10);
}

static void
strings(void)
{
	T_CHECK(sel_status_str(SEL_REJECT)[0] == 'r');
	T_CHECK(sel_status_str(SEL_FALSETICK)[0] == 'f');
	T_CHECK(sel_status_str(SEL_EXCESS)[0] == 'e');
	T_CHECK(sel_status_str(SEL_CANDIDATE)[0] == 'c');
	T_CHECK(sel_status_str(SEL_SYSPEER)[4] == 'p');
}

static int64_t
rnd(uint64_t *st, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(t_rand(st) % (uint64_t)(hi - lo + 1));
}

/*
 * g agreeing sources around truth (same lambda, spread under lambda / 2)
 * and b < g liars spaced a second apart: the vote must be exact.
 */
static int
structured(uint64_t *st, struct sel_cand *c, int *is_bad)
{
	int64_t truth = rnd(st, -100 * MS, 100 * MS), d = rnd(st, 1, 10) * MS;
	int i, g = (int)rnd(st, 1, SEL_MAX / 2), b = (int)rnd(st, 0, g - 1);
	int n = g + b, k;

	for (i = 0; i < n; i++) {
		k = (int)(t_rand(st) % 2) ? 1 : -1;
		is_bad[i] = i >= g;
		c[i] =
		    cand(truth + rnd(st, -d / 4, d / 4), d, (int)rnd(st, 1, 4));
		if (is_bad[i])
			c[i].offset_ns = truth + k * (i + 1) * 1000 * MS;
	}
	return n;
}

static int
structured_ok(const struct sel_result *r, const int *is_bad, int n)
{
	int i, good = 0;

	for (i = 0; i < n; i++) {
		if (is_bad[i] != (r->status[i] == SEL_FALSETICK))
			return 0;
		good += !is_bad[i];
	}
	return r->majority && r->n_truechimers == good && r->sys_peer >= 0 &&
	    !is_bad[r->sys_peer];
}

static void
random_cand(uint64_t *st, struct sel_cand *c)
{
	int64_t spread = rnd(st, 0, 3) == 0 ? 500 * MS : 5 * MS;

	*c = cand(rnd(st, -spread, spread), rnd(st, 0, 20 * MS),
	    (int)rnd(st, 1, 15));
	c->usable = rnd(st, 0, 9) != 0;
	c->noselect = rnd(st, 0, 9) == 0;
	c->prefer = rnd(st, 0, 7) == 0;
	c->jitter_ns = rnd(st, 0, 3 * MS);
}

static int
selectable(const struct sel_cand *c)
{
	return c->usable && !c->noselect;
}

/* How many selectable intervals contain the point x. */
static int
depth(const struct sel_cand *c, int n, int64_t x)
{
	int j, k = 0;

	for (j = 0; j < n; j++)
		k += selectable(&c[j]) &&
		    c[j].offset_ns - c[j].root_dist_ns <= x &&
		    x <= c[j].offset_ns + c[j].root_dist_ns;
	return k;
}

/*
 * The majority interval [low, high] has ends inside m - f > m / 2
 * intervals (though not every point between them need be), so it lies
 * within the hull [*p, *q] of the points covered by more than half of the
 * m selectable intervals.  Such points' extremes are interval edges.
 * Returns 0 when no point is covered by more than half.
 */
static int
majority_hull(const struct sel_cand *c, int n, int64_t *p, int64_t *q)
{
	int j, m = 0, fp = 0, fq = 0;
	int64_t lo, hi;

	for (j = 0; j < n; j++)
		m += selectable(&c[j]);
	for (j = 0; j < n; j++) {
		if (!selectable(&c[j]))
			continue;
		lo = c[j].offset_ns - c[j].root_dist_ns;
		hi = c[j].offset_ns + c[j].root_dist_ns;
		if (2 * depth(c, n, lo) > m && (!fp || lo < *p)) {
			*p = lo;
			fp = 1;
		}
		if (2 * depth(c, n, hi) > m && (!fq || hi > *q)) {
			*q = hi;
			fq = 1;
		}
	}
	return fp && fq;
}

/* Does candidate i's interval meet [p, q]? */
static int
meets_hull(const struct sel_cand *c, int i, int64_t p, int64_t q)
{
	return c[i].offset_ns - c[i].root_dist_ns <= q &&
	    p <= c[i].offset_ns + c[i].root_dist_ns;
}

/* Statuses agree with counts and flags; returns the number of faults. */
static int
check_status(const struct sel_cand *c, int n, const struct sel_result *r,
    const struct sel_cfg *cfg)
{
	int i, bad = 0, surv = 0, tc = 0, pref = 0, hull;
	int64_t p = 0, q = 0;
	enum sel_status s;

	hull = majority_hull(c, n, &p, &q);
	bad += r->majority && !hull;
	for (i = 0; i < n; i++) {
		s = r->status[i];
		if (!selectable(&c[i])) {
			bad += s != SEL_REJECT;
			continue;
		}
		bad += s == SEL_REJECT;
		bad += !r->majority && s != SEL_EXCESS;
		surv += s == SEL_CANDIDATE || s == SEL_SYSPEER;
		pref += (s == SEL_CANDIDATE || s == SEL_SYSPEER) && c[i].prefer;
		if (r->majority && s != SEL_FALSETICK) {
			tc++;
			bad += !meets_hull(c, i, p, q);
		}
		bad += s == SEL_SYSPEER && r->sys_peer != i;
	}
	bad += r->majority && tc != r->n_truechimers;
	bad += surv != r->n_survivors || r->n_survivors > cfg->maxclock;
	bad += r->n_survivors > r->n_truechimers;
	bad += pref && r->sys_peer >= 0 && !c[r->sys_peer].prefer;
	return bad;
}

/* The sys peer is a survivor of a sane majority; the offset is in range. */
static int
check_peer(const struct sel_cand *c, int n, const struct sel_result *r,
    const struct sel_cfg *cfg)
{
	int i, sp = r->sys_peer, bad = 0;
	int64_t lo = INT64_MAX, hi = INT64_MIN;

	if (sp < 0)
		return r->offset_ns != 0 || r->jitter_ns != 0;
	if (sp >= n || r->status[sp] != SEL_SYSPEER || !r->majority)
		return 1;
	bad += r->n_truechimers < cfg->minsane;
	bad += !selectable(&c[sp]);
	for (i = 0; i < n; i++) {
		if (r->status[i] != SEL_CANDIDATE &&
		    r->status[i] != SEL_SYSPEER)
			continue;
		lo = c[i].offset_ns < lo ? c[i].offset_ns : lo;
		hi = c[i].offset_ns > hi ? c[i].offset_ns : hi;
	}
	bad += r->offset_ns < lo || r->offset_ns > hi;
	bad += r->jitter_ns < c[sp].jitter_ns;
	return bad;
}

/* One random configuration; returns the number of property faults. */
static int
random_round(uint64_t *st, int structured_round, struct sel_result *r)
{
	struct sel_cand c[SEL_MAX];
	struct sel_cfg cfg;
	int j, n, prev, is_bad[SEL_MAX], bad;

	cfg.minclock = (int)rnd(st, 1, 5);
	cfg.maxclock = (int)rnd(st, 1, 12);
	cfg.minsane = (int)rnd(st, 0, 4);
	if (structured_round) {
		n = structured(st, c, is_bad);
		cfg.minsane = 1;
	} else {
		n = (int)rnd(st, 0, SEL_MAX);
		for (j = 0; j < n; j++)
			random_cand(st, &c[j]);
	}
	prev = (int)rnd(st, -1, n);
	bad = sel_run(&cfg, c, (size_t)n, prev, r) != 0;
	bad += check_status(c, n, r, &cfg) + check_peer(c, n, r, &cfg);
	if (structured_round)
		bad += !structured_ok(r, is_bad, n);
	return bad;
}

static void
randomized(void)
{
	uint64_t st = t_stats.seed ^ 0x73656c;
	struct sel_result r;
	int i, s, bad = 0, seen[SEL_SYSPEER + 1] = { 0 }, no_major = 0;

	for (i = 0; i < 20000; i++) {
		bad += random_round(&st, i % 2, &r);
		if (i % 2)
			continue;
		no_major += !r.majority && r.n_truechimers == 0;
		for (s = 0; s < SEL_MAX; s++)
			seen[r.status[s]]++;
	}
	T_EQ(bad, 0);
	/* The fully random half must reach every outcome, not only some. */
	T_CHECK(no_major > 100);
	for (s = SEL_REJECT; s <= SEL_SYSPEER; s++)
		T_CHECK(seen[s] > 100);
}

void
test_sel(void)
{
	single();
	falsetickers();
	no_majority();
	unusable();
	prefer();
	hysteresis();
	minsane();
	clustering();
	maxclock();
	combining();
	noselect();
	extremes();
	strings();
	randomized();
}

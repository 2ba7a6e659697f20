// SPDX-License-Identifier: ISC
/* Tests for core/disc: convergence on a model clock, steps, spikes,
 * panic, slew semantics, poll adaptation and priming. */
#include "core/disc.h"

#include "core/ts.h"
#include "t.h"

#define S TS_NS_PER_S
#define MS 1000000LL
#define US 1000LL
#define T0 (1000 * S) /* local time of the first update */

static const struct disc_cfg dflt = { 128 * MS, 1000 * S, 300 * S, 0, 4, 10, 0,
	0, 0 };

/*
 * A model oscillator: before any correction the measured offset would
 * be x0 + f t (the local clock falls behind by x0 and runs f slow), so
 * with the corrections C(t) disc has commanded the true offset is
 * theta(t) = x0 + f t - C(t).
 */
struct model {
	struct disc d;
	int64_t x0_ns, f_ppb;
	uint64_t rng;
};

static int64_t
theta(const struct model *m, int64_t t)
{
	int64_t dt = t - T0;
	int64_t drift = dt / S * m->f_ppb + dt % S * m->f_ppb / S;

	return m->x0_ns + drift - disc_correction_at(&m->d, t);
}

/* Uniform noise in [-amp, amp]. */
static int64_t
noise(struct model *m, int64_t amp)
{
	return (int64_t)(t_rand(&m->rng) % (uint64_t)(2 * amp + 1)) - amp;
}

static enum disc_verdict
measure(struct model *m, int64_t t, int64_t amp, struct disc_cmd *cmd)
{
	return disc_update(&m->d, t, theta(m, t) + noise(m, amp), 20 * US, cmd);
}

static void
model_init(struct model *m, const struct disc_cfg *cfg, int64_t x0,
    int64_t f_ppb)
{
	disc_init(&m->d, cfg, 0);
	m->x0_ns = x0;
	m->f_ppb = f_ppb;
	m->rng = t_stats.seed ^ 0x5DEECE66DULL;
}

/* (a) 50 ms behind, 20 ppm slow: the frequency correction settles at
 * +20 ppm (C must grow as x0 + f t does) and the offset goes to zero. */
static void
converge(void)
{
	struct model m;
	struct disc_cmd cmd;
	int64_t t = T0;
	int i, slews = 0;

	model_init(&m, &dflt, 50 * MS, 20000);
	for (i = 0; i < 40; i++, t += 16 * S)
		slews += measure(&m, t, 10 * US, &cmd) == DISC_SLEW;
	T_EQ(slews, 40);
	T_CHECK(ts_abs(cmd.freq_ppb - 20000) < 500);
	T_CHECK(ts_abs(m.d.freq_ppb - 20000) < 500);
	/* On time at the last update and after it. */
	T_CHECK(ts_abs(theta(&m, t - 16 * S)) < 100 * US);
	T_CHECK(ts_abs(theta(&m, t + 10 * S)) < 100 * US);
	T_CHECK(ts_abs(m.d.offset_ns) < 100 * US);
}

/* The same with the opposite sign, and with a clock that is only off in
 * phase: the frequency stays near zero. */
static void
converge_signs(void)
{
	struct model m;
	struct disc_cmd cmd;
	int64_t t = T0;
	int i;

	model_init(&m, &dflt, -80 * MS, -35000);
	for (i = 0; i < 60; i++, t += 16 * S)
		measure(&m, t, 10 * US, &cmd);
	T_CHECK(ts_abs(m.d.freq_ppb + 35000) < 500);
	T_CHECK(ts_abs(theta(&m, t)) < 100 * US);
	model_init(&m, &dflt, 30 * MS, 0);
	for (i = 0, t = T0; i < 60; i++, t += 16 * S)
		measure(&m, t, 10 * US, &cmd);
	T_CHECK(ts_abs(m.d.freq_ppb) < 500);
	T_CHECK(ts_abs(theta(&m, t)) < 100 * US);
}

/* (b) Beyond the step threshold at the first update: step at once. */
static void
first_step(void)
{
	struct disc d;
	struct disc_cmd cmd;

	disc_init(&d, &dflt, 0);
	T_EQ(disc_update(&d, T0, 200 * MS, 20 * US, &cmd), DISC_STEP);
	T_EQ(cmd.step_ns, 200 * MS);
	T_EQ(cmd.slew_ns, 0);
	T_EQ(disc_correction_at(&d, T0), 200 * MS);
	T_EQ(disc_phase_at(&d, T0 + 100 * S), 200 * MS);
	disc_init(&d, &dflt, 0);
	T_EQ(disc_update(&d, T0, -129 * MS, 20 * US, &cmd), DISC_STEP);
	T_EQ(cmd.step_ns, -129 * MS);
	/* At the threshold itself: slew. */
	disc_init(&d, &dflt, 0);
	T_EQ(disc_update(&d, T0, 128 * MS, 20 * US, &cmd), DISC_SLEW);
	T_EQ(cmd.step_ns, 0);
}

/* A few quiet updates, then t is after them. */
static int64_t
quiet(struct disc *d, const struct disc_cfg *cfg, int n)
{
	struct disc_cmd cmd;
	int64_t t = T0;
	int i;

	disc_init(d, cfg, 0);
	for (i = 0; i < n; i++, t += 16 * S)
		disc_update(d, t, 0, 20 * US, &cmd);
	return t;
}

/* (c) Later, beyond step: a spike until it persisted for stepout. */
static void
spike_then_step(void)
{
	struct disc d;
	struct disc_cmd cmd;
	int64_t t = quiet(&d, &dflt, 5), t1 = t;

	T_EQ(disc_update(&d, t1, 300 * MS, 20 * US, &cmd), DISC_SPIKE);
	T_EQ(disc_correction_at(&d, t1 + 100 * S), 0); /* clock left alone */
	for (t = t1 + 16 * S; t < t1 + 300 * S; t += 16 * S)
		T_EQ(disc_update(&d, t, 300 * MS, 20 * US, &cmd), DISC_SPIKE);
	T_EQ(disc_update(&d, t1 + 300 * S - 1, -300 * MS, 20 * US, &cmd),
	    DISC_SPIKE);
	T_EQ(disc_update(&d, t1 + 300 * S, 310 * MS, 20 * US, &cmd), DISC_STEP);
	T_EQ(cmd.step_ns, 310 * MS); /* by the newest offset */
	/* The spike state is over: a new excursion starts a new wait. */
	T_EQ(disc_update(&d, t1 + 316 * S, 300 * MS, 20 * US, &cmd),
	    DISC_SPIKE);
}

/* An offset back within the threshold restarts the step-out wait. */
static void
spike_reset(void)
{
	struct disc d;
	struct disc_cmd cmd;
	int64_t t1 = quiet(&d, &dflt, 5);

	T_EQ(disc_update(&d, t1, 300 * MS, 20 * US, &cmd), DISC_SPIKE);
	T_EQ(disc_update(&d, t1 + 16 * S, 0, 20 * US, &cmd), DISC_SLEW);
	T_EQ(disc_update(&d, t1 + 32 * S, 300 * MS, 20 * US, &cmd), DISC_SPIKE);
	T_EQ(disc_update(&d, t1 + 320 * S, 300 * MS, 20 * US, &cmd),
	    DISC_SPIKE);
	T_EQ(disc_update(&d, t1 + 332 * S, 300 * MS, 20 * US, &cmd), DISC_STEP);
}

/* (d) Beyond panic: refuse, unless -g allows the first correction. */
static void
panic(void)
{
	struct disc_cfg g = dflt;
	struct disc d;
	struct disc_cmd cmd;
	int64_t t;

	disc_init(&d, &dflt, 0);
	T_EQ(disc_update(&d, T0, 2000 * S, 20 * US, &cmd), DISC_PANIC);
	T_EQ(disc_update(&d, T0, -1001 * S, 20 * US, &cmd), DISC_PANIC);
	T_EQ(disc_correction_at(&d, T0 + S), 0);
	g.panic_once_ok = 1;
	disc_init(&d, &g, 0);
	T_EQ(disc_update(&d, T0, 2000 * S, 20 * US, &cmd), DISC_STEP);
	T_EQ(cmd.step_ns, 2000 * S);
	T_EQ(disc_update(&d, T0 + 16 * S, 2000 * S, 20 * US, &cmd), DISC_PANIC);
	/* -g is for the first update only. */
	t = quiet(&d, &g, 3);
	T_EQ(disc_update(&d, t, 2000 * S, 20 * US, &cmd), DISC_PANIC);
	/* panic 0: no limit. */
	g = dflt;
	g.panic_ns = 0;
	disc_init(&d, &g, 0);
	T_EQ(disc_update(&d, T0, 2000 * S, 20 * US, &cmd), DISC_STEP);
}

/* (e) step 0: never step, never spike; every correction is a slew. */
static void
never_step(void)
{
	struct disc_cfg c = dflt;
	struct disc d;
	struct disc_cmd cmd;
	int64_t t;

	c.step_ns = 0;
	disc_init(&d, &c, 0);
	T_EQ(disc_update(&d, T0, 1 * S, 20 * US, &cmd), DISC_SLEW);
	T_EQ(cmd.step_ns, 0);
	T_EQ(cmd.slew_ns, 1 * S);
	t = quiet(&d, &c, 5);
	T_EQ(disc_update(&d, t, 10 * S, 20 * US, &cmd), DISC_SLEW);
	T_EQ(cmd.step_ns, 0);
	T_CHECK(cmd.slew_ns > 0);
	T_EQ(disc_update(&d, t + 400 * S, 10 * S, 20 * US, &cmd), DISC_SLEW);
}

/* (f) A slew runs at 500 ppm until done. */
static void
slew_rate(void)
{
	struct disc_cfg c = dflt;
	struct disc d;
	struct disc_cmd cmd;

	disc_init(&d, &c, 0);
	T_EQ(disc_update(&d, T0, 10 * MS, 20 * US, &cmd), DISC_SLEW);
	T_EQ(cmd.slew_ns, 10 * MS);
	T_EQ(cmd.freq_ppb, 0);
	T_EQ(disc_correction_at(&d, T0), 0);
	T_EQ(disc_correction_at(&d, T0 + 1 * S), 500 * US);
	T_EQ(disc_correction_at(&d, T0 + 10 * S), 5 * MS);
	T_EQ(disc_correction_at(&d, T0 + 20 * S), 10 * MS);
	T_EQ(disc_correction_at(&d, T0 + 500 * S), 10 * MS);
	T_EQ(disc_phase_at(&d, T0 + 4 * S), 2 * MS);
	disc_init(&d, &c, 0);
	T_EQ(disc_update(&d, T0, -6 * MS, 20 * US, &cmd), DISC_SLEW);
	T_EQ(disc_correction_at(&d, T0 + 2 * S), -1 * MS);
	T_EQ(disc_correction_at(&d, T0 + 60 * S), -6 * MS);
}

/* With maxslewrate, a slew runs at |slew| per second (so it takes about a
 * second) between 500 ppm and the maximum: 100 ms at 83 333 ppm in
 * 1.2 s, 10 ms in 1 s, 100 us at 500 ppm in 0.2 s. */
static void
fast_slew(void)
{
	struct disc_cfg c = dflt;
	struct disc d;
	struct disc_cmd cmd;

	c.max_slew_ppb = DISC_MAX_SLEW_PPB;
	disc_init(&d, &c, 0);
	T_EQ(disc_update(&d, T0, 100 * MS, 20 * US, &cmd), DISC_SLEW);
	T_EQ(cmd.slew_rate_ppb, DISC_MAX_SLEW_PPB);
	T_EQ(disc_correction_at(&d, T0 + 1 * S), DISC_MAX_SLEW_PPB);
	T_EQ(disc_correction_at(&d, T0 + 2 * S), 100 * MS);
	disc_init(&d, &c, 0);
	disc_update(&d, T0, -10 * MS, 20 * US, &cmd);
	T_EQ(cmd.slew_rate_ppb, 10 * MS);
	T_EQ(disc_correction_at(&d, T0 + S / 2), -5 * MS);
	T_EQ(disc_correction_at(&d, T0 + 1 * S), -10 * MS);
	disc_init(&d, &c, 0);
	disc_update(&d, T0, 100 * US, 20 * US, &cmd);
	T_EQ(cmd.slew_rate_ppb, DISC_SLEW_RATE_PPB);
	T_EQ(disc_correction_at(&d, T0 + S / 10), 50 * US);
	/* A backend held to the frequency field (no ADJ_TICK): 250 ppm. */
	c.max_slew_ppb = DISC_SLEW_RATE_PPB / 2;
	disc_init(&d, &c, 0);
	disc_update(&d, T0, 10 * MS, 20 * US, &cmd);
	T_EQ(cmd.slew_rate_ppb, DISC_SLEW_RATE_PPB / 2);
	T_EQ(disc_correction_at(&d, T0 + 4 * S), 1 * MS);
}

/* makestep 0.5 2: offsets beyond 0.5 s are stepped at once in the first
 * two updates; after that the step threshold and step-out rule again. */
static void
makestep(void)
{
	struct disc_cfg c = dflt;
	struct disc d;
	struct disc_cmd cmd;

	c.makestep_ns = 500 * MS;
	c.makestep_limit = 2;
	disc_init(&d, &c, 0);
	T_EQ(disc_update(&d, T0, 1 * S, 20 * US, &cmd), DISC_STEP);
	T_EQ(disc_update(&d, T0 + 16 * S, 600 * MS, 20 * US, &cmd), DISC_STEP);
	T_EQ(cmd.step_ns, 600 * MS);
	T_EQ(disc_update(&d, T0 + 32 * S, 600 * MS, 20 * US, &cmd), DISC_SPIKE);
	/* With no step threshold at all, makestep still steps at start. */
	c.step_ns = 0;
	disc_init(&d, &c, 0);
	T_EQ(disc_update(&d, T0, 1 * S, 20 * US, &cmd), DISC_STEP);
	T_EQ(disc_update(&d, T0 + 16 * S, 300 * MS, 20 * US, &cmd), DISC_SLEW);
}

/* The next command's slew replaces what is left of the last one. */
static void
slew_replaced(void)
{
	struct disc d;
	struct disc_cmd cmd;
	int64_t t2 = T0 + 10 * S, c2, fc;

	disc_init(&d, &dflt, 0);
	disc_update(&d, T0, 10 * MS, 20 * US, &cmd);
	T_EQ(disc_update(&d, t2, 1 * MS, 20 * US, &cmd), DISC_SLEW);
	c2 = disc_correction_at(&d, t2);
	T_EQ(c2, 5 * MS); /* half of the first slew was applied */
	T_CHECK(cmd.slew_ns > 0 && cmd.slew_ns < 5 * MS);
	/* 100 s on: C(t2) + the new slew + the new frequency's integral;
	 * the old 5 ms remainder is gone. */
	fc = cmd.freq_ppb * 100;
	T_CHECK(ts_abs(disc_correction_at(&d, t2 + 100 * S) -
	            (c2 + cmd.slew_ns + fc)) <= 2);
	T_EQ(disc_phase_at(&d, t2 + 100 * S), c2 + cmd.slew_ns);
	T_EQ(disc_phase_at(&d, t2 + 2 * S), c2 + 1 * MS);
}

/* A frequency correction integrates linearly, on top of the slew. */
static void
freq_integral(void)
{
	struct disc d;
	struct disc_cmd cmd;

	disc_init(&d, &dflt, 10000); /* drift file: 10 ppm */
	T_EQ(disc_update(&d, T0, 0, 20 * US, &cmd), DISC_SLEW);
	T_EQ(cmd.freq_ppb, 10000);
	T_EQ(cmd.slew_ns, 0);
	T_CHECK(ts_abs(disc_correction_at(&d, T0 + 50 * S) - 500 * US) <= 1);
	T_CHECK(ts_abs(disc_correction_at(&d, T0 + 100 * S) - 1 * MS) <= 1);
	T_CHECK(ts_abs(disc_correction_at(&d, T0 + 1000 * S) - 10 * MS) <= 1);
	T_EQ(disc_phase_at(&d, T0 + 1000 * S), 0);
	disc_init(&d, &dflt, 10000);
	disc_update(&d, T0, 1 * MS, 20 * US, &cmd);
	T_CHECK(ts_abs(disc_correction_at(&d, T0 + 1 * S) - 510 * US) <= 1);
	T_CHECK(ts_abs(disc_correction_at(&d, T0 + 10 * S) - 1100 * US) <= 1);
	T_EQ(disc_phase_at(&d, T0 + 10 * S), 1 * MS);
}

/* n updates at the suggested poll with noise of +-amp_ns; returns t
 * after them and widens [*lo, *hi] to the polls seen. */
static int64_t
run_polls(struct model *m, int64_t t, int n, int64_t amp_ns, int *lo, int *hi)
{
	struct disc_cmd cmd;
	int i;

	for (i = 0; i < n; i++, t += ts_log2_ns(m->d.poll)) {
		measure(m, t, amp_ns, &cmd);
		*lo = m->d.poll < *lo ? m->d.poll : *lo;
		*hi = m->d.poll > *hi ? m->d.poll : *hi;
	}
	return t;
}

/* (g) The poll climbs to maxpoll while the line predicts well, and no
 * further; it never leaves [minpoll, maxpoll]. */
static void
poll_adapt(void)
{
	struct model m;
	int lo = 99, hi = -99;

	model_init(&m, &dflt, 1 * MS, 5000);
	T_EQ(m.d.poll, dflt.minpoll);
	run_polls(&m, T0, 300, 5 * US, &lo, &hi);
	T_EQ(lo, dflt.minpoll);
	T_EQ(hi, dflt.maxpoll);
	T_EQ(m.d.poll, dflt.maxpoll);
	T_CHECK(m.d.resid_rms_ns < 20 * US);
}

/* White noise, however large, does not hold the poll down: a noisy
 * path averages better at any interval, and climbs to maxpoll as on
 * chronyd's budget. */
static void
poll_noisy(void)
{
	struct model m;
	int lo = 99, hi = -99;

	model_init(&m, &dflt, 1 * MS, 5000);
	run_polls(&m, T0, 300, 800 * US, &lo, &hi);
	T_CHECK(m.d.resid_rms_ns > 200 * US);
	T_EQ(lo, dflt.minpoll);
	T_EQ(hi, dflt.maxpoll);
}

/* An oscillator whose frequency keeps changing (a warming room: 2 ppb
 * per second) leaves runs in the innovations: the poll comes down and
 * stays low, where a stable one climbs to maxpoll. */
static void
poll_wander(void)
{
	struct model m;
	struct disc_cmd cmd;
	int64_t t = T0, df;
	int i, hi_late = -99;

	model_init(&m, &dflt, 1 * MS, 5000);
	for (i = 0; i < 400; i++) {
		int64_t dt = ts_log2_ns(m.d.poll);

		measure(&m, t, 5 * US, &cmd);
		if (i >= 300 && m.d.poll > hi_late)
			hi_late = m.d.poll;
		/* frequency up by 2 ppb/s over dt, phase kept continuous */
		df = 2 * (dt / S);
		m.x0_ns -= (t + dt - T0) / S * df;
		m.f_ppb += df;
		t += dt;
	}
	T_CHECK(hi_late <= dflt.maxpoll - 2);
	T_CHECK(m.d.k_q > 1e-17);
}

/* A burst 2 s apart of a clock 10 ppm slow, 5 ms behind. */
static void
burst(struct disc_point *p, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (struct disc_point){ T0 + 2 * i * S,
			5 * MS + 2 * i * 10 * US, 20 * US };
}

/* (h) Primed points give the first update a frequency. */
static void
prime(void)
{
	struct disc_point p[7];
	struct disc d;
	struct disc_cmd cmd;

	burst(p, 7);
	disc_init(&d, &dflt, 0);
	disc_prime(&d, p, 7);
	T_EQ(d.updates, 0);
	T_EQ(disc_update(&d, T0 + 14 * S, 5 * MS + 140 * US, 20 * US, &cmd),
	    DISC_SLEW);
	T_CHECK(ts_abs(cmd.freq_ppb - 10000) < 500);
	T_CHECK(ts_abs(cmd.slew_ns - (5 * MS + 140 * US)) < 20 * US);
	/* Unprimed, the first update has no slope to go by. */
	disc_init(&d, &dflt, 0);
	disc_update(&d, T0 + 14 * S, 5 * MS + 140 * US, 20 * US, &cmd);
	T_EQ(cmd.freq_ppb, 0);
}

/* After the first update priming changes nothing. */
static void
prime_late(void)
{
	struct disc_point p[7];
	struct disc a, b;
	struct disc_cmd ca, cb;

	burst(p, 7);
	disc_init(&a, &dflt, 0);
	disc_init(&b, &dflt, 0);
	disc_update(&a, T0 + 20 * S, 5 * MS, 20 * US, &ca);
	disc_update(&b, T0 + 20 * S, 5 * MS, 20 * US, &cb);
	disc_prime(&b, p, 7);
	disc_update(&a, T0 + 36 * S, 1 * MS, 20 * US, &ca);
	disc_update(&b, T0 + 36 * S, 1 * MS, 20 * US, &cb);
	T_EQ(ca.freq_ppb, cb.freq_ppb);
	T_EQ(ca.slew_ns, cb.slew_ns);
	T_CHECK(ca.freq_ppb != 0); /* the two updates did move it */
}

/* A spike leaves no trace: the commands that follow are those of a
 * twin that never saw it. */
static void
spike_no_trace(void)
{
	struct disc a, b;
	struct disc_cmd ca, cb;
	int64_t t = quiet(&a, &dflt, 5);

	quiet(&b, &dflt, 5);
	T_EQ(disc_update(&a, t, 200 * MS, 20 * US, &ca), DISC_SPIKE);
	T_EQ(disc_update(&a, t + 16 * S, 2 * MS, 20 * US, &ca), DISC_SLEW);
	T_EQ(disc_update(&b, t + 16 * S, 2 * MS, 20 * US, &cb), DISC_SLEW);
	T_EQ(ca.freq_ppb, cb.freq_ppb);
	T_EQ(ca.slew_ns, cb.slew_ns);
	T_CHECK(ca.slew_ns > 0);
}

/*
 * After a step the phase restarts at the next measurement (the slew is
 * that offset) and the frequency learned before is kept.
 */
static void
step_keeps_freq(void)
{
	struct model m;
	struct disc_cmd cmd;
	int64_t t = T0, t1;
	int i;

	model_init(&m, &dflt, 50 * MS, 20000);
	for (i = 0; i < 40; i++, t += 16 * S)
		measure(&m, t, 10 * US, &cmd);
	m.x0_ns += 1 * S; /* the reference jumps */
	for (t1 = t; t < t1 + 300 * S; t += 16 * S)
		T_EQ(measure(&m, t, 0, &cmd), DISC_SPIKE);
	T_EQ(measure(&m, t, 0, &cmd), DISC_STEP);
	T_CHECK(ts_abs(cmd.step_ns - 1 * S) < 1 * MS);
	T_CHECK(ts_abs(cmd.freq_ppb - 20000) < 500);
	t += 16 * S;
	T_EQ(disc_update(&m.d, t, 3 * MS, 20 * US, &cmd), DISC_SLEW);
	T_EQ(cmd.slew_ns, 3 * MS);
	T_CHECK(ts_abs(cmd.freq_ppb - 20000) < 500);
}

/* One wild sample (50 ms, within the step threshold) after the filter
 * settled moves the phase by at most a fifth of its error and cannot
 * throw the frequency. */
static void
outlier(void)
{
	struct model m;
	struct disc twin;
	struct disc_cmd cmd, ct;
	int64_t t = T0, th;
	int i;

	model_init(&m, &dflt, 50 * MS, 20000);
	for (i = 0; i < 40; i++, t += 16 * S)
		measure(&m, t, 10 * US, &cmd);
	twin = m.d;
	th = theta(&m, t);
	disc_update(&m.d, t, th + 50 * MS, 20 * US, &cmd);
	disc_update(&twin, t, th, 20 * US, &ct);
	T_CHECK(ts_abs(cmd.slew_ns - ct.slew_ns) <= 10 * MS);
	T_CHECK(ts_abs(cmd.freq_ppb - ct.freq_ppb) < 1000);
}

void
test_disc(void)
{
	converge();
	converge_signs();
	first_step();
	spike_then_step();
	spike_reset();
	panic();
	never_step();
	slew_rate();
	slew_replaced();
	fast_slew();
	makestep();
	freq_integral();
	poll_adapt();
	poll_noisy();
	poll_wander();
	prime();
	prime_late();
	spike_no_trace();
	step_keeps_freq();
	outlier();
}

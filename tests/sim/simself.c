// SPDX-License-Identifier: ISC
/* simself: hand-computed cases for simosc, simclk and simsrv. */
#include "simself.h"

#include <stdint.h>
#include <stdio.h>

#include "core/ts.h"
#include "simclk.h"
#include "simsrv.h"

#define SIMSELF_T0 1781481600LL       /* 2026-06-15T00:00:00Z */
#define SIMSELF_MIDNIGHT 1483228800LL /* 2017-01-01T00:00:00Z */
#define MS 1000000LL
#define US 1000LL

struct simself {
	char *why;
	size_t cap;
	int failed;
};

/* Expect the clock to read t0 + at + want (within 1 ns of rounding). */
static void
expect(struct simself *st, const char *what, int64_t got, int64_t want)
{
	int64_t d = got - want;

	if (st->failed || (d >= -1 && d <= 1))
		return;
	st->failed = 1;
	snprintf(st->why, st->cap, "%s: got %+lld ns, want %+lld ns", what,
	    (long long)got, (long long)want);
}

static void
check_slews(struct simself *st)
{
	const struct simosc_cfg still = { 0 };
	const int64_t t0 = SIMSELF_T0 * TS_NS_PER_S;
	struct simclk c;
	struct disc_cmd cmd = { .slew_ns = 1 * MS };

	simclk_init(&c, &still, t0, 1, 1);
	simclk_apply(&c, t0, 0, &cmd);
	expect(st, "slew after 1 s",
	    simclk_read(&c, t0 + 1000 * MS) - t0 - 1000 * MS, 500 * US);
	/* Replaced half-way: the undone 500 us are dropped. */
	cmd = (struct disc_cmd){ .slew_ns = -200 * US, .freq_ppb = 1000 };
	simclk_apply(&c, t0 + 1000 * MS, 0, &cmd);
	expect(st, "replacing slew",
	    simclk_read(&c, t0 + 1200 * MS) - t0 - 1200 * MS, 400 * US + 200);
	expect(st, "slew done + freq",
	    simclk_read(&c, t0 + 11000 * MS) - t0 - 11000 * MS,
	    300 * US + 10 * US);
	cmd = (struct disc_cmd){ .step_ns = -2 * TS_NS_PER_S };
	simclk_apply(&c, t0 + 11000 * MS, 1, &cmd);
	expect(st, "step", simclk_read(&c, t0 + 11000 * MS) - t0 - 11000 * MS,
	    310 * US - 2 * TS_NS_PER_S);
}

static void
check_oscillator(struct simself *st)
{
	const struct simosc_cfg fast = { .phase_ns = 5000, .freq_ss = 1e-6 };
	const int64_t t0 = SIMSELF_T0 * TS_NS_PER_S;
	struct simclk c;

	simclk_init(&c, &fast, t0, 1, 1);
	expect(st, "oscillator at 10.5 s",
	    simclk_read(&c, t0 + 10500 * MS) - t0 - 10500 * MS, 5000 + 10500);
	expect(st, "oscillator at 100 s",
	    simclk_read(&c, t0 + 100000 * MS) - t0 - 100000 * MS,
	    5000 + 100000);
}

static void
check_leaps(struct simself *st)
{
	const struct simosc_cfg still = { 0 };
	const int64_t m = SIMSELF_MIDNIGHT * TS_NS_PER_S;
	struct simsrv_cfg sc = { .leap_t_ns = m };
	struct simclk c;
	struct simsrv v;

	simclk_init(&c, &still, m - 10 * TS_NS_PER_S, 1, 1);
	simclk_arm_leap(&c, m - 10 * TS_NS_PER_S, 1);
	expect(st, "before the leap", simclk_read(&c, m - 500 * MS),
	    m - 500 * MS);
	expect(st, "in the leap second", simclk_read(&c, m + 500 * MS),
	    m - 500 * MS);
	expect(st, "after the leap", simclk_read(&c, m + 2000 * MS),
	    m + 1000 * MS);
	expect(st, "one leap", c.n_leaps, 1);
	simsrv_init(&v, &sc, m - 10 * TS_NS_PER_S, 1, 2);
	expect(st, "server before", simsrv_read(&v, m - 1), m - 1);
	expect(st, "server in the leap", simsrv_read(&v, m + 500 * MS),
	    m - 500 * MS);
}

int
simself_run(char *why, size_t cap)
{
	struct simself st = { .why = why, .cap = cap };

	check_oscillator(&st);
	check_slews(&st);
	check_leaps(&st);
	return st.failed ? -1 : 0;
}

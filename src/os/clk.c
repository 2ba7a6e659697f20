// SPDX-License-Identifier: ISC
/* clk: CLOCK_REALTIME reads, the virtual clock, the system clock. */
#include "os/clk.h"

#include "os/kclk.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#define NS_PER_S 1000000000LL

static int64_t
read_clock(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

int64_t
clk_real_now(void)
{
	return read_clock(CLOCK_REALTIME);
}

int64_t
clk_mono_now(void)
{
	return read_clock(CLOCK_MONOTONIC);
}

void
clk_init(struct clk *c, enum clk_kind kind, double offset_s, double freq_ppm)
{
	*c = (struct clk){ .kind = kind,
		.precision_log2 = clk_precision_log2() };
	if (kind != CLK_VIRTUAL)
		return;
	c->base_real_ns = clk_real_now();
	c->c_t_real_ns = c->base_real_ns;
	c->offset_ns = (int64_t)(offset_s * (double)NS_PER_S);
	c->freq_ppm = freq_ppm;
}

#define SLEW_RATE_PPB 500000 /* the rate when the caller gives none */

static int64_t
slew_rate(int64_t rate_ppb)
{
	return rate_ppb > 0 ? rate_ppb : SLEW_RATE_PPB;
}

/* How long a slew of |slew_ns| takes at rate_ppb, in ns. */
static int64_t
slew_duration(int64_t slew_ns, int64_t rate_ppb)
{
	double d = (double)(slew_ns > 0 ? slew_ns : -slew_ns);

	return (int64_t)(d * 1e9 / (double)slew_rate(rate_ppb));
}

static int64_t
slewed(const struct clk *c, int64_t dt)
{
	int64_t max;

	if (dt <= 0 || c->slew_left_ns == 0)
		return 0;
	max =
	    (int64_t)((double)dt * (double)slew_rate(c->slew_rate_ppb) * 1e-9);
	if (c->slew_left_ns > 0)
		return c->slew_left_ns < max ? c->slew_left_ns : max;
	return -c->slew_left_ns < max ? c->slew_left_ns : -max;
}

static int64_t
correction(const struct clk *c, int64_t real_ns)
{
	int64_t dt = real_ns - c->c_t_real_ns;

	return c->c_base_ns +
	    (int64_t)((double)c->corr_freq_ppb * 1e-9 * (double)dt) +
	    slewed(c, dt);
}

int64_t
clk_from_real(const struct clk *c, int64_t real_ns)
{
	double drift;
	int64_t v;

	if (c->kind != CLK_VIRTUAL)
		return real_ns;
	drift = (double)(real_ns - c->base_real_ns) * c->freq_ppm * 1e-6;
	v = real_ns + c->offset_ns + (int64_t)drift + correction(c, real_ns);
	/* A POSIX clock repeats the inserted second (or skips the deleted
	 * one) at the end of the UTC day. */
	if (c->leap > 0 && v >= c->leap_at_ns)
		v -= NS_PER_S;
	else if (c->leap < 0 && v >= c->leap_at_ns - NS_PER_S)
		v += NS_PER_S;
	return v;
}

int64_t
clk_now(const struct clk *c)
{
	return clk_from_real(c, clk_real_now());
}

int
clk_precision_log2(void)
{
	struct timespec res;
	int64_t best = NS_PER_S, prev, t, q;
	int i, p;

	/* The smallest step seen between successive reads. */
	prev = clk_real_now();
	for (i = 0; i < 64; i++) {
		t = clk_real_now();
		if (t > prev && t - prev < best)
			best = t - prev;
		prev = t;
	}
	if (clock_getres(CLOCK_REALTIME, &res) == 0 && res.tv_sec == 0 &&
	    res.tv_nsec > best)
		best = res.tv_nsec;
	/* Smallest p with 2^p s >= best. */
	for (p = 0, q = NS_PER_S; p > -30 && q / 2 >= best; p--)
		q /= 2;
	return p;
}

int
clk_once(struct clk *c, int step, int64_t d_ns)
{
	switch (c->kind) {
	case CLK_SYSTEM:
		return step ? kclk_step(d_ns) : kclk_singleshot(d_ns);
	case CLK_NONE:
		errno = ENOTSUP;
		return -1;
	case CLK_VIRTUAL:
		c->offset_ns += d_ns;
		return 0;
	}
	errno = EINVAL;
	return -1;
}

static int
virtual_apply(struct clk *c, int do_step, int64_t step_ns, int64_t freq_ppb,
    int64_t slew_ns, int64_t rate_ppb)
{
	int64_t now = clk_real_now();

	c->c_base_ns = correction(c, now);
	c->c_t_real_ns = now;
	if (do_step)
		c->c_base_ns += step_ns;
	c->corr_freq_ppb = freq_ppb;
	c->slew_left_ns = slew_ns;
	c->slew_rate_ppb = slew_rate(rate_ppb);
	return 0;
}

/*
 * The kernel clock follows the same command semantics as the virtual one
 * (core/disc.h): a slew runs at exactly the commanded rate (500 ppm up
 * to maxslewrate) on top of the frequency correction until done.  It is made by raising the rate for as long as
 * the slew needs; clk_tick ends it.  The kernel's own single-shot slew
 * would do the same, but not every kernel (nor every clock simulator)
 * keeps its rate exact next to a frequency correction.
 */
static int
system_apply(struct clk *c, int do_step, int64_t step_ns, int64_t freq_ppb,
    int64_t slew_ns, int64_t rate_ppb)
{
	int64_t rate = freq_ppb, mono = clk_mono_now();

	if (do_step && kclk_step(step_ns) != 0)
		return -1;
	c->corr_freq_ppb = freq_ppb;
	c->slew_end_mono_ns = 0;
	c->slew_dir = slew_ns > 0 ? 1 : -1;
	if (slew_ns != 0) {
		rate +=
		    slew_ns > 0 ? slew_rate(rate_ppb) : -slew_rate(rate_ppb);
		c->slew_end_mono_ns = mono + slew_duration(slew_ns, rate_ppb);
	}
	return kclk_set_rate(rate);
}

int
clk_apply(struct clk *c, int do_step, int64_t step_ns, int64_t freq_ppb,
    int64_t slew_ns, int64_t rate_ppb)
{
	switch (c->kind) {
	case CLK_SYSTEM:
		return system_apply(c, do_step, step_ns, freq_ppb, slew_ns,
		    rate_ppb);
	case CLK_NONE:
		errno = ENOTSUP;
		return -1;
	case CLK_VIRTUAL:
		return virtual_apply(c, do_step, step_ns, freq_ppb, slew_ns,
		    rate_ppb);
	}
	errno = EINVAL;
	return -1;
}

int
clk_set_leap(struct clk *c, int leap)
{
	int64_t v, day = 86400 * NS_PER_S;

	switch (c->kind) {
	case CLK_SYSTEM:
		return kclk_leap(leap);
	case CLK_NONE:
		return 0;
	case CLK_VIRTUAL:
		break;
	}
	v = clk_now(c);
	if (leap == 0 && c->leap != 0 && v >= c->leap_at_ns - NS_PER_S) {
		/* The leap happened: make it part of the offset. */
		c->offset_ns -= c->leap * NS_PER_S;
	}
	c->leap = leap;
	if (leap != 0)
		c->leap_at_ns = (v / day + 1) * day;
	return 0;
}

int
clk_set_sync(struct clk *c, int synced, int64_t maxerror_ns,
    int64_t esterror_ns)
{
	if (c->kind != CLK_SYSTEM)
		return 0;
	return kclk_status(synced, maxerror_ns, esterror_ns);
}

int
clk_take_over(struct clk *c, int64_t *freq_ppb)
{
	*freq_ppb = 0;
	if (c->kind != CLK_SYSTEM)
		return 0;
	/* Cancel an adjtime(3) single-shot offset left running (by us
	 * before a restart, or another daemon): our model would not know of
	 * it. */
	if (kclk_get_rate(freq_ppb) != 0 || kclk_plain() != 0 ||
	    kclk_singleshot(0) != 0)
		return -1;
	c->corr_freq_ppb = *freq_ppb;
	return kclk_set_rate(*freq_ppb);
}

int
clk_release(struct clk *c)
{
	if (c->kind != CLK_SYSTEM || c->slew_end_mono_ns == 0)
		return 0;
	/* Stop a running slew and leave the frequency as last estimated:
	 * nothing keeps moving the clock after we are gone that the next
	 * start would not know of.  The slew's rest is a small phase error
	 * the next start measures again. */
	c->slew_end_mono_ns = 0;
	return kclk_set_rate(c->corr_freq_ppb);
}

int64_t
clk_next_event(const struct clk *c)
{
	return c->slew_end_mono_ns ? c->slew_end_mono_ns : INT64_MAX;
}

void
clk_tick(struct clk *c, int64_t mono_ns)
{
	if (c->kind != CLK_SYSTEM || c->slew_end_mono_ns == 0 ||
	    mono_ns < c->slew_end_mono_ns)
		return;
	c->slew_end_mono_ns = 0;
	(void)kclk_set_rate(c->corr_freq_ppb);
}

int64_t
clk_max_slew_ppb(const struct clk *c)
{
	if (c->kind != CLK_SYSTEM || kclk_has_tick())
		return 0;
	return SLEW_RATE_PPB / 2;
}

const char *
clk_kind_name(enum clk_kind k)
{
	switch (k) {
	case CLK_SYSTEM:
		return "system";
	case CLK_NONE:
		return "none";
	case CLK_VIRTUAL:
		return "virtual";
	}
	return "?";
}

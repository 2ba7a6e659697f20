// SPDX-License-Identifier: ISC
/* clk: CLOCK_REALTIME reads, the virtual clock, and clock_adjtime(2). */
#include "os/clk.h"

#include <errno.h>
#include <string.h>
#include <sys/timex.h>
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
	*c = (struct clk){ .kind = kind };
	if (kind != CLK_VIRTUAL)
		return;
	c->base_real_ns = clk_real_now();
	c->c_t_real_ns = c->base_real_ns;
	c->offset_ns = (int64_t)(offset_s * (double)NS_PER_S);
	c->freq_ppm = freq_ppm;
}

#define SLEW_NS_PER_NS 2000 /* 500 ppm: 1 ns of slew per 2000 ns */

static int64_t
slewed(const struct clk *c, int64_t dt)
{
	int64_t max = dt / SLEW_NS_PER_NS;

	if (dt <= 0 || c->slew_left_ns == 0)
		return 0;
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

static int
system_step(int64_t d_ns)
{
	struct timex tx = { .modes = ADJ_SETOFFSET | ADJ_NANO };
	int64_t s = d_ns / NS_PER_S, ns = d_ns % NS_PER_S;

	if (ns < 0) {
		ns += NS_PER_S;
		s--;
	}
	tx.time.tv_sec = (time_t)s;
	tx.time.tv_usec = (long)ns; /* nanoseconds under ADJ_NANO */
	return clock_adjtime(CLOCK_REALTIME, &tx) < 0 ? -1 : 0;
}

static int
system_slew(int64_t d_ns)
{
	struct timex tx = { .modes = ADJ_OFFSET_SINGLESHOT };

	if (d_ns > NS_PER_S / 2 || d_ns < -NS_PER_S / 2) {
		errno = ERANGE;
		return -1;
	}
	tx.offset = (long)(d_ns / 1000);
	return clock_adjtime(CLOCK_REALTIME, &tx) < 0 ? -1 : 0;
}

int
clk_once(struct clk *c, int step, int64_t d_ns)
{
	switch (c->kind) {
	case CLK_SYSTEM:
		return step ? system_step(d_ns) : system_slew(d_ns);
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
    int64_t slew_ns)
{
	int64_t now = clk_real_now();

	c->c_base_ns = correction(c, now);
	c->c_t_real_ns = now;
	if (do_step)
		c->c_base_ns += step_ns;
	c->corr_freq_ppb = freq_ppb;
	c->slew_left_ns = slew_ns;
	return 0;
}

static int
system_apply(int do_step, int64_t step_ns, int64_t freq_ppb, int64_t slew_ns)
{
	struct timex tx = { .modes = ADJ_FREQUENCY };

	if (do_step && system_step(step_ns) != 0)
		return -1;
	/* timex.freq is ppm with a 16-bit binary fraction. */
	tx.freq = (long)((double)freq_ppb / 1000.0 * 65536.0);
	if (clock_adjtime(CLOCK_REALTIME, &tx) < 0)
		return -1;
	if (slew_ns > NS_PER_S / 2)
		slew_ns = NS_PER_S / 2;
	if (slew_ns < -NS_PER_S / 2)
		slew_ns = -NS_PER_S / 2;
	return system_slew(slew_ns);
}

int
clk_apply(struct clk *c, int do_step, int64_t step_ns, int64_t freq_ppb,
    int64_t slew_ns)
{
	switch (c->kind) {
	case CLK_SYSTEM:
		return system_apply(do_step, step_ns, freq_ppb, slew_ns);
	case CLK_NONE:
		errno = ENOTSUP;
		return -1;
	case CLK_VIRTUAL:
		return virtual_apply(c, do_step, step_ns, freq_ppb, slew_ns);
	}
	errno = EINVAL;
	return -1;
}

static int
system_leap(int leap)
{
	struct timex tx;

	memset(&tx, 0, sizeof(tx));
	if (clock_adjtime(CLOCK_REALTIME, &tx) < 0)
		return -1;
	tx.modes = ADJ_STATUS;
	tx.status &= ~(STA_INS | STA_DEL);
	if (leap > 0)
		tx.status |= STA_INS;
	else if (leap < 0)
		tx.status |= STA_DEL;
	return clock_adjtime(CLOCK_REALTIME, &tx) < 0 ? -1 : 0;
}

int
clk_set_leap(struct clk *c, int leap)
{
	int64_t v, day = 86400 * NS_PER_S;

	switch (c->kind) {
	case CLK_SYSTEM:
		return system_leap(leap);
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
	struct timex tx;

	if (c->kind != CLK_SYSTEM)
		return 0;
	memset(&tx, 0, sizeof(tx));
	if (clock_adjtime(CLOCK_REALTIME, &tx) < 0)
		return -1;
	tx.modes = ADJ_STATUS | ADJ_MAXERROR | ADJ_ESTERROR;
	if (synced)
		tx.status &= ~STA_UNSYNC;
	else
		tx.status |= STA_UNSYNC;
	tx.maxerror = (long)(maxerror_ns / 1000);
	tx.esterror = (long)(esterror_ns / 1000);
	return clock_adjtime(CLOCK_REALTIME, &tx) < 0 ? -1 : 0;
}

int
clk_take_over(struct clk *c, int64_t *freq_ppb)
{
	struct timex tx;

	*freq_ppb = 0;
	if (c->kind != CLK_SYSTEM)
		return 0;
	memset(&tx, 0, sizeof(tx));
	if (clock_adjtime(CLOCK_REALTIME, &tx) < 0)
		return -1;
	*freq_ppb = (int64_t)((double)tx.freq / 65536.0 * 1000.0);
	tx.modes = ADJ_STATUS | ADJ_OFFSET;
	tx.status &= ~(STA_PLL | STA_FLL | STA_PPSFREQ | STA_PPSTIME);
	tx.offset = 0;
	return clock_adjtime(CLOCK_REALTIME, &tx) < 0 ? -1 : 0;
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

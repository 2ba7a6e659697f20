// SPDX-License-Identifier: ISC
/* clk: CLOCK_REALTIME reads, the virtual clock, and clock_adjtime(2). */
#include "os/clk.h"

#include <errno.h>
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
	c->offset_ns = (int64_t)(offset_s * (double)NS_PER_S);
	c->freq_ppm = freq_ppm;
}

int64_t
clk_from_real(const struct clk *c, int64_t real_ns)
{
	double drift;

	if (c->kind != CLK_VIRTUAL)
		return real_ns;
	drift = (double)(real_ns - c->base_real_ns) * c->freq_ppm * 1e-6;
	return real_ns + c->offset_ns + (int64_t)drift;
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
clk_step(struct clk *c, int64_t d_ns)
{
	switch (c->kind) {
	case CLK_SYSTEM:
		return system_step(d_ns);
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

int
clk_slew(struct clk *c, int64_t d_ns)
{
	switch (c->kind) {
	case CLK_SYSTEM:
		return system_slew(d_ns);
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

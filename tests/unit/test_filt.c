// SPDX-License-Identifier: ISC
/* Tests for core/filt: best-stage choice, trend, jitter, dispersion. */
#include "core/filt.h"

#include <math.h>

#include "core/ts.h"
#include "t.h"

#define S TS_NS_PER_S
#define MS 1000000LL
#define US 1000LL
#define T0 (1795000000LL * S)
#define PREC (-20)

static int64_t
floor_ns(void)
{
	return ts_log2_ns(PREC); /* 954 ns */
}

static int
add(struct filt *f, int64_t t, int64_t offset, int64_t delay)
{
	struct filt_sample s = { .offset_ns = offset,
		.delay_ns = delay,
		.disp_ns = 10 * US,
		.t_ns = t,
		.t_mono_ns = t - T0 };

	return filt_add(f, &s, PREC);
}

/* n stages 10 s apart, offsets on a 100 ppm line (100 us per s), the
 * oldest with the smallest delay. */
static void
fill_trend(struct filt *f, int n)
{
	int i;

	filt_init(f);
	for (i = 0; i < n; i++)
		add(f, T0 + i * 10 * S, 5 * MS + i * MS, (i == 0 ? 1 : 3) * MS);
}

static void
one_sample(void)
{
	struct filt f;

	filt_init(&f);
	T_EQ(f.have_out, 0);
	T_EQ(add(&f, T0, 7 * MS, 2 * MS), 1);
	T_EQ(f.have_out, 1);
	T_EQ(f.n, 1);
	T_EQ(f.offset_ns, 7 * MS);
	T_EQ(f.delay_ns, 2 * MS);
	T_EQ(f.t_ns, T0);
	T_EQ(f.jitter_ns, floor_ns());
	T_EQ(f.slope_ppb, 0);
	/* One valid stage: the dispersion is that sample's own (stages
	 * never filled do not count). */
	T_CHECK(f.disp_ns >= 2 * MS / 1000 && f.disp_ns < 1 * MS);
}

/* 1 only when the chosen (minimum-delay) stage was never output. */
static void
new_sample_flag(void)
{
	struct filt f;
	int i;

	filt_init(&f);
	T_EQ(add(&f, T0, 1 * MS, 2 * MS), 1);
	T_EQ(add(&f, T0 + 10 * S, 9 * MS, 5 * MS), 0); /* worse: old best */
	T_EQ(f.offset_ns, 1 * MS);
	T_EQ(f.delay_ns, 2 * MS);
	T_EQ(add(&f, T0 + 20 * S, 3 * MS, 1 * MS), 1); /* better */
	T_EQ(f.offset_ns, 3 * MS);
	T_EQ(f.delay_ns, 1 * MS);
	/* The same sample again is no news. */
	T_EQ(add(&f, T0 + 20 * S, 3 * MS, 1 * MS), 0);
	for (i = 0; i < 7; i++) /* worse ones, until the best shifts out */
		T_EQ(add(&f, T0 + (30 + i) * S, 4 * MS, (5 + i) * MS), 0);
	/* Both copies of the 1 ms sample are gone now: the 5 ms one at
	 * T0 + 30 s takes over and has not been used. */
	T_EQ(add(&f, T0 + 40 * S, 4 * MS, 20 * MS), 1);
	T_EQ(f.delay_ns, 5 * MS);
	T_EQ(f.t_ns, T0 + 40 * S);
}

/* The oldest stage has the smallest delay: carried along the line. */
static void
trend_carry(void)
{
	struct filt f;

	fill_trend(&f, FILT_STAGES);
	T_EQ(f.delay_ns, 1 * MS);
	T_CHECK(f.slope_ppb >= 99999 && f.slope_ppb <= 100001);
	/* 5 ms at T0 carried 70 s at 100 us/s is the newest offset. */
	T_CHECK(ts_abs(f.offset_ns - 12 * MS) <= 2);
	T_EQ(f.t_ns, T0 + 70 * S);
	/* Four stages are enough for a trend. */
	fill_trend(&f, 4);
	T_CHECK(ts_abs(f.offset_ns - 8 * MS) <= 2);
	/* Three are not: the best stage is taken as it is. */
	fill_trend(&f, 3);
	T_EQ(f.slope_ppb, 0);
	T_EQ(f.offset_ns, 5 * MS);
}

/* Eight stages 1 s apart span too little time to show a trend. */
static void
short_span(void)
{
	struct filt f;
	int i;

	filt_init(&f);
	for (i = 0; i < FILT_STAGES; i++)
		add(&f, T0 + i * S, 5 * MS + i * 100 * US, (i ? 3 : 1) * MS);
	T_EQ(f.slope_ppb, 0);
	T_EQ(f.offset_ns, 5 * MS);
	T_EQ(f.t_ns, T0 + 7 * S);
}

/* Samples exactly on a 100 ppm line: no scatter about the line, so the
 * jitter is the precision floor, while RFC 5905's RMS about the chosen
 * sample would be several ms. */
static void
jitter_about_trend(void)
{
	struct filt f;
	double rfc = 0;
	int i;

	fill_trend(&f, FILT_STAGES);
	T_EQ(f.jitter_ns, floor_ns());
	for (i = 1; i < FILT_STAGES; i++)
		rfc += (double)(i * MS) * (double)(i * MS);
	T_CHECK(sqrt(rfc / (FILT_STAGES - 1)) > 4 * MS);
	/* Without a trend (three stages) the scatter counts: RMS of 0, 1
	 * and 2 ms about the first over n - 1 = sqrt(5/2) ms. */
	fill_trend(&f, 3);
	T_CHECK(ts_abs(f.jitter_ns - 1581139) <= 2);
	/* Scatter about the line counts, and is never below the floor. */
	fill_trend(&f, FILT_STAGES);
	add(&f, T0 + 80 * S, 13 * MS + 2 * MS, 3 * MS);
	T_CHECK(f.jitter_ns > 100 * US);
}

static void
jitter_floor(void)
{
	struct filt f;
	int i;

	filt_init(&f);
	for (i = 0; i < FILT_STAGES; i++)
		add(&f, T0 + i * 16 * S, 2 * MS, 1 * MS);
	T_EQ(f.jitter_ns, floor_ns());
	filt_init(&f);
	for (i = 0; i < FILT_STAGES; i++)
		add(&f, T0 + i * 16 * S, 2 * MS + (i & 1) * 100, 1 * MS);
	T_EQ(f.jitter_ns, floor_ns()); /* 100 ns of scatter < 954 ns */
}

/* A missed poll is an invalid stage: never chosen, no part in jitter. */
static void
miss(void)
{
	struct filt f;
	int i;

	filt_init(&f);
	for (i = 0; i < 4; i++)
		add(&f, T0 + i * 16 * S, 1 * MS, (2 + i) * MS);
	filt_miss(&f, T0 + 64 * S);
	T_EQ(f.n, 5);
	T_EQ(add(&f, T0 + 80 * S, 1 * MS, 9 * MS), 0);
	T_EQ(f.delay_ns, 2 * MS);
	T_EQ(f.offset_ns, 1 * MS);
	T_EQ(f.jitter_ns, floor_ns()); /* the miss's offset 0 not counted */
}

/* A sample of MAXDISP dispersion is no better, whatever its delay. */
static void
maxdisp_stage(void)
{
	struct filt_sample s = { 9 * MS, 1, TS_MAXDISP_NS, T0, 0 };
	struct filt f;

	filt_init(&f);
	T_EQ(filt_add(&f, &s, PREC), 0);
	T_EQ(f.have_out, 0);
	T_EQ(add(&f, T0 + 16 * S, 1 * MS, 5 * MS), 1);
	T_EQ(f.offset_ns, 1 * MS);
	s.t_ns = T0 + 32 * S;
	T_EQ(filt_add(&f, &s, PREC), 0);
	T_EQ(f.offset_ns, 1 * MS);
	T_EQ(f.delay_ns, 5 * MS);
}

/* Misses make the dispersion large again. */
static void
miss_disp(void)
{
	struct filt f;
	int i;

	filt_init(&f);
	for (i = 0; i < FILT_STAGES; i++)
		add(&f, T0 + i * 16 * S, 1 * MS, 1 * MS);
	T_CHECK(f.disp_ns < 5 * MS);
	filt_miss(&f, T0 + 128 * S);
	add(&f, T0 + 144 * S, 1 * MS, 1 * MS);
	/* 7 valid stages of 8: at least 16 s / 2^8. */
	T_CHECK(f.disp_ns >= TS_MAXDISP_NS / 256);
}

/* Stages never filled do not count: with k valid stages the dispersion
 * is that of the samples themselves (about 10 us here), falling as the
 * register fills, never the RFC's 16 s / 2^(k+1) of empty stages. */
static void
disp_fill(void)
{
	struct filt f;
	int i;

	filt_init(&f);
	for (i = 0; i < FILT_STAGES; i++) {
		add(&f, T0 + i * 16 * S, 1 * MS, 1 * MS);
		T_CHECK(f.disp_ns < 2 * MS);
		T_CHECK(f.disp_ns >= 10 * US);
	}
	T_EQ(f.disp_t_ns, T0 + 112 * S);
}

/* One wild stage cannot bend the trend: seven stages on a 10 ppm line
 * and one 5 s off keep the slope at 10 ppm (a least-squares fit would
 * tilt by hundreds of ppm). */
static void
robust_trend(void)
{
	struct filt f;
	int i;

	filt_init(&f);
	for (i = 0; i < FILT_STAGES; i++)
		add(&f, T0 + i * 64 * S,
		    (i == 5 ? 5 * S : 0) + i * 64 * 10 * US, 1 * MS);
	T_CHECK(f.slope_ppb > 9000 && f.slope_ppb < 11000);
}

static void
disp_at(void)
{
	struct filt f;
	int64_t d;

	fill_trend(&f, FILT_STAGES);
	d = f.disp_ns;
	T_EQ(filt_disp_at(&f, f.disp_t_ns), d);
	T_EQ(filt_disp_at(&f, f.disp_t_ns + 100 * S), d + 1500 * US);
	T_EQ(filt_disp_at(&f, f.disp_t_ns + 3 * S / 2), d + 22500);
	T_EQ(filt_disp_at(&f, f.disp_t_ns - 100 * S), d);
	T_EQ(filt_disp_at(&f, f.disp_t_ns + 10000000 * S), TS_MAXDISP_NS);
}

/* A step of the local clock by +s moves every offset by -s. */
static void
shift(void)
{
	struct filt f;
	int64_t out;
	int i;

	fill_trend(&f, FILT_STAGES);
	out = f.offset_ns;
	filt_shift(&f, 3 * MS);
	T_EQ(f.offset_ns, out - 3 * MS);
	for (i = 0; i < FILT_STAGES; i++)
		T_EQ(f.st[i].offset_ns, 5 * MS + (7 - i) * MS - 3 * MS);
	/* The history stays consistent with samples taken after it. */
	add(&f, T0 + 80 * S, 13 * MS - 3 * MS, 3 * MS);
	T_CHECK(ts_abs(f.offset_ns - 10 * MS) <= 2);
	T_EQ(f.jitter_ns, floor_ns());
}

/*
 * After a step the stored offsets move (filt_shift) but the stored
 * times stay on the old timescale, so "newer than the last output" and
 * the trend compare times across the step.
 */
static void
shift_times(void)
{
	struct filt f;
	int i;

	filt_init(&f);
	for (i = 0; i < 4; i++)
		add(&f, T0 + i * 16 * S, 1 * MS, 3 * MS);
	filt_shift(&f, -600 * S); /* clock stepped back 10 minutes */
	T_EQ(f.offset_ns, 600 * S + 1 * MS);
	/* Stored clock times follow the step, so a new best sample after
	 * a backward step is still recognised as new. */
	T_EQ(add(&f, T0 + 64 * S - 600 * S, 600 * S + 1 * MS, 1 * MS), 1);
	T_EQ(f.delay_ns, 1 * MS); /* the new sample is the best one */
	T_EQ(f.offset_ns, 600 * S + 1 * MS);
}

void
test_filt(void)
{
	one_sample();
	new_sample_flag();
	trend_carry();
	short_span();
	jitter_about_trend();
	jitter_floor();
	miss();
	maxdisp_stage();
	miss_disp();
	disp_fill();
	robust_trend();
	disp_at();
	shift();
	shift_times();
}

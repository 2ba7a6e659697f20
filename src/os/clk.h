/* SPDX-License-Identifier: ISC */
/*
 * clk: clock backends.  Every time Stratum serves or measures comes from
 * one struct clk:
 *  - CLK_SYSTEM: CLOCK_REALTIME, adjusted with clock_adjtime(2).  The only
 *    backend that changes the host's clock; no test selects it.
 *  - CLK_NONE: CLOCK_REALTIME, never adjusted (measure and serve only).
 *  - CLK_VIRTUAL: a software clock over CLOCK_REALTIME with its own offset
 *    and frequency error, steered by step/slew calls that change only this
 *    process's view of time.
 * Kernel receive timestamps are CLOCK_REALTIME; clk_from_real maps them
 * onto the backend's timescale.
 */
#ifndef STRATUM_CLK_H
#define STRATUM_CLK_H

#include <stdint.h>

enum clk_kind {
	CLK_SYSTEM,
	CLK_NONE,
	CLK_VIRTUAL,
};

struct clk {
	enum clk_kind kind;
	/* CLK_VIRTUAL: t = real + offset_ns + (real - base_real_ns) * freq */
	int64_t base_real_ns;
	int64_t offset_ns;
	double freq_ppm;
};

/* Set up a backend; offset_s and freq_ppm are used by CLK_VIRTUAL only. */
void clk_init(struct clk *c, enum clk_kind kind, double offset_s,
    double freq_ppm);

/* CLOCK_REALTIME and CLOCK_MONOTONIC as nanoseconds. */
int64_t clk_real_now(void);
int64_t clk_mono_now(void);

/* The backend's time now, and at a given CLOCK_REALTIME instant. */
int64_t clk_now(const struct clk *c);
int64_t clk_from_real(const struct clk *c, int64_t real_ns);

/* log2 of the clock's precision in seconds: the larger of its resolution
 * and the measured cost of reading it (as ntpd's "precision"). */
int clk_precision_log2(void);

/*
 * Step the clock by d_ns at once (CLK_SYSTEM: ADJ_SETOFFSET), or slew it
 * by d_ns gradually (CLK_SYSTEM: the adjtime(3) single-shot offset, at most
 * 0.5 s).  CLK_NONE refuses both (returns -1, errno ENOTSUP); CLK_VIRTUAL
 * applies either at once to its own offset.  0 on success, -1 with errno.
 */
int clk_step(struct clk *c, int64_t d_ns);
int clk_slew(struct clk *c, int64_t d_ns);

const char *clk_kind_name(enum clk_kind k);

#endif

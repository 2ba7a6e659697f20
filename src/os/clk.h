/* SPDX-License-Identifier: ISC */
/*
 * clk: clock backends.  Every time Stratum serves or measures comes from
 * one struct clk:
 *  - CLK_SYSTEM: CLOCK_REALTIME, adjusted with adjtimex(2) (os/kclk).  The
 *    only backend that changes the host's clock; no test selects it.
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
	int precision_log2; /* measured once by clk_init */
	/* CLK_VIRTUAL oscillator: real + offset_ns + (real - base) * freq */
	int64_t base_real_ns;
	int64_t offset_ns;
	double freq_ppm;
	/* CLK_VIRTUAL corrections, with the semantics of core/disc.h:
	 * c_base_ns applied by c_t_real_ns, then corr_freq_ppb from then on
	 * and slew_left_ns at 500 ppm. */
	int64_t c_base_ns;
	int64_t c_t_real_ns;
	int64_t corr_freq_ppb;
	int64_t slew_left_ns;
	int64_t slew_rate_ppb; /* rate of the running slew */
	/* CLK_VIRTUAL leap second: +1 insert / -1 delete at leap_at_ns
	 * (virtual time of the next UTC midnight), 0 none. */
	int leap;
	int64_t leap_at_ns;
	/* CLK_SYSTEM: monotonic time the running slew ends, 0 none (the
	 * rate is then corr_freq_ppb again). */
	int64_t slew_end_mono_ns;
	int slew_dir; /* +1 or -1 */
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
 * One correction, as ntpdate makes it: step the clock by d_ns at once
 * (CLK_SYSTEM: ADJ_SETOFFSET), or slew it by d_ns gradually (CLK_SYSTEM:
 * the adjtime(3) single-shot offset, at most 0.5 s).  CLK_NONE refuses
 * (returns -1, errno ENOTSUP); CLK_VIRTUAL applies either at once to its
 * own offset.  0 on success, -1 with errno.
 */
int clk_once(struct clk *c, int step, int64_t d_ns);

/*
 * Apply one discipline command (core/disc.h semantics): step by step_ns
 * when do_step, then set the frequency correction to freq_ppb and slew
 * slew_ns at rate_ppb (<= 0: 500 ppm), replacing any slew still pending.
 * CLK_SYSTEM steps with ADJ_SETOFFSET and slews by running the clock
 * rate_ppb fast or slow (tick + frequency) until clk_tick ends it;
 * CLK_NONE refuses (-1, ENOTSUP).  0 on success, -1 with errno.
 */
int clk_apply(struct clk *c, int do_step, int64_t step_ns, int64_t freq_ppb,
    int64_t slew_ns, int64_t rate_ppb);

/* Arm (+1 insert, -1 delete) or disarm (0) a leap second at the end of
 * the current UTC day.  CLK_SYSTEM: STA_INS/STA_DEL.  0 or -1. */
int clk_set_leap(struct clk *c, int leap);

/* CLK_SYSTEM: tell the kernel the clock is synchronized (clears
 * STA_UNSYNC, sets maxerror and esterror) so timedatectl says so; or not
 * (sets STA_UNSYNC).  Other backends: no-op.  0 or -1. */
int clk_set_sync(struct clk *c, int synced, int64_t maxerror_ns,
    int64_t esterror_ns);

/* When clk_tick must next run (CLOCK_MONOTONIC ns), INT64_MAX if never;
 * clk_tick ends a CLK_SYSTEM slew that is due.  The engine calls both
 * from its poll loop. */
int64_t clk_next_event(const struct clk *c);
void clk_tick(struct clk *c, int64_t mono_ns);

/* Before exit: CLK_SYSTEM stops a running slew and leaves the frequency
 * correction in force (no slew in flight after exit).  0 or -1. */
int clk_release(struct clk *c);

/*
 * CLK_SYSTEM: take over the kernel clock: switch off the kernel PLL/FLL a
 * previous daemon may have left on (we slew by rate, see clk_apply),
 * cancel a single-shot adjtime(3) offset still running,
 * and report the frequency correction in force, in ppb, via *freq_ppb.
 * Other backends report 0.  0 on success, -1 with errno.
 */
int clk_take_over(struct clk *c, int64_t *freq_ppb);

/* The fastest rate (ppb, frequency correction included) the backend can
 * run the clock at, 0 for no practical limit: CLK_SYSTEM without
 * ADJ_TICK is held to the frequency field's 500 ppm, so slews are kept
 * to half that and a frequency correction fits beside them. */
int64_t clk_max_slew_ppb(const struct clk *c);

const char *clk_kind_name(enum clk_kind k);

#endif

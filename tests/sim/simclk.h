/* SPDX-License-Identifier: ISC */
/*
 * simclk: the client's disciplined clock, a simulated clock backend.  Its
 * reading is the oscillator plus the corrections the core commanded, with
 * the semantics of core/disc.h: a step moves the clock at once; a
 * frequency correction is in effect from its command on; a slew runs at
 * DISC_SLEW_RATE_PPB until done or until the next command replaces it
 * (the undone part of the old slew is dropped).  Rates are taken over
 * true time: the difference from oscillator time is a relative 1e-8.
 *
 * Leap seconds behave as the Linux kernel's: once armed for an insertion,
 * when the clock's own reading reaches the next UTC midnight it goes back
 * one second (23:59:59 repeats); a deletion skips 23:59:59.  The leap is
 * applied by the first read at or after that point, which gives the same
 * readings as applying it at the instant itself.
 */
#ifndef STRATUM_SIMCLK_H
#define STRATUM_SIMCLK_H

#include <stdint.h>

#include "core/disc.h"
#include "simosc.h"

struct simclk {
	struct simosc osc;
	int64_t t0_ns; /* true time the clock started */
	/* corrections, as of the last command */
	int64_t cmd_t_ns;      /* true time of the last command */
	int64_t base_ns;       /* all corrections done by cmd_t_ns */
	int64_t freq_ppb;      /* frequency correction since cmd_t_ns */
	int64_t slew_ns;       /* slew pending at cmd_t_ns */
	int64_t slew_rate_ppb; /* ...at this rate */
	/* leap seconds */
	int leap_armed;     /* +1 insert, -1 delete, 0 none */
	int64_t leap_at_ns; /* clock reading of the midnight armed for */
	int64_t leap_ns;    /* sum of leaps applied */
	int n_leaps;
	int64_t leap_true_ns; /* true time the last leap was applied */
	int64_t prev_t_ns;    /* the last read while armed, to find... */
	int64_t prev_r_ns;    /* ...when the reading crossed the edge */
};

/* Start at true time t0_ns with no corrections. */
void simclk_init(struct simclk *c, const struct simosc_cfg *osc, int64_t t0_ns,
    uint64_t seed, uint64_t stream);

/* The clock's reading at true time t_ns (non-decreasing across calls);
 * applies an armed leap second that is due. */
int64_t simclk_read(struct simclk *c, int64_t t_ns);

/* Apply one clock command at true time t_ns: step (when do_step), then
 * the new frequency correction and the new slew. */
void simclk_apply(struct simclk *c, int64_t t_ns, int do_step,
    const struct disc_cmd *cmd);

/* Arm (leap > 0: insert, < 0: delete) or disarm (0) a leap second for
 * the next UTC midnight of the clock's reading at t_ns. */
void simclk_arm_leap(struct simclk *c, int64_t t_ns, int leap);

/* The corrections applied by true time t_ns: steps, slews and frequency
 * (leap seconds excluded); what disc_correction_at should agree with. */
int64_t simclk_correction(const struct simclk *c, int64_t t_ns);

/* Frequency error left after correction, ppb (oscillator + correction). */
double simclk_freq_err_ppb(const struct simclk *c);

#endif

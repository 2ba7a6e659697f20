/* SPDX-License-Identifier: ISC */
/*
 * kclk: the kernel's clock discipline interface, adjtimex(2).  The only
 * code that changes the host's clock; used by the `system` clock backend
 * and by `stratum sync`, never by tests.  adjtimex is used rather than
 * clock_adjtime because every clock simulator interposes it.
 */
#ifndef STRATUM_KCLK_H
#define STRATUM_KCLK_H

#include <stdint.h>

/* Step CLOCK_REALTIME by d_ns (ADJ_SETOFFSET; clock_settime where the
 * kernel refuses that).  0 or -1 with errno. */
int kclk_step(int64_t d_ns);

/* adjtime(3)-style slew of |d_ns| <= 0.5 s at the kernel's 500 ppm
 * (ADJ_OFFSET_SINGLESHOT), replacing any pending one.  0 or -1. */
int kclk_singleshot(int64_t d_ns);

/*
 * Run the clock at rate_ppb relative to its nominal rate, using the tick
 * length for whole units of 1/USER_HZ and ADJ_FREQUENCY for the rest, so
 * that rates beyond the frequency field's +-500 ppm are reachable (as a
 * slew on top of a large frequency correction needs).  0 or -1.
 */
int kclk_set_rate(int64_t rate_ppb);

/* How kclk_set_rate splits rate_ppb for a kernel with hz ticks per
 * second: whole microseconds of tick length, and the rest as ppm with a
 * 16-bit fraction (timex.freq).  Pure arithmetic, for tests. */
void kclk_split_rate(int64_t rate_ppb, long hz, long *tick_delta_us,
    long *freq_scaled);

/* The rate in force (tick and frequency together), in ppb.  0 or -1. */
int kclk_get_rate(int64_t *rate_ppb);

/* 1 when the kernel (or the clock simulator standing in for it) takes
 * ADJ_TICK, so rates beyond the frequency field's +-500 ppm are
 * possible; 0 when not.  Writes the tick it reads back. */
int kclk_has_tick(void);

/* Switch off the kernel PLL/FLL and any pending offset.  0 or -1. */
int kclk_plain(void);

/* Status for timedatectl & co: synchronized (STA_UNSYNC clear) with the
 * given error bounds, or not; leap +1/-1/0 (STA_INS/STA_DEL).  0 or -1. */
int kclk_status(int synced, int64_t maxerror_ns, int64_t esterror_ns);
int kclk_leap(int leap);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * simosc: a node's free-running oscillator.  Its reading is true time plus
 * a phase error; the phase integrates the frequency error, and the
 * frequency error does a random walk, a normal step of `wander_ss` (s/s)
 * every simulated second.  Between whole seconds the phase is linear, so
 * a reading at any nanosecond is exact without work per nanosecond.  The
 * oscillator advances lazily when read; reads must not go back in time.
 *
 * A node disciplined by a perfect reference (a GPS receiver) sets
 * reset_s: every reset_s seconds its phase error goes back to zero while
 * the frequency keeps wandering.
 */
#ifndef STRATUM_SIMOSC_H
#define STRATUM_SIMOSC_H

#include <stdint.h>

#include "simrng.h"

struct simosc_cfg {
	double phase_ns;  /* initial phase error */
	double freq_ss;   /* initial frequency error, s/s (1e-4 = 100 ppm) */
	double wander_ss; /* s.d. of the frequency step per second, s/s */
	int reset_s;      /* 0: free-running */
};

struct simosc {
	struct simosc_cfg cfg;
	struct simrng rng;
	double phase_ns; /* phase error at t_ns */
	double freq_ss;  /* frequency error from t_ns to t_ns + 1 s */
	int64_t t_ns;    /* true time of the last whole-second step */
	uint64_t steps;  /* whole seconds integrated */
};

/* Start at true time t0_ns with its own random stream. */
void simosc_init(struct simosc *o, const struct simosc_cfg *cfg, int64_t t0_ns,
    uint64_t seed, uint64_t stream);

/* Phase error (ns) at true time t_ns, which must not precede the
 * previous read's whole second. */
double simosc_phase_at(struct simosc *o, int64_t t_ns);

/* The frequency error (s/s) in effect at the last read. */
double simosc_freq(const struct simosc *o);

#endif

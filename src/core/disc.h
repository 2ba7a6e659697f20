/* SPDX-License-Identifier: ISC */
/*
 * disc: the clock discipline (doc/algorithm.md has the maths).
 *
 * The local clock is the free-running oscillator plus the corrections
 * Stratum applied: C(t) = steps + applied slews + integral of the
 * frequency correction.  Each update brings an offset theta measured at
 * local time t; u = theta + C(t) is the oscillator's own error at t, free
 * of our corrections.  A two-state Kalman filter (phase, frequency; the
 * frequency a random walk whose intensity adapts to the data) tracks u;
 * the command that follows sets the frequency correction to the filter's
 * frequency and slews the phase to its phase (replacing any slew still
 * pending), or steps when the offset is beyond the step threshold and has
 * persisted past the step-out interval (or at start-up).
 *
 * Clock command semantics, which every backend and the simulator honour:
 * a step moves the clock at once; a frequency correction is in effect
 * from the command on; a slew is applied at SLEW_RATE_PPB (500 ppm, as
 * adjtime(3)) until done or replaced by the next command's slew.
 */
#ifndef STRATUM_DISC_H
#define STRATUM_DISC_H

#include <stdint.h>

#define DISC_SLEW_RATE_PPB 500000LL  /* 500 ppm: the slowest slew */
#define DISC_MAX_SLEW_PPB 83333000LL /* chrony's default maxslewrate */
#define DISC_MAX_FREQ_PPB 500000LL   /* |frequency correction| <= 500 ppm */

struct disc_cfg {
	int64_t step_ns;    /* tinker step: 0 = never step (default 128 ms) */
	int64_t panic_ns;   /* tinker panic: 0 = no limit (default 1000 s) */
	int64_t stepout_ns; /* tinker stepout (default 300 s) */
	int panic_once_ok;  /* -g: the first correction may exceed panic */
	int minpoll, maxpoll;
	int64_t max_slew_ppb; /* fastest slew (0: DISC_SLEW_RATE_PPB; below
				 that, every slew runs at this rate) */
	int64_t makestep_ns;  /* makestep: step beyond this... */
	int makestep_limit;   /* ...in the first N updates (-1 always) */
};

enum disc_verdict {
	DISC_SLEW,  /* command carries frequency + slew */
	DISC_STEP,  /* command carries a step (and frequency) */
	DISC_SPIKE, /* offset beyond step threshold, not yet persisted */
	DISC_PANIC, /* offset beyond panic threshold: refuse, stop */
};

struct disc_cmd {
	int64_t step_ns;       /* DISC_STEP: step by this much */
	int64_t freq_ppb;      /* frequency correction from now on */
	int64_t slew_ns;       /* phase to slew (replaces the pending one) */
	int64_t slew_rate_ppb; /* ...at this rate */
};

struct disc_point {
	int64_t t_ns;     /* local (monotonic) time of the measurement */
	int64_t u_ns;     /* disc_prime: the offset measured then */
	int64_t sigma_ns; /* its uncertainty */
};

struct disc {
	struct disc_cfg cfg;
	int updates; /* clock updates so far */
	int stepped; /* a step has happened (panic allowance used) */
	/* correction model C(t) */
	int64_t c_base_ns; /* C at c_t_ns, slews applied so far included */
	int64_t p_base_ns; /* steps + slews applied by c_t_ns */
	int64_t c_t_ns;
	int64_t freq_ppb;      /* current frequency correction */
	int64_t slew_left_ns;  /* pending slew at c_t_ns */
	int64_t slew_rate_ppb; /* its rate */
	/* spike / step-out state */
	int64_t spike_since_ns; /* 0: not in a spike */
	/* Kalman filter on the oscillator, u-space (doc/algorithm.md):
	 * phase k_u (s) and frequency k_b (s/s) as of k_t_ns, covariance
	 * k_p00/k_p01/k_p11, frequency random-walk intensity k_q. */
	int k_state; /* 0 empty, 1 running, 2 phase restart after a step */
	int64_t k_t_ns;
	double k_u, k_b, k_p00, k_p01, k_p11, k_q;
	uint32_t k_signs; /* signs of the last innovations, newest in bit 0 */
	int k_n_signs;
	int k_big; /* sign of the last innovation beyond 5 sigma, or 0 */
	/* estimates after the last update */
	int64_t offset_ns;  /* last measured offset (theta) */
	int64_t resid_ns;   /* last innovation */
	int64_t jitter_ns;  /* innovation RMS */
	int64_t wander_ppb; /* RMS of frequency changes */
	int poll;           /* suggested poll exponent */
	int poll_score;
	int wander_ok; /* the innovations look like noise: poll may rise */
	int64_t last_update_ns;     /* local time of the last update */
	int64_t update_interval_ns; /* between the last two updates, 0 */
	int64_t resid_rms_ns;       /* running RMS of innovations */
};

/* initial_freq_ppb: from the drift file (0 without one). */
void disc_init(struct disc *d, const struct disc_cfg *cfg,
    int64_t initial_freq_ppb);

/* C(t): correction applied by local time t_ns (t_ns >= last command). */
int64_t disc_correction_at(const struct disc *d, int64_t t_ns);

/*
 * One clock update: offset_ns measured at local time t_ns with
 * uncertainty sigma_ns.  Fills *cmd for DISC_SLEW and DISC_STEP; the
 * caller must apply it at t_ns.  DISC_SPIKE and DISC_PANIC leave the
 * clock alone.
 */
enum disc_verdict disc_update(struct disc *d, int64_t t_ns, int64_t offset_ns,
    int64_t sigma_ns, struct disc_cmd *cmd);

/* How far off the frequency correction may still be, in ppb: 500 ppm
 * before the first update (nothing is known of the oscillator), then
 * three standard deviations of the filter's frequency estimate. */
int64_t disc_freq_unc_ppb(const struct disc *d);

/* The phase part of C(t): steps and slews applied by t_ns, without the
 * frequency correction's integral. */
int64_t disc_phase_at(const struct disc *d, int64_t t_ns);

/*
 * Before the first update: run earlier measurements through the filter
 * (u_ns holding the offset measured then; times ascending), e.g. the
 * initial burst of the first system peer, so that the first command
 * already corrects the frequency.  Ignored after the first update.
 */
void disc_prime(struct disc *d, const struct disc_point *pts, int n);

#endif

// SPDX-License-Identifier: ISC
/* disc: Kalman-filter clock discipline (doc/algorithm.md). */
#include "core/disc.h"

#include <math.h>
#include <string.h>

#include "core/ts.h"

#define PRIOR_FREQ_SIGMA 50e-6 /* frequency uncertainty at start (s/s) */
#define Q_MIN 3e-18            /* frequency random walk floor, (s/s)^2 per s */
#define Q_MAX 1e-12            /* ...and ceiling */
#define Q_WANDER 4.0           /* q this far above the floor: wandering */
#define Q_GROW 4.0             /* factor when the innovations show runs */
#define Q_DECAY 1.2            /* factor per update otherwise */
#define RUN_N 16               /* innovations looked at by the runs test */
#define RUN_MIN 5              /* fewer sign runs among 16 is not white noise */
#define OUTLIER_NIS 25.0       /* (innovation / its sigma)^2 beyond: outlier */
#define POLL_SCORE_LIMIT 30    /* RFC 5905 section 13.3 LIMIT */

void
disc_init(struct disc *d, const struct disc_cfg *cfg, int64_t initial_freq_ppb)
{
	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	d->freq_ppb = initial_freq_ppb;
	d->poll = cfg->minpoll;
	if (d->cfg.max_slew_ppb <= 0)
		d->cfg.max_slew_ppb = DISC_SLEW_RATE_PPB;
	d->slew_rate_ppb = d->cfg.max_slew_ppb < DISC_SLEW_RATE_PPB
	    ? d->cfg.max_slew_ppb
	    : DISC_SLEW_RATE_PPB;
}

/* The rate of a slew: 500 ppm for small ones, else |slew| per second up
 * to the configured maximum (see disc.h). */
static int64_t
slew_rate_for(const struct disc *d, int64_t slew_ns)
{
	int64_t r = ts_abs(slew_ns); /* ns per second = ppb */

	if (r < DISC_SLEW_RATE_PPB)
		r = DISC_SLEW_RATE_PPB;
	return r > d->cfg.max_slew_ppb ? d->cfg.max_slew_ppb : r;
}

/* ---- the correction model C(t) ---- */

static int64_t
slewed_by(const struct disc *d, int64_t dt)
{
	int64_t max;

	if (dt <= 0 || d->slew_left_ns == 0)
		return 0;
	max = (int64_t)((double)dt * (double)d->slew_rate_ppb * 1e-9);
	if (d->slew_left_ns > 0)
		return d->slew_left_ns < max ? d->slew_left_ns : max;
	return -d->slew_left_ns < max ? d->slew_left_ns : -max;
}

int64_t
disc_correction_at(const struct disc *d, int64_t t_ns)
{
	int64_t dt = t_ns - d->c_t_ns;
	double fc = (double)d->freq_ppb * 1e-9 * (double)dt;

	return d->c_base_ns + (int64_t)fc + slewed_by(d, dt);
}

int64_t
disc_phase_at(const struct disc *d, int64_t t_ns)
{
	return d->p_base_ns + slewed_by(d, t_ns - d->c_t_ns);
}

/* Move the correction model's reference point to t. */
static void
advance(struct disc *d, int64_t t)
{
	int64_t s = slewed_by(d, t - d->c_t_ns);

	d->c_base_ns = disc_correction_at(d, t);
	d->p_base_ns += s;
	d->slew_left_ns -= s;
	d->c_t_ns = t;
}

/* ---- the Kalman filter ---- */

static void
k_start(struct disc *d, int64_t t, double u, double r)
{
	if (d->k_state == 0) {
		d->k_b = (double)d->freq_ppb * 1e-9;
		d->k_p11 = PRIOR_FREQ_SIGMA * PRIOR_FREQ_SIGMA;
		d->k_q = Q_MIN;
	}
	d->k_u = u;
	d->k_p00 = r;
	d->k_p01 = 0;
	d->k_t_ns = t;
	d->k_state = 1;
}

/* The innovations show the oscillator wandering faster than the filter
 * assumed (seen = 1): the assumed wander q goes up, the poll comes down
 * one step at once and may not go
 * up until they look like noise again (seen = 0).  chronyd sizes its
 * interval by the same kind of test, the runs of its regression's
 * residuals. */
static void
wander_seen(struct disc *d, int seen)
{
	d->wander_ok = !seen;
	if (!seen)
		return;
	d->k_q = d->k_q * Q_GROW < Q_MAX ? d->k_q * Q_GROW : Q_MAX;
	d->poll_score = 0;
	if (d->poll > d->cfg.minpoll)
		d->poll--;
}

/* The runs test on the innovations' signs, over the last RUN_N after
 * every update: white measurement noise keeps flipping them; an
 * oscillator wandering faster than the filter assumes leaves runs, and
 * then the assumed wander (q) goes up and the poll down. */
static void
adapt_q(struct disc *d, double y)
{
	uint32_t x;
	int runs = 1, j;

	d->k_signs = d->k_signs << 1 | (y >= 0);
	if (++d->k_n_signs < RUN_N)
		return;
	x = d->k_signs ^ (d->k_signs >> 1);
	for (j = 0; j < RUN_N - 1; j++)
		runs += (int)((x >> j) & 1);
	if (runs < RUN_MIN) {
		wander_seen(d, 1);
	} else {
		wander_seen(d, 0);
		d->k_q = d->k_q / Q_DECAY > Q_MIN ? d->k_q / Q_DECAY : Q_MIN;
	}
}

/*
 * Predict to t, then take the measurement u (s) of variance r (s^2).
 * Returns the innovation (s) and its variance in *s_out.  State:
 * u' = u + b dt, b' = b + w with E[w^2] = q dt (doc/algorithm.md).
 */
static double
k_step(struct disc *d, int64_t t, double u, double r, double *s_out)
{
	double dt, q = d->k_q, y, S, k0, k1, p00, p01, p11;
	double rms = ts_to_s(d->resid_rms_ns);

	if (d->k_state != 1) {
		k_start(d, t, u, r);
		*s_out = r;
		return 0;
	}
	dt = ts_to_s(t - d->k_t_ns);
	d->k_u += d->k_b * dt;
	p00 = d->k_p00 + 2 * dt * d->k_p01 + dt * dt * d->k_p11 +
	    q * dt * dt * dt / 3;
	p01 = d->k_p01 + dt * d->k_p11 + q * dt * dt / 2;
	p11 = d->k_p11 + q * dt;
	y = u - d->k_u;
	S = p00 + r;
	/* A measurement far off its prediction counts with the variance it
	 * showed, so one bad sample cannot throw the clock.  Two in a row on
	 * the same side are no accident (the sample gate has already kept
	 * lone wild samples out): the oscillator moved more than the filter
	 * assumed, so the wander assumed goes up and the poll down. */
	if (y * y / S > OUTLIER_NIS) {
		/* ...beyond what the innovations usually show, too: a path
		 * noisier than its sigma says is not wander. */
		if (d->k_big == (y > 0 ? 1 : -1) &&
		    y * y > OUTLIER_NIS * rms * rms)
			wander_seen(d, 1);
		else
			S = y * y / OUTLIER_NIS;
		d->k_big = y > 0 ? 1 : -1;
	} else {
		d->k_big = 0;
	}
	k0 = p00 / S;
	k1 = p01 / S;
	d->k_u += k0 * y;
	d->k_b += k1 * y;
	d->k_p00 = (1 - k0) * p00;
	d->k_p01 = (1 - k0) * p01;
	d->k_p11 = p11 - k1 * p01;
	d->k_t_ns = t;
	adapt_q(d, y);
	*s_out = S;
	return y;
}

void
disc_prime(struct disc *d, const struct disc_point *pts, int n)
{
	double r, S;
	int i;

	if (d->updates != 0)
		return;
	if (d->c_t_ns == 0 && n > 0)
		d->c_t_ns = pts[n - 1].t_ns;
	for (i = 0; i < n; i++) {
		/* Before any command only the initial frequency was in
		 * force: extrapolate C backwards with it. */
		int64_t c = d->c_base_ns +
		    (int64_t)((double)d->freq_ppb * 1e-9 *
		        (double)(pts[i].t_ns - d->c_t_ns));

		r = ts_to_s(pts[i].sigma_ns);
		k_step(d, pts[i].t_ns, ts_to_s(pts[i].u_ns + c), r * r, &S);
	}
}

int64_t
disc_freq_unc_ppb(const struct disc *d)
{
	double u;

	if (d->updates == 0 || d->k_state != 1)
		return DISC_MAX_FREQ_PPB;
	u = 3e9 * sqrt(d->k_p11);
	return u > (double)DISC_MAX_FREQ_PPB ? DISC_MAX_FREQ_PPB : (int64_t)u;
}

/* ---- poll, steps, statistics ---- */

static int64_t
clamp_freq(double b)
{
	double ppb = b * 1e9;

	if (ppb > (double)DISC_MAX_FREQ_PPB)
		ppb = (double)DISC_MAX_FREQ_PPB;
	if (ppb < -(double)DISC_MAX_FREQ_PPB)
		ppb = -(double)DISC_MAX_FREQ_PPB;
	return (int64_t)ppb;
}

/* The phase error (ns) the frequency's random walk alone builds up over
 * tau_s seconds, as the filter models it: sqrt(q tau^3 / 3). */
static double
wander_ns(const struct disc *d, double tau_s)
{
	return sqrt(d->k_q * tau_s * tau_s * tau_s / 3) * 1e9;
}

/*
 * Poll adaptation.  The interval follows the measured noise against the
 * measured wander, in both directions.  Once the runs test has found the
 * oscillator wandering (q well above its floor), a longer interval is
 * taken only while the wander over it stays below the noise of one
 * measurement, and the poll comes down at once when the wander over the
 * current one is twice the noise.  Otherwise, RFC 5905 section 13.3's
 * score: an innovation within four times the larger of its sigma and the
 * running RMS of innovations adds the poll exponent, one beyond subtracts
 * twice that, and +-30 moves the poll one step; going up also needs the
 * innovations to look like noise (wander_seen).  White noise alone never
 * holds the poll down: on a stable path it climbs to maxpoll, as on
 * chronyd's budget.
 */
static void
adapt_poll(struct disc *d, int64_t resid, int64_t sigma)
{
	double r = (double)resid, m = (double)d->resid_rms_ns;
	int64_t ref = sigma > d->resid_rms_ns ? sigma : d->resid_rms_ns;
	int step = d->poll > 1 ? d->poll : 1; /* sub-second polls too */
	int wanders = d->k_q > Q_WANDER * Q_MIN;
	double tau = ldexp(1, d->poll);

	d->resid_rms_ns = (int64_t)sqrt((m * m * 7 + r * r) / 8);
	if (wanders && wander_ns(d, tau) > 2 * (double)ref &&
	    d->poll > d->cfg.minpoll) {
		d->poll--;
		d->poll_score = 0;
		return;
	}
	d->poll_score += ts_abs(resid) <= 4 * ref ? step : -2 * step;
	if (d->poll_score >= POLL_SCORE_LIMIT) {
		d->poll_score = 0;
		if (d->poll < d->cfg.maxpoll && d->wander_ok &&
		    !(wanders && wander_ns(d, 2 * tau) > (double)ref))
			d->poll++;
	} else if (d->poll_score <= -POLL_SCORE_LIMIT) {
		d->poll_score = 0;
		if (d->poll > d->cfg.minpoll)
			d->poll--;
	}
}

/* Beyond the panic threshold, unless -g allows the first correction. */
static int
panics(const struct disc *d, int64_t offset)
{
	return d->cfg.panic_ns && ts_abs(offset) > d->cfg.panic_ns &&
	    !(d->cfg.panic_once_ok && !d->stepped && d->updates == 0);
}

static enum disc_verdict
do_step(struct disc *d, int64_t offset, struct disc_cmd *cmd)
{
	d->c_base_ns += offset;
	d->p_base_ns += offset;
	d->slew_left_ns = 0;
	d->stepped = 1;
	d->spike_since_ns = 0;
	/* The reference moved (start-up, or a server that jumped): restart
	 * the phase estimate, keep the frequency. */
	if (d->k_state != 0)
		d->k_state = 2;
	d->updates++;
	cmd->step_ns = offset;
	cmd->freq_ppb = d->freq_ppb;
	cmd->slew_ns = 0;
	cmd->slew_rate_ppb = d->slew_rate_ppb;
	return DISC_STEP;
}

/* Beyond the step threshold: step at start, else only after the offset
 * has persisted for the step-out interval (RFC 5905 section 11.3). */
static int
check_spike(struct disc *d, int64_t t, int64_t offset)
{
	/* makestep (chrony): in the first updates, any offset beyond its
	 * threshold is stepped at once. */
	if (d->cfg.makestep_limit != 0 && ts_abs(offset) > d->cfg.makestep_ns &&
	    (d->cfg.makestep_limit < 0 || d->updates < d->cfg.makestep_limit))
		return 1;
	if (d->cfg.step_ns == 0 || ts_abs(offset) <= d->cfg.step_ns) {
		d->spike_since_ns = 0;
		return 0;
	}
	if (d->updates == 0)
		return 1;
	if (d->spike_since_ns == 0)
		d->spike_since_ns = t;
	return t - d->spike_since_ns >= d->cfg.stepout_ns ? 1 : -1;
}

/* Wander: exponentially averaged RMS of frequency changes (ntpd's
 * loopstats column); jitter: the innovation scaled to its own sigma
 * times the measurement's, i.e. how far off the prediction it was. */
static void
update_stats(struct disc *d, int64_t new_freq, double y, double S)
{
	double df = (double)(new_freq - d->freq_ppb);
	double w = (double)d->wander_ppb, j = (double)d->jitter_ns;
	double yn = y * 1e9;

	d->wander_ppb = (int64_t)sqrt((w * w * 3 + df * df) / 4);
	d->jitter_ns = (int64_t)sqrt((j * j * 7 + yn * yn) / 8);
	(void)S;
}

enum disc_verdict
disc_update(struct disc *d, int64_t t_ns, int64_t offset_ns, int64_t sigma_ns,
    struct disc_cmd *cmd)
{
	double r, y, S;
	int sp;

	memset(cmd, 0, sizeof(*cmd));
	if (d->updates == 0 && d->k_state == 0 && d->c_t_ns == 0)
		d->c_t_ns = t_ns;
	advance(d, t_ns);
	d->offset_ns = offset_ns;
	if (panics(d, offset_ns))
		return DISC_PANIC;
	sp = check_spike(d, t_ns, offset_ns);
	if (sp > 0)
		return do_step(d, offset_ns, cmd);
	if (sp < 0)
		return DISC_SPIKE;
	if (sigma_ns < 1000)
		sigma_ns = 1000;
	r = ts_to_s(sigma_ns);
	y = k_step(d, t_ns, ts_to_s(offset_ns + d->c_base_ns), r * r, &S);
	cmd->freq_ppb = clamp_freq(d->k_b);
	cmd->slew_ns = ts_from_s(d->k_u) - d->c_base_ns;
	cmd->slew_rate_ppb = slew_rate_for(d, cmd->slew_ns);
	update_stats(d, cmd->freq_ppb, y, S);
	d->resid_ns = ts_from_s(y);
	/* Burst samples (seconds apart) say nothing about how well the
	 * current poll interval works. */
	if (t_ns - d->last_update_ns >= ts_log2_ns(d->poll) / 2)
		adapt_poll(d, d->resid_ns, sigma_ns);
	if (d->updates > 0)
		d->update_interval_ns = t_ns - d->last_update_ns;
	d->last_update_ns = t_ns;
	d->freq_ppb = cmd->freq_ppb;
	d->slew_left_ns = cmd->slew_ns;
	d->slew_rate_ppb = cmd->slew_rate_ppb;
	d->updates++;
	return DISC_SLEW;
}

// SPDX-License-Identifier: ISC
/* disc: weighted regression clock discipline (doc/algorithm.md). */
#include "core/disc.h"

#include <math.h>
#include <string.h>

#include "core/ts.h"

#ifndef RUNS_Z
#define RUNS_Z 2.5
#endif
#ifndef RUNS_DROP
#define RUNS_DROP 4
#endif
#define MIN_FIT_POINTS 4       /* the runs test never shrinks below this */
#define WINDOW_POLLS 16        /* points older than 16 polls are dropped */
#define WINDOW_MAX_S 4096      /* ...and older than this, whatever the poll */
#define PRIOR_FREQ_SIGMA 50e-6 /* trust in the frequency at start (s/s) */
#define PRIOR_FREQ_MIN 1e-6    /* ...and at least this much later */
#define PRIOR_SETTLE_UPDATES 16
#define POLL_SCORE_LIMIT 30 /* RFC 5905 section 13.3 LIMIT */
#define NOISY1_NS 100000    /* residual RMS above which poll stays lower */
#define NOISY2_NS 200000

void
disc_init(struct disc *d, const struct disc_cfg *cfg, int64_t initial_freq_ppb)
{
	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	d->freq_ppb = initial_freq_ppb;
	d->poll = cfg->minpoll;
}

static int64_t
slewed_by(const struct disc *d, int64_t dt)
{
	int64_t max;

	if (dt <= 0 || d->slew_left_ns == 0)
		return 0;
	max = dt / (TS_NS_PER_S / DISC_SLEW_RATE_PPB);
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

/* Correction at a time before any command: only the initial frequency
 * applies, so extrapolate it backwards. */
static int64_t
correction_before(const struct disc *d, int64_t t_ns)
{
	return d->c_base_ns +
	    (int64_t)((double)d->freq_ppb * 1e-9 * (double)(t_ns - d->c_t_ns));
}

void
disc_prime(struct disc *d, const struct disc_point *pts, int n)
{
	int i;

	if (d->updates != 0)
		return;
	if (d->c_t_ns == 0 && n > 0)
		d->c_t_ns = pts[n - 1].t_ns;
	for (i = 0; i < n && d->n_pts < DISC_WINDOW; i++) {
		d->pts[d->n_pts] = pts[i];
		d->pts[d->n_pts].u_ns += correction_before(d, pts[i].t_ns);
		d->n_pts++;
	}
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

void
disc_reset_window(struct disc *d)
{
	d->n_pts = 0;
}

struct fit {
	double a, b; /* u(t) = a + b (t - t_ref), seconds and s/s */
	double rms;  /* weighted RMS residual, seconds */
};

/* Weighted sum of squared normalised residuals about u = a + b tau. */
static double
chi2(const struct disc_point *p, int n, int64_t t_ref, double a, double b)
{
	double rr = 0, r;
	int i;

	for (i = 0; i < n; i++) {
		r = (ts_to_s(p[i].u_ns) - a - b * ts_to_s(p[i].t_ns - t_ref)) /
		    ts_to_s(p[i].sigma_ns);
		rr += r * r;
	}
	return rr;
}

/*
 * Weighted least squares, its slope blended with the prior slope (the
 * frequency in use, trusted to sd_prior) by their variances.  var(b) of
 * the fit is W / den, scaled up by the reduced chi-square when the
 * points scatter more than their sigmas claim.  A short, lopsided or
 * freshly shrunk window then moves the frequency only as far as it can
 * vouch for.
 */
static void
fit_line(const struct disc_point *p, int n, int64_t t_ref, double b_prior,
    double sd_prior, struct fit *f)
{
	double W = 0, T = 0, U = 0, TT = 0, TU = 0, den, bf, vf, vp, c;
	int i;

	for (i = 0; i < n; i++) {
		double s = ts_to_s(p[i].sigma_ns), w = 1.0 / (s * s);
		double tau = ts_to_s(p[i].t_ns - t_ref), u = ts_to_s(p[i].u_ns);

		W += w;
		T += w * tau;
		U += w * u;
		TT += w * tau * tau;
		TU += w * tau * u;
	}
	den = W * TT - T * T;
	f->b = b_prior;
	if (n >= 3 && den > 0) {
		bf = (W * TU - T * U) / den;
		c = chi2(p, n, t_ref, (U - bf * T) / W, bf) / (n - 2);
		vf = W / den * (c > 1 ? c : 1);
		vp = sd_prior * sd_prior;
		f->b = (bf * vp + b_prior * vf) / (vp + vf);
	}
	f->a = (U - f->b * T) / W;
	f->rms = n > 0 ? sqrt(chi2(p, n, t_ref, f->a, f->b) / n) : 0;
}

/* How far the frequency in use is trusted: loosely until the discipline
 * has run a while, then to a few times the wander it has seen. */
static double
prior_sd(const struct disc *d)
{
	double w = 4e-9 * (double)d->wander_ppb;

	if (d->updates < PRIOR_SETTLE_UPDATES)
		return PRIOR_FREQ_SIGMA;
	return w > PRIOR_FREQ_MIN ? w : PRIOR_FREQ_MIN;
}

/* Runs test on residual signs: 1 when the residuals look random. */
static int
runs_ok(const struct disc_point *p, int n, int64_t t_ref, const struct fit *f)
{
	int i, runs = 1, prev = 0, sgn;

	if (n < 8)
		return 1;
	for (i = 0; i < n; i++) {
		double r = ts_to_s(p[i].u_ns) - f->a -
		    f->b * ts_to_s(p[i].t_ns - t_ref);

		sgn = r >= 0 ? 1 : -1;
		if (i > 0 && sgn != prev)
			runs++;
		prev = sgn;
	}
	return runs >= (n + 1) / 2.0 - RUNS_Z * sqrt((n - 1) / 4.0);
}

static void
drop_oldest(struct disc *d, int k)
{
	memmove(d->pts, d->pts + k, (size_t)(d->n_pts - k) * sizeof(d->pts[0]));
	d->n_pts -= k;
}

static void
add_point(struct disc *d, int64_t t, int64_t u, int64_t sigma)
{
	int64_t span = WINDOW_POLLS * ts_log2_ns(d->poll), horizon;
	int k = 0;

	if (span > WINDOW_MAX_S * TS_NS_PER_S)
		span = WINDOW_MAX_S * TS_NS_PER_S;
	horizon = t - span;

	while (k < d->n_pts && d->pts[k].t_ns < horizon)
		k++;
	if (k > 0)
		drop_oldest(d, k);
	if (d->n_pts == DISC_WINDOW)
		drop_oldest(d, 1);
	d->pts[d->n_pts++] = (struct disc_point){ t, u, sigma };
}

/* Fit, shrinking the window while the runs test fails. */
static void
fit_window(struct disc *d, int64_t t, struct fit *f)
{
	double prior = (double)d->freq_ppb * 1e-9, sd = prior_sd(d);

	fit_line(d->pts, d->n_pts, t, prior, sd, f);
	while (d->n_pts > MIN_FIT_POINTS && !runs_ok(d->pts, d->n_pts, t, f)) {
		int k = d->n_pts / RUNS_DROP;

		if (d->n_pts - k < MIN_FIT_POINTS)
			k = d->n_pts - MIN_FIT_POINTS;
		drop_oldest(d, k);
		fit_line(d->pts, d->n_pts, t, prior, sd, f);
		d->poll_score -= POLL_SCORE_LIMIT / 2;
	}
}

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

/* Noisy paths need more points per window to average the noise out,
 * so the poll stops rising while the residuals are large. */
static int
noise_poll_cap(const struct disc *d)
{
	if (d->resid_rms_ns > NOISY2_NS)
		return d->cfg.maxpoll - 2;
	if (d->resid_rms_ns > NOISY1_NS)
		return d->cfg.maxpoll - 1;
	return d->cfg.maxpoll;
}

/* RFC 5905 section 13.3 style poll adaptation from the prediction
 * residual of the new point. */
static void
adapt_poll(struct disc *d, int64_t resid, int64_t sigma)
{
	double r = (double)resid, m = (double)d->resid_rms_ns;
	int64_t ref = sigma > d->resid_rms_ns ? sigma : d->resid_rms_ns;
	int64_t lim = 4 * ref;
	int step = d->poll > 1 ? d->poll : 1; /* sub-second polls too */

	/* Judge the residual against the residuals seen so far (ntpd
	 * compares with its jitter), then fold it in. */
	d->resid_rms_ns = (int64_t)sqrt((m * m * 7 + r * r) / 8);
	if (resid < 0)
		resid = -resid;
	d->poll_score += resid <= lim ? step : -2 * step;
	if (d->poll_score >= POLL_SCORE_LIMIT) {
		d->poll_score = 0;
		if (d->poll < d->cfg.maxpoll && d->poll < noise_poll_cap(d))
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
	d->n_pts = 0;
	d->updates++;
	cmd->step_ns = offset;
	cmd->freq_ppb = d->freq_ppb;
	cmd->slew_ns = 0;
	return DISC_STEP;
}

/* Beyond the step threshold: step at start, else only after the offset
 * has persisted for the step-out interval (RFC 5905 section 11.3). */
static int
check_spike(struct disc *d, int64_t t, int64_t offset)
{
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
 * loopstats column); jitter: RMS weighted residual scaled by the new
 * point's uncertainty, in ns. */
static void
update_stats(struct disc *d, int64_t new_freq, const struct fit *f,
    int64_t sigma_ns)
{
	double df = (double)(new_freq - d->freq_ppb);
	double w = (double)d->wander_ppb;

	d->wander_ppb = (int64_t)sqrt((w * w * 3 + df * df) / 4);
	d->jitter_ns = (int64_t)(f->rms * (double)sigma_ns);
}

enum disc_verdict
disc_update(struct disc *d, int64_t t_ns, int64_t offset_ns, int64_t sigma_ns,
    struct disc_cmd *cmd)
{
	struct fit f;
	int64_t u, resid, a_ns;
	int sp;

	memset(cmd, 0, sizeof(*cmd));
	if (d->updates == 0 && d->n_pts == 0 && d->c_t_ns == 0)
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
	u = offset_ns + d->c_base_ns;
	fit_line(d->pts, d->n_pts, t_ns, (double)d->freq_ppb * 1e-9,
	    prior_sd(d), &f);
	resid = d->n_pts ? u - ts_from_s(f.a) : 0;
	add_point(d, t_ns, u, sigma_ns);
	fit_window(d, t_ns, &f);
	a_ns = ts_from_s(f.a);
	cmd->freq_ppb = clamp_freq(f.b);
	cmd->slew_ns = a_ns - d->c_base_ns;
	update_stats(d, cmd->freq_ppb, &f, sigma_ns);
	d->resid_ns = resid;
	adapt_poll(d, resid, sigma_ns);
	d->freq_ppb = cmd->freq_ppb;
	d->slew_left_ns = cmd->slew_ns;
	d->updates++;
	return DISC_SLEW;
}

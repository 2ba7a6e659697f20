// SPDX-License-Identifier: ISC
/* filt: RFC 5905 section 10 clock filter. */
#include "core/filt.h"

#include <math.h>
#include <string.h>

#include "core/ts.h"

void
filt_init(struct filt *f)
{
	memset(f, 0, sizeof(*f));
}

/* Dispersion grows by PHI per second of age (RFC 5905 section 10). */
static int64_t
aged(int64_t disp_ns, int64_t age_ns)
{
	int64_t d = disp_ns;

	if (age_ns > 0)
		d += age_ns / TS_NS_PER_S * TS_PHI_PPB +
		    age_ns % TS_NS_PER_S * TS_PHI_PPB / TS_NS_PER_S;
	return d > TS_MAXDISP_NS ? TS_MAXDISP_NS : d;
}

static void
shift_in(struct filt *f, const struct filt_sample *s)
{
	int i;

	for (i = FILT_STAGES - 1; i > 0; i--)
		f->st[i] = f->st[i - 1];
	f->st[0] = *s;
	if (f->n < FILT_STAGES)
		f->n++;
}

/* Index of the minimum-delay stage among valid ones, -1 if none. */
static int
best_stage(const struct filt *f)
{
	int i, b = -1;

	for (i = 0; i < f->n; i++) {
		if (f->st[i].disp_ns >= TS_MAXDISP_NS)
			continue;
		if (b < 0 || f->st[i].delay_ns < f->st[b].delay_ns)
			b = i;
	}
	return b;
}

/* Peer dispersion (RFC 5905 section 10, epsilon): the stages' aged
 * dispersions weighted 2^-(i+1), missed stages at MAXDISP.
 * RFC 5905 takes the stages in order of delay; we take them from the
 * freshest (least aged) on.  Our output is the best sample carried along
 * the stages' trend to the newest stage, not the best sample as it was,
 * so its uncertainty is that of recent data: in delay order, a register
 * spanning eight 512 s polls gave intervals of +-25 ms, too wide to tell
 * a source 50 ms off from the others.
 * Stages never filled do not count (RFC 5905 counts them at MAXDISP): a
 * source with four samples is as certain as those samples say, so
 * selection can tell truechimers from falsetickers seconds after start
 * instead of once eight polls have filled every register.  The weights
 * of the filled stages are scaled up to sum to one. */
static int64_t
peer_disp(const struct filt *f, int64_t now)
{
	int64_t d[FILT_STAGES], sum = 0, x;
	int i, j;

	if (f->n == 0)
		return TS_MAXDISP_NS;
	for (i = 0; i < f->n; i++)
		d[i] = f->st[i].disp_ns < TS_MAXDISP_NS
		    ? aged(f->st[i].disp_ns, now - f->st[i].t_ns)
		    : TS_MAXDISP_NS;
	for (i = 1; i < f->n; i++) /* insertion sort, freshest first */
		for (j = i; j > 0 && d[j] < d[j - 1]; j--) {
			x = d[j];
			d[j] = d[j - 1];
			d[j - 1] = x;
		}
	for (i = f->n - 1; i >= 0; i--)
		sum = (sum + d[i]) / 2;
	/* sum has weights 1/2 .. 1/2^n, which add up to 1 - 2^-n */
	x = (int64_t)((double)sum / (1.0 - ldexp(1.0, -f->n)));
	return x > TS_MAXDISP_NS ? TS_MAXDISP_NS : x;
}

static void
sort_dbl(double *v, int n)
{
	double x;
	int i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j] < v[j - 1]; j--) {
			x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
}

static double
median_dbl(double *v, int n)
{
	sort_dbl(v, n);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A straight line through the valid stages, offsets relative to stage b
 * and times in seconds from it: o = c + k t.  The slope is the median of
 * the slopes between pairs of stages (Theil-Sen) and c the median of what
 * is left, so one wild stage cannot bend the line.  k is 0 when there are
 * too few stages or they span too little time to show a trend. */
static void
fit_stages(const struct filt *f, int b, double *k, double *c)
{
	double t[FILT_STAGES], o[FILT_STAGES];
	double sl[FILT_STAGES * (FILT_STAGES - 1) / 2], r[FILT_STAGES];
	double st = 0, stt = 0;
	int i, j, n = 0, m = 0;

	for (i = 0; i < f->n; i++) {
		if (f->st[i].disp_ns >= TS_MAXDISP_NS)
			continue;
		t[n] = ts_to_s(f->st[i].t_ns - f->st[b].t_ns);
		o[n] = (double)(f->st[i].offset_ns - f->st[b].offset_ns);
		st += t[n];
		stt += t[n] * t[n];
		n++;
	}
	*k = 0;
	*c = 0;
	if (n < 4 || n * stt - st * st <= 16.0 * n * n)
		return;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (t[i] - t[j] > 0.5 || t[j] - t[i] > 0.5)
				sl[m++] = (o[j] - o[i]) / (t[j] - t[i]);
	if (m < 3)
		return;
	*k = median_dbl(sl, m);
	for (i = 0; i < n; i++)
		r[i] = o[i] - *k * t[i];
	*c = median_dbl(r, n);
}

/* Peer jitter: the scatter of the valid stages.  RFC 5905 takes the RMS
 * of their offsets from the chosen one; we take it about the line through
 * them, so that a drift common to every sample (our own clock's frequency
 * error, before the discipline has learned it or while no majority lets
 * it steer) does not count as jitter. */
static int64_t
peer_jitter(const struct filt *f, int b, int prec_log2, double k, double c)
{
	int64_t j, floor_ns = ts_log2_ns(prec_log2);
	double sum = 0, o, n = 0;
	int i;

	for (i = 0; i < f->n; i++) {
		if (f->st[i].disp_ns >= TS_MAXDISP_NS)
			continue;
		o = (double)(f->st[i].offset_ns - f->st[b].offset_ns) - c -
		    k * ts_to_s(f->st[i].t_ns - f->st[b].t_ns);
		sum += o * o;
		n++;
	}
	j = n > 1 ? (int64_t)sqrt(sum / (n - 1)) : 0;
	return j < floor_ns ? floor_ns : j;
}

int
filt_add(struct filt *f, const struct filt_sample *s, int prec_log2)
{
	double k, c;
	int b;

	shift_in(f, s);
	b = best_stage(f);
	if (b < 0)
		return 0;
	/* Dispersion and jitter describe the whole register and follow
	 * every sample (RFC 5905 section 10); the offset changes only for a
	 * sample used once and never an older one after a newer. */
	fit_stages(f, b, &k, &c);
	f->disp_ns = peer_disp(f, s->t_ns);
	f->disp_t_ns = s->t_ns;
	f->jitter_ns = peer_jitter(f, b, prec_log2, k, c);
	/* The chosen sample may be minutes old; carry it forward along the
	 * trend to the newest sample's time, so that sources whose best
	 * samples differ in age stay comparable (a 100 ppm drift over eight
	 * 64 s polls would otherwise move it by 51 ms).  RFC 5905 keeps the
	 * old output until a newer best sample arrives, because its
	 * discipline eats filter outputs; ours eats raw samples, so the
	 * output is only for selection and may be refreshed every time. */
	f->slope_ppb = (int64_t)k; /* ns per s */
	f->offset_ns = f->st[b].offset_ns +
	    (int64_t)(k * ts_to_s(f->st[0].t_ns - f->st[b].t_ns));
	f->delay_ns = f->st[b].delay_ns;
	f->t_ns = f->st[0].t_ns;
	f->have_out = 1;
	if (f->st[b].t_ns <= f->last_t_ns)
		return 0;
	f->last_t_ns = f->st[b].t_ns;
	return 1;
}

int64_t
filt_offset_at(const struct filt *f, int64_t t_ns)
{
	double dt = ts_to_s(t_ns - f->t_ns);

	return f->offset_ns + (int64_t)((double)f->slope_ppb * dt);
}

int64_t
filt_disp_at(const struct filt *f, int64_t now_ns)
{
	return aged(f->disp_ns, now_ns - f->disp_t_ns);
}

void
filt_miss(struct filt *f, int64_t now_ns)
{
	struct filt_sample s = { .disp_ns = TS_MAXDISP_NS,
		.t_ns = now_ns,
		.delay_ns = INT64_MAX / 4 };

	shift_in(f, &s);
}

void
filt_shift(struct filt *f, int64_t step_ns)
{
	int i;

	/* The same instants now read step_ns later on the clock. */
	for (i = 0; i < f->n; i++) {
		f->st[i].offset_ns -= step_ns;
		f->st[i].t_ns += step_ns;
	}
	f->offset_ns -= step_ns;
	f->t_ns += step_ns;
	f->last_t_ns += step_ns;
	f->disp_t_ns += step_ns;
}

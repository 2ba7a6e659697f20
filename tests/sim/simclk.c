// SPDX-License-Identifier: ISC
/* simclk: oscillator + step/frequency/slew corrections + leap seconds. */
#include "simclk.h"

#include <math.h>

#include "core/ts.h"

#define SIMCLK_DAY_NS (86400 * TS_NS_PER_S)

void
simclk_init(struct simclk *c, const struct simosc_cfg *osc, int64_t t0_ns,
    uint64_t seed, uint64_t stream)
{
	*c = (struct simclk){ .t0_ns = t0_ns, .cmd_t_ns = t0_ns };
	simosc_init(&c->osc, osc, t0_ns, seed, stream);
}

/* d_ns * ppb / 1e9 without overflow for d up to centuries and |ppb| up
 * to a second per second. */
static int64_t
mul_ppb(int64_t d_ns, int64_t ppb)
{
	return d_ns / TS_NS_PER_S * ppb +
	    d_ns % TS_NS_PER_S * ppb / TS_NS_PER_S;
}

/* Corrections in effect at true time t_ns (leaps excluded). */
static int64_t
correction_at(const struct simclk *c, int64_t t_ns)
{
	int64_t d = t_ns - c->cmd_t_ns;
	int64_t slewed = mul_ppb(d, c->slew_rate_ppb);
	int64_t left = c->slew_ns < 0 ? -c->slew_ns : c->slew_ns;

	if (slewed > left)
		slewed = left;
	if (c->slew_ns < 0)
		slewed = -slewed;
	return c->base_ns + mul_ppb(d, c->freq_ppb) + slewed;
}

static int64_t
raw_read(struct simclk *c, int64_t t_ns)
{
	double ph = simosc_phase_at(&c->osc, t_ns);

	return t_ns + (int64_t)llround(ph) + correction_at(c, t_ns) +
	    c->leap_ns;
}

int64_t
simclk_read(struct simclk *c, int64_t t_ns)
{
	int64_t r = raw_read(c, t_ns);
	int64_t edge;

	/* Insertion: at midnight the clock goes back to 23:59:59.  Deletion:
	 * at 23:59:59 it goes on to midnight. */
	if (c->leap_armed == 0)
		return r;
	edge = c->leap_armed > 0 ? c->leap_at_ns : c->leap_at_ns - TS_NS_PER_S;
	if (r < edge) {
		c->prev_t_ns = t_ns;
		c->prev_r_ns = r;
		return r;
	}
	/* When the reading crossed the edge: interpolated between this read
	 * and the one before (reads come at least every simulated second). */
	c->leap_true_ns = t_ns;
	if (t_ns > c->prev_t_ns && r > c->prev_r_ns && edge >= c->prev_r_ns)
		c->leap_true_ns = c->prev_t_ns +
		    (int64_t)((double)(edge - c->prev_r_ns) *
		        (double)(t_ns - c->prev_t_ns) /
		        (double)(r - c->prev_r_ns));
	c->leap_ns -= c->leap_armed * TS_NS_PER_S;
	r -= c->leap_armed * TS_NS_PER_S;
	c->leap_armed = 0;
	c->n_leaps++;
	return r;
}

void
simclk_apply(struct simclk *c, int64_t t_ns, int do_step,
    const struct disc_cmd *cmd)
{
	c->base_ns = correction_at(c, t_ns);
	if (do_step)
		c->base_ns += cmd->step_ns;
	c->cmd_t_ns = t_ns;
	c->freq_ppb = cmd->freq_ppb;
	c->slew_ns = cmd->slew_ns;
	c->slew_rate_ppb =
	    cmd->slew_rate_ppb > 0 ? cmd->slew_rate_ppb : DISC_SLEW_RATE_PPB;
}

void
simclk_arm_leap(struct simclk *c, int64_t t_ns, int leap)
{
	int64_t now = simclk_read(c, t_ns);

	if (leap == 0) {
		c->leap_armed = 0;
		return;
	}
	if (c->leap_armed == leap)
		return;
	c->leap_armed = leap;
	c->leap_at_ns = (now / SIMCLK_DAY_NS + 1) * SIMCLK_DAY_NS;
	c->prev_t_ns = t_ns;
	c->prev_r_ns = now;
}

int64_t
simclk_correction(const struct simclk *c, int64_t t_ns)
{
	return correction_at(c, t_ns);
}

double
simclk_freq_err_ppb(const struct simclk *c)
{
	return simosc_freq(&c->osc) * 1e9 + (double)c->freq_ppb;
}

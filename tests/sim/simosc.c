// SPDX-License-Identifier: ISC
/* simosc: piecewise-linear phase, per-second frequency random walk. */
#include "simosc.h"

#include "core/ts.h"

void
simosc_init(struct simosc *o, const struct simosc_cfg *cfg, int64_t t0_ns,
    uint64_t seed, uint64_t stream)
{
	o->cfg = *cfg;
	simrng_init(&o->rng, seed, stream);
	o->phase_ns = cfg->phase_ns;
	o->freq_ss = cfg->freq_ss;
	o->t_ns = t0_ns;
	o->steps = 0;
}

/* Integrate one second: the phase grows by the frequency of the second
 * that ends, then the frequency takes its random step. */
static void
step_second(struct simosc *o)
{
	o->phase_ns += o->freq_ss * (double)TS_NS_PER_S;
	o->freq_ss += o->cfg.wander_ss * simrng_normal(&o->rng);
	o->t_ns += TS_NS_PER_S;
	o->steps++;
	if (o->cfg.reset_s > 0 && o->steps % (uint64_t)o->cfg.reset_s == 0)
		o->phase_ns = 0;
}

double
simosc_phase_at(struct simosc *o, int64_t t_ns)
{
	while (t_ns - o->t_ns >= TS_NS_PER_S)
		step_second(o);
	return o->phase_ns + o->freq_ss * (double)(t_ns - o->t_ns);
}

double
simosc_freq(const struct simosc *o)
{
	return o->freq_ss;
}

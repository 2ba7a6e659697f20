// SPDX-License-Identifier: ISC
/* simnet: loss and delay draws for one packet. */
#include "simnet.h"

#include <math.h>

int
simnet_draw(const struct simnet_link *l, struct simrng *r, int64_t *delay_ns)
{
	/* Draw both numbers for every packet so that changing the loss
	 * rate does not reshuffle the delays of the packets that pass. */
	double u = simrng_uniform(r);
	double q = simrng_exp(r, l->exp_mean_ns);

	*delay_ns = l->base_ns + (int64_t)llround(q);
	/* Only links with spikes draw for them: the other scenarios keep
	 * their streams. */
	if (l->spike_p > 0 && simrng_uniform(r) < l->spike_p)
		*delay_ns += l->spike_ns;
	return u < l->loss ? -1 : 0;
}

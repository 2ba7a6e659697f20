// SPDX-License-Identifier: ISC
/* simrng: xorshift64* seeded through splitmix64, Box-Muller normals and
 * inverse-CDF exponentials. */
#include "simrng.h"

#include <math.h>

/* splitmix64: spreads nearby seeds (1, 2, 3...) over the state space. */
static uint64_t
mix(uint64_t z)
{
	z += 0x9E3779B97F4A7C15ULL;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

void
simrng_init(struct simrng *r, uint64_t seed, uint64_t stream)
{
	r->s = mix(mix(seed) ^ mix(stream + 0x5151ULL));
	if (r->s == 0)
		r->s = 1;
	r->have_spare = 0;
	r->spare = 0;
}

uint64_t
simrng_next(struct simrng *r)
{
	uint64_t x = r->s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

double
simrng_uniform(struct simrng *r)
{
	/* 53 random bits, shifted by half a unit off zero. */
	return ((double)(simrng_next(r) >> 11) + 0.5) / 9007199254740992.0;
}

double
simrng_normal(struct simrng *r)
{
	double u1, u2, m;

	if (r->have_spare) {
		r->have_spare = 0;
		return r->spare;
	}
	u1 = simrng_uniform(r);
	u2 = simrng_uniform(r);
	m = sqrt(-2.0 * log(u1));
	r->spare = m * sin(2.0 * M_PI * u2);
	r->have_spare = 1;
	return m * cos(2.0 * M_PI * u2);
}

double
simrng_exp(struct simrng *r, double mean)
{
	return -mean * log(simrng_uniform(r));
}

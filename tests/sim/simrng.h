/* SPDX-License-Identifier: ISC */
/*
 * simrng: the simulator's deterministic random numbers.  Every consumer
 * (each oscillator, the network, the client's transmit values) owns one
 * generator derived from the scenario seed, so a run depends only on the
 * seed and not on the order in which consumers happen to draw.
 */
#ifndef STRATUM_SIMRNG_H
#define STRATUM_SIMRNG_H

#include <stdint.h>

struct simrng {
	uint64_t s;     /* xorshift64* state, never 0 */
	int have_spare; /* Box-Muller makes normals in pairs */
	double spare;
};

/* A generator for stream number `stream` of `seed`. */
void simrng_init(struct simrng *r, uint64_t seed, uint64_t stream);

/* 64 uniformly distributed bits. */
uint64_t simrng_next(struct simrng *r);

/* Uniform in (0, 1): never exactly 0 or 1. */
double simrng_uniform(struct simrng *r);

/* Standard normal N(0, 1). */
double simrng_normal(struct simrng *r);

/* Exponential with the given mean (any unit; 0 gives 0). */
double simrng_exp(struct simrng *r, double mean);

#endif

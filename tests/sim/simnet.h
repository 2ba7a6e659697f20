/* SPDX-License-Identifier: ISC */
/*
 * simnet: one direction of a network path.  Each packet independently is
 * lost with probability `loss` or is delayed by base_ns plus an
 * exponentially distributed queueing delay of mean exp_mean_ns, plus
 * spike_ns with probability spike_p (a queue filling up).  Both
 * directions use the same model with independent draws, so the path is
 * symmetric on average and asymmetric per exchange.
 */
#ifndef STRATUM_SIMNET_H
#define STRATUM_SIMNET_H

#include <stdint.h>

#include "simrng.h"

struct simnet_link {
	int64_t base_ns;    /* fixed one-way delay */
	double exp_mean_ns; /* mean of the exponential part */
	double loss;        /* probability a packet is dropped, 0..1 */
	double spike_p;     /* probability of a delay spike... */
	int64_t spike_ns;   /* ...adding this much */
};

/* The fate of one packet: 0 and its one-way delay in *delay_ns, or -1
 * when it is lost. */
int simnet_draw(const struct simnet_link *l, struct simrng *r,
    int64_t *delay_ns);

#endif

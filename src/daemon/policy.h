/* SPDX-License-Identifier: ISC */
/*
 * policy: what the server path decides per client, built from the
 * configuration: the restrict table (core/acl) and the rate limits
 * (core/rl's discard or ratelimit parameters).  A value type: the engine
 * keeps the current one and publishes a copy to each serving thread
 * under a new generation when a reload changes it, so a thread answers
 * every datagram from one whole policy, old or new, never a mix.
 */
#ifndef STRATUM_POLICY_H
#define STRATUM_POLICY_H

#include "conf/conf.h"
#include "core/acl.h"
#include "core/rl.h"

struct policy {
	struct acl acl;
	struct rl_cfg rl;      /* discard, or ratelimit when enabled */
	int ratelimit_enabled; /* `ratelimit`: every client is limited */
	int limiting;          /* someone can be rate-limited at all */
};

/* The policy the configuration c describes. */
void policy_from_conf(struct policy *p, const struct conf *c);

/* 1 when a and b have the same restrict rules. */
int policy_same_acl(const struct policy *a, const struct policy *b);

/* 1 when a and b limit the same clients the same way. */
int policy_same_limits(const struct policy *a, const struct policy *b);

#endif

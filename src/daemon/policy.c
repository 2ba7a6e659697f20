// SPDX-License-Identifier: ISC
/* policy: restrict and rate-limit parameters from the configuration. */
#include "daemon/policy.h"

#include <string.h>

/* Every restrict line fits: a line is one entry, or two for a default or
 * source line without -4/-6.  A rule silently left out would be a hole. */
_Static_assert(ACL_MAX_RULES >= 2 * CONF_MAX_RESTRICT,
    "the acl table must hold every restrict line");

static void
acl_from_conf(struct acl *a, const struct conf *c)
{
	static const struct {
		unsigned conf, acl;
	} map[] = {
		{ CONF_RES_IGNORE, ACL_IGNORE },
		{ CONF_RES_NOQUERY, ACL_NOQUERY },
		{ CONF_RES_NOMODIFY, ACL_NOMODIFY },
		{ CONF_RES_NOSERVE, ACL_NOSERVE },
		{ CONF_RES_NOPEER, ACL_NOPEER },
		{ CONF_RES_KOD, ACL_KOD },
		{ CONF_RES_LIMITED, ACL_LIMITED },
		{ CONF_RES_NOTRAP, ACL_NOTRAP },
		{ CONF_RES_NOTRUST, ACL_NOTRUST },
		{ CONF_RES_NOMRULIST, ACL_NOMRULIST },
	};
	const struct conf_restrict *cr;
	struct acl_rule r;
	size_t i, k;

	acl_init(a);
	for (i = 0; i < c->n_restricts; i++) {
		cr = &c->restricts[i];
		memset(&r, 0, sizeof(r));
		r.kind = cr->is_default ? ACL_RULE_DEFAULT
		    : cr->is_source     ? ACL_RULE_SOURCE
		                        : ACL_RULE_ADDR;
		r.family = cr->family;
		memcpy(r.addr, cr->addr, 16);
		memcpy(r.mask, cr->mask, 16);
		for (k = 0; k < sizeof(map) / sizeof(map[0]); k++)
			if (cr->flags & map[k].conf)
				r.flags |= map[k].acl;
		/* cannot fail: see the static assertion above */
		(void)acl_add(a, &r, cr->unrestrict);
	}
}

void
policy_from_conf(struct policy *p, const struct conf *c)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	acl_from_conf(&p->acl, c);
	p->ratelimit_enabled = c->ratelimit_enabled;
	if (c->ratelimit_enabled)
		p->rl = (struct rl_cfg){ .kind = RL_RATELIMIT,
			.average_log2 = c->ratelimit_interval_log2,
			.burst = c->ratelimit_burst,
			.leak_log2 = c->ratelimit_leak_log2 };
	else
		p->rl = (struct rl_cfg){ .kind = RL_DISCARD,
			.average_log2 = c->discard_average_log2,
			.minimum_s = c->discard_minimum_s };
	/* `ratelimit` limits everyone; otherwise restrict ... limited. */
	p->limiting = c->ratelimit_enabled;
	for (i = 0; i < p->acl.n; i++)
		if (p->acl.rules[i].flags & ACL_LIMITED)
			p->limiting = 1;
}

int
policy_same_acl(const struct policy *a, const struct policy *b)
{
	size_t i;

	if (a->acl.n != b->acl.n || a->acl.has_source != b->acl.has_source)
		return 0;
	for (i = 0; i < a->acl.n; i++) {
		const struct acl_rule *x = &a->acl.rules[i],
		                      *y = &b->acl.rules[i];

		if (x->kind != y->kind || x->family != y->family ||
		    x->flags != y->flags || memcmp(x->addr, y->addr, 16) != 0 ||
		    memcmp(x->mask, y->mask, 16) != 0)
			return 0;
	}
	return 1;
}

int
policy_same_limits(const struct policy *a, const struct policy *b)
{
	return a->ratelimit_enabled == b->ratelimit_enabled &&
	    a->limiting == b->limiting && a->rl.kind == b->rl.kind &&
	    a->rl.average_log2 == b->rl.average_log2 &&
	    a->rl.minimum_s == b->rl.minimum_s && a->rl.burst == b->rl.burst &&
	    a->rl.leak_log2 == b->rl.leak_log2;
}

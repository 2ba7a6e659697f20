// SPDX-License-Identifier: ISC
/* acl: ntpd restrict semantics over a sorted fixed-size table. */
#include "core/acl.h"

#include <string.h>

void
acl_init(struct acl *a)
{
	memset(a, 0, sizeof(*a));
}

static int
addr_len(int family)
{
	return family == 4 ? 4 : 16;
}

static int
popcount8(uint8_t b)
{
	int n = 0;

	for (; b != 0; b &= (uint8_t)(b - 1))
		n++;
	return n;
}

/* Rules are kept most specific first: source rules count as host rules
 * (a full mask), then more mask bits, then IPv6 before IPv4 (both of a
 * default's families are distinct entries anyway). */
static int
more_specific(const struct acl_rule *x, const struct acl_rule *y)
{
	return x->mask_bits > y->mask_bits;
}

static int
same_target(const struct acl_rule *x, const struct acl_rule *y)
{
	return x->kind == y->kind && x->family == y->family &&
	    memcmp(x->addr, y->addr, 16) == 0 &&
	    memcmp(x->mask, y->mask, 16) == 0;
}

static void
remove_at(struct acl *a, size_t i)
{
	memmove(&a->rules[i], &a->rules[i + 1],
	    (a->n - i - 1) * sizeof(a->rules[0]));
	a->n--;
}

static int
insert_sorted(struct acl *a, const struct acl_rule *r)
{
	size_t i;

	if (a->n >= ACL_MAX_RULES)
		return -1;
	for (i = 0; i < a->n && !more_specific(r, &a->rules[i]); i++)
		;
	memmove(&a->rules[i + 1], &a->rules[i],
	    (a->n - i) * sizeof(a->rules[0]));
	a->rules[i] = *r;
	a->n++;
	return 0;
}

/* One family's entry of a line. */
static int
add_one(struct acl *a, const struct acl_rule *r, int unrestrict)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		if (!same_target(&a->rules[i], r))
			continue;
		if (!unrestrict)
			a->rules[i].flags |= r->flags;
		else if (r->flags == 0)
			remove_at(a, i);
		else
			a->rules[i].flags &= ~r->flags;
		return 0;
	}
	/* unrestrict of a rule that does not exist changes nothing */
	return unrestrict ? 0 : insert_sorted(a, r);
}

int
acl_add(struct acl *a, const struct acl_rule *r, int unrestrict)
{
	struct acl_rule x = *r;
	int i, n, fam;

	if (x.kind != ACL_RULE_ADDR && x.family == 0) {
		/* default/source without -4/-6: one entry per family */
		for (fam = 4; fam <= 6; fam += 2) {
			x.family = fam;
			if (acl_add(a, &x, unrestrict) != 0)
				return -1;
		}
		return 0;
	}
	n = addr_len(x.family);
	if (x.kind != ACL_RULE_ADDR)
		memset(x.mask, 0, sizeof(x.mask));
	for (i = n; i < 16; i++)
		x.mask[i] = 0;
	x.mask_bits = 0;
	for (i = 0; i < 16; i++) {
		x.addr[i] &= x.mask[i];
		x.mask_bits += popcount8(x.mask[i]);
	}
	if (x.kind == ACL_RULE_SOURCE) {
		x.mask_bits = n * 8; /* a host rule per source */
		a->has_source = 1;
	}
	return add_one(a, &x, unrestrict);
}

static int
masked_equal(const struct acl_rule *r, const uint8_t *addr, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if ((addr[i] & r->mask[i]) != r->addr[i])
			return 0;
	return 1;
}

unsigned
acl_flags(const struct acl *a, int family, const uint8_t *addr, int is_source)
{
	const struct acl_rule *r;
	unsigned flags = 0;
	int n = addr_len(family), found = 0, bits = 0;
	size_t i;

	for (i = 0; i < a->n; i++) {
		r = &a->rules[i];
		if (r->family != family)
			continue;
		if (found && r->mask_bits < bits)
			break; /* sorted: nothing more specific follows */
		if (r->kind == ACL_RULE_SOURCE ? is_source
		                               : masked_equal(r, addr, n)) {
			/* a source template merges with an exact host rule */
			flags |= r->flags;
			found = 1;
			bits = r->mask_bits;
		}
	}
	return flags;
}

int
acl_named(const struct acl *a, int family, const uint8_t *addr)
{
	const struct acl_rule *r;
	int n = addr_len(family);
	size_t i;

	for (i = 0; i < a->n; i++) {
		r = &a->rules[i];
		if (r->family != family || r->kind == ACL_RULE_SOURCE)
			continue;
		/* sorted most specific first: the first match decides */
		if (masked_equal(r, addr, n))
			return r->kind == ACL_RULE_ADDR && r->mask_bits > 0;
	}
	return 0;
}

enum acl_verdict
acl_check(unsigned flags, int mode, int authentic)
{
	if (flags & ACL_IGNORE)
		return ACL_DROP_IGNORE;
	if (mode == 6 || mode == 7)
		return (flags & ACL_NOQUERY) ? ACL_DROP_NOQUERY : ACL_OK;
	if (mode >= 1 && mode <= 5 && (flags & ACL_NOSERVE))
		return ACL_DROP_NOSERVE;
	/* NTPsec 1.2.2 drops unauthenticated time requests under notrust
	 * and still answers mode 6 reads. */
	if (mode >= 1 && mode <= 5 && (flags & ACL_NOTRUST) && !authentic)
		return ACL_DROP_NOTRUST;
	return ACL_OK;
}

const char *
acl_verdict_str(enum acl_verdict v)
{
	switch (v) {
	case ACL_OK:
		return "allowed";
	case ACL_DROP_IGNORE:
		return "restrict ignore";
	case ACL_DROP_NOSERVE:
		return "restrict noserve";
	case ACL_DROP_NOTRUST:
		return "restrict notrust";
	case ACL_DROP_NOQUERY:
		return "restrict noquery";
	}
	return "?";
}

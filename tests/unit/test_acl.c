// SPDX-License-Identifier: ISC
/* Tests for core/acl: ntpd's restrict semantics. */
#include "core/acl.h"

#include <string.h>

#include "t.h"

static struct acl_rule
rule4(const char *what, uint8_t a0, uint8_t a1, uint8_t a2, uint8_t a3,
    int plen, unsigned flags)
{
	struct acl_rule r;
	int i;

	memset(&r, 0, sizeof(r));
	r.kind = ACL_RULE_ADDR;
	if (strcmp(what, "default") == 0)
		r.kind = ACL_RULE_DEFAULT;
	else if (strcmp(what, "source") == 0)
		r.kind = ACL_RULE_SOURCE;
	r.family = r.kind == ACL_RULE_ADDR ? 4 : 0;
	r.addr[0] = a0;
	r.addr[1] = a1;
	r.addr[2] = a2;
	r.addr[3] = a3;
	for (i = 0; i < plen; i++)
		r.mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	r.flags = flags;
	return r;
}

static unsigned
flags4(const struct acl *a, uint8_t a0, uint8_t a1, uint8_t a2, uint8_t a3)
{
	uint8_t addr[4] = { a0, a1, a2, a3 };

	return acl_flags(a, 4, addr, 0);
}

static void
most_specific_wins(void)
{
	struct acl a;
	struct acl_rule r;

	acl_init(&a);
	T_EQ(flags4(&a, 10, 0, 0, 1), 0); /* no rules: unrestricted */
	/* Added from specific to general, so order is not what decides. */
	r = rule4("addr", 10, 1, 2, 3, 32, ACL_KOD);
	T_EQ(acl_add(&a, &r, 0), 0);
	r = rule4("addr", 10, 1, 0, 0, 16, ACL_NOQUERY);
	T_EQ(acl_add(&a, &r, 0), 0);
	r = rule4("default", 0, 0, 0, 0, 0, ACL_IGNORE);
	T_EQ(acl_add(&a, &r, 0), 0);
	T_EQ(flags4(&a, 192, 0, 2, 1), ACL_IGNORE);
	T_EQ(flags4(&a, 10, 1, 9, 9), ACL_NOQUERY);
	T_EQ(flags4(&a, 10, 1, 2, 3), ACL_KOD);
	T_EQ(flags4(&a, 10, 2, 2, 3), ACL_IGNORE);
	/* The default covers IPv6 too. */
	{
		uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };

		T_EQ(acl_flags(&a, 6, v6, 0), ACL_IGNORE);
	}
}

static void
families_and_masks(void)
{
	struct acl a;
	struct acl_rule r;
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 1 };

	acl_init(&a);
	r = rule4("default", 0, 0, 0, 0, 0, ACL_LIMITED);
	r.family = 4; /* restrict -4 default */
	T_EQ(acl_add(&a, &r, 0), 0);
	T_EQ(flags4(&a, 1, 2, 3, 4), ACL_LIMITED);
	T_EQ(acl_flags(&a, 6, v6, 0), 0);
	/* restrict -6 2001:db8::/32 noserve, given as address + mask */
	memset(&r, 0, sizeof(r));
	r.kind = ACL_RULE_ADDR;
	r.family = 6;
	memcpy(r.addr, v6, 16); /* host bits are masked off by acl_add */
	memset(r.mask, 0xff, 4);
	r.flags = ACL_NOSERVE;
	T_EQ(acl_add(&a, &r, 0), 0);
	T_EQ(acl_flags(&a, 6, v6, 0), ACL_NOSERVE);
	v6[1] = 0x02;
	T_EQ(acl_flags(&a, 6, v6, 0), 0);
	/* A non-contiguous mask counts its one bits, as ntpd's does. */
	r = rule4("addr", 0, 0, 0, 7, 0, ACL_NOTRAP);
	r.mask[3] = 0xff; /* mask 0.0.0.255 */
	T_EQ(acl_add(&a, &r, 0), 0);
	T_EQ(flags4(&a, 9, 9, 9, 7), ACL_NOTRAP);
	T_EQ(flags4(&a, 9, 9, 9, 8), ACL_LIMITED);
}

static void
merge_and_unrestrict(void)
{
	struct acl a;
	struct acl_rule r;

	acl_init(&a);
	r = rule4("default", 0, 0, 0, 0, 0, ACL_KOD | ACL_LIMITED);
	T_EQ(acl_add(&a, &r, 0), 0);
	r = rule4("default", 0, 0, 0, 0, 0, ACL_NOQUERY);
	T_EQ(acl_add(&a, &r, 0), 0); /* same target: flags merge */
	T_EQ(a.n, 2);                /* one per family */
	T_EQ(flags4(&a, 1, 1, 1, 1), ACL_KOD | ACL_LIMITED | ACL_NOQUERY);
	/* NTPsec: unrestrict default limited */
	r = rule4("default", 0, 0, 0, 0, 0, ACL_LIMITED);
	T_EQ(acl_add(&a, &r, 1), 0);
	T_EQ(flags4(&a, 1, 1, 1, 1), ACL_KOD | ACL_NOQUERY);
	/* unrestrict without flags removes the rule */
	r = rule4("addr", 127, 0, 0, 1, 32, ACL_IGNORE);
	T_EQ(acl_add(&a, &r, 0), 0);
	T_EQ(flags4(&a, 127, 0, 0, 1), ACL_IGNORE);
	r.flags = 0;
	T_EQ(acl_add(&a, &r, 1), 0);
	T_EQ(flags4(&a, 127, 0, 0, 1), ACL_KOD | ACL_NOQUERY);
	/* unrestrict of a rule never added changes nothing */
	r = rule4("addr", 10, 0, 0, 0, 8, ACL_KOD);
	T_EQ(acl_add(&a, &r, 1), 0);
	T_EQ(flags4(&a, 10, 1, 1, 1), ACL_KOD | ACL_NOQUERY);
}

static void
source_rule(void)
{
	struct acl a;
	struct acl_rule r;
	uint8_t s[4] = { 192, 0, 2, 1 };

	acl_init(&a);
	r = rule4("default", 0, 0, 0, 0, 0, ACL_IGNORE);
	T_EQ(acl_add(&a, &r, 0), 0);
	T_EQ(a.has_source, 0);
	r = rule4("source", 0, 0, 0, 0, 0, ACL_NOQUERY);
	T_EQ(acl_add(&a, &r, 0), 0);
	T_EQ(a.has_source, 1);
	T_EQ(acl_flags(&a, 4, s, 1), ACL_NOQUERY); /* a source: host rule */
	T_EQ(acl_flags(&a, 4, s, 0), ACL_IGNORE);  /* not a source */
	r = rule4("addr", 192, 0, 2, 1, 32, ACL_KOD);
	T_EQ(acl_add(&a, &r, 0), 0);
	T_EQ(acl_flags(&a, 4, s, 1), ACL_NOQUERY | ACL_KOD); /* merged */
}

static void
verdicts(void)
{
	int m;

	for (m = 0; m < 8; m++) {
		T_EQ(acl_check(ACL_IGNORE, m, 0), ACL_DROP_IGNORE);
		T_EQ(acl_check(ACL_IGNORE, m, 1), ACL_DROP_IGNORE);
		/* notrust: time requests must authenticate; mode 6 and 7
		 * are not time requests (NTPsec answers mode 6 reads). */
		T_EQ(acl_check(ACL_NOTRUST, m, 0),
		    m >= 1 && m <= 5 ? ACL_DROP_NOTRUST : ACL_OK);
		T_EQ(acl_check(ACL_NOTRUST, m, 1), ACL_OK);
		T_EQ(acl_check(ACL_NOTRUST | ACL_NOSERVE, m, 1),
		    m >= 1 && m <= 5 ? ACL_DROP_NOSERVE : ACL_OK);
		T_EQ(acl_check(ACL_KOD | ACL_LIMITED | ACL_NOPEER |
		             ACL_NOMODIFY,
		         m, 0),
		    ACL_OK);
		T_EQ(acl_check(ACL_NOSERVE, m, 0),
		    m >= 1 && m <= 5 ? ACL_DROP_NOSERVE : ACL_OK);
		T_EQ(acl_check(ACL_NOQUERY, m, 0),
		    m >= 6 ? ACL_DROP_NOQUERY : ACL_OK);
	}
	T_CHECK(
	    strcmp(acl_verdict_str(ACL_DROP_IGNORE), "restrict ignore") == 0);
}

static void
table_full(void)
{
	struct acl a;
	struct acl_rule r;
	int i, rc = 0;

	acl_init(&a);
	for (i = 0; i < ACL_MAX_RULES; i++) {
		r = rule4("addr", 10, (uint8_t)(i % 256), (uint8_t)(i / 256), 0,
		    24, ACL_KOD);
		rc |= acl_add(&a, &r, 0);
	}
	T_EQ(rc, 0);
	r = rule4("addr", 11, 0, 0, 0, 8, ACL_KOD);
	T_EQ(acl_add(&a, &r, 0), -1);
	T_EQ(a.n, ACL_MAX_RULES);
}

/* Which addresses a line names (mode 6 beyond loopback). */
static void
named(void)
{
	uint8_t lan[4] = { 192, 168, 1, 7 }, far[4] = { 192, 0, 2, 1 };
	uint8_t host[4] = { 192, 168, 1, 9 }, v6[16] = { 0x20, 0x01 };
	struct acl a;
	struct acl_rule r;

	acl_init(&a);
	T_EQ(acl_named(&a, 4, lan), 0); /* no rules: loopback only */
	r = rule4("default", 0, 0, 0, 0, 0, ACL_NOQUERY);
	T_EQ(acl_add(&a, &r, 0), 0);
	r = rule4("source", 0, 0, 0, 0, 0, 0);
	T_EQ(acl_add(&a, &r, 0), 0);
	r = rule4("addr", 192, 168, 1, 0, 24, ACL_NOMODIFY);
	T_EQ(acl_add(&a, &r, 0), 0);
	r = rule4("addr", 192, 168, 1, 9, 32, ACL_NOQUERY);
	T_EQ(acl_add(&a, &r, 0), 0);
	r = rule4("addr", 0, 0, 0, 0, 0, 0); /* 0.0.0.0 mask 0.0.0.0 */
	T_EQ(acl_add(&a, &r, 0), 0);
	T_EQ(acl_named(&a, 4, lan), 1);
	T_EQ(acl_named(&a, 4, far), 0);
	T_EQ(acl_named(&a, 6, v6), 0);
	/* named, but noquery: acl_check still refuses */
	T_EQ(acl_named(&a, 4, host), 1);
	T_EQ(acl_check(acl_flags(&a, 4, host, 0), 6, 0), ACL_DROP_NOQUERY);
}

void
test_acl(void)
{
	named();
	most_specific_wins();
	families_and_masks();
	merge_and_unrestrict();
	source_rule();
	verdicts();
	table_full();
}

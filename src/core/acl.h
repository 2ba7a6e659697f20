/* SPDX-License-Identifier: ISC */
/*
 * acl: access control with ntpd's `restrict` semantics.
 *
 * A table of rules, each an address with a mask (or `default`, or
 * `source`) and a set of flags.  The rule with the most specific mask
 * that matches a client's address decides its flags, as in ntpd, whatever
 * the order of the lines: ntpd keeps its list sorted by mask length, then
 * address.  Without a matching rule (no `default` line) a client has no
 * restrictions.  Lines naming the same address and mask merge: `restrict`
 * adds flags, `unrestrict` (NTPsec) removes the flags it names, or the
 * whole rule when it names none.  `restrict source` is a template for the
 * addresses of our own sources: it applies as if each source address had
 * a host rule of its own (merged with an explicit host rule, if any).
 *
 * Pure: fixed-size table, no allocation.
 */
#ifndef STRATUM_ACL_H
#define STRATUM_ACL_H

#include <stddef.h>
#include <stdint.h>

/* Two entries per line at most (default/source without -4/-6), for the
 * parser's 64 lines. */
#define ACL_MAX_RULES 128

/* Flags (ntpd's names). */
#define ACL_IGNORE 0x001u    /* drop every packet */
#define ACL_KOD 0x002u       /* RATE kiss-o'-death when limited */
#define ACL_LIMITED 0x004u   /* rate-limit time requests */
#define ACL_NOMODIFY 0x008u  /* mode 6/7 writes */
#define ACL_NOQUERY 0x010u   /* mode 6/7 queries */
#define ACL_NOPEER 0x020u    /* mobilizing associations */
#define ACL_NOSERVE 0x040u   /* time service (modes 1-5) */
#define ACL_NOTRAP 0x080u    /* mode 6 trap service */
#define ACL_NOTRUST 0x100u   /* unauthenticated packets */
#define ACL_NOMRULIST 0x200u /* mode 6 MRU list */

enum acl_kind {
	ACL_RULE_ADDR,    /* address + mask */
	ACL_RULE_DEFAULT, /* default: every address of its family */
	ACL_RULE_SOURCE,  /* source: addresses of our sources */
};

struct acl_rule {
	enum acl_kind kind;
	int family;       /* 4 or 6; 0 for default/source of both families */
	uint8_t addr[16]; /* network order, v4 in the first 4 bytes */
	uint8_t mask[16];
	unsigned flags; /* ACL_* */
	int mask_bits;  /* ones in mask (specificity) */
};

struct acl {
	struct acl_rule rules[ACL_MAX_RULES]; /* most specific first */
	size_t n;
	int has_source;
};

/* An empty table: every client unrestricted. */
void acl_init(struct acl *a);

/*
 * Add one `restrict` (unrestrict = 0) or `unrestrict` (1) line.  kind,
 * family (4, 6; 0 with default/source means both), addr, mask and flags
 * are read from *r; addr is masked here.  Returns 0, or -1 when the table
 * is full.
 */
int acl_add(struct acl *a, const struct acl_rule *r, int unrestrict);

/*
 * The flags for a client at addr (4 or 16 bytes by family 4 or 6).
 * is_source: the address is one of our configured sources (only asked
 * when a->has_source).
 */
unsigned acl_flags(const struct acl *a, int family, const uint8_t *addr,
    int is_source);

/*
 * 1 when the most specific rule matching addr is an address line
 * (`restrict ADDR [mask M]` with a mask longer than 0), not `default` or
 * `source`: mode 6 answers, larger than their requests, go beyond
 * loopback only to addresses a line names this way (and without
 * noquery, which acl_check decides).
 */
int acl_named(const struct acl *a, int family, const uint8_t *addr);

enum acl_verdict {
	ACL_OK,          /* go on */
	ACL_DROP_IGNORE, /* ignore */
	ACL_DROP_NOSERVE,
	ACL_DROP_NOTRUST, /* notrust: a time request without a good MAC */
	ACL_DROP_NOQUERY, /* mode 6/7 query refused */
};
#define ACL_N_VERDICTS 5

/*
 * What the flags mean for a request of this NTP mode (0..7), before rate
 * limiting: ignore drops everything; noserve drops modes 1-5; notrust
 * drops modes 1-5 unless authentic (the request's MAC verified under a
 * trusted key: the caller checks it, after ignore); noquery drops modes
 * 6 and 7.  nopeer does not drop a mode 1 request: it is answered
 * statelessly (mode 2) and never mobilizes an association.
 */
enum acl_verdict acl_check(unsigned flags, int mode, int authentic);

/* Text for a verdict, for counters and logs. */
const char *acl_verdict_str(enum acl_verdict v);

#endif

// SPDX-License-Identifier: ISC
/* rl: per-client rate limiting (see rl.h for the two limiters). */
#include "core/rl.h"

#include <string.h>

#include "core/ts.h"

#define RL_DISCARD_BURST 8 /* ntpd: a burst of eight at the average */

static uint64_t
rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static void
sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl(v[1], 13);
	v[1] ^= v[0];
	v[0] = rotl(v[0], 32);
	v[2] += v[3];
	v[3] = rotl(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = rotl(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = rotl(v[1], 17);
	v[1] ^= v[2];
	v[2] = rotl(v[2], 32);
}

static void
sip_word(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	sip_round(v);
	sip_round(v);
	v[0] ^= m;
}

/* SipHash-2-4 (Aumasson and Bernstein) of exactly 16 bytes given as two
 * little-endian words. */
uint64_t
rl_siphash(uint64_t key0, uint64_t key1, uint64_t m0, uint64_t m1)
{
	uint64_t v[4] = { key0 ^ 0x736f6d6570736575ULL,
		key1 ^ 0x646f72616e646f6dULL, key0 ^ 0x6c7967656e657261ULL,
		key1 ^ 0x7465646279746573ULL };
	int i;

	sip_word(v, m0);
	sip_word(v, m1);
	sip_word(v, (uint64_t)16 << 56); /* length byte, no tail */
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

size_t
rl_table_bytes(size_t n_slots)
{
	size_t sets = 1;

	while (sets * 2 * RL_WAYS <= n_slots)
		sets *= 2;
	return sets * RL_WAYS * sizeof(struct rl_entry);
}

int
rl_init(struct rl *r, const struct rl_cfg *cfg, struct rl_entry *slots,
    size_t n_slots, uint64_t seed0, uint64_t seed1)
{
	memset(r, 0, sizeof(*r));
	if (n_slots < RL_WAYS)
		return -1;
	r->cfg = *cfg;
	r->slots = slots;
	r->n_sets = rl_table_bytes(n_slots) / sizeof(struct rl_entry) / RL_WAYS;
	r->key0 = seed0;
	r->key1 = seed1;
	memset(slots, 0, r->n_sets * RL_WAYS * sizeof(*slots));
	return 0;
}

static uint64_t
load_le(const uint8_t *b, int n)
{
	uint64_t v = 0;
	int i;

	for (i = n - 1; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

/* The key: an IPv4 address with a family mark in k1, or an IPv6 /64 in
 * k0 with a different mark.  Never both zero, the free marker. */
static void
make_key(int family, const uint8_t *addr, uint64_t *k0, uint64_t *k1)
{
	if (family == 4) {
		*k0 = 0;
		*k1 = load_le(addr, 4) | (1ULL << 32);
	} else {
		*k0 = load_le(addr, 8);
		*k1 = 2ULL << 32;
	}
}

static struct rl_entry *
lookup(struct rl *r, uint64_t k0, uint64_t k1, int *fresh)
{
	uint64_t h = rl_siphash(r->key0, r->key1, k0, k1);
	struct rl_entry *set = &r->slots[(h & (r->n_sets - 1)) * RL_WAYS];
	struct rl_entry *old = &set[0];
	int i;

	for (i = 0; i < RL_WAYS; i++) {
		if (set[i].k0 == k0 && set[i].k1 == k1) {
			*fresh = 0;
			return &set[i];
		}
		if (set[i].k0 == 0 && set[i].k1 == 0) {
			old = &set[i];
			break;
		}
		if (set[i].last_ns < old->last_ns)
			old = &set[i];
	}
	if (old->k0 != 0 || old->k1 != 0)
		r->evictions++;
	*old = (struct rl_entry){ .k0 = k0, .k1 = k1 };
	*fresh = 1;
	return old;
}

static int64_t
pow2_ns(int log2)
{
	if (log2 >= 0)
		return TS_NS_PER_S << log2;
	return TS_NS_PER_S >> -log2;
}

/* ntpd's discard: returns 1 when over the limit. */
static int
discard_over(const struct rl_cfg *c, struct rl_entry *e, int64_t since,
    int fresh)
{
	int64_t head = pow2_ns(c->average_log2);
	int64_t level = e->level_ns - since;

	if (level < 0)
		level = 0;
	if (!fresh && since < (int64_t)c->minimum_s * TS_NS_PER_S) {
		e->level_ns = level;
		return 1;
	}
	if (level + head > RL_DISCARD_BURST * head) {
		e->level_ns = level;
		return 1;
	}
	e->level_ns = level + head;
	return 0;
}

/* chrony's ratelimit: level_ns is the deficit (burst - tokens) in time;
 * one token per 2^interval s. */
static int
bucket_over(const struct rl_cfg *c, struct rl_entry *e, int64_t since)
{
	int64_t tok = pow2_ns(c->average_log2);
	int64_t level = e->level_ns - since;

	if (level < 0)
		level = 0;
	if (level + tok > (int64_t)c->burst * tok) {
		e->level_ns = level;
		return 1;
	}
	e->level_ns = level + tok;
	return 0;
}

static int64_t
kod_guard_ns(const struct rl_cfg *c)
{
	int64_t g = pow2_ns(c->average_log2);

	if (c->kind == RL_DISCARD && (int64_t)c->minimum_s * TS_NS_PER_S > g)
		g = (int64_t)c->minimum_s * TS_NS_PER_S;
	return g;
}

enum rl_verdict
rl_check(struct rl *r, int family, const uint8_t *addr, int64_t now_ns,
    uint32_t random, int want_kod)
{
	struct rl_entry *e;
	uint64_t k0, k1;
	int64_t since;
	int fresh, over;

	make_key(family, addr, &k0, &k1);
	e = lookup(r, k0, k1, &fresh);
	r->last = e;
	since = fresh ? 0 : now_ns - e->last_ns;
	if (since < 0)
		since = 0;
	e->last_ns = now_ns;
	if (fresh)
		e->first_ns = now_ns;
	if (e->count < UINT32_MAX)
		e->count++;
	if (r->cfg.kind == RL_DISCARD)
		over = discard_over(&r->cfg, e, since, fresh);
	else
		over = bucket_over(&r->cfg, e, since);
	if (!over)
		return RL_PASS;
	if (r->cfg.kind == RL_RATELIMIT && r->cfg.leak_log2 > 0 &&
	    (random & ((1u << r->cfg.leak_log2) - 1)) == 0)
		return RL_LEAK;
	if (e->dropped < UINT32_MAX)
		e->dropped++;
	if (want_kod &&
	    (e->kod_ns == 0 || now_ns - e->kod_ns >= kod_guard_ns(&r->cfg))) {
		e->kod_ns = now_ns != 0 ? now_ns : 1;
		return RL_KOD;
	}
	return RL_DROP;
}

void
rl_entry_addr(const struct rl_entry *e, int *family, uint8_t *addr)
{
	uint64_t v = e->k0 != 0 || (e->k1 >> 32) == 2 ? e->k0 : e->k1;
	int i, n;

	memset(addr, 0, 16);
	*family = (e->k1 >> 32) == 2 ? 6 : 4;
	n = *family == 4 ? 4 : 8;
	for (i = 0; i < n; i++)
		addr[i] = (uint8_t)(v >> (8 * i));
}

size_t
rl_used(const struct rl *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->n_sets * RL_WAYS; i++)
		if (r->slots[i].k0 != 0 || r->slots[i].k1 != 0)
			n++;
	return n;
}

// SPDX-License-Identifier: ISC
/* Tests for core/rl: per-client rate limiting in a fixed table. */
#include "core/rl.h"

#include <string.h>

#include "core/ts.h"
#include "t.h"

#define S TS_NS_PER_S
#define SLOTS 1024

static struct rl_entry slots[SLOTS];

static void
siphash_vector(void)
{
	/* The reference implementation's vector for a 16-byte message
	 * 00..0f under key 00..0f (vectors.h, entry 16). */
	uint64_t k0 = 0x0706050403020100ULL, k1 = 0x0f0e0d0c0b0a0908ULL;

	T_CHECK(rl_siphash(k0, k1, 0x0706050403020100ULL,
	            0x0f0e0d0c0b0a0908ULL) == 0x3f2acc7f57c29bdbULL);
}

static void
discard_limits(void)
{
	struct rl_cfg c = { .kind = RL_DISCARD,
		.average_log2 = 3,
		.minimum_s = 2 };
	struct rl r;
	uint8_t a[4] = { 192, 0, 2, 7 }, b[4] = { 192, 0, 2, 8 };
	int64_t t = 1000 * S;
	int i, pass = 0, kod = 0;

	T_EQ(rl_init(&r, &c, slots, SLOTS, 1, 2), 0);
	/* A client polling every 64 s is never limited. */
	for (i = 0; i < 100; i++)
		pass += rl_check(&r, 4, a, t + i * 64 * S, 0, 1) == RL_PASS;
	T_EQ(pass, 100);
	/* Every 2 s: a burst of eight at the 8 s average, then one in
	 * four (the score drains 2 s per request and needs 8 s). */
	t += 10000 * S;
	pass = 0;
	for (i = 0; i < 400; i++) {
		enum rl_verdict v = rl_check(&r, 4, b, t + i * 2 * S, 0, 1);

		pass += v == RL_PASS;
		kod += v == RL_KOD;
	}
	T_CHECK(pass >= 100 && pass <= 110);
	/* A KoD at most once per max(8 s, 2 s). */
	T_CHECK(kod > 0 && kod <= 400 * 2 / 8);
	/* Faster than the minimum (1 s < 2 s): limited at once. */
	t += 100000 * S;
	T_EQ(rl_check(&r, 4, b, t, 0, 0), RL_PASS);
	T_EQ(rl_check(&r, 4, b, t + S, 0, 0), RL_DROP);
}

static void
ratelimit_bucket_and_leak(void)
{
	struct rl_cfg c = { .kind = RL_RATELIMIT,
		.average_log2 = 0,
		.burst = 4,
		.leak_log2 = 2 };
	struct rl r;
	uint8_t a[4] = { 10, 0, 0, 1 };
	uint64_t seed = t_stats.seed;
	int64_t t = 5 * S;
	int i, pass = 0, leak = 0, drop = 0;

	T_EQ(rl_init(&r, &c, slots, SLOTS, 3, 4), 0);
	/* A burst of 4, then nothing new within the same instant. */
	for (i = 0; i < 4; i++)
		T_EQ(rl_check(&r, 4, a, t, 0xffffffffu, 0), RL_PASS);
	T_EQ(rl_check(&r, 4, a, t, 0xffffffffu, 0), RL_DROP);
	/* 1000 requests/s for 10 s: about one token per second pass, and
	 * one in four of the rest leaks. */
	for (i = 0; i < 10000; i++) {
		enum rl_verdict v = rl_check(&r, 4, a, t + S + i * (S / 1000),
		    (uint32_t)t_rand(&seed), 0);

		pass += v == RL_PASS;
		leak += v == RL_LEAK;
		drop += v == RL_DROP;
	}
	T_CHECK(pass >= 9 && pass <= 12);
	T_CHECK(leak > 2000 && leak < 3000);
	T_EQ(pass + leak + drop, 10000);
}

static void
ipv6_by_64(void)
{
	struct rl_cfg c = { .kind = RL_RATELIMIT,
		.average_log2 = 4,
		.burst = 2 };
	struct rl r;
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1 };
	int i, pass = 0;

	T_EQ(rl_init(&r, &c, slots, SLOTS, 5, 6), 0);
	/* Different interface identifiers in one /64 share a limit. */
	for (i = 0; i < 10; i++) {
		a[15] = (uint8_t)i;
		pass += rl_check(&r, 6, a, 7 * S, 0, 0) == RL_PASS;
	}
	T_EQ(pass, 2);
	a[7] = 2; /* another /64 */
	T_EQ(rl_check(&r, 6, a, 7 * S, 0, 0), RL_PASS);
	T_EQ(rl_used(&r), 2);
}

/* 10^6 distinct spoofed addresses: the table stays the size it was
 * given, a flooder that keeps sending stays limited, and each new
 * address is answered (it has used nothing yet). */
static void
spoofed_million(void)
{
	struct rl_cfg c = { .kind = RL_DISCARD,
		.average_log2 = 3,
		.minimum_s = 2 };
	struct rl r;
	uint8_t a[4], f[4] = { 198, 51, 100, 1 };
	uint64_t seed = t_stats.seed | 1;
	int64_t t = 100 * S;
	long i, fresh_pass = 0, flood_pass = 0;

	T_EQ(rl_init(&r, &c, slots, SLOTS, t_rand(&seed), t_rand(&seed)), 0);
	T_EQ(rl_table_bytes(SLOTS), sizeof(slots));
	for (i = 0; i < 1000000; i++) {
		uint32_t v = (uint32_t)i * 2654435761u; /* distinct */

		a[0] = (uint8_t)(v >> 24);
		a[1] = (uint8_t)(v >> 16);
		a[2] = (uint8_t)(v >> 8);
		a[3] = (uint8_t)v;
		t += 1000; /* 10^6 requests/s */
		fresh_pass += rl_check(&r, 4, a, t, 0, 0) == RL_PASS;
		if (i % 4 == 0) /* the flooder sends along */
			flood_pass += rl_check(&r, 4, f, t, 0, 0) == RL_PASS;
	}
	T_EQ(fresh_pass, 1000000);
	T_CHECK(flood_pass <= 8);
	T_CHECK(rl_used(&r) <= SLOTS);
	T_CHECK(r.evictions >= 1000000 - SLOTS);
	T_CHECK(sizeof(r) < 128); /* the struct itself holds no table */
}

/* What the MRU list reads: the address back from the key, first and
 * last request, count, drops, and the entry rl_check used. */
static void
mru_fields(void)
{
	struct rl_cfg c = { .kind = RL_DISCARD,
		.average_log2 = 3,
		.minimum_s = 2 };
	struct rl r;
	uint8_t a[4] = { 192, 0, 2, 9 }, out[16];
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4, 9, 9, 9, 9 };
	int64_t t = 5000 * S;
	int fam;

	T_EQ(rl_init(&r, &c, slots, SLOTS, 3, 4), 0);
	T_EQ(rl_check(&r, 4, a, t, 0, 0), RL_PASS);
	T_EQ(rl_check(&r, 4, a, t + S, 0, 0), RL_DROP); /* under minimum */
	T_EQ(rl_check(&r, 4, a, t + 10 * S, 0, 0), RL_PASS);
	T_CHECK(r.last != NULL);
	T_EQ(r.last->count, 3);
	T_EQ(r.last->dropped, 1);
	T_CHECK(r.last->first_ns == t && r.last->last_ns == t + 10 * S);
	rl_entry_addr(r.last, &fam, out);
	T_EQ(fam, 4);
	T_CHECK(memcmp(out, a, 4) == 0);
	(void)rl_check(&r, 6, v6, t, 0, 0);
	rl_entry_addr(r.last, &fam, out);
	T_EQ(fam, 6);
	T_CHECK(memcmp(out, v6, 8) == 0 && out[8] == 0 && out[15] == 0);
}

void
test_rl(void)
{
	mru_fields();
	siphash_vector();
	discard_limits();
	ratelimit_bucket_and_leak();
	ipv6_by_64();
	spoofed_million();
}

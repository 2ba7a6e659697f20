/* SPDX-License-Identifier: ISC */
/*
 * rl: per-client rate limiting for the server, in a fixed-size table.
 *
 * Clients are keyed by address (IPv6 by its /64, since one host owns a
 * whole /64), hashed with SipHash-2-4 under a random 128-bit key from the
 * caller so nobody outside can aim collisions at a slot.  The table is
 * 4-way set-associative and never grows: a new address takes the least
 * recently seen entry of its set, so any number of distinct (spoofed)
 * addresses costs no memory, and an address seen for the first time is
 * always answered.
 *
 * Two limiters, as configured:
 *  - ntpd's `discard average A minimum M`: each request adds 2^A s to a
 *    score that drains at 1 s per s; over 8 * 2^A s (a burst of eight),
 *    or less than M s after the previous request, the client is limited.
 *  - chrony's `ratelimit interval I burst B leak L`: a token bucket
 *    refilled at one token per 2^I s, holding B; a request without a
 *    token is limited, but one in 2^L of them is answered anyway (the
 *    "leak"), so a victim whose address is spoofed still gets time.
 * A limited request gets a RATE kiss-o'-death if the caller asks for one
 * (restrict `kod`) and this client had none in the last max(2^A, M) s
 * (2^I s for ratelimit); otherwise nothing.
 *
 * Pure: time (monotonic ns) and randomness come in as arguments; the
 * caller owns the slot storage.
 */
#ifndef STRATUM_RL_H
#define STRATUM_RL_H

#include <stddef.h>
#include <stdint.h>

#define RL_WAYS 4

enum rl_kind {
	RL_DISCARD,   /* ntpd's discard */
	RL_RATELIMIT, /* chrony's ratelimit */
};

struct rl_cfg {
	enum rl_kind kind;
	int average_log2; /* discard average; ratelimit interval (log2 s) */
	int minimum_s;    /* discard minimum (s) */
	int burst;        /* ratelimit burst (tokens) */
	int leak_log2;    /* ratelimit leak: 1 in 2^L answered; 0 none */
};

struct rl_entry {
	uint64_t k0, k1;  /* key; both 0: free */
	int64_t last_ns;  /* last request (monotonic) */
	int64_t level_ns; /* discard: score; ratelimit: token deficit */
	int64_t kod_ns;   /* last RATE sent; 0 none */
	/* for the MRU list (mode 6): since the entry was taken */
	int64_t first_ns; /* first request (monotonic) */
	uint32_t count;   /* requests */
	uint32_t dropped; /* limited: dropped or answered with a RATE */
	uint16_t port;    /* of the last request; the caller sets it */
	uint8_t mv;       /* its mode | version << 3; the caller sets it */
};

struct rl {
	struct rl_cfg cfg;
	struct rl_entry *slots;
	size_t n_sets; /* power of two; slots holds n_sets * RL_WAYS */
	uint64_t key0, key1;
	uint64_t evictions;
	struct rl_entry *last; /* the entry the last rl_check used */
};

enum rl_verdict {
	RL_PASS, /* answer */
	RL_LEAK, /* over the limit, answered by the leak */
	RL_DROP, /* over the limit: no reply */
	RL_KOD,  /* over the limit: send a RATE kiss-o'-death */
};

/*
 * Set up over caller-owned storage of n_slots entries (rounded down to a
 * power of two times RL_WAYS; at least RL_WAYS), zeroed here.  seed0 and
 * seed1 key the hash and must be random.  Returns 0, or -1 when n_slots
 * < RL_WAYS.
 */
int rl_init(struct rl *r, const struct rl_cfg *cfg, struct rl_entry *slots,
    size_t n_slots, uint64_t seed0, uint64_t seed1);

/* Bytes of storage rl_init uses for n_slots (what the table costs). */
size_t rl_table_bytes(size_t n_slots);

/*
 * Account one time request from addr (family 4: 4 bytes, 6: 16 bytes)
 * at now_ns (monotonic) and decide.  random is a fresh uniform value
 * (for the leak).  want_kod: the client's restrict flags include kod.
 */
enum rl_verdict rl_check(struct rl *r, int family, const uint8_t *addr,
    int64_t now_ns, uint32_t random, int want_kod);

/* The address an entry in use stands for: family 4 and its 4 bytes, or
 * 6 and the /64 prefix (the rest zero) in addr[16]. */
void rl_entry_addr(const struct rl_entry *e, int *family, uint8_t *addr);

/* Entries in use (for tests and counters). */
size_t rl_used(const struct rl *r);

/* SipHash-2-4 of a 16-byte message under (key0, key1): exposed for
 * tests against the reference vectors. */
uint64_t rl_siphash(uint64_t key0, uint64_t key1, uint64_t m0, uint64_t m1);

#endif

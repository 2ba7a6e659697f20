/* SPDX-License-Identifier: ISC */
/*
 * t: the unit-test harness.  Each tests/unit/test_*.c file defines one
 * entry point listed in main.c; checks count into the harness, a failed
 * check prints file:line and the expression, and main prints the seed used
 * for randomised tests so a failure can be replayed with T_SEED=N.
 */
#ifndef STRATUM_T_H
#define STRATUM_T_H

#include <stdint.h>
#include <stdio.h>

struct t_stats {
	unsigned passed;
	unsigned failed;
	uint64_t seed;
};

extern struct t_stats t_stats;

void t_record(int ok, const char *file, int line, const char *expr);
/* Deterministic xorshift64* generator seeded from t_stats.seed. */
uint64_t t_rand(uint64_t *state);

#define T_CHECK(e) t_record(!!(e), __FILE__, __LINE__, #e)
#define T_EQ(a, b)                                                         \
	do {                                                               \
		long long t_a_ = (long long)(a), t_b_ = (long long)(b);    \
		t_record(t_a_ == t_b_, __FILE__, __LINE__, #a " == " #b);  \
		if (t_a_ != t_b_)                                          \
			fprintf(stderr, "    %lld != %lld\n", t_a_, t_b_); \
	} while (0)

void test_ts(void);
void test_pkt(void);
void test_srv(void);
void test_exch(void);
void test_conf(void);
void test_filt(void);
void test_sel(void);
void test_disc(void);
void test_sync(void);
void test_md5(void);
void test_acl(void);
void test_rl(void);
void test_ctl(void);
void test_spread(void);
void test_nts(void);
void test_auth(void);

#endif

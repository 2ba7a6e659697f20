// SPDX-License-Identifier: ISC
/* Tests for core/spread: one serving thread or all of them. */
#include "core/spread.h"

#include "t.h"

#define S 1000000000LL

/* A window of one second: first worker and all workers busy (cores),
 * the machine's busy cores (-1 unknown), CPUs. */
static int
feed(struct spread *s, double first, double all, double host, int cpus)
{
	struct spread_in in = {
		.wall_ns = S,
		.first_cpu_ns = (int64_t)(first * S),
		.all_cpu_ns = (int64_t)(all * S),
		.host_busy_ns = host < 0 ? -1 : (int64_t)(host * S),
		.n_cpu = cpus,
	};

	return spread_step(s, &in);
}

static void
light_load_stays_on_one(void)
{
	struct spread s;
	int i, changes = 0;

	spread_init(&s);
	for (i = 0; i < 100; i++)
		changes += feed(&s, 0.3, 0.3, 0.4, 8);
	T_EQ(changes, 0);
	T_EQ(s.spread, 0);
}

static void
saturated_with_room_spreads_then_returns(void)
{
	struct spread s;

	spread_init(&s);
	/* One window is not enough: a burst does not spread. */
	T_EQ(feed(&s, 0.95, 0.95, 1.0, 4), 0);
	T_EQ(feed(&s, 0.5, 0.5, 0.6, 4), 0);
	T_EQ(feed(&s, 0.95, 0.95, 1.0, 4), 0);
	T_EQ(feed(&s, 0.97, 0.97, 1.0, 4), 1);
	T_EQ(s.spread, 1);
	/* Spread, two busy workers on 4 CPUs: it stays. */
	T_EQ(feed(&s, 0.8, 1.6, 1.7, 4), 0);
	T_EQ(feed(&s, 0.8, 1.6, 1.7, 4), 0);
	/* The load falls: back to one thread after two windows. */
	T_EQ(feed(&s, 0.2, 0.4, 0.5, 4), 0);
	T_EQ(feed(&s, 0.2, 0.4, 0.5, 4), 1);
	T_EQ(s.spread, 0);
	/* And it may spread again at once (the return was not for lack of
	 * room). */
	T_EQ(feed(&s, 0.95, 0.95, 1.0, 4), 0);
	T_EQ(feed(&s, 0.95, 0.95, 1.0, 4), 1);
}

static void
no_room_no_spread(void)
{
	struct spread s;
	int i, changes = 0;

	/* 2 CPUs, a load generator (or anything) busy on the other one:
	 * a second thread would only take CPU from it. */
	spread_init(&s);
	for (i = 0; i < 100; i++)
		changes += feed(&s, 0.98, 0.98, 1.98, 2);
	T_EQ(changes, 0);
	T_EQ(s.spread, 0);
}

static void
crowded_backs_off(void)
{
	struct spread s;
	int i, n;

	spread_init(&s);
	T_EQ(feed(&s, 0.95, 0.95, 1.0, 2), 0);
	T_EQ(feed(&s, 0.95, 0.95, 1.0, 2), 1);
	/* Spread, and then the machine fills up: back to one thread ... */
	T_EQ(feed(&s, 0.6, 1.0, 2.0, 2), 0);
	T_EQ(feed(&s, 0.6, 1.0, 2.0, 2), 1);
	T_EQ(s.spread, 0);
	/* ... and no new try for a while even if room shows again. */
	for (n = 0; n < 100 && !feed(&s, 0.95, 0.95, 1.0, 2); n++)
		;
	T_CHECK(n >= 9 && n < 20);
	T_EQ(s.spread, 1);
	/* A second lack of room doubles the hold. */
	feed(&s, 0.6, 1.0, 2.0, 2);
	T_EQ(feed(&s, 0.6, 1.0, 2.0, 2), 1);
	for (i = 0; i < 100 && !feed(&s, 0.95, 0.95, 1.0, 2); i++)
		;
	T_CHECK(i >= 2 * n - 2);
}

static void
one_cpu_and_unknown_host(void)
{
	struct spread s;
	int i, changes = 0;

	spread_init(&s);
	for (i = 0; i < 10; i++)
		changes += feed(&s, 1.0, 1.0, 1.0, 1);
	T_EQ(changes, 0); /* one CPU: never */
	/* Without /proc/stat the process's CPUs count as free. */
	T_EQ(feed(&s, 0.95, 0.95, -1, 2), 0);
	T_EQ(feed(&s, 0.95, 0.95, -1, 2), 1);
	/* A zero-length window changes nothing; one CPU left: one thread. */
	struct spread_in z = { .wall_ns = 0, .n_cpu = 2 };
	T_EQ(spread_step(&s, &z), 0);
	T_EQ(s.spread, 1);
	T_EQ(feed(&s, 0.95, 0.95, 1.0, 1), 1);
	T_EQ(s.spread, 0);
}

void
test_spread(void)
{
	light_load_stays_on_one();
	saturated_with_room_spreads_then_returns();
	no_room_no_spread();
	crowded_backs_off();
	one_cpu_and_unknown_host();
}

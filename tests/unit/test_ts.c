// SPDX-License-Identifier: ISC
/* Tests for core/ts: eras, 2036, short format, RFC 5905 arithmetic. */
#include "core/ts.h"

#include "t.h"

#define S TS_NS_PER_S

static void
era_edges(void)
{
	uint64_t v = 0;

	/* The POSIX epoch is NTP second 2208988800 (RFC 868 / 5905). */
	T_EQ(ts_to_ntp64(0, &v), 0);
	T_CHECK(v == 0x83AA7E8000000000ULL);
	T_EQ(ts_from_ntp64(0x83AA7E8000000000ULL), 0);
	/* 2001-09-09T01:46:40Z = 1e9 s. */
	T_EQ(ts_to_ntp64(1000000000LL * S, &v), 0);
	T_CHECK(v == 0xBF45488000000000ULL);
	/* First representable instant: 1968-01-20T03:14:08Z. */
	T_EQ(ts_from_ntp64(0x8000000000000000ULL), -61505152LL * S);
	T_EQ(ts_to_ntp64(-61505152LL * S, &v), 0);
	T_CHECK(v == 0x8000000000000000ULL);
	/* Before 1968 is not representable. */
	T_EQ(ts_to_ntp64(-61505152LL * S - 1, &v), -1);
	T_EQ(ts_to_ntp64(-2208988800LL * S, &v), -1);
	/* Last second of era 0, then the 2036 rollover into era 1. */
	T_EQ(ts_from_ntp64(0xFFFFFFFF00000000ULL), 2085978495LL * S);
	T_EQ(ts_from_ntp64(0x0000000000000000ULL), 2085978496LL * S);
	T_EQ(ts_from_ntp64(0x0000000180000000ULL), 2085978497LL * S + S / 2);
	T_EQ(ts_to_ntp64(2085978496LL * S + 1 * S, &v), 0);
	T_CHECK(v == 0x0000000100000000ULL);
	/* Era 1 ends 2104-02-26T09:42:24Z. */
	T_EQ(ts_to_ntp64(4233462144LL * S - 1, &v), 0);
	T_EQ(ts_to_ntp64(4233462144LL * S, &v), -1);
	T_EQ(ts_from_ntp64(0x7FFFFFFF00000000ULL), 4233462143LL * S);
}

static void
fraction_rounding(void)
{
	uint64_t v = 0;

	T_EQ(ts_to_ntp64(S / 2, &v), 0);
	T_CHECK((v & 0xffffffffu) == 0x80000000u);
	/* The largest fraction rounds up into the next second. */
	T_EQ(ts_from_ntp64(0x83AA7E80FFFFFFFFULL), S);
	T_EQ(ts_to_ntp64(S - 1, &v), 0);
	T_CHECK((v >> 32) == 0x83AA7E80u);
}

static void
round_trips(void)
{
	uint64_t st = t_stats.seed ^ 0x7473, v = 0;
	int64_t span = (TS_WIRE_END_S - TS_WIRE_MIN_S) * S, t, back;
	int i, bad = 0;

	for (i = 0; i < 100000; i++) {
		t = TS_WIRE_MIN_S * S + (int64_t)(t_rand(&st) % (uint64_t)span);
		if (ts_to_ntp64(t, &v) != 0) {
			bad++;
			continue;
		}
		back = ts_from_ntp64(v);
		if (back - t > 1 || t - back > 1)
			bad++;
	}
	T_EQ(bad, 0);
}

static void
short_format(void)
{
	T_EQ(ts_from_short(0x00010000u), S);
	T_EQ(ts_from_short(0x00008000u), S / 2);
	T_EQ(ts_from_short(0x00000001u), 15259); /* 2^-16 s */
	T_CHECK(ts_to_short(3 * S / 2) == 0x00018000u);
	T_CHECK(ts_to_short(-5) == 0);
	T_CHECK(ts_to_short(70000LL * S) == 0xffffffffu);
	T_CHECK(ts_to_short(65536LL * S - 1) == 0xffffffffu);
	T_CHECK(ts_to_short(ts_from_short(0x12345678u)) == 0x12345678u);
}

static void
arithmetic(void)
{
	int64_t off, del;

	/* Server 1 s ahead, 10 ms each way, 1 ms in the server. */
	ts_offset_delay(100 * S, 101 * S + 10000000, 101 * S + 11000000,
	    100 * S + 21000000, &off, &del);
	T_EQ(off, S);
	T_EQ(del, 20000000);
	/* Asymmetry shows as half the difference (RFC 5905 section 8). */
	ts_offset_delay(0, 30000000, 30000000, 40000000, &off, &del);
	T_EQ(off, 10000000);
	T_EQ(del, 40000000);
	/* Across the 2036 rollover the wire values wrap, the times don't. */
	ts_offset_delay(ts_from_ntp64(0xFFFFFFFF80000000ULL),
	    ts_from_ntp64(0x0000000000000000ULL),
	    ts_from_ntp64(0x0000000000000000ULL),
	    ts_from_ntp64(0x0000000080000000ULL), &off, &del);
	T_EQ(off, 0);
	T_EQ(del, S);
	T_EQ(ts_log2_ns(-20), 954);
	T_EQ(ts_log2_ns(6), 64 * S);
	T_EQ(ts_log2_ns(0), S);
	/* epsilon = 2^-20 + 2^-20 + 15e-6 * 2 s */
	T_EQ(ts_sample_disp(-20, -20, 2 * S), 954 + 954 + 30000);
	T_EQ(ts_sample_disp(0, 0, 1000LL * 1000 * S), TS_MAXDISP_NS);
	T_EQ(ts_root_distance(2000, 1000, 4000, 100, 10), 3000 + 1000 + 110);
	T_EQ(ts_from_s(-0.25), -S / 4);
	T_CHECK(ts_to_s(S / 4) == 0.25);
}

static void
month_ends(void)
{
	T_EQ(ts_last_day_of_month(1483142400LL * S), 1);       /* 2016-12-31 */
	T_EQ(ts_last_day_of_month(1483228799LL * S + 999), 1); /* 23:59:59 */
	T_EQ(ts_last_day_of_month(1483228800LL * S), 0);       /* 2017-01-01 */
	T_EQ(ts_last_day_of_month(1483056000LL * S), 0);       /* 2016-12-30 */
	T_EQ(ts_last_day_of_month(1456704000LL * S), 1);       /* 2016-02-29 */
	T_EQ(ts_last_day_of_month(1456617600LL * S), 0);       /* 2016-02-28 */
	T_EQ(ts_last_day_of_month(1425081600LL * S), 1);       /* 2015-02-28 */
	T_EQ(ts_last_day_of_month(4107456000LL * S), 1);       /* 2100-02-28 */
	T_EQ(ts_last_day_of_month(-1), 1);                     /* 1969-12-31 */
	T_EQ(ts_last_day_of_month(1435622400LL * S), 1);       /* 2015-06-30 */
}

void
test_ts(void)
{
	era_edges();
	fraction_rounding();
	round_trips();
	short_format();
	arithmetic();
	month_ends();
}

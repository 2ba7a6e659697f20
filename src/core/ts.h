/* SPDX-License-Identifier: ISC */
/*
 * ts: time representations and RFC 5905 arithmetic.
 *
 * Inside Stratum an absolute time is an int64_t count of nanoseconds since
 * 1970-01-01T00:00:00 UTC (POSIX time, leap seconds not counted), named
 * *_ns.  On the wire NTP uses a 64-bit timestamp (32-bit seconds since
 * 1900 + 32-bit fraction) and a 32-bit short format (16.16 seconds).  This
 * module is the only place that knows about NTP eras: a wire timestamp
 * whose seconds have the top bit set is in era 0 (1968-01-20 .. 2036-02-07),
 * otherwise in era 1 (2036-02-07 .. 2104-02-26).  Times before 1968-01-20
 * 03:14:08 UTC or from 2104-02-26 on cannot be put on the wire.
 */
#ifndef STRATUM_TS_H
#define STRATUM_TS_H

#include <stdint.h>

#define TS_NS_PER_S 1000000000LL
/* Seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (POSIX epoch). */
#define TS_NTP_UNIX_DELTA 2208988800LL
/* First and one-past-last POSIX second a wire timestamp can express. */
#define TS_WIRE_MIN_S (0x80000000LL - TS_NTP_UNIX_DELTA)
#define TS_WIRE_END_S (0x180000000LL - TS_NTP_UNIX_DELTA)
/* RFC 5905 frequency tolerance PHI, 15 ppm, as parts per billion. */
#define TS_PHI_PPB 15000LL
/* RFC 5905 MAXDISP, 16 s: the largest dispersion a sample may carry. */
#define TS_MAXDISP_NS (16 * TS_NS_PER_S)

/*
 * Convert a wire timestamp to nanoseconds since 1970 using the era rule
 * above.  The all-zero timestamp means "unset" on the wire; callers test
 * for it before converting (it converts to 2036-02-07T06:28:16Z).
 */
int64_t ts_from_ntp64(uint64_t ntp);

/*
 * Convert nanoseconds since 1970 to a wire timestamp, rounding to the
 * nearest fraction unit (2^-32 s).  Returns 0 and sets *out, or -1 when
 * the time lies outside [TS_WIRE_MIN_S, TS_WIRE_END_S).
 */
int ts_to_ntp64(int64_t t_ns, uint64_t *out);

/* Short format (unsigned 16.16 seconds) to nanoseconds and back.  The
 * reverse conversion saturates: negative -> 0, >= 65536 s -> 0xffffffff. */
int64_t ts_from_short(uint32_t v);
uint32_t ts_to_short(int64_t d_ns);

/* 2^log2 seconds as nanoseconds, for poll and precision exponents
 * (log2 in -32..31; 2^-30 and below round to 1 ns or 0). */
int64_t ts_log2_ns(int log2);

/* 1 when the UTC day containing t_ns (POSIX time) is the last day of
 * its month, the only day a leap second may end (RFC 5905 section 7.3,
 * leap indicator). */
int ts_last_day_of_month(int64_t t_ns);

/* |d| without <stdlib.h> (INT64_MIN maps to INT64_MAX). */
int64_t ts_abs(int64_t d_ns);

/* Seconds as a double, for printing and statistics only. */
double ts_to_s(int64_t d_ns);
int64_t ts_from_s(double s);

/*
 * RFC 5905 section 8: from the four timestamps of an exchange (T1 client
 * transmit, T2 server receive, T3 server transmit, T4 client receive), the
 * clock offset theta = ((T2-T1) + (T3-T4)) / 2 and round-trip delay
 * delta = (T4-T1) - (T3-T2).  Positive offset: the server is ahead.
 */
void ts_offset_delay(int64_t t1_ns, int64_t t2_ns, int64_t t3_ns, int64_t t4_ns,
    int64_t *offset_ns, int64_t *delay_ns);

/*
 * RFC 5905 section 8: the dispersion of a fresh sample,
 * epsilon = rho_local + rho_server + PHI * (T4 - T1), where rho are the
 * two precisions (log2 seconds).
 */
int64_t ts_sample_disp(int prec_local_log2, int prec_server_log2,
    int64_t rtt_local_ns);

/*
 * RFC 5905 section 10 root synchronization distance seen through one
 * sample: lambda = (root_delay + delay) / 2 + root_disp + disp + jitter,
 * with delay floored at zero.
 */
int64_t ts_root_distance(int64_t root_delay_ns, int64_t root_disp_ns,
    int64_t delay_ns, int64_t disp_ns, int64_t jitter_ns);

#endif

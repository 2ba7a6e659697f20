// SPDX-License-Identifier: ISC
/* ts: NTP timestamp formats, era handling and RFC 5905 arithmetic. */
#include "core/ts.h"

int64_t
ts_from_ntp64(uint64_t ntp)
{
	int64_t sec = (int64_t)(ntp >> 32);
	uint64_t frac = ntp & 0xffffffffu;
	int64_t ns;

	/* RFC 5905 section 6 / RFC 4330 section 3: an MSB-clear seconds
	 * field is taken to be in era 1 (after 2036-02-07). */
	if ((sec & 0x80000000LL) == 0)
		sec += 0x100000000LL;
	sec -= TS_NTP_UNIX_DELTA;
	/* frac * 1e9 < 2^62, so this cannot overflow. */
	ns = (int64_t)((frac * (uint64_t)TS_NS_PER_S + 0x80000000u) >> 32);
	return sec * TS_NS_PER_S + ns;
}

int
ts_to_ntp64(int64_t t_ns, uint64_t *out)
{
	int64_t sec = t_ns / TS_NS_PER_S, ns = t_ns % TS_NS_PER_S;
	uint64_t frac;

	if (ns < 0) {
		ns += TS_NS_PER_S;
		sec--;
	}
	if (sec < TS_WIRE_MIN_S || sec >= TS_WIRE_END_S)
		return -1;
	/* ns < 1e9, so the rounded fraction stays below 2^32. */
	frac = (((uint64_t)ns << 32) + TS_NS_PER_S / 2) / TS_NS_PER_S;
	*out = ((uint64_t)(sec + TS_NTP_UNIX_DELTA) & 0xffffffffu) << 32 | frac;
	return 0;
}

int64_t
ts_from_short(uint32_t v)
{
	int64_t sec = v >> 16;
	int64_t frac = v & 0xffff;

	return sec * TS_NS_PER_S + ((frac * TS_NS_PER_S + 0x8000) >> 16);
}

uint32_t
ts_to_short(int64_t d_ns)
{
	int64_t sec, frac;

	if (d_ns <= 0)
		return 0;
	sec = d_ns / TS_NS_PER_S;
	if (sec >= 65536)
		return 0xffffffffu;
	frac = ((d_ns % TS_NS_PER_S) * 65536 + TS_NS_PER_S / 2) / TS_NS_PER_S;
	if (frac > 0xffff) {
		if (sec == 65535)
			return 0xffffffffu;
		sec++;
		frac = 0;
	}
	return (uint32_t)(sec << 16 | frac);
}

int64_t
ts_log2_ns(int log2)
{
	if (log2 >= 31)
		log2 = 31;
	if (log2 >= 0)
		return TS_NS_PER_S << log2;
	if (log2 < -32)
		return 0;
	/* Round 1e9 / 2^-log2 to nearest. */
	return (TS_NS_PER_S + (1LL << (-log2 - 1))) >> -log2;
}

int64_t
ts_abs(int64_t d_ns)
{
	if (d_ns == INT64_MIN)
		return INT64_MAX;
	return d_ns < 0 ? -d_ns : d_ns;
}

double
ts_to_s(int64_t d_ns)
{
	return (double)d_ns / (double)TS_NS_PER_S;
}

int64_t
ts_from_s(double s)
{
	double ns = s * (double)TS_NS_PER_S;

	if (ns >= 9.2e18)
		return INT64_MAX;
	if (ns <= -9.2e18)
		return INT64_MIN;
	return (int64_t)(ns < 0 ? ns - 0.5 : ns + 0.5);
}

void
ts_offset_delay(int64_t t1_ns, int64_t t2_ns, int64_t t3_ns, int64_t t4_ns,
    int64_t *offset_ns, int64_t *delay_ns)
{
	int64_t a = t2_ns - t1_ns, b = t3_ns - t4_ns;

	/* Halve each term before adding so that the sum cannot overflow;
	 * add back the half-nanoseconds the two halvings dropped. */
	*offset_ns = a / 2 + b / 2 + (a % 2 + b % 2) / 2;
	*delay_ns = (t4_ns - t1_ns) - (t3_ns - t2_ns);
}

int64_t
ts_sample_disp(int prec_local_log2, int prec_server_log2, int64_t rtt_local_ns)
{
	int64_t d = ts_log2_ns(prec_local_log2) + ts_log2_ns(prec_server_log2);

	if (rtt_local_ns > 0)
		d += rtt_local_ns / TS_NS_PER_S * TS_PHI_PPB +
		    rtt_local_ns % TS_NS_PER_S * TS_PHI_PPB / TS_NS_PER_S;
	return d > TS_MAXDISP_NS ? TS_MAXDISP_NS : d;
}

int64_t
ts_root_distance(int64_t root_delay_ns, int64_t root_disp_ns, int64_t delay_ns,
    int64_t disp_ns, int64_t jitter_ns)
{
	if (delay_ns < 0)
		delay_ns = 0;
	return (root_delay_ns + delay_ns) / 2 + root_disp_ns + disp_ns +
	    jitter_ns;
}

/* Day of the month (1..31) of a day counted from 1970-01-01, by the
 * Gregorian cycle: 146097 days per 400 years, counted from 0000-03-01 so
 * that February comes last in each computed year. */
static int
day_of_month(int64_t days)
{
	int64_t z = days + 719468, era, doe, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	return (int)(doy - (153 * mp + 2) / 5 + 1);
}

int
ts_last_day_of_month(int64_t t_ns)
{
	int64_t day = t_ns / TS_NS_PER_S / 86400;

	if (t_ns < 0 && t_ns % (86400 * TS_NS_PER_S) != 0)
		day--;
	return day_of_month(day + 1) == 1;
}

// SPDX-License-Identifier: ISC
/* kclk: adjtimex(2) wrappers for the system clock backend. */
#include "os/kclk.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_S 1000000000LL
#define FREQ_MAX_PPB 500000 /* the kernel's MAXFREQ */

static int
get(struct timex *tx)
{
	memset(tx, 0, sizeof(*tx));
	return adjtimex(tx) < 0 ? -1 : 0;
}

static int
set(struct timex *tx)
{
	return adjtimex(tx) < 0 ? -1 : 0;
}

int
kclk_step(int64_t d_ns)
{
	struct timex tx = { .modes = ADJ_SETOFFSET | ADJ_NANO };
	struct timespec now;
	int64_t s = d_ns / NS_PER_S, ns = d_ns % NS_PER_S, t;

	if (ns < 0) {
		ns += NS_PER_S;
		s--;
	}
	tx.time.tv_sec = (time_t)s;
	tx.time.tv_usec = (long)ns; /* nanoseconds under ADJ_NANO */
	if (set(&tx) == 0)
		return 0;
	if (errno != EINVAL)
		return -1;
	/* Kernels without ADJ_SETOFFSET: read, add, set. */
	if (clock_gettime(CLOCK_REALTIME, &now) != 0)
		return -1;
	t = (int64_t)now.tv_sec * NS_PER_S + now.tv_nsec + d_ns;
	now.tv_sec = (time_t)(t / NS_PER_S);
	now.tv_nsec = (long)(t % NS_PER_S);
	return clock_settime(CLOCK_REALTIME, &now);
}

int
kclk_singleshot(int64_t d_ns)
{
	struct timex tx = { .modes = ADJ_OFFSET_SINGLESHOT };

	if (d_ns > NS_PER_S / 2 || d_ns < -NS_PER_S / 2) {
		errno = ERANGE;
		return -1;
	}
	tx.offset = (long)(d_ns / 1000);
	return set(&tx);
}

static long
user_hz(void)
{
	long hz = sysconf(_SC_CLK_TCK);

	return hz > 0 ? hz : 100;
}

void
kclk_split_rate(int64_t rate_ppb, long hz, long *tick_delta_us,
    long *freq_scaled)
{
	/* One microsecond of tick length per 1/hz s is hz ppm.  Within the
	 * frequency field's own range the tick stays nominal. */
	int64_t per_us = 1000 * (int64_t)hz;
	long dt = rate_ppb >= -FREQ_MAX_PPB && rate_ppb <= FREQ_MAX_PPB
	    ? 0
	    : (long)llround((double)rate_ppb / (double)per_us);
	int64_t rest = rate_ppb - (int64_t)dt * per_us;

	*tick_delta_us = dt;
	*freq_scaled = (long)llround((double)rest / 1000.0 * 65536.0);
}

int
kclk_set_rate(int64_t rate_ppb)
{
	struct timex tx = { .modes = ADJ_FREQUENCY | ADJ_TICK };
	long hz = user_hz(), dt;

	kclk_split_rate(rate_ppb, hz, &dt, &tx.freq);
	tx.tick = 1000000 / hz + dt;
	if (set(&tx) == 0)
		return 0;
	if (errno != EINVAL || dt != 0)
		return -1;
	/* No ADJ_TICK here (some clock simulators): the frequency alone
	 * covers +-500 ppm. */
	tx.modes = ADJ_FREQUENCY;
	return set(&tx);
}

int
kclk_get_rate(int64_t *rate_ppb)
{
	struct timex tx;
	long hz = user_hz();

	if (get(&tx) != 0)
		return -1;
	*rate_ppb = (int64_t)(tx.tick - 1000000 / hz) * 1000 * hz +
	    (int64_t)llround((double)tx.freq / 65536.0 * 1000.0);
	return 0;
}

int
kclk_has_tick(void)
{
	struct timex tx;

	if (get(&tx) != 0)
		return 0;
	tx.modes = ADJ_TICK;
	return set(&tx) == 0;
}

int
kclk_plain(void)
{
	struct timex tx;

	if (get(&tx) != 0)
		return -1;
	tx.modes = ADJ_STATUS | ADJ_OFFSET;
	tx.status &= ~(STA_PLL | STA_FLL | STA_PPSFREQ | STA_PPSTIME);
	tx.offset = 0;
	return set(&tx);
}

int
kclk_status(int synced, int64_t maxerror_ns, int64_t esterror_ns)
{
	struct timex tx;

	if (get(&tx) != 0)
		return -1;
	tx.modes = ADJ_STATUS | ADJ_MAXERROR | ADJ_ESTERROR;
	if (synced)
		tx.status &= ~STA_UNSYNC;
	else
		tx.status |= STA_UNSYNC;
	tx.maxerror = (long)(maxerror_ns / 1000);
	tx.esterror = (long)(esterror_ns / 1000);
	return set(&tx);
}

int
kclk_leap(int leap)
{
	struct timex tx;

	if (get(&tx) != 0)
		return -1;
	tx.modes = ADJ_STATUS;
	tx.status &= ~(STA_INS | STA_DEL);
	if (leap > 0)
		tx.status |= STA_INS;
	else if (leap < 0)
		tx.status |= STA_DEL;
	return set(&tx);
}

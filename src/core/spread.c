// SPDX-License-Identifier: ISC
/* spread: see spread.h. */
#include "core/spread.h"

#define SPREAD_HOLD_MIN 10 /* windows after an undo from lack of room */
#define SPREAD_HOLD_MAX 320

void
spread_init(struct spread *s)
{
	s->spread = 0;
	s->streak = 0;
	s->hold = 0;
	s->backoff = SPREAD_HOLD_MIN;
}

/* What the rest of the machine leaves us, in cores.  Unknown host load
 * (no /proc/stat): all of this process's CPUs. */
static double
room(const struct spread_in *in)
{
	double others;

	if (in->host_busy_ns < 0)
		return in->n_cpu;
	others =
	    (double)(in->host_busy_ns - in->all_cpu_ns) / (double)in->wall_ns;
	if (others < 0)
		others = 0;
	return in->n_cpu - others;
}

int
spread_step(struct spread *s, const struct spread_in *in)
{
	double first, all, free_cores;
	int want, crowded = 0;

	if (in->wall_ns <= 0)
		return 0;
	if (in->n_cpu < 2) {
		s->streak = 0;
		if (!s->spread)
			return 0;
		s->spread = 0; /* one CPU: one worker */
		return 1;
	}
	first = (double)in->first_cpu_ns / (double)in->wall_ns;
	all = (double)in->all_cpu_ns / (double)in->wall_ns;
	free_cores = room(in);
	if (s->hold > 0)
		s->hold--;
	if (!s->spread) {
		want = first >= SPREAD_BUSY_FIRST &&
		    free_cores >= SPREAD_ROOM_UP && s->hold == 0;
	} else {
		crowded = free_cores < SPREAD_ROOM_DOWN;
		want = !(all < SPREAD_BUSY_ONE || crowded);
	}
	if (want == s->spread) {
		s->streak = 0;
		return 0;
	}
	if (++s->streak < SPREAD_STREAK)
		return 0;
	s->streak = 0;
	s->spread = want;
	if (!want && crowded) {
		/* Spreading did not find the room it expected: do not try
		 * again at once, and wait longer each time it happens. */
		s->hold = s->backoff;
		if (s->backoff < SPREAD_HOLD_MAX)
			s->backoff *= 2;
	} else if (!want) {
		s->backoff = SPREAD_HOLD_MIN;
	}
	return 1;
}

// SPDX-License-Identifier: ISC
/*
 * spread: when `workers N` (N > 1) should spread the load over all its
 * serving threads, and when one thread should take it all.
 *
 * A SO_REUSEPORT group spreads datagrams over its sockets by a hash of
 * the 4-tuple, so every worker wakes for a share of the traffic even
 * when one of them could answer it all.  Spreading costs: smaller
 * batches, more wake-ups, and on a machine whose other cores are busy
 * (a load generator, a database) the extra threads only take CPU from
 * them.  Measured on a 2-core machine with a load generator on the other
 * core, `workers 2` answered 0.74x what `workers 1` did.
 *
 * So the engine starts with all traffic steered to the first worker and
 * spreads only when that worker is busy nearly all the time and the
 * machine has at least half a core more to give than what others use;
 * it goes back to one worker when one could do the work, or when the
 * cores are taken by others.  This file only decides; the engine
 * measures and steers (os/steer).  Pure: no system calls.
 */
#ifndef STRATUM_CORE_SPREAD_H
#define STRATUM_CORE_SPREAD_H

#include <stdint.h>

/* One measurement window (about a second). */
struct spread_in {
	int64_t wall_ns;      /* length of the window */
	int64_t first_cpu_ns; /* CPU time of the first worker in it */
	int64_t all_cpu_ns;   /* CPU time of all workers in it */
	int64_t host_busy_ns; /* CPU time the whole machine was busy, summed
				 over its CPUs (/proc/stat), -1 unknown */
	int n_cpu;            /* CPUs this process may run on */
};

struct spread {
	int spread;      /* 1: the kernel's hash spreads over all workers */
	int streak;      /* windows in a row that asked for a change */
	int64_t hold;    /* windows left before spreading may be tried again */
	int64_t backoff; /* hold after the next undo, in windows */
};

#define SPREAD_BUSY_FIRST 0.85 /* first worker's share of a core */
#define SPREAD_BUSY_ONE 0.55   /* below: one worker can do it all */
#define SPREAD_ROOM_UP 1.5     /* free cores needed to spread */
#define SPREAD_ROOM_DOWN 1.2   /* below: cores taken by others */
#define SPREAD_STREAK 2        /* windows in a row before a change */

void spread_init(struct spread *s);

/* Feed one window; returns 1 when the steering must change (s->spread
 * then says to what). */
int spread_step(struct spread *s, const struct spread_in *in);

#endif

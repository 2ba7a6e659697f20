// SPDX-License-Identifier: ISC
/*
 * spreader: the engine's side of core/spread for `workers N` > 1.  Once
 * a second it reads the workers' thread CPU clocks and the machine's
 * /proc/stat, asks core/spread, and steers every SO_REUSEPORT group
 * (os/steer) to its first socket or to the kernel's hash.
 */
#ifndef STRATUM_DAEMON_SPREADER_H
#define STRATUM_DAEMON_SPREADER_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "core/spread.h"
#include "os/log.h"

#define SPREADER_MAX_WORKERS 64

struct spreader {
	struct spread s;
	const struct logger *log;
	int on;      /* workers > 1 and steering works */
	int fixed;   /* STRATUM_SPREAD=all|first: no decisions (tests) */
	int stat_fd; /* /proc/stat, -1 */
	int n_cpu;
	int n; /* workers */
	clockid_t clk[SPREADER_MAX_WORKERS];
	int64_t next_mono_ns;
	int64_t last_mono_ns, last_first, last_all, last_host;
	int have_last;
};

/* Before the sockets: how steering starts (first socket, unless
 * STRATUM_SPREAD=all). */
void spreader_init(struct spreader *sp, int n_workers, const struct logger *lg);

/* A new group's first socket (worker 0's): steer it as the others. */
void spreader_group(struct spreader *sp, int fd0);

/* After the threads started: their CPU clocks. */
void spreader_threads(struct spreader *sp, const pthread_t *th, int n);

/* Main thread, any time: decide when a second has passed; fds0 are the
 * groups' first sockets.  Returns when to be called next (monotonic). */
int64_t spreader_tick(struct spreader *sp, int64_t now_mono_ns, const int *fds0,
    size_t n_fds);

#endif

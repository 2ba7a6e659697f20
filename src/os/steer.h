// SPDX-License-Identifier: ISC
/*
 * steer: which socket of a SO_REUSEPORT group the kernel hands a
 * datagram to, and how busy the machine is (see core/spread.h for why).
 */
#ifndef STRATUM_OS_STEER_H
#define STRATUM_OS_STEER_H

#include <stdint.h>

/* Every datagram to the group's first socket (the first bound): a
 * classic BPF program that returns 0.  0, or -1 with errno. */
int steer_first(int fd);

/* Back to the kernel's hash over all sockets of the group. */
int steer_hash(int fd);

/* The machine's CPU time: open /proc/stat once (before any chroot or
 * sandbox) and read it again and again.  -1 when unavailable. */
int steer_stat_open(void);

/* Nanoseconds all CPUs together have been busy since boot (user, nice,
 * system, irq, softirq, steal), or -1. */
int64_t steer_host_busy_ns(int fd);

/* CPUs this process may run on (at least 1). */
int steer_n_cpu(void);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * engine: owns the daemon's state and runs its poll(2) loop.  It feeds
 * datagrams and timer events into the core and maps what the core decides
 * onto system calls; it is the only place that does so.
 */
#ifndef STRATUM_ENGINE_H
#define STRATUM_ENGINE_H

#include <net/if.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "core/srv.h"
#include "daemon/assoc.h"
#include "os/clk.h"
#include "os/log.h"
#include "os/udp.h"

#define ENG_MAX_SOCKS 64
/* ntpd numbers its wildcard sockets 0 and 1; we keep its numbering for
 * address sockets so "Listen normally on 2 lo 127.0.0.1:123" reads the
 * same, although we bind per address and open no wildcard socket. */
#define ENG_FIRST_SOCK_INDEX 2

struct eng_sock {
	int fd;
	int index;
	char ifname[IF_NAMESIZE];
	struct udp_peer addr;
};

struct engine {
	const struct conf *conf;
	const struct logger *log;
	struct clk clk;
	struct assoc asc;
	struct srv_stats stats;
	uint64_t send_errors;
	struct eng_sock socks[ENG_MAX_SOCKS];
	size_t n_socks;
};

/* Prepare the engine from a loaded configuration (no sockets yet); the
 * client half starts resolving its sources. */
void eng_init(struct engine *e, const struct conf *c, const struct logger *lg,
    const struct asc_opts *o);

/* Open a socket per interface address the interface rules allow, logging
 * each like ntpd.  Returns the number opened, or -1 when none could be. */
int eng_open_sockets(struct engine *e);

/* Serve and sync until *stop becomes non-zero or the client half wants
 * to exit (-q done, panic).  A set *hup is logged (reload is not
 * implemented yet) and cleared.  Returns the exit status: 0, or 1 on a fatal
 * poll error or a panic. */
int eng_run(struct engine *e, volatile sig_atomic_t *stop,
    volatile sig_atomic_t *hup);

/* Close sockets and log the counters. */
void eng_close(struct engine *e);

#endif

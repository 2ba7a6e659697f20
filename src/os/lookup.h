/* SPDX-License-Identifier: ISC */
/*
 * lookup: name resolution that never blocks the daemon.  A lookup runs
 * getaddrinfo(3) in a short-lived child process that writes the addresses
 * to a pipe; the daemon polls the pipe like any socket.  IP literals are
 * resolved at once without a child.
 */
#ifndef STRATUM_LOOKUP_H
#define STRATUM_LOOKUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "os/udp.h"

#define LOOKUP_MAX_ADDRS 16

struct lookup {
	pid_t pid; /* child, 0 when none */
	int fd;    /* read end of the pipe, -1 when none */
};

/*
 * Start resolving host for UDP port `port` (family 0, 4 or 6).  For an IP
 * literal the answer is immediate: returns the address count (>= 1) and
 * fills out.  For a name it starts a child and returns 0; poll l->fd for
 * input, then call lookup_finish.  Returns -1 with errno when no child
 * can be started.
 */
int lookup_start(struct lookup *l, const char *host, uint16_t port, int family,
    struct udp_peer *out, size_t max);

/* Collect the answer of a started lookup: the address count (>= 1) or -1
 * with *err describing the failure.  Always reaps the child. */
int lookup_finish(struct lookup *l, struct udp_peer *out, size_t max, char *err,
    size_t errcap);

/* Abandon a running lookup (kills and reaps the child). */
void lookup_cancel(struct lookup *l);

#endif

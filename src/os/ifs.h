/* SPDX-License-Identifier: ISC */
/*
 * ifs: the host's interface addresses (getifaddrs(3)), and a watch on
 * their changes: a NETLINK_ROUTE socket subscribed to the address and
 * link groups, so that the poll loop wakes when an address is added or
 * removed (RTM_NEWADDR, RTM_DELADDR) and the engine lists them again.
 */
#ifndef STRATUM_IFS_H
#define STRATUM_IFS_H

#include <net/if.h>
#include <stddef.h>

#include "os/udp.h"

struct ifs_addr {
	char name[IF_NAMESIZE];
	struct udp_peer addr; /* port 0 */
};

/* Up to max IPv4/IPv6 addresses of interfaces that are up.  Returns the
 * count, or -1 with errno. */
int ifs_list(struct ifs_addr *out, size_t max);

/* A non-blocking, close-on-exec netlink socket that receives address and
 * link changes.  Returns it, or -1 with errno (no netlink: the caller
 * relies on periodic rescans). */
int ifs_watch_open(void);

/* Read what is queued on the watch socket.  Returns 1 when an address
 * or link changed (or messages were lost: ENOBUFS, when anything may have
 * changed), 0 when nothing relevant arrived. */
int ifs_watch_read(int fd);

#endif

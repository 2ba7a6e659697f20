/* SPDX-License-Identifier: ISC */
/* ifs: the host's interface addresses (getifaddrs(3)). */
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

#endif

// SPDX-License-Identifier: ISC
/* ifs: enumerate interface addresses. */
#include "os/ifs.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

int
ifs_list(struct ifs_addr *out, size_t max)
{
	struct ifaddrs *all, *ifa;
	size_t n = 0, sz;

	if (getifaddrs(&all) != 0)
		return -1;
	for (ifa = all; ifa != NULL && n < max; ifa = ifa->ifa_next) {
		if (ifa->ifa_addr == NULL || !(ifa->ifa_flags & IFF_UP))
			continue;
		if (ifa->ifa_addr->sa_family == AF_INET)
			sz = sizeof(struct sockaddr_in);
		else if (ifa->ifa_addr->sa_family == AF_INET6)
			sz = sizeof(struct sockaddr_in6);
		else
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		snprintf(out[n].name, sizeof(out[n].name), "%s", ifa->ifa_name);
		memcpy(&out[n].addr.sa, ifa->ifa_addr, sz);
		out[n].addr.len = (socklen_t)sz;
		n++;
	}
	freeifaddrs(all);
	return (int)n;
}

// SPDX-License-Identifier: ISC
/* res: getaddrinfo wrapper. */
#include "os/res.h"

#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static int
seen(const struct udp_peer *out, size_t n, const struct addrinfo *ai)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (out[i].len == ai->ai_addrlen &&
		    memcmp(&out[i].sa, ai->ai_addr, ai->ai_addrlen) == 0)
			return 1;
	return 0;
}

int
res_lookup(const char *host, uint16_t port, int family, struct udp_peer *out,
    size_t max, const char **err)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *res, *ai;
	char serv[8];
	size_t n = 0;
	int rc;

	hints.ai_family = family == 4 ? AF_INET
	    : family == 6             ? AF_INET6
	                              : AF_UNSPEC;
	snprintf(serv, sizeof(serv), "%u", (unsigned)port);
	/* Only the families this host has addresses of: no IPv6 sources on
	 * a host without IPv6.  glibc ignores loopback for this, so a host
	 * (or test namespace) with loopback only asks again without it. */
	hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
	rc = getaddrinfo(host, serv, &hints, &res);
	if (rc != 0 && rc != EAI_AGAIN && rc != EAI_MEMORY) {
		hints.ai_flags = AI_NUMERICSERV;
		rc = getaddrinfo(host, serv, &hints, &res);
	}
	if (rc != 0) {
		*err = gai_strerror(rc);
		return -1;
	}
	for (ai = res; ai != NULL && n < max; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(out[n].sa) || seen(out, n, ai))
			continue;
		memcpy(&out[n].sa, ai->ai_addr, ai->ai_addrlen);
		out[n].len = ai->ai_addrlen;
		n++;
	}
	freeaddrinfo(res);
	if (n == 0) {
		*err = "no usable address";
		return -1;
	}
	return (int)n;
}

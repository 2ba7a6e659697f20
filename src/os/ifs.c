// SPDX-License-Identifier: ISC
/* ifs: enumerate interface addresses. */
#include "os/ifs.h"

#include <errno.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define IFS_WATCH_BUF 8192
#define IFS_WATCH_READS 64 /* bounded: a flood of events cannot spin us */

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

int
ifs_watch_open(void)
{
	struct sockaddr_nl sa;
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;

		(void)close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* 1 when the datagram of len bytes holds an address or link event.  The
 * headers are read with memcpy: the buffer is not trusted to be
 * aligned for struct nlmsghdr. */
static int
relevant(const uint8_t *b, size_t len)
{
	struct nlmsghdr h;
	size_t off = 0, step;

	while (len - off >= sizeof(h)) {
		memcpy(&h, b + off, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len - off)
			return 0;
		switch (h.nlmsg_type) {
		case RTM_NEWADDR:
		case RTM_DELADDR:
		case RTM_NEWLINK:
		case RTM_DELLINK:
			return 1;
		default:
			break;
		}
		step = NLMSG_ALIGN(h.nlmsg_len);
		if (step > len - off)
			break;
		off += step;
	}
	return 0;
}

int
ifs_watch_read(int fd)
{
	uint8_t buf[IFS_WATCH_BUF];
	struct sockaddr_nl from;
	socklen_t fl;
	ssize_t n;
	int i, changed = 0;

	for (i = 0; i < IFS_WATCH_READS; i++) {
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
		    (struct sockaddr *)&from, &fl);
		if (n < 0) {
			if (errno == ENOBUFS)
				changed = 1; /* lost events: list again */
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			break;
		}
		/* Only the kernel (port 0) speaks for the interfaces. */
		if (fl == sizeof(from) && from.nl_pid == 0 &&
		    relevant(buf, (size_t)n))
			changed = 1;
	}
	return changed;
}

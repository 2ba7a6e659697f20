// SPDX-License-Identifier: ISC
/* udp: socket setup, recvmsg with SO_TIMESTAMPNS, sendto. */
#include "os/udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "os/clk.h"

/* Non-blocking, close-on-exec, kernel receive timestamps.  None of these
 * is essential (receives use MSG_DONTWAIT, and without timestamps the
 * clock is read after recvmsg), so a system or simulator that refuses
 * one still gets a working socket. */
static void
set_common(int fd)
{
	int on = 1;
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
}

int
udp_open_bound(const struct sockaddr *sa, socklen_t len)
{
	int fd = socket(sa->sa_family, SOCK_DGRAM, 0), on = 1, e;

	if (fd < 0)
		return -1;
	set_common(fd);
	if (sa->sa_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0)
		goto fail;
	if (bind(fd, sa, len) < 0)
		goto fail;
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

int
udp_open_client(int family)
{
	int fd = socket(family, SOCK_DGRAM, 0);

	if (fd >= 0)
		set_common(fd);
	return fd;
}

static int64_t
rx_stamp(struct msghdr *mh)
{
	struct cmsghdr *cm;
	struct timespec ts;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_TIMESTAMPNS &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(ts))) {
			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
		}
	}
	return clk_real_now();
}

ssize_t
udp_recv(int fd, uint8_t *buf, size_t cap, struct udp_peer *from,
    int64_t *rx_real_ns, int *truncated)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec)) + 64];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh = {
		.msg_name = &from->sa,
		.msg_namelen = sizeof(from->sa),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

	if (n < 0)
		return -1;
	from->len = mh.msg_namelen;
	*truncated = (mh.msg_flags & MSG_TRUNC) != 0;
	*rx_real_ns = rx_stamp(&mh);
	return n;
}

int
udp_send(int fd, const uint8_t *buf, size_t len, const struct udp_peer *to)
{
	ssize_t n =
	    sendto(fd, buf, len, 0, (const struct sockaddr *)&to->sa, to->len);

	return n == (ssize_t)len ? 0 : -1;
}

const char *
udp_addr_str(const struct sockaddr *sa, char *out, size_t cap)
{
	const void *a = NULL;

	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (a == NULL ||
	    inet_ntop(sa->sa_family, a, out, (socklen_t)cap) == NULL) {
		if (cap > 0)
			out[0] = '\0';
	}
	return out;
}

uint16_t
udp_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(
		    ((const struct sockaddr_in *)(const void *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(
		    ((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
	return 0;
}

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

#define UDP_SERVER_RCVBUF (4 << 20)

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

static int
open_bound(const struct sockaddr *sa, socklen_t len, int reuseport)
{
	int fd = socket(sa->sa_family, SOCK_DGRAM, 0), on = 1, e;
	int rcvbuf = UDP_SERVER_RCVBUF, probe = IP_PMTUDISC_PROBE;

	if (fd < 0)
		return -1;
	set_common(fd);
	if (reuseport &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0)
		goto fail;
	/* A deep receive queue rides out the moments a busy server is not
	 * scheduled (the kernel caps it at net.core.rmem_max). */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (sa->sa_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0)
		goto fail;
	/* Replies leave with DF set and IP ID 0 (RFC 6864 allows it for
	 * atomic datagrams), which spares the kernel a hashed ID per reply:
	 * under the default (IP_PMTUDISC_WANT) every datagram may still be
	 * fragmented, so each needs one.  PROBE ignores learnt path MTUs;
	 * a reply larger than the interface MTU, which NTP never needs, is
	 * sent fragmentable by udp_send. */
	if (sa->sa_family == AF_INET)
		(void)setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &probe,
		    sizeof(probe));
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
udp_open_bound(const struct sockaddr *sa, socklen_t len)
{
	return open_bound(sa, len, 0);
}

int
udp_open_reuseport(const struct sockaddr *sa, socklen_t len)
{
	return open_bound(sa, len, 1);
}

int
udp_same(const struct udp_peer *x, const struct udp_peer *y, int port)
{
	const struct sockaddr_in *a4 = (const void *)&x->sa;
	const struct sockaddr_in *b4 = (const void *)&y->sa;
	const struct sockaddr_in6 *a6 = (const void *)&x->sa;
	const struct sockaddr_in6 *b6 = (const void *)&y->sa;

	if (x->sa.ss_family != y->sa.ss_family)
		return 0;
	if (x->sa.ss_family == AF_INET)
		return (!port || a4->sin_port == b4->sin_port) &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	if (x->sa.ss_family == AF_INET6)
		return (!port || a6->sin6_port == b6->sin6_port) &&
		    memcmp(&a6->sin6_addr, &b6->sin6_addr, 16) == 0 &&
		    (!IN6_IS_ADDR_LINKLOCAL(&a6->sin6_addr) ||
		        a6->sin6_scope_id == b6->sin6_scope_id);
	return 0;
}

int
udp_open_client(int family)
{
	int fd = socket(family, SOCK_DGRAM, 0);

	if (fd >= 0)
		set_common(fd);
	return fd;
}

/* The kernel's SCM_TIMESTAMPNS, or 0 when it gave none. */
static int64_t
kernel_stamp(struct msghdr *mh)
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
	return 0;
}

static int64_t
rx_stamp(struct msghdr *mh)
{
	int64_t t = kernel_stamp(mh);

	return t != 0 ? t : clk_real_now();
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

/* An IPv4 datagram refused as larger than the interface MTU on a
 * socket that sets DF (open_bound): once more, fragmentable. */
static ssize_t
send_fragmentable(int fd, const uint8_t *buf, size_t len,
    const struct udp_peer *to)
{
	int old, want = IP_PMTUDISC_WANT, e;
	socklen_t ol = sizeof(old);
	ssize_t n;

	if (getsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &old, &ol) < 0 ||
	    old == want ||
	    setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &want, sizeof(want)) <
	        0) {
		errno = EMSGSIZE;
		return -1;
	}
	n = sendto(fd, buf, len, 0, (const struct sockaddr *)&to->sa, to->len);
	e = errno;
	(void)setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &old, sizeof(old));
	errno = e;
	return n;
}

int
udp_send(int fd, const uint8_t *buf, size_t len, const struct udp_peer *to)
{
	ssize_t n;

	if (to == NULL) /* connected: no address (EISCONN in some stacks) */
		return send(fd, buf, len, 0) == (ssize_t)len ? 0 : -1;
	n = sendto(fd, buf, len, 0, (const struct sockaddr *)&to->sa, to->len);
	if (n < 0 && errno == EMSGSIZE && to->sa.ss_family == AF_INET)
		n = send_fragmentable(fd, buf, len, to);
	return n == (ssize_t)len ? 0 : -1;
}

void
udp_batch_init(struct udp_batch *b, int plain)
{
	memset(b, 0, sizeof(*b));
	b->plain = plain;
}

/* A batched call the system does not have, or one that a simulator
 * interposing the single calls only (clknetsim has recvmsg and sendmsg,
 * and in older versions no recvmmsg) passes to the kernel with its own
 * pretend descriptor: EBADF or ENOTSOCK, which a real socket of ours
 * never gets. */
static int
batch_unsupported(int err)
{
	return err == ENOSYS || err == EINVAL || err == EOPNOTSUPP ||
	    err == EBADF || err == ENOTSOCK;
}

static int
recv_plain(int fd, struct udp_msg *m, int n)
{
	ssize_t r;
	int i;

	for (i = 0; i < n; i++) {
		r = udp_recv(fd, m[i].buf, m[i].cap, &m[i].peer,
		    &m[i].rx_real_ns, &m[i].truncated);
		if (r < 0)
			break;
		m[i].len = (size_t)r;
	}
	if (i == 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		return -1;
	return i;
}

int
udp_recv_batch(int fd, struct udp_batch *b, struct udp_msg *m, int n)
{
	int64_t late = 0;
	int i, r;

	if (b->plain)
		return recv_plain(fd, m, n);
	for (i = 0; i < n; i++) {
		struct msghdr *mh = &b->hdr[i].msg_hdr;

		b->iov[i] =
		    (struct iovec){ .iov_base = m[i].buf, .iov_len = m[i].cap };
		*mh = (struct msghdr){ .msg_name = &m[i].peer.sa,
			.msg_namelen = sizeof(m[i].peer.sa),
			.msg_iov = &b->iov[i],
			.msg_iovlen = 1,
			.msg_control = b->ctl[i].buf,
			.msg_controllen = sizeof(b->ctl[i].buf) };
	}
	r = recvmmsg(fd, b->hdr, (unsigned)n, MSG_DONTWAIT, NULL);
	if (r < 0) {
		if (!batch_unsupported(errno))
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		b->fallback_err = errno;
		b->plain = 1;
		return recv_plain(fd, m, n);
	}
	for (i = 0; i < r; i++) {
		struct msghdr *mh = &b->hdr[i].msg_hdr;

		m[i].len = b->hdr[i].msg_len;
		m[i].peer.len = mh->msg_namelen;
		m[i].truncated = (mh->msg_flags & MSG_TRUNC) != 0;
		m[i].rx_real_ns = kernel_stamp(mh);
		if (m[i].rx_real_ns == 0) {
			/* no kernel timestamp: the clock after the call */
			if (late == 0)
				late = clk_real_now();
			m[i].rx_real_ns = late;
		}
	}
	return r;
}

static int
send_plain(int fd, const struct udp_out *o, int n, uint64_t *errors)
{
	int i, sent = 0;

	for (i = 0; i < n; i++) {
		if (udp_send(fd, o[i].buf, o[i].len, o[i].to) == 0)
			sent++;
		else
			(*errors)++;
	}
	return sent;
}

int
udp_send_batch(int fd, struct udp_batch *b, const struct udp_out *o, int n,
    uint64_t *errors)
{
	int i, r, done = 0, sent = 0;

	if (b->plain)
		return send_plain(fd, o, n, errors);
	for (i = 0; i < n; i++) {
		b->iov[i] =
		    (struct iovec){ .iov_base = (void *)(uintptr_t)o[i].buf,
			    .iov_len = o[i].len };
		b->hdr[i].msg_hdr = (struct msghdr){
			.msg_name = (void *)(uintptr_t)&o[i].to->sa,
			.msg_namelen = o[i].to->len,
			.msg_iov = &b->iov[i],
			.msg_iovlen = 1,
		};
	}
	while (done < n) {
		r = sendmmsg(fd, b->hdr + done, (unsigned)(n - done), 0);
		if (r > 0) {
			done += r;
			sent += r;
			continue;
		}
		if (done == 0 && batch_unsupported(errno)) {
			b->fallback_err = errno;
			b->plain = 1;
			return send_plain(fd, o, n, errors);
		}
		/* The first datagram left was refused (a full socket buffer,
		 * an unreachable address): skip it, send the rest.  One too
		 * large for DF (see open_bound) goes alone, fragmentable. */
		if (errno == EMSGSIZE &&
		    udp_send(fd, o[done].buf, o[done].len, o[done].to) == 0)
			sent++;
		else
			(*errors)++;
		done++;
	}
	return sent;
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

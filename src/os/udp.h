/* SPDX-License-Identifier: ISC */
/*
 * udp: UDP sockets with kernel receive timestamps (SO_TIMESTAMPNS).
 * Sockets are non-blocking; receive times are CLOCK_REALTIME nanoseconds
 * taken by the kernel when the datagram arrived, or read right after
 * recvmsg(2) when the kernel gave none.
 */
#ifndef STRATUM_UDP_H
#define STRATUM_UDP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

struct udp_peer {
	struct sockaddr_storage sa;
	socklen_t len;
};

/* Bind a server socket to sa (IPv6 sockets are v6-only). Returns the fd,
 * or -1 with errno set. */
int udp_open_bound(const struct sockaddr *sa, socklen_t len);

/* A client socket of the given family (AF_INET/AF_INET6) on a fresh
 * kernel-chosen (random) source port.  Returns the fd or -1. */
int udp_open_client(int family);

/*
 * Receive one datagram.  Returns its length (0 is a valid, empty
 * datagram), or -1 with errno EAGAIN when nothing is waiting, or -1 with
 * another errno on error.  *rx_real_ns is set to the kernel's
 * receive timestamp.  A datagram longer than cap is reported with
 * *truncated = 1.
 */
ssize_t udp_recv(int fd, uint8_t *buf, size_t cap, struct udp_peer *from,
    int64_t *rx_real_ns, int *truncated);

/* Same family and address (and scope, for link-local IPv6), and with
 * port != 0 the same port: never the whole sockaddr, whose padding
 * (sin_zero, flow info) a resolver or libc may leave non-zero. */
int udp_same(const struct udp_peer *x, const struct udp_peer *y, int port);

/* Send one datagram; 0 on success, -1 with errno.  to == NULL: the
 * socket is connected, and the datagram goes to its peer. */
int udp_send(int fd, const uint8_t *buf, size_t len, const struct udp_peer *to);

/* udp_open_bound, with SO_REUSEPORT set before bind (one socket of a
 * group the kernel spreads datagrams over, by 4-tuple hash). */
int udp_open_reuseport(const struct sockaddr *sa, socklen_t len);

/*
 * Batched receive and send: recvmmsg(2)/sendmmsg(2) of up to UDP_BATCH
 * datagrams, each with its own kernel receive timestamp.  When a batched
 * call fails with ENOSYS, EINVAL or EOPNOTSUPP (an old kernel), or with
 * EBADF or ENOTSOCK (a syscall-interposing simulator such as clknetsim,
 * whose pretend sockets the kernel does not know), or b->plain is set
 * from the start, the
 * same functions use one recvmsg/sendto per datagram from then on.
 */
#define UDP_BATCH 32

struct udp_msg {
	uint8_t *buf; /* caller's storage of cap bytes */
	size_t cap;
	size_t len;
	struct udp_peer peer;
	int64_t rx_real_ns;
	int truncated;
};

struct udp_out {
	const uint8_t *buf;
	size_t len;
	const struct udp_peer *to;
};

struct udp_batch {
	int plain;        /* single calls only */
	int fallback_err; /* errno that made a batched call fall back; 0 */
	struct mmsghdr hdr[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	union {
		char buf[64];
		struct cmsghdr align;
	} ctl[UDP_BATCH];
};

/* plain: never try the batched calls. */
void udp_batch_init(struct udp_batch *b, int plain);

/* Receive up to n (<= UDP_BATCH) waiting datagrams into m[0..n) (buf and
 * cap set by the caller).  Returns how many (0: nothing waiting), or -1
 * with errno on another error. */
int udp_recv_batch(int fd, struct udp_batch *b, struct udp_msg *m, int n);

/* Send o[0..n) (n <= UDP_BATCH).  Returns how many the kernel took; a
 * datagram it refused is skipped and counted in *errors. */
int udp_send_batch(int fd, struct udp_batch *b, const struct udp_out *o, int n,
    uint64_t *errors);

/* "127.0.0.1" / "::1" (no port) into out; returns out. */
const char *udp_addr_str(const struct sockaddr *sa, char *out, size_t cap);

/* Port of an AF_INET/AF_INET6 address, host order. */
uint16_t udp_port(const struct sockaddr *sa);

#endif

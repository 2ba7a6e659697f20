// SPDX-License-Identifier: ISC
/*
 * bare: the floor for bench/compare.  A bare NTP responder that only
 * batches: recvmmsg of 32 with kernel receive timestamps, each reply
 * built in place over its request (no validation beyond length and
 * mode, no state, no policy), one clock read per batch for the transmit
 * timestamp, sendmmsg.  Not a server anyone should run: it answers any
 * 48-byte mode 3 datagram, with stratum 1 and refid "BARE".
 *
 *   bare PORT [ADDR]   (binds ADDR, default 127.0.0.1; runs until killed)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BATCH 32
#define NTP_UNIX_OFFSET 2208988800ULL

static void
put_ntp(uint8_t *b, const struct timespec *t)
{
	uint64_t v = ((uint64_t)t->tv_sec + NTP_UNIX_OFFSET) << 32 |
	    (((uint64_t)t->tv_nsec << 32) / 1000000000ULL);
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

int
main(int argc, char **argv)
{
	static uint8_t buf[BATCH][64];
	static char ctl[BATCH][64];
	struct sockaddr_in a = { .sin_family = AF_INET }, from[BATCH];
	struct mmsghdr mh[BATCH], out[BATCH];
	struct iovec iov[BATCH], oiov[BATCH];
	struct pollfd pfd;
	struct timespec now, *rx;
	struct cmsghdr *cm;
	int fd, on = 1, i, n, k, rcvbuf = 4 << 20;

	if (argc != 2 && argc != 3)
		return 2;
	a.sin_port = htons((uint16_t)strtoul(argv[1], NULL, 10));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (argc == 3 && inet_pton(AF_INET, argv[2], &a.sin_addr) != 1)
		return 2;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	/* the same receive queue stratumd asks for */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		return 1;
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	for (;;) {
		for (i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){ buf[i], sizeof(buf[i]) };
			mh[i] = (struct mmsghdr){
				.msg_hdr = { .msg_name = &from[i],
				    .msg_namelen = sizeof(from[i]),
				    .msg_iov = &iov[i],
				    .msg_iovlen = 1,
				    .msg_control = ctl[i],
				    .msg_controllen = sizeof(ctl[i]) }
			};
		}
		n = recvmmsg(fd, mh, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			poll(&pfd, 1, -1);
			continue;
		}
		for (i = k = 0; i < n; i++) {
			uint8_t *b = buf[i];

			if (mh[i].msg_len != 48 || (b[0] & 7) != 3)
				continue;
			rx = NULL;
			for (cm = CMSG_FIRSTHDR(&mh[i].msg_hdr); cm;
			     cm = CMSG_NXTHDR(&mh[i].msg_hdr, cm))
				if (cm->cmsg_type == SCM_TIMESTAMPNS)
					rx = (struct timespec *)CMSG_DATA(cm);
			memcpy(b + 24, b + 40, 8); /* origin */
			if (rx != NULL)
				put_ntp(b + 32, rx);
			b[0] = (uint8_t)((b[0] & 0x38) | 4);
			b[1] = 1;
			b[3] = (uint8_t)-20;
			memset(b + 4, 0, 8);
			memcpy(b + 12, "BARE", 4);
			oiov[k] = (struct iovec){ b, 48 };
			out[k] = (struct mmsghdr){
				.msg_hdr = { .msg_name = &from[i],
				    .msg_namelen = mh[i].msg_hdr.msg_namelen,
				    .msg_iov = &oiov[k],
				    .msg_iovlen = 1 }
			};
			k++;
		}
		clock_gettime(CLOCK_REALTIME, &now);
		for (i = 0; i < k; i++) {
			uint8_t *b = oiov[i].iov_base;

			memcpy(b + 16, b + 32, 8); /* reference = receive */
			put_ntp(b + 40, &now);
		}
		if (k > 0)
			sendmmsg(fd, out, (unsigned)k, 0);
	}
}

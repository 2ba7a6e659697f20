// SPDX-License-Identifier: ISC
/*
 * ntpprobe: a test tool that sends what `stratum query` never would.
 *
 *   ntpprobe w32time ADDR PORT STRATUM
 *	NTPv3 requests shaped like Windows w32time's, in mode 3 (NtpServer
 *	flag 0x8) and mode 1 (flags 0x1/0x4); checks each reply.
 *   ntpprobe blast ADDR PORT COUNT SEED
 *	COUNT random and mutated datagrams; checks that no reply is larger
 *	than its request, that no request gets two replies, and that a valid
 *	query is still answered afterwards.
 *   ntpprobe grid ADDR PORT
 *	The amplification grid: every mode (0-7), version (0-7) and length
 *	(0-1100), each plain, with extension fields and with a MAC; checks
 *	that no reply is larger than its request, that none gets two, and
 *	that every well-formed mode 3 and mode 1 request of versions 1-4 is
 *	answered.
 *   ntpprobe flood ADDR PORT FLOOD_SRC LEGIT_SRC SECONDS RATE
 *	Sends RATE requests/s (at most SECONDS * RATE) from FLOOD_SRC while
 *	LEGIT_SRC asks once every 100 ms; prints the counts as
 *	"name=value" words for the calling test to judge.
 *   ntpprobe ipid ADDR PORT
 *	One IPv4 request; the reply as seen on an AF_PACKET socket must have
 *	DF set and IP ID 0 (the server's sockets use IP_PMTUDISC_PROBE).
 *	Needs CAP_NET_RAW, which the test's namespace gives.
 *   ntpprobe load ADDR PORT SECONDS SOCKETS WINDOW
 *	Closed-loop load: SOCKETS sockets with WINDOW requests in flight
 *	each, for SECONDS; checks that every reply carries the origin of an
 *	outstanding request and a receive timestamp no later than its
 *	transmit timestamp, both inside the request's round trip.
 *
 * Prints "ok - ..." / "not ok - ..." lines; exits 1 if any check failed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/pkt.h"
#include "core/ts.h"
#include "os/clk.h"
#include "os/udp.h"

#define MAX_DGRAM 1024

struct probe {
	int fd;
	struct udp_peer to;
	int failed;
};

static void
report(struct probe *p, int ok, const char *what)
{
	printf("%sok - %s\n", ok ? "" : "not ", what);
	if (!ok)
		p->failed = 1;
}

static int
setup(struct probe *p, const char *addr, const char *port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&p->to.sa;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)&p->to.sa;
	int pn = atoi(port);

	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)pn);
		p->to.len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)pn);
		p->to.len = sizeof(*sin6);
	} else {
		fprintf(stderr, "ntpprobe: not an address: %s\n", addr);
		return -1;
	}
	p->fd = udp_open_client(p->to.sa.ss_family);
	return p->fd < 0 ? -1 : 0;
}

/* Wait up to ms for one datagram; returns its length or -1. */
static ssize_t
await(struct probe *p, uint8_t *buf, int ms)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	struct udp_peer from;
	int64_t rx;
	int trunc;

	if (poll(&pfd, 1, ms) <= 0)
		return -1;
	return udp_recv(p->fd, buf, MAX_DGRAM, &from, &rx, &trunc);
}

static void
w32_one(struct probe *p, int mode, int stratum)
{
	/* What w32time puts in its requests: v3, its own (unsynchronized)
	 * state, a poll of 2^10..2^15 and a transmit time. */
	struct pkt_hdr h = { .leap = PKT_LEAP_UNSYNC,
		.version = 3,
		.mode = (uint8_t)mode,
		.stratum = 0,
		.poll = 15,
		.precision = -6,
		.root_delay = 0x00010000,
		.root_disp = 0x00010000 };
	uint8_t rq[PKT_HDR_LEN], rp[MAX_DGRAM];
	char what[160];
	struct pkt r;
	ssize_t n;
	int want =
	    mode == PKT_MODE_CLIENT ? PKT_MODE_SERVER : PKT_MODE_SYM_PASSIVE;

	ts_to_ntp64(clk_real_now(), &h.xmt_ts);
	pkt_encode_hdr(&h, rq, sizeof(rq));
	udp_send(p->fd, rq, sizeof(rq), &p->to);
	n = await(p, rp, 2000);
	snprintf(what, sizeof(what), "w32time NTPv3 mode %d gets a reply",
	    mode);
	report(p, n >= PKT_HDR_LEN, what);
	if (n < PKT_HDR_LEN)
		return;
	pkt_decode(rp, (size_t)n, &r);
	snprintf(what, sizeof(what),
	    "w32time mode %d reply: mode %d, v3, "
	    "origin echoed, stratum %d, leap 0, receive <= transmit",
	    mode, want, stratum);
	report(p,
	    r.h.mode == want && r.h.version == 3 && r.h.org_ts == h.xmt_ts &&
	        r.h.stratum == stratum && r.h.leap == 0 && r.h.rec_ts != 0 &&
	        ts_from_ntp64(r.h.xmt_ts) >= ts_from_ntp64(r.h.rec_ts) &&
	        (size_t)n <= sizeof(rq),
	    what);
}

static uint64_t
xs(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* One test datagram: a valid request of some shape, then mutated. */
static size_t
make_dgram(uint64_t *s, uint8_t *b)
{
	static const size_t tails[] = { 0, 0, 0, 4, 20, 24, 28, 3, 100 };
	struct pkt_hdr h = { .version = (uint8_t)(1 + xs(s) % 4),
		.mode = (xs(s) % 3) ? 3 : 1,
		.poll = 6 };
	size_t len = PKT_HDR_LEN + tails[xs(s) % 9], i, k;

	pkt_encode_hdr(&h, b, PKT_HDR_LEN);
	for (i = PKT_HDR_LEN; i < len; i++)
		b[i] = (uint8_t)xs(s);
	if (len >= PKT_HDR_LEN + 28 && xs(s) % 2) {
		b[PKT_HDR_LEN + 2] = 0;
		b[PKT_HDR_LEN + 3] = 28;
	}
	switch (xs(s) % 4) {
	case 0: /* leave valid */
		break;
	case 1: /* flip bytes */
		for (k = 1 + xs(s) % 8; k > 0; k--)
			b[xs(s) % len] ^= (uint8_t)(1 + xs(s) % 255);
		break;
	case 2: /* truncate or extend */
		len = xs(s) % (MAX_DGRAM / 2);
		for (i = PKT_HDR_LEN; i < len; i++)
			b[i] = (uint8_t)xs(s);
		break;
	default: /* pure noise */
		len = xs(s) % (MAX_DGRAM / 2);
		for (i = 0; i < len; i++)
			b[i] = (uint8_t)xs(s);
	}
	return len;
}

struct blast {
	size_t *lens;
	unsigned char *replies;
	long sent, got, oversize, dup, unknown;
};

/* Requests of 48 bytes or more carry their index in the transmit field,
 * which a reply echoes as origin: that is how replies are matched. */
static void
drain_replies(struct probe *p, struct blast *bl, int ms)
{
	uint8_t rp[MAX_DGRAM];
	struct pkt r;
	ssize_t n;

	while ((n = await(p, rp, ms)) >= 0) {
		uint64_t tag;

		bl->got++;
		pkt_decode(rp, (size_t)n, &r);
		tag = r.h.org_ts;
		if (n < PKT_HDR_LEN || tag == 0 ||
		    (long)(tag - 1) >= bl->sent) {
			bl->unknown++;
			continue;
		}
		if ((size_t)n > bl->lens[tag - 1])
			bl->oversize++;
		if (bl->replies[tag - 1]++)
			bl->dup++;
	}
}

static int
blast(struct probe *p, long count, uint64_t seed)
{
	struct blast bl = { 0 };
	uint8_t b[MAX_DGRAM];
	char what[200];
	long i;

	bl.lens = calloc((size_t)count, sizeof(*bl.lens));
	bl.replies = calloc((size_t)count, 1);
	if (bl.lens == NULL || bl.replies == NULL) {
		free(bl.lens);
		free(bl.replies);
		return -1;
	}
	seed = seed ? seed : 88172645463325252ULL;
	for (i = 0; i < count; i++) {
		size_t len = make_dgram(&seed, b);

		if (len >= PKT_HDR_LEN) {
			uint64_t tag = (uint64_t)i + 1;
			int k;

			for (k = 0; k < 8; k++)
				b[40 + k] = (uint8_t)(tag >> (56 - 8 * k));
		}
		bl.lens[i] = len;
		udp_send(p->fd, b, len, &p->to);
		bl.sent++;
		if (i % 32 == 31)
			drain_replies(p, &bl, 1);
	}
	drain_replies(p, &bl, 200);
	snprintf(what, sizeof(what),
	    "blast: %ld datagrams sent, %ld replies, "
	    "none larger than its request (%ld oversize)",
	    bl.sent, bl.got, bl.oversize);
	report(p, bl.oversize == 0 && bl.got > 0, what);
	snprintf(what, sizeof(what),
	    "blast: at most one reply per request "
	    "(%ld duplicates, %ld unmatched)",
	    bl.dup, bl.unknown);
	report(p, bl.dup == 0 && bl.unknown == 0, what);
	free(bl.lens);
	free(bl.replies);
	return 0;
}

static void
still_answers(struct probe *p)
{
	struct pkt_hdr h = { .version = 4,
		.mode = 3,
		.xmt_ts = 0x5555AAAA12345678ULL };
	uint8_t rq[PKT_HDR_LEN], rp[MAX_DGRAM];
	struct pkt r;
	ssize_t n;

	pkt_encode_hdr(&h, rq, sizeof(rq));
	udp_send(p->fd, rq, sizeof(rq), &p->to);
	n = await(p, rp, 2000);
	report(p,
	    n == PKT_HDR_LEN && pkt_decode(rp, (size_t)n, &r) == PKT_OK &&
	        r.h.org_ts == h.xmt_ts && r.h.mode == PKT_MODE_SERVER,
	    "a valid query is still answered afterwards");
}

/* ---- ipid ---- */

/* The IPv4 header of the reply from p->to, seen on a packet socket. */
static int
ipid(struct probe *p)
{
	const struct sockaddr_in *to = (const void *)&p->to.sa;
	struct pkt_hdr h = { .version = 4, .mode = 3, .xmt_ts = 0x1234ULL };
	uint8_t rq[PKT_HDR_LEN], f[2048];
	struct pollfd pfd;
	int64_t end;
	int raw, found = 0;
	char what[160];

	if (to->sin_family != AF_INET) {
		fprintf(stderr, "ntpprobe: ipid needs an IPv4 address\n");
		return -1;
	}
	raw = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	if (raw < 0) {
		fprintf(stderr, "ntpprobe: packet socket: %s\n",
		    strerror(errno));
		return -1;
	}
	pkt_encode_hdr(&h, rq, sizeof(rq));
	udp_send(p->fd, rq, sizeof(rq), &p->to);
	pfd = (struct pollfd){ .fd = raw, .events = POLLIN };
	end = clk_mono_now() + 2000000000LL;
	while (!found && clk_mono_now() < end && poll(&pfd, 1, 200) >= 0) {
		ssize_t n = recv(raw, f, sizeof(f), MSG_DONTWAIT);
		size_t ihl;
		unsigned fo, id;

		if (n < 28 || (f[0] >> 4) != 4 || f[9] != IPPROTO_UDP)
			continue;
		ihl = (size_t)(f[0] & 15) * 4;
		if ((size_t)n < ihl + 8 ||
		    memcmp(f + 12, &to->sin_addr, 4) != 0 ||
		    memcmp(f + ihl, &to->sin_port, 2) != 0)
			continue; /* not from the server */
		found = 1;
		fo = (unsigned)f[6] << 8 | f[7];
		id = (unsigned)f[4] << 8 | f[5];
		snprintf(what, sizeof(what),
		    "the reply has DF set and IP ID 0 (flags/offset 0x%04x, "
		    "ID %u)",
		    fo, id);
		report(p, fo == 0x4000 && id == 0, what);
	}
	close(raw);
	if (!found)
		report(p, 0, "a reply was seen on the packet socket");
	return 0;
}

/* ---- grid ---- */

#define GRID_MAX_LEN 1100
#define GRID_VARIANTS 3 /* plain, extension fields, MAC */

static void
put_be16(uint8_t *b, unsigned v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* Fill b[48..len) for a variant: 0 random bytes, 1 extension fields
 * (one of the whole length when it is a multiple of 4), 2 a MAC at the
 * end (after an extension field when there is room for one). */
static void
grid_tail(uint8_t *b, size_t len, int variant, uint64_t *seed)
{
	size_t i, r = len - PKT_HDR_LEN, mac;

	for (i = PKT_HDR_LEN; i < len; i++)
		b[i] = (uint8_t)xs(seed);
	if (variant == 1 && r >= 16) {
		put_be16(b + PKT_HDR_LEN, 0x0104);
		put_be16(b + PKT_HDR_LEN + 2, (unsigned)(r & ~(size_t)3));
	}
	if (variant == 2 && r >= PKT_MAC_MD5_LEN) {
		mac = r % 4 == 0 && r != PKT_MAC_SHA1_LEN ? PKT_MAC_MD5_LEN
		                                          : PKT_MAC_SHA1_LEN;
		if (r >= mac && r - mac >= 16) {
			put_be16(b + PKT_HDR_LEN, 0x0204);
			put_be16(b + PKT_HDR_LEN + 2, (unsigned)(r - mac));
		}
		if (r >= mac) {
			b[len - mac] = 0;
			b[len - mac + 1] = 0;
			b[len - mac + 2] = 0;
			b[len - mac + 3] = 5; /* key id 5 */
		}
	}
}

static size_t
grid_dgram(long idx, uint64_t *seed, uint8_t *b, int *mode, int *version)
{
	size_t len = (size_t)(idx % (GRID_MAX_LEN + 1));
	long rest = idx / (GRID_MAX_LEN + 1);
	int variant = (int)(rest % GRID_VARIANTS);
	uint64_t tag = (uint64_t)idx + 1;
	size_t i;

	rest /= GRID_VARIANTS;
	*version = (int)(rest % 8);
	*mode = (int)(rest / 8);
	memset(b, 0, PKT_HDR_LEN);
	for (i = 0; i < len && i < PKT_HDR_LEN; i++)
		b[i] = (uint8_t)xs(seed);
	if (len > 0)
		b[0] = (uint8_t)(*version << 3 | *mode);
	if (len >= PKT_HDR_LEN) {
		for (i = 0; i < 8; i++)
			b[40 + i] = (uint8_t)(tag >> (56 - 8 * i));
		grid_tail(b, len, variant, seed);
	}
	return len;
}

static int
grid(struct probe *p)
{
	long total = 8L * 8 * GRID_VARIANTS * (GRID_MAX_LEN + 1), i;
	struct blast bl = { 0 };
	unsigned char *want;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	uint8_t b[GRID_MAX_LEN + 8];
	long missing = 0;
	char what[240];
	int mode, version;

	bl.lens = calloc((size_t)total, sizeof(*bl.lens));
	bl.replies = calloc((size_t)total, 1);
	want = calloc((size_t)total, 1);
	if (bl.lens == NULL || bl.replies == NULL || want == NULL) {
		free(bl.lens);
		free(bl.replies);
		free(want);
		return -1;
	}
	for (i = 0; i < total; i++) {
		size_t len = grid_dgram(i, &seed, b, &mode, &version);

		/* A bare 48-byte client or symmetric request of a version
		 * we serve must be answered: the grid is not all drops. */
		want[i] = len == PKT_HDR_LEN && version >= 1 && version <= 4 &&
		    (mode == 1 || mode == 3);
		bl.lens[i] = len;
		udp_send(p->fd, b, len, &p->to);
		bl.sent++;
		if (i % 32 == 31)
			drain_replies(p, &bl, i % 1024 == 1023 ? 5 : 0);
	}
	drain_replies(p, &bl, 500);
	for (i = 0; i < total; i++)
		missing += want[i] && !bl.replies[i];
	snprintf(what, sizeof(what),
	    "grid: %ld datagrams (modes 0-7, versions 0-7, lengths 0-%d, "
	    "plain/extension fields/MAC), %ld replies, none larger than its "
	    "request (%ld oversize)",
	    bl.sent, GRID_MAX_LEN, bl.got, bl.oversize);
	report(p, bl.oversize == 0 && bl.got > 0, what);
	snprintf(what, sizeof(what),
	    "grid: at most one datagram per request (%ld duplicates, "
	    "%ld unmatched)",
	    bl.dup, bl.unknown);
	report(p, bl.dup == 0 && bl.unknown == 0, what);
	snprintf(what, sizeof(what),
	    "grid: every bare mode 1/3 request of versions 1-4 answered "
	    "(%ld missing)",
	    missing);
	report(p, missing == 0, what);
	free(bl.lens);
	free(bl.replies);
	free(want);
	return 0;
}

/* ---- flood ---- */

static int
bound_socket(const char *src, const struct udp_peer *to)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd;

	if (to->sa.ss_family != AF_INET ||
	    inet_pton(AF_INET, src, &a.sin_addr) != 1)
		return -1;
	fd = udp_open_client(AF_INET);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static size_t
simple_request(uint8_t *b, uint64_t xmt)
{
	struct pkt_hdr h = { .version = 4, .mode = 3, .xmt_ts = xmt };

	return pkt_encode_hdr(&h, b, PKT_HDR_LEN);
}

/* Every load here is bounded in time and count. */
#define FLOOD_MAX_SECS 60
#define FLOOD_MAX_RATE 1000000
#define LOAD_MAX_SECS 60
#define LOAD_MAX_REQUESTS 20000000L

struct flood {
	long sent, answered, kod;
	long legit_sent, legit_answered;
	uint64_t legit_xmt;
	int64_t legit_at, legit_deadline;
	int legit_waiting;
};

/* Count whatever replies are waiting on fd (no wait). */
static void
flood_drain(int fd, struct flood *f)
{
	struct mmsghdr mh[32];
	struct iovec iov[32];
	uint8_t rb[32][64];
	int i, n;

	for (i = 0; i < 32; i++) {
		iov[i] = (struct iovec){ .iov_base = rb[i], .iov_len = 64 };
		mh[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i],
			                      .msg_iovlen = 1 } };
	}
	while ((n = recvmmsg(fd, mh, 32, MSG_DONTWAIT, NULL)) > 0) {
		f->answered += n;
		for (i = 0; i < n; i++)
			f->kod += mh[i].msg_len >= PKT_HDR_LEN &&
			    rb[i][1] == 0; /* stratum 0 */
	}
}

static void
flood_send(int fd, const struct udp_peer *to, struct flood *f, long n)
{
	struct mmsghdr mh[32];
	struct iovec iov[32];
	uint8_t b[32][PKT_HDR_LEN];
	int i, k, r;

	while (n > 0) {
		k = n > 32 ? 32 : (int)n;
		for (i = 0; i < k; i++) {
			simple_request(b[i], (uint64_t)(f->sent + i + 1));
			iov[i] = (struct iovec){ .iov_base = b[i],
				.iov_len = PKT_HDR_LEN };
			mh[i] = (struct mmsghdr){
				.msg_hdr = { .msg_name =
				                 (void *)(uintptr_t)&to->sa,
				    .msg_namelen = to->len,
				    .msg_iov = &iov[i],
				    .msg_iovlen = 1 }
			};
		}
		r = sendmmsg(fd, mh, (unsigned)k, 0);
		if (r <= 0)
			return;
		f->sent += r;
		n -= r;
	}
}

static void
legit_step(int fd, const struct udp_peer *to, struct flood *f, int64_t now)
{
	uint8_t b[MAX_DGRAM];
	struct pkt r;
	ssize_t n;

	while ((n = recv(fd, b, sizeof(b), MSG_DONTWAIT)) >= 0) {
		if (f->legit_waiting &&
		    pkt_decode(b, (size_t)n, &r) == PKT_OK &&
		    r.h.org_ts == f->legit_xmt && r.h.stratum != 0) {
			f->legit_answered++;
			f->legit_waiting = 0;
		}
	}
	if (f->legit_waiting && now > f->legit_deadline)
		f->legit_waiting = 0; /* lost */
	if (!f->legit_waiting && now >= f->legit_at) {
		f->legit_xmt = 0x4c45474954000000ULL + (uint64_t)f->legit_sent;
		simple_request(b, f->legit_xmt);
		if (udp_send(fd, b, PKT_HDR_LEN, to) == 0) {
			f->legit_sent++;
			f->legit_waiting = 1;
			f->legit_deadline = now + 1000000000LL;
		}
		f->legit_at = now + 100000000LL;
	}
}

static int
flood(struct probe *p, const char *fsrc, const char *lsrc, double secs,
    long rate)
{
	struct flood f = { 0 };
	int ffd = bound_socket(fsrc, &p->to), lfd = bound_socket(lsrc, &p->to);
	int64_t t0 = clk_mono_now(), now = t0, end = t0 + (int64_t)(secs * 1e9);
	long limit = (long)(secs * (double)rate), due;
	int bufsz = 1 << 20;

	if (secs <= 0 || secs > FLOOD_MAX_SECS || rate < 1 ||
	    rate > FLOOD_MAX_RATE) {
		fprintf(stderr, "ntpprobe: flood of at most %d s at %d/s\n",
		    FLOOD_MAX_SECS, FLOOD_MAX_RATE);
		return -1;
	}
	if (ffd < 0 || lfd < 0) {
		fprintf(stderr, "ntpprobe: cannot bind %s or %s\n", fsrc, lsrc);
		return -1;
	}
	(void)setsockopt(ffd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	while (now < end || f.legit_waiting) {
		due = (long)((double)(now - t0) * 1e-9 * (double)rate);
		if (due > limit)
			due = limit;
		if (now < end && due > f.sent)
			flood_send(ffd, &p->to, &f, due - f.sent);
		flood_drain(ffd, &f);
		if (now < end || f.legit_waiting)
			legit_step(lfd, &p->to, &f, now);
		now = clk_mono_now();
		if (now > end + 3000000000LL)
			break; /* bounded whatever happens */
	}
	usleep(200000);
	flood_drain(ffd, &f);
	printf("flood_sent=%ld flood_seconds=%.2f flood_answered=%ld "
	       "flood_kod=%ld legit_sent=%ld legit_answered=%ld\n",
	    f.sent, (double)(now - t0) * 1e-9, f.answered, f.kod, f.legit_sent,
	    f.legit_answered);
	close(ffd);
	close(lfd);
	return 0;
}

/* ---- load ---- */

#define LOAD_MAX_SOCKS 64
#define LOAD_MAX_WINDOW 16

struct load_slot {
	uint64_t xmt;    /* 0: free */
	int64_t sent_ns; /* CLOCK_REALTIME at send */
};

struct load {
	long sent, answered, bad_origin, rec_after_xmt, outside, timeouts;
};

static void
load_send(int fd, const struct udp_peer *to, struct load_slot *sl,
    uint64_t *seed, struct load *l)
{
	uint8_t b[PKT_HDR_LEN];

	sl->xmt = xs(seed) | 1;
	simple_request(b, sl->xmt);
	sl->sent_ns = clk_real_now();
	if (udp_send(fd, b, PKT_HDR_LEN, to) == 0)
		l->sent++;
}

/* One reply on socket k: match its origin, check its timestamps. */
static void
load_reply(struct load_slot *w, int window, const uint8_t *b, ssize_t n,
    int64_t now, struct load *l, int *slot)
{
	int64_t rec, xmt, slack = 2000; /* ns: wire rounding */
	struct pkt r;
	int j;

	*slot = -1;
	if (pkt_decode(b, (size_t)n, &r) != PKT_OK) {
		l->bad_origin++;
		return;
	}
	for (j = 0; j < window; j++)
		if (w[j].xmt != 0 && w[j].xmt == r.h.org_ts)
			break;
	if (j == window) {
		l->bad_origin++;
		return;
	}
	l->answered++;
	rec = ts_from_ntp64(r.h.rec_ts);
	xmt = ts_from_ntp64(r.h.xmt_ts);
	if (rec > xmt)
		l->rec_after_xmt++;
	if (rec + slack < w[j].sent_ns || xmt > now + slack)
		l->outside++;
	*slot = j;
}

static int
load(struct probe *p, double secs, int nsock, int window)
{
	static struct load_slot w[LOAD_MAX_SOCKS][LOAD_MAX_WINDOW];
	struct pollfd pfd[LOAD_MAX_SOCKS];
	uint64_t seed = (uint64_t)clk_real_now() | 1;
	int64_t end = clk_mono_now() + (int64_t)(secs * 1e9), now;
	struct load l = { 0 };
	uint8_t b[MAX_DGRAM];
	char what[200];
	int k, j, slot;
	ssize_t n;

	for (k = 0; k < nsock; k++) {
		pfd[k] = (struct pollfd){ .fd = udp_open_client(AF_INET),
			.events = POLLIN };
		for (j = 0; j < window; j++)
			load_send(pfd[k].fd, &p->to, &w[k][j], &seed, &l);
	}
	if (secs <= 0 || secs > LOAD_MAX_SECS)
		return -1;
	while (clk_mono_now() < end && l.sent < LOAD_MAX_REQUESTS) {
		if (poll(pfd, (nfds_t)nsock, 200) == 0) {
			/* everything lost: refill the windows */
			l.timeouts++;
			for (k = 0; k < nsock; k++)
				for (j = 0; j < window; j++)
					load_send(pfd[k].fd, &p->to, &w[k][j],
					    &seed, &l);
			continue;
		}
		for (k = 0; k < nsock; k++) {
			if (!(pfd[k].revents & POLLIN))
				continue;
			while ((n = recv(pfd[k].fd, b, sizeof(b),
			            MSG_DONTWAIT)) >= 0) {
				now = clk_real_now();
				load_reply(w[k], window, b, n, now, &l, &slot);
				if (slot >= 0)
					load_send(pfd[k].fd, &p->to,
					    &w[k][slot], &seed, &l);
			}
		}
	}
	snprintf(what, sizeof(what),
	    "load: %ld requests in %.0f s over %d sockets x %d in flight, "
	    "%ld answered, every reply carries an outstanding origin "
	    "(%ld bad)",
	    l.sent, secs, nsock, window, l.answered, l.bad_origin);
	report(p, l.answered > 1000 && l.bad_origin == 0, what);
	snprintf(what, sizeof(what),
	    "load: receive <= transmit in every reply (%ld not), both "
	    "inside the round trip (%ld not)",
	    l.rec_after_xmt, l.outside);
	report(p, l.rec_after_xmt == 0 && l.outside == 0, what);
	for (k = 0; k < nsock; k++)
		close(pfd[k].fd);
	return 0;
}

int
main(int argc, char **argv)
{
	struct probe p;

	if (argc == 5 && strcmp(argv[1], "w32time") == 0) {
		if (setup(&p, argv[2], argv[3]) != 0)
			return 2;
		w32_one(&p, PKT_MODE_CLIENT, atoi(argv[4]));
		w32_one(&p, PKT_MODE_SYM_ACTIVE, atoi(argv[4]));
		return p.failed;
	}
	if (argc == 6 && strcmp(argv[1], "blast") == 0) {
		if (setup(&p, argv[2], argv[3]) != 0)
			return 2;
		if (blast(&p, atol(argv[4]), strtoull(argv[5], NULL, 0)) != 0)
			return 2;
		still_answers(&p);
		return p.failed;
	}
	if (argc == 4 && strcmp(argv[1], "grid") == 0) {
		if (setup(&p, argv[2], argv[3]) != 0 || grid(&p) != 0)
			return 2;
		return p.failed;
	}
	if (argc == 4 && strcmp(argv[1], "ipid") == 0) {
		if (setup(&p, argv[2], argv[3]) != 0 || ipid(&p) != 0)
			return 2;
		return p.failed;
	}
	if (argc == 8 && strcmp(argv[1], "flood") == 0) {
		if (setup(&p, argv[2], argv[3]) != 0 ||
		    flood(&p, argv[4], argv[5], strtod(argv[6], NULL),
		        strtol(argv[7], NULL, 10)) != 0)
			return 2;
		return 0;
	}
	if (argc == 7 && strcmp(argv[1], "load") == 0) {
		int ns = (int)strtol(argv[5], NULL, 10);
		int win = (int)strtol(argv[6], NULL, 10);

		if (ns < 1 || ns > LOAD_MAX_SOCKS || win < 1 ||
		    win > LOAD_MAX_WINDOW || setup(&p, argv[2], argv[3]) != 0 ||
		    load(&p, strtod(argv[4], NULL), ns, win) != 0)
			return 2;
		return p.failed;
	}
	fprintf(stderr,
	    "usage: ntpprobe w32time ADDR PORT STRATUM\n"
	    "       ntpprobe blast ADDR PORT COUNT SEED\n"
	    "       ntpprobe grid ADDR PORT\n"
	    "       ntpprobe ipid ADDR PORT\n"
	    "       ntpprobe flood ADDR PORT FLOOD_SRC LEGIT_SRC SECONDS "
	    "RATE\n"
	    "       ntpprobe load ADDR PORT SECONDS SOCKETS WINDOW\n");
	return 2;
}

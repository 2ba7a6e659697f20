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
 *
 * Prints "ok - ..." / "not ok - ..." lines; exits 1 if any check failed.
 */
#include <arpa/inet.h>
#include <errno.h>
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
	fprintf(stderr,
	    "usage: ntpprobe w32time ADDR PORT STRATUM\n"
	    "       ntpprobe blast ADDR PORT COUNT SEED\n");
	return 2;
}

// SPDX-License-Identifier: ISC
/*
 * loadgen: NTP load generator for bench/compare (a benchmark, not a test:
 * it prints, it does not judge).
 *
 *   loadgen -s ADDR [-p PORT] [-d SECONDS] [-n MAX] [-c SOCKETS]
 *           [-w WINDOW] [-r RATE] [-a NADDR] [-t TIMEOUT_MS]
 *
 * Many simulated clients: SOCKETS sockets, each on its own source port,
 * bound round-robin to NADDR source addresses 127.0.0.1, 127.0.0.2, ...
 * (IPv4 loopback only; refuses any other destination).  Closed loop
 * (default): WINDOW requests in flight per socket, a reply or a timeout
 * frees the slot.  Open loop (-r RATE): RATE requests/s spread over the
 * sockets whatever comes back.  Sends and receives are batched
 * (sendmmsg/recvmmsg of up to 32).  Each request carries a random
 * transmit timestamp whose low bits name its slot, and a reply counts
 * only when its origin matches an outstanding request exactly.
 *
 * Bounded: at most -d seconds (default 5, at most 600) and -n requests
 * (default 10^8).  Output: one human-readable block, then one line
 * "loadgen: key=value ..." for scripts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LG_BATCH 32
#define LG_MAX_SOCKS 1024
#define LG_MAX_WINDOW 64
#define LG_SLOT_BITS 6 /* log2 LG_MAX_WINDOW */
#define LG_HDR 48
#define NTP_UNIX_OFFSET 2208988800ULL

/* Histogram: 10 ns buckets to 100 us, then 1 us buckets to 100 ms. */
#define H_FINE 10000
#define H_COARSE 100000
struct hist {
	uint64_t fine[H_FINE];
	uint64_t coarse[H_COARSE];
	uint64_t over, n;
};

struct slot {
	uint64_t xmt; /* 0: free */
	int64_t sent_ns;
};

struct sock {
	int fd;
	struct slot slot[LG_MAX_WINDOW];
	int inflight;
};

struct lg {
	struct sockaddr_in to;
	double secs;
	long max;
	int nsock, window, naddr, timeout_ms;
	double rate;
	struct sock *s;
	uint64_t rng;
	long sent, answered, kod, lost, unmatched, send_err;
	struct hist srv, rtt;
};

static int64_t
mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static uint64_t
rnd(struct lg *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return g->rng;
}

static void
hist_add(struct hist *h, int64_t ns)
{
	h->n++;
	if (ns < 0)
		ns = 0;
	if (ns < H_FINE * 10)
		h->fine[ns / 10]++;
	else if (ns / 1000 < H_COARSE)
		h->coarse[ns / 1000]++;
	else
		h->over++;
}

/* The q-quantile in ns (-1 without samples). */
static double
hist_q(const struct hist *h, double q)
{
	uint64_t want = (uint64_t)(q * (double)h->n), acc = 0;
	int i;

	if (h->n == 0)
		return -1;
	for (i = 0; i < H_FINE; i++)
		if ((acc += h->fine[i]) > want)
			return i * 10.0 + 5;
	for (i = 0; i < H_COARSE; i++)
		if ((acc += h->coarse[i]) > want)
			return i * 1000.0 + 500;
	return 1e8;
}

static uint64_t
get64(const uint8_t *b)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static void
put64(uint8_t *b, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

/* NTP timestamp difference b - a in ns (within one era). */
static int64_t
ntp_diff_ns(uint64_t a, uint64_t b)
{
	int64_t d = (int64_t)(b - a);

	return (int64_t)((double)d * 1e9 / 4294967296.0);
}

static void
request(struct lg *g, int si, int slot, uint8_t *b)
{
	uint64_t x = (rnd(g) << LG_SLOT_BITS) | (uint64_t)slot;

	memset(b, 0, LG_HDR);
	b[0] = 0x23; /* v4, mode 3 */
	if (x == 0)
		x = 1ULL << LG_SLOT_BITS;
	put64(b + 40, x);
	g->s[si].slot[slot].xmt = x;
	g->s[si].slot[slot].sent_ns = mono_ns();
	g->s[si].inflight++;
}

/* Send up to n requests on socket si into free slots. */
static void
send_some(struct lg *g, int si, int n)
{
	uint8_t b[LG_BATCH][LG_HDR];
	struct mmsghdr mh[LG_BATCH];
	struct iovec iov[LG_BATCH];
	struct sock *s = &g->s[si];
	int k = 0, j, r, slot[LG_BATCH];

	for (j = 0; j < g->window && k < n && k < LG_BATCH; j++) {
		if (s->slot[j].xmt != 0)
			continue;
		if (g->sent + k >= g->max)
			break;
		request(g, si, j, b[k]);
		slot[k] = j;
		iov[k] = (struct iovec){ .iov_base = b[k], .iov_len = LG_HDR };
		mh[k] = (struct mmsghdr){ .msg_hdr = { .msg_name = &g->to,
			                      .msg_namelen = sizeof(g->to),
			                      .msg_iov = &iov[k],
			                      .msg_iovlen = 1 } };
		k++;
	}
	if (k == 0)
		return;
	r = sendmmsg(s->fd, mh, (unsigned)k, 0);
	if (r < 0)
		r = 0;
	g->sent += r;
	for (j = r; j < k; j++) { /* not sent: free the slot again */
		s->slot[slot[j]].xmt = 0;
		s->inflight--;
		g->send_err++;
	}
}

static void
on_reply(struct lg *g, struct sock *s, const uint8_t *b, size_t len,
    int64_t now)
{
	uint64_t org;
	int slot;

	if (len < LG_HDR) {
		g->unmatched++;
		return;
	}
	org = get64(b + 24);
	slot = (int)(org & (LG_MAX_WINDOW - 1));
	if (slot >= g->window || s->slot[slot].xmt != org || org == 0) {
		g->unmatched++;
		return;
	}
	g->answered++;
	if (b[1] == 0)
		g->kod++;
	else
		hist_add(&g->srv, ntp_diff_ns(get64(b + 32), get64(b + 40)));
	hist_add(&g->rtt, now - s->slot[slot].sent_ns);
	s->slot[slot].xmt = 0;
	s->inflight--;
}

static void
recv_all(struct lg *g, int si)
{
	uint8_t b[LG_BATCH][128];
	struct mmsghdr mh[LG_BATCH];
	struct iovec iov[LG_BATCH];
	int64_t now;
	int i, n;

	for (;;) {
		for (i = 0; i < LG_BATCH; i++) {
			iov[i] = (struct iovec){ .iov_base = b[i],
				.iov_len = sizeof(b[i]) };
			mh[i] =
			    (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i],
				                  .msg_iovlen = 1 } };
		}
		n = recvmmsg(g->s[si].fd, mh, LG_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		now = mono_ns();
		for (i = 0; i < n; i++)
			on_reply(g, &g->s[si], b[i], mh[i].msg_len, now);
	}
}

/* Requests older than the timeout are lost; their slots are freed. */
static void
expire(struct lg *g, int si, int64_t now)
{
	struct sock *s = &g->s[si];
	int64_t limit = (int64_t)g->timeout_ms * 1000000;
	int j;

	for (j = 0; j < g->window; j++) {
		if (s->slot[j].xmt != 0 && now - s->slot[j].sent_ns > limit) {
			s->slot[j].xmt = 0;
			s->inflight--;
			g->lost++;
		}
	}
}

static int
open_socks(struct lg *g)
{
	struct sockaddr_in src = { .sin_family = AF_INET };
	int i, buf = 1 << 21;

	g->s = calloc((size_t)g->nsock, sizeof(*g->s));
	if (g->s == NULL)
		return -1;
	for (i = 0; i < g->nsock; i++) {
		g->s[i].fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (g->s[i].fd < 0)
			return -1;
		(void)setsockopt(g->s[i].fd, SOL_SOCKET, SO_RCVBUF, &buf,
		    sizeof(buf));
		src.sin_addr.s_addr =
		    htonl(0x7f000001u + (uint32_t)(i % g->naddr));
		if (bind(g->s[i].fd, (struct sockaddr *)&src, sizeof(src)) != 0)
			return -1;
	}
	return 0;
}

static void
run_closed(struct lg *g, int64_t end)
{
	struct pollfd *pfd = calloc((size_t)g->nsock, sizeof(*pfd));
	int64_t now = mono_ns(), next_expire = now;
	int i;

	if (pfd == NULL)
		return;
	for (i = 0; i < g->nsock; i++) {
		pfd[i] = (struct pollfd){ .fd = g->s[i].fd, .events = POLLIN };
		send_some(g, i, g->window);
	}
	while ((now = mono_ns()) < end && g->sent < g->max) {
		if (poll(pfd, (nfds_t)g->nsock, 10) < 0 && errno != EINTR)
			break;
		for (i = 0; i < g->nsock; i++) {
			if (pfd[i].revents & POLLIN)
				recv_all(g, i);
		}
		if (now >= next_expire) {
			for (i = 0; i < g->nsock; i++)
				expire(g, i, now);
			next_expire = now + g->timeout_ms * 1000000LL / 4;
		}
		for (i = 0; i < g->nsock; i++)
			if (g->s[i].inflight < g->window)
				send_some(g, i, g->window - g->s[i].inflight);
	}
	free(pfd);
}

static void
run_open(struct lg *g, int64_t t0, int64_t end)
{
	int64_t now;
	long due;
	int i;

	while ((now = mono_ns()) < end && g->sent < g->max) {
		due = (long)((double)(now - t0) * 1e-9 * g->rate);
		/* One pass over the sockets per turn: a generator that
		 * cannot keep up falls behind, it never stops receiving. */
		for (i = 0; i < g->nsock && g->sent < due && g->sent < g->max;
		     i++)
			send_some(g, i, (int)(due - g->sent));
		for (i = 0; i < g->nsock; i++) {
			recv_all(g, i);
			expire(g, i, now);
		}
	}
}

static void
report(struct lg *g, double secs)
{
	double ok = g->sent ? 100.0 * (double)g->answered / (double)g->sent : 0;

	printf("sent %ld, answered %ld (%.2f %%), %.0f answered/s, lost %ld, "
	       "KoD %ld, unmatched %ld, send errors %ld, %.2f s\n",
	    g->sent, g->answered, ok, (double)g->answered / secs, g->lost,
	    g->kod, g->unmatched, g->send_err, secs);
	printf("server transmit - receive: p50 %.0f ns, p99 %.0f ns, "
	       "p99.9 %.0f ns\n",
	    hist_q(&g->srv, 0.5), hist_q(&g->srv, 0.99),
	    hist_q(&g->srv, 0.999));
	printf("round trip: p50 %.1f us, p99 %.1f us\n",
	    hist_q(&g->rtt, 0.5) / 1e3, hist_q(&g->rtt, 0.99) / 1e3);
	printf("loadgen: sent=%ld answered=%ld answered_pct=%.3f rate=%.0f "
	       "lost=%ld kod=%ld unmatched=%ld srv_p50_ns=%.0f srv_p99_ns=%.0f "
	       "rtt_p50_us=%.1f rtt_p99_us=%.1f secs=%.3f\n",
	    g->sent, g->answered, ok, (double)g->answered / secs, g->lost,
	    g->kod, g->unmatched, hist_q(&g->srv, 0.5), hist_q(&g->srv, 0.99),
	    hist_q(&g->rtt, 0.5) / 1e3, hist_q(&g->rtt, 0.99) / 1e3, secs);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen -s ADDR [-p PORT] [-d SECONDS] [-n MAX] "
	    "[-c SOCKETS] [-w WINDOW] [-r RATE] [-a NADDR] [-t TIMEOUT_MS]\n");
}

static int
parse(struct lg *g, int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "s:p:d:n:c:w:r:a:t:")) != -1) {
		switch (c) {
		case 's':
			if (inet_pton(AF_INET, optarg, &g->to.sin_addr) != 1)
				return -1;
			break;
		case 'p':
			g->to.sin_port =
			    htons((uint16_t)strtoul(optarg, NULL, 10));
			break;
		case 'd':
			g->secs = strtod(optarg, NULL);
			break;
		case 'n':
			g->max = strtol(optarg, NULL, 10);
			break;
		case 'c':
			g->nsock = (int)strtol(optarg, NULL, 10);
			break;
		case 'w':
			g->window = (int)strtol(optarg, NULL, 10);
			break;
		case 'r':
			g->rate = strtod(optarg, NULL);
			break;
		case 'a':
			g->naddr = (int)strtol(optarg, NULL, 10);
			break;
		case 't':
			g->timeout_ms = (int)strtol(optarg, NULL, 10);
			break;
		default:
			return -1;
		}
	}
	/* Loopback only, bounded in time and count. */
	if ((ntohl(g->to.sin_addr.s_addr) >> 24) != 127 || g->secs <= 0 ||
	    g->secs > 600 || g->max <= 0 || g->max > 1000000000L ||
	    g->nsock < 1 || g->nsock > LG_MAX_SOCKS || g->window < 1 ||
	    g->window > LG_MAX_WINDOW || g->naddr < 1 || g->naddr > 250 ||
	    g->timeout_ms < 1 || g->rate < 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	static struct lg g;
	int64_t t0, end;

	g.to.sin_family = AF_INET;
	g.to.sin_port = htons(123);
	g.secs = 5;
	g.max = 100000000L;
	g.nsock = 16;
	g.window = 4;
	g.naddr = 1;
	g.timeout_ms = 200;
	g.rng = (uint64_t)mono_ns() * 0x9e3779b97f4a7c15ULL | 1;
	if (parse(&g, argc, argv) != 0 || g.to.sin_addr.s_addr == 0) {
		usage();
		return 2;
	}
	if (open_socks(&g) != 0) {
		perror("loadgen: socket");
		return 1;
	}
	t0 = mono_ns();
	end = t0 + (int64_t)(g.secs * 1e9);
	if (g.rate > 0)
		run_open(&g, t0, end);
	else
		run_closed(&g, end);
	/* the last replies: a short grace period, then everything
	 * outstanding is lost */
	usleep(50000);
	for (int i = 0; i < g.nsock; i++) {
		recv_all(&g, i);
		g.lost += g.s[i].inflight;
	}
	report(&g, (double)(mono_ns() - t0) * 1e-9);
	return 0;
}

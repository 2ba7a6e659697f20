// SPDX-License-Identifier: ISC
/* query: concurrent request/reply loop over all target addresses. */
#include "cli/query.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "core/ts.h"
#include "os/clk.h"
#include "os/rnd.h"

void
qry_target_init(struct qry_target *t, const char *host,
    const struct udp_peer *addr)
{
	memset(t, 0, sizeof(*t));
	t->host = host;
	t->addr = *addr;
	t->fd = -1;
	t->best = -1;
	t->last_reject = EXCH_OK;
	udp_addr_str((const struct sockaddr *)&addr->sa, t->addr_str,
	    sizeof(t->addr_str));
}

static int64_t
secs_ns(double s)
{
	return ts_from_s(s);
}

static void
close_fd(struct qry_target *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

/* Either the next request is due, or the target is finished. */
static void
next_or_done(struct qry_target *t, const struct qry_opts *o, int64_t at)
{
	close_fd(t);
	if (t->sent >= o->count || t->kiss[0] != '\0') {
		t->state = QRY_DONE;
		return;
	}
	t->state = QRY_IDLE;
	t->next_mono_ns = at;
}

static int
send_request(struct qry_target *t, const struct qry_opts *o, int64_t now)
{
	struct pkt_hdr h = { .leap = PKT_LEAP_UNSYNC,
		.version = 4,
		.mode = PKT_MODE_CLIENT,
		.poll = 6,
		.precision = -20 };
	uint8_t buf[PKT_HDR_LEN];

	t->fd = udp_open_client(t->addr.sa.ss_family);
	if (t->fd < 0 || rnd_u64(&t->sent_xmt) != 0)
		return -1;
	h.xmt_ts = t->sent_xmt;
	pkt_encode_hdr(&h, buf, sizeof(buf));
	t->sent++;
	t->state = QRY_WAITING;
	t->deadline_mono_ns = now + secs_ns(o->timeout_s);
	t->t1_ns = clk_real_now();
	if (udp_send(t->fd, buf, sizeof(buf), &t->addr) != 0) {
		/* Unreachable right now: count as a timeout at once. */
		t->timeouts++;
		next_or_done(t, o, now + secs_ns(o->interval_s));
	}
	return 0;
}

static int
same_peer(const struct udp_peer *a, const struct udp_peer *b)
{
	return a->len == b->len && memcmp(&a->sa, &b->sa, a->len) == 0;
}

static void
take_sample(struct qry_target *t, const struct exch_sample *s)
{
	if (t->n_samples >= QRY_MAX_COUNT)
		return;
	t->samples[t->n_samples] = *s;
	if (t->best < 0 || s->delay_ns < t->samples[t->best].delay_ns)
		t->best = t->n_samples;
	t->n_samples++;
}

/* One datagram on the target's socket.  Replies that fail the origin or
 * mode checks are ignored and the request stays outstanding (RFC 5905
 * section 8 bogus/duplicate handling). */
static void
on_readable(struct qry_target *t, const struct qry_opts *o, int prec)
{
	uint8_t buf[1024];
	struct udp_peer from;
	struct exch_sample s;
	enum exch_verdict v;
	int64_t t4;
	ssize_t n;
	int trunc;

	n = udp_recv(t->fd, buf, sizeof(buf), &from, &t4, &trunc);
	if (n < 0)
		return;
	if (!same_peer(&from, &t->addr) || trunc) {
		t->bogus++;
		return;
	}
	v = exch_check(buf, (size_t)n, t->sent_xmt, t->t1_ns, t4,
	    PKT_MODE_SERVER, prec, &s);
	if (v == EXCH_SHORT || v == EXCH_BAD_MODE || v == EXCH_BAD_ORIGIN) {
		t->bogus++;
		return;
	}
	if (v == EXCH_OK)
		take_sample(t, &s);
	else
		t->last_reject = v;
	if (v == EXCH_KOD)
		memcpy(t->kiss, s.kiss, sizeof(t->kiss));
	next_or_done(t, o, clk_mono_now() + secs_ns(o->interval_s));
}

static int
step_target(struct qry_target *t, const struct qry_opts *o, int64_t now)
{
	if (t->state == QRY_IDLE && now >= t->next_mono_ns)
		return send_request(t, o, now);
	if (t->state == QRY_WAITING && now >= t->deadline_mono_ns) {
		t->timeouts++;
		next_or_done(t, o, now);
	}
	return 0;
}

static int
wait_ms(const struct qry_target *t, size_t n, int64_t now)
{
	int64_t soonest = now + 1000000000LL, at;
	size_t i;

	for (i = 0; i < n; i++) {
		if (t[i].state == QRY_DONE)
			continue;
		at = t[i].state == QRY_IDLE ? t[i].next_mono_ns
		                            : t[i].deadline_mono_ns;
		if (at < soonest)
			soonest = at;
	}
	return soonest <= now ? 0 : (int)((soonest - now) / 1000000 + 1);
}

int
qry_run(struct qry_target *t, size_t n, const struct qry_opts *o)
{
	struct pollfd pfd[QRY_MAX_TARGETS];
	int prec = clk_precision_log2(), busy = 1;
	size_t i;

	if (n > QRY_MAX_TARGETS) {
		errno = E2BIG;
		return -1;
	}
	for (i = 0; i < n; i++)
		t[i].next_mono_ns = clk_mono_now();
	while (busy) {
		int64_t now = clk_mono_now();

		busy = 0;
		for (i = 0; i < n; i++) {
			if (step_target(&t[i], o, now) != 0)
				return -1;
			busy |= t[i].state != QRY_DONE;
			pfd[i] = (struct pollfd){
				.fd = t[i].state == QRY_WAITING ? t[i].fd : -1,
				.events = POLLIN
			};
		}
		if (!busy)
			break;
		if (poll(pfd, (nfds_t)n, wait_ms(t, n, now)) < 0 &&
		    errno != EINTR)
			return -1;
		for (i = 0; i < n; i++)
			if (pfd[i].fd >= 0 && (pfd[i].revents & POLLIN))
				on_readable(&t[i], o, prec);
	}
	return 0;
}

int64_t
qry_jitter(const struct qry_target *t)
{
	double sum = 0;
	int i, k = 0;

	if (t->best < 0)
		return 0;
	for (i = 0; i < t->n_samples; i++) {
		double d;

		if (i == t->best)
			continue;
		d = (double)(t->samples[i].offset_ns -
		    t->samples[t->best].offset_ns);
		sum += d * d;
		k++;
	}
	return k ? (int64_t)sqrt(sum / k) : 0;
}

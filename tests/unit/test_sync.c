// SPDX-License-Identifier: ISC
/* Tests for core/sync: requests, polling, reach, replies, KoD, and the
 * whole loop against fake servers built from core/srv. */
#include "core/sync.h"

#include <string.h>

#include "core/pkt.h"
#include "core/srv.h"
#include "core/ts.h"
#include "t.h"

#define S TS_NS_PER_S
#define MS 1000000LL
#define US 1000LL
#define MONO0 (1000 * S)        /* monotonic time at the start */
#define CLK0 (1795000000LL * S) /* clock time at mono 0: 2026-11-18 */
/* 2026-11-29T23:00:00Z at MONO0: an hour before November's last day */
#define CLK_EVE (1795993200LL * S - MONO0)
#define OWD (500 * US) /* one-way path delay */
#define NSRV 3

/* A fake server: its clock runs off_ns ahead of true time. */
struct fake {
	struct srv_sys sys;
	int64_t off_ns;
	int mute; /* drop requests */
};

/* The world: true time is clk0 + mono; the local clock reads that plus
 * the corrections the discipline says it has made. */
struct world {
	struct sync s;
	struct fake srv[NSRV];
	int64_t clk0; /* clock time at mono 0 */
	uint64_t rng;
	int64_t now; /* mono */
	/* events counted by [src + 1][event] */
	int ev[NSRV + 1][SYNC_EV_RERESOLVE + 1]; /* the last event */
	int n_send[NSRV], n_clock, n_leap;
	int64_t leap_value, send_mono[NSRV][32];
	int done_after_clock;
	unsigned peers_seen; /* bit i: source i was the system peer */
	int64_t ignore_ppb;  /* != 0: the clock ignores commands, runs off */
};

static const struct sync_src_cfg plain = { 0, 6, 10, 4, 0xC0000201u, 0, 0 };
static const struct sync_src_cfg ib = { SYNC_IBURST, 6, 10, 4, 0xC0000201u, 0,
	0 };

static void
world_init(struct world *w, int quit)
{
	struct sync_cfg cfg = { .sel = { 3, 10, 1 },
		.disc = { 128 * MS, 1000 * S, 300 * S, 0, 6, 10 },
		.precision = -20,
		.quit_after_set = quit };
	int i;

	memset(w, 0, sizeof(*w));
	w->rng = t_stats.seed ^ 0x9E3779B97F4A7C15ULL;
	w->now = MONO0;
	w->clk0 = CLK0;
	sync_init(&w->s, &cfg, t_rand(&w->rng), CLK0 + MONO0);
	for (i = 0; i < NSRV; i++)
		w->srv[i].sys = (struct srv_sys){ .leap = PKT_LEAP_NONE,
			.stratum = 1,
			.precision = -20,
			.refid = pkt_refid_str("GPS"),
			.root_disp_ns = 100 * US };
}

static int64_t
clock_at(const struct world *w, int64_t mono)
{
	if (w->ignore_ppb != 0)
		return w->clk0 + mono + w->ignore_ppb * (mono / S) / 1000000000;
	return w->clk0 + mono + disc_correction_at(&w->s.disc, mono);
}

static void
record(struct world *w, const struct sync_act *a, size_t n)
{
	size_t i;
	int clk = 0;

	for (i = 0; i < n; i++) {
		if (a[i].kind == SYNC_ACT_EVENT)
			w->ev[a[i].src + 1][a[i].ev]++;
		if (a[i].kind == SYNC_ACT_CLOCK) {
			w->n_clock++;
			clk = 1;
		}
		if (a[i].kind == SYNC_ACT_LEAP) {
			w->n_leap++;
			w->leap_value = a[i].value_ns;
		}
		if (a[i].kind == SYNC_ACT_EVENT && a[i].ev == SYNC_EV_DONE)
			w->done_after_clock = clk;
	}
}

/* Server i's answer to request a sent at mono m; 0 when it drops it. */
static size_t
serve(const struct world *w, int i, const struct sync_act *a, int64_t m,
    uint8_t *rp)
{
	int64_t rx = w->clk0 + m + OWD + w->srv[i].off_ns;
	size_t n = 0;

	if (srv_respond(&w->srv[i].sys, a->pkt, a->len, rx, rp, PKT_HDR_LEN,
	        &n) != SRV_REPLY)
		return 0;
	srv_finish(rp, rx + 20 * US);
	return n;
}

/* Hand a reply to sync as arriving at mono m. */
static size_t
deliver(struct world *w, int i, const uint8_t *rp, size_t n, int64_t m)
{
	struct sync_act act[SYNC_MAX_ACTS];
	size_t k;

	k = sync_on_reply(&w->s, i, rp, n, clock_at(w, m), m, act,
	    SYNC_MAX_ACTS);
	record(w, act, k);
	if (w->s.sys.peer >= 0)
		w->peers_seen |= 1u << w->s.sys.peer;
	return k;
}

/* Fire the next timer; answer the requests of servers that are not
 * mute.  Returns the actions of the timer itself in act. */
static size_t
tick(struct world *w, struct sync_act *act)
{
	uint8_t rp[PKT_HDR_LEN];
	size_t i, k, n;
	int src;

	w->now = sync_next_timer(&w->s);
	k = sync_on_timer(&w->s, w->now, clock_at(w, w->now), t_rand(&w->rng),
	    act, SYNC_MAX_ACTS);
	record(w, act, k);
	for (i = 0; i < k; i++) {
		if (act[i].kind != SYNC_ACT_SEND)
			continue;
		src = act[i].src;
		if (w->n_send[src] < 32)
			w->send_mono[src][w->n_send[src]] = w->now;
		w->n_send[src]++;
		if (w->srv[src].mute ||
		    (n = serve(w, src, &act[i], w->now, rp)) == 0)
			continue;
		deliver(w, src, rp, n, w->now + 2 * OWD + 20 * US);
	}
	return k;
}

static void
run(struct world *w, int64_t until_mono)
{
	struct sync_act act[SYNC_MAX_ACTS];

	while (sync_next_timer(&w->s) <= until_mono)
		tick(w, act);
}

/* The first SEND among the actions, or NULL. */
static const struct sync_act *
first_send(const struct sync_act *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i].kind == SYNC_ACT_SEND)
			return &a[i];
	return NULL;
}

static uint64_t
xmt_of(const struct sync_act *a)
{
	uint64_t v = 0;
	int i;

	for (i = 40; i < 48; i++)
		v = v << 8 | a->pkt[i];
	return v;
}

/* (a) Data-minimized requests: only version, mode, poll and a random
 * non-zero transmit value, which the reply must echo. */
static void
request_shape(void)
{
	struct world w;
	struct sync_act act[SYNC_MAX_ACTS];
	const struct sync_act *a;
	struct sync_src_cfg v3 = plain;
	size_t n;
	int i, zero = 1;

	world_init(&w, 0);
	v3.version = 3;
	sync_add(&w.s, &v3, MONO0);
	w.srv[0].mute = 1;
	n = tick(&w, act);
	a = first_send(act, n);
	T_CHECK(a != NULL);
	if (a == NULL)
		return;
	T_EQ(a->src, 0);
	T_EQ(a->len, PKT_HDR_LEN);
	T_EQ(a->pkt[0], 0 << 6 | 3 << 3 | PKT_MODE_CLIENT);
	T_EQ(a->pkt[1], 0);
	T_EQ(a->pkt[2], 6); /* poll = minpoll */
	for (i = 3; i < 40; i++)
		zero &= a->pkt[i] == 0;
	T_CHECK(zero);
	T_CHECK(xmt_of(a) != 0);
	T_CHECK(xmt_of(a) == w.s.src[0].xmt_sent);
	/* Version 4 unless configured otherwise (0 = default). */
	v3.version = 0;
	sync_remove(&w.s, 0, w.now);
	sync_add(&w.s, &v3, w.now);
	n = tick(&w, act);
	a = first_send(act, n);
	T_CHECK(a != NULL && a->pkt[0] == (4 << 3 | PKT_MODE_CLIENT));
}

/* A fresh transmit value for every request, also within one call. */
static void
fresh_xmt(void)
{
	struct world w;
	struct sync_act act[SYNC_MAX_ACTS];
	uint64_t seen[24], first;
	size_t i, k;
	int n = 0, j, dup = 0;

	world_init(&w, 0);
	sync_add(&w.s, &ib, MONO0);
	sync_add(&w.s, &ib, MONO0);
	w.srv[0].mute = w.srv[1].mute = 1;
	while (n < 20) {
		k = tick(&w, act);
		for (i = 0; i < k; i++)
			if (act[i].kind == SYNC_ACT_SEND && n < 24)
				seen[n++] = xmt_of(&act[i]);
	}
	for (i = 0; i < (size_t)n; i++)
		for (j = 0; j < (int)i; j++)
			dup += seen[i] == seen[j] || seen[i] == 0;
	T_EQ(dup, 0);
	/* Two sources due at once: one request per call, each carrying the
	 * caller's own fresh random value (none derived from another). */
	w.s.src[0].next_mono_ns = w.s.src[1].next_mono_ns = w.now + S;
	w.s.src[0].retries_left = w.s.src[1].retries_left = 0;
	k = sync_on_timer(&w.s, w.now + S, clock_at(&w, w.now + S),
	    0x1111111111111111ULL, act, SYNC_MAX_ACTS);
	T_EQ(k, 1);
	T_CHECK(k == 1 && xmt_of(&act[0]) != 0);
	T_CHECK(sync_next_timer(&w.s) <= w.now + S);
	first = xmt_of(&act[0]);
	k = sync_on_timer(&w.s, w.now + S, clock_at(&w, w.now + S),
	    0x2222222222222222ULL, act, SYNC_MAX_ACTS);
	T_EQ(k, 1);
	T_CHECK(k == 1 && xmt_of(&act[0]) != first && act[0].src != -1);
}

/* (b) Every source starts with four requests 2 s apart (iburst or not:
 * the first selection needs a few samples of each), then 2^minpoll. */
static void
start_burst(const struct sync_src_cfg *cfg)
{
	struct world w;
	int i;

	world_init(&w, 0);
	sync_add(&w.s, cfg, MONO0);
	run(&w, MONO0 + 200 * S);
	T_EQ(w.n_send[0], 4 + 3);
	T_CHECK(w.send_mono[0][0] >= MONO0 && w.send_mono[0][0] < MONO0 + S);
	for (i = 1; i < 4; i++)
		T_EQ(w.send_mono[0][i] - w.send_mono[0][i - 1], 2 * S);
	T_EQ(w.send_mono[0][4] - w.send_mono[0][3], 64 * S);
	T_EQ(w.send_mono[0][5] - w.send_mono[0][4], 64 * S);
}

static void
iburst_timing(void)
{
	start_burst(&ib);
	start_burst(&plain);
}

/* One poll of source 0, answered or not, with the quick re-sends of an
 * unanswered one. */
static void
poll_once(struct world *w, int answer)
{
	struct sync_act act[SYNC_MAX_ACTS];
	int64_t next;

	w->srv[0].mute = !answer;
	tick(w, act);
	next = w->s.src[0].next_mono_ns;
	while (sync_next_timer(&w->s) < next)
		tick(w, act);
}

/* Answer the start-up burst every source begins with. */
static void
past_burst(struct world *w)
{
	int i;

	for (i = 0; i < 4; i++)
		poll_once(w, 1);
}

/* (c) The reach register shifts at each poll and bit 0 is set by each
 * valid reply; eight silent polls make a reachable source unreachable,
 * reported once. */
static void
reach(void)
{
	struct world w;
	int i;

	world_init(&w, 0);
	sync_add(&w.s, &plain, MONO0);
	poll_once(&w, 1);
	T_EQ(w.s.src[0].reach, 0x01);
	T_EQ(w.ev[1][SYNC_EV_REACHABLE], 1);
	poll_once(&w, 1);
	T_EQ(w.s.src[0].reach, 0x03);
	poll_once(&w, 0);
	T_EQ(w.s.src[0].reach, 0x06);
	poll_once(&w, 1);
	T_EQ(w.s.src[0].reach, 0x0D);
	for (i = 0; i < 7; i++)
		poll_once(&w, 0);
	T_EQ(w.s.src[0].reach, 0x80);
	T_EQ(w.ev[1][SYNC_EV_UNREACHABLE], 0);
	poll_once(&w, 0); /* the eighth silent poll */
	T_EQ(w.s.src[0].reach, 0);
	T_EQ(w.ev[1][SYNC_EV_UNREACHABLE], 1);
	for (i = 0; i < 10; i++)
		poll_once(&w, 0);
	T_EQ(w.ev[1][SYNC_EV_UNREACHABLE], 1);
	/* Answering again: reachable again. */
	poll_once(&w, 1);
	T_EQ(w.s.src[0].reach, 0x01);
	T_EQ(w.ev[1][SYNC_EV_REACHABLE], 2);
}

/* A source that never answered is unreachable after eight unanswered
 * polls like any other: its name is resolved again, it is not re-sent
 * quickly, and its poll backs off to maxpoll, so a dead source costs
 * what a live one at maxpoll does. */
static void
never_reached(void)
{
	struct world w;
	int i;

	world_init(&w, 0);
	sync_add(&w.s, &plain, MONO0);
	for (i = 0; i < 20; i++)
		poll_once(&w, 0);
	T_EQ(w.ev[1][SYNC_EV_UNREACHABLE], 1);
	T_EQ(w.ev[1][SYNC_EV_REACHABLE], 0);
	T_EQ(w.ev[1][SYNC_EV_RERESOLVE], 2); /* at 8 and 16 */
	T_EQ(w.ev[1][SYNC_EV_REPLACE], 0);   /* not a pool member */
	T_EQ(w.s.src[0].sent, 20);           /* no quick re-sends */
	T_EQ(w.s.src[0].poll, 10);
	/* Once it answers, it is reachable and polled normally again. */
	poll_once(&w, 1);
	T_EQ(w.ev[1][SYNC_EV_REACHABLE], 1);
	T_EQ(w.s.src[0].unanswered, 0);
}

/* Send one request from source 0 (muted server) and return it. */
static struct sync_act
one_request(struct world *w)
{
	struct sync_act act[SYNC_MAX_ACTS], none = { 0 };
	const struct sync_act *a;
	size_t n;

	w->srv[0].mute = 1;
	n = tick(w, act);
	a = first_send(act, n);
	return a != NULL ? *a : none;
}

/* An unanswered request is re-sent twice, 4 s apart, with fresh
 * transmit values and no reach shift; the stale reply is then bogus. */
static void
retries(void)
{
	struct world w;
	struct sync_act rq, rt;
	uint8_t rp[PKT_HDR_LEN];
	int64_t t_rq, poll_at;

	world_init(&w, 0);
	sync_add(&w.s, &plain, MONO0);
	past_burst(&w);
	rq = one_request(&w);
	t_rq = w.now;
	poll_at = w.s.src[0].next_mono_ns;
	T_EQ(w.s.src[0].reach, 0x1E);
	rt = one_request(&w);
	T_EQ(w.now - t_rq, 4 * S);
	T_EQ(rt.src, 0);
	T_CHECK(xmt_of(&rt) != xmt_of(&rq) && xmt_of(&rt) != 0);
	T_CHECK(memcmp(rt.pkt, rq.pkt, 40) == 0); /* same poll, version */
	T_EQ(w.s.src[0].reach, 0x1E);
	T_EQ(w.s.src[0].next_mono_ns, poll_at);
	deliver(&w, 0, rp, serve(&w, 0, &rq, t_rq, rp), w.now + MS);
	T_EQ(w.s.src[0].bogus, 1);
	deliver(&w, 0, rp, serve(&w, 0, &rt, w.now, rp), w.now + 2 * MS);
	T_EQ(w.s.src[0].reach, 0x1F);
	T_EQ(sync_next_timer(&w.s), poll_at); /* answered: no more */
	/* A wholly silent poll: one request and two re-sends. */
	poll_once(&w, 1);
	poll_once(&w, 0);
	T_EQ(w.n_send[0], 4 + 2 + 1 + 3);
	T_EQ(w.s.src[0].reach, 0x7E);
	T_EQ(sync_next_timer(&w.s), w.s.src[0].next_mono_ns);
}

/* (d) Wrong origin: bogus, no sample; duplicates are ignored. */
static void
bogus_replies(void)
{
	struct world w;
	struct sync_act rq, forged;
	uint8_t rp[PKT_HDR_LEN];
	size_t n;
	int64_t m;

	world_init(&w, 0);
	sync_add(&w.s, &plain, MONO0);
	rq = one_request(&w);
	forged = rq;
	forged.pkt[47] ^= 1; /* a reply to a request we did not send */
	m = w.now + 2 * OWD;
	n = serve(&w, 0, &forged, w.now, rp);
	T_EQ(deliver(&w, 0, rp, n, m), 0);
	T_EQ(w.s.src[0].bogus, 1);
	T_EQ(w.s.src[0].received, 0);
	T_EQ(w.s.src[0].reach, 0);
	T_EQ(w.s.src[0].filt.n, 0);
	/* The genuine reply is still welcome, but only once. */
	n = serve(&w, 0, &rq, w.now, rp);
	T_CHECK(deliver(&w, 0, rp, n, m) > 0);
	T_EQ(w.s.src[0].received, 1);
	T_EQ(w.s.src[0].filt.n, 1);
	T_EQ(deliver(&w, 0, rp, n, m + 1), 0);
	T_EQ(w.s.src[0].bogus, 2);
	T_EQ(w.s.src[0].received, 1);
	T_EQ(w.s.src[0].filt.n, 1);
}

/* A kiss-o'-death reply with code `code` to request rq. */
static size_t
kod_reply(struct world *w, const struct sync_act *rq, const char *code,
    uint8_t *rp)
{
	struct fake keep = w->srv[0];
	size_t n;

	w->srv[0].sys.stratum = 0;
	w->srv[0].sys.refid = pkt_refid_str(code);
	n = serve(w, 0, rq, w->now, rp);
	w->srv[0] = keep;
	return n;
}

/* (e) RATE: the poll floor goes up by one per kiss, never past maxpoll,
 * and the effect decays after an hour. */
static void
kod_rate(void)
{
	struct world w;
	struct sync_act rq;
	uint8_t rp[PKT_HDR_LEN];
	int64_t t1;
	int i;

	world_init(&w, 0);
	sync_add(&w.s, &plain, MONO0);
	past_burst(&w);
	rq = one_request(&w);
	T_EQ(w.s.src[0].next_mono_ns - w.now, 64 * S);
	for (i = 7; i <= 12; i++) {
		t1 = w.now;
		deliver(&w, 0, rp, kod_reply(&w, &rq, "RATE", rp), t1 + MS);
		T_EQ(w.ev[1][SYNC_EV_KOD], i - 6);
		T_EQ(sync_next_timer(&w.s) - t1, ts_log2_ns(i > 10 ? 10 : i));
		rq = one_request(&w);
		T_EQ(w.now - t1, ts_log2_ns(i > 10 ? 10 : i));
		T_EQ(rq.pkt[2], i > 10 ? 10 : i); /* poll field follows */
	}
	/* No more kisses: an hour later the floor is gone. */
	w.srv[0].mute = 0;
	run(&w, w.now + 5000 * S);
	T_EQ(w.s.src[0].kod_poll_min, 0);
}

/* DENY stops a server's polls for an hour, then it is asked again; a
 * kiss with the wrong origin is not even read. */
static void
kod_deny(void)
{
	struct world w;
	struct sync_act rq, forged;
	uint8_t rp[PKT_HDR_LEN];
	size_t n;
	int64_t t_kiss;

	world_init(&w, 0);
	sync_add(&w.s, &plain, MONO0);
	sync_add(&w.s, &plain, MONO0);
	w.srv[1].mute = 1;
	rq = one_request(&w);
	forged = rq;
	forged.pkt[40] ^= 0x80;
	n = kod_reply(&w, &forged, "DENY", rp);
	T_EQ(deliver(&w, rq.src, rp, n, w.now + MS), 0);
	T_EQ(w.ev[rq.src + 1][SYNC_EV_KOD], 0);
	T_EQ(w.s.src[rq.src].bogus, 1);
	run(&w, w.now + 600 * S);
	T_CHECK(w.n_send[rq.src] > 5); /* still polled */
	rq = one_request(&w);
	deliver(&w, rq.src, rp, kod_reply(&w, &rq, "DENY", rp), w.now + MS);
	T_EQ(w.ev[rq.src + 1][SYNC_EV_KOD], 1);
	n = (size_t)w.n_send[rq.src];
	T_EQ(sync_tally(&w.s, rq.src), ' ');
	t_kiss = w.now;
	run(&w, t_kiss + 3500 * S);
	T_EQ(w.n_send[rq.src], n); /* not within the hour */
	run(&w, t_kiss + 3700 * S);
	T_CHECK(w.n_send[rq.src] > (int)n); /* then asked again */
	/* ...while the other one carries on. */
	T_CHECK(w.n_send[1 - rq.src] > 10);
}

/* A wrong-origin RATE changes nothing either. */
static void
kod_rate_forged(void)
{
	struct world w;
	struct sync_act rq;
	uint8_t rp[PKT_HDR_LEN];

	world_init(&w, 0);
	sync_add(&w.s, &plain, MONO0);
	past_burst(&w);
	rq = one_request(&w);
	rq.pkt[44] ^= 0x10;
	deliver(&w, 0, rp, kod_reply(&w, &rq, "RATE", rp), w.now + MS);
	T_EQ(w.ev[1][SYNC_EV_KOD], 0);
	T_EQ(w.s.src[0].kod_poll_min, 0);
	T_EQ(w.s.src[0].next_mono_ns - w.now, 64 * S);
	T_EQ(w.s.src[0].poll, 6);
}

/* (f) One good server: synchronized after the burst, stratum + 1. */
static void
one_server(void)
{
	struct world w;
	int i;

	world_init(&w, 0);
	sync_add(&w.s, &ib, MONO0);
	for (i = 0; i < 3; i++)
		poll_once(&w, 1);
	T_EQ(w.ev[1][SYNC_EV_SYNCED], 0);
	T_EQ(w.s.sys.vars.stratum, 16);
	T_EQ(w.n_clock, 0);
	/* A lone source has nobody to disagree with: it is followed once
	 * its root distance is below MAXDIST, at the fourth reply. */
	poll_once(&w, 1);
	T_EQ(w.ev[1][SYNC_EV_SYNCED], 1);
	T_EQ(sync_tally(&w.s, 0), '*');
	T_EQ(w.s.sys.peer, 0);
	T_EQ(w.s.sys.vars.stratum, 2);
	T_CHECK(w.s.sys.vars.refid == 0xC0000201u);
	T_EQ(w.s.sys.vars.leap, PKT_LEAP_NONE);
	T_EQ(w.n_clock, 1);
	run(&w, w.now + 3600 * S);
	T_EQ(w.ev[1][SYNC_EV_SYNCED], 1);
	T_EQ(sync_tally(&w.s, 0), '*');
	T_CHECK(ts_abs(clock_at(&w, w.now) - w.clk0 - w.now) < 1 * MS);
	T_EQ(w.ev[0][SYNC_EV_LEAP_ARMED], 0);
}

/* (g) Three servers, one 50 ms off: a falseticker, never followed. */
static void
falseticker(void)
{
	struct world w;
	int i;

	world_init(&w, 0);
	w.srv[1].off_ns = 300 * US;
	w.srv[2].off_ns = 50 * MS;
	for (i = 0; i < 3; i++)
		sync_add(&w.s, &ib, MONO0);
	run(&w, MONO0 + 7200 * S);
	T_CHECK(w.n_send[2] > 20); /* polled all along */
	T_EQ(sync_tally(&w.s, 2), 'x');
	T_EQ(w.ev[3][SYNC_EV_SYNCED], 0);
	T_EQ(w.peers_seen & 4u, 0);
	T_CHECK(w.peers_seen != 0);
	T_CHECK(w.s.sys.peer == 0 || w.s.sys.peer == 1);
	T_CHECK(sync_tally(&w.s, 0) != 'x' && sync_tally(&w.s, 1) != 'x');
	T_CHECK(ts_abs(clock_at(&w, w.now) - w.clk0 - w.now) < 2 * MS);
}

/* A prefer source steers alone: two others 0.6 ms off (within the
 * intervals, so truechimers) do not pull the clock towards them. */
static void
prefer_steers(void)
{
	struct world w;
	struct sync_src_cfg pref = ib;
	int i;

	world_init(&w, 0);
	pref.flags |= SYNC_PREFER;
	sync_add(&w.s, &pref, MONO0);
	sync_add(&w.s, &ib, MONO0);
	sync_add(&w.s, &ib, MONO0);
	w.srv[1].off_ns = 600 * US;
	w.srv[2].off_ns = 600 * US;
	run(&w, MONO0 + 7200 * S);
	T_EQ(w.s.sys.peer, 0);
	for (i = 1; i < 3; i++)
		T_CHECK(
		    sync_tally(&w.s, i) == '+' || sync_tally(&w.s, i) == '-');
	T_CHECK(ts_abs(clock_at(&w, w.now) - w.clk0 - w.now) < 150 * US);
}

/* A server whose time really jumps 1 s: held once by the gate, then a
 * spike logged once (not on every sample of the step-out interval), then
 * exactly one step. */
static void
spike_once(void)
{
	struct world w;

	world_init(&w, 0);
	sync_add(&w.s, &ib, MONO0);
	run(&w, MONO0 + 3600 * S);
	T_EQ(w.ev[1][SYNC_EV_STEP], 0);
	w.srv[0].off_ns = 1 * S;
	run(&w, w.now + 4 * 3600 * S);
	T_EQ(w.ev[1][SYNC_EV_SPIKE], 1);
	T_EQ(w.ev[1][SYNC_EV_STEP], 1);
	T_CHECK(ts_abs(clock_at(&w, w.now) - w.clk0 - w.now - 1 * S) < 1 * MS);
}

/* A source 2000 s off (beyond the 1000 s panic threshold) is distrusted,
 * not obeyed and not a reason to stop: the core goes on, unsynchronized,
 * and takes the source back once it is within the threshold.  With
 * panic_exit the core stops, as ntpd. */
static void
panic_distrust(void)
{
	struct world w;

	world_init(&w, 0);
	sync_add(&w.s, &ib, MONO0);
	w.srv[0].off_ns = 2000 * S;
	run(&w, MONO0 + 600 * S);
	T_EQ(w.ev[1][SYNC_EV_PANIC], 1);
	T_EQ(w.s.done, 0);
	T_EQ(w.n_clock, 0);
	T_EQ(sync_snapshot(&w.s)->sys.stratum, 16);
	w.srv[0].off_ns = 0;
	run(&w, w.now + 1200 * S);
	T_EQ(w.ev[1][SYNC_EV_PANIC], 1);
	T_EQ(sync_tally(&w.s, 0), '*');
	T_EQ(sync_snapshot(&w.s)->sys.stratum, 2);
	T_CHECK(w.n_clock > 0);

	world_init(&w, 0);
	w.s.cfg.panic_exit = 1;
	sync_add(&w.s, &ib, MONO0);
	w.srv[0].off_ns = 2000 * S;
	run(&w, MONO0 + 600 * S);
	T_EQ(w.ev[1][SYNC_EV_PANIC], 1);
	T_EQ(w.s.done, 1);
}

/* A dropped pool member's address is not taken again within the hour;
 * a configured server's is not remembered at all. */
static void
pool_dropped(void)
{
	struct world w;
	struct sync_src_cfg p = plain, q = plain;
	int i;

	world_init(&w, 0);
	p.from_pool = 1;
	p.addr_key = 42;
	q.addr_key = 43;
	i = sync_add(&w.s, &p, MONO0);
	sync_remove(&w.s, i, MONO0 + 10 * S);
	i = sync_add(&w.s, &q, MONO0);
	sync_remove(&w.s, i, MONO0 + 10 * S);
	T_EQ(sync_dropped_recently(&w.s, 42, MONO0 + 20 * S), 1);
	T_EQ(sync_dropped_recently(&w.s, 42, MONO0 + 3609 * S), 1);
	T_EQ(sync_dropped_recently(&w.s, 42, MONO0 + 3611 * S), 0);
	T_EQ(sync_dropped_recently(&w.s, 43, MONO0 + 20 * S), 0);
	T_EQ(sync_dropped_recently(&w.s, 7, MONO0 + 20 * S), 0);
}

/* One reply off by off_ns from source 0 among n sources, once the clock
 * is synchronized: the gate holds it back, so neither the served state
 * nor the clock moves. */
static void
wild_reply_n(int n, int64_t off_ns)
{
	struct world w;
	int i, lost, steps, nomaj;
	int64_t err;

	world_init(&w, 0);
	for (i = 0; i < n; i++)
		sync_add(&w.s, &ib, MONO0);
	run(&w, MONO0 + 7200 * S);
	T_EQ(w.s.sys.vars.stratum, 2);
	lost = w.ev[0][SYNC_EV_LOST] + w.ev[1][SYNC_EV_LOST] +
	    w.ev[2][SYNC_EV_LOST] + w.ev[3][SYNC_EV_LOST];
	steps = w.ev[1][SYNC_EV_STEP] + w.ev[2][SYNC_EV_STEP] +
	    w.ev[3][SYNC_EV_STEP];
	nomaj = w.ev[0][SYNC_EV_NO_MAJORITY];
	w.srv[0].off_ns = off_ns;
	run(&w, w.s.src[0].next_mono_ns);
	w.srv[0].off_ns = 0;
	T_EQ(w.s.src[0].held_back, 1);
	T_EQ(w.s.sys.vars.stratum, 2);
	T_EQ(w.s.sys.vars.leap, PKT_LEAP_NONE);
	run(&w, w.now + 7200 * S);
	T_EQ(w.s.sys.vars.stratum, 2);
	T_EQ(w.ev[0][SYNC_EV_LOST] + w.ev[1][SYNC_EV_LOST] +
	        w.ev[2][SYNC_EV_LOST] + w.ev[3][SYNC_EV_LOST],
	    lost);
	T_EQ(w.ev[1][SYNC_EV_STEP] + w.ev[2][SYNC_EV_STEP] +
	        w.ev[3][SYNC_EV_STEP],
	    steps);
	T_EQ(w.ev[0][SYNC_EV_NO_MAJORITY], nomaj);
	err = ts_abs(clock_at(&w, w.now) - w.clk0 - w.now);
	T_CHECK(err < 1 * MS);
}

static void
wild_reply(void)
{
	int n;

	for (n = 1; n <= 3; n++) {
		wild_reply_n(n, 5 * S);
		wild_reply_n(n, 2000 * S);
		wild_reply_n(n, -2 * S);
	}
}

/*
 * (h) The only survivor announces an insertion from the eve of the last
 * day of November: passed on to clients at once, armed (SYNC_ACT_LEAP
 * +1) only once that last day has begun, disarmed when withdrawn.
 */
static void
leap(void)
{
	struct world w;

	world_init(&w, 0);
	w.clk0 = CLK_EVE;
	w.srv[0].sys.leap = PKT_LEAP_INSERT;
	sync_add(&w.s, &ib, MONO0);
	run(&w, MONO0 + 1800 * S);
	T_EQ(w.s.sys.peer, 0);
	T_EQ(w.s.sys.vars.leap, PKT_LEAP_INSERT);
	T_EQ(w.n_leap, 0);
	T_EQ(w.ev[0][SYNC_EV_LEAP_ARMED], 0);
	run(&w, MONO0 + 3 * 3600 * S); /* into November 30th */
	T_EQ(w.n_leap, 1);
	T_EQ(w.leap_value, 1);
	T_EQ(w.ev[0][SYNC_EV_LEAP_ARMED], 1);
	T_EQ(w.s.sys.vars.leap, PKT_LEAP_INSERT);
	w.srv[0].sys.leap = PKT_LEAP_NONE;
	run(&w, w.now + 3600 * S);
	T_EQ(w.n_leap, 2);
	T_EQ(w.leap_value, 0);
	T_EQ(w.ev[0][SYNC_EV_LEAP_ARMED], 1);
	T_EQ(w.s.sys.vars.leap, PKT_LEAP_NONE);
}

/* flash (mode 6): ntpd's TEST bits of the last reply, TEST6 while the
 * server says it is unsynchronized, 0 once its replies pass. */
static void
flash_bits(void)
{
	struct sync_src_view v;
	struct world w;

	world_init(&w, 0);
	w.srv[0].sys.leap = PKT_LEAP_UNSYNC;
	sync_add(&w.s, &ib, MONO0);
	run(&w, MONO0 + 100 * S);
	T_EQ(sync_src_info(&w.s, 0, clock_at(&w, w.now), &v), 0);
	T_EQ(v.flash, PEER_TEST_UNSYNC);
	T_EQ(w.s.sys.peer, -1);
	w.srv[0].sys.leap = PKT_LEAP_NONE;
	run(&w, w.now + 600 * S);
	T_EQ(sync_src_info(&w.s, 0, clock_at(&w, w.now), &v), 0);
	T_EQ(v.flash, 0);
}

/* The system peer stops answering: once it is unreachable it is no
 * longer followed. */
static void
peer_lost(void)
{
	struct world w;

	world_init(&w, 0);
	sync_add(&w.s, &ib, MONO0);
	run(&w, MONO0 + 1800 * S);
	T_EQ(w.s.sys.peer, 0);
	w.srv[0].mute = 1;
	run(&w, w.now + 16 * 1024 * S);
	T_EQ(w.ev[1][SYNC_EV_UNREACHABLE], 1);
	T_EQ(sync_tally(&w.s, 0), ' ');
	T_EQ(w.s.src[0].sel, SEL_REJECT);
	/* Selection also runs when polls go unanswered: the dead peer is
	 * dropped and, with no local stratum, we serve unsynchronized. */
	T_EQ(w.s.sys.peer, -1);
	T_EQ(w.ev[1][SYNC_EV_LOST], 1);
	T_EQ(w.s.sys.vars.stratum, 16);
	T_EQ(w.s.sys.vars.leap, PKT_LEAP_UNSYNC);
}

/* (i) -q: done after the first clock setting. */
static void
quit_after_set(void)
{
	struct world w;
	struct sync_act act[SYNC_MAX_ACTS], rq;
	uint8_t rp[PKT_HDR_LEN];

	world_init(&w, 1);
	sync_add(&w.s, &ib, MONO0);
	run(&w, MONO0 + 600 * S);
	T_EQ(w.n_clock, 1);
	T_EQ(w.ev[0][SYNC_EV_DONE], 1);
	T_EQ(w.done_after_clock, 1);
	T_EQ(w.s.done, 1);
	/* Nothing more comes of replies. */
	rq = one_request(&w);
	T_EQ(sync_on_reply(&w.s, 0, rp, serve(&w, 0, &rq, w.now, rp),
	         clock_at(&w, w.now + MS), w.now + MS, act, SYNC_MAX_ACTS),
	    0);
}

/* A system peer that sends DENY is dropped at once: SYNC_EV_LOST and,
 * with no local stratum, unsynchronized (it will never send again). */
static void
deny_from_peer(void)
{
	struct world w;
	struct sync_act rq;
	uint8_t rp[PKT_HDR_LEN];

	world_init(&w, 0);
	sync_add(&w.s, &ib, MONO0);
	run(&w, MONO0 + 600 * S);
	T_EQ(w.s.sys.peer, 0);
	rq = one_request(&w);
	deliver(&w, 0, rp, kod_reply(&w, &rq, "DENY", rp), w.now + MS);
	T_EQ(w.s.sys.peer, -1);
	T_EQ(w.ev[1][SYNC_EV_LOST], 1);
	T_EQ(w.s.sys.vars.stratum, 16);
	T_EQ(w.s.sys.vars.leap, PKT_LEAP_UNSYNC);
}

/* Fewer truechimers than minsane: survivors exist, but there is no
 * system peer, so the clock is not steered and we serve unsynchronized
 * (leap 3, not the survivors' leap 0). */
static void
minsane_holds(void)
{
	struct world w;

	world_init(&w, 0);
	w.s.sys.cfg.sel.minsane = 3;
	sync_add(&w.s, &ib, MONO0);
	sync_add(&w.s, &ib, MONO0);
	run(&w, MONO0 + 3600 * S);
	T_EQ(w.s.sys.peer, -1);
	T_EQ(w.n_clock, 0);
	T_EQ(w.s.sys.vars.leap, PKT_LEAP_UNSYNC);
	T_EQ(w.s.sys.vars.stratum, 16);
}

/* A stratum-15 server cannot be followed: we could only serve it as 16,
 * which means unsynchronized. */
static void
stratum15(void)
{
	struct world w;

	world_init(&w, 0);
	w.srv[0].sys.stratum = 15;
	sync_add(&w.s, &ib, MONO0);
	run(&w, MONO0 + 600 * S);
	T_EQ(w.s.sys.peer, -1);
	T_EQ(w.n_clock, 0);
	w.srv[0].sys.stratum = 14;
	run(&w, w.now + 600 * S);
	T_EQ(w.s.sys.peer, 0);
	T_EQ(w.s.sys.vars.stratum, 15);
}

/* A pool member the majority keeps calling a falseticker is given up:
 * one SYNC_EV_REPLACE, after 8 selections in a row; a configured server
 * in the same place is kept. */
static void
pool_falseticker(void)
{
	struct sync_src_cfg pool = ib;
	struct world w;
	int i;

	pool.from_pool = 1;
	world_init(&w, 0);
	w.srv[2].off_ns = 50 * MS;
	for (i = 0; i < 3; i++)
		sync_add(&w.s, &pool, MONO0);
	run(&w, MONO0 + 7200 * S);
	T_EQ(w.ev[3][SYNC_EV_REPLACE], 1);
	T_EQ(w.ev[1][SYNC_EV_REPLACE] + w.ev[2][SYNC_EV_REPLACE], 0);
	T_CHECK(w.s.src[2].falsetick_run >= 8);
	world_init(&w, 0);
	w.srv[2].off_ns = 50 * MS;
	for (i = 0; i < 3; i++)
		sync_add(&w.s, &ib, MONO0);
	run(&w, MONO0 + 7200 * S);
	T_EQ(w.ev[3][SYNC_EV_REPLACE], 0);
}

/* A local clock serving as its own reference is fresh at any instant;
 * a synchronized server's reference time is its last update. */
static void
local_reference(void)
{
	struct world w;
	struct sync_cfg cfg;

	world_init(&w, 0);
	cfg = w.s.cfg;
	cfg.local_stratum = 10;
	sync_init(&w.s, &cfg, 1, CLK0 + MONO0);
	T_EQ(sync_sys(&w.s, CLK0 + 5 * S)->ref_ns, CLK0 + 5 * S);
	T_EQ(sync_sys(&w.s, CLK0 + 9 * S)->ref_ns, CLK0 + 9 * S);
	sync_add(&w.s, &ib, MONO0);
	run(&w, MONO0 + 600 * S);
	T_EQ(w.s.sys.peer, 0);
	T_EQ(sync_sys(&w.s, clock_at(&w, w.now) + 999 * S)->ref_ns,
	    w.s.sys.vars.ref_ns);
	T_CHECK(w.s.sys.vars.ref_ns <= clock_at(&w, w.now + S));
}

/* A server whose refid is one of our own addresses is synchronized to
 * us: following it would close a timing loop. */
static void
timing_loop(void)
{
	static const uint32_t own[] = { 0xC0A80A0Au, 0x0A000001u };
	struct world w;

	world_init(&w, 0);
	sync_set_own_refids(&w.s, own, 2);
	w.srv[0].sys.stratum = 3;
	w.srv[0].sys.refid = 0x0A000001u; /* us */
	sync_add(&w.s, &ib, MONO0);
	run(&w, MONO0 + 600 * S);
	T_EQ(w.s.sys.peer, -1);
	T_EQ(w.n_clock, 0);
	w.srv[0].sys.refid = 0x0A000002u; /* someone else */
	run(&w, w.now + 600 * S);
	T_EQ(w.s.sys.peer, 0);
	T_EQ(w.s.sys.vars.stratum, 4);
}

/* No clock control (backend none, or the kernel refused a command):
 * the world's clock is 10 ppm fast and ignores every command; the core,
 * told so, issues none and does not chase corrections that never
 * happened, while selection and serving carry on. */
static void
clock_refused(void)
{
	struct world w;
	struct sync_src_cfg three = ib;
	int64_t worst = 0, f;
	int i, k;

	world_init(&w, 0);
	w.ignore_ppb = 10000;
	for (i = 0; i < NSRV; i++) {
		three.refid = 0xC0000201u + (uint32_t)i;
		sync_add(&w.s, &three, MONO0);
		w.srv[i].off_ns = 0;
	}
	sync_clock_refused(&w.s);
	for (k = 0; k < 48; k++) {
		run(&w, w.now + 1800 * S);
		f = ts_abs(w.s.disc.freq_ppb);
		worst = f > worst ? f : worst;
	}
	T_EQ(w.n_clock, 0);
	T_EQ(w.ev[0][SYNC_EV_STEP], 0);
	T_EQ(worst, 0);
	T_CHECK(w.s.sys.peer >= 0);
	T_EQ(w.s.sys.vars.stratum, 2);
	T_EQ(w.s.sys.vars.leap, PKT_LEAP_NONE);
}

/* A fake authentication scheme for the hook tests: sign appends an
 * extension field carrying a tag; the "server" appends a MAC whose
 * digest is a checksum of everything before it; verify recomputes it. */
struct fake_auth {
	int signs, verifies, refuse_sign;
	int last_src;
	uint8_t tag;
};

static void
digest(const uint8_t *b, size_t n, uint8_t d[16])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	for (i = 0; i < 16; i++)
		d[i] = (uint8_t)(h >> (8 * (i % 8)));
}

static int
fake_sign(void *ctx, int src, uint8_t *pkt, size_t *len, size_t cap)
{
	struct fake_auth *fa = ctx;
	uint8_t v[4] = { fa->tag, 0, 0, 0 };

	fa->signs++;
	fa->last_src = src;
	if (fa->refuse_sign)
		return -1;
	return pkt_put_ext(pkt, len, cap, 0x0204, v, sizeof(v), 1);
}

static int
fake_verify(void *ctx, int src, const uint8_t *pkt, size_t len)
{
	struct fake_auth *fa = ctx;
	struct pkt p;
	uint8_t d[16];

	fa->verifies++;
	fa->last_src = src;
	if (pkt_decode(pkt, len, &p) != PKT_OK || !p.has_mac ||
	    p.mac_len != PKT_MAC_MD5_LEN)
		return -1;
	digest(pkt, p.mac_off + 4, d);
	return memcmp(pkt + p.mac_off + 4, d, 16) == 0 ? 0 : -1;
}

/* The server's side of the fake scheme: a MAC after the reply. */
static size_t
signed_reply(const struct world *w, const struct sync_act *rq, int64_t m,
    uint8_t *rp, size_t cap)
{
	uint8_t d[16];
	size_t n = serve(w, 0, rq, m, rp);

	if (n == 0)
		return 0;
	rp[n] = rp[n + 1] = rp[n + 2] = 0;
	rp[n + 3] = 7; /* key id 7 */
	digest(rp, n + 4, d);
	if (pkt_put_mac(rp, &n, cap, 7, d, sizeof(d)) != 0)
		return 0;
	return n;
}

/* sign runs on every request, for its source, and what it appends goes
 * out; a source's own hook wins over the global one; a refused request
 * is not sent, and the poll goes on as if it had been lost. */
static void
auth_sign(void)
{
	struct world w;
	struct fake_auth all = { .tag = 1 }, own = { .tag = 2 };
	struct peer_auth ha = { fake_sign, fake_verify, &all };
	struct peer_auth ho = { fake_sign, fake_verify, &own };
	struct sync_act rq;
	struct pkt p;
	int64_t next;

	world_init(&w, 0);
	sync_set_auth(&w.s, -1, &ha);
	sync_add(&w.s, &plain, MONO0);
	rq = one_request(&w);
	T_EQ(all.signs, 1);
	T_EQ(all.last_src, 0);
	T_EQ(rq.len, PKT_HDR_LEN + PKT_EXT_LAST_MIN_LEN);
	T_EQ(pkt_decode(rq.pkt, rq.len, &p), PKT_OK);
	T_EQ(p.n_ext, 1);
	T_EQ(p.ext[0].type, 0x0204);
	T_EQ(rq.pkt[p.ext[0].offset + 4], 1);
	sync_set_auth(&w.s, 0, &ho);
	rq = one_request(&w);
	T_EQ(own.signs, 1);
	T_EQ(all.signs, 1);
	T_EQ(rq.pkt[PKT_HDR_LEN + 4], 2);
	/* Refused: no SEND, the source still counts the poll. */
	own.refuse_sign = 1;
	next = sync_next_timer(&w.s);
	rq = one_request(&w);
	T_EQ(own.signs, 2);
	T_EQ(rq.len, 0);
	T_EQ(w.s.src[0].sent, 2);
	T_EQ(w.s.src[0].sign_failed, 1);
	T_EQ(w.s.src[0].unanswered, 2);
	T_CHECK(sync_next_timer(&w.s) > next);
	/* Without a hook: 48 bytes, as before. */
	sync_set_auth(&w.s, 0, NULL);
	sync_set_auth(&w.s, -1, NULL);
	rq = one_request(&w);
	T_EQ(rq.len, PKT_HDR_LEN);
}

/* verify sees every reply to an outstanding request before it is
 * believed: a tampered one is counted and changes nothing (the request
 * stays outstanding, no reach, no sample, no kiss, the same served
 * snapshot); the genuine one then goes through. */
static void
auth_verify(void)
{
	struct world w;
	struct fake_auth fa = { .tag = 3 };
	struct peer_auth h = { NULL, fake_verify, &fa };
	struct sync_act rq;
	uint8_t rp[SYNC_PKT_MAX], bad[SYNC_PKT_MAX];
	uint64_t gen;
	size_t n;
	int64_t m;

	world_init(&w, 0);
	sync_add(&w.s, &plain, MONO0);
	sync_set_auth(&w.s, 0, &h);
	rq = one_request(&w);
	T_EQ(rq.len, PKT_HDR_LEN); /* no sign hook: unsigned */
	m = w.now + 2 * OWD;
	n = signed_reply(&w, &rq, w.now, rp, sizeof(rp));
	T_EQ(n, PKT_HDR_LEN + PKT_MAC_MD5_LEN);
	memcpy(bad, rp, n);
	bad[35] ^= 1; /* receive timestamp moved by a second */
	gen = sync_snapshot(&w.s)->gen;
	T_EQ(deliver(&w, 0, bad, n, m), 0);
	T_EQ(fa.verifies, 1);
	T_EQ(w.s.src[0].auth_failed, 1);
	T_EQ(w.s.src[0].received, 0);
	T_EQ(w.s.src[0].reach, 0);
	T_EQ(w.s.src[0].filt.n, 0);
	T_EQ(w.s.src[0].bogus, 0);
	T_EQ(sync_outstanding(&w.s, 0), 1);
	T_EQ(sync_snapshot(&w.s)->gen, gen);
	/* Unsigned: rejected as well. */
	T_EQ(deliver(&w, 0, rp, PKT_HDR_LEN, m), 0);
	T_EQ(w.s.src[0].auth_failed, 2);
	/* A forged DENY is ignored. */
	{
		struct fake keep = w.srv[0];

		w.srv[0].sys.stratum = 0;
		w.srv[0].sys.refid = pkt_refid_str("DENY");
		n = serve(&w, 0, &rq, w.now, bad);
		w.srv[0] = keep;
		T_EQ(deliver(&w, 0, bad, n, m), 0);
		T_EQ(w.s.src[0].kod_denied, 0);
		T_EQ(w.ev[1][SYNC_EV_KOD], 0);
	}
	n = signed_reply(&w, &rq, w.now, rp, sizeof(rp));
	T_CHECK(deliver(&w, 0, rp, n, m) > 0);
	T_EQ(w.s.src[0].received, 1);
	T_EQ(w.s.src[0].filt.n, 1);
	T_EQ(w.s.src[0].auth_failed, 3);
	T_EQ(sync_outstanding(&w.s, 0), 0);
	/* Replies that do not answer our request never reach the hook. */
	T_EQ(deliver(&w, 0, rp, n, m + 1), 0);
	T_EQ(fa.verifies, 4);
	T_EQ(w.s.src[0].bogus, 1);
}

/* The served snapshot: a new generation only when the served state
 * changes, never written in place while current or just replaced, and
 * sync_sys serves from it. */
static void
snapshot(void)
{
	struct world w;
	const struct sync_snap *a, *b;
	struct sync_snap keep;
	struct srv_sys now;
	int i;

	world_init(&w, 0);
	a = sync_snapshot(&w.s);
	T_EQ(a->gen, 1);
	T_EQ(a->sys.stratum, 16);
	T_EQ(a->local, 0);
	sync_add(&w.s, &ib, MONO0);
	for (i = 0; i < 3; i++)
		poll_once(&w, 1);
	T_CHECK(sync_snapshot(&w.s) == a); /* nothing served changed */
	T_EQ(a->gen, 1);
	keep = *a;
	poll_once(&w, 1); /* synchronized */
	b = sync_snapshot(&w.s);
	T_CHECK(b != a);
	T_EQ(b->gen, 2);
	T_EQ(b->sys.stratum, 2);
	T_CHECK(memcmp(a, &keep, sizeof(keep)) == 0); /* left alone */
	sync_snap_sys(b, 12345, &now);
	T_CHECK(now.ref_ns == b->sys.ref_ns && now.stratum == 2);
	T_CHECK(sync_sys(&w.s, 12345)->ref_ns == b->sys.ref_ns);
	poll_once(&w, 1);
	T_EQ(sync_snapshot(&w.s)->gen, 3); /* a clock update: ref time */
	/* A local reference: "now" at every reading, one generation. */
	{
		struct sync_cfg cfg = w.s.cfg;

		cfg.local_stratum = 10;
		sync_init(&w.s, &cfg, 1, CLK0 + MONO0);
		a = sync_snapshot(&w.s);
		T_EQ(a->local, 1);
		T_EQ(a->sys.ref_ns, 0);
		T_EQ(a->sys.stratum, 10);
		sync_snap_sys(a, CLK0 + 7 * S, &now);
		T_EQ(now.ref_ns, CLK0 + 7 * S);
		T_EQ(sync_sys(&w.s, CLK0 + 8 * S)->ref_ns, CLK0 + 8 * S);
		T_EQ(sync_snapshot(&w.s)->gen, 1);
	}
}

/* The views and accessors the shell reads instead of the core's fields. */
static void
views(void)
{
	struct world w;
	struct sync_src_view v;
	struct sync_sys_view y;
	int i;

	world_init(&w, 0);
	sync_sys_info(&w.s, &y);
	T_EQ(y.synced, 0);
	T_EQ(y.why, SYSP_NO_SOURCES);
	T_EQ(sync_src_info(&w.s, 0, CLK0, &v), -1);
	T_EQ(sync_src_info(&w.s, -1, CLK0, &v), -1);
	T_EQ(sync_src_in_use(&w.s, 0), 0);
	sync_add(&w.s, &ib, MONO0);
	T_EQ(sync_src_in_use(&w.s, 0), 1);
	T_EQ(sync_outstanding(&w.s, 0), 0);
	one_request(&w);
	T_EQ(sync_outstanding(&w.s, 0), 1);
	run(&w, w.now + 10 * S);
	sync_sys_info(&w.s, &y);
	T_EQ(y.why, SYSP_NONE_REACHABLE);
	w.srv[0].mute = 0;
	for (i = 0; i < 4; i++)
		poll_once(&w, 1);
	sync_sys_info(&w.s, &y);
	T_EQ(y.synced, 1);
	T_EQ(y.why, SYSP_SYNCED);
	T_EQ(y.sys_peer, 0);
	T_EQ(y.stratum, 2);
	T_CHECK(y.refid == 0xC0000201u);
	T_EQ(y.steering, 1);
	T_EQ(y.freq_ppb, sync_freq_ppb(&w.s));
	T_EQ(sync_has_updated(&w.s), 1);
	T_EQ(y.updates, w.n_clock);
	T_EQ(sync_src_info(&w.s, 0, clock_at(&w, w.now), &v), 0);
	T_EQ(v.tally, '*');
	T_EQ(v.sel, SEL_SYSPEER);
	T_EQ(v.stratum, 1);
	T_CHECK(v.refid == pkt_refid_str("GPS"));
	T_EQ(v.leap, PKT_LEAP_NONE);
	T_EQ(v.have_filter, 1);
	T_EQ(v.stages, 4);
	T_CHECK(v.delay_ns >= 2 * OWD && v.delay_ns < 2 * OWD + 100 * US);
	T_CHECK(v.disp_ns > 0 && v.disp_ns < TS_MAXDISP_NS);
	T_EQ(v.received, 4);
	T_EQ(v.sent, w.s.src[0].sent);
	T_CHECK(v.sent > v.received);
	T_EQ(v.bogus, 0);
	T_EQ(v.auth_failed, 0);
	T_EQ(v.unanswered, 0);
	T_EQ(v.reach & 1, 1);
	T_EQ(v.last_rx_mono_ns, w.s.src[0].last_rx_mono_ns);
}

/* sync_on_sample is the way in for a sample whatever produced it: one
 * fed directly (as a refclock or symmetric peer will) is filtered,
 * selected and steers like one from a reply. */
static void
sample_entry(void)
{
	struct world w;
	struct sync_act act[SYNC_MAX_ACTS];
	struct sync_sample x;
	size_t i, k;
	int n0, stats = 0, clock = 0;
	int64_t m;

	world_init(&w, 0);
	sync_add(&w.s, &ib, MONO0);
	past_burst(&w);
	T_EQ(w.s.sys.peer, 0);
	n0 = w.s.src[0].filt.n;
	m = w.now + 3 * S;
	x = (struct sync_sample){ 20 * US, 2 * OWD, 10 * US, clock_at(&w, m) };
	k = sync_on_sample(&w.s, 0, &x, m, act, SYNC_MAX_ACTS);
	for (i = 0; i < k; i++) {
		stats += act[i].kind == SYNC_ACT_PEERSTATS &&
		    act[i].offset_ns == 20 * US;
		clock += act[i].kind == SYNC_ACT_CLOCK;
	}
	T_EQ(stats, 1);
	T_EQ(clock, 1);
	T_EQ(w.s.src[0].filt.n, n0 + 1);
	T_EQ(w.s.src[0].last_rx_mono_ns, m);
	T_EQ(sync_on_sample(&w.s, 1, &x, m, act, SYNC_MAX_ACTS), 0);
}

/* Reload: a removed source's slot (its association id) is not the next
 * one given; a reconfiguration keeps the sources and their state, and
 * takes the new selection and local-stratum settings. */
static void
slots_and_reconfigure(void)
{
	struct world w;
	struct sync_cfg c;
	uint8_t reach;

	world_init(&w, 0);
	T_EQ(sync_add(&w.s, &ib, MONO0), 0);
	T_EQ(sync_add(&w.s, &ib, MONO0), 1);
	sync_remove(&w.s, 0, MONO0);
	T_EQ(sync_add(&w.s, &ib, MONO0), 2);
	past_burst(&w);
	reach = w.s.src[1].reach;
	T_CHECK(reach != 0);
	c = w.s.cfg;
	c.sel.minsane = 3;
	c.local_stratum = 7;
	c.disc.step_ns = 0;
	sync_reconfigure(&w.s, &c, clock_at(&w, w.now));
	T_EQ(w.s.src[1].reach, reach);
	T_EQ(w.s.sys.cfg.sel.minsane, 3);
	T_EQ(w.s.disc.cfg.step_ns, 0);
	T_CHECK(sync_src_in_use(&w.s, 1) && sync_src_in_use(&w.s, 2));
	/* Without a system peer, the new local stratum is served at once. */
	sync_remove(&w.s, 1, w.now);
	sync_remove(&w.s, 2, w.now);
	sync_reconfigure(&w.s, &c, clock_at(&w, w.now));
	T_EQ(sync_snapshot(&w.s)->sys.stratum, 7);
}

void
test_sync(void)
{
	request_shape();
	fresh_xmt();
	iburst_timing();
	reach();
	flash_bits();
	never_reached();
	bogus_replies();
	retries();
	kod_rate();
	kod_deny();
	kod_rate_forged();
	deny_from_peer();
	minsane_holds();
	stratum15();
	timing_loop();
	pool_falseticker();
	local_reference();
	clock_refused();
	one_server();
	falseticker();
	wild_reply();
	prefer_steers();
	spike_once();
	panic_distrust();
	pool_dropped();
	leap();
	peer_lost();
	quit_after_set();
	auth_sign();
	auth_verify();
	snapshot();
	views();
	sample_entry();
	slots_and_reconfigure();
}

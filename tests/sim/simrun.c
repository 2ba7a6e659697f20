// SPDX-License-Identifier: ISC
/*
 * simrun: the event loop of one run.  Three things happen in true time:
 * the client's timer (sync_next_timer, with CLOCK_MONOTONIC taken to be
 * true time), packets arriving (requests at a server, replies at the
 * client) and measurements (every second and at the probe times).  The
 * timer goes first when it ties with a queued event.  Every action the
 * core returns is applied at the instant of the call that returned it.
 */
#include "simrun.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sync.h"
#include "core/ts.h"
#include "simclk.h"
#include "simq.h"

#define SIMRUN_SYNC_NS 1000000 /* "in sync": within 1 ms */
#define SIMRUN_STALL_MAX 1000  /* timer calls at one instant */

/* Random streams of a seed; servers use SIMRUN_STREAM_SRV + index. */
enum {
	SIMRUN_STREAM_CLK = 1,
	SIMRUN_STREAM_NET,
	SIMRUN_STREAM_XMT,
	SIMRUN_STREAM_CORE,
	SIMRUN_STREAM_SPOOF,
	SIMRUN_STREAM_SRV = 16,
};

struct simrun_world {
	const struct simrun_spec *sp;
	struct simrun_result *res;
	struct sync s;
	struct simclk clk;
	struct simsrv srv[SIMRUN_MAX_SRV];
	int src_of[SIMRUN_MAX_SRV]; /* server -> sync source index */
	int srv_of[SYNC_MAX_SRC];   /* sync source index -> server */
	struct simq q;
	struct simrng net, xmt, spoof;
	uint64_t spoof_left, burst_left; /* uniform and aimed spoofs */
	int64_t spoof_mean_ns;           /* between two forged replies */
	int spoof_stratum; /* served at the first one; -1 before */
	int64_t now_ns, end_ns;
	int64_t stall_ns;
	int stall;
	int64_t last_send_ns[SIMRUN_MAX_SRV]; /* 0: none yet */
	int64_t gap_ns[SIMRUN_MAX_SRV];       /* between the last two */
	double sum2;
	uint64_t n_win;
	struct sync_act act[SYNC_MAX_ACTS];
};

static void
core_cfg(struct sync_cfg *c)
{
	*c = (struct sync_cfg){
		.sel = { .minclock = 3, .maxclock = 10, .minsane = 1 },
		.disc = {
			.step_ns = 128 * 1000000LL,
			.panic_ns = 1000 * TS_NS_PER_S,
			.stepout_ns = 300 * TS_NS_PER_S,
			.panic_once_ok = 1,
			.minpoll = 6,
			.maxpoll = 10,
			.max_slew_ppb = DISC_MAX_SLEW_PPB,
		},
		.local_stratum = 0,
		.precision = -20,
		.mindist_ns = 1000000,
	};
}

static double
since_start_s(const struct simrun_world *w, int64_t t_ns)
{
	return ts_to_s(t_ns - w->sp->t0_ns);
}

/* UTC (POSIX) at true time t: one second back after an inserted leap. */
static int64_t
utc_at(const struct simrun_world *w, int64_t t_ns)
{
	if (w->sp->leap_t_ns != 0 && t_ns >= w->sp->leap_t_ns)
		return t_ns - TS_NS_PER_S;
	return t_ns;
}

static int64_t
true_offset(struct simrun_world *w)
{
	return simclk_read(&w->clk, w->now_ns) - utc_at(w, w->now_ns);
}

static int
fail(struct simrun_world *w, const char *why)
{
	if (w->res->error == NULL)
		w->res->error = why;
	return -1;
}

static int
push(struct simrun_world *w, int64_t t_ns, enum simq_kind kind, int arg,
    const uint8_t *pkt, size_t len)
{
	struct simq_ev ev = { .t_ns = t_ns, .kind = kind, .arg = arg };

	if (len > sizeof(ev.pkt))
		return fail(w, "packet longer than 48 bytes");
	if (len > 0)
		memcpy(ev.pkt, pkt, len);
	ev.len = len;
	if (simq_push(&w->q, &ev) != 0)
		return fail(w, "event queue full");
	return 0;
}

static const char *
event_name(enum sync_event ev)
{
	switch (ev) {
	case SYNC_EV_SYNCED:
		return "synced";
	case SYNC_EV_LOST:
		return "lost";
	case SYNC_EV_NO_MAJORITY:
		return "no-majority";
	case SYNC_EV_STEP:
		return "step";
	case SYNC_EV_SPIKE:
		return "spike";
	case SYNC_EV_PANIC:
		return "panic";
	case SYNC_EV_KOD:
		return "kod";
	case SYNC_EV_REACHABLE:
		return "reachable";
	case SYNC_EV_UNREACHABLE:
		return "unreachable";
	case SYNC_EV_REPLACE:
		return "replace";
	case SYNC_EV_LEAP_ARMED:
		return "leap-armed";
	case SYNC_EV_DONE:
		return "done";
	case SYNC_EV_WAITING:
		return "waiting";
	case SYNC_EV_NONE_REACHABLE:
		return "none-reachable";
	case SYNC_EV_RERESOLVE:
		return "re-resolve";
	}
	return "?";
}

static void
trace_line(const struct simrun_world *w, const char *what)
{
	printf("#   %s t=%.3f s: %s\n", w->sp->name,
	    since_start_s(w, w->now_ns), what);
}

static int replace(struct simrun_world *w, int src);

static int
note_event(struct simrun_world *w, const struct sync_act *a)
{
	char line[160];

	if (a->ev == SYNC_EV_NO_MAJORITY)
		w->res->no_majority = 1;
	if (a->ev == SYNC_EV_SYNCED && a->src >= 0 && a->src < SYNC_MAX_SRC &&
	    w->srv_of[a->src] >= 0 && w->sp->srv[w->srv_of[a->src]].falseticker)
		w->res->falseticker_peer = 1;
	if (a->ev == SYNC_EV_REPLACE && replace(w, a->src) != 0)
		return fail(w, "pool replacement failed");
	if (!w->sp->trace)
		return 0;
	snprintf(line, sizeof(line), "event %s src %d value %lld%s%s",
	    event_name(a->ev), a->src, (long long)a->value_ns,
	    a->kiss[0] ? " kiss " : "", a->kiss);
	trace_line(w, line);
	return 0;
}

/* How far disc's model of the corrections (disc_correction_at) is from
 * what the backend applied: 0 unless the two disagree on the semantics. */
static int64_t
model_gap(const struct simrun_world *w)
{
	return disc_correction_at(&w->s.disc, w->now_ns) -
	    simclk_correction(&w->clk, w->now_ns);
}

static void
note_clock(struct simrun_world *w, const struct sync_act *a, int64_t off_ns)
{
	struct simrun_result *r = w->res;
	char line[200];

	r->clock_cmds++;
	if (a->do_step) {
		if (r->steps < SIMRUN_MAX_STEPS) {
			r->step_at_s[r->steps] = since_start_s(w, w->now_ns);
			r->step_ns[r->steps] = a->cmd.step_ns;
		}
		r->steps++;
	}
	if (w->sp->trace < (a->do_step ? 1 : 2))
		return;
	snprintf(line, sizeof(line),
	    "clock %s %+.6f s, freq %+lld ppb, slew %+.1f us (offset before "
	    "%+.1f us; disc model - backend %+lld ns)",
	    a->do_step ? "step" : "no step",
	    ts_to_s(a->do_step ? a->cmd.step_ns : 0),
	    (long long)a->cmd.freq_ppb, (double)a->cmd.slew_ns / 1e3,
	    (double)off_ns / 1e3, (long long)model_gap(w));
	trace_line(w, line);
}

static int
send_request(struct simrun_world *w, const struct sync_act *a)
{
	int64_t delay;
	int v;

	/* A pool member replaced by an earlier action of the same batch: as
	 * the daemon (assoc.c, do_send), its request is not sent.  Its slot
	 * is not reused at once (sync_add), so nobody else gets it. */
	if (a->src >= 0 && a->src < SYNC_MAX_SRC &&
	    !sync_src_in_use(&w->s, a->src))
		return 0;
	w->res->requests++;
	if (a->src < 0 || a->src >= SYNC_MAX_SRC || w->srv_of[a->src] < 0)
		return fail(w, "SEND to an unknown source");
	v = w->srv_of[a->src];
	w->res->sent_to[v]++;
	if (w->now_ns >= w->end_ns - w->sp->window_ns)
		w->res->requests_window++;
	if (w->last_send_ns[v] != 0)
		w->gap_ns[v] = w->now_ns - w->last_send_ns[v];
	w->last_send_ns[v] = w->now_ns;
	/* The aimed attacker strikes 50 us after the request left, before
	 * any reply (the path takes at least 100 us each way). */
	if (w->burst_left > 0 && w->now_ns >= w->sp->spoof_from_ns &&
	    push(w, w->now_ns + 50000, SIMQ_BURST, a->src, NULL, 0) != 0)
		return -1;
	if (simnet_draw(simsrv_link(&w->srv[v], 1, w->now_ns, &w->sp->link),
	        &w->net, &delay) != 0)
		return 0;
	return push(w, w->now_ns + delay, SIMQ_REQUEST, v, a->pkt, a->len);
}

static int
apply_clock(struct simrun_world *w, const struct sync_act *a)
{
	int64_t before = true_offset(w);

	simclk_apply(&w->clk, w->now_ns, a->do_step, &a->cmd);
	note_clock(w, a, before);
	return 0;
}

static int
leap_sign(int64_t v)
{
	return v > 0 ? 1 : v < 0 ? -1 : 0;
}

static int
apply_act(struct simrun_world *w, const struct sync_act *a)
{
	switch (a->kind) {
	case SYNC_ACT_SEND:
		return send_request(w, a);
	case SYNC_ACT_CLOCK:
		return apply_clock(w, a);
	case SYNC_ACT_LEAP:
		if (w->sp->trace)
			trace_line(w,
			    a->value_ns ? "backend: leap armed"
			                : "backend: leap disarmed");
		simclk_arm_leap(&w->clk, w->now_ns, leap_sign(a->value_ns));
		return 0;
	case SYNC_ACT_EVENT:
		return note_event(w, a);
	case SYNC_ACT_PEERSTATS:
		w->res->samples++;
		return 0;
	case SYNC_ACT_LOOPSTATS:
		return 0; /* statistics files: the traces read the state */
	}
	return fail(w, "unknown action kind");
}

static int
apply_acts(struct simrun_world *w, size_t n)
{
	size_t i;

	if (n > SYNC_MAX_ACTS)
		return fail(w, "core returned more actions than the cap");
	for (i = 0; i < n; i++)
		if (apply_act(w, &w->act[i]) != 0)
			return -1;
	return 0;
}

static int
on_timer(struct simrun_world *w)
{
	int64_t clk = simclk_read(&w->clk, w->now_ns);
	size_t n;

	n = sync_on_timer(&w->s, w->now_ns, clk, simrng_next(&w->xmt), w->act,
	    SYNC_MAX_ACTS);
	return apply_acts(w, n);
}

static int
on_request(struct simrun_world *w, const struct simq_ev *ev)
{
	struct simsrv *v = &w->srv[ev->arg];
	uint8_t reply[SIMQ_PKT_MAX];
	int64_t delay;
	size_t n;

	n = simsrv_answer(v, ev->pkt, ev->len, w->now_ns, reply, sizeof(reply));
	if (n == 0)
		return 0;
	if (simnet_draw(simsrv_link(v, 0, w->now_ns, &w->sp->link), &w->net,
	        &delay) != 0)
		return 0;
	return push(w, w->now_ns + v->cfg.proc_ns + delay, SIMQ_REPLY, ev->arg,
	    reply, n);
}

/* SIM_TRACE=3: the source's state after each reply. */
static void
trace_reply(const struct simrun_world *w, int src)
{
	const struct peer *p = &w->s.src[src];
	const struct filt *f = &p->filt;
	char line[240];

	snprintf(line, sizeof(line),
	    "reply src %d: %s reach %03o, filt %d stages%s offset %+.1f us "
	    "delay %.1f us disp %.1f us jitter %.1f us, leap %u",
	    src, sel_status_str(p->sel), p->reach, f->n,
	    f->have_out ? "," : " (no output),", (double)f->offset_ns / 1e3,
	    (double)f->delay_ns / 1e3, (double)f->disp_ns / 1e3,
	    (double)f->jitter_ns / 1e3, p->leap);
	trace_line(w, line);
}

static int
on_reply(struct simrun_world *w, const struct simq_ev *ev)
{
	int64_t clk = simclk_read(&w->clk, w->now_ns);
	int src = w->src_of[ev->arg];
	size_t n;

	if (src < 0)
		return 0; /* to a pool member dropped meanwhile */
	w->res->replies++;
	n = sync_on_reply(&w->s, src, ev->pkt, ev->len, clk, w->now_ns, w->act,
	    SYNC_MAX_ACTS);
	if (w->sp->trace >= 3)
		trace_reply(w, src);
	return apply_acts(w, n);
}

/* A forged reply: what a blind attacker can put together (a plausible
 * stratum-1 header, times near the true time or anything at all), with a
 * random origin, since it never sees the requests. */
static void
forge(struct simrun_world *w, uint8_t *pkt)
{
	uint64_t r = simrng_next(&w->spoof), rec = 0, xmt = 0, org;
	int64_t t = w->now_ns + (int64_t)(r % (2000 * TS_NS_PER_S)) -
	    1000 * TS_NS_PER_S;
	int i;

	/* Half of them within 100 us of the true time (a sample the gate
	 * would pass, if the origin matched), a quarter within 1000 s, a
	 * quarter with random times. */
	if (r >> 63)
		t = w->now_ns + (int64_t)(r % 200000) - 100000;
	org = simrng_next(&w->spoof);
	if (r >> 62) {
		(void)ts_to_ntp64(t, &rec);
		(void)ts_to_ntp64(t + 20000, &xmt);
	} else {
		rec = simrng_next(&w->spoof);
		xmt = simrng_next(&w->spoof);
	}
	memset(pkt, 0, 48);
	pkt[0] = 0x24; /* leap 0, version 4, mode 4 */
	pkt[1] = 1;
	pkt[2] = 6;
	pkt[3] = 0xec;
	pkt[11] = 0x07; /* root dispersion ~100 us */
	memcpy(pkt + 12, "GPS", 3);
	for (i = 0; i < 8; i++) {
		pkt[16 + i] = (uint8_t)(rec >> (56 - 8 * i));
		pkt[24 + i] = (uint8_t)(org >> (56 - 8 * i));
		pkt[32 + i] = (uint8_t)(rec >> (56 - 8 * i));
		pkt[40 + i] = (uint8_t)(xmt >> (56 - 8 * i));
	}
}

/* What followed a forged reply: a sample, a clock command, a change of
 * what is served are counted (every one of them is a failure). */
static void
spoof_account(struct simrun_world *w, size_t n, uint64_t gen)
{
	const struct sync_snap *snap = sync_snapshot(&w->s);
	size_t i;

	for (i = 0; i < n && i < SYNC_MAX_ACTS; i++) {
		w->res->spoof_samples += w->act[i].kind == SYNC_ACT_PEERSTATS;
		w->res->spoof_clock += w->act[i].kind == SYNC_ACT_CLOCK;
	}
	w->res->spoof_served += snap->gen != gen;
	if (w->spoof_stratum < 0)
		w->spoof_stratum = snap->sys.stratum;
	w->res->spoof_stratum += snap->sys.stratum != w->spoof_stratum;
}

/* One forged reply to source src, now. */
static int
spoof_one(struct simrun_world *w, int src)
{
	int64_t clk = simclk_read(&w->clk, w->now_ns);
	uint64_t gen = sync_snapshot(&w->s)->gen;
	uint8_t pkt[48];
	size_t n;

	forge(w, pkt);
	w->res->spoofed++;
	w->res->spoofed_outstanding += (uint64_t)sync_outstanding(&w->s, src);
	n = sync_on_reply(&w->s, src, pkt, sizeof(pkt), clk, w->now_ns, w->act,
	    SYNC_MAX_ACTS);
	spoof_account(w, n, gen);
	return apply_acts(w, n);
}

/* A burst aimed at source src's request (if it is still a source). */
static int
on_burst(struct simrun_world *w, int src)
{
	uint64_t k = w->sp->spoofs / 40;

	if (k > w->burst_left)
		k = w->burst_left;
	w->burst_left -= k;
	while (k-- > 0)
		if (w->srv_of[src] >= 0 && spoof_one(w, src) != 0)
			return -1;
	return 0;
}

static int
on_spoof(struct simrun_world *w)
{
	int v = (int)(simrng_next(&w->spoof) % (uint64_t)w->sp->n_srv);

	if (w->spoof_left == 0)
		return 0;
	w->spoof_left--;
	if (w->src_of[v] >= 0 && spoof_one(w, w->src_of[v]) != 0)
		return -1;
	if (w->spoof_left == 0)
		return 0;
	return push(w,
	    w->now_ns + 1 +
	        (int64_t)(simrng_uniform(&w->spoof) * 2.0 *
	            (double)w->spoof_mean_ns),
	    SIMQ_SPOOF, 0, NULL, 0);
}

/* The interval between the last two requests to the system peer, or to
 * server 0 when there is none: the poll actually in effect. */
static double
poll_s(const struct simrun_world *w)
{
	int p = w->s.sys.peer;
	int v = 0;

	if (p >= 0 && p < SYNC_MAX_SRC && w->srv_of[p] >= 0)
		v = w->srv_of[p];
	return ts_to_s(w->gap_ns[v]);
}

static void
trace_periodic(const struct simrun_world *w, int64_t off_ns)
{
	const struct sync *s = &w->s;

	printf("#   %s t=%.0f s: offset %+.1f us, peer %d (interval %.0f s), "
	       "q %.1e poll %d freq %+lld ppb (err %+.1f ppb), "
	       "jitter %.1f us, requests %llu, disc model - backend %+lld ns\n",
	    w->sp->name, since_start_s(w, w->now_ns), (double)off_ns / 1e3,
	    s->sys.peer, poll_s(w), s->disc.k_q, s->disc.poll,
	    (long long)s->disc.freq_ppb, simclk_freq_err_ppb(&w->clk),
	    (double)s->disc.jitter_ns / 1e3,
	    (unsigned long long)w->res->requests, (long long)model_gap(w));
}

static void
account(struct simrun_world *w, int64_t off_ns)
{
	struct simrun_result *r = w->res;
	double a = fabs((double)off_ns);
	double t = since_start_s(w, w->now_ns);

	if (a < SIMRUN_SYNC_NS && r->sync_s < 0)
		r->sync_s = t;
	if (a >= SIMRUN_SYNC_NS)
		r->settled_s = -1;
	else if (r->settled_s < 0)
		r->settled_s = t;
	if (w->now_ns < w->end_ns - w->sp->window_ns)
		return;
	w->sum2 += a * a;
	w->n_win++;
	if (a > r->max_ns)
		r->max_ns = a;
}

static int
on_sample(struct simrun_world *w)
{
	int64_t off = true_offset(w);
	int64_t t = w->now_ns - w->sp->t0_ns;

	account(w, off);
	if (w->sp->trace && w->sp->trace_every_ns > 0 &&
	    t % w->sp->trace_every_ns < TS_NS_PER_S)
		trace_periodic(w, off);
	if (w->now_ns + TS_NS_PER_S > w->end_ns)
		return 0;
	return push(w, w->now_ns + TS_NS_PER_S, SIMQ_SAMPLE, 0, NULL, 0);
}

static int
on_event(struct simrun_world *w, const struct simq_ev *ev)
{
	switch (ev->kind) {
	case SIMQ_SAMPLE:
		return on_sample(w);
	case SIMQ_PROBE:
		w->res->probe_ns[ev->arg] = (double)true_offset(w);
		return 0;
	case SIMQ_REQUEST:
		return on_request(w, ev);
	case SIMQ_REPLY:
		return on_reply(w, ev);
	case SIMQ_SPOOF:
		return on_spoof(w);
	case SIMQ_BURST:
		return on_burst(w, ev->arg);
	}
	return fail(w, "unknown event kind");
}

/* A falseticker must never be the system peer, not even for one event. */
static void
check_peer(struct simrun_world *w)
{
	int p = w->s.sys.peer;

	if (p >= 0 && p < SYNC_MAX_SRC && w->srv_of[p] >= 0 &&
	    w->sp->srv[w->srv_of[p]].falseticker)
		w->res->falseticker_peer = 1;
}

/* Advance to the next instant: 1 to go on, 0 at the end, -1 on error. */
static int
step_once(struct simrun_world *w)
{
	int64_t tt = sync_next_timer(&w->s);
	int64_t tq = simq_next_time(&w->q);
	struct simq_ev ev;
	int rc;

	if (tt < w->now_ns)
		tt = w->now_ns;
	if (tt > w->end_ns && tq > w->end_ns)
		return 0;
	if (tt <= tq) {
		w->stall = tt == w->stall_ns ? w->stall + 1 : 0;
		w->stall_ns = tt;
		if (w->stall > SIMRUN_STALL_MAX)
			return fail(w, "sync_next_timer does not advance");
		w->now_ns = tt;
		rc = on_timer(w);
	} else {
		simq_pop(&w->q, &ev);
		w->now_ns = ev.t_ns;
		rc = on_event(w, &ev);
	}
	check_peer(w);
	return rc == 0 ? 1 : -1;
}

/* Make server v a source of the client. */
static int
add_source(struct simrun_world *w, int v)
{
	struct sync_src_cfg sc = {
		.flags = w->sp->pool ? 0 : SYNC_IBURST,
		.minpoll = 6,
		.maxpoll = 10,
		.version = 4,
		.refid = 0xc0000201u + (uint32_t)v, /* 192.0.2.1... */
		.from_pool = w->sp->pool,
		.addr_key = (uint64_t)v + 1,
	};
	int src = sync_add(&w->s, &sc, w->now_ns);

	if (src < 0 || src >= SYNC_MAX_SRC)
		return -1;
	w->src_of[v] = src;
	w->srv_of[src] = v;
	return 0;
}

/* The shell's part of pool replacement: drop the source, take the next
 * reserve server the core has not seen dropped within the hour. */
static int
replace(struct simrun_world *w, int src)
{
	int v, n = w->sp->n_srv + w->sp->n_spares;

	if (src < 0 || src >= SYNC_MAX_SRC || w->srv_of[src] < 0)
		return -1;
	w->src_of[w->srv_of[src]] = -1;
	w->srv_of[src] = -1;
	sync_remove(&w->s, src, w->now_ns);
	w->res->replaced++;
	for (v = 0; v < n; v++)
		if (w->src_of[v] < 0 &&
		    !sync_dropped_recently(&w->s, (uint64_t)v + 1, w->now_ns))
			return add_source(w, v);
	return 0; /* the pool has nobody else: one source fewer */
}

static int
add_servers(struct simrun_world *w)
{
	const struct simrun_spec *sp = w->sp;
	int i;

	for (i = 0; i < SYNC_MAX_SRC; i++)
		w->srv_of[i] = -1;
	if (sp->n_srv < 1 || sp->n_srv + sp->n_spares > SIMRUN_MAX_SRV)
		return fail(w, "bad number of servers");
	for (i = 0; i < sp->n_srv + sp->n_spares; i++) {
		simsrv_init(&w->srv[i], &sp->srv[i], sp->t0_ns, sp->seed,
		    SIMRUN_STREAM_SRV + (uint64_t)i);
		w->src_of[i] = -1;
		if (i < sp->n_srv && add_source(w, i) != 0)
			return fail(w, "sync_add failed");
	}
	return 0;
}

static int
setup(struct simrun_world *w)
{
	const struct simrun_spec *sp = w->sp;
	struct sync_cfg cfg;
	struct simrng core;
	int i;

	*w->res = (struct simrun_result){ .sync_s = -1, .settled_s = -1 };
	core_cfg(&cfg);
	simclk_init(&w->clk, &sp->clk, sp->t0_ns, sp->seed, SIMRUN_STREAM_CLK);
	simrng_init(&w->net, sp->seed, SIMRUN_STREAM_NET);
	simrng_init(&w->xmt, sp->seed, SIMRUN_STREAM_XMT);
	simrng_init(&core, sp->seed, SIMRUN_STREAM_CORE);
	simrng_init(&w->spoof, sp->seed, SIMRUN_STREAM_SPOOF);
	simq_init(&w->q);
	w->now_ns = sp->t0_ns;
	w->end_ns = sp->t0_ns + sp->duration_ns;
	w->stall_ns = -1;
	sync_init(&w->s, &cfg, simrng_next(&core),
	    simclk_read(&w->clk, sp->t0_ns));
	if (add_servers(w) != 0)
		return -1;
	/* Samples half-way between whole seconds, so that none falls on a
	 * leap second's edge, where POSIX time is ambiguous. */
	if (push(w, sp->t0_ns + TS_NS_PER_S / 2, SIMQ_SAMPLE, 0, NULL, 0))
		return -1;
	for (i = 0; i < sp->n_probes && i < SIMRUN_MAX_PROBES; i++)
		if (push(w, sp->probe_t_ns[i], SIMQ_PROBE, i, NULL, 0) != 0)
			return -1;
	w->spoof_stratum = -1;
	w->spoof_left = sp->spoofs / 2;
	w->burst_left = sp->spoofs - w->spoof_left;
	if (sp->spoofs == 0)
		return 0;
	w->spoof_mean_ns = (w->end_ns - sp->spoof_from_ns) / 2 /
	    (int64_t)w->spoof_left; /* done half-way from start to end */
	return push(w, sp->spoof_from_ns, SIMQ_SPOOF, 0, NULL, 0);
}

static void
finish(struct simrun_world *w)
{
	struct simrun_result *r = w->res;
	int64_t c = simclk_read(&w->clk, w->end_ns);
	struct sync_src_view v;
	int i;

	r->rms_ns = w->n_win ? sqrt(w->sum2 / (double)w->n_win) : 0;
	r->end_vs_srv0_ns = (double)(c - simsrv_read(&w->srv[0], w->end_ns));
	r->freq_err_ppb = simclk_freq_err_ppb(&w->clk);
	r->poll_s = poll_s(w);
	r->leaps = w->clk.n_leaps;
	r->leap_at_s = r->leaps ? since_start_s(w, w->clk.leap_true_ns) : -1;
	for (i = 0; i < SYNC_MAX_SRC; i++)
		if (sync_src_info(&w->s, i, c, &v) == 0) {
			r->bogus += v.bogus;
			r->held += v.held_back;
		}
}

int
simrun(const struct simrun_spec *sp, struct simrun_result *res)
{
	struct simrun_world *w = calloc(1, sizeof(*w));
	int rc;

	if (w == NULL) {
		res->error = "out of memory";
		return -1;
	}
	w->sp = sp;
	w->res = res;
	rc = setup(w);
	if (rc == 0) {
		do
			rc = step_once(w);
		while (rc == 1);
	}
	if (rc == 0)
		finish(w);
	free(w);
	return rc;
}

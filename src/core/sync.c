// SPDX-License-Identifier: ISC
/*
 * sync: associations (RFC 5905 sections 9 and 13, RFC 8633), selection
 * and discipline glued into one event-driven state machine.  Every entry
 * point appends actions to a caller-provided array; see sync.h.
 */
#include "core/sync.h"

#include <string.h>

#include "core/exch.h"
#include "core/pkt.h"
#include "core/ts.h"

#define START_BURST 4  /* quick requests at start (and iburst), as chronyd */
#define IBURST_COUNT 8 /* `burst`: eight packets (RFC 5905) */
#define BURST_SPACING_S 2
#define READY_SAMPLES \
	4                        /* a source takes part in the first selection
			     with this many samples (or its burst over) */
#define UNREACH 8                /* unanswered polls: unreachable */
#define KOD_RATE_HOLD_S 3600     /* a RATE kiss raises the poll this long */
#define KOD_DENY_RETRY_S 3600    /* DENY/RSTR from a server: retry hourly */
#define DROPPED_HOLD_S 3600      /* a dropped pool address is not retaken */
#define NO_MAJORITY_EVERY_S 3600 /* "no majority" at most hourly */
#define GATE_JITTERS 4    /* sample gate: allowed jitters off prediction */
#define GATE_MIN_STAGES 4 /* ...once the filter has this many */
#define STEER_DIST_RATIO \
	2 /* survivors this far beyond the closest one
			      (in root distance) do not steer */
#define MAXDIST_NS (TS_NS_PER_S * 3 / 2) /* RFC 5905 MAXDIST, 1.5 s */
#define KOD_POLL_MAX 13  /* RATE never pushes the poll beyond 2^13 s */
#define FALSETICK_RUN 8  /* pool member: selections as falseticker */
#define RETRIES 2        /* quick re-sends of a lost request per poll */
#define RETRY_MIN_POLL 6 /* ...at polls of 64 s and more */
#define RETRY_AFTER_S 4  /* ...this long after the last one */
#ifndef SIGMA_FLOOR_DIV
#define SIGMA_FLOOR_DIV 8
#endif

struct out {
	struct sync_act *a;
	size_t n, cap;
};

static int retry_due(const struct sync_src *p);
static void run_selection(struct sync *s, int64_t clock_ns, struct out *o);

static struct sync_act *
push(struct out *o, enum sync_act_kind kind, int src)
{
	struct sync_act *a;

	if (o->n >= o->cap)
		return NULL;
	a = &o->a[o->n++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->src = src;
	return a;
}

static void
event(struct out *o, int src, enum sync_event ev, int64_t value)
{
	struct sync_act *a = push(o, SYNC_ACT_EVENT, src);

	if (a != NULL) {
		a->ev = ev;
		a->value_ns = value;
	}
}

/* splitmix64: derive further random values from one seed value. */
static uint64_t
mix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* No system peer: serve the local clock if configured, else say we are
 * unsynchronized so that clients turn to other servers (as chronyd
 * does once it has no selectable source). */
static void
local_or_unsync(struct sync *s, int64_t clock_ns)
{
	if (s->cfg.local_stratum == 0) {
		srv_sys_unsync(&s->sys, s->cfg.precision);
		return;
	}
	s->sys.leap = PKT_LEAP_NONE;
	s->sys.stratum = (uint8_t)s->cfg.local_stratum;
	s->sys.refid = pkt_refid_str("LOCL");
	s->sys.ref_ns = clock_ns;
	s->sys.root_delay_ns = 0;
	s->sys.root_disp_ns = 0;
}

void
sync_init(struct sync *s, const struct sync_cfg *cfg, uint64_t seed,
    int64_t clock_ns)
{
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	s->sys_peer = -1;
	s->rng = seed;
	disc_init(&s->disc, &cfg->disc, cfg->initial_freq_ppb);
	srv_sys_unsync(&s->sys, cfg->precision);
	local_or_unsync(s, clock_ns);
}

int
sync_add(struct sync *s, const struct sync_src_cfg *cfg, int64_t mono_ns)
{
	int i;

	for (i = 0; i < SYNC_MAX_SRC; i++) {
		struct sync_src *p = &s->src[i];

		if (p->in_use)
			continue;
		memset(p, 0, sizeof(*p));
		p->in_use = 1;
		p->cfg = *cfg;
		p->poll = cfg->minpoll;
		p->stratum = 16;
		p->leap = PKT_LEAP_UNSYNC;
		p->sel = SEL_REJECT;
		/* Every source starts with a short burst, iburst or not: the
		 * first selection needs a few samples from each. */
		p->burst_left = START_BURST;
		filt_init(&p->filt);
		/* Spread first polls over a second so that many sources do
		 * not go out in one burst. */
		p->next_mono_ns =
		    mono_ns + (int64_t)(mix(&s->rng) % (uint64_t)TS_NS_PER_S);
		return i;
	}
	return -1;
}

void
sync_remove(struct sync *s, int idx, int64_t mono_ns)
{
	int i, old = 0;

	if (idx < 0 || idx >= SYNC_MAX_SRC)
		return;
	if (s->src[idx].cfg.from_pool && s->src[idx].cfg.addr_key != 0) {
		/* Remember it in place of the oldest entry. */
		for (i = 1; i < SYNC_MAX_SRC; i++)
			if (s->dropped[i].mono_ns < s->dropped[old].mono_ns)
				old = i;
		s->dropped[old].key = s->src[idx].cfg.addr_key;
		s->dropped[old].mono_ns = mono_ns;
	}
	s->src[idx].in_use = 0;
	if (s->sys_peer == idx)
		s->sys_peer = -1;
}

int
sync_dropped_recently(const struct sync *s, uint64_t key, int64_t mono_ns)
{
	int i;

	for (i = 0; i < SYNC_MAX_SRC; i++)
		if (s->dropped[i].key == key && s->dropped[i].mono_ns != 0 &&
		    mono_ns - s->dropped[i].mono_ns <
		        DROPPED_HOLD_S * TS_NS_PER_S)
			return 1;
	return 0;
}

int64_t
sync_next_timer(const struct sync *s)
{
	int64_t t = INT64_MAX;
	int i;

	for (i = 0; i < SYNC_MAX_SRC; i++) {
		const struct sync_src *p = &s->src[i];

		if (!p->in_use)
			continue;
		if (p->next_mono_ns < t)
			t = p->next_mono_ns;
		if (retry_due(p) && p->retry_mono_ns < t)
			t = p->retry_mono_ns;
	}
	return t;
}

static int
src_poll(const struct sync *s, const struct sync_src *p)
{
	int poll = s->disc.poll;

	if (poll < p->cfg.minpoll)
		poll = p->cfg.minpoll;
	if (poll > p->cfg.maxpoll)
		poll = p->cfg.maxpoll;
	/* An unreachable source backs off by one step per unanswered poll
	 * (ntpd's rule), so a dead one costs what a live one at maxpoll
	 * does. */
	if (p->unanswered + 1 >= UNREACH &&
	    poll < p->cfg.minpoll + p->unanswered + 2 - UNREACH)
		poll = p->cfg.minpoll + p->unanswered + 2 - UNREACH;
	if (poll < p->kod_poll_min)
		poll = p->kod_poll_min;
	return poll > p->cfg.maxpoll ? p->cfg.maxpoll : poll;
}

/* Reach bookkeeping at each transmission (RFC 5905 section 13.1).
 * A source is unreachable after UNREACH polls in a row without a reply,
 * whether or not it ever answered.  Returns 1 when the source has just
 * become unreachable. */
static int
on_poll(struct sync *s, int i, int64_t clock_ns, struct out *o)
{
	struct sync_src *p = &s->src[i];
	uint8_t was = p->reach;
	int lost = 0;

	p->reach = (uint8_t)(p->reach << 1);
	if (p->xmt_sent != 0) /* the last request went unanswered */
		p->unanswered++;
	if (p->xmt_sent != 0 && (p->reach & 0x6) == 0 && was != 0)
		filt_miss(&p->filt, clock_ns);
	/* As the reach register: the poll being sent counts too. */
	if (p->unanswered + 1 == UNREACH) {
		event(o, i, SYNC_EV_UNREACHABLE, 0);
		p->sel = SEL_REJECT;
		lost = was != 0 || p->received > 0;
		/* Policy: a pool member is replaced, a server's name is
		 * resolved again (it may have moved). */
		event(o, i,
		    p->cfg.from_pool ? SYNC_EV_REPLACE : SYNC_EV_RERESOLVE,
		    SYNC_REPLACE_UNREACHABLE);
	} else if (p->unanswered + 1 > UNREACH &&
	    (p->unanswered + 1 - UNREACH) % UNREACH == 0 && !p->cfg.from_pool) {
		event(o, i, SYNC_EV_RERESOLVE, SYNC_REPLACE_UNREACHABLE);
	}
	if (p->burst_left == 0 &&
	    (((p->cfg.flags & SYNC_IBURST) && lost) ||
	        ((p->cfg.flags & SYNC_BURST) && was != 0)))
		p->burst_left = lost ? START_BURST : IBURST_COUNT;
	if (p->kod_poll_min != 0 && p->t1_mono_ns >= p->kod_until_mono_ns)
		p->kod_poll_min = 0; /* a RATE kiss's effect decays */
	p->kod_denied = 0;           /* the hourly retry after DENY/RSTR */
	return lost;
}

/* Queue one data-minimized client request (RFC 9109 and the NTP client
 * data minimization draft): only version, mode, poll and a fresh random
 * transmit value, which the reply must echo.  0, or -1 when full. */
static int
put_request(struct sync *s, int i, int64_t clock_ns, int64_t mono_ns,
    uint64_t *rnd, struct out *o)
{
	struct sync_src *p = &s->src[i];
	struct sync_act *a = push(o, SYNC_ACT_SEND, i);
	struct pkt_hdr h = { .version = p->cfg.version ? p->cfg.version : 4,
		.mode = PKT_MODE_CLIENT,
		.poll = (int8_t)p->poll };

	if (a == NULL)
		return -1;
	do
		p->xmt_sent = mix(rnd);
	while (p->xmt_sent == 0);
	h.xmt_ts = p->xmt_sent;
	a->len = pkt_encode_hdr(&h, a->pkt, sizeof(a->pkt));
	p->t1_ns = clock_ns;
	p->t1_mono_ns = mono_ns;
	p->sent++;
	return 0;
}

/* A regular poll (or a burst packet).  Returns 1 when the source has
 * just become unreachable. */
static int
send_request(struct sync *s, int i, int64_t clock_ns, int64_t mono_ns,
    uint64_t *rnd, struct out *o)
{
	struct sync_src *p = &s->src[i];
	int lost = on_poll(s, i, clock_ns, o);

	p->poll = src_poll(s, p);
	if (put_request(s, i, clock_ns, mono_ns, rnd, o) != 0)
		return lost;
	p->polls++;
	if (p->burst_left > 1) {
		p->burst_left--;
		p->next_mono_ns = mono_ns + BURST_SPACING_S * TS_NS_PER_S;
		return lost;
	}
	p->burst_left = 0;
	p->next_mono_ns = mono_ns + ts_log2_ns(p->poll);
	/* A lost packet at a long poll would leave the discipline without
	 * data for two intervals: re-send a couple of times, quickly. */
	if (p->poll >= RETRY_MIN_POLL && p->reach != 0) {
		p->retries_left = RETRIES;
		p->retry_mono_ns = mono_ns + RETRY_AFTER_S * TS_NS_PER_S;
	}
	return lost;
}

/* Re-send an unanswered request within the same poll: a new transmit
 * value (the old one's late reply is then ignored), no reach shift. */
static void
send_retry(struct sync *s, int i, int64_t clock_ns, int64_t mono_ns,
    uint64_t *rnd, struct out *o)
{
	struct sync_src *p = &s->src[i];

	if (put_request(s, i, clock_ns, mono_ns, rnd, o) != 0)
		return;
	p->retries_left--;
	p->retry_mono_ns = mono_ns + RETRY_AFTER_S * TS_NS_PER_S;
}

static int
retry_due(const struct sync_src *p)
{
	return p->xmt_sent != 0 && p->retries_left > 0;
}

/* Nobody has answered, and some source has had two requests go
 * unanswered. */
static int
no_answer_yet(const struct sync *s)
{
	int i, asked = 0;

	for (i = 0; i < SYNC_MAX_SRC; i++) {
		if (!s->src[i].in_use)
			continue;
		if (s->src[i].received > 0)
			return 0;
		asked |= s->src[i].unanswered >= 2;
	}
	return asked;
}

size_t
sync_on_timer(struct sync *s, int64_t mono_ns, int64_t clock_ns,
    uint64_t rand64, struct sync_act *act, size_t cap)
{
	struct out o = { act, 0, cap };
	uint64_t rnd = rand64;
	int i, lost = 0;

	s->now_mono_ns = mono_ns;
	/* One request per call, each with the caller's fresh random value:
	 * deriving several transmit values from one would let an observer
	 * of one request predict the others (RFC 9109).  The caller calls
	 * again while sync_next_timer says more are due. */
	for (i = 0; i < SYNC_MAX_SRC; i++) {
		struct sync_src *p = &s->src[i];

		if (!p->in_use)
			continue;
		if (p->next_mono_ns <= mono_ns) {
			lost = send_request(s, i, clock_ns, mono_ns, &rnd, &o);
			break;
		}
		if (retry_due(p) && p->retry_mono_ns <= mono_ns) {
			send_retry(s, i, clock_ns, mono_ns, &rnd, &o);
			break;
		}
	}
	/* Start-up: say once that nobody has answered yet. */
	if (!s->settled && !s->none_logged && no_answer_yet(s)) {
		event(&o, -1, SYNC_EV_NONE_REACHABLE, 0);
		s->none_logged = 1;
	}
	/* A source that just became unreachable may have been the system
	 * peer: selection must run without waiting for a reply. */
	if (lost && s->settled)
		run_selection(s, clock_ns, &o);
	return o.n;
}

/* RFC 5905 section 11.2 root distance of a source right now. */
static int64_t
root_dist(const struct sync_src *p, int64_t clock_ns)
{
	return ts_root_distance(p->root_delay_ns, p->root_disp_ns,
	    p->filt.delay_ns, filt_disp_at(&p->filt, clock_ns),
	    p->filt.jitter_ns);
}

static int
own_refid(const struct sync *s, const struct sync_src *p)
{
	int i;

	if (p->stratum <= 1) /* a reference name, not an address */
		return 0;
	for (i = 0; i < s->n_own_refids; i++)
		if (s->own_refids[i] == p->refid)
			return 1;
	return 0;
}

void
sync_set_own_refids(struct sync *s, const uint32_t *refids, int n)
{
	int i;

	for (i = 0; i < n && i < SYNC_MAX_OWN; i++)
		s->own_refids[i] = refids[i];
	s->n_own_refids = i;
}

static int
usable(const struct sync *s, const struct sync_src *p, int64_t clock_ns)
{
	/* Stratum 15 is usable by RFC 5905, but we could only serve it as
	 * 16, which is "unsynchronized": such a source cannot be followed. */
	return p->in_use && !p->kod_denied && p->reach != 0 &&
	    p->filt.have_out && p->stratum >= 1 && p->stratum < 15 &&
	    p->leap != PKT_LEAP_UNSYNC && root_dist(p, clock_ns) < MAXDIST_NS &&
	    !own_refid(s, p);
}

static void
kiss(struct sync *s, int i, const char *code, int64_t clock_ns, struct out *o)
{
	struct sync_src *p = &s->src[i];
	struct sync_act *a = push(o, SYNC_ACT_EVENT, i);

	if (a != NULL) {
		a->ev = SYNC_EV_KOD;
		memcpy(a->kiss, code, sizeof(a->kiss));
	}
	/* RFC 5905 section 7.4: DENY and RSTR demobilize, RATE backs off.
	 * Unauthenticated, a kiss may be forged by anyone on the path, so
	 * its effect is bounded: a pool member is swapped for another, a
	 * configured server is asked again an hour later; RATE raises the
	 * poll one step, never past maxpoll, for an hour. */
	if (strcmp(code, "DENY") == 0 || strcmp(code, "RSTR") == 0) {
		p->kod_denied = 1;
		p->sel = SEL_REJECT;
		p->burst_left = 0;
		p->retries_left = 0;
		p->next_mono_ns =
		    p->t1_mono_ns + KOD_DENY_RETRY_S * TS_NS_PER_S;
		if (p->cfg.from_pool)
			event(o, i, SYNC_EV_REPLACE, SYNC_REPLACE_DENIED);
		/* It may have been the system peer: choose again now, it
		 * will never send anything that would make us. */
		if (s->settled)
			run_selection(s, clock_ns, o);
	} else if (strcmp(code, "RATE") == 0) {
		int np = src_poll(s, p) + 1;

		if (np > p->cfg.maxpoll)
			np = p->cfg.maxpoll;
		p->kod_poll_min = np > KOD_POLL_MAX ? KOD_POLL_MAX : np;
		p->kod_until_mono_ns =
		    p->t1_mono_ns + KOD_RATE_HOLD_S * TS_NS_PER_S;
		p->burst_left = 0;
		p->next_mono_ns = p->t1_mono_ns + ts_log2_ns(p->kod_poll_min);
	}
}

static void
take_header(struct sync_src *p, const struct exch_sample *x)
{
	p->leap = x->leap;
	p->stratum = x->stratum;
	p->precision = x->precision;
	p->refid = x->refid;
	p->root_delay_ns = x->root_delay_ns;
	p->root_disp_ns = x->root_disp_ns;
}

/* ntpd's peer status word: high byte configured|reachable|select code;
 * low byte left 0 (we keep no per-peer event counter). */
static unsigned
status_word(const struct sync_src *p)
{
	static const unsigned code[] = { 0, 1, 2, 4, 6 };

	return (0x80u | (p->reach ? 0x10u : 0) | code[p->sel]) << 8;
}

static void
peerstats(const struct sync_src *p, int i, const struct sync_sample *x,
    struct out *o)
{
	struct sync_act *a = push(o, SYNC_ACT_PEERSTATS, i);

	if (a == NULL)
		return;
	a->status = status_word(p);
	a->offset_ns = x->offset_ns;
	a->delay_ns = x->delay_ns;
	a->disp_ns = x->disp_ns;
	a->jitter_ns = p->filt.jitter_ns;
}

/* Leap announcement of the majority of survivors (RFC 5905 section
 * 11.2.3 leaves the vote to the implementation; ntpd uses a majority). */
static void
leap_vote(struct sync *s, int64_t clock_ns, struct out *o)
{
	int i, n = 0, ins = 0, del = 0, want, arm;
	struct sync_act *a;

	for (i = 0; i < SYNC_MAX_SRC; i++) {
		const struct sync_src *p = &s->src[i];

		if (!p->in_use ||
		    (p->sel != SEL_CANDIDATE && p->sel != SEL_SYSPEER))
			continue;
		n++;
		ins += p->leap == PKT_LEAP_INSERT;
		del += p->leap == PKT_LEAP_DELETE;
	}
	want = 2 * ins > n ? 1 : 2 * del > n ? -1 : 0;
	/* Announce at once, but arm the clock only on the last day of the
	 * month: the backend takes the second at the coming midnight. */
	arm = ts_last_day_of_month(clock_ns) ? want : 0;
	s->sys.leap = want == 1 ? PKT_LEAP_INSERT
	    : want == -1        ? PKT_LEAP_DELETE
	                        : PKT_LEAP_NONE;
	if (arm == s->leap_armed || (a = push(o, SYNC_ACT_LEAP, -1)) == NULL)
		return;
	a->value_ns = arm;
	s->leap_armed = arm;
	if (arm != 0)
		event(o, -1, SYNC_EV_LEAP_ARMED, arm);
}

/* RFC 5905 section 11.2.3 clock_update: the system variables we serve
 * follow the system peer. */
static void
update_sys(struct sync *s, int64_t clock_ns)
{
	const struct sync_src *p = &s->src[s->sys_peer];

	s->sys.stratum = (uint8_t)(p->stratum + 1);
	s->sys.refid = p->cfg.refid;
	s->sys.ref_ns = clock_ns;
	s->sys.root_delay_ns = p->root_delay_ns + p->filt.delay_ns;
	s->sys.root_disp_ns = p->root_disp_ns +
	    filt_disp_at(&p->filt, clock_ns) + p->filt.jitter_ns +
	    ts_abs(s->sys_offset_ns);
}

static int
valid_stages(const struct sync_src *p)
{
	int i, n = 0;

	for (i = 0; i < p->filt.n; i++)
		n += p->filt.st[i].disp_ns < TS_MAXDISP_NS;
	return n;
}

/* A source takes part in the first selection once it has READY_SAMPLES
 * samples, or has had its start-up burst and answered at least once. */
static int
ready(const struct sync *s, const struct sync_src *p, int64_t clock_ns)
{
	int n = valid_stages(p);

	return usable(s, p, clock_ns) &&
	    (n >= READY_SAMPLES || (n > 0 && p->polls > START_BURST));
}

/* Still worth waiting for at start-up: answering but not ready yet, or
 * in its first burst and not heard from yet. */
static int
pending(const struct sync *s, const struct sync_src *p, int64_t clock_ns)
{
	if (!p->in_use || p->kod_denied || ready(s, p, clock_ns))
		return 0;
	if (p->reach != 0)
		return p->leap != PKT_LEAP_UNSYNC && p->stratum < 15;
	return p->received == 0 && p->unanswered < START_BURST;
}

/* Start-up: the first selection runs as soon as the ready sources are a
 * majority of those that are ready or may soon be (RFC 5905 leaves the
 * start to the implementation; waiting for every filter to fill took
 * minutes).  Intervals are narrow from the first samples on (the filter
 * counts only stages it has), so a falseticker among the first sources
 * is still told apart.  Each waiting state is reported once. */
static int
settled(struct sync *s, int64_t clock_ns, struct out *o, int *n_waiting)
{
	int i, n_ready = 0, n_pending = 0, need;

	*n_waiting = 0;
	if (s->settled)
		return 1;
	for (i = 0; i < SYNC_MAX_SRC; i++) {
		n_ready += s->src[i].in_use && ready(s, &s->src[i], clock_ns);
		n_pending += pending(s, &s->src[i], clock_ns);
	}
	*n_waiting = n_pending;
	need = (n_ready + n_pending) / 2 + 1 - n_ready;
	if (n_ready > 0 && need <= 0)
		return 1;
	if (n_ready + n_pending > 0 && need != s->wait_logged) {
		event(o, -1, SYNC_EV_WAITING, need);
		s->wait_logged = need;
	}
	return 0;
}

static void
run_selection(struct sync *s, int64_t clock_ns, struct out *o)
{
	struct sel_cand c[SYNC_MAX_SRC];
	struct sel_result r;
	int i, prev = s->sys_peer, n_waiting, n_usable;

	for (i = 0; i < SYNC_MAX_SRC; i++) {
		const struct sync_src *p = &s->src[i];
		int u = usable(s, p, clock_ns);

		int64_t rd = u ? root_dist(p, clock_ns) : MAXDIST_NS;

		/* Before the first selection only the ready sources take
		 * part; tos mindist is the floor of every root distance. */
		if (!s->settled && u && !ready(s, p, clock_ns))
			u = 0;
		c[i] = (struct sel_cand){ .usable = u,
			.prefer = (p->cfg.flags & SYNC_PREFER) != 0,
			.noselect = (p->cfg.flags & SYNC_NOSELECT) != 0,
			.stratum = p->stratum,
			.offset_ns = filt_offset_at(&p->filt, clock_ns),
			.jitter_ns = p->filt.jitter_ns,
			.root_dist_ns =
			    rd < s->cfg.mindist_ns ? s->cfg.mindist_ns : rd };
	}
	if (!settled(s, clock_ns, o, &n_waiting))
		return;
	sel_run(&s->cfg.sel, c, SYNC_MAX_SRC, prev, &r);
	/* While sources are still coming, the first selection needs a
	 * majority of all of them, not only of those ready: two of three
	 * ready agreeing while two more are on their way is not yet a
	 * majority of five. */
	for (i = 0, n_usable = 0; i < SYNC_MAX_SRC; i++)
		n_usable += c[i].usable;
	if (!s->settled && n_waiting > 0 &&
	    2 * r.n_truechimers <= n_usable + n_waiting)
		return;
	s->settled = 1;
	for (i = 0; i < SYNC_MAX_SRC; i++) {
		s->src[i].sel = r.status[i];
		s->src[i].falsetick_run = r.status[i] == SEL_FALSETICK
		    ? s->src[i].falsetick_run + 1
		    : 0;
		/* A pool member the majority keeps out is swapped for a
		 * fresh one (once: the shell removes it). */
		if (s->src[i].cfg.from_pool &&
		    s->src[i].falsetick_run == FALSETICK_RUN)
			event(o, i, SYNC_EV_REPLACE, SYNC_REPLACE_FALSETICKER);
	}
	s->sys_offset_ns = r.offset_ns;
	s->sys_jitter_ns = r.jitter_ns;
	s->sys_peer = r.sys_peer;
	if (r.sys_peer >= 0 && r.sys_peer != prev)
		event(o, r.sys_peer, SYNC_EV_SYNCED,
		    s->src[r.sys_peer].stratum);
	if (r.sys_peer < 0 && prev >= 0)
		event(o, prev, SYNC_EV_LOST, 0);
	/* Once per episode, and at most hourly however often the sources
	 * come to agree and part again. */
	if (!r.majority && r.n_truechimers == 0 && !s->no_majority_logged &&
	    (s->no_majority_mono_ns == 0 ||
	        s->now_mono_ns - s->no_majority_mono_ns >=
	            NO_MAJORITY_EVERY_S * TS_NS_PER_S)) {
		for (i = 0; i < SYNC_MAX_SRC && !c[i].usable; i++)
			;
		if (i < SYNC_MAX_SRC) {
			event(o, -1, SYNC_EV_NO_MAJORITY, 0);
			s->no_majority_logged = 1;
			s->no_majority_mono_ns = s->now_mono_ns;
		}
	}
	if (r.majority)
		s->no_majority_logged = 0;
	if (s->sys_peer < 0)
		local_or_unsync(s, clock_ns);
}

/* The uncertainty of one sample for the regression: half its delay in
 * excess of the smallest delay this source showed recently, with a floor
 * at the clock precision (doc/algorithm.md, "Estimation"). */
static int64_t
sample_sigma(const struct sync_src *p, const struct sync_sample *x, int8_t prec)
{
	int64_t d[FILT_STAGES + 1], floor_ns = ts_log2_ns(prec), t;
	int i, j, n = 0;

	d[n++] = x->delay_ns;
	for (i = 0; i < p->filt.n; i++)
		if (p->filt.st[i].disp_ns < TS_MAXDISP_NS)
			d[n++] = p->filt.st[i].delay_ns;
	for (i = 1; i < n; i++) /* insertion sort: at most nine values */
		for (j = i; j > 0 && d[j] < d[j - 1]; j--) {
			t = d[j];
			d[j] = d[j - 1];
			d[j - 1] = t;
		}
	/* Even the quickest sample is uncertain by part (an eighth) of what
	 * a typical sample waits on this path. */
	if (floor_ns < (d[n / 2] - d[0]) / SIGMA_FLOOR_DIV)
		floor_ns = (d[n / 2] - d[0]) / SIGMA_FLOOR_DIV;
	if (floor_ns < d[0] / 64)
		floor_ns = d[0] / 64; /* long paths: a little asymmetry */
	return (x->delay_ns - d[0]) / 2 + floor_ns;
}

static void
loopstats(const struct sync *s, struct out *o)
{
	struct sync_act *a = push(o, SYNC_ACT_LOOPSTATS, -1);

	if (a == NULL)
		return;
	a->offset_ns = s->disc.offset_ns;
	a->freq_ppb = s->disc.freq_ppb;
	a->jitter_ns = s->disc.jitter_ns;
	a->wander_ppb = s->disc.wander_ppb;
	a->poll = s->disc.poll;
}

/* Keep every source's stored offsets relative to the clock as it is now:
 * our own steps and slews since the last call moved them all by the same
 * amount.  The frequency correction is not counted: once the discipline
 * has it right the stored offsets show no trend, so the last ones
 * predict the next sample (the sample gate relies on that), and what is
 * left of the frequency error is covered by the dispersion's growth.
 * Without this, samples taken during a long slew disagree with each
 * other, inflate the jitter and break the intersection. */
static void
follow_corrections(struct sync *s, int64_t mono_ns)
{
	int64_t c = disc_phase_at(&s->disc, mono_ns);
	int i;

	if (c == s->c_seen_ns)
		return;
	for (i = 0; i < SYNC_MAX_SRC; i++) {
		struct sync_src *p = &s->src[i];

		if (!p->in_use)
			continue;
		filt_shift(&p->filt, c - s->c_seen_ns);
		p->held.offset_ns -= c - s->c_seen_ns;
		p->held.t_ns += c - s->c_seen_ns;
	}
	s->c_seen_ns = c;
}

/* The first time a system peer appears, its filter history (the initial
 * burst) seeds the regression, oldest first. */
static void
prime(struct sync *s, int i)
{
	const struct filt *f = &s->src[i].filt;
	struct disc_point pts[FILT_STAGES];
	int k, n = 0;

	for (k = f->n - 1; k >= 1; k--) {
		const struct filt_sample *st = &f->st[k];
		struct sync_sample x = { .delay_ns = st->delay_ns };

		if (st->disp_ns >= TS_MAXDISP_NS)
			continue;
		pts[n++] = (struct disc_point){ st->t_mono_ns, st->offset_ns,
			sample_sigma(&s->src[i], &x, s->cfg.precision) };
	}
	disc_prime(&s->disc, pts, n);
}

static void
discipline(struct sync *s, int i, const struct sync_sample *x, int64_t mono_ns,
    int64_t clock_ns, struct out *o)
{
	struct sync_act *a;
	struct disc_cmd cmd;
	enum disc_verdict v;

	if (s->disc.updates == 0 && s->disc.k_state == 0)
		prime(s, i);
	v = disc_update(&s->disc, mono_ns, x->offset_ns,
	    sample_sigma(&s->src[i], x, s->cfg.precision), &cmd);
	if (v == DISC_SPIKE) {
		/* Once per episode: the offset is not news on every sample
		 * of the step-out interval. */
		if (s->disc.spike_since_ns == mono_ns)
			event(o, i, SYNC_EV_SPIKE, x->offset_ns);
		return;
	}
	if (v == DISC_PANIC) {
		event(o, i, SYNC_EV_PANIC, x->offset_ns);
		s->done = 1;
		return;
	}
	if ((a = push(o, SYNC_ACT_CLOCK, i)) != NULL) {
		a->do_step = v == DISC_STEP;
		a->cmd = cmd;
	}
	if (v == DISC_STEP) {
		event(o, i, SYNC_EV_STEP, cmd.step_ns);
	}
	loopstats(s, o);
	follow_corrections(s, mono_ns);
	if (s->sys_peer >= 0)
		update_sys(s, clock_ns);
	if (s->cfg.quit_after_set && !s->done) {
		s->done = 1;
		event(o, -1, SYNC_EV_DONE, 0);
	}
}

/* Without clock control (backend none, or the kernel refused) the
 * clock is measured and served but never steered: the system variables
 * still follow the system peer, the offset shows in the dispersion. */
static void
measure_only(struct sync *s, int64_t clock_ns, struct out *o)
{
	update_sys(s, clock_ns);
	if (s->cfg.quit_after_set && !s->done) {
		s->done = 1;
		event(o, -1, SYNC_EV_DONE, 0);
	}
}

void
sync_clock_refused(struct sync *s)
{
	if (s->cfg.no_clock)
		return;
	/* Forget the commands that were not carried out; the filters are
	 * shifted back by the next follow_corrections. */
	s->cfg.no_clock = 1;
	disc_init(&s->disc, &s->cfg.disc, s->cfg.initial_freq_ppb);
}

static int
take_reply(struct sync *s, int i, const uint8_t *buf, size_t len,
    int64_t rx_clock_ns, struct exch_sample *x, struct out *o)
{
	struct sync_src *p = &s->src[i];
	enum exch_verdict v;

	if (p->xmt_sent == 0) { /* duplicate or unsolicited */
		p->bogus++;
		return -1;
	}
	v = exch_check(buf, len, p->xmt_sent, p->t1_ns, rx_clock_ns,
	    PKT_MODE_SERVER, s->cfg.precision, x);
	if (v == EXCH_SHORT || v == EXCH_BAD_MODE || v == EXCH_BAD_ORIGIN) {
		p->bogus++;
		return -1;
	}
	p->xmt_sent = 0;
	if (v == EXCH_KOD) {
		kiss(s, i, x->kiss, rx_clock_ns, o);
		return -1;
	}
	if (p->reach == 0 || p->received == 0)
		event(o, i, SYNC_EV_REACHABLE, 0);
	p->reach |= 1;
	p->unanswered = 0;
	p->received++;
	take_header(p, x);
	return v == EXCH_OK ? 0 : -1;
}

/*
 * The sample gate, in the spirit of ntpd's popcorn spike suppressor: a
 * sample further from the filter's prediction than GATE_JITTERS jitters
 * (plus half its delay in excess of the best, plus the peer dispersion,
 * which grows with the time since the last sample, plus what the
 * frequency correction may still be off by over that time: up to 500 ppm
 * before the clock is steered) is held back until the next sample
 * confirms it.  A lone wild reply never reaches the
 * filter; a real jump of the server's time passes one poll later.
 * Returns 0 (held), 1 (take fs) or 2 (take the held sample, then fs).
 */
static int
gate(const struct sync *s, struct sync_src *p, const struct filt_sample *fs)
{
	int64_t lim, excess = fs->delay_ns - p->filt.delay_ns;
	double drift = ts_to_s(fs->t_ns - p->filt.t_ns) *
	    (double)disc_freq_unc_ppb(&s->disc);

	if (valid_stages(p) < GATE_MIN_STAGES || !p->filt.have_out) {
		p->have_held = 0;
		return 1;
	}
	lim = GATE_JITTERS * p->filt.jitter_ns + (excess > 0 ? excess / 2 : 0) +
	    filt_disp_at(&p->filt, fs->t_ns) + ts_log2_ns(s->cfg.precision) +
	    (int64_t)(drift < 0 ? -drift : drift);
	if (ts_abs(fs->offset_ns - filt_offset_at(&p->filt, fs->t_ns)) <= lim) {
		p->have_held = 0;
		return 1;
	}
	if (p->have_held && ts_abs(fs->offset_ns - p->held.offset_ns) <= lim) {
		p->have_held = 0;
		return 2;
	}
	p->held = *fs;
	p->have_held = 1;
	p->held_back++;
	return 0;
}

/* The distance of a source's path, not aged: what decides which
 * survivors steer (ageing would favour whichever was polled last). */
static int64_t
path_dist(const struct sync_src *p)
{
	return ts_root_distance(p->root_delay_ns, p->root_disp_ns,
	    p->filt.delay_ns, p->filt.disp_ns, p->filt.jitter_ns);
}

/* Which survivors' samples steer the clock.  With a `prefer` system peer,
 * only prefer sources (ntpd follows the prefer peer alone).  Otherwise a
 * survivor whose path is more than STEER_DIST_RATIO times longer than the
 * closest survivor's counts for the majority but does not steer: a LAN
 * source's samples are not averaged with two biased WAN paths. */
static int
steers(const struct sync *s, int i)
{
	const struct sync_src *p = &s->src[i];
	int64_t best = INT64_MAX;
	int k;

	if (s->sys_peer < 0 ||
	    (p->sel != SEL_CANDIDATE && p->sel != SEL_SYSPEER))
		return 0;
	if ((s->src[s->sys_peer].cfg.flags & SYNC_PREFER) &&
	    !(p->cfg.flags & SYNC_PREFER))
		return 0;
	for (k = 0; k < SYNC_MAX_SRC; k++) {
		const struct sync_src *q = &s->src[k];

		if (q->in_use &&
		    (q->sel == SEL_CANDIDATE || q->sel == SEL_SYSPEER) &&
		    path_dist(q) < best)
			best = path_dist(q);
	}
	return path_dist(p) <= STEER_DIST_RATIO * best;
}

/* A sample of source i steers: the leap vote, then the discipline (or,
 * without clock control, the served state alone). */
static void
steer(struct sync *s, int i, const struct sync_sample *x, int64_t mono_ns,
    struct out *o)
{
	leap_vote(s, x->clock_ns, o);
	if (s->cfg.no_clock)
		measure_only(s, x->clock_ns, o);
	else
		discipline(s, i, x, mono_ns, x->clock_ns, o);
}

size_t
sync_on_sample(struct sync *s, int idx, const struct sync_sample *x,
    int64_t mono_ns, struct sync_act *act, size_t cap)
{
	struct out o = { act, 0, cap };
	struct sync_src *p;
	struct filt_sample fs;
	int g;

	if (idx < 0 || idx >= SYNC_MAX_SRC || !s->src[idx].in_use || s->done)
		return 0;
	p = &s->src[idx];
	s->now_mono_ns = mono_ns;
	p->last_rx_mono_ns = mono_ns;
	follow_corrections(s, mono_ns);
	fs = (struct filt_sample){ x->offset_ns, x->delay_ns, x->disp_ns,
		x->clock_ns, mono_ns };
	g = gate(s, p, &fs);
	if (g == 0)
		return o.n;
	if (g == 2)
		filt_add(&p->filt, &p->held, s->cfg.precision);
	filt_add(&p->filt, &fs, s->cfg.precision);
	run_selection(s, x->clock_ns, &o);
	peerstats(p, idx, x, &o);
	/* Survivors steer, and only while a system peer exists (fewer than
	 * minsane truechimers leave survivors but no peer). */
	if (steers(s, idx)) {
		steer(s, idx, x, mono_ns, &o);
	} else if (s->disc.updates == 0 && s->sys_peer >= 0 &&
	    steers(s, s->sys_peer)) {
		/* The first selection, made on the reply of a source that
		 * does not steer: steer now from the system peer's newest
		 * sample rather than a poll later. */
		const struct filt_sample *st = &s->src[s->sys_peer].filt.st[0];
		struct sync_sample y = { st->offset_ns, st->delay_ns,
			st->disp_ns, x->clock_ns };

		if (st->disp_ns < TS_MAXDISP_NS)
			steer(s, s->sys_peer, &y, mono_ns, &o);
	}
	return o.n;
}

size_t
sync_on_reply(struct sync *s, int idx, const uint8_t *buf, size_t len,
    int64_t rx_clock_ns, int64_t mono_ns, struct sync_act *act, size_t cap)
{
	struct out o = { act, 0, cap };
	struct exch_sample x;
	struct sync_sample smp;

	if (idx < 0 || idx >= SYNC_MAX_SRC || !s->src[idx].in_use || s->done)
		return 0;
	s->now_mono_ns = mono_ns;
	if (take_reply(s, idx, buf, len, rx_clock_ns, &x, &o) != 0)
		return o.n;
	smp = (struct sync_sample){ x.offset_ns, x.delay_ns, x.disp_ns,
		rx_clock_ns };
	return o.n +
	    sync_on_sample(s, idx, &smp, mono_ns, act + o.n, cap - o.n);
}

void
sync_sent(struct sync *s, int idx, int64_t clock_ns, int64_t mono_ns)
{
	if (idx < 0 || idx >= SYNC_MAX_SRC || !s->src[idx].in_use)
		return;
	s->src[idx].t1_ns = clock_ns;
	s->src[idx].t1_mono_ns = mono_ns;
}

char
sync_tally(const struct sync *s, int idx)
{
	if (idx < 0 || idx >= SYNC_MAX_SRC || !s->src[idx].in_use)
		return ' ';
	switch (s->src[idx].sel) {
	case SEL_REJECT:
		return ' ';
	case SEL_FALSETICK:
		return 'x';
	case SEL_EXCESS:
		return '.';
	case SEL_CANDIDATE:
		return '+';
	case SEL_SYSPEER:
		return '*';
	}
	return ' ';
}

const struct srv_sys *
sync_sys(struct sync *s, int64_t clock_ns)
{
	if (s->sys_peer < 0 && s->cfg.local_stratum)
		s->sys.ref_ns = clock_ns;
	return &s->sys;
}

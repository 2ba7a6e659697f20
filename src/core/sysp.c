// SPDX-License-Identifier: ISC
/*
 * sysp: the system process (RFC 5905 section 11): selection, steering,
 * leap vote and the system variables.  See sysp.h.
 */
#include "core/sysp.h"

#include "core/pkt.h"
#include "core/ts.h"

#define READY_SAMPLES \
	4 /* a source takes part in the first selection with this many
	     samples (or its burst over) */
#define DROPPED_HOLD_S 3600      /* a dropped pool address is not retaken */
#define NO_MAJORITY_EVERY_S 3600 /* "no majority" at most hourly */
#define STEER_DIST_RATIO \
	2 /* survivors this far beyond the closest one (in root distance)
	     do not steer */
#define MAXDIST_NS (TS_NS_PER_S * 3 / 2) /* RFC 5905 MAXDIST, 1.5 s */
#define FALSETICK_RUN 8 /* pool member: selections as falseticker */

/* No system peer: serve the local clock if configured, else say we are
 * unsynchronized so that clients turn to other servers (as chronyd
 * does once it has no selectable source). */
static void
local_or_unsync(struct sysp *y, int64_t clock_ns)
{
	if (y->cfg.local_stratum == 0) {
		srv_sys_unsync(&y->vars, y->cfg.precision);
		return;
	}
	y->vars.leap = PKT_LEAP_NONE;
	y->vars.stratum = (uint8_t)y->cfg.local_stratum;
	y->vars.refid = pkt_refid_str("LOCL");
	y->vars.ref_ns = clock_ns;
	y->vars.root_delay_ns = 0;
	y->vars.root_disp_ns = 0;
}

void
sysp_init(struct sysp *y, const struct sysp_cfg *cfg, int64_t clock_ns)
{
	*y = (struct sysp){ .cfg = *cfg, .peer = -1 };
	srv_sys_unsync(&y->vars, cfg->precision);
	local_or_unsync(y, clock_ns);
}

static int
own_refid(const struct sysp *y, const struct peer *p)
{
	int i;

	if (p->stratum <= 1) /* a reference name, not an address */
		return 0;
	for (i = 0; i < y->n_own_refids; i++)
		if (y->own_refids[i] == p->refid)
			return 1;
	return 0;
}

void
sysp_set_own_refids(struct sysp *y, const uint32_t *refids, int n)
{
	int i;

	for (i = 0; i < n && i < SYSP_MAX_OWN; i++)
		y->own_refids[i] = refids[i];
	y->n_own_refids = i;
}

static int
usable(const struct sysp *y, const struct peer *p, int64_t clock_ns)
{
	/* Stratum 15 is usable by RFC 5905, but we could only serve it as
	 * 16, which is "unsynchronized": such a source cannot be followed. */
	return p->in_use && !p->kod_denied && !p->distrusted && p->reach != 0 &&
	    p->filt.have_out && p->stratum >= 1 && p->stratum < 15 &&
	    p->leap != PKT_LEAP_UNSYNC &&
	    peer_root_dist(p, clock_ns) < MAXDIST_NS && !own_refid(y, p);
}

/* A source takes part in the first selection once it has READY_SAMPLES
 * samples, or has had its start-up burst and answered at least once. */
static int
ready(const struct sysp *y, const struct peer *p, int64_t clock_ns)
{
	int n = peer_valid_stages(p);

	return usable(y, p, clock_ns) &&
	    (n >= READY_SAMPLES || (n > 0 && p->polls > PEER_START_BURST));
}

/* Still worth waiting for at start-up: answering but not ready yet, or
 * in its first burst and not heard from yet. */
static int
pending(const struct sysp *y, const struct peer *p, int64_t clock_ns)
{
	if (!p->in_use || p->kod_denied || ready(y, p, clock_ns))
		return 0;
	if (p->reach != 0)
		return p->leap != PKT_LEAP_UNSYNC && p->stratum < 15;
	return p->received == 0 && p->unanswered < PEER_START_BURST;
}

/* Start-up: the first selection runs as soon as the ready sources are a
 * majority of those that are ready or may soon be (RFC 5905 leaves the
 * start to the implementation; waiting for every filter to fill took
 * minutes).  Intervals are narrow from the first samples on (the filter
 * counts only stages it has), so a falseticker among the first sources
 * is still told apart.  Each waiting state is reported once. */
static int
settled(struct sysp *y, const struct peer *src, int n, int64_t clock_ns,
    struct act_out *o, int *n_waiting)
{
	int i, n_ready = 0, n_pending = 0, need;

	*n_waiting = 0;
	if (y->settled)
		return 1;
	for (i = 0; i < n; i++) {
		n_ready += src[i].in_use && ready(y, &src[i], clock_ns);
		n_pending += pending(y, &src[i], clock_ns);
	}
	*n_waiting = n_pending;
	need = (n_ready + n_pending) / 2 + 1 - n_ready;
	if (n_ready > 0 && need <= 0)
		return 1;
	if (n_ready + n_pending > 0 && need != y->wait_logged) {
		act_event(o, -1, SYNC_EV_WAITING, need);
		y->wait_logged = need;
	}
	return 0;
}

/* What selection knows of each peer.  Before the first selection only
 * the ready sources take part; tos mindist is the floor of every root
 * distance. */
static void
candidates(const struct sysp *y, const struct peer *src, int n,
    int64_t clock_ns, struct sel_cand *c)
{
	int i;

	for (i = 0; i < n; i++) {
		const struct peer *p = &src[i];
		int u = usable(y, p, clock_ns);
		int64_t rd = u ? peer_root_dist(p, clock_ns) : MAXDIST_NS;

		if (!y->settled && u && !ready(y, p, clock_ns))
			u = 0;
		c[i] = (struct sel_cand){ .usable = u,
			.prefer = (p->cfg.flags & PEER_PREFER) != 0,
			.noselect = (p->cfg.flags & PEER_NOSELECT) != 0,
			.stratum = p->stratum,
			.offset_ns = filt_offset_at(&p->filt, clock_ns),
			.jitter_ns = p->filt.jitter_ns,
			.root_dist_ns =
			    rd < y->cfg.mindist_ns ? y->cfg.mindist_ns : rd };
	}
}

/* "No majority" once per episode, and at most hourly however often the
 * sources come to agree and part again. */
static void
no_majority_log(struct sysp *y, const struct sel_result *r, int64_t mono_ns,
    struct act_out *o)
{
	if (!r->majority && r->n_truechimers == 0 && !y->no_majority_logged &&
	    y->n_usable > 0 &&
	    (y->no_majority_mono_ns == 0 ||
	        mono_ns - y->no_majority_mono_ns >=
	            NO_MAJORITY_EVERY_S * TS_NS_PER_S)) {
		act_event(o, -1, SYNC_EV_NO_MAJORITY, 0);
		y->no_majority_logged = 1;
		y->no_majority_mono_ns = mono_ns;
	}
	if (r->majority)
		y->no_majority_logged = 0;
}

void
sysp_select(struct sysp *y, struct peer *src, int n, int64_t clock_ns,
    int64_t mono_ns, struct act_out *o)
{
	struct sel_cand c[SYSP_MAX_SRC] = { 0 };
	struct sel_result r;
	int i, prev = y->peer, n_waiting, n_usable = 0;

	if (n > SYSP_MAX_SRC)
		n = SYSP_MAX_SRC;
	candidates(y, src, n, clock_ns, c);
	if (!settled(y, src, n, clock_ns, o, &n_waiting))
		return;
	sel_run(&y->cfg.sel, c, (size_t)n, prev, &r);
	/* While sources are still coming, the first selection needs a
	 * majority of all of them, not only of those ready: two of three
	 * ready agreeing while two more are on their way is not yet a
	 * majority of five. */
	for (i = 0; i < n; i++)
		n_usable += c[i].usable;
	if (!y->settled && n_waiting > 0 &&
	    2 * r.n_truechimers <= n_usable + n_waiting)
		return;
	y->settled = 1;
	for (i = 0; i < n; i++) {
		src[i].sel = r.status[i];
		src[i].falsetick_run =
		    r.status[i] == SEL_FALSETICK ? src[i].falsetick_run + 1 : 0;
		/* A pool member the majority keeps out is swapped for a
		 * fresh one (once: the shell removes it). */
		if (src[i].cfg.from_pool &&
		    src[i].falsetick_run == FALSETICK_RUN)
			act_event(o, i, SYNC_EV_REPLACE,
			    SYNC_REPLACE_FALSETICKER);
	}
	y->offset_ns = r.offset_ns;
	y->jitter_ns = r.jitter_ns;
	y->peer = r.sys_peer;
	y->majority = r.majority;
	y->n_truechimers = r.n_truechimers;
	y->n_usable = n_usable;
	if (r.sys_peer >= 0 && r.sys_peer != prev)
		act_event(o, r.sys_peer, SYNC_EV_SYNCED,
		    src[r.sys_peer].stratum);
	if (r.sys_peer < 0 && prev >= 0)
		act_event(o, prev, SYNC_EV_LOST, 0);
	no_majority_log(y, &r, mono_ns, o);
	if (y->peer < 0)
		local_or_unsync(y, clock_ns);
}

static int
survivor(const struct peer *p)
{
	return p->in_use && (p->sel == SEL_CANDIDATE || p->sel == SEL_SYSPEER);
}

/* With a `prefer` system peer, only prefer sources steer (ntpd follows
 * the prefer peer alone).  Otherwise a survivor whose path is more than
 * STEER_DIST_RATIO times longer than the closest survivor's counts for
 * the majority but does not steer: a LAN source's samples are not
 * averaged with two biased WAN paths. */
int
sysp_steers(const struct sysp *y, const struct peer *src, int n, int i)
{
	const struct peer *p = &src[i];
	int64_t best = INT64_MAX;
	int k;

	if (y->peer < 0 || (p->sel != SEL_CANDIDATE && p->sel != SEL_SYSPEER))
		return 0;
	if ((src[y->peer].cfg.flags & PEER_PREFER) &&
	    !(p->cfg.flags & PEER_PREFER))
		return 0;
	for (k = 0; k < n; k++)
		if (survivor(&src[k]) && peer_path_dist(&src[k]) < best)
			best = peer_path_dist(&src[k]);
	return peer_path_dist(p) <= STEER_DIST_RATIO * best;
}

/* RFC 5905 section 11.2.3 leaves the vote to the implementation; ntpd
 * uses a majority of the survivors. */
void
sysp_leap_vote(struct sysp *y, const struct peer *src, int n, int64_t clock_ns,
    struct act_out *o)
{
	int i, m = 0, ins = 0, del = 0, want, arm;
	struct sync_act *a;

	for (i = 0; i < n; i++) {
		if (!survivor(&src[i]))
			continue;
		m++;
		ins += src[i].leap == PKT_LEAP_INSERT;
		del += src[i].leap == PKT_LEAP_DELETE;
	}
	want = 2 * ins > m ? 1 : 2 * del > m ? -1 : 0;
	/* Announce at once, but arm the clock only on the last day of the
	 * month: the backend takes the second at the coming midnight. */
	arm = ts_last_day_of_month(clock_ns) ? want : 0;
	y->vars.leap = want == 1 ? PKT_LEAP_INSERT
	    : want == -1         ? PKT_LEAP_DELETE
	                         : PKT_LEAP_NONE;
	if (arm == y->leap_armed ||
	    (a = act_push(o, SYNC_ACT_LEAP, -1)) == NULL)
		return;
	a->value_ns = arm;
	y->leap_armed = arm;
	if (arm != 0)
		act_event(o, -1, SYNC_EV_LEAP_ARMED, arm);
}

void
sysp_update(struct sysp *y, const struct peer *src, int64_t clock_ns)
{
	const struct peer *p = &src[y->peer];

	y->vars.stratum = (uint8_t)(p->stratum + 1);
	y->vars.refid = p->cfg.refid;
	y->vars.ref_ns = clock_ns;
	y->vars.root_delay_ns = p->root_delay_ns + p->filt.delay_ns;
	y->vars.root_disp_ns = p->root_disp_ns +
	    filt_disp_at(&p->filt, clock_ns) + p->filt.jitter_ns +
	    ts_abs(y->offset_ns);
}

/* Nobody has answered, and some source has had two requests go
 * unanswered. */
static int
no_answer_yet(const struct peer *src, int n)
{
	int i, asked = 0;

	for (i = 0; i < n; i++) {
		if (!src[i].in_use)
			continue;
		if (src[i].received > 0)
			return 0;
		asked |= src[i].unanswered >= 2;
	}
	return asked;
}

void
sysp_startup_log(struct sysp *y, const struct peer *src, int n,
    struct act_out *o)
{
	if (!y->settled && !y->none_logged && no_answer_yet(src, n)) {
		act_event(o, -1, SYNC_EV_NONE_REACHABLE, 0);
		y->none_logged = 1;
	}
}

void
sysp_forget(struct sysp *y, const struct peer *p, int i, int64_t mono_ns)
{
	int k, old = 0;

	if (p->cfg.from_pool && p->cfg.addr_key != 0) {
		/* Remember it in place of the oldest entry. */
		for (k = 1; k < SYSP_MAX_SRC; k++)
			if (y->dropped[k].mono_ns < y->dropped[old].mono_ns)
				old = k;
		y->dropped[old].key = p->cfg.addr_key;
		y->dropped[old].mono_ns = mono_ns;
	}
	if (y->peer == i)
		y->peer = -1;
}

int
sysp_dropped_recently(const struct sysp *y, uint64_t key, int64_t mono_ns)
{
	int i;

	for (i = 0; i < SYSP_MAX_SRC; i++)
		if (y->dropped[i].key == key && y->dropped[i].mono_ns != 0 &&
		    mono_ns - y->dropped[i].mono_ns <
		        DROPPED_HOLD_S * TS_NS_PER_S)
			return 1;
	return 0;
}

void
sysp_reconfigured(struct sysp *y, int64_t clock_ns)
{
	if (y->peer < 0)
		local_or_unsync(y, clock_ns);
}

int
sysp_local(const struct sysp *y)
{
	return y->peer < 0 && y->cfg.local_stratum != 0;
}

enum sysp_why
sysp_why(const struct sysp *y, const struct peer *src, int n)
{
	int i, in_use = 0;

	if (y->peer >= 0)
		return SYSP_SYNCED;
	for (i = 0; i < n; i++)
		in_use += src[i].in_use;
	if (in_use == 0)
		return SYSP_NO_SOURCES;
	if (!y->settled) {
		for (i = 0; i < n; i++)
			if (src[i].in_use && src[i].received > 0)
				return SYSP_WAITING;
		return SYSP_NONE_REACHABLE;
	}
	if (y->n_usable == 0)
		return SYSP_NO_USABLE;
	if (!y->majority)
		return SYSP_NO_MAJORITY;
	if (y->n_truechimers < y->cfg.sel.minsane)
		return SYSP_TOO_FEW;
	return SYSP_RESELECT;
}

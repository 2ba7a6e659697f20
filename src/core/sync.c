// SPDX-License-Identifier: ISC
/*
 * sync: the associations (core/peer), the system process (core/sysp)
 * and the discipline (core/disc) glued into one event-driven state
 * machine.  Every entry point appends actions to a caller-provided array
 * and ends by publishing the served state; see sync.h.
 */
#include "core/sync.h"

#include <string.h>

#include "core/exch.h"
#include "core/ts.h"

static int
valid(const struct sync *s, int idx)
{
	return idx >= 0 && idx < SYNC_MAX_SRC && s->src[idx].in_use;
}

static int
same_sys(const struct srv_sys *a, const struct srv_sys *b)
{
	return a->leap == b->leap && a->stratum == b->stratum &&
	    a->precision == b->precision && a->refid == b->refid &&
	    a->ref_ns == b->ref_ns && a->root_delay_ns == b->root_delay_ns &&
	    a->root_disp_ns == b->root_disp_ns;
}

/* Publish the served state when it changed: into the other slot, so the
 * snapshot a reader holds is never written while it is the current one
 * or the one before. */
static void
publish(struct sync *s)
{
	const struct sync_snap *cur = &s->snap[s->snap_cur];
	struct sync_snap n = { .sys = s->sys.vars,
		.local = sysp_local(&s->sys) };

	if (n.local)
		n.sys.ref_ns = 0; /* "now", whenever it is read */
	if (cur->gen != 0 && n.local == cur->local &&
	    same_sys(&n.sys, &cur->sys))
		return;
	n.gen = cur->gen + 1;
	s->snap_cur ^= 1;
	s->snap[s->snap_cur] = n;
}

void
sync_init(struct sync *s, const struct sync_cfg *cfg, uint64_t seed,
    int64_t clock_ns)
{
	struct sysp_cfg yc = { .sel = cfg->sel,
		.local_stratum = cfg->local_stratum,
		.precision = cfg->precision,
		.mindist_ns = cfg->mindist_ns };

	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	s->rng = seed;
	disc_init(&s->disc, &cfg->disc, cfg->initial_freq_ppb);
	sysp_init(&s->sys, &yc, clock_ns);
	publish(s);
}

int
sync_add(struct sync *s, const struct sync_src_cfg *cfg, int64_t mono_ns)
{
	struct peer_cfg pc = { .flags = cfg->flags,
		.minpoll = cfg->minpoll,
		.maxpoll = cfg->maxpoll,
		.version = cfg->version,
		.refid = cfg->refid,
		.from_pool = cfg->from_pool,
		.addr_key = cfg->addr_key };
	int k, i;

	for (k = 0; k < SYNC_MAX_SRC; k++) {
		i = (s->next_slot + k) % SYNC_MAX_SRC;
		if (s->src[i].in_use)
			continue;
		peer_init(&s->src[i], &pc, mono_ns, &s->rng);
		s->next_slot = (i + 1) % SYNC_MAX_SRC;
		return i;
	}
	return -1;
}

void
sync_reconfigure(struct sync *s, const struct sync_cfg *cfg, int64_t clock_ns)
{
	struct disc_cfg d = cfg->disc;

	s->cfg.sel = cfg->sel;
	s->cfg.mindist_ns = cfg->mindist_ns;
	s->cfg.panic_exit = cfg->panic_exit;
	s->cfg.local_stratum = cfg->local_stratum;
	s->sys.cfg.sel = cfg->sel;
	s->sys.cfg.mindist_ns = cfg->mindist_ns;
	s->sys.cfg.local_stratum = cfg->local_stratum;
	/* -g's allowance is the command line's and stays as it was. */
	d.panic_once_ok = s->cfg.disc.panic_once_ok;
	s->cfg.disc = d;
	if (d.max_slew_ppb <= 0)
		d.max_slew_ppb = DISC_SLEW_RATE_PPB;
	s->disc.cfg = d;
	if (s->disc.poll < d.minpoll)
		s->disc.poll = d.minpoll;
	if (s->disc.poll > d.maxpoll)
		s->disc.poll = d.maxpoll;
	/* Without a system peer the served state follows local stratum. */
	sysp_reconfigured(&s->sys, clock_ns);
	publish(s);
}

void
sync_remove(struct sync *s, int idx, int64_t mono_ns)
{
	if (idx < 0 || idx >= SYNC_MAX_SRC)
		return;
	sysp_forget(&s->sys, &s->src[idx], idx, mono_ns);
	s->src[idx].in_use = 0;
	s->src[idx].has_auth = 0;
	publish(s);
}

int
sync_dropped_recently(const struct sync *s, uint64_t key, int64_t mono_ns)
{
	return sysp_dropped_recently(&s->sys, key, mono_ns);
}

int64_t
sync_next_timer(const struct sync *s)
{
	int64_t t = INT64_MAX;
	int i;

	for (i = 0; i < SYNC_MAX_SRC; i++)
		if (s->src[i].in_use && peer_next_timer(&s->src[i]) < t)
			t = peer_next_timer(&s->src[i]);
	return t;
}

static const struct peer_auth *
auth_of(const struct sync *s, int idx)
{
	if (s->src[idx].has_auth)
		return &s->src[idx].auth;
	return s->has_auth ? &s->auth : NULL;
}

size_t
sync_on_timer(struct sync *s, int64_t mono_ns, int64_t clock_ns,
    uint64_t rand64, struct sync_act *act, size_t cap)
{
	struct act_out o = { act, 0, cap };
	uint64_t rnd = rand64;
	int i, due, lost = 0;

	/* One request per call, each with the caller's fresh random value:
	 * deriving several transmit values from one would let an observer
	 * of one request predict the others (RFC 9109).  The caller calls
	 * again while sync_next_timer says more are due. */
	for (i = 0; i < SYNC_MAX_SRC; i++) {
		if (!s->src[i].in_use)
			continue;
		due = peer_due(&s->src[i], mono_ns);
		if (due != 0) {
			lost = peer_send(&s->src[i], i, due, s->disc.poll,
			    clock_ns, mono_ns, &rnd, auth_of(s, i), &o);
			break;
		}
	}
	sysp_startup_log(&s->sys, s->src, SYNC_MAX_SRC, &o);
	/* A source that just became unreachable may have been the system
	 * peer: selection must run without waiting for a reply. */
	if (lost && s->sys.settled)
		sysp_select(&s->sys, s->src, SYNC_MAX_SRC, clock_ns, mono_ns,
		    &o);
	publish(s);
	return o.n;
}

static void
peerstats(const struct peer *p, int i, const struct sync_sample *x,
    struct act_out *o)
{
	struct sync_act *a = act_push(o, SYNC_ACT_PEERSTATS, i);

	if (a == NULL)
		return;
	a->status = peer_status_word(p);
	a->offset_ns = x->offset_ns;
	a->delay_ns = x->delay_ns;
	/* the peer's dispersion, as ntpd writes it (the filter's), not the
	 * new sample's own */
	a->disp_ns = p->filt.have_out ? p->filt.disp_ns : x->disp_ns;
	a->jitter_ns = p->filt.jitter_ns;
}

static void
loopstats(const struct sync *s, struct act_out *o)
{
	struct sync_act *a = act_push(o, SYNC_ACT_LOOPSTATS, -1);

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
	for (i = 0; i < SYNC_MAX_SRC; i++)
		if (s->src[i].in_use)
			peer_shift(&s->src[i], c - s->c_seen_ns);
	s->c_seen_ns = c;
}

static void
quit_if_asked(struct sync *s, struct act_out *o)
{
	if (s->cfg.quit_after_set && !s->done) {
		s->done = 1;
		act_event(o, -1, SYNC_EV_DONE, 0);
	}
}

/* One clock update from source i's sample.  The first time a system peer
 * appears, its filter history (the initial burst) seeds the regression,
 * oldest first. */
static void
discipline(struct sync *s, int i, const struct sync_sample *x, int64_t mono_ns,
    struct act_out *o)
{
	struct disc_point pts[FILT_STAGES];
	struct sync_act *a;
	struct disc_cmd cmd;
	enum disc_verdict v;

	if (s->disc.updates == 0 && s->disc.k_state == 0)
		disc_prime(&s->disc, pts,
		    peer_history(&s->src[i], s->cfg.precision, pts));
	v = disc_update(&s->disc, mono_ns, x->offset_ns,
	    peer_sigma(&s->src[i], x->delay_ns, s->cfg.precision), &cmd);
	if (v == DISC_SPIKE) {
		/* Once per episode: the offset is not news on every sample
		 * of the step-out interval. */
		if (s->disc.spike_since_ns == mono_ns)
			act_event(o, i, SYNC_EV_SPIKE, x->offset_ns);
		return;
	}
	if (v == DISC_PANIC) {
		/* ntpd gives up.  A forger on the path (or a server gone mad)
		 * would then stop us for good, so by default the source is
		 * distrusted instead, until its offsets come back. */
		act_event(o, i, SYNC_EV_PANIC, x->offset_ns);
		if (s->cfg.panic_exit) {
			s->done = 1;
			return;
		}
		s->src[i].distrusted = 1;
		sysp_select(&s->sys, s->src, SYNC_MAX_SRC, x->clock_ns, mono_ns,
		    o);
		return;
	}
	if ((a = act_push(o, SYNC_ACT_CLOCK, i)) != NULL) {
		a->do_step = v == DISC_STEP;
		a->cmd = cmd;
	}
	if (v == DISC_STEP)
		act_event(o, i, SYNC_EV_STEP, cmd.step_ns);
	/* loopstats records the system peer's updates, as ntpd's one line
	 * per local_clock(): the other survivors' samples also steer here,
	 * and would add lines (several in the same millisecond when their
	 * replies are read together); peerstats has those. */
	if (i == s->sys.peer)
		loopstats(s, o);
	follow_corrections(s, mono_ns);
	if (s->sys.peer >= 0)
		sysp_update(&s->sys, s->src, x->clock_ns);
	quit_if_asked(s, o);
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

/* A sample of source i steers: the leap vote, then the discipline (or,
 * without clock control, the served state alone). */
static void
steer(struct sync *s, int i, const struct sync_sample *x, int64_t mono_ns,
    struct act_out *o)
{
	sysp_leap_vote(&s->sys, s->src, SYNC_MAX_SRC, x->clock_ns, o);
	if (s->cfg.no_clock) {
		sysp_update(&s->sys, s->src, x->clock_ns);
		quit_if_asked(s, o);
	} else {
		discipline(s, i, x, mono_ns, o);
	}
}

/* The sample entry point: whatever produced the sample (a server's
 * reply, later a symmetric peer or a reference clock), it goes through
 * the source's gate and filter, then selection, then, from a source
 * that steers, the leap vote and the discipline.  Without clock control
 * (backend none, or the kernel refused) the clock is measured and
 * served but never steered: the system variables still follow the
 * system peer, the offset shows in the dispersion. */
static void
on_sample(struct sync *s, int idx, const struct sync_sample *x, int64_t mono_ns,
    struct act_out *o)
{
	struct filt_sample fs = { x->offset_ns, x->delay_ns, x->disp_ns,
		x->clock_ns, mono_ns };
	const struct filt_sample *st;
	struct sync_sample y;
	int k;

	/* A distrusted source is heard again once it is back within the
	 * panic threshold; until then its samples are not used. */
	if (s->src[idx].distrusted) {
		if (s->cfg.disc.panic_ns != 0 &&
		    ts_abs(x->offset_ns) > s->cfg.disc.panic_ns)
			return;
		s->src[idx].distrusted = 0;
	}
	follow_corrections(s, mono_ns);
	if (!peer_sample(&s->src[idx], &fs, s->cfg.precision,
	        disc_freq_unc_ppb(&s->disc)))
		return;
	sysp_select(&s->sys, s->src, SYNC_MAX_SRC, x->clock_ns, mono_ns, o);
	peerstats(&s->src[idx], idx, x, o);
	/* Survivors steer, and only while a system peer exists (fewer than
	 * minsane truechimers leave survivors but no peer). */
	if (sysp_steers(&s->sys, s->src, SYNC_MAX_SRC, idx)) {
		steer(s, idx, x, mono_ns, o);
		return;
	}
	/* The first selection, made on the reply of a source that does not
	 * steer: steer now from the system peer's newest sample rather than
	 * a poll later. */
	k = s->sys.peer;
	if (s->disc.updates != 0 || k < 0 ||
	    !sysp_steers(&s->sys, s->src, SYNC_MAX_SRC, k))
		return;
	st = &s->src[k].filt.st[0];
	y = (struct sync_sample){ st->offset_ns, st->delay_ns, st->disp_ns,
		x->clock_ns };
	if (st->disp_ns < TS_MAXDISP_NS)
		steer(s, k, &y, mono_ns, o);
}

size_t
sync_on_sample(struct sync *s, int idx, const struct sync_sample *x,
    int64_t mono_ns, struct sync_act *act, size_t cap)
{
	struct act_out o = { act, 0, cap };

	if (!valid(s, idx) || s->done)
		return 0;
	on_sample(s, idx, x, mono_ns, &o);
	publish(s);
	return o.n;
}

size_t
sync_on_reply(struct sync *s, int idx, const uint8_t *buf, size_t len,
    int64_t rx_clock_ns, int64_t mono_ns, struct sync_act *act, size_t cap)
{
	struct act_out o = { act, 0, cap };
	struct exch_sample x;
	struct sync_sample smp;
	enum peer_rx r;

	if (!valid(s, idx) || s->done)
		return 0;
	r = peer_reply(&s->src[idx], idx, buf, len, rx_clock_ns,
	    s->cfg.precision, s->disc.poll, auth_of(s, idx), &x, &o);
	/* A denied source may have been the system peer: choose again now,
	 * it will never send anything that would make us. */
	if (r == PEER_RX_DENIED && s->sys.settled)
		sysp_select(&s->sys, s->src, SYNC_MAX_SRC, rx_clock_ns, mono_ns,
		    &o);
	if (r == PEER_RX_SAMPLE) {
		smp = (struct sync_sample){ x.offset_ns, x.delay_ns, x.disp_ns,
			rx_clock_ns };
		on_sample(s, idx, &smp, mono_ns, &o);
	}
	publish(s);
	return o.n;
}

void
sync_sent(struct sync *s, int idx, int64_t clock_ns, int64_t mono_ns)
{
	if (!valid(s, idx))
		return;
	s->src[idx].t1_ns = clock_ns;
	s->src[idx].t1_mono_ns = mono_ns;
}

char
sync_tally(const struct sync *s, int idx)
{
	return valid(s, idx) ? peer_tally(&s->src[idx]) : ' ';
}

void
sync_set_own_refids(struct sync *s, const uint32_t *refids, int n)
{
	sysp_set_own_refids(&s->sys, refids, n);
}

const struct sync_snap *
sync_snapshot(const struct sync *s)
{
	return &s->snap[s->snap_cur];
}

void
sync_snap_sys(const struct sync_snap *snap, int64_t clock_ns,
    struct srv_sys *out)
{
	*out = snap->sys;
	if (snap->local)
		out->ref_ns = clock_ns;
}

const struct srv_sys *
sync_sys(struct sync *s, int64_t clock_ns)
{
	sync_snap_sys(sync_snapshot(s), clock_ns, &s->served);
	return &s->served;
}

void
sync_set_auth(struct sync *s, int idx, const struct peer_auth *auth)
{
	if (idx == -1) {
		s->has_auth = auth != NULL;
		s->auth = auth ? *auth : (struct peer_auth){ 0 };
		return;
	}
	if (!valid(s, idx))
		return;
	s->src[idx].has_auth = auth != NULL;
	s->src[idx].auth = auth ? *auth : (struct peer_auth){ 0 };
}

int
sync_src_in_use(const struct sync *s, int idx)
{
	return valid(s, idx);
}

int
sync_outstanding(const struct sync *s, int idx)
{
	return valid(s, idx) && s->src[idx].xmt_sent != 0;
}

int64_t
sync_freq_ppb(const struct sync *s)
{
	return s->disc.freq_ppb;
}

int
sync_has_updated(const struct sync *s)
{
	return s->disc.updates > 0;
}

int
sync_src_info(const struct sync *s, int idx, int64_t clock_ns,
    struct sync_src_view *v)
{
	const struct peer *p;
	int k;

	if (!valid(s, idx))
		return -1;
	p = &s->src[idx];
	*v = (struct sync_src_view){ .tally = peer_tally(p),
		.sel = p->sel,
		.flags = p->cfg.flags,
		.from_pool = p->cfg.from_pool,
		.our_refid = p->cfg.refid,
		.reach = p->reach,
		.unanswered = p->unanswered,
		.poll = p->poll,
		.stratum = p->stratum,
		.leap = p->leap,
		.precision = p->precision,
		.refid = p->refid,
		.root_delay_ns = p->root_delay_ns,
		.root_disp_ns = p->root_disp_ns,
		.ref_ns = p->ref_ns,
		.ppoll = p->ppoll,
		.have_filter = p->filt.have_out,
		.offset_ns = p->filt.offset_ns,
		.delay_ns = p->filt.delay_ns,
		.disp_ns = p->filt.have_out ? filt_disp_at(&p->filt, clock_ns)
		                            : TS_MAXDISP_NS,
		.jitter_ns = p->filt.jitter_ns,
		.stages = peer_valid_stages(p),
		.last_rx_mono_ns = p->last_rx_mono_ns,
		.next_mono_ns = peer_next_timer(p),
		.sent = p->sent,
		.received = p->received,
		.bogus = p->bogus,
		.auth_failed = p->auth_failed,
		.held_back = p->held_back,
		.flash = p->flash };
	v->filt_n = p->filt.n;
	for (k = 0; k < p->filt.n && k < FILT_STAGES; k++) {
		v->filt_offset_ns[k] = p->filt.st[k].offset_ns;
		v->filt_delay_ns[k] = p->filt.st[k].delay_ns;
		v->filt_disp_ns[k] = p->filt.st[k].disp_ns;
	}
	return 0;
}

void
sync_sys_info(const struct sync *s, struct sync_sys_view *v)
{
	const struct srv_sys *y = &s->sys.vars;

	*v = (struct sync_sys_view){ .stratum = y->stratum,
		.leap = y->leap,
		.precision = y->precision,
		.refid = y->refid,
		.ref_ns = y->ref_ns,
		.root_delay_ns = y->root_delay_ns,
		.root_disp_ns = y->root_disp_ns,
		.offset_ns = s->sys.offset_ns,
		.jitter_ns = s->sys.jitter_ns,
		.freq_ppb = s->disc.freq_ppb,
		.wander_ppb = s->disc.wander_ppb,
		.last_offset_ns = s->disc.offset_ns,
		.clk_jitter_ns = s->disc.jitter_ns,
		.rms_offset_ns = s->disc.resid_rms_ns,
		.resid_freq_ppb = s->disc.updates > 0
		    ? (int64_t)(s->disc.k_b * 1e9) - s->disc.freq_ppb
		    : 0,
		.skew_ppb = disc_freq_unc_ppb(&s->disc),
		.update_interval_ns = s->disc.update_interval_ns,
		.poll = s->disc.poll,
		.updates = s->disc.updates,
		.sys_peer = s->sys.peer,
		.synced = s->sys.peer >= 0,
		.local = sysp_local(&s->sys),
		.why = sysp_why(&s->sys, s->src, SYNC_MAX_SRC),
		.steering = !s->cfg.no_clock };
}

// SPDX-License-Identifier: ISC
/*
 * peer: the association with one source (RFC 5905 sections 9 and 13,
 * RFC 8633, RFC 9109).  See peer.h.
 */
#include "core/peer.h"

#include <string.h>

#include "core/pkt.h"
#include "core/ts.h"

#define IBURST_COUNT 8 /* `burst`: eight packets (RFC 5905) */
#define BURST_SPACING_S 2
#define UNREACH 8             /* unanswered polls: unreachable */
#define KOD_RATE_HOLD_S 3600  /* a RATE kiss raises the poll this long */
#define KOD_DENY_RETRY_S 3600 /* DENY/RSTR from a server: retry hourly */
#define KOD_POLL_MAX 13       /* RATE never pushes the poll beyond 2^13 s */
#define GATE_JITTERS 4        /* sample gate: allowed jitters off prediction */
#define GATE_MIN_STAGES 4     /* ...once the filter has this many */
#define RETRIES 2             /* quick re-sends of a lost request per poll */
#define RETRY_MIN_POLL 6      /* ...at polls of 64 s and more */
#define RETRY_AFTER_S 4       /* ...this long after the last one */
#ifndef SIGMA_FLOOR_DIV
#define SIGMA_FLOOR_DIV 8
#endif

/* splitmix64: derive further random values from one seed value. */
static uint64_t
mix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

void
peer_init(struct peer *p, const struct peer_cfg *cfg, int64_t mono_ns,
    uint64_t *rng)
{
	memset(p, 0, sizeof(*p));
	p->in_use = 1;
	p->cfg = *cfg;
	p->poll = cfg->minpoll;
	p->stratum = 16;
	p->leap = PKT_LEAP_UNSYNC;
	p->sel = SEL_REJECT;
	/* Every source starts with a short burst, iburst or not: the first
	 * selection needs a few samples from each. */
	p->burst_left = PEER_START_BURST;
	filt_init(&p->filt);
	/* Spread first polls over a second so that many sources do not go
	 * out in one burst. */
	p->next_mono_ns = mono_ns + (int64_t)(mix(rng) % (uint64_t)TS_NS_PER_S);
}

static int
retry_due(const struct peer *p)
{
	return p->xmt_sent != 0 && p->retries_left > 0;
}

int64_t
peer_next_timer(const struct peer *p)
{
	int64_t t = p->next_mono_ns;

	if (retry_due(p) && p->retry_mono_ns < t)
		t = p->retry_mono_ns;
	return t;
}

int
peer_due(const struct peer *p, int64_t mono_ns)
{
	if (p->next_mono_ns <= mono_ns)
		return 1;
	if (retry_due(p) && p->retry_mono_ns <= mono_ns)
		return 2;
	return 0;
}

static int
src_poll(const struct peer *p, int disc_poll)
{
	int poll = disc_poll;

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
on_poll(struct peer *p, int i, int64_t clock_ns, struct act_out *o)
{
	uint8_t was = p->reach;
	int lost = 0;

	p->reach = (uint8_t)(p->reach << 1);
	if (p->xmt_sent != 0) /* the last request went unanswered */
		p->unanswered++;
	if (p->xmt_sent != 0 && (p->reach & 0x6) == 0 && was != 0)
		filt_miss(&p->filt, clock_ns);
	/* As the reach register: the poll being sent counts too. */
	if (p->unanswered + 1 == UNREACH) {
		act_event(o, i, SYNC_EV_UNREACHABLE, 0);
		p->sel = SEL_REJECT;
		lost = was != 0 || p->received > 0;
		/* Policy: a pool member is replaced, a server's name is
		 * resolved again (it may have moved). */
		act_event(o, i,
		    p->cfg.from_pool ? SYNC_EV_REPLACE : SYNC_EV_RERESOLVE,
		    SYNC_REPLACE_UNREACHABLE);
	} else if (p->unanswered + 1 > UNREACH &&
	    (p->unanswered + 1 - UNREACH) % UNREACH == 0 && !p->cfg.from_pool) {
		act_event(o, i, SYNC_EV_RERESOLVE, SYNC_REPLACE_UNREACHABLE);
	}
	if (p->burst_left == 0 &&
	    (((p->cfg.flags & PEER_IBURST) && lost) ||
	        ((p->cfg.flags & PEER_BURST) && was != 0)))
		p->burst_left = lost ? PEER_START_BURST : IBURST_COUNT;
	if (p->kod_poll_min != 0 && p->t1_mono_ns >= p->kod_until_mono_ns)
		p->kod_poll_min = 0; /* a RATE kiss's effect decays */
	p->kod_denied = 0;           /* the hourly retry after DENY/RSTR */
	return lost;
}

/* The request through the sign hook: 0, or -1 when it must not go out
 * (the hook refused, or left a length outside the buffer). */
static int
sign(const struct peer_auth *auth, int i, struct sync_act *a)
{
	size_t len = a->len;

	if (auth == NULL || auth->sign == NULL)
		return 0;
	if (auth->sign(auth->ctx, i, a->pkt, &len, sizeof(a->pkt)) != 0 ||
	    len < PKT_HDR_LEN || len > sizeof(a->pkt))
		return -1;
	a->len = len;
	return 0;
}

/* Queue one data-minimized client request (RFC 9109 and the NTP client
 * data minimization draft): only version, mode, poll and a fresh random
 * transmit value, which the reply must echo; then the sign hook.  0, or
 * -1 when the action array is full.  A request the hook refuses is not
 * sent but counts as asked (it will go unanswered). */
static int
put_request(struct peer *p, int i, int64_t clock_ns, int64_t mono_ns,
    uint64_t *rnd, const struct peer_auth *auth, struct act_out *o)
{
	struct sync_act *a = act_push(o, SYNC_ACT_SEND, i);
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
	if (sign(auth, i, a) != 0) {
		act_drop_last(o);
		p->sign_failed++;
		return 0;
	}
	p->sent++;
	return 0;
}

/* A regular poll (or a burst packet).  Returns 1 when the source has
 * just become unreachable. */
static int
send_poll(struct peer *p, int i, int disc_poll, int64_t clock_ns,
    int64_t mono_ns, uint64_t *rnd, const struct peer_auth *auth,
    struct act_out *o)
{
	int lost = on_poll(p, i, clock_ns, o);

	p->poll = src_poll(p, disc_poll);
	if (put_request(p, i, clock_ns, mono_ns, rnd, auth, o) != 0)
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

int
peer_send(struct peer *p, int i, int due, int disc_poll, int64_t clock_ns,
    int64_t mono_ns, uint64_t *rnd, const struct peer_auth *auth,
    struct act_out *o)
{
	if (due == 1)
		return send_poll(p, i, disc_poll, clock_ns, mono_ns, rnd, auth,
		    o);
	/* Re-send an unanswered request within the same poll: a new
	 * transmit value (the old one's late reply is then ignored), no
	 * reach shift. */
	if (put_request(p, i, clock_ns, mono_ns, rnd, auth, o) != 0)
		return 0;
	p->retries_left--;
	p->retry_mono_ns = mono_ns + RETRY_AFTER_S * TS_NS_PER_S;
	return 0;
}

/* RFC 5905 section 7.4: DENY and RSTR demobilize, RATE backs off.
 * Unauthenticated, a kiss may be forged by anyone on the path, so its
 * effect is bounded: a pool member is swapped for another, a configured
 * server is asked again an hour later; RATE raises the poll one step,
 * never past maxpoll, for an hour.  Returns PEER_RX_DENIED for DENY and
 * RSTR. */
static enum peer_rx
kiss(struct peer *p, int i, const char *code, int disc_poll, struct act_out *o)
{
	struct sync_act *a = act_push(o, SYNC_ACT_EVENT, i);

	if (a != NULL) {
		a->ev = SYNC_EV_KOD;
		memcpy(a->kiss, code, sizeof(a->kiss));
	}
	if (strcmp(code, "DENY") == 0 || strcmp(code, "RSTR") == 0) {
		p->kod_denied = 1;
		p->sel = SEL_REJECT;
		p->burst_left = 0;
		p->retries_left = 0;
		p->next_mono_ns =
		    p->t1_mono_ns + KOD_DENY_RETRY_S * TS_NS_PER_S;
		if (p->cfg.from_pool)
			act_event(o, i, SYNC_EV_REPLACE, SYNC_REPLACE_DENIED);
		return PEER_RX_DENIED;
	}
	if (strcmp(code, "RATE") == 0) {
		int np = src_poll(p, disc_poll) + 1;

		if (np > p->cfg.maxpoll)
			np = p->cfg.maxpoll;
		p->kod_poll_min = np > KOD_POLL_MAX ? KOD_POLL_MAX : np;
		p->kod_until_mono_ns =
		    p->t1_mono_ns + KOD_RATE_HOLD_S * TS_NS_PER_S;
		p->burst_left = 0;
		p->next_mono_ns = p->t1_mono_ns + ts_log2_ns(p->kod_poll_min);
	}
	return PEER_RX_NONE;
}

static void
take_header(struct peer *p, const struct exch_sample *x)
{
	p->leap = x->leap;
	p->stratum = x->stratum;
	p->precision = x->precision;
	p->refid = x->refid;
	p->root_delay_ns = x->root_delay_ns;
	p->root_disp_ns = x->root_disp_ns;
	p->ref_ns = x->ref_ns;
	p->ppoll = x->poll;
}

/* ntpd's TEST bit for what exch_check found. */
static unsigned
test_bits(enum exch_verdict v)
{
	switch (v) {
	case EXCH_OK:
		return 0;
	case EXCH_BAD_ORIGIN:
		return PEER_TEST_BOGUS;
	case EXCH_SHORT:
	case EXCH_BAD_MODE:
	case EXCH_BAD_TIME:
		return PEER_TEST_INVALID;
	case EXCH_KOD:
		return PEER_TEST_DENIED;
	case EXCH_UNSYNC:
		return PEER_TEST_UNSYNC;
	case EXCH_BAD_ROOT:
		return PEER_TEST_HEADER;
	}
	return PEER_TEST_INVALID;
}

enum peer_rx
peer_reply(struct peer *p, int i, const uint8_t *buf, size_t len,
    int64_t rx_clock_ns, int prec_log2, int disc_poll,
    const struct peer_auth *auth, struct exch_sample *x, struct act_out *o)
{
	enum exch_verdict v;

	if (p->xmt_sent == 0) { /* duplicate or unsolicited */
		p->bogus++;
		p->flash = PEER_TEST_DUP;
		return PEER_RX_NONE;
	}
	v = exch_check(buf, len, p->xmt_sent, p->t1_ns, rx_clock_ns,
	    PKT_MODE_SERVER, prec_log2, x);
	p->flash = test_bits(v);
	if (v == EXCH_SHORT || v == EXCH_BAD_MODE || v == EXCH_BAD_ORIGIN) {
		p->bogus++;
		return PEER_RX_NONE;
	}
	/* It answers our request; before anything in it is believed, it
	 * must authenticate.  A forgery changes nothing: the request stays
	 * outstanding for the genuine reply. */
	if (auth != NULL && auth->verify != NULL &&
	    auth->verify(auth->ctx, i, buf, len) != 0) {
		p->auth_failed++;
		p->flash |= PEER_TEST_AUTH;
		return PEER_RX_NONE;
	}
	p->xmt_sent = 0;
	if (v == EXCH_KOD)
		return kiss(p, i, x->kiss, disc_poll, o);
	if (p->reach == 0 || p->received == 0)
		act_event(o, i, SYNC_EV_REACHABLE, 0);
	p->reach |= 1;
	p->unanswered = 0;
	p->received++;
	take_header(p, x);
	return v == EXCH_OK ? PEER_RX_SAMPLE : PEER_RX_NONE;
}

int
peer_valid_stages(const struct peer *p)
{
	int i, n = 0;

	for (i = 0; i < p->filt.n; i++)
		n += p->filt.st[i].disp_ns < TS_MAXDISP_NS;
	return n;
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
gate(struct peer *p, const struct filt_sample *fs, int prec_log2,
    int64_t freq_unc_ppb)
{
	int64_t lim, excess = fs->delay_ns - p->filt.delay_ns;
	double drift = ts_to_s(fs->t_ns - p->filt.t_ns) * (double)freq_unc_ppb;

	if (peer_valid_stages(p) < GATE_MIN_STAGES || !p->filt.have_out) {
		p->have_held = 0;
		return 1;
	}
	lim = GATE_JITTERS * p->filt.jitter_ns + (excess > 0 ? excess / 2 : 0) +
	    filt_disp_at(&p->filt, fs->t_ns) + ts_log2_ns(prec_log2) +
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

int
peer_sample(struct peer *p, const struct filt_sample *fs, int prec_log2,
    int64_t freq_unc_ppb)
{
	int g;

	p->last_rx_mono_ns = fs->t_mono_ns;
	g = gate(p, fs, prec_log2, freq_unc_ppb);
	if (g == 0)
		return 0;
	if (g == 2)
		filt_add(&p->filt, &p->held, prec_log2);
	filt_add(&p->filt, fs, prec_log2);
	return 1;
}

void
peer_shift(struct peer *p, int64_t delta_ns)
{
	filt_shift(&p->filt, delta_ns);
	p->held.offset_ns -= delta_ns;
	p->held.t_ns += delta_ns;
}

int64_t
peer_root_dist(const struct peer *p, int64_t clock_ns)
{
	return ts_root_distance(p->root_delay_ns, p->root_disp_ns,
	    p->filt.delay_ns, filt_disp_at(&p->filt, clock_ns),
	    p->filt.jitter_ns);
}

/* Not aged: ageing would favour whichever source was polled last. */
int64_t
peer_path_dist(const struct peer *p)
{
	return ts_root_distance(p->root_delay_ns, p->root_disp_ns,
	    p->filt.delay_ns, p->filt.disp_ns, p->filt.jitter_ns);
}

/* Half the delay in excess of the smallest delay this source showed
 * recently, with a floor at the clock precision. */
int64_t
peer_sigma(const struct peer *p, int64_t delay_ns, int prec_log2)
{
	int64_t d[FILT_STAGES + 1], floor_ns = ts_log2_ns(prec_log2), t;
	int i, j, n = 0;

	d[n++] = delay_ns;
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
	return (delay_ns - d[0]) / 2 + floor_ns;
}

int
peer_history(const struct peer *p, int prec_log2, struct disc_point *pts)
{
	const struct filt *f = &p->filt;
	int k, n = 0;

	for (k = f->n - 1; k >= 1; k--) {
		const struct filt_sample *st = &f->st[k];

		if (st->disp_ns >= TS_MAXDISP_NS)
			continue;
		pts[n++] = (struct disc_point){ st->t_mono_ns, st->offset_ns,
			peer_sigma(p, st->delay_ns, prec_log2) };
	}
	return n;
}

/* The low byte is left 0 (we keep no per-peer event counter). */
unsigned
peer_status_word(const struct peer *p)
{
	static const unsigned code[] = { 0, 1, 2, 4, 6 };

	return (0x80u | (p->reach ? 0x10u : 0) | code[p->sel]) << 8;
}

char
peer_tally(const struct peer *p)
{
	switch (p->sel) {
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

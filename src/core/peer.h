/* SPDX-License-Identifier: ISC */
/*
 * peer: one association with a source (RFC 5905 sections 9 and 13, RFC
 * 8633): when to poll, the reach register and unanswered count, bursts
 * and quick retries, the request itself, the reply's validation (through
 * core/exch and the authentication hook), kiss-o'-death effects, the
 * sample gate and the clock filter it feeds.
 *
 * A struct peer is owned by core/sync, which calls these functions and
 * passes in what belongs to the system (the discipline's poll, the local
 * precision).  The system process (core/sysp) reads the fields of every
 * peer for selection and writes back only sel and falsetick_run.
 */
#ifndef STRATUM_PEER_H
#define STRATUM_PEER_H

#include <stddef.h>
#include <stdint.h>

#include "core/act.h"
#include "core/exch.h"
#include "core/filt.h"
#include "core/sel.h"

/* Source flags (same values as conf's CONF_SRC_*). */
#define PEER_IBURST 0x01u
#define PEER_BURST 0x02u
#define PEER_PREFER 0x04u
#define PEER_NOSELECT 0x08u

#define PEER_START_BURST 4 /* quick requests at start (and iburst) */

struct peer_cfg {
	unsigned flags; /* PEER_* */
	int minpoll, maxpoll;
	uint8_t version;
	uint32_t refid;    /* what we serve when this is the system peer */
	int from_pool;     /* may be replaced when unreachable/falseticker */
	uint64_t addr_key; /* the shell's key for the address */
};

/*
 * The authentication hook, filled in by the shell (keys, NTS cookies and
 * crypto live outside the core).  sign is called on every request built
 * for source src, pkt[0..*len) of capacity cap: it may append extension
 * fields and a MAC (pkt_put_ext, pkt_put_mac) and update *len; it returns
 * 0, or -1 to suppress the request.  verify is called on a reply that
 * answers our outstanding request (origin matched), before anything in
 * it is believed; it returns 0 to accept, -1 to reject.  Either may be
 * NULL: that direction is then unauthenticated.
 */
struct peer_auth {
	int (*sign)(void *ctx, int src, uint8_t *pkt, size_t *len, size_t cap);
	int (*verify)(void *ctx, int src, const uint8_t *pkt, size_t len);
	void *ctx;
};

/* ntpd's packet tests (mode 6's flash): the bits of the last reply's
 * failures, 0 when it passed them all. */
#define PEER_TEST_DUP 0x0001u     /* TEST1: duplicate or unsolicited */
#define PEER_TEST_BOGUS 0x0002u   /* TEST2: not the answer to our request */
#define PEER_TEST_INVALID 0x0004u /* TEST3: undecodable, bad timestamps */
#define PEER_TEST_DENIED 0x0008u  /* TEST4: kiss-o'-death */
#define PEER_TEST_AUTH 0x0010u    /* TEST5: failed authentication */
#define PEER_TEST_UNSYNC 0x0020u  /* TEST6: leap 3 or stratum > 15 */
#define PEER_TEST_HEADER 0x0040u  /* TEST7: root delay/dispersion */

struct peer {
	int in_use;
	unsigned flash; /* PEER_TEST_* of the last reply */
	struct peer_cfg cfg;
	int has_auth;          /* auth set for this source (else sync's) */
	struct peer_auth auth; /* per-source hook */
	struct filt filt;
	int poll;             /* current poll exponent */
	uint8_t reach;        /* 8-bit reach register */
	int burst_left;       /* packets left in the current (i)burst */
	int64_t next_mono_ns; /* next transmission */
	uint64_t xmt_sent;    /* random transmit value of the outstanding
				   request (0: none) */
	int64_t t1_ns;        /* clock time it left */
	int64_t t1_mono_ns;
	int retries_left;      /* quick re-sends left for this poll */
	int64_t retry_mono_ns; /* when to re-send an unanswered request */
	/* from the last good reply */
	uint8_t leap, stratum;
	int8_t precision;
	uint32_t refid; /* the server's refid */
	int64_t root_delay_ns, root_disp_ns;
	int64_t ref_ns; /* the server's reference time, 0: none */
	int8_t ppoll;   /* the poll exponent the server sent */
	int64_t last_rx_mono_ns;
	enum sel_status sel;
	int kod_denied;   /* DENY/RSTR: not used until the hourly retry */
	int distrusted;   /* its offset passed the panic threshold */
	int kod_poll_min; /* RATE: poll floor raised (within maxpoll)... */
	int64_t kod_until_mono_ns; /* ...until then */
	int unanswered; /* polls in a row without a reply (from start) */
	/* the sample gate: a sample far off the filter's prediction waits
	 * here for the next one to confirm it */
	int have_held;
	struct filt_sample held;
	uint64_t held_back; /* samples the gate kept out */
	uint64_t sent, received, bogus;
	uint64_t auth_failed; /* replies the verify hook rejected */
	uint64_t sign_failed; /* requests the sign hook suppressed */
	int polls;            /* regular polls (not re-sends) since added */
	int falsetick_run;    /* consecutive selections as a falseticker */
};

/* What a reply did (peer_reply). */
enum peer_rx {
	PEER_RX_SAMPLE, /* valid: *x holds the sample */
	PEER_RX_NONE,   /* bogus, unauthenticated, unsynchronized...: no
			   sample */
	PEER_RX_DENIED, /* DENY/RSTR kiss: the source left selection */
};

/* Start an association at mono_ns; its first request is due within a
 * second after (spread with *rng, so that many sources do not go out in
 * one burst). */
void peer_init(struct peer *p, const struct peer_cfg *cfg, int64_t mono_ns,
    uint64_t *rng);

/* When the next request (poll or quick re-send) is due; mono ns. */
int64_t peer_next_timer(const struct peer *p);

/* 1 when a regular poll is due at mono_ns, 2 when a quick re-send is,
 * else 0. */
int peer_due(const struct peer *p, int64_t mono_ns);

/*
 * Send the due request of source i (peer_due's answer in due) at
 * clock_ns / mono_ns: reach bookkeeping, poll choice (disc_poll is the
 * discipline's suggestion), then a data-minimized request with a fresh
 * transmit value drawn from *rnd, signed through auth (may be NULL).
 * Returns 1 when the source has just become unreachable, else 0.
 */
int peer_send(struct peer *p, int i, int due, int disc_poll, int64_t clock_ns,
    int64_t mono_ns, uint64_t *rnd, const struct peer_auth *auth,
    struct act_out *o);

/*
 * A reply buf[0..len) from source i received at rx_clock_ns: matched
 * against the outstanding request, verified through auth (may be NULL),
 * then believed: reach, header variables, kiss-o'-death effects.
 * prec_log2 is the local clock's precision, disc_poll the discipline's
 * poll (a RATE kiss backs off from it).
 */
enum peer_rx peer_reply(struct peer *p, int i, const uint8_t *buf, size_t len,
    int64_t rx_clock_ns, int prec_log2, int disc_poll,
    const struct peer_auth *auth, struct exch_sample *x, struct act_out *o);

/*
 * One sample (offset, delay, dispersion at clock time t_ns / mono_ns)
 * through the sample gate into the clock filter.  freq_unc_ppb is how far
 * off our frequency correction may still be (disc_freq_unc_ppb): the
 * gate allows for the drift it causes since the last sample.  Returns 1
 * when the filter took it (and possibly a held sample it confirmed), 0
 * when the gate holds it back.
 */
int peer_sample(struct peer *p, const struct filt_sample *fs, int prec_log2,
    int64_t freq_unc_ppb);

/* Our clock was corrected by delta_ns (phase): move the stored samples
 * with it. */
void peer_shift(struct peer *p, int64_t delta_ns);

/* RFC 5905 section 11.2 root distance of the source at clock_ns. */
int64_t peer_root_dist(const struct peer *p, int64_t clock_ns);

/* The distance of the path, not aged (what decides who steers). */
int64_t peer_path_dist(const struct peer *p);

/* Filter stages holding a real sample. */
int peer_valid_stages(const struct peer *p);

/* The uncertainty of a sample of this delay for the discipline's
 * regression (doc/algorithm.md, "Estimation"). */
int64_t peer_sigma(const struct peer *p, int64_t delay_ns, int prec_log2);

/* The filter's history, oldest first, as discipline points (u_ns =
 * offset); returns how many (<= FILT_STAGES) were written. */
int peer_history(const struct peer *p, int prec_log2, struct disc_point *pts);

/* ntpd's peer status word (high byte: configured, reachable, select). */
unsigned peer_status_word(const struct peer *p);

/* ntpd's tally code: ' ', 'x', '.', '+', '*'. */
char peer_tally(const struct peer *p);

#endif

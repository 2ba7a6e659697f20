/* SPDX-License-Identifier: ISC */
/*
 * sync: the client side of the daemon as one pure state machine.  It owns
 * the associations (polling, reach, iburst, KoD, clock filter), runs
 * selection and the discipline, and says what the shell must do as a
 * list of actions: send this request to source i, step/slew/set the
 * frequency of the clock, log this event, write this statistics line.
 * Time and randomness come in as arguments; nothing here reads a clock.
 *
 * Two time bases come in with every call: mono_ns (CLOCK_MONOTONIC, for
 * timers: never jumps) and clock_ns (the disciplined clock being served,
 * for timestamps).
 */
#ifndef STRATUM_SYNC_H
#define STRATUM_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "core/disc.h"
#include "core/filt.h"
#include "core/sel.h"
#include "core/srv.h"

#define SYNC_MAX_SRC SEL_MAX
#define SYNC_MAX_ACTS 64
#define SYNC_MAX_OWN \
	16 /* own addresses checked for timing loops */ /* a caller's action array needs this many */

/* Source flags (same values as conf's CONF_SRC_*). */
#define SYNC_IBURST 0x01u
#define SYNC_BURST 0x02u
#define SYNC_PREFER 0x04u
#define SYNC_NOSELECT 0x08u

struct sync_src_cfg {
	unsigned flags;
	int minpoll, maxpoll;
	uint8_t version;
	uint32_t refid;    /* what we serve when this is the system peer:
			     IPv4 address, or MD5 prefix of IPv6 */
	int from_pool;     /* may be replaced when unreachable/falseticker */
	uint64_t addr_key; /* the shell's key for the address (pool members
			      dropped are not taken again for an hour) */
};

struct sync_cfg {
	struct sel_cfg sel;
	struct disc_cfg disc;
	int local_stratum;        /* 0: none */
	int8_t precision;         /* log2 s of the local clock */
	int64_t initial_freq_ppb; /* drift file */
	int quit_after_set;       /* -q: one clock setting, then SYNC_EV_DONE */
	int no_clock;       /* measure and serve, never steer (backend none) */
	int64_t mindist_ns; /* tos mindist: root distance floor (1 ms) */
};

/* One measurement of a source's offset, whatever produced it (a server's
 * reply; later a symmetric peer or a reference clock). */
struct sync_sample {
	int64_t offset_ns; /* source minus us */
	int64_t delay_ns;  /* round trip, >= precision */
	int64_t disp_ns;   /* its own dispersion (RFC 5905 epsilon) */
	int64_t clock_ns;  /* when, on our clock (T4) */
};

enum sync_event {
	SYNC_EV_SYNCED,         /* new system peer: src, stratum in value */
	SYNC_EV_LOST,           /* no system peer any more */
	SYNC_EV_NO_MAJORITY,    /* sources disagree: clock left alone */
	SYNC_EV_STEP,           /* clock stepped by value_ns */
	SYNC_EV_SPIKE,          /* offset value_ns ignored (step-out pending) */
	SYNC_EV_PANIC,          /* offset value_ns beyond panic: giving up */
	SYNC_EV_KOD,            /* src sent kiss code `kiss` */
	SYNC_EV_REACHABLE,      /* src answers */
	SYNC_EV_UNREACHABLE,    /* src stopped answering (reach went 0) */
	SYNC_EV_REPLACE,        /* pool member src should be replaced; value_ns
				is the enum sync_replace_why */
	SYNC_EV_LEAP_ARMED,     /* leap second value_ns (+1/-1) announced */
	SYNC_EV_DONE,           /* -q: the clock was set; exit */
	SYNC_EV_WAITING,        /* start-up: value_ns more sources must be
				ready before the first selection */
	SYNC_EV_NONE_REACHABLE, /* start-up: no source has answered yet */
	SYNC_EV_RERESOLVE,      /* configured server src unreachable: resolve
				its name again (the address may have moved) */
};

/* Why a pool member should be replaced (SYNC_EV_REPLACE's value). */
enum sync_replace_why {
	SYNC_REPLACE_UNREACHABLE,
	SYNC_REPLACE_FALSETICKER, /* FALSETICK_RUN selections in a row */
	SYNC_REPLACE_DENIED,      /* sent DENY or RSTR */
};

enum sync_act_kind {
	SYNC_ACT_SEND,      /* send pkt[0..len) to src */
	SYNC_ACT_CLOCK,     /* apply disc command (step and/or freq+slew) */
	SYNC_ACT_LEAP,      /* tell the backend: leap value (+1, -1, 0) */
	SYNC_ACT_EVENT,     /* log */
	SYNC_ACT_PEERSTATS, /* one peerstats line for src */
	SYNC_ACT_LOOPSTATS, /* one loopstats line */
};

#define SYNC_PKT_MAX 1024 /* a request: header, extension fields, MAC */

struct sync_act {
	enum sync_act_kind kind;
	int src; /* source index, -1 for the system */
	/* SEND: pkt[0..len) */
	uint8_t pkt[SYNC_PKT_MAX];
	size_t len;
	/* CLOCK */
	int do_step;
	struct disc_cmd cmd;
	/* EVENT / LEAP */
	enum sync_event ev;
	int64_t value_ns;
	char kiss[5];
	/* PEERSTATS: status word (ntpd's peer status), offset, delay,
	 * dispersion, jitter; LOOPSTATS: offset, freq, jitter, wander,
	 * poll exponent */
	unsigned status;
	int64_t offset_ns, delay_ns, disp_ns, jitter_ns;
	int64_t freq_ppb, wander_ppb;
	int poll;
};

/* Per-source state, readable by the shell (for `stratum peers`). */
struct sync_src {
	int in_use;
	struct sync_src_cfg cfg;
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
	int64_t last_rx_mono_ns;
	enum sel_status sel;
	int kod_denied;   /* DENY/RSTR: not used until the hourly retry */
	int kod_poll_min; /* RATE: poll floor raised (within maxpoll)... */
	int64_t kod_until_mono_ns; /* ...until then */
	int unanswered; /* polls in a row without a reply (from start) */
	/* the sample gate: a sample far off the filter's prediction waits
	 * here for the next one to confirm it */
	int have_held;
	struct filt_sample held;
	uint64_t held_back; /* samples the gate kept out */
	uint64_t sent, received, bogus;
	int polls;         /* regular polls (not re-sends) since added */
	int falsetick_run; /* consecutive selections as a falseticker */
};

struct sync {
	struct sync_cfg cfg;
	struct sync_src src[SYNC_MAX_SRC];
	struct disc disc;
	int sys_peer;        /* -1: none */
	struct srv_sys sys;  /* what the server says */
	int64_t now_mono_ns; /* of the event being handled */
	int64_t sys_offset_ns, sys_jitter_ns;
	int no_majority_logged;
	int64_t no_majority_mono_ns; /* when it was last logged */
	int wait_logged;             /* start-up: last "waiting for N" */
	int none_logged;             /* start-up: "no source reachable" */
	struct {
		uint64_t key;
		int64_t mono_ns;
	} dropped[SYNC_MAX_SRC]; /* pool members dropped recently */
	int settled;             /* start-up hold over (see sync.c) */
	int64_t c_seen_ns;       /* clock correction the filters reflect */
	uint32_t own_refids[SYNC_MAX_OWN];
	int n_own_refids;
	int leap_armed; /* +1 insert, -1 delete, 0 none */
	int done;
	uint64_t rng; /* state for poll jitter, seeded by caller */
};

/* Set up with no sources; seed drives poll randomisation. */
void sync_init(struct sync *s, const struct sync_cfg *cfg, uint64_t seed,
    int64_t clock_ns);

/* Add a source; returns its index or -1 when full.  The first request
 * goes out at the next sync_on_timer. */
int sync_add(struct sync *s, const struct sync_src_cfg *cfg, int64_t mono_ns);

/* Remove a source (pool replacement, reload).  A pool member's address
 * key is remembered for an hour (sync_dropped_recently). */
void sync_remove(struct sync *s, int idx, int64_t mono_ns);

/* 1 when a pool member with this address key was dropped less than an
 * hour before mono_ns: a replacement must be another address. */
int sync_dropped_recently(const struct sync *s, uint64_t key, int64_t mono_ns);

/* When the next timer is due (CLOCK_MONOTONIC ns); INT64_MAX if never. */
int64_t sync_next_timer(const struct sync *s);

/*
 * Timers: send the next request that is due (at most one per call).
 * rand64 is a fresh 64-bit random value from the caller, the request's
 * transmit timestamp.  Call again while sync_next_timer(s) <= mono_ns.
 * Returns the number of actions written to act (cap >= SYNC_MAX_ACTS).
 */
size_t sync_on_timer(struct sync *s, int64_t mono_ns, int64_t clock_ns,
    uint64_t rand64, struct sync_act *act, size_t cap);

/*
 * A datagram from source idx arrived at rx_clock_ns (clock time, from the
 * kernel timestamp) / mono_ns.  Validates it (origin, mode, KoD...),
 * updates the source's filter and, for every valid sample, runs selection
 * and (when the source survives) the discipline.  Returns the number of
 * actions.
 */
size_t sync_on_reply(struct sync *s, int idx, const uint8_t *buf, size_t len,
    int64_t rx_clock_ns, int64_t mono_ns, struct sync_act *act, size_t cap);

/*
 * One sample from source idx taken at mono_ns (its header fields come
 * from the last reply): through the sample gate into the source's
 * filter, then selection and, when the source steers, the discipline.
 * sync_on_reply calls it for every valid reply.  Returns the number of
 * actions.
 */
size_t sync_on_sample(struct sync *s, int idx, const struct sync_sample *x,
    int64_t mono_ns, struct sync_act *act, size_t cap);

/* Our own addresses as refids (IPv4 address, or MD5 prefix of IPv6):
 * a source whose refid is one of them is synchronized to us, and
 * following it would make a timing loop (RFC 5905 section 13.4). */
void sync_set_own_refids(struct sync *s, const uint32_t *refids, int n);

/* The system variables to serve as of clock_ns: a local clock serving
 * as its own reference is fresh at every instant. */
const struct srv_sys *sync_sys(struct sync *s, int64_t clock_ns);

/* The shell could not apply a clock command (no permission, backend
 * none): stop steering for good, forget the commands not carried out,
 * keep measuring, selecting and serving. */
void sync_clock_refused(struct sync *s);

/* The request to source idx actually left at clock_ns / mono_ns: the
 * shell calls this just before the send system call, after whatever it
 * had to do first (opening the socket), so that T1 is not early. */
void sync_sent(struct sync *s, int idx, int64_t clock_ns, int64_t mono_ns);

/* ntpd's one-character tally code for a source: ' ', 'x', '.', '-', '+',
 * '#', '*'. */
char sync_tally(const struct sync *s, int idx);

#endif

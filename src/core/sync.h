/* SPDX-License-Identifier: ISC */
/*
 * sync: the client side of the daemon as one pure, event-driven state
 * machine.  A thin facade over three modules: the associations
 * (core/peer: polling, reach, bursts, KoD, the sample gate and clock
 * filter), the system process (core/sysp: selection, steering, leap
 * vote, system variables) and the discipline (core/disc).  It says what
 * the shell must do as a list of actions (core/act): send this request
 * to source i, step/slew/set the frequency of the clock, log this event,
 * write this statistics line.  Time, randomness and authentication come
 * in as arguments or hooks; nothing here reads a clock.
 *
 * Two time bases come in with every call: mono_ns (CLOCK_MONOTONIC, for
 * timers: never jumps) and clock_ns (the disciplined clock being served,
 * for timestamps).
 *
 * The shell reads the core's state only through the functions below
 * (views, accessors, the served snapshot), never through the fields of
 * struct sync, which may change.
 */
#ifndef STRATUM_SYNC_H
#define STRATUM_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "core/act.h"
#include "core/disc.h"
#include "core/filt.h"
#include "core/peer.h"
#include "core/sel.h"
#include "core/srv.h"
#include "core/sysp.h"

#define SYNC_MAX_SRC SEL_MAX
#define SYNC_MAX_OWN SYSP_MAX_OWN /* own addresses checked for loops */

/* Source flags (same values as conf's CONF_SRC_*). */
#define SYNC_IBURST PEER_IBURST
#define SYNC_BURST PEER_BURST
#define SYNC_PREFER PEER_PREFER
#define SYNC_NOSELECT PEER_NOSELECT

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
	/* An offset beyond the panic threshold: 0 (default) distrusts that
	 * source until its offsets come back within the threshold; 1 stops
	 * everything (SYNC_EV_PANIC then SYNC_EV_DONE-like exit), as ntpd. */
	int panic_exit;
};

/* One measurement of a source's offset, whatever produced it (a server's
 * reply; later a symmetric peer or a reference clock). */
struct sync_sample {
	int64_t offset_ns; /* source minus us */
	int64_t delay_ns;  /* round trip, >= precision */
	int64_t disp_ns;   /* its own dispersion (RFC 5905 epsilon) */
	int64_t clock_ns;  /* when, on our clock (T4) */
};

/* The served system state as published (sync_snapshot): a new value at
 * every change, never modified once published. */
struct sync_snap {
	struct srv_sys sys; /* ref_ns is 0 when local is set */
	uint64_t gen;       /* 1, 2, ...: one more at each change */
	int local;          /* the local clock is the reference: serve sys
			       with ref_ns = the time of the reply */
};

/* One source as `stratum peers` and mode 6 show it (sync_src_info). */
struct sync_src_view {
	char tally;          /* ' ', 'x', '.', '+', '*' */
	enum sel_status sel; /* what the last selection made of it */
	unsigned flags;      /* SYNC_IBURST... as configured */
	int from_pool;
	uint32_t our_refid;    /* what we serve when it is the system peer */
	uint8_t reach;         /* 8-bit reach register */
	int unanswered;        /* polls in a row without a reply */
	int poll;              /* current poll exponent (log2 s) */
	uint8_t stratum, leap; /* from its last good reply */
	int8_t precision;
	uint32_t refid; /* its refid */
	int64_t root_delay_ns, root_disp_ns;
	int64_t ref_ns; /* its reference time (its clock), 0: none */
	int ppoll;      /* the poll exponent it sent */
	/* the clock filter's output (when have_filter), the dispersion
	 * grown to the clock_ns asked about */
	int have_filter;
	int64_t offset_ns, delay_ns, disp_ns, jitter_ns;
	int stages; /* filter stages holding a sample */
	/* the filter's stages, newest first: filt_n of them (mode 6's
	 * filtoffset, filtdelay, filtdisp) */
	int filt_n;
	int64_t filt_offset_ns[FILT_STAGES], filt_delay_ns[FILT_STAGES];
	int64_t filt_disp_ns[FILT_STAGES];
	int64_t last_rx_mono_ns; /* last sample taken, 0: none */
	int64_t next_mono_ns;    /* next request due */
	uint64_t sent, received, bogus;
	uint64_t auth_failed; /* replies the verify hook rejected */
	uint64_t held_back;   /* samples the sample gate kept out */
	unsigned flash;       /* PEER_TEST_* failed by the last reply */
};

/* The system as `stratum peers`/mode 6 show it (sync_sys_info). */
struct sync_sys_view {
	uint8_t stratum, leap; /* as served */
	int8_t precision;
	uint32_t refid;
	int64_t ref_ns; /* last update of the served state, 0: none */
	int64_t root_delay_ns, root_disp_ns;
	int64_t offset_ns, jitter_ns; /* combined, of the last selection */
	int64_t freq_ppb;             /* frequency correction */
	int64_t wander_ppb;
	/* the discipline (chronyc tracking's figures): its last measured
	 * offset, its clock jitter (RMS of the innovations scaled as ntpd's
	 * clk_jitter), the running RMS of the innovations the poll adapts
	 * to, the frequency estimate minus the correction applied, the
	 * estimate's error bound (3 sigma) and the time between its last
	 * two updates (the last one is ref_ns) */
	int64_t last_offset_ns, clk_jitter_ns, rms_offset_ns;
	int64_t resid_freq_ppb, skew_ppb;
	int64_t update_interval_ns;
	int poll;          /* the discipline's poll exponent */
	int updates;       /* clock updates so far */
	int sys_peer;      /* source index, -1: none */
	int synced;        /* 1 when following a system peer */
	int local;         /* no system peer: serving the local clock */
	enum sysp_why why; /* SYSP_SYNCED, or why not */
	int steering; /* 0: measure and serve only (backend none, refused) */
};

/* The core's state.  Owned by the caller, opaque to the shell: read it
 * through the functions below. */
struct sync {
	struct sync_cfg cfg;
	struct peer src[SYNC_MAX_SRC]; /* the associations */
	struct sysp sys;               /* the system process */
	struct disc disc;              /* the discipline */
	int has_auth;
	struct peer_auth auth; /* for sources without their own */
	int64_t c_seen_ns;     /* clock correction the filters reflect */
	int done;
	uint64_t rng;             /* state for poll jitter, seeded by caller */
	struct sync_snap snap[2]; /* snap[snap_cur] is the published one */
	int snap_cur;
	int next_slot;         /* sync_add looks for a free slot from here on */
	struct srv_sys served; /* sync_sys's answer */
};

/* Set up with no sources; seed drives poll randomisation. */
void sync_init(struct sync *s, const struct sync_cfg *cfg, uint64_t seed,
    int64_t clock_ns);

/* Add a source; returns its index or -1 when full.  The first request
 * goes out at the next sync_on_timer.  Slots are taken round-robin, so
 * the index of a removed source (mode 6's association id is 1 + the
 * index) is not given to the next new one but only after every other
 * free slot was used, as ntpd does not reuse association ids soon. */
int sync_add(struct sync *s, const struct sync_src_cfg *cfg, int64_t mono_ns);

/*
 * A reloaded configuration: the selection (tos), root distance floor,
 * panic action and the discipline's thresholds (tinker step, panic,
 * stepout, maxslewrate, makestep, poll range) take effect from the next
 * sample; the sources, filters, frequency and clock state are kept.
 * initial_freq_ppb, precision, quit_after_set and no_clock are not
 * changed (they describe the running process, not the file).  A
 * changed `local stratum` is served at once when there is no system
 * peer.
 */
void sync_reconfigure(struct sync *s, const struct sync_cfg *cfg,
    int64_t clock_ns);

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

/* The system variables to serve as of clock_ns: the published snapshot
 * (sync_snapshot), with a local clock serving as its own reference fresh
 * at every instant.  The pointer is valid until the next sync_sys call. */
const struct srv_sys *sync_sys(struct sync *s, int64_t clock_ns);

/*
 * The served state as last published.  The core publishes at the end of
 * every call that changed it, into the other of two slots, so a
 * snapshot is never modified in place: the one returned stays as it is
 * through the next publication and is overwritten only by the one after.
 * snap->gen grows by one at each change and only then.
 *
 * The core is single-threaded and takes no locks.  An engine with several
 * serving threads publishes it on: after each core call the client
 * thread compares gen with the last it copied and, when it moved, copies
 * the snapshot into a shared slot under a seqlock (sequence odd while
 * writing, then even); a serving thread reads the sequence, copies the
 * slot, re-reads the sequence and retries when it changed or was odd.
 * Serving threads then answer from their private copy (sync_snap_sys)
 * and never call into the client half.
 */
const struct sync_snap *sync_snapshot(const struct sync *s);

/* What to serve at clock_ns from a (copied) snapshot: its state, with
 * ref_ns = clock_ns when the local clock is the reference.  Pure; safe
 * in any thread on the caller's copy. */
void sync_snap_sys(const struct sync_snap *snap, int64_t clock_ns,
    struct srv_sys *out);

/*
 * The authentication hook (core/peer.h, struct peer_auth) for source idx,
 * or with idx -1 for every source that has none of its own; auth NULL
 * removes it.  The core calls sign after building each request and
 * verify on each reply that matches an outstanding request, before
 * believing anything in it; a reply that fails is counted (auth_failed
 * in sync_src_info), changes nothing else and leaves the request
 * outstanding for the genuine reply.  Without a hook, as before:
 * unauthenticated.  A source's own hook is dropped by sync_remove.
 */
void sync_set_auth(struct sync *s, int idx, const struct peer_auth *auth);

/* 1 when source idx is in use. */
int sync_src_in_use(const struct sync *s, int idx);

/* 1 when source idx has a request out that no reply has answered. */
int sync_outstanding(const struct sync *s, int idx);

/* The frequency correction in effect (ppb; the drift file's value). */
int64_t sync_freq_ppb(const struct sync *s);

/* 1 once the discipline has updated the clock (the frequency is then
 * worth saving). */
int sync_has_updated(const struct sync *s);

/* Source idx as of clock_ns into *v; 0, or -1 when not in use. */
int sync_src_info(const struct sync *s, int idx, int64_t clock_ns,
    struct sync_src_view *v);

/* The system state into *v. */
void sync_sys_info(const struct sync *s, struct sync_sys_view *v);

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

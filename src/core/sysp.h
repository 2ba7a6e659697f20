/* SPDX-License-Identifier: ISC */
/*
 * sysp: the system process (RFC 5905 section 11): selection over the
 * peers (with the start-up readiness rule, the mindist floor and what
 * makes a source usable), which survivors steer the clock, the leap
 * vote, the system variables the server serves, the policy on logging
 * "no majority" and waiting states, the memory of dropped pool members
 * and of our own refids (timing loops).
 *
 * It reads the peers (core/peer) owned by core/sync and writes back only
 * their selection status and falseticker run.  Pure: times come in as
 * arguments, events go out through the action list.
 */
#ifndef STRATUM_SYSP_H
#define STRATUM_SYSP_H

#include <stdint.h>

#include "core/act.h"
#include "core/peer.h"
#include "core/sel.h"
#include "core/srv.h"

#define SYSP_MAX_SRC SEL_MAX
#define SYSP_MAX_OWN 16 /* own addresses checked for timing loops */

struct sysp_cfg {
	struct sel_cfg sel;
	int local_stratum;  /* 0: none */
	int8_t precision;   /* log2 s of the local clock */
	int64_t mindist_ns; /* tos mindist: root distance floor (1 ms) */
};

/* Why there is no system peer (sysp_why). */
enum sysp_why {
	SYSP_SYNCED,         /* there is one */
	SYSP_NO_SOURCES,     /* none configured, or all removed */
	SYSP_NONE_REACHABLE, /* start-up: no source has answered yet */
	SYSP_WAITING,        /* start-up: too few sources ready yet */
	SYSP_NO_USABLE,      /* none usable: unreachable, unsynchronized,
				too distant, a timing loop, denied */
	SYSP_NO_MAJORITY,    /* the sources disagree */
	SYSP_TOO_FEW,        /* fewer truechimers than tos minsane */
	SYSP_RESELECT,       /* the peer went away; next selection picks */
};

struct sysp {
	struct sysp_cfg cfg;
	int peer;                     /* the system peer's index, -1: none */
	struct srv_sys vars;          /* what the server says (working copy) */
	int64_t offset_ns, jitter_ns; /* combined, of the last selection */
	int majority, n_truechimers, n_usable; /* of the last selection */
	int settled;                           /* the first selection has run */
	int wait_logged; /* start-up: last "waiting for N" */
	int none_logged; /* start-up: "no source reachable" */
	int no_majority_logged;
	int64_t no_majority_mono_ns; /* when it was last logged */
	struct {
		uint64_t key;
		int64_t mono_ns;
	} dropped[SYSP_MAX_SRC]; /* pool members dropped recently */
	uint32_t own_refids[SYSP_MAX_OWN];
	int n_own_refids;
	int leap_armed; /* +1 insert, -1 delete, 0 none */
};

/* Start with no system peer: serving the local clock when configured,
 * else unsynchronized. */
void sysp_init(struct sysp *y, const struct sysp_cfg *cfg, int64_t clock_ns);

/*
 * Selection over the n peers at clock_ns / mono_ns (RFC 5905 11.2):
 * updates each peer's sel status, the system peer, the combined offset
 * and jitter; emits SYNCED, LOST, NO_MAJORITY, WAITING and falseticker
 * REPLACE events.  Before the first selection only ready sources take
 * part, and it runs only once they are a majority of those that may be.
 */
void sysp_select(struct sysp *y, struct peer *src, int n, int64_t clock_ns,
    int64_t mono_ns, struct act_out *o);

/* 1 when peer i's samples steer the clock: a survivor while a system
 * peer exists, prefer sources only with a prefer system peer, and not
 * when its path is far longer than the closest survivor's. */
int sysp_steers(const struct sysp *y, const struct peer *src, int n, int i);

/* The survivors' majority vote on the leap indicator we serve; arms the
 * backend (SYNC_ACT_LEAP) on the last day of the month. */
void sysp_leap_vote(struct sysp *y, const struct peer *src, int n,
    int64_t clock_ns, struct act_out *o);

/* RFC 5905 clock_update: the system variables follow the system peer
 * (src[y->peer]) as of clock_ns.  Needs a system peer. */
void sysp_update(struct sysp *y, const struct peer *src, int64_t clock_ns);

/* Start-up, at each timer: say once that no source answered yet. */
void sysp_startup_log(struct sysp *y, const struct peer *src, int n,
    struct act_out *o);

/* Peer i is being removed at mono_ns: a pool member's address key is
 * remembered for an hour; it stops being the system peer. */
void sysp_forget(struct sysp *y, const struct peer *p, int i, int64_t mono_ns);

/* 1 when a pool member with this key was dropped less than an hour
 * before mono_ns. */
int sysp_dropped_recently(const struct sysp *y, uint64_t key, int64_t mono_ns);

/* Our own addresses as refids (at most SYSP_MAX_OWN are kept). */
void sysp_set_own_refids(struct sysp *y, const uint32_t *refids, int n);

/* 1 when the served state has no system peer behind it but the local
 * clock as reference: its reference time is "now" at every instant. */
int sysp_local(const struct sysp *y);

/* The configuration in y->cfg changed (reload): without a system peer,
 * serve what it now says (the local clock, or unsynchronized). */
void sysp_reconfigured(struct sysp *y, int64_t clock_ns);

/* Why there is no system peer, from the last selection (SYSP_SYNCED when
 * there is one). */
enum sysp_why sysp_why(const struct sysp *y, const struct peer *src, int n);

#endif

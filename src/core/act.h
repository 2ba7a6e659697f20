/* SPDX-License-Identifier: ISC */
/*
 * act: the actions the client core asks of its shell (send, clock
 * command, leap, log event, statistics line), and the bounded list the
 * core's modules append them to.  The types carry sync's prefix because
 * they are part of core/sync.h's interface, which re-exports this header;
 * they live here, below sync, so that the association (core/peer) and
 * the system process (core/sysp) can emit actions without knowing sync.
 */
#ifndef STRATUM_ACT_H
#define STRATUM_ACT_H

#include <stddef.h>
#include <stdint.h>

#include "core/disc.h"

#define SYNC_MAX_ACTS 64  /* a caller's action array needs this many */
#define SYNC_PKT_MAX 1024 /* a request: header, extension fields, MAC */

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

struct sync_act {
	enum sync_act_kind kind;
	int src; /* source index, -1 for the system */
	/* SEND: pkt[0..len), any length up to SYNC_PKT_MAX */
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

/* The caller's action array being filled: a[0..n) of cap. */
struct act_out {
	struct sync_act *a;
	size_t n, cap;
};

/* Append a zeroed action of this kind for src (-1: the system); NULL
 * when the array is full (the action is then lost, never overflowed). */
struct sync_act *act_push(struct act_out *o, enum sync_act_kind kind, int src);

/* Append a log event with its value (see enum sync_event). */
void act_event(struct act_out *o, int src, enum sync_event ev, int64_t value);

/* Take back the last action appended (a request that could not be
 * signed must not go out). */
void act_drop_last(struct act_out *o);

#endif

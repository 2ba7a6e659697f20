/* SPDX-License-Identifier: ISC */
/*
 * dstate: one snapshot of a daemon's state read over mode 6 (READVAR of
 * the system, READSTAT, READVAR of every association), in SI units, for
 * `stratum metrics` and `stratum web`.  Works against stratumd, ntpd and
 * NTPsec: a variable the daemon does not send stays NAN (or -1).
 *
 * The counters (ntpd's ss_*, our stm_*) come only when asked for by name,
 * in READVARs of their own after the plain one: a name the daemon does not
 * know fails its whole request with UNKNOWNVAR, so a failed group is asked
 * again name by name, and a counter the daemon lacks is left out.
 */
#ifndef STRATUM_DSTATE_H
#define STRATUM_DSTATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/ctlq.h"

#define DST_MAX_SRC 64
#define DST_MAX_CTR 64

struct dst_src {
	uint16_t assoc, status;
	char addr[64]; /* srcadr, or srchost for a reference clock */
	int port;      /* srcport, -1: not sent */
	char refid[64];
	int stratum; /* 16 when not sent */
	unsigned reach;
	int poll_log2; /* hpoll, -1: not sent */
	double when_s; /* since the last packet, NAN: never */
	double offset_s, delay_s, jitter_s, disp_s;
	/* NTS (stratumd's and NTPsec's variables), NAN when not sent */
	double nts_cookies, nts_ke, nts_nak, nts_bad;
};

/* A system variable named ss_... or stm_..., kept as sent. */
struct dst_ctr {
	char name[48];
	double value;
};

struct dst_sys {
	uint16_t status;
	int leap;    /* 0..3 */
	int synced;  /* 1: clock source set and leap != 3 */
	int stratum; /* 16 when not sent */
	int peer;    /* association id of the system peer, 0: none */
	int poll_log2;
	double offset_s, jitter_s, freq_ppm, wander_ppm;
	double root_delay_s, root_disp_s;
	char refid[64];
	char version[96];
	char why[96];   /* stm_why: synchronized, or why not ("": not sent) */
	int stm_synced; /* -1: not sent */
	struct dst_ctr ctr[DST_MAX_CTR];
	int n_ctr;
};

struct dst {
	struct dst_sys sys;
	struct dst_src src[DST_MAX_SRC];
	int n_src;
};

/*
 * Read the daemon's state into *d.  Returns 0, or -1 with a one-line
 * reason in err (no answer, server error).
 */
int dst_fetch(struct ctlq *q, struct dst *d, char *err, size_t cap);

/* The counter named name, or NAN. */
double dst_ctr(const struct dst *d, const char *name);

/* The selection state's name for a peer status word ("sys.peer",
 * "candidate", ..., as ntpq -c as prints it). */
const char *dst_sel_name(uint16_t status);

/* Write s as a JSON string (quoted, escaped) to f. */
void dst_json_str(FILE *f, const char *s);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * sel: system selection (RFC 5905 section 11.2): the intersection
 * algorithm separates truechimers from falsetickers, clustering prunes
 * outliers, combining averages the survivors, and the system peer is
 * chosen with hysteresis.  Pure functions over an array of candidates.
 */
#ifndef STRATUM_SEL_H
#define STRATUM_SEL_H

#include <stddef.h>
#include <stdint.h>

#define SEL_MAX 32

/* What selection needs to know about one source. */
struct sel_cand {
	int usable; /* reachable, synchronized, has a sample */
	int prefer;
	int noselect; /* may be measured but never selected */
	uint8_t stratum;
	int64_t offset_ns;    /* filter output */
	int64_t jitter_ns;    /* peer jitter */
	int64_t root_dist_ns; /* synchronization distance lambda */
};

enum sel_status {
	SEL_REJECT,    /* not usable (unreachable, unsynchronized...) */
	SEL_FALSETICK, /* outside the majority's intersection */
	SEL_EXCESS,    /* truechimer pruned by clustering or maxclock */
	SEL_CANDIDATE, /* survivor, used in combining ('+') */
	SEL_SYSPEER,   /* the system peer ('*') */
};

struct sel_result {
	enum sel_status status[SEL_MAX];
	int sys_peer; /* index, or -1 when there is none */
	int n_truechimers;
	int n_survivors;
	int majority;      /* 1 when a majority intersection exists */
	int64_t offset_ns; /* combined offset of the survivors */
	int64_t jitter_ns; /* system jitter (RFC 5905 section 11.2.3) */
};

struct sel_cfg {
	int minclock; /* clustering stops at this many survivors (3) */
	int maxclock; /* at most this many candidates considered (10) */
	int minsane;  /* fewer truechimers: no system peer (1) */
};

/*
 * Run selection over n candidates (n <= SEL_MAX).  prev_peer is the
 * current system peer (-1 none) for hysteresis: it stays while it
 * survives and its stratum/distance is not clearly beaten (RFC 5905
 * section 11.2.3 keeps the old peer unless it is no longer a survivor).
 * Returns 0; out->sys_peer is -1 when no majority or fewer than minsane
 * truechimers exist.
 */
int sel_run(const struct sel_cfg *cfg, const struct sel_cand *c, size_t n,
    int prev_peer, struct sel_result *out);

/* "reject", "falsetick", "excess", "candidate", "sys.peer" */
const char *sel_status_str(enum sel_status s);

#endif

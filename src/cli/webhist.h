/* SPDX-License-Identifier: ISC */
/*
 * webhist: what `stratum web` remembers and says.  A ring of the system's
 * offset, jitter and frequency, one sample per poll of the daemon, oldest
 * overwritten first; at start it can be backfilled from the daemon's
 * loopstats files.  wh_json writes /api/status: the current state (a
 * dstate snapshot) and the ring.
 */
#ifndef STRATUM_WEBHIST_H
#define STRATUM_WEBHIST_H

#include <stdint.h>
#include <stdio.h>

#include "cli/dstate.h"

#define WH_CAP 2048 /* 9 hours at one sample per 16 s */

struct wh_sample {
	double t_s;                          /* Unix time */
	double offset_s, jitter_s, freq_ppm; /* NAN: daemon not answering */
};

struct wh_ring {
	struct wh_sample s[WH_CAP];
	int head, n; /* s[head] is the oldest of n */
};

/* Append a sample (time order is the caller's: wh_add keeps it). */
void wh_add(struct wh_ring *r, const struct wh_sample *s);

/* Sample i, 0 the oldest. */
const struct wh_sample *wh_at(const struct wh_ring *r, int i);

/*
 * Fill the ring from the loopstats files in dir (DIR/loopstats and its
 * members DIR/loopstats.*, each file once) with the lines of the last
 * span_s seconds before now_s, in time order.  Returns the number of
 * samples added, or -1 when dir cannot be read (errno set).
 */
int wh_backfill(struct wh_ring *r, const char *dir, double now_s,
    double span_s);

/* Where the state came from, for /api/status. */
struct wh_origin {
	const char *host;
	unsigned port;
	double poll_s;
	double now_s;
	const char *error; /* NULL: d is the daemon's answer */
};

/* /api/status as JSON to f; d NULL when the daemon did not answer. */
void wh_json(FILE *f, const struct wh_origin *o, const struct dst *d,
    const struct wh_ring *r);

#endif

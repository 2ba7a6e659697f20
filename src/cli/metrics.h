/* SPDX-License-Identifier: ISC */
/*
 * metrics: `stratum metrics`, a daemon's state (dstate) in the Prometheus
 * text exposition format 0.0.4: names stratum_..., a HELP and a TYPE line
 * per family, times in seconds, counters ending in _total.  The same text
 * is served by `stratum web` on /metrics.
 */
#ifndef STRATUM_METRICS_H
#define STRATUM_METRICS_H

#include <stdio.h>

#include "cli/dstate.h"

/* The content type of what met_write writes. */
#define MET_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Write the metrics for d to f; d NULL: the daemon did not answer (only
 * stratum_up 0). */
void met_write(FILE *f, const struct dst *d);

/* argv[0] is "metrics".  Returns the exit status: 0, 1 (no answer,
 * server error), 2 (usage). */
int metrics_main(int argc, char **argv);

/*
 * The -h HOST -p PORT options shared by the commands that talk to a
 * daemon over mode 6 (metrics, web): parse one option into host or port.
 * Returns 0, or -1 after printing the error.
 */
int met_host_opt(int ch, const char *arg, const char **host, uint16_t *port);

/* The error for getopt's ':' or '?' (the option as typed, one line on
 * stderr).  Returns 2, the usage exit status. */
int met_bad_opt(int ch, char **argv);

#endif

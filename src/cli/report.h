/* SPDX-License-Identifier: ISC */
/*
 * report: what `stratum query`/`sync` print.  Text mode follows ntpdate:
 * one "adjust time server ADDR offset X sec" line per answering address,
 * prefixed with the date and "stratum[PID]:"; -v adds a detail line per
 * address; JSON mode prints one object with a "servers" array.  Problems
 * go to stderr in words an operator can act on.
 */
#ifndef STRATUM_REPORT_H
#define STRATUM_REPORT_H

#include <stddef.h>

#include "cli/query.h"

struct rep_opts {
	int verbose;
	int json;
	int sync; /* JSON: rep_print leaves the document open for the
		     adjustment, rep_adjust_line closes it */
};

/* Print results; returns 0 when every named server had at least one
 * address with a usable sample, -1 otherwise. */
int rep_print(const struct rep_opts *o, const struct qry_target *t, size_t n,
    char **names, int n_names);

/* The target to set the clock from: the usable one with the smallest
 * root distance, or NULL when none is usable. */
const struct qry_target *rep_pick(const struct qry_target *t, size_t n);

/* The ntpdate-style "step time server"/"adjust time server" line for the
 * adjustment sync makes (or, dry_run, would make); b NULL: none.  In JSON
 * mode this is the "action" member that closes rep_print's document. */
void rep_adjust_line(const struct rep_opts *o, const struct qry_target *b,
    int step, int dry_run);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * reload: applies a re-read configuration to the running daemon without
 * losing state (SIGHUP, `stratum reload`).  Source lines are matched by
 * everything they say (kind, host, options): a kept line keeps its
 * associations with their filters, reach registers, polls, statistics
 * and association ids; a line that went away takes its associations
 * with it; a new line starts resolving and its sources start with their
 * burst, in slots not used recently (ids are not reused soon).  What the
 * reload changed and what needs a restart is gathered in a report: one
 * summary line for the log, and text for the mode 6 answer.
 */
#ifndef STRATUM_RELOAD_H
#define STRATUM_RELOAD_H

#include <stddef.h>

#include "conf/conf.h"
#include "daemon/assoc.h"

#define RELOAD_TEXT_MAX 2048

struct reload_report {
	int added, removed, kept;   /* source lines */
	char changed[256];          /* "; restrict rules changed..." */
	char restart[256];          /* "port, workers": need a restart */
	char text[RELOAD_TEXT_MAX]; /* lines for `stratum reload` */
	size_t len;
};

void reload_report_init(struct reload_report *r);

/* Append one line (no newline in fmt) to r->text; silently truncated. */
void reload_line(struct reload_report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Note "; WHAT" in r->changed. */
void reload_changed(struct reload_report *r, const char *what);

/* Name what in r->restart (", "-separated). */
void reload_restart(struct reload_report *r, const char *what);

/* Note in r->changed which of the settings sync_reconfigure applies
 * (tos, tinker and the like, local stratum, driftfile) differ. */
void reload_core_settings(const struct conf *old, const struct conf *nc,
    struct reload_report *r);

/* 1 when the interface rules of old and nc are the same. */
int reload_same_ifrules(const struct conf *old, const struct conf *nc);

/* Compare the settings that a running daemon cannot take over and name
 * each one that differs in r->restart. */
void reload_restart_settings(const struct conf *old, const struct conf *nc,
    struct reload_report *r);

/*
 * Match a's configuration lines against nc's, move the kept ones' state
 * over (their entries then point into nc), remove the associations of
 * lines that went away and set up the new lines (resolved on the next
 * timer).  Counts in r.  a->conf is not changed (asc_reconfigure).
 */
void reload_sources(struct assoc *a, const struct conf *nc,
    struct reload_report *r);

/* The summary line: "reload: 1 source added, 1 removed, 2 kept; restrict
 * rules changed", into out. */
void reload_summary(const struct reload_report *r, char *out, size_t cap);

#endif

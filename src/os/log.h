/* SPDX-License-Identifier: ISC */
/*
 * log: the daemon's and the tool's message sink.  In the foreground lines
 * go to stderr as "26 Nov 09:12:01 stratumd[1234]: message"; otherwise to
 * syslog(3) under the daemon facility.  The struct is owned by main.
 */
#ifndef STRATUM_LOG_H
#define STRATUM_LOG_H

#include <syslog.h>

struct logger {
	const char *ident;
	int to_stderr;
	int min_prio; /* messages above this syslog priority are dropped */
};

/* Set up *lg; to_stderr 0 opens syslog. */
void log_open(struct logger *lg, const char *ident, int to_stderr);
void log_close(struct logger *lg);

/* Log one line at a syslog priority (LOG_ERR, LOG_NOTICE, LOG_INFO...). */
void log_msg(const struct logger *lg, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif

/* SPDX-License-Identifier: ISC */
/*
 * log: the daemon's and the tool's message sink.  Lines go to any of
 * three places: stderr and a log file as "26 Nov 09:12:01
 * stratumd[1234]: message", and syslog(3) under the daemon facility.
 * Control bytes in a message are written as \xNN, so nothing logged can
 * forge a line or drive a terminal.  The struct is owned by main.
 */
#ifndef STRATUM_LOG_H
#define STRATUM_LOG_H

#include <stddef.h>
#include <syslog.h>

struct logger {
	const char *ident;
	int stderr_prio; /* highest priority copied to stderr, -1 none */
	int to_syslog;
	int fd;       /* log file (O_APPEND), -1 none */
	int min_prio; /* messages above this syslog priority are dropped */
	/* The log file's directory, held open so that log_reopen finds
	 * the path again after a change of root (-i); -1 none. */
	int file_dirfd;
	char file_name[256];
};

/* Set up *lg; to_stderr 0 opens syslog. */
void log_open(struct logger *lg, const char *ident, int to_stderr);

/*
 * Send lines to the file at path instead of syslog (stderr unchanged).
 * The file is opened through os/sfile: appended to, never through a
 * symbolic link, and only if it is a regular file of ours.  0, or -1 with
 * errno (the logger is then unchanged).
 */
int log_open_file(struct logger *lg, const char *path);

/*
 * Open the log file's name again in its directory (held since
 * log_open_file) and write there from now on: after logrotate moved it
 * away, a fresh file of that name.  The old descriptor is closed only
 * when the new one is open.  0 (also when there is no log file), or -1
 * with errno, when lines keep going to the old file.
 */
int log_reopen(struct logger *lg);

/* Copy lines of priority prio or more urgent (LOG_WARNING copies
 * warnings and errors, LOG_DEBUG everything) to stderr; -1 none. */
void log_set_stderr(struct logger *lg, int prio);

void log_close(struct logger *lg);

/* Log one line at a syslog priority (LOG_ERR, LOG_NOTICE, LOG_INFO...). */
void log_msg(const struct logger *lg, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Copy src into dst (cap bytes, NUL-terminated, truncated if need be)
 * with every control byte and DEL written as \xNN. */
void log_escape(char *dst, size_t cap, const char *src);

#endif

// SPDX-License-Identifier: ISC
/* log: stderr or syslog output with an ntpd-like line prefix. */
#include "os/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

void
log_open(struct logger *lg, const char *ident, int to_stderr)
{
	lg->ident = ident;
	lg->to_stderr = to_stderr;
	lg->min_prio = LOG_INFO;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_close(struct logger *lg)
{
	if (!lg->to_stderr)
		closelog();
}

void
log_msg(const struct logger *lg, int prio, const char *fmt, ...)
{
	char stamp[32];
	struct tm tm;
	time_t now;
	va_list ap;

	if (prio > lg->min_prio)
		return;
	va_start(ap, fmt);
	if (!lg->to_stderr) {
		vsyslog(prio, fmt, ap);
		va_end(ap);
		return;
	}
	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%d %b %H:%M:%S", &tm) == 0)
		stamp[0] = '\0';
	fprintf(stderr, "%s %s[%ld]: ", stamp, lg->ident, (long)getpid());
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

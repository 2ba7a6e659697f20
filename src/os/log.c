// SPDX-License-Identifier: ISC
/* log: stderr, log file and syslog output with an ntpd-like prefix. */
#include "os/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "os/sfile.h"

#define LOG_LINE_MAX 1024

void
log_open(struct logger *lg, const char *ident, int to_stderr)
{
	lg->ident = ident;
	lg->stderr_prio = to_stderr ? LOG_DEBUG : -1;
	lg->to_syslog = !to_stderr;
	lg->fd = -1;
	lg->file_dirfd = -1;
	lg->file_name[0] = '\0';
	lg->min_prio = LOG_INFO;
	if (lg->to_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int
log_open_file(struct logger *lg, const char *path)
{
	char name[SFILE_NAME_MAX];
	int dirfd, fd, e;

	if (sfile_dir_open(path, &dirfd, name, sizeof(name)) < 0)
		return -1;
	fd = sfile_open_append(dirfd, name);
	e = errno;
	if (fd < 0) {
		(void)close(dirfd);
		errno = e;
		return -1;
	}
	if (lg->fd >= 0)
		(void)close(lg->fd);
	if (lg->file_dirfd >= 0)
		(void)close(lg->file_dirfd);
	lg->fd = fd;
	lg->file_dirfd = dirfd;
	snprintf(lg->file_name, sizeof(lg->file_name), "%s", name);
	if (lg->to_syslog)
		closelog();
	lg->to_syslog = 0;
	return 0;
}

int
log_reopen(struct logger *lg)
{
	int fd;

	if (lg->fd < 0 || lg->file_dirfd < 0)
		return 0;
	fd = sfile_open_append(lg->file_dirfd, lg->file_name);
	if (fd < 0)
		return -1;
	(void)close(lg->fd);
	lg->fd = fd;
	return 0;
}

void
log_set_stderr(struct logger *lg, int prio)
{
	lg->stderr_prio = prio;
}

void
log_close(struct logger *lg)
{
	if (lg->to_syslog)
		closelog();
	if (lg->fd >= 0)
		(void)close(lg->fd);
	if (lg->file_dirfd >= 0)
		(void)close(lg->file_dirfd);
	lg->fd = -1;
	lg->file_dirfd = -1;
	lg->to_syslog = 0;
}

void
log_escape(char *dst, size_t cap, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	unsigned char ch;

	if (cap == 0)
		return;
	for (; *src != '\0'; src++) {
		ch = (unsigned char)*src;
		if (ch >= 0x20 && ch != 0x7f) {
			if (o + 1 >= cap)
				break;
			dst[o++] = (char)ch;
			continue;
		}
		if (o + 4 >= cap)
			break;
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[ch >> 4];
		dst[o++] = hex[ch & 15];
	}
	dst[o] = '\0';
}

/* "26 Nov 09:12:01 ident[pid]: text\n" in one write, so lines from a
 * killed process are never torn or interleaved. */
static void
write_line(const struct logger *lg, int fd, const char *text)
{
	char stamp[32], line[LOG_LINE_MAX + 64];
	struct tm tm;
	time_t now = time(NULL);
	int n;

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%d %b %H:%M:%S", &tm) == 0)
		stamp[0] = '\0';
	n = snprintf(line, sizeof(line), "%s %s[%ld]: %s\n", stamp, lg->ident,
	    (long)getpid(), text);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	(void)sfile_write_all(fd, line, (size_t)n);
}

void
log_msg(const struct logger *lg, int prio, const char *fmt, ...)
{
	char raw[LOG_LINE_MAX], text[LOG_LINE_MAX];
	va_list ap;
	int e = errno;

	if (prio > lg->min_prio)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	log_escape(text, sizeof(text), raw);
	if (lg->to_syslog)
		syslog(prio, "%s", text);
	if (lg->fd >= 0)
		write_line(lg, lg->fd, text);
	if (prio <= lg->stderr_prio)
		write_line(lg, STDERR_FILENO, text);
	errno = e;
}

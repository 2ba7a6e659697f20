// SPDX-License-Identifier: ISC
/*
 * drift: read and atomically replace ntpd's drift file.  Parsing uses
 * strtod, so the daemon must run in the C locale (it never calls
 * setlocale).
 */
#include "os/drift.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "os/sfile.h"

/* A drift file is one short number; anything longer is not one. */
#define DRIFT_FILE_MAX 64

/* Read at most cap - 1 bytes of fd into buf, NUL-terminated; the count,
 * or -1 with errno. */
static ssize_t
read_all(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t r;

	while (len < cap - 1) {
		r = read(fd, buf + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

static int
parse_ppm(const char *s, double *ppm)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno == ERANGE)
		return -2;
	while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
		end++;
	if (*end != '\0' || !isfinite(v) || fabs(v) > DRIFT_MAX_PPM)
		return -2;
	*ppm = v;
	return 0;
}

int
drift_read(const char *path, double *ppm)
{
	/* One byte more than a valid file may hold, to see a longer one. */
	char buf[DRIFT_FILE_MAX + 2];
	ssize_t len;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	len = read_all(fd, buf, sizeof(buf));
	e = errno;
	(void)close(fd);
	if (len < 0) {
		errno = e;
		return -1;
	}
	if ((size_t)len > DRIFT_FILE_MAX || strlen(buf) != (size_t)len)
		return -2;
	return parse_ppm(buf, ppm);
}

int
drift_write(const char *path, double ppm)
{
	char text[32];
	int n;

	if (!isfinite(ppm) || fabs(ppm) > DRIFT_MAX_PPM) {
		errno = EINVAL;
		return -1;
	}
	n = snprintf(text, sizeof(text), "%.3f\n", ppm);
	if (n < 0 || (size_t)n >= sizeof(text)) {
		errno = EINVAL;
		return -1;
	}
	return sfile_replace_path(path, text, (size_t)n, 0644);
}

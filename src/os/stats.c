// SPDX-License-Identifier: ISC
/*
 * stats: ntpd-compatible statistics file generation sets.  Members are
 * opened lazily on the first write of each generation and appended with
 * O_APPEND, so a restarted daemon continues the same member.
 */
#include "os/stats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "os/sfile.h"

#define NS_PER_S INT64_C(1000000000)
#define NS_PER_DAY (INT64_C(86400) * NS_PER_S)
/* MJD of 1970-01-01: the MJD epoch is 1858-11-17 00:00 UTC. */
#define MJD_UNIX_EPOCH INT64_C(40587)

static const char *const type_names[] = {
	[STATS_NONE] = "none",
	[STATS_PID] = "pid",
	[STATS_DAY] = "day",
	[STATS_WEEK] = "week",
	[STATS_MONTH] = "month",
	[STATS_YEAR] = "year",
	[STATS_AGE] = "age",
};

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b != 0 && (a < 0) != (b < 0))
		q--;
	return q;
}

static int64_t
floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

/* snprintf's result n for a buffer of cap bytes: 0, or -1 if truncated. */
static int
fits(int n, size_t cap, int err)
{
	if (n < 0 || (size_t)n >= cap) {
		errno = err;
		return -1;
	}
	return 0;
}

static int
copy_str(char *dst, size_t cap, const char *src)
{
	size_t len = strlen(src);

	if (len >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dst, src, len + 1);
	return 0;
}

int
stats_type_parse(const char *s, enum stats_type *type)
{
	size_t i;

	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		if (strcmp(s, type_names[i]) == 0) {
			*type = (enum stats_type)i;
			return 0;
		}
	}
	errno = EINVAL;
	return -1;
}

int
stats_open(struct stats_file *f, const char *dir, const char *name,
    const char *type, int enabled)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (name == NULL || name[0] == '\0' || strchr(name, '/') != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (stats_type_parse(type != NULL ? type : "day", &f->type) < 0)
		return -1;
	if (copy_str(f->dir, sizeof(f->dir), dir != NULL ? dir : "") < 0 ||
	    copy_str(f->name, sizeof(f->name), name) < 0)
		return -1;
	f->enabled = enabled;
	return 0;
}

void
stats_close(struct stats_file *f)
{
	if (f->fd >= 0)
		(void)close(f->fd);
	f->fd = -1;
	f->suffix[0] = '\0';
}

/* The suffix of the member that now_ns belongs to, per ntpd's filegen. */
static int
make_suffix(struct stats_file *f, int64_t now_ns, char *buf, size_t cap)
{
	time_t secs = (time_t)floor_div(now_ns, NS_PER_S);
	int64_t age_s;
	struct tm tm;
	int n = 0;

	if (gmtime_r(&secs, &tm) == NULL) {
		errno = EOVERFLOW;
		return -1;
	}
	if (f->type == STATS_AGE && !f->have_first) {
		f->first_ns = now_ns;
		f->have_first = 1;
	}
	switch (f->type) {
	case STATS_NONE:
		buf[0] = '\0';
		break;
	case STATS_PID:
		n = snprintf(buf, cap, ".%ld", (long)getpid());
		break;
	case STATS_DAY:
		n = snprintf(buf, cap, ".%04d%02d%02d", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday);
		break;
	case STATS_WEEK:
		n = snprintf(buf, cap, ".%04dW%02d", tm.tm_year + 1900,
		    tm.tm_yday / 7);
		break;
	case STATS_MONTH:
		n = snprintf(buf, cap, ".%04d%02d", tm.tm_year + 1900,
		    tm.tm_mon + 1);
		break;
	case STATS_YEAR:
		n = snprintf(buf, cap, ".%04d", tm.tm_year + 1900);
		break;
	case STATS_AGE:
		age_s = floor_div(now_ns - f->first_ns, NS_PER_DAY) * 86400;
		n = snprintf(buf, cap, ".a%08lld",
		    (long long)(age_s > 0 ? age_s : 0));
		break;
	}
	return fits(n, cap, ENAMETOOLONG);
}

/* dirfd of DIR ("" is the working directory). */
static int
open_dir(const struct stats_file *f)
{
	return open(f->dir[0] ? f->dir : ".",
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/*
 * A regular file at NAME with one link holds data of its own (a set
 * that used to be type none): keep it as NAME.C<pid>, as ntpd does.
 * With more links it is an old hard link to a member, safe to replace.
 */
static int
set_aside(const struct stats_file *f, int dirfd)
{
	char aside[STATS_NAME_MAX + 32];
	struct stat st;

	if (fstatat(dirfd, f->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1)
		return 0;
	if (fits(snprintf(aside, sizeof(aside), "%s.C%ld", f->name,
	             (long)getpid()),
	        sizeof(aside), ENAMETOOLONG) < 0)
		return -1;
	return renameat(dirfd, f->name, dirfd, aside);
}

/*
 * Point NAME at the current member.  A relative symlink made under a
 * temporary name and renamed into place, so readers never see NAME
 * missing and the set stays valid if DIR is moved.  Everything is
 * relative to dirfd: renaming over NAME replaces a planted link itself,
 * never its target.
 */
static int
update_link(const struct stats_file *f, int dirfd)
{
	char tmp[STATS_NAME_MAX + 32],
	    target[STATS_NAME_MAX + STATS_SUFFIX_MAX];
	int e;

	if (fits(snprintf(target, sizeof(target), "%s%s", f->name, f->suffix),
	        sizeof(target), ENAMETOOLONG) < 0 ||
	    fits(snprintf(tmp, sizeof(tmp), ".%s.tmp%ld", f->name,
	             (long)getpid()),
	        sizeof(tmp), ENAMETOOLONG) < 0)
		return -1;
	if (set_aside(f, dirfd) < 0)
		return -1;
	(void)unlinkat(dirfd, tmp, 0);
	if (symlinkat(target, dirfd, tmp) < 0)
		return -1;
	if (renameat(dirfd, tmp, dirfd, f->name) < 0) {
		e = errno;
		(void)unlinkat(dirfd, tmp, 0);
		errno = e;
		return -1;
	}
	return 0;
}

static int
switch_member(struct stats_file *f, const char *suffix)
{
	char member[STATS_NAME_MAX + STATS_SUFFIX_MAX];
	int dirfd, e;

	stats_close(f);
	if (copy_str(f->suffix, sizeof(f->suffix), suffix) < 0 ||
	    fits(snprintf(member, sizeof(member), "%s%s", f->name, suffix),
	        sizeof(member), ENAMETOOLONG) < 0)
		return -1;
	if ((dirfd = open_dir(f)) < 0)
		return -1;
	f->fd = sfile_open_append(dirfd, member);
	if (f->fd < 0) {
		e = errno;
		(void)close(dirfd);
		errno = e;
		return -1;
	}
	f->link_errno = 0;
	if (f->type != STATS_NONE && update_link(f, dirfd) < 0)
		f->link_errno = errno;
	(void)close(dirfd);
	return 0;
}

/* Open the member for now_ns unless it is the one open. */
static int
member_for(struct stats_file *f, int64_t now_ns, char *suffix, size_t cap)
{
	int e;

	if (make_suffix(f, now_ns, suffix, cap) < 0)
		return -1;
	if (f->fd < 0 || strcmp(suffix, f->suffix) != 0) {
		if (switch_member(f, suffix) < 0) {
			e = errno;
			stats_close(f);
			errno = e;
			return -1;
		}
	}
	return 0;
}

int
stats_touch(struct stats_file *f, int64_t now_ns)
{
	char suffix[STATS_SUFFIX_MAX];

	if (!f->enabled)
		return 0;
	return member_for(f, now_ns, suffix, sizeof(suffix));
}

int
stats_write(struct stats_file *f, int64_t now_ns, const char *line)
{
	char suffix[STATS_SUFFIX_MAX], buf[STATS_LINE_MAX + 2];
	int e;

	if (!f->enabled)
		return 0;
	if (member_for(f, now_ns, suffix, sizeof(suffix)) < 0)
		return -1;
	if (fits(snprintf(buf, sizeof(buf), "%s\n", line), sizeof(buf),
	        ENOSPC) < 0 ||
	    sfile_write_all(f->fd, buf, strlen(buf)) < 0) {
		/* Reopen on the next write: the member may have been removed
		 * or the disk may have room again. */
		e = errno;
		stats_close(f);
		errno = e;
		return -1;
	}
	return 0;
}

/*
 * "MJD SECONDS": ntpd prints seconds past UTC midnight with three
 * decimals.  Truncated rather than rounded so that 23:59:59.9999 does not
 * print as 86400.000.
 */
static int
time_prefix(char *buf, size_t cap, int64_t now_ns)
{
	int64_t day = floor_div(now_ns, NS_PER_DAY);
	int64_t ms = floor_mod(now_ns, NS_PER_DAY) / 1000000;

	return fits(snprintf(buf, cap, "%lld %lld.%03lld",
	                (long long)(day + MJD_UNIX_EPOCH),
	                (long long)(ms / 1000), (long long)(ms % 1000)),
	    cap, ENOSPC);
}

int
stats_loop_line(char *buf, size_t cap, int64_t now_ns, double offset_s,
    double freq_ppm, double jitter_s, double wander_ppm, int poll_log2)
{
	char pre[48];
	int n;

	if (time_prefix(pre, sizeof(pre), now_ns) < 0)
		return -1;
	n = snprintf(buf, cap, "%s %.9f %.6f %.9f %.6f %d", pre, offset_s,
	    freq_ppm, jitter_s, wander_ppm, poll_log2);
	return fits(n, cap, ENOSPC) < 0 ? -1 : n;
}

int
stats_peer_line(char *buf, size_t cap, int64_t now_ns, const char *addr,
    unsigned status, double offset_s, double delay_s, double disp_s,
    double jitter_s)
{
	char pre[48];
	int n;

	if (time_prefix(pre, sizeof(pre), now_ns) < 0)
		return -1;
	n = snprintf(buf, cap, "%s %s %04x %.9f %.9f %.9f %.9f", pre, addr,
	    status, offset_s, delay_s, disp_s, jitter_s);
	return fits(n, cap, ENOSPC) < 0 ? -1 : n;
}

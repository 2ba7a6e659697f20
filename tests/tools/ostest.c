// SPDX-License-Identifier: ISC
/*
 * ostest: checks of the OS-layer modules that touch the file system
 * (stats, drift), run in a fresh directory from mkdtemp(3).
 *
 *   ostest
 *   ostest hammer DIR      write drift, stats and pid files in DIR in a
 *                          loop until killed (for the SIGKILL test)
 *   ostest check DIR       every file hammer leaves parses: exit 0 or 1
 *   ostest priv USER KEEP  drop to USER[:GROUP] keeping CAP_SYS_TIME if
 *                          KEEP is 1, then print /proc/self/status's
 *                          Uid, Gid, Groups, Cap* and NoNewPrivs lines
 *
 * Prints "ok - ..." / "not ok - ..." lines and a final
 * "ostest: N passed, N failed"; exits 1 if any check failed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "os/drift.h"
#include "os/kclk.h"
#include "os/priv.h"
#include "os/sandbox.h"
#include "os/sfile.h"
#include "os/stats.h"

#define NS_PER_S INT64_C(1000000000)
#define DAY_S INT64_C(86400)

struct ot {
	char dir[PATH_MAX];
	int passed;
	int failed;
};

static void
check(struct ot *t, int ok, const char *what)
{
	printf("%sok - %s\n", ok ? "" : "not ", what);
	if (ok)
		t->passed++;
	else
		t->failed++;
}

static void
check_str(struct ot *t, const char *got, const char *want, const char *what)
{
	int ok = got != NULL && strcmp(got, want) == 0;

	check(t, ok, what);
	if (!ok)
		printf("#   got  \"%s\"\n#   want \"%s\"\n",
		    got != NULL ? got : "(null)", want);
}

/* t->dir/name, or "" if it does not fit. */
static const char *
path_of(const struct ot *t, const char *name, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s/%s", t->dir, name);

	if (n < 0 || (size_t)n >= cap)
		buf[0] = '\0';
	return buf;
}

/* Contents of t->dir/name into buf (NUL-terminated); NULL if unreadable. */
static const char *
slurp(const struct ot *t, const char *name, char *buf, size_t cap)
{
	char path[PATH_MAX];
	size_t n;
	FILE *fp;

	fp = fopen(path_of(t, name, path, sizeof(path)), "r");
	if (fp == NULL)
		return NULL;
	n = fread(buf, 1, cap - 1, fp);
	buf[n] = '\0';
	(void)fclose(fp);
	return buf;
}

static void
put_file(const struct ot *t, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *fp;

	fp = fopen(path_of(t, name, path, sizeof(path)), "w");
	if (fp == NULL)
		return;
	(void)fputs(text, fp);
	(void)fclose(fp);
}

static int
exists(const struct ot *t, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	return lstat(path_of(t, name, path, sizeof(path)), &st) == 0;
}

/* Number of entries in t->dir other than "." and "..". */
static int
count_entries(const struct ot *t)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	d = opendir(t->dir);
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	}
	(void)closedir(d);
	return n;
}

/* Remove every entry of t->dir (the tests create no subdirectories). */
static void
clean_dir(const struct ot *t)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	d = opendir(t->dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		(void)unlink(path_of(t, de->d_name, path, sizeof(path)));
	}
	(void)closedir(d);
}

/* UTC instant: days since 1970 + seconds + nanoseconds. */
static int64_t
at(int64_t days, int64_t secs, int64_t ns)
{
	return (days * DAY_S + secs) * NS_PER_S + ns;
}

static void
test_loop_line(struct ot *t)
{
	char buf[STATS_LINE_MAX];
	int n;

	/* The example line of ntpd's monitoring options page. */
	n = stats_loop_line(buf, sizeof(buf),
	    at(50935 - 40587, 75440, 31000000), 0.000006019, 13.778,
	    0.000351733, 0.013380, 6);
	check_str(t, buf,
	    "50935 75440.031 0.000006019 13.778000 0.000351733 0.013380 6",
	    "loopstats: ntpd documentation example");
	check(t, n == (int)strlen(buf), "loopstats: returns the length");
	/* 2026-11-26T01:00:00.5Z is unix day 20783, MJD 61370. */
	(void)stats_loop_line(buf, sizeof(buf), at(20783, 3600, 500000000),
	    -0.000012345, -12.345, 0.000003456, 0.012, 10);
	check_str(t, buf,
	    "61370 3600.500 -0.000012345 -12.345000 0.000003456 0.012000 10",
	    "loopstats: 2026-11-26T01:00:00.5Z");
	/* Truncated, not rounded: never "86400.000". */
	(void)stats_loop_line(buf, sizeof(buf), at(20783, 86399, 999900000), 0,
	    0, 0, 0, 4);
	check_str(t, buf,
	    "61370 86399.999 0.000000000 0.000000 0.000000000 0.000000 4",
	    "loopstats: last millisecond of the day");
	/* Before 1970: 1969-12-31T23:59:59.5Z. */
	(void)stats_loop_line(buf, sizeof(buf), -500000000, 0, 0, 0, 0, 6);
	check_str(t, buf,
	    "40586 86399.500 0.000000000 0.000000 0.000000000 0.000000 6",
	    "loopstats: before the unix epoch");
	errno = 0;
	n = stats_loop_line(buf, 20, at(20783, 0, 0), 0, 0, 0, 0, 6);
	check(t, n == -1 && errno == ENOSPC,
	    "loopstats: short buffer is ENOSPC");
}

static void
test_peer_line(struct ot *t)
{
	char buf[STATS_LINE_MAX];
	int n;

	n = stats_peer_line(buf, sizeof(buf),
	    at(48773 - 40587, 10847, 650000000), "127.127.4.1", 0x9714,
	    -0.001605376, 0, 0.001424877, 0.000958674);
	check_str(t, buf,
	    "48773 10847.650 127.127.4.1 9714 -0.001605376 0.000000000 0.001424877 0.000958674",
	    "peerstats: ntpd documentation example");
	check(t, n == (int)strlen(buf), "peerstats: returns the length");
	(void)stats_peer_line(buf, sizeof(buf), at(20783, 3600, 123456789),
	    "192.0.2.1", 0x614, 0.000123456, 0.001234567, 0.000456789,
	    0.000012345);
	check_str(t, buf,
	    "61370 3600.123 192.0.2.1 0614 0.000123456 0.001234567 0.000456789 0.000012345",
	    "peerstats: status is four hex digits");
	errno = 0;
	n = stats_peer_line(buf, 40, at(20783, 0, 0), "2001:db8::1", 0x9614, 0,
	    0, 0, 0);
	check(t, n == -1 && errno == ENOSPC,
	    "peerstats: short buffer is ENOSPC");
}

static void
test_day_rotation(struct ot *t)
{
	char buf[256], lnk[64];
	struct stats_file f;
	ssize_t n;
	char path[PATH_MAX];

	clean_dir(t);
	check(t, stats_open(&f, t->dir, "loopstats", "day", 1) == 0,
	    "day: stats_open");
	/* 2026-11-26T23:59:59.9Z, then 2026-11-27T00:00:00.1Z. */
	check(t, stats_write(&f, at(20783, 86399, 900000000), "first") == 0,
	    "day: write before midnight");
	check(t, stats_write(&f, at(20784, 0, 100000000), "second") == 0,
	    "day: write after midnight");
	check(t, f.link_errno == 0, "day: link updated without error");
	stats_close(&f);
	check_str(t, slurp(t, "loopstats.20261126", buf, sizeof(buf)),
	    "first\n", "day: loopstats.20261126 holds the first line");
	check_str(t, slurp(t, "loopstats.20261127", buf, sizeof(buf)),
	    "second\n", "day: loopstats.20261127 holds the second line");
	n = readlink(path_of(t, "loopstats", path, sizeof(path)), lnk,
	    sizeof(lnk) - 1);
	lnk[n > 0 ? n : 0] = '\0';
	check_str(t, lnk, "loopstats.20261127",
	    "day: loopstats links to newest");
	check_str(t, slurp(t, "loopstats", buf, sizeof(buf)), "second\n",
	    "day: reading through the link");
	check(t, count_entries(t) == 3, "day: no other files (no temp link)");
}

static void
test_day_reopen(struct ot *t)
{
	char buf[256], dir[PATH_MAX];
	struct stats_file f;
	int n;

	clean_dir(t);
	/* statsdir with a trailing slash, as ntp.conf usually has it; a
	 * second process appends to the same member. */
	n = snprintf(dir, sizeof(dir), "%s/", t->dir);
	check(t, n > 0 && (size_t)n < sizeof(dir), "reopen: dir fits");
	(void)stats_open(&f, dir, "peerstats", NULL, 1);
	(void)stats_write(&f, at(20783, 10, 0), "a");
	stats_close(&f);
	(void)stats_open(&f, dir, "peerstats", "day", 1);
	(void)stats_write(&f, at(20783, 20, 0), "b");
	stats_close(&f);
	check_str(t, slurp(t, "peerstats.20261126", buf, sizeof(buf)), "a\nb\n",
	    "reopen: trailing slash, default type day, appends");
}

static void
test_set_aside(struct ot *t)
{
	char buf[256], name[64];
	struct stats_file f;

	clean_dir(t);
	/* A plain file left by type none is kept, not replaced by the link. */
	put_file(t, "loopstats", "old\n");
	(void)stats_open(&f, t->dir, "loopstats", "day", 1);
	(void)stats_write(&f, at(20783, 0, 0), "new");
	stats_close(&f);
	(void)snprintf(name, sizeof(name), "loopstats.C%ld", (long)getpid());
	check_str(t, slurp(t, name, buf, sizeof(buf)), "old\n",
	    "link: old plain file renamed to NAME.C<pid>");
	check_str(t, slurp(t, "loopstats", buf, sizeof(buf)), "new\n",
	    "link: NAME now reaches the current member");
}

static void
test_other_types(struct ot *t)
{
	/* 2026-01-10T12:00Z: day of year 9 (from 0), week 01. */
	static const char *const want[][2] = {
		{ "week", "s.2026W01" },
		{ "month", "s.202601" },
		{ "year", "s.2026" },
		{ "age", "s.a00000000" },
	};
	char what[64];
	struct stats_file f;
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		clean_dir(t);
		(void)stats_open(&f, t->dir, "s", want[i][0], 1);
		(void)stats_write(&f, at(20463, 43200, 0), "x");
		stats_close(&f);
		(void)snprintf(what, sizeof(what), "type %s: member %s",
		    want[i][0], want[i][1]);
		check(t, exists(t, want[i][1]), what);
	}
	clean_dir(t);
	(void)stats_open(&f, t->dir, "s", "age", 1);
	(void)stats_write(&f, at(20463, 0, 0), "x");
	(void)stats_write(&f, at(20464, 1, 0), "y");
	stats_close(&f);
	check(t, exists(t, "s.a00000000") && exists(t, "s.a00086400"),
	    "type age: a new member after 24 h");
}

static void
test_none_disabled_errors(struct ot *t)
{
	char buf[256], dir[PATH_MAX];
	struct stats_file f;
	int rc;

	clean_dir(t);
	(void)stats_open(&f, t->dir, "loopstats", "none", 1);
	(void)stats_write(&f, at(20783, 86399, 0), "one");
	(void)stats_write(&f, at(20784, 1, 0), "two");
	stats_close(&f);
	check_str(t, slurp(t, "loopstats", buf, sizeof(buf)), "one\ntwo\n",
	    "none: one file NAME across midnight");
	check(t, count_entries(t) == 1, "none: no other files");

	clean_dir(t);
	(void)stats_open(&f, t->dir, "loopstats", "day", 0);
	check(t, stats_write(&f, at(20783, 0, 0), "x") == 0,
	    "disabled: write is 0");
	stats_close(&f);
	check(t, count_entries(t) == 0, "disabled: no file");

	errno = 0;
	rc = stats_open(&f, t->dir, "loopstats", "fortnight", 1);
	check(t, rc == -1 && errno == EINVAL, "unknown type is EINVAL");
	errno = 0;
	rc = stats_open(&f, t->dir, "../x", "day", 1);
	check(t, rc == -1 && errno == EINVAL, "name with '/' is EINVAL");

	path_of(t, "missing/dir", dir, sizeof(dir));
	(void)stats_open(&f, dir, "loopstats", "day", 1);
	errno = 0;
	rc = stats_write(&f, at(20783, 0, 0), "x");
	check(t, rc == -1 && errno == ENOENT, "missing directory: -1 ENOENT");
	rc = stats_write(&f, at(20783, 1, 0), "x");
	check(t, rc == -1 && f.fd < 0, "missing directory: again -1");
	stats_close(&f);
}

static void
test_drift_write(struct ot *t)
{
	char path[PATH_MAX], buf[64];
	double ppm = 0;
	int rc;

	clean_dir(t);
	path_of(t, "ntp.drift", path, sizeof(path));
	check(t, drift_write(path, -12.3456) == 0, "drift: write");
	check_str(t, slurp(t, "ntp.drift", buf, sizeof(buf)), "-12.346\n",
	    "drift: file is \"%.3f\\n\"");
	check(t, count_entries(t) == 1, "drift: no temporary left behind");
	rc = drift_read(path, &ppm);
	check(t, rc == 0 && ppm == -12.346, "drift: read back -12.346");
	check(t,
	    drift_write(path, 7.5) == 0 && drift_read(path, &ppm) == 0 &&
	        ppm == 7.5,
	    "drift: replace and read back 7.5");
}

static void
test_drift_read(struct ot *t)
{
	char path[PATH_MAX];
	double ppm = 0;
	int rc;

	clean_dir(t);
	path_of(t, "ntp.drift", path, sizeof(path));
	put_file(t, "ntp.drift", "  3.25 \n");
	check(t, drift_read(path, &ppm) == 0 && ppm == 3.25,
	    "drift: white space around the number");
	put_file(t, "ntp.drift", "twelve\n");
	check(t, drift_read(path, &ppm) == -2 && ppm == 3.25,
	    "drift: not a number is -2, *ppm unchanged");
	put_file(t, "ntp.drift", "1.5 2.5\n");
	check(t, drift_read(path, &ppm) == -2, "drift: two numbers is -2");
	put_file(t, "ntp.drift", "");
	check(t, drift_read(path, &ppm) == -2, "drift: empty file is -2");
	put_file(t, "ntp.drift", "500.001\n");
	check(t, drift_read(path, &ppm) == -2, "drift: |ppm| > 500 is -2");
	put_file(t, "ntp.drift", "nan\n");
	check(t, drift_read(path, &ppm) == -2, "drift: nan is -2");

	(void)unlink(path);
	errno = 0;
	rc = drift_read(path, &ppm);
	check(t, rc == -1 && errno == ENOENT,
	    "drift: missing file is -1 ENOENT");
}

static void
test_drift_write_errors(struct ot *t)
{
	char path[PATH_MAX];
	int rc;

	clean_dir(t);
	path_of(t, "ntp.drift", path, sizeof(path));
	errno = 0;
	rc = drift_write(path, 600);
	check(t, rc == -1 && errno == EINVAL && !exists(t, "ntp.drift"),
	    "drift: writing 600 ppm is EINVAL");

	/* rename(2) over a directory fails after the temp file is written. */
	check(t, mkdir(path, 0755) == 0, "drift: make a directory at path");
	errno = 0;
	rc = drift_write(path, 1.0);
	check(t, rc == -1 && errno != 0 && count_entries(t) == 1,
	    "drift: failed rename removes the temp file");
	(void)rmdir(path);

	path_of(t, "missing/ntp.drift", path, sizeof(path));
	errno = 0;
	rc = drift_write(path, 1.0);
	check(t, rc == -1 && errno == ENOENT, "drift: missing directory is -1");
}

/* The system clock's rate split: tick microseconds carry whole units of
 * hz ppm, timex.freq the rest (ppm << 16), within +-0.5 unit. */
static void
test_rate_split(struct ot *t)
{
	long dt = 0, fr = 0;

	kclk_split_rate(0, 100, &dt, &fr);
	check(t, dt == 0 && fr == 0, "rate 0: nominal tick, no frequency");
	kclk_split_rate(550000, 100, &dt, &fr);
	check(t, dt == 6 && fr == -50 * 65536,
	    "rate +550 ppm at 100 Hz: tick +6 us, freq -50 ppm");
	kclk_split_rate(-620000, 100, &dt, &fr);
	check(t, dt == -6 && fr == -20 * 65536,
	    "rate -620 ppm at 100 Hz: tick -6 us, freq -20 ppm");
	kclk_split_rate(12345, 100, &dt, &fr);
	check(t, dt == 0 && fr == 809042,
	    "rate +12.345 ppm: frequency only, 12.345 * 65536 rounded");
	kclk_split_rate(550000, 1000, &dt, &fr);
	check(t, dt == 1 && fr == -450 * 65536,
	    "rate +550 ppm at 1000 Hz: tick +1 us, freq -450 ppm");
	kclk_split_rate(-480000, 100, &dt, &fr);
	check(t, dt == 0 && fr == -480 * 65536,
	    "rate -480 ppm: within the frequency range, tick stays nominal");
}

/* A victim file outside the daemon's reach: its content must survive. */
#define VICTIM "victim: must stay untouched\n"

static int
victim_intact(const struct ot *t)
{
	char buf[128];

	return slurp(t, "victim", buf, sizeof(buf)) != NULL &&
	    strcmp(buf, VICTIM) == 0;
}

static void
plant(struct ot *t, const char *name, const char *target)
{
	char path[PATH_MAX];

	if (symlink(target, path_of(t, name, path, sizeof(path))) != 0)
		check(t, 0, "plant a symbolic link");
}

/* Symbolic links planted at every name the drift writer uses. */
static void
test_drift_symlinks(struct ot *t)
{
	char path[PATH_MAX], victim[PATH_MAX], buf[64];
	struct stat st;
	double ppm = 0;

	clean_dir(t);
	put_file(t, "victim", VICTIM);
	path_of(t, "victim", victim, sizeof(victim));
	plant(t, "ntp.drift.tmp", victim); /* the old fixed temp name */
	plant(t, "ntp.drift", victim);
	path_of(t, "ntp.drift", path, sizeof(path));
	check(t, drift_write(path, 1.25) == 0, "drift link: write succeeds");
	check(t, victim_intact(t), "drift link: target untouched");
	check(t,
	    lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	        drift_read(path, &ppm) == 0 && ppm == 1.25,
	    "drift link: the link itself was replaced by a regular file");
	check_str(t, slurp(t, "ntp.drift.tmp", buf, sizeof(buf)), VICTIM,
	    "drift link: planted temp link left alone");
}

/* A planted member link, NAME link, hard link, FIFO, foreign file. */
static void
test_stats_plants(struct ot *t)
{
	char victim[PATH_MAX], path[PATH_MAX];
	struct stats_file f;
	struct stat st;
	int rc;

	clean_dir(t);
	put_file(t, "victim", VICTIM);
	path_of(t, "victim", victim, sizeof(victim));
	plant(t, "peerstats.20261201", victim);
	plant(t, "peerstats", victim);
	stats_open(&f, t->dir, "peerstats", "day", 1);
	errno = 0;
	rc = stats_write(&f, at(20788, 10, 0), "line");
	check(t, rc == -1 && errno == ELOOP,
	    "stats: planted member link refused");
	check(t, victim_intact(t), "stats: member link target untouched");
	rc = stats_write(&f, at(20789, 10, 0), "line");
	check(t, rc == 0 && victim_intact(t),
	    "stats: NAME link replaced, its target untouched");
	check(t,
	    lstat(path_of(t, "peerstats", path, sizeof(path)), &st) == 0 &&
	        S_ISLNK(st.st_mode),
	    "stats: NAME is our link now");
	stats_close(&f);

	check(t,
	    link(victim,
	        path_of(t, "peerstats.20261203", path, sizeof(path))) == 0,
	    "stats: plant a hard link");
	rc = stats_write(&f, at(20790, 10, 0), "line");
	check(t, rc == -1 && errno == EMLINK && victim_intact(t),
	    "stats: hard link to another file refused");
	(void)mkfifo(path_of(t, "peerstats.20261204", path, sizeof(path)),
	    0600);
	rc = stats_write(&f, at(20791, 10, 0), "line");
	check(t, rc == -1 && (errno == EINVAL || errno == ENXIO),
	    "stats: FIFO refused, no hang");
	put_file(t, "peerstats.20261205", "");
	if (geteuid() == 0 &&
	    chown(path_of(t, "peerstats.20261205", path, sizeof(path)), 1, 1) ==
	        0) {
		rc = stats_write(&f, at(20792, 10, 0), "line");
		check(t, rc == -1 && errno == EPERM,
		    "stats: a file owned by another user refused");
	}
	stats_close(&f);
}

/* The pid-file and log-file primitives. */
static void
test_sfile(struct ot *t)
{
	char victim[PATH_MAX], path[PATH_MAX], buf[64];
	int dfd, fd;

	clean_dir(t);
	put_file(t, "victim", VICTIM);
	path_of(t, "victim", victim, sizeof(victim));
	plant(t, "x.pid", victim);
	path_of(t, "x.pid", path, sizeof(path));
	check(t, sfile_replace_path(path, "42\n", 3, 0644) == 0,
	    "sfile: replace over a link");
	check(t, victim_intact(t), "sfile: link target untouched");
	check_str(t, slurp(t, "x.pid", buf, sizeof(buf)), "42\n",
	    "sfile: new content in place");
	plant(t, "x.log", victim);
	dfd = open(t->dir, O_RDONLY | O_DIRECTORY);
	errno = 0;
	fd = sfile_open_append(dfd, "x.log");
	check(t, fd < 0 && errno == ELOOP && victim_intact(t),
	    "sfile: append refuses a link");
	if (fd >= 0)
		(void)close(fd);
	(void)close(dfd);
}

/* ---- hammer / check: the SIGKILL test's writer and verifier ---- */

static int
hammer(const char *dir)
{
	char drift[PATH_MAX], pid[PATH_MAX], line[STATS_LINE_MAX], num[32];
	struct stats_file lf;
	int64_t now = at(20788, 0, 0);
	unsigned i;
	int n;

	if (snprintf(drift, sizeof(drift), "%s/ntp.drift", dir) >=
	        (int)sizeof(drift) ||
	    snprintf(pid, sizeof(pid), "%s/stratumd.pid", dir) >=
	        (int)sizeof(pid))
		return 1;
	stats_open(&lf, dir, "loopstats", "day", 1);
	for (i = 0;; i++) {
		(void)drift_write(drift, (double)(i % 1000) / 7.0 - 70.0);
		n = snprintf(num, sizeof(num), "%u\n", 100000 + i);
		(void)sfile_replace_path(pid, num, (size_t)n, 0644);
		now += NS_PER_S * 3600; /* a new day every 24 writes */
		if (stats_loop_line(line, sizeof(line), now, 0.000123456,
		        -12.345, 0.000001, 0.001, 6) > 0)
			(void)stats_write(&lf, now, line);
	}
}

static int
line_ok(const char *l)
{
	unsigned mjd;
	double sec, off, freq, jit, wan;
	int tc, end = 0;

	return sscanf(l, "%u %lf %lf %lf %lf %lf %d%n", &mjd, &sec, &off, &freq,
	           &jit, &wan, &tc, &end) == 7 &&
	    l[end] == '\n';
}

static int
check_stats(const char *dir, const char *name)
{
	char path[PATH_MAX], l[512];
	FILE *fp;
	int bad = 0;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		return 1;
	fp = fopen(path, "r");
	if (fp == NULL)
		return 1;
	while (fgets(l, sizeof(l), fp) != NULL)
		if (!line_ok(l)) {
			printf("bad line in %s: %s\n", name, l);
			bad = 1;
		}
	(void)fclose(fp);
	return bad;
}

static int
check_dir(const char *dir)
{
	char path[PATH_MAX], buf[64];
	struct dirent *de;
	double ppm;
	long v;
	char *end;
	int fd, bad = 0;
	ssize_t r;
	DIR *d;

	(void)snprintf(path, sizeof(path), "%s/ntp.drift", dir);
	if (access(path, F_OK) == 0 && drift_read(path, &ppm) != 0) {
		printf("drift file does not parse\n");
		bad = 1;
	}
	(void)snprintf(path, sizeof(path), "%s/stratumd.pid", dir);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		r = read(fd, buf, sizeof(buf) - 1);
		buf[r > 0 ? r : 0] = '\0';
		v = strtol(buf, &end, 10);
		if (r <= 0 || v <= 0 || strcmp(end, "\n") != 0) {
			printf("pid file does not parse: '%s'\n", buf);
			bad = 1;
		}
		(void)close(fd);
	}
	d = opendir(dir);
	if (d == NULL)
		return 1;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "loopstats.", 10) == 0)
			bad |= check_stats(dir, de->d_name);
	(void)closedir(d);
	return bad;
}

/* ---- priv: the privilege drop, observed from /proc ---- */

static int
priv(const char *spec, const char *keep)
{
	struct priv_user u;
	char err[256], l[256];
	FILE *fp;

	if (priv_parse_user(spec, &u, err, sizeof(err)) != 0 ||
	    priv_drop(&u, strcmp(keep, "1") == 0 ? PRIV_KEEP_TIME : 0, err,
	        sizeof(err)) != 0 ||
	    priv_no_new_privs() != 0) {
		printf("priv: %s\n", err);
		return 1;
	}
	fp = fopen("/proc/self/status", "r");
	if (fp == NULL)
		return 1;
	while (fgets(l, sizeof(l), fp) != NULL)
		if (strncmp(l, "Uid:", 4) == 0 || strncmp(l, "Gid:", 4) == 0 ||
		    strncmp(l, "Groups:", 7) == 0 ||
		    strncmp(l, "Cap", 3) == 0 ||
		    strncmp(l, "NoNewPrivs:", 11) == 0)
			fputs(l, stdout);
	(void)fclose(fp);
	return 0;
}

/* The seccomp filter: a child doing only allowed calls exits 0, a child
 * making a call off the list dies of SIGSYS. */
static int
sandboxed_child(int violate)
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		if (sandbox_seccomp() != 0)
			_exit(3);
		(void)getpid();
		if (violate)
			(void)syscall(SYS_ptrace, 0, 0, 0, 0);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

static void
test_seccomp(struct ot *t)
{
	int st = sandboxed_child(0);

	check(t, WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "seccomp: allowed calls run");
	st = sandboxed_child(1);
	check(t, WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
	    "seccomp: a call off the list kills with SIGSYS");
}

int
main(int argc, char **argv)
{
	struct ot t = { .dir = "/tmp/ostest.XXXXXX" };
	const char *tmpdir = getenv("TMPDIR");

	int n;

	if (argc == 3 && strcmp(argv[1], "hammer") == 0)
		return hammer(argv[2]);
	if (argc == 3 && strcmp(argv[1], "check") == 0)
		return check_dir(argv[2]);
	if (argc == 4 && strcmp(argv[1], "priv") == 0)
		return priv(argv[2], argv[3]);
	if (tmpdir != NULL && tmpdir[0] != '\0') {
		n = snprintf(t.dir, sizeof(t.dir), "%s/ostest.XXXXXX", tmpdir);
		if (n < 0 || (size_t)n >= sizeof(t.dir))
			(void)snprintf(t.dir, sizeof(t.dir),
			    "/tmp/ostest.XXXXXX");
	}
	if (mkdtemp(t.dir) == NULL) {
		perror("ostest: mkdtemp");
		return 1;
	}
	test_loop_line(&t);
	test_peer_line(&t);
	test_day_rotation(&t);
	test_day_reopen(&t);
	test_set_aside(&t);
	test_other_types(&t);
	test_none_disabled_errors(&t);
	test_drift_write(&t);
	test_drift_read(&t);
	test_drift_write_errors(&t);
	test_rate_split(&t);
	test_drift_symlinks(&t);
	test_stats_plants(&t);
	test_sfile(&t);
	test_seccomp(&t);
	clean_dir(&t);
	(void)rmdir(t.dir);
	printf("ostest: %d passed, %d failed\n", t.passed, t.failed);
	return t.failed > 0;
}

/* SPDX-License-Identifier: ISC */
/*
 * stats: ntpd-compatible statistics files (loopstats, peerstats, ...) kept
 * as "file generation sets".  One struct stats_file is one set: it owns at
 * most one open FILE (the current generation) and nothing else.  Members
 * are named DIR/NAME.SUFFIX, with the suffixes of ntpd's filegen types:
 *   none   DIR/NAME itself, never rotated
 *   pid    .PID                    (one member per process)
 *   day    .yyyymmdd               (UTC day)
 *   week   .yyyyWww                (ww = day of year / 7, from 00)
 *   month  .yyyymm
 *   year   .yyyy
 *   age    .adddddddd              (seconds since the set's first write,
 *                                   at the start of each 24 h period)
 * For every type but none, DIR/NAME is kept as a symbolic link to the
 * current member (ntpd keeps a hard link there; a symlink is replaced
 * atomically).  A regular file found at DIR/NAME with a single link (a
 * set that was once type none) is first renamed to DIR/NAME.C<pid>, as
 * ntpd does.  Times are UTC; nothing here reads the clock.
 *
 * Members are opened through os/sfile relative to a descriptor of DIR:
 * never through a symbolic link, and only a regular file with one link
 * that we own is appended to (a planted link or someone else's file is
 * refused and the write fails).  Each line goes out in one write(2), so a
 * process killed at any moment leaves whole lines.
 */
#ifndef STRATUM_STATS_H
#define STRATUM_STATS_H

#include <stddef.h>
#include <stdint.h>

#define STATS_DIR_MAX 1024
#define STATS_NAME_MAX 64
#define STATS_SUFFIX_MAX 32
/* Longest line the *_line helpers produce, plus slack. */
#define STATS_LINE_MAX 256

enum stats_type {
	STATS_NONE,
	STATS_PID,
	STATS_DAY,
	STATS_WEEK,
	STATS_MONTH,
	STATS_YEAR,
	STATS_AGE,
};

struct stats_file {
	char dir[STATS_DIR_MAX];   /* "" for the working directory */
	char name[STATS_NAME_MAX]; /* base name, no '/' */
	enum stats_type type;
	int enabled;
	int fd; /* current member, -1 until written */
	char
	    suffix[STATS_SUFFIX_MAX]; /* current member's suffix, "" for none */
	int64_t first_ns;             /* age: time of the first write */
	int have_first;
	int link_errno; /* errno of the last failed DIR/NAME update, or 0 */
};

/*
 * Set up *f (overwriting it entirely; stats_close it before reuse) for
 * the set DIR/NAME of type TYPE ("none", "pid", "day", "week", "month",
 * "year", "age"; NULL means "day", ntpd's default).  dir may be NULL or
 * "", and may end in '/'.  Opens nothing: the first stats_write creates
 * the member.  0, or -1 with errno EINVAL (unknown type, empty name or
 * name with '/') or ENAMETOOLONG.
 */
int stats_open(struct stats_file *f, const char *dir, const char *name,
    const char *type, int enabled);

/* Close the current member, if any.  f may be used again by stats_open. */
void stats_close(struct stats_file *f);

/*
 * Append "line\n" to the member for now_ns (nanoseconds since 1970-01-01
 * UTC), switching members when the suffix changes, and flush it.  A
 * disabled set writes nothing and returns 0.  -1 with errno if the member
 * cannot be opened or written (the next call tries again).  A failure to
 * update the DIR/NAME link does not fail the write: it is reported in
 * f->link_errno.
 */
int stats_write(struct stats_file *f, int64_t now_ns, const char *line);

/* Create (or open) the member for now_ns without writing: a set that is
 * enabled but has nothing to say yet (clockstats without reference
 * clocks) exists, empty.  0, or -1 with errno as stats_write. */
int stats_touch(struct stats_file *f, int64_t now_ns);

/*
 * Format one loopstats line, as NTPsec: "MJD SECONDS OFFSET FREQ JITTER
 * WANDER TC", e.g. "50935 75440.031 0.000006019 13.778000 0.000351733
 * 0.013380 6": modified Julian day, seconds past UTC midnight (truncated
 * to ms), offset s %.9f, frequency ppm %.6f, RMS jitter s %.9f, wander ppm
 * %.6f, time constant as log2 s.  No newline.  Returns the length, or -1
 * with errno ENOSPC if cap is too small (buf then holds a truncated
 * string).
 */
int stats_loop_line(char *buf, size_t cap, int64_t now_ns, double offset_s,
    double freq_ppm, double jitter_s, double wander_ppm, int poll_log2);

/*
 * Format one peerstats line, as ntpd: "MJD SECONDS ADDRESS STATUS OFFSET
 * DELAY DISPERSION JITTER", e.g. "48773 10847.650 127.127.4.1 9714
 * -0.001605376 0.000000000 0.001424877 0.000958674": status word in hex
 * (%04x), the four times in seconds %.9f.  Returns as stats_loop_line.
 */
int stats_peer_line(char *buf, size_t cap, int64_t now_ns, const char *addr,
    unsigned status, double offset_s, double delay_s, double disp_s,
    double jitter_s);

/* Set *type to the set type named s: 0, or -1 (errno EINVAL) if s names
 * none. */
int stats_type_parse(const char *s, enum stats_type *type);

#endif

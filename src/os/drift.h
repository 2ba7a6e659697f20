/* SPDX-License-Identifier: ISC */
/*
 * drift: ntpd's drift file, the clock's frequency error in PPM as one
 * decimal number on one line (e.g. "-12.345").  Written atomically, so a
 * crash leaves either the old value or the new one, never a torn file.
 */
#ifndef STRATUM_DRIFT_H
#define STRATUM_DRIFT_H

/* Largest |frequency| accepted, as ntpd's kernel and daemon limit (PPM). */
#define DRIFT_MAX_PPM 500.0

/*
 * Read the frequency from the drift file at path into *ppm.  Leading and
 * trailing white space is allowed around the number.  0 on success; -1
 * with errno if the file is missing or unreadable; -2 if it is malformed
 * (not exactly one finite number, longer than a drift file can be, or
 * |ppm| > DRIFT_MAX_PPM).  *ppm is changed only on success.
 */
int drift_read(const char *path, double *ppm);

/*
 * Replace the drift file at path with "%.3f\n" of ppm, atomically and
 * never through a planted link (os/sfile: a fresh O_EXCL temporary
 * ".NAME.XXXXXX" in the same directory, fsync, rename, directory fsync).
 * 0 on success; -1 with errno on failure (EINVAL if ppm is not finite or
 * |ppm| > DRIFT_MAX_PPM, ENAMETOOLONG if path is too long).  The temporary
 * is removed on failure (a SIGKILL in between can leave one behind; it is
 * never read).  If only the final directory fsync fails, -1 is returned
 * although path already holds the new value.
 */
int drift_write(const char *path, double ppm);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * sfile: files the daemon writes, opened so that nothing planted in a
 * writable directory can redirect them.  Every name is opened relative to
 * a directory descriptor (openat), never through a symbolic link
 * (O_NOFOLLOW), and an existing file is used only when fstat says it is a
 * regular file with one link, owned by our effective uid.  Replacement is
 * atomic: a fresh temporary made with O_EXCL under a random name, written,
 * fsynced, renamed over the target, and the directory fsynced.
 */
#ifndef STRATUM_SFILE_H
#define STRATUM_SFILE_H

#include <stddef.h>

#define SFILE_NAME_MAX 256

/*
 * Split path into its directory and last component and open the directory
 * (O_DIRECTORY, close-on-exec; the directory part may pass through links,
 * the last component never does).  *dirfd gets the descriptor, name (cap
 * bytes) the last component.  0, or -1 with errno (ENAMETOOLONG, EINVAL
 * for a path ending in '/', or open's errno).
 */
int sfile_dir_open(const char *path, int *dirfd, char *name, size_t cap);

/*
 * Open name in dirfd for appending, creating it (mode 0644) if missing.
 * Refuses (-1) a symbolic link (ELOOP), anything but a regular file
 * (EINVAL), a file with more than one link (EMLINK) or one owned by
 * someone else (EPERM).  Never blocks on a FIFO.  The descriptor is
 * close-on-exec and O_APPEND; returns it, or -1 with errno.
 */
int sfile_open_append(int dirfd, const char *name);

/*
 * Replace name in dirfd with len bytes of data, atomically: write a new
 * temporary ".NAME.XXXXXX" (random suffix, O_CREAT|O_EXCL|O_NOFOLLOW, so
 * a planted file or link is never written through; a name taken is
 * retried), fsync it, rename it over name, fsync the directory.  The
 * temporary is removed on failure, and temporaries of name that a killed
 * process left behind are removed first.  0, or -1 with errno.  If only the
 * final directory fsync fails, -1 is returned although name already holds
 * the new data.
 */
int sfile_replace(int dirfd, const char *name, const void *data, size_t len,
    int mode);

/* The same as sfile_replace, for a path (sfile_dir_open + replace). */
int sfile_replace_path(const char *path, const void *data, size_t len,
    int mode);

/* write(2) all of buf, retrying on EINTR and short writes.  0 or -1. */
int sfile_write_all(int fd, const void *buf, size_t len);

#endif

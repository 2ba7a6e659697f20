// SPDX-License-Identifier: ISC
/*
 * sfile: symlink-proof, atomic file writes relative to directory
 * descriptors.  A daemon running as root must not write through a link
 * that whoever can write the directory planted (issue 7, item 9).
 */
#include "os/sfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/rnd.h"

#define TMP_TRIES 16
#define TMP_SUFFIX_LEN 6

int
sfile_dir_open(const char *path, int *dirfd, char *name, size_t cap)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t dlen;

	if (slash == NULL) {
		memcpy(dir, ".", 2);
		slash = path - 1;
	} else {
		dlen = slash == path ? 1 : (size_t)(slash - path);
		if (dlen >= sizeof(dir)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(dir, path, dlen);
		dir[dlen] = '\0';
	}
	if (slash[1] == '\0') {
		errno = EINVAL;
		return -1;
	}
	if (strlen(slash + 1) >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(name, slash + 1, strlen(slash + 1) + 1);
	*dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return *dirfd < 0 ? -1 : 0;
}

/* A file we may write into: regular, one link, ours. */
static int
check_ours(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	if (st.st_nlink > 1) {
		errno = EMLINK;
		return -1;
	}
	if (st.st_uid != geteuid()) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

int
sfile_open_append(int dirfd, const char *name)
{
	int fd, fl, e;

	/* O_NONBLOCK: opening a planted FIFO must not hang the daemon. */
	fd = openat(dirfd, name,
	    O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	        O_NONBLOCK,
	    0644);
	if (fd < 0)
		return -1;
	if (check_ours(fd) < 0 || (fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		e = errno;
		(void)close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
sfile_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t r;

	while (len > 0) {
		r = write(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/*
 * Remove temporaries ".NAME.XXXXXX" of name that a process killed in the
 * middle of sfile_replace left behind.  Only names of exactly that shape
 * go, with unlinkat, which removes a link itself and never its target.
 */
static void
remove_stale(int dirfd, const char *name)
{
	size_t len = strlen(name);
	struct dirent *de;
	DIR *d;
	int fd = dup(dirfd);

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (d == NULL) {
		(void)close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] == '.' &&
		    strncmp(de->d_name + 1, name, len) == 0 &&
		    de->d_name[len + 1] == '.' &&
		    strlen(de->d_name + len + 2) == TMP_SUFFIX_LEN)
			(void)unlinkat(dirfd, de->d_name, 0);
	(void)closedir(d);
}

/* A new, empty temporary ".NAME.XXXXXX" in dirfd; its name goes to tmp. */
static int
make_tmp(int dirfd, const char *name, char *tmp, size_t cap, int mode)
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[TMP_SUFFIX_LEN];
	int i, k, fd, n;

	for (i = 0; i < TMP_TRIES; i++) {
		if (rnd_bytes(r, sizeof(r)) != 0)
			return -1;
		n = snprintf(tmp, cap, ".%s.", name);
		if (n < 0 || (size_t)n + sizeof(r) >= cap) {
			errno = ENAMETOOLONG;
			return -1;
		}
		for (k = 0; k < (int)sizeof(r); k++)
			tmp[n + k] = abc[r[k] % (sizeof(abc) - 1)];
		tmp[n + (int)sizeof(r)] = '\0';
		fd = openat(dirfd, tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
		        O_NOCTTY,
		    (mode_t)mode);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}

int
sfile_replace(int dirfd, const char *name, const void *data, size_t len,
    int mode)
{
	char tmp[SFILE_NAME_MAX + 16];
	int fd, e;

	remove_stale(dirfd, name);
	fd = make_tmp(dirfd, name, tmp, sizeof(tmp), mode);
	if (fd < 0)
		return -1;
	if (sfile_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		e = errno;
		(void)close(fd);
		(void)unlinkat(dirfd, tmp, 0);
		errno = e;
		return -1;
	}
	if (close(fd) < 0 || renameat(dirfd, tmp, dirfd, name) < 0) {
		e = errno;
		(void)unlinkat(dirfd, tmp, 0);
		errno = e;
		return -1;
	}
	return fsync(dirfd);
}

int
sfile_replace_path(const char *path, const void *data, size_t len, int mode)
{
	char name[SFILE_NAME_MAX];
	int dirfd, rc, e;

	if (sfile_dir_open(path, &dirfd, name, sizeof(name)) < 0)
		return -1;
	rc = sfile_replace(dirfd, name, data, len, mode);
	e = errno;
	(void)close(dirfd);
	errno = e;
	return rc;
}

// SPDX-License-Identifier: ISC
/* proc: inherited descriptors, pid file, two-step detach. */
#include "os/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* 0, 1 and 2 open (on /dev/null if they were closed), so that no file
 * or socket opened later becomes "stderr" by accident. */
static void
std_fds_open(void)
{
	int fd;

	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", O_RDWR) < 0)
			return;
}

void
proc_close_inherited(void)
{
	struct rlimit rl;
	long fd, max = 1024;

	std_fds_open();
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
		return;
#endif
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		max = (long)rl.rlim_cur;
	for (fd = 3; fd < max; fd++)
		(void)close((int)fd);
}

int
proc_pidfile_open(struct proc_pidfile *p, const char *path)
{
	p->dirfd = -1;
	return sfile_dir_open(path, &p->dirfd, p->name, sizeof(p->name));
}

int
proc_pidfile_write(const struct proc_pidfile *p, pid_t pid)
{
	char text[32];
	int n = snprintf(text, sizeof(text), "%ld\n", (long)pid);

	return sfile_replace(p->dirfd, p->name, text, (size_t)n, 0644);
}

void
proc_pidfile_close(struct proc_pidfile *p)
{
	if (p->dirfd < 0)
		return;
	(void)unlinkat(p->dirfd, p->name, 0);
	(void)close(p->dirfd);
	p->dirfd = -1;
}

int
proc_detach_begin(struct proc_detach *d, int devnull)
{
	int fds[2];
	char ok;
	pid_t pid;
	ssize_t r;

	d->fd = -1;
	d->devnull = devnull;
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		(void)close(fds[0]);
		(void)close(fds[1]);
		return -1;
	}
	if (pid > 0) {
		/* The parent: exit 0 once the child says it is running. */
		(void)close(fds[1]);
		do
			r = read(fds[0], &ok, 1);
		while (r < 0 && errno == EINTR);
		_exit(r == 1 ? 0 : 1);
	}
	(void)close(fds[0]);
	d->fd = fds[1];
	(void)setsid();
	return 0;
}

void
proc_detach_finish(struct proc_detach *d)
{
	int i;

	for (i = 0; i < 3; i++)
		if (d->devnull >= 0)
			(void)dup2(d->devnull, i);
	if (d->fd >= 0) {
		while (write(d->fd, "", 1) < 0 && errno == EINTR)
			;
		(void)close(d->fd);
	}
	d->fd = -1;
}

int
proc_thread_start(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
    void *arg)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(t, attr, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

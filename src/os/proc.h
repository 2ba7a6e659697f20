/* SPDX-License-Identifier: ISC */
/*
 * proc: the daemon's process set-up.  Closing what it inherited, the pid
 * file, and detaching in two halves around the start-up work, so that
 * every start-up failure is reported on the caller's terminal with a
 * non-zero exit status before the daemon goes to the background.
 */
#ifndef STRATUM_PROC_H
#define STRATUM_PROC_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

#include "os/sfile.h"

/* pthread_create with every signal blocked in the new thread, so that
 * SIGTERM and SIGHUP go to the main thread and interrupt its poll.
 * Returns pthread_create's result. */
int proc_thread_start(pthread_t *t, const pthread_attr_t *attr,
    void *(*fn)(void *), void *arg);

/* Close every descriptor above 2 (close_range, or one by one up to the
 * descriptor limit where the kernel lacks it), and open /dev/null on any
 * of 0, 1, 2 that was closed. */
void proc_close_inherited(void);

struct proc_pidfile {
	int dirfd; /* -1: no pid file */
	char name[SFILE_NAME_MAX];
};

/* Open the directory of the pid file at path now (before any chroot), to
 * write the file later.  0, or -1 with errno. */
int proc_pidfile_open(struct proc_pidfile *p, const char *path);

/* Write "PID\n" atomically (os/sfile: never through a planted link).
 * 0, or -1 with errno. */
int proc_pidfile_write(const struct proc_pidfile *p, pid_t pid);

/* Remove the pid file (a failure, e.g. no longer permitted after the
 * privilege drop, is ignored) and close the directory. */
void proc_pidfile_close(struct proc_pidfile *p);

struct proc_detach {
	int fd; /* write end of the pipe to the waiting parent, -1 */
	int devnull;
};

/*
 * First half of detaching (devnull: a descriptor of /dev/null opened
 * before any chroot).  Forks; the parent waits for the child to call
 * proc_detach_finish and then exits 0, or exits 1 if the child exits
 * first (it has said why on stderr).  Returns 0 in the child, which is
 * made a session leader; -1 with errno if fork fails.
 */
int proc_detach_begin(struct proc_detach *d, int devnull);

/* Second half, in the child once start-up has succeeded: stdin, stdout
 * and stderr become /dev/null and the parent exits 0. */
void proc_detach_finish(struct proc_detach *d);

#endif

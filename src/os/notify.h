/* SPDX-License-Identifier: ISC */
/*
 * notify: the service manager's readiness protocol (sd_notify(3)) without
 * libsystemd.  When $NOTIFY_SOCKET names an AF_UNIX datagram socket (a
 * path, or "@name" for the abstract namespace), state lines such as
 * "READY=1\nSTATUS=...\n" are sent to it as one datagram each; without it
 * every call does nothing.  The socket is connected once at start-up
 * (before any change of root or seccomp filter), so sending needs only
 * send(2).  Failures are never fatal: the daemon runs without readiness.
 */
#ifndef STRATUM_NOTIFY_H
#define STRATUM_NOTIFY_H

struct notify {
	int fd; /* connected close-on-exec datagram socket, -1: none */
};

/* Connect to $NOTIFY_SOCKET if it is set.  0 (also when it is unset or
 * empty: n->fd is then -1), or -1 with errno (n->fd is -1). */
int notify_open(struct notify *n);

/* Send one datagram of newline-separated "KEY=value" lines, formatted
 * like printf.  Does nothing without a socket; 0, or -1 with errno. */
int notify_send(const struct notify *n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void notify_close(struct notify *n);

#endif

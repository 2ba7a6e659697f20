// SPDX-License-Identifier: ISC
/* lookup: getaddrinfo in a child process, results through a pipe. */
#include "os/lookup.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "os/res.h"

/* What the child writes: a count, then either count addresses or (count
 * < 0) an error text.  The whole record is below PIPE_BUF, so it arrives
 * in one piece. */
struct lookup_msg {
	int count;
	struct udp_peer addrs[LOOKUP_MAX_ADDRS];
	char err[128];
};

static int
literal(const char *host, uint16_t port, int family, struct udp_peer *out,
    size_t max)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV },
	                *res;
	char serv[8];
	int n = 0;

	hints.ai_family = family == 4 ? AF_INET
	    : family == 6             ? AF_INET6
	                              : AF_UNSPEC;
	snprintf(serv, sizeof(serv), "%u", (unsigned)port);
	if (max == 0 || getaddrinfo(host, serv, &hints, &res) != 0)
		return 0;
	if (res->ai_addrlen <= sizeof(out[0].sa)) {
		memcpy(&out[0].sa, res->ai_addr, res->ai_addrlen);
		out[0].len = res->ai_addrlen;
		n = 1;
	}
	freeaddrinfo(res);
	return n;
}

static void
child(int wfd, const char *host, uint16_t port, int family)
{
	struct lookup_msg m;
	const char *err = NULL;
	ssize_t w;

	memset(&m, 0, sizeof(m));
	m.count =
	    res_lookup(host, port, family, m.addrs, LOOKUP_MAX_ADDRS, &err);
	if (m.count < 0)
		snprintf(m.err, sizeof(m.err), "%s", err ? err : "failed");
	w = write(wfd, &m, sizeof(m));
	_exit(w == (ssize_t)sizeof(m) ? 0 : 1);
}

int
lookup_start(struct lookup *l, const char *host, uint16_t port, int family,
    struct udp_peer *out, size_t max)
{
	int p[2], n;

	l->pid = 0;
	l->fd = -1;
	if ((n = literal(host, port, family, out, max)) > 0)
		return n;
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	l->pid = fork();
	if (l->pid < 0) {
		close(p[0]);
		close(p[1]);
		l->pid = 0;
		return -1;
	}
	if (l->pid == 0) {
		close(p[0]);
		child(p[1], host, port, family);
	}
	close(p[1]);
	l->fd = p[0];
	return 0;
}

static void
reap(struct lookup *l)
{
	if (l->fd >= 0)
		close(l->fd);
	if (l->pid > 0)
		while (waitpid(l->pid, NULL, 0) < 0 && errno == EINTR)
			;
	l->fd = -1;
	l->pid = 0;
}

int
lookup_finish(struct lookup *l, struct udp_peer *out, size_t max, char *err,
    size_t errcap)
{
	struct lookup_msg m;
	ssize_t r;
	int i;

	do
		r = read(l->fd, &m, sizeof(m));
	while (r < 0 && errno == EINTR);
	reap(l);
	if (r != (ssize_t)sizeof(m)) {
		snprintf(err, errcap, "resolver process failed");
		return -1;
	}
	if (m.count < 0) {
		m.err[sizeof(m.err) - 1] = '\0';
		snprintf(err, errcap, "%s", m.err);
		return -1;
	}
	for (i = 0; i < m.count && (size_t)i < max; i++)
		out[i] = m.addrs[i];
	return i;
}

void
lookup_cancel(struct lookup *l)
{
	if (l->pid > 0)
		kill(l->pid, SIGKILL);
	reap(l);
}

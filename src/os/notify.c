// SPDX-License-Identifier: ISC
/*
 * notify: sd_notify(3)'s datagram protocol, as systemd documents it: the
 * service sends newline-separated assignments to the AF_UNIX SOCK_DGRAM
 * socket named by $NOTIFY_SOCKET; a leading '@' names the abstract
 * namespace (the '@' becomes a NUL byte).
 */
#include "os/notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define NOTIFY_MSG_MAX 512

/* Fill *sun from the variable's value; its length, or 0 if unusable. */
static socklen_t
notify_addr(const char *name, struct sockaddr_un *sun)
{
	size_t len = strlen(name);

	if (len < 2 && name[0] == '@')
		return 0;
	if (len == 0 || len >= sizeof(sun->sun_path) ||
	    (name[0] != '/' && name[0] != '@'))
		return 0;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, name, len);
	if (name[0] == '@') {
		sun->sun_path[0] = '\0';
		return (
		    socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	}
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
}

int
notify_open(struct notify *n)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t len;
	int fd, saved;

	n->fd = -1;
	if (name == NULL || name[0] == '\0')
		return 0;
	len = notify_addr(name, &sun);
	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&sun, len) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	n->fd = fd;
	return 0;
}

int
notify_send(const struct notify *n, const char *fmt, ...)
{
	char buf[NOTIFY_MSG_MAX];
	va_list ap;
	int len;

	if (n->fd < 0)
		return 0;
	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len < 0)
		return -1;
	/* A truncated STATUS line is still worth sending. */
	if ((size_t)len >= sizeof(buf))
		len = (int)sizeof(buf) - 1;
	if (send(n->fd, buf, (size_t)len, MSG_NOSIGNAL) < 0)
		return -1;
	return 0;
}

void
notify_close(struct notify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}

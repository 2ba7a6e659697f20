// SPDX-License-Identifier: ISC
/* web: `stratum web`.  See web.h. */
#include "cli/web.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli/dstate.h"
#include "cli/metrics.h"
#include "cli/webhist.h"
#include "os/clk.h"
#include "os/res.h"

#define WEB_CTL_TIMEOUT_S 1.0
#define WEB_FRESH_MS 1000       /* a request reuses a state this recent */
#define WEB_SPAN_S (4 * 3600.0) /* history backfilled from loopstats */
#define WEB_LINGER_MS 2000      /* reading a client's leftovers */

static volatile sig_atomic_t web_stop;

struct conn {
	int fd; /* -1: free */
	size_t in_len;
	char in[WEB_REQ_MAX];
	char *out;
	size_t out_len, out_pos;
	int draining; /* response sent: reading what is left, then close */
	int64_t deadline_ms;
};

struct web_opts {
	const char *listen, *host, *stats;
	uint16_t port;
	double poll_s;
};

struct web {
	struct web_opts o;
	int lfd, loopback;
	struct conn c[WEB_MAX_CONN];
	struct ctlq q;
	struct dst d;
	int have; /* d holds the last answer */
	char err[160];
	int64_t fetched_ms, next_poll_ms;
	struct wh_ring ring;
};

static int64_t
now_ms(void)
{
	return clk_mono_now() / 1000000;
}

static double
unix_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
on_signal(int sig)
{
	(void)sig;
	web_stop = 1;
}

/* ---- the daemon ---- */

static void
refresh(struct web *w, int force)
{
	if (!force && w->fetched_ms != 0 &&
	    now_ms() - w->fetched_ms < WEB_FRESH_MS)
		return;
	w->have = dst_fetch(&w->q, &w->d, w->err, sizeof(w->err)) == 0;
	w->fetched_ms = now_ms();
}

static void
poll_daemon(struct web *w)
{
	struct wh_sample s = { unix_now(), NAN, NAN, NAN };

	refresh(w, 1);
	if (w->have) {
		s.offset_s = w->d.sys.offset_s;
		s.jitter_s = w->d.sys.jitter_s;
		s.freq_ppm = w->d.sys.freq_ppm;
	}
	wh_add(&w->ring, &s);
	w->next_poll_ms += (int64_t)(w->o.poll_s * 1000);
	if (w->next_poll_ms < now_ms())
		w->next_poll_ms = now_ms() + (int64_t)(w->o.poll_s * 1000);
}

/* ---- responses ---- */

static const char *
reason(int code)
{
	switch (code) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 431:
		return "Request Header Fields Too Large";
	case 505:
		return "HTTP Version Not Supported";
	}
	return "Internal Server Error";
}

/* The page may run inline script and style and fetch from here only. */
#define WEB_CSP                                            \
	"default-src 'none'; script-src 'unsafe-inline'; " \
	"style-src 'unsafe-inline'; connect-src 'self'; img-src data:"

/* Queue the response on c: status line, headers, body unless head. */
static void
respond(struct conn *c, int code, const char *type, const char *body,
    size_t body_len, int head)
{
	FILE *f = open_memstream(&c->out, &c->out_len);

	if (f == NULL) {
		c->out = NULL;
		c->out_len = 0;
		return;
	}
	fprintf(f,
	    "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\nConnection: close\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Content-Security-Policy: " WEB_CSP "\r\n",
	    code, reason(code), type, body_len);
	if (code == 405)
		fputs("Allow: GET, HEAD\r\n", f);
	fputs("\r\n", f);
	if (!head)
		fwrite(body, 1, body_len, f);
	if (fclose(f) != 0) {
		free(c->out);
		c->out = NULL;
		c->out_len = 0;
	}
	c->out_pos = 0;
}

static void
respond_error(struct conn *c, int code, int head)
{
	char body[96];
	int n = snprintf(body, sizeof(body), "%d %s\n", code, reason(code));

	respond(c, code, "text/plain; charset=utf-8", body, (size_t)n, head);
}

/* A generated body (metrics, JSON) for the path. */
static void
respond_state(struct web *w, struct conn *c, int metrics, int head)
{
	struct wh_origin o = { w->o.host, w->o.port, w->o.poll_s, 0, NULL };
	char *body = NULL;
	size_t len = 0;
	FILE *f;

	refresh(w, 0);
	if ((f = open_memstream(&body, &len)) == NULL) {
		respond_error(c, 500, head);
		return;
	}
	if (metrics) {
		met_write(f, w->have ? &w->d : NULL);
	} else {
		o.now_s = unix_now();
		o.error = w->have ? NULL : w->err;
		wh_json(f, &o, w->have ? &w->d : NULL, &w->ring);
	}
	if (fclose(f) != 0) {
		free(body);
		respond_error(c, 500, head);
		return;
	}
	respond(c, 200,
	    metrics ? MET_CONTENT_TYPE : "application/json; charset=utf-8",
	    body, len, head);
	free(body);
}

/* ---- requests ---- */

/* The value of header name (case-insensitive) in the header block, or
 * NULL; *len its length without surrounding blanks. */
static const char *
header(const char *hdrs, const char *name, size_t *len)
{
	size_t n = strlen(name);
	const char *p = hdrs, *v, *e;

	while ((p = strchr(p, '\n')) != NULL) {
		p++;
		if (strncasecmp(p, name, n) != 0 || p[n] != ':')
			continue;
		for (v = p + n + 1; *v == ' ' || *v == '\t'; v++)
			;
		for (e = v; *e != '\r' && *e != '\n' && *e != '\0'; e++)
			;
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		*len = (size_t)(e - v);
		return v;
	}
	return NULL;
}

/* Host is an address literal or localhost, with an optional port. */
static int
host_ok(const char *h, size_t len)
{
	char b[80], *colon;
	struct in6_addr a6;
	struct in_addr a4;

	if (len == 0 || len >= sizeof(b))
		return 0;
	memcpy(b, h, len);
	b[len] = '\0';
	if (b[0] == '[') {
		if ((colon = strchr(b, ']')) == NULL)
			return 0;
		*colon = '\0';
		return inet_pton(AF_INET6, b + 1, &a6) == 1;
	}
	if ((colon = strchr(b, ':')) != NULL)
		*colon = '\0';
	return strcasecmp(b, "localhost") == 0 ||
	    inet_pton(AF_INET, b, &a4) == 1;
}

/* Split "METHOD TARGET HTTP/1.x" (NUL-terminated in place).  Returns 0,
 * or the status code to refuse with. */
static int
request_line(char *l, char **method, char **target, int *minor)
{
	char *sp1 = strchr(l, ' '), *sp2, *p;

	if (sp1 == NULL || (sp2 = strchr(sp1 + 1, ' ')) == NULL)
		return 400;
	*sp1 = *sp2 = '\0';
	*method = l;
	*target = sp1 + 1;
	for (p = l; *p; p++)
		if (!isupper((unsigned char)*p))
			return 400;
	if (**target != '/')
		return 400;
	for (p = *target; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return 400;
	if (strncmp(sp2 + 1, "HTTP/", 5) != 0)
		return 400;
	if (strcmp(sp2 + 1, "HTTP/1.1") == 0 ||
	    strcmp(sp2 + 1, "HTTP/1.0") == 0)
		*minor = sp2[8] - '0';
	else
		return 505;
	return 0;
}

static void
handle(struct web *w, struct conn *c, char *end)
{
	char *method, *target, *q, *eol;
	size_t hlen;
	const char *host;
	int code, minor = 1, head;

	*end = '\0';
	eol = strpbrk(c->in, "\r\n");
	if (eol == NULL)
		eol = end;
	*eol = '\0';
	code = request_line(c->in, &method, &target, &minor);
	head = code == 0 && strcmp(method, "HEAD") == 0;
	if (code == 0 && strcmp(method, "GET") != 0 && !head)
		code = 405;
	host = eol < end ? header(eol + 1, "Host", &hlen) : NULL;
	if (code == 0 && minor == 1 && host == NULL)
		code = 400; /* RFC 9112 section 3.2 */
	if (code == 0 && w->loopback && host != NULL && !host_ok(host, hlen))
		code = 400;
	if (code != 0) {
		respond_error(c, code, head);
		return;
	}
	if ((q = strchr(target, '?')) != NULL)
		*q = '\0';
	if (strcmp(target, "/") == 0 || strcmp(target, "/index.html") == 0)
		respond(c, 200, "text/html; charset=utf-8", web_page,
		    strlen(web_page), head);
	else if (strcmp(target, "/metrics") == 0)
		respond_state(w, c, 1, head);
	else if (strcmp(target, "/api/status") == 0)
		respond_state(w, c, 0, head);
	else
		respond_error(c, 404, head);
}

/* ---- connections ---- */

static void
conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	c->out = NULL;
	c->draining = 0;
	c->fd = -1;
}

static void
accept_one(struct web *w)
{
	int i, fd = accept4(w->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (i = 0; i < WEB_MAX_CONN && w->c[i].fd >= 0; i++)
		;
	if (i == WEB_MAX_CONN) { /* not polled for when full; be safe */
		close(fd);
		return;
	}
	w->c[i].fd = fd;
	w->c[i].in_len = 0;
	w->c[i].out = NULL;
	w->c[i].deadline_ms = now_ms() + WEB_TIMEOUT_MS;
}

/* The end of the header block ("\r\n\r\n" or "\n\n"), or NULL. */
static char *
headers_end(char *b, size_t len)
{
	char *p;

	b[len] = '\0';
	if ((p = strstr(b, "\r\n\r\n")) != NULL)
		return p;
	return strstr(b, "\n\n");
}

static void
conn_read(struct web *w, struct conn *c)
{
	ssize_t n;
	char *end;

	n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len, 0);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		conn_close(c);
		return;
	}
	if (n < 0)
		return;
	if (memchr(c->in + c->in_len, '\0', (size_t)n) != NULL) {
		c->in_len = 0;
		respond_error(c, 400, 0);
		return;
	}
	c->in_len += (size_t)n;
	if ((end = headers_end(c->in, c->in_len)) != NULL)
		handle(w, c, end);
	else if (c->in_len >= sizeof(c->in) - 1)
		respond_error(c, 431, 0);
	if (c->out == NULL && c->in_len >= sizeof(c->in) - 1)
		conn_close(c); /* no memory for a response */
}

static void
conn_write(struct conn *c)
{
	ssize_t n = send(c->fd, c->out + c->out_pos, c->out_len - c->out_pos,
	    MSG_NOSIGNAL);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		conn_close(c);
		return;
	}
	c->out_pos += (size_t)n;
	if (c->out_pos == c->out_len) {
		/* Everything sent: half-close, then read and drop what the
		 * client still sends until it closes, so that closing with
		 * unread bytes (an oversized request) does not reset the
		 * connection before the client has read the response. */
		shutdown(c->fd, SHUT_WR);
		c->draining = 1;
		c->deadline_ms = now_ms() + WEB_LINGER_MS;
	}
}

static void
conn_drain(struct conn *c)
{
	char b[4096];
	ssize_t n = recv(c->fd, b, sizeof(b), 0);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		conn_close(c);
}

static void
conn_timeout(struct conn *c)
{
	if (c->out == NULL && !c->draining) {
		respond_error(c, 408, 0);
		c->deadline_ms = now_ms() + 1000; /* a second to send it */
		if (c->out != NULL)
			return;
	}
	conn_close(c);
}

/* ---- the loop ---- */

static int
poll_timeout(const struct web *w)
{
	int64_t t = w->next_poll_ms, left;
	int i;

	for (i = 0; i < WEB_MAX_CONN; i++)
		if (w->c[i].fd >= 0 && w->c[i].deadline_ms < t)
			t = w->c[i].deadline_ms;
	left = t - now_ms();
	return left < 0 ? 0 : left > 60000 ? 60000 : (int)left + 1;
}

static void
step(struct web *w)
{
	struct pollfd p[WEB_MAX_CONN + 1];
	int idx[WEB_MAX_CONN + 1], n = 0, i, free_slot = 0;

	for (i = 0; i < WEB_MAX_CONN; i++) {
		if (w->c[i].fd < 0) {
			free_slot = 1;
			continue;
		}
		p[n] = (struct pollfd){ .fd = w->c[i].fd,
			.events = w->c[i].out != NULL && !w->c[i].draining
			    ? POLLOUT
			    : POLLIN };
		idx[n++] = i;
	}
	if (free_slot) {
		p[n] = (struct pollfd){ .fd = w->lfd, .events = POLLIN };
		idx[n++] = -1;
	}
	if (poll(p, (nfds_t)n, poll_timeout(w)) < 0 && errno != EINTR)
		return;
	for (i = 0; i < n; i++) {
		struct conn *c = idx[i] >= 0 ? &w->c[idx[i]] : NULL;

		if (p[i].revents == 0 || (c != NULL && c->fd < 0))
			continue;
		if (c == NULL)
			accept_one(w);
		else if (c->draining)
			conn_drain(c);
		else if (c->out != NULL)
			conn_write(c);
		else
			conn_read(w, c);
	}
	for (i = 0; i < WEB_MAX_CONN; i++)
		if (w->c[i].fd >= 0 && now_ms() >= w->c[i].deadline_ms)
			conn_timeout(&w->c[i]);
	if (now_ms() >= w->next_poll_ms)
		poll_daemon(w);
}

/* ---- start-up ---- */

/* "ADDR:PORT" or "[ADDR6]:PORT", numeric only: never a name lookup. */
static int
listen_on(struct web *w, const char *spec)
{
	char b[128], *host = b, *port;
	struct addrinfo hints = { 0 }, *ai;
	int one = 1, rc;

	if (snprintf(b, sizeof(b), "%s", spec) >= (int)sizeof(b) ||
	    (port = strrchr(b, ':')) == NULL) {
		fprintf(stderr,
		    "stratum: --listen wants ADDRESS:PORT, not '%s'\n", spec);
		return -2;
	}
	*port++ = '\0';
	if (host[0] == '[' && port[-2] == ']') {
		host++;
		port[-2] = '\0';
	}
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		fprintf(stderr, "stratum: --listen '%s': %s\n", spec,
		    gai_strerror(rc));
		return -2;
	}
	w->loopback = ai->ai_family == AF_INET
	    ? (ntohl(((struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr) >>
	          24) == 127
	    : IN6_IS_ADDR_LOOPBACK(
	          &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr);
	w->lfd = socket(ai->ai_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	rc = w->lfd < 0 ? -1 : 0;
	if (rc == 0)
		(void)setsockopt(w->lfd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one));
	if (rc == 0 &&
	    (bind(w->lfd, ai->ai_addr, ai->ai_addrlen) != 0 ||
	        listen(w->lfd, WEB_MAX_CONN) != 0))
		rc = -1;
	freeaddrinfo(ai);
	if (rc != 0)
		fprintf(stderr, "stratum: cannot listen on %s: %s\n", spec,
		    strerror(errno));
	return rc;
}

static int
parse(int argc, char **argv, struct web_opts *o)
{
	static const struct option lopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "stats", required_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int ch;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":h:p:", lopts, NULL)) != -1) {
		if (ch == 'h' || ch == 'p') {
			if (met_host_opt(ch, optarg, &o->host, &o->port) != 0)
				return -1;
		} else if (ch == 'l') {
			o->listen = optarg;
		} else if (ch == 's') {
			o->stats = optarg;
		} else if (ch == 'i') {
			o->poll_s = strtod(optarg, &end);
			if (end == optarg || *end || !(o->poll_s >= 1) ||
			    o->poll_s > 3600) {
				fprintf(stderr,
				    "stratum: invalid value '%s' for "
				    "--interval (1..3600 s)\n",
				    optarg);
				return -1;
			}
		} else if (ch == 'H') {
			printf(
			    "usage: stratum web [--listen ADDR:PORT] "
			    "[--stats DIR] [--interval S] [-h HOST] "
			    "[-p PORT]\n"
			    "Serve a status page, /api/status and /metrics "
			    "(default 127.0.0.1:8123)\n"
			    "from the daemon (default 127.0.0.1 port 123).\n");
			exit(0);
		} else {
			(void)met_bad_opt(ch, argv);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "stratum: web takes no argument ('%s')\n",
		    argv[optind]);
		return -1;
	}
	return 0;
}

static int
start(struct web *w)
{
	struct udp_peer to;
	const char *err;
	int i, n, rc;

	for (i = 0; i < WEB_MAX_CONN; i++)
		w->c[i].fd = -1;
	if ((rc = listen_on(w, w->o.listen)) != 0)
		return rc == -2 ? 2 : 1;
	if (res_lookup(w->o.host, w->o.port, 0, &to, 1, &err) < 1) {
		fprintf(stderr, "stratum: cannot resolve '%s': %s\n", w->o.host,
		    err);
		return 1;
	}
	if (ctlq_open(&w->q, &to, WEB_CTL_TIMEOUT_S) != 0) {
		fprintf(stderr, "stratum: socket: %s\n", strerror(errno));
		return 1;
	}
	if (w->o.stats != NULL) {
		n = wh_backfill(&w->ring, w->o.stats, unix_now(), WEB_SPAN_S);
		if (n < 0)
			fprintf(stderr,
			    "stratum: web: cannot read %s: %s (no history "
			    "from loopstats)\n",
			    w->o.stats, strerror(errno));
		else
			fprintf(stderr,
			    "stratum: web: %d samples from %s/loopstats\n", n,
			    w->o.stats);
	}
	return 0;
}

int
web_main(int argc, char **argv)
{
	static struct web w;
	struct sigaction sa;
	int rc, i;

	w.o = (struct web_opts){ .listen = "127.0.0.1:8123",
		.host = "127.0.0.1",
		.port = 123,
		.poll_s = 16 };
	if (parse(argc, argv, &w.o) != 0)
		return 2;
	if ((rc = start(&w)) != 0)
		return rc;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr,
	    "stratum: web: serving http://%s/ from the daemon at %s port %u\n",
	    w.o.listen, w.o.host, (unsigned)w.o.port);
	w.next_poll_ms = now_ms();
	while (!web_stop)
		step(&w);
	for (i = 0; i < WEB_MAX_CONN; i++)
		conn_close(&w.c[i]);
	close(w.lfd);
	ctlq_close(&w.q);
	return 0;
}

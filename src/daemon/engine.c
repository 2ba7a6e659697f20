// SPDX-License-Identifier: ISC
/* engine: sockets, the poll loop, and the server's system state. */
#include "daemon/engine.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/pkt.h"
#include "core/ts.h"
#include "os/ifs.h"

#define ENG_MAX_ADDRS 128
#define ENG_WILDCARD "wildcard" /* name of the fallback addresses */
#define ENG_BATCH 64            /* datagrams read per socket per wake-up */
#define ENG_BUF 1024

static enum clk_kind
clock_kind(enum conf_clock c)
{
	switch (c) {
	case CONF_CLOCK_SYSTEM:
		return CLK_SYSTEM;
	case CONF_CLOCK_NONE:
		return CLK_NONE;
	case CONF_CLOCK_VIRTUAL:
		return CLK_VIRTUAL;
	}
	return CLK_NONE;
}

void
eng_init(struct engine *e, const struct conf *c, const struct logger *lg,
    const struct asc_opts *o)
{
	int prec;

	memset(e, 0, sizeof(*e));
	e->conf = c;
	e->log = lg;
	clk_init(&e->clk, clock_kind(c->clock), c->clock_offset_s,
	    c->clock_freq_ppm);
	prec = e->clk.precision_log2;
	log_msg(lg, LOG_INFO, "proto: precision = %.3f usec (%d)",
	    ts_to_s(ts_log2_ns(prec)) * 1e6, prec);
	log_msg(lg, LOG_INFO, "clock backend %s", clk_kind_name(e->clk.kind));
	asc_init(&e->asc, c, lg, &e->clk, o);
}

static int
prefix_match(const uint8_t *a, const uint8_t *b, int bits)
{
	int full = bits / 8, rest = bits % 8;
	uint8_t m;

	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	m = (uint8_t)(0xff << (8 - rest));
	return (a[full] & m) == (b[full] & m);
}

static int
rule_matches(const struct conf_ifrule *r, const struct ifs_addr *ia)
{
	const struct sockaddr *sa = (const struct sockaddr *)&ia->addr.sa;
	const uint8_t *raw;

	switch (r->match) {
	case CONF_IFM_ALL:
		return 1;
	case CONF_IFM_IPV4:
		return sa->sa_family == AF_INET;
	case CONF_IFM_IPV6:
		return sa->sa_family == AF_INET6;
	case CONF_IFM_WILDCARD:
		return strcmp(ia->name, ENG_WILDCARD) == 0;
	case CONF_IFM_NAME:
		return strcmp(r->name, ia->name) == 0;
	case CONF_IFM_ADDRESS:
		break;
	}
	if (sa->sa_family == AF_INET && r->family == 4)
		raw = (const uint8_t *)&(
		    (const struct sockaddr_in *)(const void *)sa)
		          ->sin_addr;
	else if (sa->sa_family == AF_INET6 && r->family == 6)
		raw = (const uint8_t *)&(
		    (const struct sockaddr_in6 *)(const void *)sa)
		          ->sin6_addr;
	else
		return 0;
	return prefix_match(raw, r->addr, r->prefix_len);
}

/* ntpd's rule: the last matching interface directive decides; an
 * address no rule matches is listened on. */
static enum conf_if_action
if_action(const struct conf *c, const struct ifs_addr *ia)
{
	enum conf_if_action a = CONF_IF_LISTEN;
	size_t i;

	for (i = 0; i < c->n_ifrules; i++)
		if (rule_matches(&c->ifrules[i], ia))
			a = c->ifrules[i].action;
	return a;
}

static void
set_port(struct udp_peer *p, uint16_t port)
{
	if (p->sa.ss_family == AF_INET)
		((struct sockaddr_in *)(void *)&p->sa)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)(void *)&p->sa)->sin6_port =
		    htons(port);
}

static void
open_one(struct engine *e, const struct ifs_addr *ia, enum conf_if_action act)
{
	struct eng_sock *s = &e->socks[e->n_socks];
	char a[64];
	int v6;

	s->addr = ia->addr;
	set_port(&s->addr, e->conf->port);
	udp_addr_str((const struct sockaddr *)&s->addr.sa, a, sizeof(a));
	v6 = s->addr.sa.ss_family == AF_INET6;
	s->fd =
	    udp_open_bound((const struct sockaddr *)&s->addr.sa, s->addr.len);
	if (s->fd < 0) {
		log_msg(e->log, LOG_ERR, "bind(%s%s%s:%u) failed: %s",
		    v6 ? "[" : "", a, v6 ? "]" : "", (unsigned)e->conf->port,
		    strerror(errno));
		return;
	}
	s->index = ENG_FIRST_SOCK_INDEX + (int)e->n_socks;
	snprintf(s->ifname, sizeof(s->ifname), "%.*s", IF_NAMESIZE - 1,
	    ia->name);
	log_msg(e->log, LOG_INFO, "Listen %s on %d %s %s%s%s:%u",
	    act == CONF_IF_DROP ? "and drop" : "normally", s->index, s->ifname,
	    v6 ? "[" : "", a, v6 ? "]" : "", (unsigned)e->conf->port);
	if (act == CONF_IF_DROP)
		s->ifname[0] = '\0'; /* marks a drop socket */
	e->n_socks++;
}

static void
tell_own(struct engine *e)
{
	struct udp_peer own[ENG_MAX_SOCKS];
	size_t i;

	for (i = 0; i < e->n_socks; i++)
		own[i] = e->socks[i].addr;
	asc_set_own(&e->asc, own, e->n_socks);
}

static int
wildcards(struct ifs_addr *a)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&a[0].addr.sa;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)&a[1].addr.sa;

	memset(a, 0, 2 * sizeof(*a));
	snprintf(a[0].name, sizeof(a[0].name), "%s", ENG_WILDCARD);
	snprintf(a[1].name, sizeof(a[1].name), "%s", ENG_WILDCARD);
	s4->sin_family = AF_INET;
	a[0].addr.len = sizeof(*s4);
	s6->sin6_family = AF_INET6;
	a[1].addr.len = sizeof(*s6);
	return 2;
}

int
eng_open_sockets(struct engine *e)
{
	struct ifs_addr addrs[ENG_MAX_ADDRS];
	enum conf_if_action act;
	int n, i;

	n = ifs_list(addrs, ENG_MAX_ADDRS);
	if (n <= 0) {
		/* No interface list (a container or simulator without
		 * getifaddrs): the wildcard addresses, as ntpd's 0 and 1. */
		log_msg(e->log, LOG_WARNING,
		    "no interface addresses (%s); "
		    "using the wildcard addresses",
		    n < 0 ? strerror(errno) : "none found");
		n = wildcards(addrs);
	}
	for (i = 0; i < n && e->n_socks < ENG_MAX_SOCKS; i++) {
		act = if_action(e->conf, &addrs[i]);
		if (act != CONF_IF_IGNORE)
			open_one(e, &addrs[i], act);
	}
	if (e->n_socks == 0 && n > 0 && strcmp(addrs[0].name, ENG_WILDCARD)) {
		/* Every address refused (an environment whose interface
		 * list does not match its network): the wildcards.  A port
		 * that is taken stays taken there too. */
		log_msg(e->log, LOG_WARNING, "trying the wildcard addresses");
		n = wildcards(addrs);
		for (i = 0; i < n; i++)
			if (if_action(e->conf, &addrs[i]) != CONF_IF_IGNORE)
				open_one(e, &addrs[i], CONF_IF_LISTEN);
	}
	if (e->n_socks == 0) {
		log_msg(e->log, LOG_ERR,
		    "no address to listen on (check interface directives)");
		return -1;
	}
	tell_own(e);
	return (int)e->n_socks;
}

static void
serve_one(struct engine *e, struct eng_sock *s, const uint8_t *req, size_t len,
    const struct udp_peer *from, int64_t rx_real_ns)
{
	int64_t rx = clk_from_real(&e->clk, rx_real_ns);
	uint8_t reply[ENG_BUF];
	enum srv_verdict v;
	size_t n;

	e->stats.received++;
	v = srv_respond(asc_sys(&e->asc, rx), req, len, rx, reply,
	    sizeof(reply), &n);
	e->stats.by_verdict[v]++;
	if (v != SRV_REPLY)
		return;
	/* The transmit timestamp is read as late as possible. */
	srv_finish(reply, clk_now(&e->clk));
	if (udp_send(s->fd, reply, n, from) != 0)
		e->send_errors++;
}

static void
drain(struct engine *e, struct eng_sock *s)
{
	uint8_t buf[ENG_BUF];
	struct udp_peer from;
	int64_t rx;
	ssize_t n;
	int trunc, i;

	for (i = 0; i < ENG_BATCH; i++) {
		n = udp_recv(s->fd, buf, sizeof(buf), &from, &rx, &trunc);
		if (n < 0)
			return; /* EAGAIN: drained; errors: retried on wake-up */
		if (s->ifname[0] == '\0' || trunc) {
			/* drop socket, or larger than any request we answer */
			e->stats.received++;
			e->stats.by_verdict[SRV_DROP_MALFORMED]++;
			continue;
		}
		serve_one(e, s, buf, (size_t)n, &from, rx);
	}
}

static int
timeout_ms(const struct engine *e)
{
	int64_t next = asc_next_timer(&e->asc), c = clk_next_event(&e->clk);
	int64_t left = (c < next ? c : next) - clk_mono_now();

	if (left <= 0)
		return 0;
	if (left > 60 * TS_NS_PER_S)
		return 60000;
	return (int)(left / 1000000 + 1);
}

#define ENG_MAX_FDS (ENG_MAX_SOCKS + SYNC_MAX_SRC + CONF_MAX_SOURCES)

int
eng_run(struct engine *e, volatile sig_atomic_t *stop,
    volatile sig_atomic_t *hup)
{
	struct pollfd pfd[ENG_MAX_FDS];
	int tag[ENG_MAX_FDS];
	size_t i, n;
	int r;

	while (!*stop && !e->asc.want_exit) {
		for (i = 0; i < e->n_socks; i++)
			pfd[i] = (struct pollfd){ .fd = e->socks[i].fd,
				.events = POLLIN };
		n = e->n_socks +
		    asc_pollfds(&e->asc, pfd + e->n_socks, tag + e->n_socks,
		        ENG_MAX_FDS - e->n_socks);
		r = poll(pfd, (nfds_t)n, timeout_ms(e));
		if (r < 0 && errno != EINTR) {
			log_msg(e->log, LOG_ERR, "poll: %s", strerror(errno));
			return 1;
		}
		for (i = 0; r > 0 && i < n; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLERR | POLLHUP)))
				continue;
			if (i < e->n_socks)
				drain(e, &e->socks[i]);
			else
				asc_on_ready(&e->asc, tag[i]);
		}
		if (*hup) {
			*hup = 0;
			log_msg(e->log, LOG_NOTICE,
			    "SIGHUP: configuration reload is not implemented "
			    "in this version; ignored");
		}
		clk_tick(&e->clk, clk_mono_now());
		if (asc_next_timer(&e->asc) <= clk_mono_now())
			asc_on_timer(&e->asc);
	}
	return e->asc.exit_code;
}

void
eng_close(struct engine *e)
{
	size_t i;

	asc_close(&e->asc);
	if (clk_release(&e->clk) != 0)
		log_msg(e->log, LOG_ERR, "cannot restore the clock rate: %s",
		    strerror(errno));
	for (i = 0; i < e->n_socks; i++)
		close(e->socks[i].fd);
	e->n_socks = 0;
	log_msg(e->log, LOG_INFO,
	    "packets: %llu received, %llu answered, %llu dropped "
	    "(%llu short, %llu bad version, %llu bad mode, %llu malformed), "
	    "%llu send errors",
	    (unsigned long long)e->stats.received,
	    (unsigned long long)e->stats.by_verdict[SRV_REPLY],
	    (unsigned long long)(e->stats.received -
	        e->stats.by_verdict[SRV_REPLY]),
	    (unsigned long long)e->stats.by_verdict[SRV_DROP_SHORT],
	    (unsigned long long)e->stats.by_verdict[SRV_DROP_VERSION],
	    (unsigned long long)e->stats.by_verdict[SRV_DROP_MODE],
	    (unsigned long long)e->stats.by_verdict[SRV_DROP_MALFORMED],
	    (unsigned long long)e->send_errors);
}

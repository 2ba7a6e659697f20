// SPDX-License-Identifier: ISC
/*
 * engine: sockets, the poll loop, the batched server path and its
 * workers.  See engine.h for the shape and doc/performance.md for why.
 */
#include "daemon/engine.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/mac.h"
#include "core/pkt.h"
#include "core/rl.h"
#include "core/ts.h"
#include "daemon/ctlsrv.h"
#include "daemon/policy.h"
#include "daemon/reload.h"
#include "nts/ef.h"
#include "nts/sreq.h"
#include "os/ifs.h"
#include "os/proc.h"
#include "os/rnd.h"

#define ENG_MAX_ADDRS 128
#define ENG_WILDCARD "wildcard" /* name of the fallback addresses */
#define ENG_ROUNDS 4            /* batches per socket per wake-up (fairness) */
#define ENG_BUF 1024            /* longer requests are dropped as truncated */
#define ENG_REPLY 80      /* a reply is 48, 52 (crypto-NAK), 68 or 72 (MAC) */
#define ENG_RL_SLOTS 4096 /* rate-limit entries per worker (256 KiB) */
#define ENG_WORKER_POLL_MS 200 /* how soon a worker notices a stop */
/* Mode 6 replies may be larger than their requests (a READVAR of 12
 * bytes gets ~700): they go to loopback only, and at most this many
 * datagrams a second (`ntpq -p` with 32 associations needs ~70). */
#define ENG_CTL_PER_S 256

struct eng_worker {
	struct engine *e;
	int id;
	int fds[ENG_MAX_SOCKS];
	struct eng_counters cnt;
	struct rl rl;
	struct rl_entry *rl_slots; /* NULL: nobody is rate-limited */
	struct udp_batch io;
	struct eng_snap snap; /* the state this worker serves */
	struct policy pol;    /* restrict and rate limits it applies */
	uint64_t pol_gen;     /* of the policy copied */
	struct srv_tmpl tmpl;
	uint64_t gen;      /* of the snapshot copied */
	uint64_t rng;      /* xorshift state for the ratelimit leak */
	int fallback_told; /* the switch to single calls was logged */
	pthread_t thread;
	int64_t ctl_window_mono_ns; /* start of the current second */
	int ctl_sent;               /* mode 6 datagrams sent in it */
	struct ctlsrv_out ctl;
	uint8_t rx[UDP_BATCH][ENG_BUF];
	uint8_t tx[UDP_BATCH][ENG_REPLY];
	const struct keys_entry *sign_key[UDP_BATCH]; /* per reply, NULL */
	size_t sign_cap[UDP_BATCH];                   /* its request's length */
	struct udp_msg m[UDP_BATCH];
	struct udp_out out[UDP_BATCH];
};

/* A counter's single writer bumps it with relaxed atomics (plain moves on
 * the usual targets), so that mode 6 may read it from another thread. */
static void
ctr_add(struct eng_worker *w, enum eng_ctr c, uint64_t n)
{
	uint64_t *p = &w->cnt.n[c];

	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + n,
	    __ATOMIC_RELAXED);
}

const char *
eng_ctr_name(enum eng_ctr c)
{
	switch (c) {
	case ENG_RECEIVED:
		return "received";
	case ENG_THISVER:
		return "thisver";
	case ENG_OLDVER:
		return "oldver";
	case ENG_VER1:
		return "ver1";
	case ENG_VER1_CLIENT:
		return "ver1client";
	case ENG_VER1_ZERO:
		return "ver1zero";
	case ENG_VER1_SYMM:
		return "ver1symm";
	case ENG_ANSWERED:
		return "answered";
	case ENG_KOD:
		return "kod";
	case ENG_LEAKED:
		return "leaked";
	case ENG_SEND_ERROR:
		return "send_error";
	case ENG_CONTROL:
		return "control";
	case ENG_AUTHENTIC:
		return "authentic";
	case ENG_CRYPTO_NAK:
		return "crypto_nak";
	case ENG_SIGN_FAILED:
		return "sign_failed";
	case ENG_NTS:
		return "nts";
	case ENG_NTS_NAK:
		return "nts_nak";
	case ENG_DROP_SHORT:
		return "short";
	case ENG_DROP_VERSION:
		return "version";
	case ENG_DROP_MODE:
		return "mode";
	case ENG_DROP_MALFORMED:
		return "malformed";
	case ENG_DROP_TRUNC:
		return "trunc";
	case ENG_DROP_IFACE:
		return "iface";
	case ENG_DROP_IGNORE:
		return "ignore";
	case ENG_DROP_NOSERVE:
		return "noserve";
	case ENG_DROP_NOTRUST:
		return "notrust";
	case ENG_DROP_NOQUERY:
		return "noquery";
	case ENG_DROP_CTL_REMOTE:
		return "ctl_remote";
	case ENG_DROP_CONTROL:
		return "control";
	case ENG_DROP_RATE:
		return "rate";
	case ENG_DROP_NTS:
		return "nts";
	case ENG_N_CTR:
		break;
	}
	return "?";
}

static uint64_t seed64(void);

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
	const char *plain = getenv("STRATUM_PLAIN_IO");
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
	policy_from_conf(&e->pol, c);
	atomic_store(&e->pol_gen, 1);
	e->plain_io = plain != NULL && strcmp(plain, "1") == 0;
	e->n_workers = c->workers > 0 ? c->workers : 1;
	e->start_mono_ns = clk_mono_now();
	e->mru_key0 = seed64();
	e->mru_key1 = seed64();
	pthread_mutex_init(&e->pub_lock, NULL);
	pthread_mutex_init(&e->state_lock, NULL);
	e->reload_key.dirfd = -1;
	if (pipe2(e->wake, O_NONBLOCK | O_CLOEXEC) != 0)
		e->wake[0] = e->wake[1] = -1; /* workers 1 needs none */
	if (pipe2(e->stop_pipe, O_NONBLOCK | O_CLOEXEC) != 0)
		e->stop_pipe[0] = e->stop_pipe[1] = -1; /* then: the timeout */
	e->ifwatch = -1;
	e->rescan_every_s = ENG_RESCAN_DEFAULT_S;
	e->rescan_mono_ns = INT64_MAX;
	e->next_index = ENG_FIRST_SOCK_INDEX;
	e->port = c->port;
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

/* The rules, and -L: a virtual interface (ntpd's test: a ':' in the
 * name, an address label such as eth0:1) is ignored, also when it
 * appears after start. */
static enum conf_if_action
eng_if_action(const struct engine *e, const struct ifs_addr *ia)
{
	if (e->no_virtual && strchr(ia->name, ':') != NULL)
		return CONF_IF_IGNORE;
	return if_action(e->conf, ia);
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

/* Worker k's socket for s: workers 1 binds plainly, so a second daemon
 * on the same port fails with EADDRINUSE.  A SO_REUSEPORT group would
 * let another daemon of the same user join it silently, so before the
 * group is made a plain bind checks that the address is free. */
static int
bind_group(struct engine *e, struct eng_sock *s)
{
	const struct sockaddr *sa = (const struct sockaddr *)&s->addr.sa;
	int k, fd, err;

	fd = udp_open_bound(sa, s->addr.len);
	if (fd < 0 || e->n_workers == 1) {
		if (fd >= 0)
			e->workers[0].fds[e->n_socks] = fd;
		return fd;
	}
	close(fd);
	for (k = 0; k < e->n_workers; k++) {
		fd = udp_open_reuseport(sa, s->addr.len);
		if (fd < 0) {
			err = errno;
			while (--k >= 0)
				close(e->workers[k].fds[e->n_socks]);
			errno = err;
			return -1;
		}
		e->workers[k].fds[e->n_socks] = fd;
	}
	spreader_group(&e->spreader, e->workers[0].fds[e->n_socks]);
	return e->workers[0].fds[e->n_socks];
}

static int
is_v6_linklocal(const struct udp_peer *p)
{
	const struct sockaddr_in6 *s6 = (const void *)&p->sa;

	return p->sa.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr);
}

/* Say why an address cannot be served, without a line per address where
 * that is normal: an IPv6 address still tentative (duplicate address
 * detection) or a link-local one on a link without carrier cannot be
 * bound yet (EADDRNOTAVAIL), and the next rescan tries again.  A port
 * below 1024 refused after the privilege drop is said once. */
static void
bind_failed(struct engine *e, const struct eng_sock *s, const char *a)
{
	int v6 = s->addr.sa.ss_family == AF_INET6, err = errno;

	if (v6 && err == EADDRNOTAVAIL) {
		log_msg(e->log, LOG_DEBUG,
		    "[%s]:%u not usable yet (tentative or link-local); "
		    "skipped until the next rescan",
		    a, (unsigned)e->port);
		return;
	}
	if ((err == EACCES || err == EPERM) && e->started) {
		if (!e->bind_denied_told)
			log_msg(e->log, LOG_ERR,
			    "cannot listen on new addresses: port %u needs "
			    "root or CAP_NET_BIND_SERVICE, dropped with -u; "
			    "restart to serve %s%s%s",
			    (unsigned)e->port, v6 ? "[" : "", a, v6 ? "]" : "");
		e->bind_denied_told = 1;
		return;
	}
	log_msg(e->log, is_v6_linklocal(&s->addr) ? LOG_DEBUG : LOG_ERR,
	    "bind(%s%s%s:%u) failed: %s", v6 ? "[" : "", a, v6 ? "]" : "",
	    (unsigned)e->port, strerror(err));
}

static void
open_one(struct engine *e, const struct ifs_addr *ia, enum conf_if_action act)
{
	struct eng_sock *s = &e->socks[e->n_socks];
	char a[64];
	int v6;

	s->addr = ia->addr;
	set_port(&s->addr, e->port);
	udp_addr_str((const struct sockaddr *)&s->addr.sa, a, sizeof(a));
	v6 = s->addr.sa.ss_family == AF_INET6;
	s->fd = bind_group(e, s);
	if (s->fd < 0) {
		bind_failed(e, s, a);
		return;
	}
	s->index = e->next_index++;
	snprintf(s->ifname, sizeof(s->ifname), "%.*s", IF_NAMESIZE - 1,
	    ia->name);
	log_msg(e->log, LOG_INFO, "Listen %s on %d %s %s%s%s:%u",
	    act == CONF_IF_DROP ? "and drop" : "normally", s->index, s->ifname,
	    v6 ? "[" : "", a, v6 ? "]" : "", (unsigned)e->port);
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

static uint64_t
seed64(void)
{
	uint64_t v;

	/* The hash key only needs to be unknown outside; without
	 * getrandom the clocks are the best there is. */
	if (rnd_u64(&v) != 0)
		v = (uint64_t)clk_real_now() * 0x9e3779b97f4a7c15ULL ^
		    (uint64_t)clk_mono_now();
	return v | 1;
}

/*
 * Copy the engine's current policy (under pub_lock: the main thread may
 * be replacing it) and, when its rate limits differ from what the
 * worker's table was set up for, start the table afresh with them.  Run
 * by the worker itself before a batch, so the table is never touched by
 * two threads.  -1 when a table is needed and cannot be allocated: then
 * nobody is limited, as the old code did without one.
 */
static int
adopt_policy(struct eng_worker *w)
{
	struct engine *e = w->e;
	int same;

	pthread_mutex_lock(&e->pub_lock);
	same = w->pol_gen != 0 && policy_same_limits(&w->pol, &e->pol);
	w->pol = e->pol;
	w->pol_gen = atomic_load(&e->pol_gen);
	pthread_mutex_unlock(&e->pub_lock);
	if (same || !w->pol.limiting)
		return 0;
	if (w->rl_slots == NULL)
		w->rl_slots = calloc(ENG_RL_SLOTS, sizeof(*w->rl_slots));
	if (w->rl_slots == NULL)
		return -1;
	memset(w->rl_slots, 0, ENG_RL_SLOTS * sizeof(*w->rl_slots));
	(void)rl_init(&w->rl, &w->pol.rl, w->rl_slots, ENG_RL_SLOTS, seed64(),
	    seed64());
	return 0;
}

/* Each worker's own state: allocated once at start, never per packet
 * (the rate-limit table: when a policy first limits someone). */
static int
alloc_workers(struct engine *e)
{
	struct eng_worker *w;
	int k;

	e->workers = calloc((size_t)e->n_workers, sizeof(*e->workers));
	if (e->workers == NULL)
		return -1;
	for (k = 0; k < e->n_workers; k++) {
		w = &e->workers[k];
		w->e = e;
		w->id = k;
		w->rng = seed64();
		udp_batch_init(&w->io, e->plain_io);
		if (adopt_policy(w) != 0)
			return -1;
	}
	return 0;
}

static int
open_all(struct engine *e)
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
		e->wildcard_only = 1;
	}
	for (i = 0; i < n && e->n_socks < ENG_MAX_SOCKS; i++) {
		act = eng_if_action(e, &addrs[i]);
		if (act != CONF_IF_IGNORE)
			open_one(e, &addrs[i], act);
	}
	if (e->n_socks == 0 && n > 0 && strcmp(addrs[0].name, ENG_WILDCARD)) {
		/* Every address refused (an environment whose interface
		 * list does not match its network): the wildcards.  A port
		 * that is taken stays taken there too. */
		log_msg(e->log, LOG_WARNING, "trying the wildcard addresses");
		n = wildcards(addrs);
		e->wildcard_only = 1;
		for (i = 0; i < n; i++)
			if (eng_if_action(e, &addrs[i]) != CONF_IF_IGNORE)
				open_one(e, &addrs[i], CONF_IF_LISTEN);
	}
	return (int)e->n_socks;
}

static void
start_watch(struct engine *e)
{
	if (e->rescan_every_s <= 0 || e->wildcard_only)
		return;
	e->ifwatch = ifs_watch_open();
	if (e->ifwatch < 0)
		log_msg(e->log, LOG_NOTICE,
		    "no netlink (%s): interfaces rescanned every %d s only",
		    strerror(errno), e->rescan_every_s);
	e->rescan_mono_ns = clk_mono_now() + e->rescan_every_s * TS_NS_PER_S;
}

int
eng_open_sockets(struct engine *e)
{
	spreader_init(&e->spreader, e->n_workers, e->log);
	if (alloc_workers(e) != 0) {
		log_msg(e->log, LOG_ERR, "cannot allocate %d worker(s)",
		    e->n_workers);
		return -1;
	}
	if (open_all(e) == 0) {
		log_msg(e->log, LOG_ERR,
		    "no address to listen on (check interface directives)");
		return -1;
	}
	tell_own(e);
	start_watch(e);
	if (e->n_workers > 1)
		log_msg(e->log, LOG_INFO,
		    "%d serving threads, one SO_REUSEPORT socket each per "
		    "address",
		    e->n_workers);
	return (int)e->n_socks;
}

/* ---- what the server says ---- */

/* The addresses of our sources, for `restrict source`. */
static void
source_addrs(struct engine *e, struct eng_snap *s)
{
	const struct sockaddr *sa;
	int i;

	s->n_src = 0;
	if (!e->pol.acl.has_source)
		return;
	for (i = 0; i < SYNC_MAX_SRC; i++) {
		if (!sync_src_in_use(&e->asc.sync, i))
			continue;
		sa = (const struct sockaddr *)&e->asc.src[i].addr.sa;
		if (sa->sa_family == AF_INET) {
			s->src_family[s->n_src] = 4;
			memcpy(s->src_addr[s->n_src],
			    &((const struct sockaddr_in *)(const void *)sa)
			         ->sin_addr,
			    4);
		} else if (sa->sa_family == AF_INET6) {
			s->src_family[s->n_src] = 6;
			memcpy(s->src_addr[s->n_src],
			    &((const struct sockaddr_in6 *)(const void *)sa)
			         ->sin6_addr,
			    16);
		} else {
			continue;
		}
		s->n_src++;
	}
}

/*
 * The one place the server asks the client half what to say: the core's
 * published snapshot (sync_snapshot), once per batch, or once per loop
 * turn for the workers.  With the local clock as its own reference the
 * snapshot carries no reference time; each batch then uses its own
 * receive time (as sync_snap_sys would per request).
 */
static void
make_snap(struct engine *e, struct eng_snap *s)
{
	const struct sync_snap *sn = sync_snapshot(&e->asc.sync);

	s->sys = sn->sys;
	s->sys_gen = sn->gen;
	s->ref_is_now = sn->local;
	s->clk = e->clk;
	source_addrs(e, s);
}

static int
snap_equal(const struct eng_snap *a, const struct eng_snap *b)
{
	return a->sys_gen == b->sys_gen && a->ref_is_now == b->ref_is_now &&
	    memcmp(&a->clk, &b->clk, sizeof(a->clk)) == 0 &&
	    a->n_src == b->n_src &&
	    memcmp(a->src_family, b->src_family, sizeof(a->src_family)) == 0 &&
	    memcmp(a->src_addr, b->src_addr, sizeof(a->src_addr)) == 0;
}

/* workers > 1: the main thread publishes a changed snapshot. */
static void
publish(struct engine *e)
{
	struct eng_snap s;

	memset(&s, 0, sizeof(s));
	make_snap(e, &s);
	if (atomic_load(&e->pub_gen) != 0 && snap_equal(&s, &e->pub))
		return;
	pthread_mutex_lock(&e->pub_lock);
	e->pub = s;
	atomic_fetch_add(&e->pub_gen, 1);
	pthread_mutex_unlock(&e->pub_lock);
}

/* Take a snapshot; rebuild the template only when the served state
 * changed (a new generation of the core's snapshot). */
static void
adopt(struct eng_worker *w, const struct eng_snap *s, int first)
{
	if (first || s->sys_gen != w->snap.sys_gen)
		srv_tmpl_build(&w->tmpl, &s->sys);
	w->snap = *s;
}

/* Before each batch: the current snapshot and template.  rx_real_ns is
 * the batch's first receive time. */
static void
refresh(struct eng_worker *w, int64_t rx_real_ns)
{
	struct engine *e = w->e;
	struct eng_snap s;
	uint64_t g;

	if (e->n_workers == 1) {
		memset(&s, 0, sizeof(s));
		make_snap(e, &s);
		adopt(w, &s, w->gen == 0);
		w->gen = 1;
	} else if ((g = atomic_load(&e->pub_gen)) != w->gen) {
		pthread_mutex_lock(&e->pub_lock);
		s = e->pub;
		pthread_mutex_unlock(&e->pub_lock);
		adopt(w, &s, w->gen == 0);
		w->gen = g;
	}
	if (atomic_load(&e->pol_gen) != w->pol_gen)
		(void)adopt_policy(w);
	if (w->snap.ref_is_now)
		srv_tmpl_set_ref(&w->tmpl,
		    clk_from_real(&w->snap.clk, rx_real_ns));
}

/* ---- the server path ---- */

static uint32_t
rand32(struct eng_worker *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return (uint32_t)(w->rng >> 32);
}

static int
peer_addr(const struct udp_peer *p, const uint8_t **addr)
{
	const struct sockaddr *sa = (const struct sockaddr *)&p->sa;

	if (sa->sa_family == AF_INET) {
		*addr = (const uint8_t *)&(
		    (const struct sockaddr_in *)(const void *)sa)
		            ->sin_addr;
		return 4;
	}
	if (sa->sa_family == AF_INET6) {
		*addr = (const uint8_t *)&(
		    (const struct sockaddr_in6 *)(const void *)sa)
		            ->sin6_addr;
		return 6;
	}
	return 0;
}

static int
is_source(const struct eng_snap *s, int fam, const uint8_t *addr)
{
	int i;

	for (i = 0; i < s->n_src; i++)
		if (s->src_family[i] == fam &&
		    memcmp(s->src_addr[i], addr, fam == 4 ? 4 : 16) == 0)
			return 1;
	return 0;
}

static enum eng_ctr
acl_ctr(enum acl_verdict v)
{
	switch (v) {
	case ACL_OK:
		break;
	case ACL_DROP_IGNORE:
		return ENG_DROP_IGNORE;
	case ACL_DROP_NOSERVE:
		return ENG_DROP_NOSERVE;
	case ACL_DROP_NOTRUST:
		return ENG_DROP_NOTRUST;
	case ACL_DROP_NOQUERY:
		return ENG_DROP_NOQUERY;
	}
	return ENG_N_CTR;
}

static enum eng_ctr
srv_ctr(enum srv_verdict v)
{
	switch (v) {
	case SRV_REPLY:
		break;
	case SRV_DROP_SHORT:
		return ENG_DROP_SHORT;
	case SRV_DROP_VERSION:
		return ENG_DROP_VERSION;
	case SRV_DROP_MODE:
		return ENG_DROP_MODE;
	case SRV_DROP_MALFORMED:
		return ENG_DROP_MALFORMED;
	}
	return ENG_N_CTR;
}

/* Rate limiting for a request srv would answer: ENG_N_CTR to send the
 * reply as built, ENG_KOD to turn it into a RATE, else a drop counter. */
static enum eng_ctr
limit(struct eng_worker *w, const struct udp_msg *m, unsigned flags, int fam,
    const uint8_t *addr, int64_t mono_ns)
{
	enum rl_verdict v;

	if (w->rl_slots == NULL ||
	    (!(flags & ACL_LIMITED) && !w->pol.ratelimit_enabled))
		return ENG_N_CTR;
	v = rl_check(&w->rl, fam, addr, mono_ns, rand32(w),
	    (flags & ACL_KOD) != 0);
	/* what the MRU list shows of the client's last request */
	w->rl.last->port = udp_port((const struct sockaddr *)&m->peer.sa);
	w->rl.last->mv = (uint8_t)(m->len > 0 ? m->buf[0] & 0x3f : 0);
	switch (v) {
	case RL_PASS:
		break;
	case RL_LEAK:
		ctr_add(w, ENG_LEAKED, 1);
		break;
	case RL_DROP:
		return ENG_DROP_RATE;
	case RL_KOD:
		return ENG_KOD;
	}
	return ENG_N_CTR;
}

/* ntpd's version counters (ntpq -c sysstats), of time requests: ntpq
 * itself sends version 2. */
static void
count_version(struct eng_worker *w, uint8_t ver, uint8_t mode)
{
	if (ver == 4)
		ctr_add(w, ENG_THISVER, 1);
	else if (ver >= 1 && ver <= 3)
		ctr_add(w, ENG_OLDVER, 1);
	if (ver != 1)
		return;
	ctr_add(w, ENG_VER1, 1);
	if (mode == PKT_MODE_CLIENT)
		ctr_add(w, ENG_VER1_CLIENT, 1);
	else if (mode == 0)
		ctr_add(w, ENG_VER1_ZERO, 1);
	else if (mode == 1)
		ctr_add(w, ENG_VER1_SYMM, 1);
}

/*
 * The slower branch for a client request with extension fields when we
 * serve NTS (nts/sreq): rate limiting (no unauthenticated RATE kiss: over
 * the limit is dropped), the header built and timestamped now, since the
 * authenticator covers it, then sealed and sent alone.  ENG_N_CTR when
 * the fields are not NTS ones: the ordinary path takes the request.
 */
static enum eng_ctr
nts(struct eng_worker *w, int fd, const struct udp_msg *m, int64_t rx,
    unsigned flags, int fam, const uint8_t *addr, int64_t mono_ns)
{
	uint8_t hdr[ENG_REPLY], out[ENG_BUF];
	struct ef_pkt e;
	size_t hl = 0, len = 0;
	enum eng_ctr c;

	if (ef_parse(m->buf, m->len, &e) == EF_NONE)
		return ENG_N_CTR;
	c = limit(w, m, flags, fam, addr, mono_ns);
	if (c == ENG_KOD)
		return ENG_DROP_RATE;
	if (c != ENG_N_CTR)
		return c;
	if (srv_reply(&w->tmpl, m->buf, PKT_HDR_LEN, rx, 0, hdr, sizeof(hdr),
	        &hl) != SRV_REPLY ||
	    hl != PKT_HDR_LEN)
		return ENG_DROP_NTS;
	srv_finish(hdr, clk_from_real(&w->snap.clk, clk_real_now()));
	switch (sreq_answer(w->e->nts, m->buf, m->len, hdr, out, sizeof(out),
	    &len)) {
	case SREQ_NONE:
		return ENG_N_CTR;
	case SREQ_DROP:
		return ENG_DROP_NTS;
	case SREQ_NAK:
		c = ENG_NTS_NAK;
		break;
	case SREQ_REPLY:
		c = ENG_NTS;
		break;
	}
	if (udp_send(fd, out, len, &m->peer) != 0)
		return ENG_SEND_ERROR;
	ctr_add(w, ENG_ANSWERED, 1);
	return c;
}

/* A time request longer than a header may carry a MAC: the slower
 * branch checks it (auth/mac) against the trusted keys.  MAC_NONE when
 * no key file was read: srv then answers a MAC with a crypto-NAK. */
static enum mac_verdict
check_mac(const struct eng_worker *w, const struct udp_msg *m, int mode,
    const struct keys_entry **key)
{
	const struct skey *sk = w->e->asc.skey;
	uint32_t kid;

	*key = NULL;
	if (sk == NULL || m->len <= PKT_HDR_LEN ||
	    (mode != PKT_MODE_CLIENT && mode != PKT_MODE_SYM_ACTIVE))
		return MAC_NONE;
	return mac_verify(&sk->mac, &sk->keys, 0, m->buf, m->len, key, &kid);
}

/* RFC 5905 section 9.2 / ntpd: the reply to an authentic request is
 * signed with the request's key, after its transmit timestamp is set.
 * srv built it with a crypto-NAK after the header, which the MAC
 * replaces.  cap is the request's length: a reply is never longer (same
 * key, same MAC length, no extension fields echoed).  Should libcrypto
 * fail, the crypto-NAK goes out instead.  Returns the reply's length. */
static size_t
sign_reply(struct eng_worker *w, const struct keys_entry *key, size_t cap,
    uint8_t *out, size_t len)
{
	size_t n = PKT_HDR_LEN;

	if (cap > ENG_REPLY)
		cap = ENG_REPLY;
	if (mac_sign(&w->e->asc.skey->mac, key, out, &n, cap) != 0) {
		ctr_add(w, ENG_SIGN_FAILED, 1);
		return len;
	}
	return n;
}

/* One datagram: restrict, the control hook, NTS (when served), the MAC
 * (when there may be one), srv, rate limiting.  Returns the reply length in *out (0: none)
 * and the counter to bump (ENG_N_CTR: none yet, the reply is counted
 * when sent). */
static enum eng_ctr
decide(struct eng_worker *w, int fd, const struct udp_msg *m, int64_t mono_ns,
    uint8_t *out, size_t *out_len, const struct keys_entry **sign_key)
{
	uint8_t ver = 0, mode = 0;
	const uint8_t *addr = NULL;
	const struct keys_entry *key = NULL;
	enum mac_verdict mv = MAC_NONE;
	enum srv_verdict sv;
	enum eng_ctr c;
	unsigned flags;
	int64_t rx;
	int fam, nts_may;

	*out_len = 0;
	*sign_key = NULL;
	fam = peer_addr(&m->peer, &addr);
	if (fam == 0)
		return ENG_DROP_SHORT;
	flags = acl_flags(&w->pol.acl, fam, addr,
	    w->pol.acl.has_source && is_source(&w->snap, fam, addr));
	(void)pkt_peek(m->buf, m->len, &ver, &mode);
	if (mode != PKT_MODE_CONTROL)
		count_version(w, ver, mode);
	/* The unsigned fast path costs one length comparison here. */
	if (m->len > PKT_HDR_LEN && !(flags & ACL_IGNORE))
		mv = check_mac(w, m, mode, &key);
	c = acl_ctr(acl_check(flags, mode, mv == MAC_OK));
	/* Under notrust an NTS request is authenticated too: nts() checks
	 * it (and answers or NAKs it); anything else stays dropped. */
	nts_may = m->len > PKT_HDR_LEN && w->e->nts != NULL &&
	    mode == PKT_MODE_CLIENT;
	if (c != ENG_N_CTR && !(c == ENG_DROP_NOTRUST && nts_may))
		return c;
	if (mode == PKT_MODE_CONTROL) {
		/* Restrict has already refused noquery (and ignore) above;
		 * control() answers the rest. */
		return ENG_CONTROL;
	}
	rx = clk_from_real(&w->snap.clk, m->rx_real_ns);
	/* One test on the fast path: a plain request is 48 bytes. */
	if (nts_may) {
		enum eng_ctr cn = nts(w, fd, m, rx, flags, fam, addr, mono_ns);

		if (cn != ENG_N_CTR)
			return cn;
		if (c == ENG_DROP_NOTRUST)
			return c; /* not NTS after all */
	}
	sv =
	    srv_reply(&w->tmpl, m->buf, m->len, rx, 0, out, ENG_REPLY, out_len);
	if (sv != SRV_REPLY)
		return srv_ctr(sv);
	c = limit(w, m, flags, fam, addr, mono_ns);
	if (c == ENG_KOD)
		(void)srv_reply(&w->tmpl, m->buf, m->len, rx, 1, out, ENG_REPLY,
		    out_len);
	else if (c != ENG_N_CTR) {
		*out_len = 0;
		return c;
	}
	if (mv == MAC_OK) {
		ctr_add(w, ENG_AUTHENTIC, 1);
		*sign_key = key; /* serve_batch signs, once xmt is set */
	} else if (mv != MAC_NONE)
		ctr_add(w, ENG_CRYPTO_NAK, 1); /* srv put the crypto-NAK */
	return c;
}

static int
is_loopback(const struct udp_peer *p)
{
	static const uint8_t v6_lo[16] = { [15] = 1 };
	static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff };
	const uint8_t *a = NULL;
	int fam = peer_addr(p, &a);

	if (fam == 4)
		return a[0] == 127;
	if (fam == 6)
		return memcmp(a, v6_lo, 16) == 0 ||
		    (memcmp(a, v4_mapped, 12) == 0 && a[12] == 127);
	return 0;
}

/* A restrict line names this address (not default): mode 6 may go to it
 * (core/acl, acl_named). */
static int
named(const struct eng_worker *w, const struct udp_peer *p)
{
	const uint8_t *a = NULL;
	int fam = peer_addr(p, &a);

	return fam != 0 && acl_named(&w->pol.acl, fam, a);
}

/* Send one mode 6 answer (fragments of text, or an error when text is
 * NULL) to req's sender on fd.  Any thread. */
static void
ctl_answer(int fd, const struct ctl_msg *req, const struct udp_peer *to,
    const char *text, size_t len, enum ctl_err err)
{
	uint8_t d[CTL_DGRAM_MAX];
	size_t k, n, dl;

	if (text == NULL) {
		if ((dl = ctl_error(req, 0, err, d, sizeof(d))) > 0)
			(void)udp_send(fd, d, dl, to);
		return;
	}
	n = ctl_frag_count(len);
	for (k = 0; k < n; k++)
		if ((dl = ctl_frag(req, 0, 0, (const uint8_t *)text, len, k, d,
		         sizeof(d))) > 0)
			(void)udp_send(fd, d, dl, to);
}

/*
 * `stratum reload` (daemon/ctlreload): from loopback only, with the
 * secret.  A refusal is answered here; an accepted request is handed to
 * the main thread, which reloads and answers (eng_run).  Returns
 * ENG_N_CTR when m is not a reload request.
 */
static enum eng_ctr
reload_request(struct eng_worker *w, int fd, const struct udp_msg *m)
{
	struct engine *e = w->e;
	struct ctl_msg cm;
	int busy = 0;

	if (ctl_parse(m->buf, m->len, &cm) != 0 || !ctlreload_is(&cm))
		return ENG_N_CTR;
	if (cm.more || cm.offset != 0)
		return ENG_DROP_CONTROL;
	if (!is_loopback(&m->peer) ||
	    !ctlreload_authorised(&e->reload_key, &cm)) {
		ctl_answer(fd, &cm, &m->peer, NULL, 0, CTL_ERR_PERMISSION);
		return ENG_CONTROL;
	}
	if (e->n_workers > 1)
		pthread_mutex_lock(&e->state_lock);
	if (e->reload_req.pending) {
		busy = 1;
	} else {
		e->reload_req = (struct eng_reload_req){ .pending = 1,
			.fd = fd,
			.peer = m->peer,
			.msg = cm };
		e->reload_req.msg.data = NULL;
		e->reload_req.msg.count = 0;
	}
	if (e->n_workers > 1)
		pthread_mutex_unlock(&e->state_lock);
	if (busy)
		ctl_answer(fd, &cm, &m->peer, "reload: busy\n", 13, 0);
	else if (e->n_workers > 1 && write(e->wake[1], "r", 1) < 0)
		(void)0; /* full: the main thread is being woken already */
	return ENG_CONTROL;
}

/*
 * A mode 6 request that restrict let through: answered from loopback
 * or an address a restrict line names, at most ENG_CTL_PER_S datagrams a second per thread.  With
 * workers the client half lives in the main thread: read it under
 * state_lock (with workers 1 this is the main thread, holding it).
 * Returns the counter to bump.
 */
/* restrict ... nomrulist covers this client: no MRU list for it. */
static int
nomrulist(const struct eng_worker *w, const struct udp_peer *p)
{
	const uint8_t *a = NULL;
	int fam = peer_addr(p, &a);

	return fam == 0 ||
	    (acl_flags(&w->pol.acl, fam, a, 0) & ACL_NOMRULIST) != 0;
}

static enum eng_ctr
control(struct eng_worker *w, int fd, const struct udp_msg *m)
{
	struct engine *e = w->e;
	enum eng_ctr c;
	int64_t mono;
	int k, n;

	if (!is_loopback(&m->peer) && !named(w, &m->peer))
		return ENG_DROP_CTL_REMOTE;
	mono = clk_mono_now();
	if (mono - w->ctl_window_mono_ns >= TS_NS_PER_S) {
		w->ctl_window_mono_ns = mono;
		w->ctl_sent = 0;
	}
	if (w->ctl_sent >= ENG_CTL_PER_S)
		return ENG_DROP_CONTROL;
	if ((c = reload_request(w, fd, m)) != ENG_N_CTR)
		return c;
	if (e->n_workers > 1)
		pthread_mutex_lock(&e->state_lock);
	n = ctlsrv_answer(e, &m->peer, !nomrulist(w, &m->peer), m->buf, m->len,
	    &w->ctl);
	if (e->n_workers > 1)
		pthread_mutex_unlock(&e->state_lock);
	if (n == 0)
		return ENG_DROP_CONTROL;
	for (k = 0; k < w->ctl.n; k++)
		if (udp_send(fd, w->ctl.d[k], w->ctl.len[k], &m->peer) != 0)
			ctr_add(w, ENG_SEND_ERROR, 1);
	w->ctl_sent += w->ctl.n;
	return ENG_CONTROL;
}

static void
serve_batch(struct eng_worker *w, const struct eng_sock *s, int fd, int n)
{
	int64_t mono, tx;
	uint64_t errors = 0;
	enum eng_ctr c;
	int i, k = 0, kods = 0, sent;
	size_t len;

	refresh(w, w->m[0].rx_real_ns);
	mono = w->pol.limiting ? clk_mono_now() : 0; /* policy of this batch */
	for (i = 0; i < n; i++) {
		ctr_add(w, ENG_RECEIVED, 1);
		if (s->ifname[0] == '\0') {
			ctr_add(w, ENG_DROP_IFACE, 1);
			continue;
		}
		if (w->m[i].truncated) {
			ctr_add(w, ENG_DROP_TRUNC, 1);
			continue;
		}
		c = decide(w, fd, &w->m[i], mono, w->tx[k], &len,
		    &w->sign_key[k]);
		w->sign_cap[k] = w->m[i].len;
		if (c == ENG_CONTROL)
			c = control(w, fd, &w->m[i]);
		if (c != ENG_N_CTR && c != ENG_KOD) {
			ctr_add(w, c, 1);
			continue;
		}
		kods += c == ENG_KOD;
		w->out[k] = (struct udp_out){ .buf = w->tx[k],
			.len = len,
			.to = &w->m[i].peer };
		k++;
	}
	if (k == 0)
		return;
	/* The transmit timestamp is read as late as possible: once, right
	 * before the batch leaves. */
	tx = clk_from_real(&w->snap.clk, clk_real_now());
	for (i = 0; i < k; i++) {
		srv_finish(w->tx[i], tx);
		if (w->sign_key[i] != NULL)
			w->out[i].len = sign_reply(w, w->sign_key[i],
			    w->sign_cap[i], w->tx[i], w->out[i].len);
	}
	sent = udp_send_batch(fd, &w->io, w->out, k, &errors);
	ctr_add(w, ENG_ANSWERED, (uint64_t)sent);
	ctr_add(w, ENG_SEND_ERROR, errors);
	ctr_add(w, ENG_KOD, (uint64_t)kods);
}

static void
drain(struct eng_worker *w, size_t si)
{
	int fd = w->fds[si], round, i, n;

	for (i = 0; i < UDP_BATCH; i++)
		w->m[i] = (struct udp_msg){ .buf = w->rx[i],
			.cap = sizeof(w->rx[i]) };
	for (round = 0; round < ENG_ROUNDS; round++) {
		n = udp_recv_batch(fd, &w->io, w->m, UDP_BATCH);
		if (n > 0)
			serve_batch(w, &w->e->socks[si], fd, n);
		if (w->io.fallback_err != 0 && !w->fallback_told) {
			/* once per worker, never per packet */
			w->fallback_told = 1;
			log_msg(w->e->log, LOG_NOTICE,
			    "worker %d: batched socket calls unavailable (%s); "
			    "one recvmsg/sendto per datagram",
			    w->id, strerror(w->io.fallback_err));
		}
		if (n < UDP_BATCH)
			return; /* drained; errors: retried on wake-up */
	}
}

static void
drain_wake(int fd)
{
	char b[64];

	while (read(fd, b, sizeof(b)) > 0)
		;
}

static void *
worker_main(void *arg)
{
	struct eng_worker *w = arg;
	struct engine *e = w->e;
	struct pollfd pfd[ENG_MAX_SOCKS + 1];
	size_t i;
	int r;

	while (!atomic_load(&e->stop_workers)) {
		for (i = 0; i < e->n_socks; i++)
			pfd[i] = (struct pollfd){ .fd = w->fds[i],
				.events = POLLIN };
		/* The stop pipe is only ever readable when all must stop. */
		pfd[e->n_socks] =
		    (struct pollfd){ .fd = e->stop_pipe[0], .events = POLLIN };
		r = poll(pfd, (nfds_t)e->n_socks + 1, ENG_WORKER_POLL_MS);
		for (i = 0; r > 0 && i < e->n_socks; i++)
			if (pfd[i].revents & (POLLIN | POLLERR))
				drain(w, i);
	}
	return NULL;
}

/* Worker threads get no signals: they go to the main thread's poll. */
static int
start_workers(struct engine *e)
{
	pthread_t threads[SPREADER_MAX_WORKERS];
	int k, rc = 0;

	atomic_store(&e->stop_workers, 0);
	publish(e);
	for (k = 0; k < e->n_workers && rc == 0; k++)
		if ((rc = proc_thread_start(&e->workers[k].thread, NULL,
		         worker_main, &e->workers[k])) == 0) {
			if (k < SPREADER_MAX_WORKERS)
				threads[k] = e->workers[k].thread;
			e->threads_started++;
		}
	if (rc != 0) {
		log_msg(e->log, LOG_ERR, "cannot start worker thread: %s",
		    strerror(rc));
		return -1;
	}
	spreader_threads(&e->spreader, threads, e->n_workers);
	return 0;
}

static void
stop_workers(struct engine *e)
{
	int k;

	atomic_store(&e->stop_workers, 1);
	if (e->threads_started > 0 && e->stop_pipe[1] >= 0 &&
	    write(e->stop_pipe[1], "s", 1) < 0)
		(void)0; /* the workers notice within ENG_WORKER_POLL_MS */
	for (k = 0; k < e->threads_started; k++)
		pthread_join(e->workers[k].thread, NULL);
	e->threads_started = 0;
	if (e->stop_pipe[0] >= 0)
		drain_wake(e->stop_pipe[0]);
}

/* ---- interfaces that come and go ---- */

/* Socket i is still wanted: its address is listed, with the action it
 * was opened for (listen or drop). */
static int
still_wanted(const struct engine *e, size_t i, const struct ifs_addr *a, int n)
{
	const struct eng_sock *s = &e->socks[i];
	enum conf_if_action act;
	int k;

	for (k = 0; k < n; k++) {
		if (!udp_same(&s->addr, &a[k].addr, 0))
			continue;
		act = eng_if_action(e, &a[k]);
		return act != CONF_IF_IGNORE &&
		    (act == CONF_IF_DROP) == (s->ifname[0] == '\0');
	}
	return 0;
}

static int
is_open(const struct engine *e, const struct ifs_addr *a)
{
	size_t i;

	for (i = 0; i < e->n_socks; i++)
		if (udp_same(&e->socks[i].addr, &a->addr, 0))
			return 1;
	return 0;
}

/* ntpd's line: "Deleting interface #5 eth0, 192.0.2.7#123". */
static void
close_one(struct engine *e, size_t i)
{
	struct eng_sock *s = &e->socks[i];
	char a[64];
	size_t j;
	int k;

	udp_addr_str((const struct sockaddr *)&s->addr.sa, a, sizeof(a));
	log_msg(e->log, LOG_INFO, "Deleting interface #%d %s, %s#%u", s->index,
	    s->ifname[0] ? s->ifname : "(drop)", a, (unsigned)e->port);
	for (k = 0; k < e->n_workers; k++) {
		close(e->workers[k].fds[i]);
		for (j = i; j + 1 < e->n_socks; j++)
			e->workers[k].fds[j] = e->workers[k].fds[j + 1];
	}
	for (j = i; j + 1 < e->n_socks; j++)
		e->socks[j] = e->socks[j + 1];
	e->n_socks--;
}

/* What a rescan would change: 0 when nothing. */
static int
rescan_needed(const struct engine *e, const struct ifs_addr *a, int n)
{
	enum conf_if_action act;
	size_t i;
	int k;

	for (i = 0; i < e->n_socks; i++)
		if (!still_wanted(e, i, a, n))
			return 1;
	for (k = 0; k < n; k++) {
		act = eng_if_action(e, &a[k]);
		if (act != CONF_IF_IGNORE && !is_open(e, &a[k]))
			return 1;
	}
	return 0;
}

static void
rescan_apply(struct engine *e, const struct ifs_addr *a, int n)
{
	enum conf_if_action act;
	size_t i;
	int k;

	for (i = e->n_socks; i-- > 0;)
		if (!still_wanted(e, i, a, n))
			close_one(e, i);
	for (k = 0; k < n && e->n_socks < ENG_MAX_SOCKS; k++) {
		act = eng_if_action(e, &a[k]);
		if (act != CONF_IF_IGNORE && !is_open(e, &a[k]))
			open_one(e, &a[k], act);
	}
	tell_own(e);
}

/*
 * List the addresses again and follow them: a socket (one per worker)
 * for each new address the interface rules allow, and none for an
 * address that went away or that the rules (after a reload) no longer
 * allow.  Main thread, holding state_lock.  With workers the threads
 * are stopped while their socket tables change (they are woken at once
 * through the stop pipe; datagrams meanwhile wait in the sockets'
 * queues) and started again; state_lock is let go meanwhile, because a
 * worker answering mode 6 may be waiting for it.
 */
static void
rescan(struct engine *e)
{
	static struct ifs_addr a[ENG_MAX_ADDRS]; /* main thread only */
	int n, threads = e->threads_started > 0;

	e->rescan_mono_ns = e->rescan_every_s > 0
	    ? clk_mono_now() + e->rescan_every_s * TS_NS_PER_S
	    : INT64_MAX;
	if (e->wildcard_only)
		return;
	n = ifs_list(a, ENG_MAX_ADDRS);
	if (n < 0) {
		log_msg(e->log, LOG_WARNING, "cannot list interfaces: %s",
		    strerror(errno));
		return;
	}
	if (!rescan_needed(e, a, n))
		return;
	if (threads) {
		pthread_mutex_unlock(&e->state_lock);
		stop_workers(e);
		pthread_mutex_lock(&e->state_lock);
	}
	rescan_apply(e, a, n);
	if (threads && start_workers(e) != 0)
		log_msg(e->log, LOG_ERR,
		    "serving threads could not be started again");
}

/* Netlink tells of changes; a periodic rescan catches what it may miss
 * (no netlink, lost events).  Settling: addresses often come in several
 * messages (IPv4, then IPv6 after duplicate address detection), so a
 * rescan runs a moment after the first. */
#define ENG_RESCAN_SETTLE_NS (TS_NS_PER_S / 10)

static void
on_ifwatch(struct engine *e)
{
	int64_t soon = clk_mono_now() + ENG_RESCAN_SETTLE_NS;

	if (ifs_watch_read(e->ifwatch) && soon < e->rescan_mono_ns)
		e->rescan_mono_ns = soon;
}

/* workers > 1: steer to one thread or all, once a second. */
static int64_t
spread_tick(struct engine *e)
{
	int fds0[ENG_MAX_SOCKS];
	size_t i;

	for (i = 0; i < e->n_socks; i++)
		fds0[i] = e->workers[0].fds[i];
	return spreader_tick(&e->spreader, clk_mono_now(), fds0, e->n_socks);
}

/* When the main loop must next do something besides serving
 * (CLOCK_MONOTONIC ns): a source's timer, the clock, the spreader or
 * the interface rescan. */
static int64_t
next_deadline(const struct engine *e, int64_t spread_next)
{
	int64_t next = asc_next_timer(&e->asc), c = clk_next_event(&e->clk);

	if (c < next)
		next = c;
	if (spread_next < next)
		next = spread_next;
	if (e->rescan_mono_ns < next)
		next = e->rescan_mono_ns;
	return next;
}

/* poll's time-out until deadline, in ms rounded up, at most 60 s. */
static int
ms_until(int64_t deadline)
{
	int64_t left = deadline - clk_mono_now();

	if (left <= 0)
		return 0;
	if (left > 60 * TS_NS_PER_S)
		return 60000;
	return (int)(left / 1000000 + 1);
}

/* Only server sockets (the first ns) are ready. */
static int
servers_only(const struct pollfd *pfd, size_t n, size_t ns)
{
	size_t i;

	for (i = ns; i < n; i++)
		if (pfd[i].revents != 0)
			return 0;
	return 1;
}

/* Changed interface rules: applied by a rescan right after the reload
 * (with the new rules), unless rescans are off (-U 0). */
static void
restart_ifrules(struct engine *e, struct reload_report *r)
{
	if (e->rescan_every_s <= 0 || e->wildcard_only) {
		reload_restart(r, "interface rules");
		return;
	}
	reload_changed(r, "interface rules changed");
	e->rescan_mono_ns = clk_mono_now();
}

#define ENG_MAX_FDS (ENG_MAX_SOCKS + SYNC_MAX_SRC + CONF_MAX_SOURCES + 2)
#define ENG_TAG_WAKE INT32_MAX /* asc_pollfds' tags are slots and -names */
#define ENG_TAG_IFS (INT32_MAX - 1)

/* SIGHUP or `stratum reload`: main's reload function, then the answer
 * to a waiting `stratum reload`. */
static void
run_reload(struct engine *e)
{
	static struct reload_report r; /* main thread only; large */
	static char text[RELOAD_TEXT_MAX + 32];
	struct eng_reload_req *q = &e->reload_req;
	int rc = -1, n;

	reload_report_init(&r);
	if (e->reload != NULL)
		rc = e->reload(e->reload_ctx, &r);
	else
		reload_line(&r, "reload: not possible in this mode");
	if (q->pending) {
		/* The first line says what happened, the rest why. */
		n = snprintf(text, sizeof(text), "reload: %s\n%s",
		    rc == 0 ? "applied" : "rejected", r.text);
		if (n > (int)sizeof(text) - 1)
			n = (int)sizeof(text) - 1;
		ctl_answer(q->fd, &q->msg, &q->peer, text, (size_t)n, 0);
	}
	q->pending = 0;
}

void
eng_reconfigure(struct engine *e, const struct conf *nc,
    struct reload_report *r)
{
	static struct policy p; /* main thread only; large */
	int acl, lim;

	policy_from_conf(&p, nc);
	acl = !policy_same_acl(&e->pol, &p);
	lim = !policy_same_limits(&e->pol, &p);
	if (acl || lim) {
		/* Workers copy it before their next batch: no datagram is
		 * judged by half of each. */
		pthread_mutex_lock(&e->pub_lock);
		e->pol = p;
		atomic_fetch_add(&e->pol_gen, 1);
		pthread_mutex_unlock(&e->pub_lock);
	}
	if (acl)
		reload_changed(r, "restrict rules changed");
	if (lim)
		reload_changed(r, "rate limits changed");
	reload_restart_settings(e->conf, nc, r);
	reload_sources(&e->asc, nc, r);
	reload_core_settings(e->conf, nc, r);
	if (asc_reconfigure(&e->asc, nc))
		reload_changed(r, "statistics files reopened");
	if (!reload_same_ifrules(e->conf, nc))
		restart_ifrules(e, r);
	e->conf = nc;
}

int
eng_run(struct engine *e, volatile sig_atomic_t *stop,
    volatile sig_atomic_t *hup)
{
	struct pollfd pfd[ENG_MAX_FDS];
	int tag[ENG_MAX_FDS];
	size_t i, n, ns;
	int64_t spread_next = INT64_MAX, deadline;
	int r;

	if (e->n_workers > 1 && start_workers(e) != 0) {
		stop_workers(e);
		return 1;
	}
	pthread_mutex_lock(&e->state_lock);
	e->started = 1;
	while (!*stop && !e->asc.want_exit) {
		/* With workers the main thread serves nothing itself. */
		ns = e->n_workers == 1 ? e->n_socks : 0;
		for (i = 0; i < ns; i++)
			pfd[i] = (struct pollfd){ .fd = e->socks[i].fd,
				.events = POLLIN };
		n = ns +
		    asc_pollfds(&e->asc, pfd + ns, tag + ns,
		        ENG_MAX_FDS - ns - 2);
		if (e->wake[0] >= 0) {
			pfd[n] = (struct pollfd){ .fd = e->wake[0],
				.events = POLLIN };
			tag[n++] = ENG_TAG_WAKE;
		}
		if (e->ifwatch >= 0) {
			pfd[n] = (struct pollfd){ .fd = e->ifwatch,
				.events = POLLIN };
			tag[n++] = ENG_TAG_IFS;
		}
		deadline = next_deadline(e, spread_next);
		/* While only requests arrive and nothing else is due, serve
		 * them without redoing the loop's bookkeeping per wake-up. */
		for (;;) {
			pthread_mutex_unlock(&e->state_lock);
			r = poll(pfd, (nfds_t)n, ms_until(deadline));
			pthread_mutex_lock(&e->state_lock);
			if (r <= 0 || !servers_only(pfd, n, ns))
				break;
			for (i = 0; i < ns; i++)
				if (pfd[i].revents &
				    (POLLIN | POLLERR | POLLHUP))
					drain(&e->workers[0], i);
			r = 0; /* served: nothing else was ready */
			if (*stop || *hup || e->reload_req.pending ||
			    clk_mono_now() >= deadline)
				break;
		}
		if (r < 0 && errno != EINTR) {
			log_msg(e->log, LOG_ERR, "poll: %s", strerror(errno));
			pthread_mutex_unlock(&e->state_lock);
			stop_workers(e);
			return 1;
		}
		for (i = 0; r > 0 && i < n; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLERR | POLLHUP)))
				continue;
			if (i < ns)
				drain(&e->workers[0], i);
			else if (tag[i] == ENG_TAG_WAKE)
				drain_wake(e->wake[0]);
			else if (tag[i] == ENG_TAG_IFS)
				on_ifwatch(e);
			else
				asc_on_ready(&e->asc, tag[i]);
		}
		if (*hup || e->reload_req.pending) {
			*hup = 0;
			run_reload(e);
		}
		if (e->rescan_mono_ns <= clk_mono_now())
			rescan(e);
		clk_tick(&e->clk, clk_mono_now());
		if (asc_next_timer(&e->asc) <= clk_mono_now())
			asc_on_timer(&e->asc);
		if (e->n_workers > 1) {
			publish(e);
			spread_next = spread_tick(e);
		}
	}
	pthread_mutex_unlock(&e->state_lock);
	stop_workers(e);
	return e->asc.exit_code;
}

/* Relaxed loads of another thread's rate-limit entry (its worker keeps
 * writing it: a field may be a request newer than another). */
static void
mru_load(const struct rl_entry *s, struct rl_entry *d)
{
	d->k0 = __atomic_load_n(&s->k0, __ATOMIC_RELAXED);
	d->k1 = __atomic_load_n(&s->k1, __ATOMIC_RELAXED);
	d->last_ns = __atomic_load_n(&s->last_ns, __ATOMIC_RELAXED);
	d->first_ns = __atomic_load_n(&s->first_ns, __ATOMIC_RELAXED);
	d->count = __atomic_load_n(&s->count, __ATOMIC_RELAXED);
	d->dropped = __atomic_load_n(&s->dropped, __ATOMIC_RELAXED);
	d->port = __atomic_load_n(&s->port, __ATOMIC_RELAXED);
	d->mv = __atomic_load_n(&s->mv, __ATOMIC_RELAXED);
}

static int
by_key(const void *a, const void *b)
{
	const struct eng_mru *x = a, *y = b;
	int c = x->family - y->family;

	return c != 0 ? c : memcmp(x->addr, y->addr, 16);
}

static int
by_last(const void *a, const void *b)
{
	const struct eng_mru *x = a, *y = b;

	return (x->last_mono_ns > y->last_mono_ns) -
	    (x->last_mono_ns < y->last_mono_ns);
}

/* One entry per address: a client whose requests went to several
 * workers is in several tables. */
static size_t
mru_merge(struct eng_mru *v, size_t n)
{
	size_t i, k = 0;

	qsort(v, n, sizeof(*v), by_key);
	for (i = 0; i < n; i++) {
		if (k > 0 && by_key(&v[k - 1], &v[i]) == 0) {
			struct eng_mru *d = &v[k - 1];

			d->count += v[i].count;
			d->dropped += v[i].dropped;
			if (v[i].first_mono_ns < d->first_mono_ns)
				d->first_mono_ns = v[i].first_mono_ns;
			if (v[i].last_mono_ns > d->last_mono_ns) {
				d->last_mono_ns = v[i].last_mono_ns;
				d->port = v[i].port;
				d->mv = v[i].mv;
			}
			continue;
		}
		v[k++] = v[i];
	}
	qsort(v, k, sizeof(*v), by_last);
	return k;
}

int
eng_mru_snapshot(struct engine *e, struct eng_mru **out)
{
	struct rl_entry *slots, x;
	struct eng_mru *v;
	size_t n = 0, i;
	int k;

	*out = NULL;
	if (e->workers == NULL)
		return 0;
	v = calloc((size_t)e->n_workers * ENG_RL_SLOTS, sizeof(*v));
	if (v == NULL)
		return -1;
	/* the restrict rules as published (a reload may change them) */
	pthread_mutex_lock(&e->pub_lock);
	for (k = 0; k < e->n_workers; k++) {
		slots =
		    __atomic_load_n(&e->workers[k].rl_slots, __ATOMIC_ACQUIRE);
		for (i = 0; slots != NULL && i < ENG_RL_SLOTS; i++) {
			mru_load(&slots[i], &x);
			if (x.k0 == 0 && x.k1 == 0)
				continue;
			rl_entry_addr(&x, &v[n].family, v[n].addr);
			v[n].flags =
			    acl_flags(&e->pol.acl, v[n].family, v[n].addr, 0);
			v[n].port = x.port;
			v[n].mv = x.mv;
			v[n].first_mono_ns = x.first_ns;
			v[n].last_mono_ns = x.last_ns;
			v[n].count = x.count;
			v[n].dropped = x.dropped;
			n++;
		}
	}
	pthread_mutex_unlock(&e->pub_lock);
	*out = v;
	return (int)mru_merge(v, n);
}

void
eng_counters_sum(const struct engine *e, struct eng_counters *out)
{
	int k, i;

	memset(out, 0, sizeof(*out));
	for (k = 0; e->workers != NULL && k < e->n_workers; k++)
		for (i = 0; i < ENG_N_CTR; i++)
			out->n[i] += __atomic_load_n(&e->workers[k].cnt.n[i],
			    __ATOMIC_RELAXED);
}

static void
log_counters(struct engine *e)
{
	struct eng_counters t;
	const uint64_t *n = t.n;
	unsigned long long dropped;
	int i;

	eng_counters_sum(e, &t);
	dropped = 0;
	for (i = ENG_DROP_SHORT; i < ENG_N_CTR; i++)
		dropped += n[i];
	log_msg(e->log, LOG_INFO,
	    "packets: %llu received, %llu answered, %llu dropped "
	    "(%llu short, %llu bad version, %llu bad mode, %llu malformed, "
	    "%llu too long, %llu on drop interfaces, %llu restrict ignore, "
	    "%llu noserve, %llu notrust, %llu noquery, "
	    "%llu mode 6 not from loopback, %llu mode 6 other, "
	    "%llu rate-limited), %llu kiss-o'-death RATE, "
	    "%llu leaked, %llu mode 6 answered, %llu send errors, "
	    "%llu authenticated, %llu crypto-NAK, "
	    "%llu not signed (libcrypto failed), %llu NTS answered, "
	    "%llu NTS NAKs, %llu NTS malformed (dropped)",
	    (unsigned long long)n[ENG_RECEIVED],
	    (unsigned long long)n[ENG_ANSWERED], dropped,
	    (unsigned long long)n[ENG_DROP_SHORT],
	    (unsigned long long)n[ENG_DROP_VERSION],
	    (unsigned long long)n[ENG_DROP_MODE],
	    (unsigned long long)n[ENG_DROP_MALFORMED],
	    (unsigned long long)n[ENG_DROP_TRUNC],
	    (unsigned long long)n[ENG_DROP_IFACE],
	    (unsigned long long)n[ENG_DROP_IGNORE],
	    (unsigned long long)n[ENG_DROP_NOSERVE],
	    (unsigned long long)n[ENG_DROP_NOTRUST],
	    (unsigned long long)n[ENG_DROP_NOQUERY],
	    (unsigned long long)n[ENG_DROP_CTL_REMOTE],
	    (unsigned long long)n[ENG_DROP_CONTROL],
	    (unsigned long long)n[ENG_DROP_RATE],
	    (unsigned long long)n[ENG_KOD], (unsigned long long)n[ENG_LEAKED],
	    (unsigned long long)n[ENG_CONTROL],
	    (unsigned long long)n[ENG_SEND_ERROR],
	    (unsigned long long)n[ENG_AUTHENTIC],
	    (unsigned long long)n[ENG_CRYPTO_NAK],
	    (unsigned long long)n[ENG_SIGN_FAILED],
	    (unsigned long long)n[ENG_NTS], (unsigned long long)n[ENG_NTS_NAK],
	    (unsigned long long)n[ENG_DROP_NTS]);
}

void
eng_close(struct engine *e)
{
	size_t i;
	int k;

	stop_workers(e);
	asc_close(&e->asc);
	if (clk_release(&e->clk) != 0)
		log_msg(e->log, LOG_ERR, "cannot restore the clock rate: %s",
		    strerror(errno));
	for (k = 0; e->workers != NULL && k < e->n_workers; k++)
		for (i = 0; i < e->n_socks; i++)
			close(e->workers[k].fds[i]);
	e->n_socks = 0;
	log_counters(e);
	for (k = 0; e->workers != NULL && k < e->n_workers; k++)
		free(e->workers[k].rl_slots);
	free(e->workers);
	e->workers = NULL;
	pthread_mutex_destroy(&e->pub_lock);
	pthread_mutex_destroy(&e->state_lock);
	if (e->wake[0] >= 0) {
		close(e->wake[0]);
		close(e->wake[1]);
	}
	if (e->stop_pipe[0] >= 0) {
		close(e->stop_pipe[0]);
		close(e->stop_pipe[1]);
	}
	if (e->ifwatch >= 0)
		close(e->ifwatch);
	e->ifwatch = -1;
}

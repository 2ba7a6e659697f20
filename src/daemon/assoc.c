// SPDX-License-Identifier: ISC
/* assoc: sources, resolution, request sockets and core actions. */
#include "daemon/assoc.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/md5.h"
#include "core/pkt.h"
#include "core/ts.h"
#include "daemon/ctlsrv.h"
#include "os/drift.h"
#include "os/rnd.h"

#define RETRY_FIRST_S 2       /* first resolution retry */
#define RETRY_MAX_S 1024      /* back-off ceiling */
#define POOL_RERESOLVE_S 3600 /* pools re-resolved hourly when short */
#define DRIFT_EVERY_S 3600

/* A fresh random value from the kernel, 0; or -1 when getrandom fails:
 * then no request is sent (a guessable transmit value would let a blind
 * attacker forge replies, RFC 9109), it is said once, and tried again a
 * second later. */
static int
rand64(struct assoc *a, uint64_t *v)
{
	if (rnd_u64(v) == 0) {
		if (a->rnd_failed)
			log_msg(a->log, LOG_NOTICE,
			    "randomness is back; sending requests again");
		a->rnd_failed = 0;
		return 0;
	}
	if (!a->rnd_failed)
		log_msg(a->log, LOG_ERR,
		    "no randomness from the kernel (%s); not sending requests",
		    strerror(errno));
	a->rnd_failed = 1;
	a->rnd_retry_mono_ns = clk_mono_now() + TS_NS_PER_S;
	return -1;
}

static const char *
src_name(const struct assoc *a, int i)
{
	return i >= 0 ? a->src[i].addr_str : "system";
}

/* RFC 5905 section 7.3: IPv4 refid is the address, IPv6 the first four
 * octets of the MD5 digest of the address. */
static uint32_t
refid_of(const struct udp_peer *p)
{
	const struct sockaddr_in *s4 = (const void *)&p->sa;
	const struct sockaddr_in6 *s6 = (const void *)&p->sa;

	if (p->sa.ss_family == AF_INET)
		return ntohl(s4->sin_addr.s_addr);
	return md5_refid6(s6->sin6_addr.s6_addr);
}

void
asc_set_own(struct assoc *a, const struct udp_peer *addrs, size_t n)
{
	uint32_t r[SYNC_MAX_OWN];
	int k = 0;
	size_t i;

	for (i = 0; i < n && k < SYNC_MAX_OWN; i++) {
		const struct sockaddr_in *s4 = (const void *)&addrs[i].sa;
		const struct sockaddr_in6 *s6 = (const void *)&addrs[i].sa;

		/* Loopback is left out: on one host, daemons on different
		 * ports share 127.0.0.1, and a refid cannot tell them apart.
		 * Loops between hosts run over their real addresses. */
		if (addrs[i].sa.ss_family == AF_INET &&
		    (ntohl(s4->sin_addr.s_addr) >> 24) == 127)
			continue;
		if (addrs[i].sa.ss_family == AF_INET6 &&
		    IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
			continue;
		r[k++] = refid_of(&addrs[i]);
	}
	sync_set_own_refids(&a->sync, r, k);
}

static void
sync_config(const struct conf *c, const struct asc_opts *o,
    const struct clk *clk, double drift_ppm, struct sync_cfg *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->sel.minclock = c->tos_minclock;
	sc->sel.maxclock = c->tos_maxclock;
	sc->sel.minsane = c->tos_minsane;
	sc->disc.step_ns = ts_from_s(c->tinker_step_s);
	sc->disc.panic_ns = ts_from_s(c->tinker_panic_s);
	sc->disc.stepout_ns = ts_from_s(c->tinker_stepout_s);
	sc->disc.panic_once_ok = o->allow_big_first;
	/* maxslewrate (chrony's default 83333 ppm); with tinker step 0 and
	 * no maxslewrate, slew-only at adjtime's 500 ppm as ntpd would. */
	sc->disc.max_slew_ppb = c->maxslewrate_ppm >= 0
	    ? (int64_t)(c->maxslewrate_ppm * 1000.0)
	    : c->tinker_step_s == 0 ? DISC_SLEW_RATE_PPB
	                            : DISC_MAX_SLEW_PPB;
	if (clk_max_slew_ppb(clk) > 0 &&
	    sc->disc.max_slew_ppb > clk_max_slew_ppb(clk))
		sc->disc.max_slew_ppb = clk_max_slew_ppb(clk);
	sc->disc.makestep_ns = ts_from_s(c->makestep_s);
	sc->disc.makestep_limit = c->makestep_limit;
	sc->mindist_ns = ts_from_s(c->tos_mindist_s);
	sc->panic_exit = c->panic_exit;
	sc->disc.minpoll = CONF_POLL_MAX;
	sc->disc.maxpoll = CONF_POLL_MIN;
	for (size_t i = 0; i < c->n_sources; i++) {
		if (c->sources[i].minpoll_log2 < sc->disc.minpoll)
			sc->disc.minpoll = c->sources[i].minpoll_log2;
		if (c->sources[i].maxpoll_log2 > sc->disc.maxpoll)
			sc->disc.maxpoll = c->sources[i].maxpoll_log2;
	}
	if (c->n_sources == 0) {
		sc->disc.minpoll = CONF_DEFAULT_MINPOLL;
		sc->disc.maxpoll = CONF_DEFAULT_MAXPOLL;
	}
	sc->local_stratum = c->local_stratum;
	sc->precision = (int8_t)clk->precision_log2;
	sc->initial_freq_ppb = (int64_t)(drift_ppm * 1000.0);
	sc->quit_after_set = o->quit_after_set;
	sc->no_clock = c->clock == CONF_CLOCK_NONE;
}

static double
read_drift(const struct assoc *a)
{
	double ppm = 0;
	int r;

	if (a->conf->driftfile[0] == '\0')
		return 0;
	r = drift_read(a->conf->driftfile, &ppm);
	if (r == 0)
		log_msg(a->log, LOG_INFO,
		    "frequency initialized %.3f PPM from "
		    "%s",
		    ppm, a->conf->driftfile);
	else if (r == -2)
		log_msg(a->log, LOG_WARNING, "%s: not a frequency; ignored",
		    a->conf->driftfile);
	return r == 0 ? ppm : 0;
}

/* The drift file's frequency; without one, the kernel's current one
 * (system backend), which a previous daemon may have learned. */
static double
initial_ppm(struct assoc *a)
{
	int64_t kernel_ppb = 0;

	if (clk_take_over(a->clk, &kernel_ppb) != 0)
		log_msg(a->log, LOG_WARNING,
		    "cannot take over the kernel clock "
		    "discipline: %s",
		    strerror(errno));
	if (a->conf->driftfile[0] == '\0' ||
	    access(a->conf->driftfile, F_OK) != 0)
		return (double)kernel_ppb / 1000.0;
	return read_drift(a);
}

/* One statistics set: its filegen line when there is one (file name,
 * type, enable/disable, which the parser already merged with the
 * "statistics" line), else the name, daily files, and the statistics
 * bit.  Files are written only when statsdir is set. */
static void
open_one_stats(const struct conf *c, struct stats_file *f, const char *name,
    unsigned bit)
{
	const char *file = name, *type = "day";
	int on = (c->statistics & bit) != 0;
	size_t i;

	for (i = 0; i < c->n_filegens; i++) {
		if (strcmp(c->filegens[i].name, name) != 0)
			continue;
		if (c->filegens[i].file[0] != '\0')
			file = c->filegens[i].file;
		type = c->filegens[i].type;
		on = c->filegens[i].enabled;
	}
	stats_open(f, c->statsdir, file, type, c->statsdir[0] && on);
}

static void
open_stats(struct assoc *a)
{
	open_one_stats(a->conf, &a->loopstats, "loopstats",
	    CONF_STAT_LOOPSTATS);
	open_one_stats(a->conf, &a->peerstats, "peerstats",
	    CONF_STAT_PEERSTATS);
	/* We have no reference clocks, so nothing is ever written to
	 * clockstats; the set is created, as ntpd would, and stays empty. */
	open_one_stats(a->conf, &a->clockstats, "clockstats",
	    CONF_STAT_CLOCKSTATS);
	if (stats_touch(&a->clockstats, clk_now(a->clk)) != 0)
		log_msg(a->log, LOG_WARNING, "cannot create clockstats: %s",
		    strerror(errno));
}

void
asc_init(struct assoc *a, const struct conf *c, const struct logger *lg,
    struct clk *clk, const struct asc_opts *o)
{
	struct sync_cfg sc;
	uint64_t seed = 0;
	size_t i;
	int64_t now = clk_mono_now();

	memset(a, 0, sizeof(*a));
	a->conf = c;
	a->skey = o->skey != NULL && o->skey->enabled ? o->skey : NULL;
	a->nts = o->nts;
	a->log = lg;
	a->clk = clk;
	for (i = 0; i < SYNC_MAX_SRC; i++)
		a->src[i].fd = -1;
	sync_config(c, o, clk, initial_ppm(a), &sc);
	/* The seed only spreads the first polls; without randomness nothing
	 * is sent anyway. */
	(void)rand64(a, &seed);
	sync_init(&a->sync, &sc, seed, clk_now(clk));
	if (sc.initial_freq_ppb != 0)
		clk_apply(clk, 0, 0, sc.initial_freq_ppb, 0, 0);
	ctl_event_note(&a->sys_ev, CTL_SEV_RESTART);
	ctl_event_note(&a->sys_ev,
	    sc.initial_freq_ppb != 0 ? CTL_SEV_FREQ_SET : CTL_SEV_FREQ_NOT_SET);
	open_stats(a);
	a->opts = *o;
	for (i = 0; i < c->n_sources; i++)
		asc_name_init(&a->names[i], &c->sources[i], now);
	a->n_names = c->n_sources;
	a->next_drift_mono_ns = now + DRIFT_EVERY_S * TS_NS_PER_S;
}

static int
have_addr(const struct assoc *a, const struct udp_peer *p)
{
	int i;

	for (i = 0; i < SYNC_MAX_SRC; i++)
		if (sync_src_in_use(&a->sync, i) &&
		    udp_same(&a->src[i].addr, p, 1))
			return 1;
	return 0;
}

static int
n_sources(const struct assoc *a)
{
	int i, n = 0;

	for (i = 0; i < SYNC_MAX_SRC; i++)
		n += sync_src_in_use(&a->sync, i);
	return n;
}

/* The core's key for an address (FNV-1a over family, address, port):
 * it remembers dropped pool members by it. */
static uint64_t
addr_key(const struct udp_peer *p)
{
	const struct sockaddr_in *s4 = (const void *)&p->sa;
	const struct sockaddr_in6 *s6 = (const void *)&p->sa;
	const uint8_t *b;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t n, i;

	if (p->sa.ss_family == AF_INET) {
		b = (const uint8_t *)&s4->sin_addr;
		n = 4;
		h = (h ^ ntohs(s4->sin_port)) * 0x100000001b3ULL;
	} else {
		b = s6->sin6_addr.s6_addr;
		n = 16;
		h = (h ^ ntohs(s6->sin6_port)) * 0x100000001b3ULL;
	}
	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h != 0 ? h : 1;
}

/* The core's sign hook (core/peer.h): the source's key MAC after the
 * request.  -1 suppresses the request (never sent unauthenticated). */
static int
auth_sign(void *ctx, int src, uint8_t *pkt, size_t *len, size_t cap)
{
	struct assoc *a = ctx;
	const struct keys_entry *k = a->src[src].key;

	if (k == NULL || a->skey == NULL)
		return -1;
	return mac_sign(&a->skey->mac, k, pkt, len, cap);
}

/* The core's verify hook: a reply must carry a good MAC under the key
 * we asked with.  Anything else (no MAC, another key id, a bad digest,
 * a crypto-NAK) is rejected; said once per streak, the core counts
 * each. */
static int
auth_verify(void *ctx, int src, const uint8_t *pkt, size_t len)
{
	struct assoc *a = ctx;
	struct asc_src *s = &a->src[src];
	enum mac_verdict v;
	uint32_t kid = 0;

	if (s->key == NULL || a->skey == NULL)
		return -1;
	v = mac_verify(&a->skey->mac, &a->skey->keys, s->key->id, pkt, len,
	    NULL, &kid);
	if (v == MAC_OK) {
		if (s->auth_bad)
			log_msg(a->log, LOG_NOTICE,
			    "server %s: replies authenticate again (key %u)",
			    s->addr_str, (unsigned)s->key->id);
		s->auth_bad = 0;
		s->authentic = 1;
		return 0;
	}
	if (!s->auth_bad)
		log_msg(a->log, LOG_WARNING,
		    "server %s: reply rejected: %s (key %u expected, %u "
		    "received); not used until a reply authenticates",
		    s->addr_str, mac_verdict_str(v), (unsigned)s->key->id,
		    (unsigned)kid);
	s->auth_bad = 1;
	s->authentic = 0;
	return -1;
}

/* A source with `key N` gets the hooks; skey_setup has checked that the
 * key exists and is trusted. */
static void
set_auth(struct assoc *a, int i, const struct conf_source *cs)
{
	struct peer_auth h = { .sign = auth_sign,
		.verify = auth_verify,
		.ctx = a };

	a->src[i].key = NULL;
	a->src[i].auth_bad = 0;
	a->src[i].authentic = 0;
	ncli_close(&a->src[i].nts);
	if (cs->flags & CONF_SRC_NTS) {
		/* NTS (nts/ncli): keys and cookies from a KE; never sent
		 * unauthenticated, even without a trust store. */
		ncli_init(&a->src[i].nts, a->log,
		    ncli_env_ctx(a->nts, a->conf, cs), cs->host,
		    &a->src[i].addr, cs->nts_port,
		    a->nts != NULL ? a->nts->dump_dirfd : -1);
		h = (struct peer_auth){ .sign = ncli_sign,
			.verify = ncli_verify,
			.ctx = &a->src[i].nts };
		sync_set_auth(&a->sync, i, &h);
		return;
	}
	if (cs->key_id == 0 || a->skey == NULL)
		return;
	a->src[i].key = keys_trusted(&a->skey->keys, cs->key_id);
	sync_set_auth(&a->sync, i, &h);
}

static void
add_source(struct assoc *a, int ni, const struct udp_peer *p)
{
	const struct conf_source *cs = a->names[ni].cs;
	struct sync_src_cfg sc = { .flags = cs->flags,
		.minpoll = cs->minpoll_log2,
		.maxpoll = cs->maxpoll_log2,
		.version = (uint8_t)cs->version,
		.refid = refid_of(p),
		.from_pool = cs->kind == CONF_SRC_POOL,
		.addr_key = addr_key(p) };
	int i = sync_add(&a->sync, &sc, clk_mono_now());

	if (i < 0) {
		log_msg(a->log, LOG_WARNING, "%s: no room for more sources",
		    cs->host);
		return;
	}
	if (a->src[i].fd >= 0)
		close(a->src[i].fd);
	a->src[i].addr = *p;
	a->src[i].name = ni;
	a->src[i].fd = -1;
	a->src_ev[i] = (struct ctl_event){ 0, 0 };
	a->src[i].local_str[0] = '\0';
	a->src[i].local_port = 0;
	ctl_event_note(&a->src_ev[i], CTL_PEV_MOBILIZE);
	udp_addr_str((const struct sockaddr *)&p->sa, a->src[i].addr_str,
	    sizeof(a->src[i].addr_str));
	set_auth(a, i, cs);
	a->names[ni].n_active++;
	if (cs->kind == CONF_SRC_POOL)
		log_msg(a->log, LOG_INFO, "Soliciting pool server %s",
		    a->src[i].addr_str);
	else
		log_msg(a->log, LOG_INFO, "%s %s (%s) added",
		    conf_src_kind_name(cs->kind), cs->host, a->src[i].addr_str);
}

/* A server re-resolved while unreachable: if its address moved, the
 * source moves with it (a fresh association); else nothing changes. */
static void
server_moved(struct assoc *a, int ni, const struct udp_peer *p, int n)
{
	int i, k;

	for (i = 0; i < SYNC_MAX_SRC; i++) {
		if (!sync_src_in_use(&a->sync, i) || a->src[i].name != ni)
			continue;
		for (k = 0; k < n; k++)
			if (udp_same(&a->src[i].addr, &p[k], 1))
				return;
		log_msg(a->log, LOG_NOTICE, "server %s moved from %s",
		    a->names[ni].cs->host, a->src[i].addr_str);
		if (a->src[i].fd >= 0)
			close(a->src[i].fd);
		a->src[i].fd = -1;
		sync_remove(&a->sync, i, clk_mono_now());
		a->names[ni].n_active--;
	}
}

/* A server line takes its first address; a pool fills up to maxclock
 * with addresses it has not dropped within the hour (the core says). */
static void
use_addrs(struct assoc *a, int ni, const struct udp_peer *p, int n)
{
	int k, pool = a->names[ni].cs->kind == CONF_SRC_POOL;
	int64_t now = clk_mono_now();

	a->names[ni].backoff_s = RETRY_FIRST_S;
	a->names[ni].retry_mono_ns = INT64_MAX;
	if (!pool)
		server_moved(a, ni, p, n);
	for (k = 0; k < n; k++) {
		if (!pool && a->names[ni].n_active > 0)
			break;
		if (pool && n_sources(a) >= a->conf->tos_maxclock)
			break;
		if (pool &&
		    sync_dropped_recently(&a->sync, addr_key(&p[k]), now))
			continue;
		if (!have_addr(a, &p[k]))
			add_source(a, ni, &p[k]);
	}
	if (pool && n_sources(a) < a->conf->tos_maxclock)
		a->names[ni].retry_mono_ns =
		    clk_mono_now() + POOL_RERESOLVE_S * TS_NS_PER_S;
}

static void
lookup_failed(struct assoc *a, int ni, const char *why)
{
	struct asc_name *n = &a->names[ni];

	log_msg(a->log, LOG_WARNING, "cannot resolve %s: %s; retrying in %d s",
	    n->cs->host, why, n->backoff_s);
	n->retry_mono_ns = clk_mono_now() + n->backoff_s * TS_NS_PER_S;
	n->backoff_s =
	    n->backoff_s * 2 > RETRY_MAX_S ? RETRY_MAX_S : n->backoff_s * 2;
}

static void
start_lookup(struct assoc *a, int ni)
{
	struct asc_name *n = &a->names[ni];
	struct udp_peer addrs[LOOKUP_MAX_ADDRS];
	int r = lookup_start(&n->lk, n->cs->host, n->cs->port, n->cs->family,
	    addrs, LOOKUP_MAX_ADDRS);

	n->retry_mono_ns = INT64_MAX;
	if (r > 0)
		use_addrs(a, ni, addrs, r);
	else if (r == 0)
		n->resolving = 1;
	else
		lookup_failed(a, ni, strerror(errno));
}

static void
replace_source(struct assoc *a, int i, const char *why)
{
	struct asc_name *n = &a->names[a->src[i].name];

	log_msg(a->log, LOG_NOTICE, "pool server %s %s; replacing",
	    a->src[i].addr_str, why);
	if (a->src[i].fd >= 0)
		close(a->src[i].fd);
	a->src[i].fd = -1;
	sync_remove(&a->sync, i, clk_mono_now());
	n->n_active--;
	if (!n->resolving)
		n->retry_mono_ns = clk_mono_now();
}

/* An unreachable server: look its name up again (server_moved acts on
 * the answer). */
static void
reresolve(struct assoc *a, int i)
{
	struct asc_name *n = &a->names[a->src[i].name];

	log_msg(a->log, LOG_INFO, "%s unreachable; resolving %s again",
	    a->src[i].addr_str, n->cs->host);
	if (!n->resolving)
		n->retry_mono_ns = clk_mono_now();
}

static const char *
why_replaced(int64_t why)
{
	switch ((enum sync_replace_why)why) {
	case SYNC_REPLACE_UNREACHABLE:
		return "is unreachable";
	case SYNC_REPLACE_FALSETICKER:
		return "is a falseticker";
	case SYNC_REPLACE_DENIED:
		return "denies us service";
	}
	return "failed";
}

static void
log_event(struct assoc *a, const struct sync_act *x)
{
	const char *s = src_name(a, x->src);
	double v = ts_to_s(x->value_ns);

	ctlsrv_note(a, x);
	switch (x->ev) {
	case SYNC_EV_SYNCED:
		log_msg(a->log, LOG_NOTICE, "synchronized to %s, stratum %d", s,
		    (int)x->value_ns);
		if (a->notify)
			notify_send(a->notify,
			    "STATUS=synchronized to %s, stratum %d\n", s,
			    (int)x->value_ns);
		break;
	case SYNC_EV_LOST:
		log_msg(a->log, LOG_NOTICE, "lost synchronization (was %s)", s);
		if (a->notify)
			notify_send(a->notify,
			    "STATUS=not synchronized: lost %s\n", s);
		/* timedatectl must stop saying "synchronized: yes". */
		if (clk_set_sync(a->clk, 0, 0, 0) != 0)
			log_msg(a->log, LOG_WARNING,
			    "cannot mark the kernel clock unsynchronized: %s",
			    strerror(errno));
		break;
	case SYNC_EV_NO_MAJORITY:
		log_msg(a->log, LOG_WARNING,
		    "no majority: the sources disagree "
		    "with each other; clock not steered");
		break;
	case SYNC_EV_STEP:
		log_msg(a->log, LOG_NOTICE, "time reset %+.6f s", v);
		break;
	case SYNC_EV_SPIKE:
		log_msg(a->log, LOG_INFO,
		    "%s: offset %+.6f s beyond the step "
		    "threshold; waiting for step-out",
		    s, v);
		break;
	case SYNC_EV_PANIC:
		if (a->conf->panic_exit) {
			log_msg(a->log, LOG_ERR,
			    "%s: offset %+.3f s beyond the panic threshold; "
			    "set the clock by hand or start with -g",
			    s, v);
			a->want_exit = 1;
			a->exit_code = 1;
			break;
		}
		log_msg(a->log, LOG_ERR,
		    "%s: offset %+.3f s beyond the panic threshold; source "
		    "not trusted until it is back within it (set the clock "
		    "by hand, start with -g, or panicaction exit to stop)",
		    s, v);
		break;
	case SYNC_EV_KOD:
		log_msg(a->log, LOG_NOTICE, "server %s: kiss-o'-death %s", s,
		    x->kiss);
		break;
	case SYNC_EV_REACHABLE:
		log_msg(a->log, LOG_INFO, "%s: reachable", s);
		break;
	case SYNC_EV_UNREACHABLE:
		log_msg(a->log, LOG_NOTICE, "%s: unreachable", s);
		break;
	case SYNC_EV_REPLACE:
		replace_source(a, x->src, why_replaced(x->value_ns));
		break;
	case SYNC_EV_LEAP_ARMED:
		log_msg(a->log, LOG_NOTICE,
		    "leap second %s announced for the "
		    "end of the UTC day",
		    x->value_ns > 0 ? "insertion" : "deletion");
		break;
	case SYNC_EV_DONE:
		log_msg(a->log, LOG_NOTICE, "time set; exiting (-q)");
		a->want_exit = 1;
		break;
	case SYNC_EV_WAITING:
		log_msg(a->log, LOG_INFO,
		    "waiting for %d more source%s before the first selection",
		    (int)x->value_ns, x->value_ns == 1 ? "" : "s");
		break;
	case SYNC_EV_NONE_REACHABLE:
		log_msg(a->log, LOG_NOTICE, "no source reachable yet");
		break;
	case SYNC_EV_RERESOLVE:
		reresolve(a, x->src);
		break;
	}
}

/* The local address and port this source's replies arrive on (mode 6's
 * dstadr): the kernel picks them when the socket is connected to the
 * source, which also makes it drop datagrams from anyone else.  Should
 * connect fail, the request still goes out unconnected, as before. */
static int
note_local(struct asc_src *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (connect(s->fd, (const struct sockaddr *)&s->addr.sa, s->addr.len) !=
	    0)
		return 0;
	if (getsockname(s->fd, (struct sockaddr *)&ss, &len) == 0) {
		udp_addr_str((const struct sockaddr *)&ss, s->local_str,
		    sizeof(s->local_str));
		s->local_port = udp_port((const struct sockaddr *)&ss);
	}
	return 1;
}

static void
do_send(struct assoc *a, const struct sync_act *x)
{
	struct asc_src *s = &a->src[x->src];
	int connected;

	if (!sync_src_in_use(&a->sync, x->src))
		return; /* replaced by an earlier action of this batch */
	/* A new socket per request: a fresh random source port (RFC 9109),
	 * and a late reply to the previous request cannot be mistaken. */
	if (s->fd >= 0)
		close(s->fd);
	s->fd = udp_open_client(s->addr.sa.ss_family);
	if (s->fd < 0) {
		log_msg(a->log, LOG_ERR, "socket: %s", strerror(errno));
		return;
	}
	connected = note_local(s);
	/* T1 is read now, after the socket work, right before the send. */
	sync_sent(&a->sync, x->src, clk_now(a->clk), clk_mono_now());
	/* A connected socket is sent to without an address: some stacks
	 * (and syscall-interposing simulators) refuse one with EISCONN. */
	if (udp_send(s->fd, x->pkt, x->len, connected ? NULL : &s->addr) != 0)
		log_msg(a->log, LOG_INFO, "%s: send: %s", s->addr_str,
		    strerror(errno));
}

static void
do_clock(struct assoc *a, const struct sync_act *x)
{
	struct sync_sys_view v;

	if (clk_apply(a->clk, x->do_step, x->cmd.step_ns, x->cmd.freq_ppb,
	        x->cmd.slew_ns, x->cmd.slew_rate_ppb) != 0) {
		/* The core must know, or it would count the command as done
		 * and chase corrections that never happened. */
		log_msg(a->log, LOG_ERR,
		    "cannot adjust the clock (%s); measuring and serving "
		    "only from now on",
		    strerror(errno));
		sync_clock_refused(&a->sync);
		return;
	}
	if (x->do_step)
		a->clock_steps++;
	sync_sys_info(&a->sync, &v);
	clk_set_sync(a->clk, 1, v.root_delay_ns / 2 + v.root_disp_ns,
	    v.jitter_ns);
}

/* Write one statistics line; a failure is logged once per streak (and
 * again when its reason changes), never fatal: the next line retries. */
static void
write_stats(struct assoc *a, struct stats_file *f, const char *name,
    int64_t now, const char *line)
{
	if (stats_write(f, now, line) == 0) {
		if (a->stats_errno != 0)
			log_msg(a->log, LOG_NOTICE, "%s written again", name);
		a->stats_errno = 0;
		return;
	}
	if (errno != a->stats_errno)
		log_msg(a->log, LOG_WARNING, "cannot write %s: %s; retrying",
		    name, strerror(errno));
	a->stats_errno = errno;
}

static void
do_stats(struct assoc *a, const struct sync_act *x)
{
	char line[STATS_LINE_MAX];
	int64_t now = clk_now(a->clk);
	const struct ctl_event *ev;

	if (x->kind == SYNC_ACT_LOOPSTATS) {
		if (stats_loop_line(line, sizeof(line), now,
		        ts_to_s(x->offset_ns), (double)x->freq_ppb / 1000.0,
		        ts_to_s(x->jitter_ns), (double)x->wander_ppb / 1000.0,
		        x->poll) >= 0)
			write_stats(a, &a->loopstats, "loopstats", now, line);
		return;
	}
	/* the core gives the status bits and selection; the event count and
	 * code are the source's history, kept here (ctlsrv_note) */
	ev = &a->src_ev[x->src];
	if (stats_peer_line(line, sizeof(line), now, a->src[x->src].addr_str,
	        (x->status & 0xff00u) | (unsigned)ev->count << 4 | ev->code,
	        ts_to_s(x->offset_ns), ts_to_s(x->delay_ns),
	        ts_to_s(x->disp_ns), ts_to_s(x->jitter_ns)) >= 0)
		write_stats(a, &a->peerstats, "peerstats", now, line);
}

static void
run_actions(struct assoc *a, const struct sync_act *x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (x[i].kind) {
		case SYNC_ACT_SEND:
			do_send(a, &x[i]);
			break;
		case SYNC_ACT_CLOCK:
			do_clock(a, &x[i]);
			break;
		case SYNC_ACT_LEAP:
			clk_set_leap(a->clk, (int)x[i].value_ns);
			break;
		case SYNC_ACT_EVENT:
			log_event(a, &x[i]);
			break;
		case SYNC_ACT_PEERSTATS:
		case SYNC_ACT_LOOPSTATS:
			do_stats(a, &x[i]);
			break;
		}
	}
}

size_t
asc_pollfds(struct assoc *a, struct pollfd *pfd, int *tag, size_t cap)
{
	size_t n = 0, i;

	for (i = 0; i < SYNC_MAX_SRC && n < cap; i++)
		if (sync_src_in_use(&a->sync, (int)i) && a->src[i].fd >= 0) {
			pfd[n] = (struct pollfd){ .fd = a->src[i].fd,
				.events = POLLIN };
			tag[n++] = (int)i;
		}
	for (i = 0; i < a->n_names && n < cap; i++)
		if (a->names[i].resolving) {
			pfd[n] = (struct pollfd){ .fd = a->names[i].lk.fd,
				.events = POLLIN };
			tag[n++] = -(int)i - 1;
		}
	return n;
}

static void
on_lookup(struct assoc *a, int ni)
{
	struct udp_peer addrs[LOOKUP_MAX_ADDRS];
	char err[160];
	int r;

	a->names[ni].resolving = 0;
	r = lookup_finish(&a->names[ni].lk, addrs, LOOKUP_MAX_ADDRS, err,
	    sizeof(err));
	if (r > 0)
		use_addrs(a, ni, addrs, r);
	else
		lookup_failed(a, ni, err);
}

static void
on_reply(struct assoc *a, int i)
{
	struct sync_act act[SYNC_MAX_ACTS];
	uint8_t buf[1024];
	struct udp_peer from;
	int64_t rx;
	ssize_t n;
	size_t k;
	int trunc;

	n = udp_recv(a->src[i].fd, buf, sizeof(buf), &from, &rx, &trunc);
	if (n < 0)
		return;
	/* Only the address we asked may answer (RFC 5905 section 8). */
	if (trunc || !udp_same(&from, &a->src[i].addr, 1))
		return;
	k = sync_on_reply(&a->sync, i, buf, (size_t)n,
	    clk_from_real(a->clk, rx), clk_mono_now(), act, SYNC_MAX_ACTS);
	run_actions(a, act, k);
	if (sync_src_in_use(&a->sync, i) && !sync_outstanding(&a->sync, i) &&
	    a->src[i].fd >= 0) {
		close(a->src[i].fd);
		a->src[i].fd = -1;
	}
}

void
asc_on_ready(struct assoc *a, int tag)
{
	if (tag < 0)
		on_lookup(a, -tag - 1);
	else if (sync_src_in_use(&a->sync, tag) && a->src[tag].fd >= 0)
		on_reply(a, tag);
}

int64_t
asc_next_timer(const struct assoc *a)
{
	int64_t t = sync_next_timer(&a->sync);
	size_t i;

	/* Without randomness, wait for the retry rather than spin. */
	if (a->rnd_failed && t < a->rnd_retry_mono_ns)
		t = a->rnd_retry_mono_ns;
	for (i = 0; i < a->n_names; i++)
		if (!a->names[i].resolving && a->names[i].retry_mono_ns < t)
			t = a->names[i].retry_mono_ns;
	return t < a->next_drift_mono_ns ? t : a->next_drift_mono_ns;
}

static void
write_drift(struct assoc *a)
{
	double ppm = (double)sync_freq_ppb(&a->sync) / 1000.0;

	if (a->conf->driftfile[0] == '\0' || !sync_has_updated(&a->sync))
		return;
	if (drift_write(a->conf->driftfile, ppm) != 0)
		log_msg(a->log, LOG_WARNING, "cannot write %s: %s",
		    a->conf->driftfile, strerror(errno));
}

void
asc_on_timer(struct assoc *a)
{
	struct sync_act act[SYNC_MAX_ACTS];
	int64_t now = clk_mono_now();
	size_t i, k;

	for (i = 0; i < a->n_names; i++)
		if (!a->names[i].resolving && a->names[i].retry_mono_ns <= now)
			start_lookup(a, (int)i);
	/* One request per call, each with its own random transmit value;
	 * bounded in case a source is due again at once. */
	for (i = 0; i < 2 * SYNC_MAX_SRC && sync_next_timer(&a->sync) <= now;
	     i++) {
		uint64_t r;

		if (rand64(a, &r) != 0)
			break;
		k = sync_on_timer(&a->sync, now, clk_now(a->clk), r, act,
		    SYNC_MAX_ACTS);
		run_actions(a, act, k);
	}
	if (a->next_drift_mono_ns <= now) {
		write_drift(a);
		a->next_drift_mono_ns = now + DRIFT_EVERY_S * TS_NS_PER_S;
	}
}

const struct srv_sys *
asc_sys(struct assoc *a, int64_t clock_ns)
{
	return sync_sys(&a->sync, clock_ns);
}

void
asc_name_init(struct asc_name *n, const struct conf_source *cs, int64_t mono_ns)
{
	memset(n, 0, sizeof(*n));
	n->cs = cs;
	n->lk.fd = -1;
	n->retry_mono_ns = mono_ns;
	n->backoff_s = RETRY_FIRST_S;
}

void
asc_drop(struct assoc *a, int i)
{
	const struct conf_source *cs = a->names[a->src[i].name].cs;

	log_msg(a->log, LOG_INFO, "%s %s (%s) removed",
	    conf_src_kind_name(cs->kind), cs->host, a->src[i].addr_str);
	if (a->src[i].fd >= 0)
		close(a->src[i].fd);
	a->src[i].fd = -1;
	ncli_close(&a->src[i].nts);
	sync_remove(&a->sync, i, clk_mono_now());
	a->names[a->src[i].name].n_active--;
}

static int
same_stats(const struct conf *x, const struct conf *y)
{
	return strcmp(x->statsdir, y->statsdir) == 0 &&
	    x->statistics == y->statistics && x->n_filegens == y->n_filegens &&
	    memcmp(x->filegens, y->filegens,
	        x->n_filegens * sizeof(x->filegens[0])) == 0;
}

int
asc_reconfigure(struct assoc *a, const struct conf *c)
{
	struct sync_cfg sc;
	int reopen = !same_stats(a->conf, c);

	sync_config(c, &a->opts, a->clk,
	    (double)sync_freq_ppb(&a->sync) / 1000.0, &sc);
	sync_reconfigure(&a->sync, &sc, clk_now(a->clk));
	a->conf = c;
	if (reopen) {
		stats_close(&a->loopstats);
		stats_close(&a->peerstats);
		open_stats(a);
	}
	return reopen;
}

void
asc_close(struct assoc *a)
{
	size_t i;

	write_drift(a);
	for (i = 0; i < SYNC_MAX_SRC; i++) {
		if (a->src[i].fd >= 0)
			close(a->src[i].fd);
		ncli_close(&a->src[i].nts);
	}
	for (i = 0; i < a->n_names; i++)
		if (a->names[i].resolving)
			lookup_cancel(&a->names[i].lk);
	stats_close(&a->loopstats);
	stats_close(&a->peerstats);
	stats_close(&a->clockstats);
}

/* SPDX-License-Identifier: ISC */
/*
 * engine: owns the daemon's state and runs its poll(2) loop.  It feeds
 * datagrams and timer events into the core and maps what the core decides
 * onto system calls; it is the only place that does so.
 *
 * The server path works in batches (doc/performance.md): up to 32
 * datagrams per recvmmsg, each with its kernel receive timestamp; the
 * served state is fetched once per batch and a reply template rebuilt only
 * when it changed; restrict (core/acl) and rate limiting (core/rl) are
 * decided per datagram in the same pass; the transmit timestamp is read
 * once, right before the batch's sendmmsg, and written into every reply.
 * No allocation and no logging per packet: counters per drop reason.
 *
 * With `workers 1` (the default) the poll loop serves and runs the client
 * half in one thread.  With `workers N` N threads serve, each with its own
 * SO_REUSEPORT socket per address, counters and rate-limit table; the
 * main thread runs the client half and publishes what the server says.
 * Mode 6 requests (daemon/ctlsrv) are answered by whichever thread
 * receives them, from loopback only; a worker reads the client half under
 * state_lock, which the main thread releases only while it waits.
 */
#ifndef STRATUM_ENGINE_H
#define STRATUM_ENGINE_H

#include <net/if.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "core/acl.h"
#include "core/srv.h"
#include "ctl/ctl.h"
#include "daemon/assoc.h"
#include "daemon/ctlreload.h"
#include "daemon/policy.h"
#include "daemon/spreader.h"
#include "nts/kesrv.h"
#include "os/clk.h"
#include "os/log.h"
#include "os/udp.h"

#define ENG_MAX_SOCKS 64
/* ntpd numbers its wildcard sockets 0 and 1; we keep its numbering for
 * address sockets so "Listen normally on 2 lo 127.0.0.1:123" reads the
 * same, although we bind per address and open no wildcard socket. */
#define ENG_FIRST_SOCK_INDEX 2

struct eng_sock {
	int fd; /* worker 0's socket (the only one with workers 1) */
	int index;
	char ifname[IF_NAMESIZE]; /* "": a drop socket */
	struct udp_peer addr;
};

/* Counters per worker, summed at exit and for mode 6 (eng_counters_sum).
 * Each has one writer, its worker; others read it with relaxed atomic
 * loads.  Every ENG_DROP_* is a reason a datagram got no answer. */
enum eng_ctr {
	ENG_RECEIVED,
	ENG_THISVER,     /* NTPv4 datagrams */
	ENG_OLDVER,      /* NTPv1-3 datagrams */
	ENG_VER1,        /* NTPv1 datagrams... */
	ENG_VER1_CLIENT, /* ...of mode 3 */
	ENG_VER1_ZERO,   /* ...of mode 0 */
	ENG_VER1_SYMM,   /* ...of mode 1 */
	ENG_ANSWERED,    /* replies handed to the kernel, KoDs included */
	ENG_KOD,         /* RATE kiss-o'-death sent */
	ENG_LEAKED,      /* over the limit, answered by ratelimit leak */
	ENG_SEND_ERROR,
	ENG_CONTROL,         /* mode 6 requests answered (loopback) */
	ENG_AUTHENTIC,       /* requests with a good MAC (reply signed) */
	ENG_CRYPTO_NAK,      /* requests with a bad or unknown MAC: the reply
				is a crypto-NAK */
	ENG_SIGN_FAILED,     /* libcrypto failed: crypto-NAK instead */
	ENG_NTS,             /* NTS requests answered (authenticated) */
	ENG_NTS_NAK,         /* NTS NAKs sent (cookie or MAC refused) */
	ENG_DROP_SHORT,      /* srv: shorter than a header */
	ENG_DROP_VERSION,    /* srv: version 0 or 5-7 */
	ENG_DROP_MODE,       /* srv: mode 0, 2, 4, 5, 7 */
	ENG_DROP_MALFORMED,  /* srv: bad extension fields */
	ENG_DROP_TRUNC,      /* longer than any request we answer */
	ENG_DROP_IFACE,      /* an "interface drop" address */
	ENG_DROP_IGNORE,     /* restrict ignore */
	ENG_DROP_NOSERVE,    /* restrict noserve */
	ENG_DROP_NOTRUST,    /* restrict notrust */
	ENG_DROP_NOQUERY,    /* restrict noquery (mode 6/7) */
	ENG_DROP_CTL_REMOTE, /* mode 6 neither from loopback nor from an
				address a restrict line names */
	ENG_DROP_CONTROL,    /* mode 6 not answered: a response or bad
				header, over the rate */
	ENG_DROP_RATE,       /* over the rate limit, no KoD */
	ENG_DROP_NTS,        /* NTS fields malformed or incomplete */
	ENG_N_CTR,
};
#define ENG_FIRST_DROP ENG_DROP_SHORT

/* The counter's lower-case name without its prefix ("received", "short",
 * "ctl_remote"): the drop reasons' names are mode 6's stm_drop_<name>. */
const char *eng_ctr_name(enum eng_ctr c);

struct eng_counters {
	uint64_t n[ENG_N_CTR];
};

/* What the server says, as workers copy it: the system variables, the
 * clock's parameters, and our sources' addresses (restrict source). */
struct eng_snap {
	struct srv_sys sys;
	uint64_t sys_gen; /* the core's snapshot generation */
	int ref_is_now;   /* local clock as its own reference: ref = rx */
	struct clk clk;
	int n_src;
	int src_family[SYNC_MAX_SRC];
	uint8_t src_addr[SYNC_MAX_SRC][16];
};

struct eng_worker;
struct reload_report;

/* A `stratum reload` request a serving thread took: answered by the main
 * thread once the reload is done, on the socket it came in on. */
struct eng_reload_req {
	int pending;
	int fd;
	struct udp_peer peer;
	struct ctl_msg msg; /* header echoed; no data */
};

struct engine {
	const struct conf *conf;
	const struct logger *log;
	struct clk clk;
	struct assoc asc;
	struct eng_sock socks[ENG_MAX_SOCKS];
	size_t n_socks;
	/* The restrict and rate-limit policy (main thread's copy); a new
	 * one is written under pub_lock and pol_gen bumped, and each
	 * worker copies it before its next batch (adopt_policy). */
	struct policy pol;
	atomic_uint_fast64_t pol_gen;
	struct kesrv *nts; /* NTS server keys (main sets it), NULL: none */
	int plain_io;      /* STRATUM_PLAIN_IO=1: no recvmmsg/sendmmsg */
	struct eng_worker *workers;
	int n_workers;
	/* workers > 1: the published snapshot */
	pthread_mutex_t pub_lock;
	/* Held by the main thread except while it waits in poll: a worker
	 * answering mode 6 takes it to read the client half (asc, clk). */
	pthread_mutex_t state_lock;
	struct eng_snap pub;
	atomic_uint_fast64_t pub_gen;
	atomic_int stop_workers;
	int threads_started;
	struct spreader spreader;    /* workers > 1: one thread or all */
	int64_t start_mono_ns;       /* eng_init: mode 6's ss_uptime */
	uint64_t mru_key0, mru_key1; /* random: MRU nonces (ctlmru) */
	/* Reload (SIGHUP, `stratum reload`): main's function, run by
	 * eng_run in the main thread holding state_lock; 0 applied, -1
	 * rejected.  NULL: reload not possible. */
	int (*reload)(void *ctx, struct reload_report *r);
	void *reload_ctx;
	struct ctlreload_key reload_key;
	struct eng_reload_req reload_req; /* under state_lock */
	int wake[2]; /* pipe: a worker wakes the main thread's poll */
	/* Interfaces that come and go: a netlink watch (-1: none), the
	 * next rescan (monotonic; INT64_MAX: none), the periodic interval
	 * (-U, ntpd's interface update interval; 0: no rescans at all). */
	int ifwatch;
	int64_t rescan_mono_ns;
	int rescan_every_s;
	int next_index;       /* the next socket's number in the log */
	int wildcard_only;    /* listening on the wildcards: nothing to scan */
	int no_virtual;       /* -L: ignore names with a ':' (set before
				 eng_open_sockets) */
	uint16_t port;        /* what the sockets were bound to */
	int stop_pipe[2];     /* wakes the workers when they must stop */
	int started;          /* serving: later bind failures are rescans' */
	int bind_denied_told; /* "port needs root" said once */
};

#define ENG_RESCAN_DEFAULT_S 300 /* ntpd's interface update interval */

/* Prepare the engine from a loaded configuration (no sockets yet); the
 * client half starts resolving its sources.  Interfaces are rescanned
 * every ENG_RESCAN_DEFAULT_S and on netlink events; e->rescan_every_s
 * may be changed before eng_open_sockets (0: never). */
void eng_init(struct engine *e, const struct conf *c, const struct logger *lg,
    const struct asc_opts *o);

/* Open a socket per interface address the interface rules allow (one per
 * worker), logging each like ntpd.  Returns the number of addresses, or
 * -1 when none could be opened. */
int eng_open_sockets(struct engine *e);

/* Serve and sync until *stop becomes non-zero or the client half wants
 * to exit (-q done, panic).  A set *hup (SIGHUP) or a `stratum reload`
 * request runs e->reload; *hup is cleared.  Returns the exit status: 0, or 1 on a fatal
 * poll error or a panic. */
int eng_run(struct engine *e, volatile sig_atomic_t *stop,
    volatile sig_atomic_t *hup);

/* One client of the rate-limit tables, for mode 6's MRU list. */
struct eng_mru {
	int family;       /* 4 or 6 */
	uint8_t addr[16]; /* IPv6: the /64 the table keys on */
	uint16_t port;    /* of its last request */
	uint8_t mv;       /* mode | version << 3 of its last request */
	unsigned flags;   /* the restrict flags (ACL_*) that apply to it */
	int64_t first_mono_ns, last_mono_ns;
	uint64_t count, dropped;
};

/*
 * Every worker's rate-limit entries, one per address (summed across
 * workers), least recently seen first, into *out (calloc'd: the caller
 * frees it).  Returns the count; 0 (*out may be NULL) when nobody is
 * rate-limited, so there is no table; -1 when out of memory.  Safe from
 * any thread: other workers' entries are read with relaxed loads while
 * they keep serving, so one entry may mix two consecutive requests.
 */
int eng_mru_snapshot(struct engine *e, struct eng_mru **out);

/* Every worker's counters summed into *out; safe from any thread (a
 * counter being bumped meanwhile may be one behind). */
void eng_counters_sum(const struct engine *e, struct eng_counters *out);
/*
 * Apply a reloaded configuration nc (which outlives its use, like the
 * first one): the restrict and rate-limit policy (published to the
 * serving threads as a new generation), the sources (daemon/reload),
 * the core's settings, statistics files.  What changed and what needs a
 * restart goes into r.  Main thread, holding state_lock.
 */
void eng_reconfigure(struct engine *e, const struct conf *nc,
    struct reload_report *r);

/* Stop the workers, close sockets and log the counters. */
void eng_close(struct engine *e);

#endif

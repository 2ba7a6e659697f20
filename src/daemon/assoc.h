/* SPDX-License-Identifier: ISC */
/*
 * assoc: the daemon's client half.  Turns the configured server/pool
 * lines into core sync sources (resolving names without blocking, with
 * back-off, and replacing pool members that fail), owns one socket per
 * outstanding request (a fresh random source port each time, RFC 9109),
 * and carries out the core's actions: sends, clock commands, leap
 * arming, log lines, statistics files and the drift file.
 */
#ifndef STRATUM_ASSOC_H
#define STRATUM_ASSOC_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "core/sync.h"
#include "ctl/ctl.h"
#include "daemon/skey.h"
#include "nts/ncli.h"
#include "os/clk.h"
#include "os/log.h"
#include "os/lookup.h"
#include "os/notify.h"
#include "os/stats.h"
#include "os/udp.h"

struct asc_src {
	int fd;   /* socket of the outstanding request, -1 */
	int name; /* index into names[] */
	struct udp_peer addr;
	char addr_str[64];
	/* where its replies arrive (mode 6's dstadr, dstport): "" until the
	 * first request's socket is connected */
	char local_str[64];
	uint16_t local_port;
	/* symmetric key (`key N`), NULL: unauthenticated */
	const struct keys_entry *key;
	int auth_bad;    /* the last reply failed authentication */
	int authentic;   /* the last accepted reply was authenticated */
	struct ncli nts; /* NTS client state (nts.in_use), for `nts` */
};

struct asc_name {
	const struct conf_source *cs;
	struct lookup lk;
	int resolving;
	int64_t retry_mono_ns; /* next resolution; INT64_MAX: none due */
	int backoff_s;
	int n_active; /* sources currently from this line */
};

struct asc_opts {
	int quit_after_set;         /* -q */
	int allow_big_first;        /* -g */
	const struct skey *skey;    /* keys; NULL or not enabled: none */
	const struct ncli_env *nts; /* NTS sources' trust; NULL: none */
};

struct assoc {
	struct sync sync;
	struct asc_src src[SYNC_MAX_SRC];
	struct asc_name names[CONF_MAX_SOURCES];
	size_t n_names;
	const struct conf *conf;
	const struct skey *skey;    /* NULL: no keys */
	const struct ncli_env *nts; /* NULL: no NTS source */
	const struct logger *log;
	const struct notify *notify; /* STATUS= lines; NULL: none */
	struct clk *clk;
	struct stats_file loopstats, peerstats, clockstats;
	int64_t next_drift_mono_ns;
	int want_exit; /* -q done, or panic */
	int exit_code;
	int stats_errno; /* last statistics write failure, 0 */
	/* mode 6's status words: the last system and per-source events
	 * (daemon/ctlsrv, ctlsrv_note), clock steps carried out */
	struct ctl_event sys_ev, src_ev[SYNC_MAX_SRC];
	uint64_t clock_steps;
	struct asc_opts opts;      /* -q, -g: kept for a reload */
	int rnd_failed;            /* getrandom failing: nothing is sent */
	int64_t rnd_retry_mono_ns; /* ...until it is tried again */
};

/* Set up from the configuration: reads the drift file, opens statistics
 * files, starts resolving every server/pool line. */
void asc_init(struct assoc *a, const struct conf *c, const struct logger *lg,
    struct clk *clk, const struct asc_opts *o);

/* The addresses we serve on, for timing-loop detection (a source whose
 * refid is one of them is synchronized to us). */
void asc_set_own(struct assoc *a, const struct udp_peer *addrs, size_t n);

/* Append the descriptors to watch to pfd (at most cap); returns the count.
 * tag[i] receives what each one is (for asc_on_ready). */
size_t asc_pollfds(struct assoc *a, struct pollfd *pfd, int *tag, size_t cap);

/* A descriptor from asc_pollfds is readable. */
void asc_on_ready(struct assoc *a, int tag);

/* When asc_on_timer next needs to run (CLOCK_MONOTONIC ns). */
int64_t asc_next_timer(const struct assoc *a);
void asc_on_timer(struct assoc *a);

/* The system variables to serve, as of clock_ns (the request's receive
 * time on the served clock). */
const struct srv_sys *asc_sys(struct assoc *a, int64_t clock_ns);

/* A configuration line's entry, fresh: resolution due at once. */
void asc_name_init(struct asc_name *n, const struct conf_source *cs,
    int64_t mono_ns);

/* Remove source i (in use): its request socket closed, the core told;
 * logged as "server NAME (ADDR) removed". */
void asc_drop(struct assoc *a, int i);

/*
 * Take the settings of a reloaded configuration c (which must outlive
 * its use, like the first): the core's selection and discipline
 * parameters (sync_reconfigure), the drift file's path, the statistics
 * files when their settings changed.  The sources are the caller's
 * (daemon/reload).  Returns 1 when the statistics files were reopened.
 */
int asc_reconfigure(struct assoc *a, const struct conf *c);

/* Write the drift file and close everything. */
void asc_close(struct assoc *a);

#endif

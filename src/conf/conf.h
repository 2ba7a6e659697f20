/* SPDX-License-Identifier: ISC */
/*
 * conf: the one parser for Stratum's ntp.conf dialect, shared by stratumd
 * and stratum.  It fills a caller-owned struct conf with fixed-size tables
 * (no heap), collects diagnostics as "file:line:col: message" strings, never
 * exits and never resolves names: hosts stay the strings the file gave.
 *
 * Directives ntpd knows but Stratum does not implement produce a warning
 * naming file and line; anything unknown or malformed is an error naming
 * file, line and column.
 */
#ifndef STRATUM_CONF_H
#define STRATUM_CONF_H

#include <stddef.h>
#include <stdint.h>

#define CONF_MAX_SOURCES 64
#define CONF_MAX_RESTRICT 64
#define CONF_MAX_IFRULES 32
#define CONF_MAX_DIAGS 64
#define CONF_MAX_FILEGEN 8
#define CONF_MAX_KEYS 1024 /* trusted key ids (ranges included) */
#define CONF_PATH_MAX 256
#define CONF_HOST_MAX 256
#define CONF_DIAG_MAX 320
#define CONF_INCLUDE_DEPTH 8
#define CONF_MAX_WORKERS 64

/* Poll exponent limits accepted for minpoll/maxpoll (log2 seconds). */
#define CONF_POLL_MIN (-6)
#define CONF_POLL_MAX 17
#define CONF_DEFAULT_MINPOLL 6
#define CONF_DEFAULT_MAXPOLL 10

enum conf_src_kind {
	CONF_SRC_SERVER,
	CONF_SRC_POOL,
	CONF_SRC_PEER,
};

/* Per-source option flags. */
#define CONF_SRC_IBURST 0x01u
#define CONF_SRC_BURST 0x02u
#define CONF_SRC_PREFER 0x04u
#define CONF_SRC_NOSELECT 0x08u
#define CONF_SRC_NTS 0x10u /* "nts": NTS-KE then authenticated NTP */

struct conf_source {
	enum conf_src_kind kind;
	char host[CONF_HOST_MAX];
	int family;                 /* 0 any, 4 (-4 given), 6 (-6 given) */
	unsigned flags;             /* CONF_SRC_* */
	int minpoll_log2;           /* CONF_DEFAULT_MINPOLL unless given */
	int maxpoll_log2;           /* CONF_DEFAULT_MAXPOLL unless given */
	int version;                /* 4 unless given (1..4) */
	uint16_t port;              /* 123 unless given */
	uint32_t key_id;            /* 0: none */
	int line;                   /* where it was declared, for messages */
	char nts_ca[CONF_PATH_MAX]; /* NTPsec's "ca FILE": trusted CAs for
				       this source's NTS-KE ("": default) */
	uint16_t nts_port; /* chrony's "ntsport N": its NTS-KE port, 4460 */
};

enum conf_clock {
	CONF_CLOCK_SYSTEM,
	CONF_CLOCK_NONE,
	CONF_CLOCK_VIRTUAL,
};

/* restrict flags (core/acl's ACL_* meanings); others are accepted and
 * have no effect. */
#define CONF_RES_IGNORE 0x001u
#define CONF_RES_NOQUERY 0x002u
#define CONF_RES_NOMODIFY 0x004u
#define CONF_RES_NOSERVE 0x008u
#define CONF_RES_NOPEER 0x010u
#define CONF_RES_KOD 0x020u
#define CONF_RES_LIMITED 0x040u
#define CONF_RES_NOTRAP 0x080u
#define CONF_RES_NOTRUST 0x100u
#define CONF_RES_NOMRULIST 0x200u

struct conf_restrict {
	int is_default;   /* "default" (family tells -4/-6/any) */
	int is_source;    /* "source" */
	int family;       /* 0, 4 or 6 */
	uint8_t addr[16]; /* network order; v4 in first 4 bytes */
	uint8_t mask[16];
	unsigned flags; /* CONF_RES_* */
	int unrestrict; /* 1 for "unrestrict" lines (flags to clear) */
	int line;
};

enum conf_if_action {
	CONF_IF_LISTEN,
	CONF_IF_IGNORE,
	CONF_IF_DROP,
};

enum conf_if_match {
	CONF_IFM_ALL,
	CONF_IFM_IPV4,
	CONF_IFM_IPV6,
	CONF_IFM_WILDCARD,
	CONF_IFM_NAME,    /* interface name, e.g. "eth0" */
	CONF_IFM_ADDRESS, /* address with optional prefix length */
};

struct conf_ifrule {
	enum conf_if_action action;
	enum conf_if_match match;
	char name[32];    /* CONF_IFM_NAME */
	int family;       /* CONF_IFM_ADDRESS: 4 or 6 */
	uint8_t addr[16]; /* CONF_IFM_ADDRESS */
	int prefix_len;   /* CONF_IFM_ADDRESS: 0..32 / 0..128 */
	int line;
};

struct conf_filegen {
	char name[16]; /* loopstats, peerstats, clockstats, ... */
	char file[64]; /* "file NAME", defaults to name */
	char type[8];  /* none, pid, day, week, month, year, age */
	int enabled;
};

enum conf_diag_level {
	CONF_WARNING,
	CONF_ERROR,
};

struct conf_diag {
	enum conf_diag_level level;
	char text[CONF_DIAG_MAX]; /* "file:line[:col]: message" */
};

struct conf {
	/* Where we serve: "port N" (default 123) and interface rules. */
	uint16_t port;
	struct conf_ifrule ifrules[CONF_MAX_IFRULES];
	size_t n_ifrules;

	struct conf_source sources[CONF_MAX_SOURCES];
	size_t n_sources;

	struct conf_restrict restricts[CONF_MAX_RESTRICT];
	size_t n_restricts;

	enum conf_clock clock;
	double clock_offset_s; /* virtual: initial offset */
	double clock_freq_ppm; /* virtual: frequency error */

	int local_stratum; /* 0: no "local stratum" */

	char driftfile[CONF_PATH_MAX];
	char leapfile[CONF_PATH_MAX];
	char statsdir[CONF_PATH_MAX];
	char logfile[CONF_PATH_MAX];
	char keysfile[CONF_PATH_MAX];
	uint32_t trusted_keys[CONF_MAX_KEYS];
	size_t n_trusted_keys;
	uint32_t control_key, request_key; /* 0: not given */

	/* "statistics" names and "filegen" settings. */
	unsigned statistics; /* bit per CONF_STAT_* */
	struct conf_filegen filegens[CONF_MAX_FILEGEN];
	size_t n_filegens;

	/* tos */
	int tos_minclock;     /* default 3 */
	int tos_maxclock;     /* default 10 */
	int tos_minsane;      /* default 1 */
	int tos_orphan;       /* 0: not set */
	double tos_mindist_s; /* root distance floor, default 0.001 */

	/* tinker */
	double tinker_step_s;    /* default 0.128; 0 disables stepping */
	double tinker_panic_s;   /* default 1000; 0 disables the check */
	double tinker_stepout_s; /* default 300 */
	/* maxslewrate PPM (chrony): fastest phase slew, default 83333;
	 * -1 not set (then 500 ppm with tinker step 0, as ntpd) */
	double maxslewrate_ppm;
	/* makestep THRESHOLD LIMIT (chrony): step when the offset exceeds
	 * threshold in the first `limit` updates; limit 0: not set */
	double makestep_s;
	int makestep_limit;
	/* panicaction exit|distrust: what an offset beyond tinker panic
	 * does; distrust (default) the source, or exit as ntpd does */
	int panic_exit;

	/* ratelimit (chrony's): interval log2 s, burst count, leak log2;
	 * when given, every client is rate-limited this way. */
	int ratelimit_interval_log2; /* default 3 */
	int ratelimit_burst;         /* default 8 */
	int ratelimit_leak_log2;     /* default 2: one in 4 answered */
	int ratelimit_enabled;

	/* "seccomp 1": run under the system-call allow-list (-F 1). */
	int seccomp;

	/* discard (ntpd's): limits for clients with restrict "limited". */
	int discard_average_log2; /* default 3 */
	int discard_minimum_s;    /* default 2 */
	int discard_monitor;      /* accepted; no effect (fixed table) */

	/* workers N: serving threads (default 1: no thread at all). */
	int workers;
	/* NTS (RFC 8915).  Server: chrony's ntsservercert/ntsserverkey or
	 * NTPsec's "nts cert/key"; it runs when both are set, unless "nts
	 * disable".  nts_enable: 1 "nts enable" given, -1 "nts disable". */
	char nts_cert[CONF_PATH_MAX];
	char nts_key[CONF_PATH_MAX];
	int nts_enable;
	uint16_t nts_port;               /* ntsport, default 4460 */
	char nts_dumpdir[CONF_PATH_MAX]; /* ntsdumpdir: keys and cookies */
	char nts_keyfile[CONF_PATH_MAX]; /* NTPsec "nts cookie FILE" */
	long nts_rotate_s;               /* ntsrotate, default 604800 */
	/* Client: ntstrustedcerts / "nts ca": CA file for every NTS source
	 * without its own "ca" ("": the system's trust store). */
	char nts_trusted[CONF_PATH_MAX];

	struct conf_diag diags[CONF_MAX_DIAGS];
	size_t n_diags;
	size_t n_errors;
	size_t n_warnings;
	int diags_dropped; /* more diagnostics than the table holds */
};

#define CONF_STAT_LOOPSTATS 0x1u
#define CONF_STAT_PEERSTATS 0x2u
#define CONF_STAT_CLOCKSTATS 0x4u
#define CONF_STAT_RAWSTATS 0x8u
#define CONF_STAT_SYSSTATS 0x10u
#define CONF_STAT_PROTOSTATS 0x20u

/* Fill *c with the defaults documented in README's config reference. */
void conf_init(struct conf *c);

/*
 * Parse the file at path into *c (which conf_init must have prepared),
 * following includefile directives relative to the including file's
 * directory.  Returns 0 when no error was found, -1 otherwise; either way
 * the diagnostics are in c->diags.  A file that cannot be opened is an
 * error naming the path and errno text.
 */
int conf_load_file(struct conf *c, const char *path);

/*
 * Parse in-memory text as if it were the file "name".  includefile still
 * reads files from disk.  Returns as conf_load_file.
 */
int conf_load_text(struct conf *c, const char *name, const char *text,
    size_t len);

/* Name of a source kind ("server", "pool", "peer"). */
const char *conf_src_kind_name(enum conf_src_kind k);

#endif

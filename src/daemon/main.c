// SPDX-License-Identifier: ISC
/*
 * stratumd: the NTP daemon.  Takes ntpd's command line (so service files
 * written for ntpd start it unchanged), loads the configuration, and
 * starts in an order that makes every start-up failure visible:
 *
 *   close inherited descriptors; parse arguments; load and check the
 *   configuration; open the log; prepare the pid file; change root (-i);
 *   set up the engine and bind every socket; fork (the parent waits);
 *   write the pid file; drop privileges (-u); seccomp (-F 1); tell the
 *   parent to exit 0; serve.  With $NOTIFY_SOCKET (systemd's Type=notify)
 *   the serving process says READY=1 just before the parent exits, and
 *   STOPPING=1 when it stops.
 *
 * Anything that fails before the last step is reported on stderr and the
 * command exits non-zero, also when it would have gone to the background.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conf/conf.h"
#include "daemon/ctlreload.h"
#include "daemon/engine.h"
#include "daemon/reload.h"
#include "daemon/skey.h"
#include "daemon/version.h"
#include "nts/ncli.h"
#include "os/ifs.h"
#include "os/log.h"
#include "os/notify.h"
#include "os/priv.h"
#include "os/proc.h"
#include "os/sandbox.h"

#define DEFAULT_CONF "/etc/ntp.conf"
#define MAX_IFACE_ARGS 8
#define SLEW_ONLY_STEP_S 600.0 /* -x: ntpd's step threshold in slew mode */
#define ERR_MAX 256
#define READY_STATUS "STATUS=serving, no source selected yet\n"

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t hup_seen;

static void
on_stop(int sig)
{
	stop_signal = sig;
}

static void
on_hup(int sig)
{
	(void)sig;
	hup_seen = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: stratumd [options]          (ntpd's options and meanings)\n"
	    "  -c FILE       configuration file (default " DEFAULT_CONF ")\n"
	    "  --check       check the configuration (with -c) and exit\n"
	    "  -n            do not fork; log to stderr\n"
	    "  -d, -D LEVEL  debug: do not fork, log to stderr\n"
	    "  -p PIDFILE    write the daemon's PID to PIDFILE\n"
	    "  -g            allow the first correction to exceed the panic "
	    "threshold\n"
	    "  -q            set the clock once from the sources, then exit\n"
	    "  -x            slew: step only beyond 600 s (tinker step 600)\n"
	    "  -u USER[:GROUP]  drop to this user and group after start-up\n"
	    "  -i DIR        change root to DIR after start-up (config paths\n"
	    "                are then read inside DIR)\n"
	    "  -F 0|1        seccomp system-call allow-list off/on\n"
	    "  -l LOGFILE    log to LOGFILE instead of syslog\n"
	    "  -4, -6        IPv4 / IPv6 only (sources and listening)\n"
	    "  -I IFACE      listen only on IFACE (name or address; "
	    "repeatable)\n"
	    "  -L            do not listen on virtual interfaces (name with "
	    "':')\n"
	    "  -N            run at raised priority\n"
	    "  -s DIR        statistics directory (statsdir)\n"
	    "  -f FILE       drift file (driftfile)\n"
	    "  -k FILE       key file (keys)\n"
	    "  -U SECONDS    interface rescan interval (default 300; 0: never,\n"
	    "                netlink events included)\n"
	    "  --rundir DIR  where the `stratum reload` secret is written\n"
	    "                (default " CTLRELOAD_DEFAULT_DIR ")\n"
	    "  -V, --version print the version and exit\n"
	    "  -h, --help    print this help and exit\n");
}

struct opts {
	const char *conf_path;
	const char *pidfile;
	const char *user;
	const char *jail;
	const char *logfile;
	const char *statsdir;
	const char *driftfile;
	const char *keyfile;
	const char *ifaces[MAX_IFACE_ARGS];
	size_t n_ifaces;
	int family;
	int foreground;
	int debug;
	int check_only;
	int raise_prio;
	int no_virtual;
	int slew_only;
	int seccomp;        /* -1: as the configuration says */
	const char *rundir; /* --rundir: where reload.key goes */
	int update_s;       /* -U: interface rescan interval, -1 default */
	struct asc_opts asc;
};

/* ntpd's options that stratumd does not implement, refused by name. */
static const struct {
	int ch;
	const char *what;
} unsupported[] = {
	{ 'a', "authentication (authreq) is not implemented" },
	{ 'A', "authentication (authnoreq) is not implemented" },
	{ 'b', "broadcast client mode is not implemented" },
	{ 'm', "multicast client mode is not implemented" },
	{ 'M', "the Windows multimedia timer does not apply" },
	{ 'P', "real-time priority is not implemented (use -N)" },
	{ 'r', "broadcast delay: broadcast mode is not implemented" },
	{ 't', "trusted keys: use trustedkey in the configuration" },
	{ 'v', "setting system variables is not implemented" },
	{ 'w', "wait-sync is not implemented" },
	{ 'z', "setting system variables is not implemented" },
	{ 'G', "force-step-once is not implemented (use -g)" },
};

/* "stratumd: WHAT 'ARG' (...)": one line, no usage dump. */
static int
bad_arg(const char *what, const char *arg)
{
	fprintf(stderr,
	    "stratumd: %s '%s' (stratumd --help lists the options)\n", what,
	    arg);
	return -1;
}

static int
refuse_unknown(int ch, const char *arg)
{
	char opt[3] = { '-', (char)ch, '\0' };
	size_t i;

	for (i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (unsupported[i].ch == ch) {
			fprintf(stderr,
			    "stratumd: ntpd's option -%c is not supported: %s\n",
			    ch, unsupported[i].what);
			return -1;
		}
	if (ch == 0)
		return bad_arg("unknown option", arg);
	return bad_arg("unknown option", opt);
}

static int
parse_level(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* Options with an argument. */
static int
opt_arg(struct opts *o, int ch, const char *arg)
{
	switch (ch) {
	case 'c':
		o->conf_path = arg;
		break;
	case 'p':
		o->pidfile = arg;
		break;
	case 'u':
		o->user = arg;
		break;
	case 'i':
		o->jail = arg;
		break;
	case 'l':
		o->logfile = arg;
		break;
	case 's':
		o->statsdir = arg;
		break;
	case 'f':
		o->driftfile = arg;
		break;
	case 'k':
		o->keyfile = arg;
		break;
	case 'R':
		o->rundir = arg;
		break;
	case 'U':
		if (parse_level(arg, 0, 86400, &o->update_s) != 0)
			return bad_arg("-U needs seconds 0..86400, not", arg);
		break;
	case 'I':
		if (o->n_ifaces >= MAX_IFACE_ARGS)
			return bad_arg("too many -I options (limit 8):", arg);
		o->ifaces[o->n_ifaces++] = arg;
		break;
	case 'D':
		if (parse_level(arg, 0, 10, &o->debug) != 0)
			return bad_arg("-D needs a level 0..10, not", arg);
		o->foreground = 1;
		break;
	case 'F':
		if (parse_level(arg, 0, 1, &o->seccomp) != 0)
			return bad_arg("-F needs 0 or 1, not", arg);
		break;
	default:
		return 1; /* not an option with an argument */
	}
	return 0;
}

/* Options without an argument. */
static int
opt_flag(struct opts *o, int ch)
{
	switch (ch) {
	case '4':
	case '6':
		o->family = ch - '0';
		break;
	case 'd':
		o->debug++;
		o->foreground = 1;
		break;
	case 'n':
		o->foreground = 1;
		break;
	case 'g':
		o->asc.allow_big_first = 1;
		break;
	case 'q':
		o->asc.quit_after_set = 1;
		o->foreground = 1; /* the caller waits for the result */
		break;
	case 'x':
		o->slew_only = 1;
		break;
	case 'N':
		o->raise_prio = 1;
		break;
	case 'L':
		o->no_virtual = 1;
		break;
	case 'C':
		o->check_only = 1;
		break;
	default:
		return 1;
	}
	return 0;
}

static const struct option long_opts[] = {
	{ "check", no_argument, NULL, 'C' },
	{ "rundir", required_argument, NULL, 'R' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ "configfile", required_argument, NULL, 'c' },
	{ "pidfile", required_argument, NULL, 'p' },
	{ "nofork", no_argument, NULL, 'n' },
	{ "panicgate", no_argument, NULL, 'g' },
	{ "quit", no_argument, NULL, 'q' },
	{ "slew", no_argument, NULL, 'x' },
	{ "user", required_argument, NULL, 'u' },
	{ "jaildir", required_argument, NULL, 'i' },
	{ "logfile", required_argument, NULL, 'l' },
	{ "statsdir", required_argument, NULL, 's' },
	{ "driftfile", required_argument, NULL, 'f' },
	{ "keyfile", required_argument, NULL, 'k' },
	{ "interface", required_argument, NULL, 'I' },
	{ "updateinterval", required_argument, NULL, 'U' },
	{ "ipv4", no_argument, NULL, '4' },
	{ "ipv6", no_argument, NULL, '6' },
	{ NULL, 0, NULL, 0 },
};

/* Leading ':' reports a missing argument as ':'; the unsupported ntpd
 * options are listed with their argument so that they parse. */
#define OPTSTRING ":46c:dD:f:F:ghi:I:k:l:Lnp:qs:u:xNVaAbmMP:r:t:U:v:w:z:G"

static int
parse_args(int argc, char **argv, struct opts *o)
{
	int ch, r;

	*o = (struct opts){ .conf_path = DEFAULT_CONF,
		.seccomp = -1,
		.update_s = -1,
		.rundir = CTLRELOAD_DEFAULT_DIR };
	opterr = 0;
	while (
	    (ch = getopt_long(argc, argv, OPTSTRING, long_opts, NULL)) != -1) {
		if (ch == 'V') {
			printf("stratumd %s\n", STRATUM_VERSION);
			exit(0);
		}
		if (ch == 'h') {
			usage(stdout);
			exit(0);
		}
		if (ch == ':')
			return bad_arg("missing argument for option",
			    argv[optind - 1]);
		if (ch == '?')
			return refuse_unknown(optopt, argv[optind - 1]);
		r = opt_arg(o, ch, optarg);
		if (r == 1)
			r = opt_flag(o, ch);
		if (r == 1)
			return refuse_unknown(ch, argv[optind - 1]);
		if (r != 0)
			return -1;
	}
	if (optind != argc)
		return bad_arg("unexpected argument", argv[optind]);
	return 0;
}

/* ---- the command line's changes to the configuration ---- */

static int
set_path(char *dst, size_t cap, const char *src, const char *opt)
{
	if (strlen(src) >= cap) {
		fprintf(stderr, "stratumd: %s: path too long (limit %zu)\n",
		    opt, cap - 1);
		return -1;
	}
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

static struct conf_ifrule *
add_ifrule(struct conf *c, enum conf_if_action act, enum conf_if_match m)
{
	struct conf_ifrule *r;

	if (c->n_ifrules >= CONF_MAX_IFRULES) {
		fprintf(stderr,
		    "stratumd: too many interface rules (limit "
		    "%d)\n",
		    CONF_MAX_IFRULES);
		return NULL;
	}
	r = &c->ifrules[c->n_ifrules++];
	memset(r, 0, sizeof(*r));
	r->action = act;
	r->match = m;
	return r;
}

/* -I NAME|ADDRESS: listen there (after "ignore all" for the first). */
static int
add_iface(struct conf *c, const char *s)
{
	struct conf_ifrule *r = add_ifrule(c, CONF_IF_LISTEN, CONF_IFM_NAME);

	if (r == NULL)
		return -1;
	if (inet_pton(AF_INET, s, r->addr) == 1) {
		r->match = CONF_IFM_ADDRESS;
		r->family = 4;
		r->prefix_len = 32;
	} else if (inet_pton(AF_INET6, s, r->addr) == 1) {
		r->match = CONF_IFM_ADDRESS;
		r->family = 6;
		r->prefix_len = 128;
	} else if (strlen(s) < sizeof(r->name)) {
		memcpy(r->name, s, strlen(s) + 1);
	} else {
		fprintf(stderr, "stratumd: -I %s: name too long\n", s);
		return -1;
	}
	return 0;
}

/* -L: ignore virtual interfaces, ntpd's "name with a ':'". */
static int
ignore_virtual(struct conf *c)
{
	struct ifs_addr a[64];
	struct conf_ifrule *r;
	int n = ifs_list(a, 64), i;

	for (i = 0; i < n; i++) {
		if (strchr(a[i].name, ':') == NULL)
			continue;
		if ((r = add_ifrule(c, CONF_IF_IGNORE, CONF_IFM_NAME)) == NULL)
			return -1;
		snprintf(r->name, sizeof(r->name), "%.*s",
		    (int)sizeof(r->name) - 1, a[i].name);
	}
	return 0;
}

static int
apply_family(struct conf *c, int family)
{
	size_t i;

	for (i = 0; i < c->n_sources; i++)
		if (c->sources[i].family == 0)
			c->sources[i].family = family;
	return add_ifrule(c, CONF_IF_IGNORE,
	           family == 4 ? CONF_IFM_IPV6 : CONF_IFM_IPV4) == NULL
	    ? -1
	    : 0;
}

static int
apply_opts(struct conf *c, const struct opts *o)
{
	size_t i;

	if ((o->keyfile &&
	        set_path(c->keysfile, sizeof(c->keysfile), o->keyfile, "-k") !=
	            0) ||
	    (o->statsdir &&
	        set_path(c->statsdir, sizeof(c->statsdir), o->statsdir, "-s") !=
	            0) ||
	    (o->driftfile &&
	        set_path(c->driftfile, sizeof(c->driftfile), o->driftfile,
	            "-f") != 0) ||
	    (o->logfile &&
	        set_path(c->logfile, sizeof(c->logfile), o->logfile, "-l") !=
	            0))
		return -1;
	if (o->slew_only)
		c->tinker_step_s = SLEW_ONLY_STEP_S;
	if (o->seccomp >= 0)
		c->seccomp = o->seccomp;
	if (o->family && apply_family(c, o->family) != 0)
		return -1;
	if (o->n_ifaces > 0 &&
	    add_ifrule(c, CONF_IF_IGNORE, CONF_IFM_ALL) == NULL)
		return -1;
	for (i = 0; i < o->n_ifaces; i++)
		if (add_iface(c, o->ifaces[i]) != 0)
			return -1;
	if (o->no_virtual && ignore_virtual(c) != 0)
		return -1;
	return 0;
}

/* ---- start-up ---- */

/* Load and report; diagnostics always go to stderr so that an operator
 * starting the daemon sees them before it detaches. */
static int
load_conf(struct conf *c, const char *path)
{
	size_t i;
	int rc;

	conf_init(c);
	rc = conf_load_file(c, path);
	for (i = 0; i < c->n_diags; i++)
		fprintf(stderr, "%s\n", c->diags[i].text);
	if (c->diags_dropped)
		fprintf(stderr, "%s: more diagnostics not shown\n", path);
	return rc;
}

/* The warnings again where the log goes, when that is not stderr. */
static void
log_warnings(const struct logger *lg, const struct conf *c)
{
	size_t i;

	for (i = 0; i < c->n_diags; i++)
		if (c->diags[i].level == CONF_WARNING)
			log_msg(lg, LOG_WARNING, "%s", c->diags[i].text);
}

static void
install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static void
log_plan(const struct logger *lg, const struct conf *c)
{
	if (c->n_sources == 0 && c->local_stratum)
		log_msg(lg, LOG_INFO,
		    "serving the local clock at stratum %d "
		    "(refid LOCL)",
		    c->local_stratum);
	else if (c->n_sources == 0)
		log_msg(lg, LOG_NOTICE,
		    "no time source: answering as "
		    "unsynchronized (leap 3, stratum 16)");
}

static void
log_cmdline(const struct logger *lg, int argc, char **argv)
{
	char line[512];
	size_t used = 0;
	int i, n;

	line[0] = '\0';
	for (i = 0; i < argc; i++) {
		n = snprintf(line + used, sizeof(line) - used, "%s%s",
		    i ? " " : "", argv[i]);
		if (n < 0 || (size_t)n >= sizeof(line) - used)
			break;
		used += (size_t)n;
	}
	log_msg(lg, LOG_INFO, "Command line: %s", line);
}

/* After the engine found no socket: say why in words, from what a bind
 * of the wildcard address to the same port gets. */
static void
explain_bind(const struct logger *lg, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		.sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), e;

	if (fd < 0)
		return;
	e = bind(fd, (const struct sockaddr *)&a, sizeof(a)) == 0 ? 0 : errno;
	(void)close(fd);
	if (e == EACCES || e == EPERM)
		log_msg(lg, LOG_ERR,
		    "cannot listen: port %u needs root or "
		    "CAP_NET_BIND_SERVICE",
		    (unsigned)port);
	else if (e == EADDRINUSE)
		log_msg(lg, LOG_ERR,
		    "cannot listen: port %u: address already in use by "
		    "another process",
		    (unsigned)port);
}

/* Everything the running daemon holds besides the engine. */
struct run {
	struct logger lg;
	struct proc_pidfile pid;
	struct proc_detach det;
	struct priv_user user;
	struct notify notify;
	struct ctlreload_key key;
	int devnull;
	struct kesrv ke; /* the NTS-KE server and cookie keys */
	int has_ke;
	/* Reload: the configuration in use is conf[cur]; the other is
	 * where the next one is read, and becomes current if it is good. */
	struct conf *conf[2];
	int cur;
	const struct opts *o;
	struct engine *e;
};

static int
open_log(struct run *r, const struct conf *c, const struct opts *o)
{
	log_open(&r->lg, "stratumd", o->foreground);
	if (o->debug > 0)
		r->lg.min_prio = LOG_DEBUG;
	if (c->logfile[0] && log_open_file(&r->lg, c->logfile) != 0) {
		fprintf(stderr, "stratumd: cannot open log file %s: %s\n",
		    c->logfile, strerror(errno));
		return -1;
	}
	/* Until started, failures reach the caller's terminal. */
	log_set_stderr(&r->lg, o->foreground ? LOG_DEBUG : LOG_WARNING);
	if (!o->foreground || c->logfile[0])
		log_warnings(&r->lg, c);
	return 0;
}

/* NTS server settings that hold together: a certificate needs its key,
 * "nts enable" needs both. */
static int
nts_check(const struct logger *lg, const struct conf *c)
{
	if ((c->nts_cert[0] == '\0') != (c->nts_key[0] == '\0')) {
		log_msg(lg, LOG_ERR,
		    "NTS server: %s given without %s; refusing to start",
		    c->nts_cert[0] ? "ntsservercert (nts cert)"
		                   : "ntsserverkey (nts key)",
		    c->nts_cert[0] ? "ntsserverkey (nts key)"
		                   : "ntsservercert (nts cert)");
		return -1;
	}
	if (c->nts_enable == 1 && c->nts_cert[0] == '\0') {
		log_msg(lg, LOG_ERR,
		    "nts enable: needs nts cert FILE and nts key FILE");
		return -1;
	}
	return 0;
}

/* The NTS-KE listeners on the addresses the NTP sockets took. */
static int
nts_listen(struct run *r, struct engine *e)
{
	struct sockaddr_storage a[ENG_MAX_SOCKS];
	size_t i;
	int n = 0;

	for (i = 0; i < e->n_socks; i++)
		if (e->socks[i].ifname[0] != '\0')
			a[n++] = e->socks[i].addr.sa;
	return kesrv_listen(&r->ke, a, n) < 0 ? -1 : 0;
}

/* The `stratum reload` secret, readable by root and the user we run as;
 * without it SIGHUP still reloads. */
static void
open_key(struct run *r, const struct opts *o)
{
	long uid = o->user ? (long)r->user.uid : -1;
	long gid = o->user ? (long)r->user.gid : -1;

	r->key.dirfd = -1;
	if (ctlreload_key_init(&r->key, o->rundir, uid, gid) != 0)
		log_msg(&r->lg, LOG_INFO,
		    "stratum reload: cannot write %s/%s (%s); SIGHUP still "
		    "reloads",
		    o->rundir, CTLRELOAD_KEY_FILE, strerror(errno));
}

/* Before the engine: what needs the host's file system and root. */
static int
prepare(struct run *r, const struct conf *c, const struct opts *o)
{
	char err[ERR_MAX];

	r->pid.dirfd = -1;
	r->notify.fd = -1;
	r->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (o->user && priv_parse_user(o->user, &r->user, err, sizeof(err))) {
		fprintf(stderr, "stratumd: -u %s: %s\n", o->user, err);
		return -1;
	}
	if (open_log(r, c, o) != 0)
		return -1;
	if (o->pidfile && proc_pidfile_open(&r->pid, o->pidfile) != 0) {
		log_msg(&r->lg, LOG_ERR, "cannot open the directory of %s: %s",
		    o->pidfile, strerror(errno));
		return -1;
	}
	/* Connected now: the socket's path may be outside a later -i root. */
	if (notify_open(&r->notify) != 0)
		log_msg(&r->lg, LOG_WARNING, "NOTIFY_SOCKET: %s; not notifying",
		    strerror(errno));
	open_key(r, o);
	if (!o->foreground && chdir("/") != 0)
		return -1;
	if (o->raise_prio && setpriority(PRIO_PROCESS, 0, -10) != 0)
		log_msg(&r->lg, LOG_WARNING, "-N: cannot raise priority: %s",
		    strerror(errno));
	/* Certificate, key and the cookie keys' directory: read while the
	 * host's file system and root are still ours. */
	if (nts_check(&r->lg, c) != 0)
		return -1;
	if (kesrv_wanted(c)) {
		if (kesrv_load(&r->ke, c, &r->lg) != 0)
			return -1;
		r->has_ke = 1;
	}
	if (o->jail && priv_chroot(o->jail) != 0) {
		log_msg(&r->lg, LOG_ERR, "-i %s: cannot change root: %s",
		    o->jail, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- reload (SIGHUP, `stratum reload`) ---- */

/* The configuration's errors, logged and reported; warnings logged. */
static void
report_diags(struct run *r, const struct conf *c, struct reload_report *rep)
{
	size_t i;

	for (i = 0; i < c->n_diags; i++) {
		log_msg(&r->lg,
		    c->diags[i].level == CONF_ERROR ? LOG_ERR : LOG_WARNING,
		    "%s", c->diags[i].text);
		if (c->diags[i].level == CONF_ERROR)
			reload_line(rep, "%s", c->diags[i].text);
	}
}

/* Keys are read once, at start (the file may be root's alone): a
 * source's `key N` must name a key the running daemon trusts. */
/* An NTS source of a reloaded file must use a CA file read at start. */
static int
check_source_nts(struct run *r, const struct conf *nc,
    struct reload_report *rep)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < nc->n_sources; i++) {
		const struct conf_source *cs = &nc->sources[i];

		if (!(cs->flags & CONF_SRC_NTS) ||
		    ncli_env_ctx(r->o->asc.nts, nc, cs) != NULL)
			continue;
		log_msg(&r->lg, LOG_ERR,
		    "%s:%d: %s %s: its NTS trust store was not read at start "
		    "(restart to change CA files)",
		    r->o->conf_path, cs->line, conf_src_kind_name(cs->kind),
		    cs->host);
		reload_line(rep, "%s:%d: NTS CA file not read at start",
		    r->o->conf_path, cs->line);
		bad = 1;
	}
	return bad ? -1 : 0;
}

static int
check_source_keys(struct run *r, const struct conf *nc,
    struct reload_report *rep)
{
	const struct skey *k = r->o->asc.skey;
	int bad = 0;
	size_t i;

	for (i = 0; i < nc->n_sources; i++) {
		const struct conf_source *cs = &nc->sources[i];

		if (cs->key_id == 0 ||
		    (k != NULL && k->enabled &&
		        keys_trusted(&k->keys, cs->key_id) != NULL))
			continue;
		log_msg(&r->lg, LOG_ERR,
		    "%s:%d: %s %s: key %lu is not a trusted key of the "
		    "running daemon (keys are read at start: restart to "
		    "change them)",
		    r->o->conf_path, cs->line, conf_src_kind_name(cs->kind),
		    cs->host, (unsigned long)cs->key_id);
		reload_line(rep,
		    "%s:%d: key %lu is not a trusted key of the "
		    "running daemon",
		    r->o->conf_path, cs->line, (unsigned long)cs->key_id);
		bad = 1;
	}
	if (bad)
		log_msg(&r->lg, LOG_ERR,
		    "reload: keeping the running configuration");
	return bad ? -1 : 0;
}

/* Read the file again into the spare slot; -1 with the errors logged
 * and reported when it is not usable. */
static int
reread(struct run *r, struct conf *nc, struct reload_report *rep)
{
	int rc;

	conf_init(nc);
	rc = conf_load_file(nc, r->o->conf_path);
	report_diags(r, nc, rep);
	if (rc != 0) {
		log_msg(&r->lg, LOG_ERR,
		    "reload: %s has %zu error(s); keeping the running "
		    "configuration",
		    r->o->conf_path, nc->n_errors);
		return -1;
	}
	if (check_source_keys(r, nc, rep) != 0 ||
	    check_source_nts(r, nc, rep) != 0)
		return -1;
	/* The command line's changes, as at start.  Its messages go to
	 * stderr (/dev/null once detached); they were checked at start, so
	 * only a file that now has too many interface rules fails. */
	if (apply_opts(nc, r->o) != 0) {
		log_msg(&r->lg, LOG_ERR,
		    "reload: the command line's options do not apply to the "
		    "new configuration; keeping the running one");
		reload_line(rep, "the command line's options do not apply");
		return -1;
	}
	return 0;
}

/* `logfile` changed: lines go to the new file from now on.  Back to
 * syslog (no logfile any more) needs a restart. */
static void
new_logfile(struct run *r, const struct conf *old, const struct conf *nc,
    struct reload_report *rep)
{
	if (strcmp(old->logfile, nc->logfile) == 0)
		return;
	if (nc->logfile[0] == '\0') {
		reload_restart(rep, "logfile");
		return;
	}
	if (log_open_file(&r->lg, nc->logfile) != 0) {
		log_msg(&r->lg, LOG_WARNING,
		    "reload: cannot open log file %s: %s; logging as before",
		    nc->logfile, strerror(errno));
		reload_restart(rep, "logfile");
		return;
	}
	reload_changed(rep, "log file changed");
}

static int
do_reload(void *ctx, struct reload_report *rep)
{
	struct run *r = ctx;
	struct conf *nc = r->conf[r->cur ^ 1];
	char sum[512];

	notify_send(&r->notify, "RELOADING=1\nMONOTONIC_USEC=%lld\n",
	    (long long)(clk_mono_now() / 1000));
	if (log_reopen(&r->lg) != 0)
		log_msg(&r->lg, LOG_WARNING,
		    "cannot reopen the log file: %s; writing to the old one",
		    strerror(errno));
	log_msg(&r->lg, LOG_NOTICE, "reload: reading %s", r->o->conf_path);
	if (reread(r, nc, rep) != 0) {
		notify_send(&r->notify, "READY=1\n");
		return -1;
	}
	eng_reconfigure(r->e, nc, rep);
	new_logfile(r, r->conf[r->cur], nc, rep);
	r->cur ^= 1;
	reload_summary(rep, sum, sizeof(sum));
	log_msg(&r->lg, LOG_NOTICE, "%s", sum);
	reload_line(rep, "%s", sum);
	if (rep->restart[0]) {
		log_msg(&r->lg, LOG_WARNING,
		    "reload: %s changed; needs a restart to take effect",
		    rep->restart);
		reload_line(rep, "%s changed; needs a restart to take effect",
		    rep->restart);
	}
	notify_send(&r->notify, "READY=1\n");
	return 0;
}

/* After binding: detach, pid file, privileges, seccomp.  The clock
 * capability is kept for `clock system`; the one to bind ports below
 * 1024 while interfaces are rescanned (addresses that appear later get
 * their sockets then; -U 0 turns rescans off), as ntpd does. */
static int
lock_down(struct run *r, const struct conf *c, const struct opts *o)
{
	char err[ERR_MAX];
	unsigned keep = 0;

	if (c->clock == CONF_CLOCK_SYSTEM)
		keep |= PRIV_KEEP_TIME;
	if (o->user && c->port < 1024 && o->update_s != 0) {
		if (priv_may_keep_bind())
			keep |= PRIV_KEEP_BIND;
		else
			log_msg(&r->lg, LOG_NOTICE,
			    "no CAP_NET_BIND_SERVICE to keep: addresses that "
			    "appear after start cannot be served on port %u",
			    (unsigned)c->port);
	}

	if (!o->foreground && proc_detach_begin(&r->det, r->devnull) != 0) {
		log_msg(&r->lg, LOG_ERR, "fork: %s", strerror(errno));
		return -1;
	}
	if (r->pid.dirfd >= 0 && proc_pidfile_write(&r->pid, getpid()) != 0) {
		log_msg(&r->lg, LOG_ERR, "cannot write %s: %s", o->pidfile,
		    strerror(errno));
		return -1;
	}
	if (o->user && priv_drop(&r->user, keep, err, sizeof(err)) != 0) {
		log_msg(&r->lg, LOG_ERR, "-u %s: %s", o->user, err);
		return -1;
	}
	if (priv_no_new_privs() != 0)
		log_msg(&r->lg, LOG_WARNING, "PR_SET_NO_NEW_PRIVS: %s",
		    strerror(errno));
	if (c->seccomp && sandbox_seccomp() != 0) {
		log_msg(&r->lg, LOG_ERR, "seccomp: %s", strerror(errno));
		return -1;
	}
	if (o->user)
		log_msg(&r->lg, LOG_INFO, "running as uid %ld gid %ld%s%s%s%s",
		    (long)r->user.uid, (long)r->user.gid,
		    keep ? " with" : ", no capabilities",
		    keep & PRIV_KEEP_TIME ? " CAP_SYS_TIME" : "",
		    keep == (PRIV_KEEP_TIME | PRIV_KEEP_BIND) ? " and" : "",
		    keep & PRIV_KEEP_BIND ? " CAP_NET_BIND_SERVICE" : "");
	if (c->seccomp)
		log_msg(&r->lg, LOG_INFO, "seccomp allow-list active");
	return 0;
}

/* Start and run: the exit status, or -1 when start-up failed. */
static int
serve(struct run *r, struct conf *c, const struct opts *o)
{
	static struct engine e; /* large; kept off the stack */
	int rc;

	install_signals(); /* first: an early SIGHUP must not kill us */
	eng_init(&e, c, &r->lg, &o->asc);
	if (o->update_s >= 0)
		e.rescan_every_s = o->update_s;
	e.no_virtual = o->no_virtual;
	e.asc.notify = &r->notify;
	e.nts = r->has_ke ? &r->ke : NULL;
	e.reload = do_reload;
	e.reload_ctx = r;
	e.reload_key = r->key;
	e.reload_key.dirfd = -1; /* run's to close */
	r->e = &e;
	if (eng_open_sockets(&e) < 0) {
		explain_bind(&r->lg, c->port);
		eng_close(&e);
		return -1;
	}
	if ((r->has_ke && nts_listen(r, &e) != 0) || lock_down(r, c, o) != 0 ||
	    (r->has_ke && kesrv_start(&r->ke) != 0)) {
		eng_close(&e);
		if (r->has_ke)
			kesrv_stop(&r->ke);
		return -1;
	}
	log_plan(&r->lg, c);
	/* Started: stderr keeps a copy only in the foreground without a
	 * log file, or when debugging. */
	log_set_stderr(&r->lg,
	    o->foreground && (o->debug > 0 || c->logfile[0] == '\0') ? LOG_DEBUG
	                                                             : -1);
	/* Before the parent exits, so that readiness is known when the
	 * command that started us returns. */
	if (!o->foreground)
		notify_send(&r->notify, "READY=1\nMAINPID=%ld\n%s",
		    (long)getpid(), READY_STATUS);
	else
		notify_send(&r->notify, "READY=1\n%s", READY_STATUS);
	if (!o->foreground)
		proc_detach_finish(&r->det);
	rc = eng_run(&e, &stop_signal, &hup_seen);
	notify_send(&r->notify, "STOPPING=1\n");
	if (stop_signal)
		log_msg(&r->lg, LOG_NOTICE, "exiting on signal %d",
		    (int)stop_signal);
	eng_close(&e);
	if (r->has_ke)
		kesrv_stop(&r->ke);
	proc_pidfile_close(&r->pid);
	notify_close(&r->notify);
	return rc;
}

int
main(int argc, char **argv)
{
	static struct conf confs[2]; /* large; kept off the stack */
	struct conf *cp = &confs[0];
	static struct skey keys;
	static struct ncli_env nts;
	char err[KECLI_ERR_MAX + 64];
	struct run r;
	struct opts o;
	int rc;

	proc_close_inherited();
	if (parse_args(argc, argv, &o) != 0)
		return 2;
	if (load_conf(cp, o.conf_path) != 0) {
		fprintf(stderr, "stratumd: %s: %zu error(s); not started\n",
		    o.conf_path, cp->n_errors);
		return 1;
	}
	if (apply_opts(cp, &o) != 0) {
		fprintf(stderr, "stratumd: not started\n");
		return 1;
	}
	/* Now, before the privilege drop and -i: the key file is for root
	 * alone to read. */
	if (skey_setup(&keys, cp) != 0) {
		fprintf(stderr, "stratumd: %s: key error(s); not started\n",
		    o.conf_path);
		return 1;
	}
	o.asc.skey = &keys;
	/* The NTS sources' trust stores too: read before -i and -u. */
	if (ncli_env_setup(&nts, cp, err, sizeof(err)) != 0) {
		fprintf(stderr, "stratumd: NTS: %s; not started\n", err);
		skey_close(&keys);
		return 1;
	}
	o.asc.nts = &nts;
	if (o.check_only) {
		printf("%s: configuration OK (%zu warning(s))\n", o.conf_path,
		    cp->n_warnings + (size_t)keys.n_warn);
		return 0;
	}
	memset(&r, 0, sizeof(r));
	r.conf[0] = &confs[0];
	r.conf[1] = &confs[1];
	r.o = &o;
	if (prepare(&r, cp, &o) != 0) {
		fprintf(stderr, "stratumd: not started\n");
		return 1;
	}
	log_msg(&r.lg, LOG_NOTICE, "stratumd %s: starting", STRATUM_VERSION);
	log_cmdline(&r.lg, argc, argv);
	if (!o.foreground || cp->logfile[0])
		skey_log_warnings(&keys, &r.lg);
	rc = serve(&r, cp, &o);
	skey_close(&keys);
	ncli_env_close(&nts);
	if (rc < 0) {
		log_msg(&r.lg, LOG_ERR, "not started");
		rc = 1;
	}
	ctlreload_key_close(&r.key);
	log_close(&r.lg);
	return rc;
}

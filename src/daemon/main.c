// SPDX-License-Identifier: ISC
/*
 * stratumd: the NTP daemon.  Parses arguments and the configuration,
 * sets up logging and signals, and hands over to the engine.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "daemon/engine.h"
#include "os/log.h"

#define STRATUM_VERSION "0.1.0"
#define DEFAULT_CONF "/etc/ntp.conf"

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
	    "usage: stratumd [-d] [-n] [-q] [-g] [-c FILE] [-p PIDFILE] [-V]\n"
	    "  -c FILE     configuration file (default " DEFAULT_CONF ")\n"
	    "  -d          stay in the foreground and log to stderr\n"
	    "  -g          allow the first correction to exceed the panic "
	    "threshold\n"
	    "  -n          check the configuration file and exit\n"
	    "  -p PIDFILE  write the daemon's PID to PIDFILE\n"
	    "  -q          set the clock once from the sources, then exit\n"
	    "  -V          print the version and exit\n");
}

struct opts {
	const char *conf_path;
	const char *pidfile;
	int foreground;
	int check_only;
	struct asc_opts asc;
};

static int
parse_args(int argc, char **argv, struct opts *o)
{
	int ch;

	*o = (struct opts){ .conf_path = DEFAULT_CONF };
	while ((ch = getopt(argc, argv, "c:dgnp:qVh")) != -1) {
		switch (ch) {
		case 'c':
			o->conf_path = optarg;
			break;
		case 'd':
			o->foreground = 1;
			break;
		case 'n':
			o->check_only = 1;
			break;
		case 'g':
			o->asc.allow_big_first = 1;
			break;
		case 'q':
			o->asc.quit_after_set = 1;
			break;
		case 'p':
			o->pidfile = optarg;
			break;
		case 'V':
			printf("stratumd %s\n", STRATUM_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "stratumd: unexpected argument '%s'\n",
		    argv[optind]);
		usage(stderr);
		return -1;
	}
	return 0;
}

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

static int
write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f);
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
	if (c->leapfile[0])
		log_msg(lg, LOG_WARNING,
		    "leapfile %s: not read in this version "
		    "(leap seconds come from the sources)",
		    c->leapfile);
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

static int
serve(struct conf *c, const struct opts *o, struct logger *lg)
{
	struct engine e;
	int rc;

	install_signals(); /* first: an early SIGHUP must not kill us */
	eng_init(&e, c, lg, &o->asc);
	if (eng_open_sockets(&e) < 0) {
		eng_close(&e);
		return 1;
	}
	log_plan(lg, c);
	if (o->pidfile && write_pidfile(o->pidfile) != 0)
		log_msg(lg, LOG_ERR, "cannot write %s: %s", o->pidfile,
		    strerror(errno));
	rc = eng_run(&e, &stop_signal, &hup_seen);
	if (stop_signal)
		log_msg(lg, LOG_NOTICE, "exiting on signal %d",
		    (int)stop_signal);
	eng_close(&e);
	if (o->pidfile)
		unlink(o->pidfile);
	return rc;
}

int
main(int argc, char **argv)
{
	static struct conf c; /* large; kept off the stack */
	struct logger lg;
	struct opts o;
	int rc;

	if (parse_args(argc, argv, &o) != 0)
		return 2;
	if (load_conf(&c, o.conf_path) != 0) {
		fprintf(stderr, "stratumd: %s: %zu error(s); not started\n",
		    o.conf_path, c.n_errors);
		return 1;
	}
	if (o.check_only) {
		printf("%s: configuration OK (%zu warning(s))\n", o.conf_path,
		    c.n_warnings);
		return 0;
	}
	if (!o.foreground && daemon(0, 0) != 0) {
		fprintf(stderr, "stratumd: daemon: %s\n", strerror(errno));
		return 1;
	}
	log_open(&lg, "stratumd", o.foreground);
	log_msg(&lg, LOG_NOTICE, "stratumd %s: starting", STRATUM_VERSION);
	log_cmdline(&lg, argc, argv);
	rc = serve(&c, &o, &lg);
	log_close(&lg);
	return rc;
}

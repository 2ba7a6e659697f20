// SPDX-License-Identifier: ISC
/*
 * stratum: the command-line tool.  `stratum query` measures servers the
 * way `ntpdate -q`/sntp do; `stratum sync` measures and then sets the
 * clock like ntpdate (or, with --dry-run, says what it would do).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/metrics.h"
#include "cli/peers.h"
#include "cli/query.h"
#include "cli/reload.h"
#include "cli/report.h"
#include "cli/views.h"
#include "cli/web.h"
#include "core/ts.h"
#include "os/clk.h"
#include "os/res.h"

#define STRATUM_VERSION "0.1.0"

struct cli {
	struct qry_opts q;
	struct rep_opts r;
	int sync;
	int force_step;
	int dry_run;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: stratum query [options] SERVER...\n"
	    "       stratum sync [options] [-b] [--dry-run] SERVER...\n"
	    "       stratum peers [-n] [-j] [-h HOST] [-p PORT]\n"
	    "       stratum sources [-v] [-n] [-j] [-h HOST] [-p PORT]\n"
	    "       stratum tracking|status [-n] [-j] [-h HOST] [-p PORT]\n"
	    "       stratum counters [-j] [-h HOST] [-p PORT]\n"
	    "       stratum mrulist [-n] [-j] [-h HOST] [-p PORT]\n"
	    "       stratum reload [-h HOST] [-p PORT] [--rundir DIR]\n"
	    "       stratum metrics [-h HOST] [-p PORT]\n"
	    "       stratum web [--listen ADDR:PORT] [--stats DIR] "
	    "[--interval S] [-h HOST] [-p PORT]\n"
	    "options:\n"
	    "  -p PORT      server port (default 123)\n"
	    "  -c COUNT     requests per server address (default 4, max %d)\n"
	    "  -t TIMEOUT   seconds to wait for each reply (default 2)\n"
	    "  -i INTERVAL  seconds between requests to one address "
	    "(default 2)\n"
	    "  -4, -6       use only IPv4 / IPv6 addresses\n"
	    "  -v           also print stratum, refid, leap, delay, jitter,\n"
	    "               root distance\n"
	    "  -j, --json   print JSON instead of text\n"
	    "  -b           sync: always step, never slew\n"
	    "  --dry-run    sync: print the adjustment, leave the clock\n"
	    "peers: the daemon's associations as `ntpq -p` shows them, over\n"
	    "NTP mode 6 (default 127.0.0.1 port 123); -n numeric addresses,\n"
	    "-j JSON\n"
	    "sources: as `chronyc sources` (-v: with the legend); tracking:\n"
	    "as `chronyc tracking`; status: as `w32tm /query /status`, and\n"
	    "whether it is synchronized; counters: packets received, answered,\n"
	    "dropped by reason; mrulist: the clients the daemon's MRU list\n"
	    "holds (stratumd: those it rate-limits), as `ntpq -c mrulist`\n"
	    "metrics: the daemon's state in the Prometheus text format\n"
	    "web: serve a status page, /metrics and /api/status over HTTP\n"
	    "(default 127.0.0.1:8123)\n",
	    QRY_MAX_COUNT);
}

static int
parse_num(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi))
		return -1;
	*out = v;
	return 0;
}

/* Every error is one line, "stratum: ...", never followed by the whole
 * usage text. */
static int
bad_value(int opt, const char *arg)
{
	fprintf(stderr, "stratum: invalid value '%s' for -%c\n", arg, opt);
	return -1;
}

static void
hint(void)
{
	fprintf(stderr,
	    "stratum: 'stratum --help' lists the commands and "
	    "options\n");
}

static int
parse_opt(struct cli *c, int ch, const char *arg)
{
	double v;

	switch (ch) {
	case 'p':
		if (parse_num(arg, 1, 65535, &v) || v != floor(v))
			return bad_value(ch, arg);
		c->q.port = (uint16_t)v;
		return 0;
	case 'c':
		if (parse_num(arg, 1, QRY_MAX_COUNT, &v) || v != floor(v))
			return bad_value(ch, arg);
		c->q.count = (int)v;
		return 0;
	case 't':
		if (parse_num(arg, 0.001, 3600, &c->q.timeout_s))
			return bad_value(ch, arg);
		return 0;
	case 'i':
		if (parse_num(arg, 0, 3600, &c->q.interval_s))
			return bad_value(ch, arg);
		return 0;
	}
	return -1;
}

static int
parse_args(int argc, char **argv, struct cli *c)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "dry-run", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":p:c:t:i:46vjbh", lopts, NULL)) !=
	    -1) {
		if (ch == '4' || ch == '6')
			c->q.family = ch == '4' ? 4 : 6;
		else if (ch == 'v')
			c->r.verbose = 1;
		else if (ch == 'j')
			c->r.json = 1;
		else if (ch == 'b')
			c->force_step = 1;
		else if (ch == 'D')
			c->dry_run = 1;
		else if (ch == 'h') {
			usage(stdout);
			exit(0);
		} else if (ch == ':') {
			fprintf(stderr, "stratum: option '%s' needs a value\n",
			    argv[optind - 1]);
			return -1;
		} else if (ch == '?') {
			fprintf(stderr, "stratum: unknown option '%s'\n",
			    argv[optind - 1]);
			return -1;
		} else if (parse_opt(c, ch, optarg) != 0) {
			return -1;
		}
	}
	if ((c->force_step || c->dry_run) && !c->sync) {
		fprintf(stderr, "stratum: -b and --dry-run go with 'sync'\n");
		return -1;
	}
	return 0;
}

/* Resolve every server; an unresolvable name is an error on its own. */
static int
resolve_all(char **names, int n, const struct qry_opts *o, struct qry_target *t,
    size_t *nt)
{
	struct udp_peer addrs[16];
	const char *err;
	int i, k, got, bad = 0, total = 0;

	*nt = 0;
	for (i = 0; i < n; i++) {
		got = res_lookup(names[i], o->port, o->family, addrs, 16, &err);
		if (got < 0) {
			fprintf(stderr, "stratum: cannot resolve '%s': %s\n",
			    names[i], err);
			bad = 1;
			continue;
		}
		total += got;
		for (k = 0; k < got && *nt < QRY_MAX_TARGETS; k++)
			qry_target_init(&t[(*nt)++], names[i], &addrs[k]);
	}
	if (total > QRY_MAX_TARGETS) {
		fprintf(stderr,
		    "stratum: %d server addresses; at most %d can be asked at "
		    "once\n",
		    total, QRY_MAX_TARGETS);
		return -2;
	}
	return bad ? -1 : 0;
}

static int
adjust(struct cli *c, const struct qry_target *t, size_t n)
{
	const struct qry_target *b = rep_pick(t, n);
	struct clk clk;
	int64_t off;
	int step;

	if (b == NULL) {
		rep_adjust_line(&c->r, NULL, 0, c->dry_run);
		return -1;
	}
	off = b->samples[b->best].offset_ns;
	step = c->force_step || llabs(off) > TS_NS_PER_S / 2;
	rep_adjust_line(&c->r, b, step, c->dry_run);
	if (c->dry_run)
		return 0;
	clk_init(&clk, CLK_SYSTEM, 0, 0);
	if (clk_once(&clk, step, off) != 0) {
		fprintf(stderr, "stratum: cannot %s the clock: %s\n",
		    step ? "step" : "slew", strerror(errno));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct qry_target targets[QRY_MAX_TARGETS];
	struct cli c = { .q = { .port = 123,
		             .count = 4,
		             .timeout_s = 2,
		             .interval_s = 2 } };
	size_t nt;
	int rc;

	if (argc >= 2 &&
	    (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	        strcmp(argv[1], "help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 &&
	    (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)) {
		printf("stratum %s\n", STRATUM_VERSION);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "peers") == 0)
		return peers_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "sources") == 0)
		return sources_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "tracking") == 0)
		return tracking_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "status") == 0)
		return status_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "counters") == 0)
		return counters_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "mrulist") == 0)
		return mrulist_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "reload") == 0)
		return reload_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "metrics") == 0)
		return metrics_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "web") == 0)
		return web_main(argc - 1, argv + 1);
	if (argc < 2 ||
	    (strcmp(argv[1], "query") != 0 && strcmp(argv[1], "sync") != 0)) {
		if (argc >= 2)
			fprintf(stderr, "stratum: unknown command '%s'\n",
			    argv[1]);
		else
			fprintf(stderr, "stratum: no command given\n");
		hint();
		return 2;
	}
	c.sync = strcmp(argv[1], "sync") == 0;
	c.r.sync = c.sync;
	if (parse_args(argc - 1, argv + 1, &c) != 0) {
		hint();
		return 2;
	}
	if (optind + 1 >= argc) {
		fprintf(stderr, "stratum: no server given\n");
		return 2;
	}
	rc = resolve_all(argv + optind + 1, argc - optind - 1, &c.q, targets,
	    &nt);
	if (rc == -2)
		return 2;
	if (nt > 0 && qry_run(targets, nt, &c.q) != 0) {
		fprintf(stderr, "stratum: %s\n", strerror(errno));
		return 1;
	}
	if (rep_print(&c.r, targets, nt, argv + optind + 1,
	        argc - optind - 1) != 0)
		rc = -1;
	if (c.sync && adjust(&c, targets, nt) != 0)
		rc = -1;
	return rc == 0 ? 0 : 1;
}

// SPDX-License-Identifier: ISC
/* reload: `stratum reload` (see reload.h). */
#include "cli/reload.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/ctlq.h"
#include "os/res.h"

#define RELOAD_OP 8                /* mode 6 CONFIGURE, as daemon/ctlreload */
#define RELOAD_DIR "/run/stratumd" /* the daemon's default --rundir */
#define RELOAD_FILE "reload.key"
#define RELOAD_HEX 64
#define RELOAD_TIMEOUT_S 10.0 /* a reload re-reads files: not instant */

struct reload_opts {
	const char *host;
	const char *dir;
	uint16_t port;
};

static int
parse(int argc, char **argv, struct reload_opts *o)
{
	static const struct option lopts[] = {
		{ "rundir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long v;
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h:p:d:", lopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			o->host = optarg;
			break;
		case 'd':
			o->dir = optarg;
			break;
		case 'p':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1 ||
			    v > 65535) {
				fprintf(stderr,
				    "stratum: invalid value '%s' for -p\n",
				    optarg);
				return -1;
			}
			o->port = (uint16_t)v;
			break;
		case 'H':
			printf("usage: stratum reload [-h HOST] [-p PORT] "
			       "[--rundir DIR]\n"
			       "Ask the local stratumd to reload its "
			       "configuration, with the secret in\n"
			       "DIR/reload.key (default " RELOAD_DIR ").\n");
			exit(0);
		default:
			fprintf(stderr, "stratum: %s option '%s'\n",
			    ch == ':' ? "missing value for" : "unknown",
			    argv[optind - 1]);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "stratum: unexpected argument '%s'\n",
		    argv[optind]);
		return -1;
	}
	return 0;
}

/* The request text, "reload " and the secret's hex digits; -1 when the
 * file cannot be read (root or the daemon's user only) or is not one. */
static int
read_secret(const char *dir, char *req, size_t cap)
{
	char path[4096], b[RELOAD_HEX + 2];
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "%s/%s", dir, RELOAD_FILE);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		fprintf(stderr, "stratum: cannot read %s: %s%s\n", path,
		    strerror(errno),
		    errno == EACCES ? " (run as root or the daemon's user)"
		                    : "");
		return -1;
	}
	n = read(fd, b, sizeof(b));
	(void)close(fd);
	for (i = 0; n >= RELOAD_HEX && i < RELOAD_HEX; i++)
		if (!strchr("0123456789abcdef", b[i]) || b[i] == '\0')
			n = -1;
	if (n < RELOAD_HEX || (n > RELOAD_HEX && b[RELOAD_HEX] != '\n')) {
		fprintf(stderr, "stratum: %s: not a reload key\n", path);
		return -1;
	}
	snprintf(req, cap, "reload %.*s", RELOAD_HEX, b);
	return 0;
}

static int
ask(const struct reload_opts *o, const char *req)
{
	static struct ctlq_resp r;
	struct udp_peer to;
	const char *err;
	struct ctlq q;
	int rc;

	if (res_lookup(o->host, o->port, 0, &to, 1, &err) < 1) {
		fprintf(stderr, "stratum: cannot resolve '%s': %s\n", o->host,
		    err);
		return 1;
	}
	if (ctlq_open(&q, &to, RELOAD_TIMEOUT_S) != 0) {
		fprintf(stderr, "stratum: socket: %s\n", strerror(errno));
		return 1;
	}
	rc = ctlq_ask(&q, RELOAD_OP, 0, req, &r);
	ctlq_close(&q);
	if (rc != 0) {
		fprintf(stderr, "stratum: no answer from %s port %u: %s\n",
		    o->host, (unsigned)o->port, strerror(errno));
		return 1;
	}
	if (r.error == 1 + 1) { /* CTL_ERR_PERMISSION */
		fprintf(stderr,
		    "stratum: reload refused: wrong secret, or not from "
		    "loopback\n");
		return 1;
	}
	if (r.error != 0) {
		fprintf(stderr, "stratum: reload: server error %d\n",
		    r.error - 1);
		return 1;
	}
	fputs((const char *)r.data, stdout);
	return strncmp((const char *)r.data, "reload: applied", 15) == 0 ? 0
	                                                                 : 1;
}

int
reload_main(int argc, char **argv)
{
	struct reload_opts o = { .host = "127.0.0.1",
		.dir = RELOAD_DIR,
		.port = 123 };
	char req[96];

	if (parse(argc, argv, &o) != 0)
		return 2;
	if (read_secret(o.dir, req, sizeof(req)) != 0)
		return 1;
	return ask(&o, req);
}

// SPDX-License-Identifier: ISC
/* ctlview: shared parts of the mode 6 views.  See ctlview.h. */
#include "cli/ctlview.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ts.h"
#include "ctl/ctl.h"
#include "os/clk.h"
#include "os/res.h"

static const char *const err_names[] = { "UNSPEC", "PERMISSION", "BADFMT",
	"BADOP", "BADASSOC", "UNKNOWNVAR", "BADVALUE", "RESTRICT" };

const char *
cv_err_name(int error)
{
	int code = error - 1;

	return code >= 0 && code < 8 ? err_names[code] : "UNKNOWN";
}

static int
port_arg(const char *s, uint16_t *port)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 1 || v > 65535) {
		fprintf(stderr, "stratum: invalid value '%s' for -p\n", s);
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

/* What each view letter means, for the usage line. */
static void
cv_usage(const char *cmd, const char *flags)
{
	printf("usage: stratum %s", cmd);
	if (strchr(flags, 'n'))
		printf(" [-n]");
	if (strchr(flags, 'v'))
		printf(" [-v]");
	if (strchr(flags, 'a'))
		printf(" [-a]");
	if (strchr(flags, 'j'))
		printf(" [-j]");
	printf(" [-h HOST] [-p PORT]\n");
	if (strchr(flags, 'n'))
		printf("  -n       numeric addresses, no name lookups\n");
	if (strchr(flags, 'v'))
		printf("  -v       with the legend\n");
	if (strchr(flags, 'a'))
		printf(
		    "  -a       how each source is authenticated (NTS, key)\n");
	if (strchr(flags, 'j'))
		printf("  -j       JSON (doc/json.md)\n");
	printf("  -h HOST  the daemon to ask (default 127.0.0.1)\n"
	       "  -p PORT  its port (default 123)\n");
}

int
cv_parse(int argc, char **argv, const char *flags, struct cv_opts *o)
{
	char spec[16];
	int ch, i;

	o->cmd = argv[0];
	o->host = "127.0.0.1";
	o->port = 123;
	/* Long options: --help, anything else named as typed. */
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strncmp(argv[i], "--", 2) != 0)
			continue;
		if (strcmp(argv[i], "--help") == 0) {
			cv_usage(o->cmd, flags);
			return 1;
		}
		fprintf(stderr, "stratum: unknown option '%s'\n", argv[i]);
		return -1;
	}
	snprintf(spec, sizeof(spec), ":%sh:p:", flags);
	opterr = 0;
	optind = 1;
	while ((ch = getopt(argc, argv, spec)) != -1) {
		if (ch == 'n')
			o->numeric = 1;
		else if (ch == 'j')
			o->json = 1;
		else if (ch == 'v')
			o->verbose = 1;
		else if (ch == 'a')
			o->auth = 1;
		else if (ch == 'h')
			o->host = optarg;
		else if (ch == 'p') {
			if (port_arg(optarg, &o->port) != 0)
				return -1;
		} else {
			fprintf(stderr, "stratum: %s '-%c'\n",
			    ch == ':' ? "option needs a value"
			              : "unknown option",
			    optopt);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "stratum: %s takes no argument ('%s')\n",
		    o->cmd, argv[optind]);
		return -1;
	}
	return 0;
}

const char *
cv_auth_of(uint16_t status)
{
	if (!(status & 0x4000u))
		return "none";
	return (status & 0x2000u) ? "ok" : "bad";
}

void
cv_var_str(const struct ctl_var *v, char *out, size_t cap)
{
	size_t n = v->value_len < cap - 1 ? v->value_len : cap - 1;

	if (v->value != NULL)
		memcpy(out, v->value, n);
	else
		n = 0;
	out[n] = '\0';
}

double
cv_var_num(const struct ctl_var *v)
{
	char b[64], *end;
	double d;

	cv_var_str(v, b, sizeof(b));
	d = strtod(b, &end);
	return end == b ? NAN : d;
}

double
cv_var_age(const struct ctl_var *v)
{
	char b[64], *dot;
	uint64_t ts;

	cv_var_str(v, b, sizeof(b));
	dot = strchr(b, '.');
	if (dot == NULL)
		return NAN;
	*dot = '\0';
	ts = strtoull(b, NULL, 16) << 32 | strtoull(dot + 1, NULL, 16);
	if (ts == 0)
		return NAN;
	return ts_to_s(clk_real_now() - ts_from_ntp64(ts));
}

int
cv_main(int argc, char **argv, const char *flags,
    int (*run)(struct ctlq *q, const struct cv_opts *o))
{
	struct cv_opts o = { 0 };
	struct ctlq q;
	int rc;

	if ((rc = cv_parse(argc, argv, flags, &o)) != 0)
		return rc < 0 ? 2 : 0;
	if (cv_open(&q, &o) != 0)
		return 1;
	rc = run(&q, &o);
	ctlq_close(&q);
	return rc;
}

int
cv_open(struct ctlq *q, const struct cv_opts *o)
{
	struct udp_peer to;
	const char *err;

	if (res_lookup(o->host, o->port, 0, &to, 1, &err) < 1) {
		fprintf(stderr, "stratum: cannot resolve '%s': %s\n", o->host,
		    err);
		return -1;
	}
	if (ctlq_open(q, &to, CV_TIMEOUT_S) != 0) {
		fprintf(stderr, "stratum: socket: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int
cv_ask(struct ctlq *q, const struct cv_opts *o, uint8_t opcode, uint16_t assoc,
    const char *vars, struct ctlq_resp *r, int quiet_err)
{
	if (ctlq_ask(q, opcode, assoc, vars, r) != 0) {
		fprintf(stderr,
		    "stratum: no daemon answering on %s:%u (is stratumd "
		    "running? mode 6 restricted?)\n",
		    o->host, (unsigned)o->port);
		return -1;
	}
	if (r->error && !quiet_err) {
		fprintf(stderr, "stratum: %s:%u: server error %s\n", o->host,
		    (unsigned)o->port, cv_err_name(r->error));
		return -1;
	}
	return 0;
}

int
cv_assoc_ids(struct ctlq *q, const struct cv_opts *o, uint16_t *ids, int *n)
{
	static struct ctlq_resp r;
	uint16_t t;
	size_t i;
	int a, b;

	if (cv_ask(q, o, CTL_OP_READSTAT, 0, NULL, &r, 0) != 0)
		return -1;
	*n = 0;
	for (i = 0; i + 4 <= r.len && *n < CV_MAX_ASSOC; i += 4)
		ids[(*n)++] = (uint16_t)(r.data[i] << 8 | r.data[i + 1]);
	for (a = 1; a < *n; a++) /* few: insertion sort */
		for (b = a; b > 0 && ids[b - 1] > ids[b]; b--) {
			t = ids[b];
			ids[b] = ids[b - 1];
			ids[b - 1] = t;
		}
	return 0;
}

int
cv_str(const struct cv_vars *v, const char *name, char *out, size_t cap)
{
	struct ctl_vcur c;
	struct ctl_var x;
	size_t n;

	out[0] = '\0';
	ctl_vcur_init(&c, v->text, v->len);
	while (ctl_var_next(&c, &x)) {
		if (!ctl_var_is(&x, name))
			continue;
		n = x.value_len < cap - 1 ? x.value_len : cap - 1;
		if (x.value != NULL)
			memcpy(out, x.value, n);
		else
			n = 0;
		out[n] = '\0';
		return 1;
	}
	return 0;
}

double
cv_num(const struct cv_vars *v, const char *name)
{
	char b[64], *end;
	double d;

	if (!cv_str(v, name, b, sizeof(b)))
		return NAN;
	d = strtod(b, &end);
	return end == b ? NAN : d;
}

double
cv_ntp_time(const struct cv_vars *v, const char *name)
{
	char b[64], *dot, *end;
	uint64_t hi, lo;

	if (!cv_str(v, name, b, sizeof(b)) || (dot = strchr(b, '.')) == NULL)
		return NAN;
	*dot = '\0';
	hi = strtoull(b, &end, 16);
	if (*end != '\0')
		return NAN;
	lo = strtoull(dot + 1, &end, 16);
	if ((*end != '\0' && *end != ' ') || (hi == 0 && lo == 0))
		return NAN;
	return ts_to_s(ts_from_ntp64(hi << 32 | lo));
}

const char *
cv_utc(double unix_s, char *out, size_t cap)
{
	time_t t;
	struct tm tm;

	if (isnan(unix_s))
		return "-";
	t = (time_t)unix_s;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, cap, "%a %b %d %H:%M:%S %Y", &tm) == 0)
		return "-";
	return out;
}

uint32_t
cv_refid_value(const char *refid)
{
	unsigned a, b, c, d;
	char tail;
	uint32_t v = 0;
	int i;

	if (sscanf(refid, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 &&
	    a < 256 && b < 256 && c < 256 && d < 256)
		return a << 24 | b << 16 | c << 8 | d;
	for (i = 0; i < 4 && refid[i] != '\0'; i++)
		v |= (uint32_t)(unsigned char)refid[i] << (24 - 8 * i);
	return v;
}

void
cv_name(const char *addr, int numeric, char *out, size_t cap)
{
	struct udp_peer p[1];
	const char *err;
	char host[NI_MAXHOST];

	snprintf(out, cap, "%s", addr);
	if (numeric || addr[0] == '\0' ||
	    res_lookup(addr, 123, 0, p, 1, &err) != 1)
		return;
	if (getnameinfo((const struct sockaddr *)&p[0].sa, p[0].len, host,
	        sizeof(host), NULL, 0, NI_NAMEREQD) == 0)
		snprintf(out, cap, "%s", host);
}

void
cv_jnum(const char *name, double v, const char *sep)
{
	if (isnan(v) || isinf(v))
		printf("\"%s\": null%s", name, sep);
	else
		printf("\"%s\": %.9g%s", name, v, sep);
}

void
cv_jint(const char *name, double v, const char *sep)
{
	if (isnan(v) || isinf(v))
		printf("\"%s\": null%s", name, sep);
	else
		printf("\"%s\": %.0f%s", name, v, sep);
}

void
cv_jstr(const char *name, const char *s, const char *sep)
{
	printf("\"%s\": \"", name);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	printf("\"%s", sep);
}

void
cv_jbool(const char *name, int v, const char *sep)
{
	printf("\"%s\": %s%s", name,
	    v < 0       ? "null"
	        : v > 0 ? "true"
	                : "false",
	    sep);
}

void
cv_jhead(const struct cv_opts *o)
{
	printf("{");
	cv_jstr("host", o->host, ", ");
	printf("\"port\": %u, ", (unsigned)o->port);
}

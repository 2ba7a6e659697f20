// SPDX-License-Identifier: ISC
/* peers: `stratum peers`.  See peers.h. */
#include "cli/peers.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ctlq.h"
#include "core/ts.h"
#include "ctl/ctl.h"
#include "os/clk.h"
#include "os/res.h"

#define PEERS_MAX 64
#define PEERS_TIMEOUT_S 2.0

struct peers_opts {
	const char *host;
	uint16_t port;
	int numeric;
	int json;
};

/* One association as the table shows it; NAN or -1: not sent. */
struct peer_row {
	uint16_t assoc, status;
	char remote[128];
	char refid[64];
	int stratum; /* 16 when not sent (ntpq: 20) */
	char type;
	double when_s; /* NAN: never heard */
	double poll_s;
	unsigned reach;
	double delay_ms, offset_ms, jitter_ms;
};

static const char *const err_names[] = { "UNSPEC", "PERMISSION", "BADFMT",
	"BADOP", "BADASSOC", "UNKNOWNVAR", "BADVALUE", "RESTRICT" };

static const char *
err_name(int error)
{
	int code = error - 1;

	return code >= 0 && code < 8 ? err_names[code] : "UNKNOWN";
}

/* Copy a value into a NUL-terminated buffer. */
static void
val(const struct ctl_var *v, char *out, size_t cap)
{
	size_t n = v->value_len < cap - 1 ? v->value_len : cap - 1;

	if (v->value != NULL)
		memcpy(out, v->value, n);
	else
		n = 0;
	out[n] = '\0';
}

static double
num(const struct ctl_var *v)
{
	char b[64], *end;
	double d;

	val(v, b, sizeof(b));
	d = strtod(b, &end);
	return end == b ? NAN : d;
}

static double
ntp_ts_age(const struct ctl_var *v)
{
	char b[64], *dot;
	uint64_t ts;

	val(v, b, sizeof(b));
	dot = strchr(b, '.');
	if (dot == NULL)
		return NAN;
	*dot = '\0';
	ts = strtoull(b, NULL, 16) << 32 | strtoull(dot + 1, NULL, 16);
	if (ts == 0)
		return NAN;
	return ts_to_s(clk_real_now() - ts_from_ntp64(ts));
}

static void
remote_name(const char *addr, int numeric, char *out, size_t cap)
{
	struct udp_peer p[1];
	const char *err;
	char host[NI_MAXHOST];

	snprintf(out, cap, "%s", addr);
	if (numeric || res_lookup(addr, 123, 0, p, 1, &err) != 1)
		return;
	if (getnameinfo((const struct sockaddr *)&p[0].sa, p[0].len, host,
	        sizeof(host), NULL, 0, NI_NAMEREQD) == 0)
		snprintf(out, cap, "%.127s", host);
}

/* The row from a READVAR response's variables. */
static void
fill_row(struct peer_row *r, const char *text, size_t len, int numeric)
{
	struct ctl_vcur c;
	struct ctl_var v;
	char src[128] = "", host[128] = "";
	int hmode = -1, hpoll = -1, ppoll = -1;
	double rec = NAN, ref = NAN, disp = NAN;

	r->stratum = 16;
	r->type = '?';
	r->delay_ms = r->offset_ms = r->jitter_ms = NAN;
	ctl_vcur_init(&c, text, len);
	while (ctl_var_next(&c, &v)) {
		if (ctl_var_is(&v, "srcadr"))
			val(&v, src, sizeof(src));
		else if (ctl_var_is(&v, "srchost"))
			val(&v, host, sizeof(host));
		else if (ctl_var_is(&v, "refid"))
			val(&v, r->refid, sizeof(r->refid));
		else if (ctl_var_is(&v, "stratum"))
			r->stratum = (int)num(&v);
		else if (ctl_var_is(&v, "hmode"))
			hmode = (int)num(&v);
		else if (ctl_var_is(&v, "hpoll"))
			hpoll = (int)num(&v);
		else if (ctl_var_is(&v, "ppoll"))
			ppoll = (int)num(&v);
		else if (ctl_var_is(&v, "reach"))
			r->reach = (unsigned)strtoul(v.value ? v.value : "0",
			    NULL, 16);
		else if (ctl_var_is(&v, "rec"))
			rec = ntp_ts_age(&v);
		else if (ctl_var_is(&v, "reftime"))
			ref = ntp_ts_age(&v);
		else if (ctl_var_is(&v, "delay"))
			r->delay_ms = num(&v);
		else if (ctl_var_is(&v, "offset"))
			r->offset_ms = num(&v);
		else if (ctl_var_is(&v, "jitter"))
			r->jitter_ms = num(&v);
		else if (ctl_var_is(&v, "dispersion"))
			disp = num(&v);
	}
	if (isnan(r->jitter_ms))
		r->jitter_ms = disp;
	/* the later of rec and reftime, as ntpq */
	r->when_s = isnan(rec) || (!isnan(ref) && ref < rec) ? ref : rec;
	if (hpoll < 0 || (ppoll >= 0 && ppoll < hpoll))
		hpoll = ppoll;
	r->poll_s = hpoll >= 0 && hpoll < 31 ? (double)(1L << hpoll) : NAN;
	r->type = hmode == 3 ? (strchr(host, '(') != NULL              ? 'l'
	                               : strcmp(r->refid, "POOL") == 0 ? 'p'
	                                                               : 'u')
	    : hmode == 1     ? 's'
	    : hmode == 2     ? 'S'
	    : hmode == 5     ? 'B'
	    : hmode == 6     ? 'b'
	                     : '?';
	if (src[0] != '\0' && strcmp(src, "0.0.0.0") != 0 &&
	    strcmp(src, "::") != 0 && strncmp(src, "127.127.", 8) != 0)
		remote_name(src, numeric, r->remote, sizeof(r->remote));
	else
		snprintf(r->remote, sizeof(r->remote), "%s",
		    host[0] ? host : src);
}

/* "5", "17m", "3h", "2d", or "-" (ntpq's units). */
static const char *
interval(double s, char *b, size_t cap)
{
	int d;

	if (isnan(s) || s < 1)
		return "-";
	d = s > 1e9 ? 1000000000 : (int)s;
	if (d <= 2048)
		snprintf(b, cap, "%d", d);
	else if ((d + 29) / 60 <= 300)
		snprintf(b, cap, "%dm", (d + 29) / 60);
	else if ((d + 1799) / 3600 <= 96)
		snprintf(b, cap, "%dh", (d + 1799) / 3600);
	else
		snprintf(b, cap, "%dd", (d + 43199) / 86400);
	return b;
}

static void
ms8(char *b, size_t cap, double ms)
{
	if (isnan(ms))
		snprintf(b, cap, "%8s", ".");
	else if (fabs(ms) < 1000)
		snprintf(b, cap, "%8.4f", ms);
	else if (fabs(ms) < 100000)
		snprintf(b, cap, "%8.2f", ms);
	else
		snprintf(b, cap, "%8.0f", ms);
}

static void
print_table(const struct peer_row *rows, int n)
{
	char refid[72], w[32], p[32], d[32], o[32], j[32];
	int i;

	printf("     remote           refid      st t when poll reach   "
	       "delay   offset   jitter\n");
	printf("=============================================================="
	       "=================\n");
	for (i = 0; i < n; i++) {
		const struct peer_row *r = &rows[i];

		if (strchr(r->refid, '.') || strchr(r->refid, ':'))
			snprintf(refid, sizeof(refid), "%s", r->refid);
		else
			snprintf(refid, sizeof(refid), ".%s.", r->refid);
		ms8(d, sizeof(d), r->delay_ms);
		ms8(o, sizeof(o), r->offset_ms);
		ms8(j, sizeof(j), r->jitter_ms);
		printf("%c%-15.15s %-15.15s %2d %c %4.4s %4.4s  %3o %s %s %s\n",
		    ctl_tally(r->status), r->remote, refid, r->stratum, r->type,
		    interval(r->when_s, w, sizeof(w)),
		    interval(r->poll_s, p, sizeof(p)), r->reach, d, o, j);
	}
}

/* A JSON number, or null. */
static void
jnum(const char *name, double v, int scale_ms, const char *sep)
{
	if (isnan(v))
		printf("\"%s\": null%s", name, sep);
	else
		printf("\"%s\": %.9g%s", name, scale_ms ? v / 1000 : v, sep);
}

/* JSON string: the values come from a server, so escape them. */
static void
jstr(const char *name, const char *s, const char *sep)
{
	printf("\"%s\": \"", name);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	printf("\"%s", sep);
}

static void
print_json(const struct peers_opts *o, const struct peer_row *rows, int n)
{
	char t[2] = { 0, 0 };
	int i;

	printf("{");
	jstr("host", o->host, ", ");
	printf("\"port\": %u, \"peers\": [\n", (unsigned)o->port);
	for (i = 0; i < n; i++) {
		const struct peer_row *r = &rows[i];

		printf("  {\"assoc\": %u, \"status\": %u, ", r->assoc,
		    r->status);
		t[0] = ctl_tally(r->status);
		jstr("tally", t, ", ");
		jstr("remote", r->remote, ", ");
		jstr("refid", r->refid, ", ");
		printf("\"stratum\": %d, ", r->stratum);
		t[0] = r->type;
		jstr("type", t, ", ");
		jnum("when_s", r->when_s, 0, ", ");
		jnum("poll_s", r->poll_s, 0, ", ");
		printf("\"reach\": %u, ", r->reach);
		jnum("delay_s", r->delay_ms, 1, ", ");
		jnum("offset_s", r->offset_ms, 1, ", ");
		jnum("jitter_s", r->jitter_ms, 1, "}");
		printf("%s\n", i + 1 < n ? "," : "");
	}
	printf("]}\n");
}

static int
parse(int argc, char **argv, struct peers_opts *o)
{
	char *end;
	long v;
	int ch;

	opterr = 0;
	optind = 1;
	while ((ch = getopt(argc, argv, ":nh:p:j")) != -1) {
		if (ch == 'n') {
			o->numeric = 1;
		} else if (ch == 'j') {
			o->json = 1;
		} else if (ch == 'h') {
			o->host = optarg;
		} else if (ch == 'p') {
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 1 ||
			    v > 65535) {
				fprintf(stderr,
				    "stratum: invalid value '%s' for -p\n",
				    optarg);
				return -1;
			}
			o->port = (uint16_t)v;
		} else {
			fprintf(stderr, "stratum: %s '%s'\n",
			    ch == ':' ? "option needs a value"
			              : "unknown option",
			    argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "stratum: peers takes no argument ('%s')\n",
		    argv[optind]);
		return -1;
	}
	return 0;
}

/* READSTAT: the association ids, ascending. */
static int
assoc_ids(struct ctlq *q, const struct peers_opts *o, uint16_t *ids, int *n)
{
	static struct ctlq_resp r;
	uint16_t t;
	size_t i;
	int a, b;

	if (ctlq_ask(q, CTL_OP_READSTAT, 0, NULL, &r) != 0) {
		fprintf(stderr,
		    "stratum: no daemon answering on %s:%u (is stratumd "
		    "running? mode 6 restricted?)\n",
		    o->host, (unsigned)o->port);
		return -1;
	}
	if (r.error) {
		fprintf(stderr, "stratum: %s:%u: server error %s\n", o->host,
		    (unsigned)o->port, err_name(r.error));
		return -1;
	}
	*n = 0;
	for (i = 0; i + 4 <= r.len && *n < PEERS_MAX; i += 4)
		ids[(*n)++] = (uint16_t)(r.data[i] << 8 | r.data[i + 1]);
	for (a = 1; a < *n; a++) /* few: insertion sort */
		for (b = a; b > 0 && ids[b - 1] > ids[b]; b--) {
			t = ids[b];
			ids[b] = ids[b - 1];
			ids[b - 1] = t;
		}
	return 0;
}

static int
run(struct ctlq *q, const struct peers_opts *o)
{
	static struct peer_row rows[PEERS_MAX];
	static struct ctlq_resp r;
	uint16_t ids[PEERS_MAX];
	int n, i, k = 0;

	if (assoc_ids(q, o, ids, &n) != 0)
		return 1;
	for (i = 0; i < n; i++) {
		if (ctlq_ask(q, CTL_OP_READVAR, ids[i], NULL, &r) != 0) {
			fprintf(stderr,
			    "stratum: %s:%u: no answer about association "
			    "%u\n",
			    o->host, (unsigned)o->port, ids[i]);
			return 1;
		}
		if (r.error)
			continue; /* gone since READSTAT */
		memset(&rows[k], 0, sizeof(rows[k]));
		rows[k].assoc = ids[i];
		rows[k].status = r.status;
		fill_row(&rows[k], (const char *)r.data, r.len, o->numeric);
		k++;
	}
	if (o->json)
		print_json(o, rows, k);
	else
		print_table(rows, k);
	return 0;
}

int
peers_main(int argc, char **argv)
{
	struct peers_opts o = { .host = "127.0.0.1", .port = 123 };
	struct udp_peer to;
	const char *err;
	struct ctlq q;
	int rc;

	if (parse(argc, argv, &o) != 0)
		return 2;
	if (res_lookup(o.host, o.port, 0, &to, 1, &err) < 1) {
		fprintf(stderr, "stratum: cannot resolve '%s': %s\n", o.host,
		    err);
		return 1;
	}
	if (ctlq_open(&q, &to, PEERS_TIMEOUT_S) != 0) {
		fprintf(stderr, "stratum: socket: %s\n", strerror(errno));
		return 1;
	}
	rc = run(&q, &o);
	ctlq_close(&q);
	return rc;
}

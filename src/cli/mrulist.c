// SPDX-License-Identifier: ISC
/*
 * mrulist: `stratum mrulist [-n] [-j]`, the clients a daemon's MRU list
 * holds (stratumd: those it rate-limits), as `ntpq -c mrulist` gets them:
 * REQ_NONCE, then READ_MRU with that nonce, again from the newest entry
 * received with the nonce each answer brings, until an answer carries
 * now=.  See views.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ctlview.h"
#include "cli/views.h"
#include "ctl/ctl.h"

#define MRU_MAX 4096  /* entries shown */
#define MRU_ROUNDS 64 /* READ_MRU requests, at most */

struct mru_row {
	char addr[80];      /* "a.b.c.d:port" or "[v6]:port", as sent */
	char last_ts[80];   /* last.N as sent (the next request repeats it) */
	double first, last; /* seconds since 1970 */
	long count, dropped;
	int mv;
	unsigned rs;
};

struct mru_list {
	struct mru_row rows[MRU_MAX];
	int n;
	double now;
	char nonce[80];
};

/* The N of "name.N": digits only; -1 otherwise. */
static int
index_of(const char *s)
{
	int v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > MRU_MAX)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* "0xhhhhhhhh.hhhhhhhh" -> seconds since 1970, as cv_ntp_time. */
static double
ts_of(const char *name, const struct ctl_var *x)
{
	char b[80];
	struct cv_vars v;
	size_t n;

	n = (size_t)snprintf(b, sizeof(b), "%s=%.*s", name, (int)x->value_len,
	    x->value != NULL ? x->value : "");
	v = (struct cv_vars){ b, n };
	return cv_ntp_time(&v, name);
}

/* Fold one answer's variables into l; 1 when it holds now=. */
static int
absorb(struct mru_list *l, const char *text, size_t len)
{
	struct ctl_vcur c;
	struct ctl_var x;
	char name[24], val[80];
	int done = 0, base = l->n, idx, top = l->n;
	struct mru_row *r;
	const char *dot;

	ctl_vcur_init(&c, text, len);
	while (ctl_var_next(&c, &x)) {
		snprintf(name, sizeof(name), "%.*s", (int)x.name_len, x.name);
		snprintf(val, sizeof(val), "%.*s", (int)x.value_len,
		    x.value != NULL ? x.value : "");
		if (strcmp(name, "nonce") == 0) {
			snprintf(l->nonce, sizeof(l->nonce), "%s", val);
			continue;
		}
		if (strcmp(name, "now") == 0) {
			l->now = ts_of(name, &x);
			done = 1;
			continue;
		}
		if ((dot = strchr(name, '.')) == NULL ||
		    strcmp(name, "last.newest") == 0 ||
		    (idx = index_of(dot + 1)) < 0 || base + idx >= MRU_MAX)
			continue;
		r = &l->rows[base + idx];
		if (base + idx + 1 > top)
			top = base + idx + 1;
		if (strncmp(name, "addr.", 5) == 0)
			snprintf(r->addr, sizeof(r->addr), "%s", val);
		else if (strncmp(name, "last.", 5) == 0) {
			r->last = ts_of(name, &x);
			snprintf(r->last_ts, sizeof(r->last_ts), "%s", val);
		} else if (strncmp(name, "first.", 6) == 0)
			r->first = ts_of(name, &x);
		else if (strncmp(name, "ct.", 3) == 0)
			r->count = strtol(val, NULL, 0);
		else if (strncmp(name, "dr.", 3) == 0)
			r->dropped = strtol(val, NULL, 0);
		else if (strncmp(name, "mv.", 3) == 0)
			r->mv = (int)strtol(val, NULL, 0);
		else if (strncmp(name, "rs.", 3) == 0)
			r->rs = (unsigned)strtoul(val, NULL, 16);
	}
	l->n = top;
	return done;
}

/* REQ_NONCE, then READ_MRU until the list is complete. */
static int
fetch(struct ctlq *q, const struct cv_opts *o, struct mru_list *l)
{
	static struct ctlq_resp r;
	char req[CTL_FRAG_MAX];
	const struct mru_row *last;
	int round;

	if (cv_ask(q, o, CTL_OP_REQ_NONCE, 0, NULL, &r, 0) != 0)
		return -1;
	l->nonce[0] = '\0';
	(void)absorb(l, (const char *)r.data, r.len);
	l->n = 0;
	for (round = 0; round < MRU_ROUNDS; round++) {
		if (l->nonce[0] == '\0') {
			fprintf(stderr, "stratum: %s:%u: no nonce given\n",
			    o->host, (unsigned)o->port);
			return -1;
		}
		last = l->n > 0 ? &l->rows[l->n - 1] : NULL;
		if (last != NULL)
			snprintf(req, sizeof(req),
			    "nonce=%s, frags=8, last.0=%s, addr.0=%s", l->nonce,
			    last->last_ts, last->addr);
		else
			snprintf(req, sizeof(req), "nonce=%s, frags=8",
			    l->nonce);
		if (cv_ask(q, o, CTL_OP_READ_MRU, 0, req, &r, 0) != 0)
			return -1;
		if (absorb(l, (const char *)r.data, r.len) || l->n >= MRU_MAX)
			return 0;
	}
	fprintf(stderr,
	    "stratum: %s:%u: MRU list not complete after %d "
	    "requests\n",
	    o->host, (unsigned)o->port, MRU_ROUNDS);
	return -1;
}

/* "a.b.c.d:port" -> address and port; "[v6]:port" likewise. */
static void
split(const char *a, char *host, size_t cap, long *port)
{
	const char *colon = strrchr(a, ':');
	size_t n;

	*port = -1;
	if (a[0] == '[' && strchr(a, ']') != NULL) {
		n = (size_t)(strchr(a, ']') - a - 1);
		snprintf(host, cap, "%.*s", (int)n, a + 1);
		colon = strchr(a, ']') + 1;
		if (*colon == ':')
			*port = strtol(colon + 1, NULL, 10);
		return;
	}
	if (colon == NULL) {
		snprintf(host, cap, "%s", a);
		return;
	}
	snprintf(host, cap, "%.*s", (int)(colon - a), a);
	*port = strtol(colon + 1, NULL, 10);
}

static double
avgint(const struct mru_row *r)
{
	return r->count > 0 ? (r->last - r->first) / (double)r->count : NAN;
}

static void
print_table(const struct mru_list *l, int numeric)
{
	char host[80], name[128];
	long port;
	int i;

	printf("lstint avgint rstr r m v  count   drop rport remote address\n");
	printf("=============================================================="
	       "=\n");
	for (i = l->n - 1; i >= 0; i--) { /* most recent first, as ntpq */
		const struct mru_row *r = &l->rows[i];

		split(r->addr, host, sizeof(host), &port);
		cv_name(host, numeric, name, sizeof(name));
		printf("%6.0f %6.3f %4x %c %d %d %6ld %6ld %5ld %s\n",
		    l->now - r->last, avgint(r), r->rs,
		    (r->rs & 0x400)      ? 'K'
		        : (r->rs & 0x20) ? 'L'
		                         : '.',
		    r->mv & 7, (r->mv >> 3) & 7, r->count, r->dropped, port,
		    name);
	}
}

static void
print_json(const struct cv_opts *o, const struct mru_list *l)
{
	char host[80];
	long port;
	int i;

	cv_jhead(o);
	cv_jnum("now", l->now, ", ");
	printf("\"clients\": [\n");
	for (i = l->n - 1; i >= 0; i--) {
		const struct mru_row *r = &l->rows[i];

		split(r->addr, host, sizeof(host), &port);
		printf("  {");
		cv_jstr("address", host, ", ");
		cv_jint("port", port < 0 ? NAN : (double)port, ", ");
		cv_jnum("first_time", r->first, ", ");
		cv_jnum("last_time", r->last, ", ");
		cv_jnum("last_age_s", l->now - r->last, ", ");
		cv_jnum("avg_interval_s", avgint(r), ", ");
		printf("\"count\": %ld, \"dropped\": %ld, ", r->count,
		    r->dropped);
		printf("\"mode\": %d, \"version\": %d, \"restrict\": %u}%s\n",
		    r->mv & 7, (r->mv >> 3) & 7, r->rs, i > 0 ? "," : "");
	}
	printf("]}\n");
}

static int
mru_run(struct ctlq *q, const struct cv_opts *o)
{
	static struct mru_list l;

	if (fetch(q, o, &l) != 0)
		return 1;
	if (o->json)
		print_json(o, &l);
	else
		print_table(&l, o->numeric);
	return 0;
}

int
mrulist_main(int argc, char **argv)
{
	return cv_main(argc, argv, "nj", mru_run);
}

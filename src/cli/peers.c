// SPDX-License-Identifier: ISC
/* peers: `stratum peers`.  See peers.h. */
#include "cli/peers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ctlq.h"
#include "cli/ctlview.h"
#include "core/ts.h"
#include "ctl/ctl.h"
#include "os/clk.h"

#define PEERS_MAX CV_MAX_ASSOC

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
	unsigned keyid; /* 0: none sent */
	int ntscookies; /* NTPsec's ntscookies, -1: not NTS */
	double delay_ms, offset_ms, jitter_ms;
};

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
	r->ntscookies = -1;
	r->delay_ms = r->offset_ms = r->jitter_ms = NAN;
	ctl_vcur_init(&c, text, len);
	while (ctl_var_next(&c, &v)) {
		if (ctl_var_is(&v, "srcadr"))
			cv_var_str(&v, src, sizeof(src));
		else if (ctl_var_is(&v, "srchost"))
			cv_var_str(&v, host, sizeof(host));
		else if (ctl_var_is(&v, "refid"))
			cv_var_str(&v, r->refid, sizeof(r->refid));
		else if (ctl_var_is(&v, "stratum"))
			r->stratum = (int)cv_var_num(&v);
		else if (ctl_var_is(&v, "hmode"))
			hmode = (int)cv_var_num(&v);
		else if (ctl_var_is(&v, "hpoll"))
			hpoll = (int)cv_var_num(&v);
		else if (ctl_var_is(&v, "ppoll"))
			ppoll = (int)cv_var_num(&v);
		else if (ctl_var_is(&v, "reach"))
			r->reach = (unsigned)strtoul(v.value ? v.value : "0",
			    NULL, 16);
		else if (ctl_var_is(&v, "keyid"))
			r->keyid = (unsigned)cv_var_num(&v);
		else if (ctl_var_is(&v, "ntscookies"))
			r->ntscookies = (int)cv_var_num(&v);
		else if (ctl_var_is(&v, "rec"))
			rec = cv_var_age(&v);
		else if (ctl_var_is(&v, "reftime"))
			ref = cv_var_age(&v);
		else if (ctl_var_is(&v, "delay"))
			r->delay_ms = cv_var_num(&v);
		else if (ctl_var_is(&v, "offset"))
			r->offset_ms = cv_var_num(&v);
		else if (ctl_var_is(&v, "jitter"))
			r->jitter_ms = cv_var_num(&v);
		else if (ctl_var_is(&v, "dispersion"))
			disp = cv_var_num(&v);
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
	/* ntpq: an NTS association shows its cookie count as the type */
	if (hmode == 3 && r->ntscookies >= 0)
		r->type = (char)('0' + (r->ntscookies > 9 ? 9 : r->ntscookies));
	if (src[0] != '\0' && strcmp(src, "0.0.0.0") != 0 &&
	    strcmp(src, "::") != 0 && strncmp(src, "127.127.", 8) != 0)
		cv_name(src, numeric, r->remote, sizeof(r->remote));
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

static void
print_json(const struct cv_opts *o, const struct peer_row *rows, int n)
{
	char t[2] = { 0, 0 };
	int i;

	cv_jhead(o);
	printf("\"peers\": [\n");
	for (i = 0; i < n; i++) {
		const struct peer_row *r = &rows[i];

		printf("  {\"assoc\": %u, \"status\": %u, ", r->assoc,
		    r->status);
		t[0] = ctl_tally(r->status);
		cv_jstr("tally", t, ", ");
		cv_jstr("remote", r->remote, ", ");
		cv_jstr("refid", r->refid, ", ");
		printf("\"stratum\": %d, ", r->stratum);
		t[0] = r->type;
		cv_jstr("type", t, ", ");
		cv_jnum("when_s", r->when_s, ", ");
		cv_jnum("poll_s", r->poll_s, ", ");
		printf("\"reach\": %u, ", r->reach);
		cv_jstr("auth", cv_auth_of(r->status), ", ");
		printf("\"keyid\": %u, ", r->keyid);
		if (r->ntscookies >= 0)
			printf("\"nts_cookies\": %d, ", r->ntscookies);
		cv_jnum("delay_s", r->delay_ms / 1000, ", ");
		cv_jnum("offset_s", r->offset_ms / 1000, ", ");
		cv_jnum("jitter_s", r->jitter_ms / 1000, "}");
		printf("%s\n", i + 1 < n ? "," : "");
	}
	printf("]}\n");
}

static int
run(struct ctlq *q, const struct cv_opts *o)
{
	static struct peer_row rows[PEERS_MAX];
	static struct ctlq_resp r;
	uint16_t ids[PEERS_MAX];
	int n, i, k = 0;

	if (cv_assoc_ids(q, o, ids, &n) != 0)
		return 1;
	for (i = 0; i < n; i++) {
		if (cv_ask(q, o, CTL_OP_READVAR, ids[i], NULL, &r, 1) != 0)
			return 1;
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
	return cv_main(argc, argv, "nj", run);
}

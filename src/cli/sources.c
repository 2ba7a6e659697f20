// SPDX-License-Identifier: ISC
/*
 * sources: `stratum sources [-v] [-a] [-n] [-j]`, chronyc's sources table
 * from the same mode 6 exchange as `ntpq -p` (READSTAT, then READVAR of
 * every association); -a: chronyc's authdata instead (how each source
 * is authenticated).  See views.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ctlview.h"
#include "cli/views.h"
#include "core/ts.h"
#include "ctl/ctl.h"
#include "os/clk.h"

struct src_row {
	uint16_t assoc;
	char mode, state; /* '^' '=' '#'; '*' '+' '-' 'x' '?' */
	char name[128];
	int stratum; /* -1: not sent */
	int poll;    /* log2 s, -99: not sent */
	unsigned reach;
	double last_rx_s; /* seconds ago, NAN: never */
	double offset_s, raw_s, error_s;
	/* authentication: "NTS", "SK" (a symmetric key) or "-" */
	const char *auth_mode;
	const char *auth; /* ntpq's column: "ok", "bad", "none" */
	unsigned keyid;
	int cookies;         /* NTS cookies held, -1: not NTS */
	double ke_age_s;     /* since the last NTS-KE, NAN: none */
	double ke, nak, bad; /* NTS-KEs, NAKs, replies rejected; NAN */
};

static char
state_of(char tally)
{
	switch (tally) {
	case '*':
	case 'o':
		return '*';
	case '+':
		return '+';
	case '-':
	case '.':
	case '#':
		return '-';
	case 'x':
		return 'x';
	}
	return '?';
}

/* The newest stage of a filter list ("0.012 0.015 ..."), in ms. */
static double
first_stage(const struct cv_vars *v, const char *name)
{
	char b[256];
	double d;

	if (!cv_str(v, name, b, sizeof(b)) || sscanf(b, "%lf", &d) != 1)
		return NAN;
	return d;
}

static void
fill_auth(struct src_row *r, const struct cv_vars *v, uint16_t status)
{
	double key = cv_num(v, "keyid"), cookies = cv_num(v, "ntscookies");
	double ke = cv_ntp_time(v, "ntslastke");

	r->auth = cv_auth_of(status);
	r->keyid = isnan(key) || key < 0 ? 0 : (unsigned)key;
	r->cookies = isnan(cookies) ? -1 : (int)cookies;
	r->auth_mode = r->cookies >= 0 ? "NTS" : r->keyid != 0 ? "SK" : "-";
	r->ke_age_s = isnan(ke) || ke <= 0 ? NAN : ts_to_s(clk_real_now()) - ke;
	r->ke = cv_num(v, "ntske");
	r->nak = cv_num(v, "ntsnak");
	r->bad = cv_num(v, "ntsbad");
}

static void
fill(struct src_row *r, const struct cv_vars *v, uint16_t status, int numeric)
{
	char adr[128], host[128];
	double hp = cv_num(v, "hpoll"), pp = cv_num(v, "ppoll");
	double st = cv_num(v, "stratum"), rec = cv_ntp_time(v, "rec");
	double delay = cv_num(v, "delay"), disp = cv_num(v, "dispersion");
	double rdelay = cv_num(v, "rootdelay"), rdisp = cv_num(v, "rootdisp");
	int hmode = (int)cv_num(v, "hmode");
	char reach[32];

	cv_str(v, "srcadr", adr, sizeof(adr));
	cv_str(v, "srchost", host, sizeof(host));
	r->mode = strncmp(adr, "127.127.", 8) == 0 ? '#'
	    : hmode == 1 || hmode == 2             ? '='
	                                           : '^';
	if (adr[0] != '\0' && r->mode != '#')
		cv_name(adr, numeric, r->name, sizeof(r->name));
	else
		snprintf(r->name, sizeof(r->name), "%s", host[0] ? host : adr);
	r->state = state_of(ctl_tally(status));
	r->stratum = isnan(st) ? -1 : (int)st;
	if (!isnan(pp) && (isnan(hp) || pp < hp))
		hp = pp;
	r->poll = isnan(hp) ? -99 : (int)hp;
	r->reach = cv_str(v, "reach", reach, sizeof(reach))
	    ? (unsigned)strtoul(reach, NULL, 16)
	    : 0;
	r->last_rx_s = isnan(rec) ? NAN : ts_to_s(clk_real_now()) - rec;
	r->offset_s = cv_num(v, "offset") / 1000;
	r->raw_s = first_stage(v, "filtoffset") / 1000;
	/* the error bound: half the round trip and the dispersion, to the
	 * source and from it to its reference (root distance) */
	r->error_s = (delay / 2 + disp + (isnan(rdelay) ? 0 : rdelay / 2) +
	                 (isnan(rdisp) ? 0 : rdisp)) /
	    1000;
	if (r->last_rx_s < 0)
		r->last_rx_s = 0;
	fill_auth(r, v, status);
}

/* "+12us", "-1034ms", "+3s": at most 4 digits, as chronyc. */
static const char *
stime(double s, int sign, char *b, size_t cap)
{
	static const char *const units[] = { "ns", "us", "ms", "s" };
	double v = fabs(s) * 1e9;
	int u = 0;

	if (isnan(s))
		return "-";
	while (u < 3 && v >= 9999.5) {
		v /= 1000;
		u++;
	}
	if (sign)
		snprintf(b, cap, "%c%.0f%s", s < 0 ? '-' : '+', v, units[u]);
	else
		snprintf(b, cap, "%.0f%s", v, units[u]);
	return b;
}

/* LastRx: seconds up to 1023, then minutes, hours, days, years. */
static const char *
ago(double s, char *b, size_t cap)
{
	if (isnan(s))
		return "-";
	if (s < 1023.5)
		snprintf(b, cap, "%.0f", s);
	else if (s < 1023.5 * 60)
		snprintf(b, cap, "%.0fm", s / 60);
	else if (s < 1023.5 * 3600)
		snprintf(b, cap, "%.0fh", s / 3600);
	else if (s < 999.5 * 86400)
		snprintf(b, cap, "%.0fd", s / 86400);
	else
		snprintf(b, cap, "%.0fy", s / (365.25 * 86400));
	return b;
}

static void
legend(void)
{
	printf("  .-- Source mode  '^' = server, '=' = peer, '#' = local "
	       "clock.\n"
	       " / .- Source state '*' = current best, '+' = combined, "
	       "'-' = not combined,\n"
	       "| /             'x' = may be in error, '~' = too variable, "
	       "'?' = unusable.\n"
	       "||                                                 .- xxxx [ "
	       "yyyy ] +/- zzzz\n"
	       "||      Reachability register (octal) -.           |  xxxx = "
	       "adjusted offset,\n"
	       "||      Log2(Polling interval) --.      |          |  yyyy = "
	       "measured offset,\n"
	       "||                                \\     |          |  zzzz = "
	       "estimated error.\n"
	       "||                                 |    |           \\\n");
}

static void
print_table(const struct src_row *rows, int n, int verbose)
{
	char st[8], po[8], rx[16], o[16], w[16], e[16];
	int i;

	if (verbose)
		legend();
	printf("MS Name/IP address         Stratum Poll Reach LastRx Last "
	       "sample               \n");
	printf("=============================================================="
	       "=================\n");
	for (i = 0; i < n; i++) {
		const struct src_row *r = &rows[i];

		snprintf(st, sizeof(st), "%2d", r->stratum);
		snprintf(po, sizeof(po), "%3d", r->poll);
		printf("%c%c %-27s %3s %4s %5o %6s %7s[%7s] +/- %6s\n", r->mode,
		    r->state, r->name, r->stratum < 0 ? "-" : st,
		    r->poll == -99 ? "-" : po, r->reach,
		    ago(r->last_rx_s, rx, sizeof(rx)),
		    stime(r->offset_s, 1, o, sizeof(o)),
		    stime(r->raw_s, 1, w, sizeof(w)),
		    stime(r->error_s, 0, e, sizeof(e)));
	}
}

/* chronyc authdata's layout: how each source is authenticated. */
static void
print_auth(const struct src_row *rows, int n)
{
	char k[16], c[16], rx[16], a[16], b[16], e[16];
	int i;

	printf("Name/IP address             Mode KeyID Auth Cookies  LastKE "
	       "  KEs  NAKs   Bad\n");
	printf("=============================================================="
	       "=================\n");
	for (i = 0; i < n; i++) {
		const struct src_row *r = &rows[i];

		snprintf(k, sizeof(k), "%u", r->keyid);
		snprintf(c, sizeof(c), "%d", r->cookies);
		snprintf(e, sizeof(e), "%.0f", r->ke);
		snprintf(a, sizeof(a), "%.0f", r->nak);
		snprintf(b, sizeof(b), "%.0f", r->bad);
		printf("%-27s %4s %5s %4s %7s %7s %5s %5s %5s\n", r->name,
		    r->auth_mode, r->keyid ? k : "-", r->auth,
		    r->cookies >= 0 ? c : "-", ago(r->ke_age_s, rx, sizeof(rx)),
		    isnan(r->ke) ? "-" : e, isnan(r->nak) ? "-" : a,
		    isnan(r->bad) ? "-" : b);
	}
}

static void
print_json(const struct cv_opts *o, const struct src_row *rows, int n)
{
	char c[2] = { 0, 0 };
	int i;

	cv_jhead(o);
	printf("\"sources\": [\n");
	for (i = 0; i < n; i++) {
		const struct src_row *r = &rows[i];

		printf("  {\"assoc\": %u, ", r->assoc);
		c[0] = r->mode;
		cv_jstr("mode", c, ", ");
		c[0] = r->state;
		cv_jstr("state", c, ", ");
		cv_jstr("name", r->name, ", ");
		cv_jint("stratum", r->stratum < 0 ? NAN : (double)r->stratum,
		    ", ");
		cv_jint("poll_log2", r->poll == -99 ? NAN : (double)r->poll,
		    ", ");
		printf("\"reach\": %u, ", r->reach);
		cv_jnum("last_rx_s", r->last_rx_s, ", ");
		cv_jnum("offset_s", r->offset_s, ", ");
		cv_jnum("raw_offset_s", r->raw_s, ", ");
		cv_jnum("error_s", r->error_s, ", ");
		cv_jstr("auth_mode", r->auth_mode, ", ");
		cv_jstr("auth", r->auth, ", ");
		printf("\"keyid\": %u, ", r->keyid);
		cv_jint("nts_cookies",
		    r->cookies < 0 ? NAN : (double)r->cookies, ", ");
		cv_jnum("nts_last_ke_s", r->ke_age_s, ", ");
		cv_jint("nts_naks", r->nak, ", ");
		cv_jint("nts_bad", r->bad, "}");
		printf("%s\n", i + 1 < n ? "," : "");
	}
	printf("]}\n");
}

static int
run(struct ctlq *q, const struct cv_opts *o)
{
	static struct src_row rows[CV_MAX_ASSOC];
	static struct ctlq_resp r;
	uint16_t ids[CV_MAX_ASSOC];
	struct cv_vars v;
	int n, i, k = 0;

	if (cv_assoc_ids(q, o, ids, &n) != 0)
		return 1;
	for (i = 0; i < n; i++) {
		if (cv_ask(q, o, CTL_OP_READVAR, ids[i], NULL, &r, 1) != 0)
			return 1;
		if (r.error)
			continue; /* gone since READSTAT */
		v = (struct cv_vars){ (const char *)r.data, r.len };
		memset(&rows[k], 0, sizeof(rows[k]));
		rows[k].assoc = ids[i];
		fill(&rows[k], &v, r.status, o->numeric);
		k++;
	}
	if (o->json)
		print_json(o, rows, k);
	else if (o->auth)
		print_auth(rows, k);
	else
		print_table(rows, k, o->verbose);
	return 0;
}

int
sources_main(int argc, char **argv)
{
	return cv_main(argc, argv, "vanj", run);
}

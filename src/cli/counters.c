// SPDX-License-Identifier: ISC
/*
 * counters: `stratum counters [-j]`, what the daemon received, answered
 * and dropped (by reason), from the counter variables of association 0,
 * which a server returns only when they are named (doc/mode6.md):
 * stratumd's stm_* and ntpd's ss_* (`ntpq -c sysstats`).  Against ntpd
 * only the ss_* exist; a variable the server does not know is asked
 * again alone, so each one it has is shown.  See views.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/ctlview.h"
#include "cli/views.h"
#include "ctl/ctl.h"

struct ctr {
	const char *var;   /* the mode 6 variable */
	const char *key;   /* JSON member */
	const char *label; /* text */
	double v;          /* NAN: the server does not have it */
};

/* stratumd's engine drop reasons (the stm_drop_<reason> variables). */
static const char *const drop_reasons[] = { "short", "version", "mode",
	"malformed", "trunc", "iface", "ignore", "noserve", "notrust",
	"noquery", "ctl_remote", "control", "rate" };
#define N_DROPS (sizeof(drop_reasons) / sizeof(drop_reasons[0]))

static struct ctr main_ctrs[] = {
	{ "ss_uptime", "uptime_s", "Uptime (s)", 0 },
	{ "ss_received", "received", "Packets received", 0 },
	{ "ss_thisver", "thisver", "  NTPv4 requests", 0 },
	{ "ss_oldver", "oldver", "  NTPv1-3 requests", 0 },
	{ "stm_replies", "replies", "Time replies sent", 0 },
	{ "ss_kodsent", "kod_sent", "  kiss-o'-death RATE", 0 },
	{ "stm_leaked", "leaked", "  over the limit, leaked", 0 },
	{ "stm_authentic", "authentic", "Requests with a good MAC", 0 },
	{ "ss_badauth", "badauth", "Requests with a bad MAC", 0 },
	{ "stm_mode6_served", "mode6_served", "Mode 6 requests served", 0 },
	{ "stm_mode6_refused", "mode6_refused", "Mode 6 requests refused", 0 },
	{ "ss_numctlreq", "numctlreq", "Mode 6 requests (ntpd)", 0 },
	{ "stm_clock_steps", "clock_steps", "Clock steps", 0 },
	{ "stm_send_errors", "send_errors", "Send errors", 0 },
	{ "ss_badformat", "badformat", "Bad length or format (ntpd)", 0 },
	{ "ss_declined", "declined", "Declined (ntpd)", 0 },
	{ "ss_restricted", "restricted", "Restricted (ntpd)", 0 },
	{ "ss_limited", "limited", "Rate limited (ntpd)", 0 },
	{ "ss_processed", "processed", "Processed for time (ntpd)", 0 },
};
#define N_MAIN (sizeof(main_ctrs) / sizeof(main_ctrs[0]))

/* One variable alone: its value, NAN when the server does not know it. */
static int
ask_one(struct ctlq *q, const struct cv_opts *o, const char *var, double *v)
{
	static struct ctlq_resp r;
	struct cv_vars cv;

	*v = NAN;
	if (cv_ask(q, o, CTL_OP_READVAR, 0, var, &r, 1) != 0)
		return -1;
	if (r.error == 0) {
		cv = (struct cv_vars){ (const char *)r.data, r.len };
		*v = cv_num(&cv, var);
	} else if (r.error != CTL_ERR_UNKNOWNVAR + 1) {
		fprintf(stderr, "stratum: %s:%u: server error %s\n", o->host,
		    (unsigned)o->port, cv_err_name(r.error));
		return -1;
	}
	return 0;
}

/* All of vars[0..n) in one request; one at a time when the server does
 * not know some of them. */
static int
ask_all(struct ctlq *q, const struct cv_opts *o, const char **vars,
    double *vals, size_t n)
{
	static struct ctlq_resp r;
	char list[CTL_FRAG_MAX];
	struct cv_vars cv;
	size_t i, len = 0;

	list[0] = '\0';
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
		    i > 0 ? "," : "", vars[i]);
	if (cv_ask(q, o, CTL_OP_READVAR, 0, list, &r, 1) != 0)
		return -1;
	if (r.error == 0) {
		cv = (struct cv_vars){ (const char *)r.data, r.len };
		for (i = 0; i < n; i++)
			vals[i] = cv_num(&cv, vars[i]);
		return 0;
	}
	for (i = 0; i < n; i++)
		if (ask_one(q, o, vars[i], &vals[i]) != 0)
			return -1;
	return 0;
}

static void
print_text(const double *drops)
{
	size_t i;

	for (i = 0; i < N_MAIN; i++) {
		if (isnan(main_ctrs[i].v))
			printf("%-30s: -\n", main_ctrs[i].label);
		else
			printf("%-30s: %.0f\n", main_ctrs[i].label,
			    main_ctrs[i].v);
	}
	printf("Dropped, by reason:\n");
	for (i = 0; i < N_DROPS; i++) {
		if (isnan(drops[i]))
			printf("  %-28s: -\n", drop_reasons[i]);
		else
			printf("  %-28s: %.0f\n", drop_reasons[i], drops[i]);
	}
}

static void
print_json(const struct cv_opts *o, const double *drops)
{
	size_t i;

	cv_jhead(o);
	for (i = 0; i < N_MAIN; i++)
		cv_jint(main_ctrs[i].key, main_ctrs[i].v, ", ");
	printf("\"dropped\": {");
	for (i = 0; i < N_DROPS; i++)
		cv_jint(drop_reasons[i], drops[i], i + 1 < N_DROPS ? ", " : "");
	printf("}}\n");
}

static double
stm_value(const char *var)
{
	size_t i;

	for (i = 0; i < N_MAIN; i++)
		if (strcmp(main_ctrs[i].var, var) == 0)
			return main_ctrs[i].v;
	return NAN;
}

static int
run(struct ctlq *q, const struct cv_opts *o)
{
	const char *vars[N_MAIN > N_DROPS ? N_MAIN : N_DROPS];
	static char names[N_DROPS][32];
	double vals[N_MAIN], drops[N_DROPS];
	size_t i;

	for (i = 0; i < N_MAIN; i++)
		vars[i] = main_ctrs[i].var;
	if (ask_all(q, o, vars, vals, N_MAIN) != 0)
		return 1;
	for (i = 0; i < N_MAIN; i++)
		main_ctrs[i].v = vals[i];
	for (i = 0; i < N_DROPS; i++) {
		snprintf(names[i], sizeof(names[i]), "stm_drop_%s",
		    drop_reasons[i]);
		vars[i] = names[i];
	}
	/* ntpd has none of them (nor stm_replies): skip thirteen requests */
	if (isnan(stm_value("stm_replies"))) {
		for (i = 0; i < N_DROPS; i++)
			drops[i] = NAN;
	} else if (ask_all(q, o, vars, drops, N_DROPS) != 0) {
		return 1;
	}
	if (o->json)
		print_json(o, drops);
	else
		print_text(drops);
	return 0;
}

int
counters_main(int argc, char **argv)
{
	return cv_main(argc, argv, "j", run);
}

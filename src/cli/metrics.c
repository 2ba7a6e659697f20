// SPDX-License-Identifier: ISC
/* metrics: `stratum metrics`.  See metrics.h. */
#include "cli/metrics.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "os/res.h"

#define MET_TIMEOUT_S 2.0

/* A system counter the daemon may send (ntpd's ss_* names, ours stm_*)
 * and the metric it becomes. */
struct met_ctr {
	const char *var, *metric, *type, *help;
};

static const struct met_ctr ctrs[] = {
	{ "ss_uptime", "stratum_uptime_seconds", "gauge",
	    "Seconds since the daemon started." },
	{ "ss_reset", "stratum_server_stats_reset_seconds", "gauge",
	    "Seconds since the server counters were reset." },
	{ "ss_received", "stratum_server_received_total", "counter",
	    "NTP packets received." },
	{ "ss_thisver", "stratum_server_current_version_total", "counter",
	    "Packets of the current NTP version (4)." },
	{ "ss_oldver", "stratum_server_old_version_total", "counter",
	    "Packets of an older NTP version (1-3)." },
	{ "ss_badformat", "stratum_server_bad_format_total", "counter",
	    "Packets dropped as malformed." },
	{ "ss_badauth", "stratum_server_bad_auth_total", "counter",
	    "Packets that failed authentication." },
	{ "ss_declined", "stratum_server_declined_total", "counter",
	    "Packets declined (not served)." },
	{ "ss_restricted", "stratum_server_restricted_total", "counter",
	    "Packets refused by a restrict rule." },
	{ "ss_limited", "stratum_server_limited_total", "counter",
	    "Packets over the rate limit." },
	{ "ss_kodsent", "stratum_server_kod_sent_total", "counter",
	    "RATE kiss-o'-death packets sent." },
	{ "ss_processed", "stratum_server_processed_total", "counter",
	    "Packets processed." },
	{ "stm_replies", "stratum_server_replies_total", "counter",
	    "Time replies sent (kiss-o'-death included)." },
	{ "stm_mode6_served", "stratum_mode6_served_total", "counter",
	    "Mode 6 (control) requests answered." },
	{ "stm_mode6_refused", "stratum_mode6_refused_total", "counter",
	    "Mode 6 (control) requests refused." },
	{ "stm_clock_steps", "stratum_clock_steps_total", "counter",
	    "Times the clock was stepped." },
	{ "stm_leaked", "stratum_server_leaked_total", "counter",
	    "Requests over the rate limit answered anyway (ratelimit leak)." },
	{ "stm_send_errors", "stratum_server_send_errors_total", "counter",
	    "Replies the kernel refused to send." },
	{ "stm_authentic", "stratum_server_authentic_total", "counter",
	    "Requests with a good MAC under a trusted key." },
	{ "stm_crypto_nak", "stratum_server_crypto_nak_total", "counter",
	    "Crypto-NAKs sent (a request's MAC or key failed)." },
	{ "stm_nts_answered", "stratum_server_nts_answered_total", "counter",
	    "NTS requests answered." },
	{ "stm_nts_nak", "stratum_server_nts_nak_total", "counter",
	    "NTS NAKs sent (a cookie could not be used)." },
};

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
number(FILE *f, double v)
{
	if (isnan(v))
		fputs("NaN", f);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", f);
	else if (v == floor(v) && fabs(v) < 1e15)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.9g", v);
}

/* A label value: backslash, quote and line feed escaped. */
static void
label(FILE *f, const char *name, const char *v, const char *sep)
{
	fprintf(f, "%s=\"", name);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			putc(*v, f);
	}
	fprintf(f, "\"%s", sep);
}

static void
sys_gauge(FILE *f, const char *name, const char *help, double v)
{
	if (isnan(v))
		return;
	family(f, name, "gauge", help);
	fprintf(f, "%s ", name);
	number(f, v);
	putc('\n', f);
}

static void
write_sys(FILE *f, const struct dst_sys *s)
{
	family(f, "stratum_daemon_info", "gauge",
	    "The daemon's version string (value always 1).");
	fputs("stratum_daemon_info{", f);
	label(f, "version", s->version, "} 1\n");
	sys_gauge(f, "stratum_system_synchronized",
	    "1 when the daemon is synchronized to a source.", s->synced);
	sys_gauge(f, "stratum_system_offset_seconds",
	    "Offset of the system clock from the selected sources.",
	    s->offset_s);
	sys_gauge(f, "stratum_system_jitter_seconds",
	    "Jitter of the combined offset.", s->jitter_s);
	sys_gauge(f, "stratum_system_frequency_ppm",
	    "Frequency correction of the clock, parts per million.",
	    s->freq_ppm);
	sys_gauge(f, "stratum_system_root_delay_seconds",
	    "Round-trip delay to the primary reference.", s->root_delay_s);
	sys_gauge(f, "stratum_system_root_dispersion_seconds",
	    "Dispersion to the primary reference.", s->root_disp_s);
	sys_gauge(f, "stratum_system_stratum",
	    "Stratum served (16: unsynchronized).", s->stratum);
	sys_gauge(f, "stratum_system_leap",
	    "Leap indicator: 0 none, 1 insert, 2 delete, 3 unsynchronized.",
	    s->leap);
	sys_gauge(f, "stratum_system_poll_seconds", "System poll interval.",
	    s->poll_log2 >= 0 && s->poll_log2 < 31
	        ? (double)(1L << s->poll_log2)
	        : NAN);
	sys_gauge(f, "stratum_system_peer_assoc",
	    "Association id of the system peer, 0: none.", s->peer);
}

static void
write_ctrs(FILE *f, const struct dst *d)
{
	size_t i;
	int k, first = 1;
	double v;

	for (i = 0; i < sizeof(ctrs) / sizeof(ctrs[0]); i++) {
		v = dst_ctr(d, ctrs[i].var);
		if (isnan(v))
			continue;
		family(f, ctrs[i].metric, ctrs[i].type, ctrs[i].help);
		fprintf(f, "%s ", ctrs[i].metric);
		number(f, v);
		putc('\n', f);
	}
	for (k = 0; k < d->sys.n_ctr; k++) {
		const struct dst_ctr *c = &d->sys.ctr[k];

		if (strncmp(c->name, "stm_drop_", 9) != 0)
			continue;
		if (first)
			family(f, "stratum_server_drops_total", "counter",
			    "Packets dropped without a reply, by reason.");
		first = 0;
		fputs("stratum_server_drops_total{", f);
		label(f, "reason", c->name + 9, "} ");
		number(f, c->value);
		putc('\n', f);
	}
}

/* The labels that name a source; end: "}" or "," to add more. */
static void
src_labels(FILE *f, const struct dst_src *s, const char *end)
{
	char id[16], port[16];

	snprintf(id, sizeof(id), "%u", s->assoc);
	putc('{', f);
	label(f, "assoc", id, ",");
	if (s->port >= 0) {
		snprintf(port, sizeof(port), "%d", s->port);
		label(f, "port", port, ",");
	}
	label(f, "remote", s->addr, end);
}

enum src_field {
	SF_OFFSET,
	SF_DELAY,
	SF_JITTER,
	SF_DISP,
	SF_REACH,
	SF_STRATUM,
	SF_POLL,
	SF_SEL,
	SF_WHEN,
	SF_AUTH,
	SF_NTS_COOKIES,
	SF_NTS_KE,
	SF_NTS_NAK,
	SF_NTS_BAD,
};

static double
src_value(const struct dst_src *s, enum src_field fld)
{
	switch (fld) {
	case SF_OFFSET:
		return s->offset_s;
	case SF_DELAY:
		return s->delay_s;
	case SF_JITTER:
		return s->jitter_s;
	case SF_DISP:
		return s->disp_s;
	case SF_REACH:
		return s->reach;
	case SF_STRATUM:
		return s->stratum;
	case SF_POLL:
		return s->poll_log2 >= 0 && s->poll_log2 < 31
		    ? (double)(1L << s->poll_log2)
		    : NAN;
	case SF_SEL:
		return (s->status >> 8) & 7;
	case SF_WHEN:
		return s->when_s;
	case SF_AUTH: /* RFC 9327: authenable 0x4000, authentic 0x2000 */
		if (!(s->status & 0x4000u))
			return NAN;
		return (s->status & 0x2000u) ? 1 : 0;
	case SF_NTS_COOKIES:
		return s->nts_cookies;
	case SF_NTS_KE:
		return s->nts_ke;
	case SF_NTS_NAK:
		return s->nts_nak;
	case SF_NTS_BAD:
		return s->nts_bad;
	}
	return NAN;
}

static const struct {
	enum src_field fld;
	const char *metric, *type, *help;
} src_metrics[] = {
	{ SF_OFFSET, "stratum_source_offset_seconds", "gauge",
	    "Offset of the source's clock from ours (filtered)." },
	{ SF_DELAY, "stratum_source_delay_seconds", "gauge",
	    "Round-trip delay to the source (filtered)." },
	{ SF_JITTER, "stratum_source_jitter_seconds", "gauge",
	    "Jitter of the source's offsets." },
	{ SF_DISP, "stratum_source_dispersion_seconds", "gauge",
	    "Dispersion of the source's samples." },
	{ SF_REACH, "stratum_source_reach", "gauge",
	    "Reach register: the last 8 polls, 1 bit each (255: all answered)." },
	{ SF_STRATUM, "stratum_source_stratum", "gauge",
	    "Stratum the source serves (16: unsynchronized)." },
	{ SF_POLL, "stratum_source_poll_seconds", "gauge",
	    "Poll interval towards the source." },
	{ SF_SEL, "stratum_source_selection", "gauge",
	    "Selection state: 0 reject, 1 falseticker, 2 excess, 3 outlier, "
	    "4 candidate, 5 backup, 6 system peer, 7 PPS peer." },
	{ SF_WHEN, "stratum_source_last_packet_age_seconds", "gauge",
	    "Seconds since the last packet from the source." },
	{ SF_AUTH, "stratum_source_authenticated", "gauge",
	    "1 when the source's last reply authenticated (key or NTS), 0 "
	    "when it did not; absent without authentication." },
	{ SF_NTS_COOKIES, "stratum_source_nts_cookies", "gauge",
	    "NTS cookies held for the source." },
	{ SF_NTS_KE, "stratum_source_nts_key_exchanges_total", "counter",
	    "NTS key exchanges done with the source." },
	{ SF_NTS_NAK, "stratum_source_nts_naks_total", "counter",
	    "NTS NAKs received from the source." },
	{ SF_NTS_BAD, "stratum_source_nts_rejected_total", "counter",
	    "Replies from the source rejected by NTS (authenticator, unique "
	    "identifier)." },
};

static void
write_srcs(FILE *f, const struct dst *d)
{
	char tally[2] = { 0, 0 };
	size_t m;
	int i, shown;
	double v;

	family(f, "stratum_source_info", "gauge",
	    "A source, its refid, tally code and selection state "
	    "(value always 1).");
	for (i = 0; i < d->n_src; i++) {
		fputs("stratum_source_info", f);
		src_labels(f, &d->src[i], ",");
		tally[0] = ctl_tally(d->src[i].status);
		label(f, "refid", d->src[i].refid, ",");
		label(f, "state", dst_sel_name(d->src[i].status), ",");
		label(f, "tally", tally, "} 1\n");
	}
	for (m = 0; m < sizeof(src_metrics) / sizeof(src_metrics[0]); m++) {
		shown = 0;
		for (i = 0; i < d->n_src; i++) {
			v = src_value(&d->src[i], src_metrics[m].fld);
			if (isnan(v))
				continue;
			if (!shown)
				family(f, src_metrics[m].metric,
				    src_metrics[m].type, src_metrics[m].help);
			shown = 1;
			fputs(src_metrics[m].metric, f);
			src_labels(f, &d->src[i], "} ");
			number(f, v);
			putc('\n', f);
		}
	}
}

void
met_write(FILE *f, const struct dst *d)
{
	family(f, "stratum_up", "gauge",
	    "1 when the daemon answered over mode 6.");
	fprintf(f, "stratum_up %d\n", d != NULL);
	if (d == NULL)
		return;
	write_sys(f, &d->sys);
	write_ctrs(f, d);
	write_srcs(f, d);
}

int
met_bad_opt(int ch, char **argv)
{
	if (ch == ':')
		fprintf(stderr, "stratum: option '%s' needs a value\n",
		    argv[optind - 1]);
	else if (optopt != 0)
		fprintf(stderr, "stratum: unknown option '-%c'\n", optopt);
	else
		fprintf(stderr, "stratum: unknown option '%s'\n",
		    argv[optind - 1]);
	return 2;
}

int
met_host_opt(int ch, const char *arg, const char **host, uint16_t *port)
{
	char *end;
	long v;

	if (ch == 'h') {
		*host = arg;
		return 0;
	}
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || *end || end == arg || v < 1 || v > 65535) {
		fprintf(stderr, "stratum: invalid value '%s' for -p\n", arg);
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

int
metrics_main(int argc, char **argv)
{
	static struct dst d;
	const char *host = "127.0.0.1", *err;
	uint16_t port = 123;
	struct udp_peer to;
	struct ctlq q;
	char why[160];
	int ch, rc;

	static const struct option lopts[] = {
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":h:p:", lopts, NULL)) != -1) {
		if (ch == 'H') {
			printf(
			    "usage: stratum metrics [-h HOST] [-p PORT]\n"
			    "The daemon's state (default 127.0.0.1 port 123) "
			    "over mode 6,\nin the Prometheus text format.\n");
			return 0;
		}
		if (ch != 'h' && ch != 'p')
			return met_bad_opt(ch, argv);
		if (met_host_opt(ch, optarg, &host, &port) != 0)
			return 2;
	}
	if (optind < argc) {
		fprintf(stderr, "stratum: metrics takes no argument ('%s')\n",
		    argv[optind]);
		return 2;
	}
	if (res_lookup(host, port, 0, &to, 1, &err) < 1) {
		fprintf(stderr, "stratum: cannot resolve '%s': %s\n", host,
		    err);
		return 1;
	}
	if (ctlq_open(&q, &to, MET_TIMEOUT_S) != 0) {
		fprintf(stderr, "stratum: socket: %s\n", strerror(errno));
		return 1;
	}
	rc = dst_fetch(&q, &d, why, sizeof(why));
	ctlq_close(&q);
	if (rc != 0) {
		fprintf(stderr, "stratum: %s:%u: %s\n", host, (unsigned)port,
		    why);
		return 1;
	}
	met_write(stdout, &d);
	return fflush(stdout) == 0 ? 0 : 1;
}

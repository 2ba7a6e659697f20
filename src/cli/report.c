// SPDX-License-Identifier: ISC
/* report: text, verbose and JSON output of query results. */
#include "cli/report.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/ts.h"

static void
prefix(void)
{
	char stamp[32];
	struct tm tm;
	time_t now = time(NULL);

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%d %b %H:%M:%S", &tm) == 0)
		stamp[0] = '\0';
	printf("%s stratum[%ld]: ", stamp, (long)getpid());
}

/* A refid made of capitals and digits, starting with a letter ("LOCL",
 * "GPS"), names a reference rather than an address. */
static int
refid_is_name(uint32_t refid)
{
	int i;

	for (i = 0; i < 4; i++) {
		unsigned ch = (refid >> (24 - 8 * i)) & 0xff;

		if (ch == 0 && i > 0)
			return 1;
		if (!(ch >= 'A' && ch <= 'Z') &&
		    !(i > 0 && ch >= '0' && ch <= '9'))
			return 0;
	}
	return 1;
}

/* Stratum 1 refids are ASCII source names; above that, an IPv4 address
 * (or hash of an IPv6 one), shown dotted like ntpq does, unless it reads
 * as a name (a local clock's "LOCL" at stratum 10). */
static void
refid_str(const struct exch_sample *s, char *out, size_t cap)
{
	char a[5];

	pkt_refid_ascii(s->refid, a);
	/* Text when it reads as text; a stratum-1 refid that does not
	 * (chronyd's local clock sends 127.127.1.1) is shown dotted. */
	if ((s->stratum <= 1 || s->stratum >= 16 || refid_is_name(s->refid)) &&
	    a[0] != '\0' && strchr(a, '?') == NULL) {
		snprintf(out, cap, "%s", a);
		return;
	}
	snprintf(out, cap, "%u.%u.%u.%u", s->refid >> 24,
	    (s->refid >> 16) & 0xff, (s->refid >> 8) & 0xff, s->refid & 0xff);
}

static const char *
leap_str(unsigned leap)
{
	static const char *const names[] = { "none", "insert", "delete",
		"unsynchronized" };

	return names[leap & 3];
}

static const char *
failure(const struct qry_target *t, char *buf, size_t cap)
{
	if (t->kiss[0] != '\0')
		snprintf(buf, cap, "kiss-o'-death %s", t->kiss);
	else if (t->last_reject != EXCH_OK)
		snprintf(buf, cap, "rejected replies: %s",
		    exch_verdict_str(t->last_reject));
	else if (t->bogus > 0)
		snprintf(buf, cap, "no valid reply (%d bogus replies ignored)",
		    t->bogus);
	else
		snprintf(buf, cap, "no reply (%d request(s) timed out)",
		    t->timeouts);
	return buf;
}

static void
text_target(const struct rep_opts *o, const struct qry_target *t)
{
	const struct exch_sample *s = &t->samples[t->best];
	char ref[32];

	if (o->verbose) {
		refid_str(s, ref, sizeof(ref));
		printf(
		    "server %s, stratum %u, refid %s, leap %s, offset %+.6f, "
		    "delay %.6f, jitter %.6f, root distance %.6f, samples %d/%d\n",
		    t->addr_str, s->stratum, ref, leap_str(s->leap),
		    ts_to_s(s->offset_ns), ts_to_s(s->delay_ns),
		    ts_to_s(qry_jitter(t)),
		    ts_to_s(exch_root_distance(s, qry_jitter(t))), t->n_samples,
		    t->sent);
	}
	prefix();
	printf("adjust time server %s offset %+.6f sec\n", t->addr_str,
	    ts_to_s(s->offset_ns));
}

/* JSON strings here are host names and fixed texts; escape the two
 * characters that could break the document anyway. */
static void
json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		if ((unsigned char)*s >= 0x20)
			putchar(*s);
	}
	putchar('"');
}

static void
json_target(const struct qry_target *t, int first)
{
	const struct exch_sample *s;
	char ref[32], why[128];

	printf("%s\n    {\"host\": ", first ? "" : ",");
	json_str(t->host);
	printf(", \"address\": \"%s\", \"sent\": %d, \"samples\": %d, ",
	    t->addr_str, t->sent, t->n_samples);
	if (t->best < 0) {
		printf("\"ok\": false, \"error\": ");
		json_str(failure(t, why, sizeof(why)));
		printf(", \"kiss\": ");
		json_str(t->kiss);
		printf("}");
		return;
	}
	s = &t->samples[t->best];
	refid_str(s, ref, sizeof(ref));
	printf("\"ok\": true, \"stratum\": %u, \"refid\": \"%s\", "
	       "\"leap\": %u, \"offset\": %.9f, \"delay\": %.9f, "
	       "\"jitter\": %.9f, \"root_distance\": %.9f}",
	    s->stratum, ref, s->leap, ts_to_s(s->offset_ns),
	    ts_to_s(s->delay_ns), ts_to_s(qry_jitter(t)),
	    ts_to_s(exch_root_distance(s, qry_jitter(t))));
}

static int
name_ok(const struct qry_target *t, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].host == name && t[i].best >= 0)
			return 1;
	return 0;
}

int
rep_print(const struct rep_opts *o, const struct qry_target *t, size_t n,
    char **names, int n_names)
{
	char why[128];
	size_t i;
	int k, rc = 0;

	if (o->json)
		printf("{\"servers\": [");
	for (i = 0; i < n; i++) {
		if (o->json)
			json_target(&t[i], i == 0);
		else if (t[i].best >= 0)
			text_target(o, &t[i]);
		else
			fprintf(stderr, "stratum: server %s (%s): %s\n",
			    t[i].addr_str, t[i].host,
			    failure(&t[i], why, sizeof(why)));
	}
	if (o->json)
		printf(o->sync ? "\n]" : "\n]}\n");
	for (k = 0; k < n_names; k++)
		if (!name_ok(t, n, names[k]))
			rc = -1;
	return rc;
}

const struct qry_target *
rep_pick(const struct qry_target *t, size_t n)
{
	const struct qry_target *b = NULL;
	int64_t bd = 0, d;
	size_t i;

	for (i = 0; i < n; i++) {
		if (t[i].best < 0)
			continue;
		d = exch_root_distance(&t[i].samples[t[i].best],
		    qry_jitter(&t[i]));
		if (b == NULL || d < bd) {
			b = &t[i];
			bd = d;
		}
	}
	return b;
}

void
rep_adjust_line(const struct rep_opts *o, const struct qry_target *b, int step,
    int dry_run)
{
	double off;

	if (o->json && b == NULL) {
		printf(", \"action\": null}\n");
		return;
	}
	if (b == NULL)
		return;
	off = ts_to_s(b->samples[b->best].offset_ns);
	if (o->json) {
		printf(", \"action\": {\"kind\": \"%s\", \"server\": \"%s\", "
		       "\"offset\": %.9f, \"dry_run\": %s}}\n",
		    step ? "step" : "slew", b->addr_str, off,
		    dry_run ? "true" : "false");
		return;
	}
	prefix();
	printf("%s time server %s offset %+.6f sec%s\n",
	    step ? "step" : "adjust", b->addr_str, off,
	    dry_run ? " (dry run: clock not changed)" : "");
}

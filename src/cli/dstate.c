// SPDX-License-Identifier: ISC
/* dstate: a daemon's state over mode 6.  See dstate.h. */
#include "cli/dstate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ctlview.h"
#include "core/ts.h"
#include "ctl/ctl.h"
#include "os/clk.h"

static const char *const err_names[] = { "UNSPEC", "PERMISSION", "BADFMT",
	"BADOP", "BADASSOC", "UNKNOWNVAR", "BADVALUE", "RESTRICT" };

static const char *
err_name(int error)
{
	int code = error - 1;

	return code >= 0 && code < 8 ? err_names[code] : "UNKNOWN";
}

/* Milliseconds (how mode 6 sends times) to seconds. */
static double
ms(const struct ctl_var *v)
{
	return cv_var_num(v) / 1000;
}

static void
keep_ctr(struct dst_sys *s, const struct ctl_var *v)
{
	struct dst_ctr *c;

	if (s->n_ctr >= DST_MAX_CTR || v->name_len >= sizeof(c->name))
		return;
	if (!(v->name_len > 3 && memcmp(v->name, "ss_", 3) == 0) &&
	    !(v->name_len > 4 && memcmp(v->name, "stm_", 4) == 0))
		return;
	c = &s->ctr[s->n_ctr];
	memcpy(c->name, v->name, v->name_len);
	c->name[v->name_len] = '\0';
	c->value = cv_var_num(v);
	if (!isnan(c->value))
		s->n_ctr++;
}

/* ntpd sends the leap bits as "00".."11", stratumd as 0..3. */
static int
leap_value(const char *b)
{
	if (strlen(b) == 2 && strspn(b, "01") == 2)
		return (b[0] - '0') << 1 | (b[1] - '0');
	return (int)strtol(b, NULL, 10) & 3;
}

static void
sys_var(struct dst_sys *s, const struct ctl_var *v)
{
	char b[8];

	if (ctl_var_is(v, "leap")) {
		cv_var_str(v, b, sizeof(b));
		s->leap = leap_value(b);
	} else if (ctl_var_is(v, "stratum"))
		s->stratum = (int)cv_var_num(v);
	else if (ctl_var_is(v, "peer"))
		s->peer = (int)cv_var_num(v);
	else if (ctl_var_is(v, "tc"))
		s->poll_log2 = (int)cv_var_num(v);
	else if (ctl_var_is(v, "offset"))
		s->offset_s = ms(v);
	else if (ctl_var_is(v, "sys_jitter"))
		s->jitter_s = ms(v);
	else if (ctl_var_is(v, "frequency"))
		s->freq_ppm = cv_var_num(v);
	else if (ctl_var_is(v, "clk_wander"))
		s->wander_ppm = cv_var_num(v);
	else if (ctl_var_is(v, "rootdelay"))
		s->root_delay_s = ms(v);
	else if (ctl_var_is(v, "rootdisp"))
		s->root_disp_s = ms(v);
	else if (ctl_var_is(v, "refid"))
		cv_var_str(v, s->refid, sizeof(s->refid));
	else if (ctl_var_is(v, "version"))
		cv_var_str(v, s->version, sizeof(s->version));
	else if (ctl_var_is(v, "stm_synced"))
		s->stm_synced = (int)cv_var_num(v);
	else if (ctl_var_is(v, "stm_why"))
		cv_var_str(v, s->why, sizeof(s->why));
	else
		keep_ctr(s, v);
}

static void
src_var(struct dst_src *r, const struct ctl_var *v, char *host, size_t cap)
{
	if (ctl_var_is(v, "srcadr"))
		cv_var_str(v, r->addr, sizeof(r->addr));
	else if (ctl_var_is(v, "srchost"))
		cv_var_str(v, host, cap);
	else if (ctl_var_is(v, "srcport"))
		r->port = (int)cv_var_num(v);
	else if (ctl_var_is(v, "refid"))
		cv_var_str(v, r->refid, sizeof(r->refid));
	else if (ctl_var_is(v, "stratum"))
		r->stratum = (int)cv_var_num(v);
	else if (ctl_var_is(v, "reach"))
		r->reach =
		    (unsigned)strtoul(v->value ? v->value : "0", NULL, 16);
	else if (ctl_var_is(v, "hpoll"))
		r->poll_log2 = (int)cv_var_num(v);
	else if (ctl_var_is(v, "rec"))
		r->when_s = cv_var_age(v);
	else if (ctl_var_is(v, "offset"))
		r->offset_s = ms(v);
	else if (ctl_var_is(v, "delay"))
		r->delay_s = ms(v);
	else if (ctl_var_is(v, "jitter"))
		r->jitter_s = ms(v);
	else if (ctl_var_is(v, "dispersion"))
		r->disp_s = ms(v);
	else if (ctl_var_is(v, "ntscookies"))
		r->nts_cookies = cv_var_num(v);
	else if (ctl_var_is(v, "ntske"))
		r->nts_ke = cv_var_num(v);
	else if (ctl_var_is(v, "ntsnak"))
		r->nts_nak = cv_var_num(v);
	else if (ctl_var_is(v, "ntsbad"))
		r->nts_bad = cv_var_num(v);
}

static void
fill_src(struct dst_src *r, const char *text, size_t len)
{
	struct ctl_vcur c;
	struct ctl_var v;
	char host[64] = "";

	r->port = -1;
	r->stratum = 16;
	r->poll_log2 = -1;
	r->when_s = r->offset_s = r->delay_s = r->jitter_s = r->disp_s = NAN;
	r->nts_cookies = r->nts_ke = r->nts_nak = r->nts_bad = NAN;
	ctl_vcur_init(&c, text, len);
	while (ctl_var_next(&c, &v))
		src_var(r, &v, host, sizeof(host));
	/* A reference clock has srcadr 127.127.t.u (ntpd) or none; its
	 * name is in srchost. */
	if (r->addr[0] == '\0' || strncmp(r->addr, "127.127.", 8) == 0)
		if (host[0] != '\0')
			snprintf(r->addr, sizeof(r->addr), "%s", host);
	if (isnan(r->jitter_s))
		r->jitter_s = r->disp_s;
}

static int
ask(struct ctlq *q, uint8_t op, uint16_t assoc, struct ctlq_resp *r, char *err,
    size_t cap)
{
	if (ctlq_ask(q, op, assoc, NULL, r) != 0) {
		snprintf(err, cap,
		    "no daemon answering (is stratumd running? mode 6 "
		    "restricted?)");
		return -1;
	}
	if (r->error && assoc == 0) {
		snprintf(err, cap, "server error %s", err_name(r->error));
		return -1;
	}
	return 0;
}

static int
fetch_sys(struct ctlq *q, struct dst_sys *s, struct ctlq_resp *r, char *err,
    size_t cap)
{
	struct ctl_vcur c;
	struct ctl_var v;

	memset(s, 0, sizeof(*s));
	s->stratum = 16;
	s->poll_log2 = -1;
	s->offset_s = s->jitter_s = s->freq_ppm = s->wander_ppm = NAN;
	s->root_delay_s = s->root_disp_s = NAN;
	s->stm_synced = -1;
	if (ask(q, CTL_OP_READVAR, 0, r, err, cap) != 0)
		return -1;
	s->status = r->status;
	ctl_vcur_init(&c, (const char *)r->data, r->len);
	while (ctl_var_next(&c, &v))
		sys_var(s, &v);
	/* RFC 9327 2.3.1: bits 8-13 of the system status word name the
	 * clock source, 0 while unsynchronized. */
	s->synced = ((s->status >> 8) & 0x3f) != 0 && s->leap != 3;
	if (s->stm_synced >= 0)
		s->synced = s->stm_synced; /* stratumd says so itself */
	return 0;
}

/*
 * The counters, asked for by name: a daemon returns them only then (as
 * ntpd does its ss_* sysstats).  A name it does not know makes it answer
 * UNKNOWNVAR and nothing else, so when a group fails each name is asked
 * on its own and the ones it knows are kept.
 */
static const char ntpd_ctrs[] = "ss_uptime,ss_reset,ss_received,ss_thisver,"
                                "ss_oldver,ss_badformat,ss_badauth,ss_declined,"
                                "ss_restricted,ss_limited,ss_kodsent,"
                                "ss_processed";
/* ours; the drop reasons are eng_ctr_name's (src/daemon/engine.c) */
static const char our_ctrs[] =
    "stm_replies,stm_leaked,stm_send_errors,stm_mode6_served,"
    "stm_mode6_refused,stm_clock_steps,stm_authentic,stm_crypto_nak,"
    "stm_nts_answered,stm_nts_nak,stm_drop_short,stm_drop_version,"
    "stm_drop_mode,stm_drop_malformed,stm_drop_trunc,stm_drop_iface,"
    "stm_drop_ignore,stm_drop_noserve,stm_drop_notrust,stm_drop_noquery,"
    "stm_drop_ctl_remote,stm_drop_control,stm_drop_rate,stm_drop_nts";

static void
take_ctrs(struct dst_sys *s, const struct ctlq_resp *r)
{
	struct ctl_vcur c;
	struct ctl_var v;

	ctl_vcur_init(&c, (const char *)r->data, r->len);
	while (ctl_var_next(&c, &v))
		keep_ctr(s, &v);
}

static void
fetch_ctrs(struct ctlq *q, struct dst_sys *s, const char *names,
    struct ctlq_resp *r)
{
	char one[64];
	const char *p, *e;
	size_t n;

	if (ctlq_ask(q, CTL_OP_READVAR, 0, names, r) != 0)
		return;
	if (!r->error) {
		take_ctrs(s, r);
		return;
	}
	if (r->error != CTL_ERR_UNKNOWNVAR + 1)
		return;
	for (p = names; *p; p = *e ? e + 1 : e) {
		e = strchr(p, ',');
		e = e != NULL ? e : p + strlen(p);
		n = (size_t)(e - p);
		if (n >= sizeof(one))
			continue;
		memcpy(one, p, n);
		one[n] = '\0';
		if (ctlq_ask(q, CTL_OP_READVAR, 0, one, r) == 0 && !r->error)
			take_ctrs(s, r);
	}
}

int
dst_fetch(struct ctlq *q, struct dst *d, char *err, size_t cap)
{
	static struct ctlq_resp r;
	uint16_t ids[DST_MAX_SRC];
	size_t i;
	int n = 0, k;

	d->n_src = 0;
	if (fetch_sys(q, &d->sys, &r, err, cap) != 0)
		return -1;
	fetch_ctrs(q, &d->sys, ntpd_ctrs, &r);
	if (strncmp(d->sys.version, "stratumd", 8) == 0)
		fetch_ctrs(q, &d->sys, our_ctrs, &r);
	if (ask(q, CTL_OP_READSTAT, 0, &r, err, cap) != 0)
		return -1;
	for (i = 0; i + 4 <= r.len && n < DST_MAX_SRC; i += 4)
		ids[n++] = (uint16_t)(r.data[i] << 8 | r.data[i + 1]);
	for (k = 0; k < n; k++) {
		struct dst_src *s = &d->src[d->n_src];

		if (ask(q, CTL_OP_READVAR, ids[k], &r, err, cap) != 0)
			return -1;
		if (r.error)
			continue; /* gone since READSTAT */
		memset(s, 0, sizeof(*s));
		s->assoc = ids[k];
		s->status = r.status;
		fill_src(s, (const char *)r.data, r.len);
		d->n_src++;
	}
	return 0;
}

double
dst_ctr(const struct dst *d, const char *name)
{
	int i;

	for (i = 0; i < d->sys.n_ctr; i++)
		if (strcmp(d->sys.ctr[i].name, name) == 0)
			return d->sys.ctr[i].value;
	return NAN;
}

const char *
dst_sel_name(uint16_t status)
{
	static const char *const names[] = { "reject", "falsetick", "excess",
		"outlier", "candidate", "backup", "sys.peer", "pps.peer" };

	return names[(status >> 8) & 7];
}

void
dst_json_str(FILE *f, const char *s)
{
	putc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20 || *s == '<' || *s == '>')
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			putc(*s, f);
	}
	putc('"', f);
}

// SPDX-License-Identifier: ISC
/* reload: the difference between two configurations, applied. */
#include "daemon/reload.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "os/clk.h"

void
reload_report_init(struct reload_report *r)
{
	memset(r, 0, sizeof(*r));
}

void
reload_line(struct reload_report *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->len + 2 >= sizeof(r->text))
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->text + r->len, sizeof(r->text) - r->len - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	r->len += (size_t)n < sizeof(r->text) - r->len - 1
	    ? (size_t)n
	    : sizeof(r->text) - r->len - 2;
	r->text[r->len++] = '\n';
	r->text[r->len] = '\0';
}

static void
append(char *dst, size_t cap, const char *sep, const char *what)
{
	size_t len = strlen(dst);

	snprintf(dst + len, cap - len, "%s%s", len ? sep : "", what);
}

void
reload_changed(struct reload_report *r, const char *what)
{
	append(r->changed, sizeof(r->changed), "; ", what);
}

void
reload_restart(struct reload_report *r, const char *what)
{
	append(r->restart, sizeof(r->restart), ", ", what);
}

void
reload_restart_settings(const struct conf *old, const struct conf *nc,
    struct reload_report *r)
{
	if (old->port != nc->port)
		reload_restart(r, "port");
	if (old->clock != nc->clock ||
	    old->clock_offset_s != nc->clock_offset_s ||
	    old->clock_freq_ppm != nc->clock_freq_ppm)
		reload_restart(r, "clock");
	if (old->workers != nc->workers)
		reload_restart(r, "workers");
	if (old->seccomp != nc->seccomp)
		reload_restart(r, "seccomp");
	if (strcmp(old->leapfile, nc->leapfile) != 0)
		reload_restart(r, "leapfile");
	if (strcmp(old->keysfile, nc->keysfile) != 0 ||
	    old->n_trusted_keys != nc->n_trusted_keys ||
	    memcmp(old->trusted_keys, nc->trusted_keys,
	        old->n_trusted_keys * sizeof(old->trusted_keys[0])) != 0)
		reload_restart(r, "keys");
	if (strcmp(old->nts_cert, nc->nts_cert) != 0 ||
	    strcmp(old->nts_key, nc->nts_key) != 0 ||
	    old->nts_enable != nc->nts_enable ||
	    old->nts_port != nc->nts_port ||
	    old->nts_rotate_s != nc->nts_rotate_s ||
	    strcmp(old->nts_keyfile, nc->nts_keyfile) != 0 ||
	    strcmp(old->nts_dumpdir, nc->nts_dumpdir) != 0)
		reload_restart(r, "NTS server or ntsdumpdir");
}

void
reload_core_settings(const struct conf *old, const struct conf *nc,
    struct reload_report *r)
{
	if (old->tos_minclock != nc->tos_minclock ||
	    old->tos_maxclock != nc->tos_maxclock ||
	    old->tos_minsane != nc->tos_minsane ||
	    old->tos_mindist_s != nc->tos_mindist_s)
		reload_changed(r, "tos changed");
	if (old->tinker_step_s != nc->tinker_step_s ||
	    old->tinker_panic_s != nc->tinker_panic_s ||
	    old->tinker_stepout_s != nc->tinker_stepout_s ||
	    old->maxslewrate_ppm != nc->maxslewrate_ppm ||
	    old->makestep_s != nc->makestep_s ||
	    old->makestep_limit != nc->makestep_limit ||
	    old->panic_exit != nc->panic_exit)
		reload_changed(r, "discipline settings changed");
	if (old->local_stratum != nc->local_stratum)
		reload_changed(r, "local stratum changed");
	if (strcmp(old->driftfile, nc->driftfile) != 0)
		reload_changed(r, "driftfile changed");
}

int
reload_same_ifrules(const struct conf *old, const struct conf *nc)
{
	size_t i;

	if (old->n_ifrules != nc->n_ifrules)
		return 0;
	for (i = 0; i < old->n_ifrules; i++) {
		const struct conf_ifrule *x = &old->ifrules[i];
		const struct conf_ifrule *y = &nc->ifrules[i];

		if (x->action != y->action || x->match != y->match ||
		    strcmp(x->name, y->name) != 0 || x->family != y->family ||
		    memcmp(x->addr, y->addr, 16) != 0 ||
		    x->prefix_len != y->prefix_len)
			return 0;
	}
	return 1;
}

/* Two lines say the same when every field but the line number matches
 * (compared as bytes, so options added to the struct later count too:
 * conf_init zeroes the whole table first). */
static int
same_line(const struct conf_source *x, const struct conf_source *y)
{
	struct conf_source a, b;

	memcpy(&a, x, sizeof(a));
	memcpy(&b, y, sizeof(b));
	a.line = b.line = 0;
	return memcmp(&a, &b, sizeof(a)) == 0;
}

/* The old entry for new line i: the first unmatched old one saying the
 * same, or -1. */
static int
match(const struct assoc *a, const struct conf_source *cs, const int *taken)
{
	size_t j;

	for (j = 0; j < a->n_names; j++)
		if (!taken[j] && same_line(a->names[j].cs, cs))
			return (int)j;
	return -1;
}

/* Old line j went away: its associations and its lookup go with it. */
static void
drop_line(struct assoc *a, int j)
{
	int i;

	for (i = 0; i < SYNC_MAX_SRC; i++)
		if (sync_src_in_use(&a->sync, i) && a->src[i].name == j)
			asc_drop(a, i);
	if (a->names[j].resolving)
		lookup_cancel(&a->names[j].lk);
	a->names[j].resolving = 0;
}

void
reload_sources(struct assoc *a, const struct conf *nc, struct reload_report *r)
{
	static struct asc_name next[CONF_MAX_SOURCES]; /* main thread only */
	int taken[CONF_MAX_SOURCES] = { 0 }, to[CONF_MAX_SOURCES];
	int64_t now = clk_mono_now();
	size_t i, j;
	int k;

	for (j = 0; j < CONF_MAX_SOURCES; j++)
		to[j] = -1;
	for (i = 0; i < nc->n_sources; i++) {
		k = match(a, &nc->sources[i], taken);
		if (k < 0) {
			asc_name_init(&next[i], &nc->sources[i], now);
			r->added++;
			reload_line(r, "added: %s %s",
			    conf_src_kind_name(nc->sources[i].kind),
			    nc->sources[i].host);
			continue;
		}
		taken[k] = 1;
		to[k] = (int)i;
		next[i] = a->names[k];
		next[i].cs = &nc->sources[i];
		r->kept++;
	}
	for (j = 0; j < a->n_names; j++) {
		if (taken[j])
			continue;
		reload_line(r, "removed: %s %s",
		    conf_src_kind_name(a->names[j].cs->kind),
		    a->names[j].cs->host);
		drop_line(a, (int)j);
		r->removed++;
	}
	for (k = 0; k < SYNC_MAX_SRC; k++)
		if (sync_src_in_use(&a->sync, k))
			a->src[k].name = to[a->src[k].name];
	memcpy(a->names, next, nc->n_sources * sizeof(next[0]));
	a->n_names = nc->n_sources;
}

static const char *
plural(int n, const char *one, const char *more)
{
	return n == 1 ? one : more;
}

void
reload_summary(const struct reload_report *r, char *out, size_t cap)
{
	snprintf(out, cap, "reload: %d %s added, %d removed, %d kept%s%s",
	    r->added, plural(r->added, "source", "sources"), r->removed,
	    r->kept, r->changed[0] ? "; " : "", r->changed);
}

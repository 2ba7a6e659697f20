// SPDX-License-Identifier: ISC
/* webhist: the web page's history and JSON.  See webhist.h. */
#include "cli/webhist.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/ctl.h"

#define WH_MJD_UNIX 40587    /* MJD of 1970-01-01 */
#define WH_MAX_LINES 1000000 /* read at most this many lines in all */
#define WH_MAX_FILES 64

void
wh_add(struct wh_ring *r, const struct wh_sample *s)
{
	if (r->n < WH_CAP) {
		r->s[(r->head + r->n) % WH_CAP] = *s;
		r->n++;
	} else {
		r->s[r->head] = *s;
		r->head = (r->head + 1) % WH_CAP;
	}
}

const struct wh_sample *
wh_at(const struct wh_ring *r, int i)
{
	return &r->s[(r->head + i) % WH_CAP];
}

struct lines {
	struct wh_sample *v;
	size_t n, cap;
};

static int
by_time(const void *a, const void *b)
{
	double x = ((const struct wh_sample *)a)->t_s;
	double y = ((const struct wh_sample *)b)->t_s;

	return x < y ? -1 : x > y;
}

/* One loopstats line: "MJD SECONDS OFFSET_S FREQ_PPM JITTER_S ...". */
static int
parse_line(const char *l, struct wh_sample *s)
{
	double mjd, sod;

	if (sscanf(l, "%lf %lf %lf %lf %lf", &mjd, &sod, &s->offset_s,
	        &s->freq_ppm, &s->jitter_s) != 5)
		return -1;
	if (!(mjd > WH_MJD_UNIX && mjd < 100000 && sod >= 0 && sod < 86401))
		return -1;
	s->t_s = (floor(mjd) - WH_MJD_UNIX) * 86400 + sod;
	return 0;
}

static void
read_file(int dfd, const char *name, double from_s, double to_s,
    struct lines *ls)
{
	char line[256];
	struct wh_sample s, *nv;
	FILE *f;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || (f = fdopen(fd, "r")) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL && ls->n < WH_MAX_LINES) {
		if (parse_line(line, &s) != 0 || s.t_s < from_s || s.t_s > to_s)
			continue;
		if (ls->n == ls->cap) {
			ls->cap = ls->cap ? ls->cap * 2 : 1024;
			nv = realloc(ls->v, ls->cap * sizeof(*nv));
			if (nv == NULL)
				break;
			ls->v = nv;
		}
		ls->v[ls->n++] = s;
	}
	fclose(f);
}

/* DIR/loopstats and DIR/loopstats.* (ntpd's file generation members). */
static int
wanted(const char *name)
{
	return strcmp(name, "loopstats") == 0 ||
	    strncmp(name, "loopstats.", 10) == 0;
}

int
wh_backfill(struct wh_ring *r, const char *dir, double now_s, double span_s)
{
	struct lines ls = { NULL, 0, 0 };
	ino_t seen[WH_MAX_FILES];
	int n_seen = 0, i, dfd;
	struct dirent *e;
	struct stat st;
	size_t k, first;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return -1;
	dfd = dirfd(d);
	while ((e = readdir(d)) != NULL && n_seen < WH_MAX_FILES) {
		if (!wanted(e->d_name) ||
		    fstatat(dfd, e->d_name, &st, 0) != 0 ||
		    !S_ISREG(st.st_mode) ||
		    (double)st.st_mtime < now_s - span_s)
			continue;
		for (i = 0; i < n_seen && seen[i] != st.st_ino; i++)
			;
		if (i < n_seen)
			continue; /* the link and its member: read once */
		seen[n_seen++] = st.st_ino;
		read_file(dfd, e->d_name, now_s - span_s, now_s, &ls);
	}
	closedir(d);
	if (ls.n > 0)
		qsort(ls.v, ls.n, sizeof(ls.v[0]), by_time);
	first = ls.n > WH_CAP ? ls.n - WH_CAP : 0;
	for (k = first; k < ls.n; k++)
		wh_add(r, &ls.v[k]);
	free(ls.v);
	return (int)(ls.n - first);
}

/* ---- JSON ---- */

static void
jnum(FILE *f, const char *name, double v, const char *sep)
{
	if (isnan(v) || isinf(v))
		fprintf(f, "\"%s\": null%s", name, sep);
	else
		fprintf(f, "\"%s\": %.9g%s", name, v, sep);
}

static void
jstr(FILE *f, const char *name, const char *v, const char *sep)
{
	fprintf(f, "\"%s\": ", name);
	dst_json_str(f, v);
	fputs(sep, f);
}

static double
poll_s(int log2)
{
	return log2 >= 0 && log2 < 31 ? (double)(1L << log2) : NAN;
}

static void
json_sys(FILE *f, const struct dst *d)
{
	const struct dst_sys *s = &d->sys;
	char peer[96] = "";
	int i;

	for (i = 0; i < d->n_src; i++)
		if (d->src[i].assoc == s->peer && s->peer != 0)
			snprintf(peer, sizeof(peer), "%s%s%d", d->src[i].addr,
			    d->src[i].port >= 0 ? ":" : "",
			    d->src[i].port >= 0 ? d->src[i].port : 0);
	fprintf(f, "\"system\": {\"synchronized\": %s, ",
	    s->synced ? "true" : "false");
	jstr(f, "version", s->version, ", ");
	jstr(f, "why", s->why, ", ");
	jstr(f, "system_peer", peer, ", ");
	fprintf(f, "\"peer_assoc\": %d, \"stratum\": %d, \"leap\": %d, ",
	    s->peer, s->stratum, s->leap);
	jstr(f, "refid", s->refid, ", ");
	jnum(f, "offset_s", s->offset_s, ", ");
	jnum(f, "jitter_s", s->jitter_s, ", ");
	jnum(f, "frequency_ppm", s->freq_ppm, ", ");
	jnum(f, "root_delay_s", s->root_delay_s, ", ");
	jnum(f, "root_dispersion_s", s->root_disp_s, ", ");
	jnum(f, "poll_s", poll_s(s->poll_log2), "},\n");
}

static void
json_peers(FILE *f, const struct dst *d)
{
	char tally[2] = { 0, 0 };
	int i;

	fputs("\"peers\": [", f);
	for (i = 0; i < d->n_src; i++) {
		const struct dst_src *s = &d->src[i];

		tally[0] = ctl_tally(s->status);
		fprintf(f, "%s\n  {\"assoc\": %u, ", i ? "," : "", s->assoc);
		jstr(f, "tally", tally, ", ");
		jstr(f, "state", dst_sel_name(s->status), ", ");
		jstr(f, "remote", s->addr, ", ");
		fprintf(f, "\"port\": %d, \"stratum\": %d, \"reach\": %u, ",
		    s->port, s->stratum, s->reach);
		jstr(f, "refid", s->refid, ", ");
		jnum(f, "when_s", s->when_s, ", ");
		jnum(f, "poll_s", poll_s(s->poll_log2), ", ");
		jnum(f, "delay_s", s->delay_s, ", ");
		jnum(f, "offset_s", s->offset_s, ", ");
		jnum(f, "jitter_s", s->jitter_s, "}");
	}
	fputs("],\n", f);
}

/* One column of the ring: "name": [v, v, ...]. */
static void
json_col(FILE *f, const char *name, const struct wh_ring *r, size_t off,
    const char *sep)
{
	const struct wh_sample *s;
	double v;
	int i;

	fprintf(f, "\"%s\": [", name);
	for (i = 0; i < r->n; i++) {
		s = wh_at(r, i);
		memcpy(&v, (const char *)s + off, sizeof(v));
		if (isnan(v))
			fprintf(f, "%snull", i ? "," : "");
		else
			fprintf(f, "%s%.12g", i ? "," : "", v);
	}
	fprintf(f, "]%s", sep);
}

void
wh_json(FILE *f, const struct wh_origin *o, const struct dst *d,
    const struct wh_ring *r)
{
	fputs("{", f);
	jstr(f, "host", o->host, ", ");
	fprintf(f, "\"port\": %u, \"time\": %.3f, \"up\": %s, ", o->port,
	    o->now_s, d != NULL ? "true" : "false");
	if (o->error != NULL)
		jstr(f, "error", o->error, ",\n");
	else
		fputs("\"error\": null,\n", f);
	if (d != NULL) {
		json_sys(f, d);
		json_peers(f, d);
	}
	fprintf(f, "\"history\": {\"poll_s\": %.3f, ", o->poll_s);
	json_col(f, "t", r, offsetof(struct wh_sample, t_s), ", ");
	json_col(f, "offset_s", r, offsetof(struct wh_sample, offset_s), ", ");
	json_col(f, "jitter_s", r, offsetof(struct wh_sample, jitter_s), ", ");
	json_col(f, "frequency_ppm", r, offsetof(struct wh_sample, freq_ppm),
	    "}}\n");
}

/* SPDX-License-Identifier: ISC */
/*
 * conf: parser for Stratum's ntp.conf dialect (DESIGN.md "Config
 * dialect"; keywords and ranges follow ntpd's ntp.conf(5)).  tok hands us
 * one line of words at a time; the first word selects a handler from a
 * table.  Handlers parse into locals and store into struct conf only when
 * the whole line checked out, so a bad line leaves nothing half-applied
 * (trustedkey and statistics lists excepted: each good word is kept).
 *
 * No heap, no output, no name resolution: host names stay strings and only
 * address literals are converted (inet_pton).  Diagnostics accumulate in
 * struct conf; the caller decides what to print.
 */
#include "conf/conf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "conf/tok.h"

#define PATH_BUF 1024     /* include paths, file names in messages */
#define KEY_ID_MAX 65535L /* ntpd's key ids are 1..65535 */
#define POLL_RANGE CONF_POLL_MIN, CONF_POLL_MAX

/* One file being read; frames[0] is the top level. */
struct frame {
	char name[PATH_BUF];
	dev_t dev;
	ino_t ino;
	int has_id; /* dev/ino valid (not for conf_load_text's buffer) */
	int line;
	int known;   /* a directive we know has been read from this file */
	int not_ntp; /* its first directive was unknown: not read further */
};

struct pctx {
	struct conf *c;
	struct frame frames[CONF_INCLUDE_DEPTH + 1];
	int depth; /* index of the frame being read */
};

/* The words of one line: t[0] is the directive, t[i] the next unread. */
struct args {
	const struct tok *t;
	size_t n;
	size_t i;
};

static void parse_stream(struct pctx *p, struct tok_reader *r);

/* ---- diagnostics ---- */

/* Copy text with control bytes and DEL written as \xNN, so that a
 * diagnostic can neither forge lines nor drive a terminal. */
static void
escape_copy(char *dst, size_t cap, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	unsigned char ch;

	for (; *src != '\0'; src++) {
		ch = (unsigned char)*src;
		if (ch >= 0x20 && ch != 0x7f) {
			if (o + 1 >= cap)
				break;
			dst[o++] = (char)ch;
			continue;
		}
		if (o + 4 >= cap)
			break;
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[ch >> 4];
		dst[o++] = hex[ch & 15];
	}
	dst[o] = '\0';
}

static void
diag_push(struct conf *c, enum conf_diag_level level, const char *text)
{
	struct conf_diag *d;

	switch (level) {
	case CONF_WARNING:
		c->n_warnings++;
		break;
	case CONF_ERROR:
		c->n_errors++;
		break;
	}
	if (c->n_diags >= CONF_MAX_DIAGS) {
		c->diags_dropped = 1;
		return;
	}
	d = &c->diags[c->n_diags++];
	d->level = level;
	escape_copy(d->text, sizeof(d->text), text);
}

static void pdiag(struct pctx *p, enum conf_diag_level level, int col,
    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
static void perr(struct pctx *p, int col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void pwarn(struct pctx *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "file:line:col: message" or "file:line: warning: message" */
static void
pdiag(struct pctx *p, enum conf_diag_level level, int col, const char *fmt,
    va_list ap)
{
	const struct frame *f = &p->frames[p->depth];
	char text[CONF_DIAG_MAX];
	int n = 0;

	text[0] = '\0';
	switch (level) {
	case CONF_ERROR:
		n = snprintf(text, sizeof(text), "%s:%d:%d: ", f->name, f->line,
		    col);
		break;
	case CONF_WARNING:
		n = snprintf(text, sizeof(text), "%s:%d: warning: ", f->name,
		    f->line);
		break;
	}
	if (n >= 0 && (size_t)n < sizeof(text))
		(void)vsnprintf(text + n, sizeof(text) - (size_t)n, fmt, ap);
	diag_push(p->c, level, text);
}

static void
perr(struct pctx *p, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pdiag(p, CONF_ERROR, col, fmt, ap);
	va_end(ap);
}

static void
pwarn(struct pctx *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pdiag(p, CONF_WARNING, 0, fmt, ap);
	va_end(ap);
}

/* ---- words and numbers ---- */

static int
is_word(const struct tok *t, const char *w)
{
	return strcmp(t->s, w) == 0;
}

/* More words follow, or "missing WHAT after 'PREV'" at the gap. */
static int
arg_more(struct pctx *p, const struct args *a, const char *what)
{
	const struct tok *prev = &a->t[a->i - 1];

	if (a->i >= a->n) {
		perr(p, tok_end_col(prev) + 1, "missing %s after '%s'", what,
		    prev->s);
		return -1;
	}
	return 0;
}

/* The next word, or NULL after arg_more's error. */
static const struct tok *
arg_next(struct pctx *p, struct args *a, const char *what)
{
	if (arg_more(p, a, what) != 0)
		return NULL;
	return &a->t[a->i++];
}

/* The line must end here. */
static int
arg_end(struct pctx *p, const struct args *a)
{
	if (a->i < a->n) {
		perr(p, a->t[a->i].col, "unexpected '%s' after '%s'",
		    a->t[a->i].s, a->t[a->i - 1].s);
		return -1;
	}
	return 0;
}

/* Decimal integer: optional sign, then digits and nothing else. */
static int
parse_long(const char *s, long *out)
{
	const char *d = s;

	if (*d == '-' || *d == '+')
		d++;
	if (*d == '\0')
		return -1;
	for (; *d != '\0'; d++)
		if (*d < '0' || *d > '9')
			return -1;
	/* Overflow saturates, which the caller's range check rejects. */
	*out = strtol(s, NULL, 10);
	return 0;
}

static int
skip_digits(const char **d)
{
	int n = 0;

	while (**d >= '0' && **d <= '9') {
		(*d)++;
		n++;
	}
	return n;
}

/* Finite decimal number like 0.128, -5, 1e3; no hex, inf or nan. */
static int
parse_double(const char *s, double *out)
{
	const char *d = s;
	int digits;

	if (*d == '-' || *d == '+')
		d++;
	digits = skip_digits(&d);
	if (*d == '.') {
		d++;
		digits += skip_digits(&d);
	}
	if (digits == 0)
		return -1;
	if (*d == 'e' || *d == 'E') {
		d++;
		if (*d == '-' || *d == '+')
			d++;
		if (skip_digits(&d) == 0)
			return -1;
	}
	if (*d != '\0')
		return -1;
	*out = strtod(s, NULL);
	return isfinite(*out) ? 0 : -1;
}

/* "KEY N" with N an integer in lo..hi; a->t[a->i - 1] is KEY. */
static int
arg_long(struct pctx *p, struct args *a, long lo, long hi, long *out)
{
	const struct tok *key = &a->t[a->i - 1], *v;

	if ((v = arg_next(p, a, "value")) == NULL)
		return -1;
	if (parse_long(v->s, out) != 0) {
		perr(p, v->col, "invalid number '%s' after '%s'", v->s, key->s);
		return -1;
	}
	if (*out < lo || *out > hi) {
		perr(p, v->col, "%s %s out of range %ld..%ld", key->s, v->s, lo,
		    hi);
		return -1;
	}
	return 0;
}

/* "KEY X" with X a number in lo..hi. */
static int
arg_double(struct pctx *p, struct args *a, double lo, double hi, double *out)
{
	const struct tok *key = &a->t[a->i - 1], *v;

	if ((v = arg_next(p, a, "value")) == NULL)
		return -1;
	if (parse_double(v->s, out) != 0) {
		perr(p, v->col, "invalid number '%s' after '%s'", v->s, key->s);
		return -1;
	}
	if (*out < lo || *out > hi) {
		perr(p, v->col, "%s %s out of range %g..%g", key->s, v->s, lo,
		    hi);
		return -1;
	}
	return 0;
}

/* "KEY X" for an option we accept and ignore: X must be a number. */
static int
arg_ignored_value(struct pctx *p, struct args *a, const char *what)
{
	const struct tok *key = &a->t[a->i - 1];
	double v;

	if (arg_double(p, a, -HUGE_VAL, HUGE_VAL, &v) != 0)
		return -1;
	pwarn(p, "%s option '%s' not supported; ignored", what, key->s);
	return 0;
}

static int
name_in(const char *w, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(w, names[i]) == 0)
			return 1;
	return 0;
}

#define NAME_IN(w, list) name_in((w), (list), sizeof(list) / sizeof(list[0]))

/* Optional "-4" / "-6" words. */
static int
arg_family(struct pctx *p, struct args *a, int *family)
{
	const struct tok *t;
	int f;

	while (a->i < a->n) {
		t = &a->t[a->i];
		if (is_word(t, "-4"))
			f = 4;
		else if (is_word(t, "-6"))
			f = 6;
		else
			break;
		if (*family != 0 && *family != f) {
			perr(p, t->col, "both -4 and -6 given");
			return -1;
		}
		*family = f;
		a->i++;
	}
	return 0;
}

/* ---- addresses ---- */

/*
 * "ADDR" or "ADDR/LEN" as an IPv4 or IPv6 literal.  *plen is -1 without a
 * prefix length.  Returns 0, -1 for a bad address, -2 for a bad length.
 */
static int
parse_prefix(const char *s, int *family, uint8_t addr[16], int *plen)
{
	const char *slash = strchr(s, '/');
	size_t len = slash != NULL ? (size_t)(slash - s) : strlen(s);
	char buf[64];
	long v;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1)
		*family = 4;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		*family = 6;
	else
		return -1;
	*plen = -1;
	if (slash == NULL)
		return 0;
	if (parse_long(slash + 1, &v) != 0 || slash[1] == '-' ||
	    slash[1] == '+' || v > (*family == 4 ? 32 : 128))
		return -2;
	*plen = (int)v;
	return 0;
}

static int
family_bits(int family)
{
	return family == 4 ? 32 : 128;
}

static void
mask_from_len(uint8_t mask[16], int plen)
{
	int i;

	memset(mask, 0, 16);
	for (i = 0; i < plen; i++)
		mask[i / 8] |= (uint8_t)(0x80u >> (i % 8));
}

/* ---- server, pool, peer ---- */

struct src_parse {
	struct conf_source s;
	const struct tok *minpoll; /* given explicitly, or NULL */
	const struct tok *maxpoll;
};

enum src_opt_kind {
	SO_FLAG,
	SO_MINPOLL,
	SO_MAXPOLL,
	SO_VERSION,
	SO_KEY,
	SO_PORT,
	SO_AUTH,     /* authentication we lack: an error, never ignored */
	SO_NTS_CA,   /* NTPsec's "ca FILE" for an NTS source */
	SO_NTS_PORT, /* chrony's "ntsport N" */
	SO_WARN,     /* accepted, ignored with a warning */
	SO_WARN_ARG, /* same, with a numeric argument */
};

static const struct src_opt {
	const char *name;
	enum src_opt_kind kind;
	unsigned flag;
} src_opts[] = {
	{ "iburst", SO_FLAG, CONF_SRC_IBURST },
	{ "burst", SO_FLAG, CONF_SRC_BURST },
	{ "prefer", SO_FLAG, CONF_SRC_PREFER },
	{ "noselect", SO_FLAG, CONF_SRC_NOSELECT },
	{ "minpoll", SO_MINPOLL, 0 },
	{ "maxpoll", SO_MAXPOLL, 0 },
	{ "version", SO_VERSION, 0 },
	{ "key", SO_KEY, 0 },
	{ "port", SO_PORT, 0 },
	{ "true", SO_WARN, 0 },
	{ "xleave", SO_WARN, 0 },
	{ "nts", SO_FLAG, CONF_SRC_NTS },
	{ "ca", SO_NTS_CA, 0 },
	{ "ntsport", SO_NTS_PORT, 0 },
	{ "noval", SO_AUTH, 0 },
	{ "autokey", SO_AUTH, 0 },
	{ "preempt", SO_WARN, 0 },
	{ "mode", SO_WARN_ARG, 0 },
	{ "ttl", SO_WARN_ARG, 0 },
	{ "bias", SO_WARN_ARG, 0 },
};

static void
src_defaults(struct conf_source *s, enum conf_src_kind kind, int line)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->minpoll_log2 = CONF_DEFAULT_MINPOLL;
	s->maxpoll_log2 = CONF_DEFAULT_MAXPOLL;
	s->version = 4;
	s->port = 123;
	s->nts_port = 4460;
	s->line = line;
}

/* Copy the host word, stripping the brackets of "[v6-literal]". */
static int
src_copy_host(struct pctx *p, const struct tok *h, struct conf_source *s)
{
	const char *v = h->s;
	size_t len = strlen(v);
	uint8_t a6[16];

	if (v[0] == '-') {
		perr(p, h->col, "unknown flag '%s' before host", v);
		return -1;
	}
	if (v[0] == '[') {
		if (len < 3 || v[len - 1] != ']') {
			perr(p, h->col, "unbalanced '[' in host '%s'", v);
			return -1;
		}
		v++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(s->host)) {
		perr(p, h->col, "host name %s", len ? "too long" : "empty");
		return -1;
	}
	memcpy(s->host, v, len);
	s->host[len] = '\0';
	if (h->s[0] == '[' && inet_pton(AF_INET6, s->host, a6) != 1) {
		perr(p, h->col, "'%s' is not an IPv6 address", h->s);
		return -1;
	}
	return 0;
}

/*
 * The host word and its checks.  Returns 0, -1 on error, 1 for a
 * reference clock address (127.127.t.u), which we skip with a warning.
 */
static int
src_host(struct pctx *p, struct args *a, struct conf_source *s)
{
	const struct tok *h;
	uint8_t addr[16];
	int is4, is6;

	if ((h = arg_next(p, a, "host")) == NULL)
		return -1;
	if (src_copy_host(p, h, s) != 0)
		return -1;
	is4 = inet_pton(AF_INET, s->host, addr) == 1;
	if (is4 && addr[0] == 127 && addr[1] == 127) {
		pwarn(p, "reference clock %s not supported; line ignored",
		    s->host);
		return 1;
	}
	is6 = !is4 && inet_pton(AF_INET6, s->host, addr) == 1;
	if ((s->family == 4 && is6) || (s->family == 6 && is4)) {
		perr(p, h->col, "-%d given with IPv%d address '%s'", s->family,
		    is4 ? 4 : 6, s->host);
		return -1;
	}
	return 0;
}

static const struct src_opt *
src_opt_find(const char *w)
{
	size_t i;

	for (i = 0; i < sizeof(src_opts) / sizeof(src_opts[0]); i++)
		if (strcmp(w, src_opts[i].name) == 0)
			return &src_opts[i];
	return NULL;
}

/* A path argument of a source option. */
static int
src_path(struct pctx *p, struct args *a, char *dst, size_t size)
{
	const struct tok *v;
	size_t len;

	if ((v = arg_next(p, a, "path")) == NULL)
		return -1;
	len = strlen(v->s);
	if (len == 0 || len >= size) {
		perr(p, v->col, "path %s", len ? "too long" : "empty");
		return -1;
	}
	memcpy(dst, v->s, len + 1);
	return 0;
}

static int
src_option(struct pctx *p, struct args *a, struct src_parse *sp)
{
	const struct tok *w = &a->t[a->i++];
	const struct src_opt *o = src_opt_find(w->s);
	struct conf_source *s = &sp->s;
	long v = 0;
	int rc = 0;

	if (o == NULL) {
		perr(p, w->col, "unknown option '%s' for %s", w->s, a->t[0].s);
		return -1;
	}
	switch (o->kind) {
	case SO_FLAG:
		s->flags |= o->flag;
		return 0;
	case SO_MINPOLL:
		sp->minpoll = w;
		rc = arg_long(p, a, POLL_RANGE, &v);
		s->minpoll_log2 = (int)v;
		break;
	case SO_MAXPOLL:
		sp->maxpoll = w;
		rc = arg_long(p, a, POLL_RANGE, &v);
		s->maxpoll_log2 = (int)v;
		break;
	case SO_VERSION:
		rc = arg_long(p, a, 1, 4, &v);
		s->version = (int)v;
		break;
	case SO_KEY:
		rc = arg_long(p, a, 1, KEY_ID_MAX, &v);
		s->key_id = (uint32_t)v;
		break;
	case SO_AUTH:
		perr(p, w->col,
		    "'%s': %s is not implemented; refusing to run this "
		    "source unauthenticated",
		    w->s,
		    is_word(w, "noval") ? "NTS without certificate checks"
		                        : "Autokey authentication");
		break;
	case SO_NTS_CA:
		rc = src_path(p, a, s->nts_ca, sizeof(s->nts_ca));
		break;
	case SO_NTS_PORT:
		rc = arg_long(p, a, 1, 65535, &v);
		s->nts_port = (uint16_t)v;
		break;
	case SO_PORT:
		rc = arg_long(p, a, 1, 65535, &v);
		s->port = (uint16_t)v;
		break;
	case SO_WARN:
		pwarn(p, "%s option '%s' not supported; ignored", a->t[0].s,
		    w->s);
		break;
	case SO_WARN_ARG:
		rc = arg_ignored_value(p, a, a->t[0].s);
		break;
	}
	return rc;
}

/*
 * maxpoll below minpoll is an error when both were given; when only one
 * was, the default other one follows it (as ntpd does).
 */
static int
src_polls(struct pctx *p, struct src_parse *sp)
{
	struct conf_source *s = &sp->s;
	const struct tok *later;

	if (s->maxpoll_log2 >= s->minpoll_log2)
		return 0;
	if (sp->minpoll != NULL && sp->maxpoll != NULL) {
		later = sp->minpoll->col > sp->maxpoll->col ? sp->minpoll
		                                            : sp->maxpoll;
		perr(p, later->col, "maxpoll %d is less than minpoll %d",
		    s->maxpoll_log2, s->minpoll_log2);
		return -1;
	}
	if (sp->minpoll != NULL)
		s->maxpoll_log2 = s->minpoll_log2;
	else
		s->minpoll_log2 = s->maxpoll_log2;
	return 0;
}

static int
parse_source(struct pctx *p, struct args *a, enum conf_src_kind kind)
{
	struct conf *c = p->c;
	struct src_parse sp;
	int rc;

	src_defaults(&sp.s, kind, p->frames[p->depth].line);
	sp.minpoll = sp.maxpoll = NULL;
	if (arg_family(p, a, &sp.s.family) != 0)
		return -1;
	if ((rc = src_host(p, a, &sp.s)) != 0)
		return rc < 0 ? -1 : 0;
	while (a->i < a->n)
		if (src_option(p, a, &sp) != 0)
			return -1;
	if (src_polls(p, &sp) != 0)
		return -1;
	if (sp.s.nts_ca[0] != '\0' && !(sp.s.flags & CONF_SRC_NTS)) {
		perr(p, a->t[0].col, "'ca' is an NTS option; add 'nts'");
		return -1;
	}
	if ((sp.s.flags & CONF_SRC_NTS) && sp.s.key_id != 0) {
		perr(p, a->t[0].col, "'nts' and 'key' exclude each other");
		return -1;
	}
	if (c->n_sources >= CONF_MAX_SOURCES) {
		perr(p, a->t[0].col, "too many sources (limit %d)",
		    CONF_MAX_SOURCES);
		return -1;
	}
	c->sources[c->n_sources++] = sp.s;
	return 0;
}

static int
d_server(struct pctx *p, struct args *a)
{
	return parse_source(p, a, CONF_SRC_SERVER);
}

static int
d_pool(struct pctx *p, struct args *a)
{
	return parse_source(p, a, CONF_SRC_POOL);
}

static int
d_peer(struct pctx *p, struct args *a)
{
	pwarn(p,
	    "peer: symmetric active mode is not implemented; polled as "
	    "a server");
	return parse_source(p, a, CONF_SRC_PEER);
}

/* ---- paths, keys, includes ---- */

/* "DIRECTIVE PATH" into dst. */
static int
arg_path(struct pctx *p, struct args *a, char *dst, size_t size)
{
	const struct tok *v;
	size_t len;

	if ((v = arg_next(p, a, "path")) == NULL)
		return -1;
	len = strlen(v->s);
	if (len == 0 || len >= size) {
		perr(p, v->col, "path %s", len ? "too long" : "empty");
		return -1;
	}
	if (arg_end(p, a) != 0)
		return -1;
	memcpy(dst, v->s, len + 1);
	return 0;
}

static int
d_leapfile(struct pctx *p, struct args *a)
{
	if (arg_path(p, a, p->c->leapfile, sizeof(p->c->leapfile)) != 0)
		return -1;
	pwarn(p,
	    "leapfile: not read in this version (leap seconds come "
	    "from the sources)");
	return 0;
}

static int
add_trusted_key(struct pctx *p, const struct tok *w, uint32_t id)
{
	struct conf *c = p->c;
	size_t i;

	for (i = 0; i < c->n_trusted_keys; i++)
		if (c->trusted_keys[i] == id)
			return 0;
	if (c->n_trusted_keys >= CONF_MAX_KEYS) {
		perr(p, w->col, "too many trusted keys (limit %d)",
		    CONF_MAX_KEYS);
		return -1;
	}
	c->trusted_keys[c->n_trusted_keys++] = id;
	return 0;
}

/* A key id in s[0..len) (a word stripped of range parentheses). */
static int
key_id_of(struct pctx *p, const struct tok *w, const char *s, size_t len,
    long *id)
{
	char buf[16];

	if (len == 0 || len >= sizeof(buf)) {
		perr(p, w->col, "invalid key id '%s'", w->s);
		return -1;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (parse_long(buf, id) != 0) {
		perr(p, w->col, "invalid key id '%s'", w->s);
		return -1;
	}
	if (*id < 1 || *id > KEY_ID_MAX) {
		perr(p, w->col, "key id %s out of range 1..%ld", buf,
		    KEY_ID_MAX);
		return -1;
	}
	return 0;
}

/* ntpd's range "(FIRST ... LAST)", starting at a word that begins with
 * '('; the parentheses may stand alone or touch the numbers.  Consumes
 * its words. */
static int
trusted_range(struct pctx *p, struct args *a)
{
	const struct tok *w0 = &a->t[a->i], *w;
	const char *s = w0->s + 1;
	long lo, hi, id;
	size_t n;

	if (*s == '\0') { /* "(" alone */
		if (++a->i >= a->n)
			goto bad;
		s = a->t[a->i].s;
	}
	if (key_id_of(p, &a->t[a->i], s, strlen(s), &lo) != 0)
		return -1;
	if (++a->i >= a->n || strcmp(a->t[a->i].s, "...") != 0)
		goto bad;
	if (++a->i >= a->n)
		goto bad;
	w = &a->t[a->i];
	n = strlen(w->s);
	if (n > 0 && w->s[n - 1] == ')')
		n--;
	else if (a->i + 1 < a->n && strcmp(a->t[a->i + 1].s, ")") == 0)
		a->i++;
	else
		goto bad;
	if (key_id_of(p, w, w->s, n, &hi) != 0)
		return -1;
	if (hi < lo) {
		perr(p, w0->col, "key range (%ld ... %ld) is empty", lo, hi);
		return -1;
	}
	for (id = lo; id <= hi; id++)
		if (add_trusted_key(p, w0, (uint32_t)id) != 0)
			return -1;
	return 0;
bad:
	perr(p, w0->col, "bad key range: expected '(FIRST ... LAST)'");
	return -1;
}

/* "trustedkey ID|(FIRST ... LAST) ...". */
static int
d_trustedkey(struct pctx *p, struct args *a)
{
	const struct tok *w;
	long id;

	if (arg_more(p, a, "key id") != 0)
		return -1;
	for (; a->i < a->n; a->i++) {
		w = &a->t[a->i];
		if (w->s[0] == '(') {
			if (trusted_range(p, a) != 0)
				return -1;
			continue;
		}
		if (key_id_of(p, w, w->s, strlen(w->s), &id) != 0)
			return -1;
		if (add_trusted_key(p, w, (uint32_t)id) != 0)
			return -1;
	}
	return 0;
}

/* "controlkey N" / "requestkey N": the keys ntpq and ntpdc would sign
 * mode 6/7 changes with.  We answer no such changes; the id is kept so
 * that the daemon can check the key exists, as ntpd does. */
static int
d_ctlkey(struct pctx *p, struct args *a)
{
	long v;

	if (arg_long(p, a, 1, KEY_ID_MAX, &v) != 0 || arg_end(p, a) != 0)
		return -1;
	if (is_word(&a->t[0], "controlkey"))
		p->c->control_key = (uint32_t)v;
	else
		p->c->request_key = (uint32_t)v;
	return 0;
}

/* A relative include path is taken relative to the including file. */
static int
include_path(const struct pctx *p, const char *path, char *out, size_t size)
{
	const char *name = p->frames[p->depth].name;
	const char *slash = strrchr(name, '/');
	int dirlen = slash != NULL ? (int)(slash - name) + 1 : 0;
	int n;

	if (path[0] == '/')
		dirlen = 0;
	n = snprintf(out, size, "%.*s%s", dirlen, name, path);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int
include_on_stack(const struct pctx *p, const struct stat *st)
{
	int i;

	for (i = 0; i <= p->depth; i++)
		if (p->frames[i].has_id && p->frames[i].dev == st->st_dev &&
		    p->frames[i].ino == st->st_ino)
			return 1;
	return 0;
}

/* Read an open file as the next frame. */
static void
include_read(struct pctx *p, FILE *fp, const char *path, const struct stat *st)
{
	struct frame *f = &p->frames[p->depth + 1];
	struct tok_reader r;

	(void)snprintf(f->name, sizeof(f->name), "%s", path);
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->has_id = 1;
	f->line = 0;
	f->known = 0;
	f->not_ntp = 0;
	p->depth++;
	tok_reader_file(&r, fp);
	parse_stream(p, &r);
	p->depth--;
}

/* Why open_regular failed, from errno. */
static const char *
open_error(void)
{
	return errno == EINVAL ? "not a regular file" : strerror(errno);
}

/* Open a configuration file for reading.  Only regular files are read:
 * a FIFO would block the open and a device such as /dev/zero would never
 * end.  Returns NULL with errno set (EINVAL for "not a regular file"). */
static FILE *
open_regular(const char *path, struct stat *st)
{
	FILE *fp;

	if (stat(path, st) != 0)
		return NULL;
	if (!S_ISREG(st->st_mode)) {
		errno = EINVAL;
		return NULL;
	}
	if ((fp = fopen(path, "re")) == NULL)
		return NULL;
	if (fstat(fileno(fp), st) != 0 || !S_ISREG(st->st_mode)) {
		(void)fclose(fp);
		errno = EINVAL;
		return NULL;
	}
	return fp;
}

static int
d_includefile(struct pctx *p, struct args *a)
{
	const struct tok *kw = &a->t[0], *v;
	char path[PATH_BUF];
	struct stat st;
	FILE *fp;
	int rc = -1;

	if (arg_path(p, a, path, sizeof(path)) != 0)
		return -1;
	v = &a->t[1];
	if (include_path(p, v->s, path, sizeof(path)) != 0) {
		perr(p, v->col, "include path too long");
		return -1;
	}
	if ((fp = open_regular(path, &st)) == NULL) {
		perr(p, v->col, "cannot open '%s': %s", path, open_error());
		return -1;
	}
	if (include_on_stack(p, &st))
		perr(p, kw->col, "include loop: %s already being read", path);
	else if (p->depth >= CONF_INCLUDE_DEPTH)
		perr(p, kw->col, "includefile nested more than %d deep",
		    CONF_INCLUDE_DEPTH);
	else {
		include_read(p, fp, path, &st);
		rc = 0;
	}
	(void)fclose(fp);
	return rc;
}

/* ---- statistics, filegen ---- */

static const struct stat_name {
	const char *name;
	unsigned bit;
} stat_names[] = {
	{ "loopstats", CONF_STAT_LOOPSTATS },
	{ "peerstats", CONF_STAT_PEERSTATS },
	{ "clockstats", CONF_STAT_CLOCKSTATS },
	{ "rawstats", CONF_STAT_RAWSTATS },
	{ "sysstats", CONF_STAT_SYSSTATS },
	{ "protostats", CONF_STAT_PROTOSTATS },
};

static const char *const filegen_types[] = {
	"none",
	"pid",
	"day",
	"week",
	"month",
	"year",
	"age",
};

static unsigned
stat_bit(const char *w)
{
	size_t i;

	for (i = 0; i < sizeof(stat_names) / sizeof(stat_names[0]); i++)
		if (strcmp(w, stat_names[i].name) == 0)
			return stat_names[i].bit;
	return 0;
}

static struct conf_filegen *
filegen_find(struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n_filegens; i++)
		if (strcmp(c->filegens[i].name, name) == 0)
			return &c->filegens[i];
	return NULL;
}

/* "statistics" also enables a filegen already declared, as in ntpd. */
static int
d_statistics(struct pctx *p, struct args *a)
{
	struct conf_filegen *fg;
	const struct tok *w;
	unsigned bit;

	if (arg_more(p, a, "statistics name") != 0)
		return -1;
	for (; a->i < a->n; a->i++) {
		w = &a->t[a->i];
		if ((bit = stat_bit(w->s)) == 0) {
			perr(p, w->col, "unknown statistics name '%s'", w->s);
			return -1;
		}
		p->c->statistics |= bit;
		if ((fg = filegen_find(p->c, w->s)) != NULL)
			fg->enabled = 1;
		if (!(bit &
		        (CONF_STAT_LOOPSTATS | CONF_STAT_PEERSTATS |
		            CONF_STAT_CLOCKSTATS)))
			pwarn(p,
			    "statistics %s: not written (only loopstats, "
			    "peerstats and clockstats are)",
			    w->s);
	}
	return 0;
}

/* Copy a word into a small fixed field. */
static int
copy_field(struct pctx *p, const struct tok *w, char *dst, size_t size)
{
	size_t len = strlen(w->s);

	if (len == 0 || len >= size) {
		perr(p, w->col, "'%s' is %s", w->s, len ? "too long" : "empty");
		return -1;
	}
	memcpy(dst, w->s, len + 1);
	return 0;
}

static int
filegen_option(struct pctx *p, struct args *a, struct conf_filegen *fg)
{
	const struct tok *w = &a->t[a->i++], *v;

	if (is_word(w, "file") || is_word(w, "type")) {
		if ((v = arg_next(p, a, "value")) == NULL)
			return -1;
		if (is_word(w, "file"))
			return copy_field(p, v, fg->file, sizeof(fg->file));
		if (!NAME_IN(v->s, filegen_types)) {
			perr(p, v->col, "unknown filegen type '%s'", v->s);
			return -1;
		}
		return copy_field(p, v, fg->type, sizeof(fg->type));
	}
	if (is_word(w, "enable") || is_word(w, "disable")) {
		fg->enabled = is_word(w, "enable");
		return 0;
	}
	if (is_word(w, "link"))
		return 0;
	if (is_word(w, "nolink")) {
		pwarn(p, "filegen %s nolink: not supported; the link is kept",
		    fg->name);
		return 0;
	}
	perr(p, w->col, "unknown filegen option '%s'", w->s);
	return -1;
}

static int
d_filegen(struct pctx *p, struct args *a)
{
	struct conf *c = p->c;
	struct conf_filegen fg, *old;
	const struct tok *w;
	unsigned bit;

	if ((w = arg_next(p, a, "statistics name")) == NULL)
		return -1;
	if ((bit = stat_bit(w->s)) == 0) {
		perr(p, w->col, "unknown statistics name '%s'", w->s);
		return -1;
	}
	if ((old = filegen_find(c, w->s)) != NULL)
		fg = *old;
	else {
		memset(&fg, 0, sizeof(fg));
		(void)snprintf(fg.name, sizeof(fg.name), "%s", w->s);
		(void)snprintf(fg.file, sizeof(fg.file), "%s", w->s);
		(void)snprintf(fg.type, sizeof(fg.type), "day");
		fg.enabled = (c->statistics & bit) != 0;
	}
	while (a->i < a->n)
		if (filegen_option(p, a, &fg) != 0)
			return -1;
	if (old == NULL && c->n_filegens >= CONF_MAX_FILEGEN) {
		perr(p, a->t[0].col, "too many filegen entries");
		return -1;
	}
	if (old == NULL)
		old = &c->filegens[c->n_filegens++];
	*old = fg;
	return 0;
}

/* ---- restrict, unrestrict ---- */

static const struct res_flag {
	const char *name;
	unsigned bit; /* 0: accepted, no effect */
	int warn;     /* accepted with a warning: not enforced */
} res_flags[] = {
	{ "ignore", CONF_RES_IGNORE, 0 },
	{ "noquery", CONF_RES_NOQUERY, 0 },
	{ "nomodify", CONF_RES_NOMODIFY, 0 },
	{ "noserve", CONF_RES_NOSERVE, 0 },
	{ "nopeer", CONF_RES_NOPEER, 0 },
	{ "kod", CONF_RES_KOD, 0 },
	{ "limited", CONF_RES_LIMITED, 0 },
	{ "notrap", CONF_RES_NOTRAP, 0 },
	{ "notrust", CONF_RES_NOTRUST, 0 },
	{ "lowpriotrap", 0, 1 },
	{ "nomrulist", CONF_RES_NOMRULIST, 0 },
	{ "version", 0, 1 },
	{ "ntpport", 0, 1 },
	{ "noepeer", 0, 0 }, /* we never mobilize a peer: always holds */
	{ "flake", 0, 1 },
	{ "mssntp", 0, 1 },
};

static int
res_flag(struct pctx *p, const struct tok *w, struct conf_restrict *r)
{
	size_t i;

	for (i = 0; i < sizeof(res_flags) / sizeof(res_flags[0]); i++) {
		if (!is_word(w, res_flags[i].name))
			continue;
		r->flags |= res_flags[i].bit;
		if (res_flags[i].warn)
			pwarn(p, "restrict flag '%s' not supported; ignored",
			    w->s);
		return 0;
	}
	if (is_word(w, "mask"))
		perr(p, w->col, "'mask' must follow an address");
	else
		perr(p, w->col, "unknown restrict flag '%s'", w->s);
	return -1;
}

/* "mask MASK" after an address of family r->family. */
static int
res_mask(struct pctx *p, struct args *a, struct conf_restrict *r, int plen)
{
	const struct tok *m = &a->t[a->i - 1], *v;

	if (plen >= 0) {
		perr(p, m->col, "both a prefix length and a mask given");
		return -1;
	}
	if ((v = arg_next(p, a, "mask")) == NULL)
		return -1;
	if (inet_pton(r->family == 4 ? AF_INET : AF_INET6, v->s, r->mask) !=
	    1) {
		perr(p, v->col, "invalid IPv%d mask '%s'", r->family, v->s);
		return -1;
	}
	return 0;
}

/* default | source | ADDR[/LEN] [mask MASK] */
static int
res_target(struct pctx *p, struct args *a, struct conf_restrict *r)
{
	const struct tok *w;
	int fam, plen, i;

	if ((w = arg_next(p, a, "address")) == NULL)
		return -1;
	if (is_word(w, "default") || is_word(w, "source")) {
		r->is_default = is_word(w, "default");
		r->is_source = !r->is_default;
		return 0;
	}
	if ((i = parse_prefix(w->s, &fam, r->addr, &plen)) != 0) {
		perr(p, w->col,
		    i == -2
		        ? "invalid prefix length in '%s'"
		        : "'%s' is not an IP address (names are not resolved)",
		    w->s);
		return -1;
	}
	if (r->family != 0 && r->family != fam) {
		perr(p, w->col, "-%d given with IPv%d address", r->family, fam);
		return -1;
	}
	r->family = fam;
	mask_from_len(r->mask, plen >= 0 ? plen : family_bits(fam));
	if (a->i < a->n && is_word(&a->t[a->i], "mask")) {
		a->i++;
		if (res_mask(p, a, r, plen) != 0)
			return -1;
	}
	for (i = 0; i < 16; i++)
		r->addr[i] &= r->mask[i];
	return 0;
}

static int
parse_restrict(struct pctx *p, struct args *a, int unrestrict)
{
	struct conf *c = p->c;
	struct conf_restrict r;

	memset(&r, 0, sizeof(r));
	r.unrestrict = unrestrict;
	r.line = p->frames[p->depth].line;
	if (arg_family(p, a, &r.family) != 0 || res_target(p, a, &r) != 0)
		return -1;
	for (; a->i < a->n; a->i++)
		if (res_flag(p, &a->t[a->i], &r) != 0)
			return -1;
	if (c->n_restricts >= CONF_MAX_RESTRICT) {
		perr(p, a->t[0].col, "too many restrict lines (limit %d)",
		    CONF_MAX_RESTRICT);
		return -1;
	}
	c->restricts[c->n_restricts++] = r;
	return 0;
}

static int
d_restrict(struct pctx *p, struct args *a)
{
	return parse_restrict(p, a, 0);
}

static int
d_unrestrict(struct pctx *p, struct args *a)
{
	return parse_restrict(p, a, 1);
}

/* ---- tos, tinker ---- */

static const char *const tos_ignored[] = {
	"maxdist",
	"floor",
	"ceiling",
	"cohort",
	"beacon",
	"orphanwait",
	"bcpollbstep",
};

struct tos_vals {
	int minclock;
	int maxclock;
	int minsane;
	int orphan;
};

/* The field a tos keyword sets and its upper bound, or NULL. */
static int *
tos_field(struct tos_vals *v, const char *w, long *hi)
{
	*hi = CONF_MAX_SOURCES;
	if (strcmp(w, "minclock") == 0)
		return &v->minclock;
	if (strcmp(w, "maxclock") == 0)
		return &v->maxclock;
	if (strcmp(w, "minsane") == 0)
		return &v->minsane;
	*hi = 16; /* orphan stratum; 16 is "never" */
	if (strcmp(w, "orphan") == 0)
		return &v->orphan;
	return NULL;
}

static int
d_tos(struct pctx *p, struct args *a)
{
	struct conf *c = p->c;
	struct tos_vals v = { c->tos_minclock, c->tos_maxclock, c->tos_minsane,
		c->tos_orphan };
	const struct tok *w;
	long n, hi;
	int *field;

	if (arg_more(p, a, "option") != 0)
		return -1;
	while (a->i < a->n) {
		w = &a->t[a->i++];
		if (is_word(w, "mindist")) {
			if (arg_double(p, a, 0, 1, &c->tos_mindist_s) != 0)
				return -1;
		} else if ((field = tos_field(&v, w->s, &hi)) != NULL) {
			if (arg_long(p, a, 1, hi, &n) != 0)
				return -1;
			*field = (int)n;
		} else if (NAME_IN(w->s, tos_ignored)) {
			if (arg_ignored_value(p, a, "tos") != 0)
				return -1;
		} else {
			perr(p, w->col, "unknown tos option '%s'", w->s);
			return -1;
		}
	}
	c->tos_minclock = v.minclock;
	c->tos_maxclock = v.maxclock;
	c->tos_minsane = v.minsane;
	if (v.orphan != c->tos_orphan && v.orphan != 0)
		pwarn(p, "tos orphan: orphan mode is not implemented; ignored");
	c->tos_orphan = v.orphan;
	return 0;
}

static const char *const tinker_ignored[] = {
	"allan",
	"dispersion",
	"huffpuff",
	"freq",
	"stepback",
	"stepfwd",
	"tick",
};

static int
d_tinker(struct pctx *p, struct args *a)
{
	struct conf *c = p->c;
	double step = c->tinker_step_s, panic = c->tinker_panic_s;
	double stepout = c->tinker_stepout_s;
	const struct tok *w;
	int rc;

	if (arg_more(p, a, "option") != 0)
		return -1;
	while (a->i < a->n) {
		w = &a->t[a->i++];
		if (is_word(w, "step"))
			rc = arg_double(p, a, 0, 1e9, &step);
		else if (is_word(w, "panic"))
			rc = arg_double(p, a, 0, 1e9, &panic);
		else if (is_word(w, "stepout"))
			rc = arg_double(p, a, 0, 1e9, &stepout);
		else if (NAME_IN(w->s, tinker_ignored))
			rc = arg_ignored_value(p, a, "tinker");
		else {
			perr(p, w->col, "unknown tinker option '%s'", w->s);
			rc = -1;
		}
		if (rc != 0)
			return -1;
	}
	c->tinker_step_s = step;
	c->tinker_panic_s = panic;
	c->tinker_stepout_s = stepout;
	return 0;
}

/* maxslewrate PPM (chrony's name and default, 83333 ppm) */
static int
d_maxslewrate(struct pctx *p, struct args *a)
{
	if (arg_double(p, a, 500, 100000, &p->c->maxslewrate_ppm) != 0)
		return -1;
	return arg_end(p, a);
}

/* makestep THRESHOLD LIMIT (chrony): step when the offset is larger than
 * THRESHOLD seconds in the first LIMIT clock updates (-1: always). */
static int
d_makestep(struct pctx *p, struct args *a)
{
	long limit;

	if (arg_double(p, a, 0, 1e9, &p->c->makestep_s) != 0 ||
	    arg_long(p, a, -1, 1000000, &limit) != 0 || arg_end(p, a) != 0)
		return -1;
	p->c->makestep_limit = (int)limit;
	return 0;
}

/* panicaction exit|distrust (ours): ntpd exits on an offset beyond the
 * panic threshold; by default we distrust the source instead. */
static int
d_panicaction(struct pctx *p, struct args *a)
{
	const struct tok *w = arg_next(p, a, "exit or distrust");

	if (w == NULL)
		return -1;
	if (is_word(w, "exit"))
		p->c->panic_exit = 1;
	else if (is_word(w, "distrust"))
		p->c->panic_exit = 0;
	else {
		perr(p, w->col,
		    "panicaction: '%s' is neither exit nor distrust", w->s);
		return -1;
	}
	return arg_end(p, a);
}

/* ---- interface, port ---- */

static int
if_action(struct pctx *p, const struct tok *w, enum conf_if_action *act)
{
	if (is_word(w, "listen"))
		*act = CONF_IF_LISTEN;
	else if (is_word(w, "ignore"))
		*act = CONF_IF_IGNORE;
	else if (is_word(w, "drop"))
		*act = CONF_IF_DROP;
	else {
		perr(p, w->col,
		    "unknown interface action '%s' "
		    "(listen, ignore or drop)",
		    w->s);
		return -1;
	}
	return 0;
}

/* all | ipv4 | ipv6 | wildcard | ADDR[/LEN] | NAME */
static int
if_match(struct pctx *p, const struct tok *w, struct conf_ifrule *ir)
{
	int rc;

	if (is_word(w, "all"))
		ir->match = CONF_IFM_ALL;
	else if (is_word(w, "ipv4"))
		ir->match = CONF_IFM_IPV4;
	else if (is_word(w, "ipv6"))
		ir->match = CONF_IFM_IPV6;
	else if (is_word(w, "wildcard"))
		ir->match = CONF_IFM_WILDCARD;
	else if ((rc = parse_prefix(w->s, &ir->family, ir->addr,
	              &ir->prefix_len)) == 0) {
		ir->match = CONF_IFM_ADDRESS;
		if (ir->prefix_len < 0)
			ir->prefix_len = family_bits(ir->family);
	} else if (rc == -2 || strchr(w->s, '/') != NULL) {
		perr(p, w->col, "invalid address/prefix '%s'", w->s);
		return -1;
	} else {
		ir->match = CONF_IFM_NAME;
		return copy_field(p, w, ir->name, sizeof(ir->name));
	}
	return 0;
}

/* "interface" and its alias "nic". */
static int
d_interface(struct pctx *p, struct args *a)
{
	struct conf *c = p->c;
	struct conf_ifrule ir;
	const struct tok *w;

	memset(&ir, 0, sizeof(ir));
	ir.line = p->frames[p->depth].line;
	if ((w = arg_next(p, a, "action")) == NULL ||
	    if_action(p, w, &ir.action) != 0)
		return -1;
	if ((w = arg_next(p, a, "address or name")) == NULL ||
	    if_match(p, w, &ir) != 0 || arg_end(p, a) != 0)
		return -1;
	if (c->n_ifrules >= CONF_MAX_IFRULES) {
		perr(p, a->t[0].col, "too many interface rules (limit %d)",
		    CONF_MAX_IFRULES);
		return -1;
	}
	c->ifrules[c->n_ifrules++] = ir;
	return 0;
}

static int
d_port(struct pctx *p, struct args *a)
{
	long v;

	if (arg_long(p, a, 1, 65535, &v) != 0 || arg_end(p, a) != 0)
		return -1;
	p->c->port = (uint16_t)v;
	return 0;
}

/* ---- our extensions: clock, local, ratelimit ---- */

static int
clock_kind(struct pctx *p, const struct tok *w, enum conf_clock *k)
{
	if (is_word(w, "system"))
		*k = CONF_CLOCK_SYSTEM;
	else if (is_word(w, "none"))
		*k = CONF_CLOCK_NONE;
	else if (is_word(w, "virtual"))
		*k = CONF_CLOCK_VIRTUAL;
	else {
		perr(p, w->col, "unknown clock '%s' (system, none or virtual)",
		    w->s);
		return -1;
	}
	return 0;
}

static int
d_clock(struct pctx *p, struct args *a)
{
	double offset = 0, freq = 0;
	const struct tok *w;
	enum conf_clock k;
	int rc;

	if ((w = arg_next(p, a, "clock")) == NULL || clock_kind(p, w, &k))
		return -1;
	while (a->i < a->n) {
		w = &a->t[a->i++];
		if (!is_word(w, "offset") && !is_word(w, "freq")) {
			perr(p, w->col, "unknown clock option '%s'", w->s);
			return -1;
		}
		if (k != CONF_CLOCK_VIRTUAL) {
			perr(p, w->col,
			    "'%s' is only valid with "
			    "'clock virtual'",
			    w->s);
			return -1;
		}
		if (is_word(w, "offset"))
			rc = arg_double(p, a, -1e9, 1e9, &offset);
		else
			rc = arg_double(p, a, -500, 500, &freq);
		if (rc != 0)
			return -1;
	}
	p->c->clock = k;
	p->c->clock_offset_s = offset;
	p->c->clock_freq_ppm = freq;
	return 0;
}

static int
d_local(struct pctx *p, struct args *a)
{
	const struct tok *w;
	long v;

	if ((w = arg_next(p, a, "'stratum'")) == NULL)
		return -1;
	if (!is_word(w, "stratum")) {
		perr(p, w->col, "expected 'stratum', not '%s'", w->s);
		return -1;
	}
	if (arg_long(p, a, 1, 15, &v) != 0 || arg_end(p, a) != 0)
		return -1;
	p->c->local_stratum = (int)v;
	return 0;
}

/* "seccomp 0|1": the system-call allow-list (os/sandbox), as -F. */
static int
d_seccomp(struct pctx *p, struct args *a)
{
	long v;

	if (arg_long(p, a, 0, 1, &v) != 0 || arg_end(p, a) != 0)
		return -1;
	p->c->seccomp = (int)v;
	return 0;
}

static int
d_ratelimit(struct pctx *p, struct args *a)
{
	struct conf *c = p->c;
	int interval = c->ratelimit_interval_log2, burst = c->ratelimit_burst;
	int leak = c->ratelimit_leak_log2;
	const struct tok *w;
	long v;

	while (a->i < a->n) {
		w = &a->t[a->i++];
		if (is_word(w, "interval")) {
			if (arg_long(p, a, -10, 16, &v) != 0)
				return -1;
			interval = (int)v;
		} else if (is_word(w, "burst")) {
			if (arg_long(p, a, 1, 1024, &v) != 0)
				return -1;
			burst = (int)v;
		} else if (is_word(w, "leak")) {
			if (arg_long(p, a, 0, 16, &v) != 0)
				return -1;
			leak = (int)v;
		} else {
			perr(p, w->col, "unknown ratelimit option '%s'", w->s);
			return -1;
		}
	}
	c->ratelimit_interval_log2 = interval;
	c->ratelimit_burst = burst;
	c->ratelimit_leak_log2 = leak;
	c->ratelimit_enabled = 1;
	return 0;
}

/* ntpd's "discard [average A] [minimum M] [monitor N]". */
static int
d_discard(struct pctx *p, struct args *a)
{
	struct conf *c = p->c;
	int average = c->discard_average_log2, minimum = c->discard_minimum_s;
	int monitor = c->discard_monitor;
	const struct tok *w;
	long v;

	while (a->i < a->n) {
		w = &a->t[a->i++];
		if (is_word(w, "average")) {
			if (arg_long(p, a, -10, 16, &v) != 0)
				return -1;
			average = (int)v;
		} else if (is_word(w, "minimum")) {
			if (arg_long(p, a, 0, 3600, &v) != 0)
				return -1;
			minimum = (int)v;
		} else if (is_word(w, "monitor")) {
			if (arg_long(p, a, 0, 1000000000L, &v) != 0)
				return -1;
			monitor = (int)v;
			pwarn(p,
			    "discard monitor has no effect: the rate-limit "
			    "table has a fixed size");
		} else {
			perr(p, w->col, "unknown discard option '%s'", w->s);
			return -1;
		}
	}
	c->discard_average_log2 = average;
	c->discard_minimum_s = minimum;
	c->discard_monitor = monitor;
	return 0;
}

static int
d_workers(struct pctx *p, struct args *a)
{
	long v;

	if (arg_long(p, a, 1, CONF_MAX_WORKERS, &v) != 0 || arg_end(p, a) != 0)
		return -1;
	p->c->workers = (int)v;
	return 0;
}

/* ---- NTS (RFC 8915): chrony's and NTPsec's directives ---- */

static int
d_ntsport(struct pctx *p, struct args *a)
{
	long v;

	if (arg_long(p, a, 1, 65535, &v) != 0 || arg_end(p, a) != 0)
		return -1;
	p->c->nts_port = (uint16_t)v;
	return 0;
}

static int
d_ntsrotate(struct pctx *p, struct args *a)
{
	long v;

	/* 0 (chrony: never rotate) is refused: a key that never changes
	 * makes every cookie it sealed valid forever. */
	if (arg_long(p, a, 60, 365L * 86400, &v) != 0 || arg_end(p, a) != 0)
		return -1;
	p->c->nts_rotate_s = v;
	return 0;
}

/* NTPsec's "nts" line: words enable/disable and pairs "key FILE", "cert
 * FILE", "ca FILE", "cookie FILE"; TLS tuning words are ignored with a
 * warning (we always use TLS 1.3 and AEAD 15). */
static int
nts_word(struct pctx *p, struct args *a, const struct tok *w)
{
	static const char *const ignored[] = { "mintls", "maxtls", "tlsciphers",
		"tlsciphersuites", "aead", "cookiefile" };
	struct conf *c = p->c;
	char *dst = NULL;
	size_t i, size = CONF_PATH_MAX;

	if (is_word(w, "enable") || is_word(w, "disable")) {
		c->nts_enable = is_word(w, "enable") ? 1 : -1;
		return 0;
	}
	if (is_word(w, "key"))
		dst = c->nts_key;
	else if (is_word(w, "cert"))
		dst = c->nts_cert;
	else if (is_word(w, "ca"))
		dst = c->nts_trusted;
	else if (is_word(w, "cookie"))
		dst = c->nts_keyfile;
	if (dst != NULL)
		return src_path(p, a, dst, size);
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		if (is_word(w, ignored[i])) {
			pwarn(p, "nts %s: not supported; ignored", w->s);
			return arg_next(p, a, "value") == NULL ? -1 : 0;
		}
	perr(p, w->col, "unknown nts option '%s'", w->s);
	return -1;
}

static int
d_nts(struct pctx *p, struct args *a)
{
	if (a->i >= a->n) {
		perr(p, a->t[0].col, "nts: missing option");
		return -1;
	}
	while (a->i < a->n)
		if (nts_word(p, a, &a->t[a->i++]) != 0)
			return -1;
	return 0;
}

/* ---- dispatch ---- */

/* Directives that take one path into a field of the configuration. */
#define PATH(f) offsetof(struct conf, f), sizeof(((struct conf *)0)->f)

static const struct path_directive {
	const char *name;
	size_t off, len;
} path_directives[] = {
	{ "driftfile", PATH(driftfile) },
	{ "statsdir", PATH(statsdir) },
	{ "logfile", PATH(logfile) },
	{ "keys", PATH(keysfile) }, /* read by daemon/skey before the drop */
	{ "ntsservercert", PATH(nts_cert) },
	{ "ntsserverkey", PATH(nts_key) },
	{ "ntsdumpdir", PATH(nts_dumpdir) },
	{ "ntstrustedcerts", PATH(nts_trusted) },
};

static const struct directive {
	const char *name;
	int (*fn)(struct pctx *p, struct args *a);
} directives[] = {
	{ "server", d_server },
	{ "pool", d_pool },
	{ "peer", d_peer },
	{ "leapfile", d_leapfile },
	{ "trustedkey", d_trustedkey },
	{ "controlkey", d_ctlkey },
	{ "requestkey", d_ctlkey },
	{ "includefile", d_includefile },
	{ "statistics", d_statistics },
	{ "filegen", d_filegen },
	{ "restrict", d_restrict },
	{ "unrestrict", d_unrestrict },
	{ "tos", d_tos },
	{ "tinker", d_tinker },
	{ "maxslewrate", d_maxslewrate },
	{ "makestep", d_makestep },
	{ "panicaction", d_panicaction },
	{ "interface", d_interface },
	{ "nic", d_interface },
	{ "port", d_port },
	{ "clock", d_clock },
	{ "local", d_local },
	{ "ratelimit", d_ratelimit },
	{ "seccomp", d_seccomp },
	{ "discard", d_discard },
	{ "workers", d_workers },
	{ "nts", d_nts },
	{ "ntsport", d_ntsport },
	{ "ntsrotate", d_ntsrotate },
};

/* ntpd (and NTPsec) directives we know and do not implement. */
static const char *const unsupported[] = {
	"fudge",
	"broadcast",
	"broadcastclient",
	"multicastclient",
	"manycastclient",
	"manycastserver",
	"disable",
	"enable",
	"mru",
	"setvar",
	"crypto",
	"revoke",
	"phone",
	"refclock",
	"leapsmearinterval",
	"saveconfigdir",
	"mdnstries",
	"trap",
	"ttl",
	"automax",
	"broadcastdelay",
	"calldelay",
	"logconfig",
	"rlimit",
	"authenticate",
	"pidfile",
	"dscp",
	"reset",
	"unconfig",
	"unpeer",
	"keysdir",
	"ntpsigndsocket",
};

/* Options that ntpd only takes inside "tos". */
static const char *const tos_only[] = {
	"minclock",
	"maxclock",
	"minsane",
	"orphan",
	"mindist",
	"maxdist",
	"floor",
	"ceiling",
	"cohort",
	"beacon",
	"orphanwait",
};

static void
statement(struct pctx *p, const struct tok_line *l)
{
	struct args a = { l->words, l->n, 1 };
	const struct tok *w = &l->words[0];
	size_t i;

	struct frame *f = &p->frames[p->depth];

	for (i = 0; i < sizeof(directives) / sizeof(directives[0]); i++) {
		if (is_word(w, directives[i].name)) {
			f->known = 1;
			(void)directives[i].fn(p, &a);
			return;
		}
	}
	for (i = 0; i < sizeof(path_directives) / sizeof(path_directives[0]);
	     i++) {
		if (is_word(w, path_directives[i].name)) {
			f->known = 1;
			(void)arg_path(p, &a,
			    (char *)p->c + path_directives[i].off,
			    path_directives[i].len);
			return;
		}
	}
	if (NAME_IN(w->s, unsupported)) {
		f->known = 1;
		pwarn(p, "'%s' is not supported by Stratum; line ignored",
		    w->s);
	} else if (NAME_IN(w->s, tos_only)) {
		perr(p, w->col, "'%s' is only valid after 'tos'", w->s);
	} else if (!f->known) {
		/* Maybe not a configuration file at all (an includefile of
		 * /etc/shadow): say so without quoting it, and stop. */
		perr(p, w->col,
		    "unknown directive; this does not look like an ntp.conf "
		    "file (its contents are not shown, the rest is not read)");
		f->not_ntp = 1;
	} else {
		perr(p, w->col, "unknown directive '%s'", w->s);
	}
}

static void
parse_stream(struct pctx *p, struct tok_reader *r)
{
	struct frame *f = &p->frames[p->depth];
	struct tok_line l;
	enum tok_err e;
	int rc, col;

	while ((rc = tok_read_line(r, &l)) == 1) {
		f->line = l.lineno;
		if (l.too_long) {
			perr(p, TOK_LINE_MAX + 1,
			    "line longer than %d characters", TOK_LINE_MAX);
			continue;
		}
		if (l.nul_col != 0) {
			perr(p, l.nul_col, "NUL byte in line");
			continue;
		}
		if ((e = tok_split(&l, &col)) != TOK_OK) {
			perr(p, col, "%s", tok_err_text(e));
			continue;
		}
		if (l.n > 0)
			statement(p, &l);
		if (f->not_ntp)
			return;
	}
	if (rc < 0) {
		f->line++;
		perr(p, 1, "read error: %s", strerror(errno));
	}
}

/* ---- public ---- */

void
conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->port = 123;
	c->clock = CONF_CLOCK_SYSTEM;
	c->tos_minclock = 3;
	c->tos_maxclock = 10;
	c->tos_minsane = 1;
	c->tinker_step_s = 0.128;
	c->tos_mindist_s = 0.001;
	c->maxslewrate_ppm = -1;
	c->tinker_panic_s = 1000;
	c->tinker_stepout_s = 300;
	c->ratelimit_interval_log2 = 3;
	c->ratelimit_burst = 8;
	c->ratelimit_leak_log2 = 2;
	c->discard_average_log2 = 3;
	c->discard_minimum_s = 2;
	c->discard_monitor = 3000;
	c->workers = 1;
	c->nts_port = 4460;
	c->nts_rotate_s = 604800;
}

static void
pctx_init(struct pctx *p, struct conf *c, const char *name)
{
	p->c = c;
	p->depth = 0;
	(void)snprintf(p->frames[0].name, sizeof(p->frames[0].name), "%s",
	    name);
	p->frames[0].has_id = 0;
	p->frames[0].line = 0;
	p->frames[0].known = 0;
	p->frames[0].not_ntp = 0;
}

int
conf_load_file(struct conf *c, const char *path)
{
	char text[CONF_DIAG_MAX];
	struct tok_reader r;
	struct pctx p;
	struct stat st;
	FILE *fp;

	if ((fp = open_regular(path, &st)) == NULL) {
		(void)snprintf(text, sizeof(text), "%s: cannot open: %s", path,
		    open_error());
		diag_push(c, CONF_ERROR, text);
		return -1;
	}
	pctx_init(&p, c, path);
	p.frames[0].dev = st.st_dev;
	p.frames[0].ino = st.st_ino;
	p.frames[0].has_id = 1;
	tok_reader_file(&r, fp);
	parse_stream(&p, &r);
	(void)fclose(fp);
	return c->n_errors == 0 ? 0 : -1;
}

int
conf_load_text(struct conf *c, const char *name, const char *text, size_t len)
{
	struct tok_reader r;
	struct pctx p;

	pctx_init(&p, c, name);
	tok_reader_text(&r, text, len);
	parse_stream(&p, &r);
	return c->n_errors == 0 ? 0 : -1;
}

const char *
conf_src_kind_name(enum conf_src_kind k)
{
	switch (k) {
	case CONF_SRC_SERVER:
		return "server";
	case CONF_SRC_POOL:
		return "pool";
	case CONF_SRC_PEER:
		return "peer";
	}
	return "?";
}

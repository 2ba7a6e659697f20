// SPDX-License-Identifier: ISC
/* keys: ntp.keys reading (the format is in keys.h). */
#include "auth/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CMAC_KEY_LEN 16

void
keys_init(struct keys *ks)
{
	memset(ks, 0, sizeof(*ks));
}

/* One line's words: at most 3 are looked at (ntpd ignores the rest). */
struct words {
	const char *w[3];
	size_t len[3];
	int n;
};

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Split line[0..len) at white space, up to a '#' (a comment: ASCII keys
 * cannot contain '#', ntp.keys(5)). */
static void
split(const char *line, size_t len, struct words *ws)
{
	size_t i = 0, start;

	ws->n = 0;
	while (i < len && ws->n < 3) {
		while (i < len && is_space(line[i]))
			i++;
		if (i >= len || line[i] == '#')
			return;
		start = i;
		while (i < len && !is_space(line[i]) && line[i] != '#')
			i++;
		ws->w[ws->n] = line + start;
		ws->len[ws->n] = i - start;
		ws->n++;
	}
}

static int
word_is(const struct words *ws, int k, const char *s)
{
	size_t i, n = strlen(s);

	if (ws->len[k] != n)
		return 0;
	for (i = 0; i < n; i++) {
		char c = ws->w[k][i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c != s[i])
			return 0;
	}
	return 1;
}

static int
parse_type(const struct words *ws, enum keys_type *t)
{
	if (word_is(ws, 1, "MD5") || word_is(ws, 1, "M"))
		*t = KEYS_MD5;
	else if (word_is(ws, 1, "SHA1") || word_is(ws, 1, "SHA-1"))
		*t = KEYS_SHA1;
	else if (word_is(ws, 1, "AES128CMAC") || word_is(ws, 1, "AES") ||
	    word_is(ws, 1, "AES-128-CMAC"))
		*t = KEYS_CMAC;
	else
		return -1;
	return 0;
}

static int
parse_id(const struct words *ws, uint32_t *id)
{
	uint32_t v = 0;
	size_t i;

	if (ws->len[0] == 0 || ws->len[0] > 5)
		return -1;
	for (i = 0; i < ws->len[0]; i++) {
		char c = ws->w[0][i];

		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (uint32_t)(c - '0');
	}
	if (v < 1 || v > KEYS_ID_MAX)
		return -1;
	*id = v;
	return 0;
}

static int
hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
keys_hex_decode(const char *s, size_t n, uint8_t *out)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2) {
		int hi = hex_val(s[i]), lo = hex_val(s[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return n % 2 == 0 ? 0 : -1;
}

/* The secret from the key word: ASCII up to 20 characters, else hex.
 * Returns NULL, or what is wrong with it. */
static const char *
parse_secret(const char *w, size_t n, struct keys_entry *k)
{
	size_t i;

	if (n <= KEYS_ASCII_MAX) {
		for (i = 0; i < n; i++)
			if (w[i] < 0x21 || w[i] > 0x7e)
				return "ASCII key has a non-printable character";
		memcpy(k->secret, w, n);
		k->len = n;
		return NULL;
	}
	if (n % 2 != 0)
		return "hex key (longer than 20 characters) has an odd "
		       "number of digits";
	if (n > 2 * KEYS_SECRET_MAX)
		return "hex key longer than 64 digits (32 bytes)";
	if (keys_hex_decode(w, n, k->secret) != 0)
		return "key longer than 20 characters is not hex";
	k->len = n / 2;
	return NULL;
}

static void fail(char *err, size_t errsz, const char *name, int line,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
fail(char *err, size_t errsz, const char *name, int line, const char *fmt, ...)
{
	char msg[KEYS_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		(void)snprintf(err, errsz, "%s:%d: %s", name, line, msg);
	else
		(void)snprintf(err, errsz, "%s: %s", name, msg);
}

static int
cmp_id(const void *a, const void *b)
{
	const struct keys_entry *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* One line into k: 1 when it holds a key, 0 when blank, -1 on error
 * (message in err). */
static int
parse_line(const char *s, size_t n, struct keys_entry *k, const char *name,
    int line, char *err, size_t errsz)
{
	struct words ws;
	const char *why;

	split(s, n, &ws);
	if (ws.n == 0)
		return 0;
	if (parse_id(&ws, &k->id) != 0) {
		fail(err, errsz, name, line, "invalid key id '%.*s' (1..65535)",
		    (int)ws.len[0], ws.w[0]);
		return -1;
	}
	if (ws.n < 3) {
		fail(err, errsz, name, line, "key %u: expected 'ID TYPE KEY'",
		    (unsigned)k->id);
		return -1;
	}
	if (parse_type(&ws, &k->type) != 0) {
		fail(err, errsz, name, line,
		    "key %u: unsupported type '%.*s' (MD5, SHA1, AES128CMAC)",
		    (unsigned)k->id, (int)ws.len[1], ws.w[1]);
		return -1;
	}
	if ((why = parse_secret(ws.w[2], ws.len[2], k)) != NULL) {
		fail(err, errsz, name, line, "key %u: %s", (unsigned)k->id,
		    why);
		return -1;
	}
	if (k->type == KEYS_CMAC && k->len != CMAC_KEY_LEN) {
		fail(err, errsz, name, line,
		    "key %u: an AES128CMAC key is 16 bytes (16 ASCII "
		    "characters or 32 hex digits), not %zu",
		    (unsigned)k->id, k->len);
		return -1;
	}
	return 1;
}

int
keys_parse(struct keys *ks, const char *name, const char *text, size_t len,
    char *err, size_t errsz)
{
	size_t pos = 0, i;
	int line = 0, r;

	ks->n = 0;
	ks->n_trusted = 0;
	while (pos < len) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		struct keys_entry k = { 0 };

		pos += n + 1;
		line++;
		if ((r = parse_line(s, n, &k, name, line, err, errsz)) < 0)
			return -1;
		if (r == 0)
			continue;
		if (ks->n >= KEYS_MAX) {
			fail(err, errsz, name, line, "more than %d keys",
			    KEYS_MAX);
			return -1;
		}
		for (i = 0; i < ks->n; i++)
			if (ks->e[i].id == k.id) {
				fail(err, errsz, name, line,
				    "key %u defined twice", (unsigned)k.id);
				return -1;
			}
		ks->e[ks->n++] = k;
	}
	qsort(ks->e, ks->n, sizeof(ks->e[0]), cmp_id);
	return 0;
}

int
keys_load(struct keys *ks, const char *path, int *world_readable, char *err,
    size_t errsz)
{
	static char buf[KEYS_FILE_MAX + 1];
	struct stat st;
	size_t got = 0;
	ssize_t r;
	int fd, rc;

	*world_readable = 0;
	(void)snprintf(ks->path, sizeof(ks->path), "%s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		fail(err, errsz, path, 0, "cannot open key file: %s",
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		fail(err, errsz, path, 0, "not a regular file");
		close(fd);
		return -1;
	}
	*world_readable = (st.st_mode & S_IROTH) != 0;
	while (got <= KEYS_FILE_MAX &&
	    (r = read(fd, buf + got, sizeof(buf) - got)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fail(err, errsz, path, 0, "read: %s", strerror(errno));
			close(fd);
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	if (got > KEYS_FILE_MAX) {
		fail(err, errsz, path, 0, "larger than %d bytes",
		    KEYS_FILE_MAX);
		return -1;
	}
	rc = keys_parse(ks, path, buf, got, err, errsz);
	/* The secrets are in the table now; leave no copy behind. */
	memset(buf, 0, got);
	return rc;
}

size_t
keys_trust(struct keys *ks, const uint32_t *trusted, size_t n)
{
	size_t i, missing = 0;

	for (i = 0; i < n; i++) {
		const struct keys_entry *f = keys_find(ks, trusted[i]);
		struct keys_entry *k;

		if (f == NULL) {
			missing++;
			continue;
		}
		k = &ks->e[f - ks->e];
		if (!k->trusted)
			ks->n_trusted++;
		k->trusted = 1;
	}
	return missing;
}

const struct keys_entry *
keys_find(const struct keys *ks, uint32_t id)
{
	size_t lo = 0, hi = ks->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->e[mid].id == id)
			return &ks->e[mid];
		if (ks->e[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct keys_entry *
keys_trusted(const struct keys *ks, uint32_t id)
{
	const struct keys_entry *k = keys_find(ks, id);

	return k != NULL && k->trusted ? k : NULL;
}

size_t
keys_digest_len(enum keys_type t)
{
	switch (t) {
	case KEYS_MD5:
		return 16;
	case KEYS_SHA1:
		return 20;
	case KEYS_CMAC:
		return 16;
	}
	return 0;
}

const char *
keys_type_name(enum keys_type t)
{
	switch (t) {
	case KEYS_MD5:
		return "MD5";
	case KEYS_SHA1:
		return "SHA1";
	case KEYS_CMAC:
		return "AES128CMAC";
	}
	return "?";
}

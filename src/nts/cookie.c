// SPDX-License-Identifier: ISC
/*
 * cookie: sealed server cookies and the key ring (RFC 8915 section 6,
 * the recommended construction).  The key id and the nonce are in the
 * clear and form the associated data's place: the nonce is the SIV
 * nonce, the id is the associated data, so a cookie moved to another
 * key id does not open.
 */
#include "nts/cookie.h"

#include <string.h>

void
cookie_add_key(struct cookie_ring *r, uint32_t id,
    const uint8_t key[AEAD_KEY_LEN], int64_t made_s)
{
	int i, clash = 1;

	while (clash) {
		clash = 0;
		for (i = 0; i < r->n; i++)
			if (r->k[i].id == id)
				clash = 1;
		id += (uint32_t)clash;
	}
	if (r->n == COOKIE_KEYS) {
		memmove(&r->k[0], &r->k[1],
		    sizeof(r->k[0]) * (COOKIE_KEYS - 1));
		r->n--;
	}
	r->k[r->n].id = id;
	memcpy(r->k[r->n].key, key, AEAD_KEY_LEN);
	r->k[r->n].made_s = made_s;
	r->n++;
}

int
cookie_seal(const struct cookie_ring *r, const uint8_t c2s[AEAD_KEY_LEN],
    const uint8_t s2c[AEAD_KEY_LEN], const uint8_t nonce[AEAD_NONCE_LEN],
    uint8_t *out)
{
	const struct cookie_key *k;
	uint8_t pt[2 * AEAD_KEY_LEN];

	if (r->n == 0)
		return -1;
	k = &r->k[r->n - 1];
	memcpy(pt, c2s, AEAD_KEY_LEN);
	memcpy(pt + AEAD_KEY_LEN, s2c, AEAD_KEY_LEN);
	out[0] = (uint8_t)(k->id >> 24);
	out[1] = (uint8_t)(k->id >> 16);
	out[2] = (uint8_t)(k->id >> 8);
	out[3] = (uint8_t)k->id;
	memcpy(out + 4, nonce, AEAD_NONCE_LEN);
	aead_seal(k->key, nonce, AEAD_NONCE_LEN, out, 4, pt, sizeof(pt),
	    out + 4 + AEAD_NONCE_LEN);
	memset(pt, 0, sizeof(pt));
	return 0;
}

int
cookie_open(const struct cookie_ring *r, const uint8_t *cookie, size_t len,
    uint8_t c2s[AEAD_KEY_LEN], uint8_t s2c[AEAD_KEY_LEN])
{
	uint8_t pt[2 * AEAD_KEY_LEN];
	uint32_t id;
	int i;

	if (len != COOKIE_LEN)
		return -1;
	id = (uint32_t)cookie[0] << 24 | (uint32_t)cookie[1] << 16 |
	    (uint32_t)cookie[2] << 8 | cookie[3];
	for (i = 0; i < r->n; i++) {
		if (r->k[i].id != id)
			continue;
		if (aead_open(r->k[i].key, cookie + 4, AEAD_NONCE_LEN, cookie,
		        4, cookie + 4 + AEAD_NONCE_LEN,
		        len - 4 - AEAD_NONCE_LEN, pt) != 0)
			return -1;
		memcpy(c2s, pt, AEAD_KEY_LEN);
		memcpy(s2c, pt + AEAD_KEY_LEN, AEAD_KEY_LEN);
		memset(pt, 0, sizeof(pt));
		return 0;
	}
	return -1;
}

/* Append text; the caller checks room once at the end. */
static void
put_str(char *buf, size_t cap, size_t *pos, const char *s)
{
	while (*s != '\0') {
		if (*pos + 1 < cap)
			buf[*pos] = *s;
		(*pos)++;
		s++;
	}
}

static void
put_hex(char *buf, size_t cap, size_t *pos, const uint8_t *b, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char two[3] = { 0, 0, 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		two[0] = hex[b[i] >> 4];
		two[1] = hex[b[i] & 15];
		put_str(buf, cap, pos, two);
	}
}

static void
put_dec(char *buf, size_t cap, size_t *pos, int64_t v)
{
	char tmp[24];
	int i = (int)sizeof(tmp) - 1;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	tmp[i] = '\0';
	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		tmp[--i] = '-';
	put_str(buf, cap, pos, tmp + i);
}

size_t
cookie_format(const struct cookie_ring *r, char *buf, size_t cap)
{
	size_t pos = 0;
	uint8_t id[4];
	int i;

	put_str(buf, cap, &pos, "stratum-nts-keys 1\n");
	for (i = 0; i < r->n; i++) {
		id[0] = (uint8_t)(r->k[i].id >> 24);
		id[1] = (uint8_t)(r->k[i].id >> 16);
		id[2] = (uint8_t)(r->k[i].id >> 8);
		id[3] = (uint8_t)r->k[i].id;
		put_hex(buf, cap, &pos, id, 4);
		put_str(buf, cap, &pos, " ");
		put_hex(buf, cap, &pos, r->k[i].key, AEAD_KEY_LEN);
		put_str(buf, cap, &pos, " ");
		put_dec(buf, cap, &pos, r->k[i].made_s);
		put_str(buf, cap, &pos, "\n");
	}
	if (cap > 0)
		buf[pos < cap ? pos : cap - 1] = '\0';
	return pos;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* n bytes of lower-case hex at *p, then one space or newline. */
static int
get_hex(const char **p, const char *end, uint8_t *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int hi, lo;

		if (end - *p < 2)
			return -1;
		hi = hexval((*p)[0]);
		lo = hexval((*p)[1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
		*p += 2;
	}
	return 0;
}

static int
get_line(const char **p, const char *end, struct cookie_key *k)
{
	uint8_t id[4];
	int64_t v = 0;
	int digits = 0;

	if (get_hex(p, end, id, 4) != 0 || *p >= end || *(*p)++ != ' ' ||
	    get_hex(p, end, k->key, AEAD_KEY_LEN) != 0 || *p >= end ||
	    *(*p)++ != ' ')
		return -1;
	while (*p < end && **p >= '0' && **p <= '9' && digits < 15) {
		v = v * 10 + (**p - '0');
		(*p)++;
		digits++;
	}
	if (digits == 0 || *p >= end || *(*p)++ != '\n')
		return -1;
	k->id = (uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 |
	    (uint32_t)id[2] << 8 | id[3];
	k->made_s = v;
	return 0;
}

int
cookie_load(struct cookie_ring *r, const char *text, size_t len)
{
	static const char head[] = "stratum-nts-keys 1\n";
	const char *p = text, *end = text + len;
	struct cookie_key k;

	memset(r, 0, sizeof(*r));
	if (len < sizeof(head) - 1 || memcmp(text, head, sizeof(head) - 1) != 0)
		return -1;
	p += sizeof(head) - 1;
	while (p < end) {
		if (get_line(&p, end, &k) != 0) {
			memset(r, 0, sizeof(*r));
			return -1;
		}
		cookie_add_key(r, k.id, k.key, k.made_s);
	}
	memset(&k, 0, sizeof(k));
	return r->n > 0 ? 0 : -1;
}

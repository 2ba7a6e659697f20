// SPDX-License-Identifier: ISC
/*
 * sreq: NTS request handling on the server (sreq.h).
 */
#include "nts/sreq.h"

#include <string.h>

#include "core/pkt.h"
#include "nts/ef.h"
#include "os/rnd.h"

#define SREQ_MAX_COOKIES 8

/* The kiss: LI 3, stratum 0, refid NTSN, no root delay, dispersion or
 * reference time; the request's unique identifier echoed (section 5.7). */
static enum sreq_res
nak(struct kesrv *k, const struct ef_pkt *e, const uint8_t hdr[48],
    uint8_t *out, size_t cap, size_t *out_len)
{
	memcpy(out, hdr, 48);
	out[0] = (uint8_t)(0xc0 | (out[0] & 0x3f));
	out[1] = 0;
	memset(out + 4, 0, 8);
	memcpy(out + 12, "NTSN", 4);
	memset(out + 16, 0, 8);
	*out_len = 48;
	if (ef_put(out, out_len, cap, EF_UID, e->uid.p, e->uid.len) != 0)
		return SREQ_DROP;
	atomic_fetch_add(&k->naks, 1);
	return SREQ_NAK;
}

/* The encrypted part of the reply: n new cookie fields. */
static int
new_cookies(struct kesrv *k, const uint8_t *c2s, const uint8_t *s2c, int n,
    uint8_t *pt, size_t cap, size_t *pt_len)
{
	uint8_t ck[COOKIE_LEN];
	int i;

	*pt_len = 0;
	for (i = 0; i < n; i++)
		if (kesrv_seal(k, c2s, s2c, ck) != 0 ||
		    ef_put(pt, pt_len, cap, EF_COOKIE, ck, sizeof(ck)) != 0)
			return -1;
	return 0;
}

/* How many cookies fit: the reply (header, identifier, authenticator
 * with our nonce and n cookie fields) may not exceed the request. */
static int
fitting(const struct ef_pkt *e, size_t len, int want)
{
	size_t fixed = 48 + 4 + ((e->uid.len + 3) & ~(size_t)3);

	while (want > 0 &&
	    fixed +
	            ef_auth_len(AEAD_NONCE_LEN,
	                AEAD_TAG_LEN + (size_t)want * (4 + COOKIE_LEN)) >
	        len)
		want--;
	return want;
}

enum sreq_res
sreq_answer(struct kesrv *k, const uint8_t *req, size_t len,
    const uint8_t hdr[48], uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t c2s[AEAD_KEY_LEN], s2c[AEAD_KEY_LEN], nonce[AEAD_NONCE_LEN];
	uint8_t pt[SREQ_MAX_COOKIES * (4 + COOKIE_LEN)];
	uint8_t sealed[AEAD_TAG_LEN + sizeof(pt)], scratch[1024];
	struct ef_pkt e;
	size_t pt_len;
	int n;

	*out_len = 0;
	switch (ef_parse(req, len, &e)) {
	case EF_NONE:
		return SREQ_NONE;
	case EF_BAD:
		return SREQ_DROP;
	case EF_OK:
		break;
	}
	/* Exactly one of each (section 5.7); the identifier at least 32
	 * bytes, so that it cannot be guessed. */
	if (e.n_uid != 1 || e.uid.len < EF_UID_MIN || e.n_cookie != 1 ||
	    e.n_auth != 1 || cap < len)
		return SREQ_DROP;
	if (kesrv_open(k, e.cookie.p, e.cookie.len, c2s, s2c) != 0)
		return nak(k, &e, hdr, out, cap, out_len);
	/* The request's own encrypted fields, if any, are not used; the
	 * plaintext only has to authenticate. */
	if (e.ct.len - AEAD_TAG_LEN > sizeof(scratch) ||
	    aead_open(c2s, e.nonce.p, e.nonce.len, req, e.auth_off, e.ct.p,
	        e.ct.len, scratch) != 0) {
		memset(c2s, 0, sizeof(c2s));
		memset(s2c, 0, sizeof(s2c));
		return nak(k, &e, hdr, out, cap, out_len);
	}
	n = 1 + e.n_placeholders;
	n = fitting(&e, len, n > SREQ_MAX_COOKIES ? SREQ_MAX_COOKIES : n);
	memcpy(out, hdr, 48);
	*out_len = 48;
	if (n == 0 || rnd_bytes(nonce, sizeof(nonce)) != 0 ||
	    new_cookies(k, c2s, s2c, n, pt, sizeof(pt), &pt_len) != 0 ||
	    ef_put(out, out_len, cap, EF_UID, e.uid.p, e.uid.len) != 0) {
		memset(c2s, 0, sizeof(c2s));
		memset(s2c, 0, sizeof(s2c));
		return SREQ_DROP;
	}
	aead_seal(s2c, nonce, sizeof(nonce), out, *out_len, pt, pt_len, sealed);
	memset(c2s, 0, sizeof(c2s));
	memset(s2c, 0, sizeof(s2c));
	memset(pt, 0, sizeof(pt));
	if (ef_put_auth(out, out_len, cap, nonce, sizeof(nonce), sealed,
	        AEAD_TAG_LEN + pt_len) != 0)
		return SREQ_DROP;
	atomic_fetch_add(&k->nts_answered, 1);
	return SREQ_REPLY;
}

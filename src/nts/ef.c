// SPDX-License-Identifier: ISC
/*
 * ef: NTS extension fields (RFC 8915 section 5).  Fields are walked with
 * the bounds-checked cursor; nothing is read past the packet.  Fields
 * after the authenticator are counted and otherwise ignored: they are not
 * authenticated, so nothing in them may be believed (section 5.6).
 */
#include "nts/ef.h"

#include <string.h>

#include "core/cur.h"

#define EF_HDR 4

static size_t
pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* The authenticator's body: lengths, nonce, ciphertext (SIV first). */
static int
auth_body(const uint8_t *b, size_t blen, struct ef_pkt *o)
{
	struct cur c;
	size_t nl, cl;

	cur_init(&c, b, blen);
	nl = cur_u16(&c);
	cl = cur_u16(&c);
	if (c.err || nl == 0 || cl < 16 || pad4(nl) + pad4(cl) > blen - 4)
		return -1;
	o->nonce = (struct ef_view){ b + 4, nl };
	o->ct = (struct ef_view){ b + 4 + pad4(nl), cl };
	return 0;
}

static int
take(uint16_t type, const uint8_t *pkt, size_t off, size_t flen,
    struct ef_pkt *o)
{
	const uint8_t *b = pkt + off + EF_HDR;
	size_t blen = flen - EF_HDR;

	if (o->n_auth > 0) {
		o->after_auth++;
		return 0;
	}
	switch (type) {
	case EF_UID:
		if (o->n_uid++ == 0)
			o->uid = (struct ef_view){ b, blen };
		break;
	case EF_COOKIE:
		if (o->n_cookie++ == 0)
			o->cookie = (struct ef_view){ b, blen };
		break;
	case EF_PLACEHOLDER:
		o->n_placeholders++;
		o->placeholder_len += blen;
		break;
	case EF_AUTH:
		o->n_auth++;
		o->auth_off = off;
		return auth_body(b, blen, o);
	default:
		break;
	}
	return 0;
}

enum ef_res
ef_parse(const uint8_t *pkt, size_t len, struct ef_pkt *o)
{
	struct cur c;
	int n = 0;

	memset(o, 0, sizeof(*o));
	if (len <= 48)
		return EF_NONE;
	cur_init(&c, pkt, len);
	cur_skip(&c, 48);
	while (cur_left(&c) > 0) {
		size_t off = c.pos, flen;
		uint16_t type = cur_u16(&c);

		flen = cur_u16(&c);
		if (c.err || flen < EF_HDR || flen % 4 != 0 ||
		    flen - EF_HDR > cur_left(&c) || ++n > EF_MAX_FIELDS)
			return EF_BAD;
		if (take(type, pkt, off, flen, o) != 0)
			return EF_BAD;
		cur_skip(&c, flen - EF_HDR);
	}
	if (o->n_uid + o->n_cookie + o->n_auth + o->n_placeholders == 0)
		return EF_NONE;
	return EF_OK;
}

int
ef_put(uint8_t *pkt, size_t *len, size_t cap, uint16_t type,
    const uint8_t *body, size_t blen)
{
	size_t flen = EF_HDR + pad4(blen);
	struct wcur w;

	if (flen > 0xfffc || *len > cap || cap - *len < flen)
		return -1;
	wcur_init(&w, pkt + *len, flen);
	wcur_u16(&w, type);
	wcur_u16(&w, (uint16_t)flen);
	if (body != NULL)
		wcur_bytes(&w, body, blen);
	memset(pkt + *len + w.pos, 0, flen - w.pos);
	*len += flen;
	return 0;
}

size_t
ef_auth_len(size_t nonce_len, size_t ct_len)
{
	return EF_HDR + 4 + pad4(nonce_len) + pad4(ct_len);
}

int
ef_put_auth(uint8_t *pkt, size_t *len, size_t cap, const uint8_t *nonce,
    size_t nonce_len, const uint8_t *ct, size_t ct_len)
{
	size_t flen = ef_auth_len(nonce_len, ct_len);
	struct wcur w;

	if (flen > 0xfffc || nonce_len > 0xffff || *len > cap ||
	    cap - *len < flen)
		return -1;
	memset(pkt + *len, 0, flen);
	wcur_init(&w, pkt + *len, flen);
	wcur_u16(&w, EF_AUTH);
	wcur_u16(&w, (uint16_t)flen);
	wcur_u16(&w, (uint16_t)nonce_len);
	wcur_u16(&w, (uint16_t)ct_len);
	wcur_bytes(&w, nonce, nonce_len);
	w.pos = 8 + pad4(nonce_len);
	wcur_bytes(&w, ct, ct_len);
	*len += flen;
	return 0;
}

int
ef_cookies(const uint8_t *pt, size_t len, struct ef_view *out, int max)
{
	struct cur c;
	int n = 0, fields = 0;

	cur_init(&c, pt, len);
	while (cur_left(&c) > 0) {
		uint16_t type = cur_u16(&c);
		size_t flen = cur_u16(&c);

		if (c.err || flen < EF_HDR || flen % 4 != 0 ||
		    flen - EF_HDR > cur_left(&c) || ++fields > EF_MAX_FIELDS)
			return -1;
		if (type == EF_COOKIE && flen > EF_HDR && n < max)
			out[n++] =
			    (struct ef_view){ c.p + c.pos, flen - EF_HDR };
		cur_skip(&c, flen - EF_HDR);
	}
	return n;
}

// SPDX-License-Identifier: ISC
/*
 * Fuzz target for the NTS extension fields (src/nts/ef).  Properties:
 *  - ef_parse never points outside the packet: the unique identifier,
 *    cookie, nonce and ciphertext lie inside it, the authenticator after
 *    the header, the nonce and ciphertext inside the authenticator;
 *  - what it found re-encodes with ef_put/ef_put_auth into a packet that
 *    parses back to the same counts and bytes;
 *  - ef_cookies over any bytes (as a decrypted plaintext) returns views
 *    inside them, never more than asked for.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nts/ef.h"
#include "prop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
inside(const struct ef_view *v, const uint8_t *p, size_t len)
{
	return v->p >= p && v->p + v->len <= p + len;
}

static int
same(const struct ef_view *a, const struct ef_view *b)
{
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

static void
reencode(const uint8_t *data, const struct ef_pkt *e)
{
	static uint8_t out[70000];
	struct ef_pkt b;
	size_t len = 48;
	int i;

	memcpy(out, data, 48);
	if (e->n_uid)
		PROP(ef_put(out, &len, sizeof(out), EF_UID, e->uid.p,
		         e->uid.len) == 0);
	if (e->n_cookie)
		PROP(ef_put(out, &len, sizeof(out), EF_COOKIE, e->cookie.p,
		         e->cookie.len) == 0);
	for (i = 0; i < e->n_placeholders; i++)
		PROP(ef_put(out, &len, sizeof(out), EF_PLACEHOLDER, NULL, 4) ==
		    0);
	if (e->n_auth)
		PROP(ef_put_auth(out, &len, sizeof(out), e->nonce.p,
		         e->nonce.len, e->ct.p, e->ct.len) == 0);
	if (len == 48)
		return;
	PROP(ef_parse(out, len, &b) == EF_OK);
	PROP(b.n_uid == (e->n_uid > 0) && b.n_cookie == (e->n_cookie > 0));
	PROP(b.n_placeholders == e->n_placeholders && b.n_auth == e->n_auth);
	/* bodies come back padded to 4: compare the original's bytes */
	PROP(!b.n_uid || memcmp(b.uid.p, e->uid.p, e->uid.len) == 0);
	PROP(
	    !b.n_cookie || memcmp(b.cookie.p, e->cookie.p, e->cookie.len) == 0);
	PROP(!b.n_auth || (same(&b.nonce, &e->nonce) && same(&b.ct, &e->ct)));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ef_view ck[EF_MAX_COOKIES];
	struct ef_pkt e;
	int i, n;

	n = ef_cookies(data, size, ck, 3);
	PROP(n >= -1 && n <= 3);
	for (i = 0; i < n; i++)
		PROP(inside(&ck[i], data, size));
	if (ef_parse(data, size, &e) != EF_OK)
		return 0;
	PROP(size > 48);
	PROP(!e.n_uid || inside(&e.uid, data, size));
	PROP(!e.n_cookie || inside(&e.cookie, data, size));
	if (e.n_auth) {
		PROP(e.n_auth == 1 && e.auth_off >= 48 && e.auth_off < size);
		PROP(e.nonce.p >= data + e.auth_off + 8);
		PROP(inside(&e.nonce, data, size) && inside(&e.ct, data, size));
		PROP(e.nonce.len >= 1 && e.ct.len >= 16);
	}
	reencode(data, &e);
	return 0;
}

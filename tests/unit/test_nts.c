// SPDX-License-Identifier: ISC
/*
 * Tests for src/nts: the AEAD against the checked NTPsec vector
 * (../shared/INTEROP-AUTH-MODE6.md, appendix: RFC 8915 has none), the
 * NTS-KE record codec, the NTS extension fields, and cookies.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nts/aead.h"
#include "nts/cookie.h"
#include "nts/ef.h"
#include "nts/rec.h"
#include "t.h"

/* Captured: an NTPsec server's keys, a request with one placeholder
 * (authenticator at 300, empty plaintext) and the response (authenticator
 * at 84, two 108-byte cookie fields inside). */
static const char vec_c2s[] =
    "093a319179e81e4fc3ca005b7988e8f1c48b76f99e3e186616275aafb0e2edf7";
static const char vec_s2c[] =
    "b330042df565eea129a758c6626f95768c685787ebd65e1bbe9b8317ebfaa6ac";
static const char vec_req[] =
    "2300000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000081da7f10aa8e20d0104002404859f1283e7298474ae4f99"
    "5cc42d22bbd530680b6f23ab57084b683f3f333f0204006c0798182f727c4b08"
    "7335bf1dd3b8452facda0a582f9a939facdb38037be0659e0f5dd2d38d8323ca"
    "c5e210ae911361b41f5227f458c68bcd07a181ccd238ec0eea4bab9439443ec7"
    "e6865b3b3634034a9be50c30c350b416045e59dccc93451d0eb14b6edc2e8f87"
    "0304006c00000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000404002800100010bd3f4c113ee06c42c35d6dad"
    "53ca00af372b4de5c8c4895a20bfdef660e26c52";
static const char vec_resp[] =
    "e40000e80000000000000003494e49540000000000000000081da7f10aa8e20d"
    "eeb8a316b7197ce3eeb8a316b724616a0104002404859f1283e7298474ae4f99"
    "5cc42d22bbd530680b6f23ab57084b683f3f333f04040100001000e834302bd7"
    "7e97c0f9babeeb35d2f3e7e5d558612010454830dcabf75e584c38fa314b03af"
    "137b0179f07f041c503884cdaf7c781aaa0fb5c584aef1f99bb8cf90102cab1d"
    "a51a7cc9058472463aedb5eba4bd88ee92afda15839ce03ac9b6e98c664e29c6"
    "984f10dcc8d6a7b808b732b7ebf558e82d1e9eb2b2b3079829ff378d50fcc0c4"
    "5336b99055239b6350c5778ed3c6b4db9948654ff6736ecafa7e0c94c4a810e2"
    "81c5593e42d093cbf5c4618aa7f5a4d2466bd368747a4bbb40417bcd5e8debe7"
    "34e6de01d64a8055bd86f6d7649a975b17b3ff803606f5a1d7a0bd81aa321f03"
    "a7a43acc58114e337d34add11b3d173fe33a27a9";

static size_t
unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = strlen(h) / 2, i;
	unsigned v;

	if (n > cap)
		return 0;
	for (i = 0; i < n; i++) {
		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void
vector(void)
{
	uint8_t c2s[32], s2c[32], req[400], resp[400], pt[400];
	struct ef_view ck[EF_MAX_COOKIES];
	struct ef_pkt q, r;
	size_t nq, nr;

	unhex(vec_c2s, c2s, sizeof(c2s));
	unhex(vec_s2c, s2c, sizeof(s2c));
	nq = unhex(vec_req, req, sizeof(req));
	nr = unhex(vec_resp, resp, sizeof(resp));
	T_EQ(nq, 340);
	T_EQ(nr, 340);

	T_EQ(ef_parse(req, nq, &q), EF_OK);
	T_EQ(q.n_uid, 1);
	T_EQ(q.uid.len, 32);
	T_EQ(q.n_cookie, 1);
	T_EQ(q.cookie.len, 104);
	T_EQ(q.n_placeholders, 1);
	T_EQ(q.n_auth, 1);
	T_EQ(q.auth_off, 300);
	T_EQ(q.nonce.len, 16);
	T_EQ(q.ct.len, 16);
	/* the request: empty plaintext, which OpenSSL 3.0 cannot do */
	T_EQ(aead_open(c2s, q.nonce.p, q.nonce.len, req, q.auth_off, q.ct.p,
	         q.ct.len, pt),
	    0);
	T_CHECK(aead_open(s2c, q.nonce.p, q.nonce.len, req, q.auth_off, q.ct.p,
	            q.ct.len, pt) != 0);

	T_EQ(ef_parse(resp, nr, &r), EF_OK);
	T_EQ(r.auth_off, 84);
	T_EQ(r.ct.len, 232);
	T_CHECK(
	    r.uid.len == q.uid.len && memcmp(r.uid.p, q.uid.p, q.uid.len) == 0);
	T_EQ(aead_open(s2c, r.nonce.p, r.nonce.len, resp, r.auth_off, r.ct.p,
	         r.ct.len, pt),
	    0);
	T_EQ(ef_cookies(pt, r.ct.len - 16, ck, EF_MAX_COOKIES), 2);
	T_EQ(ck[0].len, 104);
	/* one flipped bit anywhere in the associated data fails */
	resp[20] ^= 1;
	T_CHECK(aead_open(s2c, r.nonce.p, r.nonce.len, resp, r.auth_off, r.ct.p,
	            r.ct.len, pt) != 0);
	resp[20] ^= 1;
	resp[nr - 1] ^= 0x80;
	T_CHECK(aead_open(s2c, r.nonce.p, r.nonce.len, resp, r.auth_off, r.ct.p,
	            r.ct.len, pt) != 0);
}

/* Seal then open random lengths, empty included. */
static void
aead_round_trip(void)
{
	uint64_t st = t_stats.seed ^ 0x61656164;
	uint8_t key[32], nonce[16], ad[64], pt[80], ct[96], back[80];
	int i, bad = 0;
	size_t j;

	for (i = 0; i < 200; i++) {
		size_t pl = (size_t)(t_rand(&st) % sizeof(pt));
		size_t al = (size_t)(t_rand(&st) % sizeof(ad));

		for (j = 0; j < 32; j++)
			key[j] = (uint8_t)t_rand(&st);
		for (j = 0; j < 16; j++)
			nonce[j] = (uint8_t)t_rand(&st);
		for (j = 0; j < al; j++)
			ad[j] = (uint8_t)t_rand(&st);
		for (j = 0; j < pl; j++)
			pt[j] = (uint8_t)t_rand(&st);
		aead_seal(key, nonce, 16, ad, al, pt, pl, ct);
		if (aead_open(key, nonce, 16, ad, al, ct, pl + 16, back) != 0 ||
		    memcmp(back, pt, pl) != 0)
			bad++;
		ct[t_rand(&st) % (pl + 16)] ^= 4;
		if (aead_open(key, nonce, 16, ad, al, ct, pl + 16, back) == 0)
			bad++;
	}
	T_EQ(bad, 0);
}

static void
records(void)
{
	uint8_t buf[2048];
	const uint8_t *ck[8];
	uint8_t cookie[100];
	struct rec_answer a;
	struct rec_msg m;
	size_t n, i;

	/* chronyd's request, byte for byte */
	n = rec_client_request(buf, sizeof(buf), 15);
	T_EQ(n, 16);
	T_CHECK(memcmp(buf,
	            "\x80\x01\x00\x02\x00\x00\x80\x04\x00\x02\x00\x0f"
	            "\x80\x00\x00\x00",
	            16) == 0);
	/* every prefix is incomplete, the whole is done */
	for (i = 0; i < n; i++)
		T_EQ(rec_parse(buf, i, &m), REC_MORE);
	T_EQ(rec_parse(buf, n, &m), REC_DONE);
	T_EQ(m.len, 16);
	rec_decide(&m, 15, &a);
	T_EQ(a.error, -1);
	T_EQ(a.proto_ok, 1);
	T_EQ(a.aead, 15);

	/* NTPsec's: the AEAD record not critical */
	buf[6] = 0x00;
	T_EQ(rec_parse(buf, n, &m), REC_DONE);
	rec_decide(&m, 15, &a);
	T_EQ(a.aead, 15);

	/* response with 8 cookies parses back */
	memset(cookie, 0x5a, sizeof(cookie));
	for (i = 0; i < 8; i++)
		ck[i] = cookie;
	n = rec_server_response(buf, sizeof(buf), &a, ck, sizeof(cookie), 8, 0);
	T_EQ(n, 4 + 2 + 4 + 2 + 8 * 104 + 4);
	T_EQ(rec_parse(buf, n, &m), REC_DONE);
	T_EQ(m.n_cookies, 8);
	T_EQ(m.cookie_len[7], 100);
	T_CHECK(rec_check_response(&m, 15) == NULL);
	T_CHECK(rec_check_response(&m, 16) != NULL);

	/* unknown critical record: error 0; unknown non-critical: ignored */
	n = 0;
	rec_put_u16s(buf, &n, sizeof(buf), 1, REC_NEXT_PROTO,
	    (const uint16_t[]){ 0 }, 1);
	rec_put(buf, &n, sizeof(buf), 0, 99, (const uint8_t *)"x", 1);
	rec_put(buf, &n, sizeof(buf), 1, REC_EOM, NULL, 0);
	T_EQ(rec_parse(buf, n, &m), REC_DONE);
	rec_decide(&m, 15, &a);
	T_EQ(a.error, -1);
	T_EQ(a.aead, 15);
	n = 0;
	rec_put_u16s(buf, &n, sizeof(buf), 1, REC_NEXT_PROTO,
	    (const uint16_t[]){ 0 }, 1);
	rec_put(buf, &n, sizeof(buf), 1, 99, (const uint8_t *)"x", 1);
	rec_put(buf, &n, sizeof(buf), 1, REC_EOM, NULL, 0);
	T_EQ(rec_parse(buf, n, &m), REC_DONE);
	rec_decide(&m, 15, &a);
	T_EQ(a.error, REC_ERR_UNRECOGNIZED);
	n = rec_server_response(buf, sizeof(buf), &a, NULL, 0, 0, 0);
	T_EQ(n, 10);
	T_CHECK(
	    memcmp(buf, "\x80\x02\x00\x02\x00\x00\x80\x00\x00\x00", 10) == 0);

	/* no Next Protocol: bad request; only unknown AEADs: none chosen */
	n = 0;
	rec_put_u16s(buf, &n, sizeof(buf), 1, REC_AEAD,
	    (const uint16_t[]){ 15 }, 1);
	rec_put(buf, &n, sizeof(buf), 1, REC_EOM, NULL, 0);
	T_EQ(rec_parse(buf, n, &m), REC_DONE);
	rec_decide(&m, 15, &a);
	T_EQ(a.error, REC_ERR_BAD_REQUEST);
	n = rec_client_request(buf, sizeof(buf), 30);
	T_EQ(rec_parse(buf, n, &m), REC_DONE);
	rec_decide(&m, 15, &a);
	T_EQ(a.aead, 0);

	/* malformed shapes */
	T_EQ(rec_parse((const uint8_t *)"\x80\x00\x00\x01\x00", 5, &m),
	    REC_BAD); /* EOM with a body */
	T_EQ(rec_parse((const uint8_t *)"\x80\x01\x00\x01\x00\x80\x00\x00\x00",
	         9, &m),
	    REC_BAD); /* odd protocol list */
	T_EQ(rec_parse((const uint8_t *)"\x00\x07\x00\x03\x00\x00\x00\x80\x00"
	                                "\x00\x00",
	         11, &m),
	    REC_BAD); /* port of 3 bytes */
	T_EQ(rec_parse((const uint8_t *)"\x00\x06\x00\x02\x61\x00\x80\x00\x00"
	                                "\x00",
	         10, &m),
	    REC_BAD); /* NUL in a server name */
	/* no end within the limit */
	{
		static uint8_t big[REC_MSG_MAX + 200];

		n = 0;
		while (rec_put(big, &n, sizeof(big), 0, 99, NULL, 100) == 0)
			;
		T_EQ(rec_parse(big, n, &m), REC_BAD);
	}
	/* server and port records */
	n = 0;
	rec_put(buf, &n, sizeof(buf), 1, REC_SERVER,
	    (const uint8_t *)"ntp.test", 8);
	rec_put_u16s(buf, &n, sizeof(buf), 1, REC_PORT,
	    (const uint16_t[]){ 11123 }, 1);
	rec_put(buf, &n, sizeof(buf), 1, REC_EOM, NULL, 0);
	T_EQ(rec_parse(buf, n, &m), REC_DONE);
	T_CHECK(m.has_server && strcmp(m.server, "ntp.test") == 0);
	T_CHECK(m.has_port && m.port == 11123);
}

static void
fields(void)
{
	uint8_t pkt[1024], key[32], nonce[16], sealed[16], pt[16];
	struct ef_pkt p;
	size_t len = 48;

	memset(pkt, 0, 48);
	pkt[0] = 0x23;
	memset(key, 7, sizeof(key));
	memset(nonce, 9, sizeof(nonce));
	T_EQ(ef_parse(pkt, 48, &p), EF_NONE);
	T_EQ(ef_put(pkt, &len, sizeof(pkt), EF_UID, key, 32), 0);
	T_EQ(ef_put(pkt, &len, sizeof(pkt), EF_COOKIE, key, 30), 0);
	T_EQ(len, 48 + 36 + 36); /* 30 padded to 32 */
	T_EQ(ef_put(pkt, &len, sizeof(pkt), EF_PLACEHOLDER, NULL, 32), 0);
	aead_seal(key, nonce, 16, pkt, len, NULL, 0, sealed);
	T_EQ(ef_put_auth(pkt, &len, sizeof(pkt), nonce, 16, sealed, 16), 0);
	T_EQ(len, 48 + 36 + 36 + 36 + 40);
	T_EQ(ef_parse(pkt, len, &p), EF_OK);
	T_EQ(p.n_placeholders, 1);
	T_EQ(p.auth_off, 48 + 36 + 36 + 36);
	T_EQ(aead_open(key, p.nonce.p, p.nonce.len, pkt, p.auth_off, p.ct.p,
	         p.ct.len, pt),
	    0);
	/* a field running past the end, a length not a multiple of 4 */
	T_EQ(ef_parse(pkt, len - 4, &p), EF_BAD);
	pkt[48 + 3] = 35;
	T_EQ(ef_parse(pkt, len, &p), EF_BAD);
	pkt[48 + 3] = 36;
	/* an ordinary field only: not NTS */
	len = 48;
	T_EQ(ef_put(pkt, &len, sizeof(pkt), 0x2005, NULL, 24), 0);
	T_EQ(ef_parse(pkt, len, &p), EF_NONE);
	/* room checks */
	len = 48;
	T_EQ(ef_put(pkt, &len, 60, EF_UID, key, 32), -1);
	T_EQ(len, 48);
}

static void
cookies(void)
{
	uint8_t k1[32], k2[32], c2s[32], s2c[32], a[32], b[32], nonce[16];
	uint8_t ck[COOKIE_LEN], ck_old[COOKIE_LEN];
	struct cookie_ring r, back;
	char text[COOKIE_TEXT_MAX];
	size_t n;
	int i;

	memset(&r, 0, sizeof(r));
	memset(k1, 1, 32);
	memset(k2, 2, 32);
	memset(c2s, 3, 32);
	memset(s2c, 4, 32);
	memset(nonce, 5, 16);
	T_EQ(COOKIE_LEN, 100);
	T_EQ(cookie_seal(&r, c2s, s2c, nonce, ck), -1);
	cookie_add_key(&r, 10, k1, 1000);
	T_EQ(cookie_seal(&r, c2s, s2c, nonce, ck_old), 0);
	cookie_add_key(&r, 10, k2, 2000); /* id clash: becomes 11 */
	T_EQ(r.k[1].id, 11);
	T_EQ(cookie_seal(&r, c2s, s2c, nonce, ck), 0);
	T_EQ(cookie_open(&r, ck, sizeof(ck), a, b), 0);
	T_CHECK(memcmp(a, c2s, 32) == 0 && memcmp(b, s2c, 32) == 0);
	T_EQ(cookie_open(&r, ck_old, sizeof(ck_old), a, b), 0);
	ck[50] ^= 1;
	T_EQ(cookie_open(&r, ck, sizeof(ck), a, b), -1);
	ck[50] ^= 1;
	T_EQ(cookie_open(&r, ck, sizeof(ck) - 1, a, b), -1);
	/* persisted and read back: the cookies still open */
	n = cookie_format(&r, text, sizeof(text));
	T_CHECK(n < sizeof(text));
	T_EQ(cookie_load(&back, text, n), 0);
	T_EQ(back.n, 2);
	T_EQ(cookie_open(&back, ck, sizeof(ck), a, b), 0);
	T_EQ(cookie_load(&back, text, n - 2), -1);
	/* rotated out after COOKIE_KEYS newer keys */
	for (i = 0; i < COOKIE_KEYS - 1; i++)
		cookie_add_key(&r, (uint32_t)(100 + i), k2, 3000 + i);
	T_EQ(cookie_open(&r, ck_old, sizeof(ck_old), a, b), -1);
	T_EQ(cookie_open(&r, ck, sizeof(ck), a, b), 0);
}

void
test_nts(void)
{
	vector();
	aead_round_trip();
	records();
	fields();
	cookies();
}

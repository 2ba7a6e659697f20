// SPDX-License-Identifier: ISC
/* Tests for core/pkt: header round trips, truncation, RFC 7822 fields. */
#include "core/pkt.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cur.h"
#include "t.h"

static size_t
put_ext(uint8_t *buf, size_t at, uint16_t type, uint16_t len)
{
	struct wcur w;

	wcur_init(&w, buf + at, len);
	wcur_u16(&w, type);
	wcur_u16(&w, len);
	while (w.pos < len)
		wcur_u8(&w, 0xAB);
	return at + len;
}

static void
random_hdr(uint64_t *st, struct pkt_hdr *h)
{
	h->leap = (uint8_t)(t_rand(st) & 3);
	h->version = (uint8_t)(t_rand(st) & 7);
	h->mode = (uint8_t)(t_rand(st) & 7);
	h->stratum = (uint8_t)t_rand(st);
	h->poll = (int8_t)t_rand(st);
	h->precision = (int8_t)t_rand(st);
	h->root_delay = (uint32_t)t_rand(st);
	h->root_disp = (uint32_t)t_rand(st);
	h->refid = (uint32_t)t_rand(st);
	h->ref_ts = t_rand(st);
	h->org_ts = t_rand(st);
	h->rec_ts = t_rand(st);
	h->xmt_ts = t_rand(st);
}

static void
header_round_trip(void)
{
	uint64_t st = t_stats.seed ^ 0x706b74;
	struct pkt_hdr h;
	struct pkt p;
	uint8_t buf[PKT_HDR_LEN];
	int i, bad = 0;

	for (i = 0; i < 10000; i++) {
		random_hdr(&st, &h);
		if (pkt_encode_hdr(&h, buf, sizeof(buf)) != PKT_HDR_LEN ||
		    pkt_decode(buf, sizeof(buf), &p) != PKT_OK ||
		    memcmp(&p.h, &h, sizeof(h)) != 0)
			bad++;
	}
	T_EQ(bad, 0);
	T_EQ(pkt_encode_hdr(&h, buf, 47), 0);
	/* Field placement: first byte LI|VN|mode, transmit at 40. */
	h = (struct pkt_hdr){ .leap = 3,
		.version = 4,
		.mode = 3,
		.xmt_ts = 0x0102030405060708ULL };
	pkt_encode_hdr(&h, buf, sizeof(buf));
	T_EQ(buf[0], 0xE3);
	T_EQ(buf[40], 1);
	T_EQ(buf[47], 8);
	pkt_set_xmt(buf, 0x1112131415161718ULL);
	T_EQ(buf[40], 0x11);
	T_EQ(buf[47], 0x18);
}

/* Each length below 48 is short; the decoder sees only a heap copy of
 * exactly that many bytes, so ASan catches any over-read. */
static void
truncation(void)
{
	uint8_t full[200] = { 0x23 };
	size_t n, len = put_ext(full, PKT_HDR_LEN, 0x0104, 32);
	struct pkt p;
	int bad = 0;

	memset(full + len, 0, PKT_MAC_MD5_LEN);
	len += PKT_MAC_MD5_LEN;
	for (n = 0; n <= len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		enum pkt_err e;

		memcpy(copy, full, n);
		e = pkt_decode(copy, n, &p);
		if (n < PKT_HDR_LEN && e != PKT_ERR_SHORT)
			bad++;
		if (n == len && (e != PKT_OK || p.n_ext != 1 || !p.has_mac))
			bad++;
		free(copy);
	}
	T_EQ(bad, 0);
	T_EQ(pkt_decode(full, 48, &p), PKT_OK);
	T_EQ(p.n_ext, 0);
	T_EQ(p.has_mac, 0);
}

static void
extensions(void)
{
	uint8_t b[512] = { 0x23 };
	struct pkt p;
	size_t n;
	int i;

	n = put_ext(b, PKT_HDR_LEN, 0x0104, 28);
	T_EQ(pkt_decode(b, n, &p), PKT_OK);
	T_EQ(p.n_ext, 1);
	T_EQ(p.ext[0].type, 0x0104);
	T_EQ(p.ext[0].offset, PKT_HDR_LEN);
	/* A last field shorter than 28 bytes without a MAC is invalid. */
	n = put_ext(b, PKT_HDR_LEN, 0x0104, 16);
	T_EQ(pkt_decode(b, n, &p), PKT_ERR_EXT);
	/* ...but fine when a MAC follows. */
	memset(b + n, 0, PKT_MAC_SHA1_LEN);
	T_EQ(pkt_decode(b, n + PKT_MAC_SHA1_LEN, &p), PKT_OK);
	T_EQ(p.mac_len, PKT_MAC_SHA1_LEN);
	/* Length not a multiple of 4, below 16, or past the end. */
	n = put_ext(b, PKT_HDR_LEN, 1, 32);
	b[PKT_HDR_LEN + 3] = 30;
	T_EQ(pkt_decode(b, n, &p), PKT_ERR_EXT);
	b[PKT_HDR_LEN + 3] = 12;
	T_EQ(pkt_decode(b, n, &p), PKT_ERR_EXT);
	b[PKT_HDR_LEN + 2] = 1; /* 268 > 32 available */
	T_EQ(pkt_decode(b, n, &p), PKT_ERR_EXT);
	b[PKT_HDR_LEN + 2] = 0;
	b[PKT_HDR_LEN + 3] = 0;
	T_EQ(pkt_decode(b, n, &p), PKT_ERR_EXT);
	/* Odd trailing bytes. */
	T_EQ(pkt_decode(b, PKT_HDR_LEN + 3, &p), PKT_ERR_TRAILING);
	T_EQ(pkt_decode(b, PKT_HDR_LEN + 10, &p), PKT_ERR_TRAILING);
	/* Crypto-NAK: four zero bytes after the header. */
	memset(b + PKT_HDR_LEN, 0, 4);
	T_EQ(pkt_decode(b, PKT_HDR_LEN + 4, &p), PKT_OK);
	T_EQ(p.has_mac, 1);
	T_EQ(p.key_id, 0);
	/* Too many fields. */
	for (n = PKT_HDR_LEN, i = 0; i <= PKT_MAX_EXT; i++)
		n = put_ext(b, n, 2, 32);
	T_EQ(pkt_decode(b, n, &p), PKT_ERR_TOO_MANY);
	T_CHECK(pkt_err_str(PKT_ERR_EXT)[0] != '?');
}

static void
refids(void)
{
	char s[5];

	T_CHECK(pkt_refid_str("LOCL") == 0x4C4F434Cu);
	pkt_refid_ascii(0x4C4F434Cu, s);
	T_CHECK(strcmp(s, "LOCL") == 0);
	pkt_refid_ascii(pkt_refid_str("GPS"), s);
	T_CHECK(strcmp(s, "GPS") == 0);
	pkt_refid_ascii(0x7F000001u, s);
	T_CHECK(strcmp(s, "?") == 0);
}

/* A header for the encoder tests: 48 bytes of a client request. */
static size_t
request(uint8_t *b, size_t cap)
{
	struct pkt_hdr h = { .version = 4, .mode = PKT_MODE_CLIENT };

	h.xmt_ts = 0x0123456789ABCDEFULL;
	return pkt_encode_hdr(&h, b, cap);
}

/* pkt_put_ext: padding to 4 and to the RFC 7822 minimum lengths, and
 * what it writes decodes back to the same fields. */
static void
encode_ext(void)
{
	static const uint8_t v[5] = { 1, 2, 3, 4, 5 };
	uint8_t b[256];
	struct pkt p;
	size_t n = request(b, sizeof(b));

	T_EQ(pkt_put_ext(b, &n, sizeof(b), 0x0104, v, 5, 0), 0);
	T_EQ(n, PKT_HDR_LEN + PKT_EXT_MIN_LEN); /* 4 + 5 -> 16 */
	T_EQ(pkt_put_ext(b, &n, sizeof(b), 0x0204, NULL, 0, 0), 0);
	T_EQ(n, PKT_HDR_LEN + 2 * PKT_EXT_MIN_LEN);
	T_EQ(pkt_put_ext(b, &n, sizeof(b), 0x0404, v, 5, 1), 0);
	T_EQ(n, PKT_HDR_LEN + 2 * PKT_EXT_MIN_LEN + PKT_EXT_LAST_MIN_LEN);
	T_EQ(pkt_decode(b, n, &p), PKT_OK);
	T_EQ(p.n_ext, 3);
	T_EQ(p.has_mac, 0);
	T_EQ(p.ext[0].type, 0x0104);
	T_EQ(p.ext[0].len, 16);
	T_CHECK(memcmp(b + p.ext[0].offset + 4, v, 5) == 0);
	T_EQ(b[p.ext[0].offset + 9], 0); /* zero padding */
	T_EQ(p.ext[2].type, 0x0404);
	T_EQ(p.ext[2].len, PKT_EXT_LAST_MIN_LEN);
	T_EQ(p.h.xmt_ts, 0x0123456789ABCDEFULL);
	/* A value past the minimum is padded to a multiple of 4 only. */
	{
		uint8_t big[37] = { 0 };

		n = request(b, sizeof(b));
		T_EQ(pkt_put_ext(b, &n, sizeof(b), 7, big, 37, 1), 0);
		T_EQ(n, PKT_HDR_LEN + 44);
		T_EQ(pkt_decode(b, n, &p), PKT_OK);
		T_EQ(p.ext[0].len, 44);
	}
}

/* pkt_put_mac after fields, and the bounds: nothing is written past cap
 * or before a header, and a refused field leaves the length alone. */
static void
encode_mac(void)
{
	uint8_t b[PKT_HDR_LEN + PKT_EXT_MIN_LEN + PKT_MAC_SHA1_LEN], d[20];
	struct pkt p;
	size_t n = request(b, sizeof(b)), at;

	memset(d, 0x5A, sizeof(d));
	T_EQ(pkt_put_ext(b, &n, sizeof(b), 9, NULL, 0, 0), 0);
	at = n;
	T_EQ(pkt_put_mac(b, &n, sizeof(b), 42, d, 15), -1); /* no such MAC */
	T_EQ(pkt_put_mac(b, &n, sizeof(b), 42, d, 20), 0);
	T_EQ(n, sizeof(b));
	T_EQ(pkt_decode(b, n, &p), PKT_OK);
	T_EQ(p.n_ext, 1);
	T_EQ(p.has_mac, 1);
	T_EQ(p.key_id, 42);
	T_EQ(p.mac_off, at);
	T_EQ(p.mac_len, PKT_MAC_SHA1_LEN);
	/* Full: another field or MAC is refused, n and the bytes unchanged. */
	T_EQ(pkt_put_mac(b, &n, sizeof(b), 0, NULL, 0), -1);
	T_EQ(pkt_put_ext(b, &n, sizeof(b), 9, NULL, 0, 0), -1);
	T_EQ(n, sizeof(b));
	/* One byte short of a field, of a MAC; no header yet; too long. */
	n = PKT_HDR_LEN;
	T_EQ(pkt_put_ext(b, &n, PKT_HDR_LEN + 15, 9, NULL, 0, 0), -1);
	T_EQ(pkt_put_mac(b, &n, PKT_HDR_LEN + 19, 1, d, 16), -1);
	T_EQ(n, PKT_HDR_LEN);
	T_EQ(pkt_put_mac(b, &n, PKT_HDR_LEN + 20, 1, d, 16), 0);
	T_EQ(pkt_decode(b, n, &p), PKT_OK);
	T_EQ(p.mac_len, PKT_MAC_MD5_LEN);
	n = 0;
	T_EQ(pkt_put_ext(b, &n, sizeof(b), 9, NULL, 0, 0), -1);
	T_EQ(pkt_put_mac(b, &n, sizeof(b), 0, NULL, 0), -1);
	n = PKT_HDR_LEN;
	T_EQ(pkt_put_ext(b, &n, SIZE_MAX, 9, d, PKT_EXT_MAX_LEN, 0), -1);
	/* A crypto-NAK: key id 0 alone. */
	n = request(b, sizeof(b));
	T_EQ(pkt_put_mac(b, &n, sizeof(b), 0, NULL, 0), 0);
	T_EQ(pkt_decode(b, n, &p), PKT_OK);
	T_EQ(p.mac_len, PKT_CRYPTO_NAK_LEN);
}

void
test_pkt(void)
{
	header_round_trip();
	truncation();
	extensions();
	encode_ext();
	encode_mac();
	refids();
}

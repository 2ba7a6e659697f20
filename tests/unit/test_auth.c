// SPDX-License-Identifier: ISC
/* Tests for auth/keys (the key file) and auth/mac (NTP MACs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/keys.h"
#include "auth/mac.h"
#include "core/pkt.h"
#include "core/srv.h"
#include "t.h"

/* The key file of ../shared/INTEROP-AUTH-MODE6.md, which chronyd 4.3 and
 * NTPsec 1.2.2 both read with these secrets. */
static const char good_file[] =
    "# ntp.keys\n"
    "1 MD5 md5secretkey01\n"
    "2 SHA1 D98B7740CF6FF94D9A50C05F7249B78942092CE9\n"
    "3 AES EBA53178B20A2500494B882FEF03FB6D\n"
    "\n"
    "   4\tAES128CMAC  EBA53178B20A2500494B882FEF03FB6D  # cmac\n"
    "65535 m abc\n"
    "10 sha1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
    "ef\n";

static int
parse(struct keys *ks, const char *text, char *err)
{
	keys_init(ks);
	err[0] = '\0';
	return keys_parse(ks, "k", text, strlen(text), err, KEYS_ERR_MAX);
}

static int
parse_err(const char *text, const char *want)
{
	static struct keys ks;
	char err[KEYS_ERR_MAX];

	if (parse(&ks, text, err) == 0)
		return 0;
	if (strcmp(err, want) != 0) {
		fprintf(stderr, "    got '%s'\n    want '%s'\n", err, want);
		return 0;
	}
	return 1;
}

static void
test_parse(void)
{
	static struct keys ks;
	const struct keys_entry *k;
	char err[KEYS_ERR_MAX];
	uint32_t trust[3] = { 1, 4, 99 };

	T_EQ(parse(&ks, good_file, err), 0);
	T_EQ(ks.n, 6);
	k = keys_find(&ks, 1);
	T_CHECK(k != NULL && k->type == KEYS_MD5 && k->len == 14 &&
	    memcmp(k->secret, "md5secretkey01", 14) == 0);
	k = keys_find(&ks, 2);
	T_CHECK(k != NULL && k->type == KEYS_SHA1 && k->len == 20 &&
	    k->secret[0] == 0xd9 && k->secret[19] == 0xe9);
	k = keys_find(&ks, 3);
	T_CHECK(k != NULL && k->type == KEYS_CMAC && k->len == 16);
	T_CHECK(keys_find(&ks, 4) != NULL && keys_find(&ks, 4)->len == 16);
	k = keys_find(&ks, 65535);
	T_CHECK(k != NULL && k->type == KEYS_MD5 && k->len == 3);
	k = keys_find(&ks, 10);
	T_CHECK(k != NULL && k->len == 32 && k->secret[31] == 0xef);
	T_CHECK(keys_find(&ks, 5) == NULL);
	/* Nothing is trusted until trustedkey says so; unknown ids are
	 * counted for a warning. */
	T_CHECK(keys_trusted(&ks, 1) == NULL);
	T_EQ(keys_trust(&ks, trust, 3), 1);
	T_EQ(ks.n_trusted, 2);
	T_CHECK(keys_trusted(&ks, 1) != NULL);
	T_CHECK(keys_trusted(&ks, 2) == NULL);
	T_EQ(keys_trust(&ks, trust, 2), 0);
	T_EQ(ks.n_trusted, 2);
	T_EQ(parse(&ks, "", err), 0);
	T_EQ(ks.n, 0);

	T_CHECK(parse_err("1 SHA256 abc\n",
	    "k:1: key 1: unsupported type 'SHA256' (MD5, SHA1, AES128CMAC)"));
	T_CHECK(
	    parse_err("\n0 MD5 abc\n", "k:2: invalid key id '0' (1..65535)"));
	T_CHECK(parse_err("65536 MD5 abc\n",
	    "k:1: invalid key id '65536' (1..65535)"));
	T_CHECK(parse_err("x MD5 abc\n", "k:1: invalid key id 'x' (1..65535)"));
	T_CHECK(parse_err("1 MD5\n", "k:1: key 1: expected 'ID TYPE KEY'"));
	T_CHECK(parse_err("1 MD5 a\n2 MD5 b\n1 SHA1 c\n",
	    "k:3: key 1 defined twice"));
	T_CHECK(parse_err("1 MD5 0123456789abcdef0123X\n",
	    "k:1: key 1: hex key (longer than 20 characters) has an odd "
	    "number of digits"));
	T_CHECK(parse_err("1 MD5 0123456789abcdef0123XY\n",
	    "k:1: key 1: key longer than 20 characters is not hex"));
	T_CHECK(parse_err("1 MD5 "
	                  "0123456789abcdef0123456789abcdef0123456789abcdef"
	                  "0123456789abcdef00\n",
	    "k:1: key 1: hex key longer than 64 digits (32 bytes)"));
	T_CHECK(parse_err("3 AES 0123456789abcdef0123456789abcdef0123\n",
	    "k:1: key 3: an AES128CMAC key is 16 bytes (16 ASCII characters "
	    "or 32 hex digits), not 18"));
	T_CHECK(parse_err("3 AES short\n",
	    "k:1: key 3: an AES128CMAC key is 16 bytes (16 ASCII characters "
	    "or 32 hex digits), not 5"));
	T_CHECK(parse_err("3 MD5 ab\x01\n",
	    "k:1: key 3: ASCII key has a non-printable character"));
}

static void
test_load(void)
{
	static struct keys ks;
	char path[] = "/tmp/stratum-unit-keys.XXXXXX";
	char err[KEYS_ERR_MAX];
	int fd, wr = -1;

	fd = mkstemp(path);
	T_CHECK(fd >= 0);
	if (fd < 0)
		return;
	T_EQ(write(fd, good_file, strlen(good_file)),
	    (long long)strlen(good_file));
	close(fd);
	T_EQ(chmod(path, 0600), 0);
	T_EQ(keys_load(&ks, path, &wr, err, sizeof(err)), 0);
	T_EQ(wr, 0);
	T_EQ(ks.n, 6);
	T_EQ(chmod(path, 0644), 0);
	T_EQ(keys_load(&ks, path, &wr, err, sizeof(err)), 0);
	T_EQ(wr, 1);
	unlink(path);
	T_EQ(keys_load(&ks, path, &wr, err, sizeof(err)), -1);
	T_CHECK(strstr(err, "cannot open key file: No such file") != NULL);
	T_EQ(keys_load(&ks, "/tmp", &wr, err, sizeof(err)), -1);
	T_CHECK(strcmp(err, "/tmp: not a regular file") == 0);
}

static void
hex(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;

		(void)sscanf(s + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

/* Known answers, computed independently with the openssl command:
 *   (printf 'md5secretkey01'; cat pkt) | openssl dgst -md5
 *   (printf '<key 2 bytes>'; cat pkt) | openssl dgst -sha1
 *   openssl mac -cipher AES-128-CBC -macopt hexkey:EBA5...FB6D -in pkt CMAC
 * with pkt the 48 bytes 0, 1, ... 47; and RFC 4493's example 2 for
 * AES-CMAC, RFC 1321's and FIPS 180's "abc" for MD5 and SHA1. */
static void
test_known_answers(const struct mac *m)
{
	static struct keys ks;
	struct keys_entry k = { .id = 9 };
	char err[KEYS_ERR_MAX];
	uint8_t pkt[48], d[MAC_DIGEST_MAX], want[20];
	const uint8_t msg[16] = { 0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f,
		0x96, 0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a };

	for (int i = 0; i < 48; i++)
		pkt[i] = (uint8_t)i;
	T_EQ(parse(&ks, good_file, err), 0);
	T_EQ(mac_digest(m, keys_find(&ks, 1), pkt, 48, d), 0);
	hex("20f3dd02ca43d843c00991ff4a6c55c6", want, 16);
	T_CHECK(memcmp(d, want, 16) == 0);
	T_EQ(mac_digest(m, keys_find(&ks, 2), pkt, 48, d), 0);
	hex("febb9ba4a819c6e507ef62c123d8b37d9c70c5f4", want, 20);
	T_CHECK(memcmp(d, want, 20) == 0);
	T_EQ(mac_digest(m, keys_find(&ks, 3), pkt, 48, d), 0);
	hex("ef022fb52332c4de416e27050f5b36b4", want, 16);
	T_CHECK(memcmp(d, want, 16) == 0);

	k.type = KEYS_CMAC;
	k.len = 16;
	hex("2b7e151628aed2a6abf7158809cf4f3c", k.secret, 16);
	T_EQ(mac_digest(m, &k, msg, 16, d), 0);
	hex("070a16b46b4d4144f79bdd9dd04a287c", want, 16);
	T_CHECK(memcmp(d, want, 16) == 0);
	k.type = KEYS_MD5;
	k.len = 1;
	k.secret[0] = 'a';
	T_EQ(mac_digest(m, &k, (const uint8_t *)"bc", 2, d), 0);
	hex("900150983cd24fb0d6963f7d28e17f72", want, 16);
	T_CHECK(memcmp(d, want, 16) == 0);
	k.type = KEYS_SHA1;
	T_EQ(mac_digest(m, &k, (const uint8_t *)"bc", 2, d), 0);
	hex("a9993e364706816aba3e25717850c26c9cd0d89d", want, 20);
	T_CHECK(memcmp(d, want, 20) == 0);
}

/* Sign a request with key id, check it verifies, that every single
 * flipped bit fails, and the other verdicts. */
static void
round_trip(const struct mac *m, const struct keys *ks, uint32_t id,
    size_t want_len)
{
	uint8_t pkt[96], bad[96];
	size_t len = 48, i;
	const struct keys_entry *got = NULL;
	uint32_t kid = 0;
	int fails = 0;

	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x23;
	pkt[47] = (uint8_t)id;
	T_EQ(mac_sign(m, keys_find(ks, id), pkt, &len, sizeof(pkt)), 0);
	T_EQ(len, want_len);
	T_EQ(pkt[48] << 24 | pkt[49] << 16 | pkt[50] << 8 | pkt[51], id);
	T_EQ(mac_verify(m, ks, 0, pkt, len, &got, &kid), MAC_OK);
	T_CHECK(got == keys_find(ks, id));
	T_EQ(kid, id);
	T_EQ(mac_verify(m, ks, id, pkt, len, NULL, &kid), MAC_OK);
	T_EQ(mac_verify(m, ks, id == 1 ? 2 : 1, pkt, len, NULL, &kid),
	    MAC_WRONG_KEY);
	for (i = 0; i < len * 8; i++) {
		memcpy(bad, pkt, len);
		bad[i / 8] ^= (uint8_t)(1u << (i % 8));
		fails += mac_verify(m, ks, 0, bad, len, NULL, &kid) != MAC_OK;
	}
	T_EQ(fails, (long long)(len * 8));
	/* No room: nothing appended. */
	len = 48;
	T_EQ(mac_sign(m, keys_find(ks, id), pkt, &len, want_len - 1), -1);
	T_EQ(len, 48);
}

static void
test_verify(const struct mac *m)
{
	static struct keys ks;
	char err[KEYS_ERR_MAX];
	uint32_t trust[] = { 1, 2, 3, 4, 10 }, kid;
	uint8_t pkt[96] = { 0x23 };
	size_t len = 48;

	T_EQ(parse(&ks, good_file, err), 0);
	(void)keys_trust(&ks, trust, 5);
	round_trip(m, &ks, 1, 68);
	round_trip(m, &ks, 2, 72);
	round_trip(m, &ks, 3, 68);
	round_trip(m, &ks, 4, 68);
	round_trip(m, &ks, 10, 72);

	T_EQ(mac_verify(m, &ks, 0, pkt, 48, NULL, &kid), MAC_NONE);
	T_EQ(mac_verify(m, &ks, 0, pkt, 20, NULL, &kid), MAC_MALFORMED);
	T_EQ(pkt_put_mac(pkt, &len, sizeof(pkt), 0, NULL, 0), 0);
	T_EQ(mac_verify(m, &ks, 1, pkt, len, NULL, &kid), MAC_CRYPTO_NAK);
	/* Key 65535 exists but is not trusted; 77 does not exist. */
	len = 48;
	T_EQ(mac_sign(m, keys_find(&ks, 65535), pkt, &len, sizeof(pkt)), 0);
	T_EQ(mac_verify(m, &ks, 0, pkt, len, NULL, &kid), MAC_UNKNOWN_KEY);
	T_EQ(kid, 65535);
	pkt[51] = 77;
	pkt[50] = 0;
	T_EQ(mac_verify(m, &ks, 0, pkt, len, NULL, &kid), MAC_UNKNOWN_KEY);
	/* An MD5-length MAC naming the SHA1 key. */
	pkt[51] = 2;
	T_EQ(mac_verify(m, &ks, 0, pkt, len, NULL, &kid), MAC_BAD_LENGTH);
	/* Key 1 and key 4 differ: a MAC under one is bad under the other
	 * even with the id rewritten. */
	len = 48;
	T_EQ(mac_sign(m, keys_find(&ks, 1), pkt, &len, sizeof(pkt)), 0);
	pkt[51] = 4;
	T_EQ(mac_verify(m, &ks, 0, pkt, len, NULL, &kid), MAC_BAD);
	T_CHECK(strcmp(mac_verdict_str(MAC_BAD), "bad MAC") == 0);
}

/* The server's signed path as daemon/engine runs it: a request that
 * verifies gets srv's reply, re-signed after the header with the same
 * key within the request's length.  Over random requests (header,
 * 0-3 extension fields, a MAC under each key), the reply always fits,
 * verifies under that key, and is never longer than the request. */
static void
test_signed_replies(const struct mac *m)
{
	static struct keys ks;
	static const uint32_t ids[] = { 1, 2, 3, 10 };
	char err[KEYS_ERR_MAX];
	uint32_t trust[] = { 1, 2, 3, 10 }, kid;
	uint64_t rng = t_stats.seed ^ 0x5eed;
	struct srv_sys sys;
	int bad = 0;

	T_EQ(parse(&ks, good_file, err), 0);
	(void)keys_trust(&ks, trust, 4);
	srv_sys_unsync(&sys, -20);
	for (int i = 0; i < 2000; i++) {
		const struct keys_entry *k = keys_find(&ks, ids[i % 4]), *got;
		uint8_t req[512] = { 0x23 }, rep[512], v[64] = { 0 };
		size_t len = 48, n = 0, ext = t_rand(&rng) % 4;

		for (size_t e = 0; e < ext; e++)
			(void)pkt_put_ext(req, &len, sizeof(req),
			    (uint16_t)(0x2000 + e), v,
			    (size_t)(t_rand(&rng) % 40), 0);
		pkt_set_xmt(req, t_rand(&rng));
		if (mac_sign(m, k, req, &len, sizeof(req)) != 0 ||
		    mac_verify(m, &ks, 0, req, len, &got, &kid) != MAC_OK ||
		    srv_respond(&sys, req, len, 1, rep, sizeof(rep), &n) !=
		        SRV_REPLY) {
			bad++;
			continue;
		}
		n = PKT_HDR_LEN;
		if (mac_sign(m, got, rep, &n, len) != 0 || n > len ||
		    mac_verify(m, &ks, k->id, rep, n, NULL, &kid) != MAC_OK)
			bad++;
	}
	T_EQ(bad, 0);
}

void
test_auth(void)
{
	struct mac m;
	char err[256];

	test_parse();
	test_load();
	if (mac_init(&m, err, sizeof(err)) != 0)
		fprintf(stderr, "    mac_init: %s\n", err);
	T_EQ(m.md5 != NULL, 1);
	test_known_answers(&m);
	test_verify(&m);
	test_signed_replies(&m);
	mac_free(&m);
}

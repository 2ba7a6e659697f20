// SPDX-License-Identifier: ISC
/* Tests for core/md5: RFC 1321 vectors, padding boundaries, IPv6 refid. */
#include "core/md5.h"

#include <stdio.h>
#include <string.h>

#include "t.h"

/* Digest of len bytes as lower-case hex. */
static void
hex_digest(const uint8_t *p, size_t len, char out[33])
{
	uint8_t d[16];
	int i;

	md5_digest(p, len, d);
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static int
digest_is(const char *msg, const char *want)
{
	char got[33];

	hex_digest((const uint8_t *)msg, strlen(msg), got);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "    md5(\"%s\") = %s\n", msg, got);
	return strcmp(got, want) == 0;
}

/* RFC 1321 appendix A.5. */
static void
rfc1321_suite(void)
{
	T_CHECK(digest_is("", "d41d8cd98f00b204e9800998ecf8427e"));
	T_CHECK(digest_is("a", "0cc175b9c0f1b6a831c399e269772661"));
	T_CHECK(digest_is("abc", "900150983cd24fb0d6963f7d28e17f72"));
	T_CHECK(
	    digest_is("message digest", "f96b697d7cb7938d525a2f31aaf161d0"));
	T_CHECK(digest_is("abcdefghijklmnopqrstuvwxyz",
	    "c3fcd3d76192e4007dfb496cca67e13b"));
	T_CHECK(digest_is("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                  "0123456789",
	    "d174ab98d277d9f5a5611c2c9f419d9f"));
	T_CHECK(digest_is("1234567890123456789012345678901234567890"
	                  "1234567890123456789012345678901234567890",
	    "57edf4a22be3c955ac49da2e2107b67a"));
}

/*
 * n times 'a' around the padding boundaries: 55 bytes still take one
 * block, 56 need a second; 63/64/65 straddle the block size.  Expected
 * values from `printf '%Ns' | tr ' ' a | md5sum`.
 */
static void
boundaries(void)
{
	static const struct {
		size_t n;
		const char *want;
	} v[] = {
		{ 55, "ef1772b6dff9a122358552954ad0df65" },
		{ 56, "3b0c8ac703f828b04c6c197006d17218" },
		{ 63, "b06521f39153d618550606be297466d5" },
		{ 64, "014842d480b571495a4a0363793f7367" },
		{ 65, "c743a45e0d2e6a95cb859adae0248435" },
	};
	uint8_t buf[65];
	char got[33];
	size_t i;

	memset(buf, 'a', sizeof(buf));
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		hex_digest(buf, v[i].n, got);
		T_CHECK(strcmp(got, v[i].want) == 0);
	}
}

/* The digest reads exactly len bytes: what follows does not matter. */
static void
reads_len_only(void)
{
	uint8_t a[70], b[70], da[16], db[16];

	memset(a, 'a', sizeof(a));
	memset(b, 'a', sizeof(b));
	b[56] = 'z';
	md5_digest(a, 56, da);
	md5_digest(b, 56, db);
	T_CHECK(memcmp(da, db, 16) == 0);
	md5_digest(b, 57, db);
	T_CHECK(memcmp(da, db, 16) != 0);
}

/* RFC 5905 section 7.3: first four octets of MD5(::1) = cf404dc8...,
 * per `printf '\0...\1' | md5sum`. */
static void
refid6(void)
{
	uint8_t lo[16] = { 0 }, d[16];

	lo[15] = 1;
	md5_digest(lo, 16, d);
	T_CHECK(md5_refid6(lo) == 0xcf404dc8u);
	T_CHECK(md5_refid6(lo) ==
	    ((uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 |
	        d[3]));
	lo[0] = 0x20; /* another address, another refid */
	T_CHECK(md5_refid6(lo) != 0xcf404dc8u);
}

void
test_md5(void)
{
	rfc1321_suite();
	boundaries();
	reads_len_only();
	refid6();
}

// SPDX-License-Identifier: ISC
/* mac: NTP symmetric-key MACs over libcrypto (the contract is in mac.h). */
#include "auth/mac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <string.h>

#include "core/pkt.h"

static void
ossl_err(char *err, size_t errsz, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	else
		(void)snprintf(buf, sizeof(buf), "no detail");
	(void)snprintf(err, errsz, "libcrypto: %s: %s", what, buf);
	ERR_clear_error();
}

int
mac_init(struct mac *m, char *err, size_t errsz)
{
	static const uint8_t probe_key[16] = { 1 };
	static const enum keys_type types[3] = { KEYS_MD5, KEYS_SHA1,
		KEYS_CMAC };
	int i;
	struct keys_entry k = { .id = 1, .len = sizeof(probe_key) };
	uint8_t out[MAC_DIGEST_MAX];

	memset(m, 0, sizeof(*m));
	m->md5 = EVP_MD_fetch(NULL, "MD5", NULL);
	m->sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	m->cmac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	if (m->md5 == NULL || m->sha1 == NULL || m->cmac == NULL) {
		ossl_err(err, errsz, "MD5, SHA1 or CMAC not available");
		mac_free(m);
		return -1;
	}
	/* Once each now, so that nothing is loaded lazily later, after
	 * the privilege drop and under the seccomp allow-list. */
	memcpy(k.secret, probe_key, sizeof(probe_key));
	for (i = 0; i < 3; i++) {
		k.type = types[i];
		if (mac_digest(m, &k, probe_key, sizeof(probe_key), out) != 0) {
			ossl_err(err, errsz, keys_type_name(k.type));
			mac_free(m);
			return -1;
		}
	}
	return 0;
}

void
mac_free(struct mac *m)
{
	EVP_MAC_free(m->cmac);
	EVP_MD_free(m->sha1);
	EVP_MD_free(m->md5);
	memset(m, 0, sizeof(*m));
}

/* RFC 5905 appendix A.4 (MD5) and ntpd's SHA1: digest(secret || data). */
static int
digest(const EVP_MD *md, const struct keys_entry *k, const uint8_t *data,
    size_t len, uint8_t *out)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok;

	if (c == NULL)
		return -1;
	ok = EVP_DigestInit_ex2(c, md, NULL) == 1 &&
	    EVP_DigestUpdate(c, k->secret, k->len) == 1 &&
	    EVP_DigestUpdate(c, data, len) == 1 &&
	    EVP_DigestFinal_ex(c, out, &n) == 1 &&
	    n == keys_digest_len(k->type);
	EVP_MD_CTX_free(c);
	return ok ? 0 : -1;
}

/* RFC 8573: AES-CMAC (RFC 4493) keyed with the secret, over the data. */
static int
cmac(const struct mac *m, const struct keys_entry *k, const uint8_t *data,
    size_t len, uint8_t *out)
{
	EVP_MAC_CTX *c = EVP_MAC_CTX_new(m->cmac);
	char cipher[] = "AES-128-CBC";
	OSSL_PARAM params[2];
	size_t n = 0;
	int ok;

	if (c == NULL)
		return -1;
	params[0] =
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = EVP_MAC_init(c, k->secret, k->len, params) == 1 &&
	    EVP_MAC_update(c, data, len) == 1 &&
	    EVP_MAC_final(c, out, &n, MAC_DIGEST_MAX) == 1 && n == 16;
	EVP_MAC_CTX_free(c);
	return ok ? 0 : -1;
}

int
mac_digest(const struct mac *m, const struct keys_entry *k, const uint8_t *data,
    size_t len, uint8_t *out)
{
	int rc = -1;

	switch (k->type) {
	case KEYS_MD5:
		rc = digest(m->md5, k, data, len, out);
		break;
	case KEYS_SHA1:
		rc = digest(m->sha1, k, data, len, out);
		break;
	case KEYS_CMAC:
		rc = cmac(m, k, data, len, out);
		break;
	}
	if (rc != 0)
		ERR_clear_error();
	return rc;
}

int
mac_sign(const struct mac *m, const struct keys_entry *k, uint8_t *pkt,
    size_t *len, size_t cap)
{
	uint8_t d[MAC_DIGEST_MAX];
	size_t n = keys_digest_len(k->type);

	if (*len < PKT_HDR_LEN || *len > cap || cap - *len < 4 + n)
		return -1;
	if (mac_digest(m, k, pkt, *len, d) != 0)
		return -1;
	return pkt_put_mac(pkt, len, cap, k->id, d, n);
}

enum mac_verdict
mac_verify(const struct mac *m, const struct keys *ks, uint32_t want_id,
    const uint8_t *pkt, size_t len, const struct keys_entry **key,
    uint32_t *key_id)
{
	const struct keys_entry *k;
	uint8_t d[MAC_DIGEST_MAX];
	struct pkt p;

	if (key != NULL)
		*key = NULL;
	*key_id = 0;
	if (pkt_decode(pkt, len, &p) != PKT_OK)
		return MAC_MALFORMED;
	if (!p.has_mac)
		return MAC_NONE;
	*key_id = p.key_id;
	if (p.mac_len == PKT_CRYPTO_NAK_LEN)
		return p.key_id == 0 ? MAC_CRYPTO_NAK : MAC_BAD_LENGTH;
	if (want_id != 0 && p.key_id != want_id)
		return MAC_WRONG_KEY;
	if ((k = keys_trusted(ks, p.key_id)) == NULL)
		return MAC_UNKNOWN_KEY;
	if (p.mac_len != 4 + keys_digest_len(k->type))
		return MAC_BAD_LENGTH;
	if (mac_digest(m, k, pkt, p.mac_off, d) != 0)
		return MAC_BAD;
	/* Constant time: a timing side channel must not reveal how many
	 * leading bytes of a forged digest were right. */
	if (CRYPTO_memcmp(d, pkt + p.mac_off + 4, p.mac_len - 4) != 0)
		return MAC_BAD;
	if (key != NULL)
		*key = k;
	return MAC_OK;
}

const char *
mac_verdict_str(enum mac_verdict v)
{
	switch (v) {
	case MAC_OK:
		return "authentic";
	case MAC_NONE:
		return "no MAC";
	case MAC_CRYPTO_NAK:
		return "crypto-NAK";
	case MAC_UNKNOWN_KEY:
		return "unknown or untrusted key";
	case MAC_WRONG_KEY:
		return "wrong key id";
	case MAC_BAD_LENGTH:
		return "MAC of the wrong length";
	case MAC_BAD:
		return "bad MAC";
	case MAC_MALFORMED:
		return "malformed packet";
	}
	return "?";
}

// SPDX-License-Identifier: ISC
/*
 * aead: AES-SIV-CMAC-256 through nettle (see aead.h for why nettle).
 * nettle's *_message functions take exactly one associated-data string
 * and the nonce, and treat the nonce as the last S2V component, which is
 * the order RFC 8915 section 5.6 prescribes.
 */
#include "nts/aead.h"

#include <string.h>

#include <nettle/siv-cmac.h>

void
aead_seal(const uint8_t key[AEAD_KEY_LEN], const uint8_t *nonce,
    size_t nonce_len, const uint8_t *ad, size_t ad_len, const uint8_t *pt,
    size_t pt_len, uint8_t *out)
{
	struct siv_cmac_aes128_ctx ctx;
	static const uint8_t none[1];

	siv_cmac_aes128_set_key(&ctx, key);
	siv_cmac_aes128_encrypt_message(&ctx, nonce_len, nonce, ad_len,
	    ad_len ? ad : none, pt_len + AEAD_TAG_LEN, out, pt_len ? pt : none);
	memset(&ctx, 0, sizeof(ctx));
}

int
aead_open(const uint8_t key[AEAD_KEY_LEN], const uint8_t *nonce,
    size_t nonce_len, const uint8_t *ad, size_t ad_len, const uint8_t *in,
    size_t in_len, uint8_t *out)
{
	struct siv_cmac_aes128_ctx ctx;
	static const uint8_t none[1];
	uint8_t scratch[1];
	int ok;

	if (in_len < AEAD_TAG_LEN || nonce_len == 0)
		return -1;
	siv_cmac_aes128_set_key(&ctx, key);
	ok = siv_cmac_aes128_decrypt_message(&ctx, nonce_len, nonce, ad_len,
	    ad_len ? ad : none, in_len - AEAD_TAG_LEN,
	    in_len > AEAD_TAG_LEN ? out : scratch, in);
	memset(&ctx, 0, sizeof(ctx));
	if (!ok) {
		memset(out, 0, in_len - AEAD_TAG_LEN);
		return -1;
	}
	return 0;
}

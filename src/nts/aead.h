/* SPDX-License-Identifier: ISC */
/*
 * aead: AEAD_AES_SIV_CMAC_256 (RFC 5297, IANA AEAD id 15), the one AEAD
 * algorithm NTS requires (RFC 8915 section 5.1), through nettle's
 * SIV-CMAC.  Not OpenSSL: OpenSSL 3.0's AES-SIV fails on an empty
 * plaintext, which every NTS client request has (doc/ARCHITECTURE.md).
 *
 * Output layout as on the wire: the 16-byte synthetic IV, then the
 * ciphertext (same length as the plaintext).  The associated data is one
 * component, the nonce the last one (RFC 8915 section 5.6).
 */
#ifndef STRATUM_AEAD_H
#define STRATUM_AEAD_H

#include <stddef.h>
#include <stdint.h>

#define AEAD_SIV_CMAC_256 15 /* IANA AEAD registry */
#define AEAD_KEY_LEN 32      /* two AES-128 keys */
#define AEAD_TAG_LEN 16      /* the synthetic IV */
#define AEAD_NONCE_LEN 16    /* what we send; any length >= 1 is read */

/*
 * Seal pt[0..pt_len) (may be empty) under key with nonce and associated
 * data ad: out[0..AEAD_TAG_LEN + pt_len) gets the SIV then the
 * ciphertext.  out may not overlap pt.  nonce_len must be at least 1.
 */
void aead_seal(const uint8_t key[AEAD_KEY_LEN], const uint8_t *nonce,
    size_t nonce_len, const uint8_t *ad, size_t ad_len, const uint8_t *pt,
    size_t pt_len, uint8_t *out);

/*
 * Open in[0..in_len) (SIV then ciphertext, in_len >= AEAD_TAG_LEN):
 * out[0..in_len - AEAD_TAG_LEN) gets the plaintext.  Returns 0, or -1
 * when the tag does not verify (out is then wiped) or in_len is short.
 */
int aead_open(const uint8_t key[AEAD_KEY_LEN], const uint8_t *nonce,
    size_t nonce_len, const uint8_t *ad, size_t ad_len, const uint8_t *in,
    size_t in_len, uint8_t *out);

#endif

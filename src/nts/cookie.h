/* SPDX-License-Identifier: ISC */
/*
 * cookie: the NTS server's cookies (RFC 8915 section 6) and the keys
 * that seal them.  A cookie is the key id (4 bytes), a nonce (16), and
 * the AEAD_AES_SIV_CMAC_256 seal (16-byte SIV + 64 bytes) of the client's
 * C2S and S2C keys: 100 bytes, opaque to clients.  The server keeps
 * COOKIE_KEYS keys: the newest seals, all of them open, so a cookie stays
 * valid for COOKIE_KEYS - 1 to COOKIE_KEYS rotation intervals.
 *
 * Pure: keys and nonces come from the caller; cookie_format/cookie_load
 * turn the ring into text and back so the shell can keep it in a file.
 */
#ifndef STRATUM_COOKIE_H
#define STRATUM_COOKIE_H

#include <stddef.h>
#include <stdint.h>

#include "nts/aead.h"

#define COOKIE_KEYS 3
#define COOKIE_LEN (4 + AEAD_NONCE_LEN + AEAD_TAG_LEN + 2 * AEAD_KEY_LEN)
#define COOKIE_TEXT_MAX 512 /* cookie_format's output, with its NUL */

struct cookie_key {
	uint32_t id;
	uint8_t key[AEAD_KEY_LEN];
	int64_t made_s; /* when it was made (Unix seconds) */
};

/* The server's keys, oldest first; k[n - 1] seals. */
struct cookie_ring {
	struct cookie_key k[COOKIE_KEYS];
	int n;
};

/* Add a key that becomes the sealing one, dropping the oldest when the
 * ring is full.  An id already in the ring is replaced by id + 1 (ids
 * must stay unique: they say which key opens a cookie). */
void cookie_add_key(struct cookie_ring *r, uint32_t id,
    const uint8_t key[AEAD_KEY_LEN], int64_t made_s);

/* Seal the keys of one client into out[0..COOKIE_LEN) with nonce (fresh
 * random bytes).  -1 when the ring has no key. */
int cookie_seal(const struct cookie_ring *r, const uint8_t c2s[AEAD_KEY_LEN],
    const uint8_t s2c[AEAD_KEY_LEN], const uint8_t nonce[AEAD_NONCE_LEN],
    uint8_t *out);

/* Open a cookie: 0 with the client's keys, -1 when it has the wrong
 * length, an unknown key id (expired) or does not verify. */
int cookie_open(const struct cookie_ring *r, const uint8_t *cookie, size_t len,
    uint8_t c2s[AEAD_KEY_LEN], uint8_t s2c[AEAD_KEY_LEN]);

/* The ring as text: a "stratum-nts-keys 1" line, then "id key made"
 * (hex, hex, decimal) per key, oldest first.  Returns the length. */
size_t cookie_format(const struct cookie_ring *r, char *buf, size_t cap);

/* Read cookie_format's text into *r.  0, or -1 (r emptied) on anything
 * malformed. */
int cookie_load(struct cookie_ring *r, const char *text, size_t len);

#endif

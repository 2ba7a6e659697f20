/* SPDX-License-Identifier: ISC */
/*
 * ef: the NTS extension fields of NTP packets (RFC 8915 section 5):
 * Unique Identifier (0x0104), NTS Cookie (0x0204), Cookie Placeholder
 * (0x0304) and the Authenticator and Encrypted Extension Fields (0x0404).
 * Pure: finds and writes fields; the AEAD itself is the caller's.  A
 * parsed view points into the caller's packet.
 *
 * A field is type u16, length u16 (the whole field, a multiple of 4, at
 * least 4), then the body.  The authenticator's body is nonce length
 * u16, ciphertext length u16, the nonce and the ciphertext, each padded
 * with zeros to a multiple of 4.  The associated data of the AEAD is the
 * packet from its first byte up to the authenticator field.
 */
#ifndef STRATUM_EF_H
#define STRATUM_EF_H

#include <stddef.h>
#include <stdint.h>

#define EF_UID 0x0104
#define EF_COOKIE 0x0204
#define EF_PLACEHOLDER 0x0304
#define EF_AUTH 0x0404
#define EF_UID_MIN 32    /* unique identifier bytes (section 5.3) */
#define EF_MAX_FIELDS 32 /* fields read per packet */
#define EF_MAX_COOKIES 8 /* cookies taken from one reply */

struct ef_view {
	const uint8_t *p;
	size_t len;
};

/* What a packet's NTS fields say (ef_parse). */
struct ef_pkt {
	int n_uid, n_cookie, n_auth;
	struct ef_view uid;       /* body of the (first) unique identifier */
	struct ef_view cookie;    /* body of the (first) cookie */
	int n_placeholders;       /* before the authenticator */
	size_t placeholder_len;   /* body bytes of them all */
	size_t auth_off;          /* offset of the authenticator field */
	struct ef_view nonce, ct; /* from the authenticator */
	int after_auth;           /* fields after it (unauthenticated) */
};

enum ef_res {
	EF_OK,
	EF_NONE, /* no NTS field at all: an ordinary packet */
	EF_BAD,  /* malformed fields or authenticator */
};

/* Find the NTS fields of pkt[0..len) (len > 48).  EF_OK needs only that
 * the fields parse; what must be present is the caller's rule. */
enum ef_res ef_parse(const uint8_t *pkt, size_t len, struct ef_pkt *out);

/* Append a field of type with body[0..blen) padded to a multiple of 4
 * (body NULL: zeros).  0, or -1 (nothing written) past cap. */
int ef_put(uint8_t *pkt, size_t *len, size_t cap, uint16_t type,
    const uint8_t *body, size_t blen);

/* The length of the authenticator field for a nonce and a sealed
 * ciphertext (SIV included) of these sizes. */
size_t ef_auth_len(size_t nonce_len, size_t ct_len);

/* Append the authenticator field.  0, or -1 past cap. */
int ef_put_auth(uint8_t *pkt, size_t *len, size_t cap, const uint8_t *nonce,
    size_t nonce_len, const uint8_t *ct, size_t ct_len);

/* The cookies among the fields of a decrypted plaintext pt[0..len): up to
 * max, into out.  Returns how many, or -1 if the plaintext is not a
 * sequence of fields. */
int ef_cookies(const uint8_t *pt, size_t len, struct ef_view *out, int max);

#endif

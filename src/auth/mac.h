/* SPDX-License-Identifier: ISC */
/*
 * mac: the symmetric-key MAC of NTP packets (RFC 5905 section 7.3,
 * appendix A; RFC 8573 for AES-CMAC), as ntpd, NTPsec and chrony put it
 * on the wire: after the header and any extension fields, a 32-bit key id
 * and the digest.  MD5 and SHA1 digest the secret followed by the packet
 * (16 and 20 bytes); AES-128-CMAC is keyed with the secret (16 bytes).
 *
 * The digests come from OpenSSL 3's libcrypto (doc/ARCHITECTURE.md says
 * why).  mac_init fetches the algorithms once, before the privilege drop
 * and the seccomp allow-list; afterwards a struct mac is read-only and
 * serving threads share it.  Digests are compared in constant time.
 */
#ifndef STRATUM_MAC_H
#define STRATUM_MAC_H

#include <stddef.h>
#include <stdint.h>

#include "auth/keys.h"

#define MAC_DIGEST_MAX 20
#define MAC_MAX_LEN (4 + MAC_DIGEST_MAX) /* key id + longest digest */

struct evp_md_st;
struct evp_mac_st;

struct mac {
	struct evp_md_st *md5, *sha1;
	struct evp_mac_st *cmac;
};

/* Outcome of checking a packet's MAC. */
enum mac_verdict {
	MAC_OK,
	MAC_NONE,        /* no MAC at all */
	MAC_CRYPTO_NAK,  /* the 4-byte zero key id alone */
	MAC_UNKNOWN_KEY, /* key id not in the key file, or not trusted */
	MAC_WRONG_KEY,   /* a key other than the one expected */
	MAC_BAD_LENGTH,  /* digest length not that of the key's type */
	MAC_BAD,         /* digest does not match */
	MAC_MALFORMED,   /* the packet does not decode */
};

/*
 * Fetch the algorithms (and run each once, so that libcrypto has loaded
 * its configuration and providers).  Returns 0, or -1 with the reason in
 * err.
 */
int mac_init(struct mac *m, char *err, size_t errsz);
void mac_free(struct mac *m);

/* The digest of data[0..len) under key k into out (keys_digest_len
 * bytes).  Returns 0, or -1 when libcrypto fails. */
int mac_digest(const struct mac *m, const struct keys_entry *k,
    const uint8_t *data, size_t len, uint8_t *out);

/*
 * Append key id and digest of pkt[0..*len) under k at pkt[*len] (capacity
 * cap); *len advances.  Returns 0, or -1 leaving *len unchanged (no room,
 * libcrypto failed).
 */
int mac_sign(const struct mac *m, const struct keys_entry *k, uint8_t *pkt,
    size_t *len, size_t cap);

/*
 * Check the MAC of pkt[0..len) against the trusted keys of ks.  With
 * want_id non-zero, only that key is accepted (a client expects its
 * server's key).  *key (may be NULL) receives the key that verified, and
 * *key_id the id the packet named (0 when none).
 */
enum mac_verdict mac_verify(const struct mac *m, const struct keys *ks,
    uint32_t want_id, const uint8_t *pkt, size_t len,
    const struct keys_entry **key, uint32_t *key_id);

/* Text for a verdict, for log lines ("bad MAC", "crypto-NAK"...). */
const char *mac_verdict_str(enum mac_verdict v);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * md5: the MD5 digest (RFC 1321).  Used for the reference id of an IPv6
 * system peer (RFC 5905 section 7.3: the first four octets of the MD5
 * hash of the address), not for security.
 */
#ifndef STRATUM_MD5_H
#define STRATUM_MD5_H

#include <stddef.h>
#include <stdint.h>

/* Digest of len bytes at p into out[16]. */
void md5_digest(const uint8_t *p, size_t len, uint8_t out[16]);

/* RFC 5905 refid of an IPv6 address (16 bytes, network order). */
uint32_t md5_refid6(const uint8_t addr[16]);

#endif

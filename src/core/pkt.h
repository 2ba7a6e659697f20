/* SPDX-License-Identifier: ISC */
/*
 * pkt: the NTP packet codec (RFC 5905 section 7.3, RFC 7822).
 *
 * A datagram is a 48-byte header, then zero or more extension fields, then
 * an optional MAC.  Decoding reads only through bounds-checked cursors and
 * never past the datagram; the decoded form refers to extension and MAC
 * bytes by offset into the caller's buffer, which must outlive it.
 */
#ifndef STRATUM_PKT_H
#define STRATUM_PKT_H

#include <stddef.h>
#include <stdint.h>

#define PKT_HDR_LEN 48
#define PKT_MAX_EXT 8
#define PKT_EXT_MIN_LEN 16      /* RFC 7822 section 3 */
#define PKT_EXT_LAST_MIN_LEN 28 /* last field when no MAC follows */
#define PKT_EXT_MAX_LEN 65532   /* 16-bit length, a multiple of 4 */
#define PKT_MAC_MD5_LEN 20      /* key id + 16-byte digest */
#define PKT_MAC_SHA1_LEN 24     /* key id + 20-byte digest */
#define PKT_CRYPTO_NAK_LEN 4    /* key id 0 alone */

enum pkt_mode {
	PKT_MODE_RESERVED = 0,
	PKT_MODE_SYM_ACTIVE = 1,
	PKT_MODE_SYM_PASSIVE = 2,
	PKT_MODE_CLIENT = 3,
	PKT_MODE_SERVER = 4,
	PKT_MODE_BROADCAST = 5,
	PKT_MODE_CONTROL = 6,
	PKT_MODE_PRIVATE = 7,
};

enum pkt_leap {
	PKT_LEAP_NONE = 0,
	PKT_LEAP_INSERT = 1,
	PKT_LEAP_DELETE = 2,
	PKT_LEAP_UNSYNC = 3,
};

struct pkt_hdr {
	uint8_t leap;    /* enum pkt_leap */
	uint8_t version; /* 0..7 */
	uint8_t mode;    /* enum pkt_mode */
	uint8_t stratum;
	int8_t poll;         /* log2 s */
	int8_t precision;    /* log2 s */
	uint32_t root_delay; /* short format */
	uint32_t root_disp;  /* short format */
	uint32_t refid;      /* as on the wire, big-endian value */
	uint64_t ref_ts;
	uint64_t org_ts;
	uint64_t rec_ts;
	uint64_t xmt_ts;
};

struct pkt_ext {
	uint16_t type;
	uint16_t len;  /* whole field, header included */
	size_t offset; /* of the field's first byte in the datagram */
};

struct pkt {
	struct pkt_hdr h;
	struct pkt_ext ext[PKT_MAX_EXT];
	size_t n_ext;
	int has_mac;     /* 1 when a MAC or crypto-NAK trails */
	uint32_t key_id; /* MAC key identifier (0 for crypto-NAK) */
	size_t mac_off;  /* offset of the key id */
	size_t mac_len;  /* key id + digest, 4, 20 or 24 */
	size_t len;      /* datagram length */
};

enum pkt_err {
	PKT_OK,
	PKT_ERR_SHORT,    /* fewer than 48 bytes */
	PKT_ERR_EXT,      /* malformed extension field */
	PKT_ERR_TOO_MANY, /* more than PKT_MAX_EXT fields */
	PKT_ERR_TRAILING, /* bytes that are neither field nor MAC */
};

/* Read the first byte's version and mode without decoding; 0 on
 * success, -1 on an empty datagram. */
int pkt_peek(const uint8_t *buf, size_t len, uint8_t *version, uint8_t *mode);

/*
 * Decode a datagram.  Extension fields are parsed per RFC 7822 for every
 * version (older peers send none, and a trailing 20- or 24-byte block is
 * read as a MAC as RFC 7822 section 7.5 prescribes).  On error *out holds
 * at least the header fields when len >= 48.
 */
enum pkt_err pkt_decode(const uint8_t *buf, size_t len, struct pkt *out);

/* Encode the 48-byte header into buf; returns 48, or 0 when cap < 48. */
size_t pkt_encode_hdr(const struct pkt_hdr *h, uint8_t *buf, size_t cap);

/*
 * Append one RFC 7822 extension field at buf[*len]: type, length, then
 * value[0..value_len) padded with zeros to a multiple of 4 and to the
 * minimum field length, 16 bytes, or 28 when last is set (the last field
 * of a datagram without a MAC, section 7.5, so that it cannot be read as
 * a MAC).  *len must be at least 48 (the header comes first).  Returns 0
 * and advances *len, or -1 leaving buf and *len untouched when the field
 * would pass cap or exceed 65532 bytes.
 */
int pkt_put_ext(uint8_t *buf, size_t *len, size_t cap, uint16_t type,
    const uint8_t *value, size_t value_len, int last);

/*
 * Append a MAC at buf[*len]: the 32-bit key id, then digest_len digest
 * bytes (16 for MD5, 20 for SHA-1; 0 with key id 0 is a crypto-NAK).
 * *len must be at least 48.  Returns 0 and advances *len, or -1 leaving
 * buf and *len untouched (other digest length, or past cap).
 */
int pkt_put_mac(uint8_t *buf, size_t *len, size_t cap, uint32_t key_id,
    const uint8_t *digest, size_t digest_len);

/* Overwrite the transmit timestamp of an encoded header (cap >= 48). */
void pkt_set_xmt(uint8_t *buf, uint64_t xmt_ts);

/* Text for an error code, for logs and tests. */
const char *pkt_err_str(enum pkt_err e);

/* A refid or kiss code as text ("RATE", "LOCL", "GPS"): up to four bytes,
 * ending at the first NUL; bytes outside 0x20..0x7e become '?'.  out must
 * hold 5 bytes. */
void pkt_refid_ascii(uint32_t refid, char out[5]);

/* A refid from four ASCII characters, e.g. pkt_refid_str("LOCL"). */
uint32_t pkt_refid_str(const char *four);

#endif

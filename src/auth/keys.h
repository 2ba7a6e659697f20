/* SPDX-License-Identifier: ISC */
/*
 * keys: the symmetric keys of ntpd's key file (ntp.keys(5), as ntpd,
 * NTPsec and chrony's ntpd-compatible reading take it).  Each line is
 * `ID TYPE KEY [# comment]`: ID 1..65535; TYPE MD5 (or ntpd's `M`), SHA1,
 * AES128CMAC or NTPsec's `AES` (both AES-128-CMAC), case-insensitive; KEY
 * of at most 20 characters is ASCII (printable, no space or '#'), longer
 * is hex (an even number of digits, at most 64).  An AES-CMAC key is 16
 * bytes exactly.
 *
 * The table is filled once at start-up, before privileges are dropped,
 * and read-only afterwards (serving threads share it).  No crypto here:
 * core/pkt frames the MAC, auth/mac computes it.
 */
#ifndef STRATUM_KEYS_H
#define STRATUM_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define KEYS_MAX 1024       /* keys per file */
#define KEYS_SECRET_MAX 32  /* bytes of one secret */
#define KEYS_ASCII_MAX 20   /* longer keys are hex (ntp.keys(5)) */
#define KEYS_ID_MAX 65535u  /* ntpd's key ids */
#define KEYS_FILE_MAX 65536 /* bytes of key file read at most */
#define KEYS_ERR_MAX 320

enum keys_type {
	KEYS_MD5,  /* MD5(key || packet), 16 bytes */
	KEYS_SHA1, /* SHA1(key || packet), 20 bytes */
	KEYS_CMAC, /* AES-128-CMAC(key, packet), 16 bytes */
};

struct keys_entry {
	uint32_t id;
	enum keys_type type;
	int trusted; /* listed by trustedkey */
	size_t len;  /* of secret */
	uint8_t secret[KEYS_SECRET_MAX];
};

struct keys {
	struct keys_entry e[KEYS_MAX]; /* sorted by id */
	size_t n;
	size_t n_trusted;
	char path[256]; /* where they came from, for messages */
};

/* An empty table (no file: every key id is unknown). */
void keys_init(struct keys *ks);

/*
 * Parse key-file text (named name in messages) into *ks, replacing what
 * it held.  Returns 0, or -1 with "name:line: message" in err (size
 * errsz) at the first bad line: unknown type, bad id, duplicate id, a
 * key that is not valid ASCII or hex or has the wrong length.
 */
int keys_parse(struct keys *ks, const char *name, const char *text, size_t len,
    char *err, size_t errsz);

/*
 * Read and parse the key file at path.  *world_readable is set when
 * others may read it (the caller warns).  Returns 0, or -1 with the
 * reason (cannot open, too large, or keys_parse's) in err.
 */
int keys_load(struct keys *ks, const char *path, int *world_readable, char *err,
    size_t errsz);

/*
 * Mark the ids in trusted[0..n) as trusted.  Returns the number of ids
 * that are not in the table (the caller warns: ntpd accepts them).
 */
size_t keys_trust(struct keys *ks, const uint32_t *trusted, size_t n);

/* The entry for id, or NULL. */
const struct keys_entry *keys_find(const struct keys *ks, uint32_t id);

/* The entry for id when it exists and is trusted, else NULL. */
const struct keys_entry *keys_trusted(const struct keys *ks, uint32_t id);

/* Length of a MAC digest of this type (16 or 20). */
size_t keys_digest_len(enum keys_type t);

/* The type's name as ntp.keys writes it ("MD5", "SHA1", "AES128CMAC"). */
const char *keys_type_name(enum keys_type t);

/* Hex digits (either case) s[0..n) into n / 2 bytes at out; n even.
 * 0, or -1 on a character that is not a hex digit. */
int keys_hex_decode(const char *s, size_t n, uint8_t *out);

#endif

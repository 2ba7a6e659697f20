/* SPDX-License-Identifier: ISC */
/*
 * skey: the daemon's symmetric keys.  At start-up, before the privilege
 * drop (and before -i changes the root), it reads the `keys` file, marks
 * the `trustedkey` ids, checks every `key N` of a server/pool/peer line
 * against them and fetches the MAC algorithms; afterwards it is
 * read-only, shared by the client half (daemon/assoc) and the serving
 * threads (daemon/engine).  The file is never re-read.
 */
#ifndef STRATUM_SKEY_H
#define STRATUM_SKEY_H

#include <stddef.h>
#include <stdint.h>

#include "auth/keys.h"
#include "auth/mac.h"
#include "conf/conf.h"
#include "os/log.h"

#define SKEY_MAX_WARN 8

struct skey {
	int enabled; /* a key file was read and the algorithms fetched */
	struct keys keys;
	struct mac mac;
	char warn[SKEY_MAX_WARN][KEYS_ERR_MAX + 64];
	int n_warn;
};

/*
 * Set up from the configuration.  Errors (the file cannot be read or is
 * malformed, a source's key is missing or not trusted, `key N` without
 * `keys`, libcrypto failing) and warnings (world-readable file, trusted
 * ids not in the file, no trusted key) are printed to stderr; warnings
 * are also kept for skey_log_warnings.  Returns 0, or -1 on an error.
 */
int skey_setup(struct skey *sk, const struct conf *c);

/* The warnings again, where the log goes. */
void skey_log_warnings(const struct skey *sk, const struct logger *lg);

/* Free what libcrypto holds. */
void skey_close(struct skey *sk);

#endif

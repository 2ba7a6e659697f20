/* SPDX-License-Identifier: ISC */
/*
 * ctlreload: `stratum reload` over NTP mode 6.  The daemon writes a
 * random 256-bit secret at start to RUNDIR/reload.key (mode 0600, owned
 * by the user it runs as), so only root and that user can read it.  The
 * request is a mode 6 CONFIGURE (opcode 8, as ntpd's runtime
 * configuration) whose data is "reload " and the secret in hex; it is
 * accepted only from a loopback address and the secret is compared in
 * constant time.  The answer is text: "reload: applied" or "reload:
 * rejected", then what changed or the configuration's errors.
 */
#ifndef STRATUM_CTLRELOAD_H
#define STRATUM_CTLRELOAD_H

#include <stddef.h>
#include <stdint.h>

#include "ctl/ctl.h"

#define CTLRELOAD_OP 8 /* CTL_OP_CONFIGURE */
#define CTLRELOAD_KEY_LEN 32
#define CTLRELOAD_KEY_FILE "reload.key"
#define CTLRELOAD_DEFAULT_DIR "/run/stratumd"
#define CTLRELOAD_PREFIX "reload "

struct ctlreload_key {
	uint8_t key[CTLRELOAD_KEY_LEN];
	int have; /* 0: no key file could be written; reload refused */
	int dirfd;
};

/*
 * A fresh secret from the kernel, written to DIR/reload.key (DIR
 * created 0755 when missing), owned by uid:gid when uid is not -1.  0, or
 * -1 with errno (k->have 0).  Keeps DIR open to remove the file at exit.
 */
int ctlreload_key_init(struct ctlreload_key *k, const char *dir, long uid,
    long gid);

/* Remove the key file (best effort) and close the directory. */
void ctlreload_key_close(struct ctlreload_key *k);

/* 1 when the parsed mode 6 request m is a reload request. */
int ctlreload_is(const struct ctl_msg *m);

/* 1 when m carries the right secret (constant-time comparison). */
int ctlreload_authorised(const struct ctlreload_key *k,
    const struct ctl_msg *m);

/* The request text for key: "reload " and 64 hex digits, into out
 * (>= 72 bytes).  For the client. */
void ctlreload_request_text(const uint8_t *key, char *out, size_t cap);

/* Parse a key file's text (64 hex digits, optional newline) into key.
 * 0, or -1 when malformed. */
int ctlreload_parse_key(const char *text, size_t len, uint8_t *key);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * ncli: the NTS client side of one source (RFC 8915 section 5): its
 * keys and cookie jar, the key exchange it needs (nts/kecli, in a thread),
 * and the core's authentication hook (core/peer.h, struct peer_auth):
 *
 *  sign   while no cookie is held, starts a KE (or waits for the one
 *         running) and suppresses the request; else adds a fresh random
 *         unique identifier, one cookie (used once, then dropped),
 *         placeholders to refill the jar to NCLI_JAR cookies, and the
 *         authenticator (AES-SIV-CMAC under C2S over everything before
 *         it, empty plaintext);
 *  verify accepts only a reply echoing the identifier of the request
 *         outstanding, whose authenticator verifies under S2C; it takes
 *         the new cookies from the ciphertext and forgets the identifier
 *         (a replay of the same reply fails).  An NTS NAK (stratum 0,
 *         NTSN, our identifier) empties the jar so the next request
 *         starts a new KE.  Nothing unauthenticated is ever accepted.
 *
 * A failed KE is retried with back-off (NCLI_RETRY_MIN_S doubling up to
 * NCLI_RETRY_MAX_S).  With a dump directory the keys and cookies are
 * written (atomically) at exit and read back at start.
 */
#ifndef STRATUM_NCLI_H
#define STRATUM_NCLI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include "conf/conf.h"
#include "nts/kecli.h"
#include "os/log.h"
#include "os/udp.h"

#define NCLI_JAR 8
#define NCLI_RETRY_MIN_S 2
#define NCLI_RETRY_MAX_S 3600

struct ncli {
	int in_use;
	const struct logger *log;
	SSL_CTX *ctx;              /* trust store (not owned) */
	char name[KECLI_NAME_MAX]; /* configured host: certificate name */
	struct udp_peer *dest;     /* the source's NTP address (assoc's) */
	uint16_t ke_port;
	int dump_dirfd;        /* -1: none (not owned) */
	struct kecli_job *job; /* running KE, NULL */
	int64_t next_ke_mono_ns;
	int retry_s;
	int ke_failing; /* the last KE failed (said once) */
	/* keys and jar */
	int have_keys;
	uint8_t c2s[AEAD_KEY_LEN], s2c[AEAD_KEY_LEN];
	int n_cookies;
	uint8_t cookie[NCLI_JAR][KECLI_COOKIE_MAX];
	size_t cookie_len[NCLI_JAR];
	/* the request outstanding */
	int uid_valid;
	uint8_t uid[32];
	int rejecting; /* a rejection was logged, not yet a good reply */
	int authentic; /* the last reply verified (mode 6 status word) */
	/* views */
	uint64_t n_ke, n_nak, n_bad;
	int64_t last_ke_real_ns;
};

/* What every NTS source needs, made at start before any chroot or
 * privilege drop: one trust store per distinct CA file named (a
 * source's "ca FILE", else ntstrustedcerts, else "" for the system's),
 * and the dump directory.  Never changed after start: a reload may only
 * name CA files read then (ncli_env_ctx). */
#define NCLI_MAX_CA 16
struct ncli_env {
	int n;
	char path[NCLI_MAX_CA][CONF_PATH_MAX];
	SSL_CTX *ctx[NCLI_MAX_CA];
	int dump_dirfd; /* ntsdumpdir, -1: none */
};

/* 0, or -1 with the reason in err. */
int ncli_env_setup(struct ncli_env *e, const struct conf *c, char *err,
    size_t cap);
void ncli_env_close(struct ncli_env *e);

/* The trust store for source cs of configuration c; NULL when its CA
 * file was not read at start. */
SSL_CTX *ncli_env_ctx(const struct ncli_env *e, const struct conf *c,
    const struct conf_source *cs);

/* Set up source state for host name (certificate name), KE on ke_port
 * of the source's address dest (which ncli may change: Server and Port
 * records).  Reads the dump directory's saved jar for this name, if
 * any, when it matches dest. */
void ncli_init(struct ncli *n, const struct logger *lg, SSL_CTX *ctx,
    const char *name, struct udp_peer *dest, uint16_t ke_port, int dump_dirfd);

/* Save the jar (dump directory), abandon a running KE, forget it all. */
void ncli_close(struct ncli *n);

/* The hooks, ctx being the struct ncli. */
int ncli_sign(void *ctx, int src, uint8_t *pkt, size_t *len, size_t cap);
int ncli_verify(void *ctx, int src, const uint8_t *pkt, size_t len);

#endif

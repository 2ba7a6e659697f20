/* SPDX-License-Identifier: ISC */
/*
 * kesrv: the NTS-KE server (RFC 8915 section 4) and the key ring that
 * seals the server's cookies.
 *
 * The key exchange runs in its own thread, so a slow or hostile TLS
 * client never delays NTP serving: TCP listeners on the NTP addresses
 * (port ntsport, default 4460), TLS 1.3 only, ALPN "ntske/1" required, at
 * most KESRV_MAX_CONN connections at once (further ones wait in the
 * listen backlog), each with KESRV_TIMEOUT_MS from accept to close and a
 * request of at most KESRV_REQ_MAX bytes.  Each successful exchange
 * answers NTPv4, AEAD 15 and KESRV_COOKIES cookies.
 *
 * The cookie keys (core of nts/cookie) rotate every ntsrotate seconds in
 * the KE thread; the serving threads open and seal cookies under a
 * read-write lock.  With ntsdumpdir (or NTPsec's "nts cookie FILE") the
 * keys are written atomically after every rotation and read at start, so
 * a restart keeps issued cookies valid.
 *
 * Order of use, fitting the privilege drop: kesrv_load before any
 * chroot (reads the certificate and key, opens the keys' directory),
 * kesrv_listen after the NTP sockets are bound, kesrv_start after the
 * fork and the drop, kesrv_stop at exit.
 */
#ifndef STRATUM_KESRV_H
#define STRATUM_KESRV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include "conf/conf.h"
#include "nts/aead.h"
#include "nts/cookie.h"
#include "os/log.h"
#include "os/sfile.h"

#define KESRV_MAX_LISTEN 16
#define KESRV_MAX_CONN 32
#define KESRV_TIMEOUT_MS 5000
#define KESRV_REQ_MAX 1024
#define KESRV_RESP_MAX 2048
#define KESRV_COOKIES 8

struct kesrv_conn {
	int fd; /* -1: free */
	SSL *ssl;
	int state; /* handshake, read, write */
	int64_t deadline_mono_ns;
	uint8_t in[KESRV_REQ_MAX];
	size_t in_len;
	uint8_t out[KESRV_RESP_MAX];
	size_t out_len, out_off;
	char peer[64];
};

struct kesrv {
	const struct logger *log;
	SSL_CTX *ctx;
	int lfd[KESRV_MAX_LISTEN];
	int n_lfd;
	uint16_t port;           /* of the key exchange */
	uint16_t ntp_port;       /* ours; not 123: sent in a Port record */
	struct kesrv_conn *conn; /* KESRV_MAX_CONN */
	pthread_t thread;
	int started;
	atomic_int stop;
	pthread_rwlock_t lock; /* ring */
	struct cookie_ring ring;
	long rotate_s;
	int dirfd; /* of the keys file, -1: keys kept in memory only */
	char keyname[SFILE_NAME_MAX];
	/* counters, logged at exit (KE thread only) */
	uint64_t accepted, answered, failed, timed_out;
	atomic_uint_fast64_t naks, nts_answered; /* serving threads */
};

/* 1 when the configuration asks for an NTS server (both a certificate
 * and a key, and no "nts disable"). */
int kesrv_wanted(const struct conf *c);

/* Read the certificate chain and key into a TLS 1.3 context, open the
 * keys file's directory and read or make the cookie keys.  0, or -1
 * with the reason logged. */
int kesrv_load(struct kesrv *k, const struct conf *c, const struct logger *lg);

/* Listen on TCP port c->nts_port at each address (port ignored).
 * Returns the number of listeners, -1 when none could be opened. */
int kesrv_listen(struct kesrv *k, const struct sockaddr_storage *addrs, int n);

/* Start the KE thread.  0 or -1. */
int kesrv_start(struct kesrv *k);

/* Stop the thread, close everything, log the counters. */
void kesrv_stop(struct kesrv *k);

/* Seal a client's keys into a cookie (out: COOKIE_LEN bytes) with the
 * newest key.  Safe in any thread.  0 or -1. */
int kesrv_seal(struct kesrv *k, const uint8_t c2s[AEAD_KEY_LEN],
    const uint8_t s2c[AEAD_KEY_LEN], uint8_t *out);

/* Open a cookie.  Safe in any thread.  0, or -1 (unknown key, forged). */
int kesrv_open(struct kesrv *k, const uint8_t *cookie, size_t len,
    uint8_t c2s[AEAD_KEY_LEN], uint8_t s2c[AEAD_KEY_LEN]);

#endif

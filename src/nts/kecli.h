/* SPDX-License-Identifier: ISC */
/*
 * kecli: one NTS-KE exchange as a client (RFC 8915 section 4), run in a
 * thread of its own so that neither a slow server nor DNS ever blocks the
 * daemon.  TLS 1.3 only, ALPN "ntske/1" required, the certificate
 * verified against the configured name (a DNS name in the SAN, or an IP
 * address for an address literal), AEAD_AES_SIV_CMAC_256 asked for and
 * required, Server and Port records honoured.  Every step is bounded by
 * KECLI_TIMEOUT_MS.
 *
 * A job is owned by whoever started it until it finishes; the owner
 * collects it with kecli_poll or abandons it with kecli_abandon (the
 * thread then frees it), so nothing ever waits for a thread.
 *
 * Trust stores (kecli_ctx_new) are read when made: before any chroot
 * and privilege drop.
 */
#ifndef STRATUM_KECLI_H
#define STRATUM_KECLI_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include "nts/aead.h"
#include "nts/rec.h"

#define KECLI_TIMEOUT_MS 5000
#define KECLI_COOKIE_MAX 256 /* longer cookies are refused */
#define KECLI_ERR_MAX 200
#define KECLI_NAME_MAX 256

struct kecli_job {
	atomic_int state; /* KECLI_RUNNING, KECLI_DONE, KECLI_ABANDONED */
	/* in */
	SSL_CTX *ctx;
	char name[KECLI_NAME_MAX];  /* checked against the certificate */
	struct sockaddr_storage ke; /* address and port of the KE */
	uint16_t ntp_port;          /* when no Port record comes */
	/* out (valid once done) */
	int ok;
	char err[KECLI_ERR_MAX];
	uint8_t c2s[AEAD_KEY_LEN], s2c[AEAD_KEY_LEN];
	int n_cookies;
	uint8_t cookie[REC_MAX_COOKIES][KECLI_COOKIE_MAX];
	size_t cookie_len[REC_MAX_COOKIES];
	struct sockaddr_storage ntp; /* where to send NTP */
	int64_t took_ms;
};

enum { KECLI_RUNNING, KECLI_DONE, KECLI_ABANDONED };

/* A TLS 1.3 client context trusting the PEM file cafile, or the system's
 * store when cafile is NULL or "".  NULL on failure, with the reason in
 * err. */
SSL_CTX *kecli_ctx_new(const char *cafile, char *err, size_t cap);

/* Start a job (fields "in" filled by the caller, job heap-allocated).
 * 0, or -1 (nothing started, job still the caller's). */
int kecli_start(struct kecli_job *job);

/* 1 when the job has finished: its results may be read, then the caller
 * frees it.  0 while it runs. */
int kecli_poll(struct kecli_job *job);

/* Give up on a job: if it is still running its thread frees it when it
 * ends; if it has finished it is freed now. */
void kecli_abandon(struct kecli_job *job);

#endif

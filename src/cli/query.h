/* SPDX-License-Identifier: ISC */
/*
 * query: the one-shot client exchanges behind `stratum query` and
 * `stratum sync` (the ntpdate/sntp role).  Every address of every server
 * is asked COUNT times, concurrently across addresses; each request goes
 * out from a fresh socket (a new random source port, RFC 9109) with a
 * random 64-bit transmit timestamp, and only a reply that echoes it counts.
 */
#ifndef STRATUM_QUERY_H
#define STRATUM_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "core/exch.h"
#include "os/udp.h"

#define QRY_MAX_COUNT 32
#define QRY_MAX_TARGETS 64

struct qry_opts {
	uint16_t port;
	int count;
	double timeout_s;
	double interval_s;
	int family; /* 0, 4 or 6 */
};

enum qry_state {
	QRY_IDLE,    /* next request due at next_mono_ns */
	QRY_WAITING, /* request out, reply due by deadline */
	QRY_DONE,
};

struct qry_target {
	const char *host; /* as the user typed it */
	struct udp_peer addr;
	char addr_str[64];
	enum qry_state state;
	int fd;
	uint64_t sent_xmt;
	int64_t t1_ns;
	int64_t next_mono_ns;
	int64_t deadline_mono_ns;
	int sent;
	int timeouts;
	int bogus; /* replies that failed origin/mode checks */
	struct exch_sample samples[QRY_MAX_COUNT];
	int n_samples;
	int best; /* index of the minimum-delay sample, -1 none */
	enum exch_verdict last_reject; /* EXCH_OK when none */
	char kiss[5]; /* kiss code that ended the target, or "" */
};

/* Prepare a target for one resolved address of host. */
void qry_target_init(struct qry_target *t, const char *host,
    const struct udp_peer *addr);

/* Run all exchanges to completion; returns 0, or -1 when the system
 * refuses sockets or randomness (errno set). */
int qry_run(struct qry_target *t, size_t n, const struct qry_opts *o);

/* Offset jitter around the best sample: RMS of the other samples'
 * offsets from it (RFC 5905 section 10 style), 0 with one sample. */
int64_t qry_jitter(const struct qry_target *t);

#endif

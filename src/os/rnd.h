/* SPDX-License-Identifier: ISC */
/*
 * rnd: randomness from the kernel (getrandom(2)).  The only source of
 * random values in Stratum: transmit timestamps, temporary file names,
 * hash seeds.  It never falls back to anything predictable (a clock, a
 * pid, a counter): when the kernel cannot give randomness the call fails
 * and the caller must do without the value (not send the request).
 *
 * Test hook: with STRATUM_RND_FAIL=1 in the environment every call fails
 * with ENOSYS, so tests can show what a caller does then.
 */
#ifndef STRATUM_RND_H
#define STRATUM_RND_H

#include <stddef.h>
#include <stdint.h>

/* Fill buf with n random bytes; 0 on success, -1 (errno set) on failure,
 * when buf holds nothing usable. */
int rnd_bytes(void *buf, size_t n);

/* 64 random bits; 0 on success, -1 (errno set) on failure, when *out is
 * left unchanged and must not be used. */
int rnd_u64(uint64_t *out);

#endif

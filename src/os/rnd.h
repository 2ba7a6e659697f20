/* SPDX-License-Identifier: ISC */
/* rnd: randomness from the kernel (getrandom(2)). */
#ifndef STRATUM_RND_H
#define STRATUM_RND_H

#include <stddef.h>
#include <stdint.h>

/* Fill buf with n random bytes; 0 on success, -1 (errno set) on failure. */
int rnd_bytes(void *buf, size_t n);

/* 64 random bits; 0 on success, -1 on failure. */
int rnd_u64(uint64_t *out);

#endif

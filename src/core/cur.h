/* SPDX-License-Identifier: ISC */
/*
 * cur: bounds-checked cursors over untrusted bytes (read) and output
 * buffers (write).  All wire parsing goes through these: a read past the
 * end returns zero and latches c->err, so callers check once at the end.
 * Multi-byte values are big-endian (network order), as NTP puts them.
 */
#ifndef STRATUM_CUR_H
#define STRATUM_CUR_H

#include <stddef.h>
#include <stdint.h>

struct cur {
	const uint8_t *p;
	size_t len;
	size_t pos;
	int err; /* set once any read went past len */
};

struct wcur {
	uint8_t *p;
	size_t cap;
	size_t pos;
	int err; /* set once any write would pass cap */
};

void cur_init(struct cur *c, const uint8_t *p, size_t len);
/* Bytes left to read (0 after an error). */
size_t cur_left(const struct cur *c);
uint8_t cur_u8(struct cur *c);
uint16_t cur_u16(struct cur *c);
uint32_t cur_u32(struct cur *c);
uint64_t cur_u64(struct cur *c);
/* Advance n bytes; sets err if fewer are left. */
void cur_skip(struct cur *c, size_t n);

void wcur_init(struct wcur *w, uint8_t *p, size_t cap);
void wcur_u8(struct wcur *w, uint8_t v);
void wcur_u16(struct wcur *w, uint16_t v);
void wcur_u32(struct wcur *w, uint32_t v);
void wcur_u64(struct wcur *w, uint64_t v);
void wcur_bytes(struct wcur *w, const uint8_t *src, size_t n);

#endif

// SPDX-License-Identifier: ISC
/* cur: bounds-checked big-endian readers and writers. */
#include "core/cur.h"

#include <string.h>

void
cur_init(struct cur *c, const uint8_t *p, size_t len)
{
	c->p = p;
	c->len = len;
	c->pos = 0;
	c->err = 0;
}

size_t
cur_left(const struct cur *c)
{
	return c->err ? 0 : c->len - c->pos;
}

/* Returns a pointer to n readable bytes, or NULL (and latches err). */
static const uint8_t *
take(struct cur *c, size_t n)
{
	const uint8_t *q;

	if (c->err || c->len - c->pos < n) {
		c->err = 1;
		return NULL;
	}
	q = c->p + c->pos;
	c->pos += n;
	return q;
}

uint8_t
cur_u8(struct cur *c)
{
	const uint8_t *q = take(c, 1);

	return q ? q[0] : 0;
}

uint16_t
cur_u16(struct cur *c)
{
	const uint8_t *q = take(c, 2);

	if (q == NULL)
		return 0;
	return (uint16_t)((q[0] << 8) | q[1]);
}

uint32_t
cur_u32(struct cur *c)
{
	const uint8_t *q = take(c, 4);

	if (q == NULL)
		return 0;
	return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
	    (uint32_t)q[2] << 8 | (uint32_t)q[3];
}

uint64_t
cur_u64(struct cur *c)
{
	uint64_t hi = cur_u32(c);

	return hi << 32 | cur_u32(c);
}

void
cur_skip(struct cur *c, size_t n)
{
	(void)take(c, n);
}

void
wcur_init(struct wcur *w, uint8_t *p, size_t cap)
{
	w->p = p;
	w->cap = cap;
	w->pos = 0;
	w->err = 0;
}

void
wcur_bytes(struct wcur *w, const uint8_t *src, size_t n)
{
	if (w->err || w->cap - w->pos < n) {
		w->err = 1;
		return;
	}
	memcpy(w->p + w->pos, src, n);
	w->pos += n;
}

void
wcur_u8(struct wcur *w, uint8_t v)
{
	wcur_bytes(w, &v, 1);
}

void
wcur_u16(struct wcur *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	wcur_bytes(w, b, sizeof(b));
}

void
wcur_u32(struct wcur *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
		(uint8_t)(v >> 8), (uint8_t)v };

	wcur_bytes(w, b, sizeof(b));
}

void
wcur_u64(struct wcur *w, uint64_t v)
{
	wcur_u32(w, (uint32_t)(v >> 32));
	wcur_u32(w, (uint32_t)v);
}

// SPDX-License-Identifier: ISC
/* pkt: NTP header, extension field and MAC codec. */
#include "core/pkt.h"

#include "core/cur.h"

int
pkt_peek(const uint8_t *buf, size_t len, uint8_t *version, uint8_t *mode)
{
	if (len < 1)
		return -1;
	*version = (uint8_t)((buf[0] >> 3) & 7);
	*mode = (uint8_t)(buf[0] & 7);
	return 0;
}

static void
decode_hdr(struct cur *c, struct pkt_hdr *h)
{
	uint8_t b = cur_u8(c);

	h->leap = (uint8_t)(b >> 6);
	h->version = (uint8_t)((b >> 3) & 7);
	h->mode = (uint8_t)(b & 7);
	h->stratum = cur_u8(c);
	h->poll = (int8_t)cur_u8(c);
	h->precision = (int8_t)cur_u8(c);
	h->root_delay = cur_u32(c);
	h->root_disp = cur_u32(c);
	h->refid = cur_u32(c);
	h->ref_ts = cur_u64(c);
	h->org_ts = cur_u64(c);
	h->rec_ts = cur_u64(c);
	h->xmt_ts = cur_u64(c);
}

static int
is_mac_len(size_t n)
{
	return n == PKT_MAC_MD5_LEN || n == PKT_MAC_SHA1_LEN ||
	    n == PKT_CRYPTO_NAK_LEN;
}

/* One extension field at the cursor (RFC 7822 section 3): 16-bit type,
 * 16-bit length covering the whole field, a multiple of 4, >= 16. */
static enum pkt_err
decode_ext(struct cur *c, struct pkt *out)
{
	size_t at = c->pos, left = cur_left(c);
	uint16_t type = cur_u16(c), len = cur_u16(c);

	if (len < PKT_EXT_MIN_LEN || len % 4 != 0 || len > left)
		return PKT_ERR_EXT;
	/* Without a MAC after it, the last field must be >= 28 bytes so it
	 * cannot be mistaken for a MAC (RFC 7822 section 7.5). */
	if (len == left && len < PKT_EXT_LAST_MIN_LEN)
		return PKT_ERR_EXT;
	if (out->n_ext == PKT_MAX_EXT)
		return PKT_ERR_TOO_MANY;
	out->ext[out->n_ext].type = type;
	out->ext[out->n_ext].len = len;
	out->ext[out->n_ext].offset = at;
	out->n_ext++;
	cur_skip(c, len - 4u);
	return c->err ? PKT_ERR_EXT : PKT_OK;
}

enum pkt_err
pkt_decode(const uint8_t *buf, size_t len, struct pkt *out)
{
	struct cur c;
	enum pkt_err e;
	size_t left;

	*out = (struct pkt){ .len = len };
	if (len < PKT_HDR_LEN)
		return PKT_ERR_SHORT;
	cur_init(&c, buf, len);
	decode_hdr(&c, &out->h);
	while ((left = cur_left(&c)) > 0) {
		if (is_mac_len(left)) {
			out->has_mac = 1;
			out->mac_off = c.pos;
			out->mac_len = left;
			out->key_id = cur_u32(&c);
			return PKT_OK;
		}
		if (left < PKT_EXT_MIN_LEN || left % 4 != 0)
			return PKT_ERR_TRAILING;
		e = decode_ext(&c, out);
		if (e != PKT_OK)
			return e;
	}
	return PKT_OK;
}

size_t
pkt_encode_hdr(const struct pkt_hdr *h, uint8_t *buf, size_t cap)
{
	struct wcur w;

	wcur_init(&w, buf, cap);
	wcur_u8(&w,
	    (uint8_t)((h->leap & 3) << 6 | (h->version & 7) << 3 |
	        (h->mode & 7)));
	wcur_u8(&w, h->stratum);
	wcur_u8(&w, (uint8_t)h->poll);
	wcur_u8(&w, (uint8_t)h->precision);
	wcur_u32(&w, h->root_delay);
	wcur_u32(&w, h->root_disp);
	wcur_u32(&w, h->refid);
	wcur_u64(&w, h->ref_ts);
	wcur_u64(&w, h->org_ts);
	wcur_u64(&w, h->rec_ts);
	wcur_u64(&w, h->xmt_ts);
	return w.err ? 0 : w.pos;
}

/* Room for n more bytes after a header at buf[*len]. */
static int
room(size_t len, size_t cap, size_t n)
{
	return len >= PKT_HDR_LEN && len <= cap && n <= cap - len;
}

int
pkt_put_ext(uint8_t *buf, size_t *len, size_t cap, uint16_t type,
    const uint8_t *value, size_t value_len, int last)
{
	size_t min = last ? PKT_EXT_LAST_MIN_LEN : PKT_EXT_MIN_LEN;
	size_t n;
	struct wcur w;

	if (value_len > PKT_EXT_MAX_LEN - 4)
		return -1;
	n = (4 + value_len + 3) & ~(size_t)3;
	if (n < min)
		n = min;
	if (n > PKT_EXT_MAX_LEN || !room(*len, cap, n))
		return -1;
	wcur_init(&w, buf + *len, n);
	wcur_u16(&w, type);
	wcur_u16(&w, (uint16_t)n);
	if (value_len > 0)
		wcur_bytes(&w, value, value_len);
	while (w.pos < n)
		wcur_u8(&w, 0);
	if (w.err)
		return -1;
	*len += n;
	return 0;
}

int
pkt_put_mac(uint8_t *buf, size_t *len, size_t cap, uint32_t key_id,
    const uint8_t *digest, size_t digest_len)
{
	struct wcur w;

	if (!is_mac_len(4 + digest_len) || !room(*len, cap, 4 + digest_len))
		return -1;
	wcur_init(&w, buf + *len, 4 + digest_len);
	wcur_u32(&w, key_id);
	if (digest_len > 0)
		wcur_bytes(&w, digest, digest_len);
	if (w.err)
		return -1;
	*len += 4 + digest_len;
	return 0;
}

void
pkt_set_xmt(uint8_t *buf, uint64_t xmt_ts)
{
	struct wcur w;

	wcur_init(&w, buf + 40, 8);
	wcur_u64(&w, xmt_ts);
}

const char *
pkt_err_str(enum pkt_err e)
{
	switch (e) {
	case PKT_OK:
		return "ok";
	case PKT_ERR_SHORT:
		return "shorter than an NTP header";
	case PKT_ERR_EXT:
		return "malformed extension field";
	case PKT_ERR_TOO_MANY:
		return "too many extension fields";
	case PKT_ERR_TRAILING:
		return "trailing bytes that are neither extension nor MAC";
	}
	return "?";
}

void
pkt_refid_ascii(uint32_t refid, char out[5])
{
	int i;

	for (i = 0; i < 4; i++) {
		unsigned ch = (refid >> (24 - 8 * i)) & 0xff;

		if (ch == 0)
			break; /* "GPS" is sent NUL-padded */
		out[i] = (ch >= 0x20 && ch <= 0x7e) ? (char)ch : '?';
	}
	out[i] = '\0';
}

uint32_t
pkt_refid_str(const char *four)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 4 && four[i] != '\0'; i++)
		v |= (uint32_t)(unsigned char)four[i] << (24 - 8 * i);
	return v;
}

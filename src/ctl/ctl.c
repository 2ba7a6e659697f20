// SPDX-License-Identifier: ISC
/* ctl: the mode 6 codec (RFC 9327).  See ctl.h. */
#include "ctl/ctl.h"

#include <string.h>

#include "core/cur.h"

#define CTL_LINE_MAX 72 /* ntpd breaks variable lines near here */

int
ctl_parse(const uint8_t *buf, size_t len, struct ctl_msg *m)
{
	struct cur c;
	uint8_t b0, b1;

	memset(m, 0, sizeof(*m));
	cur_init(&c, buf, len);
	b0 = cur_u8(&c);
	b1 = cur_u8(&c);
	m->seq = cur_u16(&c);
	m->status = cur_u16(&c);
	m->assoc = cur_u16(&c);
	m->offset = cur_u16(&c);
	m->count = cur_u16(&c);
	if (c.err || (b0 & 7) != CTL_MODE)
		return -1;
	m->leap = (uint8_t)(b0 >> 6);
	m->version = (uint8_t)((b0 >> 3) & 7);
	m->response = (b1 & CTL_BIT_R) != 0;
	m->error = (b1 & CTL_BIT_E) != 0;
	m->more = (b1 & CTL_BIT_M) != 0;
	m->opcode = (uint8_t)(b1 & CTL_OP_MASK);
	m->data = buf + CTL_HDR_LEN;
	cur_skip(&c, m->count);
	return c.err ? -1 : 0;
}

size_t
ctl_encode(const struct ctl_msg *m, uint8_t *out, size_t cap)
{
	struct wcur w;
	size_t pad = (4 - (CTL_HDR_LEN + m->count) % 4) % 4;

	wcur_init(&w, out, cap);
	wcur_u8(&w,
	    (uint8_t)((m->leap & 3) << 6 | (m->version & 7) << 3 | CTL_MODE));
	wcur_u8(&w,
	    (uint8_t)((m->response ? CTL_BIT_R : 0) |
	        (m->error ? CTL_BIT_E : 0) | (m->more ? CTL_BIT_M : 0) |
	        (m->opcode & CTL_OP_MASK)));
	wcur_u16(&w, m->seq);
	wcur_u16(&w, m->status);
	wcur_u16(&w, m->assoc);
	wcur_u16(&w, m->offset);
	wcur_u16(&w, m->count);
	if (m->count > 0)
		wcur_bytes(&w, m->data, m->count);
	while (pad-- > 0)
		wcur_u8(&w, 0);
	return w.err ? 0 : w.pos;
}

size_t
ctl_frag_count(size_t len)
{
	return len == 0 ? 1 : (len + CTL_FRAG_MAX - 1) / CTL_FRAG_MAX;
}

static struct ctl_msg
reply_hdr(const struct ctl_msg *req, uint8_t leap, uint16_t status)
{
	struct ctl_msg r = { .leap = leap,
		.version = req->version,
		.response = 1,
		.opcode = req->opcode,
		.seq = req->seq,
		.status = status,
		.assoc = req->assoc };
	return r;
}

size_t
ctl_frag(const struct ctl_msg *req, uint8_t leap, uint16_t status,
    const uint8_t *data, size_t len, size_t k, uint8_t *out, size_t cap)
{
	struct ctl_msg r = reply_hdr(req, leap, status);
	size_t n = ctl_frag_count(len), off = k * CTL_FRAG_MAX;

	if (k >= n || off > UINT16_MAX)
		return 0;
	r.more = k + 1 < n;
	r.offset = (uint16_t)off;
	r.count =
	    (uint16_t)(len - off < CTL_FRAG_MAX ? len - off : CTL_FRAG_MAX);
	r.data = len > 0 ? data + off : NULL;
	return ctl_encode(&r, out, cap);
}

size_t
ctl_error(const struct ctl_msg *req, uint8_t leap, enum ctl_err code,
    uint8_t *out, size_t cap)
{
	struct ctl_msg r =
	    reply_hdr(req, leap, (uint16_t)((unsigned)code << 8));

	r.error = 1;
	return ctl_encode(&r, out, cap);
}

size_t
ctl_request(uint8_t opcode, uint16_t seq, uint16_t assoc, const char *data,
    size_t len, uint8_t *out, size_t cap)
{
	/* LI 0, VN 2: what ntpq sends, and what every server accepts. */
	struct ctl_msg m = { .version = 2,
		.opcode = opcode,
		.seq = seq,
		.assoc = assoc,
		.count = (uint16_t)len,
		.data = (const uint8_t *)data };

	if (len > CTL_FRAG_MAX)
		return 0;
	return ctl_encode(&m, out, cap);
}

uint16_t
ctl_peer_status(unsigned bits, enum ctl_sel sel, unsigned ev_count,
    unsigned ev_code)
{
	return (uint16_t)((bits & 0xf8u) << 8 | ((unsigned)sel & 7u) << 8 |
	    (ev_count & 0xfu) << 4 | (ev_code & 0xfu));
}

void
ctl_event_note(struct ctl_event *e, unsigned code)
{
	e->code = (uint8_t)(code & 0xf);
	if (e->count < 15)
		e->count++;
}

static const char tallies[] = " x.-+#*o";

enum ctl_sel
ctl_sel_from_tally(char tally)
{
	const char *p = tally != '\0' ? strchr(tallies, tally) : NULL;

	return p != NULL ? (enum ctl_sel)(p - tallies) : CTL_SEL_REJECT;
}

char
ctl_tally(uint16_t peer_status)
{
	return tallies[(peer_status >> 8) & 7];
}

/* ---- writing variable text ---- */

void
ctl_txt_init(struct ctl_txt *t, char *buf, size_t cap)
{
	memset(t, 0, sizeof(*t));
	t->buf = buf;
	t->cap = cap;
}

static void
put(struct ctl_txt *t, const char *s, size_t n)
{
	if (t->err || t->cap - t->len < n) {
		t->err = 1;
		return;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->line += n;
}

void
ctl_txt_raw(struct ctl_txt *t, const char *name, const char *value,
    size_t value_len)
{
	size_t n = strlen(name) + 1 + value_len;

	if (t->len > 0 && t->line + 2 + n > CTL_LINE_MAX) {
		put(t, ",\r\n", 3);
		t->line = 0;
	} else if (t->len > 0) {
		put(t, ", ", 2);
	}
	put(t, name, strlen(name));
	put(t, "=", 1);
	put(t, value, value_len);
}

void
ctl_txt_str(struct ctl_txt *t, const char *name, const char *value)
{
	char v[256];
	size_t n = strlen(value);

	if (n > sizeof(v) - 2 || memchr(value, '"', n) != NULL) {
		t->err = 1;
		return;
	}
	v[0] = '"';
	memcpy(v + 1, value, n);
	v[n + 1] = '"';
	ctl_txt_raw(t, name, v, n + 2);
}

/* Digits of u, at least min_digits of them, into the end of buf; returns
 * where they start. */
static char *
digits(char *end, uint64_t u, int min_digits)
{
	char *p = end;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
		min_digits--;
	} while (u != 0 || min_digits > 0);
	return p;
}

size_t
ctl_fmt_fix(char *out, size_t cap, int64_t v, int dec)
{
	char buf[48], *end = buf + sizeof(buf), *p;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, scale = 1;
	size_t n;
	int i;

	if (dec < 0 || dec > 9)
		dec = 0;
	for (i = 0; i < dec; i++)
		scale *= 10;
	p = end;
	if (dec > 0) {
		p = digits(end, u % scale, dec);
		*--p = '.';
	}
	p = digits(p, u / scale, 1);
	if (v < 0)
		*--p = '-';
	n = (size_t)(end - p);
	if (n >= cap)
		return 0;
	memcpy(out, p, n);
	out[n] = '\0';
	return n;
}

void
ctl_txt_int(struct ctl_txt *t, const char *name, int64_t v)
{
	ctl_txt_fix(t, name, v, 0);
}

void
ctl_txt_fix(struct ctl_txt *t, const char *name, int64_t v, int dec)
{
	char b[48];
	size_t n = ctl_fmt_fix(b, sizeof(b), v, dec);

	ctl_txt_raw(t, name, b, n);
}

static size_t
hex(char *out, uint64_t v, int min_digits)
{
	static const char xd[] = "0123456789abcdef";
	char b[16];
	size_t n = 0, i;

	do {
		b[n++] = xd[v & 0xf];
		v >>= 4;
	} while (v != 0 || (int)n < min_digits);
	for (i = 0; i < n; i++)
		out[i] = b[n - 1 - i];
	return n;
}

void
ctl_txt_hex(struct ctl_txt *t, const char *name, uint64_t v)
{
	char b[24] = "0x";

	ctl_txt_raw(t, name, b, 2 + hex(b + 2, v, 1));
}

void
ctl_txt_ts(struct ctl_txt *t, const char *name, uint64_t ntp)
{
	char b[24] = "0x";
	size_t n = 2;

	n += hex(b + n, ntp >> 32, 8);
	b[n++] = '.';
	n += hex(b + n, ntp & 0xffffffffu, 8);
	ctl_txt_raw(t, name, b, n);
}

void
ctl_txt_ipv4(struct ctl_txt *t, const char *name, uint32_t a)
{
	char b[20], *p = b + sizeof(b), *q;
	int i;

	for (i = 0; i < 4; i++) {
		q = digits(p, (a >> (8 * i)) & 0xff, 1);
		p = q;
		if (i < 3)
			*--p = '.';
	}
	ctl_txt_raw(t, name, p, (size_t)(b + sizeof(b) - p));
}

/* 1 when the refid's characters (up to the first NUL) are printable and
 * safe in variable text. */
static int
refid_text(uint32_t refid, char *b, size_t *n)
{
	uint8_t ch;
	int i;

	*n = 0;
	for (i = 0; i < 4; i++) {
		ch = (uint8_t)(refid >> (24 - 8 * i));
		if (ch == 0)
			break;
		if (ch <= ' ' || ch >= 0x7f || ch == ',' || ch == '=' ||
		    ch == '"')
			return 0;
		b[(*n)++] = (char)ch;
	}
	return 1;
}

void
ctl_txt_refid(struct ctl_txt *t, const char *name, uint32_t refid, int stratum)
{
	char b[4];
	size_t n;

	/* Kiss codes and reference clocks are text, and so is what an
	 * unsynchronized server (stratum 16) says ("INIT", "STEP"), as ntpd
	 * shows it; chrony's local refid (127.127.1.1 at stratum 1) is not
	 * text, and shows as an address. */
	if ((stratum <= 1 || stratum >= 16) && refid_text(refid, b, &n))
		ctl_txt_raw(t, name, b, n);
	else
		ctl_txt_ipv4(t, name, refid);
}

int
ctl_txt_end(struct ctl_txt *t)
{
	if (t->len > 0)
		put(t, "\r\n", 2);
	return t->err ? -1 : (int)t->len;
}

/* ---- reading variable text ---- */

void
ctl_vcur_init(struct ctl_vcur *c, const char *p, size_t len)
{
	c->p = p;
	c->len = len;
	c->pos = 0;
}

static int
is_sep(char ch)
{
	return ch == ',' || ch == ' ' || ch == '\t' || ch == '\r' ||
	    ch == '\n' || ch == '\0';
}

/* The value after '=': a quoted string, or up to the next comma or line
 * end (spaces inside kept, trailing ones trimmed: filtdelay=  1.0  2.0). */
static void
read_value(struct ctl_vcur *c, struct ctl_var *v)
{
	const char *q;

	while (c->pos < c->len && c->p[c->pos] == ' ')
		c->pos++;
	if (c->pos < c->len && c->p[c->pos] == '"') {
		c->pos++;
		v->value = c->p + c->pos;
		q = memchr(v->value, '"', c->len - c->pos);
		v->value_len =
		    q != NULL ? (size_t)(q - v->value) : c->len - c->pos;
		c->pos += v->value_len + (q != NULL);
		return;
	}
	v->value = c->p + c->pos;
	while (c->pos < c->len && c->p[c->pos] != ',' && c->p[c->pos] != '\r' &&
	    c->p[c->pos] != '\n' && c->p[c->pos] != 0)
		c->pos++;
	v->value_len = (size_t)(c->p + c->pos - v->value);
	while (v->value_len > 0 && v->value[v->value_len - 1] == ' ')
		v->value_len--;
}

int
ctl_var_next(struct ctl_vcur *c, struct ctl_var *v)
{
	memset(v, 0, sizeof(*v));
	while (c->pos < c->len && is_sep(c->p[c->pos]))
		c->pos++;
	if (c->pos >= c->len)
		return 0;
	v->name = c->p + c->pos;
	while (c->pos < c->len && c->p[c->pos] != '=' && !is_sep(c->p[c->pos]))
		c->pos++;
	v->name_len = (size_t)(c->p + c->pos - v->name);
	if (c->pos < c->len && c->p[c->pos] == '=') {
		c->pos++;
		read_value(c, v);
	}
	return 1;
}

int
ctl_var_is(const struct ctl_var *v, const char *name)
{
	return v->name_len == strlen(name) &&
	    memcmp(v->name, name, v->name_len) == 0;
}

/* The raw "value" text of the variable named like w in full (with a
 * string's quotes). */
static int
find_raw(const char *full, size_t full_len, const struct ctl_var *w,
    const char **val, size_t *val_len)
{
	struct ctl_vcur c;
	struct ctl_var v;
	int quoted;

	ctl_vcur_init(&c, full, full_len);
	while (ctl_var_next(&c, &v)) {
		if (v.name_len != w->name_len ||
		    memcmp(v.name, w->name, v.name_len) != 0)
			continue;
		if (v.value == NULL) {
			*val = "";
			*val_len = 0;
			return 0;
		}
		quoted = v.value > full && v.value[-1] == '"';
		*val = v.value - quoted;
		*val_len = v.value_len + 2 * (size_t)quoted;
		return 0;
	}
	return -1;
}

int
ctl_select(const char *full, size_t full_len, const char *want, size_t want_len,
    struct ctl_txt *out)
{
	struct ctl_vcur c;
	struct ctl_var w;
	const char *val;
	size_t val_len;
	char name[64];

	ctl_vcur_init(&c, want, want_len);
	while (ctl_var_next(&c, &w)) {
		if (w.name_len == 0 || w.name_len >= sizeof(name) ||
		    find_raw(full, full_len, &w, &val, &val_len) != 0)
			return -1;
		memcpy(name, w.name, w.name_len);
		name[w.name_len] = '\0';
		ctl_txt_raw(out, name, val, val_len);
	}
	return out->err ? -1 : 0;
}

// SPDX-License-Identifier: ISC
/*
 * rec: NTS-KE records (RFC 8915 section 4).  Every read goes through the
 * bounds-checked cursor; a record whose body does not fit its type's shape
 * makes the whole message bad, since a peer sending it is broken and
 * guessing what it meant would be worse.
 */
#include "nts/rec.h"

#include <string.h>

#include "core/cur.h"

/* A list of 16-bit ids (Next Protocol, AEAD): at most REC_MAX_LIST kept. */
static int
take_list(struct cur *c, size_t blen, uint16_t *out, int *n)
{
	size_t i;

	if (blen % 2 != 0)
		return -1;
	*n = 0;
	for (i = 0; i < blen / 2; i++) {
		uint16_t v = cur_u16(c);

		if (*n < REC_MAX_LIST)
			out[(*n)++] = v;
	}
	return 0;
}

static int
take_u16(struct cur *c, size_t blen, uint16_t *v, int *has)
{
	if (blen != 2 || *has)
		return -1;
	*v = cur_u16(c);
	*has = 1;
	return 0;
}

static int
take_cookie(struct cur *c, size_t blen, struct rec_msg *m)
{
	if (blen == 0 || blen > REC_COOKIE_MAX ||
	    m->n_cookies >= REC_MAX_COOKIES) {
		m->cookies_dropped++;
		cur_skip(c, blen);
		return 0;
	}
	m->cookie[m->n_cookies] = c->p + c->pos;
	m->cookie_len[m->n_cookies++] = (uint16_t)blen;
	cur_skip(c, blen);
	return 0;
}

/* The server name: printable ASCII (a host name or an address as text,
 * section 4.1.7), no NUL. */
static int
take_server(struct cur *c, size_t blen, struct rec_msg *m)
{
	size_t i;

	if (blen == 0 || blen > REC_SERVER_MAX || m->has_server)
		return -1;
	for (i = 0; i < blen; i++) {
		uint8_t ch = cur_u8(c);

		if (ch <= 0x20 || ch >= 0x7f)
			return -1;
		m->server[i] = (char)ch;
	}
	m->server[blen] = '\0';
	m->has_server = 1;
	return 0;
}

/* One record's body (the cursor holds exactly blen bytes of it). */
static int
take_body(struct cur *c, uint16_t type, int critical, size_t blen,
    struct rec_msg *m)
{
	switch (type) {
	case REC_NEXT_PROTO:
		m->n_proto_recs++;
		return take_list(c, blen, m->proto, &m->n_proto);
	case REC_AEAD:
		m->n_aead_recs++;
		return take_list(c, blen, m->aead, &m->n_aead);
	case REC_ERROR:
		return take_u16(c, blen, &m->error, &m->has_error);
	case REC_WARNING:
		return take_u16(c, blen, &m->warning, &m->has_warning);
	case REC_COOKIE:
		return take_cookie(c, blen, m);
	case REC_SERVER:
		return take_server(c, blen, m);
	case REC_PORT:
		return take_u16(c, blen, &m->port, &m->has_port);
	default:
		if (critical)
			m->unknown_critical = 1;
		cur_skip(c, blen);
		return 0;
	}
}

enum rec_res
rec_parse(const uint8_t *buf, size_t len, struct rec_msg *m)
{
	struct cur c;

	memset(m, 0, sizeof(*m));
	cur_init(&c, buf, len > REC_MSG_MAX ? REC_MSG_MAX : len);
	while (cur_left(&c) >= 4) {
		uint16_t t = cur_u16(&c);
		size_t blen = cur_u16(&c);
		uint16_t type = (uint16_t)(t & ~REC_CRITICAL);
		struct cur body;

		if (cur_left(&c) < blen)
			break;
		if (type == REC_EOM) {
			if (blen != 0)
				return REC_BAD;
			m->len = c.pos;
			return REC_DONE;
		}
		cur_init(&body, c.p + c.pos, blen);
		if (take_body(&body, type, (t & REC_CRITICAL) != 0, blen, m) !=
		        0 ||
		    body.err)
			return REC_BAD;
		cur_skip(&c, blen);
	}
	return len >= REC_MSG_MAX ? REC_BAD : REC_MORE;
}

int
rec_put(uint8_t *buf, size_t *len, size_t cap, int critical, uint16_t type,
    const uint8_t *body, size_t blen)
{
	struct wcur w;

	if (blen > 0xffff || *len > cap || cap - *len < 4 + blen)
		return -1;
	wcur_init(&w, buf + *len, cap - *len);
	wcur_u16(&w, (uint16_t)(type | (critical ? REC_CRITICAL : 0)));
	wcur_u16(&w, (uint16_t)blen);
	if (body != NULL && blen > 0)
		wcur_bytes(&w, body, blen);
	else
		memset(buf + *len + 4, 0, blen);
	*len += 4 + blen;
	return 0;
}

int
rec_put_u16s(uint8_t *buf, size_t *len, size_t cap, int critical, uint16_t type,
    const uint16_t *v, size_t n)
{
	uint8_t body[2 * REC_MAX_LIST];
	size_t i;

	if (n > REC_MAX_LIST)
		return -1;
	for (i = 0; i < n; i++) {
		body[2 * i] = (uint8_t)(v[i] >> 8);
		body[2 * i + 1] = (uint8_t)v[i];
	}
	return rec_put(buf, len, cap, critical, type, body, 2 * n);
}

size_t
rec_client_request(uint8_t *buf, size_t cap, uint16_t aead)
{
	static const uint16_t ntpv4 = REC_PROTO_NTPV4;
	size_t len = 0;

	if (rec_put_u16s(buf, &len, cap, 1, REC_NEXT_PROTO, &ntpv4, 1) != 0 ||
	    rec_put_u16s(buf, &len, cap, 1, REC_AEAD, &aead, 1) != 0 ||
	    rec_put(buf, &len, cap, 1, REC_EOM, NULL, 0) != 0)
		return 0;
	return len;
}

static int
has_id(const uint16_t *v, int n, uint16_t id)
{
	int i;

	for (i = 0; i < n; i++)
		if (v[i] == id)
			return 1;
	return 0;
}

void
rec_decide(const struct rec_msg *req, uint16_t supported, struct rec_answer *a)
{
	a->error = -1;
	a->proto_ok = 0;
	a->aead = 0;
	if (req->unknown_critical) {
		a->error = REC_ERR_UNRECOGNIZED;
		return;
	}
	/* Exactly one Next Protocol record (4.1.2); at most one AEAD
	 * record; Error and Warning records come from servers only. */
	if (req->n_proto_recs != 1 || req->n_aead_recs > 1 || req->has_error ||
	    req->has_warning) {
		a->error = REC_ERR_BAD_REQUEST;
		return;
	}
	a->proto_ok = has_id(req->proto, req->n_proto, REC_PROTO_NTPV4);
	/* No AEAD record: the client accepts the mandatory algorithm. */
	if (req->n_aead_recs == 0 || has_id(req->aead, req->n_aead, supported))
		a->aead = supported;
}

size_t
rec_server_response(uint8_t *buf, size_t cap, const struct rec_answer *a,
    const uint8_t *const *cookie, size_t cookie_len, int n_cookies,
    uint16_t port)
{
	static const uint16_t ntpv4 = REC_PROTO_NTPV4;
	uint16_t err = (uint16_t)a->error;
	size_t len = 0;
	int i;

	if (a->error >= 0) {
		if (rec_put_u16s(buf, &len, cap, 1, REC_ERROR, &err, 1) != 0)
			return 0;
	} else {
		if (rec_put_u16s(buf, &len, cap, 1, REC_NEXT_PROTO, &ntpv4,
		        a->proto_ok ? 1 : 0) != 0 ||
		    rec_put_u16s(buf, &len, cap, 1, REC_AEAD, &a->aead,
		        a->aead ? 1 : 0) != 0)
			return 0;
		for (i = 0; a->proto_ok && a->aead && i < n_cookies; i++)
			if (rec_put(buf, &len, cap, 0, REC_COOKIE, cookie[i],
			        cookie_len) != 0)
				return 0;
		/* Not critical: a client that ignores it can still try
		 * port 123. */
		if (port != 0 && a->proto_ok && a->aead &&
		    rec_put_u16s(buf, &len, cap, 0, REC_PORT, &port, 1) != 0)
			return 0;
	}
	if (rec_put(buf, &len, cap, 1, REC_EOM, NULL, 0) != 0)
		return 0;
	return len;
}

const char *
rec_check_response(const struct rec_msg *m, uint16_t aead)
{
	static const char *const errs[] = { "unrecognized critical record",
		"bad request", "internal server error" };

	if (m->has_error)
		return m->error < 3 ? errs[m->error] : "error record";
	if (m->unknown_critical)
		return "unknown critical record";
	if (m->n_proto_recs != 1 || m->n_proto != 1 ||
	    m->proto[0] != REC_PROTO_NTPV4)
		return "no NTPv4 in the next protocol record";
	if (m->n_aead_recs != 1 || m->n_aead != 1 || m->aead[0] != aead)
		return "the AEAD algorithm was not accepted";
	if (m->n_cookies == 0)
		return "no cookies";
	return NULL;
}

// SPDX-License-Identifier: ISC
/* ctlmru: the MRU list over mode 6.  See ctlmru.h. */
#include "daemon/ctlmru.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/acl.h"
#include "core/rl.h"
#include "core/ts.h"
#include "daemon/engine.h"

#define RES_LIMITED 0x0020u /* ntpd's restrict bits, as ntpq reads rs.N */
#define RES_KOD 0x0400u
#define ENTRY_MAX 260 /* text of one entry, at most */
#define TAIL_MAX 80   /* now=..., last.newest=... */

/* The asker's address as two 64-bit words. */
static void
addr_words(const struct udp_peer *p, uint64_t *m0, uint64_t *m1)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)&p->sa;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&p->sa;
	uint8_t b[16] = { 0 };

	if (p->sa.ss_family == AF_INET)
		memcpy(b, &s4->sin_addr, 4);
	else if (p->sa.ss_family == AF_INET6)
		memcpy(b, &s6->sin6_addr, 16);
	memcpy(m0, b, 8);
	memcpy(m1, b + 8, 8);
}

static uint64_t
nonce_hash(const struct engine *e, const struct udp_peer *from, uint32_t t)
{
	uint64_t m0, m1, h;

	addr_words(from, &m0, &m1);
	h = rl_siphash(e->mru_key0, e->mru_key1, m0, m1);
	return rl_siphash(e->mru_key0, e->mru_key1, h, t);
}

void
ctlmru_nonce(const struct engine *e, const struct udp_peer *from,
    int64_t clock_ns, struct ctl_txt *t)
{
	uint32_t s = (uint32_t)(clock_ns / TS_NS_PER_S);
	char b[CTLMRU_NONCE_LEN + 1];

	snprintf(b, sizeof(b), "%08x%016llx", (unsigned)s,
	    (unsigned long long)nonce_hash(e, from, s));
	ctl_txt_raw(t, "nonce", b, CTLMRU_NONCE_LEN);
}

static int
nonce_ok(const struct engine *e, const struct udp_peer *from,
    const struct ctl_var *v, int64_t clock_ns)
{
	char b[CTLMRU_NONCE_LEN + 1], ts[9], *end;
	uint32_t s, now = (uint32_t)(clock_ns / TS_NS_PER_S);
	unsigned long long h;

	if (v->value == NULL || v->value_len != CTLMRU_NONCE_LEN)
		return 0;
	memcpy(b, v->value, CTLMRU_NONCE_LEN);
	b[CTLMRU_NONCE_LEN] = '\0';
	memcpy(ts, b, 8);
	ts[8] = '\0';
	s = (uint32_t)strtoul(ts, &end, 16);
	if (*end != '\0')
		return 0;
	h = strtoull(b + 8, &end, 16);
	if (*end != '\0' || now - s > CTLMRU_NONCE_S)
		return 0;
	return h == nonce_hash(e, from, s);
}

/* What the request asks: rows, fragments, a floor on the count, and the
 * newest last-seen time it already holds. */
struct mru_req {
	int nonce_ok;
	long frags, limit, mincount;
	uint64_t after;    /* NTP time; 0: from the start */
	int after_idx;     /* the N of the last.N that gave it, -1 */
	char addr[64][80]; /* addr.N as given, for N < 64 */
};

static long
num(const struct ctl_var *v)
{
	char b[32];
	size_t n = v->value_len < sizeof(b) - 1 ? v->value_len : sizeof(b) - 1;

	if (v->value == NULL)
		return 0;
	memcpy(b, v->value, n);
	b[n] = '\0';
	return strtol(b, NULL, 0);
}

static uint64_t
ntp_time(const struct ctl_var *v)
{
	char b[32], *dot;
	size_t n = v->value_len < sizeof(b) - 1 ? v->value_len : sizeof(b) - 1;

	if (v->value == NULL)
		return 0;
	memcpy(b, v->value, n);
	b[n] = '\0';
	if ((dot = strchr(b, '.')) == NULL)
		return 0;
	*dot = '\0';
	return strtoull(b, NULL, 16) << 32 | strtoull(dot + 1, NULL, 16);
}

/* "12" of "last.12"; -1 when not digits. */
static int
index_of(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	if (n == 0 || n > 4)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static void
parse_req(const struct engine *e, const struct udp_peer *from, const char *req,
    size_t len, int64_t clock_ns, struct mru_req *q)
{
	struct ctl_vcur c;
	struct ctl_var v;
	uint64_t t;
	int i;

	memset(q, 0, sizeof(*q));
	q->after_idx = -1;
	ctl_vcur_init(&c, req, len);
	while (ctl_var_next(&c, &v)) {
		if (ctl_var_is(&v, "nonce"))
			q->nonce_ok = nonce_ok(e, from, &v, clock_ns);
		else if (ctl_var_is(&v, "frags"))
			q->frags = num(&v);
		else if (ctl_var_is(&v, "limit"))
			q->limit = num(&v);
		else if (ctl_var_is(&v, "mincount"))
			q->mincount = num(&v);
		else if (v.name_len > 5 && memcmp(v.name, "last.", 5) == 0 &&
		    (t = ntp_time(&v)) > q->after) {
			q->after = t;
			q->after_idx = index_of(v.name + 5, v.name_len - 5);
		} else if (v.name_len > 5 && memcmp(v.name, "addr.", 5) == 0 &&
		    (i = index_of(v.name + 5, v.name_len - 5)) >= 0 && i < 64)
			snprintf(q->addr[i], sizeof(q->addr[i]), "%.*s",
			    (int)v.value_len, v.value != NULL ? v.value : "");
	}
}

static uint64_t
ntp_at(int64_t clock_ns)
{
	uint64_t v = 0;

	(void)ts_to_ntp64(clock_ns, &v);
	return v;
}

/* "a.b.c.d:port" or "[v6::]:port" */
static size_t
addr_text(const struct eng_mru *m, char *b, size_t cap)
{
	char a[INET6_ADDRSTRLEN];

	if (inet_ntop(m->family == 4 ? AF_INET : AF_INET6, m->addr, a,
	        sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "?");
	return (size_t)snprintf(b, cap, m->family == 4 ? "%s:%u" : "[%s]:%u", a,
	    (unsigned)m->port);
}

static void
entry(const struct eng_mru *m, int i, int64_t clock_ns, int64_t mono_ns,
    struct ctl_txt *t)
{
	char name[24], b[80];
	size_t n = addr_text(m, b, sizeof(b));
	unsigned rs = ((m->flags & ACL_LIMITED) ? RES_LIMITED : 0) |
	    ((m->flags & ACL_KOD) ? RES_KOD : 0);

	snprintf(name, sizeof(name), "addr.%d", i);
	ctl_txt_raw(t, name, b, n);
	snprintf(name, sizeof(name), "last.%d", i);
	ctl_txt_ts(t, name, ntp_at(clock_ns - (mono_ns - m->last_mono_ns)));
	snprintf(name, sizeof(name), "first.%d", i);
	ctl_txt_ts(t, name, ntp_at(clock_ns - (mono_ns - m->first_mono_ns)));
	snprintf(name, sizeof(name), "ct.%d", i);
	ctl_txt_int(t, name, (int64_t)m->count);
	snprintf(name, sizeof(name), "mv.%d", i);
	ctl_txt_int(t, name, m->mv);
	snprintf(name, sizeof(name), "rs.%d", i);
	ctl_txt_hex(t, name, rs);
	snprintf(name, sizeof(name), "dr.%d", i);
	ctl_txt_int(t, name, (int64_t)m->dropped);
}

/* Where to go on from: after the entry whose address came with the
 * newest last.N the asker holds (entries are ordered by when they were
 * last seen, so that is where its list ends); 0 when none (then by time,
 * entries seen after that last.N). */
static int
resume_at(const struct eng_mru *v, int n, const struct mru_req *q)
{
	char b[80];
	int i;

	if (q->after_idx < 0 || q->after_idx >= 64 ||
	    q->addr[q->after_idx][0] == '\0')
		return 0;
	for (i = n - 1; i >= 0; i--) {
		addr_text(&v[i], b, sizeof(b));
		if (strcmp(b, q->addr[q->after_idx]) == 0)
			return i + 1;
	}
	return 0;
}

int
ctlmru_read(struct engine *e, const struct udp_peer *from, const char *req,
    size_t len, int64_t clock_ns, int64_t mono_ns, size_t cap_bytes,
    struct ctl_txt *t)
{
	struct eng_mru *v = NULL;
	struct mru_req q;
	uint64_t last, newest = 0;
	size_t budget;
	int n, i, start, rows = 0;

	parse_req(e, from, req, len, clock_ns, &q);
	if (!q.nonce_ok)
		return -1;
	if ((n = eng_mru_snapshot(e, &v)) < 0)
		return -2;
	budget = cap_bytes;
	if (q.frags > 0 && (size_t)q.frags * CTL_FRAG_MAX < budget)
		budget = (size_t)q.frags * CTL_FRAG_MAX;
	ctlmru_nonce(e, from, clock_ns, t);
	start = resume_at(v, n, &q);
	for (i = start; i < n; i++) {
		last = ntp_at(clock_ns - (mono_ns - v[i].last_mono_ns));
		if ((start == 0 && last <= q.after) ||
		    (long)v[i].count < q.mincount)
			continue;
		if (t->len + ENTRY_MAX + TAIL_MAX > budget ||
		    (q.limit > 0 && rows >= q.limit))
			break;
		entry(&v[i], rows++, clock_ns, mono_ns, t);
		newest = last;
	}
	/* all given: say so, or ntpq asks again from the newest it has */
	if (i == n) {
		ctl_txt_ts(t, "now", ntp_at(clock_ns));
		ctl_txt_ts(t, "last.newest", newest);
	}
	free(v);
	return 0;
}

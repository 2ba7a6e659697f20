// SPDX-License-Identifier: ISC
/*
 * ncli: one source's NTS client state and the core's hooks (ncli.h).
 * Runs in the client half's thread only; the KE runs in a kecli thread
 * whose result is collected here, at the next request.
 */
#include "nts/ncli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ts.h"
#include "nts/ef.h"
#include "os/clk.h"
#include "os/rnd.h"
#include "os/sfile.h"

#define NCLI_DUMP_MAX 8192
#define NCLI_NONCE 16

static void
set_port(struct sockaddr_storage *sa, uint16_t port)
{
	if (sa->ss_family == AF_INET)
		((struct sockaddr_in *)(void *)sa)->sin_port = htons(port);
	else if (sa->ss_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)sa)->sin6_port = htons(port);
}

static socklen_t
sa_len(const struct sockaddr_storage *sa)
{
	return sa->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                 : sizeof(struct sockaddr_in);
}

/* The dump file's name: the host name, with anything but [A-Za-z0-9.-:]
 * replaced, and ".nts". */
static void
dump_name(const struct ncli *n, char *out, size_t cap)
{
	size_t i, k = 0;

	for (i = 0; n->name[i] != '\0' && k + 5 < cap && k < 200; i++) {
		char c = n->name[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':';

		out[k++] = ok ? c : '_';
	}
	if (k > 0 && out[0] == '.')
		out[0] = '_';
	memcpy(out + k, ".nts", 5);
}

static void
put_hex(char *buf, size_t cap, size_t *pos, const uint8_t *b, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len && *pos + 2 < cap; i++) {
		buf[(*pos)++] = hex[b[i] >> 4];
		buf[(*pos)++] = hex[b[i] & 15];
	}
}

static size_t
get_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t i;
	unsigned v;

	for (i = 0; i < cap && s[2 * i] != '\0' && s[2 * i + 1] != '\0'; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return 0;
		out[i] = (uint8_t)v;
	}
	return s[2 * i] == '\0' ? i : 0;
}

static void
save_jar(struct ncli *n)
{
	char buf[NCLI_DUMP_MAX], fname[SFILE_NAME_MAX], ntp[64];
	size_t pos;
	int i;

	if (n->dump_dirfd < 0 || !n->have_keys || n->n_cookies == 0)
		return;
	udp_addr_str((const struct sockaddr *)&n->dest->sa, ntp, sizeof(ntp));
	pos =
	    (size_t)snprintf(buf, sizeof(buf), "stratum-nts-client 1\n%s %u\n",
	        ntp, (unsigned)udp_port((const struct sockaddr *)&n->dest->sa));
	put_hex(buf, sizeof(buf), &pos, n->c2s, sizeof(n->c2s));
	buf[pos++] = ' ';
	put_hex(buf, sizeof(buf), &pos, n->s2c, sizeof(n->s2c));
	buf[pos++] = '\n';
	for (i = 0;
	     i < n->n_cookies && pos + 2 * KECLI_COOKIE_MAX + 2 < sizeof(buf);
	     i++) {
		put_hex(buf, sizeof(buf), &pos, n->cookie[i], n->cookie_len[i]);
		buf[pos++] = '\n';
	}
	dump_name(n, fname, sizeof(fname));
	if (sfile_replace(n->dump_dirfd, fname, buf, pos, 0600) != 0)
		log_msg(n->log, LOG_WARNING,
		    "server %s: cannot save NTS "
		    "cookies to %s: %s",
		    n->name, fname, strerror(errno));
	memset(buf, 0, sizeof(buf));
}

/* One line of the dump: the NTP address and port (must be the source's
 * address: a name that moved does not take old cookies along). */
static int
load_lines(struct ncli *n, char *text)
{
	char *save = NULL, *line, ip[64], k1[80], k2[80];
	char ours[64];
	unsigned port;

	line = strtok_r(text, "\n", &save);
	if (line == NULL || strcmp(line, "stratum-nts-client 1") != 0)
		return -1;
	line = strtok_r(NULL, "\n", &save);
	udp_addr_str((const struct sockaddr *)&n->dest->sa, ours, sizeof(ours));
	if (line == NULL || sscanf(line, "%63s %u", ip, &port) != 2 ||
	    strcmp(ip, ours) != 0 || port == 0 || port > 65535)
		return -1;
	line = strtok_r(NULL, "\n", &save);
	if (line == NULL || sscanf(line, "%79s %79s", k1, k2) != 2 ||
	    get_hex(k1, n->c2s, sizeof(n->c2s)) != AEAD_KEY_LEN ||
	    get_hex(k2, n->s2c, sizeof(n->s2c)) != AEAD_KEY_LEN)
		return -1;
	while ((line = strtok_r(NULL, "\n", &save)) != NULL &&
	    n->n_cookies < NCLI_JAR) {
		size_t cl =
		    get_hex(line, n->cookie[n->n_cookies], KECLI_COOKIE_MAX);

		if (cl == 0)
			return -1;
		n->cookie_len[n->n_cookies++] = cl;
	}
	set_port(&n->dest->sa, (uint16_t)port);
	n->have_keys = 1;
	return 0;
}

static void
load_jar(struct ncli *n)
{
	char buf[NCLI_DUMP_MAX + 1], fname[SFILE_NAME_MAX];
	ssize_t r;
	int fd;

	if (n->dump_dirfd < 0)
		return;
	dump_name(n, fname, sizeof(fname));
	fd = openat(n->dump_dirfd, fname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	r = read(fd, buf, NCLI_DUMP_MAX);
	close(fd);
	if (r <= 0)
		return;
	buf[r] = '\0';
	if (load_lines(n, buf) != 0 || n->n_cookies == 0) {
		n->have_keys = 0;
		n->n_cookies = 0;
	} else {
		log_msg(n->log, LOG_INFO,
		    "server %s: %d NTS cookies read from %s", n->name,
		    n->n_cookies, fname);
	}
	memset(buf, 0, sizeof(buf));
	/* Used once: the file must not hand them out again. */
	(void)unlinkat(n->dump_dirfd, fname, 0);
}

void
ncli_init(struct ncli *n, const struct logger *lg, SSL_CTX *ctx,
    const char *name, struct udp_peer *dest, uint16_t ke_port, int dump_dirfd)
{
	memset(n, 0, sizeof(*n));
	n->in_use = 1;
	n->log = lg;
	n->ctx = ctx;
	(void)snprintf(n->name, sizeof(n->name), "%s", name);
	n->dest = dest;
	n->ke_port = ke_port;
	n->dump_dirfd = dump_dirfd;
	n->retry_s = NCLI_RETRY_MIN_S;
	n->next_ke_mono_ns = clk_mono_now();
	load_jar(n);
}

void
ncli_close(struct ncli *n)
{
	if (!n->in_use)
		return;
	save_jar(n);
	if (n->job != NULL)
		kecli_abandon(n->job);
	memset(n, 0, sizeof(*n));
}

static void ke_failed(struct ncli *n, const char *why);

static void
start_ke(struct ncli *n)
{
	struct kecli_job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return;
	j->ctx = n->ctx;
	(void)snprintf(j->name, sizeof(j->name), "%s", n->name);
	memcpy(&j->ke, &n->dest->sa, sa_len(&n->dest->sa));
	j->ntp_port = udp_port((const struct sockaddr *)&n->dest->sa);
	set_port(&j->ke, n->ke_port);
	if (n->ctx == NULL) {
		free(j);
		ke_failed(n,
		    "its CA file was not read at start (added by a "
		    "reload?): restart stratumd");
		return;
	}
	if (kecli_start(j) != 0) {
		free(j);
		n->next_ke_mono_ns =
		    clk_mono_now() + (int64_t)n->retry_s * TS_NS_PER_S;
		return;
	}
	n->job = j;
}

static void
ke_failed(struct ncli *n, const char *why)
{
	log_msg(n->log, n->ke_failing ? LOG_INFO : LOG_WARNING,
	    "server %s: NTS-KE failed: %s; nothing is sent to it "
	    "unauthenticated; retrying in %d s",
	    n->name, why, n->retry_s);
	n->ke_failing = 1;
	n->next_ke_mono_ns = clk_mono_now() + (int64_t)n->retry_s * TS_NS_PER_S;
	n->retry_s = n->retry_s * 2 > NCLI_RETRY_MAX_S ? NCLI_RETRY_MAX_S
	                                               : n->retry_s * 2;
}

/* The KE has finished: take its keys, cookies and NTP address. */
static void
collect(struct ncli *n)
{
	struct kecli_job *j = n->job;
	char ip[64];
	int i;

	n->job = NULL;
	if (!j->ok) {
		ke_failed(n, j->err);
	} else {
		memcpy(n->c2s, j->c2s, sizeof(n->c2s));
		memcpy(n->s2c, j->s2c, sizeof(n->s2c));
		n->have_keys = 1;
		n->n_cookies = 0;
		for (i = 0; i < j->n_cookies && i < NCLI_JAR; i++) {
			memcpy(n->cookie[i], j->cookie[i], j->cookie_len[i]);
			n->cookie_len[i] = j->cookie_len[i];
			n->n_cookies++;
		}
		memcpy(&n->dest->sa, &j->ntp, sa_len(&j->ntp));
		n->dest->len = sa_len(&j->ntp);
		n->n_ke++;
		n->last_ke_real_ns = clk_real_now();
		n->retry_s = NCLI_RETRY_MIN_S;
		n->ke_failing = 0;
		n->uid_valid = 0;
		udp_addr_str((const struct sockaddr *)&j->ntp, ip, sizeof(ip));
		log_msg(n->log, LOG_INFO,
		    "server %s: NTS-KE done in %lld ms: %d cookies, AEAD 15, "
		    "NTP to %s port %u",
		    n->name, (long long)j->took_ms, n->n_cookies, ip,
		    (unsigned)udp_port((const struct sockaddr *)&j->ntp));
	}
	memset(j, 0, sizeof(*j));
	free(j);
}

/* Append the NTS fields: identifier, the cookie, placeholders, and the
 * authenticator over all of it. */
static int
put_fields(struct ncli *n, uint8_t *pkt, size_t *len, size_t cap)
{
	uint8_t nonce[NCLI_NONCE], tag[AEAD_TAG_LEN];
	size_t clen = n->cookie_len[n->n_cookies - 1], need;
	const uint8_t *ck = n->cookie[n->n_cookies - 1];
	int ph = NCLI_JAR - n->n_cookies, i;

	if (rnd_bytes(n->uid, sizeof(n->uid)) != 0 ||
	    rnd_bytes(nonce, sizeof(nonce)) != 0)
		return -1;
	/* As many placeholders (each as long as the cookie, RFC 8915
	 * section 5.7) as fit the buffer. */
	for (;;) {
		need = *len + 4 + sizeof(n->uid) +
		    (size_t)(1 + ph) * (4 + ((clen + 3) & ~(size_t)3)) +
		    ef_auth_len(NCLI_NONCE, AEAD_TAG_LEN);
		if (need <= cap || ph == 0)
			break;
		ph--;
	}
	if (ef_put(pkt, len, cap, EF_UID, n->uid, sizeof(n->uid)) != 0 ||
	    ef_put(pkt, len, cap, EF_COOKIE, ck, clen) != 0)
		return -1;
	for (i = 0; i < ph; i++)
		if (ef_put(pkt, len, cap, EF_PLACEHOLDER, NULL, clen) != 0)
			return -1;
	aead_seal(n->c2s, nonce, sizeof(nonce), pkt, *len, NULL, 0, tag);
	return ef_put_auth(pkt, len, cap, nonce, sizeof(nonce), tag,
	    sizeof(tag));
}

int
ncli_sign(void *ctx, int src, uint8_t *pkt, size_t *len, size_t cap)
{
	struct ncli *n = ctx;

	(void)src;
	if (n->job != NULL && kecli_poll(n->job))
		collect(n);
	if (!n->have_keys || n->n_cookies == 0) {
		if (n->have_keys && n->uid_valid)
			log_msg(n->log, LOG_NOTICE,
			    "server %s: all NTS cookies used without a "
			    "reply; new NTS-KE",
			    n->name);
		n->have_keys = 0;
		n->uid_valid = 0;
		if (n->job == NULL && clk_mono_now() >= n->next_ke_mono_ns)
			start_ke(n);
		return -1;
	}
	if (put_fields(n, pkt, len, cap) != 0)
		return -1;
	/* Each cookie is used once (section 5.7). */
	n->n_cookies--;
	memset(n->cookie[n->n_cookies], 0, KECLI_COOKIE_MAX);
	n->uid_valid = 1;
	return 0;
}

static int
reject(struct ncli *n, const char *why)
{
	n->n_bad++;
	n->authentic = 0;
	if (!n->rejecting)
		log_msg(n->log, LOG_WARNING,
		    "server %s: reply rejected: %s; not used", n->name, why);
	n->rejecting = 1;
	return -1;
}

/* An NTS NAK (section 5.7): the server cannot open our cookie. */
static int
nak(struct ncli *n)
{
	n->n_nak++;
	n->authentic = 0;
	log_msg(n->log, LOG_NOTICE,
	    "server %s: NTS NAK (cookie refused); new NTS-KE", n->name);
	n->have_keys = 0;
	n->n_cookies = 0;
	n->uid_valid = 0;
	n->next_ke_mono_ns = clk_mono_now();
	return -1;
}

int
ncli_verify(void *ctx, int src, const uint8_t *pkt, size_t len)
{
	struct ncli *n = ctx;
	uint8_t pt[1024];
	struct ef_view ck[EF_MAX_COOKIES];
	struct ef_pkt e;
	int i, k;

	(void)src;
	if (ef_parse(pkt, len, &e) != EF_OK || e.n_uid == 0)
		return reject(n, "no NTS fields");
	if (!n->uid_valid || e.uid.len != sizeof(n->uid) ||
	    memcmp(e.uid.p, n->uid, sizeof(n->uid)) != 0)
		return reject(n,
		    "unique identifier does not match "
		    "(replayed or forged)");
	if (e.n_auth == 0) {
		if (len >= 48 && pkt[1] == 0 &&
		    memcmp(pkt + 12, "NTSN", 4) == 0)
			return nak(n);
		return reject(n, "no authenticator");
	}
	if (e.ct.len - AEAD_TAG_LEN > sizeof(pt) ||
	    aead_open(n->s2c, e.nonce.p, e.nonce.len, pkt, e.auth_off, e.ct.p,
	        e.ct.len, pt) != 0)
		return reject(n, "authenticator does not verify");
	k = ef_cookies(pt, e.ct.len - AEAD_TAG_LEN, ck, EF_MAX_COOKIES);
	for (i = 0; i < k && n->n_cookies < NCLI_JAR; i++) {
		if (ck[i].len > KECLI_COOKIE_MAX)
			continue;
		memcpy(n->cookie[n->n_cookies], ck[i].p, ck[i].len);
		n->cookie_len[n->n_cookies++] = ck[i].len;
	}
	memset(pt, 0, sizeof(pt));
	n->uid_valid = 0;
	if (n->rejecting)
		log_msg(n->log, LOG_NOTICE,
		    "server %s: NTS replies authenticate again", n->name);
	n->rejecting = 0;
	n->authentic = 1;
	return 0;
}

static const char *
ca_of(const struct conf *c, const struct conf_source *cs)
{
	return cs->nts_ca[0] != '\0' ? cs->nts_ca : c->nts_trusted;
}

SSL_CTX *
ncli_env_ctx(const struct ncli_env *e, const struct conf *c,
    const struct conf_source *cs)
{
	const char *p = ca_of(c, cs);
	int i;

	for (i = 0; e != NULL && i < e->n; i++)
		if (strcmp(e->path[i], p) == 0)
			return e->ctx[i];
	return NULL;
}

int
ncli_env_setup(struct ncli_env *e, const struct conf *c, char *err, size_t cap)
{
	const struct conf_source *cs;
	size_t i;
	int any = 0;

	memset(e, 0, sizeof(*e));
	e->dump_dirfd = -1;
	for (i = 0; i < c->n_sources; i++) {
		cs = &c->sources[i];
		if (!(cs->flags & CONF_SRC_NTS))
			continue;
		any = 1;
		if (ncli_env_ctx(e, c, cs) != NULL)
			continue;
		if (e->n == NCLI_MAX_CA) {
			(void)snprintf(err, cap, "more than %d CA files",
			    NCLI_MAX_CA);
			return -1;
		}
		if ((e->ctx[e->n] = kecli_ctx_new(ca_of(c, cs), err, cap)) ==
		    NULL)
			return -1;
		(void)snprintf(e->path[e->n], sizeof(e->path[0]), "%s",
		    ca_of(c, cs));
		e->n++;
	}
	if (any && c->nts_dumpdir[0] != '\0') {
		e->dump_dirfd =
		    open(c->nts_dumpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (e->dump_dirfd < 0) {
			(void)snprintf(err, cap, "ntsdumpdir %s: %s",
			    c->nts_dumpdir, strerror(errno));
			return -1;
		}
	}
	return 0;
}

void
ncli_env_close(struct ncli_env *e)
{
	int i;

	for (i = 0; i < e->n; i++)
		SSL_CTX_free(e->ctx[i]);
	e->n = 0;
	if (e->dump_dirfd >= 0)
		close(e->dump_dirfd);
	e->dump_dirfd = -1;
}

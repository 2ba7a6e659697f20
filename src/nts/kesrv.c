// SPDX-License-Identifier: ISC
/*
 * kesrv: the NTS-KE server thread and the cookie key ring (kesrv.h).
 * Every connection is a non-blocking TLS state machine driven by one
 * poll(2) loop: handshake, read the request until End of Message, write
 * the response, close.  Nothing here blocks on a peer.
 */
#include "nts/kesrv.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>

#include "core/ts.h"
#include "nts/rec.h"
#include "os/clk.h"
#include "os/proc.h"
#include "os/rnd.h"
#include "os/udp.h"

#define KESRV_TICK_MS 1000 /* how soon the thread notices a stop */

enum { ST_HANDSHAKE, ST_READ, ST_WRITE };

static const char exporter_label[] = "EXPORTER-network-time-security";

static void
tls_error(const struct kesrv *k, int prio, const char *what, const char *arg)
{
	char buf[256];
	unsigned long e = ERR_get_error();

	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	else
		(void)snprintf(buf, sizeof(buf), "%s",
		    errno ? strerror(errno) : "unknown error");
	log_msg(k->log, prio, "nts: %s %s: %s", what, arg, buf);
	ERR_clear_error();
}

int
kesrv_wanted(const struct conf *c)
{
	return c->nts_enable >= 0 && c->nts_cert[0] != '\0' &&
	    c->nts_key[0] != '\0';
}

/* ALPN: "ntske/1" or nothing (RFC 8915 section 4). */
static int
alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char ntske[] = "\x07ntske/1";
	unsigned char *sel = NULL;

	(void)ssl;
	(void)arg;
	if (SSL_select_next_proto(&sel, outlen, ntske, sizeof(ntske) - 1, in,
	        inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

static int
make_ctx(struct kesrv *k, const struct conf *c)
{
	struct stat st;

	k->ctx = SSL_CTX_new(TLS_server_method());
	if (k->ctx == NULL) {
		tls_error(k, LOG_ERR, "TLS context", "");
		return -1;
	}
	SSL_CTX_set_min_proto_version(k->ctx, TLS1_3_VERSION);
	SSL_CTX_set_session_cache_mode(k->ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(k->ctx, 0);
	SSL_CTX_set_mode(k->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE);
	SSL_CTX_set_alpn_select_cb(k->ctx, alpn_select, NULL);
	if (SSL_CTX_use_certificate_chain_file(k->ctx, c->nts_cert) != 1) {
		tls_error(k, LOG_ERR, "cannot use certificate", c->nts_cert);
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(k->ctx, c->nts_key, SSL_FILETYPE_PEM) !=
	    1) {
		tls_error(k, LOG_ERR, "cannot use key", c->nts_key);
		return -1;
	}
	if (SSL_CTX_check_private_key(k->ctx) != 1) {
		tls_error(k, LOG_ERR, "key does not match certificate",
		    c->nts_key);
		return -1;
	}
	if (stat(c->nts_key, &st) == 0 && (st.st_mode & S_IROTH))
		log_msg(k->log, LOG_WARNING,
		    "nts: %s is readable by everyone; it should not be",
		    c->nts_key);
	return 0;
}

/* A fresh key as the sealing one. */
static int
new_key(struct kesrv *k, int64_t now_s)
{
	uint8_t key[AEAD_KEY_LEN];
	uint32_t id;

	if (rnd_bytes(key, sizeof(key)) != 0 || rnd_bytes(&id, sizeof(id)) != 0)
		return -1;
	pthread_rwlock_wrlock(&k->lock);
	cookie_add_key(&k->ring, id, key, now_s);
	pthread_rwlock_unlock(&k->lock);
	memset(key, 0, sizeof(key));
	return 0;
}

static void
save_keys(struct kesrv *k)
{
	char text[COOKIE_TEXT_MAX];
	size_t n;

	if (k->dirfd < 0)
		return;
	pthread_rwlock_rdlock(&k->lock);
	n = cookie_format(&k->ring, text, sizeof(text));
	pthread_rwlock_unlock(&k->lock);
	if (n >= sizeof(text) ||
	    sfile_replace(k->dirfd, k->keyname, text, n, 0600) != 0)
		log_msg(k->log, LOG_WARNING,
		    "nts: cannot save the cookie keys to %s: %s; cookies "
		    "will not survive a restart",
		    k->keyname, strerror(errno));
	memset(text, 0, sizeof(text));
}

/* Read the saved keys; -1 when there are none usable. */
static int
read_keys(struct kesrv *k)
{
	char text[COOKIE_TEXT_MAX];
	ssize_t n;
	int fd, rc;

	fd = openat(k->dirfd, k->keyname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, text, sizeof(text));
	close(fd);
	rc = n > 0 && (size_t)n < sizeof(text)
	    ? cookie_load(&k->ring, text, (size_t)n)
	    : -1;
	memset(text, 0, sizeof(text));
	if (rc != 0)
		log_msg(k->log, LOG_WARNING,
		    "nts: %s is not a key file of ours; making new keys",
		    k->keyname);
	return rc;
}

static int
open_keys(struct kesrv *k, const struct conf *c)
{
	char path[CONF_PATH_MAX + 16];

	k->dirfd = -1;
	if (c->nts_keyfile[0] != '\0')
		(void)snprintf(path, sizeof(path), "%s", c->nts_keyfile);
	else if (c->nts_dumpdir[0] != '\0')
		(void)snprintf(path, sizeof(path), "%s/ntskeys",
		    c->nts_dumpdir);
	else
		path[0] = '\0';
	if (path[0] != '\0' &&
	    sfile_dir_open(path, &k->dirfd, k->keyname, sizeof(k->keyname)) !=
	        0) {
		log_msg(k->log, LOG_ERR,
		    "nts: cannot open the directory of %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (k->dirfd >= 0 && read_keys(k) == 0) {
		log_msg(k->log, LOG_INFO, "nts: %d cookie keys read from %s",
		    k->ring.n, path);
		return 0;
	}
	if (new_key(k, clk_real_now() / TS_NS_PER_S) != 0) {
		log_msg(k->log, LOG_ERR, "nts: no random bytes for a key");
		return -1;
	}
	if (k->dirfd < 0)
		log_msg(k->log, LOG_NOTICE,
		    "nts: no ntsdumpdir: cookies become invalid at restart");
	save_keys(k);
	return 0;
}

int
kesrv_load(struct kesrv *k, const struct conf *c, const struct logger *lg)
{
	memset(k, 0, sizeof(*k));
	k->log = lg;
	k->port = c->nts_port;
	k->ntp_port = c->port;
	k->rotate_s = c->nts_rotate_s;
	k->dirfd = -1;
	pthread_rwlock_init(&k->lock, NULL);
	k->conn = calloc(KESRV_MAX_CONN, sizeof(*k->conn));
	if (k->conn == NULL)
		return -1;
	for (int i = 0; i < KESRV_MAX_CONN; i++)
		k->conn[i].fd = -1;
	if (make_ctx(k, c) != 0 || open_keys(k, c) != 0)
		return -1;
	return 0;
}

static int
listen_one(struct kesrv *k, const struct sockaddr_storage *a)
{
	struct sockaddr_storage sa = *a;
	socklen_t len;
	char host[64];
	int fd, one = 1;

	if (sa.ss_family == AF_INET) {
		((struct sockaddr_in *)(void *)&sa)->sin_port = htons(k->port);
		len = sizeof(struct sockaddr_in);
	} else if (sa.ss_family == AF_INET6) {
		((struct sockaddr_in6 *)(void *)&sa)->sin6_port =
		    htons(k->port);
		len = sizeof(struct sockaddr_in6);
	} else {
		return -1;
	}
	udp_addr_str((const struct sockaddr *)&sa, host, sizeof(host));
	fd =
	    socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, len) != 0 || listen(fd, 64) != 0) {
		log_msg(k->log, LOG_ERR, "nts: cannot listen on %s port %u: %s",
		    host, (unsigned)k->port, strerror(errno));
		close(fd);
		return -1;
	}
	log_msg(k->log, LOG_INFO, "nts: key exchange on %s port %u", host,
	    (unsigned)k->port);
	return fd;
}

int
kesrv_listen(struct kesrv *k, const struct sockaddr_storage *addrs, int n)
{
	int i, fd;

	for (i = 0; i < n && k->n_lfd < KESRV_MAX_LISTEN; i++)
		if ((fd = listen_one(k, &addrs[i])) >= 0)
			k->lfd[k->n_lfd++] = fd;
	return k->n_lfd > 0 ? k->n_lfd : -1;
}

static void
conn_close(struct kesrv_conn *cn)
{
	if (cn->ssl != NULL)
		SSL_free(cn->ssl);
	if (cn->fd >= 0)
		close(cn->fd);
	memset(cn->in, 0, sizeof(cn->in));
	memset(cn->out, 0, sizeof(cn->out));
	cn->ssl = NULL;
	cn->fd = -1;
}

/* The response to a complete request (RFC 8915 section 4.1). */
static void
respond(struct kesrv *k, struct kesrv_conn *cn, const struct rec_msg *m)
{
	static const uint8_t ctx_c2s[5] = { 0, 0, 0, AEAD_SIV_CMAC_256, 0 };
	static const uint8_t ctx_s2c[5] = { 0, 0, 0, AEAD_SIV_CMAC_256, 1 };
	uint8_t c2s[AEAD_KEY_LEN], s2c[AEAD_KEY_LEN];
	uint8_t cookies[KESRV_COOKIES][COOKIE_LEN];
	const uint8_t *ck[KESRV_COOKIES];
	struct rec_answer a;
	int i, n = 0;

	rec_decide(m, AEAD_SIV_CMAC_256, &a);
	if (a.error < 0 && a.proto_ok && a.aead) {
		if (SSL_export_keying_material(cn->ssl, c2s, sizeof(c2s),
		        exporter_label, sizeof(exporter_label) - 1, ctx_c2s,
		        sizeof(ctx_c2s), 1) != 1 ||
		    SSL_export_keying_material(cn->ssl, s2c, sizeof(s2c),
		        exporter_label, sizeof(exporter_label) - 1, ctx_s2c,
		        sizeof(ctx_s2c), 1) != 1)
			a.error = REC_ERR_INTERNAL;
		for (i = 0; a.error < 0 && i < KESRV_COOKIES; i++) {
			if (kesrv_seal(k, c2s, s2c, cookies[i]) != 0) {
				a.error = REC_ERR_INTERNAL;
				break;
			}
			ck[n++] = cookies[i];
		}
	}
	cn->out_len =
	    rec_server_response(cn->out, sizeof(cn->out), &a, ck, COOKIE_LEN,
	        a.error < 0 ? n : 0, k->ntp_port == 123 ? 0 : k->ntp_port);
	cn->out_off = 0;
	cn->state = ST_WRITE;
	memset(c2s, 0, sizeof(c2s));
	memset(s2c, 0, sizeof(s2c));
	log_msg(k->log, LOG_DEBUG, "nts: key exchange with %s: %s, %d cookies",
	    cn->peer, a.error >= 0 ? "error record" : "answered", n);
}

/* Read what the client sent so far.  0: keep going, -1: close. */
static int
read_request(struct kesrv *k, struct kesrv_conn *cn, int *want)
{
	struct rec_msg m;
	enum rec_res r;
	int got, err;

	for (;;) {
		if (cn->in_len == sizeof(cn->in)) {
			log_msg(k->log, LOG_DEBUG, "nts: %s: request too long",
			    cn->peer);
			return -1;
		}
		got = SSL_read(cn->ssl, cn->in + cn->in_len,
		    (int)(sizeof(cn->in) - cn->in_len));
		if (got <= 0) {
			err = SSL_get_error(cn->ssl, got);
			if (err == SSL_ERROR_WANT_READ ||
			    err == SSL_ERROR_WANT_WRITE) {
				*want = err == SSL_ERROR_WANT_READ ? POLLIN
				                                   : POLLOUT;
				return 0;
			}
			return -1;
		}
		cn->in_len += (size_t)got;
		r = rec_parse(cn->in, cn->in_len, &m);
		if (r == REC_MORE)
			continue;
		if (r == REC_BAD) {
			memset(&m, 0, sizeof(m));
			m.n_proto_recs = 2; /* answered as a bad request */
		}
		respond(k, cn, &m);
		return 0;
	}
}

/* Advance one connection.  Returns 1 when finished (close it). */
static int
step(struct kesrv *k, struct kesrv_conn *cn, int *want)
{
	const unsigned char *alpn = NULL;
	unsigned alpn_len = 0;
	int r, err;

	*want = POLLIN;
	if (cn->state == ST_HANDSHAKE) {
		r = SSL_accept(cn->ssl);
		if (r != 1) {
			err = SSL_get_error(cn->ssl, r);
			if (err == SSL_ERROR_WANT_READ ||
			    err == SSL_ERROR_WANT_WRITE) {
				*want = err == SSL_ERROR_WANT_READ ? POLLIN
				                                   : POLLOUT;
				return 0;
			}
			log_msg(k->log, LOG_DEBUG,
			    "nts: TLS handshake with %s failed", cn->peer);
			ERR_clear_error();
			k->failed++;
			return 1;
		}
		SSL_get0_alpn_selected(cn->ssl, &alpn, &alpn_len);
		if (alpn_len == 0) {
			log_msg(k->log, LOG_DEBUG,
			    "nts: %s offered no ALPN ntske/1", cn->peer);
			k->failed++;
			return 1;
		}
		cn->state = ST_READ;
	}
	if (cn->state == ST_READ) {
		if (read_request(k, cn, want) != 0) {
			k->failed++;
			return 1;
		}
		if (cn->state == ST_READ)
			return 0;
	}
	while (cn->out_off < cn->out_len) {
		r = SSL_write(cn->ssl, cn->out + cn->out_off,
		    (int)(cn->out_len - cn->out_off));
		if (r <= 0) {
			err = SSL_get_error(cn->ssl, r);
			if (err == SSL_ERROR_WANT_READ ||
			    err == SSL_ERROR_WANT_WRITE) {
				*want = err == SSL_ERROR_WANT_READ ? POLLIN
				                                   : POLLOUT;
				return 0;
			}
			k->failed++;
			return 1;
		}
		cn->out_off += (size_t)r;
	}
	(void)SSL_shutdown(cn->ssl);
	k->answered++;
	return 1;
}

static void
accept_one(struct kesrv *k, int lfd, struct kesrv_conn *cn)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	int fd, one = 1;

	fd = accept4(lfd, (struct sockaddr *)&sa, &len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	k->accepted++;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	cn->ssl = SSL_new(k->ctx);
	if (cn->ssl == NULL || SSL_set_fd(cn->ssl, fd) != 1) {
		if (cn->ssl != NULL)
			SSL_free(cn->ssl);
		cn->ssl = NULL;
		close(fd);
		ERR_clear_error();
		return;
	}
	cn->fd = fd;
	cn->state = ST_HANDSHAKE;
	cn->in_len = cn->out_len = cn->out_off = 0;
	cn->deadline_mono_ns =
	    clk_mono_now() + (int64_t)KESRV_TIMEOUT_MS * 1000000;
	udp_addr_str((const struct sockaddr *)&sa, cn->peer, sizeof(cn->peer));
}

static void
rotate_if_due(struct kesrv *k)
{
	int64_t now_s = clk_real_now() / TS_NS_PER_S, made;

	pthread_rwlock_rdlock(&k->lock);
	made = k->ring.n > 0 ? k->ring.k[k->ring.n - 1].made_s : 0;
	pthread_rwlock_unlock(&k->lock);
	/* A key "made" in the future (clock stepped back) rotates too. */
	if (now_s - made < k->rotate_s && made <= now_s + 60)
		return;
	if (new_key(k, now_s) != 0)
		return;
	log_msg(k->log, LOG_INFO, "nts: new cookie key (rotation every %ld s)",
	    k->rotate_s);
	save_keys(k);
}

static void
loop_once(struct kesrv *k, int *want)
{
	struct pollfd pfd[KESRV_MAX_LISTEN + KESRV_MAX_CONN];
	int map[KESRV_MAX_CONN];
	int i, n = 0, busy = 0, timeout = KESRV_TICK_MS;
	int64_t now = clk_mono_now();

	for (i = 0; i < KESRV_MAX_CONN; i++) {
		struct kesrv_conn *cn = &k->conn[i];

		map[i] = -1;
		if (cn->fd < 0)
			continue;
		busy++;
		if (now >= cn->deadline_mono_ns) {
			log_msg(k->log, LOG_DEBUG, "nts: %s timed out",
			    cn->peer);
			k->timed_out++;
			conn_close(cn);
			busy--;
			continue;
		}
		if ((cn->deadline_mono_ns - now) / 1000000 + 1 < timeout)
			timeout =
			    (int)((cn->deadline_mono_ns - now) / 1000000 + 1);
		map[i] = n;
		pfd[n++] =
		    (struct pollfd){ .fd = cn->fd, .events = (short)want[i] };
	}
	/* Full: new connections wait in the backlog. */
	for (i = 0; busy < KESRV_MAX_CONN && i < k->n_lfd; i++)
		pfd[n++] = (struct pollfd){ .fd = k->lfd[i], .events = POLLIN };
	if (poll(pfd, (nfds_t)n, timeout) <= 0)
		return;
	for (i = 0; i < KESRV_MAX_CONN; i++) {
		if (map[i] < 0 || pfd[map[i]].revents == 0)
			continue;
		if (step(k, &k->conn[i], &want[i]))
			conn_close(&k->conn[i]);
	}
	for (i = n - 1; i >= 0 && pfd[i].fd >= 0; i--) {
		int j, slot = -1;

		if (!(pfd[i].revents & POLLIN))
			continue;
		for (j = 0; j < k->n_lfd; j++)
			if (pfd[i].fd == k->lfd[j])
				slot = j;
		if (slot < 0)
			break; /* the connections' part */
		for (j = 0; j < KESRV_MAX_CONN; j++)
			if (k->conn[j].fd < 0)
				break;
		if (j == KESRV_MAX_CONN)
			break;
		accept_one(k, k->lfd[slot], &k->conn[j]);
		if (k->conn[j].fd >= 0 && step(k, &k->conn[j], &want[j]))
			conn_close(&k->conn[j]);
	}
}

static void *
kesrv_main(void *arg)
{
	struct kesrv *k = arg;
	int want[KESRV_MAX_CONN];
	int i;

	for (i = 0; i < KESRV_MAX_CONN; i++)
		want[i] = POLLIN;
	while (!atomic_load(&k->stop)) {
		rotate_if_due(k);
		loop_once(k, want);
	}
	return NULL;
}

int
kesrv_start(struct kesrv *k)
{
	if (proc_thread_start(&k->thread, NULL, kesrv_main, k) != 0) {
		log_msg(k->log, LOG_ERR, "nts: cannot start the key exchange");
		return -1;
	}
	k->started = 1;
	return 0;
}

void
kesrv_stop(struct kesrv *k)
{
	int i;

	if (k->started) {
		atomic_store(&k->stop, 1);
		pthread_join(k->thread, NULL);
		k->started = 0;
		log_msg(k->log, LOG_INFO,
		    "nts: key exchanges: %llu accepted, %llu answered, %llu "
		    "failed, %llu timed out; NTS requests: %llu answered, "
		    "%llu NTS NAKs",
		    (unsigned long long)k->accepted,
		    (unsigned long long)k->answered,
		    (unsigned long long)k->failed,
		    (unsigned long long)k->timed_out,
		    (unsigned long long)atomic_load(&k->nts_answered),
		    (unsigned long long)atomic_load(&k->naks));
	}
	for (i = 0; k->conn != NULL && i < KESRV_MAX_CONN; i++)
		conn_close(&k->conn[i]);
	free(k->conn);
	k->conn = NULL;
	for (i = 0; i < k->n_lfd; i++)
		close(k->lfd[i]);
	k->n_lfd = 0;
	if (k->ctx != NULL)
		SSL_CTX_free(k->ctx);
	k->ctx = NULL;
	if (k->dirfd >= 0)
		close(k->dirfd);
	k->dirfd = -1;
	memset(&k->ring, 0, sizeof(k->ring));
}

int
kesrv_seal(struct kesrv *k, const uint8_t c2s[AEAD_KEY_LEN],
    const uint8_t s2c[AEAD_KEY_LEN], uint8_t *out)
{
	uint8_t nonce[AEAD_NONCE_LEN];
	int rc;

	if (rnd_bytes(nonce, sizeof(nonce)) != 0)
		return -1;
	pthread_rwlock_rdlock(&k->lock);
	rc = cookie_seal(&k->ring, c2s, s2c, nonce, out);
	pthread_rwlock_unlock(&k->lock);
	return rc;
}

int
kesrv_open(struct kesrv *k, const uint8_t *cookie, size_t len,
    uint8_t c2s[AEAD_KEY_LEN], uint8_t s2c[AEAD_KEY_LEN])
{
	int rc;

	pthread_rwlock_rdlock(&k->lock);
	rc = cookie_open(&k->ring, cookie, len, c2s, s2c);
	pthread_rwlock_unlock(&k->lock);
	return rc;
}

// SPDX-License-Identifier: ISC
/*
 * kecli: the NTS-KE client (kecli.h).  The thread connects with a
 * deadline, sets TCP_NODELAY (the request must not wait for a delayed
 * ACK: ../shared/INTEROP-AUTH-MODE6.md measured 40 ms more without it),
 * runs blocking TLS under socket time-outs, and exports the keys.
 */
#include "nts/kecli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "os/clk.h"
#include "os/proc.h"

static const char exporter_label[] = "EXPORTER-network-time-security";

SSL_CTX *
kecli_ctx_new(const char *cafile, char *err, size_t cap)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	int ok;

	if (ctx == NULL) {
		(void)snprintf(err, cap, "cannot make a TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (cafile != NULL && cafile[0] != '\0') {
		ok = SSL_CTX_load_verify_file(ctx, cafile) == 1;
	} else {
		/* Read the bundle now: after -i the path may be gone. */
		(void)SSL_CTX_load_verify_file(ctx,
		    X509_get_default_cert_file());
		ok = SSL_CTX_set_default_verify_paths(ctx) == 1;
	}
	if (!ok) {
		unsigned long e = ERR_get_error();
		char buf[160];

		ERR_error_string_n(e, buf, sizeof(buf));
		(void)snprintf(err, cap,
		    "cannot read trusted certificates %s: %s",
		    cafile != NULL && cafile[0] ? cafile : "(system)", buf);
		ERR_clear_error();
		SSL_CTX_free(ctx);
		return NULL;
	}
	ERR_clear_error();
	return ctx;
}

/* The reason: "what" or "what: detail". */
static void
fail(struct kecli_job *j, const char *what, const char *detail)
{
	if (detail != NULL)
		(void)snprintf(j->err, sizeof(j->err), "%.60s: %.120s", what,
		    detail);
	else
		(void)snprintf(j->err, sizeof(j->err), "%.120s", what);
	j->ok = 0;
}

/* connect(2) within the deadline; the socket stays blocking after, with
 * send and receive time-outs. */
static int
connect_to(struct kecli_job *j)
{
	struct timeval tv = { KECLI_TIMEOUT_MS / 1000,
		(KECLI_TIMEOUT_MS % 1000) * 1000 };
	socklen_t len = j->ke.ss_family == AF_INET6
	    ? sizeof(struct sockaddr_in6)
	    : sizeof(struct sockaddr_in);
	struct pollfd p;
	int fd, one = 1, e = 0;
	socklen_t el = sizeof(e);

	fd = socket(j->ke.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0) {
		fail(j, "socket", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&j->ke, len) != 0 &&
	    errno != EINPROGRESS) {
		fail(j, "connect", strerror(errno));
		close(fd);
		return -1;
	}
	p = (struct pollfd){ .fd = fd, .events = POLLOUT };
	if (poll(&p, 1, KECLI_TIMEOUT_MS) != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0 || e != 0) {
		fail(j, "connect", e ? strerror(e) : "timed out");
		close(fd);
		return -1;
	}
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static void
tls_fail(struct kecli_job *j, SSL *ssl, const char *what)
{
	long v = SSL_get_verify_result(ssl);
	unsigned long e = ERR_get_error();
	char buf[160];

	if (v != X509_V_OK)
		(void)snprintf(buf, sizeof(buf), "certificate: %s",
		    X509_verify_cert_error_string(v));
	else if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	else
		(void)snprintf(buf, sizeof(buf), "%s",
		    errno ? strerror(errno) : "connection closed");
	(void)snprintf(j->err, sizeof(j->err), "%s: %s", what, buf);
	j->ok = 0;
	ERR_clear_error();
}

/* Name checks and SNI: an address literal is matched against IP SANs,
 * anything else against DNS names (and sent as SNI). */
static int
setup_ssl(struct kecli_job *j, SSL *ssl, int fd)
{
	static const unsigned char alpn[] = "\x07ntske/1";
	X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
	unsigned char a[16];
	int is_ip = inet_pton(AF_INET, j->name, a) == 1 ||
	    inet_pton(AF_INET6, j->name, a) == 1;

	if (SSL_set_fd(ssl, fd) != 1 ||
	    SSL_set_alpn_protos(ssl, alpn, sizeof(alpn) - 1) != 0)
		return -1;
	X509_VERIFY_PARAM_set_hostflags(vp,
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (is_ip)
		return X509_VERIFY_PARAM_set1_ip_asc(vp, j->name) == 1 ? 0 : -1;
	if (SSL_set_tlsext_host_name(ssl, j->name) != 1)
		return -1;
	return X509_VERIFY_PARAM_set1_host(vp, j->name, 0) == 1 ? 0 : -1;
}

/* Read the response until End of Message. */
static int
read_response(struct kecli_job *j, SSL *ssl, uint8_t *buf, size_t cap,
    struct rec_msg *m)
{
	size_t len = 0;
	int n;

	for (;;) {
		if (len == cap) {
			fail(j, "response too long", NULL);
			return -1;
		}
		n = SSL_read(ssl, buf + len, (int)(cap - len));
		if (n <= 0) {
			tls_fail(j, ssl, "reading the response");
			return -1;
		}
		len += (size_t)n;
		switch (rec_parse(buf, len, m)) {
		case REC_DONE:
			return 0;
		case REC_BAD:
			fail(j, "malformed response", NULL);
			return -1;
		case REC_MORE:
			break;
		}
	}
}

/* Where NTP goes: the Server record (an address, or a name resolved
 * here) or the KE's address; the Port record or the configured port. */
static int
ntp_address(struct kecli_job *j, const struct rec_msg *m)
{
	uint16_t port = m->has_port ? m->port : j->ntp_port;
	struct addrinfo hints, *res = NULL;

	j->ntp = j->ke;
	if (m->has_server) {
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = j->ke.ss_family;
		hints.ai_socktype = SOCK_DGRAM;
		if (getaddrinfo(m->server, NULL, &hints, &res) != 0 ||
		    res == NULL || res->ai_addrlen > sizeof(j->ntp)) {
			if (res != NULL)
				freeaddrinfo(res);
			fail(j, "cannot resolve the server record", m->server);
			return -1;
		}
		memcpy(&j->ntp, res->ai_addr, res->ai_addrlen);
		freeaddrinfo(res);
	}
	if (j->ntp.ss_family == AF_INET)
		((struct sockaddr_in *)(void *)&j->ntp)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)(void *)&j->ntp)->sin6_port =
		    htons(port);
	return 0;
}

static int
take_response(struct kecli_job *j, SSL *ssl, const struct rec_msg *m)
{
	static const uint8_t ctx_c2s[5] = { 0, 0, 0, AEAD_SIV_CMAC_256, 0 };
	static const uint8_t ctx_s2c[5] = { 0, 0, 0, AEAD_SIV_CMAC_256, 1 };
	const char *why = rec_check_response(m, AEAD_SIV_CMAC_256);
	int i;

	if (why != NULL) {
		fail(j, "server refused", why);
		return -1;
	}
	if (SSL_export_keying_material(ssl, j->c2s, sizeof(j->c2s),
	        exporter_label, sizeof(exporter_label) - 1, ctx_c2s,
	        sizeof(ctx_c2s), 1) != 1 ||
	    SSL_export_keying_material(ssl, j->s2c, sizeof(j->s2c),
	        exporter_label, sizeof(exporter_label) - 1, ctx_s2c,
	        sizeof(ctx_s2c), 1) != 1) {
		fail(j, "cannot export the keys", NULL);
		return -1;
	}
	for (i = 0; i < m->n_cookies; i++) {
		if (m->cookie_len[i] > KECLI_COOKIE_MAX)
			continue;
		memcpy(j->cookie[j->n_cookies], m->cookie[i], m->cookie_len[i]);
		j->cookie_len[j->n_cookies++] = m->cookie_len[i];
	}
	if (j->n_cookies == 0) {
		fail(j, "no usable cookies", NULL);
		return -1;
	}
	return ntp_address(j, m);
}

static void
exchange(struct kecli_job *j)
{
	uint8_t req[64], resp[REC_MSG_MAX];
	const unsigned char *alpn = NULL;
	unsigned alpn_len = 0;
	struct rec_msg m;
	size_t rl = rec_client_request(req, sizeof(req), AEAD_SIV_CMAC_256);
	SSL *ssl;
	int fd;

	if ((fd = connect_to(j)) < 0)
		return;
	ssl = SSL_new(j->ctx);
	if (ssl == NULL || setup_ssl(j, ssl, fd) != 0) {
		fail(j, "cannot set up TLS", NULL);
	} else if (SSL_connect(ssl) != 1) {
		tls_fail(j, ssl, "TLS handshake");
	} else {
		SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
		if (alpn_len != 7 || memcmp(alpn, "ntske/1", 7) != 0)
			fail(j, "the server did not agree to ALPN ntske/1",
			    NULL);
		else if (SSL_write(ssl, req, (int)rl) != (int)rl)
			tls_fail(j, ssl, "sending the request");
		else if (read_response(j, ssl, resp, sizeof(resp), &m) == 0 &&
		    take_response(j, ssl, &m) == 0)
			j->ok = 1;
		if (j->ok)
			(void)SSL_shutdown(ssl);
	}
	if (ssl != NULL)
		SSL_free(ssl);
	close(fd);
	ERR_clear_error();
	memset(resp, 0, sizeof(resp));
}

static void *
job_main(void *arg)
{
	struct kecli_job *j = arg;
	int64_t t0 = clk_mono_now();
	int expect = KECLI_RUNNING;

	exchange(j);
	j->took_ms = (clk_mono_now() - t0) / 1000000;
	if (!atomic_compare_exchange_strong(&j->state, &expect, KECLI_DONE)) {
		/* abandoned by its owner */
		memset(j, 0, sizeof(*j));
		free(j);
	}
	return NULL;
}

int
kecli_start(struct kecli_job *job)
{
	pthread_attr_t at;
	pthread_t th;
	int rc;

	atomic_store(&job->state, KECLI_RUNNING);
	job->ok = 0;
	job->err[0] = '\0';
	job->n_cookies = 0;
	if (pthread_attr_init(&at) != 0)
		return -1;
	(void)pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	rc = proc_thread_start(&th, &at, job_main, job);
	pthread_attr_destroy(&at);
	return rc == 0 ? 0 : -1;
}

int
kecli_poll(struct kecli_job *job)
{
	return atomic_load(&job->state) == KECLI_DONE;
}

void
kecli_abandon(struct kecli_job *job)
{
	int expect = KECLI_RUNNING;

	if (atomic_compare_exchange_strong(&job->state, &expect,
	        KECLI_ABANDONED))
		return; /* the thread frees it */
	memset(job, 0, sizeof(*job));
	free(job);
}

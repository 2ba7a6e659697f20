// SPDX-License-Identifier: ISC
/* skey: key file, trusted keys and the sources' keys, checked at start. */
#include "daemon/skey.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void warn(struct skey *sk, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
warn(struct skey *sk, const char *fmt, ...)
{
	char buf[sizeof(sk->warn[0])];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "stratumd: warning: %s\n", buf);
	if (sk->n_warn < SKEY_MAX_WARN)
		memcpy(sk->warn[sk->n_warn++], buf, sizeof(buf));
}

/* Every key a source names must be in the file and trusted: a source
 * that cannot authenticate must not run unauthenticated instead. */
static int
check_sources(const struct skey *sk, const struct conf *c)
{
	int bad = 0;

	for (size_t i = 0; i < c->n_sources; i++) {
		const struct conf_source *s = &c->sources[i];
		const char *kind = conf_src_kind_name(s->kind);

		if (s->key_id == 0)
			continue;
		if (!sk->enabled) {
			fprintf(stderr,
			    "stratumd: %s %s: key %u, but no key file "
			    "('keys FILE')\n",
			    kind, s->host, (unsigned)s->key_id);
			bad = 1;
		} else if (keys_find(&sk->keys, s->key_id) == NULL) {
			fprintf(stderr,
			    "stratumd: %s %s: key %u is not in %s\n", kind,
			    s->host, (unsigned)s->key_id, c->keysfile);
			bad = 1;
		} else if (keys_trusted(&sk->keys, s->key_id) == NULL) {
			fprintf(stderr,
			    "stratumd: %s %s: key %u is not trusted (add it "
			    "to 'trustedkey')\n",
			    kind, s->host, (unsigned)s->key_id);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

static void
check_trusted(struct skey *sk, const struct conf *c)
{
	const uint32_t ids[2] = { c->control_key, c->request_key };
	const char *what[2] = { "controlkey", "requestkey" };

	for (size_t i = 0; i < c->n_trusted_keys; i++)
		if (keys_find(&sk->keys, c->trusted_keys[i]) == NULL)
			warn(sk, "trustedkey %u: not in %s",
			    (unsigned)c->trusted_keys[i], c->keysfile);
	for (int i = 0; i < 2; i++)
		if (ids[i] != 0 && keys_find(&sk->keys, ids[i]) == NULL)
			warn(sk, "%s %u: not in %s", what[i], (unsigned)ids[i],
			    c->keysfile);
	if (sk->keys.n > 0 && sk->keys.n_trusted == 0)
		warn(sk,
		    "%s: no key is trusted ('trustedkey'); requests with a "
		    "MAC get a crypto-NAK",
		    c->keysfile);
}

int
skey_setup(struct skey *sk, const struct conf *c)
{
	char err[KEYS_ERR_MAX];
	int world = 0;

	memset(sk, 0, sizeof(*sk));
	keys_init(&sk->keys);
	if (c->keysfile[0] == '\0') {
		if (c->n_trusted_keys > 0)
			warn(sk,
			    "trustedkey without 'keys FILE': no key to "
			    "trust");
		return check_sources(sk, c);
	}
	if (keys_load(&sk->keys, c->keysfile, &world, err, sizeof(err)) != 0) {
		fprintf(stderr, "stratumd: %s\n", err);
		return -1;
	}
	if (world)
		warn(sk,
		    "%s is readable by every user: anyone on this host can "
		    "forge authenticated time (chmod 600)",
		    c->keysfile);
	(void)keys_trust(&sk->keys, c->trusted_keys, c->n_trusted_keys);
	check_trusted(sk, c);
	if (mac_init(&sk->mac, err, sizeof(err)) != 0) {
		fprintf(stderr, "stratumd: %s\n", err);
		return -1;
	}
	sk->enabled = 1;
	return check_sources(sk, c);
}

void
skey_log_warnings(const struct skey *sk, const struct logger *lg)
{
	for (int i = 0; i < sk->n_warn; i++)
		log_msg(lg, LOG_WARNING, "%s", sk->warn[i]);
}

void
skey_close(struct skey *sk)
{
	if (sk->enabled)
		mac_free(&sk->mac);
	/* The secrets leave memory with the daemon. */
	memset(&sk->keys, 0, sizeof(sk->keys));
	sk->enabled = 0;
}

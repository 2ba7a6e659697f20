/* SPDX-License-Identifier: ISC */
/*
 * Tests for conf: the shipped fixtures load without errors, every
 * directive fills struct conf, and each malformed input yields the exact
 * "file:line:col: message" diagnostic.  Include tests write files into a
 * fresh mkdtemp directory under /tmp and remove them afterwards.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "t.h"

#define LINE_CHARS 1024 /* longest line conf accepts */

static int
load(struct conf *c, const char *text)
{
	conf_init(c);
	return conf_load_text(c, "f", text, strlen(text));
}

/* Some diagnostic reads exactly text. */
static int
has_diag(const struct conf *c, const char *text)
{
	size_t i;

	for (i = 0; i < c->n_diags; i++)
		if (strcmp(c->diags[i].text, text) == 0)
			return 1;
	for (i = 0; i < c->n_diags; i++)
		fprintf(stderr, "    have: %s\n", c->diags[i].text);
	fprintf(stderr, "    want: %s\n", text);
	return 0;
}

/* The only diagnostic is the error text. */
static int
one_error(struct conf *c, const char *conf_text, const char *diag)
{
	int rc = load(c, conf_text);

	return rc == -1 && c->n_errors == 1 && has_diag(c, diag);
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	T_CHECK(fp != NULL);
	if (fp == NULL)
		return;
	T_CHECK(fputs(text, fp) >= 0);
	T_CHECK(fclose(fp) == 0);
}

static const char *
fixtures_dir(void)
{
	const char *d = getenv("STRATUM_FIXTURES");

	/* The shared fixtures beside the checkout when present (they may be
	 * newer), else the copy in the tree. */
	if (d != NULL)
		return d;
	return access("../shared/fixtures", R_OK) == 0 ? "../shared/fixtures"
	                                               : "tests/fixtures";
}

static int
load_fixture(struct conf *c, const char *name)
{
	char path[512];

	(void)snprintf(path, sizeof(path), "%s/%s", fixtures_dir(), name);
	conf_init(c);
	return conf_load_file(c, path);
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void
test_all_fixtures(void)
{
	struct conf c;
	struct dirent *e;
	DIR *d = opendir(fixtures_dir());
	int n = 0;

	T_CHECK(d != NULL);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (!ends_with(e->d_name, "ntp.conf"))
			continue;
		n++;
		T_EQ(load_fixture(&c, e->d_name), 0);
		T_EQ(c.n_errors, 0);
		if (c.n_errors != 0)
			fprintf(stderr, "    %s: %s\n", e->d_name,
			    c.diags[0].text);
	}
	(void)closedir(d);
	T_CHECK(n >= 3);
}

static size_t
count_sources(const struct conf *c, enum conf_src_kind k, unsigned flags)
{
	size_t i, n = 0;

	for (i = 0; i < c->n_sources; i++)
		if (c->sources[i].kind == k &&
		    (c->sources[i].flags & flags) == flags)
			n++;
	return n;
}

static void
test_lab_fixture(void)
{
	struct conf c;
	unsigned v4def = 0, v6def = 0, src = 0;
	size_t i;

	T_EQ(load_fixture(&c, "lab-server-ntp.conf"), 0);
	/* leapfile not read: said, not hidden (clockstats is accepted:
	 * created and empty, there are no reference clocks) */
	T_EQ(c.n_warnings, 1);
	T_EQ(c.n_sources, 4);
	T_EQ(count_sources(&c, CONF_SRC_SERVER, CONF_SRC_IBURST), 3);
	T_EQ(count_sources(&c, CONF_SRC_POOL, 0), 1);
	T_CHECK(strcmp(c.sources[0].host, "1.kr.pool.ntp.org") == 0);
	T_CHECK(strcmp(c.sources[3].host, "ntp.ubuntu.com") == 0);
	T_EQ(c.sources[3].flags, 0);
	T_EQ(c.sources[0].line, 22);
	T_EQ(c.n_restricts, 5);
	for (i = 0; i < c.n_restricts; i++) {
		if (c.restricts[i].is_default && c.restricts[i].family == 4)
			v4def = c.restricts[i].flags;
		if (c.restricts[i].is_default && c.restricts[i].family == 6)
			v6def = c.restricts[i].flags;
		if (c.restricts[i].is_source)
			src = c.restricts[i].flags;
	}
	T_EQ(v4def,
	    CONF_RES_KOD | CONF_RES_NOTRAP | CONF_RES_NOMODIFY |
	        CONF_RES_NOPEER | CONF_RES_NOQUERY | CONF_RES_LIMITED);
	T_EQ(v6def, v4def);
	T_EQ(src, CONF_RES_NOTRAP | CONF_RES_NOMODIFY | CONF_RES_NOQUERY);
	T_EQ(c.restricts[2].family, 4);
	T_EQ(c.restricts[2].addr[0], 127);
	T_EQ(c.restricts[2].mask[3], 0xff);
	T_EQ(c.restricts[3].family, 6);
	T_EQ(c.restricts[3].addr[15], 1);
	T_CHECK(strcmp(c.driftfile, "/var/lib/ntp/ntp.drift") == 0);
	T_CHECK(
	    strcmp(c.leapfile, "/usr/share/zoneinfo/leap-seconds.list") == 0);
	T_EQ(c.statistics,
	    CONF_STAT_LOOPSTATS | CONF_STAT_PEERSTATS | CONF_STAT_CLOCKSTATS);
	T_EQ(c.n_filegens, 3);
	T_CHECK(strcmp(c.filegens[1].name, "peerstats") == 0);
	T_CHECK(strcmp(c.filegens[1].type, "day") == 0);
	T_EQ(c.filegens[1].enabled, 1);
}

static void
test_other_fixtures(void)
{
	struct conf c;

	T_EQ(load_fixture(&c, "debian-ntpsec-ntp.conf"), 0);
	T_EQ(count_sources(&c, CONF_SRC_POOL, CONF_SRC_IBURST), 4);
	T_EQ(c.tos_maxclock, 11);
	T_EQ(c.tos_minclock, 4);
	T_EQ(c.tos_minsane, 3);
	T_EQ(c.n_restricts, 3);
	T_EQ(c.restricts[0].family, 0);
	T_EQ(c.restricts[0].is_default, 1);
	T_EQ(load_fixture(&c, "ubuntu-focal-ntp.conf"), 0);
	T_EQ(count_sources(&c, CONF_SRC_POOL, 0), 5);
	T_EQ(load_fixture(&c, "no-such-file.conf"), -1);
	T_EQ(c.n_errors, 1);
	T_CHECK(strstr(c.diags[0].text, ": cannot open: ") != NULL);
	T_CHECK(strstr(c.diags[0].text, strerror(ENOENT)) != NULL);
}

static void
test_defaults(void)
{
	struct conf c;

	T_EQ(load(&c, "server a\n"), 0);
	T_EQ(c.port, 123);
	T_EQ(c.clock, CONF_CLOCK_SYSTEM);
	T_EQ(c.tos_minclock, 3);
	T_EQ(c.tos_maxclock, 10);
	T_EQ(c.tos_minsane, 1);
	T_EQ(c.tos_orphan, 0);
	T_CHECK(c.tinker_step_s == 0.128);
	T_CHECK(c.tinker_panic_s == 1000);
	T_CHECK(c.tinker_stepout_s == 300);
	T_EQ(c.ratelimit_interval_log2, 3);
	T_EQ(c.ratelimit_burst, 8);
	T_EQ(c.ratelimit_enabled, 0);
	T_EQ(c.local_stratum, 0);
	T_EQ(c.sources[0].minpoll_log2, 6);
	T_EQ(c.sources[0].maxpoll_log2, 10);
	T_EQ(c.sources[0].version, 4);
	T_EQ(c.sources[0].port, 123);
	T_EQ(c.sources[0].key_id, 0);
	T_EQ(c.sources[0].family, 0);
	T_CHECK(strcmp(conf_src_kind_name(CONF_SRC_SERVER), "server") == 0);
	T_CHECK(strcmp(conf_src_kind_name(CONF_SRC_POOL), "pool") == 0);
	T_CHECK(strcmp(conf_src_kind_name(CONF_SRC_PEER), "peer") == 0);
}

static void
test_source_options(void)
{
	struct conf c;
	const struct conf_source *s = &c.sources[0];

	/* key N: the daemon checks it against the key file. */
	T_EQ(load(&c,
	         "server -4 192.0.2.1 iburst burst prefer noselect "
	         "minpoll 4 maxpoll 8 version 3 key 42 port 11123\n"),
	    0);
	T_EQ(c.n_errors, 0);
	T_EQ(c.n_sources, 1);
	T_CHECK(strcmp(s->host, "192.0.2.1") == 0);
	T_EQ(s->family, 4);
	T_EQ(s->flags,
	    CONF_SRC_IBURST | CONF_SRC_BURST | CONF_SRC_PREFER |
	        CONF_SRC_NOSELECT);
	T_EQ(s->minpoll_log2, 4);
	T_EQ(s->maxpoll_log2, 8);
	T_EQ(s->version, 3);
	T_EQ(s->key_id, 42);
	T_EQ(s->port, 11123);
	T_EQ(load(&c, "peer -6 [::1]\npool [2001:db8::1] port 9\n"), 0);
	T_EQ(c.sources[0].kind, CONF_SRC_PEER);
	T_CHECK(strcmp(c.sources[0].host, "::1") == 0);
	T_EQ(c.sources[0].family, 6);
	T_CHECK(strcmp(c.sources[1].host, "2001:db8::1") == 0);
	T_EQ(c.sources[1].line, 2);
	T_EQ(load(&c, "server fe80::1 minpoll -6 maxpoll 17\n"), 0);
	T_CHECK(strcmp(s->host, "fe80::1") == 0);
	T_EQ(s->minpoll_log2, -6);
	T_EQ(s->maxpoll_log2, 17);
	/* Accepted with a warning. */
	T_EQ(load(&c, "server a xleave true mode 5 ttl 2 bias 0.5\n"), 0);
	T_EQ(c.n_sources, 1);
	T_EQ(c.n_warnings, 5);
	T_CHECK(has_diag(&c,
	    "f:1: warning: server option 'xleave' not "
	    "supported; ignored"));
	/* Authentication we lack is an error, never ignored. */
	T_CHECK(one_error(&c, "server a autokey\n",
	    "f:1:10: 'autokey': Autokey authentication is not implemented; "
	    "refusing to run this source unauthenticated"));
	T_CHECK(one_error(&c, "server a nts noval\n",
	    "f:1:14: 'noval': NTS without certificate checks is not "
	    "implemented; refusing to run this source unauthenticated"));
	T_EQ(load(&c, "server a nts ca /p/ca.pem\npool b nts ntsport 4461\n"),
	    0);
	T_EQ(c.sources[0].nts_port, 4460);
	T_EQ(c.sources[1].nts_port, 4461);
	T_CHECK(c.sources[0].flags & CONF_SRC_NTS);
	T_CHECK(strcmp(c.sources[0].nts_ca, "/p/ca.pem") == 0);
	T_CHECK(c.sources[1].flags & CONF_SRC_NTS);
	T_CHECK(one_error(&c, "server a ca /p/ca.pem\n",
	    "f:1:1: 'ca' is an NTS option; add 'nts'"));
	/* Reference clocks are skipped with a warning. */
	T_EQ(load(&c, "server 127.127.1.0 mode 3 prefer\n"), 0);
	T_EQ(c.n_sources, 0);
	T_EQ(c.n_warnings, 1);
}

/* NTS server directives, chrony's and NTPsec's spellings. */
static void
test_nts_server(void)
{
	struct conf c;

	T_EQ(load(&c,
	         "ntsservercert /p/c.pem\nntsserverkey /p/k.pem\n"
	         "ntsdumpdir /var/lib/x\nntsport 4461\nntsrotate 3600\n"),
	    0);
	T_CHECK(strcmp(c.nts_cert, "/p/c.pem") == 0);
	T_CHECK(strcmp(c.nts_key, "/p/k.pem") == 0);
	T_CHECK(strcmp(c.nts_dumpdir, "/var/lib/x") == 0);
	T_EQ(c.nts_port, 4461);
	T_EQ(c.nts_rotate_s, 3600);
	T_EQ(load(&c,
	         "nts enable key /k cert /c\nnts cookie /var/ck\n"
	         "nts mintls TLS1.3\n"),
	    0);
	T_EQ(c.nts_enable, 1);
	T_CHECK(strcmp(c.nts_cert, "/c") == 0 && strcmp(c.nts_key, "/k") == 0);
	T_CHECK(strcmp(c.nts_keyfile, "/var/ck") == 0);
	T_EQ(c.n_warnings, 1);
	T_EQ(c.nts_port, 4460);
	T_EQ(c.nts_rotate_s, 604800);
	T_EQ(load(&c, "nts disable\n"), 0);
	T_EQ(c.nts_enable, -1);
	T_CHECK(one_error(&c, "nts frobnicate\n",
	    "f:1:5: unknown nts option 'frobnicate'"));
	T_CHECK(one_error(&c, "ntsrotate 0\n",
	    "f:1:11: ntsrotate 0 out of range 60..31536000"));
}

static void
test_polls(void)
{
	struct conf c;

	T_CHECK(one_error(&c, "server a minpoll 99\n",
	    "f:1:18: minpoll 99 out of range -6..17"));
	T_CHECK(one_error(&c, "server a maxpoll -7\n",
	    "f:1:18: maxpoll -7 out of range -6..17"));
	T_CHECK(one_error(&c, "server a minpoll 8 maxpoll 6\n",
	    "f:1:20: maxpoll 6 is less than minpoll 8"));
	T_CHECK(one_error(&c, "server a maxpoll 6 minpoll 8\n",
	    "f:1:20: maxpoll 6 is less than minpoll 8"));
	/* Only one given: the default other one follows it. */
	T_EQ(load(&c, "server a minpoll 12\nserver b maxpoll 4\n"), 0);
	T_EQ(c.sources[0].minpoll_log2, 12);
	T_EQ(c.sources[0].maxpoll_log2, 12);
	T_EQ(c.sources[1].minpoll_log2, 4);
	T_EQ(c.sources[1].maxpoll_log2, 4);
	T_EQ(load(&c, "server a minpoll 7 maxpoll 7\n"), 0);
	T_EQ(c.sources[0].maxpoll_log2, 7);
}

static void
test_source_errors(void)
{
	struct conf c;

	T_CHECK(one_error(&c, "server\n",
	    "f:1:8: missing host after "
	    "'server'"));
	T_CHECK(one_error(&c, "pool -4\n", "f:1:9: missing host after '-4'"));
	T_CHECK(one_error(&c, "server a minpoll 6x\n",
	    "f:1:18: invalid number '6x' after 'minpoll'"));
	T_CHECK(one_error(&c, "server a minpoll\n",
	    "f:1:18: missing value after 'minpoll'"));
	T_CHECK(one_error(&c, "server a version 5\n",
	    "f:1:18: version 5 out of range 1..4"));
	T_CHECK(one_error(&c, "server a port 0\n",
	    "f:1:15: port 0 out of range 1..65535"));
	T_CHECK(one_error(&c, "server a port 65536\n",
	    "f:1:15: port 65536 out of range 1..65535"));
	T_CHECK(one_error(&c, "server a key 1.5\n",
	    "f:1:14: invalid number '1.5' after 'key'"));
	T_CHECK(one_error(&c, "server a iburst bogus\n",
	    "f:1:17: unknown option 'bogus' for server"));
	T_CHECK(one_error(&c, "server -6 192.0.2.1\n",
	    "f:1:11: -6 given with IPv4 address '192.0.2.1'"));
	T_CHECK(one_error(&c, "server [::1\n",
	    "f:1:8: unbalanced '[' in host '[::1'"));
	T_CHECK(one_error(&c, "server [a.b]\n",
	    "f:1:8: '[a.b]' is not an IPv6 address"));
	T_CHECK(one_error(&c, "server -x a\n",
	    "f:1:8: unknown flag '-x' before host"));
	T_CHECK(one_error(&c, "server a mode\n",
	    "f:1:15: missing value after 'mode'"));
	T_EQ(c.n_sources, 0);
}

static void
test_too_many_sources(void)
{
	char text[CONF_MAX_SOURCES * 16 + 32];
	char want[64];
	struct conf c;
	size_t len = 0;
	int i;

	for (i = 0; i <= CONF_MAX_SOURCES; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "server s%d\n", i);
	T_EQ(load(&c, text), -1);
	T_EQ(c.n_sources, CONF_MAX_SOURCES);
	T_EQ(c.n_errors, 1);
	(void)snprintf(want, sizeof(want),
	    "f:%d:1: too many sources "
	    "(limit %d)",
	    CONF_MAX_SOURCES + 1, CONF_MAX_SOURCES);
	T_CHECK(has_diag(&c, want));
}

static void
test_unknown_and_unsupported(void)
{
	struct conf c;

	T_CHECK(one_error(&c, "port 123\nbogus 1 2\n",
	    "f:2:1: unknown directive "
	    "'bogus'"));
	T_CHECK(one_error(&c, "port 123\n# x\n\n   frobnicate\n",
	    "f:4:4: unknown directive 'frobnicate'"));
	/* A first line no ntp.conf has: not quoted, not read further. */
	T_CHECK(one_error(&c, "root:$6$secret:19000:0:99999:7:::\nbad\n",
	    "f:1:1: unknown directive; this does not look like an ntp.conf "
	    "file (its contents are not shown, the rest is not read)"));
	/* Control bytes in a diagnostic are escaped. */
	T_CHECK(one_error(&c, "port 123\n\x1b[2Jevil\x07 1\n",
	    "f:2:1: unknown directive '\\x1b[2Jevil\\x07'"));
	T_CHECK(one_error(&c, "minsane 3\n",
	    "f:1:1: 'minsane' is only valid after 'tos'"));
	T_EQ(load(&c,
	         "server a\nfudge 127.127.1.0 stratum 10\n"
	         "disable auth\nbroadcastclient\n"),
	    0);
	T_EQ(c.n_errors, 0);
	T_EQ(c.n_warnings, 3);
	T_CHECK(has_diag(&c,
	    "f:2: warning: 'fudge' is not supported by "
	    "Stratum; line ignored"));
	T_CHECK(has_diag(&c,
	    "f:3: warning: 'disable' is not supported by "
	    "Stratum; line ignored"));
	T_EQ(c.diags[0].level, CONF_WARNING);
}

static void
test_clock(void)
{
	struct conf c;

	T_EQ(load(&c, "clock virtual offset 0.25 freq 50\n"), 0);
	T_EQ(c.clock, CONF_CLOCK_VIRTUAL);
	T_CHECK(c.clock_offset_s == 0.25);
	T_CHECK(c.clock_freq_ppm == 50);
	T_EQ(load(&c, "clock virtual freq -500 offset -1e-3\n"), 0);
	T_CHECK(c.clock_freq_ppm == -500);
	T_CHECK(c.clock_offset_s == -0.001);
	T_EQ(load(&c, "clock none\n"), 0);
	T_EQ(c.clock, CONF_CLOCK_NONE);
	T_CHECK(one_error(&c, "clock virtual speed 2\n",
	    "f:1:15: unknown clock option 'speed'"));
	T_CHECK(one_error(&c, "clock system offset 1\n",
	    "f:1:14: 'offset' is only valid with 'clock virtual'"));
	T_CHECK(one_error(&c, "clock virtual freq 600\n",
	    "f:1:20: freq 600 out of range -500..500"));
	T_CHECK(one_error(&c, "clock virtual offset nan\n",
	    "f:1:22: invalid number 'nan' after 'offset'"));
	T_CHECK(one_error(&c, "clock atomic\n",
	    "f:1:7: unknown clock 'atomic' (system, none or virtual)"));
	T_CHECK(one_error(&c, "clock\n",
	    "f:1:7: missing clock after "
	    "'clock'"));
	T_EQ(c.clock, CONF_CLOCK_SYSTEM);
}

static void
test_local_port_ratelimit(void)
{
	struct conf c;

	T_EQ(load(&c,
	         "local stratum 10\nport 11123\n"
	         "ratelimit interval 4 burst 16\n"),
	    0);
	T_EQ(c.local_stratum, 10);
	T_EQ(c.port, 11123);
	T_EQ(c.ratelimit_enabled, 1);
	T_EQ(c.ratelimit_interval_log2, 4);
	T_EQ(c.ratelimit_burst, 16);
	T_EQ(load(&c, "ratelimit\n"), 0);
	T_EQ(c.ratelimit_enabled, 1);
	T_EQ(c.ratelimit_burst, 8);
	T_CHECK(one_error(&c, "local stratum 16\n",
	    "f:1:15: stratum 16 out of range 1..15"));
	T_CHECK(
	    one_error(&c, "local 10\n", "f:1:7: expected 'stratum', not '10'"));
	T_CHECK(one_error(&c, "port 0\n",
	    "f:1:6: port 0 out of range "
	    "1..65535"));
	T_CHECK(one_error(&c, "port 123 456\n",
	    "f:1:10: unexpected '456' after '123'"));
	T_CHECK(one_error(&c, "ratelimit rate 3\n",
	    "f:1:11: unknown ratelimit option 'rate'"));
	T_EQ(c.ratelimit_enabled, 0);
	T_EQ(load(&c, "ratelimit interval -3 burst 4 leak 8\n"), 0);
	T_EQ(c.ratelimit_interval_log2, -3);
	T_EQ(c.ratelimit_leak_log2, 8);
	T_CHECK(one_error(&c, "ratelimit leak 17\n",
	    "f:1:16: leak 17 out of range 0..16"));
}

static void
test_discard_workers(void)
{
	struct conf c;

	T_EQ(load(&c, "server a\n"), 0);
	T_EQ(c.discard_average_log2, 3);
	T_EQ(c.discard_minimum_s, 2);
	T_EQ(c.workers, 1);
	T_EQ(c.ratelimit_leak_log2, 2);
	T_EQ(load(&c, "discard average 5 minimum 1\nworkers 4\n"), 0);
	T_EQ(c.n_warnings, 0);
	T_EQ(c.discard_average_log2, 5);
	T_EQ(c.discard_minimum_s, 1);
	T_EQ(c.workers, 4);
	T_EQ(load(&c, "discard monitor 3000\n"), 0);
	T_EQ(c.n_warnings, 1);
	T_CHECK(
	    strstr(c.diags[0].text, "f:1: warning: discard monitor") != NULL);
	T_CHECK(one_error(&c, "discard often 3\n",
	    "f:1:9: unknown discard option 'often'"));
	T_CHECK(one_error(&c, "workers 0\n",
	    "f:1:9: workers 0 out of range 1..64"));
	T_CHECK(
	    one_error(&c, "workers 2 3\n", "f:1:11: unexpected '3' after '2'"));
}

static void
test_interface(void)
{
	struct conf c;
	const struct conf_ifrule *r = c.ifrules;

	T_EQ(load(&c,
	         "interface listen 127.0.0.1\ninterface ignore "
	         "wildcard\nnic drop ipv6\ninterface listen eth0\n"
	         "interface listen 192.168.1.0/24\ninterface ignore all\n"
	         "nic listen fe80::/10\ninterface drop ipv4\n"),
	    0);
	T_EQ(c.n_ifrules, 8);
	T_EQ(r[0].action, CONF_IF_LISTEN);
	T_EQ(r[0].match, CONF_IFM_ADDRESS);
	T_EQ(r[0].family, 4);
	T_EQ(r[0].prefix_len, 32);
	T_EQ(r[0].addr[0], 127);
	T_EQ(r[1].action, CONF_IF_IGNORE);
	T_EQ(r[1].match, CONF_IFM_WILDCARD);
	T_EQ(r[2].action, CONF_IF_DROP);
	T_EQ(r[2].match, CONF_IFM_IPV6);
	T_EQ(r[3].match, CONF_IFM_NAME);
	T_CHECK(strcmp(r[3].name, "eth0") == 0);
	T_EQ(r[4].prefix_len, 24);
	T_EQ(r[4].addr[2], 1);
	T_EQ(r[5].match, CONF_IFM_ALL);
	T_EQ(r[6].family, 6);
	T_EQ(r[6].prefix_len, 10);
	T_EQ(r[7].match, CONF_IFM_IPV4);
	T_EQ(r[7].line, 8);
	T_CHECK(one_error(&c, "interface open all\n",
	    "f:1:11: unknown interface action 'open' (listen, ignore or "
	    "drop)"));
	T_CHECK(one_error(&c, "interface listen 10.0.0.0/33\n",
	    "f:1:18: invalid address/prefix '10.0.0.0/33'"));
	T_CHECK(one_error(&c, "interface listen\n",
	    "f:1:18: missing address or name after 'listen'"));
	T_CHECK(one_error(&c, "interface listen all now\n",
	    "f:1:22: unexpected 'now' after 'all'"));
}

static void
test_restrict(void)
{
	struct conf c;
	const struct conf_restrict *r = c.restricts;

	T_EQ(load(&c,
	         "restrict 192.168.123.77 mask 255.255.255.0 notrust "
	         "lowpriotrap\nrestrict 10.0.0.0/8 nomodify\n"
	         "unrestrict -6 2001:db8::/32 ignore noserve\n"
	         "restrict -6 default ignore\n"),
	    0);
	T_EQ(c.n_restricts, 4);
	T_EQ(c.n_warnings, 1); /* lowpriotrap is not enforced */
	T_CHECK(strstr(c.diags[0].text,
	            "restrict flag 'lowpriotrap' not supported") != NULL);
	T_EQ(r[0].family, 4);
	T_EQ(r[0].flags, CONF_RES_NOTRUST);
	T_EQ(r[0].addr[2], 123);
	T_EQ(r[0].addr[3], 0); /* host bits cleared by the mask */
	T_EQ(r[0].mask[2], 0xff);
	T_EQ(r[0].mask[3], 0);
	T_EQ(r[1].addr[0], 10);
	T_EQ(r[1].mask[0], 0xff);
	T_EQ(r[1].mask[1], 0);
	T_EQ(r[1].flags, CONF_RES_NOMODIFY);
	T_EQ(r[2].unrestrict, 1);
	T_EQ(r[2].family, 6);
	T_EQ(r[2].mask[3], 0xff);
	T_EQ(r[2].mask[4], 0);
	T_EQ(r[2].flags, CONF_RES_IGNORE | CONF_RES_NOSERVE);
	T_EQ(r[3].is_default, 1);
	T_EQ(r[3].family, 6);
	T_CHECK(one_error(&c, "restrict ntp.example.com\n",
	    "f:1:10: 'ntp.example.com' is not an IP address (names are not "
	    "resolved)"));
	T_CHECK(one_error(&c, "restrict -4 ::1\n",
	    "f:1:13: -4 given with IPv6 address"));
	T_CHECK(one_error(&c, "restrict 10.0.0.0/8 mask 255.0.0.0\n",
	    "f:1:21: both a prefix length and a mask given"));
	T_CHECK(one_error(&c, "restrict 10.0.0.0 mask ffff::\n",
	    "f:1:24: invalid IPv4 mask 'ffff::'"));
	T_CHECK(one_error(&c, "restrict default mask 1.2.3.4\n",
	    "f:1:18: 'mask' must follow an address"));
	T_CHECK(one_error(&c, "restrict default nothing\n",
	    "f:1:18: unknown restrict flag 'nothing'"));
	T_CHECK(one_error(&c, "restrict\n",
	    "f:1:10: missing address after 'restrict'"));
	T_EQ(c.n_restricts, 0);
}

static void
test_paths_keys_stats(void)
{
	struct conf c;

	T_EQ(load(&c,
	         "driftfile \"/var/lib/my ntp/drift\"  # comment\n"
	         "statsdir /var/log/ntp#stats\nlogfile \"\"x\n"),
	    -1);
	T_CHECK(strcmp(c.driftfile, "/var/lib/my ntp/drift") == 0);
	T_CHECK(strcmp(c.statsdir, "/var/log/ntp") == 0);
	T_CHECK(has_diag(&c,
	    "f:3:11: closing quote must be followed by a "
	    "space"));
	/* The key file itself is read by the daemon (auth/keys). */
	T_EQ(load(&c,
	         "keys /etc/ntp.keys\ntrustedkey 1 2 65535 2\n"
	         "controlkey 7\nrequestkey 8\n"),
	    0);
	T_EQ(c.n_warnings, 0);
	T_CHECK(strcmp(c.keysfile, "/etc/ntp.keys") == 0);
	T_EQ(c.n_trusted_keys, 3);
	T_EQ(c.trusted_keys[2], 65535);
	T_EQ(c.control_key, 7);
	T_EQ(c.request_key, 8);
	/* ntpd's ranges, with the parentheses apart or touching. */
	T_EQ(load(&c, "trustedkey 9 (1 ... 3) ( 5 ... 6 ) 20 (30 ... 30 )\n"),
	    0);
	T_EQ(c.n_trusted_keys, 8);
	T_EQ(c.trusted_keys[1], 1);
	T_EQ(c.trusted_keys[3], 3);
	T_EQ(c.trusted_keys[5], 6);
	T_EQ(c.trusted_keys[7], 30);
	T_CHECK(one_error(&c, "trustedkey (1 .. 5)\n",
	    "f:1:12: bad key range: expected '(FIRST ... LAST)'"));
	T_CHECK(one_error(&c, "trustedkey (1 ... 5\n",
	    "f:1:12: bad key range: expected '(FIRST ... LAST)'"));
	T_CHECK(one_error(&c, "trustedkey (5 ... 1)\n",
	    "f:1:12: key range (5 ... 1) is empty"));
	T_CHECK(one_error(&c, "trustedkey (1 ... 70000)\n",
	    "f:1:19: key id 70000 out of range 1..65535"));
	T_CHECK(one_error(&c, "trustedkey x\n", "f:1:12: invalid key id 'x'"));
	T_CHECK(one_error(&c, "trustedkey 0\n",
	    "f:1:12: key id 0 out of range 1..65535"));
	T_CHECK(one_error(&c, "controlkey 0\n",
	    "f:1:12: controlkey 0 out of range 1..65535"));
	T_CHECK(one_error(&c, "logfile \"/tmp/x\n",
	    "f:1:9: unterminated quoted string"));
	T_CHECK(one_error(&c, "leapfile\n",
	    "f:1:10: missing path after 'leapfile'"));
	T_CHECK(one_error(&c, "statistics loopstats bogostats\n",
	    "f:1:22: unknown statistics name 'bogostats'"));
	T_CHECK(one_error(&c, "filegen loopstats type hour\n",
	    "f:1:24: unknown filegen type 'hour'"));
	T_CHECK(one_error(&c, "filegen loopstats frob\n",
	    "f:1:19: unknown filegen option 'frob'"));
	T_EQ(load(&c,
	         "filegen rawstats file raw type week nolink disable\n"
	         "statistics rawstats sysstats\n"),
	    0);
	T_EQ(c.n_filegens, 1);
	T_CHECK(strcmp(c.filegens[0].file, "raw") == 0);
	T_CHECK(strcmp(c.filegens[0].type, "week") == 0);
	T_EQ(c.filegens[0].enabled, 1);
	T_EQ(c.statistics, CONF_STAT_RAWSTATS | CONF_STAT_SYSSTATS);
}

static void
test_tos_tinker(void)
{
	struct conf c;

	T_EQ(load(&c,
	         "tos minclock 2 maxclock 7 orphan 10\n"
	         "tinker panic 0 step 0 stepout 900\n"),
	    0);
	T_EQ(c.tos_minclock, 2);
	T_EQ(c.tos_maxclock, 7);
	T_EQ(c.tos_minsane, 1);
	T_EQ(c.tos_orphan, 10);
	T_CHECK(c.tinker_panic_s == 0);
	T_CHECK(c.tinker_step_s == 0);
	T_CHECK(c.tinker_stepout_s == 900);
	T_EQ(load(&c, "tos mindist 0.01 cohort 1\ntinker allan 1500\n"), 0);
	T_EQ(c.n_warnings, 2); /* mindist is taken, cohort and allan not */
	T_CHECK(c.tos_mindist_s == 0.01);
	T_CHECK(has_diag(&c,
	    "f:2: warning: tinker option 'allan' not "
	    "supported; ignored"));
	T_CHECK(one_error(&c, "tos minclock 3 bogus 1\n",
	    "f:1:16: unknown tos option 'bogus'"));
	/* chronyd's maxslewrate and makestep, our panicaction */
	T_EQ(load(&c, "maxslewrate 1000\nmakestep 1 3\npanicaction exit\n"), 0);
	T_CHECK(c.maxslewrate_ppm == 1000);
	T_CHECK(c.makestep_s == 1 && c.makestep_limit == 3);
	T_EQ(c.panic_exit, 1);
	T_EQ(load(&c, "panicaction distrust\n"), 0);
	T_EQ(c.panic_exit, 0);
	T_CHECK(one_error(&c, "panicaction maybe\n",
	    "f:1:13: panicaction: 'maybe' is neither exit nor distrust"));
	T_CHECK(one_error(&c, "maxslewrate 10\n",
	    "f:1:13: maxslewrate 10 out of range 500..100000"));
	T_CHECK(
	    one_error(&c, "makestep 1\n", "f:1:12: missing value after '1'"));
	T_EQ(c.tos_minclock, 3);
	T_CHECK(one_error(&c, "tos maxclock\n",
	    "f:1:14: missing value after 'maxclock'"));
	T_CHECK(one_error(&c, "tinker step -1\n",
	    "f:1:13: step -1 out of range 0..1e+09"));
	T_CHECK(one_error(&c, "tinker\n",
	    "f:1:8: missing option after "
	    "'tinker'"));
}

static void
tmp_path(char *out, size_t size, const char *dir, const char *name)
{
	(void)snprintf(out, size, "%s/%s", dir, name);
}

static void
test_include_loop(const char *dir)
{
	char a[256], b[256], want[768];
	struct conf c;

	tmp_path(a, sizeof(a), dir, "a.conf");
	tmp_path(b, sizeof(b), dir, "b.conf");
	write_file(a, "server a1\nincludefile b.conf\n");
	write_file(b, "server b1\n  includefile a.conf\n");
	conf_init(&c);
	T_EQ(conf_load_file(&c, a), -1);
	T_EQ(c.n_errors, 1);
	T_EQ(c.n_sources, 2);
	(void)snprintf(want, sizeof(want),
	    "%s:2:3: include loop: %s already being read", b, a);
	T_CHECK(has_diag(&c, want));
	/* A file including itself directly. */
	write_file(a, "includefile ./a.conf\n");
	conf_init(&c);
	T_EQ(conf_load_file(&c, a), -1);
	(void)snprintf(want, sizeof(want),
	    "%s:1:1: include loop: %s/./a.conf already being read", a, dir);
	T_CHECK(has_diag(&c, want));
	(void)unlink(a);
	(void)unlink(b);
}

static void
test_include_ok(const char *dir)
{
	char a[256], b[256], text[512];
	struct conf c;

	tmp_path(a, sizeof(a), dir, "main.conf");
	tmp_path(b, sizeof(b), dir, "with space.conf");
	write_file(b, "server inner iburst\nfudge x\n");
	write_file(a,
	    "server outer\nincludefile \"with space.conf\"\n"
	    "server last\n");
	conf_init(&c);
	T_EQ(conf_load_file(&c, a), 0);
	T_EQ(c.n_sources, 3);
	T_CHECK(strcmp(c.sources[1].host, "inner") == 0);
	T_EQ(c.sources[1].line, 1);
	T_EQ(c.sources[2].line, 3);
	(void)snprintf(text, sizeof(text),
	    "%s:2: warning: 'fudge' is not "
	    "supported by Stratum; line ignored",
	    b);
	T_CHECK(has_diag(&c, text));
	/* From text: an absolute include path. */
	(void)snprintf(text, sizeof(text), "includefile \"%s\"\n", b);
	T_EQ(load(&c, text), 0);
	T_EQ(c.n_sources, 1);
	(void)unlink(a);
	(void)unlink(b);
}

static void
test_include_depth(const char *dir)
{
	char path[256], text[64];
	struct conf c;
	int i;

	for (i = 0; i <= CONF_INCLUDE_DEPTH + 1; i++) {
		(void)snprintf(text, sizeof(text), "d%d.conf", i);
		tmp_path(path, sizeof(path), dir, text);
		(void)snprintf(text, sizeof(text),
		    "server s%d\n"
		    "includefile d%d.conf\n",
		    i, i + 1);
		write_file(path, text);
	}
	tmp_path(path, sizeof(path), dir, "d0.conf");
	conf_init(&c);
	T_EQ(conf_load_file(&c, path), -1);
	T_EQ(c.n_errors, 1);
	T_EQ(c.n_sources, CONF_INCLUDE_DEPTH + 1);
	T_CHECK(strstr(c.diags[0].text,
	            ":2:1: includefile nested more "
	            "than 8 deep") != NULL);
	for (i = 0; i <= CONF_INCLUDE_DEPTH + 1; i++) {
		(void)snprintf(text, sizeof(text), "d%d.conf", i);
		tmp_path(path, sizeof(path), dir, text);
		(void)unlink(path);
	}
}

static void
test_includes(void)
{
	char dir[] = "/tmp/stratum-conf-XXXXXX";
	char want[128];
	struct conf c;

	T_CHECK(mkdtemp(dir) != NULL);
	test_include_loop(dir);
	test_include_ok(dir);
	test_include_depth(dir);
	T_EQ(rmdir(dir), 0);
	(void)snprintf(want, sizeof(want),
	    "f:2:13: cannot open "
	    "'/nonexistent/x.conf': %s",
	    strerror(ENOENT));
	T_CHECK(one_error(&c, "\nincludefile /nonexistent/x.conf\n", want));
}

static void
test_lexing(void)
{
	char text[1200];
	struct conf c;

	memset(text, 'x', sizeof(text));
	text[0] = '#';
	text[LINE_CHARS] = '\n';
	text[LINE_CHARS + 1] = '\0';
	T_EQ(load(&c, text), 0); /* exactly 1024 characters */
	text[LINE_CHARS] = 'x';
	text[sizeof(text) - 1] = '\0';
	T_CHECK(
	    one_error(&c, text, "f:1:1025: line longer than 1024 characters"));
	T_EQ(load(&c, "server a iburst\r\nserver b\r\n"), 0);
	T_EQ(c.n_sources, 2);
	T_CHECK(strcmp(c.sources[1].host, "b") == 0);
	conf_init(&c);
	T_EQ(conf_load_text(&c, "f", "server a\0b\n", 11), -1);
	T_EQ(c.n_errors, 1);
	T_CHECK(has_diag(&c, "f:1:9: NUL byte in line"));
	T_CHECK(one_error(&c, "server a\"b\n", "f:1:9: quote inside a word"));
	T_EQ(load(&c, "server last"), 0); /* no final newline */
	T_EQ(c.n_sources, 1);
}

static void
test_diag_overflow(void)
{
	char text[CONF_MAX_DIAGS * 8 + 64];
	struct conf c;
	size_t len = 0;
	int i;

	len += (size_t)snprintf(text + len, sizeof(text) - len, "port 1\n");
	for (i = 0; i < CONF_MAX_DIAGS + 6; i++)
		len +=
		    (size_t)snprintf(text + len, sizeof(text) - len, "bad\n");
	T_EQ(load(&c, text), -1);
	T_EQ(c.n_errors, CONF_MAX_DIAGS + 6);
	T_EQ(c.n_diags, CONF_MAX_DIAGS);
	T_EQ(c.diags_dropped, 1);
	T_CHECK(strcmp(c.diags[CONF_MAX_DIAGS - 1].text,
	            "f:65:1: unknown directive 'bad'") == 0);
}

void
test_conf(void)
{
	test_all_fixtures();
	test_lab_fixture();
	test_other_fixtures();
	test_defaults();
	test_source_options();
	test_polls();
	test_nts_server();
	test_source_errors();
	test_too_many_sources();
	test_unknown_and_unsupported();
	test_clock();
	test_local_port_ratelimit();
	test_discard_workers();
	test_interface();
	test_restrict();
	test_paths_keys_stats();
	test_tos_tinker();
	test_includes();
	test_lexing();
	test_diag_overflow();
}

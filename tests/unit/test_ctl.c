// SPDX-License-Identifier: ISC
/* Unit tests for ctl: the mode 6 codec. */
#include <string.h>

#include "ctl/ctl.h"
#include "t.h"

static void
parse_captured(void)
{
	/* READVAR "stratum" as ntpq sent it (INTEROP-AUTH-MODE6.md) */
	static const uint8_t req[] = { 0xd6, 0x02, 0x00, 0x02, 0, 0, 0, 0, 0, 0,
		0x00, 0x07, 's', 't', 'r', 'a', 't', 'u', 'm', 0 };
	struct ctl_msg m;

	T_EQ(ctl_parse(req, sizeof(req), &m), 0);
	T_EQ(m.leap, 3);
	T_EQ(m.version, 2);
	T_EQ(m.response, 0);
	T_EQ(m.opcode, CTL_OP_READVAR);
	T_EQ(m.seq, 2);
	T_EQ(m.count, 7);
	T_CHECK(memcmp(m.data, "stratum", 7) == 0);
	/* count beyond the datagram, short header, wrong mode */
	T_EQ(ctl_parse(req, 19, &m), 0);
	T_EQ(ctl_parse(req, 18, &m), -1);
	T_EQ(ctl_parse(req, 11, &m), -1);
	{
		uint8_t b[20];

		memcpy(b, req, sizeof(b));
		b[11] = 9;
		T_EQ(ctl_parse(b, sizeof(b), &m), -1);
		b[11] = 7;
		b[0] = 0xe3;
		T_EQ(ctl_parse(b, sizeof(b), &m), -1);
	}
}

static void
error_bytes(void)
{
	/* rv 0 nosuchvar -> 16 c2 0002 0500 0000 0000 0000 */
	static const uint8_t want[] = { 0x16, 0xc2, 0, 2, 5, 0, 0, 0, 0, 0, 0,
		0 };
	static const uint8_t req[] = { 0xd6, 0x02, 0, 2, 0, 0, 0, 0, 0, 0, 0,
		0 };
	struct ctl_msg m;
	uint8_t out[CTL_DGRAM_MAX];

	T_EQ(ctl_parse(req, sizeof(req), &m), 0);
	T_EQ(ctl_error(&m, 0, CTL_ERR_UNKNOWNVAR, out, sizeof(out)), 12);
	T_CHECK(memcmp(out, want, 12) == 0);
	T_EQ(ctl_error(&m, 0, CTL_ERR_BADOP, out, 11), 0);
}

static void
fragments(void)
{
	static uint8_t data[1000];
	uint8_t out[CTL_DGRAM_MAX], got[1000];
	struct ctl_msg req = { .version = 2,
		.opcode = CTL_OP_READVAR,
		.seq = 9,
		.assoc = 3 },
	               r;
	size_t i, k, n, len, total = 0;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	T_EQ(ctl_frag_count(0), 1);
	T_EQ(ctl_frag_count(468), 1);
	T_EQ(ctl_frag_count(469), 2);
	n = ctl_frag_count(sizeof(data));
	T_EQ(n, 3);
	for (k = 0; k < n; k++) {
		len = ctl_frag(&req, 0, 0x961a, data, sizeof(data), k, out,
		    sizeof(out));
		T_CHECK(len > 0 && len % 4 == 0 && len <= CTL_DGRAM_MAX);
		T_EQ(ctl_parse(out, len, &r), 0);
		T_EQ(r.response, 1);
		T_EQ(r.more, k + 1 < n);
		T_EQ(r.offset, total);
		T_EQ(r.seq, 9);
		T_EQ(r.assoc, 3);
		T_EQ(r.status, 0x961a);
		T_EQ(r.opcode, CTL_OP_READVAR);
		T_EQ(out[0], 0x16);
		memcpy(got + r.offset, r.data, r.count);
		total += r.count;
	}
	T_EQ(total, sizeof(data));
	T_CHECK(memcmp(got, data, sizeof(data)) == 0);
	T_EQ(ctl_frag(&req, 0, 0, data, sizeof(data), 3, out, sizeof(out)), 0);
	/* empty response: one 12-byte fragment */
	T_EQ(ctl_frag(&req, 0, 0, NULL, 0, 0, out, sizeof(out)), 12);
	/* padding: 11 bytes of data -> 24 */
	T_EQ(ctl_frag(&req, 0, 0, data, 11, 0, out, sizeof(out)), 24);
	T_EQ(out[23], 0);
}

static void
status_words(void)
{
	uint16_t s = ctl_peer_status(CTL_PST_CONFIG | CTL_PST_REACH,
	    CTL_SEL_SYSPEER, 1, CTL_PEV_SYSPEER);

	T_EQ(s, 0x961a);
	T_EQ(ctl_tally(s), '*');
	T_EQ(ctl_tally(0x9414), '+');
	T_EQ(ctl_tally(0x9014), ' ');
	T_EQ(ctl_sel_from_tally('-'), CTL_SEL_OUTLIER);
	T_EQ(ctl_sel_from_tally('x'), CTL_SEL_FALSETICK);
	T_EQ(ctl_sel_from_tally('?'), CTL_SEL_REJECT);
	T_EQ(ctl_sel_from_tally('\0'), CTL_SEL_REJECT);
}

/* The last event code and a count that stops at 15, as ntpd's. */
static void
events(void)
{
	struct ctl_event e = { 0, 0 };
	int i;

	ctl_event_note(&e, CTL_PEV_MOBILIZE);
	T_EQ(e.code, CTL_PEV_MOBILIZE);
	T_EQ(e.count, 1);
	ctl_event_note(&e, CTL_PEV_REACH);
	T_EQ(e.code, CTL_PEV_REACH);
	T_EQ(e.count, 2);
	for (i = 0; i < 20; i++)
		ctl_event_note(&e, CTL_PEV_SYSPEER);
	T_EQ(e.count, 15);
	T_EQ(ctl_peer_status(CTL_PST_CONFIG, CTL_SEL_SYSPEER, e.count, e.code),
	    0x86fa);
}

static void
text(void)
{
	char b[512], f[48];
	struct ctl_txt t;
	struct ctl_vcur c;
	struct ctl_var v;
	int n, i;

	ctl_txt_init(&t, b, sizeof(b));
	ctl_txt_str(&t, "version", "stratumd 0.1.0");
	ctl_txt_int(&t, "stratum", 2);
	ctl_txt_fix(&t, "offset", -18024, 6);
	ctl_txt_fix(&t, "delay", 58444, 6);
	ctl_txt_hex(&t, "reach", 0xff);
	ctl_txt_ts(&t, "rec", 0xeeb89f67e0febdaaULL);
	ctl_txt_refid(&t, "refid", 0x4c4f434cu, 1);
	ctl_txt_refid(&t, "r3", 0x7f7f0101u, 1);
	ctl_txt_refid(&t, "r2", 0x7f000001u, 2);
	ctl_txt_refid(&t, "r16", 0x494e4954u, 16); /* unsynchronized: INIT */
	n = ctl_txt_end(&t);
	T_CHECK(n > 0);
	b[n] = '\0';
	T_CHECK(strstr(b, "version=\"stratumd 0.1.0\", stratum=2") == b);
	T_CHECK(strstr(b, "offset=-0.018024") != NULL);
	T_CHECK(strstr(b, "delay=0.058444") != NULL);
	T_CHECK(strstr(b, "reach=0xff") != NULL);
	T_CHECK(strstr(b, "rec=0xeeb89f67.e0febdaa") != NULL);
	T_CHECK(strstr(b, "refid=LOCL") != NULL);
	T_CHECK(strstr(b, "r2=127.0.0.1,") != NULL);
	T_CHECK(strstr(b, "r16=INIT\r\n") != NULL);
	T_CHECK(strstr(b, "r3=127.127.1.1") != NULL);
	T_CHECK(strstr(b, ",\r\n") != NULL); /* broken into lines */
	ctl_fmt_fix(f, sizeof(f), 5, 3);
	T_CHECK(strcmp(f, "0.005") == 0);
	ctl_fmt_fix(f, sizeof(f), -1000, 3);
	T_CHECK(strcmp(f, "-1.000") == 0);
	ctl_fmt_fix(f, sizeof(f), INT64_MIN, 0);
	T_CHECK(strcmp(f, "-9223372036854775808") == 0);

	ctl_vcur_init(&c, b, (size_t)n);
	i = 0;
	while (ctl_var_next(&c, &v)) {
		if (ctl_var_is(&v, "version"))
			T_CHECK(v.value_len == 14 &&
			    memcmp(v.value, "stratumd 0.1.0", 14) == 0);
		if (ctl_var_is(&v, "r2"))
			T_CHECK(v.value_len == 9);
		i++;
	}
	T_EQ(i, 10);
	/* too small */
	ctl_txt_init(&t, b, 10);
	ctl_txt_int(&t, "stratum", 12345);
	T_EQ(ctl_txt_end(&t), -1);
}

static void
select_vars(void)
{
	static const char full[] = "version=\"a, b\", stratum=2,\r\n"
	                           "offset=-0.018024, reach=0xff\r\n";
	char b[256];
	struct ctl_txt t;
	int n;

	ctl_txt_init(&t, b, sizeof(b));
	T_EQ(ctl_select(full, sizeof(full) - 1, "offset,version", 14, &t), 0);
	n = ctl_txt_end(&t);
	T_CHECK(n > 0);
	b[n] = '\0';
	T_CHECK(strcmp(b, "offset=-0.018024, version=\"a, b\"\r\n") == 0);
	ctl_txt_init(&t, b, sizeof(b));
	T_EQ(ctl_select(full, sizeof(full) - 1, "stratum,nosuchvar", 17, &t),
	    -1);
	/* a trailing NUL pad in the request is not a name */
	ctl_txt_init(&t, b, sizeof(b));
	T_EQ(ctl_select(full, sizeof(full) - 1, "stratum\0", 8, &t), 0);
}

static void
request(void)
{
	uint8_t out[CTL_DGRAM_MAX];
	struct ctl_msg m;
	size_t n;

	n = ctl_request(CTL_OP_READSTAT, 1, 0, NULL, 0, out, sizeof(out));
	T_EQ(n, 12);
	T_EQ(out[1], 0x01);
	n = ctl_request(CTL_OP_READVAR, 2, 7, "stratum", 7, out, sizeof(out));
	T_EQ(n, 20);
	T_EQ(ctl_parse(out, n, &m), 0);
	T_EQ(m.assoc, 7);
	T_EQ(m.count, 7);
	T_EQ(m.response, 0);
}

/* Random bytes never make the parser read past the datagram. */
static void
parse_random(void)
{
	uint64_t st = t_stats.seed ^ 0x6d6f646536ULL;
	uint8_t b[64];
	struct ctl_msg m;
	size_t len, i;
	int k, ok = 1;

	for (k = 0; k < 2000; k++) {
		len = (size_t)(t_rand(&st) % sizeof(b));
		for (i = 0; i < len; i++)
			b[i] = (uint8_t)t_rand(&st);
		if (len > 0)
			b[0] = (uint8_t)((b[0] & ~7u) | 6u);
		if (ctl_parse(b, len, &m) == 0 &&
		    (size_t)(m.data - b) + m.count > len)
			ok = 0;
	}
	T_CHECK(ok);
}

void
test_ctl(void)
{
	parse_captured();
	error_bytes();
	fragments();
	status_words();
	events();
	text();
	select_vars();
	request();
	parse_random();
}

// SPDX-License-Identifier: ISC
/*
 * Fuzz target for the mode 6 codec (src/ctl).  Properties asserted for
 * every input:
 *  - ctl_parse accepts only what holds together: a mode 6 header whose
 *    count stays inside the datagram, the data pointing inside it; what
 *    it accepts re-encodes (padded to a multiple of 4) and parses back to
 *    the same fields and bytes;
 *  - a response of any length (the input as its data) splits into
 *    fragments of at most CTL_FRAG_MAX bytes, each a multiple of 4 long,
 *    with the M bit on all but the last, offsets contiguous from 0, the
 *    request's opcode, sequence and association echoed, and the data
 *    put back together equal to the original; no fragment past the last;
 *  - reading variable text (ctl_var_next) ends, and every name and value
 *    lies inside the text; ctl_select never writes past its buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "prop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DATA 4096

static void
parse_roundtrip(const uint8_t *data, size_t size)
{
	struct ctl_msg m, b;
	uint8_t out[CTL_HDR_LEN + 65536 + 4];
	size_t n;

	if (ctl_parse(data, size, &m) != 0)
		return;
	PROP(size >= CTL_HDR_LEN);
	PROP((size_t)m.count <= size - CTL_HDR_LEN);
	PROP(m.data >= data && m.data + m.count <= data + size);
	PROP(m.opcode <= 31 && m.leap <= 3);
	n = ctl_encode(&m, out, sizeof(out));
	PROP(n == CTL_HDR_LEN + ((size_t)m.count + 3) / 4 * 4);
	PROP(ctl_parse(out, n, &b) == 0);
	PROP(b.opcode == m.opcode && b.seq == m.seq && b.assoc == m.assoc);
	PROP(b.status == m.status && b.offset == m.offset);
	PROP(b.count == m.count && b.leap == m.leap);
	PROP(b.response == m.response && b.error == m.error);
	PROP(b.more == m.more && b.version == m.version);
	PROP(memcmp(b.data, m.data, m.count) == 0);
}

static void
fragments(const uint8_t *data, size_t size)
{
	static uint8_t joined[MAX_DATA];
	uint8_t rq[CTL_DGRAM_MAX], out[CTL_DGRAM_MAX];
	struct ctl_msg req, f;
	size_t len = size > MAX_DATA ? MAX_DATA : size, nf, k, n, got = 0;
	uint16_t seq = 7, assoc = 1;

	if (size > 3) {
		seq = (uint16_t)((unsigned)data[0] << 8 | data[1]);
		assoc = (uint16_t)((unsigned)data[2] << 8 | data[3]);
	}
	n = ctl_request(CTL_OP_READVAR, seq, assoc, NULL, 0, rq, sizeof(rq));
	PROP(n == CTL_HDR_LEN && ctl_parse(rq, n, &req) == 0);
	nf = ctl_frag_count(len);
	PROP(nf >= 1);
	for (k = 0; k < nf; k++) {
		n = ctl_frag(&req, 0, 0x0615, data, len, k, out, sizeof(out));
		PROP(n >= CTL_HDR_LEN && n <= CTL_DGRAM_MAX && n % 4 == 0);
		PROP(ctl_parse(out, n, &f) == 0);
		PROP(f.response && !f.error);
		PROP(f.more == (k + 1 < nf));
		PROP(f.opcode == CTL_OP_READVAR && f.seq == seq);
		PROP(f.assoc == assoc && f.status == 0x0615);
		PROP(f.offset == got && f.count <= CTL_FRAG_MAX);
		PROP(got + f.count <= len);
		memcpy(joined + got, f.data, f.count);
		got += f.count;
	}
	PROP(got == len && memcmp(joined, data, len) == 0);
	PROP(ctl_frag(&req, 0, 0, data, len, nf, out, sizeof(out)) == 0);
}

static void
variables(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	char buf[512];
	struct ctl_vcur c;
	struct ctl_var v;
	struct ctl_txt t;
	size_t half = size / 2, steps = 0;

	ctl_vcur_init(&c, p, size);
	while (ctl_var_next(&c, &v)) {
		PROP(++steps <= size + 1);
		PROP(v.name >= p && v.name + v.name_len <= p + size);
		PROP(v.value == NULL ||
		    (v.value >= p && v.value + v.value_len <= p + size));
	}
	ctl_txt_init(&t, buf, sizeof(buf));
	(void)ctl_select(p, half, p + half, size - half, &t);
	PROP(t.len <= sizeof(buf));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_roundtrip(data, size);
	fragments(data, size);
	variables(data, size);
	return 0;
}

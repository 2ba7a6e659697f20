// SPDX-License-Identifier: ISC
/*
 * Fuzz target for the NTS-KE record parser (src/nts/rec).  Properties:
 *  - rec_parse never reads past the input: a whole message ends inside
 *    it, every cookie lies inside it within the size limits, the server
 *    name is printable and terminated;
 *  - a whole message is incomplete (REC_MORE) one byte shorter;
 *  - the server's answer to any request (rec_decide,
 *    rec_server_response) parses back whole, says the same, and a client
 *    finds it usable exactly when a protocol and an AEAD were agreed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nts/rec.h"
#include "prop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
answer(const struct rec_msg *m)
{
	static uint8_t out[REC_MSG_MAX];
	uint8_t cookie[100];
	const uint8_t *ck[REC_MAX_COOKIES];
	struct rec_answer a;
	struct rec_msg b;
	size_t n;
	int i;

	memset(cookie, 0xc5, sizeof(cookie));
	for (i = 0; i < REC_MAX_COOKIES; i++)
		ck[i] = cookie;
	rec_decide(m, 15, &a);
	PROP(a.aead == 0 || a.aead == 15);
	n = rec_server_response(out, sizeof(out), &a, ck, sizeof(cookie),
	    REC_MAX_COOKIES, 11123);
	PROP(n > 0);
	PROP(rec_parse(out, n, &b) == REC_DONE && b.len == n);
	PROP(b.has_error == (a.error >= 0));
	if (a.error >= 0) {
		PROP(b.error == a.error && b.n_cookies == 0);
		return;
	}
	PROP(b.n_proto == a.proto_ok && b.n_aead == (a.aead != 0));
	PROP(b.has_port == (a.proto_ok && a.aead) &&
	    (!b.has_port || b.port == 11123));
	PROP((rec_check_response(&b, 15) == NULL) ==
	    (a.proto_ok && a.aead == 15));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec_msg m, p;
	enum rec_res r = rec_parse(data, size, &m);
	int i;

	if (r != REC_DONE)
		return 0;
	PROP(m.len >= 4 && m.len <= size && m.len <= REC_MSG_MAX);
	PROP(m.n_cookies <= REC_MAX_COOKIES);
	PROP(m.n_proto <= REC_MAX_LIST && m.n_aead <= REC_MAX_LIST);
	for (i = 0; i < m.n_cookies; i++) {
		PROP(m.cookie[i] >= data);
		PROP(m.cookie[i] + m.cookie_len[i] <= data + m.len);
		PROP(m.cookie_len[i] >= 1 && m.cookie_len[i] <= REC_COOKIE_MAX);
	}
	if (m.has_server) {
		size_t sl = strlen(m.server);

		PROP(sl >= 1 && sl <= REC_SERVER_MAX);
		for (i = 0; i < (int)sl; i++)
			PROP(m.server[i] > 0x20 && m.server[i] < 0x7f);
	}
	PROP(rec_parse(data, m.len - 1, &p) == REC_MORE);
	answer(&m);
	return 0;
}

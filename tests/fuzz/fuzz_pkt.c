// SPDX-License-Identifier: ISC
/*
 * Fuzz target for the packet decoder and the server's response policy.
 * Beyond "no crash", it asserts the properties a server must keep for any
 * input: at most one reply, never longer than the request, and a reply
 * that decodes, answers in the request's version and echoes its transmit
 * timestamp as origin.  The client-side checker must never accept a
 * reply whose origin differs from what it sent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/exch.h"
#include "core/pkt.h"
#include "core/srv.h"
#include "core/ts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW (1795000000LL * TS_NS_PER_S)

static void
check_reply(const struct pkt *rq, const uint8_t *rp, size_t n, size_t size)
{
	struct pkt p;

	if (n > size || n < PKT_HDR_LEN)
		abort();
	if (pkt_decode(rp, n, &p) != PKT_OK)
		abort();
	if (p.h.version != rq->h.version || p.h.org_ts != rq->h.xmt_ts)
		abort();
	if (p.h.mode !=
	    (rq->h.mode == PKT_MODE_CLIENT ? PKT_MODE_SERVER
	                                   : PKT_MODE_SYM_PASSIVE))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct srv_sys sys = { .leap = 0,
		.stratum = 2,
		.precision = -20,
		.refid = 0x7f000001u,
		.ref_ns = NOW - TS_NS_PER_S };
	struct exch_sample s;
	uint8_t rp[2048];
	struct pkt rq;
	size_t n = 0;
	enum exch_verdict v;

	(void)pkt_decode(data, size, &rq);
	if (srv_respond(&sys, data, size, NOW, rp, sizeof(rp), &n) ==
	    SRV_REPLY) {
		srv_finish(rp, NOW + 1000);
		check_reply(&rq, rp, n, size);
	} else if (n != 0) {
		abort();
	}
	/* The template path the engine uses, as a RATE kiss-o'-death too:
	 * the same bounds (the engine's reply buffer is 64 bytes). */
	{
		struct srv_tmpl t;
		uint8_t kod[64];
		size_t nk = 0;

		srv_tmpl_build(&t, &sys);
		if (srv_reply(&t, data, size, NOW, 1, kod, sizeof(kod), &nk) ==
		    SRV_REPLY) {
			check_reply(&rq, kod, nk, size);
			if (kod[1] != 0) /* stratum 0 */
				abort();
		} else if (nk != 0) {
			abort();
		}
	}
	/* As a reply to a request we never sent: origin cannot match
	 * unless the input guessed it, which we then accept by design. */
	v = exch_check(data, size, 0x0123456789abcdefULL, NOW, NOW + 1000,
	    PKT_MODE_SERVER, -20, &s);
	if (v == EXCH_OK &&
	    (size < PKT_HDR_LEN ||
	        memcmp(data + 24, "\x01\x23\x45\x67\x89\xab\xcd\xef", 8) != 0))
		abort();
	return 0;
}

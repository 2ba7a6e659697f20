/* SPDX-License-Identifier: ISC */
/*
 * ctlsrv: answers NTP mode 6 (RFC 9327) READSTAT and READVAR requests
 * from the client half's state, with ntpd's variable names and formats,
 * so that `ntpq -p`, `ntpq -c rv` and `stratum peers` work.  The system
 * variables add our own (stm_*: tracking figures, and counters that,
 * like ntpd's ss_* sysstats, are returned only when asked by name).  Association
 * ids are 1 + the source's slot.  Who may ask (loopback only, restrict
 * noquery, a rate) is the engine's decision; this only builds replies.
 */
#ifndef STRATUM_CTLSRV_H
#define STRATUM_CTLSRV_H

#include <stddef.h>
#include <stdint.h>

#include "ctl/ctl.h"
#include "daemon/assoc.h"
#include "os/clk.h"

struct engine; /* daemon/engine.h */

#define CTLSRV_MAX_FRAGS 8 /* a READVAR of one association takes 2 */
#define CTLSRV_TEXT (CTLSRV_MAX_FRAGS * CTL_FRAG_MAX)

/* The fragments to send, and scratch space for building them. */
struct ctlsrv_out {
	uint8_t d[CTLSRV_MAX_FRAGS][CTL_DGRAM_MAX];
	size_t len[CTLSRV_MAX_FRAGS];
	int n;
	char text[2][CTLSRV_TEXT];
};

/*
 * The reply to one mode 6 datagram from from: its fragments in out, in the order
 * to send them.  Returns out->n; 0 when the datagram gets no reply (not a
 * request, or a response: never answer one, that would let two servers
 * loop).  Unknown opcodes, associations and variables get an error
 * response.
 */
int ctlsrv_answer(struct engine *e, const struct udp_peer *from, int mru_ok,
    const uint8_t *req, size_t len, struct ctlsrv_out *out);

/* Record what the core's event x means for the status words: the
 * system's and its source's last event and count (ntpd's event codes).
 * Called by the client half for every SYNC_ACT_EVENT. */
void ctlsrv_note(struct assoc *a, const struct sync_act *x);

#endif

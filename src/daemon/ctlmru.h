/* SPDX-License-Identifier: ISC */
/*
 * ctlmru: mode 6's MRU list (ntpq -c mrulist), ntpd's READ_MRU exchange
 * answered from the rate-limit tables (core/rl, eng_mru_snapshot): the
 * clients whose requests are rate-limited (`ratelimit`, `restrict ...
 * limited`); nobody when nothing is.
 *
 * ntpq first asks REQ_NONCE: the nonce is 8 hex digits of the time and
 * 16 of a SipHash, under the daemon's random key, of the asker's address
 * and that time; READ_MRU must bring it back from the same address
 * within CTLMRU_NONCE_S, so that a forged source address cannot make us
 * send the list elsewhere.  READ_MRU gives entries least recently seen
 * first, as many as fit in the fragments asked (frags=, at most what one
 * answer holds) or rows (limit=), after the newest last.N the request
 * already has; the answer that holds the last entry ends with now= (and
 * last.newest=), which tells ntpq the list is complete.
 */
#ifndef STRATUM_CTLMRU_H
#define STRATUM_CTLMRU_H

#include <stddef.h>
#include <stdint.h>

#include "ctl/ctl.h"
#include "os/udp.h"

#define CTLMRU_NONCE_LEN 24
#define CTLMRU_NONCE_S 30 /* ntpq asks for a new one after 16 s */

struct engine;

/* "nonce=..." for from at clock_ns into t. */
void ctlmru_nonce(const struct engine *e, const struct udp_peer *from,
    int64_t clock_ns, struct ctl_txt *t);

/*
 * The READ_MRU answer to request data req[0..len) from from into t
 * (fitting in cap_bytes).  Returns 0; -1 when the nonce is missing, not
 * ours for from, or too old (the request gets no answer); -2 when out of
 * memory.
 */
int ctlmru_read(struct engine *e, const struct udp_peer *from, const char *req,
    size_t len, int64_t clock_ns, int64_t mono_ns, size_t cap_bytes,
    struct ctl_txt *t);

#endif

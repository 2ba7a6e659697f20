/* SPDX-License-Identifier: ISC */
/*
 * sreq: the server's answer to an NTS-protected NTP request (RFC 8915
 * sections 5.7 and 5.8).  The engine calls it for client requests that
 * carry extension fields; ordinary requests never get here.
 *
 * A request with a unique identifier, a cookie and an authenticator is
 * answered when the cookie opens (nts/kesrv's keys) and the
 * authenticator verifies under the cookie's C2S key: the reply echoes the
 * unique identifier and carries, encrypted under S2C, one new cookie per
 * cookie used plus one per placeholder, as many as fit in the request's
 * length (a reply is never larger than its request).  A cookie that does
 * not open or an authenticator that does not verify gets an NTS NAK: a
 * kiss-o'-death with stratum 0 and code NTSN, the unique identifier
 * echoed, nothing else.  Anything malformed is dropped.
 */
#ifndef STRATUM_SREQ_H
#define STRATUM_SREQ_H

#include <stddef.h>
#include <stdint.h>

#include "nts/kesrv.h"

enum sreq_res {
	SREQ_NONE,  /* no NTS field: an ordinary request */
	SREQ_REPLY, /* out holds the authenticated reply */
	SREQ_NAK,   /* out holds an NTS NAK */
	SREQ_DROP,  /* malformed or incomplete NTS request: no answer */
};

/*
 * req[0..len) is a client request; hdr the 48-byte reply header the
 * server would send to it, complete with its transmit timestamp (it is
 * authenticated, so it cannot change after this).  Writes the reply into
 * out[0..*out_len) (cap >= len).
 */
enum sreq_res sreq_answer(struct kesrv *k, const uint8_t *req, size_t len,
    const uint8_t hdr[48], uint8_t *out, size_t cap, size_t *out_len);

#endif

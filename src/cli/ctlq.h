/* SPDX-License-Identifier: ISC */
/*
 * ctlq: the client side of the control protocol (NTP mode 6): send one
 * request to a daemon (stratumd, ntpd, NTPsec) and gather its response,
 * fragments reassembled by offset, within a deadline.  Used by
 * `stratum peers`.
 */
#ifndef STRATUM_CTLQ_H
#define STRATUM_CTLQ_H

#include <stddef.h>
#include <stdint.h>

#include "os/udp.h"

#define CTLQ_MAX_DATA 16384 /* ntpq accepts no more either */

struct ctlq {
	int fd;
	struct udp_peer to;
	uint16_t seq;
	double timeout_s; /* per request */
};

struct ctlq_resp {
	uint16_t status; /* of the last fragment, as ntpq takes it */
	int error;       /* 0, or the error code (ctl_err) + 1 */
	size_t len;
	uint8_t data[CTLQ_MAX_DATA + 1]; /* NUL-terminated */
};

/* A socket towards to; 0, or -1 with errno. */
int ctlq_open(struct ctlq *q, const struct udp_peer *to, double timeout_s);
void ctlq_close(struct ctlq *q);

/*
 * One request (opcode, association, optional variable names) and its
 * whole response into *r.  Returns 0; -1 when nothing complete arrived
 * before the timeout (errno ETIMEDOUT) or sending failed.  An error
 * response is a return of 0 with r->error set.
 */
int ctlq_ask(struct ctlq *q, uint8_t opcode, uint16_t assoc, const char *vars,
    struct ctlq_resp *r);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * srv: the server's response policy (RFC 5905 sections 8 and 9.2, and the
 * stateless symmetric-passive reply ntpd gives to mode 1 requests).
 *
 * Given the system state, one request and its receive time, srv_respond
 * decides whether to answer and builds the reply with every field but the
 * transmit timestamp, which the caller sets with srv_finish as late as it
 * can, just before sending.  A reply is never longer than its request and
 * there is at most one reply per request.
 */
#ifndef STRATUM_SRV_H
#define STRATUM_SRV_H

#include <stddef.h>
#include <stdint.h>

/* What the server says about its own clock (RFC 5905 system variables). */
struct srv_sys {
	uint8_t leap;     /* enum pkt_leap; PKT_LEAP_UNSYNC: no usable time */
	uint8_t stratum;  /* 1..15 when synchronized; 16 otherwise */
	int8_t precision; /* log2 s */
	uint32_t refid;
	int64_t ref_ns;        /* time of the last clock update; 0 none */
	int64_t root_delay_ns; /* to the primary reference */
	int64_t root_disp_ns;  /* at ref_ns; grows by PHI after it */
};

enum srv_verdict {
	SRV_REPLY,
	SRV_DROP_SHORT,     /* shorter than a header, or undecodable */
	SRV_DROP_VERSION,   /* version 0 or above 4 */
	SRV_DROP_MODE,      /* not a mode we answer (0, 2, 4, 5, 6, 7) */
	SRV_DROP_MALFORMED, /* bad extension fields */
};
#define SRV_N_VERDICTS 5

/* Counters an engine keeps per verdict, indexed by enum srv_verdict. */
struct srv_stats {
	uint64_t received;
	uint64_t by_verdict[SRV_N_VERDICTS];
};

/*
 * A reply template: the 48 header bytes every reply shares while the
 * system state stays the same (stratum, precision, root delay, refid,
 * reference time), built once and copied per request.  srv_reply fills in
 * what each request changes.
 */
struct srv_tmpl {
	uint8_t hdr[48];
	struct srv_sys sys;
};

/* The unsynchronized state a server starts in. */
void srv_sys_unsync(struct srv_sys *sys, int8_t precision);

/*
 * Decide on one request received at rx_ns (server clock) and, for
 * SRV_REPLY, write the reply into reply[0..*reply_len) (cap must be at
 * least the request length or 52).  The reply:
 *  - mode 4 to mode 3, mode 2 to mode 1, in the request's version;
 *  - origin = the request's transmit timestamp, receive = rx_ns;
 *  - poll echoed from the request (clamped to 4..17 like ntpd);
 *  - when the request carries a MAC, a crypto-NAK (key id 0) follows the
 *    header, as we hold no keys yet; extension fields are not echoed.
 */
enum srv_verdict srv_respond(const struct srv_sys *sys, const uint8_t *req,
    size_t req_len, int64_t rx_ns, uint8_t *reply, size_t cap,
    size_t *reply_len);

/* Build the template for sys. */
void srv_tmpl_build(struct srv_tmpl *t, const struct srv_sys *sys);

/* Change only the reference time (a local clock that is its own
 * reference is fresh at every instant). */
void srv_tmpl_set_ref(struct srv_tmpl *t, int64_t ref_ns);

/*
 * srv_respond over a prepared template: the same verdicts and the same
 * reply bytes.  With kod set, a SRV_REPLY is turned into a RATE
 * kiss-o'-death (RFC 5905 section 7.4: stratum 0, refid "RATE", leap 3,
 * no reference time, root delay and dispersion 0), no longer than the
 * reply it replaces.
 */
enum srv_verdict srv_reply(const struct srv_tmpl *t, const uint8_t *req,
    size_t req_len, int64_t rx_ns, int kod, uint8_t *reply, size_t cap,
    size_t *reply_len);

/* Set the reply's transmit timestamp to tx_ns (the last thing before
 * sending); a time that cannot go on the wire leaves it zero. */
void srv_finish(uint8_t *reply, int64_t tx_ns);

/* Text for a verdict ("reply", "bad mode"...). */
const char *srv_verdict_str(enum srv_verdict v);

#endif

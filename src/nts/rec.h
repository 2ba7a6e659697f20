/* SPDX-License-Identifier: ISC */
/*
 * rec: the NTS-KE record codec (RFC 8915 section 4): the messages a KE
 * client and server exchange over TLS, as records of a 16-bit type (top
 * bit: critical), a 16-bit body length and the body, ended by an End of
 * Message record.  Pure: no I/O, no allocation.  A parsed message refers
 * to cookie bytes in the caller's buffer, which must outlive it.
 *
 * Size limits: a message longer than REC_MSG_MAX without End of Message
 * is refused, at most REC_MAX_LIST protocol or AEAD ids are kept, at most
 * REC_MAX_COOKIES cookies of 1..REC_COOKIE_MAX bytes each (more are
 * counted and dropped), a server name of 1..REC_SERVER_MAX bytes.
 */
#ifndef STRATUM_REC_H
#define STRATUM_REC_H

#include <stddef.h>
#include <stdint.h>

#define REC_EOM 0
#define REC_NEXT_PROTO 1
#define REC_ERROR 2
#define REC_WARNING 3
#define REC_AEAD 4
#define REC_COOKIE 5
#define REC_SERVER 6
#define REC_PORT 7
#define REC_CRITICAL 0x8000u

#define REC_PROTO_NTPV4 0
#define REC_ERR_UNRECOGNIZED 0 /* unrecognized critical record */
#define REC_ERR_BAD_REQUEST 1
#define REC_ERR_INTERNAL 2

#define REC_MSG_MAX 16384
#define REC_MAX_LIST 16
#define REC_MAX_COOKIES 8
#define REC_COOKIE_MAX 1024
#define REC_SERVER_MAX 255

struct rec_msg {
	int n_proto_recs; /* Next Protocol records seen */
	int n_proto;
	uint16_t proto[REC_MAX_LIST];
	int n_aead_recs;
	int n_aead;
	uint16_t aead[REC_MAX_LIST];
	int n_cookies;
	const uint8_t *cookie[REC_MAX_COOKIES];
	uint16_t cookie_len[REC_MAX_COOKIES];
	int cookies_dropped; /* beyond REC_MAX_COOKIES or too long */
	int has_server;
	char server[REC_SERVER_MAX + 1]; /* NUL-terminated */
	int has_port;
	uint16_t port;
	int has_error;
	uint16_t error;
	int has_warning;
	uint16_t warning;
	int unknown_critical; /* a critical record of a type we lack */
	size_t len;           /* bytes up to and including End of Message */
};

enum rec_res {
	REC_DONE, /* a whole message, *m filled in */
	REC_MORE, /* no End of Message yet: read more bytes */
	REC_BAD,  /* malformed, or REC_MSG_MAX bytes without an end */
};

/* Parse buf[0..len), the bytes received so far.  Bytes after End of
 * Message are not read (m->len says where it ended). */
enum rec_res rec_parse(const uint8_t *buf, size_t len, struct rec_msg *m);

/* Append one record to buf[*len..cap).  Returns 0 and advances *len, or
 * -1 (nothing written) when it does not fit or blen > 65535.  body NULL:
 * blen zero bytes. */
int rec_put(uint8_t *buf, size_t *len, size_t cap, int critical, uint16_t type,
    const uint8_t *body, size_t blen);

/* A record whose body is n 16-bit values (Next Protocol, AEAD, Error,
 * Warning, Port). */
int rec_put_u16s(uint8_t *buf, size_t *len, size_t cap, int critical,
    uint16_t type, const uint16_t *v, size_t n);

/* The client's request: Next Protocol NTPv4 and AEAD aead, both
 * critical, then End of Message.  Returns its length, 0 if cap is short. */
size_t rec_client_request(uint8_t *buf, size_t cap, uint16_t aead);

/* What a server answers to a request (rec_decide). */
struct rec_answer {
	int error;     /* -1, or the Error record's code */
	int proto_ok;  /* NTPv4 offered */
	uint16_t aead; /* chosen, 0: none acceptable */
};

/* Decide the answer to a parsed request, for a server supporting only
 * NTPv4 and AEAD supported (RFC 8915 sections 4.1.2, 4.1.3, 4.1.5). */
void rec_decide(const struct rec_msg *req, uint16_t supported,
    struct rec_answer *a);

/*
 * Write the server's response: Error + End of Message, or Next Protocol
 * (NTPv4, or empty), AEAD (the choice, or empty), n_cookies Cookie
 * records (cookie[i], cookie_len bytes each, only when a protocol and an
 * AEAD were agreed), a Port record when port is not 0 (our NTP port is
 * not 123, section 4.1.8), End of Message.  Returns the length, 0 if cap
 * is short.
 */
size_t rec_server_response(uint8_t *buf, size_t cap, const struct rec_answer *a,
    const uint8_t *const *cookie, size_t cookie_len, int n_cookies,
    uint16_t port);

/* Why a server's response is unusable for a client that asked for aead
 * (NULL: usable, i.e. no Error, no unknown critical record, Next
 * Protocol exactly NTPv4, AEAD exactly aead, at least one cookie). */
const char *rec_check_response(const struct rec_msg *m, uint16_t aead);

#endif

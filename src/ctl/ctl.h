/* SPDX-License-Identifier: ISC */
/*
 * ctl: the NTP control protocol (mode 6, RFC 9327) codec, shared by the
 * daemon and the CLI.  Pure: bytes in, bytes out, no allocation.
 *
 * A message is a 12-byte header (LI/VN/mode, R/E/M bits + opcode,
 * sequence, status, association id, offset, count) followed by count
 * data bytes and zero to three pad bytes, so that the datagram is a
 * multiple of 4 bytes long (ntpq drops anything else).  A response longer
 * than CTL_FRAG_MAX data bytes goes out in fragments: every one but the
 * last has the "more" bit, each says where its data starts (offset), and
 * the last must be sent last (ntpq rejects the reverse order).
 *
 * Variables travel as text, "name=value, name=value,\r\n...": ctl_txt
 * writes it (ntpd's formats: numbers in fixed point, timestamps in hex,
 * strings quoted), ctl_var_next reads it, ctl_select keeps the variables a
 * READVAR asked for.
 */
#ifndef STRATUM_CTL_H
#define STRATUM_CTL_H

#include <stddef.h>
#include <stdint.h>

#define CTL_HDR_LEN 12
#define CTL_FRAG_MAX 468 /* data bytes per fragment, as ntpd */
#define CTL_DGRAM_MAX (CTL_HDR_LEN + CTL_FRAG_MAX)
#define CTL_MODE 6

/* Byte 1 of the header. */
#define CTL_BIT_R 0x80 /* response */
#define CTL_BIT_E 0x40 /* error */
#define CTL_BIT_M 0x20 /* more fragments follow */
#define CTL_OP_MASK 0x1f

enum ctl_op {
	CTL_OP_READSTAT = 1,
	CTL_OP_READVAR = 2,
	CTL_OP_READ_MRU = 10, /* ntpd's MRU list (RFC 9327 leaves it open) */
	CTL_OP_REQ_NONCE = 12,
};

/* Error codes, in the high byte of an error response's status. */
enum ctl_err {
	CTL_ERR_UNSPEC = 0,
	CTL_ERR_PERMISSION = 1,
	CTL_ERR_BADFMT = 2,
	CTL_ERR_BADOP = 3,
	CTL_ERR_BADASSOC = 4,
	CTL_ERR_UNKNOWNVAR = 5,
	CTL_ERR_BADVALUE = 6,
	CTL_ERR_RESTRICT = 7,
};

/* Peer status word (RFC 9327 section 2.3.2): 5 status bits, a 3-bit
 * selection field (ntpq's tally character), event count and code. */
#define CTL_PST_CONFIG 0x80u
#define CTL_PST_AUTHENABLE 0x40u
#define CTL_PST_AUTHENTIC 0x20u
#define CTL_PST_REACH 0x10u
#define CTL_PST_BCAST 0x08u

enum ctl_sel {
	CTL_SEL_REJECT = 0,    /* ' ' */
	CTL_SEL_FALSETICK = 1, /* 'x' */
	CTL_SEL_EXCESS = 2,    /* '.' */
	CTL_SEL_OUTLIER = 3,   /* '-' */
	CTL_SEL_CANDIDATE = 4, /* '+' */
	CTL_SEL_BACKUP = 5,    /* '#' */
	CTL_SEL_SYSPEER = 6,   /* '*' */
	CTL_SEL_PPS = 7,       /* 'o' */
};

/* Peer event codes (low nibble of the peer status word, RFC 9327
 * section 2.3.2, ntpd's names). */
#define CTL_PEV_MOBILIZE 1
#define CTL_PEV_UNREACH 3
#define CTL_PEV_REACH 4
#define CTL_PEV_RESTART 5
#define CTL_PEV_RATE 7 /* "rate_exceeded": a RATE kiss */
#define CTL_PEV_DENY 8 /* "access_denied": a DENY/RSTR kiss */
#define CTL_PEV_LEAP 9 /* "leap_armed" */
#define CTL_PEV_SYSPEER 0xa
#define CTL_PEV_BADAUTH 0xc
#define CTL_PEV_POPCORN 0xd /* a spike was suppressed */

/* System event codes (system status word, section 2.3.1). */
#define CTL_SEV_FREQ_NOT_SET 1
#define CTL_SEV_FREQ_SET 2
#define CTL_SEV_SPIKE 3
#define CTL_SEV_CLOCK_SYNC 5
#define CTL_SEV_RESTART 6
#define CTL_SEV_PANIC 7
#define CTL_SEV_NO_SYS_PEER 8
#define CTL_SEV_LEAP_ARMED 9
#define CTL_SEV_CLOCK_STEP 0xc

/* The last event and how many there were (the status word's event code
 * and count; the count stays at 15 once there, as ntpd's). */
struct ctl_event {
	uint8_t code, count;
};

/* Record event code (1..15) in e. */
void ctl_event_note(struct ctl_event *e, unsigned code);

/* System clock source (bits 8-13 of the system status word): NTP. */
#define CTL_SST_UNSPEC 0
#define CTL_SST_NTP 6

struct ctl_msg {
	uint8_t leap;    /* 0..3 */
	uint8_t version; /* 1..7 */
	int response, error, more;
	uint8_t opcode; /* 0..31 */
	uint16_t seq, status, assoc, offset, count;
	const uint8_t *data; /* count bytes, inside the parsed datagram */
};

/*
 * Read a mode 6 datagram into *m (m->data points into buf).  Returns 0,
 * or -1 when it is shorter than a header, not mode 6, or its count runs
 * past the datagram.
 */
int ctl_parse(const uint8_t *buf, size_t len, struct ctl_msg *m);

/*
 * Write *m (header, m->count bytes from m->data, zero padding to a
 * multiple of 4) into out.  Returns the datagram length, or 0 when it
 * does not fit in cap.
 */
size_t ctl_encode(const struct ctl_msg *m, uint8_t *out, size_t cap);

/* How many fragments a response of len data bytes takes (1 when 0). */
size_t ctl_frag_count(size_t len);

/*
 * Fragment k (0-based, < ctl_frag_count(len)) of the response to req:
 * opcode, sequence and association echoed, version echoed, LI = leap,
 * status as given, the M bit on every fragment but the last.  Returns the
 * datagram length, or 0 when k is out of range or cap too small
 * (CTL_DGRAM_MAX always suffices).
 */
size_t ctl_frag(const struct ctl_msg *req, uint8_t leap, uint16_t status,
    const uint8_t *data, size_t len, size_t k, uint8_t *out, size_t cap);

/* An error response to req with the code in the status's high byte and no
 * data.  Returns its length (12), or 0 when cap is too small. */
size_t ctl_error(const struct ctl_msg *req, uint8_t leap, enum ctl_err code,
    uint8_t *out, size_t cap);

/* A request (R clear) with the given opcode, sequence, association and
 * data (a comma list of variable names, or none).  Returns its length. */
size_t ctl_request(uint8_t opcode, uint16_t seq, uint16_t assoc,
    const char *data, size_t len, uint8_t *out, size_t cap);

/* Peer status word from its parts. */
uint16_t ctl_peer_status(unsigned bits, enum ctl_sel sel, unsigned ev_count,
    unsigned ev_code);

/* The selection field for ntpd's tally character ('*' -> CTL_SEL_SYSPEER,
 * unknown -> CTL_SEL_REJECT), and back. */
enum ctl_sel ctl_sel_from_tally(char tally);
char ctl_tally(uint16_t peer_status);

/* ---- variable text ---- */

struct ctl_txt {
	char *buf;
	size_t cap, len;
	size_t line; /* length of the current line */
	int err;     /* set once something did not fit */
};

void ctl_txt_init(struct ctl_txt *t, char *buf, size_t cap);
/* name=value, the value as given (already formatted). */
void ctl_txt_raw(struct ctl_txt *t, const char *name, const char *value,
    size_t value_len);
/* name="value" */
void ctl_txt_str(struct ctl_txt *t, const char *name, const char *value);
/* name=-12 */
void ctl_txt_int(struct ctl_txt *t, const char *name, int64_t v);
/* name=v/10^dec with dec (0..9) decimals: (1234, 3) -> 1.234 */
void ctl_txt_fix(struct ctl_txt *t, const char *name, int64_t v, int dec);
/* name=0x1f */
void ctl_txt_hex(struct ctl_txt *t, const char *name, uint64_t v);
/* name=0xeeb89f55.e115edd5 (an NTP timestamp) */
void ctl_txt_ts(struct ctl_txt *t, const char *name, uint64_t ntp);
/* name=a.b.c.d for an IPv4 address in host order */
void ctl_txt_ipv4(struct ctl_txt *t, const char *name, uint32_t a);
/* name=LOCL: a refid as ntpd shows it: text (up to 4 printable
 * characters) for stratum 0 and 1 (kiss codes, reference clocks) and 16
 * (unsynchronized: INIT, STEP), dotted quad otherwise. */
void ctl_txt_refid(struct ctl_txt *t, const char *name, uint32_t refid,
    int stratum);
/* Close the text with "\r\n".  Returns its length, or -1 when it did not
 * fit (nothing useful was written then). */
int ctl_txt_end(struct ctl_txt *t);

/* Fixed-point number text into out (cap >= 32): as ctl_txt_fix.
 * Returns the length. */
size_t ctl_fmt_fix(char *out, size_t cap, int64_t v, int dec);

/* ---- reading variable text ---- */

struct ctl_var {
	const char *name;
	size_t name_len;
	const char *value; /* without the quotes of a string */
	size_t value_len;  /* 0 and value NULL: "name" without "=" */
};

struct ctl_vcur {
	const char *p;
	size_t len, pos;
};

void ctl_vcur_init(struct ctl_vcur *c, const char *p, size_t len);
/* The next variable.  Returns 1, or 0 at the end.  Separators are commas
 * and white space (CR LF included); a quoted value may hold commas. */
int ctl_var_next(struct ctl_vcur *c, struct ctl_var *v);

/* 1 when v is named name. */
int ctl_var_is(const struct ctl_var *v, const char *name);

/*
 * A READVAR asked for the variables in want (a comma list; values after
 * "=" are ignored): copy those of full (a complete variable text) into
 * out, in the order asked.  Returns 0, or -1 when a name asked for is not
 * in full (CTL_ERR_UNKNOWNVAR) or out is too small (out->err).
 */
int ctl_select(const char *full, size_t full_len, const char *want,
    size_t want_len, struct ctl_txt *out);

#endif

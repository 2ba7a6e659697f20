/* SPDX-License-Identifier: ISC */
/*
 * ctlview: what the mode 6 views (`stratum peers`, `sources`, `tracking`,
 * `status`, `counters`) share: their options (-h HOST, -p PORT, -n, -j,
 * -v), the connection and its error messages (no answer within 2 s is
 * "no daemon answering on HOST:PORT", a server error names its code),
 * reading variables out of a response's text, and JSON output.
 *
 * The views ask only what ntpq asks, so they work against stratumd, ntpd
 * and NTPsec alike; a variable the server does not have is shown as "-"
 * (null in JSON).
 */
#ifndef STRATUM_CTLVIEW_H
#define STRATUM_CTLVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "cli/ctlq.h"
#include "ctl/ctl.h"

#define CV_MAX_ASSOC 64
#define CV_TIMEOUT_S 2.0

struct cv_opts {
	const char *cmd; /* "peers", ... for messages */
	const char *host;
	uint16_t port;
	int numeric, json, verbose, auth;
};

/* A response's variable text, NUL-terminated. */
struct cv_vars {
	const char *text;
	size_t len;
};

/*
 * Options of view cmd from argv (argv[0] is the command): -h HOST, -p
 * PORT and those of the letters in flags ("n", "j", "v").  Prints the
 * problem and returns -1 on a usage error; prints the usage and returns
 * 1 for --help.
 */
int cv_parse(int argc, char **argv, const char *flags, struct cv_opts *o);

/* A view's whole command: cv_parse (exit 2 on a usage error, 0 after
 * --help), cv_open (exit 1), then run's exit code. */
int cv_main(int argc, char **argv, const char *flags,
    int (*run)(struct ctlq *q, const struct cv_opts *o));

/* One variable of a parsed response (ctl_vcur): its value as a
 * NUL-terminated string, as a number (NAN if none), and, for an NTP
 * timestamp "0xHHHHHHHH.HHHHHHHH", the seconds since (NAN for 0). */
void cv_var_str(const struct ctl_var *v, char *out, size_t cap);
double cv_var_num(const struct ctl_var *v);
double cv_var_age(const struct ctl_var *v);

/* ntpq -c as's auth column from a peer status word: "ok" when the last
 * reply authenticated, "bad" when a key is set but it did not, "none"
 * without one (RFC 9327 section 2.3.2: authenable 0x4000, authentic
 * 0x2000). */
const char *cv_auth_of(uint16_t status);

/* Resolve o->host and open the socket; prints why not and returns -1. */
int cv_open(struct ctlq *q, const struct cv_opts *o);

/*
 * One request.  Returns 0 with r filled; -1 after printing "no daemon
 * answering..." (no answer) or "server error NAME" (an error response;
 * *err then holds the code + 1 when err is not NULL).  quiet_err: an
 * error response is returned silently (the caller retries).
 */
int cv_ask(struct ctlq *q, const struct cv_opts *o, uint8_t opcode,
    uint16_t assoc, const char *vars, struct ctlq_resp *r, int quiet_err);

/* READSTAT: association ids, ascending (at most CV_MAX_ASSOC); -1 after
 * printing the problem. */
int cv_assoc_ids(struct ctlq *q, const struct cv_opts *o, uint16_t *ids,
    int *n);

/* The error code's name ("UNKNOWNVAR"), from ctlq_resp.error. */
const char *cv_err_name(int error);

/* Variable name's value into out (cap >= 1), quotes removed.  Returns 1
 * when it is there, 0 (out "") when not. */
int cv_str(const struct cv_vars *v, const char *name, char *out, size_t cap);

/* As a number; NAN when absent or not a number. */
double cv_num(const struct cv_vars *v, const char *name);

/* An NTP timestamp variable (0xhhhhhhhh.hhhhhhhh) as seconds since 1970;
 * NAN when absent, malformed or zero. */
double cv_ntp_time(const struct cv_vars *v, const char *name);

/* Seconds since 1970 -> "Tue Dec 01 05:18:10 2026" (UTC); "-" for NAN. */
const char *cv_utc(double unix_s, char *out, size_t cap);

/* refid text -> its 32-bit value as w32tm and chronyc print it: a dotted
 * quad as the address, anything else as up to 4 ASCII characters. */
uint32_t cv_refid_value(const char *refid);

/* Reverse lookup of addr unless numeric (addr when none). */
void cv_name(const char *addr, int numeric, char *out, size_t cap);

/* ---- JSON: one document on stdout ---- */

/* "name": value pairs; sep is printed after ("," or "").  jnum prints
 * null for NAN; jstr escapes what a server sent. */
void cv_jnum(const char *name, double v, const char *sep);
void cv_jint(const char *name, double v, const char *sep);
void cv_jstr(const char *name, const char *s, const char *sep);
void cv_jbool(const char *name, int v, const char *sep);
/* The opening {"host": ..., "port": ..., */
void cv_jhead(const struct cv_opts *o);

#endif

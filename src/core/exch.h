/* SPDX-License-Identifier: ISC */
/*
 * exch: one client/server exchange seen from the client (RFC 5905 section
 * 8, RFC 9109).  The client puts a random 64-bit value in the request's
 * transmit field and remembers its own send time T1; exch_check validates
 * the reply against that value and, for a good reply, computes the sample.
 */
#ifndef STRATUM_EXCH_H
#define STRATUM_EXCH_H

#include <stddef.h>
#include <stdint.h>

#include "core/pkt.h"

enum exch_verdict {
	EXCH_OK,
	EXCH_SHORT,      /* not a decodable NTP packet */
	EXCH_BAD_MODE,   /* not mode 4 (or 2 to a mode 1 request) */
	EXCH_BAD_ORIGIN, /* origin is not our transmit value: bogus/stale */
	EXCH_KOD,        /* stratum 0: kiss-o'-death, code in sample */
	EXCH_UNSYNC,     /* leap 3 or stratum above 15 */
	EXCH_BAD_TIME,   /* zero receive/transmit, or transmit < receive */
	EXCH_BAD_ROOT,   /* root delay or dispersion beyond MAXDISP */
};

struct exch_sample {
	int64_t offset_ns; /* server minus client */
	int64_t delay_ns;  /* round trip less server processing, >= 0 */
	int64_t disp_ns;   /* RFC 5905 epsilon of this sample */
	int64_t t1_ns, t2_ns, t3_ns, t4_ns;
	int64_t root_delay_ns, root_disp_ns;
	uint8_t leap, stratum, version;
	int8_t poll, precision;
	uint32_t refid;
	int64_t ref_ns; /* the server's reference time (its clock), 0: none */
	char kiss[5];   /* kiss code when EXCH_KOD, else "" */
};

/*
 * Check a reply (buf, len) to the request whose transmit field was
 * sent_xmt, sent at t1_ns and received at t4_ns (client clock), expecting
 * mode want_mode (PKT_MODE_SERVER or PKT_MODE_SYM_PASSIVE).  prec_log2 is
 * the client clock's precision.  Fills *s for EXCH_OK and, with the kiss
 * code, for EXCH_KOD.  The origin is checked before anything else the
 * reply claims, so an off-path forgery cannot even deliver a kiss code.
 */
enum exch_verdict exch_check(const uint8_t *buf, size_t len, uint64_t sent_xmt,
    int64_t t1_ns, int64_t t4_ns, uint8_t want_mode, int prec_log2,
    struct exch_sample *s);

/* RFC 5905 root distance through this sample (jitter supplied). */
int64_t exch_root_distance(const struct exch_sample *s, int64_t jitter_ns);

/* Text for a verdict, for messages ("origin mismatch"...). */
const char *exch_verdict_str(enum exch_verdict v);

#endif

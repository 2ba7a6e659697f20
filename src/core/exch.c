// SPDX-License-Identifier: ISC
/* exch: validation of a server's reply and the resulting sample. */
#include "core/exch.h"

#include <string.h>

#include "core/ts.h"

static enum exch_verdict
check_hdr(const struct pkt_hdr *h, uint64_t sent_xmt, uint8_t want_mode)
{
	if (h->mode != want_mode)
		return EXCH_BAD_MODE;
	/* RFC 5905 section 8 "bogus" test; our origin is random, so this
	 * also rejects blind spoofing (RFC 9109). */
	if (h->org_ts != sent_xmt)
		return EXCH_BAD_ORIGIN;
	if (h->stratum == 0)
		return EXCH_KOD;
	if (h->leap == PKT_LEAP_UNSYNC || h->stratum > 15)
		return EXCH_UNSYNC;
	if (h->rec_ts == 0 || h->xmt_ts == 0)
		return EXCH_BAD_TIME;
	if (ts_from_short(h->root_delay) > TS_MAXDISP_NS ||
	    ts_from_short(h->root_disp) > TS_MAXDISP_NS)
		return EXCH_BAD_ROOT;
	return EXCH_OK;
}

static void
fill_sample(const struct pkt_hdr *h, struct exch_sample *s)
{
	s->leap = h->leap;
	s->stratum = h->stratum;
	s->version = h->version;
	s->poll = h->poll;
	s->precision = h->precision;
	s->refid = h->refid;
	s->ref_ns = h->ref_ts != 0 ? ts_from_ntp64(h->ref_ts) : 0;
	s->root_delay_ns = ts_from_short(h->root_delay);
	s->root_disp_ns = ts_from_short(h->root_disp);
}

enum exch_verdict
exch_check(const uint8_t *buf, size_t len, uint64_t sent_xmt, int64_t t1_ns,
    int64_t t4_ns, uint8_t want_mode, int prec_log2, struct exch_sample *s)
{
	struct pkt p;
	enum exch_verdict v;
	enum pkt_err e;

	memset(s, 0, sizeof(*s));
	e = pkt_decode(buf, len, &p);
	if (e == PKT_ERR_SHORT)
		return EXCH_SHORT;
	v = check_hdr(&p.h, sent_xmt, want_mode);
	fill_sample(&p.h, s);
	if (v == EXCH_KOD)
		pkt_refid_ascii(p.h.refid, s->kiss);
	if (v != EXCH_OK)
		return v;
	s->t1_ns = t1_ns;
	s->t2_ns = ts_from_ntp64(p.h.rec_ts);
	s->t3_ns = ts_from_ntp64(p.h.xmt_ts);
	s->t4_ns = t4_ns;
	/* A server may randomize the bits below its precision (chronyd
	 * does), so a reply turned round faster than that can read T3 < T2.
	 * Within the server's precision that is noise: take T3 = T2. */
	if (s->t3_ns < s->t2_ns) {
		if (s->t2_ns - s->t3_ns > ts_log2_ns(p.h.precision))
			return EXCH_BAD_TIME;
		s->t3_ns = s->t2_ns;
	}
	ts_offset_delay(s->t1_ns, s->t2_ns, s->t3_ns, s->t4_ns, &s->offset_ns,
	    &s->delay_ns);
	/* RFC 5905 section 8: the delay is at least the clock precision. */
	if (s->delay_ns < ts_log2_ns(prec_log2))
		s->delay_ns = ts_log2_ns(prec_log2);
	s->disp_ns = ts_sample_disp(prec_log2, s->precision, t4_ns - t1_ns);
	return EXCH_OK;
}

int64_t
exch_root_distance(const struct exch_sample *s, int64_t jitter_ns)
{
	return ts_root_distance(s->root_delay_ns, s->root_disp_ns, s->delay_ns,
	    s->disp_ns, jitter_ns);
}

const char *
exch_verdict_str(enum exch_verdict v)
{
	switch (v) {
	case EXCH_OK:
		return "ok";
	case EXCH_SHORT:
		return "not an NTP packet";
	case EXCH_BAD_MODE:
		return "unexpected mode";
	case EXCH_BAD_ORIGIN:
		return "origin timestamp mismatch (bogus or stale reply)";
	case EXCH_KOD:
		return "kiss-o'-death";
	case EXCH_UNSYNC:
		return "server not synchronized";
	case EXCH_BAD_TIME:
		return "bad receive/transmit timestamps";
	case EXCH_BAD_ROOT:
		return "root delay or dispersion too large";
	}
	return "?";
}

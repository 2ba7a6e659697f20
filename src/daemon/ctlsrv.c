// SPDX-License-Identifier: ISC
/* ctlsrv: mode 6 READSTAT/READVAR answers.  See ctlsrv.h. */
#include "daemon/ctlsrv.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "core/ts.h"
#include "daemon/ctlmru.h"
#include "daemon/engine.h"
#include "daemon/version.h"
#include "os/udp.h"

#define CTLSRV_MINTC 3 /* ntpd's minimum time constant (poll 8 s) */
#define CTLSRV_TEST_UNREACH 0x1000u /* ntpd's TEST13, in flash */

struct now {
	int64_t clock_ns, mono_ns;
};

static uint64_t
ntp_ts(int64_t clock_ns)
{
	uint64_t v = 0;

	if (clock_ns != 0)
		(void)ts_to_ntp64(clock_ns, &v);
	return v;
}

/* ntpd's event codes for a core event: *sys for the system status word,
 * *src for the source's; 0: none. */
static void
event_codes(const struct sync_act *x, unsigned *sys, unsigned *src)
{
	*sys = *src = 0;
	switch (x->ev) {
	case SYNC_EV_SYNCED:
		*sys = CTL_SEV_CLOCK_SYNC;
		*src = CTL_PEV_SYSPEER;
		break;
	case SYNC_EV_LOST:
		*sys = CTL_SEV_NO_SYS_PEER;
		break;
	case SYNC_EV_STEP:
		*sys = CTL_SEV_CLOCK_STEP;
		break;
	case SYNC_EV_SPIKE:
		*sys = CTL_SEV_SPIKE;
		*src = CTL_PEV_POPCORN;
		break;
	case SYNC_EV_PANIC:
		*sys = CTL_SEV_PANIC;
		break;
	case SYNC_EV_KOD:
		*src =
		    strcmp(x->kiss, "RATE") == 0 ? CTL_PEV_RATE : CTL_PEV_DENY;
		break;
	case SYNC_EV_REACHABLE:
		*src = CTL_PEV_REACH;
		break;
	case SYNC_EV_UNREACHABLE:
		*src = CTL_PEV_UNREACH;
		break;
	case SYNC_EV_LEAP_ARMED:
		*sys = CTL_SEV_LEAP_ARMED;
		break;
	case SYNC_EV_NO_MAJORITY:
	case SYNC_EV_REPLACE:
	case SYNC_EV_DONE:
	case SYNC_EV_WAITING:
	case SYNC_EV_NONE_REACHABLE:
	case SYNC_EV_RERESOLVE:
		break;
	}
}

void
ctlsrv_note(struct assoc *a, const struct sync_act *x)
{
	unsigned sys, src;

	event_codes(x, &sys, &src);
	if (sys != 0)
		ctl_event_note(&a->sys_ev, sys);
	if (src != 0 && x->src >= 0 && x->src < SYNC_MAX_SRC)
		ctl_event_note(&a->src_ev[x->src], src);
}

static uint16_t
sys_status(const struct assoc *a, const struct sync_sys_view *v)
{
	unsigned src = v->synced ? CTL_SST_NTP : CTL_SST_UNSPEC;

	return (uint16_t)((v->leap & 3u) << 14 | src << 8 |
	    (unsigned)a->sys_ev.count << 4 | a->sys_ev.code);
}

static uint16_t
peer_status(struct assoc *a, int i, const struct sync_src_view *v)
{
	char tally = sync_tally(&a->sync, i);
	unsigned bits = v->from_pool ? 0 : CTL_PST_CONFIG;

	if (v->reach != 0)
		bits |= CTL_PST_REACH;
	/* ntpd: authenable with a key, authentic while the last reply
	 * verified (ntpq -c as: auth "ok", "bad" or "none"). */
	if (a->src[i].key != NULL || a->src[i].nts.in_use)
		bits |= CTL_PST_AUTHENABLE;
	if ((a->src[i].key != NULL && a->src[i].authentic) ||
	    (a->src[i].nts.in_use && a->src[i].nts.authentic))
		bits |= CTL_PST_AUTHENTIC;
	return ctl_peer_status(bits, ctl_sel_from_tally(tally),
	    a->src_ev[i].count, a->src_ev[i].code);
}

/* The leap indicator as ntpd sends it, a number 0..3: ntpq shows it as
 * two bits ("11") itself, and fails on anything above 3. */
static void
leap_var(struct ctl_txt *t, unsigned leap)
{
	ctl_txt_int(t, "leap", leap & 3);
}

/* Nanoseconds as milliseconds with 6 decimals, as NTPsec prints them. */
static void
ms(struct ctl_txt *t, const char *name, int64_t ns)
{
	ctl_txt_fix(t, name, ns, 6);
}

/* NTPsec's peeradr/peermode (ntpq -c sysinfo): the system peer. */
static void
peer_vars(const struct assoc *a, const struct sync_sys_view *v,
    struct ctl_txt *t)
{
	const char *adr = v->sys_peer >= 0 ? a->src[v->sys_peer].addr_str : "";

	ctl_txt_raw(t, "peeradr", adr, strlen(adr));
	ctl_txt_int(t, "peermode", v->sys_peer >= 0 ? 3 : 0);
}

static const char *
why_str(enum sysp_why w)
{
	switch (w) {
	case SYSP_SYNCED:
		return "synchronized";
	case SYSP_NO_SOURCES:
		return "no sources configured";
	case SYSP_NONE_REACHABLE:
		return "no source has answered yet";
	case SYSP_WAITING:
		return "waiting for more sources to answer";
	case SYSP_NO_USABLE:
		return "no usable source (unreachable, unsynchronized, too "
		       "distant, a timing loop or denied)";
	case SYSP_NO_MAJORITY:
		return "the sources disagree (no majority)";
	case SYSP_TOO_FEW:
		return "fewer agreeing sources than tos minsane";
	case SYSP_RESELECT:
		return "system peer lost; selecting again";
	}
	return "unknown";
}

/* Ours (`stratum tracking`, `status`), in the units of ntpd's nearest
 * variables: ms for offsets, ppm for frequencies, seconds for intervals. */
static void
own_sys_vars(const struct sync_sys_view *v, struct ctl_txt *t)
{
	ctl_txt_int(t, "stm_synced", v->synced);
	ctl_txt_str(t, "stm_why",
	    v->synced      ? why_str(SYSP_SYNCED)
	        : v->local ? "serving the local clock (no system peer)"
	                   : why_str(v->why));
	ctl_txt_int(t, "stm_steering", v->steering);
	ctl_txt_int(t, "stm_updates", v->updates);
	ms(t, "stm_last_offset", v->last_offset_ns);
	ms(t, "stm_rms_offset", v->rms_offset_ns);
	ctl_txt_fix(t, "stm_resid_freq", v->resid_freq_ppb, 3);
	ctl_txt_fix(t, "stm_skew", v->skew_ppb, 3);
	ctl_txt_fix(t, "stm_update_interval", v->update_interval_ns / 1000000,
	    3);
}

static uint64_t
sum(const struct eng_counters *c, enum eng_ctr from, enum eng_ctr to)
{
	uint64_t n = 0;
	int i;

	for (i = (int)from; i <= (int)to; i++)
		n += c->n[i];
	return n;
}

/* ntpd's sysstats (ntpq -c sysstats reads "name" and "name_r", recent:
 * we never reset, so both are the totals). */
static void
ss(struct ctl_txt *t, const char *name, uint64_t v)
{
	char r[32];

	ctl_txt_int(t, name, (int64_t)v);
	snprintf(r, sizeof(r), "%s_r", name);
	ctl_txt_int(t, r, (int64_t)v);
}

/* The counters: only returned when asked for by name, as ntpd's. */
static void
counter_vars(struct engine *e, const struct now *n, struct ctl_txt *t)
{
	struct eng_counters c;
	const uint64_t *k = c.n;
	uint64_t up = (uint64_t)((n->mono_ns - e->start_mono_ns) / TS_NS_PER_S);
	char name[48];
	int i;

	eng_counters_sum(e, &c);
	ctl_txt_int(t, "ss_uptime", (int64_t)up);
	ctl_txt_int(t, "ss_numctlreq",
	    (int64_t)(k[ENG_CONTROL] + k[ENG_DROP_CTL_REMOTE] +
	        k[ENG_DROP_CONTROL]));
	ss(t, "ss_reset", up);
	ss(t, "ss_received", k[ENG_RECEIVED]);
	ss(t, "ss_thisver", k[ENG_THISVER]);
	ss(t, "ss_oldver", k[ENG_OLDVER]);
	ss(t, "ss_ver1", k[ENG_VER1]);
	ss(t, "ss_ver1client", k[ENG_VER1_CLIENT]);
	ss(t, "ss_ver1zero", k[ENG_VER1_ZERO]);
	ss(t, "ss_ver1symm", k[ENG_VER1_SYMM]);
	ss(t, "ss_badformat",
	    sum(&c, ENG_DROP_SHORT, ENG_DROP_VERSION) +
	        sum(&c, ENG_DROP_MALFORMED, ENG_DROP_TRUNC));
	/* a request whose MAC fails gets a crypto-NAK (ntpd counts it
	 * here too) */
	ss(t, "ss_badauth", k[ENG_CRYPTO_NAK]);
	ss(t, "ss_declined",
	    k[ENG_DROP_MODE] + k[ENG_DROP_IFACE] + k[ENG_DROP_CTL_REMOTE] +
	        k[ENG_DROP_CONTROL]);
	ss(t, "ss_restricted", sum(&c, ENG_DROP_IGNORE, ENG_DROP_NOQUERY));
	ss(t, "ss_limited", k[ENG_DROP_RATE] + k[ENG_KOD]);
	ss(t, "ss_kodsent", k[ENG_KOD]);
	ss(t, "ss_processed", k[ENG_ANSWERED] - k[ENG_KOD]);
	ctl_txt_int(t, "stm_received", (int64_t)k[ENG_RECEIVED]);
	ctl_txt_int(t, "stm_replies", (int64_t)k[ENG_ANSWERED]);
	ctl_txt_int(t, "stm_kod", (int64_t)k[ENG_KOD]);
	ctl_txt_int(t, "stm_leaked", (int64_t)k[ENG_LEAKED]);
	ctl_txt_int(t, "stm_send_errors", (int64_t)k[ENG_SEND_ERROR]);
	ctl_txt_int(t, "stm_authentic", (int64_t)k[ENG_AUTHENTIC]);
	ctl_txt_int(t, "stm_crypto_nak", (int64_t)k[ENG_CRYPTO_NAK]);
	ctl_txt_int(t, "stm_nts_answered", (int64_t)k[ENG_NTS]);
	ctl_txt_int(t, "stm_nts_nak", (int64_t)k[ENG_NTS_NAK]);
	ctl_txt_int(t, "stm_mode6_served", (int64_t)k[ENG_CONTROL]);
	ctl_txt_int(t, "stm_mode6_refused",
	    (int64_t)(k[ENG_DROP_NOQUERY] + k[ENG_DROP_CTL_REMOTE] +
	        k[ENG_DROP_CONTROL]));
	ctl_txt_int(t, "stm_clock_steps", (int64_t)e->asc.clock_steps);
	for (i = ENG_FIRST_DROP; i < ENG_N_CTR; i++) {
		snprintf(name, sizeof(name), "stm_drop_%s",
		    eng_ctr_name((enum eng_ctr)i));
		ctl_txt_int(t, name, (int64_t)k[i]);
	}
}

static void
sys_text(struct assoc *a, const struct now *n, struct ctl_txt *t)
{
	struct sync_sys_view v;
	struct utsname u;
	char sys[160];

	sync_sys_info(&a->sync, &v);
	ctl_txt_str(t, "version", "stratumd " STRATUM_VERSION);
	if (uname(&u) == 0) {
		ctl_txt_str(t, "processor", u.machine);
		snprintf(sys, sizeof(sys), "%.64s/%.64s", u.sysname, u.release);
		ctl_txt_str(t, "system", sys);
	}
	leap_var(t, v.leap);
	ctl_txt_int(t, "stratum", v.stratum);
	ctl_txt_int(t, "precision", v.precision);
	ms(t, "rootdelay", v.root_delay_ns);
	ms(t, "rootdisp", v.root_disp_ns);
	ctl_txt_refid(t, "refid", v.refid, v.stratum);
	ctl_txt_ts(t, "reftime", ntp_ts(v.ref_ns));
	ctl_txt_ts(t, "clock", ntp_ts(n->clock_ns));
	ctl_txt_int(t, "peer", v.sys_peer >= 0 ? v.sys_peer + 1 : 0);
	ctl_txt_int(t, "tc", v.poll);
	ctl_txt_int(t, "mintc", CTLSRV_MINTC);
	ms(t, "offset", v.offset_ns);
	ctl_txt_fix(t, "frequency", v.freq_ppb, 3); /* ppm */
	ms(t, "sys_jitter", v.jitter_ns);
	ms(t, "clk_jitter", v.clk_jitter_ns);
	ctl_txt_fix(t, "clk_wander", v.wander_ppb, 3);
	peer_vars(a, &v, t);
	ms(t, "rootdist", v.root_delay_ns / 2 + v.root_disp_ns);
	/* ntpd's authdelay setting (NTPsec: always 0); we have none */
	ms(t, "authdelay", 0);
	own_sys_vars(&v, t);
}

/* "0.058 0.061 ...": the filter's stages in ms, newest first. */
static void
stages(struct ctl_txt *t, const char *name, const int64_t *ns, int n)
{
	char b[FILT_STAGES * 24];
	size_t len = 0, k;
	int i;

	for (i = 0; i < n && i < FILT_STAGES; i++) {
		if (i > 0)
			b[len++] = ' ';
		k = ctl_fmt_fix(b + len, sizeof(b) - len, ns[i] / 1000, 3);
		len += k;
	}
	ctl_txt_raw(t, name, b, len);
}

static void
addr_vars(struct ctl_txt *t, const struct asc_src *s)
{
	const struct sockaddr *sa = (const struct sockaddr *)&s->addr.sa;

	ctl_txt_raw(t, "srcadr", s->addr_str, strlen(s->addr_str));
	ctl_txt_int(t, "srcport", udp_port(sa));
	/* Each request leaves from a fresh socket on a random port (RFC
	 * 9109), connected to the source: the address and port of the last
	 * one (none before the first request). */
	if (s->local_str[0] != '\0')
		ctl_txt_raw(t, "dstadr", s->local_str, strlen(s->local_str));
	else if (sa->sa_family == AF_INET6)
		ctl_txt_raw(t, "dstadr", "::", 2);
	else
		ctl_txt_raw(t, "dstadr", "0.0.0.0", 7);
	ctl_txt_int(t, "dstport", s->local_port);
}

static void
peer_text(struct assoc *a, int i, const struct sync_src_view *v,
    const struct now *n, struct ctl_txt *t)
{
	int64_t rec = 0;

	addr_vars(t, &a->src[i]);
	leap_var(t, v->leap);
	ctl_txt_int(t, "stratum", v->stratum);
	ctl_txt_int(t, "precision", v->precision);
	ms(t, "rootdelay", v->root_delay_ns);
	ms(t, "rootdisp", v->root_disp_ns);
	if (v->last_rx_mono_ns == 0 && v->refid == 0)
		ctl_txt_raw(t, "refid", "INIT", 4); /* as ntpd: never heard */
	else
		ctl_txt_refid(t, "refid", v->refid, v->stratum);
	ctl_txt_ts(t, "reftime", ntp_ts(v->ref_ns));
	if (v->last_rx_mono_ns != 0)
		rec = n->clock_ns - (n->mono_ns - v->last_rx_mono_ns);
	ctl_txt_ts(t, "rec", ntp_ts(rec));
	ctl_txt_hex(t, "reach", v->reach);
	ctl_txt_int(t, "unreach", v->unanswered);
	ctl_txt_int(t, "hmode", 3); /* client */
	ctl_txt_int(t, "pmode", 4); /* server */
	ctl_txt_int(t, "hpoll", v->poll);
	/* the poll the server sent (a server echoes ours); hpoll until it
	 * has answered */
	ctl_txt_int(t, "ppoll", v->last_rx_mono_ns != 0 ? v->ppoll : v->poll);
	/* ntpd's headway is its outgoing rate limiting of this association;
	 * we send at most one request per poll and burst slot, never
	 * throttled, so it is 0 */
	ctl_txt_int(t, "headway", 0);
	/* the last reply's failed tests, plus ntpd's TEST13 (peer
	 * unreachable) while the reach register is empty */
	ctl_txt_hex(t, "flash",
	    v->flash | (v->reach == 0 ? CTLSRV_TEST_UNREACH : 0u));
	ctl_txt_int(t, "keyid", a->src[i].key ? (int64_t)a->src[i].key->id : 0);
	if (a->src[i].nts.in_use) {
		/* NTPsec's name (ntpq shows it as the t column); ours for the
		 * key exchanges, NAKs and rejected replies */
		const struct ncli *c = &a->src[i].nts;

		ctl_txt_int(t, "ntscookies", c->n_cookies);
		ctl_txt_int(t, "ntske", (int64_t)c->n_ke);
		ctl_txt_ts(t, "ntslastke",
		    c->last_ke_real_ns != 0
		        ? ntp_ts(clk_from_real(a->clk, c->last_ke_real_ns))
		        : 0);
		ctl_txt_int(t, "ntsnak", (int64_t)c->n_nak);
		ctl_txt_int(t, "ntsbad", (int64_t)c->n_bad);
	}
	ms(t, "offset", v->have_filter ? v->offset_ns : 0);
	ms(t, "delay", v->have_filter ? v->delay_ns : 0);
	ms(t, "dispersion", v->disp_ns);
	ms(t, "jitter", v->have_filter ? v->jitter_ns : 0);
	stages(t, "filtdelay", v->filt_delay_ns, v->filt_n);
	stages(t, "filtoffset", v->filt_offset_ns, v->filt_n);
	stages(t, "filtdisp", v->filt_disp_ns, v->filt_n);
}

static int
send_text(const struct ctl_msg *m, uint8_t leap, uint16_t status,
    const uint8_t *data, size_t len, struct ctlsrv_out *out)
{
	size_t k, n = ctl_frag_count(len);

	out->n = 0;
	for (k = 0; k < n && k < CTLSRV_MAX_FRAGS; k++)
		if ((out->len[out->n] = ctl_frag(m, leap, status, data, len, k,
		         out->d[out->n], CTL_DGRAM_MAX)) > 0)
			out->n++;
	return out->n;
}

static int
send_error(const struct ctl_msg *m, uint8_t leap, enum ctl_err code,
    struct ctlsrv_out *out)
{
	out->len[0] = ctl_error(m, leap, code, out->d[0], CTL_DGRAM_MAX);
	out->n = out->len[0] > 0;
	return out->n;
}

static int
readstat(struct assoc *a, const struct ctl_msg *m, uint8_t leap,
    uint16_t status, const struct now *n, struct ctlsrv_out *out)
{
	uint8_t b[4 * SYNC_MAX_SRC];
	struct sync_src_view v;
	size_t len = 0;
	uint16_t st;
	int i;

	for (i = 0; i < SYNC_MAX_SRC; i++) {
		if (sync_src_info(&a->sync, i, n->clock_ns, &v) != 0)
			continue;
		st = peer_status(a, i, &v);
		b[len++] = 0;
		b[len++] = (uint8_t)(i + 1);
		b[len++] = (uint8_t)(st >> 8);
		b[len++] = (uint8_t)st;
	}
	return send_text(m, leap, status, b, len, out);
}

static int
readvar(struct engine *e, const struct ctl_msg *m, uint8_t leap,
    uint16_t status, const struct now *n, struct ctlsrv_out *out)
{
	char *full = out->text[0], *sel = out->text[1];
	struct assoc *a = &e->asc;
	struct sync_src_view v;
	struct ctl_txt t, s;
	int len, i = (int)m->assoc - 1;

	ctl_txt_init(&t, full, CTLSRV_TEXT);
	if (m->assoc == 0) {
		sys_text(a, n, &t);
		if (m->count > 0)
			counter_vars(e, n, &t);
	} else {
		if (i >= SYNC_MAX_SRC ||
		    sync_src_info(&a->sync, i, n->clock_ns, &v) != 0)
			return send_error(m, leap, CTL_ERR_BADASSOC, out);
		status = peer_status(a, i, &v);
		peer_text(a, i, &v, n, &t);
	}
	if (m->count > 0) {
		ctl_txt_init(&s, sel, CTLSRV_TEXT);
		if (ctl_select(full, t.len, (const char *)m->data, m->count,
		        &s) != 0)
			return send_error(m, leap, CTL_ERR_UNKNOWNVAR, out);
		t = s;
	}
	if ((len = ctl_txt_end(&t)) < 0)
		return send_error(m, leap, CTL_ERR_UNSPEC, out);
	return send_text(m, leap, status, (const uint8_t *)t.buf, (size_t)len,
	    out);
}

/* REQ_NONCE and READ_MRU (daemon/ctlmru); mru_ok 0: restrict nomrulist
 * covers the asker. */
static int
mru(struct engine *e, const struct udp_peer *from, int mru_ok,
    const struct ctl_msg *m, uint8_t leap, uint16_t status, const struct now *n,
    struct ctlsrv_out *out)
{
	struct ctl_txt t;
	int len, r = 0;

	if (!mru_ok)
		return send_error(m, leap, CTL_ERR_PERMISSION, out);
	ctl_txt_init(&t, out->text[0], CTLSRV_TEXT);
	if (m->opcode == CTL_OP_REQ_NONCE)
		ctlmru_nonce(e, from, n->clock_ns, &t);
	else
		r = ctlmru_read(e, from, (const char *)m->data, m->count,
		    n->clock_ns, n->mono_ns, CTLSRV_TEXT - 2, &t);
	if (r == -1)
		return 0; /* not a nonce we gave it: no answer */
	if (r != 0 || (len = ctl_txt_end(&t)) < 0)
		return send_error(m, leap, CTL_ERR_UNSPEC, out);
	return send_text(m, leap, status, (const uint8_t *)t.buf, (size_t)len,
	    out);
}

int
ctlsrv_answer(struct engine *e, const struct udp_peer *from, int mru_ok,
    const uint8_t *req, size_t len, struct ctlsrv_out *out)
{
	struct assoc *a = &e->asc;
	const struct clk *clk = &e->clk;
	struct sync_sys_view sv;
	struct ctl_msg m;
	struct now n;
	uint16_t status;

	out->n = 0;
	if (ctl_parse(req, len, &m) != 0 || m.response || m.more || m.error ||
	    m.offset != 0)
		return 0;
	n.mono_ns = clk_mono_now();
	n.clock_ns = clk_from_real(clk, clk_real_now());
	sync_sys_info(&a->sync, &sv);
	status = sys_status(a, &sv);
	switch (m.opcode) {
	case CTL_OP_READSTAT:
		return readstat(a, &m, sv.leap, status, &n, out);
	case CTL_OP_READVAR:
		return readvar(e, &m, sv.leap, status, &n, out);
	case CTL_OP_REQ_NONCE:
	case CTL_OP_READ_MRU:
		return mru(e, from, mru_ok, &m, sv.leap, status, &n, out);
	default:
		return send_error(&m, sv.leap, CTL_ERR_BADOP, out);
	}
}

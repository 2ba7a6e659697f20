// SPDX-License-Identifier: ISC
/*
 * sysview: `stratum tracking` (chronyc tracking) and `stratum status`
 * (w32tm /query /status, timedatectl's "synchronized"), both from one
 * READVAR of the system variables (association 0) as `ntpq -c rv` asks
 * it.  ntpd's variables give the common figures; stratumd's own stm_*
 * give what ntpd does not have (RMS offset, skew, why not synchronized).
 * See views.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ctlview.h"
#include "cli/views.h"
#include "core/ts.h"
#include "ctl/ctl.h"
#include "os/clk.h"

/* The system as both views need it; NAN/-1/"": the server did not say. */
struct sysinfo {
	int leap; /* 0..3, -1 */
	int stratum, precision, tc, peer;
	char refid[64], source[128], why[160];
	uint32_t refid_value;
	double reftime, offset_ms, freq_ppm, rootdelay_ms, rootdisp_ms;
	double last_offset_ms, rms_offset_ms, resid_ppm, skew_ppm, interval_s;
	int synced; /* 1, 0 */
};

static int
int_var(const struct cv_vars *v, const char *name, int none)
{
	double d = cv_num(v, name);

	return isnan(d) ? none : (int)d;
}

/* The system peer's address: NTPsec's peeradr, or srcadr of the
 * association `peer` names (ntpd). */
static int
source_of(struct ctlq *q, const struct cv_opts *o, const struct cv_vars *v,
    struct sysinfo *s)
{
	static struct ctlq_resp r;
	struct cv_vars pv;
	char adr[128];

	if (cv_str(v, "peeradr", adr, sizeof(adr)) && adr[0] != '\0') {
		cv_name(adr, o->numeric, s->source, sizeof(s->source));
		return 0;
	}
	if (s->peer <= 0)
		return 0;
	if (cv_ask(q, o, CTL_OP_READVAR, (uint16_t)s->peer, "srcadr", &r, 1) !=
	    0)
		return -1;
	pv = (struct cv_vars){ (const char *)r.data, r.len };
	if (!r.error && cv_str(&pv, "srcadr", adr, sizeof(adr)))
		cv_name(adr, o->numeric, s->source, sizeof(s->source));
	return 0;
}

/* Synchronized and why not: stratumd says so (stm_synced, stm_why);
 * for ntpd, a system peer and a leap indicator other than 3. */
static void
sync_state(const struct cv_vars *v, struct sysinfo *s)
{
	double synced = cv_num(v, "stm_synced");

	if (!isnan(synced)) {
		s->synced = synced != 0;
		if (!s->synced)
			cv_str(v, "stm_why", s->why, sizeof(s->why));
		return;
	}
	s->synced = s->leap != 3 && s->peer > 0;
	if (s->leap == 3)
		snprintf(s->why, sizeof(s->why),
		    "leap indicator 3 (clock not synchronized)");
	else if (s->peer <= 0)
		snprintf(s->why, sizeof(s->why), "no system peer");
}

static int
read_sys(struct ctlq *q, const struct cv_opts *o, struct sysinfo *s)
{
	static struct ctlq_resp r;
	struct cv_vars v;
	char leap[8];

	if (cv_ask(q, o, CTL_OP_READVAR, 0, NULL, &r, 0) != 0)
		return -1;
	v = (struct cv_vars){ (const char *)r.data, r.len };
	memset(s, 0, sizeof(*s));
	/* ntpd sends 0..3 (ntpq prints it as two bits) */
	s->leap = cv_str(&v, "leap", leap, sizeof(leap))
	    ? (int)strtol(leap, NULL, 10) & 3
	    : -1;
	s->stratum = int_var(&v, "stratum", -1);
	s->precision = int_var(&v, "precision", 0);
	s->tc = int_var(&v, "tc", -99);
	s->peer = int_var(&v, "peer", 0);
	cv_str(&v, "refid", s->refid, sizeof(s->refid));
	s->refid_value = cv_refid_value(s->refid);
	s->reftime = cv_ntp_time(&v, "reftime");
	s->offset_ms = cv_num(&v, "offset");
	s->freq_ppm = cv_num(&v, "frequency");
	s->rootdelay_ms = cv_num(&v, "rootdelay");
	s->rootdisp_ms = cv_num(&v, "rootdisp");
	s->last_offset_ms = cv_num(&v, "stm_last_offset");
	s->rms_offset_ms = cv_num(&v, "stm_rms_offset");
	s->resid_ppm = cv_num(&v, "stm_resid_freq");
	s->skew_ppm = cv_num(&v, "stm_skew");
	s->interval_s = cv_num(&v, "stm_update_interval");
	sync_state(&v, s);
	return source_of(q, o, &v, s);
}

static const char *const leap_words[] = { "Normal", "Insert second",
	"Delete second", "Not synchronised" };
static const char *const leap_keys[] = { "normal", "insert", "delete",
	"unsynchronized" };

/* "%+.9f seconds" or "-" */
static void
secs(const char *label, double ms, int sign)
{
	if (isnan(ms))
		printf("%-16s: -\n", label);
	else
		printf(sign ? "%-16s: %+.9f seconds\n"
		            : "%-16s: %.9f seconds\n",
		    label, ms / 1000);
}

/* v with dec decimals and a unit, "+" first when sign; "-" for NAN */
static void
figure(const char *label, double v, int dec, int sign, const char *unit)
{
	if (isnan(v))
		printf("%-16s: -\n", label);
	else
		printf(sign ? "%-16s: %+.*f %s\n" : "%-16s: %.*f %s\n", label,
		    dec, v, unit);
}

static void
tracking_text(const struct sysinfo *s)
{
	char t[64];

	printf("%-16s: %08X (%s)\n", "Reference ID", s->refid_value,
	    s->source[0] ? s->source : s->refid);
	printf("%-16s: %d\n", "Stratum", s->stratum);
	printf("%-16s: %s\n", "Ref time (UTC)", cv_utc(s->reftime, t, 64));
	/* ntpd's offset is the source's time minus ours: positive means
	 * our clock is behind, "slow" */
	if (isnan(s->offset_ms))
		printf("%-16s: -\n", "System time");
	else
		printf("%-16s: %.9f seconds %s of NTP time\n", "System time",
		    fabs(s->offset_ms) / 1000,
		    s->offset_ms > 0 ? "slow" : "fast");
	secs("Last offset", s->last_offset_ms, 1);
	secs("RMS offset", s->rms_offset_ms, 0);
	/* a positive correction speeds up a clock that runs slow */
	if (isnan(s->freq_ppm))
		printf("%-16s: -\n", "Frequency");
	else
		printf("%-16s: %.3f ppm %s\n", "Frequency", fabs(s->freq_ppm),
		    s->freq_ppm >= 0 ? "slow" : "fast");
	figure("Residual freq", s->resid_ppm, 3, 1, "ppm");
	figure("Skew", s->skew_ppm, 3, 0, "ppm");
	secs("Root delay", s->rootdelay_ms, 0);
	secs("Root dispersion", s->rootdisp_ms, 0);
	figure("Update interval", s->interval_s, 1, 0, "seconds");
	printf("%-16s: %s\n", "Leap status",
	    s->leap >= 0 ? leap_words[s->leap] : "-");
}

static void
tracking_json(const struct cv_opts *o, const struct sysinfo *s)
{
	char hex[16];

	snprintf(hex, sizeof(hex), "%08X", s->refid_value);
	cv_jhead(o);
	cv_jstr("ref_id", hex, ", ");
	cv_jstr("ref_name", s->source[0] ? s->source : s->refid, ", ");
	cv_jint("stratum", s->stratum < 0 ? NAN : (double)s->stratum, ", ");
	cv_jnum("ref_time", s->reftime, ", ");
	/* our clock minus NTP time: the opposite of ntpd's offset */
	cv_jnum("system_time_s", -s->offset_ms / 1000, ", ");
	cv_jnum("last_offset_s", s->last_offset_ms / 1000, ", ");
	cv_jnum("rms_offset_s", s->rms_offset_ms / 1000, ", ");
	cv_jnum("frequency_ppm", s->freq_ppm, ", ");
	cv_jnum("residual_freq_ppm", s->resid_ppm, ", ");
	cv_jnum("skew_ppm", s->skew_ppm, ", ");
	cv_jnum("root_delay_s", s->rootdelay_ms / 1000, ", ");
	cv_jnum("root_dispersion_s", s->rootdisp_ms / 1000, ", ");
	cv_jnum("update_interval_s", s->interval_s, ", ");
	if (s->leap >= 0)
		cv_jstr("leap", leap_keys[s->leap], "}\n");
	else
		printf("\"leap\": null}\n");
}

static const char *const w32_leap[] = { "no warning",
	"last minute has 61 seconds", "last minute has 59 seconds",
	"not synchronized" };

static const char *
stratum_words(int st)
{
	if (st == 0)
		return "unspecified";
	if (st == 1)
		return "primary reference - syncd by radio clock";
	if (st >= 2 && st <= 15)
		return "secondary reference - syncd by (S)NTP";
	return "unsynchronized";
}

/* The refid is an address (a dotted quad) or a name ("LOCL"). */
static int
refid_is_addr(const char *refid)
{
	unsigned a, b, c, d;
	char tail;

	return sscanf(refid, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4;
}

static void
status_text(const struct sysinfo *s)
{
	char t[64];
	double now = ts_to_s(clk_real_now());

	if (s->leap >= 0)
		printf("Leap Indicator: %d(%s)\n", s->leap, w32_leap[s->leap]);
	printf("Stratum: %d (%s)\n", s->stratum, stratum_words(s->stratum));
	printf("Precision: %d (%.3fns per tick)\n", s->precision,
	    ldexp(1, s->precision) * 1e9);
	printf("Root Delay: %.7fs\n", s->rootdelay_ms / 1000);
	printf("Root Dispersion: %.7fs\n", s->rootdisp_ms / 1000);
	printf("ReferenceId: 0x%08X (%s:  %s)\n", s->refid_value,
	    refid_is_addr(s->refid) ? "source IP" : "source name", s->refid);
	printf("Last Successful Sync Time: %s",
	    s->synced || !isnan(s->reftime) ? cv_utc(s->reftime, t, 64) : "-");
	if (!isnan(s->reftime))
		printf(" UTC (%.0f s ago)", now - s->reftime);
	printf("\nSource: %s\n", s->source[0] ? s->source : "-");
	if (s->tc > -99)
		printf("Poll Interval: %d (%gs)\n", s->tc, ldexp(1, s->tc));
	else
		printf("Poll Interval: -\n");
	if (s->synced)
		printf("Synchronized: yes\n");
	else
		printf("Synchronized: no (%s)\n", s->why[0] ? s->why : "-");
}

static void
status_json(const struct cv_opts *o, const struct sysinfo *s)
{
	char hex[16];
	double now = ts_to_s(clk_real_now());

	snprintf(hex, sizeof(hex), "0x%08X", s->refid_value);
	cv_jhead(o);
	cv_jint("leap", s->leap < 0 ? NAN : (double)s->leap, ", ");
	cv_jint("stratum", s->stratum < 0 ? NAN : (double)s->stratum, ", ");
	printf("\"precision_log2\": %d, ", s->precision);
	cv_jnum("precision_s", ldexp(1, s->precision), ", ");
	cv_jnum("root_delay_s", s->rootdelay_ms / 1000, ", ");
	cv_jnum("root_dispersion_s", s->rootdisp_ms / 1000, ", ");
	printf("\"ref_id\": %u, ", (unsigned)s->refid_value);
	cv_jstr("ref_id_hex", hex, ", ");
	cv_jstr("ref_id_text", s->refid, ", ");
	cv_jnum("last_sync_time", s->reftime, ", ");
	cv_jnum("last_sync_age_s", now - s->reftime, ", ");
	if (s->source[0])
		cv_jstr("source", s->source, ", ");
	else
		printf("\"source\": null, ");
	cv_jint("poll_log2", s->tc > -99 ? (double)s->tc : NAN, ", ");
	cv_jnum("poll_s", s->tc > -99 ? ldexp(1, s->tc) : NAN, ", ");
	cv_jbool("synchronized", s->synced, ", ");
	if (s->synced || !s->why[0])
		printf("\"why\": null}\n");
	else
		cv_jstr("why", s->why, "}\n");
}

static int
sys_run(struct ctlq *q, const struct cv_opts *o, int tracking)
{
	struct sysinfo s;

	if (read_sys(q, o, &s) != 0)
		return 1;
	if (tracking && o->json)
		tracking_json(o, &s);
	else if (tracking)
		tracking_text(&s);
	else if (o->json)
		status_json(o, &s);
	else
		status_text(&s);
	return 0;
}

static int
tracking_run(struct ctlq *q, const struct cv_opts *o)
{
	return sys_run(q, o, 1);
}

static int
status_run(struct ctlq *q, const struct cv_opts *o)
{
	return sys_run(q, o, 0);
}

int
tracking_main(int argc, char **argv)
{
	return cv_main(argc, argv, "nj", tracking_run);
}

int
status_main(int argc, char **argv)
{
	return cv_main(argc, argv, "nj", status_run);
}

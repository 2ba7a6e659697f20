// SPDX-License-Identifier: ISC
/* simsrv: server clock with faults, and replies through core/srv. */
#include "simsrv.h"

#include <math.h>

#include "core/pkt.h"
#include "core/srv.h"
#include "core/ts.h"

#define SIMSRV_PRECISION (-20)
#define SIMSRV_UPDATE_NS (16 * TS_NS_PER_S) /* reference time steps */

void
simsrv_init(struct simsrv *v, const struct simsrv_cfg *cfg, int64_t t0_ns,
    uint64_t seed, uint64_t stream)
{
	*v = (struct simsrv){ .cfg = *cfg, .t0_ns = t0_ns };
	simosc_init(&v->osc, &cfg->osc, t0_ns, seed, stream);
	simrng_init(&v->rng, seed, stream + 1000);
}

const struct simnet_link *
simsrv_link(const struct simsrv *v, int up, int64_t t_ns,
    const struct simnet_link *dflt)
{
	int later = v->cfg.route_t_ns != 0 && t_ns >= v->cfg.route_t_ns;

	if (!v->cfg.own_path)
		return dflt;
	if (up)
		return later ? &v->cfg.up2 : &v->cfg.up;
	return later ? &v->cfg.down2 : &v->cfg.down;
}

/* A timestamp with random bits below the precision, as chronyd sends. */
static int64_t
fuzzed(struct simsrv *v, int64_t t_ns)
{
	int64_t prec = ts_log2_ns(SIMSRV_PRECISION);

	if (!v->cfg.fuzz)
		return t_ns;
	return t_ns - t_ns % prec +
	    (int64_t)(simrng_uniform(&v->rng) * (double)prec);
}

int64_t
simsrv_read(struct simsrv *v, int64_t t_ns)
{
	int64_t r = t_ns + (int64_t)llround(simosc_phase_at(&v->osc, t_ns));

	r += v->cfg.offset_ns;
	if (v->cfg.jump_t_ns != 0 && t_ns >= v->cfg.jump_t_ns)
		r += v->cfg.jump_ns;
	/* Its clock is UTC: 23:59:59 repeats at the leap. */
	if (v->cfg.leap_t_ns != 0 && t_ns >= v->cfg.leap_t_ns)
		r -= TS_NS_PER_S;
	return r;
}

/* The system variables as of true time t_ns, server clock rx_ns: synced
 * to its reference, updated every SIMSRV_UPDATE_NS. */
static void
sys_at(const struct simsrv *v, int64_t t_ns, int64_t rx_ns, struct srv_sys *sys)
{
	int announce = v->cfg.leap_t_ns != 0 && t_ns < v->cfg.leap_t_ns;

	*sys = (struct srv_sys){
		.leap = announce ? PKT_LEAP_INSERT : PKT_LEAP_NONE,
		.stratum = 1,
		.precision = SIMSRV_PRECISION,
		.refid = pkt_refid_str("GPS"),
		.ref_ns = rx_ns - (t_ns - v->t0_ns) % SIMSRV_UPDATE_NS,
		.root_delay_ns = 0,
		.root_disp_ns = v->cfg.root_disp_ns,
	};
}

size_t
simsrv_answer(struct simsrv *v, const uint8_t *req, size_t len, int64_t t_ns,
    uint8_t *reply, size_t cap)
{
	struct srv_sys sys;
	int64_t rx = simsrv_read(v, t_ns);
	size_t n = 0;

	v->requests++;
	if (v->cfg.dead || (v->cfg.gone_t_ns != 0 && t_ns >= v->cfg.gone_t_ns))
		return 0;
	sys_at(v, t_ns, rx, &sys);
	if (srv_respond(&sys, req, len, fuzzed(v, rx), reply, cap, &n) !=
	    SRV_REPLY)
		return 0;
	srv_finish(reply, fuzzed(v, simsrv_read(v, t_ns + v->cfg.proc_ns)));
	v->replies++;
	return n;
}

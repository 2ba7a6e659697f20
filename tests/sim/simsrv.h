/* SPDX-License-Identifier: ISC */
/*
 * simsrv: a simulated stratum-1 server (refid GPS, precision -20).  Its
 * clock is true time plus its oscillator's phase error plus the faults
 * the scenario gives it: a constant offset (a falseticker), a jump at a
 * given true time, and a leap-second insertion it announces (leap
 * indicator 1) until the UTC midnight where it applies it, at the same
 * true instant as UTC itself.  Replies are built by core/srv, so the
 * simulated server answers exactly as stratumd's would.
 */
#ifndef STRATUM_SIMSRV_H
#define STRATUM_SIMSRV_H

#include <stddef.h>
#include <stdint.h>

#include "simnet.h"
#include "simosc.h"

struct simsrv_cfg {
	struct simosc_cfg osc;
	int64_t offset_ns; /* constant error of its reference */
	int64_t jump_t_ns; /* true time of a clock jump (0: none) */
	int64_t jump_ns;   /* size of that jump */
	int64_t leap_t_ns; /* UTC midnight of an announced insertion */
	int falseticker;   /* the scenario expects it never selected */
	int64_t root_disp_ns;
	int64_t proc_ns;   /* receive to transmit, true time */
	int fuzz;          /* random bits below the precision in its
			    receive and transmit timestamps (chronyd) */
	int dead;          /* never answers */
	int64_t gone_t_ns; /* stops answering at this true time (0 never) */
	/* its own path (when own_path), instead of the scenario's: up is
	 * client to server; from route_t_ns on, up2/down2 */
	int own_path;
	struct simnet_link up, down;
	int64_t route_t_ns;
	struct simnet_link up2, down2;
};

struct simsrv {
	struct simsrv_cfg cfg;
	struct simosc osc;
	struct simrng rng; /* timestamp fuzz */
	int64_t t0_ns;
	uint64_t requests, replies;
};

void simsrv_init(struct simsrv *v, const struct simsrv_cfg *cfg, int64_t t0_ns,
    uint64_t seed, uint64_t stream);

/* The path to (up) or from it at true time t_ns; dflt when it has no
 * path of its own. */
const struct simnet_link *simsrv_link(const struct simsrv *v, int up,
    int64_t t_ns, const struct simnet_link *dflt);

/* The server's clock at true time t_ns (non-decreasing across calls). */
int64_t simsrv_read(struct simsrv *v, int64_t t_ns);

/*
 * A request (req, len) arrives at true time t_ns.  Returns the length of
 * the reply written to reply (cap >= len), which leaves at true time
 * t_ns + cfg.proc_ns, or 0 when the server drops the request.
 */
size_t simsrv_answer(struct simsrv *v, const uint8_t *req, size_t len,
    int64_t t_ns, uint8_t *reply, size_t cap);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * simrun: one simulation run.  A client (core/sync over a simclk) polls
 * n_srv simulated servers over simnet links (the scenario's, or a
 * server's own, asymmetric or changing route); pool members the core
 * drops are replaced from n_spares reserve servers, as the daemon's
 * shell does; a discrete-event loop
 * drives it in true time until duration_ns, and the client's true offset
 * (its clock minus UTC) is sampled every second.  The result holds the
 * figures scenarios check; simrun itself judges nothing.
 */
#ifndef STRATUM_SIMRUN_H
#define STRATUM_SIMRUN_H

#include <stdint.h>

#include "simnet.h"
#include "simosc.h"
#include "simsrv.h"

#define SIMRUN_MAX_SRV 12
#define SIMRUN_MAX_PROBES 4
#define SIMRUN_MAX_STEPS 8

struct simrun_spec {
	const char *name;
	uint64_t seed;
	int64_t t0_ns; /* start, true POSIX time */
	int64_t duration_ns;
	int64_t window_ns;     /* RMS and max over the last window_ns */
	struct simosc_cfg clk; /* the client's oscillator */
	int n_srv;             /* servers the client starts with... */
	int n_spares;          /* ...and pool members in reserve after them */
	int pool;              /* the sources are pool members (replaceable) */
	struct simsrv_cfg srv[SIMRUN_MAX_SRV];
	struct simnet_link link; /* every path, both directions */
	int64_t leap_t_ns;       /* a UTC midnight with an inserted second */
	int n_probes;            /* one-off offset measurements at... */
	int64_t probe_t_ns[SIMRUN_MAX_PROBES]; /* ...these true times */
	/* 0 quiet; 1 periodic lines and events; 2 also every clock
	 * command; 3 also the source's state after every reply */
	int trace;
	int64_t trace_every_ns;
	/* A blind attacker: spoofs forged replies (mode 4, stratum 1, random
	 * origin, receive and transmit values), each to a random source,
	 * posing as its server; it never sees the requests.  Half of them
	 * at random times from spoof_from_ns on; the other half in bursts of
	 * spoofs / 40 aimed at the moment a request is outstanding (as if it
	 * knew when the client polls, but not what it sends). */
	uint64_t spoofs;
	int64_t spoof_from_ns;
};

struct simrun_result {
	double rms_ns, max_ns;    /* |offset| over the window */
	double sync_s;            /* first sample within 1 ms; -1: never */
	double settled_s;         /* within 1 ms from here on; -1: never */
	uint64_t requests;        /* SEND actions */
	uint64_t requests_window; /* ...in the last window_ns */
	uint64_t sent_to[SIMRUN_MAX_SRV]; /* SEND actions per server */
	uint64_t replies;                 /* replies handed to the core */
	uint64_t samples; /* samples it took (PEERSTATS actions) */
	int replaced;     /* pool members replaced */
	int clock_cmds;   /* CLOCK actions */
	int steps;        /* CLOCK actions with do_step */
	double step_at_s[SIMRUN_MAX_STEPS]; /* when (since start) */
	int64_t step_ns[SIMRUN_MAX_STEPS];  /* by how much */
	int falseticker_peer; /* a falseticker was ever the system peer */
	int no_majority;      /* SYNC_EV_NO_MAJORITY was reported */
	int leaps;            /* leap seconds the clock backend applied */
	double leap_at_s;     /* true time of the last one, since start */
	double probe_ns[SIMRUN_MAX_PROBES]; /* offset at each probe */
	double end_vs_srv0_ns; /* client minus server 0 at the end */
	double freq_err_ppb;   /* frequency error left at the end */
	double poll_s;         /* last interval between two requests to
				  the system peer (or to server 0) */
	/* spoofing: forged replies handed to the core; what followed them
	 * (samples, clock commands, changes of the served state, of its
	 * stratum); the sources' bogus counters summed at the end */
	uint64_t spoofed, spoof_samples, spoof_clock, spoof_served;
	uint64_t spoofed_outstanding; /* ...while a request was out */
	uint64_t spoof_stratum, bogus;
	uint64_t held;     /* samples the sources' gates held back, summed */
	const char *error; /* the harness could not run it, or NULL */
};

/* Run one scenario; 0, or -1 with res->error set. */
int simrun(const struct simrun_spec *sp, struct simrun_result *res);

#endif

// SPDX-License-Identifier: ISC
/*
 * sim: the simulation test suite (`build/sim`, run by `make test`).
 *
 * Model.  True time T runs in int64 ns on the POSIX UTC scale; at an
 * inserted leap second UTC itself repeats 23:59:59, so "UTC at T" is T
 * minus the leaps inserted before T.  Every node has an oscillator
 * (simosc): reading = T + phase error, the phase integrating a frequency
 * error that does a random walk with a normal step every simulated second
 * (client: s.d. 1e-9 s/s; servers: 1e-10 s/s), linear within a second.
 *
 * The client is core/sync, unmodified, over a simulated clock backend
 * (simclk) that applies its CLOCK actions with core/disc.h's semantics
 * (step at once; frequency from the command on; slew at 500 ppm until
 * done or replaced) and its LEAP actions as the Linux kernel does.
 * CLOCK_MONOTONIC is T itself.  The client starts 0.1 s ahead with a
 * +100 ppm frequency error unless a scenario says otherwise.
 *
 * The servers (simsrv) are stratum-1 GPS servers: their replies come from
 * core/srv, their oscillators wander but their phase error is zeroed
 * every 16 s as a GPS-disciplined clock's would be (left free, a 1e-10
 * walk drifts 160 us in 20 000 s, which alone would break the LAN
 * targets); scenarios add faults: constant offsets (falsetickers), a
 * jump, a leap-second insertion announced until midnight.
 *
 * Paths (simnet) delay each packet by a base plus an exponential part and
 * drop it with a given probability, each direction drawn independently;
 * a server takes 5 us between receive and transmit.
 *
 * Each run is a discrete-event loop (simrun) over 20 000 simulated
 * seconds by default; the client's true offset is sampled every second
 * and its RMS and maximum are taken over the last 10 000 s.  Everything
 * random comes from one seed per scenario (printed; SIM_SEED=N
 * overrides), split into one stream per node and per path.
 *
 * Environment: SIM_SEED=N, SIM_ONLY=name (one scenario), SIM_RUNS=N (N
 * seeds per scenario, seed, seed+1...), SIM_TRACE=1 (a line every
 * 1000 s and every event; 2: also every clock command; 3: also every
 * reply with the source's selection and filter state), SIM_SPOOFS=N
 * (forged replies in the spoof scenario, 10^7 by default).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ts.h"
#include "simrun.h"
#include "simself.h"

#define S TS_NS_PER_S
#define MS 1000000LL
#define US 1000LL
#define SIM_T0 1781481600LL       /* 2026-06-15T00:00:00Z */
#define SIM_LEAP_T0 1483207200LL  /* 2016-12-31T18:00:00Z */
#define SIM_LEAP_DAY 1483228800LL /* 2017-01-01T00:00:00Z */

struct sim_text {
	char buf[768];
	size_t len;
};

struct sim_scen {
	const char *name;
	uint64_t seed;
	void (*setup)(struct simrun_spec *sp);
	/* Append the figures to t; 1 when every target holds. */
	int (*judge)(const struct simrun_spec *sp,
	    const struct simrun_result *r, struct sim_text *t);
};

struct sim_opts {
	int have_seed;
	uint64_t seed;
	const char *only;
	int runs;
	int trace;
	uint64_t spoofs; /* SIM_SPOOFS; 0: the scenario's count */
};

static void sim_say(struct sim_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sim_say(struct sim_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->len >= sizeof(t->buf) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n;
	if (t->len > sizeof(t->buf) - 1)
		t->len = sizeof(t->buf) - 1;
}

/* Record a target: appends "[failed: what]" when it does not hold. */
static int
sim_want(struct sim_text *t, int ok, const char *what)
{
	if (!ok)
		sim_say(t, " [failed: %s]", what);
	return ok;
}

/* --- scenarios ---------------------------------------------------- */

static struct simsrv_cfg
sim_server(void)
{
	return (struct simsrv_cfg){
		.osc = { .wander_ss = 1e-10, .reset_s = 16 },
		.root_disp_ns = 10 * US,
		.proc_ns = 5 * US,
	};
}

/* The base case: n good servers on a LAN, the client 0.1 s ahead with a
 * +100 ppm frequency error. */
static void
sim_base(struct simrun_spec *sp, int n_srv)
{
	int i;

	sp->t0_ns = SIM_T0 * S;
	sp->duration_ns = 20000 * S;
	sp->window_ns = 10000 * S;
	sp->clk = (struct simosc_cfg){ .phase_ns = 100 * MS,
		.freq_ss = 100e-6,
		.wander_ss = 1e-9 };
	sp->n_srv = n_srv;
	for (i = 0; i < n_srv; i++)
		sp->srv[i] = sim_server();
	sp->link =
	    (struct simnet_link){ .base_ns = 100 * US, .exp_mean_ns = 100e3 };
}

static void
sim_falsetick(struct simsrv_cfg *v, int64_t offset_ns)
{
	v->offset_ns = offset_ns;
	v->falseticker = 1;
}

static void
setup_lan(struct simrun_spec *sp)
{
	sim_base(sp, 1);
}

/* lan under a blind spoofing attack: 10^7 forged replies (SIM_SPOOFS
 * overrides the count) from 2000 s on, while synchronized. */
static void
setup_spoof(struct simrun_spec *sp)
{
	sim_base(sp, 1);
	sp->spoofs = 10000000;
	sp->spoof_from_ns = sp->t0_ns + 2000 * S;
}

static void
setup_wan(struct simrun_spec *sp)
{
	sim_base(sp, 3);
	sp->link =
	    (struct simnet_link){ .base_ns = 10 * MS, .exp_mean_ns = 2e6 };
}

static void
setup_falsetickers(struct simrun_spec *sp)
{
	sim_base(sp, 5);
	sp->link =
	    (struct simnet_link){ .base_ns = 1 * MS, .exp_mean_ns = 1e6 };
	sim_falsetick(&sp->srv[1], 50 * MS);
	sim_falsetick(&sp->srv[3], -50 * MS);
}

static void
setup_falsetickers3(struct simrun_spec *sp)
{
	setup_falsetickers(sp);
	sim_falsetick(&sp->srv[4], 100 * MS);
}

static void
setup_bigoffset(struct simrun_spec *sp)
{
	sim_base(sp, 1);
	sp->clk.phase_ns = 100.0 * (double)S;
}

static void
setup_loss(struct simrun_spec *sp)
{
	sim_base(sp, 1);
	sp->link.loss = 0.3;
}

static void
setup_serverstep(struct simrun_spec *sp)
{
	sim_base(sp, 1);
	sp->srv[0].jump_t_ns = sp->t0_ns + 10000 * S;
	sp->srv[0].jump_ns = 1 * S;
}

/* Servers announce the insertion of 2016-12-31T23:59:60Z from 18:00 on;
 * the run goes on 3400 s past midnight. */
static void
setup_leap(struct simrun_spec *sp)
{
	int i;

	sim_base(sp, 3);
	sp->t0_ns = SIM_LEAP_T0 * S;
	sp->duration_ns = 25000 * S;
	sp->leap_t_ns = SIM_LEAP_DAY * S;
	for (i = 0; i < sp->n_srv; i++)
		sp->srv[i].leap_t_ns = sp->leap_t_ns;
	sp->n_probes = 2;
	sp->probe_t_ns[0] = sp->leap_t_ns + 1 * S;
	sp->probe_t_ns[1] = sp->leap_t_ns + 10 * S;
}

/* Server v on a path of its own: base delays up and down (ns), the same
 * exponential queueing (mean exp_ns) both ways. */
static void
sim_path(struct simsrv_cfg *v, int64_t up_ns, int64_t down_ns, double exp_ns)
{
	v->own_path = 1;
	v->up = (struct simnet_link){ .base_ns = up_ns, .exp_mean_ns = exp_ns };
	v->down =
	    (struct simnet_link){ .base_ns = down_ns, .exp_mean_ns = exp_ns };
	v->up2 = v->up;
	v->down2 = v->down;
}

/* A LAN source next to two WAN sources whose paths are 4 ms longer on
 * the way back: they read 2 ms off, and nothing can tell which is
 * right but the distance.  The LAN source must steer. */
static void
setup_asym(struct simrun_spec *sp)
{
	sim_base(sp, 3);
	sim_path(&sp->srv[0], 100 * US, 100 * US, 100e3);
	sim_path(&sp->srv[1], 10 * MS, 14 * MS, 1e6);
	sim_path(&sp->srv[2], 10 * MS, 14 * MS, 1e6);
}

/* Three LAN servers; half-way, server 0's route back grows 1 ms longer
 * (an asymmetric route change: it then reads 0.5 ms off). */
static void
setup_route(struct simrun_spec *sp)
{
	sim_base(sp, 3);
	sim_path(&sp->srv[0], 100 * US, 100 * US, 100e3);
	sp->srv[0].route_t_ns = sp->t0_ns + 10000 * S;
	sp->srv[0].down2.base_ns = 1100 * US;
}

/* Three LAN servers, 5 % of packets each way held up 10 ms. */
static void
setup_spikes(struct simrun_spec *sp)
{
	sim_base(sp, 3);
	sp->link.spike_p = 0.05;
	sp->link.spike_ns = 10 * MS;
}

/* One LAN server, the client's oscillator wandering 10 times faster. */
static void
setup_wander(struct simrun_spec *sp)
{
	sim_base(sp, 1);
	sp->clk.wander_ss = 1e-8;
}

/* Three servers a few microseconds away that answer in zero time with
 * random bits below their precision (chronyd does): T3 < T2 in about
 * half the replies, and every one must be taken. */
static void
setup_zerotime(struct simrun_spec *sp)
{
	int i;

	sim_base(sp, 3);
	sp->link =
	    (struct simnet_link){ .base_ns = 20 * US, .exp_mean_ns = 2e3 };
	for (i = 0; i < 3; i++) {
		sp->srv[i].proc_ns = 0;
		sp->srv[i].fuzz = 1;
	}
}

/* A pool of four, three more in reserve: member 1 never answers, member
 * 2 goes away after 5000 s.  Both are replaced, and the dead one costs
 * no more requests than a live one. */
static void
setup_deadpool(struct simrun_spec *sp)
{
	int i;

	sim_base(sp, 4);
	sp->pool = 1;
	sp->n_spares = 3;
	for (i = 4; i < 7; i++)
		sp->srv[i] = sim_server();
	sp->srv[1].dead = 1;
	sp->srv[2].gone_t_ns = sp->t0_ns + 5000 * S;
}

/* --- targets ------------------------------------------------------ */

static void
sim_when(struct sim_text *t, const char *what, double s)
{
	if (s < 0)
		sim_say(t, ", %s never", what);
	else
		sim_say(t, ", %s %.0f s", what, s);
}

/* Counts and end state, which every scenario prints. */
static void
sim_counts(const struct simrun_result *r, struct sim_text *t)
{
	sim_say(t, "requests %llu, steps %d, freq err %+.1f ppb, poll %.0f s",
	    (unsigned long long)r->requests, r->steps, r->freq_err_ppb,
	    r->poll_s);
}

/* Accuracy against UTC, then the counts. */
static void
sim_figures(const struct simrun_result *r, struct sim_text *t)
{
	sim_say(t, "rms %.1f us, max %.1f us", r->rms_ns / 1e3,
	    r->max_ns / 1e3);
	sim_when(t, "sync", r->sync_s);
	sim_when(t, "settled", r->settled_s);
	sim_say(t, ", ");
	sim_counts(r, t);
}

static int
sim_within(struct sim_text *t, const struct simrun_result *r, double rms_us,
    double max_us)
{
	char what[64];
	int ok = 1;

	snprintf(what, sizeof(what), "rms > %.0f us", rms_us);
	ok &= sim_want(t, r->rms_ns <= rms_us * 1e3, what);
	if (max_us <= 0)
		return ok;
	snprintf(what, sizeof(what), "max > %.0f us", max_us);
	ok &= sim_want(t, r->max_ns <= max_us * 1e3, what);
	return ok;
}

static int
judge_lan(const struct simrun_spec *sp, const struct simrun_result *r,
    struct sim_text *t)
{
	(void)sp;
	sim_figures(r, t);
	return sim_within(t, r, 150, 300);
}

/* Every forged reply rejected: no sample, no clock command, no change
 * of the served state follows one, the stratum never moves, each is
 * counted as bogus; and the client keeps lan's accuracy. */
static int
judge_spoof(const struct simrun_spec *sp, const struct simrun_result *r,
    struct sim_text *t)
{
	int ok;

	sim_say(t,
	    "spoofed %llu (%llu while a request was out; bogus %llu): "
	    "%llu samples, %llu clock, %llu served changes, %llu "
	    "stratum changes; genuine replies %llu, samples %llu; ",
	    (unsigned long long)r->spoofed,
	    (unsigned long long)r->spoofed_outstanding,
	    (unsigned long long)r->bogus, (unsigned long long)r->spoof_samples,
	    (unsigned long long)r->spoof_clock,
	    (unsigned long long)r->spoof_served,
	    (unsigned long long)r->spoof_stratum,
	    (unsigned long long)r->replies, (unsigned long long)r->samples);
	sim_figures(r, t);
	ok = sim_within(t, r, 150, 300);
	ok &= sim_want(t, r->spoofed == sp->spoofs, "every spoof delivered");
	ok &= sim_want(t,
	    r->spoof_samples == 0 && r->spoof_clock == 0 &&
	        r->spoof_served == 0 && r->spoof_stratum == 0,
	    "spoofs rejected");
	ok &= sim_want(t, r->spoofed_outstanding >= sp->spoofs / 2,
	    "half of them while a request was out");
	ok &= sim_want(t, r->bogus >= r->spoofed, "spoofs counted bogus");
	ok &= sim_want(t, r->samples + r->held == r->replies,
	    "every genuine reply taken (or held by the gate)");
	ok &= sim_want(t, r->steps == 0, "no step");
	return ok;
}

static int
judge_wan(const struct simrun_spec *sp, const struct simrun_result *r,
    struct sim_text *t)
{
	(void)sp;
	sim_figures(r, t);
	return sim_within(t, r, 400, 0);
}

static int
judge_falsetickers(const struct simrun_spec *sp, const struct simrun_result *r,
    struct sim_text *t)
{
	int ok;

	(void)sp;
	sim_figures(r, t);
	sim_say(t, ", falseticker peer %s", r->falseticker_peer ? "yes" : "no");
	ok = sim_want(t, !r->falseticker_peer, "a falseticker was sys.peer");
	return sim_within(t, r, 300, 0) && ok;
}

/* Three of five disagree: there is no majority, the clock must be left
 * alone (RFC 5905 section 11.2.1). */
static int
judge_falsetickers3(const struct simrun_spec *sp, const struct simrun_result *r,
    struct sim_text *t)
{
	int ok = 1;

	(void)sp;
	sim_say(t,
	    "clock commands %d, no-majority %s, falseticker peer %s, "
	    "requests %llu",
	    r->clock_cmds, r->no_majority ? "yes" : "no",
	    r->falseticker_peer ? "yes" : "no",
	    (unsigned long long)r->requests);
	ok &= sim_want(t, r->clock_cmds == 0, "the clock was steered");
	ok &= sim_want(t, r->no_majority, "no SYNC_EV_NO_MAJORITY");
	ok &= sim_want(t, !r->falseticker_peer, "a falseticker was sys.peer");
	return ok;
}

static int
judge_bigoffset(const struct simrun_spec *sp, const struct simrun_result *r,
    struct sim_text *t)
{
	int ok;

	(void)sp;
	sim_figures(r, t);
	if (r->steps > 0)
		sim_say(t, ", first step %+.6f s at %.0f s",
		    ts_to_s(r->step_ns[0]), r->step_at_s[0]);
	ok = sim_want(t, r->steps == 1, "not exactly one step");
	return sim_within(t, r, 150, 300) && ok;
}

static int
judge_loss(const struct simrun_spec *sp, const struct simrun_result *r,
    struct sim_text *t)
{
	(void)sp;
	sim_figures(r, t);
	return sim_within(t, r, 300, 600);
}

/*
 * The only server's clock jumps 1 s at 10 000 s and stays there.  RFC 5905
 * section 11.3 (the SPIK state) and ntpd's tinker stepout: an offset
 * beyond the step threshold is ignored as a spike until it has persisted
 * for the step-out interval (300 s here), and only then stepped.  So no
 * step before jump + 300 s, and at the end the client follows its server.
 */
static int
judge_serverstep(const struct simrun_spec *sp, const struct simrun_result *r,
    struct sim_text *t)
{
	double jump_s = ts_to_s(sp->srv[0].jump_t_ns - sp->t0_ns);
	double stepout_s = 300;
	int i, early = 0;

	sim_counts(r, t);
	for (i = 0; i < r->steps && i < SIMRUN_MAX_STEPS; i++) {
		sim_say(t, ", step %+.6f s at jump%+.0f s",
		    ts_to_s(r->step_ns[i]), r->step_at_s[i] - jump_s);
		if (r->step_at_s[i] < jump_s + stepout_s)
			early = 1;
	}
	sim_say(t, ", end client-server %+.1f us", r->end_vs_srv0_ns / 1e3);
	return sim_want(t, !early, "stepped before jump + stepout") &
	    sim_want(t, r->steps == 1, "not exactly one step") &
	    sim_want(t, r->end_vs_srv0_ns < 1e6 && r->end_vs_srv0_ns > -1e6,
	        "client does not follow its server at the end");
}

/*
 * Leap second: the core arms the backend (SYNC_ACT_LEAP), the backend
 * inserts the second when the client's clock reaches midnight; the core
 * itself must not step.  Offsets to UTC right after midnight stay small.
 */
static int
judge_leap(const struct simrun_spec *sp, const struct simrun_result *r,
    struct sim_text *t)
{
	double mid_s = ts_to_s(sp->leap_t_ns - sp->t0_ns);
	int ok = 1;

	sim_figures(r, t);
	sim_say(t, ", leaps %d", r->leaps);
	if (r->leaps > 0)
		sim_say(t, " at midnight%+.1f us",
		    (r->leap_at_s - mid_s) * 1e6);
	sim_say(t, ", offset at midnight+1 s %+.1f us, +10 s %+.1f us",
	    r->probe_ns[0] / 1e3, r->probe_ns[1] / 1e3);
	ok &= sim_want(t, r->leaps == 1, "not exactly one leap applied");
	ok &= sim_want(t, r->steps == 0, "the core stepped the clock");
	ok &= sim_want(t, r->probe_ns[0] < 1e6 && r->probe_ns[0] > -1e6,
	    "off by 1 ms or more at midnight+1 s");
	ok &= sim_want(t, r->probe_ns[1] < 1e6 && r->probe_ns[1] > -1e6,
	    "off by 1 ms or more at midnight+10 s");
	return ok;
}

/* Requests per source in the measuring window (the steady state). */
static double
sim_req_per_src(const struct simrun_spec *sp, const struct simrun_result *r)
{
	return (double)r->requests_window / (double)sp->n_srv;
}

/*
 * The targets of a scenario: RMS and maximum offset (0: none), time to
 * the first offset within 1 ms, and requests per source in the last
 * window_ns.  The request budget is chronyd's on a stable path: maxpoll
 * 1024 s, so about ten per 10 000 s.
 */
static int
sim_targets(const struct simrun_spec *sp, const struct simrun_result *r,
    struct sim_text *t, double rms_us, double max_us, double sync_s, double req)
{
	char what[80];
	int ok = sim_within(t, r, rms_us, max_us);

	sim_say(t, ", %.1f requests/source in the window",
	    sim_req_per_src(sp, r));
	snprintf(what, sizeof(what), "sync later than %.0f s", sync_s);
	ok &= sim_want(t, r->sync_s >= 0 && r->sync_s <= sync_s, what);
	snprintf(what, sizeof(what), "more than %.0f requests/source", req);
	ok &= sim_want(t, sim_req_per_src(sp, r) <= req, what);
	return ok;
}

static int
judge_asym(const struct simrun_spec *sp, const struct simrun_result *r,
    struct sim_text *t)
{
	sim_figures(r, t);
	return sim_targets(sp, r, t, 300, 1000, 20, 12);
}

static int
judge_route(const struct simrun_spec *sp, const struct simrun_result *r,
    struct sim_text *t)
{
	sim_figures(r, t);
	return sim_targets(sp, r, t, 300, 800, 20, 12);
}

static int
judge_spikes(const struct simrun_spec *sp, const struct simrun_result *r,
    struct sim_text *t)
{
	sim_figures(r, t);
	return sim_targets(sp, r, t, 150, 400, 20, 12);
}

static int
judge_wander(const struct simrun_spec *sp, const struct simrun_result *r,
    struct sim_text *t)
{
	sim_figures(r, t);
	return sim_targets(sp, r, t, 400, 1200, 20, 60);
}

static int
judge_zerotime(const struct simrun_spec *sp, const struct simrun_result *r,
    struct sim_text *t)
{
	double taken = r->replies ? (double)r->samples / (double)r->replies : 0;
	int ok;

	sim_figures(r, t);
	ok = sim_targets(sp, r, t, 50, 150, 20, 30);
	sim_say(t, ", %.1f %% of replies taken", taken * 100);
	return sim_want(t, taken >= 0.99, "replies rejected") & ok;
}

static int
judge_deadpool(const struct simrun_spec *sp, const struct simrun_result *r,
    struct sim_text *t)
{
	int ok;

	sim_figures(r, t);
	ok = sim_targets(sp, r, t, 150, 400, 20, 14);
	sim_say(t,
	    ", replaced %d, requests to the dead member %llu, to a "
	    "live one %llu",
	    r->replaced, (unsigned long long)r->sent_to[1],
	    (unsigned long long)r->sent_to[0]);
	ok &= sim_want(t, r->replaced >= 2, "dead members not replaced");
	ok &= sim_want(t, r->sent_to[1] <= r->sent_to[0],
	    "the dead member cost more than a live one");
	return ok;
}

/* --- driver ------------------------------------------------------- */

static int
sim_one(const struct sim_scen *sc, uint64_t seed, const struct sim_opts *o)
{
	struct simrun_spec sp = {
		.name = sc->name,
		.seed = seed,
		.trace = o->trace,
		.trace_every_ns = 1000 * S,
	};
	struct simrun_result r;
	struct sim_text t = { .len = 0 };
	int ok;

	sc->setup(&sp);
	if (sp.spoofs != 0 && o->spoofs != 0)
		sp.spoofs = o->spoofs;
	if (simrun(&sp, &r) != 0) {
		printf("not ok - %s: harness error: %s, seed %llu\n", sc->name,
		    r.error ? r.error : "?", (unsigned long long)seed);
		return 0;
	}
	ok = sc->judge(&sp, &r, &t);
	printf("%s - %s: %s, seed %llu\n", ok ? "ok" : "not ok", sc->name,
	    t.buf, (unsigned long long)seed);
	fflush(stdout);
	return ok;
}

static int
sim_selftest(void)
{
	char why[200] = "";
	int ok = simself_run(why, sizeof(why)) == 0;

	printf("%s - clock model%s%s\n", ok ? "ok" : "not ok", ok ? "" : ": ",
	    why);
	return ok;
}

/* An unsigned number from the environment: 1 when set, 0 when not, -1
 * when malformed. */
static int
sim_env_u64(const char *name, uint64_t *v)
{
	const char *s = getenv(name);
	char *end;

	if (s == NULL || *s == '\0')
		return 0;
	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0') {
		fprintf(stderr, "sim: bad %s=%s\n", name, s);
		return -1;
	}
	return 1;
}

static int
sim_opts(struct sim_opts *o)
{
	uint64_t runs = 1, trace = 0;
	int rs, rr, rt;

	*o = (struct sim_opts){ .only = getenv("SIM_ONLY") };
	if (o->only != NULL && *o->only == '\0')
		o->only = NULL;
	rs = sim_env_u64("SIM_SEED", &o->seed);
	rr = sim_env_u64("SIM_RUNS", &runs);
	rt = sim_env_u64("SIM_TRACE", &trace);
	if (rs < 0 || rr < 0 || rt < 0 || runs < 1 || runs > 10000)
		return -1;
	o->have_seed = rs;
	o->runs = (int)runs;
	o->trace = trace > 3 ? 3 : (int)trace;
	return sim_env_u64("SIM_SPOOFS", &o->spoofs) < 0 ? -1 : 0;
}

int
main(void)
{
	static const struct sim_scen scen[] = {
		{ "lan", 1001, setup_lan, judge_lan },
		{ "wan", 1002, setup_wan, judge_wan },
		{ "falsetickers", 1003, setup_falsetickers,
		    judge_falsetickers },
		{ "falsetickers3", 1004, setup_falsetickers3,
		    judge_falsetickers3 },
		{ "bigoffset", 1005, setup_bigoffset, judge_bigoffset },
		{ "loss", 1006, setup_loss, judge_loss },
		{ "serverstep", 1007, setup_serverstep, judge_serverstep },
		{ "leap", 1008, setup_leap, judge_leap },
		{ "asym", 1009, setup_asym, judge_asym },
		{ "route", 1010, setup_route, judge_route },
		{ "spikes", 1011, setup_spikes, judge_spikes },
		{ "wander", 1012, setup_wander, judge_wander },
		{ "zerotime", 1013, setup_zerotime, judge_zerotime },
		{ "deadpool", 1014, setup_deadpool, judge_deadpool },
		{ "spoof", 1015, setup_spoof, judge_spoof },
	};
	struct sim_opts o;
	clock_t c0 = clock();
	int passed = 0, failed = 0, matched = 0;
	size_t i;
	int k;

	if (sim_opts(&o) != 0)
		return 2;
	if (sim_selftest())
		passed++;
	else
		failed++;
	for (i = 0; i < sizeof(scen) / sizeof(scen[0]); i++) {
		if (o.only != NULL && strcmp(o.only, scen[i].name) != 0)
			continue;
		matched++;
		for (k = 0; k < o.runs; k++) {
			uint64_t seed =
			    (o.have_seed ? o.seed : scen[i].seed) + (uint64_t)k;

			if (sim_one(&scen[i], seed, &o))
				passed++;
			else
				failed++;
		}
	}
	if (o.only != NULL && matched == 0) {
		fprintf(stderr, "sim: no scenario named %s\n", o.only);
		return 2;
	}
	printf("sim: %d passed, %d failed (%.2f s cpu)\n", passed, failed,
	    (double)(clock() - c0) / CLOCKS_PER_SEC);
	return failed ? 1 : 0;
}

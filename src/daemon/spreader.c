// SPDX-License-Identifier: ISC
/* spreader: see spreader.h. */
#include "daemon/spreader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "os/steer.h"

#define SPREADER_WINDOW_NS 1000000000LL

static int
steer_all(const struct spreader *sp, const int *fds0, size_t n, int spread)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++)
		if ((spread ? steer_hash(fds0[i]) : steer_first(fds0[i])) != 0)
			rc = -1;
	(void)sp;
	return rc;
}

void
spreader_init(struct spreader *sp, int n_workers, const struct logger *lg)
{
	const char *env = getenv("STRATUM_SPREAD");

	memset(sp, 0, sizeof(*sp));
	spread_init(&sp->s);
	sp->log = lg;
	sp->stat_fd = -1;
	sp->n = n_workers;
	if (n_workers < 2 || n_workers > SPREADER_MAX_WORKERS)
		return;
	sp->on = 1;
	if (env != NULL && strcmp(env, "all") == 0) {
		sp->fixed = 1;
		sp->s.spread = 1;
	} else if (env != NULL && strcmp(env, "first") == 0) {
		sp->fixed = 1;
	}
	sp->stat_fd = steer_stat_open();
	sp->n_cpu = steer_n_cpu();
}

void
spreader_group(struct spreader *sp, int fd0)
{
	if (!sp->on || sp->s.spread)
		return;
	if (steer_first(fd0) != 0) {
		/* Without classic BPF on reuseport groups, the kernel's
		 * hash it is, as before this existed. */
		log_msg(sp->log, LOG_INFO,
		    "workers: cannot steer to one thread (%s); the kernel "
		    "spreads datagrams over all %d",
		    strerror(errno), sp->n);
		sp->on = 0;
		sp->s.spread = 1;
	}
}

void
spreader_threads(struct spreader *sp, const pthread_t *th, int n)
{
	int k;

	for (k = 0; sp->on && k < n && k < SPREADER_MAX_WORKERS; k++)
		if (pthread_getcpuclockid(th[k], &sp->clk[k]) != 0)
			sp->on = 0;
	sp->have_last = 0;
}

static int64_t
cpu_ns(clockid_t c)
{
	struct timespec t;

	if (clock_gettime(c, &t) != 0)
		return 0;
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int64_t
spreader_tick(struct spreader *sp, int64_t now, const int *fds0, size_t n)
{
	struct spread_in in;
	int64_t first, all = 0, host;
	double pct;
	int k;

	if (!sp->on || sp->fixed)
		return INT64_MAX;
	if (sp->have_last && now < sp->next_mono_ns)
		return sp->next_mono_ns;
	first = cpu_ns(sp->clk[0]);
	for (k = 0; k < sp->n; k++)
		all += cpu_ns(sp->clk[k]);
	host = steer_host_busy_ns(sp->stat_fd);
	if (sp->have_last) {
		in = (struct spread_in){
			.wall_ns = now - sp->last_mono_ns,
			.first_cpu_ns = first - sp->last_first,
			.all_cpu_ns = all - sp->last_all,
			.host_busy_ns = host >= 0 && sp->last_host >= 0
			    ? host - sp->last_host
			    : -1,
			.n_cpu = sp->n_cpu,
		};
		if (spread_step(&sp->s, &in)) {
			if (steer_all(sp, fds0, n, sp->s.spread) != 0)
				log_msg(sp->log, LOG_WARNING,
				    "workers: steering failed: %s",
				    strerror(errno));
			pct = 100.0 * (double)in.first_cpu_ns /
			    (double)in.wall_ns;
			if (sp->s.spread)
				log_msg(sp->log, LOG_INFO,
				    "workers: load spread over %d threads "
				    "(the first at %.0f%% of a core)",
				    sp->n, pct);
			else
				log_msg(sp->log, LOG_INFO,
				    "workers: one thread takes the load "
				    "(the first at %.0f%% of a core)",
				    pct);
		}
	}
	sp->last_mono_ns = now;
	sp->last_first = first;
	sp->last_all = all;
	sp->last_host = host;
	sp->have_last = 1;
	sp->next_mono_ns = now + SPREADER_WINDOW_NS;
	return sp->next_mono_ns;
}

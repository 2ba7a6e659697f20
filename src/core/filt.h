/* SPDX-License-Identifier: ISC */
/*
 * filt: the per-source clock filter, after RFC 5905 section 10.  An
 * 8-stage shift register of (offset, delay, dispersion, time) samples.
 * Its output, used by selection, is the minimum-delay stage carried along
 * the stages' trend to the newest stage's time, with the peer dispersion
 * (RFC 5905's weighted sum, taken freshest first) and the jitter measured
 * about that trend; doc/ARCHITECTURE.md says why these differ from the
 * RFC.
 * The output is refreshed with every sample; filt_add reports whether the
 * minimum-delay stage is a sample not used before.
 */
#ifndef STRATUM_FILT_H
#define STRATUM_FILT_H

#include <stdint.h>

#define FILT_STAGES 8

struct filt_sample {
	int64_t offset_ns;
	int64_t delay_ns;
	int64_t disp_ns;
	int64_t t_ns;      /* local clock time of the sample (T4) */
	int64_t t_mono_ns; /* the same instant on the monotonic clock */
};

struct filt {
	struct filt_sample st[FILT_STAGES]; /* st[0] newest */
	int n;                              /* stages filled */
	int64_t last_t_ns;                  /* time of the last output */
	/* Output (valid when have_out): */
	int have_out;
	int64_t offset_ns, delay_ns, disp_ns, jitter_ns, t_ns;
	int64_t disp_t_ns; /* when disp_ns was computed */
	int64_t slope_ppb; /* trend of the stages (our drift vs. them) */
};

void filt_init(struct filt *f);

/*
 * Shift a new sample in (prec_log2 is the local precision, a floor for
 * jitter) and refresh the output: the minimum-delay stage carried along
 * the stages' trend to the newest stage's time (t_ns).  Returns 1 when the
 * minimum-delay stage is a sample not used before, 0 otherwise.  Stage dispersions age by PHI per
 * second between samples, as RFC 5905's clock_filter does.
 */
int filt_add(struct filt *f, const struct filt_sample *s, int prec_log2);

/* The output offset carried along the stages' trend to clock time
 * t_ns, so that sources polled at different moments compare at one
 * instant. */
int64_t filt_offset_at(const struct filt *f, int64_t t_ns);

/* The peer dispersion as of now_ns: output dispersion grown by PHI. */
int64_t filt_disp_at(const struct filt *f, int64_t now_ns);

/* The local clock was stepped (or slewed) by step_ns: every stored
 * offset (server minus local) moves by -step_ns and every stored clock
 * time by +step_ns, so the history stays usable. */
void filt_shift(struct filt *f, int64_t step_ns);

/* Shift in a dummy "infinite dispersion" stage (the poll went
 * unanswered), RFC 5905 section 13 clock_filter(0, 0, MAXDISP). */
void filt_miss(struct filt *f, int64_t now_ns);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * simq: the discrete-event queue, a binary min-heap ordered by time and,
 * for equal times, by insertion order, so runs are deterministic.
 */
#ifndef STRATUM_SIMQ_H
#define STRATUM_SIMQ_H

#include <stddef.h>
#include <stdint.h>

#define SIMQ_CAP 4096
#define SIMQ_PKT_MAX 48

enum simq_kind {
	SIMQ_SAMPLE,  /* measure the client's true offset */
	SIMQ_PROBE,   /* a one-off measurement (arg: probe index) */
	SIMQ_REQUEST, /* a request reaches server `arg` */
	SIMQ_REPLY,   /* a reply from server `arg` reaches the client */
	SIMQ_SPOOF,   /* a forged reply is due (the next is queued then) */
	SIMQ_BURST,   /* forged replies to source `arg`'s open request */
};

struct simq_ev {
	int64_t t_ns; /* true time */
	uint64_t seq; /* set by simq_push */
	enum simq_kind kind;
	int arg;
	uint8_t pkt[SIMQ_PKT_MAX];
	size_t len;
};

struct simq {
	struct simq_ev ev[SIMQ_CAP];
	size_t n;
	uint64_t seq;
};

void simq_init(struct simq *q);

/* Queue a copy of *ev; -1 when the queue is full. */
int simq_push(struct simq *q, const struct simq_ev *ev);

/* Remove the earliest event into *out; -1 when empty. */
int simq_pop(struct simq *q, struct simq_ev *out);

/* Time of the earliest event; INT64_MAX when empty. */
int64_t simq_next_time(const struct simq *q);

#endif

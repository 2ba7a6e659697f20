// SPDX-License-Identifier: ISC
/* simq: binary heap of events keyed by (time, sequence). */
#include "simq.h"

void
simq_init(struct simq *q)
{
	q->n = 0;
	q->seq = 0;
}

static int
before(const struct simq_ev *a, const struct simq_ev *b)
{
	if (a->t_ns != b->t_ns)
		return a->t_ns < b->t_ns;
	return a->seq < b->seq;
}

static void
swap(struct simq *q, size_t i, size_t j)
{
	struct simq_ev t = q->ev[i];

	q->ev[i] = q->ev[j];
	q->ev[j] = t;
}

int
simq_push(struct simq *q, const struct simq_ev *ev)
{
	size_t i = q->n;

	if (q->n == SIMQ_CAP)
		return -1;
	q->ev[i] = *ev;
	q->ev[i].seq = q->seq++;
	q->n++;
	while (i > 0 && before(&q->ev[i], &q->ev[(i - 1) / 2])) {
		swap(q, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	return 0;
}

static void
sift_down(struct simq *q, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < q->n && before(&q->ev[l], &q->ev[m]))
			m = l;
		if (r < q->n && before(&q->ev[r], &q->ev[m]))
			m = r;
		if (m == i)
			return;
		swap(q, i, m);
		i = m;
	}
}

int
simq_pop(struct simq *q, struct simq_ev *out)
{
	if (q->n == 0)
		return -1;
	*out = q->ev[0];
	q->n--;
	if (q->n > 0) {
		q->ev[0] = q->ev[q->n];
		sift_down(q, 0);
	}
	return 0;
}

int64_t
simq_next_time(const struct simq *q)
{
	return q->n ? q->ev[0].t_ns : INT64_MAX;
}

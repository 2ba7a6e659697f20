// SPDX-License-Identifier: ISC
/* act: the bounded action list of the client core. */
#include "core/act.h"

#include <string.h>

struct sync_act *
act_push(struct act_out *o, enum sync_act_kind kind, int src)
{
	struct sync_act *a;

	if (o->n >= o->cap)
		return NULL;
	a = &o->a[o->n++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->src = src;
	return a;
}

void
act_event(struct act_out *o, int src, enum sync_event ev, int64_t value)
{
	struct sync_act *a = act_push(o, SYNC_ACT_EVENT, src);

	if (a != NULL) {
		a->ev = ev;
		a->value_ns = value;
	}
}

void
act_drop_last(struct act_out *o)
{
	if (o->n > 0)
		o->n--;
}

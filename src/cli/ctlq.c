// SPDX-License-Identifier: ISC
/* ctlq: one mode 6 request and its reassembled response.  See ctlq.h. */
#include "cli/ctlq.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "core/ts.h"
#include "ctl/ctl.h"
#include "os/clk.h"

int
ctlq_open(struct ctlq *q, const struct udp_peer *to, double timeout_s)
{
	memset(q, 0, sizeof(*q));
	q->to = *to;
	q->timeout_s = timeout_s;
	q->seq = (uint16_t)(clk_mono_now() & 0x7fff) | 1;
	q->fd = udp_open_client(to->sa.ss_family);
	return q->fd < 0 ? -1 : 0;
}

void
ctlq_close(struct ctlq *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
}

/* Reassembly state: which bytes arrived, where the end is. */
struct frags {
	uint8_t have[CTLQ_MAX_DATA / 4 + 1]; /* per 4-byte unit */
	size_t end;                          /* 0: last fragment not seen */
	int last_seen;
};

static int
complete(const struct frags *f)
{
	size_t i;

	if (!f->last_seen)
		return 0;
	for (i = 0; i < (f->end + 3) / 4; i++)
		if (!f->have[i])
			return 0;
	return 1;
}

/* Take one datagram; 1 when it belongs to this request. */
static int
take(const uint8_t *b, size_t n, uint8_t opcode, uint16_t seq, struct frags *f,
    struct ctlq_resp *r)
{
	struct ctl_msg m;
	size_t i, end;

	if (ctl_parse(b, n, &m) != 0 || !m.response || m.seq != seq ||
	    m.opcode != opcode)
		return 0;
	if (m.error) {
		r->error = (m.status >> 8) + 1;
		f->last_seen = 1;
		f->end = 0;
		return 1;
	}
	end = (size_t)m.offset + m.count;
	if (end > CTLQ_MAX_DATA || (m.offset % 4 != 0 && m.count > 0))
		return 0;
	memcpy(r->data + m.offset, m.data, m.count);
	for (i = m.offset / 4; i < (end + 3) / 4; i++)
		f->have[i] = 1;
	if (!m.more) {
		f->last_seen = 1;
		f->end = end;
		r->status = m.status;
	}
	return 1;
}

int
ctlq_ask(struct ctlq *q, uint8_t opcode, uint16_t assoc, const char *vars,
    struct ctlq_resp *r)
{
	struct frags f;
	uint8_t req[CTL_DGRAM_MAX], b[2048];
	struct udp_peer from;
	struct pollfd p;
	int64_t deadline, left, rx;
	size_t len;
	ssize_t n;
	int trunc;

	memset(&f, 0, sizeof(f));
	memset(r, 0, sizeof(*r));
	q->seq = (uint16_t)(q->seq + 1);
	len = ctl_request(opcode, q->seq, assoc, vars,
	    vars != NULL ? strlen(vars) : 0, req, sizeof(req));
	if (len == 0 || udp_send(q->fd, req, len, &q->to) != 0)
		return -1;
	deadline = clk_mono_now() + ts_from_s(q->timeout_s);
	while (!complete(&f)) {
		left = deadline - clk_mono_now();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		p = (struct pollfd){ .fd = q->fd, .events = POLLIN };
		if (poll(&p, 1, (int)(left / 1000000) + 1) <= 0)
			continue;
		n = udp_recv(q->fd, b, sizeof(b), &from, &rx, &trunc);
		if (n > 0 && !trunc)
			(void)take(b, (size_t)n, opcode, q->seq, &f, r);
	}
	r->len = f.end;
	r->data[r->len] = 0;
	return 0;
}

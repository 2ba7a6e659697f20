// SPDX-License-Identifier: ISC
/* rnd: getrandom(2) with retry on EINTR and short reads. */
#include "os/rnd.h"

#include <errno.h>
#include <sys/random.h>

int
rnd_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int
rnd_u64(uint64_t *out)
{
	return rnd_bytes(out, sizeof(*out));
}

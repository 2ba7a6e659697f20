// SPDX-License-Identifier: ISC
/* rnd: getrandom(2) with retry on EINTR and short reads; no fallback. */
#include "os/rnd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static int
forced_failure(void)
{
	const char *f = getenv("STRATUM_RND_FAIL");

	return f != NULL && strcmp(f, "1") == 0;
}

int
rnd_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;

	if (forced_failure()) {
		errno = ENOSYS;
		return -1;
	}
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
	uint64_t v;

	if (rnd_bytes(&v, sizeof(v)) != 0)
		return -1;
	*out = v;
	return 0;
}

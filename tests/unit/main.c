// SPDX-License-Identifier: ISC
/* Unit-test runner: runs every module's tests, prints "N passed, N failed". */
#include <inttypes.h>
#include <stdlib.h>
#include <time.h>

#include "t.h"

struct t_stats t_stats;

void
t_record(int ok, const char *file, int line, const char *expr)
{
	if (ok) {
		t_stats.passed++;
		return;
	}
	t_stats.failed++;
	fprintf(stderr, "FAIL %s:%d: %s\n", file, line, expr);
}

uint64_t
t_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

int
main(void)
{
	const char *s = getenv("T_SEED");

	t_stats.seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL);
	if (t_stats.seed == 0)
		t_stats.seed = 1;
	test_ts();
	test_pkt();
	test_srv();
	test_exch();
	test_conf();
	test_filt();
	test_sel();
	test_disc();
	test_sync();
	test_md5();
	test_acl();
	test_rl();
	test_ctl();
	test_spread();
	test_nts();
	test_auth();
	if (t_stats.failed)
		fprintf(stderr,
		    "unit: seed was %" PRIu64 " (T_SEED=%" PRIu64
		    " to replay)\n",
		    t_stats.seed, t_stats.seed);
	printf("unit: %u passed, %u failed\n", t_stats.passed, t_stats.failed);
	return t_stats.failed ? 1 : 0;
}

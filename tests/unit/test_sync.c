// SPDX-License-Identifier: ISC
/* Tests for core/sync. */
#include "t.h"

void
test_sync(void)
{
}

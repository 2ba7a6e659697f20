// SPDX-License-Identifier: ISC
/* Tests for core/md5. */
#include "t.h"

void
test_md5(void)
{
}

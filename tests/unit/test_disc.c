// SPDX-License-Identifier: ISC
/* Tests for core/disc. */
#include "t.h"

void
test_disc(void)
{
}

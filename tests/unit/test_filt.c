// SPDX-License-Identifier: ISC
/* Tests for core/filt. */
#include "t.h"

void
test_filt(void)
{
}

/* SPDX-License-Identifier: ISC */
/*
 * prop: the property check of the fuzz targets.  A property that does
 * not hold names itself on stderr and aborts, which libFuzzer reports as
 * a finding (and saves the input) and the corpus replayer as a failure.
 */
#ifndef STRATUM_FUZZ_PROP_H
#define STRATUM_FUZZ_PROP_H

#include <stdio.h>
#include <stdlib.h>

#define PROP(c)                                                         \
	do {                                                            \
		if (!(c)) {                                             \
			fprintf(stderr, "%s:%d: property failed: %s\n", \
			    __FILE__, __LINE__, #c);                    \
			abort();                                        \
		}                                                       \
	} while (0)

#endif

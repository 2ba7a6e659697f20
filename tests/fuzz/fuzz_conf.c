// SPDX-License-Identifier: ISC
/*
 * Fuzz target for the configuration parser: any text parses to either no
 * errors or a bounded list of diagnostics, each of which names the file.
 * Inputs naming includefile are skipped so that the fuzzer cannot make
 * the parser read arbitrary files of this machine.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf c;
	size_t i;

	if (memmem(data, size, "include", 7) != NULL)
		return 0;
	conf_init(&c);
	(void)conf_load_text(&c, "fuzz.conf", (const char *)data, size);
	if (c.n_diags > CONF_MAX_DIAGS || c.n_sources > CONF_MAX_SOURCES)
		abort();
	for (i = 0; i < c.n_diags; i++)
		if (strncmp(c.diags[i].text, "fuzz.conf:", 10) != 0)
			abort();
	return 0;
}

// SPDX-License-Identifier: ISC
/*
 * Fuzz target for the key-file parser (auth/keys): any text either parses
 * into a sorted table of unique, well-formed keys, or fails with one
 * message that names the file.  Properties, not just "no crash".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_entry(const struct keys *ks, size_t i)
{
	const struct keys_entry *k = &ks->e[i];

	if (k->id < 1 || k->id > KEYS_ID_MAX || k->len == 0 ||
	    k->len > KEYS_SECRET_MAX)
		abort();
	if (k->type == KEYS_CMAC && k->len != 16)
		abort();
	if (i > 0 && ks->e[i - 1].id >= k->id)
		abort(); /* sorted, no duplicates */
	if (keys_find(ks, k->id) != k)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct keys ks;
	char err[KEYS_ERR_MAX];
	uint32_t ids[4] = { 1, 2, 65535, 7 };
	size_t i;

	keys_init(&ks);
	err[0] = '\0';
	if (keys_parse(&ks, "fuzz.keys", (const char *)data, size, err,
	        sizeof(err)) != 0) {
		if (strncmp(err, "fuzz.keys:", 10) != 0)
			abort();
		return 0;
	}
	if (ks.n > KEYS_MAX)
		abort();
	for (i = 0; i < ks.n; i++)
		check_entry(&ks, i);
	(void)keys_trust(&ks, ids, 4);
	if (ks.n_trusted > 4)
		abort();
	return 0;
}

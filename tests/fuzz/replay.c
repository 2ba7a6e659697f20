// SPDX-License-Identifier: ISC
/*
 * Replays fuzz corpora through a fuzz target without libFuzzer, so the
 * normal test run (built with ASan+UBSan) checks every saved input.
 * Usage: replay DIR...; prints "NAME: N passed, 0 failed" (a failing
 * input aborts the process, which the runner reports).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	static uint8_t buf[1 << 16];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	/* Copy to an exact-size heap block so over-reads are caught. */
	{
		uint8_t *p = malloc(n ? n : 1);

		if (p == NULL)
			return -1;
		memcpy(p, buf, n);
		LLVMFuzzerTestOneInput(p, n);
		free(p);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char path[4096];
	struct dirent *de;
	unsigned done = 0, bad = 0;
	int i;

	for (i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);

		if (d == NULL) {
			fprintf(stderr, "replay: cannot open %s\n", argv[i]);
			bad++;
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i],
			    de->d_name);
			if (replay_file(path) != 0)
				bad++;
			else
				done++;
		}
		closedir(d);
	}
	printf("fuzz-replay: %u passed, %u failed\n", done, bad);
	return bad ? 1 : 0;
}

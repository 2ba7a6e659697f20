// SPDX-License-Identifier: ISC
/* ctlreload: the reload secret and its mode 6 request.  See ctlreload.h. */
#include "daemon/ctlreload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "auth/keys.h"
#include "os/rnd.h"
#include "os/sfile.h"

#define HEX_LEN (2 * CTLRELOAD_KEY_LEN)

static const char hexd[] = "0123456789abcdef";

static void
to_hex(const uint8_t *key, char *out)
{
	int i;

	for (i = 0; i < CTLRELOAD_KEY_LEN; i++) {
		out[2 * i] = hexd[key[i] >> 4];
		out[2 * i + 1] = hexd[key[i] & 15];
	}
	out[HEX_LEN] = '\0';
}

int
ctlreload_parse_key(const char *text, size_t len, uint8_t *key)
{
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	if (len != HEX_LEN)
		return -1;
	return keys_hex_decode(text, len, key);
}

int
ctlreload_key_init(struct ctlreload_key *k, const char *dir, long uid, long gid)
{
	char text[HEX_LEN + 2];
	int e;

	k->have = 0;
	k->dirfd = -1;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -1;
	k->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (k->dirfd < 0 || rnd_bytes(k->key, sizeof(k->key)) != 0)
		goto fail;
	to_hex(k->key, text);
	text[HEX_LEN] = '\n';
	if (sfile_replace(k->dirfd, CTLRELOAD_KEY_FILE, text, HEX_LEN + 1,
	        0600) != 0)
		goto fail;
	if (uid != -1 &&
	    fchownat(k->dirfd, CTLRELOAD_KEY_FILE, (uid_t)uid, (gid_t)gid,
	        AT_SYMLINK_NOFOLLOW) != 0)
		goto fail;
	k->have = 1;
	return 0;
fail:
	e = errno;
	memset(k->key, 0, sizeof(k->key));
	if (k->dirfd >= 0)
		(void)close(k->dirfd);
	k->dirfd = -1;
	errno = e;
	return -1;
}

void
ctlreload_key_close(struct ctlreload_key *k)
{
	if (k->dirfd >= 0) {
		(void)unlinkat(k->dirfd, CTLRELOAD_KEY_FILE, 0);
		(void)close(k->dirfd);
	}
	k->dirfd = -1;
	k->have = 0;
	memset(k->key, 0, sizeof(k->key));
}

int
ctlreload_is(const struct ctl_msg *m)
{
	return !m->response && m->opcode == CTLRELOAD_OP;
}

int
ctlreload_authorised(const struct ctlreload_key *k, const struct ctl_msg *m)
{
	const size_t plen = sizeof(CTLRELOAD_PREFIX) - 1;
	uint8_t got[CTLRELOAD_KEY_LEN];

	if (!k->have || m->count != plen + HEX_LEN ||
	    memcmp(m->data, CTLRELOAD_PREFIX, plen) != 0 ||
	    ctlreload_parse_key((const char *)m->data + plen, HEX_LEN, got) !=
	        0)
		return 0;
	/* Constant time: the time taken says nothing about how much of a
	 * guess was right. */
	return CRYPTO_memcmp(got, k->key, CTLRELOAD_KEY_LEN) == 0;
}

void
ctlreload_request_text(const uint8_t *key, char *out, size_t cap)
{
	char hex[HEX_LEN + 1];

	to_hex(key, hex);
	snprintf(out, cap, "%s%s", CTLRELOAD_PREFIX, hex);
}

// SPDX-License-Identifier: ISC
/* priv: user/group parsing, chroot, uid/gid/capability drop. */
#include "os/priv.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NAME_MAX_LEN 256

static int
parse_id(const char *s, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || *out >= 0xffffffffUL)
		return -1;
	return 0;
}

static int
parse_group(const char *g, gid_t *gid, char *err, size_t cap)
{
	const struct group *gr;
	unsigned long id;

	if (parse_id(g, &id) == 0) {
		*gid = (gid_t)id;
		return 0;
	}
	gr = getgrnam(g);
	if (gr == NULL) {
		snprintf(err, cap, "unknown group '%s'", g);
		return -1;
	}
	*gid = gr->gr_gid;
	return 0;
}

int
priv_parse_user(const char *spec, struct priv_user *u, char *err, size_t cap)
{
	char name[NAME_MAX_LEN];
	const struct passwd *pw;
	const char *colon = strchr(spec, ':');
	size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
	unsigned long id;

	if (len == 0 || len >= sizeof(name)) {
		snprintf(err, cap, "expected USER[:GROUP]");
		return -1;
	}
	memcpy(name, spec, len);
	name[len] = '\0';
	if (parse_id(name, &id) == 0) {
		u->uid = (uid_t)id;
		pw = getpwuid(u->uid);
	} else {
		pw = getpwnam(name);
		if (pw == NULL) {
			snprintf(err, cap, "unknown user '%s'", name);
			return -1;
		}
		u->uid = pw->pw_uid;
	}
	if (colon != NULL)
		return parse_group(colon + 1, &u->gid, err, cap);
	if (pw == NULL) {
		snprintf(err, cap, "uid %s has no passwd entry; give a group",
		    name);
		return -1;
	}
	u->gid = pw->pw_gid;
	return 0;
}

int
priv_chroot(const char *dir)
{
	if (chroot(dir) != 0)
		return -1;
	return chdir("/");
}

/* The capability bits (all below 32) that keep asks for. */
static uint32_t
kept_caps(unsigned keep)
{
	uint32_t m = 0;

	if (keep & PRIV_KEEP_TIME)
		m |= 1U << CAP_SYS_TIME;
	if (keep & PRIV_KEEP_BIND)
		m |= 1U << CAP_NET_BIND_SERVICE;
	return m;
}

static int
set_caps(unsigned keep)
{
	struct __user_cap_header_struct h = { .version =
		                                  _LINUX_CAPABILITY_VERSION_3,
		.pid = 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	d[0].effective = kept_caps(keep);
	d[0].permitted = kept_caps(keep);
	return (int)syscall(SYS_capset, &h, d);
}

/* Drop what we can from the bounding set (needs CAP_SETPCAP; without it,
 * e.g. already unprivileged, nothing to do). */
static void
drop_bounding(unsigned keep)
{
	int c;

	for (c = 0; c < 64; c++) {
		if (c < 32 && (kept_caps(keep) & (1U << c)))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno == EINVAL)
			break; /* past the kernel's last capability */
	}
}

int
priv_may_keep_bind(void)
{
	struct __user_cap_header_struct h = { .version =
		                                  _LINUX_CAPABILITY_VERSION_3,
		.pid = 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) != 0)
		return 0;
	return (d[0].permitted & (1U << CAP_NET_BIND_SERVICE)) != 0;
}

static int
fail(char *err, size_t cap, const char *what)
{
	snprintf(err, cap, "%s: %s", what, strerror(errno));
	return -1;
}

int
priv_drop(const struct priv_user *u, unsigned keep, char *err, size_t cap)
{
	uid_t r, e, s;

	if (keep && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
		return fail(err, cap, "prctl(PR_SET_KEEPCAPS)");
	drop_bounding(keep);
	if (setgroups(1, &u->gid) != 0)
		return fail(err, cap, "setgroups");
	if (setresgid(u->gid, u->gid, u->gid) != 0)
		return fail(err, cap, "setresgid");
	if (setresuid(u->uid, u->uid, u->uid) != 0)
		return fail(err, cap, "setresuid");
	if (set_caps(keep) != 0)
		return fail(err, cap, "capset");
	(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (getresuid(&r, &e, &s) != 0 || r != u->uid || e != u->uid ||
	    s != u->uid) {
		snprintf(err, cap, "uid did not change");
		return -1;
	}
	if (u->uid != 0 && setuid(0) == 0) {
		snprintf(err, cap, "could regain uid 0 after the drop");
		return -1;
	}
	return 0;
}

int
priv_no_new_privs(void)
{
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/* SPDX-License-Identifier: ISC */
/*
 * priv: least privilege.  After the daemon has bound its sockets and
 * opened its files it changes root (-i), drops to an unprivileged user and
 * group (-u USER[:GROUP]) keeping at most CAP_SYS_TIME, and sets
 * PR_SET_NO_NEW_PRIVS.  Capabilities are set with the raw capset(2)
 * system call; no libcap.
 */
#ifndef STRATUM_PRIV_H
#define STRATUM_PRIV_H

#include <stddef.h>
#include <sys/types.h>

struct priv_user {
	uid_t uid;
	gid_t gid;
};

/*
 * Parse "USER[:GROUP]": names (from the passwd and group databases) or
 * numeric ids.  Without a group, the user's primary group; a numeric uid
 * with no passwd entry then needs an explicit group.  0, or -1 with a
 * reason in err.
 */
int priv_parse_user(const char *spec, struct priv_user *u, char *err,
    size_t cap);

/* chroot(dir) and chdir("/").  0, or -1 with errno. */
int priv_chroot(const char *dir);

#define PRIV_KEEP_TIME 1u /* CAP_SYS_TIME: steering the clock */
#define PRIV_KEEP_BIND \
	2u /* CAP_NET_BIND_SERVICE: port < 1024 on
			     addresses that appear later */

/*
 * Become u: supplementary groups set to u->gid only, then gid and uid
 * (real, effective, saved).  Keeps the capabilities keep names
 * (PRIV_KEEP_*, permitted and effective) and no other; every other
 * capability also leaves the bounding set where we may drop it.  Fails
 * (-1, reason in err) if any step fails or if regaining the old uid is
 * still possible afterwards.
 */
int priv_drop(const struct priv_user *u, unsigned keep, char *err, size_t cap);

/* 1 when CAP_NET_BIND_SERVICE is in our permitted set, so PRIV_KEEP_BIND
 * can be kept (a container may let root bind port 123 without it). */
int priv_may_keep_bind(void);

/* PR_SET_NO_NEW_PRIVS: nothing we exec could gain privileges.  0 or -1. */
int priv_no_new_privs(void);

#endif

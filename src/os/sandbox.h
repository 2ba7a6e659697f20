/* SPDX-License-Identifier: ISC */
/*
 * sandbox: an optional seccomp allow-list (-F 1 or "seccomp 1").  Once
 * installed, any system call the daemon (or a resolver child it forks)
 * does not need kills the whole process with SIGSYS.  A raw BPF program
 * loaded with prctl/seccomp; no libseccomp.
 */
#ifndef STRATUM_SANDBOX_H
#define STRATUM_SANDBOX_H

/* Install the filter (sets PR_SET_NO_NEW_PRIVS first).  0, or -1 with
 * errno (ENOSYS on an architecture without a list here). */
int sandbox_seccomp(void);

#endif

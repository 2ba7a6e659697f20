// SPDX-License-Identifier: ISC
/*
 * nommsg: run a command in which recvmmsg(2) and sendmmsg(2) fail with
 * ENOSYS, as under a kernel or a syscall-interposing simulator without
 * them.  A seccomp filter (no privilege needed after PR_SET_NO_NEW_PRIVS)
 * returns the error; every other call is allowed.
 *
 *   nommsg [-s] [-b] COMMAND [ARG...]
 *   nommsg -c COMMAND [ARG...]
 *
 * -s: only sendmmsg fails (recvmmsg works), as under clknetsim, which
 * interposes recvmmsg but not sendmmsg.  -b: the error is EBADF instead,
 * what the kernel says to a simulator's pretend descriptor.
 * -c: instead, sendto(2) with a destination address fails with EISCONN
 * (on every socket: the filter cannot tell a connected one), as
 * clknetsim answers it on a connected socket; the batched calls work.
 *
 * Exits 77 where the filter cannot be installed (an architecture this
 * file does not know, or seccomp refused), so a test can skip.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define NOMMSG_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NOMMSG_ARCH AUDIT_ARCH_AARCH64
#endif

int
main(int argc, char **argv)
{
#ifdef NOMMSG_ARCH
	int send_only = 0, eisconn = 0, err = ENOSYS;

	while (argc > 1 && argv[1][0] == '-' && argv[1][1] != '\0' &&
	    argv[1][2] == '\0') {
		if (argv[1][1] == 's')
			send_only = 1;
		else if (argv[1][1] == 'b')
			err = EBADF;
		else if (argv[1][1] == 'c')
			eisconn = 1;
		else
			break;
		argv++;
		argc--;
	}
	/* Other architectures pass; then the call's number decides. */
	struct sock_filter head[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NOMMSG_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
	};
	struct sock_filter mmsg[] = {
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		    send_only ? __NR_sendmmsg : __NR_recvmmsg, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sendmmsg, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned)err),
	};
	/* sendto's fifth argument, dest_addr: both halves zero or EISCONN */
	struct sock_filter conn[] = {
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sendto, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, args[4])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, args[4]) + 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EISCONN),
	};
	struct sock_filter
	    f[sizeof(head) / sizeof(head[0]) + sizeof(conn) / sizeof(conn[0])];
	size_t nh = sizeof(head) / sizeof(head[0]);
	size_t nt = eisconn ? sizeof(conn) / sizeof(conn[0])
	                    : sizeof(mmsg) / sizeof(mmsg[0]);
	struct sock_fprog prog = { .len = (unsigned short)(nh + nt),
		.filter = f };

	memcpy(f, head, sizeof(head));
	memcpy(f + nh, eisconn ? conn : mmsg, nt * sizeof(f[0]));

	if (argc < 2) {
		fprintf(stderr,
		    "usage: nommsg [-s] [-b] | -c COMMAND [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
		fprintf(stderr, "nommsg: seccomp: %s\n", strerror(errno));
		return 77;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "nommsg: %s: %s\n", argv[1], strerror(errno));
	return 127;
#else
	(void)argc;
	(void)argv;
	fprintf(stderr, "nommsg: unknown architecture\n");
	return 77;
#endif
}

// SPDX-License-Identifier: ISC
/*
 * sandbox: the seccomp allow-list.  Every system call the running daemon
 * makes after start-up: the poll loop, UDP sockets, clock reads and
 * adjustments, files (drift, statistics, log, pid), syslog, and the
 * resolver children (fork, getaddrinfo with its file reads, DNS sockets
 * and library loading).  Anything else kills the process: a violation is
 * a bug to fix, never something to carry on after.
 */
#include "os/sandbox.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define SANDBOX_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_ARCH AUDIT_ARCH_AARCH64
#endif

#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS SECCOMP_RET_KILL
#endif

#ifdef SANDBOX_ARCH
static const long allowed[] = {
	/* memory, signals, process */
	SYS_brk,
	SYS_mmap,
	SYS_munmap,
	SYS_mprotect,
	SYS_mremap,
	SYS_madvise,
	SYS_rt_sigaction,
	SYS_rt_sigprocmask,
	SYS_rt_sigreturn,
	SYS_restart_syscall,
	SYS_exit,
	SYS_exit_group,
	SYS_getpid,
	SYS_gettid,
	SYS_getuid,
	SYS_geteuid,
	SYS_getgid,
	SYS_getegid,
	SYS_clone,
	SYS_wait4,
	SYS_kill,
	SYS_futex,
	SYS_set_robust_list,
	SYS_sched_yield,
	SYS_uname,
	SYS_prlimit64,
	SYS_getrandom,
	SYS_sigaltstack,       /* glibc threads (the serve branch's workers) */
	SYS_sched_getaffinity, /* glibc: number of processors */
#ifdef SYS_clone3
	SYS_clone3,
#endif
#ifdef SYS_rseq
	SYS_rseq,
#endif
#ifdef SYS_fork
	SYS_fork,
#endif
	/* time */
	SYS_clock_gettime,
	SYS_clock_getres,
	SYS_gettimeofday,
	SYS_clock_nanosleep,
	SYS_nanosleep,
	SYS_adjtimex,
	SYS_clock_adjtime,
	SYS_clock_settime,
#ifdef SYS_time
	SYS_time,
#endif
	/* descriptors and files */
	SYS_read,
	SYS_write,
	SYS_readv,
	SYS_writev,
	SYS_pread64,
	SYS_close,
/* stdio moved onto /dev/null when the daemon detaches */
#ifdef SYS_dup2
	SYS_dup2,
#endif
	SYS_dup3,
	SYS_dup,        /* sfile: the stale-temporary sweep (fdopendir) */
	SYS_getdents64, /* ...reads the directory */
	SYS_fstat,
	SYS_newfstatat,
	SYS_lseek,
	SYS_fcntl,
	SYS_openat,
	SYS_unlinkat,
	SYS_renameat,
	SYS_symlinkat,
	SYS_fsync,
	SYS_fdatasync,
	SYS_pipe2,
	SYS_faccessat,
	SYS_ioctl,
#ifdef SYS_renameat2
	SYS_renameat2,
#endif
#ifdef SYS_statx
	SYS_statx,
#endif
#ifdef SYS_faccessat2
	SYS_faccessat2,
#endif
#ifdef SYS_open
	SYS_open,
	SYS_stat,
	SYS_lstat,
	SYS_access,
	SYS_unlink,
	SYS_rename,
	SYS_symlink,
	SYS_pipe,
	SYS_poll,
#endif
	/* sockets */
	SYS_ppoll,
	SYS_socket,
	SYS_connect,
	SYS_bind,
	SYS_sendto,
	SYS_sendmsg,
	SYS_sendmmsg,
	SYS_recvfrom,
	SYS_recvmsg,
	SYS_recvmmsg,
	SYS_getsockname,
	SYS_accept4, /* the NTS-KE server thread */
	SYS_shutdown,
	SYS_getpeername,
	SYS_setsockopt,
	SYS_getsockopt,
};

#define N_ALLOWED (sizeof(allowed) / sizeof(allowed[0]))

int
sandbox_seccomp(void)
{
	struct sock_filter prog[4 + 2 * N_ALLOWED + 1];
	struct sock_fprog fp;
	size_t n = 0, i;

	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch));
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    SANDBOX_ARCH, 1, 0);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_KILL_PROCESS);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr));
	for (i = 0; i < N_ALLOWED; i++) {
		prog[n++] =
		    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		        (unsigned)allowed[i], 0, 1);
		prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		    SECCOMP_RET_ALLOW);
	}
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_KILL_PROCESS);
	fp.len = (unsigned short)n;
	fp.filter = prog;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp, 0, 0);
}
#else
int
sandbox_seccomp(void)
{
	errno = ENOSYS;
	return -1;
}
#endif

// SPDX-License-Identifier: ISC
/* steer: see steer.h. */
#include "os/steer.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SO_ATTACH_REUSEPORT_CBPF
#define SO_ATTACH_REUSEPORT_CBPF 51
#endif
#ifndef SO_DETACH_REUSEPORT_BPF
#define SO_DETACH_REUSEPORT_BPF 68
#endif

int
steer_first(int fd)
{
	struct sock_filter code[] = {
		{ BPF_RET | BPF_K, 0, 0, 0 }, /* socket index 0 */
	};
	struct sock_fprog prog = { .len = 1, .filter = code };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog,
	    sizeof(prog));
}

int
steer_hash(int fd)
{
	int zero = 0;

	/* Linux >= 5.3.  Where it is missing, a program that returns an
	 * index past the group's end makes the kernel fall back to its
	 * hash too. */
	if (setsockopt(fd, SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, &zero,
	        sizeof(zero)) == 0)
		return 0;
	struct sock_filter code[] = {
		{ BPF_RET | BPF_K, 0, 0, 0xffffffffu },
	};
	struct sock_fprog prog = { .len = 1, .filter = code };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog,
	    sizeof(prog));
}

int
steer_stat_open(void)
{
	return open("/proc/stat", O_RDONLY | O_CLOEXEC);
}

int64_t
steer_host_busy_ns(int fd)
{
	char buf[512];
	unsigned long long v[8] = { 0 };
	ssize_t n;
	long hz = sysconf(_SC_CLK_TCK);

	if (fd < 0 || hz <= 0)
		return -1;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* "cpu  user nice system idle iowait irq softirq steal ..." */
	if (sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	        &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		return -1;
	return (int64_t)((v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) *
	    (1000000000ULL / (unsigned long long)hz));
}

int
steer_n_cpu(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 1;
	n = CPU_COUNT(&set);
	return n > 0 ? n : 1;
}

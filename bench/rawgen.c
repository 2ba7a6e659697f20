// SPDX-License-Identifier: ISC
/*
 * rawgen: an open-loop NTP request flood from raw frames, for
 * bench/saturate (a benchmark, not a test: it prints, it does not judge).
 *
 *   rawgen -i IFACE -m DSTMAC -s SRCIP [-n NADDR] -d DSTIP [-p PORT]
 *          -r RATE [-t SECONDS]
 *
 * bench/loadgen goes through the UDP stack on both sides of loopback, so
 * on a 2-core machine it runs out of CPU before a batched server does.
 * rawgen writes ready-made Ethernet frames (client requests, mode 3,
 * version 4, random transmit timestamps, source ports spread over
 * 1024..65535, source addresses SRCIP .. SRCIP + NADDR - 1) onto one
 * end of a veth pair with AF_PACKET and PACKET_QDISC_BYPASS, in batches
 * of 64 (sendmmsg), paced to RATE frames/s.  It never receives: the replies are counted from the
 * interface's rx_packets (/sys/class/net/IFACE/statistics), read before
 * the flood and 0.2 s after it.  The source addresses should be ones the
 * generator's side does not own, so the replies are dropped on arrival
 * without a socket lookup or an ICMP error.
 *
 * Bounded: at most -t seconds (default 2, at most 60) and 10^9 frames.
 * Refuses anything but a veth interface.  Output: one line "rawgen:
 * key=value ...".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RG_BATCH 64
#define RG_FRAME (14 + 20 + 8 + 48)
#define RG_MAX_FRAMES 1000000000ULL

static void
die(const char *what)
{
	fprintf(stderr, "rawgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int64_t
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint16_t
ip_sum(const uint8_t *h, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static int
parse_mac(const char *s, uint8_t *mac)
{
	unsigned v[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4],
	        &v[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (v[i] > 255)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

/* rx_packets of the interface, -1 when unreadable. */
static long long
rx_packets(const char *ifname)
{
	char path[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/rx_packets",
	    ifname);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int
is_veth(const char *ifname)
{
	char path[128], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device", ifname);
	if (access(path, F_OK) == 0)
		return 0; /* a real device */
	snprintf(path, sizeof(path), "/sys/class/net/%s/uevent", ifname);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(buf, sizeof(buf), f) != NULL)
		if (strncmp(buf, "DEVTYPE=veth", 12) == 0) {
			fclose(f);
			return 1;
		}
	fclose(f);
	/* Older kernels name no DEVTYPE: trust the name. */
	return strncmp(ifname, "v", 1) == 0;
}

static void
build(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, uint32_t sip,
    uint32_t dip, uint16_t dport)
{
	uint8_t *ip = f + 14, *udp = ip + 20, *ntp = udp + 8;
	uint16_t s;

	memset(f, 0, RG_FRAME);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x08; /* IPv4 */
	ip[0] = 0x45;
	ip[2] = 0;
	ip[3] = 20 + 8 + 48;
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 17; /* UDP */
	memcpy(ip + 12, &sip, 4);
	memcpy(ip + 16, &dip, 4);
	s = ip_sum(ip, 20);
	ip[10] = (uint8_t)(s >> 8);
	ip[11] = (uint8_t)s;
	udp[2] = (uint8_t)(dport >> 8);
	udp[3] = (uint8_t)dport;
	udp[5] = 8 + 48; /* UDP checksum 0: none (IPv4) */
	ntp[0] = 0x23;   /* LI 0, version 4, mode 3 */
}

int
main(int argc, char **argv)
{
	const char *ifname = NULL, *mac_s = NULL, *sip_s = NULL, *dip_s = NULL;
	uint8_t dmac[6], smac[6];
	static uint8_t frames[RG_BATCH][RG_FRAME];
	struct mmsghdr mm[RG_BATCH];
	struct iovec iov[RG_BATCH];
	struct sockaddr_ll ll;
	struct ifreq ifr;
	struct in_addr sip, dip;
	double rate = 0, secs = 2;
	long port = 123, naddr = 1;
	long long rx0, rx1;
	uint64_t sent = 0, errs = 0, want;
	int64_t t0, t, end;
	int fd, opt, i, on = 1, n, r;

	while ((opt = getopt(argc, argv, "i:m:s:n:d:p:r:t:")) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 'm':
			mac_s = optarg;
			break;
		case 's':
			sip_s = optarg;
			break;
		case 'd':
			dip_s = optarg;
			break;
		case 'n':
			naddr = strtol(optarg, NULL, 10);
			break;
		case 'p':
			port = strtol(optarg, NULL, 10);
			break;
		case 'r':
			rate = strtod(optarg, NULL);
			break;
		case 't':
			secs = strtod(optarg, NULL);
			break;
		default:
			goto usage;
		}
	}
	if (ifname == NULL || mac_s == NULL || sip_s == NULL || dip_s == NULL ||
	    rate <= 0 || secs <= 0 || secs > 60 || port < 1 || port > 65535 ||
	    naddr < 1 || naddr > 65536 || strlen(ifname) >= IFNAMSIZ ||
	    parse_mac(mac_s, dmac) != 0 ||
	    inet_pton(AF_INET, sip_s, &sip) != 1 ||
	    inet_pton(AF_INET, dip_s, &dip) != 1)
		goto usage;
	if (!is_veth(ifname)) {
		fprintf(stderr, "rawgen: %s is not a veth interface\n", ifname);
		return 1;
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: send only */
	if (fd < 0)
		die("socket(AF_PACKET)");
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		die("SIOCGIFHWADDR");
	memcpy(smac, ifr.ifr_hwaddr.sa_data, 6);
	memset(&ll, 0, sizeof(ll));
	ll.sll_family = AF_PACKET;
	ll.sll_ifindex = (int)if_nametoindex(ifname);
	if (ll.sll_ifindex == 0)
		die("if_nametoindex");
	if (bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0)
		die("bind");
	(void)setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &on, sizeof(on));
	for (i = 0; i < RG_BATCH; i++) {
		build(frames[i], dmac, smac, sip.s_addr, dip.s_addr,
		    (uint16_t)port);
		iov[i] = (struct iovec){ frames[i], RG_FRAME };
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	rng ^= (uint64_t)now_ns();
	rx0 = rx_packets(ifname);
	t0 = now_ns();
	end = t0 + (int64_t)(secs * 1e9);
	while ((t = now_ns()) < end && sent < RG_MAX_FRAMES) {
		want = (uint64_t)((double)(t - t0) * rate / 1e9);
		if (want <= sent) {
			struct timespec ts = { 0, 20000 };
			nanosleep(&ts, NULL);
			continue;
		}
		n = want - sent > RG_BATCH ? RG_BATCH : (int)(want - sent);
		for (i = 0; i < n; i++) {
			uint64_t x = next_rand();
			uint8_t *ip = frames[i] + 14, *udp = ip + 20;
			uint32_t a = htonl(ntohl(sip.s_addr) +
			    (uint32_t)((x >> 16) % (uint64_t)naddr));
			uint16_t c;

			if (naddr > 1) {
				memcpy(ip + 12, &a, 4);
				ip[10] = ip[11] = 0;
				c = ip_sum(ip, 20);
				ip[10] = (uint8_t)(c >> 8);
				ip[11] = (uint8_t)c;
			}
			udp[0] = (uint8_t)(4 | (x >> 56)); /* ports >= 1024 */
			udp[1] = (uint8_t)(x >> 48);
			memcpy(udp + 8 + 40, &x, 8); /* transmit timestamp */
		}
		r = sendmmsg(fd, mm, (unsigned)n, 0);
		if (r < 0) {
			if (errno != ENOBUFS && errno != EAGAIN)
				die("sendmmsg");
			errs++;
			sent +=
			    (uint64_t)n; /* dropped at our end: still sent */
			continue;
		}
		sent += (uint64_t)r;
		if (r < n)
			errs++;
	}
	t = now_ns();
	{
		struct timespec ts = { 0, 200000000 };
		nanosleep(&ts, NULL);
	}
	rx1 = rx_packets(ifname);
	printf("rawgen: sent=%llu secs=%.3f rate=%.0f answered=%lld "
	       "answered_rate=%.0f send_errors=%llu\n",
	    (unsigned long long)sent, (double)(t - t0) / 1e9,
	    (double)sent / ((double)(t - t0) / 1e9),
	    rx0 >= 0 && rx1 >= 0 ? rx1 - rx0 : -1LL,
	    rx0 >= 0 && rx1 >= 0
	        ? (double)(rx1 - rx0) / ((double)(t - t0) / 1e9)
	        : -1.0,
	    (unsigned long long)errs);
	close(fd);
	return 0;
usage:
	fprintf(stderr,
	    "usage: rawgen -i IFACE -m DSTMAC -s SRCIP [-n NADDR] "
	    "-d DSTIP [-p PORT] -r RATE [-t SECONDS]\n");
	return 2;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vtap_blast: replay the frames of a pcap on an interface, fast, with exact
 * counts. A sustained-stream sender for the hardening tests (scapy alone
 * manages a few thousand frames per second).
 *
 *   vtap_blast -i IFACE -f FILE.pcap [-n LOOPS] [-d SECONDS] [-r PPS]
 *              [--rand-src A.B.C.D/LEN] [--seed N]
 *
 * Frames are sent in pcap order, LOOPS times (default 1), or for SECONDS
 * (whole loops only, so the count stays a multiple of the file). -r paces
 * to PPS frames per second. When the device's queue is full (ENOBUFS) the
 * frame is retried, never dropped: every frame counted was handed to the
 * device. --rand-src rewrites the outer IPv4 source of every UDP/IPv4
 * frame to a random address inside the prefix (IP checksum fixed, UDP
 * checksum zeroed): a spoofed-source flood. Prints "sent N frames, B bytes".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct frame {
	unsigned char *data;
	uint32_t len;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int read_pcap(const char *path, struct frame **out, size_t *nr)
{
	struct { uint32_t magic; uint16_t maj, min; int32_t tz; uint32_t sig, snap, link; } gh;
	struct { uint32_t sec, usec, incl, orig; } ph;
	struct frame *f = NULL;
	size_t n = 0, cap = 0;
	int swap;
	FILE *fp = fopen(path, "rb");

	if (!fp || fread(&gh, sizeof(gh), 1, fp) != 1) {
		fprintf(stderr, "vtap_blast: %s: can't read\n", path);
		return -1;
	}
	if (gh.magic == 0xa1b2c3d4 || gh.magic == 0xa1b23c4d)
		swap = 0;
	else if (gh.magic == 0xd4c3b2a1 || gh.magic == 0x4d3cb2a1)
		swap = 1;
	else {
		fprintf(stderr, "vtap_blast: %s: not a pcap file\n", path);
		return -1;
	}
	while (fread(&ph, sizeof(ph), 1, fp) == 1) {
		uint32_t len = swap ? __builtin_bswap32(ph.incl) : ph.incl;

		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			f = realloc(f, cap * sizeof(*f));
			if (!f)
				return -1;
		}
		f[n].len = len;
		f[n].data = malloc(len ? len : 1);
		if (!f[n].data || fread(f[n].data, 1, len, fp) != len) {
			fprintf(stderr, "vtap_blast: %s: truncated\n", path);
			return -1;
		}
		n++;
	}
	fclose(fp);
	*out = f;
	*nr = n;
	return 0;
}

static uint16_t ip_csum(const unsigned char *h, int len)
{
	uint32_t sum = 0;

	for (int i = 0; i < len; i += 2)
		sum += (h[i] << 8) | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static uint64_t rng_state = 88172645463325252ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state >> 16;
}

/* Outer IPv4 (no VLAN) carrying UDP: new random source inside the prefix. */
static void spoof(unsigned char *p, uint32_t len, uint32_t net, uint32_t mask)
{
	unsigned int ihl;
	uint32_t a;

	if (len < 14 + 20 + 8 || p[12] != 0x08 || p[13] != 0x00 || (p[14] >> 4) != 4 ||
	    p[23] != 17)
		return;
	ihl = (p[14] & 0xf) * 4;
	if (ihl < 20 || len < 14 + ihl + 8)
		return;
	a = htonl((net & mask) | (rnd() & ~mask));
	memcpy(p + 26, &a, 4);
	p[24] = p[25] = 0;
	uint16_t c = htons(ip_csum(p + 14, ihl));
	memcpy(p + 24, &c, 2);
	p[14 + ihl + 6] = p[14 + ihl + 7] = 0;		/* UDP checksum: none */
}

static void usage(void)
{
	fprintf(stderr, "usage: vtap_blast -i IFACE -f FILE.pcap [-n LOOPS] [-d SECONDS] "
			"[-r PPS] [--rand-src A.B.C.D/LEN] [--seed N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "file", required_argument, NULL, 'f' },
		{ "loops", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "rate", required_argument, NULL, 'r' },
		{ "rand-src", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ 0 }
	};
	const char *ifname = NULL, *file = NULL;
	unsigned long long sent = 0, bytes = 0, loops = 1, retries = 0;
	double duration = 0, rate = 0, t0, deadline;
	uint32_t net = 0, mask = 0;
	int spoofing = 0, opt, fd;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct frame *fr;
	size_t nr;

	while ((opt = getopt_long(argc, argv, "i:f:n:d:r:", lo, NULL)) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 'f': file = optarg; break;
		case 'n': loops = strtoull(optarg, NULL, 0); break;
		case 'd': duration = atof(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'S': rng_state ^= strtoull(optarg, NULL, 0) * 0x9e3779b97f4a7c15ull; break;
		case 's': {
			char buf[64], *slash;
			struct in_addr in;
			int plen;

			snprintf(buf, sizeof(buf), "%s", optarg);
			slash = strchr(buf, '/');
			if (!slash)
				usage();
			*slash = '\0';
			plen = atoi(slash + 1);
			if (!inet_aton(buf, &in) || plen < 0 || plen > 32)
				usage();
			net = ntohl(in.s_addr);
			mask = plen ? ~0u << (32 - plen) : 0;
			spoofing = 1;
			break;
		}
		default: usage();
		}
	}
	if (!ifname || !file)
		usage();
	if (read_pcap(file, &fr, &nr) || !nr) {
		fprintf(stderr, "vtap_blast: %s: no frames\n", file);
		return 1;
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);	/* protocol 0: send only */
	if (fd < 0) {
		perror("vtap_blast: socket");
		return 1;
	}
	sll.sll_ifindex = if_nametoindex(ifname);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "vtap_blast: %s: no such interface\n", ifname);
		return 1;
	}
	sll.sll_halen = ETH_ALEN;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("# vtap_blast: sending %zu frames per loop on %s\n", nr, ifname);
	fflush(stdout);

	t0 = now();
	deadline = t0 + duration;
	for (unsigned long long l = 0; !stop; l++) {
		if (duration > 0 ? now() >= deadline : l >= loops)
			break;
		for (size_t i = 0; i < nr; i++) {
			if (spoofing)
				spoof(fr[i].data, fr[i].len, net, mask);
			if (rate > 0) {
				double due = t0 + sent / rate;

				while (now() < due)
					;
			}
			while (sendto(fd, fr[i].data, fr[i].len, 0, (struct sockaddr *)&sll,
				      sizeof(sll)) < 0) {
				if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
					perror("vtap_blast: sendto");
					return 1;
				}
				retries++;
				usleep(50);
			}
			sent++;
			bytes += fr[i].len;
		}
	}
	printf("# vtap_blast: sent %llu frames, %llu bytes in %.2fs (%.0f/s, %llu retries)\n",
	       sent, bytes, now() - t0, sent / (now() - t0 + 1e-9), retries);
	printf("sent %llu frames, %llu bytes\n", sent, bytes);
	return 0;
}

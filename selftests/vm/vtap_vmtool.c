// SPDX-License-Identifier: GPL-2.0
/*
 * Traffic source and capture checker for the vm tests, built static so it
 * runs in the guest's busybox initramfs.
 *
 *   vtap_vmtool send IFACE DSTMAC COUNT [FIRST_SEQ]
 *	send COUNT VXLAN packets (UDP 4789) out of IFACE, inner frame i built
 *	by vtap_inner(seq) and ending in its sequence number
 *   vtap_vmtool flood IFACE DSTMAC SECONDS
 *	send as fast as possible for SECONDS, or until SIGTERM; prints the
 *	number sent
 *   vtap_vmtool sendfrag IFACE DSTMAC SRCIP DSTIP COUNT [FIRST_SEQ]
 *	the same VXLAN packets, from SRCIP to DSTIP, each as two IPv4 fragments
 *	(for the kernel's reassembly and the slow path)
 *   vtap_vmtool sendtrailer IFACE DSTMAC COUNT TRAILER
 *	COUNT valid 132-byte VXLAN packets, each followed by TRAILER bytes
 *	beyond its IP length (one buffer: the skb's frags hold the rest)
 *   vtap_vmtool sendinner IFACE COUNT [FIRST_SEQ]
 *	the inner frames themselves, sent on IFACE (a tunnel device that
 *	encapsulates them: a geneve device); on a device without a link-layer
 *	header (geneve with innerprotoinherit) only the IP ones, without
 *	their Ethernet header
 *   vtap_vmtool check PCAP COUNT [FIRST_SEQ [ip]]
 *	every frame of PCAP is an expected inner frame, byte for byte, each
 *	seq in [FIRST_SEQ, FIRST_SEQ + COUNT) exactly once, nothing else;
 *	with ip, only the IP ones, behind vtap's own Ethernet header.
 *	PCAP may be Ethernet or LINUX_SLL2 (tcpdump -y LINUX_SLL2: the frame
 *	from its network header on, and the packet type, which must be the
 *	one vtap.ko gives: see want_type())
 *   vtap_vmtool dirs COUNT [FIRST_SEQ]
 *	how many of those frames vtap.ko should show as outgoing and as
 *	incoming, and how many are from, to and neither of the outer source
 *   vtap_vmtool inner SEQ
 *	hex dump of inner frame SEQ (debugging)
 * VTAP_VMTOOL_DIRS set: inner IPv4 frames in three directions relative to
 * the outer source (10.0.0.1): sent by it, received by it, neither (the
 * same for send and check). VTAP_VMTOOL_NODIR set: check expects no
 * direction (vtapctl attach --no-direction: every frame as its Ethernet
 * header says). VTAP_VMTOOL_SELECT=out|in: check expects only the frames
 * vtap.ko shows as outgoing (tcpdump -Q out), or only the others (-Q in).
 * Frames go out past the qdisc and tc egress (PACKET_QDISC_BYPASS) unless
 * VTAP_VMTOOL_QDISC is set, as most senders' frames do.
 */
#include <arpa/inet.h>
#include <errno.h>
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

#define MAGIC		0x76746170u	/* "vtap" before the sequence number */
#define MAX_INNER	1400		/* outer packet fits a 1500 MTU */
#define OUTER_HLEN	(14 + 20 + 8 + 8)
#define OUTER_SRC	0x0a000001u	/* 10.0.0.1, the tapped NIC */
#define LINKTYPE_ETHERNET	1
#define LINKTYPE_LINUX_SLL2	276
#define SLL2_HLEN	20
#define SLL2_PKTTYPE	10		/* offset of the packet type */
enum { DIR_OTHER, DIR_FROM, DIR_TO };

static const uint8_t inner_dst[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t inner_src[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); }
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static uint16_t csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* IPv4 header of total length tot, protocol proto at p. */
static void ipv4(uint8_t *p, size_t tot, uint8_t proto, uint32_t src, uint32_t dst)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, tot);
	p[8] = 64;
	p[9] = proto;
	put32(p + 12, src);
	put32(p + 16, dst);
	put16(p + 10, csum(p, 20));
}

/* With VTAP_VMTOOL_DIRS, the direction of inner frame seq relative to the
 * outer source: its IPv4 frames take turns, in runs of 8 seqs. */
static int inner_dir(uint32_t seq)
{
	if (!getenv("VTAP_VMTOOL_DIRS") || seq % 4 >= 2)
		return DIR_OTHER;
	switch ((seq / 8) % 3) {
	case 0:
		return DIR_FROM;
	case 1:
		return DIR_TO;
	}
	return DIR_OTHER;
}

/*
 * Inner frame for a sequence number, four kinds in turn: IPv4 UDP, IPv4
 * ICMP echo request to an address the guest could own, ARP request, IPv6
 * UDP. Length varies with seq; the last 8 bytes are MAGIC and seq.
 */
static size_t vtap_inner(uint32_t seq, uint8_t *f)
{
	size_t len = 64 + (seq * 37u) % (MAX_INNER - 64 + 1);
	uint32_t src = 0xc0a84d01, dst = 0xc0a84d02;
	size_t i;

	if (inner_dir(seq) == DIR_FROM)
		src = OUTER_SRC;
	else if (inner_dir(seq) == DIR_TO)
		dst = OUTER_SRC;

	/* Half of them broadcast, which the IP stack would take as its own. */
	if ((seq / 4) % 2)
		memset(f, 0xff, 6);
	else
		memcpy(f, inner_dst, 6);
	memcpy(f + 6, inner_src, 6);
	for (i = 14; i < len; i++)
		f[i] = (uint8_t)(seq + i);
	switch (seq % 4) {
	case 0:		/* IPv4 UDP 192.168.77.1:1000 -> 192.168.77.2:2000 */
		put16(f + 12, 0x0800);
		ipv4(f + 14, len - 14, 17, src, dst);
		put16(f + 34, 1000);
		put16(f + 36, 2000);
		put16(f + 38, len - 34);
		put16(f + 40, 0);
		break;
	case 1:		/* ICMP echo request */
		put16(f + 12, 0x0800);
		ipv4(f + 14, len - 14, 1, src, dst);
		f[34] = 8;
		f[35] = 0;
		put16(f + 36, 0);
		put16(f + 36, csum(f + 34, len - 34));
		break;
	case 2:		/* ARP who-has 192.168.77.2, padded */
		memset(f, 0xff, 6);
		put16(f + 12, 0x0806);
		put16(f + 14, 1);
		put16(f + 16, 0x0800);
		f[18] = 6;
		f[19] = 4;
		put16(f + 20, 1);
		memcpy(f + 22, inner_src, 6);
		put32(f + 28, 0xc0a84d01);
		memset(f + 32, 0, 6);
		put32(f + 38, 0xc0a84d02);
		break;
	default:	/* IPv6 UDP fd00::1 -> fd00::2 */
		put16(f + 12, 0x86dd);
		memset(f + 14, 0, 40);
		f[14] = 0x60;
		put16(f + 18, len - 54);
		f[20] = 17;
		f[21] = 64;
		f[22] = 0xfd;
		f[37] = 1;
		f[38] = 0xfd;
		f[53] = 2;
		put16(f + 54, 1000);
		put16(f + 56, 2000);
		put16(f + 58, len - 54);
		put16(f + 60, 0);
		break;
	}
	put32(f + len - 8, MAGIC);
	put32(f + len - 4, seq);
	return len;
}

/* Whether inner frame seq is an IP packet (not the ARP kind). */
static int inner_is_ip(uint32_t seq)
{
	return seq % 4 != 2;
}

/* Outer Ethernet/IPv4/UDP/VXLAN around inner frame seq; returns length. */
static size_t vtap_outer(uint32_t seq, const uint8_t *dst, const uint8_t *src,
			 uint8_t *p)
{
	size_t ilen = vtap_inner(seq, p + OUTER_HLEN);

	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	put16(p + 12, 0x0800);
	ipv4(p + 14, 20 + 8 + 8 + ilen, 17, OUTER_SRC, 0x0a000002);
	put16(p + 34, 49152 + (seq & 0x3fff));	/* flow hash */
	put16(p + 36, 4789);
	put16(p + 38, 8 + 8 + ilen);
	put16(p + 40, 0);
	put32(p + 42, 0x08000000);
	put32(p + 46, 42 << 8);			/* VNI 42 */
	return OUTER_HLEN + ilen;
}

static int parse_mac(const char *s, uint8_t *mac)
{
	unsigned int b[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
	return 0;
}

static int open_tx(const char *ifname, struct sockaddr_ll *sll, uint8_t *src)
{
	int fd, one = 1;
	char path[128];
	FILE *f;

	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("socket");
		return -1;
	}
	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_ifindex = if_nametoindex(ifname);
	if (!sll->sll_ifindex) {
		fprintf(stderr, "vtap_vmtool: %s: no such interface\n", ifname);
		close(fd);
		return -1;
	}
	sll->sll_halen = 6;
	if (!getenv("VTAP_VMTOOL_QDISC"))
		setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	snprintf(path, sizeof(path), "/sys/class/net/%s/address", ifname);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%127s", path) != 1 || parse_mac(path, src)) {
		fprintf(stderr, "vtap_vmtool: %s: no MAC address\n", ifname);
		if (f)
			fclose(f);
		close(fd);
		return -1;
	}
	fclose(f);
	return fd;
}

static int send_one(int fd, struct sockaddr_ll *sll, const uint8_t *buf, size_t len)
{
	for (;;) {
		if (sendto(fd, buf, len, 0, (struct sockaddr *)sll, sizeof(*sll)) ==
		    (ssize_t)len)
			return 0;
		/* Through the qdisc layer, ENOBUFS is a tc drop: done. */
		if (errno == ENOBUFS && getenv("VTAP_VMTOOL_QDISC"))
			return 0;
		if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR)
			return -1;
		usleep(100);
	}
}

static int cmd_send(const char *ifname, const char *dstmac, uint32_t count,
		    uint32_t first)
{
	uint8_t buf[OUTER_HLEN + MAX_INNER], dst[6], src[6];
	struct sockaddr_ll sll;
	uint32_t i;
	int fd;

	if (parse_mac(dstmac, dst)) {
		fprintf(stderr, "vtap_vmtool: bad MAC %s\n", dstmac);
		return 2;
	}
	fd = open_tx(ifname, &sll, src);
	if (fd < 0)
		return 1;
	for (i = 0; i < count; i++) {
		size_t len = vtap_outer(first + i, dst, src, buf);

		if (send_one(fd, &sll, buf, len)) {
			perror("vtap_vmtool: sendto");
			close(fd);
			return 1;
		}
		/* Paced, so that the capture side (tcpdump's ring) keeps up. */
		if (i % 64 == 63)
			usleep(2000);
	}
	close(fd);
	printf("sent %u\n", count);
	return 0;
}

#define FLOOD_FRAMES 64

/* SIGTERM ends a flood between two sends, so that its count is printed. */
static volatile sig_atomic_t flood_stop;

static void flood_on_term(int sig)
{
	(void)sig;
	flood_stop = 1;
}

static int cmd_flood(const char *ifname, const char *dstmac, double seconds)
{
	static uint8_t bufs[FLOOD_FRAMES][OUTER_HLEN + MAX_INNER];
	size_t lens[FLOOD_FRAMES];
	uint8_t dst[6], src[6];
	struct sockaddr_ll sll;
	struct timespec t0, t;
	unsigned long sent = 0, failed = 0;
	int fd, i;

	if (parse_mac(dstmac, dst)) {
		fprintf(stderr, "vtap_vmtool: bad MAC %s\n", dstmac);
		return 2;
	}
	fd = open_tx(ifname, &sll, src);
	if (fd < 0)
		return 1;
	/* 64-byte inner frames: the per-frame cost is what matters. */
	for (i = 0; i < FLOOD_FRAMES; i++)
		lens[i] = vtap_outer(i * 4 * (MAX_INNER - 64 + 1), dst, src, bufs[i]);
	signal(SIGTERM, flood_on_term);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!flood_stop) {
		for (i = 0; i < FLOOD_FRAMES; i++) {
			if (sendto(fd, bufs[i], lens[i], 0, (struct sockaddr *)&sll,
				   sizeof(sll)) == (ssize_t)lens[i])
				sent++;
			else if (errno == ENXIO || errno == ENODEV || errno == ENETDOWN)
				goto out;
			else
				failed++;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 >= seconds)
			break;
	}
out:
	close(fd);
	printf("flood sent %lu failed %lu\n", sent, failed);
	return 0;
}

/* The packet type vtap.ko gives inner frame seq (f: its bytes), as
 * AF_PACKET reports it: the direction, else what the Ethernet header says
 * (the inner destination is never vtap0's own address). */
static int want_type(uint32_t seq, const uint8_t *f)
{
	if (!getenv("VTAP_VMTOOL_NODIR")) {
		if (inner_dir(seq) == DIR_FROM)
			return PACKET_OUTGOING;
		if (inner_dir(seq) == DIR_TO)
			return PACKET_HOST;
	}
	if (f[0] & 1)
		return memcmp(f, "\xff\xff\xff\xff\xff\xff", 6) ? PACKET_MULTICAST
								: PACKET_BROADCAST;
	return PACKET_OTHERHOST;
}

/* Whether check expects frame seq on the capture (VTAP_VMTOOL_SELECT). */
static int selected(uint32_t seq, const uint8_t *f)
{
	const char *sel = getenv("VTAP_VMTOOL_SELECT");

	if (!sel)
		return 1;
	return (want_type(seq, f) == PACKET_OUTGOING) == !strcmp(sel, "out");
}

static int cmd_dirs(uint32_t count, uint32_t first)
{
	unsigned long n[3] = { 0 }, out = 0;
	uint8_t f[MAX_INNER];
	uint32_t i;

	for (i = first; i < first + count; i++) {
		vtap_inner(i, f);
		n[inner_dir(i)]++;
		out += want_type(i, f) == PACKET_OUTGOING;
	}
	printf("out %lu in %lu from %lu to %lu other %lu\n", out, count - out,
	       n[DIR_FROM], n[DIR_TO], n[DIR_OTHER]);
	return 0;
}

static int cmd_check(const char *path, uint32_t count, uint32_t first, int ip)
{
	static const uint8_t synth[12] = { 0x02, 0x76, 0x74, 0x61, 0x70, 0x00,
					   0x02, 0x76, 0x74, 0x61, 0x70, 0x01 };
	uint8_t hdr[24], rec[16], frame[65536], want[MAX_INNER];
	unsigned long frames = 0, ok = 0, dup = 0, bad = 0, extra = 0, missing = 0, nsel = 0;
	uint8_t *seen;
	int swapped, sll2;
	uint32_t i;
	FILE *f;

	f = fopen(path, "rb");
	if (!f || fread(hdr, 1, sizeof(hdr), f) != sizeof(hdr)) {
		fprintf(stderr, "vtap_vmtool: %s: not a pcap file\n", path);
		return 1;
	}
	if (!memcmp(hdr, "\xd4\xc3\xb2\xa1", 4) || !memcmp(hdr, "\x4d\x3c\xb2\xa1", 4))
		swapped = 0;	/* little endian, as written on x86 */
	else if (!memcmp(hdr, "\xa1\xb2\xc3\xd4", 4) || !memcmp(hdr, "\xa1\xb2\x3c\x4d", 4))
		swapped = 1;
	else {
		fprintf(stderr, "vtap_vmtool: %s: bad pcap magic\n", path);
		return 1;
	}
#define RD32(p) (swapped ? (uint32_t)((p)[0] << 24 | (p)[1] << 16 | (p)[2] << 8 | (p)[3]) \
			 : (uint32_t)((p)[3] << 24 | (p)[2] << 16 | (p)[1] << 8 | (p)[0]))
	sll2 = RD32(hdr + 20) == LINKTYPE_LINUX_SLL2;
	if (RD32(hdr + 20) != LINKTYPE_ETHERNET && !sll2) {
		fprintf(stderr, "vtap_vmtool: %s: link type %u, not Ethernet or LINUX_SLL2\n",
			path, RD32(hdr + 20));
		return 1;
	}
	seen = calloc(count ? count : 1, 1);
	if (!seen)
		return 1;
	while (fread(rec, 1, sizeof(rec), f) == sizeof(rec)) {
		uint32_t caplen = RD32(rec + 8), origlen = RD32(rec + 12), seq;
		size_t wlen;

		if (caplen > sizeof(frame) || fread(frame, 1, caplen, f) != caplen) {
			fprintf(stderr, "vtap_vmtool: %s: truncated\n", path);
			break;
		}
		frames++;
		if (caplen != origlen || caplen < 64) {
			extra++;
			fprintf(stderr, "unexpected frame #%lu: %u bytes\n", frames, caplen);
			continue;
		}
		seq = get32(frame + caplen - 4);
		if (seq - first >= count || get32(frame + caplen - 8) != MAGIC) {
			extra++;
			fprintf(stderr, "unexpected frame #%lu: %u bytes, ethertype %02x%02x\n",
				frames, caplen, frame[12], frame[13]);
			continue;
		}
		wlen = vtap_inner(seq, want);
		if (ip)		/* vtap's own header in front of the IP packet */
			memcpy(want, synth, sizeof(synth));
		if ((ip && !inner_is_ip(seq)) || !selected(seq, want)) {
			extra++;
			fprintf(stderr, "frame seq %u: packet type %d, not on this capture\n",
				seq, want_type(seq, want));
			continue;
		}
		/* LINUX_SLL2 holds the EtherType and the frame from its
		 * network header on. */
		if (sll2 ? wlen - 14 != caplen - SLL2_HLEN || memcmp(want + 12, frame, 2) ||
			   memcmp(want + 14, frame + SLL2_HLEN, wlen - 14)
			 : wlen != caplen || memcmp(want, frame, wlen)) {
			bad++;
			fprintf(stderr, "frame seq %u differs from what was sent\n", seq);
			continue;
		}
		if (sll2 && frame[SLL2_PKTTYPE] != want_type(seq, want)) {
			bad++;
			fprintf(stderr, "frame seq %u: packet type %u, want %d\n", seq,
				frame[SLL2_PKTTYPE], want_type(seq, want));
			continue;
		}
		if (seen[seq - first]++) {
			dup++;
			continue;
		}
		ok++;
	}
	fclose(f);
	for (i = 0; i < count; i++) {
		vtap_inner(first + i, want);
		if ((ip && !inner_is_ip(first + i)) || !selected(first + i, want))
			continue;
		nsel++;
		if (!seen[i] && missing++ < 8)
			fprintf(stderr, "frame seq %u missing\n", first + i);
	}
	free(seen);
	printf("frames %lu ok %lu dup %lu mismatch %lu extra %lu missing %lu\n",
	       frames, ok, dup, bad, extra, missing);
	return (ok == nsel && !dup && !bad && !extra && !missing) ? 0 : 1;
}

static int cmd_sendinner(const char *ifname, uint32_t count, uint32_t first)
{
	uint8_t f[MAX_INNER];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	unsigned int type = 0;
	char path[128];
	uint32_t i;
	int fd, ip;
	FILE *t;

	snprintf(path, sizeof(path), "/sys/class/net/%s/type", ifname);
	t = fopen(path, "r");
	if (!t || fscanf(t, "%u", &type) != 1) {
		fprintf(stderr, "vtap_vmtool: %s: no such interface\n", ifname);
		return 1;
	}
	fclose(t);
	ip = type != 1;		/* not ARPHRD_ETHER: no link-layer header */
	fd = socket(AF_PACKET, ip ? SOCK_DGRAM : SOCK_RAW, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	sll.sll_ifindex = if_nametoindex(ifname);
	for (i = 0; i < count; i++) {
		size_t len = vtap_inner(first + i, f), off = ip ? 14 : 0;

		if (ip && !inner_is_ip(first + i))
			continue;
		sll.sll_protocol = htons(f[12] << 8 | f[13]);
		if (send_one(fd, &sll, f + off, len - off)) {
			perror("vtap_vmtool: sendto");
			close(fd);
			return 1;
		}
		if (i % 16 == 15)
			usleep(2000);
	}
	close(fd);
	printf("sent %u\n", count);
	return 0;
}

/*
 * COUNT VXLAN packets around IPv4 UDP inner frames of exactly LEN bytes
 * (jumbo ones too), each followed by TRAILER bytes that no header accounts
 * for; the inner frame ends in its index.
 */
static int send_udp4(const char *ifname, const char *dstmac, size_t len,
		     uint32_t count, size_t trailer)
{
	static uint8_t buf[OUTER_HLEN + 65536 + 65536];
	uint8_t dst[6], src[6], *f = buf + OUTER_HLEN;
	struct sockaddr_ll sll;
	uint32_t i;
	int fd;

	if (parse_mac(dstmac, dst) || len < 64 || len > 65000 || trailer > 65536) {
		fprintf(stderr, "vtap_vmtool: bad MAC, length or trailer\n");
		return 2;
	}
	fd = open_tx(ifname, &sll, src);
	if (fd < 0)
		return 1;
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	put16(buf + 12, 0x0800);
	ipv4(buf + 14, 20 + 8 + 8 + len, 17, 0x0a000001, 0x0a000002);
	put16(buf + 34, 49152);
	put16(buf + 36, 4789);
	put16(buf + 38, 8 + 8 + len);
	put16(buf + 40, 0);
	put32(buf + 42, 0x08000000);
	put32(buf + 46, 42 << 8);
	memcpy(f, inner_dst, 6);
	memcpy(f + 6, inner_src, 6);
	put16(f + 12, 0x0800);
	memset(f + 14, 0x5a, len - 14);
	ipv4(f + 14, len - 14, 17, 0xc0a84d01, 0xc0a84d02);
	put16(f + 34, 1000);
	put16(f + 36, 2000);
	put16(f + 38, len - 34);
	put16(f + 40, 0);
	memset(f + len, 0xa5, trailer);
	for (i = 0; i < count; i++) {
		put32(f + len - 4, i);
		if (send_one(fd, &sll, buf, OUTER_HLEN + len + trailer)) {
			perror("vtap_vmtool: sendto");
			close(fd);
			return 1;
		}
	}
	close(fd);
	printf("sent %u%s\n", count, trailer ? " with a trailer" : "");
	return 0;
}

static uint32_t parse_ip(const char *s)
{
	struct in_addr a;

	return inet_pton(AF_INET, s, &a) == 1 ? ntohl(a.s_addr) : 0;
}

/* The VXLAN packets of cmd_send, each in two outer IPv4 fragments. */
static int cmd_sendfrag(const char *ifname, const char *dstmac, const char *srcip,
			const char *dstip, uint32_t count, uint32_t first)
{
	uint8_t pkt[OUTER_HLEN + MAX_INNER], frag[OUTER_HLEN + MAX_INNER], dst[6], src[6];
	uint32_t saddr = parse_ip(srcip), daddr = parse_ip(dstip), i;
	struct sockaddr_ll sll;
	int fd;

	if (parse_mac(dstmac, dst) || !saddr || !daddr) {
		fprintf(stderr, "vtap_vmtool: bad MAC or address\n");
		return 2;
	}
	fd = open_tx(ifname, &sll, src);
	if (fd < 0)
		return 1;
	for (i = 0; i < count; i++) {
		size_t len = vtap_outer(first + i, dst, src, pkt);
		size_t payload = len - 34;		/* UDP header and on */
		size_t cut = (payload / 2) & ~(size_t)7, off, n;
		int k;

		for (k = 0; k < 2; k++) {
			off = k ? cut : 0;
			n = k ? payload - cut : cut;
			memcpy(frag, pkt, 14);
			memcpy(frag + 34, pkt + 34 + off, n);
			ipv4(frag + 14, 20 + n, 17, saddr, daddr);
			put16(frag + 18, 0x4000 + ((first + i) & 0x3fff));	/* id */
			put16(frag + 20, (k ? 0 : 0x2000) | off / 8);		/* MF, offset */
			put16(frag + 24, 0);
			put16(frag + 24, csum(frag + 14, 20));
			if (send_one(fd, &sll, frag, 34 + n)) {
				perror("vtap_vmtool: sendto");
				close(fd);
				return 1;
			}
		}
		if (i % 32 == 31)
			usleep(2000);
	}
	close(fd);
	printf("sent %u in fragments\n", count);
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: vtap_vmtool send IFACE DSTMAC COUNT [FIRST_SEQ]\n"
		"       vtap_vmtool flood IFACE DSTMAC SECONDS\n"
		"       vtap_vmtool sendjumbo IFACE DSTMAC LEN COUNT\n"
		"       vtap_vmtool sendfrag IFACE DSTMAC SRCIP DSTIP COUNT [FIRST_SEQ]\n"
		"       vtap_vmtool sendtrailer IFACE DSTMAC COUNT TRAILER\n"
		"       vtap_vmtool sendinner IFACE COUNT [FIRST_SEQ]\n"
		"       vtap_vmtool check PCAP COUNT [FIRST_SEQ [ip]]\n"
		"       vtap_vmtool dirs COUNT [FIRST_SEQ]\n"
		"       vtap_vmtool inner SEQ\n");
	return 2;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 5 && !strcmp(argv[1], "send"))
		return cmd_send(argv[2], argv[3], strtoul(argv[4], NULL, 0),
				argc > 5 ? strtoul(argv[5], NULL, 0) : 0);
	if (argc == 6 && !strcmp(argv[1], "sendjumbo"))
		return send_udp4(argv[2], argv[3], strtoul(argv[4], NULL, 0),
				 strtoul(argv[5], NULL, 0), 0);
	if (argc >= 7 && !strcmp(argv[1], "sendfrag"))
		return cmd_sendfrag(argv[2], argv[3], argv[4], argv[5],
				    strtoul(argv[6], NULL, 0),
				    argc > 7 ? strtoul(argv[7], NULL, 0) : 0);
	if (argc == 6 && !strcmp(argv[1], "sendtrailer"))	/* 132-byte packets */
		return send_udp4(argv[2], argv[3], 132 - OUTER_HLEN,
				 strtoul(argv[4], NULL, 0), strtoul(argv[5], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "flood"))
		return cmd_flood(argv[2], argv[3], strtod(argv[4], NULL));
	if (argc >= 4 && !strcmp(argv[1], "sendinner"))
		return cmd_sendinner(argv[2], strtoul(argv[3], NULL, 0),
				     argc > 4 ? strtoul(argv[4], NULL, 0) : 0);
	if (argc >= 4 && !strcmp(argv[1], "check"))
		return cmd_check(argv[2], strtoul(argv[3], NULL, 0),
				 argc > 4 ? strtoul(argv[4], NULL, 0) : 0,
				 argc > 5 && !strcmp(argv[5], "ip"));
	if (argc >= 3 && !strcmp(argv[1], "dirs"))
		return cmd_dirs(strtoul(argv[2], NULL, 0), argc > 3 ? strtoul(argv[3], NULL, 0) : 0);
	if (argc == 3 && !strcmp(argv[1], "inner")) {
		uint8_t f[MAX_INNER];
		size_t len = vtap_inner(strtoul(argv[2], NULL, 0), f), i;

		for (i = 0; i < len; i++)
			printf("%02x%s", f[i], (i % 16 == 15 || i == len - 1) ? "\n" : " ");
		return 0;
	}
	return usage();
}

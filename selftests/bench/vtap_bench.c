// SPDX-License-Identifier: GPL-2.0
/*
 * vtap-bench: the two measuring tools behind `make bench`.
 *
 *   vtap-bench gen --ifindex N --dst-mac MAC [--src-mac MAC] [--size BYTES]
 *                  [--seconds S] [--count N] [--batch N] [--vni N] [--geneve]
 *                  [--sources N] [--sport PORT]
 *     Live-frames traffic generator: BPF_PROG_TEST_RUN with
 *     BPF_F_TEST_XDP_LIVE_FRAMES runs bench_gen, which redirects every frame
 *     into the veth with ifindex N (in the caller's network namespace), so
 *     the frames arrive at its peer, the collector NIC. Sends VXLAN packets
 *     whose inner frame is BYTES long until SIGINT/SIGTERM, for at most S
 *     seconds (or exactly --count frames). Prints a JSON line at the start
 *     and one at the end; the rate is measured at the collector. --geneve:
 *     GENEVE as Google Cloud's mirroring sends it instead (UDP 6081, VNI 0,
 *     Google's options, the inner IP packet alone; BYTES is then the frame
 *     vtap delivers, behind the Ethernet header it writes). --sources N:
 *     the outer source address is the next of N (198.18.0.1 on), a new one
 *     every frame; --sport: the outer UDP source port (the flow hash RSS
 *     spreads queues by; default 49152). Where the kernel refuses live
 *     frames (EPERM), the frames go through an AF_PACKET socket on the veth
 *     instead (qdisc bypassed, sendmmsg batches): each is then an skb that
 *     the veth converts for XDP, a fixed cost on top of every scenario;
 *     the start line says which ("method").
 *
 *   vtap-bench prog --obj FILE [--prog NAME] [--size BYTES] [--repeat N] [--sources N]
 *     The program alone: ns per packet of a valid decap from a repeated
 *     BPF_PROG_TEST_RUN (no live frames), against an empty XDP program, and
 *     the verifier's instruction count. A repeated run keeps
 *     bpf_xdp_adjust_head, so each repeat first goes through bench_restore,
 *     which puts the outer headers back and tail-calls the program; the same
 *     path with the empty program is measured too and subtracted.
 *
 *   vtap-bench tcx --dev DEV --prog PINNED_PROG --pin PATH
 *     Attach a pinned tc program at tcx ingress of DEV (in the caller's
 *     namespace) and pin the link; for BENCH_TARGET_TC=tcx.
 *
 * Exit 0 ok, 1 failure, 2 usage. Errors: one line on stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench.skel.h"

#define VXLAN_PORT	4789
#define OUTER_LEN	(ETH_HLEN + 20 + 8 + 8)	/* eth + ipv4 + udp + vxlan */
#define GENEVE_OPTS	20	/* Google's network ID (12) and endpoint ID (8) */
#define MAX_FRAME	3000

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vtap-bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void parse_mac(const char *s, unsigned char *mac)
{
	if (sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2],
		   &mac[3], &mac[4], &mac[5]) != 6)
		die("bad MAC address: %s", s);
}

static __u16 csum16(const void *p, int len)
{
	const __u16 *w = p;
	__u32 sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	if (len)
		sum += *(const __u8 *)w;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static void put_ipv4(unsigned char *p, int tot_len, const char *src, const char *dst)
{
	struct iphdr *ip = (struct iphdr *)p;

	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(tot_len);
	ip->id = htons(1);
	ip->frag_off = htons(0x4000);	/* DF */
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	inet_pton(AF_INET, src, &ip->saddr);
	inet_pton(AF_INET, dst, &ip->daddr);
	ip->check = csum16(ip, sizeof(*ip));
}

/*
 * A VXLAN packet as a tap sends it: outer 198.18.0.1 -> 198.18.0.2 (RFC 2544
 * benchmark range), UDP 4789, VNI vni, and an inner IPv4/UDP frame of
 * inner_len bytes sent by the tapped NIC (inner source == outer source).
 */
static __u16 outer_sport = 49152;

static int build_packet(unsigned char *buf, int inner_len, const unsigned char *dmac,
			const unsigned char *smac, __u32 vni)
{
	static const unsigned char in_dmac[6] = { 0x02, 0, 0, 0, 0x0b, 0x02 };
	static const unsigned char in_smac[6] = { 0x02, 0, 0, 0, 0x0b, 0x01 };
	int len = OUTER_LEN + inner_len;
	unsigned char *p = buf, *in;
	struct udphdr *udp;

	if (inner_len < ETH_HLEN + 28 || len > MAX_FRAME)
		die("inner frame size %d out of range (%d..%d)", inner_len, ETH_HLEN + 28,
		    MAX_FRAME - OUTER_LEN);
	memset(buf, 0, len);
	memcpy(p, dmac, 6);
	memcpy(p + 6, smac, 6);
	p[12] = 0x08;
	p[13] = 0x00;
	put_ipv4(p + ETH_HLEN, len - ETH_HLEN, "198.18.0.1", "198.18.0.2");
	udp = (struct udphdr *)(p + ETH_HLEN + 20);
	udp->source = htons(outer_sport);
	udp->dest = htons(VXLAN_PORT);
	udp->len = htons(len - ETH_HLEN - 20);
	udp->check = 0;		/* as VXLAN senders do (RFC 7348) */
	p += ETH_HLEN + 28;
	p[0] = 0x08;		/* I flag */
	p[4] = vni >> 16;
	p[5] = vni >> 8;
	p[6] = vni;

	in = buf + OUTER_LEN;
	memcpy(in, in_dmac, 6);
	memcpy(in + 6, in_smac, 6);
	in[12] = 0x08;
	in[13] = 0x00;
	put_ipv4(in + ETH_HLEN, inner_len - ETH_HLEN, "198.18.0.1", "198.19.0.10");
	udp = (struct udphdr *)(in + ETH_HLEN + 20);
	udp->source = htons(40000);
	udp->dest = htons(5201);
	udp->len = htons(inner_len - ETH_HLEN - 20);
	return len;
}

/*
 * The same inner frame as GENEVE from Google Cloud's mirroring: UDP 6081,
 * VNI 0, Google's network ID option (direction bit: egress) and endpoint ID
 * option, and the inner IP packet without its Ethernet header.
 */
static int build_geneve(unsigned char *buf, int inner_len, const unsigned char *dmac,
			const unsigned char *smac)
{
	static const unsigned char opts[GENEVE_OPTS] = {
		0x01, 0x32, 0x01, 0x02, 0, 0, 0, 0x42, 0, 0, 0x10, 0x01,
		0x01, 0x32, 0x02, 0x01, 0, 0xab, 0xcd, 0xef,
	};
	unsigned char frame[MAX_FRAME], *g;
	int len;

	/* The VXLAN packet's inner frame, then rewrap its IP packet. */
	build_packet(frame, inner_len, dmac, smac, 0);
	len = OUTER_LEN + GENEVE_OPTS + inner_len - ETH_HLEN;
	if (len > MAX_FRAME)
		die("inner frame size %d too large for GENEVE", inner_len);
	memcpy(buf, frame, ETH_HLEN + 28);
	put_ipv4(buf + ETH_HLEN, len - ETH_HLEN, "198.18.0.1", "198.18.0.2");
	((struct udphdr *)(buf + ETH_HLEN + 20))->dest = htons(6081);
	((struct udphdr *)(buf + ETH_HLEN + 20))->len = htons(len - ETH_HLEN - 20);
	g = buf + ETH_HLEN + 28;
	memset(g, 0, 8);
	g[0] = GENEVE_OPTS / 4;
	g[2] = 0x08;		/* protocol type IPv4 */
	memcpy(g + 8, opts, sizeof(opts));
	memcpy(g + 8 + GENEVE_OPTS, frame + OUTER_LEN + ETH_HLEN, inner_len - ETH_HLEN);
	return len;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: vtap-bench gen --ifindex N --dst-mac MAC [--src-mac MAC] [--size BYTES]\n"
		"                      [--seconds S] [--count N] [--batch N] [--vni N] [--geneve]\n"
		"                      [--sources N] [--sport PORT]\n"
		"       vtap-bench prog --obj FILE [--prog NAME] [--size BYTES] [--repeat N]\n"
		"                       [--sources N]\n"
		"       vtap-bench tcx --dev DEV --prog PINNED_PROG --pin PATH\n");
	exit(2);
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

#define SRC_BASE	0xc6120001	/* 198.18.0.1, as bench.bpf.c's src_base */
#define SADDR_OFF	(ETH_HLEN + 12)

/* The generator without live frames: the same frames, the same sources in
 * turn, sent from user space in batches through a packet socket. */
static __u64 gen_packet(int ifindex, const unsigned char *pkt, int len, __u32 nr_sources,
			__u32 count, int batch)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = ifindex,
				   .sll_halen = ETH_ALEN };
	struct mmsghdr msgs[256];
	struct iovec iov[256];
	unsigned char *bufs;
	__u32 seq = 0;
	__u64 sent = 0;
	int fd, one = 1;

	fd = socket(AF_PACKET, SOCK_RAW, 0);	/* protocol 0: receives nothing */
	if (fd < 0 || setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		die("packet socket on ifindex %d: %s", ifindex, strerror(errno));
	bufs = malloc((size_t)batch * len);
	if (!bufs)
		die("out of memory");
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < batch; i++) {
		memcpy(bufs + (size_t)i * len, pkt, len);
		iov[i] = (struct iovec){ .iov_base = bufs + (size_t)i * len, .iov_len = len };
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (!stop && (!count || sent < count)) {
		int n = count && count - sent < (__u64)batch ? (int)(count - sent) : batch;

		for (int i = 0; i < n; i++) {
			__be32 saddr = htonl(SRC_BASE + seq);

			memcpy(bufs + (size_t)i * len + SADDR_OFF, &saddr, 4);
			if (++seq >= nr_sources)
				seq = 0;
		}
		n = sendmmsg(fd, msgs, n, 0);
		if (n < 0 && errno != EINTR && errno != ENOBUFS && errno != EAGAIN)
			die("sendmmsg: %s", strerror(errno));
		if (n > 0)
			sent += n;
	}
	free(bufs);
	close(fd);
	return sent;
}

static int cmd_gen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ifindex", required_argument, NULL, 'i' },
		{ "dst-mac", required_argument, NULL, 'd' },
		{ "src-mac", required_argument, NULL, 's' },
		{ "size", required_argument, NULL, 'z' },
		{ "seconds", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'c' },
		{ "batch", required_argument, NULL, 'b' },
		{ "vni", required_argument, NULL, 'v' },
		{ "geneve", no_argument, NULL, 'g' },
		{ "sources", required_argument, NULL, 'n' },
		{ "sport", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	__u32 nr_sources = 1;
	unsigned char dmac[6] = { 0 }, smac[6] = { 0x02, 0, 0, 0, 0x0a, 0x01 };
	int geneve = 0;
	unsigned char pkt[MAX_FRAME];
	int ifindex = 0, size = 64, batch = 64, have_dmac = 0, seconds = 60, len, fd, err, c;
	const char *method = "live_frames";
	__u32 vni = 42, count = 0, calls = 0;
	__u64 t0, t1;
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART */
	struct bench_bpf *skel;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i': ifindex = atoi(optarg); break;
		case 'd': parse_mac(optarg, dmac); have_dmac = 1; break;
		case 's': parse_mac(optarg, smac); break;
		case 'z': size = atoi(optarg); break;
		case 't': seconds = atoi(optarg); break;
		case 'c': count = strtoul(optarg, NULL, 0); break;
		case 'b': batch = atoi(optarg); break;
		case 'v': vni = strtoul(optarg, NULL, 0); break;
		case 'g': geneve = 1; break;
		case 'n': nr_sources = strtoul(optarg, NULL, 0); break;
		case 'p': outer_sport = strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (ifindex <= 0 || !have_dmac || seconds <= 0 || batch <= 0 || batch > 256 ||
	    !nr_sources)
		usage();
	len = geneve ? build_geneve(pkt, size, dmac, smac) : build_packet(pkt, size, dmac, smac, vni);

	skel = bench_bpf__open();
	if (!skel)
		die("open bench programs: %s", strerror(errno));
	skel->rodata->gen_ifindex = ifindex;
	skel->rodata->nr_sources = nr_sources;
	{
		int outer = geneve ? OUTER_LEN + GENEVE_OPTS : OUTER_LEN;

		skel->rodata->gen_fix_off = outer - sizeof(skel->rodata->gen_fix);
		memcpy((void *)skel->rodata->gen_fix, pkt + skel->rodata->gen_fix_off,
		       sizeof(skel->rodata->gen_fix));
	}
	err = bench_bpf__load(skel);
	if (err)
		die("load bench programs: %s", strerror(-err));
	fd = bpf_program__fd(skel->progs.bench_gen);

	/* Without --count, send until SIGINT/SIGTERM (the harness measures
	 * at the collector meanwhile), and at most --seconds. The kernel
	 * checks for signals between batches, so a signal ends the call with
	 * EINTR at once. Each call sets up a page pool and switches the XDP
	 * dispatcher (tens of ms), so calls are long. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	alarm(seconds);
	/* Live frames refused: the packet socket, said on the start line. */
	{
		LIBBPF_OPTS(bpf_test_run_opts, probe, .data_in = pkt, .data_size_in = len,
			    .repeat = 1, .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 1);

		if (bpf_prog_test_run_opts(fd, &probe) && errno == EPERM)
			method = "af_packet";
	}
	printf("{\"event\": \"start\", \"frame_len\": %d, \"method\": \"%s\"}\n", len, method);
	fflush(stdout);
	t0 = now_ns();
	if (!strcmp(method, "af_packet")) {
		gen_packet(ifindex, pkt, len, nr_sources, count, batch);
		calls = 1;
		stop = 1;
	}
	while (!stop) {
		LIBBPF_OPTS(bpf_test_run_opts, topts,
			    .data_in = pkt,
			    .data_size_in = len,
			    .repeat = count ? count : 1u << 30,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			    .batch_size = batch);

		err = bpf_prog_test_run_opts(fd, &topts);
		if (err && errno != EINTR)
			die("BPF_PROG_TEST_RUN (live frames): %s", strerror(errno));
		calls++;
		if (count)
			break;
	}
	t1 = now_ns();
	printf("{\"event\": \"end\", \"size\": %d, \"frame_len\": %d, \"wall_ns\": %llu, "
	       "\"calls\": %u, \"batch\": %d}\n",
	       size, len, (unsigned long long)(t1 - t0), calls, batch);
	bench_bpf__destroy(skel);
	return 0;
}

struct run_result {
	__u32 ns;
	__u32 retval;
};

static struct run_result run_repeat(int fd, const unsigned char *pkt, int len, int repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts,
		    .data_in = pkt,
		    .data_size_in = len,
		    .repeat = repeat);
	struct run_result r;

	if (bpf_prog_test_run_opts(fd, &topts))
		die("BPF_PROG_TEST_RUN: %s", strerror(errno));
	r.ns = topts.duration;
	r.retval = topts.retval;
	return r;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

#define PROG_RUNS 7

/* Median of PROG_RUNS repeated runs of fd (through bench_restore when jmp >= 0). */
static __u32 median_ns(int run_fd, int jmp_fd, int target_fd, const unsigned char *pkt,
		       int len, int repeat, __u32 want_retval)
{
	__u32 v[PROG_RUNS], key = 0;
	int i;

	if (jmp_fd >= 0 && bpf_map_update_elem(jmp_fd, &key, &target_fd, BPF_ANY))
		die("prog array update: %s", strerror(errno));
	for (i = 0; i < PROG_RUNS; i++) {
		struct run_result r = run_repeat(run_fd, pkt, len, repeat);

		if (r.retval != want_retval)
			die("program returned %u, expected %u", r.retval, want_retval);
		v[i] = r.ns;
	}
	qsort(v, PROG_RUNS, sizeof(v[0]), cmp_u32);
	return v[PROG_RUNS / 2];
}

static int cmd_prog(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "obj", required_argument, NULL, 'o' },
		{ "prog", required_argument, NULL, 'p' },
		{ "size", required_argument, NULL, 'z' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "sources", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	static const unsigned char dmac[6] = { 0x02, 0, 0, 0, 0x0a, 0x02 };
	__u32 nr_sources = 1;
	static const unsigned char smac[6] = { 0x02, 0, 0, 0, 0x0a, 0x01 };
	const char *obj_path = NULL, *prog_name = "vtap_xdp";
	unsigned char pkt[MAX_FRAME];
	int size = 64, repeat = 1000000, len, c, err, vtap_fd, target_map, ncpus;
	__u32 key = 0, lo = 1, ns_vtap, ns_empty_jmp, ns_empty, first;
	struct bpf_prog_info info = {};
	__u32 info_len = sizeof(info);
	struct bpf_object *obj;
	struct bpf_map *gmap;
	struct bpf_program *prog;
	struct bench_bpf *skel;
	__u64 *percpu, redirected = 0;
	int i;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': obj_path = optarg; break;
		case 'p': prog_name = optarg; break;
		case 'z': size = atoi(optarg); break;
		case 'r': repeat = atoi(optarg); break;
		case 'n': nr_sources = strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (!obj_path || repeat <= 0 || !nr_sources)
		usage();
	len = build_packet(pkt, size, dmac, smac, 42);

	obj = bpf_object__open_file(obj_path, NULL);
	if (!obj)
		die("open %s: %s", obj_path, strerror(errno));
	err = bpf_object__load(obj);
	if (err)
		die("load %s: %s", obj_path, strerror(-err));
	prog = bpf_object__find_program_by_name(obj, prog_name);
	if (!prog)
		die("%s: no program %s", obj_path, prog_name);
	vtap_fd = bpf_program__fd(prog);
	if (bpf_obj_get_info_by_fd(vtap_fd, &info, &info_len))
		die("prog info: %s", strerror(errno));
	/* bpf_redirect_map() only succeeds with a target in the devmap; any
	 * device will do, since nothing is transmitted without live frames. */
	target_map = bpf_object__find_map_fd_by_name(obj, "vtap_target");
	if (target_map < 0 || bpf_map_update_elem(target_map, &key, &lo, BPF_ANY))
		die("set vtap_target: %s", strerror(errno));

	skel = bench_bpf__open();
	if (!skel)
		die("open bench programs: %s", strerror(errno));
	skel->rodata->full_len = len;
	skel->rodata->outer_len = OUTER_LEN;
	skel->rodata->nr_sources = nr_sources;
	/* A tail call needs the caller and the callee to agree on frags;
	 * libbpf derives the flag from the section name at load. */
	if (!strncmp(bpf_program__section_name(prog), "xdp.frags", 9)) {
		bpf_program__set_flags(skel->progs.bench_restore, BPF_F_XDP_HAS_FRAGS);
		bpf_program__set_flags(skel->progs.bench_empty, BPF_F_XDP_HAS_FRAGS);
	}
	err = bench_bpf__load(skel);
	if (err)
		die("load bench programs: %s", strerror(-err));

	/* One plain run first: the decap must really happen on this packet. */
	first = run_repeat(vtap_fd, pkt, len, 1).retval;
	if (first != XDP_REDIRECT)
		die("%s returned %u on the fixture, not XDP_REDIRECT", prog_name, first);

	ns_vtap = median_ns(bpf_program__fd(skel->progs.bench_restore),
			    bpf_map__fd(skel->maps.bench_jmp), vtap_fd, pkt, len, repeat,
			    XDP_REDIRECT);
	ns_empty_jmp = median_ns(bpf_program__fd(skel->progs.bench_restore),
				 bpf_map__fd(skel->maps.bench_jmp),
				 bpf_program__fd(skel->progs.bench_empty), pkt, len, repeat,
				 XDP_PASS);
	ns_empty = median_ns(bpf_program__fd(skel->progs.bench_empty), -1, -1, pkt, len,
			     repeat, XDP_PASS);

	/* Every repeat must have taken the redirect path, not an error path:
	 * sum "redirected" (struct vtap_global: seen, redirected, ...). */
	ncpus = libbpf_num_possible_cpus();
	gmap = bpf_object__find_map_by_name(obj, "vtap_global");
	if (gmap && ncpus > 0) {
		size_t vsz = (bpf_map__value_size(gmap) + 7) & ~7ul;

		percpu = calloc(ncpus, vsz);
		if (!percpu)
			die("out of memory");
		if (bpf_map_lookup_elem(bpf_map__fd(gmap), &key, percpu))
			die("read vtap_global: %s", strerror(errno));
		for (i = 0; i < ncpus; i++)
			redirected += ((__u64 *)((char *)percpu + i * vsz))[1];
		free(percpu);
	}

	printf("{\"prog\": \"%s\", \"size\": %d, \"sources\": %u, \"repeat\": %d, \"runs\": %d, "
	       "\"ns_decap_via_restore\": %u, \"ns_empty_via_restore\": %u, "
	       "\"ns_empty\": %u, \"ns_decap\": %d, \"redirected\": %llu, "
	       "\"expected_redirected\": %llu, \"verified_insns\": %u, "
	       "\"xlated_bytes\": %u, \"jited_bytes\": %u}\n",
	       prog_name, size, nr_sources, repeat, PROG_RUNS, ns_vtap, ns_empty_jmp, ns_empty,
	       (int)ns_vtap - (int)ns_empty_jmp + (int)ns_empty,
	       (unsigned long long)redirected,
	       (unsigned long long)repeat * PROG_RUNS + 1,
	       info.verified_insns, info.xlated_prog_len, info.jited_prog_len);
	bench_bpf__destroy(skel);
	bpf_object__close(obj);
	return 0;
}

#ifndef BPF_TCX_INGRESS
#define BPF_TCX_INGRESS	46	/* Linux 6.6; these headers are older */
#endif

/* Attach a pinned tc program at tcx ingress (bpf_link, pinned at --pin):
 * the lighter hook than clsact + cls_bpf, to measure what it saves. */
static int cmd_tcx(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "prog", required_argument, NULL, 'p' },
		{ "pin", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dev = NULL, *prog = NULL, *pin = NULL;
	int c, prog_fd, link_fd, ifindex;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dev = optarg; break;
		case 'p': prog = optarg; break;
		case 'o': pin = optarg; break;
		default: usage();
		}
	}
	if (!dev || !prog || !pin)
		usage();
	ifindex = if_nametoindex(dev);
	if (!ifindex)
		die("%s: %s", dev, strerror(errno));
	prog_fd = bpf_obj_get(prog);
	if (prog_fd < 0)
		die("%s: %s", prog, strerror(errno));
	link_fd = bpf_link_create(prog_fd, ifindex, BPF_TCX_INGRESS, NULL);
	if (link_fd < 0)
		die("tcx attach to %s: %s", dev, strerror(errno));
	if (bpf_obj_pin(link_fd, pin))
		die("pin %s: %s", pin, strerror(errno));
	return 0;
}

int main(int argc, char **argv)
{
	libbpf_set_print(quiet_libbpf);
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "gen"))
		return cmd_gen(argc - 1, argv + 1);
	if (!strcmp(argv[1], "prog"))
		return cmd_prog(argc - 1, argv + 1);
	if (!strcmp(argv[1], "tcx"))
		return cmd_tcx(argc - 1, argv + 1);
	usage();
	return 2;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * prog_ns: nanoseconds per packet of a valid VXLAN decap by vtap_xdp, and the
 * verifier's processed-instruction count. A benchmark, not a test (make
 * check does not run it): `build/prog_ns [ifname] [repeat]`, as root.
 *
 * Method. A plain BPF_PROG_TEST_RUN with repeat reuses one xdp_buff, and
 * bpf_xdp_adjust_head persists across repeats: from the second repeat on the
 * program sees the already stripped inner frame and measures the not_ours
 * path. So the packet is run with BPF_F_TEST_XDP_LIVE_FRAMES instead: every
 * repeat starts from a frame reset to the original packet, and XDP_REDIRECT
 * is really performed through the devmap (to ifname, default lo; lo cannot
 * transmit XDP frames, so the frame is freed right after the redirect
 * lookup, the cost of the program itself is unchanged). The counters prove
 * what was measured: "redirected" must grow by exactly repeat.
 *
 * The live run includes the harness (frame reset, redirect, recycling), so
 * the same run is made with a baseline program that only does the redirect
 * (bpf_redirect_map into the same devmap); the difference is what vtap adds:
 * parsing, checks, counters and the header strip. The naive repeat is
 * printed too, with its counters, to show the trap.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "vtap_abi.h"
#include "vtap.skel.h"
#include "pkt.h"

#define ROUNDS	5

static struct pkt pk;
static int ncpus;

static __u64 counter(struct vtap_bpf *skel, enum vtap_counter c)
{
	struct vtap_global vals[ncpus];
	__u32 zero = 0;
	__u64 sum = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.vtap_global), &zero, vals))
		return 0;
	for (int i = 0; i < ncpus; i++)
		sum += ((__u64 *)&vals[i])[c];
	return sum;
}

/* ns per packet of one run, or -1. */
static double run(int prog_fd, __u32 repeat, __u32 flags)
{
	static __u8 out[PKT_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = pk.buf,
		.data_size_in = pk.len,
		.repeat = repeat,
		.flags = flags,
	);

	if (!(flags & BPF_F_TEST_XDP_LIVE_FRAMES)) {
		opts.data_out = out;
		opts.data_size_out = sizeof(out);
	}
	if (bpf_prog_test_run_opts(prog_fd, &opts)) {
		fprintf(stderr, "prog_ns: test run: %s\n", strerror(errno));
		return -1;
	}
	return opts.duration;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of ROUNDS live runs. */
static double live_median(int prog_fd, __u32 repeat)
{
	double ns[ROUNDS];

	for (int i = 0; i < ROUNDS; i++) {
		ns[i] = run(prog_fd, repeat, BPF_F_TEST_XDP_LIVE_FRAMES);
		if (ns[i] < 0)
			return -1;
	}
	qsort(ns, ROUNDS, sizeof(ns[0]), cmp_double);
	return ns[ROUNDS / 2];
}

/* r0 = bpf_redirect_map(&target, 0, XDP_DROP): the redirect alone. */
static int load_baseline(int map_fd)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = BPF_REG_1,
		  .src_reg = BPF_PSEUDO_MAP_FD, .imm = map_fd },
		{ 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_3, .imm = XDP_DROP },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_redirect_map },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	/* frags-aware like vtap_xdp: programs sharing a devmap must agree. */
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .prog_flags = BPF_F_XDP_HAS_FRAGS);

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "vtap_baseline", "GPL", insns,
			     sizeof(insns) / sizeof(insns[0]), &opts);
}

int main(int argc, char **argv)
{
	const char *ifname = argc > 1 ? argv[1] : "lo";
	__u32 repeat = argc > 2 ? strtoul(argv[2], NULL, 0) : 2000000;
	struct bpf_prog_info info = {};
	__u32 info_len = sizeof(info), zero = 0, ifindex;
	static char log[16384];
	struct vtap_bpf *skel;
	double ns_vtap, ns_base, ns_naive;
	__u64 redir0, redir1, seen0, seen1;
	int prog_fd, base_fd, err = 1;
	const char *stats;

	ncpus = libbpf_num_possible_cpus();
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		fprintf(stderr, "prog_ns: %s: %s\n", ifname, strerror(errno));
		return 1;
	}

	skel = vtap_bpf__open();
	if (!skel)
		return 1;
	/* Level 4 (BPF_LOG_STATS): only the statistics, not the trace. */
	bpf_program__set_log_buf(skel->progs.vtap_xdp, log, sizeof(log));
	bpf_program__set_log_level(skel->progs.vtap_xdp, 4);
	if (vtap_bpf__load(skel)) {
		fprintf(stderr, "prog_ns: load: %s\n%s", strerror(errno), log);
		goto out;
	}
	prog_fd = bpf_program__fd(skel->progs.vtap_xdp);
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.vtap_target), &zero, &ifindex, 0)) {
		fprintf(stderr, "prog_ns: devmap -> %s: %s\n", ifname, strerror(errno));
		goto out;
	}
	base_fd = load_baseline(bpf_map__fd(skel->maps.vtap_target));
	if (base_fd < 0) {
		fprintf(stderr, "prog_ns: baseline program: %s\n", strerror(errno));
		goto out;
	}

	stats = strstr(log, "processed ");
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &info_len) == 0)
		printf("verifier: verified_insns %u (bpftool prog show), xlated %u bytes, jited %u bytes\n",
		       info.verified_insns, info.xlated_prog_len, info.jited_prog_len);
	if (stats)
		printf("verifier log: %.*s\n", (int)strcspn(stats, "\n"), stats);

	/* 110 bytes on the wire: 50 outer + a 60-byte inner IPv4 frame. */
	{
		static __u8 inner[PKT_MAX];
		__u32 len = build_inner(inner, &(struct inner_spec){ IN_IP4, 0, nic4, peer4, 60 });

		build_vxlan(&pk, &(struct outer_spec){ .vni = 1 }, inner, len);
	}

	/* Warm up (page pool, caches), then measure. */
	run(prog_fd, repeat / 10, BPF_F_TEST_XDP_LIVE_FRAMES);
	redir0 = counter(skel, VTAP_REDIRECTED);
	seen0 = counter(skel, VTAP_SEEN);
	ns_vtap = live_median(prog_fd, repeat);
	redir1 = counter(skel, VTAP_REDIRECTED);
	seen1 = counter(skel, VTAP_SEEN);
	ns_base = live_median(base_fd, repeat);
	if (ns_vtap < 0 || ns_base < 0)
		goto out;
	if (redir1 - redir0 != (__u64)ROUNDS * repeat || seen1 - seen0 != redir1 - redir0) {
		fprintf(stderr, "prog_ns: measured the wrong path: %llu seen, %llu redirected\n",
			(unsigned long long)(seen1 - seen0), (unsigned long long)(redir1 - redir0));
		goto out;
	}

	printf("packet: %u bytes (IPv4 VXLAN, %u-byte inner), devmap -> %s, repeat %u x %d rounds (median)\n",
	       pk.len, pk.inner_len, ifname, repeat, ROUNDS);
	printf("live frames, vtap_xdp:          %6.1f ns/pkt (every packet redirected: %llu)\n",
	       ns_vtap, (unsigned long long)(redir1 - redir0));
	printf("live frames, redirect only:     %6.1f ns/pkt\n", ns_base);
	printf("decap cost (difference):        %6.1f ns/pkt\n", ns_vtap - ns_base);

	/* The trap, for comparison: only the first repeat decapsulates. */
	redir0 = counter(skel, VTAP_REDIRECTED);
	seen0 = counter(skel, VTAP_SEEN);
	ns_naive = run(prog_fd, repeat, 0);
	printf("naive repeat (no live frames):  %6.1f ns/pkt (%llu redirected of %llu seen: not the decap)\n",
	       ns_naive, (unsigned long long)(counter(skel, VTAP_REDIRECTED) - redir0),
	       (unsigned long long)(counter(skel, VTAP_SEEN) - seen0));
	err = 0;
out:
	vtap_bpf__destroy(skel);
	return err;
}

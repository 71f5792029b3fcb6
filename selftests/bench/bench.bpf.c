// SPDX-License-Identifier: GPL-2.0
/*
 * Programs of the benchmark (selftests/bench), none of them part of vtap:
 *  - bench_gen: the traffic generator. Run by BPF_PROG_TEST_RUN with
 *    BPF_F_TEST_XDP_LIVE_FRAMES in the generator's namespace, it redirects
 *    every frame into the generator's veth, whose peer is the collector NIC.
 *    Each frame's outer IPv4 source is the next of nr_sources addresses
 *    from src_base, in turn (per CPU): a different source every frame, the
 *    per-source counters' worst case. One source writes the fixture's own
 *    address; more leave the outer checksum stale (vtap does not check it).
 *    Live frames' pages are recycled with the bytes the last program left:
 *    vtap writes its metadata (and, for IP-only GENEVE, an Ethernet header)
 *    over the end of the outer headers it stripped, so bench_gen first puts
 *    the fixture's last GEN_FIX_LEN bytes of outer headers back.
 *  - bench_drop / bench_pass: the ceiling, and the minimum a veth NIC needs
 *    to hand frames to the stack (kernel vxlan and tcpdump scenarios).
 *  - bench_redirect: redirect-only (no parsing) into the same target as vtap.
 *  - bench_empty: the empty program the decap program is compared with.
 *  - bench_restore: puts the outer headers back in front of the packet that
 *    the previous repeat decapsulated, then tail-calls the program under test,
 *    so that a repeated BPF_PROG_TEST_RUN (which keeps bpf_xdp_adjust_head
 *    across repeats) measures the valid decap path every time.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

const volatile __u32 gen_ifindex;	/* generator: veth to send into */
const volatile __u32 full_len;		/* restore: length of the fixture */
const volatile __u32 outer_len;		/* restore: bytes the decap strips */
const volatile __u32 nr_sources = 1;	/* gen, restore: outer sources in turn */
const volatile __u32 src_base = 0xc6120001;	/* 198.18.0.1, the fixture's */

#define OUTER_SADDR_OFF	26		/* Ethernet + IPv4's saddr offset */
#define GEN_FIX_LEN	24		/* vtap's metadata + an Ethernet header, and more */

const volatile __u32 gen_fix_off;	/* gen: offset of the bytes below, 0: none */
const volatile __u64 gen_fix[GEN_FIX_LEN / 8];	/* gen: the fixture's bytes there */

/* The end of the fixture's outer headers, as it was before vtap's decap. */
static __always_inline void restore_outer(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 off = gen_fix_off;
	__u64 *p;

	if (!off || off > 256)
		return;
	p = data + off;
	if ((void *)(p + GEN_FIX_LEN / 8) > end)
		return;
	p[0] = gen_fix[0];
	p[1] = gen_fix[1];
	p[2] = gen_fix[2];
}

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_src_seq SEC(".maps");

/* The next source into the outer IPv4 header at data. The same work for
 * one source as for many, so that only the program under test differs. */
static __always_inline void next_source(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__be32 *saddr = data + OUTER_SADDR_OFF;
	__u32 zero = 0, *seq = bpf_map_lookup_elem(&bench_src_seq, &zero);

	if (!seq || (void *)(saddr + 1) > end)
		return;
	*saddr = bpf_htonl(src_base + *seq);
	if (++*seq >= nr_sources)
		*seq = 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_target SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_jmp SEC(".maps");

SEC("xdp")
int bench_gen(struct xdp_md *ctx)
{
	restore_outer(ctx);
	next_source(ctx);
	return bpf_redirect(gen_ifindex, 0);
}

SEC("xdp.frags")
int bench_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

SEC("xdp.frags")
int bench_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp.frags")
int bench_redirect(struct xdp_md *ctx)
{
	return bpf_redirect_map(&bench_target, 0, XDP_DROP);
}

SEC("xdp")
int bench_empty(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int bench_restore(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;

	if (len != full_len && bpf_xdp_adjust_head(ctx, -(int)outer_len))
		return XDP_ABORTED;
	next_source(ctx);
	bpf_tail_call(ctx, &bench_jmp, 0);
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";

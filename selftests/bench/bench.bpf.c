// SPDX-License-Identifier: GPL-2.0
/*
 * Programs of the benchmark (selftests/bench), none of them part of vtap:
 *  - bench_gen: the traffic generator. Run by BPF_PROG_TEST_RUN with
 *    BPF_F_TEST_XDP_LIVE_FRAMES in the generator's namespace, it redirects
 *    every frame into the generator's veth, whose peer is the collector NIC.
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

const volatile __u32 gen_ifindex;	/* generator: veth to send into */
const volatile __u32 full_len;		/* restore: length of the fixture */
const volatile __u32 outer_len;		/* restore: bytes the decap strips */

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
	bpf_tail_call(ctx, &bench_jmp, 0);
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";

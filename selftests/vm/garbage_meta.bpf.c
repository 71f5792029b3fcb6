// SPDX-License-Identifier: GPL-2.0
/*
 * Another program's metadata, for the vm suite: redirects every frame as it
 * came into the devmap's target (vtap0), with XDP metadata of vtap's size
 * saying "from the source" but without vtap's magic. vtap.ko must show
 * these frames as their Ethernet header says, never as outgoing.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "vtap_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} vtap_garbage_target SEC(".maps");

SEC("xdp")
int vtap_garbage_meta(struct xdp_md *ctx)
{
	struct vtap_xdp_meta *m;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)))
		return XDP_DROP;
	m = (void *)(long)ctx->data_meta;
	if ((void *)(m + 1) > (void *)(long)ctx->data)
		return XDP_DROP;
	m->dir = VTAP_DIR_FROM;
	m->magic = ~VTAP_META_MAGIC;
	return bpf_redirect_map(&vtap_garbage_target, 0, XDP_DROP);
}

char LICENSE[] SEC("license") = "GPL";

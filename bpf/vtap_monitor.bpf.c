// SPDX-License-Identifier: GPL-2.0
/*
 * Programs for the veth backend's receiving end (vtap0), which make a plain
 * veth behave as a monitor-only device:
 *  - an XDP program, because a veth drops XDP-redirected frames silently
 *    unless its peer runs XDP (or GRO, which would merge tapped frames);
 *    frags-aware, so that vtap0 can keep a jumbo MTU;
 *  - a tc ingress program that discards every frame after the packet taps
 *    (tcpdump, AF_PACKET) have seen it, so none reaches the IP stack.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("xdp.frags")
int vtap_monitor_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tc")
int vtap_monitor_tc(struct __sk_buff *skb)
{
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";

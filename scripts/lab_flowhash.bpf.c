// SPDX-License-Identifier: GPL-2.0
/*
 * The lab's TAP service with COLLECTORS=2 (scripts/lab.sh): before a tapped
 * frame is encapsulated, its hash is computed again from its own headers.
 * The vxlan device takes the outer UDP source port from the skb's hash; a
 * frame a socket sent carries that socket's random hash, so the two
 * directions of one connection would get unrelated ports and the load
 * balancer would split them over two collectors (selftests/lab/collectors.sh
 * sees it). The flow dissector's hash orders addresses and ports first:
 * both directions get the same port.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int vtap_lab_flowhash(struct __sk_buff *skb)
{
	bpf_set_hash_invalid(skb);
	bpf_get_hash_recalc(skb);
	return TC_ACT_UNSPEC;	/* on to the next filter: the redirect */
}

char _license[] SEC("license") = "GPL";

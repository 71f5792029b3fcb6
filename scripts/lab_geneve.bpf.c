// SPDX-License-Identifier: GPL-2.0
/*
 * The lab's TAP service with CLOUD=gcp (scripts/lab.sh, docs/lab.md): wraps
 * each mirrored copy as Google Cloud's out-of-band mirroring does. This
 * host's kernel has no geneve driver, so the encapsulation is built here:
 * the copy's Ethernet header gives way to outer IPv4 + UDP (to port 6081,
 * checksum 0) + GENEVE (VNI 0, protocol type of the IP payload) + Google's
 * options (class 0x0132: type 1 network ID with the direction bit, type 2
 * endpoint ID, type 3 profile ID), and the result leaves toward the
 * collector with the next hop's MAC addresses.
 *
 * Direction comes from where the copy came from: the fabric mirrors what
 * the VM sends and what it receives onto two links, one program each
 * ("tc/sent", "tc/received"). The outer source is the mirrored VM's own
 * address (the inner source of what it sent, the inner destination of what
 * it received), as the Azure lab's tunnel has it.
 *
 * Google mirrors IP packets only: anything else (ARP) is dropped here. The
 * lab has no IPv6 (off in every namespace), so IPv4 copies only. Google
 * does not fragment mirrored packets: a copy that does not fit the path's
 * MTU once wrapped is dropped (lab.sh gives the gcp underlay room).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define AF_INET			2
/* The collector, lab.sh's TARGET_IP: the only place this tunnel goes. */
#define LAB_COLLECTOR		0x0a020004	/* 10.2.0.4 */
#define GENEVE_PORT		6081
#define GOOGLE_CLASS		0x0132
/* Made-up identifiers in Google's layout (as Wireshark's GENEVE dissector
 * reads them): the network ID's 28 bits above 3 reserved bits and the
 * direction bit; the endpoint ID here is the VM's address; the profile ID a
 * 64-bit number. */
#define LAB_NETWORK_ID		0x0a01000	/* vnet1, 10.1.0.0 */
#define LAB_PROFILE_ID		0x13		/* issue 13's lab */
#define NETID_EGRESS		1		/* 1: sent by the mirrored VM */

struct google_opts {
	__be16 net_class;
	__u8 net_type;
	__u8 net_len;		/* the value's length in 4-byte words */
	__be32 net_id;
	__be16 ep_class;
	__u8 ep_type;
	__u8 ep_len;
	__be32 ep_id[2];
	__be16 prof_class;
	__u8 prof_type;
	__u8 prof_len;
	__be32 prof_id[2];
};

struct outer {
	struct iphdr ip;
	struct udphdr udp;
	__u8 ver_optlen;	/* version 0, options' length in 4-byte words */
	__u8 flags;
	__be16 proto;
	__be32 vni_rsvd;
	struct google_opts opts;
};
/* Every field falls on its natural alignment: no padding, wire layout. */
_Static_assert(sizeof(struct outer) == 20 + 8 + 8 + 32, "outer headers are 68 bytes");

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static __always_inline int wrap(struct __sk_buff *skb, int egress)
{
	struct bpf_fib_lookup fib = {};
	struct outer o = {};
	__be32 vm, addr[2];
	__be16 proto;
	__u32 inner_len, hash;
	int rc;

	if (bpf_skb_load_bytes(skb, offsetof(struct ethhdr, h_proto), &proto, sizeof(proto)) ||
	    proto != bpf_htons(ETH_P_IP))
		return TC_ACT_SHOT;
	if (bpf_skb_load_bytes(skb, ETH_HLEN + offsetof(struct iphdr, saddr), addr, sizeof(addr)))
		return TC_ACT_SHOT;
	vm = egress ? addr[0] : addr[1];
	inner_len = skb->len - ETH_HLEN;

	/* The outer source port from the inner flow, the same both ways
	 * (the flow dissector's hash orders the ends first). */
	bpf_set_hash_invalid(skb);
	hash = bpf_get_hash_recalc(skb);

	o.ip.version = 4;
	o.ip.ihl = 5;
	o.ip.tot_len = bpf_htons(sizeof(o) + inner_len);
	o.ip.frag_off = bpf_htons(0x4000);	/* DF: Google does not fragment */
	o.ip.ttl = 64;
	o.ip.protocol = IPPROTO_UDP;
	o.ip.saddr = vm;
	o.ip.daddr = bpf_htonl(LAB_COLLECTOR);
	o.ip.check = csum_fold(bpf_csum_diff(NULL, 0, (__be32 *)&o.ip, sizeof(o.ip), 0));
	o.udp.source = bpf_htons(49152 | (hash & 0x3fff));
	o.udp.dest = bpf_htons(GENEVE_PORT);
	o.udp.len = bpf_htons(sizeof(o) - sizeof(o.ip) + inner_len);
	o.ver_optlen = sizeof(o.opts) / 4;
	o.proto = proto;
	o.opts.net_class = bpf_htons(GOOGLE_CLASS);
	o.opts.net_type = 1;
	o.opts.net_len = sizeof(o.opts.net_id) / 4;
	o.opts.net_id = bpf_htonl(LAB_NETWORK_ID << 4 | (egress ? NETID_EGRESS : 0));
	o.opts.ep_class = bpf_htons(GOOGLE_CLASS);
	o.opts.ep_type = 2;
	o.opts.ep_len = sizeof(o.opts.ep_id) / 4;
	o.opts.ep_id[1] = vm;
	o.opts.prof_class = bpf_htons(GOOGLE_CLASS);
	o.opts.prof_type = 3;
	o.opts.prof_len = sizeof(o.opts.prof_id) / 4;
	o.opts.prof_id[1] = bpf_htonl(LAB_PROFILE_ID);

	/* Where it goes, and whether it fits there whole. */
	fib.family = AF_INET;
	fib.ipv4_src = vm;
	fib.ipv4_dst = o.ip.daddr;
	fib.tot_len = sizeof(o) + inner_len;
	fib.ifindex = skb->ingress_ifindex;
	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return TC_ACT_SHOT;

	/* Room behind the Ethernet header, which becomes the outer one. */
	if (bpf_skb_adjust_room(skb, sizeof(o), BPF_ADJ_ROOM_MAC, 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN, &o, sizeof(o), 0))
		return TC_ACT_SHOT;
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)	/* the kernel resolves it */
		return bpf_redirect_neigh(fib.ifindex, NULL, 0, 0);
	if (bpf_skb_store_bytes(skb, 0, fib.dmac, ETH_ALEN, 0) ||
	    bpf_skb_store_bytes(skb, ETH_ALEN, fib.smac, ETH_ALEN, 0))
		return TC_ACT_SHOT;
	return bpf_redirect(fib.ifindex, 0);
}

/* What the mirrored VM sent (the fabric port's ingress). */
SEC("tc/sent")
int vtap_lab_geneve_sent(struct __sk_buff *skb)
{
	return wrap(skb, 1);
}

/* What it received (the fabric port's egress). */
SEC("tc/received")
int vtap_lab_geneve_received(struct __sk_buff *skb)
{
	return wrap(skb, 0);
}

char _license[] SEC("license") = "GPL";

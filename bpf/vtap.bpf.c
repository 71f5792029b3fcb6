// SPDX-License-Identifier: GPL-2.0
/*
 * vtap XDP fast path: recognise VXLAN or GENEVE on the configured UDP ports,
 * check it, count it per outer source, strip everything before the inner
 * Ethernet header (an IP-only GENEVE payload gets one written in front) and
 * redirect the inner frame to the monitor device. Everything that
 * is not ours is passed untouched. Every packet is counted in "seen" and in
 * exactly one outcome (include/vtap_abi.h).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "vtap_abi.h"

#ifndef IP_MF
#define IP_MF		0x2000
#define IP_OFFSET	0x1fff
#endif

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vtap_global);
} vtap_global SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, VTAP_DEFAULT_MAX_SOURCES);	/* set by vtapctl at load */
	__type(key, struct vtap_source_key);
	__type(value, struct vtap_source_stats);
} vtap_sources SEC(".maps");

/* The last source's running counts, per CPU (include/vtap_abi.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vtap_source_cache);
} vtap_src_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, VTAP_MAX_ALLOW_SRC);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vtap_lpm_key);
	__type(value, __u8);		/* VTAP_AF_* of the CIDR */
} vtap_allow_src SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, VTAP_MAX_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} vtap_target SEC(".maps");

/* --route (include/vtap_abi.h): source routes, VNI routes, the slots. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, VTAP_MAX_ROUTES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vtap_lpm_key);
	__type(value, struct vtap_route);
} vtap_route_src SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VTAP_MAX_ROUTES);
	__type(key, __u32);
	__type(value, struct vtap_route);
} vtap_route_vni SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VTAP_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct vtap_slot);
} vtap_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VTAP_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct vtap_slot_stats);
} vtap_slot_stats SEC(".maps");

/* Settings are read-only after load, so the verifier prunes what is off. */
/* The object as it is (bpftool prog load) writes no direction metadata, so
 * that it loads where the kernel refuses bpf_xdp_adjust_meta; vtapctl sets
 * every setting, direction on unless --no-direction or such a kernel. */
const volatile struct vtap_config vtap_config SEC(".rodata.config") = {
	.settings = {
		.ports_net = { bpf_htons(VTAP_DEFAULT_PORT) },
		.nr_ports = 1,
		.no_direction = 1,
	},
};

struct vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

struct vxlan_hdr {
	__be32 flags;
	__be32 vni;
};

struct geneve_hdr {
	__u8 ver_optlen;
	__u8 flags;
	__be16 proto;
	__u8 vni[3];
	__u8 reserved;
};

/* What the checks found out about a packet that is ours. */
struct vtap_pkt {
	struct vtap_source_key key;
	__u32 dst[4];		/* outer destination, IPv4 as ::ffff:a.b.c.d */
	__u32 inner_off;	/* offset of the inner Ethernet header */
	__u32 inner_end;	/* end of the UDP datagram */
	__u32 dir;		/* which vtap_source_stats direction field */
	__u32 truncated;	/* inner IP length beyond the frame */
	__u32 pkt_len;		/* the whole frame, all buffers of a jumbo one */
	__u32 next_off;		/* passed to the stack: where the header after */
	__u32 next_hdr;		/* the IP header starts, and its protocol */
	__u32 reserved_seen;	/* VTAP_INFO_RESERVED_SET counted already */
	__u32 critical_seen;	/* VTAP_INFO_GENEVE_CRITICAL counted already */
	__u32 synth_proto;	/* IP-only GENEVE: the EtherType to write (network order) */
	__u32 opt_dir;		/* a Google option's direction (DIR_*), else DIR_OTHER */
	__u32 slot;		/* route_slot(): where it is delivered */
};

struct vtap_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 id;
};

enum { DIR_OTHER = VTAP_DIR_OTHER, DIR_FROM = VTAP_DIR_FROM, DIR_TO = VTAP_DIR_TO };

/* udp = l3 + N * 4 as an immediate add; the empty asm keeps the compiler
 * from folding the cases back into one variable add. */
#define VTAP_UDP_AT(n)						\
	case n:							\
		udp = l3 + (n) * 4;				\
		asm volatile("" : "+r"(udp));			\
		break;

static __always_inline void count(struct vtap_global *g, enum vtap_counter c)
{
	((__u64 *)g)[c]++;
}

/* An outcome known only at run time: one constant-offset increment per
 * case. g + variable offset, reached from paths with different constants,
 * is refused without CAP_PERFMON; the empty asm keeps the compiler from
 * folding the cases back into g[c]. */
static __always_inline void count_outcome(struct vtap_global *g, enum vtap_counter c)
{
	switch (c) {
#define VTAP_COUNT_CASE(e, name, kind)				\
	case VTAP_##e:						\
		g->name++;					\
		asm volatile("" ::: "memory");			\
		break;
	VTAP_COUNTERS(VTAP_COUNT_CASE)
#undef VTAP_COUNT_CASE
	default:
		break;
	}
}

/* 0: not ours, else 1 + enum vtap_encap. */
static __always_inline int port_is_ours(__be16 port)
{
	for (int i = 0; i < VTAP_MAX_PORTS; i++) {
		if (i >= vtap_config.settings.nr_ports)
			break;
		if (port == vtap_config.settings.ports_net[i])
			return 1 + ((vtap_config.settings.geneve_ports >> i) & 1);
	}
	return 0;
}

static __always_inline int vni_allowed(__u32 vni)
{
	__u32 n = vtap_config.settings.nr_vni_ranges;

	if (!n)
		return 1;
	for (int i = 0; i < VTAP_MAX_VNI_RANGES; i++) {
		if (i >= n)
			break;
		if (vni >= vtap_config.settings.vni_ranges[i].first &&
		    vni <= vtap_config.settings.vni_ranges[i].last)
			return 1;
	}
	return 0;
}

static __always_inline int addr_is_v4mapped(const __u8 *a)
{
	for (int i = 0; i < 10; i++)
		if (a[i])
			return 0;
	return a[10] == 0xff && a[11] == 0xff;
}

static __always_inline int src_allowed(const struct vtap_source_key *key)
{
	struct vtap_lpm_key lpm = { .prefixlen = 128 };
	__u8 *family;

	if (!vtap_config.settings.filter_src)
		return 1;
	/* IPv4 CIDRs are stored v4-mapped: an IPv6 packet from ::ffff:a.b.c.d
	 * must not pass as if it came from the IPv4 source a.b.c.d. */
	if (key->family == VTAP_AF_INET6 && addr_is_v4mapped(key->addr))
		return 0;
	__builtin_memcpy(lpm.addr, key->addr, sizeof(lpm.addr));
	/* The longest match decides, and only a CIDR of the packet's family. */
	family = bpf_map_lookup_elem(&vtap_allow_src, &lpm);
	return family && *family == key->family;
}

/* The slot a delivered frame goes to: its outer source's longest route
 * (of its family, as src_allowed), else its VNI's, else slot 0. */
static __always_inline __u32 route_slot(const struct vtap_source_key *key)
{
	struct vtap_lpm_key lpm = { .prefixlen = 128 };
	struct vtap_route *r;
	__u32 vni = key->vni;

	if (!vtap_config.settings.nr_routes)
		return 0;
	if (vtap_config.settings.nr_src_routes &&
	    !(key->family == VTAP_AF_INET6 && addr_is_v4mapped(key->addr))) {
		__builtin_memcpy(lpm.addr, key->addr, sizeof(lpm.addr));
		r = bpf_map_lookup_elem(&vtap_route_src, &lpm);
		if (r && r->family == key->family)
			return r->slot;
	}
	r = bpf_map_lookup_elem(&vtap_route_vni, &vni);
	return r ? r->slot : 0;
}

static __always_inline void count_slot(__u32 slot, __u64 bytes)
{
	struct vtap_slot_stats *st = bpf_map_lookup_elem(&vtap_slot_stats, &slot);

	if (st) {
		st->packets++;
		st->bytes += bytes;
	}
}

/* An IPv4 prefix (v4-mapped, as parse_cidr stores it) matches only IPv4
 * packets, an IPv6 one only IPv6 packets: ::/0 must not take IPv4. */
static __always_inline int prefix_match(const volatile struct vtap_lpm_key *p,
					const __u32 *addr, __u8 family)
{
	const volatile __u32 *want = (const volatile __u32 *)p->addr;
	__u32 plen = p->prefixlen;
	int v4 = plen >= 96 && !want[0] && !want[1] && want[2] == bpf_htonl(0xffff);

	if (family != (v4 ? VTAP_AF_INET : VTAP_AF_INET6))
		return 0;
	for (int w = 0; w < 4; w++) {
		__u32 bits = plen > 32 * w ? plen - 32 * w : 0;

		if (bits > 32)
			bits = 32;
		if (bits && ((addr[w] ^ want[w]) & bpf_htonl(~0u << (32 - bits))))
			return 0;
	}
	return 1;
}

/* --dst: the outer destination is one of ours (any without --dst). */
static __always_inline int dst_matches(const __u32 *dst, __u8 family)
{
	__u32 n = vtap_config.settings.nr_dst;

	if (!n)
		return 1;
	for (int i = 0; i < VTAP_MAX_DST; i++) {
		if (i >= n)
			break;
		if (prefix_match(&vtap_config.settings.dst[i], dst, family))
			return 1;
	}
	return 0;
}

static __always_inline int addr_eq(const __u8 *a, const __u8 *b, int len)
{
	for (int i = 0; i < len; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

/* Direction of the inner frame relative to the tapped NIC (the outer
 * source), and whether the mirror cut it short (AWS truncates mirrored
 * packets to the target's MTU): its IP length says more than is there.
 * frame_len is the whole inner frame, and only its bytes count; data_end
 * ends the buffer its headers are read from. Returns 1 when a header it
 * needs is in the frame but not in that buffer (nothing is learnt then). */
static __always_inline int inspect_inner(void *inner, void *data_end, __u32 frame_len,
					 struct vtap_pkt *pkt)
{
	const struct vtap_source_key *key = &pkt->key;
	struct ethhdr *eth = inner;
	void *l3 = eth + 1;
	__u32 l3_off = sizeof(*eth), l3_len;
	__be16 proto;

	pkt->dir = DIR_OTHER;
	pkt->truncated = 0;
	if (l3_off > frame_len)
		return 0;
	if (l3 > data_end)
		return 1;
	proto = eth->h_proto;
	for (int i = 0; i < VTAP_MAX_VLAN_TAGS; i++) {
		struct vlan_hdr *vh = l3;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if (l3_off + sizeof(*vh) > frame_len)
			return 0;
		if ((void *)(vh + 1) > data_end)
			return 1;
		proto = vh->encap_proto;
		l3 = vh + 1;
		l3_off += sizeof(*vh);
	}
	/* Offsets are kept as scalars: pointer - pointer needs CAP_PERFMON. */
	l3_len = frame_len - l3_off;

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = l3;

		if (sizeof(*iph) > l3_len)
			return 0;
		if ((void *)(iph + 1) > data_end)
			return 1;
		pkt->truncated = bpf_ntohs(iph->tot_len) > l3_len;
		if (key->family != VTAP_AF_INET)
			return 0;
		if (addr_eq((const __u8 *)&iph->saddr, &key->addr[12], 4))
			pkt->dir = DIR_FROM;
		else if (addr_eq((const __u8 *)&iph->daddr, &key->addr[12], 4))
			pkt->dir = DIR_TO;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = l3;

		if (sizeof(*ip6h) > l3_len)
			return 0;
		if ((void *)(ip6h + 1) > data_end)
			return 1;
		pkt->truncated = sizeof(*ip6h) + bpf_ntohs(ip6h->payload_len) > l3_len;
		if (key->family != VTAP_AF_INET6)
			return 0;
		if (addr_eq((const __u8 *)&ip6h->saddr, key->addr, 16))
			pkt->dir = DIR_FROM;
		else if (addr_eq((const __u8 *)&ip6h->daddr, key->addr, 16))
			pkt->dir = DIR_TO;
	}
	return 0;
}

static __always_inline int ipv6_is_ext_header(__u8 nexthdr)
{
	switch (nexthdr) {
	case 0:		/* hop-by-hop */
	case 43:	/* routing */
	case 44:	/* fragment */
	case 50:	/* ESP */
	case 51:	/* AH */
	case 60:	/* destination options */
	case 135:	/* mobility */
	case 139:	/* HIP */
	case 140:	/* shim6 */
		return 1;
	}
	return 0;
}

/*
 * A header at [off, off + len) is not in the first buffer. When the frame
 * holds it, only the buffer is short (a multi-buffer frame split before
 * the headers end): the stack, which reads headers whole, decides, and the
 * slow path delivers what is VXLAN. Otherwise the frame is cut: why.
 */
static __always_inline enum vtap_counter beyond_buffer(__u32 off, __u32 len, __u32 pkt_len,
							enum vtap_counter why)
{
	return off + len <= pkt_len ? VTAP_PASS_SPLIT : why;
}

/*
 * Direction from Google Cloud's network ID option (class 0x0132, type 1):
 * its value's lowest bit, 1 = egress from the mirrored VM. The options in
 * [off, end) are walked by their lengths; one that runs past the others'
 * end stops the walk, and the address rule decides. One step per option
 * in a bpf_loop callback: an open-coded loop makes the verifier walk the
 * rest of the program once per exit.
 */
struct opt_walk {
	struct xdp_md *ctx;
	__u32 off;
	__u32 end;
	__u32 dir;
};

static long geneve_opt_step(__u32 i, void *data)
{
	struct opt_walk *w = data;
	struct { __be16 class; __u8 type; __u8 len; } o;
	__u32 off = w->off, vlen;
	__u8 last;

	if (off + sizeof(o) > w->end || bpf_xdp_load_bytes(w->ctx, off, &o, sizeof(o)))
		return 1;
	vlen = (o.len & VTAP_GENEVE_OPT_LEN_MASK) * 4;
	if (off + sizeof(o) + vlen > w->end)
		return 1;
	if (o.class == bpf_htons(VTAP_GENEVE_CLASS_GOOGLE) && vlen &&
	    (o.type & VTAP_GENEVE_OPT_TYPE_MASK) == VTAP_GENEVE_GOOGLE_NETWORK_ID) {
		if (!bpf_xdp_load_bytes(w->ctx, off + sizeof(o) + vlen - 1, &last, 1))
			w->dir = last & 1 ? DIR_FROM : DIR_TO;
		return 1;
	}
	w->off = off + sizeof(o) + vlen;
	return 0;
}

static __always_inline __u32 geneve_opt_dir(struct xdp_md *ctx, __u32 off, __u32 end)
{
	struct opt_walk w = { .ctx = ctx, .off = off, .end = end, .dir = DIR_OTHER };

	/* At most 252 bytes of options, 4 at least each. */
	bpf_loop(VTAP_GENEVE_OPTLEN_MASK, geneve_opt_step, &w, 0);
	return w.dir;
}

/*
 * The GENEVE header's own checks, on the fast path and, for the first
 * fragment, in slow_steer: version, options within the datagram of ulen
 * bytes, no control packet, the C and reserved bits (each tallied once per
 * packet), a payload of a kind vtap delivers and long enough for its
 * header. On success, *optlen is the options' length in bytes.
 */
static __always_inline enum vtap_counter geneve_checks(struct vtap_global *g, struct vtap_pkt *pkt,
						       const struct geneve_hdr *gh, __u32 ulen,
						       __u32 *optlen)
{
	__u32 need;
	__be16 proto;

	if (gh->ver_optlen >> VTAP_GENEVE_VER_SHIFT)
		return VTAP_DROP_GENEVE_VERSION;
	*optlen = (gh->ver_optlen & VTAP_GENEVE_OPTLEN_MASK) * 4;
	if (sizeof(struct udphdr) + sizeof(*gh) + *optlen > ulen)
		return VTAP_DROP_GENEVE_OPTIONS;
	if (gh->flags & VTAP_GENEVE_FLAG_O)
		return VTAP_DROP_GENEVE_OAM;
	/* A monitor interprets no option: critical ones are tallied. */
	if (gh->flags & VTAP_GENEVE_FLAG_C) {
		if (!pkt->critical_seen)
			count(g, VTAP_INFO_GENEVE_CRITICAL);
		pkt->critical_seen = 1;
		if (vtap_config.settings.strict)
			return VTAP_DROP_GENEVE_CRITICAL;
	}
	if ((gh->flags & VTAP_GENEVE_FLAGS_RESERVED) || gh->reserved) {
		if (!pkt->reserved_seen)
			count(g, VTAP_INFO_RESERVED_SET);
		pkt->reserved_seen = 1;
		if (vtap_config.settings.strict)
			return VTAP_DROP_RESERVED;
	}
	proto = gh->proto;
	if (proto == bpf_htons(VTAP_GENEVE_PROTO_ETH)) {
		need = sizeof(struct ethhdr);
	} else if (proto == bpf_htons(ETH_P_IP)) {
		need = sizeof(struct iphdr);
		pkt->synth_proto = proto;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		need = sizeof(struct ipv6hdr);
		pkt->synth_proto = proto;
	} else {
		return VTAP_DROP_GENEVE_PROTO;
	}
	if (ulen - sizeof(struct udphdr) - sizeof(*gh) - *optlen < need)
		return VTAP_DROP_INNER_SHORT;
	return VTAP_REDIRECTED;
}

/*
 * GENEVE after the UDP header at gh_off, in a datagram of ulen bytes: its
 * checks, the payload's kind and the filters, as classify's for VXLAN.
 */
static __always_inline enum vtap_counter classify_geneve(struct xdp_md *ctx, struct vtap_global *g,
							 struct vtap_pkt *pkt, struct geneve_hdr *gh,
							 void *data_end, __u32 gh_off, __u32 ulen)
{
	__u32 optlen, payload_len, frame_len;
	enum vtap_counter out;

	if (ulen < sizeof(struct udphdr) + sizeof(*gh))
		return VTAP_DROP_GENEVE_SHORT;
	if ((void *)(gh + 1) > data_end)
		return VTAP_PASS_SPLIT;		/* in the UDP datagram, so in the frame */
	out = geneve_checks(g, pkt, gh, ulen, &optlen);
	if (out != VTAP_REDIRECTED)
		return out;
	payload_len = ulen - sizeof(struct udphdr) - sizeof(*gh) - optlen;

	pkt->key.encap = VTAP_ENCAP_GENEVE;
	pkt->key.vni = (__u32)gh->vni[0] << 16 | (__u32)gh->vni[1] << 8 | gh->vni[2];
	if (!vni_allowed(pkt->key.vni))
		return VTAP_DROP_VNI;
	if (!src_allowed(&pkt->key))
		return VTAP_DROP_SRC;
	frame_len = payload_len + (pkt->synth_proto ? ETH_HLEN : 0);
	if (vtap_config.settings.max_frame && frame_len > vtap_config.settings.max_frame)
		return VTAP_DROP_TOO_BIG;

	/* The written Ethernet header takes the options' last 14 bytes (or
	 * the outer headers'): they are read before. */
	pkt->inner_off = gh_off + sizeof(*gh) + optlen - (pkt->synth_proto ? ETH_HLEN : 0);
	if (optlen)
		pkt->opt_dir = geneve_opt_dir(ctx, gh_off + sizeof(*gh),
					      gh_off + sizeof(*gh) + optlen);
	return VTAP_REDIRECTED;
}

/*
 * Decide what a packet is. Returns VTAP_REDIRECTED for a valid VXLAN packet
 * that passes the filters (with *pkt filled in), else the pass or drop
 * outcome. Reads only; the caller changes the packet.
 */
static __always_inline enum vtap_counter classify(struct xdp_md *ctx, struct vtap_global *g,
						  struct vtap_pkt *pkt)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 pkt_len = pkt->pkt_len = bpf_xdp_get_buff_len(ctx);
	struct ethhdr *eth = data;
	struct udphdr *udp;
	struct vxlan_hdr *vx;
	__u32 ip_end, ip_payload, ulen, flags, vni_word, l3_off = sizeof(*eth), udp_off;
	__be16 proto;
	int encap;
	void *l3;

	if ((void *)(eth + 1) > data_end)
		return beyond_buffer(0, sizeof(*eth), pkt_len, VTAP_PASS_NOT_OURS);
	proto = eth->h_proto;
	l3 = eth + 1;
	for (int i = 0; i < VTAP_MAX_VLAN_TAGS; i++) {
		struct vlan_hdr *vh = l3;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vh + 1) > data_end)
			return beyond_buffer(l3_off, sizeof(*vh), pkt_len, VTAP_PASS_NOT_OURS);
		proto = vh->encap_proto;
		l3 = vh + 1;
		l3_off += sizeof(*vh);
	}

	/* Malformed IP headers are dropped and counted: the IP stack would
	 * discard them anyway (ip_rcv_core / ipv6_rcv), and we can't tell
	 * whose they are. */
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = l3;
		__u32 ihl, tot;

		if ((void *)(iph + 1) > data_end)
			return beyond_buffer(l3_off, sizeof(*iph), pkt_len, VTAP_DROP_IPV4_INVALID);
		ihl = iph->ihl * 4;
		tot = bpf_ntohs(iph->tot_len);
		if (iph->version != 4 || ihl < sizeof(*iph) || tot < ihl ||
		    l3_off + tot > pkt_len)
			return VTAP_DROP_IPV4_INVALID;
		if (iph->protocol != IPPROTO_UDP)
			return VTAP_PASS_NOT_OURS;
		pkt->key.family = VTAP_AF_INET;
		pkt->dst[2] = bpf_htonl(0xffff);
		pkt->dst[3] = iph->daddr;
		/* The kernel reassembles; never decapsulate a first fragment.
		 * Only the first one has the UDP header (slow_steer). */
		if (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET)) {
			if (!(iph->frag_off & bpf_htons(IP_OFFSET))) {
				pkt->next_off = l3_off + ihl;
				pkt->next_hdr = IPPROTO_UDP;
			}
			return VTAP_PASS_FRAGMENT;
		}
		/* Constant offsets only: without CAP_PERFMON the verifier's
		 * Spectre v1 hardening refuses packet pointer + variable. */
		switch (iph->ihl) {
		VTAP_UDP_AT(5) VTAP_UDP_AT(6) VTAP_UDP_AT(7) VTAP_UDP_AT(8)
		VTAP_UDP_AT(9) VTAP_UDP_AT(10) VTAP_UDP_AT(11) VTAP_UDP_AT(12)
		VTAP_UDP_AT(13) VTAP_UDP_AT(14) VTAP_UDP_AT(15)
		default:
			return VTAP_DROP_IPV4_INVALID;	/* ihl < 5: refused above */
		}
		udp_off = l3_off + ihl;
		ip_end = l3_off + tot;
		ip_payload = tot - ihl;
		pkt->key.addr[10] = 0xff;
		pkt->key.addr[11] = 0xff;
		__builtin_memcpy(&pkt->key.addr[12], &iph->saddr, 4);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = l3;
		__u32 plen;

		if ((void *)(ip6h + 1) > data_end)
			return beyond_buffer(l3_off, sizeof(*ip6h), pkt_len, VTAP_DROP_IPV6_INVALID);
		plen = bpf_ntohs(ip6h->payload_len);
		if (ip6h->version != 6 || l3_off + sizeof(*ip6h) + plen > pkt_len)
			return VTAP_DROP_IPV6_INVALID;
		pkt->key.family = VTAP_AF_INET6;
		__builtin_memcpy(pkt->dst, &ip6h->daddr, 16);
		if (ip6h->nexthdr != IPPROTO_UDP) {
			if (!ipv6_is_ext_header(ip6h->nexthdr))
				return VTAP_PASS_NOT_OURS;
			pkt->next_off = l3_off + sizeof(*ip6h);
			pkt->next_hdr = ip6h->nexthdr;
			return VTAP_PASS_IPV6_EXT;
		}
		udp = (void *)(ip6h + 1);
		udp_off = l3_off + sizeof(*ip6h);
		ip_end = l3_off + sizeof(*ip6h) + plen;
		ip_payload = plen;
		__builtin_memcpy(pkt->key.addr, &ip6h->saddr, 16);
	} else {
		return VTAP_PASS_NOT_OURS;
	}

	/* A UDP header that does not fit is discarded by the stack too. */
	if (ip_payload < sizeof(*udp))
		return VTAP_DROP_UDP_LEN;
	/* Passed from here on for a split header: the slow path takes it. */
	pkt->next_off = udp_off;
	pkt->next_hdr = IPPROTO_UDP;
	if ((void *)(udp + 1) > data_end)
		return VTAP_PASS_SPLIT;		/* in the IP payload, so in the frame */
	encap = port_is_ours(udp->dest);
	if (!encap || !dst_matches(pkt->dst, pkt->key.family))
		return VTAP_PASS_NOT_OURS;
	ulen = bpf_ntohs(udp->len);
	if (ulen < sizeof(*udp) || ulen > ip_payload)
		return VTAP_DROP_UDP_LEN;
	pkt->inner_end = ip_end - ip_payload + ulen;
	if (encap == 1 + VTAP_ENCAP_GENEVE)
		return classify_geneve(ctx, g, pkt, (void *)(udp + 1), data_end,
				       udp_off + sizeof(*udp), ulen);

	vx = (void *)(udp + 1);
	if (ulen < sizeof(*udp) + sizeof(*vx))
		return VTAP_DROP_HDR_SHORT;
	if ((void *)(vx + 1) > data_end)
		return VTAP_PASS_SPLIT;		/* in the UDP datagram, so in the frame */
	flags = bpf_ntohl(vx->flags);
	vni_word = bpf_ntohl(vx->vni);
	if (!(flags & VTAP_VXLAN_FLAG_I))
		return VTAP_DROP_I_FLAG;
	/* RFC 7348 section 5: receivers ignore reserved bits; tally them. */
	if ((flags & ~VTAP_VXLAN_FLAG_I) || (vni_word & VTAP_VXLAN_VNI_RESERVED)) {
		count(g, VTAP_INFO_RESERVED_SET);
		pkt->reserved_seen = 1;
		if (vtap_config.settings.strict)
			return VTAP_DROP_RESERVED;
	}
	if (ulen < sizeof(*udp) + sizeof(*vx) + sizeof(struct ethhdr))
		return VTAP_DROP_INNER_SHORT;

	pkt->key.vni = vni_word >> 8;
	if (!vni_allowed(pkt->key.vni))
		return VTAP_DROP_VNI;
	if (!src_allowed(&pkt->key))
		return VTAP_DROP_SRC;
	/* The target would drop it silently; count it instead. */
	if (vtap_config.settings.max_frame &&
	    ulen - sizeof(*udp) - sizeof(*vx) > vtap_config.settings.max_frame)
		return VTAP_DROP_TOO_BIG;

	pkt->inner_off = udp_off + sizeof(*udp) + sizeof(*vx);
	return VTAP_REDIRECTED;
}

/* One delivered frame's share of a source's counters. */
static __always_inline void stats_add_frame(struct vtap_source_stats *st,
					    const struct vtap_pkt *pkt, __u64 bytes, int slow,
					    __u64 now)
{
	st->packets++;
	st->bytes += bytes;
	/* Scalar adds, not a chosen field: map value + variable offset from
	 * several paths is refused without CAP_PERFMON. */
	st->from_source += pkt->dir == DIR_FROM;
	st->to_source += pkt->dir == DIR_TO;
	st->other += pkt->dir != DIR_FROM && pkt->dir != DIR_TO;
	st->truncated += pkt->truncated;
	st->slow_path += slow;
	st->last_seen_ns = now;
}

/* A new entry holding val in this CPU's slot (zero in the others); or,
 * when another CPU made it meanwhile, the entry found. NULL: stored. */
static __always_inline struct vtap_source_stats *source_insert(struct vtap_global *g,
							       const struct vtap_source_key *key,
							       const struct vtap_source_stats *val)
{
	/* LRU: a flood of new sources evicts old ones, never fails. */
	if (!bpf_map_update_elem(&vtap_sources, key, val, BPF_NOEXIST)) {
		count(g, VTAP_INFO_SOURCES_ADDED);
		return NULL;
	}
	return bpf_map_lookup_elem(&vtap_sources, key);
}

/* The cache's count into its key's slot: a store, since it is the whole
 * count. An entry the LRU evicted meanwhile is made again. */
static __always_inline void cache_write_back(struct vtap_global *g, struct vtap_source_cache *c)
{
	struct vtap_source_stats *st = bpf_map_lookup_elem(&vtap_sources, &c->key);

	if (!st)
		st = source_insert(g, &c->key, &c->st);
	if (st)
		*st = c->st;
}

/*
 * Per-source counters (include/vtap_abi.h, struct vtap_source_cache): the
 * CPU's cached source costs an array update; the first frame of another
 * source is counted in vtap_sources, and its second in a row moves the
 * cache to it. The XDP program and the slow path (both in softirq, which
 * does not nest on a CPU) are the only writers of a CPU's cache and slots.
 */
static __always_inline void count_delivered(struct vtap_global *g, struct vtap_pkt *pkt,
					    __u64 bytes, int slow)
{
	struct vtap_source_stats *st, one = {};
	struct vtap_source_cache *c;
	__u32 zero = 0;
	__u64 tick;

	if (pkt->truncated)
		count(g, VTAP_INFO_TRUNCATED);
	c = bpf_map_lookup_elem(&vtap_src_cache, &zero);
	if (!c)		/* cannot happen: a one-entry per-CPU array */
		return;
	/* "Last seen" needs a tick's resolution: the coarse clock is read
	 * once a tick (bpf_jiffies64 is inlined, the clock is a call), and
	 * the cached count written back then. */
	tick = bpf_jiffies64();
	if (tick != c->tick) {
		c->tick = tick;
		c->now_ns = bpf_ktime_get_coarse_ns();
		if (c->key.family)
			cache_write_back(g, c);
	}
	if (vtap_source_key_eq(&c->key, &pkt->key)) {
		stats_add_frame(&c->st, pkt, bytes, slow, c->now_ns);
		return;
	}

	st = bpf_map_lookup_elem(&vtap_sources, &pkt->key);
	if (!vtap_source_key_eq(&c->miss_key, &pkt->key)) {
		/* Maybe a lone frame: counted in the table, as it comes. */
		c->miss_key = pkt->key;
		if (!st) {
			stats_add_frame(&one, pkt, bytes, slow, c->now_ns);
			st = source_insert(g, &pkt->key, &one);
			if (!st)
				return;
		}
		stats_add_frame(st, pkt, bytes, slow, c->now_ns);
		return;
	}

	/* A run: the cache takes this source, from its slot's count. */
	if (c->key.family)
		cache_write_back(g, c);
	c->tail = c->head + 1;		/* a reader's copy is torn from here... */
	asm volatile("" ::: "memory");
	c->key = pkt->key;
	if (st)
		c->st = *st;
	else
		c->st = one;	/* evicted since its first frame: made at write-back */
	stats_add_frame(&c->st, pkt, bytes, slow, c->now_ns);
	asm volatile("" ::: "memory");
	c->head = c->tail;		/* ...to here */
}

/*
 * Whether all len bytes of the frame are in its first buffer. No helper
 * tells that buffer's length, and packet pointer arithmetic with a variable
 * needs CAP_PERFMON; but bpf_xdp_adjust_head refuses to move data beyond
 * data_end - ETH_HLEN, so moving it to the frame's last ETH_HLEN bytes
 * succeeds exactly when they are in the first buffer. Moving back, to where
 * data was, can't fail.
 */
static __always_inline int frame_is_linear(struct xdp_md *ctx, __u32 len)
{
	int off = (int)len - ETH_HLEN;

	if (bpf_xdp_adjust_head(ctx, off))
		return 0;
	bpf_xdp_adjust_head(ctx, -off);
	return 1;
}

/*
 * Tell vtap.ko the frame's direction: struct vtap_xdp_meta as the frame's
 * metadata. A driver without room for metadata refuses; the frame then goes
 * without, and the module shows it as its Ethernet header says.
 */
static __always_inline void mark_direction(struct xdp_md *ctx, __u32 dir)
{
	struct vtap_xdp_meta *m;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)))
		return;
	m = (void *)(long)ctx->data_meta;
	if ((void *)(m + 1) > (void *)(long)ctx->data)
		return;
	m->dir = dir;
	m->magic = VTAP_META_MAGIC;
}

/*
 * Strip the outer headers and anything after the UDP datagram, learn the
 * inner frame's direction, and redirect it. Returns the outcome; a frame
 * passed is left as it came.
 */
static __always_inline enum vtap_counter decap(struct xdp_md *ctx, struct vtap_pkt *pkt)
{
	__u32 inner_len = pkt->inner_end - pkt->inner_off;
	__u32 tail = pkt->pkt_len - pkt->inner_end;
	void *data, *data_end;
	struct ethhdr *eth, saved;

	/* Trim only in the first buffer (Ethernet padding, a kept FCS): a
	 * trim into the frags may free whole frags, and generic XDP on 6.12
	 * frees page_pool pages as page frags there. */
	if (tail && !frame_is_linear(ctx, pkt->pkt_len))
		return VTAP_DROP_TRAILER_FRAGS;
	/* classify saw the inner Ethernet header inside the datagram: this
	 * fails only when it is not in the first buffer. */
	if (bpf_xdp_adjust_head(ctx, pkt->inner_off))
		return VTAP_PASS_SPLIT;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	/* adjust_head keeps ETH_HLEN bytes in the buffer: cannot fail. */
	if ((void *)(eth + 1) > data_end) {
		bpf_xdp_adjust_head(ctx, -(int)pkt->inner_off);
		return VTAP_PASS_SPLIT;
	}
	/* Bounded by inner_len: bytes past the datagram must not decide the
	 * direction. */
	if (pkt->synth_proto) {
		/* On the stack, not in .rodata: stores of immediates. */
		struct ethhdr synth = {
			.h_dest = VTAP_SYNTH_DST_MAC,
			.h_source = VTAP_SYNTH_SRC_MAC,
			.h_proto = pkt->synth_proto,
		};

		__builtin_memcpy(&saved, eth, sizeof(saved));
		__builtin_memcpy(eth, &synth, sizeof(synth));
		if (inspect_inner(data, data_end, inner_len, pkt)) {
			__builtin_memcpy(eth, &saved, sizeof(saved));	/* passed as it came */
			bpf_xdp_adjust_head(ctx, -(int)pkt->inner_off);
			return VTAP_PASS_SPLIT;
		}
	} else if (inspect_inner(data, data_end, inner_len, pkt)) {
		bpf_xdp_adjust_head(ctx, -(int)pkt->inner_off);
		return VTAP_PASS_SPLIT;
	}
	if (pkt->opt_dir)
		pkt->dir = pkt->opt_dir;
	if (tail && bpf_xdp_adjust_tail(ctx, -(int)tail))
		return VTAP_DROP_REDIRECT;
	pkt->slot = route_slot(&pkt->key);
	if (bpf_redirect_map(&vtap_target, pkt->slot, XDP_DROP) != XDP_REDIRECT)
		return VTAP_DROP_REDIRECT;
	/* Only with a target: the redirect itself happens after we return. */
	if (!vtap_config.settings.no_direction)
		mark_direction(ctx, pkt->dir);
	return VTAP_REDIRECTED;
}

/*
 * What XDP can't decapsulate (outer fragments, IPv6 extension headers,
 * headers beyond the first buffer) the kernel reassembles or reads whole,
 * and UDP delivers. Only this attachment's datagrams must reach its slow
 * path, and other users of the tapped port on other NICs must not lose
 * theirs: so the UDP destination port of ours (in the first fragment, the
 * only one with a UDP header) is rewritten to the port of this
 * attachment's own slow-path device (a vxlan one for VXLAN, a geneve one
 * for GENEVE), and a nonzero checksum adjusted so that the sum over the
 * packet stays the same (a driver's CHECKSUM_COMPLETE stays right).
 * The VXLAN or GENEVE header gets the fast path's checks, so that what the
 * kernel's driver would drop silently (or take, where vtap drops) is
 * counted here; VXLAN's reserved bits without --strict are cleared so that
 * it is delivered as on the fast path (the geneve driver ignores them).
 * GENEVE without a slow-path device (no geneve driver) is left as it came,
 * tallied, so that it never goes unseen.
 */
static __always_inline enum vtap_counter slow_steer(struct xdp_md *ctx, struct vtap_global *g,
						    struct vtap_pkt *pkt, enum vtap_counter out)
{
	__u16 slow_port = vtap_config.settings.slow_port_net;
	__u32 off = pkt->next_off, nh = pkt->next_hdr, flags, vni_word, ulen, csum, optlen;
	struct {
		struct udphdr udp;
		union {
			struct vxlan_hdr vx;
			struct geneve_hdr gh;
		};
	} h, orig;
	enum vtap_counter bad;
	int encap;

	if (!off)
		return out;
	for (int i = 0; i < VTAP_MAX_IPV6_EXT && nh != IPPROTO_UDP; i++) {
		struct vtap_frag_hdr fh;

		if (nh == 44) {		/* fragment: only the first has UDP */
			if (bpf_xdp_load_bytes(ctx, off, &fh, sizeof(fh)) ||
			    fh.frag_off & bpf_htons(0xfff8))
				return out;
			off += sizeof(fh);
		} else if (nh == 0 || nh == 43 || nh == 60) {
			if (bpf_xdp_load_bytes(ctx, off, &fh, 2))
				return out;
			off += (fh.reserved + 1) * 8;
		} else {
			return out;
		}
		nh = fh.nexthdr;
	}
	if (nh != IPPROTO_UDP || bpf_xdp_load_bytes(ctx, off, &h, sizeof(h)))
		return out;
	encap = port_is_ours(h.udp.dest);
	if (!encap || !dst_matches(pkt->dst, pkt->key.family))
		return out;
	ulen = bpf_ntohs(h.udp.len);
	orig = h;
	if (encap == 1 + VTAP_ENCAP_GENEVE) {
		/* No geneve driver: the stack gets it as it came, counted. */
		slow_port = vtap_config.settings.geneve_slow_port_net;
		if (!slow_port) {
			count(g, VTAP_INFO_GENEVE_UNSTEERED);
			return out;
		}
		if (ulen < sizeof(h))
			return VTAP_DROP_GENEVE_SHORT;
		bad = geneve_checks(g, pkt, &h.gh, ulen, &optlen);
		if (bad != VTAP_REDIRECTED)
			return bad;
	} else {
		if (!slow_port)
			return out;
		if (ulen < sizeof(h))
			return VTAP_DROP_HDR_SHORT;
		flags = bpf_ntohl(h.vx.flags);
		vni_word = bpf_ntohl(h.vx.vni);
		if (!(flags & VTAP_VXLAN_FLAG_I))
			return VTAP_DROP_I_FLAG;
		/* Counted once: a split frame passed classify's checks already. */
		if ((flags & ~VTAP_VXLAN_FLAG_I) || (vni_word & VTAP_VXLAN_VNI_RESERVED)) {
			if (!pkt->reserved_seen)
				count(g, VTAP_INFO_RESERVED_SET);
			if (vtap_config.settings.strict)
				return VTAP_DROP_RESERVED;
		}
		if (ulen < sizeof(h) + sizeof(struct ethhdr))
			return VTAP_DROP_INNER_SHORT;
		h.vx.flags = bpf_htonl(VTAP_VXLAN_FLAG_I);
		h.vx.vni = bpf_htonl(vni_word & ~VTAP_VXLAN_VNI_RESERVED);
	}

	h.udp.dest = slow_port;
	/* Zero: no checksum (IPv4), or IPv6's zero-checksum mode. */
	if (orig.udp.check) {
		csum = bpf_csum_diff((__be32 *)&orig, sizeof(orig), (__be32 *)&h, sizeof(h),
				     (__u16)~orig.udp.check);
		csum = (csum & 0xffff) + (csum >> 16);
		csum = (csum & 0xffff) + (csum >> 16);
		h.udp.check = (__u16)~csum ?: 0xffff;
	}
	if (bpf_xdp_store_bytes(ctx, off, &h, sizeof(h)))
		return out;
	count(g, VTAP_SLOW_STEERED);
	return out;
}

/* Frags-aware: with a jumbo MTU the NIC hands over multi-buffer frames;
 * the headers are normally in the first buffer, the rest may follow in
 * fragments. */
SEC("xdp.frags")
int vtap_xdp(struct xdp_md *ctx)
{
	struct vtap_pkt pkt = {};
	struct vtap_global *g;
	enum vtap_counter out;
	__u32 zero = 0;

	g = bpf_map_lookup_elem(&vtap_global, &zero);
	if (!g)		/* cannot happen: a one-entry per-CPU array */
		return XDP_PASS;
	count(g, VTAP_SEEN);

	out = classify(ctx, g, &pkt);
	if (out == VTAP_REDIRECTED)
		out = decap(ctx, &pkt);
	if (out == VTAP_PASS_FRAGMENT || out == VTAP_PASS_IPV6_EXT || out == VTAP_PASS_SPLIT)
		out = slow_steer(ctx, g, &pkt, out);
	if (out != VTAP_REDIRECTED) {
		count_outcome(g, out);
		return out >= VTAP_FIRST_DROP ? XDP_DROP : XDP_PASS;
	}
	count(g, VTAP_REDIRECTED);
	if (pkt.opt_dir)
		count(g, VTAP_INFO_GENEVE_DIRECTION);
	count_delivered(g, &pkt, pkt.inner_end - pkt.inner_off, 0);
	count_slot(pkt.slot, pkt.inner_end - pkt.inner_off);
	return XDP_REDIRECT;
}

/*
 * GENEVE on the slow path: Google's direction option among the options the
 * geneve device kept for the program, walked as geneve_opt_step walks them
 * in the packet, but in one pass over their 4-byte words at constant
 * offsets (a variable stack offset needs CAP_PERFMON): the option at word
 * next; the word with the direction option's last value byte at last.
 */
static __always_inline __u32 tunnel_opt_dir(struct __sk_buff *skb)
{
	__u32 w[VTAP_GENEVE_OPTLEN_MASK], next = 0, last = ~0u, dir = DIR_OTHER, h, vlen;
	int n = bpf_skb_get_tunnel_opt(skb, w, sizeof(w));

	if (n <= 0)
		return DIR_OTHER;
	n /= 4;
	/* No exit from the loop: it unrolls. */
#pragma unroll
	for (int k = 0; k < VTAP_GENEVE_OPTLEN_MASK; k++) {
		h = bpf_ntohl(w[k]);
		vlen = h & VTAP_GENEVE_OPT_LEN_MASK;
		if (k >= n) {
			continue;
		} else if (k == last) {
			dir = h & 1 ? DIR_FROM : DIR_TO;
		} else if (k != next) {
			continue;
		} else if (k + 1 + vlen > n) {
			next = ~0u;		/* runs past the others' end */
		} else if (h >> 16 == VTAP_GENEVE_CLASS_GOOGLE && vlen &&
			   (h >> 8 & VTAP_GENEVE_OPT_TYPE_MASK) == VTAP_GENEVE_GOOGLE_NETWORK_ID) {
			last = k + vlen;
			next = ~0u;
		} else {
			next = k + 1 + vlen;
		}
	}
	return dir;
}

/*
 * Whether the geneve device handed an Ethernet frame: it does for payload
 * type 0x6558, with the network header ETH_HLEN past the mac header; an
 * IP-only payload has both at its IP header. Told exactly by the last byte
 * of the linear data: readable from the mac header (found by bisection),
 * but not from a network header behind it.
 */
static __always_inline int skb_is_ethernet(struct __sk_buff *skb)
{
	__u32 lo = 0, hi = skb->len, mid;
	__u8 b;

	for (int i = 0; i < 17 && lo + 1 < hi; i++) {	/* skb->len < 2^17 */
		mid = lo + (hi - lo) / 2;
		if (bpf_skb_load_bytes_relative(skb, mid, &b, 1, BPF_HDR_START_MAC))
			hi = mid;
		else
			lo = mid;
	}
	return bpf_skb_load_bytes_relative(skb, lo, &b, 1, BPF_HDR_START_NET) != 0;
}

/*
 * Slow path: the datagrams slow_steer sent to this attachment's own port,
 * reassembled by the kernel and decapsulated by a device in collect-metadata
 * mode (vxlan, or geneve with innerprotoinherit), arrive here at that
 * device's tc ingress. The inner frame gets the same filters and counters
 * as on the fast path (an IP-only GENEVE payload the same Ethernet header)
 * and goes to the same target. The XDP program has already counted each
 * piece as passed, so these counters are informational.
 */
static __always_inline int slowpath(struct __sk_buff *skb, int encap)
{
	struct bpf_tunnel_key tk = {};
	struct vtap_pkt pkt = {};
	struct vtap_global *g;
	struct vtap_slot *slot;
	__u32 zero = 0, len = skb->len, ifindex;

	g = bpf_map_lookup_elem(&vtap_global, &zero);
	if (!g)
		return TC_ACT_SHOT;
	if (!bpf_skb_get_tunnel_key(skb, &tk, sizeof(tk), 0)) {
		__be32 v4 = bpf_htonl(tk.remote_ipv4);

		pkt.key.family = VTAP_AF_INET;
		pkt.key.addr[10] = 0xff;
		pkt.key.addr[11] = 0xff;
		__builtin_memcpy(&pkt.key.addr[12], &v4, 4);
		pkt.dst[2] = bpf_htonl(0xffff);
		pkt.dst[3] = bpf_htonl(tk.local_ipv4);
	} else if (!bpf_skb_get_tunnel_key(skb, &tk, sizeof(tk), BPF_F_TUNINFO_IPV6)) {
		pkt.key.family = VTAP_AF_INET6;
		__builtin_memcpy(pkt.key.addr, tk.remote_ipv6, 16);
		__builtin_memcpy(pkt.dst, tk.local_ipv6, 16);
	} else {
		count(g, VTAP_SLOW_DROP_REDIRECT);
		return TC_ACT_SHOT;
	}
	pkt.key.encap = encap;
	pkt.key.vni = tk.tunnel_id;
	if (!vni_allowed(pkt.key.vni)) {
		count(g, VTAP_SLOW_DROP_VNI);
		return TC_ACT_SHOT;
	}
	if (!src_allowed(&pkt.key)) {
		count(g, VTAP_SLOW_DROP_SRC);
		return TC_ACT_SHOT;
	}
	/* Only what slow_steer sent has a destination of ours; anyone can
	 * still send to the slow-path port directly. */
	if (!dst_matches(pkt.dst, pkt.key.family)) {
		count(g, VTAP_SLOW_DROP_DST);
		return TC_ACT_SHOT;
	}
	if (encap == VTAP_ENCAP_GENEVE && !skb_is_ethernet(skb)) {
		pkt.synth_proto = skb->protocol;
		len += ETH_HLEN;
	}
	if (vtap_config.settings.max_frame && len > vtap_config.settings.max_frame) {
		count(g, VTAP_SLOW_DROP_TOO_BIG);
		return TC_ACT_SHOT;
	}
	if (pkt.synth_proto) {
		/* The fast path's header, in front of the IP packet. */
		struct ethhdr synth = {
			.h_dest = VTAP_SYNTH_DST_MAC,
			.h_source = VTAP_SYNTH_SRC_MAC,
			.h_proto = pkt.synth_proto,
		};

		if (bpf_skb_change_head(skb, ETH_HLEN, 0) ||
		    bpf_skb_store_bytes(skb, 0, &synth, sizeof(synth), 0)) {
			count(g, VTAP_SLOW_DROP_REDIRECT);
			return TC_ACT_SHOT;
		}
	}
	if (encap == VTAP_ENCAP_GENEVE)
		pkt.opt_dir = tunnel_opt_dir(skb);
	/* Headers linear for inspect_inner; the payload may stay paged. */
	bpf_skb_pull_data(skb, len < 128 ? len : 128);
	inspect_inner((void *)(long)skb->data, (void *)(long)skb->data_end, len, &pkt);
	if (pkt.opt_dir)
		pkt.dir = pkt.opt_dir;
	/* bpf_redirect's outcome is known only after the program; a clone's
	 * is known here, so the counters say what happened. Into the target's
	 * receive path, where the taps see it once, as received: an egress
	 * redirect would show it to them as sent, then again as received. */
	pkt.slot = route_slot(&pkt.key);
	ifindex = vtap_config.settings.redirect_ifindex;
	if (pkt.slot) {
		slot = bpf_map_lookup_elem(&vtap_slots, &pkt.slot);
		ifindex = slot ? slot->ifindex : 0;
	}
	if (!ifindex || bpf_clone_redirect(skb, ifindex, BPF_F_INGRESS)) {
		count(g, VTAP_SLOW_DROP_REDIRECT);
		return TC_ACT_SHOT;
	}
	count(g, VTAP_SLOW_REDIRECTED);
	if (pkt.opt_dir)
		count(g, VTAP_INFO_GENEVE_DIRECTION);
	/* The decapsulation copied an outer CE into the inner header (RFC 6040). */
	if ((tk.tunnel_tos & 3) == 3)
		count(g, VTAP_SLOW_ECN_CE);
	count_delivered(g, &pkt, len, 1);
	count_slot(pkt.slot, len);
	return TC_ACT_STOLEN;
}

SEC("tc")
int vtap_slowpath(struct __sk_buff *skb)
{
	return slowpath(skb, VTAP_ENCAP_VXLAN);
}

SEC("tc")
int vtap_slowpath_geneve(struct __sk_buff *skb)
{
	return slowpath(skb, VTAP_ENCAP_GENEVE);
}

char LICENSE[] SEC("license") = "GPL";

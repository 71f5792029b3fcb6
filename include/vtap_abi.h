/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ABI shared by the XDP program (bpf/), vtapctl (user/) and the tests:
 * map names, pin layout, counter names, key/value layouts and limits.
 * Every fact about what lives in the maps is defined here and nowhere else.
 * Fixed-width types only: this file is compiled for BPF and for user space.
 */
#ifndef VTAP_ABI_H
#define VTAP_ABI_H

#include <linux/types.h>

/* ---- limits ------------------------------------------------------------ */
#define VTAP_DEFAULT_PORT		4789
#define VTAP_MAX_PORTS			4	/* UDP ports, VXLAN and GENEVE together */
#define VTAP_MAX_VNI_RANGES		16	/* entries of --vni N|N-M */
#define VTAP_VNI_MAX			0xffffffu	/* VNI is 24 bits */
#define VTAP_MAX_ALLOW_SRC		1024	/* CIDRs in the source allow-list */
#define VTAP_MAX_DST			16	/* --dst: outer destination CIDRs */
#define VTAP_MAX_IPV6_EXT		8	/* extension headers walked to reach UDP */
#define VTAP_DEFAULT_MAX_SOURCES	16384	/* per-source LRU map size */
#define VTAP_MAX_VLAN_TAGS		2	/* outer 802.1Q / 802.1ad tags */
#define VTAP_IFNAMSIZ			16	/* == IFNAMSIZ, usable without libc */
#define VTAP_MAX_ROUTES			64	/* --route, VNI and source routes together */
/* Redirect slots: 0 is --target, then one per other device routes name. */
#define VTAP_MAX_SLOTS			(VTAP_MAX_ROUTES + 1)

/* ---- wire format --------------------------------------------------------- */
#define VTAP_VXLAN_HLEN			8
#define VTAP_VXLAN_FLAG_I		0x08000000u	/* first 32-bit word, host order */
#define VTAP_VXLAN_VNI_RESERVED		0x000000ffu	/* second word's low byte */
/* GENEVE (RFC 8926): byte 0 version (2 bits) + option length in 4-byte
 * words (6 bits), byte 1 O, C and 6 reserved bits, protocol type, VNI,
 * a reserved byte; then the options, then the payload. */
#define VTAP_GENEVE_PORT		6081	/* the usual port (IANA) */
#define VTAP_GENEVE_HLEN		8
#define VTAP_GENEVE_VER_SHIFT		6
#define VTAP_GENEVE_OPTLEN_MASK		0x3f
#define VTAP_GENEVE_FLAG_O		0x80	/* control (OAM) packet */
#define VTAP_GENEVE_FLAG_C		0x40	/* critical options present */
#define VTAP_GENEVE_FLAGS_RESERVED	0x3f
#define VTAP_GENEVE_PROTO_ETH		0x6558	/* transparent Ethernet bridging */
#define VTAP_GENEVE_OPT_HLEN		4	/* class, type, 3 reserved + 5-bit length */
#define VTAP_GENEVE_OPT_TYPE_MASK	0x7f	/* the type's top bit: critical */
#define VTAP_GENEVE_OPT_LEN_MASK	0x1f	/* value length in 4-byte words */
/* Google Cloud's network ID option: its value's lowest bit is the
 * direction, 1 = egress from the mirrored VM. */
#define VTAP_GENEVE_CLASS_GOOGLE	0x0132
#define VTAP_GENEVE_GOOGLE_NETWORK_ID	1
/* An IP-only GENEVE payload (protocol type 0x0800 or 0x86DD) is delivered
 * behind an Ethernet header vtap writes: these locally administered,
 * unicast addresses ("vtap" in ASCII), and the payload's EtherType. */
#define VTAP_SYNTH_DST_MAC		{ 0x02, 0x76, 0x74, 0x61, 0x70, 0x00 }
#define VTAP_SYNTH_SRC_MAC		{ 0x02, 0x76, 0x74, 0x61, 0x70, 0x01 }

/* Encapsulations, as per-source keys and settings record them. */
enum vtap_encap { VTAP_ENCAP_VXLAN = 0, VTAP_ENCAP_GENEVE = 1 };

/* Address families as stored in keys (same values as AF_INET/AF_INET6). */
#define VTAP_AF_INET			2
#define VTAP_AF_INET6			10

/* ---- pins: <pin root>/<ifname>/<name> ------------------------------------ */
#define VTAP_PIN_ROOT_DEFAULT		"/sys/fs/bpf/vtap"
#define VTAP_PIN_ROOT_ENV		"VTAP_PIN_ROOT"
#define VTAP_PIN_NETNS_PREFIX		"netns-"	/* <root>/netns-<inode>/<ifname> */
#define VTAP_PIN_LINK			"link"		/* XDP bpf_link on the NIC */
#define VTAP_PIN_MONITOR_LINK		"monitor_link"	/* veth backend: XDP on vtap0 */
#define VTAP_PIN_MONITOR_TC		"monitor_tc_link" /* veth backend: tcx drop on vtap0 */
/* What the host sends on the target is dropped before the taps see it
 * (tcx egress drop on vtap0, both backends). The veth backend's feed end
 * drops what reaches it from vtap0 (tcx ingress: else the host's own
 * frames reach its stack) and what its stack sends (tcx egress: else they
 * show on vtap0 as received). */
#define VTAP_PIN_TX_DROP		"tx_drop_link"
#define VTAP_PIN_FEED_RX_DROP		"feed_rx_drop_link"
#define VTAP_PIN_FEED_TX_DROP		"feed_tx_drop_link"
/* Maps are pinned under their own names, so bpftool shows the same name. */
#define VTAP_MAP_GLOBAL			"vtap_global"
#define VTAP_MAP_SOURCES		"vtap_sources"
#define VTAP_MAP_SRC_CACHE		"vtap_src_cache"	/* per-CPU: last source's running counts */
#define VTAP_MAP_ALLOW_SRC		"vtap_allow_src"
#define VTAP_MAP_TARGET			"vtap_target"
#define VTAP_MAP_CONFIG			"vtap_config"	/* the program's frozen settings */
#define VTAP_MAP_LOST			"vtap_lost"	/* losses after the redirect */
/* --route: which device (slot of vtap_target) a frame goes to. */
#define VTAP_MAP_ROUTE_SRC		"vtap_route_src"	/* LPM: outer source -> struct vtap_route */
#define VTAP_MAP_ROUTE_VNI		"vtap_route_vni"	/* hash: VNI -> struct vtap_route */
#define VTAP_MAP_SLOTS			"vtap_slots"	/* array: slot -> struct vtap_slot */
#define VTAP_MAP_SLOT_STATS		"vtap_slot_stats"	/* per-CPU: slot -> delivered */
/* The loss tracer's links, one per kernel tracepoint (tp_btf). */
#define VTAP_PIN_LOST_REDIRECT_ERR	"lost_redirect_err"	/* xdp:xdp_redirect_err */
#define VTAP_PIN_LOST_DEVMAP_XMIT	"lost_devmap_xmit"	/* xdp:xdp_devmap_xmit */
#define VTAP_PIN_LOST_EXCEPTION		"lost_exception"	/* xdp:xdp_exception */

#define VTAP_DEFAULT_TARGET		"vtap0"
#define VTAP_LINK_KIND			"vtap"		/* rtnl link kind of vtap.ko */
#define VTAP_MODULE_NAME		"vtap"

/*
 * ---- global counters --------------------------------------------------
 * One per-CPU struct of named u64 counters, indexable by enum vtap_counter.
 * Every packet increments "seen" and exactly one outcome, so
 *   seen == redirected + sum(pass_*) + sum(drop_*)
 * holds at any moment. Counters after the outcomes are informational:
 * "truncated" counts delivered inner frames shorter than their IP length
 * says (mirror truncation), "sources_added" new per-source entries (minus
 * the entries present: how many the LRU evicted), slow_steered the
 * datagrams the XDP program sent to the slow path (their first fragment's
 * UDP port rewritten to the attachment's own slow-path port), slow_* what
 * the slow path (tc on the attachment's collect-metadata vxlan device, or
 * geneve device for GENEVE) did
 * with the datagrams the kernel reassembled; slow_ecn_ce those it delivered
 * whose outer ECN was CE (the kernel's decapsulation marks the inner CE too).
 * split_headers: a header the program reads lies beyond the first buffer of
 * a multi-buffer frame (passed: the stack, and the slow path for VXLAN, read
 * it whole). geneve_*: GENEVE's own checks (short header, version not 0,
 * options beyond the datagram, OAM packets, a payload neither Ethernet nor
 * IP, C bit set with --strict); geneve_critical_seen: the C bit tallied;
 * geneve_direction: delivered packets whose direction a Google option
 * gave (on either path); geneve_unsteered: GENEVE fragments (or split
 * headers) passed to the stack because the attachment has no GENEVE slow
 * path (the kernel has no geneve driver): not delivered.
 * trailer_in_frags: bytes after the UDP datagram reach beyond the
 * first buffer; trimming them could free whole frags, which generic XDP on
 * 6.12 gets wrong (page_pool pages freed as page frags), so never done.
 * X(enum suffix, field/json name, kind)
 */
#define VTAP_KIND_SEEN		0
#define VTAP_KIND_REDIRECT	1
#define VTAP_KIND_PASS		2
#define VTAP_KIND_DROP		3
#define VTAP_KIND_INFO		4

#define VTAP_COUNTERS(X)						\
	X(SEEN,			seen,			VTAP_KIND_SEEN)	\
	X(REDIRECTED,		redirected,		VTAP_KIND_REDIRECT) \
	X(PASS_NOT_OURS,	not_ours,		VTAP_KIND_PASS)	\
	X(PASS_FRAGMENT,	fragment,		VTAP_KIND_PASS)	\
	X(PASS_IPV6_EXT,	ipv6_ext,		VTAP_KIND_PASS)	\
	X(PASS_SPLIT,		split_headers,		VTAP_KIND_PASS)	\
	X(DROP_IPV4_INVALID,	ipv4_invalid,		VTAP_KIND_DROP)	\
	X(DROP_IPV6_INVALID,	ipv6_invalid,		VTAP_KIND_DROP)	\
	X(DROP_UDP_LEN,		udp_length,		VTAP_KIND_DROP)	\
	X(DROP_HDR_SHORT,	vxlan_short,		VTAP_KIND_DROP)	\
	X(DROP_I_FLAG,		i_flag_clear,		VTAP_KIND_DROP)	\
	X(DROP_RESERVED,	reserved_bits,		VTAP_KIND_DROP)	\
	X(DROP_INNER_SHORT,	inner_short,		VTAP_KIND_DROP)	\
	X(DROP_GENEVE_SHORT,	geneve_short,		VTAP_KIND_DROP)	\
	X(DROP_GENEVE_VERSION,	geneve_version,		VTAP_KIND_DROP)	\
	X(DROP_GENEVE_OPTIONS,	geneve_options,		VTAP_KIND_DROP)	\
	X(DROP_GENEVE_OAM,	geneve_oam,		VTAP_KIND_DROP)	\
	X(DROP_GENEVE_PROTO,	geneve_protocol,	VTAP_KIND_DROP)	\
	X(DROP_GENEVE_CRITICAL,	geneve_critical,	VTAP_KIND_DROP)	\
	X(DROP_VNI,		vni_not_allowed,	VTAP_KIND_DROP)	\
	X(DROP_SRC,		src_not_allowed,	VTAP_KIND_DROP)	\
	X(DROP_TOO_BIG,		too_big,		VTAP_KIND_DROP)	\
	X(DROP_TRAILER_FRAGS,	trailer_in_frags,	VTAP_KIND_DROP)	\
	X(DROP_REDIRECT,	redirect_failed,	VTAP_KIND_DROP)	\
	X(INFO_RESERVED_SET,	reserved_bits_seen,	VTAP_KIND_INFO)	\
	X(INFO_TRUNCATED,	truncated,		VTAP_KIND_INFO)	\
	X(INFO_SOURCES_ADDED,	sources_added,		VTAP_KIND_INFO)	\
	X(INFO_GENEVE_CRITICAL,	geneve_critical_seen,	VTAP_KIND_INFO)	\
	X(INFO_GENEVE_DIRECTION, geneve_direction,	VTAP_KIND_INFO)	\
	X(INFO_GENEVE_UNSTEERED, geneve_unsteered,	VTAP_KIND_INFO)	\
	X(SLOW_STEERED,		slow_steered,		VTAP_KIND_INFO)	\
	X(SLOW_REDIRECTED,	slow_redirected,	VTAP_KIND_INFO)	\
	X(SLOW_DROP_VNI,	slow_vni_not_allowed,	VTAP_KIND_INFO)	\
	X(SLOW_DROP_SRC,	slow_src_not_allowed,	VTAP_KIND_INFO)	\
	X(SLOW_DROP_DST,	slow_dst_not_allowed,	VTAP_KIND_INFO)	\
	X(SLOW_DROP_TOO_BIG,	slow_too_big,		VTAP_KIND_INFO)	\
	X(SLOW_DROP_REDIRECT,	slow_redirect_failed,	VTAP_KIND_INFO)	\
	X(SLOW_ECN_CE,		slow_ecn_ce,		VTAP_KIND_INFO)

#define VTAP_COUNTER_ENUM(e, name, kind) VTAP_##e,
enum vtap_counter {
	VTAP_COUNTERS(VTAP_COUNTER_ENUM)
	VTAP_NR_COUNTERS
};
#undef VTAP_COUNTER_ENUM

/* Outcomes are ordered: redirect, passes, drops, then informational. */
#define VTAP_FIRST_PASS		VTAP_PASS_NOT_OURS
#define VTAP_FIRST_DROP		VTAP_DROP_IPV4_INVALID
#define VTAP_FIRST_INFO		VTAP_INFO_RESERVED_SET

#define VTAP_COUNTER_FIELD(e, name, kind) __u64 name;
struct vtap_global {
	VTAP_COUNTERS(VTAP_COUNTER_FIELD)
};
#undef VTAP_COUNTER_FIELD

/*
 * ---- frames lost after the redirect ------------------------------------
 * The XDP program counts a frame as redirected when bpf_redirect_map()
 * succeeds; the kernel can still drop it afterwards: target down, frame
 * over the target's MTU (changed after attach), a target driver without
 * ndo_xdp_xmit (or without frags support), its transmit refusing frames.
 * vtap's tracer (bpf/vtap_lost.bpf.c, on the xdp tracepoints) counts those,
 * per CPU, by reason. They are part of "redirected", not another outcome:
 * delivered = redirected - lost.
 * X(enum suffix, field/json name)
 */
#define VTAP_LOSSES(X)							\
	X(TARGET_DOWN,		target_down)	/* -ENETDOWN */		\
	X(TOO_BIG,		too_big)	/* -EMSGSIZE: over its MTU */	\
	X(NOT_SUPPORTED,	not_supported)	/* -EOPNOTSUPP */	\
	X(XMIT_FAILED,		xmit_failed)	/* its driver refused them */	\
	X(OTHER,		other)

#define VTAP_LOSS_FIELD(e, name) __u64 name;
struct vtap_lost {
	VTAP_LOSSES(VTAP_LOSS_FIELD)
};
#undef VTAP_LOSS_FIELD

/* What the tracer matches, set at load (.rodata). */
struct vtap_lost_config {
	__u32 nic_ifindex;	/* the NIC the XDP program runs on */
	__u32 target_ifindex;	/* the device in the devmap */
	__u32 netns_ino;	/* their network namespace (ifindexes are per namespace) */
	__u32 pad;
};

/* ---- per-source counters (LRU per-CPU hash) ------------------------------ */
struct vtap_source_key {
	__u8 family;		/* VTAP_AF_INET or VTAP_AF_INET6 */
	__u8 encap;		/* enum vtap_encap: a source sending both has two */
	__u8 pad[2];
	__u32 vni;
	__u8 addr[16];		/* outer source; IPv4 as ::ffff:a.b.c.d */
};

/* Inner frames delivered to the target, and their direction relative to
 * the outer source (the tapped NIC): inner src == outer src -> from_source,
 * inner dst == outer src -> to_source, anything else (ARP too) -> other. */
struct vtap_source_stats {
	__u64 packets;
	__u64 bytes;
	__u64 from_source;
	__u64 to_source;
	__u64 other;
	__u64 last_seen_ns;	/* CLOCK_MONOTONIC_COARSE, bpf_ktime_get_coarse_ns() */
	__u64 truncated;	/* delivered, but shorter than its IP length says */
	__u64 slow_path;	/* of packets: delivered by the slow path */
};

/* Folds one CPU's values into a sum: counters add, last_seen_ns is the
 * latest. (User space sums the per-CPU values; this is the one place that
 * knows the fields.) */
static inline void vtap_source_stats_add(struct vtap_source_stats *sum,
					 const struct vtap_source_stats *v)
{
	sum->packets += v->packets;
	sum->bytes += v->bytes;
	sum->from_source += v->from_source;
	sum->to_source += v->to_source;
	sum->other += v->other;
	sum->truncated += v->truncated;
	sum->slow_path += v->slow_path;
	if (v->last_seen_ns > sum->last_seen_ns)
		sum->last_seen_ns = v->last_seen_ns;
}

/*
 * ---- per-source cache (per-CPU array, one entry) --------------------------
 * Frames come in long runs from one source on a CPU (a tap's flows hash
 * to a queue), so each CPU keeps its last source's counters here, at the
 * cost of an array update per frame, instead of a hash lookup in
 * vtap_sources. st holds that CPU's whole count for key (its vtap_sources
 * slot plus the frames since), not a delta: the program writes st back
 * into the slot (a store) when the CPU's key changes and at its first
 * frame of each tick, so a raw dump of vtap_sources lacks what st has on
 * top: a tick's frames per CPU while frames flow, and a CPU's last frames
 * until its next one. Writing back also keeps the source's LRU entry
 * recently used; one the LRU evicted meanwhile is made again (and counted
 * in sources_added).
 * Exact reads (vtap_source_cache_merge): read this map first, then
 * vtap_sources; for each CPU whose cache holds the key, the slot's count
 * is the larger of the two, field by field (both only grow; a write-back
 * makes them equal; read the other way round, the frames of a write-back
 * and key change between the two reads would be in neither). A key
 * being replaced is torn: the program stores
 * tail, then key and st, then head, and the kernel copies a per-CPU
 * value forwards, 8 bytes at a time, so a copy is whole when head ==
 * tail (x86's store and load order; retry otherwise).
 * A source seen once in a row on a CPU is counted in vtap_sources
 * directly: the cache takes a key on its second frame in a row
 * (miss_key), so that a flood of new sources costs no more than before.
 */
struct vtap_source_cache {
	__u64 head;			/* == tail: key and st are whole */
	struct vtap_source_key key;	/* family 0: empty */
	struct vtap_source_stats st;	/* this CPU's count for key */
	struct vtap_source_key miss_key;	/* the last key counted directly */
	__u64 tick;			/* bpf_jiffies64() when now_ns was read */
	__u64 now_ns;			/* bpf_ktime_get_coarse_ns() at that tick */
	__u64 tail;
};

static inline int vtap_source_key_eq(const struct vtap_source_key *a,
				     const struct vtap_source_key *b)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;

	for (unsigned int i = 0; i < sizeof(*a) / sizeof(__u32); i++)
		if (x[i] != y[i])
			return 0;
	return 1;
}

/* One CPU's slot of key in vtap_sources, completed with that CPU's cache
 * (read before the slot). Returns whether the cache held the key. */
static inline int vtap_source_cache_merge(struct vtap_source_stats *slot,
					  const struct vtap_source_key *key,
					  const struct vtap_source_cache *c)
{
	const __u64 *from = (const __u64 *)&c->st;
	__u64 *to = (__u64 *)slot;

	if (!c->key.family || c->head != c->tail || !vtap_source_key_eq(&c->key, key))
		return 0;
	for (unsigned int i = 0; i < sizeof(*slot) / sizeof(__u64); i++)
		if (from[i] > to[i])
			to[i] = from[i];
	return 1;
}

/* ---- source allow-list (LPM trie; IPv4 CIDRs as ::ffff:0:0/96 + len) -----
 * The value is the CIDR's family (VTAP_AF_*): an IPv6 prefix as short as
 * ::/0 also covers ::ffff:0:0/96, and must not let IPv4 sources in. */
struct vtap_lpm_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/*
 * ---- routes (--route vni:N=DEV, --route src:CIDR=DEV) -----------------
 * A delivered frame goes to a slot of vtap_target: the longest source
 * route matching its outer source (keyed as the allow-list, IPv4
 * v4-mapped; family as there), else its VNI's route, else slot 0 (the
 * --target). Each slot's device is described in vtap_slots, which the
 * slow path reads for the ifindex to clone into (the device itself, also
 * with the veth backend, whose devmap entry is the feed). Both decide
 * alike, so fragments go where whole frames go.
 */
struct vtap_route {
	__u32 slot;
	__u32 family;		/* source routes: VTAP_AF_* of the CIDR; VNI routes: 0 */
};

struct vtap_slot {
	__u32 ifindex;		/* the device (slow path: BPF_F_INGRESS into it) */
	__u32 flags;		/* VTAP_INFO_TARGET_CREATED: vtapctl made it */
	char name[VTAP_IFNAMSIZ];
	__u32 backend;		/* enum vtap_backend it was made or found with */
	__u32 pad;
};

/* Frames each slot's device was handed (fast path: the redirect was
 * accepted; slow path: the clone was delivered), since the program was
 * loaded (attach or --replace). */
struct vtap_slot_stats {
	__u64 packets;
	__u64 bytes;
};

struct vtap_vni_range {
	__u32 first;
	__u32 last;
};

/* ---- settings: frozen into the program (.rodata.config) at load ---------- */
struct vtap_settings {
	__u16 ports_net[VTAP_MAX_PORTS];	/* network byte order */
	__u32 nr_ports;
	__u32 nr_vni_ranges;			/* 0: every VNI is allowed */
	struct vtap_vni_range vni_ranges[VTAP_MAX_VNI_RANGES];
	__u32 filter_src;			/* 1: vtap_allow_src applies */
	__u32 strict;				/* 1: drop reserved bits set */
	/* --dst: accept only VXLAN to these outer destinations (0: any), in
	 * the allow-list's form (IPv4 as ::ffff:a.b.c.d), sorted. */
	__u32 nr_dst;
	struct vtap_lpm_key dst[VTAP_MAX_DST];
	/* Derived at attach, not chosen by the user: */
	__u32 redirect_ifindex;			/* slow path: redirect to this
						 * target's ingress (vtap0 itself,
						 * also with the veth backend) */
	__u32 max_frame;			/* the smallest MTU of the target and the
						 * route devices + Ethernet + one VLAN
						 * tag; 0: any */
	__u16 slow_port_net;			/* the slow-path device's UDP port; 0: none */
	/* Chosen by the user (--geneve-port), kept in what was padding: */
	__u16 geneve_ports;			/* bit i: ports_net[i] carries GENEVE */
	__u32 nr_routes;			/* 0: no route lookups (all to slot 0) */
	__u32 nr_src_routes;			/* of them, source routes */
	__u32 no_direction;			/* 1: no struct vtap_xdp_meta (--no-direction) */
	/* Derived at attach: the GENEVE slow-path device's UDP port; 0: none
	 * (the kernel has no geneve driver: GENEVE fragments are unsteered). */
	__u16 geneve_slow_port_net;
	__u16 pad;
};

/*
 * ---- direction for vtap.ko: XDP metadata in front of a redirected frame ---
 * Unless --no-direction, the XDP program puts exactly this struct in the
 * frame's metadata (bpf_xdp_adjust_meta), ending where the frame begins, and
 * vtap.ko shows the frame to its packet taps as sent by the tapped NIC
 * (PACKET_OUTGOING: from_source), as received by it (PACKET_HOST:
 * to_source), or as its Ethernet header says (other). The module trusts
 * only metadata of exactly this size with this magic; it is never part of
 * the delivered frame. A driver without metadata room: no direction.
 * The magic's last byte (nearest the frame) is not zero, so that a VXLAN
 * header, whose last byte is reserved, is not taken for one. Host order:
 * both sides run on the same host.
 */
#define VTAP_META_MAGIC			0x76746401u	/* "vtd" 1 */
enum vtap_dir { VTAP_DIR_OTHER = 0, VTAP_DIR_FROM = 1, VTAP_DIR_TO = 2 };

struct vtap_xdp_meta {
	__u32 dir;				/* enum vtap_dir */
	__u32 magic;				/* VTAP_META_MAGIC */
};

enum vtap_mode { VTAP_MODE_NATIVE = 1, VTAP_MODE_GENERIC = 2 };
enum vtap_backend { VTAP_BACKEND_KMOD = 1, VTAP_BACKEND_VETH = 2, VTAP_BACKEND_EXISTING = 3 };

/* Facts about the attachment, kept beside the settings so that status and
 * detach read them from the pins; the program never reads them. The XDP
 * mode is not here: the kernel knows it (bpf_xdp_query). */
struct vtap_attach_info {
	__u64 attached_at;			/* CLOCK_REALTIME seconds */
	__u32 ifindex;
	__u32 backend;				/* enum vtap_backend */
	__u32 max_sources;
	__u32 flags;				/* VTAP_INFO_* */
	char target[VTAP_IFNAMSIZ];		/* what packet taps listen on */
	char feed[VTAP_IFNAMSIZ];		/* veth backend: end we redirect into */
	char slow_dev[VTAP_IFNAMSIZ];		/* this attachment's slow-path vxlan device */
	char geneve_slow_dev[VTAP_IFNAMSIZ];	/* and its geneve device, for --geneve-port */
};

/* vtapctl made the target (and detach deletes it when no other attachment
 * uses it): recorded at attach, so it stays true after the device is gone. */
#define VTAP_INFO_TARGET_CREATED	1u

struct vtap_config {
	struct vtap_settings settings;
	struct vtap_attach_info info;
};

#endif /* VTAP_ABI_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Packet builders for the XDP tests: an outer Ethernet (+ VLAN tags) / IPv4
 * or IPv6 / UDP / VXLAN frame around an inner frame, with the offsets of
 * each layer recorded so that a test can corrupt exactly one field.
 * Fields are written byte by byte in network order, as they appear on the
 * wire, so the cases read like packet dumps.
 */
#ifndef VTAP_TEST_PKT_H
#define VTAP_TEST_PKT_H

#include <string.h>
#include <linux/types.h>
#include "vtap_abi.h"

#define PKT_MAX		10240

#define ETH_HDR		14
#define VLAN_HDR	4
#define IP4_HDR		20
#define IP6_HDR		40
#define UDP_HDR		8

#define ETYPE_IP	0x0800
#define ETYPE_ARP	0x0806
#define ETYPE_8021Q	0x8100
#define ETYPE_8021AD	0x88a8
#define ETYPE_IPV6	0x86dd
#define ETYPE_LOCAL	0x88b5	/* IEEE local experimental: no L3 to parse */

#define PROTO_HOPOPT	0
#define PROTO_TCP	6
#define PROTO_UDP	17
#define PROTO_ICMPV6	58

/* The tapped NIC (outer source), the collector, and a peer of the NIC. */
static const __u8 nic4[4] = { 10, 0, 0, 1 };
static const __u8 collector4[4] = { 10, 0, 0, 2 };
static const __u8 peer4[4] = { 192, 0, 2, 7 };
static const __u8 nic6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
static const __u8 collector6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x02 };
static const __u8 peer6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, [15] = 0x07 };

static const __u8 mac_a[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a };
static const __u8 mac_b[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b };

static inline __u8 *put8(__u8 *b, __u8 v)
{
	*b = v;
	return b + 1;
}

static inline __u8 *put16(__u8 *b, __u16 v)
{
	b[0] = v >> 8;
	b[1] = v;
	return b + 2;
}

static inline __u8 *put32(__u8 *b, __u32 v)
{
	put16(b, v >> 16);
	put16(b + 2, v);
	return b + 4;
}

static inline __u8 *putn(__u8 *b, const void *p, __u32 n)
{
	memcpy(b, p, n);
	return b + n;
}

static inline __u16 get16(const __u8 *b)
{
	return b[0] << 8 | b[1];
}

/* A recognisable filler, so a shifted or truncated copy never compares equal. */
static inline void fill(__u8 *b, __u32 n, __u8 seed)
{
	for (__u32 i = 0; i < n; i++)
		b[i] = seed + i * 7;
}

/* ---- inner frames ------------------------------------------------------- */

enum inner_l3 { IN_NONE, IN_IP4, IN_IP6, IN_ARP };

struct inner_spec {
	enum inner_l3 l3;
	int vlan;		/* carry one 802.1Q tag of its own */
	const __u8 *src;	/* IP source (4 or 16 bytes by l3) */
	const __u8 *dst;
	__u32 len;		/* whole frame; 0: headers + 32 bytes */
};

/* Writes the inner frame into b, returns its length. */
static inline __u32 build_inner(__u8 *b, const struct inner_spec *s)
{
	__u8 *p = b, *l3;
	__u32 hdr, len;

	p = putn(p, mac_b, 6);
	p = putn(p, mac_a, 6);
	if (s->vlan) {
		p = put16(p, ETYPE_8021Q);
		p = put16(p, 42);
	}
	switch (s->l3) {
	case IN_IP4:	p = put16(p, ETYPE_IP); hdr = IP4_HDR; break;
	case IN_IP6:	p = put16(p, ETYPE_IPV6); hdr = IP6_HDR; break;
	case IN_ARP:	p = put16(p, ETYPE_ARP); hdr = 28; break;
	default:	p = put16(p, ETYPE_LOCAL); hdr = 0; break;
	}
	l3 = p;
	len = s->len ? s->len : (__u32)(l3 - b) + hdr + 32;
	fill(l3, len - (l3 - b), 0x40);

	if (s->l3 == IN_IP4) {
		p = put8(p, 0x45);
		p = put8(p, 0);
		p = put16(p, len - (l3 - b));
		p = put32(p, 0);
		p = put8(p, 64);
		p = put8(p, PROTO_UDP);
		p = put16(p, 0);
		p = putn(p, s->src, 4);
		p = putn(p, s->dst, 4);
	} else if (s->l3 == IN_IP6) {
		p = put32(p, 0x60000000);
		p = put16(p, len - (l3 - b) - IP6_HDR);
		p = put8(p, PROTO_UDP);
		p = put8(p, 64);
		p = putn(p, s->src, 16);
		p = putn(p, s->dst, 16);
	} else if (s->l3 == IN_ARP) {
		/* who-has peer4 tell nic4: no IP header, direction "other" */
		p = put16(p, 1);
		p = put16(p, ETYPE_IP);
		p = put8(p, 6);
		p = put8(p, 4);
		p = put16(p, 1);
		p = putn(p, mac_a, 6);
		p = putn(p, nic4, 4);
		p = putn(p, (__u8[6]){ 0 }, 6);
		p = putn(p, peer4, 4);
	}
	return len;
}

/* ---- outer packets ------------------------------------------------------ */

struct outer_spec {
	int v6;
	int vlans;		/* 0..2 tags; two = 802.1ad outside 802.1Q */
	int ip_opts;		/* IPv4 option bytes (multiple of 4, <= 40) */
	__u16 sport;		/* 0: a flow-hash-like 49152 */
	__u16 dport;		/* 0: VTAP_DEFAULT_PORT */
	__u32 vni;
	const __u8 *src;	/* NULL: nic4 / nic6 */
};

struct pkt {
	__u8 buf[PKT_MAX];
	__u32 len;
	__u32 l3, l4, vx, inner;	/* layer offsets in buf (vx: VXLAN's or GENEVE's) */
	__u32 inner_len;
	int v6;
	__u32 vni;
	__u8 encap;			/* enum vtap_encap, as in the per-source key */
	__u8 src[16];			/* outer source as in the per-source key */
	__u32 first_buf;		/* bytes in the first buffer; 0: as the kernel
					 * chooses (all, up to 3520; the rest in frags) */
};

static inline __u16 csum16(const __u8 *b, __u32 n)
{
	__u32 sum = 0;

	for (__u32 i = 0; i + 1 < n; i += 2)
		sum += get16(b + i);
	if (n & 1)
		sum += b[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* Recompute the outer IPv4 header checksum after a test changed a field.
 * vtap does not check it, but a wrong checksum would hide which check fired. */
static inline void pkt_ip4_csum(struct pkt *p)
{
	__u32 ihl;

	if (p->v6 || p->len < p->l3 + IP4_HDR)
		return;
	ihl = (p->buf[p->l3] & 0xf) * 4;
	if (ihl < IP4_HDR || p->len < p->l3 + ihl)
		return;
	put16(p->buf + p->l3 + 10, 0);
	put16(p->buf + p->l3 + 10, csum16(p->buf + p->l3, ihl));
}

/* Outer Ethernet, VLAN tags and IP header, followed by l4 (proto's bytes). */
static inline void build_ip(struct pkt *p, const struct outer_spec *o, __u8 proto,
			    const __u8 *l4, __u32 l4_len)
{
	const __u8 *src = o->src ? o->src : o->v6 ? nic6 : nic4;
	__u8 *b = p->buf;

	memset(p, 0, sizeof(*p));
	p->v6 = o->v6;
	b = putn(b, mac_a, 6);
	b = putn(b, mac_b, 6);
	if (o->vlans == 2) {
		b = put16(b, ETYPE_8021AD);
		b = put16(b, 100);
	}
	if (o->vlans >= 1) {
		b = put16(b, ETYPE_8021Q);
		b = put16(b, 200);
	}
	b = put16(b, o->v6 ? ETYPE_IPV6 : ETYPE_IP);
	p->l3 = b - p->buf;

	if (o->v6) {
		b = put32(b, 0x60000000);
		b = put16(b, l4_len);
		b = put8(b, proto);
		b = put8(b, 64);
		b = putn(b, src, 16);
		b = putn(b, collector6, 16);
		memcpy(p->src, src, 16);
	} else {
		__u32 hl = IP4_HDR + o->ip_opts;

		b = put8(b, 0x40 | hl / 4);
		b = put8(b, 0);
		b = put16(b, hl + l4_len);
		b = put16(b, 0x1234);	/* id */
		b = put16(b, 0x4000);	/* DF */
		b = put8(b, 64);
		b = put8(b, proto);
		b = put16(b, 0);
		b = putn(b, src, 4);
		b = putn(b, collector4, 4);
		/* NOPs, then End of Options list: valid padding of any length */
		memset(b, 1, o->ip_opts);
		if (o->ip_opts)
			b[o->ip_opts - 1] = 0;
		b += o->ip_opts;
		p->src[10] = p->src[11] = 0xff;
		memcpy(p->src + 12, src, 4);
	}
	p->l4 = b - p->buf;
	b = putn(b, l4, l4_len);
	p->len = b - p->buf;
	pkt_ip4_csum(p);
}

/* UDP header + payload into b; returns the length. Checksum 0: allowed for
 * IPv4 and, for tunnels, IPv6 (RFC 6935); vtap never checks it. */
static inline __u32 put_udp(__u8 *b, __u16 sport, __u16 dport, const __u8 *payload, __u32 len)
{
	__u8 *p = b;

	p = put16(p, sport);
	p = put16(p, dport);
	p = put16(p, UDP_HDR + len);
	p = put16(p, 0);
	putn(p, payload, len);
	return UDP_HDR + len;
}

/* VXLAN header (I flag, vni) + inner frame into b; returns the length. */
static inline __u32 put_vxlan(__u8 *b, __u32 vni, const __u8 *inner, __u32 len)
{
	put32(b, VTAP_VXLAN_FLAG_I);
	put32(b + 4, vni << 8);
	memcpy(b + VTAP_VXLAN_HLEN, inner, len);
	return VTAP_VXLAN_HLEN + len;
}

/* A complete, valid VXLAN packet around inner. */
static inline void build_vxlan(struct pkt *p, const struct outer_spec *o,
			       const __u8 *inner, __u32 inner_len)
{
	static __u8 vx[PKT_MAX], udp[PKT_MAX];
	__u32 vlen, ulen;

	vlen = put_vxlan(vx, o->vni, inner, inner_len);
	ulen = put_udp(udp, o->sport ? o->sport : 49152,
		       o->dport ? o->dport : VTAP_DEFAULT_PORT, vx, vlen);
	build_ip(p, o, PROTO_UDP, udp, ulen);
	p->vx = p->l4 + UDP_HDR;
	p->inner = p->vx + VTAP_VXLAN_HLEN;
	p->inner_len = inner_len;
	p->vni = o->vni;
}

/* GENEVE header fields; all zero: version 0, no flags, Ethernet payload. */
struct geneve_spec {
	__u16 proto;		/* 0: VTAP_GENEVE_PROTO_ETH */
	__u8 ver;		/* 2 bits */
	__u8 flags;		/* O, C, reserved */
	__u8 rsvd;		/* the last header byte */
	const __u8 *opts;	/* TLV options, optlen bytes (a multiple of 4) */
	__u32 optlen;
};

/* A complete GENEVE packet around payload, to o->dport (0: 6081). */
static inline void build_geneve(struct pkt *p, const struct outer_spec *o,
				const struct geneve_spec *g, const __u8 *payload, __u32 len)
{
	static __u8 gh[PKT_MAX], udp[PKT_MAX];
	__u8 *b = gh;
	__u32 ulen;

	b = put8(b, g->ver << 6 | g->optlen / 4);
	b = put8(b, g->flags);
	b = put16(b, g->proto ? g->proto : VTAP_GENEVE_PROTO_ETH);
	b = put8(b, o->vni >> 16);
	b = put16(b, o->vni);
	b = put8(b, g->rsvd);
	b = putn(b, g->opts, g->optlen);
	b = putn(b, payload, len);
	ulen = put_udp(udp, o->sport ? o->sport : 49152, o->dport ? o->dport : VTAP_GENEVE_PORT,
		       gh, b - gh);
	build_ip(p, o, PROTO_UDP, udp, ulen);
	p->vx = p->l4 + UDP_HDR;
	p->inner = p->vx + VTAP_GENEVE_HLEN + g->optlen;
	p->inner_len = len;
	p->vni = o->vni;
	p->encap = VTAP_ENCAP_GENEVE;
}

/* Set the outer IP and UDP length fields as if the datagram ended at p->len
 * (clamped to zero where the cut is inside the header that holds them). */
static inline void pkt_fix_lengths(struct pkt *p)
{
	__u32 ip_len = p->len - p->l3;
	__u32 udp_len = p->len > p->l4 ? p->len - p->l4 : 0;

	if (p->v6) {
		if (p->len >= p->l3 + 6)
			put16(p->buf + p->l3 + 4, ip_len > IP6_HDR ? ip_len - IP6_HDR : 0);
	} else if (p->len >= p->l3 + 4) {
		put16(p->buf + p->l3 + 2, ip_len);
		pkt_ip4_csum(p);
	}
	if (p->len >= p->l4 + 6)
		put16(p->buf + p->l4 + 4, udp_len);
}

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz inputs to frames: raw mode copies, structured mode builds an outer
 * Ethernet/VLAN/IP/UDP/VXLAN frame around an inner frame from the header
 * fields in struct vtap_fuzz_desc. Also the seed table.
 */
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"

static const uint8_t addr4[6][4] = {
	{ 10, 1, 2, 3 }, { 192, 0, 2, 1 }, { 198, 51, 100, 200 },
	{ 203, 0, 113, 9 }, { 10, 255, 255, 255 }, { 198, 51, 100, 127 },
};
static const uint8_t addr6[6][16] = {
	{ 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
	{ 0xfd, 0x00, 0x00, 0x01, [15] = 1 },
	{ 0xfd, 0x00, 0x00, 0x01, [15] = 2 },
	{ [10] = 0xff, 0xff, 10, 1, 2, 3 },		/* v4-mapped */
	{ [10] = 0xff, 0xff, 192, 0, 2, 1 },
	{ 0x20, 0x01, 0x0d, 0xb9, [15] = 1 },
};
static const uint16_t ports[8] = { 4789, 8472, 4790, 1, 65535, 6081, 53, 0 };

struct buf {
	uint8_t *p;
	size_t len, size;
};

static void put(struct buf *b, const void *src, size_t n)
{
	if (b->len + n > b->size)
		n = b->size - b->len;
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void put8(struct buf *b, unsigned int v)
{
	uint8_t c = v;

	put(b, &c, 1);
}

static void put16(struct buf *b, unsigned int v)
{
	put8(b, v >> 8);
	put8(b, v);
}

static void fill(struct buf *b, unsigned int v, size_t n)
{
	if (b->len + n > b->size)
		n = b->size - b->len;
	memset(b->p + b->len, v, n);
	b->len += n;
}

static unsigned int get16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

/* Inner frame: Ethernet, VLAN tags, then an IPv4/IPv6/ARP header whose
 * addresses relate to the outer source as the kind asks, then payload. */
static void build_inner(struct buf *b, const struct vtap_fuzz_desc *d, const uint8_t *outer_src,
			int outer_v6, const uint8_t *pl, size_t pl_len)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	static const uint8_t other4[4] = { 172, 16, 0, 9 };
	static const uint8_t other6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, [15] = 9 };
	unsigned int kind = d->inner & 7, tags = (d->inner >> 3) & 3;
	uint8_t src4[4], src6[16];
	const uint8_t *s4, *d4, *s6, *d6;

	if (kind == VTAP_FUZZ_INNER_RAW) {
		put(b, pl, pl_len);
		return;
	}
	/* The outer source as an address of the inner family. */
	memcpy(src4, outer_v6 ? outer_src + 12 : outer_src, 4);
	if (outer_v6) {
		memcpy(src6, outer_src, 16);
	} else {
		memset(src6, 0, 16);
		memcpy(src6 + 12, outer_src, 4);
	}
	s4 = d4 = other4;
	s6 = d6 = other6;
	if (kind == VTAP_FUZZ_INNER_V4_FROM)
		s4 = src4;
	else if (kind == VTAP_FUZZ_INNER_V4_TO)
		d4 = src4;
	else if (kind == VTAP_FUZZ_INNER_V6_FROM)
		s6 = src6;
	else if (kind == VTAP_FUZZ_INNER_V6_TO)
		d6 = src6;

	put(b, macs, sizeof(macs));
	for (unsigned int i = 0; i < tags; i++) {
		put16(b, 0x8100);
		put16(b, 100 + i);
	}
	switch (kind) {
	case VTAP_FUZZ_INNER_V4_FROM:
	case VTAP_FUZZ_INNER_V4_TO:
	case VTAP_FUZZ_INNER_V4_OTHER:
		put16(b, 0x0800);
		put8(b, 0x45);
		put8(b, 0);
		put16(b, 20 + pl_len);
		fill(b, 0, 4);
		put8(b, 64);
		put8(b, 17);
		put16(b, 0);
		put(b, s4, 4);
		put(b, d4, 4);
		break;
	case VTAP_FUZZ_INNER_ARP:
		put16(b, 0x0806);
		put16(b, 1);
		put16(b, 0x0800);
		put8(b, 6);
		put8(b, 4);
		put16(b, 1);
		put(b, macs + 6, 6);
		put(b, src4, 4);
		fill(b, 0, 6);
		put(b, other4, 4);
		break;
	default:
		put16(b, 0x86dd);
		put8(b, 0x60);
		fill(b, 0, 3);
		put16(b, pl_len);
		put8(b, 17);
		put8(b, 64);
		put(b, s6, 16);
		put(b, d6, 16);
		break;
	}
	put(b, pl, pl_len);
}

static size_t build(const struct vtap_fuzz_desc *d, const uint8_t *pl, size_t pl_len,
		    uint8_t *frame, size_t size)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 0xaa, 2, 0, 0, 0, 0, 0xbb };
	int v6 = d->l3 & 1;
	unsigned int tags = d->l2 & 3, ihl, hlen, ip_payload, ulen, tot;
	uint8_t inner[2 * VTAP_FUZZ_MAX_FRAME], src[16] = { 0 }, dst[16] = { 0 };
	static uint8_t payload[VTAP_FUZZ_MAX_FRAME];
	struct buf in = { inner, 0, sizeof(inner) }, b = { frame, 0, size };
	struct buf p = { payload, 0, sizeof(payload) };
	uint8_t encap[VTAP_GENEVE_HLEN + 4 * VTAP_GENEVE_OPTLEN_MASK];
	struct buf e = { encap, 0, sizeof(encap) };
	const uint8_t *ib = inner;
	size_t ilen, cut;

	put(&p, pl, pl_len);
	if ((d->jumbo & 0x1f) == 0x1f)
		fill(&p, 0xa5, (d->jumbo >> 5) * 1024u);
	pl = payload;
	pl_len = p.len;

	if (v6) {
		memcpy(src, d->src_sel < 6 ? addr6[d->src_sel] : d->src_raw, 16);
		memcpy(dst, d->dst_sel < 6 ? addr6[d->dst_sel] : d->dst_raw, 16);
	} else {
		memcpy(src, d->src_sel < 6 ? addr4[d->src_sel] : d->src_raw, 4);
		memcpy(dst, d->dst_sel < 6 ? addr4[d->dst_sel] : d->dst_raw, 4);
	}
	build_inner(&in, d, src, v6, pl, pl_len);
	ilen = in.len;
	if (d->geneve & 1) {
		unsigned int words = d->gn_opts & 63, left = words, proto = VTAP_GENEVE_PROTO_ETH;

		if (((d->geneve >> 1) & 3) == 1 && ilen >= 14) {	/* IP only */
			proto = get16(inner + 12);
			ib += 14;
			ilen -= 14;
		} else if (((d->geneve >> 1) & 3) == 2) {
			proto = get16(d->gn_proto);
		}
		put8(&e, words ^ d->gn_ver_opt);
		put8(&e, d->gn_flags);
		put16(&e, proto);
		put(&e, d->vni, 3);
		put8(&e, d->gn_reserved);
		if ((d->gn_opts & 0x40) && left >= 2) {
			put16(&e, VTAP_GENEVE_CLASS_GOOGLE);
			put8(&e, VTAP_GENEVE_GOOGLE_NETWORK_ID);
			put8(&e, 1);
			put16(&e, 0x1234);
			put8(&e, 0x56);
			put8(&e, 0x78 | d->gn_opts >> 7);
			left -= 2;
		}
		while (left) {
			unsigned int n = left - 1 > 31 ? 31 : left - 1;

			put16(&e, 0x0108);
			put8(&e, 1 + (left & 1));
			put8(&e, n);
			fill(&e, 0x42, 4 * n);
			left -= 1 + n;
		}
	} else {
		put16(&e, (0x0800 ^ get16(d->vx_flags)));
		put(&e, d->vx_flags + 2, 2);
		put(&e, d->vni, 3);
		put8(&e, d->vni_low);
	}

	put(&b, macs, sizeof(macs));
	for (unsigned int i = 0; i < tags; i++) {
		put16(&b, i == 0 && (d->l2 & 4) ? 0x88a8 : 0x8100);
		put(&b, d->tci, 2);
	}
	put16(&b, (d->l2 & 8) ? get16(d->ethertype) : v6 ? 0x86dd : 0x0800);

	ulen = (8 + e.len + ilen + (int8_t)d->ulen_delta) & 0xffff;
	ip_payload = 8 + e.len + ilen + (d->ip_extra & 63);
	if (v6) {
		put8(&b, (d->ip_ver ? d->ip_ver & 15 : 6) << 4);
		fill(&b, 0, 3);
		put16(&b, ip_payload + (int8_t)d->ip_len_delta);
		put8(&b, d->proto ? d->proto : 17);
		put8(&b, 64);
		put(&b, src, 16);
		put(&b, dst, 16);
	} else {
		ihl = d->ihl ? d->ihl & 15 : 5;
		hlen = ihl < 5 ? 20 : ihl * 4;
		tot = hlen + ip_payload + (int8_t)d->ip_len_delta;
		put8(&b, (d->ip_ver ? d->ip_ver & 15 : 4) << 4 | ihl);
		put8(&b, 0);
		put16(&b, tot);
		put16(&b, 0x1234);
		put(&b, d->frag, 2);
		put8(&b, 64);
		put8(&b, d->proto ? d->proto : 17);
		put16(&b, 0);
		put(&b, src, 4);
		put(&b, dst, 4);
		fill(&b, 1, hlen - 20);		/* options: NOP */
	}
	put(&b, d->sport, 2);
	put16(&b, d->dport_sel < 8 ? ports[d->dport_sel] : get16(d->dport_raw));
	put16(&b, ulen);
	put(&b, d->udp_csum, 2);
	put(&b, encap, e.len);
	put(&b, ib, ilen);
	fill(&b, 0xee, d->ip_extra & 63);
	fill(&b, 0xdd, d->eth_extra & 63);

	cut = get16(d->cut);
	return cut >= b.len ? 0 : b.len - cut;
}

size_t vtap_fuzz_first_buf(unsigned int k)
{
	return k ? 14 + 16 * (k - 1) : 0;
}

int vtap_fuzz_decode(const uint8_t *in, size_t n, int *variant, uint8_t **frame, size_t *len,
		     size_t *first)
{
	uint8_t tmp[VTAP_FUZZ_MAX_FRAME];
	struct vtap_fuzz_desc d = { 0 };

	if (n < 1)
		return -1;
	*variant = (in[0] & 0x0f) % VTAP_FUZZ_NR_VARIANTS;
	*first = vtap_fuzz_first_buf((in[0] & VTAP_FUZZ_FIRST_MASK) >> VTAP_FUZZ_FIRST_SHIFT);
	if (in[0] & VTAP_FUZZ_MODE_STRUCT) {
		size_t dl = n - 1 < sizeof(d) ? n - 1 : sizeof(d);

		memcpy(&d, in + 1, dl);
		*len = build(&d, in + 1 + dl, n - 1 - dl, tmp, sizeof(tmp));
		in = tmp;
	} else {
		*len = n - 1 < VTAP_FUZZ_MAX_FRAME ? n - 1 : VTAP_FUZZ_MAX_FRAME;
		in++;
	}
	if (*len < VTAP_FUZZ_MIN_FRAME)
		return -1;
	/* Exactly len bytes, so ASan catches the reference reading past them. */
	*frame = malloc(*len);
	if (!*frame)
		return -1;
	memcpy(*frame, in, *len);
	return 0;
}

size_t vtap_fuzz_seed_input(const struct vtap_fuzz_seed *s, uint8_t *buf, size_t size)
{
	size_t n = 1 + sizeof(s->desc) + s->payload_len;

	if (n > size)
		return 0;
	buf[0] = VTAP_FUZZ_MODE_STRUCT | s->first << VTAP_FUZZ_FIRST_SHIFT | s->variant;
	memcpy(buf + 1, &s->desc, sizeof(s->desc));
	for (size_t i = 0; i < s->payload_len; i++)
		buf[1 + sizeof(s->desc) + i] = i;
	return n;
}

/* Inner IPv4 from the outer source, 46 payload bytes: an 80-byte inner frame. */
#define V4	.inner = VTAP_FUZZ_INNER_V4_FROM
#define SEED(v, out, ...) { #out, v, VTAP_##out, 0, { __VA_ARGS__ }, 46, 0 }

const struct vtap_fuzz_seed vtap_fuzz_seeds[] = {
	SEED(VTAP_FUZZ_DEFAULT, REDIRECTED, V4),
	SEED(VTAP_FUZZ_DEFAULT, REDIRECTED, .l3 = 1, .inner = VTAP_FUZZ_INNER_V6_TO),
	SEED(VTAP_FUZZ_DEFAULT, REDIRECTED, .l2 = 2 | 4, .ihl = 7, .ip_extra = 5, .eth_extra = 9,
	     .inner = VTAP_FUZZ_INNER_ARP | 1 << 3),
	{ "reserved_seen", VTAP_FUZZ_DEFAULT, VTAP_REDIRECTED, 1, { V4, .vni_low = 1 }, 46, 0 },
	{ "truncated", VTAP_FUZZ_DEFAULT, VTAP_REDIRECTED, 0, { V4, .ulen_delta = (uint8_t)-10 }, 46, 0 },
	{ "jumbo", VTAP_FUZZ_DEFAULT, VTAP_REDIRECTED, 0, { V4, .jumbo = VTAP_FUZZ_JUMBO(7) }, 46, 0 },
	/* Bytes after the datagram in the frags: never trimmed. */
	{ "jumbo_fcs", VTAP_FUZZ_DEFAULT, VTAP_DROP_TRAILER_FRAGS, 0,
	  { V4, .jumbo = VTAP_FUZZ_JUMBO(7), .eth_extra = 4 }, 46, 0 },
	{ "jumbo_v6_udp_short", VTAP_FUZZ_DEFAULT, VTAP_DROP_TRAILER_FRAGS, 0,
	  { .l3 = 1, .inner = VTAP_FUZZ_INNER_V6_FROM, .jumbo = VTAP_FUZZ_JUMBO(4), .ulen_delta = (uint8_t)-100 }, 46, 0 },
	/* A first buffer of 30 bytes ends in the IPv4 header, of 62 in the
	 * inner Ethernet header, of 78 in the inner IPv4 header; 94 holds them. */
	{ "split_ip", VTAP_FUZZ_DEFAULT, VTAP_PASS_SPLIT, 0, { V4 }, 46, 2 },
	{ "split_inner_eth", VTAP_FUZZ_DEFAULT, VTAP_PASS_SPLIT, 0, { V4 }, 46, 4 },
	{ "split_inner_ip", VTAP_FUZZ_DEFAULT, VTAP_PASS_SPLIT, 0, { V4 }, 46, 5 },
	{ "split_none", VTAP_FUZZ_DEFAULT, VTAP_REDIRECTED, 0, { V4 }, 46, 6 },
	{ "split_trailer", VTAP_FUZZ_DEFAULT, VTAP_DROP_TRAILER_FRAGS, 0, { V4, .eth_extra = 4 }, 46, 7 },
	{ "jumbo_not_ours", VTAP_FUZZ_DEFAULT, VTAP_PASS_NOT_OURS, 0,
	  { V4, .jumbo = VTAP_FUZZ_JUMBO(5), .dport_sel = 6 }, 46, 0 },
	SEED(VTAP_FUZZ_DEFAULT, PASS_NOT_OURS, V4, .dport_sel = 6),
	SEED(VTAP_FUZZ_DEFAULT, PASS_NOT_OURS, V4, .proto = 6),
	SEED(VTAP_FUZZ_DEFAULT, PASS_NOT_OURS, V4, .l2 = 8, .ethertype = { 0x08, 0x06 }),
	SEED(VTAP_FUZZ_DEFAULT, PASS_FRAGMENT, V4, .frag = { 0x20, 0 }),
	/* --dst 10.0.0.0/8 ... with a slow-path port: a first fragment to
	 * 10.1.2.3 is steered (its reserved bits counted and cleared, without
	 * the I flag dropped), one to 203.0.113.9 is left alone. */
	{ "steered", VTAP_FUZZ_DST, VTAP_PASS_FRAGMENT, 0, { V4, .frag = { 0x20, 0 } }, 46, 0 },
	{ "steered_csum", VTAP_FUZZ_DST, VTAP_PASS_FRAGMENT, 0,
	  { V4, .frag = { 0x20, 0 }, .udp_csum = { 0x12, 0x34 } }, 46, 0 },
	{ "steered_reserved", VTAP_FUZZ_DST, VTAP_PASS_FRAGMENT, 1,
	  { V4, .frag = { 0x20, 0 }, .vni_low = 1, .udp_csum = { 0xab, 0xcd } }, 46, 0 },
	{ "steered_i_flag", VTAP_FUZZ_DST, VTAP_DROP_I_FLAG, 0,
	  { V4, .frag = { 0x20, 0 }, .vx_flags = { 0x08 } }, 46, 0 },
	{ "steered_not_dst", VTAP_FUZZ_DST, VTAP_PASS_FRAGMENT, 0,
	  { V4, .frag = { 0x20, 0 }, .dst_sel = 3 }, 46, 0 },
	SEED(VTAP_FUZZ_DST, PASS_NOT_OURS, V4, .dst_sel = 3),
	SEED(VTAP_FUZZ_DST, REDIRECTED, .l3 = 1, .dst_sel = 2, .inner = VTAP_FUZZ_INNER_V6_FROM),
	SEED(VTAP_FUZZ_DEFAULT, PASS_FRAGMENT, V4, .frag = { 0, 0xb9 }),
	SEED(VTAP_FUZZ_DEFAULT, PASS_IPV6_EXT, V4, .l3 = 1, .proto = 44),
	SEED(VTAP_FUZZ_DEFAULT, DROP_IPV4_INVALID, V4, .ihl = 4),
	SEED(VTAP_FUZZ_DEFAULT, DROP_IPV4_INVALID, V4, .ip_len_delta = 1),
	SEED(VTAP_FUZZ_DEFAULT, DROP_IPV6_INVALID, V4, .l3 = 1, .ip_len_delta = 1),
	SEED(VTAP_FUZZ_DEFAULT, DROP_UDP_LEN, V4, .ulen_delta = 1),
	SEED(VTAP_FUZZ_DEFAULT, DROP_UDP_LEN, V4, .ip_len_delta = (uint8_t)-90),
	SEED(VTAP_FUZZ_DEFAULT, DROP_HDR_SHORT, V4, .ulen_delta = (uint8_t)-85),
	SEED(VTAP_FUZZ_DEFAULT, DROP_I_FLAG, V4, .vx_flags = { 0x08 }),
	{ "strict_tolerated_default", VTAP_FUZZ_DEFAULT, VTAP_REDIRECTED, 1,
	  { V4, .vx_flags = { 0x80 } }, 46, 0 },
	SEED(VTAP_FUZZ_DEFAULT, DROP_INNER_SHORT, V4, .ulen_delta = (uint8_t)-70),
	{ "inner_short_raw", VTAP_FUZZ_DEFAULT, VTAP_DROP_INNER_SHORT, 0, { .inner = 0 }, 13, 0 },
	{ "inner_min_raw", VTAP_FUZZ_DEFAULT, VTAP_REDIRECTED, 0, { .inner = 0 }, 14, 0 },
	{ "strict_reserved", VTAP_FUZZ_STRICT, VTAP_DROP_RESERVED, 1, { V4, .vx_flags = { 0x80 } }, 46, 0 },
	SEED(VTAP_FUZZ_STRICT, REDIRECTED, V4),
	SEED(VTAP_FUZZ_PORTS, PASS_NOT_OURS, V4),
	SEED(VTAP_FUZZ_PORTS, REDIRECTED, V4, .dport_sel = 1),
	SEED(VTAP_FUZZ_PORTS, REDIRECTED, V4, .l3 = 1, .dport_sel = 4),
	{ "max_frame", VTAP_FUZZ_PORTS, VTAP_REDIRECTED, 0, { V4, .dport_sel = 1 }, 1518 - 34, 0 },
	{ "too_big", VTAP_FUZZ_PORTS, VTAP_DROP_TOO_BIG, 0, { V4, .dport_sel = 1 }, 1519 - 34, 0 },
	SEED(VTAP_FUZZ_VNI, DROP_VNI, V4, .vni = { 0, 0, 99 }),
	SEED(VTAP_FUZZ_VNI, REDIRECTED, V4, .vni = { 0, 0, 150 }),
	SEED(VTAP_FUZZ_ALLOW_SRC, REDIRECTED, V4),
	SEED(VTAP_FUZZ_ALLOW_SRC, DROP_SRC, V4, .src_sel = 3),
	SEED(VTAP_FUZZ_ALLOW_SRC, REDIRECTED, .l3 = 1, .inner = VTAP_FUZZ_INNER_V6_FROM),
	SEED(VTAP_FUZZ_ALLOW_SRC, DROP_SRC, V4, .l3 = 1, .src_sel = 2),
	SEED(VTAP_FUZZ_ALLOW_SRC, DROP_SRC, V4, .l3 = 1, .src_sel = 3),	/* ::ffff:10.1.2.3 */
	SEED(VTAP_FUZZ_ALLOW_SRC, REDIRECTED, V4, .l3 = 1, .src_sel = 6,
	     .src_raw = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, [15] = 1 }),
	SEED(VTAP_FUZZ_ALLOW_SRC, DROP_SRC, V4, .l3 = 1, .src_sel = 6, .src_raw = { [15] = 1 }),
	SEED(VTAP_FUZZ_NO_TARGET, DROP_REDIRECT, V4),
	/* GENEVE on 6081 beside VXLAN on 4789: Ethernet and IP-only payloads,
	 * options of 0 to 252 bytes, Google's direction option both ways. */
#define GN	.dport_sel = 5, .geneve = 1
#define GNIP	.dport_sel = 5, .geneve = 1 | 1 << 1
	{ "geneve_eth", VTAP_FUZZ_GENEVE, VTAP_REDIRECTED, 0, { V4, GN }, 46, 0 },
	{ "geneve_vxlan_port", VTAP_FUZZ_GENEVE, VTAP_REDIRECTED, 0, { V4 }, 46, 0 },
	{ "geneve_ip4", VTAP_FUZZ_GENEVE, VTAP_REDIRECTED, 0, { V4, GNIP }, 46, 0 },
	{ "geneve_ip6", VTAP_FUZZ_GENEVE, VTAP_REDIRECTED, 0,
	  { .l3 = 1, .inner = VTAP_FUZZ_INNER_V6_TO, GNIP }, 46, 0 },
	{ "geneve_opts_4", VTAP_FUZZ_GENEVE, VTAP_REDIRECTED, 0, { V4, GNIP, .gn_opts = 1 }, 46, 0 },
	{ "geneve_opts_124", VTAP_FUZZ_GENEVE, VTAP_REDIRECTED, 0, { V4, GN, .gn_opts = 31 }, 46, 0 },
	{ "geneve_opts_252", VTAP_FUZZ_GENEVE, VTAP_REDIRECTED, 0, { V4, GNIP, .gn_opts = 63 }, 46, 0 },
	{ "geneve_google_egress", VTAP_FUZZ_GENEVE, VTAP_REDIRECTED, 0,
	  { .inner = VTAP_FUZZ_INNER_V4_TO, GNIP, .gn_opts = 0x80 | 0x40 | 6 }, 46, 0 },
	{ "geneve_google_ingress", VTAP_FUZZ_GENEVE, VTAP_REDIRECTED, 0,
	  { .inner = VTAP_FUZZ_INNER_V4_OTHER, GNIP, .gn_opts = 0x40 | 2 }, 46, 0 },
	{ "geneve_critical_seen", VTAP_FUZZ_GENEVE, VTAP_REDIRECTED, 0,
	  { V4, GNIP, .gn_flags = VTAP_GENEVE_FLAG_C }, 46, 0 },
	{ "geneve_reserved_seen", VTAP_FUZZ_GENEVE, VTAP_REDIRECTED, 1, { V4, GN, .gn_reserved = 1 }, 46, 0 },
	{ "geneve_short", VTAP_FUZZ_GENEVE, VTAP_DROP_GENEVE_SHORT, 0,
	  { V4, GN, .ulen_delta = (uint8_t)-81 }, 46, 0 },
	{ "geneve_version", VTAP_FUZZ_GENEVE, VTAP_DROP_GENEVE_VERSION, 0,
	  { V4, GN, .gn_ver_opt = 0x40 }, 46, 0 },
	{ "geneve_options", VTAP_FUZZ_GENEVE, VTAP_DROP_GENEVE_OPTIONS, 0,
	  { V4, GN, .gn_ver_opt = 0x3f }, 46, 0 },
	{ "geneve_oam", VTAP_FUZZ_GENEVE, VTAP_DROP_GENEVE_OAM, 0,
	  { V4, GN, .gn_flags = VTAP_GENEVE_FLAG_O }, 46, 0 },
	{ "geneve_protocol", VTAP_FUZZ_GENEVE, VTAP_DROP_GENEVE_PROTO, 0,
	  { V4, .dport_sel = 5, .geneve = 1 | 2 << 1, .gn_proto = { 0x12, 0x34 } }, 46, 0 },
	{ "geneve_inner_short", VTAP_FUZZ_GENEVE, VTAP_DROP_INNER_SHORT, 0,
	  { .dport_sel = 5, .geneve = 1 | 2 << 1, .gn_proto = { 0x08, 0x00 } }, 19, 0 },
	{ "geneve_steered", VTAP_FUZZ_GENEVE, VTAP_PASS_FRAGMENT, 0,
	  { V4, GN, .frag = { 0x20, 0 } }, 46, 0 },
	{ "geneve_steered_oam", VTAP_FUZZ_GENEVE, VTAP_DROP_GENEVE_OAM, 0,
	  { V4, GNIP, .frag = { 0x20, 0 }, .gn_flags = VTAP_GENEVE_FLAG_O }, 46, 0 },
	/* No geneve slow-path port (no geneve driver): tallied, passed. */
	{ "geneve_unsteered", VTAP_FUZZ_GENEVE_STRICT, VTAP_PASS_FRAGMENT, 0,
	  { V4, GN, .frag = { 0x20, 0 } }, 46, 0 },
	{ "geneve_vxlan_steered", VTAP_FUZZ_GENEVE, VTAP_PASS_FRAGMENT, 0,
	  { V4, .frag = { 0x20, 0 } }, 46, 0 },
	/* 50 bytes of outer headers: the written Ethernet header fits a
	 * 62-byte first buffer, the inner IPv4 header does not (passed as it
	 * came); 78 bytes hold both. */
	{ "geneve_split_ip", VTAP_FUZZ_GENEVE, VTAP_PASS_SPLIT, 0, { V4, GNIP }, 46, 4 },
	{ "geneve_split_none", VTAP_FUZZ_GENEVE, VTAP_REDIRECTED, 0, { V4, GNIP }, 46, 5 },
	{ "geneve_critical", VTAP_FUZZ_GENEVE_STRICT, VTAP_DROP_GENEVE_CRITICAL, 0,
	  { V4, GNIP, .gn_flags = VTAP_GENEVE_FLAG_C }, 46, 0 },
	{ "geneve_strict_reserved", VTAP_FUZZ_GENEVE_STRICT, VTAP_DROP_RESERVED, 1,
	  { V4, GN, .gn_flags = 1 }, 46, 0 },
	{ "geneve_vni", VTAP_FUZZ_GENEVE_STRICT, VTAP_DROP_VNI, 0, { V4, GN, .vni = { 0, 0, 1 } }, 46, 0 },
	/* IP-only: the written Ethernet header counts against max_frame. */
	{ "geneve_max_frame", VTAP_FUZZ_GENEVE_STRICT, VTAP_REDIRECTED, 0, { V4, GNIP }, 1518 - 34, 0 },
	{ "geneve_too_big", VTAP_FUZZ_GENEVE_STRICT, VTAP_DROP_TOO_BIG, 0, { V4, GNIP }, 1519 - 34, 0 },
	{ "geneve_strict_vxlan", VTAP_FUZZ_GENEVE_STRICT, VTAP_REDIRECTED, 0, { V4, .dport_sel = 1 }, 46, 0 },
#undef GN
#undef GNIP
};
const size_t vtap_fuzz_nr_seeds = sizeof(vtap_fuzz_seeds) / sizeof(vtap_fuzz_seeds[0]);

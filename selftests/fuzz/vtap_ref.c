// SPDX-License-Identifier: GPL-2.0
/*
 * Reference decision function for the vtap XDP program (see vtap_ref.h).
 * The rules are those of issue 2 (Foundation) and the counter comments in
 * include/vtap_abi.h (truncated, max_frame); where they leave a choice, the
 * program's choice is taken and named here: a malformed IPv4/IPv6 header is
 * dropped whatever it carries, a UDP header that does not fit the IP payload
 * is udp_length whatever the port, reserved bits are the flags word minus I
 * plus the VNI word's low byte, and an IPv4 CIDR never admits an IPv6
 * source (nor the reverse).
 *
 * GENEVE (issue 13): version, then the options' length against the
 * datagram, then O, C, reserved bits, the protocol type and the payload's
 * minimum (an Ethernet header, or the fixed IPv4/IPv6 header of an IP-only
 * payload), then the filters as for VXLAN. An IP-only payload is delivered
 * behind the Ethernet header of include/vtap_abi.h, written over the 14
 * bytes before it. A Google network ID option (the first, walked by the
 * options' lengths until one runs past the options' end) decides the
 * direction. GENEVE's first fragments get the same header checks and go to
 * the GENEVE slow path's port; without one (no geneve driver) they are
 * passed as they came, tallied as unsteered.
 *
 * Straight-line C over byte offsets: every length check is written against
 * the frame length, the IP packet end or the UDP datagram end, in the order
 * the rules are applied. Reads nothing outside frame[0..len).
 */
#include <string.h>
#include "vtap_ref.h"

#define ETH_HLEN	14
#define IPV4_HLEN	20
#define IPV6_HLEN	40
#define UDP_HLEN	8

#define ETHERTYPE_IPV4	0x0800
#define ETHERTYPE_IPV6	0x86dd
#define ETHERTYPE_VLAN	0x8100		/* 802.1Q */
#define ETHERTYPE_QINQ	0x88a8		/* 802.1ad */
#define PROTO_UDP	17

static unsigned int be16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Where a header lies: in the first buffer, in the frame but beyond the
 * first buffer (a multi-buffer frame split early), or cut off. */
enum hdr_at { HDR_OK, HDR_SPLIT, HDR_CUT };

static enum hdr_at hdr_at(size_t off, size_t n, size_t len, size_t first)
{
	return off + n > len ? HDR_CUT : off + n > first ? HDR_SPLIT : HDR_OK;
}

/*
 * Skip the Ethernet header and at most two VLAN tags. Sets *off to the
 * offset of what follows and *type to its ethertype (still a VLAN type when
 * there are more than two tags), or says where a header is missing.
 */
static enum hdr_at skip_l2(const uint8_t *f, size_t len, size_t first, unsigned int *type,
			   size_t *off)
{
	enum hdr_at at = hdr_at(0, ETH_HLEN, len, first);

	*off = ETH_HLEN;
	if (at != HDR_OK)
		return at;
	*type = be16(f + 12);
	for (int tags = 0; tags < VTAP_MAX_VLAN_TAGS; tags++) {
		if (*type != ETHERTYPE_VLAN && *type != ETHERTYPE_QINQ)
			break;
		at = hdr_at(*off, 4, len, first);	/* TCI + next ethertype */
		if (at != HDR_OK)
			return at;
		*type = be16(f + *off + 2);
		*off += 4;
	}
	return HDR_OK;
}

/* Extension headers that may follow the fixed IPv6 header (IANA list). */
static int ipv6_ext_header(unsigned int nh)
{
	static const uint8_t ext[] = { 0, 43, 44, 50, 51, 60, 135, 139, 140 };

	for (size_t i = 0; i < sizeof(ext); i++)
		if (nh == ext[i])
			return 1;
	return 0;
}

/* 0: not ours, else 1 + enum vtap_encap (the first entry for the port). */
static int port_is_ours(const struct vtap_settings *s, unsigned int port)
{
	unsigned int n = s->nr_ports < VTAP_MAX_PORTS ? s->nr_ports : VTAP_MAX_PORTS;

	for (unsigned int i = 0; i < n; i++)
		if (be16((const uint8_t *)&s->ports_net[i]) == port)
			return 1 + ((s->geneve_ports >> i) & 1);
	return 0;
}

static int vni_allowed(const struct vtap_settings *s, uint32_t vni)
{
	unsigned int n = s->nr_vni_ranges < VTAP_MAX_VNI_RANGES ? s->nr_vni_ranges
								 : VTAP_MAX_VNI_RANGES;

	if (s->nr_vni_ranges == 0)
		return 1;
	for (unsigned int i = 0; i < n; i++)
		if (vni >= s->vni_ranges[i].first && vni <= s->vni_ranges[i].last)
			return 1;
	return 0;
}

static int prefix_match(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes))
		return 0;
	return !rest || ((a[bytes] ^ b[bytes]) & (0xff00 >> rest) & 0xff) == 0;
}

/* --dst: in the settings' form (IPv4 v4-mapped). An IPv4 CIDR matches IPv4
 * destinations only, an IPv6 CIDR IPv6 ones only (v4-mapped ones too). */
static int dst_allowed(const struct vtap_settings *s, int family, const uint8_t *dst16)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (!s->nr_dst)
		return 1;
	for (unsigned int i = 0; i < s->nr_dst && i < VTAP_MAX_DST; i++) {
		const struct vtap_lpm_key *d = &s->dst[i];
		int v4 = d->prefixlen >= 96 && !memcmp(d->addr, v4mapped, 12);

		if ((v4 ? VTAP_AF_INET : VTAP_AF_INET6) == family &&
		    prefix_match(d->addr, dst16, d->prefixlen))
			return 1;
	}
	return 0;
}

/*
 * An IPv4 CIDR matches IPv4 sources only, an IPv6 CIDR IPv6 sources only.
 * IPv6 sources in ::ffff:0:0/96 never match: the map stores IPv4 CIDRs in
 * that range, and an IPv6 packet must not pass as an IPv4 source.
 */
static int src_allowed(const struct vtap_ref_config *cfg, const struct vtap_source_key *key)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	const uint8_t *addr = key->family == VTAP_AF_INET ? key->addr + 12 : key->addr;

	if (!cfg->settings.filter_src)
		return 1;
	if (key->family == VTAP_AF_INET6 && !memcmp(key->addr, v4mapped, 12))
		return 0;
	for (unsigned int i = 0; i < cfg->nr_allow; i++)
		if (cfg->allow[i].family == key->family &&
		    prefix_match(cfg->allow[i].addr, addr, cfg->allow[i].prefixlen))
			return 1;
	return 0;
}

/*
 * Where a delivered frame goes (README, --route): the longest source route
 * of the outer source's own family, else its VNI's route, else slot 0. An
 * IPv6 source in ::ffff:0:0/96 matches no source route (as the
 * allow-list: it must not pass for an IPv4 source).
 */
static uint32_t route_slot(const struct vtap_ref_config *cfg, const struct vtap_source_key *key)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	const uint8_t *addr = key->family == VTAP_AF_INET ? key->addr + 12 : key->addr;
	const struct vtap_ref_route *best = NULL;
	uint32_t slot = 0;

	if (!cfg->settings.nr_routes)
		return 0;
	for (unsigned int i = 0; i < cfg->nr_routes; i++) {
		const struct vtap_ref_route *r = &cfg->routes[i];

		if (r->by_vni) {
			if (r->vni == key->vni)
				slot = r->slot;
		} else if (r->cidr.family == key->family &&
			   !(key->family == VTAP_AF_INET6 && !memcmp(key->addr, v4mapped, 12)) &&
			   prefix_match(r->cidr.addr, addr, r->cidr.prefixlen) &&
			   (!best || r->cidr.prefixlen > best->cidr.prefixlen)) {
			best = r;
		}
	}
	return best ? best->slot : slot;
}

/*
 * What a delivered inner frame says about itself, from its own bytes only:
 * its direction (inner IP addresses of the outer source's family compared
 * with the outer source) and whether the mirror truncated it (its IP length
 * says more than the frame holds). Both need the whole inner IP header.
 * first: the inner frame's bytes in the first buffer. Returns HDR_SPLIT
 * when a header it needs is in the frame but beyond them.
 */
static enum hdr_at inspect_inner(const uint8_t *f, size_t len, size_t first,
				 struct vtap_ref_result *res)
{
	const struct vtap_source_key *key = &res->key;
	unsigned int type;
	size_t l3;
	enum hdr_at at = skip_l2(f, len, first, &type, &l3);

	if (at != HDR_OK)
		return at;
	if (type == ETHERTYPE_IPV4) {
		at = hdr_at(l3, IPV4_HLEN, len, first);
		if (at != HDR_OK)
			return at;
		res->truncated = be16(f + l3 + 2) > len - l3;
		if (key->family != VTAP_AF_INET)
			return HDR_OK;
		if (!memcmp(f + l3 + 12, key->addr + 12, 4))
			res->dir = VTAP_REF_DIR_FROM;
		else if (!memcmp(f + l3 + 16, key->addr + 12, 4))
			res->dir = VTAP_REF_DIR_TO;
	} else if (type == ETHERTYPE_IPV6) {
		at = hdr_at(l3, IPV6_HLEN, len, first);
		if (at != HDR_OK)
			return at;
		res->truncated = IPV6_HLEN + be16(f + l3 + 4) > len - l3;
		if (key->family != VTAP_AF_INET6)
			return HDR_OK;
		if (!memcmp(f + l3 + 8, key->addr, 16))
			res->dir = VTAP_REF_DIR_FROM;
		else if (!memcmp(f + l3 + 24, key->addr, 16))
			res->dir = VTAP_REF_DIR_TO;
	}
	return HDR_OK;
}

/* A header beyond the first buffer but in the frame is the stack's to read
 * (split_headers); one beyond the frame is the layer's own reason. */
#define NEED(off, n, why)						\
	do {								\
		enum hdr_at _at = hdr_at(off, n, len, first);		\
		if (_at != HDR_OK)					\
			return _at == HDR_SPLIT ? VTAP_PASS_SPLIT : (why); \
	} while (0)

/* The VXLAN header's flags: the I flag must be set; reserved bits are
 * tallied, and dropped with --strict. VTAP_SEEN: no verdict, go on. */
static enum vtap_counter vxlan_flags(const struct vtap_settings *s, const uint8_t *vxh,
				     struct vtap_ref_result *res)
{
	uint32_t flags = be32(vxh), vni_word = be32(vxh + 4);

	if (!(flags & VTAP_VXLAN_FLAG_I))
		return VTAP_DROP_I_FLAG;
	if ((flags & ~VTAP_VXLAN_FLAG_I) || (vni_word & VTAP_VXLAN_VNI_RESERVED)) {
		res->reserved_seen = 1;
		if (s->strict)
			return VTAP_DROP_RESERVED;
	}
	return VTAP_SEEN;
}

/* The direction a Google network ID option in [off, end) gives, else
 * VTAP_REF_DIR_OTHER. */
static enum vtap_ref_dir google_dir(const uint8_t *f, size_t off, size_t end)
{
	while (off + VTAP_GENEVE_OPT_HLEN <= end) {
		size_t vlen = (f[off + 3] & VTAP_GENEVE_OPT_LEN_MASK) * 4;

		if (off + VTAP_GENEVE_OPT_HLEN + vlen > end)
			break;
		if (be16(f + off) == VTAP_GENEVE_CLASS_GOOGLE && vlen &&
		    (f[off + 2] & VTAP_GENEVE_OPT_TYPE_MASK) == VTAP_GENEVE_GOOGLE_NETWORK_ID)
			return f[off + VTAP_GENEVE_OPT_HLEN + vlen - 1] & 1 ? VTAP_REF_DIR_FROM
									  : VTAP_REF_DIR_TO;
		off += VTAP_GENEVE_OPT_HLEN + vlen;
	}
	return VTAP_REF_DIR_OTHER;
}

/* The GENEVE header at gh (its 8 bytes in the frame), in the datagram that
 * ends at udp_end: version, the options' length, O, C, reserved bits, the
 * protocol type and the payload's minimum. VTAP_SEEN: no verdict, go on,
 * with the options' end and the Ethernet header to write (0 or ETH_HLEN). */
static enum vtap_counter geneve_header(const struct vtap_settings *s, const uint8_t *f, size_t gh,
				       size_t udp_end, struct vtap_ref_result *res,
				       size_t *opt_end, size_t *synth)
{
	unsigned int type;
	size_t need;

	if (f[gh] >> VTAP_GENEVE_VER_SHIFT)
		return VTAP_DROP_GENEVE_VERSION;
	*opt_end = gh + VTAP_GENEVE_HLEN + (f[gh] & VTAP_GENEVE_OPTLEN_MASK) * 4;
	if (*opt_end > udp_end)
		return VTAP_DROP_GENEVE_OPTIONS;
	if (f[gh + 1] & VTAP_GENEVE_FLAG_O)
		return VTAP_DROP_GENEVE_OAM;
	if (f[gh + 1] & VTAP_GENEVE_FLAG_C) {
		res->critical_seen = 1;
		if (s->strict)
			return VTAP_DROP_GENEVE_CRITICAL;
	}
	if ((f[gh + 1] & VTAP_GENEVE_FLAGS_RESERVED) || f[gh + 7]) {
		res->reserved_seen = 1;
		if (s->strict)
			return VTAP_DROP_RESERVED;
	}
	type = be16(f + gh + 2);
	if (type == VTAP_GENEVE_PROTO_ETH)
		need = ETH_HLEN, *synth = 0;
	else if (type == ETHERTYPE_IPV4)
		need = IPV4_HLEN, *synth = ETH_HLEN;
	else if (type == ETHERTYPE_IPV6)
		need = IPV6_HLEN, *synth = ETH_HLEN;
	else
		return VTAP_DROP_GENEVE_PROTO;
	if (*opt_end + need > udp_end)
		return VTAP_DROP_INNER_SHORT;
	return VTAP_SEEN;
}

/* GENEVE at gh, in the datagram that ends at udp_end. */
static enum vtap_counter classify_geneve(const struct vtap_ref_config *cfg, const uint8_t *f,
					 size_t len, size_t first, size_t gh, size_t udp_end,
					 struct vtap_ref_result *res)
{
	static const uint8_t dst_mac[6] = VTAP_SYNTH_DST_MAC, src_mac[6] = VTAP_SYNTH_SRC_MAC;
	static uint8_t out[ETH_HLEN + 65536];
	const struct vtap_settings *s = &cfg->settings;
	struct vtap_source_key *key = &res->key;
	size_t opt_end, inner, synth;
	unsigned int type;
	enum vtap_ref_dir opt_dir = VTAP_REF_DIR_OTHER;
	enum vtap_counter why;
	enum hdr_at at;

	if (gh + VTAP_GENEVE_HLEN > udp_end)
		return VTAP_DROP_GENEVE_SHORT;
	NEED(gh, VTAP_GENEVE_HLEN, VTAP_DROP_GENEVE_SHORT);
	why = geneve_header(s, f, gh, udp_end, res, &opt_end, &synth);
	if (why != VTAP_SEEN)
		return why;
	type = be16(f + gh + 2);

	key->encap = VTAP_ENCAP_GENEVE;
	key->vni = (uint32_t)f[gh + 4] << 16 | (uint32_t)f[gh + 5] << 8 | f[gh + 6];
	if (!vni_allowed(s, key->vni))
		return VTAP_DROP_VNI;
	if (!src_allowed(cfg, key))
		return VTAP_DROP_SRC;
	if (s->max_frame && udp_end - opt_end + synth > s->max_frame)
		return VTAP_DROP_TOO_BIG;
	opt_dir = google_dir(f, gh + VTAP_GENEVE_HLEN, opt_end);

	if (udp_end < len && len > first)
		return VTAP_DROP_TRAILER_FRAGS;
	/* The frame starts synth bytes before the payload: in the first buffer. */
	inner = opt_end - synth;
	NEED(inner, ETH_HLEN, VTAP_DROP_INNER_SHORT);
	if (synth) {
		memcpy(out, dst_mac, 6);
		memcpy(out + 6, src_mac, 6);
		out[12] = type >> 8;
		out[13] = type & 0xff;
		memcpy(out + ETH_HLEN, f + opt_end, udp_end - opt_end);
		res->out = out;
	} else {
		res->out = f + inner;
	}
	res->out_len = udp_end - inner;
	at = inspect_inner(res->out, res->out_len, first - inner, res);
	if (at == HDR_SPLIT || !cfg->have_target) {
		res->dir = VTAP_REF_DIR_OTHER;
		res->truncated = 0;
		res->out = NULL;
		res->out_len = 0;
		return at == HDR_SPLIT ? VTAP_PASS_SPLIT : VTAP_DROP_REDIRECT;
	}
	if (opt_dir != VTAP_REF_DIR_OTHER) {
		res->dir = opt_dir;
		res->dir_option = 1;
	}
	return VTAP_REDIRECTED;
}

static enum vtap_counter classify(const struct vtap_ref_config *cfg, const uint8_t *f,
				  size_t len, size_t first, struct vtap_ref_result *res)
{
	const struct vtap_settings *s = &cfg->settings;
	struct vtap_source_key *key = &res->key;
	size_t l3, udp, ip_end, udp_end, vx, inner;
	unsigned int type, ulen;
	int encap;
	uint32_t vni_word;
	uint8_t *dst = res->dst;
	enum vtap_counter why;
	enum hdr_at at;

	/* Layer 2: not Ethernet + IP -> not ours. */
	at = skip_l2(f, len, first, &type, &l3);
	if (at != HDR_OK)
		return at == HDR_SPLIT ? VTAP_PASS_SPLIT : VTAP_PASS_NOT_OURS;

	/* Layer 3: a malformed IP header is dropped whatever it carries. */
	if (type == ETHERTYPE_IPV4) {
		unsigned int hlen, total;

		NEED(l3, IPV4_HLEN, VTAP_DROP_IPV4_INVALID);
		hlen = (f[l3] & 0x0f) * 4;
		total = be16(f + l3 + 2);
		if (f[l3] >> 4 != 4 || hlen < IPV4_HLEN || total < hlen || l3 + total > len)
			return VTAP_DROP_IPV4_INVALID;
		if (f[l3 + 9] != PROTO_UDP)
			return VTAP_PASS_NOT_OURS;
		res->dst_family = VTAP_AF_INET;
		dst[10] = dst[11] = 0xff;
		memcpy(dst + 12, f + l3 + 16, 4);
		if (be16(f + l3 + 6) & 0x3fff) {	/* MF or fragment offset */
			if (!(be16(f + l3 + 6) & 0x1fff)) {	/* the first: UDP */
				res->next_off = l3 + hlen;
				res->next_hdr = PROTO_UDP;
			}
			return VTAP_PASS_FRAGMENT;
		}
		key->family = VTAP_AF_INET;
		key->addr[10] = key->addr[11] = 0xff;
		memcpy(key->addr + 12, f + l3 + 12, 4);
		udp = l3 + hlen;
		ip_end = l3 + total;
	} else if (type == ETHERTYPE_IPV6) {
		unsigned int payload;

		NEED(l3, IPV6_HLEN, VTAP_DROP_IPV6_INVALID);
		payload = be16(f + l3 + 4);
		if (f[l3] >> 4 != 6 || l3 + IPV6_HLEN + payload > len)
			return VTAP_DROP_IPV6_INVALID;
		res->dst_family = VTAP_AF_INET6;
		memcpy(dst, f + l3 + 24, 16);
		if (f[l3 + 6] != PROTO_UDP) {
			if (!ipv6_ext_header(f[l3 + 6]))
				return VTAP_PASS_NOT_OURS;
			res->next_off = l3 + IPV6_HLEN;
			res->next_hdr = f[l3 + 6];
			return VTAP_PASS_IPV6_EXT;
		}
		key->family = VTAP_AF_INET6;
		memcpy(key->addr, f + l3 + 8, 16);
		udp = l3 + IPV6_HLEN;
		ip_end = udp + payload;
	} else {
		return VTAP_PASS_NOT_OURS;
	}

	/* UDP: the header must fit the IP payload, whatever the port. */
	if (udp + UDP_HLEN > ip_end)
		return VTAP_DROP_UDP_LEN;
	res->next_off = udp;		/* passed from here on: steered */
	res->next_hdr = PROTO_UDP;
	NEED(udp, UDP_HLEN, VTAP_DROP_UDP_LEN);
	encap = port_is_ours(s, be16(f + udp + 2));
	if (!encap || !dst_allowed(s, res->dst_family, dst))
		return VTAP_PASS_NOT_OURS;
	ulen = be16(f + udp + 4);
	if (ulen < UDP_HLEN || udp + ulen > ip_end)
		return VTAP_DROP_UDP_LEN;
	udp_end = udp + ulen;		/* anything after it is not ours */
	if (encap == 1 + VTAP_ENCAP_GENEVE)
		return classify_geneve(cfg, f, len, first, udp + UDP_HLEN, udp_end, res);

	/* VXLAN, inside the UDP datagram. */
	vx = udp + UDP_HLEN;
	if (vx + VTAP_VXLAN_HLEN > udp_end)
		return VTAP_DROP_HDR_SHORT;
	NEED(vx, VTAP_VXLAN_HLEN, VTAP_DROP_HDR_SHORT);
	why = vxlan_flags(s, f + vx, res);
	if (why != VTAP_SEEN)
		return why;
	vni_word = be32(f + vx + 4);
	inner = vx + VTAP_VXLAN_HLEN;
	if (inner + ETH_HLEN > udp_end)
		return VTAP_DROP_INNER_SHORT;

	/* Filters. */
	key->vni = vni_word >> 8;
	if (!vni_allowed(s, key->vni))
		return VTAP_DROP_VNI;
	if (!src_allowed(cfg, key))
		return VTAP_DROP_SRC;
	if (s->max_frame && udp_end - inner > s->max_frame)	/* the target can't take it */
		return VTAP_DROP_TOO_BIG;

	/* Bytes after the datagram are trimmed only in the first buffer: a
	 * trim into the frags could free whole frags. */
	if (udp_end < len && len > first)
		return VTAP_DROP_TRAILER_FRAGS;
	/* Decapsulated only with the inner headers it reads in the first buffer. */
	NEED(inner, ETH_HLEN, VTAP_DROP_INNER_SHORT);
	at = inspect_inner(f + inner, udp_end - inner, first - inner, res);
	if (at == HDR_SPLIT || !cfg->have_target) {
		/* Not delivered: nothing is counted about the inner frame. */
		res->dir = VTAP_REF_DIR_OTHER;
		res->truncated = 0;
		return at == HDR_SPLIT ? VTAP_PASS_SPLIT : VTAP_DROP_REDIRECT;
	}

	res->out = f + inner;
	res->out_len = udp_end - inner;
	return VTAP_REDIRECTED;
}

/*
 * What the kernel is left to reassemble (outer fragments, IPv6 extension
 * headers) or to read whole (split headers) goes to the slow path when it
 * is ours: the UDP header in it (the first fragment's, behind at most
 * VTAP_MAX_IPV6_EXT extension headers) to a tapped port and destination
 * gets the fast path's VXLAN or GENEVE header checks, its port becomes the
 * slow path's (VXLAN's or GENEVE's own), VXLAN's reserved bits are
 * cleared, and a nonzero checksum is computed again (0 stays 0, a result of
 * 0 is 0xffff). GENEVE without a slow-path port is tallied as unsteered.
 * Anything it can't read is left as it is.
 */
static enum vtap_counter steer(const struct vtap_ref_config *cfg, const uint8_t *f, size_t len,
			       struct vtap_ref_result *res)
{
	static uint8_t out[65536];
	const struct vtap_settings *s = &cfg->settings;
	size_t off = res->next_off, opt_end, synth;
	unsigned int nh = res->next_hdr, ulen, check, sum;
	enum vtap_counter why;
	int encap;

	if (!off || len > sizeof(out))
		return res->outcome;
	for (int i = 0; i < VTAP_MAX_IPV6_EXT && nh != PROTO_UDP; i++) {
		if (nh == 44) {			/* fragment: only the first has UDP */
			if (off + 8 > len || (be16(f + off + 2) & 0xfff8))
				return res->outcome;
			nh = f[off];
			off += 8;
		} else if (nh == 0 || nh == 43 || nh == 60) {
			if (off + 2 > len)
				return res->outcome;
			nh = f[off];
			off += (f[off + 1] + 1) * 8;
		} else {
			return res->outcome;
		}
	}
	if (nh != PROTO_UDP || off + UDP_HLEN + VTAP_VXLAN_HLEN > len)
		return res->outcome;
	encap = port_is_ours(s, be16(f + off + 2));
	if (!encap || !dst_allowed(s, res->dst_family, res->dst))
		return res->outcome;
	ulen = be16(f + off + 4);
	if (encap == 1 + VTAP_ENCAP_GENEVE) {
		/* No GENEVE slow path (no geneve driver): tallied, left as it came. */
		if (!s->geneve_slow_port_net) {
			res->unsteered = 1;
			return res->outcome;
		}
		if (ulen < UDP_HLEN + VTAP_GENEVE_HLEN)
			return VTAP_DROP_GENEVE_SHORT;
		why = geneve_header(s, f, off + UDP_HLEN, off + ulen, res, &opt_end, &synth);
		if (why != VTAP_SEEN)
			return why;
		memcpy(out, f, len);
		memcpy(out + off + 2, &s->geneve_slow_port_net, 2);
	} else {
		if (!s->slow_port_net)
			return res->outcome;
		if (ulen < UDP_HLEN + VTAP_VXLAN_HLEN)
			return VTAP_DROP_HDR_SHORT;
		why = vxlan_flags(s, f + off + UDP_HLEN, res);
		if (why != VTAP_SEEN)
			return why;
		if (ulen < UDP_HLEN + VTAP_VXLAN_HLEN + ETH_HLEN)
			return VTAP_DROP_INNER_SHORT;
		memcpy(out, f, len);
		memcpy(out + off + 2, &s->slow_port_net, 2);
		out[off + UDP_HLEN] = VTAP_VXLAN_FLAG_I >> 24;
		out[off + UDP_HLEN + 1] = out[off + UDP_HLEN + 2] = out[off + UDP_HLEN + 3] = 0;
		out[off + UDP_HLEN + 7] = 0;
	}
	check = be16(f + off + 6);
	if (check) {
		/* RFC 1624: HC' = ~(~HC + ~m + m') over the 16 bytes changed. */
		sum = ~check & 0xffff;
		for (size_t i = 0; i < UDP_HLEN + VTAP_VXLAN_HLEN; i += 2)
			sum += (~be16(f + off + i) & 0xffff) + be16(out + off + i);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		check = ~sum & 0xffff;
		if (!check)
			check = 0xffff;
		out[off + 6] = check >> 8;
		out[off + 7] = check & 0xff;
	}
	res->out = out;
	res->out_len = len;
	res->steered = 1;
	return res->outcome;
}

void vtap_ref_decide(const struct vtap_ref_config *cfg, const uint8_t *frame,
		     size_t len, size_t first, struct vtap_ref_result *res)
{
	memset(res, 0, sizeof(*res));
	res->outcome = classify(cfg, frame, len, first < len ? first : len, res);
	if (res->outcome == VTAP_PASS_FRAGMENT || res->outcome == VTAP_PASS_IPV6_EXT ||
	    res->outcome == VTAP_PASS_SPLIT)
		res->outcome = steer(cfg, frame, len, res);
	res->action = vtap_ref_outcome_kind(res->outcome) == VTAP_KIND_REDIRECT ? VTAP_REF_REDIRECT :
		      vtap_ref_outcome_kind(res->outcome) == VTAP_KIND_DROP ? VTAP_REF_DROP :
		      VTAP_REF_PASS;
	if (res->action == VTAP_REF_REDIRECT)
		res->slot = route_slot(cfg, &res->key);
	res->meta = res->action == VTAP_REF_REDIRECT && !cfg->settings.no_direction;
}

const char *vtap_ref_outcome_name(enum vtap_counter c)
{
#define VTAP_NAME(e, name, kind) [VTAP_##e] = #name,
	static const char *const names[VTAP_NR_COUNTERS] = { VTAP_COUNTERS(VTAP_NAME) };
#undef VTAP_NAME
	return c < VTAP_NR_COUNTERS ? names[c] : "?";
}

int vtap_ref_outcome_kind(enum vtap_counter c)
{
#define VTAP_KIND(e, name, kind) [VTAP_##e] = kind,
	static const int kinds[VTAP_NR_COUNTERS] = { VTAP_COUNTERS(VTAP_KIND) };
#undef VTAP_KIND
	return c < VTAP_NR_COUNTERS ? kinds[c] : -1;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the libFuzzer harness (fuzz_xdp.c) and the regression replayer
 * (regressions.c).
 *
 * Input format. Byte 0 selects the settings variant (low 4 bits, modulo
 * VTAP_FUZZ_NR_VARIANTS), where the frame's first buffer ends (bits 4-6,
 * see vtap_fuzz_first_buf) and the mode (bit 7):
 *   raw:        bytes 1.. are the frame;
 *   structured: bytes 1.. are a struct vtap_fuzz_desc (zero-filled when the
 *               input is shorter) followed by payload bytes, and the harness
 *               builds the frame from the header fields the fuzzer chose.
 */
#ifndef VTAP_FUZZ_H
#define VTAP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include "vtap_ref.h"

#define VTAP_FUZZ_MODE_STRUCT	0x80
#define VTAP_FUZZ_MAX_FRAME	9200	/* jumbo: the test run puts > 3520 bytes in frags */
#define VTAP_FUZZ_MIN_FRAME	14	/* BPF_PROG_TEST_RUN needs an Ethernet header */
#define VTAP_FUZZ_LINEAR_MAX	3520	/* the test run's first buffer at most (4 KiB pages) */
#define VTAP_FUZZ_FIRST_SHIFT	4	/* byte 0 bits 4-6: the first buffer */
#define VTAP_FUZZ_FIRST_MASK	0x70

enum vtap_fuzz_variant {
	VTAP_FUZZ_DEFAULT,	/* port 4789, no filters, reserved bits tolerated */
	VTAP_FUZZ_STRICT,	/* reserved bits dropped */
	VTAP_FUZZ_PORTS,	/* 8472, 4790, 1, 65535 (4789 is not ours); max_frame 1518 */
	VTAP_FUZZ_VNI,		/* VNI allow-list ranges */
	VTAP_FUZZ_ALLOW_SRC,	/* IPv4 and IPv6 source CIDRs */
	VTAP_FUZZ_NO_TARGET,	/* empty devmap: redirect fails */
	VTAP_FUZZ_DST,		/* --dst CIDRs (IPv4, IPv6); slow-path port: steering */
	VTAP_FUZZ_GENEVE,	/* 4789 VXLAN, 6081 and 65535 GENEVE; slow-path port */
	VTAP_FUZZ_GENEVE_STRICT, /* 6081 GENEVE, 8472 VXLAN; strict, max_frame 1518, VNI 0 */
	VTAP_FUZZ_NR_VARIANTS,	/* the variants an input can select */
	/* Loaded for regressions.c only. */
	VTAP_FUZZ_ALLOW_ANY6 = VTAP_FUZZ_NR_VARIANTS,	/* ::/0 and 10.0.0.0/8 */
	VTAP_FUZZ_NR_LOADED
};

/*
 * Header fields of a structured input. Every field is bytes (multi-byte
 * ones big-endian) so an input maps onto it with memcpy, and all-zero means
 * "valid outer Ethernet/IPv4/UDP 4789/VXLAN headers, the payload as the
 * inner frame". Deltas are signed and added to the length the builder
 * computed.
 */
struct vtap_fuzz_desc {
	uint8_t l2;		/* bits 0-1 outer VLAN tags (0-3), bit 2 first tag 802.1ad,
				 * bit 3 use ethertype[] instead of the IP version's */
	uint8_t ethertype[2];
	uint8_t tci[2];
	uint8_t l3;		/* bit 0 IPv6 */
	uint8_t ip_ver;		/* 0: right version, else the version nibble */
	uint8_t ihl;		/* IPv4: 0 -> 5, else the IHL nibble (options are NOPs) */
	uint8_t proto;		/* 0: UDP, else protocol / next header */
	uint8_t frag[2];	/* IPv4 flags + fragment offset */
	uint8_t ip_len_delta;	/* int8: added to total length / payload length */
	uint8_t src_sel;	/* < 6: address table, else src_raw */
	uint8_t dst_sel;
	uint8_t src_raw[16];
	uint8_t dst_raw[16];
	uint8_t sport[2];
	uint8_t dport_sel;	/* < 8: port table, else dport_raw */
	uint8_t dport_raw[2];
	uint8_t ulen_delta;	/* int8: added to the UDP length */
	uint8_t vx_flags[4];	/* XORed into 0x08000000 (I flag) */
	uint8_t vni[3];
	uint8_t vni_low;	/* reserved low byte of the VNI word */
	uint8_t inner;		/* bits 0-2 inner kind (enum below), bits 3-4 inner VLAN tags */
	uint8_t ip_extra;	/* & 63: IP payload bytes after the UDP datagram */
	uint8_t eth_extra;	/* & 63: bytes after the IP packet (L2 padding) */
	uint8_t cut[2];		/* bytes removed from the end of the frame */
	uint8_t jumbo;		/* VTAP_FUZZ_JUMBO(n): n (1-7) KiB of filler appended
				 * to the payload; rare under random mutation */
	uint8_t udp_csum[2];	/* the UDP checksum field as it is (0: none); last,
				 * so that shorter inputs from before mean 0 */
	/* GENEVE instead of VXLAN (after udp_csum: older inputs are VXLAN). */
	uint8_t geneve;		/* bit 0 GENEVE; bits 1-2 payload: 0 the inner frame
				 * (0x6558), 1 IP only (the inner frame without its
				 * Ethernet header, its EtherType as protocol), 2 the
				 * inner frame with gn_proto */
	uint8_t gn_ver_opt;	/* XORed into byte 0 (version 0, the options' length) */
	uint8_t gn_flags;	/* byte 1: O, C, reserved */
	uint8_t gn_proto[2];
	uint8_t gn_opts;	/* bits 0-5 option words; bit 6 a Google network ID
				 * option first (2 words), bit 7 its direction bit;
				 * the other words are AWS-style options (0x0108) */
	uint8_t gn_reserved;	/* the last header byte */
};
#define VTAP_FUZZ_JUMBO(kib)	(0x1f | (kib) << 5)

enum vtap_fuzz_inner {
	VTAP_FUZZ_INNER_RAW,		/* payload is the whole inner frame */
	VTAP_FUZZ_INNER_V4_FROM,	/* inner IPv4, source = outer source */
	VTAP_FUZZ_INNER_V4_TO,		/* inner IPv4, destination = outer source */
	VTAP_FUZZ_INNER_V6_FROM,
	VTAP_FUZZ_INNER_V6_TO,
	VTAP_FUZZ_INNER_V4_OTHER,
	VTAP_FUZZ_INNER_ARP,
	VTAP_FUZZ_INNER_V6_OTHER,
};

/* fuzz_frame.c: input -> variant + frame (malloc'd, exactly *len bytes) +
 * the first buffer's length (0: as the test run chooses). Returns -1 when
 * there is no frame to test (too short). */
int vtap_fuzz_decode(const uint8_t *in, size_t n, int *variant, uint8_t **frame, size_t *len,
		     size_t *first);
/* Byte 0's first-buffer choice k: 0 -> as the test run chooses (the whole
 * frame up to VTAP_FUZZ_LINEAR_MAX bytes, the rest in frags), else the first
 * 14 + 16 (k - 1) bytes, across the outer and inner header boundaries. */
size_t vtap_fuzz_first_buf(unsigned int k);

/* A seed: a structured input with the outcome the rules give it. */
struct vtap_fuzz_seed {
	const char *name;
	int variant;
	enum vtap_counter outcome;
	int reserved_seen;
	struct vtap_fuzz_desc desc;
	size_t payload_len;		/* payload bytes: 0x00, 0x01, ... */
	unsigned int first;		/* byte 0's first-buffer choice (0-7) */
};
extern const struct vtap_fuzz_seed vtap_fuzz_seeds[];
extern const size_t vtap_fuzz_nr_seeds;
/* Serialise a seed as a structured input; returns its length. */
size_t vtap_fuzz_seed_input(const struct vtap_fuzz_seed *s, uint8_t *buf, size_t size);

/* fuzz_xdp.c: the real program beside the reference. */
int vtap_fuzz_setup(void);
const char *vtap_fuzz_variant_name(int variant);
/* Runs one frame through both, the first `first` bytes in the first buffer
 * (0, or a kernel whose test run can't set it: as the test run chooses).
 * Returns 0 when they agree (and the counters add up), else 1 with the
 * differences in msg. */
int vtap_fuzz_check(int variant, const uint8_t *frame, size_t len, size_t first,
		    struct vtap_ref_result *ref, char *msg, size_t msgsz);
/* Whether this kernel's test run sets the first buffer's length (6.18+). */
int vtap_fuzz_sets_first_buf(void);
/* Counters a variant's runs have bumped so far: bit per enum vtap_counter. */
uint64_t vtap_fuzz_reached(int variant);
/* Those the XDP program can bump: outcomes and informational counters. */
uint64_t vtap_fuzz_reachable(void);

#endif

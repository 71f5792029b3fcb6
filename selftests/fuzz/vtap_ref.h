/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reference decision function: what the vtap XDP program must do with one
 * frame, written in plain C from the rules in issue 2 and include/vtap_abi.h,
 * independently of bpf/vtap.bpf.c. The fuzz harness compares the two.
 */
#ifndef VTAP_REF_H
#define VTAP_REF_H

#include <stddef.h>
#include <stdint.h>
#include "vtap_abi.h"

/* One source allow-list entry, in its own family (not v4-mapped). */
struct vtap_ref_cidr {
	uint8_t family;		/* VTAP_AF_INET or VTAP_AF_INET6 */
	uint8_t prefixlen;	/* 0..32 or 0..128 */
	uint8_t addr[16];	/* IPv4 in the first 4 bytes */
};

struct vtap_ref_config {
	struct vtap_settings settings;
	const struct vtap_ref_cidr *allow;	/* used when settings.filter_src */
	unsigned int nr_allow;
	int have_target;			/* the devmap has a target */
};

enum vtap_ref_action { VTAP_REF_PASS, VTAP_REF_DROP, VTAP_REF_REDIRECT };
enum vtap_ref_dir { VTAP_REF_DIR_OTHER, VTAP_REF_DIR_FROM, VTAP_REF_DIR_TO };

struct vtap_ref_result {
	enum vtap_ref_action action;
	enum vtap_counter outcome;	/* the one outcome counter bumped */
	int reserved_seen;		/* VTAP_INFO_RESERVED_SET bumped too */
	int critical_seen;		/* VTAP_INFO_GENEVE_CRITICAL bumped too */
	int unsteered;			/* VTAP_INFO_GENEVE_UNSTEERED bumped too */
	/* Redirect only: a Google option gave the direction
	 * (VTAP_INFO_GENEVE_DIRECTION bumped). */
	int dir_option;
	/* Valid once the outer source is known (IPv4/IPv6 UDP to our port);
	 * key.vni once the VXLAN header is read. */
	struct vtap_source_key key;
	/* Redirect only: the inner frame (points into the input), its
	 * direction relative to the outer source, and whether its IP length
	 * says more than it holds (VTAP_INFO_TRUNCATED bumped). */
	const uint8_t *out;
	size_t out_len;
	enum vtap_ref_dir dir;
	int truncated;
	/* Redirect only, unless settings.no_direction: the direction goes to
	 * vtap.ko as a struct vtap_xdp_meta in the frame's metadata (not in
	 * out). */
	int meta;
	/* Passed to the stack for the slow path (settings.slow_port_net set):
	 * the frame as the program leaves it (its UDP port rewritten) is in
	 * out/out_len, and VTAP_SLOW_STEERED is bumped. */
	int steered;
	/* Internal: the outer destination (IPv4 v4-mapped) and its family,
	 * and where the header after the IP header starts (0: unknown) with
	 * its protocol, as the steering reads them. */
	uint8_t dst[16];
	int dst_family;
	size_t next_off;
	unsigned int next_hdr;
};

/* first: how many of the frame's len bytes are in its first buffer (a
 * multi-buffer frame holds the rest in frags). */
void vtap_ref_decide(const struct vtap_ref_config *cfg, const uint8_t *frame,
		     size_t len, size_t first, struct vtap_ref_result *res);

const char *vtap_ref_outcome_name(enum vtap_counter c);
int vtap_ref_outcome_kind(enum vtap_counter c);		/* VTAP_KIND_* */

#endif

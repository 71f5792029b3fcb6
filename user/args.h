/* SPDX-License-Identifier: GPL-2.0 */
/* Parsing and formatting of command-line values; pure functions, unit-tested. */
#ifndef VTAP_ARGS_H
#define VTAP_ARGS_H

#include <stddef.h>
#include "vtap_abi.h"

/* Each returns 0 or -EINVAL, and on error writes why into err (errlen). */
int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out,
	       char *err, size_t errlen);
/* A name the kernel would take as it is for a device: not empty, at most
 * 15 characters, not "." or "..", no '/', ':', '%' or white space. */
int check_ifname(const char *name, char *err, size_t errlen);
/* The longest pin root: room for netns-<inode>/<ifname>/<pin> in PATH_MAX. */
#define VTAP_PIN_ROOT_MAX 256
/* An absolute path of at most VTAP_PIN_ROOT_MAX characters without "." or
 * ".." components. */
int check_pin_root(const char *path, char *err, size_t errlen);
/* A user's value as it can be shown in a one-line message: printable
 * characters only, cut to fit len with "..." at the end. Returns buf. */
const char *format_arg(const char *arg, char *buf, size_t len);

/* "3.5 MiB": bytes in the largest binary unit under 1024 of it. */
void format_bytes(__u64 bytes, char *buf, size_t len);

/* The per-source table is a preallocated per-CPU LRU hash: each entry
 * holds its counters once per possible CPU, plus the kernel's element,
 * key and bucket (measured: 96 bytes, as memlock in bpftool map show). */
#define VTAP_SOURCE_OVERHEAD 96
__u64 sources_table_bytes(__u32 entries, unsigned int ncpus);
/* 0 when the table fits in a quarter of mem (0: unknown, no limit); else
 * -E2BIG and err says what it would cost and how many fit. */
int check_max_sources(__u32 entries, unsigned int ncpus, __u64 mem, char *err, size_t errlen);

/* stats --watch: packets per second from two readings secs apart; -1 when
 * there is no earlier reading (secs <= 0). A counter that went down was
 * reset in between: what it counted since is the rate's floor. */
double watch_rate(__u64 before, __u64 now, double secs);
/* A CLOCK_MONOTONIC time (last_seen_ns) as wall-clock nanoseconds, given
 * both clocks read now. */
__u64 mono_to_wall_ns(__u64 mono, __u64 mono_now, __u64 wall_now);
/* "2026-11-30T01:45:12.123Z" */
void format_utc(__u64 wall_ns, char *buf, size_t len);

int parse_port(const char *s, __u16 *port, char *err, size_t errlen);
int parse_vni_range(const char *s, struct vtap_vni_range *r, char *err, size_t errlen);
int parse_cidr(const char *s, struct vtap_lpm_key *key, char *err, size_t errlen);

/* One canonical form per meaning, so that "same settings" is a plain
 * compare: ports (VXLAN's in ports; GENEVE's already in s->ports_net with
 * their s->geneve_ports bits, as --geneve-port puts them; default 4789 when
 * none of either) sorted by port without duplicates into s->ports_net, a
 * port given as both kinds twice (VXLAN's first), VNI ranges sorted and merged, the allow-list and s->dst
 * sorted without duplicates, filter_src set when the allow-list is not empty. ports has room for one
 * more than nr_ports. */
void settings_canonicalize(struct vtap_settings *s, __u16 *ports, unsigned int nr_ports,
		  struct vtap_lpm_key *allow, unsigned int *nr_allow);

/* The allow-list part of that: sorted, without duplicates. */
void allow_canonicalize(struct vtap_lpm_key *allow, unsigned int *nr_allow);

/* VTAP_AF_INET for an IPv4 CIDR (stored v4-mapped), else VTAP_AF_INET6:
 * the allow-list's value. */
int cidr_family(const struct vtap_lpm_key *key);

/* --route vni:N=DEV or src:CIDR=DEV. */
struct route_spec {
	__u32 src;			/* 1: src:CIDR (cidr), 0: vni:N (vni) */
	__u32 vni;
	struct vtap_lpm_key cidr;
	char dev[VTAP_IFNAMSIZ];
};
int parse_route(const char *s, struct route_spec *r, char *err, size_t errlen);
/* Sorted (VNI routes by VNI, then source routes as the allow-list);
 * -EINVAL when two routes have the same VNI or CIDR (duplicate, or the
 * same key to two devices), err saying which. */
int routes_canonicalize(struct route_spec *r, unsigned int nr, char *err, size_t errlen);
/* "vni:100=vtA", "src:10.0.0.0/8=vtB" */
void format_route(const struct route_spec *r, char *buf, size_t len);
/* The route that decides where a frame of key goes, as the XDP program
 * decides (the longest source route of its family, else its VNI's), or
 * NULL: the --target. */
const struct route_spec *route_pick(const struct route_spec *r, unsigned int nr,
				    const struct vtap_source_key *key);

/* Text forms: dotted quad for IPv4 (v4-mapped in keys), RFC 5952 for IPv6. */
void format_addr(int family, const __u8 addr[16], char *buf, size_t len);
void format_cidr(const struct vtap_lpm_key *key, char *buf, size_t len);

#endif

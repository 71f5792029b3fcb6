/* SPDX-License-Identifier: GPL-2.0 */
/* What an attachment's settings are, as text, and how two of them differ:
 * for "attached with other settings" and for what --replace changes. */
#ifndef VTAP_SETTINGS_H
#define VTAP_SETTINGS_H

#include <stddef.h>
#include "vtap_abi.h"
#include "args.h"

/* One side of a comparison. Lists are canonical (settings_canonicalize).
 * mode and backend: VTAP_MODE_* / VTAP_BACKEND_*, or 0 for "auto", which
 * matches anything on the other side. */
struct settings_view {
	const struct vtap_settings *s;
	const struct vtap_lpm_key *allow;
	unsigned int nr_allow;
	const char *target;
	__u32 max_sources;
	int mode;
	int backend;
	__u16 slow_port;	/* host order; 0: any (the new side has no choice) */
	const struct route_spec *routes;	/* canonical */
	unsigned int nr_routes;
};

const char *mode_name(int mode);		/* "native", "generic", else "auto" */
const char *backend_name(int backend);	/* "kmod", "veth", "existing" */
const char *encap_name(int encap);	/* "vxlan", "geneve" (enum vtap_encap) */

/* Text forms, bounded by len (a list that does not fit ends in "..."):
 * "4789 4790 6081/geneve", "all" or "100 200-300", "all" or "10.0.0.0/8 fd00::/8". */
void format_ports(const struct vtap_settings *s, char *buf, size_t len);
void format_vnis(const struct vtap_settings *s, char *buf, size_t len);
void format_allow(const struct vtap_lpm_key *allow, unsigned int nr, char *buf, size_t len);
/* "none" or "vni:100=vtA src:10.0.0.0/8=vtB" */
void format_routes(const struct route_spec *r, unsigned int nr, char *buf, size_t len);

/* Writes one "name: old -> new" per chosen setting that differs into buf,
 * separated by sep, and returns how many differ (0: the same settings).
 * What is derived from the target (its ifindex, the frame limit) is not a
 * setting and is not compared. */
int settings_diff(const struct settings_view *old, const struct settings_view *new,
		  const char *sep, char *buf, size_t len);

#endif

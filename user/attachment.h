/* SPDX-License-Identifier: GPL-2.0 */
/* An attachment as its pins describe it: <pin dir>/{link,vtap_*}. */
#ifndef VTAP_ATTACHMENT_H
#define VTAP_ATTACHMENT_H

#include <limits.h>
#include <stdbool.h>
#include <linux/bpf.h>
#include "vtap_abi.h"

struct attachment {
	char ifname[VTAP_IFNAMSIZ];
	char dir[PATH_MAX];
	struct vtap_config cfg;
	struct bpf_link_info link;	/* link.prog_id, link.xdp.ifindex (0: detached) */
	int link_fd;
	int global_fd;
	int sources_fd;
	int cache_fd;		/* -1: pins of a vtap without the per-CPU source cache */
	int allow_fd;
	int target_fd;
	int config_fd;
};

/* Opens the pins of ifname's attachment in this namespace. Maps are opened
 * read-only unless writable is set. -ENOENT: not attached (no folder);
 * -ENOLINK: a folder without a link pin; -ENODATA: a link pin (a->link is
 * read) without all of its maps. Both are leftovers, not attachments. */
int attachment_open(const char *root, const char *ifname, bool writable, struct attachment *a);
void attachment_close(struct attachment *a);
/* The name its pins have of the attachment whose link runs on ifindex:
 * how an interface renamed since attach is found. -ENOENT: none. */
int attachment_find_ifindex(const char *root, __u32 ifindex, char *name, size_t len);

/* Per-CPU values summed. */
int read_global(int fd, struct vtap_global *g);
/* Each CPU's source cache (struct vtap_source_cache), whole, in an array
 * of libbpf_num_possible_cpus() the caller frees: read it before the
 * sources it completes. fd < 0: empty caches. NULL with errno set. */
struct vtap_source_cache *read_src_cache(int fd);
/* A source's counters, exact: its vtap_sources entry completed with the
 * caches read before (vtap_source_cache_merge), or, for an entry the LRU
 * evicted while a CPU's cache held the key, those caches alone. -ENOENT:
 * in neither. */
int read_source(int fd, const struct vtap_source_cache *cache,
		const struct vtap_source_key *key, struct vtap_source_stats *st);
int read_lost(int fd, struct vtap_lost *l);

/* Copies the per-source counters of one table into another that has room
 * for room entries: the most recently seen first. Returns how many the new
 * table holds, total how many the old one had; or -errno. The caches are
 * not folded in: the new program keeps using the same ones. */
int copy_sources(int from_fd, int to_fd, __u32 room, __u32 *total);

/* redirected + passes + drops: "seen" as its outcomes count it. */
__u64 global_passed(const struct vtap_global *g);
__u64 global_dropped(const struct vtap_global *g);

#endif

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "args.h"
#include "attachment.h"
#include "backend.h"
#include "pins.h"

static int open_pin(const char *dir, const char *name, bool writable)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = writable ? 0 : BPF_F_RDONLY);
	char path[PATH_MAX];
	int fd;

	if (pin_path(dir, name, path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = bpf_obj_get_opts(path, &opts);
	return fd < 0 ? -errno : fd;
}

int attachment_open(const char *root, const char *ifname, bool writable, struct attachment *a)
{
	__u32 len = sizeof(a->link), zero = 0;
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	int err;

	memset(a, 0, sizeof(*a));
	a->link_fd = a->global_fd = a->sources_fd = a->cache_fd = a->allow_fd = -1;
	a->target_fd = a->config_fd = -1;
	a->route_src_fd = a->route_vni_fd = a->slots_fd = a->slot_stats_fd = -1;
	snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
	err = pin_dir(root, ifname, a->dir, sizeof(a->dir));
	if (err)
		return err;
	if (access(a->dir, F_OK))
		return -errno;

	a->link_fd = open_pin(a->dir, VTAP_PIN_LINK, true);	/* links have no read-only mode */
	if (a->link_fd == -ENOENT)
		return -ENOLINK;
	if (a->link_fd < 0)
		return a->link_fd;
	if (bpf_obj_get_info_by_fd(a->link_fd, &a->link, &len))
		return -errno;
	a->global_fd = open_pin(a->dir, VTAP_MAP_GLOBAL, writable);
	a->sources_fd = open_pin(a->dir, VTAP_MAP_SOURCES, writable);
	/* Optional: attachments made before it have none (-ENOENT). */
	a->cache_fd = open_pin(a->dir, VTAP_MAP_SRC_CACHE, writable);
	if (a->cache_fd < 0 && a->cache_fd != -ENOENT)
		return a->cache_fd;
	a->allow_fd = open_pin(a->dir, VTAP_MAP_ALLOW_SRC, writable);
	a->target_fd = open_pin(a->dir, VTAP_MAP_TARGET, writable);
	a->config_fd = open_pin(a->dir, VTAP_MAP_CONFIG, false);
	/* Optional too: made before --route. */
	a->route_src_fd = open_pin(a->dir, VTAP_MAP_ROUTE_SRC, writable);
	a->route_vni_fd = open_pin(a->dir, VTAP_MAP_ROUTE_VNI, writable);
	a->slots_fd = open_pin(a->dir, VTAP_MAP_SLOTS, writable);
	a->slot_stats_fd = open_pin(a->dir, VTAP_MAP_SLOT_STATS, writable);
	if (a->global_fd < 0 || a->sources_fd < 0 || a->allow_fd < 0 ||
	    a->target_fd < 0 || a->config_fd < 0)
		return -ENODATA;
	/* Pins left by another version of vtap would not match our layout. */
	if (bpf_obj_get_info_by_fd(a->config_fd, &info, &info_len) ||
	    info.value_size != sizeof(a->cfg))
		return -EPROTO;
	if (bpf_map_lookup_elem(a->config_fd, &zero, &a->cfg))
		return -errno;
	return 0;
}

void attachment_close(struct attachment *a)
{
	int *fds[] = { &a->link_fd, &a->global_fd, &a->sources_fd, &a->cache_fd, &a->allow_fd,
		       &a->target_fd, &a->config_fd, &a->route_src_fd, &a->route_vni_fd,
		       &a->slots_fd, &a->slot_stats_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

unsigned int read_slots(const struct attachment *a, struct vtap_slot slots[VTAP_MAX_SLOTS])
{
	unsigned int n = 1;

	memset(slots, 0, VTAP_MAX_SLOTS * sizeof(*slots));
	snprintf(slots[0].name, sizeof(slots[0].name), "%s", a->cfg.info.target);
	if (a->slots_fd < 0)
		return n;
	for (__u32 i = 1; i < VTAP_MAX_SLOTS; i++) {
		if (bpf_map_lookup_elem(a->slots_fd, &i, &slots[i]) || !slots[i].name[0])
			break;
		n++;
	}
	return n;
}

bool attachment_uses(const struct attachment *a, const char *dev)
{
	struct vtap_slot slots[VTAP_MAX_SLOTS];
	unsigned int n = read_slots(a, slots);

	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(slots[i].name, dev))
			return true;
	return false;
}

bool attachment_claims(const struct attachment *a, const char *dev)
{
	struct vtap_slot slots[VTAP_MAX_SLOTS];
	unsigned int n = read_slots(a, slots);
	char feed[VTAP_IFNAMSIZ];

	if (!strcmp(a->cfg.info.feed, dev) || !strcmp(a->cfg.info.slow_dev, dev) ||
	    !strcmp(a->cfg.info.geneve_slow_dev, dev))
		return true;
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(slots[i].name, dev) ||
		    (!veth_feed_name(slots[i].name, feed, sizeof(feed)) && !strcmp(feed, dev)))
			return true;
	return false;
}

unsigned int read_routes(const struct attachment *a, struct route_spec *r)
{
	struct vtap_slot slots[VTAP_MAX_SLOTS];
	struct vtap_lpm_key ck, cnext, *cprev = NULL;
	__u32 vk, vnext, *vprev = NULL;
	struct vtap_route val;
	unsigned int n = 0, nslots = read_slots(a, slots);
	char why[128];

	while (a->route_vni_fd >= 0 && n < VTAP_MAX_ROUTES &&
	       !bpf_map_get_next_key(a->route_vni_fd, vprev, &vnext)) {
		vk = vnext;
		vprev = &vk;
		if (bpf_map_lookup_elem(a->route_vni_fd, &vk, &val) || val.slot >= nslots)
			continue;
		r[n] = (struct route_spec){ .vni = vk };
		memcpy(r[n++].dev, slots[val.slot].name, VTAP_IFNAMSIZ);
	}
	while (a->route_src_fd >= 0 && n < VTAP_MAX_ROUTES &&
	       !bpf_map_get_next_key(a->route_src_fd, cprev, &cnext)) {
		ck = cnext;
		cprev = &ck;
		if (bpf_map_lookup_elem(a->route_src_fd, &ck, &val) || val.slot >= nslots)
			continue;
		r[n] = (struct route_spec){ .src = 1, .cidr = ck };
		memcpy(r[n++].dev, slots[val.slot].name, VTAP_IFNAMSIZ);
	}
	routes_canonicalize(r, n, why, sizeof(why));
	return n;
}

/* The values of a per-CPU map entry, one per possible CPU, in a buffer the
 * caller frees; NULL with errno set when there is none. */
static void *lookup_percpu(int fd, const void *key, size_t value_size, int *ncpu)
{
	void *vals;

	*ncpu = libbpf_num_possible_cpus();
	if (*ncpu < 0) {
		errno = -*ncpu;
		return NULL;
	}
	vals = calloc(*ncpu, value_size);
	if (vals && bpf_map_lookup_elem(fd, key, vals)) {
		free(vals);
		return NULL;
	}
	return vals;
}

/* Sums an entry of n u64 counters over the CPUs. */
static int read_percpu_u64_at(int fd, __u32 key, __u64 *sum, size_t n)
{
	__u64 *per_cpu;
	int ncpu;

	memset(sum, 0, n * sizeof(*sum));
	per_cpu = lookup_percpu(fd, &key, n * sizeof(*sum), &ncpu);
	if (!per_cpu)
		return -errno;
	for (int cpu = 0; cpu < ncpu; cpu++)
		for (size_t c = 0; c < n; c++)
			sum[c] += per_cpu[cpu * n + c];
	free(per_cpu);
	return 0;
}

static int read_percpu_u64(int fd, __u64 *sum, size_t n)
{
	return read_percpu_u64_at(fd, 0, sum, n);
}

int read_global(int fd, struct vtap_global *g)
{
	return read_percpu_u64(fd, (__u64 *)g, sizeof(*g) / sizeof(__u64));
}

int read_lost(int fd, struct vtap_lost *l)
{
	return read_percpu_u64(fd, (__u64 *)l, sizeof(*l) / sizeof(__u64));
}

/* A CPU's cache being moved to another key is torn for a few stores: read
 * it again at once, then, in case the writing CPU was preempted mid-way
 * (a VM's vCPU can lose its physical CPU for milliseconds), every
 * millisecond, for about two seconds in all. */
#define SRC_CACHE_SPINS	100
#define SRC_CACHE_TRIES	2000

struct vtap_source_cache *read_src_cache(int fd)
{
	struct vtap_source_cache *c, *again;
	int ncpu, torn = 1;

	if (fd < 0) {
		ncpu = libbpf_num_possible_cpus();
		if (ncpu < 0) {
			errno = -ncpu;
			return NULL;
		}
		return calloc(ncpu, sizeof(*c));
	}
	c = lookup_percpu(fd, &(__u32){ 0 }, sizeof(*c), &ncpu);
	for (int i = 0; c && torn && i < SRC_CACHE_TRIES; i++) {
		torn = 0;
		for (int cpu = 0; cpu < ncpu; cpu++)
			torn |= c[cpu].head != c[cpu].tail;
		if (!torn)
			break;
		if (i >= SRC_CACHE_SPINS)
			usleep(1000);
		again = lookup_percpu(fd, &(__u32){ 0 }, sizeof(*c), &ncpu);
		if (!again)
			break;
		for (int cpu = 0; cpu < ncpu; cpu++)
			if (c[cpu].head != c[cpu].tail)
				c[cpu] = again[cpu];
		free(again);
	}
	if (c && torn) {
		free(c);
		errno = EAGAIN;
		return NULL;
	}
	return c;
}

int read_source(int fd, const struct vtap_source_cache *cache,
		const struct vtap_source_key *key, struct vtap_source_stats *st)
{
	struct vtap_source_stats *per_cpu, slot;
	int ncpu, found;

	memset(st, 0, sizeof(*st));
	per_cpu = lookup_percpu(fd, key, sizeof(*per_cpu), &ncpu);
	if (!per_cpu && errno != ENOENT)
		return -errno;
	found = !!per_cpu;
	for (int cpu = 0; cpu < ncpu; cpu++) {
		slot = per_cpu ? per_cpu[cpu] : (struct vtap_source_stats){ 0 };
		found |= vtap_source_cache_merge(&slot, key, &cache[cpu]);
		vtap_source_stats_add(st, &slot);
	}
	free(per_cpu);
	return found ? 0 : -ENOENT;
}

__u64 global_passed(const struct vtap_global *g)
{
	__u64 sum = 0;

	for (int c = VTAP_FIRST_PASS; c < VTAP_FIRST_DROP; c++)
		sum += ((const __u64 *)g)[c];
	return sum;
}

__u64 global_dropped(const struct vtap_global *g)
{
	__u64 sum = 0;

	for (int c = VTAP_FIRST_DROP; c < VTAP_FIRST_INFO; c++)
		sum += ((const __u64 *)g)[c];
	return sum;
}

struct source_copy {
	struct vtap_source_key key;
	__u64 last_seen;
	struct vtap_source_stats *per_cpu;
};

static int by_last_seen(const void *a, const void *b)
{
	const struct source_copy *x = a, *y = b;

	return x->last_seen < y->last_seen ? 1 : x->last_seen > y->last_seen ? -1 : 0;
}

int copy_sources(int from_fd, int to_fd, __u32 room, __u32 *total)
{
	struct vtap_source_key key, next, *prev = NULL;
	struct source_copy *rows = NULL, *r;
	size_t n = 0, cap = 0, kept;
	int ncpu, err = 0;

	while (!bpf_map_get_next_key(from_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (n == cap) {
			r = realloc(rows, (cap = cap ? cap * 2 : 64) * sizeof(*r));
			if (!r) {
				err = -ENOMEM;
				goto out;
			}
			rows = r;
		}
		rows[n].per_cpu = lookup_percpu(from_fd, &key, sizeof(struct vtap_source_stats),
						&ncpu);
		if (!rows[n].per_cpu)
			continue;	/* evicted meanwhile */
		rows[n].key = key;
		rows[n].last_seen = 0;
		for (int cpu = 0; cpu < ncpu; cpu++)
			if (rows[n].per_cpu[cpu].last_seen_ns > rows[n].last_seen)
				rows[n].last_seen = rows[n].per_cpu[cpu].last_seen_ns;
		n++;
	}
	*total = n;
	/* The most recently seen fit; inserted oldest first, as the LRU keeps them. */
	qsort(rows, n, sizeof(*rows), by_last_seen);
	kept = n < room ? n : room;
	for (size_t i = kept; i-- > 0;)
		if (bpf_map_update_elem(to_fd, &rows[i].key, rows[i].per_cpu, BPF_NOEXIST)) {
			err = -errno;
			goto out;
		}
	/* What the table holds now, should the LRU have made room early. */
	err = 0;
	prev = NULL;
	while (!bpf_map_get_next_key(to_fd, prev, &next)) {
		key = next;
		prev = &key;
		err++;
	}
out:
	for (size_t i = 0; i < n; i++)
		free(rows[i].per_cpu);
	free(rows);
	return err;
}

struct find_ifindex {
	const char *root;
	__u32 ifindex;
	char *name;
	size_t len;
};

static int match_ifindex(const char *ifname, void *ctx)
{
	struct find_ifindex *f = ctx;
	struct attachment a;
	int hit = !attachment_open(f->root, ifname, false, &a) && a.link.xdp.ifindex == f->ifindex;

	if (hit)
		snprintf(f->name, f->len, "%s", ifname);
	attachment_close(&a);
	return hit;
}

int attachment_find_ifindex(const char *root, __u32 ifindex, char *name, size_t len)
{
	struct find_ifindex f = { .root = root, .ifindex = ifindex, .name = name, .len = len };

	return ifindex && pin_for_each(root, match_ifindex, &f) == 1 ? 0 : -ENOENT;
}

int read_slot_stats(int fd, __u32 slot, struct vtap_slot_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (fd < 0)
		return 0;
	return read_percpu_u64_at(fd, slot, (__u64 *)st, sizeof(*st) / sizeof(__u64));
}

__u32 attachment_max_frame(const struct attachment *a)
{
	struct vtap_slot slots[VTAP_MAX_SLOTS];
	unsigned int n = read_slots(a, slots);
	int mtu, min = 0;

	for (unsigned int i = 0; i < n; i++) {
		mtu = dev_mtu(slots[i].name);
		if (mtu > 0 && (!min || mtu < min))
			min = mtu;
	}
	return min ? min + 14 + 4 : 0;
}

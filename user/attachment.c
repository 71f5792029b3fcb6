// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attachment.h"
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
		       &a->target_fd, &a->config_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
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
static int read_percpu_u64(int fd, __u64 *sum, size_t n)
{
	__u64 *per_cpu;
	__u32 zero = 0;
	int ncpu;

	memset(sum, 0, n * sizeof(*sum));
	per_cpu = lookup_percpu(fd, &zero, n * sizeof(*sum), &ncpu);
	if (!per_cpu)
		return -errno;
	for (int cpu = 0; cpu < ncpu; cpu++)
		for (size_t c = 0; c < n; c++)
			sum[c] += per_cpu[cpu * n + c];
	free(per_cpu);
	return 0;
}

int read_global(int fd, struct vtap_global *g)
{
	return read_percpu_u64(fd, (__u64 *)g, sizeof(*g) / sizeof(__u64));
}

int read_lost(int fd, struct vtap_lost *l)
{
	return read_percpu_u64(fd, (__u64 *)l, sizeof(*l) / sizeof(__u64));
}

/* A CPU's cache being moved to another key is torn for a few stores:
 * read it again, not for long. */
#define SRC_CACHE_TRIES 1000

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

// SPDX-License-Identifier: GPL-2.0
/* status and stats: read the pins, print text for people, JSON for scripts
 * (the JSON field names are a stable interface, documented in README.md). */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "args.h"
#include "attachment.h"
#include "backend.h"
#include "health.h"
#include "log.h"
#include "lost.h"
#include "pins.h"
#include "snapshot.h"
#include "vtapctl.h"

#define COUNTER_NAME(e, name, kind) #name,
const char *const counter_names[VTAP_NR_COUNTERS] = { VTAP_COUNTERS(COUNTER_NAME) };
#undef COUNTER_NAME

#define LOSS_NAME(e, name) #name,
const char *const loss_names[VTAP_NR_LOSSES] = { VTAP_LOSSES(LOSS_NAME) };
#undef LOSS_NAME

static __u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int by_packets(const void *a, const void *b)
{
	const struct source_row *x = a, *y = b;

	if (x->st.packets != y->st.packets)
		return x->st.packets < y->st.packets ? 1 : -1;
	return memcmp(&x->key, &y->key, sizeof(x->key));
}

/* A row for key, unless rows from `from` on have one. */
static int snapshot_add(struct snapshot *s, size_t *cap, const struct attachment *a,
			const struct vtap_source_cache *cache, const struct vtap_source_key *key,
			size_t from)
{
	for (size_t i = from; i < s->nr; i++)
		if (vtap_source_key_eq(&s->rows[i].key, key))
			return 0;
	if (s->nr == *cap) {
		struct source_row *r = realloc(s->rows, (*cap = *cap ? *cap * 2 : 64) * sizeof(*r));

		if (!r)
			return -ENOMEM;
		s->rows = r;
	}
	/* An entry evicted between the two calls is simply skipped. */
	if (read_source(a->sources_fd, cache, key, &s->rows[s->nr].st))
		return 0;
	s->rows[s->nr].key = *key;
	s->rows[s->nr].pps = -1;
	s->nr++;
	return 0;
}

int take_snapshot(const struct attachment *a, struct snapshot *s)
{
	struct vtap_source_key key, next, *prev = NULL;
	struct vtap_source_cache *cache;
	size_t cap = 0;
	int err, ncpu = libbpf_num_possible_cpus();

	memset(s, 0, sizeof(*s));
	snprintf(s->ifname, sizeof(s->ifname), "%s", a->ifname);
	s->mono_ns = clock_ns(CLOCK_MONOTONIC);
	s->wall_ns = clock_ns(CLOCK_REALTIME);
	err = read_global(a->global_fd, &s->g);
	if (err)
		return err;
	s->lost_counted = !lost_read(a->dir, &s->lost);
	/* The caches first: what a CPU wrote back from them since is then in
	 * the table (vtap_abi.h). */
	cache = read_src_cache(a->cache_fd);
	if (!cache)
		return -errno;
	while (!bpf_map_get_next_key(a->sources_fd, prev, &next)) {
		key = next;
		prev = &key;
		err = snapshot_add(s, &cap, a, cache, &key, s->nr);
		if (err)
			goto out;
	}
	s->nr_table = s->nr;
	/* A source the LRU evicted while a CPU's cache held it is counted
	 * there until written back. */
	for (int cpu = 0; cpu < ncpu; cpu++) {
		if (!cache[cpu].key.family)
			continue;
		err = snapshot_add(s, &cap, a, cache, &cache[cpu].key, 0);
		if (err)
			goto out;
	}
	if (s->nr)	/* rows is NULL while empty: not for qsort */
		qsort(s->rows, s->nr, sizeof(*s->rows), by_packets);
out:
	free(cache);
	return err;
}

/* The LRU table drops the least recently seen source when full: what was
 * added and is no longer there was evicted. */
__u64 sources_evicted(const struct snapshot *s)
{
	__u64 added = s->g.sources_added;

	return added > s->nr_table ? added - s->nr_table : 0;
}

/* Rates against the previous round's reading of the same interface; a
 * source it did not have is new since: all its packets count. */
static void snapshot_rates(struct snapshot *cur, const struct snapshot *prev)
{
	double secs = (cur->mono_ns - prev->mono_ns) / 1e9;

	if (strcmp(cur->ifname, prev->ifname) || !prev->mono_ns)
		return;
	for (size_t i = 0; i < cur->nr; i++) {
		__u64 before = 0;

		for (size_t j = 0; j < prev->nr; j++)
			if (!memcmp(&prev->rows[j].key, &cur->rows[i].key, sizeof(cur->rows[i].key)))
				before = prev->rows[j].st.packets;
		cur->rows[i].pps = watch_rate(before, cur->rows[i].st.packets, secs);
	}
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* Part of "redirected": null when not counted (no tracer). */
static void print_lost_json(const struct snapshot *s)
{
	const __u64 *c = (const __u64 *)&s->lost;

	if (!s->lost_counted) {
		printf("\"lost_after_redirect\": null, \"lost_by_reason\": null, ");
		return;
	}
	printf("\"lost_after_redirect\": %llu, \"lost_by_reason\": {",
	       (unsigned long long)lost_total(&s->lost));
	for (size_t i = 0; i < sizeof(loss_names) / sizeof(loss_names[0]); i++)
		printf("%s\"%s\": %llu", i ? ", " : "", loss_names[i], (unsigned long long)c[i]);
	printf("}, ");
}

static void print_global_json(const struct snapshot *s)
{
	const struct vtap_global *g = &s->g;
	const __u64 *c = (const __u64 *)g;
	int i;

	printf("{\"seen\": %llu, \"redirected\": %llu, ", (unsigned long long)g->seen,
	       (unsigned long long)g->redirected);
	print_lost_json(s);
	printf("\"passed\": %llu, \"dropped\": {", (unsigned long long)global_passed(g));
	for (i = VTAP_FIRST_DROP; i < VTAP_FIRST_INFO; i++)
		printf("%s\"%s\": %llu", i > VTAP_FIRST_DROP ? ", " : "", counter_names[i],
		       (unsigned long long)c[i]);
	printf("}, \"dropped_total\": %llu, \"passed_by_kind\": {",
	       (unsigned long long)global_dropped(g));
	for (i = VTAP_FIRST_PASS; i < VTAP_FIRST_DROP; i++)
		printf("%s\"%s\": %llu", i > VTAP_FIRST_PASS ? ", " : "", counter_names[i],
		       (unsigned long long)c[i]);
	printf("}, \"info\": {");
	for (i = VTAP_FIRST_INFO; i < VTAP_NR_COUNTERS; i++)
		printf("%s\"%s\": %llu", i > VTAP_FIRST_INFO ? ", " : "", counter_names[i],
		       (unsigned long long)c[i]);
	printf("}}");
}

static unsigned long long snmp_field(const char *file, const char *group, const char *field)
{
	char names[4096], values[4096], *n, *v, *sn, *sv;
	unsigned long long val = 0;
	size_t glen = strlen(group);
	FILE *f = fopen(file, "r");

	if (!f)
		return 0;
	/* /proc/net/snmp: a line of names, then a line of values, per group;
	 * /proc/net/snmp6: "name value" per line. */
	while (fgets(names, sizeof(names), f)) {
		if (!glen) {
			if (sscanf(names, "%4095s %llu", values, &val) == 2 && !strcmp(values, field))
				break;
			val = 0;
			continue;
		}
		if (strncmp(names, group, glen) || !fgets(values, sizeof(values), f))
			continue;
		n = strtok_r(names + glen, " \n", &sn);
		v = strtok_r(values + glen, " \n", &sv);
		for (; n && v; n = strtok_r(NULL, " \n", &sn), v = strtok_r(NULL, " \n", &sv))
			if (!strcmp(n, field))
				val = strtoull(v, NULL, 10);
		break;
	}
	fclose(f);
	return val;
}

void read_reasm(struct reasm *r)
{
	r->v4_ok = snmp_field("/proc/net/snmp", "Ip:", "ReasmOKs");
	r->v4_fails = snmp_field("/proc/net/snmp", "Ip:", "ReasmFails");
	r->v4_timeout = snmp_field("/proc/net/snmp", "Ip:", "ReasmTimeout");
	r->v6_ok = snmp_field("/proc/net/snmp6", "", "Ip6ReasmOKs");
	r->v6_fails = snmp_field("/proc/net/snmp6", "", "Ip6ReasmFails");
	r->v6_timeout = snmp_field("/proc/net/snmp6", "", "Ip6ReasmTimeout");
}

/* Where a source's frames go: its route's device, else the target. A
 * source key has one VNI, so this is one device. */
static const char *source_target(const struct attachment *a, const struct route_spec *routes,
				 unsigned int nr, const struct vtap_source_key *key)
{
	const struct route_spec *r = route_pick(routes, nr, key);

	return r ? r->dev : a->cfg.info.target;
}

/* Frames each device was handed (vtap_slot_stats), since attach or the
 * last --replace. */
static void print_devices(const struct attachment *a, bool json)
{
	struct vtap_slot slots[VTAP_MAX_SLOTS];
	unsigned int n = read_slots(a, slots);
	struct vtap_slot_stats st;

	printf(json ? ", \"devices\": [" : "devices (since attach or --replace):");
	for (unsigned int i = 0; i < n; i++) {
		read_slot_stats(a->slot_stats_fd, i, &st);
		if (json) {
			printf("%s{\"device\": ", i ? ", " : "");
			json_string(slots[i].name);
			printf(", \"packets\": %llu, \"bytes\": %llu}",
			       (unsigned long long)st.packets, (unsigned long long)st.bytes);
		} else {
			printf("%s %s %llu packets, %llu bytes", i ? ";" : "", slots[i].name,
			       (unsigned long long)st.packets, (unsigned long long)st.bytes);
		}
	}
	printf(json ? "]" : "\n");
}

static void print_stats_json(const struct attachment *a, const struct snapshot *s, bool watch)
{
	static struct route_spec routes[VTAP_MAX_ROUTES];
	unsigned int nr_routes = read_routes(a, routes);
	char src[64], when[40];
	struct reasm k;

	printf("{\"interface\": ");
	json_string(a->ifname);
	format_utc(s->wall_ns, when, sizeof(when));
	printf(", \"time\": \"%s\", \"global\": ", when);
	print_global_json(s);
	printf(", \"sources\": [");
	for (size_t i = 0; i < s->nr; i++) {
		const struct source_row *r = &s->rows[i];

		format_addr(r->key.family, r->key.addr, src, sizeof(src));
		printf("%s{\"src\": \"%s\", \"encap\": \"%s\", \"vni\": %u, \"packets\": %llu, "
		       "\"bytes\": %llu, \"from_source\": %llu, \"to_source\": %llu, \"other\": %llu, "
		       "\"last_seen_ns\": %llu, \"truncated\": %llu, \"slow_path\": %llu",
		       i ? ", " : "", src, encap_name(r->key.encap), r->key.vni,
		       (unsigned long long)r->st.packets,
		       (unsigned long long)r->st.bytes, (unsigned long long)r->st.from_source,
		       (unsigned long long)r->st.to_source, (unsigned long long)r->st.other,
		       (unsigned long long)r->st.last_seen_ns, (unsigned long long)r->st.truncated,
		       (unsigned long long)r->st.slow_path);
		if (r->st.last_seen_ns) {
			format_utc(mono_to_wall_ns(r->st.last_seen_ns, s->mono_ns, s->wall_ns), when,
				   sizeof(when));
			printf(", \"last_seen\": \"%s\"", when);
		} else {
			printf(", \"last_seen\": null");
		}
		if (watch && r->pps >= 0)
			printf(", \"pps\": %.1f", r->pps);
		else if (watch)
			printf(", \"pps\": null");
		printf(", \"target\": ");
		json_string(source_target(a, routes, nr_routes, &r->key));
		printf("}");
	}
	printf("], \"sources_evicted\": %llu", (unsigned long long)sources_evicted(s));
	print_devices(a, true);
	read_reasm(&k);
	printf(", \"kernel_reassembly\": {\"ipv4_ok\": %llu, \"ipv4_failed\": %llu, "
	       "\"ipv4_timeout\": %llu, \"ipv6_ok\": %llu, \"ipv6_failed\": %llu, "
	       "\"ipv6_timeout\": %llu}}", k.v4_ok, k.v4_fails, k.v4_timeout, k.v6_ok,
	       k.v6_fails, k.v6_timeout);
}

static void format_ago(__u64 ns, char *buf, size_t len)
{
	struct timespec now;
	double ago;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ago = ((double)now.tv_sec * 1e9 + now.tv_nsec - (double)ns) / 1e9;
	if (!ns)
		snprintf(buf, len, "-");
	else if (ago < 0.05)
		snprintf(buf, len, "now");
	else
		snprintf(buf, len, "%.1fs ago", ago);
}

static void print_stats_text(const struct attachment *a, const struct snapshot *s, bool watch)
{
	const __u64 *c = (const __u64 *)&s->g;
	char src[64], ago[32];
	__u64 slow_dropped = 0;
	struct reasm k;

	/* Every way a tapped frame can fail to arrive, in one line. The slow
	 * path's counters that are not drops: what it delivered, what the
	 * fast path steered to it, and CE marks on deliveries. */
	for (int i = VTAP_FIRST_INFO; i < VTAP_NR_COUNTERS; i++)
		if (!strncmp(counter_names[i], "slow_", 5) && i != VTAP_SLOW_REDIRECTED &&
		    i != VTAP_SLOW_STEERED && i != VTAP_SLOW_ECN_CE)
			slow_dropped += c[i];
	printf("%s: seen %llu, redirected %llu, passed %llu, dropped %llu; slow path: "
	       "redirected %llu, dropped %llu; lost after the redirect: ", a->ifname,
	       (unsigned long long)s->g.seen, (unsigned long long)s->g.redirected,
	       (unsigned long long)global_passed(&s->g), (unsigned long long)global_dropped(&s->g),
	       (unsigned long long)s->g.slow_redirected, (unsigned long long)slow_dropped);
	if (s->lost_counted)
		printf("%llu\n", (unsigned long long)lost_total(&s->lost));
	else
		printf("not counted\n");
	printf("%-39s %-6s %8s %12s %14s %12s %12s %10s %10s %10s %10s", "SOURCE", "ENCAP", "VNI",
	       "PACKETS",
	       "BYTES", "FROM_SOURCE", "TO_SOURCE", "OTHER", "TRUNCATED", "SLOW_PATH", "LAST_SEEN");
	printf(watch ? " %10s\n" : "\n", "PKTS/S");
	for (size_t i = 0; i < s->nr; i++) {
		const struct source_row *r = &s->rows[i];

		format_addr(r->key.family, r->key.addr, src, sizeof(src));
		format_ago(r->st.last_seen_ns, ago, sizeof(ago));
		printf("%-39s %-6s %8u %12llu %14llu %12llu %12llu %10llu %10llu %10llu %10s", src,
		       encap_name(r->key.encap), r->key.vni, (unsigned long long)r->st.packets, (unsigned long long)r->st.bytes,
		       (unsigned long long)r->st.from_source, (unsigned long long)r->st.to_source,
		       (unsigned long long)r->st.other, (unsigned long long)r->st.truncated,
		       (unsigned long long)r->st.slow_path, ago);
		if (watch && r->pps >= 0)
			printf(" %10.1f", r->pps);
		else if (watch)
			printf(" %10s", "-");
		printf("\n");
	}
	if (!s->nr)
		printf("(no source seen yet)\n");
	print_devices(a, false);
	if (sources_evicted(s))
		printf("(%llu sources evicted from the table: raise --max-sources or set --allow-src)\n",
		       (unsigned long long)sources_evicted(s));
	printf("outcomes:\n");
	for (int i = 0; i < VTAP_NR_COUNTERS; i++)
		if (i < VTAP_FIRST_INFO || c[i])
			printf("  %-20s %llu%s\n", counter_names[i], (unsigned long long)c[i],
			       i >= VTAP_FIRST_INFO ? " (informational)" : "");
	if (s->lost_counted) {
		const __u64 *l = (const __u64 *)&s->lost;
		const char *sep = " (";

		printf("lost after the redirect (of redirected): %llu",
		       (unsigned long long)lost_total(&s->lost));
		for (size_t i = 0; i < sizeof(loss_names) / sizeof(loss_names[0]); i++) {
			if (!l[i])
				continue;
			printf("%s%s %llu", sep, loss_names[i], (unsigned long long)l[i]);
			sep = ", ";
		}
		printf("%s\n", lost_total(&s->lost) ? ")" : "");
	} else {
		printf("lost after the redirect: not counted (the tracer needs CAP_PERFMON at "
		       "attach)\n");
	}
	read_reasm(&k);
	printf("kernel reassembly (whole namespace): ipv4 ok %llu, failed %llu (timeout %llu); "
	       "ipv6 ok %llu, failed %llu (timeout %llu)\n", k.v4_ok, k.v4_fails, k.v4_timeout,
	       k.v6_ok, k.v6_fails, k.v6_timeout);
}

/* ---- iterating attachments -------------------------------------------- */

struct walk {
	const char *root;
	bool json, watch, check;
	int problems;
	int count, err;
	int (*show)(struct walk *w, struct attachment *a);
	void (*tail)(struct walk *w);	/* after every attachment (no IFACE) */
	struct snapshot *prev;	/* --watch: per attachment, in walk order */
	size_t nr_prev;
};

static int open_or_warn(const char *root, const char *ifname, struct attachment *a)
{
	int err = attachment_open(root, ifname, false, a);
	char pinned[VTAP_IFNAMSIZ];

	/* Attached before a rename: shown under the name its pins have. */
	if (err == -ENOENT &&
	    !attachment_find_ifindex(root, if_nametoindex(ifname), pinned, sizeof(pinned))) {
		attachment_close(a);
		err = attachment_open(root, pinned, false, a);
	}

	if (err == -ENOENT)
		pr_warn("%s: not attached\n", ifname);
	else if (err == -ENOLINK || err == -ENODATA)
		pr_warn("%s: incomplete pins in %s; 'vtapctl cleanup' removes them\n", ifname,
			a->dir);
	else if (err == -EACCES || err == -EPERM)
		pr_warn("%s: permission denied (needs root)\n", ifname);
	else if (err)
		pr_warn("%s: can't read the pins in %s: %s\n", ifname, a->dir, strerror(-err));
	return err;
}

static int walk_one(const char *ifname, void *ctx)
{
	struct walk *w = ctx;
	struct attachment a;
	int err = open_or_warn(w->root, ifname, &a);

	if (!err) {
		if (w->json && w->count)
			printf(", ");
		err = w->show(w, &a);
		w->count++;
	}
	if (err)
		w->err = err;
	attachment_close(&a);
	return 0;
}

static int walk(struct walk *w, const char *ifname)
{
	char ns[PATH_MAX];
	int err;

	if (ifname) {
		err = walk_one(ifname, w) ? -1 : w->err;
		return err ? EXIT_FAIL : EXIT_OK;
	}
	/* Refuse before printing anything: no half a JSON document. */
	if (!pin_ns_dir(w->root, ns, sizeof(ns)) && access(ns, R_OK | X_OK) && errno == EACCES) {
		pr_warn("%s: permission denied (needs root)\n", ns);
		return EXIT_FAIL;
	}
	if (w->json)
		printf("{\"interfaces\": [");
	err = pin_for_each(w->root, walk_one, w);
	if (w->json && w->tail)
		printf("]");
	else if (w->json)
		printf("]}\n");
	else if (!w->count && !err)
		printf("no interface attached\n");
	if (w->tail)
		w->tail(w);
	if (err == -EACCES || err == -EPERM) {
		pr_warn("%s: permission denied (needs root)\n", w->root);
		return EXIT_FAIL;
	}
	return err || w->err ? EXIT_FAIL : EXIT_OK;
}

/* ---- stats ------------------------------------------------------------- */

static int show_stats(struct walk *w, struct attachment *a)
{
	struct snapshot s;
	size_t idx = w->count;
	int err = take_snapshot(a, &s);

	if (err) {
		pr_warn("%s: can't read counters: %s\n", a->ifname, strerror(-err));
		free(s.rows);
		return err;
	}
	if (w->watch && idx < w->nr_prev)
		snapshot_rates(&s, &w->prev[idx]);
	if (w->json)
		print_stats_json(a, &s, w->watch);
	else
		print_stats_text(a, &s, w->watch);
	if (w->watch) {
		if (idx >= w->nr_prev) {
			struct snapshot *p = realloc(w->prev, (idx + 1) * sizeof(*p));

			if (!p) {
				free(s.rows);
				return -ENOMEM;
			}
			w->prev = p;
			memset(&p[w->nr_prev], 0, (idx + 1 - w->nr_prev) * sizeof(*p));
			w->nr_prev = idx + 1;
		}
		free(w->prev[idx].rows);
		w->prev[idx] = s;
	} else {
		free(s.rows);
	}
	return 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int do_stats(const char *root, const char *ifname, bool json, unsigned int watch)
{
	struct walk w = { .root = root, .json = json, .watch = watch > 0, .show = show_stats };
	int ret;

	if (!watch) {
		ret = walk(&w, ifname);
		if (json && ifname && ret == EXIT_OK)
			printf("\n");
		return ret;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop) {
		if (!json && isatty(STDOUT_FILENO))
			printf("\033[H\033[2J");
		w.count = 0;
		w.err = 0;
		ret = walk(&w, ifname);
		if (json && ifname)
			printf("\n");
		fflush(stdout);
		if (ret != EXIT_OK)
			break;
		for (unsigned int t = 0; t < watch * 10 && !stop; t++)
			usleep(100000);
	}
	for (size_t i = 0; i < w.nr_prev; i++)
		free(w.prev[i].rows);
	free(w.prev);
	return ret;
}

/* ---- status ------------------------------------------------------------ */

static size_t count_sources(int fd)
{
	struct vtap_source_key key, next, *prev = NULL;
	size_t n = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		n++;
		key = next;
		prev = &key;
	}
	return n;
}

/* The ports, VNI ranges, allow-list or destinations of an attachment, as a
 * JSON array (", \"name\": [...]") or as a status line ("  label    ..."). */
enum list { LIST_PORTS, LIST_VNIS, LIST_SOURCES, LIST_DST };

static void print_list(enum list which, const struct attachment *a, bool json)
{
	static const char *const json_names[] = { "ports", "vnis", "allow_src", "dst" };
	static const char *const labels[] = { "ports", "vnis", "sources", "dst" };
	const struct vtap_settings *st = &a->cfg.settings;
	struct vtap_lpm_key key, next, *prev = NULL;
	const char *sep = json ? ", " : " ";
	char buf[64];
	int n = 0;

	if (json)
		printf(", \"%s\": [", json_names[which]);
	else
		printf("  %-9s", labels[which]);
	switch (which) {
	case LIST_PORTS:
		for (__u32 i = 0; i < st->nr_ports; i++)
			printf(json ? "%s%u" : "%s%u (%s)", i ? sep : "", ntohs(st->ports_net[i]),
			       encap_name((st->geneve_ports >> i) & 1));
		/* JSON: "ports" all of them, as before; "geneve_ports" which
		 * of them carry GENEVE. */
		if (json) {
			printf("], \"geneve_ports\": [");
			for (__u32 i = 0; i < st->nr_ports; i++)
				if ((st->geneve_ports >> i) & 1)
					printf("%s%u", n++ ? sep : "", ntohs(st->ports_net[i]));
		}
		break;
	case LIST_VNIS:
		for (__u32 i = 0; i < st->nr_vni_ranges; i++) {
			const struct vtap_vni_range *r = &st->vni_ranges[i];

			if (json)
				printf("%s[%u, %u]", i ? sep : "", r->first, r->last);
			else if (r->first == r->last)
				printf("%s%u", i ? sep : "", r->first);
			else
				printf("%s%u-%u", i ? sep : "", r->first, r->last);
		}
		if (!json && !st->nr_vni_ranges)
			printf("all");
		break;
	case LIST_SOURCES:
		while (!bpf_map_get_next_key(a->allow_fd, prev, &next)) {
			key = next;
			prev = &key;
			format_cidr(&key, buf, sizeof(buf));
			printf(json ? "%s\"%s\"" : "%s%s", n++ ? sep : "", buf);
		}
		if (!json && !st->filter_src)
			printf("all (warning: no --allow-src, anyone who reaches the port can inject frames)");
		break;
	case LIST_DST:
		for (__u32 i = 0; i < st->nr_dst; i++) {
			format_cidr(&st->dst[i], buf, sizeof(buf));
			printf(json ? "%s\"%s\"" : "%s%s", i ? sep : "", buf);
		}
		if (!json && !st->nr_dst)
			printf("any");
		break;
	}
	printf(json ? "]" : "\n");
}

/* What vtap0's taps see of a frame's direction (README, Direction). */
static const char *direction_text(const struct attachment *a)
{
	if (a->cfg.settings.no_direction)
		return "no direction (--no-direction, or a kernel without XDP metadata): "
		       "every frame as received";
	if (a->cfg.info.backend != VTAP_BACKEND_KMOD)
		return "no direction: only a vtap.ko target shows it";
	return "direction: what the tapped NIC sent as outgoing, what it received as incoming";
}

/* The attachment's own slow-path devices and their UDP ports: VXLAN's,
 * and GENEVE's (with a --geneve-port; none on a kernel without a geneve
 * driver). */
static void print_slow_dev(struct walk *w, const char *key, const char *kind, const char *dev,
			   __u16 port_net, const char *none)
{
	unsigned int port = ntohs(port_net);
	bool present = dev[0] && if_nametoindex(dev);

	if (w->json && !dev[0]) {
		printf(", \"%s\": null", key);
	} else if (w->json) {
		printf(", \"%s\": {\"device\": ", key);
		json_string(dev);
		printf(", \"port\": %u, \"present\": %s}", port, present ? "true" : "false");
	} else if (!dev[0]) {
		printf("  %-9snone%s%s (%s)\n", "slowpath", *kind ? " for " : "", kind, none);
	} else {
		printf("  %-9s%s (%s%sUDP port %u%s)\n", "slowpath", dev, kind, *kind ? ", " : "",
		       port, present ? "" : ", MISSING");
	}
}

static void print_slowpath(struct walk *w, const struct attachment *a)
{
	const struct vtap_settings *s = &a->cfg.settings;

	print_slow_dev(w, "slow_path", "", a->cfg.info.slow_dev, s->slow_port_net,
		       "outer fragments reach the stack");
	if (w->json || s->geneve_ports)
		print_slow_dev(w, "geneve_slow_path", "GENEVE",
			       a->cfg.info.geneve_slow_dev, s->geneve_slow_port_net,
			       "no geneve driver: outer fragments reach the stack, counted as "
			       "geneve_unsteered");
}

struct problem_out {
	bool json;
	int n;
};

static void problem_line(void *ctx, const char *what, const char *msg)
{
	struct problem_out *o = ctx;

	if (o->json) {
		char line[600];

		snprintf(line, sizeof(line), "%s: %s", what, msg);
		printf("%s", o->n++ ? ", " : "");
		json_string(line);
	} else {
		printf("  problem  %s\n", msg);
	}
}

/* What status --check reports: text "problem" lines, or a JSON array. */
static void print_problems(struct walk *w, const struct attachment *a)
{
	struct problem_out o = { .json = w->json };
	struct problems p = { .fn = problem_line, .ctx = &o };

	if (w->json)
		printf(", \"problems\": [");
	w->problems += attachment_check(w->root, a, &p);
	if (w->json)
		printf("]");
}

static void print_routes(const struct attachment *a, bool json)
{
	static struct route_spec routes[VTAP_MAX_ROUTES];
	unsigned int n = read_routes(a, routes);
	char one[96];

	printf(json ? ", \"routes\": [" : "  %-9s", "routes");
	for (unsigned int i = 0; i < n; i++) {
		format_route(&routes[i], one, sizeof(one));
		if (json) {
			printf("%s{\"route\": ", i ? ", " : "");
			json_string(one);
			printf(", \"device\": ");
			json_string(routes[i].dev);
			printf(", \"present\": %s}",
			       if_nametoindex(routes[i].dev) ? "true" : "false");
		} else {
			printf("%s%s%s", i ? " " : "", one,
			       if_nametoindex(routes[i].dev) ? "" : " (MISSING)");
		}
	}
	if (!json && !n)
		printf("none (every frame to the target)");
	printf(json ? "]" : "\n");
}

static int show_status(struct walk *w, struct attachment *a)
{
	const struct vtap_attach_info *info = &a->cfg.info;
	/* ifindex 0 would ask about whatever XDP program is anywhere. */
	int mode = a->link.xdp.ifindex ? attached_mode(a->link.xdp.ifindex) : 0;
	/* A deleted target: every tapped frame is now a failed redirect. */
	bool target_present = if_nametoindex(info->target) != 0;
	struct vtap_global g;
	char since[64], cost[32];
	time_t t = info->attached_at;
	struct tm tm;
	int err = read_global(a->global_fd, &g);

	if (err) {
		pr_warn("%s: can't read counters: %s\n", a->ifname, strerror(-err));
		return err;
	}
	strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	if (w->json) {
		printf("{\"interface\": ");
		json_string(a->ifname);
		printf(", \"ifindex\": %u, \"attached\": %s, \"mode\": ", a->link.xdp.ifindex,
		       a->link.xdp.ifindex ? "true" : "false");
		if (mode)
			printf("\"%s\"", mode_name(mode));
		else
			printf("null");
		printf(", \"program_id\": %u, \"target\": ", a->link.prog_id);
		json_string(info->target);
		printf(", \"backend\": \"%s\", \"target_created\": %s, \"since\": \"%s\", "
		       "\"strict\": %s, \"direction\": %s, \"max_sources\": %u, "
		       "\"sources_table_bytes\": %llu, \"sources_in_use\": %zu",
		       backend_name(info->backend),
		       info->flags & VTAP_INFO_TARGET_CREATED ? "true" : "false", since,
		       a->cfg.settings.strict ? "true" : "false",
		       a->cfg.settings.no_direction ? "false" : "true", info->max_sources,
		       (unsigned long long)sources_table_bytes(info->max_sources,
							       libbpf_num_possible_cpus()),
		       count_sources(a->sources_fd));
		printf(", \"target_present\": %s", target_present ? "true" : "false");
		print_list(LIST_PORTS, a, true);
		print_list(LIST_VNIS, a, true);
		print_list(LIST_SOURCES, a, true);
		print_list(LIST_DST, a, true);
		print_routes(a, true);
		print_slowpath(w, a);
		print_problems(w, a);
		printf(", \"counters\": {\"seen\": %llu, \"redirected\": %llu, \"passed\": %llu, "
		       "\"dropped\": %llu}}",
		       (unsigned long long)g.seen, (unsigned long long)g.redirected,
		       (unsigned long long)global_passed(&g), (unsigned long long)global_dropped(&g));
		return 0;
	}
	printf("%s: %s mode, program id %u, since %s\n", a->ifname,
	       a->link.xdp.ifindex ? mode_name(mode) : "DETACHED (interface gone)",
	       a->link.prog_id, since);
	printf("  %-9s%s (%s backend%s)%s\n", "target", info->target, backend_name(info->backend),
	       info->flags & VTAP_INFO_TARGET_CREATED ? ", made by vtapctl" : "",
	       target_present ? "" : " MISSING: the device is gone, every tapped frame is "
				     "dropped as redirect_failed; 'vtapctl attach' makes it again");
	print_list(LIST_PORTS, a, false);
	print_list(LIST_VNIS, a, false);
	print_list(LIST_SOURCES, a, false);
	print_list(LIST_DST, a, false);
	print_routes(a, false);
	format_bytes(sources_table_bytes(info->max_sources, libbpf_num_possible_cpus()), cost,
		     sizeof(cost));
	printf("  %-9sreserved bits %s; up to %u sources counted (table %s), %zu now\n",
	       "checks", a->cfg.settings.strict ? "dropped (--strict)" : "accepted",
	       info->max_sources, cost, count_sources(a->sources_fd));
	printf("  %-9s%s\n", "taps", direction_text(a));
	print_slowpath(w, a);
	printf("  %-9sseen %llu, redirected %llu, passed %llu, dropped %llu\n", "counters",
	       (unsigned long long)g.seen, (unsigned long long)g.redirected,
	       (unsigned long long)global_passed(&g), (unsigned long long)global_dropped(&g));
	print_problems(w, a);
	return 0;
}

static void check_line(void *ctx, const char *what, const char *msg)
{
	(void)ctx;
	printf("%s: %s\n", what, msg);
}

/* status --check: one line per problem, "IFACE: ok" for a sound one. */
static int show_check(struct walk *w, struct attachment *a)
{
	struct problems p = { .fn = check_line };

	if (!attachment_check(w->root, a, &p))
		printf("%s: ok\n", a->ifname);
	w->problems += p.count;
	return 0;
}

/* Leftovers of dead attachments, which no attachment shows. */
static void leftover_tail(struct walk *w)
{
	struct problem_out o = { .json = w->json };
	struct problems p = { .fn = w->json ? problem_line : check_line, .ctx = &o };

	if (w->json)
		printf(", \"leftovers\": [");
	else if (!w->check)
		p.fn = NULL;
	health_scan(w->root, false, &p);
	if (w->json)
		printf("]}\n");
	else if (!w->check && p.count)
		printf("%d leftovers of dead attachments: 'vtapctl status --check' lists them, "
		       "'vtapctl cleanup' removes them\n", p.count);
	w->problems += p.count;
}

int do_status(const char *root, const char *ifname, bool json, bool check)
{
	struct walk w = { .root = root, .json = json, .check = check && !json,
			  .show = check && !json ? show_check : show_status };
	/* A shared lock: an attach or detach half done is not a problem to
	 * report. Whoever can't take it (not root) reads without. */
	int lock = pin_root_lock(root, false), ret;

	if (!ifname)
		w.tail = leftover_tail;
	ret = walk(&w, ifname);
	if (lock >= 0)
		close(lock);
	if (json && ifname && ret == EXIT_OK)
		printf("\n");
	if (check && ret == EXIT_OK && w.problems)
		ret = EXIT_FAIL;
	return ret;
}

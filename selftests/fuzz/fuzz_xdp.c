// SPDX-License-Identifier: GPL-2.0
/*
 * Differential fuzzing of the vtap XDP program against the reference in
 * vtap_ref.c. The real object (build/vtap.bpf.o through its skeleton) is
 * loaded once per settings variant; every input is run through
 * BPF_PROG_TEST_RUN and through the reference, and any difference in action,
 * output bytes, counted outcome, informational counter, per-source counters
 * or the conservation identity aborts (libFuzzer keeps the input).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fuzz.h"
#include "vtap.skel.h"
#include "xdp_meta.h"

#define TARGET_IFINDEX	1	/* lo: the test run only resolves the devmap entry */

static const struct vtap_ref_cidr allow_list[] = {
	{ VTAP_AF_INET, 8, { 10 } },
	{ VTAP_AF_INET, 32, { 192, 0, 2, 1 } },
	{ VTAP_AF_INET, 25, { 198, 51, 100, 128 } },
	{ VTAP_AF_INET6, 32, { 0x20, 0x01, 0x0d, 0xb8 } },
	{ VTAP_AF_INET6, 128, { 0xfd, 0x00, 0x00, 0x01, [15] = 1 } },
};

/* --route in the vni and allow_src variants: nested and cross-family
 * prefixes, VNI routes the source routes override; slots 1-3. */
static const struct vtap_ref_route routes[] = {
	{ 0, 0, { VTAP_AF_INET, 8, { 10 } }, 1 },
	{ 0, 0, { VTAP_AF_INET, 24, { 10, 1, 2 } }, 2 },
	{ 0, 0, { VTAP_AF_INET, 25, { 198, 51, 100, 128 } }, 3 },
	{ 0, 0, { VTAP_AF_INET6, 0, { 0 } }, 1 },
	{ 0, 0, { VTAP_AF_INET6, 32, { 0xfd, 0x00, 0x00, 0x01 } }, 2 },
	{ 1, 150, { 0 }, 3 },
	{ 1, 5000, { 0 }, 2 },
	{ 1, 0, { 0 }, 1 },
	{ 1, 100, { 0 }, 2 },
};
#define NR_ROUTES (sizeof(routes) / sizeof(routes[0]))
#define NR_ROUTE_SLOTS 4	/* slot 0 and the three above */

/* Regression-only variant: every IPv6 source, IPv4 sources in 10/8 only. */
static const struct vtap_ref_cidr allow_any6[] = {
	{ VTAP_AF_INET, 8, { 10 } },
	{ VTAP_AF_INET6, 0, { 0 } },
};

static const char *const variant_names[VTAP_FUZZ_NR_LOADED] = {
	"default", "strict", "ports_mtu", "vni", "allow_src", "no_target", "dst", "geneve",
	"geneve_strict", "allow_any6",
};

struct variant {
	struct vtap_ref_config ref;
	struct vtap_bpf *skel;
	int prog_fd;
	__u64 last[VTAP_NR_COUNTERS];	/* global counters after the previous run */
	uint64_t reached;		/* bit per enum vtap_counter */
	__u64 checks;			/* runs checked, for the periodic whole-table check */
};

static struct variant variants[VTAP_FUZZ_NR_LOADED];
static int ncpus;
static int sets_first_buf;	/* the test run takes the first buffer from data_end */

/*
 * Outcomes of the real program as extra coverage features for libFuzzer
 * (the BPF program itself is not instrumented): variant x outcome x
 * reserved bits x truncated x direction.
 */
#define NR_FEATURES (VTAP_FUZZ_NR_LOADED * VTAP_NR_COUNTERS * 2 * 2 * 3)
#ifdef VTAP_FUZZ_LIBFUZZER
__attribute__((used, section("__libfuzzer_extra_counters")))
#endif
static uint8_t features[NR_FEATURES];

const char *vtap_fuzz_variant_name(int v)
{
	return v >= 0 && v < VTAP_FUZZ_NR_LOADED ? variant_names[v] : "?";
}

uint64_t vtap_fuzz_reached(int v)
{
	return variants[v].reached;
}

int vtap_fuzz_sets_first_buf(void)
{
	return sets_first_buf;
}

uint64_t vtap_fuzz_reachable(void)
{
	uint64_t all = 1ull << VTAP_INFO_RESERVED_SET | 1ull << VTAP_INFO_TRUNCATED |
		       1ull << VTAP_SLOW_STEERED | 1ull << VTAP_INFO_GENEVE_CRITICAL |
		       1ull << VTAP_INFO_GENEVE_DIRECTION | 1ull << VTAP_INFO_GENEVE_UNSTEERED;

	for (int i = 0; i < VTAP_NR_COUNTERS; i++)
		if (vtap_ref_outcome_kind(i) != VTAP_KIND_SEEN &&
		    vtap_ref_outcome_kind(i) != VTAP_KIND_INFO)
			all |= 1ull << i;
	/* Only a short first buffer leaves headers outside it. */
	if (!sets_first_buf)
		all &= ~(1ull << VTAP_PASS_SPLIT);
	return all;
}

static void routes_for(struct vtap_ref_config *c)
{
	c->routes = routes;
	c->nr_routes = NR_ROUTES;
	c->settings.nr_routes = NR_ROUTES;
	for (unsigned int i = 0; i < NR_ROUTES; i++)
		c->settings.nr_src_routes += !routes[i].by_vni;
}

static void settings_for(int v, struct vtap_ref_config *c)
{
	struct vtap_settings *s = &c->settings;

	memset(c, 0, sizeof(*c));
	s->ports_net[0] = htons(VTAP_DEFAULT_PORT);
	s->nr_ports = 1;
	c->have_target = 1;
	switch (v) {
	case VTAP_FUZZ_STRICT:
		s->strict = 1;
		break;
	case VTAP_FUZZ_PORTS:
		s->ports_net[0] = htons(8472);
		s->ports_net[1] = htons(4790);
		s->ports_net[2] = htons(1);
		s->ports_net[3] = htons(65535);
		s->nr_ports = 4;
		s->max_frame = 1518;	/* MTU 1500 + Ethernet + one VLAN tag */
		s->no_direction = 1;
		break;
	case VTAP_FUZZ_VNI:
		s->vni_ranges[0] = (struct vtap_vni_range){ 100, 199 };
		s->vni_ranges[1] = (struct vtap_vni_range){ 5000, 5000 };
		s->vni_ranges[2] = (struct vtap_vni_range){ 0xfffff0, VTAP_VNI_MAX };
		s->vni_ranges[3] = (struct vtap_vni_range){ 0, 0 };
		s->vni_ranges[4] = (struct vtap_vni_range){ 300, 200 };	/* empty */
		s->nr_vni_ranges = 5;
		routes_for(c);
		break;
	case VTAP_FUZZ_ALLOW_SRC:
		s->filter_src = 1;
		c->allow = allow_list;
		c->nr_allow = sizeof(allow_list) / sizeof(allow_list[0]);
		routes_for(c);
		break;
	case VTAP_FUZZ_NO_TARGET:
		c->have_target = 0;
		break;
	case VTAP_FUZZ_DST:
		/* Some of the frame builder's addresses in, some out; as
		 * parse_cidr stores them (IPv4 v4-mapped), sorted. */
		s->dst[0] = (struct vtap_lpm_key){ 32, { 0x20, 0x01, 0x0d, 0xb8 } };
		s->dst[1] = (struct vtap_lpm_key){ 128, { 0xfd, 0x00, 0x00, 0x01, [15] = 2 } };
		s->dst[2] = (struct vtap_lpm_key){ 104, { [10] = 0xff, 0xff, 10 } };
		s->dst[3] = (struct vtap_lpm_key){ 121, { [10] = 0xff, 0xff, 198, 51, 100, 128 } };
		s->nr_dst = 4;
		s->slow_port_net = htons(40000);	/* steering on */
		break;
	case VTAP_FUZZ_GENEVE:
		s->ports_net[0] = htons(VTAP_DEFAULT_PORT);
		s->ports_net[1] = htons(VTAP_GENEVE_PORT);
		s->ports_net[2] = htons(65535);
		s->nr_ports = 3;
		s->geneve_ports = 1 << 1 | 1 << 2;
		s->slow_port_net = htons(40000);
		s->geneve_slow_port_net = htons(40001);	/* GENEVE steering on */
		break;
	case VTAP_FUZZ_GENEVE_STRICT:
		s->ports_net[0] = htons(VTAP_GENEVE_PORT);
		s->ports_net[1] = htons(8472);
		s->nr_ports = 2;
		s->geneve_ports = 1 << 0;
		s->strict = 1;
		s->max_frame = 1518;
		s->vni_ranges[0] = (struct vtap_vni_range){ 0, 0 };
		s->nr_vni_ranges = 1;
		break;
	case VTAP_FUZZ_ALLOW_ANY6:
		s->filter_src = 1;
		c->allow = allow_any6;
		c->nr_allow = sizeof(allow_any6) / sizeof(allow_any6[0]);
		break;
	}
}

/* Sum of the per-CPU global counters. */
static int read_global(struct variant *var, __u64 *sum)
{
	struct vtap_global vals[ncpus];
	__u32 zero = 0;

	if (bpf_map__lookup_elem(var->skel->maps.vtap_global, &zero, sizeof(zero),
				 vals, sizeof(vals), 0))
		return -errno;
	memset(sum, 0, sizeof(__u64) * VTAP_NR_COUNTERS);
	for (int cpu = 0; cpu < ncpus; cpu++)
		for (int i = 0; i < VTAP_NR_COUNTERS; i++)
			sum[i] += ((__u64 *)&vals[cpu])[i];
	return 0;
}

/* Sum of one source's per-CPU counters, exact as vtapctl reads them:
 * each CPU's cache first, then the table, merged (vtap_abi.h); zero (and
 * 0 returned) when it has no entry. A cache left torn is a failure. */
static int read_source(struct variant *var, const struct vtap_source_key *key,
		       struct vtap_source_stats *sum)
{
	struct vtap_source_stats vals[ncpus];
	struct vtap_source_cache cache[ncpus];
	__u32 zero = 0;
	int found;

	memset(sum, 0, sizeof(*sum));
	if (bpf_map__lookup_elem(var->skel->maps.vtap_src_cache, &zero, sizeof(zero),
				 cache, sizeof(cache), 0))
		return -errno;
	found = !bpf_map__lookup_elem(var->skel->maps.vtap_sources, key, sizeof(*key),
				      vals, sizeof(vals), 0);
	if (!found)
		memset(vals, 0, sizeof(vals));
	for (int cpu = 0; cpu < ncpus; cpu++) {
		if (cache[cpu].head != cache[cpu].tail)
			return -EBUSY;
		vtap_source_cache_merge(&vals[cpu], key, &cache[cpu]);
		vtap_source_stats_add(sum, &vals[cpu]);
	}
	return found;
}

/* Packets over every source, table and caches (a key the LRU evicted
 * while cached counts from the caches): with nothing evicted, exactly the
 * delivered frames. A write-back into the wrong key shows here. */
static int all_source_packets(struct variant *var, __u64 *total)
{
	struct vtap_source_cache cache[ncpus];
	struct vtap_source_key key, next, *prev = NULL;
	struct vtap_source_stats st;
	int fd = bpf_map__fd(var->skel->maps.vtap_sources), err;
	__u32 zero = 0;

	*total = 0;
	if (bpf_map__lookup_elem(var->skel->maps.vtap_src_cache, &zero, sizeof(zero),
				 cache, sizeof(cache), 0))
		return -errno;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		err = read_source(var, &key, &st);
		if (err < 0)
			return err;
		*total += st.packets;
	}
	for (int cpu = 0; cpu < ncpus; cpu++) {
		__u64 dummy[ncpus * sizeof(st) / sizeof(__u64)];

		if (!cache[cpu].key.family ||
		    !bpf_map_lookup_elem(fd, &cache[cpu].key, dummy))
			continue;
		/* evicted while cached: this CPU's count is the cache's */
		*total += cache[cpu].st.packets;
	}
	return 0;
}

/* The ABI's encoding of a CIDR: IPv4 as ::ffff:a.b.c.d, prefix + 96. */
static struct vtap_lpm_key cidr_lpm(const struct vtap_ref_cidr *c)
{
	struct vtap_lpm_key lpm = { .prefixlen = c->prefixlen };

	if (c->family == VTAP_AF_INET) {
		lpm.prefixlen += 96;
		lpm.addr[10] = lpm.addr[11] = 0xff;
		memcpy(lpm.addr + 12, c->addr, 4);
	} else {
		memcpy(lpm.addr, c->addr, 16);
	}
	return lpm;
}

/* Packets handed to each routed slot, over CPUs. */
static int read_slots(struct variant *var, __u64 packets[NR_ROUTE_SLOTS])
{
	struct vtap_slot_stats vals[ncpus];

	for (__u32 slot = 0; slot < NR_ROUTE_SLOTS; slot++) {
		if (bpf_map__lookup_elem(var->skel->maps.vtap_slot_stats, &slot, sizeof(slot),
					 vals, sizeof(vals), 0))
			return -errno;
		packets[slot] = 0;
		for (int cpu = 0; cpu < ncpus; cpu++)
			packets[slot] += vals[cpu].packets;
	}
	return 0;
}

static int load_variant(int v)
{
	struct variant *var = &variants[v];
	__u32 key = 0, ifindex = TARGET_IFINDEX;
	int err;

	settings_for(v, &var->ref);
	/* As vtapctl loads it where the kernel refuses XDP metadata. */
	if (!vtap_xdp_meta_supported())
		var->ref.settings.no_direction = 1;
	var->skel = vtap_bpf__open();
	if (!var->skel)
		return -errno;
	var->skel->rodata_config->vtap_config.settings = var->ref.settings;
	err = vtap_bpf__load(var->skel);
	if (err)
		return err;
	for (key = 0; var->ref.have_target && key < NR_ROUTE_SLOTS; key++) {
		err = bpf_map__update_elem(var->skel->maps.vtap_target, &key, sizeof(key),
					   &ifindex, sizeof(ifindex), 0);
		if (err)
			return err;
	}
	for (unsigned int i = 0; i < var->ref.nr_routes; i++) {
		const struct vtap_ref_route *r = &var->ref.routes[i];
		struct vtap_route val = { .slot = r->slot, .family = r->cidr.family };
		struct vtap_lpm_key lpm = cidr_lpm(&r->cidr);

		err = r->by_vni ?
		      bpf_map__update_elem(var->skel->maps.vtap_route_vni, &r->vni, sizeof(r->vni),
					   &val, sizeof(val), 0) :
		      bpf_map__update_elem(var->skel->maps.vtap_route_src, &lpm, sizeof(lpm),
					   &val, sizeof(val), 0);
		if (err)
			return err;
	}
	for (unsigned int i = 0; i < var->ref.nr_allow; i++) {
		const struct vtap_ref_cidr *c = &var->ref.allow[i];
		struct vtap_lpm_key lpm = cidr_lpm(c);
		__u8 family = c->family;	/* the value: the CIDR's family */

		err = bpf_map__update_elem(var->skel->maps.vtap_allow_src, &lpm, sizeof(lpm),
					   &family, sizeof(family), 0);
		if (err)
			return err;
	}
	var->prog_fd = bpf_program__fd(var->skel->progs.vtap_xdp);
	return read_global(var, var->last);
}

/* Linux 6.18's test run takes the first buffer's length from the context's
 * data_end; before, data_end must be the whole frame. */
static int probe_first_buf(void)
{
	static uint8_t frame[256];
	struct variant *var = &variants[VTAP_FUZZ_DEFAULT];
	struct xdp_md ctx = { .data_end = 64 };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = frame,
		.data_size_in = sizeof(frame),
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1,
	);

	sets_first_buf = !bpf_prog_test_run_opts(var->prog_fd, &opts);
	return read_global(var, var->last);
}

int vtap_fuzz_setup(void)
{
	int err;

	if (ncpus)
		return 0;
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0)
		return ncpus ? ncpus : -EINVAL;
	for (int v = 0; v < VTAP_FUZZ_NR_LOADED; v++) {
		err = load_variant(v);
		if (err) {
			fprintf(stderr, "vtap-fuzz: loading variant %s: %s\n",
				variant_names[v], strerror(-err));
			return err;
		}
	}
	return probe_first_buf();
}

#define FAIL(...)							\
	do {								\
		bad = 1;						\
		if (m < msgsz)						\
			m += snprintf(msg + m, msgsz - m, "    ");	\
		if (m < msgsz)						\
			m += snprintf(msg + m, msgsz - m, __VA_ARGS__);	\
	} while (0)

static const char *action_name(__u32 a)
{
	switch (a) {
	case XDP_ABORTED: return "XDP_ABORTED";
	case XDP_DROP: return "XDP_DROP";
	case XDP_PASS: return "XDP_PASS";
	case XDP_TX: return "XDP_TX";
	case XDP_REDIRECT: return "XDP_REDIRECT";
	}
	return "?";
}

static size_t first_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i = 0;

	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/* Whether the metadata in front of the output differs from the reference's:
 * exactly a struct vtap_xdp_meta with the frame's direction, or nothing. */
static int check_meta(const uint8_t *meta, __u32 len, const struct vtap_ref_result *ref)
{
	static const __u32 dir[] = {
		[VTAP_REF_DIR_OTHER] = VTAP_DIR_OTHER,
		[VTAP_REF_DIR_FROM] = VTAP_DIR_FROM,
		[VTAP_REF_DIR_TO] = VTAP_DIR_TO,
	};
	struct vtap_xdp_meta m;

	if (!ref->meta)
		return len != 0;
	if (len != sizeof(m))
		return 1;
	memcpy(&m, meta, sizeof(m));
	return m.magic != VTAP_META_MAGIC || m.dir != dir[ref->dir];
}

int vtap_fuzz_check(int v, const uint8_t *frame, size_t len, size_t first,
		    struct vtap_ref_result *ref, char *msg, size_t msgsz)
{
	static const __u32 xdp_action[] = {
		[VTAP_REF_PASS] = XDP_PASS,
		[VTAP_REF_DROP] = XDP_DROP,
		[VTAP_REF_REDIRECT] = XDP_REDIRECT,
	};
	static uint8_t out[VTAP_FUZZ_MAX_FRAME + 64];
	struct variant *var = &variants[v];
	struct vtap_source_stats before, after;
	__u64 now[VTAP_NR_COUNTERS], sum = 0, slots0[NR_ROUTE_SLOTS], slots1[NR_ROUTE_SLOTS];
	const uint8_t *want = NULL;
	size_t want_len = 0, m = 0;
	int bad = 0, err, known = 1;
	struct xdp_md ctx = { 0 };
	__u32 meta_len;
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = frame,
		.data_size_in = len,
		.data_out = out,
		.data_size_out = sizeof(out),
		.repeat = 1,
	);

	msg[0] = 0;
	/* The context out tells where the metadata ends (ctx.data): data_out
	 * starts with it. The context in must then say where data ends. */
	opts.ctx_in = opts.ctx_out = &ctx;
	opts.ctx_size_in = opts.ctx_size_out = sizeof(ctx);
	if (first && sets_first_buf && first < len)
		ctx.data_end = first;
	else
		ctx.data_end = first = len;
	if (first > VTAP_FUZZ_LINEAR_MAX)
		first = VTAP_FUZZ_LINEAR_MAX;
	vtap_ref_decide(&var->ref, frame, len, first, ref);
	if (ref->action == VTAP_REF_REDIRECT) {
		known = read_source(var, &ref->key, &before);
		if (known < 0) {
			FAIL("reading the source before: %s\n", strerror(-known));
			return bad;
		}
	}

	if (read_slots(var, slots0)) {
		FAIL("reading vtap_slot_stats: %s\n", strerror(errno));
		return bad;
	}
	err = bpf_prog_test_run_opts(var->prog_fd, &opts);
	if (err) {
		FAIL("test run: %s\n", strerror(errno));
		return bad;
	}
	/* The device: one frame on the reference's slot, none elsewhere. */
	if (read_slots(var, slots1))
		FAIL("reading vtap_slot_stats: %s\n", strerror(errno));
	else
		for (__u32 i = 0; i < NR_ROUTE_SLOTS; i++)
			if (slots1[i] - slots0[i] !=
			    (ref->action == VTAP_REF_REDIRECT && ref->slot == i))
				FAIL("slot %u: +%llu frames, reference: %s slot %u\n", i,
				     (unsigned long long)(slots1[i] - slots0[i]),
				     ref->action == VTAP_REF_REDIRECT ? "to" : "none,",
				     ref->slot);
	if (opts.retval != xdp_action[ref->action])
		FAIL("action: program %s, reference %s\n", action_name(opts.retval),
		     action_name(xdp_action[ref->action]));
	meta_len = ctx.data;
	if (meta_len > opts.data_size_out)
		meta_len = opts.data_size_out;
	if (opts.retval == xdp_action[ref->action] && check_meta(out, meta_len, ref))
		FAIL("metadata: %u bytes, reference %s\n", meta_len,
		     ref->meta ? "direction" : "none");
	opts.data_size_out -= meta_len;

	/* Passed frames are untouched unless steered to the slow path; a
	 * redirect carries the inner frame. */
	if (ref->action == VTAP_REF_PASS && ref->steered)
		want = ref->out, want_len = ref->out_len;
	else if (ref->action == VTAP_REF_PASS)
		want = frame, want_len = len;
	else if (ref->action == VTAP_REF_REDIRECT)
		want = ref->out, want_len = ref->out_len;
	if (want && opts.retval == xdp_action[ref->action] &&
	    (opts.data_size_out != want_len || memcmp(out + meta_len, want, want_len)))
		FAIL("output: program %u bytes, reference %zu, first difference at %zu\n",
		     opts.data_size_out, want_len,
		     first_diff(out + meta_len, want,
				opts.data_size_out < want_len ? opts.data_size_out : want_len));

	/* Exactly seen, the outcome and (maybe) the informational counter. */
	err = read_global(var, now);
	if (err) {
		FAIL("reading vtap_global: %s\n", strerror(-err));
		return bad;
	}
	for (int i = 0; i < VTAP_NR_COUNTERS; i++) {
		__u64 exp = (i == VTAP_SEEN) + (i == (int)ref->outcome) +
			    (i == VTAP_INFO_RESERVED_SET && ref->reserved_seen) +
			    (i == VTAP_INFO_TRUNCATED && ref->truncated) +
			    (i == VTAP_SLOW_STEERED && ref->steered) +
			    (i == VTAP_INFO_GENEVE_CRITICAL && ref->critical_seen) +
			    (i == VTAP_INFO_GENEVE_UNSTEERED && ref->unsteered) +
			    (i == VTAP_INFO_GENEVE_DIRECTION && ref->dir_option) +
			    (i == VTAP_INFO_SOURCES_ADDED && !known);	/* map state, not a rule */

		if (now[i] - var->last[i] != exp)
			FAIL("counter %s: +%llu, reference +%llu\n", vtap_ref_outcome_name(i),
			     (unsigned long long)(now[i] - var->last[i]),
			     (unsigned long long)exp);
	}
	for (int i = 0; i < VTAP_NR_COUNTERS; i++) {
		int kind = vtap_ref_outcome_kind(i);

		if (kind == VTAP_KIND_REDIRECT || kind == VTAP_KIND_PASS || kind == VTAP_KIND_DROP)
			sum += now[i];
	}
	if (sum != now[VTAP_SEEN])
		FAIL("conservation: seen %llu, outcomes %llu\n",
		     (unsigned long long)now[VTAP_SEEN], (unsigned long long)sum);
	memcpy(var->last, now, sizeof(now));

	/* Per source: one packet, the inner frame's bytes, its direction. */
	if (ref->action == VTAP_REF_REDIRECT && opts.retval == XDP_REDIRECT) {
		if (read_source(var, &ref->key, &after) < 0)
			FAIL("reading the source after: torn or unreadable\n");
		if (after.packets - before.packets != 1 ||
		    after.bytes - before.bytes != ref->out_len ||
		    after.from_source - before.from_source != (ref->dir == VTAP_REF_DIR_FROM) ||
		    after.to_source - before.to_source != (ref->dir == VTAP_REF_DIR_TO) ||
		    after.other - before.other != (ref->dir == VTAP_REF_DIR_OTHER) ||
		    after.truncated - before.truncated != (__u64)ref->truncated ||
		    after.slow_path != before.slow_path)
			FAIL("per source: +%llu packets +%llu bytes, from/to/other +%llu/+%llu/+%llu, "
			     "truncated +%llu, slow path +%llu; "
			     "reference +1 +%zu, direction %s, truncated +%d\n",
			     (unsigned long long)(after.packets - before.packets),
			     (unsigned long long)(after.bytes - before.bytes),
			     (unsigned long long)(after.from_source - before.from_source),
			     (unsigned long long)(after.to_source - before.to_source),
			     (unsigned long long)(after.other - before.other),
			     (unsigned long long)(after.truncated - before.truncated),
			     (unsigned long long)(after.slow_path - before.slow_path), ref->out_len,
			     ref->dir == VTAP_REF_DIR_FROM ? "from" :
			     ref->dir == VTAP_REF_DIR_TO ? "to" : "other", ref->truncated);
	}

	/* Every source, now and then: the sum is what was delivered (while
	 * the LRU has evicted nothing: it may before it is full, from a
	 * CPU's free list, so well below). */
	if (++var->checks % 64 == 0 && now[VTAP_INFO_SOURCES_ADDED] <=
	    bpf_map__max_entries(var->skel->maps.vtap_sources) / 2) {
		__u64 total;

		err = all_source_packets(var, &total);
		if (err)
			FAIL("reading every source: %s\n", strerror(-err));
		else if (total != now[VTAP_REDIRECTED])
			FAIL("per source: %llu packets over all sources, %llu redirected\n",
			     (unsigned long long)total, (unsigned long long)now[VTAP_REDIRECTED]);
	}

	if (!bad) {
		var->reached |= 1ull << ref->outcome;
		if (ref->reserved_seen)
			var->reached |= 1ull << VTAP_INFO_RESERVED_SET;
		if (ref->truncated)
			var->reached |= 1ull << VTAP_INFO_TRUNCATED;
		if (ref->steered)
			var->reached |= 1ull << VTAP_SLOW_STEERED;
		if (ref->critical_seen)
			var->reached |= 1ull << VTAP_INFO_GENEVE_CRITICAL;
		if (ref->unsteered)
			var->reached |= 1ull << VTAP_INFO_GENEVE_UNSTEERED;
		if (ref->dir_option)
			var->reached |= 1ull << VTAP_INFO_GENEVE_DIRECTION;
		features[(((v * VTAP_NR_COUNTERS + ref->outcome) * 2 + ref->reserved_seen) * 2 +
			  ref->truncated) * 3 + ref->dir] = 1;
	}
	return bad;
}

#ifdef VTAP_FUZZ_LIBFUZZER
static void print_reached(void)
{
	uint64_t all = 0, want = vtap_fuzz_reachable();

	for (int v = 0; v < VTAP_FUZZ_NR_VARIANTS; v++) {
		uint64_t r = variants[v].reached;

		all |= r;
		fprintf(stderr, "vtap-fuzz: variant %-9s reached %2d:", variant_names[v],
			__builtin_popcountll(r));
		for (int i = 0; i < VTAP_NR_COUNTERS; i++)
			if (r & (1ull << i))
				fprintf(stderr, " %s", vtap_ref_outcome_name(i));
		fprintf(stderr, "\n");
	}
	fprintf(stderr, "vtap-fuzz: outcomes reached %d/%d", __builtin_popcountll(all & want),
		__builtin_popcountll(want));
	for (int i = 0; i < VTAP_NR_COUNTERS; i++)
		if ((want & ~all) & (1ull << i))
			fprintf(stderr, " (missing %s)", vtap_ref_outcome_name(i));
	fprintf(stderr, "\n");
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (vtap_fuzz_setup())
		exit(1);
	atexit(print_reached);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vtap_ref_result ref;
	uint8_t *frame;
	size_t len, first;
	int variant;
	char msg[2048];

	if (vtap_fuzz_decode(data, size, &variant, &frame, &len, &first))
		return 0;
	if (vtap_fuzz_check(variant, frame, len, first, &ref, msg, sizeof(msg))) {
		fprintf(stderr, "vtap-fuzz: DIFFERENCE, variant %s, %zu-byte frame (first buffer %zu), "
			"reference %s%s:\n%s", variant_names[variant], len, first,
			vtap_ref_outcome_name(ref.outcome),
			ref.reserved_seen ? " + reserved_bits_seen" : "", msg);
		fprintf(stderr, "frame:");
		for (size_t i = 0; i < len; i++)
			fprintf(stderr, "%s%02x", i % 32 ? "" : "\n  ", frame[i]);
		fprintf(stderr, "\n");
		abort();
	}
	free(frame);
	return 0;
}
#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * Packet-level tests of the XDP program: run build/vtap.bpf.o (through its
 * skeleton) with bpf_prog_test_run_opts on packets built in pkt.h, and check
 * for each case the XDP action, the bytes out, the exact deltas of the
 * global counters and, for redirects, of the per-source entry.
 *
 * One skeleton per configuration (suite): default, custom ports, strict,
 * filters. Without BPF_F_TEST_XDP_LIVE_FRAMES the redirect is not performed:
 * the program's return value is XDP_REDIRECT and data_out holds the frame as
 * the program left it, i.e. the decapsulated inner frame.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <CUnit/CUnit.h>

#include "vtap_abi.h"
#include "vtap.skel.h"
#include "pkt.h"
#include "xdp_meta.h"

_Static_assert(VTAP_SEEN == 0 && VTAP_REDIRECTED < VTAP_FIRST_PASS &&
	       VTAP_FIRST_PASS < VTAP_FIRST_DROP && VTAP_FIRST_DROP < VTAP_FIRST_INFO &&
	       VTAP_FIRST_INFO <= VTAP_NR_COUNTERS, "outcome order of vtap_abi.h");
_Static_assert(sizeof(struct vtap_global) == VTAP_NR_COUNTERS * sizeof(__u64),
	       "vtap_global is an array of u64 counters");

#define NAME_OF(e, name, kind) [VTAP_##e] = #name,
static const char *const counter_name[VTAP_NR_COUNTERS] = { VTAP_COUNTERS(NAME_OF) };
#undef NAME_OF

enum { DIR_NONE = -1, DIR_OTHER, DIR_FROM, DIR_TO };

/* The configuration under test: one loaded skeleton per suite. */
static struct vtap_bpf *skel;
static __u64 suite_runs;	/* program runs in this suite: "seen" must match */
static int ncpus;
static const __u32 lo_ifindex = 1;
static int meta_ok;		/* the kernel lets XDP programs write metadata */

/* The case being checked, for failure messages out of shared helpers. */
static char case_name[128];

static void set_case(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(case_name, sizeof(case_name), fmt, ap);
	va_end(ap);
}

/* CU_ASSERT with the case name and the values that differed. */
#define EXPECT(line, cond, fmt, ...) do {					\
	char _msg[512];								\
	snprintf(_msg, sizeof(_msg), "[%s] %s: " fmt, case_name, #cond,	\
		 ##__VA_ARGS__);						\
	CU_assertImplementation(!!(cond), line, _msg, __FILE__, "", CU_FALSE);	\
} while (0)

/* ---- map reads ----------------------------------------------------------- */

static void global_read(__u64 out[VTAP_NR_COUNTERS])
{
	struct vtap_global vals[ncpus];
	__u32 zero = 0;

	memset(out, 0, VTAP_NR_COUNTERS * sizeof(__u64));
	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.vtap_global), &zero, vals)) {
		EXPECT(__LINE__, 0, "lookup vtap_global: %s", strerror(errno));
		return;
	}
	for (int cpu = 0; cpu < ncpus; cpu++)
		for (int c = 0; c < VTAP_NR_COUNTERS; c++)
			out[c] += ((__u64 *)&vals[cpu])[c];
}

/* One per-source entry over CPUs, as vtapctl reads it: each CPU's cache
 * first, then the table, merged (vtap_abi.h); zeroes when absent.
 * Returns whether the table has the entry. */
static int source_read(const struct vtap_source_key *key, struct vtap_source_stats *sum)
{
	struct vtap_source_stats vals[ncpus];
	struct vtap_source_cache cache[ncpus];
	__u32 zero = 0;
	int found;

	memset(sum, 0, sizeof(*sum));
	for (int tries = 0;; tries++) {
		int torn = 0;

		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.vtap_src_cache), &zero, cache)) {
			EXPECT(__LINE__, 0, "lookup vtap_src_cache: %s", strerror(errno));
			return 0;
		}
		for (int cpu = 0; cpu < ncpus; cpu++)
			torn |= cache[cpu].head != cache[cpu].tail;
		if (!torn)
			break;
		/* As vtapctl does (user/attachment.c): at once, then every
		 * millisecond, for a writer whose (v)CPU was preempted. */
		if (tries == 2000) {
			EXPECT(__LINE__, 0, "vtap_src_cache torn for 2000 reads in a row");
			return 0;
		}
		if (tries >= 100)
			usleep(1000);
	}
	found = !bpf_map_lookup_elem(bpf_map__fd(skel->maps.vtap_sources), key, vals);
	if (!found)
		memset(vals, 0, sizeof(vals));
	for (int cpu = 0; cpu < ncpus; cpu++) {
		vtap_source_cache_merge(&vals[cpu], key, &cache[cpu]);
		vtap_source_stats_add(sum, &vals[cpu]);
	}
	return found;
}

/* Packets over every per-source entry: must not move unless we redirect. */
static __u64 sources_packets(void)
{
	int fd = bpf_map__fd(skel->maps.vtap_sources);
	struct vtap_source_key key, next, *prev = NULL;
	struct vtap_source_stats st;
	__u64 total = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		source_read(&key, &st);
		total += st.packets;
	}
	return total;
}

static void check_conservation(int line, const __u64 c[VTAP_NR_COUNTERS])
{
	__u64 passes = 0, drops = 0;

	for (int i = VTAP_FIRST_PASS; i < VTAP_FIRST_DROP; i++)
		passes += c[i];
	for (int i = VTAP_FIRST_DROP; i < VTAP_FIRST_INFO; i++)
		drops += c[i];
	EXPECT(line, c[VTAP_SEEN] == c[VTAP_REDIRECTED] + passes + drops,
	       "seen %llu, redirected %llu + passed %llu + dropped %llu",
	       (unsigned long long)c[VTAP_SEEN], (unsigned long long)c[VTAP_REDIRECTED],
	       (unsigned long long)passes, (unsigned long long)drops);
}

/* ---- running the program ------------------------------------------------ */

struct result {
	int err;
	__u32 action;
	__u8 out[PKT_MAX];
	__u32 out_len;
	__u32 meta_len;			/* metadata in front of out, not in it */
	struct vtap_xdp_meta meta;	/* when meta_len is its size */
	__u64 delta[VTAP_NR_COUNTERS];
	struct vtap_source_stats src;	/* delta of the packet's per-source entry */
	int src_existed;		/* the entry was there before the run */
	__u64 all_src_packets;		/* delta over every per-source entry */
};

static void run_prog(int line, const struct pkt *p, struct result *r)
{
	struct vtap_source_key key = { .family = p->v6 ? VTAP_AF_INET6 : VTAP_AF_INET,
				       .encap = p->encap, .vni = p->vni };
	__u64 before[VTAP_NR_COUNTERS], after[VTAP_NR_COUNTERS], all_before;
	struct vtap_source_stats sb, sa;
	/* A first buffer shorter than the frame: the rest goes in frags. The
	 * context out says where the metadata in front of data_out ends. */
	struct xdp_md ctx = { .data_end = p->first_buf ?: p->len };
	static __u8 out[PKT_MAX + sizeof(struct vtap_xdp_meta)];
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = p->buf,
		.data_size_in = p->len,
		.data_out = out,
		.data_size_out = sizeof(out),
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.ctx_out = &ctx,
		.ctx_size_out = sizeof(ctx),
		.repeat = 1,
	);

	memcpy(key.addr, p->src, sizeof(key.addr));
	global_read(before);
	r->src_existed = source_read(&key, &sb);
	all_before = sources_packets();

	r->err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.vtap_xdp), &opts);
	r->action = opts.retval;
	r->meta_len = ctx.data < opts.data_size_out ? ctx.data : opts.data_size_out;
	memset(&r->meta, 0, sizeof(r->meta));
	if (r->meta_len == sizeof(r->meta))
		memcpy(&r->meta, out, sizeof(r->meta));
	r->out_len = opts.data_size_out - r->meta_len;
	memcpy(r->out, out + r->meta_len, r->out_len < sizeof(r->out) ? r->out_len : sizeof(r->out));
	suite_runs++;

	global_read(after);
	source_read(&key, &sa);
	for (int c = 0; c < VTAP_NR_COUNTERS; c++)
		r->delta[c] = after[c] - before[c];
	r->src.packets = sa.packets - sb.packets;
	r->src.bytes = sa.bytes - sb.bytes;
	r->src.from_source = sa.from_source - sb.from_source;
	r->src.to_source = sa.to_source - sb.to_source;
	r->src.other = sa.other - sb.other;
	r->src.truncated = sa.truncated - sb.truncated;
	r->src.slow_path = sa.slow_path - sb.slow_path;
	r->src.last_seen_ns = sa.last_seen_ns;
	r->all_src_packets = sources_packets() - all_before;

	EXPECT(line, r->err == 0, "bpf_prog_test_run_opts: %s", strerror(errno));
	check_conservation(line, after);
}

static const char *action_name(__u32 a)
{
	static const char *const names[] = { "ABORTED", "DROP", "PASS", "TX", "REDIRECT" };

	return a < 5 ? names[a] : "?";
}

/* Informational counters a case expects to move (bits of `info`). */
#define INFO_RESERVED	1	/* reserved_bits_seen */
#define INFO_TRUNCATED	2	/* truncated, globally and per source */
#define INFO_STEERED	4	/* slow_steered */
#define INFO_CRITICAL	8	/* geneve_critical_seen */
#define INFO_DIRECTION	16	/* geneve_direction */
#define INFO_UNSTEERED	32	/* geneve_unsteered */

/*
 * Run p once and check everything: the action, the bytes out (exp, exp_len),
 * that "seen" and exactly the outcome moved by one (plus the informational
 * counters named by `info`), and the per-source entry: one packet of exp_len
 * bytes in direction dir for a redirect, nothing anywhere otherwise.
 */
static void check_case(int line, const struct pkt *p, __u32 action, enum vtap_counter outcome,
		       int info, const __u8 *exp, __u32 exp_len, int dir)
{
	static struct result r;
	__u64 want[VTAP_NR_COUNTERS] = { [VTAP_SEEN] = 1,
					 [VTAP_INFO_RESERVED_SET] = !!(info & INFO_RESERVED),
					 [VTAP_INFO_TRUNCATED] = !!(info & INFO_TRUNCATED),
					 [VTAP_SLOW_STEERED] = !!(info & INFO_STEERED),
					 [VTAP_INFO_GENEVE_CRITICAL] = !!(info & INFO_CRITICAL),
					 [VTAP_INFO_GENEVE_DIRECTION] = !!(info & INFO_DIRECTION),
					 [VTAP_INFO_GENEVE_UNSTEERED] = !!(info & INFO_UNSTEERED) };

	want[outcome] = 1;
	run_prog(line, p, &r);
	if (r.err)
		return;
	/* A delivery from a source not seen before adds its entry. */
	want[VTAP_INFO_SOURCES_ADDED] = outcome == VTAP_REDIRECTED && !r.src_existed;
	EXPECT(line, r.action == action, "action %s, want %s",
	       action_name(r.action), action_name(action));
	EXPECT(line, r.out_len == exp_len, "%u bytes out, want %u", r.out_len, exp_len);
	if (r.out_len == exp_len)
		EXPECT(line, !memcmp(r.out, exp, exp_len), "bytes out differ");
	for (int c = 0; c < VTAP_NR_COUNTERS; c++)
		EXPECT(line, r.delta[c] == want[c], "counter %s moved by %lld, want %llu",
		       counter_name[c], (long long)r.delta[c], (unsigned long long)want[c]);

	/* The direction for vtap.ko: only with a redirect, unless switched off. */
	if (dir == DIR_NONE || action != XDP_REDIRECT ||
	    skel->rodata_config->vtap_config.settings.no_direction) {
		EXPECT(line, r.meta_len == 0, "%u bytes of metadata, want none", r.meta_len);
	} else {
		EXPECT(line, r.meta_len == sizeof(r.meta), "%u bytes of metadata, want %zu",
		       r.meta_len, sizeof(r.meta));
		EXPECT(line, r.meta.magic == VTAP_META_MAGIC, "metadata magic %#x", r.meta.magic);
		EXPECT(line, r.meta.dir == (dir == DIR_FROM ? VTAP_DIR_FROM :
					    dir == DIR_TO ? VTAP_DIR_TO : VTAP_DIR_OTHER),
		       "metadata direction %u, want %d", r.meta.dir, dir);
	}
	if (dir == DIR_NONE) {
		EXPECT(line, r.all_src_packets == 0, "per-source packets moved by %lld",
		       (long long)r.all_src_packets);
		return;
	}
	EXPECT(line, r.all_src_packets == 1, "per-source packets over all entries moved by %lld",
	       (long long)r.all_src_packets);
	EXPECT(line, r.src.packets == 1, "source packets +%lld", (long long)r.src.packets);
	EXPECT(line, r.src.bytes == exp_len, "source bytes +%lld, want %u",
	       (long long)r.src.bytes, exp_len);
	EXPECT(line, r.src.from_source == (dir == DIR_FROM), "from_source +%lld",
	       (long long)r.src.from_source);
	EXPECT(line, r.src.to_source == (dir == DIR_TO), "to_source +%lld",
	       (long long)r.src.to_source);
	EXPECT(line, r.src.other == (dir == DIR_OTHER), "other +%lld", (long long)r.src.other);
	EXPECT(line, r.src.truncated == !!(info & INFO_TRUNCATED), "truncated +%lld",
	       (long long)r.src.truncated);
	EXPECT(line, r.src.slow_path == 0, "slow_path +%lld", (long long)r.src.slow_path);
	EXPECT(line, r.src.last_seen_ns != 0, "last_seen_ns not set");
}

/* A valid VXLAN packet: XDP_REDIRECT, exactly the inner frame out. */
static void expect_decap_at(int line, const struct pkt *p, int dir, int info)
{
	check_case(line, p, XDP_REDIRECT, VTAP_REDIRECTED, info,
		   p->buf + p->inner, p->inner_len, dir);
}

/* Passed or dropped: the bytes are left as they came in. */
static void expect_same_at(int line, const struct pkt *p, __u32 action,
			   enum vtap_counter why, int reserved)
{
	check_case(line, p, action, why, reserved, p->buf, p->len, DIR_NONE);
}

#define expect_decap(p, dir)		expect_decap_at(__LINE__, p, dir, 0)
#define expect_decap_reserved(p, dir)	expect_decap_at(__LINE__, p, dir, INFO_RESERVED)
#define expect_decap_truncated(p, dir)	expect_decap_at(__LINE__, p, dir, INFO_TRUNCATED)
#define expect_pass(p, why)		expect_same_at(__LINE__, p, XDP_PASS, why, 0)
#define expect_pass_info(p, why, info)	expect_same_at(__LINE__, p, XDP_PASS, why, info)
#define expect_drop_info(p, why, info)	expect_same_at(__LINE__, p, XDP_DROP, why, info)
#define expect_drop(p, why)		expect_same_at(__LINE__, p, XDP_DROP, why, 0)
#define expect_drop_reserved(p, why)	expect_same_at(__LINE__, p, XDP_DROP, why, INFO_RESERVED)

/* Whether this kernel's test run takes the first buffer's length from the
 * context's data_end (Linux 6.18); before, it is all of the frame up to
 * 3520 bytes and headers beyond the first buffer can't be built. */
static int kernel_sets_first_buf(void)
{
	struct vtap_bpf *s = vtap_bpf__open();
	static __u8 buf[256];
	struct xdp_md ctx = { .data_end = 64 };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = buf,
		.data_size_in = sizeof(buf),
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1,
	);
	int ok;

	if (!s)
		return 0;
	s->rodata_config->vtap_config.settings.no_direction = !meta_ok;
	if (vtap_bpf__load(s)) {
		vtap_bpf__destroy(s);
		return 0;
	}
	ok = !bpf_prog_test_run_opts(bpf_program__fd(s->progs.vtap_xdp), &opts);
	vtap_bpf__destroy(s);
	return ok;
}

/* ---- suite setup --------------------------------------------------------- */

static int set_target(int present)
{
	__u32 zero = 0;
	int fd = bpf_map__fd(skel->maps.vtap_target);

	if (present)
		return bpf_map_update_elem(fd, &zero, &lo_ifindex, 0);
	return bpf_map_delete_elem(fd, &zero);
}

/* A CIDR as the LPM tries key it: IPv4 in the v4-mapped range, ::ffff:0:0/96 */
static struct vtap_lpm_key cidr_key(const __u8 *addr, int len, __u32 prefixlen)
{
	struct vtap_lpm_key key = { .prefixlen = prefixlen };

	if (len == 4) {
		key.addr[10] = key.addr[11] = 0xff;
		memcpy(key.addr + 12, addr, 4);
		key.prefixlen = 96 + prefixlen;
	} else {
		memcpy(key.addr, addr, 16);
	}
	return key;
}

static int allow_src(const __u8 *addr, int len, __u32 prefixlen)
{
	struct vtap_lpm_key key = cidr_key(addr, len, prefixlen);
	__u8 family = len == 4 ? VTAP_AF_INET : VTAP_AF_INET6;

	return bpf_map_update_elem(bpf_map__fd(skel->maps.vtap_allow_src), &key, &family, 0);
}

/* CFG_ROUTES: slots 1 and 2 in the devmap (loopback, as slot 0), slot 3
 * routed to but missing from it. */
static int route_src(const __u8 *addr, int len, __u32 prefixlen, __u32 slot)
{
	struct vtap_lpm_key key = cidr_key(addr, len, prefixlen);
	struct vtap_route r = { .slot = slot, .family = len == 4 ? VTAP_AF_INET : VTAP_AF_INET6 };

	return bpf_map_update_elem(bpf_map__fd(skel->maps.vtap_route_src), &key, &r, 0);
}

static int route_vni(__u32 vni, __u32 slot)
{
	struct vtap_route r = { .slot = slot };

	return bpf_map_update_elem(bpf_map__fd(skel->maps.vtap_route_vni), &vni, &r, 0);
}

static int routes_fill(void)
{
	static const __u8 net16[4] = { 10, 1, 0, 0 }, net24[4] = { 10, 1, 2, 0 };
	static const __u8 net48[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01 }, any6[16] = {};
	int fd = bpf_map__fd(skel->maps.vtap_target);

	for (__u32 slot = 1; slot <= 2; slot++)
		if (bpf_map_update_elem(fd, &slot, &lo_ifindex, 0))
			return -errno;
	return route_vni(100, 1) ?: route_vni(200, 2) ?: route_vni(300, 3) ?:
	       route_src(net16, 4, 16, 2) ?: route_src(net24, 4, 24, 1) ?:
	       route_src(net48, 16, 48, 2) ?: route_src(any6, 16, 0, 1);
}

enum config { CFG_DEFAULT, CFG_PORTS, CFG_STRICT, CFG_FILTERS, CFG_MAX_FRAME, CFG_SLOW,
	      CFG_GENEVE, CFG_GENEVE_STRICT, CFG_ROUTES, CFG_NO_DIRECTION, CFG_GENEVE_SLOW,
	      CFG_GENEVE_SLOW_STRICT };

#define SLOW_PORT	40000	/* the slow-path port of CFG_SLOW */
#define GENEVE_SLOW_PORT 40001	/* the geneve slow-path port of CFG_GENEVE_SLOW */

static const __u8 allowed4[4] = { 10, 1, 0, 0 };	/* 10.1.0.0/16 */
static const __u8 allowed6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01 };	/* /48 */

static int load(enum config cfg, const char *suite)
{
	struct vtap_settings *s;
	int err;

	suite_runs = 0;
	skel = vtap_bpf__open();
	if (!skel) {
		err = -errno;
		goto fail;
	}
	s = &skel->rodata_config->vtap_config.settings;
	switch (cfg) {
	case CFG_PORTS:
		s->ports_net[0] = htons(4790);
		s->ports_net[1] = htons(8472);
		s->nr_ports = 2;
		break;
	case CFG_STRICT:
		s->strict = 1;
		break;
	case CFG_FILTERS:
		s->vni_ranges[0] = (struct vtap_vni_range){ 100, 199 };
		s->vni_ranges[1] = (struct vtap_vni_range){ 5000, 5000 };
		s->nr_vni_ranges = 2;
		s->filter_src = 1;
		break;
	case CFG_MAX_FRAME:
		s->max_frame = 1518;	/* MTU 1500 + Ethernet + one tag */
		break;
	case CFG_SLOW:
		/* --dst collector4/32 --dst collector6/128, as parse_cidr stores them */
		s->slow_port_net = htons(SLOW_PORT);
		s->dst[0].prefixlen = 128;
		s->dst[0].addr[10] = s->dst[0].addr[11] = 0xff;
		memcpy(s->dst[0].addr + 12, collector4, 4);
		s->dst[1].prefixlen = 128;
		memcpy(s->dst[1].addr, collector6, 16);
		s->nr_dst = 2;
		break;
	case CFG_GENEVE_STRICT:
	case CFG_GENEVE_SLOW_STRICT:
	case CFG_GENEVE_SLOW:
	case CFG_NO_DIRECTION:	/* --no-direction, on the GENEVE settings */
	case CFG_GENEVE:
		/* --port 4789 --geneve-port 6081, with a slow-path port (and a
		 * geneve one, where the kernel has the driver) */
		s->ports_net[0] = htons(VTAP_DEFAULT_PORT);
		s->ports_net[1] = htons(VTAP_GENEVE_PORT);
		s->nr_ports = 2;
		s->geneve_ports = 1 << 1;
		s->slow_port_net = htons(SLOW_PORT);
		if (cfg == CFG_GENEVE_SLOW || cfg == CFG_GENEVE_SLOW_STRICT)
			s->geneve_slow_port_net = htons(GENEVE_SLOW_PORT);
		s->strict = cfg == CFG_GENEVE_STRICT || cfg == CFG_GENEVE_SLOW_STRICT;
		if (cfg == CFG_GENEVE_STRICT)
			s->max_frame = 1518;
		break;
	case CFG_ROUTES:
		s->nr_routes = 7;
		s->nr_src_routes = 4;
		break;
	case CFG_DEFAULT:
		break;
	}
	/* As vtapctl does on a kernel that refuses bpf_xdp_adjust_meta. */
	s->no_direction = cfg == CFG_NO_DIRECTION || !meta_ok;
	err = vtap_bpf__load(skel);
	if (err)
		goto fail;
	err = set_target(1);
	if (!err && cfg == CFG_FILTERS)
		err = allow_src(allowed4, 4, 16) ?: allow_src(allowed6, 16, 48);
	if (!err && cfg == CFG_ROUTES)
		err = routes_fill();
	if (err)
		goto fail;
	return 0;
fail:
	printf("fail %s: load the XDP program: %s\n", suite, strerror(-err ?: errno));
	vtap_bpf__destroy(skel);
	skel = NULL;
	return 1;
}

static int suite_clean(void)
{
	vtap_bpf__destroy(skel);
	skel = NULL;
	return 0;
}

static int init_default(void) { return load(CFG_DEFAULT, "default"); }
static int init_ports(void) { return load(CFG_PORTS, "custom_port"); }
static int init_strict(void) { return load(CFG_STRICT, "strict"); }
static int init_filters(void) { return load(CFG_FILTERS, "filters"); }
static int init_max_frame(void) { return load(CFG_MAX_FRAME, "max_frame"); }
static int init_slow(void) { return load(CFG_SLOW, "slow_path"); }
static int init_geneve(void) { return load(CFG_GENEVE, "geneve"); }
static int init_geneve_strict(void) { return load(CFG_GENEVE_STRICT, "geneve_strict"); }
static int init_routes(void) { return load(CFG_ROUTES, "routes"); }
static int init_geneve_slow(void) { return load(CFG_GENEVE_SLOW, "geneve_slow_path"); }
static int init_geneve_slow_strict(void)
{
	return load(CFG_GENEVE_SLOW_STRICT, "geneve_slow_path_strict");
}
static int init_no_direction(void) { return load(CFG_NO_DIRECTION, "no_direction"); }

/* Last test of every suite: the identity over all of the suite's packets. */
static void test_suite_conservation(void)
{
	__u64 c[VTAP_NR_COUNTERS];

	set_case("after the suite");
	global_read(c);
	check_conservation(__LINE__, c);
	EXPECT(__LINE__, c[VTAP_SEEN] == suite_runs, "seen %llu after %llu runs",
	       (unsigned long long)c[VTAP_SEEN], (unsigned long long)suite_runs);
}

/* ---- packet shortcuts ---------------------------------------------------- */

static __u8 inner_buf[PKT_MAX];
static struct pkt pk;

/* VXLAN around an inner IPv4 (or IPv6 when o->v6) frame from the NIC. */
static struct pkt *vxlan_pkt(const struct outer_spec *o)
{
	struct inner_spec in = o->v6 ? (struct inner_spec){ IN_IP6, 0, nic6, peer6, 0 }
				    : (struct inner_spec){ IN_IP4, 0, nic4, peer4, 0 };
	__u32 len = build_inner(inner_buf, &in);

	build_vxlan(&pk, o, inner_buf, len);
	return &pk;
}

static struct pkt *vxlan_inner(const struct outer_spec *o, const struct inner_spec *in)
{
	__u32 len = build_inner(inner_buf, in);

	build_vxlan(&pk, o, inner_buf, len);
	return &pk;
}

/* ---- valid VXLAN --------------------------------------------------------- */

static void test_ipv4(void)
{
	set_case("ipv4");
	expect_decap(vxlan_pkt(&(struct outer_spec){ .vni = 7 }), DIR_FROM);
}

static void test_ipv6(void)
{
	set_case("ipv6");
	expect_decap(vxlan_pkt(&(struct outer_spec){ .v6 = 1, .vni = 7 }), DIR_FROM);
}

static void test_vlan(void)
{
	set_case("one 802.1Q tag, ipv4");
	expect_decap(vxlan_pkt(&(struct outer_spec){ .vlans = 1, .vni = 1 }), DIR_FROM);
	set_case("one 802.1Q tag, ipv6");
	expect_decap(vxlan_pkt(&(struct outer_spec){ .v6 = 1, .vlans = 1, .vni = 1 }), DIR_FROM);
	set_case("802.1ad + 802.1Q, ipv4");
	expect_decap(vxlan_pkt(&(struct outer_spec){ .vlans = 2, .vni = 2 }), DIR_FROM);
	set_case("802.1ad + 802.1Q, ipv6");
	expect_decap(vxlan_pkt(&(struct outer_spec){ .v6 = 1, .vlans = 2, .vni = 2 }), DIR_FROM);
}

static void test_ipv4_options(void)
{
	/* Every option length, up to the largest header (IHL 15). */
	for (int opts = 4; opts <= 40; opts += 4) {
		set_case("ihl %d", 5 + opts / 4);
		expect_decap(vxlan_pkt(&(struct outer_spec){ .ip_opts = opts, .vni = 3 }),
			     DIR_FROM);
	}
	set_case("ihl 15 under two tags");
	expect_decap(vxlan_pkt(&(struct outer_spec){ .vlans = 2, .ip_opts = 40, .vni = 3 }),
		     DIR_FROM);
}

static void test_inner_vlan(void)
{
	/* The inner tag is part of the tapped frame: kept, and looked through
	 * for the direction. */
	set_case("inner 802.1Q, from source");
	expect_decap(vxlan_inner(&(struct outer_spec){ .vni = 4 },
				 &(struct inner_spec){ IN_IP4, 1, nic4, peer4, 0 }), DIR_FROM);
	CU_ASSERT_EQUAL(get16(pk.buf + pk.inner + 12), ETYPE_8021Q);
	set_case("inner 802.1Q, to source, ipv6");
	expect_decap(vxlan_inner(&(struct outer_spec){ .v6 = 1, .vni = 4 },
				 &(struct inner_spec){ IN_IP6, 1, peer6, nic6, 0 }), DIR_TO);
}

static void test_inner_sizes(void)
{
	set_case("14-byte inner frame");
	expect_decap(vxlan_inner(&(struct outer_spec){ .vni = 5 },
				 &(struct inner_spec){ .l3 = IN_NONE, .len = ETH_HDR }), DIR_OTHER);
	CU_ASSERT_EQUAL(pk.inner_len, 14);
	set_case("14-byte inner frame, ipv6");
	expect_decap(vxlan_inner(&(struct outer_spec){ .v6 = 1, .vni = 5 },
				 &(struct inner_spec){ .l3 = IN_NONE, .len = ETH_HDR }), DIR_OTHER);
	set_case("1500-byte inner frame");
	expect_decap(vxlan_inner(&(struct outer_spec){ .vni = 5 },
				 &(struct inner_spec){ IN_IP4, 0, peer4, nic4, 1500 }), DIR_TO);
	set_case("1500-byte inner frame, ipv6, two tags");
	expect_decap(vxlan_inner(&(struct outer_spec){ .v6 = 1, .vlans = 2, .vni = 5 },
				 &(struct inner_spec){ IN_IP6, 0, peer6, nic6, 1500 }), DIR_TO);
	CU_ASSERT_EQUAL(pk.len, 14 + 8 + 40 + 8 + 8 + 1500);
}

static void test_direction(void)
{
	static const __u8 other4[4] = { 198, 51, 100, 1 };
	static const __u8 other6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xee, [15] = 9 };
	const struct outer_spec o4 = { .vni = 6 }, o6 = { .v6 = 1, .vni = 6 };

	set_case("ipv4 from source");
	expect_decap(vxlan_inner(&o4, &(struct inner_spec){ IN_IP4, 0, nic4, peer4, 0 }), DIR_FROM);
	set_case("ipv4 to source");
	expect_decap(vxlan_inner(&o4, &(struct inner_spec){ IN_IP4, 0, peer4, nic4, 0 }), DIR_TO);
	set_case("ipv4 neither");
	expect_decap(vxlan_inner(&o4, &(struct inner_spec){ IN_IP4, 0, peer4, other4, 0 }),
		     DIR_OTHER);
	set_case("arp");
	expect_decap(vxlan_inner(&o4, &(struct inner_spec){ .l3 = IN_ARP }), DIR_OTHER);
	set_case("ipv6 from source");
	expect_decap(vxlan_inner(&o6, &(struct inner_spec){ IN_IP6, 0, nic6, peer6, 0 }), DIR_FROM);
	set_case("ipv6 to source");
	expect_decap(vxlan_inner(&o6, &(struct inner_spec){ IN_IP6, 0, peer6, nic6, 0 }), DIR_TO);
	set_case("ipv6 neither");
	expect_decap(vxlan_inner(&o6, &(struct inner_spec){ IN_IP6, 0, peer6, other6, 0 }),
		     DIR_OTHER);
	set_case("arp under ipv6");
	expect_decap(vxlan_inner(&o6, &(struct inner_spec){ .l3 = IN_ARP }), DIR_OTHER);
	/* Only addresses of the same family are compared. */
	set_case("inner ipv4 under outer ipv6");
	expect_decap(vxlan_inner(&o6, &(struct inner_spec){ IN_IP4, 0, nic4, peer4, 0 }),
		     DIR_OTHER);
	set_case("inner ipv6 under outer ipv4");
	expect_decap(vxlan_inner(&o4, &(struct inner_spec){ IN_IP6, 0, nic6, peer6, 0 }),
		     DIR_OTHER);
}

/* Per-source keys tell VNIs and sources apart; counts accumulate. */
static void test_source_keys(void)
{
	static const __u8 nic4b[4] = { 10, 0, 0, 9 };
	struct vtap_source_key key = { .family = VTAP_AF_INET, .vni = 77 };
	struct vtap_source_stats st;

	set_case("vni 77, first");
	expect_decap(vxlan_pkt(&(struct outer_spec){ .vni = 77 }), DIR_FROM);
	set_case("vni 77, second");
	expect_decap(vxlan_pkt(&(struct outer_spec){ .vni = 77 }), DIR_FROM);
	set_case("vni 78");
	expect_decap(vxlan_pkt(&(struct outer_spec){ .vni = 78 }), DIR_FROM);
	set_case("vni 77, other source");
	expect_decap(vxlan_pkt(&(struct outer_spec){ .vni = 77, .src = nic4b }), DIR_OTHER);
	set_case("largest vni");
	expect_decap(vxlan_pkt(&(struct outer_spec){ .vni = VTAP_VNI_MAX }), DIR_FROM);

	key.addr[10] = key.addr[11] = 0xff;
	memcpy(key.addr + 12, nic4, 4);
	source_read(&key, &st);
	CU_ASSERT_EQUAL(st.packets, 2);
	CU_ASSERT_EQUAL(st.from_source, 2);
}

/*
 * The per-CPU source cache: sources in runs, alternating, one frame each,
 * and coming back; after every frame each source's counts, read as
 * vtapctl reads them, are exact (check_case checks the packet's own
 * source; this checks all of them).
 */
static void test_source_cache_alternate(void)
{
	static const __u8 srcs[4][4] = { { 10, 0, 1, 1 }, { 10, 0, 1, 2 },
					 { 10, 0, 1, 3 }, { 10, 0, 1, 4 } };
	/* runs, then strict alternation, lone frames, back to a cached one */
	static const int order[] = { 0, 0, 0, 1, 1, 0, 1, 0, 1, 2, 3, 2, 3, 3, 3, 0, 0, 1,
				     2, 3, 0, 0, 0, 0, 1, 1, 1, 0 };
	struct vtap_source_stats want[4] = { 0 }, base[4], st;
	struct vtap_source_key keys[4];

	for (int k = 0; k < 4; k++) {
		keys[k] = (struct vtap_source_key){ .family = VTAP_AF_INET, .vni = 91 };
		keys[k].addr[10] = keys[k].addr[11] = 0xff;
		memcpy(keys[k].addr + 12, srcs[k], 4);
		source_read(&keys[k], &base[k]);
	}
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int k = order[i];

		set_case("source cache, frame %zu, source %d", i, k);
		expect_decap(vxlan_pkt(&(struct outer_spec){ .vni = 91, .src = srcs[k] }),
			     DIR_OTHER);
		want[k].packets++;
		want[k].bytes += pk.inner_len;
		for (int j = 0; j < 4; j++) {
			source_read(&keys[j], &st);
			EXPECT(__LINE__, st.packets - base[j].packets == want[j].packets &&
			       st.bytes - base[j].bytes == want[j].bytes &&
			       st.other - base[j].other == want[j].packets,
			       "source %d: %llu packets, %llu bytes, want %llu, %llu", j,
			       (unsigned long long)(st.packets - base[j].packets),
			       (unsigned long long)(st.bytes - base[j].bytes),
			       (unsigned long long)want[j].packets,
			       (unsigned long long)want[j].bytes);
		}
	}
}

/*
 * The LRU evicting the cached source's entry (here: deleted from user
 * space): the source stays listed, from the cache, with its whole count;
 * when the cache moves to another source it writes the count back, making
 * the entry again (counted in sources_added). Runs pinned to one CPU, so
 * that every frame meets the same cache.
 */
static int run_frames(const struct pkt *p, int n)
{
	/* One repeat a run: without live frames the decap would persist. */
	for (int i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->buf, .data_size_in = p->len,
			    .repeat = 1);

		suite_runs++;
		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.vtap_xdp), &opts) ||
		    opts.retval != XDP_REDIRECT)
			return -1;
	}
	return 0;
}

static void test_source_cache_evicted(void)
{
	static const __u8 srcs[2][4] = { { 10, 0, 3, 1 }, { 10, 0, 3, 2 } };
	struct vtap_source_stats vals[ncpus], st;
	struct vtap_source_key key[2];
	static struct pkt p[2];
	__u64 g0[VTAP_NR_COUNTERS], g1[VTAP_NR_COUNTERS];
	int fd = bpf_map__fd(skel->maps.vtap_sources);
	cpu_set_t set, old;
	int found;

	set_case("source cache, entry evicted while cached");
	for (int k = 0; k < 2; k++) {
		p[k] = *vxlan_pkt(&(struct outer_spec){ .vni = 93, .src = srcs[k] });
		key[k] = (struct vtap_source_key){ .family = VTAP_AF_INET, .vni = 93 };
		key[k].addr[10] = key[k].addr[11] = 0xff;
		memcpy(key[k].addr + 12, srcs[k], 4);
	}
	sched_getaffinity(0, sizeof(old), &old);
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	global_read(g0);
	/* Five frames: the first in the table, the cache takes the rest. */
	EXPECT(__LINE__, !run_frames(&p[0], 5), "test run failed");
	found = source_read(&key[0], &st);
	EXPECT(__LINE__, found && st.packets == 5,
	       "%llu packets before the eviction, want 5", (unsigned long long)st.packets);
	EXPECT(__LINE__, !bpf_map_delete_elem(fd, &key[0]), "delete: %s", strerror(errno));
	found = source_read(&key[0], &st);
	EXPECT(__LINE__, !found && st.packets == 5,
	       "evicted: %llu packets from the cache, want 5", (unsigned long long)st.packets);
	EXPECT(__LINE__, !run_frames(&p[0], 3), "test run failed");
	source_read(&key[0], &st);
	EXPECT(__LINE__, st.packets == 8, "evicted, 3 more: %llu packets, want 8",
	       (unsigned long long)st.packets);
	/* Two frames of another source move the cache: the count goes back. */
	EXPECT(__LINE__, !run_frames(&p[1], 2), "test run failed");
	EXPECT(__LINE__, !bpf_map_lookup_elem(fd, &key[0], vals),
	       "the entry was not made again: %s", strerror(errno));
	memset(&st, 0, sizeof(st));
	for (int cpu = 0; cpu < ncpus; cpu++)
		vtap_source_stats_add(&st, &vals[cpu]);
	EXPECT(__LINE__, st.packets == 8, "written back: the table has %llu packets, want 8",
	       (unsigned long long)st.packets);
	source_read(&key[1], &st);
	EXPECT(__LINE__, st.packets == 2, "other source: %llu packets, want 2",
	       (unsigned long long)st.packets);
	global_read(g1);
	/* Made three times: both sources, and the first again. */
	EXPECT(__LINE__, g1[VTAP_INFO_SOURCES_ADDED] - g0[VTAP_INFO_SOURCES_ADDED] == 3,
	       "sources_added +%llu, want 3",
	       (unsigned long long)(g1[VTAP_INFO_SOURCES_ADDED] - g0[VTAP_INFO_SOURCES_ADDED]));
	EXPECT(__LINE__, g1[VTAP_REDIRECTED] - g0[VTAP_REDIRECTED] == 10,
	       "redirected +%llu, want 10",
	       (unsigned long long)(g1[VTAP_REDIRECTED] - g0[VTAP_REDIRECTED]));
	sched_setaffinity(0, sizeof(old), &old);
}

/*
 * Reads racing the program on another CPU: a writer thread runs frames of
 * two sources in changing runs (the cache moves between them), a reader
 * on another CPU reads both sources as vtapctl does. No read may count a
 * frame twice (more than the frames begun) or lose one (fewer than the
 * frames finished before the read), and each source only grows.
 */
struct race {
	struct pkt p[2];
	struct vtap_source_key key[2];
	volatile __u64 begun[2], done[2];
	volatile int stop, err;
	int cpu;
};

static void *race_writer(void *arg)
{
	struct race *r = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	for (__u64 i = 0; !r->stop && i < 200000; i++) {
		int k = (i / (1 + i % 7)) & 1;	/* runs of changing lengths */
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = r->p[k].buf,
			    .data_size_in = r->p[k].len, .repeat = 1);

		__atomic_store_n(&r->begun[k], r->begun[k] + 1, __ATOMIC_SEQ_CST);
		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.vtap_xdp), &opts) ||
		    opts.retval != XDP_REDIRECT) {
			r->err = errno ? errno : EINVAL;
			break;
		}
		__atomic_store_n(&r->done[k], r->done[k] + 1, __ATOMIC_SEQ_CST);
	}
	r->stop = 1;
	return NULL;
}

static void test_source_cache_race(void)
{
	static const __u8 srcs[2][4] = { { 10, 0, 2, 1 }, { 10, 0, 2, 2 } };
	static struct race r;
	struct vtap_source_stats base[2], st, last[2] = { 0 };
	__u64 reads = 0, done0[2];
	pthread_t t;
	cpu_set_t set;

	memset(&r, 0, sizeof(r));
	r.cpu = 0;
	for (int k = 0; k < 2; k++) {
		vxlan_pkt(&(struct outer_spec){ .vni = 92, .src = srcs[k] });
		r.p[k] = pk;
		r.key[k] = (struct vtap_source_key){ .family = VTAP_AF_INET, .vni = 92 };
		r.key[k].addr[10] = r.key[k].addr[11] = 0xff;
		memcpy(r.key[k].addr + 12, srcs[k], 4);
		source_read(&r.key[k], &base[k]);
	}
	CPU_ZERO(&set);
	CPU_SET(1, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	set_case("source cache, reads racing the program");
	if (pthread_create(&t, NULL, race_writer, &r)) {
		EXPECT(__LINE__, 0, "pthread_create failed");
		return;
	}
	while (!r.stop) {
		for (int k = 0; k < 2; k++) {
			done0[k] = __atomic_load_n(&r.done[k], __ATOMIC_SEQ_CST);
			source_read(&r.key[k], &st);
			st.packets -= base[k].packets;
			EXPECT(__LINE__, st.packets >= done0[k] &&
			       st.packets <= __atomic_load_n(&r.begun[k], __ATOMIC_SEQ_CST) &&
			       st.packets >= last[k].packets,
			       "source %d: read %llu packets, %llu frames done before, "
			       "%llu begun after, %llu read before", k,
			       (unsigned long long)st.packets, (unsigned long long)done0[k],
			       (unsigned long long)r.begun[k], (unsigned long long)last[k].packets);
			last[k] = st;
		}
		reads++;
	}
	pthread_join(t, NULL);
	/* The test runs are not counted in suite_runs' "seen" check: add them. */
	suite_runs += r.done[0] + r.done[1];
	EXPECT(__LINE__, !r.err, "writer: %s", strerror(r.err));
	for (int k = 0; k < 2; k++) {
		source_read(&r.key[k], &st);
		EXPECT(__LINE__, st.packets - base[k].packets == r.done[k],
		       "source %d: %llu packets after the race, %llu frames", k,
		       (unsigned long long)(st.packets - base[k].packets),
		       (unsigned long long)r.done[k]);
	}
	EXPECT(__LINE__, reads > 100, "only %llu reads raced the writer", (unsigned long long)reads);
	CPU_ZERO(&set);
	for (int c = 0; c < ncpus; c++)
		CPU_SET(c, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* ---- not ours ------------------------------------------------------------ */

static void test_not_ours(void)
{
	static __u8 l4[256];
	struct pkt *p = &pk;
	__u32 n;

	set_case("udp to port 53");
	n = put_udp(l4, 40000, 53, (const __u8 *)"abcdefgh", 8);
	build_ip(p, &(struct outer_spec){ 0 }, PROTO_UDP, l4, n);
	expect_pass(p, VTAP_PASS_NOT_OURS);

	set_case("udp from port 4789 to another");
	n = put_udp(l4, VTAP_DEFAULT_PORT, 40000, (const __u8 *)"abcdefgh", 8);
	build_ip(p, &(struct outer_spec){ .v6 = 1 }, PROTO_UDP, l4, n);
	expect_pass(p, VTAP_PASS_NOT_OURS);

	/* Well-formed VXLAN on ports we were not told about */
	for (int i = 0; i < 3; i++) {
		static const __u16 ports[] = { 4790, 8472, 6081 };

		set_case("vxlan to port %u", ports[i]);
		expect_pass(vxlan_pkt(&(struct outer_spec){ .dport = ports[i] }),
			    VTAP_PASS_NOT_OURS);
		set_case("vxlan to port %u, ipv6", ports[i]);
		expect_pass(vxlan_pkt(&(struct outer_spec){ .v6 = 1, .dport = ports[i] }),
			    VTAP_PASS_NOT_OURS);
	}

	/* TCP to 4789: the port alone does not make it ours */
	set_case("tcp to 4789");
	memset(l4, 0, 20);
	put16(l4, 40000);
	put16(l4 + 2, VTAP_DEFAULT_PORT);
	l4[12] = 5 << 4;
	l4[13] = 0x02;	/* SYN */
	build_ip(p, &(struct outer_spec){ .vlans = 1 }, PROTO_TCP, l4, 20);
	expect_pass(p, VTAP_PASS_NOT_OURS);
	set_case("tcp to 4789, ipv6");
	build_ip(p, &(struct outer_spec){ .v6 = 1 }, PROTO_TCP, l4, 20);
	expect_pass(p, VTAP_PASS_NOT_OURS);

	set_case("arp");
	memset(p, 0, sizeof(*p));
	p->len = build_inner(p->buf, &(struct inner_spec){ .l3 = IN_ARP, .len = 60 });
	expect_pass(p, VTAP_PASS_NOT_OURS);

	/* Neighbour solicitation for collector6 */
	set_case("ipv6 neighbour solicitation");
	memset(l4, 0, 32);
	l4[0] = 135;
	memcpy(l4 + 8, collector6, 16);
	l4[24] = 1;	/* source link-layer address option */
	l4[25] = 1;
	memcpy(l4 + 26, mac_a, 6);
	put16(l4 + 2, 0x1234);
	build_ip(p, &(struct outer_spec){ .v6 = 1 }, PROTO_ICMPV6, l4, 32);
	expect_pass(p, VTAP_PASS_NOT_OURS);

	set_case("three vlan tags");
	vxlan_pkt(&(struct outer_spec){ .vlans = 2 });
	memmove(p->buf + 16, p->buf + 12, p->len - 12);
	put16(p->buf + 12, ETYPE_8021AD);
	put16(p->buf + 14, 300);
	p->len += 4;
	expect_pass(p, VTAP_PASS_NOT_OURS);

	set_case("runt: ethernet header only");
	p->len = ETH_HDR;
	put16(p->buf + 12, ETYPE_LOCAL);
	expect_pass(p, VTAP_PASS_NOT_OURS);
}

/* ---- VXLAN header checks ------------------------------------------------- */

static void test_i_flag_clear(void)
{
	struct pkt *p;

	set_case("I flag clear");
	p = vxlan_pkt(&(struct outer_spec){ .vni = 8 });
	p->buf[p->vx] = 0;
	expect_drop(p, VTAP_DROP_I_FLAG);
	set_case("I flag clear, ipv6");
	p = vxlan_pkt(&(struct outer_spec){ .v6 = 1, .vni = 8 });
	p->buf[p->vx] = 0;
	expect_drop(p, VTAP_DROP_I_FLAG);
}

/* Every reserved bit of the 8-byte header: all of the first word but I,
 * and the low byte of the second. */
static int next_reserved_bit(int bit)
{
	for (bit++; bit < 64; bit++) {
		int byte = bit / 8, mask = 0x80 >> bit % 8;

		if (byte < 4 && !(byte == 0 && mask == 0x08))
			return bit;
		if (byte == 7)
			return bit;
	}
	return -1;
}

static void test_reserved_bits(void)
{
	int n = 0;

	for (int bit = next_reserved_bit(-1); bit >= 0; bit = next_reserved_bit(bit), n++) {
		struct pkt *p = vxlan_pkt(&(struct outer_spec){ .vni = 9 });

		set_case("reserved bit %d (byte %d mask 0x%02x)", bit, bit / 8, 0x80 >> bit % 8);
		p->buf[p->vx + bit / 8] |= 0x80 >> bit % 8;
		/* Accepted as they are: the header goes, the frame is unchanged. */
		expect_decap_reserved(p, DIR_FROM);
	}
	CU_ASSERT_EQUAL(n, 31 + 8);
}

static void test_strict_reserved_bits(void)
{
	int n = 0;

	for (int bit = next_reserved_bit(-1); bit >= 0; bit = next_reserved_bit(bit), n++) {
		struct pkt *p = vxlan_pkt(&(struct outer_spec){ .v6 = n & 1, .vni = 9 });

		set_case("strict, reserved bit %d", bit);
		p->buf[p->vx + bit / 8] |= 0x80 >> bit % 8;
		expect_drop_reserved(p, VTAP_DROP_RESERVED);
	}
	CU_ASSERT_EQUAL(n, 31 + 8);
}

/* Strict mode changes nothing for clean packets. */
static void test_strict_valid(void)
{
	set_case("strict, clean ipv4");
	expect_decap(vxlan_pkt(&(struct outer_spec){ .vni = 9 }), DIR_FROM);
	set_case("strict, clean ipv6");
	expect_decap(vxlan_pkt(&(struct outer_spec){ .v6 = 1, .vni = 9 }), DIR_FROM);
}

/* ---- outer IP ------------------------------------------------------------ */

static void test_fragments(void)
{
	static const struct { const char *name; __u16 frag_off; } frags[] = {
		{ "first fragment", 0x2000 },		/* MF, offset 0 */
		{ "middle fragment", 0x2000 | 185 },	/* MF, offset 1480 */
		{ "last fragment", 185 },		/* offset 1480 */
	};

	for (int i = 0; i < 3; i++) {
		struct pkt *p = vxlan_pkt(&(struct outer_spec){ .vni = 10 });

		set_case("%s", frags[i].name);
		put16(p->buf + p->l3 + 6, frags[i].frag_off);
		pkt_ip4_csum(p);
		expect_pass(p, VTAP_PASS_FRAGMENT);
	}
}

static void test_ipv6_ext(void)
{
	static __u8 l4[PKT_MAX], vx[PKT_MAX];
	static const __u8 ext[] = { 0, 60, 44 };	/* hop-by-hop, dst opts, fragment */
	struct pkt *p = &pk;
	__u32 ilen, n;

	ilen = build_inner(inner_buf, &(struct inner_spec){ IN_IP6, 0, nic6, peer6, 0 });
	n = put_vxlan(vx, 11, inner_buf, ilen);
	for (int i = 0; i < 3; i++) {
		set_case("ipv6 extension header %u before udp", ext[i]);
		memset(l4, 0, 8);
		l4[0] = PROTO_UDP;
		if (ext[i] != 44) {
			l4[2] = 1;	/* PadN of 4 bytes fills the 8-byte header */
			l4[3] = 4;
		}
		put_udp(l4 + 8, 49152, VTAP_DEFAULT_PORT, vx, n);
		build_ip(p, &(struct outer_spec){ .v6 = 1 }, ext[i], l4, 8 + UDP_HDR + n);
		expect_pass(p, VTAP_PASS_IPV6_EXT);
	}
}

static void test_ipv4_invalid(void)
{
	struct pkt *p;

	for (int ihl = 0; ihl < 5; ihl++) {
		set_case("ihl %d", ihl);
		p = vxlan_pkt(&(struct outer_spec){ 0 });
		p->buf[p->l3] = 0x40 | ihl;
		expect_drop(p, VTAP_DROP_IPV4_INVALID);
	}

	set_case("total length one beyond the frame");
	p = vxlan_pkt(&(struct outer_spec){ 0 });
	put16(p->buf + p->l3 + 2, p->len - p->l3 + 1);
	pkt_ip4_csum(p);
	expect_drop(p, VTAP_DROP_IPV4_INVALID);

	set_case("total length 0xffff");
	put16(p->buf + p->l3 + 2, 0xffff);
	pkt_ip4_csum(p);
	expect_drop(p, VTAP_DROP_IPV4_INVALID);

	set_case("total length shorter than ihl");
	p = vxlan_pkt(&(struct outer_spec){ .ip_opts = 8 });
	put16(p->buf + p->l3 + 2, 24);
	pkt_ip4_csum(p);
	expect_drop(p, VTAP_DROP_IPV4_INVALID);

	set_case("ihl beyond the frame");
	p = vxlan_pkt(&(struct outer_spec){ 0 });
	p->buf[p->l3] = 0x4f;
	p->len = p->l3 + 40;
	pkt_fix_lengths(p);
	expect_drop(p, VTAP_DROP_IPV4_INVALID);

	set_case("version 6 in an ipv4 ethertype");
	p = vxlan_pkt(&(struct outer_spec){ 0 });
	p->buf[p->l3] = 0x65;
	expect_drop(p, VTAP_DROP_IPV4_INVALID);
}

static void test_ipv6_invalid(void)
{
	struct pkt *p;

	set_case("payload length one beyond the frame");
	p = vxlan_pkt(&(struct outer_spec){ .v6 = 1 });
	put16(p->buf + p->l3 + 4, p->len - p->l3 - IP6_HDR + 1);
	expect_drop(p, VTAP_DROP_IPV6_INVALID);

	set_case("version 4 in an ipv6 ethertype");
	p = vxlan_pkt(&(struct outer_spec){ .v6 = 1 });
	p->buf[p->l3] = 0x40;
	expect_drop(p, VTAP_DROP_IPV6_INVALID);
}

static void test_udp_length(void)
{
	struct pkt *p;

	for (int v6 = 0; v6 <= 1; v6++) {
		set_case("udp length one beyond the ip payload, v6=%d", v6);
		p = vxlan_pkt(&(struct outer_spec){ .v6 = v6 });
		put16(p->buf + p->l4 + 4, p->len - p->l4 + 1);
		expect_drop(p, VTAP_DROP_UDP_LEN);

		set_case("udp length 7, v6=%d", v6);
		put16(p->buf + p->l4 + 4, 7);
		expect_drop(p, VTAP_DROP_UDP_LEN);

		set_case("udp length 0, v6=%d", v6);
		put16(p->buf + p->l4 + 4, 0);
		expect_drop(p, VTAP_DROP_UDP_LEN);
	}
}

/* UDP shorter than the IP payload, IP shorter than the frame: the output
 * is the UDP payload's inner frame and nothing after it. */
static void test_trim(void)
{
	struct pkt *p;

	for (int v6 = 0; v6 <= 1; v6++) {
		set_case("udp length 20 short of the ip payload, v6=%d", v6);
		p = vxlan_pkt(&(struct outer_spec){ .v6 = v6, .vni = 12 });
		put16(p->buf + p->l4 + 4, get16(p->buf + p->l4 + 4) - 20);
		p->inner_len -= 20;
		expect_decap_truncated(p, DIR_FROM);

		set_case("ethernet padding after the ip datagram, v6=%d", v6);
		p = vxlan_pkt(&(struct outer_spec){ .v6 = v6, .vni = 12 });
		memset(p->buf + p->len, 0xee, 30);
		p->len += 30;
		expect_decap(p, DIR_FROM);
	}
}

/*
 * The direction is a fact about the delivered frame: bytes cut off with the
 * UDP or IP tail must not decide it. Here the datagram ends inside the inner
 * IP header, just before the source address that the tail still holds.
 */
static void test_trim_direction(void)
{
	struct pkt *p;

	for (int v6 = 0; v6 <= 1; v6++) {
		__u32 keep = ETH_HDR + (v6 ? 8 : 12);	/* up to the inner source */

		set_case("udp ends before the inner source address, v6=%d", v6);
		p = vxlan_pkt(&(struct outer_spec){ .v6 = v6, .vni = 16 });
		put16(p->buf + p->l4 + 4, p->inner + keep - p->l4);
		p->inner_len = keep;
		expect_decap(p, DIR_OTHER);

		set_case("ip ends before the inner source address, v6=%d", v6);
		p = vxlan_pkt(&(struct outer_spec){ .v6 = v6, .vni = 16 });
		p->len = p->inner + keep;
		pkt_fix_lengths(p);
		p->len += p->inner_len - keep;	/* the rest stays, as padding */
		p->inner_len = keep;
		expect_decap(p, DIR_OTHER);
	}
}

/* ---- cut packets --------------------------------------------------------- */

/*
 * Cut p at every offset from the outer IP header to the end of the inner
 * Ethernet header. With the length fields as they were, the IP header claims
 * more than the frame holds. With them fixed up to the cut, the reason is
 * the layer the cut falls into.
 */
static void cut_everywhere(const struct outer_spec *o, int fix)
{
	static struct pkt whole;
	enum vtap_counter bad_ip = o->v6 ? VTAP_DROP_IPV6_INVALID : VTAP_DROP_IPV4_INVALID;

	vxlan_pkt(o);
	whole = pk;
	for (__u32 cut = whole.l3; cut <= whole.inner + ETH_HDR; cut++) {
		struct pkt *p = &pk;
		enum vtap_counter why;

		*p = whole;
		p->len = cut;
		set_case("%s%s cut at %u (ip+%u)%s", o->v6 ? "ipv6" : "ipv4",
			 o->ip_opts ? " with options" : "", cut, cut - p->l3,
			 fix ? ", lengths fixed" : "");
		if (!fix) {
			expect_drop(p, bad_ip);
			continue;
		}
		pkt_fix_lengths(p);
		if (cut < p->l4)
			why = bad_ip;
		else if (cut < p->vx)
			why = VTAP_DROP_UDP_LEN;
		else if (cut < p->inner)
			why = VTAP_DROP_HDR_SHORT;
		else if (cut < p->inner + ETH_HDR)
			why = VTAP_DROP_INNER_SHORT;
		else
			why = VTAP_REDIRECTED;
		if (why == VTAP_REDIRECTED) {
			p->inner_len = ETH_HDR;
			expect_decap(p, DIR_OTHER);
		} else {
			expect_drop(p, why);
		}
	}
}

static void test_cut_ipv4(void) { cut_everywhere(&(struct outer_spec){ .vni = 13 }, 0); }
static void test_cut_ipv6(void) { cut_everywhere(&(struct outer_spec){ .v6 = 1, .vni = 13 }, 0); }
static void test_cut_ipv4_opts(void)
{
	cut_everywhere(&(struct outer_spec){ .ip_opts = 12, .vlans = 1, .vni = 13 }, 0);
}
static void test_cut_fixed_ipv4(void) { cut_everywhere(&(struct outer_spec){ .vni = 13 }, 1); }
static void test_cut_fixed_ipv6(void)
{
	cut_everywhere(&(struct outer_spec){ .v6 = 1, .vni = 13 }, 1);
}
static void test_cut_fixed_ipv4_opts(void)
{
	cut_everywhere(&(struct outer_spec){ .ip_opts = 12, .vlans = 1, .vni = 13 }, 1);
}

/* ---- target -------------------------------------------------------------- */

static void test_redirect_failed(void)
{
	struct pkt *p = vxlan_pkt(&(struct outer_spec){ .vni = 14 });

	set_case("devmap entry missing");
	CU_ASSERT_EQUAL_FATAL(set_target(0), 0);
	/* The frame was already stripped when the redirect failed; what
	 * counts is that it is dropped, counted, and not counted as delivered. */
	check_case(__LINE__, p, XDP_DROP, VTAP_DROP_REDIRECT, 0,
		   p->buf + p->inner, p->inner_len, DIR_NONE);
	CU_ASSERT_EQUAL(set_target(1), 0);
	set_case("devmap entry back");
	expect_decap(p, DIR_FROM);
}

/* ---- custom ports -------------------------------------------------------- */

static void test_custom_ports(void)
{
	set_case("port 4790");
	expect_decap(vxlan_pkt(&(struct outer_spec){ .dport = 4790, .vni = 15 }), DIR_FROM);
	set_case("port 8472, ipv6");
	expect_decap(vxlan_pkt(&(struct outer_spec){ .v6 = 1, .dport = 8472, .vni = 15 }),
		     DIR_FROM);
	set_case("port 4789 is not ours any more");
	expect_pass(vxlan_pkt(&(struct outer_spec){ .vni = 15 }), VTAP_PASS_NOT_OURS);
	set_case("port 4789 is not ours any more, ipv6");
	expect_pass(vxlan_pkt(&(struct outer_spec){ .v6 = 1, .vni = 15 }), VTAP_PASS_NOT_OURS);
}

/* ---- filters ------------------------------------------------------------- */

static const __u8 in4[4] = { 10, 1, 2, 3 }, out4[4] = { 10, 2, 0, 1 };
static const __u8 in6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0xff, [15] = 5 };
static const __u8 out6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, [15] = 5 };

static void test_vni_filter(void)
{
	static const struct { __u32 vni; int ok; } cases[] = {
		{ 0, 0 }, { 99, 0 }, { 100, 1 }, { 150, 1 }, { 199, 1 }, { 200, 0 },
		{ 4999, 0 }, { 5000, 1 }, { 5001, 0 }, { VTAP_VNI_MAX, 0 },
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int v6 = 0; v6 <= 1; v6++) {
			struct pkt *p = vxlan_pkt(&(struct outer_spec){
				.v6 = v6, .vni = cases[i].vni, .src = v6 ? in6 : in4 });

			set_case("vni %u, v6=%d", cases[i].vni, v6);
			if (cases[i].ok)
				expect_decap(p, DIR_OTHER);
			else
				expect_drop(p, VTAP_DROP_VNI);
		}
	}
}

static void test_src_filter(void)
{
	static const __u8 edge4_lo[4] = { 10, 1, 0, 0 }, edge4_hi[4] = { 10, 1, 255, 255 };
	static const __u8 below4[4] = { 10, 0, 255, 255 };
	static const struct { const char *name; int v6; const __u8 *src; int ok; } cases[] = {
		{ "10.1.2.3 in 10.1.0.0/16", 0, in4, 1 },
		{ "10.1.0.0, first of the prefix", 0, edge4_lo, 1 },
		{ "10.1.255.255, last of the prefix", 0, edge4_hi, 1 },
		{ "10.0.255.255, just below", 0, below4, 0 },
		{ "10.2.0.1", 0, out4, 0 },
		{ "10.0.0.1 (default source)", 0, nic4, 0 },
		{ "2001:db8:1:ff00::5 in 2001:db8:1::/48", 1, in6, 1 },
		{ "2001:db8:2::5", 1, out6, 0 },
		{ "2001:db8::1 (default source)", 1, nic6, 0 },
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pkt *p = vxlan_pkt(&(struct outer_spec){
			.v6 = cases[i].v6, .vni = 100, .src = cases[i].src });

		set_case("source %s", cases[i].name);
		if (cases[i].ok)
			expect_decap(p, DIR_OTHER);
		else
			expect_drop(p, VTAP_DROP_SRC);
	}
	/* IPv4 CIDRs are stored v4-mapped; an IPv6 packet from the mapped
	 * address must not pass as the IPv4 source. */
	set_case("ipv6 source ::ffff:10.1.2.3");
	{
		static const __u8 mapped[16] = { [10] = 0xff, 0xff, 10, 1, 2, 3 };

		expect_drop(vxlan_pkt(&(struct outer_spec){ .v6 = 1, .vni = 100, .src = mapped }),
			    VTAP_DROP_SRC);
	}
	/* Both filters: the VNI is checked first. */
	set_case("vni and source both refused");
	expect_drop(vxlan_pkt(&(struct outer_spec){ .vni = 1, .src = out4 }), VTAP_DROP_VNI);
}

/* ---- routes --------------------------------------------------------------- */

static void slots_read(struct vtap_slot_stats out[VTAP_MAX_SLOTS])
{
	struct vtap_slot_stats vals[ncpus];

	memset(out, 0, VTAP_MAX_SLOTS * sizeof(*out));
	for (__u32 slot = 0; slot < VTAP_MAX_SLOTS; slot++) {
		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.vtap_slot_stats), &slot, vals)) {
			EXPECT(__LINE__, 0, "lookup vtap_slot_stats: %s", strerror(errno));
			return;
		}
		for (int cpu = 0; cpu < ncpus; cpu++) {
			out[slot].packets += vals[cpu].packets;
			out[slot].bytes += vals[cpu].bytes;
		}
	}
}

/* A source route beats a VNI route, the longest prefix wins, no match
 * goes to slot 0; each delivery is counted on its slot alone. */
static void test_routes(void)
{
	static const __u8 in24[4] = { 10, 1, 2, 3 }, in16[4] = { 10, 1, 9, 9 };
	static const struct { const char *name; int v6; const __u8 *src; __u32 vni, slot; } cases[] = {
		{ "vni 100 route", 0, NULL, 100, 1 },
		{ "vni 200 route", 0, NULL, 200, 2 },
		{ "no route: slot 0", 0, NULL, 7, 0 },
		{ "10.1.2.3: /24 beats /16 and vni 200", 0, in24, 200, 1 },
		{ "10.1.9.9: /16 beats vni 100", 0, in16, 100, 2 },
		{ "10.1.9.9 without a vni route", 0, in16, 7, 2 },
		{ "2001:db8:1:ff00::5: /48 beats ::/0", 1, in6, 100, 2 },
		{ "2001:db8:2::5: ::/0 beats vni 200", 1, out6, 200, 1 },
		{ "ipv6 vni-only source", 1, NULL, 7, 1 },
		{ "::/0 takes no ipv4: vni 200", 0, out4, 200, 2 },
	};
	struct vtap_slot_stats before[VTAP_MAX_SLOTS], after[VTAP_MAX_SLOTS];

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pkt *p = vxlan_pkt(&(struct outer_spec){
			.v6 = cases[i].v6, .vni = cases[i].vni, .src = cases[i].src });

		set_case("%s", cases[i].name);
		slots_read(before);
		expect_decap(p, cases[i].src ? DIR_OTHER : DIR_FROM);
		slots_read(after);
		for (__u32 s = 0; s < VTAP_MAX_SLOTS; s++) {
			__u64 dp = after[s].packets - before[s].packets;
			__u64 db = after[s].bytes - before[s].bytes;
			int want = s == cases[i].slot;

			EXPECT(__LINE__, dp == (__u64)want && db == (want ? p->inner_len : 0),
			       "slot %u: +%llu packets, +%llu bytes, want slot %u", s,
			       (unsigned long long)dp, (unsigned long long)db, cases[i].slot);
		}
	}
	/* A slot without a device: dropped and counted, on no slot. */
	{
		struct pkt *p = vxlan_pkt(&(struct outer_spec){ .vni = 300 });

		set_case("vni 300 to a slot missing from the devmap");
		slots_read(before);
		check_case(__LINE__, p, XDP_DROP, VTAP_DROP_REDIRECT, 0,
			   p->buf + p->inner, p->inner_len, DIR_NONE);
		slots_read(after);
		for (__u32 s = 0; s < VTAP_MAX_SLOTS; s++)
			EXPECT(__LINE__, after[s].packets == before[s].packets,
			       "slot %u moved", s);
	}
}

/* AWS truncates mirrored packets to the target's MTU: the inner IP header
 * says more than arrives. Delivered as it is, and counted as truncated. */
static void test_truncated_mirror(void)
{
	for (int v6 = 0; v6 <= 1; v6++) {
		struct pkt *p = vxlan_inner(&(struct outer_spec){ .v6 = v6, .vni = 20 },
					    &(struct inner_spec){ v6 ? IN_IP6 : IN_IP4, 0,
								  v6 ? nic6 : nic4,
								  v6 ? peer6 : peer4, 1500 });

		set_case("inner frame of 1500 cut to 200 by the mirror, v6=%d", v6);
		p->len = p->inner + 200;
		p->inner_len = 200;
		pkt_fix_lengths(p);
		expect_decap_truncated(p, DIR_FROM);
	}
}

/* Jumbo frames: test_run hands the program a multi-buffer frame when it
 * does not fit one page, as a NIC with MTU 9000 does. The headers stay in
 * the first buffer; the inner frame spans the others and arrives whole. */
static void test_jumbo(void)
{
	static const __u32 sizes[] = { 3800, 5000, 8000, 9014 };

	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (int v6 = 0; v6 <= 1; v6++) {
			set_case("%u-byte inner frame, v6=%d", sizes[i], v6);
			expect_decap(vxlan_inner(&(struct outer_spec){ .v6 = v6, .vni = 22 },
						 &(struct inner_spec){ v6 ? IN_IP6 : IN_IP4, 0,
								       v6 ? nic6 : nic4,
								       v6 ? peer6 : peer4,
								       sizes[i] }), DIR_FROM);
		}
	}
}

/* A frame the target's MTU can't carry is counted, never lost silently. */
static void test_max_frame(void)
{
	static const __u32 sizes[] = { 64, 1514, 1518, 1519, 8000 };

	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (int v6 = 0; v6 <= 1; v6++) {
			struct pkt *p = vxlan_inner(&(struct outer_spec){ .v6 = v6, .vni = 21 },
						    &(struct inner_spec){ IN_NONE, 0, NULL, NULL,
									  sizes[i] });

			set_case("%u-byte inner frame, max 1518, v6=%d", sizes[i], v6);
			if (sizes[i] <= 1518)
				expect_decap(p, DIR_OTHER);
			else
				expect_drop(p, VTAP_DROP_TOO_BIG);
		}
	}
}

/* ---- multi-buffer frames ------------------------------------------------- */

/* A jumbo frame's trailer (bytes after the UDP datagram) is in the frags,
 * and trimming it may free whole frags (a page_pool bug of generic XDP on
 * 6.12): dropped and counted, the frame left whole. */
static void test_trailer_frags(void)
{
	for (int v6 = 0; v6 <= 1; v6++) {
		struct inner_spec in = { v6 ? IN_IP6 : IN_IP4, 0, v6 ? nic6 : nic4,
					 v6 ? peer6 : peer4, 8000 };
		struct pkt *p;

		set_case("kept FCS after an 8000-byte inner frame, v6=%d", v6);
		p = vxlan_inner(&(struct outer_spec){ .v6 = v6, .vni = 23 }, &in);
		memset(p->buf + p->len, 0xee, 4);
		p->len += 4;
		expect_drop(p, VTAP_DROP_TRAILER_FRAGS);

		set_case("udp length 20 short of a jumbo ip payload, v6=%d", v6);
		p = vxlan_inner(&(struct outer_spec){ .v6 = v6, .vni = 23 }, &in);
		put16(p->buf + p->l4 + 4, get16(p->buf + p->l4 + 4) - 20);
		expect_drop(p, VTAP_DROP_TRAILER_FRAGS);

		/* The crafted case: small IP and UDP lengths, kilobytes after. */
		set_case("100-byte datagram and 6000 bytes of trailer, v6=%d", v6);
		in.len = 100;
		p = vxlan_inner(&(struct outer_spec){ .v6 = v6, .vni = 23 }, &in);
		pkt_fix_lengths(p);
		fill(p->buf + p->len, 6000, 0x11);
		p->len += 6000;
		expect_drop(p, VTAP_DROP_TRAILER_FRAGS);
	}
}

/* A trailer in the first buffer is trimmed as before. */
static void test_trailer_first_buffer(void)
{
	for (int v6 = 0; v6 <= 1; v6++) {
		struct inner_spec in = { v6 ? IN_IP6 : IN_IP4, 0, v6 ? nic6 : nic4,
					 v6 ? peer6 : peer4, 1500 };
		struct pkt *p;

		set_case("kept FCS after a 1500-byte inner frame, v6=%d", v6);
		p = vxlan_inner(&(struct outer_spec){ .v6 = v6, .vni = 24 }, &in);
		memset(p->buf + p->len, 0xee, 4);
		p->len += 4;
		expect_decap(p, DIR_FROM);

		set_case("3000-byte inner frame and 400 bytes of trailer, v6=%d", v6);
		in.len = 3000;
		p = vxlan_inner(&(struct outer_spec){ .v6 = v6, .vni = 24 }, &in);
		fill(p->buf + p->len, 400, 0x22);
		p->len += 400;
		CU_ASSERT(p->len <= 3520);	/* the test run's whole first buffer */
		expect_decap(p, DIR_FROM);
	}
}

/* With the first buffer's length set, a trailer that starts in it and
 * reaches into the frags. */
static void test_trailer_into_frags(void)
{
	for (int v6 = 0; v6 <= 1; v6++) {
		struct pkt *p = vxlan_pkt(&(struct outer_spec){ .v6 = v6, .vni = 25 });

		set_case("trailer from the first buffer into the frags, v6=%d", v6);
		pkt_fix_lengths(p);
		fill(p->buf + p->len, 900, 0x33);
		p->first_buf = p->len + 100;
		p->len += 900;
		expect_drop(p, VTAP_DROP_TRAILER_FRAGS);

		set_case("the same frame in one buffer, v6=%d", v6);
		p->first_buf = 0;
		expect_decap(p, DIR_FROM);
	}
}

/*
 * Headers beyond the first buffer of a multi-buffer frame: what the bound
 * refuses is the buffer, not the packet, so it is passed to the stack (and
 * the slow path), untouched, never dropped as malformed or decapsulated
 * half-read. Every length of the first buffer, from the outer Ethernet
 * header to past the inner IP header.
 */
static void split_everywhere(const struct outer_spec *o, const struct inner_spec *in,
			     __u32 inner_hdrs, int dir)
{
	static struct pkt whole;

	vxlan_inner(o, in);
	whole = pk;
	for (__u32 first = ETH_HDR; first <= whole.inner + inner_hdrs + 8; first++) {
		pk = whole;
		pk.first_buf = first;
		set_case("v6=%d inner %u, first buffer %u of %u", o->v6, in->l3, first, pk.len);
		if (first < whole.inner + inner_hdrs)
			expect_pass(&pk, VTAP_PASS_SPLIT);
		else
			expect_decap(&pk, dir);
	}
}

static void test_split_headers(void)
{
	const struct inner_spec in4 = { IN_IP4, 0, nic4, peer4, 1000 };
	const struct inner_spec in6 = { IN_IP6, 0, peer6, nic6, 1000 };
	const struct inner_spec in4_vlan = { IN_IP4, 1, peer4, nic4, 1000 };
	const struct inner_spec arp = { IN_ARP, 0, NULL, NULL, 1000 };

	split_everywhere(&(struct outer_spec){ .vni = 26 }, &in4, ETH_HDR + IP4_HDR, DIR_FROM);
	split_everywhere(&(struct outer_spec){ .v6 = 1, .vni = 26 }, &in6, ETH_HDR + IP6_HDR,
			 DIR_TO);
	split_everywhere(&(struct outer_spec){ .vlans = 2, .ip_opts = 12, .vni = 26 }, &in4_vlan,
			 ETH_HDR + VLAN_HDR + IP4_HDR, DIR_TO);
	/* Nothing to read after an ARP frame's Ethernet header. */
	split_everywhere(&(struct outer_spec){ .vni = 26 }, &arp, ETH_HDR, DIR_OTHER);
}

/* Not VXLAN, or not valid: the first buffer alone decides nothing. */
static void test_split_not_ours(void)
{
	static __u8 l4[1200];
	struct pkt *p = &pk;
	__u32 n;

	set_case("tcp, first buffer ends in the ip header");
	memset(l4, 0, sizeof(l4));
	put16(l4, 40000);
	put16(l4 + 2, 22);
	l4[12] = 5 << 4;
	build_ip(p, &(struct outer_spec){ 0 }, PROTO_TCP, l4, sizeof(l4));
	p->first_buf = p->l3 + 10;
	expect_pass(p, VTAP_PASS_SPLIT);
	set_case("tcp, ipv6 header cut by the first buffer");
	build_ip(p, &(struct outer_spec){ .v6 = 1 }, PROTO_TCP, l4, sizeof(l4));
	p->first_buf = p->l3 + 39;
	expect_pass(p, VTAP_PASS_SPLIT);
	set_case("tcp, headers in the first buffer");
	p->first_buf = p->l4 + 20;
	expect_pass(p, VTAP_PASS_NOT_OURS);

	set_case("udp to port 53, udp header cut by the first buffer");
	n = put_udp(l4, 40000, 53, l4 + 600, 500);
	build_ip(p, &(struct outer_spec){ 0 }, PROTO_UDP, l4, n);
	p->first_buf = p->l4 + 4;
	expect_pass(p, VTAP_PASS_SPLIT);

	/* Bounds the frame fails are the frame's, wherever the buffer ends. */
	set_case("ip total length beyond the frame, header in the first buffer");
	p = vxlan_inner(&(struct outer_spec){ 0 }, &(struct inner_spec){ IN_IP4, 0, nic4, peer4,
									 1000 });
	put16(p->buf + p->l3 + 2, p->len - p->l3 + 1);
	pkt_ip4_csum(p);
	p->first_buf = 100;
	expect_drop(p, VTAP_DROP_IPV4_INVALID);
	set_case("udp length 7, header in the first buffer");
	p = vxlan_inner(&(struct outer_spec){ .v6 = 1 },
			&(struct inner_spec){ IN_IP6, 0, nic6, peer6, 1000 });
	put16(p->buf + p->l4 + 4, 7);
	p->first_buf = 100;
	expect_drop(p, VTAP_DROP_UDP_LEN);
}

/* ---- the slow path: steering and --dst ---------------------------------- */

/* The UDP checksum of the datagram at l4 (len bytes), over the pseudo
 * header of p's outer addresses: computed whole, to check the program's
 * incremental update against. */
static __u16 udp_csum(const struct pkt *p, __u32 l4, __u32 len)
{
	static __u8 b[PKT_MAX + 40];
	__u32 n = 0, alen = p->v6 ? 16 : 4, asrc = p->v6 ? 8 : 12;
	__u16 c;

	memcpy(b, p->buf + p->l3 + asrc, 2 * alen);
	n = 2 * alen;
	if (p->v6) {
		put32(b + n, len);
		put32(b + n + 4, PROTO_UDP);
		n += 8;
	} else {
		put16(b + n, PROTO_UDP);
		put16(b + n + 2, len);
		n += 4;
	}
	memcpy(b + n, p->buf + l4, len);
	put16(b + n + 6, 0);
	c = csum16(b, n + len);
	return c ? c : 0xffff;
}

static struct pkt want_pkt;

/* What slow_steer makes of p: the UDP port at l4 set to the slow path's
 * (GENEVE's own for GENEVE), reserved VXLAN bits cleared (GENEVE's header
 * left as it is), the checksum computed again (kept 0). */
static const __u8 *steered(const struct pkt *p, __u32 l4, __u32 udp_len)
{
	struct pkt *w = &want_pkt;

	*w = *p;
	if (get16(p->buf + l4 + 2) == VTAP_GENEVE_PORT) {
		put16(w->buf + l4 + 2, GENEVE_SLOW_PORT);
	} else {
		put16(w->buf + l4 + 2, SLOW_PORT);
		put32(w->buf + l4 + UDP_HDR, VTAP_VXLAN_FLAG_I);
		w->buf[l4 + UDP_HDR + 7] = 0;
	}
	if (get16(p->buf + l4 + 6))
		put16(w->buf + l4 + 6, udp_csum(w, l4, udp_len));
	return w->buf;
}

#define expect_steered(p, why, l4, ulen, info)					\
	check_case(__LINE__, p, XDP_PASS, why, INFO_STEERED | (info),		\
		   steered(p, l4, ulen), (p)->len, DIR_NONE)

/* A first fragment: the whole datagram with MF set (offset 0), as far as
 * the program can tell; the UDP checksum over the whole datagram. */
static struct pkt *first_fragment(const struct outer_spec *o, int csum)
{
	struct pkt *p = vxlan_pkt(o);
	__u32 ulen = p->len - p->l4;

	if (csum)
		put16(p->buf + p->l4 + 6, udp_csum(p, p->l4, ulen));
	if (!o->v6) {
		put16(p->buf + p->l3 + 6, 0x2000);
		pkt_ip4_csum(p);
	}
	return p;
}

static void test_steer_ipv4(void)
{
	struct pkt *p;

	set_case("first fragment to --dst, udp checksum");
	p = first_fragment(&(struct outer_spec){ .vni = 21 }, 1);
	expect_steered(p, VTAP_PASS_FRAGMENT, p->l4, p->len - p->l4, 0);
	set_case("first fragment, udp checksum 0: stays 0");
	p = first_fragment(&(struct outer_spec){ .vni = 21 }, 0);
	expect_steered(p, VTAP_PASS_FRAGMENT, p->l4, p->len - p->l4, 0);
	set_case("first fragment, checksum that becomes 0xffff");
	for (__u16 sport = 1; sport; sport++) {
		p = first_fragment(&(struct outer_spec){ .vni = 21, .sport = sport }, 1);
		if (get16(steered(p, p->l4, p->len - p->l4) + p->l4 + 6) == 0xffff)
			break;
	}
	expect_steered(p, VTAP_PASS_FRAGMENT, p->l4, p->len - p->l4, 0);
	set_case("first fragment with reserved bits: cleared, counted");
	p = first_fragment(&(struct outer_spec){ .vni = 21 }, 0);
	p->buf[p->vx + 7] = 0x5a;
	put16(p->buf + p->l4 + 6, udp_csum(p, p->l4, p->len - p->l4));
	expect_steered(p, VTAP_PASS_FRAGMENT, p->l4, p->len - p->l4, INFO_RESERVED);

	set_case("middle fragment: untouched");
	p = first_fragment(&(struct outer_spec){ .vni = 21 }, 1);
	put16(p->buf + p->l3 + 6, 0x2000 | 185);
	pkt_ip4_csum(p);
	expect_pass(p, VTAP_PASS_FRAGMENT);
	set_case("first fragment to another destination: untouched");
	p = first_fragment(&(struct outer_spec){ .vni = 21 }, 1);
	p->buf[p->l3 + 19] = 3;
	pkt_ip4_csum(p);
	expect_pass(p, VTAP_PASS_FRAGMENT);
	set_case("first fragment to another port: untouched");
	p = first_fragment(&(struct outer_spec){ .vni = 21, .dport = 53 }, 1);
	expect_pass(p, VTAP_PASS_FRAGMENT);
	set_case("first fragment, i flag clear: dropped as on the fast path");
	p = first_fragment(&(struct outer_spec){ .vni = 21 }, 1);
	p->buf[p->vx] = 0;
	expect_drop(p, VTAP_DROP_I_FLAG);
	set_case("whole datagram to another destination: not ours");
	p = vxlan_pkt(&(struct outer_spec){ .vni = 21 });
	p->buf[p->l3 + 19] = 3;
	pkt_ip4_csum(p);
	expect_pass(p, VTAP_PASS_NOT_OURS);
	set_case("whole datagram to --dst: decapsulated");
	expect_decap(vxlan_pkt(&(struct outer_spec){ .vni = 21 }), DIR_FROM);
}

static void test_steer_ipv6(void)
{
	static __u8 l4[PKT_MAX], vx[PKT_MAX];
	static const struct { const char *name; __u8 ext; __u16 frag; int steer; } cases[] = {
		{ "fragment header, offset 0", 44, 0x0001, 1 },
		{ "fragment header, offset 1480", 44, 185 << 3, 0 },
		{ "hop-by-hop options", 0, 0, 1 },
		{ "destination options", 60, 0, 1 },
	};
	struct pkt *p = &pk;
	__u32 ilen, n, ulen;

	ilen = build_inner(inner_buf, &(struct inner_spec){ IN_IP6, 0, nic6, peer6, 0 });
	n = put_vxlan(vx, 22, inner_buf, ilen);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		set_case("ipv6 %s before udp", cases[i].name);
		memset(l4, 0, 8);
		l4[0] = PROTO_UDP;
		if (cases[i].ext == 44) {
			put16(l4 + 2, cases[i].frag);
		} else {
			l4[2] = 1;	/* PadN of 4 bytes fills the 8-byte header */
			l4[3] = 4;
		}
		ulen = put_udp(l4 + 8, 49152, VTAP_DEFAULT_PORT, vx, n);
		build_ip(p, &(struct outer_spec){ .v6 = 1 }, cases[i].ext, l4, 8 + ulen);
		put16(p->buf + p->l4 + 8 + 6, udp_csum(p, p->l4 + 8, ulen));
		if (cases[i].steer)
			expect_steered(p, VTAP_PASS_IPV6_EXT, p->l4 + 8, ulen, 0);
		else
			expect_pass(p, VTAP_PASS_IPV6_EXT);
	}
	set_case("ipv6 whole datagram to another destination: not ours");
	p = vxlan_pkt(&(struct outer_spec){ .v6 = 1, .vni = 22 });
	p->buf[p->l3 + 39] = 3;
	expect_pass(p, VTAP_PASS_NOT_OURS);
}

/* Whole datagrams the program passes because a header it reads lies
 * beyond the first buffer take the slow path too; the VXLAN header's
 * checks were made before the split was found, and count once. */
static void test_steer_split(void)
{
	struct pkt *p;

	set_case("inner ethernet header beyond the first buffer, reserved bits");
	p = vxlan_pkt(&(struct outer_spec){ .vni = 23 });
	p->buf[p->vx + 7] = 0x5a;
	put16(p->buf + p->l4 + 6, udp_csum(p, p->l4, p->len - p->l4));
	p->first_buf = p->inner + 4;
	expect_steered(p, VTAP_PASS_SPLIT, p->l4, p->len - p->l4, INFO_RESERVED);
	set_case("udp header beyond the first buffer");
	p = vxlan_pkt(&(struct outer_spec){ .vni = 23 });
	put16(p->buf + p->l4 + 6, udp_csum(p, p->l4, p->len - p->l4));
	p->first_buf = p->l4 + 4;
	expect_steered(p, VTAP_PASS_SPLIT, p->l4, p->len - p->l4, 0);
	set_case("udp header beyond the first buffer, another destination: untouched");
	p = vxlan_pkt(&(struct outer_spec){ .vni = 23 });
	p->buf[p->l3 + 19] = 3;
	pkt_ip4_csum(p);
	p->first_buf = p->l4 + 4;
	expect_pass(p, VTAP_PASS_SPLIT);
}

/* ---- GENEVE (suite geneve: VXLAN on 4789, GENEVE on 6081) --------------- */

static const __u8 synth_dst[6] = VTAP_SYNTH_DST_MAC;
static const __u8 synth_src[6] = VTAP_SYNTH_SRC_MAC;
static __u8 gn_opts[256];
static __u8 gn_exp[PKT_MAX];

/* AWS-style options (class 0x0108) filling n bytes, each at most 32 bytes. */
static const __u8 *aws_opts(__u32 n)
{
	__u8 *b = gn_opts;

	while (n) {
		__u32 len = n > 32 ? 32 : n;

		b = put16(b, 0x0108);
		b = put8(b, 1);
		b = put8(b, len / 4 - 1);
		fill(b, len - 4, 0x90);
		b += len - 4;
		n -= len;
	}
	return gn_opts;
}

/* GENEVE around an inner frame of in: its Ethernet header kept (eth), or
 * stripped, the payload an IP packet with the protocol type of its
 * EtherType. gn_exp gets what vtap0 must receive. */
static struct pkt *geneve_inner(const struct outer_spec *o, struct geneve_spec g,
				const struct inner_spec *in, int eth)
{
	__u32 len = build_inner(inner_buf, in);

	if (eth) {
		build_geneve(&pk, o, &g, inner_buf, len);
		memcpy(gn_exp, inner_buf, len);
		return &pk;
	}
	g.proto = get16(inner_buf + 12);
	build_geneve(&pk, o, &g, inner_buf + ETH_HDR, len - ETH_HDR);
	memcpy(gn_exp, inner_buf, len);
	memcpy(gn_exp, synth_dst, 6);
	memcpy(gn_exp + 6, synth_src, 6);
	return &pk;
}

/* IPv4 (IPv6 when o->v6) from the NIC to its peer. */
static struct pkt *geneve_pkt(const struct outer_spec *o, struct geneve_spec g, int eth)
{
	struct inner_spec in = o->v6 ? (struct inner_spec){ IN_IP6, 0, nic6, peer6, 0 }
				    : (struct inner_spec){ IN_IP4, 0, nic4, peer4, 0 };

	return geneve_inner(o, g, &in, eth);
}

/* The frame vtap0 gets: the inner frame, or the IP payload behind vtap's
 * Ethernet header. */
static void expect_geneve_at(int line, const struct pkt *p, int eth, int dir, int info)
{
	check_case(line, p, XDP_REDIRECT, VTAP_REDIRECTED, info, gn_exp,
		   p->inner_len + (eth ? 0 : ETH_HDR), dir);
}
#define expect_geneve(p, eth, dir, info) expect_geneve_at(__LINE__, p, eth, dir, info)

static void test_geneve_valid(void)
{
	for (int v6 = 0; v6 <= 1; v6++) {
		struct outer_spec o = { .v6 = v6, .vni = 0x123456 };

		set_case("ethernet payload, outer v6=%d", v6);
		expect_geneve(geneve_pkt(&o, (struct geneve_spec){ 0 }, 1), 1, DIR_FROM, 0);
		set_case("ip payload, outer v6=%d", v6);
		expect_geneve(geneve_pkt(&o, (struct geneve_spec){ 0 }, 0), 0, DIR_FROM, 0);
		set_case("ip payload, other family than the outer, v6=%d", v6);
		expect_geneve(geneve_inner(&o, (struct geneve_spec){ 0 },
					   v6 ? &(struct inner_spec){ IN_IP4, 0, peer4, nic4, 0 }
					      : &(struct inner_spec){ IN_IP6, 0, peer6, nic6, 0 }, 0),
			      0, DIR_OTHER, 0);
		set_case("ip payload to the nic, outer v6=%d", v6);
		expect_geneve(geneve_inner(&o, (struct geneve_spec){ 0 },
					   v6 ? &(struct inner_spec){ IN_IP6, 0, peer6, nic6, 0 }
					      : &(struct inner_spec){ IN_IP4, 0, peer4, nic4, 0 }, 0),
			      0, DIR_TO, 0);
	}
	set_case("vni 0, as Google sends");
	expect_geneve(geneve_pkt(&(struct outer_spec){ 0 }, (struct geneve_spec){ 0 }, 0), 0,
		      DIR_FROM, 0);
	set_case("ip payload, outer vlan tags");
	expect_geneve(geneve_pkt(&(struct outer_spec){ .vlans = 2, .vni = 3 },
				 (struct geneve_spec){ 0 }, 0), 0, DIR_FROM, 0);
}

static void test_geneve_options(void)
{
	static const __u32 lens[] = { 0, 4, 8, 124, 252 };

	for (unsigned int i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct geneve_spec g = { .opts = aws_opts(lens[i]), .optlen = lens[i] };

		for (int v6 = 0; v6 <= 1; v6++) {
			set_case("aws options, %u bytes, ip payload, v6=%d", lens[i], v6);
			expect_geneve(geneve_pkt(&(struct outer_spec){ .v6 = v6, .vni = 5 }, g, 0),
				      0, DIR_FROM, 0);
			set_case("aws options, %u bytes, ethernet payload, v6=%d", lens[i], v6);
			expect_geneve(geneve_pkt(&(struct outer_spec){ .v6 = v6, .vni = 5 }, g, 1),
				      1, DIR_FROM, 0);
		}
	}
}

/* Options that reach past the datagram: the length field says more than the
 * UDP length holds. */
static void test_geneve_options_past(void)
{
	struct pkt *p;

	set_case("option length 252 in a 36-byte payload");
	p = geneve_pkt(&(struct outer_spec){ .vni = 5 }, (struct geneve_spec){ 0 }, 0);
	p->buf[p->vx] = 63;
	expect_drop(p, VTAP_DROP_GENEVE_OPTIONS);
	set_case("options run one word past the datagram");
	p = geneve_pkt(&(struct outer_spec){ .vni = 5 },
		       (struct geneve_spec){ .opts = aws_opts(8), .optlen = 8 }, 0);
	p->buf[p->vx] = (p->len - p->vx - VTAP_GENEVE_HLEN) / 4 + 1;
	expect_drop(p, VTAP_DROP_GENEVE_OPTIONS);
	set_case("options fill the datagram: no payload");
	p->buf[p->vx] = (p->len - p->vx - VTAP_GENEVE_HLEN) / 4;
	expect_drop(p, VTAP_DROP_INNER_SHORT);
	set_case("options in the ip payload but past the udp length");
	p = geneve_pkt(&(struct outer_spec){ .vni = 5 },
		       (struct geneve_spec){ .opts = aws_opts(8), .optlen = 8 }, 0);
	put16(p->buf + p->l4 + 4, UDP_HDR + VTAP_GENEVE_HLEN + 4);
	expect_drop(p, VTAP_DROP_GENEVE_OPTIONS);
}

static void test_geneve_fields(void)
{
	struct outer_spec o = { .vni = 9 };
	struct pkt *p;

	for (__u8 v = 1; v <= 3; v++) {
		set_case("version %u", v);
		expect_drop(geneve_pkt(&o, (struct geneve_spec){ .ver = v }, 0),
			    VTAP_DROP_GENEVE_VERSION);
	}
	set_case("o bit: control packet");
	expect_drop(geneve_pkt(&o, (struct geneve_spec){ .flags = VTAP_GENEVE_FLAG_O }, 1),
		    VTAP_DROP_GENEVE_OAM);
	set_case("c bit: tallied, delivered");
	expect_geneve(geneve_pkt(&o, (struct geneve_spec){ .flags = VTAP_GENEVE_FLAG_C }, 0), 0,
		      DIR_FROM, INFO_CRITICAL);
	for (int bit = 0; bit < 6; bit++) {
		set_case("reserved flag bit %d: tallied, delivered", bit);
		expect_geneve(geneve_pkt(&o, (struct geneve_spec){ .flags = 1 << bit }, 0), 0,
			      DIR_FROM, INFO_RESERVED);
	}
	set_case("reserved last byte: tallied, delivered");
	expect_geneve(geneve_pkt(&o, (struct geneve_spec){ .rsvd = 0x80 }, 1), 1, DIR_FROM,
		      INFO_RESERVED);
	set_case("protocol type arp");
	expect_drop(geneve_pkt(&o, (struct geneve_spec){ .proto = ETYPE_ARP }, 1),
		    VTAP_DROP_GENEVE_PROTO);
	set_case("protocol type 0");
	p = geneve_pkt(&o, (struct geneve_spec){ 0 }, 1);
	put16(p->buf + p->vx + 2, 0);
	expect_drop(p, VTAP_DROP_GENEVE_PROTO);
	set_case("header shorter than 8 bytes");
	p = geneve_pkt(&o, (struct geneve_spec){ 0 }, 0);
	put16(p->buf + p->l4 + 4, UDP_HDR + 7);
	expect_drop(p, VTAP_DROP_GENEVE_SHORT);
	set_case("ipv4 payload of 19 bytes");
	put16(p->buf + p->l4 + 4, UDP_HDR + VTAP_GENEVE_HLEN + IP4_HDR - 1);
	expect_drop(p, VTAP_DROP_INNER_SHORT);
	set_case("ipv4 payload of 20 bytes: delivered, truncated");
	put16(p->buf + p->l4 + 4, UDP_HDR + VTAP_GENEVE_HLEN + IP4_HDR);
	p->inner_len = IP4_HDR;
	expect_geneve(p, 0, DIR_FROM, INFO_TRUNCATED);
	set_case("ipv6 payload of 39 bytes");
	p = geneve_pkt(&(struct outer_spec){ .v6 = 1, .vni = 9 }, (struct geneve_spec){ 0 }, 0);
	put16(p->buf + p->l4 + 4, UDP_HDR + VTAP_GENEVE_HLEN + IP6_HDR - 1);
	expect_drop(p, VTAP_DROP_INNER_SHORT);
	set_case("ethernet payload of 13 bytes");
	p = geneve_pkt(&o, (struct geneve_spec){ 0 }, 1);
	put16(p->buf + p->l4 + 4, UDP_HDR + VTAP_GENEVE_HLEN + ETH_HDR - 1);
	expect_drop(p, VTAP_DROP_INNER_SHORT);
}

/* Google's network ID option (class 0x0132, type 1): the value's lowest bit
 * is the direction, 1 = egress from the mirrored VM. The inner addresses
 * here say neither. */
static const __u8 *google_opts(const __u8 *before, __u32 before_len, int egress, __u32 *len)
{
	__u8 *b = gn_opts;

	b = putn(b, before, before_len);
	b = put16(b, VTAP_GENEVE_CLASS_GOOGLE);
	b = put8(b, VTAP_GENEVE_GOOGLE_NETWORK_ID);
	b = put8(b, 2);				/* 8 bytes: a network ID */
	b = put32(b, 0x00012345);
	b = put32(b, 0x6789abc0 | egress);
	b = put16(b, VTAP_GENEVE_CLASS_GOOGLE);	/* endpoint ID: not a direction */
	b = put8(b, 2);
	b = put8(b, 1);
	b = put32(b, 0x00000001);
	*len = b - gn_opts;
	return gn_opts;
}

static void test_geneve_direction(void)
{
	static const __u8 aws[8] = { 0x01, 0x08, 0x01, 0x01, 1, 2, 3, 4 };
	struct inner_spec other = { IN_IP4, 0, peer4, collector4, 0 };
	struct inner_spec from = { IN_IP4, 0, nic4, peer4, 0 };
	struct outer_spec o = { 0 };
	struct geneve_spec g = { 0 };
	__u8 bad[4];

	for (int egress = 0; egress <= 1; egress++) {
		g.opts = google_opts(NULL, 0, egress, &g.optlen);
		set_case("google option, egress bit %d", egress);
		expect_geneve(geneve_inner(&o, g, &other, 0), 0, egress ? DIR_FROM : DIR_TO,
			      INFO_DIRECTION);
		set_case("google option, egress bit %d, against the addresses", egress);
		expect_geneve(geneve_inner(&o, g, &from, 0), 0, egress ? DIR_FROM : DIR_TO,
			      INFO_DIRECTION);
		g.opts = google_opts(aws, sizeof(aws), egress, &g.optlen);
		set_case("google option after an aws one, egress bit %d", egress);
		expect_geneve(geneve_inner(&o, g, &other, 0), 0, egress ? DIR_FROM : DIR_TO,
			      INFO_DIRECTION);
	}
	set_case("google option with the critical type bit");
	g.opts = google_opts(NULL, 0, 1, &g.optlen);
	gn_opts[2] |= 0x80;
	expect_geneve(geneve_inner(&o, g, &other, 0), 0, DIR_FROM, INFO_DIRECTION);
	set_case("google class, type 2 only: the address rule");
	g.opts = google_opts(NULL, 0, 1, &g.optlen);
	gn_opts[2] = 2;
	expect_geneve(geneve_inner(&o, g, &from, 0), 0, DIR_FROM, 0);
	set_case("an option running past the others: the walk stops, the address rule");
	memcpy(bad, (__u8[]){ 0x01, 0x08, 0x01, 0x1f }, 4);
	g.opts = google_opts(bad, sizeof(bad), 0, &g.optlen);
	expect_geneve(geneve_inner(&o, g, &from, 0), 0, DIR_FROM, 0);
	set_case("google option on an ethernet payload");
	g.opts = google_opts(NULL, 0, 0, &g.optlen);
	expect_geneve(geneve_inner(&o, g, &other, 1), 1, DIR_TO, INFO_DIRECTION);
}

/* The same source sends VXLAN to 4789 and GENEVE to 6081: two per-source
 * entries; each port reads its own header. */
static void test_geneve_mixed(void)
{
	struct outer_spec vx = { .vni = 77 }, gn = { .vni = 77 };
	struct vtap_source_key key = { .family = VTAP_AF_INET, .vni = 77 };
	struct vtap_source_stats st;
	struct pkt *p;

	set_case("vxlan on 4789");
	expect_decap(vxlan_pkt(&vx), DIR_FROM);
	set_case("geneve on 6081 from the same source");
	expect_geneve(geneve_pkt(&gn, (struct geneve_spec){ 0 }, 1), 1, DIR_FROM, 0);
	set_case("two entries");
	memcpy(key.addr, pk.src, 16);
	EXPECT(__LINE__, source_read(&key, &st) && st.packets == 1, "vxlan entry");
	key.encap = VTAP_ENCAP_GENEVE;
	EXPECT(__LINE__, source_read(&key, &st) && st.packets == 1, "geneve entry");
	set_case("geneve sent to the vxlan port: read as vxlan, i flag clear");
	expect_drop(geneve_pkt(&(struct outer_spec){ .dport = VTAP_DEFAULT_PORT, .vni = 77 },
			       (struct geneve_spec){ 0 }, 1), VTAP_DROP_I_FLAG);
	set_case("vxlan sent to the geneve port: read as geneve");
	p = vxlan_pkt(&(struct outer_spec){ .dport = VTAP_GENEVE_PORT, .vni = 77 });
	/* 0x08: version 0, 32 bytes of options (in the datagram), protocol
	 * type 0 */
	expect_drop(p, VTAP_DROP_GENEVE_PROTO);
	set_case("geneve to another port");
	expect_pass(geneve_pkt(&(struct outer_spec){ .dport = 6082 }, (struct geneve_spec){ 0 }, 0),
		    VTAP_PASS_NOT_OURS);
}

/* Without a GENEVE slow path (no geneve driver in the kernel): first
 * fragments pass as they came, tallied; VXLAN's beside them are steered. */
static void test_geneve_fragments(void)
{
	struct pkt *p;

	for (int v6 = 0; v6 <= 1; v6++) {
		set_case("first fragment to the geneve port, v6=%d", v6);
		p = geneve_pkt(&(struct outer_spec){ .v6 = v6 }, (struct geneve_spec){ 0 }, 0);
		if (v6) {
			/* a fragment header: first fragment, more follow */
			static __u8 l4[PKT_MAX];
			__u32 n = p->len - p->l4;

			memcpy(l4 + 8, p->buf + p->l4, n);
			memcpy(l4, (__u8[]){ PROTO_UDP, 0, 0, 1, 0, 0, 0, 9 }, 8);
			build_ip(p, &(struct outer_spec){ .v6 = 1 }, 44, l4, n + 8);
			expect_pass_info(p, VTAP_PASS_IPV6_EXT, INFO_UNSTEERED);
		} else {
			put16(p->buf + p->l3 + 6, 0x2000);	/* MF */
			pkt_ip4_csum(p);
			expect_pass_info(p, VTAP_PASS_FRAGMENT, INFO_UNSTEERED);
		}
	}
	set_case("a later fragment: no udp header, not tallied");
	p = geneve_pkt(&(struct outer_spec){ 0 }, (struct geneve_spec){ 0 }, 0);
	put16(p->buf + p->l3 + 6, 0x0010);
	pkt_ip4_csum(p);
	expect_pass(p, VTAP_PASS_FRAGMENT);
}

/* Cut at every offset from the outer IP header to the end of the inner IP
 * header, lengths fixed up to the cut: the reason is the layer cut. */
static void geneve_cut_everywhere(int v6)
{
	static struct pkt whole;
	enum vtap_counter bad_ip = v6 ? VTAP_DROP_IPV6_INVALID : VTAP_DROP_IPV4_INVALID;
	__u32 iphdr = v6 ? IP6_HDR : IP4_HDR;

	geneve_pkt(&(struct outer_spec){ .v6 = v6, .vni = 13 },
		   (struct geneve_spec){ .opts = aws_opts(12), .optlen = 12 }, 0);
	whole = pk;
	for (__u32 cut = whole.l3; cut <= whole.inner + iphdr; cut++) {
		struct pkt *p = &pk;
		enum vtap_counter why;

		*p = whole;
		p->len = cut;
		set_case("geneve v6=%d cut at %u, lengths kept", v6, cut);
		expect_drop(p, bad_ip);
		pkt_fix_lengths(p);
		set_case("geneve v6=%d cut at %u, lengths fixed", v6, cut);
		if (cut < p->l4)
			why = bad_ip;
		else if (cut < p->vx)
			why = VTAP_DROP_UDP_LEN;
		else if (cut < p->vx + VTAP_GENEVE_HLEN)
			why = VTAP_DROP_GENEVE_SHORT;
		else if (cut < p->inner)
			why = VTAP_DROP_GENEVE_OPTIONS;
		else if (cut < p->inner + iphdr)
			why = VTAP_DROP_INNER_SHORT;
		else
			why = VTAP_REDIRECTED;
		if (why == VTAP_REDIRECTED) {
			p->inner_len = iphdr;
			expect_geneve(p, 0, DIR_FROM, INFO_TRUNCATED);
		} else {
			expect_drop(p, why);
		}
	}
}

static void test_geneve_cut_ipv4(void) { geneve_cut_everywhere(0); }
static void test_geneve_cut_ipv6(void) { geneve_cut_everywhere(1); }

/* A first buffer that ends inside the inner IP header: vtap's Ethernet
 * header would fit, but the frame is passed to the stack as it came. */
static void test_geneve_split(void)
{
	struct pkt *p;

	set_case("inner ip header beyond the first buffer");
	p = geneve_pkt(&(struct outer_spec){ .vni = 4 }, (struct geneve_spec){ 0 }, 0);
	p->first_buf = p->inner + 10;
	expect_pass_info(p, VTAP_PASS_SPLIT, INFO_UNSTEERED);
	set_case("geneve header beyond the first buffer");
	p = geneve_pkt(&(struct outer_spec){ .vni = 4 }, (struct geneve_spec){ 0 }, 0);
	p->first_buf = p->vx + 4;
	expect_pass_info(p, VTAP_PASS_SPLIT, INFO_UNSTEERED);
	set_case("inner ip header in the first buffer");
	p = geneve_pkt(&(struct outer_spec){ .vni = 4 }, (struct geneve_spec){ 0 }, 0);
	p->first_buf = p->inner + IP4_HDR;
	expect_geneve(p, 0, DIR_FROM, 0);
}

static void test_geneve_strict(void)
{
	struct outer_spec o = { .vni = 9 };
	struct pkt *p;

	set_case("c bit dropped");
	expect_drop_info(geneve_pkt(&o, (struct geneve_spec){ .flags = VTAP_GENEVE_FLAG_C }, 0),
			 VTAP_DROP_GENEVE_CRITICAL, INFO_CRITICAL);
	set_case("reserved flag bit dropped");
	expect_drop_reserved(geneve_pkt(&o, (struct geneve_spec){ .flags = 1 }, 0),
			     VTAP_DROP_RESERVED);
	set_case("reserved byte dropped");
	expect_drop_reserved(geneve_pkt(&o, (struct geneve_spec){ .rsvd = 1 }, 1),
			     VTAP_DROP_RESERVED);
	set_case("clean packet delivered");
	expect_geneve(geneve_pkt(&o, (struct geneve_spec){ 0 }, 0), 0, DIR_FROM, 0);
	/* max_frame 1518: the written Ethernet header counts. */
	set_case("ip payload of 1504 bytes: a 1518-byte frame");
	p = geneve_inner(&o, (struct geneve_spec){ 0 },
			 &(struct inner_spec){ IN_IP4, 0, nic4, peer4, 1518 }, 0);
	expect_geneve(p, 0, DIR_FROM, 0);
	set_case("ip payload of 1505 bytes: too big");
	p = geneve_inner(&o, (struct geneve_spec){ 0 },
			 &(struct inner_spec){ IN_IP4, 0, nic4, peer4, 1519 }, 0);
	expect_drop(p, VTAP_DROP_TOO_BIG);
}

/* ---- the GENEVE slow path: steering ---------------------------------------- */

/* p as a first IPv4 fragment (MF, offset 0), its UDP checksum over the
 * whole datagram (csum) or 0. */
static struct pkt *geneve_first_fragment(struct pkt *p, int csum)
{
	if (csum)
		put16(p->buf + p->l4 + 6, udp_csum(p, p->l4, p->len - p->l4));
	put16(p->buf + p->l3 + 6, 0x2000);
	pkt_ip4_csum(p);
	return p;
}

static void test_geneve_steer(void)
{
	static __u8 l4[PKT_MAX];
	struct outer_spec o = { .vni = 31 };
	struct pkt *p;
	__u32 n;

	set_case("ip-only first fragment, udp checksum: port rewritten, checksum valid");
	p = geneve_first_fragment(geneve_pkt(&o, (struct geneve_spec){ 0 }, 0), 1);
	expect_steered(p, VTAP_PASS_FRAGMENT, p->l4, p->len - p->l4, 0);
	set_case("ethernet first fragment, google options, checksum 0: stays 0");
	google_opts(NULL, 0, 1, &n);
	p = geneve_first_fragment(geneve_pkt(&o, (struct geneve_spec){ .opts = gn_opts,
					     .optlen = n }, 1), 0);
	expect_steered(p, VTAP_PASS_FRAGMENT, p->l4, p->len - p->l4, 0);
	set_case("ipv6 fragment header, offset 0");
	p = geneve_pkt(&(struct outer_spec){ .v6 = 1, .vni = 31 }, (struct geneve_spec){ 0 }, 0);
	n = p->len - p->l4;
	memcpy(l4 + 8, p->buf + p->l4, n);
	memcpy(l4, (__u8[]){ PROTO_UDP, 0, 0, 1, 0, 0, 0, 9 }, 8);
	build_ip(p, &(struct outer_spec){ .v6 = 1 }, 44, l4, n + 8);
	put16(p->buf + p->l4 + 8 + 6, udp_csum(p, p->l4 + 8, n));
	expect_steered(p, VTAP_PASS_IPV6_EXT, p->l4 + 8, n, 0);
	set_case("c bit: tallied, steered");
	p = geneve_first_fragment(geneve_pkt(&o, (struct geneve_spec){
		.flags = VTAP_GENEVE_FLAG_C }, 0), 1);
	expect_steered(p, VTAP_PASS_FRAGMENT, p->l4, p->len - p->l4, INFO_CRITICAL);
	set_case("reserved byte: tallied, steered as it is");
	p = geneve_first_fragment(geneve_pkt(&o, (struct geneve_spec){ .rsvd = 7 }, 1), 1);
	expect_steered(p, VTAP_PASS_FRAGMENT, p->l4, p->len - p->l4, INFO_RESERVED);

	set_case("version 1: dropped as on the fast path");
	expect_drop(geneve_first_fragment(geneve_pkt(&o, (struct geneve_spec){ .ver = 1 }, 0), 1),
		    VTAP_DROP_GENEVE_VERSION);
	set_case("o bit: dropped");
	expect_drop(geneve_first_fragment(geneve_pkt(&o, (struct geneve_spec){
		.flags = VTAP_GENEVE_FLAG_O }, 0), 1), VTAP_DROP_GENEVE_OAM);
	set_case("protocol 0x88cc: dropped");
	expect_drop(geneve_first_fragment(geneve_pkt(&o, (struct geneve_spec){
		.proto = 0x88cc }, 1), 1), VTAP_DROP_GENEVE_PROTO);
	set_case("options past the datagram: dropped");
	p = geneve_pkt(&o, (struct geneve_spec){ 0 }, 0);
	p->buf[p->vx] = VTAP_GENEVE_OPTLEN_MASK;
	expect_drop(geneve_first_fragment(p, 1), VTAP_DROP_GENEVE_OPTIONS);
	set_case("udp length 12: geneve_short");
	p = geneve_pkt(&o, (struct geneve_spec){ 0 }, 0);
	put16(p->buf + p->l4 + 4, 12);
	expect_drop(geneve_first_fragment(p, 0), VTAP_DROP_GENEVE_SHORT);
	set_case("ip-only payload of 19 bytes: inner_short");
	p = geneve_pkt(&o, (struct geneve_spec){ 0 }, 0);
	put16(p->buf + p->l4 + 4, UDP_HDR + VTAP_GENEVE_HLEN + 19);
	expect_drop(geneve_first_fragment(p, 0), VTAP_DROP_INNER_SHORT);

	set_case("a later fragment: untouched");
	p = geneve_first_fragment(geneve_pkt(&o, (struct geneve_spec){ 0 }, 0), 1);
	put16(p->buf + p->l3 + 6, 0x2000 | 185);
	pkt_ip4_csum(p);
	expect_pass(p, VTAP_PASS_FRAGMENT);
	set_case("vxlan first fragment beside it: to the vxlan slow path");
	p = first_fragment(&(struct outer_spec){ .vni = 21 }, 1);
	expect_steered(p, VTAP_PASS_FRAGMENT, p->l4, p->len - p->l4, 0);
	set_case("whole geneve datagram: decapsulated");
	expect_geneve(geneve_pkt(&o, (struct geneve_spec){ 0 }, 0), 0, DIR_FROM, 0);
}

static void test_geneve_steer_strict(void)
{
	struct outer_spec o = { .vni = 32 };

	set_case("c bit: dropped, tallied");
	expect_drop_info(geneve_first_fragment(geneve_pkt(&o, (struct geneve_spec){
		.flags = VTAP_GENEVE_FLAG_C }, 0), 1), VTAP_DROP_GENEVE_CRITICAL, INFO_CRITICAL);
	set_case("reserved flag bit: dropped, tallied");
	expect_drop_reserved(geneve_first_fragment(geneve_pkt(&o, (struct geneve_spec){
		.flags = 1 }, 0), 1), VTAP_DROP_RESERVED);
	set_case("clean first fragment: steered");
	expect_steered(geneve_first_fragment(geneve_pkt(&o, (struct geneve_spec){ 0 }, 0),
						    1), VTAP_PASS_FRAGMENT, pk.l4, pk.len - pk.l4, 0);
}

/* ---- registration -------------------------------------------------------- */

struct test { const char *name; CU_TestFunc fn; };

static void add_suite(const char *name, CU_InitializeFunc init, const struct test *t)
{
	CU_pSuite s = CU_add_suite(name, init, suite_clean);

	for (; s && t->name; t++)
		CU_add_test(s, t->name, t->fn);
	if (s)
		CU_add_test(s, "conservation after the suite", test_suite_conservation);
}

static void register_tests(void)
{
	static const struct test dflt[] = {
		{ "valid ipv4", test_ipv4 },
		{ "valid ipv6", test_ipv6 },
		{ "outer vlan tags", test_vlan },
		{ "ipv4 options", test_ipv4_options },
		{ "inner vlan tag", test_inner_vlan },
		{ "inner frame sizes", test_inner_sizes },
		{ "direction", test_direction },
		{ "per-source keys", test_source_keys },
		{ "per-source cache: alternating sources", test_source_cache_alternate },
		{ "per-source cache: entry evicted while cached", test_source_cache_evicted },
		{ "not ours", test_not_ours },
		{ "i flag clear", test_i_flag_clear },
		{ "reserved bits accepted", test_reserved_bits },
		{ "outer fragments", test_fragments },
		{ "ipv6 extension headers", test_ipv6_ext },
		{ "ipv4 header invalid", test_ipv4_invalid },
		{ "ipv6 header invalid", test_ipv6_invalid },
		{ "udp length mismatch", test_udp_length },
		{ "trim to the udp payload", test_trim },
		{ "direction of a trimmed frame", test_trim_direction },
		{ "truncated mirror", test_truncated_mirror },
		{ "jumbo frames across buffers", test_jumbo },
		{ "cut ipv4, lengths kept", test_cut_ipv4 },
		{ "cut ipv6, lengths kept", test_cut_ipv6 },
		{ "cut ipv4 with options, lengths kept", test_cut_ipv4_opts },
		{ "cut ipv4, lengths fixed", test_cut_fixed_ipv4 },
		{ "cut ipv6, lengths fixed", test_cut_fixed_ipv6 },
		{ "cut ipv4 with options, lengths fixed", test_cut_fixed_ipv4_opts },
		{ "redirect failed", test_redirect_failed },
		{ "trailer in the first buffer trimmed", test_trailer_first_buffer },
		{ "trailer in the frags: dropped, frags never trimmed", test_trailer_frags },
		{ NULL, NULL },
	};
	static const struct test split[] = {
		{ "trailer from the first buffer into the frags", test_trailer_into_frags },
		{ "headers beyond the first buffer", test_split_headers },
		{ "not ours or invalid, beyond the first buffer", test_split_not_ours },
		{ NULL, NULL },
	};
	static const struct test ports[] = {
		{ "custom ports", test_custom_ports },
		{ NULL, NULL },
	};
	static const struct test strict[] = {
		{ "reserved bits dropped", test_strict_reserved_bits },
		{ "clean packets", test_strict_valid },
		{ NULL, NULL },
	};
	static const struct test filters[] = {
		{ "vni allow-list", test_vni_filter },
		{ "source allow-list", test_src_filter },
		{ NULL, NULL },
	};
	static const struct test routes[] = {
		{ "src beats vni, longest prefix, default slot", test_routes },
		{ NULL, NULL },
	};
	static const struct test max_frame[] = {
		{ "frames beyond the target mtu", test_max_frame },
		{ NULL, NULL },
	};
	static const struct test slow_split[] = {
		{ "split headers steered, counted once", test_steer_split },
		{ NULL, NULL },
	};
	static const struct test slow[] = {
		{ "ipv4 first fragments steered, --dst", test_steer_ipv4 },
		{ "ipv6 extension headers steered, --dst", test_steer_ipv6 },
		{ NULL, NULL },
	};

	static const struct test geneve[] = {
		{ "valid ethernet, ipv4 and ipv6 payloads", test_geneve_valid },
		{ "option lengths 0 to 252", test_geneve_options },
		{ "options past the datagram", test_geneve_options_past },
		{ "each header field wrong alone", test_geneve_fields },
		{ "direction from google's option", test_geneve_direction },
		{ "vxlan and geneve ports on one program", test_geneve_mixed },
		{ "fragments without a geneve slow path", test_geneve_fragments },
		{ "cut ipv4, every offset", test_geneve_cut_ipv4 },
		{ "cut ipv6, every offset", test_geneve_cut_ipv6 },
		{ NULL, NULL },
	};
	static const struct test geneve_split[] = {
		{ "headers beyond the first buffer", test_geneve_split },
		{ NULL, NULL },
	};
	static const struct test geneve_slow[] = {
		{ "first fragments steered, header checks", test_geneve_steer },
		{ NULL, NULL },
	};
	static const struct test geneve_slow_strict[] = {
		{ "first fragments: c and reserved bits dropped", test_geneve_steer_strict },
		{ NULL, NULL },
	};
	static const struct test geneve_strict[] = {
		{ "c and reserved bits dropped, max_frame", test_geneve_strict },
		{ NULL, NULL },
	};

	/* check_case expects no metadata in this suite's redirects. */
	static const struct test no_direction[] = {
		{ "vxlan: no metadata", test_direction },
		{ "geneve: no metadata", test_geneve_valid },
		{ "geneve google option: no metadata", test_geneve_direction },
		{ NULL, NULL },
	};

	static const struct test race[] = {
		{ "per-source cache: reads racing the program", test_source_cache_race },
		{ NULL, NULL },
	};

	ncpus = libbpf_num_possible_cpus();
	meta_ok = vtap_xdp_meta_supported();
	if (!meta_ok)
		printf("skip direction metadata: this kernel refuses bpf_xdp_adjust_meta (every "
		       "suite runs as with --no-direction: no metadata)\n");
	add_suite("default", init_default, dflt);
	add_suite("custom_port", init_ports, ports);
	add_suite("strict", init_strict, strict);
	add_suite("filters", init_filters, filters);
	add_suite("max_frame", init_max_frame, max_frame);
	add_suite("slow_path", init_slow, slow);
	add_suite("geneve", init_geneve, geneve);
	add_suite("geneve_strict", init_geneve_strict, geneve_strict);
	add_suite("routes", init_routes, routes);
	add_suite("geneve_slow_path", init_geneve_slow, geneve_slow);
	add_suite("geneve_slow_path_strict", init_geneve_slow_strict, geneve_slow_strict);
	add_suite("no_direction", init_no_direction, no_direction);
	if (ncpus >= 2)
		add_suite("source_cache_race", init_default, race);
	else
		printf("skip per-source cache: reads racing the program: one CPU, no race to check\n");
	if (kernel_sets_first_buf()) {
		add_suite("first_buffer", init_default, split);
		add_suite("slow_path_split", init_slow, slow_split);
		add_suite("geneve_split", init_geneve, geneve_split);
	}
	else
		printf("skip first_buffer: this kernel's test run can't set the first buffer's "
		       "length (Linux 6.18+)\n");
}

#include "../cunit_main.h"

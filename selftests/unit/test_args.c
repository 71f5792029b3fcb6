// SPDX-License-Identifier: GPL-2.0
/* vtapctl's value parsers and formatters: what users type, what they see. */
#include <arpa/inet.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "args.h"
#include "unit.h"

static char err[128];

static void test_port(void)
{
	__u16 p = 0;

	CU_ASSERT_EQUAL(parse_port("4789", &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p, 4789);
	CU_ASSERT_EQUAL(parse_port("1", &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(parse_port("65535", &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p, 65535);
	CU_ASSERT_NOT_EQUAL(parse_port("0", &p, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "out of range 1-65535");
	CU_ASSERT_NOT_EQUAL(parse_port("65536", &p, err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(parse_port("-1", &p, err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(parse_port("0x10", &p, err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(parse_port("", &p, err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(parse_port(" 80", &p, err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(parse_port("99999999999999999999999", &p, err, sizeof(err)), 0);
}

static void test_vni(void)
{
	struct vtap_vni_range r;

	CU_ASSERT_EQUAL(parse_vni_range("42", &r, err, sizeof(err)), 0);
	CU_ASSERT(r.first == 42 && r.last == 42);
	CU_ASSERT_EQUAL(parse_vni_range("100-200", &r, err, sizeof(err)), 0);
	CU_ASSERT(r.first == 100 && r.last == 200);
	CU_ASSERT_EQUAL(parse_vni_range("0-16777215", &r, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r.last, VTAP_VNI_MAX);
	CU_ASSERT_NOT_EQUAL(parse_vni_range("16777216", &r, err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(parse_vni_range("200-100", &r, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "range ends before it starts");
	CU_ASSERT_NOT_EQUAL(parse_vni_range("1-", &r, err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(parse_vni_range("-1", &r, err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(parse_vni_range("1-2-3", &r, err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(parse_vni_range("abc", &r, err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(parse_vni_range("123456789012345678", &r, err, sizeof(err)), 0);
}

static void test_cidr_v4(void)
{
	static const __u8 want[16] = { [10] = 0xff, [11] = 0xff, 10, 1, 0, 0 };
	struct vtap_lpm_key k;
	char buf[64];

	CU_ASSERT_EQUAL(parse_cidr("10.1.0.0/16", &k, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(k.prefixlen, 96 + 16);
	CU_ASSERT_EQUAL(memcmp(k.addr, want, 16), 0);
	format_cidr(&k, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "10.1.0.0/16");

	CU_ASSERT_EQUAL(parse_cidr("192.0.2.7", &k, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(k.prefixlen, 128);
	format_cidr(&k, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "192.0.2.7/32");
	CU_ASSERT_EQUAL(parse_cidr("0.0.0.0/0", &k, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(k.prefixlen, 96);

	CU_ASSERT_NOT_EQUAL(parse_cidr("10.1.0.5/16", &k, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "host bits set after /16");
	CU_ASSERT_NOT_EQUAL(parse_cidr("10.1.0.0/33", &k, err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(parse_cidr("10.1.0/24", &k, err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(parse_cidr("300.1.0.0/8", &k, err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(parse_cidr("/8", &k, err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(parse_cidr("10.0.0.0/", &k, err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(parse_cidr("10.0.0.0/x", &k, err, sizeof(err)), 0);
}

static void test_cidr_v6(void)
{
	struct vtap_lpm_key k;
	char buf[64];

	CU_ASSERT_EQUAL(parse_cidr("2001:db8::/32", &k, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(k.prefixlen, 32);
	CU_ASSERT(k.addr[0] == 0x20 && k.addr[1] == 0x01 && k.addr[2] == 0x0d && k.addr[3] == 0xb8);
	format_cidr(&k, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "2001:db8::/32");
	CU_ASSERT_EQUAL(parse_cidr("fd00::1", &k, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(k.prefixlen, 128);
	CU_ASSERT_NOT_EQUAL(parse_cidr("2001:db8::1/32", &k, err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(parse_cidr("2001:db8::/129", &k, err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(parse_cidr("2001:db8:::/64", &k, err, sizeof(err)), 0);
}

static void test_format_addr(void)
{
	__u8 a[16] = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 4 };
	__u8 b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	__u8 c[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1 };
	char buf[64];

	format_addr(VTAP_AF_INET, a, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "10.0.0.4");
	format_addr(VTAP_AF_INET6, b, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "2001:db8::1");
	/* RFC 5952 4.2.2: a single zero field is not shortened to "::". */
	format_addr(VTAP_AF_INET6, c, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "2001:db8:0:1:1:1:1:1");
}

static void test_canonicalize(void)
{
	struct vtap_settings s = { .nr_vni_ranges = 4, .vni_ranges = {
		{ 300, 400 }, { 10, 20 }, { 21, 25 }, { 350, 500 } } };
	__u16 ports[VTAP_MAX_PORTS + 1] = { 4790, 4789, 4790 };
	struct vtap_lpm_key allow[3] = {};
	unsigned int nr_allow = 3;

	parse_cidr("10.0.0.0/8", &allow[0], err, sizeof(err));
	parse_cidr("fd00::/8", &allow[1], err, sizeof(err));
	parse_cidr("10.0.0.0/8", &allow[2], err, sizeof(err));
	settings_canonicalize(&s, ports, 3, allow, &nr_allow);
	CU_ASSERT_EQUAL(s.nr_ports, 2);
	CU_ASSERT_EQUAL(ntohs(s.ports_net[0]), 4789);
	CU_ASSERT_EQUAL(ntohs(s.ports_net[1]), 4790);
	/* 10-20 and 21-25 touch: one range; 300-400 and 350-500 overlap. */
	CU_ASSERT_EQUAL(s.nr_vni_ranges, 2);
	CU_ASSERT(s.vni_ranges[0].first == 10 && s.vni_ranges[0].last == 25);
	CU_ASSERT(s.vni_ranges[1].first == 300 && s.vni_ranges[1].last == 500);
	CU_ASSERT(s.vni_ranges[2].first == 0 && s.vni_ranges[2].last == 0);
	CU_ASSERT_EQUAL(nr_allow, 2);
	CU_ASSERT_EQUAL(s.filter_src, 1);

	/* --dst: sorted, duplicates gone, the rest zero. */
	memset(&s, 0, sizeof(s));
	parse_cidr("fd00::1/128", &s.dst[0], err, sizeof(err));
	parse_cidr("10.99.0.2/32", &s.dst[1], err, sizeof(err));
	parse_cidr("fd00::1/128", &s.dst[2], err, sizeof(err));
	s.nr_dst = 3;
	nr_allow = 0;
	settings_canonicalize(&s, ports, 0, allow, &nr_allow);
	CU_ASSERT_EQUAL(s.nr_dst, 2);
	CU_ASSERT_EQUAL(cidr_family(&s.dst[0]), VTAP_AF_INET);
	CU_ASSERT_EQUAL(cidr_family(&s.dst[1]), VTAP_AF_INET6);
	CU_ASSERT_EQUAL(s.dst[2].prefixlen, 0);

	/* No port given: the default; no allow-list: no source filter. */
	memset(&s, 0, sizeof(s));
	nr_allow = 0;
	settings_canonicalize(&s, ports, 0, allow, &nr_allow);
	CU_ASSERT_EQUAL(s.nr_ports, 1);
	CU_ASSERT_EQUAL(ntohs(s.ports_net[0]), VTAP_DEFAULT_PORT);
	CU_ASSERT_EQUAL(s.filter_src, 0);
}

/* --geneve-port puts its ports in the settings as given; canonicalizing
 * merges --port's in, sorted, kinds kept, a port of both kinds twice. */
static void test_canonicalize_geneve(void)
{
	struct vtap_settings s = {};
	__u16 ports[VTAP_MAX_PORTS + 1] = { 4789 };
	struct vtap_lpm_key allow[1];
	unsigned int nr_allow = 0;

	/* --geneve-port 6081 --geneve-port 1000 --geneve-port 6081 --port 4789 */
	s.ports_net[0] = htons(6081);
	s.ports_net[1] = htons(1000);
	s.ports_net[2] = htons(6081);
	s.geneve_ports = 7;
	s.nr_ports = 3;
	settings_canonicalize(&s, ports, 1, allow, &nr_allow);
	CU_ASSERT_EQUAL(s.nr_ports, 3);
	CU_ASSERT_EQUAL(ntohs(s.ports_net[0]), 1000);
	CU_ASSERT_EQUAL(ntohs(s.ports_net[1]), 4789);
	CU_ASSERT_EQUAL(ntohs(s.ports_net[2]), 6081);
	CU_ASSERT_EQUAL(s.ports_net[3], 0);
	CU_ASSERT_EQUAL(s.geneve_ports, 1 << 0 | 1 << 2);

	/* GENEVE only: no VXLAN default. */
	memset(&s, 0, sizeof(s));
	s.ports_net[0] = htons(6081);
	s.geneve_ports = 1;
	s.nr_ports = 1;
	settings_canonicalize(&s, ports, 0, allow, &nr_allow);
	CU_ASSERT_EQUAL(s.nr_ports, 1);
	CU_ASSERT_EQUAL(ntohs(s.ports_net[0]), 6081);
	CU_ASSERT_EQUAL(s.geneve_ports, 1);

	/* The same port as both: kept twice, VXLAN's first (vtapctl refuses). */
	memset(&s, 0, sizeof(s));
	s.ports_net[0] = htons(4789);
	s.geneve_ports = 1;
	s.nr_ports = 1;
	settings_canonicalize(&s, ports, 1, allow, &nr_allow);
	CU_ASSERT_EQUAL(s.nr_ports, 2);
	CU_ASSERT(s.ports_net[0] == htons(4789) && s.ports_net[1] == htons(4789));
	CU_ASSERT_EQUAL(s.geneve_ports, 2);
}

static void test_ifname(void)
{
	CU_ASSERT_EQUAL(check_ifname("eth0", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(check_ifname("a", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(check_ifname("...", err, sizeof(err)), 0);	/* the kernel takes it */
	CU_ASSERT_EQUAL(check_ifname("123456789012345", err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(check_ifname("1234567890123456", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "interface names have at most 15 characters");
	CU_ASSERT_NOT_EQUAL(check_ifname("", err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(check_ifname(".", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "not an interface name");
	CU_ASSERT_NOT_EQUAL(check_ifname("..", err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(check_ifname("vtap%d", err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(check_ifname("a/b", err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(check_ifname("a:1", err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(check_ifname("a b", err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(check_ifname("a\tb", err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(check_ifname("a\nb", err, sizeof(err)), 0);
}

static void test_pin_root(void)
{
	char longer[VTAP_PIN_ROOT_MAX + 2];

	CU_ASSERT_EQUAL(check_pin_root("/sys/fs/bpf/vtap", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(check_pin_root("/run/vtap.pins/..x/.y", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(check_pin_root("//a//b/", err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(check_pin_root("sys/fs/bpf", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "must be an absolute path");
	CU_ASSERT_NOT_EQUAL(check_pin_root("", err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(check_pin_root("/sys/fs/bpf/..", err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(check_pin_root("/sys/../etc", err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(check_pin_root("/./etc", err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(check_pin_root("/etc/.", err, sizeof(err)), 0);
	memset(longer, 'a', sizeof(longer) - 1);
	longer[0] = '/';
	longer[sizeof(longer) - 1] = '\0';
	CU_ASSERT_NOT_EQUAL(check_pin_root(longer, err, sizeof(err)), 0);
	longer[sizeof(longer) - 2] = '\0';
	CU_ASSERT_EQUAL(check_pin_root(longer, err, sizeof(err)), 0);
}

static void test_max_sources_cost(void)
{
	const __u64 GiB = 1ULL << 30;
	char buf[32], err[256];

	/* Measured here: 16384 entries on 2 CPUs, memlock 3670912 bytes. */
	CU_ASSERT_EQUAL(sources_table_bytes(16384, 2), 16384ULL * (2 * 64 + 96));
	/* The case: 2^24 entries on a 128-CPU host is ~130 GiB. */
	CU_ASSERT(sources_table_bytes(1 << 24, 128) > 129 * GiB);
	CU_ASSERT_NOT_EQUAL(check_max_sources(1 << 24, 128, 256 * GiB, err, sizeof(err)), 0);
	CU_ASSERT(strstr(err, "16777216 sources need 129.5 GiB (64 bytes x 128 CPUs + 96 each)") != NULL);
	CU_ASSERT(strstr(err, "at most 8291442 here") != NULL);
	/* What it says fits does fit, one more does not. */
	CU_ASSERT_EQUAL(check_max_sources(8291442, 128, 256 * GiB, err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(check_max_sources(8291443, 128, 256 * GiB, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(check_max_sources(16384, 2, 24 * GiB, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(check_max_sources(1 << 24, 2, 0, err, sizeof(err)), 0);
	format_bytes(3670016, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "3.5 MiB");
	format_bytes(1000, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "1000 bytes");
}

static void test_watch_rate(void)
{
	char buf[40];

	CU_ASSERT_EQUAL(watch_rate(0, 100, 0), -1);	/* first round: no rate */
	CU_ASSERT_DOUBLE_EQUAL(watch_rate(100, 300, 2.0), 100.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(watch_rate(100, 100, 1.0), 0.0, 1e-9);
	/* Restarted in between (40 before, 2 now): not 1.8e19. */
	CU_ASSERT_DOUBLE_EQUAL(watch_rate(40, 2, 1.0), 2.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(watch_rate(~0ULL, 0, 1.0), 0.0, 1e-9);

	/* 1.5 s before now on the monotonic clock, as wall-clock time. */
	CU_ASSERT_EQUAL(mono_to_wall_ns(8500000000ULL, 10000000000ULL, 1800000000000000000ULL),
			1800000000000000000ULL - 1500000000ULL);
	/* A reading slightly after "now" (another CPU): now, not the future. */
	CU_ASSERT_EQUAL(mono_to_wall_ns(10000000001ULL, 10000000000ULL, 5), 5);
	format_utc(1796002512123456789ULL, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "2026-11-30T01:35:12.123Z");
}

static void test_routes(void)
{
	struct route_spec r[6], two[2];
	struct vtap_source_key k = { .family = VTAP_AF_INET, .vni = 100,
				     .addr = { [10] = 0xff, 0xff, 10, 1, 2, 3 } };
	char err[128], buf[96];

	CU_ASSERT_EQUAL(parse_route("vni:100=vtA", &r[0], err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(parse_route("src:10.0.0.0/8=vtB", &r[1], err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(parse_route("src:10.1.2.0/24=vtC", &r[2], err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(parse_route("src:::/0=vtD", &r[3], err, sizeof(err)), 0);
	format_route(&r[3], buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "src:::/0=vtD");
	CU_ASSERT_NOT_EQUAL(parse_route("vni:16777216=vtA", &r[4], err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(parse_route("vni:1", &r[4], err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(parse_route("vni:1=", &r[4], err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(parse_route("src:10.0.0.1/8=vtA", &r[4], err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(parse_route("dst:1=vtA", &r[4], err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(parse_route("vni:1=a/b", &r[4], err, sizeof(err)), 0);
	/* Sorted: VNI routes first; the same key twice is refused, to one
	 * device or two. */
	CU_ASSERT_EQUAL(routes_canonicalize(r, 4, err, sizeof(err)), 0);
	CU_ASSERT_FALSE(r[0].src);
	memcpy(two, &r[2], sizeof(two[0]));	/* src:10.0.0.0/8=vtB */
	CU_ASSERT_EQUAL(parse_route("src:10.0.0.0/8=vtA", &two[1], err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(routes_canonicalize(two, 2, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "conflicts"));
	two[1] = two[0];
	CU_ASSERT_NOT_EQUAL(routes_canonicalize(two, 2, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "twice"));
	/* The longest source prefix of the family, then the VNI. */
	CU_ASSERT_STRING_EQUAL(route_pick(r, 4, &k)->dev, "vtC");
	k.addr[14] = 9;
	CU_ASSERT_STRING_EQUAL(route_pick(r, 4, &k)->dev, "vtB");
	k.addr[12] = 11;
	CU_ASSERT_STRING_EQUAL(route_pick(r, 4, &k)->dev, "vtA");	/* ::/0 takes no IPv4 */
	k.vni = 7;
	CU_ASSERT_PTR_NULL(route_pick(r, 4, &k));
	k.family = VTAP_AF_INET6;	/* ::ffff:11.1.9.3 as IPv6: no source route */
	CU_ASSERT_PTR_NULL(route_pick(r, 4, &k));
	k.addr[10] = 0;
	CU_ASSERT_STRING_EQUAL(route_pick(r, 4, &k)->dev, "vtD");
}

static void test_format_arg(void)
{
	char buf[8], big[64], long_arg[401];

	CU_ASSERT_STRING_EQUAL(format_arg("eth0", buf, sizeof(buf)), "eth0");
	CU_ASSERT_STRING_EQUAL(format_arg("", buf, sizeof(buf)), "");
	CU_ASSERT_STRING_EQUAL(format_arg("a\nb\x1b", buf, sizeof(buf)), "a?b?");
	CU_ASSERT_STRING_EQUAL(format_arg("abcdefghij", buf, sizeof(buf)), "abcd...");
	memset(long_arg, '9', 400);
	long_arg[400] = '\0';
	memset(big, 'x', sizeof(big));
	format_arg(long_arg, big, sizeof(big));
	CU_ASSERT_EQUAL(strlen(big), sizeof(big) - 1);
	CU_ASSERT_STRING_EQUAL(big + sizeof(big) - 4, "...");
	CU_ASSERT_STRING_EQUAL(format_arg("abc", buf, 1), "");
}

static void register_tests(void)
{
	CU_pSuite s = CU_add_suite("args", NULL, NULL);

	CU_add_test(s, "port", test_port);
	CU_add_test(s, "--route: parsed, sorted, conflicts, the deciding route", test_routes);
	CU_add_test(s, "vni range", test_vni);
	CU_add_test(s, "cidr ipv4", test_cidr_v4);
	CU_add_test(s, "cidr ipv6", test_cidr_v6);
	CU_add_test(s, "format addr", test_format_addr);
	CU_add_test(s, "canonical settings", test_canonicalize);
	CU_add_test(s, "canonical settings, geneve ports", test_canonicalize_geneve);
	CU_add_test(s, "interface names as the kernel takes them", test_ifname);
	CU_add_test(s, "user values shown bounded and printable", test_format_arg);
	CU_add_test(s, "pin root: absolute, bounded, no . or ..", test_pin_root);
	CU_add_test(s, "--max-sources: cost per CPU, a quarter of memory", test_max_sources_cost);
	CU_add_test(s, "--watch rates: none first, no wrap after a reset; clocks", test_watch_rate);
	register_settings_tests();
	register_config_tests();
}

#include "cunit_main.h"

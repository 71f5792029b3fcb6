// SPDX-License-Identifier: GPL-2.0
/* How two attachments' settings differ, as attach and --replace say it. */
#include <arpa/inet.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "args.h"
#include "settings.h"
#include "unit.h"

static char err[128];

/* A canonical view of: ports, VNI ranges "a-b" and CIDRs (NULL-ended). */
struct side {
	struct vtap_settings s;
	struct vtap_lpm_key allow[4];
	struct settings_view v;
};

static void side_init(struct side *x, const __u16 *ports, unsigned int nr_ports,
		      const char *const *vnis, const char *const *cidrs)
{
	__u16 p[VTAP_MAX_PORTS + 1] = {};
	unsigned int nr_allow = 0;

	memset(x, 0, sizeof(*x));
	memcpy(p, ports, nr_ports * sizeof(*p));
	for (; vnis && *vnis; vnis++)
		CU_ASSERT_EQUAL_FATAL(parse_vni_range(*vnis, &x->s.vni_ranges[x->s.nr_vni_ranges++],
						      err, sizeof(err)), 0);
	for (; cidrs && *cidrs; cidrs++)
		CU_ASSERT_EQUAL_FATAL(parse_cidr(*cidrs, &x->allow[nr_allow++], err, sizeof(err)), 0);
	settings_canonicalize(&x->s, p, nr_ports, x->allow, &nr_allow);
	x->v = (struct settings_view){ .s = &x->s, .allow = x->allow, .nr_allow = nr_allow,
				       .target = "vtap0", .max_sources = 16384 };
}

static void test_same(void)
{
	struct side a, b;
	char buf[256] = "unchanged";

	side_init(&a, (__u16[]){ 4790, 4789 }, 2, (const char *[]){ "5", "1-3", NULL },
		  (const char *[]){ "10.0.0.0/8", "fd00::/8", NULL });
	/* The same meaning in another order and spelling. */
	side_init(&b, (__u16[]){ 4789, 4790, 4789 }, 3, (const char *[]){ "1-2", "3", "5", NULL },
		  (const char *[]){ "fd00::/8", "10.0.0.0/8", "10.0.0.0/8", NULL });
	CU_ASSERT_EQUAL(settings_diff(&a.v, &b.v, "; ", buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "");
	/* auto on either side matches whatever runs. */
	a.v.mode = VTAP_MODE_NATIVE;
	a.v.backend = VTAP_BACKEND_VETH;
	CU_ASSERT_EQUAL(settings_diff(&a.v, &b.v, "; ", buf, sizeof(buf)), 0);
	/* Derived from the target, not chosen: not a difference. */
	b.s.redirect_ifindex = 7;
	b.s.max_frame = 1518;
	CU_ASSERT_EQUAL(settings_diff(&a.v, &b.v, "; ", buf, sizeof(buf)), 0);
}

static void test_each_difference(void)
{
	struct side a, b;
	char buf[512];

	side_init(&a, (__u16[]){ 4789 }, 1, (const char *[]){ "100", NULL }, NULL);
	side_init(&b, (__u16[]){ 4789, 4790 }, 2, (const char *[]){ "100-101", NULL },
		  (const char *[]){ "10.1.0.0/16", NULL });
	a.v.mode = VTAP_MODE_NATIVE;
	b.v.mode = VTAP_MODE_GENERIC;
	a.v.backend = VTAP_BACKEND_EXISTING;
	b.v.backend = VTAP_BACKEND_KMOD;
	b.s.strict = 1;
	b.s.no_direction = 1;
	b.v.target = "mon0";
	b.v.max_sources = 256;
	CU_ASSERT_EQUAL(settings_diff(&a.v, &b.v, "\n", buf, sizeof(buf)), 9);
	CU_ASSERT_STRING_EQUAL(buf, "ports: 4789 -> 4789 4790\n"
				    "vnis: 100 -> 100-101\n"
				    "allow-src: all -> 10.1.0.0/16\n"
				    "strict: off -> on\n"
				    "direction: on -> off\n"
				    "target: vtap0 -> mon0\n"
				    "max-sources: 16384 -> 256\n"
				    "mode: native -> generic\n"
				    "backend: existing -> kmod");

	side_init(&b, (__u16[]){ 4789 }, 1, NULL, NULL);
	CU_ASSERT_EQUAL(settings_diff(&a.v, &b.v, "; ", buf, sizeof(buf)), 1);
	CU_ASSERT_STRING_EQUAL(buf, "vnis: 100 -> all");
}

static void test_bounded(void)
{
	struct side a, b;
	char buf[24], small[8];

	side_init(&a, (__u16[]){ 1, 2, 3, 4 }, 4, NULL, NULL);
	side_init(&b, (__u16[]){ 65531, 65532, 65533, 65534 }, 4, NULL, NULL);
	memset(buf, 'x', sizeof(buf));
	CU_ASSERT_EQUAL(settings_diff(&a.v, &b.v, "; ", buf, sizeof(buf)), 1);
	CU_ASSERT_EQUAL(strlen(buf), sizeof(buf) - 1);
	CU_ASSERT_STRING_EQUAL(buf + sizeof(buf) - 4, "...");
	format_ports(&b.s, small, sizeof(small));
	CU_ASSERT_STRING_EQUAL(small, "6553...");
	format_ports(&b.s, small, 1);
	CU_ASSERT_STRING_EQUAL(small, "");
	format_allow(a.allow, 0, small, sizeof(small));
	CU_ASSERT_STRING_EQUAL(small, "all");
}

void register_settings_tests(void)
{
	CU_pSuite s = CU_add_suite("settings", NULL, NULL);

	CU_add_test(s, "same meaning, same settings", test_same);
	CU_add_test(s, "each difference named, old -> new", test_each_difference);
	CU_add_test(s, "bounded text", test_bounded);
}

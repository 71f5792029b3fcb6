// SPDX-License-Identifier: GPL-2.0
/* Configuration files (user/config.c): what each line becomes, and the one
 * line that names the file, the line and the problem for a bad one. */
#include <getopt.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "config.h"
#include "unit.h"

/* The shape of vtapctl's attach options: valued, flag, and skipped ones. */
static const struct opt_def opts[] = {
	{ "vni", required_argument, 256, "N", "" },
	{ "allow-src", required_argument, 257, "CIDR", "" },
	{ "strict", no_argument, 258, NULL, "" },
	{ "config", required_argument, 259, "FILE", "" },
	{ "help", no_argument, 'h', NULL, "" },
	{ 0 }
};
static const char *const skip[] = { "config", "help", NULL };

struct seen {
	char text[512];
	int stop_at;		/* return 1 from this call (1-based), 0: never */
	int calls;
};

static int record(void *arg, const struct opt_def *o, const char *value, const char *where)
{
	struct seen *s = arg;
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof(s->text) - n, "%s[%s=%s]", where, o->name,
		 value ? value : "-");
	return ++s->calls == s->stop_at;
}

static int parse(const char *text, size_t len, struct seen *s, char *err, size_t errlen)
{
	FILE *f = fmemopen((void *)text, len, "r");
	int ret;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	err[0] = '\0';
	ret = config_parse(f, "/etc/vtap/eth1.conf", opts, skip, record, s, err, errlen);
	fclose(f);
	return ret;
}

#define PARSE(text, s, err) parse(text, strlen(text), s, err, sizeof(err))

static void test_config_lines(void)
{
	struct seen s = {};
	char err[256];

	CU_ASSERT_EQUAL(PARSE("# a comment\n\nallow-src 10.1.0.0/16   # the vnet\n"
			      "  vni\t42  \r\nstrict\nvni 43", &s, err), 0);
	CU_ASSERT_STRING_EQUAL(s.text, "/etc/vtap/eth1.conf:3[allow-src=10.1.0.0/16]"
			       "/etc/vtap/eth1.conf:4[vni=42]/etc/vtap/eth1.conf:5[strict=-]"
			       "/etc/vtap/eth1.conf:6[vni=43]");
	CU_ASSERT_STRING_EQUAL(err, "");

	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(PARSE("", &s, err), 0);
	CU_ASSERT_EQUAL(PARSE("#only\n   \n", &s, err), 0);
	CU_ASSERT_EQUAL(s.calls, 0);
}

static void expect_error(const char *text, size_t len, const char *want)
{
	struct seen s = {};
	char err[256];

	CU_ASSERT_EQUAL(parse(text, len, &s, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, want);
	if (strcmp(err, want))
		fprintf(stderr, "\n  got '%s', want '%s'\n", err, want);
}

#define EXPECT_ERROR(text, want) expect_error(text, strlen(text), want)

static void test_config_errors(void)
{
	static const char nul[] = "vni 1\nvni 2\0\n";
	char longline[2048];
	struct seen s = { .stop_at = 2 };
	char err[256];

	EXPECT_ERROR("vni 1\nbogus 2\n", "/etc/vtap/eth1.conf:2: unknown option 'bogus'");
	EXPECT_ERROR("strict yes\n", "/etc/vtap/eth1.conf:1: 'strict' takes no value");
	EXPECT_ERROR("\n\nvni\n", "/etc/vtap/eth1.conf:3: 'vni' needs a value");
	EXPECT_ERROR("vni   # none\n", "/etc/vtap/eth1.conf:1: 'vni' needs a value");
	EXPECT_ERROR("vni 1 2\n", "/etc/vtap/eth1.conf:1: 'vni' takes one value per line "
		     "(repeat the line for more)");
	EXPECT_ERROR("--vni 1\n", "/etc/vtap/eth1.conf:1: '--vni': write the option's name "
		     "without the dashes");
	EXPECT_ERROR("config /etc/x\n", "/etc/vtap/eth1.conf:1: 'config' can't be set in a "
		     "configuration file");
	EXPECT_ERROR("help\n", "/etc/vtap/eth1.conf:1: 'help' can't be set in a configuration "
		     "file");
	/* Names are exact: no abbreviations as getopt would take. */
	EXPECT_ERROR("allow 10.0.0.0/8\n", "/etc/vtap/eth1.conf:1: unknown option 'allow'");
	EXPECT_ERROR("VNI 1\n", "/etc/vtap/eth1.conf:1: unknown option 'VNI'");
	/* What the user wrote is shown printable and cut. */
	EXPECT_ERROR("vn\xff\xfe 1\n", "/etc/vtap/eth1.conf:1: unknown option 'vn?" "?'");
	EXPECT_ERROR("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		     "/etc/vtap/eth1.conf:1: unknown option "
		     "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'");
	/* Not a text file. */
	expect_error(nul, sizeof(nul) - 1, "/etc/vtap/eth1.conf:2: not text: a NUL or control "
		     "character");
	EXPECT_ERROR("vni 1\x1b[2J\n", "/etc/vtap/eth1.conf:1: not text: a NUL or control "
		     "character");
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	EXPECT_ERROR(longline, "/etc/vtap/eth1.conf:1: line longer than 1023 characters");

	/* The callback's own error stops the parse where it said it. */
	CU_ASSERT_EQUAL(PARSE("vni 1\nvni 2\nvni 3\n", &s, err), 1);
	CU_ASSERT_EQUAL(s.calls, 2);
}

void register_config_tests(void)
{
	CU_pSuite s = CU_add_suite("config", NULL, NULL);

	CU_add_test(s, "config lines: names, values, comments, white space", test_config_lines);
	CU_add_test(s, "config errors: file, line and problem", test_config_errors);
}

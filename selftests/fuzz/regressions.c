// SPDX-License-Identifier: GPL-2.0
/*
 * Fixed cases for the differential check, replayed by run.sh:
 *  - the seed table (fuzz_frame.c): hand-written known answers, each run
 *    through the reference and the real program;
 *  - frames that fuzzing found to differ, with the outcome that is right.
 * `fuzz_regress --write-seeds DIR` writes the seeds as a libFuzzer corpus.
 * Prints one "ok"/"fail" line per check; exits 1 on any failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"

struct regression {
	const char *name;
	int variant;
	enum vtap_counter outcome;
	int reserved_seen;
	const char *hex;		/* the frame */
	const char *known_bug;		/* still differs: reported as skip, not fail */
};

static const struct regression regressions[] = {
	/* Found by fuzz_xdp: IPv6 VXLAN from ::ffff:10.1.2.3 passed an
	 * allow-list of 10.0.0.0/8 (IPv4 CIDRs are stored v4-mapped in the
	 * LPM trie). Fixed in src_allowed(). */
	{ "v4-mapped IPv6 source vs IPv4 CIDR", VTAP_FUZZ_ALLOW_SRC, VTAP_DROP_SRC, 0,
	  "0200000000aa0200000000bb86dd600000000060114000000000000000000000"
	  "ffff0a01020320010db8000000000000000000000001000012b5006000000800"
	  "0000000000000200000000020200000000010800450000420000000040110000"
	  "0a010203ac100009000102030405060708090a0b0c0d0e0f1011121314151617"
	  "18191a1b1c1d1e1f202122232425262728292a2b2c2d", NULL },
	/* The UDP length ends the inner frame 4 bytes into the inner IPv4
	 * header's destination address; the inner source (== outer source)
	 * is inside it, the rest of the header follows in the IP payload.
	 * The direction must come from the inner frame alone: other, not
	 * from_source (the program used to read past the UDP datagram). */
	{ "inner IPv4 header cut by the UDP length", VTAP_FUZZ_DEFAULT, VTAP_REDIRECTED, 0,
	  "0200000000aa0200000000bb0800"
	  "45000046123400004011" "0000" "0a010203c0000201"
	  "000012b5002e0000" "0800000000000000"
	  "0200000000020200000000010800"
	  "4500001400000000401100000a010203" "ac100009", NULL },
	/* Found by fuzz_xdp against the same mistake: the inner IPv6 header
	 * lies past the UDP datagram (the inner frame is 35 bytes), so the
	 * inner frame is not "truncated" and its direction is other. */
	{ "inner IPv6 header past the UDP length", VTAP_FUZZ_ALLOW_SRC, VTAP_REDIRECTED, 0,
	  "0200000000aa0200000000bb08004500009312340000401100000a0102030a01"
	  "0203000012b500330000080000000000000002000000000202000000000186dd"
	  "600000000039114020010db8ff00000000000000000000090000000000000000"
	  "000000000a0102030001028100030405060708090a0b0c0d0e0f401110111213"
	  "1415161718191a1b1c1d1e00ffff01580000000000f7232425262728292a2b2c"
	  "2d", NULL },
	/* Allow-list ::/0 + 10.0.0.0/8 ("every IPv6 source, IPv4 from 10/8"):
	 * ::/0 also covers ::ffff:0:0/96, where the trie keeps IPv4 CIDRs, so
	 * every IPv4 source passed, until the map's value held the CIDR's
	 * family and the program compared it with the packet's. */
	{ "IPv4 source vs IPv6 CIDR ::/0", VTAP_FUZZ_ALLOW_ANY6, VTAP_DROP_SRC, 0,
	  "0200000000aa0200000000bb0800450000741234000040110000cb0071090a01"
	  "0203000012b50060000008000000000000000200000000020200000000010800"
	  "4500004200000000401100000a010203ac100009000102030405060708090a0b"
	  "0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b"
	  "2c2d", NULL },
	{ "IPv4 source in 10/8 beside ::/0", VTAP_FUZZ_ALLOW_ANY6, VTAP_REDIRECTED, 0,
	  "0200000000aa0200000000bb08004500007412340000401100000a0102030a01"
	  "0203000012b50060000008000000000000000200000000020200000000010800"
	  "4500004200000000401100000a010203ac100009000102030405060708090a0b"
	  "0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b"
	  "2c2d", NULL },
	/* Found by fuzz_xdp in the reference while it learnt split_headers:
	 * with no target the inner frame (IPv4, its length beyond the frame)
	 * is inspected but not delivered, so "truncated" must not move. */
	{ "no target: a truncated inner frame is not counted truncated", VTAP_FUZZ_NO_TARGET,
	  VTAP_DROP_REDIRECT, 1,
	  "0200000000aa0200000000bb08004500005612340000401100000a0102030a01"
	  "0203000012b5004100000c000000000000000000010208060304050607080800"
	  "00000d0e0f101112131415161718191a1b1c1d1e1f242122232425262728292a"
	  "2b2c2dee", NULL },
	/* --dst: an IPv4 destination in 10.0.0.0/8 is ours, 203.0.113.9 is
	 * not; an IPv6 destination ::ffff:10.1.2.3 is not in the IPv4 CIDR
	 * 10.0.0.0/8 (stored v4-mapped), 2001:db8::1 is in 2001:db8::/32. */
	{ "--dst: IPv4 destination in 10/8", VTAP_FUZZ_DST, VTAP_REDIRECTED, 0,
	  "0200000000aa0200000000bb08004500007412340000401100000a0102030a01"
	  "0203000012b50060000008000000000000000200000000020200000000010800"
	  "4500004200000000401100000a010203ac100009000102030405060708090a0b"
	  "0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b"
	  "2c2d", NULL },
	{ "--dst: IPv4 destination outside", VTAP_FUZZ_DST, VTAP_PASS_NOT_OURS, 0,
	  "0200000000aa0200000000bb08004500007412340000401100000a010203cb00"
	  "7109000012b50060000008000000000000000200000000020200000000010800"
	  "4500004200000000401100000a010203ac100009000102030405060708090a0b"
	  "0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b"
	  "2c2d", NULL },
	{ "--dst: IPv6 destination in 2001:db8::/32", VTAP_FUZZ_DST, VTAP_REDIRECTED, 0,
	  "0200000000aa0200000000bb86dd600000000060114000000000000000000000"
	  "ffff0a01020320010db8000000000000000000000001000012b5006000000800"
	  "0000000000000200000000020200000000010800450000420000000040110000"
	  "0a010203ac100009000102030405060708090a0b0c0d0e0f1011121314151617"
	  "18191a1b1c1d1e1f202122232425262728292a2b2c2d", NULL },
	{ "--dst: v4-mapped IPv6 destination vs IPv4 CIDR", VTAP_FUZZ_DST, VTAP_PASS_NOT_OURS, 0,
	  "0200000000aa0200000000bb86dd600000000060114000000000000000000000"
	  "ffff0a01020300000000000000000000ffff0a010203000012b5006000000800"
	  "0000000000000200000000020200000000010800450000420000000040110000"
	  "0a010203ac100009000102030405060708090a0b0c0d0e0f1011121314151617"
	  "18191a1b1c1d1e1f202122232425262728292a2b2c2d", NULL },
};

static int failures;

static void result(int ok, const char *fmt, const char *name, const char *why)
{
	printf("%s fuzz: ", ok ? "ok" : "fail");
	printf(fmt, name);
	printf("\n");
	if (!ok) {
		printf("%s", why);
		failures++;
	}
}

static size_t unhex(const char *s, uint8_t *out, size_t size)
{
	size_t n = 0;
	unsigned int b;

	for (; s[0] && s[1] && n < size; s += 2)
		if (sscanf(s, "%2x", &b) == 1)
			out[n++] = b;
	return n;
}

/* Runs a frame through both and checks them against the expected outcome. */
static int replay(int variant, const uint8_t *frame, size_t len, size_t first,
		  enum vtap_counter outcome, int reserved_seen, char *msg, size_t msgsz)
{
	struct vtap_ref_result ref;
	size_t m;

	if (vtap_fuzz_check(variant, frame, len, first, &ref, msg, msgsz))
		return 0;
	if (ref.outcome != outcome || ref.reserved_seen != reserved_seen) {
		m = strlen(msg);
		snprintf(msg + m, msgsz - m, "    %s: both say %s%s, expected %s%s\n",
			 vtap_fuzz_variant_name(variant), vtap_ref_outcome_name(ref.outcome),
			 ref.reserved_seen ? " + reserved_bits_seen" : "",
			 vtap_ref_outcome_name(outcome), reserved_seen ? " + reserved_bits_seen" : "");
		return 0;
	}
	return 1;
}

static int write_seeds(const char *dir)
{
	uint8_t buf[4096];
	char path[4096];

	for (size_t i = 0; i < vtap_fuzz_nr_seeds; i++) {
		size_t n = vtap_fuzz_seed_input(&vtap_fuzz_seeds[i], buf, sizeof(buf));
		FILE *f;

		snprintf(path, sizeof(path), "%s/seed-%02zu-%s-%s", dir, i,
			 vtap_fuzz_variant_name(vtap_fuzz_seeds[i].variant), vtap_fuzz_seeds[i].name);
		f = fopen(path, "w");
		if (!f || fwrite(buf, 1, n, f) != n || fclose(f)) {
			fprintf(stderr, "fuzz_regress: %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	/* The same frames in raw mode, so raw mutations start from real frames. */
	for (size_t i = 0; i < vtap_fuzz_nr_seeds; i++) {
		size_t n = vtap_fuzz_seed_input(&vtap_fuzz_seeds[i], buf, sizeof(buf)), len, first;
		uint8_t *frame;
		int variant;
		FILE *f;

		if (vtap_fuzz_decode(buf, n, &variant, &frame, &len, &first))
			continue;
		buf[0] = (buf[0] & VTAP_FUZZ_FIRST_MASK) | variant;
		memcpy(buf + 1, frame, len);
		free(frame);
		snprintf(path, sizeof(path), "%s/raw-%02zu-%s-%s", dir, i,
			 vtap_fuzz_variant_name(variant), vtap_fuzz_seeds[i].name);
		f = fopen(path, "w");
		if (!f || fwrite(buf, 1, len + 1, f) != len + 1 || fclose(f)) {
			fprintf(stderr, "fuzz_regress: %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	return 0;
}

/* A fuzz input (say a crash-* file) as a regression entry, and its verdicts. */
static int print_input(const char *path)
{
	static uint8_t in[65536];
	struct vtap_ref_result ref;
	char msg[4096];
	uint8_t *frame;
	size_t n, len, first;
	int variant;
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "fuzz_regress: %s: %s\n", path, strerror(errno));
		return 1;
	}
	n = fread(in, 1, sizeof(in), f);
	fclose(f);
	if (vtap_fuzz_decode(in, n, &variant, &frame, &len, &first)) {
		fprintf(stderr, "fuzz_regress: %s: no frame (shorter than %d bytes)\n", path,
			VTAP_FUZZ_MIN_FRAME);
		return 1;
	}
	printf("variant %s, %zu bytes, first buffer %zu (0: all):\n\t\"",
	       vtap_fuzz_variant_name(variant), len, first);
	for (size_t i = 0; i < len; i++)
		printf("%s%02x", i && i % 32 == 0 ? "\"\n\t\"" : "", frame[i]);
	printf("\"\n");
	if (vtap_fuzz_setup())
		return 1;
	if (vtap_fuzz_check(variant, frame, len, first, &ref, msg, sizeof(msg)))
		printf("reference %s%s; differences:\n%s", vtap_ref_outcome_name(ref.outcome),
		       ref.reserved_seen ? " + reserved_bits_seen" : "", msg);
	else
		printf("both: %s%s\n", vtap_ref_outcome_name(ref.outcome),
		       ref.reserved_seen ? " + reserved_bits_seen" : "");
	free(frame);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t reached = 0, all = vtap_fuzz_reachable();
	uint8_t buf[4096], *frame;
	char msg[4096], what[256];
	size_t n, len, first, skipped = 0;
	int variant, bad = 0, ok;

	if (argc == 3 && !strcmp(argv[1], "--write-seeds"))
		return write_seeds(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--print"))
		return print_input(argv[2]);
	if (argc != 1) {
		fprintf(stderr, "usage: %s [--write-seeds DIR | --print INPUT]\n", argv[0]);
		return 2;
	}
	if (vtap_fuzz_setup()) {
		printf("fail fuzz: loading build/vtap.bpf.o\n");
		return 1;
	}

	/* Known answers: every seed, raw and structured builds agree. */
	for (size_t i = 0; i < vtap_fuzz_nr_seeds; i++) {
		const struct vtap_fuzz_seed *s = &vtap_fuzz_seeds[i];

		n = vtap_fuzz_seed_input(s, buf, sizeof(buf));
		if (vtap_fuzz_decode(buf, n, &variant, &frame, &len, &first)) {
			printf("    seed %s: no frame\n", s->name);
			bad++;
			continue;
		}
		if (first && !vtap_fuzz_sets_first_buf()) {
			skipped++;
			free(frame);
			continue;
		}
		if (!replay(variant, frame, len, first, s->outcome, s->reserved_seen, msg,
			    sizeof(msg))) {
			printf("    seed %zu %s/%s:\n%s", i, vtap_fuzz_variant_name(variant),
			       s->name, msg);
			bad++;
		}
		free(frame);
	}
	if (skipped)
		printf("skip fuzz: %zu seeds with a short first buffer: this kernel's test run "
		       "can't set it (Linux 6.18+)\n", skipped);
	snprintf(what, sizeof(what), "%zu seeds give their known outcome in both",
		 vtap_fuzz_nr_seeds - skipped);
	result(!bad, "%s", what, "");
	for (int v = 0; v < VTAP_FUZZ_NR_VARIANTS; v++)
		reached |= vtap_fuzz_reached(v);
	msg[0] = 0;
	for (int i = 0; i < VTAP_NR_COUNTERS; i++)
		if ((all & ~reached) & (1ull << i))
			snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
				 "    no seed reaches %s\n", vtap_ref_outcome_name(i));
	result((reached & all) == all, "%s",
	       "the seeds reach every outcome and informational counter", msg);

	for (size_t i = 0; i < sizeof(regressions) / sizeof(regressions[0]); i++) {
		const struct regression *r = &regressions[i];

		if (!r->name)
			continue;
		len = unhex(r->hex, buf, sizeof(buf));
		msg[0] = 0;
		ok = replay(r->variant, buf, len, 0, r->outcome, r->reserved_seen, msg, sizeof(msg));
		if (!ok && r->known_bug)
			printf("skip fuzz: regression %s: known bug: %s\n%s", r->name, r->known_bug, msg);
		else
			result(ok, "regression %s", r->name, msg);
	}
	return failures ? 1 : 0;
}

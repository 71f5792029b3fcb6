// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "args.h"

static const __u8 v4_mapped_prefix[12] = { [10] = 0xff, [11] = 0xff };

int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out,
	       char *err, size_t errlen)
{
	unsigned long long v;
	char *end;

	/* Decimal digits only: strtoul would accept " -1" and "0x10". */
	if (!*s || strspn(s, "0123456789") != strlen(s)) {
		snprintf(err, errlen, "not a number");
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || v < min || v > max) {
		snprintf(err, errlen, "out of range %lu-%lu", min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int check_ifname(const char *name, char *err, size_t errlen)
{
	/* As the kernel's dev_valid_name(), and no '%': the kernel would read
	 * "vtap%d" as a pattern and make vtap0, vtap1... under another name. */
	if (!*name)
		snprintf(err, errlen, "empty interface name");
	else if (strlen(name) >= VTAP_IFNAMSIZ)
		snprintf(err, errlen, "interface names have at most %d characters",
			 VTAP_IFNAMSIZ - 1);
	else if (!strcmp(name, ".") || !strcmp(name, ".."))
		snprintf(err, errlen, "not an interface name");
	else if (strpbrk(name, "/:% \t\n\v\f\r"))
		snprintf(err, errlen, "interface names can't contain '/', ':', '%%' or spaces");
	else
		return 0;
	return -EINVAL;
}

int check_pin_root(const char *path, char *err, size_t errlen)
{
	const char *p = path;

	if (path[0] != '/') {
		snprintf(err, errlen, "must be an absolute path");
		return -EINVAL;
	}
	if (strlen(path) > VTAP_PIN_ROOT_MAX) {
		snprintf(err, errlen, "longer than %d characters", VTAP_PIN_ROOT_MAX);
		return -EINVAL;
	}
	/* "." and ".." would make the folder detach removes another one. */
	for (; *p; p += strcspn(p, "/")) {
		size_t n;

		p += strspn(p, "/");
		n = strcspn(p, "/");
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
			snprintf(err, errlen, "'.' and '..' are not allowed in it");
			return -EINVAL;
		}
	}
	return 0;
}

const char *format_arg(const char *arg, char *buf, size_t len)
{
	size_t n = 0, max = len > 4 ? len - 4 : 0;

	for (; arg[n] && n < max; n++)
		buf[n] = isprint((unsigned char)arg[n]) ? arg[n] : '?';
	if (arg[n] && len >= 4)
		memcpy(&buf[n], "...", 4);
	else if (len)
		buf[n < len ? n : len - 1] = '\0';
	return buf;
}

void format_bytes(__u64 bytes, char *buf, size_t len)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	double v = bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u)
		snprintf(buf, len, "%.1f %s", v, units[u]);
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
}

__u64 sources_table_bytes(__u32 entries, unsigned int ncpus)
{
	__u64 value = (sizeof(struct vtap_source_stats) + 7) / 8 * 8;

	return (__u64)entries * (value * ncpus + VTAP_SOURCE_OVERHEAD);
}

int check_max_sources(__u32 entries, unsigned int ncpus, __u64 mem, char *err, size_t errlen)
{
	__u64 need = sources_table_bytes(entries, ncpus), limit = mem / 4;
	char a[32], b[32];

	if (!mem || need <= limit)
		return 0;
	format_bytes(need, a, sizeof(a));
	format_bytes(mem, b, sizeof(b));
	snprintf(err, errlen, "%u sources need %s (%zu bytes x %u CPUs + %u each), over a "
		 "quarter of this host's %s; at most %llu here", entries, a,
		 sizeof(struct vtap_source_stats), ncpus, VTAP_SOURCE_OVERHEAD, b,
		 (unsigned long long)(limit / sources_table_bytes(1, ncpus)));
	return -E2BIG;
}

double watch_rate(__u64 before, __u64 now, double secs)
{
	if (secs <= 0)
		return -1;
	/* Fewer than before: the entry was evicted and counted again, or the
	 * table was replaced, within the interval. */
	return (now >= before ? now - before : now) / secs;
}

__u64 mono_to_wall_ns(__u64 mono, __u64 mono_now, __u64 wall_now)
{
	__u64 ago = mono_now > mono ? mono_now - mono : 0;

	return wall_now > ago ? wall_now - ago : 0;
}

void format_utc(__u64 wall_ns, char *buf, size_t len)
{
	time_t t = wall_ns / 1000000000ULL;
	struct tm tm;
	char s[32];

	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", gmtime_r(&t, &tm));
	snprintf(buf, len, "%s.%03lluZ", s, (unsigned long long)(wall_ns / 1000000 % 1000));
}

int parse_port(const char *s, __u16 *port, char *err, size_t errlen)
{
	unsigned long v;

	if (parse_uint(s, 1, 65535, &v, err, errlen))
		return -EINVAL;
	*port = v;
	return 0;
}

int parse_vni_range(const char *s, struct vtap_vni_range *r, char *err, size_t errlen)
{
	char first[16], *dash = strchr(s, '-');
	unsigned long a, b;
	size_t n = dash ? (size_t)(dash - s) : strlen(s);

	if (n >= sizeof(first)) {
		snprintf(err, errlen, "out of range 0-%u", VTAP_VNI_MAX);
		return -EINVAL;
	}
	memcpy(first, s, n);
	first[n] = '\0';
	if (parse_uint(first, 0, VTAP_VNI_MAX, &a, err, errlen))
		return -EINVAL;
	b = a;
	if (dash && parse_uint(dash + 1, 0, VTAP_VNI_MAX, &b, err, errlen))
		return -EINVAL;
	if (b < a) {
		snprintf(err, errlen, "range ends before it starts");
		return -EINVAL;
	}
	r->first = a;
	r->last = b;
	return 0;
}

int parse_cidr(const char *s, struct vtap_lpm_key *key, char *err, size_t errlen)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long plen, max;
	__u8 bytes[16];
	int v6;

	if (n == 0 || n >= sizeof(addr)) {
		snprintf(err, errlen, "not an IPv4 or IPv6 address");
		return -EINVAL;
	}
	memcpy(addr, s, n);
	addr[n] = '\0';
	v6 = strchr(addr, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, bytes) != 1) {
		snprintf(err, errlen, "not an IPv4 or IPv6 address");
		return -EINVAL;
	}
	max = v6 ? 128 : 32;
	plen = max;
	if (slash && parse_uint(slash + 1, 0, max, &plen, err, errlen)) {
		snprintf(err, errlen, "prefix length must be 0-%lu", max);
		return -EINVAL;
	}

	memset(key, 0, sizeof(*key));
	if (v6) {
		memcpy(key->addr, bytes, 16);
		key->prefixlen = plen;
	} else {
		memcpy(key->addr, v4_mapped_prefix, 12);
		memcpy(&key->addr[12], bytes, 4);
		key->prefixlen = 96 + plen;
	}
	if (v6 && plen >= 96 && !memcmp(bytes, v4_mapped_prefix, 12)) {
		snprintf(err, errlen, "an IPv4-mapped prefix: give it as an IPv4 CIDR");
		return -EINVAL;
	}
	/* Host bits set is almost always a typo: say so instead of guessing. */
	for (unsigned int bit = key->prefixlen; bit < 128; bit++) {
		if (key->addr[bit / 8] & (0x80 >> (bit % 8))) {
			snprintf(err, errlen, "host bits set after /%lu", plen);
			return -EINVAL;
		}
	}
	return 0;
}

int cidr_family(const struct vtap_lpm_key *key)
{
	return key->prefixlen >= 96 && !memcmp(key->addr, v4_mapped_prefix, 12) ?
	       VTAP_AF_INET : VTAP_AF_INET6;
}

void format_addr(int family, const __u8 addr[16], char *buf, size_t len)
{
	if (family == VTAP_AF_INET)
		inet_ntop(AF_INET, &addr[12], buf, len);
	else
		inet_ntop(AF_INET6, addr, buf, len);
}

void format_cidr(const struct vtap_lpm_key *key, char *buf, size_t len)
{
	int v4 = cidr_family(key) == VTAP_AF_INET;
	char a[INET6_ADDRSTRLEN];

	format_addr(v4 ? VTAP_AF_INET : VTAP_AF_INET6, key->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, v4 ? key->prefixlen - 96 : key->prefixlen);
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static int cmp_range(const void *a, const void *b)
{
	const struct vtap_vni_range *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

static int cmp_lpm(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct vtap_lpm_key));
}

void settings_canonicalize(struct vtap_settings *s, __u16 *ports, unsigned int nr_ports,
		  struct vtap_lpm_key *allow, unsigned int *nr_allow)
{
	/* port << 1 | kind: sorted by port, a port of both kinds twice. */
	__u32 all[2 * VTAP_MAX_PORTS + 1];
	unsigned int n = 0, nr = 0;

	for (unsigned int i = 0; i < s->nr_ports && i < VTAP_MAX_PORTS; i++)
		all[nr++] = (__u32)ntohs(s->ports_net[i]) << 1 | ((s->geneve_ports >> i) & 1);
	if (!nr_ports && !nr)
		ports[nr_ports++] = VTAP_DEFAULT_PORT;
	for (unsigned int i = 0; i < nr_ports && nr < 2 * VTAP_MAX_PORTS + 1; i++)
		all[nr++] = (__u32)ports[i] << 1 | VTAP_ENCAP_VXLAN;
	qsort(all, nr, sizeof(*all), cmp_u32);
	memset(s->ports_net, 0, sizeof(s->ports_net));
	s->geneve_ports = 0;
	for (unsigned int i = 0; i < nr && n < VTAP_MAX_PORTS; i++) {
		if (i && all[i] == all[i - 1])
			continue;
		s->ports_net[n] = htons(all[i] >> 1);
		s->geneve_ports |= (all[i] & 1) << n;
		n++;
	}
	s->nr_ports = n;

	qsort(s->vni_ranges, s->nr_vni_ranges, sizeof(s->vni_ranges[0]), cmp_range);
	n = 0;
	for (unsigned int i = 0; i < s->nr_vni_ranges; i++) {
		struct vtap_vni_range *r = &s->vni_ranges[i];

		if (n && r->first <= s->vni_ranges[n - 1].last + 1) {
			if (r->last > s->vni_ranges[n - 1].last)
				s->vni_ranges[n - 1].last = r->last;
		} else {
			s->vni_ranges[n++] = *r;
		}
	}
	memset(&s->vni_ranges[n], 0, (VTAP_MAX_VNI_RANGES - n) * sizeof(s->vni_ranges[0]));
	s->nr_vni_ranges = n;

	allow_canonicalize(s->dst, &s->nr_dst);
	memset(&s->dst[s->nr_dst], 0, (VTAP_MAX_DST - s->nr_dst) * sizeof(s->dst[0]));
	allow_canonicalize(allow, nr_allow);
	s->filter_src = *nr_allow > 0;
}

void allow_canonicalize(struct vtap_lpm_key *allow, unsigned int *nr_allow)
{
	unsigned int n = 0;

	qsort(allow, *nr_allow, sizeof(allow[0]), cmp_lpm);
	for (unsigned int i = 0; i < *nr_allow; i++)
		if (!i || cmp_lpm(&allow[i], &allow[i - 1]))
			allow[n++] = allow[i];
	*nr_allow = n;
}

int parse_route(const char *s, struct route_spec *r, char *err, size_t errlen)
{
	const char *eq = strchr(s, '='), *val = s + 4;
	char key[INET6_ADDRSTRLEN + 8], why[96];
	unsigned long vni;

	memset(r, 0, sizeof(*r));
	if (strncmp(s, "vni:", 4) && strncmp(s, "src:", 4)) {
		snprintf(err, errlen, "must be vni:N=DEV or src:CIDR=DEV");
		return -EINVAL;
	}
	if (!eq || (size_t)(eq - val) >= sizeof(key)) {
		snprintf(err, errlen, "no '=DEV' after the %s", s[0] == 'v' ? "VNI" : "CIDR");
		return -EINVAL;
	}
	snprintf(key, sizeof(key), "%.*s", (int)(eq - val), val);
	r->src = s[0] == 's';
	if (r->src ? parse_cidr(key, &r->cidr, why, sizeof(why)) :
		     parse_uint(key, 0, VTAP_VNI_MAX, &vni, why, sizeof(why))) {
		snprintf(err, errlen, "bad %s: %s", r->src ? "CIDR" : "VNI", why);
		return -EINVAL;
	}
	if (!r->src)
		r->vni = vni;
	if (check_ifname(eq + 1, why, sizeof(why))) {
		snprintf(err, errlen, "bad device: %s", why);
		return -EINVAL;
	}
	snprintf(r->dev, sizeof(r->dev), "%s", eq + 1);
	return 0;
}

/* By kind, then key; the device does not take part: same key, same place. */
static int cmp_route(const void *a, const void *b)
{
	const struct route_spec *x = a, *y = b;

	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	if (!x->src)
		return x->vni < y->vni ? -1 : x->vni > y->vni;
	return cmp_lpm(&x->cidr, &y->cidr);
}

void format_route(const struct route_spec *r, char *buf, size_t len)
{
	char cidr[64];

	if (r->src) {
		format_cidr(&r->cidr, cidr, sizeof(cidr));
		snprintf(buf, len, "src:%s=%s", cidr, r->dev);
	} else {
		snprintf(buf, len, "vni:%u=%s", r->vni, r->dev);
	}
}

int routes_canonicalize(struct route_spec *r, unsigned int nr, char *err, size_t errlen)
{
	char a[96], b[96];

	qsort(r, nr, sizeof(*r), cmp_route);
	for (unsigned int i = 1; i < nr; i++) {
		if (cmp_route(&r[i - 1], &r[i]))
			continue;
		format_route(&r[i - 1], a, sizeof(a));
		format_route(&r[i], b, sizeof(b));
		if (strcmp(r[i - 1].dev, r[i].dev))
			snprintf(err, errlen, "%s conflicts with %s", a, b);
		else
			snprintf(err, errlen, "%s given twice", a);
		return -EINVAL;
	}
	return 0;
}

/* Whether the first plen bits of a and b agree. */
static int prefix_has(const __u8 *net, const __u8 *addr, unsigned int plen)
{
	for (unsigned int bit = 0; bit < plen; bit++)
		if ((net[bit / 8] ^ addr[bit / 8]) & (0x80 >> (bit % 8)))
			return 0;
	return 1;
}

const struct route_spec *route_pick(const struct route_spec *r, unsigned int nr,
				    const struct vtap_source_key *key)
{
	const struct route_spec *best = NULL, *vni = NULL;

	for (unsigned int i = 0; i < nr; i++) {
		if (!r[i].src) {
			if (r[i].vni == key->vni)
				vni = &r[i];
			continue;
		}
		if (!prefix_has(r[i].cidr.addr, key->addr, r[i].cidr.prefixlen) ||
		    (best && best->cidr.prefixlen >= r[i].cidr.prefixlen))
			continue;
		best = &r[i];
	}
	/* The longest match decides, and only when of the key's family (an
	 * IPv6 packet from a v4-mapped address matches no source route). */
	if (best && cidr_family(&best->cidr) == key->family &&
	    !(key->family == VTAP_AF_INET6 && !memcmp(key->addr, v4_mapped_prefix, 12)))
		return best;
	return vni;
}

// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "args.h"
#include "settings.h"

/* A bounded text buffer: appends stop at the end and mark it cut with "...". */
struct text {
	char *buf;
	size_t len, used;
};

static void __attribute__((format(printf, 2, 3))) text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!t->len || t->used >= t->len - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->used, t->len - t->used, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < t->len - t->used) {
		t->used += n;
		return;
	}
	t->used = t->len - 1;
	if (t->len > 4)
		memcpy(t->buf + t->len - 4, "...", 4);
}

static struct text text_init(char *buf, size_t len)
{
	if (len)
		buf[0] = '\0';
	return (struct text){ buf, len, 0 };
}

void format_ports(const struct vtap_settings *s, char *buf, size_t len)
{
	struct text t = text_init(buf, len);

	for (__u32 i = 0; i < s->nr_ports && i < VTAP_MAX_PORTS; i++)
		text_add(&t, "%s%u%s", i ? " " : "", ntohs(s->ports_net[i]),
			 (s->geneve_ports >> i) & 1 ? "/geneve" : "");
}

const char *encap_name(int encap)
{
	return encap == VTAP_ENCAP_GENEVE ? "geneve" : encap == VTAP_ENCAP_VXLAN ? "vxlan" : "unknown";
}

void format_vnis(const struct vtap_settings *s, char *buf, size_t len)
{
	struct text t = text_init(buf, len);

	if (!s->nr_vni_ranges)
		text_add(&t, "all");
	for (__u32 i = 0; i < s->nr_vni_ranges && i < VTAP_MAX_VNI_RANGES; i++) {
		const struct vtap_vni_range *r = &s->vni_ranges[i];

		if (r->first == r->last)
			text_add(&t, "%s%u", i ? " " : "", r->first);
		else
			text_add(&t, "%s%u-%u", i ? " " : "", r->first, r->last);
	}
}

void format_allow(const struct vtap_lpm_key *allow, unsigned int nr, char *buf, size_t len)
{
	struct text t = text_init(buf, len);
	char cidr[64];

	if (!nr)
		text_add(&t, "all");
	for (unsigned int i = 0; i < nr; i++) {
		format_cidr(&allow[i], cidr, sizeof(cidr));
		text_add(&t, "%s%s", i ? " " : "", cidr);
	}
}

const char *mode_name(int mode)
{
	return mode == VTAP_MODE_NATIVE ? "native" : mode == VTAP_MODE_GENERIC ? "generic" : "auto";
}

const char *backend_name(int backend)
{
	switch (backend) {
	case VTAP_BACKEND_KMOD: return "kmod";
	case VTAP_BACKEND_VETH: return "veth";
	case VTAP_BACKEND_EXISTING: return "existing";
	}
	return "unknown";
}

static bool same_allow(const struct settings_view *a, const struct settings_view *b)
{
	return a->nr_allow == b->nr_allow &&
	       (!a->nr_allow || !memcmp(a->allow, b->allow, a->nr_allow * sizeof(*a->allow)));
}

int settings_diff(const struct settings_view *old, const struct settings_view *new,
		  const char *sep, char *buf, size_t len)
{
	const struct vtap_settings *o = old->s, *n = new->s;
	struct text t = text_init(buf, len);
	char a[256], b[256];
	int count = 0;

#define DIFF(name, fmt, x, y) do {						\
		text_add(&t, "%s%s: " fmt " -> " fmt, count ? sep : "", name, x, y); \
		count++;							\
	} while (0)

	if (o->nr_ports != n->nr_ports || o->geneve_ports != n->geneve_ports ||
	    memcmp(o->ports_net, n->ports_net, sizeof(o->ports_net))) {
		format_ports(o, a, sizeof(a));
		format_ports(n, b, sizeof(b));
		DIFF("ports", "%s", a, b);
	}
	if (o->nr_vni_ranges != n->nr_vni_ranges ||
	    memcmp(o->vni_ranges, n->vni_ranges, sizeof(o->vni_ranges))) {
		format_vnis(o, a, sizeof(a));
		format_vnis(n, b, sizeof(b));
		DIFF("vnis", "%s", a, b);
	}
	if (!same_allow(old, new)) {
		format_allow(old->allow, old->nr_allow, a, sizeof(a));
		format_allow(new->allow, new->nr_allow, b, sizeof(b));
		DIFF("allow-src", "%s", a, b);
	}
	if (o->nr_dst != n->nr_dst || memcmp(o->dst, n->dst, sizeof(o->dst))) {
		format_allow(o->dst, o->nr_dst, a, sizeof(a));
		format_allow(n->dst, n->nr_dst, b, sizeof(b));
		DIFF("dst", "%s", a, b);
	}
	if (new->slow_port && new->slow_port != old->slow_port)
		DIFF("slow-port", "%u", old->slow_port, new->slow_port);
	if (!o->strict != !n->strict)
		DIFF("strict", "%s", o->strict ? "on" : "off", n->strict ? "on" : "off");
	if (!o->no_direction != !n->no_direction)
		DIFF("direction", "%s", o->no_direction ? "off" : "on", n->no_direction ? "off" : "on");
	if (strcmp(old->target, new->target))
		DIFF("target", "%s", old->target, new->target);
	if (old->max_sources != new->max_sources)
		DIFF("max-sources", "%u", old->max_sources, new->max_sources);
	if (old->mode && new->mode && old->mode != new->mode)
		DIFF("mode", "%s", mode_name(old->mode), mode_name(new->mode));
	if (old->backend && new->backend && old->backend != new->backend)
		DIFF("backend", "%s", backend_name(old->backend), backend_name(new->backend));
#undef DIFF
	return count;
}

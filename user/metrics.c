// SPDX-License-Identifier: GPL-2.0
/*
 * metrics: every attachment's counters in the Prometheus text format
 * (version 0.0.4), on stdout, into a file for node_exporter's textfile
 * collector, or served over HTTP with libmicrohttpd. Names and labels are
 * README's ("Metrics"); the counters' names come from the X-macros in
 * vtap_abi.h, as stats --json's do.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <microhttpd.h>
#include "args.h"
#include "attachment.h"
#include "log.h"
#include "lost.h"
#include "pins.h"
#include "snapshot.h"
#include "vtapctl.h"

/* The monitor device's own counters, from /proc/net/dev (this namespace's;
 * /sys/class/net is the namespace of whoever mounted /sys). */
struct dev_stats {
	bool present;
	unsigned long long rx_bytes, rx_packets, rx_dropped, tx_bytes, tx_packets, tx_dropped;
};

struct iface {
	char ifname[VTAP_IFNAMSIZ];
	char target[VTAP_IFNAMSIZ];
	bool attached;		/* the link is on the NIC */
	__u32 max_sources;
	struct snapshot s;
	struct dev_stats dev;
	unsigned int nr_slots;			/* the target, then the routes' devices */
	struct vtap_slot slots[VTAP_MAX_SLOTS];
	struct vtap_slot_stats slot_st[VTAP_MAX_SLOTS];
};

struct scrape {
	const char *root;
	struct iface *ifs;
	size_t nr;
	int errors;		/* attachments that could not be read */
};

static void read_dev_stats(const char *name, struct dev_stats *d)
{
	char line[512], *colon;
	size_t n = strlen(name);
	FILE *f = fopen("/proc/net/dev", "r");

	memset(d, 0, sizeof(*d));
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " ");

		colon = strchr(p, ':');
		if (!colon || (size_t)(colon - p) != n || strncmp(p, name, n))
			continue;
		/* rx: bytes packets errs drop fifo frame compressed multicast,
		 * then tx: bytes packets errs drop ... */
		d->present = sscanf(colon + 1, "%llu %llu %*u %llu %*u %*u %*u %*u %llu %llu %*u %llu",
				    &d->rx_bytes, &d->rx_packets, &d->rx_dropped, &d->tx_bytes,
				    &d->tx_packets, &d->tx_dropped) == 6;
		break;
	}
	fclose(f);
}

static int add_iface(const char *ifname, void *ctx)
{
	struct scrape *sc = ctx;
	struct attachment a;
	struct iface *i;
	int err = attachment_open(sc->root, ifname, false, &a);

	if (err) {
		pr_warn("%s: can't read the pins: %s\n", ifname,
			err == -EACCES || err == -EPERM ? "permission denied (needs root)" :
			err == -ENOENT ? "not attached" : strerror(-err));
		sc->errors++;
		goto out;
	}
	i = realloc(sc->ifs, (sc->nr + 1) * sizeof(*i));
	if (!i) {
		sc->errors++;
		goto out;
	}
	sc->ifs = i;
	i = &sc->ifs[sc->nr];
	memset(i, 0, sizeof(*i));
	err = take_snapshot(&a, &i->s);
	if (err) {
		pr_warn("%s: can't read counters: %s\n", ifname, strerror(-err));
		free(i->s.rows);
		sc->errors++;
		goto out;
	}
	snprintf(i->ifname, sizeof(i->ifname), "%s", a.ifname);
	snprintf(i->target, sizeof(i->target), "%s", a.cfg.info.target);
	i->attached = a.link.xdp.ifindex != 0;
	i->max_sources = a.cfg.info.max_sources;
	read_dev_stats(i->target, &i->dev);
	i->nr_slots = read_slots(&a, i->slots);
	for (unsigned int k = 0; k < i->nr_slots; k++)
		read_slot_stats(a.slot_stats_fd, k, &i->slot_st[k]);
	sc->nr++;
out:
	attachment_close(&a);
	return 0;
}

/* A label value as the text format wants it: \\, \" and \n escaped. */
static void label(FILE *f, const char *name, const char *value)
{
	fprintf(f, "%s=\"", name);
	for (; *value; value++) {
		if (*value == '\\' || *value == '"')
			fprintf(f, "\\%c", *value);
		else if (*value == '\n')
			fputs("\\n", f);
		else
			fputc(*value, f);
	}
	fputc('"', f);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{interface="eth1"[,extra="value"]} value */
static void sample(FILE *f, const char *name, const struct iface *i, const char *extra,
		   const char *extra_value, unsigned long long v)
{
	fprintf(f, "%s{", name);
	label(f, "interface", i->ifname);
	if (extra) {
		fputc(',', f);
		label(f, extra, extra_value);
	}
	fprintf(f, "} %llu\n", v);
}

/* One family over every interface: the counters [first, last) of the
 * global table, each as a reason label. */
static void global_family(FILE *f, const struct scrape *sc, const char *name, const char *help,
			  int first, int last)
{
	family(f, name, "counter", help);
	for (size_t n = 0; n < sc->nr; n++)
		for (int c = first; c < last; c++)
			sample(f, name, &sc->ifs[n], "reason", counter_names[c],
			       ((const __u64 *)&sc->ifs[n].s.g)[c]);
}

static void source_labels(FILE *f, const struct iface *i, const struct source_row *r)
{
	char src[64];

	format_addr(r->key.family, r->key.addr, src, sizeof(src));
	label(f, "interface", i->ifname);
	fputc(',', f);
	label(f, "src", src);
	/* A source sending VXLAN and GENEVE has two entries: encap keeps
	 * their label sets apart. */
	fprintf(f, ",encap=\"%s\",vni=\"%u\"", encap_name(r->key.encap), r->key.vni);
}

/* Per source: which field, its family name and help. */
static const struct {
	const char *name, *help;
	size_t off;
} source_fields[] = {
	{ "vtap_source_packets_total", "Inner frames delivered from this outer source and VNI.",
	  offsetof(struct vtap_source_stats, packets) },
	{ "vtap_source_bytes_total", "Bytes of the inner frames delivered.",
	  offsetof(struct vtap_source_stats, bytes) },
	{ "vtap_source_truncated_packets_total",
	  "Of the delivered frames: shorter than their IP length (a truncating mirror).",
	  offsetof(struct vtap_source_stats, truncated) },
	{ "vtap_source_slow_path_packets_total",
	  "Of the delivered frames: delivered by the slow path (reassembled outer fragments).",
	  offsetof(struct vtap_source_stats, slow_path) },
};

static const struct {
	const char *name;
	size_t off;
} directions[] = {
	{ "from_source", offsetof(struct vtap_source_stats, from_source) },
	{ "to_source", offsetof(struct vtap_source_stats, to_source) },
	{ "other", offsetof(struct vtap_source_stats, other) },
};

#define FIELD(st, off) (*(const __u64 *)((const char *)(st) + (off)))

static void print_sources(FILE *f, const struct scrape *sc)
{
	const char *name = "vtap_source_direction_packets_total";

	for (size_t k = 0; k < sizeof(source_fields) / sizeof(source_fields[0]); k++) {
		family(f, source_fields[k].name, "counter", source_fields[k].help);
		for (size_t n = 0; n < sc->nr; n++)
			for (size_t j = 0; j < sc->ifs[n].s.nr; j++) {
				const struct source_row *r = &sc->ifs[n].s.rows[j];

				fprintf(f, "%s{", source_fields[k].name);
				source_labels(f, &sc->ifs[n], r);
				fprintf(f, "} %llu\n",
					(unsigned long long)FIELD(&r->st, source_fields[k].off));
			}
	}
	family(f, name, "counter", "Delivered frames by direction: sent by the tapped NIC "
	       "(from_source), received by it (to_source), or other (ARP, ...).");
	for (size_t n = 0; n < sc->nr; n++)
		for (size_t j = 0; j < sc->ifs[n].s.nr; j++)
			for (size_t d = 0; d < sizeof(directions) / sizeof(directions[0]); d++) {
				const struct source_row *r = &sc->ifs[n].s.rows[j];

				fprintf(f, "%s{", name);
				source_labels(f, &sc->ifs[n], r);
				fprintf(f, ",direction=\"%s\"} %llu\n", directions[d].name,
					(unsigned long long)FIELD(&r->st, directions[d].off));
			}
	name = "vtap_source_last_seen_timestamp_seconds";
	family(f, name, "gauge", "When this source was last seen (Unix time, to a scheduler "
	       "tick).");
	for (size_t n = 0; n < sc->nr; n++) {
		const struct snapshot *s = &sc->ifs[n].s;

		for (size_t j = 0; j < s->nr; j++) {
			const struct source_row *r = &s->rows[j];

			if (!r->st.last_seen_ns)
				continue;
			fprintf(f, "%s{", name);
			source_labels(f, &sc->ifs[n], r);
			fprintf(f, "} %.3f\n",
				mono_to_wall_ns(r->st.last_seen_ns, s->mono_ns, s->wall_ns) / 1e9);
		}
	}
}

static void print_device(FILE *f, const struct scrape *sc)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} fields[] = {
		{ "vtap_monitor_receive_packets_total", "The monitor device's received packets.",
		  offsetof(struct dev_stats, rx_packets) },
		{ "vtap_monitor_receive_bytes_total", "The monitor device's received bytes.",
		  offsetof(struct dev_stats, rx_bytes) },
		{ "vtap_monitor_receive_drop_total", "The monitor device's dropped receptions.",
		  offsetof(struct dev_stats, rx_dropped) },
		{ "vtap_monitor_transmit_packets_total", "The monitor device's transmitted packets.",
		  offsetof(struct dev_stats, tx_packets) },
		{ "vtap_monitor_transmit_bytes_total", "The monitor device's transmitted bytes.",
		  offsetof(struct dev_stats, tx_bytes) },
		{ "vtap_monitor_transmit_drop_total", "The monitor device's dropped transmissions.",
		  offsetof(struct dev_stats, tx_dropped) },
	};

	for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
		family(f, fields[k].name, "counter", fields[k].help);
		for (size_t n = 0; n < sc->nr; n++)
			if (sc->ifs[n].dev.present)
				sample(f, fields[k].name, &sc->ifs[n], "device", sc->ifs[n].target,
				       *(const unsigned long long *)((const char *)&sc->ifs[n].dev +
								     fields[k].off));
	}
}

/* What vtap handed each device (the target and each route's), since
 * attach or the last --replace. */
static void print_delivered(FILE *f, const struct scrape *sc)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} fields[] = {
		{ "vtap_device_delivered_packets_total", "Inner frames handed to this device (the "
		  "target or a route's), since attach or --replace.",
		  offsetof(struct vtap_slot_stats, packets) },
		{ "vtap_device_delivered_bytes_total", "Bytes of the inner frames handed to this "
		  "device, since attach or --replace.", offsetof(struct vtap_slot_stats, bytes) },
	};

	for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
		family(f, fields[k].name, "counter", fields[k].help);
		for (size_t n = 0; n < sc->nr; n++)
			for (unsigned int j = 0; j < sc->ifs[n].nr_slots; j++)
				sample(f, fields[k].name, &sc->ifs[n], "device",
				       sc->ifs[n].slots[j].name,
				       FIELD(&sc->ifs[n].slot_st[j], fields[k].off));
	}
}

static void print_reasm(FILE *f)
{
	static const struct {
		const char *name, *help;
	} fields[] = {
		{ "vtap_kernel_reassembled_total", "Datagrams the kernel reassembled (the whole "
		  "network namespace)." },
		{ "vtap_kernel_reassembly_failed_total", "Reassemblies the kernel gave up (the "
		  "whole network namespace; timeouts included)." },
		{ "vtap_kernel_reassembly_timeout_total", "Reassemblies that timed out: an outer "
		  "fragment lost (the whole network namespace)." },
	};
	unsigned long long v4[3], v6[3];
	struct reasm k;

	read_reasm(&k);
	v4[0] = k.v4_ok, v4[1] = k.v4_fails, v4[2] = k.v4_timeout;
	v6[0] = k.v6_ok, v6[1] = k.v6_fails, v6[2] = k.v6_timeout;
	for (size_t n = 0; n < 3; n++) {
		family(f, fields[n].name, "counter", fields[n].help);
		fprintf(f, "%s{family=\"ipv4\"} %llu\n%s{family=\"ipv6\"} %llu\n", fields[n].name,
			v4[n], fields[n].name, v6[n]);
	}
}

static void print_metrics(FILE *f, const struct scrape *sc)
{
	const char *name;

	family(f, "vtap_build_info", "gauge", "vtapctl's version and the libbpf it runs with.");
	fprintf(f, "vtap_build_info{");
	label(f, "version", VTAP_VERSION);
	fputc(',', f);
	label(f, "libbpf", libbpf_version_string());
	fprintf(f, "} 1\n");
	family(f, "vtap_scrape_errors", "gauge", "Attachments whose pins could not be read.");
	fprintf(f, "vtap_scrape_errors %d\n", sc->errors);

	name = "vtap_attached";
	family(f, name, "gauge", "1 while the XDP program is on the interface, 0 when the "
	       "interface is gone.");
	for (size_t n = 0; n < sc->nr; n++)
		sample(f, name, &sc->ifs[n], NULL, NULL, sc->ifs[n].attached);
	name = "vtap_seen_packets_total";
	family(f, name, "counter", "Packets the XDP program saw; each is in exactly one of "
	       "redirected, passed and dropped.");
	for (size_t n = 0; n < sc->nr; n++)
		sample(f, name, &sc->ifs[n], NULL, NULL, sc->ifs[n].s.g.seen);
	name = "vtap_redirected_packets_total";
	family(f, name, "counter", "Valid VXLAN whose inner frame went to the monitor device.");
	for (size_t n = 0; n < sc->nr; n++)
		sample(f, name, &sc->ifs[n], NULL, NULL, sc->ifs[n].s.g.redirected);
	global_family(f, sc, "vtap_passed_packets_total", "Packets passed to the stack, by why.",
		      VTAP_FIRST_PASS, VTAP_FIRST_DROP);
	global_family(f, sc, "vtap_dropped_packets_total", "Packets dropped, by reason.",
		      VTAP_FIRST_DROP, VTAP_FIRST_INFO);
	/* Informational counters: not outcomes, and not to be summed. Their
	 * names as label values (a name like reserved_bits_seen is not a unit). */
	name = "vtap_events_total";
	family(f, name, "counter", "Informational counters, each its own event (README, "
	       "Counters); not outcomes.");
	for (size_t n = 0; n < sc->nr; n++)
		for (int c = VTAP_FIRST_INFO; c < VTAP_NR_COUNTERS; c++)
			sample(f, name, &sc->ifs[n], "event", counter_names[c],
			       ((const __u64 *)&sc->ifs[n].s.g)[c]);
	name = "vtap_lost_after_redirect_packets_total";
	family(f, name, "counter", "Of the redirected: dropped by the kernel after the "
	       "redirect, by reason (absent when not counted: attached without CAP_PERFMON).");
	for (size_t n = 0; n < sc->nr; n++)
		for (size_t l = 0; sc->ifs[n].s.lost_counted && l < VTAP_NR_LOSSES; l++)
			sample(f, name, &sc->ifs[n], "reason", loss_names[l],
			       ((const __u64 *)&sc->ifs[n].s.lost)[l]);

	name = "vtap_sources";
	family(f, name, "gauge", "Per-source entries in use.");
	for (size_t n = 0; n < sc->nr; n++)
		sample(f, name, &sc->ifs[n], NULL, NULL, sc->ifs[n].s.nr);
	name = "vtap_sources_max";
	family(f, name, "gauge", "Per-source entries the table holds (--max-sources).");
	for (size_t n = 0; n < sc->nr; n++)
		sample(f, name, &sc->ifs[n], NULL, NULL, sc->ifs[n].max_sources);
	name = "vtap_sources_evicted_total";
	family(f, name, "counter", "Sources the full table dropped, least recently seen first.");
	for (size_t n = 0; n < sc->nr; n++)
		sample(f, name, &sc->ifs[n], NULL, NULL, sources_evicted(&sc->ifs[n].s));
	print_sources(f, sc);
	print_device(f, sc);
	print_delivered(f, sc);
	print_reasm(f);
}

static void scrape_free(struct scrape *sc)
{
	for (size_t n = 0; n < sc->nr; n++)
		free(sc->ifs[n].s.rows);
	free(sc->ifs);
	sc->ifs = NULL;
	sc->nr = 0;
}

/* The text of one scrape in a malloc'd buffer; *errors: attachments that
 * could not be read. NULL without memory. */
static char *render(const char *root, const char *ifname, size_t *len, int *errors)
{
	struct scrape sc = { .root = root };
	char *buf = NULL;
	FILE *f;

	char ns[PATH_MAX];

	if (ifname) {
		add_iface(ifname, &sc);
	} else if (!pin_ns_dir(root, ns, sizeof(ns)) && access(ns, R_OK | X_OK) &&
		   errno == EACCES) {
		/* Not an empty page that looks like nothing is attached. */
		pr_warn("%s: permission denied (needs root)\n", ns);
		sc.errors++;
	} else if (pin_for_each(root, add_iface, &sc) && access(root, F_OK) == 0) {
		sc.errors++;
	}
	f = open_memstream(&buf, len);
	if (f) {
		print_metrics(f, &sc);
		if (fclose(f)) {
			free(buf);
			buf = NULL;
		}
	}
	*errors = sc.errors;
	scrape_free(&sc);
	return buf;
}

/* ---- --textfile ---------------------------------------------------------- */

/* Written beside FILE, then renamed over it: node_exporter never reads half. */
static int write_textfile(const char *path, const char *text, size_t len)
{
	char tmp[PATH_MAX], shown[256];
	int fd, err = 0;

	format_arg(path, shown, sizeof(shown));
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		pr_warn("--textfile %s: path too long\n", shown);
		return EXIT_USAGE;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		pr_warn("--textfile %s: %s\n", shown, strerror(errno));
		return EXIT_FAIL;
	}
	for (size_t off = 0; off < len && !err;) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno != EINTR)
			err = errno;
		else if (n > 0)
			off += n;
	}
	if (!err && fsync(fd))
		err = errno;
	if (close(fd) && !err)
		err = errno;
	if (!err && rename(tmp, path))
		err = errno;
	if (err) {
		unlink(tmp);
		pr_warn("--textfile %s: %s\n", shown, strerror(err));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* ---- --listen ------------------------------------------------------------ */

/* Bounds for untrusted clients: idle or slow connections are closed after
 * the timeout, each connection gets a fixed memory pool (requests that do
 * not fit get an error), and only so many at once, fewer from one address.
 * libmicrohttpd polls every connection from one thread, so a client that
 * sends nothing holds one slot, not the server. */
#define HTTP_TIMEOUT_S		10
#define HTTP_CONNECTIONS	64
#define HTTP_PER_IP		16
#define HTTP_MEMORY		(32 * 1024)

struct server {
	const char *root;
	const char *ifname;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, const char *type,
			     char *body, size_t len, bool must_free)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, must_free ? MHD_RESPMEM_MUST_FREE :
					    MHD_RESPMEM_PERSISTENT);
	if (!r) {
		if (must_free)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

#define TEXT(s) (char *)(s), sizeof(s) - 1, false

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	const struct server *srv = cls;
	static const char *const plain = "text/plain; charset=utf-8";
	size_t len;
	char *text;
	int errors;

	(void)version;
	(void)upload_data;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, plain,
			     TEXT("only GET and HEAD\n"));
	if (*upload_data_size)	/* a GET with a body: not read */
		return reply(conn, MHD_HTTP_BAD_REQUEST, plain, TEXT("no body expected\n"));
	if (!strcmp(url, "/"))
		return reply(conn, MHD_HTTP_OK, plain, TEXT("vtap metrics: /metrics\n"));
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, plain, TEXT("not found; try /metrics\n"));
	text = render(srv->root, srv->ifname, &len, &errors);
	if (!text)
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, plain, TEXT("out of memory\n"));
	return reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text, len,
		     true);
}

/* libmicrohttpd's own messages (a client's bad request, say): -v shows them. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	pr_debug("http: %s\n", msg);
}

/* "ADDR:PORT", "[IPV6]:PORT" or ":PORT" (every address, IPv4 and IPv6). */
static int parse_listen(const char *arg, struct sockaddr_storage *ss, bool *v6, bool *any,
			char *why, size_t len)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	const char *colon = strrchr(arg, ':');
	char host[INET6_ADDRSTRLEN + 2];
	size_t hlen;
	__u16 port;

	memset(ss, 0, sizeof(*ss));
	if (!colon) {
		snprintf(why, len, "must be ADDR:PORT, [ADDR]:PORT or :PORT");
		return -EINVAL;
	}
	if (parse_port(colon + 1, &port, why, len))
		return -EINVAL;
	hlen = colon - arg;
	if (hlen >= sizeof(host)) {
		snprintf(why, len, "not an IPv4 or IPv6 address");
		return -EINVAL;
	}
	memcpy(host, arg, hlen);
	host[hlen] = '\0';
	*any = !hlen;
	*v6 = *any || host[0] == '[';
	if (*v6) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (*any)
			return 0;
		if (hlen < 2 || host[hlen - 1] != ']') {
			snprintf(why, len, "an IPv6 address goes in brackets: [::1]:PORT");
			return -EINVAL;
		}
		host[hlen - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1) {
			snprintf(why, len, "not an IPv6 address");
			return -EINVAL;
		}
		return 0;
	}
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	if (inet_pton(AF_INET, host, &s4->sin_addr) != 1) {
		snprintf(why, len, "not an IPv4 address (IPv6: [ADDR]:PORT)");
		return -EINVAL;
	}
	return 0;
}

int check_listen(const char *arg, char *why, size_t len)
{
	struct sockaddr_storage ss;
	bool v6, any;

	return parse_listen(arg, &ss, &v6, &any, why, len);
}

static int serve(const char *root, const char *ifname, const char *listen)
{
	struct server srv = { .root = root, .ifname = ifname };
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
	char why[128], shown[64];
	struct sockaddr_storage ss;
	struct MHD_Daemon *d;
	bool v6, any;
	sigset_t set;
	int sig;

	format_arg(listen, shown, sizeof(shown));
	if (parse_listen(listen, &ss, &v6, &any, why, sizeof(why))) {
		pr_warn("--listen %s: %s\n", shown, why);
		return EXIT_USAGE;
	}
	if (v6)
		flags |= any ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
	/* Only this thread takes the signals that stop it. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(flags, ntohs(((struct sockaddr_in *)&ss)->sin_port), NULL, NULL,
			     handle, &srv,
			     /* first, or MHD's own logger takes the earlier messages */
			     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_TIMEOUT_S,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_CONNECTIONS,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)HTTP_PER_IP,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY,
			     MHD_OPTION_END);
	if (!d) {
		pr_warn("--listen %s: can't listen: %s\n", shown,
			errno ? strerror(errno) : "libmicrohttpd refused");
		return EXIT_FAIL;
	}
	pr_info("serving /metrics on %s\n", shown);
	do {
		if (sigwait(&set, &sig))
			break;
	} while (sig == SIGHUP);	/* nothing to reload: every scrape reads anew */
	MHD_stop_daemon(d);
	return EXIT_OK;
}

int do_metrics(const char *root, const char *ifname, const char *listen, const char *textfile)
{
	size_t len;
	char *text;
	int errors, ret;

	if (listen)
		return serve(root, ifname, listen);
	text = render(root, ifname, &len, &errors);
	if (!text) {
		pr_warn("metrics: out of memory\n");
		return EXIT_FAIL;
	}
	if (textfile) {
		ret = write_textfile(textfile, text, len);
	} else {
		ret = fwrite(text, 1, len, stdout) == len && !fflush(stdout) ? EXIT_OK : EXIT_FAIL;
	}
	free(text);
	/* What could be read is shown (vtap_scrape_errors counts the rest),
	 * and anything that could not be is a failure, as for stats. */
	return ret != EXIT_OK ? ret : errors ? EXIT_FAIL : EXIT_OK;
}

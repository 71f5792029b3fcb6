// SPDX-License-Identifier: GPL-2.0
/* vtapctl: command dispatch, option tables and the help generated from them. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "args.h"
#include "config.h"
#include "log.h"
#include "pins.h"
#include "vtapctl.h"

enum {
	OPT_PORT = 256, OPT_VNI, OPT_ALLOW_SRC, OPT_STRICT, OPT_MODE, OPT_BACKEND,
	OPT_TARGET, OPT_REPLACE, OPT_MAX_SOURCES, OPT_PIN_ROOT, OPT_JSON, OPT_WATCH,
	OPT_CHECK, OPT_DST, OPT_SLOW_PORT, OPT_CONFIG, OPT_LISTEN, OPT_TEXTFILE,
	OPT_GENEVE_PORT, OPT_NO_DIRECTION,
};

#define COMMON_OPTS \
	{ "pin-root", required_argument, OPT_PIN_ROOT, "DIR", \
	  "pin folder (default $" VTAP_PIN_ROOT_ENV " or " VTAP_PIN_ROOT_DEFAULT ")" }, \
	{ "verbose", no_argument, 'v', NULL, "show libbpf and verifier messages" }, \
	{ "help", no_argument, 'h', NULL, "show this help" }

static const struct opt_def attach_opts[] = {
	{ "port", required_argument, OPT_PORT, "N",
	  "UDP port carrying VXLAN; repeat (default 4789 when no port is given)" },
	{ "geneve-port", required_argument, OPT_GENEVE_PORT, "N",
	  "UDP port carrying GENEVE (usually 6081); repeat; up to 4 ports of both kinds" },
	{ "vni", required_argument, OPT_VNI, "N|N-M",
	  "accept only these VNIs; repeat for up to 16 (default all)" },
	{ "allow-src", required_argument, OPT_ALLOW_SRC, "CIDR|all",
	  "accept only these outer sources, IPv4 or IPv6; repeat; 'all': any source "
	  "(default, with a warning; --replace removes a list only for 'all')" },
	{ "dst", required_argument, OPT_DST, "CIDR",
	  "accept only VXLAN or GENEVE to these outer destinations; repeat for up to 16 (default all)" },
	{ "slow-port", required_argument, OPT_SLOW_PORT, "N",
	  "UDP port of the slow path, for a firewall rule (default: one the kernel picks)" },
	{ "strict", no_argument, OPT_STRICT, NULL,
	  "drop VXLAN and GENEVE with reserved bits (GENEVE: or the C bit) set (default: accept and count)" },
	{ "no-direction", no_argument, OPT_NO_DIRECTION, NULL,
	  "don't tell vtap.ko each frame's direction (default: the taps see what the tapped "
	  "NIC sent as outgoing, what it received as incoming)" },
	{ "mode", required_argument, OPT_MODE, "MODE",
	  "XDP mode: auto (native, else generic), native, generic (default auto)" },
	{ "backend", required_argument, OPT_BACKEND, "KIND",
	  "how to make the target: auto (kmod if available, else veth), kmod, veth" },
	{ "target", required_argument, OPT_TARGET, "DEV",
	  "monitor device for the inner frames (default " VTAP_DEFAULT_TARGET "); an existing "
	  "one must take redirected XDP frames (a bridge is refused)" },
	{ "replace", no_argument, OPT_REPLACE, NULL,
	  "swap an attachment with other settings atomically" },
	{ "max-sources", required_argument, OPT_MAX_SOURCES, "N",
	  "per-source entries, least recently seen evicted (default 16384); each "
	  "costs 64 bytes per CPU + 96, at most a quarter of the host's memory" },
	{ "config", required_argument, OPT_CONFIG, "FILE",
	  "read options from FILE (/etc/vtap/IFACE.conf for the service), one per "
	  "line: a long name without the dashes, then its value; '#' starts a "
	  "comment; an option given on the command line replaces the file's" },
	COMMON_OPTS,
	{ 0 }
};

static const struct opt_def plain_opts[] = { COMMON_OPTS, { 0 } };

static const struct opt_def status_opts[] = {
	{ "json", no_argument, OPT_JSON, NULL, "print JSON (fields documented in README)" },
	{ "check", no_argument, OPT_CHECK, NULL,
	  "print one line per problem and exit 1 if there is one" },
	COMMON_OPTS,
	{ 0 }
};

static const struct opt_def stats_opts[] = {
	{ "json", no_argument, OPT_JSON, NULL, "print JSON (fields documented in README)" },
	{ "watch", required_argument, OPT_WATCH, "SECONDS",
	  "print again every SECONDS with per-second rates, until interrupted" },
	COMMON_OPTS,
	{ 0 }
};

static const struct opt_def metrics_opts[] = {
	{ "listen", required_argument, OPT_LISTEN, "ADDR:PORT",
	  "serve /metrics over HTTP on ADDR:PORT ([IPV6]:PORT; :PORT for every address) "
	  "until stopped" },
	{ "textfile", required_argument, OPT_TEXTFILE, "FILE",
	  "write the metrics to FILE atomically (for node_exporter's textfile collector) "
	  "instead of stdout" },
	COMMON_OPTS,
	{ 0 }
};

struct command {
	const char *name;
	const char *args;
	const char *summary;
	const struct opt_def *opts;
};

static const struct command commands[] = {
	{ "attach", "IFACE", "decapsulate VXLAN arriving on IFACE onto the monitor device",
	  attach_opts },
	{ "detach", "IFACE", "stop; remove the program, its pins and what attach created",
	  plain_opts },
	{ "status", "[IFACE]", "show attachments: mode, program, target, filters, counters",
	  status_opts },
	{ "stats", "[IFACE]", "show per-source counters and outcomes", stats_opts },
	{ "metrics", "[IFACE]", "print the counters in the Prometheus text format, or serve them",
	  metrics_opts },
	{ "cleanup", "", "remove what dead attachments left: pins, programs, devices",
	  plain_opts },
	{ "help", "[COMMAND]", "show help for vtapctl or a command", NULL },
};
#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void list_commands(FILE *f)
{
	fprintf(f, "Commands:\n");
	for (size_t i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-8s %-10s %s\n", commands[i].name, commands[i].args,
			commands[i].summary);
}

static void usage_main(FILE *f)
{
	fprintf(f, "Usage: vtapctl COMMAND [options]\n\n"
		   "Decapsulate cloud traffic-tap VXLAN (Azure vTAP, AWS Traffic Mirroring) with\n"
		   "XDP and show the tapped traffic on a monitor device.\n\n");
	list_commands(f);
	fprintf(f, "\nOptions:\n  -h, --help     show this help\n"
		   "  -V, --version  show the version\n"
		   "\nSee 'vtapctl help COMMAND' for a command's options.\n");
}

/* "  LEFT  help" with help folded at spaces to fit 79 columns. */
static void print_wrapped(FILE *f, const char *left, const char *help)
{
	const int width = 79 - 29;

	while (*help) {
		int n = strlen(help);

		if (n > width)
			for (n = width; n > 0 && help[n] != ' '; n--)
				;
		if (n <= 0)
			n = strcspn(help, " ");
		fprintf(f, "  %-26s %.*s\n", left, n, help);
		left = "";
		help += n;
		help += strspn(help, " ");
	}
}

static void usage_command(const struct command *c, FILE *f)
{
	char left[64];

	fprintf(f, "Usage: vtapctl %s%s%s%s\n\n%c%s.\n", c->name, c->args[0] ? " " : "",
		c->args, c->opts ? " [options]" : "", c->summary[0] - 'a' + 'A', c->summary + 1);
	if (!c->opts) {
		fprintf(f, "\n");
		list_commands(f);
		return;
	}
	fprintf(f, "\nOptions:\n");
	for (const struct opt_def *o = c->opts; o->name; o++) {
		if (o->val < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->val, o->name,
				 o->metavar ? " " : "", o->metavar ? o->metavar : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name,
				 o->metavar ? " " : "", o->metavar ? o->metavar : "");
		print_wrapped(f, left, o->help);
	}
}

/* ---- the man page's command and option lists ---------------------------- */

/* Text as troff reads it: backslashes and hyphens escaped, no control
 * character at the start of a line. */
static void man_text(FILE *f, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", f);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
	}
}

static bool common_opt(const struct opt_def *o)
{
	for (const struct opt_def *c = plain_opts; c->name; c++)
		if (!strcmp(c->name, o->name))
			return true;
	return false;
}

static void man_opt(FILE *f, const struct opt_def *o)
{
	fputs(".TP\n", f);
	if (o->val < 256)
		fprintf(f, "\\fB\\-%c\\fR, ", o->val);
	fputs("\\fB\\-\\-", f);
	man_text(f, o->name);
	fputs("\\fR", f);
	if (o->metavar) {
		fputs(" \\fI", f);
		man_text(f, o->metavar);
		fputs("\\fR", f);
	}
	fputs("\n", f);
	man_text(f, o->help);
	fputs("\n", f);
}

/*
 * The SYNOPSIS lines, COMMANDS with each command's own options, and
 * COMMON OPTIONS, from the tables above: docs/vtapctl.8.in gets them from
 * here (see gen_man), so the page can't drift from what vtapctl parses.
 */
void vtapctl_man(FILE *f, const char *section)
{
	if (!strcmp(section, "SYNOPSIS")) {
		for (size_t i = 0; i < NR_COMMANDS; i++) {
			const struct command *c = &commands[i];

			fprintf(f, "%s\\fBvtapctl %s\\fR", i ? ".br\n" : "", c->name);
			if (*c->args) {
				fputs(" \\fI", f);
				man_text(f, c->args);
				fputs("\\fR", f);
			}
			fputs(c->opts ? " [\\fIoptions\\fR]\n" : "\n", f);
		}
		fputs(".br\n\\fBvtapctl\\fR \\fB\\-\\-help\\fR | \\fB\\-\\-version\\fR\n", f);
	} else if (!strcmp(section, "COMMANDS")) {
		for (size_t i = 0; i < NR_COMMANDS; i++) {
			const struct command *c = &commands[i];

			fprintf(f, ".SS \"%s %s\"\n%c", c->name, c->args, c->summary[0] - 'a' + 'A');
			man_text(f, c->summary + 1);
			fputs(".\n", f);
			for (const struct opt_def *o = c->opts; o && o->name; o++)
				if (!common_opt(o))
					man_opt(f, o);
		}
	} else if (!strcmp(section, "COMMON OPTIONS")) {
		for (const struct opt_def *o = plain_opts; o->name; o++)
			man_opt(f, o);
	}
}

/* ---- parsing ------------------------------------------------------------- */

struct cmdline {
	struct attach_opts attach;
	const char *config;
	const char *listen, *textfile;
	bool given[32];		/* by position in the command's options */
	const char *pin_root;
	const char *ifname;
	bool json, check;
	unsigned long watch;
	bool help;
};

/* "FILE:LINE" while a configuration file's option is parsed. */
static const char *config_where;

static int usage_error(const char *what, const char *why)
{
	if (config_where)
		pr_warn("%s: %s: %s\n", config_where, what + strspn(what, "-"), why);
	else
		pr_warn("%s: %s\n", what, why);
	return -EXIT_USAGE;
}

/* "--NAME VALUE: why", the value shown cut short and printable: it can be
 * anything the user typed. */
static int bad_value(const struct command *c, int opt, const char *arg, const char *why)
{
	const char *name = "?";
	char shown[48];

	for (const struct opt_def *o = c->opts; o->name; o++)
		if (o->val == opt)
			name = o->name;
	if (config_where)
		pr_warn("%s: %s %s: %s\n", config_where, name, format_arg(arg, shown, sizeof(shown)),
			why);
	else
		pr_warn("--%s %s: %s\n", name, format_arg(arg, shown, sizeof(shown)), why);
	return -EXIT_USAGE;
}

/* Position of arg in a NULL-terminated list of names, or -1. */
static long choice(const char *arg, const char *const *names)
{
	for (long i = 0; names[i]; i++)
		if (!strcmp(arg, names[i]))
			return i;
	return -1;
}

static int parse_option(const struct command *c, struct cmdline *cl, int opt, const char *arg,
			__u16 *ports, unsigned int *nr_ports)
{
	struct attach_opts *a = &cl->attach;
	char why[128];
	unsigned long v;
	long pick;

	switch (opt) {
	case OPT_PORT:
		if (*nr_ports + a->settings.nr_ports >= VTAP_MAX_PORTS)
			return usage_error("--port", "at most 4 ports, --geneve-port's too");
		if (parse_port(arg, &ports[*nr_ports], why, sizeof(why)))
			return bad_value(c, opt, arg, why);
		(*nr_ports)++;
		break;
	case OPT_GENEVE_PORT: {
		__u32 i = a->settings.nr_ports;
		__u16 port;

		/* Into the settings as given; settings_canonicalize sorts. */
		if (*nr_ports + i >= VTAP_MAX_PORTS)
			return usage_error("--geneve-port", "at most 4 ports, --port's too");
		if (parse_port(arg, &port, why, sizeof(why)))
			return bad_value(c, opt, arg, why);
		a->settings.ports_net[i] = htons(port);
		a->settings.geneve_ports |= 1u << i;
		a->settings.nr_ports++;
		break;
	}
	case OPT_VNI:
		if (a->settings.nr_vni_ranges >= VTAP_MAX_VNI_RANGES)
			return usage_error("--vni", "at most 16 VNIs or ranges");
		if (parse_vni_range(arg, &a->settings.vni_ranges[a->settings.nr_vni_ranges],
				    why, sizeof(why)))
			return bad_value(c, opt, arg, why);
		a->settings.nr_vni_ranges++;
		break;
	case OPT_ALLOW_SRC:
		if (!strcmp(arg, "all")) {
			a->allow_all = true;
			break;
		}
		if (a->nr_allow >= VTAP_MAX_ALLOW_SRC)
			return usage_error("--allow-src", "at most 1024 CIDRs");
		if (parse_cidr(arg, &a->allow[a->nr_allow], why, sizeof(why)))
			return bad_value(c, opt, arg, why);
		a->nr_allow++;
		break;
	case OPT_DST:
		if (a->settings.nr_dst >= VTAP_MAX_DST)
			return usage_error("--dst", "at most 16 CIDRs");
		if (parse_cidr(arg, &a->settings.dst[a->settings.nr_dst], why, sizeof(why)))
			return bad_value(c, opt, arg, why);
		a->settings.nr_dst++;
		break;
	case OPT_SLOW_PORT:
		if (parse_port(arg, &a->slow_port, why, sizeof(why)))
			return bad_value(c, opt, arg, why);
		break;
	case OPT_STRICT:
		a->settings.strict = 1;
		break;
	case OPT_NO_DIRECTION:
		a->settings.no_direction = 1;
		break;
	case OPT_MODE:
		/* Index = enum mode_req value. */
		pick = choice(arg, (const char *const[]){ "auto", "native", "generic", NULL });
		if (pick < 0)
			return bad_value(c, opt, arg, "must be auto, native or generic");
		a->mode = pick;
		break;
	case OPT_BACKEND:
		/* Index = enum backend_req value. */
		pick = choice(arg, (const char *const[]){ "auto", "kmod", "veth", NULL });
		if (pick < 0)
			return bad_value(c, opt, arg, "must be auto, kmod or veth");
		a->backend = pick;
		break;
	case OPT_TARGET:
		if (check_ifname(arg, why, sizeof(why)))
			return bad_value(c, opt, arg, why);
		a->target = arg;
		break;
	case OPT_REPLACE:
		a->replace = true;
		break;
	case OPT_CONFIG:
		cl->config = arg;
		break;
	case OPT_LISTEN:
		if (check_listen(arg, why, sizeof(why)))
			return bad_value(c, opt, arg, why);
		cl->listen = arg;
		break;
	case OPT_TEXTFILE:
		if (!*arg)
			return bad_value(c, opt, arg, "empty");
		cl->textfile = arg;
		break;
	case OPT_MAX_SOURCES:
		if (parse_uint(arg, 1, 1 << 24, &v, why, sizeof(why)))
			return bad_value(c, opt, arg, why);
		a->max_sources = v;
		break;
	case OPT_PIN_ROOT:
		if (check_pin_root(arg, why, sizeof(why)))
			return bad_value(c, opt, arg, why);
		cl->pin_root = arg;
		break;
	case OPT_JSON:
		cl->json = true;
		break;
	case OPT_CHECK:
		cl->check = true;
		break;
	case OPT_WATCH:
		if (parse_uint(arg, 1, 3600, &cl->watch, why, sizeof(why)))
			return bad_value(c, opt, arg, why);
		break;
	case 'v':
		vtap_log_level = LOG_DEBUG;
		break;
	case 'h':
		cl->help = true;
		break;
	default:
		return usage_error(c->name, "bad option");
	}
	return 0;
}

struct config_ctx {
	const struct command *c;
	struct cmdline *cl;
	__u16 *ports;
	unsigned int *nr_ports;
};

/* A configuration file's option, unless the command line gave it. */
static int config_option(void *arg, const struct opt_def *o, const char *value,
			 const char *where)
{
	struct config_ctx *ctx = arg;
	int ret;

	if (ctx->cl->given[o - ctx->c->opts])
		return 0;
	config_where = where;
	ret = parse_option(ctx->c, ctx->cl, o->val, value, ctx->ports, ctx->nr_ports);
	config_where = NULL;
	return ret ? 1 : 0;	/* said */
}

static int load_config(struct config_ctx *ctx)
{
	static const char *const not_in_files[] = { "config", "help", NULL };
	const char *path = ctx->cl->config;
	char err[512], shown[256];
	FILE *f = fopen(path, "r");
	int ret;

	if (!f) {
		pr_warn("%s: %s\n", format_arg(path, shown, sizeof(shown)), strerror(errno));
		return -EXIT_USAGE;
	}
	ret = config_parse(f, path, ctx->c->opts, not_in_files, config_option, ctx, err,
			   sizeof(err));
	fclose(f);
	if (ret > 0)
		return -EXIT_USAGE;
	if (ret) {
		pr_warn("%s\n", err);
		return -EXIT_USAGE;
	}
	return 0;
}

static int parse_cmdline(const struct command *c, int argc, char **argv, struct cmdline *cl)
{
	struct option longopts[32] = {};
	char shortopts[32] = ":", shown[48], why[128];
	__u16 ports[VTAP_MAX_PORTS + 1];
	unsigned int nr_ports = 0, n = 0;
	int opt, ret;

	for (const struct opt_def *o = c->opts; o->name; o++, n++) {
		longopts[n] = (struct option){ o->name, o->has_arg, NULL, o->val };
		if (o->val < 256) {
			size_t l = strlen(shortopts);

			shortopts[l] = o->val;
			shortopts[l + 1] = '\0';
		}
	}
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (opt == '?') {
			pr_warn("%s: unknown option %s\n", c->name,
				optopt ? (char[]){ '-', optopt, 0 } :
				format_arg(argv[optind - 1], shown, sizeof(shown)));
			return -EXIT_USAGE;
		}
		if (opt == ':') {
			pr_warn("%s: option %s needs a value\n", c->name,
				format_arg(argv[optind - 1], shown, sizeof(shown)));
			return -EXIT_USAGE;
		}
		ret = parse_option(c, cl, opt, optarg, ports, &nr_ports);
		if (ret)
			return ret;
		for (n = 0; c->opts[n].name; n++)
			if (c->opts[n].val == opt)
				cl->given[n] = true;
	}
	if (cl->help)
		return 0;
	if (cl->config) {
		struct config_ctx ctx = { c, cl, ports, &nr_ports };

		ret = load_config(&ctx);
		if (ret)
			return ret;
	}

	if (optind < argc && c->args[0])
		cl->ifname = argv[optind++];
	if (optind < argc) {
		pr_warn("%s: unexpected argument '%s'\n", c->name,
			format_arg(argv[optind], shown, sizeof(shown)));
		return -EXIT_USAGE;
	}
	if (!cl->ifname && c->args[0] && c->args[0] != '[') {
		pr_warn("%s: missing %s\n", c->name, c->args);
		return -EXIT_USAGE;
	}
	if (cl->ifname && check_ifname(cl->ifname, why, sizeof(why))) {
		pr_warn("%s: '%s': %s\n", c->name, format_arg(cl->ifname, shown, sizeof(shown)), why);
		return -EXIT_USAGE;
	}
	if (cl->listen && cl->textfile)
		return usage_error("--listen", "can't be given with --textfile");
	if (cl->attach.allow_all && cl->attach.nr_allow)
		return usage_error("--allow-src all", "can't be given with CIDRs");
	settings_canonicalize(&cl->attach.settings, ports, nr_ports, cl->attach.allow, &cl->attach.nr_allow);
	for (__u32 i = 1; i < cl->attach.settings.nr_ports; i++)
		if (cl->attach.settings.ports_net[i] == cl->attach.settings.ports_net[i - 1]) {
			snprintf(why, sizeof(why), "port %u is --port's too",
				 ntohs(cl->attach.settings.ports_net[i]));
			return usage_error("--geneve-port", why);
		}
	/* The slow path's socket on a tapped port would take that port for the
	 * whole namespace again. */
	for (__u32 i = 0; cl->attach.slow_port && i < cl->attach.settings.nr_ports; i++)
		if (htons(cl->attach.slow_port) == cl->attach.settings.ports_net[i])
			return usage_error("--slow-port",
					   "must not be a tapped port (--port, --geneve-port)");
	return 0;
}

int main(int argc, char **argv)
{
	char why[128], shown[48];
	struct cmdline cl = {};
	const struct command *c;
	int ret;

	vtap_log_setup_libbpf();
	if (argc < 2) {
		usage_main(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage_main(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("vtapctl %s (libbpf %s)\n", VTAP_VERSION, libbpf_version_string());
		return EXIT_OK;
	}
	c = find_command(argv[1]);
	if (!c) {
		pr_warn("%s: unknown command (try 'vtapctl --help')\n",
			format_arg(argv[1], shown, sizeof(shown)));
		return EXIT_USAGE;
	}
	if (!strcmp(c->name, "help")) {
		const struct command *about = NULL;

		if (argc > 2 && (!strcmp(argv[2], "-h") || !strcmp(argv[2], "--help")))
			about = c;
		else if (argc > 2)
			about = find_command(argv[2]);
		if (argc > 2 && !about) {
			pr_warn("help: unknown command '%s'\n",
				format_arg(argv[2], shown, sizeof(shown)));
			return EXIT_USAGE;
		}
		if (argc > 3) {
			pr_warn("help: unexpected argument '%s'\n",
				format_arg(argv[3], shown, sizeof(shown)));
			return EXIT_USAGE;
		}
		if (about)
			usage_command(about, stdout);
		else
			usage_main(stdout);
		return EXIT_OK;
	}

	cl.attach.target = VTAP_DEFAULT_TARGET;
	cl.attach.max_sources = VTAP_DEFAULT_MAX_SOURCES;
	ret = parse_cmdline(c, argc - 1, argv + 1, &cl);
	if (ret)
		return -ret;
	if (cl.help) {
		usage_command(c, stdout);
		return EXIT_OK;
	}
	cl.pin_root = pin_root_resolve(cl.pin_root);
	if (check_pin_root(cl.pin_root, why, sizeof(why))) {
		pr_warn("%s %s: %s\n", VTAP_PIN_ROOT_ENV, format_arg(cl.pin_root, shown, sizeof(shown)),
			why);
		return EXIT_USAGE;
	}
	cl.attach.pin_root = cl.pin_root;
	cl.attach.ifname = cl.ifname;

	if (!strcmp(c->name, "attach"))
		return do_attach(&cl.attach);
	if (!strcmp(c->name, "detach"))
		return do_detach(cl.pin_root, cl.ifname);
	if (!strcmp(c->name, "status"))
		return do_status(cl.pin_root, cl.ifname, cl.json, cl.check);
	if (!strcmp(c->name, "cleanup"))
		return do_cleanup(cl.pin_root);
	if (!strcmp(c->name, "metrics"))
		return do_metrics(cl.pin_root, cl.ifname, cl.listen, cl.textfile);
	return do_stats(cl.pin_root, cl.ifname, cl.json, cl.watch);
}

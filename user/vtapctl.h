/* SPDX-License-Identifier: GPL-2.0 */
/* The commands of vtapctl and the options they take. */
#ifndef VTAP_VTAPCTL_H
#define VTAP_VTAPCTL_H

#include <stdbool.h>
#include <stdio.h>
#include "vtap_abi.h"
#include "args.h"
#include "backend.h"
#include "settings.h"

enum mode_req { MODE_AUTO = 0, MODE_NATIVE = VTAP_MODE_NATIVE, MODE_GENERIC = VTAP_MODE_GENERIC };

struct attach_opts {
	const char *ifname;
	const char *pin_root;
	const char *target;
	struct vtap_settings settings;		/* canonical: sorted, no duplicates */
	struct vtap_lpm_key allow[VTAP_MAX_ALLOW_SRC];
	unsigned int nr_allow;
	bool allow_all;				/* --allow-src all: no list, as asked */
	enum mode_req mode;
	enum backend_req backend;
	bool replace;
	__u32 max_sources;
	__u16 slow_port;			/* --slow-port; 0: the kernel picks */
	struct route_spec routes[VTAP_MAX_ROUTES];	/* canonical (routes_canonicalize) */
	unsigned int nr_routes;
};

int do_attach(const struct attach_opts *o);
int do_detach(const char *pin_root, const char *ifname);
int do_status(const char *pin_root, const char *ifname, bool json, bool check);
int do_cleanup(const char *pin_root);
int do_stats(const char *pin_root, const char *ifname, bool json, unsigned int watch);
/* Prometheus text format on stdout, into textfile, or served on listen. */
int do_metrics(const char *pin_root, const char *ifname, const char *listen,
	       const char *textfile);
/* 0 when arg is a --listen address ADDR:PORT, [ADDR]:PORT or :PORT. */
int check_listen(const char *arg, char *why, size_t len);

/* A generated part of vtapctl(8): "SYNOPSIS", "COMMANDS" or "COMMON
 * OPTIONS", in troff, from the option tables. */
void vtapctl_man(FILE *f, const char *section);

/* Needs CAP_NET_ADMIN and CAP_BPF (or CAP_SYS_ADMIN); prints why not. */
bool check_privileges(const char *what);
/* Whether the capability is in our effective set. */
bool have_cap(unsigned int cap);
/* VTAP_MODE_NATIVE/GENERIC of the XDP program on ifindex, 0 if none. */
int attached_mode(int ifindex);
struct attachment;
/* Removes the pins of an attachment whose interface went away, and what it
 * made that nothing else uses. */
void remove_stale(const char *root, struct attachment *a);
/* Moves a live attachment's pins to its interface's new name. */
int pins_follow_rename(const char *root, const struct attachment *a);

#endif

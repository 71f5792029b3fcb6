/* SPDX-License-Identifier: GPL-2.0 */
/* An attachment's counters read at one moment (user/show.c), for stats and
 * for metrics. */
#ifndef VTAP_SNAPSHOT_H
#define VTAP_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include "vtap_abi.h"

/* The counters' names, as stats --json and metrics show them, from the
 * X-macros: by enum vtap_counter, and by loss reason. */
#define VTAP_NR_LOSSES (sizeof(struct vtap_lost) / sizeof(__u64))
extern const char *const counter_names[VTAP_NR_COUNTERS];
extern const char *const loss_names[VTAP_NR_LOSSES];

struct source_row {
	struct vtap_source_key key;
	struct vtap_source_stats st;
	double pps;		/* --watch: packets per second since the last round; -1: none */
};

struct snapshot {
	char ifname[VTAP_IFNAMSIZ];
	__u64 mono_ns, wall_ns;	/* when it was read */
	struct vtap_global g;
	struct vtap_lost lost;
	bool lost_counted;	/* the loss tracer is attached */
	struct source_row *rows;	/* most packets first; free() it */
	size_t nr;
	size_t nr_table;	/* of them, in vtap_sources (the others: evicted, still in a CPU's cache) */
};

struct attachment;
int take_snapshot(const struct attachment *a, struct snapshot *s);
/* The LRU table drops the least recently seen source when full: what was
 * added and is no longer there was evicted. */
__u64 sources_evicted(const struct snapshot *s);

/* The kernel's own reassembly counters (the whole namespace): a lost outer
 * fragment shows up here as a reassembly timeout, not in vtap's counters. */
struct reasm {
	unsigned long long v4_ok, v4_fails, v4_timeout, v6_ok, v6_fails, v6_timeout;
};

void read_reasm(struct reasm *r);

#endif

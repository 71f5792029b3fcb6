/* SPDX-License-Identifier: GPL-2.0 */
/* Frames lost after the redirect: vtap's tracer, its pins and counters,
 * and whether a target can take redirected frames at all. */
#ifndef VTAP_LOST_H
#define VTAP_LOST_H

#include <stdbool.h>
#include <stddef.h>
#include "vtap_abi.h"

/* Loads the tracer for the attachment pinned in dir (NIC ifindex, the
 * device in its devmap) and pins it there, keeping the counters of an
 * earlier one. Without tracing privileges (CAP_PERFMON) or kernel BTF the
 * attachment works uncounted: warns and returns non-zero. */
int lost_attach(const char *dir, const char *ifname, int nic_ifindex, int target_ifindex);
/* Sums the counters pinned in dir; -ENOENT when losses are not counted. */
int lost_read(const char *dir, struct vtap_lost *sum);
__u64 lost_total(const struct vtap_lost *l);
/* 0 when the device takes redirected XDP frames (ndo_xdp_xmit), else
 * -EOPNOTSUPP with why in err. */
int target_takes_xdp(const char *name, char *err, size_t errlen);

#endif

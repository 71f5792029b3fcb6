// SPDX-License-Identifier: GPL-2.0
/*
 * Counts frames that the XDP program redirected but the kernel dropped
 * afterwards, from the xdp tracepoints (tp_btf, so tracing privileges:
 * CAP_PERFMON). Matched to one attachment by the NIC (and for generic XDP's
 * transmit, the target) and their network namespace. Kernel structures are
 * read through CO-RE: only the fields named here, wherever the running
 * kernel keeps them.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "vtap_abi.h"

#define ENETDOWN	100
#define EMSGSIZE	90
#define EOPNOTSUPP	95

struct ns_common {
	unsigned int inum;
} __attribute__((preserve_access_index));

struct net {
	struct ns_common ns;
} __attribute__((preserve_access_index));

typedef struct {
	struct net *net;
} possible_net_t;

struct net_device {
	int ifindex;
	possible_net_t nd_net;
} __attribute__((preserve_access_index));

struct bpf_prog_aux {
	char name[16];
} __attribute__((preserve_access_index));

struct bpf_prog {
	struct bpf_prog_aux *aux;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vtap_lost);
} vtap_lost SEC(".maps");

const volatile struct vtap_lost_config vtap_lost_config SEC(".rodata.config");

static __always_inline int is_dev(const struct net_device *dev, __u32 ifindex)
{
	return dev && dev->ifindex == (int)ifindex &&
	       dev->nd_net.net->ns.inum == vtap_lost_config.netns_ino;
}

static __always_inline struct vtap_lost *lost(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vtap_lost, &zero);
}

/* The redirect itself failed (xdp_do_redirect / xdp_do_generic_redirect):
 * dev is the NIC the program ran on. */
SEC("tp_btf/xdp_redirect_err")
int vtap_lost_redirect_err(__u64 *ctx)
{
	const struct net_device *dev = (const void *)ctx[0];
	int err = (int)ctx[3];
	struct vtap_lost *l;

	if (!is_dev(dev, vtap_lost_config.nic_ifindex) || !(l = lost()))
		return 0;
	if (err == -ENETDOWN)
		l->target_down++;
	else if (err == -EMSGSIZE)
		l->too_big++;
	else if (err == -EOPNOTSUPP)
		l->not_supported++;
	else
		l->other++;
	return 0;
}

/* Native XDP: the devmap's bulk transmit, of which the target's driver
 * took `sent`; it frees the `drops` others. */
SEC("tp_btf/xdp_devmap_xmit")
int vtap_lost_devmap_xmit(__u64 *ctx)
{
	const struct net_device *from = (const void *)ctx[0];
	int drops = (int)ctx[3];
	struct vtap_lost *l;

	if (drops <= 0 || !is_dev(from, vtap_lost_config.nic_ifindex) || !(l = lost()))
		return 0;
	l->xmit_failed += drops;
	return 0;
}

/* Generic XDP: the target's transmit refused the frame (generic_xdp_tx);
 * dev is the target, the program vtap's. */
SEC("tp_btf/xdp_exception")
int vtap_lost_exception(__u64 *ctx)
{
	const struct net_device *dev = (const void *)ctx[0];
	const struct bpf_prog *prog = (const void *)ctx[1];
	__u32 act = (__u32)ctx[2];
	static const char name[] = "vtap_xdp";
	struct vtap_lost *l;

	if (act != XDP_TX || !prog || !is_dev(dev, vtap_lost_config.target_ifindex))
		return 0;
	for (int i = 0; i < (int)sizeof(name); i++)
		if (prog->aux->name[i] != name[i])
			return 0;
	l = lost();
	if (l)
		l->xmit_failed++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

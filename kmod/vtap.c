// SPDX-License-Identifier: GPL-2.0
/*
 * vtap: monitor-only network devices for XDP-decapsulated tap traffic.
 *
 * The vtap XDP program strips the VXLAN encapsulation of mirrored traffic
 * on a NIC and redirects the inner frame to a vtap device, through
 * ndo_xdp_xmit() in native XDP mode or ndo_start_xmit() in generic mode.
 * A vtap device shows every such frame to the packet taps (tcpdump and
 * other ETH_P_ALL AF_PACKET sockets) exactly once, in the direction the
 * program put in the frame's XDP metadata (struct vtap_xdp_meta: outgoing
 * for what the tapped NIC sent, else received), and to nothing else: the frames never reach the IP stack, and the device
 * has no ARP, no IPv6 and sends nothing of its own.
 *
 * Delivery: in native mode, the frames of one ndo_xdp_xmit() call become
 * skbs together (xdp_alloc_skb_bulk(), __xdp_build_skb_from_frame()) and
 * go, in one locked splice, to a receive queue of the device for the CPU
 * the call runs on; that CPU's NAPI of the device (one per possible CPU,
 * scheduled from there, so polled on the same CPU, in the NET_RX softirq
 * already running there or the next one) hands them to the stack as a list with
 * netif_receive_skb_list(), never nested inside the NIC's poll or our
 * transmit path. Generic mode queues each skb to the per-CPU backlog with
 * netif_rx(). Either way __netif_receive_skb_core() shows each frame to
 * the packet taps (global and per-device ptype_all) with the packet type we
 * set, runs tc ingress, and then calls our rx_handler, which counts and
 * consumes the skb, so that no protocol handler (IPv4, IPv6, ARP) ever sees
 * it. The slow path (a tc program redirecting with BPF_F_INGRESS) queues
 * its skbs to the backlog without passing through us: the rx_handler counts
 * those too. Closing the device turns the queues off, waits a grace period
 * for the xmit calls that saw them on, disables the NAPIs and frees what is
 * still queued, counted as rx_drop_down; the NAPIs are deleted at uninit.
 * Holding the rx_handler slot also keeps vtap devices out of bridges,
 * bonds and macvlans, and NETIF_F_VLAN_CHALLENGED keeps VLAN devices off
 * them: nothing can forward the monitored frames elsewhere. dev_queue_xmit_nit() would show frames
 * as outgoing and skip the PACKET_IGNORE_OUTGOING sockets, so it is not used.
 *
 * When no packet tap exists at all (dev_nit_active() is false), a frame is
 * only counted: no skb is built. Any ETH_P_ALL socket of the namespace,
 * on any device (tcpdump -i any), counts as a tap.
 *
 * Quiet: no IPv6 (IFF_NO_ADDRCONF where the kernel has it, disable_ipv6
 * on every event that makes addrconf start again) and no IP address at all
 * (the address validators refuse them), so the host has nothing of its own
 * to send here. Frames sent anyway have passed the taps as outgoing before
 * ndo_start_xmit: vtapctl drops them earlier, at tc egress.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/if_vlan.h>
#include <linux/inetdevice.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/rtnetlink.h>
#include <linux/u64_stats_sync.h>
#include <linux/version.h>
#include <net/addrconf.h>
#include <net/rtnetlink.h>
#include <net/xdp.h>

#include "vtap_abi.h"

#define DRV_NAME	VTAP_MODULE_NAME
#ifndef VTAP_VERSION
#define VTAP_VERSION	"0"
#endif

/* Large enough for 9000-byte jumbo inner frames and AWS's 9001. */
#define VTAP_DEFAULT_MTU	9216
/* Frame length allowed on top of the MTU, as is_skb_forwardable() does. */
#define VTAP_MAX_HDR_LEN	(ETH_HLEN + VLAN_HLEN)
/* Frames a CPU's receive queue holds before it drops (netif_rx's default). */
#define VTAP_RQ_LEN		1000
/* Frames of one ndo_xdp_xmit() turned into skbs together (devmap's bulk). */
#define VTAP_XMIT_BULK		16

static int vtap_numdevs = 1;
module_param_named(numdevs, vtap_numdevs, int, 0444);
MODULE_PARM_DESC(numdevs, "Number of vtap devices (vtap0, ...) created at load");

/*
 * Per-CPU counters, X(name): beyond rx packets and bytes, one per reason a
 * frame was handed to us and not delivered, plus frames that were counted
 * only because nothing listened. rx_drop_backlog is also in the core's own
 * rx_dropped (netif_rx() counts it), so it is not added again;
 * rx_drop_queue, a full receive queue of ours, is.
 */
#define VTAP_STATS(X)				\
	X(rx_packets)				\
	X(rx_bytes)				\
	X(rx_no_listener)			\
	X(rx_drop_oversize)			\
	X(rx_drop_nomem)			\
	X(rx_drop_backlog)			\
	X(rx_drop_queue)			\
	X(rx_drop_down)				\
	X(tx_drop_local)

#define VTAP_STAT_ENUM(name) VTAP_STAT_##name,
enum vtap_stat {
	VTAP_STATS(VTAP_STAT_ENUM)
	VTAP_NR_STATS
};
#undef VTAP_STAT_ENUM

#define VTAP_STAT_NAME(name) #name,
static const char vtap_stat_names[VTAP_NR_STATS][ETH_GSTRING_LEN] = {
	VTAP_STATS(VTAP_STAT_NAME)
};
#undef VTAP_STAT_NAME

struct vtap_pcpu_stats {
	u64_stats_t		cnt[VTAP_NR_STATS];
	struct u64_stats_sync	syncp;
};

/*
 * One receive queue per CPU: ndo_xdp_xmit() queues the skbs it built on
 * the CPU it runs on and schedules that CPU's NAPI, which hands them to
 * the stack as a list. The lock only matters for threaded NAPI, where the
 * poll may run on another CPU.
 */
struct vtap_rq {
	struct napi_struct	napi;
	struct sk_buff_head	queue;
} ____cacheline_aligned_in_smp;

struct vtap_priv {
	struct vtap_pcpu_stats __percpu *stats;
	struct vtap_rq		*rq;		/* nr_cpu_ids of them */
	bool			rq_on;		/* NAPI enabled, queues take skbs */
};

static void vtap_count(struct net_device *dev, const u64 *delta)
{
	struct vtap_priv *priv = netdev_priv(dev);
	struct vtap_pcpu_stats *stats;
	int i;

	/* The xmit paths and the rx_handler run with bottom halves off: no
	 * other writer on this CPU. */
	stats = this_cpu_ptr(priv->stats);
	u64_stats_update_begin(&stats->syncp);
	for (i = 0; i < VTAP_NR_STATS; i++)
		if (delta[i])
			u64_stats_add(&stats->cnt[i], delta[i]);
	u64_stats_update_end(&stats->syncp);
}

static void vtap_sum_stats(struct net_device *dev, u64 *sum)
{
	struct vtap_priv *priv = netdev_priv(dev);
	int cpu, i;

	memset(sum, 0, sizeof(*sum) * VTAP_NR_STATS);
	for_each_possible_cpu(cpu) {
		const struct vtap_pcpu_stats *stats = per_cpu_ptr(priv->stats, cpu);
		u64 snap[VTAP_NR_STATS];
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&stats->syncp);
			for (i = 0; i < VTAP_NR_STATS; i++)
				snap[i] = u64_stats_read(&stats->cnt[i]);
		} while (u64_stats_fetch_retry(&stats->syncp, start));
		for (i = 0; i < VTAP_NR_STATS; i++)
			sum[i] += snap[i];
	}
}

static u32 vtap_max_frame_len(const struct net_device *dev)
{
	return READ_ONCE(dev->mtu) + VTAP_MAX_HDR_LEN;
}

/*
 * Hands one frame to the backlog. VTAP_NR_STATS: queued, the rx_handler
 * counts it; else the counter it belongs to.
 */
static enum vtap_stat vtap_deliver(struct sk_buff *skb)
{
	if (unlikely(netif_rx(skb) == NET_RX_DROP))
		return VTAP_STAT_rx_drop_backlog;
	return VTAP_NR_STATS;
}

/*
 * The packet type the XDP program asked for in the frame's metadata, which
 * ends at data: PACKET_OUTGOING for what the tapped NIC sent, PACKET_HOST
 * for what it received; -1 to keep what eth_type_trans() said. Only
 * exactly a struct vtap_xdp_meta with its magic counts: another program's
 * metadata is never taken for ours.
 */
static int vtap_meta_pkt_type(const void *data, unsigned int metasize)
{
	struct vtap_xdp_meta meta;

	if (metasize != sizeof(meta))
		return -1;
	memcpy(&meta, data - sizeof(meta), sizeof(meta));
	if (meta.magic != VTAP_META_MAGIC)
		return -1;
	switch (meta.dir) {
	case VTAP_DIR_FROM:
		return PACKET_OUTGOING;
	case VTAP_DIR_TO:
		return PACKET_HOST;
	}
	return -1;
}

/* One outcome of a frame of len bytes, as vtap_deliver() and the checks say. */
static void vtap_add(u64 *delta, enum vtap_stat outcome, unsigned int len)
{
	if (outcome == VTAP_NR_STATS)
		return;
	delta[outcome]++;
	if (outcome == VTAP_STAT_rx_no_listener) {
		delta[VTAP_STAT_rx_packets]++;
		delta[VTAP_STAT_rx_bytes] += len;
	}
}

/*
 * Queues skbs built on this CPU to its receive queue, as many as it has
 * room for; returns how many did not fit, which the caller frees and
 * counts.
 */
static unsigned int vtap_rq_enqueue(struct vtap_priv *priv,
				    struct sk_buff_head *list)
{
	struct vtap_rq *rq = &priv->rq[smp_processor_id()];
	unsigned int room;

	spin_lock(&rq->queue.lock);
	room = VTAP_RQ_LEN - min_t(u32, skb_queue_len(&rq->queue), VTAP_RQ_LEN);
	while (room-- && !skb_queue_empty(list))
		__skb_queue_tail(&rq->queue, __skb_dequeue(list));
	spin_unlock(&rq->queue.lock);
	napi_schedule(&rq->napi);
	return skb_queue_len(list);
}

/* Builds skbs for frames[0..n), n <= VTAP_XMIT_BULK, onto list. */
static void vtap_build_skbs(struct net_device *dev, struct xdp_frame **frames,
			    int n, struct sk_buff_head *list, u64 *delta)
{
	void *skbs[VTAP_XMIT_BULK];
	int i;

	if (unlikely(xdp_alloc_skb_bulk(skbs, n, GFP_ATOMIC))) {
		for (i = 0; i < n; i++) {
			delta[VTAP_STAT_rx_drop_nomem]++;
			xdp_return_frame(frames[i]);
		}
		return;
	}
	for (i = 0; i < n; i++) {
		struct xdp_frame *frame = frames[i];
		int pkt_type = vtap_meta_pkt_type(frame->data, frame->metasize);
		struct sk_buff *skb;

		/* On success the skb owns the frame's memory. */
		skb = __xdp_build_skb_from_frame(frame, skbs[i], dev);
		if (unlikely(!skb)) {
			delta[VTAP_STAT_rx_drop_nomem]++;
			xdp_return_frame(frame);
			continue;
		}
		if (pkt_type >= 0)
			skb->pkt_type = pkt_type;
		__skb_queue_tail(list, skb);
	}
}

/*
 * Native XDP: frames redirected by a program on another device, in bulks
 * of up to DEV_MAP_BULK_SIZE, with bottom halves off. Frames for the taps
 * become skbs together and go to this CPU's receive queue in one go.
 */
static int vtap_xdp_xmit(struct net_device *dev, int n,
			 struct xdp_frame **frames, u32 flags)
{
	struct vtap_priv *priv = netdev_priv(dev);
	struct xdp_frame *bulk[VTAP_XMIT_BULK];
	u32 max_len = vtap_max_frame_len(dev);
	u64 delta[VTAP_NR_STATS] = {};
	struct sk_buff_head list;
	unsigned int nb = 0;
	bool on, taps;
	int i;

	if (unlikely(flags & ~XDP_XMIT_FLAGS_MASK))
		return -EINVAL;

	/*
	 * Queues seen on here stay enabled until we return: vtap_stop()
	 * waits a grace period after turning them off, before it disables
	 * NAPI and empties them.
	 */
	on = READ_ONCE(priv->rq_on);
	taps = dev_nit_active(dev);
	__skb_queue_head_init(&list);

	for (i = 0; i < n; i++) {
		struct xdp_frame *frame = frames[i];
		u32 len = xdp_get_frame_len(frame);
		enum vtap_stat outcome;

		if (unlikely(!on)) {
			outcome = VTAP_STAT_rx_drop_down;
		} else if (unlikely(len > max_len)) {
			outcome = VTAP_STAT_rx_drop_oversize;
		} else if (!taps) {
			outcome = VTAP_STAT_rx_no_listener;
		} else {
			bulk[nb++] = frame;
			if (nb == VTAP_XMIT_BULK) {
				vtap_build_skbs(dev, bulk, nb, &list, delta);
				nb = 0;
			}
			continue;
		}
		vtap_add(delta, outcome, len);
		xdp_return_frame(frame);
	}
	if (nb)
		vtap_build_skbs(dev, bulk, nb, &list, delta);

	if (!skb_queue_empty(&list) && vtap_rq_enqueue(priv, &list)) {
		delta[VTAP_STAT_rx_drop_queue] += skb_queue_len(&list);
		__skb_queue_purge(&list);
	}

	vtap_count(dev, delta);
	/* Every frame is consumed: the ones we could not deliver are counted. */
	return n;
}

/* Hands up to budget queued skbs to the stack, as one list. */
static int vtap_poll(struct napi_struct *napi, int budget)
{
	struct vtap_rq *rq = container_of(napi, struct vtap_rq, napi);
	struct sk_buff *skb;
	LIST_HEAD(rx);
	int done = 0;

	spin_lock(&rq->queue.lock);
	while (done < budget && (skb = __skb_dequeue(&rq->queue))) {
		list_add_tail(&skb->list, &rx);
		done++;
	}
	spin_unlock(&rq->queue.lock);

	if (done)
		netif_receive_skb_list(&rx);
	/* An enqueue since we looked makes napi_complete_done() poll again. */
	if (done < budget)
		napi_complete_done(napi, done);
	return done;
}

/*
 * Generic XDP redirect hands us the NIC's skb through generic_xdp_tx(),
 * which does not show it to the taps: an skb received on another device
 * (skb_iif set). Everything else came through dev_queue_xmit(), whose
 * dev_queue_xmit_nit() already showed it to the taps as outgoing: sent
 * from this host (no skb_iif), redirected by a tc program
 * (skb_is_redirected()) or routed here (a dst: we keep it, see
 * vtap_setup()). A monitor port sends nothing, so those are dropped and
 * counted.
 */
static netdev_tx_t vtap_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	u64 delta[VTAP_NR_STATS] = {};
	enum vtap_stat outcome;
	unsigned int len = skb->len;

	if (unlikely(!skb->skb_iif || skb_is_redirected(skb) || skb_dst(skb))) {
		outcome = VTAP_STAT_tx_drop_local;
	} else if (unlikely(!netif_running(dev))) {
		outcome = VTAP_STAT_rx_drop_down;
	} else if (unlikely(len > vtap_max_frame_len(dev) && !skb_is_gso(skb))) {
		outcome = VTAP_STAT_rx_drop_oversize;
	} else if (!dev_nit_active(dev)) {
		outcome = VTAP_STAT_rx_no_listener;
	} else if (unlikely(skb_orphan_frags(skb, GFP_ATOMIC))) {
		outcome = VTAP_STAT_rx_drop_nomem;
	} else {
		/*
		 * Generic XDP keeps the metadata in the headroom in front of
		 * the frame, but records its length only for XDP_PASS (6.1,
		 * 6.12): read it there, where skb->data is the frame's start.
		 */
		int pkt_type = vtap_meta_pkt_type(skb->data,
				skb_headroom(skb) >= sizeof(struct vtap_xdp_meta) ?
				sizeof(struct vtap_xdp_meta) : 0);

		/* What __dev_forward_skb() does once its checks (ours) pass. */
		skb_scrub_packet(skb, false);
		skb->priority = 0;
		skb->protocol = eth_type_trans(skb, dev);
		if (pkt_type >= 0)
			skb->pkt_type = pkt_type;
		skb_postpull_rcsum(skb, eth_hdr(skb), ETH_HLEN);
		outcome = vtap_deliver(skb);
		skb = NULL;
	}

	vtap_add(delta, outcome, len);
	vtap_count(dev, delta);
	if (skb) {
		if (outcome == VTAP_STAT_rx_no_listener)
			consume_skb(skb);	/* counted, nobody listens */
		else
			kfree_skb(skb);
	}
	return NETDEV_TX_OK;
}

/*
 * After the taps have seen a frame: count it as delivered and consume it
 * before any protocol does. The Ethernet header was pulled, and a VLAN tag
 * may have been moved out of the frame into the skb.
 */
static rx_handler_result_t vtap_handle_frame(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	u64 delta[VTAP_NR_STATS] = {};

	delta[VTAP_STAT_rx_packets] = 1;
	delta[VTAP_STAT_rx_bytes] = skb->len + skb->mac_len +
				    (skb_vlan_tag_present(skb) ? VLAN_HLEN : 0);
	vtap_count(skb->dev, delta);
	consume_skb(skb);
	return RX_HANDLER_CONSUMED;
}

static void vtap_get_stats64(struct net_device *dev,
			     struct rtnl_link_stats64 *s)
{
	u64 sum[VTAP_NR_STATS];

	vtap_sum_stats(dev, sum);
	s->rx_packets = sum[VTAP_STAT_rx_packets];
	s->rx_bytes = sum[VTAP_STAT_rx_bytes];
	/* The core adds its own rx_dropped, which has rx_drop_backlog. */
	s->rx_dropped = sum[VTAP_STAT_rx_drop_oversize] +
			sum[VTAP_STAT_rx_drop_nomem] +
			sum[VTAP_STAT_rx_drop_queue] +
			sum[VTAP_STAT_rx_drop_down];
	s->rx_length_errors = sum[VTAP_STAT_rx_drop_oversize];
	s->tx_dropped = sum[VTAP_STAT_tx_drop_local];
}

static int vtap_dev_init(struct net_device *dev)
{
	struct vtap_priv *priv = netdev_priv(dev);
	int cpu, err;

	priv->stats = alloc_percpu(struct vtap_pcpu_stats);
	if (!priv->stats)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(priv->stats, cpu)->syncp);

	priv->rq = kcalloc(nr_cpu_ids, sizeof(*priv->rq), GFP_KERNEL);
	if (!priv->rq) {
		err = -ENOMEM;
		goto err_free;
	}
	/* Added disabled: napi_schedule() does nothing until vtap_open(). */
	for_each_possible_cpu(cpu) {
		skb_queue_head_init(&priv->rq[cpu].queue);
		netif_napi_add(dev, &priv->rq[cpu].napi, vtap_poll);
	}

	err = netdev_rx_handler_register(dev, vtap_handle_frame, NULL);
	if (err)
		goto err_napi;
	return 0;

err_napi:
	for_each_possible_cpu(cpu)
		netif_napi_del(&priv->rq[cpu].napi);
	kfree(priv->rq);
	priv->rq = NULL;
err_free:
	free_percpu(priv->stats);
	priv->stats = NULL;
	return err;
}

/* The device is closed: its NAPIs are disabled and its queues empty. */
static void vtap_dev_uninit(struct net_device *dev)
{
	struct vtap_priv *priv = netdev_priv(dev);
	int cpu;

	for_each_possible_cpu(cpu)
		__netif_napi_del(&priv->rq[cpu].napi);
	/* No poll runs any more before the rq array is freed. */
	synchronize_net();
	netdev_rx_handler_unregister(dev);
}

/* Frees what ndo_init allocated, once the last reference is gone. */
static void vtap_dev_free(struct net_device *dev)
{
	struct vtap_priv *priv = netdev_priv(dev);

	kfree(priv->rq);
	free_percpu(priv->stats);
}

static int vtap_open(struct net_device *dev)
{
	struct vtap_priv *priv = netdev_priv(dev);
	int cpu;

	for_each_possible_cpu(cpu)
		napi_enable(&priv->rq[cpu].napi);
	/* Pairs with the READ_ONCE() in vtap_xdp_xmit(): NAPI first. */
	smp_store_release(&priv->rq_on, true);
	netif_carrier_on(dev);
	return 0;
}

static int vtap_stop(struct net_device *dev)
{
	struct vtap_priv *priv = netdev_priv(dev);
	u64 delta[VTAP_NR_STATS] = {};
	int cpu;

	netif_carrier_off(dev);
	/*
	 * ndo_xdp_xmit runs with bottom halves off, an RCU read-side section:
	 * after the grace period none still sees the queues on, and nothing
	 * schedules our NAPIs. Then disable them (waiting for a running
	 * poll) and free what is still queued, as dropped because down.
	 */
	WRITE_ONCE(priv->rq_on, false);
	synchronize_net();
	for_each_possible_cpu(cpu) {
		struct vtap_rq *rq = &priv->rq[cpu];

		napi_disable(&rq->napi);
		delta[VTAP_STAT_rx_drop_down] += skb_queue_len(&rq->queue);
		skb_queue_purge(&rq->queue);
	}
	local_bh_disable();
	vtap_count(dev, delta);
	local_bh_enable();
	return 0;
}

static void vtap_set_rx_mode(struct net_device *dev)
{
}

static const struct net_device_ops vtap_netdev_ops = {
	.ndo_init		= vtap_dev_init,
	.ndo_uninit		= vtap_dev_uninit,
	.ndo_open		= vtap_open,
	.ndo_stop		= vtap_stop,
	.ndo_start_xmit		= vtap_start_xmit,
	.ndo_xdp_xmit		= vtap_xdp_xmit,
	.ndo_get_stats64	= vtap_get_stats64,
	.ndo_set_rx_mode	= vtap_set_rx_mode,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
};

static void vtap_get_drvinfo(struct net_device *dev,
			     struct ethtool_drvinfo *info)
{
	strscpy(info->driver, DRV_NAME, sizeof(info->driver));
	strscpy(info->version, VTAP_VERSION, sizeof(info->version));
	strscpy(info->bus_info, "virtual", sizeof(info->bus_info));
}

static int vtap_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? VTAP_NR_STATS : -EOPNOTSUPP;
}

static void vtap_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	if (sset == ETH_SS_STATS)
		memcpy(data, vtap_stat_names, sizeof(vtap_stat_names));
}

static void vtap_get_ethtool_stats(struct net_device *dev,
				   struct ethtool_stats *stats, u64 *data)
{
	vtap_sum_stats(dev, data);
}

static const struct ethtool_ops vtap_ethtool_ops = {
	.get_drvinfo		= vtap_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_sset_count		= vtap_get_sset_count,
	.get_strings		= vtap_get_strings,
	.get_ethtool_stats	= vtap_get_ethtool_stats,
};

static void vtap_setup(struct net_device *dev)
{
	ether_setup(dev);

	dev->netdev_ops = &vtap_netdev_ops;
	dev->ethtool_ops = &vtap_ethtool_ops;
	dev->needs_free_netdev = true;
	dev->priv_destructor = vtap_dev_free;

	/*
	 * Monitor only: no ARP, no multicast membership, no qdisc, no IPv6
	 * autoconfiguration, no netconsole. A routed skb keeps its dst, so
	 * that vtap_start_xmit() tells it from a generic XDP one.
	 */
	dev->flags |= IFF_NOARP;
	dev->flags &= ~IFF_MULTICAST;
	dev->priv_flags |= IFF_NO_QUEUE | IFF_DONT_BRIDGE | IFF_DISABLE_NETPOLL;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	dev->priv_flags |= IFF_NO_ADDRCONF;
#endif
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	netif_keep_dst(dev);

	dev->features |= NETIF_F_VLAN_CHALLENGED;
#ifdef NETIF_F_LLTX
	dev->features |= NETIF_F_LLTX;
#else
	dev->lltx = true;
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	xdp_set_features_flag(dev, NETDEV_XDP_ACT_NDO_XMIT |
				   NETDEV_XDP_ACT_NDO_XMIT_SG);
#endif

	dev->mtu = VTAP_DEFAULT_MTU;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = ETH_MAX_MTU - VTAP_MAX_HDR_LEN;

	eth_hw_addr_random(dev);
}

static int vtap_validate(struct nlattr *tb[], struct nlattr *data[],
			 struct netlink_ext_ack *extack)
{
	if (tb[IFLA_ADDRESS]) {
		if (nla_len(tb[IFLA_ADDRESS]) != ETH_ALEN) {
			NL_SET_ERR_MSG(extack, "invalid link address length");
			return -EINVAL;
		}
		if (!is_valid_ether_addr(nla_data(tb[IFLA_ADDRESS]))) {
			NL_SET_ERR_MSG(extack, "invalid link address");
			return -EADDRNOTAVAIL;
		}
	}
	return 0;
}

static struct rtnl_link_ops vtap_link_ops __read_mostly = {
	.kind		= VTAP_LINK_KIND,
	.priv_size	= sizeof(struct vtap_priv),
	.setup		= vtap_setup,
	.validate	= vtap_validate,
};

static bool vtap_is_ours(const struct net_device *dev)
{
	return dev->netdev_ops == &vtap_netdev_ops;
}

/*
 * Runs after addrconf's notifier: turn IPv6 off before the device can come
 * up (registered, also when moved to another namespace), and again
 * whenever addrconf makes IPv6 state anew (an MTU below IPv6's minimum and
 * back), so that it sends no router or neighbour solicitation, MLD report
 * or DAD probe of its own. Before 6.2 (no IFF_NO_ADDRCONF), writing
 * net.ipv6.conf.all.disable_ipv6 restarts addrconf with no event here:
 * the address validator below then refuses the link-local address.
 */
static int vtap_netdev_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (!vtap_is_ours(dev))
		return NOTIFY_DONE;
	if (event != NETDEV_REGISTER && event != NETDEV_UP &&
	    event != NETDEV_CHANGEMTU)
		return NOTIFY_DONE;

#if IS_ENABLED(CONFIG_IPV6)
	{
		struct inet6_dev *idev = __in6_dev_get(dev);

		if (idev) {
			WRITE_ONCE(idev->cnf.disable_ipv6, 1);
			WRITE_ONCE(idev->cnf.addr_gen_mode,
				   IN6_ADDR_GEN_MODE_NONE);
		}
	}
#endif
	return NOTIFY_OK;
}

static struct notifier_block vtap_notifier = {
	.notifier_call	= vtap_netdev_event,
	.priority	= ADDRCONF_NOTIFY_PRIORITY - 1,
};

/* No address of any kind: the host must have nothing to send from here. */
static int vtap_refuse_addr(struct net_device *dev,
			    struct netlink_ext_ack *extack)
{
	if (!vtap_is_ours(dev))
		return NOTIFY_DONE;
	NL_SET_ERR_MSG(extack, "vtap devices are monitor-only: no addresses");
	return notifier_from_errno(-EADDRNOTAVAIL);
}

static int vtap_inet_validate(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct in_validator_info *ivi = ptr;

	return vtap_refuse_addr(ivi->ivi_dev->dev, ivi->extack);
}

static struct notifier_block vtap_inet_validator = {
	.notifier_call	= vtap_inet_validate,
};

#if IS_ENABLED(CONFIG_IPV6)
static int vtap_inet6_validate(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	struct in6_validator_info *i6vi = ptr;

	return vtap_refuse_addr(i6vi->i6vi_dev->dev, i6vi->extack);
}

static struct notifier_block vtap_inet6_validator = {
	.notifier_call	= vtap_inet6_validate,
};
#endif

static void vtap_validators_unregister(void)
{
#if IS_ENABLED(CONFIG_IPV6)
	unregister_inet6addr_validator_notifier(&vtap_inet6_validator);
#endif
	unregister_inetaddr_validator_notifier(&vtap_inet_validator);
}

static int vtap_validators_register(void)
{
	int err = register_inetaddr_validator_notifier(&vtap_inet_validator);

#if IS_ENABLED(CONFIG_IPV6)
	if (!err) {
		err = register_inet6addr_validator_notifier(&vtap_inet6_validator);
		if (err)
			unregister_inetaddr_validator_notifier(&vtap_inet_validator);
	}
#endif
	return err;
}

static int __init vtap_init_one(void)
{
	struct net_device *dev;
	int err;

	dev = alloc_netdev(sizeof(struct vtap_priv), "vtap%d", NET_NAME_ENUM,
			   vtap_setup);
	if (!dev)
		return -ENOMEM;

	dev->rtnl_link_ops = &vtap_link_ops;
	err = register_netdevice(dev);
	if (err)
		goto err_free;
	return 0;

err_free:
	free_netdev(dev);
	return err;
}

static int __init vtap_init_module(void)
{
	int i, err;

	if (vtap_numdevs < 0 || vtap_numdevs > 1024) {
		pr_err("numdevs=%d out of range 0..1024\n", vtap_numdevs);
		return -EINVAL;
	}

	err = vtap_validators_register();
	if (err)
		return err;

	err = register_netdevice_notifier(&vtap_notifier);
	if (err)
		goto err_validators;

	err = rtnl_link_register(&vtap_link_ops);
	if (err)
		goto err_notifier;

	rtnl_lock();
	for (i = 0; i < vtap_numdevs && !err; i++) {
		err = vtap_init_one();
		cond_resched();
	}
	rtnl_unlock();
	if (err)
		goto err_link;
	return 0;

err_link:
	/* Also unregisters the devices made so far. */
	rtnl_link_unregister(&vtap_link_ops);
err_notifier:
	unregister_netdevice_notifier(&vtap_notifier);
err_validators:
	vtap_validators_unregister();
	return err;
}

static void __exit vtap_cleanup_module(void)
{
	rtnl_link_unregister(&vtap_link_ops);
	unregister_netdevice_notifier(&vtap_notifier);
	vtap_validators_unregister();
}

module_init(vtap_init_module);
module_exit(vtap_cleanup_module);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Monitor-only network device for XDP-decapsulated tap traffic");
MODULE_VERSION(VTAP_VERSION);
MODULE_ALIAS_RTNL_LINK(VTAP_LINK_KIND);

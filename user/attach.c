// SPDX-License-Identifier: GPL-2.0
/* attach and detach: load, configure, attach and pin; undo on failure. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "vtap_abi.h"
#include "vtap.skel.h"
#include "vtap_monitor.skel.h"
#include "args.h"
#include "attachment.h"
#include "backend.h"
#include "health.h"
#include "log.h"
#include "lost.h"
#include "pins.h"
#include "vtapctl.h"
#include "xdp_meta.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

bool have_cap(unsigned int cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

bool check_privileges(const char *what)
{
	if (have_cap(CAP_NET_ADMIN) && (have_cap(CAP_BPF) || have_cap(CAP_SYS_ADMIN)))
		return true;
	pr_warn("%s: permission denied (needs root, or CAP_NET_ADMIN and CAP_BPF)\n", what);
	return false;
}

/* ---- who else uses a target ------------------------------------------- */

struct target_users {
	const char *root, *target, *skip_ifname;
	char first[VTAP_IFNAMSIZ];	/* another attachment using it */
	int count;
};

static int count_target_user(const char *ifname, void *ctx)
{
	struct target_users *u = ctx;
	struct attachment a;

	if (!strcmp(ifname, u->skip_ifname))
		return 0;
	if (!attachment_open(u->root, ifname, false, &a) && attachment_uses(&a, u->target)) {
		if (!u->count++)
			snprintf(u->first, sizeof(u->first), "%s", ifname);
	}
	attachment_close(&a);
	return 0;
}

static int other_users(const char *root, const char *target, const char *ifname, char *first)
{
	struct target_users u = { .root = root, .target = target, .skip_ifname = ifname };

	pin_for_each(root, count_target_user, &u);
	if (first)
		snprintf(first, VTAP_IFNAMSIZ, "%s", u.first);
	return u.count;
}

static __u64 host_memory(void)
{
	struct sysinfo si;

	return sysinfo(&si) ? 0 : (__u64)si.totalram * si.mem_unit;
}

/* Why ifname is one of vtap's own devices, or NULL. They carry what vtap
 * already decapsulated: a program on them would take vtap's output for
 * input, or be vtap's own monitor program mistaken for a foreign one. */
static const char *own_device(const struct attach_opts *o)
{
	char driver[32], peer[VTAP_IFNAMSIZ];
	size_t n = strlen(o->ifname), feed = strlen("-feed");

	if (!strcmp(o->ifname, o->target))
		return "it is the monitor device (--target)";
	if (other_users(o->pin_root, o->ifname, o->ifname, NULL))
		return "it is the monitor device of another attachment";
	if (!dev_driver(o->ifname, driver, sizeof(driver)) && !strcmp(driver, VTAP_MODULE_NAME))
		return "it is a vtap monitor device";
	if (dev_made_by_vtapctl(o->ifname))
		return "vtapctl made it (a monitor or slow-path device)";
	if (n > feed && !strcmp(o->ifname + n - feed, "-feed")) {
		snprintf(peer, sizeof(peer), "%.*s", (int)(n - feed), o->ifname);
		if (dev_made_by_vtapctl(peer))
			return "it feeds a monitor device that vtapctl made";
	}
	return NULL;
}

static void tx_drop_detach(const char *dev);

/* The links on the target that make it monitor-only (monitor_attach). */
static const char *const monitor_pins[] = { VTAP_PIN_MONITOR_LINK, VTAP_PIN_MONITOR_TC,
					    VTAP_PIN_TX_DROP, VTAP_PIN_FEED_RX_DROP,
					    VTAP_PIN_FEED_TX_DROP };

/* The suffix of a route device's monitor pins (monitor_attach). */
static void route_pin_suffix(__u32 ifindex, char *buf, size_t len)
{
	snprintf(buf, len, "_if%u", ifindex);
}

/* Renames a device's monitor pins, from_sfx in from_dir to to_sfx in to_dir. */
static void move_monitor_pins(const char *from_dir, const char *from_sfx, const char *to_dir,
			      const char *to_sfx)
{
	char from[PATH_MAX], to[PATH_MAX], name[64];

	for (size_t i = 0; i < sizeof(monitor_pins) / sizeof(monitor_pins[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", monitor_pins[i], from_sfx);
		if (pin_path(from_dir, name, from, sizeof(from)) || access(from, F_OK))
			continue;
		snprintf(name, sizeof(name), "%s%s", monitor_pins[i], to_sfx);
		if (!pin_path(to_dir, name, to, sizeof(to)))
			rename(from, to);
	}
}

static void unlink_monitor_pins(const char *dir, const char *sfx)
{
	char path[PATH_MAX], name[64];

	for (size_t i = 0; i < sizeof(monitor_pins) / sizeof(monitor_pins[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", monitor_pins[i], sfx);
		if (!pin_path(dir, name, path, sizeof(path)))
			unlink(path);
	}
}

/* A device vtapctl created goes when its last attachment goes. Its
 * monitor links (pins named with sfx) move to an attachment that still
 * uses it. */
static void release_dev(const char *root, const struct attachment *a, const char *dev,
			int backend, const char *sfx)
{
	char other[VTAP_IFNAMSIZ], to_dir[PATH_MAX];

	if (other_users(root, dev, a->ifname, other)) {
		if (!pin_dir(root, other, to_dir, sizeof(to_dir)))
			move_monitor_pins(a->dir, sfx, to_dir, sfx);
		return;
	}
	if (dev_made_by_vtapctl(dev))
		target_delete(dev);
	else if (backend == VTAP_BACKEND_KMOD)
		tx_drop_detach(dev);
	/* A route's device released while the attachment stays (--replace):
	 * its links go now, not with the folder (an existing device is left
	 * as it was; a deleted one's links would stay pinned, defunct). */
	if (sfx[0])
		unlink_monitor_pins(a->dir, sfx);
}

/* Whether a run of attach with o delivers to dev. */
static bool opts_use(const struct attach_opts *o, const char *dev)
{
	if (!strcmp(o->target, dev))
		return true;
	for (unsigned int i = 0; i < o->nr_routes; i++)
		if (!strcmp(o->routes[i].dev, dev))
			return true;
	return false;
}

static void release_target(const char *root, const struct attachment *a)
{
	release_dev(root, a, a->cfg.info.target, a->cfg.info.backend, "");
}

/* The route devices of a, except those keep (a replace's new settings)
 * still delivers to. */
static void release_routes(const char *root, const struct attachment *a,
			   const struct attach_opts *keep)
{
	struct vtap_slot slots[VTAP_MAX_SLOTS];
	unsigned int n = read_slots(a, slots);
	char sfx[32];

	for (unsigned int i = 1; i < n; i++) {
		route_pin_suffix(slots[i].ifindex, sfx, sizeof(sfx));
		if (keep && opts_use(keep, slots[i].name)) {
			/* Made again (a repair): the pins of the device that was. */
			if (if_nametoindex(slots[i].name) != slots[i].ifindex)
				unlink_monitor_pins(a->dir, sfx);
			continue;
		}
		release_dev(root, a, slots[i].name, slots[i].backend, sfx);
	}
}

/* What every device frames go to takes: the smallest MTU, the Ethernet
 * header and one VLAN tag (as the kernel's own redirect check allows); 0
 * when unknown: no limit. One limit for all: a frame too big for one
 * device is too big, whichever device its route picks (simple, and said
 * in the README). */
static __u32 targets_max_frame(const struct target *t, const struct target *rt, unsigned int n)
{
	int mtu = dev_mtu(t->name), m;

	for (unsigned int i = 1; i < n; i++) {
		m = dev_mtu(rt[i].name);
		if (m > 0 && (mtu <= 0 || m < mtu))
			mtu = m;
	}
	return mtu > 0 ? mtu + 14 + 4 : 0;
}

/* ---- the monitor programs on the target ---------------------------------- */

#ifndef BPF_TCX_INGRESS
#define VTAP_BPF_TCX_INGRESS 46		/* enum bpf_attach_type, Linux 6.6 */
#define VTAP_BPF_TCX_EGRESS 47
#else
#define VTAP_BPF_TCX_INGRESS BPF_TCX_INGRESS
#define VTAP_BPF_TCX_EGRESS BPF_TCX_EGRESS
#endif

/* A pin left from a vtap0 that was deleted is stale: vtap0 had no XDP
 * program, so whatever is pinned under that name is replaced. */
static int pin_link(int link_fd, const char *dir, const char *name, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int ret = pin_path(dir, name, path, sizeof(path));

	if (!ret) {
		unlink(path);
		if (bpf_obj_pin(link_fd, path))
			ret = -errno;
	}
	if (ret)
		snprintf(err, errlen, "can't pin %s: %s", path, strerror(-ret));
	return ret;
}

/* The clsact filter that stands in for a tcx link before Linux 6.6. */
#define VTAP_TC_HANDLE	1
#define VTAP_TC_PRIO	1

/* A tc program at one hook of dev: a tcx link pinned as pin (6.6+, gone
 * with the pin), else a clsact filter, which lives as long as dev. */
static int tc_attach(int prog_fd, const char *dev, bool egress, const char *dir,
		     const char *pin, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = if_nametoindex(dev),
		    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, topts, .prog_fd = prog_fd, .handle = VTAP_TC_HANDLE,
		    .priority = VTAP_TC_PRIO, .flags = BPF_TC_F_REPLACE);
	int link_fd, ret;

	link_fd = bpf_link_create(prog_fd, hook.ifindex,
				  egress ? VTAP_BPF_TCX_EGRESS : VTAP_BPF_TCX_INGRESS, NULL);
	if (link_fd >= 0) {
		ret = pin_link(link_fd, dir, pin, err, errlen);
		close(link_fd);
		return ret;
	}
	ret = bpf_tc_hook_create(&hook);
	if (ret && ret != -EEXIST) {
		snprintf(err, errlen, "can't add clsact to %s: %s", dev, strerror(-ret));
		return ret;
	}
	ret = bpf_tc_attach(&hook, &topts);
	if (ret)
		snprintf(err, errlen, "can't attach tc %s to %s: %s", egress ? "egress" : "ingress",
			 dev, strerror(-ret));
	return ret;
}

/* The clsact egress filter tc_attach() left on a target vtapctl did not
 * make (its pinned tcx link goes with the pins). */
static void tx_drop_detach(const char *dev)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = if_nametoindex(dev),
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, topts, .handle = VTAP_TC_HANDLE, .priority = VTAP_TC_PRIO);

	if (hook.ifindex)
		bpf_tc_detach(&hook, &topts);
}

/* Is the monitor's drop program at dev's tc egress? */
static bool tx_drop_present(const char *dev)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = if_nametoindex(dev),
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, topts, .handle = VTAP_TC_HANDLE, .priority = VTAP_TC_PRIO);
	LIBBPF_OPTS(bpf_prog_query_opts, q);
	__u32 ids[16];

	q.prog_ids = ids;
	q.prog_cnt = sizeof(ids) / sizeof(ids[0]);
	if (!bpf_prog_query_opts(hook.ifindex, VTAP_BPF_TCX_EGRESS, &q)) {
		for (__u32 i = 0; i < q.prog_cnt; i++) {
			struct bpf_prog_info info = {};
			__u32 len = sizeof(info);
			int fd = bpf_prog_get_fd_by_id(ids[i]);
			bool ours;

			if (fd < 0)
				continue;
			ours = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
			       !strncmp(info.name, "vtap_monitor_tc", sizeof(info.name));
			close(fd);
			if (ours)
				return true;
		}
		return false;
	}
	return !bpf_tc_query(&hook, &topts);
}

/* The monitor links of a --replace to another target are pinned under
 * these names until the swap is done: the old target's pins keep its
 * programs running should the replace fail. */
#define MONITOR_STAGED "_new"

static void monitor_pins_commit(const char *dir, bool commit)
{
	char from[PATH_MAX], to[PATH_MAX];

	for (size_t i = 0; i < sizeof(monitor_pins) / sizeof(monitor_pins[0]); i++) {
		if (pin_path(dir, monitor_pins[i], to, sizeof(to)) ||
		    snprintf(from, sizeof(from), "%s" MONITOR_STAGED, to) >= (int)sizeof(from) ||
		    access(from, F_OK))
			continue;
		if (commit)
			rename(from, to);
		else
			unlink(from);
	}
}

/*
 * vtap0 is monitor-only. Both backends: what the host sends on it is
 * dropped at tc egress, before dev_queue_xmit_nit() shows it to the taps.
 * The veth backend also needs: XDP on vtap0 (else the frames redirected
 * into its peer are dropped), a drop at vtap0's tc ingress after the taps
 * (else they reach the IP stack), and drops at both tc hooks of the feed
 * (what the host sends on vtap0 past tc reaches the stack there, what the
 * stack sends on the feed shows on vtap0). The fast path's redirects into
 * the feed pass no tc hook. One program, loaded once, at every hook.
 */
static int monitor_attach(const struct target *t, const char *dir, const char *sfx, char *err,
			  size_t errlen)
{
	char name[64];
	LIBBPF_OPTS(bpf_link_create_opts, lopts, .flags = XDP_FLAGS_DRV_MODE);
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct vtap_monitor_bpf *skel;
	int ifindex = if_nametoindex(t->name), link_fd = -1, ret, drop_fd;

	if (t->backend != VTAP_BACKEND_KMOD && t->backend != VTAP_BACKEND_VETH)
		return 0;
	/* Already set up (a shared target, or --replace): nothing to do. A
	 * target made again after it was deleted has none of them. */
	if (tx_drop_present(t->name))
		return 0;
	skel = vtap_monitor_bpf__open_and_load();
	if (!skel) {
		ret = -errno;
		snprintf(err, errlen, "can't load the monitor programs: %s", strerror(-ret));
		return ret;
	}
	drop_fd = bpf_program__fd(skel->progs.vtap_monitor_tc);
	snprintf(name, sizeof(name), "%s%s", VTAP_PIN_TX_DROP, sfx);
	ret = tc_attach(drop_fd, t->name, true, dir, name, err, errlen);
	if (ret || t->backend != VTAP_BACKEND_VETH)
		goto out;

	/* A vtap0 from before the egress drop has the rest already. */
	if (!bpf_xdp_query(ifindex, 0, &q) && q.attach_mode != XDP_ATTACHED_NONE)
		goto out;
	link_fd = bpf_link_create(bpf_program__fd(skel->progs.vtap_monitor_xdp), ifindex,
				  BPF_XDP, &lopts);
	if (link_fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "can't attach XDP to %s: %s", t->name, strerror(-ret));
		goto out;
	}
	snprintf(name, sizeof(name), "%s%s", VTAP_PIN_MONITOR_LINK, sfx);
	ret = pin_link(link_fd, dir, name, err, errlen);
	snprintf(name, sizeof(name), "%s%s", VTAP_PIN_MONITOR_TC, sfx);
	if (!ret)
		ret = tc_attach(drop_fd, t->name, false, dir, name, err, errlen);
	snprintf(name, sizeof(name), "%s%s", VTAP_PIN_FEED_RX_DROP, sfx);
	if (!ret)
		ret = tc_attach(drop_fd, t->feed, false, dir, name, err, errlen);
	snprintf(name, sizeof(name), "%s%s", VTAP_PIN_FEED_TX_DROP, sfx);
	if (!ret)
		ret = tc_attach(drop_fd, t->feed, true, dir, name, err, errlen);
out:
	if (link_fd >= 0)
		close(link_fd);
	vtap_monitor_bpf__destroy(skel);
	return ret;
}

/* ---- the slow path: outer fragments and IPv6 extension headers ---------- */

/*
 * What XDP can't decapsulate (outer fragments, IPv6 extension headers) the
 * program steers to a UDP port of this attachment's own (slow_steer); the
 * kernel reassembles it, a device in collect-metadata mode on that port
 * decapsulates it (vxlan for VXLAN; geneve for GENEVE, where the kernel has
 * the driver) and the program's tc half (vtap_slowpath, or
 * vtap_slowpath_geneve) filters, counts and redirects from its ingress.
 * Each attachment owns its devices, so nothing is shared between
 * attachments and the tapped ports stay free for whoever else uses them on
 * other NICs.
 */
struct slowpath {
	int encap;			/* enum vtap_encap */
	char dev[VTAP_IFNAMSIZ];	/* to record in the config */
	__u16 port;			/* its UDP port, host order */
	bool created;			/* made by this call: undo */
};

/* An attachment has one of each, indexed by enum vtap_encap. */
#define NR_SLOWPATHS	(VTAP_ENCAP_GENEVE + 1)

/* The device an attachment records for encap's slow path, and its port. */
static const char *slow_dev_of(const struct attachment *a, int encap)
{
	return encap == VTAP_ENCAP_GENEVE ? a->cfg.info.geneve_slow_dev : a->cfg.info.slow_dev;
}

static __u16 slow_port_of(const struct attachment *a, int encap)
{
	return ntohs(encap == VTAP_ENCAP_GENEVE ? a->cfg.settings.geneve_slow_port_net :
						  a->cfg.settings.slow_port_net);
}

static int slow_prog_fd(const struct vtap_bpf *skel, int encap)
{
	return bpf_program__fd(encap == VTAP_ENCAP_GENEVE ? skel->progs.vtap_slowpath_geneve :
							    skel->progs.vtap_slowpath);
}

static void slowpath_undo(struct slowpath *sp)
{
	if (sp->created)
		target_delete(sp->dev);
}

/* A replace keeps the old device and its port (unless --slow-port asks
 * for another). Without a device the program steers nothing and fragments
 * reach the stack as before, so a device that can't be made only warns
 * (once: the GENEVE one on every kernel without a geneve driver); but a
 * --slow-port that can't be had fails the attach. GENEVE's is made only
 * for a --geneve-port, on a port the kernel picks. */
static int slowpath_prepare(const struct attach_opts *o, const struct attachment *old, int encap,
			    struct slowpath *sp, char *err, size_t errlen)
{
	__u16 want = encap == VTAP_ENCAP_GENEVE ? 0 : o->slow_port;
	char why[256];
	int ret;

	memset(sp, 0, sizeof(*sp));
	sp->encap = encap;
	if (encap == VTAP_ENCAP_GENEVE && !o->settings.geneve_ports)
		return 0;
	if (old && slow_port_of(old, encap) && if_nametoindex(slow_dev_of(old, encap)) &&
	    (!want || want == slow_port_of(old, encap))) {
		memcpy(sp->dev, slow_dev_of(old, encap), sizeof(sp->dev));
		sp->port = slow_port_of(old, encap);
		return 0;
	}
	sp->port = want;
	ret = encap == VTAP_ENCAP_GENEVE ?
	      geneve_slowpath_create(sp->dev, sizeof(sp->dev), &sp->port, why, sizeof(why)) :
	      slowpath_create(sp->dev, sizeof(sp->dev), &sp->port, why, sizeof(why));
	if (ret) {
		if (want) {
			snprintf(err, errlen, "no slow path on --slow-port %u: %s", want, why);
			memset(sp, 0, sizeof(*sp));
			return -1;
		}
		if (encap == VTAP_ENCAP_GENEVE)
			pr_warn("%s: no slow path for GENEVE (%s): its outer fragments and outer "
				"IPv6 with extension headers reach the stack, counted as "
				"geneve_unsteered\n", o->ifname, why);
		else
			pr_warn("%s: no slow path (%s): outer fragments reach the stack\n",
				o->ifname, why);
		memset(sp, 0, sizeof(*sp));
		sp->encap = encap;
		return 0;
	}
	sp->created = true;
	return 0;
}

static bool slowpath_kept(const struct slowpath *sp, const struct attachment *old)
{
	return sp->dev[0] && !sp->created && old && !strcmp(slow_dev_of(old, sp->encap), sp->dev);
}

/* The program at a slow-path device's ingress becomes prog_fd. */
static int slowpath_tc(const char *dev, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1, .flags = BPF_TC_F_REPLACE);
	int ret;

	hook.ifindex = if_nametoindex(dev);
	if (!hook.ifindex)
		return -ENODEV;
	ret = bpf_tc_hook_create(&hook);
	if (ret && ret != -EEXIST)
		return ret;
	opts.prog_fd = prog_fd;
	return bpf_tc_attach(&hook, &opts);
}

/* The program running there, held so that it can be put back: once
 * replaced, nothing else holds it. -1 when there is none. */
static int slowpath_prog(const char *dev)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);

	hook.ifindex = if_nametoindex(dev);
	if (!hook.ifindex || bpf_tc_query(&hook, &opts))
		return -1;
	return bpf_prog_get_fd_by_id(opts.prog_id);
}

/* The program is loaded by now and steers to the device's port: a tc hook
 * that can't be had (no sch_ingress or cls_bpf) loses those datagrams. A
 * device the old attachment keeps gets the program at the swap
 * (replace_program), not before. */
static void slowpath_attach(const char *ifname, struct slowpath *sp, struct vtap_bpf *skel,
			    const struct attachment *old)
{
	int ret;

	if (!sp->dev[0] || slowpath_kept(sp, old))
		return;
	ret = slowpath_tc(sp->dev, slow_prog_fd(skel, sp->encap));
	if (ret)
		pr_warn("%s: no slow path on %s (tc: %s): outer fragments are lost\n",
			ifname, sp->dev, strerror(-ret));
}

/* The old attachment's devices, unless the new one keeps them. */
static void slowpath_release(const struct attachment *old, const struct slowpath *keep)
{
	for (int encap = 0; encap < NR_SLOWPATHS; encap++) {
		const char *name = slow_dev_of(old, encap);

		if (name[0] && (!keep || strcmp(keep[encap].dev, name)))
			target_delete(name);
	}
}

/* Whether a socket of this namespace listens on a UDP port (/proc/net
 * follows the reader's network namespace). */
static bool udp_port_in_use(__u16 port)
{
	static const char *const files[] = { "/proc/net/udp", "/proc/net/udp6" };
	char line[512], *colon;
	bool found = false;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]) && !found; i++) {
		FILE *f = fopen(files[i], "re");

		if (!f)
			continue;
		while (!found && fgets(line, sizeof(line), f)) {
			/* "  sl  local_address rem_address ...", address HEX:PORT */
			colon = strchr(line, ':');
			colon = colon ? strchr(colon + 1, ':') : NULL;
			found = colon && strtoul(colon + 1, NULL, 16) == port;
		}
		fclose(f);
	}
	return found;
}

/* The fast path takes what arrives on the NIC for a tapped port, before
 * any socket; say so when one listens there. */
static void warn_port_users(const struct attach_opts *o, int mode)
{
	for (__u32 i = 0; i < o->settings.nr_ports; i++) {
		__u16 port = ntohs(o->settings.ports_net[i]);

		if (!udp_port_in_use(port))
			continue;
		pr_warn("%s: a socket listens on UDP port %u: %s arriving on %s for it goes to "
			"the monitor device instead%s\n", o->ifname, port,
			(o->settings.geneve_ports >> i) & 1 ? "GENEVE" : "VXLAN", o->ifname,
			o->settings.nr_dst ? "" : " (--dst narrows what is taken)");
		if (mode == VTAP_MODE_GENERIC || o->mode == MODE_GENERIC)
			pr_warn("%s: in generic mode, the UDP GRO of a tunnel socket on port %u can "
				"merge tapped segments before XDP sees them: ethtool -K %s gro off\n",
				o->ifname, port, o->ifname);
	}
}

/* ---- loading ------------------------------------------------------------- */

static int reuse_pinned(struct bpf_map *map, const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd, err;

	if (pin_path(dir, name, path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	err = bpf_map__reuse_fd(map, fd);
	close(fd);
	return err;
}

/* What became of the per-source counters when --max-sources changed. */
static char sources_note[256];

/* The route maps and slots: slot 0 is the target, slot i rt[i]. */
static int fill_routes(struct vtap_bpf *skel, const struct attach_opts *o, const struct target *t,
		       const struct target *rt, unsigned int nr_slots, char *err, size_t errlen)
{
	for (__u32 i = 0; i < nr_slots; i++) {
		const struct target *d = i ? &rt[i] : t;
		struct vtap_slot slot = { .ifindex = if_nametoindex(d->name), .backend = d->backend };
		__u32 redirect = d->redirect_ifindex;

		if (d->created || dev_made_by_vtapctl(d->name))
			slot.flags |= VTAP_INFO_TARGET_CREATED;
		snprintf(slot.name, sizeof(slot.name), "%s", d->name);
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.vtap_target), &i, &redirect, 0) ||
		    bpf_map_update_elem(bpf_map__fd(skel->maps.vtap_slots), &i, &slot, 0)) {
			snprintf(err, errlen, "can't set the redirect target %s: %s",
				 d->backend == VTAP_BACKEND_VETH ? d->feed : d->name, strerror(errno));
			return -1;
		}
	}
	for (unsigned int i = 0; i < o->nr_routes; i++) {
		const struct route_spec *rs = &o->routes[i];
		struct vtap_route val = { .slot = 0 };
		int fd;

		for (__u32 j = 1; j < nr_slots; j++)
			if (!strcmp(rt[j].name, rs->dev))
				val.slot = j;
		if (rs->src) {
			val.family = cidr_family(&rs->cidr);
			fd = bpf_map__fd(skel->maps.vtap_route_src);
		} else {
			fd = bpf_map__fd(skel->maps.vtap_route_vni);
		}
		if (bpf_map_update_elem(fd, rs->src ? (const void *)&rs->cidr : (const void *)&rs->vni,
					&val, 0)) {
			snprintf(err, errlen, "can't fill the routes: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

static struct vtap_bpf *load_program(const struct attach_opts *o, const struct target *t,
				     const struct target *rt, unsigned int nr_slots,
				     const struct slowpath *sp, const struct attachment *old,
				     char *err, size_t errlen)
{
	struct vtap_config *cfg;
	struct vtap_bpf *skel;
	__u8 family;
	int ret;

	skel = vtap_bpf__open();
	if (!skel) {
		snprintf(err, errlen, "can't open the XDP program: %s", strerror(errno));
		return NULL;
	}
	cfg = (struct vtap_config *)&skel->rodata_config->vtap_config;
	cfg->settings = o->settings;
	/* The fast path redirects into the feed end of the veth backend, the
	 * slow path into the target's own receive path (BPF_F_INGRESS). */
	cfg->settings.redirect_ifindex = if_nametoindex(t->name);
	cfg->settings.max_frame = targets_max_frame(t, rt, nr_slots);
	cfg->settings.nr_routes = o->nr_routes;
	cfg->settings.nr_src_routes = 0;
	for (unsigned int i = 0; i < o->nr_routes; i++)
		cfg->settings.nr_src_routes += o->routes[i].src;
	cfg->settings.slow_port_net = htons(sp[VTAP_ENCAP_VXLAN].port);
	memcpy(cfg->info.slow_dev, sp[VTAP_ENCAP_VXLAN].dev, sizeof(cfg->info.slow_dev));
	cfg->settings.geneve_slow_port_net = htons(sp[VTAP_ENCAP_GENEVE].port);
	memcpy(cfg->info.geneve_slow_dev, sp[VTAP_ENCAP_GENEVE].dev,
	       sizeof(cfg->info.geneve_slow_dev));
	cfg->info.attached_at = old ? old->cfg.info.attached_at : (__u64)time(NULL);
	cfg->info.ifindex = if_nametoindex(o->ifname);
	cfg->info.backend = t->backend;
	cfg->info.max_sources = o->max_sources;
	if (t->created || dev_made_by_vtapctl(t->name))
		cfg->info.flags |= VTAP_INFO_TARGET_CREATED;
	snprintf(cfg->info.target, sizeof(cfg->info.target), "%s", t->name);
	snprintf(cfg->info.feed, sizeof(cfg->info.feed), "%s", t->feed);
	bpf_map__set_max_entries(skel->maps.vtap_sources, o->max_sources);

	/* --replace keeps the counters: the new program counts in the old maps. */
	if (old) {
		ret = reuse_pinned(skel->maps.vtap_global, old->dir, VTAP_MAP_GLOBAL);
		/* Also with another table size: the caches' counts stay exact
		 * against the copy, and are written back into it. */
		if (!ret && old->cache_fd >= 0)
			ret = reuse_pinned(skel->maps.vtap_src_cache, old->dir, VTAP_MAP_SRC_CACHE);
		if (!ret && old->cfg.info.max_sources == o->max_sources)
			ret = reuse_pinned(skel->maps.vtap_sources, old->dir, VTAP_MAP_SOURCES);
		if (ret) {
			snprintf(err, errlen, "can't reuse the counters: %s", strerror(-ret));
			goto fail;
		}
	}

	ret = vtap_bpf__load(skel);
	if (ret) {
		snprintf(err, errlen, "can't load the XDP program: %s (-v shows the verifier log)",
			 strerror(-ret));
		goto fail;
	}
	if (fill_routes(skel, o, t, rt, nr_slots, err, errlen))
		goto fail;
	/* Another table size: a new table, holding what fits of the old one. */
	if (old && old->cfg.info.max_sources != o->max_sources) {
		__u32 total = 0;

		ret = copy_sources(old->sources_fd, bpf_map__fd(skel->maps.vtap_sources),
				   o->max_sources, &total);
		if (ret < 0) {
			snprintf(err, errlen, "can't copy the per-source counters: %s",
				 strerror(-ret));
			goto fail;
		}
		if ((__u32)ret < total)
			snprintf(sources_note, sizeof(sources_note), "the per-source table holds "
				 "%d of %u sources: the %u least recently seen were dropped to fit "
				 "--max-sources %u (counted in sources_evicted)", ret, total,
				 total - ret, o->max_sources);
		else
			snprintf(sources_note, sizeof(sources_note), "the counters of all %u "
				 "sources were copied to the new per-source table", total);
	}
	for (unsigned int i = 0; i < o->nr_allow; i++) {
		family = cidr_family(&o->allow[i]);
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.vtap_allow_src), &o->allow[i],
					&family, 0)) {
			snprintf(err, errlen, "can't fill the source allow-list: %s",
				 strerror(errno));
			goto fail;
		}
	}
	return skel;
fail:
	vtap_bpf__destroy(skel);
	return NULL;
}

/* bpf_link_create() leaves out the driver's reason (extack); netlink
 * returns it, and libbpf prints it as "Kernel error message: ...". */
static char driver_msg[256];

static int capture_extack(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static const char tag[] = "Kernel error message: ";
	char line[512];
	const char *p;

	(void)level;
	vsnprintf(line, sizeof(line), fmt, ap);
	p = strstr(line, tag);
	if (p) {
		p += sizeof(tag) - 1;
		snprintf(driver_msg, sizeof(driver_msg), "%.*s", (int)strcspn(p, "\n"), p);
	}
	return 0;
}

/* What the driver said when it refused prog_fd in native mode, asked again
 * through netlink; strerror(err) if it said nothing. UPDATE_IF_NOEXIST
 * can't replace anything, and a program that attaches after all (the
 * refusal was transient) is taken off again. */
static const char *native_refusal(int prog_fd, int ifindex, int err)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = prog_fd);
	libbpf_print_fn_t old;

	driver_msg[0] = '\0';
	old = libbpf_set_print(capture_extack);
	if (!bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST,
			    NULL))
		bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, &opts);
	libbpf_set_print(old);
	return driver_msg[0] ? driver_msg : strerror(err);
}

/* Native unless asked otherwise; auto falls back to generic, saying why,
 * when the driver has no native XDP or refuses this program or setup (an
 * MTU or queue limit), not when it is something else (permissions). */
static int attach_xdp(const struct attach_opts *o, int prog_fd, int ifindex, int *mode,
		      char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	int fd, e;

	if (o->mode != MODE_GENERIC) {
		opts.flags = XDP_FLAGS_DRV_MODE;
		fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
		if (fd >= 0) {
			*mode = VTAP_MODE_NATIVE;
			return fd;
		}
		e = errno;
		if (e == EOPNOTSUPP) {
			if (o->mode == MODE_NATIVE) {
				snprintf(err, errlen, "the driver has no native XDP (try --mode generic)");
				return -1;
			}
			pr_warn("%s: native XDP not supported by the driver, using generic mode\n",
				o->ifname);
		} else if (o->mode == MODE_NATIVE ||
			   (e != EINVAL && e != ERANGE && e != ENOSPC && e != E2BIG)) {
			snprintf(err, errlen, "can't attach in native mode: %s",
				 native_refusal(prog_fd, ifindex, e));
			return -1;
		} else {
			pr_warn("%s: native XDP refused by the driver (%s), using generic mode\n",
				o->ifname, native_refusal(prog_fd, ifindex, e));
		}
	}
	opts.flags = XDP_FLAGS_SKB_MODE;
	fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
	if (fd < 0) {
		snprintf(err, errlen, "can't attach in generic mode: %s", strerror(errno));
		return -1;
	}
	*mode = VTAP_MODE_GENERIC;
	return fd;
}

/* Pins (or re-pins, for --replace) every map under its own name. The new
 * pins are made beside the old ones and renamed over them, so a reader
 * never finds a pin missing. */
static const char *const map_pins[] = {
	VTAP_MAP_GLOBAL, VTAP_MAP_SOURCES, VTAP_MAP_ALLOW_SRC, VTAP_MAP_TARGET, VTAP_MAP_CONFIG,
	VTAP_MAP_SRC_CACHE, VTAP_MAP_ROUTE_SRC, VTAP_MAP_ROUTE_VNI, VTAP_MAP_SLOTS,
	VTAP_MAP_SLOT_STATS,
};
#define NR_MAP_PINS (sizeof(map_pins) / sizeof(map_pins[0]))

/* Pins the first n of the maps; *done: how many it did. */
static int pin_map_fds(const int fds[NR_MAP_PINS], size_t n, size_t *done, const char *dir,
		       char *err, size_t errlen)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];

	for (*done = 0; *done < n; (*done)++) {
		size_t i = *done;

		if (pin_path(dir, map_pins[i], path, sizeof(path)))
			return -ENAMETOOLONG;
		snprintf(tmp, sizeof(tmp), "%s_new", path);	/* bpffs: no dots */
		unlink(tmp);
		if (bpf_obj_pin(fds[i], tmp) || rename(tmp, path)) {
			snprintf(err, errlen, "can't pin %s: %s", path, strerror(errno));
			unlink(tmp);
			return -errno;
		}
	}
	return 0;
}

static int pin_maps(struct vtap_bpf *skel, size_t *done, const char *dir, char *err,
		    size_t errlen)
{
	const int fds[NR_MAP_PINS] = {
		bpf_map__fd(skel->maps.vtap_global), bpf_map__fd(skel->maps.vtap_sources),
		bpf_map__fd(skel->maps.vtap_allow_src), bpf_map__fd(skel->maps.vtap_target),
		bpf_map__fd(skel->maps.rodata_config), bpf_map__fd(skel->maps.vtap_src_cache),
		bpf_map__fd(skel->maps.vtap_route_src), bpf_map__fd(skel->maps.vtap_route_vni),
		bpf_map__fd(skel->maps.vtap_slots), bpf_map__fd(skel->maps.vtap_slot_stats),
	};

	return pin_map_fds(fds, NR_MAP_PINS, done, dir, err, errlen);
}

/* The attachment's allow-list, canonical (as attach_opts holds it). */
static unsigned int read_allow_list(const struct attachment *a, struct vtap_lpm_key *keys)
{
	struct vtap_lpm_key key, next, *prev = NULL;
	unsigned int n = 0;

	while (n < VTAP_MAX_ALLOW_SRC && !bpf_map_get_next_key(a->allow_fd, prev, &next)) {
		keys[n++] = next;
		key = next;
		prev = &key;
	}
	allow_canonicalize(keys, &n);
	return n;
}

static int backend_of_req(enum backend_req req)
{
	return req == BACKEND_KMOD ? VTAP_BACKEND_KMOD : req == BACKEND_VETH ? VTAP_BACKEND_VETH : 0;
}

/* Whether o asks for what a runs with; if not, diff (len) says what
 * differs, one "name: old -> new" per setting, joined by sep. */
static bool same_settings(const struct attach_opts *o, const struct attachment *a, int mode,
			  const char *sep, char *diff, size_t len)
{
	static struct vtap_lpm_key old_allow[VTAP_MAX_ALLOW_SRC];
	static struct route_spec old_routes[VTAP_MAX_ROUTES];
	const struct vtap_attach_info *info = &a->cfg.info;
	struct settings_view old = {
		.s = &a->cfg.settings, .allow = old_allow, .target = info->target,
		.max_sources = info->max_sources, .mode = mode, .backend = info->backend,
		.slow_port = ntohs(a->cfg.settings.slow_port_net), .routes = old_routes,
	};
	struct settings_view want = {
		.s = &o->settings, .allow = o->allow, .nr_allow = o->nr_allow,
		.target = o->target, .max_sources = o->max_sources, .mode = o->mode,
		.backend = backend_of_req(o->backend), .slow_port = o->slow_port,
		.routes = o->routes, .nr_routes = o->nr_routes,
	};

	old.nr_allow = read_allow_list(a, old_allow);
	old.nr_routes = read_routes(a, old_routes);
	return !settings_diff(&old, &want, sep, diff, len);
}

/* Pins whose link lost its interface (deleted NIC, or a namespace gone). */
void remove_stale(const char *root, struct attachment *a)
{
	pr_warn("%s: removing the pins of an attachment whose interface went away\n", a->ifname);
	if (a->link_fd >= 0)
		bpf_link_detach(a->link_fd);
	release_target(root, a);
	release_routes(root, a, NULL);
	slowpath_release(a, NULL);
	attachment_close(a);
	pin_dir_remove(a->dir);
}

/* The pins of a live attachment are named after its interface as it was
 * called at attach: after a rename they move to the new name, unless that
 * name has pins of its own. 0: moved (or nothing to move). */
int pins_follow_rename(const char *root, const struct attachment *a)
{
	char now[IF_NAMESIZE], to[PATH_MAX];

	if (!a->link.xdp.ifindex || !if_indextoname(a->link.xdp.ifindex, now) ||
	    !strcmp(now, a->ifname))
		return 0;
	if (pin_dir(root, now, to, sizeof(to)) || !access(to, F_OK) || rename(a->dir, to)) {
		pr_warn("%s: the attachment pinned as %s now runs on %s (renamed), and %s "
			"can't take its pins; 'vtapctl detach %s' stops it\n", a->ifname,
			a->ifname, now, to, a->ifname);
		return -EEXIST;
	}
	pr_warn("%s: now called %s: its pins move to %s\n", a->ifname, now, to);
	return 0;
}

/* What is pinned under o->ifname, identified by the link's ifindex (the
 * namespace is the pin folder's): 1 this interface's attachment, opened
 * into old; 0 none (leftovers removed, a renamed NIC's pins moved
 * away); -1 an error, said. */
static int open_existing(const struct attach_opts *o, int ifindex, struct attachment *old)
{
	char name[VTAP_IFNAMSIZ];
	int ret = attachment_open(o->pin_root, o->ifname, true, old);

	if (!ret && old->link.xdp.ifindex == (__u32)ifindex)
		return 1;
	if (!ret && old->link.xdp.ifindex) {
		/* Another device took the name of an attached NIC that was renamed. */
		if (pins_follow_rename(o->pin_root, old))
			return -1;
		attachment_close(old);
		ret = -ENOENT;
	} else if (!ret) {
		remove_stale(o->pin_root, old);
		ret = -ENOENT;
	}
	if (ret == -ENODATA && old->link.xdp.ifindex) {
		pr_warn("%s: the pins in %s are incomplete while its program runs; "
			"'vtapctl detach %s' removes them\n", o->ifname, old->dir, o->ifname);
		return -1;
	}
	if (ret == -ENODATA || ret == -ENOLINK) {
		pr_warn("%s: removing incomplete pins in %s that no program uses\n", o->ifname,
			old->dir);
		attachment_close(old);
		if (pin_dir_remove(old->dir))
			ret = -ENOTEMPTY;
		else
			ret = -ENOENT;
	}
	if (ret == -ENOENT) {
		attachment_close(old);
		/* This NIC, attached under its name before a rename. */
		if (attachment_find_ifindex(o->pin_root, ifindex, name, sizeof(name)) ||
		    attachment_open(o->pin_root, name, true, old))
			return 0;
		if (pins_follow_rename(o->pin_root, old))
			return -1;
		attachment_close(old);
		return attachment_open(o->pin_root, o->ifname, true, old) ? 0 : 1;
	}
	if (ret == -EACCES || ret == -EPERM)
		pr_warn("%s: %s: permission denied (needs root)\n", o->ifname, old->dir);
	else
		pr_warn("%s: unreadable pins in %s (%s); run 'vtapctl detach %s'\n",
			o->ifname, old->dir, strerror(-ret), o->ifname);
	return -1;
}

static __u32 prog_id(int prog_fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(prog_fd, &info, &len) ? 0 : info.id;
}

int attached_mode(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return 0;
	return q.drv_prog_id ? VTAP_MODE_NATIVE : q.skb_prog_id ? VTAP_MODE_GENERIC : 0;
}

/* A test build (-DVTAP_FAULTS, selftests/net/build.mk) fails the step of
 * --replace that $VTAP_FAULT names; vtapctl itself has no such hook. */
#ifdef VTAP_FAULTS
static bool fault(const char *step)
{
	const char *f = getenv("VTAP_FAULT");

	if (f && !strcmp(f, step)) {
		errno = EIO;
		return true;
	}
	return false;
}
#else
static inline bool fault(const char *step)
{
	(void)step;
	return false;
}
#endif

/* --replace: everything new is made beside the old (target, a new
 * slow-path device and its tc program); then, in order, the map pins, the
 * tc program of a slow-path device both use, and last the XDP program
 * under the pinned link (atomic: each packet sees the old or the new one).
 * A failure puts back what was changed before it, so the old attachment
 * runs on whole: the old maps are held open, the old tc program by id
 * (which takes CAP_SYS_ADMIN; the XDP program needs no holding, as
 * nothing fails after its swap). Only then are the old target and
 * slow-path device released. */
static int replace_program(const struct attach_opts *o, struct attachment *old,
			   struct vtap_bpf *skel, const struct slowpath *sp, const char *dir,
			   char *err, size_t errlen)
{
	const int old_maps[NR_MAP_PINS] = {
		old->global_fd, old->sources_fd, old->allow_fd, old->target_fd, old->config_fd,
		old->cache_fd, old->route_src_fd, old->route_vni_fd, old->slots_fd,
		old->slot_stats_fd,
	};
	bool tc_swapped[NR_SLOWPATHS] = {};
	int old_tc[NR_SLOWPATHS], ret, e;
	size_t pinned = 0;
	char why[256];

	for (e = 0; e < NR_SLOWPATHS; e++)
		old_tc[e] = slowpath_kept(&sp[e], old) ? slowpath_prog(sp[e].dev) : -1;
	ret = pin_maps(skel, &pinned, dir, err, errlen);
	for (e = 0; !ret && e < NR_SLOWPATHS; e++) {
		if (!slowpath_kept(&sp[e], old))
			continue;
		ret = fault("replace-tc") ? -EIO : slowpath_tc(sp[e].dev, slow_prog_fd(skel, e));
		if (ret)
			snprintf(err, errlen, "can't replace the slow path on %s: %s", sp[e].dev,
				 strerror(-ret));
		tc_swapped[e] = !ret;
	}
	if (!ret && (fault("replace-xdp") ||
		     bpf_link_update(old->link_fd, bpf_program__fd(skel->progs.vtap_xdp), NULL))) {
		snprintf(err, errlen, "can't replace the program: %s", strerror(errno));
		ret = -errno;
	}
	if (!ret) {
		if (!opts_use(o, old->cfg.info.target))
			release_target(o->pin_root, old);
		release_routes(o->pin_root, old, o);
		slowpath_release(old, sp);
		goto out;
	}
	/* Back to the old slow paths and pins, whatever failed. */
	for (e = 0; e < NR_SLOWPATHS; e++)
		if (tc_swapped[e] && (old_tc[e] < 0 || slowpath_tc(sp[e].dev, old_tc[e])))
			pr_warn("%s: can't put the slow path on %s back%s\n", o->ifname,
				sp[e].dev, old_tc[e] < 0 ? " (holding it needs CAP_SYS_ADMIN)" : "");
	if (pin_map_fds(old_maps, pinned, &pinned, dir, why, sizeof(why)))
		pr_warn("%s: %s\n", o->ifname, why);
out:
	for (e = 0; e < NR_SLOWPATHS; e++)
		if (old_tc[e] >= 0)
			close(old_tc[e]);
	return ret ? -1 : 0;
}

/* Commands that change state hold the pin root's lock throughout. With
 * create, the root is made (and bpffs mounted) first; without, a missing
 * root is no error: 0 and nothing to lock. The fd to close, or -1 (said). */
static int lock_root(const char *root, const char *what, bool create)
{
	int ret;

	if (create) {
		char ns[64];

		if (pin_root_vanishes(root, ns, sizeof(ns))) {
			pr_warn("%s: %s is not on bpffs in this private mount namespace (ip netns "
				"exec?): the pins, and the tap, would vanish when vtapctl exits; run "
				"'nsenter --net=/run/netns/%s vtapctl %s ...' instead\n", what, root,
				ns, what);
			return -1;
		}
		char why[256];

		ret = pin_root_prepare(root, why, sizeof(why));
		if (ret) {
			pr_warn("%s: pin root: %s\n", root, why);
			return -1;
		}
	} else if (access(root, F_OK) && errno == ENOENT) {
		return 0;
	}
	ret = pin_root_lock(root, true);
	if (ret == -EBUSY)
		pr_warn("%s: busy: another vtapctl held its lock for %d s\n", root, PIN_LOCK_WAIT_S);
	else if (ret < 0)
		pr_warn("%s: can't lock: %s\n", root, strerror(-ret));
	return ret < 0 ? -1 : ret;
}

static int attach_locked(const struct attach_opts *o);

/* The first of a's route devices that is gone, or NULL. */
static const char *route_dev_gone(const struct attachment *a)
{
	static struct vtap_slot slots[VTAP_MAX_SLOTS];
	unsigned int n = read_slots(a, slots);

	for (unsigned int i = 1; i < n; i++)
		if (!if_nametoindex(slots[i].name))
			return slots[i].name;
	return NULL;
}

/* Why a route can't deliver to dev, or NULL: vtapctl's own slow-path and
 * feed devices carry what vtap takes in, not what it delivers; another
 * attachment's tapped NIC would see its own output. */
static const char *not_a_route_dev(const struct attach_opts *o, const char *dev)
{
	char peer[VTAP_IFNAMSIZ], path[PATH_MAX];
	size_t n = strlen(dev), feed = strlen("-feed");

	if (!strcmp(dev, o->ifname))
		return "it is the tapped NIC itself";
	if ((!strncmp(dev, "vtsp", 4) || !strncmp(dev, "vtsg", 4)) && dev_made_by_vtapctl(dev))
		return "it is a slow-path device of vtapctl";
	if (n > feed && !strcmp(dev + n - feed, "-feed")) {
		snprintf(peer, sizeof(peer), "%.*s", (int)(n - feed), dev);
		if (dev_made_by_vtapctl(peer))
			return "it feeds a monitor device that vtapctl made";
	}
	if (!pin_dir(o->pin_root, dev, path, sizeof(path)) && !access(path, F_OK))
		return "it is a NIC vtap taps";
	return NULL;
}
/* The kernel refused the direction metadata: do_attach turned it off. */
static bool meta_refused;

int do_attach(const struct attach_opts *o)
{
	static struct attach_opts without_meta;
	char err[256];
	int lock, ret;

	if (!check_privileges("attach"))
		return EXIT_FAIL;
	if (!if_nametoindex(o->ifname)) {
		pr_warn("%s: no such interface\n", o->ifname);
		return EXIT_FAIL;
	}
	/* Preallocated per CPU: a big host turns a big table into many GiB. */
	if (check_max_sources(o->max_sources, libbpf_num_possible_cpus(), host_memory(), err,
			      sizeof(err))) {
		pr_warn("--max-sources %u: %s\n", o->max_sources, err);
		return EXIT_FAIL;
	}
	/* Said once the backend is known: only vtap.ko would show it. */
	if (!o->settings.no_direction && !vtap_xdp_meta_supported()) {
		meta_refused = true;
		without_meta = *o;
		without_meta.settings.no_direction = 1;
		o = &without_meta;
	}
	lock = lock_root(o->pin_root, "attach", true);
	if (lock < 0)
		return EXIT_FAIL;
	ret = attach_locked(o);
	close(lock);
	return ret;
}

/* The settings an attachment runs with, as attach options: what a repair
 * keeps. Derived values (the target's ifindex and MTU) are taken anew. */
static void opts_of(const struct attachment *a, const struct attach_opts *req,
		    struct attach_opts *o)
{
	const struct vtap_attach_info *info = &a->cfg.info;

	*o = *req;
	o->settings = a->cfg.settings;
	o->nr_allow = read_allow_list(a, o->allow);
	o->nr_routes = read_routes(a, o->routes);
	o->allow_all = !o->nr_allow;
	o->target = info->target;
	o->max_sources = info->max_sources;
	o->backend = info->backend == VTAP_BACKEND_KMOD ? BACKEND_KMOD :
		     info->backend == VTAP_BACKEND_VETH ? BACKEND_VETH : BACKEND_AUTO;
}

/* "IFACE: name: old -> new", one line per setting a replace changed. */
static void print_changes(const char *ifname, const char *diff)
{
	for (const char *p = diff; *p;) {
		size_t n = strcspn(p, "\n");

		printf("%s: %.*s\n", ifname, (int)n, p);
		p += n + (p[n] == '\n');
	}
}

/* ---- what an attach makes, in order, and how each is undone -------------- */

/* One attach (or replace, or repair) as it is made: what each step made
 * is recorded here for its undo. */
struct attach_run {
	const struct attach_opts *o;
	struct attachment *old;		/* the attachment replaced; NULL: none */
	const char *dir;		/* the pin folder */
	int ifindex;
	int mode;			/* enum vtap_mode, once attached */
	struct target t;
	struct target rt[VTAP_MAX_SLOTS];	/* route devices: slot i is rt[i], i >= 1 */
	unsigned int nr_slots;		/* 1 + route devices other than the target */
	bool made_dir;
	struct slowpath sp[NR_SLOWPATHS];
	struct vtap_bpf *skel;
	bool staged;			/* monitor pins beside the old target's */
	int link_fd;			/* a new attachment's XDP link */
	const char *who;		/* what err is about: the NIC or the target */
	char err[512];
};

/* The monitor device: found, or made (and then deleted on failure). */
static int make_target(struct attach_run *r)
{
	int ret = target_prepare(r->o->target, r->o->backend, &r->t, r->err, sizeof(r->err));

	if (!ret && r->t.backend == VTAP_BACKEND_EXISTING)
		ret = target_takes_xdp(r->t.name, r->err, sizeof(r->err));
	if (ret)
		r->who = r->o->target;
	return ret;
}

static void undo_target(struct attach_run *r)
{
	if (r->t.created)
		target_delete(r->t.name);
}

/* The routes' devices, found or made like the target, one slot each. */
static int make_routes(struct attach_run *r)
{
	const struct attach_opts *o = r->o;

	r->nr_slots = 1;
	for (unsigned int i = 0; i < o->nr_routes; i++) {
		const char *dev = o->routes[i].dev;
		struct target *t = &r->rt[r->nr_slots];
		unsigned int j;
		int ret;

		for (j = 1; j < r->nr_slots && strcmp(r->rt[j].name, dev); j++)
			;
		if (!strcmp(dev, r->t.name) || j < r->nr_slots)
			continue;
		ret = target_prepare(dev, o->backend, t, r->err, sizeof(r->err));
		if (!ret && t->backend == VTAP_BACKEND_EXISTING)
			ret = target_takes_xdp(t->name, r->err, sizeof(r->err));
		if (ret) {
			r->who = dev;
			/* target_prepare undid its own work. */
			if (t->created)
				target_delete(t->name);
			return ret;
		}
		r->nr_slots++;
	}
	return 0;
}

static void undo_routes(struct attach_run *r)
{
	for (unsigned int i = 1; i < r->nr_slots; i++)
		if (r->rt[i].created)
			target_delete(r->rt[i].name);
}

/* The pin folder: a replace keeps the old one. */
static int make_pin_dir(struct attach_run *r)
{
	if (r->old)
		return 0;
	if (pin_mkdir(r->dir)) {
		snprintf(r->err, sizeof(r->err), "can't create %s: %s", r->dir, strerror(errno));
		return -1;
	}
	r->made_dir = true;
	return 0;
}

static void undo_pin_dir(struct attach_run *r)
{
	if (r->made_dir)
		pin_dir_remove(r->dir);
}

static int make_slowpath(struct attach_run *r)
{
	for (int e = 0; e < NR_SLOWPATHS; e++)
		if (slowpath_prepare(r->o, r->old, e, &r->sp[e], r->err, sizeof(r->err)))
			return -1;
	return 0;
}

static void undo_slowpath(struct attach_run *r)
{
	for (int e = 0; e < NR_SLOWPATHS; e++)
		slowpath_undo(&r->sp[e]);
}

/* The program, loaded for this target and slow path; its tc half goes on
 * a new slow-path device now (one it keeps gets it at the swap). */
static int make_program(struct attach_run *r)
{
	warn_port_users(r->o, r->mode);
	r->skel = load_program(r->o, &r->t, r->rt, r->nr_slots, r->sp, r->old, r->err,
			       sizeof(r->err));
	if (!r->skel)
		return -1;
	for (int e = 0; e < NR_SLOWPATHS; e++)
		slowpath_attach(r->o->ifname, &r->sp[e], r->skel, r->old);
	return 0;
}

/* A replace to another target stages the new target's monitor pins. */
static int make_monitor(struct attach_run *r)
{
	char sfx[32];
	int ret;

	r->staged = r->old && strcmp(r->old->cfg.info.target, r->t.name);
	ret = monitor_attach(&r->t, r->dir, r->staged ? MONITOR_STAGED : "", r->err,
			     sizeof(r->err));
	/* A route's device has pins of its own, named by its ifindex (bpffs
	 * names take no dots, device names may). One set up already (by the
	 * attachment replaced, or another) is left as it is. */
	for (unsigned int i = 1; !ret && i < r->nr_slots; i++) {
		route_pin_suffix(if_nametoindex(r->rt[i].name), sfx, sizeof(sfx));
		ret = monitor_attach(&r->rt[i], r->dir, sfx, r->err, sizeof(r->err));
		if (ret)
			r->who = r->rt[i].name;
	}
	return ret;
}

static void undo_monitor(struct attach_run *r)
{
	if (r->staged)
		monitor_pins_commit(r->dir, false);
}

/* The commit: a new attachment's XDP link and pins, or a replace's swap
 * under the old link (which puts back what it changed if it fails). */
static int make_xdp(struct attach_run *r)
{
	size_t pinned;

	if (r->old) {
		if (replace_program(r->o, r->old, r->skel, r->sp, r->dir, r->err,
				    sizeof(r->err)))
			return -1;
		/* The old target kept as a route's device keeps its links, under
		 * a route device's names, before the new target's take its own. */
		if (r->staged && opts_use(r->o, r->old->cfg.info.target)) {
			char sfx[32];

			route_pin_suffix(if_nametoindex(r->old->cfg.info.target), sfx, sizeof(sfx));
			move_monitor_pins(r->dir, "", r->dir, sfx);
		}
		monitor_pins_commit(r->dir, true);
		return 0;
	}
	r->link_fd = attach_xdp(r->o, bpf_program__fd(r->skel->progs.vtap_xdp), r->ifindex,
				&r->mode, r->err, sizeof(r->err));
	if (r->link_fd < 0 || pin_maps(r->skel, &pinned, r->dir, r->err, sizeof(r->err)) ||
	    pin_link(r->link_fd, r->dir, VTAP_PIN_LINK, r->err, sizeof(r->err)))
		return -1;
	return 0;
}

static void undo_xdp(struct attach_run *r)
{
	if (r->link_fd >= 0)
		bpf_link_detach(r->link_fd);
}

/*
 * In this order. When a step fails, it and every step before it are
 * undone, last first: each undo looks only at what its step recorded, so
 * it also cleans up after its own step's partial work. Devices the program
 * is told about go before make_program; make_xdp stays last, as nothing
 * can be taken back after a replace's swap.
 */
static const struct attach_step {
	int (*make)(struct attach_run *r);
	void (*undo)(struct attach_run *r);
} attach_steps[] = {
	{ make_target, undo_target },
	{ make_routes, undo_routes },
	{ make_pin_dir, undo_pin_dir },
	{ make_slowpath, undo_slowpath },
	{ make_program, NULL },
	{ make_monitor, undo_monitor },
	{ make_xdp, undo_xdp },
};

/* 0, or -1 with everything undone and why said. */
static int attach_make(struct attach_run *r)
{
	size_t i;

	for (i = 0; i < sizeof(attach_steps) / sizeof(attach_steps[0]); i++)
		if (attach_steps[i].make(r))
			goto undo;
	return 0;
undo:
	pr_warn("%s: %s\n", r->who, r->err);
	do {
		if (attach_steps[i].undo)
			attach_steps[i].undo(r);
	} while (i-- > 0);
	return -1;
}

static int attach_locked(const struct attach_opts *req)
{
	static struct attach_opts kept;		/* a repair's settings: the attachment's */
	static char changes[4096];
	const struct attach_opts *o = req;
	char dir[PATH_MAX], diff[512];
	const char *why;
	struct attachment old = { .link_fd = -1 };
	struct attach_run r = { .link_fd = -1 };
	bool have_old = false, refresh;
	int ifindex, mode, ret;

	ifindex = if_nametoindex(o->ifname);
	if (!ifindex) {
		pr_warn("%s: no such interface\n", o->ifname);
		return EXIT_FAIL;
	}
	why = own_device(o);
	if (why) {
		pr_warn("%s: not a NIC to tap: %s; attach to the NIC the VXLAN arrives on\n",
			o->ifname, why);
		return EXIT_FAIL;
	}
	for (unsigned int i = 0; i < o->nr_routes; i++) {
		why = not_a_route_dev(o, o->routes[i].dev);
		if (why) {
			char shown[96];

			format_route(&o->routes[i], shown, sizeof(shown));
			pr_warn("--route %s: %s\n", shown, why);
			return EXIT_USAGE;
		}
	}
	ret = pin_dir(o->pin_root, o->ifname, dir, sizeof(dir));
	if (ret) {
		pr_warn("%s: bad pin folder: %s\n", o->ifname, strerror(-ret));
		return EXIT_FAIL;
	}
	ret = open_existing(o, ifindex, &old);
	if (ret < 0) {
		attachment_close(&old);
		return EXIT_FAIL;
	}
	have_old = ret == 1;
	mode = attached_mode(ifindex);

	/* Attaching again refreshes, as a replace, what the program took from
	 * the target at load: the target deleted under a running attachment
	 * (redirects now fail and are counted), or its MTU changed. */
	refresh = have_old && !if_nametoindex(old.cfg.info.target);
	if (refresh)
		pr_warn("%s: target %s is gone; making it again\n", o->ifname, old.cfg.info.target);
	else if (have_old && (why = route_dev_gone(&old))) {
		pr_warn("%s: route device %s is gone; making it again\n", o->ifname, why);
		refresh = true;
	}
	/* The frame limit is the devices' smallest MTU as it was at attach. */
	else if (have_old && attachment_max_frame(&old) != old.cfg.settings.max_frame) {
		pr_warn("%s: target %s or a route's device changed its MTU; updating the frame "
			"limit\n", o->ifname, old.cfg.info.target);
		refresh = true;
	} else if (have_old) {
		for (int e = 0; e < NR_SLOWPATHS && !refresh; e++) {
			const char *dev = slow_dev_of(&old, e);

			refresh = dev[0] && !if_nametoindex(dev);
			if (refresh)
				pr_warn("%s: slow-path device %s is gone; making it again\n",
					o->ifname, dev);
		}
	}

	changes[0] = '\0';
	if (have_old) {
		bool same = same_settings(o, &old, mode, "; ", diff, sizeof(diff));

		if (!refresh && same) {
			struct vtap_lost l;

			printf("%s: already attached with these settings (program id %u)\n",
			       o->ifname, old.link.prog_id);
			/* Attached uncounted (no CAP_PERFMON then): count from now. */
			if (lost_read(old.dir, &l) == -ENOENT)
				lost_attach(old.dir, o->ifname, ifindex, if_nametoindex(
					old.cfg.info.backend == VTAP_BACKEND_VETH ?
					old.cfg.info.feed : old.cfg.info.target));
			ret = EXIT_OK;
			goto out;
		}
		if (!o->replace && !refresh) {
			pr_warn("%s: attached with other settings (%s); use --replace to change "
				"them\n", o->ifname, diff);
			ret = EXIT_FAIL;
			goto out;
		}
		if (!o->replace) {
			/* A repair: the target or slow path again, the settings as they are. */
			if (!same)
				pr_warn("%s: repaired with its own settings, not these (%s); use "
					"--replace to change them\n", o->ifname, diff);
			opts_of(&old, req, &kept);
			o = &kept;
		} else if (!same) {
			/* Dropping an allow-list opens the capture to anyone: only when asked. */
			if (old.cfg.settings.filter_src && !o->nr_allow && !o->allow_all) {
				pr_warn("%s: --replace without --allow-src would remove the source "
					"allow-list; give the list again, or '--allow-src all' to "
					"accept any source\n", o->ifname);
				ret = EXIT_FAIL;
				goto out;
			}
			same_settings(o, &old, mode, "\n", changes, sizeof(changes));
		}
		if (o->mode != MODE_AUTO && (int)o->mode != mode) {
			pr_warn("%s: --replace can't change the XDP mode from %s to %s; detach first\n",
				o->ifname, mode_name(mode), mode_name(o->mode));
			ret = EXIT_FAIL;
			goto out;
		}
	} else if (mode) {
		/* Never replace an XDP program that vtap did not attach. */
		LIBBPF_OPTS(bpf_xdp_query_opts, q);

		bpf_xdp_query(ifindex, 0, &q);
		pr_warn("%s: already has an XDP program (id %u) that vtap did not attach\n",
			o->ifname, q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id);
		return EXIT_FAIL;
	}

	r.o = o;
	r.old = have_old ? &old : NULL;
	r.dir = dir;
	r.ifindex = ifindex;
	r.mode = mode;
	r.who = o->ifname;
	if (attach_make(&r)) {
		ret = EXIT_FAIL;
		goto out;
	}
	printf("%s: %s; program id %u, %s mode; decapsulated frames on %s (%s backend)\n",
	       o->ifname, !have_old ? "attached" : o->replace ? "replaced" : "repaired",
	       prog_id(bpf_program__fd(r.skel->progs.vtap_xdp)), mode_name(r.mode), r.t.name,
	       backend_name(r.t.backend));
	/* Counting is informational: the tap runs without it. */
	lost_attach(dir, o->ifname, ifindex, r.t.redirect_ifindex);
	print_changes(o->ifname, changes);
	if (sources_note[0])
		printf("%s: %s\n", o->ifname, sources_note);
	if (meta_refused && r.t.backend == VTAP_BACKEND_KMOD)
		pr_warn("%s: no direction on %s: this kernel's XDP programs can't write "
			"metadata (bpf_xdp_adjust_meta)\n", o->ifname, r.t.name);
	if (!o->nr_allow && !o->allow_all)
		pr_warn("%s: no --allow-src: anyone who can send to the tapped port can inject "
			"frames into the capture ('--allow-src all' if that is meant)\n", o->ifname);
	ret = EXIT_OK;
out:
	if (r.link_fd >= 0)
		close(r.link_fd);
	vtap_bpf__destroy(r.skel);
	attachment_close(&old);
	return ret;
}

static int detach_locked(const char *root, const char *ifname)
{
	unsigned int ifindex = if_nametoindex(ifname);
	char ns[64], name[VTAP_IFNAMSIZ];
	struct attachment a;
	int ret;

	ret = attachment_open(root, ifname, true, &a);
	if (ret == -ENOENT && ifindex && !attachment_find_ifindex(root, ifindex, name, sizeof(name))) {
		/* Attached before a rename: the pins still have the old name. */
		attachment_close(&a);
		ret = attachment_open(root, name, true, &a);
	}
	if (ret == -ENOENT && pin_root_vanishes(root, ns, sizeof(ns))) {
		pr_warn("%s: not attached in this private mount namespace (ip netns exec?), "
			"which has no pins; run 'nsenter --net=/run/netns/%s vtapctl detach %s'\n",
			ifname, ns, ifname);
		attachment_close(&a);
		return EXIT_FAIL;
	} else if (ret == -ENOENT) {
		pr_warn("%s: not attached\n", ifname);
		attachment_close(&a);
		return EXIT_FAIL;
	}
	/* Leftovers (no link, maps missing, another layout) go all the same. */
	if (ret && ret != -EPROTO && ret != -ENOLINK && ret != -ENODATA) {
		pr_warn("%s: can't read the pins in %s: %s\n", ifname, a.dir, strerror(-ret));
		attachment_close(&a);
		return EXIT_FAIL;
	}
	/* Detach explicitly: another process may hold the link open. */
	if (a.link_fd >= 0 && bpf_link_detach(a.link_fd) && errno != ENOLINK)
		pr_debug("%s: link detach: %s\n", ifname, strerror(errno));
	if (!ret) {
		release_target(root, &a);
		release_routes(root, &a, NULL);
		slowpath_release(&a, NULL);
	}
	attachment_close(&a);
	ret = pin_dir_remove(a.dir);
	if (ret) {
		pr_warn("%s: can't remove %s: %s\n", ifname, a.dir, strerror(-ret));
		return EXIT_FAIL;
	}
	printf("%s: detached\n", ifname);
	return EXIT_OK;
}

int do_detach(const char *root, const char *ifname)
{
	int lock, ret;

	if (!check_privileges("detach"))
		return EXIT_FAIL;
	lock = lock_root(root, "detach", false);
	if (lock < 0)
		return EXIT_FAIL;
	ret = detach_locked(root, ifname);
	if (lock)
		close(lock);
	return ret;
}

static void cleanup_left(void *ctx, const char *what, const char *msg)
{
	(void)ctx;
	pr_warn("%s: %s\n", what, msg);
}

int do_cleanup(const char *root)
{
	struct problems left = { .fn = cleanup_left };
	int lock, n = 0;

	if (!check_privileges("cleanup"))
		return EXIT_FAIL;
	lock = lock_root(root, "cleanup", false);
	if (lock < 0)
		return EXIT_FAIL;
	if (lock) {
		n = health_scan(root, true, &left);
		close(lock);
	}
	if (!n && !left.count)
		printf("nothing to clean up\n");
	return left.count ? EXIT_FAIL : EXIT_OK;
}

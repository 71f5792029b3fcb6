// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP program counts a frame as redirected before the kernel hands it
 * to the target, and the kernel may still drop it (vtap_abi.h, "frames
 * lost after the redirect"). A tracer of vtap's own counts those drops;
 * a target that can never take redirected frames is refused at attach.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "vtap_abi.h"
#include "vtap_lost.skel.h"
#include "attachment.h"
#include "backend.h"
#include "log.h"
#include "lost.h"
#include "pins.h"
#include "vtapctl.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#define VTAP_CAP_SYS_ADMIN 21

static int pin_new(int fd, const char *dir, const char *name)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];

	if (pin_path(dir, name, path, sizeof(path)))
		return -ENAMETOOLONG;
	snprintf(tmp, sizeof(tmp), "%s_new", path);	/* bpffs: no dots */
	unlink(tmp);
	/* Beside the old pin, then over it: the old tracer goes when its pin
	 * does, after the new one counts. */
	if (bpf_obj_pin(fd, tmp) || rename(tmp, path)) {
		int err = -errno;

		unlink(tmp);
		return err;
	}
	return 0;
}

static int netns_ino(__u32 *ino)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st))
		return -errno;
	*ino = st.st_ino;
	return 0;
}

int lost_attach(const char *dir, const char *ifname, int nic_ifindex, int target_ifindex)
{
	struct { struct bpf_program *prog; const char *pin; } links[3];
	struct vtap_lost_config *cfg;
	struct vtap_lost_bpf *skel;
	char path[PATH_MAX];
	int fd, err;

	if (!have_cap(CAP_PERFMON) && !have_cap(VTAP_CAP_SYS_ADMIN)) {
		/* One loaded before (--replace, a repair) goes on counting. */
		if (!pin_path(dir, VTAP_PIN_LOST_REDIRECT_ERR, path, sizeof(path)) &&
		    !access(path, F_OK))
			pr_warn("%s: the loss tracer was not loaded again (needs CAP_PERFMON): "
				"the one loaded before goes on counting\n", ifname);
		else
			pr_warn("%s: frames lost after the redirect are not counted: the tracer "
				"needs CAP_PERFMON\n", ifname);
		return -EPERM;
	}
	skel = vtap_lost_bpf__open();
	if (!skel) {
		err = -errno;
		goto out;
	}
	cfg = (struct vtap_lost_config *)&skel->rodata_config->vtap_lost_config;
	cfg->nic_ifindex = nic_ifindex;
	cfg->target_ifindex = target_ifindex;
	err = netns_ino(&cfg->netns_ino);
	if (err)
		goto out;
	/* A tracer loaded again (--replace, a new target) keeps the counts. */
	if (!pin_path(dir, VTAP_MAP_LOST, path, sizeof(path))) {
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			err = bpf_map__reuse_fd(skel->maps.vtap_lost, fd);
			close(fd);
			if (err)
				goto out;
		}
	}
	err = vtap_lost_bpf__load(skel);
	if (err)
		goto out;
	links[0].prog = skel->progs.vtap_lost_redirect_err;
	links[0].pin = VTAP_PIN_LOST_REDIRECT_ERR;
	links[1].prog = skel->progs.vtap_lost_devmap_xmit;
	links[1].pin = VTAP_PIN_LOST_DEVMAP_XMIT;
	links[2].prog = skel->progs.vtap_lost_exception;
	links[2].pin = VTAP_PIN_LOST_EXCEPTION;
	err = pin_new(bpf_map__fd(skel->maps.vtap_lost), dir, VTAP_MAP_LOST);
	for (size_t i = 0; !err && i < sizeof(links) / sizeof(links[0]); i++) {
		struct bpf_link *link = bpf_program__attach(links[i].prog);

		if (!link) {
			err = -errno;
			break;
		}
		err = pin_new(bpf_link__fd(link), dir, links[i].pin);
		bpf_link__destroy(link);	/* the pin keeps it */
	}
out:
	if (err)
		pr_warn("%s: frames lost after the redirect are not counted: can't load the "
			"tracer: %s\n", ifname, strerror(-err));
	vtap_lost_bpf__destroy(skel);
	return err;
}

int lost_read(const char *dir, struct vtap_lost *sum)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = BPF_F_RDONLY);
	char path[PATH_MAX];
	int fd, err;

	memset(sum, 0, sizeof(*sum));
	if (pin_path(dir, VTAP_MAP_LOST, path, sizeof(path)))
		return -ENAMETOOLONG;
	/* Counted only while the tracer is there too. */
	if (pin_path(dir, VTAP_PIN_LOST_REDIRECT_ERR, path, sizeof(path)) || access(path, F_OK))
		return -ENOENT;
	pin_path(dir, VTAP_MAP_LOST, path, sizeof(path));
	fd = bpf_obj_get_opts(path, &opts);
	if (fd < 0)
		return -errno;
	err = read_lost(fd, sum);
	close(fd);
	return err;
}

__u64 lost_total(const struct vtap_lost *l)
{
	const __u64 *c = (const __u64 *)l;
	__u64 sum = 0;

	for (size_t i = 0; i < sizeof(*l) / sizeof(*c); i++)
		sum += c[i];
	return sum;
}

/* ---- can the target take redirected frames? ------------------------------ */

/* The netdev generic netlink family (Linux 6.3+) reports a device's XDP
 * features; linux/netdev.h is not in every build's headers. */
#define VTAP_NETDEV_FAMILY		"netdev"
#define VTAP_NETDEV_CMD_DEV_GET		1
#define VTAP_NETDEV_A_DEV_IFINDEX	1
#define VTAP_NETDEV_A_DEV_XDP_FEATURES	3
#define VTAP_NETDEV_XDP_ACT_NDO_XMIT	4

struct nlreq {
	struct nlmsghdr nh;
	struct genlmsghdr gh;
	char attrs[64];
};

static void nl_put(struct nlreq *r, __u16 type, const void *data, __u16 len)
{
	struct nlattr *a = (void *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/* Sends r, and finds attribute `want` of the answer's top level into out
 * (up to len bytes). Returns its length, or -errno. */
static int nl_query(int fd, struct nlreq *r, __u16 want, void *out, size_t len)
{
	static char buf[8192];
	struct nlmsghdr *nh = (void *)buf;
	struct nlattr *a;
	ssize_t n;
	int rem;

	if (send(fd, r, r->nh.nlmsg_len, 0) < 0)
		return -errno;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	if (!NLMSG_OK(nh, n))
		return -EPROTO;
	if (nh->nlmsg_type == NLMSG_ERROR)
		return ((struct nlmsgerr *)NLMSG_DATA(nh))->error ?: -ENOENT;
	a = (void *)((char *)NLMSG_DATA(nh) + GENL_HDRLEN);
	rem = nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for (; rem >= (int)NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem;
	     rem -= NLA_ALIGN(a->nla_len), a = (void *)((char *)a + NLA_ALIGN(a->nla_len))) {
		if ((a->nla_type & NLA_TYPE_MASK) != want)
			continue;
		n = a->nla_len - NLA_HDRLEN;
		memcpy(out, (char *)a + NLA_HDRLEN, (size_t)n < len ? (size_t)n : len);
		return n;
	}
	return -ENOENT;
}

/* The device's XDP features; -ENOENT where the kernel has no such report. */
static int xdp_features(int ifindex, __u64 *features)
{
	struct nlreq r = {
		.nh = { .nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN), .nlmsg_type = GENL_ID_CTRL,
			.nlmsg_flags = NLM_F_REQUEST },
		.gh = { .cmd = CTRL_CMD_GETFAMILY, .version = 1 },
	};
	__u16 family = 0;
	__u32 idx = ifindex;
	int fd, n;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	nl_put(&r, CTRL_ATTR_FAMILY_NAME, VTAP_NETDEV_FAMILY, sizeof(VTAP_NETDEV_FAMILY));
	n = nl_query(fd, &r, CTRL_ATTR_FAMILY_ID, &family, sizeof(family));
	if (n > 0) {
		memset(&r, 0, sizeof(r));
		r.nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
		r.nh.nlmsg_type = family;
		r.nh.nlmsg_flags = NLM_F_REQUEST;
		r.gh.cmd = VTAP_NETDEV_CMD_DEV_GET;
		r.gh.version = 1;
		nl_put(&r, VTAP_NETDEV_A_DEV_IFINDEX, &idx, sizeof(idx));
		*features = 0;
		n = nl_query(fd, &r, VTAP_NETDEV_A_DEV_XDP_FEATURES, features, sizeof(*features));
	}
	close(fd);
	return n < 0 ? n : 0;
}

int target_takes_xdp(const char *name, char *err, size_t errlen)
{
	char driver[32] = "";
	__u64 features;
	int ret;

	ret = xdp_features(if_nametoindex(name), &features);
	if (!ret) {
		if (features & VTAP_NETDEV_XDP_ACT_NDO_XMIT)
			return 0;
		dev_driver(name, driver, sizeof(driver));
		snprintf(err, errlen, "can't receive redirected XDP frames (driver %s has no "
			 "ndo_xdp_xmit, or is not ready for it); use a vtap device "
			 "(--backend kmod) or let vtapctl make one", *driver ? driver : "unknown");
		return -EOPNOTSUPP;
	}
	/* Before 6.3 the kernel does not say: refuse what is known to lack it. */
	dev_driver(name, driver, sizeof(driver));
	if (!strcmp(driver, "bridge") || !strcmp(driver, "dummy") || !strcmp(driver, "macvlan") ||
	    !strcmp(driver, "ipvlan") || !strcmp(driver, "802.1Q VLAN Support") ||
	    !strcmp(driver, "vxlan") || !strcmp(driver, "geneve")) {
		snprintf(err, errlen, "can't receive redirected XDP frames (driver %s has no "
			 "ndo_xdp_xmit); use a vtap device (--backend kmod) or let vtapctl "
			 "make one", driver);
		return -EOPNOTSUPP;
	}
	return 0;
}

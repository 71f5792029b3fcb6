// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>
#include "backend.h"
#include "log.h"
#include "rtnl.h"

extern char **environ;

/* Runs a command (modprobe) with its output captured into out
 * (stdout and stderr together, cut to outlen). On failure err holds the
 * first line it printed. */
static int run_output(char *const argv[], char *out, size_t outlen, char *err, size_t errlen)
{
	posix_spawn_file_actions_t fa;
	int pipefd[2], status;
	size_t got = 0;
	char buf[512];
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	status = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (status) {
		close(pipefd[0]);
		snprintf(err, errlen, "%s: %s", argv[0], strerror(status));
		return -status;
	}
	/* Read to the end even past outlen, or a chatty child would block. */
	while ((n = read(pipefd[0], buf, sizeof(buf))) > 0) {
		size_t take = got + 1 < outlen ? outlen - 1 - got : 0;

		if ((size_t)n < take)
			take = n;
		memcpy(out + got, buf, take);
		got += take;
	}
	close(pipefd[0]);
	out[got] = '\0';
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	snprintf(err, errlen, "%.*s", (int)strcspn(out, "\n"), *out ? out : "command failed");
	pr_debug("%s failed: %s\n", argv[0], out);
	return -EIO;
}

static int run(char *const argv[], char *err, size_t errlen)
{
	char out[512];

	return run_output(argv, out, sizeof(out), err, errlen);
}

/* Devices vtapctl made carry this alias: detach deletes only those, even
 * when another attachment took the device over. */
#define VTAP_MADE_ALIAS "made by vtapctl"

/* Starts an RTM_*LINK request in buf (RTNL_REQ_SIZE) for the device called
 * name; NULL when no device can have that name. */
static struct nlmsghdr *link_msg(char *buf, __u16 type, __u16 flags, const char *name)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	if (!*name || strlen(name) >= IFNAMSIZ)
		return NULL;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nlh;
}

static int mark_made(const char *name, char *err, size_t errlen)
{
	char buf[RTNL_REQ_SIZE], why[256];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, name);
	int ret;

	if (!nlh) {
		snprintf(err, errlen, "%s: not a device name", name);
		return -EINVAL;
	}
	mnl_attr_put_str(nlh, IFLA_IFALIAS, VTAP_MADE_ALIAS);
	ret = rtnl_talk(nlh, NULL, NULL, why, sizeof(why));
	if (ret)
		snprintf(err, errlen, "can't mark %s as vtapctl's: %s", name, why);
	return ret;
}

bool dev_alias_is_made(const char *alias)
{
	return !strcmp(alias, VTAP_MADE_ALIAS);
}

/* The RTM_NEWLINK that answers an RTM_GETLINK: is its alias the mark? */
static int made_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;
	char alias[256];
	bool *made = data;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(struct ifinfomsg)) {
		if (mnl_attr_get_type(attr) != IFLA_IFALIAS)
			continue;
		snprintf(alias, sizeof(alias), "%.*s", (int)mnl_attr_get_payload_len(attr),
			 (const char *)mnl_attr_get_payload(attr));
		*made = dev_alias_is_made(alias);
	}
	return MNL_CB_OK;
}

bool dev_made_by_vtapctl(const char *name)
{
	char buf[RTNL_REQ_SIZE], err[256];
	struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, 0, name);
	bool made = false;

	if (!nlh)
		return false;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	if (rtnl_talk(nlh, made_cb, &made, err, sizeof(err)))
		return false;
	return made;
}

static int ethtool_ioctl(const char *ifname, void *cmd)
{
	struct ifreq ifr = {};
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = cmd;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		ret = -errno;
	close(fd);
	return ret;
}

static int dev_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr)
{
	int fd, ret;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", ifname);
	ret = ioctl(fd, req, ifr) ? -errno : 0;
	close(fd);
	return ret;
}

int dev_mtu(const char *ifname)
{
	struct ifreq ifr = {};
	int ret = dev_ioctl(ifname, SIOCGIFMTU, &ifr);

	return ret ? ret : ifr.ifr_mtu;
}

int dev_flags(const char *ifname)
{
	struct ifreq ifr = {};
	int ret = dev_ioctl(ifname, SIOCGIFFLAGS, &ifr);

	return ret ? ret : (unsigned short)ifr.ifr_flags;
}

int dev_driver(const char *ifname, char *buf, size_t len)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	int err = ethtool_ioctl(ifname, &info);

	snprintf(buf, len, "%s", err ? "" : info.driver);
	return err;
}

int veth_feed_name(const char *name, char *buf, size_t len)
{
	if (strlen(name) + sizeof("-feed") > VTAP_IFNAMSIZ)
		return -ENAMETOOLONG;
	return snprintf(buf, len, "%s-feed", name) >= (int)len ? -ENAMETOOLONG : 0;
}

static void write_sysctl(const char *fmt, const char *dev, const char *val)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), fmt, dev);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;		/* IPv6 compiled out or disabled: nothing to do */
	if (write(fd, val, strlen(val)) < 0)
		pr_debug("%s: %s\n", path, strerror(errno));
	close(fd);
}

/* Nothing of its own on the wire: no addresses, no IPv6, no ARP, no IGMP;
 * and no GRO, which would merge tapped TCP segments into one frame (one
 * count, one capture record) on the target or the slow-path device. Up
 * last, once IPv6 is off: it would send router solicitations. */
static int make_quiet(const char *dev, char *err, size_t errlen)
{
	struct ethtool_value gro = { .cmd = ETHTOOL_SGRO, .data = 0 };
	char buf[RTNL_REQ_SIZE], why[256];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int ret;

	if (ethtool_ioctl(dev, &gro))
		pr_debug("%s: can't turn GRO off\n", dev);
	write_sysctl("/proc/sys/net/ipv6/conf/%s/disable_ipv6", dev, "1");
	nlh = link_msg(buf, RTM_NEWLINK, 0, dev);
	if (!nlh) {
		snprintf(err, errlen, "%s: not a device name", dev);
		return -EINVAL;
	}
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_flags = IFF_UP | IFF_NOARP;
	ifi->ifi_change = IFF_UP | IFF_NOARP | IFF_MULTICAST;
	ret = rtnl_talk(nlh, NULL, NULL, why, sizeof(why));
	if (ret)
		snprintf(err, errlen, "can't set %s up: %s", dev, why);
	return ret;
}

/* A device vtapctl makes, as data: what it is told at creation. */
struct dev_recipe {
	const char *name;
	const char *kind;		/* IFLA_INFO_KIND */
	__u32 mtu;			/* 0: the kind's own */
	const char *peer;		/* veth: the other end, with the same MTU */
	__u16 vxlan_port;		/* vxlan: collect metadata on this UDP port */
	__u16 geneve_port;		/* geneve: the same */
};

static int link_create(const struct dev_recipe *r, char *err, size_t errlen)
{
	char buf[RTNL_REQ_SIZE], why[256];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, r->name);
	struct nlattr *info, *data, *peer;
	struct ifinfomsg *ifi;
	int ret;

	if (!nlh) {
		snprintf(err, errlen, "can't create: not a device name");
		return -EINVAL;
	}
	if (r->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, r->mtu);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, r->kind);
	if (r->peer) {
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, r->peer);
		if (r->mtu)
			mnl_attr_put_u32(nlh, IFLA_MTU, r->mtu);
		mnl_attr_nest_end(nlh, peer);
		mnl_attr_nest_end(nlh, data);
	} else if (r->vxlan_port) {
		/* Every VNI; no learning, as ip's "external" implies (spoofed
		 * sources would fill its FDB); IPv6 VXLAN with a zero UDP
		 * checksum too, as the fast path takes it. */
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put_u8(nlh, IFLA_VXLAN_COLLECT_METADATA, 1);
		mnl_attr_put_u8(nlh, IFLA_VXLAN_UDP_ZERO_CSUM6_RX, 1);
		mnl_attr_put_u8(nlh, IFLA_VXLAN_LEARNING, 0);
		mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons(r->vxlan_port));
		mnl_attr_nest_end(nlh, data);
	} else if (r->geneve_port) {
		/* Every VNI, IPv6 GENEVE with a zero UDP checksum, and IP-only
		 * payloads (protocol type 0x0800/0x86DD, as Google and AWS GWLB
		 * send them) beside Ethernet ones: innerprotoinherit. */
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put(nlh, IFLA_GENEVE_COLLECT_METADATA, 0, NULL);
		mnl_attr_put_u8(nlh, IFLA_GENEVE_UDP_ZERO_CSUM6_RX, 1);
		mnl_attr_put(nlh, IFLA_GENEVE_INNER_PROTO_INHERIT, 0, NULL);
		mnl_attr_put_u16(nlh, IFLA_GENEVE_PORT, htons(r->geneve_port));
		mnl_attr_nest_end(nlh, data);
	}
	mnl_attr_nest_end(nlh, info);
	ret = rtnl_talk(nlh, NULL, NULL, why, sizeof(why));
	if (ret)
		snprintf(err, errlen, "can't create: %s", why);
	return ret;
}

/* Created (down), marked as vtapctl's, made quiet and up: the peer first,
 * so that nothing passes the pair before both ends are quiet. A failed
 * step deletes the device (and so its peer). */
static int dev_make(const struct dev_recipe *r, char *err, size_t errlen)
{
	int ret = link_create(r, err, errlen);

	if (ret)
		return ret;
	ret = mark_made(r->name, err, errlen);
	if (!ret && r->peer)
		ret = make_quiet(r->peer, err, errlen);
	if (!ret)
		ret = make_quiet(r->name, err, errlen);
	if (ret)
		target_delete(r->name);
	return ret;
}

static int kmod_available(void)
{
	char err[128];

	if (!access("/sys/module/" VTAP_MODULE_NAME, F_OK))
		return 1;
	return !run((char *[]){ "modprobe", "-q", VTAP_MODULE_NAME, NULL }, err, sizeof(err));
}

/* An unsigned number in /sys/class/net/<name>/<attr>; 0 when unreadable. */
static unsigned int sysfs_uint(const char *name, const char *attr)
{
	char path[128], buf[16];
	unsigned int v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, attr);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f) || sscanf(buf, "%u", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* Made by vtap.ko at load (vtap0 .. vtap<numdevs-1>): the kernel names
 * those itself (NET_NAME_ENUM), which sysfs shows (in the namespace that
 * mounted it, hence the ifindex check). */
static bool made_by_module(const char *name)
{
	unsigned int idx = sysfs_uint(name, "ifindex");

	return idx && idx == if_nametoindex(name) &&
	       sysfs_uint(name, "name_assign_type") == 1;	/* NET_NAME_ENUM */
}

/* A vtap.ko device: up, or every redirect into it fails. One the module
 * made at load is vtapctl's own from now on, as if attach had made it:
 * detach deletes it with the last attachment. */
static int use_kmod(struct target *t, char *err, size_t errlen)
{
	t->backend = VTAP_BACKEND_KMOD;
	if (made_by_module(t->name) && !dev_made_by_vtapctl(t->name) &&
	    mark_made(t->name, err, errlen))
		return -EIO;
	if (make_quiet(t->name, err, errlen))
		return -EIO;
	t->redirect_ifindex = if_nametoindex(t->name);
	return 0;
}

static int create_kmod(struct target *t, char *err, size_t errlen)
{
	const struct dev_recipe vtap = { .name = t->name, .kind = VTAP_LINK_KIND };
	int ret;

	if (!kmod_available()) {
		snprintf(err, errlen, "kernel module %s is not loaded and can't be loaded",
			 VTAP_MODULE_NAME);
		return -ENOENT;
	}
	/* Loading it made vtap0 (numdevs=1): that one is ours. */
	if (if_nametoindex(t->name)) {
		char driver[32];

		dev_driver(t->name, driver, sizeof(driver));
		if (!strcmp(driver, VTAP_MODULE_NAME))
			return use_kmod(t, err, errlen);
	}
	ret = dev_make(&vtap, err, errlen);
	if (ret)
		return ret;
	t->created = true;
	t->backend = VTAP_BACKEND_KMOD;
	t->redirect_ifindex = if_nametoindex(t->name);
	return 0;
}

/* The receiving end, t->name, is where taps listen; frames are redirected
 * into t->feed. Both ends carry jumbo inner frames. */
static int create_veth(struct target *t, char *err, size_t errlen)
{
	const struct dev_recipe veth = { .name = t->name, .kind = "veth", .mtu = 9000,
					 .peer = t->feed };
	int ret;

	if (veth_feed_name(t->name, t->feed, sizeof(t->feed))) {
		snprintf(err, errlen, "name too long for the veth backend (max %d characters)",
			 VTAP_IFNAMSIZ - 1 - 5);
		return -ENAMETOOLONG;
	}
	ret = dev_make(&veth, err, errlen);
	if (ret)
		return ret;
	t->created = true;
	t->backend = VTAP_BACKEND_VETH;
	t->redirect_ifindex = if_nametoindex(t->feed);
	return 0;
}

/* A UDP port free in this namespace for IPv4 and IPv6: the kernel's pick
 * for a dual-stack socket bound to port 0. */
static int free_udp_port(void)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	socklen_t len = sizeof(a6);
	int fd, off = 0, port = -1;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		if (!bind(fd, (struct sockaddr *)&a6, sizeof(a6)) &&
		    !getsockname(fd, (struct sockaddr *)&a6, &len))
			port = ntohs(a6.sin6_port);
	} else {	/* IPv6 compiled out or disabled */
		len = sizeof(a4);
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && !bind(fd, (struct sockaddr *)&a4, sizeof(a4)) &&
		    !getsockname(fd, (struct sockaddr *)&a4, &len))
			port = ntohs(a4.sin_port);
	}
	if (port < 0)
		port = -errno;
	if (fd >= 0)
		close(fd);
	return port;
}

/* Another socket can take the port between the pick and the device's own
 * bind (at "up", EADDRINUSE): pick again a few times. A port given (*port)
 * is tried once. The recipe's port field (vxlan_port, geneve_port) is the
 * port picked; prefix names the device. */
static int slow_dev_create(const char *prefix, struct dev_recipe *r, __u16 *rport, char *name,
			   size_t namelen, __u16 *port, char *err, size_t errlen)
{
	char why[256];
	int p, ret = -EADDRINUSE;

	for (int tries = 0; tries < (*port ? 1 : 5); tries++) {
		p = *port ? *port : free_udp_port();
		if (p < 0) {
			snprintf(err, errlen, "no free UDP port: %s", strerror(-p));
			return p;
		}
		snprintf(name, namelen, "%s%d", prefix, p);
		if (if_nametoindex(name)) {
			snprintf(err, errlen, "%s exists: the port is another slow path's", name);
			if (*port)
				return -EEXIST;
			continue;
		}
		*rport = p;
		ret = dev_make(r, why, sizeof(why));
		if (!ret) {
			*port = p;
			return 0;
		}
		snprintf(err, errlen, "%s: %s", name, why);
		if (ret != -EADDRINUSE)
			return ret;
	}
	return -EADDRINUSE;
}

int slowpath_create(char *name, size_t namelen, __u16 *port, char *err, size_t errlen)
{
	struct dev_recipe vxlan = { .name = name, .kind = "vxlan" };

	return slow_dev_create("vtsp", &vxlan, &vxlan.vxlan_port, name, namelen, port, err, errlen);
}

int geneve_slowpath_create(char *name, size_t namelen, __u16 *port, char *err, size_t errlen)
{
	struct dev_recipe geneve = { .name = name, .kind = "geneve" };

	return slow_dev_create("vtsg", &geneve, &geneve.geneve_port, name, namelen, port, err,
			       errlen);
}

int target_delete(const char *name)
{
	char buf[RTNL_REQ_SIZE], err[256];
	struct nlmsghdr *nlh = link_msg(buf, RTM_DELLINK, 0, name);
	int ret;

	if (!nlh)
		return 0;
	ret = rtnl_talk(nlh, NULL, NULL, err, sizeof(err));
	if (ret == -ENODEV)	/* gone already */
		return 0;
	if (ret)
		pr_warn("%s: can't delete: %s\n", name, err);
	return ret;
}

static int use_existing(struct target *t, enum backend_req req, char *err, size_t errlen)
{
	char driver[32], feed[VTAP_IFNAMSIZ];
	int is_veth_pair;

	dev_driver(t->name, driver, sizeof(driver));
	is_veth_pair = !strcmp(driver, "veth") &&
		       !veth_feed_name(t->name, feed, sizeof(feed)) && if_nametoindex(feed);

	if (!strcmp(driver, VTAP_MODULE_NAME) && req != BACKEND_VETH) {
		return use_kmod(t, err, errlen);
	} else if (is_veth_pair && req != BACKEND_KMOD) {
		/* A veth backend made earlier (e.g. for another NIC): share it. */
		t->backend = VTAP_BACKEND_VETH;
		snprintf(t->feed, sizeof(t->feed), "%s", feed);
		t->redirect_ifindex = if_nametoindex(feed);
	} else if (!strcmp(driver, "veth")) {
		/* Redirected frames would leave through it to its peer, unseen. */
		snprintf(err, errlen, "exists and is a veth that vtapctl did not make; "
			 "delete it or choose another --target");
		return -EEXIST;
	} else if (req == BACKEND_AUTO) {
		t->backend = VTAP_BACKEND_EXISTING;
		t->redirect_ifindex = if_nametoindex(t->name);
	} else {
		snprintf(err, errlen, "exists and is not a %s device (driver %s)",
			 req == BACKEND_KMOD ? "vtap" : "vtap veth", *driver ? driver : "unknown");
		return -EEXIST;
	}
	return 0;
}

int target_prepare(const char *name, enum backend_req req, struct target *t,
		   char *err, size_t errlen)
{
	int ret;

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	if (if_nametoindex(name))
		return use_existing(t, req, err, errlen);

	if (req == BACKEND_KMOD || (req == BACKEND_AUTO && kmod_available()))
		ret = create_kmod(t, err, errlen);
	else
		ret = create_veth(t, err, errlen);
	if (!ret && !t->redirect_ifindex) {
		snprintf(err, errlen, "disappeared while being set up");
		ret = -ENODEV;
	}
	if (ret && t->created) {
		target_delete(t->name);
		t->created = false;
	}
	return ret;
}

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
#include <linux/sockios.h>
#include "backend.h"
#include "log.h"

extern char **environ;

/* Runs a command (iproute2, modprobe) with its output captured into out
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

static int mark_made(const char *name, char *err, size_t errlen)
{
	return run((char *[]){ "ip", "link", "set", "dev", (char *)name, "alias",
			       VTAP_MADE_ALIAS, NULL }, err, errlen);
}

bool dev_alias_is_made(const char *alias)
{
	return !strcmp(alias, VTAP_MADE_ALIAS);
}

bool dev_made_by_vtapctl(const char *name)
{
	char out[2048], err[128];

	if (run_output((char *[]){ "ip", "-o", "link", "show", "dev", (char *)name, NULL },
		       out, sizeof(out), err, sizeof(err)))
		return false;
	return strstr(out, " alias " VTAP_MADE_ALIAS) != NULL;
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
 * count, one capture record) on the target or the slow-path device. */
static int make_quiet(const char *dev, char *err, size_t errlen)
{
	struct ethtool_value gro = { .cmd = ETHTOOL_SGRO, .data = 0 };

	if (ethtool_ioctl(dev, &gro))
		pr_debug("%s: can't turn GRO off\n", dev);
	write_sysctl("/proc/sys/net/ipv6/conf/%s/disable_ipv6", dev, "1");
	return run((char *[]){ "ip", "link", "set", "dev", (char *)dev,
			       "arp", "off", "multicast", "off", "up", NULL }, err, errlen);
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
	if (run((char *[]){ "ip", "link", "add", "name", t->name, "type", VTAP_LINK_KIND, NULL },
		err, errlen))
		return -EIO;
	t->created = true;
	t->backend = VTAP_BACKEND_KMOD;
	if (mark_made(t->name, err, errlen) || make_quiet(t->name, err, errlen))
		return -EIO;
	t->redirect_ifindex = if_nametoindex(t->name);
	return 0;
}

/* The receiving end, t->name, is where taps listen; frames are redirected
 * into t->feed. Both ends carry jumbo inner frames. */
static int create_veth(struct target *t, char *err, size_t errlen)
{
	if (veth_feed_name(t->name, t->feed, sizeof(t->feed))) {
		snprintf(err, errlen, "name too long for the veth backend (max %d characters)",
			 VTAP_IFNAMSIZ - 1 - 5);
		return -ENAMETOOLONG;
	}
	if (run((char *[]){ "ip", "link", "add", "name", t->name, "mtu", "9000", "type", "veth",
			    "peer", "name", t->feed, "mtu", "9000", NULL }, err, errlen))
		return -EIO;
	t->created = true;
	t->backend = VTAP_BACKEND_VETH;
	if (mark_made(t->name, err, errlen) || make_quiet(t->feed, err, errlen) ||
	    make_quiet(t->name, err, errlen))
		return -EIO;
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

/* The slow paths' receivers, one small function each: the kernel's own
 * device in collect-metadata mode on the port. */
typedef int (*slow_dev_add_fn)(const char *name, const char *port, char *err, size_t errlen);

/* udp6zerocsumrx: IPv6 VXLAN with a zero UDP checksum, as the fast path
 * takes it. */
static int vxlan_dev_add(const char *name, const char *port, char *err, size_t errlen)
{
	return run((char *[]){ "ip", "link", "add", "name", (char *)name, "type", "vxlan",
			       "external", "dstport", (char *)port, "udp6zerocsumrx", NULL },
		   err, errlen);
}

/* innerprotoinherit: IP-only payloads (protocol type 0x0800/0x86DD, as
 * Google and AWS GWLB send them) are taken beside Ethernet ones. */
static int geneve_dev_add(const char *name, const char *port, char *err, size_t errlen)
{
	return run((char *[]){ "ip", "link", "add", "name", (char *)name, "type", "geneve",
			       "external", "dstport", (char *)port, "udp6zerocsumrx",
			       "innerprotoinherit", NULL }, err, errlen);
}

/* Another socket can take the port between the pick and the device's own
 * bind (at "up"): pick again a few times. A port given (*port) is tried
 * once. */
static int slow_dev_create(const char *prefix, slow_dev_add_fn add, char *name, size_t namelen,
			   __u16 *port, char *err, size_t errlen)
{
	char portstr[8];
	int p;

	for (int tries = 0; tries < (*port ? 1 : 5); tries++) {
		p = *port ? *port : free_udp_port();
		if (p < 0) {
			snprintf(err, errlen, "no free UDP port: %s", strerror(-p));
			return p;
		}
		snprintf(name, namelen, "%s%d", prefix, p);
		snprintf(portstr, sizeof(portstr), "%d", p);
		if (if_nametoindex(name)) {
			snprintf(err, errlen, "%s exists: the port is another slow path's", name);
			if (*port)
				return -EEXIST;
			continue;
		}
		if (add(name, portstr, err, errlen))
			return -EIO;
		if (!mark_made(name, err, errlen) && !make_quiet(name, err, errlen)) {
			*port = p;
			return 0;
		}
		target_delete(name);
	}
	return -EADDRINUSE;
}

int slowpath_create(char *name, size_t namelen, __u16 *port, char *err, size_t errlen)
{
	return slow_dev_create("vtsp", vxlan_dev_add, name, namelen, port, err, errlen);
}

int geneve_slowpath_create(char *name, size_t namelen, __u16 *port, char *err, size_t errlen)
{
	return slow_dev_create("vtsg", geneve_dev_add, name, namelen, port, err, errlen);
}

int target_delete(const char *name)
{
	char err[256];

	if (!if_nametoindex(name))
		return 0;
	if (run((char *[]){ "ip", "link", "del", "dev", (char *)name, NULL }, err, sizeof(err))) {
		pr_warn("%s: can't delete: %s\n", name, err);
		return -EIO;
	}
	return 0;
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

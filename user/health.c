// SPDX-License-Identifier: GPL-2.0
/* What is wrong with the attachments, and what is left of dead ones:
 * `status --check` says it, `cleanup` removes what no one uses. */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>
#include "attachment.h"
#include "backend.h"
#include "health.h"
#include "log.h"
#include "pins.h"
#include "vtapctl.h"

/* Outer IPv4 + UDP + VXLAN + inner Ethernet: what a full-size frame on the
 * NIC leaves for the inner frame's own MTU. */
#define VXLAN_OVERHEAD	50

static void say(struct problems *p, const char *what, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->count++;
	if (p->fn)
		p->fn(p->ctx, what, msg);
}

/* ---- who uses what, in this namespace ----------------------------------- */

struct claim {
	const char *root, *self, *dev;
	char owner[VTAP_IFNAMSIZ];
};

static int find_claim(const char *ifname, void *ctx)
{
	struct claim *c = ctx;
	struct attachment a;
	bool hit = false;

	if (strcmp(ifname, c->self) && !attachment_open(c->root, ifname, false, &a)) {
		hit = attachment_claims(&a, c->dev);
	}
	attachment_close(&a);
	if (hit)
		snprintf(c->owner, sizeof(c->owner), "%s", ifname);
	return hit;
}

/* The attachment other than self (NULL: any) that uses dev, or NULL. */
static const char *claimed_by(struct claim *c, const char *root, const char *self,
			      const char *dev)
{
	*c = (struct claim){ .root = root, .self = self ? self : "", .dev = dev };
	return dev[0] && pin_for_each(root, find_claim, c) == 1 ? c->owner : NULL;
}

/* ---- one attachment ------------------------------------------------------- */

/* A slow-path device the attachment recorded: there, and its alone. */
static void slow_dev_check(struct problems *p, const char *root, const struct attachment *a,
			   const char *dev, const char *kind)
{
	struct claim c;

	if (!if_nametoindex(dev))
		say(p, a->ifname, "%sslow-path device %s missing: %souter fragments are lost; "
			"'vtapctl attach %s' makes it again", kind, dev, kind, a->ifname);
	else if (claimed_by(&c, root, a->ifname, dev))
		say(p, a->ifname, "%sslow-path device %s is also claimed by %s", kind, dev,
		    c.owner);
}

int attachment_check(const char *root, const struct attachment *a, struct problems *p)
{
	const struct vtap_attach_info *info = &a->cfg.info;
	char now[IF_NAMESIZE] = "";
	const char *who = a->ifname;
	int before = p->count, flags, mtu, nic_mtu;

	if (!a->link.xdp.ifindex) {
		say(p, who, "interface gone, its program runs nowhere; 'vtapctl cleanup' "
			"removes what is left");
		return p->count - before;
	}
	if (!if_indextoname(a->link.xdp.ifindex, now))
		snprintf(now, sizeof(now), "%s", a->ifname);
	else if (strcmp(now, a->ifname))
		say(p, who, "the interface is now called %s; 'vtapctl cleanup' moves its pins",
		    now);
	flags = dev_flags(info->target);
	if (flags < 0) {
		say(p, who, "target %s missing: every tapped frame is dropped as "
			"redirect_failed; 'vtapctl attach %s' makes it again", info->target, who);
	} else {
		if (!(flags & IFF_UP))
			say(p, who, "target %s is down: frames redirected to it are lost",
			    info->target);
		mtu = dev_mtu(info->target);
		nic_mtu = dev_mtu(now);
		if (mtu > 0 && nic_mtu > VXLAN_OVERHEAD && mtu < nic_mtu - VXLAN_OVERHEAD)
			say(p, who, "target %s has MTU %d, below the %d of the largest inner "
				"frame %s carries: larger frames are dropped as too_big",
			    info->target, mtu, nic_mtu - VXLAN_OVERHEAD, now);
		if (mtu > 0 && a->cfg.settings.max_frame &&
		    attachment_max_frame(a) != a->cfg.settings.max_frame)
			say(p, who, "target %s or a route's device changed its MTU since attach; "
				"'vtapctl attach %s' updates the frame limit", info->target, who);
	}
	{
		struct vtap_slot slots[VTAP_MAX_SLOTS];
		unsigned int n = read_slots(a, slots);

		for (unsigned int i = 1; i < n; i++)
			if (!if_nametoindex(slots[i].name))
				say(p, who, "route device %s missing: its frames are dropped as "
					"redirect_failed; 'vtapctl attach %s' makes it again",
				    slots[i].name, who);
	}
	/* Each attachment has a slow-path device of its own (or none), and one
	 * for GENEVE with a --geneve-port. A kernel without a geneve driver
	 * (no /sys/module/geneve, whose parameters show even when built in)
	 * can't have one: attach said so, and geneve_unsteered counts what
	 * reaches the stack; that is no problem of the attachment. */
	if (!info->slow_dev[0])
		say(p, who, "no slow path: outer fragments reach the stack");
	else
		slow_dev_check(p, root, a, info->slow_dev, "");
	if (info->geneve_slow_dev[0])
		slow_dev_check(p, root, a, info->geneve_slow_dev, "GENEVE ");
	else if (a->cfg.settings.geneve_ports && !access("/sys/module/geneve", F_OK))
		say(p, who, "no slow path for GENEVE: its outer fragments reach the stack, "
			"counted as geneve_unsteered");
	return p->count - before;
}

/* ---- network namespaces that are gone ------------------------------------ */

/* A namespace lives while a task is in it, a file descriptor or a bind
 * mount (ip netns add) refers to it. Each is visible under /proc. When
 * /proc can't be read whole, the answer is "alive": leave it. */
static bool netns_alive(unsigned long ino)
{
	char want[64], path[PATH_MAX], buf[64], line[1024];
	struct dirent *de, *te;
	bool alive = false;
	struct stat st;
	DIR *proc, *d;
	FILE *f;
	ssize_t n;

	snprintf(want, sizeof(want), "net:[%lu]", ino);
	proc = opendir("/proc");
	if (!proc)
		return true;
	while (!alive && (de = readdir(proc))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		/* Tasks: a thread can be in a namespace of its own. */
		snprintf(path, sizeof(path), "/proc/%s/task", de->d_name);
		d = opendir(path);
		while (d && !alive && (te = readdir(d))) {
			if (te->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/task/%s/ns/net", de->d_name,
				 te->d_name);
			alive = !stat(path, &st) && st.st_ino == ino;
		}
		if (d)
			closedir(d);
		/* Open file descriptors. */
		snprintf(path, sizeof(path), "/proc/%s/fd", de->d_name);
		d = opendir(path);
		while (d && !alive && (te = readdir(d))) {
			snprintf(path, sizeof(path), "/proc/%s/fd/%s", de->d_name, te->d_name);
			n = readlink(path, buf, sizeof(buf) - 1);
			alive = n > 0 && (buf[n] = '\0', !strcmp(buf, want));
		}
		if (d)
			closedir(d);
		/* Bind mounts, in every mount namespace a task is in. */
		snprintf(path, sizeof(path), "/proc/%s/mountinfo", de->d_name);
		f = fopen(path, "r");
		while (f && !alive && fgets(line, sizeof(line), f))
			alive = strstr(line, want) != NULL;
		if (f)
			fclose(f);
	}
	closedir(proc);
	return alive;
}

/* ---- the walk ---------------------------------------------------------------- */

struct scan {
	const char *root;
	bool fix;
	struct problems *p;
	int fixed;
};

static void did(struct scan *s, const char *what, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("%s: %s\n", what, msg);
	s->fixed++;
}

/* One folder of this namespace's attachments. */
static void scan_own(struct scan *s, const char *name)
{
	struct attachment a;
	int ret = attachment_open(s->root, name, s->fix, &a);

	/* Attachments themselves: status --check reports them one by one. */
	if (!ret && !a.link.xdp.ifindex) {
		if (s->fix) {
			remove_stale(s->root, &a);
			did(s, name, "removed (its interface is gone)");
		}
	} else if (!ret) {
		char now[IF_NAMESIZE];

		if (s->fix && if_indextoname(a.link.xdp.ifindex, now) && strcmp(now, name) &&
		    !pins_follow_rename(s->root, &a))
			did(s, name, "pins moved to %s, the interface's name now", now);
	} else if ((ret == -ENOLINK || ret == -ENODATA) && !a.link.xdp.ifindex) {
		if (!s->fix)
			say(s->p, name, "orphaned pins in %s (%s); 'vtapctl cleanup' removes them",
			    a.dir, ret == -ENOLINK ? "no link" : "maps missing, link defunct");
		else if (!pin_dir_remove(a.dir))
			did(s, name, "removed orphaned pins in %s", a.dir);
	} else if (ret == -ENODATA) {
		say(s->p, name, "incomplete pins in %s while its program runs; 'vtapctl detach "
			"%s' removes them", a.dir, name);
	} else if (ret) {
		say(s->p, name, "unreadable pins in %s: %s", a.dir, strerror(-ret));
	}
	attachment_close(&a);
}

static bool all_links_defunct(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	bool defunct = true;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (defunct && (de = readdir(d))) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		int fd;

		if (de->d_name[0] == '.' ||
		    snprintf(path, sizeof(path), "%s/%s/%s", dir, de->d_name, VTAP_PIN_LINK) >=
		    (int)sizeof(path))
			continue;
		fd = bpf_obj_get(path);
		if (fd < 0) {
			defunct = errno == ENOENT;
			continue;
		}
		defunct = !bpf_obj_get_info_by_fd(fd, &info, &len) && !info.xdp.ifindex;
		close(fd);
	}
	closedir(d);
	return defunct;
}

static int remove_ns_folder(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);
	int err = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' &&
		    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < (int)sizeof(path) &&
		    pin_dir_remove(path))
			err = -EIO;
	closedir(d);
	rmdir(dir);
	return err;
}

/* <root>/netns-<inode> of another namespace: only when the namespace is
 * provably gone and no link in it runs. */
static void scan_other_ns(struct scan *s, const char *name, unsigned long ino)
{
	char dir[PATH_MAX];

	if (snprintf(dir, sizeof(dir), "%s/%s", s->root, name) >= (int)sizeof(dir) ||
	    netns_alive(ino))
		return;
	if (!all_links_defunct(dir)) {
		say(s->p, name, "network namespace %lu is gone but a link pinned in %s still "
			"runs: left alone", ino, dir);
		return;
	}
	if (!s->fix)
		say(s->p, name, "orphaned pins in %s: network namespace %lu is gone; "
			"'vtapctl cleanup' removes them", dir, ino);
	else if (!remove_ns_folder(dir))
		did(s, name, "removed the pins of network namespace %lu, which is gone", ino);
	else
		say(s->p, name, "can't remove every pin in %s", dir);
}

/* Devices vtapctl made in this namespace that no attachment uses, under
 * this pin root or the default one. */
struct made_dev {
	char name[IF_NAMESIZE];
};

static int list_made(struct made_dev **out)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.ifi = { .ifi_family = AF_UNSPEC },
	};
	static char buf[32768];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), n = 0;
	bool done = false;
	ssize_t len;

	*out = NULL;
	if (fd < 0)
		return -errno;
	if (send(fd, &req, sizeof(req), 0) < 0)
		goto out;
	while (!done && (len = recv(fd, buf, sizeof(buf), 0)) > 0) {
		for (struct nlmsghdr *nh = (void *)buf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len)) {
			struct ifinfomsg *ifi = NLMSG_DATA(nh);
			int alen = IFLA_PAYLOAD(nh);
			const char *name = NULL, *alias = NULL;

			if (nh->nlmsg_type == NLMSG_DONE || nh->nlmsg_type == NLMSG_ERROR) {
				done = true;
				break;
			}
			for (struct rtattr *rta = IFLA_RTA(ifi); RTA_OK(rta, alen);
			     rta = RTA_NEXT(rta, alen)) {
				if (rta->rta_type == IFLA_IFNAME)
					name = RTA_DATA(rta);
				else if (rta->rta_type == IFLA_IFALIAS)
					alias = RTA_DATA(rta);
			}
			if (!name || !alias || !dev_alias_is_made(alias))
				continue;
			struct made_dev *m = realloc(*out, (n + 1) * sizeof(*m));

			if (!m)
				goto out;
			*out = m;
			snprintf(m[n++].name, sizeof(m->name), "%s", name);
		}
	}
out:
	close(fd);
	return n;
}

static void scan_devices(struct scan *s)
{
	struct made_dev *devs;
	struct claim c;
	int n = list_made(&devs);

	for (int i = 0; i < n; i++) {
		const char *name = devs[i].name;

		if (claimed_by(&c, s->root, NULL, name) ||
		    claimed_by(&c, VTAP_PIN_ROOT_DEFAULT, NULL, name))
			continue;
		if (!s->fix)
			say(s->p, name, "made by vtapctl, used by no attachment; 'vtapctl cleanup' "
				"deletes it");
		else if (!target_delete(name))
			did(s, name, "deleted (made by vtapctl, used by no attachment)");
	}
	free(devs);
}

int health_scan(const char *root, bool fix, struct problems *p)
{
	char own[PATH_MAX];
	struct dirent **names;
	struct stat self;
	struct scan s = { .root = root, .fix = fix, .p = p };
	size_t plen = strlen(VTAP_PIN_NETNS_PREFIX);
	int n;

	if (pin_ns_dir(root, own, sizeof(own)) || stat("/proc/self/ns/net", &self))
		return -EINVAL;
	/* This namespace's folders. */
	n = scandir(own, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		/* In the initial namespace, root holds the others' folders too. */
		if (name[0] != '.' && (strcmp(own, root) || strncmp(name, VTAP_PIN_NETNS_PREFIX, plen)))
			scan_own(&s, name);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	/* Other namespaces' folders. */
	n = scandir(root, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char *end;
		unsigned long ino;

		if (!strncmp(name, VTAP_PIN_NETNS_PREFIX, plen)) {
			ino = strtoul(name + plen, &end, 10);
			if (!*end && ino && ino != (unsigned long)self.st_ino)
				scan_other_ns(&s, name, ino);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	scan_devices(&s);
	return s.fixed;
}

// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include "vtap_abi.h"
#include "log.h"
#include "pins.h"

const char *pin_root_resolve(const char *opt)
{
	const char *env = getenv(VTAP_PIN_ROOT_ENV);

	if (opt && *opt)
		return opt;
	if (env && *env)
		return env;
	return VTAP_PIN_ROOT_DEFAULT;
}

static int is_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

static int mount_bpffs(const char *path)
{
	if (mount("bpf", path, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700"))
		return -errno;
	return 0;
}

static bool dir_empty(int fd)
{
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	struct dirent *de;
	bool empty = true;

	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return false;
	}
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	return empty;
}

/*
 * Walks root one folder at a time, never through a symbolic link, making
 * what is missing. bpffs is mounted only on a folder this call made (so
 * empty, and nobody's data): never over a folder that was there, such as
 * /etc named through a link. The mount goes through the descriptor, so the
 * folder can't be swapped for a link in between.
 */
int pin_root_prepare(const char *root, char *err, size_t errlen)
{
	char buf[PATH_MAX], fdpath[64], *name, *save;
	int dir = -1, parent = -1, ret = 0;
	const char *last = NULL;
	bool made = false;
	struct statfs st;

	if (is_bpffs(root))
		return 0;
	/* The usual place: mount bpffs on /sys/fs/bpf itself, as systemd does. */
	if (!strncmp(root, "/sys/fs/bpf/", 12) && !is_bpffs("/sys/fs/bpf")) {
		ret = mount_bpffs("/sys/fs/bpf");
		if (ret) {
			snprintf(err, errlen, "can't mount bpffs on /sys/fs/bpf: %s", strerror(-ret));
			return ret;
		}
	}
	if (snprintf(buf, sizeof(buf), "%s", root) >= (int)sizeof(buf)) {
		snprintf(err, errlen, "path too long");
		return -ENAMETOOLONG;
	}
	dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (name = strtok_r(buf, "/", &save); name && dir >= 0;
	     name = strtok_r(NULL, "/", &save)) {
		made = !mkdirat(dir, name, 0700);
		if (!made && errno != EEXIST) {
			ret = -errno;
			snprintf(err, errlen, "can't create %s: %s", name, strerror(errno));
			goto out;
		}
		if (parent >= 0)
			close(parent);
		parent = dir;
		last = name;
		dir = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dir < 0) {
			ret = -errno;
			snprintf(err, errlen, "%s: %s", name, errno == ELOOP || errno == ENOTDIR ?
				 "a symbolic link or not a folder; give the real path" :
				 strerror(errno));
			goto out;
		}
	}
	if (dir < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s", strerror(errno));
		goto out;
	}
	if (!fstatfs(dir, &st) && st.f_type == BPF_FS_MAGIC)
		goto out;
	if (!made || !dir_empty(dir)) {
		ret = -EEXIST;
		snprintf(err, errlen, "exists and is not on bpffs; vtapctl mounts bpffs only on a "
			 "folder it creates (mount bpffs there yourself, or name a new folder)");
		goto out;
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", dir);
	ret = mount_bpffs(fdpath);
	if (ret) {
		snprintf(err, errlen, "can't mount bpffs: %s", strerror(-ret));
		close(dir);
		dir = -1;
		unlinkat(parent, last, AT_REMOVEDIR);
	}
out:
	if (dir >= 0)
		close(dir);
	if (parent >= 0)
		close(parent);
	return ret;
}

/* The initial namespace keeps the short layout; others get their own folder
 * so that eth0 in two namespaces never collides. */
int pin_ns_dir(const char *root, char *buf, size_t len)
{
	struct stat self, init;
	int n;

	if (stat("/proc/self/ns/net", &self))
		return -errno;
	if (!stat("/proc/1/ns/net", &init) && init.st_ino == self.st_ino)
		n = snprintf(buf, len, "%s", root);
	else
		n = snprintf(buf, len, "%s/%s%lu", root, VTAP_PIN_NETNS_PREFIX,
			     (unsigned long)self.st_ino);
	return n >= (int)len ? -ENAMETOOLONG : 0;
}

int pin_dir(const char *root, const char *ifname, char *buf, size_t len)
{
	char ns[PATH_MAX];
	int err = pin_ns_dir(root, ns, sizeof(ns));

	if (err)
		return err;
	return snprintf(buf, len, "%s/%s", ns, ifname) >= (int)len ? -ENAMETOOLONG : 0;
}

int pin_path(const char *dir, const char *name, char *buf, size_t len)
{
	return snprintf(buf, len, "%s/%s", dir, name) >= (int)len ? -ENAMETOOLONG : 0;
}

int pin_for_each(const char *root, int (*fn)(const char *ifname, void *ctx), void *ctx)
{
	char ns[PATH_MAX], link[PATH_MAX];
	struct dirent **names;
	int n, err = 0;

	err = pin_ns_dir(root, ns, sizeof(ns));
	if (err)
		return err;
	n = scandir(ns, &names, NULL, alphasort);
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		if (!err && name[0] != '.' &&
		    !pin_path(ns, name, link, sizeof(link)) &&
		    strlen(link) + sizeof("/" VTAP_PIN_LINK) < sizeof(link)) {
			strcat(link, "/" VTAP_PIN_LINK);
			if (!access(link, F_OK))
				err = fn(name, ctx);
		}
		free(names[i]);
	}
	free(names);
	return err;
}

int pin_mkdir(const char *dir)
{
	return mkdir_p(dir, 0700);
}

int pin_dir_remove(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);
	int err = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (pin_path(dir, de->d_name, path, sizeof(path)) || unlink(path))
			err = -errno;
	}
	closedir(d);
	if (rmdir(dir) && !err)
		err = -errno;
	/* A namespace's folder goes with its last attachment. */
	if (!err && snprintf(path, sizeof(path), "%s", dir) < (int)sizeof(path)) {
		char *slash = strrchr(path, '/');

		if (slash && (*slash = '\0', strrchr(path, '/')) &&
		    !strncmp(strrchr(path, '/') + 1, VTAP_PIN_NETNS_PREFIX,
			     strlen(VTAP_PIN_NETNS_PREFIX)))
			rmdir(path);
	}
	return err;
}

/* bpffs holds no regular files, but a folder can be flocked: the root
 * itself is the lock, so every namespace's attachments (and the targets
 * they share) change under one lock. Another vtapctl holds it for a few
 * hundred milliseconds at most; waiting beats failing. */
int pin_root_lock(const char *root, bool exclusive)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), waited = 0;

	if (fd < 0)
		return -errno;
	while (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB)) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			waited = -errno;
			close(fd);
			return waited;
		}
		if (waited == 10)
			pr_info("%s: waiting for another vtapctl\n", root);
		if (waited++ >= PIN_LOCK_WAIT_S * 10) {
			close(fd);
			return -EBUSY;
		}
		usleep(100000);
	}
	return fd;
}

/* Whether a process other than this one is in the mount namespace self. */
static bool mntns_shared(const struct stat *self)
{
	char path[64];
	struct dirent *de;
	struct stat st;
	bool shared = false;
	int seen = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return true;
	while (!shared && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9' || atoi(de->d_name) == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/mnt", de->d_name);
		if (stat(path, &st))
			continue;
		seen++;
		shared = st.st_ino == self->st_ino && st.st_dev == self->st_dev;
	}
	closedir(d);
	return shared || !seen;		/* no other process visible: can't tell */
}

/* `ip netns exec` runs its command in a mount namespace of its own with a
 * fresh /sys: a bpffs mounted there, with every pin in it, dies with the
 * command. So: the root is not on bpffs yet, and this mount namespace is
 * not PID 1's (when that can be read) or has no other process in it. ns
 * gets the name of this network namespace under /run/netns ("NAME" when
 * it has none). */
bool pin_root_vanishes(const char *root, char *ns, size_t len)
{
	struct stat self, init, st;
	struct statfs sf;
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(ns, len, "NAME");
	/* A root we may not look at is not ours to judge: the caller's own
	 * attempt says "permission denied". */
	if (statfs(root, &sf) ? errno != ENOENT : sf.f_type == BPF_FS_MAGIC)
		return false;
	if (stat("/proc/self/ns/mnt", &self))
		return false;
	if (!stat("/proc/1/ns/mnt", &init) ? init.st_ino == self.st_ino : mntns_shared(&self))
		return false;
	d = opendir("/run/netns");
	if (d && !stat("/proc/self/ns/net", &self)) {
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.' ||
			    snprintf(path, sizeof(path), "/run/netns/%s", de->d_name) >=
			    (int)sizeof(path) || stat(path, &st))
				continue;
			if (st.st_ino == self.st_ino && st.st_dev == self.st_dev) {
				snprintf(ns, len, "%s", de->d_name);
				break;
			}
		}
	}
	if (d)
		closedir(d);
	return true;
}

/* SPDX-License-Identifier: GPL-2.0 */
/* Where vtapctl keeps its pins: <pin root>[/netns-<inode>]/<ifname>/. */
#ifndef VTAP_PINS_H
#define VTAP_PINS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

/* --pin-root, else $VTAP_PIN_ROOT, else the default. */
const char *pin_root_resolve(const char *opt);
/* Make sure the pin root exists on a bpffs, mounting one only on a folder
 * it makes; on error err says why. */
int pin_root_prepare(const char *root, char *err, size_t errlen);
/* The folder that holds this network namespace's attachments. */
int pin_ns_dir(const char *root, char *buf, size_t len);
int pin_dir(const char *root, const char *ifname, char *buf, size_t len);
int pin_path(const char *dir, const char *name, char *buf, size_t len);
/* Calls fn for each attached interface name in this namespace, sorted. */
int pin_for_each(const char *root, int (*fn)(const char *ifname, void *ctx), void *ctx);
/* Creates dir (and parents) with mode 0700. */
int pin_mkdir(const char *dir);
/* Removes every pin in dir, then dir itself. */
int pin_dir_remove(const char *dir);
/* Takes the pin root's lock (exclusive for commands that change state),
 * waiting up to PIN_LOCK_WAIT_S seconds; the fd to close, or -EBUSY. */
#define PIN_LOCK_WAIT_S	30
int pin_root_lock(const char *root, bool exclusive);
/* True when the root would be mounted in a mount namespace that dies with
 * this process (ip netns exec); ns: the network namespace's name. */
bool pin_root_vanishes(const char *root, char *ns, size_t len);

#endif

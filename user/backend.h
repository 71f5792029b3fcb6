/* SPDX-License-Identifier: GPL-2.0 */
/* The monitor device (vtap0) behind a tap: kmod (vtap.ko), veth, or a
 * device the user already has. */
#ifndef VTAP_BACKEND_H
#define VTAP_BACKEND_H

#include <stdbool.h>
#include "vtap_abi.h"

enum backend_req { BACKEND_AUTO, BACKEND_KMOD, BACKEND_VETH };

struct target {
	char name[VTAP_IFNAMSIZ];	/* where packet taps listen */
	char feed[VTAP_IFNAMSIZ];	/* veth: the end frames are redirected into */
	int backend;			/* enum vtap_backend */
	bool created;			/* made by this call: undo on failure */
	int redirect_ifindex;		/* devmap value */
};

/* Find or create the target named name. On error, err holds why. */
int target_prepare(const char *name, enum backend_req req, struct target *t,
		   char *err, size_t errlen);
/* Whether vtapctl made the device (it marks what it makes). */
bool dev_made_by_vtapctl(const char *name);
/* Whether a device's alias is the mark vtapctl puts on what it makes. */
bool dev_alias_is_made(const char *alias);
/* Deletes a device (a target or slow-path device that vtapctl made). */
int target_delete(const char *name);
/* The veth feed name for a target name ("<name>-feed"). */
int veth_feed_name(const char *name, char *buf, size_t len);
/* An attachment's slow-path receiver: a vxlan device in collect-metadata
 * mode on a UDP port no one else uses (*port, or one the kernel picks when
 * it is 0), named vtsp<port>, quiet like the target. Its name goes to
 * name, its port (host order) to port. */
int slowpath_create(char *name, size_t namelen, __u16 *port, char *err, size_t errlen);
/* The same for GENEVE: a geneve device in collect-metadata mode with
 * innerprotoinherit, named vtsg<port>. Fails where the kernel has no
 * geneve driver. */
int geneve_slowpath_create(char *name, size_t namelen, __u16 *port, char *err, size_t errlen);
/* MTU of a device, or a negative errno. */
int dev_mtu(const char *ifname);
/* IFF_* flags of a device, or a negative errno. */
int dev_flags(const char *ifname);
/* Driver name as ethtool -i reports it; "" when unknown. */
int dev_driver(const char *ifname, char *buf, size_t len);

#endif

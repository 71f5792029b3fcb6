/* SPDX-License-Identifier: GPL-2.0 */
/* rtnetlink requests (libmnl), answered with the kernel's own words. */
#ifndef VTAP_RTNL_H
#define VTAP_RTNL_H

#include <stddef.h>
#include <libmnl/libmnl.h>

/* Requests are small: a header, an ifinfomsg and a few attributes. */
#define RTNL_REQ_SIZE	1024

/*
 * Sends the request nlh (NLM_F_REQUEST and NLM_F_ACK are added, and its
 * sequence number) on a NETLINK_ROUTE socket of this network namespace
 * and waits for the kernel's ack. Replies before the ack go to cb (may be
 * NULL) with data. 0, or a negative errno with why in err: the error's
 * strerror, then the kernel's extended ack message when it gave one.
 */
int rtnl_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data, char *err, size_t errlen);

#endif

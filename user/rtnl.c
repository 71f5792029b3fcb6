// SPDX-License-Identifier: GPL-2.0
/* One rtnetlink request at a time, each on a socket of its own: vtapctl
 * sends a handful per command, so nothing stray from an earlier request
 * can be read as the answer to the next. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include "log.h"
#include "rtnl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK		11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK		10
#endif

struct talk {
	mnl_cb_t cb;
	void *data;
	int error;		/* the ack's, 0 or a negative errno */
	char msg[256];		/* its NLMSGERR_ATTR_MSG */
};

static int extack_attr(const struct nlattr *attr, void *data)
{
	struct talk *t = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
		snprintf(t->msg, sizeof(t->msg), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/* The ack (error 0) or the error, with the extended ack's attributes
 * after the request the kernel echoes (none with NETLINK_CAP_ACK). */
static int ack_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct talk *t = data;
	size_t off = sizeof(*e);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		t->error = -EBADMSG;
		return MNL_CB_ERROR;
	}
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
		mnl_attr_parse(nlh, off, extack_attr, t);
	}
	t->error = e->error > 0 ? -e->error : e->error;
	if (!t->error && t->msg[0])	/* a warning: the request was done */
		pr_debug("netlink: %s\n", t->msg);
	return t->error ? MNL_CB_ERROR : MNL_CB_STOP;
}

static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_STOP;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;

	return t->cb ? t->cb(nlh, t->data) : MNL_CB_OK;
}

int rtnl_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data, char *err, size_t errlen)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {	/* libmnl takes it non-const */
		[NLMSG_ERROR] = ack_cb, [NLMSG_DONE] = done_cb,
	};
	static unsigned int seq;
	struct talk t = { .cb = cb, .data = data };
	char buf[16384];	/* a link's reply without its stats fits */
	struct mnl_socket *nl;
	unsigned int portid;
	int one = 1, ret;
	ssize_t n;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl) {
		ret = -errno;
		goto out;
	}
	/* The kernel's reason in words, and no copy of the request with it.
	 * Kernels without them just say less. */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	if (!seq)
		seq = time(NULL);
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	/* Until the ack; mnl_cb_run2 refuses what has another seq or port id. */
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		errno = 0;
		ret = mnl_cb_run2(buf, n, nlh->nlmsg_seq, portid, data_cb, &t, ctl,
				  NLMSG_MIN_TYPE);
	} while (ret == MNL_CB_OK);
	if (ret == MNL_CB_ERROR)
		ret = t.error ? t.error : errno ? -errno : -EPROTO;
	else
		ret = 0;
out:
	if (ret) {
		snprintf(err, errlen, "%s%s%s", strerror(-ret), t.msg[0] ? ": " : "", t.msg);
		pr_debug("netlink: %s\n", err);
	}
	if (nl)
		mnl_socket_close(nl);
	return ret;
}

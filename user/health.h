/* SPDX-License-Identifier: GPL-2.0 */
/* Problems of attachments (status --check) and leftovers (cleanup). */
#ifndef VTAP_HEALTH_H
#define VTAP_HEALTH_H

#include <stdbool.h>
#include <stddef.h>

struct attachment;

/* Each problem found goes to fn (when set): what it is about, and one line
 * saying what is wrong and what to do. */
struct problems {
	void (*fn)(void *ctx, const char *what, const char *msg);
	void *ctx;
	int count;
};

/* One attachment: interface gone or renamed, target missing, down or too
 * small, slow path missing or another's. Returns how many were found. */
int attachment_check(const char *root, const struct attachment *a, struct problems *p);

/* Leftovers under root and in this namespace: pins of attachments whose
 * interface is gone, incomplete pin folders, folders of network namespaces
 * that are gone (proven through /proc; a live link keeps them), devices
 * vtapctl made that no attachment uses. fix: remove them, printing a line
 * each, and return how many; else report them to p. */
int health_scan(const char *root, bool fix, struct problems *p);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* Configuration files: a command's options, one per line, by their long
 * names (the option table's own), for vtapctl attach --config. */
#ifndef VTAP_CONFIG_H
#define VTAP_CONFIG_H

#include <stddef.h>
#include <stdio.h>

/* One option of a command: its long name, whether it takes a value
 * (getopt's no_argument/required_argument), its short letter or a code
 * >= 256, and what help and the man page show. */
struct opt_def {
	const char *name;
	int has_arg;
	int val;
	const char *metavar;
	const char *help;
};

/* The longest line a configuration file may have, newline included. */
#define VTAP_CONFIG_LINE_MAX 1024

/* Called for each option line: where is "FILE:LINE" for messages, value
 * NULL for an option without one. A positive return (the callback said
 * why) stops the parse and is returned. */
typedef int (*config_fn)(void *ctx, const struct opt_def *o, const char *value,
			 const char *where);

/*
 * Reads "NAME [VALUE]" lines from f: NAME one of opts' long names (without
 * the dashes) other than those in the NULL-terminated list skip, VALUE
 * present exactly when the option takes one. '#' starts a comment; blank
 * lines and surrounding white space are ignored. path names the file in
 * messages. Returns 0; -EINVAL with "FILE:LINE: problem" in err for a line
 * that is not such an option (or a file that is not text); -errno with
 * "FILE: why" for a read error; or what fn returned.
 */
int config_parse(FILE *f, const char *path, const struct opt_def *opts,
		 const char *const *skip, config_fn fn, void *ctx, char *err, size_t errlen);

#endif

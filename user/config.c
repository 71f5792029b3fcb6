// SPDX-License-Identifier: GPL-2.0
/* Configuration files: "NAME VALUE" per line, NAME a long option name. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include "args.h"
#include "config.h"

#define SPACE " \t\r"

static const struct opt_def *find_opt(const struct opt_def *opts, const char *name)
{
	for (const struct opt_def *o = opts; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

static bool listed(const char *const *names, const char *name)
{
	for (; names && *names; names++)
		if (!strcmp(*names, name))
			return true;
	return false;
}

/* One line into buf without its newline: 1, 0 at the end of the file, or
 * -E2BIG (too long), -EILSEQ (a NUL or control character), -errno. */
static int read_line(FILE *f, char *buf, size_t len)
{
	size_t n = 0;
	int c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (n + 1 >= len)
			return -E2BIG;
		if (c == '\0' || (c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
			return -EILSEQ;
		buf[n++] = c;
	}
	buf[n] = '\0';
	if (ferror(f))
		return -(errno ? errno : EIO);
	return c == EOF && !n ? 0 : 1;
}

/* The error for line nr of path, with the name shown printable and cut. */
static int line_error(char *err, size_t errlen, const char *path, unsigned int nr,
		      const char *fmt, const char *name)
{
	char shown[48], what[128];

	snprintf(what, sizeof(what), fmt, name ? format_arg(name, shown, sizeof(shown)) : "");
	snprintf(err, errlen, "%s:%u: %s", path, nr, what);
	return -EINVAL;
}

int config_parse(FILE *f, const char *path, const struct opt_def *opts,
		 const char *const *skip, config_fn fn, void *ctx, char *err, size_t errlen)
{
	char line[VTAP_CONFIG_LINE_MAX], shown[256], where[sizeof(shown) + 16], *name, *value, *end;
	const struct opt_def *o;
	unsigned int nr = 0;
	int ret;

	/* The path in one-line messages: printable, not too long. */
	path = format_arg(path, shown, sizeof(shown));
	while ((ret = read_line(f, line, sizeof(line))) != 0) {
		nr++;
		if (ret == -E2BIG)
			return line_error(err, errlen, path, nr, "line longer than %s characters",
					  "1023");
		if (ret == -EILSEQ)
			return line_error(err, errlen, path, nr,
					  "not text: a NUL or control character%s", NULL);
		if (ret < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(-ret));
			return ret;
		}
		line[strcspn(line, "#")] = '\0';
		name = line + strspn(line, SPACE);
		if (!*name)
			continue;
		value = name + strcspn(name, SPACE);
		if (*value) {
			*value++ = '\0';
			value += strspn(value, SPACE);
			for (end = value + strlen(value); end > value && strchr(SPACE, end[-1]); end--)
				;
			*end = '\0';
		}
		if (!strncmp(name, "--", 2))
			return line_error(err, errlen, path, nr,
					  "'%s': write the option's name without the dashes", name);
		o = find_opt(opts, name);
		if (!o)
			return line_error(err, errlen, path, nr, "unknown option '%s'", name);
		if (listed(skip, name))
			return line_error(err, errlen, path, nr,
					  "'%s' can't be set in a configuration file", name);
		if (o->has_arg == required_argument && !*value)
			return line_error(err, errlen, path, nr, "'%s' needs a value", name);
		if (o->has_arg == no_argument && *value)
			return line_error(err, errlen, path, nr, "'%s' takes no value", name);
		if (value[strcspn(value, SPACE)])
			return line_error(err, errlen, path, nr,
					  "'%s' takes one value per line (repeat the line for more)",
					  name);
		snprintf(where, sizeof(where), "%s:%u", path, nr);
		ret = fn(ctx, o, *value ? value : NULL, where);
		if (ret)
			return ret;
	}
	return 0;
}

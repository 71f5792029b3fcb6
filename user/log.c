// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <bpf/libbpf.h>
#include "log.h"

enum vtap_log_level vtap_log_level = LOG_WARN;

static void vtap_vlog(enum vtap_log_level level, const char *fmt, va_list ap)
{
	if (level > vtap_log_level)
		return;
	vfprintf(stderr, fmt, ap);
}

void vtap_log(enum vtap_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vtap_vlog(level, fmt, ap);
	va_end(ap);
}

/* libbpf's warnings (e.g. a failed probe we handle ourselves) are not ours
 * to show by default: demote each by one level, as xdp-tools does. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum vtap_log_level ours = level == LIBBPF_WARN ? LOG_INFO : LOG_DEBUG;

	vtap_vlog(ours, fmt, ap);
	return 0;
}

void vtap_log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

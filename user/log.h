/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VTAP_LOG_H
#define VTAP_LOG_H

#include <stdio.h>

enum vtap_log_level { LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum vtap_log_level vtap_log_level;

void vtap_log(enum vtap_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Route libbpf's messages through vtap_log, one level lower than libbpf's. */
void vtap_log_setup_libbpf(void);

#define pr_warn(fmt, ...)  vtap_log(LOG_WARN, "vtapctl: " fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)  vtap_log(LOG_INFO, "vtapctl: " fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) vtap_log(LOG_DEBUG, "vtapctl: " fmt, ##__VA_ARGS__)

/* Exit codes (DESIGN.md, CLI): */
#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* The unit suites beside test_args.c, which holds main(). */
#ifndef VTAP_UNIT_H
#define VTAP_UNIT_H

void register_settings_tests(void);
void register_config_tests(void);

#endif

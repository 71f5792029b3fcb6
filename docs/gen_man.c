// SPDX-License-Identifier: GPL-2.0
/*
 * Turns docs/vtapctl.8.in into vtapctl(8): each line "@SECTION@" becomes
 * that part as vtapctl's own option tables generate it (user/vtapctl.c,
 * vtapctl_man), "@VERSION@" anywhere becomes the version.
 */
#include <stdio.h>
#include <string.h>
#include "vtapctl.h"

int main(void)
{
	char line[1024], *at;

	while (fgets(line, sizeof(line), stdin)) {
		size_t n = strlen(line);

		if (n > 3 && line[0] == '@' && line[n - 2] == '@' && line[n - 1] == '\n') {
			line[n - 2] = '\0';
			vtapctl_man(stdout, line + 1);
			continue;
		}
		at = strstr(line, "@VERSION@");
		if (at) {
			*at = '\0';
			printf("%s%s%s", line, VTAP_VERSION, at + strlen("@VERSION@"));
		} else {
			fputs(line, stdout);
		}
	}
	return ferror(stdout) ? 1 : 0;
}

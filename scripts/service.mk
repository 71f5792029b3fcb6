# SPDX-License-Identifier: GPL-2.0
# vtap as a service (README, "Operating vtap"): the systemd units, with the
# paths of this install written in, and the example configuration.
#   make install-service   vtap@.service, /etc/vtap/, the example config
# (make install runs it; DESTDIR, PREFIX, SBINDIR, SYSCONFDIR, SYSTEMDDIR).

SYSCONFDIR ?= /etc
SYSTEMDDIR ?= $(PREFIX)/lib/systemd/system
DOCDIR     ?= $(PREFIX)/share/doc/vtap
UNITS      := $(wildcard systemd/*.service.in)

.PHONY: install-service

install-service:
	install -d $(DESTDIR)$(SYSTEMDDIR) $(DESTDIR)$(SYSCONFDIR)/vtap $(DESTDIR)$(DOCDIR)/examples
	for u in $(UNITS); do \
		sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' $$u \
			>$(DESTDIR)$(SYSTEMDDIR)/$$(basename $$u .in) && \
		chmod 0644 $(DESTDIR)$(SYSTEMDDIR)/$$(basename $$u .in) || exit 1; \
	done
	install -m 0644 systemd/example.conf $(DESTDIR)$(DOCDIR)/examples/vtap.conf

install: install-service

# SPDX-License-Identifier: GPL-2.0
# Debian packages, built by dpkg-buildpackage (debian/) from a copy of the
# tree, so the tree itself stays clean:
#   make deb         $(OUT)/deb/vtap_<version>_<arch>.deb and
#                    $(OUT)/deb/vtap-dkms_<version>_all.deb
# VERSION is the one source of the version: debian/changelog's newest entry
# and dkms.conf must say the same, or nothing is built.

DEB_OUT := $(OUT)/deb
DEB_SRC := $(DEB_OUT)/src/vtap-$(VERSION)

.PHONY: deb deb-version

deb-version:
	$(Q)v=$$(dpkg-parsechangelog -l debian/changelog -S Version) && [ "$$v" = "$(VERSION)" ] || \
	    { echo "deb: debian/changelog's newest entry is $$v, VERSION says $(VERSION): add an entry (dch -v $(VERSION))" >&2; exit 1; }
	$(Q)v=$$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf) && [ "$$v" = "$(VERSION)" ] || \
	    { echo "deb: dkms.conf's PACKAGE_VERSION is $$v, VERSION says $(VERSION)" >&2; exit 1; }

# The copy holds what git tracks (and new files it does not ignore), or,
# outside git, the tree without build output. The environment of this make
# (OUT, CFLAGS, MAKEFLAGS) must not leak into the package build.
deb: deb-version
	$(call msg,DEB,$(DEB_OUT))
	$(Q)rm -rf $(DEB_OUT) && mkdir -p $(DEB_SRC)
	$(Q)if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then \
		git ls-files -z -co --exclude-standard | \
		    xargs -0 sh -c 'for f; do [ -e "$$f" ] && printf "%s\0" "$$f"; done' sh | \
		    tar -c --null -T - -f - | tar -x -C $(DEB_SRC); \
	else \
		tar -c --exclude=./$(OUT) --exclude='*.o' --exclude='*.ko' -f - . | tar -x -C $(DEB_SRC); \
	fi
	$(Q)cd $(DEB_SRC) && env -u OUT -u CFLAGS -u LDFLAGS -u CPPFLAGS -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    DEB_BUILD_OPTIONS="parallel=$$(nproc) $${DEB_BUILD_OPTIONS:-}" \
	    dpkg-buildpackage -b -us -uc > ../build.log 2>&1 || \
	    { tail -n 40 $(DEB_OUT)/src/build.log >&2; echo "deb: dpkg-buildpackage failed, log in $(DEB_OUT)/src/build.log" >&2; exit 1; }
	$(Q)mv $(DEB_OUT)/src/*.deb $(DEB_OUT)/src/*.changes $(DEB_OUT)/src/*.buildinfo $(DEB_OUT)/
	$(Q)ls $(DEB_OUT)/*.deb

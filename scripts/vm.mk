# SPDX-License-Identifier: GPL-2.0
# vtap.ko for the Debian 12 cloud kernels, the qemu vm tests and install.
#   make kmod-vm         vtap.ko for every kernel `selftests/vm/kernels.sh list`
#                        finds (6.1 and 6.12), in $(OUT)/vm/kmod/<release>/
#   make kmod-6.1 / kmod-6.12   one of them
#   make vmtest          boot each in qemu (TCG) and run selftests/vm
#   make install         install-user, and the module built for KDIR
#   make install-user    vtapctl, BPF objects, man pages, udev rule (the vtap
#                        package)
#   make install-dkms    the module's source and dkms.conf in
#                        /usr/src/vtap-<version> (the vtap-dkms package)

VM_OUT    := $(OUT)/vm
VM_KVERS  := $(shell selftests/vm/kernels.sh list 2>/dev/null)
VM_KMODS  := $(foreach k,$(VM_KVERS),$(VM_OUT)/kmod/$(k)/vtap.ko)
KMOD_SRCS := Kbuild VERSION include/vtap_abi.h $(wildcard kmod/*.c kmod/*.h)

.PHONY: kmod-vm kmod-6.1 kmod-6.12 vm-tools vm-prep vmtest install install-user install-dkms

kmod-vm: $(VM_KMODS)
	$(Q)[ -n "$(VM_KVERS)" ] || { echo "kmod-vm: no Debian cloud kernel headers (make deps)" >&2; exit 1; }

kmod-6.1: $(foreach k,$(filter 6.1.%,$(VM_KVERS)),$(VM_OUT)/kmod/$(k)/vtap.ko)
kmod-6.12: $(foreach k,$(filter 6.12.%,$(VM_KVERS)),$(VM_OUT)/kmod/$(k)/vtap.ko)

# One copy of the sources per kernel, so builds for several kernels (and
# `make kmod` in the tree) never share objects. Warnings are errors here.
$(VM_OUT)/kmod/%/vtap.ko: $(KMOD_SRCS)
	$(call msg,KMOD,$@)
	$(Q)rm -rf $(@D) && mkdir -p $(@D)/kmod $(@D)/include && \
	    cp Kbuild VERSION $(@D)/ && cp $(filter kmod/%,$(KMOD_SRCS)) $(@D)/kmod/ && \
	    cp include/vtap_abi.h $(@D)/include/
	$(Q)$(MAKE) -s -C /lib/modules/$*/build M=$(abspath $(@D)) KCFLAGS=-Werror \
	    modules > $(@D)/build.log 2>&1 || { cat $(@D)/build.log >&2; exit 1; }
	$(Q)! grep -i 'warning' $(@D)/build.log >&2

$(VM_OUT)/vtap_vmtool: selftests/vm/vtap_vmtool.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -static -O2 -Wall -Wextra -Werror $< -o $@

# Another program's XDP metadata, which vtap.ko must not take for vtap's.
$(VM_OUT)/garbage_meta.bpf.o: selftests/vm/garbage_meta.bpf.c include/vtap_abi.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# The guest's tools; vm-prep adds vtap.ko built for each kernel.
vm-tools: $(VM_OUT)/vtap_vmtool $(VM_OUT)/garbage_meta.bpf.o $(OUT)/test_xdp $(BPF_OBJS)
vm-prep: kmod-vm vm-tools

# vtapctl attaches in the guest when it builds; else the guest uses bpftool.
vmtest: $(BPF_OBJS)
	-$(Q)$(MAKE) --no-print-directory $(OUT)/vtapctl >/dev/null 2>&1 || \
	    echo "vmtest: $(OUT)/vtapctl does not build, the guest attaches with bpftool"
	$(Q)OUT=$(OUT) selftests/vm/run.sh

# ---- install (DESTDIR aware) -----------------------------------------------
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
LIBDIR     ?= $(PREFIX)/lib
MANDIR     ?= $(PREFIX)/share/man
KRELEASE   ?= $(or $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null),$(shell uname -r))
MODDIR     ?= /lib/modules/$(KRELEASE)/updates
UDEVRULESDIR ?= /lib/udev/rules.d

DKMSDIR    ?= /usr/src/vtap-$(VERSION)

install-user: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR)/vtap $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(UDEVRULESDIR)
	install -m 0755 $(OUT)/vtapctl $(DESTDIR)$(SBINDIR)/vtapctl
	install -m 0644 $(BPF_OBJS) $(DESTDIR)$(LIBDIR)/vtap/
	install -m 0644 docs/vtap.8 $(DESTDIR)$(MANDIR)/man8/vtap.8
	install -m 0644 $(OUT)/vtapctl.8 $(DESTDIR)$(MANDIR)/man8/vtapctl.8
	install -m 0644 kmod/84-vtap.rules $(DESTDIR)$(UDEVRULESDIR)/84-vtap.rules

# What DKMS builds vtap.ko from: the files the vm kernels' builds copy.
install-dkms:
	install -d $(DESTDIR)$(DKMSDIR)/kmod $(DESTDIR)$(DKMSDIR)/include
	install -m 0644 Kbuild VERSION dkms.conf $(DESTDIR)$(DKMSDIR)/
	install -m 0644 $(filter kmod/%,$(KMOD_SRCS)) $(DESTDIR)$(DKMSDIR)/kmod/
	install -m 0644 $(filter include/%,$(KMOD_SRCS)) $(DESTDIR)$(DKMSDIR)/include/

install: install-user
	@if [ -e $(KDIR)/Makefile ]; then \
		$(MAKE) -C $(KDIR) M=$(CURDIR) modules && \
		install -d $(DESTDIR)$(MODDIR) && \
		install -m 0644 vtap.ko $(DESTDIR)$(MODDIR)/vtap.ko && \
		{ [ -n "$(DESTDIR)" ] || depmod -a $(KRELEASE); }; \
	else \
		echo "install: no kernel headers in $(KDIR): vtap.ko not installed (KDIR=..., or dkms: see dkms.conf)"; \
	fi

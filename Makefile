# SPDX-License-Identifier: GPL-2.0
# vtap top-level build. Everything built goes to $(OUT); `make V=1` shows commands.
# The kernel module is built by Kbuild (see Kbuild and `make kmod`).

OUT      ?= build
V        ?= 0
ARCH_DIR := $(shell uname -m)-linux-gnu
CLANG    ?= clang
BPFTOOL  ?= bpftool
CC       ?= gcc
KDIR     ?= /lib/modules/$(shell uname -r)/build

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' $(1) $(2);
endif

VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
CFLAGS   ?= -O2 -g
CFLAGS   += -Wall -Wextra -Werror -Wno-format-truncation -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -I$(OUT) \
            -DVTAP_VERSION='"$(VERSION)"' $(SAN_CFLAGS)
LDLIBS   := -lbpf -lelf -lz -lmicrohttpd -lmnl
BPF_CFLAGS := -target bpf -g -O2 -Wall -Werror -Iinclude -I/usr/include/$(ARCH_DIR)

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(OUT)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))
USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(patsubst user/%.c,$(OUT)/user/%.o,$(USER_SRCS))
# vtapctl's objects without main(), for the test programs to link against.
LIB_OBJS  := $(filter-out $(OUT)/user/vtapctl.o,$(USER_OBJS))

.PHONY: all deps check tests kmod clean sanitize
.DEFAULT_GOAL := all

all: $(BPF_OBJS) $(SKELS) $(OUT)/vtapctl

$(OUT) $(OUT)/user:
	$(Q)mkdir -p $@

$(OUT)/%.bpf.o: bpf/%.bpf.c include/vtap_abi.h | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(OUT)/user/%.o: user/%.c $(wildcard user/*.h) include/vtap_abi.h $(SKELS) | $(OUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(OUT)/vtapctl: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS)

# Each test suite adds its own build rules and appends to TEST_BINS.
TEST_BINS :=
-include selftests/*/build.mk
# Other make targets (lab, vmtest, bench, ...) live beside their scripts.
-include scripts/*.mk

tests: all $(TEST_BINS)

deps:
	$(Q)scripts/deps.sh

# Every suite, one summary, non-zero on any failure.
check: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)OUT=$(OUT) scripts/run-tests.sh

# The unit and net suites against vtapctl built with ASan and UBSan into
# $(OUT)/asan (selftests/sanitize/run.sh; make check runs it as a suite).
sanitize:
	$(Q)OUT=$(OUT) SUITES=sanitize scripts/run-tests.sh

kmod:
	$(Q)$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(Q)rm -rf $(OUT)
	$(Q)rm -f kmod/*.o kmod/.*.cmd kmod/*.mod* .*.cmd *.ko *.mod *.mod.c *.o Module.symvers modules.order

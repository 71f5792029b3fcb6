# SPDX-License-Identifier: GPL-2.0
# selftests/bpf: CUnit + BPF_PROG_TEST_RUN on the real XDP object.
# Included by the top Makefile; $(OUT)/prog_ns is a benchmark, not a test.

BPF_TEST_SRCS := $(filter-out selftests/bpf/prog_ns.c,$(wildcard selftests/bpf/*.c))
BPF_TEST_DEPS := $(wildcard selftests/bpf/*.h) selftests/cunit_main.h include/vtap_abi.h \
		 $(OUT)/vtap.skel.h

$(OUT)/test_xdp: $(BPF_TEST_SRCS) $(BPF_TEST_DEPS) | $(OUT)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -Iselftests/bpf $(BPF_TEST_SRCS) -o $@ -lcunit $(LDLIBS)

$(OUT)/prog_ns: selftests/bpf/prog_ns.c $(BPF_TEST_DEPS) | $(OUT)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -Iselftests/bpf $< -o $@ $(LDLIBS)

TEST_BINS += $(OUT)/test_xdp

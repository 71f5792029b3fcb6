# selftests/fuzz: differential fuzzing of the XDP program against the
# reference decision function (included by the top-level Makefile).
#   $(OUT)/fuzz/fuzz_xdp      libFuzzer harness (clang, ASan + UBSan)
#   $(OUT)/fuzz/fuzz_regress  seed known answers + regression frames; writes the seed corpus
FUZZ_DIR  := selftests/fuzz
FUZZ_SRCS := $(FUZZ_DIR)/vtap_ref.c $(FUZZ_DIR)/fuzz_frame.c $(FUZZ_DIR)/fuzz_xdp.c
FUZZ_DEPS := $(wildcard $(FUZZ_DIR)/*.h) include/vtap_abi.h $(OUT)/vtap.skel.h
FUZZ_SAN  ?= -fsanitize=address,undefined -fno-sanitize-recover=all
# Coverage guidance comes from the reference and the harness; the frame
# builder is left uninstrumented so its loops don't count as behaviour.
FUZZ_CFLAGS = $(CFLAGS) -Wno-unknown-warning-option -I$(FUZZ_DIR) -DVTAP_FUZZ_LIBFUZZER $(FUZZ_SAN)

TEST_BINS += $(OUT)/fuzz/fuzz_xdp $(OUT)/fuzz/fuzz_regress

$(OUT)/fuzz:
	$(Q)mkdir -p $@

$(OUT)/fuzz/%.fz.o: $(FUZZ_DIR)/%.c $(FUZZ_DEPS) | $(OUT)/fuzz
	$(call msg,CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(OUT)/fuzz/fuzz_frame.fz.o: $(FUZZ_DIR)/fuzz_frame.c $(FUZZ_DEPS) | $(OUT)/fuzz
	$(call msg,CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@

$(OUT)/fuzz/fuzz_xdp: $(patsubst $(FUZZ_DIR)/%.c,$(OUT)/fuzz/%.fz.o,$(FUZZ_SRCS))
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $^ -o $@ $(LDLIBS)

$(OUT)/fuzz/fuzz_regress: $(FUZZ_SRCS) $(FUZZ_DIR)/regressions.c $(FUZZ_DEPS) | $(OUT)/fuzz
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -I$(FUZZ_DIR) $(FUZZ_SRCS) $(FUZZ_DIR)/regressions.c -o $@ $(LDLIBS)

# `make fuzz`: open-ended differential fuzzing of the XDP program
# (selftests/fuzz). The corpus persists in $(FUZZ_CORPUS); differences are
# written to $(OUT)/fuzz/crash-* and stop the run. FUZZ_JOBS=2 runs two
# fuzzers; FUZZ_TIME=N stops after N seconds; FUZZ_ARGS adds libFuzzer flags.
FUZZ_CORPUS ?= $(OUT)/fuzz/corpus
FUZZ_JOBS   ?= 1
FUZZ_TIME   ?= 0

.PHONY: fuzz
fuzz: deps
	$(Q)$(MAKE) --no-print-directory $(OUT)/fuzz/fuzz_xdp $(OUT)/fuzz/fuzz_regress
	$(Q)OUT=$(OUT) FUZZ_CORPUS=$(FUZZ_CORPUS) FUZZ_JOBS=$(FUZZ_JOBS) FUZZ_TIME=$(FUZZ_TIME) \
		selftests/fuzz/run.sh --open-ended $(FUZZ_ARGS)

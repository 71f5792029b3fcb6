# SPDX-License-Identifier: GPL-2.0
# `make bench`: throughput of vtap against the XDP ceiling, a redirect-only
# floor and the kernel's vxlan device (selftests/bench, docs/performance.md).
# Not part of `make check`. Needs root. Knobs (environment or make variables):
#   BENCH_JSON=path   results (default $(OUT)/bench.json)
#   BENCH_PNG=path    bar chart (default $(OUT)/bench.png)
#   BENCH_RUNS=N      runs per scenario and size, median reported (default 5)
#   BENCH_SECONDS=S   length of one run (default 1)
#   BENCH_SIZES="64 512 1500"  inner frame sizes
#   BENCH_ONLY="xdp_drop vtap ..." run a subset of the scenarios (ids in bench.py)
#   BENCH_LOADER=auto|vtapctl|bpftool  how vtap is attached (default auto)
#   BENCH_PERF=1      perf profiles of each scenario into $(OUT)/bench/
#   more in selftests/bench/bench.py and docs/performance.md
# `make bench-ablate` times variants of the decap program (what each part costs).
# `make bench-vm` compares vtap.ko, the veth backend and the kernel vxlan
# device in qemu TCG guests (ratios only; selftests/bench/vm.sh).

BENCH_OUT   := $(OUT)/bench
BENCH_JSON  ?= $(OUT)/bench.json
BENCH_PY    ?= /usr/bin/python3

.PHONY: bench bench-tools bench-ablate bench-vm

$(BENCH_OUT):
	$(Q)mkdir -p $@

$(BENCH_OUT)/bench.bpf.o: selftests/bench/bench.bpf.c | $(BENCH_OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BENCH_OUT)/bench.skel.h: $(BENCH_OUT)/bench.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name bench_bpf > $@.tmp && mv $@.tmp $@

$(OUT)/vtap-bench: selftests/bench/vtap_bench.c $(BENCH_OUT)/bench.skel.h
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -I$(BENCH_OUT) $< -o $@ $(LDLIBS)

bench-tools: $(BPF_OBJS) $(OUT)/vtap-bench

# vtapctl is built when it can be: without it the benchmark attaches vtap
# with bpftool (BENCH_LOADER=auto) and says so.
bench: bench-tools
	$(Q)$(MAKE) --no-print-directory $(OUT)/vtapctl || \
		echo "bench: vtapctl does not build; vtap is attached with bpftool"
	$(Q)OUT=$(OUT) BENCH_JSON=$(BENCH_JSON) $(BENCH_PY) selftests/bench/bench.py

# What each part of bpf/vtap.bpf.c costs, from variants built beside it.
bench-ablate: bench-tools
	$(Q)OUT=$(OUT) $(BENCH_PY) selftests/bench/ablate.py

# vtap.ko against the veth backend against the kernel vxlan device, in
# qemu TCG guests (ratios only); builds on selftests/vm.
bench-vm: bench-tools
	$(Q)OUT=$(OUT) selftests/bench/vm.sh

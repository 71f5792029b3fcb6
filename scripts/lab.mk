# SPDX-License-Identifier: GPL-2.0
# The Azure Virtual Network TAP lab (scripts/lab.sh, docs/lab.md).
#   make lab [DURATION=seconds]   set up, attach vtap, watch vtap0 live, tear down
#   make lab CLOUD=gcp            the same as Google Cloud's out-of-band mirroring: GENEVE
#   make lab OUTER=1              the same without vtap: the VXLAN on the target's eth0
#   make lab-source ADD=vm2 [VNI=N] | DEL=vm2    while `make lab` runs
#   make lab-down                 remove everything the lab made
#   make lab-check                the lab's assertions (selftests/lab/run.sh)
#   make lab COLLECTORS=2         two collectors behind a load balancer, one Prometheus
#   make lab WIRESHARK=1          Wireshark's GUI on the collector's vtap0 too (needs a display)
#   make wireshark-shot           docs/wireshark.png: the lab in Wireshark under Xvfb
#   make wireshark-shot-direction [PCAP=FILE]
#                                 docs/wireshark-direction.png: the vm suite's
#                                 vtap.ko capture, its packet types (direction)

.PHONY: lab lab-down lab-source lab-check wireshark-shot wireshark-shot-direction

# The TAP service's tc programs: with COLLECTORS=2 the per-flow hash
# (scripts/lab_flowhash.bpf.c), with CLOUD=gcp the GENEVE encapsulation
# (scripts/lab_geneve.bpf.c).
LAB_BPF := $(OUT)/lab_flowhash.bpf.o $(OUT)/lab_geneve.bpf.o
$(LAB_BPF): $(OUT)/lab_%.bpf.o: scripts/lab_%.bpf.c | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
TEST_BINS += $(LAB_BPF)

lab:
	$(Q)scripts/deps.sh
	$(Q)$(MAKE) --no-print-directory all $(LAB_BPF)
	$(Q)OUT=$(OUT) DURATION=$(DURATION) COLLECTORS=$(COLLECTORS) CLOUD=$(CLOUD) WIRESHARK=$(WIRESHARK) scripts/lab.sh run $(if $(OUTER),--outer)

lab-down:
	$(Q)OUT=$(OUT) scripts/lab.sh down

lab-source:
ifneq ($(ADD),)
	$(Q)OUT=$(OUT) scripts/lab.sh source add $(ADD) $(VNI)
else ifneq ($(DEL),)
	$(Q)OUT=$(OUT) scripts/lab.sh source del $(DEL)
else
	$(Q)OUT=$(OUT) scripts/lab.sh source list
endif

lab-check:
	$(Q)scripts/deps.sh
	$(Q)$(MAKE) --no-print-directory all $(LAB_BPF)
	$(Q)OUT=$(OUT) selftests/lab/run.sh

# Not part of make check: it needs Wireshark's GUI and Xvfb, which it
# installs itself on Debian when missing.
wireshark-shot:
	$(Q)scripts/deps.sh
	$(Q)$(MAKE) --no-print-directory all $(LAB_BPF)
	$(Q)OUT=$(OUT) scripts/wireshark-shot.sh

# The capture comes from the vm suite (selftests/vm/run.sh keeps it as
# $(OUT)/vm/<kernel>/direction.pcap): PCAP=FILE, or the newest one there.
# It needs a vm run first, which this target does not start (minutes under
# TCG): VTAP_VM_APPEND=vtap.checks=direction SUITES=vm scripts/run-tests.sh
wireshark-shot-direction:
	$(Q)pcap='$(PCAP)'; [ -n "$$pcap" ] || pcap=$$(ls -t $(OUT)/vm/*/direction.pcap 2>/dev/null | head -n 1); \
	if [ -z "$$pcap" ]; then \
		echo "wireshark-shot-direction: no $(OUT)/vm/<kernel>/direction.pcap: run VTAP_VM_APPEND=vtap.checks=direction SUITES=vm scripts/run-tests.sh first, or give PCAP=FILE" >&2; \
		exit 1; \
	fi; \
	OUT=$(OUT) scripts/wireshark-shot.sh --pcap "$$pcap"

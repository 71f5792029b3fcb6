# SPDX-License-Identifier: GPL-2.0
# The Azure Virtual Network TAP lab (scripts/lab.sh, docs/lab.md).
#   make lab [DURATION=seconds]   set up, attach vtap, watch vtap0 live, tear down
#   make lab CLOUD=gcp            the same as Google Cloud's out-of-band mirroring: GENEVE
#   make lab OUTER=1              the same without vtap: the VXLAN on the target's eth0
#   make lab-source ADD=vm2 [VNI=N] | DEL=vm2    while `make lab` runs
#   make lab-down                 remove everything the lab made
#   make lab-check                the lab's assertions (selftests/lab/run.sh)
#   make lab COLLECTORS=2         two collectors behind a load balancer, one Prometheus

.PHONY: lab lab-down lab-source lab-check

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
	$(Q)OUT=$(OUT) DURATION=$(DURATION) COLLECTORS=$(COLLECTORS) CLOUD=$(CLOUD) scripts/lab.sh run $(if $(OUTER),--outer)

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

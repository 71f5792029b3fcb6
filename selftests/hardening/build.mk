# selftests/hardening: a fast pcap replayer for the sustained-stream tests
# (included by the top Makefile).
$(OUT)/vtap_blast: selftests/hardening/vtap_blast.c | $(OUT)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

TEST_BINS += $(OUT)/vtap_blast

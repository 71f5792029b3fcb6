# vtapctl built with -DVTAP_FAULTS: $VTAP_FAULT=STEP makes that step of
# --replace fail, so replace.sh can check that each failure puts the old
# attachment back. The vtapctl that is installed has no such hook.
FAULT_OBJS := $(patsubst user/%.c,$(OUT)/faults/%.o,$(USER_SRCS))

$(OUT)/faults:
	$(Q)mkdir -p $@

$(OUT)/faults/%.o: user/%.c $(wildcard user/*.h) include/vtap_abi.h $(SKELS) | $(OUT)/faults
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -DVTAP_FAULTS -c $< -o $@

$(OUT)/vtapctl-faults: $(FAULT_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

TEST_BINS += $(OUT)/vtapctl-faults

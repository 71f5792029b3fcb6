# SPDX-License-Identifier: GPL-2.0
# vtapctl(8): docs/vtapctl.8.in with its SYNOPSIS, COMMANDS and COMMON
# OPTIONS generated from vtapctl's option tables (the ones its help and
# parser use), so the page lists exactly what vtapctl takes.

$(OUT)/user/vtapctl-man.o: user/vtapctl.c $(wildcard user/*.h) include/vtap_abi.h $(SKELS) | $(OUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Dmain=vtapctl_main -c $< -o $@

$(OUT)/gen_man: docs/gen_man.c $(OUT)/user/vtapctl-man.o $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(OUT)/vtapctl.8: docs/vtapctl.8.in $(OUT)/gen_man VERSION
	$(call msg,MAN,$@)
	$(Q)$(OUT)/gen_man <$< >$@.tmp && mv $@.tmp $@

all: $(OUT)/vtapctl.8

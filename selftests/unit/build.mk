# CUnit tests of vtapctl's pure user-space helpers.
$(OUT)/test_unit: $(wildcard selftests/unit/*.c selftests/unit/*.h) selftests/cunit_main.h $(OUT)/user/args.o $(OUT)/user/settings.o \
		$(OUT)/user/config.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -Iselftests $(filter %.c %.o,$^) -o $@ -lcunit

TEST_BINS += $(OUT)/test_unit

# tests/difftest/difftest.mk - the differential tester against the host CPU.
# Included from the top-level Makefile (after LIB_OBJS/TEST_SUPPORT_OBJS are
# defined).  Linked like a unit test: the CPU core objects plus the shared
# weak stubs of tests/unit.
DIFFTEST_SRCS := tests/difftest/difftest.c tests/difftest/gen.c \
                 tests/difftest/host.c tests/difftest/emu.c
DIFFTEST_HDRS := tests/difftest/difftest.h
DIFFTEST_SEED ?= 1
DIFFTEST_SECONDS ?= 600
DIFFTEST_FLAGS ?=

$(BUILD)/difftest: $(DIFFTEST_SRCS) $(DIFFTEST_HDRS) $(LIB_OBJS) $(TEST_SUPPORT_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -o $@ $(DIFFTEST_SRCS) $(LIB_OBJS) $(TEST_SUPPORT_OBJS) $(LDFLAGS) $(LIBS)

.PHONY: difftest soak
difftest: $(BUILD)/difftest
	$(BUILD)/difftest --seed $(DIFFTEST_SEED) --count 100000 $(DIFFTEST_FLAGS)

# make soak [DIFFTEST_SECONDS=T] [DIFFTEST_SEED=S] [DIFFTEST_FLAGS=--x87]:
# run for as long as asked
soak: $(BUILD)/difftest
	$(BUILD)/difftest --seed $(DIFFTEST_SEED) --seconds $(DIFFTEST_SECONDS) $(DIFFTEST_FLAGS)

-include $(BUILD)/difftest.d

# tests/difftest/difftest.mk - the differential tester against the host CPU.
# Included from the top-level Makefile (after LIB_OBJS/TEST_SUPPORT_OBJS are
# defined).  Linked like a unit test: the CPU core objects plus the shared
# weak stubs of tests/unit.
DIFFTEST_SRCS := tests/difftest/difftest.c tests/difftest/gen.c \
                 tests/difftest/host.c tests/difftest/emu.c
DIFFTEST_HDRS := tests/difftest/difftest.h
DIFFTEST_SEED ?= 1
DIFFTEST_FLAGS ?=
# make soak: run for SOAK_SECONDS with a seed taken from the clock (or
# SOAK_SEED=S to replay a soak); the seed is printed first and last.
SOAK_SECONDS ?= 3600
# (evaluated once: a recursive variable read the clock again at each use)
ifndef SOAK_SEED
SOAK_SEED := $(shell date +%s)
endif

$(BUILD)/difftest: $(DIFFTEST_SRCS) $(DIFFTEST_HDRS) $(LIB_OBJS) $(TEST_SUPPORT_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -o $@ $(DIFFTEST_SRCS) $(LIB_OBJS) $(TEST_SUPPORT_OBJS) $(LDFLAGS) $(LIBS)

.PHONY: difftest soak
difftest: $(BUILD)/difftest
	$(BUILD)/difftest --seed $(DIFFTEST_SEED) --count 100000 $(DIFFTEST_FLAGS)

# make soak [SOAK_SECONDS=T] [SOAK_SEED=S] [DIFFTEST_FLAGS=--x87]
soak: $(BUILD)/difftest
	@echo "soak: seed $(SOAK_SEED), $(SOAK_SECONDS) s (replay a mismatch: $(BUILD)/difftest --seed $(SOAK_SEED) --first I --count 1)"
	$(BUILD)/difftest --seed $(SOAK_SEED) --seconds $(SOAK_SECONDS) $(DIFFTEST_FLAGS)

-include $(BUILD)/difftest.d

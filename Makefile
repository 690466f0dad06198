# emu86 top-level Makefile.  Run ./configure first (make does it for you
# when build/config.mk is missing).
#
#   make            build $(BUILD)/emu86
#   make check      unit tests, CLI tests, layering check, guest suite
#   make check-asan the same suite built with ASan+UBSan in build-asan/
#   make bench      interpreter speed and Linux boot time beside QEMU TCG (not a test)
#   make compare    same workloads under emu86 TCG/KVM, QEMU TCG/KVM and natively (table, CSV, PNG)
#   make clean

BUILD ?= build
DIFFTEST_COUNT ?= 100000
# Linux boot tests (tests/linux): full (QEMU control + every check), quick
# (emu86 only, one boot: banner, shell, CPUs, time, poweroff) or off
LINUX_TESTS ?= full
-include $(BUILD)/config.mk

SRC_DIRS := hw target accel tcg ui system
SRCS := $(sort $(shell find $(SRC_DIRS) -name '*.c' 2>/dev/null))
MAIN_SRC := system/main.c
LIB_SRCS := $(filter-out $(MAIN_SRC),$(SRCS))
OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(SRCS))
LIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS))

UNIT_SRCS := $(sort $(wildcard tests/unit/test-*.c))
# tests/unit/*.c that are not test-*.c: shared test support (harnesses,
# weak stubs), linked into every unit test.
TEST_SUPPORT_SRCS := $(filter-out $(UNIT_SRCS),$(sort $(wildcard tests/unit/*.c)))
TEST_SUPPORT_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(TEST_SUPPORT_SRCS))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

.PHONY: all check check-asan bench compare clean distclean guests
all: $(BUILD)/emu86

$(BUILD)/config.mk:
	./configure --builddir=$(BUILD)

$(BUILD)/obj/%.o: %.c $(BUILD)/config.mk
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/emu86: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS) $(TEST_SUPPORT_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -o $@ $< $(LIB_OBJS) $(TEST_SUPPORT_OBJS) $(LDFLAGS) $(LIBS)

-include tests/guest/guest.mk
-include tests/realmode/realmode.mk
-include tests/difftest/difftest.mk

check: all $(UNIT_BINS) guests $(BUILD)/run286 $(BUILD)/difftest
	@BUILD=$(BUILD) DIFFTEST_COUNT=$(DIFFTEST_COUNT) LINUX_TESTS=$(LINUX_TESTS) tests/check.sh

# Under ASan the host-CPU difftest runs ~20x slower: a smaller fixed-seed
# batch there (the plain run does the full 100,000).
check-asan:
	./configure --enable-sanitizers --builddir=build-asan
	$(MAKE) BUILD=build-asan DIFFTEST_COUNT=20000 LINUX_TESTS=quick check

bench: all guests
	@BUILD=$(BUILD) bench/run-bench.sh
	@BUILD=$(BUILD) bench/boot-bench.py

compare: all
	@BUILD=$(BUILD) scripts/emu86-compare

clean:
	rm -rf $(BUILD) build-asan tests/guest/build

distclean: clean

-include $(OBJS:.o=.d) $(TEST_SUPPORT_OBJS:.o=.d) $(UNIT_BINS:=.d)

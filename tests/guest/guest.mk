# Bare-metal guest tests (included from the top-level Makefile, run from
# the repository root).  Each tests/guest/NAME.asm -> tests/guest/build/NAME.bin
NASM ?= nasm
GUEST_DIR  := tests/guest
GUEST_SRCS := $(wildcard $(GUEST_DIR)/*.asm)
GUEST_BINS := $(patsubst $(GUEST_DIR)/%.asm,$(GUEST_DIR)/build/%.bin,$(GUEST_SRCS))
GUEST_INCS := $(wildcard $(GUEST_DIR)/lib/*.inc)

.PHONY: guests check-guests clean-guests
guests: $(GUEST_BINS)

$(GUEST_DIR)/build/%.bin: $(GUEST_DIR)/%.asm $(GUEST_INCS)
	@mkdir -p $(dir $@)
	$(NASM) -f bin -I $(GUEST_DIR)/lib/ -o $@ $<

check-guests: guests
	$(GUEST_DIR)/run-guests.sh

clean-guests:
	rm -rf $(GUEST_DIR)/build

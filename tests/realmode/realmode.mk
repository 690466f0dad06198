# tests/realmode: the 80286 real-mode conformance runner (included from the
# top-level Makefile).  Links the CPU core (all library objects, no main)
# directly; zlib (-lz) reads the .MOO.gz vectors and is already in LIBS.
REALMODE_SRCS := $(sort $(wildcard tests/realmode/*.c))
REALMODE_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(REALMODE_SRCS))

$(BUILD)/run286: $(REALMODE_OBJS) $(LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $(REALMODE_OBJS) $(LIB_OBJS) $(LIBS) -lz -lpthread

.PHONY: check-realmode
check-realmode: $(BUILD)/run286
	$(BUILD)/run286

-include $(REALMODE_OBJS:.o=.d)

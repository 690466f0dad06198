/*
 * hw/misc/ioport80.c - port 0x80, the POST code / I/O delay port ("ioport80").
 *
 * Design: nothing decodes port 0x80 on a PC except POST-code cards, but
 * firmware and Linux (outb_p and friends) write it constantly as an I/O
 * delay.  Writes are discarded; reads return 0xff like QEMU's handler in its
 * PC board code (all ones, as an undecoded ISA port would read).  The
 * device exists so these accesses are claimed and not logged as accesses
 * to unassigned ports.
 */
#include <string.h>

#include "hw/machine.h"

typedef struct IoPort80State {
    uint8_t unused;
} IoPort80State;

static uint64_t ioport80_read(void *opaque, uint64_t offset, unsigned size)
{
    return 0xff;
}

static void ioport80_write(void *opaque, uint64_t offset, uint64_t value,
                           unsigned size)
{
}

static const MemoryOps ioport80_ops = {
    .read = ioport80_read,
    .write = ioport80_write,
    .min_size = 1,
    .max_size = 1,
};

static bool ioport80_realize(void *opaque, Machine *m, const DeviceProps *p,
                             char **err)
{
    if (!as_map(&m->io, 0x80, 1, &ioport80_ops, opaque, "ioport80")) {
        *err = strdup("ioport80: I/O port 0x80 already in use");
        return false;
    }
    return true;
}

static const DeviceInfo ioport80_info = {
    .name = "ioport80",
    .desc = "port 0x80 (POST code / I/O delay): writes ignored, reads 0xff",
    .state_size = sizeof(IoPort80State),
    .props = (const char *const[]){ NULL },
    .realize = ioport80_realize,
    .reset = NULL,
    .user_creatable = false,
};
DEVICE_REGISTER(ioport80_info)

/*
 * hw/misc/isa_debug_exit.c - QEMU's "isa-debug-exit" test device: a write of
 * value V to any of its ports ends the emulator with exit status
 * (V << 1) | 1, so a test guest can report pass/fail through the process
 * status exactly as it would under QEMU (e.g. -device
 * isa-debug-exit,iobase=0xf4,iosize=0x04).
 *
 * Design: the exit goes through machine_request_shutdown() rather than
 * exit() so terminals are restored and the first request's status wins.
 * Accesses of 1 to 4 bytes reach the device whole (outl of V gives V, as in
 * QEMU); reads return 0, also as in QEMU, which is the only way a guest can
 * tell the device is there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"

typedef struct DebugExitState {
    Machine *m;
    uint64_t iobase, iosize;
} DebugExitState;

static uint64_t debug_exit_read(void *opaque, uint64_t offset, unsigned size)
{
    return 0;
}

static void debug_exit_write(void *opaque, uint64_t offset, uint64_t value,
                             unsigned size)
{
    DebugExitState *s = opaque;
    machine_request_shutdown(s->m, (int)((value << 1) | 1));
}

static const MemoryOps debug_exit_ops = {
    .read = debug_exit_read,
    .write = debug_exit_write,
    .min_size = 1,
    .max_size = 4,
};

static bool debug_exit_realize(void *opaque, Machine *m, const DeviceProps *p,
                               char **err)
{
    DebugExitState *s = opaque;

    if (!device_prop_u64(p, "iobase", 0x501, &s->iobase, err) ||
        !device_prop_u64(p, "iosize", 2, &s->iosize, err)) {
        return false;
    }
    if (s->iosize == 0 || s->iosize > 0x10000 || s->iobase > 0xffff ||
        s->iobase + s->iosize > 0x10000) {
        if (asprintf(err, "isa-debug-exit: ports 0x%llx+0x%llx out of range",
                     (unsigned long long)s->iobase,
                     (unsigned long long)s->iosize) < 0) {
            *err = NULL;
        }
        return false;
    }
    s->m = m;
    if (!as_map(&m->io, s->iobase, s->iosize, &debug_exit_ops, s,
                "isa-debug-exit")) {
        if (asprintf(err, "isa-debug-exit: I/O ports 0x%llx-0x%llx already in use",
                     (unsigned long long)s->iobase,
                     (unsigned long long)(s->iobase + s->iosize - 1)) < 0) {
            *err = NULL;
        }
        return false;
    }
    return true;
}

static const DeviceInfo debug_exit_info = {
    .name = "isa-debug-exit",
    .desc = "exit with status (value << 1) | 1 on a write (iobase=0x501, iosize=2)",
    .state_size = sizeof(DebugExitState),
    .props = (const char *const[]){ "iobase", "iosize", NULL },
    .realize = debug_exit_realize,
    .reset = NULL,
    .user_creatable = true,
};
DEVICE_REGISTER(debug_exit_info)

/*
 * hw/misc/pc_testdev.c - QEMU's "pc-testdev", the ISA test device that
 * kvm-unit-tests' x86 tests expect beside isa-debug-exit:
 *
 *   ports 0xe0-0xe3     a 32-bit scratch register, any access width at any
 *                       offset (tests of IN/OUT/INS/OUTS emulation)
 *   ports 0xe4-0xe7     "flush page": a 32-bit write names a guest physical
 *                       page whose host mapping QEMU re-protects (a KVM
 *                       shadow-paging test); emu86 has nothing cached that
 *                       such a flush could reveal, so it only accepts it
 *   ports 0xe8-0xeb     the same scratch register reached byte by byte
 *                       (wider accesses are split, as for an 8-bit device)
 *   ports 0x2000-0x2017 write V to 0x2000 + n: drive interrupt line n to
 *                       level !!V (ISA IRQs 0-15 reach the PIC and I/O APIC
 *                       like a device's; 16-23 go to the I/O APIC pins)
 *   MMIO 0xff000000     64 KiB of device memory read back as written (tests
 *                       of instruction emulation on MMIO operands)
 *
 * The register map is QEMU's (hw/misc/pc-testdev.c there); the device is
 * only created with -device pc-testdev.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/intc/apic.h"
#include "hw/machine.h"

#define TESTDEV_IOMEM_BASE 0xff000000ULL
#define TESTDEV_IOMEM_LEN  0x10000
#define TESTDEV_IRQ_LINES  24

typedef struct PCTestdevState {
    Machine *m;
    void *ioapic;
    uint32_t scratch;
    uint8_t iomem[TESTDEV_IOMEM_LEN];
} PCTestdevState;

static uint64_t testdev_scratch_read(void *opaque, uint64_t offset, unsigned size)
{
    PCTestdevState *s = opaque;
    unsigned shift = (offset & 3) * 8;
    uint64_t mask = size >= 4 ? 0xffffffffULL : (1ULL << (size * 8)) - 1;
    return ((uint64_t)s->scratch >> shift) & mask;
}

static void testdev_scratch_write(void *opaque, uint64_t offset, uint64_t value,
                                  unsigned size)
{
    PCTestdevState *s = opaque;
    unsigned shift = (offset & 3) * 8;
    uint64_t mask = size >= 4 ? 0xffffffffULL : (1ULL << (size * 8)) - 1;
    uint64_t reg = s->scratch;
    reg &= ~(mask << shift);
    reg |= (value & mask) << shift;
    s->scratch = (uint32_t)reg;
}

static const MemoryOps testdev_scratch_ops = {
    .read = testdev_scratch_read,
    .write = testdev_scratch_write,
    .min_size = 1,
    .max_size = 4,
};

static const MemoryOps testdev_scratch_byte_ops = {
    .read = testdev_scratch_read,
    .write = testdev_scratch_write,
    .min_size = 1,
    .max_size = 1,
};

static uint64_t testdev_none_read(void *opaque, uint64_t offset, unsigned size)
{
    return 0;
}

static void testdev_flush_write(void *opaque, uint64_t offset, uint64_t value,
                                unsigned size)
{
}

static const MemoryOps testdev_flush_ops = {
    .read = testdev_none_read,
    .write = testdev_flush_write,
    .min_size = 4,
    .max_size = 4,
};

static void testdev_irq_write(void *opaque, uint64_t offset, uint64_t value,
                              unsigned size)
{
    PCTestdevState *s = opaque;
    int line = (int)offset;
    int level = (value & 0xff) != 0;
    if (line < ISA_NUM_IRQS) {
        irq_set(&s->m->isa_irq[line], level);
    } else if (s->ioapic) {
        IrqLine *gsi = ioapic_get_gsi(s->ioapic, line);
        if (gsi) {
            irq_set(gsi, level);
        }
    }
}

static const MemoryOps testdev_irq_ops = {
    .read = testdev_none_read,
    .write = testdev_irq_write,
    .min_size = 1,
    .max_size = 1,
};

static uint64_t testdev_iomem_read(void *opaque, uint64_t offset, unsigned size)
{
    PCTestdevState *s = opaque;
    uint64_t v = 0;
    if (offset < TESTDEV_IOMEM_LEN && size <= TESTDEV_IOMEM_LEN - offset) {
        memcpy(&v, &s->iomem[offset], size);
    }
    return v;
}

static void testdev_iomem_write(void *opaque, uint64_t offset, uint64_t value,
                                unsigned size)
{
    PCTestdevState *s = opaque;
    if (offset < TESTDEV_IOMEM_LEN && size <= TESTDEV_IOMEM_LEN - offset) {
        memcpy(&s->iomem[offset], &value, size);
    }
}

static const MemoryOps testdev_iomem_ops = {
    .read = testdev_iomem_read,
    .write = testdev_iomem_write,
    .min_size = 1,
    .max_size = 8,
};

static bool testdev_realize(void *opaque, Machine *m, const DeviceProps *p,
                            char **err)
{
    PCTestdevState *s = opaque;
    s->m = m;
    for (int i = 0; i < m->nr_devices; i++) {
        if (!strcmp(m->devices[i].info->name, "ioapic")) {
            s->ioapic = m->devices[i].state;
        }
    }
    if (!as_map(&m->io, 0xe0, 4, &testdev_scratch_ops, s, "pc-testdev-ioport") ||
        !as_map(&m->io, 0xe4, 4, &testdev_flush_ops, s, "pc-testdev-flush-page") ||
        !as_map(&m->io, 0xe8, 4, &testdev_scratch_byte_ops, s, "pc-testdev-ioport-byte") ||
        !as_map(&m->io, 0x2000, TESTDEV_IRQ_LINES, &testdev_irq_ops, s,
                "pc-testdev-irq-line")) {
        *err = strdup("pc-testdev: its I/O ports (0xe0-0xeb, 0x2000-0x2017) are in use");
        return false;
    }
    if (!as_map(&m->mem.mmio, TESTDEV_IOMEM_BASE, TESTDEV_IOMEM_LEN,
                &testdev_iomem_ops, s, "pc-testdev-iomem")) {
        *err = strdup("pc-testdev: 0xff000000-0xff00ffff is in use");
        return false;
    }
    return true;
}

static const DeviceInfo testdev_info = {
    .name = "pc-testdev",
    .desc = "QEMU's x86 test device (ports 0xe0-0xeb, IRQ lines at 0x2000, 64 KiB at 0xff000000)",
    .state_size = sizeof(PCTestdevState),
    .props = (const char *const[]){ NULL },
    .realize = testdev_realize,
    .reset = NULL,
    .user_creatable = true,
};
DEVICE_REGISTER(testdev_info)

/*
 * hw/misc/pci_testdev.c - QEMU's "pci-testdev" (PCI 1b36:0005), the PCI
 * function kvm-unit-tests puts on every x86 test machine and times
 * MMIO and port exits with.
 *
 * Registers (QEMU's layout, hw/misc/pci-testdev.c there): BAR 0 is 4 KiB
 * of memory, BAR 1 256 I/O ports.  Writing N (0-2) to offset 0 of a BAR
 * starts test N of that BAR's kind; the BAR then reads back the test's
 * header, byte by byte:
 *     u8 test; u8 width; u8 pad[2]; u32 offset; u8 data; u8 pad[3];
 *     u32 count; char name[];
 * and byte writes of the value `data` (0xfa) to `offset` (the first
 * byte past the half holding the headers, + the test's index) increment
 * `count` in test 0 ("no-eventfd").  Tests 1 and 2 ("wildcard-eventfd",
 * "datamatch-eventfd") measure QEMU's ioeventfd path: there an eventfd
 * swallows the writes, so the count stays 0 (kvm-unit-tests accepts 0 or
 * all of its writes); emu86 has no eventfds and gives the same visible
 * result by not counting in those tests.  Wider accesses reach the device
 * as byte accesses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"
#include "hw/pci/pci.h"

#define TESTDEV_MEM_SIZE  4096
#define TESTDEV_IO_SIZE   256
#define TESTDEV_KINDS     2      /* 0: memory BAR, 1: I/O BAR */
#define TESTDEV_TESTS     3      /* per kind */
#define TESTDEV_HDR_LEN   16
#define TESTDEV_MATCH     0xfa
#define TESTDEV_NOMATCH   0xce

typedef struct TestdevTest {
    uint8_t hdr[TESTDEV_HDR_LEN + 32];  /* header + name + NUL */
    unsigned len;
    bool counts;         /* only the test without an eventfd counts */
} TestdevTest;

typedef struct PCITestdevState {
    PCIDevice pci;
    TestdevTest tests[TESTDEV_KINDS * TESTDEV_TESTS];
    int current;                          /* -1: none */
} PCITestdevState;

static TestdevTest *testdev_current(PCITestdevState *s)
{
    return s->current < 0 ? NULL : &s->tests[s->current];
}

static uint32_t hdr_u32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void hdr_set_u32(uint8_t *p, uint32_t v)
{
    p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}

static uint64_t testdev_read(void *opaque, uint64_t offset, unsigned size)
{
    TestdevTest *t = testdev_current(opaque);
    if (!t || offset + 1 >= t->len) {
        return 0;
    }
    return t->hdr[offset];
}

static void testdev_write(PCITestdevState *s, int kind, uint64_t offset,
                          uint64_t value, unsigned size)
{
    if (offset == 0) {
        s->current = -1;
        if (value < TESTDEV_TESTS) {
            s->current = kind * TESTDEV_TESTS + (int)value;
            hdr_set_u32(s->tests[s->current].hdr + 12, 0);   /* count */
        }
        return;
    }
    TestdevTest *t = testdev_current(s);
    if (!t || offset != hdr_u32(t->hdr + 4)) {
        return;
    }
    if (!t->counts || size != 1 || (value & 0xff) != t->hdr[8]) {
        return;
    }
    hdr_set_u32(t->hdr + 12, hdr_u32(t->hdr + 12) + 1);
}

static void testdev_mem_write(void *opaque, uint64_t offset, uint64_t value,
                              unsigned size)
{
    testdev_write(opaque, 0, offset, value, size);
}

static void testdev_io_write(void *opaque, uint64_t offset, uint64_t value,
                             unsigned size)
{
    testdev_write(opaque, 1, offset, value, size);
}

static const MemoryOps testdev_mem_ops = {
    .read = testdev_read, .write = testdev_mem_write, .min_size = 1, .max_size = 1,
};

static const MemoryOps testdev_io_ops = {
    .read = testdev_read, .write = testdev_io_write, .min_size = 1, .max_size = 1,
};

static void testdev_init_tests(PCITestdevState *s)
{
    static const char *const kinds[TESTDEV_KINDS] = { "mmio", "portio" };
    static const char *const names[TESTDEV_TESTS] = {
        "no-eventfd", "wildcard-eventfd", "datamatch-eventfd",
    };
    for (int i = 0; i < TESTDEV_KINDS * TESTDEV_TESTS; i++) {
        TestdevTest *t = &s->tests[i];
        int kind = i / TESTDEV_TESTS, test = i % TESTDEV_TESTS;
        memset(t->hdr, 0, sizeof(t->hdr));
        t->counts = test == 0;
        t->hdr[0] = (uint8_t)i;
        t->hdr[1] = 1;                               /* width */
        /* the counted offset: past the half of the BAR holding headers */
        hdr_set_u32(t->hdr + 4, (kind ? TESTDEV_IO_SIZE / 2 : TESTDEV_MEM_SIZE / 2) + i);
        t->hdr[8] = test != 1 ? TESTDEV_MATCH : TESTDEV_NOMATCH;
        int n = snprintf((char *)t->hdr + TESTDEV_HDR_LEN, sizeof(t->hdr) - TESTDEV_HDR_LEN,
                         "%s-%s", kinds[kind], names[test]);
        t->len = TESTDEV_HDR_LEN + (unsigned)n + 1;
    }
    s->current = -1;
}

/* "addr=DD[.F]" (hex, as QEMU), else the first free slot from 2 */
static bool testdev_pick_devfn(Machine *m, const DeviceProps *p, uint8_t *devfn,
                               char **err)
{
    const char *addr = device_prop_str(p, "addr");
    if (addr) {
        char *end;
        unsigned long slot = strtoul(addr, &end, 16), fn = 0;
        if (*end == '.') {
            fn = strtoul(end + 1, &end, 16);
        }
        if (end == addr || *end || slot > 31 || fn > 7) {
            *err = strdup("pci-testdev: addr must be SLOT[.FN] (hex, slot <= 1f)");
            return false;
        }
        *devfn = (uint8_t)PCI_DEVFN(slot, fn);
        return true;
    }
    for (unsigned slot = 2; slot < 32; slot++) {
        if (!m->pci_bus->devices[PCI_DEVFN(slot, 0)]) {
            *devfn = (uint8_t)PCI_DEVFN(slot, 0);
            return true;
        }
    }
    *err = strdup("pci-testdev: no free PCI slot");
    return false;
}

static bool testdev_realize(void *opaque, Machine *m, const DeviceProps *p, char **err)
{
    PCITestdevState *s = opaque;
    if (!m->pci_bus) {
        *err = strdup("pci-testdev: the machine has no PCI bus");
        return false;
    }
    uint8_t devfn;
    if (!testdev_pick_devfn(m, p, &devfn, err)) {
        return false;
    }
    testdev_init_tests(s);
    PCIDevice *d = &s->pci;
    pci_config_init(d, 0x1b36, 0x0005, 0x00, 0x00ff00, 0x00);
    pci_set_word(d, PCI_SUBSYSTEM_VENDOR_ID, 0x1af4);   /* QEMU's defaults */
    pci_set_word(d, PCI_SUBSYSTEM_ID, 0x1100);
    d->devfn = devfn;
    d->name = "pci-testdev";
    d->opaque = s;
    pci_register_bar(d, 0, false, TESTDEV_MEM_SIZE, &testdev_mem_ops, s, "pci-testdev-mmio");
    pci_register_bar(d, 1, true, TESTDEV_IO_SIZE, &testdev_io_ops, s, "pci-testdev-portio");
    if (!pci_bus_attach(m->pci_bus, d)) {
        *err = strdup("pci-testdev: that PCI slot is taken");
        return false;
    }
    return true;
}

static void testdev_reset(void *opaque)
{
    PCITestdevState *s = opaque;
    s->current = -1;
    pci_device_reset(&s->pci);
}

static const DeviceInfo pci_testdev_info = {
    .name = "pci-testdev",
    .desc = "QEMU's PCI test device 1b36:0005 (BAR 0: 4 KiB MMIO, BAR 1: 256 ports)",
    .state_size = sizeof(PCITestdevState),
    .props = (const char *const[]){ "addr", NULL },
    .realize = testdev_realize,
    .reset = testdev_reset,
    .user_creatable = true,
};
DEVICE_REGISTER(pci_testdev_info)

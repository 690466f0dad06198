/*
 * hw/pci/pci.c - configuration space accesses for the functions on bus 0.
 *
 * Writes go through each function's write mask, so read-only identity
 * registers stay intact whatever a guest writes, and a function that needs
 * to react (an I/O BAR moving) gets a callback after the merge.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pci/pci.h"

bool pci_bus_attach(PCIBus *bus, PCIDevice *d)
{
    if (bus->devices[d->devfn]) {
        return false;
    }
    bus->devices[d->devfn] = d;
    d->bus = bus;
    return true;
}

/* ---- base address registers ----
 * A BAR's low bits are read-only type bits (bit 0: I/O); the address bits
 * below the size are read-only zeros, which is how software sizes a BAR
 * (write all ones, read back ~(size - 1) | type). */

static uint32_t pci_bar_value(const PCIDevice *d, int n)
{
    return pci_get_long(d, PCI_BASE_ADDRESS_0 + 4 * n);
}

void pci_register_bar(PCIDevice *d, int n, bool io, uint32_t size,
                      const MemoryOps *ops, void *opaque, const char *name)
{
    if (n < 0 || n >= PCI_NUM_BARS || !size || (size & (size - 1)) ||
        size < (io ? 4u : 16u)) {
        abort();    /* a device model bug, not guest input */
    }
    PCIBar *b = &d->bars[n];
    *b = (PCIBar){ .size = size, .io = io, .ops = ops, .opaque = opaque, .name = name };
    uint32_t mask = ~(size - 1) & (io ? 0xfffffffcu : 0xfffffff0u);
    unsigned off = PCI_BASE_ADDRESS_0 + 4 * n;
    for (int i = 0; i < 4; i++) {
        d->config[off + i] = i == 0 ? (io ? 0x01 : 0x00) : 0;
        d->wmask[off + i] = (uint8_t)(mask >> (8 * i));
    }
}

/* Map every BAR where its register and the command register say, and
 * nowhere else.  An address that does not fit the space (I/O above
 * 0xffff, memory crossing 4 GiB, the sizing value itself) or that collides
 * with an existing region leaves the BAR unmapped, as a decoder that
 * claims nothing. */
static void pci_update_bars(PCIDevice *d)
{
    uint16_t cmd = pci_get_word(d, PCI_COMMAND);
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIBar *b = &d->bars[n];
        if (!b->size) {
            continue;
        }
        AddressSpace *as = d->bus ? (b->io ? d->bus->io : d->bus->mem) : NULL;
        uint32_t v = pci_bar_value(d, n);
        uint64_t addr = v & (b->io ? 0xfffffffcu : 0xfffffff0u);
        uint64_t limit = b->io ? 0x10000 : 0x100000000ull;
        bool want = as && (cmd & (b->io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY)) &&
                    addr != 0 && addr + b->size <= limit &&
                    addr != (limit - b->size);     /* all ones: being sized */
        if (b->mapped && (!want || b->mapped_at != addr)) {
            as_unmap(as, b->mapped_at);
            b->mapped = false;
        }
        if (want && !b->mapped &&
            as_map(as, addr, b->size, b->ops, b->opaque, b->name)) {
            b->mapped = true;
            b->mapped_at = addr;
        }
    }
}

void pci_device_reset(PCIDevice *d)
{
    pci_set_word(d, PCI_COMMAND, 0);
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        if (d->bars[n].size) {
            unsigned off = PCI_BASE_ADDRESS_0 + 4 * n;
            d->config[off] &= 0x0f;
            d->config[off + 1] = d->config[off + 2] = d->config[off + 3] = 0;
        }
    }
    pci_update_bars(d);
}

void pci_bus_assign_bars(PCIBus *bus, uint32_t io_base, uint32_t mem_start,
                         uint32_t mem_end)
{
    uint64_t io_next = io_base, mem_next = mem_end;
    /* largest first, so every BAR stays naturally aligned without holes */
    for (int shift = 31; shift >= 2; shift--) {
        for (int devfn = 0; devfn < 256; devfn++) {
            PCIDevice *d = bus->devices[devfn];
            for (int n = 0; d && n < PCI_NUM_BARS; n++) {
                PCIBar *b = &d->bars[n];
                if (b->size != (1u << shift)) {
                    continue;
                }
                uint64_t addr;
                if (b->io) {
                    addr = (io_next + b->size - 1) & ~(uint64_t)(b->size - 1);
                    if (addr + b->size > 0x10000) {
                        continue;
                    }
                    io_next = addr + b->size;
                } else {
                    if (mem_next < b->size) {
                        continue;
                    }
                    addr = (mem_next - b->size) & ~(uint64_t)(b->size - 1);
                    if (addr < mem_start) {
                        continue;
                    }
                    mem_next = addr;
                }
                pci_config_write(bus, (uint8_t)devfn, PCI_BASE_ADDRESS_0 + 4 * n,
                                 (uint32_t)addr, 4);
            }
        }
    }
    for (int devfn = 0; devfn < 256; devfn++) {
        PCIDevice *d = bus->devices[devfn];
        bool io = false, mem = false;
        for (int n = 0; d && n < PCI_NUM_BARS; n++) {
            io |= d->bars[n].size && d->bars[n].io;
            mem |= d->bars[n].size && !d->bars[n].io;
        }
        if (io || mem) {
            uint16_t cmd = pci_get_word(d, PCI_COMMAND) |
                           (io ? PCI_COMMAND_IO : 0) | (mem ? PCI_COMMAND_MEMORY : 0);
            pci_config_write(bus, (uint8_t)devfn, PCI_COMMAND, cmd, 2);
        }
    }
}

void pci_config_init(PCIDevice *d, uint16_t vendor, uint16_t device, uint8_t revision,
                     uint32_t class_code, uint8_t header_type)
{
    memset(d->config, 0, sizeof(d->config));
    memset(d->wmask, 0, sizeof(d->wmask));
    pci_set_word(d, PCI_VENDOR_ID, vendor);
    pci_set_word(d, PCI_DEVICE_ID, device);
    d->config[PCI_REVISION_ID] = revision;
    d->config[PCI_CLASS_PROG] = (uint8_t)class_code;
    pci_set_word(d, PCI_CLASS_DEVICE, (uint16_t)(class_code >> 8));
    d->config[PCI_HEADER_TYPE] = header_type;
    /* command register: I/O, memory, bus master enables are writable */
    d->wmask[PCI_COMMAND] = 0x07;
    d->wmask[PCI_INTERRUPT_LINE] = 0xff;
}

uint32_t pci_config_read(PCIBus *bus, uint8_t devfn, uint32_t addr, unsigned len)
{
    PCIDevice *d = bus->devices[devfn];
    if (!d || addr >= 256 || len > 4 || addr + len > 256) {
        return len >= 4 ? 0xffffffffu : (1u << (len * 8)) - 1;
    }
    uint32_t v = 0;
    for (unsigned i = 0; i < len; i++) {
        v |= (uint32_t)d->config[addr + i] << (8 * i);
    }
    return v;
}

void pci_config_write(PCIBus *bus, uint8_t devfn, uint32_t addr, uint32_t value, unsigned len)
{
    PCIDevice *d = bus->devices[devfn];
    if (!d || addr >= 256 || len > 4 || addr + len > 256) {
        return;
    }
    for (unsigned i = 0; i < len; i++) {
        uint8_t m = d->wmask[addr + i];
        uint8_t b = (uint8_t)(value >> (8 * i));
        d->config[addr + i] = (uint8_t)((d->config[addr + i] & ~m) | (b & m));
    }
    /* the command register or a BAR changed: move the regions */
    if ((addr < PCI_COMMAND + 2 && addr + len > PCI_COMMAND) ||
        (addr < PCI_BASE_ADDRESS_0 + 4 * PCI_NUM_BARS && addr + len > PCI_BASE_ADDRESS_0)) {
        pci_update_bars(d);
    }
    if (d->config_written) {
        d->config_written(d, addr, len);
    }
}

/*
 * hw/pci/pci.c - configuration space accesses for the functions on bus 0.
 *
 * Writes go through each function's write mask, so read-only identity
 * registers stay intact whatever a guest writes, and a function that needs
 * to react (an I/O BAR moving) gets a callback after the merge.
 */
#include <stdbool.h>
#include <string.h>

#include "hw/pci/pci.h"

bool pci_bus_attach(PCIBus *bus, PCIDevice *d)
{
    if (bus->devices[d->devfn]) {
        return false;
    }
    bus->devices[d->devfn] = d;
    return true;
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
    if (d->config_written) {
        d->config_written(d, addr, len);
    }
}

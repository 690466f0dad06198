/*
 * hw/pci/pci.h - PCI bus 0 and the configuration space of its functions.
 *
 * Design: a function is a 256-byte configuration space plus a write mask
 * (which bits the guest may change) and optional hooks for registers with
 * side effects (BARs that move an I/O window, enable bits).  The host
 * bridge (hw/pci/i440fx.c) implements configuration mechanism #1 at
 * 0xCF8/0xCFC and forwards to pci_config_read/write; devices never see
 * the mechanism.
 */
#ifndef HW_PCI_PCI_H
#define HW_PCI_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/bus.h"

#define PCI_VENDOR_ID      0x00
#define PCI_DEVICE_ID      0x02
#define PCI_COMMAND        0x04
#define PCI_STATUS         0x06
#define PCI_REVISION_ID    0x08
#define PCI_CLASS_PROG     0x09
#define PCI_CLASS_DEVICE   0x0a
#define PCI_HEADER_TYPE    0x0e
#define PCI_BASE_ADDRESS_0 0x10
#define PCI_NUM_BARS       6
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID   0x2e
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN  0x3d

#define PCI_COMMAND_IO     0x1
#define PCI_COMMAND_MEMORY 0x2

#define PCI_DEVFN(dev, fn) (((dev) << 3) | (fn))

/* A base address register registered with pci_register_bar(): the
 * region appears in the bus's I/O or memory space at the address the
 * guest (or the -kernel boot's firmware step) programs, while the
 * command register enables that space. */
typedef struct PCIBar {
    uint32_t size;            /* a power of two; 0: BAR unused */
    bool io;
    const MemoryOps *ops;
    void *opaque;
    const char *name;
    bool mapped;
    uint64_t mapped_at;
} PCIBar;

struct PCIBus;
typedef struct PCIDevice PCIDevice;
struct PCIDevice {
    uint8_t config[256];
    uint8_t wmask[256];       /* 1 bits are guest-writable */
    uint8_t devfn;
    const char *name;
    /* Called after the guest wrote [addr, addr+len) (already merged into
     * config[] through wmask): lets a device react, e.g. move a BAR. */
    void (*config_written)(PCIDevice *d, uint32_t addr, unsigned len);
    void *opaque;
    PCIBar bars[PCI_NUM_BARS];
    struct PCIBus *bus;       /* set by pci_bus_attach */
};

typedef struct PCIBus {
    PCIDevice *devices[256];  /* by devfn */
    AddressSpace *io, *mem;   /* where BARs are mapped (set by the host bridge) */
} PCIBus;

/* Declare BAR n (0-5) of d: 32-bit memory or I/O, size a power of two
 * (at least 16 for memory, 4 for I/O).  Call before pci_bus_attach. */
void pci_register_bar(PCIDevice *d, int n, bool io, uint32_t size,
                      const MemoryOps *ops, void *opaque, const char *name);
/* Reset state of the registers with side effects: BARs cleared, I/O and
 * memory decoding off (their regions unmapped). */
void pci_device_reset(PCIDevice *d);
/* What firmware does before it boots an OS (the -kernel path runs it, as
 * SeaBIOS would under QEMU): give every BAR an address, largest first,
 * I/O upwards from io_base and memory downwards from mem_end (exclusive)
 * but not below mem_start, and enable decoding.  BARs that do not fit
 * stay unassigned. */
void pci_bus_assign_bars(PCIBus *bus, uint32_t io_base, uint32_t mem_start,
                         uint32_t mem_end);

/* Plug d into bus at d->devfn; false if the slot is taken. */
bool pci_bus_attach(PCIBus *bus, PCIDevice *d);
/* Fill the standard header fields of a type-0 function. */
void pci_config_init(PCIDevice *d, uint16_t vendor, uint16_t device, uint8_t revision,
                     uint32_t class_code, uint8_t header_type);
/* Access the configuration space of devfn; absent functions read all ones. */
uint32_t pci_config_read(PCIBus *bus, uint8_t devfn, uint32_t addr, unsigned len);
void pci_config_write(PCIBus *bus, uint8_t devfn, uint32_t addr, uint32_t value, unsigned len);

static inline uint16_t pci_get_word(const PCIDevice *d, unsigned off)
{
    return (uint16_t)(d->config[off] | (d->config[off + 1] << 8));
}
static inline uint32_t pci_get_long(const PCIDevice *d, unsigned off)
{
    return d->config[off] | (d->config[off + 1] << 8) | (d->config[off + 2] << 16) |
           ((uint32_t)d->config[off + 3] << 24);
}
static inline void pci_set_word(PCIDevice *d, unsigned off, uint16_t v)
{
    d->config[off] = (uint8_t)v;
    d->config[off + 1] = (uint8_t)(v >> 8);
}

#endif

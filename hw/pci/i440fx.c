/*
 * hw/pci/i440fx.c - the i440FX host bridge and the PIIX3 PCI-to-ISA
 * bridge function: PCI configuration mechanism #1 and the reset control
 * register, as on the machine QEMU calls "pc".
 *
 * Ports (Intel 440FX PMC datasheet 3.1; PIIX3 datasheet 2.3.1):
 *   0xCF8 (dword)  CONFIG_ADDRESS: bit 31 enable, bus[23:16], devfn[15:8], reg[7:2]
 *   0xCF9 (byte)   reset control: writing SRST (bit 2) with SYS_RST (bit 1)
 *                  or alone resets the system
 *   0xCFC-0xCFF    CONFIG_DATA: any size, offset added to the register
 * Only bus 0 exists; other buses read all ones.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"
#include "hw/pci/pci.h"

typedef struct I440FXState {
    Machine *m;
    PCIBus bus;
    PCIDevice host;     /* 00:00.0 */
    PCIDevice isa;      /* 00:01.0 PIIX3 */
    uint32_t config_address;
    uint8_t reset_control;
} I440FXState;

static uint64_t i440fx_io_read(void *opaque, uint64_t off, unsigned size)
{
    I440FXState *s = opaque;
    if (off == 0 && size == 4) {
        return s->config_address;
    }
    if (off == 1 && size == 1) {
        return s->reset_control;
    }
    if (off >= 4) {
        if (!(s->config_address & 0x80000000u) || ((s->config_address >> 16) & 0xff) != 0) {
            return (1ull << (size * 8)) - 1;
        }
        uint8_t devfn = (uint8_t)(s->config_address >> 8);
        uint32_t reg = (s->config_address & 0xfc) + (uint32_t)(off - 4);
        return pci_config_read(&s->bus, devfn, reg, size);
    }
    return (1ull << (size * 8)) - 1;
}

static void i440fx_io_write(void *opaque, uint64_t off, uint64_t value, unsigned size)
{
    I440FXState *s = opaque;
    if (off == 0 && size == 4) {
        s->config_address = (uint32_t)value & 0x80fffffcu;
        return;
    }
    if (off == 1 && size == 1) {
        /* SRST with the previous value of SYS_RST decides hard/soft reset;
         * both reset the machine here. */
        if (value & 0x04) {
            s->reset_control = 0;
            machine_request_reset(s->m, "PCI reset control register (0xcf9)");
        } else {
            s->reset_control = value & 0x02;
        }
        return;
    }
    if (off >= 4) {
        if (!(s->config_address & 0x80000000u) || ((s->config_address >> 16) & 0xff) != 0) {
            return;
        }
        uint8_t devfn = (uint8_t)(s->config_address >> 8);
        uint32_t reg = (s->config_address & 0xfc) + (uint32_t)(off - 4);
        pci_config_write(&s->bus, devfn, reg, (uint32_t)value, size);
    }
}

static const MemoryOps i440fx_io_ops = {
    .read = i440fx_io_read,
    .write = i440fx_io_write,
    .min_size = 1,
    .max_size = 4,
};

static bool i440fx_realize(void *state, Machine *m, const DeviceProps *p, char **err)
{
    I440FXState *s = state;
    s->m = m;
    pci_config_init(&s->host, 0x8086, 0x1237, 0x02, 0x060000, 0x00);
    s->host.devfn = PCI_DEVFN(0, 0);
    s->host.name = "i440FX host bridge";
    /* PIIX3 ISA bridge: function 0 of a multi-function device */
    pci_config_init(&s->isa, 0x8086, 0x7000, 0x00, 0x060100, 0x80);
    s->isa.devfn = PCI_DEVFN(1, 0);
    s->isa.name = "PIIX3 ISA bridge";
    pci_bus_attach(&s->bus, &s->host);
    pci_bus_attach(&s->bus, &s->isa);
    if (!as_map(&m->io, 0xcf8, 8, &i440fx_io_ops, s, "pci-conf")) {
        *err = strdup("i440fx: I/O ports 0xcf8-0xcff are already in use");
        return false;
    }
    s->bus.io = &m->io;
    s->bus.mem = &m->mem.mmio;
    m->pci_bus = &s->bus;
    return true;
}

static void i440fx_reset(void *state)
{
    I440FXState *s = state;
    s->config_address = 0;
    s->reset_control = 0;
}

static const char *const i440fx_props[] = { NULL };

static const DeviceInfo i440fx_info = {
    .name = "i440fx",
    .desc = "i440FX PCI host bridge with PIIX3 ISA bridge",
    .state_size = sizeof(I440FXState),
    .props = i440fx_props,
    .realize = i440fx_realize,
    .reset = i440fx_reset,
    .user_creatable = false,
};
DEVICE_REGISTER(i440fx_info)

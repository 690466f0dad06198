/*
 * hw/intc/ioapic.c - the I/O APIC ("ioapic", 82093AA datasheet, version
 * 0x20 as in the PIIX/ICH chipsets QEMU models) at 0xfec00000.
 *
 * Design: 24 input pins (GSIs) exposed as IrqLines; each pin's
 * redirection entry turns an input event into an APIC bus message sent
 * with apic_deliver_irq() (hw/intc/apic.c) to the LAPICs matching its
 * destination.  Registers are indirect: IOREGSEL (offset 0x00) selects,
 * IOWIN (0x10) reads/writes; the version-0x20 EOI register (0x40) and the
 * LAPIC's EOI broadcast (apic_set_eoi_hook) both clear remote IRR.
 *
 * Triggering (datasheet 3.2.4): an edge pin sends one message per rising
 * edge while unmasked (edges seen while masked are lost).  A level pin
 * sends while asserted and unmasked, then sets remote IRR and waits for
 * the EOI of its vector; if still asserted after the EOI it sends again.
 * The polarity bit is stored but not applied: IrqLine levels are logical
 * (1 = asserted), as the ISA and PCI models raise them.
 *
 * ISA wiring: realize chains every m->isa_irq[] line that is already wired
 * (to the 8259) so it also drives the I/O APIC, with the standard PC
 * mapping of QEMU's MADT: ISA IRQ0 (PIT) -> GSI 2 (interrupt source
 * override), IRQ n -> GSI n otherwise, IRQ2 (the 8259 cascade) nowhere.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/intc/apic.h"

#define IOAPIC_VERSION  0x20

#define IOAPIC_RTE_DM_SHIFT     8
#define IOAPIC_RTE_DEST_LOGICAL (1ull << 11)
#define IOAPIC_RTE_REMOTE_IRR   (1ull << 14)
#define IOAPIC_RTE_LEVEL        (1ull << 15)
#define IOAPIC_RTE_MASKED       (1ull << 16)
/* vector, delivery mode, dest mode, polarity, trigger, mask, destination */
#define IOAPIC_RTE_WRITABLE     0xff0000000001afffull

typedef struct IOApicState {
    Machine *m;
    uint8_t id;             /* register 0 bits 27:24 */
    uint8_t ioregsel;
    uint64_t rte[IOAPIC_NUM_PINS];
    uint32_t level;         /* input pin levels */
    IrqLine gsi[IOAPIC_NUM_PINS];
    IrqLine isa_prev[ISA_NUM_IRQS];  /* what isa_irq[] drove before us */
} IOApicState;

/* Send pin's message if its entry allows it now. */
static void ioapic_service(IOApicState *s, int pin)
{
    uint64_t e = s->rte[pin];
    if (e & IOAPIC_RTE_MASKED) {
        return;
    }
    bool level = e & IOAPIC_RTE_LEVEL;
    if (level) {
        if (!(s->level & (1u << pin)) || (e & IOAPIC_RTE_REMOTE_IRR)) {
            return;
        }
        s->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
    }
    int dm = (e >> IOAPIC_RTE_DM_SHIFT) & 7;
    apic_deliver_irq(s->m, e >> 56, !!(e & IOAPIC_RTE_DEST_LOGICAL), dm,
                     e & 0xff, level && dm <= APIC_DM_LOWEST);
}

static void ioapic_set_pin(void *opaque, int pin, int level)
{
    IOApicState *s = opaque;
    if (pin < 0 || pin >= IOAPIC_NUM_PINS) {
        return;
    }
    uint32_t mask = 1u << pin;
    bool was = s->level & mask;
    if (level) {
        s->level |= mask;
    } else {
        s->level &= ~mask;
    }
    if (s->rte[pin] & IOAPIC_RTE_LEVEL) {
        if (level) {
            ioapic_service(s, pin);
        }
    } else if (level && !was) {
        ioapic_service(s, pin);
    }
}

/* EOI of vector (LAPIC broadcast or the EOI register): clear remote IRR of
 * the level entries using it, and resend those still asserted. */
static void ioapic_eoi(void *opaque, uint8_t vector)
{
    IOApicState *s = opaque;
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        uint64_t e = s->rte[pin];
        if ((e & IOAPIC_RTE_REMOTE_IRR) && (e & 0xff) == vector) {
            s->rte[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
            ioapic_service(s, pin);
        }
    }
}

static uint32_t ioapic_reg_read(IOApicState *s)
{
    unsigned r = s->ioregsel;
    switch (r) {
    case 0x00: return (uint32_t)s->id << 24;
    case 0x01: return ((IOAPIC_NUM_PINS - 1) << 16) | IOAPIC_VERSION;
    case 0x02: return (uint32_t)s->id << 24;    /* arbitration ID */
    }
    if (r >= 0x10 && r < 0x10 + 2 * IOAPIC_NUM_PINS) {
        uint64_t e = s->rte[(r - 0x10) >> 1];
        return (r & 1) ? e >> 32 : (uint32_t)e;
    }
    return 0;   /* reserved registers read 0 */
}

static void ioapic_reg_write(IOApicState *s, uint32_t v)
{
    unsigned r = s->ioregsel;
    if (r == 0x00) {
        s->id = (v >> 24) & 0xf;
        return;
    }
    if (r < 0x10 || r >= 0x10 + 2 * IOAPIC_NUM_PINS) {
        return;     /* version, arbitration and reserved: read-only */
    }
    int pin = (r - 0x10) >> 1;
    uint64_t e = s->rte[pin];
    uint64_t nv = (r & 1) ? ((uint64_t)v << 32) | (uint32_t)e
                          : (e & 0xffffffff00000000ull) | v;
    /* delivery status and remote IRR are read-only */
    const uint64_t ro = IOAPIC_RTE_REMOTE_IRR | (1ull << 12);
    nv = (nv & ~ro & IOAPIC_RTE_WRITABLE) | (e & IOAPIC_RTE_REMOTE_IRR);
    if (!(nv & IOAPIC_RTE_LEVEL)) {
        nv &= ~IOAPIC_RTE_REMOTE_IRR;   /* edge entries have no remote IRR */
    }
    s->rte[pin] = nv;
    /* unmasking (or switching to level) an asserted level pin sends now */
    if (nv & IOAPIC_RTE_LEVEL) {
        ioapic_service(s, pin);
    }
}

static uint64_t ioapic_mmio_read(void *opaque, uint64_t off, unsigned size)
{
    IOApicState *s = opaque;
    switch (off & 0xff) {
    case 0x00:
        return s->ioregsel;
    case 0x10:
        return ioapic_reg_read(s);
    default:
        return 0;
    }
}

static void ioapic_mmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    IOApicState *s = opaque;
    switch (off & 0xff) {
    case 0x00:
        s->ioregsel = val;
        break;
    case 0x10:
        if (size == 4) {
            ioapic_reg_write(s, val);
        }
        break;
    case 0x40:
        ioapic_eoi(s, val & 0xff);  /* EOI register (version 0x20) */
        break;
    default:
        break;
    }
}

static const MemoryOps ioapic_ops = {
    .read = ioapic_mmio_read,
    .write = ioapic_mmio_write,
    .min_size = 1,
    .max_size = 4,
};

/* An ISA line now drives both the 8259 input it had and its GSI. */
static void ioapic_isa_irq(void *opaque, int n, int level)
{
    IOApicState *s = opaque;
    if (n < 0 || n >= ISA_NUM_IRQS) {
        return;
    }
    irq_set(&s->isa_prev[n], level);
    if (n == 0) {
        ioapic_set_pin(s, 2, level);
    } else if (n != 2) {
        ioapic_set_pin(s, n, level);
    }
}

IrqLine *ioapic_get_gsi(void *ioapic, int gsi)
{
    IOApicState *s = ioapic;
    if (!s || gsi < 0 || gsi >= IOAPIC_NUM_PINS) {
        return NULL;
    }
    return &s->gsi[gsi];
}

static void ioapic_reset(void *opaque)
{
    IOApicState *s = opaque;
    s->id = 0;
    s->ioregsel = 0;
    for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
        s->rte[i] = IOAPIC_RTE_MASKED;
    }
}

static bool ioapic_realize(void *opaque, Machine *m, const DeviceProps *p,
                           char **err)
{
    IOApicState *s = opaque;
    s->m = m;
    if (!as_map(&m->mem.mmio, IOAPIC_DEFAULT_BASE, 0x1000, &ioapic_ops, s, "ioapic")) {
        *err = strdup("ioapic: 0xfec00000 already in use");
        return false;
    }
    for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
        s->gsi[i] = (IrqLine){ ioapic_set_pin, s, i };
    }
    for (int i = 0; i < ISA_NUM_IRQS; i++) {
        s->isa_prev[i] = m->isa_irq[i];
        m->isa_irq[i] = (IrqLine){ ioapic_isa_irq, s, i };
    }
    apic_set_eoi_hook(m, ioapic_eoi, s);
    ioapic_reset(s);
    return true;
}

static const DeviceInfo ioapic_info = {
    .name = "ioapic",
    .desc = "82093AA-style I/O APIC, 24 pins, at 0xfec00000",
    .state_size = sizeof(IOApicState),
    .props = (const char *const[]){ NULL },
    .realize = ioapic_realize,
    .reset = ioapic_reset,
    .user_creatable = false,
};
DEVICE_REGISTER(ioapic_info)

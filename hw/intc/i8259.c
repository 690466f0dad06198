/*
 * hw/intc/i8259.c - the PC/AT pair of 8259A programmable interrupt
 * controllers (master at 0x20, slave at 0xa0 cascaded on master IR2) plus
 * the PIIX edge/level control registers (ELCR) at 0x4d0/0x4d1.
 *
 * Design: both chips live in one device so the cascade is a direct call:
 * the slave's INT output is fed to master input 2 after every change, and
 * the master's INT output goes to CPU 0 through machine_set_cpu_intr().
 * The INTA cycle (m->intr_ack) is the two-pulse sequence of the datasheet
 * collapsed into one call that returns the vector.
 *
 * Edge-triggered inputs latch IRR on a rising edge and keep it until INTA
 * even if the line drops again, so a device may pulse its line (the PIT
 * does).  Level-triggered inputs (ELCR bit, or ICW1 LTIM) follow the line.
 * When no request is left at INTA time the 8259A answers with IR7 without
 * setting ISR (the "spurious interrupt" of the datasheet).
 */
#include <stdint.h>
#include <string.h>

#include "hw/machine.h"

typedef struct I8259State I8259State;

typedef struct PicChip {
    I8259State *pair;
    int index;              /* 0 master, 1 slave */
    uint8_t irr, isr, imr;
    uint8_t last_irr;       /* input line levels, for edge detection */
    uint8_t elcr, elcr_mask;
    uint8_t irq_base;
    uint8_t priority_add;   /* IR number with the highest priority */
    uint8_t init_state;     /* 0 ready, 1..3: expecting ICW2..ICW4 */
    bool init4, single_mode, ltim;
    bool auto_eoi, rotate_on_auto_eoi, special_fully_nested;
    bool read_isr, poll, special_mask;
} PicChip;

struct I8259State {
    PicChip chip[2];
    Machine *m;
    int intr_level;         /* master INT output as last sent to the CPU */
};

/* Priority (0 highest) of the best bit of mask, 8 if none. */
static int pic_get_priority(const PicChip *c, uint8_t mask)
{
    if (!mask) {
        return 8;
    }
    int p = 0;
    while (!(mask & (1u << ((p + c->priority_add) & 7)))) {
        p++;
    }
    return p;
}

/* IR the chip would raise INT for, or -1: the best unmasked request that
 * outranks everything in service (fully nested mode). */
static int pic_get_irq(const PicChip *c)
{
    int prio = pic_get_priority(c, c->irr & ~c->imr);
    if (prio == 8) {
        return -1;
    }
    uint8_t in_service = c->isr;
    /* special mask mode: masked levels do not inhibit lower ones */
    if (c->special_mask) {
        in_service &= ~c->imr;
    }
    /* special fully nested: the master lets further slave requests through
     * while the cascade input is in service */
    if (c->special_fully_nested && c->index == 0) {
        in_service &= ~(1u << 2);
    }
    if (prio < pic_get_priority(c, in_service)) {
        return (prio + c->priority_add) & 7;
    }
    return -1;
}

static bool pic_is_level(const PicChip *c, int irq)
{
    return c->ltim || (c->elcr & (1u << irq));
}

static void pic_set_input(PicChip *c, int irq, int level)
{
    uint8_t mask = 1u << irq;
    if (pic_is_level(c, irq)) {
        if (level) {
            c->irr |= mask;
            c->last_irr |= mask;
        } else {
            c->irr &= ~mask;
            c->last_irr &= ~mask;
        }
    } else if (level) {
        if (!(c->last_irr & mask)) {
            c->irr |= mask;
        }
        c->last_irr |= mask;
    } else {
        c->last_irr &= ~mask;
    }
}

/* Propagate slave INT to master IR2, and master INT to the CPU. */
static void pic_update(I8259State *s)
{
    pic_set_input(&s->chip[0], 2, pic_get_irq(&s->chip[1]) >= 0);
    int level = pic_get_irq(&s->chip[0]) >= 0;
    if (level != s->intr_level) {
        s->intr_level = level;
        machine_set_cpu_intr(s->m, 0, level);
    }
}

/* INTA on one chip for a request it reported. */
static void pic_ack(PicChip *c, int irq)
{
    if (c->auto_eoi) {
        if (c->rotate_on_auto_eoi) {
            c->priority_add = (irq + 1) & 7;
        }
    } else {
        c->isr |= 1u << irq;
    }
    /* a level-triggered request stays in IRR while the line is high */
    if (!pic_is_level(c, irq)) {
        c->irr &= ~(1u << irq);
    }
}

static void pic_isa_irq(void *opaque, int n, int level)
{
    I8259State *s = opaque;
    if (n < 0 || n >= ISA_NUM_IRQS) {
        return;
    }
    /* ISA bus IRQ2 is wired to IR9 on the AT: IR2 is the cascade. */
    if (n == 2) {
        n = 9;
    }
    pic_set_input(&s->chip[n >> 3], n & 7, level);
    pic_update(s);
}

static int pic_intr_ack(void *opaque)
{
    I8259State *s = opaque;
    PicChip *master = &s->chip[0], *slave = &s->chip[1];
    int vector;
    int irq = pic_get_irq(master);

    if (irq >= 0) {
        pic_ack(master, irq);
        if (irq == 2) {
            int irq2 = pic_get_irq(slave);
            if (irq2 >= 0) {
                pic_ack(slave, irq2);
            } else {
                irq2 = 7;   /* spurious on the slave */
            }
            vector = slave->irq_base + irq2;
        } else {
            vector = master->irq_base + irq;
        }
    } else {
        vector = master->irq_base + 7;  /* spurious IRQ7 */
    }
    pic_update(s);
    return vector;
}

static void pic_init_reset(PicChip *c)
{
    c->last_irr = 0;
    c->irr &= c->elcr;      /* level requests still pending stay visible */
    c->imr = 0;
    c->isr = 0;
    c->priority_add = 0;
    c->irq_base = 0;
    c->init_state = 0;
    c->init4 = c->single_mode = c->ltim = false;
    c->auto_eoi = c->rotate_on_auto_eoi = c->special_fully_nested = false;
    c->read_isr = c->poll = c->special_mask = false;
}

static void pic_eoi(PicChip *c, int irq, bool rotate)
{
    c->isr &= ~(1u << irq);
    if (rotate) {
        c->priority_add = (irq + 1) & 7;
    }
}

static void pic_write_cmd(PicChip *c, uint8_t val)
{
    if (val & 0x10) {
        /* ICW1: starts initialisation, clears IMR/ISR, edge mode */
        pic_init_reset(c);
        c->init_state = 1;
        c->init4 = val & 0x01;
        c->single_mode = val & 0x02;
        c->ltim = val & 0x08;
    } else if (val & 0x08) {
        /* OCW3 */
        if (val & 0x04) {
            c->poll = true;
        }
        if (val & 0x02) {
            c->read_isr = val & 0x01;
        }
        if (val & 0x40) {
            c->special_mask = (val >> 5) & 1;
        }
    } else {
        /* OCW2: R SL EOI L2 L1 L0 */
        int cmd = val >> 5;
        int prio, irq;
        switch (cmd) {
        case 0: /* clear rotate in automatic EOI mode */
        case 4: /* set rotate in automatic EOI mode */
            c->rotate_on_auto_eoi = cmd >> 2;
            break;
        case 1: /* non-specific EOI */
        case 5: /* rotate on non-specific EOI */
            prio = pic_get_priority(c, c->isr);
            if (prio != 8) {
                irq = (prio + c->priority_add) & 7;
                pic_eoi(c, irq, cmd == 5);
            }
            break;
        case 3: /* specific EOI */
        case 7: /* rotate on specific EOI */
            pic_eoi(c, val & 7, cmd == 7);
            break;
        case 6: /* set priority: L2-L0 becomes the lowest */
            c->priority_add = (val + 1) & 7;
            break;
        default: /* 2: no operation */
            break;
        }
    }
}

static void pic_write_data(PicChip *c, uint8_t val)
{
    switch (c->init_state) {
    case 0: /* OCW1 */
        c->imr = val;
        break;
    case 1: /* ICW2: vector base, low 3 bits come from the IR number */
        c->irq_base = val & 0xf8;
        c->init_state = c->single_mode ? (c->init4 ? 3 : 0) : 2;
        break;
    case 2: /* ICW3: cascade wiring is fixed on the PC */
        c->init_state = c->init4 ? 3 : 0;
        break;
    default: /* ICW4 */
        c->special_fully_nested = (val >> 4) & 1;
        c->auto_eoi = (val >> 1) & 1;
        c->init_state = 0;
        break;
    }
}

/* Poll command: acts as an INTA of this chip; returns 0x80|IR or 0. */
static uint8_t pic_poll_read(PicChip *c)
{
    int irq = pic_get_irq(c);
    c->poll = false;
    if (irq < 0) {
        return 0;
    }
    pic_ack(c, irq);
    return 0x80 | irq;
}

static uint64_t pic_ioport_read(void *opaque, uint64_t offset, unsigned size)
{
    PicChip *c = opaque;
    uint8_t v;
    if (c->poll) {
        v = pic_poll_read(c);
        pic_update(c->pair);
    } else if (offset & 1) {
        v = c->imr;
    } else {
        v = c->read_isr ? c->isr : c->irr;
    }
    return v;
}

static void pic_ioport_write(void *opaque, uint64_t offset, uint64_t value,
                             unsigned size)
{
    PicChip *c = opaque;
    if (offset & 1) {
        pic_write_data(c, value);
    } else {
        pic_write_cmd(c, value);
    }
    pic_update(c->pair);
}

static const MemoryOps pic_ops = {
    .read = pic_ioport_read,
    .write = pic_ioport_write,
    .min_size = 1,
    .max_size = 1,
};

/* ELCR: one byte per chip; IRQ0-2 and 8, 13 are always edge (PIIX). */
static uint64_t elcr_ioport_read(void *opaque, uint64_t offset, unsigned size)
{
    I8259State *s = opaque;
    return s->chip[offset & 1].elcr;
}

static void elcr_ioport_write(void *opaque, uint64_t offset, uint64_t value,
                              unsigned size)
{
    I8259State *s = opaque;
    PicChip *c = &s->chip[offset & 1];
    c->elcr = value & c->elcr_mask;
    pic_update(s);
}

static const MemoryOps elcr_ops = {
    .read = elcr_ioport_read,
    .write = elcr_ioport_write,
    .min_size = 1,
    .max_size = 1,
};

static void i8259_reset(void *opaque)
{
    I8259State *s = opaque;
    for (int i = 0; i < 2; i++) {
        s->chip[i].elcr = 0;
        s->chip[i].irr = 0;
        pic_init_reset(&s->chip[i]);
    }
    if (s->intr_level) {
        s->intr_level = 0;
        machine_set_cpu_intr(s->m, 0, 0);
    }
}

static bool i8259_realize(void *opaque, Machine *m, const DeviceProps *p,
                          char **err)
{
    I8259State *s = opaque;
    static const uint16_t bases[2] = { 0x20, 0xa0 };

    s->m = m;
    for (int i = 0; i < 2; i++) {
        s->chip[i].pair = s;
        s->chip[i].index = i;
    }
    s->chip[0].elcr_mask = 0xf8;
    s->chip[1].elcr_mask = 0xde;
    if (!as_map(&m->io, bases[0], 2, &pic_ops, &s->chip[0], "pic-master")) {
        goto busy;
    }
    if (!as_map(&m->io, bases[1], 2, &pic_ops, &s->chip[1], "pic-slave")) {
        as_unmap(&m->io, bases[0]);
        goto busy;
    }
    if (!as_map(&m->io, 0x4d0, 2, &elcr_ops, s, "elcr")) {
        as_unmap(&m->io, bases[0]);
        as_unmap(&m->io, bases[1]);
        goto busy;
    }
    for (int i = 0; i < ISA_NUM_IRQS; i++) {
        m->isa_irq[i] = (IrqLine){ pic_isa_irq, s, i };
    }
    m->intc = s;
    m->intr_ack = pic_intr_ack;
    i8259_reset(s);
    return true;

busy:
    *err = strdup("i8259: I/O ports 0x20/0xa0/0x4d0 already in use");
    return false;
}

static const DeviceInfo i8259_info = {
    .name = "i8259",
    .desc = "8259A interrupt controller pair (master + slave) with ELCR",
    .state_size = sizeof(I8259State),
    .props = (const char *const[]){ NULL },
    .realize = i8259_realize,
    .reset = i8259_reset,
    .user_creatable = false,
};
DEVICE_REGISTER(i8259_info)

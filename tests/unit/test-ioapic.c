/* Unit tests for hw/intc/ioapic.c: registers and redirection programming,
 * masked pins, edge vs level with remote IRR and EOI (broadcast and the
 * EOI register), delivery to the LAPIC the destination names, ExtINT,
 * and the ISA wiring (IRQ0 -> GSI 2). */
#include <glib.h>
#include <stdlib.h>

#include "hw/intc/apic.h"

static int intr[2];
static void rec_intr(void *o, int level) { *(int *)o = level; }
static const ApicCpuOps rec_ops = { .set_intr = rec_intr };

static int isa_calls[ISA_NUM_IRQS], isa_level[ISA_NUM_IRQS];
static void fake_pic_irq(void *o, int n, int level)
{
    isa_calls[n]++;
    isa_level[n] = level;
}
static int fake_pic_ack(void *intc) { return 0x28; }

typedef struct Rig {
    Machine *m;
    void *io;
    ApicState *a[2];
} Rig;

static Rig rig_new(void)
{
    Rig r;
    char *err = NULL;
    r.m = g_new0(Machine, 1);
    as_init(&r.m->io, "io");
    as_init(&r.m->mem.mmio, "mmio");
    memset(intr, 0, sizeof(intr));
    memset(isa_calls, 0, sizeof(isa_calls));
    for (int i = 0; i < ISA_NUM_IRQS; i++) {
        r.m->isa_irq[i] = (IrqLine){ fake_pic_irq, NULL, i };
    }
    r.m->intr_ack = fake_pic_ack;
    for (int i = 0; i < 2; i++) {
        r.a[i] = apic_create(r.m, i, &rec_ops, &intr[i]);
        g_assert_nonnull(r.a[i]);
        apic_mmio_write(r.a[i], 0xf0, 0x1ff, 4);
    }
    r.m->nr_cpus = 2;
    r.io = device_create(r.m, "ioapic", NULL, &err);
    g_assert_nonnull(r.io);
    g_assert_null(err);
    return r;
}

static void rig_free(Rig *r)
{
    apic_machine_cleanup(r->m);
    for (int i = 0; i < r->m->nr_devices; i++) {
        free(r->m->devices[i].state);
    }
    as_destroy(&r->m->io);
    as_destroy(&r->m->mem.mmio);
    g_free(r->m);
}

static uint32_t io_rd(Rig *r, uint8_t reg)
{
    uint64_t v;
    as_write(&r->m->mem.mmio, 0xfec00000, 1, reg);
    g_assert_true(as_read(&r->m->mem.mmio, 0xfec00010, 4, &v));
    return v;
}

static void io_wr(Rig *r, uint8_t reg, uint32_t v)
{
    as_write(&r->m->mem.mmio, 0xfec00000, 1, reg);
    as_write(&r->m->mem.mmio, 0xfec00010, 4, v);
}

static void set_rte(Rig *r, int pin, uint64_t e)
{
    io_wr(r, 0x11 + 2 * pin, e >> 32);
    io_wr(r, 0x10 + 2 * pin, (uint32_t)e);
}

static bool irr(ApicState *s, int vec)
{
    return (apic_mmio_read(s, 0x200 + (vec / 32) * 0x10, 4) >> (vec % 32)) & 1;
}

static void eoi(ApicState *s) { apic_mmio_write(s, 0xb0, 0, 4); }

static void test_registers(void)
{
    Rig r = rig_new();
    g_assert_cmphex(io_rd(&r, 0x01), ==, 0x00170020);
    g_assert_cmphex(io_rd(&r, 0x00), ==, 0);
    io_wr(&r, 0x00, 0x0f000000);
    g_assert_cmphex(io_rd(&r, 0x00), ==, 0x0f000000);
    g_assert_cmphex(io_rd(&r, 0x02), ==, 0x0f000000);
    io_wr(&r, 0x01, 0);                         /* version is read-only */
    g_assert_cmphex(io_rd(&r, 0x01), ==, 0x00170020);
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        g_assert_cmphex(io_rd(&r, 0x10 + 2 * pin), ==, 0x10000);
        g_assert_cmphex(io_rd(&r, 0x11 + 2 * pin), ==, 0);
    }
    set_rte(&r, 5, 0x0300000000012b45ull);
    g_assert_cmphex(io_rd(&r, 0x1a), ==, 0x00012b45);
    g_assert_cmphex(io_rd(&r, 0x1b), ==, 0x03000000);
    /* delivery status, remote IRR and reserved bits are read-only */
    set_rte(&r, 6, 0x00ffffff0001ffffull);
    g_assert_cmphex(io_rd(&r, 0x1c), ==, 0x0001afff);
    g_assert_cmphex(io_rd(&r, 0x1d), ==, 0);
    uint64_t v;
    as_read(&r.m->mem.mmio, 0xfec00000, 1, &v);
    g_assert_cmphex(v, ==, 0x1d);               /* IOREGSEL reads back */
    /* hostile register numbers and offsets */
    for (int reg = 0; reg < 256; reg++) {
        io_rd(&r, reg);
    }
    for (uint64_t off = 0; off < 0x1000; off += 4) {
        as_read(&r.m->mem.mmio, 0xfec00000 + off, 4, &v);
    }
    /* reset masks everything again */
    r.m->devices[0].info->reset(r.m->devices[0].state);
    g_assert_cmphex(io_rd(&r, 0x1a), ==, 0x10000);
    rig_free(&r);
}

static void test_edge_and_mask(void)
{
    Rig r = rig_new();
    IrqLine *pin4 = ioapic_get_gsi(r.io, 4);
    g_assert_nonnull(pin4);
    g_assert_null(ioapic_get_gsi(r.io, 24));
    irq_pulse(pin4);                            /* masked: lost */
    g_assert_false(irr(r.a[0], 0x34));
    set_rte(&r, 4, 0x34);                       /* fixed, physical dest 0 */
    g_assert_false(irr(r.a[0], 0x34));
    irq_raise(pin4);
    g_assert_true(irr(r.a[0], 0x34));
    g_assert_cmpint(intr[0], ==, 1);
    g_assert_cmpint(apic_get_interrupt(r.a[0]), ==, 0x34);
    irq_raise(pin4);                            /* no new edge */
    g_assert_false(irr(r.a[0], 0x34));
    irq_lower(pin4);
    irq_raise(pin4);
    g_assert_true(irr(r.a[0], 0x34));
    /* edge interrupts leave TMR clear: no EOI broadcast needed */
    g_assert_cmphex(apic_mmio_read(r.a[0], 0x180 + 0x10, 4), ==, 0);
    rig_free(&r);
}

static void test_level_remote_irr(void)
{
    Rig r = rig_new();
    IrqLine *pin10 = ioapic_get_gsi(r.io, 10);
    set_rte(&r, 10, 0x0000a05a);                /* level, active low, 0x5a */
    irq_raise(pin10);
    g_assert_true(irr(r.a[0], 0x5a));
    g_assert_true(io_rd(&r, 0x24) & (1u << 14));        /* remote IRR */
    g_assert_cmpint(apic_get_interrupt(r.a[0]), ==, 0x5a);
    irq_raise(pin10);                           /* waits for the EOI */
    g_assert_false(irr(r.a[0], 0x5a));
    eoi(r.a[0]);                                /* broadcast: still high */
    g_assert_true(irr(r.a[0], 0x5a));
    g_assert_true(io_rd(&r, 0x24) & (1u << 14));
    g_assert_cmpint(apic_get_interrupt(r.a[0]), ==, 0x5a);
    irq_lower(pin10);
    eoi(r.a[0]);
    g_assert_false(io_rd(&r, 0x24) & (1u << 14));
    g_assert_false(irr(r.a[0], 0x5a));
    /* the EOI register (version 0x20) clears remote IRR too */
    irq_raise(pin10);
    g_assert_true(io_rd(&r, 0x24) & (1u << 14));
    g_assert_cmpint(apic_get_interrupt(r.a[0]), ==, 0x5a);
    irq_lower(pin10);
    as_write(&r.m->mem.mmio, 0xfec00040, 4, 0x5a);
    g_assert_false(io_rd(&r, 0x24) & (1u << 14));
    eoi(r.a[0]);
    /* a masked asserted level pin is sent when unmasked */
    set_rte(&r, 11, 0x1805b);
    irq_raise(ioapic_get_gsi(r.io, 11));
    g_assert_false(irr(r.a[0], 0x5b));
    set_rte(&r, 11, 0x805b);
    g_assert_true(irr(r.a[0], 0x5b));
    rig_free(&r);
}

static void test_destination(void)
{
    Rig r = rig_new();
    set_rte(&r, 16, 0x0100000000000071ull);     /* physical APIC ID 1 */
    irq_raise(ioapic_get_gsi(r.io, 16));
    g_assert_true(irr(r.a[1], 0x71));
    g_assert_false(irr(r.a[0], 0x71));
    g_assert_cmpint(intr[1], ==, 1);
    g_assert_cmpint(intr[0], ==, 0);
    /* logical flat: LDR 0x01 / 0x02, destination 0x02 */
    apic_mmio_write(r.a[0], 0xd0, 0x01000000, 4);
    apic_mmio_write(r.a[1], 0xd0, 0x02000000, 4);
    set_rte(&r, 17, 0x0200000000000872ull);
    irq_raise(ioapic_get_gsi(r.io, 17));
    g_assert_true(irr(r.a[1], 0x72));
    g_assert_false(irr(r.a[0], 0x72));
    /* broadcast 0xff */
    set_rte(&r, 18, 0xff00000000000073ull);
    irq_raise(ioapic_get_gsi(r.io, 18));
    g_assert_true(irr(r.a[0], 0x73) && irr(r.a[1], 0x73));
    /* an APIC ID nobody has */
    set_rte(&r, 19, 0x0700000000000074ull);
    irq_raise(ioapic_get_gsi(r.io, 19));
    g_assert_false(irr(r.a[0], 0x74) || irr(r.a[1], 0x74));
    /* an illegal vector is an error at the LAPIC, not an IRR bit */
    set_rte(&r, 20, 0x0000000000000004ull);
    irq_raise(ioapic_get_gsi(r.io, 20));
    apic_mmio_write(r.a[0], 0x280, 0, 4);
    g_assert_cmphex(apic_mmio_read(r.a[0], 0x280, 4), ==, 0x40);
    rig_free(&r);
}

static void test_extint(void)
{
    Rig r = rig_new();
    set_rte(&r, 0, 0x700);                      /* ExtINT to APIC 0 */
    irq_raise(ioapic_get_gsi(r.io, 0));
    g_assert_cmpint(intr[0], ==, 1);
    g_assert_true(apic_intr_pending(r.a[0]));
    g_assert_false(apic_has_interrupt(r.a[0]));
    g_assert_cmpint(apic_intr_ack(r.a[0]), ==, 0x28);  /* the 8259's vector */
    g_assert_cmpint(intr[0], ==, 0);
    rig_free(&r);
}

static void test_isa_wiring(void)
{
    Rig r = rig_new();
    set_rte(&r, 2, 0x30);
    set_rte(&r, 1, 0x31);
    set_rte(&r, 0, 0x3f);
    irq_raise(&r.m->isa_irq[0]);                /* PIT: GSI 2 */
    g_assert_cmpint(isa_calls[0], ==, 1);       /* the 8259 still sees it */
    g_assert_cmpint(isa_level[0], ==, 1);
    g_assert_true(irr(r.a[0], 0x30));
    g_assert_false(irr(r.a[0], 0x3f));
    irq_pulse(&r.m->isa_irq[1]);
    g_assert_true(irr(r.a[0], 0x31));
    g_assert_cmpint(isa_calls[1], ==, 2);
    irq_lower(&r.m->isa_irq[0]);
    while (apic_has_interrupt(r.a[0])) {        /* drain */
        apic_get_interrupt(r.a[0]);
        eoi(r.a[0]);
    }
    irq_pulse(&r.m->isa_irq[2]);                /* cascade: no GSI */
    g_assert_false(irr(r.a[0], 0x30) || irr(r.a[0], 0x3f));
    g_assert_cmpint(intr[0], ==, 0);
    g_assert_cmpint(isa_calls[2], ==, 2);
    rig_free(&r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ioapic/registers", test_registers);
    g_test_add_func("/ioapic/edge-mask", test_edge_and_mask);
    g_test_add_func("/ioapic/level-remote-irr", test_level_remote_irr);
    g_test_add_func("/ioapic/destination", test_destination);
    g_test_add_func("/ioapic/extint", test_extint);
    g_test_add_func("/ioapic/isa-wiring", test_isa_wiring);
    return g_test_run();
}

/* Unit tests for hw/intc/i8259.c: Linux-style initialisation, priorities,
 * EOI, cascade through IR2, spurious IRQ7, ELCR level mode, masks,
 * auto-EOI, priority rotation and poll mode. */
#include <glib.h>
#include <stdlib.h>

#include "hw/machine.h"

extern int devstub_cpu_intr_level, devstub_cpu_intr_calls;

static Machine *pic_machine(void)
{
    Machine *m = g_new0(Machine, 1);
    char *err = NULL;
    as_init(&m->io, "io");
    g_assert_nonnull(device_create(m, "i8259", NULL, &err));
    g_assert_null(err);
    g_assert_nonnull(m->intc);
    g_assert_nonnull(m->intr_ack);
    return m;
}

static void pic_free(Machine *m)
{
    for (int i = 0; i < m->nr_devices; i++) {
        free(m->devices[i].state);
    }
    as_destroy(&m->io);
    g_free(m);
}

static void outb(Machine *m, uint16_t port, uint8_t v) { as_write(&m->io, port, 1, v); }
static uint8_t inb(Machine *m, uint16_t port)
{
    uint64_t v;
    as_read(&m->io, port, 1, &v);
    return v;
}

/* What arch/x86/kernel/i8259.c init_8259A() does. */
static void linux_init(Machine *m, bool auto_eoi)
{
    outb(m, 0x21, 0xff);
    outb(m, 0xa1, 0xff);
    outb(m, 0x20, 0x11);                 /* ICW1: edge, cascade, ICW4 */
    outb(m, 0x21, 0x30);                 /* ICW2: vectors 0x30-0x37 */
    outb(m, 0x21, 0x04);                 /* ICW3: slave on IR2 */
    outb(m, 0x21, auto_eoi ? 0x03 : 0x01);
    outb(m, 0xa0, 0x11);
    outb(m, 0xa1, 0x38);
    outb(m, 0xa1, 0x02);
    outb(m, 0xa1, 0x01);
    outb(m, 0x21, 0x00);
    outb(m, 0xa1, 0x00);
}

static int ack(Machine *m) { return m->intr_ack(m->intc); }
static bool intr_stub(void) { return devstub_cpu_intr_calls > 0; }

static uint8_t read_isr(Machine *m, uint16_t port)
{
    outb(m, port, 0x0b);
    uint8_t v = inb(m, port);
    outb(m, port, 0x0a);
    return v;
}

static void test_priority_and_eoi(void)
{
    Machine *m = pic_machine();
    linux_init(m, false);
    g_assert_cmphex(inb(m, 0x21), ==, 0x00);
    irq_pulse(&m->isa_irq[3]);
    if (intr_stub()) {
        g_assert_cmpint(devstub_cpu_intr_level, ==, 1);
    }
    irq_pulse(&m->isa_irq[1]);
    g_assert_cmphex(inb(m, 0x20), ==, 0x0a);      /* IRR: 1 and 3 */
    g_assert_cmpint(ack(m), ==, 0x31);            /* IR1 outranks IR3 */
    g_assert_cmphex(read_isr(m, 0x20), ==, 0x02);
    /* IR3 is blocked while IR1 is in service: INT stays low */
    if (intr_stub()) {
        g_assert_cmpint(devstub_cpu_intr_level, ==, 0);
    }
    outb(m, 0x20, 0x20);                          /* non-specific EOI */
    if (intr_stub()) {
        g_assert_cmpint(devstub_cpu_intr_level, ==, 1);
    }
    g_assert_cmpint(ack(m), ==, 0x33);
    outb(m, 0x20, 0x63);                          /* specific EOI IR3 */
    g_assert_cmphex(read_isr(m, 0x20), ==, 0x00);
    /* an edge request is consumed by INTA: nothing more to deliver */
    g_assert_cmpint(ack(m), ==, 0x37);
    g_assert_cmphex(read_isr(m, 0x20), ==, 0x00);
    pic_free(m);
}

static void test_higher_priority_nests(void)
{
    Machine *m = pic_machine();
    linux_init(m, false);
    irq_pulse(&m->isa_irq[4]);
    g_assert_cmpint(ack(m), ==, 0x34);
    irq_pulse(&m->isa_irq[0]);                    /* outranks IR4 in service */
    g_assert_cmpint(ack(m), ==, 0x30);
    g_assert_cmphex(read_isr(m, 0x20), ==, 0x11);
    outb(m, 0x20, 0x20);                          /* EOI goes to IR0 first */
    g_assert_cmphex(read_isr(m, 0x20), ==, 0x10);
    pic_free(m);
}

static void test_cascade(void)
{
    Machine *m = pic_machine();
    linux_init(m, false);
    irq_pulse(&m->isa_irq[10]);
    irq_pulse(&m->isa_irq[14]);
    g_assert_cmpint(ack(m), ==, 0x3a);
    g_assert_cmphex(read_isr(m, 0x20), ==, 0x04);
    g_assert_cmphex(read_isr(m, 0xa0), ==, 0x04);
    /* IR14 waits for the slave EOI, then the master EOI */
    g_assert_cmpint(ack(m), ==, 0x37);
    outb(m, 0xa0, 0x20);
    outb(m, 0x20, 0x20);
    g_assert_cmpint(ack(m), ==, 0x3e);
    g_assert_cmphex(read_isr(m, 0xa0), ==, 0x40);
    /* ISA IRQ2 on the bus is IR9 */
    outb(m, 0xa0, 0x20);
    outb(m, 0x20, 0x20);
    irq_pulse(&m->isa_irq[2]);
    g_assert_cmpint(ack(m), ==, 0x39);
    pic_free(m);
}

static void test_spurious_irq7(void)
{
    Machine *m = pic_machine();
    linux_init(m, false);
    outb(m, 0x4d0, 0x20);                         /* IR5 level-triggered */
    g_assert_cmphex(inb(m, 0x4d0), ==, 0x20);
    irq_raise(&m->isa_irq[5]);
    if (intr_stub()) {
        g_assert_cmpint(devstub_cpu_intr_level, ==, 1);
    }
    irq_lower(&m->isa_irq[5]);                    /* vanishes before INTA */
    g_assert_cmpint(ack(m), ==, 0x37);
    g_assert_cmphex(read_isr(m, 0x20), ==, 0x00); /* no ISR bit for it */
    /* same on the slave: IR15 */
    outb(m, 0x4d1, 0x08);                         /* IR11 level */
    irq_raise(&m->isa_irq[11]);
    irq_lower(&m->isa_irq[11]);
    /* the master latched the slave's INT edge on IR2: the slave answers
     * with its own IR7, i.e. spurious IRQ15, and the master has IR2 in
     * service (Linux then EOIs only the master) */
    g_assert_cmpint(ack(m), ==, 0x3f);
    g_assert_cmphex(read_isr(m, 0x20), ==, 0x04);
    g_assert_cmphex(read_isr(m, 0xa0), ==, 0x00);
    pic_free(m);
}

static void test_elcr_level(void)
{
    Machine *m = pic_machine();
    linux_init(m, false);
    outb(m, 0x4d0, 0xff);
    g_assert_cmphex(inb(m, 0x4d0), ==, 0xf8);     /* IR0-2 always edge */
    outb(m, 0x4d1, 0xff);
    g_assert_cmphex(inb(m, 0x4d1), ==, 0xde);
    outb(m, 0x4d0, 0x20);
    irq_raise(&m->isa_irq[5]);
    g_assert_cmpint(ack(m), ==, 0x35);
    outb(m, 0x20, 0x20);
    /* the line is still high: the request is still there after EOI */
    g_assert_cmpint(ack(m), ==, 0x35);
    outb(m, 0x20, 0x20);
    irq_lower(&m->isa_irq[5]);
    g_assert_cmpint(ack(m), ==, 0x37);
    /* an edge input held high does not re-request after EOI */
    outb(m, 0x4d0, 0x00);
    irq_raise(&m->isa_irq[6]);
    g_assert_cmpint(ack(m), ==, 0x36);
    outb(m, 0x20, 0x20);
    g_assert_cmpint(ack(m), ==, 0x37);
    pic_free(m);
}

static void test_masks(void)
{
    Machine *m = pic_machine();
    linux_init(m, false);
    outb(m, 0x21, 0x02);
    g_assert_cmphex(inb(m, 0x21), ==, 0x02);
    irq_pulse(&m->isa_irq[1]);
    if (intr_stub()) {
        g_assert_cmpint(devstub_cpu_intr_level, ==, 0);
    }
    g_assert_cmpint(ack(m), ==, 0x37);
    outb(m, 0x21, 0x00);                          /* unmask: IRR kept it */
    g_assert_cmpint(ack(m), ==, 0x31);
    outb(m, 0x20, 0x20);
    /* masking the cascade blocks the whole slave */
    outb(m, 0x21, 0x04);
    irq_pulse(&m->isa_irq[12]);
    g_assert_cmpint(ack(m), ==, 0x37);
    outb(m, 0x21, 0x00);
    g_assert_cmpint(ack(m), ==, 0x3c);
    pic_free(m);
}

static void test_auto_eoi_and_rotation(void)
{
    Machine *m = pic_machine();
    linux_init(m, true);
    irq_pulse(&m->isa_irq[3]);
    g_assert_cmpint(ack(m), ==, 0x33);
    g_assert_cmphex(read_isr(m, 0x20), ==, 0x00);
    /* set priority: IR3 lowest, so IR4 is now the highest */
    outb(m, 0x20, 0xc3);
    irq_pulse(&m->isa_irq[1]);
    irq_pulse(&m->isa_irq[5]);
    g_assert_cmpint(ack(m), ==, 0x35);
    g_assert_cmpint(ack(m), ==, 0x31);
    pic_free(m);
}

static void test_rotate_on_eoi_and_poll(void)
{
    Machine *m = pic_machine();
    linux_init(m, false);
    irq_pulse(&m->isa_irq[0]);
    g_assert_cmpint(ack(m), ==, 0x30);
    outb(m, 0x20, 0xa0);                  /* rotate on non-specific EOI */
    irq_pulse(&m->isa_irq[0]);
    irq_pulse(&m->isa_irq[6]);
    g_assert_cmpint(ack(m), ==, 0x36);    /* IR0 is now the lowest */
    outb(m, 0x20, 0x20);
    /* poll command: reading acts as INTA */
    outb(m, 0x20, 0x0c);
    g_assert_cmphex(inb(m, 0x20), ==, 0x80);
    g_assert_cmphex(read_isr(m, 0x20), ==, 0x01);
    outb(m, 0x20, 0x0c);
    g_assert_cmphex(inb(m, 0x20), ==, 0x00);
    pic_free(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pic/priority-and-eoi", test_priority_and_eoi);
    g_test_add_func("/pic/higher-priority-nests", test_higher_priority_nests);
    g_test_add_func("/pic/cascade", test_cascade);
    g_test_add_func("/pic/spurious-irq7", test_spurious_irq7);
    g_test_add_func("/pic/elcr-level", test_elcr_level);
    g_test_add_func("/pic/masks", test_masks);
    g_test_add_func("/pic/auto-eoi-and-rotation", test_auto_eoi_and_rotation);
    g_test_add_func("/pic/rotate-on-eoi-and-poll", test_rotate_on_eoi_and_poll);
    return g_test_run();
}

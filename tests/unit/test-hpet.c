/* Unit tests for hw/timer/hpet.c: register semantics (capabilities,
 * writable bits, 32/64-bit halves, bad sizes), the main counter (halted,
 * writable only while halted, 100 MHz against the host clock), one-shot
 * and periodic comparators (Tn_VAL_SET_CNF accumulator, 32-bit mode)
 * delivered through a real I/O APIC to a real LAPIC, level-triggered
 * status and re-delivery, legacy replacement routing (timer 0 -> IRQ0,
 * timer 1 -> IRQ8, PIT and RTC cut off), and hostile programming (routes
 * outside the capability, zero/tiny/huge periods, comparators behind the
 * counter) that must neither crash nor keep the host busy.
 *
 * Timers are run by calling timers_run_expired() in a loop, as the I/O
 * thread would; every test resets the HPET at the end so no timer stays
 * armed, and machines are kept alive (device state is not freed). */
#include <glib.h>
#include <string.h>

#include "hw/intc/apic.h"
#include "hw/timer/hpet.h"
#include "system/sysemu.h"

#define HB HPET_BASE
#define VEC 0x30

static int isa_edges[ISA_NUM_IRQS], isa_level[ISA_NUM_IRQS];
static void fake_pic_irq(void *o, int n, int level)
{
    if (level && !isa_level[n]) {
        isa_edges[n]++;
    }
    isa_level[n] = level;
}
static int fake_pic_ack(void *intc) { return 0x28; }
static int cpu_intr;
static void rec_intr(void *o, int level) { cpu_intr = level; }
static const ApicCpuOps rec_ops = { .set_intr = rec_intr };

typedef struct Rig {
    Machine *m;
    ApicState *a;
    void *io;
    void *hpet;
} Rig;

static Rig rig_new(const char *hpet_opts)
{
    static GPtrArray *keep;
    Rig r;
    char *err = NULL;
    if (!keep) {
        keep = g_ptr_array_new();
    }
    r.m = g_new0(Machine, 1);
    g_ptr_array_add(keep, r.m);
    as_init(&r.m->io, "io");
    as_init(&r.m->mem.mmio, "mmio");
    memset(isa_edges, 0, sizeof(isa_edges));
    memset(isa_level, 0, sizeof(isa_level));
    for (int i = 0; i < ISA_NUM_IRQS; i++) {
        r.m->isa_irq[i] = (IrqLine){ fake_pic_irq, NULL, i };
    }
    r.m->intr_ack = fake_pic_ack;
    r.a = apic_create(r.m, 0, &rec_ops, NULL);
    apic_mmio_write(r.a, 0xf0, 0x1ff, 4);
    r.m->nr_cpus = 1;
    r.io = device_create(r.m, "ioapic", NULL, &err);
    g_assert_null(err);
    r.hpet = device_create(r.m, "hpet", hpet_opts, &err);
    g_assert_null(err);
    g_assert_nonnull(r.hpet);
    return r;
}

static void rig_done(Rig *r)
{
    /* the HPET's reset deletes its host timers */
    for (int i = 0; i < r->m->nr_devices; i++) {
        if (!strcmp(r->m->devices[i].info->name, "hpet")) {
            r->m->devices[i].info->reset(r->m->devices[i].state);
        }
    }
    apic_machine_cleanup(r->m);
}

static uint64_t rd(Rig *r, uint64_t off, unsigned size)
{
    uint64_t v;
    g_assert_true(as_read(&r->m->mem.mmio, HB + off, size, &v));
    return v;
}
static void wr(Rig *r, uint64_t off, uint64_t v, unsigned size)
{
    as_write(&r->m->mem.mmio, HB + off, size, v);
}
static uint64_t counter(Rig *r) { return rd(r, 0xf0, 8); }

static void set_rte(Rig *r, int pin, uint64_t e)
{
    as_write(&r->m->mem.mmio, IOAPIC_DEFAULT_BASE, 1, 0x11 + 2 * pin);
    as_write(&r->m->mem.mmio, IOAPIC_DEFAULT_BASE + 0x10, 4, e >> 32);
    as_write(&r->m->mem.mmio, IOAPIC_DEFAULT_BASE, 1, 0x10 + 2 * pin);
    as_write(&r->m->mem.mmio, IOAPIC_DEFAULT_BASE + 0x10, 4, (uint32_t)e);
}
static uint32_t rte_lo(Rig *r, int pin)
{
    uint64_t v;
    as_write(&r->m->mem.mmio, IOAPIC_DEFAULT_BASE, 1, 0x10 + 2 * pin);
    as_read(&r->m->mem.mmio, IOAPIC_DEFAULT_BASE + 0x10, 4, &v);
    return v;
}

static bool irr(Rig *r, int vec)
{
    return (apic_mmio_read(r->a, 0x200 + (vec / 32) * 0x10, 4) >> (vec % 32)) & 1;
}

/* Run the timer list for ms milliseconds, taking (and EOIing) every
 * delivery of vec; returns how many there were. */
static int run_for(Rig *r, int ms, int vec)
{
    int n = 0;
    int64_t end = clock_ns() + (int64_t)ms * 1000000;
    do {
        timers_run_expired();
        while (irr(r, vec)) {
            g_assert_cmpint(apic_get_interrupt(r->a), ==, vec);
            apic_mmio_write(r->a, 0xb0, 0, 4);
            n++;
        }
        g_usleep(100);
    } while (clock_ns() < end);
    return n;
}

static void test_registers(void)
{
    Rig r = rig_new(NULL);
    g_assert_cmphex(rd(&r, 0x000, 8), ==, 0x009896808086a201ull);
    g_assert_cmphex(rd(&r, 0x000, 4), ==, 0x8086a201);
    g_assert_cmphex(rd(&r, 0x004, 4), ==, 10000000);     /* fs per tick */
    g_assert_cmphex(rd(&r, 0x010, 8), ==, 0);
    g_assert_cmphex(rd(&r, 0x020, 8), ==, 0);
    g_assert_cmphex(counter(&r), ==, 0);
    for (int n = 0; n < 3; n++) {
        g_assert_cmphex(rd(&r, 0x100 + 0x20 * n, 8), ==, 0x0000000400000030ull);
        g_assert_cmphex(rd(&r, 0x108 + 0x20 * n, 8), ==, ~0ull);
        g_assert_cmphex(rd(&r, 0x110 + 0x20 * n, 8), ==, 0);
    }
    wr(&r, 0x000, 0, 8);                                 /* read-only */
    g_assert_cmphex(rd(&r, 0x000, 8), ==, 0x009896808086a201ull);
    /* every writable timer bit; the route 31 is not offered: kept at 0;
     * FSB enable (bit 14) needs FSB capability: stays 0; VAL_SET reads 0 */
    wr(&r, 0x100, 0xffffffff, 4);
    g_assert_cmphex(rd(&r, 0x100, 4), ==, 0x13e);
    wr(&r, 0x104, 0, 4);                                 /* route cap: RO */
    g_assert_cmphex(rd(&r, 0x104, 4), ==, 4);
    wr(&r, 0x100, 2 << 9, 4);
    g_assert_cmphex(rd(&r, 0x100, 4), ==, 0x430);
    wr(&r, 0x110, ~0ull, 8);                             /* no FSB route */
    g_assert_cmphex(rd(&r, 0x110, 8), ==, 0);
    wr(&r, 0x010, ~0ull, 8);
    g_assert_cmphex(rd(&r, 0x010, 8), ==, 3);
    wr(&r, 0x010, 0, 4);
    /* 1- and 2-byte and misaligned accesses: read 0, write nothing */
    g_assert_cmphex(rd(&r, 0x000, 1), ==, 0);
    g_assert_cmphex(rd(&r, 0x000, 2), ==, 0);
    g_assert_cmphex(rd(&r, 0x002, 4), ==, 0);
    g_assert_cmphex(rd(&r, 0x004, 8), ==, 0);
    wr(&r, 0x010, 1, 1);
    wr(&r, 0x010, 1, 2);
    wr(&r, 0x00e, 0x10000, 4);
    g_assert_cmphex(rd(&r, 0x010, 8), ==, 0);
    /* a hostile sweep over the whole block: no crash, and reset recovers */
    for (uint64_t off = 0; off < HPET_LEN + 16; off++) {
        for (unsigned size = 1; size <= 8; size <<= 1) {
            uint64_t v;
            as_read(&r.m->mem.mmio, HB + off, size, &v);
            if (off != 0x010) {                          /* keep it halted */
                as_write(&r.m->mem.mmio, HB + off, size, 0xa5a5a5a5a5a5a5a5ull ^ off);
            }
        }
    }
    r.m->devices[r.m->nr_devices - 1].info->reset(r.hpet);
    g_assert_cmphex(rd(&r, 0x100, 8), ==, 0x0000000400000030ull);
    g_assert_cmphex(rd(&r, 0x108, 8), ==, ~0ull);
    g_assert_cmphex(counter(&r), ==, 0);
    rig_done(&r);
}

static void test_counter(void)
{
    Rig r = rig_new(NULL);
    /* writable while halted, as a whole or by halves (2.3.7) */
    wr(&r, 0xf0, 0x123456789abcdef0ull, 8);
    g_assert_cmphex(counter(&r), ==, 0x123456789abcdef0ull);
    wr(&r, 0xf4, 0x1, 4);
    wr(&r, 0xf0, 0x0, 4);
    g_assert_cmphex(counter(&r), ==, 0x100000000ull);
    g_usleep(2000);
    g_assert_cmphex(counter(&r), ==, 0x100000000ull);   /* halted */
    /* enabled: 100 MHz of host time */
    int64_t t0 = clock_ns();
    wr(&r, 0x010, 1, 4);
    g_usleep(50000);
    uint64_t c = counter(&r);
    int64_t dt = clock_ns() - t0;
    uint64_t ticks = c - 0x100000000ull;
    g_assert_cmpuint(ticks, <=, (uint64_t)dt / 10 + 1);
    g_assert_cmpuint(ticks, >=, (uint64_t)dt / 10 * 8 / 10);
    g_assert_cmpuint(ticks, >=, 4000000);                /* >= 40 ms */
    /* writes while running are ignored */
    wr(&r, 0xf0, 0, 8);
    g_assert_cmpuint(counter(&r), >=, c);
    /* halting freezes it; enabling resumes from there */
    wr(&r, 0x010, 0, 4);
    c = counter(&r);
    g_usleep(2000);
    g_assert_cmphex(counter(&r), ==, c);
    wr(&r, 0x010, 1, 4);
    uint64_t c2 = counter(&r);
    g_assert_cmpuint(c2, >=, c);
    g_assert_cmpuint(c2 - c, <, 100000000);              /* no jump */
    rig_done(&r);
}

static void test_oneshot(void)
{
    Rig r = rig_new(NULL);
    set_rte(&r, 2, VEC);                                 /* edge, dest 0 */
    wr(&r, 0x010, 1, 4);
    wr(&r, 0x100, (2 << 9) | 0x4, 4);                    /* INT_ENB, route 2 */
    wr(&r, 0x108, counter(&r) + 100000, 8);              /* 1 ms */
    g_assert_cmpint(run_for(&r, 30, VEC), ==, 1);
    g_assert_cmpint(run_for(&r, 20, VEC), ==, 0);        /* 64-bit: once */
    g_assert_cmpint(isa_edges[0] + isa_edges[2], ==, 0); /* not an ISA line */
    /* a comparator behind the counter does not fire (until 2^64) */
    wr(&r, 0x108, counter(&r) - 1000, 8);
    g_assert_cmpint(run_for(&r, 10, VEC), ==, 0);
    /* interrupts disabled: the edge timer is silent */
    wr(&r, 0x100, 2 << 9, 4);
    wr(&r, 0x108, counter(&r) + 100000, 8);
    g_assert_cmpint(run_for(&r, 20, VEC), ==, 0);
    g_assert_cmphex(rd(&r, 0x020, 8), ==, 0);
    /* 32-bit mode: the comparator matches the counter's low half, even
     * with the high half set; its upper half reads 0 */
    wr(&r, 0x010, 0, 4);
    wr(&r, 0xf0, 0x500000000ull, 8);
    wr(&r, 0x140, (2 << 9) | 0x104, 4);                  /* timer 2, 32-bit */
    wr(&r, 0x148, 0x7700000000ull | 200000, 8);
    g_assert_cmphex(rd(&r, 0x148, 8), ==, 200000);
    wr(&r, 0x010, 1, 4);
    g_assert_cmpint(run_for(&r, 30, VEC), ==, 1);
    g_assert_cmpint(run_for(&r, 10, VEC), ==, 0);
    rig_done(&r);
}

static void test_periodic(void)
{
    Rig r = rig_new(NULL);
    set_rte(&r, 2, VEC);
    wr(&r, 0x010, 1, 4);
    /* Linux's sequence: VAL_SET, first value = next match, second = the
     * period (2.3.9.2.2) */
    uint64_t start = counter(&r) + 100000;
    wr(&r, 0x100, (2 << 9) | 0x4c, 4);                   /* periodic, VAL_SET */
    wr(&r, 0x108, start, 8);
    wr(&r, 0x108, 100000, 8);                            /* 1 ms period */
    g_assert_cmphex(rd(&r, 0x108, 8), ==, start);
    int n = run_for(&r, 40, VEC);
    g_assert_cmpint(n, >=, 10);
    g_assert_cmpint(n, <=, 45);
    uint64_t cmp = rd(&r, 0x108, 8);
    g_assert_cmpuint(cmp, >, start);
    g_assert_cmpuint((cmp - start) % 100000, ==, 0);
    /* without VAL_SET a write changes only the period */
    wr(&r, 0x108, 50000, 8);
    g_assert_cmphex(rd(&r, 0x108, 8), ==, cmp);
    /* the same in 32-bit mode, as Linux programs timer 0 */
    wr(&r, 0x100, (2 << 9) | 0x14c, 4);
    wr(&r, 0x108, (uint32_t)(counter(&r) + 100000), 4);
    wr(&r, 0x108, 100000, 4);
    n = run_for(&r, 40, VEC);
    g_assert_cmpint(n, >=, 10);
    g_assert_cmpint(n, <=, 45);
    g_assert_cmphex(rd(&r, 0x10c, 4), ==, 0);
    /* disabled: stops */
    wr(&r, 0x100, 0, 4);
    run_for(&r, 2, VEC);
    g_assert_cmpint(run_for(&r, 20, VEC), ==, 0);
    rig_done(&r);
}

static void test_level(void)
{
    Rig r = rig_new(NULL);
    set_rte(&r, 2, 0x8000 | VEC);                        /* level */
    wr(&r, 0x010, 1, 4);
    wr(&r, 0x140, (2 << 9) | 0x6, 4);                    /* timer 2 level */
    wr(&r, 0x148, counter(&r) + 100000, 8);
    int64_t end = clock_ns() + 100000000;
    while (!irr(&r, VEC) && clock_ns() < end) {
        timers_run_expired();
        g_usleep(100);
    }
    g_assert_true(irr(&r, VEC));
    g_assert_cmphex(rd(&r, 0x020, 8), ==, 4);            /* T2_INT_STS */
    g_assert_true(rte_lo(&r, 2) & (1u << 14));           /* remote IRR */
    g_assert_cmpint(apic_get_interrupt(r.a), ==, VEC);
    apic_mmio_write(r.a, 0xb0, 0, 4);                    /* line still high */
    g_assert_true(irr(&r, VEC));
    g_assert_cmpint(apic_get_interrupt(r.a), ==, VEC);
    wr(&r, 0x020, 4, 4);                                 /* clear: line low */
    g_assert_cmphex(rd(&r, 0x020, 8), ==, 0);
    apic_mmio_write(r.a, 0xb0, 0, 4);
    g_assert_false(irr(&r, VEC));
    g_assert_false(rte_lo(&r, 2) & (1u << 14));
    /* interrupts disabled: the status bit is still set (2.3.8), no line */
    wr(&r, 0x140, (2 << 9) | 0x2, 4);
    wr(&r, 0x148, counter(&r) + 50000, 8);
    g_assert_cmpint(run_for(&r, 20, VEC), ==, 0);
    g_assert_cmphex(rd(&r, 0x020, 8), ==, 4);
    /* enabling it now raises the line; halting the HPET drops it */
    wr(&r, 0x140, (2 << 9) | 0x6, 4);
    g_assert_true(irr(&r, VEC));
    g_assert_cmpint(apic_get_interrupt(r.a), ==, VEC);
    wr(&r, 0x010, 0, 4);
    apic_mmio_write(r.a, 0xb0, 0, 4);
    g_assert_false(irr(&r, VEC));
    rig_done(&r);
}

static void test_legacy(void)
{
    Rig r = rig_new(NULL);
    set_rte(&r, 2, VEC);
    set_rte(&r, 8, VEC + 1);
    /* not in legacy mode: the PIT's and the RTC's lines pass through */
    irq_pulse(&r.m->isa_irq[0]);
    g_assert_cmpint(isa_edges[0], ==, 1);
    g_assert_true(irr(&r, VEC));                         /* IRQ0 -> pin 2 */
    run_for(&r, 1, VEC);
    wr(&r, 0x010, 3, 4);                                 /* ENABLE | LEG_RT */
    irq_pulse(&r.m->isa_irq[0]);                         /* cut off */
    irq_raise(&r.m->isa_irq[8]);
    g_assert_cmpint(isa_edges[0], ==, 1);
    g_assert_cmpint(isa_edges[8], ==, 0);
    g_assert_false(irr(&r, VEC + 1));
    /* timer 0 -> IRQ0 (8259 input 0 and pin 2), its route field ignored */
    wr(&r, 0x100, 0x4, 4);
    wr(&r, 0x108, counter(&r) + 100000, 8);
    g_assert_cmpint(run_for(&r, 30, VEC), ==, 1);
    g_assert_cmpint(isa_edges[0], ==, 2);
    /* timer 1 -> IRQ8 (8259 input 8 and pin 8) */
    wr(&r, 0x120, 0x4, 4);
    wr(&r, 0x128, counter(&r) + 100000, 8);
    g_assert_cmpint(run_for(&r, 30, VEC + 1), ==, 1);
    g_assert_cmpint(isa_edges[8], ==, 1);
    /* leaving legacy mode gives IRQ8 back to the RTC, still asserted */
    wr(&r, 0x010, 1, 4);
    g_assert_cmpint(isa_edges[8], ==, 2);
    g_assert_true(isa_level[8]);
    g_assert_true(irr(&r, VEC + 1));
    irq_lower(&r.m->isa_irq[8]);
    g_assert_false(isa_level[8]);
    rig_done(&r);
}

static void test_hostile(void)
{
    Rig r = rig_new("intcap=0x00ff0104");
    g_assert_cmphex(rd(&r, 0x104, 4), ==, 0x00ff0104);
    /* route 5 is not offered: the old route stays; 16 is */
    wr(&r, 0x100, 16 << 9, 4);
    wr(&r, 0x100, 5 << 9, 4);
    g_assert_cmphex((rd(&r, 0x100, 4) >> 9) & 0x1f, ==, 16);
    set_rte(&r, 16, VEC);
    wr(&r, 0x010, 1, 4);
    /* zero period: fires once, then nothing is armed */
    wr(&r, 0x100, (16 << 9) | 0x4c, 4);
    wr(&r, 0x108, counter(&r) + 50000, 8);
    wr(&r, 0x108, 0, 8);
    g_assert_cmpint(run_for(&r, 20, VEC), ==, 1);
    g_assert_cmpint(run_for(&r, 10, VEC), ==, 0);
    /* a one-tick period: interrupts coalesce to at most one per
     * HPET_MIN_TICK ticks, the comparator still advances by whole
     * periods, and the timer list is not kept busy */
    wr(&r, 0x100, (16 << 9) | 0x4c, 4);
    /* 1 ms ahead: a comparator already behind the counter when written
     * would not fire until the counter wraps (a slow ASan run once took
     * longer than a 10 us margin) */
    wr(&r, 0x108, counter(&r) + 100000, 8);
    wr(&r, 0x108, 1, 8);
    int n = run_for(&r, 20, VEC);
    g_assert_cmpint(n, >=, 1);
    /* right after the list ran, the HPET's next host deadline is about
     * 50 us away, not one tick (retry: this thread may be preempted) */
    bool spaced = false;
    for (int i = 0; i < 20 && !spaced; i++) {
        g_usleep(100);
        timers_run_expired();
        spaced = timers_next_deadline() > 10000;
    }
    g_assert_true(spaced);
    g_assert_cmpint(n, <=, 20000000 / (HPET_MIN_TICK * 10) + 10);
    g_assert_cmpuint(rd(&r, 0x108, 8) + 100000000, >=, counter(&r));  /* 1 s */
    wr(&r, 0x100, 16 << 9, 4);                           /* stop, drain */
    run_for(&r, 2, VEC);
    /* a huge period: one interrupt, the next match centuries away */
    wr(&r, 0x100, (16 << 9) | 0x4c, 4);
    wr(&r, 0x108, counter(&r) + 50000, 8);
    wr(&r, 0x108, 0x7fffffffffffffffull, 8);
    g_assert_cmpint(run_for(&r, 20, VEC), ==, 1);
    g_assert_cmpint(run_for(&r, 10, VEC), ==, 0);
    int64_t d = timers_next_deadline();
    g_assert_true(d < 0 || d > 1000000000ll);
    /* counter written near the top while halted: wraps without trouble */
    wr(&r, 0x010, 0, 4);
    wr(&r, 0xf0, ~0ull - 100000, 8);
    wr(&r, 0x100, (16 << 9) | 0x4, 4);
    wr(&r, 0x108, 100000, 8);                            /* after the wrap */
    wr(&r, 0x010, 1, 4);
    g_assert_cmpint(run_for(&r, 30, VEC), ==, 1);
    rig_done(&r);
    /* capabilities beyond the I/O APIC's inputs are refused */
    Machine *m = g_new0(Machine, 1);
    as_init(&m->mem.mmio, "mmio");
    char *err = NULL;
    g_assert_null(device_create(m, "hpet", "intcap=0x1000000", &err));
    g_assert_nonnull(err);
    free(err);
    as_destroy(&m->mem.mmio);
    g_free(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hpet/registers", test_registers);
    g_test_add_func("/hpet/counter", test_counter);
    g_test_add_func("/hpet/oneshot", test_oneshot);
    g_test_add_func("/hpet/periodic", test_periodic);
    g_test_add_func("/hpet/level", test_level);
    g_test_add_func("/hpet/legacy", test_legacy);
    g_test_add_func("/hpet/hostile", test_hostile);
    return g_test_run();
}

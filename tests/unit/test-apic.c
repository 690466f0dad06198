/* Unit tests for hw/intc/apic.c and apic_timer.c: power-on registers,
 * TPR/PPR masking, IRR -> ISR -> EOI, spurious vector, software disable,
 * IPIs between LAPICs, INIT/SIPI, the timer in one-shot, periodic and
 * TSC-deadline modes, x2APIC MSRs, ESR, ExtINT through LINT0. */
#include <glib.h>
#include <stdlib.h>

#include "hw/intc/apic.h"
#include "system/sysemu.h"

typedef struct CpuRec {
    int intr, nmi, init, sipi, sipi_vector;
} CpuRec;

static CpuRec recs[4];

static void rec_intr(void *o, int level) { ((CpuRec *)o)->intr = level; }
static void rec_nmi(void *o) { ((CpuRec *)o)->nmi++; }
static void rec_init(void *o) { ((CpuRec *)o)->init++; }
static void rec_sipi(void *o, uint8_t v)
{
    ((CpuRec *)o)->sipi++;
    ((CpuRec *)o)->sipi_vector = v;
}

static const ApicCpuOps rec_ops = { rec_intr, rec_nmi, rec_init, rec_sipi };

static Machine *apic_machine(int ncpus)
{
    Machine *m = g_new0(Machine, 1);
    char *err = NULL;
    as_init(&m->io, "io");
    as_init(&m->mem.mmio, "mmio");
    memset(recs, 0, sizeof(recs));
    for (int i = 0; i < ncpus; i++) {
        g_assert_nonnull(apic_create(m, i, &rec_ops, &recs[i]));
    }
    m->nr_cpus = ncpus;
    g_assert_nonnull(device_create(m, "apic", NULL, &err));
    g_assert_null(err);
    return m;
}

static void apic_machine_free(Machine *m)
{
    apic_machine_cleanup(m);
    for (int i = 0; i < m->nr_devices; i++) {
        free(m->devices[i].state);
    }
    as_destroy(&m->io);
    as_destroy(&m->mem.mmio);
    g_free(m);
}

static uint32_t rd(ApicState *s, unsigned off) { return apic_mmio_read(s, off, 4); }
static void wr(ApicState *s, unsigned off, uint32_t v) { apic_mmio_write(s, off, v, 4); }

static bool bit(ApicState *s, unsigned base, int vec)
{
    return (rd(s, base + (vec / 32) * 0x10) >> (vec % 32)) & 1;
}
#define IRR 0x200
#define ISR 0x100
#define TMR 0x180

static void test_reset_state(void)
{
    Machine *m = apic_machine(2);
    ApicState *a0 = apic_find(m, 0), *a1 = apic_find(m, 1);
    g_assert_cmphex(apic_get_base(a0), ==, 0xfee00900);   /* BSP */
    g_assert_cmphex(apic_get_base(a1), ==, 0xfee00800);
    g_assert_cmphex(rd(a1, 0x20), ==, 0x01000000);
    g_assert_cmphex(rd(a0, 0x30), ==, 0x00050014);
    g_assert_cmphex(rd(a0, 0xf0), ==, 0xff);
    g_assert_cmphex(rd(a0, 0xe0), ==, 0xffffffff);
    g_assert_cmphex(rd(a0, 0x80), ==, 0);
    for (unsigned off = 0x320; off <= 0x370; off += 0x10) {
        g_assert_cmphex(rd(a0, off), ==, 0x10000);
    }
    /* the global page goes to the current thread's LAPIC (CPU 0 default) */
    uint64_t v;
    g_assert_true(as_read(&m->mem.mmio, 0xfee00020, 4, &v));
    g_assert_cmphex(v, ==, 0);
    apic_set_current(a1);
    g_assert_true(as_read(&m->mem.mmio, 0xfee00020, 4, &v));
    g_assert_cmphex(v, ==, 0x01000000);
    apic_set_current(NULL);
    /* no fixed interrupt until software-enabled */
    g_assert_false(apic_has_interrupt(a0));
    g_assert_cmpint(apic_get_interrupt(a0), ==, -1);
    apic_machine_free(m);
}

static void test_tpr_ppr(void)
{
    Machine *m = apic_machine(1);
    ApicState *s = apic_find(m, 0);
    wr(s, 0xf0, 0x1ff);
    apic_deliver_irq(m, 0, 0, APIC_DM_FIXED, 0x50, false);
    g_assert_true(bit(s, IRR, 0x50));
    g_assert_true(apic_has_interrupt(s));
    g_assert_cmpint(recs[0].intr, ==, 1);
    wr(s, 0x80, 0x60);
    g_assert_false(apic_has_interrupt(s));
    g_assert_cmpint(recs[0].intr, ==, 0);
    g_assert_cmphex(rd(s, 0xa0), ==, 0x60);
    wr(s, 0x80, 0x5f);             /* same priority class still blocks */
    g_assert_false(apic_has_interrupt(s));
    wr(s, 0x80, 0x4f);
    g_assert_true(apic_has_interrupt(s));
    apic_set_tpr(s, 0x70);          /* the CR8 path */
    g_assert_cmphex(rd(s, 0x80), ==, 0x70);
    g_assert_false(apic_has_interrupt(s));
    apic_set_tpr(s, 0);
    g_assert_cmpint(apic_get_interrupt(s), ==, 0x50);
    /* PPR follows the in-service class when it is above TPR */
    wr(s, 0x80, 0x23);
    g_assert_cmphex(rd(s, 0xa0), ==, 0x50);
    apic_machine_free(m);
}

static void test_irr_isr_eoi(void)
{
    Machine *m = apic_machine(1);
    ApicState *s = apic_find(m, 0);
    wr(s, 0xf0, 0x1ff);
    apic_deliver_irq(m, 0, 0, APIC_DM_FIXED, 0x40, false);
    apic_deliver_irq(m, 0, 0, APIC_DM_FIXED, 0x80, true);
    g_assert_true(bit(s, TMR, 0x80));
    g_assert_false(bit(s, TMR, 0x40));
    g_assert_cmpint(apic_get_interrupt(s), ==, 0x80);
    g_assert_true(bit(s, ISR, 0x80));
    g_assert_false(bit(s, IRR, 0x80));
    g_assert_false(apic_has_interrupt(s));      /* 0x40 is below PPR 0x80 */
    /* a higher one nests */
    apic_deliver_irq(m, 0, 0, APIC_DM_FIXED, 0x91, false);
    g_assert_cmpint(apic_get_interrupt(s), ==, 0x91);
    wr(s, 0xb0, 0);                             /* EOI: 0x91 */
    g_assert_false(bit(s, ISR, 0x91));
    g_assert_true(bit(s, ISR, 0x80));
    g_assert_false(apic_has_interrupt(s));
    wr(s, 0xb0, 0);                             /* EOI: 0x80 */
    g_assert_true(apic_has_interrupt(s));
    g_assert_cmpint(apic_get_interrupt(s), ==, 0x40);
    wr(s, 0xb0, 0);
    g_assert_cmphex(rd(s, ISR + 0x20), ==, 0);
    g_assert_cmphex(rd(s, ISR + 0x40), ==, 0);
    g_assert_cmpint(recs[0].intr, ==, 0);
    apic_machine_free(m);
}

static void test_spurious(void)
{
    Machine *m = apic_machine(1);
    ApicState *s = apic_find(m, 0);
    wr(s, 0xf0, 0x1ef);
    g_assert_cmpint(apic_get_interrupt(s), ==, 0xef);
    /* masked by TPR at INTA time: spurious, and no ISR bit */
    apic_deliver_irq(m, 0, 0, APIC_DM_FIXED, 0x30, false);
    wr(s, 0x80, 0x30);
    g_assert_cmpint(apic_get_interrupt(s), ==, 0xef);
    g_assert_cmphex(rd(s, ISR + 0x10), ==, 0);
    g_assert_true(bit(s, IRR, 0x30));
    apic_machine_free(m);
}

static void test_svr_disable(void)
{
    Machine *m = apic_machine(1);
    ApicState *s = apic_find(m, 0);
    wr(s, 0x350, 0x700);                /* ignored mask clear: disabled */
    g_assert_cmphex(rd(s, 0x350), ==, 0x10700);
    wr(s, 0xf0, 0x1ff);
    wr(s, 0x350, 0x700);
    wr(s, 0x320, 0x30);
    g_assert_cmphex(rd(s, 0x350), ==, 0x700);
    wr(s, 0xf0, 0xff);                  /* software disable */
    g_assert_cmphex(rd(s, 0x350), ==, 0x10700);
    g_assert_cmphex(rd(s, 0x320), ==, 0x10030);
    /* pending fixed interrupts are held, not delivered */
    apic_deliver_irq(m, 0, 0, APIC_DM_FIXED, 0x60, false);
    g_assert_false(apic_has_interrupt(s));
    g_assert_cmpint(recs[0].intr, ==, 0);
    wr(s, 0xf0, 0x1ff);
    g_assert_true(apic_has_interrupt(s));
    apic_machine_free(m);
}

static void test_ipi(void)
{
    Machine *m = apic_machine(3);
    ApicState *a0 = apic_find(m, 0), *a1 = apic_find(m, 1), *a2 = apic_find(m, 2);
    for (int i = 0; i < 3; i++) {
        wr(apic_find(m, i), 0xf0, 0x1ff);
    }
    /* physical destination 1, fixed vector 0x41 */
    wr(a0, 0x310, 1u << 24);
    wr(a0, 0x300, 0x4041);
    g_assert_true(bit(a1, IRR, 0x41));
    g_assert_false(bit(a0, IRR, 0x41));
    g_assert_false(bit(a2, IRR, 0x41));
    g_assert_cmpint(recs[1].intr, ==, 1);
    g_assert_cmpint(recs[0].intr, ==, 0);
    g_assert_cmphex(rd(a0, 0x300) & (1u << 12), ==, 0);  /* idle */
    /* all excluding self */
    wr(a1, 0x300, 0xc4042);
    g_assert_true(bit(a0, IRR, 0x42) && bit(a2, IRR, 0x42));
    g_assert_false(bit(a1, IRR, 0x42));
    /* self */
    wr(a2, 0x300, 0x44043);
    g_assert_true(bit(a2, IRR, 0x43));
    g_assert_false(bit(a0, IRR, 0x43));
    /* logical flat: LDR bits 0x01 (cpu0) and 0x04 (cpu2) */
    wr(a0, 0xd0, 0x01000000);
    wr(a1, 0xd0, 0x02000000);
    wr(a2, 0xd0, 0x04000000);
    wr(a1, 0x310, 0x05000000);
    wr(a1, 0x300, 0x4844);
    g_assert_true(bit(a0, IRR, 0x44) && bit(a2, IRR, 0x44));
    g_assert_false(bit(a1, IRR, 0x44));
    /* lowest priority: one target only */
    wr(a1, 0x300, 0x4945);
    g_assert_cmpint(bit(a0, IRR, 0x45) + bit(a2, IRR, 0x45), ==, 1);
    /* NMI */
    wr(a0, 0x310, 2u << 24);
    wr(a0, 0x300, 0x4400);
    g_assert_cmpint(recs[2].nmi, ==, 1);
    apic_machine_free(m);
}

static void test_init_sipi(void)
{
    Machine *m = apic_machine(2);
    ApicState *a0 = apic_find(m, 0), *a1 = apic_find(m, 1);
    wr(a1, 0xf0, 0x1ff);
    wr(a1, 0x80, 0x20);
    wr(a0, 0x310, 1u << 24);
    wr(a0, 0x300, 0xc500);              /* INIT, level, assert */
    g_assert_cmpint(recs[1].init, ==, 1);
    g_assert_cmphex(rd(a1, 0xf0), ==, 0xff);   /* INIT reset the LAPIC */
    g_assert_cmphex(rd(a1, 0x80), ==, 0);
    g_assert_cmphex(rd(a1, 0x20), ==, 0x01000000);
    wr(a0, 0x300, 0x8500);              /* INIT level de-assert: no INIT */
    g_assert_cmpint(recs[1].init, ==, 1);
    wr(a0, 0x300, 0x4608);              /* SIPI vector 8 -> 0x8000 */
    g_assert_cmpint(recs[1].sipi, ==, 1);
    g_assert_cmpint(recs[1].sipi_vector, ==, 8);
    g_assert_cmpint(recs[0].sipi + recs[0].init, ==, 0);
    /* INIT + SIPI to all excluding self, as an OS starts APs */
    wr(a0, 0x300, 0xc4500);
    wr(a0, 0x300, 0xc469a);
    g_assert_cmpint(recs[1].init, ==, 2);
    g_assert_cmpint(recs[1].sipi_vector, ==, 0x9a);
    g_assert_cmpint(recs[0].init, ==, 0);
    apic_machine_free(m);
}

/* Run timers for ms milliseconds, taking and EOI-ing each vec interrupt. */
static int run_timer(Machine *m, ApicState *s, int vec, int ms)
{
    int n = 0;
    int64_t end = clock_ns() + (int64_t)ms * 1000000;
    while (clock_ns() < end) {
        timers_run_expired();
        if (apic_has_interrupt(s)) {
            g_assert_cmpint(apic_get_interrupt(s), ==, vec);
            wr(s, 0xb0, 0);
            n++;
        }
        g_usleep(100);
    }
    timers_run_expired();
    if (apic_has_interrupt(s)) {
        g_assert_cmpint(apic_get_interrupt(s), ==, vec);
        wr(s, 0xb0, 0);
        n++;
    }
    return n;
}

static void test_timer_oneshot_periodic(void)
{
    Machine *m = apic_machine(1);
    ApicState *s = apic_find(m, 0);
    wr(s, 0xf0, 0x1ff);
    wr(s, 0x3e0, 0xb);                  /* divide by 1: 1 tick = 1 ns */
    wr(s, 0x320, 0x31);                 /* one-shot, vector 0x31 */
    wr(s, 0x380, 5000000);              /* 5 ms */
    g_assert_cmpint(run_timer(m, s, 0x31, 50), ==, 1);
    g_assert_cmpuint(rd(s, 0x390), ==, 0);
    /* periodic 5 ms over 50 ms: about 10 (a loaded host loses some) */
    wr(s, 0x320, 0x20032);
    wr(s, 0x380, 5000000);
    int n = run_timer(m, s, 0x32, 50);
    g_assert_cmpint(n, >=, 3);
    g_assert_cmpint(n, <=, 11);
    /* a hostile 1 ns period is rate-limited, not a host busy loop */
    wr(s, 0x380, 1);
    n = run_timer(m, s, 0x32, 20);
    g_assert_cmpint(n, >=, 1);
    g_assert_cmpint(n, <=, 20000000 / 100000 + 2);
    /* masked: counts, but no interrupt */
    wr(s, 0x320, 0x30032);
    g_assert_cmpint(run_timer(m, s, 0x32, 12), ==, 0);
    wr(s, 0x380, 0);                    /* stops the timer */
    wr(s, 0x320, 0x20032);
    g_assert_cmpint(run_timer(m, s, 0x32, 12), ==, 0);
    apic_machine_free(m);
}

static void test_timer_count(void)
{
    Machine *m = apic_machine(1);
    ApicState *s = apic_find(m, 0);
    wr(s, 0xf0, 0x1ff);
    wr(s, 0x3e0, 0x3);                  /* divide by 16 */
    g_assert_cmphex(rd(s, 0x3e0), ==, 0x3);
    wr(s, 0x320, 0x10040);
    wr(s, 0x380, 0xffffffff);
    uint32_t c1 = rd(s, 0x390);
    g_usleep(2000);
    uint32_t c2 = rd(s, 0x390);
    g_assert_cmpuint(c2, <, c1);
    /* 2 ms at 1 GHz / 16 is 125000 ticks: at least that many went by */
    g_assert_cmpuint(c1 - c2, >=, 120000);
    g_assert_cmphex(rd(s, 0x380), ==, 0xffffffff);
    apic_machine_free(m);
}

/* Changing one-shot <-> periodic keeps the count where it is (SDM 10.5.4;
 * kvm-unit-tests apic "change mode"): no reload, and an expired one-shot
 * count stays 0 in periodic mode until TMICT is written. */
static void test_timer_mode_change(void)
{
    Machine *m = apic_machine(1);
    ApicState *s = apic_find(m, 0);
    const uint32_t init = 200000000;    /* 200 ms at divide by 1 */
    wr(s, 0xf0, 0x1ff);
    wr(s, 0x3e0, 0xb);
    wr(s, 0x320, 0x10031);              /* one-shot, masked */
    wr(s, 0x380, init);
    g_usleep(20000);
    uint32_t before = rd(s, 0x390);
    wr(s, 0x320, 0x30031);              /* periodic */
    uint32_t after = rd(s, 0x390);
    g_assert_cmpuint(before, <, init - 10000000);
    g_assert_cmpuint(after, <=, before);
    g_assert_cmphex(rd(s, 0x380), ==, init);
    wr(s, 0x320, 0x10031);              /* back to one-shot: still counting */
    g_assert_cmpuint(rd(s, 0x390), <=, after);
    g_assert_cmpuint(rd(s, 0x390), >, 0);
    /* an expired one-shot count stays at 0 in periodic mode */
    wr(s, 0x380, 1000);
    g_usleep(1000);
    g_assert_cmpuint(rd(s, 0x390), ==, 0);
    wr(s, 0x320, 0x30031);
    g_usleep(2000);
    g_assert_cmpuint(rd(s, 0x390), ==, 0);
    wr(s, 0x380, init);                 /* a new initial count restarts it */
    g_assert_cmpuint(rd(s, 0x390), >, init - 10000000);
    apic_machine_free(m);
}

static void test_tsc_deadline(void)
{
    Machine *m = apic_machine(1);
    ApicState *s = apic_find(m, 0);
    wr(s, 0xf0, 0x1ff);
    wr(s, 0x320, 0x33);                 /* one-shot: deadline writes ignored */
    apic_set_tsc_deadline(s, clock_ns() + 1000000);
    g_assert_cmpuint(apic_get_tsc_deadline(s), ==, 0);
    wr(s, 0x320, 0x40033);              /* TSC-deadline mode */
    uint64_t dl = clock_ns() + 3000000;
    apic_set_tsc_deadline(s, dl);
    g_assert_cmpuint(apic_get_tsc_deadline(s), ==, dl);
    wr(s, 0x380, 1000);                 /* initial count ignored */
    g_assert_cmpuint(rd(s, 0x380), ==, 0);
    g_assert_cmpint(run_timer(m, s, 0x33, 30), ==, 1);
    g_assert_cmpuint(apic_get_tsc_deadline(s), ==, 0);  /* fired: reads 0 */
    /* a deadline in the past fires at once, before any timer runs (the
     * next instruction sees it); 0 disarms */
    apic_set_tsc_deadline(s, 1);
    g_assert_true(bit(s, IRR, 0x33));
    g_assert_cmpuint(apic_get_tsc_deadline(s), ==, 0);
    g_assert_cmpint(apic_get_interrupt(s), ==, 0x33);
    wr(s, 0xb0, 0);
    g_assert_cmpint(run_timer(m, s, 0x33, 2), ==, 0);
    apic_set_tsc_deadline(s, clock_ns() + 2000000);
    apic_set_tsc_deadline(s, 0);
    g_assert_cmpint(run_timer(m, s, 0x33, 10), ==, 0);
    /* far future: never (no overflow into the past) */
    apic_set_tsc_deadline(s, ~0ull);
    g_assert_cmpint(run_timer(m, s, 0x33, 2), ==, 0);
    apic_machine_free(m);
}

static void test_x2apic(void)
{
    Machine *m = apic_machine(2);
    ApicState *a0 = apic_find(m, 0), *a1 = apic_find(m, 1);
    uint64_t v;
    g_assert_false(apic_msr_read(a1, 0x802, &v));       /* xAPIC mode: #GP */
    g_assert_false(apic_set_base(a1, 0xfee00400));      /* EXTD without EN */
    g_assert_false(apic_set_base(a1, 0xfee00c01));      /* reserved bit */
    g_assert_true(apic_set_base(a1, 0xfee00c00));
    g_assert_true(apic_set_base(a0, 0xfee00d00));
    g_assert_cmphex(apic_get_base(a1), ==, 0xfee00c00);
    g_assert_true(apic_msr_read(a1, 0x802, &v));
    g_assert_cmphex(v, ==, 1);                          /* 32-bit ID */
    g_assert_true(apic_msr_read(a1, 0x803, &v));
    g_assert_cmphex(v, ==, 0x00050014);
    g_assert_true(apic_msr_read(a1, 0x80d, &v));
    g_assert_cmphex(v, ==, 0x2);                        /* cluster 0, bit 1 */
    g_assert_false(apic_msr_write(a1, 0x802, 5));       /* read-only */
    g_assert_false(apic_msr_read(a1, 0x80b, &v));       /* EOI write-only */
    g_assert_false(apic_msr_write(a1, 0x80b, 1));       /* EOI takes 0 */
    g_assert_false(apic_msr_read(a1, 0x80e, &v));       /* no DFR */
    g_assert_cmphex(apic_mmio_read(a1, 0x20, 4), ==, 0xffffffff); /* no MMIO page: unassigned */
    g_assert_true(apic_msr_write(a1, 0x80f, 0x1ff));
    g_assert_true(apic_msr_write(a0, 0x80f, 0x1ff));
    /* 64-bit ICR: fixed 0x55 to x2APIC ID 1 */
    g_assert_true(apic_msr_write(a0, 0x830, (1ull << 32) | 0x4055));
    g_assert_true(apic_msr_read(a1, 0x822, &v));        /* IRR 0x40-0x5f */
    g_assert_cmphex(v, ==, 1u << (0x55 - 0x40));
    g_assert_true(apic_msr_read(a0, 0x830, &v));
    g_assert_cmphex(v, ==, (1ull << 32) | 0x4055);
    /* SELF IPI */
    g_assert_true(apic_msr_write(a1, 0x83f, 0x66));
    g_assert_true(apic_has_interrupt(a1));
    g_assert_cmpint(apic_get_interrupt(a1), ==, 0x66);
    g_assert_true(apic_msr_write(a1, 0x80b, 0));
    g_assert_true(apic_msr_write(a1, 0x808, 0x10));
    g_assert_true(apic_msr_read(a1, 0x808, &v));
    g_assert_cmphex(v, ==, 0x10);
    /* x2APIC -> xAPIC directly is illegal; via disabled is fine */
    g_assert_false(apic_set_base(a1, 0xfee00800));
    g_assert_true(apic_set_base(a1, 0xfee00000));
    g_assert_true(apic_set_base(a1, 0xfee00800));
    g_assert_cmphex(apic_mmio_read(a1, 0x20, 4), ==, 0x01000000);
    g_assert_cmphex(apic_mmio_read(a1, 0xf0, 4), ==, 0xff);  /* reset */
    g_assert_true(apic_set_base(a1, 0xfee00900));       /* BSP is read-only */
    g_assert_cmphex(apic_get_base(a1), ==, 0xfee00800);
    apic_machine_free(m);
}

static void test_esr(void)
{
    Machine *m = apic_machine(2);
    ApicState *a0 = apic_find(m, 0), *a1 = apic_find(m, 1);
    wr(a0, 0xf0, 0x1ff);
    wr(a1, 0xf0, 0x1ff);
    wr(a0, 0x370, 0xfe);                /* error LVT: vector 0xfe */
    wr(a0, 0x310, 1u << 24);
    wr(a0, 0x300, 0x4005);              /* fixed vector 5: illegal */
    g_assert_false(bit(a1, IRR, 5));
    g_assert_cmphex(rd(a0, 0x280), ==, 0);      /* not latched yet */
    wr(a0, 0x280, 0);
    g_assert_cmphex(rd(a0, 0x280), ==, 0x20);   /* send illegal vector */
    g_assert_true(bit(a0, IRR, 0xfe));          /* error interrupt */
    wr(a0, 0x280, 0);
    g_assert_cmphex(rd(a0, 0x280), ==, 0);
    /* receiving an illegal vector */
    apic_deliver_irq(m, 1, 0, APIC_DM_FIXED, 3, false);
    wr(a1, 0x280, 0);
    g_assert_cmphex(rd(a1, 0x280), ==, 0x40);
    g_assert_cmphex(rd(a1, 0x200), ==, 0);
    /* an illegal register address */
    rd(a1, 0x2f0 + 0x100);
    wr(a1, 0x280, 0);
    g_assert_cmphex(rd(a1, 0x280), ==, 0x80);
    /* hostile offsets and sizes do not crash */
    for (unsigned off = 0; off < 0x1000; off++) {
        apic_mmio_read(a1, off, 1 + (off % 4));
        if (off != 0x300 && off != 0x0b0) {
            apic_mmio_write(a1, off, 0xffffffff, 4);
        }
    }
    for (uint32_t msr = 0x7f0; msr < 0x910; msr++) {
        uint64_t v;
        apic_msr_read(a1, msr, &v);
    }
    apic_machine_free(m);
}

static int fake_pic_vector = 0x20;
static int fake_pic_ack(void *intc) { return fake_pic_vector; }

static void test_extint(void)
{
    Machine *m = apic_machine(1);
    ApicState *s = apic_find(m, 0);
    m->intr_ack = fake_pic_ack;
    /* power-on: LINT0 masked, the PIC's INTR does not get through */
    g_assert_false(apic_accepts_pic_interrupts(s));
    apic_set_lint(s, 0, 1);
    g_assert_cmpint(recs[0].intr, ==, 0);
    g_assert_cmpint(apic_intr_ack(s), ==, -1);
    /* virtual wire: SVR enable, LINT0 ExtINT, LINT1 NMI */
    wr(s, 0xf0, 0x1ff);
    wr(s, 0x350, 0x700);
    wr(s, 0x360, 0x400);
    g_assert_true(apic_accepts_pic_interrupts(s));
    g_assert_cmpint(recs[0].intr, ==, 1);
    g_assert_cmpint(apic_intr_ack(s), ==, 0x20);
    apic_set_lint(s, 0, 0);
    g_assert_cmpint(recs[0].intr, ==, 0);
    apic_set_lint(s, 1, 1);
    g_assert_cmpint(recs[0].nmi, ==, 1);
    apic_set_lint(s, 1, 0);
    /* what firmware-less boots get: the same virtual wire */
    apic_init_reset(s);
    g_assert_false(apic_accepts_pic_interrupts(s));
    apic_setup_virtual_wire(s);
    g_assert_true(apic_accepts_pic_interrupts(s));
    g_assert_cmphex(rd(s, 0x360), ==, 0x400);
    /* a LAPIC vector goes first */
    apic_set_lint(s, 0, 1);
    apic_deliver_irq(m, 0, 0, APIC_DM_FIXED, 0x90, false);
    g_assert_cmpint(apic_intr_ack(s), ==, 0x90);
    g_assert_cmpint(apic_intr_ack(s), ==, 0x20);
    wr(s, 0xb0, 0);
    apic_set_lint(s, 0, 0);
    /* LINT0 as a level-triggered fixed interrupt with remote IRR */
    wr(s, 0x350, 0x8051);
    apic_set_lint(s, 0, 1);
    g_assert_true(rd(s, 0x350) & (1u << 14));
    g_assert_cmpint(apic_intr_ack(s), ==, 0x51);
    wr(s, 0xb0, 0);                     /* still asserted: again */
    g_assert_cmpint(apic_intr_ack(s), ==, 0x51);
    apic_set_lint(s, 0, 0);
    wr(s, 0xb0, 0);
    g_assert_false(rd(s, 0x350) & (1u << 14));
    g_assert_false(apic_has_interrupt(s));
    /* globally disabled: INTR goes straight to the core */
    g_assert_true(apic_set_base(s, 0xfee00100));
    g_assert_true(apic_accepts_pic_interrupts(s));
    apic_set_lint(s, 0, 1);
    g_assert_cmpint(recs[0].intr, ==, 1);
    g_assert_cmpint(apic_intr_ack(s), ==, 0x20);
    apic_machine_free(m);
}

static void test_relocate(void)
{
    Machine *m = apic_machine(1);
    ApicState *s = apic_find(m, 0);
    uint64_t v;
    g_assert_true(apic_set_base(s, 0xfed00900));
    g_assert_true(as_read(&m->mem.mmio, 0xfed00030, 4, &v));
    g_assert_cmphex(v, ==, 0x00050014);
    g_assert_null(as_find(&m->mem.mmio, 0xfee00030));
    m->devices[0].info->reset(m->devices[0].state);
    g_assert_cmphex(apic_get_base(s), ==, 0xfee00900);
    g_assert_nonnull(as_find(&m->mem.mmio, 0xfee00030));
    apic_machine_free(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/apic/reset-state", test_reset_state);
    g_test_add_func("/apic/tpr-ppr", test_tpr_ppr);
    g_test_add_func("/apic/irr-isr-eoi", test_irr_isr_eoi);
    g_test_add_func("/apic/spurious", test_spurious);
    g_test_add_func("/apic/svr-disable", test_svr_disable);
    g_test_add_func("/apic/ipi", test_ipi);
    g_test_add_func("/apic/init-sipi", test_init_sipi);
    g_test_add_func("/apic/timer-oneshot-periodic", test_timer_oneshot_periodic);
    g_test_add_func("/apic/timer-count", test_timer_count);
    g_test_add_func("/apic/timer-mode-change", test_timer_mode_change);
    g_test_add_func("/apic/tsc-deadline", test_tsc_deadline);
    g_test_add_func("/apic/x2apic", test_x2apic);
    g_test_add_func("/apic/esr", test_esr);
    g_test_add_func("/apic/extint", test_extint);
    g_test_add_func("/apic/relocate", test_relocate);
    return g_test_run();
}

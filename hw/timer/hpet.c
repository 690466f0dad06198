/*
 * hw/timer/hpet.c - the High Precision Event Timer ("hpet", IA-PC HPET
 * specification 1.0a) at 0xfed00000: a 64-bit main counter at 100 MHz and
 * three comparators, as on QEMU's pc machine.
 *
 * Design: the main counter is not ticked.  While enabled it is
 * base + (clock_ns() - start_ns) / 10, so it follows the host monotonic
 * clock under either accelerator; halted, it is base.  Each comparator
 * owns one system/timer.c Timer armed for the host time at which the
 * counter reaches its next match, computed, never polled.
 *
 * Registers (2.3): capabilities/ID 0x000 (read-only), general
 * configuration 0x010 (ENABLE_CNF, LEG_RT_CNF), general interrupt status
 * 0x020 (write 1 to clear), main counter 0x0f0 (writable only while
 * halted), timer n at 0x100 + 0x20n: configuration/capabilities,
 * comparator, FSB route (no FSB delivery: reads 0).  32-bit accesses to
 * either half and 64-bit accesses are accepted (2.3.1); other sizes and
 * misaligned accesses read 0 and write nothing.
 *
 * Interrupts (2.3.8, 2.4): a timer's route is an I/O APIC input among the
 * ones its Tn_INT_ROUTE_CAP allows (the "intcap" property, default 1 << 2
 * as QEMU's pc); other values written are ignored.  With LEG_RT_CNF timer
 * 0 drives ISA IRQ0 (I/O APIC pin 2) and timer 1 IRQ8, and the PIT's and
 * the RTC's own outputs are cut off: realize chains m->isa_irq[0] and [8]
 * as the I/O APIC chains every ISA line, so "hpet" must be created after
 * "ioapic".  Edge timers pulse their line; level timers set their status
 * bit and hold the line until the guest clears the bit.
 *
 * Hostile guests: a periodic timer re-arms the host timer at least
 * HPET_MIN_PERIODIC_NS apart (missed periods collapse into one interrupt,
 * the comparator still advances by whole periods); a zero period leaves
 * the timer one-shot; a match more than ~146 years away is never armed.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/intc/apic.h"
#include "hw/machine.h"
#include "hw/timer/hpet.h"
#include "system/sysemu.h"

#define HPET_NS_PER_TICK    10
#define HPET_MIN_PERIODIC_NS ((int64_t)HPET_MIN_TICK * HPET_NS_PER_TICK)

#define HPET_CFG_ENABLE     (1ull << 0)
#define HPET_CFG_LEGACY     (1ull << 1)

/* Tn_CONF (2.3.8) */
#define TN_LEVEL            (1ull << 1)
#define TN_INT_ENB          (1ull << 2)
#define TN_PERIODIC         (1ull << 3)
#define TN_PER_CAP          (1ull << 4)
#define TN_SIZE_CAP         (1ull << 5)
#define TN_VAL_SET          (1ull << 6)
#define TN_32MODE           (1ull << 8)
#define TN_ROUTE_SHIFT      9
#define TN_ROUTE_MASK       (0x1full << TN_ROUTE_SHIFT)
/* every timer: periodic- and 64-bit-capable, no FSB (as QEMU's) */
#define TN_CAPS             (TN_PER_CAP | TN_SIZE_CAP)

struct HpetState;

typedef struct HpetTimer {
    struct HpetState *s;
    int n;
    uint64_t config;        /* LEVEL, INT_ENB, PERIODIC, 32MODE, route */
    uint64_t cmp;           /* comparator: the next match */
    uint64_t period;        /* periodic accumulator: last value written */
    bool setval;            /* Tn_VAL_SET_CNF armed for the next write */
    Timer *timer;
    IrqLine *line;          /* the line this timer holds high (level) */
} HpetTimer;

typedef struct HpetState {
    Machine *m;
    uint64_t config;        /* general configuration */
    uint64_t isr;           /* general interrupt status */
    uint64_t base;          /* counter when halted / when last enabled */
    int64_t start_ns;       /* clock_ns() when last enabled */
    uint32_t intcap;        /* Tn_INT_ROUTE_CAP of every timer */
    void *ioapic;           /* "ioapic" device state, or NULL */
    HpetTimer t[HPET_NUM_TIMERS];
    IrqLine isa_prev[2];    /* what ISA IRQ0 / IRQ8 drove before us */
    int rtc_level;          /* the RTC's output, kept while cut off */
} HpetState;

static bool hpet_enabled(const HpetState *s)
{
    return s->config & HPET_CFG_ENABLE;
}

static uint64_t hpet_counter(const HpetState *s, int64_t now)
{
    if (!hpet_enabled(s) || now <= s->start_ns) {
        return s->base;
    }
    return s->base + (uint64_t)(now - s->start_ns) / HPET_NS_PER_TICK;
}

/* The line a timer drives (2.3.8 Tn_INT_ROUTE_CNF, 2.4 legacy routing). */
static IrqLine *hpet_route(HpetTimer *t)
{
    HpetState *s = t->s;
    if ((s->config & HPET_CFG_LEGACY) && t->n < 2) {
        return &s->isa_prev[t->n];      /* IRQ0 (pin 2) / IRQ8 */
    }
    int r = (t->config & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT;
    return ioapic_get_gsi(s->ioapic, r);
}

/* Level timers: the line is high while the status bit is set, the timer
 * may interrupt and the HPET is enabled. */
static void hpet_update_line(HpetTimer *t)
{
    HpetState *s = t->s;
    bool want = (t->config & TN_LEVEL) && (t->config & TN_INT_ENB) &&
                hpet_enabled(s) && (s->isr & (1ull << t->n));
    IrqLine *route = want ? hpet_route(t) : NULL;
    if (t->line && t->line != route) {
        irq_lower(t->line);
        t->line = NULL;
    }
    if (route && !t->line) {
        t->line = route;
        irq_raise(route);
    }
}

static void hpet_fire(HpetTimer *t)
{
    if (t->config & TN_LEVEL) {
        /* status is set even with interrupts disabled (2.3.8 Tn_INT_ENB) */
        t->s->isr |= 1ull << t->n;
        hpet_update_line(t);
    } else if (t->config & TN_INT_ENB) {
        irq_pulse(hpet_route(t));
    }
}

/* Arm the host timer for the next match after counter value now_cnt;
 * just_fired: a 32-bit comparator equal to the counter matches again only
 * after the low 32 bits wrap. */
static void hpet_arm(HpetTimer *t, int64_t now, bool just_fired)
{
    HpetState *s = t->s;
    if (!hpet_enabled(s)) {
        timer_del(t->timer);
        return;
    }
    uint64_t cnt = hpet_counter(s, now), d;
    if (t->config & TN_32MODE) {
        d = (uint32_t)((uint32_t)t->cmp - (uint32_t)cnt);
        if (d == 0 && just_fired) {
            d = 1ull << 32;
        }
    } else {
        d = t->cmp - cnt;
        if ((int64_t)d < 0 || (d == 0 && just_fired)) {
            timer_del(t->timer);        /* behind: next match after 2^64 */
            return;
        }
    }
    if (d > (uint64_t)INT64_MAX / HPET_NS_PER_TICK / 2) {
        timer_del(t->timer);            /* centuries away */
        return;
    }
    /* first instant at which the counter equals cnt + d */
    uint64_t target = cnt + d - s->base;
    int64_t at = s->start_ns + (int64_t)(target * HPET_NS_PER_TICK);
    if (just_fired && (t->config & TN_PERIODIC) && at < now + HPET_MIN_PERIODIC_NS) {
        at = now + HPET_MIN_PERIODIC_NS;
    }
    timer_mod(t->timer, at);
}

static void hpet_timer_cb(void *opaque)
{
    HpetTimer *t = opaque;
    HpetState *s = t->s;
    int64_t now = clock_ns();
    uint64_t cnt = hpet_counter(s, now);
    bool m32 = t->config & TN_32MODE;
    uint64_t behind = m32 ? (uint32_t)((uint32_t)cnt - (uint32_t)t->cmp) : cnt - t->cmp;
    if (!hpet_enabled(s) || behind >= (m32 ? 1ull << 31 : 1ull << 63)) {
        hpet_arm(t, now, false);        /* not reached yet */
        return;
    }
    hpet_fire(t);
    if ((t->config & TN_PERIODIC) && t->period) {
        /* 2.3.9.2.2: the comparator advances by the accumulator; periods
         * the host missed are skipped in one step */
        uint64_t k = behind / t->period + 1;
        t->cmp += k * t->period;
        if (m32) {
            t->cmp = (uint32_t)t->cmp;
        }
    }
    hpet_arm(t, now, true);
}

static uint64_t hpet_timer_read(HpetTimer *t, unsigned reg)
{
    switch (reg) {
    case 0x00:
        return ((uint64_t)t->s->intcap << 32) | TN_CAPS | t->config;
    case 0x08:
        return t->cmp;
    default:
        return 0;       /* FSB route: no FSB delivery */
    }
}

static uint64_t hpet_reg_read(HpetState *s, unsigned off)
{
    if (off >= 0x100 && off < 0x100 + 0x20 * HPET_NUM_TIMERS) {
        return hpet_timer_read(&s->t[(off - 0x100) / 0x20], (off - 0x100) % 0x20);
    }
    switch (off) {
    case 0x000:
        return ((uint64_t)HPET_PERIOD_FS << 32) | HPET_CAP_ID_LO;
    case 0x010:
        return s->config;
    case 0x020:
        return s->isr;
    case 0x0f0:
        return hpet_counter(s, clock_ns());
    default:
        return 0;
    }
}

static void hpet_timer_config(HpetTimer *t, uint64_t v)
{
    uint64_t keep = t->config;
    uint64_t nv = v & (TN_LEVEL | TN_INT_ENB | TN_PERIODIC | TN_32MODE);
    unsigned r = (v & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT;
    /* a route the capability does not offer is not taken (2.3.8) */
    nv |= (t->s->intcap >> r) & 1 ? v & TN_ROUTE_MASK : keep & TN_ROUTE_MASK;
    if (v & TN_VAL_SET) {
        t->setval = true;               /* self-clearing: reads as 0 */
    }
    if ((nv & TN_32MODE) && !(keep & TN_32MODE)) {
        t->cmp = (uint32_t)t->cmp;
        t->period = (uint32_t)t->period;
    }
    if (!(nv & TN_LEVEL)) {
        t->s->isr &= ~(1ull << t->n);   /* edge timers keep no status */
    }
    t->config = nv;
    hpet_update_line(t);
    hpet_arm(t, clock_ns(), false);
}

/* Comparator write, mask = the bytes written (one half or both). */
static void hpet_timer_cmp(HpetTimer *t, uint64_t v, uint64_t mask)
{
    if (t->config & TN_32MODE) {
        mask &= 0xffffffffull;          /* the upper half reads 0 */
    }
    if (!(t->config & TN_PERIODIC) || t->setval) {
        t->cmp = (t->cmp & ~mask) | (v & mask);
    }
    if (t->config & TN_PERIODIC) {
        /* the accumulator (2.3.9.2.2): with Tn_VAL_SET_CNF the value is
         * also the next match, without it only the next period */
        t->period = (t->period & ~mask) | (v & mask);
    }
    t->setval = false;
    hpet_arm(t, clock_ns(), false);
}

static void hpet_set_config(HpetState *s, uint64_t v)
{
    uint64_t old = s->config;
    int64_t now = clock_ns();
    v &= HPET_CFG_ENABLE | HPET_CFG_LEGACY;
    if ((v ^ old) & HPET_CFG_ENABLE) {
        if (v & HPET_CFG_ENABLE) {
            s->start_ns = now;          /* counting resumes from base */
        } else {
            s->base = hpet_counter(s, now);
        }
    }
    if ((v & HPET_CFG_LEGACY) && !(old & HPET_CFG_LEGACY)) {
        /* 2.4: the PIT and RTC lose their interrupt lines */
        irq_lower(&s->isa_prev[0]);
        irq_lower(&s->isa_prev[1]);
    }
    s->config = v;
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        hpet_update_line(&s->t[i]);
        hpet_arm(&s->t[i], now, false);
    }
    if (!(v & HPET_CFG_LEGACY) && (old & HPET_CFG_LEGACY)) {
        irq_set(&s->isa_prev[1], s->rtc_level);
    }
}

static void hpet_reg_write(HpetState *s, unsigned off, uint64_t v, uint64_t mask)
{
    uint64_t cur = hpet_reg_read(s, off);
    uint64_t nv = (cur & ~mask) | (v & mask);
    if (off >= 0x100 && off < 0x100 + 0x20 * HPET_NUM_TIMERS) {
        HpetTimer *t = &s->t[(off - 0x100) / 0x20];
        switch ((off - 0x100) % 0x20) {
        case 0x00:
            hpet_timer_config(t, nv);
            break;
        case 0x08:
            hpet_timer_cmp(t, v, mask);
            break;
        }
        return;
    }
    switch (off) {
    case 0x010:
        hpet_set_config(s, nv);
        break;
    case 0x020:
        /* write 1 to clear (2.3.6) */
        s->isr &= ~(v & mask);
        for (int i = 0; i < HPET_NUM_TIMERS; i++) {
            hpet_update_line(&s->t[i]);
        }
        break;
    case 0x0f0:
        if (hpet_enabled(s)) {
            log_mask_printf(LOG_GUEST_ERROR, "hpet: main counter written while running\n");
        } else {
            s->base = nv;
        }
        break;
    }
}

/* 32-bit accesses to either half of a 64-bit register, or 64-bit ones. */
static bool hpet_access_ok(uint64_t off, unsigned size)
{
    return off < HPET_LEN && ((size == 4 && !(off & 3)) || (size == 8 && !(off & 7)));
}

static uint64_t hpet_mmio_read(void *opaque, uint64_t off, unsigned size)
{
    if (!hpet_access_ok(off, size)) {
        return 0;
    }
    uint64_t v = hpet_reg_read(opaque, off & ~7ull);
    return size == 8 ? v : (uint32_t)(v >> ((off & 4) * 8));
}

static void hpet_mmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    if (!hpet_access_ok(off, size)) {
        log_mask_printf(LOG_GUEST_ERROR, "hpet: %u-byte write at 0x%llx ignored\n",
                        size, (unsigned long long)off);
        return;
    }
    unsigned shift = (off & 4) * 8;
    uint64_t mask = size == 8 ? ~0ull : 0xffffffffull << shift;
    hpet_reg_write(opaque, off & ~7ull, val << shift, mask);
}

static const MemoryOps hpet_ops = {
    .read = hpet_mmio_read,
    .write = hpet_mmio_write,
    .min_size = 1,      /* sizes are checked here, not widened by the bus */
    .max_size = 8,
};

/* ISA IRQ0 (PIT) and IRQ8 (RTC) pass through unless legacy replacement
 * has taken their lines (2.4). */
static void hpet_isa_irq(void *opaque, int n, int level)
{
    HpetState *s = opaque;
    int i = n == 0 ? 0 : 1;
    if (i) {
        s->rtc_level = level;
    }
    if (!(s->config & HPET_CFG_LEGACY)) {
        irq_set(&s->isa_prev[i], level);
    }
}

static void hpet_reset(void *opaque)
{
    HpetState *s = opaque;
    hpet_set_config(s, 0);              /* halt, give IRQ0/IRQ8 back */
    s->isr = 0;
    s->base = 0;
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        HpetTimer *t = &s->t[i];
        timer_del(t->timer);
        t->config = 0;
        t->cmp = ~0ull;
        t->period = 0;
        t->setval = false;
        hpet_update_line(t);
    }
}

static bool hpet_realize(void *opaque, Machine *m, const DeviceProps *p, char **err)
{
    HpetState *s = opaque;
    uint64_t intcap;
    if (!device_prop_u64(p, "intcap", 1u << 2, &intcap, err)) {
        return false;
    }
    if (intcap > 0xffffffffull || (intcap >> IOAPIC_NUM_PINS)) {
        *err = strdup("hpet: intcap names inputs beyond the I/O APIC's 24");
        return false;
    }
    s->m = m;
    s->intcap = (uint32_t)intcap;
    for (int i = 0; i < m->nr_devices; i++) {
        if (!strcmp(m->devices[i].info->name, "ioapic")) {
            s->ioapic = m->devices[i].state;
        }
    }
    if (!as_map(&m->mem.mmio, HPET_BASE, HPET_LEN, &hpet_ops, s, "hpet")) {
        *err = strdup("hpet: 0xfed00000 already in use");
        return false;
    }
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        s->t[i].s = s;
        s->t[i].n = i;
        s->t[i].timer = timer_new(hpet_timer_cb, &s->t[i]);
    }
    s->isa_prev[0] = m->isa_irq[0];
    s->isa_prev[1] = m->isa_irq[8];
    m->isa_irq[0] = (IrqLine){ hpet_isa_irq, s, 0 };
    m->isa_irq[8] = (IrqLine){ hpet_isa_irq, s, 8 };
    hpet_reset(s);
    return true;
}

static const DeviceInfo hpet_info = {
    .name = "hpet",
    .desc = "HPET (IA-PC 1.0a): 64-bit 100 MHz counter, 3 comparators, at 0xfed00000",
    .state_size = sizeof(HpetState),
    .props = (const char *const[]){ "intcap", NULL },
    .realize = hpet_realize,
    .reset = hpet_reset,
    .user_creatable = false,
};
DEVICE_REGISTER(hpet_info)

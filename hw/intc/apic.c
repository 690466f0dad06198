/*
 * hw/intc/apic.c - the local APIC (SDM Vol.3 chapter 10): registers in
 * xAPIC MMIO and x2APIC MSR form, interrupt acceptance (IRR/ISR/TMR, TPR,
 * PPR, EOI), local vector table, IPIs (ICR) and INIT/SIPI.  The register
 * decoder (MMIO and MSR) is in apic_regs.c, the timer in apic_timer.c,
 * the state they share in apic_internal.h.
 *
 * Design: one ApicState per CPU, created by apic_create() on a machine-wide
 * ApicBus (a small static table keyed by Machine*, since Machine has no
 * slot for it).  The bus routes IPIs and I/O APIC messages by destination
 * and carries the EOI broadcast back to the I/O APIC.  A LAPIC never
 * touches X86CPU: it raises its CPU's INTR, NMI, INIT and SIPI through
 * the ApicCpuOps callbacks, and the CPU takes vectors with apic_intr_ack().
 *
 * The xAPIC page is one global MMIO region (the "apic" device) but each
 * access goes to the LAPIC of the CPU doing it: vCPU threads register
 * their LAPIC with apic_set_current() (thread-local).
 *
 * Messages are delivered at once: the ICR delivery-status bit always
 * reads idle.  Lowest-priority delivery goes to the lowest-numbered
 * matching CPU (allowed: the arbitration is model specific, SDM 10.6.2.4).
 * SMI messages are ignored (no SMM).  Polarity bits of LINT pins are kept
 * but not applied: IrqLine levels are logical (asserted = 1), as in QEMU.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/intc/apic_internal.h"

#define APIC_MAX_BUSES  16

struct ApicBus {
    Machine *m;
    ApicState *cpu[MAX_CPUS];
    void (*eoi)(void *opaque, uint8_t vector);
    void *eoi_opaque;
    bool mapped;            /* the "apic" device's MMIO region */
    uint64_t mapped_base;
};

static ApicBus *apic_buses[APIC_MAX_BUSES];
static __thread ApicState *apic_current;

static ApicBus *apic_bus_get(Machine *m, bool create)
{
    for (int i = 0; i < APIC_MAX_BUSES; i++) {
        if (apic_buses[i] && apic_buses[i]->m == m) {
            return apic_buses[i];
        }
    }
    if (!create) {
        return NULL;
    }
    for (int i = 0; i < APIC_MAX_BUSES; i++) {
        if (!apic_buses[i]) {
            apic_buses[i] = calloc(1, sizeof(ApicBus));
            if (!apic_buses[i]) {
                abort();
            }
            apic_buses[i]->m = m;
            return apic_buses[i];
        }
    }
    return NULL;
}



/* Highest set bit of a 256-bit register, -1 if none. */
static int apic_highest(const uint32_t *r)
{
    for (int i = 7; i >= 0; i--) {
        if (r[i]) {
            return i * 32 + 31 - __builtin_clz(r[i]);
        }
    }
    return -1;
}

static void apic_bit_set(uint32_t *r, int v) { r[v >> 5] |= 1u << (v & 31); }
static void apic_bit_clear(uint32_t *r, int v) { r[v >> 5] &= ~(1u << (v & 31)); }
static bool apic_bit_test(const uint32_t *r, int v) { return r[v >> 5] & (1u << (v & 31)); }

/* PPR, SDM 10.8.3.1: TPR if its class is at least the in-service class. */
uint8_t apic_ppr(const ApicState *s)
{
    int isrv = apic_highest(s->isr);
    if (isrv < 0) {
        isrv = 0;
    }
    return (s->tpr >> 4) >= (isrv >> 4) ? s->tpr : (isrv & 0xf0);
}

/* APR, SDM 10.8.3.1 (Figure 10-15 rule, ignoring lowest-priority focus). */
uint8_t apic_apr(const ApicState *s)
{
    int isrv = apic_highest(s->isr), irrv = apic_highest(s->irr);
    int top = (isrv > irrv ? isrv : irrv);
    if (top < 0 || (s->tpr >> 4) >= (top >> 4)) {
        return s->tpr;
    }
    return top & 0xf0;
}

uint32_t apic_x2_ldr(const ApicState *s)
{
    /* SDM 10.12.10.2: cluster = ID[19:4], bit ID[3:0] in the low 16 */
    return ((s->initial_id >> 4) << 16) | (1u << (s->initial_id & 0xf));
}

bool apic_has_interrupt(ApicState *s)
{
    if (!s || !apic_hw_enabled(s) || !apic_sw_enabled(s)) {
        return false;
    }
    int irrv = apic_highest(s->irr);
    return irrv >= 0 && (irrv & 0xf0) > (apic_ppr(s) & 0xf0);
}

bool apic_accepts_pic_interrupts(ApicState *s)
{
    if (!s || !apic_hw_enabled(s)) {
        return true;    /* no APIC in the path: INTR goes to the core */
    }
    uint32_t lvt0 = s->lvt[APIC_LVT_LINT0];
    return !(lvt0 & APIC_LVT_MASKED) && ((lvt0 >> 8) & 7) == APIC_DM_EXTINT;
}

bool apic_intr_pending(ApicState *s)
{
    if (!s) {
        return false;
    }
    return apic_has_interrupt(s) || s->extint_pending ||
           (s->lint_level[0] && apic_accepts_pic_interrupts(s));
}

void apic_update(ApicState *s)
{
    int level = apic_intr_pending(s);
    if (level != s->intr_level) {
        s->intr_level = level;
        if (s->ops.set_intr) {
            s->ops.set_intr(s->opaque, level);
        }
    }
}

/* Log errors; a newly set bit raises the error LVT (SDM 10.5.3). */
void apic_error(ApicState *s, uint32_t bits)
{
    uint32_t fresh = bits & ~s->esr_pending;
    s->esr_pending |= bits;
    uint32_t lvt = s->lvt[APIC_LVT_ERROR];
    if (!fresh || (lvt & APIC_LVT_MASKED)) {
        return;
    }
    int vec = lvt & 0xff;
    if (vec < 16) {
        /* no recursion: the illegal error vector is just logged */
        s->esr_pending |= APIC_ESR_RECV_ILLEGAL_VECTOR;
        return;
    }
    apic_bit_set(s->irr, vec);
    apic_bit_clear(s->tmr, vec);
    apic_update(s);
}

/* Accept a fixed interrupt into IRR (SDM 10.8.3).  Vectors 0-15 are
 * illegal: logged as "receive illegal vector", never set in IRR. */
void apic_accept(ApicState *s, int vec, bool level)
{
    if (vec < 16) {
        apic_error(s, APIC_ESR_RECV_ILLEGAL_VECTOR);
        return;
    }
    apic_bit_set(s->irr, vec);
    if (level) {
        apic_bit_set(s->tmr, vec);
    } else {
        apic_bit_clear(s->tmr, vec);
    }
    apic_update(s);
}

/* One message arriving at s. */
static void apic_deliver_one(ApicState *s, int dm, uint8_t vec, bool level)
{
    switch (dm) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        apic_accept(s, vec, level);
        break;
    case APIC_DM_NMI:
        if (s->ops.nmi) {
            s->ops.nmi(s->opaque);
        }
        break;
    case APIC_DM_INIT:
        apic_init_reset(s);
        if (s->ops.init) {
            s->ops.init(s->opaque);
        }
        break;
    case APIC_DM_SIPI:
        if (s->ops.sipi) {
            s->ops.sipi(s->opaque, vec);
        }
        break;
    case APIC_DM_EXTINT:
        s->extint_pending = true;
        apic_update(s);
        break;
    default:    /* SMI (no SMM) and reserved modes */
        break;
    }
}

/* Local interrupt from an LVT entry (timer, error, LINT, ...). */
void apic_local_deliver(ApicState *s, int lvt)
{
    uint32_t v = s->lvt[lvt];
    if (!apic_hw_enabled(s) || (v & APIC_LVT_MASKED)) {
        return;
    }
    /* timer and error entries have no delivery mode field: fixed */
    int dm = (lvt == APIC_LVT_TIMER || lvt == APIC_LVT_ERROR) ? APIC_DM_FIXED
                                                             : (v >> 8) & 7;
    bool level = (lvt == APIC_LVT_LINT0 || lvt == APIC_LVT_LINT1) &&
                 (v & APIC_LVT_LEVEL);
    if (dm == APIC_DM_FIXED && level) {
        /* remote IRR stays set until the EOI of this vector (10.5.1) */
        s->lvt[lvt] |= APIC_LVT_REMOTE_IRR;
    }
    if (dm == APIC_DM_EXTINT) {
        apic_update(s);     /* the 8259 is read at INTA time */
        return;
    }
    if (dm == APIC_DM_SIPI || dm == APIC_DM_LOWEST) {
        return;             /* not valid in an LVT entry */
    }
    apic_deliver_one(s, dm, v & 0xff, level);
}

void apic_set_lint(ApicState *s, int pin, int level)
{
    if (!s || pin < 0 || pin > 1) {
        return;
    }
    level = level != 0;
    int old = s->lint_level[pin];
    s->lint_level[pin] = level;
    if (!apic_hw_enabled(s)) {
        /* APIC disabled: LINT0/LINT1 are the core's INTR/NMI pins */
        if (pin == 1 && level && !old && s->ops.nmi) {
            s->ops.nmi(s->opaque);
        }
        apic_update(s);
        return;
    }
    uint32_t v = s->lvt[APIC_LVT_LINT0 + pin];
    int dm = (v >> 8) & 7;
    if (dm == APIC_DM_FIXED && (v & APIC_LVT_LEVEL)) {
        if (level && !(v & APIC_LVT_REMOTE_IRR)) {
            apic_local_deliver(s, APIC_LVT_LINT0 + pin);
        }
    } else if (dm != APIC_DM_EXTINT && level && !old) {
        apic_local_deliver(s, APIC_LVT_LINT0 + pin);
    }
    apic_update(s);
}

int apic_get_interrupt(ApicState *s)
{
    if (!s || !apic_hw_enabled(s) || !apic_sw_enabled(s)) {
        return -1;
    }
    int irrv = apic_highest(s->irr);
    if (irrv < 0 || (irrv & 0xf0) <= (apic_ppr(s) & 0xf0)) {
        /* SDM 10.9: nothing outranks PPR any more: spurious, no ISR bit */
        return s->svr & 0xff;
    }
    apic_bit_clear(s->irr, irrv);
    apic_bit_set(s->isr, irrv);
    apic_update(s);
    return irrv;
}

int apic_intr_ack(ApicState *s)
{
    if (!s) {
        return -1;
    }
    Machine *m = s->m;
    if (apic_has_interrupt(s)) {
        return apic_get_interrupt(s);
    }
    bool extint = s->extint_pending ||
                  (s->lint_level[0] && apic_accepts_pic_interrupts(s));
    s->extint_pending = false;
    int vec = -1;
    if (extint && m && m->intr_ack) {
        vec = m->intr_ack(m->intc);
    }
    apic_update(s);
    return vec;
}

void apic_eoi(ApicState *s)
{
    int isrv = apic_highest(s->isr);
    if (isrv < 0) {
        return;
    }
    apic_bit_clear(s->isr, isrv);
    /* level-triggered LINT entries wait for this EOI (SDM 10.5.1) */
    for (int pin = 0; pin < 2; pin++) {
        uint32_t *lvt = &s->lvt[APIC_LVT_LINT0 + pin];
        if ((*lvt & APIC_LVT_REMOTE_IRR) && (*lvt & 0xff) == (uint32_t)isrv) {
            *lvt &= ~APIC_LVT_REMOTE_IRR;
            if (s->lint_level[pin]) {
                apic_local_deliver(s, APIC_LVT_LINT0 + pin);
            }
        }
    }
    /* EOI broadcast to the I/O APICs for level-triggered vectors (10.8.5) */
    if (apic_bit_test(s->tmr, isrv) && s->bus && s->bus->eoi) {
        s->bus->eoi(s->bus->eoi_opaque, isrv);
    }
    apic_update(s);
}

/* Does s accept a message for dest?  x2 says the message carries a 32-bit
 * x2APIC destination (else 8 bits, xAPIC format). */
static bool apic_match_dest(ApicState *s, uint32_t dest, bool logical, bool x2)
{
    uint32_t bcast = x2 ? 0xffffffffu : 0xffu;
    if (!apic_hw_enabled(s)) {
        return false;
    }
    if (dest == bcast) {
        return true;
    }
    if (!logical) {
        return dest == (apic_x2(s) ? s->initial_id : s->id);
    }
    if (apic_x2(s)) {
        uint32_t ldr = apic_x2_ldr(s);
        return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
    }
    uint8_t d = dest, ldr = s->ldr >> 24;
    if ((s->dfr >> 28) == 0xf) {                    /* flat model */
        return d & ldr;
    }
    return (d >> 4) == (ldr >> 4) && (d & ldr & 0xf); /* cluster model */
}

/* Deliver to every match (lowest priority: to the first one only). */
static void apic_bus_deliver(ApicBus *bus, ApicState *self, int shorthand,
                             uint32_t dest, bool logical, bool x2, int dm,
                             uint8_t vec, bool level)
{
    for (int i = 0; i < MAX_CPUS; i++) {
        ApicState *t = bus->cpu[i];
        if (!t) {
            continue;
        }
        bool hit;
        switch (shorthand) {
        case 1: hit = t == self; break;
        case 2: hit = apic_hw_enabled(t); break;
        case 3: hit = t != self && apic_hw_enabled(t); break;
        default: hit = apic_match_dest(t, dest, logical, x2); break;
        }
        if (hit) {
            apic_deliver_one(t, dm, vec, level);
            if (dm == APIC_DM_LOWEST) {
                return;
            }
        }
    }
}

/* A write to ICR low (or the x2APIC ICR MSR) sends the IPI (10.6.1). */
void apic_send_ipi(ApicState *s)
{
    uint32_t lo = s->icr_lo;
    uint8_t vec = lo & 0xff;
    int dm = (lo >> 8) & 7;
    bool logical = (lo >> 11) & 1;
    bool assert = (lo >> 14) & 1;
    bool level = (lo >> 15) & 1;
    int shorthand = (lo >> 18) & 3;
    uint32_t dest = apic_x2(s) ? s->icr_hi : s->icr_hi >> 24;

    if (dm == APIC_DM_INIT && level && !assert) {
        return;     /* INIT level de-assert: only re-syncs arbitration IDs */
    }
    if ((dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST) && vec < 16) {
        apic_error(s, APIC_ESR_SEND_ILLEGAL_VECTOR);
        return;
    }
    if (dm == APIC_DM_SMI || dm == 3 || dm == APIC_DM_EXTINT) {
        return;     /* SMI (no SMM), reserved */
    }
    if (s->bus) {
        apic_bus_deliver(s->bus, s, shorthand, dest, logical, apic_x2(s), dm,
                         vec, dm <= APIC_DM_LOWEST && level);
    } else if (shorthand == 1 || shorthand == 2) {
        apic_deliver_one(s, dm, vec, false);
    }
}

void apic_deliver_irq(Machine *m, uint32_t dest, int dest_mode,
                      int delivery_mode, uint8_t vector, bool trigger_level)
{
    ApicBus *bus = apic_bus_get(m, false);
    if (!bus || delivery_mode == APIC_DM_SIPI) {
        return;
    }
    apic_bus_deliver(bus, NULL, 0, dest, dest_mode & 1, dest > 0xff,
                     delivery_mode & 7, vector, trigger_level);
}

void apic_set_eoi_hook(Machine *m, void (*eoi)(void *opaque, uint8_t vector),
                       void *opaque)
{
    ApicBus *bus = apic_bus_get(m, true);
    if (bus) {
        bus->eoi = eoi;
        bus->eoi_opaque = opaque;
    }
}

/* ---- life cycle ---- */

void apic_init_reset(ApicState *s)
{
    apic_timer_reset(s);
    memset(s->isr, 0, sizeof(s->isr));
    memset(s->tmr, 0, sizeof(s->tmr));
    memset(s->irr, 0, sizeof(s->irr));
    s->tpr = 0;
    s->ldr = 0;
    s->dfr = 0xffffffffu;
    s->svr = 0xff;
    s->esr = s->esr_pending = 0;
    s->icr_lo = s->icr_hi = 0;
    for (int i = 0; i < APIC_LVT_NB; i++) {
        s->lvt[i] = APIC_LVT_MASKED;
    }
    s->extint_pending = false;
    apic_update(s);
}

void apic_reset(ApicState *s)
{
    if (!s) {
        return;
    }
    s->apic_base = APIC_DEFAULT_BASE | MSR_IA32_APICBASE_ENABLE |
                   (s->cpu_index == 0 ? MSR_IA32_APICBASE_BSP : 0);
    s->id = s->initial_id;
    apic_init_reset(s);
    if (s->cpu_index == 0 && s->bus) {
        apic_bus_remap(s->bus, APIC_DEFAULT_BASE);
    }
}

void apic_setup_virtual_wire(ApicState *s)
{
    if (!s) {
        return;
    }
    /* what SeaBIOS leaves for the OS (MP spec 3.6.2.2 virtual wire mode):
     * software enabled, LINT0 = ExtINT (the 8259), LINT1 = NMI */
    apic_mmio_write(s, 0xf0, 0x1ff, 4);
    apic_mmio_write(s, 0x350, 0x700, 4);
    apic_mmio_write(s, 0x360, 0x400, 4);
}

ApicState *apic_create(Machine *m, int cpu_index, const ApicCpuOps *ops,
                       void *opaque)
{
    if (cpu_index < 0 || cpu_index >= MAX_CPUS) {
        return NULL;
    }
    ApicBus *bus = apic_bus_get(m, true);
    if (!bus || bus->cpu[cpu_index]) {
        return NULL;
    }
    ApicState *s = calloc(1, sizeof(*s));
    if (!s) {
        abort();
    }
    s->bus = bus;
    s->m = m;
    s->cpu_index = cpu_index;
    if (ops) {
        s->ops = *ops;
    }
    s->opaque = opaque;
    s->initial_id = cpu_index;
    apic_timer_init(s);
    bus->cpu[cpu_index] = s;
    apic_reset(s);
    return s;
}

ApicState *apic_find(Machine *m, int cpu_index)
{
    ApicBus *bus = apic_bus_get(m, false);
    if (!bus || cpu_index < 0 || cpu_index >= MAX_CPUS) {
        return NULL;
    }
    return bus->cpu[cpu_index];
}

void apic_machine_cleanup(Machine *m)
{
    for (int i = 0; i < APIC_MAX_BUSES; i++) {
        ApicBus *bus = apic_buses[i];
        if (!bus || bus->m != m) {
            continue;
        }
        if (bus->mapped) {
            as_unmap(&m->mem.mmio, bus->mapped_base);
        }
        for (int c = 0; c < MAX_CPUS; c++) {
            if (bus->cpu[c]) {
                if (apic_current == bus->cpu[c]) {
                    apic_current = NULL;
                }
                timer_free(bus->cpu[c]->timer);
                free(bus->cpu[c]);
            }
        }
        free(bus);
        apic_buses[i] = NULL;
    }
}

void apic_set_current(ApicState *s)
{
    apic_current = s;
}

/* ---- the "apic" device: the global xAPIC page ---- */

typedef struct ApicDev {
    Machine *m;
} ApicDev;

static ApicState *apic_dev_target(Machine *m)
{
    if (apic_current && apic_current->m == m) {
        return apic_current;
    }
    return apic_find(m, 0);
}

static uint64_t apic_dev_read(void *opaque, uint64_t off, unsigned size)
{
    ApicState *s = apic_dev_target(opaque);
    if (!s || (s->apic_base & MSR_IA32_APICBASE_BASE) != s->bus->mapped_base) {
        /* this CPU's APIC page is elsewhere: nothing decodes here */
        return size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
    }
    return apic_mmio_read(s, off, size);
}

static void apic_dev_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    ApicState *s = apic_dev_target(opaque);
    if (s && (s->apic_base & MSR_IA32_APICBASE_BASE) == s->bus->mapped_base) {
        apic_mmio_write(s, off, val, size);
    }
}

static const MemoryOps apic_mmio_ops = {
    .read = apic_dev_read,
    .write = apic_dev_write,
    .min_size = 1,
    .max_size = 4,
};

/* The page follows the BSP's IA32_APIC_BASE (10.4.5). */
void apic_bus_remap(ApicBus *bus, uint64_t base)
{
    if (!bus->mapped || bus->mapped_base == base) {
        return;
    }
    as_unmap(&bus->m->mem.mmio, bus->mapped_base);
    if (as_map(&bus->m->mem.mmio, base, 0x1000, &apic_mmio_ops, bus->m, "apic")) {
        bus->mapped_base = base;
    } else if (as_map(&bus->m->mem.mmio, bus->mapped_base, 0x1000,
                      &apic_mmio_ops, bus->m, "apic")) {
        /* the new place overlaps a device: keep the page where it was */
    } else {
        bus->mapped = false;
    }
}

static bool apic_dev_realize(void *opaque, Machine *m, const DeviceProps *p,
                             char **err)
{
    ApicDev *d = opaque;
    ApicBus *bus = apic_bus_get(m, true);
    d->m = m;
    if (!bus || bus->mapped ||
        !as_map(&m->mem.mmio, APIC_DEFAULT_BASE, 0x1000, &apic_mmio_ops, m, "apic")) {
        *err = strdup("apic: 0xfee00000 already in use");
        return false;
    }
    bus->mapped = true;
    bus->mapped_base = APIC_DEFAULT_BASE;
    return true;
}

static void apic_dev_reset(void *opaque)
{
    ApicDev *d = opaque;
    ApicBus *bus = apic_bus_get(d->m, false);
    for (int i = 0; bus && i < MAX_CPUS; i++) {
        apic_reset(bus->cpu[i]);
    }
}

static const DeviceInfo apic_info = {
    .name = "apic",
    .desc = "local APICs (xAPIC page at 0xfee00000, one LAPIC per CPU)",
    .state_size = sizeof(ApicDev),
    .props = (const char *const[]){ NULL },
    .realize = apic_dev_realize,
    .reset = apic_dev_reset,
    .user_creatable = false,
};
DEVICE_REGISTER(apic_info)

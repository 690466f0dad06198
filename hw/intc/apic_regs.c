/*
 * hw/intc/apic_regs.c - the local APIC register file (SDM Vol.3 10.4.1
 * Table 10-1, x2APIC Table 10-6): xAPIC MMIO and x2APIC MSR accessors,
 * IA32_APIC_BASE, TPR.  Delivery and life cycle are in apic.c.
 *
 * Both interfaces share one decoder keyed by the register index
 * (MMIO offset >> 4 = MSR - 0x800).  The xAPIC page silently drops
 * writes to read-only registers and flags unknown offsets in ESR bit 7;
 * in x2APIC mode the same cases (and the registers x2APIC removed: APR,
 * RRD, DFR, ICR high) make the MSR access fault (#GP), SDM 10.12.1.2.
 */
#include <string.h>

#include "hw/intc/apic_internal.h"

#define APIC_VERSION    0x00050014u  /* version 0x14, max LVT entry 5 */

static void apic_write_svr(ApicState *s, uint32_t v)
{
    /* bit 12 (EOI broadcast suppression) is not offered: version bit 24=0 */
    s->svr = v & 0x3ff;
    if (!apic_sw_enabled(s)) {
        /* software disable masks every LVT entry (SDM 10.4.7.2) */
        for (int i = 0; i < APIC_LVT_NB; i++) {
            s->lvt[i] |= APIC_LVT_MASKED;
        }
    }
    apic_update(s);
}

static void apic_write_lvt(ApicState *s, int i, uint32_t v)
{
    static const uint32_t writable[APIC_LVT_NB] = {
        [APIC_LVT_TIMER] = 0x700ff,   /* vector, mask, timer mode */
        [APIC_LVT_THERMAL] = 0x107ff, /* + delivery mode */
        [APIC_LVT_PERF] = 0x107ff,
        [APIC_LVT_LINT0] = 0x1a7ff,   /* + polarity, trigger mode */
        [APIC_LVT_LINT1] = 0x1a7ff,
        [APIC_LVT_ERROR] = 0x100ff,
    };
    uint32_t old = s->lvt[i];
    v = (v & writable[i]) | (old & APIC_LVT_REMOTE_IRR);
    if (!apic_sw_enabled(s)) {
        v |= APIC_LVT_MASKED;
    }
    s->lvt[i] = v;
    if (i == APIC_LVT_TIMER) {
        apic_timer_lvt_written(s, old);
    }
    if (i == APIC_LVT_LINT0 || i == APIC_LVT_LINT1) {
        /* an unmasked level-triggered pin already asserted fires now */
        int pin = i - APIC_LVT_LINT0;
        if (s->lint_level[pin] && !(v & APIC_LVT_MASKED) && (v & APIC_LVT_LEVEL) &&
            ((v >> 8) & 7) == APIC_DM_FIXED && !(v & APIC_LVT_REMOTE_IRR)) {
            apic_local_deliver(s, i);
        }
    }
    apic_update(s);
}

/* Register idx (offset >> 4).  false: no such register. */
static bool apic_reg_read(ApicState *s, unsigned idx, uint32_t *v)
{
    switch (idx) {
    case 0x02: *v = apic_x2(s) ? s->initial_id : (uint32_t)s->id << 24; break;
    case 0x03: *v = APIC_VERSION; break;
    case 0x08: *v = s->tpr; break;
    case 0x09: *v = apic_apr(s); break;
    case 0x0a: *v = apic_ppr(s); break;
    case 0x0b: *v = 0; break;                       /* EOI: write only */
    case 0x0c: *v = 0; break;                       /* remote read */
    case 0x0d: *v = apic_x2(s) ? apic_x2_ldr(s) : s->ldr; break;
    case 0x0e: *v = s->dfr; break;
    case 0x0f: *v = s->svr; break;
    case 0x10 ... 0x17: *v = s->isr[idx - 0x10]; break;
    case 0x18 ... 0x1f: *v = s->tmr[idx - 0x18]; break;
    case 0x20 ... 0x27: *v = s->irr[idx - 0x20]; break;
    case 0x28: *v = s->esr; break;
    case 0x30: *v = s->icr_lo; break;
    case 0x31: *v = s->icr_hi; break;
    case 0x32 ... 0x37: *v = s->lvt[idx - 0x32]; break;
    case 0x38: *v = s->initial_count; break;
    case 0x39: *v = apic_timer_current_count(s); break;
    case 0x3e: *v = s->divide_conf; break;
    default: return false;
    }
    return true;
}

/* 0 done, 1 read-only register, -1 no such register. */
static int apic_reg_write(ApicState *s, unsigned idx, uint32_t v)
{
    switch (idx) {
    case 0x02:
        if (apic_x2(s)) {
            return 1;
        }
        s->id = v >> 24;
        break;
    case 0x03: case 0x09: case 0x0a: case 0x0c: case 0x39:
    case 0x10 ... 0x27:
        return 1;
    case 0x08: s->tpr = v; apic_update(s); break;
    case 0x0b: apic_eoi(s); break;
    case 0x0d:
        if (apic_x2(s)) {
            return 1;
        }
        s->ldr = v & 0xff000000u;
        break;
    case 0x0e: s->dfr = v | 0x0fffffffu; break;
    case 0x0f: apic_write_svr(s, v); break;
    case 0x28:
        /* write-then-read: latch the errors seen since the last write */
        s->esr = s->esr_pending;
        s->esr_pending = 0;
        break;
    case 0x30: s->icr_lo = v & ~(1u << 12); apic_send_ipi(s); break;
    case 0x31: s->icr_hi = v & 0xff000000u; break;
    case 0x32 ... 0x37: apic_write_lvt(s, idx - 0x32, v); break;
    case 0x38: apic_timer_set_initial(s, v); break;
    case 0x3e: apic_timer_set_divide(s, v); break;
    default: return -1;
    }
    return 0;
}

uint64_t apic_mmio_read(ApicState *s, uint64_t off, unsigned size)
{
    uint32_t v = 0;
    /* no xAPIC page while disabled or in x2APIC mode (SDM 10.12.2, 10.4.3):
     * nothing decodes the access, so it reads like unassigned space */
    if (!s || !apic_hw_enabled(s) || apic_x2(s)) {
        return size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
    }
    off &= 0xfff;
    /* registers are 32 bits at 16-byte strides; the rest reads 0 */
    if ((off & 0xf) >= 4) {
        return 0;
    }
    if (!apic_reg_read(s, off >> 4, &v)) {
        apic_error(s, APIC_ESR_ILLEGAL_ADDRESS);
        return 0;
    }
    v >>= (off & 3) * 8;
    return size >= 4 ? v : v & ((1u << (size * 8)) - 1);
}

void apic_mmio_write(ApicState *s, uint64_t off, uint64_t val, unsigned size)
{
    if (!s || !apic_hw_enabled(s) || apic_x2(s)) {
        return;
    }
    off &= 0xfff;
    /* only aligned dword writes are defined (SDM 10.4.1) */
    if (size < 4 || (off & 0xf)) {
        return;
    }
    if (apic_reg_write(s, off >> 4, (uint32_t)val) < 0) {
        apic_error(s, APIC_ESR_ILLEGAL_ADDRESS);
    }
}

bool apic_msr_read(ApicState *s, uint32_t msr, uint64_t *val)
{
    if (!s || !apic_x2(s) || msr < 0x800 || msr > 0x8ff) {
        return false;
    }
    unsigned idx = msr - 0x800;
    uint32_t v;
    switch (idx) {
    case 0x09: case 0x0b: case 0x0c: case 0x0e: case 0x31: case 0x3f:
        return false;   /* absent or write-only in x2APIC mode (10.12.1.2) */
    case 0x30:
        *val = (uint64_t)s->icr_hi << 32 | s->icr_lo;
        return true;
    }
    if (!apic_reg_read(s, idx, &v)) {
        return false;
    }
    *val = v;
    return true;
}

bool apic_msr_write(ApicState *s, uint32_t msr, uint64_t val)
{
    if (!s || !apic_x2(s) || msr < 0x800 || msr > 0x8ff) {
        return false;
    }
    unsigned idx = msr - 0x800;
    if (idx == 0x30) {
        /* one 64-bit write: 32-bit destination in the high half */
        s->icr_hi = val >> 32;
        s->icr_lo = (uint32_t)val & ~(1u << 12);
        apic_send_ipi(s);
        return true;
    }
    if (val >> 32) {
        return false;
    }
    switch (idx) {
    case 0x0b: case 0x28:
        if (val) {
            return false;   /* EOI and ESR take only 0 in x2APIC mode */
        }
        break;
    case 0x3f:
        if (val & ~0xffull) {
            return false;
        }
        apic_accept(s, val & 0xff, false);  /* SELF IPI (10.12.11) */
        return true;
    case 0x09: case 0x0c: case 0x0e: case 0x31:
        return false;
    }
    return apic_reg_write(s, idx, val) == 0;
}

uint64_t apic_get_base(ApicState *s)
{
    return s ? s->apic_base : 0;
}

bool apic_set_base(ApicState *s, uint64_t val)
{
    const uint64_t ok_bits = MSR_IA32_APICBASE_BASE | MSR_IA32_APICBASE_BSP |
                             MSR_IA32_APICBASE_EXTD | MSR_IA32_APICBASE_ENABLE;
    if (!s || (val & ~ok_bits)) {
        return false;
    }
    bool en = val & MSR_IA32_APICBASE_ENABLE, x2 = val & MSR_IA32_APICBASE_EXTD;
    bool was_en = apic_hw_enabled(s), was_x2 = apic_x2(s);
    /* SDM 10.12.5 Figure 10-27: invalid states and transitions */
    if ((x2 && !en) || (was_x2 && en && !x2) || (!was_en && x2)) {
        return false;
    }
    uint64_t old = s->apic_base;
    s->apic_base = (val & ~MSR_IA32_APICBASE_BSP) | (old & MSR_IA32_APICBASE_BSP);
    if (was_en && !en) {
        /* disabling resets the APIC state (10.4.3, 10.12.5.1) */
        apic_init_reset(s);
        s->id = s->initial_id;
    }
    if ((old ^ val) & MSR_IA32_APICBASE_BASE && s->cpu_index == 0 && s->bus) {
        apic_bus_remap(s->bus, val & MSR_IA32_APICBASE_BASE);
    }
    apic_update(s);
    return true;
}

uint8_t apic_get_tpr(ApicState *s)
{
    return s ? s->tpr : 0;
}

void apic_set_tpr(ApicState *s, uint8_t tpr)
{
    if (s) {
        s->tpr = tpr;
        apic_update(s);
    }
}

/*
 * hw/intc/apic_internal.h - local APIC state shared by apic.c (registers,
 * delivery) and apic_timer.c (the LVT timer).  Not for other files.
 */
#ifndef HW_INTC_APIC_INTERNAL_H
#define HW_INTC_APIC_INTERNAL_H

#include "hw/intc/apic.h"
#include "system/sysemu.h"

/* LVT indexes, in register order (SDM Table 10-1: 0x320..0x370) */
enum { APIC_LVT_TIMER, APIC_LVT_THERMAL, APIC_LVT_PERF, APIC_LVT_LINT0,
       APIC_LVT_LINT1, APIC_LVT_ERROR, APIC_LVT_NB };

#define APIC_LVT_MASKED         (1u << 16)
#define APIC_LVT_LEVEL          (1u << 15)
#define APIC_LVT_REMOTE_IRR     (1u << 14)
#define APIC_LVT_TIMER_SHIFT    17
#define APIC_LVT_TIMER_MODE     (3u << APIC_LVT_TIMER_SHIFT)
#define APIC_TIMER_ONESHOT      0
#define APIC_TIMER_PERIODIC     1
#define APIC_TIMER_TSC_DEADLINE 2

#define APIC_SVR_ENABLE         (1u << 8)

/* ESR bits, SDM Figure 10-9 */
#define APIC_ESR_SEND_ILLEGAL_VECTOR (1u << 5)
#define APIC_ESR_RECV_ILLEGAL_VECTOR (1u << 6)
#define APIC_ESR_ILLEGAL_ADDRESS     (1u << 7)

typedef struct ApicBus ApicBus;

struct ApicState {
    ApicBus *bus;
    Machine *m;
    int cpu_index;
    ApicCpuOps ops;
    void *opaque;

    uint64_t apic_base;     /* IA32_APIC_BASE */
    uint32_t initial_id;    /* x2APIC ID, CPUID initial APIC ID */
    uint8_t id;             /* xAPIC ID register [31:24] */
    uint8_t tpr;
    uint32_t ldr, dfr, svr;
    uint32_t isr[8], tmr[8], irr[8];
    uint32_t esr, esr_pending;  /* visible ESR, errors since last write */
    uint32_t icr_lo, icr_hi;
    uint32_t lvt[APIC_LVT_NB];
    int lint_level[2];
    bool extint_pending;    /* ExtINT message from the I/O APIC */
    int intr_level;         /* as last given to ops.set_intr */

    /* timer (apic_timer.c) */
    Timer *timer;
    uint32_t initial_count;
    uint32_t divide_conf;
    unsigned div_shift;     /* log2 of the divider */
    int64_t count_start_ns; /* when the count was (re)loaded */
    bool count_stopped;     /* a one-shot count reached 0 and the mode then
                             * became periodic: it stays 0 until TMICT is
                             * written (as KVM; kvm-unit-tests apic) */
    uint64_t tsc_deadline;  /* clock_ns() domain, 0 = disarmed */
};

static inline bool apic_hw_enabled(const ApicState *s)
{
    return s->apic_base & MSR_IA32_APICBASE_ENABLE;
}
static inline bool apic_x2(const ApicState *s)
{
    return (s->apic_base & MSR_IA32_APICBASE_EXTD) && apic_hw_enabled(s);
}
static inline bool apic_sw_enabled(const ApicState *s)
{
    return s->svr & APIC_SVR_ENABLE;
}

/* apic.c */
void apic_update(ApicState *s);          /* recompute the INTR output */
void apic_error(ApicState *s, uint32_t bits);
void apic_accept(ApicState *s, int vec, bool level);
void apic_eoi(ApicState *s);
void apic_send_ipi(ApicState *s);       /* ICR written */
uint8_t apic_ppr(const ApicState *s);
uint8_t apic_apr(const ApicState *s);
uint32_t apic_x2_ldr(const ApicState *s);
void apic_bus_remap(ApicBus *bus, uint64_t base);
void apic_local_deliver(ApicState *s, int lvt);
/* apic_timer.c */
void apic_timer_init(ApicState *s);
void apic_timer_reset(ApicState *s);
uint32_t apic_timer_current_count(ApicState *s);
void apic_timer_set_initial(ApicState *s, uint32_t v);
void apic_timer_set_divide(ApicState *s, uint32_t v);
void apic_timer_lvt_written(ApicState *s, uint32_t old_lvt);

static inline unsigned apic_timer_mode(const ApicState *s)
{
    return (s->lvt[APIC_LVT_TIMER] & APIC_LVT_TIMER_MODE) >> APIC_LVT_TIMER_SHIFT;
}

#endif

/*
 * hw/intc/apic_timer.c - the local APIC timer (SDM Vol.3 10.5.4): one-shot,
 * periodic and TSC-deadline modes.
 *
 * Time base: the timer counts a 1 GHz "bus clock" divided by the divide
 * configuration register, i.e. one tick per (divider) nanoseconds of
 * clock_ns().  That matches emu86's TSC, which is clock_ns() plus an
 * offset (target/i386/msr.c cpu_rdtsc), so guests that calibrate the APIC
 * timer against the TSC find a 1:1 ratio at divide-by-1.
 *
 * The counter is not stepped: the current count is computed from the
 * clock_ns() time at which the initial count was loaded (count_start_ns),
 * and one system/timer.c Timer is armed for the next expiry.  A periodic
 * timer re-arms from its own period grid, not from the callback time, so
 * a late callback does not drift; missed periods while the host was busy
 * collapse into one interrupt (the IRR bit holds one request per vector).
 * Like KVM (min_timer_period_us), periodic callbacks are at least
 * APIC_TIMER_MIN_PERIOD_NS apart, so a guest programming a 1 ns period
 * cannot keep the I/O thread busy; the current count stays exact.
 */
#include "hw/intc/apic_internal.h"

#define APIC_TIMER_MIN_PERIOD_NS 100000

/* Divide configuration bits 0,1,3 -> divider 2,4,8,16,32,64,128,1
 * (SDM Figure 10-10): value v = b3:b1:b0, divider = 2^((v + 1) & 7). */
static unsigned apic_timer_div_shift(uint32_t conf)
{
    unsigned v = (conf & 3) | ((conf >> 1) & 4);
    return (v + 1) & 7;
}

static int64_t apic_timer_period_ns(const ApicState *s)
{
    return (int64_t)s->initial_count << s->div_shift;
}

static void apic_timer_arm(ApicState *s)
{
    if (apic_timer_mode(s) == APIC_TIMER_TSC_DEADLINE) {
        if (s->tsc_deadline) {
            /* a guest may write any 64-bit value: far future, not past */
            timer_mod(s->timer, s->tsc_deadline > (uint64_t)INT64_MAX
                                ? INT64_MAX : (int64_t)s->tsc_deadline);
        } else {
            timer_del(s->timer);
        }
        return;
    }
    if (!s->initial_count) {
        timer_del(s->timer);
        return;
    }
    int64_t period = apic_timer_period_ns(s);
    int64_t now = clock_ns();
    int64_t expire = s->count_start_ns + period;
    if (apic_timer_mode(s) == APIC_TIMER_PERIODIC) {
        if (expire <= now) {
            int64_t n = (now - s->count_start_ns) / period;
            expire = s->count_start_ns + (n + 1) * period;
        }
        if (period < APIC_TIMER_MIN_PERIOD_NS && expire < now + APIC_TIMER_MIN_PERIOD_NS) {
            expire = now + APIC_TIMER_MIN_PERIOD_NS;
        }
    }
    timer_mod(s->timer, expire);
}

static void apic_timer_cb(void *opaque)
{
    ApicState *s = opaque;
    switch (apic_timer_mode(s)) {
    case APIC_TIMER_TSC_DEADLINE:
        /* the deadline MSR reads 0 once the timer fired (SDM 10.5.4.1) */
        s->tsc_deadline = 0;
        break;
    case APIC_TIMER_PERIODIC:
        apic_timer_arm(s);
        break;
    default:
        if (!s->initial_count) {
            return;
        }
        /* one-shot: the count stays at 0 until rewritten */
        break;
    }
    apic_local_deliver(s, APIC_LVT_TIMER);
}

void apic_timer_init(ApicState *s)
{
    s->timer = timer_new(apic_timer_cb, s);
}

void apic_timer_reset(ApicState *s)
{
    timer_del(s->timer);
    s->initial_count = 0;
    s->divide_conf = 0;
    s->div_shift = apic_timer_div_shift(0);
    s->count_start_ns = clock_ns();
    s->count_stopped = false;
    s->tsc_deadline = 0;
}

/* The current count as timer mode `mode` computes it. */
static uint32_t apic_timer_count_in_mode(ApicState *s, unsigned mode)
{
    if (!s->initial_count || s->count_stopped || mode == APIC_TIMER_TSC_DEADLINE) {
        return 0;
    }
    int64_t elapsed = clock_ns() - s->count_start_ns;
    if (elapsed < 0) {
        elapsed = 0;
    }
    uint64_t ticks = (uint64_t)elapsed >> s->div_shift;
    if (mode == APIC_TIMER_PERIODIC) {
        return s->initial_count - (uint32_t)(ticks % s->initial_count);
    }
    return ticks >= s->initial_count ? 0 : s->initial_count - (uint32_t)ticks;
}

uint32_t apic_timer_current_count(ApicState *s)
{
    return apic_timer_count_in_mode(s, apic_timer_mode(s));
}

void apic_timer_set_initial(ApicState *s, uint32_t v)
{
    /* writes are ignored in TSC-deadline mode (SDM 10.5.4.1) */
    if (apic_timer_mode(s) == APIC_TIMER_TSC_DEADLINE) {
        return;
    }
    s->initial_count = v;
    s->count_start_ns = clock_ns();
    s->count_stopped = false;
    apic_timer_arm(s);
}

void apic_timer_set_divide(ApicState *s, uint32_t v)
{
    uint32_t cur = apic_timer_current_count(s);
    s->divide_conf = v & 0xb;
    s->div_shift = apic_timer_div_shift(s->divide_conf);
    if (s->initial_count && !s->count_stopped &&
        apic_timer_mode(s) != APIC_TIMER_TSC_DEADLINE) {
        /* keep counting from the current value at the new rate */
        uint32_t done = s->initial_count - cur;
        s->count_start_ns = clock_ns() - ((int64_t)done << s->div_shift);
        if (cur == 0 && apic_timer_mode(s) == APIC_TIMER_ONESHOT) {
            return;     /* already expired: do not fire again */
        }
        apic_timer_arm(s);
    }
}

void apic_timer_lvt_written(ApicState *s, uint32_t old_lvt)
{
    unsigned old_mode = (old_lvt & APIC_LVT_TIMER_MODE) >> APIC_LVT_TIMER_SHIFT;
    unsigned mode = apic_timer_mode(s);
    if (old_mode == mode) {
        return;
    }
    /* switching to or from TSC-deadline mode disarms the timer (SDM
     * 10.5.4.1); one-shot <-> periodic keeps counting */
    if (old_mode == APIC_TIMER_TSC_DEADLINE || mode == APIC_TIMER_TSC_DEADLINE) {
        s->initial_count = 0;
        s->count_stopped = false;
        s->tsc_deadline = 0;
        timer_del(s->timer);
    } else if (s->initial_count && !s->count_stopped) {
        /* the count goes on from its value in the old mode: periodic ->
         * one-shot ends at the next zero, and an expired one-shot count
         * stays at zero in periodic mode */
        uint32_t cur = apic_timer_count_in_mode(s, old_mode);
        if (cur == 0) {
            s->count_stopped = true;
            timer_del(s->timer);
            return;
        }
        s->count_start_ns = clock_ns() -
                            ((int64_t)(s->initial_count - cur) << s->div_shift);
        apic_timer_arm(s);
    }
}

void apic_set_tsc_deadline(ApicState *s, uint64_t deadline_ns)
{
    if (!s || apic_timer_mode(s) != APIC_TIMER_TSC_DEADLINE) {
        return;
    }
    if (deadline_ns && (int64_t)deadline_ns <= clock_ns() && deadline_ns <= (uint64_t)INT64_MAX) {
        /* a deadline already past fires before the next instruction, as
         * on hardware (kvm-unit-tests apic writes the current TSC and
         * looks for the interrupt one NOP later) */
        s->tsc_deadline = 0;
        timer_del(s->timer);
        apic_local_deliver(s, APIC_LVT_TIMER);
        return;
    }
    s->tsc_deadline = deadline_ns;
    apic_timer_arm(s);
}

uint64_t apic_get_tsc_deadline(ApicState *s)
{
    if (!s || apic_timer_mode(s) != APIC_TIMER_TSC_DEADLINE) {
        return 0;
    }
    return s->tsc_deadline;
}

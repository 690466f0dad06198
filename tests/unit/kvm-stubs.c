/*
 * tests/unit/kvm-stubs.c - weak stand-ins for the generic services the KVM
 * accelerator calls (CPU model flags/mode, logging, BQL, machine run
 * state), so test-kvm links before (or without) the real ones.  When the
 * real definitions are linked in they win; the tests only rely on what both
 * versions do.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "hw/machine.h"
#include "system/sysemu.h"
#include "target/i386/cpu.h"

__attribute__((weak)) unsigned log_mask;

__attribute__((weak)) void log_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

__attribute__((weak)) void error_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("emu86: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static pthread_mutex_t kvmstub_bql = PTHREAD_MUTEX_INITIALIZER;
static __thread bool kvmstub_bql_held;

__attribute__((weak)) void bql_lock(void)
{
    pthread_mutex_lock(&kvmstub_bql);
    kvmstub_bql_held = true;
}

__attribute__((weak)) void bql_unlock(void)
{
    kvmstub_bql_held = false;
    pthread_mutex_unlock(&kvmstub_bql);
}

__attribute__((weak)) bool bql_locked(void)
{
    return kvmstub_bql_held;
}

/* Flags: everything lives materialized (CC_OP_EFLAGS, bits in cc_src). */
__attribute__((weak)) uint64_t cpu_get_eflags(CPUX86State *env)
{
    return (env->eflags & ~(uint64_t)CC_MASK) | (env->cc_src & CC_MASK) | EFLAGS_FIXED1;
}

__attribute__((weak)) void cpu_set_eflags(CPUX86State *env, uint64_t value, uint64_t mask)
{
    uint64_t cur = cpu_get_eflags(env);
    uint64_t v = (cur & ~mask) | (value & mask);
    env->cc_src = v & CC_MASK;
    env->cc_op = CC_OP_EFLAGS;
    env->eflags = (v & ~(uint64_t)CC_MASK) | EFLAGS_FIXED1;
}

__attribute__((weak)) void cpu_update_mode(CPUX86State *env)
{
    const SegmentCache *cs = &env->segs[R_CS];
    env->long_mode = (env->efer & EFER_LMA) != 0;
    env->cpl = (env->cr[0] & CR0_PE) ? cs->selector & 3 : 0;
    if (env->long_mode && (cs->flags & DESC_L_MASK)) {
        env->code_bits = 64;
    } else {
        env->code_bits = (cs->flags & DESC_B_MASK) ? 32 : 16;
    }
    env->stack_bits = env->long_mode ? 64 :
                      (env->segs[R_SS].flags & DESC_B_MASK) ? 32 : 16;
}

__attribute__((weak)) void machine_request_shutdown(Machine *m, int status)
{
    m->exit_status = status;
    m->shutdown_requested = 1;
}

__attribute__((weak)) void machine_request_reset(Machine *m, const char *why)
{
    (void)why;
    if (m->no_reboot) {
        machine_request_shutdown(m, 0);
        return;
    }
    m->reset_requested = 1;
}

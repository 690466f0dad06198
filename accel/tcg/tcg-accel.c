/*
 * accel/tcg/tcg-accel.c - the software accelerator: the vCPU run loop
 * around the block cache and an execution backend.
 *
 * Between blocks the loop checks for requests (exit, reset, shutdown),
 * delivers a pending external interrupt, and notices HLT.  Exceptions
 * raised anywhere inside an instruction longjmp back to the setjmp here and
 * are delivered through the IDT/IVT by target/i386/excp.c; a fault during
 * that delivery comes back to the same point, which is how #DF and the
 * triple fault arise.
 *
 * SMP: system/cpus.c runs every TCG vCPU on one host thread in turn
 * (docs/smp.md).  With more than one CPU, vcpu_run returns
 * VCPU_EXIT_REQUEST after TCG_SLICE_BLOCKS blocks so the next vCPU gets
 * its turn; INIT/SIPI requests also make it return, since the generic
 * loop owns that state machine.
 */
#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "accel/accel.h"
#include "accel/tcg/tcg-internal.h"
#include "hw/machine.h"
#include "system/sysemu.h"
#include "target/i386/cpu.h"

static TBCache *tcg_cache;

/* Blocks one vCPU runs before the round-robin moves on (with -smp > 1).
 * A block is a few to a few dozen instructions, so a slice is roughly
 * 0.1-1 ms of guest time: short enough that a CPU spinning on a lock
 * held by another does not stall it for long, long enough that the
 * switch (a return to the generic loop) costs nothing measurable. */
#define TCG_SLICE_BLOCKS 2048

/* spin-wait detection compares the start of CPUX86State, regs to cc_op */
_Static_assert(offsetof(CPUX86State, regs) == 0, "CPUX86State must start with regs");

static bool tcg_available(char *why, size_t len)
{
    return true;
}

static bool tcg_preferred(void)
{
    return false;
}

static int tcg_init(Machine *m, char *err, size_t len)
{
    tcg_cache = tb_cache_new(&m->mem);
    return 0;
}

static int tcg_vcpu_init(X86CPU *cpu, char *err, size_t len)
{
    TcgVcpu *t = calloc(1, sizeof(*t));
    t->cache = tcg_cache;
    t->backend = &tcg_backend_interp;
    t->gen_ptr = tb_cache_generation_ptr(t->cache);
    t->collected_gen = *t->gen_ptr;
    cpu->tcg_state = t;
    return 0;
}

static void log_exec(CPUX86State *env, TranslationBlock *tb)
{
    if (log_enabled(LOG_CPU)) {
        cpu_dump_state(env, log_file());
    }
    if (log_enabled(LOG_EXEC)) {
        log_printf("Trace %d: %p [%08llx/%016llx/%08x]\n", env->cpu->index, (void *)tb,
                   (unsigned long long)tb->phys_pc, (unsigned long long)tb->pc, tb->flags);
    }
}

/* Find the block at CS:RIP, preferably through the links of the block
 * that just ran.  A link is only followed within the virtual page of that
 * block: the lookup that first entered the page checked its translation,
 * and nothing that may change translations (CR3/CR0/CR4 writes, INVLPG,
 * far transfers, interrupts) lets a block be chainable.  Links go stale on
 * any invalidation (the block they point to may be freed), so they are
 * trusted only while the cache generation is unchanged. */
static TranslationBlock *tcg_next_block(CPUX86State *env, TcgVcpu *t,
                                        TranslationBlock *last, uint64_t last_gen)
{
    uint64_t gen = *t->gen_ptr;
    /* generation first: after an invalidation `last` may have been freed */
    if (!last || gen != last_gen || !last->chainable) {
        return tcg_find_block(env, t);
    }
    uint64_t pc = tcg_current_pc(env);
    if ((pc ^ last->pc) & ~0xfffull) {
        return tcg_find_block(env, t);
    }
    if (last->links_gen == gen) {
        for (int i = 0; i < 2; i++) {
            TranslationBlock *n = last->links[i];
            if (n && n->pc == pc && n->flags == tb_mode_flags(env)) {
                t->blocks_chained++;
                return n;
            }
        }
    } else {
        last->links[0] = last->links[1] = NULL;
        last->links_gen = gen;
    }
    TranslationBlock *tb = tcg_find_block(env, t);
    if (*t->gen_ptr == gen) {
        /* keep the two most recent successors */
        last->links[1] = last->links[0];
        last->links[0] = tb;
    }
    return tb;
}

static VcpuExit tcg_vcpu_run(X86CPU *cpu)
{
    CPUX86State *env = &cpu->env;
    TcgVcpu *t = cpu->tcg_state;
    Machine *m = cpu->machine;
    /* volatile: must survive the longjmp of an exception, or a guest
     * faulting in a loop would never give up its turn */
    volatile unsigned long budget = m && m->nr_cpus > 1 ? TCG_SLICE_BLOCKS : 0;

    if (setjmp(env->jmp_env) != 0) {
        /* An exception was raised (env->rip = the faulting instruction for
         * faults); deliver it.  A fault while delivering longjmps here
         * again and excp.c escalates it to #DF or a triple fault. */
        cpu_do_interrupt(env, env->exception_index, false, env->has_error_code,
                         env->error_code, env->rip);
    }
    /* The block that just ran, for chaining (NULL after anything that
     * leaves the straight path: an exception, an interrupt, a request). */
    TranslationBlock *last_tb = NULL;
    uint64_t last_gen = 0;
    /* Spin-wait detection (SMP only): the registers, RIP and flags at the
     * start of a block that runs again right after itself.  An iteration
     * that leaves all of them unchanged waits for memory that only another
     * vCPU (or a device) can change: `while (flag == old);` compiles to
     * such a loop without a PAUSE.  A counting or summing loop changes a
     * register and is never cut short. */
    enum { SPIN_STATE_BYTES = offsetof(CPUX86State, cc_op) + sizeof(uint32_t) };
    unsigned char spin_state[SPIN_STATE_BYTES];
    bool spin_armed = false;

    for (;;) {
        if (env->triple_fault) {
            env->triple_fault = false;
            machine_request_reset(m, "triple fault");
            return VCPU_EXIT_REQUEST;
        }
        int req = __atomic_load_n(&cpu->interrupt_request, __ATOMIC_ACQUIRE);
        if (req & CPU_INTERRUPT_EXIT) {
            __atomic_fetch_and(&cpu->interrupt_request, ~CPU_INTERRUPT_EXIT, __ATOMIC_ACQ_REL);
            return VCPU_EXIT_REQUEST;
        }
        if (req & (CPU_INTERRUPT_INIT | CPU_INTERRUPT_SIPI)) {
            /* system/cpus.c resets or ignores: SDM Vol.3 9.1, 10.6.1 */
            return VCPU_EXIT_REQUEST;
        }
        if (__atomic_load_n(&m->shutdown_requested, __ATOMIC_ACQUIRE) ||
            __atomic_load_n(&m->reset_requested, __ATOMIC_ACQUIRE)) {
            return VCPU_EXIT_REQUEST;
        }
        /* An external interrupt can only be taken with IF=1 outside an
         * interrupt shadow: test that here, not in a call per block (a
         * guest running with IF=0 and the PIC's line up is common). */
        if ((req & CPU_INTERRUPT_NMI) ||
            ((req & CPU_INTERRUPT_HARD) && (env->eflags & IF_MASK) && !env->inhibit_irq)) {
            if (cpu_check_hard_interrupt(cpu)) {
                last_tb = NULL;
            }
        }
        if (env->halted) {
            return VCPU_EXIT_HALT;
        }
        if (budget && --budget == 0) {
            /* end of this vCPU's slice: the round-robin goes on */
            return VCPU_EXIT_REQUEST;
        }
        if (*t->gen_ptr != t->collected_gen) {
            /* no block is running now: free the ones dropped by writes */
            tb_cache_collect(t->cache);
            t->collected_gen = *t->gen_ptr;
        }
        TranslationBlock *tb = tcg_next_block(env, t, last_tb, last_gen);
        if (budget) {
            if (tb != last_tb) {
                spin_armed = false;
            } else if (spin_armed && !memcmp(spin_state, env, SPIN_STATE_BYTES)) {
                return VCPU_EXIT_REQUEST;   /* spinning: let the others run */
            } else {
                memcpy(spin_state, env, SPIN_STATE_BYTES);
                spin_armed = true;
            }
        }
        if (log_enabled(LOG_CPU | LOG_EXEC)) {
            log_exec(env, tb);
        }
        t->blocks_executed++;
        last_gen = *t->gen_ptr;
        last_tb = tb;
        t->backend->exec(env, tb, t);
    }
}

static void tcg_kick(X86CPU *cpu)
{
    /* interrupt_request is polled between blocks, and blocks are short
     * (REP string instructions yield every few thousand iterations), so
     * there is nothing to interrupt. */
}

static void tcg_state_noop(X86CPU *cpu)
{
    /* TCG executes on cpu->env directly: nothing to synchronise. */
}

static void tcg_vcpu_destroy(X86CPU *cpu)
{
    free(cpu->tcg_state);
    cpu->tcg_state = NULL;
}

static void tcg_destroy(Machine *m)
{
    tb_cache_free(tcg_cache);
    tcg_cache = NULL;
}

const AccelOps accel_tcg_ops = {
    .name = "tcg",
    .available = tcg_available,
    .preferred = tcg_preferred,
    .init = tcg_init,
    .vcpu_init = tcg_vcpu_init,
    .vcpu_run = tcg_vcpu_run,
    .kick = tcg_kick,
    .get_state = tcg_state_noop,
    .put_state = tcg_state_noop,
    .vcpu_destroy = tcg_vcpu_destroy,
    .destroy = tcg_destroy,
};

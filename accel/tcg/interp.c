/*
 * accel/tcg/interp.c - the interpreter backend: run a block's decoded
 * instructions through the semantic handlers of target/i386.
 *
 * The per-instruction work is the execution contract of
 * target/i386/ops.h: next_rip = rip + len, call the handler, commit
 * next_rip.  The block stops early when the CPU halted, when a REP string
 * instruction yielded (next_rip == rip), when the instruction overwrote
 * code of the cache (its own block may be gone), or when the single-step
 * trap flag asks for #DB.
 */
#include "accel/tcg/tcg-internal.h"
#include "target/i386/ops.h"

/* EIP wraps within the code segment's size (SDM Vol.1 3.5) */
static inline uint64_t ip_mask(const CPUX86State *env)
{
    return env->code_bits == 64 ? ~0ull : env->code_bits == 32 ? 0xffffffffull : 0xffffull;
}

/* Run one instruction in full generality; true if the block must stop
 * after it.  interp_exec() runs the common instructions (Insn.xflags == 0)
 * itself. */
static inline bool interp_one(CPUX86State *env, const Insn *insn, uint64_t mask)
{
    if ((insn->xflags & IX_PRIV) && env->cpl != 0) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    env->next_rip = (env->rip + insn->len) & mask;
    insn_exec_handlers[insn->xop](env, insn);
    /* a REP string instruction that yields leaves next_rip == rip */
    bool yielded = (insn->xflags & IX_STOP) && env->next_rip == env->rip &&
                   (insn_op_flags[insn->op] & IF_STRING);
    env->rip = env->next_rip;
    return yielded || ((insn->xflags & IX_STOP) && env->halted);
}

/* The first instruction of a block under the trap flag or in an interrupt
 * shadow.  Only the last instruction of a block can set either (POPF, STI,
 * MOV SS, IRET all end blocks), so checking at block entry is enough. */
static void interp_exec_special(CPUX86State *env, TranslationBlock *tb, TcgVcpu *t)
{
    bool single_step = (env->eflags & TF_MASK) != 0;
    interp_one(env, &tb->insns[0], ip_mask(env));
    t->insns_executed++;
    /* the one instruction after STI / MOV SS ran: interrupts may be taken
     * again (SDM Vol.3 6.8.3) */
    env->inhibit_irq = false;
    if (single_step) {
        /* trap after the instruction: DR6.BS, then #DB (SDM Vol.3 17.3.1.4) */
        env->dr[6] |= 1u << 14;
        env->exception_index = EXCP_DB;
        cpu_do_interrupt(env, EXCP_DB, false, false, 0, env->rip);
    }
}

static void interp_exec(CPUX86State *env, TranslationBlock *tb, TcgVcpu *t)
{
    if (env->inhibit_irq || (env->eflags & TF_MASK)) {
        interp_exec_special(env, tb, t);
        return;
    }
    const uint64_t mask = ip_mask(env);
    const volatile uint64_t *gen_ptr = t->gen_ptr;
    const uint64_t gen = *gen_ptr;
    const Insn *insn = tb->insns, *end = insn + tb->nr_insns;
    /* RIP lives in a register between instructions: reloading it from env
     * after each handler would chain a store-to-load forwarding delay
     * into every instruction. */
    uint64_t rip = env->rip;

    while (insn < end) {
        if (__builtin_expect(insn->xflags == 0, 1)) {
            /* Not privileged, cannot yield or halt, and (no IX_JUMP) its
             * handler leaves next_rip alone: the next RIP is known. */
            uint64_t next = (rip + insn->len) & mask;
            env->next_rip = next;
            insn_exec_handlers[insn->xop](env, insn);
            env->rip = rip = next;
            insn++;
        } else {
            bool stop = interp_one(env, insn, mask);
            rip = env->rip;
            insn++;
            if (stop) {
                break;
            }
        }
        /* a store may have dropped this very block (self-modifying code):
         * its Insn array must not be used any further */
        if (*gen_ptr != gen) {
            break;
        }
    }
    t->insns_executed += (uint64_t)(insn - tb->insns);
}

/* Pick each instruction's handler once (target/i386/ops_fast.c). */
static void interp_prepare(TranslationBlock *tb)
{
    for (unsigned i = 0; i < tb->nr_insns; i++) {
        insn_exec_prepare(&tb->insns[i]);
    }
}

const TcgBackend tcg_backend_interp = {
    .name = "interp",
    .prepare = interp_prepare,
    .exec = interp_exec,
};

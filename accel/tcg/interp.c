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

static void interp_exec(CPUX86State *env, TranslationBlock *tb, TcgVcpu *t)
{
    TBCache *cache = t->cache;
    const uint64_t mask = ip_mask(env);
    const uint64_t gen = tb_cache_generation(cache);

    for (unsigned i = 0; i < tb->nr_insns; i++) {
        const Insn *insn = &tb->insns[i];
        bool shadow = env->inhibit_irq;
        bool single_step = (env->eflags & TF_MASK) != 0;

        if ((insn_op_flags[insn->op] & IF_PRIV) && env->cpl != 0) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
        env->next_rip = (env->rip + insn->len) & mask;
        insn_handlers[insn->op](env, insn);
        bool yielded = env->next_rip == env->rip && (insn_op_flags[insn->op] & IF_STRING);
        env->rip = env->next_rip;
        t->insns_executed++;
        if (shadow) {
            /* the one instruction after STI / MOV SS ran: interrupts may
             * be taken again (SDM Vol.3 6.8.3) */
            env->inhibit_irq = false;
        }
        if (single_step) {
            /* trap after the instruction: DR6.BS, then #DB (SDM Vol.3 17.3.1.4) */
            env->dr[6] |= 1u << 14;
            env->exception_index = EXCP_DB;
            cpu_do_interrupt(env, EXCP_DB, false, false, 0, env->rip);
            return;
        }
        if (yielded || env->halted || tb_cache_generation(cache) != gen) {
            return;
        }
    }
}

const TcgBackend tcg_backend_interp = {
    .name = "interp",
    .exec = interp_exec,
};

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
    /* An instruction breakpoint is a fault before the instruction, unless
     * RF says the handler already saw it (SDM Vol.3 17.3.1.1).  DR6 bits
     * 0-3 report exactly the breakpoints that matched; the other bits are
     * only ever set (17.2.3). */
    if (env->dr_insn_bp && !(env->eflags & RF_MASK)) {
        unsigned hits = cpu_insn_breakpoint_hits(env, env->segs[R_CS].base + env->rip);
        if (hits) {
            env->dr[6] = (env->dr[6] & ~0xfull) | hits;
            cpu_raise_exception(env, EXCP_DB);
        }
    }
    /* RF covers this one instruction */
    env->eflags &= ~(uint64_t)RF_MASK;
    /* A single-step or data-breakpoint trap held back by a MOV SS / POP SS
     * shadow comes after this instruction; a #DB raised inside it (ICEBP,
     * general detect) replaces it (SDM Vol.3 6.8.3; kvm-unit-tests debug). */
    bool single_step = (env->eflags & TF_MASK) || env->pending_step;
    unsigned hits = env->pending_hits;
    env->pending_step = false;
    env->pending_hits = 0;
    env->db_hits = 0;
    /* the shadow of the previous STI / MOV SS covers this instruction
     * only; the one running now may start a new one */
    env->inhibit_irq = false;
    env->movss_shadow = false;
    env->event_delivered = false;
    interp_one(env, &tb->insns[0], ip_mask(env));
    t->insns_executed++;
    hits |= env->db_hits;
    env->db_hits = 0;
    if ((single_step || hits) && env->movss_shadow) {
        env->pending_step = single_step;
        env->pending_hits = (uint8_t)hits;
        return;
    }
    if (env->event_delivered) {
        /* INT n / INT3 / INTO / ICEBP: the handler starts with TF=0 and
         * there is no single-step trap for the instruction itself.  ICEBP's
         * #DB is the trap: data-breakpoint hits only show in its DR6 (the
         * handler has not run an instruction yet).  After the others a
         * data-breakpoint #DB comes on top, before their handler runs. */
        single_step = false;
        if (tb->insns[0].op == OP_INT1) {
            if (hits) {
                env->dr[6] = (env->dr[6] & ~0xfull) | hits;
            }
            return;
        }
    }
    if (single_step || hits) {
        /* a trap after the instruction (SDM Vol.3 17.3.1.4, 17.3.1.2) */
        env->dr[6] = (env->dr[6] & ~0xfull) | hits | (single_step ? DR6_BS : 0);
        env->exception_index = EXCP_DB;
        cpu_do_interrupt(env, EXCP_DB, false, false, 0, env->rip);
    }
}

static void interp_exec(CPUX86State *env, TranslationBlock *tb, TcgVcpu *t)
{
    if (env->inhibit_irq || (env->eflags & (TF_MASK | RF_MASK)) ||
        (env->dr_insn_bp | env->dr_data_bp)) {
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

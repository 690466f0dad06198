/*
 * target/i386/ops_branch.c - near control flow: JMP, Jcc, CALL, RET,
 * LOOP/LOOPE/LOOPNE, JCXZ/JECXZ/JRCXZ.
 *
 * Design: relative forms carry the displacement in Insn.imm (ops[0] is
 * OPK_IMM); the target is next_rip + disp truncated to the operand size
 * (16-bit IP wraps at 64K).  Outside 64-bit mode a target beyond the CS
 * limit raises #GP(0); in 64-bit mode a non-canonical target does (SDM
 * JMP/CALL/RET operation sections).  All checks happen before any state
 * (stack, counter) changes.
 */
#include "target/i386/ops_internal.h"

/* branch_target() is inline in ops_internal.h. */

static uint64_t near_dest(CPUX86State *env, const Insn *insn)
{
    if (insn->nr_ops == 0 || insn->ops[0].kind == OPK_IMM) {
        return env->next_rip + (uint64_t)insn->imm;
    }
    return op_get(env, insn, 0);
}

void op_JMP(CPUX86State *env, const Insn *insn)
{
    env->next_rip = branch_target(env, insn, near_dest(env, insn));
}

void op_JCC(CPUX86State *env, const Insn *insn)
{
    if (cc_cond(env, insn->cond)) {
        env->next_rip = branch_target(env, insn, env->next_rip + (uint64_t)insn->imm);
    }
}

void op_CALL(CPUX86State *env, const Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t dest = near_dest(env, insn);

    /* In 64-bit mode the return-address push is checked (#SS, #PF) before
     * the target's canonical form (#GP(0)): the host faults on the push
     * first.  Outside 64-bit mode the SDM CALL operation tests the CS
     * limit before the stack. */
    if (env->code_bits == 64) {
        unsigned ssize = env->stack_bits / 8;
        uint64_t sp = (env->regs[R_ESP] - size) & size_mask(ssize);
        mem_probe_write(env, seg_linear(env, R_SS, sp, size, ACC_WRITE), size);
    }
    uint64_t t = branch_target(env, insn, dest);
    cpu_push(env, env->next_rip & size_mask(size), size);
    env->next_rip = t;
}

/* RET [imm16]: pop the target, check it, then release imm16 more bytes. */
void op_RET(CPUX86State *env, const Insn *insn)
{
    unsigned size = insn->opsize;
    unsigned ss = env->stack_bits / 8;
    uint64_t sp = env->regs[R_ESP];
    uint64_t t = branch_target(env, insn, stack_read(env, sp, size));

    reg_write(env, R_ESP, ss, sp + size + ((uint64_t)insn->imm & 0xffff));
    env->next_rip = t;
}

/* LOOPcc: the counter is rCX/ECX/CX by address size. */
static void loop_common(CPUX86State *env, const Insn *insn, int kind)
{
    unsigned as = insn->addrsize;
    uint64_t cnt = (env->regs[R_ECX] - 1) & size_mask(as);
    bool take = cnt != 0;

    if (kind == 1) {
        take = take && (cpu_cc_compute_all(env) & CC_Z);
    } else if (kind == 2) {
        take = take && !(cpu_cc_compute_all(env) & CC_Z);
    }
    uint64_t t = take ? branch_target(env, insn, env->next_rip + (uint64_t)insn->imm) : 0;
    reg_write(env, R_ECX, as, cnt);
    if (take) {
        env->next_rip = t;
    }
}

void op_LOOP(CPUX86State *env, const Insn *insn)
{
    loop_common(env, insn, 0);
}

void op_LOOPE(CPUX86State *env, const Insn *insn)
{
    loop_common(env, insn, 1);
}

void op_LOOPNE(CPUX86State *env, const Insn *insn)
{
    loop_common(env, insn, 2);
}

void op_JCXZ(CPUX86State *env, const Insn *insn)
{
    if ((env->regs[R_ECX] & size_mask(insn->addrsize)) == 0) {
        env->next_rip = branch_target(env, insn, env->next_rip + (uint64_t)insn->imm);
    }
}

/*
 * target/i386/ops_internal.h - helpers shared by the user-level handlers
 * (target/i386/ops_*.c).  Not a contract: private to those files.
 */
#ifndef TARGET_I386_OPS_INTERNAL_H
#define TARGET_I386_OPS_INTERNAL_H

#include "target/i386/ops.h"

/* Inline fast paths of insn_get_op()/insn_set_op() for the common
 * register and immediate operands: the interpreter spends much of its
 * time here, and the out-of-line switch mispredicts badly. */
static inline uint64_t op_get(CPUX86State *env, const Insn *insn, int n)
{
    const InsnOperand *o = &insn->ops[n];
    if (__builtin_expect(o->kind == OPK_REG, 1)) {
        uint64_t v = env->regs[o->reg & 15];
        switch (o->size) {
        case 8: return v;
        case 4: return (uint32_t)v;
        case 2: return (uint16_t)v;
        case 1: return (uint8_t)v;
        default: break;
        }
    } else if (o->kind == OPK_IMM && o->size) {
        return (uint64_t)insn->imm & size_mask(o->size);
    }
    return insn_get_op(env, insn, n);
}

/* operand.c: check that [la, la+size) may be written (both pages when it
 * crosses one), raising the write #PF now. */
void mem_probe_write(CPUX86State *env, uint64_t la, unsigned size);
/* operand.c: read operand n as the destination of a read-modify-write
 * instruction: a memory operand is checked for writing first. */
uint64_t insn_get_op_rmw(CPUX86State *env, const Insn *insn, int n);

/* op_get() for the destination of a read-modify-write instruction. */
static inline uint64_t op_get_rmw(CPUX86State *env, const Insn *insn, int n)
{
    if (__builtin_expect(insn->ops[n].kind != OPK_MEM, 1)) {
        return op_get(env, insn, n);
    }
    return insn_get_op_rmw(env, insn, n);
}

static inline void op_set(CPUX86State *env, const Insn *insn, int n, uint64_t v)
{
    const InsnOperand *o = &insn->ops[n];
    if (__builtin_expect(o->kind == OPK_REG, 1)) {
        if (o->size == 4) {
            env->regs[o->reg & 15] = (uint32_t)v;
            return;
        }
        if (o->size == 8) {
            env->regs[o->reg & 15] = v;
            return;
        }
    }
    insn_set_op(env, insn, n, v);
}

/* Replace some arithmetic flags and keep the others: materializes the
 * lazy state (CC_OP_EFLAGS). */
static inline void cc_update(CPUX86State *env, uint32_t clear, uint32_t set)
{
    uint32_t f = cpu_cc_compute_all(env);
    env->cc_src = (f & ~clear) | set;
    env->cc_op = CC_OP_EFLAGS;
}

static inline void cc_set_all(CPUX86State *env, uint32_t f)
{
    env->cc_src = f & CC_MASK;
    env->cc_op = CC_OP_EFLAGS;
}

/* Size in bytes of the instruction's main operand. */
static inline unsigned op_size(const Insn *insn, int n)
{
    return insn->ops[n].size ? insn->ops[n].size : insn->opsize;
}

static inline bool prot_mode(const CPUX86State *env)
{
    return env->cr[0] & CR0_PE;
}

static inline bool v86_mode(const CPUX86State *env)
{
    return (env->eflags & VM_MASK) && prot_mode(env) && !env->long_mode;
}

static inline unsigned cur_iopl(const CPUX86State *env)
{
    return (env->eflags & IOPL_MASK) >> IOPL_SHIFT;
}

static inline bool is_canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* Source segment of a string op / XLAT: DS unless overridden. */
static inline int insn_src_seg(const Insn *insn)
{
    return insn->seg != SEG_NONE ? insn->seg : R_DS;
}

/* ops_branch.c: truncate a near branch target to the operand size and
 * check it (CS limit outside 64-bit mode, canonical form in 64-bit mode:
 * #GP(0), SDM JMP/CALL/RET operation sections). */
uint64_t branch_target(CPUX86State *env, const Insn *insn, uint64_t target);

/* ops_io.c: the I/O permission check of SDM Vol.1 19.5 (#GP(0)). */
void io_check(CPUX86State *env, uint16_t port, unsigned size);

/* ops_stack.c: stack accesses at an explicit stack offset, without
 * changing RSP (for multi-push instructions that commit RSP at the end). */
void stack_write(CPUX86State *env, uint64_t sp, uint64_t value, unsigned size);
uint64_t stack_read(CPUX86State *env, uint64_t sp, unsigned size);

/* Memory access by size on a linear address. */
static inline uint64_t ld_size(CPUX86State *env, uint64_t la, unsigned size)
{
    switch (size) {
    case 1: return cpu_ldub(env, la);
    case 2: return cpu_lduw(env, la);
    case 4: return cpu_ldl(env, la);
    default: return cpu_ldq(env, la);
    }
}

static inline void st_size(CPUX86State *env, uint64_t la, unsigned size, uint64_t v)
{
    switch (size) {
    case 1: cpu_stb(env, la, (uint8_t)v); break;
    case 2: cpu_stw(env, la, (uint16_t)v); break;
    case 4: cpu_stl(env, la, (uint32_t)v); break;
    default: cpu_stq(env, la, v); break;
    }
}

#endif

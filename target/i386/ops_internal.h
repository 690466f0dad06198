/*
 * target/i386/ops_internal.h - helpers shared by the user-level handlers
 * (target/i386/ops_*.c).  Not a contract: private to those files.
 */
#ifndef TARGET_I386_OPS_INTERNAL_H
#define TARGET_I386_OPS_INTERNAL_H

#include "target/i386/ops.h"
#include "target/i386/seg.h"

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

/* insn_ea() (operand.c), inline for the hot callers (LEA). */
static inline uint64_t insn_ea_inline(const CPUX86State *env, const Insn *insn)
{
    const InsnMem *m = &insn->mem;
    uint64_t ea = (uint64_t)m->disp;

    if (m->rip_rel) {
        /* SDM Vol.2 2.2.1.6: relative to the next instruction. */
        ea += env->rip + insn->len;
    }
    if (m->base != REG_NONE) {
        ea += env->regs[m->base & 15];
    }
    if (m->index != REG_NONE) {
        ea += env->regs[m->index & 15] * (m->scale ? m->scale : 1);
    }
    /* The sum wraps at the address size (16-bit: 64K wraparound). */
    return ea & size_mask(insn->addrsize);
}

/* seg_linear() in 64-bit mode, inline: the offset (plus the FS/GS base),
 * false when not in 64-bit mode or when the first or last byte is not
 * canonical (the caller then takes the generic path, which faults). */
static inline bool mem64_la(const CPUX86State *env, const Insn *insn, unsigned size,
                            uint64_t *la)
{
    if (!cpu_in_64bit(env)) {
        return false;
    }
    uint64_t a = insn_ea_inline(env, insn);
    if (insn->seg == R_FS || insn->seg == R_GS) {
        a += env->segs[insn->seg].base;
    }
    *la = a;
    return la_is_canonical(a) && la_is_canonical(a + size - 1);
}

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
    } else if (o->kind == OPK_MEM && o->size) {
        uint64_t la;
        if (mem64_la(env, insn, o->size, &la)) {
            return ld_size(env, la, o->size);
        }
    }
    return insn_get_op(env, insn, n);
}

/* reg_read()/reg_write() of operand.c, inline for hot loops (string
 * instructions).  SDM Vol.1 3.4.1.1: 32-bit results are zero-extended to
 * 64 bits; 8- and 16-bit results leave the upper bits alone. */
static inline uint64_t reg_read_inline(const CPUX86State *env, int reg, unsigned size)
{
    return env->regs[reg & 15] & size_mask(size);
}

static inline void reg_write_inline(CPUX86State *env, int reg, unsigned size, uint64_t value)
{
    uint64_t *r = &env->regs[reg & 15];
    switch (size) {
    case 1:
        *r = (*r & ~0xffull) | (value & 0xff);
        break;
    case 2:
        *r = (*r & ~0xffffull) | (value & 0xffff);
        break;
    case 4:
        *r = (uint32_t)value;
        break;
    default:
        *r = value;
        break;
    }
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
    } else if (o->kind == OPK_MEM && o->size) {
        uint64_t la;
        if (mem64_la(env, insn, o->size, &la)) {
            st_size(env, la, o->size, v);
            return;
        }
    }
    insn_set_op(env, insn, n, v);
}

/* ---- lazy flags: the formulas live in flags.c; these inline forms
 * answer the cheap cases without a call and defer to it otherwise ---- */

/* PF: set if the low byte of the result has an even number of 1 bits. */
static inline uint32_t cc_parity(uint64_t v)
{
    return __builtin_parity((unsigned)(v & 0xff)) ? 0 : CC_P;
}

/* SF, ZF and PF of a result of `bits` bits. */
static inline uint32_t cc_szp(uint64_t dst, int bits)
{
    uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
    uint32_t f = cc_parity(dst);
    dst &= mask;
    if (dst == 0) {
        f |= CC_Z;
    }
    if ((dst >> (bits - 1)) & 1) {
        f |= CC_S;
    }
    return f;
}

static inline bool cc_op_is(uint32_t op, uint32_t base)
{
    return op - base < 4;   /* base = the B member of a CC_OP_SIZED group */
}

/* cpu_cc_compute_all() */
static inline uint32_t cc_all(const CPUX86State *env)
{
    uint32_t op = env->cc_op;
    if (op == CC_OP_EFLAGS) {
        return (uint32_t)env->cc_src & CC_MASK;
    }
    if (cc_op_is(op, CC_OP_LOGICB)) {   /* CF = OF = AF = 0 */
        return cc_szp(env->cc_dst, 8 << (op - CC_OP_LOGICB));
    }
    return cpu_cc_compute_all(env);
}

/* After SUB/CMP (dst = src1 - src): the operands, masked to the size */
static inline uint64_t cc_sub_mask(uint32_t op)
{
    unsigned bits = 8u << (op - CC_OP_SUBB);
    return bits == 64 ? ~0ull : (1ull << bits) - 1;
}

/* cpu_cc_compute_c() */
static inline bool cc_c(const CPUX86State *env)
{
    uint32_t op = env->cc_op;
    if (op == CC_OP_EFLAGS || cc_op_is(op, CC_OP_INCB) || cc_op_is(op, CC_OP_DECB)) {
        return env->cc_src & CC_C;
    }
    if (cc_op_is(op, CC_OP_LOGICB)) {
        return false;
    }
    if (op >= CC_OP_NB) {
        return cpu_cc_compute_c(env);
    }
    unsigned bits = 8u << ((op - 1) & 3);
    uint64_t m = bits == 64 ? ~0ull : (1ull << bits) - 1, src = env->cc_src & m;
    if (cc_op_is(op, CC_OP_SUBB)) {     /* borrow: src1 < src */
        return ((env->cc_dst + src) & m) < src;
    }
    if (cc_op_is(op, CC_OP_ADDB)) {     /* carry: the sum wrapped below src */
        return (env->cc_dst & m) < src;
    }
    if (cc_op_is(op, CC_OP_SHLB)) {     /* last bit shifted out */
        return (src >> (bits - 1)) & 1;
    }
    if (cc_op_is(op, CC_OP_SARB)) {
        return src & 1;
    }
    if (cc_op_is(op, CC_OP_MULB)) {
        return src != 0;
    }
    return cpu_cc_compute_c(env);
}

/* cpu_cond(): ZF and SF of every lazy CCOp come from cc_dst. */
static inline bool cc_cond(const CPUX86State *env, int cond)
{
    static const uint64_t masks[4] = { 0xff, 0xffff, 0xffffffffu, ~0ull };
    uint32_t op = env->cc_op;
    bool r;

    if (op == CC_OP_EFLAGS || op >= CC_OP_NB) {
        return cpu_cond(env, cond);
    }
    if (cc_op_is(op, CC_OP_SUBB)) {
        /* CMP src1, src: the conditions are comparisons of the operands
         * (SDM Vol.1 Table B-1), unsigned for B/BE, signed for L/LE. */
        uint64_t m = cc_sub_mask(op), src = env->cc_src & m;
        uint64_t src1 = (env->cc_dst + src) & m;
        unsigned sh = 64 - (8u << (op - CC_OP_SUBB));
        int64_t s1 = (int64_t)(src1 << sh), s2 = (int64_t)(src << sh);
        switch ((cond >> 1) & 7) {
        case 1: r = src1 < src; break;      /* B */
        case 2: r = src1 == src; break;     /* Z */
        case 3: r = src1 <= src; break;     /* BE */
        case 6: r = s1 < s2; break;         /* L */
        case 7: r = s1 <= s2; break;        /* LE */
        default: return cpu_cond(env, cond);
        }
        return (cond & 1) ? !r : r;
    }
    switch ((cond >> 1) & 7) {
    case 1: /* B / NB */
        r = cc_c(env);
        break;
    case 2: /* Z / NZ */
        r = (env->cc_dst & masks[(op - 1) & 3]) == 0;
        break;
    case 4: /* S / NS */
        r = (env->cc_dst >> ((8u << ((op - 1) & 3)) - 1)) & 1;
        break;
    default:
        return cpu_cond(env, cond);
    }
    return (cond & 1) ? !r : r;
}

/* Replace some arithmetic flags and keep the others: materializes the
 * lazy state (CC_OP_EFLAGS). */
static inline void cc_update(CPUX86State *env, uint32_t clear, uint32_t set)
{
    uint32_t f = cc_all(env);
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

/* Truncate a near branch target to the operand size and check it (CS
 * limit outside 64-bit mode, canonical form in 64-bit mode: #GP(0), SDM
 * JMP/CALL/RET operation sections).  Inline: every taken Jcc runs it. */
static inline uint64_t branch_target(CPUX86State *env, const Insn *insn, uint64_t target)
{
    target &= size_mask(insn->opsize);
    if (env->code_bits == 64) {
        if (!is_canonical(target)) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
    } else if (target > env->segs[R_CS].limit) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    return target;
}

/* ops_io.c: the I/O permission check of SDM Vol.1 19.5 (#GP(0)). */
void io_check(CPUX86State *env, uint16_t port, unsigned size);

/* ops_stack.c: stack accesses at an explicit stack offset, without
 * changing RSP (for multi-push instructions that commit RSP at the end). */
void stack_write(CPUX86State *env, uint64_t sp, uint64_t value, unsigned size);
uint64_t stack_read(CPUX86State *env, uint64_t sp, unsigned size);

#endif

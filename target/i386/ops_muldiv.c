/*
 * target/i386/ops_muldiv.c - MUL, IMUL (one, two and three operand forms),
 * DIV and IDIV.
 *
 * Design: products and dividends are formed in unsigned/signed __int128,
 * which covers the 64-bit forms without special cases.  MUL/IMUL record
 * CC_OP_MUL: cc_dst = low half (SF/ZF/PF, undefined in the SDM, are taken
 * from it), cc_src = "high half significant" (CF = OF).  DIV/IDIV leave
 * the flags unchanged (all undefined, SDM DIV "Flags Affected"); #DE is
 * raised before any register is written, for a zero divisor and for a
 * quotient that does not fit, including INT_MIN / -1.
 */
#include "target/i386/ops_internal.h"

/* The r/m source of the one-operand forms is the last explicit operand. */
static inline int rm_index(const Insn *insn)
{
    return insn->nr_ops ? insn->nr_ops - 1 : 0;
}

void op_MUL(CPUX86State *env, const Insn *insn)
{
    int n = rm_index(insn);
    unsigned size = op_size(insn, n);
    uint64_t b = op_get(env, insn, n);
    uint64_t a = reg_read(env, R_EAX, size);
    unsigned __int128 p = (unsigned __int128)a * b;
    uint64_t lo, hi;

    if (size == 1) {
        lo = (uint64_t)p & 0xff;
        hi = ((uint64_t)p >> 8) & 0xff;
        reg_write(env, R_EAX, 2, (uint64_t)p);
    } else {
        unsigned bits = size * 8;
        lo = (uint64_t)p & size_mask(size);
        hi = (uint64_t)(p >> bits) & size_mask(size);
        reg_write(env, R_EAX, size, lo);
        reg_write(env, R_EDX, size, hi);
    }
    set_cc(env, CC_OP_MULB, size, lo, hi != 0, 0);
}

void op_IMUL1(CPUX86State *env, const Insn *insn)
{
    int n = rm_index(insn);
    unsigned size = op_size(insn, n);
    __int128 p = (__int128)sext(op_get(env, insn, n), size) *
                 sext(reg_read(env, R_EAX, size), size);
    uint64_t lo = (uint64_t)p & size_mask(size);
    /* CF = OF = 1 when the product does not fit the low half. */
    bool ovf = p != (__int128)sext(lo, size);

    if (size == 1) {
        reg_write(env, R_EAX, 2, (uint64_t)p);
    } else {
        reg_write(env, R_EAX, size, lo);
        reg_write(env, R_EDX, size, (uint64_t)(p >> (size * 8)));
    }
    set_cc(env, CC_OP_MULB, size, lo, ovf, 0);
}

/* IMUL r, r/m (ops[0] *= ops[1]) and IMUL r, r/m, imm (ops[0] = ops[1] * ops[2]). */
void op_IMUL(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0);
    uint64_t a, b;

    if (insn->nr_ops >= 3) {
        a = op_get(env, insn, 1);
        b = op_get(env, insn, 2);
    } else {
        a = op_get(env, insn, 0);
        b = op_get(env, insn, 1);
    }
    __int128 p = (__int128)sext(a, size) * sext(b, size);
    uint64_t lo = (uint64_t)p & size_mask(size);
    bool ovf = p != (__int128)sext(lo, size);
    op_set(env, insn, 0, lo);
    set_cc(env, CC_OP_MULB, size, lo, ovf, 0);
}

void op_DIV(CPUX86State *env, const Insn *insn)
{
    int n = rm_index(insn);
    unsigned size = op_size(insn, n);
    uint64_t d = op_get(env, insn, n);
    unsigned __int128 x;

    if (d == 0) {
        cpu_raise_exception(env, EXCP_DE);
    }
    if (size == 1) {
        x = reg_read(env, R_EAX, 2);
    } else {
        x = ((unsigned __int128)reg_read(env, R_EDX, size) << (size * 8)) |
            reg_read(env, R_EAX, size);
    }
    unsigned __int128 q = x / d;
    uint64_t r = (uint64_t)(x % d);
    if (q > size_mask(size)) {
        cpu_raise_exception(env, EXCP_DE);
    }
    if (size == 1) {
        reg_write(env, R_EAX, 2, ((r & 0xff) << 8) | (uint64_t)q);
    } else {
        reg_write(env, R_EAX, size, (uint64_t)q);
        reg_write(env, R_EDX, size, r);
    }
}

void op_IDIV(CPUX86State *env, const Insn *insn)
{
    int n = rm_index(insn);
    unsigned size = op_size(insn, n);
    int64_t d = sext(op_get(env, insn, n), size);
    __int128 x;

    if (d == 0) {
        cpu_raise_exception(env, EXCP_DE);
    }
    if (size == 1) {
        x = sext(reg_read(env, R_EAX, 2), 2);
    } else if (size == 8) {
        x = (__int128)(((unsigned __int128)env->regs[R_EDX] << 64) | env->regs[R_EAX]);
    } else {
        x = sext((reg_read(env, R_EDX, size) << (size * 8)) | reg_read(env, R_EAX, size),
                 size * 2);
    }
    /* The one quotient __int128 cannot represent: INT128_MIN / -1 (it
     * does not fit 64 bits either, so it is #DE). */
    if (d == -1 && size == 8 &&
        x == (__int128)((unsigned __int128)1 << 127)) {
        cpu_raise_exception(env, EXCP_DE);
    }
    __int128 q = x / d;
    __int128 r = x % d;
    int64_t qmax = (int64_t)(size_mask(size) >> 1);
    if (q > qmax || q < -qmax - 1) {
        cpu_raise_exception(env, EXCP_DE);
    }
    if (size == 1) {
        reg_write(env, R_EAX, 2, (((uint64_t)r & 0xff) << 8) | ((uint64_t)q & 0xff));
    } else {
        reg_write(env, R_EAX, size, (uint64_t)q);
        reg_write(env, R_EDX, size, (uint64_t)r);
    }
}

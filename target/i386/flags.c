/*
 * target/i386/flags.c - lazy arithmetic flags.
 *
 * Design: arithmetic handlers do not compute OF/SF/ZF/AF/PF/CF; they store
 * the result and the operands (set_cc() in ops.h) and the CCOp saying which
 * computation produced them.  The flags are derived here only when someone
 * reads them (Jcc, ADC, PUSHF, an interrupt...).  CC_OP_EFLAGS means the
 * six bits are already materialized in cc_src.
 *
 * The formulas follow the flag definitions of SDM Vol.1 3.4.3.1 and the
 * "Flags Affected" sections of each instruction in Vol.2.  Flags the SDM
 * leaves undefined get the value most Intel parts produce where that is
 * known (AF = 0 after logic ops and shifts, SF/ZF/PF from the low half
 * after MUL).
 */
#include "target/i386/cpu.h"
#include "target/i386/ops_internal.h"

/* cc_parity() and cc_szp() are in ops_internal.h (shared with the
 * inline fast paths there). */

uint32_t cpu_cc_compute_all(const CPUX86State *env)
{
    uint32_t op = env->cc_op;
    uint64_t dst = env->cc_dst, src = env->cc_src, src1;
    uint32_t f;

    if (op == CC_OP_EFLAGS || op >= CC_OP_NB) {
        return (uint32_t)env->cc_src & CC_MASK;
    }
    int kind = (op - 1) / 4;            /* index of the CC_OP_SIZED group */
    int bits = 8 << ((op - 1) & 3);
    uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
    uint64_t sign = 1ull << (bits - 1);
    dst &= mask;
    src &= mask;
    f = cc_szp(dst, bits);

    switch (kind) {
    case 0: /* ADD: src1 + src = dst */
        src1 = (dst - src) & mask;
        if (dst < src1) {
            f |= CC_C;
        }
        goto add_common;
    case 1: /* ADC: src1 + src + carry = dst */
        src1 = (dst - src - (env->cc_src2 & 1)) & mask;
        if ((env->cc_src2 & 1) ? dst <= src1 : dst < src1) {
            f |= CC_C;
        }
    add_common:
        f |= (dst ^ src ^ src1) & CC_A;
        /* OF: both inputs have the same sign and the result differs. */
        if ((~(src1 ^ src) & (src1 ^ dst)) & sign) {
            f |= CC_O;
        }
        return f;
    case 2: /* SUB: src1 - src = dst */
        src1 = (dst + src) & mask;
        if (src1 < src) {
            f |= CC_C;
        }
        goto sub_common;
    case 3: /* SBB: src1 - src - borrow = dst */
        src1 = (dst + src + (env->cc_src2 & 1)) & mask;
        if ((env->cc_src2 & 1) ? src1 <= src : src1 < src) {
            f |= CC_C;
        }
    sub_common:
        f |= (dst ^ src ^ src1) & CC_A;
        /* OF: inputs of different sign and the result's sign differs
         * from the minuend's. */
        if (((src1 ^ src) & (src1 ^ dst)) & sign) {
            f |= CC_O;
        }
        return f;
    case 4: /* LOGIC: CF = OF = 0 (SDM AND/OR/XOR/TEST), AF undefined -> 0 */
        return f;
    case 5: /* INC: CF preserved (in src) */
        f |= env->cc_src & CC_C;
        src1 = (dst - 1) & mask;
        f |= (dst ^ src1 ^ 1) & CC_A;
        if (dst == sign) {
            f |= CC_O;
        }
        return f;
    case 6: /* DEC */
        f |= env->cc_src & CC_C;
        src1 = (dst + 1) & mask;
        f |= (dst ^ src1 ^ 1) & CC_A;
        if (dst == sign - 1) {
            f |= CC_O;
        }
        return f;
    case 7: /* SHL: src = value << (count - 1); CF = last bit out */
        if (src & sign) {
            f |= CC_C;
        }
        /* OF = MSB(result) XOR CF (SDM SAL/SAR/SHL/SHR, count 1). */
        if (((dst ^ src) & sign)) {
            f |= CC_O;
        }
        return f;
    case 8: /* SHR/SAR: src = value >> (count - 1); CF = bit 0 of src */
        f |= src & 1;
        /* SHR count 1: OF = MSB(original); SAR: 0.  For both the MSB
         * changes exactly when the two differ. */
        if ((dst ^ src) & sign) {
            f |= CC_O;
        }
        return f;
    case 9: /* MUL/IMUL: CF = OF = high half significant */
        if (src) {
            f |= CC_C | CC_O;
        }
        return f;
    }
    return f;
}

bool cpu_cc_compute_c(const CPUX86State *env)
{
    uint32_t op = env->cc_op;
    if (op == CC_OP_EFLAGS || op >= CC_OP_NB) {
        return env->cc_src & CC_C;
    }
    int kind = (op - 1) / 4;
    int bits = 8 << ((op - 1) & 3);
    uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
    uint64_t dst = env->cc_dst & mask, src = env->cc_src & mask, src1;

    switch (kind) {
    case 0:
        src1 = (dst - src) & mask;
        return dst < src1;
    case 1:
        src1 = (dst - src - (env->cc_src2 & 1)) & mask;
        return (env->cc_src2 & 1) ? dst <= src1 : dst < src1;
    case 2:
        src1 = (dst + src) & mask;
        return src1 < src;
    case 3:
        src1 = (dst + src + (env->cc_src2 & 1)) & mask;
        return (env->cc_src2 & 1) ? src1 <= src : src1 < src;
    case 4:
        return false;
    case 5:
    case 6:
        return env->cc_src & CC_C;
    case 7:
        return (src >> (bits - 1)) & 1;
    case 8:
        return src & 1;
    case 9:
        return src != 0;
    }
    return false;
}

/* All architecturally defined RFLAGS bits (SDM Vol.1 3.4.3); the others are
 * reserved (bit 1 reads as 1, bits 3, 5, 15 and 22..63 read as 0). */
#define EFLAGS_DEFINED (CC_MASK | TF_MASK | IF_MASK | DF_MASK | IOPL_MASK | \
                        NT_MASK | RF_MASK | VM_MASK | AC_MASK | VIF_MASK |  \
                        VIP_MASK | ID_MASK)

uint64_t cpu_get_eflags(CPUX86State *env)
{
    return (env->eflags & ~(uint64_t)CC_MASK & EFLAGS_DEFINED) |
           cpu_cc_compute_all(env) | EFLAGS_FIXED1;
}

void cpu_set_eflags(CPUX86State *env, uint64_t value, uint64_t mask)
{
    mask &= EFLAGS_DEFINED;
    if (mask & CC_MASK) {
        uint32_t cc = cpu_cc_compute_all(env);
        cc = (cc & ~(uint32_t)mask) | ((uint32_t)value & (uint32_t)mask & CC_MASK);
        env->cc_src = cc;
        env->cc_op = CC_OP_EFLAGS;
    }
    mask &= ~(uint64_t)CC_MASK;
    env->eflags = (env->eflags & ~mask & ~(uint64_t)CC_MASK) | (value & mask);
}

/* Conditions in encoding order (SDM Vol.2 B.1.4.7): even = the condition,
 * odd = its negation. */
bool cpu_cond(const CPUX86State *env, int cond)
{
    static const uint64_t masks[4] = { 0xff, 0xffff, 0xffffffffu, ~0ull };
    uint32_t op = env->cc_op;
    uint32_t f;
    bool r;

    /* Fast paths for the common compare-then-branch sequence: every lazy
     * CCOp takes ZF and SF from cc_dst, and CF has its own helper. */
    switch ((cond >> 1) & 7) {
    case 1: /* B / NB: only CF needed */
        r = cpu_cc_compute_c(env);
        return (cond & 1) ? !r : r;
    case 2: /* Z / NZ */
        if (op != CC_OP_EFLAGS && op < CC_OP_NB) {
            r = (env->cc_dst & masks[(op - 1) & 3]) == 0;
            return (cond & 1) ? !r : r;
        }
        break;
    case 4: /* S / NS */
        if (op != CC_OP_EFLAGS && op < CC_OP_NB) {
            r = (env->cc_dst >> ((8u << ((op - 1) & 3)) - 1)) & 1;
            return (cond & 1) ? !r : r;
        }
        break;
    default:
        break;
    }
    f = cpu_cc_compute_all(env);
    switch ((cond >> 1) & 7) {
    case 0: r = f & CC_O; break;                              /* O */
    case 1: r = f & CC_C; break;                              /* B */
    case 2: r = f & CC_Z; break;                              /* Z */
    case 3: r = f & (CC_C | CC_Z); break;                     /* BE */
    case 4: r = f & CC_S; break;                              /* S */
    case 5: r = f & CC_P; break;                              /* P */
    case 6: r = !!(f & CC_S) != !!(f & CC_O); break;          /* L */
    default: r = (f & CC_Z) || (!!(f & CC_S) != !!(f & CC_O)); break; /* LE */
    }
    return (cond & 1) ? !r : r;
}

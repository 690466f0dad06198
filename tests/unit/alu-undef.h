/*
 * tests/unit/alu-undef.h - which arithmetic flags the SDM defines after an
 * integer instruction, for the differential tests against the host
 * (test-alu.c, test-ops-host.c): the others are masked in comparisons.
 */
#ifndef TESTS_UNIT_ALU_UNDEF_H
#define TESTS_UNIT_ALU_UNDEF_H

#include "target/i386/ops.h"

/* Flags the SDM defines for this instruction and these operands. */
static inline uint32_t defined_flags(int op, unsigned size, uint64_t count)
{
    unsigned bits = size * 8;
    unsigned c = (unsigned)count & (size == 8 ? 63 : 31);
    uint32_t m = CC_MASK;

    switch (op) {
    case OP_AND: case OP_OR: case OP_XOR: case OP_TEST:
        return CC_MASK & ~CC_A;
    case OP_SHL: case OP_SHR: case OP_SAR:
        if (!c) {
            return CC_MASK;
        }
        m &= ~CC_A;
        if (c != 1) {
            m &= ~CC_O;
        }
        if (c >= bits && op != OP_SAR) {
            m &= ~CC_C; /* "undefined for SHL and SHR where count >= size" */
        }
        return m;
    case OP_ROL: case OP_ROR: case OP_RCL: case OP_RCR:
        return c == 1 || c == 0 ? CC_MASK : CC_MASK & ~CC_O;
    case OP_SHLD: case OP_SHRD:
        if (!c) {
            return CC_MASK;
        }
        if (c > bits) {
            return 0; /* result and flags undefined */
        }
        m &= ~CC_A;
        if (c != 1) {
            m &= ~CC_O;
        }
        return m;
    case OP_MUL: case OP_IMUL1: case OP_IMUL:
        return CC_C | CC_O;
    case OP_DIV: case OP_IDIV:
        return 0;
    case OP_BT: case OP_BTS: case OP_BTR: case OP_BTC:
        return CC_C | CC_Z;
    case OP_BSF: case OP_BSR:
        return CC_Z;
    case OP_LZCNT: case OP_TZCNT:
        return CC_C | CC_Z;
    default:
        return CC_MASK;
    }
}

#endif

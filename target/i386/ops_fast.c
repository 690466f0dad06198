/*
 * target/i386/ops_fast.c - specialised handlers for the hottest operand
 * shapes, chosen once per instruction when a block is built
 * (insn_exec_prepare, see ops.h).
 *
 * Design: the generic handlers (ops_alu.c, ops_shift.c...) stay the
 * reference.  Each function here is one of them with the operand kinds and
 * the size fixed: a register destination, a register or immediate source,
 * size S known at compile time.  Then operand access is a load from
 * env->regs, the write-back is the reg_write() rule for S, and the lazy
 * flags are the same set_cc() the generic handler records, so the state
 * after the instruction is identical whichever handler ran (the difftest
 * and test-ops-fuzz rely on that).  Register operands cannot fault, so the
 * restartability rules of operand.c hold trivially.  Anything rarer (memory
 * operands, LOCK, REG8H...) keeps the generic handler.
 */
#include "target/i386/ops_internal.h"
#include "target/i386/seg.h"

/* reg_read()/reg_write() of operand.c for a constant size */
static inline uint64_t fr(const CPUX86State *env, int r, unsigned S)
{
    return env->regs[r & 15] & size_mask(S);
}

static inline void fw(CPUX86State *env, int r, unsigned S, uint64_t v)
{
    uint64_t *p = &env->regs[r & 15];
    switch (S) {
    case 1: *p = (*p & ~0xffull) | (v & 0xff); break;
    case 2: *p = (*p & ~0xffffull) | (v & 0xffff); break;
    case 4: *p = (uint32_t)v; break;
    default: *p = v; break;
    }
}

#define R0 (insn->ops[0].reg)
#define R1 (insn->ops[1].reg)
/* second operand: register or immediate (op_get() of OPK_REG / OPK_IMM) */
#define SRC_r(S) fr(env, R1, S)
#define SRC_i(S) ((uint64_t)insn->imm & size_mask(S))

/* ---- the eight-plus ALU operations: op_ADD, op_SUB, op_AND, op_OR,
 * op_XOR, op_CMP, op_TEST of ops_alu.c ---- */
#define ALU_WRITE(NAME, S, K, CC, RES, CCSRC)                                  \
    static void fx_##NAME##_##S##K(CPUX86State *env, const Insn *insn)         \
    {                                                                          \
        uint64_t a = fr(env, R0, S), b = SRC_##K(S);                           \
        uint64_t r = RES;                                                      \
        (void)b;                                                               \
        fw(env, R0, S, r);                                                     \
        set_cc(env, CC, S, r, CCSRC, 0);                                       \
    }
#define ALU_NOWRITE(NAME, S, K, CC, RES, CCSRC)                                \
    static void fx_##NAME##_##S##K(CPUX86State *env, const Insn *insn)         \
    {                                                                          \
        uint64_t a = fr(env, R0, S), b = SRC_##K(S);                           \
        set_cc(env, CC, S, RES, CCSRC, 0);                                     \
    }

#define ALU_SK(X)                                                              \
    X(ADD, 1, r) X(ADD, 2, r) X(ADD, 4, r) X(ADD, 8, r)                        \
    X(ADD, 1, i) X(ADD, 2, i) X(ADD, 4, i) X(ADD, 8, i)                        \
    X(SUB, 1, r) X(SUB, 2, r) X(SUB, 4, r) X(SUB, 8, r)                        \
    X(SUB, 1, i) X(SUB, 2, i) X(SUB, 4, i) X(SUB, 8, i)                        \
    X(AND, 1, r) X(AND, 2, r) X(AND, 4, r) X(AND, 8, r)                        \
    X(AND, 1, i) X(AND, 2, i) X(AND, 4, i) X(AND, 8, i)                        \
    X(OR, 1, r) X(OR, 2, r) X(OR, 4, r) X(OR, 8, r)                            \
    X(OR, 1, i) X(OR, 2, i) X(OR, 4, i) X(OR, 8, i)                            \
    X(XOR, 1, r) X(XOR, 2, r) X(XOR, 4, r) X(XOR, 8, r)                        \
    X(XOR, 1, i) X(XOR, 2, i) X(XOR, 4, i) X(XOR, 8, i)                        \
    X(CMP, 1, r) X(CMP, 2, r) X(CMP, 4, r) X(CMP, 8, r)                        \
    X(CMP, 1, i) X(CMP, 2, i) X(CMP, 4, i) X(CMP, 8, i)                        \
    X(TEST, 1, r) X(TEST, 2, r) X(TEST, 4, r) X(TEST, 8, r)                    \
    X(TEST, 1, i) X(TEST, 2, i) X(TEST, 4, i) X(TEST, 8, i)                    \
    X(MOV, 1, r) X(MOV, 2, r) X(MOV, 4, r) X(MOV, 8, r)                        \
    X(MOV, 1, i) X(MOV, 2, i) X(MOV, 4, i) X(MOV, 8, i)

/* Each op with its result and the cc_src the generic handler records. */
#define DEF_ALU(OP, S, K) DEF_##OP(S, K)
#define DEF_ADD(S, K) ALU_WRITE(ADD, S, K, CC_OP_ADDB, a + b, b)
#define DEF_SUB(S, K) ALU_WRITE(SUB, S, K, CC_OP_SUBB, a - b, b)
#define DEF_AND(S, K) ALU_WRITE(AND, S, K, CC_OP_LOGICB, a & b, 0)
#define DEF_OR(S, K) ALU_WRITE(OR, S, K, CC_OP_LOGICB, a | b, 0)
#define DEF_XOR(S, K) ALU_WRITE(XOR, S, K, CC_OP_LOGICB, a ^ b, 0)
#define DEF_CMP(S, K) ALU_NOWRITE(CMP, S, K, CC_OP_SUBB, a - b, b)
#define DEF_TEST(S, K) ALU_NOWRITE(TEST, S, K, CC_OP_LOGICB, a & b, 0)
/* op_MOV of ops_move.c: no flags */
#define DEF_MOV(S, K)                                                          \
    static void fx_MOV_##S##K(CPUX86State *env, const Insn *insn)              \
    {                                                                          \
        fw(env, R0, S, SRC_##K(S));                                            \
    }
ALU_SK(DEF_ALU)

/* ---- one-operand register forms: op_INC/op_DEC (CF rides in cc_src),
 * shifts and rotates by an immediate count (op_SHL... of ops_shift.c) ---- */
#define SIZES(X, OP) X(OP, 1) X(OP, 2) X(OP, 4) X(OP, 8)
#define ONE_OPS(X)                                                             \
    SIZES(X, INC) SIZES(X, DEC) SIZES(X, SHL) SIZES(X, SHR) SIZES(X, SAR)      \
    SIZES(X, ROL) SIZES(X, ROR) SIZES(X, LEA)

#define DEF_ONE(OP, S) DEF1_##OP(S)
#define DEF1_INC(S)                                                            \
    static void fx_INC_##S(CPUX86State *env, const Insn *insn)                 \
    {                                                                          \
        uint64_t r = fr(env, R0, S) + 1;                                       \
        uint64_t c = cc_c(env);                                                \
        fw(env, R0, S, r);                                                     \
        set_cc(env, CC_OP_INCB, S, r, c, 0);                                   \
    }
#define DEF1_DEC(S)                                                            \
    static void fx_DEC_##S(CPUX86State *env, const Insn *insn)                 \
    {                                                                          \
        uint64_t r = fr(env, R0, S) - 1;                                       \
        uint64_t c = cc_c(env);                                                \
        fw(env, R0, S, r);                                                     \
        set_cc(env, CC_OP_DECB, S, r, c, 0);                                   \
    }

/* shift_count() of ops_shift.c for an immediate count operand; a masked
 * count of 0 goes back to the generic handler (no flag change, rare). */
#define SHIFT_COUNT(S)                                                         \
    (((unsigned)((uint64_t)insn->imm & size_mask(insn->ops[1].size ?           \
                                                 insn->ops[1].size :           \
                                                 insn->opsize))) &             \
     ((S) == 8 ? 0x3f : 0x1f))

#define DEF1_SHL(S)                                                            \
    static void fx_SHL_##S(CPUX86State *env, const Insn *insn)                 \
    {                                                                          \
        uint64_t a = fr(env, R0, S);                                           \
        unsigned c = SHIFT_COUNT(S);                                           \
        if (__builtin_expect(!c, 0)) {                                         \
            op_SHL(env, insn);                                                 \
            return;                                                            \
        }                                                                      \
        uint64_t src = a << (c - 1);                                           \
        uint64_t r = src << 1;                                                 \
        fw(env, R0, S, r);                                                     \
        set_cc(env, CC_OP_SHLB, S, r, src, 0);                                 \
    }
#define DEF1_SHR(S)                                                            \
    static void fx_SHR_##S(CPUX86State *env, const Insn *insn)                 \
    {                                                                          \
        uint64_t a = fr(env, R0, S);                                           \
        unsigned c = SHIFT_COUNT(S);                                           \
        if (__builtin_expect(!c, 0)) {                                         \
            op_SHR(env, insn);                                                 \
            return;                                                            \
        }                                                                      \
        uint64_t src = a >> (c - 1);                                           \
        uint64_t r = src >> 1;                                                 \
        fw(env, R0, S, r);                                                     \
        set_cc(env, CC_OP_SARB, S, r, src, 0);                                 \
    }
#define DEF1_SAR(S)                                                            \
    static void fx_SAR_##S(CPUX86State *env, const Insn *insn)                 \
    {                                                                          \
        uint64_t a = fr(env, R0, S);                                           \
        unsigned c = SHIFT_COUNT(S);                                           \
        if (__builtin_expect(!c, 0)) {                                         \
            op_SAR(env, insn);                                                 \
            return;                                                            \
        }                                                                      \
        uint64_t src = (uint64_t)(sext(a, S) >> (c - 1));                      \
        uint64_t r = (uint64_t)((int64_t)src >> 1);                            \
        fw(env, R0, S, r);                                                     \
        set_cc(env, CC_OP_SARB, S, r, src, 0);                                 \
    }
#define DEF1_ROL(S)                                                            \
    static void fx_ROL_##S(CPUX86State *env, const Insn *insn)                 \
    {                                                                          \
        const unsigned bits = S * 8;                                           \
        uint64_t a = fr(env, R0, S);                                           \
        unsigned c = SHIFT_COUNT(S);                                           \
        if (__builtin_expect(!c, 0)) {                                         \
            op_ROL(env, insn);                                                 \
            return;                                                            \
        }                                                                      \
        unsigned k = c & (bits - 1);                                           \
        uint64_t r = k ? ((a << k) | (a >> ((bits - k) & 63))) & size_mask(S) \
                       : a;                                                    \
        fw(env, R0, S, r);                                                     \
        uint32_t cf = r & 1;                                                   \
        uint32_t of = ((r >> (bits - 1)) & 1) ^ cf;                            \
        cc_update(env, CC_C | CC_O, (cf ? CC_C : 0) | (of ? CC_O : 0));        \
    }
#define DEF1_ROR(S)                                                            \
    static void fx_ROR_##S(CPUX86State *env, const Insn *insn)                 \
    {                                                                          \
        const unsigned bits = S * 8;                                           \
        uint64_t a = fr(env, R0, S);                                           \
        unsigned c = SHIFT_COUNT(S);                                           \
        if (__builtin_expect(!c, 0)) {                                         \
            op_ROR(env, insn);                                                 \
            return;                                                            \
        }                                                                      \
        unsigned k = c & (bits - 1);                                           \
        uint64_t r = k ? ((a >> k) | (a << ((bits - k) & 63))) & size_mask(S) \
                       : a;                                                    \
        fw(env, R0, S, r);                                                     \
        uint32_t cf = (r >> (bits - 1)) & 1;                                   \
        uint32_t of = cf ^ ((r >> (bits - 2)) & 1);                            \
        cc_update(env, CC_C | CC_O, (cf ? CC_C : 0) | (of ? CC_O : 0));        \
    }
/* op_LEA of ops_move.c: the offset, truncated to the operand size */
#define DEF1_LEA(S)                                                            \
    static void fx_LEA_##S(CPUX86State *env, const Insn *insn)                 \
    {                                                                          \
        fw(env, R0, S, insn_ea_inline(env, insn));                             \
    }
ONE_OPS(DEF_ONE)

/* ---- op_MOV with one memory operand.  In 64-bit mode seg_linear() is
 * the offset (plus the FS/GS base) with a canonical check of the first
 * and last byte: done inline here, with the same cpu_ld/st access after
 * it.  Outside 64-bit mode, or for an address that would fault, the
 * generic handler does it all (nothing has been changed yet). ---- */
/* mem64_la() is in ops_internal.h */
#define DEF_MOVM(S)                                                            \
    static void fx_MOVLD_##S(CPUX86State *env, const Insn *insn)               \
    {                                                                          \
        uint64_t la;                                                           \
        if (__builtin_expect(!mem64_la(env, insn, S, &la), 0)) {               \
            op_MOV(env, insn);                                                 \
            return;                                                            \
        }                                                                      \
        fw(env, R0, S, ld_size(env, la, S));                                   \
    }                                                                          \
    static void fx_MOVST_##S(CPUX86State *env, const Insn *insn)               \
    {                                                                          \
        uint64_t la;                                                           \
        if (__builtin_expect(!mem64_la(env, insn, S, &la), 0)) {               \
            op_MOV(env, insn);                                                 \
            return;                                                            \
        }                                                                      \
        st_size(env, la, S, fr(env, R1, S));                                   \
    }
DEF_MOVM(1)
DEF_MOVM(2)
DEF_MOVM(4)
DEF_MOVM(8)

/* op_IMUL of ops_muldiv.c, two- and three-operand register forms: the
 * signed product of the size-S operands, truncated; CF = OF = it did not
 * fit.  __builtin_mul_overflow gives both without a 128-bit multiply. */
#define DEF_IMUL(S, T)                                                         \
    static void fx_IMUL_##S(CPUX86State *env, const Insn *insn)                \
    {                                                                          \
        uint64_t a, b;                                                         \
        if (insn->nr_ops >= 3) {                                               \
            a = fr(env, R1, S);                                                \
            b = (uint64_t)insn->imm & size_mask(S);                            \
        } else {                                                               \
            a = fr(env, R0, S);                                                \
            b = fr(env, R1, S);                                                \
        }                                                                      \
        T p;                                                                   \
        bool ovf = __builtin_mul_overflow((T)a, (T)b, &p);                     \
        uint64_t lo = (uint64_t)p & size_mask(S);                              \
        fw(env, R0, S, lo);                                                    \
        set_cc(env, CC_OP_MULB, S, lo, ovf, 0);                                \
    }
DEF_IMUL(2, int16_t)
DEF_IMUL(4, int32_t)
DEF_IMUL(8, int64_t)

/* op_JCC of ops_branch.c, with the condition evaluated inline */
static void fx_JCC(CPUX86State *env, const Insn *insn)
{
    if (cc_cond(env, insn->cond)) {
        env->next_rip = branch_target(env, insn, env->next_rip + (uint64_t)insn->imm);
    }
}

/* ---- the table: the generic handlers first (index = InsnOp), then
 * the specialised ones ---- */
enum {
    FX_FIRST = OP_NB - 1,
#define ENUM_ALU(OP, S, K) FX_##OP##_##S##K,
    ALU_SK(ENUM_ALU)
#define ENUM_ONE(OP, S) FX_##OP##_##S,
    ONE_OPS(ENUM_ONE)
    FX_JCC,
    FX_MOVLD_1, FX_MOVLD_2, FX_MOVLD_4, FX_MOVLD_8,
    FX_MOVST_1, FX_MOVST_2, FX_MOVST_4, FX_MOVST_8,
    FX_IMUL_2, FX_IMUL_4, FX_IMUL_8,
    FX_END
};

const InsnHandler insn_exec_handlers[FX_END] = {
#define INSN(id, mnemonic, flags) [OP_##id] = op_##id,
#include "target/i386/insn.def"
#undef INSN
#define TAB_ALU(OP, S, K) [FX_##OP##_##S##K] = fx_##OP##_##S##K,
    ALU_SK(TAB_ALU)
#define TAB_ONE(OP, S) [FX_##OP##_##S] = fx_##OP##_##S,
    ONE_OPS(TAB_ONE)
    [FX_JCC] = fx_JCC,
    [FX_MOVLD_1] = fx_MOVLD_1, [FX_MOVLD_2] = fx_MOVLD_2,
    [FX_MOVLD_4] = fx_MOVLD_4, [FX_MOVLD_8] = fx_MOVLD_8,
    [FX_MOVST_1] = fx_MOVST_1, [FX_MOVST_2] = fx_MOVST_2,
    [FX_MOVST_4] = fx_MOVST_4, [FX_MOVST_8] = fx_MOVST_8,
    [FX_IMUL_2] = fx_IMUL_2, [FX_IMUL_4] = fx_IMUL_4, [FX_IMUL_8] = fx_IMUL_8,
};

/* index of size 1, 2, 4, 8 in a row of four */
static int size_slot(unsigned s)
{
    switch (s) {
    case 1: return 0;
    case 2: return 1;
    case 4: return 2;
    case 8: return 3;
    default: return -1;
    }
}

/* First index of each op's rows: ALU ops have a register row and an
 * immediate row of four sizes, the others one row. */
static int fast_base(unsigned op)
{
    switch (op) {
    case OP_ADD: return FX_ADD_1r;
    case OP_SUB: return FX_SUB_1r;
    case OP_AND: return FX_AND_1r;
    case OP_OR: return FX_OR_1r;
    case OP_XOR: return FX_XOR_1r;
    case OP_CMP: return FX_CMP_1r;
    case OP_TEST: return FX_TEST_1r;
    case OP_MOV: return FX_MOV_1r;
    case OP_INC: return FX_INC_1;
    case OP_DEC: return FX_DEC_1;
    case OP_SHL: return FX_SHL_1;
    case OP_SHR: return FX_SHR_1;
    case OP_SAR: return FX_SAR_1;
    case OP_ROL: return FX_ROL_1;
    case OP_ROR: return FX_ROR_1;
    case OP_LEA: return FX_LEA_1;
    default: return -1;
    }
}

static unsigned select_handler(const Insn *insn)
{
    if (insn->op == OP_JCC) {
        return FX_JCC;
    }
    if (insn->op == OP_MOV && insn->nr_ops == 2 && !(insn->prefix & PFX_LOCK) &&
        op_size(insn, 0) == op_size(insn, 1) && size_slot(op_size(insn, 0)) >= 0) {
        int slot = size_slot(op_size(insn, 0));
        if (insn->ops[0].kind == OPK_REG && insn->ops[1].kind == OPK_MEM) {
            return FX_MOVLD_1 + slot;
        }
        if (insn->ops[0].kind == OPK_MEM && insn->ops[1].kind == OPK_REG) {
            return FX_MOVST_1 + slot;
        }
    }
    if (insn->op == OP_IMUL && (insn->nr_ops == 2 || insn->nr_ops == 3) &&
        insn->ops[0].kind == OPK_REG && insn->ops[1].kind == OPK_REG) {
        unsigned s = op_size(insn, 0);
        bool same = op_size(insn, 1) == s &&
                    (insn->nr_ops == 2 ||
                     (insn->ops[2].kind == OPK_IMM && op_size(insn, 2) == s));
        if (same && (s == 2 || s == 4 || s == 8)) {
            return s == 2 ? FX_IMUL_2 : s == 4 ? FX_IMUL_4 : FX_IMUL_8;
        }
    }
    int base = fast_base(insn->op);
    if (base < 0 || (insn->prefix & PFX_LOCK) || insn->nr_ops < 1 ||
        insn->ops[0].kind != OPK_REG) {
        return insn->op;
    }
    unsigned s = op_size(insn, 0);
    int slot = size_slot(s);
    if (slot < 0) {
        return insn->op;
    }
    switch (insn->op) {
    case OP_INC: case OP_DEC:
        return insn->nr_ops == 1 ? (unsigned)(base + slot) : insn->op;
    case OP_SHL: case OP_SHR: case OP_SAR: case OP_ROL: case OP_ROR:
        return insn->nr_ops == 2 && insn->ops[1].kind == OPK_IMM ?
               (unsigned)(base + slot) : insn->op;
    case OP_LEA:
        return insn->nr_ops == 2 && insn->ops[1].kind == OPK_MEM ?
               (unsigned)(base + slot) : insn->op;
    default:
        break;
    }
    /* two-operand ALU / MOV: the source of the same size */
    if (insn->nr_ops != 2 || op_size(insn, 1) != s) {
        return insn->op;
    }
    if (insn->ops[1].kind == OPK_REG) {
        return (unsigned)(base + slot);
    }
    if (insn->ops[1].kind == OPK_IMM) {
        return (unsigned)(base + 4 + slot);
    }
    return insn->op;
}

void insn_exec_prepare(Insn *insn)
{
    uint16_t fl = insn_op_flags[insn->op];
    insn->xop = (uint16_t)select_handler(insn);
    insn->xflags = ((fl & IF_PRIV) ? IX_PRIV : 0) |
                   ((fl & (IF_STRING | IF_ENDBLK)) ? IX_STOP : 0) |
                   ((fl & (IF_BRANCH | IF_ENDBLK | IF_STRING)) ? IX_JUMP : 0);
}

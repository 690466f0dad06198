/*
 * target/i386/ops_alu.c - integer arithmetic and logic: the eight group-1
 * operations, TEST, INC/DEC/NEG/NOT, and the BCD/ASCII adjustments.
 *
 * Design: every handler reads its operands, writes the destination, and
 * only then records the lazy flags (set_cc), so a fault on the write leaves
 * the flags of the previous instruction intact.  LOCK: the interpreter runs
 * each vCPU on one host thread and devices never write guest RAM in the
 * middle of an instruction, so the plain read-modify-write below is as
 * atomic as the guest can observe with one vCPU; SMP under TCG will need
 * host atomics here.
 *
 * ADCX/ADOX (ADX) add with the carry in CF or OF and write only that flag,
 * so two carry chains can interleave (SDM ADCX/ADOX, Intel's multi-
 * precision arithmetic whitepaper); gated on CPUID.(7,0):EBX.ADX[19].
 */
#include "target/i386/cpuid.h"
#include "target/i386/ops_internal.h"

void op_ADD(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0);
    uint64_t a = op_get_rmw(env, insn, 0), b = op_get(env, insn, 1);
    uint64_t r = a + b;
    op_set(env, insn, 0, r);
    set_cc(env, CC_OP_ADDB, size, r, b, 0);
}

void op_ADC(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0);
    uint64_t a = op_get_rmw(env, insn, 0), b = op_get(env, insn, 1);
    uint64_t c = cc_c(env);
    uint64_t r = a + b + c;
    op_set(env, insn, 0, r);
    set_cc(env, CC_OP_ADCB, size, r, b, c);
}

/* dst (a register) += src + flag; the carry out goes to `flag` alone. */
static void adx_add(CPUX86State *env, const Insn *insn, uint32_t flag)
{
    if (!cpu_has_feature(env, FEAT_7_0_EBX, CPUID_7_EBX_ADX)) {
        cpu_raise_exception(env, EXCP_UD);
    }
    unsigned size = op_size(insn, 0);
    uint64_t a = op_get(env, insn, 0), b = op_get(env, insn, 1);
    uint32_t f = cc_all(env);
    uint64_t r;
    bool carry;
    if (size == 8) {
        bool c1 = __builtin_add_overflow(a, b, &r);
        bool c2 = __builtin_add_overflow(r, (uint64_t)((f & flag) != 0), &r);
        carry = c1 || c2;
    } else {
        uint64_t sum = (uint32_t)a + (uint64_t)(uint32_t)b + ((f & flag) != 0);
        r = (uint32_t)sum;
        carry = sum >> 32;
    }
    op_set(env, insn, 0, r);
    cc_set_all(env, (f & ~flag) | (carry ? flag : 0));
}

void op_ADCX(CPUX86State *env, const Insn *insn)
{
    adx_add(env, insn, CC_C);
}

void op_ADOX(CPUX86State *env, const Insn *insn)
{
    adx_add(env, insn, CC_O);
}

void op_SUB(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0);
    uint64_t a = op_get_rmw(env, insn, 0), b = op_get(env, insn, 1);
    uint64_t r = a - b;
    op_set(env, insn, 0, r);
    set_cc(env, CC_OP_SUBB, size, r, b, 0);
}

void op_SBB(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0);
    uint64_t a = op_get_rmw(env, insn, 0), b = op_get(env, insn, 1);
    uint64_t c = cc_c(env);
    uint64_t r = a - b - c;
    op_set(env, insn, 0, r);
    set_cc(env, CC_OP_SBBB, size, r, b, c);
}

void op_CMP(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0);
    uint64_t a = op_get(env, insn, 0), b = op_get(env, insn, 1);
    set_cc(env, CC_OP_SUBB, size, a - b, b, 0);
}

void op_AND(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0);
    uint64_t r = op_get_rmw(env, insn, 0) & op_get(env, insn, 1);
    op_set(env, insn, 0, r);
    set_cc(env, CC_OP_LOGICB, size, r, 0, 0);
}

void op_OR(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0);
    uint64_t r = op_get_rmw(env, insn, 0) | op_get(env, insn, 1);
    op_set(env, insn, 0, r);
    set_cc(env, CC_OP_LOGICB, size, r, 0, 0);
}

void op_XOR(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0);
    uint64_t r = op_get_rmw(env, insn, 0) ^ op_get(env, insn, 1);
    op_set(env, insn, 0, r);
    set_cc(env, CC_OP_LOGICB, size, r, 0, 0);
}

void op_TEST(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0);
    uint64_t r = op_get(env, insn, 0) & op_get(env, insn, 1);
    set_cc(env, CC_OP_LOGICB, size, r, 0, 0);
}

/* INC/DEC leave CF alone (SDM INC "Flags Affected"): the old CF rides in
 * cc_src. */
void op_INC(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0);
    uint64_t r = op_get_rmw(env, insn, 0) + 1;
    uint64_t c = cc_c(env);
    op_set(env, insn, 0, r);
    set_cc(env, CC_OP_INCB, size, r, c, 0);
}

void op_DEC(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0);
    uint64_t r = op_get_rmw(env, insn, 0) - 1;
    uint64_t c = cc_c(env);
    op_set(env, insn, 0, r);
    set_cc(env, CC_OP_DECB, size, r, c, 0);
}

/* NEG is 0 - x: CF = (x != 0), OF only for the most negative value. */
void op_NEG(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0);
    uint64_t a = op_get_rmw(env, insn, 0);
    uint64_t r = -a;
    op_set(env, insn, 0, r);
    set_cc(env, CC_OP_SUBB, size, r, a, 0);
}

void op_NOT(CPUX86State *env, const Insn *insn)
{
    op_set(env, insn, 0, ~op_get_rmw(env, insn, 0));
}

/* ---- BCD / ASCII adjust (SDM Vol.2 DAA, DAS, AAA, AAS, AAM, AAD) ---- */

static uint32_t szp8(uint8_t v)
{
    uint32_t f = __builtin_parity(v) ? 0 : CC_P;
    if (!v) {
        f |= CC_Z;
    }
    if (v & 0x80) {
        f |= CC_S;
    }
    return f;
}

void op_DAA(CPUX86State *env, const Insn *insn)
{
    uint32_t f = cpu_cc_compute_all(env);
    uint8_t al = env->regs[R_EAX], old_al = al;
    bool old_cf = f & CC_C;
    uint32_t nf = 0;

    if ((al & 0x0f) > 9 || (f & CC_A)) {
        /* CF <- old_CF or carry from AL + 6 */
        if (old_cf || al >= 0xfa) {
            nf |= CC_C;
        }
        al += 6;
        nf |= CC_A;
    }
    if (old_al > 0x99 || old_cf) {
        al += 0x60;
        nf |= CC_C;
    } else {
        nf &= ~CC_C;
    }
    reg_write(env, R_EAX, 1, al);
    /* OF is undefined: cleared. */
    cc_set_all(env, nf | szp8(al));
}

void op_DAS(CPUX86State *env, const Insn *insn)
{
    uint32_t f = cpu_cc_compute_all(env);
    uint8_t al = env->regs[R_EAX], old_al = al;
    bool old_cf = f & CC_C;
    uint32_t nf = 0;

    if ((al & 0x0f) > 9 || (f & CC_A)) {
        if (old_cf || al < 6) {
            nf |= CC_C;
        }
        al -= 6;
        nf |= CC_A;
    }
    /* No "else CF <- 0" here: the borrow of the first step survives. */
    if (old_al > 0x99 || old_cf) {
        al -= 0x60;
        nf |= CC_C;
    }
    reg_write(env, R_EAX, 1, al);
    cc_set_all(env, nf | szp8(al));
}

/* AAA/AAS: OF, SF, ZF, PF undefined; left unchanged. */
void op_AAA(CPUX86State *env, const Insn *insn)
{
    uint32_t f = cpu_cc_compute_all(env);
    uint16_t ax = env->regs[R_EAX];

    if ((ax & 0x0f) > 9 || (f & CC_A)) {
        ax += 0x106;
        f |= CC_A | CC_C;
    } else {
        f &= ~(CC_A | CC_C);
    }
    ax &= 0xff0f;
    reg_write(env, R_EAX, 2, ax);
    cc_set_all(env, f);
}

void op_AAS(CPUX86State *env, const Insn *insn)
{
    uint32_t f = cpu_cc_compute_all(env);
    uint16_t ax = env->regs[R_EAX];

    if ((ax & 0x0f) > 9 || (f & CC_A)) {
        ax -= 6;
        ax -= 0x100;
        f |= CC_A | CC_C;
    } else {
        f &= ~(CC_A | CC_C);
    }
    ax &= 0xff0f;
    reg_write(env, R_EAX, 2, ax);
    cc_set_all(env, f);
}

void op_AAM(CPUX86State *env, const Insn *insn)
{
    uint8_t base = (uint8_t)insn->imm;
    uint8_t al = env->regs[R_EAX];

    if (base == 0) {
        cpu_raise_exception(env, EXCP_DE);
    }
    uint8_t ah = al / base;
    al = al % base;
    reg_write(env, R_EAX, 2, ((uint16_t)ah << 8) | al);
    /* SF, ZF, PF from AL; OF, AF, CF undefined (cleared). */
    set_cc(env, CC_OP_LOGICB, 1, al, 0, 0);
}

void op_AAD(CPUX86State *env, const Insn *insn)
{
    uint8_t base = (uint8_t)insn->imm;
    uint8_t al = env->regs[R_EAX], ah = env->regs[R_EAX] >> 8;

    al = (uint8_t)(al + ah * base);
    reg_write(env, R_EAX, 2, al);
    set_cc(env, CC_OP_LOGICB, 1, al, 0, 0);
}

/* Undocumented SALC (D6): AL = CF ? FF : 00, flags unchanged. */
void op_SALC(CPUX86State *env, const Insn *insn)
{
    reg_write(env, R_EAX, 1, cc_c(env) ? 0xff : 0);
}

/*
 * target/i386/bmi.c - BMI1 (ANDN, BEXTR, BLSI, BLSMSK, BLSR) and BMI2
 * (BZHI, MULX, PDEP, PEXT, RORX, SARX, SHLX, SHRX): the VEX-encoded
 * general-register instructions (SDM Vol.2, each instruction's page).
 *
 * Design: they sit in the VEX tables (sse4.c, 0F38 F2-F7 and 0F3A F0)
 * with SF_GPR, so avx_execute applies only the checks that concern them
 * (SDM Vol.2 Table 2-29, exception class 13): #UD in real/V86 mode,
 * without the CPUID feature, with VEX.L = 1 (VF_L0), VEX.vvvv != 1111b
 * for RORX; no CR4.OSXSAVE/XCR0 or CR0.TS conditions.  VEX.W selects the
 * 64-bit operand size in 64-bit mode only (VF_WGPR: ignored elsewhere).
 * Operands: ModRM.reg (+VEX.R) is the destination, VEX.vvvv a general
 * register source (MULX: the second destination), r/m a register or
 * memory.  32-bit results zero the upper half in 64-bit mode.
 *
 * Flags, as the SDM gives them: ANDN, BLSI, BLSR, BZHI set SF and ZF from
 * the result, BLSMSK SF from the result and ZF = 0, BEXTR ZF only; CF is
 * BLSI: source != 0, BLSMSK/BLSR: source == 0, BZHI: index > size - 1,
 * else 0; OF = 0.  AF and PF (and SF for BEXTR) are undefined: emu86
 * writes 0 there.  BMI2 other than BZHI leaves the flags alone.
 */
#include "target/i386/sse.h"
#include "target/i386/ops_internal.h"

static unsigned bmi_size(const SseCtx *c)
{
    return (c->insn->rex & 8) ? 8 : 4;
}

static uint64_t bmi_vvvv(const SseCtx *c, unsigned size)
{
    return c->env->regs[c->v1 & 15] & size_mask(size);
}

/* SF/ZF of a result of size bytes, plus the given CF; OF, AF, PF = 0. */
static void bmi_flags(CPUX86State *env, uint64_t r, unsigned size, bool sz, bool cf)
{
    uint32_t f = cf ? CC_C : 0;
    if (sz) {
        f |= (r >> (size * 8 - 1)) & 1 ? CC_S : 0;
    }
    f |= r == 0 ? CC_Z : 0;
    cc_set_all(env, f);
}

/* ANDN r, vvvv, r/m: NOT vvvv AND r/m. */
void bmi_h_andn(SseCtx *c)
{
    unsigned n = bmi_size(c);
    uint64_t r = ~bmi_vvvv(c, n) & sse_get_ey(c, n) & size_mask(n);
    reg_write(c->env, sse_gpr_reg(c), n, r);
    bmi_flags(c->env, r, n, true, false);
}

/* BEXTR r, r/m, vvvv: bits [start + len - 1 : start] of r/m, start =
 * vvvv[7:0], len = vvvv[15:8]; bits beyond the operand read as 0. */
void bmi_h_bextr(SseCtx *c)
{
    unsigned n = bmi_size(c), bits = n * 8;
    uint64_t src = sse_get_ey(c, n), ctl = bmi_vvvv(c, n);
    unsigned start = ctl & 0xff, len = (ctl >> 8) & 0xff;
    uint64_t r = start >= bits ? 0 : src >> start;
    if (len < 64) {
        r &= (1ull << len) - 1;
    }
    reg_write(c->env, sse_gpr_reg(c), n, r);
    bmi_flags(c->env, r, n, false, false);
}

/* Group 17 (VEX.0F38 F3): /1 BLSR, /2 BLSMSK, /3 BLSI vvvv, r/m. */
void bmi_h_grp17(SseCtx *c)
{
    unsigned n = bmi_size(c), sub = (c->insn->modrm >> 3) & 7;
    if (sub < 1 || sub > 3) {
        cpu_raise_exception(c->env, EXCP_UD);
    }
    uint64_t s = sse_get_ey(c, n), r;
    uint64_t m = size_mask(n);
    switch (sub) {
    case 1:
        r = (s - 1) & s & m;
        reg_write(c->env, c->v1, n, r);
        bmi_flags(c->env, r, n, true, s == 0);
        break;
    case 2:
        r = ((s - 1) ^ s) & m;
        reg_write(c->env, c->v1, n, r);
        bmi_flags(c->env, r, n, true, s == 0);
        cc_update(c->env, CC_Z, 0);     /* ZF cleared (SDM BLSMSK) */
        break;
    default:
        r = (0 - s) & s & m;
        reg_write(c->env, c->v1, n, r);
        bmi_flags(c->env, r, n, true, s != 0);
        break;
    }
}

/* BZHI r, r/m, vvvv: r/m with bits from index vvvv[7:0] up cleared. */
void bmi_h_bzhi(SseCtx *c)
{
    unsigned n = bmi_size(c), bits = n * 8;
    uint64_t r = sse_get_ey(c, n);
    unsigned idx = bmi_vvvv(c, n) & 0xff;
    if (idx < bits) {
        r &= (1ull << idx) - 1;
    }
    reg_write(c->env, sse_gpr_reg(c), n, r);
    bmi_flags(c->env, r, n, true, idx > bits - 1);
}

/* PDEP (arg 0) / PEXT (arg 1) r, vvvv, r/m (the mask). */
void bmi_h_pdep_pext(SseCtx *c)
{
    unsigned n = bmi_size(c);
    uint64_t src = bmi_vvvv(c, n), mask = sse_get_ey(c, n), r = 0;
    unsigned k = 0;
    for (unsigned i = 0; i < n * 8; i++) {
        if (!((mask >> i) & 1)) {
            continue;
        }
        if (c->arg == 0) {
            r |= ((src >> k) & 1) << i;
        } else {
            r |= ((src >> i) & 1) << k;
        }
        k++;
    }
    reg_write(c->env, sse_gpr_reg(c), n, r);
}

/* MULX r_hi, r_lo (vvvv), r/m: unsigned EDX/RDX * r/m; the low half is
 * written first, so r_hi = r_lo gets the high half (SDM MULX). */
void bmi_h_mulx(SseCtx *c)
{
    unsigned n = bmi_size(c);
    uint64_t a = c->env->regs[R_EDX] & size_mask(n), b = sse_get_ey(c, n), lo, hi;
    if (n == 8) {
        unsigned __int128 p = (unsigned __int128)a * b;
        lo = (uint64_t)p;
        hi = (uint64_t)(p >> 64);
    } else {
        uint64_t p = a * b;
        lo = (uint32_t)p;
        hi = p >> 32;
    }
    reg_write(c->env, c->v1, n, lo);
    reg_write(c->env, sse_gpr_reg(c), n, hi);
}

/* RORX r, r/m, imm8: rotate right by imm8 mod the operand width. */
void bmi_h_rorx(SseCtx *c)
{
    unsigned n = bmi_size(c), bits = n * 8, cnt = c->imm & (bits - 1);
    uint64_t s = sse_get_ey(c, n);
    uint64_t r = cnt ? ((s >> cnt) | (s << (bits - cnt))) & size_mask(n) : s;
    reg_write(c->env, sse_gpr_reg(c), n, r);
}

/* SHLX (arg 0), SHRX (1), SARX (2) r, r/m, vvvv: count = vvvv mod the
 * operand width. */
void bmi_h_shx(SseCtx *c)
{
    unsigned n = bmi_size(c), bits = n * 8;
    uint64_t s = sse_get_ey(c, n), r;
    unsigned cnt = bmi_vvvv(c, n) & (bits - 1);
    switch (c->arg) {
    case 0: r = s << cnt; break;
    case 1: r = s >> cnt; break;
    default: r = (uint64_t)(sext(s, n) >> cnt); break;
    }
    reg_write(c->env, sse_gpr_reg(c), n, r & size_mask(n));
}

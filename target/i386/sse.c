/*
 * target/i386/sse.c - SSE/SSE2/SSE3/MMX dispatch, operand access, data
 * movement, MXCSR, floating point (through sse_host.c) and conversions.
 *
 * Design: one table, sse_map[opcode byte][mandatory prefix], covers the
 * 0F map (SDM Vol.2 Table A-3, with the prefix columns of the SSE rows);
 * sse_map38 covers the SSSE3 part of 0F 38.  The mandatory prefix is F3 or
 * F2 if present (the last one given wins, as the decoder keeps it), else 66,
 * else none (SDM Vol.2 2.1.2 / Table A-1 "mandatory prefix").  An entry
 * gives the handler, the memory-operand size of the r/m source, flags and
 * an argument (integer operation or host stub).
 *
 * Checks, in the SDM's order (Vol.3 Table 13-? / the "Exceptions" sections
 * of each instruction, Vol.2 Table 2-18..2-22 for legacy SSE): #UD if
 * CR0.EM=1 or (for anything touching XMM/MXCSR) CR4.OSFXSR=0; #NM if
 * CR0.TS=1; #MF for MMX forms with a pending unmasked x87 exception
 * (CR0.NE=1); then the memory operand: segment checks, #GP(0) for a
 * misaligned 16-byte operand of the aligned forms, #PF; #XM/#UD for
 * unmasked SIMD FP exceptions.  Registers are written last, so faulting
 * instructions are restartable.
 *
 * MMX forms perform the x87->MMX transition after the instruction (TOP=0,
 * all tags valid; EMMS empties the tags) (SDM Vol.1 9.5.1, 9.6.1).
 */
#include "target/i386/sse.h"
#include "target/i386/cpuid.h"
#include "target/i386/xsave.h"
#include "target/i386/fpu.h"
#include "target/i386/ops_internal.h"

/* ---------------------------------------------------------------- */
/* CPUID gating                                                      */

bool sse_feat_ok(const CPUX86State *env, unsigned ft)
{
    static const struct { uint8_t w; uint32_t bits; } need[FT_NB] = {
        [FT_MMX] = { FEAT_1_EDX, CPUID_MMX },
        [FT_SSE] = { FEAT_1_EDX, CPUID_SSE },
        [FT_SSE2] = { FEAT_1_EDX, CPUID_SSE2 },
        [FT_SSE3] = { FEAT_1_ECX, CPUID_EXT_SSE3 },
        [FT_SSSE3] = { FEAT_1_ECX, CPUID_EXT_SSSE3 },
        [FT_SSE41] = { FEAT_1_ECX, CPUID_EXT_SSE41 },
        [FT_SSE42] = { FEAT_1_ECX, CPUID_EXT_SSE42 },
        [FT_POPCNT] = { FEAT_1_ECX, CPUID_EXT_POPCNT },
        [FT_MOVBE] = { FEAT_1_ECX, CPUID_EXT_MOVBE },
        [FT_FXSR] = { FEAT_1_EDX, CPUID_FXSR },
        [FT_MMXSSE] = { FEAT_1_EDX, CPUID_SSE },
        [FT_AVX] = { FEAT_1_ECX, CPUID_EXT_AVX },
        [FT_AVX2] = { FEAT_7_0_EBX, CPUID_7_EBX_AVX2 },
        [FT_FMA] = { FEAT_1_ECX, CPUID_EXT_FMA },
        [FT_F16C] = { FEAT_1_ECX, CPUID_EXT_F16C },
        [FT_BMI1] = { FEAT_7_0_EBX, CPUID_7_EBX_BMI1 },
        [FT_BMI2] = { FEAT_7_0_EBX, CPUID_7_EBX_BMI2 },
        [FT_AES] = { FEAT_1_ECX, CPUID_EXT_AES },
        [FT_PCLMUL] = { FEAT_1_ECX, CPUID_EXT_PCLMULQDQ },
        [FT_SHA] = { FEAT_7_0_EBX, CPUID_7_EBX_SHA_NI },
        [FT_VAES] = { FEAT_7_0_ECX, CPUID_7_ECX_VAES },
        [FT_VPCLMUL] = { FEAT_7_0_ECX, CPUID_7_ECX_VPCLMULQDQ },
        [FT_SSE4A] = { FEAT_8000_0001_ECX, CPUID_EXT3_SSE4A },
    };
    if (ft == FT_NONE || ft >= FT_NB) {
        return true;
    }
    if (ft == FT_AVX_AES || ft == FT_AVX_PCLMUL) {
        /* SDM VAESENC / VPCLMULQDQ: CPUID.AES (PCLMULQDQ) and CPUID.AVX */
        return sse_feat_ok(env, FT_AVX) && sse_feat_ok(env, ft == FT_AVX_AES ? FT_AES : FT_PCLMUL);
    }
    if ((ft == FT_VAES || ft == FT_VPCLMUL) && !sse_feat_ok(env, FT_AVX)) {
        /* SDM VAESENC / VPCLMULQDQ, VEX.256: CPUID.(7,0):ECX.VAES
         * (VPCLMULQDQ), and AVX as every VEX encoding (Type 4) */
        return false;
    }
    if (cpu_has_feature(env, need[ft].w, need[ft].bits)) {
        return true;
    }
    /* AMD's MMX extensions (CPUID.80000001H:EDX[22]) are the SSE integer
     * MMX forms without the XMM part (AMD APM Vol.3 E.4.2) */
    return ft == FT_MMXSSE && cpu_has_feature(env, FEAT_8000_0001_EDX, CPUID_EXT2_MMXEXT);
}

/* ---------------------------------------------------------------- */
/* operand access                                                    */

static uint64_t la_add(const CPUX86State *env, uint64_t la, unsigned n)
{
    la += n;
    return env->long_mode ? la : (la & 0xffffffffu);
}

uint64_t sse_la(SseCtx *c, unsigned size, int access, bool align16)
{
    uint64_t la = insn_mem_linear(c->env, c->insn, size + c->moff, access);
    if (align16 && (la & 15)) {
        cpu_raise_exception_err(c->env, EXCP_GP, 0);
    }
    return la_add(c->env, la, c->moff);
}

void sse_load(SseCtx *c, XMMReg *r, unsigned size)
{
    CPUX86State *env = c->env;
    bool a16 = size == 16 && !(c->flags & SF_UNAL);
    uint64_t la = sse_la(c, size, ACC_READ, a16);

    memset(r, 0, sizeof(*r));
    switch (size) {
    case 2: r->w[0] = cpu_lduw(env, la); break;
    case 4: r->l[0] = cpu_ldl(env, la); break;
    case 8: r->q[0] = cpu_ldq(env, la); break;
    default:
        r->q[0] = cpu_ldq(env, la);
        r->q[1] = cpu_ldq(env, la_add(env, la, 8));
        break;
    }
}

void sse_store(SseCtx *c, const XMMReg *r, unsigned size)
{
    CPUX86State *env = c->env;
    bool a16 = size == 16 && !(c->flags & SF_UNAL);
    uint64_t la = sse_la(c, size, ACC_WRITE, a16);

    switch (size) {
    case 2: cpu_stw(env, la, r->w[0]); break;
    case 4: cpu_stl(env, la, r->l[0]); break;
    case 8: cpu_stq(env, la, r->q[0]); break;
    default: {
        /* both pages checked before any byte is written (restartable) */
        uint64_t hi = la_add(env, la, 15);
        if ((hi ^ la) & ~0xfffull) {
            /* a fault reports the first byte in the missing page */
            mmu_translate(env, la, ACC_WRITE, env->cpl == 3);
            mmu_translate(env, hi & ~0xfffull, ACC_WRITE, env->cpl == 3);
        }
        cpu_stq(env, la, r->q[0]);
        cpu_stq(env, la_add(env, la, 8), r->q[1]);
        break;
    }
    }
}

void sse_src(SseCtx *c, XMMReg *r)
{
    if (c->mem) {
        sse_load(c, r, c->msize);
    } else if (c->mmx) {
        memset(r, 0, sizeof(*r));
        r->q[0] = mmx_get(c->env, c->rm);
    } else {
        sse_lane_get(c, c->rm, c->lane, r);
    }
}

void sse_dst_get(SseCtx *c, XMMReg *r)
{
    if (c->mmx) {
        memset(r, 0, sizeof(*r));
        r->q[0] = mmx_get(c->env, c->reg);
    } else {
        sse_lane_get(c, c->v1, c->lane, r);
    }
}

void sse_dst_set(SseCtx *c, const XMMReg *r)
{
    if (c->mmx) {
        mmx_set(c->env, c->reg, r->q[0]);
    } else {
        sse_lane_set(c, c->reg, c->lane, r);
    }
}

void sse_reg_get(SseCtx *c, XMMReg *r)
{
    if (c->mmx) {
        memset(r, 0, sizeof(*r));
        r->q[0] = mmx_get(c->env, c->reg);
    } else {
        sse_lane_get(c, c->reg, c->lane, r);
    }
}

void sse_rm_get(SseCtx *c, XMMReg *r)
{
    sse_lane_get(c, c->rm, c->lane, r);
}

void sse_rm_set(SseCtx *c, const XMMReg *r)
{
    sse_lane_set(c, c->rm, c->lane, r);
}

/* r/m as a general register or memory of size 4/8 (Ey), or 2 (Ew). */
uint64_t sse_get_ey(SseCtx *c, unsigned size)
{
    if (c->mem) {
        return ld_size(c->env, sse_la(c, size, ACC_READ, false), size);
    }
    return c->env->regs[c->insn->ops[0].reg & 15] & size_mask(size);
}

void sse_set_ey(SseCtx *c, unsigned size, uint64_t v)
{
    if (c->mem) {
        st_size(c->env, sse_la(c, size, ACC_WRITE, false), size, v);
    } else {
        reg_write(c->env, c->insn->ops[0].reg & 15, size, v);
    }
}

unsigned sse_gpr_reg(const SseCtx *c)
{
    return ((c->insn->modrm >> 3) & 7) | ((c->insn->rex & 4) << 1);
}

/* ---------------------------------------------------------------- */
/* data movement                                                     */

/* Vx <- Wx, full width (MOVAPS/MOVUPS/MOVAPD/MOVUPD/MOVDQA/MOVDQU/LDDQU,
 * MOVQ mm, mm/m64). */
static void h_mov_load(SseCtx *c)
{
    XMMReg r;
    sse_src(c, &r);
    sse_dst_set(c, &r);
}

/* Wx <- Vx, full width. */
static void h_mov_store(SseCtx *c)
{
    XMMReg r;
    sse_reg_get(c, &r);
    if (c->mem) {
        sse_store(c, &r, c->mmx ? 8 : 16);
    } else if (c->mmx) {
        mmx_set(c->env, c->rm, r.q[0]);
    } else {
        sse_rm_set(c, &r);
    }
}

/* ---- AMD SSE4a (AMD APM Vol.4 EXTRQ, INSERTQ, MOVNTSS, MOVNTSD) ---- */

/* MOVNTSS m32, xmm (F3 0F 2B) / MOVNTSD m64, xmm (F2 0F 2B): the low
 * element, a non-temporal hint (msize 4 / 8, no alignment). */
static void h_movnts(SseCtx *c)
{
    XMMReg r;
    sse_reg_get(c, &r);
    sse_store(c, &r, c->msize);
}

/* The bit field of EXTRQ/INSERTQ: length and index are 6 bits each (the
 * upper two bits of their bytes are ignored), length 0 means 64.  A field
 * with length + index > 64 is undefined in the APM; the AMD host then
 * takes the bits that exist (the shifts simply lose what passes bit 63),
 * which is what these formulas give. */
static uint64_t field_mask(unsigned len)
{
    len &= 63;
    return len ? (1ull << len) - 1 : ~0ull;
}

/* EXTRQ xmm1, imm8, imm8 (66 0F 78 /0 ib ib: xmm1 is ModRM.rm, reg must
 * be 0) and EXTRQ xmm1, xmm2 (66 0F 79 /r: length xmm2[5:0], index
 * xmm2[13:8]): xmm1[63:0] = the field of xmm1[63:0] at index, zero
 * extended.  xmm1[127:64] is undefined in the APM; the AMD host zeroes it. */
static void h_extrq(SseCtx *c)
{
    XMMReg d, ctl;
    unsigned len, idx, dst;
    if (c->arg) {               /* register form */
        sse_rm_get(c, &ctl);
        len = ctl.b[0];
        idx = ctl.b[1];
        dst = c->reg;
    } else {
        len = (unsigned)c->insn->imm & 0xff;
        idx = ((unsigned)c->insn->imm >> 8) & 0xff;
        dst = c->rm;
    }
    xmm_get(c->env, dst, &d);
    d.q[0] = (d.q[0] >> (idx & 63)) & field_mask(len);
    d.q[1] = 0;
    xmm_set(c->env, dst, &d);
}

/* INSERTQ xmm1, xmm2, imm8, imm8 (F2 0F 78 /r ib ib) and INSERTQ xmm1,
 * xmm2 (F2 0F 79 /r: length xmm2[69:64], index xmm2[77:72]): the low
 * `length` bits of xmm2 replace the field of xmm1[63:0] at index; the
 * other bits of xmm1[63:0] are kept, xmm1[127:64] (undefined in the APM)
 * is zeroed as on the AMD host. */
static void h_insertq(SseCtx *c)
{
    XMMReg d, s;
    unsigned len, idx;
    sse_rm_get(c, &s);
    if (c->arg) {
        len = s.b[8];
        idx = s.b[9];
    } else {
        len = (unsigned)c->insn->imm & 0xff;
        idx = ((unsigned)c->insn->imm >> 8) & 0xff;
    }
    uint64_t m = field_mask(len);
    idx &= 63;
    xmm_get(c->env, c->reg, &d);
    d.q[0] = (d.q[0] & ~(m << idx)) | ((s.q[0] & m) << idx);
    d.q[1] = 0;
    xmm_set(c->env, c->reg, &d);
}

/* MOVSS/MOVSD load: from memory the rest is zeroed, between registers
 * only the low element moves (SDM MOVSS/MOVSD). */
static void h_movs_load(SseCtx *c)
{
    XMMReg d, s;
    sse_src(c, &s);
    if (c->mem) {
        sse_dst_set(c, &s);
        return;
    }
    sse_dst_get(c, &d);
    memcpy(&d, &s, c->msize);
    sse_dst_set(c, &d);
}

static void h_movs_store(SseCtx *c)
{
    XMMReg d, s;
    sse_reg_get(c, &s);
    if (c->mem) {
        sse_store(c, &s, c->msize);
        return;
    }
    /* VMOVSS xmm1(rm), xmm2(vvvv), xmm3: upper part from xmm2 */
    if (c->vex) {
        sse_dst_get(c, &d);
    } else {
        sse_rm_get(c, &d);
    }
    memcpy(&d, &s, c->msize);
    sse_rm_set(c, &d);
}

/* 0F 12 / 0F 16 (arg 0: low half, 1: high half): MOVLPS/MOVLPD/MOVHPS/
 * MOVHPD m64 loads; register forms (no prefix) MOVHLPS / MOVLHPS. */
static void h_movlh_load(SseCtx *c)
{
    XMMReg d, s;
    sse_dst_get(c, &d);
    if (c->mem) {
        sse_load(c, &s, 8);
        d.q[c->arg] = s.q[0];
    } else {
        sse_rm_get(c, &s);
        if (c->arg == 0) {
            d.q[0] = s.q[1];      /* MOVHLPS */
        } else {
            d.q[1] = s.q[0];      /* MOVLHPS */
        }
    }
    sse_dst_set(c, &d);
}

/* 0F 13 / 0F 17: m64 <- low/high half. */
static void h_movlh_store(SseCtx *c)
{
    XMMReg s, t;
    sse_reg_get(c, &s);
    memset(&t, 0, sizeof(t));
    t.q[0] = s.q[c->arg];
    sse_store(c, &t, 8);
}

/* MOVD/MOVQ mm/xmm <- Ey (0F 6E): zero-extended. */
static void h_movd_load(SseCtx *c)
{
    XMMReg r;
    unsigned size = (c->insn->rex & 8) ? 8 : 4;
    memset(&r, 0, sizeof(r));
    r.q[0] = sse_get_ey(c, size);
    sse_dst_set(c, &r);
}

/* MOVD/MOVQ Ey <- mm/xmm (0F 7E). */
static void h_movd_store(SseCtx *c)
{
    XMMReg r;
    unsigned size = (c->insn->rex & 8) ? 8 : 4;
    sse_reg_get(c, &r);
    sse_set_ey(c, size, r.q[0]);
}

/* MOVQ xmm, xmm/m64 (F3 0F 7E): upper half zeroed. */
static void h_movq_load(SseCtx *c)
{
    XMMReg s;
    sse_src(c, &s);
    s.q[1] = 0;
    sse_dst_set(c, &s);
}

/* MOVQ xmm/m64, xmm (66 0F D6): to a register the upper half is zeroed. */
static void h_movq_store(SseCtx *c)
{
    XMMReg s;
    sse_reg_get(c, &s);
    s.q[1] = 0;
    if (c->mem) {
        sse_store(c, &s, 8);
    } else {
        sse_rm_set(c, &s);
    }
}

/* MOVQ2DQ xmm, mm (F3 0F D6) / MOVDQ2Q mm, xmm (F2 0F D6): register only. */
static void h_movq2dq(SseCtx *c)
{
    XMMReg r;
    memset(&r, 0, sizeof(r));
    r.q[0] = mmx_get(c->env, c->rm);
    xmm_set(c->env, c->reg, &r);
}

static void h_movdq2q(SseCtx *c)
{
    XMMReg r;
    xmm_get(c->env, c->rm, &r);
    mmx_set(c->env, c->reg, r.q[0]);
}

/* MOVMSKPS/MOVMSKPD Gd, Ux: sign bits (arg = element size). */
static void h_movmsk(SseCtx *c)
{
    XMMReg s;
    uint32_t m = 0;
    sse_rm_get(c, &s);
    if (c->arg == 4) {
        for (int i = 0; i < 4; i++) {
            m |= (s.l[i] >> 31) << i;
        }
    } else {
        m = (uint32_t)(s.q[0] >> 63) | (uint32_t)(s.q[1] >> 63) << 1;
    }
    reg_write(c->env, sse_gpr_reg(c), 8, m);
}

/* MOVNTI My, Gy (0F C3). */
static void h_movnti(SseCtx *c)
{
    unsigned size = (c->insn->rex & 8) ? 8 : 4;
    sse_set_ey(c, size, c->env->regs[sse_gpr_reg(c)] & size_mask(size));
}

/* SSE3 MOVSLDUP (arg 0) / MOVSHDUP (arg 1) / MOVDDUP (arg 2). */
static void h_movdup(SseCtx *c)
{
    XMMReg s, d;
    sse_src(c, &s);
    if (c->arg == 2) {
        d.q[0] = d.q[1] = s.q[0];
    } else {
        for (int i = 0; i < 4; i += 2) {
            d.l[i] = d.l[i + 1] = s.l[i + c->arg];
        }
    }
    sse_dst_set(c, &d);
}

/* UNPCKLPS/UNPCKHPS/UNPCKLPD/UNPCKHPD: arg = IOP_PUNPCK{L,H}{DQ,QDQ}. */
static void h_int_xmm(SseCtx *c)
{
    sse_h_int(c);
}

/* SHUFPS (arg 4) / SHUFPD (arg 8). */
static void h_shufp(SseCtx *c)
{
    XMMReg d, s, r;
    /* VSHUFPD ymm: the upper lane uses imm8[3:2] */
    unsigned imm = c->arg == 8 ? c->imm >> (2 * c->lane) : c->imm;
    sse_dst_get(c, &d);
    sse_src(c, &s);
    if (c->arg == 4) {
        r.l[0] = d.l[imm & 3];
        r.l[1] = d.l[(imm >> 2) & 3];
        r.l[2] = s.l[(imm >> 4) & 3];
        r.l[3] = s.l[(imm >> 6) & 3];
    } else {
        r.q[0] = d.q[imm & 1];
        r.q[1] = s.q[(imm >> 1) & 1];
    }
    sse_dst_set(c, &r);
}

/* ---------------------------------------------------------------- */
/* MXCSR, FXSAVE/FXRSTOR (0F AE memory forms)                        */

/* 0F AE memory forms.  Own checks: FXSAVE/FXRSTOR raise #NM for CR0.EM
 * as well as CR0.TS and ignore CR4.OSFXSR (SDM FXSAVE "Protected Mode
 * Exceptions"); LDMXCSR/STMXCSR follow the SSE rule (#UD for EM or
 * OSFXSR=0, then #NM for TS). */
static void h_grp15(SseCtx *c)
{
    CPUX86State *env = c->env;
    unsigned sub = (c->insn->modrm >> 3) & 7;
    bool w = (c->insn->rex & 8) && env->code_bits == 64;

    if (sub >= 4) {             /* XSAVE, XRSTOR, XSAVEOPT: xsave.c */
        xsave_grp15(env, c->insn, sub);
        return;
    }
    if (!sse_feat_ok(env, sub < 2 ? FT_FXSR : FT_SSE)) {
        cpu_raise_exception(env, EXCP_UD);
    }
    if (sub >= 2 && ((env->cr[0] & CR0_EM) || !(env->cr[4] & CR4_OSFXSR))) {
        cpu_raise_exception(env, EXCP_UD);
    }
    if (env->cr[0] & (CR0_TS | (sub < 2 ? CR0_EM : 0))) {
        cpu_raise_exception(env, EXCP_NM);
    }
    switch (sub) {
    case 0: case 1: {
        /* The whole 512-byte area is checked before any access, the
         * first and the last byte (a #PF beyond the 416 bytes fpu.c
         * touches reports la + 511, as on hardware); alignment first. */
        int acc = sub == 0 ? ACC_WRITE : ACC_READ;
        uint64_t la = insn_mem_linear(env, c->insn, 512, acc);
        if (!(la & 15)) {
            mmu_translate(env, la, acc, env->cpl == 3);
            mmu_translate(env, la_add(env, la, 511), acc, env->cpl == 3);
        }
        if (sub == 0) {
            fpu_fxsave_ex(env, la, w);
        } else {
            fpu_fxrstor_ex(env, la, w);
        }
        break;
    }
    case 2: {   /* LDMXCSR: #GP(0) for reserved bits (SDM LDMXCSR) */
        uint32_t v = cpu_ldl(env, sse_la(c, 4, ACC_READ, false));
        if (v & ~MXCSR_VALID) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
        *sse_mxcsr(env) = v;
        break;
    }
    default:
        cpu_stl(env, sse_la(c, 4, ACC_WRITE, false), *sse_mxcsr(env));
        break;
    }
}

/* 0F C7 /3 /4 /5 memory forms: XRSTORS, XSAVEC, XSAVES (xsave.c) */
static void h_grp9(SseCtx *c)
{
    xsave_grp9(c->env, c->insn, (c->insn->modrm >> 3) & 7);
}

/* 0F 01 D0 / D1: XGETBV, XSETBV (xsave.c) */
static void h_xcr(SseCtx *c)
{
    xsave_xcr(c->env, c->insn);
}

/* ---------------------------------------------------------------- */
/* floating point on the host                                        */

/* Vx <- Vx op Wx through stub arg (arith, CMPxx, cvt xmm<-xmm, SSE3).
 * VEX.256: both lanes in one host run (sse_fp_run_lanes), so an unmasked
 * exception in either leaves the whole destination alone with the flags
 * of both (SDM Vol.1 11.5.2).  VCMPxx has predicates 0-31 (VEX stubs). */
static void h_fp(SseCtx *c)
{
    SseHostBuf b[2];
    unsigned nl = c->vl + 1;
    unsigned stub = c->arg;
    if ((c->insn->opcode & 0xffff) == 0x0fc2) {
        if (c->vex) {
            stub = SSE_STUB_VCMPPS + 32 * c->pfx + (c->imm & 31);
        } else {
            stub += c->imm & 7;     /* legacy CMPxx: predicates 0-7 */
        }
    }
    memset(b, 0, sizeof(b));
    for (unsigned l = 0; l < nl; l++) {
        c->lane = l;
        c->moff = 16 * l;
        sse_dst_get(c, &b[l].x0);
        sse_src(c, &b[l].x1);
    }
    sse_fp_run_lanes(c->env, b, nl, stub);
    for (unsigned l = 0; l < nl; l++) {
        c->lane = l;
        sse_dst_set(c, &b[l].x0);
    }
    c->lane = 0;
    c->moff = 0;
}

/* COMISS/UCOMISS/COMISD/UCOMISD: ZF PF CF from the host, OF SF AF
 * cleared (SDM COMISS). */
static void h_comis(SseCtx *c)
{
    SseHostBuf b = { 0 };
    sse_reg_get(c, &b.x0);
    sse_src(c, &b.x1);
    sse_fp_run(c->env, &b, c->arg);
    cc_set_all(c->env, (uint32_t)b.rflags & (CC_Z | CC_P | CC_C));
}

/* CVTSI2SS/CVTSI2SD Vx, Ey: arg = the 32-bit stub, +1 for REX.W. */
static void h_cvtsi2s(SseCtx *c)
{
    SseHostBuf b = { 0 };
    bool w = c->insn->rex & 8;
    sse_dst_get(c, &b.x0);
    b.rax = sse_get_ey(c, w ? 8 : 4);
    sse_fp_run(c->env, &b, c->arg + w);
    sse_dst_set(c, &b.x0);
}

/* CVT(T)SS2SI / CVT(T)SD2SI Gy, Wx: arg = the 32-bit stub, +1 for REX.W. */
static void h_cvts2si(SseCtx *c)
{
    SseHostBuf b = { 0 };
    bool w = c->insn->rex & 8;
    sse_src(c, &b.x1);
    sse_fp_run(c->env, &b, c->arg + w);
    reg_write(c->env, sse_gpr_reg(c), w ? 8 : 4, b.rax);
}

/* CVTPI2PS xmm, mm/m64: CVTDQ2PS on the two integers (upper source lanes
 * zero convert exactly), low half only; the high half is kept. */
static void src_mm(SseCtx *c, XMMReg *r)
{
    if (c->mem) {
        sse_load(c, r, 8);
    } else {
        memset(r, 0, sizeof(*r));
        r->q[0] = mmx_get(c->env, c->rm);
    }
}

static void h_cvtpi2ps(SseCtx *c)
{
    SseHostBuf b = { 0 };
    XMMReg d;
    src_mm(c, &b.x1);
    xmm_get(c->env, c->reg, &d);
    if (!c->mem) {
        mmx_transition(c->env);
    }
    sse_fp_run(c->env, &b, SSE_STUB_CVTDQ2PS);
    d.q[0] = b.x0.q[0];
    xmm_set(c->env, c->reg, &d);
}

/* CVTPI2PD xmm, mm/m64 = CVTDQ2PD. */
static void h_cvtpi2pd(SseCtx *c)
{
    SseHostBuf b = { 0 };
    src_mm(c, &b.x1);
    if (!c->mem) {
        mmx_transition(c->env);
    }
    sse_fp_run(c->env, &b, SSE_STUB_CVTDQ2PD);
    xmm_set(c->env, c->reg, &b.x0);
}

/* CVT(T)PS2PI mm, xmm/m64 and CVT(T)PD2PI mm, xmm/m128: the DQ forms,
 * low 64 bits of the result (arg = stub). */
static void h_cvt2pi(SseCtx *c)
{
    SseHostBuf b = { 0 };
    if (c->mem) {
        sse_load(c, &b.x1, c->msize);
    } else {
        xmm_get(c->env, c->rm, &b.x1);
    }
    if (c->arg == SSE_STUB_CVTPS2DQ || c->arg == SSE_STUB_CVTTPS2DQ) {
        b.x1.q[1] = 0;
    }
    mmx_transition(c->env);
    sse_fp_run(c->env, &b, c->arg);
    mmx_set(c->env, c->reg, b.x0.q[0]);
}

/* PINSRW mm/xmm, r32/m16, imm8 */
static void h_pinsrw(SseCtx *c)
{
    XMMReg d;
    uint16_t v = (uint16_t)sse_get_ey(c, 2);
    sse_dst_get(c, &d);
    d.w[c->imm & (c->mmx ? 3 : 7)] = v;
    sse_dst_set(c, &d);
}

/* PEXTRW Gd, mm/xmm, imm8 (register forms) */
static void h_pextrw(SseCtx *c)
{
    XMMReg s;
    sse_src(c, &s);
    reg_write(c->env, sse_gpr_reg(c), 8, s.w[c->imm & (c->mmx ? 3 : 7)]);
}

/* PMOVMSKB Gd, mm/xmm */
static void h_pmovmskb(SseCtx *c)
{
    XMMReg s;
    uint32_t m = 0;
    sse_src(c, &s);
    for (unsigned i = 0; i < (c->mmx ? 8u : 16u); i++) {
        m |= (uint32_t)(s.b[i] >> 7) << i;
    }
    reg_write(c->env, sse_gpr_reg(c), 8, m);
}

/* MASKMOVQ / MASKMOVDQU: bytes of reg whose mask byte (r/m) has bit 7 set
 * go to DS:rDI, DS overridable (SDM MASKMOVDQU; decoded with DF_SEGDS). */
static void h_maskmov(SseCtx *c)
{
    CPUX86State *env = c->env;
    XMMReg d, m;
    unsigned n = c->mmx ? 8 : 16;
    uint64_t off = env->regs[R_EDI] & size_mask(c->insn->addrsize);
    sse_reg_get(c, &d);
    sse_src(c, &m);
    /* Every selected byte is checked (segment, canonical form, page
     * write access) before any is stored, so a fault on a later byte
     * leaves memory untouched, as on the host (the soak of 2026-12-07
     * found emu86 writing the bytes below a page that faulted). */
    uint64_t la[16];
    for (unsigned i = 0; i < n; i++) {
        if (m.b[i] & 0x80) {
            uint64_t a = (off + i) & size_mask(c->insn->addrsize);
            la[i] = seg_linear(env, insn_src_seg(c->insn), a, 1, ACC_WRITE);
            mmu_translate(env, la[i], ACC_WRITE, env->cpl == 3);
        }
    }
    for (unsigned i = 0; i < n; i++) {
        if (m.b[i] & 0x80) {
            cpu_stb(env, la[i], d.b[i]);
        }
    }
}

/* EMMS: TOP = 0 (observed on hardware, as for any MMX instruction) and
 * every tag empty (SDM EMMS). */
static void h_emms(SseCtx *c)
{
    c->env->x87.fsw &= ~0x3800u;
    c->env->x87.ftw = 0;
}

/* ---------------------------------------------------------------- */
/* the tables                                                        */

#define E(fn, fl, ms, a, ft) { fn, fl, ms, a, FT_##ft }
/* integer op: MMX form (no prefix) and SSE2 XMM form (66) */
#define IMX(op) { E(sse_h_int, SF_MMX, 0, op, MMX), E(sse_h_int, 0, 0, op, SSE2) }
/* the same, MMX form added by SSE (SDM "CPUID Feature Flag": SSE) or SSE2 */
#define IMXS(op) { E(sse_h_int, SF_MMX, 0, op, MMXSSE), E(sse_h_int, 0, 0, op, SSE2) }
#define IMX2(op) { E(sse_h_int, SF_MMX, 0, op, SSE2), E(sse_h_int, 0, 0, op, SSE2) }
/* 66 only */
#define I66(op) { [1] = E(sse_h_int, 0, 0, op, SSE2) }
/* FP arithmetic in all four forms: PS/SS are SSE, PD/SD SSE2 */
#define FP4(n) { E(h_fp, 0, 16, SSE_STUB_##n##PS, SSE), E(h_fp, 0, 16, SSE_STUB_##n##PD, SSE2), \
                 E(h_fp, 0, 4, SSE_STUB_##n##SS, SSE), E(h_fp, 0, 8, SSE_STUB_##n##SD, SSE2) }
#define LOGIC(op) { E(h_int_xmm, 0, 16, op, SSE), E(h_int_xmm, 0, 16, op, SSE2) }

static const SseEntry sse_map[256][4] = {
    [0x01] = { E(h_xcr, SF_GPR, 0, 0, NONE) },             /* XGETBV/XSETBV: NP */
    [0x10] = { E(h_mov_load, SF_UNAL, 16, 0, SSE), E(h_mov_load, SF_UNAL, 16, 0, SSE2),
               E(h_movs_load, 0, 4, 0, SSE), E(h_movs_load, 0, 8, 0, SSE2) },
    [0x11] = { E(h_mov_store, SF_UNAL, 16, 0, SSE), E(h_mov_store, SF_UNAL, 16, 0, SSE2),
               E(h_movs_store, 0, 4, 0, SSE), E(h_movs_store, 0, 8, 0, SSE2) },
    [0x12] = { E(h_movlh_load, 0, 8, 0, SSE), E(h_movlh_load, SF_MEMONLY, 8, 0, SSE2),
               E(h_movdup, 0, 16, 0, SSE3), E(h_movdup, 0, 8, 2, SSE3) },
    [0x13] = { E(h_movlh_store, SF_MEMONLY, 8, 0, SSE), E(h_movlh_store, SF_MEMONLY, 8, 0, SSE2) },
    [0x14] = { E(h_int_xmm, 0, 16, IOP_PUNPCKLDQ, SSE), E(h_int_xmm, 0, 16, IOP_PUNPCKLQDQ, SSE2) },
    [0x15] = { E(h_int_xmm, 0, 16, IOP_PUNPCKHDQ, SSE), E(h_int_xmm, 0, 16, IOP_PUNPCKHQDQ, SSE2) },
    [0x16] = { E(h_movlh_load, 0, 8, 1, SSE), E(h_movlh_load, SF_MEMONLY, 8, 1, SSE2),
               E(h_movdup, 0, 16, 1, SSE3) },
    [0x17] = { E(h_movlh_store, SF_MEMONLY, 8, 1, SSE), E(h_movlh_store, SF_MEMONLY, 8, 1, SSE2) },
    [0x28] = { E(h_mov_load, 0, 16, 0, SSE), E(h_mov_load, 0, 16, 0, SSE2) },
    [0x29] = { E(h_mov_store, 0, 16, 0, SSE), E(h_mov_store, 0, 16, 0, SSE2) },
    [0x2a] = { E(h_cvtpi2ps, SF_MMXT, 8, 0, SSE), E(h_cvtpi2pd, SF_MMXT, 8, 0, SSE2),
               E(h_cvtsi2s, 0, 0, SSE_STUB_CVTSI2SS_L, SSE), E(h_cvtsi2s, 0, 0, SSE_STUB_CVTSI2SD_L, SSE2) },
    [0x2b] = { E(h_mov_store, SF_MEMONLY, 16, 0, SSE), E(h_mov_store, SF_MEMONLY, 16, 0, SSE2),
               E(h_movnts, SF_MEMONLY, 4, 0, SSE4A), E(h_movnts, SF_MEMONLY, 8, 0, SSE4A) },
    [0x2c] = { E(h_cvt2pi, SF_MMXT, 8, SSE_STUB_CVTTPS2DQ, SSE), E(h_cvt2pi, SF_MMXT, 16, SSE_STUB_CVTTPD2DQ, SSE2),
               E(h_cvts2si, 0, 4, SSE_STUB_CVTTSS2SI_L, SSE), E(h_cvts2si, 0, 8, SSE_STUB_CVTTSD2SI_L, SSE2) },
    [0x2d] = { E(h_cvt2pi, SF_MMXT, 8, SSE_STUB_CVTPS2DQ, SSE), E(h_cvt2pi, SF_MMXT, 16, SSE_STUB_CVTPD2DQ, SSE2),
               E(h_cvts2si, 0, 4, SSE_STUB_CVTSS2SI_L, SSE), E(h_cvts2si, 0, 8, SSE_STUB_CVTSD2SI_L, SSE2) },
    [0x2e] = { E(h_comis, 0, 4, SSE_STUB_UCOMISS, SSE), E(h_comis, 0, 8, SSE_STUB_UCOMISD, SSE2) },
    [0x2f] = { E(h_comis, 0, 4, SSE_STUB_COMISS, SSE), E(h_comis, 0, 8, SSE_STUB_COMISD, SSE2) },
    [0x50] = { E(h_movmsk, SF_REGONLY, 0, 4, SSE), E(h_movmsk, SF_REGONLY, 0, 8, SSE2) },
    [0x51] = FP4(SQRT),
    [0x52] = { E(h_fp, 0, 16, SSE_STUB_RSQRTPS, SSE), [2] = E(h_fp, 0, 4, SSE_STUB_RSQRTSS, SSE) },
    [0x53] = { E(h_fp, 0, 16, SSE_STUB_RCPPS, SSE), [2] = E(h_fp, 0, 4, SSE_STUB_RCPSS, SSE) },
    [0x54] = LOGIC(IOP_PAND), [0x55] = LOGIC(IOP_PANDN),
    [0x56] = LOGIC(IOP_POR), [0x57] = LOGIC(IOP_PXOR),
    [0x58] = FP4(ADD), [0x59] = FP4(MUL),
    [0x5a] = { E(h_fp, 0, 8, SSE_STUB_CVTPS2PD, SSE2), E(h_fp, 0, 16, SSE_STUB_CVTPD2PS, SSE2),
               E(h_fp, 0, 4, SSE_STUB_CVTSS2SD, SSE2), E(h_fp, 0, 8, SSE_STUB_CVTSD2SS, SSE2) },
    [0x5b] = { E(h_fp, 0, 16, SSE_STUB_CVTDQ2PS, SSE2), E(h_fp, 0, 16, SSE_STUB_CVTPS2DQ, SSE2),
               E(h_fp, 0, 16, SSE_STUB_CVTTPS2DQ, SSE2) },
    [0x5c] = FP4(SUB), [0x5d] = FP4(MIN), [0x5e] = FP4(DIV), [0x5f] = FP4(MAX),
    [0x60] = { E(sse_h_int, SF_MMX, 4, IOP_PUNPCKLBW, MMX), E(sse_h_int, 0, 0, IOP_PUNPCKLBW, SSE2) },
    [0x61] = { E(sse_h_int, SF_MMX, 4, IOP_PUNPCKLWD, MMX), E(sse_h_int, 0, 0, IOP_PUNPCKLWD, SSE2) },
    [0x62] = { E(sse_h_int, SF_MMX, 4, IOP_PUNPCKLDQ, MMX), E(sse_h_int, 0, 0, IOP_PUNPCKLDQ, SSE2) },
    [0x63] = IMX(IOP_PACKSSWB), [0x64] = IMX(IOP_PCMPGTB), [0x65] = IMX(IOP_PCMPGTW),
    [0x66] = IMX(IOP_PCMPGTD), [0x67] = IMX(IOP_PACKUSWB), [0x68] = IMX(IOP_PUNPCKHBW),
    [0x69] = IMX(IOP_PUNPCKHWD), [0x6a] = IMX(IOP_PUNPCKHDQ), [0x6b] = IMX(IOP_PACKSSDW),
    [0x6c] = I66(IOP_PUNPCKLQDQ), [0x6d] = I66(IOP_PUNPCKHQDQ),
    [0x6e] = { E(h_movd_load, SF_MMX, 0, 0, MMX), E(h_movd_load, 0, 0, 0, SSE2) },
    [0x6f] = { E(h_mov_load, SF_MMX, 8, 0, MMX), E(h_mov_load, 0, 16, 0, SSE2),
               E(h_mov_load, SF_UNAL, 16, 0, SSE2) },
    [0x70] = { E(sse_h_pshuf, SF_MMX, 8, 0, MMXSSE), E(sse_h_pshuf, 0, 16, 1, SSE2),
               E(sse_h_pshuf, 0, 16, 2, SSE2), E(sse_h_pshuf, 0, 16, 3, SSE2) },
    [0x71] = { E(sse_h_shift_imm, SF_MMX | SF_REGONLY, 0, 2, MMX),
               E(sse_h_shift_imm, SF_REGONLY, 0, 2, SSE2) },
    [0x72] = { E(sse_h_shift_imm, SF_MMX | SF_REGONLY, 0, 4, MMX),
               E(sse_h_shift_imm, SF_REGONLY, 0, 4, SSE2) },
    [0x73] = { E(sse_h_shift_imm, SF_MMX | SF_REGONLY, 0, 8, MMX),
               E(sse_h_shift_imm, SF_REGONLY, 0, 8, SSE2) },
    [0x74] = IMX(IOP_PCMPEQB), [0x75] = IMX(IOP_PCMPEQW), [0x76] = IMX(IOP_PCMPEQD),
    [0x77] = { E(h_emms, SF_MMX, 0, 0, MMX) },
    /* SSE4a (decoded only when the model offers it: DECODE_F_SSE4A);
     * arg 0: the imm8 forms, 1: the register forms */
    [0x78] = { [1] = E(h_extrq, SF_REGONLY, 0, 0, SSE4A), [3] = E(h_insertq, SF_REGONLY, 0, 0, SSE4A) },
    [0x79] = { [1] = E(h_extrq, SF_REGONLY, 0, 1, SSE4A), [3] = E(h_insertq, SF_REGONLY, 0, 1, SSE4A) },
    [0x7c] = { [1] = E(h_fp, 0, 16, SSE_STUB_HADDPD, SSE3), [3] = E(h_fp, 0, 16, SSE_STUB_HADDPS, SSE3) },
    [0x7d] = { [1] = E(h_fp, 0, 16, SSE_STUB_HSUBPD, SSE3), [3] = E(h_fp, 0, 16, SSE_STUB_HSUBPS, SSE3) },
    [0x7e] = { E(h_movd_store, SF_MMX, 0, 0, MMX), E(h_movd_store, 0, 0, 0, SSE2),
               E(h_movq_load, 0, 8, 0, SSE2) },
    [0x7f] = { E(h_mov_store, SF_MMX, 8, 0, MMX), E(h_mov_store, 0, 16, 0, SSE2),
               E(h_mov_store, SF_UNAL, 16, 0, SSE2) },
    /* FXSAVE/FXRSTOR need FXSR, LDMXCSR/STMXCSR SSE, the XSAVE family
     * XSAVE: checked per /reg in h_grp15 */
    [0xae] = { E(h_grp15, SF_MEMONLY | SF_GPR, 0, 0, NONE) },
    [0xb8] = { [2] = E(sse_h_popcnt, SF_GPR, 0, 0, POPCNT) },
    [0xc2] = { E(h_fp, 0, 16, SSE_STUB_CMPPS0, SSE), E(h_fp, 0, 16, SSE_STUB_CMPPD0, SSE2),
               E(h_fp, 0, 4, SSE_STUB_CMPSS0, SSE), E(h_fp, 0, 8, SSE_STUB_CMPSD0, SSE2) },
    [0xc3] = { E(h_movnti, SF_MEMONLY | SF_GPR, 0, 0, SSE2) },
    [0xc4] = { E(h_pinsrw, SF_MMX, 2, 0, MMXSSE), E(h_pinsrw, 0, 2, 0, SSE2) },
    [0xc5] = { E(h_pextrw, SF_MMX | SF_REGONLY, 0, 0, MMXSSE), E(h_pextrw, SF_REGONLY, 0, 0, SSE2) },
    [0xc6] = { E(h_shufp, 0, 16, 4, SSE), E(h_shufp, 0, 16, 8, SSE2) },
    [0xc7] = { E(h_grp9, SF_MEMONLY | SF_GPR, 0, 0, NONE) },  /* XSAVEC...: NP */
    [0xd0] = { [1] = E(h_fp, 0, 16, SSE_STUB_ADDSUBPD, SSE3), [3] = E(h_fp, 0, 16, SSE_STUB_ADDSUBPS, SSE3) },
    [0xd1] = IMX(IOP_PSRLW), [0xd2] = IMX(IOP_PSRLD), [0xd3] = IMX(IOP_PSRLQ),
    [0xd4] = IMX2(IOP_PADDQ), [0xd5] = IMX(IOP_PMULLW),
    [0xd6] = { [1] = E(h_movq_store, 0, 8, 0, SSE2), [2] = E(h_movq2dq, SF_MMXT | SF_REGONLY, 0, 0, SSE2),
               [3] = E(h_movdq2q, SF_MMXT | SF_REGONLY, 0, 0, SSE2) },
    [0xd7] = { E(h_pmovmskb, SF_MMX | SF_REGONLY, 0, 0, MMXSSE), E(h_pmovmskb, SF_REGONLY, 0, 0, SSE2) },
    [0xd8] = IMX(IOP_PSUBUSB), [0xd9] = IMX(IOP_PSUBUSW), [0xda] = IMXS(IOP_PMINUB),
    [0xdb] = IMX(IOP_PAND), [0xdc] = IMX(IOP_PADDUSB), [0xdd] = IMX(IOP_PADDUSW),
    [0xde] = IMXS(IOP_PMAXUB), [0xdf] = IMX(IOP_PANDN),
    [0xe0] = IMXS(IOP_PAVGB), [0xe1] = IMX(IOP_PSRAW), [0xe2] = IMX(IOP_PSRAD),
    [0xe3] = IMXS(IOP_PAVGW), [0xe4] = IMXS(IOP_PMULHUW), [0xe5] = IMX(IOP_PMULHW),
    [0xe6] = { [1] = E(h_fp, 0, 16, SSE_STUB_CVTTPD2DQ, SSE2), [2] = E(h_fp, 0, 8, SSE_STUB_CVTDQ2PD, SSE2),
               [3] = E(h_fp, 0, 16, SSE_STUB_CVTPD2DQ, SSE2) },
    [0xe7] = { E(h_mov_store, SF_MMX | SF_MEMONLY, 8, 0, MMXSSE), E(h_mov_store, SF_MEMONLY, 16, 0, SSE2) },
    [0xe8] = IMX(IOP_PSUBSB), [0xe9] = IMX(IOP_PSUBSW), [0xea] = IMXS(IOP_PMINSW),
    [0xeb] = IMX(IOP_POR), [0xec] = IMX(IOP_PADDSB), [0xed] = IMX(IOP_PADDSW),
    [0xee] = IMXS(IOP_PMAXSW), [0xef] = IMX(IOP_PXOR),
    [0xf0] = { [3] = E(h_mov_load, SF_MEMONLY | SF_UNAL, 16, 0, SSE3) },     /* LDDQU */
    [0xf1] = IMX(IOP_PSLLW), [0xf2] = IMX(IOP_PSLLD), [0xf3] = IMX(IOP_PSLLQ),
    [0xf4] = IMX2(IOP_PMULUDQ), [0xf5] = IMX(IOP_PMADDWD), [0xf6] = IMXS(IOP_PSADBW),
    [0xf7] = { E(h_maskmov, SF_MMX | SF_MMXST | SF_REGONLY, 0, 0, MMXSSE),
               E(h_maskmov, SF_REGONLY, 0, 0, SSE2) },
    [0xf8] = IMX(IOP_PSUBB), [0xf9] = IMX(IOP_PSUBW), [0xfa] = IMX(IOP_PSUBD),
    [0xfb] = IMX2(IOP_PSUBQ), [0xfc] = IMX(IOP_PADDB), [0xfd] = IMX(IOP_PADDW),
    [0xfe] = IMX(IOP_PADDD),
};

/* ---------------------------------------------------------------- */

void sse_execute(CPUX86State *env, const Insn *insn)
{
    unsigned pfx = (insn->prefix & PFX_REP) ? 2 : (insn->prefix & PFX_REPNE) ? 3 :
                   (insn->prefix & PFX_OPSZ) ? 1 : 0;
    uint32_t opc = insn->opcode;
    const SseEntry *e = NULL;

    if (opc & DECODE_OPC_VEX) {
        avx_execute(env, insn);     /* avx.c */
        return;
    } else if ((opc & 0xffff00u) == 0x0f00) {
        e = &sse_map[opc & 0xff][pfx];
    } else if ((opc & 0xffff00u) == 0x0f3800) {
        e = &sse4_map38[opc & 0xff][pfx];
    } else if ((opc & 0xffff00u) == 0x0f3a00) {
        e = &sse4_map3a[opc & 0xff][pfx];
    }
    /* VEX (no AVX offered), 3DNow!, XSAVE... and holes: #UD */
    if (!e || !e->fn || !sse_feat_ok(env, e->feat)) {
        cpu_raise_exception(env, EXCP_UD);
    }

    SseCtx c = {
        .env = env, .insn = insn, .pfx = pfx, .flags = e->flags, .arg = e->arg,
        .mem = insn->ops[0].kind == OPK_MEM,
        .mmx = e->flags & SF_MMX,
        .imm = (uint8_t)insn->imm,
    };
    unsigned reg = (insn->modrm >> 3) & 7, rm = insn->modrm & 7;
    if (c.mmx) {
        c.reg = reg;
        c.rm = rm;
    } else {
        c.reg = reg | ((insn->rex & 4) << 1);
        c.rm = rm | ((insn->rex & 1) << 3);
    }
    c.v1 = c.reg;
    c.msize = e->msize ? e->msize : c.mmx ? 8 : 16;
    /* SHA m128 operands: Intel requires 16-byte alignment (SDM SHA1MSG1
     * etc. "Exceptions Type 4"); the AMD EPYC host does not fault on a
     * misaligned one (tests/difftest), so AMD models follow it. */
    if (e->feat == FT_SHA && x86_model_is_amd(cpu_model(env))) {
        c.flags |= SF_UNAL;
    }

    /* SDM Vol.3 Table 2-2 and the legacy-SSE exception tables */
    if ((e->flags & SF_REGONLY) && c.mem) {
        cpu_raise_exception(env, EXCP_UD);
    }
    if ((e->flags & SF_MEMONLY) && !c.mem) {
        cpu_raise_exception(env, EXCP_UD);
    }
    if (e->fn == sse_h_shift_imm && !sse_shift_imm_defined(e->arg, c.mmx, reg)) {
        cpu_raise_exception(env, EXCP_UD);
    }
    if (opc == 0x0f78 && pfx == 1 && reg != 0) {
        cpu_raise_exception(env, EXCP_UD);      /* EXTRQ imm8 form is /0 (AMD APM) */
    }
    if (e->flags & SF_GPR) {    /* MOVNTI, 0F AE: no common EM/TS/OSFXSR checks */
        e->fn(&c);
        return;
    }
    if (env->cr[0] & CR0_EM) {
        cpu_raise_exception(env, EXCP_UD);
    }
    if (!(e->flags & (SF_MMX | SF_NOFXSR)) && !(env->cr[4] & CR4_OSFXSR)) {
        cpu_raise_exception(env, EXCP_UD);
    }
    if (env->cr[0] & CR0_TS) {
        cpu_raise_exception(env, EXCP_NM);
    }
    bool mmx_state = (e->flags & SF_MMX) ||
                     ((e->flags & SF_MMXT) && (!c.mem || opc == 0x0f2c || opc == 0x0f2d));
    if (mmx_state && (env->x87.fsw & 0x80) && (env->cr[0] & CR0_NE)) {
        cpu_raise_exception(env, EXCP_MF);   /* pending x87 exception (SDM Vol.1 9.6.1) */
    }

    if (e->flags & SF_MMXST) {
        mmx_transition(env);
    }
    e->fn(&c);
    if (mmx_state && opc != 0x0f77) {
        mmx_transition(env);
    }
}

/* ---------------------------------------------------------------- */
/* VEX-encoded 0F map (AVX; AVX2 for the 256-bit integer forms), run by
 * avx_execute (avx.c) with the handlers above: VEX.vvvv is the first
 * source (SseCtx.v1), in-lane 256-bit operations are two lane calls.
 * Columns: none / 66 / F3 / F2 (VEX.pp).  SDM Vol.2 Table A-3 "v" rows.
 */
#define V(fn, fl, ms, a, ft) { fn, (fl), ms, a, FT_##ft }
#define VI(op) { [1] = V(sse_h_int, VF_I256, 16, op, AVX) }
#define VFP4(n) { V(h_fp, VF_WIDE, 16, SSE_STUB_##n##PS, AVX), V(h_fp, VF_WIDE, 16, SSE_STUB_##n##PD, AVX), \
                  V(h_fp, VF_LIG | VF_FIXM, 4, SSE_STUB_##n##SS, AVX), \
                  V(h_fp, VF_LIG | VF_FIXM, 8, SSE_STUB_##n##SD, AVX) }
#define VLOGIC(op) { V(h_int_xmm, 0, 16, op, AVX), V(h_int_xmm, 0, 16, op, AVX) }
#define VSH(op) { [1] = V(avx_h_shift, VF_WIDE | VF_I256 | VF_FIXM, 16, op, AVX) }
#define MOVST (VF_NOV | VF_STORE)
#define SCAL (VF_LIG | VF_FIXM)

const SseEntry sse_vex_map1[256][4] = {
    [0x10] = { V(h_mov_load, VF_NOV, 16, 0, AVX), V(h_mov_load, VF_NOV, 16, 0, AVX),
               V(h_movs_load, SCAL | VF_NOVMEM, 4, 0, AVX), V(h_movs_load, SCAL | VF_NOVMEM, 8, 0, AVX) },
    [0x11] = { V(h_mov_store, MOVST, 16, 0, AVX), V(h_mov_store, MOVST, 16, 0, AVX),
               V(h_movs_store, SCAL | VF_NOVMEM | VF_STORE, 4, 0, AVX),
               V(h_movs_store, SCAL | VF_NOVMEM | VF_STORE, 8, 0, AVX) },
    [0x12] = { V(h_movlh_load, VF_L0 | VF_FIXM, 8, 0, AVX), V(h_movlh_load, VF_L0 | VF_FIXM | SF_MEMONLY, 8, 0, AVX),
               V(h_movdup, VF_NOV, 16, 0, AVX), V(h_movdup, VF_NOV, 8, 2, AVX) },
    [0x13] = { V(h_movlh_store, MOVST | VF_L0 | VF_FIXM | SF_MEMONLY, 8, 0, AVX),
               V(h_movlh_store, MOVST | VF_L0 | VF_FIXM | SF_MEMONLY, 8, 0, AVX) },
    [0x14] = { V(h_int_xmm, 0, 16, IOP_PUNPCKLDQ, AVX), V(h_int_xmm, 0, 16, IOP_PUNPCKLQDQ, AVX) },
    [0x15] = { V(h_int_xmm, 0, 16, IOP_PUNPCKHDQ, AVX), V(h_int_xmm, 0, 16, IOP_PUNPCKHQDQ, AVX) },
    [0x16] = { V(h_movlh_load, VF_L0 | VF_FIXM, 8, 1, AVX), V(h_movlh_load, VF_L0 | VF_FIXM | SF_MEMONLY, 8, 1, AVX),
               V(h_movdup, VF_NOV, 16, 1, AVX) },
    [0x17] = { V(h_movlh_store, MOVST | VF_L0 | VF_FIXM | SF_MEMONLY, 8, 1, AVX),
               V(h_movlh_store, MOVST | VF_L0 | VF_FIXM | SF_MEMONLY, 8, 1, AVX) },
    [0x28] = { V(h_mov_load, VF_NOV | VF_ALIGN, 16, 0, AVX), V(h_mov_load, VF_NOV | VF_ALIGN, 16, 0, AVX) },
    [0x29] = { V(h_mov_store, MOVST | VF_ALIGN, 16, 0, AVX), V(h_mov_store, MOVST | VF_ALIGN, 16, 0, AVX) },
    [0x2a] = { [2] = V(h_cvtsi2s, SCAL | VF_WGPR, 0, SSE_STUB_CVTSI2SS_L, AVX),
               [3] = V(h_cvtsi2s, SCAL | VF_WGPR, 0, SSE_STUB_CVTSI2SD_L, AVX) },
    [0x2b] = { V(h_mov_store, MOVST | VF_ALIGN | SF_MEMONLY, 16, 0, AVX),
               V(h_mov_store, MOVST | VF_ALIGN | SF_MEMONLY, 16, 0, AVX) },
    [0x2c] = { [2] = V(h_cvts2si, SCAL | VF_NOV | VF_WGPR, 4, SSE_STUB_CVTTSS2SI_L, AVX),
               [3] = V(h_cvts2si, SCAL | VF_NOV | VF_WGPR, 8, SSE_STUB_CVTTSD2SI_L, AVX) },
    [0x2d] = { [2] = V(h_cvts2si, SCAL | VF_NOV | VF_WGPR, 4, SSE_STUB_CVTSS2SI_L, AVX),
               [3] = V(h_cvts2si, SCAL | VF_NOV | VF_WGPR, 8, SSE_STUB_CVTSD2SI_L, AVX) },
    [0x2e] = { V(h_comis, SCAL | VF_NOV, 4, SSE_STUB_UCOMISS, AVX), V(h_comis, SCAL | VF_NOV, 8, SSE_STUB_UCOMISD, AVX) },
    [0x2f] = { V(h_comis, SCAL | VF_NOV, 4, SSE_STUB_COMISS, AVX), V(h_comis, SCAL | VF_NOV, 8, SSE_STUB_COMISD, AVX) },
    [0x50] = { V(avx_h_movmsk, VF_WIDE | VF_NOV | SF_REGONLY, 0, 4, AVX),
               V(avx_h_movmsk, VF_WIDE | VF_NOV | SF_REGONLY, 0, 8, AVX) },
    [0x51] = { V(h_fp, VF_WIDE | VF_NOV, 16, SSE_STUB_SQRTPS, AVX), V(h_fp, VF_WIDE | VF_NOV, 16, SSE_STUB_SQRTPD, AVX),
               V(h_fp, SCAL, 4, SSE_STUB_SQRTSS, AVX), V(h_fp, SCAL, 8, SSE_STUB_SQRTSD, AVX) },
    [0x52] = { V(h_fp, VF_WIDE | VF_NOV, 16, SSE_STUB_RSQRTPS, AVX), [2] = V(h_fp, SCAL, 4, SSE_STUB_RSQRTSS, AVX) },
    [0x53] = { V(h_fp, VF_WIDE | VF_NOV, 16, SSE_STUB_RCPPS, AVX), [2] = V(h_fp, SCAL, 4, SSE_STUB_RCPSS, AVX) },
    [0x54] = VLOGIC(IOP_PAND), [0x55] = VLOGIC(IOP_PANDN),
    [0x56] = VLOGIC(IOP_POR), [0x57] = VLOGIC(IOP_PXOR),
    [0x58] = VFP4(ADD), [0x59] = VFP4(MUL),
    [0x5a] = { V(avx_h_cvt, VF_WIDE | VF_NOV, 8, SSE_STUB_CVTPS2PD, AVX),
               V(avx_h_cvt, VF_WIDE | VF_NOV, 16, SSE_STUB_CVTPD2PS, AVX),
               V(h_fp, SCAL, 4, SSE_STUB_CVTSS2SD, AVX), V(h_fp, SCAL, 8, SSE_STUB_CVTSD2SS, AVX) },
    [0x5b] = { V(h_fp, VF_WIDE | VF_NOV, 16, SSE_STUB_CVTDQ2PS, AVX), V(h_fp, VF_WIDE | VF_NOV, 16, SSE_STUB_CVTPS2DQ, AVX),
               V(h_fp, VF_WIDE | VF_NOV, 16, SSE_STUB_CVTTPS2DQ, AVX) },
    [0x5c] = VFP4(SUB), [0x5d] = VFP4(MIN), [0x5e] = VFP4(DIV), [0x5f] = VFP4(MAX),
    [0x60] = VI(IOP_PUNPCKLBW), [0x61] = VI(IOP_PUNPCKLWD), [0x62] = VI(IOP_PUNPCKLDQ),
    [0x63] = VI(IOP_PACKSSWB), [0x64] = VI(IOP_PCMPGTB), [0x65] = VI(IOP_PCMPGTW),
    [0x66] = VI(IOP_PCMPGTD), [0x67] = VI(IOP_PACKUSWB), [0x68] = VI(IOP_PUNPCKHBW),
    [0x69] = VI(IOP_PUNPCKHWD), [0x6a] = VI(IOP_PUNPCKHDQ), [0x6b] = VI(IOP_PACKSSDW),
    [0x6c] = VI(IOP_PUNPCKLQDQ), [0x6d] = VI(IOP_PUNPCKHQDQ),
    [0x6e] = { [1] = V(h_movd_load, VF_L0 | VF_NOV | VF_WGPR, 0, 0, AVX) },
    [0x6f] = { [1] = V(h_mov_load, VF_NOV | VF_ALIGN, 16, 0, AVX), [2] = V(h_mov_load, VF_NOV, 16, 0, AVX) },
    [0x70] = { [1] = V(sse_h_pshuf, VF_NOV | VF_I256, 16, 1, AVX), [2] = V(sse_h_pshuf, VF_NOV | VF_I256, 16, 2, AVX),
               [3] = V(sse_h_pshuf, VF_NOV | VF_I256, 16, 3, AVX) },
    [0x71] = { [1] = V(sse_h_shift_imm, SF_REGONLY | VF_I256, 0, 2, AVX) },
    [0x72] = { [1] = V(sse_h_shift_imm, SF_REGONLY | VF_I256, 0, 4, AVX) },
    [0x73] = { [1] = V(sse_h_shift_imm, SF_REGONLY | VF_I256, 0, 8, AVX) },
    [0x74] = VI(IOP_PCMPEQB), [0x75] = VI(IOP_PCMPEQW), [0x76] = VI(IOP_PCMPEQD),
    [0x77] = { V(avx_h_vzero, VF_WIDE | VF_NOV, 0, 0, AVX) },
    [0x7c] = { [1] = V(h_fp, VF_WIDE, 16, SSE_STUB_HADDPD, AVX), [3] = V(h_fp, VF_WIDE, 16, SSE_STUB_HADDPS, AVX) },
    [0x7d] = { [1] = V(h_fp, VF_WIDE, 16, SSE_STUB_HSUBPD, AVX), [3] = V(h_fp, VF_WIDE, 16, SSE_STUB_HSUBPS, AVX) },
    [0x7e] = { [1] = V(h_movd_store, VF_L0 | VF_NOV | VF_STORE | VF_WGPR, 0, 0, AVX),
               [2] = V(h_movq_load, VF_L0 | VF_NOV | VF_FIXM, 8, 0, AVX) },
    [0x7f] = { [1] = V(h_mov_store, MOVST | VF_ALIGN, 16, 0, AVX), [2] = V(h_mov_store, MOVST, 16, 0, AVX) },
    [0xae] = { V(avx_h_mxcsr, VF_WIDE | VF_L0 | VF_NOV | SF_MEMONLY | VF_FIXM, 4, 0, AVX) },
    [0xc2] = { V(h_fp, VF_WIDE, 16, 0, AVX), V(h_fp, VF_WIDE, 16, 0, AVX),
               V(h_fp, SCAL, 4, 0, AVX), V(h_fp, SCAL, 8, 0, AVX) },
    [0xc4] = { [1] = V(h_pinsrw, VF_L0 | VF_FIXM, 2, 0, AVX) },
    [0xc5] = { [1] = V(h_pextrw, VF_L0 | VF_NOV | SF_REGONLY, 0, 0, AVX) },
    [0xc6] = { V(h_shufp, 0, 16, 4, AVX), V(h_shufp, 0, 16, 8, AVX) },
    [0xd0] = { [1] = V(h_fp, VF_WIDE, 16, SSE_STUB_ADDSUBPD, AVX), [3] = V(h_fp, VF_WIDE, 16, SSE_STUB_ADDSUBPS, AVX) },
    [0xd1] = VSH(IOP_PSRLW), [0xd2] = VSH(IOP_PSRLD), [0xd3] = VSH(IOP_PSRLQ),
    [0xd4] = VI(IOP_PADDQ), [0xd5] = VI(IOP_PMULLW),
    [0xd6] = { [1] = V(h_movq_store, VF_L0 | MOVST | VF_FIXM, 8, 0, AVX) },
    [0xd7] = { [1] = V(avx_h_pmovmskb, VF_WIDE | VF_NOV | SF_REGONLY | VF_I256, 0, 0, AVX) },
    [0xd8] = VI(IOP_PSUBUSB), [0xd9] = VI(IOP_PSUBUSW), [0xda] = VI(IOP_PMINUB),
    [0xdb] = VI(IOP_PAND), [0xdc] = VI(IOP_PADDUSB), [0xdd] = VI(IOP_PADDUSW),
    [0xde] = VI(IOP_PMAXUB), [0xdf] = VI(IOP_PANDN),
    [0xe0] = VI(IOP_PAVGB), [0xe1] = VSH(IOP_PSRAW), [0xe2] = VSH(IOP_PSRAD),
    [0xe3] = VI(IOP_PAVGW), [0xe4] = VI(IOP_PMULHUW), [0xe5] = VI(IOP_PMULHW),
    [0xe6] = { [1] = V(avx_h_cvt, VF_WIDE | VF_NOV, 16, SSE_STUB_CVTTPD2DQ, AVX),
               [2] = V(avx_h_cvt, VF_WIDE | VF_NOV, 8, SSE_STUB_CVTDQ2PD, AVX),
               [3] = V(avx_h_cvt, VF_WIDE | VF_NOV, 16, SSE_STUB_CVTPD2DQ, AVX) },
    [0xe7] = { [1] = V(h_mov_store, MOVST | VF_ALIGN | SF_MEMONLY, 16, 0, AVX) },
    [0xe8] = VI(IOP_PSUBSB), [0xe9] = VI(IOP_PSUBSW), [0xea] = VI(IOP_PMINSW),
    [0xeb] = VI(IOP_POR), [0xec] = VI(IOP_PADDSB), [0xed] = VI(IOP_PADDSW),
    [0xee] = VI(IOP_PMAXSW), [0xef] = VI(IOP_PXOR),
    [0xf0] = { [3] = V(h_mov_load, VF_NOV | SF_MEMONLY, 16, 0, AVX) },      /* VLDDQU */
    [0xf1] = VSH(IOP_PSLLW), [0xf2] = VSH(IOP_PSLLD), [0xf3] = VSH(IOP_PSLLQ),
    [0xf4] = VI(IOP_PMULUDQ), [0xf5] = VI(IOP_PMADDWD), [0xf6] = VI(IOP_PSADBW),
    [0xf7] = { [1] = V(h_maskmov, VF_L0 | VF_NOV | SF_REGONLY, 0, 0, AVX) },
    [0xf8] = VI(IOP_PSUBB), [0xf9] = VI(IOP_PSUBW), [0xfa] = VI(IOP_PSUBD),
    [0xfb] = VI(IOP_PSUBQ), [0xfc] = VI(IOP_PADDB), [0xfd] = VI(IOP_PADDW),
    [0xfe] = VI(IOP_PADDD),
};

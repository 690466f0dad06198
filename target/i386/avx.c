/*
 * target/i386/avx.c - VEX-encoded instructions: the checks every VEX
 * instruction shares, the dispatch over the VEX tables (sse_vex_map1 in
 * sse.c, sse4_vex_map38/3a in sse4.c), and the AVX-only operations
 * (VZEROUPPER/ALL, broadcasts, 128-bit lane moves and permutes,
 * VPERMILPx, VTESTPx/VPTEST, VMASKMOVPx, cross-lane conversions, F16C).
 *
 * Design: a VEX instruction is its legacy SSE operation with VEX.vvvv as
 * first source (SseCtx.v1), no alignment requirement except for the
 * aligned moves (SDM Vol.1 14.9), bits 255:128 of the destination zeroed
 * by VEX.128 forms and a second 128-bit lane for VEX.256.  In-lane
 * operations (almost all) run the legacy handler once per lane; the
 * memory operand of a VEX.256 form is checked as a whole (segment, page
 * translation for the access kind, alignment) before lane 0, so lane 1
 * cannot fault after lane 0 wrote its half.  Floating point runs both
 * lanes in one host call (VF_WIDE handlers), so an unmasked exception in
 * either leaves the whole destination untouched.
 *
 * Checks, in order (SDM Vol.2 2.3.2-2.3.6 and Table 2-16...2-23, the
 * "Type" exception classes): #UD in real and virtual-8086 mode, without
 * the CPUID feature (AVX; AVX2 for VEX.256 integer forms; F16C...), with
 * CR4.OSXSAVE = 0 or XCR0[2:1] != 11b, VEX.vvvv != 1111b where unused,
 * VEX.L/VEX.W values the instruction does not have, register/memory-only
 * forms; then #NM with CR0.TS = 1; then the memory operand.  CR0.EM and
 * CR4.OSFXSR do not apply to VEX encodings.
 */
#include <string.h>

#include "target/i386/sse.h"
#include "target/i386/cpuid.h"
#include "target/i386/ops_internal.h"
#include "target/i386/xsave.h"

static uint64_t la_add(const CPUX86State *env, uint64_t la, unsigned n)
{
    la += n;
    return env->long_mode ? la : (la & 0xffffffffu);
}

/* The whole memory operand: segment checks, alignment (VF_ALIGN: the
 * operand size), and translation of its first and last byte for the
 * access kind, so no later piece of the access can fault. */
static uint64_t avx_check_mem(SseCtx *c, unsigned size, int acc)
{
    CPUX86State *env = c->env;
    uint64_t la = insn_mem_linear(env, c->insn, size, acc);
    if ((c->flags & VF_ALIGN) && (la & (size - 1))) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    uint64_t last = la_add(env, la, size - 1);
    mmu_translate(env, la, acc, env->cpl == 3);
    if ((last ^ la) & ~0xfffull) {
        mmu_translate(env, last & ~0xfffull, acc, env->cpl == 3);
    }
    return la;
}

void avx_load(SseCtx *c, void *buf, unsigned size)
{
    CPUX86State *env = c->env;
    uint64_t la = avx_check_mem(c, size, ACC_READ);
    uint8_t *p = buf;
    unsigned i = 0;
    for (; i + 8 <= size; i += 8) {
        uint64_t v = cpu_ldq(env, la_add(env, la, i));
        memcpy(p + i, &v, 8);
    }
    for (; i < size; i++) {
        p[i] = cpu_ldub(env, la_add(env, la, i));
    }
}

void avx_store(SseCtx *c, const void *buf, unsigned size)
{
    CPUX86State *env = c->env;
    uint64_t la = avx_check_mem(c, size, ACC_WRITE);
    const uint8_t *p = buf;
    unsigned i = 0;
    for (; i + 8 <= size; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        cpu_stq(env, la_add(env, la, i), v);
    }
    for (; i < size; i++) {
        cpu_stb(env, la_add(env, la, i), p[i]);
    }
}

/* r/m as a whole vector (VEX.L wide) or memory of msize bytes (zero above). */
static void avx_src(SseCtx *c, YMMReg *r)
{
    memset(r, 0, sizeof(*r));
    if (c->mem) {
        avx_load(c, r, c->msize);
    } else {
        ymm_get(c->env, c->rm, r);
    }
}

static void avx_dst(SseCtx *c, YMMReg *r)
{
    if (!c->vl) {
        memset(&r->x[1], 0, 16);
    }
    ymm_set(c->env, c->reg, r);
}

/* ---------------------------------------------------------------- */
/* dispatch                                                          */

void avx_execute(CPUX86State *env, const Insn *insn)
{
    unsigned map = (insn->opcode >> 8) & 0xffff, opb = insn->opcode & 0xff;
    unsigned pp = vex_pp(insn);
    const SseEntry *e = map == 0x0f ? &sse_vex_map1[opb][pp] :
                        map == 0x0f38 ? &sse4_vex_map38[opb][pp] :
                        map == 0x0f3a ? &sse4_vex_map3a[opb][pp] : NULL;
    bool mem = insn->ops[0].kind == OPK_MEM;
    unsigned vl = vex_l(insn), vvvv = vex_vvvv(insn);
    bool w = insn->rex & 8;
    uint32_t f = e ? e->flags : 0;

    /* VEX exists in protected mode only (real and V86: LES/LDS, #UD) */
    if (!e || !e->fn || !(env->cr[0] & CR0_PE) || (env->eflags & VM_MASK)) {
        cpu_raise_exception(env, EXCP_UD);
    }
    /* VEX.256 of AESENC..AESDECLAST and PCLMULQDQ is VAES / VPCLMULQDQ,
     * a CPUID bit of its own (SDM VAESENC, VPCLMULQDQ); VAESIMC and
     * VAESKEYGENASSIST have no VEX.256 form (VF_L0 below) */
    unsigned ft = e->feat;
    if (vl && !(f & VF_L0)) {
        ft = ft == FT_AVX_AES ? FT_VAES : ft == FT_AVX_PCLMUL ? FT_VPCLMUL : ft;
    }
    if (!sse_feat_ok(env, ft) ||
        (vl && (f & VF_I256) && !sse_feat_ok(env, FT_AVX2))) {
        cpu_raise_exception(env, EXCP_UD);
    }
    if (!(f & SF_GPR) && !xsave_avx_enabled(env)) {
        cpu_raise_exception(env, EXCP_UD);
    }
    /* an unused VEX.vvvv must be encoded 1111b, i.e. decode as 0 (all
     * four bits, also outside 64-bit mode) */
    if (((f & VF_NOV) || ((f & VF_NOVMEM) && mem)) && vvvv != 0) {
        cpu_raise_exception(env, EXCP_UD);
    }
    if (((f & VF_L0) && vl) || ((f & VF_L1) && !vl) ||
        ((f & VF_W0) && w) || ((f & VF_W1) && !w) ||
        ((f & SF_REGONLY) && mem) || ((f & SF_MEMONLY) && !mem)) {
        cpu_raise_exception(env, EXCP_UD);
    }
    if (f & VF_VSIB) {
        /* gathers: any two of destination, index and mask the same
         * register is #UD (SDM VGATHERDPS "Exceptions", Type 12) */
        unsigned x = env->code_bits == 64 ? 15 : 7;
        unsigned d = (((insn->modrm >> 3) & 7) | ((insn->rex & 4) << 1)) & x;
        unsigned ix = insn->mem.index & x, mk = vvvv & x;
        if (d == ix || d == mk || ix == mk) {
            cpu_raise_exception(env, EXCP_UD);
        }
    }
    if (!(f & SF_GPR) && (env->cr[0] & CR0_TS)) {
        cpu_raise_exception(env, EXCP_NM);
    }

    Insn local;
    if ((f & VF_WGPR) && w && env->code_bits != 64) {
        /* VEX.W1 names a 64-bit GPR only in 64-bit mode (SDM Vol.2 2.3.5.7) */
        local = *insn;
        local.rex &= ~8;
        insn = &local;
    }
    SseCtx c = {
        .env = env, .insn = insn, .pfx = pp, .flags = f | SF_UNAL, .arg = e->arg,
        .mem = mem, .vex = true, .vl = (f & VF_LIG) ? 0 : vl,
        .imm = (uint8_t)insn->imm,
    };
    unsigned x = env->code_bits == 64 ? 15 : 7;
    c.reg = (((insn->modrm >> 3) & 7) | ((insn->rex & 4) << 1)) & x;
    c.rm = ((insn->modrm & 7) | ((insn->rex & 1) << 3)) & x;
    c.v1 = vvvv & x;
    c.msize = e->msize ? e->msize : 16;
    if (!(f & VF_FIXM) && c.vl) {
        c.msize <<= 1;
    }
    if (f & (VF_WIDE | VF_LIG)) {
        e->fn(&c);
        return;
    }
    /* in-lane: check the whole memory operand, then lane by lane.  The
     * entries without a memory size (VMOVD/Q, VPEXTRx, VPINSRx: one
     * access of the element size, VEX.128 only) are left to the handler:
     * a 16-byte check there faulted where the access does not reach
     * (found by the difftest) */
    if (mem && e->msize) {
        /* VEX.256: the whole m256, also where the lanes read less
         * (VMOVDDUP ymm reads bytes 0-7 and 16-23; the host faults on
         * bytes 24-31 all the same) */
        unsigned chk = c.vl && !(f & VF_FIXM) ? 32 : c.msize;
        avx_check_mem(&c, chk, (f & VF_STORE) ? ACC_WRITE : ACC_READ);
    }
    if (c.vl) {
        c.msize >>= 1;
    }
    e->fn(&c);
    if (c.vl) {
        c.lane = 1;
        c.moff = 16;
        e->fn(&c);
    }
}

/* ---------------------------------------------------------------- */
/* AVX operations                                                    */

/* VZEROUPPER (VEX.L0) / VZEROALL (VEX.L1): registers 0-15 in 64-bit
 * mode, 0-7 otherwise (SDM VZEROUPPER). */
void avx_h_vzero(SseCtx *c)
{
    unsigned n = c->env->code_bits == 64 ? 16 : 8;
    static const XMMReg zero;
    for (unsigned i = 0; i < n; i++) {
        ymmh_set(c->env, i, &zero);
        if (c->vl) {
            xmm_set(c->env, i, &zero);
        }
    }
}

/* VMOVMSKPS/PD r32, xmm/ymm: the sign bits (arg = element size). */
void avx_h_movmsk(SseCtx *c)
{
    YMMReg s;
    uint32_t m = 0;
    unsigned n = (16 << c->vl) / c->arg;
    ymm_get(c->env, c->rm, &s);
    for (unsigned i = 0; i < n; i++) {
        m |= (uint32_t)(s.b[i * c->arg + c->arg - 1] >> 7) << i;
    }
    reg_write(c->env, sse_gpr_reg(c), 8, m);
}

void avx_h_pmovmskb(SseCtx *c)
{
    YMMReg s;
    uint32_t m = 0;
    ymm_get(c->env, c->rm, &s);
    for (unsigned i = 0; i < (16u << c->vl); i++) {
        m |= (uint32_t)(s.b[i] >> 7) << i;
    }
    reg_write(c->env, sse_gpr_reg(c), 8, m);
}

/* VLDMXCSR /2, VSTMXCSR /3 (VEX.L0 0F AE). */
void avx_h_mxcsr(SseCtx *c)
{
    unsigned sub = (c->insn->modrm >> 3) & 7;
    uint32_t v;
    if (sub == 2) {
        avx_load(c, &v, 4);
        if (v & ~MXCSR_VALID) {
            cpu_raise_exception_err(c->env, EXCP_GP, 0);
        }
        *sse_mxcsr(c->env) = v;
    } else if (sub == 3) {
        c->flags |= VF_STORE;
        v = *sse_mxcsr(c->env);
        avx_store(c, &v, 4);
    } else {
        cpu_raise_exception(c->env, EXCP_UD);
    }
}

/* VPSRLW..VPSLLQ by xmm/m128: the count is the low quadword of the
 * 128-bit source for both lanes. */
void avx_h_shift(SseCtx *c)
{
    XMMReg cnt;
    YMMReg d;
    if (c->mem) {
        avx_load(c, &cnt, 16);
    } else {
        xmm_get(c->env, c->rm, &cnt);
    }
    ymm_get(c->env, c->v1, &d);
    for (unsigned l = 0; l <= c->vl; l++) {
        sse_int_op(c->arg, &d.x[l], &cnt, 16);
    }
    avx_dst(c, &d);
}

/* The conversions between 2 and 4 elements per 128 bits, which cross
 * lanes in VEX.256: VCVTPS2PD, VCVTDQ2PD (half-width source) and
 * VCVTPD2PS, VCVT(T)PD2DQ (half-width result in an XMM register).
 * Each output lane runs the legacy stub on its part of the source. */
void avx_h_cvt(SseCtx *c)
{
    YMMReg s, r;
    SseHostBuf b[2];
    unsigned nl = c->vl + 1;
    bool widen = c->arg == SSE_STUB_CVTPS2PD || c->arg == SSE_STUB_CVTDQ2PD;
    avx_src(c, &s);
    memset(b, 0, sizeof(b));
    for (unsigned l = 0; l < nl; l++) {
        if (widen) {
            b[l].x1.q[0] = s.q[l];
        } else {
            b[l].x1 = s.x[l];
        }
    }
    sse_fp_run_lanes(c->env, b, nl, c->arg);
    memset(&r, 0, sizeof(r));
    for (unsigned l = 0; l < nl; l++) {
        if (widen) {
            r.x[l] = b[l].x0;
        } else {
            r.q[l] = b[l].x0.q[0];
        }
    }
    if (!widen) {
        c->vl = 0;          /* an XMM result: bits 255:128 zeroed */
    }
    avx_dst(c, &r);
}

/* VPERMILPS/PD with a vector control (0F38 0C/0D), in lane: element i
 * from src1's lane by bits [1:0] (PS) or bit 1 (PD) of control i. */
void avx_h_permil(SseCtx *c)
{
    XMMReg d, s, r;
    sse_dst_get(c, &d);
    sse_src(c, &s);
    if (c->arg == 4) {
        for (int i = 0; i < 4; i++) {
            r.l[i] = d.l[s.l[i] & 3];
        }
    } else {
        for (int i = 0; i < 2; i++) {
            r.q[i] = d.q[(s.q[i] >> 1) & 1];
        }
    }
    sse_dst_set(c, &r);
}

/* VPERMILPS/PD with imm8 (0F3A 04/05): source r/m; PD takes two imm8
 * bits per lane. */
void avx_h_permil_imm(SseCtx *c)
{
    XMMReg s, r;
    sse_src(c, &s);
    if (c->arg == 4) {
        for (int i = 0; i < 4; i++) {
            r.l[i] = s.l[(c->imm >> (2 * i)) & 3];
        }
    } else {
        unsigned imm = c->imm >> (2 * c->lane);
        for (int i = 0; i < 2; i++) {
            r.q[i] = s.q[(imm >> i) & 1];
        }
    }
    sse_dst_set(c, &r);
}

/* VPTEST (arg 0: all bits), VTESTPS (4) / VTESTPD (8): sign bits only.
 * ZF = (src1 AND src2) == 0, CF = (NOT src1 AND src2) == 0, others 0. */
void avx_h_test(SseCtx *c)
{
    YMMReg d, s;
    ymm_get(c->env, c->reg, &d);
    avx_src(c, &s);
    uint64_t and = 0, andn = 0, mask = c->arg == 4 ? 0x8000000080000000ull :
                                     c->arg == 8 ? 0x8000000000000000ull : ~0ull;
    for (unsigned i = 0; i < 2u << c->vl; i++) {
        and |= d.q[i] & s.q[i] & mask;
        andn |= ~d.q[i] & s.q[i] & mask;
    }
    cc_set_all(c->env, (and ? 0 : CC_Z) | (andn ? 0 : CC_C));
}

/* VBROADCASTSS (msize 4), VBROADCASTSD (8), VBROADCASTF128 (16); the
 * register forms (AVX2) take the low element of an XMM register. */
void avx_h_broadcast(SseCtx *c)
{
    YMMReg r;
    uint8_t v[16] = { 0 };
    unsigned n = c->msize;
    if (c->mem) {
        avx_load(c, v, n);
    } else {
        if (!sse_feat_ok(c->env, FT_AVX2)) {
            cpu_raise_exception(c->env, EXCP_UD);
        }
        xmm_get(c->env, c->rm, (XMMReg *)v);
    }
    for (unsigned i = 0; i < 32; i += n) {
        memcpy(&r.b[i], v, n);
    }
    avx_dst(c, &r);
}

/* VPMOVSX/ZX (arg = source size | dest size << 4 | signed << 8): the
 * low 128 bits (or less) of the source widened across the destination. */
void avx_h_pmovx(SseCtx *c)
{
    YMMReg s, r;
    unsigned ss = c->arg & 15, ds = (c->arg >> 4) & 15;
    bool sgn = c->arg >> 8;
    avx_src(c, &s);
    memset(&r, 0, sizeof(r));
    for (unsigned i = 0; i < (16u << c->vl) / ds; i++) {
        uint64_t v = 0;
        memcpy(&v, &s.b[i * ss], ss);
        if (sgn) {
            v = (uint64_t)sext(v, ss);
        }
        memcpy(&r.b[i * ds], &v, ds);
    }
    avx_dst(c, &r);
}

/* VMASKMOVPS/PD (arg: element size, | 0x10 for the store forms).  Only
 * the selected elements are accessed: a masked-off element never faults
 * (SDM VMASKMOV "... faults only for the elements with mask set"), so the
 * accesses are checked element by element; stores check every selected
 * element before writing any (restartable).  Loads zero the rest. */
void avx_h_maskmov(SseCtx *c)
{
    CPUX86State *env = c->env;
    unsigned es = c->arg & 15, n = (16u << c->vl) / es;
    bool store = c->arg & 0x10;
    YMMReg m, v, r;
    ymm_get(env, c->v1, &m);
    uint64_t base = insn_ea(env, c->insn);
    int seg = c->insn->seg == SEG_NONE ? R_DS : c->insn->seg;
    uint64_t la[8];
    bool sel[8];
    for (unsigned i = 0; i < n; i++) {
        sel[i] = m.b[i * es + es - 1] & 0x80;
        if (sel[i]) {
            uint64_t off = (base + i * es) & size_mask(c->insn->addrsize);
            la[i] = seg_linear(env, seg, off, es, store ? ACC_WRITE : ACC_READ);
            mmu_translate(env, la[i], store ? ACC_WRITE : ACC_READ, env->cpl == 3);
            if (((la[i] + es - 1) ^ la[i]) & ~0xfffull) {
                mmu_translate(env, (la[i] + es - 1) & ~0xfffull, store ? ACC_WRITE : ACC_READ,
                              env->cpl == 3);
            }
        }
    }
    if (store) {
        ymm_get(env, c->reg, &v);
        for (unsigned i = 0; i < n; i++) {
            if (sel[i]) {
                st_size(env, la[i], es, es == 4 ? v.l[i] : v.q[i]);
            }
        }
        return;
    }
    memset(&r, 0, sizeof(r));
    for (unsigned i = 0; i < n; i++) {
        if (sel[i]) {
            uint64_t x = ld_size(env, la[i], es);
            memcpy(&r.b[i * es], &x, es);
        }
    }
    avx_dst(c, &r);
}

/* VPERM2F128 / VPERM2I128: each result lane picks one of the four
 * source lanes (imm8[1:0], [5:4]) or zero (imm8[3], [7]). */
void avx_h_perm2(SseCtx *c)
{
    YMMReg a, b, r;
    ymm_get(c->env, c->v1, &a);
    avx_src(c, &b);
    for (unsigned l = 0; l < 2; l++) {
        unsigned sel = c->imm >> (4 * l);
        XMMReg src[4] = { a.x[0], a.x[1], b.x[0], b.x[1] };
        if (sel & 8) {
            memset(&r.x[l], 0, 16);
        } else {
            r.x[l] = src[sel & 3];
        }
    }
    avx_dst(c, &r);
}

/* VINSERTF128 / VINSERTI128: src1 with lane imm8[0] replaced by xmm/m128. */
void avx_h_insert128(SseCtx *c)
{
    YMMReg r;
    XMMReg s;
    if (c->mem) {
        avx_load(c, &s, 16);
    } else {
        xmm_get(c->env, c->rm, &s);
    }
    ymm_get(c->env, c->v1, &r);
    r.x[c->imm & 1] = s;
    avx_dst(c, &r);
}

/* VEXTRACTF128 / VEXTRACTI128 xmm/m128, ymm, imm8. */
void avx_h_extract128(SseCtx *c)
{
    YMMReg s;
    ymm_get(c->env, c->reg, &s);
    XMMReg x = s.x[c->imm & 1];
    if (c->mem) {
        avx_store(c, &x, 16);
    } else {
        c->vl = 0;
        sse_lane_set(c, c->rm, 0, &x);
    }
}

/* VBLENDVPS/PD, VPBLENDVB (arg = element size): the mask register is
 * imm8[7:4] (in 32-bit mode [6:4]), in lane. */
void avx_h_blendv(SseCtx *c)
{
    XMMReg d, s, m;
    unsigned mreg = (c->imm >> 4) & (c->env->code_bits == 64 ? 15 : 7);
    sse_dst_get(c, &d);
    sse_src(c, &s);
    sse_lane_get(c, mreg, c->lane, &m);
    for (unsigned i = 0; i < 16; i += c->arg) {
        if (m.b[i + c->arg - 1] & 0x80) {
            memcpy(&d.b[i], &s.b[i], c->arg);
        }
    }
    sse_dst_set(c, &d);
}

/* F16C: VCVTPH2PS xmm/ymm, xmm/m64/m128 and VCVTPS2PH xmm/m64/m128,
 * xmm/ymm, imm8 on the host's F16C unit (imm8[2:0]: rounding). */
void avx_h_cvtph2ps(SseCtx *c)
{
    YMMReg s, r;
    SseHostBuf b[2];
    unsigned nl = c->vl + 1;
    avx_src(c, &s);
    memset(b, 0, sizeof(b));
    for (unsigned l = 0; l < nl; l++) {
        b[l].x1.q[0] = s.q[l];
    }
    sse_fp_run_lanes(c->env, b, nl, SSE_STUB_VCVTPH2PS);
    memset(&r, 0, sizeof(r));
    for (unsigned l = 0; l < nl; l++) {
        r.x[l] = b[l].x0;
    }
    avx_dst(c, &r);
}

void avx_h_cvtps2ph(SseCtx *c)
{
    YMMReg s;
    SseHostBuf b[2];
    unsigned nl = c->vl + 1;
    ymm_get(c->env, c->reg, &s);
    memset(b, 0, sizeof(b));
    for (unsigned l = 0; l < nl; l++) {
        b[l].x1 = s.x[l];
    }
    if (c->mem) {
        /* a fault on the store comes before the conversion touches
         * MXCSR (as the host: the instruction is restartable) */
        avx_check_mem(c, 8u << c->vl, ACC_WRITE);
    }
    sse_fp_run_lanes(c->env, b, nl, SSE_STUB_VCVTPS2PH0 + (c->imm & 7));
    XMMReg r;
    memset(&r, 0, sizeof(r));
    for (unsigned l = 0; l < nl; l++) {
        r.q[l] = b[l].x0.q[0];
    }
    if (c->mem) {
        avx_store(c, &r, 8u << c->vl);
    } else {
        c->vl = 0;
        sse_lane_set(c, c->rm, 0, &r);
    }
}

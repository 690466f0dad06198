/*
 * target/i386/sse4.c - the 0F 38 / 0F 3A maps: SSSE3 (operations in
 * sse_int.c), SSE4.1, SSE4.2, AES-NI/PCLMULQDQ (aes.c), SHA (sha.c), and
 * the general-register instructions decoded as OP_SSE: POPCNT, MOVBE,
 * CRC32.
 *
 * Design: same table format as sse.c (SseEntry, one column per mandatory
 * prefix).  Integer operations are C over the XMMReg lanes, following the
 * SDM's Operation sections; ROUNDxx, DPPS/DPPD and the string compares
 * PCMPxSTRx run on the host (sse_host.c, one stub per imm8), which gives
 * the exact rounding, exception flags and the string-compare aggregation
 * rules for free.  The SSE4.2 string compares do not require an aligned
 * memory operand (SDM Vol.2 PCMPESTRI "Exceptions"); the others do.
 */
#include "target/i386/sse.h"
#include "target/i386/ops_internal.h"

enum {
    I4_PMULDQ, I4_PCMPEQQ, I4_PACKUSDW, I4_PCMPGTQ,
    I4_PMINSB, I4_PMINSD, I4_PMINUW, I4_PMINUD,
    I4_PMAXSB, I4_PMAXSD, I4_PMAXUW, I4_PMAXUD, I4_PMULLD,
};

static void h_int4(SseCtx *c)
{
    XMMReg d, s, r;
    sse_src(c, &s);
    sse_dst_get(c, &d);
    r = d;
    switch (c->arg) {
    case I4_PMULDQ:
        for (int i = 0; i < 2; i++) r.sq[i] = (int64_t)d.sl[2 * i] * s.sl[2 * i];
        break;
    case I4_PCMPEQQ:
        for (int i = 0; i < 2; i++) r.q[i] = d.q[i] == s.q[i] ? ~0ull : 0;
        break;
    case I4_PCMPGTQ:
        for (int i = 0; i < 2; i++) r.q[i] = d.sq[i] > s.sq[i] ? ~0ull : 0;
        break;
    case I4_PACKUSDW:
        for (int i = 0; i < 4; i++) {
            r.w[i] = d.sl[i] < 0 ? 0 : d.sl[i] > 65535 ? 65535 : d.sl[i];
            r.w[4 + i] = s.sl[i] < 0 ? 0 : s.sl[i] > 65535 ? 65535 : s.sl[i];
        }
        break;
    case I4_PMINSB: for (int i = 0; i < 16; i++) r.sb[i] = d.sb[i] < s.sb[i] ? d.sb[i] : s.sb[i]; break;
    case I4_PMAXSB: for (int i = 0; i < 16; i++) r.sb[i] = d.sb[i] > s.sb[i] ? d.sb[i] : s.sb[i]; break;
    case I4_PMINUW: for (int i = 0; i < 8; i++) r.w[i] = d.w[i] < s.w[i] ? d.w[i] : s.w[i]; break;
    case I4_PMAXUW: for (int i = 0; i < 8; i++) r.w[i] = d.w[i] > s.w[i] ? d.w[i] : s.w[i]; break;
    case I4_PMINSD: for (int i = 0; i < 4; i++) r.sl[i] = d.sl[i] < s.sl[i] ? d.sl[i] : s.sl[i]; break;
    case I4_PMAXSD: for (int i = 0; i < 4; i++) r.sl[i] = d.sl[i] > s.sl[i] ? d.sl[i] : s.sl[i]; break;
    case I4_PMINUD: for (int i = 0; i < 4; i++) r.l[i] = d.l[i] < s.l[i] ? d.l[i] : s.l[i]; break;
    case I4_PMAXUD: for (int i = 0; i < 4; i++) r.l[i] = d.l[i] > s.l[i] ? d.l[i] : s.l[i]; break;
    case I4_PMULLD: for (int i = 0; i < 4; i++) r.l[i] = d.l[i] * s.l[i]; break;
    }
    sse_dst_set(c, &r);
}

/* PBLENDVB / BLENDVPS / BLENDVPD (arg = element size): mask in XMM0. */
static void h_blendv(SseCtx *c)
{
    XMMReg d, s, m;
    sse_src(c, &s);
    sse_dst_get(c, &d);
    xmm_get(c->env, 0, &m);
    for (unsigned i = 0; i < 16; i += c->arg) {
        if (m.b[i + c->arg - 1] & 0x80) {
            memcpy(&d.b[i], &s.b[i], c->arg);
        }
    }
    sse_dst_set(c, &d);
}

/* BLENDPS (4) / BLENDPD (8) / PBLENDW (2): imm8 selects source lanes. */
static void h_blend(SseCtx *c)
{
    XMMReg d, s;
    /* VEX.256: VBLENDPS/PD take the upper lane's bits from the next imm8
     * bits, VPBLENDW uses the same imm8 in both lanes */
    unsigned n = 16 / c->arg, imm = c->arg == 2 ? c->imm : c->imm >> (c->lane * n);
    sse_src(c, &s);
    sse_dst_get(c, &d);
    for (unsigned i = 0; i < n; i++) {
        if ((imm >> i) & 1) {
            memcpy(&d.b[i * c->arg], &s.b[i * c->arg], c->arg);
        }
    }
    sse_dst_set(c, &d);
}

/* PTEST: ZF = (dst AND src) == 0, CF = (NOT dst AND src) == 0. */
static void h_ptest(SseCtx *c)
{
    XMMReg d, s;
    sse_src(c, &s);
    sse_reg_get(c, &d);
    uint32_t f = 0;
    if (!((d.q[0] & s.q[0]) | (d.q[1] & s.q[1]))) {
        f |= CC_Z;
    }
    if (!((~d.q[0] & s.q[0]) | (~d.q[1] & s.q[1]))) {
        f |= CC_C;
    }
    cc_set_all(c->env, f);
}

/* PMOVSX / PMOVZX: arg = source element size | dest size << 4 | signed << 8 */
static void h_pmovx(SseCtx *c)
{
    XMMReg s, r;
    unsigned ss = c->arg & 15, ds = (c->arg >> 4) & 15;
    bool sgn = c->arg >> 8;
    sse_src(c, &s);
    memset(&r, 0, sizeof(r));
    for (unsigned i = 0; i < 16 / ds; i++) {
        uint64_t v = 0;
        memcpy(&v, &s.b[i * ss], ss);
        if (sgn) {
            v = (uint64_t)sext(v, ss);
        }
        memcpy(&r.b[i * ds], &v, ds);
    }
    sse_dst_set(c, &r);
}

static void h_movntdqa(SseCtx *c)
{
    XMMReg s;
    sse_src(c, &s);
    sse_dst_set(c, &s);
}

/* PHMINPOSUW: minimum unsigned word and its index (lowest index wins). */
static void h_phminposuw(SseCtx *c)
{
    XMMReg s, r;
    sse_src(c, &s);
    unsigned idx = 0;
    for (unsigned i = 1; i < 8; i++) {
        if (s.w[i] < s.w[idx]) {
            idx = i;
        }
    }
    memset(&r, 0, sizeof(r));
    r.w[0] = s.w[idx];
    r.w[1] = (uint16_t)idx;
    sse_dst_set(c, &r);
}

/* MPSADBW: eight sums of absolute differences of 4-byte blocks. */
static void h_mpsadbw(SseCtx *c)
{
    XMMReg d, s, r;
    sse_src(c, &s);
    sse_dst_get(c, &d);
    /* VEX.256: the upper lane takes its offsets from imm8[5:3] */
    unsigned imm = c->lane ? c->imm >> 3 : c->imm;
    unsigned so = (imm & 3) * 4, dof = ((imm >> 2) & 1) * 4;
    for (unsigned i = 0; i < 8; i++) {
        unsigned sum = 0;
        for (unsigned k = 0; k < 4; k++) {
            int x = d.b[dof + i + k] - s.b[so + k];
            sum += x < 0 ? -x : x;
        }
        r.w[i] = (uint16_t)sum;
    }
    sse_dst_set(c, &r);
}

/* PEXTRB (1), PEXTRW (2), PEXTRD/PEXTRQ (4, 8 with REX.W), EXTRACTPS
 * (arg 0x14): to a general register (zero-extended) or memory. */
static void h_pextr(SseCtx *c)
{
    XMMReg s;
    unsigned size = c->arg & 15;
    if (size == 4 && (c->insn->rex & 8) && c->arg != 0x14) {
        size = 8;
    }
    sse_reg_get(c, &s);
    unsigned n = 16 / size;
    uint64_t v = 0;
    memcpy(&v, &s.b[(c->imm & (n - 1)) * size], size);
    if (c->mem) {
        sse_set_ey(c, size, v);
    } else {
        reg_write(c->env, c->insn->ops[0].reg & 15, size == 8 ? 8 : 4, v);
    }
}

/* PINSRB (1), PINSRD/PINSRQ (4, 8 with REX.W): from r32/r64 or memory. */
static void h_pinsr(SseCtx *c)
{
    XMMReg d;
    unsigned size = c->arg;
    if (size == 4 && (c->insn->rex & 8)) {
        size = 8;
    }
    uint64_t v = sse_get_ey(c, size);
    sse_dst_get(c, &d);
    memcpy(&d.b[(c->imm & (16 / size - 1)) * size], &v, size);
    sse_dst_set(c, &d);
}

/* INSERTPS: element imm[7:6] of a register source (memory: the m32),
 * into lane imm[5:4], then zero the lanes in imm[3:0]. */
static void h_insertps(SseCtx *c)
{
    XMMReg d, s;
    uint32_t v;
    sse_src(c, &s);
    v = c->mem ? s.l[0] : s.l[(c->imm >> 6) & 3];
    sse_dst_get(c, &d);
    d.l[(c->imm >> 4) & 3] = v;
    for (int i = 0; i < 4; i++) {
        if ((c->imm >> i) & 1) {
            d.l[i] = 0;
        }
    }
    sse_dst_set(c, &d);
}

/* DPPS/DPPD with some exception unmasked: the SDM's sequence of
 * operations (multiplies of the lanes selected by imm[7:4] / imm[5:4],
 * unselected products +0.0 without computation, then the pairwise sums),
 * one host stage at a time, so an unmasked exception stops the
 * instruction at the stage that raised it with that stage's flags. */
static void dp_staged(SseCtx *c, SseHostBuf *lanes, unsigned nl)
{
    CPUX86State *env = c->env;
    bool ps = c->arg == SSE_STUB_DPPS;
    unsigned n = ps ? 4 : 2, es = ps ? 4 : 8;
    SseHostBuf b[2];

    /* every stage runs for all lanes at once (VDPPS ymm: two dot
     * products), so a fault reports the stage's flags of both */
    memset(b, 0, sizeof(b));
    for (unsigned l = 0; l < nl; l++) {
        for (unsigned i = 0; i < n; i++) {
            if ((c->imm >> (4 + i)) & 1) {
                memcpy(&b[l].x0.b[i * es], &lanes[l].x0.b[i * es], es);
                memcpy(&b[l].x1.b[i * es], &lanes[l].x1.b[i * es], es);
            }
        }
    }
    sse_fp_run_lanes(env, b, nl, ps ? SSE_STUB_MULPS : SSE_STUB_MULPD);
    XMMReg t1[2] = { b[0].x0, b[1].x0 };
    memset(b, 0, sizeof(b));
    if (ps) {
        for (unsigned l = 0; l < nl; l++) {
            b[l].x0.l[0] = t1[l].l[0];
            b[l].x0.l[1] = t1[l].l[2];
            b[l].x1.l[0] = t1[l].l[1];
            b[l].x1.l[1] = t1[l].l[3];
        }
        sse_fp_run_lanes(env, b, nl, SSE_STUB_ADDPS);
        XMMReg t23[2] = { b[0].x0, b[1].x0 };
        memset(b, 0, sizeof(b));
        for (unsigned l = 0; l < nl; l++) {
            b[l].x0.l[0] = t23[l].l[0];
            b[l].x1.l[0] = t23[l].l[1];
        }
        sse_fp_run_lanes(env, b, nl, SSE_STUB_ADDSS);
    } else {
        for (unsigned l = 0; l < nl; l++) {
            b[l].x0.q[0] = t1[l].q[0];
            b[l].x1.q[0] = t1[l].q[1];
        }
        sse_fp_run_lanes(env, b, nl, SSE_STUB_ADDSD);
    }
    for (unsigned l = 0; l < nl; l++) {
        for (unsigned i = 0; i < n; i++) {
            if ((c->imm >> i) & 1) {
                memcpy(&lanes[l].x0.b[i * es], &b[l].x0.b[0], es);
            } else {
                memset(&lanes[l].x0.b[i * es], 0, es);
            }
        }
    }
}

/* ROUNDxx, DPPS, DPPD: host stub per imm8 (arg = first stub); VEX.256
 * (VROUNDPS/PD, VDPPS) both lanes in one run. */
static void h_fp_imm(SseCtx *c)
{
    SseHostBuf b[2];
    unsigned nl = c->vl + 1;
    memset(b, 0, sizeof(b));
    for (unsigned l = 0; l < nl; l++) {
        c->lane = l;
        c->moff = 16 * l;
        sse_dst_get(c, &b[l].x0);
        sse_src(c, &b[l].x1);
    }
    if ((c->arg == SSE_STUB_DPPS || c->arg == SSE_STUB_DPPD) &&
        (~*sse_mxcsr(c->env) & MXCSR_MASKS)) {
        dp_staged(c, b, nl);
    } else {
        sse_fp_run_lanes(c->env, b, nl, c->arg + c->imm);
    }
    for (unsigned l = 0; l < nl; l++) {
        c->lane = l;
        sse_dst_set(c, &b[l].x0);
    }
    c->lane = 0;
    c->moff = 0;
}

/* PCMPESTRM/PCMPESTRI/PCMPISTRM/PCMPISTRI on the host.  Explicit lengths
 * come from EAX/EDX, or RAX/RDX with REX.W: clamped to +-16 first, which
 * the length saturation (|len| > 8 or 16) makes equivalent for the 32-bit
 * stub.  Index results go to ECX (RCX zero-extended), masks to XMM0;
 * CF ZF SF OF from the host, AF PF cleared (SDM PCMPESTRI). */
static void h_pcmpstr(SseCtx *c)
{
    CPUX86State *env = c->env;
    SseHostBuf b = { 0 };
    sse_reg_get(c, &b.x0);
    sse_src(c, &b.x1);
    int64_t a = (int64_t)env->regs[R_EAX], d = (int64_t)env->regs[R_EDX];
    if (!(c->insn->rex & 8)) {
        a = (int32_t)a;
        d = (int32_t)d;
    }
    b.rax = (uint64_t)(a > 16 ? 16 : a < -16 ? -16 : a);
    b.rdx = (uint64_t)(d > 16 ? 16 : d < -16 ? -16 : d);
    sse_fp_run(env, &b, c->arg + c->imm);
    if (c->arg == SSE_STUB_PCMPESTRI || c->arg == SSE_STUB_PCMPISTRI) {
        reg_write(env, R_ECX, 4, b.rcx);
    } else {
        sse_lane_set(c, 0, 0, &b.x0);     /* VEX.128: bits 255:128 cleared */
    }
    cc_set_all(env, (uint32_t)b.rflags & (CC_C | CC_Z | CC_S | CC_O));
}

/* ---- general-register instructions ---- */

/* POPCNT Gv, Ev (F3 0F B8): ZF if the source is 0, other flags cleared. */
void sse_h_popcnt(SseCtx *c)
{
    unsigned size = c->insn->opsize;
    uint64_t v = sse_get_ey(c, size);
    reg_write(c->env, sse_gpr_reg(c), size, (uint64_t)__builtin_popcountll(v));
    cc_set_all(c->env, v ? 0 : CC_Z);
}

/* MOVBE Gv, Mv (0F 38 F0) / Mv, Gv (F1). */
static void h_movbe(SseCtx *c)
{
    unsigned size = c->insn->opsize;
    if (c->arg == 0) {
        uint64_t v = sse_get_ey(c, size);
        v = size == 2 ? __builtin_bswap16((uint16_t)v) :
            size == 4 ? __builtin_bswap32((uint32_t)v) : __builtin_bswap64(v);
        reg_write(c->env, sse_gpr_reg(c), size, v);
    } else {
        uint64_t v = c->env->regs[sse_gpr_reg(c)];
        v = size == 2 ? __builtin_bswap16((uint16_t)v) :
            size == 4 ? __builtin_bswap32((uint32_t)v) : __builtin_bswap64(v);
        sse_set_ey(c, size, v);
    }
}

/* CRC32 Gd/Gq, Eb (F2 0F 38 F0) / Ev (F1): CRC-32C (polynomial
 * 11EDC6F41h, bit-reflected), no pre/post inversion (SDM CRC32). */
static void h_crc32(SseCtx *c)
{
    unsigned size = c->arg == 0 ? 1 : c->insn->opsize;
    unsigned rm = c->insn->ops[0].reg & 15;
    uint64_t v;
    if (size == 1 && !c->mem && !c->insn->rex && rm >= 4 && rm < 8) {
        v = (c->env->regs[rm - 4] >> 8) & 0xff;     /* AH, CH, DH, BH */
    } else {
        v = sse_get_ey(c, size);
    }
    unsigned dst = sse_gpr_reg(c);
    uint32_t crc = (uint32_t)c->env->regs[dst];
    for (unsigned i = 0; i < size; i++) {
        crc ^= (uint8_t)(v >> (8 * i));
        for (int k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0x82f63b78u & -(crc & 1));
        }
    }
    reg_write(c->env, dst, (c->insn->rex & 8) ? 8 : 4, crc);
}

/* ---- tables ---- */

#define E(fn, fl, ms, a, ft) { fn, fl, ms, a, FT_##ft }
#define IMX(op) { E(sse_h_int, SF_MMX, 0, op, SSSE3), E(sse_h_int, 0, 0, op, SSSE3) }
#define X66(fn, ms, a) { [1] = E(fn, 0, ms, a, SSE41) }
#define X66_42(fn, ms, a) { [1] = E(fn, 0, ms, a, SSE42) }
/* gated on a CPUID feature: 66 only / no prefix only, 16-byte source */
#define X66F(fn, a, f) { [1] = { fn, 0, 16, a, f } }
#define NPF(fn, a, f) { [0] = { fn, 0, 16, a, f } }
#define PMOVX(ss, ds, ms, sg) X66(h_pmovx, ms, (ss) | (ds) << 4 | (sg) << 8)

/* SSSE3: 00-0B, 1C-1E, 3A 0F; SSE4.2: 37, 3A 60-63, CRC32; the rest of
 * the 66 rows SSE4.1 (SDM Vol.2 "CPUID Feature Flag" per instruction). */
const SseEntry sse4_map38[256][4] = {
    /* SSSE3 */
    [0x00] = IMX(IOP_PSHUFB), [0x01] = IMX(IOP_PHADDW), [0x02] = IMX(IOP_PHADDD),
    [0x03] = IMX(IOP_PHADDSW), [0x04] = IMX(IOP_PMADDUBSW), [0x05] = IMX(IOP_PHSUBW),
    [0x06] = IMX(IOP_PHSUBD), [0x07] = IMX(IOP_PHSUBSW), [0x08] = IMX(IOP_PSIGNB),
    [0x09] = IMX(IOP_PSIGNW), [0x0a] = IMX(IOP_PSIGND), [0x0b] = IMX(IOP_PMULHRSW),
    [0x1c] = IMX(IOP_PABSB), [0x1d] = IMX(IOP_PABSW), [0x1e] = IMX(IOP_PABSD),
    /* SSE4.1 */
    [0x10] = X66(h_blendv, 16, 1), [0x14] = X66(h_blendv, 16, 4),
    [0x15] = X66(h_blendv, 16, 8), [0x17] = X66(h_ptest, 16, 0),
    [0x20] = PMOVX(1, 2, 8, 1), [0x21] = PMOVX(1, 4, 4, 1), [0x22] = PMOVX(1, 8, 2, 1),
    [0x23] = PMOVX(2, 4, 8, 1), [0x24] = PMOVX(2, 8, 4, 1), [0x25] = PMOVX(4, 8, 8, 1),
    [0x28] = X66(h_int4, 16, I4_PMULDQ), [0x29] = X66(h_int4, 16, I4_PCMPEQQ),
    [0x2a] = { [1] = E(h_movntdqa, SF_MEMONLY, 16, 0, SSE41) },
    [0x2b] = X66(h_int4, 16, I4_PACKUSDW),
    [0x30] = PMOVX(1, 2, 8, 0), [0x31] = PMOVX(1, 4, 4, 0), [0x32] = PMOVX(1, 8, 2, 0),
    [0x33] = PMOVX(2, 4, 8, 0), [0x34] = PMOVX(2, 8, 4, 0), [0x35] = PMOVX(4, 8, 8, 0),
    [0x37] = X66_42(h_int4, 16, I4_PCMPGTQ),        /* SSE4.2 */
    [0x38] = X66(h_int4, 16, I4_PMINSB), [0x39] = X66(h_int4, 16, I4_PMINSD),
    [0x3a] = X66(h_int4, 16, I4_PMINUW), [0x3b] = X66(h_int4, 16, I4_PMINUD),
    [0x3c] = X66(h_int4, 16, I4_PMAXSB), [0x3d] = X66(h_int4, 16, I4_PMAXSD),
    [0x3e] = X66(h_int4, 16, I4_PMAXUW), [0x3f] = X66(h_int4, 16, I4_PMAXUD),
    [0x40] = X66(h_int4, 16, I4_PMULLD), [0x41] = X66(h_phminposuw, 16, 0),
    /* SHA (NP only), AES-NI (66 only) */
    [0xc8] = NPF(sse_h_sha1nexte, 0, FT_SHA), [0xc9] = NPF(sse_h_sha1msg1, 0, FT_SHA),
    [0xca] = NPF(sse_h_sha1msg2, 0, FT_SHA), [0xcb] = NPF(sse_h_sha256rnds2, 0, FT_SHA),
    [0xcc] = NPF(sse_h_sha256msg1, 0, FT_SHA), [0xcd] = NPF(sse_h_sha256msg2, 0, FT_SHA),
    [0xdb] = X66F(sse_h_aesimc, 0, FT_AES), [0xdc] = X66F(sse_h_aes_round, 0, FT_AES),
    [0xdd] = X66F(sse_h_aes_round, 1, FT_AES), [0xde] = X66F(sse_h_aes_round, 2, FT_AES),
    [0xdf] = X66F(sse_h_aes_round, 3, FT_AES),
    /* MOVBE (none / 66), CRC32 (F2, 66 F2: SSE4.2) */
    [0xf0] = { E(h_movbe, SF_GPR | SF_MEMONLY, 0, 0, MOVBE), E(h_movbe, SF_GPR | SF_MEMONLY, 0, 0, MOVBE),
               [3] = E(h_crc32, SF_GPR, 0, 0, SSE42) },
    [0xf1] = { E(h_movbe, SF_GPR | SF_MEMONLY, 0, 1, MOVBE), E(h_movbe, SF_GPR | SF_MEMONLY, 0, 1, MOVBE),
               [3] = E(h_crc32, SF_GPR, 0, 1, SSE42) },
};

const SseEntry sse4_map3a[256][4] = {
    [0x08] = X66(h_fp_imm, 16, SSE_STUB_ROUNDPS), [0x09] = X66(h_fp_imm, 16, SSE_STUB_ROUNDPD),
    [0x0a] = X66(h_fp_imm, 4, SSE_STUB_ROUNDSS), [0x0b] = X66(h_fp_imm, 8, SSE_STUB_ROUNDSD),
    [0x0c] = X66(h_blend, 16, 4), [0x0d] = X66(h_blend, 16, 8), [0x0e] = X66(h_blend, 16, 2),
    [0x0f] = { E(sse_h_palignr, SF_MMX, 0, 0, SSSE3), E(sse_h_palignr, 0, 0, 0, SSSE3) },
    [0x14] = X66(h_pextr, 0, 1), [0x15] = X66(h_pextr, 0, 2), [0x16] = X66(h_pextr, 0, 4),
    [0x17] = X66(h_pextr, 0, 0x14),
    [0x20] = X66(h_pinsr, 0, 1), [0x21] = X66(h_insertps, 4, 0), [0x22] = X66(h_pinsr, 0, 4),
    [0x40] = X66(h_fp_imm, 16, SSE_STUB_DPPS), [0x41] = X66(h_fp_imm, 16, SSE_STUB_DPPD),
    [0x42] = X66(h_mpsadbw, 16, 0),
    [0x44] = X66F(sse_h_pclmul, 0, FT_PCLMUL),
    [0xcc] = NPF(sse_h_sha1rnds4, 0, FT_SHA),
    [0xdf] = X66F(sse_h_aeskeygen, 0, FT_AES),
    [0x60] = { [1] = E(h_pcmpstr, SF_UNAL, 16, SSE_STUB_PCMPESTRM, SSE42) },
    [0x61] = { [1] = E(h_pcmpstr, SF_UNAL, 16, SSE_STUB_PCMPESTRI, SSE42) },
    [0x62] = { [1] = E(h_pcmpstr, SF_UNAL, 16, SSE_STUB_PCMPISTRM, SSE42) },
    [0x63] = { [1] = E(h_pcmpstr, SF_UNAL, 16, SSE_STUB_PCMPISTRI, SSE42) },
};

/* ---- VEX-encoded 0F 38 / 0F 3A (AVX, AVX2 for 256-bit integer forms,
 * F16C), run by avx_execute (avx.c); 66 column unless noted ---- */
#define V(fn, fl, ms, a, ft) { fn, (fl), ms, a, FT_##ft }
#define VI(op) { [1] = V(sse_h_int, VF_I256, 16, op, AVX) }
#define VIN(op) { [1] = V(sse_h_int, VF_I256 | VF_NOV, 16, op, AVX) }
#define V4(op) { [1] = V(h_int4, VF_I256, 16, op, AVX) }
#define VPMOVX(ss, ds, ms, sg) { [1] = V(avx_h_pmovx, VF_WIDE | VF_NOV | VF_I256, ms, (ss) | (ds) << 4 | (sg) << 8, AVX) }

#define VBCAST(ms, fl) { [1] = V(avx_h_broadcast, VF_WIDE | VF_NOV | VF_W0 | VF_FIXM | (fl), ms, 0, AVX2) }
#define VFMAP { [1] = V(fma_h, VF_WIDE, 16, 0, FMA) }
#define VFMAS { [1] = V(fma_h, VF_LIG, 16, 0, FMA) }
#define VB1(fn, a) V(fn, SF_GPR | VF_L0 | VF_WGPR, 0, a, BMI1)
#define VB2(fn, a) V(fn, SF_GPR | VF_L0 | VF_WGPR, 0, a, BMI2)
#define VGATHER(isz) { [1] = V(avx2_h_gather, VF_WIDE | VF_VSIB | SF_MEMONLY, 16, isz, AVX2) }

const SseEntry sse4_vex_map38[256][4] = {
    [0x00] = VI(IOP_PSHUFB), [0x01] = VI(IOP_PHADDW), [0x02] = VI(IOP_PHADDD),
    [0x03] = VI(IOP_PHADDSW), [0x04] = VI(IOP_PMADDUBSW), [0x05] = VI(IOP_PHSUBW),
    [0x06] = VI(IOP_PHSUBD), [0x07] = VI(IOP_PHSUBSW), [0x08] = VI(IOP_PSIGNB),
    [0x09] = VI(IOP_PSIGNW), [0x0a] = VI(IOP_PSIGND), [0x0b] = VI(IOP_PMULHRSW),
    [0x0c] = { [1] = V(avx_h_permil, VF_W0, 16, 4, AVX) },
    [0x0d] = { [1] = V(avx_h_permil, VF_W0, 16, 8, AVX) },
    [0x0e] = { [1] = V(avx_h_test, VF_WIDE | VF_NOV | VF_W0, 16, 4, AVX) },
    [0x0f] = { [1] = V(avx_h_test, VF_WIDE | VF_NOV | VF_W0, 16, 8, AVX) },
    [0x13] = { [1] = V(avx_h_cvtph2ps, VF_WIDE | VF_NOV | VF_W0, 8, 0, F16C) },
    [0x16] = { [1] = V(avx2_h_permd, VF_WIDE | VF_W0 | VF_L1, 16, 0, AVX2) },       /* VPERMPS */
    [0x17] = { [1] = V(avx_h_test, VF_WIDE | VF_NOV, 16, 0, AVX) },
    [0x18] = { [1] = V(avx_h_broadcast, VF_WIDE | VF_NOV | VF_W0 | VF_FIXM, 4, 0, AVX) },
    [0x19] = { [1] = V(avx_h_broadcast, VF_WIDE | VF_NOV | VF_W0 | VF_L1 | VF_FIXM, 8, 0, AVX) },
    [0x1a] = { [1] = V(avx_h_broadcast, VF_WIDE | VF_NOV | VF_W0 | VF_L1 | VF_FIXM | SF_MEMONLY, 16, 0, AVX) },
    [0x1c] = VIN(IOP_PABSB), [0x1d] = VIN(IOP_PABSW), [0x1e] = VIN(IOP_PABSD),
    [0x20] = VPMOVX(1, 2, 8, 1), [0x21] = VPMOVX(1, 4, 4, 1), [0x22] = VPMOVX(1, 8, 2, 1),
    [0x23] = VPMOVX(2, 4, 8, 1), [0x24] = VPMOVX(2, 8, 4, 1), [0x25] = VPMOVX(4, 8, 8, 1),
    [0x28] = V4(I4_PMULDQ), [0x29] = V4(I4_PCMPEQQ),
    [0x2a] = { [1] = V(h_movntdqa, VF_NOV | VF_I256 | VF_ALIGN | SF_MEMONLY, 16, 0, AVX) },
    [0x2b] = V4(I4_PACKUSDW),
    [0x2c] = { [1] = V(avx_h_maskmov, VF_WIDE | VF_W0 | SF_MEMONLY, 16, 4, AVX) },
    [0x2d] = { [1] = V(avx_h_maskmov, VF_WIDE | VF_W0 | SF_MEMONLY, 16, 8, AVX) },
    [0x2e] = { [1] = V(avx_h_maskmov, VF_WIDE | VF_W0 | SF_MEMONLY | VF_STORE, 16, 0x14, AVX) },
    [0x2f] = { [1] = V(avx_h_maskmov, VF_WIDE | VF_W0 | SF_MEMONLY | VF_STORE, 16, 0x18, AVX) },
    [0x30] = VPMOVX(1, 2, 8, 0), [0x31] = VPMOVX(1, 4, 4, 0), [0x32] = VPMOVX(1, 8, 2, 0),
    [0x33] = VPMOVX(2, 4, 8, 0), [0x34] = VPMOVX(2, 8, 4, 0), [0x35] = VPMOVX(4, 8, 8, 0),
    [0x36] = { [1] = V(avx2_h_permd, VF_WIDE | VF_W0 | VF_L1, 16, 0, AVX2) },       /* VPERMD */
    [0x37] = V4(I4_PCMPGTQ),
    [0x38] = V4(I4_PMINSB), [0x39] = V4(I4_PMINSD), [0x3a] = V4(I4_PMINUW), [0x3b] = V4(I4_PMINUD),
    [0x3c] = V4(I4_PMAXSB), [0x3d] = V4(I4_PMAXSD), [0x3e] = V4(I4_PMAXUW), [0x3f] = V4(I4_PMAXUD),
    [0x40] = V4(I4_PMULLD),
    [0x41] = { [1] = V(h_phminposuw, VF_NOV | VF_L0, 16, 0, AVX) },
    /* AVX2 (avx2.c) */
    [0x45] = { [1] = V(avx2_h_varshift, VF_WIDE, 16, 1, AVX2) },        /* VPSRLVD/Q */
    [0x46] = { [1] = V(avx2_h_varshift, VF_WIDE | VF_W0, 16, 2, AVX2) },        /* VPSRAVD */
    [0x47] = { [1] = V(avx2_h_varshift, VF_WIDE, 16, 0, AVX2) },        /* VPSLLVD/Q */
    [0x58] = VBCAST(4, 0), [0x59] = VBCAST(8, 0),                       /* VPBROADCASTD/Q */
    [0x5a] = VBCAST(16, VF_L1 | SF_MEMONLY),                            /* VBROADCASTI128 */
    [0x78] = VBCAST(1, 0), [0x79] = VBCAST(2, 0),                       /* VPBROADCASTB/W */
    [0x8c] = { [1] = V(avx2_h_pmaskmov, VF_WIDE | SF_MEMONLY, 16, 0, AVX2) },
    [0x8e] = { [1] = V(avx2_h_pmaskmov, VF_WIDE | SF_MEMONLY | VF_STORE, 16, 0x10, AVX2) },
    [0x90] = VGATHER(4), [0x91] = VGATHER(8),                           /* VPGATHERDx/QX */
    [0x92] = VGATHER(4), [0x93] = VGATHER(8),                           /* VGATHERDPx/QPx */
    /* FMA3 (fma.c): packed 96-98, 9A, 9C, 9E; scalar 99, 9B, 9D, 9F;
     * the same at A6-AF (213) and B6-BF (231) */
    [0x96] = VFMAP, [0x97] = VFMAP, [0x98] = VFMAP, [0x99] = VFMAS,
    [0x9a] = VFMAP, [0x9b] = VFMAS, [0x9c] = VFMAP, [0x9d] = VFMAS,
    [0x9e] = VFMAP, [0x9f] = VFMAS,
    [0xa6] = VFMAP, [0xa7] = VFMAP, [0xa8] = VFMAP, [0xa9] = VFMAS,
    [0xaa] = VFMAP, [0xab] = VFMAS, [0xac] = VFMAP, [0xad] = VFMAS,
    [0xae] = VFMAP, [0xaf] = VFMAS,
    [0xb6] = VFMAP, [0xb7] = VFMAP, [0xb8] = VFMAP, [0xb9] = VFMAS,
    [0xba] = VFMAP, [0xbb] = VFMAS, [0xbc] = VFMAP, [0xbd] = VFMAS,
    [0xbe] = VFMAP, [0xbf] = VFMAS,
    /* BMI1/BMI2 (bmi.c): general registers, VEX.L0, W = 64-bit (64-bit mode) */
    /* AES-NI (aes.c): VEX.128 needs AVX and AES; VEX.256 of DC-DF is
     * VAES (AVX and VAES: avx_execute), one round per 128-bit lane;
     * VAESIMC has no VEX.256 form */
    [0xdb] = { [1] = V(sse_h_aesimc, VF_L0 | VF_NOV, 16, 0, AVX_AES) },
    [0xdc] = { [1] = V(sse_h_aes_round, 0, 16, 0, AVX_AES) },
    [0xdd] = { [1] = V(sse_h_aes_round, 0, 16, 1, AVX_AES) },
    [0xde] = { [1] = V(sse_h_aes_round, 0, 16, 2, AVX_AES) },
    [0xdf] = { [1] = V(sse_h_aes_round, 0, 16, 3, AVX_AES) },
    [0xf2] = { VB1(bmi_h_andn, 0) },
    [0xf3] = { VB1(bmi_h_grp17, 0) },                                   /* BLSR/BLSMSK/BLSI */
    [0xf5] = { VB2(bmi_h_bzhi, 0), [2] = VB2(bmi_h_pdep_pext, 1), [3] = VB2(bmi_h_pdep_pext, 0) },
    [0xf6] = { [3] = VB2(bmi_h_mulx, 0) },
    [0xf7] = { VB1(bmi_h_bextr, 0), VB2(bmi_h_shx, 0), VB2(bmi_h_shx, 2), VB2(bmi_h_shx, 1) },
};

const SseEntry sse4_vex_map3a[256][4] = {
    [0x00] = { [1] = V(avx2_h_permq, VF_WIDE | VF_NOV | VF_W1 | VF_L1, 16, 0, AVX2) },   /* VPERMQ */
    [0x01] = { [1] = V(avx2_h_permq, VF_WIDE | VF_NOV | VF_W1 | VF_L1, 16, 0, AVX2) },   /* VPERMPD */
    [0x02] = { [1] = V(avx2_h_blendd, VF_WIDE | VF_W0, 16, 0, AVX2) },                   /* VPBLENDD */
    [0x04] = { [1] = V(avx_h_permil_imm, VF_NOV | VF_W0, 16, 4, AVX) },
    [0x05] = { [1] = V(avx_h_permil_imm, VF_NOV | VF_W0, 16, 8, AVX) },
    [0x06] = { [1] = V(avx_h_perm2, VF_WIDE | VF_W0 | VF_L1, 16, 0, AVX) },
    [0x08] = { [1] = V(h_fp_imm, VF_WIDE | VF_NOV, 16, SSE_STUB_ROUNDPS, AVX) },
    [0x09] = { [1] = V(h_fp_imm, VF_WIDE | VF_NOV, 16, SSE_STUB_ROUNDPD, AVX) },
    [0x0a] = { [1] = V(h_fp_imm, VF_LIG | VF_FIXM, 4, SSE_STUB_ROUNDSS, AVX) },
    [0x0b] = { [1] = V(h_fp_imm, VF_LIG | VF_FIXM, 8, SSE_STUB_ROUNDSD, AVX) },
    [0x0c] = { [1] = V(h_blend, 0, 16, 4, AVX) }, [0x0d] = { [1] = V(h_blend, 0, 16, 8, AVX) },
    [0x0e] = { [1] = V(h_blend, VF_I256, 16, 2, AVX) },
    [0x0f] = { [1] = V(sse_h_palignr, VF_I256, 16, 0, AVX) },
    [0x14] = { [1] = V(h_pextr, VF_L0 | VF_NOV | VF_STORE, 0, 1, AVX) },
    [0x15] = { [1] = V(h_pextr, VF_L0 | VF_NOV | VF_STORE, 0, 2, AVX) },
    [0x16] = { [1] = V(h_pextr, VF_L0 | VF_NOV | VF_STORE | VF_WGPR, 0, 4, AVX) },
    [0x17] = { [1] = V(h_pextr, VF_L0 | VF_NOV | VF_STORE, 0, 0x14, AVX) },
    [0x18] = { [1] = V(avx_h_insert128, VF_WIDE | VF_W0 | VF_L1 | VF_FIXM, 16, 0, AVX) },
    [0x19] = { [1] = V(avx_h_extract128, VF_WIDE | VF_W0 | VF_L1 | VF_NOV | VF_STORE | VF_FIXM, 16, 0, AVX) },
    [0x1d] = { [1] = V(avx_h_cvtps2ph, VF_WIDE | VF_W0 | VF_NOV | VF_STORE, 8, 0, F16C) },
    [0x20] = { [1] = V(h_pinsr, VF_L0 | VF_FIXM, 0, 1, AVX) },
    [0x21] = { [1] = V(h_insertps, VF_L0 | VF_FIXM, 4, 0, AVX) },
    [0x22] = { [1] = V(h_pinsr, VF_L0 | VF_WGPR, 0, 4, AVX) },
    [0x38] = { [1] = V(avx_h_insert128, VF_WIDE | VF_W0 | VF_L1 | VF_FIXM, 16, 0, AVX2) },   /* VINSERTI128 */
    [0x39] = { [1] = V(avx_h_extract128, VF_WIDE | VF_W0 | VF_L1 | VF_NOV | VF_STORE | VF_FIXM, 16, 0, AVX2) },
    [0x40] = { [1] = V(h_fp_imm, VF_WIDE, 16, SSE_STUB_DPPS, AVX) },
    [0x41] = { [1] = V(h_fp_imm, VF_WIDE | VF_L0, 16, SSE_STUB_DPPD, AVX) },
    [0x42] = { [1] = V(h_mpsadbw, VF_I256, 16, 0, AVX) },
    [0x46] = { [1] = V(avx_h_perm2, VF_WIDE | VF_W0 | VF_L1, 16, 0, AVX2) },             /* VPERM2I128 */
    [0x4a] = { [1] = V(avx_h_blendv, VF_W0, 16, 4, AVX) },
    [0x4b] = { [1] = V(avx_h_blendv, VF_W0, 16, 8, AVX) },
    [0x4c] = { [1] = V(avx_h_blendv, VF_W0 | VF_I256, 16, 1, AVX) },
    [0x60] = { [1] = V(h_pcmpstr, VF_L0 | VF_NOV, 16, SSE_STUB_PCMPESTRM, AVX) },
    [0x61] = { [1] = V(h_pcmpstr, VF_L0 | VF_NOV, 16, SSE_STUB_PCMPESTRI, AVX) },
    [0x62] = { [1] = V(h_pcmpstr, VF_L0 | VF_NOV, 16, SSE_STUB_PCMPISTRM, AVX) },
    [0x63] = { [1] = V(h_pcmpstr, VF_L0 | VF_NOV, 16, SSE_STUB_PCMPISTRI, AVX) },
    [0xf0] = { [3] = V(bmi_h_rorx, SF_GPR | VF_L0 | VF_WGPR | VF_NOV, 0, 0, BMI2) },   /* RORX */
    /* PCLMULQDQ (aes.c): VEX.256 is VPCLMULQDQ (AVX and VPCLMULQDQ),
     * per 128-bit lane with the same imm8 bits 0 and 4 in each;
     * VAESKEYGENASSIST has no VEX.256 form */
    [0x44] = { [1] = V(sse_h_pclmul, 0, 16, 0, AVX_PCLMUL) },
    [0xdf] = { [1] = V(sse_h_aeskeygen, VF_L0 | VF_NOV, 16, 0, AVX_AES) },
};

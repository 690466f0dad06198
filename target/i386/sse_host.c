/*
 * target/i386/sse_host.c - run one SSE floating-point instruction on the
 * host's SSE unit under the guest's MXCSR.
 *
 * Design: emu86 runs on x86-64 hosts, whose SSE/SSE2/SSE3 unit is the
 * reference the guest expects (SDM Vol.1 ch.10-12).  Rather than
 * re-implementing IEEE rounding, DAZ/FTZ, NaN selection, the RCP/RSQRT
 * approximation tables and the exception flags, the operands go into host
 * xmm0/xmm1 (and rax for the integer side of CVTSI2Sx / CVTSx2SI), the
 * guest MXCSR is loaded with all exceptions masked and its flags cleared,
 * the very same instruction runs, and the result, the new flags and RFLAGS
 * (for COMISx/UCOMISx) come back.  The host's MXCSR is saved and restored
 * around the run, so host code never sees the guest's rounding mode.
 *
 * The stubs (sse_stubs.def) are pre-assembled: 16 bytes each, ENDBR64,
 * the instruction, RET.  Unmasked exceptions (SDM Vol.1 11.5.2): the
 * masked run tells which exceptions occur; if any is unmasked in the guest
 * MXCSR the destination is left alone, the flags are set as the SDM
 * describes (pre-computation exceptions IE/DE/ZE alone when one of those is
 * unmasked, otherwise all detected flags) and #XM is raised, or #UD when
 * CR4.OSXMMEXCPT=0 (SDM Vol.1 11.5.3).
 */
#include <string.h>

#include "target/i386/sse.h"

#define SSE_STUB(name, bytes) \
    ".balign 16\n.byte 0xf3,0x0f,0x1e,0xfa," bytes ",0xc3\n"

__asm__(
    ".pushsection .text\n"
    ".balign 16\n"
    ".globl emu86_sse_host_run\n"
    ".hidden emu86_sse_host_run\n"
    ".type emu86_sse_host_run, @function\n"
    /* void emu86_sse_host_run(SseHostBuf *b rdi, const void *stub rsi) */
    "emu86_sse_host_run:\n"
    "    .byte 0xf3, 0x0f, 0x1e, 0xfa\n"       /* endbr64 */
    "    push %rbx\n"
    "    sub $16, %rsp\n"
    "    stmxcsr (%rsp)\n"
    "    mov %rdi, %rbx\n"
    "    movups 0(%rbx), %xmm0\n"
    "    movups 16(%rbx), %xmm1\n"
    "    mov 48(%rbx), %rax\n"
    "    mov 56(%rbx), %rdx\n"
    "    movups 72(%rbx), %xmm2\n"
    "    ldmxcsr 32(%rbx)\n"
    "    call *%rsi\n"
    "    mov %rcx, 64(%rbx)\n"
    "    stmxcsr 36(%rbx)\n"
    "    pushfq\n"
    "    pop %rcx\n"
    "    mov %rcx, 40(%rbx)\n"
    "    ldmxcsr (%rsp)\n"
    "    movups %xmm0, 0(%rbx)\n"
    "    mov %rax, 48(%rbx)\n"
    "    add $16, %rsp\n"
    "    pop %rbx\n"
    "    ret\n"
    ".size emu86_sse_host_run, . - emu86_sse_host_run\n"
    ".balign 16\n"
    ".globl emu86_sse_stubs\n"
    ".hidden emu86_sse_stubs\n"
    "emu86_sse_stubs:\n"
#include "target/i386/sse_stubs.def"
    /* SSE4.1/4.2 with an imm8: 256 stubs each, in SSE_STUB_ROUNDPS.. order */
    ".irp op, 0x08, 0x09, 0x0a, 0x0b, 0x40, 0x41, 0x60, 0x61, 0x62, 0x63\n"
    "  .set emu86_sse_i, 0\n"
    "  .rept 256\n"
    "    .balign 16\n"
    "    .byte 0xf3,0x0f,0x1e,0xfa,0x66,0x0f,0x3a,\\op,0xc1,emu86_sse_i,0xc3\n"
    "    .set emu86_sse_i, emu86_sse_i + 1\n"
    "  .endr\n"
    ".endr\n"
    /* VEX.128 VCMPPS/PD/SS/SD xmm0, xmm0, xmm1, imm8 with predicates
     * 0-31 (SSE_STUB_VCMPPS + 32 * pp + imm): c5 f8+pp c2 c1 ib */
    ".irp pp, 0xf8, 0xf9, 0xfa, 0xfb\n"
    "  .set emu86_sse_i, 0\n"
    "  .rept 32\n"
    "    .balign 16\n"
    "    .byte 0xf3,0x0f,0x1e,0xfa,0xc5,\\pp,0xc2,0xc1,emu86_sse_i,0xc3\n"
    "    .set emu86_sse_i, emu86_sse_i + 1\n"
    "  .endr\n"
    ".endr\n"
    /* FMA3 (SSE_STUB_FMA): vfm... xmm0, xmm1, xmm2 = c4 e2 W.1110.0.01
     * op c2 for the 30 FMA opcodes, VEX.W0 then VEX.W1 */
    ".irp w, 0x71, 0xf1\n"
    "  .irp op, 0x96,0x97,0x98,0x99,0x9a,0x9b,0x9c,0x9d,0x9e,0x9f, "
    "0xa6,0xa7,0xa8,0xa9,0xaa,0xab,0xac,0xad,0xae,0xaf, "
    "0xb6,0xb7,0xb8,0xb9,0xba,0xbb,0xbc,0xbd,0xbe,0xbf\n"
    "    .balign 16\n"
    "    .byte 0xf3,0x0f,0x1e,0xfa,0xc4,0xe2,\\w,\\op,0xc2,0xc3\n"
    "  .endr\n"
    ".endr\n"
    ".popsection\n");

#undef SSE_STUB

void emu86_sse_host_run(SseHostBuf *b, const void *stub);
extern const uint8_t emu86_sse_stubs[];

void sse_host_run(SseHostBuf *b, unsigned stub)
{
    emu86_sse_host_run(b, emu86_sse_stubs + stub * 16);
}

/* Lane layout of the instructions whose results can be tiny (underflow)
 * or overflow: computed lanes, input/output element sizes, horizontal. */
typedef struct LaneInfo {
    uint8_t lanes, in_es, out_es;
    bool horiz;
    uint8_t kind;           /* LK_* */
} LaneInfo;

enum { LK_ADD, LK_MUL, LK_DIV, LK_CVT, LK_FMA };

static bool lane_info(unsigned stub, LaneInfo *li)
{
    static const uint8_t arith[] = {
        SSE_STUB_ADDPS, SSE_STUB_SUBPS, SSE_STUB_MULPS, SSE_STUB_DIVPS,
    };
    static const uint8_t kinds[] = { LK_ADD, LK_ADD, LK_MUL, LK_DIV };
    for (unsigned i = 0; i < sizeof(arith); i++) {
        if (stub >= arith[i] && stub < arith[i] + 4u) {
            static const LaneInfo f[4] = { { 4, 4, 4, 0, 0 }, { 2, 8, 8, 0, 0 },
                                           { 1, 4, 4, 0, 0 }, { 1, 8, 8, 0, 0 } };
            *li = f[stub - arith[i]];
            li->kind = kinds[i];
            return true;
        }
    }
    if (stub >= SSE_STUB_FMA && stub < SSE_STUB_FMA + 60) {
        /* FMA3: opcode low nibble 9/B/D/F is the scalar form */
        unsigned k = (stub - SSE_STUB_FMA) % 30, lo = 6 + k % 10;
        unsigned es = stub >= SSE_STUB_FMA + 30 ? 8 : 4;
        *li = (LaneInfo){ (uint8_t)(((lo & 1) && lo >= 9) ? 1 : 16 / es), (uint8_t)es,
                          (uint8_t)es, 0, LK_FMA };
        return true;
    }
    if (stub >= SSE_STUB_VCVTPS2PH0 && stub <= SSE_STUB_VCVTPS2PH7) {
        *li = (LaneInfo){ 4, 4, 2, 0, LK_CVT };     /* F16C: 4 singles to halves */
        return true;
    }
    switch (stub) {
    case SSE_STUB_CVTPD2PS: *li = (LaneInfo){ 2, 8, 4, 0, LK_CVT }; return true;
    case SSE_STUB_CVTSD2SS: *li = (LaneInfo){ 1, 8, 4, 0, LK_CVT }; return true;
    case SSE_STUB_ADDSUBPS: *li = (LaneInfo){ 4, 4, 4, 0, LK_ADD }; return true;
    case SSE_STUB_ADDSUBPD: *li = (LaneInfo){ 2, 8, 8, 0, LK_ADD }; return true;
    case SSE_STUB_HADDPS: case SSE_STUB_HSUBPS: *li = (LaneInfo){ 4, 4, 4, 1, LK_ADD }; return true;
    case SSE_STUB_HADDPD: case SSE_STUB_HSUBPD: *li = (LaneInfo){ 2, 8, 8, 1, LK_ADD }; return true;
    default: return false;
    }
}

static void set_one(XMMReg *x, unsigned es, unsigned j)
{
    if (es == 4) {
        x->l[j] = 0x3f800000u;
    } else {
        x->q[j] = 0x3ff0000000000000ull;
    }
}

static bool out_denormal(const XMMReg *x, unsigned es, unsigned i)
{
    if (es == 2) {
        return (x->w[i] & 0x7c00u) == 0 && (x->w[i] & 0x03ffu);
    }
    if (es == 4) {
        return (x->l[i] & 0x7f800000u) == 0 && (x->l[i] & 0x007fffffu);
    }
    return (x->q[i] & 0x7ff0000000000000ull) == 0 && (x->q[i] & 0x000fffffffffffffull);
}

static double lane_get(const XMMReg *x, unsigned es, unsigned j, bool daz)
{
    if (es == 4) {
        if (daz && (x->l[j] & 0x7f800000u) == 0) {
            return (x->l[j] >> 31) ? -0.0 : 0.0;
        }
        return x->s[j];
    }
    if (daz && (x->q[j] & 0x7ff0000000000000ull) == 0) {
        return (x->q[j] >> 63) ? -0.0 : 0.0;
    }
    return x->d[j];
}

static void lane_put(XMMReg *x, unsigned es, unsigned j, double v)
{
    if (es == 4) {
        x->s[j] = (float)v;
    } else {
        x->d[j] = v;
    }
}

/* The significand of lane j as a value in [1, 2) (exact: same bits). */
static void lane_norm(XMMReg *x, unsigned es, unsigned j, bool daz)
{
    int e;
    double v = lane_get(x, es, j, daz);
    if (v != 0 && !__builtin_isinf(v) && !__builtin_isnan(v)) {
        lane_put(x, es, j, __builtin_frexp(v, &e) * 2);
    }
}

/* FMA3 lane i: is a*b+c inexact at the destination precision with an
 * unbounded exponent?  The host's masked run cannot tell (its result is
 * rounded to a bounded exponent), and scaling the operands does not work
 * for a three-operand sum, so it is computed exactly in binary128: the
 * product of two doubles fits its 113 bits, the rounding error of the
 * sum comes from TwoSum (exact in round-to-nearest, which host C code
 * runs under), and a sum exact in binary128 is exact at 24/53 bits iff
 * the fraction bits below those are zero.  Operand order from the
 * opcode: 132 = x0*x2 + x1, 213 = x1*x0 + x2, 231 = x1*x2 + x0 (xmm0 is
 * the destination, xmm1 VEX.vvvv, xmm2 r/m; SDM VFMADD132PS...). */
static bool fma_inexact(const SseHostBuf *b, unsigned stub, unsigned i, unsigned es, bool daz)
{
    unsigned k = (stub - SSE_STUB_FMA) % 30, order = k / 10, lo = 6 + k % 10;
    const XMMReg *m1 = order == 0 ? &b->x0 : &b->x1;
    const XMMReg *m2 = order == 1 ? &b->x0 : &b->x2;
    const XMMReg *ad = order == 0 ? &b->x1 : order == 1 ? &b->x2 : &b->x0;
    bool sub_c;
    switch (lo) {
    case 6: sub_c = !(i & 1); break;        /* VFMADDSUB: even elements subtract */
    case 7: sub_c = i & 1; break;           /* VFMSUBADD: odd elements subtract */
    case 0xa: case 0xb: case 0xe: case 0xf: sub_c = true; break;
    default: sub_c = false; break;
    }
    __float128 p = (__float128)lane_get(m1, es, i, daz) * (__float128)lane_get(m2, es, i, daz);
    __float128 c = lane_get(ad, es, i, daz);
    if (lo >= 0xc) {
        p = -p;                             /* VFNMADD / VFNMSUB */
    }
    if (sub_c) {
        c = -c;
    }
    __float128 s = p + c, bv = s - p;
    if ((p - (s - bv)) + (c - bv) != 0) {
        return true;
    }
    uint64_t w[2];
    memcpy(w, &s, 16);
    if (es == 8) {
        return (w[0] & ((1ull << 60) - 1)) != 0;
    }
    return w[0] != 0 || (w[1] & ((1ull << 25) - 1)) != 0;
}

/* PE of lane i as the SDM defines it for an unmasked OE/UE: inexactness
 * of the result rounded to the destination precision with an unbounded
 * exponent.  Exponents do not matter for that: the host computes the
 * operation on the operands' significands (values in [1, 2), normal),
 * except for sums: a tiny sum is exact, a huge one is recomputed on both
 * operands divided by 4. */
static uint32_t pe_unbounded(const SseHostBuf *lane, unsigned stub, const LaneInfo *li,
                             unsigned i, uint32_t mxcsr, bool over)
{
    SseHostBuf b = *lane;
    bool daz = mxcsr & MXCSR_DAZ;
    unsigned es = li->in_es;

    switch (li->kind) {
    case LK_ADD: {
        if (!over) {
            return 0;
        }
        unsigned k0 = i, k1 = i;
        XMMReg *x0 = &b.x0, *x1 = &b.x1;
        if (li->horiz) {
            unsigned half = li->lanes / 2;
            x0 = x1 = i < half ? &b.x0 : &b.x1;
            k0 = 2 * (i < half ? i : i - half);
            k1 = k0 + 1;
        }
        double v0 = lane_get(x0, es, k0, daz), v1 = lane_get(x1, es, k1, daz);
        double lim = es == 4 ? 0x1p-124 : 0x1p-1020;
        /* an operand that would lose bits to the division is far below
         * the ulp of the huge sum: inexact iff it is non-zero */
        if (__builtin_fabs(v0) < lim || __builtin_fabs(v1) < lim) {
            return (v0 != 0 && v1 != 0) ? MXCSR_PE : 0;
        }
        lane_put(x0, es, k0, v0 * 0.25);
        lane_put(x1, es, k1, v1 * 0.25);
        break;
    }
    case LK_MUL: case LK_DIV:
        lane_norm(&b.x0, es, i, daz);
        lane_norm(&b.x1, es, i, daz);
        break;
    case LK_CVT:
        lane_norm(&b.x1, es, i, daz);
        break;
    case LK_FMA:
        return fma_inexact(&b, stub, i, es, daz) ? MXCSR_PE : 0;
    }
    b.mxcsr_in = (mxcsr & ~(MXCSR_FLAGS | 0x8000u | MXCSR_DAZ)) | MXCSR_MASKS;
    sse_host_run(&b, stub);
    return b.mxcsr_out & MXCSR_PE;
}

/* Unmasked OE/UE/PE (SDM Vol.1 11.5.2.4-11.5.2.6, 4.9.1.5): each lane is
 * run alone (the others replaced by 1.0, which compute exactly) so the
 * flags can be attributed.  A lane's underflow with UE unmasked is any
 * non-zero tiny result, exact or not, found by a run with FTZ=0: a
 * denormal result or the masked UE flag.  A lane that faults on OE/UE
 * reports PE for the unbounded-exponent result (pe_unbounded). */
static uint32_t post_flags(const SseHostBuf *in, unsigned stub, const LaneInfo *li,
                           uint32_t mxcsr, bool *fault)
{
    uint32_t um = ~(mxcsr >> MXCSR_MASK_SHIFT) & MXCSR_FLAGS;
    uint32_t out = 0;

    *fault = false;
    for (unsigned i = 0; i < li->lanes; i++) {
        SseHostBuf b = *in;
        unsigned n = li->lanes;
        for (unsigned j = 0; j < n && n > 1; j++) {
            if (li->horiz) {
                /* result lane i sums input pair i of (x0 pairs, then x1 pairs) */
                unsigned half = n / 2;
                for (unsigned k = 0; k < 2; k++) {
                    unsigned pair = j < half ? j : j - half;
                    XMMReg *x = j < half ? &b.x0 : &b.x1;
                    if (j != i) {
                        set_one(x, li->in_es, 2 * pair + k);
                    }
                }
            } else if (j != i) {
                /* FMA: 1*1 +- 1 is exact too */
                set_one(&b.x0, li->in_es, j);
                set_one(&b.x1, li->in_es, j);
                if (li->kind == LK_FMA) {
                    set_one(&b.x2, li->in_es, j);
                }
            }
        }
        SseHostBuf t = b, t0 = b;
        b.mxcsr_in = (mxcsr & ~MXCSR_FLAGS) | MXCSR_MASKS;
        sse_host_run(&b, stub);
        uint32_t f = b.mxcsr_out & MXCSR_FLAGS;
        uint32_t oe = f & MXCSR_OE, ue = f & MXCSR_UE;
        if (um & MXCSR_UE) {
            t.mxcsr_in = (mxcsr & ~(MXCSR_FLAGS | 0x8000u)) | MXCSR_MASKS;
            sse_host_run(&t, stub);
            if ((t.mxcsr_out & MXCSR_UE) || out_denormal(&t.x0, li->out_es, i)) {
                ue = MXCSR_UE;
            }
        }
        if ((oe | ue) & um) {
            *fault = true;
            out |= (f & ~(MXCSR_PE | MXCSR_UE)) | oe | ue |
                   pe_unbounded(&t0, stub, li, i, mxcsr, oe & um);
        } else {
            if ((f & um) & MXCSR_PE) {
                *fault = true;
            }
            out |= f;
        }
    }
    return out;
}

/* n 128-bit lanes of one instruction (VEX.256: n = 2).  The flags of all
 * lanes are combined before deciding on #XM, so the whole destination is
 * left alone when any lane raises an unmasked exception (SDM Vol.1
 * 11.5.2: the pre-computation flags alone if one of those is unmasked
 * in any element). */
void sse_fp_run_lanes(CPUX86State *env, SseHostBuf *b, unsigned n, unsigned stub)
{
    uint32_t *mx = sse_mxcsr(env);
    uint32_t um = ~(*mx >> MXCSR_MASK_SHIFT) & MXCSR_FLAGS;
    const uint32_t pre = MXCSR_IE | MXCSR_DE | MXCSR_ZE;
    const uint32_t post = MXCSR_OE | MXCSR_UE | MXCSR_PE;
    SseHostBuf in[2];
    LaneInfo li;
    uint32_t f = 0;

    for (unsigned l = 0; l < n; l++) {
        in[l] = b[l];
        b[l].mxcsr_in = (*mx & ~MXCSR_FLAGS) | MXCSR_MASKS;
        sse_host_run(&b[l], stub);
        f |= b[l].mxcsr_out & MXCSR_FLAGS;
    }
    if (f & um & pre) {
        /* pre-computation exceptions are reported alone (11.5.3) */
        *mx |= f & pre;
        cpu_raise_exception(env, (env->cr[4] & CR4_OSXMMEXCPT) ? EXCP_XM : EXCP_UD);
    }
    if ((um & post) && lane_info(stub, &li)) {
        bool fault = false;
        uint32_t g = 0;
        for (unsigned l = 0; l < n; l++) {
            bool lf;
            g |= post_flags(&in[l], stub, &li, *mx, &lf);
            fault |= lf;
        }
        if (fault) {
            *mx |= g;
            cpu_raise_exception(env, (env->cr[4] & CR4_OSXMMEXCPT) ? EXCP_XM : EXCP_UD);
        }
    } else if (f & um) {
        *mx |= f;
        cpu_raise_exception(env, (env->cr[4] & CR4_OSXMMEXCPT) ? EXCP_XM : EXCP_UD);
    }
    *mx |= f;
}

void sse_fp_run(CPUX86State *env, SseHostBuf *b, unsigned stub)
{
    sse_fp_run_lanes(env, b, 1, stub);
}

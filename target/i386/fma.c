/*
 * target/i386/fma.c - FMA3: VFMADD/VFMSUB/VFNMADD/VFNMSUB/VFMADDSUB/
 * VFMSUBADD 132/213/231 PS/PD/SS/SD (VEX.66.0F38 96-9F, A6-AF, B6-BF;
 * VEX.W0 single, VEX.W1 double precision; SDM Vol.2 VFMADD132PS...).
 *
 * Design: a fused multiply-add rounds once, so it cannot be composed from
 * the host's separate multiply and add; it runs on the host's own FMA
 * unit instead, like every other SSE/AVX floating-point operation
 * (sse_host.c): one pre-assembled stub per opcode and W, "vfm...
 * xmm0, xmm1, xmm2" with xmm0 = the destination (also a source), xmm1 =
 * VEX.vvvv and xmm2 = r/m, so the operand order of 132/213/231 and the
 * alternating signs of ADDSUB/SUBADD are the host's, bit for bit, under
 * the guest MXCSR (rounding, DAZ/FTZ, NaN selection, flags).  VEX.256
 * runs as two 128-bit lanes in one all-or-nothing sse_fp_run_lanes call:
 * an unmasked exception in any element leaves the destination untouched
 * and raises #XM (or #UD without CR4.OSXMMEXCPT) with the SDM's flags;
 * for unmasked OE/UE the PE flag of the unbounded-exponent result comes
 * from an exact binary128 evaluation (sse_host.c fma_inexact).
 *
 * Scalar forms (low nibble 9/B/D/F) are VEX.LIG: bits 127:32 (SS) or
 * 127:64 (SD) of the destination are kept, 255:128 zeroed; their memory
 * operand is 4 or 8 bytes.  No alignment requirement (exception class
 * 2/3).
 */
#include <string.h>

#include "target/i386/sse.h"

/* Stub number of FMA opcode byte opb (96-9F, A6-AF, B6-BF) and VEX.W. */
unsigned fma_stub(unsigned opb, bool w)
{
    unsigned k = ((opb >> 4) - 9) * 10 + (opb & 15) - 6;
    return SSE_STUB_FMA + (w ? 30 : 0) + k;
}

void fma_h(SseCtx *c)
{
    CPUX86State *env = c->env;
    unsigned opb = c->insn->opcode & 0xff;
    bool w = c->insn->rex & 8;
    bool scalar = (opb & 1) && (opb & 15) >= 9;
    unsigned nl = scalar ? 1 : c->vl + 1;
    YMMReg d, a, s, r;
    SseHostBuf b[2];

    ymm_get(env, c->reg, &d);
    ymm_get(env, c->v1, &a);
    memset(&s, 0, sizeof(s));
    if (c->mem) {
        avx_load(c, &s, scalar ? (w ? 8 : 4) : 16u << c->vl);
    } else {
        ymm_get(env, c->rm, &s);
    }
    memset(b, 0, sizeof(b));
    for (unsigned l = 0; l < nl; l++) {
        b[l].x0 = d.x[l];
        b[l].x1 = a.x[l];
        b[l].x2 = s.x[l];
    }
    sse_fp_run_lanes(env, b, nl, fma_stub(opb, w));
    memset(&r, 0, sizeof(r));
    for (unsigned l = 0; l < nl; l++) {
        r.x[l] = b[l].x0;
    }
    ymm_set(env, c->reg, &r);
}

/*
 * target/i386/avx2.c - the AVX2 operations that are not 256-bit versions
 * of SSE ones: cross-lane permutes (VPERMD/PS, VPERMQ/PD), per-element
 * variable shifts (VPSLLVD/Q, VPSRLVD/Q, VPSRAVD), VPBLENDD, VPMASKMOVD/Q
 * and the gathers (VGATHERDPS/DPD/QPS/QPD, VPGATHERDD/DQ/QD/QQ).  The
 * broadcasts and 128-bit lane moves share the AVX handlers of avx.c; the
 * table entries are in sse4.c (sse4_vex_map38/3a).
 *
 * Design: every handler here is VF_WIDE (one call does the whole
 * vector): the r/m operand is read as a whole through avx_src-like
 * loads (avx_load checks the whole operand before reading), the result
 * is built in a local YMMReg and written once, so nothing is written
 * before the last possible fault.
 *
 * Gathers (SDM Vol.2 VGATHERDPS/VPGATHERDD "Operation", Vol.1 14.16.4):
 * element i is loaded from base + SignExtend(index[i]) * scale + disp
 * when the most significant bit of mask element i is set.  They are the
 * one kind of instruction that leaves partial state on a fault, by
 * design, so that the restarted instruction gathers only what is left:
 * the elements before the faulting one are complete (destination
 * written where selected, mask element cleared), the faulting element
 * and everything after it (including bits above the vector width) are
 * untouched.  That is what the AMD host does (it processes elements in
 * order, and does not sign-extend the mask elements it has not reached,
 * which the SDM pseudocode would allow); tests/unit/test-avx.c checks
 * both sides on a faulting gather.  On completion the whole mask
 * register is zero and the destination is zeroed above its width.
 * #UD when any two of destination, index and mask are the same register
 * (checked by avx_execute, VF_VSIB, before #NM).
 */
#include <string.h>

#include "target/i386/sse.h"
#include "target/i386/ops_internal.h"

/* The r/m operand as a whole vector (memory: msize bytes, zero above). */
static void avx2_src(SseCtx *c, YMMReg *r)
{
    memset(r, 0, sizeof(*r));
    if (c->mem) {
        avx_load(c, r, c->msize);
    } else {
        ymm_get(c->env, c->rm, r);
    }
}

static void avx2_dst(SseCtx *c, YMMReg *r)
{
    if (!c->vl) {
        memset(&r->x[1], 0, 16);
    }
    ymm_set(c->env, c->reg, r);
}

/* VPERMD / VPERMPS ymm1, ymm2, ymm3/m256 (VEX.256 only): dword i of the
 * result is dword (ymm2[i] & 7) of ymm3/m256. */
void avx2_h_permd(SseCtx *c)
{
    YMMReg idx, s, r;
    ymm_get(c->env, c->v1, &idx);
    avx2_src(c, &s);
    for (unsigned i = 0; i < 8; i++) {
        r.l[i] = s.l[idx.l[i] & 7];
    }
    avx2_dst(c, &r);
}

/* VPERMQ / VPERMPD ymm1, ymm2/m256, imm8 (VEX.256 W1): qword i of the
 * result is qword imm8[2i+1:2i] of the source. */
void avx2_h_permq(SseCtx *c)
{
    YMMReg s, r;
    avx2_src(c, &s);
    for (unsigned i = 0; i < 4; i++) {
        r.q[i] = s.q[(c->imm >> (2 * i)) & 3];
    }
    avx2_dst(c, &r);
}

/* VPSLLVD/Q (arg 0), VPSRLVD/Q (1), VPSRAVD (2): each element of src1
 * (vvvv) shifted by the whole corresponding element of src2 (r/m), as an
 * unsigned count; logical shifts by more than the width give 0, the
 * arithmetic one fills with the sign (SDM VPSLLVD/VPSRAVD).  VEX.W
 * selects qwords for the logical shifts (VPSRAVD is W0 only). */
void avx2_h_varshift(SseCtx *c)
{
    YMMReg a, s, r;
    bool q = c->insn->rex & 8;
    unsigned n = (q ? 2u : 4u) << c->vl;
    ymm_get(c->env, c->v1, &a);
    avx2_src(c, &s);
    memset(&r, 0, sizeof(r));
    for (unsigned i = 0; i < n; i++) {
        if (q) {
            uint64_t cnt = s.q[i];
            if (c->arg == 0) {
                r.q[i] = cnt > 63 ? 0 : a.q[i] << cnt;
            } else {
                r.q[i] = cnt > 63 ? 0 : a.q[i] >> cnt;
            }
        } else {
            uint32_t cnt = s.l[i];
            if (c->arg == 0) {
                r.l[i] = cnt > 31 ? 0 : a.l[i] << cnt;
            } else if (c->arg == 1) {
                r.l[i] = cnt > 31 ? 0 : a.l[i] >> cnt;
            } else {
                r.sl[i] = a.sl[i] >> (cnt > 31 ? 31 : cnt);
            }
        }
    }
    avx2_dst(c, &r);
}

/* VPBLENDD: dword i from src2 (r/m) when imm8[i] is set, else src1. */
void avx2_h_blendd(SseCtx *c)
{
    YMMReg a, s, r;
    ymm_get(c->env, c->v1, &a);
    avx2_src(c, &s);
    memset(&r, 0, sizeof(r));
    for (unsigned i = 0; i < (4u << c->vl); i++) {
        r.l[i] = ((c->imm >> i) & 1) ? s.l[i] : a.l[i];
    }
    avx2_dst(c, &r);
}

/* VPMASKMOVD/Q (arg 0: load 8C, 0x10: store 8E): VMASKMOVPS/PD with the
 * element size from VEX.W; masked-off elements never fault (avx.c). */
void avx2_h_pmaskmov(SseCtx *c)
{
    c->arg = ((c->insn->rex & 8) ? 8 : 4) | c->arg;
    avx_h_maskmov(c);
}

/* Gathers (arg: index element size, 4 for the D forms 90/92, 8 for the Q
 * forms 91/93; VEX.W: data element size).  See the design note. */
void avx2_h_gather(SseCtx *c)
{
    CPUX86State *env = c->env;
    const Insn *insn = c->insn;
    unsigned isz = c->arg, dsz = (insn->rex & 8) ? 8 : 4;
    unsigned n = (16u << c->vl) / (isz > dsz ? isz : dsz);
    unsigned bytes = n * dsz;
    unsigned x = env->code_bits == 64 ? 15 : 7;
    YMMReg d, m, ix;

    ymm_get(env, c->reg, &d);
    ymm_get(env, c->v1, &m);
    ymm_get(env, insn->mem.index & x, &ix);
    /* VSIB never has RIP-relative addressing (ModRM.rm = 100b) */
    uint64_t base = (uint64_t)insn->mem.disp;
    if (insn->mem.base != REG_NONE) {
        base += env->regs[insn->mem.base & 15];
    }
    unsigned scale = insn->mem.scale ? insn->mem.scale : 1;
    int seg = insn->seg == SEG_NONE ? R_DS : insn->seg;

    for (unsigned i = 0; i < n; i++) {
        if (m.b[i * dsz + dsz - 1] & 0x80) {
            int64_t idx = isz == 4 ? (int64_t)ix.sl[i] : ix.sq[i];
            uint64_t off = (base + (uint64_t)idx * scale) & size_mask(insn->addrsize);
            /* the elements before this one are architecturally complete
             * when this access faults */
            ymm_set(env, c->reg, &d);
            ymm_set(env, c->v1, &m);
            uint64_t la = seg_linear(env, seg, off, dsz, ACC_READ);
            uint64_t v = ld_size(env, la, dsz);
            memcpy(&d.b[i * dsz], &v, dsz);
        }
        memset(&m.b[i * dsz], 0, dsz);
    }
    memset(&d.b[bytes], 0, 32 - bytes);
    memset(&m, 0, sizeof(m));
    ymm_set(env, c->v1, &m);
    ymm_set(env, c->reg, &d);
}

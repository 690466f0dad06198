/*
 * target/i386/xsave.c - XGETBV, XSETBV, XSAVE, XSAVEOPT, XSAVEC and XRSTOR
 * (standard and compacted forms) for the x87, SSE and AVX state
 * components (SDM Vol.1 ch.13, Vol.2 XSAVE..XSETBV).
 *
 * Design: every instruction first does all its checks (#UD, #NM, the
 * segment checks of the whole area, 64-byte alignment, the header rules,
 * reserved MXCSR bits) and reads everything it needs, so a fault leaves
 * the CPU state untouched; saves probe every page they will write before
 * writing any byte, so a #PF leaves memory untouched too (restartable).
 * Layout: legacy region (x87 bytes 0-23 and 32-159, MXCSR/MXCSR_MASK
 * 24-31, XMM 160-415), header at 512 (XSTATE_BV, XCOMP_BV), AVX state at
 * 576 in both formats (it is the first extended component, and its
 * CPUID.(0DH,2):ECX[1] alignment bit is 0).  Outside 64-bit mode only
 * XMM0-7 / YMM0_H-YMM7_H are accessed (SDM Vol.1 13.13).
 *
 * XINUSE is computed from the registers (see xsave.h).  XSAVEOPT uses the
 * init optimization (components in their initial configuration are not
 * written) but not the modified optimization, which the SDM makes
 * optional.  What the AMD host does where the SDM leaves room (which
 * bytes XSAVEC leaves alone, MXCSR tracking) was checked with the host's
 * own instructions (tests/unit/test-xsave.c).
 */
#include <string.h>

#include "target/i386/xsave.h"
#include "target/i386/cpuid.h"
#include "target/i386/fpu.h"
#include "target/i386/ops_internal.h"
#include "target/i386/sse.h"

#define XCOMP_COMPACT (1ull << 63)

uint64_t xsave_supported_xcr0(const CPUX86State *env)
{
    if (!cpu_has_feature(env, FEAT_1_ECX, CPUID_EXT_XSAVE)) {
        return 0;
    }
    uint64_t m = XSTATE_X87 | XSTATE_SSE;
    if (cpu_has_feature(env, FEAT_1_ECX, CPUID_EXT_AVX)) {
        m |= XSTATE_YMM;
    }
    return m;
}

unsigned xsave_area_size(uint64_t mask)
{
    return (mask & XSTATE_YMM) ? XSAVE_YMM_OFF + XSAVE_YMM_SIZE : XSAVE_YMM_OFF;
}

unsigned xsave_compacted_size(uint64_t mask)
{
    /* component 2 directly follows the header (no 64-byte alignment) */
    return (mask & XSTATE_YMM) ? XSAVE_YMM_OFF + XSAVE_YMM_SIZE : XSAVE_YMM_OFF;
}

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i]) {
            return false;
        }
    }
    return true;
}

/* SDM Vol.1 13.6: x87 state is initial with FCW 037FH, FSW 0, all tags
 * empty, FOP, the pointers and selectors 0 and ST0-ST7 all zero; SSE
 * state with XMM0-15 zero; AVX state with YMM0_H-YMM15_H zero. */
uint64_t xsave_xinuse(const CPUX86State *env, bool with_mxcsr)
{
    const X87State *s = &env->x87;
    uint64_t u = 0;
    bool regs0 = true;
    for (int i = 0; i < 8; i++) {
        regs0 = regs0 && !s->regs[i].mant && !s->regs[i].sexp;
    }
    if (s->fcw != 0x037f || s->fsw || s->ftw || s->fop || s->fip || s->fdp ||
        s->fcs || s->fds || !regs0) {
        u |= XSTATE_X87;
    }
    if (!all_zero(s->xmm, sizeof(s->xmm)) || (with_mxcsr && s->mxcsr != 0x1f80)) {
        u |= XSTATE_SSE;
    }
    if (!all_zero(s->ymmh, sizeof(s->ymmh))) {
        u |= XSTATE_YMM;
    }
    return u;
}

/* ---- memory helpers ---- */

static uint64_t la_add(const CPUX86State *env, uint64_t la, unsigned n)
{
    la += n;
    return env->long_mode ? la : (la & 0xffffffffu);
}

/* Translate every page of [la, la + size) for writing before anything
 * is written: the first missing page faults, nothing has changed. */
static void probe_write(CPUX86State *env, uint64_t la, unsigned size)
{
    unsigned off = 0;
    while (off < size) {
        uint64_t a = la_add(env, la, off);
        mmu_translate(env, a, ACC_WRITE, env->cpl == 3);
        off += 4096 - (unsigned)(a & 0xfff);
    }
}

static void mem_wr(CPUX86State *env, uint64_t la, unsigned off, const uint8_t *p, unsigned n)
{
    unsigned i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        cpu_stq(env, la_add(env, la, off + i), v);
    }
    for (; i < n; i++) {
        cpu_stb(env, la_add(env, la, off + i), p[i]);
    }
}

static void mem_rd(CPUX86State *env, uint64_t la, unsigned off, uint8_t *p, unsigned n)
{
    unsigned i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v = cpu_ldq(env, la_add(env, la, off + i));
        memcpy(p + i, &v, 8);
    }
    for (; i < n; i++) {
        p[i] = cpu_ldub(env, la_add(env, la, off + i));
    }
}

/* ---- common checks ---- */

/* SDM Vol.2 XSAVE/XRSTOR "Protected Mode Exceptions": #UD without XSAVE
 * or with CR4.OSXSAVE=0 (or without the instruction's own CPUID bit),
 * then #NM with CR0.TS=1.  CR0.EM does not matter. */
static void xs_check(CPUX86State *env, uint32_t d1_feature)
{
    if (!cpu_has_feature(env, FEAT_1_ECX, CPUID_EXT_XSAVE) ||
        (d1_feature && !cpu_has_feature(env, FEAT_D_1_EAX, d1_feature)) ||
        !(env->cr[4] & CR4_OSXSAVE)) {
        cpu_raise_exception(env, EXCP_UD);
    }
    if (env->cr[0] & CR0_TS) {
        cpu_raise_exception(env, EXCP_NM);
    }
}

static uint64_t xs_rfbm(const CPUX86State *env)
{
    uint64_t mask = (uint32_t)env->regs[R_EAX] | (env->regs[R_EDX] << 32);
    return mask & env->xcr0;
}

static unsigned xs_nregs(const CPUX86State *env)
{
    return env->code_bits == 64 ? 16 : 8;
}

/* ---- XSAVE, XSAVEOPT, XSAVEC ---- */

typedef enum XsKind { XS_SAVE, XS_SAVEOPT, XS_SAVEC } XsKind;

static void xs_save(CPUX86State *env, const Insn *insn, XsKind kind)
{
    xs_check(env, kind == XS_SAVEOPT ? CPUID_D_1_EAX_XSAVEOPT :
                  kind == XS_SAVEC ? CPUID_D_1_EAX_XSAVEC : 0);
    uint64_t rfbm = xs_rfbm(env);
    bool w = (insn->rex & 8) && env->code_bits == 64;
    unsigned n = xs_nregs(env);
    unsigned size = kind == XS_SAVEC ? xsave_compacted_size(rfbm) : xsave_area_size(rfbm);
    uint64_t la = insn_mem_linear(env, insn, size, ACC_WRITE);
    if (la & 63) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    uint64_t inuse = xsave_xinuse(env, kind == XS_SAVEC);
    uint64_t bv;
    if (kind == XS_SAVEC) {
        /* XSTATE_BV = RFBM & XINUSE, XCOMP_BV = RFBM with bit 63 (13.10) */
        bv = rfbm & inuse;
    } else {
        /* read-modify-write of XSTATE_BV: bits outside RFBM kept (13.7) */
        bv = cpu_ldq(env, la_add(env, la, XSAVE_HDR_OFF));
        bv = (bv & ~rfbm) | (rfbm & inuse);
    }
    probe_write(env, la, size);

    const X87State *s = &env->x87;
    uint8_t buf[160];
    bool all = kind == XS_SAVE;     /* XSAVE writes components even when init */
    if ((rfbm & XSTATE_X87) && (all || (bv & XSTATE_X87))) {
        fpu_fx_put_x87(env, buf, w);
        mem_wr(env, la, 0, buf, 24);
        mem_wr(env, la, 32, buf + 32, 128);
    }
    /* MXCSR and MXCSR_MASK: with RFBM[1] or RFBM[2] for XSAVE/XSAVEOPT,
     * with RFBM[1] for XSAVEC (13.7, 13.9, 13.10), even when SSE is init */
    if (kind == XS_SAVEC ? (rfbm & XSTATE_SSE) : (rfbm & (XSTATE_SSE | XSTATE_YMM))) {
        uint32_t mx[2] = { s->mxcsr, FPU_MXCSR_MASK };
        mem_wr(env, la, 24, (const uint8_t *)mx, 8);
    }
    if ((rfbm & XSTATE_SSE) && (all || (bv & XSTATE_SSE))) {
        mem_wr(env, la, 160, &s->xmm[0][0], 16 * n);
    }
    if ((rfbm & XSTATE_YMM) && (all || (bv & XSTATE_YMM))) {
        mem_wr(env, la, XSAVE_YMM_OFF, &s->ymmh[0][0], 16 * n);
    }
    uint64_t hdr[2] = { bv, rfbm | XCOMP_COMPACT };
    mem_wr(env, la, XSAVE_HDR_OFF, (const uint8_t *)hdr, kind == XS_SAVEC ? 16 : 8);
}

/* ---- XRSTOR (SDM Vol.1 13.8) ---- */

static void xs_restore(CPUX86State *env, const Insn *insn)
{
    xs_check(env, 0);
    uint64_t rfbm = xs_rfbm(env);
    bool w = (insn->rex & 8) && env->code_bits == 64;
    unsigned n = xs_nregs(env);
    uint64_t la = insn_mem_linear(env, insn, XSAVE_YMM_OFF, ACC_READ);
    if (la & 63) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    uint64_t hdr[8];
    mem_rd(env, la, XSAVE_HDR_OFF, (uint8_t *)hdr, 64);
    uint64_t bv = hdr[0], comp = hdr[1];
    bool compacted = comp & XCOMP_COMPACT;
    if (compacted) {
        /* 13.8.1: the compacted form needs XSAVEC support; XCOMP_BV may
         * name only enabled components, XSTATE_BV only components of
         * XCOMP_BV; bytes 63:16 of the header must be zero */
        uint64_t cbits = comp & ~XCOMP_COMPACT;
        if (!cpu_has_feature(env, FEAT_D_1_EAX, CPUID_D_1_EAX_XSAVEC) ||
            (cbits & ~env->xcr0) || (bv & ~cbits) || !all_zero(&hdr[2], 48)) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
    } else if ((bv & ~env->xcr0) || comp || hdr[2]) {
        /* standard form: XSTATE_BV within XCR0, bytes 23:8 zero */
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    uint64_t load = rfbm & bv;
    /* the standard form loads MXCSR with RFBM[1] or RFBM[2] whatever
     * XSTATE_BV says; the compacted one only as part of SSE state */
    bool load_mx = compacted ? (load & XSTATE_SSE) != 0 : (rfbm & (XSTATE_SSE | XSTATE_YMM)) != 0;

    uint8_t legacy[160];
    uint32_t mx = 0;
    uint8_t xmm[16][16], ymmh[16][16];
    if (load & XSTATE_X87) {
        mem_rd(env, la, 0, legacy, 160);
    }
    if (load_mx) {
        mem_rd(env, la, 24, (uint8_t *)&mx, 4);
        if (mx & ~FPU_MXCSR_MASK) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
    }
    if (load & XSTATE_SSE) {
        mem_rd(env, la, 160, &xmm[0][0], 16 * n);
    }
    if (load & XSTATE_YMM) {
        la = insn_mem_linear(env, insn, XSAVE_YMM_OFF + XSAVE_YMM_SIZE, ACC_READ);
        mem_rd(env, la, XSAVE_YMM_OFF, &ymmh[0][0], 16 * n);
    }

    /* commit: loaded, or set to the initial configuration */
    X87State *s = &env->x87;
    if (rfbm & XSTATE_X87) {
        if (load & XSTATE_X87) {
            fpu_fx_get_x87(env, legacy, w);
        } else {
            fpu_init_state(env, false);
            memset(s->regs, 0, sizeof(s->regs));
        }
    }
    if (rfbm & XSTATE_SSE) {
        if (load & XSTATE_SSE) {
            memcpy(s->xmm, xmm, 16 * n);
        } else {
            memset(s->xmm, 0, 16 * n);
        }
    }
    if (load_mx) {
        s->mxcsr = mx;
    } else if (compacted && (rfbm & XSTATE_SSE)) {
        s->mxcsr = 0x1f80;
    }
    if (rfbm & XSTATE_YMM) {
        if (load & XSTATE_YMM) {
            memcpy(s->ymmh, ymmh, 16 * n);
        } else {
            memset(s->ymmh, 0, 16 * n);
        }
    }
}

/* ---- dispatch ---- */

void xsave_grp15(CPUX86State *env, const Insn *insn, unsigned sub)
{
    switch (sub) {
    case 4: xs_save(env, insn, XS_SAVE); break;
    case 5: xs_restore(env, insn); break;
    case 6: xs_save(env, insn, XS_SAVEOPT); break;
    default: cpu_raise_exception(env, EXCP_UD);
    }
}

void xsave_grp9(CPUX86State *env, const Insn *insn, unsigned sub)
{
    if (sub == 4) {
        xs_save(env, insn, XS_SAVEC);
        return;
    }
    /* XRSTORS / XSAVES: the models offer no XSAVES (CPUID.(0DH,1):EAX[3]) */
    cpu_raise_exception(env, EXCP_UD);
}

/* 0F 01 D0 XGETBV, 0F 01 D1 XSETBV (SDM Vol.2 XGETBV, XSETBV). */
void xsave_xcr(CPUX86State *env, const Insn *insn)
{
    if (!cpu_has_feature(env, FEAT_1_ECX, CPUID_EXT_XSAVE) || !(env->cr[4] & CR4_OSXSAVE)) {
        cpu_raise_exception(env, EXCP_UD);
    }
    uint32_t ecx = (uint32_t)env->regs[R_ECX];
    if ((insn->modrm & 7) == 0) {
        uint64_t v;
        if (ecx == 0) {
            v = env->xcr0;
        } else if (ecx == 1 && cpu_has_feature(env, FEAT_D_1_EAX, CPUID_D_1_EAX_XGETBV1)) {
            v = env->xcr0 & xsave_xinuse(env, true);
        } else {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
        reg_write(env, R_EAX, 4, (uint32_t)v);
        reg_write(env, R_EDX, 4, (uint32_t)(v >> 32));
        return;
    }
    uint64_t v = (uint32_t)env->regs[R_EAX] | ((uint64_t)(uint32_t)env->regs[R_EDX] << 32);
    /* #GP(0): CPL > 0, ECX != 0, XCR0[0] clear, unsupported bits, AVX
     * without SSE */
    if (env->cpl != 0 || ecx != 0 || !(v & XSTATE_X87) ||
        (v & ~xsave_supported_xcr0(env)) ||
        ((v & XSTATE_YMM) && !(v & XSTATE_SSE))) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    env->xcr0 = v;
}

/* ---- the standard-format image, for KVM_GET/SET_XSAVE ---- */

void xsave_to_image(const CPUX86State *env, uint8_t *img)
{
    const X87State *s = &env->x87;
    memset(img, 0, XSAVE_YMM_OFF + XSAVE_YMM_SIZE);
    fpu_fx_put_x87(env, img, true);
    uint32_t mx[2] = { s->mxcsr, FPU_MXCSR_MASK };
    memcpy(img + 24, mx, 8);
    memcpy(img + 160, s->xmm, sizeof(s->xmm));
    memcpy(img + XSAVE_YMM_OFF, s->ymmh, sizeof(s->ymmh));
    /* x87 and SSE always marked present: MXCSR travels with them */
    uint64_t bv = XSTATE_X87 | XSTATE_SSE | (xsave_xinuse(env, false) & XSTATE_YMM);
    memcpy(img + XSAVE_HDR_OFF, &bv, 8);
}

void xsave_from_image(CPUX86State *env, const uint8_t *img)
{
    X87State *s = &env->x87;
    uint64_t bv;
    memcpy(&bv, img + XSAVE_HDR_OFF, 8);
    if (bv & XSTATE_X87) {
        fpu_fx_get_x87(env, img, true);
    } else {
        fpu_init_state(env, false);
        memset(s->regs, 0, sizeof(s->regs));
    }
    /* as the standard-form XRSTOR: MXCSR whatever XSTATE_BV says (KVM
     * fills it from its init state when SSE and AVX are init) */
    memcpy(&s->mxcsr, img + 24, 4);
    s->mxcsr &= FPU_MXCSR_MASK;
    if (bv & XSTATE_SSE) {
        memcpy(s->xmm, img + 160, sizeof(s->xmm));
    } else {
        memset(s->xmm, 0, sizeof(s->xmm));
    }
    if (bv & XSTATE_YMM) {
        memcpy(s->ymmh, img + XSAVE_YMM_OFF, sizeof(s->ymmh));
    } else {
        memset(s->ymmh, 0, sizeof(s->ymmh));
    }
}

/* QEMU's `info registers` style: XCR0, then the vector registers (YMM
 * when XCR0 enables AVX state, else XMM) and MXCSR. */
void cpu_dump_vregs(CPUX86State *env, FILE *f)
{
    const X87State *s = &env->x87;
    bool ymm = (env->cr[4] & CR4_OSXSAVE) && (env->xcr0 & XSTATE_YMM);
    fprintf(f, "XCR0=%016llx MXCSR=%08x\n", (unsigned long long)env->xcr0, s->mxcsr);
    for (int i = 0; i < 16; i++) {
        uint32_t l[8];
        memcpy(l, s->xmm[i], 16);
        memcpy(l + 4, s->ymmh[i], 16);
        if (ymm) {
            fprintf(f, "YMM%02d=%08x %08x %08x %08x %08x %08x %08x %08x\n", i,
                    l[7], l[6], l[5], l[4], l[3], l[2], l[1], l[0]);
        } else {
            fprintf(f, "XMM%02d=%08x %08x %08x %08x%c", i, l[3], l[2], l[1], l[0],
                    (i & 1) ? '\n' : ' ');
        }
    }
}

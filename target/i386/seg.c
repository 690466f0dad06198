/*
 * target/i386/seg.c - segmentation: effective-to-linear translation with
 * limit and type checks, segment register loads, descriptor table access,
 * LDTR/TR loads, TSS stack lookup and the stack writer used by interrupt
 * delivery and far calls.
 *
 * Design: the rules are those of SDM Vol.3 chapter 3 (descriptors) and 5
 * (protection), and of the Operation sections of MOV/POP Sreg, LLDT and LTR
 * in Vol.2.  Real mode also checks the cached limit (SDM Vol.3 20.1.1: an
 * offset beyond it raises #GP/#SS), which makes "unreal mode" work by
 * itself.  In 64-bit mode only FS/GS have a base and no limit applies;
 * the linear address must be canonical (#GP(0), #SS(0) for SS).
 * Descriptor table reads are implicit supervisor accesses (_kernel).
 */
#include <inttypes.h>

#include "system/sysemu.h"
#include "target/i386/cpu.h"
#include "target/i386/seg.h"

static inline int seg_fault_vector(int seg)
{
    return seg == R_SS ? EXCP_SS : EXCP_GP;
}

bool seg_in_limit(const SegmentCache *sc, uint64_t off, unsigned size)
{
    uint64_t last = off + size - 1;
    if ((sc->flags & (DESC_S_MASK | DESC_CS_MASK | DESC_E_MASK)) ==
        (DESC_S_MASK | DESC_E_MASK)) {
        /* expand-down data: valid offsets are limit+1 .. 64K-1 or 4G-1 */
        uint64_t upper = (sc->flags & DESC_B_MASK) ? 0xffffffffu : 0xffffu;
        return off > sc->limit && last <= upper;
    }
    return last <= sc->limit;
}

uint64_t seg_linear(CPUX86State *env, int seg, uint64_t offset, unsigned size, int access)
{
    const SegmentCache *sc = &env->segs[seg];
    if (cpu_in_64bit(env)) {
        uint64_t la = offset;
        if (seg == R_FS || seg == R_GS) {
            la += sc->base;
        }
        if (!la_is_canonical(la) || !la_is_canonical(la + size - 1)) {
            cpu_raise_exception_err(env, seg_fault_vector(seg), 0);
        }
        return la;
    }
    if (cpu_in_pmode(env)) {
        uint32_t fl = sc->flags;
        if (!(fl & DESC_P_MASK)) {
            /* null selector (or an unusable register) */
            cpu_raise_exception_err(env, seg_fault_vector(seg), 0);
        }
        if (fl & DESC_CS_MASK) {
            if (access == ACC_WRITE || (access == ACC_READ && !(fl & DESC_R_MASK))) {
                cpu_raise_exception_err(env, seg_fault_vector(seg), 0);
            }
        } else if (access == ACC_WRITE && !(fl & DESC_W_MASK)) {
            cpu_raise_exception_err(env, seg_fault_vector(seg), 0);
        }
    }
    if (!seg_in_limit(sc, offset, size)) {
        cpu_raise_exception_err(env, seg_fault_vector(seg), 0);
    }
    return (sc->base + offset) & 0xffffffffu;
}

/* ---- descriptor tables ---- */

static bool desc_addr(CPUX86State *env, uint16_t sel, unsigned len, uint64_t *la)
{
    const SegmentCache *ldt = &env->ldt;
    uint64_t base;
    uint32_t limit;
    if (sel & SEL_TI) {
        if (!(ldt->flags & DESC_P_MASK) || (ldt->selector & ~3u) == 0) {
            return false;
        }
        base = ldt->base;
        limit = ldt->limit;
    } else {
        base = env->gdt.base;
        limit = env->gdt.limit;
    }
    uint32_t idx = sel & ~7u;
    if (idx + len - 1 > limit) {
        return false;
    }
    *la = env->long_mode ? base + idx : ((base + idx) & 0xffffffffu);
    return true;
}

bool seg_fetch_desc(CPUX86State *env, uint16_t sel, uint32_t *e1, uint32_t *e2)
{
    uint64_t la;
    if (!desc_addr(env, sel, 8, &la)) {
        return false;
    }
    *e1 = cpu_ldl_kernel(env, la);
    *e2 = cpu_ldl_kernel(env, la + 4);
    return true;
}

bool seg_fetch_desc_hi(CPUX86State *env, uint16_t sel, uint32_t *e3)
{
    uint64_t la;
    if (!desc_addr(env, sel, 16, &la)) {
        return false;
    }
    *e3 = cpu_ldl_kernel(env, la + 8);
    return true;
}

void seg_set_accessed(CPUX86State *env, uint16_t sel, uint32_t *e2)
{
    uint64_t la;
    if (!(*e2 & DESC_A_MASK) && desc_addr(env, sel, 8, &la)) {
        *e2 |= DESC_A_MASK;
        cpu_stl_kernel(env, la + 4, *e2);
    }
}

void seg_load_cache(CPUX86State *env, int seg, uint16_t sel, uint64_t base,
                    uint32_t limit, uint32_t flags)
{
    SegmentCache *sc = &env->segs[seg];
    sc->selector = sel;
    sc->base = base;
    sc->limit = limit;
    sc->flags = flags;
}

void seg_load_cache_desc(CPUX86State *env, int seg, uint16_t sel, uint32_t e1, uint32_t e2)
{
    seg_load_cache(env, seg, sel, desc_base(e1, e2), desc_limit(e1, e2), desc_flags(e2));
}

/* MOV Sreg / POP Sreg / LxS (SDM Vol.2 MOV, "Operation") */
void seg_load(CPUX86State *env, int seg, uint16_t sel)
{
    uint32_t e1, e2;
    if (seg == R_CS) {
        cpu_raise_exception(env, EXCP_UD);
    }
    if (!cpu_in_pmode(env)) {
        cpu_load_seg_real(env, seg, sel);
        return;
    }
    int cpl = env->cpl, rpl = SEL_RPL(sel);
    if ((sel & ~3u) == 0) {
        if (seg == R_SS) {
            /* 64-bit mode allows a null SS below CPL 3 when RPL = CPL */
            if (!(cpu_in_64bit(env) && cpl != 3 && rpl == cpl)) {
                cpu_raise_exception_err(env, EXCP_GP, 0);
            }
            seg_load_cache(env, R_SS, sel, 0, 0, (uint32_t)cpl << DESC_DPL_SHIFT |
                           DESC_B_MASK);
            cpu_update_mode(env);
            return;
        }
        /* a null data segment register faults on use (seg_linear) */
        seg_load_cache(env, seg, sel, 0, 0, 0);
        return;
    }
    if (!seg_fetch_desc(env, sel, &e1, &e2)) {
        cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
    }
    int dpl = DESC_DPL(e2);
    if (!(e2 & DESC_S_MASK)) {
        cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
    }
    if (seg == R_SS) {
        if (rpl != cpl || dpl != cpl || (e2 & DESC_CS_MASK) || !(e2 & DESC_W_MASK)) {
            cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
        }
        if (!(e2 & DESC_P_MASK)) {
            cpu_raise_exception_err(env, EXCP_SS, sel & ~3u);
        }
    } else {
        if ((e2 & DESC_CS_MASK) && !(e2 & DESC_R_MASK)) {
            cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
        }
        /* data and non-conforming code: RPL and CPL must be <= DPL */
        if (!(e2 & DESC_CS_MASK) || !(e2 & DESC_C_MASK)) {
            if (rpl > dpl || cpl > dpl) {
                cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
            }
        }
        if (!(e2 & DESC_P_MASK)) {
            cpu_raise_exception_err(env, EXCP_NP, sel & ~3u);
        }
    }
    seg_set_accessed(env, sel, &e2);
    seg_load_cache_desc(env, seg, sel, e1, e2);
    if (seg == R_SS) {
        cpu_update_mode(env);
    }
}

/* LLDT (SDM Vol.2): a null selector makes the LDT unusable. */
void seg_load_ldt(CPUX86State *env, uint16_t sel)
{
    uint32_t e1, e2, e3 = 0;
    if ((sel & ~3u) == 0) {
        env->ldt = (SegmentCache){ sel, 0, 0, 0 };
        return;
    }
    if ((sel & SEL_TI) || !seg_fetch_desc(env, sel, &e1, &e2)) {
        cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
    }
    if ((e2 & DESC_S_MASK) || DESC_TYPE(e2) != 2) {
        cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
    }
    if (!(e2 & DESC_P_MASK)) {
        cpu_raise_exception_err(env, EXCP_NP, sel & ~3u);
    }
    if (env->long_mode) {
        if (!seg_fetch_desc_hi(env, sel, &e3)) {
            cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
        }
    }
    env->ldt.selector = sel;
    env->ldt.base = desc_base(e1, e2) | ((uint64_t)e3 << 32);
    env->ldt.limit = desc_limit(e1, e2);
    env->ldt.flags = desc_flags(e2);
}

/* LTR (SDM Vol.2): an available TSS, marked busy in the GDT. */
void seg_load_tr(CPUX86State *env, uint16_t sel)
{
    uint32_t e1, e2, e3 = 0;
    uint64_t la;
    if ((sel & ~3u) == 0 || (sel & SEL_TI)) {
        cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
    }
    if (!seg_fetch_desc(env, sel, &e1, &e2)) {
        cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
    }
    unsigned type = DESC_TYPE(e2);
    bool ok = !(e2 & DESC_S_MASK) &&
              (env->long_mode ? type == 9 : (type == 1 || type == 9));
    if (!ok) {
        cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
    }
    if (!(e2 & DESC_P_MASK)) {
        cpu_raise_exception_err(env, EXCP_NP, sel & ~3u);
    }
    if (env->long_mode) {
        if (!seg_fetch_desc_hi(env, sel, &e3)) {
            cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
        }
    }
    e2 |= 2u << DESC_TYPE_SHIFT;  /* busy */
    if (desc_addr(env, sel, 8, &la)) {
        cpu_stl_kernel(env, la + 4, e2);
    }
    env->tr.selector = sel;
    env->tr.base = desc_base(e1, e2) | ((uint64_t)e3 << 32);
    env->tr.limit = desc_limit(e1, e2);
    env->tr.flags = desc_flags(e2);
}

/* ---- TSS ---- */

static uint64_t tss_la(CPUX86State *env, uint32_t off, unsigned size)
{
    if (!(env->tr.flags & DESC_P_MASK) || off + size - 1 > env->tr.limit) {
        cpu_raise_exception_err(env, EXCP_TS, env->tr.selector & ~3u);
    }
    return env->long_mode ? env->tr.base + off : ((env->tr.base + off) & 0xffffffffu);
}

/* SDM Vol.3 8.2.1 (Figures 8-2, 8-11): 32-bit TSS ESPn at 4 + 8n, SSn at
 * 8 + 8n; 16-bit TSS SPn at 2 + 4n, SSn at 4 + 4n. */
void tss_get_stack32(CPUX86State *env, int dpl, uint16_t *ss, uint32_t *sp)
{
    unsigned type = (env->tr.flags >> DESC_TYPE_SHIFT) & 0xf;
    if (type & 8) {
        *sp = cpu_ldl_kernel(env, tss_la(env, 4 + dpl * 8, 4));
        *ss = cpu_lduw_kernel(env, tss_la(env, 8 + dpl * 8, 2));
    } else {
        *sp = cpu_lduw_kernel(env, tss_la(env, 2 + dpl * 4, 2));
        *ss = cpu_lduw_kernel(env, tss_la(env, 4 + dpl * 4, 2));
    }
}

/* SDM Vol.3 8.7 (Figure 8-11): RSPn at 4 + 8n, ISTn at 0x24 + 8(n-1). */
uint64_t tss_get_stack64(CPUX86State *env, int dpl, int ist)
{
    uint32_t off = ist ? 0x24 + (ist - 1) * 8 : 4 + dpl * 8;
    return cpu_ldq_kernel(env, tss_la(env, off, 8));
}

/* New SS for an inner-level stack switch (SDM Vol.2 INT n / CALL operation):
 * null -> #TS(ext); bad RPL/DPL/type -> #TS(sel); not present -> #SS(sel). */
void seg_check_new_ss(CPUX86State *env, uint16_t ss, int dpl, uint32_t *e1,
                      uint32_t *e2, uint32_t ext)
{
    if ((ss & ~3u) == 0) {
        cpu_raise_exception_err(env, EXCP_TS, ext);
    }
    if (!seg_fetch_desc(env, ss, e1, e2)) {
        cpu_raise_exception_err(env, EXCP_TS, (ss & ~3u) | ext);
    }
    if (SEL_RPL(ss) != (unsigned)dpl || DESC_DPL(*e2) != (unsigned)dpl ||
        !(*e2 & DESC_S_MASK) || (*e2 & DESC_CS_MASK) || !(*e2 & DESC_W_MASK)) {
        cpu_raise_exception_err(env, EXCP_TS, (ss & ~3u) | ext);
    }
    if (!(*e2 & DESC_P_MASK)) {
        cpu_raise_exception_err(env, EXCP_SS, (ss & ~3u) | ext);
    }
}

void seg_null_inaccessible(CPUX86State *env)
{
    static const int segs[4] = { R_ES, R_DS, R_FS, R_GS };
    for (int i = 0; i < 4; i++) {
        SegmentCache *sc = &env->segs[segs[i]];
        uint32_t fl = sc->flags;
        bool conforming_code = (fl & DESC_CS_MASK) && (fl & DESC_C_MASK);
        unsigned dpl = (fl & DESC_DPL_MASK) >> DESC_DPL_SHIFT;
        if ((fl & DESC_S_MASK) && !conforming_code && env->cpl > dpl) {
            /* the selector is kept visible (as hardware does); the
             * register becomes unusable */
            sc->selector = 0;
            sc->base = 0;
            sc->limit = 0;
            sc->flags = 0;
        }
    }
}

/* ---- stack writer ---- */

void stack_init(CPUX86State *env, StackPtr *st, const SegmentCache *ss,
                uint64_t sp, int bits, int cpl)
{
    st->ss = *ss;
    st->sp = sp;
    st->mask = bits == 64 ? ~0ull : bits == 32 ? 0xffffffffull : 0xffffull;
    st->check_limit = bits != 64;
    st->user = cpl == 3;
}

static uint64_t stack_la(CPUX86State *env, StackPtr *st, uint64_t off, unsigned size)
{
    if (st->check_limit) {
        if (env->cr[0] & CR0_PE && !(env->eflags & VM_MASK) &&
            !(st->ss.flags & DESC_P_MASK)) {
            cpu_raise_exception_err(env, EXCP_SS, 0);
        }
        if (!seg_in_limit(&st->ss, off, size)) {
            cpu_raise_exception_err(env, EXCP_SS, 0);
        }
        return (st->ss.base + off) & 0xffffffffu;
    }
    if (!la_is_canonical(off)) {
        cpu_raise_exception_err(env, EXCP_SS, 0);
    }
    return off;
}

void stack_push(CPUX86State *env, StackPtr *st, uint64_t v, unsigned size)
{
    uint64_t sp = (st->sp - size) & st->mask;
    uint64_t la = stack_la(env, st, sp, size);
    mmu_st(env, la, size, v, st->user);
    st->sp = sp;
}

uint64_t stack_pop(CPUX86State *env, StackPtr *st, unsigned size)
{
    uint64_t sp = st->sp & st->mask;
    uint64_t la = stack_la(env, st, sp, size);
    uint64_t v = mmu_ld(env, la, size, st->user);
    st->sp = (sp + size) & st->mask;
    return v;
}

uint64_t stack_commit_sp(const StackPtr *st, uint64_t old_rsp)
{
    /* 16-bit stacks keep the upper bits of RSP; a 32-bit ESP write
     * zero-extends like any 32-bit register write (SDM Vol.1 3.4.1.1) */
    if (st->mask == 0xffff) {
        return (old_rsp & ~0xffffull) | (st->sp & 0xffff);
    }
    return st->sp & st->mask;
}

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
    /* busy in the GDT; the cached attributes keep the type read (as QEMU
     * shows them: "TSS32-avl" after LTR) */
    if (desc_addr(env, sel, 8, &la)) {
        cpu_stl_kernel(env, la + 4, e2 | (2u << DESC_TYPE_SHIFT));
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
            /* null selector, the register becomes unusable (not present);
             * base and limit stay, as in QEMU */
            sc->selector = 0;
            sc->flags &= ~DESC_P_MASK;
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

/* ---- hardware task switching (SDM Vol.3 8.3) ----
 *
 * JMP/CALL to a TSS or task gate, INT n/exceptions through a task gate and
 * IRET with NT = 1.  The state of the new task is read before anything is
 * written; the old task's state is saved next; after the commit point (TR
 * loaded) faults happen in the context of the new task, as the SDM
 * describes (8.3, step 11).  Not in IA-32e mode (callers raise #GP). */

static uint32_t tss_ld(CPUX86State *env, uint64_t base, uint32_t off, bool is32)
{
    return is32 ? cpu_ldl_kernel(env, (base + off) & 0xffffffffu)
                : cpu_lduw_kernel(env, (base + off) & 0xffffffffu);
}

static void tss_st(CPUX86State *env, uint64_t base, uint32_t off, uint32_t v, bool is32)
{
    if (is32) {
        cpu_stl_kernel(env, (base + off) & 0xffffffffu, v);
    } else {
        cpu_stw_kernel(env, (base + off) & 0xffffffffu, (uint16_t)v);
    }
}

/* Flip the busy bit of the TSS descriptor sel in the GDT. */
static void tss_set_busy(CPUX86State *env, uint16_t sel, bool busy)
{
    uint64_t la = (env->gdt.base + (sel & ~7u) + 4) & 0xffffffffu;
    uint32_t e2 = cpu_ldl_kernel(env, la);
    e2 = busy ? (e2 | (2u << DESC_TYPE_SHIFT)) : (e2 & ~(2u << DESC_TYPE_SHIFT));
    cpu_stl_kernel(env, la, e2);
}

/* Segment loads of the new task: faults are #TS(sel), #NP/#SS if absent. */
static void task_load_seg(CPUX86State *env, int seg, uint16_t sel, int cpl)
{
    uint32_t e1, e2;
    if ((sel & ~3u) == 0) {
        if (seg == R_CS || seg == R_SS) {
            cpu_raise_exception_err(env, EXCP_TS, sel & ~3u);
        }
        seg_load_cache(env, seg, sel, 0, 0, 0);
        return;
    }
    if (!seg_fetch_desc(env, sel, &e1, &e2) || !(e2 & DESC_S_MASK)) {
        cpu_raise_exception_err(env, EXCP_TS, sel & ~3u);
    }
    int dpl = DESC_DPL(e2), rpl = SEL_RPL(sel);
    bool code = e2 & DESC_CS_MASK, conforming = code && (e2 & DESC_C_MASK);
    bool ok;
    if (seg == R_CS) {
        ok = code && (conforming ? dpl <= rpl : dpl == rpl);
    } else if (seg == R_SS) {
        ok = !code && (e2 & DESC_W_MASK) && rpl == cpl && dpl == cpl;
    } else {
        ok = (!code || (e2 & DESC_R_MASK)) && (conforming || (dpl >= cpl && dpl >= rpl));
    }
    if (!ok) {
        cpu_raise_exception_err(env, EXCP_TS, sel & ~3u);
    }
    if (!(e2 & DESC_P_MASK)) {
        cpu_raise_exception_err(env, seg == R_SS ? EXCP_SS : EXCP_NP, sel & ~3u);
    }
    seg_set_accessed(env, sel, &e2);
    seg_load_cache_desc(env, seg, sel, e1, e2);
}

void task_switch(CPUX86State *env, uint16_t sel, uint32_t e1, uint32_t e2, int source,
                 uint64_t next_eip)
{
    unsigned type = DESC_TYPE(e2);
    log_mask_printf(LOG_PCALL, "task switch to %04x (source %d)\n", sel, source);
    if (env->long_mode) {
        cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
    }
    if (!(e2 & DESC_S_MASK) && type == 5) {
        /* a task gate: its selector names the TSS, in the GDT */
        uint16_t tsel = e1 >> 16;
        if ((tsel & SEL_TI) || !seg_fetch_desc(env, tsel, &e1, &e2)) {
            cpu_raise_exception_err(env, EXCP_GP, tsel & ~3u);
        }
        sel = tsel;
        type = DESC_TYPE(e2);
    }
    int err_vec = source == TASK_IRET ? EXCP_TS : EXCP_GP;
    if ((e2 & DESC_S_MASK) || (type & 5) != 1 ||
        ((type & 2) != 0) != (source == TASK_IRET)) {
        cpu_raise_exception_err(env, err_vec, sel & ~3u);
    }
    if (!(e2 & DESC_P_MASK)) {
        cpu_raise_exception_err(env, EXCP_NP, sel & ~3u);
    }
    bool new32 = type & 8;
    uint32_t nlimit = desc_limit(e1, e2);
    uint64_t nbase = desc_base(e1, e2);
    if (nlimit < (new32 ? 0x67u : 0x2bu)) {
        cpu_raise_exception_err(env, EXCP_TS, sel & ~3u);
    }
    bool old32 = (env->tr.flags >> DESC_TYPE_SHIFT) & 8;
    if (!(env->tr.flags & DESC_P_MASK) || env->tr.limit < (old32 ? 0x67u : 0x2bu)) {
        cpu_raise_exception_err(env, EXCP_TS, env->tr.selector & ~3u);
    }

    /* the new task's state (32-bit TSS: Figure 8-2; 16-bit: Figure 8-11) */
    uint32_t n_cr3 = 0, n_eip, n_fl, n_regs[8];
    uint16_t n_segs[NR_SEGS] = {0}, n_ldt;
    if (new32) {
        n_cr3 = tss_ld(env, nbase, 0x1c, true);
        n_eip = tss_ld(env, nbase, 0x20, true);
        n_fl = tss_ld(env, nbase, 0x24, true);
        for (int i = 0; i < 8; i++) {
            n_regs[i] = tss_ld(env, nbase, 0x28 + i * 4, true);
        }
        for (int i = 0; i < NR_SEGS; i++) {
            n_segs[i] = tss_ld(env, nbase, 0x48 + i * 4, true);
        }
        n_ldt = tss_ld(env, nbase, 0x60, true);
    } else {
        n_eip = tss_ld(env, nbase, 0x0e, false);
        n_fl = tss_ld(env, nbase, 0x10, false);
        for (int i = 0; i < 8; i++) {
            n_regs[i] = tss_ld(env, nbase, 0x12 + i * 2, false);
        }
        for (int i = 0; i < 4; i++) {
            n_segs[i] = tss_ld(env, nbase, 0x22 + i * 2, false);
        }
        n_ldt = tss_ld(env, nbase, 0x2a, false);
    }

    /* save the old task */
    uint64_t obase = env->tr.base;
    uint32_t ofl = (uint32_t)cpu_get_eflags(env);
    if (source == TASK_IRET) {
        ofl &= ~NT_MASK;
    }
    if (old32) {
        tss_st(env, obase, 0x20, (uint32_t)next_eip, true);
        tss_st(env, obase, 0x24, ofl, true);
        for (int i = 0; i < 8; i++) {
            tss_st(env, obase, 0x28 + i * 4, (uint32_t)env->regs[i], true);
        }
        for (int i = 0; i < NR_SEGS; i++) {
            tss_st(env, obase, 0x48 + i * 4, env->segs[i].selector, true);
        }
    } else {
        tss_st(env, obase, 0x0e, (uint32_t)next_eip, false);
        tss_st(env, obase, 0x10, ofl, false);
        for (int i = 0; i < 8; i++) {
            tss_st(env, obase, 0x12 + i * 2, (uint32_t)env->regs[i], false);
        }
        for (int i = 0; i < 4; i++) {
            tss_st(env, obase, 0x22 + i * 2, env->segs[i].selector, false);
        }
    }
    if (source == TASK_JMP || source == TASK_IRET) {
        tss_set_busy(env, env->tr.selector, false);
    }
    if (source == TASK_CALL) {
        tss_st(env, nbase, 0, env->tr.selector, false);  /* back link */
        n_fl |= NT_MASK;
    }
    if (source != TASK_IRET) {
        tss_set_busy(env, sel, true);
        e2 |= 2u << DESC_TYPE_SHIFT;
    }

    /* commit: from here on faults belong to the new task */
    env->tr = (SegmentCache){ sel, nbase, nlimit, desc_flags(e2) & ~(2u << DESC_TYPE_SHIFT) };
    env->cr[0] |= CR0_TS;
    if (new32 && (env->cr[0] & CR0_PG)) {
        env->cr[3] = n_cr3;
        mmu_tlb_flush_nonglobal(env);
    }
    for (int i = 0; i < 8; i++) {
        env->regs[i] = new32 ? n_regs[i] : ((env->regs[i] & ~0xffffull) | n_regs[i]);
    }
    cpu_set_eflags(env, n_fl | EFLAGS_FIXED1, new32 ? ~0ull : 0xffffull);
    env->next_rip = n_eip;
    for (int i = 0; i < NR_SEGS; i++) {
        seg_load_cache(env, i, n_segs[i], 0, 0, 0);
    }
    env->ldt = (SegmentCache){ n_ldt, 0, 0, 0 };
    if (n_ldt & SEL_TI) {
        cpu_raise_exception_err(env, EXCP_TS, n_ldt & ~3u);
    }
    if ((n_ldt & ~3u) != 0) {
        uint32_t l1, l2;
        if (!seg_fetch_desc(env, n_ldt, &l1, &l2) || (l2 & DESC_S_MASK) || DESC_TYPE(l2) != 2) {
            cpu_raise_exception_err(env, EXCP_TS, n_ldt & ~3u);
        }
        if (!(l2 & DESC_P_MASK)) {
            cpu_raise_exception_err(env, EXCP_TS, n_ldt & ~3u);
        }
        env->ldt = (SegmentCache){ n_ldt, desc_base(l1, l2), desc_limit(l1, l2), desc_flags(l2) };
    }
    if (env->eflags & VM_MASK) {
        for (int i = 0; i < NR_SEGS; i++) {
            cpu_load_seg_real(env, i, n_segs[i]);
        }
        cpu_update_mode(env);
        return;
    }
    int cpl = SEL_RPL(n_segs[R_CS]);
    task_load_seg(env, R_CS, n_segs[R_CS], cpl);
    task_load_seg(env, R_SS, n_segs[R_SS], cpl);
    cpu_update_mode(env);
    task_load_seg(env, R_ES, n_segs[R_ES], cpl);
    task_load_seg(env, R_DS, n_segs[R_DS], cpl);
    task_load_seg(env, R_FS, n_segs[R_FS], cpl);
    task_load_seg(env, R_GS, n_segs[R_GS], cpl);
    if (env->next_rip > env->segs[R_CS].limit) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
}

/*
 * target/i386/ops_system.c - handlers of the system instructions of
 * insn.def: far JMP/CALL/RET, IRET, segment register loads, descriptor
 * table registers, control/debug registers, MSRs, SYSCALL/SYSRET,
 * SYSENTER/SYSEXIT, SWAPGS, FS/GS base access, LAR/LSL/VERR/VERW/ARPL, HLT,
 * INVPCID and CLAC/STAC.
 *
 * Design: each handler follows the "Operation" section of its SDM Vol.2
 * page.  All checks that can fault run before any register changes, and
 * branch-like handlers store their target in env->next_rip (ops.h).  The
 * privilege check of IF_PRIV operations is repeated here (cheap) so the
 * handlers are correct whoever calls them.  Far JMP/CALL to a TSS or task
 * gate switch tasks (seg.c).  Not implemented: debug-register breakpoints
 * (DR0-7 are only stored), VME.
 */
#include <inttypes.h>

#include "system/sysemu.h"
#include "target/i386/cpu.h"
#include "target/i386/cpuid.h"
#include "target/i386/ops.h"
#include "target/i386/seg.h"

/* Flat segment attributes for SYSCALL/SYSRET/SYSENTER/SYSEXIT (the
 * processor loads fixed values, SDM Vol.2 SYSCALL operation). */
#define FLAT_CODE64 (DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | \
                     DESC_A_MASK | DESC_L_MASK | DESC_G_MASK)
#define FLAT_CODE32 (DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | \
                     DESC_A_MASK | DESC_B_MASK | DESC_G_MASK)
#define FLAT_DATA   (DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK | \
                     DESC_B_MASK | DESC_G_MASK)
#define DPL3        (3u << DESC_DPL_SHIFT)

static void require_cpl0(CPUX86State *env)
{
    if (env->cpl != 0) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
}

/* LLDT, LTR, SLDT, STR, LAR, LSL, VERR, VERW, ARPL: #UD outside
 * protected mode (real mode and V86). */
static void require_pmode(CPUX86State *env)
{
    if (!cpu_in_pmode(env)) {
        cpu_raise_exception(env, EXCP_UD);
    }
}

/* UMIP (CR4.11): SGDT/SIDT/SLDT/SMSW/STR at CPL > 0 raise #GP(0). */
static void check_umip(CPUX86State *env)
{
    if ((env->cr[4] & CR4_UMIP) && env->cpl > 0) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
}

static void set_zf(CPUX86State *env, bool z)
{
    uint32_t f = cpu_cc_compute_all(env);
    env->cc_src = z ? (f | CC_Z) : (f & ~CC_Z);
    env->cc_op = CC_OP_EFLAGS;
}

static uint64_t la_next(const CPUX86State *env, uint64_t la, unsigned n)
{
    la += n;
    return env->long_mode ? la : (la & 0xffffffffu);
}

static uint64_t ld_n(CPUX86State *env, uint64_t la, unsigned size)
{
    switch (size) {
    case 2: return cpu_lduw(env, la);
    case 4: return cpu_ldl(env, la);
    default: return cpu_ldq(env, la);
    }
}

static uint64_t opsize_mask(unsigned opsize)
{
    return opsize >= 8 ? ~0ull : (1ull << (opsize * 8)) - 1;
}

/* ---- far transfers (SDM Vol.2 JMP, CALL, RET "Operation") ---- */

/* Checks on a target code segment of a direct far JMP/CALL. */
static void check_direct_code(CPUX86State *env, uint16_t sel, uint32_t e2)
{
    int cpl = env->cpl, dpl = DESC_DPL(e2), rpl = SEL_RPL(sel);
    if (e2 & DESC_C_MASK) {
        if (dpl > cpl) {
            cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
        }
    } else if (rpl > cpl || dpl != cpl) {
        cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
    }
    if (!(e2 & DESC_P_MASK)) {
        cpu_raise_exception_err(env, EXCP_NP, sel & ~3u);
    }
    if (env->long_mode && (e2 & DESC_L_MASK) && (e2 & DESC_B_MASK)) {
        cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
    }
}

/* Target offset check: CS limit, or canonical form for 64-bit code. */
static uint64_t check_target(CPUX86State *env, uint32_t e1, uint32_t e2, uint64_t off,
                             unsigned opsize)
{
    if (env->long_mode && (e2 & DESC_L_MASK)) {
        if (!la_is_canonical(off)) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
        return off;
    }
    off &= opsize_mask(opsize < 4 ? 2 : 4);
    if (off > desc_limit(e1, e2)) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    return off;
}

static void load_cs(CPUX86State *env, uint16_t sel, uint32_t e1, uint32_t e2, int rpl)
{
    seg_set_accessed(env, sel, &e2);
    seg_load_cache_desc(env, R_CS, (sel & ~3u) | rpl, e1, e2);
}

/* JMP/CALL to an available TSS or a task gate (SDM Vol.2 JMP/CALL:
 * "TASK-GATE" / "TASK-STATE-SEGMENT").  Returns false if sel is neither. */
static bool far_to_task(CPUX86State *env, uint16_t sel, uint32_t e1, uint32_t e2, int source)
{
    unsigned type = DESC_TYPE(e2);
    if (type != 1 && type != 9 && type != 5) {
        return false;
    }
    int dpl = DESC_DPL(e2);
    if (env->long_mode || dpl < env->cpl || dpl < (int)SEL_RPL(sel)) {
        cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
    }
    if (!(e2 & DESC_P_MASK)) {
        cpu_raise_exception_err(env, EXCP_NP, sel & ~3u);
    }
    task_switch(env, sel, e1, e2, source, env->next_rip);
    return true;
}

/* A call gate: fetches and checks the gate and its target code segment. */
typedef struct CallGate {
    unsigned type;          /* 4 = 16-bit, 12 = 32-bit (64-bit in IA-32e) */
    unsigned param_count;
    uint16_t sel;           /* target code selector */
    uint64_t off;
    uint32_t c1, c2;        /* target code descriptor */
} CallGate;

static void read_call_gate(CPUX86State *env, uint16_t sel, uint32_t e1, uint32_t e2,
                           CallGate *g)
{
    int cpl = env->cpl, rpl = SEL_RPL(sel);
    g->type = DESC_TYPE(e2);
    if (env->long_mode ? g->type != 12 : (g->type != 4 && g->type != 12)) {
        cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
    }
    if ((int)DESC_DPL(e2) < cpl || rpl > (int)DESC_DPL(e2)) {
        cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
    }
    if (!(e2 & DESC_P_MASK)) {
        cpu_raise_exception_err(env, EXCP_NP, sel & ~3u);
    }
    g->sel = e1 >> 16;
    g->off = (e2 & 0xffff0000u) | (e1 & 0xffff);
    g->param_count = e2 & 0x1f;
    if (g->type == 4) {
        g->off &= 0xffff;
    }
    if (env->long_mode) {
        /* 16-byte gate: bits 95:64 are the offset's upper half, and the
         * type field of the upper 8 bytes must be 0 */
        uint32_t e3, e4;
        uint64_t la;
        if (!seg_fetch_desc_hi(env, sel, &e3)) {
            cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
        }
        la = ((sel & SEL_TI) ? env->ldt.base : env->gdt.base) + (sel & ~7u) + 12;
        e4 = cpu_ldl_kernel(env, la);
        if ((e4 >> 8) & 0x1f) {
            cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
        }
        g->off |= (uint64_t)e3 << 32;
        g->param_count = 0;
    }
    if ((g->sel & ~3u) == 0) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    if (!seg_fetch_desc(env, g->sel, &g->c1, &g->c2) || !(g->c2 & DESC_S_MASK) ||
        !(g->c2 & DESC_CS_MASK) || (int)DESC_DPL(g->c2) > cpl) {
        cpu_raise_exception_err(env, EXCP_GP, g->sel & ~3u);
    }
    if (env->long_mode && (!(g->c2 & DESC_L_MASK) || (g->c2 & DESC_B_MASK))) {
        cpu_raise_exception_err(env, EXCP_GP, g->sel & ~3u);
    }
    if (!(g->c2 & DESC_P_MASK)) {
        cpu_raise_exception_err(env, EXCP_NP, g->sel & ~3u);
    }
}

void cpu_far_jmp(CPUX86State *env, uint16_t sel, uint64_t off, unsigned opsize)
{
    uint32_t e1, e2;
    if (!cpu_in_pmode(env)) {
        off &= opsize_mask(opsize);
        if (off > env->segs[R_CS].limit) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
        cpu_load_seg_real(env, R_CS, sel);
        env->next_rip = off;
        return;
    }
    if ((sel & ~3u) == 0) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    if (!seg_fetch_desc(env, sel, &e1, &e2)) {
        cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
    }
    if (e2 & DESC_S_MASK) {
        if (!(e2 & DESC_CS_MASK)) {
            cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
        }
        check_direct_code(env, sel, e2);
        off = check_target(env, e1, e2, off, opsize);
        load_cs(env, sel, e1, e2, env->cpl);
    } else {
        CallGate g;
        if (far_to_task(env, sel, e1, e2, TASK_JMP)) {
            return;
        }
        read_call_gate(env, sel, e1, e2, &g);
        /* JMP through a gate never changes privilege */
        int dpl = DESC_DPL(g.c2);
        if (!(g.c2 & DESC_C_MASK) && dpl != env->cpl) {
            cpu_raise_exception_err(env, EXCP_GP, g.sel & ~3u);
        }
        off = check_target(env, g.c1, g.c2, g.off, g.type == 4 ? 2 : 4);
        load_cs(env, g.sel, g.c1, g.c2, env->cpl);
    }
    cpu_update_mode(env);
    env->next_rip = off;
}

void cpu_far_call(CPUX86State *env, uint16_t sel, uint64_t off, unsigned opsize)
{
    uint32_t e1, e2;
    uint64_t ret = env->next_rip;
    StackPtr st;
    int cpl = env->cpl;

    if (!cpu_in_pmode(env)) {
        off &= opsize_mask(opsize);
        if (off > env->segs[R_CS].limit) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
        stack_init(env, &st, &env->segs[R_SS], env->regs[R_ESP], env->stack_bits, cpl);
        stack_push(env, &st, env->segs[R_CS].selector, opsize);
        stack_push(env, &st, ret, opsize);
        env->regs[R_ESP] = stack_commit_sp(&st, env->regs[R_ESP]);
        cpu_load_seg_real(env, R_CS, sel);
        env->next_rip = off;
        return;
    }
    if ((sel & ~3u) == 0) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    if (!seg_fetch_desc(env, sel, &e1, &e2)) {
        cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
    }
    if (e2 & DESC_S_MASK) {
        if (!(e2 & DESC_CS_MASK)) {
            cpu_raise_exception_err(env, EXCP_GP, sel & ~3u);
        }
        check_direct_code(env, sel, e2);
        off = check_target(env, e1, e2, off, opsize);
        stack_init(env, &st, &env->segs[R_SS], env->regs[R_ESP], env->stack_bits, cpl);
        stack_push(env, &st, env->segs[R_CS].selector, opsize);
        stack_push(env, &st, ret, opsize);
        env->regs[R_ESP] = stack_commit_sp(&st, env->regs[R_ESP]);
        load_cs(env, sel, e1, e2, cpl);
        cpu_update_mode(env);
        env->next_rip = off;
        return;
    }

    if (far_to_task(env, sel, e1, e2, TASK_CALL)) {
        return;
    }
    CallGate g;
    read_call_gate(env, sel, e1, e2, &g);
    int dpl = DESC_DPL(g.c2);
    unsigned gsz = env->long_mode ? 8 : g.type == 12 ? 4 : 2;
    off = check_target(env, g.c1, g.c2, g.off, gsz);

    if (!(g.c2 & DESC_C_MASK) && dpl < cpl) {
        /* inner privilege: new stack from the TSS */
        if (env->long_mode) {
            uint64_t rsp = tss_get_stack64(env, dpl, 0);
            stack_init(env, &st, &env->segs[R_SS], rsp, 64, dpl);
            stack_push(env, &st, env->segs[R_SS].selector, 8);
            stack_push(env, &st, env->regs[R_ESP], 8);
            stack_push(env, &st, env->segs[R_CS].selector, 8);
            stack_push(env, &st, ret, 8);
            seg_load_cache(env, R_SS, dpl, 0, 0, (uint32_t)dpl << DESC_DPL_SHIFT);
            env->regs[R_ESP] = st.sp;
        } else {
            uint16_t ss;
            uint32_t sp, s1, s2;
            tss_get_stack32(env, dpl, &ss, &sp);
            seg_check_new_ss(env, ss, dpl, &s1, &s2, 0);
            SegmentCache nss = { ss, desc_base(s1, s2), desc_limit(s1, s2), desc_flags(s2) };
            stack_init(env, &st, &nss, sp, (s2 & DESC_B_MASK) ? 32 : 16, dpl);
            stack_push(env, &st, env->segs[R_SS].selector, gsz);
            stack_push(env, &st, env->regs[R_ESP], gsz);
            /* copy the parameters from the caller's stack, last first */
            StackPtr old;
            stack_init(env, &old, &env->segs[R_SS], env->regs[R_ESP], env->stack_bits, cpl);
            for (int i = (int)g.param_count - 1; i >= 0; i--) {
                StackPtr p = old;
                p.sp = (old.sp + (uint64_t)i * gsz) & old.mask;
                stack_push(env, &st, stack_pop(env, &p, gsz), gsz);
            }
            stack_push(env, &st, env->segs[R_CS].selector, gsz);
            stack_push(env, &st, ret, gsz);
            seg_set_accessed(env, ss, &s2);
            seg_load_cache_desc(env, R_SS, ss, s1, s2);
            env->regs[R_ESP] = stack_commit_sp(&st, 0);
        }
        load_cs(env, g.sel, g.c1, g.c2, dpl);
    } else {
        stack_init(env, &st, &env->segs[R_SS], env->regs[R_ESP], env->stack_bits, cpl);
        stack_push(env, &st, env->segs[R_CS].selector, gsz);
        stack_push(env, &st, ret, gsz);
        env->regs[R_ESP] = stack_commit_sp(&st, env->regs[R_ESP]);
        load_cs(env, g.sel, g.c1, g.c2, cpl);
    }
    cpu_update_mode(env);
    env->next_rip = off;
}

void cpu_far_ret(CPUX86State *env, unsigned opsize, unsigned imm)
{
    int cpl = env->cpl;
    StackPtr st;
    stack_init(env, &st, &env->segs[R_SS], env->regs[R_ESP], env->stack_bits, cpl);
    uint64_t ip = stack_pop(env, &st, opsize);
    uint16_t cs = stack_pop(env, &st, opsize);

    if (!cpu_in_pmode(env)) {
        ip &= opsize_mask(opsize);
        if (ip > env->segs[R_CS].limit) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
        st.sp = (st.sp + imm) & st.mask;
        env->regs[R_ESP] = stack_commit_sp(&st, env->regs[R_ESP]);
        cpu_load_seg_real(env, R_CS, cs);
        env->next_rip = ip;
        return;
    }
    uint32_t c1, c2;
    if ((cs & ~3u) == 0) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    if (!seg_fetch_desc(env, cs, &c1, &c2) || !(c2 & DESC_S_MASK) || !(c2 & DESC_CS_MASK)) {
        cpu_raise_exception_err(env, EXCP_GP, cs & ~3u);
    }
    int rpl = SEL_RPL(cs), dpl = DESC_DPL(c2);
    if (rpl < cpl || ((c2 & DESC_C_MASK) ? dpl > rpl : dpl != rpl)) {
        cpu_raise_exception_err(env, EXCP_GP, cs & ~3u);
    }
    if (!(c2 & DESC_P_MASK)) {
        cpu_raise_exception_err(env, EXCP_NP, cs & ~3u);
    }
    if (env->long_mode && (c2 & DESC_L_MASK) && (c2 & DESC_B_MASK)) {
        cpu_raise_exception_err(env, EXCP_GP, cs & ~3u);
    }
    ip = check_target(env, c1, c2, ip, opsize);

    if (rpl == cpl) {
        st.sp = (st.sp + imm) & st.mask;
        env->regs[R_ESP] = stack_commit_sp(&st, env->regs[R_ESP]);
        load_cs(env, cs, c1, c2, rpl);
        cpu_update_mode(env);
        env->next_rip = ip;
        return;
    }

    /* return to an outer level: SS:ESP follow the parameters */
    st.sp = (st.sp + imm) & st.mask;
    uint64_t sp = stack_pop(env, &st, opsize);
    uint16_t ss = stack_pop(env, &st, opsize);
    uint32_t s1 = 0, s2 = 0;
    bool to64 = env->long_mode && (c2 & DESC_L_MASK);
    bool ss_null = (ss & ~3u) == 0;
    if (ss_null) {
        if (!to64 || rpl == 3) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
    } else {
        if (!seg_fetch_desc(env, ss, &s1, &s2)) {
            cpu_raise_exception_err(env, EXCP_GP, ss & ~3u);
        }
        if (SEL_RPL(ss) != (unsigned)rpl || DESC_DPL(s2) != (unsigned)rpl ||
            !(s2 & DESC_S_MASK) || (s2 & DESC_CS_MASK) || !(s2 & DESC_W_MASK)) {
            cpu_raise_exception_err(env, EXCP_GP, ss & ~3u);
        }
        if (!(s2 & DESC_P_MASK)) {
            cpu_raise_exception_err(env, EXCP_SS, ss & ~3u);
        }
    }
    load_cs(env, cs, c1, c2, rpl);
    if (ss_null) {
        seg_load_cache(env, R_SS, ss, 0, 0, (uint32_t)rpl << DESC_DPL_SHIFT);
    } else {
        seg_set_accessed(env, ss, &s2);
        seg_load_cache_desc(env, R_SS, ss, s1, s2);
    }
    uint64_t smask = to64 ? ~0ull : (s2 & DESC_B_MASK) ? 0xffffffffull : 0xffffull;
    sp = (sp + imm) & smask;
    env->regs[R_ESP] = smask == 0xffff ? ((env->regs[R_ESP] & ~0xffffull) | sp) : sp;
    cpu_update_mode(env);
    seg_null_inaccessible(env);
    env->next_rip = ip;
}

/* ptr16:16/32 immediate or m16:16/32/64 */
static void far_operand(CPUX86State *env, const Insn *insn, uint16_t *sel, uint64_t *off)
{
    if (insn->ops[0].kind == OPK_MEM) {
        unsigned osz = insn->opsize;
        uint64_t la = insn_mem_linear(env, insn, osz + 2, ACC_READ);
        *off = ld_n(env, la, osz);
        *sel = cpu_lduw(env, la_next(env, la, osz));
    } else {
        *off = (uint64_t)insn->imm;
        *sel = (uint16_t)insn->imm2;
    }
}

void op_JMPF(CPUX86State *env, const Insn *insn)
{
    uint16_t sel;
    uint64_t off;
    far_operand(env, insn, &sel, &off);
    log_mask_printf(LOG_PCALL, "ljmp %04x:%" PRIx64 "\n", sel, off);
    cpu_far_jmp(env, sel, off, insn->opsize);
}

void op_CALLF(CPUX86State *env, const Insn *insn)
{
    uint16_t sel;
    uint64_t off;
    far_operand(env, insn, &sel, &off);
    log_mask_printf(LOG_PCALL, "lcall %04x:%" PRIx64 "\n", sel, off);
    cpu_far_call(env, sel, off, insn->opsize);
}

void op_RETF(CPUX86State *env, const Insn *insn)
{
    cpu_far_ret(env, insn->opsize, (unsigned)(insn->imm & 0xffff));
}

void op_IRET(CPUX86State *env, const Insn *insn)
{
    cpu_iret(env, insn->opsize);
}

/* ---- segment register loads ---- */

void op_MOV_SEG(CPUX86State *env, const Insn *insn)
{
    if (insn->ops[0].kind != OPK_SREG) {
        /* MOV r/m, Sreg (if the decoder routes it here) */
        insn_set_op(env, insn, 0, env->segs[insn->ops[1].reg % NR_SEGS].selector);
        return;
    }
    int seg = insn->ops[0].reg;
    if (seg == R_CS || seg >= NR_SEGS) {
        cpu_raise_exception(env, EXCP_UD);
    }
    uint16_t sel = (uint16_t)insn_get_op(env, insn, 1);
    seg_load(env, seg, sel);
    if (seg == R_SS) {
        env->inhibit_irq = true;  /* SDM: MOV SS blocks interrupts for one insn */
        env->movss_shadow = true; /* ... and single-step #DB */
    }
}

static void load_far_pointer(CPUX86State *env, const Insn *insn, int seg)
{
    unsigned osz = insn->opsize;
    uint64_t la = insn_mem_linear(env, insn, osz + 2, ACC_READ);
    uint64_t off = ld_n(env, la, osz);
    uint16_t sel = cpu_lduw(env, la_next(env, la, osz));
    seg_load(env, seg, sel);
    insn_set_op(env, insn, 0, off);
}

void op_LDS(CPUX86State *env, const Insn *insn) { load_far_pointer(env, insn, R_DS); }
void op_LES(CPUX86State *env, const Insn *insn) { load_far_pointer(env, insn, R_ES); }
void op_LSS(CPUX86State *env, const Insn *insn) { load_far_pointer(env, insn, R_SS); }
void op_LFS(CPUX86State *env, const Insn *insn) { load_far_pointer(env, insn, R_FS); }
void op_LGS(CPUX86State *env, const Insn *insn) { load_far_pointer(env, insn, R_GS); }

void op_HLT(CPUX86State *env, const Insn *insn)
{
    require_cpl0(env);
    env->halted = true;
}

/* ---- descriptor table registers ---- */

static void load_dtr(CPUX86State *env, const Insn *insn, DescTable *dt)
{
    require_cpl0(env);
    bool in64 = cpu_in_64bit(env);
    uint64_t la = insn_mem_linear(env, insn, in64 ? 10 : 6, ACC_READ);
    uint16_t limit = cpu_lduw(env, la);
    uint64_t base;
    if (in64) {
        base = cpu_ldq(env, la_next(env, la, 2));
        if (!la_is_canonical(base)) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
    } else {
        base = cpu_ldl(env, la_next(env, la, 2));
        if (insn->opsize == 2) {
            base &= 0xffffff;  /* 16-bit operand size: 24-bit base */
        }
    }
    dt->base = base;
    dt->limit = limit;
}

static void store_dtr(CPUX86State *env, const Insn *insn, const DescTable *dt)
{
    check_umip(env);
    bool in64 = cpu_in_64bit(env);
    uint64_t la = insn_mem_linear(env, insn, in64 ? 10 : 6, ACC_WRITE);
    /* translate both ends first: a page-crossing operand that faults on
     * its second page must leave memory unchanged */
    mmu_translate(env, la, ACC_WRITE, env->cpl == 3);
    mmu_translate(env, la_next(env, la, in64 ? 9 : 5), ACC_WRITE, env->cpl == 3);
    cpu_stw(env, la, (uint16_t)dt->limit);
    if (in64) {
        cpu_stq(env, la_next(env, la, 2), dt->base);
    } else {
        cpu_stl(env, la_next(env, la, 2), (uint32_t)dt->base);
    }
}

void op_LGDT(CPUX86State *env, const Insn *insn) { load_dtr(env, insn, &env->gdt); }
void op_LIDT(CPUX86State *env, const Insn *insn) { load_dtr(env, insn, &env->idt); }
void op_SGDT(CPUX86State *env, const Insn *insn) { store_dtr(env, insn, &env->gdt); }
void op_SIDT(CPUX86State *env, const Insn *insn) { store_dtr(env, insn, &env->idt); }

void op_LLDT(CPUX86State *env, const Insn *insn)
{
    require_pmode(env);
    require_cpl0(env);
    seg_load_ldt(env, (uint16_t)insn_get_op(env, insn, 0));
}

void op_SLDT(CPUX86State *env, const Insn *insn)
{
    require_pmode(env);
    check_umip(env);
    insn_set_op(env, insn, 0, env->ldt.selector);
}

void op_LTR(CPUX86State *env, const Insn *insn)
{
    require_pmode(env);
    require_cpl0(env);
    seg_load_tr(env, (uint16_t)insn_get_op(env, insn, 0));
}

void op_STR(CPUX86State *env, const Insn *insn)
{
    require_pmode(env);
    check_umip(env);
    insn_set_op(env, insn, 0, env->tr.selector);
}

/* ---- control registers (SDM Vol.3 2.5, Vol.2 MOV CRn) ---- */

#define CR0_VALID (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | \
                   CR0_AM | CR0_NW | CR0_CD | CR0_PG)
/* CR4 bits a MOV may set: the base set plus the bits of the features the
 * CPU model offers (SDM Vol.3 2.5: a bit of an unsupported feature is
 * reserved, #GP(0) on MOV to CR4). */
static uint64_t cr4_valid(const CPUX86State *env)
{
    uint64_t v = CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE | CR4_PGE | CR4_PCE |
                 CR4_OSFXSR | CR4_OSXMMEXCPT;
    static const struct { uint64_t cr4; uint8_t w; uint32_t bit; } opt[] = {
        { CR4_UMIP, FEAT_7_0_ECX, CPUID_7_ECX_UMIP },
        { CR4_FSGSBASE, FEAT_7_0_EBX, CPUID_7_EBX_FSGSBASE },
        { CR4_PCIDE, FEAT_1_ECX, CPUID_EXT_PCID },
        { CR4_OSXSAVE, FEAT_1_ECX, CPUID_EXT_XSAVE },
        { CR4_SMEP, FEAT_7_0_EBX, CPUID_7_EBX_SMEP },
        { CR4_SMAP, FEAT_7_0_EBX, CPUID_7_EBX_SMAP },
    };
    for (size_t i = 0; i < sizeof(opt) / sizeof(opt[0]); i++) {
        if (cpu_has_feature(env, opt[i].w, opt[i].bit)) {
            v |= opt[i].cr4;
        }
    }
    return v;
}

static void set_cr0(CPUX86State *env, uint64_t v)
{
    if (v >> 32) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    v = (v & CR0_VALID) | CR0_ET;  /* reserved bits 31:0 are ignored */
    if (((v & CR0_PG) && !(v & CR0_PE)) || ((v & CR0_NW) && !(v & CR0_CD))) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    uint64_t old = env->cr[0];
    if ((v & CR0_PG) && !(old & CR0_PG) && (env->efer & EFER_LME)) {
        /* activating IA-32e mode (SDM Vol.3 10.8.5) */
        if (!(env->cr[4] & CR4_PAE) || (env->segs[R_CS].flags & DESC_L_MASK)) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
        env->efer |= EFER_LMA;
    }
    /* PCIDs exist only in IA-32e mode: clearing PG with CR4.PCIDE = 1 is
     * #GP(0) (SDM MOV CRn, Protected Mode Exceptions) */
    if (!(v & CR0_PG) && (old & CR0_PG) && (env->cr[4] & CR4_PCIDE)) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    if (!(v & CR0_PG) && (old & CR0_PG) && (env->efer & EFER_LMA)) {
        if (cpu_in_64bit(env)) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
        env->efer &= ~(uint64_t)EFER_LMA;
    }
    env->cr[0] = v;
    if ((old ^ v) & (CR0_PG | CR0_WP | CR0_PE)) {
        mmu_tlb_flush(env);
    }
    cpu_update_mode(env);
}

static void set_cr4(CPUX86State *env, uint64_t v)
{
    if (v & ~cr4_valid(env)) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    if ((env->efer & EFER_LMA) && !(v & CR4_PAE)) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    /* CR4.PCIDE 0 -> 1 only in IA-32e mode and with CR3[11:0] = 0 (SDM
     * Vol.3 4.10.1, MOV CRn exceptions) */
    if ((v & CR4_PCIDE) && !(env->cr[4] & CR4_PCIDE) &&
        (!(env->efer & EFER_LMA) || (env->cr[3] & 0xfff))) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    /* Any change flushes everything, global entries included: that covers
     * PGE, PAE, PSE, SMEP/SMAP (cached rights) and PCIDE 1 -> 0 (SDM Vol.3
     * 4.10.4.1: "invalidates all TLB entries"). */
    if (v != env->cr[4]) {
        mmu_tlb_flush(env);
    }
    env->cr[4] = v;
    cpu_update_mode(env);
}

/* MOV to CR3.  With CR4.PCIDE = 1, bits 11:0 are the PCID (the page walk
 * ignores them: mmu.c takes bits MAXPHYADDR-1:12) and bit 63 of the source
 * asks the CPU not to invalidate that PCID's entries; it is not stored
 * (SDM Vol.3 4.10.4.1).  The software TLB is not tagged by PCID: it keeps
 * only translations of the current CR3, so every CR3 write drops all
 * non-global entries.  That over-flushes (always allowed: the TLB may be
 * emptied at any time) and can never use a translation of another PCID. */
static void set_cr3(CPUX86State *env, uint64_t v)
{
    if (env->long_mode) {
        if (env->cr[4] & CR4_PCIDE) {
            v &= ~(1ull << 63);     /* the no-invalidate hint */
        }
        if (v >> 40) {  /* above MAXPHYADDR */
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
    } else {
        v &= 0xffffffffu;
    }
    env->cr[3] = v;
    mmu_tlb_flush_nonglobal(env);
}

void op_MOV_CR(CPUX86State *env, const Insn *insn)
{
    require_cpl0(env);
    bool to_cr = insn->ops[0].kind == OPK_CREG;
    const InsnOperand *cr = &insn->ops[to_cr ? 0 : 1];
    const InsnOperand *gpr = &insn->ops[to_cr ? 1 : 0];
    unsigned size = cpu_in_64bit(env) ? 8 : 4;
    int n = cr->reg;
    if (n != 0 && n != 2 && n != 3 && n != 4 && n != 8) {
        cpu_raise_exception(env, EXCP_UD);
    }
    if (!to_cr) {
        uint64_t v = n == 8 ? cpu_get_cr8(env) : env->cr[n];
        reg_write(env, gpr->reg, size, v);
        return;
    }
    uint64_t v = reg_read(env, gpr->reg, size);
    switch (n) {
    case 0: set_cr0(env, v); break;
    case 2: env->cr[2] = v; break;
    case 3: set_cr3(env, v); break;
    case 4: set_cr4(env, v); break;
    case 8:
        if (v & ~0xfull) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
        cpu_set_cr8(env, v);
        break;
    }
}

void op_MOV_DR(CPUX86State *env, const Insn *insn)
{
    require_cpl0(env);
    bool to_dr = insn->ops[0].kind == OPK_DREG;
    const InsnOperand *dr = &insn->ops[to_dr ? 0 : 1];
    const InsnOperand *gpr = &insn->ops[to_dr ? 1 : 0];
    unsigned size = cpu_in_64bit(env) ? 8 : 4;
    int n = dr->reg;
    if (n > 7) {
        cpu_raise_exception(env, EXCP_UD);
    }
    if (n == 4 || n == 5) {
        /* DR4/DR5 alias DR6/DR7 unless CR4.DE (SDM Vol.3 18.2.2) */
        if (env->cr[4] & CR4_DE) {
            cpu_raise_exception(env, EXCP_UD);
        }
        n += 2;
    }
    if (env->dr[7] & DR7_GD) {
        /* general detect: a #DB fault before any debug-register access,
         * with GD cleared so the handler can use them (SDM Vol.3 17.2.4) */
        env->dr[7] &= ~(uint64_t)DR7_GD;
        env->dr[6] |= DR6_BD;
        cpu_raise_exception(env, EXCP_DB);
    }
    if (!to_dr) {
        reg_write(env, gpr->reg, size, env->dr[n]);
        return;
    }
    uint64_t v = reg_read(env, gpr->reg, size);
    if (n >= 6 && (v >> 32)) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    if (n == 6) {
        v = (v & 0x0000f00fu) | 0xffff0ff0u;
    } else if (n == 7) {
        v = (v & ~0xd800ull) | 0x400;
    }
    env->dr[n] = v;
    if (n != 6) {
        cpu_update_breakpoints(env);
    }
}

void op_LMSW(CPUX86State *env, const Insn *insn)
{
    require_cpl0(env);
    uint64_t v = insn_get_op(env, insn, 0) & 0xf;
    /* LMSW sets PE but cannot clear it */
    uint64_t cr0 = (env->cr[0] & ~0xeull) | v | (env->cr[0] & CR0_PE);
    set_cr0(env, cr0);
}

void op_SMSW(CPUX86State *env, const Insn *insn)
{
    check_umip(env);
    insn_set_op(env, insn, 0, env->cr[0]);
}

void op_CLTS(CPUX86State *env, const Insn *insn)
{
    require_cpl0(env);
    env->cr[0] &= ~(uint64_t)CR0_TS;
}

void op_INVLPG(CPUX86State *env, const Insn *insn)
{
    require_cpl0(env);
    uint64_t ea = insn_ea(env, insn);
    int seg = insn->seg < NR_SEGS ? insn->seg : R_DS;
    uint64_t la;
    if (cpu_in_64bit(env)) {
        la = ea + ((seg == R_FS || seg == R_GS) ? env->segs[seg].base : 0);
    } else {
        la = (env->segs[seg].base + ea) & 0xffffffffu;
    }
    mmu_tlb_flush_page(env, la);
}

/* INVPCID r32/r64, m128 (66 0F 38 82): the register is the type, the
 * 16-byte descriptor holds the PCID (bits 11:0, 63:12 reserved) and a
 * linear address (bits 127:64).  Order as the SDM lists the checks: #UD
 * without the feature, #GP(0) at CPL > 0, the descriptor read (segment
 * checks, #PF), then #GP(0) for a type > 3, reserved descriptor bits, a
 * non-zero PCID for types 0/1 with CR4.PCIDE = 0 and a non-canonical
 * address for type 0.  The software TLB is not PCID-tagged and holds the
 * current CR3's translations only (set_cr3), so: type 0 (one address)
 * drops that page whatever the PCID, types 1 (one PCID) and 3 (all but
 * global) every non-global entry, type 2 everything.  Over-flushing other
 * PCIDs is allowed; under-flushing never happens. */
void op_INVPCID(CPUX86State *env, const Insn *insn)
{
    if (!cpu_has_feature(env, FEAT_7_0_EBX, CPUID_7_EBX_INVPCID) || (env->eflags & VM_MASK)) {
        cpu_raise_exception(env, EXCP_UD);
    }
    if (insn->ops[1].kind != OPK_MEM) {
        cpu_raise_exception(env, EXCP_UD);
    }
    if ((env->cr[0] & CR0_PE) && env->cpl != 0) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    uint64_t type = insn_get_op(env, insn, 0);
    uint64_t la = insn_mem_linear(env, insn, 16, ACC_READ);
    uint64_t desc = cpu_ldq(env, la), addr = cpu_ldq(env, la_next(env, la, 8));
    unsigned pcid = desc & 0xfff;
    if (type > 3 || (desc >> 12) ||
        (type <= 1 && pcid && !(env->cr[4] & CR4_PCIDE)) ||
        (type == 0 && !la_is_canonical(addr))) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    switch (type) {
    case 0:
        /* outside IA-32e mode only the low 32 bits name an address */
        mmu_tlb_flush_page(env, env->long_mode ? addr : (uint32_t)addr);
        break;
    case 2:
        mmu_tlb_flush(env);
        break;
    default:
        mmu_tlb_flush_nonglobal(env);
        break;
    }
}

void op_INVD(CPUX86State *env, const Insn *insn) { require_cpl0(env); }
void op_WBINVD(CPUX86State *env, const Insn *insn) { require_cpl0(env); }

/* ---- MSRs ---- */

void op_RDMSR(CPUX86State *env, const Insn *insn)
{
    uint64_t v;
    require_cpl0(env);
    if (!cpu_rdmsr(env, (uint32_t)env->regs[R_ECX], &v)) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    env->regs[R_EAX] = (uint32_t)v;
    env->regs[R_EDX] = v >> 32;
}

void op_WRMSR(CPUX86State *env, const Insn *insn)
{
    require_cpl0(env);
    uint64_t v = (uint32_t)env->regs[R_EAX] | (env->regs[R_EDX] << 32);
    if (!cpu_wrmsr(env, (uint32_t)env->regs[R_ECX], v)) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
}

void op_RDPMC(CPUX86State *env, const Insn *insn)
{
    /* no performance counters: every counter index is invalid */
    cpu_raise_exception_err(env, EXCP_GP, 0);
}

/* ---- LAR / LSL / VERR / VERW / ARPL ---- */

static bool check_sel_access(CPUX86State *env, uint16_t sel, uint32_t *e1, uint32_t *e2)
{
    if ((sel & ~3u) == 0 || !seg_fetch_desc(env, sel, e1, e2)) {
        return false;
    }
    bool conforming = (*e2 & DESC_S_MASK) && (*e2 & DESC_CS_MASK) && (*e2 & DESC_C_MASK);
    int dpl = DESC_DPL(*e2);
    if (!conforming && (dpl < env->cpl || dpl < (int)SEL_RPL(sel))) {
        return false;
    }
    return true;
}

void op_LAR(CPUX86State *env, const Insn *insn)
{
    require_pmode(env);
    uint16_t sel = (uint16_t)insn_get_op(env, insn, 1);
    uint32_t e1, e2;
    bool ok = check_sel_access(env, sel, &e1, &e2);
    if (ok && !(e2 & DESC_S_MASK)) {
        unsigned t = DESC_TYPE(e2);
        ok = env->long_mode ? (t == 2 || t == 9 || t == 11 || t == 12)
                            : (t == 1 || t == 2 || t == 3 || t == 4 || t == 5 ||
                               t == 9 || t == 11 || t == 12);
    }
    set_zf(env, ok);
    if (ok) {
        insn_set_op(env, insn, 0, e2 & 0x00f0ff00u);  /* bits 19:16 read as 0, as QEMU */
    }
}

void op_LSL(CPUX86State *env, const Insn *insn)
{
    require_pmode(env);
    uint16_t sel = (uint16_t)insn_get_op(env, insn, 1);
    uint32_t e1, e2;
    bool ok = check_sel_access(env, sel, &e1, &e2);
    if (ok && !(e2 & DESC_S_MASK)) {
        unsigned t = DESC_TYPE(e2);
        ok = env->long_mode ? (t == 2 || t == 9 || t == 11)
                            : (t == 1 || t == 2 || t == 3 || t == 9 || t == 11);
    }
    set_zf(env, ok);
    if (ok) {
        insn_set_op(env, insn, 0, desc_limit(e1, e2));
    }
}

void op_VERR(CPUX86State *env, const Insn *insn)
{
    require_pmode(env);
    uint16_t sel = (uint16_t)insn_get_op(env, insn, 0);
    uint32_t e1, e2;
    bool ok = check_sel_access(env, sel, &e1, &e2) && (e2 & DESC_S_MASK) &&
              (!(e2 & DESC_CS_MASK) || (e2 & DESC_R_MASK));
    set_zf(env, ok);
}

void op_VERW(CPUX86State *env, const Insn *insn)
{
    require_pmode(env);
    uint16_t sel = (uint16_t)insn_get_op(env, insn, 0);
    uint32_t e1, e2;
    bool ok = check_sel_access(env, sel, &e1, &e2) && (e2 & DESC_S_MASK) &&
              !(e2 & DESC_CS_MASK) && (e2 & DESC_W_MASK);
    set_zf(env, ok);
}

void op_ARPL(CPUX86State *env, const Insn *insn)
{
    require_pmode(env);
    uint16_t dst = (uint16_t)insn_get_op(env, insn, 0);
    uint16_t src = (uint16_t)insn_get_op(env, insn, 1);
    if ((dst & 3) < (src & 3)) {
        insn_set_op(env, insn, 0, (dst & ~3u) | (src & 3));
        set_zf(env, true);
    } else {
        set_zf(env, false);
    }
}

/* ---- fast system calls ---- */

void op_SYSCALL(CPUX86State *env, const Insn *insn)
{
    if (!(env->efer & EFER_SCE) || !(env->cr[0] & CR0_PE)) {
        cpu_raise_exception(env, EXCP_UD);
    }
    uint16_t sel = (env->star >> 32) & 0xfffc;
    uint64_t fl = cpu_get_eflags(env);
    uint64_t target;
    if (env->long_mode) {
        env->regs[R_ECX] = env->next_rip;
        env->regs[R_R11] = fl & ~(uint64_t)RF_MASK;
        target = cpu_in_64bit(env) ? env->lstar : env->cstar;
        seg_load_cache(env, R_CS, sel, 0, 0xffffffffu, FLAT_CODE64);
        cpu_set_eflags(env, fl & ~env->fmask & ~(uint64_t)RF_MASK, ~0ull);
    } else {
        /* legacy-mode SYSCALL (AMD): EIP from STAR[31:0] */
        env->regs[R_ECX] = (uint32_t)env->next_rip;
        target = (uint32_t)env->star;
        seg_load_cache(env, R_CS, sel, 0, 0xffffffffu, FLAT_CODE32);
        env->eflags &= ~(uint64_t)(IF_MASK | RF_MASK | VM_MASK);
    }
    seg_load_cache(env, R_SS, sel + 8, 0, 0xffffffffu, FLAT_DATA);
    cpu_update_mode(env);
    env->next_rip = target;
}

void op_SYSRET(CPUX86State *env, const Insn *insn)
{
    if (!(env->efer & EFER_SCE)) {
        cpu_raise_exception(env, EXCP_UD);
    }
    if (!cpu_in_pmode(env) || env->cpl != 0) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    uint16_t sel = (env->star >> 48) & 0xffff;
    uint64_t target;
    if (env->long_mode) {
        if (insn->opsize == 8) {
            target = env->regs[R_ECX];
            if (!la_is_canonical(target)) {
                cpu_raise_exception_err(env, EXCP_GP, 0);
            }
            seg_load_cache(env, R_CS, (sel + 16) | 3, 0, 0xffffffffu, FLAT_CODE64 | DPL3);
        } else {
            target = (uint32_t)env->regs[R_ECX];
            seg_load_cache(env, R_CS, sel | 3, 0, 0xffffffffu, FLAT_CODE32 | DPL3);
        }
        cpu_set_eflags(env, (env->regs[R_R11] & 0x3c7fd7u) | EFLAGS_FIXED1, ~0ull);
    } else {
        target = (uint32_t)env->regs[R_ECX];
        seg_load_cache(env, R_CS, sel | 3, 0, 0xffffffffu, FLAT_CODE32 | DPL3);
        env->eflags |= IF_MASK;
    }
    seg_load_cache(env, R_SS, (sel + 8) | 3, 0, 0xffffffffu, FLAT_DATA | DPL3);
    cpu_update_mode(env);
    env->next_rip = target;
}

/* AMD processors do not recognise SYSENTER/SYSEXIT in long mode (APM
 * Vol.3 SYSENTER, SYSEXIT: #UD); Intel's do (SDM Vol.2). */
static void sysenter_vendor_check(CPUX86State *env)
{
    if (env->long_mode && x86_model_is_amd(cpu_model(env))) {
        cpu_raise_exception(env, EXCP_UD);
    }
}

void op_SYSENTER(CPUX86State *env, const Insn *insn)
{
    uint16_t sel = env->sysenter_cs & 0xfffc;
    sysenter_vendor_check(env);
    if (!(env->cr[0] & CR0_PE) || sel == 0) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    env->eflags &= ~(uint64_t)(VM_MASK | IF_MASK | RF_MASK);
    if (env->long_mode) {
        seg_load_cache(env, R_CS, sel, 0, 0xffffffffu, FLAT_CODE64);
        env->regs[R_ESP] = env->sysenter_esp;
        env->next_rip = env->sysenter_eip;
    } else {
        seg_load_cache(env, R_CS, sel, 0, 0xffffffffu, FLAT_CODE32);
        env->regs[R_ESP] = (uint32_t)env->sysenter_esp;
        env->next_rip = (uint32_t)env->sysenter_eip;
    }
    seg_load_cache(env, R_SS, sel + 8, 0, 0xffffffffu, FLAT_DATA);
    cpu_update_mode(env);
}

void op_SYSEXIT(CPUX86State *env, const Insn *insn)
{
    uint16_t sel = env->sysenter_cs & 0xfffc;
    sysenter_vendor_check(env);
    if (!cpu_in_pmode(env) || env->cpl != 0 || sel == 0) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    if (insn->opsize == 8) {
        if (!la_is_canonical(env->regs[R_EDX]) || !la_is_canonical(env->regs[R_ECX])) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
        seg_load_cache(env, R_CS, (sel + 32) | 3, 0, 0xffffffffu, FLAT_CODE64 | DPL3);
        seg_load_cache(env, R_SS, (sel + 40) | 3, 0, 0xffffffffu, FLAT_DATA | DPL3);
        env->regs[R_ESP] = env->regs[R_ECX];
        env->next_rip = env->regs[R_EDX];
    } else {
        seg_load_cache(env, R_CS, (sel + 16) | 3, 0, 0xffffffffu, FLAT_CODE32 | DPL3);
        seg_load_cache(env, R_SS, (sel + 24) | 3, 0, 0xffffffffu, FLAT_DATA | DPL3);
        env->regs[R_ESP] = (uint32_t)env->regs[R_ECX];
        env->next_rip = (uint32_t)env->regs[R_EDX];
    }
    cpu_update_mode(env);
}

void op_SWAPGS(CPUX86State *env, const Insn *insn)
{
    if (!cpu_in_64bit(env)) {
        cpu_raise_exception(env, EXCP_UD);
    }
    require_cpl0(env);
    uint64_t t = env->segs[R_GS].base;
    env->segs[R_GS].base = env->kernel_gs_base;
    env->kernel_gs_base = t;
}

/* ---- RD/WR FS/GS BASE (CR4.FSGSBASE, 64-bit mode only) ---- */

static void check_fsgsbase(CPUX86State *env)
{
    if (!cpu_in_64bit(env) || !(env->cr[4] & CR4_FSGSBASE)) {
        cpu_raise_exception(env, EXCP_UD);
    }
}

static void wr_base(CPUX86State *env, const Insn *insn, int seg)
{
    check_fsgsbase(env);
    uint64_t v = insn_get_op(env, insn, 0);
    if (!la_is_canonical(v)) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    env->segs[seg].base = v;
}

void op_RDFSBASE(CPUX86State *env, const Insn *insn)
{
    check_fsgsbase(env);
    insn_set_op(env, insn, 0, env->segs[R_FS].base);
}

void op_RDGSBASE(CPUX86State *env, const Insn *insn)
{
    check_fsgsbase(env);
    insn_set_op(env, insn, 0, env->segs[R_GS].base);
}

void op_WRFSBASE(CPUX86State *env, const Insn *insn) { wr_base(env, insn, R_FS); }
void op_WRGSBASE(CPUX86State *env, const Insn *insn) { wr_base(env, insn, R_GS); }

/* ---- CLAC / STAC (SMAP): EFLAGS.AC decides whether supervisor-mode
 * data accesses may touch user pages (SDM Vol.3 4.6).  #UD without SMAP,
 * at CPL > 0 and in V86 mode (SDM CLAC/STAC); F2/F3 0F 01 CA are the FRED
 * ERETS/ERETU encodings, not offered: #UD.  No TLB work: supervisor
 * translations of user pages are never cached while CR4.SMAP = 1. ---- */

static void ac_change(CPUX86State *env, const Insn *insn, bool set)
{
    if (!cpu_has_feature(env, FEAT_7_0_EBX, CPUID_7_EBX_SMAP) ||
        (insn->prefix & (PFX_REP | PFX_REPNE)) ||
        ((env->cr[0] & CR0_PE) && (env->cpl != 0 || (env->eflags & VM_MASK)))) {
        cpu_raise_exception(env, EXCP_UD);
    }
    if (set) {
        env->eflags |= AC_MASK;
    } else {
        env->eflags &= ~(uint64_t)AC_MASK;
    }
}

void op_CLAC(CPUX86State *env, const Insn *insn) { ac_change(env, insn, false); }
void op_STAC(CPUX86State *env, const Insn *insn) { ac_change(env, insn, true); }

/* CPUID does not advertise MONITOR/MWAIT */
void op_MONITOR(CPUX86State *env, const Insn *insn) { cpu_raise_exception(env, EXCP_UD); }
void op_MWAIT(CPUX86State *env, const Insn *insn) { cpu_raise_exception(env, EXCP_UD); }

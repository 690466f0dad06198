/*
 * target/i386/excp.c - exceptions, interrupt delivery (IVT/IDT) and IRET.
 *
 * Conventions (the contract between instruction handlers, the execution
 * loop and this file):
 *  - Faults: cpu_raise_exception*() is called with env->rip still at the
 *    faulting instruction; it records vector/error code in env and
 *    longjmps to env->jmp_env; the loop then calls cpu_do_interrupt(env,
 *    env->exception_index, false, env->has_error_code, env->error_code,
 *    env->rip).  Whether an error code is pushed is decided by the vector
 *    (SDM Vol.3 6.13: #DF, #TS, #NP, #SS, #GP, #PF, #AC), so
 *    cpu_raise_exception(env, EXCP_GP) pushes 0.
 *  - Traps raised as exceptions (#DB after an instruction, #OF, #BP if a
 *    handler chooses to raise it): the raiser sets env->rip = env->next_rip
 *    first, so the pushed return address is the next instruction.
 *  - Software interrupts (INT n, INT3, INTO) are delivered by their handler
 *    calling cpu_do_interrupt(env, vector, true, false, 0, env->next_rip)
 *    directly: is_sw makes the gate-DPL check apply and keeps them out of
 *    the #DF logic.  ICEBP (INT1) does the same with is_sw = false.
 *    cpu_do_interrupt sets both env->rip and env->next_rip to the handler,
 *    so it works from inside a handler and from the loop.
 *  - #DF (SDM Vol.3 6.15, Table 6-5): env->old_exception holds the vector
 *    being delivered while its delivery runs; if delivery faults, the loop
 *    delivers the new exception and this file promotes contributory +
 *    contributory and #PF + (contributory or #PF) to #DF(0); any fault
 *    while delivering #DF sets env->triple_fault and returns without
 *    delivering (the loop resets the machine).  External interrupts and
 *    software interrupts are benign and never promote.
 *  - Every delivery must run with env->jmp_env armed (faults longjmp).
 *
 * Protected-mode delivery follows the INT n/INTO/INT3 "Operation" section of
 * SDM Vol.2: 16/32-bit interrupt and trap gates, inner-level stack switch
 * through the 16/32-bit TSS, from V86 mode too (ES/DS/FS/GS pushed and
 * nulled).  Task gates switch tasks (seg.c task_switch).  IA-32e
 * delivery uses 16-byte gates, IST, a 16-byte aligned stack and always
 * pushes SS:RSP.  All pushes go to memory
 * before any register changes, so a fault during delivery leaves the
 * interrupted state intact for the next delivery.
 */
#include <inttypes.h>

#include "hw/intc/apic.h"
#include "hw/machine.h"
#include "system/sysemu.h"
#include "target/i386/cpu.h"
#include "target/i386/seg.h"

/* weak: see msr.c (the LAPIC may not be linked in) */
#pragma weak apic_intr_ack

static bool vector_has_error_code(int vector)
{
    switch (vector) {
    case EXCP_DF: case EXCP_TS: case EXCP_NP: case EXCP_SS: case EXCP_GP:
    case EXCP_PF: case EXCP_AC:
        return true;
    default:
        return false;
    }
}

void cpu_raise_exception_err(CPUX86State *env, int vector, uint32_t error_code)
{
    env->exception_index = vector;
    env->has_error_code = vector_has_error_code(vector);
    env->error_code = env->has_error_code ? error_code : 0;
    longjmp(env->jmp_env, 1);
}

void cpu_raise_exception(CPUX86State *env, int vector)
{
    cpu_raise_exception_err(env, vector, 0);
}

/* Fault-class exceptions (SDM Vol.3 Table 6-1); #DB is left out: only
 * its instruction-breakpoint form is a fault, and that one pushes RF=0. */
static bool is_fault_class(int v)
{
    switch (v) {
    case EXCP_DE: case EXCP_BR: case EXCP_UD: case EXCP_NM: case EXCP_TS:
    case EXCP_NP: case EXCP_SS: case EXCP_GP: case EXCP_PF: case EXCP_MF:
    case EXCP_AC: case EXCP_XM:
        return true;
    default:
        return false;
    }
}

static bool is_contributory(int v)
{
    return v == EXCP_DE || v == EXCP_TS || v == EXCP_NP || v == EXCP_SS || v == EXCP_GP;
}

/* ---- real mode (SDM Vol.3 20.1.4) ---- */

static void do_interrupt_real(CPUX86State *env, int vector, uint64_t next_rip)
{
    uint32_t off = vector * 4;
    if (off + 3 > env->idt.limit) {
        cpu_raise_exception_err(env, EXCP_GP, vector * 8 + 2);
    }
    uint64_t la = (env->idt.base + off) & 0xffffffffu;
    uint16_t new_ip = cpu_lduw_kernel(env, la);
    uint16_t new_cs = cpu_lduw_kernel(env, la + 2);
    StackPtr st;
    stack_init(env, &st, &env->segs[R_SS], env->regs[R_ESP], env->stack_bits, 0);
    stack_push(env, &st, cpu_get_eflags(env), 2);
    stack_push(env, &st, env->segs[R_CS].selector, 2);
    stack_push(env, &st, next_rip, 2);
    env->regs[R_ESP] = stack_commit_sp(&st, env->regs[R_ESP]);
    env->eflags &= ~(uint64_t)(IF_MASK | TF_MASK | AC_MASK | RF_MASK);
    cpu_load_seg_real(env, R_CS, new_cs);
    env->rip = new_ip;
}

/* Load CS from a checked descriptor with the given RPL. */
static void load_cs_checked(CPUX86State *env, uint16_t sel, uint32_t e1, uint32_t e2, int rpl)
{
    seg_set_accessed(env, sel, &e2);
    seg_load_cache_desc(env, R_CS, (sel & ~3u) | rpl, e1, e2);
}

/* ---- protected mode, 16/32-bit gates ---- */

static void do_interrupt_prot(CPUX86State *env, int vector, bool is_sw, bool has_error,
                              uint32_t error_code, uint64_t next_rip)
{
    uint32_t ext = is_sw ? 0 : 1;
    uint32_t idt_err = vector * 8 + 2 + ext;
    int cpl = env->cpl;
    bool vm86 = (env->eflags & VM_MASK) != 0;

    if (vector * 8 + 7 > env->idt.limit) {
        cpu_raise_exception_err(env, EXCP_GP, idt_err);
    }
    uint64_t la = (env->idt.base + vector * 8) & 0xffffffffu;
    uint32_t e1 = cpu_ldl_kernel(env, la);
    uint32_t e2 = cpu_ldl_kernel(env, la + 4);
    unsigned type = (e2 >> 8) & 0x1f;  /* S bit included: system types only */
    switch (type) {
    case 5: case 6: case 7: case 14: case 15:
        break;
    default:
        cpu_raise_exception_err(env, EXCP_GP, idt_err);
    }
    if (is_sw && (int)DESC_DPL(e2) < (vm86 ? 3 : cpl)) {
        cpu_raise_exception_err(env, EXCP_GP, vector * 8 + 2);
    }
    if (!(e2 & DESC_P_MASK)) {
        cpu_raise_exception_err(env, EXCP_NP, idt_err);
    }
    if (type == 5) {
        /* task gate: switch tasks (nested), then push the error code on
         * the new task's stack (SDM Vol.3 6.12.2) */
        task_switch(env, vector * 8 + 2, e1, e2, TASK_CALL, next_rip);
        if (has_error) {
            StackPtr st;
            bool tss32 = (env->tr.flags >> DESC_TYPE_SHIFT) & 8;
            stack_init(env, &st, &env->segs[R_SS], env->regs[R_ESP], env->stack_bits, env->cpl);
            stack_push(env, &st, error_code, tss32 ? 4 : 2);
            env->regs[R_ESP] = stack_commit_sp(&st, env->regs[R_ESP]);
        }
        env->rip = env->next_rip;
        return;
    }
    bool is32 = (type & 8) != 0;
    bool trap_gate = (type & 1) != 0;
    uint16_t sel = e1 >> 16;
    uint32_t offset = (e2 & 0xffff0000u) | (e1 & 0xffff);
    if (!is32) {
        offset &= 0xffff;
    }

    uint32_t c1, c2;
    if ((sel & ~3u) == 0) {
        cpu_raise_exception_err(env, EXCP_GP, ext);
    }
    if (!seg_fetch_desc(env, sel, &c1, &c2) || !(c2 & DESC_S_MASK) || !(c2 & DESC_CS_MASK)) {
        cpu_raise_exception_err(env, EXCP_GP, (sel & ~3u) | ext);
    }
    int dpl = DESC_DPL(c2);
    if (dpl > cpl) {
        cpu_raise_exception_err(env, EXCP_GP, (sel & ~3u) | ext);
    }
    if (!(c2 & DESC_P_MASK)) {
        cpu_raise_exception_err(env, EXCP_NP, (sel & ~3u) | ext);
    }
    if (offset > desc_limit(c1, c2)) {
        cpu_raise_exception_err(env, EXCP_GP, ext);
    }

    bool inner = !(c2 & DESC_C_MASK) && dpl < cpl;
    int new_cpl = inner ? dpl : cpl;
    StackPtr st;
    uint16_t ss_sel = 0;
    uint32_t s1 = 0, s2 = 0;
    if (inner) {
        uint32_t sp;
        if (vm86 && dpl != 0) {
            cpu_raise_exception_err(env, EXCP_GP, (sel & ~3u) | ext);
        }
        tss_get_stack32(env, dpl, &ss_sel, &sp);
        seg_check_new_ss(env, ss_sel, dpl, &s1, &s2, ext);
        SegmentCache ss = { ss_sel, desc_base(s1, s2), desc_limit(s1, s2), desc_flags(s2) };
        stack_init(env, &st, &ss, sp, (s2 & DESC_B_MASK) ? 32 : 16, dpl);
    } else {
        if (vm86) {
            cpu_raise_exception_err(env, EXCP_GP, (sel & ~3u) | ext);
        }
        stack_init(env, &st, &env->segs[R_SS], env->regs[R_ESP], env->stack_bits, cpl);
    }

    unsigned sz = is32 ? 4 : 2;
    if (inner) {
        if (vm86) {
            stack_push(env, &st, env->segs[R_GS].selector, sz);
            stack_push(env, &st, env->segs[R_FS].selector, sz);
            stack_push(env, &st, env->segs[R_DS].selector, sz);
            stack_push(env, &st, env->segs[R_ES].selector, sz);
        }
        stack_push(env, &st, env->segs[R_SS].selector, sz);
        stack_push(env, &st, env->regs[R_ESP], sz);
    }
    stack_push(env, &st, cpu_get_eflags(env), sz);
    stack_push(env, &st, env->segs[R_CS].selector, sz);
    stack_push(env, &st, next_rip, sz);
    if (has_error) {
        stack_push(env, &st, error_code, sz);
    }

    /* commit */
    if (inner) {
        seg_set_accessed(env, ss_sel, &s2);
        seg_load_cache_desc(env, R_SS, ss_sel, s1, s2);
        env->regs[R_ESP] = stack_commit_sp(&st, 0);
        if (vm86) {
            seg_load_cache(env, R_ES, 0, 0, 0, 0);
            seg_load_cache(env, R_DS, 0, 0, 0, 0);
            seg_load_cache(env, R_FS, 0, 0, 0, 0);
            seg_load_cache(env, R_GS, 0, 0, 0, 0);
        }
    } else {
        env->regs[R_ESP] = stack_commit_sp(&st, env->regs[R_ESP]);
    }
    load_cs_checked(env, sel, c1, c2, new_cpl);
    env->eflags &= ~(uint64_t)(TF_MASK | VM_MASK | RF_MASK | NT_MASK);
    if (!trap_gate) {
        env->eflags &= ~(uint64_t)IF_MASK;
    }
    cpu_update_mode(env);
    env->rip = offset;
}

/* ---- IA-32e mode (SDM Vol.3 6.14) ---- */

static void do_interrupt_long(CPUX86State *env, int vector, bool is_sw, bool has_error,
                              uint32_t error_code, uint64_t next_rip)
{
    uint32_t ext = is_sw ? 0 : 1;
    uint32_t idt_err = vector * 8 + 2 + ext;
    int cpl = env->cpl;

    if (vector * 16 + 15 > env->idt.limit) {
        cpu_raise_exception_err(env, EXCP_GP, idt_err);
    }
    uint64_t la = env->idt.base + vector * 16;
    uint32_t e1 = cpu_ldl_kernel(env, la);
    uint32_t e2 = cpu_ldl_kernel(env, la + 4);
    uint32_t e3 = cpu_ldl_kernel(env, la + 8);
    unsigned type = (e2 >> 8) & 0x1f;
    if (type != 14 && type != 15) {
        cpu_raise_exception_err(env, EXCP_GP, idt_err);
    }
    if (is_sw && (int)DESC_DPL(e2) < cpl) {
        cpu_raise_exception_err(env, EXCP_GP, vector * 8 + 2);
    }
    if (!(e2 & DESC_P_MASK)) {
        cpu_raise_exception_err(env, EXCP_NP, idt_err);
    }
    uint16_t sel = e1 >> 16;
    uint64_t offset = (e2 & 0xffff0000u) | (e1 & 0xffff) | ((uint64_t)e3 << 32);
    int ist = e2 & 7;

    uint32_t c1, c2;
    if ((sel & ~3u) == 0) {
        cpu_raise_exception_err(env, EXCP_GP, ext);
    }
    if (!seg_fetch_desc(env, sel, &c1, &c2) || !(c2 & DESC_S_MASK) || !(c2 & DESC_CS_MASK) ||
        !(c2 & DESC_L_MASK) || (c2 & DESC_B_MASK)) {
        cpu_raise_exception_err(env, EXCP_GP, (sel & ~3u) | ext);
    }
    int dpl = DESC_DPL(c2);
    if (dpl > cpl) {
        cpu_raise_exception_err(env, EXCP_GP, (sel & ~3u) | ext);
    }
    if (!(c2 & DESC_P_MASK)) {
        cpu_raise_exception_err(env, EXCP_NP, (sel & ~3u) | ext);
    }
    if (!la_is_canonical(offset)) {
        cpu_raise_exception_err(env, EXCP_GP, ext);
    }

    bool inner = !(c2 & DESC_C_MASK) && dpl < cpl;
    int new_cpl = inner ? dpl : cpl;
    uint64_t rsp;
    if (inner || ist) {
        rsp = tss_get_stack64(env, dpl, ist);
    } else {
        rsp = env->regs[R_ESP];
    }
    rsp &= ~0xfull;
    StackPtr st;
    stack_init(env, &st, &env->segs[R_SS], rsp, 64, new_cpl);
    stack_push(env, &st, env->segs[R_SS].selector, 8);
    stack_push(env, &st, env->regs[R_ESP], 8);
    stack_push(env, &st, cpu_get_eflags(env), 8);
    stack_push(env, &st, env->segs[R_CS].selector, 8);
    stack_push(env, &st, next_rip, 8);
    if (has_error) {
        stack_push(env, &st, error_code, 8);
    }

    if (inner) {
        /* SS becomes a null selector with RPL = new CPL */
        seg_load_cache(env, R_SS, new_cpl, 0, 0, (uint32_t)new_cpl << DESC_DPL_SHIFT);
    }
    env->regs[R_ESP] = st.sp;
    load_cs_checked(env, sel, c1, c2, new_cpl);
    env->eflags &= ~(uint64_t)(TF_MASK | VM_MASK | RF_MASK | NT_MASK);
    if (type == 14) {
        env->eflags &= ~(uint64_t)IF_MASK;
    }
    cpu_update_mode(env);
    env->rip = offset;
}

static void log_interrupt(CPUX86State *env, int vector, bool is_sw, uint32_t error_code,
                          uint64_t next_rip)
{
    static int count;
    const SegmentCache *cs = &env->segs[R_CS], *ss = &env->segs[R_SS];
    int n = __atomic_fetch_add(&count, 1, __ATOMIC_RELAXED);
    char tail[64];
    if (vector == EXCP_PF) {
        snprintf(tail, sizeof(tail), " CR2=%016" PRIx64, env->cr[2]);
    } else {
        snprintf(tail, sizeof(tail), " env->regs[R_EAX]=%016" PRIx64, env->regs[R_EAX]);
    }
    /* as QEMU: IP is the current instruction (the INT itself for software
     * interrupts) and pc adds the sign-extended low 32 bits of CS.base */
    log_printf("%6d: v=%02x e=%04x i=%d cpl=%d IP=%04x:%016" PRIx64 " pc=%016" PRIx64
               " SP=%04x:%016" PRIx64 "%s\n", n, vector, error_code, is_sw, env->cpl,
               cs->selector, env->rip,
               (uint64_t)(int64_t)(int32_t)(uint32_t)cs->base + env->rip, ss->selector,
               env->regs[R_ESP], tail);
    FILE *f = log_file();
    cpu_dump_state(env, f ? f : stderr);
}

static void deliver(CPUX86State *env, int vector, bool is_sw, bool is_hw, bool has_error,
                    uint32_t error_code, uint64_t next_rip)
{
    if (env->triple_fault) {
        return;
    }
    vector &= 0xff;
    if (!is_sw && !is_hw) {
        int old = env->old_exception;
        log_mask_printf(LOG_INT, "check_exception old: 0x%x new 0x%x\n", (unsigned)old,
                        (unsigned)vector);
        if (old == EXCP_DF) {
            log_mask_printf(LOG_INT, "triple fault (v=%02x while delivering #DF)\n", vector);
            env->triple_fault = true;
            env->old_exception = -1;
            env->exception_index = -1;
            return;
        }
        if (old != -1 && ((is_contributory(old) && is_contributory(vector)) ||
                          (old == EXCP_PF && (is_contributory(vector) || vector == EXCP_PF)))) {
            vector = EXCP_DF;
            has_error = true;
            error_code = 0;
        }
        /* only classes that can promote are remembered (a benign first
         * exception never does; QEMU's log shows the same) */
        if (is_contributory(vector) || vector == EXCP_PF || vector == EXCP_DF) {
            env->old_exception = vector;
        }
    }
    env->exception_index = -1;
    env->event_delivered = true;
    if (!is_sw && !is_hw && is_fault_class(vector)) {
        /* the image a fault pushes has RF=1 (SDM Vol.3 17.3.1.1), so the
         * faulting instruction restarts without re-triggering an
         * instruction breakpoint; the handler itself runs with RF=0 */
        env->eflags |= RF_MASK;
    }
    if (log_enabled(LOG_INT) && (env->cr[0] & CR0_PE)) {
        /* QEMU logs protected-mode deliveries only */
        log_interrupt(env, vector, is_sw, has_error ? error_code : 0, next_rip);
    }
    if (!(env->cr[0] & CR0_PE)) {
        do_interrupt_real(env, vector, next_rip);
    } else if (env->long_mode) {
        do_interrupt_long(env, vector, is_sw, has_error, error_code, next_rip);
    } else {
        do_interrupt_prot(env, vector, is_sw, has_error, error_code, next_rip);
    }
    env->next_rip = env->rip;
    env->old_exception = -1;
    env->halted = false;
}

void cpu_do_interrupt(CPUX86State *env, int vector, bool is_sw, bool has_error,
                      uint32_t error_code, uint64_t next_rip)
{
    deliver(env, vector, is_sw, false, has_error, error_code, next_rip);
}

bool cpu_check_hard_interrupt(X86CPU *cpu)
{
    CPUX86State *env = &cpu->env;
    int req = __atomic_load_n(&cpu->interrupt_request, __ATOMIC_ACQUIRE);
    Machine *m = cpu->machine;

    if ((req & CPU_INTERRUPT_NMI) && !env->inhibit_irq && !env->nmi_blocked) {
        __atomic_fetch_and(&cpu->interrupt_request, ~CPU_INTERRUPT_NMI, __ATOMIC_ACQ_REL);
        env->halted = false;
        deliver(env, EXCP_NMI, false, true, false, 0, env->rip);
        env->nmi_blocked = true;
        return true;
    }
    if (!(req & CPU_INTERRUPT_HARD) || !(env->eflags & IF_MASK) || env->inhibit_irq) {
        return false;
    }
    /* INTA: through the LAPIC when there is one (it forwards ExtINT to
     * the 8259), else straight to the 8259 */
    ApicState *apic = cpu_apic(env);
    if (!apic && (!m || !m->intr_ack)) {
        return false;
    }
    bql_lock();
    int vector = apic ? apic_intr_ack(apic) : m->intr_ack(m->intc);
    bql_unlock();
    if (vector < 0) {
        return false;
    }
    env->halted = false;
    log_mask_printf(LOG_INT, "Servicing hardware INT=0x%02x\n", vector & 0xff);
    deliver(env, vector, false, true, false, 0, env->rip);
    return true;
}

/* ---- IRET (SDM Vol.2 IRET/IRETD/IRETQ "Operation") ---- */

/* Bits IRET may change (tempEFLAGS AND 257FD5H in real mode) */
#define IRET_MASK (CC_MASK | TF_MASK | IF_MASK | DF_MASK | IOPL_MASK | NT_MASK | \
                   RF_MASK | AC_MASK | ID_MASK)

static void iret_real(CPUX86State *env, unsigned opsize)
{
    StackPtr st;
    stack_init(env, &st, &env->segs[R_SS], env->regs[R_ESP], env->stack_bits, env->cpl);
    uint64_t ip = stack_pop(env, &st, opsize);
    uint16_t cs = stack_pop(env, &st, opsize);
    uint64_t fl = stack_pop(env, &st, opsize);
    if (ip > env->segs[R_CS].limit) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    uint64_t mask = IRET_MASK;
    if (env->eflags & VM_MASK) {
        mask &= ~(uint64_t)IOPL_MASK;  /* V86 with IOPL 3: IOPL is kept */
    }
    if (opsize == 2) {
        mask &= 0xffff;
    }
    env->regs[R_ESP] = stack_commit_sp(&st, env->regs[R_ESP]);
    cpu_load_seg_real(env, R_CS, cs);
    cpu_set_eflags(env, fl, mask);
    env->next_rip = ip;
}

/* Return from protected mode to V86 mode (IRETD at CPL 0 with VM set). */
static void iret_to_vm86(CPUX86State *env, StackPtr *st, uint64_t ip, uint16_t cs,
                         uint64_t fl)
{
    uint32_t esp = stack_pop(env, st, 4);
    uint16_t ss = stack_pop(env, st, 4);
    uint16_t es = stack_pop(env, st, 4);
    uint16_t ds = stack_pop(env, st, 4);
    uint16_t fs = stack_pop(env, st, 4);
    uint16_t gs = stack_pop(env, st, 4);
    cpu_set_eflags(env, fl, IRET_MASK | VM_MASK | VIF_MASK | VIP_MASK);
    cpu_load_seg_real(env, R_CS, cs);
    cpu_load_seg_real(env, R_SS, ss);
    cpu_load_seg_real(env, R_ES, es);
    cpu_load_seg_real(env, R_DS, ds);
    cpu_load_seg_real(env, R_FS, fs);
    cpu_load_seg_real(env, R_GS, gs);
    env->regs[R_ESP] = esp;
    cpu_update_mode(env);
    env->next_rip = ip & 0xffff;
}

static void iret_prot(CPUX86State *env, unsigned opsize)
{
    int cpl = env->cpl;
    bool in64 = cpu_in_64bit(env);
    StackPtr st;
    stack_init(env, &st, &env->segs[R_SS], env->regs[R_ESP], env->stack_bits, cpl);
    uint64_t ip = stack_pop(env, &st, opsize);
    uint16_t cs = stack_pop(env, &st, opsize);
    uint64_t fl = stack_pop(env, &st, opsize);

    if (opsize == 4 && (fl & VM_MASK) && cpl == 0 && !env->long_mode) {
        iret_to_vm86(env, &st, ip, cs, fl);
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
    if (env->long_mode && (c2 & DESC_L_MASK) && (c2 & DESC_B_MASK)) {
        cpu_raise_exception_err(env, EXCP_GP, cs & ~3u);
    }
    if (!(c2 & DESC_P_MASK)) {
        cpu_raise_exception_err(env, EXCP_NP, cs & ~3u);
    }
    bool to64 = env->long_mode && (c2 & DESC_L_MASK);
    if (to64) {
        if (!la_is_canonical(ip)) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
    } else {
        ip &= opsize == 2 ? 0xffff : 0xffffffffu;
        if (ip > desc_limit(c1, c2)) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
    }

    bool pop_ss = rpl > cpl || in64;
    uint64_t sp = 0;
    uint16_t ss = 0;
    uint32_t s1 = 0, s2 = 0;
    bool ss_null = false;
    if (pop_ss) {
        sp = stack_pop(env, &st, opsize);
        ss = stack_pop(env, &st, opsize);
        if ((ss & ~3u) == 0) {
            /* SDM: a null SS is allowed only when returning to 64-bit code
             * at CPL < 3 */
            if (!to64 || rpl == 3) {
                cpu_raise_exception_err(env, EXCP_GP, 0);
            }
            ss_null = true;
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
    }

    /* EFLAGS: IOPL only at CPL 0, IF only at CPL <= IOPL (old CPL) */
    uint64_t mask = CC_MASK | TF_MASK | DF_MASK | NT_MASK | RF_MASK | AC_MASK | ID_MASK;
    unsigned iopl = (env->eflags & IOPL_MASK) >> IOPL_SHIFT;
    if (cpl == 0) {
        mask |= IOPL_MASK | VIF_MASK | VIP_MASK;
    }
    if ((unsigned)cpl <= iopl) {
        mask |= IF_MASK;
    }
    if (opsize == 2) {
        mask &= 0xffff;
    }

    /* commit */
    load_cs_checked(env, cs, c1, c2, rpl);
    if (pop_ss) {
        if (ss_null) {
            seg_load_cache(env, R_SS, ss, 0, 0, (uint32_t)rpl << DESC_DPL_SHIFT);
        } else {
            seg_set_accessed(env, ss, &s2);
            seg_load_cache_desc(env, R_SS, ss, s1, s2);
        }
        if (opsize == 2) {
            env->regs[R_ESP] = (env->regs[R_ESP] & ~0xffffull) | (sp & 0xffff);
        } else {
            env->regs[R_ESP] = opsize == 4 ? (uint32_t)sp : sp;
        }
    } else {
        env->regs[R_ESP] = stack_commit_sp(&st, env->regs[R_ESP]);
    }
    cpu_set_eflags(env, fl, mask);
    cpu_update_mode(env);
    if (rpl > cpl) {
        seg_null_inaccessible(env);
    }
    env->next_rip = ip;
}

void cpu_iret(CPUX86State *env, unsigned opsize)
{
    /* any IRET ends NMI blocking (SDM Vol.3 6.7.1), even one that faults */
    env->nmi_blocked = false;
    if (!(env->cr[0] & CR0_PE)) {
        iret_real(env, opsize);
        return;
    }
    if (env->eflags & VM_MASK) {
        if (((env->eflags & IOPL_MASK) >> IOPL_SHIFT) != 3) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
        iret_real(env, opsize);
        return;
    }
    if (env->eflags & NT_MASK) {
        /* return to the task in the back link (SDM Vol.3 8.3) */
        uint32_t e1, e2;
        if (env->long_mode) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
        if (!(env->tr.flags & DESC_P_MASK) || env->tr.limit < 1) {
            cpu_raise_exception_err(env, EXCP_TS, env->tr.selector & ~3u);
        }
        uint16_t back = cpu_lduw_kernel(env, env->tr.base & 0xffffffffu);
        if ((back & SEL_TI) || !seg_fetch_desc(env, back, &e1, &e2)) {
            cpu_raise_exception_err(env, EXCP_TS, back & ~3u);
        }
        task_switch(env, back, e1, e2, TASK_IRET, env->next_rip);
        return;
    }
    iret_prot(env, opsize);
}

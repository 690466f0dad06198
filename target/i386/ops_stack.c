/*
 * target/i386/ops_stack.c - PUSH/POP (GPR, memory, immediate, segment),
 * PUSHA/POPA, PUSHF/POPF, ENTER/LEAVE.
 *
 * Design: the slot size is Insn.opsize (the decoder applies the 64-bit
 * mode defaults), the stack pointer width is env->stack_bits (SS.B, or 64
 * in long mode).  Instructions that touch several slots work on a local
 * copy of the stack pointer and commit RSP (and other registers) only
 * after every access succeeded, so a #PF/#SS in the middle restarts the
 * instruction from a consistent state.
 */
#include "target/i386/ops_internal.h"

static inline unsigned stack_size(const CPUX86State *env)
{
    return env->stack_bits / 8;
}

void stack_write(CPUX86State *env, uint64_t sp, uint64_t value, unsigned size)
{
    sp &= size_mask(stack_size(env));
    st_size(env, seg_linear(env, R_SS, sp, size, ACC_WRITE), size, value);
}

uint64_t stack_read(CPUX86State *env, uint64_t sp, unsigned size)
{
    sp &= size_mask(stack_size(env));
    return ld_size(env, seg_linear(env, R_SS, sp, size, ACC_READ), size);
}

static inline void set_sp(CPUX86State *env, uint64_t sp)
{
    reg_write(env, R_ESP, stack_size(env), sp);
}

/* PUSH r/m, reg, imm.  PUSH rSP pushes the value before the decrement
 * (SDM PUSH: "the value of SP/ESP/RSP before the push"): reading the
 * operand first gives that. */
void op_PUSH(CPUX86State *env, const Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t v = op_get(env, insn, 0);
    if (insn->ops[0].kind == OPK_IMM) {
        v = (uint64_t)insn->imm;
    }
    cpu_push(env, v & size_mask(size), size);
}

/* POP r/m: a memory destination addressed through rSP uses the value of
 * rSP after the increment (SDM POP).  The store happens before RSP is
 * committed, so a faulting store leaves RSP intact. */
void op_POP(CPUX86State *env, const Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t sp = env->regs[R_ESP];
    uint64_t v = stack_read(env, sp, size);
    uint64_t nsp = sp + size;

    if (insn->ops[0].kind == OPK_MEM) {
        /* Compute the address with the incremented rSP. */
        uint64_t save = env->regs[R_ESP];
        reg_write(env, R_ESP, stack_size(env), nsp);
        uint64_t ea = insn_ea(env, insn);
        env->regs[R_ESP] = save;
        int seg = insn->seg == SEG_NONE ? R_DS : insn->seg;
        uint64_t la = seg_linear(env, seg, ea, size, ACC_WRITE);
        st_size(env, la, size, v);
        set_sp(env, nsp);
    } else {
        /* POP rSP: the popped value wins over the increment. */
        set_sp(env, nsp);
        op_set(env, insn, 0, v);
    }
}

/* PUSHA/PUSHAD: AX, CX, DX, BX, original SP, BP, SI, DI. */
void op_PUSHA(CPUX86State *env, const Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t sp = env->regs[R_ESP];

    for (int r = R_EAX; r <= R_EDI; r++) {
        sp -= size;
        stack_write(env, sp, reg_read(env, r, size), size);
    }
    set_sp(env, sp);
}

/* POPA/POPAD: the saved SP slot is skipped. */
void op_POPA(CPUX86State *env, const Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t sp = env->regs[R_ESP];
    uint64_t v[8];

    for (int r = R_EDI; r >= R_EAX; r--) {
        v[r] = r == R_ESP ? 0 : stack_read(env, sp, size);
        sp += size;
    }
    for (int r = R_EAX; r <= R_EDI; r++) {
        if (r != R_ESP) {
            reg_write(env, r, size, v[r]);
        }
    }
    set_sp(env, sp);
}

/* PUSHF: the image has VM and RF cleared (SDM PUSHF).  In V86 mode with
 * IOPL < 3, #GP(0) unless CR4.VME allows the 16-bit form, which pushes
 * VIF in place of IF and IOPL = 3. */
void op_PUSHF(CPUX86State *env, const Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t f = cpu_get_eflags(env) & ~(uint64_t)(VM_MASK | RF_MASK);

    if (v86_mode(env) && cur_iopl(env) < 3) {
        if (!(env->cr[4] & CR4_VME) || size != 2) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
        f &= ~(uint64_t)IF_MASK;
        if (env->eflags & VIF_MASK) {
            f |= IF_MASK;
        }
        f |= IOPL_MASK;
    }
    cpu_push(env, f & size_mask(size), size);
}

/* POPF: which bits may change depends on mode, CPL and IOPL (SDM POPF
 * operation section).  VIP, VIF and VM never change; RF is cleared. */
void op_POPF(CPUX86State *env, const Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t sp = env->regs[R_ESP];
    uint64_t v = stack_read(env, sp, size);
    uint64_t mask = CC_MASK | TF_MASK | DF_MASK | NT_MASK | AC_MASK | ID_MASK;

    if (v86_mode(env)) {
        if (cur_iopl(env) == 3) {
            mask |= IF_MASK;
        } else if ((env->cr[4] & CR4_VME) && size == 2) {
            /* VME: IF goes to VIF; #GP if that would unmask a pending
             * virtual interrupt or if TF is set in the image. */
            if ((v & TF_MASK) || ((v & IF_MASK) && (env->eflags & VIP_MASK))) {
                cpu_raise_exception_err(env, EXCP_GP, 0);
            }
            mask &= 0xffff;
            cpu_set_eflags(env, v, mask);
            cpu_set_eflags(env, (v & IF_MASK) ? VIF_MASK : 0, VIF_MASK);
            set_sp(env, sp + size);
            return;
        } else {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
    } else {
        if (!prot_mode(env) || env->cpl == 0) {
            mask |= IOPL_MASK | IF_MASK;
        } else if (env->cpl <= cur_iopl(env)) {
            mask |= IF_MASK;
        }
    }
    if (size == 2) {
        mask &= 0xffff;
    }
    set_sp(env, sp + size);
    cpu_set_eflags(env, v, mask | RF_MASK);
    /* RF is cleared whatever the image says. */
    env->eflags &= ~(uint64_t)RF_MASK;
}

/* ENTER size, level (SDM ENTER operation): level is taken modulo 32. */
void op_ENTER(CPUX86State *env, const Insn *insn)
{
    unsigned size = insn->opsize;
    unsigned ss = stack_size(env);
    uint64_t alloc = (uint64_t)insn->imm & 0xffff;
    unsigned level = (unsigned)insn->imm2 & 31;
    uint64_t sp = env->regs[R_ESP];
    uint64_t bp = env->regs[R_EBP];

    sp -= size;
    stack_write(env, sp, reg_read(env, R_EBP, size), size);
    uint64_t frame = sp & size_mask(ss);
    if (level > 0) {
        for (unsigned i = 1; i < level; i++) {
            bp -= size;
            uint64_t v = stack_read(env, bp, size);
            sp -= size;
            stack_write(env, sp, v, size);
        }
        sp -= size;
        stack_write(env, sp, frame, size);
    }
    sp -= alloc;
    /* The final stack pointer must be writable too (the SDM checks the
     * new frame against the segment limit before committing), and the
     * processor probes it for writing through paging as well: a
     * not-present page there gives #PF with W = 1 and CR2 = the new RSP,
     * with RSP/RBP unchanged (as the host does). */
    if (alloc) {
        uint64_t la = seg_linear(env, R_SS, sp & size_mask(ss), 1, ACC_WRITE);
        mem_probe_write(env, la, 1);
    }
    reg_write(env, R_EBP, size, frame);
    set_sp(env, sp);
}

/* LEAVE: rSP = rBP, then pop rBP. */
void op_LEAVE(CPUX86State *env, const Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t sp = env->regs[R_EBP] & size_mask(stack_size(env));
    uint64_t v = stack_read(env, sp, size);

    set_sp(env, sp + size);
    reg_write(env, R_EBP, size, v);
}

void op_PUSH_SEG(CPUX86State *env, const Insn *insn)
{
    unsigned size = insn->opsize;
    /* The selector is zero-extended to the slot (one of the two
     * behaviours the SDM allows). */
    cpu_push(env, env->segs[insn->ops[0].reg % NR_SEGS].selector, size);
}

/* POP Sreg: the load (seg_load: full protected-mode checks) happens before
 * RSP changes; POP SS opens the one-instruction interrupt shadow. */
void op_POP_SEG(CPUX86State *env, const Insn *insn)
{
    unsigned size = insn->opsize;
    int seg = insn->ops[0].reg;
    unsigned ss = stack_size(env);
    uint64_t sp = env->regs[R_ESP];
    uint64_t v = stack_read(env, sp, size);

    if (seg == R_CS || seg >= NR_SEGS) {
        cpu_raise_exception(env, EXCP_UD);
    }
    seg_load(env, seg, (uint16_t)v);
    reg_write(env, R_ESP, ss, sp + size);
    if (seg == R_SS) {
        env->inhibit_irq = true;
        env->movss_shadow = true;
    }
}

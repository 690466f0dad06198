/*
 * target/i386/operand.c - operand access and the stack for the handlers.
 *
 * Design: the decoder has already split register and memory forms
 * (OPK_* in insn.h), so reading or writing an operand is a switch on its
 * kind.  Memory operands go through seg_linear() (segment limit/type and
 * canonical checks) and the cpu_ldX/cpu_stX accessors (paging), both of
 * which raise exceptions by longjmp: handlers therefore read all their
 * operands first, write memory next, and update registers and lazy flags
 * last, so that a faulting instruction can be restarted (SDM Vol.3 6.5:
 * faults are restartable).
 */
#include "target/i386/ops_internal.h"

uint64_t reg_read(const CPUX86State *env, int reg, unsigned size)
{
    return reg_read_inline(env, reg, size);
}

void reg_write(CPUX86State *env, int reg, unsigned size, uint64_t value)
{
    reg_write_inline(env, reg, size, value);
}

uint64_t insn_ea(const CPUX86State *env, const Insn *insn)
{
    return insn_ea_inline(env, insn);
}

uint64_t insn_mem_linear(CPUX86State *env, const Insn *insn, unsigned size, int access)
{
    int seg = insn->seg == SEG_NONE ? R_DS : insn->seg;
    return seg_linear(env, seg, insn_ea(env, insn), size, access);
}

static uint64_t mem_read(CPUX86State *env, uint64_t la, unsigned size)
{
    switch (size) {
    case 1: return cpu_ldub(env, la);
    case 2: return cpu_lduw(env, la);
    case 4: return cpu_ldl(env, la);
    default: return cpu_ldq(env, la);
    }
}

static void mem_write(CPUX86State *env, uint64_t la, unsigned size, uint64_t v)
{
    switch (size) {
    case 1: cpu_stb(env, la, (uint8_t)v); break;
    case 2: cpu_stw(env, la, (uint16_t)v); break;
    case 4: cpu_stl(env, la, (uint32_t)v); break;
    default: cpu_stq(env, la, v); break;
    }
}

uint64_t insn_get_op(CPUX86State *env, const Insn *insn, int n)
{
    const InsnOperand *o = &insn->ops[n];
    unsigned size = o->size ? o->size : insn->opsize;

    switch (o->kind) {
    case OPK_REG:
        return reg_read(env, o->reg, size);
    case OPK_REG8H:
        return (env->regs[o->reg & 3] >> 8) & 0xff;
    case OPK_MEM:
        return mem_read(env, insn_mem_linear(env, insn, size, ACC_READ), size);
    case OPK_IMM:
        return (uint64_t)insn->imm & size_mask(size);
    case OPK_SREG:
        return o->reg < NR_SEGS ? env->segs[o->reg].selector : 0;
    case OPK_CREG:
        if (o->reg == 8) {
            return env->cr8;
        }
        return o->reg < 5 ? env->cr[o->reg] : 0;
    case OPK_DREG:
        return env->dr[o->reg & 7];
    default:
        return 0;
    }
}

/* SDM Vol.3 4.7 / Vol.2 "LOCK": a read-modify-write instruction (ADD
 * m,r, shifts and rotates of memory, BTS/BTR/BTC, XCHG, XADD, CMPXCHG,
 * their LOCKed forms...) accesses its destination as a write: a fault on
 * it is a write fault (#PF error code W=1, #GP for a read-only data
 * segment), even though the read comes first.  Check the write rights of
 * both pages the operand touches before the read, so that nothing is read or
 * written when either page would fault. */
void mem_probe_write(CPUX86State *env, uint64_t la, unsigned size)
{
    bool user = env->cpl == 3;

    mmu_translate(env, la, ACC_WRITE, user);
    if ((la & 0xfff) + size > 4096) {
        /* The second page is checked at its first byte: that is the
         * address a fault there reports in CR2 (as the host does). */
        uint64_t next = (la | 0xfff) + 1;
        /* Linear addresses wrap at 4 GiB outside IA-32e mode. */
        if (!env->long_mode) {
            next &= 0xffffffffu;
        }
        mmu_translate(env, next, ACC_WRITE, user);
    }
}

uint64_t insn_get_op_rmw(CPUX86State *env, const Insn *insn, int n)
{
    const InsnOperand *o = &insn->ops[n];
    unsigned size = o->size ? o->size : insn->opsize;

    if (o->kind != OPK_MEM) {
        return insn_get_op(env, insn, n);
    }
    uint64_t la = insn_mem_linear(env, insn, size, ACC_WRITE);
    mem_probe_write(env, la, size);
    return mem_read(env, la, size);
}

void insn_set_op(CPUX86State *env, const Insn *insn, int n, uint64_t value)
{
    const InsnOperand *o = &insn->ops[n];
    unsigned size = o->size ? o->size : insn->opsize;

    switch (o->kind) {
    case OPK_REG:
        reg_write(env, o->reg, size, value);
        break;
    case OPK_REG8H: {
        uint64_t *r = &env->regs[o->reg & 3];
        *r = (*r & ~0xff00ull) | ((value & 0xff) << 8);
        break;
    }
    case OPK_MEM:
        mem_write(env, insn_mem_linear(env, insn, size, ACC_WRITE), size, value);
        break;
    case OPK_SREG:
        if (o->reg < NR_SEGS) {
            seg_load(env, o->reg, (uint16_t)value);
        }
        break;
    case OPK_CREG:
        /* Plain store: MOV CRn side effects live in ops_system.c. */
        if (o->reg == 8) {
            env->cr8 = value & 15;
        } else if (o->reg < 5) {
            env->cr[o->reg] = value;
        }
        break;
    case OPK_DREG:
        env->dr[o->reg & 7] = value;
        break;
    default:
        break;
    }
}

/* ---- stack ---- */

void cpu_push(CPUX86State *env, uint64_t value, unsigned size)
{
    unsigned ssize = env->stack_bits / 8;
    uint64_t sp = (env->regs[R_ESP] - size) & size_mask(ssize);
    uint64_t la = seg_linear(env, R_SS, sp, size, ACC_WRITE);

    /* Store first: a faulting push leaves RSP unchanged. */
    mem_write(env, la, size, value);
    reg_write(env, R_ESP, ssize, sp);
}

uint64_t cpu_pop(CPUX86State *env, unsigned size)
{
    unsigned ssize = env->stack_bits / 8;
    uint64_t sp = env->regs[R_ESP] & size_mask(ssize);
    uint64_t la = seg_linear(env, R_SS, sp, size, ACC_READ);
    uint64_t v = mem_read(env, la, size);

    reg_write(env, R_ESP, ssize, sp + size);
    return v;
}

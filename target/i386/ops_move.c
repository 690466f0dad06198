/*
 * target/i386/ops_move.c - data movement: MOV/MOVZX/MOVSX/LEA, XCHG, XADD,
 * CMPXCHG/CMPXCHG8B/16B, CMOVcc, SETcc, CBW/CWD families, XLAT, LAHF/SAHF,
 * NOP/PAUSE.
 *
 * Design: as everywhere, memory is written before registers and flags so
 * a faulting instruction restarts cleanly.  The LOCKed forms (XCHG with
 * memory is always locked) need no host atomics with one vCPU thread: see
 * the note in ops_alu.c.
 */
#include "target/i386/cpuid.h"
#include "target/i386/ops_internal.h"

void op_MOV(CPUX86State *env, const Insn *insn)
{
    op_set(env, insn, 0, op_get(env, insn, 1));
}

void op_MOVZX(CPUX86State *env, const Insn *insn)
{
    op_set(env, insn, 0, op_get(env, insn, 1));
}

/* MOVSX and MOVSXD (without REX.W, MOVSXD is a plain 32-bit move). */
void op_MOVSX(CPUX86State *env, const Insn *insn)
{
    uint64_t v = op_get(env, insn, 1);
    op_set(env, insn, 0, (uint64_t)sext(v, op_size(insn, 1)));
}

/* LEA: the address is computed, never accessed; it is truncated to the
 * operand size (SDM LEA table of operand/address size combinations). */
void op_LEA(CPUX86State *env, const Insn *insn)
{
    op_set(env, insn, 0, insn_ea(env, insn));
}

void op_XCHG(CPUX86State *env, const Insn *insn)
{
    uint64_t a = op_get_rmw(env, insn, 0), b = op_get_rmw(env, insn, 1);

    if (insn->ops[1].kind == OPK_MEM) {
        op_set(env, insn, 1, a);
        op_set(env, insn, 0, b);
    } else {
        op_set(env, insn, 0, b);
        op_set(env, insn, 1, a);
    }
}

/* XADD: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP (so with the same
 * register for both, the sum wins). */
void op_XADD(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0);
    uint64_t d = op_get_rmw(env, insn, 0), s = op_get(env, insn, 1);
    uint64_t r = d + s;

    if (insn->ops[0].kind == OPK_MEM) {
        op_set(env, insn, 0, r);
        op_set(env, insn, 1, d);
    } else {
        op_set(env, insn, 1, d);
        op_set(env, insn, 0, r);
    }
    set_cc(env, CC_OP_ADDB, size, r, s, 0);
}

/* CMPXCHG: flags as CMP accumulator, dest.  A memory destination is
 * always written (with its old value on failure: SDM "the destination is
 * written back if the comparison fails").  A register destination is only
 * written on success and the accumulator only on failure, so with 32-bit
 * operands exactly one of them is zero-extended, as on hardware. */
void op_CMPXCHG(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0);
    uint64_t d = op_get_rmw(env, insn, 0), s = op_get(env, insn, 1);
    uint64_t acc = reg_read(env, R_EAX, size);

    if (acc == d) {
        op_set(env, insn, 0, s);
    } else {
        if (insn->ops[0].kind == OPK_MEM) {
            op_set(env, insn, 0, d);
        }
        reg_write(env, R_EAX, size, d);
    }
    set_cc(env, CC_OP_SUBB, size, acc - d, d, 0);
}

/* CMPXCHG8B m64 / CMPXCHG16B m128 (REX.W).  Only ZF changes.  The memory
 * update is one atomic host operation (cpu_cmpxchg, mmu.c): another vCPU
 * thread (KVM, multi-threaded TCG) may race on the same location, and a
 * LOCKed CMPXCHG8B is the primitive guests build locks from.  All checks
 * (alignment, write permission of every byte) come first, so a fault
 * leaves memory and registers untouched. */
void op_CMPXCHG8B(CPUX86State *env, const Insn *insn)
{
    bool wide = (insn->rex & 8) || insn->ops[0].size == 16;
    unsigned size = wide ? 16 : 8;
    uint64_t cmp[2], nv[2];

    if (insn->ops[0].kind != OPK_MEM) {
        cpu_raise_exception(env, EXCP_UD);     /* SDM: register operand */
    }
    if (!(wide ? cpu_has_feature(env, FEAT_1_ECX, CPUID_EXT_CX16)
               : cpu_has_feature(env, FEAT_1_EDX, CPUID_CX8))) {
        cpu_raise_exception(env, EXCP_UD);
    }
    uint64_t la = insn_mem_linear(env, insn, size, ACC_WRITE);
    /* SDM CMPXCHG16B: #GP(0) if m128 is not 16-byte aligned. */
    if (wide && (la & 15)) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    /* The destination is always written: it faults as a write. */
    mem_probe_write(env, la, size);
    if (wide) {
        cmp[0] = env->regs[R_EAX];
        cmp[1] = env->regs[R_EDX];
        nv[0] = env->regs[R_EBX];
        nv[1] = env->regs[R_ECX];
    } else {
        cmp[0] = ((uint64_t)(uint32_t)env->regs[R_EDX] << 32) | (uint32_t)env->regs[R_EAX];
        nv[0] = ((uint64_t)(uint32_t)env->regs[R_ECX] << 32) | (uint32_t)env->regs[R_EBX];
        cmp[1] = nv[1] = 0;
    }
    bool eq = cpu_cmpxchg(env, la, size, cmp, nv);
    if (!eq) {
        if (wide) {
            env->regs[R_EAX] = cmp[0];
            env->regs[R_EDX] = cmp[1];
        } else {
            /* 32-bit register writes: zero-extended in 64-bit mode */
            reg_write(env, R_EAX, 4, (uint32_t)cmp[0]);
            reg_write(env, R_EDX, 4, cmp[0] >> 32);
        }
    }
    cc_update(env, CC_Z, eq ? CC_Z : 0);
}

/* CMOVcc: the source is read (and may fault) whatever the condition; a
 * 32-bit destination register is zero-extended even when no move happens
 * (SDM Vol.1 3.4.1.1 / CMOVcc in 64-bit mode). */
void op_CMOV(CPUX86State *env, const Insn *insn)
{
    uint64_t v = op_get(env, insn, 1);

    if (cc_cond(env, insn->cond)) {
        op_set(env, insn, 0, v);
    } else if (op_size(insn, 0) == 4 && insn->ops[0].kind == OPK_REG) {
        op_set(env, insn, 0, op_get(env, insn, 0));
    }
}

void op_SETCC(CPUX86State *env, const Insn *insn)
{
    op_set(env, insn, 0, cc_cond(env, insn->cond) ? 1 : 0);
}

/* CBW/CWDE/CDQE: sign-extend the low half of the accumulator into all of
 * it. */
void op_CBW(CPUX86State *env, const Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t v = sext(reg_read(env, R_EAX, size / 2), size / 2);
    reg_write(env, R_EAX, size, v);
}

/* CWD/CDQ/CQO: rDX = sign of rAX. */
void op_CWD(CPUX86State *env, const Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t v = sext(reg_read(env, R_EAX, size), size) < 0 ? ~0ull : 0;
    reg_write(env, R_EDX, size, v);
}

/* XLAT: AL = [seg:rBX + AL], the sum wrapping at the address size. */
void op_XLAT(CPUX86State *env, const Insn *insn)
{
    uint64_t ea = (env->regs[R_EBX] + (env->regs[R_EAX] & 0xff)) &
                  size_mask(insn->addrsize);
    uint64_t la = seg_linear(env, insn_src_seg(insn), ea, 1, ACC_READ);
    reg_write(env, R_EAX, 1, cpu_ldub(env, la));
}

/* In 64-bit mode LAHF/SAHF exist only if CPUID.80000001H:ECX.LAHF-SAHF
 * says so (SDM LAHF "64-bit mode exceptions"). */
static void lahf_sahf_check(CPUX86State *env)
{
    if (env->code_bits == 64 &&
        !cpu_has_feature(env, FEAT_8000_0001_ECX, CPUID_EXT3_LAHF_LM)) {
        cpu_raise_exception(env, EXCP_UD);
    }
}

/* LAHF: AH = SF:ZF:0:AF:0:PF:1:CF. */
void op_LAHF(CPUX86State *env, const Insn *insn)
{
    lahf_sahf_check(env);
    uint32_t f = (cpu_cc_compute_all(env) & (CC_S | CC_Z | CC_A | CC_P | CC_C)) | 2;
    env->regs[R_EAX] = (env->regs[R_EAX] & ~0xff00ull) | ((uint64_t)f << 8);
}

/* SAHF: SF, ZF, AF, PF, CF from AH; OF unchanged. */
void op_SAHF(CPUX86State *env, const Insn *insn)
{
    lahf_sahf_check(env);
    uint32_t ah = (env->regs[R_EAX] >> 8) & 0xff;
    uint32_t m = CC_S | CC_Z | CC_A | CC_P | CC_C;
    cc_update(env, m, ah & m);
}

void op_NOP(CPUX86State *env, const Insn *insn)
{
}

void op_PAUSE(CPUX86State *env, const Insn *insn)
{
    /* no yield here: a delay loop of PAUSEs (i++ each time) would give
     * its slice away at every iteration; accel/tcg/tcg-accel.c detects
     * the loops that really wait (no register changes) instead */
}

/*
 * target/i386/ops_string.c - MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS with
 * REP/REPE/REPNE.
 *
 * Design: one iteration reads, writes, then updates rSI/rDI/rCX (by the
 * address size: SI/ESI/RSI) before the next, so a fault in iteration k
 * leaves the registers describing exactly the k-1 iterations done and the
 * instruction restarts where it stopped (SDM Vol.2 REP: "the registers are
 * updated after each iteration").  The source segment is Insn.seg (DS or
 * an override); the destination is always ES:rDI.  A REP instruction runs
 * at most STRING_BATCH iterations per call, then asks to be re-executed
 * (next_rip = rip) so the execution loop can take interrupts in between,
 * as hardware does between iterations.  F2 on the non-comparing ops acts
 * as a plain REP, as on hardware.
 */
#include "target/i386/ops_internal.h"

#define STRING_BATCH 4096

enum { S_MOVS, S_CMPS, S_STOS, S_LODS, S_SCAS, S_INS, S_OUTS };

/* Inlined into each op_X below with a constant kind: the per-iteration
 * switch disappears. */
static inline __attribute__((always_inline))
void string_op(CPUX86State *env, const Insn *insn, int kind)
{
    unsigned size = insn->opsize;
    unsigned as = insn->addrsize;
    uint64_t amask = size_mask(as);
    int64_t step = (env->eflags & DF_MASK) ? -(int64_t)size : (int64_t)size;
    bool rep = insn->prefix & (PFX_REP | PFX_REPNE);
    bool cmp = kind == S_CMPS || kind == S_SCAS;
    int src_seg = insn_src_seg(insn);
    uint16_t port = (uint16_t)env->regs[R_EDX];
    unsigned n = 0;

    /* The I/O permission check comes before the count test: REP INS/OUTS
     * with a zero count still raise #GP(0) when CPL > IOPL and the bitmap
     * denies the port (SDM INS/OUTS operation: the check heads the
     * instruction; the host CPU and QEMU agree). */
    if (kind == S_INS || kind == S_OUTS) {
        io_check(env, port, size);
    }
    for (;;) {
        if (rep && (env->regs[R_ECX] & amask) == 0) {
            return;
        }
        uint64_t si = env->regs[R_ESI] & amask, di = env->regs[R_EDI] & amask;
        uint64_t a, b, la;
        bool zf = false;

        switch (kind) {
        case S_MOVS:
            a = ld_size(env, seg_linear(env, src_seg, si, size, ACC_READ), size);
            st_size(env, seg_linear(env, R_ES, di, size, ACC_WRITE), size, a);
            reg_write_inline(env, R_ESI, as, si + step);
            reg_write_inline(env, R_EDI, as, di + step);
            break;
        case S_CMPS:
            /* Compares [src] - [ES:rDI] (first operand minus second).
             * ES:rDI is read first: when both operands fault, the host
             * (and QEMU's gen_cmps) report the rDI one. */
            b = ld_size(env, seg_linear(env, R_ES, di, size, ACC_READ), size);
            a = ld_size(env, seg_linear(env, src_seg, si, size, ACC_READ), size);
            reg_write_inline(env, R_ESI, as, si + step);
            reg_write_inline(env, R_EDI, as, di + step);
            set_cc(env, CC_OP_SUBB, size, a - b, b, 0);
            zf = ((a - b) & size_mask(size)) == 0;   /* the ZF of that state */
            break;
        case S_STOS:
            st_size(env, seg_linear(env, R_ES, di, size, ACC_WRITE), size,
                    reg_read_inline(env, R_EAX, size));
            reg_write_inline(env, R_EDI, as, di + step);
            break;
        case S_LODS:
            a = ld_size(env, seg_linear(env, src_seg, si, size, ACC_READ), size);
            reg_write_inline(env, R_EAX, size, a);
            reg_write_inline(env, R_ESI, as, si + step);
            break;
        case S_SCAS:
            a = reg_read_inline(env, R_EAX, size);
            b = ld_size(env, seg_linear(env, R_ES, di, size, ACC_READ), size);
            reg_write_inline(env, R_EDI, as, di + step);
            set_cc(env, CC_OP_SUBB, size, a - b, b, 0);
            zf = ((a - b) & size_mask(size)) == 0;
            break;
        case S_INS:
            /* Check the destination before reading the port: a port read
             * may have side effects that must not happen twice. */
            la = seg_linear(env, R_ES, di, size, ACC_WRITE);
            mem_probe_write(env, la, size);
            st_size(env, la, size, cpu_io_read(env, port, size));
            reg_write_inline(env, R_EDI, as, di + step);
            break;
        default: /* S_OUTS */
            a = ld_size(env, seg_linear(env, src_seg, si, size, ACC_READ), size);
            cpu_io_write(env, port, a, size);
            reg_write_inline(env, R_ESI, as, si + step);
            break;
        }
        if (!rep) {
            return;
        }
        uint64_t cx = (env->regs[R_ECX] - 1) & amask;
        reg_write_inline(env, R_ECX, as, cx);
        if (cmp) {
            /* REPE stops on ZF = 0, REPNE on ZF = 1. */
            if ((insn->prefix & PFX_REPNE) ? zf : !zf) {
                return;
            }
        }
        if (cx == 0) {
            return;
        }
        if (++n >= STRING_BATCH) {
            env->next_rip = env->rip;
            return;
        }
    }
}

void op_MOVS(CPUX86State *env, const Insn *insn)
{
    string_op(env, insn, S_MOVS);
}

void op_CMPS(CPUX86State *env, const Insn *insn)
{
    string_op(env, insn, S_CMPS);
}

void op_STOS(CPUX86State *env, const Insn *insn)
{
    string_op(env, insn, S_STOS);
}

void op_LODS(CPUX86State *env, const Insn *insn)
{
    string_op(env, insn, S_LODS);
}

void op_SCAS(CPUX86State *env, const Insn *insn)
{
    string_op(env, insn, S_SCAS);
}

void op_INS(CPUX86State *env, const Insn *insn)
{
    string_op(env, insn, S_INS);
}

void op_OUTS(CPUX86State *env, const Insn *insn)
{
    string_op(env, insn, S_OUTS);
}

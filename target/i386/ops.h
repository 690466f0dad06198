/*
 * target/i386/ops.h - instruction semantics: the handler of each operation
 * and the operand/stack helpers they share.
 *
 * Execution contract (the interpreter in accel/tcg and, later, the JIT's
 * slow path):
 *   env->rip      = address of the instruction (faults report this)
 *   env->next_rip = env->rip + insn->len, set by the caller
 *   insn_handlers[insn->op](env, insn);
 *   env->rip      = env->next_rip
 * Branch handlers store their target in env->next_rip.  A handler that
 * must be re-executed (a REP string op that yields to interrupts after a
 * batch of iterations) sets env->next_rip = env->rip.  Exceptions leave the
 * handler through cpu_raise_exception*() (a longjmp), with env->rip still at
 * the faulting instruction; software interrupts use next_rip as the return
 * address.
 */
#ifndef TARGET_I386_OPS_H
#define TARGET_I386_OPS_H

#include "target/i386/cpu.h"
#include "target/i386/insn.h"

typedef void (*InsnHandler)(CPUX86State *env, const Insn *insn);

#define INSN(id, mnemonic, flags) void op_##id(CPUX86State *env, const Insn *insn);
#include "target/i386/insn.def"
#undef INSN

extern const InsnHandler insn_handlers[OP_NB];

/* Execution fast paths (target/i386/ops_fast.c).  When a block is built,
 * insn_exec_prepare() picks for each instruction the handler to run:
 * a specialised form of insn_handlers[op] for the hottest operand shapes
 * (register/immediate ALU operations of one size, Jcc, shifts by an
 * immediate...) or insn_handlers[op] itself, stored as Insn.xop, an index
 * into insn_exec_handlers[].  A specialised handler computes exactly what
 * the generic one does (same registers, memory, lazy-flag state), so
 * either may run an instruction.  Insn.xflags says which checks the
 * caller must make around it (zero for the common case: none). */
#define IX_PRIV  0x01   /* IF_PRIV: #GP(0) unless CPL 0 */
#define IX_STOP  0x02   /* may yield (REP string) or halt (IF_ENDBLK): test after it */
#define IX_JUMP  0x04   /* may change next_rip (IF_BRANCH, IF_ENDBLK, IF_STRING).
                         * Rule for handlers: no other operation writes
                         * next_rip, so without IX_* bits the caller may
                         * take rip + len as the next RIP without reading
                         * next_rip back. */
extern const InsnHandler insn_exec_handlers[];
void insn_exec_prepare(Insn *insn);

/* ---- operand access (target/i386/operand.c) ---- */
/* Offset of the memory operand within its segment (base + index*scale +
 * disp, RIP-relative resolved, truncated to the address size). */
uint64_t insn_ea(const CPUX86State *env, const Insn *insn);
/* Linear address of the memory operand for an access of size bytes, with
 * segment limit/canonical checks. */
uint64_t insn_mem_linear(CPUX86State *env, const Insn *insn, unsigned size, int access);
/* Read operand n, zero-extended to 64 bits. */
uint64_t insn_get_op(CPUX86State *env, const Insn *insn, int n);
/* Write operand n; a 4-byte register write zero-extends to 64 bits, 1- and
 * 2-byte writes preserve the rest of the register (SDM Vol.1 3.4.1.1). */
void insn_set_op(CPUX86State *env, const Insn *insn, int n, uint64_t value);

/* Register helpers by size */
uint64_t reg_read(const CPUX86State *env, int reg, unsigned size);
void reg_write(CPUX86State *env, int reg, unsigned size, uint64_t value);

/* ---- stack (operand.c): push/pop with the stack address size from SS ---- */
void cpu_push(CPUX86State *env, uint64_t value, unsigned size);
uint64_t cpu_pop(CPUX86State *env, unsigned size);

/* Sign-extend / mask helpers */
static inline uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}
static inline int64_t sext(uint64_t v, unsigned size)
{
    unsigned sh = 64 - size * 8;
    return (int64_t)(v << sh) >> sh;
}

/* Lazy flags: record an arithmetic result (target/i386/flags.c) */
static inline void set_cc(CPUX86State *env, int cc_op_base, unsigned size,
                          uint64_t dst, uint64_t src, uint64_t src2)
{
    static const uint8_t size_index[9] = {0, 0, 1, 0, 2, 0, 0, 0, 3};
    env->cc_op = (uint32_t)(cc_op_base + size_index[size]);
    env->cc_dst = dst;
    env->cc_src = src;
    env->cc_src2 = src2;
}

#endif

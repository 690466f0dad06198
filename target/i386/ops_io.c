/*
 * target/i386/ops_io.c - IN/OUT and the I/O permission check.
 *
 * Design: SDM Vol.1 19.5: in protected mode with CPL > IOPL, and always in
 * virtual-8086 mode, an access to ports port..port+size-1 is allowed only
 * if all their bits in the TSS I/O permission bitmap are 0.  The bitmap
 * starts at the 16-bit offset stored at TSS+0x66; bits beyond the TSS
 * limit count as 1.  A 16-bit TSS has no bitmap.  The TSS is read with
 * supervisor rights (cpu_*_kernel).  Denial is #GP(0).
 */
#include "target/i386/ops_internal.h"

void io_check(CPUX86State *env, uint16_t port, unsigned size)
{
    if (!prot_mode(env)) {
        return;
    }
    if (!v86_mode(env) && env->cpl <= cur_iopl(env)) {
        return;
    }
    /* TR must hold an (available or busy) 32/64-bit TSS: types 9 and 11. */
    unsigned type = (env->tr.flags >> DESC_TYPE_SHIFT) & 15;
    if ((type & ~2u) != 9 || env->tr.limit < 0x67) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    uint32_t off = cpu_lduw_kernel(env, env->tr.base + 0x66);
    off += port >> 3;
    /* Two bytes are read: the ports may straddle a byte boundary. */
    if ((uint64_t)off + 1 > env->tr.limit) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    uint16_t map = cpu_lduw_kernel(env, env->tr.base + off);
    if ((map >> (port & 7)) & ((1u << size) - 1)) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
}

/* IN: ops[0] = AL/AX/EAX, ops[1] = imm8 port or DX. */
void op_IN(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 0);
    uint16_t port = (uint16_t)insn_get_op(env, insn, 1);

    io_check(env, port, size);
    reg_write(env, R_EAX, size, cpu_io_read(env, port, size));
}

/* OUT: ops[0] = imm8 port or DX, ops[1] = AL/AX/EAX. */
void op_OUT(CPUX86State *env, const Insn *insn)
{
    unsigned size = op_size(insn, 1);
    uint16_t port = (uint16_t)insn_get_op(env, insn, 0);

    io_check(env, port, size);
    cpu_io_write(env, port, reg_read(env, R_EAX, size), size);
}

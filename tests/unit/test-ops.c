/*
 * tests/unit/test-ops.c - handler semantics that involve memory, the
 * stack, control flow, strings, port I/O and privilege checks, run on a
 * real CPU model (cpu.c, mmu.c, seg.c, excp.c) over 2 MiB of RAM.
 *
 * Design: each test puts the CPU in real mode, flat 32-bit protected mode
 * or 64-bit mode (identity-mapped first 2 MiB with one large page; the
 * next 2 MiB are unmapped so faults can be provoked), builds Insns by hand
 * and runs them through insn_handlers[] the way the execution loop does
 * (next_rip = rip + len; rip = next_rip afterwards; exceptions longjmp).
 * Expected values are worked out from the SDM operation sections.
 */
#include <glib.h>
#include <setjmp.h>
#include <string.h>

#include "hw/machine.h"
#include "target/i386/ops.h"

#define RAM_SIZE (2u << 20)

static uint8_t *ram;
static Machine machine;
static X86CPU cpu;
static CPUX86State *env = &cpu.env;

/* A port device recording the last access */
static uint64_t io_last_val, io_last_port;
static unsigned io_nr_writes, io_nr_reads;

static uint64_t io_read(void *opaque, uint64_t off, unsigned size)
{
    io_nr_reads++;
    io_last_port = 0x80 + off;
    return 0x11223344u & ((1ull << (size * 8)) - 1);
}

static void io_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    io_nr_writes++;
    io_last_port = 0x80 + off;
    io_last_val = v;
}

static const MemoryOps io_ops = { io_read, io_write, 1, 4 };

static void machine_setup(void)
{
    static bool done;
    if (!done) {
        ram = g_malloc0(RAM_SIZE);
        as_init(&machine.mem.mmio, "mmio");
        as_init(&machine.io, "io");
        phys_add_slot(&machine.mem, 0, RAM_SIZE, ram, false, "ram");
        as_map(&machine.io, 0x80, 4, &io_ops, NULL, "testport");
        machine.ram = ram;
        machine.ram_size = RAM_SIZE;
        cpu_x86_init(&cpu, &machine, 0);
        done = true;
    }
    memset(ram, 0, RAM_SIZE);
    /* Reset (not init) keeps the CPU's software TLB allocation. */
    cpu_x86_reset(&cpu);
}

static void set_flat(int seg, bool code, bool big, int dpl)
{
    SegmentCache *s = &env->segs[seg];
    s->selector = (seg + 1) * 8 | dpl;
    s->base = 0;
    s->limit = 0xffffffffu;
    s->flags = DESC_P_MASK | DESC_S_MASK | DESC_A_MASK | DESC_G_MASK |
               (big ? DESC_B_MASK : 0) | ((uint32_t)dpl << DESC_DPL_SHIFT) |
               (code ? DESC_CS_MASK | DESC_R_MASK : DESC_W_MASK);
}

static void mode_real(void)
{
    machine_setup();
    for (int i = 0; i < NR_SEGS; i++) {
        cpu_load_seg_real(env, i, 0);
    }
    env->rip = 0x100;
    cpu_update_mode(env);
    g_assert_cmpint(env->code_bits, ==, 16);
}

static void mode_pm32(int cpl)
{
    machine_setup();
    env->cr[0] |= CR0_PE;
    for (int i = 0; i < NR_SEGS; i++) {
        set_flat(i, i == R_CS, true, cpl);
    }
    env->rip = 0x1000;
    cpu_update_mode(env);
    g_assert_cmpint(env->code_bits, ==, 32);
    g_assert_cmpint(env->cpl, ==, cpl);
}

static void mode_64(void)
{
    machine_setup();
    uint64_t *pml4 = (uint64_t *)(ram + 0x1000);
    uint64_t *pdpt = (uint64_t *)(ram + 0x2000);
    uint64_t *pd = (uint64_t *)(ram + 0x3000);
    pml4[0] = 0x2000 | 7;
    pdpt[0] = 0x3000 | 7;
    pd[0] = 0x0 | 7 | 0x80; /* 2 MiB page; pd[1] stays not present */
    env->cr[3] = 0x1000;
    env->cr[4] |= CR4_PAE;
    env->efer = EFER_LME | EFER_LMA;
    env->cr[0] |= CR0_PE | CR0_PG;
    for (int i = 0; i < NR_SEGS; i++) {
        set_flat(i, i == R_CS, i != R_CS, 0);
    }
    env->segs[R_CS].flags |= DESC_L_MASK;
    env->rip = 0x10000;
    mmu_tlb_flush(env);
    cpu_update_mode(env);
    g_assert_cmpint(env->code_bits, ==, 64);
}

/* ---- Insn builders ---- */

static Insn mk(int op, unsigned opsize, unsigned addrsize)
{
    Insn in;
    memset(&in, 0, sizeof(in));
    in.op = op;
    in.opsize = opsize;
    in.addrsize = addrsize;
    in.len = 2;
    in.seg = SEG_NONE;
    in.mem.base = in.mem.index = REG_NONE;
    return in;
}

static void o_reg(Insn *in, int n, int reg, unsigned size)
{
    in->ops[n] = (InsnOperand){ OPK_REG, size, reg };
    if (in->nr_ops < n + 1) {
        in->nr_ops = n + 1;
    }
}

static void o_imm(Insn *in, int n, unsigned size, int64_t imm)
{
    in->ops[n] = (InsnOperand){ OPK_IMM, size, 0 };
    in->imm = imm;
    if (in->nr_ops < n + 1) {
        in->nr_ops = n + 1;
    }
}

static void o_mem(Insn *in, int n, unsigned size, int base, int64_t disp)
{
    in->ops[n] = (InsnOperand){ OPK_MEM, size, 0 };
    in->mem.base = base;
    in->mem.disp = disp;
    in->mem.scale = 1;
    if (in->seg == SEG_NONE) {
        in->seg = (base == R_ESP || base == R_EBP) ? R_SS : R_DS;
    }
    if (in->nr_ops < n + 1) {
        in->nr_ops = n + 1;
    }
}

/* Execute as the interpreter loop does; returns the exception or -1. */
static int run(const Insn *in)
{
    env->next_rip = env->rip + in->len;
    env->exception_index = -1;
    if (setjmp(env->jmp_env)) {
        return env->exception_index;
    }
    insn_handlers[in->op](env, in);
    env->rip = env->next_rip;
    return -1;
}

static uint64_t rd(uint64_t a, unsigned size)
{
    uint64_t v = 0;
    memcpy(&v, ram + a, size);
    return v;
}

static void wr(uint64_t a, uint64_t v, unsigned size)
{
    memcpy(ram + a, &v, size);
}

/* ---- stack ---- */

static void test_push_pop_64(void)
{
    mode_64();
    env->regs[R_ESP] = 0x8000;
    env->regs[R_EBX] = 0x1122334455667788ull;
    Insn in = mk(OP_PUSH, 8, 8);
    o_reg(&in, 0, R_EBX, 8);
    g_assert_cmpint(run(&in), ==, -1);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x7ff8);
    g_assert_cmphex(rd(0x7ff8, 8), ==, 0x1122334455667788ull);

    /* PUSH imm8 sign-extended to 64 bits */
    in = mk(OP_PUSH, 8, 8);
    o_imm(&in, 0, 8, -2);
    run(&in);
    g_assert_cmphex(rd(0x7ff0, 8), ==, (uint64_t)-2);

    /* PUSH RSP pushes the old value */
    in = mk(OP_PUSH, 8, 8);
    o_reg(&in, 0, R_ESP, 8);
    run(&in);
    g_assert_cmphex(rd(0x7fe8, 8), ==, 0x7ff0);

    /* 16-bit push in 64-bit mode (66 prefix) */
    in = mk(OP_PUSH, 2, 8);
    o_reg(&in, 0, R_EBX, 2);
    run(&in);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x7fe6);
    g_assert_cmphex(rd(0x7fe6, 2), ==, 0x7788);

    /* POP [RSP+6]: the address uses RSP after the increment (SDM POP) */
    wr(0x7fe6, 0xabcd, 2);
    in = mk(OP_POP, 2, 8);
    o_mem(&in, 0, 2, R_ESP, 6);
    g_assert_cmpint(run(&in), ==, -1);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x7fe8);
    g_assert_cmphex(rd(0x7fe8 + 6, 2), ==, 0xabcd);

    /* POP RSP: the popped value wins */
    wr(0x7fe8, 0x5000, 8);
    in = mk(OP_POP, 8, 8);
    o_reg(&in, 0, R_ESP, 8);
    run(&in);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x5000);

    /* A push into the unmapped page faults and leaves RSP alone */
    env->regs[R_ESP] = RAM_SIZE + 0x1000;
    in = mk(OP_PUSH, 8, 8);
    o_reg(&in, 0, R_EBX, 8);
    g_assert_cmpint(run(&in), ==, EXCP_PF);
    g_assert_cmphex(env->regs[R_ESP], ==, RAM_SIZE + 0x1000);
    /* Non-canonical stack: #SS */
    env->regs[R_ESP] = 0x0000800000000008ull;
    g_assert_cmpint(run(&in), ==, EXCP_SS);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x0000800000000008ull);
}

static void test_stack_16bit_wrap(void)
{
    mode_real();
    cpu_load_seg_real(env, R_SS, 0x1000);
    env->regs[R_ESP] = 0xdead0000; /* SP = 0: only SP changes */
    env->regs[R_EAX] = 0xbeef;
    Insn in = mk(OP_PUSH, 2, 2);
    o_reg(&in, 0, R_EAX, 2);
    g_assert_cmpint(run(&in), ==, -1);
    g_assert_cmphex(env->regs[R_ESP], ==, 0xdeadfffe);
    g_assert_cmphex(rd(0x10000 + 0xfffe, 2), ==, 0xbeef);
    in = mk(OP_POP, 2, 2);
    o_reg(&in, 0, R_ECX, 2);
    run(&in);
    g_assert_cmphex(env->regs[R_ESP], ==, 0xdead0000);
    g_assert_cmphex(env->regs[R_ECX] & 0xffff, ==, 0xbeef);
}

static void test_pusha_popa(void)
{
    mode_pm32(0);
    for (int i = 0; i < 8; i++) {
        env->regs[i] = 0x1000 * (i + 1) + i;
    }
    env->regs[R_ESP] = 0x9000;
    Insn in = mk(OP_PUSHA, 4, 4);
    run(&in);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x9000 - 32);
    /* EDI at the lowest address, EAX at the highest; ESP slot = 0x9000 */
    g_assert_cmphex(rd(0x9000 - 4, 4), ==, env->regs[R_EAX]);
    g_assert_cmphex(rd(0x9000 - 20, 4), ==, 0x9000);
    g_assert_cmphex(rd(0x9000 - 32, 4), ==, env->regs[R_EDI]);
    wr(0x9000 - 20, 0x12345678, 4); /* ignored by POPA */
    for (int i = 0; i < 8; i++) {
        if (i != R_ESP) {
            env->regs[i] = 0;
        }
    }
    in = mk(OP_POPA, 4, 4);
    run(&in);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x9000);
    for (int i = 0; i < 8; i++) {
        if (i != R_ESP) {
            g_assert_cmphex(env->regs[i], ==, 0x1000 * (i + 1) + i);
        }
    }
}

static void test_pushf_popf(void)
{
    /* CPL 0: IOPL and IF change; VM/RF never; the pushed image has RF=0 */
    mode_pm32(0);
    env->regs[R_ESP] = 0x9000;
    cpu_set_eflags(env, RF_MASK | CC_C, RF_MASK | CC_C);
    Insn in = mk(OP_PUSHF, 4, 4);
    run(&in);
    g_assert_cmphex(rd(0x8ffc, 4), ==, EFLAGS_FIXED1 | CC_C);
    wr(0x8ffc, IOPL_MASK | IF_MASK | VM_MASK | RF_MASK | CC_Z | DF_MASK | AC_MASK, 4);
    in = mk(OP_POPF, 4, 4);
    run(&in);
    g_assert_cmphex(cpu_get_eflags(env), ==,
                    EFLAGS_FIXED1 | IOPL_MASK | IF_MASK | CC_Z | DF_MASK | AC_MASK);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x9000);

    /* CPL 3, IOPL 0: IF and IOPL unchanged, the rest loads */
    mode_pm32(3);
    env->regs[R_ESP] = 0x9000;
    cpu_set_eflags(env, IF_MASK, ~0ull);
    wr(0x9000, IOPL_MASK | CC_S | CC_O | TF_MASK, 4);
    run(&in);
    g_assert_cmphex(cpu_get_eflags(env), ==, EFLAGS_FIXED1 | IF_MASK | CC_S | CC_O | TF_MASK);

    /* CPL 3, IOPL 3: IF changes, IOPL does not */
    mode_pm32(3);
    env->regs[R_ESP] = 0x9000;
    cpu_set_eflags(env, IF_MASK | IOPL_MASK, ~0ull);
    wr(0x9000, 0, 4);
    run(&in);
    g_assert_cmphex(cpu_get_eflags(env), ==, EFLAGS_FIXED1 | IOPL_MASK);

    /* 16-bit POPF touches only the low word */
    mode_pm32(0);
    env->regs[R_ESP] = 0x9000;
    cpu_set_eflags(env, AC_MASK, ~0ull);
    wr(0x9000, 0xffff, 2);
    in = mk(OP_POPF, 2, 4);
    run(&in);
    g_assert_cmphex(cpu_get_eflags(env), ==, AC_MASK | 0x7fd7);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x9002);
}

static void test_enter_leave(void)
{
    mode_pm32(0);
    env->regs[R_ESP] = 0x9000;
    env->regs[R_EBP] = 0x9100;
    wr(0x9100 - 4, 0xaaaa, 4);
    wr(0x9100 - 8, 0xbbbb, 4);
    Insn in = mk(OP_ENTER, 4, 4);
    in.imm = 0x20;
    in.imm2 = 3;
    g_assert_cmpint(run(&in), ==, -1);
    /* push EBP; copy 2 outer frame pointers; push the frame; sub 0x20 */
    g_assert_cmphex(rd(0x8ffc, 4), ==, 0x9100);
    g_assert_cmphex(rd(0x8ff8, 4), ==, 0xaaaa);
    g_assert_cmphex(rd(0x8ff4, 4), ==, 0xbbbb);
    g_assert_cmphex(rd(0x8ff0, 4), ==, 0x8ffc);
    g_assert_cmphex(env->regs[R_EBP], ==, 0x8ffc);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x8ff0 - 0x20);
    in = mk(OP_LEAVE, 4, 4);
    run(&in);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x9000);
    g_assert_cmphex(env->regs[R_EBP], ==, 0x9100);

    /* level 0 in 64-bit mode */
    mode_64();
    env->regs[R_ESP] = 0x9000;
    env->regs[R_EBP] = 0x123456789ull;
    in = mk(OP_ENTER, 8, 8);
    in.imm = 0x10;
    in.imm2 = 0;
    run(&in);
    g_assert_cmphex(rd(0x8ff8, 8), ==, 0x123456789ull);
    g_assert_cmphex(env->regs[R_EBP], ==, 0x8ff8);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x8fe8);
}

static void test_push_pop_seg(void)
{
    mode_real();
    env->regs[R_ESP] = 0x1000;
    cpu_load_seg_real(env, R_DS, 0x1234);
    Insn in = mk(OP_PUSH_SEG, 2, 2);
    in.ops[0] = (InsnOperand){ OPK_SREG, 2, R_DS };
    in.nr_ops = 1;
    run(&in);
    g_assert_cmphex(rd(0xffe, 2), ==, 0x1234);
    wr(0xffe, 0x2000, 2);
    in = mk(OP_POP_SEG, 2, 2);
    in.ops[0] = (InsnOperand){ OPK_SREG, 2, R_SS };
    in.nr_ops = 1;
    env->inhibit_irq = false;
    run(&in);
    g_assert_cmphex(env->segs[R_SS].selector, ==, 0x2000);
    g_assert_cmphex(env->segs[R_SS].base, ==, 0x20000);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x1000);
    g_assert_true(env->inhibit_irq);
}

/* ---- control flow ---- */

static void test_near_branches(void)
{
    /* 16-bit: IP wraps */
    mode_real();
    env->rip = 0xfff0;
    Insn in = mk(OP_JMP, 2, 2);
    o_imm(&in, 0, 2, 0x20);
    run(&in);
    g_assert_cmphex(env->rip, ==, (0xfff2 + 0x20) & 0xffff);

    /* CALL rel / RET imm in 32-bit mode */
    mode_pm32(0);
    env->rip = 0x1000;
    env->regs[R_ESP] = 0x9000;
    in = mk(OP_CALL, 4, 4);
    in.len = 5;
    o_imm(&in, 0, 4, 0x100);
    run(&in);
    g_assert_cmphex(env->rip, ==, 0x1105);
    g_assert_cmphex(rd(0x8ffc, 4), ==, 0x1005);
    in = mk(OP_RET, 4, 4);
    in.imm = 8;
    run(&in);
    g_assert_cmphex(env->rip, ==, 0x1005);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x9008);

    /* Target beyond the CS limit: #GP(0), nothing pushed */
    env->segs[R_CS].limit = 0x1fff;
    env->rip = 0x1000;
    in = mk(OP_CALL, 4, 4);
    o_imm(&in, 0, 4, 0x2000);
    g_assert_cmpint(run(&in), ==, EXCP_GP);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x9008);
    g_assert_cmphex(env->rip, ==, 0x1000);

    /* 64-bit: indirect through a register, non-canonical -> #GP */
    mode_64();
    env->regs[R_ESP] = 0x9000;
    env->regs[R_EAX] = 0x0000800000000000ull;
    in = mk(OP_CALL, 8, 8);
    o_reg(&in, 0, R_EAX, 8);
    g_assert_cmpint(run(&in), ==, EXCP_GP);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x9000);
    env->regs[R_EAX] = 0xffff800000000000ull;
    g_assert_cmpint(run(&in), ==, -1);
    g_assert_cmphex(env->rip, ==, 0xffff800000000000ull);
    g_assert_cmphex(rd(0x8ff8, 8), ==, 0x10002);

    /* Jcc taken / not taken */
    env->rip = 0x10000;
    cpu_set_eflags(env, CC_Z, CC_MASK);
    in = mk(OP_JCC, 8, 8);
    in.cond = 4; /* JE */
    o_imm(&in, 0, 8, -0x10);
    run(&in);
    g_assert_cmphex(env->rip, ==, 0x10002 - 0x10);
    in.cond = 5;
    run(&in);
    g_assert_cmphex(env->rip, ==, 0x10002 - 0x10 + 2);
}

static void test_loops(void)
{
    mode_64();
    env->rip = 0x10000;
    /* LOOP with a 32-bit counter (67 prefix): ECX, zero-extended */
    env->regs[R_ECX] = 0xffffffff00000002ull;
    Insn in = mk(OP_LOOP, 8, 4);
    o_imm(&in, 0, 1, -2);
    run(&in);
    g_assert_cmphex(env->regs[R_ECX], ==, 1);
    g_assert_cmphex(env->rip, ==, 0x10000);
    run(&in);
    g_assert_cmphex(env->regs[R_ECX], ==, 0);
    g_assert_cmphex(env->rip, ==, 0x10002);

    /* LOOPE stops when ZF = 0 */
    env->regs[R_ECX] = 5;
    cpu_set_eflags(env, 0, CC_MASK);
    in = mk(OP_LOOPE, 8, 8);
    o_imm(&in, 0, 1, 0x40);
    env->rip = 0x10000;
    run(&in);
    g_assert_cmphex(env->regs[R_ECX], ==, 4);
    g_assert_cmphex(env->rip, ==, 0x10002);
    in.op = OP_LOOPNE;
    env->rip = 0x10000;
    run(&in);
    g_assert_cmphex(env->rip, ==, 0x10042);

    /* JCXZ with a 16-bit counter in real mode */
    mode_real();
    env->rip = 0x200;
    env->regs[R_ECX] = 0x10000;
    in = mk(OP_JCXZ, 2, 2);
    o_imm(&in, 0, 1, 0x10);
    run(&in);
    g_assert_cmphex(env->rip, ==, 0x212);
}

/* ---- memory operands ---- */

static void test_bt_memory(void)
{
    mode_pm32(0);
    env->regs[R_EBX] = 0x5000;
    /* BTS dword [ebx], reg = -1: bit 31 of the dword at ebx-4 */
    env->regs[R_ECX] = 0xffffffff;
    Insn in = mk(OP_BTS, 4, 4);
    o_mem(&in, 0, 4, R_EBX, 0);
    o_reg(&in, 1, R_ECX, 4);
    run(&in);
    g_assert_cmphex(rd(0x4ffc, 4), ==, 0x80000000u);
    g_assert_false(cpu_get_eflags(env) & CC_C);
    run(&in);
    g_assert_true(cpu_get_eflags(env) & CC_C);
    /* BT word [ebx], 35: bit 3 of the word at ebx+4 */
    env->regs[R_ECX] = 35;
    wr(0x5004, 0x8, 2);
    in = mk(OP_BT, 2, 4);
    o_mem(&in, 0, 2, R_EBX, 0);
    o_reg(&in, 1, R_ECX, 2);
    run(&in);
    g_assert_true(cpu_get_eflags(env) & CC_C);
    /* An immediate offset is taken modulo the operand size */
    in = mk(OP_BTC, 2, 4);
    o_mem(&in, 0, 2, R_EBX, 0);
    o_imm(&in, 1, 1, 17);
    wr(0x5000, 0, 4);
    run(&in);
    g_assert_cmphex(rd(0x5000, 4), ==, 2);
}

static void test_cmpxchg_mem(void)
{
    mode_64();
    env->regs[R_EBX] = 0x6000;
    wr(0x6000, 0x1111222233334444ull, 8);
    env->regs[R_EAX] = 0x33334444;
    env->regs[R_EDX] = 0x11112222;
    env->regs[R_ECX] = 0xaaaa;
    env->regs[R_EBX] = 0xbbbb;
    Insn in = mk(OP_CMPXCHG8B, 8, 8);
    o_mem(&in, 0, 8, R_ESI, 0);
    env->regs[R_ESI] = 0x6000;
    run(&in);
    g_assert_true(cpu_get_eflags(env) & CC_Z);
    g_assert_cmphex(rd(0x6000, 8), ==, 0x0000aaaa0000bbbbull);
    run(&in); /* now differs: EDX:EAX loaded */
    g_assert_false(cpu_get_eflags(env) & CC_Z);
    g_assert_cmphex(env->regs[R_EAX], ==, 0xbbbb);
    g_assert_cmphex(env->regs[R_EDX], ==, 0xaaaa);

    /* CMPXCHG16B: alignment */
    in = mk(OP_CMPXCHG8B, 8, 8);
    in.rex = 0x48;
    o_mem(&in, 0, 16, R_ESI, 8);
    g_assert_cmpint(run(&in), ==, EXCP_GP);
    o_mem(&in, 0, 16, R_ESI, 16);
    wr(0x6010, 1, 8);
    wr(0x6018, 2, 8);
    env->regs[R_EAX] = 1;
    env->regs[R_EDX] = 2;
    env->regs[R_EBX] = 3;
    env->regs[R_ECX] = 4;
    g_assert_cmpint(run(&in), ==, -1);
    g_assert_true(cpu_get_eflags(env) & CC_Z);
    g_assert_cmphex(rd(0x6010, 8), ==, 3);
    g_assert_cmphex(rd(0x6018, 8), ==, 4);

    /* CMPXCHG with memory: the destination is written even on failure;
     * the accumulator gets the old value */
    wr(0x6100, 0x55, 4);
    env->regs[R_EAX] = 0xffffffff00000054ull;
    env->regs[R_ECX] = 0x99;
    in = mk(OP_CMPXCHG, 4, 8);
    o_mem(&in, 0, 4, R_ESI, 0x100);
    o_reg(&in, 1, R_ECX, 4);
    run(&in);
    g_assert_cmphex(env->regs[R_EAX], ==, 0x55);
    g_assert_cmphex(rd(0x6100, 4), ==, 0x55);
    run(&in);
    g_assert_cmphex(rd(0x6100, 4), ==, 0x99);

    /* XADD and XCHG with memory */
    env->regs[R_EDX] = 5;
    in = mk(OP_XADD, 4, 8);
    o_mem(&in, 0, 4, R_ESI, 0x100);
    o_reg(&in, 1, R_EDX, 4);
    run(&in);
    g_assert_cmphex(rd(0x6100, 4), ==, 0x9e);
    g_assert_cmphex(env->regs[R_EDX], ==, 0x99);
    in.op = OP_XCHG;
    run(&in);
    g_assert_cmphex(rd(0x6100, 4), ==, 0x99);
    g_assert_cmphex(env->regs[R_EDX], ==, 0x9e);
}

/* 64-bit mode with 4 KiB pages at 2 MiB: 0x200000 writable (-> 0x10000),
 * 0x201000 not present, 0x202000 read-only (-> 0x12000), 0x203000
 * writable (-> 0x13000); CR0.WP = 1 so that the read-only page also binds
 * CPL 0. */
static void mode_64_small_pages(void)
{
    mode_64();
    uint64_t *pd = (uint64_t *)(ram + 0x3000);
    uint64_t *pt = (uint64_t *)(ram + 0x4000);
    pd[1] = 0x4000 | 7;
    pt[0] = 0x10000 | 7;
    pt[2] = 0x12000 | 5;
    pt[3] = 0x13000 | 7;
    env->cr[0] |= CR0_WP;
    mmu_tlb_flush(env);
}

/* Read-modify-write destinations fault as writes (SDM Vol.3 4.7: the
 * #PF error code has W = 1), although the read comes first: a
 * not-present page gives error code 2, not 0, and a page-crossing operand
 * checks both pages before anything is read (CR2 = start of the second
 * page).  Found by tests/difftest ("read-modify-write mem: #PF error
 * code"). */
static void test_rmw_write_fault(void)
{
    static const struct { int op; int nsrc; } ops[] = {
        { OP_ADD, 1 }, { OP_ADC, 1 }, { OP_SUB, 1 }, { OP_SBB, 1 },
        { OP_AND, 1 }, { OP_OR, 1 }, { OP_XOR, 1 },
        { OP_INC, 0 }, { OP_DEC, 0 }, { OP_NEG, 0 }, { OP_NOT, 0 },
        { OP_ROL, 2 }, { OP_ROR, 2 }, { OP_RCL, 2 }, { OP_RCR, 2 },
        { OP_SHL, 2 }, { OP_SHR, 2 }, { OP_SAR, 2 },
        { OP_SHLD, 3 }, { OP_SHRD, 3 },
        { OP_BTS, 1 }, { OP_BTR, 1 }, { OP_BTC, 1 },
        { OP_BTS, 2 }, { OP_BTR, 2 }, { OP_BTC, 2 },
        { OP_XCHG, 1 }, { OP_XADD, 1 }, { OP_CMPXCHG, 1 },
        { OP_CMPXCHG8B, 0 },
    };
    /* dest address, expected CR2 */
    static const uint64_t where[][2] = {
        { 0x201000, 0x201000 },   /* not present */
        { 0x200ffe, 0x201000 },   /* writable page, then not present */
    };

    for (unsigned w = 0; w < 2; w++) {
        for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
            mode_64_small_pages();
            wr(0x10ffc, 0x12345678, 4);
            env->regs[R_EBX] = where[w][0];
            env->regs[R_ECX] = 1;
            unsigned size = ops[i].op == OP_CMPXCHG8B ? 8 : 4;
            Insn in = mk(ops[i].op, size, 8);
            o_mem(&in, 0, size, R_EBX, 0);
            if (ops[i].nsrc == 1) {
                o_reg(&in, 1, R_ECX, 4);
            } else if (ops[i].nsrc == 2) {
                o_imm(&in, 1, 1, 1);
            } else if (ops[i].nsrc == 3) {
                o_reg(&in, 1, R_ECX, 4);
                o_imm(&in, 2, 1, 1);
            }
            g_assert_cmpint(run(&in), ==, EXCP_PF);
            /* W = 1 and P = 0: the fault is on the not-present page */
            g_assert_cmphex(env->error_code, ==, 2);
            g_assert_cmphex(env->cr[2], ==, where[w][1]);
            g_assert_cmphex(rd(0x10ffc, 4), ==, 0x12345678);
            g_assert_cmphex(env->regs[R_ECX], ==, 1);
        }
    }

    /* A read-only page: the write check comes first, so the fault is a
     * protection violation with W = 1 (P | W = 3) and nothing changes. */
    mode_64_small_pages();
    env->regs[R_EBX] = 0x202000;
    Insn in = mk(OP_NOT, 4, 8);
    o_mem(&in, 0, 4, R_EBX, 0);
    g_assert_cmpint(run(&in), ==, EXCP_PF);
    g_assert_cmphex(env->error_code, ==, 3);
    /* A writable page works */
    env->regs[R_EBX] = 0x200010;
    g_assert_cmpint(run(&in), ==, -1);
    g_assert_cmphex(rd(0x10010, 4), ==, 0xffffffffu);
}

/* ENTER probes the new stack bottom (RSP - 8 - size) for writing through
 * paging, not only against the SS limit: a not-present or read-only page
 * there faults with W = 1, CR2 = the new RSP, and RSP/RBP unchanged (as
 * the host does; difftest class "ENTER: fault"). */
static void test_enter_fault(void)
{
    static const struct { uint64_t alloc; uint32_t err; } cases[] = {
        { 0x100, 3 },    /* lands in the read-only page */
        { 0x1100, 2 },   /* lands in the not-present page */
    };
    for (unsigned i = 0; i < 2; i++) {
        mode_64_small_pages();
        env->regs[R_ESP] = 0x203010;
        env->regs[R_EBP] = 0x1234;
        Insn in = mk(OP_ENTER, 8, 8);
        in.imm = cases[i].alloc;
        in.imm2 = 0;
        g_assert_cmpint(run(&in), ==, EXCP_PF);
        g_assert_cmphex(env->error_code, ==, cases[i].err);
        g_assert_cmphex(env->cr[2], ==, 0x203008 - cases[i].alloc);
        g_assert_cmphex(env->regs[R_ESP], ==, 0x203010);
        g_assert_cmphex(env->regs[R_EBP], ==, 0x1234);
    }
}

/* CALL in 64-bit mode: a faulting return-address push (#PF) wins over a
 * non-canonical target (#GP(0)), as on the host (difftest "CALL mem:
 * fault"); with a good stack the #GP(0) leaves RSP alone. */
static void test_call_fault_order(void)
{
    mode_64_small_pages();
    env->regs[R_EAX] = 0x0000800000000000ull;
    env->regs[R_ESP] = 0x201010;
    Insn in = mk(OP_CALL, 8, 8);
    o_reg(&in, 0, R_EAX, 8);
    g_assert_cmpint(run(&in), ==, EXCP_PF);
    g_assert_cmphex(env->error_code, ==, 2);
    g_assert_cmphex(env->cr[2], ==, 0x201008);
    env->regs[R_ESP] = 0x200010;
    g_assert_cmpint(run(&in), ==, EXCP_GP);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x200010);
    env->regs[R_EAX] = 0x5000;
    g_assert_cmpint(run(&in), ==, -1);
    g_assert_cmphex(env->rip, ==, 0x5000);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x200008);
}

/* CLFLUSH: faults like a one-byte read (#PF error code 0); with an F2
 * or F3 prefix 0F AE /7 is undefined: #UD (difftest "CLFLUSH mem:
 * fault"). */
static void test_clflush(void)
{
    mode_64_small_pages();
    env->regs[R_EBX] = 0x201000;
    Insn in = mk(OP_CLFLUSH, 4, 8);
    o_mem(&in, 0, 1, R_EBX, 0);
    g_assert_cmpint(run(&in), ==, EXCP_PF);
    g_assert_cmphex(env->error_code, ==, 0);
    g_assert_cmphex(env->cr[2], ==, 0x201000);
    env->regs[R_EBX] = 0x202000; /* read-only is fine */
    g_assert_cmpint(run(&in), ==, -1);
    in.prefix = PFX_REPNE;
    g_assert_cmpint(run(&in), ==, EXCP_UD);
    in.prefix = PFX_REP;
    g_assert_cmpint(run(&in), ==, EXCP_UD);
}

static void test_lea_movx_xlat(void)
{
    mode_real();
    /* LEA with 16-bit wraparound: [bx+si+disp] */
    env->regs[R_EBX] = 0xfff0;
    env->regs[R_ESI] = 0x20;
    Insn in = mk(OP_LEA, 2, 2);
    o_reg(&in, 0, R_EAX, 2);
    o_mem(&in, 1, 2, R_EBX, 0x5);
    in.mem.index = R_ESI;
    env->regs[R_EAX] = 0xabcd0000;
    run(&in);
    g_assert_cmphex(env->regs[R_EAX], ==, 0xabcd0015);

    /* LEA 32-bit address into a 16-bit register truncates */
    mode_64();
    env->regs[R_EBX] = 0x123456789ull;
    in = mk(OP_LEA, 2, 8);
    o_reg(&in, 0, R_EAX, 2);
    o_mem(&in, 1, 2, R_EBX, 1);
    env->regs[R_EAX] = 0;
    run(&in);
    g_assert_cmphex(env->regs[R_EAX], ==, 0x678a);
    /* RIP-relative */
    in = mk(OP_LEA, 8, 8);
    in.len = 7;
    o_reg(&in, 0, R_EAX, 8);
    o_mem(&in, 1, 8, REG_NONE, 0x100);
    in.mem.rip_rel = true;
    env->rip = 0x10000;
    run(&in);
    g_assert_cmphex(env->regs[R_EAX], ==, 0x10107);

    /* MOVSX from memory, MOVZX */
    wr(0x7000, 0x80, 1);
    env->regs[R_EBX] = 0x7000;
    in = mk(OP_MOVSX, 8, 8);
    o_reg(&in, 0, R_EAX, 8);
    o_mem(&in, 1, 1, R_EBX, 0);
    run(&in);
    g_assert_cmphex(env->regs[R_EAX], ==, 0xffffffffffffff80ull);
    in.op = OP_MOVZX;
    in.ops[0].size = 4;
    run(&in);
    g_assert_cmphex(env->regs[R_EAX], ==, 0x80);

    /* XLAT */
    wr(0x7010, 0x42, 1);
    env->regs[R_EAX] = 0x1110;
    in = mk(OP_XLAT, 1, 8);
    in.seg = R_DS;
    run(&in);
    g_assert_cmphex(env->regs[R_EAX], ==, 0x1142);

    /* MOV r/m16, Sreg to memory stores 2 bytes */
    env->segs[R_FS].selector = 0x1234;
    in = mk(OP_MOV, 4, 8);
    o_mem(&in, 0, 2, R_EBX, 0x20);
    in.ops[1] = (InsnOperand){ OPK_SREG, 2, R_FS };
    in.nr_ops = 2;
    wr(0x7020, 0xffffffff, 4);
    run(&in);
    g_assert_cmphex(rd(0x7020, 4), ==, 0xffff1234);
}

/* ---- strings ---- */

static Insn str_insn(int op, unsigned size, unsigned as, uint8_t prefix)
{
    Insn in = mk(op, size, as);
    in.prefix = prefix;
    in.seg = R_DS;
    return in;
}

static void test_strings(void)
{
    mode_64();
    for (int i = 0; i < 64; i++) {
        ram[0x8000 + i] = i;
    }
    /* REP MOVSB forward */
    env->regs[R_ESI] = 0x8000;
    env->regs[R_EDI] = 0x9000;
    env->regs[R_ECX] = 16;
    Insn in = str_insn(OP_MOVS, 1, 8, PFX_REP);
    g_assert_cmpint(run(&in), ==, -1);
    g_assert_cmpint(memcmp(ram + 0x8000, ram + 0x9000, 16), ==, 0);
    g_assert_cmphex(env->regs[R_ESI], ==, 0x8010);
    g_assert_cmphex(env->regs[R_EDI], ==, 0x9010);
    g_assert_cmphex(env->regs[R_ECX], ==, 0);
    g_assert_cmphex(env->rip, ==, 0x10002);

    /* REP MOVSD backward (DF = 1) */
    env->eflags |= DF_MASK;
    env->regs[R_ESI] = 0x800c;
    env->regs[R_EDI] = 0xa00c;
    env->regs[R_ECX] = 4;
    in = str_insn(OP_MOVS, 4, 8, PFX_REP);
    run(&in);
    g_assert_cmpint(memcmp(ram + 0x8000, ram + 0xa000, 16), ==, 0);
    g_assert_cmphex(env->regs[R_ESI], ==, 0x7ffc);
    env->eflags &= ~DF_MASK;

    /* REPE CMPSB stops after the first difference */
    ram[0x9005] = 0xff;
    env->regs[R_ESI] = 0x8000;
    env->regs[R_EDI] = 0x9000;
    env->regs[R_ECX] = 16;
    in = str_insn(OP_CMPS, 1, 8, PFX_REP);
    run(&in);
    g_assert_cmphex(env->regs[R_ECX], ==, 10);
    g_assert_cmphex(env->regs[R_ESI], ==, 0x8006);
    g_assert_false(cpu_get_eflags(env) & CC_Z);
    g_assert_true(cpu_get_eflags(env) & CC_C); /* 5 - 0xff borrows */

    /* REPNE SCASB finds a byte */
    env->regs[R_EAX] = 0x20;
    env->regs[R_EDI] = 0x8000;
    env->regs[R_ECX] = 100;
    in = str_insn(OP_SCAS, 1, 8, PFX_REPNE);
    run(&in);
    g_assert_cmphex(env->regs[R_EDI], ==, 0x8021);
    g_assert_cmphex(env->regs[R_ECX], ==, 100 - 0x21);
    g_assert_true(cpu_get_eflags(env) & CC_Z);

    /* LODSW without REP, STOSQ with REP and a zero count */
    env->regs[R_ESI] = 0x8002;
    env->regs[R_EAX] = 0xffffffffffffffffull;
    in = str_insn(OP_LODS, 2, 8, 0);
    run(&in);
    g_assert_cmphex(env->regs[R_EAX], ==, 0xffffffffffff0302ull);
    g_assert_cmphex(env->regs[R_ESI], ==, 0x8004);
    env->regs[R_ECX] = 0;
    env->regs[R_EDI] = 0x8000;
    in = str_insn(OP_STOS, 8, 8, PFX_REP);
    run(&in);
    g_assert_cmphex(env->regs[R_EDI], ==, 0x8000);
    g_assert_cmphex(ram[0x8000], ==, 0);

    /* A long REP STOSB yields after a batch and resumes */
    env->regs[R_EAX] = 0xcc;
    env->regs[R_EDI] = 0x20000;
    env->regs[R_ECX] = 10000;
    env->rip = 0x10000;
    in = str_insn(OP_STOS, 1, 8, PFX_REP);
    run(&in);
    g_assert_cmphex(env->rip, ==, 0x10000);
    g_assert_cmphex(env->regs[R_ECX], >, 0);
    int rounds = 1;
    while (env->rip == 0x10000 && rounds < 10) {
        run(&in);
        rounds++;
    }
    g_assert_cmpint(rounds, ==, 3);
    g_assert_cmphex(env->regs[R_ECX], ==, 0);
    g_assert_cmphex(env->regs[R_EDI], ==, 0x20000 + 10000);
    g_assert_cmphex(ram[0x20000 + 9999], ==, 0xcc);
    g_assert_cmphex(ram[0x20000 + 10000], ==, 0);

    /* Fault in the middle: registers describe the iterations done */
    env->regs[R_EDI] = RAM_SIZE - 2;
    env->regs[R_ECX] = 5;
    env->rip = 0x10000;
    g_assert_cmpint(run(&in), ==, EXCP_PF);
    g_assert_cmphex(env->regs[R_EDI], ==, RAM_SIZE);
    g_assert_cmphex(env->regs[R_ECX], ==, 3);
    g_assert_cmphex(env->rip, ==, 0x10000);

    /* CMPS with both operands unmapped faults on ES:rDI first (host
     * order); MOVS on the source first */
    env->regs[R_ESI] = RAM_SIZE + 0x1000;
    env->regs[R_EDI] = RAM_SIZE + 0x2000;
    in = str_insn(OP_CMPS, 1, 4, 0);
    g_assert_cmpint(run(&in), ==, EXCP_PF);
    g_assert_cmphex(env->cr[2], ==, RAM_SIZE + 0x2000);
    in = str_insn(OP_MOVS, 1, 4, 0);
    g_assert_cmpint(run(&in), ==, EXCP_PF);
    g_assert_cmphex(env->cr[2], ==, RAM_SIZE + 0x1000);

    /* 16-bit address size: SI/DI wrap, upper bits kept */
    mode_real();
    cpu_load_seg_real(env, R_ES, 0x2000);
    env->regs[R_ESI] = 0x5555fffe;
    env->regs[R_EDI] = 0x6666fffe;
    env->regs[R_ECX] = 0x77770003;
    wr(0xfffe, 0x0201, 2);
    wr(0x0000, 0x03, 1);
    in = str_insn(OP_MOVS, 1, 2, PFX_REP);
    run(&in);
    g_assert_cmphex(env->regs[R_ESI], ==, 0x55550001);
    g_assert_cmphex(env->regs[R_EDI], ==, 0x66660001);
    g_assert_cmphex(env->regs[R_ECX], ==, 0x77770000);
    g_assert_cmphex(rd(0x2fffe, 2), ==, 0x0201);
    g_assert_cmphex(ram[0x20000], ==, 0x03);

    /* Segment override on the source only */
    cpu_load_seg_real(env, R_FS, 0x3000);
    ram[0x30010] = 0x77;
    env->regs[R_ESI] = 0x10;
    env->regs[R_EDI] = 0x10;
    in = str_insn(OP_MOVS, 1, 2, 0);
    in.seg = R_FS;
    in.prefix |= PFX_SEG;
    run(&in);
    g_assert_cmphex(ram[0x20010], ==, 0x77);
}

/* ---- port I/O and privilege ---- */

static void test_io(void)
{
    /* Real mode: no check */
    mode_real();
    env->regs[R_EAX] = 0x5a;
    Insn out = mk(OP_OUT, 4, 2);
    o_imm(&out, 0, 1, 0x80);
    o_reg(&out, 1, R_EAX, 1);
    io_nr_writes = 0;
    g_assert_cmpint(run(&out), ==, -1);
    g_assert_cmpuint(io_nr_writes, ==, 1);
    g_assert_cmphex(io_last_val, ==, 0x5a);

    Insn in = mk(OP_IN, 4, 2);
    o_reg(&in, 0, R_EAX, 4);
    o_reg(&in, 1, R_EDX, 2);
    env->regs[R_EDX] = 0x80;
    env->regs[R_EAX] = ~0ull;
    run(&in);
    g_assert_cmphex(env->regs[R_EAX], ==, 0x11223344);

    /* CPL 3, IOPL 0: the TSS bitmap decides.  TSS at 0x4000, bitmap at
     * +0x68: port 0x80 allowed, 0x81 denied. */
    mode_pm32(3);
    env->tr.base = 0x4000;
    env->tr.limit = 0x68 + 0x20;
    env->tr.flags = DESC_P_MASK | (11u << DESC_TYPE_SHIFT);
    wr(0x4066, 0x68, 2);
    memset(ram + 0x4068, 0xff, 0x21);
    ram[0x4068 + 0x80 / 8] = 0xfe;
    io_nr_writes = 0;
    g_assert_cmpint(run(&out), ==, -1);
    g_assert_cmpuint(io_nr_writes, ==, 1);
    out.ops[1].size = 2; /* word at 0x80 covers 0x81 */
    g_assert_cmpint(run(&out), ==, EXCP_GP);
    g_assert_cmpuint(env->error_code, ==, 0);
    out.ops[1].size = 1;
    out.imm = 0x81;
    g_assert_cmpint(run(&out), ==, EXCP_GP);
    /* Port beyond the bitmap (limit) is denied */
    out.imm = 0xff;
    env->tr.limit = 0x68 + 0x10;
    ram[0x4068 + 0xff / 8] = 0;
    g_assert_cmpint(run(&out), ==, EXCP_GP);
    /* REP INS/OUTS with a zero count: the I/O permission check comes
     * before the count test, so a denied port is still #GP(0) (as the
     * host does; difftest classes "INS: fault" / "OUTS: fault"). */
    {
        env->regs[R_ECX] = 0;
        env->regs[R_EDX] = 0x81;
        env->regs[R_ESI] = 0x5000;
        env->regs[R_EDI] = 0x5100;
        Insn zouts = str_insn(OP_OUTS, 1, 4, PFX_REP);
        Insn zins = str_insn(OP_INS, 1, 4, PFX_REP);
        g_assert_cmpint(run(&zouts), ==, EXCP_GP);
        g_assert_cmpuint(env->error_code, ==, 0);
        g_assert_cmpint(run(&zins), ==, EXCP_GP);
        g_assert_cmpuint(env->error_code, ==, 0);
        /* an allowed port with a zero count does nothing */
        env->regs[R_EDX] = 0x80;
        env->tr.limit = 0x68 + 0x20;
        io_nr_writes = 0;
        g_assert_cmpint(run(&zouts), ==, -1);
        g_assert_cmpuint(io_nr_writes, ==, 0);
        g_assert_cmphex(env->regs[R_ESI], ==, 0x5000);
    }
    /* IOPL 3 bypasses the bitmap */
    cpu_set_eflags(env, IOPL_MASK, IOPL_MASK);
    g_assert_cmpint(run(&out), ==, -1);

    /* REP OUTSB: CPL 0 */
    mode_pm32(0);
    memcpy(ram + 0x5000, "abc", 3);
    env->regs[R_ESI] = 0x5000;
    env->regs[R_ECX] = 3;
    env->regs[R_EDX] = 0x81;
    Insn outs = str_insn(OP_OUTS, 1, 4, PFX_REP);
    io_nr_writes = 0;
    run(&outs);
    g_assert_cmpuint(io_nr_writes, ==, 3);
    g_assert_cmphex(io_last_val, ==, 'c');
    g_assert_cmphex(io_last_port, ==, 0x81);
    /* INSW */
    env->regs[R_EDI] = 0x5100;
    Insn ins = str_insn(OP_INS, 2, 4, 0);
    run(&ins);
    g_assert_cmphex(rd(0x5100, 2), ==, 0x3344);
    g_assert_cmphex(env->regs[R_EDI], ==, 0x5102);
}

static void test_cli_sti(void)
{
    mode_pm32(3);
    cpu_set_eflags(env, IF_MASK, IF_MASK | IOPL_MASK);
    Insn cli = mk(OP_CLI, 4, 4), sti = mk(OP_STI, 4, 4);
    g_assert_cmpint(run(&cli), ==, EXCP_GP);
    g_assert_true(env->eflags & IF_MASK);
    cpu_set_eflags(env, IOPL_MASK, IOPL_MASK);
    g_assert_cmpint(run(&cli), ==, -1);
    g_assert_false(env->eflags & IF_MASK);
    env->inhibit_irq = false;
    run(&sti);
    g_assert_true(env->eflags & IF_MASK);
    g_assert_true(env->inhibit_irq);
    env->inhibit_irq = false;
    run(&sti); /* already set: no new shadow */
    g_assert_false(env->inhibit_irq);

    /* CPL 3 with PVI: CLI clears VIF instead */
    cpu_set_eflags(env, IF_MASK | VIF_MASK, IF_MASK | VIF_MASK | IOPL_MASK);
    env->cr[4] |= CR4_PVI;
    run(&cli);
    g_assert_true(env->eflags & IF_MASK);
    g_assert_false(env->eflags & VIF_MASK);
}

static void test_int_and_misc(void)
{
    /* INT n in real mode through the IVT */
    mode_real();
    wr(0x21 * 4, 0x12345678, 4); /* 1234:5678 */
    env->regs[R_ESP] = 0x1000;
    env->rip = 0x300;
    cpu_set_eflags(env, IF_MASK | CC_C, ~0ull);
    Insn in = mk(OP_INT, 2, 2);
    in.imm = 0x21;
    g_assert_cmpint(run(&in), ==, -1);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x1234);
    g_assert_cmphex(env->rip, ==, 0x5678);
    g_assert_cmphex(rd(0xffa, 2), ==, 0x302);       /* return IP */
    g_assert_cmphex(rd(0xffe, 2), ==, IF_MASK | CC_C | EFLAGS_FIXED1);
    g_assert_false(env->eflags & IF_MASK);

    /* INTO does nothing with OF = 0 */
    mode_pm32(0);
    env->rip = 0x1000;
    cpu_set_eflags(env, 0, CC_MASK);
    in = mk(OP_INTO, 4, 4);
    g_assert_cmpint(run(&in), ==, -1);
    g_assert_cmphex(env->rip, ==, 0x1002);

    /* BOUND */
    wr(0x6000, (uint32_t)-5, 4);
    wr(0x6004, 10, 4);
    env->regs[R_EBX] = 0x6000;
    in = mk(OP_BOUND, 4, 4);
    o_reg(&in, 0, R_EAX, 4);
    o_mem(&in, 1, 4, R_EBX, 0);
    env->regs[R_EAX] = (uint32_t)-5;
    g_assert_cmpint(run(&in), ==, -1);
    env->regs[R_EAX] = 11;
    g_assert_cmpint(run(&in), ==, EXCP_BR);

    /* RDTSC with CR4.TSD at CPL 3 */
    mode_pm32(3);
    env->cr[4] |= CR4_TSD;
    in = mk(OP_RDTSC, 4, 4);
    g_assert_cmpint(run(&in), ==, EXCP_GP);
    env->cr[4] &= ~CR4_TSD;
    g_assert_cmpint(run(&in), ==, -1);

    /* RDTSCP loads TSC_AUX into ECX */
    env->tsc_aux = 0x77;
    in = mk(OP_RDTSCP, 4, 4);
    run(&in);
    g_assert_cmphex(env->regs[R_ECX], ==, 0x77);

    /* CPUID leaf 0 returns a vendor string */
    env->regs[R_EAX] = 0;
    in = mk(OP_CPUID, 4, 4);
    run(&in);
    g_assert_cmphex(env->regs[R_EAX], >, 0);

    /* x87 with CR0.TS: #NM; UD2: #UD */
    env->cr[0] |= CR0_TS;
    in = mk(OP_FPU, 4, 4);
    in.opcode = 0xd9;
    g_assert_cmpint(run(&in), ==, EXCP_NM);
    in = mk(OP_UD, 4, 4);
    g_assert_cmpint(run(&in), ==, EXCP_UD);
    /* SSE (ADDPS xmm0, xmm1): #NM with TS once CR4.OSFXSR is set; #UD
     * without OSFXSR (SDM Vol.3 Table 2-2; an undefined 0F xx is #UD
     * whatever TS says, so a real opcode is needed here) */
    in = mk(OP_SSE, 4, 4);
    in.opcode = 0x0f58;
    in.modrm = 0xc1;
    env->cr[4] |= CR4_OSFXSR;
    g_assert_cmpint(run(&in), ==, EXCP_NM);
    env->cr[0] &= ~CR0_TS;
    env->cr[4] &= ~CR4_OSFXSR;
    g_assert_cmpint(run(&in), ==, EXCP_UD);
}

/* ---- strings against the host ---- */

typedef struct StrRegs {
    uint64_t rsi, rdi, rcx, rax, flags;
} StrRegs;

/* The host runs the same string instruction on host buffers; DF comes in
 * through the popped flags and is cleared again before returning. */
#define HSTR(name, text) \
static void name(StrRegs *r) \
{ \
    uint64_t si = r->rsi, di = r->rdi, cx = r->rcx, ax = r->rax, f = r->flags; \
    asm volatile("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopfq\n\t" text \
                 "\n\tpushfq\n\tpop %[f]\n\tcld\n\tlea 128(%%rsp), %%rsp" \
                 : "+S"(si), "+D"(di), "+c"(cx), "+a"(ax), [f] "+r"(f) : : "cc", "memory"); \
    r->rsi = si; r->rdi = di; r->rcx = cx; r->rax = ax; r->flags = f; \
}
#define HSTR4(op) \
    HSTR(h_rep_##op##b, "rep " #op "b") HSTR(h_rep_##op##w, "rep " #op "w") \
    HSTR(h_rep_##op##l, "rep " #op "l") HSTR(h_rep_##op##q, "rep " #op "q") \
    HSTR(h_##op##b, #op "b") HSTR(h_##op##w, #op "w") \
    HSTR(h_##op##l, #op "l") HSTR(h_##op##q, #op "q")
#define HSTRNE4(op) \
    HSTR(h_repne_##op##b, "repne " #op "b") HSTR(h_repne_##op##w, "repne " #op "w") \
    HSTR(h_repne_##op##l, "repne " #op "l") HSTR(h_repne_##op##q, "repne " #op "q")
HSTR4(movs) HSTR4(cmps) HSTR4(stos) HSTR4(lods) HSTR4(scas)
HSTRNE4(cmps) HSTRNE4(scas)

typedef void (*HostStr)(StrRegs *r);
typedef struct StrTest {
    const char *name;
    int op;
    uint8_t prefix;
    HostStr host[4];
} StrTest;

#define ST4(n, op, pfx, p) { n, op, pfx, { h_##p##b, h_##p##w, h_##p##l, h_##p##q } }
static const StrTest str_tests[] = {
    ST4("movs", OP_MOVS, 0, movs), ST4("rep movs", OP_MOVS, PFX_REP, rep_movs),
    ST4("cmps", OP_CMPS, 0, cmps), ST4("repe cmps", OP_CMPS, PFX_REP, rep_cmps),
    ST4("repne cmps", OP_CMPS, PFX_REPNE, repne_cmps),
    ST4("stos", OP_STOS, 0, stos), ST4("rep stos", OP_STOS, PFX_REP, rep_stos),
    ST4("lods", OP_LODS, 0, lods), ST4("rep lods", OP_LODS, PFX_REP, rep_lods),
    ST4("scas", OP_SCAS, 0, scas), ST4("repe scas", OP_SCAS, PFX_REP, rep_scas),
    ST4("repne scas", OP_SCAS, PFX_REPNE, repne_scas),
};

static uint64_t str_rng = 88172645463325252ull;

static uint64_t str_rnd(void)
{
    str_rng ^= str_rng << 13;
    str_rng ^= str_rng >> 7;
    str_rng ^= str_rng << 17;
    return str_rng;
}

#define SBUF 8192
#define GSRC 0x100000
#define GDST 0x180000

static void test_strings_vs_host(void)
{
    static uint8_t hsrc[SBUF], hdst[SBUF];
    unsigned long checked = 0;

    mode_64();
    for (unsigned ti = 0; ti < G_N_ELEMENTS(str_tests); ti++) {
        const StrTest *t = &str_tests[ti];
        for (int iter = 0; iter < 400; iter++) {
            unsigned si = str_rnd() % 4, size = 1u << si;
            bool df = str_rnd() & 1;
            /* Buffers: mostly equal so REPE runs a while; a few random
             * bytes differ. */
            uint8_t fill = str_rnd();
            memset(hsrc, fill, SBUF);
            memset(hdst, fill, SBUF);
            for (int k = str_rnd() % 4; k > 0; k--) {
                hsrc[str_rnd() % SBUF] = str_rnd();
                hdst[str_rnd() % SBUF] = str_rnd();
            }
            if (str_rnd() % 3 == 0) {
                for (int k = 0; k < SBUF; k++) {
                    hdst[k] = str_rnd() % 3;
                }
            }
            memcpy(ram + GSRC, hsrc, SBUF);
            memcpy(ram + GDST, hdst, SBUF);
            uint64_t off_s = SBUF / 2 + (str_rnd() % 64), off_d = SBUF / 2 + (str_rnd() % 64);
            uint64_t cnt = str_rnd() % 5 == 0 ? 0 : str_rnd() % 400;
            uint64_t ax = (str_rnd() & ~0xffull) | fill;
            if (str_rnd() % 4 == 0) {
                ax = str_rnd() % 3;
            }
            uint64_t fl = (str_rnd() & CC_MASK) | (df ? DF_MASK : 0) | 0x202;

            StrRegs h = { (uint64_t)(uintptr_t)hsrc + off_s, (uint64_t)(uintptr_t)hdst + off_d,
                          cnt, ax, fl };
            t->host[si](&h);

            env->regs[R_ESI] = GSRC + off_s;
            env->regs[R_EDI] = GDST + off_d;
            env->regs[R_ECX] = cnt;
            env->regs[R_EAX] = ax;
            cpu_set_eflags(env, fl, CC_MASK | DF_MASK);
            env->rip = 0x10000;
            Insn in = mk(t->op, size, 8);
            in.prefix = t->prefix;
            in.seg = R_DS;
            int rounds = 0;
            do {
                g_assert_cmpint(run(&in), ==, -1);
            } while (env->rip == 0x10000 && ++rounds < 100);

            bool ok = env->regs[R_ESI] - GSRC == h.rsi - (uintptr_t)hsrc &&
                      env->regs[R_EDI] - GDST == h.rdi - (uintptr_t)hdst &&
                      env->regs[R_ECX] == h.rcx && env->regs[R_EAX] == h.rax &&
                      (cpu_get_eflags(env) & CC_MASK) == (h.flags & CC_MASK) &&
                      memcmp(ram + GDST, hdst, SBUF) == 0;
            if (!ok) {
                g_test_message("%s size %u df %d count %llu: emu si+%lld di+%lld cx %llu "
                               "ax %#llx fl %#x / host si+%lld di+%lld cx %llu ax %#llx fl %#x",
                               t->name, size, df, (unsigned long long)cnt,
                               (long long)(env->regs[R_ESI] - GSRC - off_s),
                               (long long)(env->regs[R_EDI] - GDST - off_d),
                               (unsigned long long)env->regs[R_ECX],
                               (unsigned long long)env->regs[R_EAX],
                               (unsigned)(cpu_get_eflags(env) & CC_MASK),
                               (long long)(h.rsi - (uintptr_t)hsrc - off_s),
                               (long long)(h.rdi - (uintptr_t)hdst - off_d),
                               (unsigned long long)h.rcx, (unsigned long long)h.rax,
                               (unsigned)(h.flags & CC_MASK));
                g_test_fail();
                return;
            }
            checked++;
        }
    }
    g_test_message("string instructions: %lu cases checked against the host", checked);
}

/* V86 mode with CR4.VME: INT n through the redirection bitmap */
static void test_v86_vme_int(void)
{
    mode_pm32(0);
    env->tr.base = 0x4000;
    env->tr.limit = 0x88 + 0x2000;
    env->tr.flags = DESC_P_MASK | (11u << DESC_TYPE_SHIFT);
    wr(0x4066, 0x88, 2);                 /* redirection bitmap at 0x4068 */
    memset(ram + 0x4068, 0, 32);
    ram[0x4068 + 0x22 / 8] |= 1u << (0x22 & 7);
    env->cr[4] |= CR4_VME;
    cpu_set_eflags(env, VM_MASK | VIF_MASK | IF_MASK | CC_C, ~0ull);
    for (int i = 0; i < NR_SEGS; i++) {
        cpu_load_seg_real(env, i, 0x100);
    }
    cpu_update_mode(env);
    g_assert_cmpint(env->cpl, ==, 3);
    g_assert_cmpint(env->code_bits, ==, 16);
    wr(0x21 * 4, 0x20005678, 4);         /* 2000:5678 in the task's IVT */
    env->regs[R_ESP] = 0x800;
    env->rip = 0x40;

    Insn in = mk(OP_INT, 2, 2);
    in.imm = 0x21;
    g_assert_cmpint(run(&in), ==, -1);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x2000);
    g_assert_cmphex(env->segs[R_CS].base, ==, 0x20000);
    g_assert_cmphex(env->rip, ==, 0x5678);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x7fa);
    /* FLAGS image: IF from VIF, IOPL = 3; then CS and IP */
    g_assert_cmphex(rd(0x1000 + 0x7fe, 2), ==, IF_MASK | IOPL_MASK | CC_C | EFLAGS_FIXED1);
    g_assert_cmphex(rd(0x1000 + 0x7fc, 2), ==, 0x100);
    g_assert_cmphex(rd(0x1000 + 0x7fa, 2), ==, 0x42);
    g_assert_false(env->eflags & VIF_MASK);
    g_assert_true(env->eflags & IF_MASK);

    /* Bit set and IOPL < 3: #GP(0) */
    in.imm = 0x22;
    g_assert_cmpint(run(&in), ==, EXCP_GP);
    /* Without VME: #GP(0) as well */
    env->cr[4] &= ~CR4_VME;
    in.imm = 0x21;
    g_assert_cmpint(run(&in), ==, EXCP_GP);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ops/stack/push-pop-64", test_push_pop_64);
    g_test_add_func("/ops/stack/16bit-wrap", test_stack_16bit_wrap);
    g_test_add_func("/ops/stack/pusha-popa", test_pusha_popa);
    g_test_add_func("/ops/stack/pushf-popf", test_pushf_popf);
    g_test_add_func("/ops/stack/enter-leave", test_enter_leave);
    g_test_add_func("/ops/stack/push-pop-seg", test_push_pop_seg);
    g_test_add_func("/ops/branch/near", test_near_branches);
    g_test_add_func("/ops/branch/loops", test_loops);
    g_test_add_func("/ops/mem/bt", test_bt_memory);
    g_test_add_func("/ops/mem/cmpxchg-xadd-xchg", test_cmpxchg_mem);
    g_test_add_func("/ops/mem/rmw-write-fault", test_rmw_write_fault);
    g_test_add_func("/ops/stack/enter-fault", test_enter_fault);
    g_test_add_func("/ops/branch/call-fault-order", test_call_fault_order);
    g_test_add_func("/ops/mem/clflush", test_clflush);
    g_test_add_func("/ops/mem/lea-movx-xlat", test_lea_movx_xlat);
    g_test_add_func("/ops/strings", test_strings);
    g_test_add_func("/ops/strings-vs-host", test_strings_vs_host);
    g_test_add_func("/ops/io", test_io);
    g_test_add_func("/ops/cli-sti", test_cli_sti);
    g_test_add_func("/ops/int-misc", test_int_and_misc);
    g_test_add_func("/ops/v86-vme-int", test_v86_vme_int);
    return g_test_run();
}

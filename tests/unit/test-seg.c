/*
 * tests/unit/test-seg.c - segmentation (target/i386/seg.c and the
 * descriptor instructions of ops_system.c).
 *
 * A GDT and an LDT are built in test RAM; the tests check segment register
 * loads with good and bad selectors (exception vector and error code per the
 * SDM MOV/POP Sreg operation), limit and type checks in seg_linear (expand-up,
 * expand-down, read-only, execute-only, real mode, 64-bit canonical form),
 * LLDT/LTR (busy bit) and LAR/LSL/VERR/VERW.
 */
#include <glib.h>

#include "cpu-test-harness.h"
#include "target/i386/ops.h"
#include "target/i386/seg.h"

#define GDT 0x1000
#define LDT 0x3000

static TestCPU *setup(void)
{
    TestCPU *t = tcpu_new(4);
    pw64(t, GDT + 0x08, tdesc(0, 0xffffffff, T_CODE | DESC_B_MASK));
    pw64(t, GDT + 0x10, tdesc(0, 0xffffffff, T_DATA | DESC_B_MASK));
    pw64(t, GDT + 0x18, tdesc(0x10000, 0xffff, DESC_P_MASK | DESC_S_MASK));  /* read-only */
    pw64(t, GDT + 0x20, tdesc(0x20000, 0xfff, T_DATA | DESC_E_MASK));      /* expand-down 16 */
    pw64(t, GDT + 0x28, tdesc(0, 0xffff, DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK)); /* exec-only */
    pw64(t, GDT + 0x30, tdesc(0, 0xffffffff, T_DATA | DESC_B_MASK | T_DPL(3)));
    pw64(t, GDT + 0x38, tdesc(0, 0xffff, T_DATA & ~DESC_P_MASK));
    pw64(t, GDT + 0x40, tdesc(0, 0xffffffff, T_CODE | DESC_B_MASK | T_DPL(3)));
    pw64(t, GDT + 0x48, tdesc(LDT, 0x17, DESC_P_MASK | (2u << 8)));
    pw64(t, GDT + 0x50, tdesc(0x4000, 0x67, DESC_P_MASK | (9u << 8)));
    pw64(t, GDT + 0x58, tdesc(0, 0xffff, T_CODE | DESC_C_MASK));
    pw64(t, GDT + 0x60, tdesc(0, 0xfff, T_DATA | DESC_E_MASK | DESC_B_MASK));
    pw64(t, LDT + 0x08, tdesc(0x50000, 0xffff, T_DATA));
    pw64(t, LDT + 0x10, tdesc(0, 0xffff, T_DATA | T_DPL(3)));
    tpmode(t, GDT, 13 * 8 - 1);
    tload_seg(t, R_CS, 0x08);
    tload_seg(t, R_SS, 0x10);
    tload_seg(t, R_DS, 0x10);
    return t;
}

static int load(TestCPU *t, int seg, uint16_t sel)
{
    return TCPU_RUN(t->env, seg_load(t->env, seg, sel));
}

static void test_load_good(void)
{
    TestCPU *t = setup();
    CPUX86State *env = t->env;
    g_assert_false(pr32(t, GDT + 0x1c) & DESC_A_MASK);
    g_assert_cmpint(load(t, R_DS, 0x18), ==, -1);
    g_assert_cmphex(env->segs[R_DS].base, ==, 0x10000);
    g_assert_cmphex(env->segs[R_DS].limit, ==, 0xffff);
    g_assert_cmphex(env->segs[R_DS].selector, ==, 0x18);
    g_assert_true(env->segs[R_DS].flags & DESC_A_MASK);
    g_assert_true(pr32(t, GDT + 0x1c) & DESC_A_MASK);   /* accessed bit written back */
    g_assert_cmpint(load(t, R_ES, 0x10), ==, -1);
    g_assert_cmphex(env->segs[R_ES].limit, ==, 0xffffffffu);
    g_assert_cmpint(load(t, R_FS, 0x58), ==, -1);       /* readable code */
    g_assert_cmpint(load(t, R_SS, 0x10), ==, -1);
    g_assert_cmpint(env->cpl, ==, 0);
    g_assert_cmpint(env->stack_bits, ==, 32);
    /* null selectors: fine for data registers, fault on use */
    g_assert_cmpint(load(t, R_GS, 0), ==, -1);
    g_assert_cmpint(TCPU_RUN(env, seg_linear(env, R_GS, 0, 1, ACC_READ)), ==, EXCP_GP);
    g_assert_cmphex(env->error_code, ==, 0);
    tcpu_free(t);
}

static void test_load_errors(void)
{
    TestCPU *t = setup();
    CPUX86State *env = t->env;
    g_assert_cmpint(load(t, R_DS, 0x68), ==, EXCP_GP);  /* beyond the GDT limit */
    g_assert_cmphex(env->error_code, ==, 0x68);
    g_assert_cmpint(load(t, R_DS, 0x6b), ==, EXCP_GP);
    g_assert_cmphex(env->error_code, ==, 0x68);
    g_assert_cmpint(load(t, R_DS, 0x28), ==, EXCP_GP);  /* execute-only code */
    g_assert_cmphex(env->error_code, ==, 0x28);
    g_assert_cmpint(load(t, R_DS, 0x48), ==, EXCP_GP);  /* system descriptor */
    g_assert_cmphex(env->error_code, ==, 0x48);
    g_assert_cmpint(load(t, R_DS, 0x38), ==, EXCP_NP);  /* not present */
    g_assert_cmphex(env->error_code, ==, 0x38);
    g_assert_cmpint(load(t, R_SS, 0x38), ==, EXCP_SS);
    g_assert_cmphex(env->error_code, ==, 0x38);
    g_assert_cmpint(load(t, R_SS, 0x18), ==, EXCP_GP);  /* read-only stack */
    g_assert_cmphex(env->error_code, ==, 0x18);
    g_assert_cmpint(load(t, R_SS, 0x13), ==, EXCP_GP);  /* RPL != CPL */
    g_assert_cmphex(env->error_code, ==, 0x10);
    g_assert_cmpint(load(t, R_SS, 0x33), ==, EXCP_GP);  /* DPL != CPL */
    g_assert_cmphex(env->error_code, ==, 0x30);
    g_assert_cmpint(load(t, R_SS, 0x58), ==, EXCP_GP);  /* code */
    g_assert_cmpint(load(t, R_SS, 0), ==, EXCP_GP);     /* null SS outside 64-bit mode */
    g_assert_cmphex(env->error_code, ==, 0);
    g_assert_cmpint(load(t, R_CS, 0x08), ==, EXCP_UD);
    /* LDT selector without an LDT */
    g_assert_cmpint(load(t, R_DS, 0x0c), ==, EXCP_GP);
    g_assert_cmphex(env->error_code, ==, 0x0c);
    g_assert_cmphex(env->segs[R_DS].selector, ==, 0x10);   /* unchanged */

    /* at CPL 3 */
    tload_seg(t, R_CS, 0x43);
    tload_seg(t, R_SS, 0x33);
    g_assert_cmpint(env->cpl, ==, 3);
    g_assert_cmpint(load(t, R_DS, 0x10), ==, EXCP_GP);  /* DPL 0 data */
    g_assert_cmphex(env->error_code, ==, 0x10);
    g_assert_cmpint(load(t, R_DS, 0x33), ==, -1);
    g_assert_cmpint(load(t, R_DS, 0x5b), ==, -1);       /* conforming code: no check */
    g_assert_cmpint(load(t, R_SS, 0x10), ==, EXCP_GP);
    tcpu_free(t);
}

static void test_linear_limits(void)
{
    TestCPU *t = setup();
    CPUX86State *env = t->env;
    uint64_t la = 0;
    g_assert_cmpint(load(t, R_DS, 0x18), ==, -1);
    g_assert_cmpint(TCPU_RUN(env, la = seg_linear(env, R_DS, 0xfffc, 4, ACC_READ)), ==, -1);
    g_assert_cmphex(la, ==, 0x1fffc);
    g_assert_cmpint(TCPU_RUN(env, seg_linear(env, R_DS, 0xfffd, 4, ACC_READ)), ==, EXCP_GP);
    g_assert_cmphex(env->error_code, ==, 0);
    g_assert_cmpint(TCPU_RUN(env, seg_linear(env, R_DS, 0, 1, ACC_WRITE)), ==, EXCP_GP);

    /* expand-down, 16-bit: valid offsets 0x1000..0xffff */
    g_assert_cmpint(load(t, R_ES, 0x20), ==, -1);
    g_assert_cmpint(TCPU_RUN(env, seg_linear(env, R_ES, 0xfff, 1, ACC_READ)), ==, EXCP_GP);
    g_assert_cmpint(TCPU_RUN(env, la = seg_linear(env, R_ES, 0x1000, 1, ACC_WRITE)), ==, -1);
    g_assert_cmphex(la, ==, 0x21000);
    g_assert_cmpint(TCPU_RUN(env, seg_linear(env, R_ES, 0xfffe, 4, ACC_READ)), ==, EXCP_GP);
    g_assert_cmpint(TCPU_RUN(env, seg_linear(env, R_ES, 0xfffc, 4, ACC_READ)), ==, -1);

    /* expand-down 32-bit stack: #SS(0) */
    g_assert_cmpint(load(t, R_SS, 0x60), ==, -1);
    g_assert_cmpint(TCPU_RUN(env, seg_linear(env, R_SS, 0x800, 4, ACC_WRITE)), ==, EXCP_SS);
    g_assert_cmphex(env->error_code, ==, 0);
    g_assert_cmpint(TCPU_RUN(env, seg_linear(env, R_SS, 0x80000000u, 4, ACC_WRITE)), ==, -1);

    /* execute-only code: no data reads */
    tload_seg(t, R_CS, 0x28);
    g_assert_cmpint(TCPU_RUN(env, seg_linear(env, R_CS, 0, 1, ACC_READ)), ==, EXCP_GP);
    g_assert_cmpint(TCPU_RUN(env, seg_linear(env, R_CS, 0, 1, ACC_EXEC)), ==, -1);
    g_assert_cmpint(TCPU_RUN(env, seg_linear(env, R_CS, 0x10000, 1, ACC_EXEC)), ==, EXCP_GP);
    tload_seg(t, R_CS, 0x08);
    g_assert_cmpint(TCPU_RUN(env, seg_linear(env, R_CS, 0, 1, ACC_WRITE)), ==, EXCP_GP);
    tcpu_free(t);
}

static void test_linear_real_and_64(void)
{
    TestCPU *t = tcpu_new(4);
    CPUX86State *env = t->env;
    uint64_t la = 0;
    cpu_load_seg_real(env, R_DS, 0x1000);
    g_assert_cmpint(TCPU_RUN(env, la = seg_linear(env, R_DS, 0xfffe, 2, ACC_WRITE)), ==, -1);
    g_assert_cmphex(la, ==, 0x1fffe);
    g_assert_cmpint(TCPU_RUN(env, seg_linear(env, R_DS, 0xffff, 2, ACC_READ)), ==, EXCP_GP);
    g_assert_cmpint(TCPU_RUN(env, seg_linear(env, R_SS, 0xffff, 2, ACC_READ)), ==, EXCP_SS);
    /* real mode: no type checks (the reset CS is writable data-like) */
    g_assert_cmpint(TCPU_RUN(env, la = seg_linear(env, R_CS, 0xfff0, 1, ACC_EXEC)), ==, -1);
    g_assert_cmphex(la, ==, 0xfffffff0u);

    /* 64-bit mode: only FS/GS bases, canonical check */
    pw64(t, GDT + 0x08, tdesc(0, 0xfffff, T_CODE | DESC_L_MASK));
    pw64(t, GDT + 0x10, tdesc(0, 0xffffffff, T_DATA | DESC_B_MASK));
    tpmode(t, GDT, 0x17);
    tlongmode(t, 0x10000, 0x11000);
    tload_seg(t, R_CS, 0x08);
    g_assert_cmpint(env->code_bits, ==, 64);
    env->segs[R_DS].base = 0x5000;
    env->segs[R_FS].base = 0x12340000;
    g_assert_cmpint(TCPU_RUN(env, la = seg_linear(env, R_DS, 0x10, 4, ACC_READ)), ==, -1);
    g_assert_cmphex(la, ==, 0x10);
    g_assert_cmpint(TCPU_RUN(env, la = seg_linear(env, R_FS, 0x10, 4, ACC_READ)), ==, -1);
    g_assert_cmphex(la, ==, 0x12340010);
    g_assert_cmpint(TCPU_RUN(env, seg_linear(env, R_DS, 0x0000800000000000ull, 1, ACC_READ)),
                    ==, EXCP_GP);
    g_assert_cmpint(TCPU_RUN(env, seg_linear(env, R_SS, 0x00007ffffffffffeull, 4, ACC_READ)),
                    ==, EXCP_SS);
    g_assert_cmpint(TCPU_RUN(env, seg_linear(env, R_DS, 0xffff800000000000ull, 8, ACC_READ)),
                    ==, -1);
    /* null SS is allowed in 64-bit mode at CPL 0 */
    g_assert_cmpint(load(t, R_SS, 0), ==, -1);
    g_assert_cmpint(env->cpl, ==, 0);
    tcpu_free(t);
}

static void test_ldt_tr(void)
{
    TestCPU *t = setup();
    CPUX86State *env = t->env;
    g_assert_cmpint(TCPU_RUN(env, seg_load_ldt(env, 0x50)), ==, EXCP_GP);  /* a TSS */
    g_assert_cmphex(env->error_code, ==, 0x50);
    g_assert_cmpint(TCPU_RUN(env, seg_load_ldt(env, 0x48)), ==, -1);
    g_assert_cmphex(env->ldt.base, ==, LDT);
    g_assert_cmphex(env->ldt.limit, ==, 0x17);
    g_assert_cmpint(load(t, R_DS, 0x0c), ==, -1);
    g_assert_cmphex(env->segs[R_DS].base, ==, 0x50000);
    g_assert_cmpint(load(t, R_DS, 0x1c), ==, EXCP_GP);  /* beyond the LDT limit */
    g_assert_cmphex(env->error_code, ==, 0x1c);

    g_assert_cmpint(TCPU_RUN(env, seg_load_tr(env, 0x48)), ==, EXCP_GP);
    g_assert_cmpint(TCPU_RUN(env, seg_load_tr(env, 0x50)), ==, -1);
    g_assert_cmphex(env->tr.base, ==, 0x4000);
    g_assert_cmphex(env->tr.limit, ==, 0x67);
    g_assert_cmphex((pr32(t, GDT + 0x54) >> 8) & 0xf, ==, 11);  /* busy */
    g_assert_cmpint(TCPU_RUN(env, seg_load_tr(env, 0x50)), ==, EXCP_GP);  /* already busy */
    g_assert_cmphex(env->error_code, ==, 0x50);
    tcpu_free(t);
}

static Insn insn2(uint16_t op, uint8_t k0, uint8_t r0, uint8_t k1, uint8_t r1)
{
    Insn i = { .op = op, .len = 3, .opsize = 4, .addrsize = 4, .seg = SEG_NONE, .nr_ops = 2 };
    i.ops[0] = (InsnOperand){ k0, 4, r0 };
    i.ops[1] = (InsnOperand){ k1, 2, r1 };
    return i;
}

static bool zf(CPUX86State *env)
{
    return (cpu_get_eflags(env) & CC_Z) != 0;
}

static void test_lar_lsl_verr(void)
{
    TestCPU *t = setup();
    CPUX86State *env = t->env;
    Insn lar = insn2(OP_LAR, OPK_REG, R_EAX, OPK_REG, R_EBX);
    Insn lsl = insn2(OP_LSL, OPK_REG, R_EAX, OPK_REG, R_EBX);
    Insn verr = { .op = OP_VERR, .len = 3, .opsize = 2, .addrsize = 4, .seg = SEG_NONE,
                  .nr_ops = 1, .ops = { { OPK_REG, 2, R_EBX } } };
    Insn verw = verr;
    verw.op = OP_VERW;

    env->regs[R_EBX] = 0x18;
    g_assert_cmpint(TCPU_RUN(env, op_LAR(env, &lar)), ==, -1);
    g_assert_true(zf(env));
    g_assert_cmphex(env->regs[R_EAX], ==, (pr32(t, GDT + 0x1c) & 0x00f0ff00u));
    g_assert_cmpint(TCPU_RUN(env, op_LSL(env, &lsl)), ==, -1);
    g_assert_true(zf(env));
    g_assert_cmphex(env->regs[R_EAX], ==, 0xffff);
    env->regs[R_EBX] = 0x10;
    g_assert_cmpint(TCPU_RUN(env, op_LSL(env, &lsl)), ==, -1);
    g_assert_cmphex(env->regs[R_EAX], ==, 0xffffffffu);
    g_assert_cmpint(TCPU_RUN(env, op_VERW(env, &verw)), ==, -1);
    g_assert_true(zf(env));
    env->regs[R_EBX] = 0x18;  /* read-only */
    g_assert_cmpint(TCPU_RUN(env, op_VERW(env, &verw)), ==, -1);
    g_assert_false(zf(env));
    g_assert_cmpint(TCPU_RUN(env, op_VERR(env, &verr)), ==, -1);
    g_assert_true(zf(env));
    env->regs[R_EBX] = 0x28;  /* execute-only */
    g_assert_cmpint(TCPU_RUN(env, op_VERR(env, &verr)), ==, -1);
    g_assert_false(zf(env));
    env->regs[R_EBX] = 0x68;  /* beyond the limit: ZF = 0, no fault */
    env->regs[R_EAX] = 0x1234;
    g_assert_cmpint(TCPU_RUN(env, op_LAR(env, &lar)), ==, -1);
    g_assert_false(zf(env));
    g_assert_cmphex(env->regs[R_EAX], ==, 0x1234);
    /* privilege: DPL 0 data from CPL 3 */
    tload_seg(t, R_CS, 0x43);
    tload_seg(t, R_SS, 0x33);
    env->regs[R_EBX] = 0x10;
    g_assert_cmpint(TCPU_RUN(env, op_LAR(env, &lar)), ==, -1);
    g_assert_false(zf(env));
    env->regs[R_EBX] = 0x33;
    g_assert_cmpint(TCPU_RUN(env, op_LAR(env, &lar)), ==, -1);
    g_assert_true(zf(env));
    /* #UD in real mode */
    env->cr[0] &= ~(uint64_t)CR0_PE;
    cpu_update_mode(env);
    g_assert_cmpint(TCPU_RUN(env, op_LAR(env, &lar)), ==, EXCP_UD);
    tcpu_free(t);
}

static Insn mem_insn(uint16_t op, unsigned opsize, unsigned addrsize, uint64_t addr,
                     unsigned memsize)
{
    Insn i = { .op = op, .len = 4, .opsize = opsize, .addrsize = addrsize, .seg = R_DS,
               .nr_ops = 1 };
    i.ops[0] = (InsnOperand){ OPK_MEM, memsize, 0 };
    i.mem = (InsnMem){ REG_NONE, REG_NONE, 1, false, (int64_t)addr };
    return i;
}

static void test_system_insns(void)
{
    TestCPU *t = tcpu_new(4);
    CPUX86State *env = t->env;
    /* LGDT with a 16-bit operand size keeps 24 bits of the base */
    pw16(t, 0x500, 0x1234);
    pw32(t, 0x502, 0x12345678);
    Insn lgdt = mem_insn(OP_LGDT, 2, 2, 0x500, 0);
    g_assert_cmpint(TCPU_RUN(env, op_LGDT(env, &lgdt)), ==, -1);
    g_assert_cmphex(env->gdt.base, ==, 0x345678);
    g_assert_cmphex(env->gdt.limit, ==, 0x1234);
    Insn lidt = mem_insn(OP_LIDT, 4, 2, 0x500, 0);
    g_assert_cmpint(TCPU_RUN(env, op_LIDT(env, &lidt)), ==, -1);
    g_assert_cmphex(env->idt.base, ==, 0x12345678);
    Insn sidt = mem_insn(OP_SIDT, 4, 2, 0x600, 0);
    g_assert_cmpint(TCPU_RUN(env, op_SIDT(env, &sidt)), ==, -1);
    g_assert_cmphex(pr16(t, 0x600), ==, 0x1234);
    g_assert_cmphex(pr32(t, 0x602), ==, 0x12345678);

    /* LSS loads SS:SP from memory (real mode) */
    pw16(t, 0x700, 0x8000);
    pw16(t, 0x702, 0x2000);
    Insn lss = mem_insn(OP_LSS, 2, 2, 0x700, 0);
    lss.nr_ops = 2;
    lss.ops[1] = lss.ops[0];
    lss.ops[0] = (InsnOperand){ OPK_REG, 2, R_ESP };
    g_assert_cmpint(TCPU_RUN(env, op_LSS(env, &lss)), ==, -1);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x8000);
    g_assert_cmphex(env->segs[R_SS].base, ==, 0x20000);

    /* MOV SS sets the interrupt shadow; MOV CS is #UD */
    Insn movss = { .op = OP_MOV_SEG, .len = 2, .opsize = 2, .addrsize = 2, .seg = SEG_NONE,
                   .nr_ops = 2, .ops = { { OPK_SREG, 2, R_SS }, { OPK_REG, 2, R_EAX } } };
    env->regs[R_EAX] = 0x3000;
    g_assert_cmpint(TCPU_RUN(env, op_MOV_SEG(env, &movss)), ==, -1);
    g_assert_true(env->inhibit_irq);
    g_assert_cmphex(env->segs[R_SS].base, ==, 0x30000);
    movss.ops[0].reg = R_CS;
    g_assert_cmpint(TCPU_RUN(env, op_MOV_SEG(env, &movss)), ==, EXCP_UD);

    /* LMSW sets PE but never clears it; SMSW reads CR0 */
    Insn lmsw = { .op = OP_LMSW, .len = 3, .opsize = 2, .addrsize = 2, .seg = SEG_NONE,
                  .nr_ops = 1, .ops = { { OPK_REG, 2, R_EAX } } };
    env->regs[R_EAX] = CR0_PE | CR0_MP;
    g_assert_cmpint(TCPU_RUN(env, op_LMSW(env, &lmsw)), ==, -1);
    g_assert_true(env->cr[0] & CR0_PE);
    env->regs[R_EAX] = 0;
    g_assert_cmpint(TCPU_RUN(env, op_LMSW(env, &lmsw)), ==, -1);
    g_assert_true(env->cr[0] & CR0_PE);
    g_assert_false(env->cr[0] & CR0_MP);
    Insn smsw = { .op = OP_SMSW, .len = 3, .opsize = 4, .addrsize = 4, .seg = SEG_NONE,
                  .nr_ops = 1, .ops = { { OPK_REG, 4, R_EBX } } };
    g_assert_cmpint(TCPU_RUN(env, op_SMSW(env, &smsw)), ==, -1);
    g_assert_cmphex(env->regs[R_EBX], ==, env->cr[0]);
    env->cr[0] |= CR0_TS;
    Insn clts = { .op = OP_CLTS, .len = 2, .opsize = 4, .addrsize = 4, .seg = SEG_NONE };
    g_assert_cmpint(TCPU_RUN(env, op_CLTS(env, &clts)), ==, -1);
    g_assert_false(env->cr[0] & CR0_TS);

    /* debug registers: fixed bits, DR4/5 aliases, CR4.DE */
    Insn movdr = { .op = OP_MOV_DR, .len = 3, .opsize = 4, .addrsize = 4, .seg = SEG_NONE,
                   .nr_ops = 2, .ops = { { OPK_DREG, 4, 7 }, { OPK_REG, 4, R_EAX } } };
    env->regs[R_EAX] = 0;
    g_assert_cmpint(TCPU_RUN(env, op_MOV_DR(env, &movdr)), ==, -1);
    g_assert_cmphex(env->dr[7], ==, 0x400);
    movdr.ops[0].reg = 4;
    g_assert_cmpint(TCPU_RUN(env, op_MOV_DR(env, &movdr)), ==, -1);
    g_assert_cmphex(env->dr[6], ==, 0xffff0ff0u);
    env->cr[4] |= CR4_DE;
    g_assert_cmpint(TCPU_RUN(env, op_MOV_DR(env, &movdr)), ==, EXCP_UD);
    env->cr[4] &= ~(uint64_t)CR4_DE;
    /* general detect: the next access is a #DB fault with DR6.BD, and GD
     * is cleared for the handler (SDM Vol.3 17.2.4) */
    movdr.ops[0].reg = 7;
    env->regs[R_EAX] = 0x2400;
    g_assert_cmpint(TCPU_RUN(env, op_MOV_DR(env, &movdr)), ==, -1);
    g_assert_cmphex(env->dr[7], ==, 0x2400);
    movdr.ops[0].reg = 0;
    env->regs[R_EAX] = 0x1234;
    g_assert_cmpint(TCPU_RUN(env, op_MOV_DR(env, &movdr)), ==, EXCP_DB);
    g_assert_cmphex(env->dr[0], ==, 0);                 /* not written */
    g_assert_cmphex(env->dr[6], ==, 0xffff2ff0u);
    g_assert_cmphex(env->dr[7], ==, 0x400);
    g_assert_cmpint(TCPU_RUN(env, op_MOV_DR(env, &movdr)), ==, -1);
    g_assert_cmphex(env->dr[0], ==, 0x1234);
    /* breakpoint enables are tracked for the interpreter and the MMU */
    movdr.ops[0].reg = 7;
    env->regs[R_EAX] = 0x00d0040a;                      /* DR0 insn, DR1 write */
    g_assert_cmpint(TCPU_RUN(env, op_MOV_DR(env, &movdr)), ==, -1);
    g_assert_cmpint(env->dr_insn_bp, ==, 1);
    g_assert_cmpint(env->dr_data_bp, ==, 2);
    g_assert_cmpuint(cpu_insn_breakpoint_hits(env, 0x1234), ==, 1);
    env->dr[1] = 0x2004;
    cpu_data_breakpoint_check(env, 0x2000, 4, true);    /* next to it */
    g_assert_cmpint(env->db_hits, ==, 0);
    cpu_data_breakpoint_check(env, 0x2006, 2, false);   /* a read: write-only */
    g_assert_cmpint(env->db_hits, ==, 0);
    cpu_data_breakpoint_check(env, 0x2002, 4, true);    /* overlaps 0x2004 */
    g_assert_cmpint(env->db_hits, ==, 2);
    env->db_hits = 0;
    env->regs[R_EAX] = 0x400;
    g_assert_cmpint(TCPU_RUN(env, op_MOV_DR(env, &movdr)), ==, -1);
    g_assert_cmpint(env->dr_insn_bp | env->dr_data_bp, ==, 0);

    /* RDMSR/WRMSR; unknown MSR #GP(0) */
    Insn rdmsr = { .op = OP_RDMSR, .len = 2, .opsize = 4, .addrsize = 4, .seg = SEG_NONE };
    Insn wrmsr = rdmsr;
    wrmsr.op = OP_WRMSR;
    env->regs[R_ECX] = MSR_IA32_PAT;
    g_assert_cmpint(TCPU_RUN(env, op_RDMSR(env, &rdmsr)), ==, -1);
    g_assert_cmphex(env->regs[R_EAX], ==, 0x00070406);
    g_assert_cmphex(env->regs[R_EDX], ==, 0x00070406);
    env->regs[R_EAX] = 0x06;
    env->regs[R_EDX] = 0x07;
    g_assert_cmpint(TCPU_RUN(env, op_WRMSR(env, &wrmsr)), ==, -1);
    g_assert_cmphex(env->pat, ==, 0x0000000700000006ull);
    env->regs[R_ECX] = 0xdead;
    g_assert_cmpint(TCPU_RUN(env, op_RDMSR(env, &rdmsr)), ==, EXCP_GP);

    /* HLT; privileged instructions at CPL 3 */
    Insn hlt = { .op = OP_HLT, .len = 1, .opsize = 4, .addrsize = 4, .seg = SEG_NONE };
    g_assert_cmpint(TCPU_RUN(env, op_HLT(env, &hlt)), ==, -1);
    g_assert_true(env->halted);
    env->halted = false;
    env->cpl = 3;
    g_assert_cmpint(TCPU_RUN(env, op_HLT(env, &hlt)), ==, EXCP_GP);
    g_assert_cmpint(TCPU_RUN(env, op_LGDT(env, &lgdt)), ==, EXCP_GP);
    g_assert_false(env->halted);
    tcpu_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/seg/load-good", test_load_good);
    g_test_add_func("/seg/load-errors", test_load_errors);
    g_test_add_func("/seg/linear-limits", test_linear_limits);
    g_test_add_func("/seg/linear-real-64", test_linear_real_and_64);
    g_test_add_func("/seg/ldt-tr", test_ldt_tr);
    g_test_add_func("/seg/lar-lsl-verr", test_lar_lsl_verr);
    g_test_add_func("/seg/system-insns", test_system_insns);
    return g_test_run();
}

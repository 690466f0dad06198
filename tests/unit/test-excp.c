/*
 * tests/unit/test-excp.c - exception and interrupt delivery, IRET, far
 * transfers and the CPU control state (excp.c, ops_system.c, cpu.c,
 * msr.c, cpuid.c).
 *
 * Frames are checked byte for byte against the SDM figures: real-mode IVT
 * (Vol.3 20.1.4), 32-bit IDT delivery with and without a privilege change
 * (Figure 6-4), IA-32e delivery with IST and 16-byte alignment (Figure
 * 6-9); the #DF table (Table 6-5) and the triple fault; IRET back to the
 * interrupted state (including nulling of inaccessible data segments);
 * external interrupts; call gates with parameter copy and far returns;
 * SYSCALL/SYSRET; control-register rules; reset state; CPUID; MSRs.
 */
#include <glib.h>
#include <stdio.h>

#include "cpu-test-harness.h"
#include "target/i386/cpuid.h"
#include "target/i386/ops.h"
#include "target/i386/seg.h"

#define GDT 0x1000
#define IDT 0x2000
#define TSS 0x4000

static void set_flags(CPUX86State *env, uint64_t fl)
{
    cpu_set_eflags(env, fl, ~0ull);
}

/* ---- real mode ---- */

static void test_real_mode_ivt(void)
{
    TestCPU *t = tcpu_new(1);
    CPUX86State *env = t->env;
    env->idt.base = 0;
    env->idt.limit = 0x3ff;
    pw16(t, 0x21 * 4, 0x5678);
    pw16(t, 0x21 * 4 + 2, 0x1234);
    cpu_load_seg_real(env, R_CS, 0x100);
    cpu_load_seg_real(env, R_SS, 0);
    env->regs[R_ESP] = 0x8000;
    set_flags(env, EFLAGS_FIXED1 | IF_MASK | TF_MASK | CC_C);

    g_assert_cmpint(TCPU_RUN(env, cpu_do_interrupt(env, 0x21, true, false, 0, 0x102)), ==, -1);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x7ffa);
    g_assert_cmphex(pr16(t, 0x7ffa), ==, 0x102);
    g_assert_cmphex(pr16(t, 0x7ffc), ==, 0x100);
    g_assert_cmphex(pr16(t, 0x7ffe), ==, EFLAGS_FIXED1 | IF_MASK | TF_MASK | CC_C);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x1234);
    g_assert_cmphex(env->segs[R_CS].base, ==, 0x12340);
    g_assert_cmphex(env->rip, ==, 0x5678);
    g_assert_cmphex(env->next_rip, ==, 0x5678);
    g_assert_false(env->eflags & (IF_MASK | TF_MASK));

    set_flags(env, EFLAGS_FIXED1);
    g_assert_cmpint(TCPU_RUN(env, cpu_iret(env, 2)), ==, -1);
    g_assert_cmphex(env->next_rip, ==, 0x102);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x100);
    g_assert_cmphex(env->segs[R_CS].base, ==, 0x1000);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x8000);
    g_assert_cmphex(cpu_get_eflags(env), ==, EFLAGS_FIXED1 | IF_MASK | TF_MASK | CC_C);

    /* vector beyond the IVT limit: #GP(vector * 8 + 2) */
    env->idt.limit = 0x83;
    g_assert_cmpint(TCPU_RUN(env, cpu_do_interrupt(env, 0x21, true, false, 0, 0x102)), ==,
                    EXCP_GP);
    g_assert_cmphex(env->error_code, ==, 0x21 * 8 + 2);
    tcpu_free(t);
}

/* ---- 32-bit protected mode ---- */

static TestCPU *setup32(void)
{
    TestCPU *t = tcpu_new(4);
    CPUX86State *env = t->env;
    pw64(t, GDT + 0x08, tdesc(0, 0xffffffff, T_CODE | DESC_B_MASK));
    pw64(t, GDT + 0x10, tdesc(0, 0xffffffff, T_DATA | DESC_B_MASK));
    pw64(t, GDT + 0x18, tdesc(0, 0xffffffff, T_CODE | DESC_B_MASK | T_DPL(3)));
    pw64(t, GDT + 0x20, tdesc(0, 0xffffffff, T_DATA | DESC_B_MASK | T_DPL(3)));
    pw64(t, GDT + 0x28, tdesc(TSS, 0x67, DESC_P_MASK | (9u << 8)));
    pw64(t, GDT + 0x30, tgate(0x08, 0x5000, 12, 3, 2));   /* call gate, 2 params */
    pw32(t, TSS + 4, 0x9000);
    pw32(t, TSS + 8, 0x10);
    pw64(t, IDT + 13 * 8, tgate(0x08, 0x12345, 14, 0, 0));
    pw64(t, IDT + 8 * 8, tgate(0x08, 0x8888, 14, 0, 0));
    pw64(t, IDT + 11 * 8, tgate(0x08, 0xbbbb, 14, 0, 0));
    pw64(t, IDT + 14 * 8, tgate(0x08, 0xeeee, 14, 0, 0));
    pw64(t, IDT + 1 * 8, tgate(0x08, 0x1111, 14, 0, 0) & ~((uint64_t)DESC_P_MASK << 32));
    pw64(t, IDT + 0x30 * 8, tgate(0x08, 0x3030, 14, 0, 0));
    pw64(t, IDT + 0x80 * 8, tgate(0x08, 0x23456, 15, 3, 0));
    pw64(t, IDT + 0x81 * 8, tgate(0x08, 0x23457, 14, 0, 0));
    tpmode(t, GDT, 0x37);
    env->idt.base = IDT;
    env->idt.limit = 0x81 * 8 + 7;
    tload_seg(t, R_CS, 0x08);
    tload_seg(t, R_SS, 0x10);
    g_assert_cmpint(TCPU_RUN(env, seg_load_tr(env, 0x28)), ==, -1);
    return t;
}

static void to_user32(TestCPU *t)
{
    tload_seg(t, R_CS, 0x1b);
    tload_seg(t, R_SS, 0x23);
    tload_seg(t, R_DS, 0x23);
    tload_seg(t, R_ES, 0x23);
    t->env->regs[R_ESP] = 0x7000;
    t->env->rip = 0x401000;
    set_flags(t->env, EFLAGS_FIXED1 | IF_MASK | CC_Z);
}

static void test_pmode_priv_change(void)
{
    TestCPU *t = setup32();
    CPUX86State *env = t->env;
    to_user32(t);
    g_assert_cmpint(env->cpl, ==, 3);

    g_assert_cmpint(TCPU_RUN(env, cpu_do_interrupt(env, 13, false, true, 0x1234, 0x401000)),
                    ==, -1);
    g_assert_cmpint(env->cpl, ==, 0);
    g_assert_cmphex(env->segs[R_SS].selector, ==, 0x10);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x08);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x9000 - 24);
    g_assert_cmphex(pr32(t, 0x8fe8), ==, 0x1234);      /* error code */
    g_assert_cmphex(pr32(t, 0x8fec), ==, 0x401000);    /* EIP */
    g_assert_cmphex(pr32(t, 0x8ff0), ==, 0x1b);        /* CS */
    g_assert_cmphex(pr32(t, 0x8ff4), ==, EFLAGS_FIXED1 | IF_MASK | CC_Z | RF_MASK); /* #GP: a fault */
    g_assert_cmphex(pr32(t, 0x8ffc - 4), ==, 0x7000);  /* ESP */
    g_assert_cmphex(pr32(t, 0x8ffc), ==, 0x23);        /* SS */
    g_assert_cmphex(env->rip, ==, 0x12345);
    g_assert_false(env->eflags & IF_MASK);            /* interrupt gate */

    /* the handler drops the error code, uses kernel DS and returns */
    env->regs[R_ESP] += 4;
    tload_seg(t, R_DS, 0x10);
    set_flags(env, EFLAGS_FIXED1);
    g_assert_cmpint(TCPU_RUN(env, cpu_iret(env, 4)), ==, -1);
    g_assert_cmpint(env->cpl, ==, 3);
    g_assert_cmphex(env->next_rip, ==, 0x401000);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x1b);
    g_assert_cmphex(env->segs[R_SS].selector, ==, 0x23);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x7000);
    g_assert_cmphex(cpu_get_eflags(env), ==, EFLAGS_FIXED1 | IF_MASK | CC_Z | RF_MASK); /* RF from the image, until the next instruction */
    g_assert_false(env->segs[R_DS].flags & DESC_P_MASK);  /* DPL 0 DS nulled */
    g_assert_true(env->segs[R_ES].flags & DESC_P_MASK);
    tcpu_free(t);
}

static void test_pmode_sw_and_gates(void)
{
    TestCPU *t = setup32();
    CPUX86State *env = t->env;
    to_user32(t);
    /* INT 0x81 from CPL 3 to a DPL 0 gate: #GP(vector*8+2) */
    g_assert_cmpint(TCPU_RUN(env, cpu_do_interrupt(env, 0x81, true, false, 0, 0x401002)), ==,
                    EXCP_GP);
    g_assert_cmphex(env->error_code, ==, 0x81 * 8 + 2);
    g_assert_cmpint(env->cpl, ==, 3);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x7000);
    /* the same vector as an external event is delivered */
    g_assert_cmpint(TCPU_RUN(env, cpu_do_interrupt(env, 0x81, false, false, 0, 0x401000)), ==,
                    -1);
    g_assert_cmphex(env->rip, ==, 0x23457);
    to_user32(t);
    /* INT 0x80 through a DPL 3 trap gate keeps IF */
    g_assert_cmpint(TCPU_RUN(env, cpu_do_interrupt(env, 0x80, true, false, 0, 0x401002)), ==,
                    -1);
    g_assert_cmphex(env->rip, ==, 0x23456);
    g_assert_true(env->eflags & IF_MASK);
    g_assert_cmphex(pr32(t, 0x9000 - 20), ==, 0x401002);
    /* same privilege: 3 dwords on the current stack */
    env->regs[R_ESP] = 0x6000;
    g_assert_cmpint(TCPU_RUN(env, cpu_do_interrupt(env, 0x80, true, false, 0, 0x23458)), ==,
                    -1);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x6000 - 12);
    g_assert_cmphex(pr32(t, 0x6000 - 12), ==, 0x23458);
    g_assert_cmphex(pr32(t, 0x6000 - 8), ==, 0x08);
    /* gate not present: #NP(vector*8+2+EXT) */
    g_assert_cmpint(TCPU_RUN(env, cpu_do_interrupt(env, 1, false, false, 0, 0)), ==, EXCP_NP);
    g_assert_cmphex(env->error_code, ==, 1 * 8 + 3);
    /* beyond the IDT limit */
    g_assert_cmpint(TCPU_RUN(env, cpu_do_interrupt(env, 0x90, false, false, 0, 0)), ==, EXCP_GP);
    g_assert_cmphex(env->error_code, ==, 0x90 * 8 + 3);
    tcpu_free(t);
}

static void test_double_fault(void)
{
    TestCPU *t = setup32();
    CPUX86State *env = t->env;
    env->regs[R_ESP] = 0x6000;
    /* #DB (benign) whose gate is not present -> #NP delivered as is */
    g_assert_cmpint(TCPU_RUN(env, cpu_do_interrupt(env, EXCP_DB, false, false, 0, 0x100)), ==,
                    EXCP_NP);
    g_assert_cmpint(TCPU_RUN(env, cpu_do_interrupt(env, env->exception_index, false,
                                                   env->has_error_code, env->error_code,
                                                   0x100)), ==, -1);
    g_assert_cmphex(env->rip, ==, 0xbbbb);
    g_assert_cmpint(env->old_exception, ==, -1);

    /* #GP whose gate is not present -> #NP: contributory + contributory = #DF */
    pw64(t, IDT + 13 * 8, pr64(t, IDT + 13 * 8) & ~((uint64_t)DESC_P_MASK << 32));
    env->regs[R_ESP] = 0x6000;
    g_assert_cmpint(TCPU_RUN(env, cpu_do_interrupt(env, EXCP_GP, false, true, 0, 0x100)), ==,
                    EXCP_NP);
    g_assert_cmphex(env->error_code, ==, 13 * 8 + 3);
    g_assert_cmpint(TCPU_RUN(env, cpu_do_interrupt(env, env->exception_index, false,
                                                   env->has_error_code, env->error_code,
                                                   0x100)), ==, -1);
    g_assert_cmphex(env->rip, ==, 0x8888);
    g_assert_cmphex(pr32(t, 0x6000 - 16), ==, 0);      /* #DF error code 0 */
    g_assert_cmphex(pr32(t, 0x6000 - 12), ==, 0x100);

    /* #PF then #PF = #DF; #PF then #GP = #DF; #GP then #PF = #PF */
    env->old_exception = EXCP_PF;
    g_assert_cmpint(TCPU_RUN(env, cpu_do_interrupt(env, EXCP_PF, false, true, 2, 0)), ==, -1);
    g_assert_cmphex(env->rip, ==, 0x8888);
    env->old_exception = EXCP_PF;
    g_assert_cmpint(TCPU_RUN(env, cpu_do_interrupt(env, EXCP_NP, false, true, 0, 0)), ==, -1);
    g_assert_cmphex(env->rip, ==, 0x8888);
    env->old_exception = EXCP_TS;
    g_assert_cmpint(TCPU_RUN(env, cpu_do_interrupt(env, EXCP_PF, false, true, 2, 0)), ==, -1);
    g_assert_cmphex(env->rip, ==, 0xeeee);
    /* software interrupts never promote */
    env->old_exception = -1;
    g_assert_cmpint(TCPU_RUN(env, cpu_do_interrupt(env, 0x81, true, false, 0, 0)), ==, -1);
    g_assert_cmphex(env->rip, ==, 0x23457);
    tcpu_free(t);
}

static void test_triple_fault(void)
{
    TestCPU *t = setup32();
    CPUX86State *env = t->env;
    env->idt.limit = 0;  /* nothing deliverable */
    int v = TCPU_RUN(env, cpu_do_interrupt(env, EXCP_GP, false, true, 0, 0));
    g_assert_cmpint(v, ==, EXCP_GP);
    v = TCPU_RUN(env, cpu_do_interrupt(env, v, false, true, env->error_code, 0));
    g_assert_cmpint(v, ==, EXCP_GP);   /* raised while delivering #DF */
    g_assert_cmpint(env->old_exception, ==, EXCP_DF);
    g_assert_false(env->triple_fault);
    v = TCPU_RUN(env, cpu_do_interrupt(env, v, false, true, env->error_code, 0));
    g_assert_cmpint(v, ==, -1);
    g_assert_true(env->triple_fault);
    /* a reset clears it */
    cpu_x86_reset(t->cpu);
    g_assert_false(env->triple_fault);
    g_assert_cmpint(env->old_exception, ==, -1);
    tcpu_free(t);
}

static int fake_ack_calls;
static int fake_intr_ack(void *intc)
{
    fake_ack_calls++;
    return 0x30;
}

static void test_hard_interrupt(void)
{
    TestCPU *t = setup32();
    CPUX86State *env = t->env;
    t->m->intr_ack = fake_intr_ack;
    env->regs[R_ESP] = 0x6000;
    env->rip = 0x777;
    env->halted = true;
    g_assert_false(cpu_check_hard_interrupt(t->cpu));   /* nothing requested */
    t->cpu->interrupt_request = CPU_INTERRUPT_HARD;
    set_flags(env, EFLAGS_FIXED1);
    g_assert_false(cpu_check_hard_interrupt(t->cpu));   /* IF = 0 */
    set_flags(env, EFLAGS_FIXED1 | IF_MASK);
    env->inhibit_irq = true;
    g_assert_false(cpu_check_hard_interrupt(t->cpu));   /* STI/MOV SS shadow */
    env->inhibit_irq = false;
    g_assert_cmpint(fake_ack_calls, ==, 0);
    bool ok = false;
    g_assert_cmpint(TCPU_RUN(env, ok = cpu_check_hard_interrupt(t->cpu)), ==, -1);
    g_assert_true(ok);
    g_assert_cmpint(fake_ack_calls, ==, 1);
    g_assert_cmphex(env->rip, ==, 0x3030);
    g_assert_cmphex(pr32(t, 0x6000 - 12), ==, 0x777);
    g_assert_false(env->halted);
    g_assert_false(env->eflags & IF_MASK);

    /* NMI: taken with IF = 0, then blocked until IRET */
    t->cpu->interrupt_request = CPU_INTERRUPT_NMI;
    pw64(t, IDT + 2 * 8, tgate(0x08, 0x2222, 14, 0, 0));
    g_assert_cmpint(TCPU_RUN(env, ok = cpu_check_hard_interrupt(t->cpu)), ==, -1);
    g_assert_true(ok);
    g_assert_cmphex(env->rip, ==, 0x2222);
    g_assert_false(t->cpu->interrupt_request & CPU_INTERRUPT_NMI);
    t->cpu->interrupt_request = CPU_INTERRUPT_NMI;
    g_assert_false(cpu_check_hard_interrupt(t->cpu));   /* blocked */
    env->next_rip = env->rip;
    g_assert_cmpint(TCPU_RUN(env, cpu_iret(env, 4)), ==, -1);
    env->rip = env->next_rip;
    g_assert_cmpint(TCPU_RUN(env, ok = cpu_check_hard_interrupt(t->cpu)), ==, -1);
    g_assert_true(ok);
    tcpu_free(t);
}

static void test_call_gate(void)
{
    TestCPU *t = setup32();
    CPUX86State *env = t->env;
    to_user32(t);
    pw32(t, 0x7000, 0x11111111);
    pw32(t, 0x7004, 0x22222222);
    env->next_rip = 0x401007;
    g_assert_cmpint(TCPU_RUN(env, cpu_far_call(env, 0x33, 0, 4)), ==, -1);
    g_assert_cmpint(env->cpl, ==, 0);
    g_assert_cmphex(env->next_rip, ==, 0x5000);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x08);
    g_assert_cmphex(env->segs[R_SS].selector, ==, 0x10);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x9000 - 24);
    g_assert_cmphex(pr32(t, 0x8ffc), ==, 0x23);
    g_assert_cmphex(pr32(t, 0x8ff8), ==, 0x7000);
    g_assert_cmphex(pr32(t, 0x8ff4), ==, 0x22222222);
    g_assert_cmphex(pr32(t, 0x8ff0), ==, 0x11111111);
    g_assert_cmphex(pr32(t, 0x8fec), ==, 0x1b);
    g_assert_cmphex(pr32(t, 0x8fe8), ==, 0x401007);

    g_assert_cmpint(TCPU_RUN(env, cpu_far_ret(env, 4, 8)), ==, -1);
    g_assert_cmpint(env->cpl, ==, 3);
    g_assert_cmphex(env->next_rip, ==, 0x401007);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x7008);
    g_assert_cmphex(env->segs[R_SS].selector, ==, 0x23);

    /* direct far call to a DPL 0 non-conforming segment from CPL 3 */
    g_assert_cmpint(TCPU_RUN(env, cpu_far_call(env, 0x08, 0x5000, 4)), ==, EXCP_GP);
    g_assert_cmphex(env->error_code, ==, 0x08);
    /* far jump within CPL 3 */
    g_assert_cmpint(TCPU_RUN(env, cpu_far_jmp(env, 0x1b, 0x402000, 4)), ==, -1);
    g_assert_cmphex(env->next_rip, ==, 0x402000);
    /* null selector */
    g_assert_cmpint(TCPU_RUN(env, cpu_far_jmp(env, 0, 0, 4)), ==, EXCP_GP);
    g_assert_cmphex(env->error_code, ==, 0);
    tcpu_free(t);
}

static void test_task_switch(void)
{
    TestCPU *t = setup32();
    CPUX86State *env = t->env;
    const uint64_t tss2 = 0x4800;
    pw64(t, GDT + 0x38, tdesc(tss2, 0x67, DESC_P_MASK | (9u << 8)));
    pw64(t, IDT + 8 * 8, ((uint64_t)(DESC_P_MASK | (5u << 8)) << 32) | (0x38u << 16));
    env->gdt.limit = 0x3f;
    pw32(t, tss2 + 0x20, 0x7777);          /* EIP */
    pw32(t, tss2 + 0x24, EFLAGS_FIXED1);   /* EFLAGS */
    pw32(t, tss2 + 0x28, 0x1111);          /* EAX */
    pw32(t, tss2 + 0x38, 0xa000);          /* ESP */
    pw32(t, tss2 + 0x48, 0x10);            /* ES */
    pw32(t, tss2 + 0x4c, 0x08);            /* CS */
    pw32(t, tss2 + 0x50, 0x10);            /* SS */
    pw32(t, tss2 + 0x54, 0x10);            /* DS */
    env->regs[R_EAX] = 0xaaaa;
    env->regs[R_ESP] = 0x6000;
    env->rip = 0x1230;

    /* #DF through a task gate: nested switch, error code on the new stack */
    g_assert_cmpint(TCPU_RUN(env, cpu_do_interrupt(env, EXCP_DF, false, true, 0, 0x1230)), ==,
                    -1);
    g_assert_cmphex(env->tr.selector, ==, 0x38);
    g_assert_cmphex(env->rip, ==, 0x7777);
    g_assert_cmphex(env->regs[R_EAX], ==, 0x1111);
    g_assert_cmphex(env->regs[R_ESP], ==, 0xa000 - 4);
    g_assert_cmphex(pr32(t, 0xa000 - 4), ==, 0);
    g_assert_true(env->eflags & NT_MASK);
    g_assert_true(env->cr[0] & CR0_TS);
    g_assert_cmphex(pr16(t, tss2), ==, 0x28);                     /* back link */
    g_assert_cmphex(pr32(t, TSS + 0x20), ==, 0x1230);              /* old EIP */
    g_assert_cmphex(pr32(t, TSS + 0x28), ==, 0xaaaa);              /* old EAX */
    g_assert_cmphex((pr32(t, GDT + 0x3c) >> 8) & 0xf, ==, 11);     /* new busy */
    g_assert_cmphex((pr32(t, GDT + 0x2c) >> 8) & 0xf, ==, 11);     /* old still busy */

    /* IRET with NT returns to the old task */
    env->next_rip = 0x7779;
    g_assert_cmpint(TCPU_RUN(env, cpu_iret(env, 4)), ==, -1);
    g_assert_cmphex(env->tr.selector, ==, 0x28);
    g_assert_cmphex(env->next_rip, ==, 0x1230);
    g_assert_cmphex(env->regs[R_EAX], ==, 0xaaaa);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x6000);
    g_assert_false(env->eflags & NT_MASK);
    g_assert_cmphex((pr32(t, GDT + 0x3c) >> 8) & 0xf, ==, 9);      /* no longer busy */
    g_assert_cmphex(pr32(t, tss2 + 0x20), ==, 0x7779);             /* saved EIP */

    /* JMP to a busy TSS faults; JMP to an available one switches */
    env->next_rip = 0x1240;
    g_assert_cmpint(TCPU_RUN(env, cpu_far_jmp(env, 0x28, 0, 4)), ==, EXCP_GP);
    g_assert_cmphex(env->error_code, ==, 0x28);
    g_assert_cmpint(TCPU_RUN(env, cpu_far_jmp(env, 0x38, 0, 4)), ==, -1);
    g_assert_cmphex(env->tr.selector, ==, 0x38);
    g_assert_cmphex(env->next_rip, ==, 0x7779);
    g_assert_false(env->eflags & NT_MASK);
    g_assert_cmphex((pr32(t, GDT + 0x2c) >> 8) & 0xf, ==, 9);
    tcpu_free(t);
}

static void test_vm86_round_trip(void)
{
    TestCPU *t = setup32();
    CPUX86State *env = t->env;
    static const uint32_t frame[9] = {
        0x100, 0x2000, EFLAGS_FIXED1 | VM_MASK | IF_MASK | IOPL_MASK,
        0x800, 0x3000, 0x4000, 0x5000, 0x6000, 0x7000,
    };
    for (int i = 0; i < 9; i++) {
        pw32(t, 0x6000 + i * 4, frame[i]);
    }
    env->regs[R_ESP] = 0x6000;
    g_assert_cmpint(TCPU_RUN(env, cpu_iret(env, 4)), ==, -1);
    g_assert_true(env->eflags & VM_MASK);
    g_assert_cmpint(env->cpl, ==, 3);
    g_assert_cmpint(env->code_bits, ==, 16);
    g_assert_cmphex(env->next_rip, ==, 0x100);
    g_assert_cmphex(env->segs[R_CS].base, ==, 0x20000);
    g_assert_cmphex(env->segs[R_DS].base, ==, 0x50000);
    g_assert_cmphex(env->segs[R_GS].selector, ==, 0x7000);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x800);
    /* V86 segments are real-mode style */
    uint64_t la = 0;
    g_assert_cmpint(TCPU_RUN(env, la = seg_linear(env, R_DS, 0x10, 2, ACC_WRITE)), ==, -1);
    g_assert_cmphex(la, ==, 0x50010);

    /* an external interrupt leaves V86 through the ring-0 stack */
    env->rip = 0x100;
    g_assert_cmpint(TCPU_RUN(env, cpu_do_interrupt(env, 0x30, false, false, 0, 0x100)), ==, -1);
    g_assert_false(env->eflags & VM_MASK);
    g_assert_cmpint(env->cpl, ==, 0);
    g_assert_cmphex(env->rip, ==, 0x3030);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x9000 - 36);
    g_assert_cmphex(pr32(t, 0x9000 - 4), ==, 0x7000);    /* GS */
    g_assert_cmphex(pr32(t, 0x9000 - 16), ==, 0x4000);   /* ES */
    g_assert_cmphex(pr32(t, 0x9000 - 20), ==, 0x3000);   /* SS */
    g_assert_cmphex(pr32(t, 0x9000 - 28) & VM_MASK, ==, VM_MASK);
    g_assert_cmphex(pr32(t, 0x9000 - 36), ==, 0x100);    /* EIP */
    g_assert_false(env->segs[R_DS].flags & DESC_P_MASK);
    g_assert_cmphex(env->segs[R_DS].selector, ==, 0);

    /* and IRET goes back */
    g_assert_cmpint(TCPU_RUN(env, cpu_iret(env, 4)), ==, -1);
    g_assert_true(env->eflags & VM_MASK);
    g_assert_cmphex(env->segs[R_DS].base, ==, 0x50000);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x800);
    g_assert_cmphex(env->next_rip, ==, 0x100);
    tcpu_free(t);
}

/* ---- IA-32e mode ---- */

static TestCPU *setup64(void)
{
    TestCPU *t = tcpu_new(4);
    CPUX86State *env = t->env;
    pw64(t, GDT + 0x08, tdesc(0, 0xfffff, T_CODE | DESC_L_MASK));
    pw64(t, GDT + 0x10, tdesc(0, 0xffffffff, T_DATA | DESC_B_MASK));
    pw64(t, GDT + 0x18, tdesc(0, 0xffffffff, T_DATA | DESC_B_MASK | T_DPL(3)));
    pw64(t, GDT + 0x20, tdesc(0, 0xfffff, T_CODE | DESC_L_MASK | T_DPL(3)));
    pw64(t, GDT + 0x28, tdesc(TSS, 0x67, DESC_P_MASK | (9u << 8)));
    pw64(t, GDT + 0x30, 0);
    pw64(t, TSS + 4, 0x9000);          /* RSP0 */
    pw64(t, TSS + 0x24, 0xa008);       /* IST1, misaligned */
    tgate64(t, IDT + 14 * 16, 0x08, 0x100000, 14, 0, 0);
    tgate64(t, IDT + 2 * 16, 0x08, 0x200000, 14, 0, 1);
    tgate64(t, IDT + 0x80 * 16, 0x08, 0x300000, 15, 3, 0);
    tpmode(t, GDT, 0x37);
    tlongmode(t, 0x10000, 0x11000);
    env->idt.base = IDT;
    env->idt.limit = 0x81 * 16 - 1;
    tload_seg(t, R_CS, 0x08);
    tload_seg(t, R_SS, 0x10);
    g_assert_cmpint(TCPU_RUN(env, seg_load_tr(env, 0x28)), ==, -1);
    return t;
}

static void to_user64(TestCPU *t)
{
    tload_seg(t, R_CS, 0x23);
    tload_seg(t, R_SS, 0x1b);
    t->env->regs[R_ESP] = 0x7008;
    t->env->rip = 0x400000;
    set_flags(t->env, EFLAGS_FIXED1 | IF_MASK);
}

static void test_long_mode_delivery(void)
{
    TestCPU *t = setup64();
    CPUX86State *env = t->env;
    to_user64(t);
    g_assert_cmpint(env->cpl, ==, 3);
    g_assert_cmpint(env->code_bits, ==, 64);

    g_assert_cmpint(TCPU_RUN(env, cpu_do_interrupt(env, EXCP_PF, false, true, 6, 0x400000)),
                    ==, -1);
    g_assert_cmpint(env->cpl, ==, 0);
    g_assert_cmphex(env->rip, ==, 0x100000);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x9000 - 48);
    g_assert_cmphex(pr64(t, 0x8fd0), ==, 6);
    g_assert_cmphex(pr64(t, 0x8fd8), ==, 0x400000);
    g_assert_cmphex(pr64(t, 0x8fe0), ==, 0x23);
    /* a fault's image has RF=1 (SDM Vol.3 17.3.1.1); the handler runs with RF=0 */
    g_assert_cmphex(pr64(t, 0x8fe8), ==, EFLAGS_FIXED1 | IF_MASK | RF_MASK);
    g_assert_false(env->eflags & RF_MASK);
    g_assert_cmphex(pr64(t, 0x8ff0), ==, 0x7008);
    g_assert_cmphex(pr64(t, 0x8ff8), ==, 0x1b);
    g_assert_cmphex(env->segs[R_SS].selector, ==, 0);   /* null SS, RPL 0 */
    g_assert_false(env->eflags & IF_MASK);

    env->regs[R_ESP] += 8;
    g_assert_cmpint(TCPU_RUN(env, cpu_iret(env, 8)), ==, -1);
    g_assert_cmpint(env->cpl, ==, 3);
    g_assert_cmphex(env->next_rip, ==, 0x400000);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x7008);
    g_assert_cmphex(env->segs[R_SS].selector, ==, 0x1b);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x23);
    g_assert_true(env->eflags & IF_MASK);

    /* IST: aligned down to 16 bytes, 5 quadwords */
    g_assert_cmpint(TCPU_RUN(env, cpu_do_interrupt(env, EXCP_NMI, false, false, 0, 0x400000)),
                    ==, -1);
    g_assert_cmphex(env->rip, ==, 0x200000);
    g_assert_cmphex(env->regs[R_ESP], ==, 0xa000 - 40);
    g_assert_cmphex(pr64(t, 0xa000 - 40), ==, 0x400000);
    /* not a fault, but RF is still 1 from the IRET: no instruction ran */
    g_assert_cmphex(pr64(t, 0xa000 - 24), ==, EFLAGS_FIXED1 | IF_MASK | RF_MASK);
    g_assert_cmphex(pr64(t, 0xa000 - 8), ==, 0x1b);

    /* same privilege, no IST: the current RSP aligned, SS:RSP still pushed */
    env->regs[R_ESP] = 0x8008;
    g_assert_cmpint(TCPU_RUN(env, cpu_do_interrupt(env, EXCP_PF, false, true, 0, 0x200010)),
                    ==, -1);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x8000 - 48);
    g_assert_cmphex(pr64(t, 0x8000 - 16), ==, 0x8008);   /* old RSP */
    g_assert_cmphex(pr64(t, 0x8000 - 8), ==, 0);         /* old (null) SS */
    env->regs[R_ESP] += 8;
    g_assert_cmpint(TCPU_RUN(env, cpu_iret(env, 8)), ==, -1);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x8008);
    g_assert_cmphex(env->next_rip, ==, 0x200010);
    g_assert_cmpint(env->cpl, ==, 0);

    /* a 32-bit gate type in IA-32e mode is invalid */
    pw64(t, IDT + 14 * 16, tgate(0x08, 0x100000, 6, 0, 0));
    g_assert_cmpint(TCPU_RUN(env, cpu_do_interrupt(env, EXCP_PF, false, true, 0, 0)), ==,
                    EXCP_GP);
    g_assert_cmphex(env->error_code, ==, 14 * 8 + 3);
    tcpu_free(t);
}

static void test_syscall_sysret(void)
{
    TestCPU *t = setup64();
    CPUX86State *env = t->env;
    Insn sc = { .op = OP_SYSCALL, .len = 2, .opsize = 4, .addrsize = 8, .seg = SEG_NONE };
    Insn sr = { .op = OP_SYSRET, .len = 3, .opsize = 8, .addrsize = 8, .seg = SEG_NONE };
    to_user64(t);
    g_assert_cmpint(TCPU_RUN(env, op_SYSCALL(env, &sc)), ==, EXCP_UD);  /* EFER.SCE = 0 */
    g_assert_true(cpu_wrmsr(env, MSR_EFER, env->efer | EFER_SCE));
    g_assert_true(cpu_wrmsr(env, MSR_STAR, (0x13ull << 48) | (0x08ull << 32)));
    g_assert_true(cpu_wrmsr(env, MSR_LSTAR, 0xffffffff81000000ull));
    g_assert_true(cpu_wrmsr(env, MSR_FMASK, IF_MASK | DF_MASK));
    g_assert_false(cpu_wrmsr(env, MSR_LSTAR, 0x0000800000000000ull));  /* non-canonical */
    env->next_rip = 0x400002;
    g_assert_cmpint(TCPU_RUN(env, op_SYSCALL(env, &sc)), ==, -1);
    g_assert_cmpint(env->cpl, ==, 0);
    g_assert_cmphex(env->next_rip, ==, 0xffffffff81000000ull);
    g_assert_cmphex(env->regs[R_ECX], ==, 0x400002);
    g_assert_cmphex(env->regs[R_R11], ==, EFLAGS_FIXED1 | IF_MASK);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x08);
    g_assert_cmphex(env->segs[R_SS].selector, ==, 0x10);
    g_assert_false(env->eflags & IF_MASK);
    g_assert_cmpint(env->code_bits, ==, 64);

    g_assert_cmpint(TCPU_RUN(env, op_SYSRET(env, &sr)), ==, -1);
    g_assert_cmpint(env->cpl, ==, 3);
    g_assert_cmphex(env->next_rip, ==, 0x400002);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x23);
    g_assert_cmphex(env->segs[R_SS].selector, ==, 0x1b);
    g_assert_true(env->eflags & IF_MASK);
    g_assert_cmpint(env->code_bits, ==, 64);
    /* SYSRET at CPL 3: #GP; non-canonical RCX: #GP */
    g_assert_cmpint(TCPU_RUN(env, op_SYSRET(env, &sr)), ==, EXCP_GP);
    tload_seg(t, R_CS, 0x08);
    tload_seg(t, R_SS, 0x10);
    env->regs[R_ECX] = 0x0000800000000000ull;
    g_assert_cmpint(TCPU_RUN(env, op_SYSRET(env, &sr)), ==, EXCP_GP);
    /* 32-bit SYSRET to compatibility mode */
    sr.opsize = 4;
    env->regs[R_ECX] = 0x12345678;
    g_assert_cmpint(TCPU_RUN(env, op_SYSRET(env, &sr)), ==, -1);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x13);
    g_assert_cmpint(env->code_bits, ==, 32);
    tcpu_free(t);
}

/* ---- control registers, reset, CPUID, MSRs ---- */

static void mov_cr(CPUX86State *env, int cr, uint64_t v)
{
    Insn i = { .op = OP_MOV_CR, .len = 3, .opsize = 4, .addrsize = 4, .seg = SEG_NONE,
               .nr_ops = 2, .ops = { { OPK_CREG, 8, cr }, { OPK_REG, 8, R_EAX } } };
    env->regs[R_EAX] = v;
    op_MOV_CR(env, &i);
}

static void test_control_registers(void)
{
    TestCPU *t = tcpu_new(4);
    CPUX86State *env = t->env;
    g_assert_cmpint(TCPU_RUN(env, mov_cr(env, 0, CR0_PG | CR0_ET)), ==, EXCP_GP);  /* PG w/o PE */
    g_assert_cmpint(TCPU_RUN(env, mov_cr(env, 0, CR0_NW | CR0_PE)), ==, EXCP_GP);  /* NW w/o CD */
    g_assert_cmpint(TCPU_RUN(env, mov_cr(env, 4, 1u << 30)), ==, EXCP_GP);        /* reserved */
    g_assert_cmpint(TCPU_RUN(env, mov_cr(env, 1, 0)), ==, EXCP_UD);
    g_assert_cmpint(TCPU_RUN(env, mov_cr(env, 8, 16)), ==, EXCP_GP);
    g_assert_cmpint(TCPU_RUN(env, mov_cr(env, 8, 5)), ==, -1);
    g_assert_cmpint(env->cr8, ==, 5);

    /* entering IA-32e mode: LME, PAE, then PG sets LMA */
    pw64(t, 0x10000, 0x11000 | 7);
    pw64(t, 0x11000, 0x87);
    g_assert_cmpint(TCPU_RUN(env, mov_cr(env, 0, CR0_PE | CR0_ET)), ==, -1);
    g_assert_true(cpu_wrmsr(env, MSR_EFER, EFER_LME));
    g_assert_cmpint(TCPU_RUN(env, mov_cr(env, 3, 0x10000)), ==, -1);
    g_assert_cmpint(TCPU_RUN(env, mov_cr(env, 0, CR0_PE | CR0_PG)), ==, EXCP_GP); /* no PAE */
    g_assert_cmpint(TCPU_RUN(env, mov_cr(env, 4, CR4_PAE)), ==, -1);
    g_assert_cmpint(TCPU_RUN(env, mov_cr(env, 0, CR0_PE | CR0_PG)), ==, -1);
    g_assert_true(env->efer & EFER_LMA);
    g_assert_true(env->long_mode);
    g_assert_cmphex(env->cr[0], ==, CR0_PE | CR0_PG | CR0_ET);
    g_assert_cmpint(TCPU_RUN(env, mov_cr(env, 4, 0)), ==, EXCP_GP);  /* PAE off while LMA */
    g_assert_false(cpu_wrmsr(env, MSR_EFER, 0));                      /* LME change with PG */
    g_assert_false(cpu_wrmsr(env, MSR_EFER, EFER_LME | (1u << 2)));   /* reserved bit */
    g_assert_true(cpu_wrmsr(env, MSR_EFER, EFER_LME | EFER_NXE));
    g_assert_cmphex(env->efer, ==, EFER_LME | EFER_LMA | EFER_NXE);
    g_assert_cmphex(cpu_ldl(env, 0x10000), ==, 0x11007 | 0x20);       /* paging works */
    /* leaving: PG off clears LMA (compatibility mode code) */
    g_assert_cmpint(TCPU_RUN(env, mov_cr(env, 0, CR0_PE)), ==, -1);
    g_assert_false(env->efer & EFER_LMA);
    tcpu_free(t);
}

static void test_reset_cpuid_msr(void)
{
    TestCPU *t = tcpu_new(1);
    CPUX86State *env = t->env;
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0xf000);
    g_assert_cmphex(env->segs[R_CS].base, ==, 0xffff0000u);
    g_assert_cmphex(env->rip, ==, 0xfff0);
    g_assert_cmphex(env->cr[0], ==, 0x60000010);
    g_assert_cmphex(cpu_get_eflags(env), ==, 2);
    g_assert_cmphex(env->regs[R_EDX], ==, x86_model_signature(&x86_model_default));
    g_assert_cmphex(env->dr[6], ==, 0xffff0ff0u);
    g_assert_cmphex(env->dr[7], ==, 0x400);
    g_assert_cmphex(env->apic_base, ==, 0xfee00900u);
    g_assert_cmphex(env->idt.limit, ==, 0xffff);
    g_assert_cmpint(env->code_bits, ==, 16);
    g_assert_cmpint(env->cpl, ==, 0);
    g_assert_true(cpu_rdtsc(env) < 1000000000ull);   /* starts near 0 */

    /* CPUID itself: tests/unit/test-cpuid.c */
    uint64_t v;
    g_assert_true(cpu_rdmsr(env, MSR_IA32_PAT, &v));
    g_assert_cmphex(v, ==, 0x0007040600070406ull);
    g_assert_false(cpu_wrmsr(env, MSR_IA32_PAT, 0x02));
    g_assert_false(cpu_rdmsr(env, 0x12345678, &v));
    g_assert_true(cpu_rdmsr(env, 0x2ff, &v));      /* MTRR: reads as zero */
    g_assert_cmphex(v, ==, 0);
    g_assert_true(cpu_wrmsr(env, MSR_IA32_TSC, 1000000000000ull));
    g_assert_true(cpu_rdmsr(env, MSR_IA32_TSC, &v));
    g_assert_true(v >= 1000000000000ull && v < 1000000000000ull + 1000000000ull);
    g_assert_false(cpu_wrmsr(env, MSR_FSBASE, 0x0000800000000000ull));
    g_assert_true(cpu_wrmsr(env, MSR_GSBASE, 0xffff800000001000ull));
    g_assert_cmphex(env->segs[R_GS].base, ==, 0xffff800000001000ull);

    /* the register dump, real-mode layout */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cpu_dump_state(env, f);
    fclose(f);
    g_assert_nonnull(strstr(buf, "EIP=0000fff0 EFL=00000002 [-------] CPL=0"));
    g_assert_nonnull(strstr(buf, "CS =f000 ffff0000 0000ffff 00009b00"));
    g_assert_nonnull(strstr(buf, "CR0=60000010"));
    free(buf);
    tcpu_free(t);
}

/* ---- hostile guests: random tables and registers must never crash ---- */

static uint64_t fz_state = 0x243f6a8885a308d3ull;
static uint64_t fz(void)
{
    fz_state ^= fz_state << 13;
    fz_state ^= fz_state >> 7;
    fz_state ^= fz_state << 17;
    return fz_state;
}

static uint64_t fz_addr(void)
{
    switch (fz() % 4) {
    case 0: return fz() & 0xffff;
    case 1: return fz() & 0x3fffff;            /* inside RAM */
    case 2: return fz() & 0xffffffffu;
    default: return fz();                       /* anything, non-canonical too */
    }
}

static void test_fuzz_hostile(void)
{
    TestCPU *t = tcpu_new(4);
    CPUX86State *env = t->env;
    int delivered = 0, faulted = 0;
    const char *n = getenv("EMU86_FUZZ_ITERS");   /* longer runs by hand */
    int iters = n ? atoi(n) : 20000;
    for (int iter = 0; iter < iters; iter++) {
        if (iter % 64 == 0) {
            /* scribble over the tables and pick a new random mode */
            for (int i = 0; i < 512; i++) {
                pw64(t, (fz() % 0x6000) & ~7ull, fz());
            }
            cpu_x86_reset(t->cpu);
            env->gdt.base = fz() % 3 ? GDT : fz_addr();
            env->gdt.limit = fz() & 0xffff;
            env->idt.base = fz() % 3 ? IDT : fz_addr();
            env->idt.limit = fz() & 0xffff;
            env->cr[3] = fz() % 2 ? 0x5000 : fz_addr() & ~0xfffull;
            static const uint64_t cr0s[] = { 0, CR0_PE, CR0_PE | CR0_PG, CR0_PE | CR0_PG | CR0_WP };
            env->cr[0] = cr0s[fz() % 4] | CR0_ET;
            env->cr[4] = fz() & (CR4_PAE | CR4_PSE | CR4_SMEP | CR4_SMAP);
            env->efer = fz() & EFER_NXE;
            if ((env->cr[0] & CR0_PG) && (env->cr[4] & CR4_PAE) && fz() % 2) {
                env->efer |= EFER_LME | EFER_LMA;
            }
            mmu_tlb_flush(env);
            for (int s = 0; s < NR_SEGS; s++) {
                env->segs[s].selector = fz();
                env->segs[s].base = fz() % 2 ? 0 : fz_addr();
                env->segs[s].limit = fz();
                env->segs[s].flags = fz() & 0x00f0ff00u;
            }
            env->tr.base = fz() % 2 ? TSS : fz_addr();
            env->tr.limit = fz() & 0xffff;
            env->tr.flags = fz() & 0x00f0ff00u;
            env->ldt.base = fz_addr();
            env->ldt.limit = fz() & 0xffff;
            env->ldt.flags = fz() & 0x00f0ff00u;
            env->ldt.selector = fz();
            cpu_update_mode(env);
        }
        env->regs[R_ESP] = fz_addr();
        env->regs[R_ECX] = fz_addr();
        env->triple_fault = false;
        env->old_exception = fz() % 4 ? -1 : (int)(fz() % 20);
        int v = -1;
        switch (fz() % 9) {
        case 0:
            v = TCPU_RUN(env, cpu_do_interrupt(env, fz() & 0xff, fz() & 1, fz() & 1,
                                               fz(), fz_addr()));
            break;
        case 1:
            v = TCPU_RUN(env, cpu_iret(env, 2u << (fz() % 3)));
            break;
        case 2:
            v = TCPU_RUN(env, cpu_far_call(env, fz(), fz_addr(), 2u << (fz() % 3)));
            break;
        case 3:
            v = TCPU_RUN(env, cpu_far_jmp(env, fz(), fz_addr(), 2u << (fz() % 3)));
            break;
        case 4:
            v = TCPU_RUN(env, cpu_far_ret(env, 2u << (fz() % 3), fz() & 0xffff));
            break;
        case 5:
            v = TCPU_RUN(env, seg_load(env, fz() % NR_SEGS, fz()));
            break;
        case 6:
            v = TCPU_RUN(env, cpu_stq(env, fz_addr(), fz()));
            break;
        case 7:
            v = TCPU_RUN(env, cpu_ldq_kernel(env, fz_addr()));
            break;
        default:
            v = TCPU_RUN(env, seg_load_tr(env, fz()); seg_load_ldt(env, fz()));
            break;
        }
        if (v == -1) {
            delivered++;
        } else {
            faulted++;
            g_assert_cmpint(v, >=, 0);
            g_assert_cmpint(v, <, 32);
        }
        g_assert_true(env->cpl <= 3);
        g_assert_true(env->code_bits == 16 || env->code_bits == 32 || env->code_bits == 64);
    }
    g_assert_cmpint(delivered, >, 0);
    g_assert_cmpint(faulted, >, 0);
    tcpu_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/excp/real-mode-ivt", test_real_mode_ivt);
    g_test_add_func("/excp/pmode-priv-change", test_pmode_priv_change);
    g_test_add_func("/excp/pmode-sw-gates", test_pmode_sw_and_gates);
    g_test_add_func("/excp/double-fault", test_double_fault);
    g_test_add_func("/excp/triple-fault", test_triple_fault);
    g_test_add_func("/excp/hard-interrupt", test_hard_interrupt);
    g_test_add_func("/excp/call-gate", test_call_gate);
    g_test_add_func("/excp/task-switch", test_task_switch);
    g_test_add_func("/excp/vm86-round-trip", test_vm86_round_trip);
    g_test_add_func("/excp/long-mode", test_long_mode_delivery);
    g_test_add_func("/excp/syscall-sysret", test_syscall_sysret);
    g_test_add_func("/cpu/control-registers", test_control_registers);
    g_test_add_func("/cpu/reset-cpuid-msr", test_reset_cpuid_msr);
    g_test_add_func("/excp/fuzz-hostile", test_fuzz_hostile);
    return g_test_run();
}

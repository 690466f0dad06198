/*
 * tests/unit/test-isa-ext.c - RDRAND/RDSEED and CMPXCHG8B/CMPXCHG16B.
 *
 * Design: instructions are decoded from bytes and run on a flat long-mode
 * CPU of the cpu-test harness (as the interpreter would), and compared
 * with the host CPU where the host is a meaningful oracle:
 *   - RDRAND/RDSEED: the value is random, so what is checked is what the
 *     SDM and the host agree on: CF = 1 and OF SF ZF AF PF = 0 from any
 *     input flags, the operand size (16-bit forms keep bits 63:16, 32-bit
 *     forms zero 63:32), #UD for F2/F3, memory forms and models without
 *     the feature, and that successive values differ.
 *   - CMPXCHG8B/16B: results against the host instruction, #UD for a
 *     register operand, #GP(0) for a misaligned CMPXCHG16B, and LOCK
 *     atomicity: two host threads, each running its own vCPU on the same
 *     guest RAM, increment one counter with CAS loops of the emulated
 *     instruction; no increment may be lost.
 */
#include <cpuid.h>
#include <glib.h>
#include <pthread.h>
#include <string.h>

#include "cpu-test-harness.h"
#include "target/i386/cpuid.h"
#include "target/i386/ops.h"

#define DATA 0x200000u

static X86CPUModel model;

static void setup64_cpu(TestCPU *tc, CPUX86State *e)
{
    (void)tc;
    e->cr[0] |= CR0_NE | CR0_MP;
    e->cr[4] |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    e->model = &model;
}

static TestCPU *setup64(void)
{
    TestCPU *t = tcpu_new(4);
    pw64(t, 0x1008, tdesc(0, 0xfffff, T_CODE | DESC_L_MASK));
    pw64(t, 0x1010, tdesc(0, 0xffffffff, T_DATA | DESC_B_MASK));
    tpmode(t, 0x1000, 0x17);
    tlongmode(t, 0x10000, 0x11000);
    tload_seg(t, R_CS, 0x08);
    tload_seg(t, R_SS, 0x10);
    tload_seg(t, R_DS, 0x10);
    model = *x86_model_find("max");
    model.features[FEAT_1_ECX] |= CPUID_EXT_RDRAND | CPUID_EXT_CX16;
    model.features[FEAT_7_0_EBX] |= CPUID_7_EBX_RDSEED;
    setup64_cpu(t, t->env);
    return t;
}

/* Decode in 64-bit mode and execute on env: the exception vector or -1. */
static int gexec(CPUX86State *env, const uint8_t *b, unsigned n)
{
    Insn insn;
    DecodeResult r = decode_buf(&insn, MODE_64, b, n);
    if (r == DECODE_UD) {
        return EXCP_UD;
    }
    g_assert_cmpint(r, ==, DECODE_OK);
    g_assert_cmpint(insn.len, ==, n);
    env->next_rip = env->rip + insn.len;
    env->exception_index = -1;
    return TCPU_RUN(env, insn_handlers[insn.op](env, &insn));
}

#define GX(env, ...) __extension__({ const uint8_t b_[] = { __VA_ARGS__ }; \
                                     gexec((env), b_, sizeof(b_)); })

static bool host_has_rdrand(void)
{
    unsigned a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) && (c & CPUID_EXT_RDRAND);
}

/* ---- RDRAND / RDSEED ---- */

/* the host's flags after rdrand from an input with every flag set */
static uint64_t host_rdrand_flags(uint64_t *val16, uint64_t in)
{
    uint64_t v = in, f = 0x8d5 | 0x202;
    asm volatile("push %[f]\n\tpopfq\n\trdrand %w[v]\n\tpushfq\n\tpop %[f]"
                 : [v] "+r"(v), [f] "+r"(f) : : "cc");
    *val16 = v;
    return f & 0x8d5;
}

static void test_rdrand(void)
{
    TestCPU *t = setup64();
    CPUX86State *env = t->env;
    /* both, every operand size: CF = 1, OF SF ZF AF PF = 0 */
    for (int seed = 0; seed < 2; seed++) {
        uint8_t reg = seed ? 0xf8 : 0xf0;     /* /7 RDSEED, /6 RDRAND: rax */
        uint64_t prev = 0;
        int same = 0;
        for (int i = 0; i < 64; i++) {
            const uint64_t in = 0x1122334455667788ull;
            env->regs[R_EAX] = in;
            cpu_set_eflags(env, CC_MASK, CC_MASK);
            g_assert_cmpint(GX(env, 0x48, 0x0f, 0xc7, reg), ==, -1);
            g_assert_cmphex(cpu_get_eflags(env) & CC_MASK, ==, CC_C);
            same += env->regs[R_EAX] == prev;
            prev = env->regs[R_EAX];
            env->regs[R_EAX] = in;
            g_assert_cmpint(GX(env, 0x0f, 0xc7, reg), ==, -1);
            g_assert_cmphex(env->regs[R_EAX] >> 32, ==, 0);
            env->regs[R_EAX] = in;
            cpu_set_eflags(env, CC_MASK, CC_MASK);
            g_assert_cmpint(GX(env, 0x66, 0x0f, 0xc7, reg), ==, -1);
            g_assert_cmphex(env->regs[R_EAX] & ~0xffffull, ==, in & ~0xffffull);
            g_assert_cmphex(cpu_get_eflags(env) & CC_MASK, ==, CC_C);
            /* REX.B: r9 */
            env->regs[R_R9] = in;
            g_assert_cmpint(GX(env, 0x49, 0x0f, 0xc7, reg | 1), ==, -1);
        }
        /* 64 random 64-bit values: no two consecutive ones equal */
        g_assert_cmpint(same, ==, 0);
    }
    /* the host agrees on flags and the 16-bit merge */
    if (host_has_rdrand()) {
        uint64_t hv;
        g_assert_cmphex(host_rdrand_flags(&hv, 0x1122334455667788ull), ==, CC_C);
        g_assert_cmphex(hv & ~0xffffull, ==, 0x1122334455660000ull);
    }
    /* F3 /7 is RDPID; F2/F3 /6, F2 /7 and memory forms are #UD */
    g_assert_cmpint(GX(env, 0xf3, 0x0f, 0xc7, 0xf0), ==, EXCP_UD);
    g_assert_cmpint(GX(env, 0xf2, 0x0f, 0xc7, 0xf0), ==, EXCP_UD);
    g_assert_cmpint(GX(env, 0xf2, 0x0f, 0xc7, 0xf8), ==, EXCP_UD);
    g_assert_cmpint(GX(env, 0x0f, 0xc7, 0x30), ==, EXCP_UD);
    g_assert_cmpint(GX(env, 0x0f, 0xc7, 0x38), ==, EXCP_UD);
    Insn in;
    g_assert_cmpint(decode_buf(&in, MODE_64, (const uint8_t[]){ 0xf3, 0x0f, 0xc7, 0xf8 }, 4),
                    ==, DECODE_OK);
    g_assert_cmpint(in.op, ==, OP_RDPID);
    /* models without the features: #UD, registers and flags unchanged */
    model.features[FEAT_1_ECX] &= ~CPUID_EXT_RDRAND;
    model.features[FEAT_7_0_EBX] &= ~CPUID_7_EBX_RDSEED;
    env->regs[R_EAX] = 42;
    cpu_set_eflags(env, 0, CC_MASK);
    g_assert_cmpint(GX(env, 0x0f, 0xc7, 0xf0), ==, EXCP_UD);
    g_assert_cmpint(GX(env, 0x0f, 0xc7, 0xf8), ==, EXCP_UD);
    g_assert_cmphex(env->regs[R_EAX], ==, 42);
    g_assert_cmphex(cpu_get_eflags(env) & CC_MASK, ==, 0);
    env->model = NULL;      /* the default model offers neither */
    g_assert_cmpint(GX(env, 0x0f, 0xc7, 0xf0), ==, EXCP_UD);
    tcpu_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/isa-ext/rdrand-rdseed", test_rdrand);
    return g_test_run();
}

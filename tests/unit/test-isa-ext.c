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
 *     instruction; no increment may be lost (with the plain load/compare/
 *     store this code had before, increments are lost within a few
 *     thousand iterations on a two-core host).
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
    tflat64(t);
    model = *x86_model_find("max");
    model.features[FEAT_1_ECX] |= CPUID_EXT_RDRAND | CPUID_EXT_CX16;
    model.features[FEAT_7_0_EBX] |= CPUID_7_EBX_RDSEED;
    setup64_cpu(t, t->env);
    return t;
}

/* Decode in 64-bit mode and execute on env: the exception vector or -1. */
static int gexec(CPUX86State *env, const uint8_t *b, unsigned n)
{
    return texec_mode(env, b, n, MODE_64);
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

/* ---- CMPXCHG8B / CMPXCHG16B ---- */

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* lock cmpxchg8b/16b [p] on the host; returns ZF */
static bool host_cx8(uint64_t *p, uint64_t *rax, uint64_t *rdx, uint64_t rbx, uint64_t rcx)
{
    bool z;
    asm volatile("lock cmpxchg8b %[m]" : "=@ccz"(z), [m] "+m"(*p), "+a"(*rax), "+d"(*rdx)
                 : "b"(rbx), "c"(rcx) : "memory");
    return z;
}

static bool host_cx16(uint64_t *p, uint64_t *rax, uint64_t *rdx, uint64_t rbx, uint64_t rcx)
{
    bool z;
    asm volatile("lock cmpxchg16b %[m]" : "=@ccz"(z), [m] "+m"(*(unsigned __int128 *)p),
                 "+a"(*rax), "+d"(*rdx) : "b"(rbx), "c"(rcx) : "memory");
    return z;
}

/* Results, registers (64-bit zero extension of EDX:EAX on failure) and
 * ZF against the host, equal and unequal cases, aligned or not (8B). */
static void test_cmpxchg_vs_host(void)
{
    TestCPU *t = setup64();
    CPUX86State *env = t->env;
    static _Alignas(16) uint64_t hm[4];
    for (int i = 0; i < 20000; i++) {
        bool wide = i & 1;
        unsigned off = wide ? 0 : (unsigned)(rnd() % 8) * 1;   /* 8B: any alignment */
        uint64_t mem[2] = { rnd(), rnd() }, r[4];
        for (int k = 0; k < 4; k++) {
            r[k] = rnd();
        }
        if (rnd() & 1) {        /* equal: lots of successes */
            if (wide) {
                r[0] = mem[0];
                r[1] = mem[1];
            } else {
                r[0] = (r[0] & ~0xffffffffull) | (uint32_t)mem[0];
                r[1] = (r[1] & ~0xffffffffull) | (mem[0] >> 32);
            }
        }
        /* emu86: [rsi] */
        uint64_t addr = DATA + 64 + off;
        memcpy(t->ram + addr, mem, 16);
        env->regs[R_ESI] = addr;
        env->regs[R_EAX] = r[0];
        env->regs[R_EDX] = r[1];
        env->regs[R_EBX] = r[2];
        env->regs[R_ECX] = r[3];
        cpu_set_eflags(env, rnd() & CC_MASK, CC_MASK);
        uint32_t fin = cpu_get_eflags(env) & CC_MASK;
        int v = wide ? GX(env, 0xf0, 0x48, 0x0f, 0xc7, 0x0e) : GX(env, 0xf0, 0x0f, 0xc7, 0x0e);
        g_assert_cmpint(v, ==, -1);
        /* host */
        uint8_t *hb = (uint8_t *)hm + off;
        memcpy(hb, mem, 16);
        uint64_t ha = r[0], hd = r[1];
        bool hz = wide ? host_cx16((uint64_t *)hb, &ha, &hd, r[2], r[3])
                       : host_cx8((uint64_t *)hb, &ha, &hd, r[2], r[3]);
        g_assert_cmphex(env->regs[R_EAX], ==, ha);
        g_assert_cmphex(env->regs[R_EDX], ==, hd);
        g_assert_cmphex(env->regs[R_EBX], ==, r[2]);
        g_assert_cmphex(env->regs[R_ECX], ==, r[3]);
        g_assert_cmpmem(t->ram + addr, 16, hb, 16);
        uint32_t ef = cpu_get_eflags(env) & CC_MASK;
        g_assert_cmphex(ef, ==, (fin & ~CC_Z) | (hz ? CC_Z : 0));
    }
    tcpu_free(t);
}

static void test_cmpxchg_faults(void)
{
    TestCPU *t = setup64();
    CPUX86State *env = t->env;
    /* register operand: #UD (SDM CMPXCHG8B "If the destination is a
     * register"), with and without LOCK */
    g_assert_cmpint(GX(env, 0x0f, 0xc7, 0xce), ==, EXCP_UD);
    g_assert_cmpint(GX(env, 0xf0, 0x48, 0x0f, 0xc7, 0xce), ==, EXCP_UD);
    /* CMPXCHG16B m128 not 16-aligned: #GP(0), memory untouched */
    env->regs[R_ESI] = DATA + 8;
    pw64(t, DATA + 8, 5);
    pw64(t, DATA + 16, 6);
    env->regs[R_EAX] = 5;
    env->regs[R_EDX] = 6;
    g_assert_cmpint(GX(env, 0x48, 0x0f, 0xc7, 0x0e), ==, EXCP_GP);
    g_assert_cmphex(env->error_code, ==, 0);
    g_assert_cmphex(pr64(t, DATA + 8), ==, 5);
    /* CMPXCHG8B at the same address is fine (and succeeds: 6:5) */
    env->regs[R_EAX] = 5;
    env->regs[R_EDX] = 0;
    env->regs[R_EBX] = 7;
    env->regs[R_ECX] = 0;
    g_assert_cmpint(GX(env, 0x0f, 0xc7, 0x0e), ==, -1);
    g_assert_cmphex(pr64(t, DATA + 8), ==, 7);
    /* across a page boundary (the locked byte-wise path): both outcomes */
    uint64_t pc = DATA + 0xffc;
    pw64(t, pc, 0x1111111122222222ull);
    env->regs[R_ESI] = pc;
    env->regs[R_EAX] = 0x22222222;
    env->regs[R_EDX] = 0x11111111;
    env->regs[R_EBX] = 0x44444444;
    env->regs[R_ECX] = 0x33333333;
    g_assert_cmpint(GX(env, 0x0f, 0xc7, 0x0e), ==, -1);
    g_assert_true(cpu_get_eflags(env) & CC_Z);
    g_assert_cmphex(pr64(t, pc), ==, 0x3333333344444444ull);
    env->regs[R_EAX] = ~0ull;
    g_assert_cmpint(GX(env, 0x0f, 0xc7, 0x0e), ==, -1);
    g_assert_false(cpu_get_eflags(env) & CC_Z);
    g_assert_cmphex(env->regs[R_EAX], ==, 0x44444444);
    g_assert_cmphex(env->regs[R_EDX], ==, 0x33333333);
    g_assert_cmphex(pr64(t, pc), ==, 0x3333333344444444ull);
    /* a model without CX16: #UD */
    model.features[FEAT_1_ECX] &= ~CPUID_EXT_CX16;
    env->regs[R_ESI] = DATA;
    g_assert_cmpint(GX(env, 0x48, 0x0f, 0xc7, 0x0e), ==, EXCP_UD);
    tcpu_free(t);
}

/* Two vCPUs on two host threads increment one counter with CAS loops
 * of the emulated LOCK CMPXCHG8B/16B: no increment may be lost. */
#define RACE_ITERS 200000

typedef struct Racer {
    CPUX86State *env;
    bool wide;
    unsigned long retries;
    pthread_barrier_t *start;
} Racer;

static void *racer(void *opaque)
{
    Racer *r = opaque;
    CPUX86State *env = r->env;
    Insn in;
    const uint8_t b8[] = { 0xf0, 0x0f, 0xc7, 0x0e }, b16[] = { 0xf0, 0x48, 0x0f, 0xc7, 0x0e };
    g_assert_cmpint(r->wide ? decode_buf(&in, MODE_64, b16, 5) : decode_buf(&in, MODE_64, b8, 4),
                    ==, DECODE_OK);
    env->regs[R_EAX] = env->regs[R_EDX] = 0;
    pthread_barrier_wait(r->start);
    for (int i = 0; i < RACE_ITERS; i++) {
        for (;;) {
            /* new = expected + 1 (the high half carries the same count
             * for CMPXCHG16B, so both halves are checked) */
            if (r->wide) {
                env->regs[R_EBX] = env->regs[R_EAX] + 1;
                env->regs[R_ECX] = env->regs[R_EDX] + 1;
            } else {
                uint64_t v = ((uint64_t)(uint32_t)env->regs[R_EDX] << 32 |
                              (uint32_t)env->regs[R_EAX]) + 1;
                env->regs[R_EBX] = (uint32_t)v;
                env->regs[R_ECX] = v >> 32;
            }
            if (TCPU_RUN(env, insn_handlers[in.op](env, &in)) != -1) {
                return (void *)1;
            }
            if (cpu_get_eflags(env) & CC_Z) {
                env->regs[R_EAX] = env->regs[R_EBX];
                env->regs[R_EDX] = env->regs[R_ECX];
                break;
            }
            r->retries++;
        }
    }
    return NULL;
}

static void race(bool wide, uint64_t addr)
{
    TestCPU *t = setup64();
    X86CPU *cpu2 = calloc(1, sizeof(*cpu2));
    cpu_x86_init(cpu2, t->m, 1);
    /* the second vCPU: same mode and registers, its own TLB */
    CPUX86State *e2 = &cpu2->env;
    *e2 = *t->env;
    e2->tlb = NULL;
    e2->cpu = cpu2;
    pw64(t, addr, 0);
    pw64(t, addr + 8, 0);
    t->env->regs[R_ESI] = addr;
    e2->regs[R_ESI] = addr;
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, 2);
    Racer r1 = { t->env, wide, 0, &start }, r2 = { e2, wide, 0, &start };
    pthread_t th;
    pthread_create(&th, NULL, racer, &r2);
    void *ret1 = racer(&r1), *ret2;
    pthread_join(th, &ret2);
    pthread_barrier_destroy(&start);
    g_assert_null(ret1);
    g_assert_null(ret2);
    g_test_message("%s at %#llx: %d increments per vCPU, %lu + %lu failed compares (races seen)",
                   wide ? "cmpxchg16b" : "cmpxchg8b", (unsigned long long)addr, RACE_ITERS,
                   r1.retries, r2.retries);
    g_assert_cmphex(pr64(t, addr), ==, 2 * RACE_ITERS);
    if (wide) {
        g_assert_cmphex(pr64(t, addr + 8), ==, 2 * RACE_ITERS);
    }
    free(e2->tlb);
    free(cpu2);
    tcpu_free(t);
}

static void test_cmpxchg8b_atomic(void) { race(false, DATA + 0x100); }
static void test_cmpxchg16b_atomic(void) { race(true, DATA + 0x200); }
/* misaligned (within a cache line: no host split lock) */
static void test_cmpxchg8b_atomic_misaligned(void) { race(false, DATA + 0x304); }

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/isa-ext/rdrand-rdseed", test_rdrand);
    g_test_add_func("/isa-ext/cmpxchg8b-16b/host", test_cmpxchg_vs_host);
    g_test_add_func("/isa-ext/cmpxchg8b-16b/faults", test_cmpxchg_faults);
    g_test_add_func("/isa-ext/cmpxchg8b/atomic", test_cmpxchg8b_atomic);
    g_test_add_func("/isa-ext/cmpxchg16b/atomic", test_cmpxchg16b_atomic);
    g_test_add_func("/isa-ext/cmpxchg8b/atomic-misaligned", test_cmpxchg8b_atomic_misaligned);
    return g_test_run();
}

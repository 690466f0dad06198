/*
 * tests/unit/test-sse.c - SSE/SSE2/SSE3/SSSE3/MMX (target/i386/sse*.c)
 * against the host.
 *
 * Design: host-differential.  Each table entry is one instruction form;
 * for random operands (special floats: +-0, denormals, infinities,
 * QNaN/SNaN, huge and tiny values, integers near the conversion limits) and
 * random MXCSR (4 rounding modes x DAZ x FTZ, exceptions masked) the same
 * encoding, with registers xmm0-3 / mm0-3 / rax, rcx, rdx and the memory
 * operand [rbx], runs:
 *   - natively: the bytes are copied into an RWX page followed by RET and
 *     called from test_native_run (below), which loads all those registers
 *     and MXCSR from a state block and stores them back;
 *   - in emu86: decode_buf + insn_handlers[] on a flat 64-bit CPU from the
 *     cpu-test harness, with the same register and memory contents.
 * XMM0-3, MM0-3, the three GPRs, MXCSR, the memory operand and, for
 * COMISx/UCOMISx, the arithmetic flags must agree bit for bit.  The
 * exception behaviour (#UD with CR4.OSFXSR=0 or CR0.EM=1, #NM with
 * CR0.TS=1, #GP(0) on misaligned aligned-form operands, #XM / #UD for
 * unmasked SIMD exceptions, LDMXCSR reserved bits, FXSAVE image) is
 * tested separately.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "cpu-test-harness.h"
#include "target/i386/cpuid.h"
#include "target/i386/fpu.h"
#include "target/i386/ops.h"
#include "target/i386/sse.h"

#define DATA 0x200000u

/* ------------------------------------------------------------------ */
/* native side                                                         */

typedef struct TState {
    uint8_t xmm[16][16]; /*   0 */
    uint64_t mm[4];      /* 256 */
    uint32_t mxcsr;      /* 288 */
    uint32_t pad;
    uint64_t rflags;     /* 296 */
    uint64_t rax, rcx, rdx;  /* 304 312 320 */
    uint64_t rbx;        /* 328: memory operand address */
} TState;

#define NX 16

__asm__(
    ".pushsection .text\n"
    ".globl test_native_run\n"
    ".type test_native_run, @function\n"
    "test_native_run:\n"
    "    push %rbx\n"
    "    push %rbp\n"
    "    push %r12\n"
    "    sub $16, %rsp\n"
    "    mov %rdi, %r12\n"
    "    stmxcsr (%rsp)\n"
    "    movups 0(%r12), %xmm0\n"
    "    movups 16(%r12), %xmm1\n"
    "    movups 32(%r12), %xmm2\n"
    "    movups 48(%r12), %xmm3\n"
    "    movups 64(%r12), %xmm4\n"
    "    movups 80(%r12), %xmm5\n"
    "    movups 96(%r12), %xmm6\n"
    "    movups 112(%r12), %xmm7\n"
    "    movups 128(%r12), %xmm8\n"
    "    movups 144(%r12), %xmm9\n"
    "    movups 160(%r12), %xmm10\n"
    "    movups 176(%r12), %xmm11\n"
    "    movups 192(%r12), %xmm12\n"
    "    movups 208(%r12), %xmm13\n"
    "    movups 224(%r12), %xmm14\n"
    "    movups 240(%r12), %xmm15\n"
    "    movq 256(%r12), %mm0\n"
    "    movq 264(%r12), %mm1\n"
    "    movq 272(%r12), %mm2\n"
    "    movq 280(%r12), %mm3\n"
    "    ldmxcsr 288(%r12)\n"
    "    mov 304(%r12), %rax\n"
    "    mov 312(%r12), %rcx\n"
    "    mov 320(%r12), %rdx\n"
    "    mov 328(%r12), %rbx\n"
    "    call *%rsi\n"
    "    pushfq\n"
    "    pop %rbp\n"
    "    mov %rbp, 296(%r12)\n"
    "    stmxcsr 288(%r12)\n"
    "    movups %xmm0, 0(%r12)\n"
    "    movups %xmm1, 16(%r12)\n"
    "    movups %xmm2, 32(%r12)\n"
    "    movups %xmm3, 48(%r12)\n"
    "    movups %xmm4, 64(%r12)\n"
    "    movups %xmm5, 80(%r12)\n"
    "    movups %xmm6, 96(%r12)\n"
    "    movups %xmm7, 112(%r12)\n"
    "    movups %xmm8, 128(%r12)\n"
    "    movups %xmm9, 144(%r12)\n"
    "    movups %xmm10, 160(%r12)\n"
    "    movups %xmm11, 176(%r12)\n"
    "    movups %xmm12, 192(%r12)\n"
    "    movups %xmm13, 208(%r12)\n"
    "    movups %xmm14, 224(%r12)\n"
    "    movups %xmm15, 240(%r12)\n"
    "    movq %mm0, 256(%r12)\n"
    "    movq %mm1, 264(%r12)\n"
    "    movq %mm2, 272(%r12)\n"
    "    movq %mm3, 280(%r12)\n"
    "    mov %rax, 304(%r12)\n"
    "    mov %rcx, 312(%r12)\n"
    "    mov %rdx, 320(%r12)\n"
    "    emms\n"
    "    ldmxcsr (%rsp)\n"
    "    add $16, %rsp\n"
    "    pop %r12\n"
    "    pop %rbp\n"
    "    pop %rbx\n"
    "    ret\n"
    ".size test_native_run, . - test_native_run\n"
    ".popsection\n");

void test_native_run(TState *st, const void *code);

static uint8_t *code_page;
static _Alignas(64) uint8_t native_mem[64];

/* Unmasked SIMD exceptions on the host arrive as SIGFPE (#XM): the
 * handler records MXCSR as the fault left it, masks everything and skips
 * the instruction (it is alone in code_page, followed by RET), so the
 * epilogue stores the registers the faulting instruction left alone. */
static volatile int native_faulted;
static volatile uint32_t native_fault_mxcsr;
static unsigned native_len;

static void sigfpe_handler(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    native_faulted = 1;
    native_fault_mxcsr = uc->uc_mcontext.fpregs->mxcsr;
    uc->uc_mcontext.fpregs->mxcsr |= MXCSR_MASKS;
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)(code_page + native_len);
}

static void native_exec(TState *st, const uint8_t *bytes, unsigned n)
{
    memcpy(code_page, bytes, n);
    code_page[n] = 0xc3;
    native_len = n;
    native_faulted = 0;
    st->rbx = (uint64_t)(uintptr_t)native_mem;
    test_native_run(st, code_page);
    if (native_faulted) {
        st->mxcsr = native_fault_mxcsr;
    }
}

/* ------------------------------------------------------------------ */
/* guest side                                                          */

static TestCPU *t;
static CPUX86State *env;

static void setup64(void)
{
    t = tcpu_new(4);
    env = t->env;
    tflat64(t);
    env->cr[4] |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    env->regs[R_EBX] = DATA;
    env->model = x86_model_find("max");     /* every implemented extension */
    fpu_reset(env);
}

static void teardown(void)
{
    tcpu_free(t);
    t = NULL;
    env = NULL;
}

static int gexec(const uint8_t *b, unsigned n)
{
    return texec(env, b, n);
}

#define GX(...) __extension__({ const uint8_t b_[] = { __VA_ARGS__ }; gexec(b_, sizeof(b_)); })

/* ------------------------------------------------------------------ */
/* random operands                                                     */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint32_t rnd_f32(void)
{
    static const uint32_t edges[] = {
        0x00000000, 0x80000000, 0x00000001, 0x807fffff, 0x00400000, 0x7f800000,
        0xff800000, 0x7fc00000, 0xffc00001, 0x7f800001, 0xffa00000, 0x3f800000,
        0xbf800000, 0x7f7fffff, 0x00800000, 0x80800000, 0x4f000000, 0xcf000000,
        0x4effffff, 0xcf000001, 0x5f000000, 0xdf000000, 0x3f000000, 0x3fc00000,
        0x40200000, 0xc0600000, 0x4b800001, 0x0c000000,
    };
    uint32_t v = (uint32_t)rnd();
    switch (rnd() % 6) {
    case 0: case 1: return edges[rnd() % (sizeof(edges) / sizeof(edges[0]))];
    case 2: return (v & 0x807fffffu) | ((uint32_t)(0x70 + rnd() % 0x20) << 23);   /* moderate */
    case 3: return v & 0x807fffffu;                                            /* denormal */
    default: return v;
    }
}

static uint64_t rnd_f64(void)
{
    static const uint64_t edges[] = {
        0, 0x8000000000000000ull, 1, 0x800fffffffffffffull, 0x7ff0000000000000ull,
        0xfff0000000000000ull, 0x7ff8000000000000ull, 0xfff8000000000001ull,
        0x7ff0000000000001ull, 0x3ff0000000000000ull, 0xbff0000000000000ull,
        0x7fefffffffffffffull, 0x0010000000000000ull, 0x41e0000000000000ull,
        0xc1e0000000000000ull, 0x41dfffffffc00000ull, 0xc1e0000000200000ull,
        0x43e0000000000000ull, 0xc3e0000000000000ull, 0x3fe0000000000000ull,
        0x3ff8000000000000ull, 0x36a0000000000000ull, 0x47f0000000000000ull,
        0x380fffffffffffffull,
    };
    uint64_t v = rnd();
    switch (rnd() % 6) {
    case 0: case 1: return edges[rnd() % (sizeof(edges) / sizeof(edges[0]))];
    case 2: return (v & 0x800fffffffffffffull) | ((uint64_t)(0x3c0 + rnd() % 0x80) << 52);
    case 3: return v & 0x800fffffffffffffull;
    default: return v;
    }
}

static uint64_t rnd_int(void)
{
    static const uint64_t edges[] = {
        0, 1, ~0ull, 0x7fffffff, 0x80000000, 0x7fffffffffffffffull,
        0x8000000000000000ull, 0xffff, 0x8000, 0x7fff, 0x80, 0x7f, 0xff,
        0x0100000001000000ull, 16777217, 0x20000000000001ull,
    };
    uint64_t v = rnd();
    switch (rnd() % 5) {
    case 0: return edges[rnd() % (sizeof(edges) / sizeof(edges[0]))];
    case 1: return (uint64_t)(int64_t)(int32_t)(rnd() % 2001 - 1000);
    case 2: return v >> (rnd() % 64);
    default: return v;
    }
}

/* 16 bytes as floats, doubles, integers or a mixture */
static void rnd_vec(uint8_t *p, int kind)
{
    for (int i = 0; i < 16; i += 8) {
        int k = kind >= 0 ? kind : (int)(rnd() % 3);
        uint64_t q;
        if (k == 0) {
            q = rnd_f32() | (uint64_t)rnd_f32() << 32;
        } else if (k == 1) {
            q = rnd_f64();
        } else {
            q = rnd_int();
        }
        memcpy(p + i, &q, 8);
    }
}

/* ------------------------------------------------------------------ */
/* the differential table                                              */

enum { C_X, C_M, C_G };            /* operand classes */
enum { F_R = 1, F_M = 2, F_RM = 3 }; /* forms */
enum { I_NONE, I_ANY, I_CMP, I_SHIFT };
enum { D_F32, D_F64, D_INT, D_MIX };

typedef struct TEntry {
    const char *name;
    const char *family;
    uint8_t pfx, rexw, map, op;
    uint8_t regc, rmc, forms, imm, data;
    int8_t sub;                    /* fixed ModRM.reg (shift groups) or -1 */
    bool flags;                    /* compare CF/PF/ZF... */
} TEntry;

#define T(n, fam, p, o, rc, mc, f, im, d) { n, fam, p, 0, 0, o, rc, mc, f, im, d, -1, false }
#define TW(n, fam, p, o, rc, mc, f, im, d) { n, fam, p, 1, 0, o, rc, mc, f, im, d, -1, false }
#define T38(n, fam, p, o) { n, fam, p, 0, 1, o, (p) ? C_X : C_M, (p) ? C_X : C_M, F_RM, I_NONE, D_INT, -1, false }
#define TSH(n, p, o, s) { n, "shift-imm", p, 0, 0, o, C_X, (p) ? C_X : C_M, F_R, I_SHIFT, D_INT, s, false }
#define TF(n, fam, p, o, ms) T(n, fam, p, o, C_X, C_X, F_RM, I_NONE, D_MIX)
/* integer op in both MMX and SSE2 forms */
#define TI(n, o) T(n " mm", "int-mmx", 0, o, C_M, C_M, F_RM, I_NONE, D_INT), \
                 T(n " xmm", "int-sse2", 0x66, o, C_X, C_X, F_RM, I_NONE, D_INT)
#define TFP4(n, o) T(n "ps", "fp-arith", 0, o, C_X, C_X, F_RM, I_NONE, D_F32), \
                   T(n "pd", "fp-arith", 0x66, o, C_X, C_X, F_RM, I_NONE, D_F64), \
                   T(n "ss", "fp-arith", 0xf3, o, C_X, C_X, F_RM, I_NONE, D_F32), \
                   T(n "sd", "fp-arith", 0xf2, o, C_X, C_X, F_RM, I_NONE, D_F64)

static const TEntry entries[] = {
    /* (1) data movement */
    T("movups", "move", 0, 0x10, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("movups st", "move", 0, 0x11, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("movupd", "move", 0x66, 0x10, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("movupd st", "move", 0x66, 0x11, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("movss", "move", 0xf3, 0x10, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("movss st", "move", 0xf3, 0x11, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("movsd", "move", 0xf2, 0x10, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("movsd st", "move", 0xf2, 0x11, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("movlps/movhlps", "move", 0, 0x12, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("movlpd", "move", 0x66, 0x12, C_X, C_X, F_M, I_NONE, D_MIX),
    T("movlps st", "move", 0, 0x13, C_X, C_X, F_M, I_NONE, D_MIX),
    T("movlpd st", "move", 0x66, 0x13, C_X, C_X, F_M, I_NONE, D_MIX),
    T("movhps/movlhps", "move", 0, 0x16, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("movhpd", "move", 0x66, 0x16, C_X, C_X, F_M, I_NONE, D_MIX),
    T("movhps st", "move", 0, 0x17, C_X, C_X, F_M, I_NONE, D_MIX),
    T("movhpd st", "move", 0x66, 0x17, C_X, C_X, F_M, I_NONE, D_MIX),
    T("movaps", "move", 0, 0x28, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("movaps st", "move", 0, 0x29, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("movapd", "move", 0x66, 0x28, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("movapd st", "move", 0x66, 0x29, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("movntps", "move", 0, 0x2b, C_X, C_X, F_M, I_NONE, D_MIX),
    T("movntpd", "move", 0x66, 0x2b, C_X, C_X, F_M, I_NONE, D_MIX),
    T("movmskps", "move", 0, 0x50, C_G, C_X, F_R, I_NONE, D_MIX),
    T("movmskpd", "move", 0x66, 0x50, C_G, C_X, F_R, I_NONE, D_MIX),
    T("andps", "logic", 0, 0x54, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("andnps", "logic", 0, 0x55, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("orps", "logic", 0, 0x56, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("xorps", "logic", 0, 0x57, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("andpd", "logic", 0x66, 0x54, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("andnpd", "logic", 0x66, 0x55, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("orpd", "logic", 0x66, 0x56, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("xorpd", "logic", 0x66, 0x57, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("movd mm,r32", "move", 0, 0x6e, C_M, C_G, F_RM, I_NONE, D_INT),
    TW("movq mm,r64", "move", 0, 0x6e, C_M, C_G, F_RM, I_NONE, D_INT),
    T("movd xmm,r32", "move", 0x66, 0x6e, C_X, C_G, F_RM, I_NONE, D_INT),
    TW("movq xmm,r64", "move", 0x66, 0x6e, C_X, C_G, F_RM, I_NONE, D_INT),
    T("movd r32,mm", "move", 0, 0x7e, C_M, C_G, F_RM, I_NONE, D_INT),
    TW("movq r64,mm", "move", 0, 0x7e, C_M, C_G, F_RM, I_NONE, D_INT),
    T("movd r32,xmm", "move", 0x66, 0x7e, C_X, C_G, F_RM, I_NONE, D_INT),
    TW("movq r64,xmm", "move", 0x66, 0x7e, C_X, C_G, F_RM, I_NONE, D_INT),
    T("movq mm,mm/m64", "move", 0, 0x6f, C_M, C_M, F_RM, I_NONE, D_INT),
    T("movq mm/m64,mm", "move", 0, 0x7f, C_M, C_M, F_RM, I_NONE, D_INT),
    T("movdqa", "move", 0x66, 0x6f, C_X, C_X, F_RM, I_NONE, D_INT),
    T("movdqa st", "move", 0x66, 0x7f, C_X, C_X, F_RM, I_NONE, D_INT),
    T("movdqu", "move", 0xf3, 0x6f, C_X, C_X, F_RM, I_NONE, D_INT),
    T("movdqu st", "move", 0xf3, 0x7f, C_X, C_X, F_RM, I_NONE, D_INT),
    T("movq xmm,xmm/m64", "move", 0xf3, 0x7e, C_X, C_X, F_RM, I_NONE, D_INT),
    T("movq xmm/m64,xmm", "move", 0x66, 0xd6, C_X, C_X, F_RM, I_NONE, D_INT),
    T("movq2dq", "move", 0xf3, 0xd6, C_X, C_M, F_R, I_NONE, D_INT),
    T("movdq2q", "move", 0xf2, 0xd6, C_M, C_X, F_R, I_NONE, D_INT),
    T("pmovmskb mm", "move", 0, 0xd7, C_G, C_M, F_R, I_NONE, D_INT),
    T("pmovmskb xmm", "move", 0x66, 0xd7, C_G, C_X, F_R, I_NONE, D_INT),
    T("movntq", "move", 0, 0xe7, C_M, C_M, F_M, I_NONE, D_INT),
    T("movntdq", "move", 0x66, 0xe7, C_X, C_X, F_M, I_NONE, D_INT),
    T("movnti", "move", 0, 0xc3, C_G, C_G, F_M, I_NONE, D_INT),
    TW("movnti64", "move", 0, 0xc3, C_G, C_G, F_M, I_NONE, D_INT),
    T("pinsrw mm", "move", 0, 0xc4, C_M, C_G, F_RM, I_ANY, D_INT),
    T("pinsrw xmm", "move", 0x66, 0xc4, C_X, C_G, F_RM, I_ANY, D_INT),
    T("pextrw mm", "move", 0, 0xc5, C_G, C_M, F_R, I_ANY, D_INT),
    T("pextrw xmm", "move", 0x66, 0xc5, C_G, C_X, F_R, I_ANY, D_INT),
    T("shufps", "shuffle", 0, 0xc6, C_X, C_X, F_RM, I_ANY, D_MIX),
    T("shufpd", "shuffle", 0x66, 0xc6, C_X, C_X, F_RM, I_ANY, D_MIX),
    T("unpcklps", "shuffle", 0, 0x14, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("unpcklpd", "shuffle", 0x66, 0x14, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("unpckhps", "shuffle", 0, 0x15, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("unpckhpd", "shuffle", 0x66, 0x15, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("pshufw", "shuffle", 0, 0x70, C_M, C_M, F_RM, I_ANY, D_INT),
    T("pshufd", "shuffle", 0x66, 0x70, C_X, C_X, F_RM, I_ANY, D_INT),
    T("pshufhw", "shuffle", 0xf3, 0x70, C_X, C_X, F_RM, I_ANY, D_INT),
    T("pshuflw", "shuffle", 0xf2, 0x70, C_X, C_X, F_RM, I_ANY, D_INT),
    /* (2) integer SIMD */
    TI("punpcklbw", 0x60), TI("punpcklwd", 0x61), TI("punpckldq", 0x62),
    TI("packsswb", 0x63), TI("pcmpgtb", 0x64), TI("pcmpgtw", 0x65),
    TI("pcmpgtd", 0x66), TI("packuswb", 0x67), TI("punpckhbw", 0x68),
    TI("punpckhwd", 0x69), TI("punpckhdq", 0x6a), TI("packssdw", 0x6b),
    T("punpcklqdq", "int-sse2", 0x66, 0x6c, C_X, C_X, F_RM, I_NONE, D_INT),
    T("punpckhqdq", "int-sse2", 0x66, 0x6d, C_X, C_X, F_RM, I_NONE, D_INT),
    TI("pcmpeqb", 0x74), TI("pcmpeqw", 0x75), TI("pcmpeqd", 0x76),
    TI("psrlw", 0xd1), TI("psrld", 0xd2), TI("psrlq", 0xd3), TI("paddq", 0xd4),
    TI("pmullw", 0xd5), TI("psubusb", 0xd8), TI("psubusw", 0xd9), TI("pminub", 0xda),
    TI("pand", 0xdb), TI("paddusb", 0xdc), TI("paddusw", 0xdd), TI("pmaxub", 0xde),
    TI("pandn", 0xdf), TI("pavgb", 0xe0), TI("psraw", 0xe1), TI("psrad", 0xe2),
    TI("pavgw", 0xe3), TI("pmulhuw", 0xe4), TI("pmulhw", 0xe5), TI("psubsb", 0xe8),
    TI("psubsw", 0xe9), TI("pminsw", 0xea), TI("por", 0xeb), TI("paddsb", 0xec),
    TI("paddsw", 0xed), TI("pmaxsw", 0xee), TI("pxor", 0xef), TI("psllw", 0xf1),
    TI("pslld", 0xf2), TI("psllq", 0xf3), TI("pmuludq", 0xf4), TI("pmaddwd", 0xf5),
    TI("psadbw", 0xf6), TI("psubb", 0xf8), TI("psubw", 0xf9), TI("psubd", 0xfa),
    TI("psubq", 0xfb), TI("paddb", 0xfc), TI("paddw", 0xfd), TI("paddd", 0xfe),
    TSH("psrlw mm,ib", 0, 0x71, 2), TSH("psraw mm,ib", 0, 0x71, 4), TSH("psllw mm,ib", 0, 0x71, 6),
    TSH("psrld mm,ib", 0, 0x72, 2), TSH("psrad mm,ib", 0, 0x72, 4), TSH("pslld mm,ib", 0, 0x72, 6),
    TSH("psrlq mm,ib", 0, 0x73, 2), TSH("psllq mm,ib", 0, 0x73, 6),
    TSH("psrlw xmm,ib", 0x66, 0x71, 2), TSH("psraw xmm,ib", 0x66, 0x71, 4),
    TSH("psllw xmm,ib", 0x66, 0x71, 6), TSH("psrld xmm,ib", 0x66, 0x72, 2),
    TSH("psrad xmm,ib", 0x66, 0x72, 4), TSH("pslld xmm,ib", 0x66, 0x72, 6),
    TSH("psrlq xmm,ib", 0x66, 0x73, 2), TSH("psllq xmm,ib", 0x66, 0x73, 6),
    TSH("psrldq", 0x66, 0x73, 3), TSH("pslldq", 0x66, 0x73, 7),
    /* (3) floating point */
    TFP4("sqrt", 0x51), TFP4("add", 0x58), TFP4("mul", 0x59), TFP4("sub", 0x5c),
    TFP4("min", 0x5d), TFP4("div", 0x5e), TFP4("max", 0x5f),
    T("rsqrtps", "fp-approx", 0, 0x52, C_X, C_X, F_RM, I_NONE, D_F32),
    T("rsqrtss", "fp-approx", 0xf3, 0x52, C_X, C_X, F_RM, I_NONE, D_F32),
    T("rcpps", "fp-approx", 0, 0x53, C_X, C_X, F_RM, I_NONE, D_F32),
    T("rcpss", "fp-approx", 0xf3, 0x53, C_X, C_X, F_RM, I_NONE, D_F32),
    T("cmpps", "fp-cmp", 0, 0xc2, C_X, C_X, F_RM, I_CMP, D_F32),
    T("cmppd", "fp-cmp", 0x66, 0xc2, C_X, C_X, F_RM, I_CMP, D_F64),
    T("cmpss", "fp-cmp", 0xf3, 0xc2, C_X, C_X, F_RM, I_CMP, D_F32),
    T("cmpsd", "fp-cmp", 0xf2, 0xc2, C_X, C_X, F_RM, I_CMP, D_F64),
    { "ucomiss", "fp-comi", 0, 0, 0, 0x2e, C_X, C_X, F_RM, I_NONE, D_F32, -1, true },
    { "ucomisd", "fp-comi", 0x66, 0, 0, 0x2e, C_X, C_X, F_RM, I_NONE, D_F64, -1, true },
    { "comiss", "fp-comi", 0, 0, 0, 0x2f, C_X, C_X, F_RM, I_NONE, D_F32, -1, true },
    { "comisd", "fp-comi", 0x66, 0, 0, 0x2f, C_X, C_X, F_RM, I_NONE, D_F64, -1, true },
    /* (4) conversions */
    T("cvtps2pd", "cvt", 0, 0x5a, C_X, C_X, F_RM, I_NONE, D_F32),
    T("cvtpd2ps", "cvt", 0x66, 0x5a, C_X, C_X, F_RM, I_NONE, D_F64),
    T("cvtss2sd", "cvt", 0xf3, 0x5a, C_X, C_X, F_RM, I_NONE, D_F32),
    T("cvtsd2ss", "cvt", 0xf2, 0x5a, C_X, C_X, F_RM, I_NONE, D_F64),
    T("cvtdq2ps", "cvt", 0, 0x5b, C_X, C_X, F_RM, I_NONE, D_INT),
    T("cvtps2dq", "cvt", 0x66, 0x5b, C_X, C_X, F_RM, I_NONE, D_F32),
    T("cvttps2dq", "cvt", 0xf3, 0x5b, C_X, C_X, F_RM, I_NONE, D_F32),
    T("cvttpd2dq", "cvt", 0x66, 0xe6, C_X, C_X, F_RM, I_NONE, D_F64),
    T("cvtdq2pd", "cvt", 0xf3, 0xe6, C_X, C_X, F_RM, I_NONE, D_INT),
    T("cvtpd2dq", "cvt", 0xf2, 0xe6, C_X, C_X, F_RM, I_NONE, D_F64),
    T("cvtsi2ss r32", "cvt", 0xf3, 0x2a, C_X, C_G, F_RM, I_NONE, D_INT),
    TW("cvtsi2ss r64", "cvt", 0xf3, 0x2a, C_X, C_G, F_RM, I_NONE, D_INT),
    T("cvtsi2sd r32", "cvt", 0xf2, 0x2a, C_X, C_G, F_RM, I_NONE, D_INT),
    TW("cvtsi2sd r64", "cvt", 0xf2, 0x2a, C_X, C_G, F_RM, I_NONE, D_INT),
    T("cvttss2si r32", "cvt", 0xf3, 0x2c, C_G, C_X, F_RM, I_NONE, D_F32),
    TW("cvttss2si r64", "cvt", 0xf3, 0x2c, C_G, C_X, F_RM, I_NONE, D_F32),
    T("cvttsd2si r32", "cvt", 0xf2, 0x2c, C_G, C_X, F_RM, I_NONE, D_F64),
    TW("cvttsd2si r64", "cvt", 0xf2, 0x2c, C_G, C_X, F_RM, I_NONE, D_F64),
    T("cvtss2si r32", "cvt", 0xf3, 0x2d, C_G, C_X, F_RM, I_NONE, D_F32),
    TW("cvtss2si r64", "cvt", 0xf3, 0x2d, C_G, C_X, F_RM, I_NONE, D_F32),
    T("cvtsd2si r32", "cvt", 0xf2, 0x2d, C_G, C_X, F_RM, I_NONE, D_F64),
    TW("cvtsd2si r64", "cvt", 0xf2, 0x2d, C_G, C_X, F_RM, I_NONE, D_F64),
    T("cvtpi2ps", "cvt", 0, 0x2a, C_X, C_M, F_RM, I_NONE, D_INT),
    T("cvtpi2pd", "cvt", 0x66, 0x2a, C_X, C_M, F_RM, I_NONE, D_INT),
    T("cvttps2pi", "cvt", 0, 0x2c, C_M, C_X, F_RM, I_NONE, D_F32),
    T("cvttpd2pi", "cvt", 0x66, 0x2c, C_M, C_X, F_RM, I_NONE, D_F64),
    T("cvtps2pi", "cvt", 0, 0x2d, C_M, C_X, F_RM, I_NONE, D_F32),
    T("cvtpd2pi", "cvt", 0x66, 0x2d, C_M, C_X, F_RM, I_NONE, D_F64),
    /* (5) SSE3 */
    T("haddpd", "sse3", 0x66, 0x7c, C_X, C_X, F_RM, I_NONE, D_F64),
    T("haddps", "sse3", 0xf2, 0x7c, C_X, C_X, F_RM, I_NONE, D_F32),
    T("hsubpd", "sse3", 0x66, 0x7d, C_X, C_X, F_RM, I_NONE, D_F64),
    T("hsubps", "sse3", 0xf2, 0x7d, C_X, C_X, F_RM, I_NONE, D_F32),
    T("addsubpd", "sse3", 0x66, 0xd0, C_X, C_X, F_RM, I_NONE, D_F64),
    T("addsubps", "sse3", 0xf2, 0xd0, C_X, C_X, F_RM, I_NONE, D_F32),
    T("movsldup", "sse3", 0xf3, 0x12, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("movshdup", "sse3", 0xf3, 0x16, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("movddup", "sse3", 0xf2, 0x12, C_X, C_X, F_RM, I_NONE, D_MIX),
    T("lddqu", "sse3", 0xf2, 0xf0, C_X, C_X, F_M, I_NONE, D_MIX),
    /* SSSE3 */
    T38("pshufb mm", "ssse3", 0, 0x00), T38("pshufb", "ssse3", 0x66, 0x00),
    T38("phaddw mm", "ssse3", 0, 0x01), T38("phaddw", "ssse3", 0x66, 0x01),
    T38("phaddd mm", "ssse3", 0, 0x02), T38("phaddd", "ssse3", 0x66, 0x02),
    T38("phaddsw mm", "ssse3", 0, 0x03), T38("phaddsw", "ssse3", 0x66, 0x03),
    T38("pmaddubsw mm", "ssse3", 0, 0x04), T38("pmaddubsw", "ssse3", 0x66, 0x04),
    T38("phsubw mm", "ssse3", 0, 0x05), T38("phsubw", "ssse3", 0x66, 0x05),
    T38("phsubd mm", "ssse3", 0, 0x06), T38("phsubd", "ssse3", 0x66, 0x06),
    T38("phsubsw mm", "ssse3", 0, 0x07), T38("phsubsw", "ssse3", 0x66, 0x07),
    T38("psignb mm", "ssse3", 0, 0x08), T38("psignb", "ssse3", 0x66, 0x08),
    T38("psignw mm", "ssse3", 0, 0x09), T38("psignw", "ssse3", 0x66, 0x09),
    T38("psignd mm", "ssse3", 0, 0x0a), T38("psignd", "ssse3", 0x66, 0x0a),
    T38("pmulhrsw mm", "ssse3", 0, 0x0b), T38("pmulhrsw", "ssse3", 0x66, 0x0b),
    T38("pabsb mm", "ssse3", 0, 0x1c), T38("pabsb", "ssse3", 0x66, 0x1c),
    T38("pabsw mm", "ssse3", 0, 0x1d), T38("pabsw", "ssse3", 0x66, 0x1d),
    T38("pabsd mm", "ssse3", 0, 0x1e), T38("pabsd", "ssse3", 0x66, 0x1e),
    { "palignr mm", "ssse3", 0, 0, 2, 0x0f, C_M, C_M, F_RM, I_ANY, D_INT, -1, false },
    /* SSE4.1 / SSE4.2 */
#define T4(n, fam, m, o, rc, mc, f, im, d) { n, fam, 0x66, 0, m, o, rc, mc, f, im, d, -1, false }
    T4("pblendvb", "sse4.1", 1, 0x10, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("blendvps", "sse4.1", 1, 0x14, C_X, C_X, F_RM, I_NONE, D_MIX),
    T4("blendvpd", "sse4.1", 1, 0x15, C_X, C_X, F_RM, I_NONE, D_MIX),
    { "ptest", "sse4.1", 0x66, 0, 1, 0x17, C_X, C_X, F_RM, I_NONE, D_INT, -1, true },
    T4("pmovsxbw", "sse4.1", 1, 0x20, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("pmovsxbd", "sse4.1", 1, 0x21, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("pmovsxbq", "sse4.1", 1, 0x22, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("pmovsxwd", "sse4.1", 1, 0x23, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("pmovsxwq", "sse4.1", 1, 0x24, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("pmovsxdq", "sse4.1", 1, 0x25, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("pmuldq", "sse4.1", 1, 0x28, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("pcmpeqq", "sse4.1", 1, 0x29, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("movntdqa", "sse4.1", 1, 0x2a, C_X, C_X, F_M, I_NONE, D_INT),
    T4("packusdw", "sse4.1", 1, 0x2b, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("pmovzxbw", "sse4.1", 1, 0x30, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("pmovzxbd", "sse4.1", 1, 0x31, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("pmovzxbq", "sse4.1", 1, 0x32, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("pmovzxwd", "sse4.1", 1, 0x33, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("pmovzxwq", "sse4.1", 1, 0x34, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("pmovzxdq", "sse4.1", 1, 0x35, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("pcmpgtq", "sse4.2", 1, 0x37, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("pminsb", "sse4.1", 1, 0x38, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("pminsd", "sse4.1", 1, 0x39, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("pminuw", "sse4.1", 1, 0x3a, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("pminud", "sse4.1", 1, 0x3b, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("pmaxsb", "sse4.1", 1, 0x3c, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("pmaxsd", "sse4.1", 1, 0x3d, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("pmaxuw", "sse4.1", 1, 0x3e, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("pmaxud", "sse4.1", 1, 0x3f, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("pmulld", "sse4.1", 1, 0x40, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("phminposuw", "sse4.1", 1, 0x41, C_X, C_X, F_RM, I_NONE, D_INT),
    T4("roundps", "sse4.1", 2, 0x08, C_X, C_X, F_RM, I_ANY, D_F32),
    T4("roundpd", "sse4.1", 2, 0x09, C_X, C_X, F_RM, I_ANY, D_F64),
    T4("roundss", "sse4.1", 2, 0x0a, C_X, C_X, F_RM, I_ANY, D_F32),
    T4("roundsd", "sse4.1", 2, 0x0b, C_X, C_X, F_RM, I_ANY, D_F64),
    T4("blendps", "sse4.1", 2, 0x0c, C_X, C_X, F_RM, I_ANY, D_MIX),
    T4("blendpd", "sse4.1", 2, 0x0d, C_X, C_X, F_RM, I_ANY, D_MIX),
    T4("pblendw", "sse4.1", 2, 0x0e, C_X, C_X, F_RM, I_ANY, D_INT),
    T4("pextrb", "sse4.1", 2, 0x14, C_X, C_G, F_RM, I_ANY, D_INT),
    T4("pextrw m16", "sse4.1", 2, 0x15, C_X, C_G, F_RM, I_ANY, D_INT),
    T4("pextrd", "sse4.1", 2, 0x16, C_X, C_G, F_RM, I_ANY, D_INT),
    { "pextrq", "sse4.1", 0x66, 1, 2, 0x16, C_X, C_G, F_RM, I_ANY, D_INT, -1, false },
    T4("extractps", "sse4.1", 2, 0x17, C_X, C_G, F_RM, I_ANY, D_MIX),
    T4("pinsrb", "sse4.1", 2, 0x20, C_X, C_G, F_RM, I_ANY, D_INT),
    T4("insertps", "sse4.1", 2, 0x21, C_X, C_X, F_RM, I_ANY, D_MIX),
    T4("pinsrd", "sse4.1", 2, 0x22, C_X, C_G, F_RM, I_ANY, D_INT),
    { "pinsrq", "sse4.1", 0x66, 1, 2, 0x22, C_X, C_G, F_RM, I_ANY, D_INT, -1, false },
    T4("dpps", "sse4.1", 2, 0x40, C_X, C_X, F_RM, I_ANY, D_F32),
    T4("dppd", "sse4.1", 2, 0x41, C_X, C_X, F_RM, I_ANY, D_F64),
    T4("mpsadbw", "sse4.1", 2, 0x42, C_X, C_X, F_RM, I_ANY, D_INT),
    { "pcmpestrm", "sse4.2", 0x66, 0, 2, 0x60, C_X, C_X, F_RM, I_ANY, D_INT, -1, true },
    { "pcmpestri", "sse4.2", 0x66, 0, 2, 0x61, C_X, C_X, F_RM, I_ANY, D_INT, -1, true },
    { "pcmpestri64", "sse4.2", 0x66, 1, 2, 0x61, C_X, C_X, F_RM, I_ANY, D_INT, -1, true },
    { "pcmpistrm", "sse4.2", 0x66, 0, 2, 0x62, C_X, C_X, F_RM, I_ANY, D_INT, -1, true },
    { "pcmpistri", "sse4.2", 0x66, 0, 2, 0x63, C_X, C_X, F_RM, I_ANY, D_INT, -1, true },
    /* general-register instructions decoded as OP_SSE */
    { "popcnt32", "popcnt", 0xf3, 0, 0, 0xb8, C_G, C_G, F_RM, I_NONE, D_INT, -1, true },
    { "popcnt64", "popcnt", 0xf3, 1, 0, 0xb8, C_G, C_G, F_RM, I_NONE, D_INT, -1, true },
    { "movbe ld", "movbe", 0, 0, 1, 0xf0, C_G, C_G, F_M, I_NONE, D_INT, -1, false },
    { "movbe st", "movbe", 0, 0, 1, 0xf1, C_G, C_G, F_M, I_NONE, D_INT, -1, false },
    { "movbe ld64", "movbe", 0, 1, 1, 0xf0, C_G, C_G, F_M, I_NONE, D_INT, -1, false },
    { "movbe st64", "movbe", 0, 1, 1, 0xf1, C_G, C_G, F_M, I_NONE, D_INT, -1, false },
    { "crc32 b", "crc32", 0xf2, 0, 1, 0xf0, C_G, C_G, F_RM, I_NONE, D_INT, -1, false },
    { "crc32 d", "crc32", 0xf2, 0, 1, 0xf1, C_G, C_G, F_RM, I_NONE, D_INT, -1, false },
    { "crc32 q", "crc32", 0xf2, 1, 1, 0xf1, C_G, C_G, F_RM, I_NONE, D_INT, -1, false },
    { "crc32 b64", "crc32", 0xf2, 1, 1, 0xf0, C_G, C_G, F_RM, I_NONE, D_INT, -1, false },
    { "palignr", "ssse3", 0x66, 0, 2, 0x0f, C_X, C_X, F_RM, I_ANY, D_INT, -1, false },
};

#define NENT (sizeof(entries) / sizeof(entries[0]))

static unsigned pick_reg(int cls)
{
    switch (cls) {
    case C_X: return (unsigned)(rnd() % NX);
    case C_M: return (unsigned)(rnd() % 4) | (unsigned)(rnd() & 8); /* REX bit: ignored */
    default: return (unsigned)(rnd() % 3);   /* GPRs: rax rcx rdx, never rbx */
    }
}

/* Build the encoding; returns its length.  XMM operands use xmm0-15
 * through REX.R/REX.B; MMX operands get a random REX bit, which the CPU
 * ignores for mm registers. */
static unsigned encode(const TEntry *e, bool mem, uint8_t *b)
{
    unsigned n = 0;
    unsigned reg = e->sub >= 0 ? (unsigned)e->sub : pick_reg(e->regc);
    unsigned rm = mem ? 3 : pick_reg(e->rmc);
    unsigned rex = (e->rexw ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((rm & 8) ? 1 : 0);
    if (e->pfx) {
        b[n++] = e->pfx;
    }
    if (rex) {
        b[n++] = (uint8_t)(0x40 | rex);
    }
    b[n++] = 0x0f;
    if (e->map == 1) {
        b[n++] = 0x38;
    } else if (e->map == 2) {
        b[n++] = 0x3a;
    }
    b[n++] = e->op;
    b[n++] = (uint8_t)((mem ? 0 : 0xc0) | ((reg & 7) << 3) | (rm & 7));
    switch (e->imm) {
    case I_ANY: b[n++] = (uint8_t)rnd(); break;
    case I_CMP: b[n++] = (uint8_t)(rnd() & 7); break;
    case I_SHIFT: b[n++] = (uint8_t)(rnd() % 3 ? rnd() % 20 : rnd() % 80); break;
    }
    return n;
}

static bool unmasked_mode;

static uint32_t rnd_mxcsr(unsigned i)
{
    uint32_t m = MXCSR_MASKS | ((i & 3u) << 13);
    if (unmasked_mode) {
        m &= ~((uint32_t)rnd() & MXCSR_MASKS);
    }
    if (i & 4) {
        m |= MXCSR_DAZ;
    }
    if (i & 8) {
        m |= 0x8000u;       /* FTZ */
    }
    if (rnd() % 4 == 0) {
        m |= (uint32_t)rnd() & MXCSR_FLAGS;
    }
    return m;
}

typedef struct FamCount {
    const char *family;
    unsigned n;
} FamCount;

static void run_diff(int iters)
{
    FamCount fams[32] = { { 0 } };
    unsigned nfam = 0, total = 0, fails = 0, faults = 0;

    setup64();
    for (unsigned ei = 0; ei < NENT; ei++) {
        const TEntry *e = &entries[ei];
        for (int it = 0; it < iters; it++) {
            bool mem = (e->forms == F_M) || (e->forms == F_RM && (it & 1));
            uint8_t code[16];
            unsigned len = encode(e, mem, code);
            TState in, nat;
            int kind = e->data == D_MIX ? -1 : e->data == D_F32 ? 0 : e->data == D_F64 ? 1 : 2;

            memset(&in, 0, sizeof(in));
            for (int r = 0; r < NX; r++) {
                rnd_vec(in.xmm[r], kind);
            }
            for (int r = 0; r < 4; r++) {
                in.mm[r] = rnd_int();
            }
            if (e->data != D_INT && (rnd() & 3) == 0) {   /* same operands: equal/unordered */
                memcpy(in.xmm[1], in.xmm[0], 16);
            }
            in.mxcsr = rnd_mxcsr((unsigned)it);
            in.rax = rnd_int();
            in.rcx = rnd_int();
            in.rdx = rnd_int();
            rnd_vec(native_mem, kind);
            rnd_vec(native_mem + 16, kind);
            uint8_t mem_in[32];
            memcpy(mem_in, native_mem, 32);

            /* emu86 */
            for (int r = 0; r < NX; r++) {
                XMMReg x;
                memcpy(&x, in.xmm[r], 16);
                xmm_set(env, r, &x);
            }
            for (int r = 0; r < 4; r++) {
                mmx_set(env, r, in.mm[r]);
            }
            *sse_mxcsr(env) = in.mxcsr;
            env->regs[R_EAX] = in.rax;
            env->regs[R_ECX] = in.rcx;
            env->regs[R_EDX] = in.rdx;
            env->regs[R_EBX] = DATA;
            memcpy(t->ram + DATA, mem_in, 32);
            cpu_set_eflags(env, 0, CC_MASK);
            int v = gexec(code, len);

            /* native */
            nat = in;
            native_exec(&nat, code, len);

            bool ok = native_faulted ? v == EXCP_XM : v == -1;
            faults += native_faulted;
            for (int r = 0; r < NX && ok; r++) {
                XMMReg x;
                xmm_get(env, r, &x);
                ok = !memcmp(&x, nat.xmm[r], 16) && (r >= 4 || mmx_get(env, r) == nat.mm[r]);
            }
            ok = ok && *sse_mxcsr(env) == nat.mxcsr;
            ok = ok && env->regs[R_EAX] == nat.rax && env->regs[R_ECX] == nat.rcx &&
                 env->regs[R_EDX] == nat.rdx;
            ok = ok && !memcmp(t->ram + DATA, native_mem, 32);
            if (e->flags && !native_faulted) {
                ok = ok && (cpu_get_eflags(env) & CC_MASK) == (nat.rflags & CC_MASK);
            }
            if (!ok) {
                if (fails++ < 20) {
                    fprintf(stderr, "MISMATCH %s (%s):", e->name, mem ? "mem" : "reg");
                    for (unsigned i = 0; i < len; i++) {
                        fprintf(stderr, " %02x", code[i]);
                    }
                    fprintf(stderr, " vec %d mxcsr in %08x emu %08x nat %08x\n", v, in.mxcsr,
                            *sse_mxcsr(env), nat.mxcsr);
                    for (int r = 0; r < NX; r++) {
                        XMMReg x;
                        xmm_get(env, r, &x);
                        fprintf(stderr, "  xmm%d in %016llx%016llx emu %016llx%016llx nat %016llx%016llx\n", r,
                                (unsigned long long)((uint64_t *)in.xmm[r])[1],
                                (unsigned long long)((uint64_t *)in.xmm[r])[0],
                                (unsigned long long)x.q[1], (unsigned long long)x.q[0],
                                (unsigned long long)((uint64_t *)nat.xmm[r])[1],
                                (unsigned long long)((uint64_t *)nat.xmm[r])[0]);
                    }
                    for (int r = 0; r < 4; r++) {
                        fprintf(stderr, "  mm%d in %016llx emu %016llx nat %016llx\n", r,
                                (unsigned long long)in.mm[r], (unsigned long long)mmx_get(env, r),
                                (unsigned long long)nat.mm[r]);
                    }
                    fprintf(stderr, "  rax %llx/%llx rcx %llx/%llx rdx %llx/%llx flags %llx/%llx\n",
                            (unsigned long long)env->regs[R_EAX], (unsigned long long)nat.rax,
                            (unsigned long long)env->regs[R_ECX], (unsigned long long)nat.rcx,
                            (unsigned long long)env->regs[R_EDX], (unsigned long long)nat.rdx,
                            (unsigned long long)(cpu_get_eflags(env) & CC_MASK),
                            (unsigned long long)(nat.rflags & CC_MASK));
                }
                continue;
            }
            total++;
            unsigned f;
            for (f = 0; f < nfam && strcmp(fams[f].family, e->family); f++) {
            }
            if (f == nfam && nfam < 32) {
                fams[nfam++].family = e->family;
            }
            fams[f].n++;
        }
    }
    for (unsigned f = 0; f < nfam; f++) {
        g_test_message("%-10s %u cases", fams[f].family, fams[f].n);
        if (g_test_verbose()) {
            printf("  %-10s %u cases\n", fams[f].family, fams[f].n);
        }
    }
    g_test_message("%u instruction forms, %u cases agree with the host (%u with #XM)",
                   (unsigned)NENT, total, faults);
    g_assert_cmpuint(fails, ==, 0);
    teardown();
}

static void test_diff(void)
{
    unmasked_mode = false;
    run_diff(g_test_slow() ? 20000 : 1000);
}

/* Random exception masks: #XM on both sides or on neither, the same
 * MXCSR flags, registers and memory untouched by a faulting instruction. */
static void test_diff_unmasked(void)
{
    unmasked_mode = true;
    run_diff(g_test_slow() ? 8000 : 400);
    unmasked_mode = false;
}

/* ------------------------------------------------------------------ */
/* exceptions and state                                                */

static void test_exceptions(void)
{
    setup64();
    /* movaps xmm0, [rbx]: aligned ok, misaligned #GP(0) */
    g_assert_cmpint(GX(0x0f, 0x28, 0x03), ==, -1);
    env->regs[R_EBX] = DATA + 8;
    g_assert_cmpint(GX(0x0f, 0x28, 0x03), ==, EXCP_GP);
    g_assert_cmpint(GX(0x0f, 0x29, 0x03), ==, EXCP_GP);        /* movaps store */
    g_assert_cmpint(GX(0x66, 0x0f, 0x6f, 0x03), ==, EXCP_GP);  /* movdqa */
    g_assert_cmpint(GX(0x66, 0x0f, 0xfe, 0x03), ==, EXCP_GP);  /* paddd */
    g_assert_cmpint(GX(0x0f, 0x58, 0x03), ==, EXCP_GP);        /* addps */
    g_assert_cmpint(GX(0x0f, 0x10, 0x03), ==, -1);             /* movups */
    g_assert_cmpint(GX(0xf3, 0x0f, 0x6f, 0x03), ==, -1);       /* movdqu */
    g_assert_cmpint(GX(0xf3, 0x0f, 0x58, 0x03), ==, -1);       /* addss m32 */
    g_assert_cmpint(GX(0x0f, 0xfe, 0x03), ==, -1);             /* paddd mm */
    g_assert_cmpint(GX(0x66, 0x0f, 0x38, 0x38, 0x03), ==, EXCP_GP);    /* pminsb */
    g_assert_cmpint(GX(0x66, 0x0f, 0x3a, 0x63, 0x03, 0x0c), ==, -1);   /* pcmpistri */
    g_assert_cmpint(GX(0x66, 0x0f, 0x38, 0x20, 0x03), ==, -1);         /* pmovsxbw m64 */
    g_assert_cmpint(GX(0xf3, 0x0f, 0xb8, 0x03), ==, -1);               /* popcnt */
    /* crc32 eax, bh: the byte register without REX is BH */
    env->regs[R_EAX] = 0;
    env->regs[R_EBX] = 0x1200 | DATA;
    g_assert_cmpint(GX(0xf2, 0x0f, 0x38, 0xf0, 0xc7), ==, -1);
    {
        uint32_t crc = 0x12;
        for (int k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0x82f63b78u & -(crc & 1));
        }
        g_assert_cmphex(env->regs[R_EAX], ==, crc);
    }
    env->regs[R_EBX] = DATA;
    env->regs[R_EBX] = DATA;

    /* CR4.OSFXSR=0: SSE #UD, MMX fine */
    env->cr[4] &= ~(uint64_t)CR4_OSFXSR;
    g_assert_cmpint(GX(0x0f, 0x28, 0xc1), ==, EXCP_UD);
    g_assert_cmpint(GX(0x66, 0x0f, 0xfe, 0xc1), ==, EXCP_UD);
    g_assert_cmpint(GX(0x0f, 0xae, 0x13), ==, EXCP_UD);        /* ldmxcsr */
    g_assert_cmpint(GX(0x0f, 0xfe, 0xc1), ==, -1);
    g_assert_cmpint(GX(0xf3, 0x0f, 0xb8, 0xc1), ==, -1);       /* popcnt: no SSE checks */
    env->cr[4] |= CR4_OSFXSR;

    /* CR0.EM=1: #UD for both */
    env->cr[0] |= CR0_EM;
    g_assert_cmpint(GX(0x0f, 0x28, 0xc1), ==, EXCP_UD);
    g_assert_cmpint(GX(0x0f, 0xfe, 0xc1), ==, EXCP_UD);
    env->cr[0] &= ~(uint64_t)CR0_EM;

    /* CR0.TS=1: #NM */
    env->cr[0] |= CR0_TS;
    g_assert_cmpint(GX(0x0f, 0x28, 0xc1), ==, EXCP_NM);
    g_assert_cmpint(GX(0x0f, 0xfe, 0xc1), ==, EXCP_NM);
    g_assert_cmpint(GX(0x0f, 0x77), ==, EXCP_NM);
    env->cr[0] &= ~(uint64_t)CR0_TS;

    /* VEX without CR4.OSXSAVE / XCR0 enabling AVX: #UD (test-avx.c has the rest) */
    g_assert_cmpint(GX(0xc5, 0xf8, 0x28, 0xc1), ==, EXCP_UD);
    /* register-only / memory-only forms */
    g_assert_cmpint(GX(0x0f, 0x50, 0x03), ==, EXCP_UD);        /* movmskps mem */
    g_assert_cmpint(GX(0x66, 0x0f, 0x13, 0xc1), ==, EXCP_UD);  /* movlpd reg */
    g_assert_cmpint(GX(0x0f, 0x38, 0xf0, 0xc1), ==, EXCP_UD);  /* movbe reg */
    g_assert_cmpint(GX(0xf3, 0x0f, 0x38, 0xf0, 0xc1), ==, EXCP_UD);
    g_assert_cmpint(GX(0x0f, 0x0f, 0xc1, 0xb4), ==, EXCP_UD);  /* 3DNow! */

    /* unmasked exception: 1/0 with ZE unmasked -> #XM, dest unchanged */
    XMMReg a = { .s = { 1.0f, 1.0f, 1.0f, 1.0f } }, z = { .s = { 0 } }, r;
    xmm_set(env, 0, &a);
    xmm_set(env, 1, &z);
    *sse_mxcsr(env) = MXCSR_MASKS & ~(MXCSR_ZE << MXCSR_MASK_SHIFT);
    g_assert_cmpint(GX(0x0f, 0x5e, 0xc1), ==, EXCP_XM);        /* divps xmm0, xmm1 */
    xmm_get(env, 0, &r);
    g_assert_true(!memcmp(&r, &a, 16));
    g_assert_cmphex(*sse_mxcsr(env) & MXCSR_FLAGS, ==, MXCSR_ZE);
    env->cr[4] &= ~(uint64_t)CR4_OSXMMEXCPT;
    g_assert_cmpint(GX(0x0f, 0x5e, 0xc1), ==, EXCP_UD);
    env->cr[4] |= CR4_OSXMMEXCPT;
    /* masked: inf, ZE flag */
    *sse_mxcsr(env) = MXCSR_MASKS;
    g_assert_cmpint(GX(0x0f, 0x5e, 0xc1), ==, -1);
    xmm_get(env, 0, &r);
    g_assert_cmphex(r.l[0], ==, 0x7f800000u);
    g_assert_cmphex(*sse_mxcsr(env), ==, MXCSR_MASKS | MXCSR_ZE);

    /* LDMXCSR / STMXCSR */
    pw32(t, DATA, 0x12345);
    g_assert_cmpint(GX(0x0f, 0xae, 0x13), ==, EXCP_GP);        /* reserved bit 16 */
    pw32(t, DATA, 0x7fc0);
    g_assert_cmpint(GX(0x0f, 0xae, 0x13), ==, -1);
    g_assert_cmphex(*sse_mxcsr(env), ==, 0x7fc0);
    g_assert_cmpint(GX(0x0f, 0xae, 0x5b, 0x10), ==, -1);       /* stmxcsr [rbx+16] */
    g_assert_cmphex(pr32(t, DATA + 16), ==, 0x7fc0);

    /* FXSAVE carries MXCSR and XMM15 */
    XMMReg x15 = { .q = { 0x1122334455667788ull, 0x99aabbccddeeff00ull } };
    xmm_set(env, 15, &x15);
    g_assert_cmpint(GX(0x0f, 0xae, 0x03), ==, -1);             /* fxsave [rbx] */
    g_assert_cmphex(pr32(t, DATA + 24), ==, 0x7fc0);
    g_assert_cmphex(pr32(t, DATA + 28), ==, 0xffff);
    g_assert_cmphex(pr64(t, DATA + 160 + 15 * 16), ==, x15.q[0]);
    g_assert_cmphex(pr64(t, DATA + 160 + 15 * 16 + 8), ==, x15.q[1]);
    memset(&x15, 0, sizeof(x15));
    xmm_set(env, 15, &x15);
    g_assert_cmpint(GX(0x0f, 0xae, 0x0b), ==, -1);             /* fxrstor [rbx] */
    xmm_get(env, 15, &x15);
    g_assert_cmphex(x15.q[1], ==, 0x99aabbccddeeff00ull);

    /* MMX: transition sets TOP=0 and all tags valid; EMMS empties */
    env->x87.fsw = 3 << 11;
    env->x87.ftw = 0;
    g_assert_cmpint(GX(0x0f, 0xfe, 0xc1), ==, -1);
    g_assert_cmpint((env->x87.fsw >> 11) & 7, ==, 0);
    g_assert_cmpint(env->x87.ftw, ==, 0xff);
    g_assert_cmphex(env->x87.regs[0].sexp, ==, 0xffff);
    env->x87.fsw = 2 << 11;
    g_assert_cmpint(GX(0x0f, 0x77), ==, -1);
    g_assert_cmpint(env->x87.ftw, ==, 0);
    g_assert_cmpint((env->x87.fsw >> 11) & 7, ==, 0);          /* EMMS: TOP = 0 too */
    /* a fault on an explicit memory operand: no transition ... */
    env->x87.fsw = 5 << 11;
    env->regs[R_ECX] = 0x8000000000000000ull;
    g_assert_cmpint(GX(0x0f, 0x7f, 0x01), ==, EXCP_GP);        /* movq [rcx], mm0 */
    g_assert_cmpint(GX(0x0f, 0xfe, 0x01), ==, EXCP_GP);        /* paddd mm0, [rcx] */
    g_assert_cmpint(env->x87.ftw, ==, 0);
    g_assert_cmpint((env->x87.fsw >> 11) & 7, ==, 5);
    /* ... but MASKMOVQ's implicit store faults after it */
    env->regs[R_EDI] = 0x8000000000000000ull;
    mmx_set(env, 1, ~0ull);
    g_assert_cmpint(GX(0x0f, 0xf7, 0xc1), ==, EXCP_GP);
    g_assert_cmpint(env->x87.ftw, ==, 0xff);
    g_assert_cmpint((env->x87.fsw >> 11) & 7, ==, 0);
    env->x87.ftw = 0;

    /* MASKMOVDQU: bytes with mask bit 7 to [rdi] */
    XMMReg src = { .q = { 0x0807060504030201ull, 0x100f0e0d0c0b0a09ull } };
    XMMReg msk = { .q = { 0x80000000000000ffull, 0x0080000000000000ull } };
    xmm_set(env, 0, &src);
    xmm_set(env, 1, &msk);
    memset(t->ram + DATA + 0x100, 0xee, 16);
    env->regs[R_EDI] = DATA + 0x100;
    g_assert_cmpint(GX(0x66, 0x0f, 0xf7, 0xc1), ==, -1);
    g_assert_cmphex(pr64(t, DATA + 0x100), ==, 0x08eeeeeeeeeeee01ull);
    g_assert_cmphex(pr64(t, DATA + 0x108), ==, 0xee0feeeeeeeeeeeeull);
    teardown();
}

/* 32-bit protected mode: decoding without REX, [ebx] addressing, FXSAVE
 * stores XMM0-7 only; CPUID advertises the implemented extensions. */
static void test_mode32_cpuid(void)
{
    t = tcpu_new(4);
    env = t->env;
    pw64(t, 0x1008, tdesc(0, 0xfffff, T_CODE | DESC_B_MASK));
    pw64(t, 0x1010, tdesc(0, 0xffffffff, T_DATA | DESC_B_MASK));
    tpmode(t, 0x1000, 0x17);
    tload_seg(t, R_CS, 0x08);
    tload_seg(t, R_SS, 0x10);
    tload_seg(t, R_DS, 0x10);
    env->cr[4] |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    fpu_reset(env);
    g_assert_cmpint(env->code_bits, ==, 32);

    XMMReg a = { .s = { 1.5f, 2.5f, -3.0f, 4.0f } }, r;
    memcpy(t->ram + DATA, &a, 16);
    env->regs[R_EBX] = DATA;
    g_assert_cmpint(GX(0x0f, 0x28, 0x0b), ==, -1);             /* movaps xmm1, [ebx] */
    g_assert_cmpint(GX(0x0f, 0x58, 0xc9), ==, -1);             /* addps xmm1, xmm1 */
    xmm_get(env, 1, &r);
    g_assert_true(r.s[0] == 3.0f && r.s[1] == 5.0f && r.s[2] == -6.0f && r.s[3] == 8.0f);
    g_assert_cmpint(GX(0x66, 0x0f, 0x7e, 0xc8), ==, -1);       /* movd eax, xmm1 */
    g_assert_cmphex(env->regs[R_EAX], ==, 0x40400000u);
    XMMReg x8 = { .q = { 0x1111, 0x2222 } };
    xmm_set(env, 8, &x8);
    memset(t->ram + DATA + 0x200, 0xcc, 512);
    env->regs[R_EBX] = DATA + 0x200;
    g_assert_cmpint(GX(0x0f, 0xae, 0x03), ==, -1);             /* fxsave [ebx] */
    g_assert_cmphex(pr64(t, DATA + 0x200 + 160 + 16), ==, r.q[0]);
    g_assert_cmphex(pr64(t, DATA + 0x200 + 160 + 8 * 16), ==, 0xccccccccccccccccull);

    uint32_t id[4];
    cpu_cpuid(env, 1, 0, id);
    g_assert_cmphex(id[3] & ((1u << 23) | (1u << 24) | (1u << 25) | (1u << 26)), ==,
                    (1u << 23) | (1u << 24) | (1u << 25) | (1u << 26));
    /* the default model (x86-64-v2): SSE3, SSSE3, SSE4.1, SSE4.2, POPCNT */
    g_assert_cmphex(id[2] & ((1u << 0) | (1u << 9) | (1u << 19) | (1u << 20) | (1u << 23)),
                    ==, (1u << 0) | (1u << 9) | (1u << 19) | (1u << 20) | (1u << 23));
    g_assert_false(id[2] & (1u << 28));                        /* no AVX at that level */
    teardown();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (getenv("TEST_SSE_SEED")) {      /* exploration: other operand streams */
        rng ^= strtoull(getenv("TEST_SSE_SEED"), NULL, 0) * 0x2545f4914f6cdd1dull;
    }
    code_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert_true(code_page != MAP_FAILED);
    struct sigaction sa = { .sa_sigaction = sigfpe_handler, .sa_flags = SA_SIGINFO };
    sigaction(SIGFPE, &sa, NULL);
    g_test_add_func("/sse/diff-vs-host", test_diff);
    g_test_add_func("/sse/diff-unmasked-vs-host", test_diff_unmasked);
    g_test_add_func("/sse/exceptions", test_exceptions);
    g_test_add_func("/sse/mode32-cpuid", test_mode32_cpuid);
    return g_test_run();
}

/*
 * tests/unit/test-avx.c - the VEX-encoded instructions (target/i386/avx.c
 * and the VEX tables of sse.c / sse4.c) against the host.
 *
 * Design: host-differential like test-sse.c, with the cases generated
 * from the VEX tables themselves: every entry, in each VEX.L its flags
 * allow, register and memory forms, random VEX.vvvv where it is a source,
 * random W where it is free, random imm8.  The encoding runs natively
 * (bytes copied into an RWX page; YMM0-15, MXCSR, RAX/RCX/RDX loaded from
 * a state block, RBX = a 64-byte aligned memory operand) and in emu86
 * (decode + handler) from the same state; YMM0-15, MXCSR, the three GPRs,
 * the memory operand and, for the flag-writing ones, the arithmetic flags
 * must agree, as must faults (#XM natively SIGFPE, #GP SIGSEGV: the
 * instruction is skipped and must leave the same state).  Registers that
 * name GPRs are kept to RAX/RCX/RDX.  A second pass runs with random
 * exception masks.  Separate checks: the #UD/#NM rules of VEX.
 */
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "cpu-test-harness.h"
#include "target/i386/cpuid.h"
#include "target/i386/fpu.h"
#include "target/i386/ops.h"
#include "target/i386/sse.h"
#include "target/i386/xsave.h"

#define DATA 0x200000u

typedef struct TState {
    uint8_t ymm[16][32];  /*   0 */
    uint32_t mxcsr;       /* 512 */
    uint32_t pad;
    uint64_t rflags;      /* 520 */
    uint64_t rax, rcx, rdx;  /* 528 536 544 */
    uint64_t rbx;         /* 552 */
} TState;

#define YL(i) "    vmovdqu " #i "*32(%r12), %ymm" #i "\n"
#define YS(i) "    vmovdqu %ymm" #i ", " #i "*32(%r12)\n"
__asm__(
    ".pushsection .text\n"
    ".globl avx_native_run\n"
    ".type avx_native_run, @function\n"
    "avx_native_run:\n"
    "    push %rbx\n    push %rbp\n    push %r12\n    sub $16, %rsp\n"
    "    mov %rdi, %r12\n"
    "    stmxcsr (%rsp)\n"
    YL(0) YL(1) YL(2) YL(3) YL(4) YL(5) YL(6) YL(7)
    YL(8) YL(9) YL(10) YL(11) YL(12) YL(13) YL(14) YL(15)
    "    ldmxcsr 512(%r12)\n"
    "    mov 528(%r12), %rax\n    mov 536(%r12), %rcx\n    mov 544(%r12), %rdx\n"
    "    mov 552(%r12), %rbx\n"
    "    push 520(%r12)\n    popfq\n"
    "    call *%rsi\n"
    "    pushfq\n    pop %rbp\n    mov %rbp, 520(%r12)\n"
    "    stmxcsr 512(%r12)\n"
    YS(0) YS(1) YS(2) YS(3) YS(4) YS(5) YS(6) YS(7)
    YS(8) YS(9) YS(10) YS(11) YS(12) YS(13) YS(14) YS(15)
    "    mov %rax, 528(%r12)\n    mov %rcx, 536(%r12)\n    mov %rdx, 544(%r12)\n"
    "    vzeroupper\n"
    "    ldmxcsr (%rsp)\n"
    "    add $16, %rsp\n    pop %r12\n    pop %rbp\n    pop %rbx\n"
    "    ret\n"
    ".size avx_native_run, . - avx_native_run\n"
    ".popsection\n");

void avx_native_run(TState *st, const void *code);

static uint8_t *code_page;
static _Alignas(64) uint8_t native_mem[128];
static volatile int native_sig;
static volatile uint32_t native_fault_mxcsr;
static unsigned native_len;

static void sig_handler(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    native_sig = sig;
    if (sig == SIGFPE) {
        native_fault_mxcsr = uc->uc_mcontext.fpregs->mxcsr;
        uc->uc_mcontext.fpregs->mxcsr |= MXCSR_MASKS;
    }
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)(code_page + native_len);
}

static TestCPU *t;
static CPUX86State *env;
static X86CPUModel avx_model;
static uint32_t host_7_ecx, host_ext3_ecx;   /* host CPUID.(7,0):ECX, 80000001H:ECX */

static void setup64(void)
{
    t = tcpu_new(4);
    env = t->env;
    tflat64(t);
    env->cr[4] |= CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE;
    avx_model = *x86_model_find("max");
    avx_model.features[FEAT_1_ECX] |= CPUID_EXT_XSAVE | CPUID_EXT_AVX | CPUID_EXT_F16C |
                                      CPUID_EXT_FMA;
    avx_model.features[FEAT_7_0_EBX] |= CPUID_7_EBX_AVX2 | CPUID_7_EBX_BMI1 | CPUID_7_EBX_BMI2;
    /* VAES/VPCLMULQDQ (the VEX.256 AES rounds and PCLMULQDQ) and SSE4a as
     * the host's CPUID says: where the host lacks them both sides #UD */
    avx_model.features[FEAT_7_0_ECX] &= host_7_ecx | ~(CPUID_7_ECX_VAES | CPUID_7_ECX_VPCLMULQDQ);
    avx_model.features[FEAT_8000_0001_ECX] &= host_ext3_ecx | ~CPUID_EXT3_SSE4A;
    env->model = &avx_model;
    env->xcr0 = 7;
    env->regs[R_EBX] = DATA;
    fpu_reset(env);
}

static void teardown(void)
{
    tcpu_free(t);
    t = NULL;
    env = NULL;
}

static int gexec_mode(const uint8_t *b, unsigned n, CpuMode mode)
{
    return texec_mode(env, b, n, mode);
}

static int gexec(const uint8_t *b, unsigned n)
{
    return gexec_mode(b, n, MODE_64);
}

#define GX(...) __extension__({ const uint8_t b_[] = { __VA_ARGS__ }; gexec(b_, sizeof(b_)); })

static uint64_t rng = 0x5eed5eed12345678ull;

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
        0x00000000, 0x80000000, 0x00000001, 0x807fffff, 0x7f800000, 0xff800000,
        0x7fc00000, 0xffc00001, 0x7f800001, 0x3f800000, 0xbf800000, 0x7f7fffff,
        0x00800000, 0x4f000000, 0xcf000000, 0x3f000000, 0x477fe000, 0x38800000,
    };
    uint32_t v = (uint32_t)rnd();
    switch (rnd() % 6) {
    case 0: case 1: return edges[rnd() % (sizeof(edges) / sizeof(edges[0]))];
    case 2: return (v & 0x807fffffu) | ((uint32_t)(0x70 + rnd() % 0x20) << 23);
    case 3: return v & 0x807fffffu;
    default: return v;
    }
}

static uint64_t rnd_f64(void)
{
    static const uint64_t edges[] = {
        0, 0x8000000000000000ull, 1, 0x7ff0000000000000ull, 0xfff0000000000000ull,
        0x7ff8000000000000ull, 0x7ff0000000000001ull, 0x3ff0000000000000ull,
        0x7fefffffffffffffull, 0x0010000000000000ull, 0x41e0000000000000ull,
        0xc3e0000000000000ull, 0x36a0000000000000ull, 0x47f0000000000000ull,
    };
    uint64_t v = rnd();
    switch (rnd() % 6) {
    case 0: case 1: return edges[rnd() % (sizeof(edges) / sizeof(edges[0]))];
    case 2: return (v & 0x800fffffffffffffull) | ((uint64_t)(0x3c0 + rnd() % 0x80) << 52);
    case 3: return v & 0x800fffffffffffffull;
    default: return v;
    }
}

static void rnd_vec(uint8_t *p, unsigned n)
{
    for (unsigned i = 0; i < n; i += 8) {
        uint64_t q;
        switch (rnd() % 4) {
        case 0: q = rnd_f32() | (uint64_t)rnd_f32() << 32; break;
        case 1: q = rnd_f64(); break;
        case 2: q = rnd() >> (rnd() % 64); break;
        default: q = rnd(); break;
        }
        memcpy(p + i, &q, 8);
    }
}

/* Which ModRM fields name general registers (kept to RAX/RCX/RDX). */
static void gpr_fields(unsigned map, unsigned op, unsigned pp, bool *reg_gpr, bool *rm_gpr)
{
    *reg_gpr = *rm_gpr = false;
    if (map == 1) {
        *rm_gpr = op == 0x2a || op == 0x6e || (op == 0x7e && pp == 1) || op == 0xc4;
        *reg_gpr = op == 0x2c || op == 0x2d || op == 0x50 || op == 0xc5 || op == 0xd7;
    } else if (map == 3) {
        *rm_gpr = (op >= 0x14 && op <= 0x17) || op == 0x20 || op == 0x22;
    }
}

/* BMI: every ModRM field and VEX.vvvv name general registers */
static bool bmi_form(unsigned map, unsigned op)
{
    return (map == 2 && op >= 0xf2 && op <= 0xf7) || (map == 3 && op == 0xf0);
}

/* The arithmetic flags compared: all of them (written or preserved),
 * except the ones the SDM leaves undefined (BMI1: AF, PF; BEXTR also
 * SF; BZHI: AF, PF). */
static uint32_t flag_mask(unsigned map, unsigned op, unsigned pp)
{
    if (map == 2 && (op == 0xf2 || op == 0xf3 || (op == 0xf5 && pp == 0))) {
        return CC_MASK & ~(CC_A | CC_P);
    }
    if (map == 2 && op == 0xf7 && pp == 0) {
        return CC_Z | CC_C | CC_O;
    }
    return CC_MASK;
}

/* compat mode: emu86 runs the instruction in 32-bit compatibility mode
 * (CS.L = 0, D = 1) and the host its 64-bit twin with the same meaning:
 * registers 0-7 (VEX.R/X/B 1; in 32-bit mode R and X must be 1, B is
 * ignored), VEX.vvvv[3] set in emu86's copy where vvvv names a register
 * (ignored there, SDM Vol.2 2.3.5.6), VEX.W1 for the GPR forms (ignored
 * outside 64-bit mode: the host runs W0), imm8[7] of the is4 register
 * (ignored).  YMM0-7, the low halves of RAX/RCX/RDX, MXCSR, memory and
 * flags must agree. */
static bool compat_mode;

static void compat_variants(unsigned map, unsigned op, const SseEntry *e, uint8_t *code,
                            uint8_t *ncode, unsigned len)
{
    code[1] |= 0xe0;
    code[2] |= 0x40;
    memcpy(ncode, code, len);
    if (!(e->flags & VF_NOV) && !((e->flags & VF_NOVMEM) && (code[4] >> 6) != 3) &&
        rnd() % 2) {
        code[2] &= (uint8_t)~0x40;
    }
    if (rnd() % 2) {
        code[1] &= (uint8_t)~0x20;
    }
    if (e->flags & VF_WGPR) {
        ncode[2] &= 0x7f;
        if (rnd() % 2) {
            code[2] |= 0x80;
        }
    }
    if (map == 3 && op >= 0x4a && op <= 0x4c) {
        ncode[len - 1] &= 0x7f;
    }
}

/* the gather being encoded: index register (-1: none), log2 scale,
 * index and data element sizes */
static int gather_index;
static unsigned gather_scale, gather_isz, gather_dsz;

static unsigned encode(unsigned map, unsigned op, unsigned pp, const SseEntry *e, bool mem,
                       unsigned L, uint8_t *b)
{
    uint32_t f = e->flags;
    bool reg_gpr, rm_gpr;
    gpr_fields(map, op, pp, &reg_gpr, &rm_gpr);
    bool bmi = bmi_form(map, op);
    unsigned reg = reg_gpr || bmi ? rnd() % 3 : rnd() % 16;
    unsigned rm = mem ? 3 : rm_gpr || bmi ? rnd() % 3 : rnd() % 16;
    unsigned vvvv = ((f & VF_NOV) || ((f & VF_NOVMEM) && mem)) ? 0 : bmi ? rnd() % 3 : rnd() % 16;
    if (map == 2 && op == 0xf3) {
        reg = rnd() % 16 ? 1 + rnd() % 3 : rnd() % 8;      /* BLSR/BLSMSK/BLSI; rarely #UD */
    }
    unsigned w = (f & VF_W0) ? 0 : (f & VF_W1) ? 1 : rnd() % 2;
    if (map == 1 && op >= 0x71 && op <= 0x73) {
        static const uint8_t subs[3][4] = { { 2, 4, 6, 2 }, { 2, 4, 6, 6 }, { 2, 3, 6, 7 } };
        reg = subs[op - 0x71][rnd() % 4];
    }
    if (map == 1 && op == 0xae) {
        reg = 2 + rnd() % 2;
    }
    /* gathers: VSIB [rbx + index*scale], index a vector register; any
     * two of reg, index, vvvv equal is #UD (kept rare) */
    bool vsib = map == 2 && op >= 0x90 && op <= 0x93;
    unsigned xbit = 0;
    if (vsib) {
        gather_index = rnd() % 16;
        gather_scale = rnd() % 4;
        gather_isz = (op & 1) ? 8 : 4;
        gather_dsz = w ? 8 : 4;
        if (rnd() % 8) {
            while (reg == vvvv || reg == gather_index || vvvv == gather_index) {
                reg = rnd() % 16;
                vvvv = rnd() % 16;
                gather_index = rnd() % 16;
            }
        }
        xbit = gather_index & 8;
    } else {
        gather_index = -1;
    }
    unsigned n = 0;
    b[n++] = 0xc4;
    b[n++] = (uint8_t)(((reg & 8) ? 0 : 0x80) | (xbit ? 0 : 0x40) | ((rm & 8) ? 0 : 0x20) | map);
    b[n++] = (uint8_t)((w << 7) | ((~vvvv & 15) << 3) | (L << 2) | pp);
    b[n++] = (uint8_t)op;
    if (vsib) {
        b[n++] = (uint8_t)(((reg & 7) << 3) | 4);
        b[n++] = (uint8_t)((gather_scale << 6) | ((gather_index & 7) << 3) | 3);
    } else if (!(map == 1 && op == 0x77)) {
        b[n++] = (uint8_t)((mem ? 0 : 0xc0) | ((reg & 7) << 3) | (rm & 7));
    }
    bool imm = map == 3 || (map == 1 && ((op >= 0x70 && op <= 0x73) || op == 0xc2 ||
                                          (op >= 0xc4 && op <= 0xc6)));
    if (imm) {
        uint8_t v = (uint8_t)rnd();
        if (map == 1 && op >= 0x71 && op <= 0x73 && rnd() % 3) {
            v = (uint8_t)(rnd() % 20);
        }
        b[n++] = v;
    }
    return n;
}

static bool unmasked_mode;
/* fault mode: only the masked loads/stores, the gathers and 0F 12
 * (VMOVLPx, VMOVSLDUP, VMOVDDUP), their memory
 * at the end of a page whose successor is not mapped (natively
 * PROT_NONE, in emu86 not present): the faults and the partial state a
 * gather leaves are compared */
static bool fault_mode;
static uint8_t *fault_pages;
#define FAULT_LA 0x40000000ull      /* emu86: present page, then a missing one */
#define FAULT_PHYS 0x300000u

static bool fault_form(unsigned map, unsigned op)
{
    return (map == 2 && ((op >= 0x2c && op <= 0x2f) || op == 0x8c || op == 0x8e ||
                         (op >= 0x90 && op <= 0x93))) ||
           (map == 1 && op == 0x12);   /* VMOVDDUP ymm: m256, read 0-7/16-23 */
}

static void map_fault_pages(void)
{
    uint64_t pdpt = env->cr[3] & ~0xfffull;
    pdpt = pr64(t, pdpt) & ~0xfffull;
    pw64(t, pdpt + 8, 0x12000 | 7);
    pw64(t, 0x12000, 0x13000 | 7);
    pw64(t, 0x13000, FAULT_PHYS | 7);
    pw64(t, 0x13008, 0);
    mmu_tlb_flush(env);
}

/* Index register values of a gather: offsets inside the 128-byte window
 * at [rbx]; in fault mode rbx is 64 bytes below the missing page and
 * about one element in six reaches into it. */
static void gather_indices(TState *in)
{
    unsigned scale = 1u << gather_scale, n = 32 / gather_isz;
    for (unsigned i = 0; i < n; i++) {
        int64_t v;
        if (!fault_mode) {
            v = (int64_t)(rnd() % ((128 - gather_dsz) / scale + 1));
        } else if (rnd() % 6 == 0) {
            v = (int64_t)((64 - gather_dsz) / scale + 1 + rnd() % 3);
        } else {
            v = (int64_t)(rnd() % ((128 - gather_dsz) / scale + 1)) - (int64_t)(64 / scale);
        }
        if (gather_isz == 4) {
            int32_t x = (int32_t)v;
            memcpy(&in->ymm[gather_index][i * 4], &x, 4);
        } else {
            memcpy(&in->ymm[gather_index][i * 8], &v, 8);
        }
    }
}

/* cases that agreed per VEX.256 VAES / VPCLMULQDQ form (0F38 DC-DF, 0F3A 44),
 * register and memory */
static unsigned vaes_cases[5][2];

static int vaes_form(unsigned map, unsigned op, unsigned L)
{
    if (!L) {
        return -1;
    }
    if (map == 2 && op >= 0xdc && op <= 0xdf) {
        return (int)(op - 0xdc);
    }
    return map == 3 && op == 0x44 ? 4 : -1;
}

static void run_diff(int iters)
{
    unsigned total = 0, fails = 0, faults = 0, forms = 0;
    memset(vaes_cases, 0, sizeof(vaes_cases));
    unsigned per_map[3] = { 0 };
    setup64();
    if (compat_mode) {
        pw64(t, 0x1018, tdesc(0, 0xffffffff, T_CODE | DESC_B_MASK));
        env->gdt.limit = 0x1f;
        tload_seg(t, R_CS, 0x18);
        g_assert_cmpint(env->code_bits, ==, 32);
    }
    uint8_t *nat_win = native_mem, *emu_win = t->ram + DATA;
    if (fault_mode) {
        map_fault_pages();
        nat_win = fault_pages + 4096 - 128;
        emu_win = t->ram + FAULT_PHYS + 4096 - 128;
    }
    for (unsigned map = 1; map <= 3; map++) {
        for (unsigned op = 0; op < 256; op++) {
            for (unsigned pp = 0; pp < 4; pp++) {
                const SseEntry *e = map == 1 ? &sse_vex_map1[op][pp] :
                                    map == 2 ? &sse4_vex_map38[op][pp] : &sse4_vex_map3a[op][pp];
                if (!e->fn) {
                    continue;
                }
                if (map == 1 && op == 0xf7) {
                    continue;           /* VMASKMOVDQU: [rdi] */
                }
                if (fault_mode && !fault_form(map, op)) {
                    continue;
                }
                for (unsigned form = 0; form < 4; form++) {
                    bool mem = form & 1;
                    unsigned L = form >> 1;
                    if ((mem && (e->flags & SF_REGONLY)) || (!mem && (e->flags & SF_MEMONLY)) ||
                        (L && (e->flags & VF_L0)) || (!L && (e->flags & VF_L1))) {
                        continue;
                    }
                    if (map == 1 && op == 0x77 && mem) {
                        continue;
                    }
                    forms++;
                    per_map[map - 1]++;
                    /* VCVTPS2PH reaches OE/UE rarely: more cases for the
                     * unmasked per-element flag attribution */
                    int n_it = unmasked_mode && map == 3 && op == 0x1d ? iters * 25 : iters;
                    for (int it = 0; it < n_it; it++) {
                        uint8_t code[16];
                        unsigned len = encode(map, op, pp, e, mem, L, code);
                        uint8_t ncode[16];
                        memcpy(ncode, code, len);
                        if (compat_mode) {
                            compat_variants(map, op, e, code, ncode, len);
                            if (gather_index >= 0) {
                                gather_index &= 7;
                            }
                        }
                        TState in, nat;
                        memset(&in, 0, sizeof(in));
                        rnd_vec(&in.ymm[0][0], sizeof(in.ymm));
                        in.mxcsr = MXCSR_MASKS | ((uint32_t)(rnd() & 3) << 13);
                        if (rnd() % 4 == 0) {
                            in.mxcsr |= 0x8040;
                        }
                        if (unmasked_mode) {
                            in.mxcsr &= ~((uint32_t)rnd() & MXCSR_MASKS);
                        }
                        in.rax = rnd() >> (rnd() % 64);
                        in.rcx = rnd() >> (rnd() % 64);
                        in.rdx = rnd() >> (rnd() % 64);
                        in.rflags = 2 | (rnd() & CC_MASK);
                        if (bmi_form(map, op) && rnd() % 4 == 0) {
                            /* small counts, starts, lengths and indices */
                            in.rcx = rnd() % 80 | (rnd() % 80) << 8;
                        }
                        if (map == 1 && op == 0xae) {
                            uint32_t mx = MXCSR_MASKS | ((uint32_t)rnd() & 0x7f);
                            if (rnd() % 8 == 0) {
                                /* reserved bits: #GP; not bit 17, the AMD
                                 * host's misaligned-SSE mode */
                                unsigned bit = 16 + rnd() % 16;
                                mx |= 1u << (bit == 17 ? 16 : bit);
                            }
                            memcpy(native_mem, &mx, 4);
                            rnd_vec(native_mem + 8, 120);
                        } else {
                            rnd_vec(nat_win, 128);
                        }
                        uint8_t mem_in[128];
                        memcpy(mem_in, nat_win, 128);
                        if (gather_index >= 0) {
                            gather_indices(&in);
                        }
                        /* [rbx]: the window start; in fault mode 64 bytes
                         * (gathers) or 0-28 bytes (masked moves) below
                         * the missing page */
                        unsigned rbx_off = !fault_mode ? 0 : gather_index >= 0 ? 64 :
                                           96 + 4 * (unsigned)(rnd() % 8);

                        for (int r = 0; r < 16; r++) {
                            YMMReg y;
                            memcpy(&y, in.ymm[r], 32);
                            ymm_set(env, r, &y);
                        }
                        *sse_mxcsr(env) = in.mxcsr;
                        env->regs[R_EAX] = in.rax;
                        env->regs[R_ECX] = in.rcx;
                        env->regs[R_EDX] = in.rdx;
                        env->regs[R_EBX] = (fault_mode ? FAULT_LA + 4096 - 128 : DATA) + rbx_off;
                        memcpy(emu_win, mem_in, 128);
                        cpu_set_eflags(env, in.rflags, CC_MASK);
                        int v = gexec_mode(code, len, compat_mode ? MODE_32 : MODE_64);

                        nat = in;
                        nat.rbx = (uint64_t)(uintptr_t)nat_win + rbx_off;
                        memcpy(code_page, ncode, len);
                        code_page[len] = 0xc3;
                        native_len = len;
                        native_sig = 0;
                        avx_native_run(&nat, code_page);
                        if (native_sig == SIGFPE) {
                            nat.mxcsr = native_fault_mxcsr;
                        }

                        int expect = native_sig == SIGFPE ? EXCP_XM : native_sig == SIGSEGV ?
                                     (fault_mode ? EXCP_PF : EXCP_GP) :
                                     native_sig == SIGILL ? EXCP_UD : -1;
                        bool ok = v == expect;
                        faults += native_sig != 0;
                        const char *why = ok ? NULL : "fault";
                        for (int r = 0; r < (compat_mode ? 8 : 16) && ok; r++) {
                            YMMReg y;
                            ymm_get(env, r, &y);
                            if (memcmp(&y, nat.ymm[r], 32)) {
                                ok = false;
                                why = "ymm";
                            }
                        }
                        if (ok && *sse_mxcsr(env) != nat.mxcsr) {
                            ok = false;
                            why = "mxcsr";
                        }
                        uint64_t gm = compat_mode ? 0xffffffffull : ~0ull;
                        if (ok && (((env->regs[R_EAX] ^ nat.rax) & gm) ||
                                   ((env->regs[R_ECX] ^ nat.rcx) & gm) ||
                                   ((env->regs[R_EDX] ^ nat.rdx) & gm))) {
                            ok = false;
                            why = "gpr";
                        }
                        if (ok && memcmp(emu_win, nat_win, 128)) {
                            ok = false;
                            why = "memory";
                        }
                        uint32_t fm = flag_mask(map, op, pp);
                        if (ok && !native_sig && (cpu_get_eflags(env) & fm) != (nat.rflags & fm)) {
                            ok = false;
                            why = "flags";
                        }
                        if (!ok) {
                            if (fails++ < 25) {
                                fprintf(stderr, "MISMATCH map %u op %02x pp %u L%u %s (%s):", map, op,
                                        pp, L, mem ? "mem" : "reg", why);
                                for (unsigned i = 0; i < len; i++) {
                                    fprintf(stderr, " %02x", code[i]);
                                }
                                fprintf(stderr, " emu vec %d native sig %d mxcsr %08x emu %08x nat %08x\n",
                                        v, native_sig, in.mxcsr, *sse_mxcsr(env), nat.mxcsr);
                                for (int r = 0; r < 16; r++) {
                                    YMMReg y;
                                    ymm_get(env, r, &y);
                                    if (memcmp(&y, nat.ymm[r], 32)) {
                                        fprintf(stderr, "  ymm%d in %016llx%016llx%016llx%016llx\n"
                                                "      emu %016llx%016llx%016llx%016llx\n"
                                                "      nat %016llx%016llx%016llx%016llx\n", r,
                                                ((unsigned long long *)in.ymm[r])[3], ((unsigned long long *)in.ymm[r])[2],
                                                ((unsigned long long *)in.ymm[r])[1], ((unsigned long long *)in.ymm[r])[0],
                                                (unsigned long long)y.q[3], (unsigned long long)y.q[2],
                                                (unsigned long long)y.q[1], (unsigned long long)y.q[0],
                                                ((unsigned long long *)nat.ymm[r])[3], ((unsigned long long *)nat.ymm[r])[2],
                                                ((unsigned long long *)nat.ymm[r])[1], ((unsigned long long *)nat.ymm[r])[0]);
                                    }
                                }
                            }
                            continue;
                        }
                        total++;
                        if (vaes_form(map, op, L) >= 0) {
                            vaes_cases[vaes_form(map, op, L)][mem]++;
                        }
                    }
                }
            }
        }
    }
    g_test_message("%u VEX forms (0F %u, 0F38 %u, 0F3A %u), %u cases agree with the host "
                   "(%u faulting)", forms, per_map[0], per_map[1], per_map[2], total, faults);
    {
        static const char *const vn[5] = { "vaesenc", "vaesenclast", "vaesdec", "vaesdeclast",
                                           "vpclmulqdq" };
        GString *vs = g_string_new(NULL);
        for (int i = 0; i < 5; i++) {
            g_string_append_printf(vs, " %s ymm %u reg + %u mem;", vn[i], vaes_cases[i][0],
                                   vaes_cases[i][1]);
        }
        g_test_message("VEX.256 VAES/VPCLMULQDQ cases agreeing with the host:%s", vs->str);
        if (g_test_verbose()) {
            printf("  VEX.256 VAES/VPCLMULQDQ:%s\n", vs->str);
        }
        g_string_free(vs, TRUE);
    }
    if (g_test_verbose()) {
        printf("  %u VEX forms (0F %u, 0F38 %u, 0F3A %u), %u cases agree (%u faulting)\n",
               forms, per_map[0], per_map[1], per_map[2], total, faults);
    }
    g_assert_cmpuint(fails, ==, 0);
    teardown();
}

static void test_diff(void)
{
    unmasked_mode = false;
    run_diff(g_test_slow() ? 3000 : 120);
}

static void test_diff_unmasked(void)
{
    unmasked_mode = true;
    run_diff(g_test_slow() ? 1000 : 40);
    unmasked_mode = false;
}

/* Every VEX form in 32-bit compatibility mode against its 64-bit twin on
 * the host (see compat_variants). */
static void test_compat_vs_host(void)
{
    compat_mode = true;
    run_diff(g_test_slow() ? 1000 : 40);
    compat_mode = false;
}

/* Masked moves and gathers reaching into a missing page: the same #PF,
 * and for gathers the same partial state (elements before the faulting
 * one complete, their mask elements cleared, the rest untouched). */
static void test_fault_vs_host(void)
{
    fault_mode = true;
    run_diff(g_test_slow() ? 3000 : 300);
    fault_mode = false;
}

/* One encoding on the host and in emu86 from the same random state
 * (YMM0-15, MXCSR, RAX/RCX/RDX, 128 bytes at [rbx]): the same exception
 * (or none), YMM0-15, MXCSR, the GPRs and the memory afterwards. */
static bool host_cmp(const uint8_t *code, unsigned len, CpuMode mode, const char *what)
{
    TState in, nat;
    memset(&in, 0, sizeof(in));
    rnd_vec(&in.ymm[0][0], sizeof(in.ymm));
    for (int r = 0; r < 16; r++) {
        if (rnd() % 2) {
            /* EXTRQ/INSERTQ control bytes mostly within the 64-bit field */
            in.ymm[r][0] = (uint8_t)(rnd() % 65);
            in.ymm[r][1] = (uint8_t)(rnd() % 65);
            in.ymm[r][8] = (uint8_t)(rnd() % 65);
            in.ymm[r][9] = (uint8_t)(rnd() % 65);
        }
    }
    in.mxcsr = MXCSR_MASKS;
    in.rax = rnd();
    in.rcx = rnd();
    in.rdx = rnd();
    in.rflags = 2 | (rnd() & CC_MASK);
    rnd_vec(native_mem, 128);
    uint8_t mem_in[128];
    memcpy(mem_in, native_mem, 128);

    for (int r = 0; r < 16; r++) {
        YMMReg y;
        memcpy(&y, in.ymm[r], 32);
        ymm_set(env, r, &y);
    }
    *sse_mxcsr(env) = in.mxcsr;
    env->regs[R_EAX] = in.rax;
    env->regs[R_ECX] = in.rcx;
    env->regs[R_EDX] = in.rdx;
    env->regs[R_EBX] = DATA;
    memcpy(t->ram + DATA, mem_in, 128);
    cpu_set_eflags(env, in.rflags, CC_MASK);
    int v = gexec_mode(code, len, mode);

    nat = in;
    nat.rbx = (uint64_t)(uintptr_t)native_mem;
    memcpy(code_page, code, len);
    code_page[len] = 0xc3;
    native_len = len;
    native_sig = 0;
    avx_native_run(&nat, code_page);
    int expect = native_sig == SIGFPE ? EXCP_XM : native_sig == SIGSEGV ? EXCP_GP :
                 native_sig == SIGILL ? EXCP_UD : -1;
    const char *why = v != expect ? "fault" : NULL;
    for (int r = 0; r < 16 && !why; r++) {
        YMMReg y;
        ymm_get(env, r, &y);
        if (memcmp(&y, nat.ymm[r], 32)) {
            why = "ymm";
        }
    }
    if (!why && *sse_mxcsr(env) != nat.mxcsr) {
        why = "mxcsr";
    }
    if (!why && (env->regs[R_EAX] != nat.rax || env->regs[R_ECX] != nat.rcx ||
                 env->regs[R_EDX] != nat.rdx)) {
        why = "gpr";
    }
    if (!why && memcmp(t->ram + DATA, native_mem, 128)) {
        why = "memory";
    }
    if (why) {
        fprintf(stderr, "MISMATCH %s (%s):", what, why);
        for (unsigned i = 0; i < len; i++) {
            fprintf(stderr, " %02x", code[i]);
        }
        fprintf(stderr, " emu vec %d native sig %d\n", v, native_sig);
        for (int r = 0; r < 16; r++) {
            YMMReg y;
            ymm_get(env, r, &y);
            if (memcmp(&y, nat.ymm[r], 32)) {
                uint64_t *iq = (uint64_t *)in.ymm[r], *nq = (uint64_t *)nat.ymm[r];
                fprintf(stderr, "  ymm%d in  %016llx %016llx\n        emu %016llx %016llx\n"
                        "        nat %016llx %016llx\n", r,
                        (unsigned long long)iq[1], (unsigned long long)iq[0],
                        (unsigned long long)y.q[1], (unsigned long long)y.q[0],
                        (unsigned long long)nq[1], (unsigned long long)nq[0]);
            }
        }
        return false;
    }
    return true;
}

/* SSE4a (AMD APM Vol.4): EXTRQ and INSERTQ, immediate and register
 * forms, MOVNTSS/MOVNTSD, and the encodings around them that are #UD
 * (EXTRQ imm8 with ModRM.reg != 0, memory forms of EXTRQ/INSERTQ,
 * register forms of MOVNTSx, 0F 78/79 without 66/F2 or with F3 last)
 * against the host, random registers, field lengths and indices (also
 * length + index > 64, undefined in the APM: the host's result is
 * compared), REX.R/B registers. */
static void test_sse4a_vs_host(void)
{
    static const char *const names[] = {
        "extrq xmm, imm8, imm8", "extrq xmm, xmm", "insertq xmm, xmm, imm8, imm8",
        "insertq xmm, xmm", "movntss m32, xmm", "movntsd m64, xmm",
        "#UD: extrq imm8 /1-/7", "#UD: extrq/insertq m", "#UD: movntss/sd xmm",
        "#UD: 0f 78/79 np/f3",
    };
    enum { NF = sizeof(names) / sizeof(names[0]) };
    unsigned cases[NF] = { 0 }, fails = 0;
    int iters = g_test_slow() ? 20000 : 2000;
    setup64();
    g_assert_true(cpu_has_feature(env, FEAT_8000_0001_ECX, CPUID_EXT3_SSE4A));
    CpuMode mode = decode_mode(64, true);
    for (unsigned f = 0; f < NF; f++) {
        for (int it = 0; it < iters; it++) {
            uint8_t b[16];
            unsigned n = 0, reg = rnd() % 16, rm = rnd() % 16;
            unsigned op = 0x78, pfx = 0x66;
            bool mem = false;
            switch (f) {
            case 0: pfx = 0x66; op = 0x78; reg = 0; break;
            case 1: pfx = 0x66; op = 0x79; break;
            case 2: pfx = 0xf2; op = 0x78; break;
            case 3: pfx = 0xf2; op = 0x79; break;
            case 4: pfx = 0xf3; op = 0x2b; mem = true; break;
            case 5: pfx = 0xf2; op = 0x2b; mem = true; break;
            case 6: pfx = 0x66; op = 0x78; reg = 1 + rnd() % 7; break;
            case 7: pfx = rnd() % 2 ? 0x66 : 0xf2; op = 0x78 + rnd() % 2; mem = true; break;
            case 8: pfx = rnd() % 2 ? 0xf3 : 0xf2; op = 0x2b; break;
            default: pfx = rnd() % 2 ? 0xf3 : 0; op = 0x78 + rnd() % 2; break;
            }
            if (f == 9 && rnd() % 3 == 0) {
                b[n++] = rnd() % 2 ? 0x66 : 0xf2;   /* F3 last wins: still #UD */
                pfx = 0xf3;
            }
            if (pfx) {
                b[n++] = (uint8_t)pfx;
            }
            if ((reg | rm) & 8 || rnd() % 4 == 0) {
                b[n++] = (uint8_t)(0x40 | ((reg & 8) ? 4 : 0) | ((rm & 8) && !mem ? 1 : 0) |
                                   (rnd() % 4 == 0 ? 8 : 0));
            }
            b[n++] = 0x0f;
            b[n++] = (uint8_t)op;
            if (mem) {
                b[n++] = (uint8_t)(0x40 | ((reg & 7) << 3) | 3);    /* [rbx + disp8] */
                b[n++] = (uint8_t)(rnd() % 120);
            } else {
                b[n++] = (uint8_t)(0xc0 | ((reg & 7) << 3) | (rm & 7));
            }
            if (op == 0x78) {
                unsigned r2 = (unsigned)rnd();
                b[n++] = (uint8_t)(rnd() % 4 ? rnd() % 65 : r2);
                b[n++] = (uint8_t)(rnd() % 4 ? rnd() % 65 : r2 >> 8);
            }
            if (host_cmp(b, n, mode, names[f])) {
                cases[f]++;
            } else if (++fails > 20) {
                break;
            }
        }
    }
    GString *msg = g_string_new(NULL);
    for (unsigned f = 0; f < NF; f++) {
        g_string_append_printf(msg, " %s: %u;", names[f], cases[f]);
    }
    g_test_message("SSE4a cases agreeing with the host:%s", msg->str);
    if (g_test_verbose()) {
        printf("  SSE4a:%s\n", msg->str);
    }
    g_string_free(msg, TRUE);
    g_assert_cmpuint(fails, ==, 0);
    teardown();
}

/* VAESIMC / VAESKEYGENASSIST have no VEX.256 form: #UD on both sides;
 * VAES/VPCLMULQDQ with VEX.L1 run (compared) */
static void test_vaes_l1_vs_host(void)
{
    unsigned ok = 0, fails = 0;
    setup64();
    for (int it = 0; it < 2000; it++) {
        unsigned reg = rnd() % 16, rm = rnd() % 16, vvvv = rnd() % 16;
        bool mem = rnd() % 2;
        uint8_t b[8];
        unsigned n = 0, which = rnd() % 4;
        bool map3 = which >= 2;
        b[n++] = 0xc4;
        b[n++] = (uint8_t)(((reg & 8) ? 0 : 0x80) | 0x40 | ((rm & 8) && !mem ? 0 : 0x20) |
                           (map3 ? 3 : 2));
        /* VAESIMC/KEYGEN: vvvv 1111b (else #UD anyway) */
        unsigned v = which == 0 || which == 2 ? 0 : vvvv;
        b[n++] = (uint8_t)(((rnd() % 2) << 7) | ((~v & 15) << 3) | 4 | 1);
        static const uint8_t ops[4] = { 0xdb, 0xdc, 0xdf, 0x44 };
        b[n++] = ops[which];
        b[n++] = (uint8_t)(mem ? (((reg & 7) << 3) | 3) : (0xc0 | ((reg & 7) << 3) | (rm & 7)));
        if (map3) {
            b[n++] = (uint8_t)rnd();
        }
        if (host_cmp(b, n, MODE_64, "VEX.256 aes/pclmul")) {
            ok++;
        } else if (++fails > 20) {
            break;
        }
    }
    g_test_message("VEX.L1 VAESIMC/VAESDECLAST/VAESKEYGENASSIST/VPCLMULQDQ: %u cases agree", ok);
    g_assert_cmpuint(fails, ==, 0);
    teardown();
}

#define GXS(...) __extension__({ const uint8_t b_[] = { __VA_ARGS__ }; \
                               gexec_mode(b_, sizeof(b_), decode_mode(64, true)); })

static DecodeResult dec_len(bool sse4a, const uint8_t *b, unsigned n, unsigned *len)
{
    Insn insn;
    DecodeResult r = decode_buf(&insn, decode_mode(64, sse4a), b, n);
    *len = insn.len;
    return r;
}

/* The CPUID gates of VAES, VPCLMULQDQ and SSE4a, and SSE4a's decoding:
 * 0F 78 takes ModRM + ib ib and 0F 79 a ModRM, whatever the prefixes,
 * only when the model offers SSE4a (lengths measured on the AMD host with
 * the instruction's bytes running into a PROT_NONE page); otherwise both
 * stay two-byte invalid opcodes. */
static void test_sse4a_decode(void)
{
    static const struct { const char *hex; unsigned len; } lens[] = {
        { "66 0f 78 c1 08 04", 6 }, { "66 0f 78 c9 08 04", 6 }, { "f2 0f 78 ca 08 04", 6 },
        { "66 0f 78 44 24 08 08 04", 8 }, { "66 0f 79 ca", 4 }, { "f2 0f 79 0a", 4 },
        { "0f 78 c1 08 04", 5 }, { "f3 0f 78 c1 08 04", 6 }, { "0f 79 c1", 3 },
        { "f3 0f 79 c1", 4 }, { "66 48 0f 78 c1 08 04", 7 }, { "f3 0f 2b 00", 4 },
    };
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        uint8_t b[16];
        unsigned n = 0, len;
        for (const char *p = lens[i].hex; *p;) {
            char *e;
            b[n++] = (uint8_t)strtoul(p, &e, 16);
            p = e;
            while (*p == ' ') {
                p++;
            }
        }
        g_assert_cmpint(dec_len(true, b, n, &len), ==, DECODE_OK);
        g_assert_cmpuint(len, ==, lens[i].len);
        /* without SSE4a: 0F 78/79 end after the opcode (#UD), as before */
        unsigned op = 0;
        while (b[op] != 0x0f) {
            op++;
        }
        if (b[op + 1] == 0x78 || b[op + 1] == 0x79) {
            g_assert_cmpint(dec_len(false, b, n, &len), ==, DECODE_UD);
            g_assert_cmpuint(len, ==, op + 2);
        }
    }

    setup64();
    XMMReg x;
    memset(&x, 0, sizeof(x));
    x.q[0] = 0x0123456789abcdefull;
    x.q[1] = 0xfedcba9876543210ull;
    xmm_set(env, 1, &x);
    /* extrq xmm1, 8, 4 */
    g_assert_cmpint(GXS(0x66, 0x0f, 0x78, 0xc1, 0x08, 0x04), ==, -1);
    xmm_get(env, 1, &x);
    g_assert_cmphex(x.q[0], ==, 0xde);
    g_assert_cmphex(x.q[1], ==, 0);
    /* /1: #UD, before #NM; CR0.TS: #NM; CR0.EM, CR4.OSFXSR = 0: #UD */
    g_assert_cmpint(GXS(0x66, 0x0f, 0x78, 0xc9, 0x08, 0x04), ==, EXCP_UD);
    env->cr[0] |= CR0_TS;
    g_assert_cmpint(GXS(0x66, 0x0f, 0x78, 0xc9, 0x08, 0x04), ==, EXCP_UD);
    g_assert_cmpint(GXS(0x66, 0x0f, 0x78, 0xc1, 0x08, 0x04), ==, EXCP_NM);
    g_assert_cmpint(GXS(0xf2, 0x0f, 0x79, 0xca), ==, EXCP_NM);
    g_assert_cmpint(GXS(0xf3, 0x0f, 0x2b, 0x03), ==, EXCP_NM);
    env->cr[0] &= ~(uint64_t)CR0_TS;
    env->cr[0] |= CR0_EM;
    g_assert_cmpint(GXS(0xf2, 0x0f, 0x79, 0xca), ==, EXCP_UD);
    env->cr[0] &= ~(uint64_t)CR0_EM;
    env->cr[4] &= ~(uint64_t)CR4_OSFXSR;
    g_assert_cmpint(GXS(0xf2, 0x0f, 0x79, 0xca), ==, EXCP_UD);
    env->cr[4] |= CR4_OSFXSR;
    /* movntsd [rbx], xmm1 */
    g_assert_cmpint(GXS(0xf2, 0x0f, 0x2b, 0x0b), ==, -1);
    /* a model without SSE4a: #UD for every form, also when decoded with
     * SSE4a's lengths; without the decoder option 0F 78/79 are #UD */
    avx_model.features[FEAT_8000_0001_ECX] &= ~CPUID_EXT3_SSE4A;
    g_assert_cmpint(GXS(0x66, 0x0f, 0x78, 0xc1, 0x08, 0x04), ==, EXCP_UD);
    g_assert_cmpint(GXS(0x66, 0x0f, 0x79, 0xca), ==, EXCP_UD);
    g_assert_cmpint(GXS(0xf2, 0x0f, 0x78, 0xca, 0x08, 0x04), ==, EXCP_UD);
    g_assert_cmpint(GXS(0xf2, 0x0f, 0x79, 0xca), ==, EXCP_UD);
    g_assert_cmpint(GXS(0xf3, 0x0f, 0x2b, 0x03), ==, EXCP_UD);
    g_assert_cmpint(GXS(0xf2, 0x0f, 0x2b, 0x03), ==, EXCP_UD);
    g_assert_cmpint(GX(0x66, 0x0f, 0x78, 0xc1, 0x08, 0x04), ==, EXCP_UD);
    avx_model.features[FEAT_8000_0001_ECX] |= CPUID_EXT3_SSE4A;
    /* the named models do not offer SSE4a, max does */
    g_assert_false(cpu_model_has(x86_model_find("qemu64"), FEAT_8000_0001_ECX, CPUID_EXT3_SSE4A));
    g_assert_false(cpu_model_has(x86_model_find("x86-64-v3"), FEAT_8000_0001_ECX,
                                 CPUID_EXT3_SSE4A));
    g_assert_true(cpu_model_has(x86_model_find("max"), FEAT_8000_0001_ECX, CPUID_EXT3_SSE4A));

    /* VAES / VPCLMULQDQ: VEX.256 needs its own bit, VEX.128 AES /
     * PCLMULQDQ; VAESIMC and VAESKEYGENASSIST VEX.256 are #UD */
    avx_model.features[FEAT_7_0_ECX] |= CPUID_7_ECX_VAES | CPUID_7_ECX_VPCLMULQDQ;
    g_assert_cmpint(GX(0xc4, 0xe2, 0x75, 0xdc, 0xc2), ==, -1);          /* vaesenc ymm */
    g_assert_cmpint(GX(0xc4, 0xe3, 0x75, 0x44, 0xc2, 0x11), ==, -1);    /* vpclmulqdq ymm */
    g_assert_cmpint(GX(0xc4, 0xe2, 0x7d, 0xdb, 0xc2), ==, EXCP_UD);     /* vaesimc ymm */
    g_assert_cmpint(GX(0xc4, 0xe3, 0x7d, 0xdf, 0xc2, 0x01), ==, EXCP_UD); /* vaeskeygenassist ymm */
    avx_model.features[FEAT_7_0_ECX] &= ~(CPUID_7_ECX_VAES | CPUID_7_ECX_VPCLMULQDQ);
    g_assert_cmpint(GX(0xc4, 0xe2, 0x75, 0xdc, 0xc2), ==, EXCP_UD);
    g_assert_cmpint(GX(0xc4, 0xe2, 0x75, 0xdf, 0xc2), ==, EXCP_UD);
    g_assert_cmpint(GX(0xc4, 0xe3, 0x75, 0x44, 0xc2, 0x11), ==, EXCP_UD);
    g_assert_cmpint(GX(0xc4, 0xe2, 0x71, 0xdc, 0xc2), ==, -1);          /* vaesenc xmm */
    g_assert_cmpint(GX(0xc4, 0xe3, 0x71, 0x44, 0xc2, 0x11), ==, -1);
    avx_model.features[FEAT_7_0_ECX] |= CPUID_7_ECX_VAES;
    g_assert_cmpint(GX(0xc4, 0xe2, 0x75, 0xdc, 0xc2), ==, -1);
    g_assert_cmpint(GX(0xc4, 0xe3, 0x75, 0x44, 0xc2, 0x11), ==, EXCP_UD);
    avx_model.features[FEAT_7_0_ECX] |= CPUID_7_ECX_VPCLMULQDQ;
    /* without AVX: #UD for both lengths */
    avx_model.features[FEAT_1_ECX] &= ~CPUID_EXT_AVX;
    g_assert_cmpint(GX(0xc4, 0xe2, 0x75, 0xdc, 0xc2), ==, EXCP_UD);
    g_assert_cmpint(GX(0xc4, 0xe3, 0x75, 0x44, 0xc2, 0x11), ==, EXCP_UD);
    avx_model.features[FEAT_1_ECX] |= CPUID_EXT_AVX;
    /* CR0.TS: #NM */
    env->cr[0] |= CR0_TS;
    g_assert_cmpint(GX(0xc4, 0xe2, 0x75, 0xdc, 0xc2), ==, EXCP_NM);
    env->cr[0] &= ~(uint64_t)CR0_TS;
    /* max offers VAES and VPCLMULQDQ; the named models do not */
    g_assert_true(cpu_model_has(x86_model_find("max"), FEAT_7_0_ECX,
                                CPUID_7_ECX_VAES | CPUID_7_ECX_VPCLMULQDQ));
    g_assert_false(cpu_model_has(x86_model_find("x86-64-v3"), FEAT_7_0_ECX, CPUID_7_ECX_VAES));
    teardown();
}

/* The VEX #UD/#NM rules (SDM Vol.2 2.3.2-2.3.6). */
static void test_vex_exceptions(void)
{
    YMMReg y;
    setup64();
    /* vaddps ymm0, ymm1, ymm2 runs */
    g_assert_cmpint(GX(0xc5, 0xf4, 0x58, 0xc2), ==, -1);
    /* with 66/F2/F3/REX/LOCK before it: #UD (decoder) */
    g_assert_cmpint(GX(0x66, 0xc5, 0xf4, 0x58, 0xc2), ==, EXCP_UD);
    g_assert_cmpint(GX(0xf3, 0xc5, 0xf4, 0x58, 0xc2), ==, EXCP_UD);
    g_assert_cmpint(GX(0xf2, 0xc5, 0xf4, 0x58, 0xc2), ==, EXCP_UD);
    g_assert_cmpint(GX(0x40, 0xc5, 0xf4, 0x58, 0xc2), ==, EXCP_UD);
    g_assert_cmpint(GX(0xf0, 0xc5, 0xf4, 0x58, 0xc2), ==, EXCP_UD);
    /* XCR0 without AVX, CR4.OSXSAVE clear: #UD */
    env->xcr0 = 3;
    g_assert_cmpint(GX(0xc5, 0xf4, 0x58, 0xc2), ==, EXCP_UD);
    env->xcr0 = 7;
    env->cr[4] &= ~(uint64_t)CR4_OSXSAVE;
    g_assert_cmpint(GX(0xc5, 0xf4, 0x58, 0xc2), ==, EXCP_UD);
    env->cr[4] |= CR4_OSXSAVE;
    /* vvvv != 1111b where unused: vsqrtps ymm0, ymm2 with vvvv = ymm1 */
    g_assert_cmpint(GX(0xc5, 0xf4, 0x51, 0xc2), ==, EXCP_UD);
    g_assert_cmpint(GX(0xc5, 0xfc, 0x51, 0xc2), ==, -1);
    /* VEX.L1 where only L0 exists (vmovd) and L0 where L1 is needed */
    g_assert_cmpint(GX(0xc5, 0xfd, 0x6e, 0xc0), ==, EXCP_UD);
    g_assert_cmpint(GX(0xc5, 0xf9, 0x6e, 0xc0), ==, -1);
    g_assert_cmpint(GX(0xc4, 0xe3, 0x75, 0x06, 0xc2, 0x21), ==, -1);      /* vperm2f128 */
    g_assert_cmpint(GX(0xc4, 0xe3, 0x71, 0x06, 0xc2, 0x21), ==, EXCP_UD);
    /* VEX.W1 on a W0 instruction (vpermilps var) */
    g_assert_cmpint(GX(0xc4, 0xe2, 0xf1, 0x0c, 0xc2), ==, EXCP_UD);
    /* CR0.TS: #NM; CR0.EM and CR4.OSFXSR do not matter for VEX */
    env->cr[0] |= CR0_TS;
    g_assert_cmpint(GX(0xc5, 0xf4, 0x58, 0xc2), ==, EXCP_NM);
    env->cr[0] &= ~(uint64_t)CR0_TS;
    env->cr[0] |= CR0_EM;
    env->cr[4] &= ~(uint64_t)CR4_OSFXSR;
    g_assert_cmpint(GX(0xc5, 0xf4, 0x58, 0xc2), ==, -1);
    env->cr[0] &= ~(uint64_t)CR0_EM;
    env->cr[4] |= CR4_OSFXSR;
    /* a model without AVX: #UD; without AVX2 the 256-bit integer forms */
    env->model = x86_model_find("x86-64-v2");
    g_assert_cmpint(GX(0xc5, 0xf4, 0x58, 0xc2), ==, EXCP_UD);
    env->model = &avx_model;
    avx_model.features[FEAT_7_0_EBX] &= ~CPUID_7_EBX_AVX2;
    g_assert_cmpint(GX(0xc5, 0xf1, 0xfe, 0xc2), ==, -1);        /* vpaddd xmm */
    g_assert_cmpint(GX(0xc5, 0xf5, 0xfe, 0xc2), ==, EXCP_UD);   /* vpaddd ymm */
    g_assert_cmpint(GX(0xc5, 0xf4, 0x54, 0xc2), ==, -1);        /* vandps ymm: AVX */
    g_assert_cmpint(GX(0xc4, 0xe2, 0x79, 0x78, 0xc1), ==, EXCP_UD);   /* vpbroadcastb xmm */
    g_assert_cmpint(GX(0xc4, 0xe2, 0x71, 0x47, 0xc2), ==, EXCP_UD);   /* vpsllvd xmm */
    avx_model.features[FEAT_7_0_EBX] |= CPUID_7_EBX_AVX2;
    g_assert_cmpint(GX(0xc4, 0xe2, 0x79, 0x78, 0xc1), ==, -1);
    g_assert_cmpint(GX(0xc4, 0xe2, 0x71, 0x47, 0xc2), ==, -1);
    /* AVX2 forms (the same #UD natively, SDM encodings): VPERMD is
     * VEX.256 W0 only, VPSRAVD W0 only, VPBROADCASTD W0, VBROADCASTI128
     * memory only; VPERMQ/PD are W1 in the SDM (the AMD host also runs
     * W0: a vendor difference, emu86 follows the SDM) */
    g_assert_cmpint(GX(0xc4, 0xe2, 0x75, 0x36, 0xc2), ==, -1);
    g_assert_cmpint(GX(0xc4, 0xe2, 0x71, 0x36, 0xc2), ==, EXCP_UD);
    g_assert_cmpint(GX(0xc4, 0xe2, 0xf5, 0x36, 0xc2), ==, EXCP_UD);
    g_assert_cmpint(GX(0xc4, 0xe2, 0xf1, 0x46, 0xc2), ==, EXCP_UD);
    g_assert_cmpint(GX(0xc4, 0xe2, 0xf5, 0x58, 0xc1), ==, EXCP_UD);
    g_assert_cmpint(GX(0xc4, 0xe2, 0x7d, 0x5a, 0xc1), ==, EXCP_UD);
    g_assert_cmpint(GX(0xc4, 0xe3, 0xfd, 0x00, 0xc1, 0x01), ==, -1);
    /* FMA: vfmadd231ps ymm0, ymm1, ymm2 needs the FMA bit (not AVX2) */
    g_assert_cmpint(GX(0xc4, 0xe2, 0x75, 0xb8, 0xc2), ==, -1);
    avx_model.features[FEAT_1_ECX] &= ~CPUID_EXT_FMA;
    g_assert_cmpint(GX(0xc4, 0xe2, 0x75, 0xb8, 0xc2), ==, EXCP_UD);
    avx_model.features[FEAT_1_ECX] |= CPUID_EXT_FMA;
    avx_model.features[FEAT_7_0_EBX] &= ~CPUID_7_EBX_AVX2;
    g_assert_cmpint(GX(0xc4, 0xe2, 0x75, 0xb8, 0xc2), ==, -1);
    avx_model.features[FEAT_7_0_EBX] |= CPUID_7_EBX_AVX2;
    /* BMI (the same #UD natively): andn eax, ecx, edx runs, with VEX.L1
     * #UD; group 17 /0 #UD; RORX with vvvv != 1111b #UD; without the
     * BMI1/BMI2 bit #UD; no OSXSAVE/XCR0 or CR0.TS condition */
    g_assert_cmpint(GX(0xc4, 0xe2, 0x70, 0xf2, 0xc2), ==, -1);
    g_assert_cmpint(GX(0xc4, 0xe2, 0x74, 0xf2, 0xc2), ==, EXCP_UD);
    g_assert_cmpint(GX(0xc4, 0xe2, 0x78, 0xf3, 0xc2), ==, EXCP_UD);
    g_assert_cmpint(GX(0xc4, 0xe2, 0x78, 0xf3, 0xca), ==, -1);           /* blsr eax, edx */
    g_assert_cmpint(GX(0xc4, 0xe3, 0x7b, 0xf0, 0xc1, 0x05), ==, -1);     /* rorx eax, ecx, 5 */
    g_assert_cmpint(GX(0xc4, 0xe3, 0x73, 0xf0, 0xc1, 0x05), ==, EXCP_UD);
    env->cr[4] &= ~(uint64_t)CR4_OSXSAVE;
    env->cr[0] |= CR0_TS;
    g_assert_cmpint(GX(0xc4, 0xe2, 0x70, 0xf2, 0xc2), ==, -1);
    g_assert_cmpint(GX(0xc4, 0xe2, 0x7b, 0xf6, 0xc2), ==, -1);           /* mulx */
    env->cr[0] &= ~(uint64_t)CR0_TS;
    env->cr[4] |= CR4_OSXSAVE;
    avx_model.features[FEAT_7_0_EBX] &= ~(CPUID_7_EBX_BMI1 | CPUID_7_EBX_BMI2);
    g_assert_cmpint(GX(0xc4, 0xe2, 0x70, 0xf2, 0xc2), ==, EXCP_UD);
    g_assert_cmpint(GX(0xc4, 0xe2, 0x7b, 0xf6, 0xc2), ==, EXCP_UD);
    avx_model.features[FEAT_7_0_EBX] |= CPUID_7_EBX_BMI2;
    g_assert_cmpint(GX(0xc4, 0xe2, 0x70, 0xf2, 0xc2), ==, EXCP_UD);      /* ANDN: BMI1 */
    g_assert_cmpint(GX(0xc4, 0xe2, 0x7b, 0xf6, 0xc2), ==, -1);
    avx_model.features[FEAT_7_0_EBX] |= CPUID_7_EBX_BMI1;
    /* gathers: destination, index and mask pairwise distinct, else #UD
     * (vgatherdps ymm0, [rbx + ymm4*4], ymm1 and overlapping variants);
     * no #NM before that #UD */
    memset(&y, 0, sizeof(y));
    ymm_set(env, 1, &y);
    ymm_set(env, 4, &y);
    g_assert_cmpint(GX(0xc4, 0xe2, 0x75, 0x92, 0x04, 0xa3), ==, -1);
    g_assert_cmpint(GX(0xc4, 0xe2, 0x7d, 0x92, 0x04, 0xa3), ==, EXCP_UD);   /* mask = dest */
    g_assert_cmpint(GX(0xc4, 0xe2, 0x5d, 0x92, 0x04, 0xa3), ==, EXCP_UD);   /* mask = index */
    g_assert_cmpint(GX(0xc4, 0xe2, 0x75, 0x92, 0x24, 0xa3), ==, EXCP_UD);   /* dest = index */
    env->cr[0] |= CR0_TS;
    g_assert_cmpint(GX(0xc4, 0xe2, 0x75, 0x92, 0x24, 0xa3), ==, EXCP_UD);
    g_assert_cmpint(GX(0xc4, 0xe2, 0x75, 0x92, 0x04, 0xa3), ==, EXCP_NM);
    env->cr[0] &= ~(uint64_t)CR0_TS;
    /* VSIB needs a SIB byte: vgatherdps ymm0, [rbx], ymm1 is #UD */
    g_assert_cmpint(GX(0xc4, 0xe2, 0x75, 0x92, 0x03), ==, EXCP_UD);
    /* VEX.128 zeroes bits 255:128; legacy SSE keeps them */
    memset(&y, 0x11, sizeof(y));
    ymm_set(env, 0, &y);
    g_assert_cmpint(GX(0x0f, 0x58, 0xc1), ==, -1);              /* addps xmm0, xmm1 */
    ymm_get(env, 0, &y);
    g_assert_cmphex(y.q[3], ==, 0x1111111111111111ull);
    g_assert_cmpint(GX(0xc5, 0xf8, 0x58, 0xc1), ==, -1);        /* vaddps xmm0, xmm0, xmm1 */
    ymm_get(env, 0, &y);
    g_assert_cmphex(y.q[2] | y.q[3], ==, 0);
    /* VMOVAPS ymm needs 32-byte alignment, VMOVUPS/VADDPS none */
    env->regs[R_EBX] = DATA + 16;
    g_assert_cmpint(GX(0xc5, 0xfc, 0x28, 0x03), ==, EXCP_GP);
    g_assert_cmpint(GX(0xc5, 0xfc, 0x10, 0x03), ==, -1);
    g_assert_cmpint(GX(0xc5, 0xfc, 0x58, 0x03), ==, -1);
    env->regs[R_EBX] = DATA + 8;
    g_assert_cmpint(GX(0xc5, 0xf8, 0x28, 0x03), ==, EXCP_GP);   /* xmm: 16 */
    /* real mode: #UD (LES/LDS there) */
    env->regs[R_EBX] = DATA;
    teardown();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    code_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert_true(code_page != MAP_FAILED);
    fault_pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert_true(fault_pages != MAP_FAILED);
    g_assert_cmpint(mprotect(fault_pages + 4096, 4096, PROT_NONE), ==, 0);
    struct sigaction sa = { .sa_sigaction = sig_handler, .sa_flags = SA_SIGINFO };
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    unsigned a, b, c, d;
    __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000001u), "c"(0));
    host_ext3_ecx = c;
    __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
    host_7_ecx = c;
    bool avx2 = b & (1u << 5);
    __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    if (avx2 && (c & (1u << 28)) && (c & (1u << 29)) && (c & (1u << 27))) {
        g_test_add_func("/avx/diff-vs-host", test_diff);
        g_test_add_func("/avx/diff-unmasked-vs-host", test_diff_unmasked);
        g_test_add_func("/avx/fault-vs-host", test_fault_vs_host);
        g_test_add_func("/avx/compat32-vs-host", test_compat_vs_host);
    }
    g_test_add_func("/avx/vex-exceptions", test_vex_exceptions);
    g_test_add_func("/avx/sse4a-decode", test_sse4a_decode);
    if (avx2 && (host_7_ecx & CPUID_7_ECX_VAES) && (host_7_ecx & CPUID_7_ECX_VPCLMULQDQ)) {
        g_test_add_func("/avx/vaes-l1-vs-host", test_vaes_l1_vs_host);
    } else {
        printf("# skipped /avx/vaes-l1-vs-host: the host CPU has no VAES/VPCLMULQDQ (CPUID)\n");
    }
    if (host_ext3_ecx & CPUID_EXT3_SSE4A) {
        g_test_add_func("/avx/sse4a-vs-host", test_sse4a_vs_host);
    } else {
        printf("# skipped /avx/sse4a-vs-host: the host CPU has no SSE4a (CPUID)\n");
    }
    return g_test_run();
}

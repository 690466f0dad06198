/*
 * tests/unit/test-xsave.c - XCR0, XGETBV/XSETBV and XSAVE/XSAVEOPT/XSAVEC/
 * XRSTOR (target/i386/xsave.c) against the host's own instructions.
 *
 * Design: host-differential, as test-sse.c.  A random x87/SSE/AVX state
 * (some components in their initial configuration) is put into an XSAVE
 * image; natively the image is loaded with XRSTOR64, the instruction under
 * test runs (bytes copied into an RWX page, [rbx] = a 64-byte aligned
 * area, EDX:EAX = a random requested-feature mask within x87|SSE|AVX) and
 * the state is taken back with XSAVE64; in emu86 the same image goes into
 * CPUX86State (xsave_from_image, the KVM codec) and the instruction is
 * decoded and executed.  The registers afterwards (x87, MXCSR, XMM, YMM_H)
 * and the area's bytes must agree, except MXCSR_MASK (0x2FFFF on the AMD
 * host, 0xFFFF in emu86's model).  XRSTOR also gets corrupted headers,
 * misaligned areas and reserved MXCSR bits: the #GP must happen on both
 * sides (natively SIGSEGV, the instruction is skipped), with the state
 * untouched.  The host saves and restores its own state around each run.
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
#define AREA 1024

/* ---- native side ---- */

/* xs_native(code, area, mask, in_img, out_img, save): see the design note */
void xs_native(const void *code, void *area, uint64_t mask, const void *in, void *out, void *save);
__asm__(
    ".pushsection .text\n"
    ".globl xs_native\n"
    ".type xs_native, @function\n"
    "xs_native:\n"
    "    push %rbx\n    push %r12\n    push %r13\n    push %r14\n    push %r15\n    push %rbp\n"
    "    mov %rdi, %r12\n    mov %rsi, %rbx\n    mov %rdx, %r13\n"
    "    mov %rcx, %r14\n    mov %r8, %r15\n    mov %r9, %rbp\n"
    "    mov $-1, %eax\n    mov $-1, %edx\n    xsave64 (%rbp)\n"
    "    mov $7, %eax\n    xor %edx, %edx\n    xrstor64 (%r14)\n"
    "    mov %r13, %rax\n    mov %r13, %rdx\n    shr $32, %rdx\n"
    "    call *%r12\n"
    "    mov $7, %eax\n    xor %edx, %edx\n    xsave64 (%r15)\n"
    "    mov $-1, %eax\n    mov $-1, %edx\n    xrstor64 (%rbp)\n"
    "    pop %rbp\n    pop %r15\n    pop %r14\n    pop %r13\n    pop %r12\n    pop %rbx\n"
    "    ret\n"
    ".size xs_native, . - xs_native\n"
    ".popsection\n");

static uint8_t *code_page;
static volatile int native_fault;
static unsigned native_len;

static void sigsegv_handler(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    native_fault = sig;
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)(code_page + native_len);
}

static _Alignas(64) uint8_t n_area[AREA + 64];
static _Alignas(64) uint8_t n_in[4096], n_out[4096], n_save[8192];

/* ---- guest side ---- */

static TestCPU *t;
static CPUX86State *env;
static X86CPUModel xs_model;

static void setup64(void)
{
    t = tcpu_new(4);
    env = t->env;
    tflat64(t);
    env->cr[4] |= CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE;
    /* max plus the XSAVE family and AVX state */
    xs_model = *x86_model_find("max");
    xs_model.features[FEAT_1_ECX] |= CPUID_EXT_XSAVE | CPUID_EXT_AVX;
    xs_model.features[FEAT_D_1_EAX] |= CPUID_D_1_EAX_XSAVEOPT | CPUID_D_1_EAX_XSAVEC |
                                       CPUID_D_1_EAX_XGETBV1;
    env->model = &xs_model;
    env->xcr0 = 7;
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

/* ---- random state ---- */

static uint64_t rng = 0x1234567887654321ull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void rnd_bytes(uint8_t *p, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        p[i] = (uint8_t)rnd();
    }
}

/* A standard-format image (64-bit pointer layout) of a random state;
 * each component is init (XSTATE_BV bit clear) 1/4 of the time. */
static void rnd_state(uint8_t *img)
{
    memset(img, 0, 4096);
    uint16_t fcw = (uint16_t)((rnd() & 0x1f3f) | 0x40);
    uint16_t fsw = (uint16_t)rnd();    /* no x87 instruction runs: any ES */
    memcpy(img + 0, &fcw, 2);
    memcpy(img + 2, &fsw, 2);
    img[4] = (uint8_t)rnd();
    uint16_t fop = (uint16_t)rnd() & 0x7ff;
    memcpy(img + 6, &fop, 2);
    /* 32-bit pointers: a context switch on the host (the kernel's own
     * XSAVES/XRSTORS) was seen to drop FIP bits 63:32 now and then */
    uint64_t fip = rnd() & 0xffffffffull, fdp = rnd() & 0xffffffffull;
    memcpy(img + 8, &fip, 8);
    memcpy(img + 16, &fdp, 8);
    uint32_t mx = (uint32_t)rnd() & 0xffbf;             /* DAZ included, valid bits */
    if (rnd() % 4 == 0) {
        mx = 0x1f80;
    }
    memcpy(img + 24, &mx, 4);
    for (int i = 0; i < 8; i++) {
        rnd_bytes(img + 32 + 16 * i, 10);
    }
    rnd_bytes(img + 160, 256);
    rnd_bytes(img + XSAVE_YMM_OFF, 256);
    uint64_t bv = 0;
    for (int i = 0; i < 3; i++) {
        if (rnd() % 4) {
            bv |= 1ull << i;
        }
    }
    memcpy(img + 512, &bv, 8);
}

/* The AMD host saves FOP, FIP and FDP only with an unmasked exception
 * pending (FSW.ES = 1; AMD APM Vol.5 FXSAVE), zero otherwise; emu86
 * always saves them (as the SDM says): not compared then. */
static bool amd_no_pointers(const uint8_t *native_img)
{
    return !(native_img[2] & 0x80);
}

/* Registers of an image that XSAVE64 (rfbm = 7) took, normalised: the
 * comparison covers FCW FSW FTW FOP FIP FDP, ST0-7 (10 bytes), MXCSR,
 * XMM0-15, YMM0_H-15_H. */
static bool same_regs(const uint8_t *a, const uint8_t *b, bool faulted, char *why)
{
    for (int i = 0; i < 24; i++) {
        /* after a native fault the kernel's signal frame has been through
         * the FPU state: the upper FIP/FDP bits do not survive it */
        if (a[i] != b[i] && !(i >= 6 && (amd_no_pointers(a) || faulted))) {
            sprintf(why, "x87 byte %d: native %02x emu %02x (fsw %04x)", i, a[i], b[i],
                    a[2] | a[3] << 8);
            return false;
        }
    }
    if (memcmp(a + 24, b + 24, 4)) {
        strcpy(why, "MXCSR");
        return false;
    }
    for (int i = 0; i < 8; i++) {
        if (memcmp(a + 32 + 16 * i, b + 32 + 16 * i, 10)) {
            sprintf(why, "ST%d", i);
            return false;
        }
    }
    if (memcmp(a + 160, b + 160, 256)) {
        strcpy(why, "XMM");
        return false;
    }
    if (memcmp(a + XSAVE_YMM_OFF, b + XSAVE_YMM_OFF, 256)) {
        strcpy(why, "YMM_H");
        return false;
    }
    return true;
}

typedef struct XsCase {
    const char *name;
    uint8_t code[8];
    uint8_t len;
    bool restore;          /* XRSTOR: the area holds an image */
    bool compacted;        /* the image is XSAVEC's format */
} XsCase;

static const XsCase xs_cases[] = {
    { "xsave64", { 0x48, 0x0f, 0xae, 0x23 }, 4, false, false },
    { "xsave", { 0x0f, 0xae, 0x23 }, 3, false, false },
    { "xsaveopt64", { 0x48, 0x0f, 0xae, 0x33 }, 4, false, false },
    { "xsavec64", { 0x48, 0x0f, 0xc7, 0x23 }, 4, false, false },
    { "xrstor64 standard", { 0x48, 0x0f, 0xae, 0x2b }, 4, true, false },
    { "xrstor64 compacted", { 0x48, 0x0f, 0xae, 0x2b }, 4, true, true },
    { "xrstor standard", { 0x0f, 0xae, 0x2b }, 3, true, false },
};

static void test_diff(void)
{
    unsigned total = 0, faults = 0, fails = 0;
    setup64();
    for (unsigned ci = 0; ci < G_N_ELEMENTS(xs_cases); ci++) {
        const XsCase *c = &xs_cases[ci];
        unsigned iters = g_test_slow() ? 20000 : 1500;
        for (unsigned it = 0; it < iters; it++) {
            uint8_t in[4096], area[AREA];
            rnd_state(in);
            uint64_t mask = rnd() & 7;
            if (rnd() % 8 == 0) {
                mask = 7;
            }
            /* the area: random bytes, or (XRSTOR) a valid image of
             * another random state, sometimes corrupted */
            rnd_bytes(area, AREA);
            unsigned mis = 0;
            if (c->restore) {
                uint8_t img[4096];
                rnd_state(img);
                memcpy(area, img, XSAVE_YMM_OFF + XSAVE_YMM_SIZE);
                uint64_t hdr[8] = { 0 };
                memcpy(&hdr[0], img + 512, 8);
                if (c->compacted) {
                    hdr[1] = (1ull << 63) | (rnd() & 7) | 1;
                    hdr[0] &= hdr[1];
                }
                switch (rnd() % 16) {
                case 0: hdr[0] |= 1ull << (3 + rnd() % 2); break;     /* MPX: not in XCR0 */
                case 1: hdr[2 + rnd() % 6] = 1ull << (rnd() % 64); break;
                case 2: if (c->compacted) hdr[0] |= 4, hdr[1] &= ~4ull; break;
                case 3: if (!c->compacted) hdr[1] = 1; break;
                case 4: {
                    /* reserved MXCSR bits; not bit 17, the AMD host's
                     * misaligned-SSE mode (MXCSR_MASK 0x2FFFF) */
                    unsigned b = 16 + rnd() % 16;
                    uint32_t mx = 1u << (b == 17 ? 16 : b);
                    memcpy(area + 24, &mx, 4);
                    break;
                }
                case 5: mis = 16; break;
                default: break;
                }
                memcpy(area + 512, hdr, 64);
            }
            if (!c->restore && rnd() % 16 == 0) {
                mis = 8 * (1 + rnd() % 7);
            }

            /* native */
            memcpy(n_in, in, sizeof(n_in));
            memcpy(n_area + mis, area, AREA);
            memcpy(code_page, c->code, c->len);
            code_page[c->len] = 0xc3;
            native_len = c->len;
            native_fault = 0;
            xs_native(code_page, n_area + mis, mask, n_in, n_out, n_save);

            /* emu86 */
            env->x87.fcs = env->x87.fds = 0;
            xsave_from_image(env, in);
            memcpy(t->ram + DATA + mis, area, AREA);
            env->regs[R_EBX] = DATA + mis;
            env->regs[R_EAX] = (uint32_t)mask;
            env->regs[R_EDX] = mask >> 32;
            int v = gexec(c->code, c->len);
            uint8_t e_out[XSAVE_YMM_OFF + XSAVE_YMM_SIZE];
            xsave_to_image(env, e_out);

            char why[64] = "";
            bool ok = native_fault ? v == EXCP_GP : v == -1;
            if (!ok) {
                sprintf(why, "fault: native signal %d, emu vector %d", native_fault, v);
            }
            ok = ok && same_regs(n_out, e_out, native_fault != 0, why);
            if (ok) {
                uint8_t *na = n_area + mis, *ea = t->ram + DATA + mis;
                for (unsigned i = 0; i < AREA && ok; i++) {
                    if (i >= 28 && i < 32) {
                        continue;           /* MXCSR_MASK */
                    }
                    if (i >= 6 && i < 24 && !c->restore && amd_no_pointers(na)) {
                        continue;
                    }
                    if (i >= 24 && i < 28 && c->code[2] == 0xc7 &&
                        !((mask & 2) && (na[512] & 2))) {
                        /* XSAVEC's MXCSR when SSE state is not saved:
                         * the SDM has it written with RFBM[1] (only),
                         * the AMD host writes it when MXCSR != 1F80H
                         * (even for RFBM = 4), not when it is 1F80H */
                        continue;
                    }
                    if (na[i] != ea[i]) {
                        sprintf(why, "area byte %u: native %02x emu %02x", i, na[i], ea[i]);
                        ok = false;
                    }
                }
            }
            faults += native_fault != 0;
            if (!ok) {
                if (fails++ < 10) {
                    fprintf(stderr, "MISMATCH %s mask %llx mis %u: %s\n", c->name,
                            (unsigned long long)mask, mis, why);
                    fprintf(stderr, "  header %016llx %016llx %016llx %016llx mxcsr %08x\n",
                            (unsigned long long)((uint64_t *)(area + 512))[0],
                            (unsigned long long)((uint64_t *)(area + 512))[1],
                            (unsigned long long)((uint64_t *)(area + 512))[2],
                            (unsigned long long)((uint64_t *)(area + 512))[3],
                            ((uint32_t *)area)[6]);
                }
                continue;
            }
            total++;
        }
    }
    g_test_message("%u cases agree with the host (%u #GP)", total, faults);
    g_assert_cmpuint(fails, ==, 0);
    teardown();
}

/* XGETBV/XSETBV rules, CPUID leaf 0DH, CR4.OSXSAVE, #UD/#NM. */
static void test_xcr(void)
{
    setup64();
    uint32_t r[4];
    cpu_cpuid(env, 0xd, 0, r);
    g_assert_cmphex(r[0], ==, 7);
    g_assert_cmphex(r[1], ==, 832);             /* XCR0 = 7 */
    g_assert_cmphex(r[2], ==, 832);
    cpu_cpuid(env, 0xd, 1, r);
    g_assert_cmphex(r[0], ==, 7);               /* XSAVEOPT, XSAVEC, XGETBV1 */
    g_assert_cmphex(r[1], ==, 832);
    cpu_cpuid(env, 0xd, 2, r);
    g_assert_cmphex(r[0], ==, 256);
    g_assert_cmphex(r[1], ==, 576);
    cpu_cpuid(env, 1, 0, r);
    g_assert_true(r[2] & CPUID_EXT_OSXSAVE);

    /* XGETBV 0 and 1 (XINUSE from the values: all init but MXCSR) */
    fpu_init_state(env, true);
    memset(env->x87.ymmh, 0, sizeof(env->x87.ymmh));
    env->regs[R_ECX] = 0;
    g_assert_cmpint(GX(0x0f, 0x01, 0xd0), ==, -1);
    g_assert_cmphex(env->regs[R_EAX], ==, 7);
    g_assert_cmphex(env->regs[R_EDX], ==, 0);
    env->regs[R_ECX] = 1;
    g_assert_cmpint(GX(0x0f, 0x01, 0xd0), ==, -1);
    g_assert_cmphex(env->regs[R_EAX], ==, 0);
    env->x87.mxcsr = 0x1f81;
    g_assert_cmpint(GX(0x0f, 0x01, 0xd0), ==, -1);
    g_assert_cmphex(env->regs[R_EAX], ==, 2);   /* MXCSR counts for XGETBV(1) */
    env->x87.ymmh[3][5] = 1;
    g_assert_cmpint(GX(0x0f, 0x01, 0xd0), ==, -1);
    g_assert_cmphex(env->regs[R_EAX], ==, 6);
    env->regs[R_ECX] = 2;
    g_assert_cmpint(GX(0x0f, 0x01, 0xd0), ==, EXCP_GP);

    /* XSETBV: #GP for CPL > 0, ECX != 0, bit 0 clear, AVX without SSE,
     * unsupported bits; then XCR0 changes and CPUID.(0DH,0):EBX with it */
    struct { uint32_t ecx; uint64_t v; int expect; } xs[] = {
        { 0, 0, EXCP_GP }, { 0, 2, EXCP_GP }, { 0, 5, EXCP_GP }, { 0, 0xf, EXCP_GP },
        { 0, 0x100000001ull, EXCP_GP }, { 1, 3, EXCP_GP }, { 0, 3, -1 }, { 0, 1, -1 },
        { 0, 7, -1 },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(xs); i++) {
        env->regs[R_ECX] = xs[i].ecx;
        env->regs[R_EAX] = (uint32_t)xs[i].v;
        env->regs[R_EDX] = xs[i].v >> 32;
        uint64_t before = env->xcr0;
        g_assert_cmpint(GX(0x0f, 0x01, 0xd1), ==, xs[i].expect);
        g_assert_cmphex(env->xcr0, ==, xs[i].expect < 0 ? xs[i].v : before);
        if (xs[i].v == 3 && xs[i].expect < 0) {
            cpu_cpuid(env, 0xd, 0, r);
            g_assert_cmphex(r[1], ==, 576);
        }
    }
    /* XCR0 without AVX: XSAVE leaves the AVX area alone */
    env->regs[R_ECX] = 0;
    env->regs[R_EAX] = 3;
    env->regs[R_EDX] = 0;
    g_assert_cmpint(GX(0x0f, 0x01, 0xd1), ==, -1);
    memset(t->ram + DATA, 0xaa, 1024);
    env->regs[R_EBX] = DATA;
    env->regs[R_EAX] = 7;
    g_assert_cmpint(GX(0x0f, 0xae, 0x23), ==, -1);
    g_assert_cmphex(t->ram[DATA + XSAVE_YMM_OFF], ==, 0xaa);
    env->regs[R_EAX] = 7;
    g_assert_cmpint(GX(0x0f, 0x01, 0xd1), ==, -1);

    /* CPL 3: XSETBV #GP, XGETBV fine */
    env->segs[R_SS].flags |= DESC_DPL_MASK;
    env->cpl = 3;
    g_assert_cmpint(GX(0x0f, 0x01, 0xd1), ==, EXCP_GP);
    env->regs[R_ECX] = 0;
    g_assert_cmpint(GX(0x0f, 0x01, 0xd0), ==, -1);
    env->cpl = 0;
    env->segs[R_SS].flags &= ~DESC_DPL_MASK;

    /* #NM with CR0.TS, #UD with CR4.OSXSAVE=0 (also for XGETBV) */
    env->cr[0] |= CR0_TS;
    g_assert_cmpint(GX(0x0f, 0xae, 0x23), ==, EXCP_NM);
    g_assert_cmpint(GX(0x0f, 0x01, 0xd0), ==, -1);    /* XGETBV: no #NM */
    env->cr[0] &= ~(uint64_t)CR0_TS;
    env->cr[4] &= ~(uint64_t)CR4_OSXSAVE;
    g_assert_cmpint(GX(0x0f, 0xae, 0x23), ==, EXCP_UD);
    g_assert_cmpint(GX(0x0f, 0x01, 0xd0), ==, EXCP_UD);
    g_assert_cmpint(GX(0x48, 0x0f, 0xc7, 0x23), ==, EXCP_UD);
    cpu_cpuid(env, 1, 0, r);
    g_assert_false(r[2] & CPUID_EXT_OSXSAVE);
    /* XSAVES/XRSTORS are not offered */
    env->cr[4] |= CR4_OSXSAVE;
    g_assert_cmpint(GX(0x0f, 0xc7, 0x2b), ==, EXCP_UD);
    g_assert_cmpint(GX(0x0f, 0xc7, 0x1b), ==, EXCP_UD);
    /* a model without XSAVE: MOV CR4 with OSXSAVE is #GP, leaf 0DH empty */
    env->model = x86_model_find("x86-64-v2");
    env->cr[4] &= ~(uint64_t)CR4_OSXSAVE;
    env->regs[R_EAX] = env->cr[4] | CR4_OSXSAVE;
    g_assert_cmpint(GX(0x0f, 0x22, 0xe0), ==, EXCP_GP);   /* mov cr4, rax */
    env->regs[R_EAX] = env->cr[4];
    g_assert_cmpint(GX(0x0f, 0x22, 0xe0), ==, -1);
    cpu_cpuid(env, 0xd, 0, r);
    g_assert_cmphex(r[0] | r[1] | r[2] | r[3], ==, 0);
    env->model = &xs_model;
    env->regs[R_EAX] = env->cr[4] | CR4_OSXSAVE;
    g_assert_cmpint(GX(0x0f, 0x22, 0xe0), ==, -1);
    g_assert_true(env->cr[4] & CR4_OSXSAVE);
    teardown();
}

/* A #PF in the middle of the area: nothing written, state unchanged. */
static void test_fault_restartable(void)
{
    setup64();
    /* linear 1 GiB + 0: a present 4 KiB page (physical 0x300000), the
     * next page not present */
    uint64_t pdpt = env->cr[3] & ~0xfffull;
    pdpt = pr64(t, pdpt) & ~0xfffull;
    pw64(t, pdpt + 8, 0x12000 | 7);
    pw64(t, 0x12000, 0x13000 | 7);
    pw64(t, 0x13000, 0x300000 | 7);
    pw64(t, 0x13008, 0);
    uint64_t la = 0x40000000ull + 4096 - 576;
    memset(t->ram + 0x300000, 0x55, 4096);
    env->regs[R_EBX] = la;
    env->regs[R_EAX] = 7;
    env->regs[R_EDX] = 0;
    env->x87.ymmh[0][0] = 1;
    g_assert_cmpint(GX(0x0f, 0xae, 0x23), ==, EXCP_PF);         /* xsave */
    g_assert_cmphex(env->cr[2], ==, 0x40001000ull);
    for (unsigned i = 0; i < 4096; i++) {
        g_assert_cmphex(t->ram[0x300000 + i], ==, 0x55);
    }
    /* XRSTOR of a valid header whose AVX part is missing: no change */
    uint64_t bv = 7;
    memset(t->ram + 0x300000 + 4096 - 576, 0, 576);
    memcpy(t->ram + 0x300000 + 4096 - 64, &bv, 8);
    env->x87.xmm[1][0] = 0x77;
    g_assert_cmpint(GX(0x0f, 0xae, 0x2b), ==, EXCP_PF);         /* xrstor */
    g_assert_cmphex(env->x87.xmm[1][0], ==, 0x77);
    g_assert_cmphex(env->x87.ymmh[0][0], ==, 1);
    /* with RFBM = 3 it does not touch the missing page */
    env->regs[R_EAX] = 3;
    g_assert_cmpint(GX(0x0f, 0xae, 0x2b), ==, -1);
    g_assert_cmphex(env->x87.xmm[1][0], ==, 0);
    g_assert_cmphex(env->x87.ymmh[0][0], ==, 1);
    teardown();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    code_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert_true(code_page != MAP_FAILED);
    struct sigaction sa = { .sa_sigaction = sigsegv_handler, .sa_flags = SA_SIGINFO };
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    unsigned a, b, c, d;
    __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xd), "c"(1));
    bool host_ok = (a & 3) == 3;
    __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    host_ok = host_ok && (c & (1u << 27)) && (c & (1u << 28));
    if (host_ok) {
        g_test_add_func("/xsave/diff-vs-host", test_diff);
    } else {
        g_test_message("host without OSXSAVE/AVX/XSAVEOPT/XSAVEC: no differential test");
    }
    g_test_add_func("/xsave/xcr-cpuid-exceptions", test_xcr);
    g_test_add_func("/xsave/fault-restartable", test_fault_restartable);
    return g_test_run();
}

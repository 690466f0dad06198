/*
 * tests/unit/test-crypto.c - AES-NI, PCLMULQDQ and the SHA extensions
 * (target/i386/aes.c, sha.c) against the host CPU's own instructions.
 *
 * Design: host-differential, like test-sse.c.  Each instruction form is
 * encoded once with xmm1 as destination and xmm2 or [rbx] as source; the
 * bytes run natively (copied into an RWX page followed by RET, called
 * from crypto_native_run, which loads xmm0-xmm2 and rbx from a state
 * block and stores them back) and in emu86 (decode_buf + insn_handlers on
 * a flat long-mode CPU from the cpu-test harness) from the same random
 * registers and memory.  XMM0-2 must agree bit for bit.  Every imm8 of
 * PCLMULQDQ, SHA1RNDS4 and AESKEYGENASSIST is run.  A test is skipped when
 * the host's CPUID lacks the extension.  Separately: the FIPS-197 C.1
 * AES-128 vector through emu86's instructions alone (key expansion with
 * AESKEYGENASSIST, ten rounds, and back with AESIMC/AESDEC), and the
 * exception rules (CPUID gate first, CR0.EM/CR4.OSFXSR #UD, CR0.TS #NM,
 * misaligned m128 #GP(0), wrong mandatory prefix #UD).
 */
#include <cpuid.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "cpu-test-harness.h"
#include "target/i386/cpuid.h"
#include "target/i386/fpu.h"
#include "target/i386/ops.h"
#include "target/i386/sse.h"

#define DATA 0x200000u

typedef struct CState {
    uint8_t xmm[3][16];  /* 0, 16, 32 */
    uint64_t rbx;        /* 48 */
} CState;

__asm__(
    ".pushsection .text\n"
    ".globl crypto_native_run\n"
    ".type crypto_native_run, @function\n"
    "crypto_native_run:\n"
    "    push %rbx\n"
    "    push %r12\n"
    "    sub $8, %rsp\n"
    "    mov %rdi, %r12\n"
    "    movdqu 0(%r12), %xmm0\n"
    "    movdqu 16(%r12), %xmm1\n"
    "    movdqu 32(%r12), %xmm2\n"
    "    mov 48(%r12), %rbx\n"
    "    call *%rsi\n"
    "    movdqu %xmm0, 0(%r12)\n"
    "    movdqu %xmm1, 16(%r12)\n"
    "    movdqu %xmm2, 32(%r12)\n"
    "    add $8, %rsp\n"
    "    pop %r12\n"
    "    pop %rbx\n"
    "    ret\n"
    ".size crypto_native_run, . - crypto_native_run\n"
    ".popsection\n");

void crypto_native_run(CState *st, const void *code);

static uint8_t *code_page;
static _Alignas(16) uint8_t native_mem[16];
static _Alignas(16) uint8_t native_mis[32];   /* at +4: a misaligned m128 */
static bool host_amd;

static TestCPU *t;
static CPUX86State *env;
static X86CPUModel model;

enum { NEED_AES, NEED_PCLMUL, NEED_SHA };

static bool host_has(int need)
{
    unsigned a, b, c, d;
    switch (need) {
    case NEED_AES:
        return __get_cpuid(1, &a, &b, &c, &d) && (c & CPUID_EXT_AES);
    case NEED_PCLMUL:
        return __get_cpuid(1, &a, &b, &c, &d) && (c & CPUID_EXT_PCLMULQDQ);
    default:
        return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & CPUID_7_EBX_SHA_NI);
    }
}

static void setup64(void)
{
    t = tcpu_new(4);
    env = t->env;
    tflat64(t);
    env->cr[4] |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    env->regs[R_EBX] = DATA;
    fpu_reset(env);
    model = *x86_model_find("max");
    model.features[FEAT_1_ECX] |= CPUID_EXT_AES | CPUID_EXT_PCLMULQDQ;
    model.features[FEAT_7_0_EBX] |= CPUID_7_EBX_SHA_NI;
    env->model = &model;
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

static uint64_t rng = 0x0123456789abcdefull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* random 16 bytes, sometimes with all-zero / all-one / single-bit parts */
static void rnd_vec(uint8_t *p)
{
    for (int i = 0; i < 16; i += 8) {
        uint64_t q;
        switch (rnd() % 8) {
        case 0: q = 0; break;
        case 1: q = ~0ull; break;
        case 2: q = 1ull << (rnd() % 64); break;
        default: q = rnd(); break;
        }
        memcpy(p + i, &q, 8);
    }
}

typedef struct Form {
    const char *name;
    uint8_t pfx;    /* 0x66 or 0 */
    uint8_t map;    /* 0x38 or 0x3a */
    uint8_t opc;
    bool imm;       /* imm8 follows; all 256 values are run */
    int need;
} Form;

static const Form forms[] = {
    { "aesenc", 0x66, 0x38, 0xdc, false, NEED_AES },
    { "aesenclast", 0x66, 0x38, 0xdd, false, NEED_AES },
    { "aesdec", 0x66, 0x38, 0xde, false, NEED_AES },
    { "aesdeclast", 0x66, 0x38, 0xdf, false, NEED_AES },
    { "aesimc", 0x66, 0x38, 0xdb, false, NEED_AES },
    { "aeskeygenassist", 0x66, 0x3a, 0xdf, true, NEED_AES },
    { "pclmulqdq", 0x66, 0x3a, 0x44, true, NEED_PCLMUL },
    { "sha1rnds4", 0, 0x3a, 0xcc, true, NEED_SHA },
    { "sha1nexte", 0, 0x38, 0xc8, false, NEED_SHA },
    { "sha1msg1", 0, 0x38, 0xc9, false, NEED_SHA },
    { "sha1msg2", 0, 0x38, 0xca, false, NEED_SHA },
    { "sha256rnds2", 0, 0x38, 0xcb, false, NEED_SHA },
    { "sha256msg1", 0, 0x38, 0xcc, false, NEED_SHA },
    { "sha256msg2", 0, 0x38, 0xcd, false, NEED_SHA },
};

/* op xmm1, xmm2 (mem = false) or op xmm1, [rbx] */
static unsigned encode(uint8_t *b, const Form *f, bool mem, unsigned imm)
{
    unsigned n = 0;
    if (f->pfx) {
        b[n++] = f->pfx;
    }
    b[n++] = 0x0f;
    b[n++] = f->map;
    b[n++] = f->opc;
    b[n++] = mem ? 0x0b : 0xca;     /* reg = xmm1, rm = xmm2 / [rbx] */
    if (f->imm) {
        b[n++] = (uint8_t)imm;
    }
    return n;
}

/* One case: returns false after a message on mismatch. */
static bool run_case(const Form *f, bool mem, unsigned imm)
{
    uint8_t code[16];
    unsigned n = encode(code, f, mem, imm);
    CState st;
    for (int i = 0; i < 3; i++) {
        rnd_vec(st.xmm[i]);
    }
    rnd_vec(native_mem);
    memcpy(t->ram + DATA, native_mem, 16);
    memcpy(t->ram + DATA + 32 + 4, native_mem, 16);
    memcpy(native_mis + 4, native_mem, 16);
    bool mis = mem && f->need == NEED_SHA && host_amd && (rnd() & 1);
    env->regs[R_EBX] = mis ? DATA + 32 + 4 : DATA;
    for (int i = 0; i < 3; i++) {
        memcpy(env->x87.xmm[i], st.xmm[i], 16);
    }
    CState in = st;

    int v = gexec(code, n);
    if (v >= 0) {
        g_test_message("%s: emu86 raised exception %d", f->name, v);
        return false;
    }
    memcpy(code_page, code, n);
    code_page[n] = 0xc3;
    st.rbx = (uint64_t)(uintptr_t)(mis ? native_mis + 4 : native_mem);
    crypto_native_run(&st, code_page);
    for (int i = 0; i < 3; i++) {
        if (memcmp(env->x87.xmm[i], st.xmm[i], 16)) {
            GString *m = g_string_new(NULL);
            g_string_append_printf(m, "%s %s imm=%#x: xmm%d differs\n", f->name,
                                   mem ? "mem" : "reg", imm, i);
            for (int k = 0; k < 3; k++) {
                g_string_append_printf(m, "  in  xmm%d %016llx%016llx\n", k,
                                       *(unsigned long long *)&in.xmm[k][8],
                                       *(unsigned long long *)&in.xmm[k][0]);
            }
            g_string_append_printf(m, "  emu xmm%d %016llx%016llx host %016llx%016llx",
                                   i, *(unsigned long long *)&env->x87.xmm[i][8],
                                   *(unsigned long long *)&env->x87.xmm[i][0],
                                   *(unsigned long long *)&st.xmm[i][8],
                                   *(unsigned long long *)&st.xmm[i][0]);
            g_test_message("%s", m->str);
            g_string_free(m, true);
            return false;
        }
    }
    return true;
}

static void test_vs_host(gconstpointer data)
{
    const Form *f = data;
    if (!code_page) {
        g_test_skip("no executable page for host code");
        return;
    }
    if (!host_has(f->need)) {
        g_test_skip("the host CPU lacks this extension (CPUID)");
        return;
    }
    setup64();
    unsigned long cases = 0;
    for (unsigned imm = 0; imm < (f->imm ? 256u : 1u); imm++) {
        for (int i = 0; i < (f->imm ? 24 : 3000); i++) {
            bool mem = i & 1;
            if (!run_case(f, mem, imm)) {
                g_test_fail();
                teardown();
                return;
            }
            cases++;
        }
    }
    g_test_message("%s: %lu cases (register and memory source%s) agree with the host",
                   f->name, cases, f->imm ? ", every imm8" : "");
    teardown();
}

/* ---- FIPS-197 Appendix C.1 (AES-128) through emu86 alone ---- */

static void xmm_put(int i, const uint8_t *v) { memcpy(env->x87.xmm[i], v, 16); }
static void xmm_take(int i, uint8_t *v) { memcpy(v, env->x87.xmm[i], 16); }

/* op xmm1, xmm2 with optional imm */
static void run2(uint8_t pfx, uint8_t map, uint8_t opc, int imm)
{
    uint8_t b[8];
    unsigned n = 0;
    b[n++] = pfx;
    b[n++] = 0x0f;
    b[n++] = map;
    b[n++] = opc;
    b[n++] = 0xca;
    if (imm >= 0) {
        b[n++] = (uint8_t)imm;
    }
    g_assert_cmpint(gexec(b, n), ==, -1);
}

static void hex16(const char *s, uint8_t *out)
{
    for (int i = 0; i < 16; i++) {
        unsigned v;
        sscanf(s + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

static void test_aes128_kat(void)
{
    setup64();
    uint8_t key[16], pt[16], ct[16], rk[11][16], blk[16], want[16];
    hex16("000102030405060708090a0b0c0d0e0f", key);
    hex16("00112233445566778899aabbccddeeff", pt);
    hex16("69c4e0d86a7b0430d8cdb78070b4c55a", want);
    static const uint8_t rcon[10] = { 1, 2, 4, 8, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36 };
    memcpy(rk[0], key, 16);
    for (int r = 1; r <= 10; r++) {
        /* t = AESKEYGENASSIST(prev, rcon); w[i] = w[i-4] ^ ... (FIPS-197
         * 5.2, the usual SSE formulation with a dword broadcast) */
        uint8_t tmp[16];
        xmm_put(2, rk[r - 1]);
        run2(0x66, 0x3a, 0xdf, rcon[r - 1]);
        xmm_take(1, tmp);
        uint32_t w[4], tw;
        memcpy(w, rk[r - 1], 16);
        memcpy(&tw, tmp + 12, 4);
        w[0] ^= tw;
        w[1] ^= w[0];
        w[2] ^= w[1];
        w[3] ^= w[2];
        memcpy(rk[r], w, 16);
    }
    /* round key 10 of C.1 */
    uint8_t rk10[16];
    hex16("13111d7fe3944a17f307a78b4d2b30c5", rk10);
    g_assert_cmpmem(rk[10], 16, rk10, 16);
    for (int i = 0; i < 16; i++) {
        blk[i] = pt[i] ^ rk[0][i];
    }
    for (int r = 1; r <= 10; r++) {
        xmm_put(1, blk);
        xmm_put(2, rk[r]);
        run2(0x66, 0x38, r == 10 ? 0xdd : 0xdc, -1);
        xmm_take(1, blk);
    }
    memcpy(ct, blk, 16);
    g_assert_cmpmem(ct, 16, want, 16);
    /* equivalent inverse cipher: AESIMC on round keys 1..9 */
    for (int i = 0; i < 16; i++) {
        blk[i] = ct[i] ^ rk[10][i];
    }
    for (int r = 9; r >= 0; r--) {
        uint8_t dk[16];
        if (r > 0) {
            xmm_put(2, rk[r]);
            run2(0x66, 0x38, 0xdb, -1);
            xmm_take(1, dk);
        } else {
            memcpy(dk, rk[0], 16);
        }
        xmm_put(1, blk);
        xmm_put(2, dk);
        run2(0x66, 0x38, r == 0 ? 0xdf : 0xde, -1);
        xmm_take(1, blk);
    }
    g_assert_cmpmem(blk, 16, pt, 16);
    teardown();
}

/* PCLMULQDQ identities that do not need the host: x * 1 = x, and
 * (2^63) * (2^63) = 2^126. */
static void test_pclmul_known(void)
{
    setup64();
    uint64_t a[2] = { 0x0123456789abcdefull, 0x8000000000000000ull }, one[2] = { 1, 0 };
    memcpy(env->x87.xmm[1], a, 16);
    memcpy(env->x87.xmm[2], one, 16);
    run2(0x66, 0x3a, 0x44, 0x00);
    g_assert_cmpmem(env->x87.xmm[1], 16, ((uint64_t[2]){ a[0], 0 }), 16);
    memcpy(env->x87.xmm[1], a, 16);
    memcpy(env->x87.xmm[2], a, 16);
    run2(0x66, 0x3a, 0x44, 0x11);
    g_assert_cmpmem(env->x87.xmm[1], 16, ((uint64_t[2]){ 0, 1ull << 62 }), 16);
    teardown();
}

/* ---- exceptions ---- */

static void test_exceptions(void)
{
    setup64();
    /* misaligned m128: #GP(0) (legacy SSE, SDM Table 2-21 type 4) */
    env->regs[R_EBX] = DATA + 4;
    g_assert_cmpint(GX(0x66, 0x0f, 0x38, 0xdc, 0x0b), ==, EXCP_GP);
    g_assert_cmpint(GX(0x66, 0x0f, 0x3a, 0x44, 0x0b, 0x11), ==, EXCP_GP);
    g_assert_cmpint(GX(0x66, 0x0f, 0x3a, 0xdf, 0x0b, 0x11), ==, EXCP_GP);
    env->regs[R_EBX] = DATA;
    g_assert_cmpint(GX(0x66, 0x0f, 0x38, 0xdc, 0x0b), ==, -1);
    /* SHA: misaligned m128 is fine on AMD (the host's behaviour) and
     * #GP(0) on Intel (SDM "Exceptions Type 4"); a faulting instruction
     * leaves xmm1 alone */
    env->regs[R_EBX] = DATA + 8;
    g_assert_cmpint(GX(0x0f, 0x38, 0xcb, 0x0b), ==, -1);
    g_assert_cmpint(GX(0x0f, 0x3a, 0xcc, 0x0b, 0x01), ==, -1);
    X86CPUModel amd = model;
    snprintf(model.vendor, sizeof(model.vendor), "GenuineIntel");
    uint8_t before[16];
    memcpy(before, env->x87.xmm[1], 16);
    g_assert_cmpint(GX(0x0f, 0x3a, 0xcc, 0x0b, 0x01), ==, EXCP_GP);
    g_assert_cmpint(GX(0x0f, 0x38, 0xcb, 0x0b), ==, EXCP_GP);
    g_assert_cmpmem(env->x87.xmm[1], 16, before, 16);
    model = amd;
    env->regs[R_EBX] = DATA;
    /* wrong mandatory prefix: NP AES, 66 SHA, F3 PCLMUL */
    g_assert_cmpint(GX(0x0f, 0x38, 0xdc, 0xca), ==, EXCP_UD);
    g_assert_cmpint(GX(0x66, 0x0f, 0x38, 0xc8, 0xca), ==, EXCP_UD);
    g_assert_cmpint(GX(0xf3, 0x0f, 0x3a, 0x44, 0xca, 0x00), ==, EXCP_UD);
    /* CR0.TS: #NM; CR0.EM or CR4.OSFXSR = 0: #UD */
    env->cr[0] |= CR0_TS;
    g_assert_cmpint(GX(0x66, 0x0f, 0x38, 0xdb, 0xca), ==, EXCP_NM);
    env->cr[0] &= ~(uint64_t)CR0_TS;
    env->cr[0] |= CR0_EM;
    g_assert_cmpint(GX(0x0f, 0x38, 0xc9, 0xca), ==, EXCP_UD);
    env->cr[0] &= ~(uint64_t)CR0_EM;
    env->cr[4] &= ~(uint64_t)CR4_OSFXSR;
    g_assert_cmpint(GX(0x66, 0x0f, 0x3a, 0xdf, 0xca, 0x01), ==, EXCP_UD);
    env->cr[4] |= CR4_OSFXSR;
    /* a model without the extension: #UD, even with CR0.TS set */
    model.features[FEAT_1_ECX] &= ~(CPUID_EXT_AES | CPUID_EXT_PCLMULQDQ);
    model.features[FEAT_7_0_EBX] &= ~CPUID_7_EBX_SHA_NI;
    env->cr[0] |= CR0_TS;
    g_assert_cmpint(GX(0x66, 0x0f, 0x38, 0xdc, 0xca), ==, EXCP_UD);
    g_assert_cmpint(GX(0x66, 0x0f, 0x3a, 0x44, 0xca, 0x00), ==, EXCP_UD);
    g_assert_cmpint(GX(0x0f, 0x38, 0xcd, 0xca), ==, EXCP_UD);
    env->cr[0] &= ~(uint64_t)CR0_TS;
    g_assert_cmpint(GX(0x0f, 0x3a, 0xcc, 0xca, 0x00), ==, EXCP_UD);
    /* and the default model (x86-64-v2) does not offer them */
    env->model = NULL;
    g_assert_cmpint(GX(0x66, 0x0f, 0x38, 0xdd, 0xca), ==, EXCP_UD);
    teardown();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    code_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code_page == MAP_FAILED) {
        code_page = NULL;
    }
    {
        unsigned a, b, c, d;
        host_amd = __get_cpuid(0, &a, &b, &c, &d) && b == 0x68747541u;    /* "Auth"enticAMD */
    }
    for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
        char *path = g_strdup_printf("/crypto/host/%s", forms[i].name);
        g_test_add_data_func(path, &forms[i], test_vs_host);
        g_free(path);
    }
    g_test_add_func("/crypto/aes128-fips197", test_aes128_kat);
    g_test_add_func("/crypto/pclmul-known", test_pclmul_known);
    g_test_add_func("/crypto/exceptions", test_exceptions);
    return g_test_run();
}

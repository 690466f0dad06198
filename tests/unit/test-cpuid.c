/*
 * tests/unit/test-cpuid.c - CPU models and the CPUID leaves built from them.
 *
 * What must hold: every model offers only what the interpreter implements;
 * qemu64 reports QEMU 7.2's identity and feature words (the values a QEMU
 * guest reads, checked against QEMU by tests/guest's hello guest too);
 * dynamic bits (OSXSAVE, APIC) follow the CPU state; leaves past the
 * maximum read as zero; and an instruction a model does not offer raises
 * #UD (CMPXCHG16B, RDTSCP, RDPID, LAHF in 64-bit mode).
 */
#include <glib.h>
#include <string.h>

#include "cpu-test-harness.h"
#include "target/i386/cpuid.h"
#include "target/i386/ops.h"

static void vendor_of(CPUX86State *env, char out[13])
{
    uint32_t r[4];
    cpu_cpuid(env, 0, 0, r);
    memcpy(out, &r[1], 4);
    memcpy(out + 4, &r[3], 4);
    memcpy(out + 8, &r[2], 4);
    out[12] = 0;
}

static void brand_of(CPUX86State *env, char out[49])
{
    uint32_t r[4];
    for (int i = 0; i < 3; i++) {
        cpu_cpuid(env, 0x80000002u + i, 0, r);
        memcpy(out + i * 16, r, 16);
    }
    out[48] = 0;
}

static void test_models_within_implemented(void)
{
    int n = 0;
    for (int i = 0; x86_models[i]; i++, n++) {
        const X86CPUModel *m = x86_models[i];
        g_assert_nonnull(x86_model_find(m->name));
        g_assert_true(m->desc && *m->desc);
        for (int w = 0; w < FEAT_NB; w++) {
            if (m->features[w] & ~x86_tcg_features[w]) {
                g_test_message("model %s word %d offers %08x beyond the interpreter",
                               m->name, w, m->features[w] & ~x86_tcg_features[w]);
                g_test_fail();
            }
        }
        /* dynamic bits are never part of a model */
        g_assert_false(m->features[FEAT_1_ECX] & CPUID_EXT_OSXSAVE);
        g_assert_false(m->features[FEAT_7_0_ECX] & CPUID_7_ECX_OSPKE);
    }
    g_assert_cmpint(n, >=, 5);
    g_assert_null(x86_model_find("no-such-cpu"));
    g_assert_true(x86_model_find("host")->kvm_only);
    g_assert_false(x86_model_find("max")->kvm_only);
    /* max is everything implemented */
    g_assert_cmpmem(x86_model_find("max")->features, sizeof(x86_tcg_features),
                    x86_tcg_features, sizeof(x86_tcg_features));
}

/* QEMU 7.2 -cpu qemu64 under TCG: vendor, signature, feature words. */
static void test_qemu64_matches_qemu(void)
{
    TestCPU *t = tcpu_new(1);
    CPUX86State *env = t->env;
    env->model = x86_model_find("qemu64");
    char vendor[13], brand[49];
    uint32_t r[4];
    vendor_of(env, vendor);
    g_assert_cmpstr(vendor, ==, "AuthenticAMD");
    brand_of(env, brand);
    g_assert_cmpstr(brand, ==, "QEMU Virtual CPU version 2.5+");
    cpu_cpuid(env, 0, 0, r);
    g_assert_cmphex(r[0], ==, 0xd);
    cpu_cpuid(env, 1, 0, r);
    g_assert_cmphex(r[0], ==, 0x00060fb1);   /* family 15, model 107, stepping 1 */
    /* QEMU reports 0x078bfbfd; this bare machine has no LAPIC, so APIC is clear */
    g_assert_cmphex(r[3], ==, 0x078bf9fdu);
    g_assert_cmphex(r[2], ==, CPUID_EXT_SSE3 | CPUID_EXT_CX16 | CPUID_EXT_HYPERVISOR);
    cpu_cpuid(env, 0x80000001u, 0, r);
    g_assert_cmphex(r[2], ==, CPUID_EXT3_LAHF_LM);
    /* AMD mirrors of leaf 1 EDX plus SYSCALL, NX, LM */
    g_assert_cmphex(r[3], ==, (0x078bf9fdu & CPUID_EXT2_AMD_ALIASES) |
                    CPUID_EXT2_SYSCALL | CPUID_EXT2_NX | CPUID_EXT2_LM);
    cpu_cpuid(env, 0x80000000u, 0, r);
    g_assert_cmphex(r[0], ==, 0x80000008u);
    cpu_cpuid(env, 0x80000008u, 0, r);
    g_assert_cmphex(r[0], ==, 0x3028);       /* 40 physical, 48 linear bits */
    tcpu_free(t);
}

static void test_default_model(void)
{
    TestCPU *t = tcpu_new(1);
    CPUX86State *env = t->env;
    uint32_t r[4];
    g_assert_true(cpu_model(env) == &x86_model_default);
    g_assert_cmpstr(x86_model_default.name, ==, "x86-64-v2");
    cpu_cpuid(env, 1, 0, r);
    /* x86-64-v2: CMPXCHG16B, POPCNT, SSE3, SSSE3, SSE4.1, SSE4.2 (+ LAHF below) */
    uint32_t v2 = CPUID_EXT_CX16 | CPUID_EXT_POPCNT | CPUID_EXT_SSE3 |
                  CPUID_EXT_SSSE3 | CPUID_EXT_SSE41 | CPUID_EXT_SSE42;
    g_assert_cmphex(r[2] & v2, ==, v2);
    g_assert_false(r[2] & (CPUID_EXT_AVX | CPUID_EXT_XSAVE));
    cpu_cpuid(env, 0x80000001u, 0, r);
    g_assert_true(r[2] & CPUID_EXT3_LAHF_LM);
    /* dynamic: OSXSAVE mirrors CR4 */
    env->cr[4] |= CR4_OSXSAVE;
    cpu_cpuid(env, 1, 0, r);
    g_assert_true(r[2] & CPUID_EXT_OSXSAVE);
    /* past the maximum: zeros (AMD behaviour) */
    cpu_cpuid(env, 0x40, 0, r);
    g_assert_cmphex(r[0] | r[1] | r[2] | r[3], ==, 0);
    cpu_cpuid(env, 0x8000ffffu, 0, r);
    g_assert_cmphex(r[0] | r[1] | r[2] | r[3], ==, 0);
    /* leaf 0xB echoes the subleaf and gives the x2APIC ID */
    cpu_cpuid(env, 0xb, 1, r);
    g_assert_cmphex(r[2] & 0xff, ==, 1);
    g_assert_cmphex((r[2] >> 8) & 0xff, ==, 2);
    tcpu_free(t);
}

/* x86-64-v3: v2 plus the level-3 extensions emu86 implements; the AMD
 * identity of the other models; CPUID leaf 0DH describes the AVX state. */
static void test_v3_model(void)
{
    TestCPU *t = tcpu_new(1);
    CPUX86State *env = t->env;
    uint32_t r[4], v2[4];
    env->model = x86_model_find("x86-64-v2");
    cpu_cpuid(env, 1, 0, v2);
    env->model = x86_model_find("x86-64-v3");
    g_assert_nonnull(env->model);
    cpu_cpuid(env, 1, 0, r);
    g_assert_cmphex(r[0], ==, v2[0]);
    g_assert_cmphex(r[3], ==, v2[3]);
    uint32_t v3 = CPUID_EXT_AVX | CPUID_EXT_FMA | CPUID_EXT_F16C | CPUID_EXT_MOVBE |
                  CPUID_EXT_XSAVE;
    g_assert_cmphex(r[2], ==, v2[2] | v3);
    cpu_cpuid(env, 7, 0, r);
    g_assert_cmphex(r[1], ==, CPUID_7_EBX_AVX2 | CPUID_7_EBX_BMI1 | CPUID_7_EBX_BMI2);
    cpu_cpuid(env, 0x80000001u, 0, r);
    g_assert_true(r[2] & CPUID_EXT3_LAHF_LM);
    g_assert_true(r[2] & CPUID_EXT3_ABM);           /* LZCNT */
    /* the rest of x86-64-v2: extended leaves, invariant TSC */
    env->model = x86_model_find("x86-64-v2");
    cpu_cpuid(env, 0x80000001u, 0, v2);
    env->model = x86_model_find("x86-64-v3");
    cpu_cpuid(env, 0x80000001u, 0, r);
    g_assert_cmphex(r[3], ==, v2[3]);
    g_assert_cmphex(r[2], ==, v2[2] | CPUID_EXT3_ABM);
    env->model = x86_model_find("x86-64-v2");
    cpu_cpuid(env, 0x80000007u, 0, v2);
    env->model = x86_model_find("x86-64-v3");
    cpu_cpuid(env, 0x80000007u, 0, r);
    g_assert_cmphex(r[3], ==, v2[3]);
    cpu_cpuid(env, 0, 0, r);
    g_assert_cmphex(r[1], ==, 0x68747541);          /* "Auth" */
    /* XSAVE: x87, SSE and AVX state, 832 bytes; no XSAVEOPT/XSAVEC */
    cpu_cpuid(env, 0xd, 0, r);
    g_assert_cmphex(r[0], ==, 7);
    g_assert_cmphex(r[2], ==, 832);
    cpu_cpuid(env, 0xd, 1, r);
    g_assert_cmphex(r[0], ==, 0);
    tcpu_free(t);
}

/* Flat 64-bit code (0x08) and data (0x10) segments, identity paging. */
static void enter_long_mode(TestCPU *t)
{
    pw64(t, 0x3000, 0);
    pw64(t, 0x3008, 0x00af9a000000ffffull);
    pw64(t, 0x3010, 0x00cf92000000ffffull);
    tpmode(t, 0x3000, 0x17);
    tlongmode(t, 0x10000, 0x11000);
    tload_seg(t, R_CS, 0x08);
    tload_seg(t, R_SS, 0x10);
    tload_seg(t, R_DS, 0x10);
}

/* Run one instruction from bytes at guest address 0x1000 in 64-bit mode
 * (flat); returns the exception vector or -1. */
static int run64(TestCPU *t, const uint8_t *code, unsigned len)
{
    CPUX86State *env = t->env;
    memcpy(t->ram + 0x1000, code, len);
    Insn insn;
    g_assert_cmpint(decode_buf(&insn, MODE_64, code, len), ==, DECODE_OK);
    env->rip = 0x1000;
    env->next_rip = 0x1000 + insn.len;
    return TCPU_RUN(env, insn_handlers[insn.op](env, &insn));
}

static void test_gated_instructions(void)
{
    static const uint8_t rdtscp[] = { 0x0f, 0x01, 0xf9 };
    static const uint8_t rdpid[] = { 0xf3, 0x0f, 0xc7, 0xf8 };
    static const uint8_t lahf[] = { 0x9f };
    static const uint8_t cmpxchg16b[] = { 0x48, 0x0f, 0xc7, 0x0c, 0x25, 0x00, 0x20, 0x00, 0x00 };
    /* the SSE family, one instruction per extension */
    static const uint8_t haddps[] = { 0xf2, 0x0f, 0x7c, 0xc1 };              /* SSE3 */
    static const uint8_t lddqu[] = { 0xf2, 0x0f, 0xf0, 0x04, 0x25, 0x00, 0x20, 0x00, 0x00 };
    static const uint8_t pshufb[] = { 0x66, 0x0f, 0x38, 0x00, 0xc1 };        /* SSSE3 */
    static const uint8_t pshufb_mm[] = { 0x0f, 0x38, 0x00, 0xc1 };
    static const uint8_t palignr[] = { 0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x03 };
    static const uint8_t pminsb[] = { 0x66, 0x0f, 0x38, 0x38, 0xc1 };        /* SSE4.1 */
    static const uint8_t roundps[] = { 0x66, 0x0f, 0x3a, 0x08, 0xc1, 0x01 };
    static const uint8_t pcmpgtq[] = { 0x66, 0x0f, 0x38, 0x37, 0xc1 };       /* SSE4.2 */
    static const uint8_t crc32[] = { 0xf2, 0x0f, 0x38, 0xf1, 0xc1 };
    static const uint8_t pcmpistri[] = { 0x66, 0x0f, 0x3a, 0x63, 0xc1, 0x00 };
    static const uint8_t popcnt[] = { 0xf3, 0x0f, 0xb8, 0xc1 };
    static const uint8_t movbe[] = { 0x0f, 0x38, 0xf0, 0x04, 0x25, 0x00, 0x20, 0x00, 0x00 };
    static const uint8_t paddq_mm[] = { 0x0f, 0xd4, 0xc1 };                  /* SSE2 */
    static const uint8_t pavgb_mm[] = { 0x0f, 0xe0, 0xc1 };                  /* SSE (MMX form) */
    static const uint8_t vaddps[] = { 0xc5, 0xf4, 0x58, 0xc2 };              /* AVX */
    static const uint8_t vpaddd_y[] = { 0xc5, 0xf5, 0xfe, 0xc2 };            /* AVX2 */
    static const uint8_t vfmadd[] = { 0xc4, 0xe2, 0x75, 0xb8, 0xc2 };        /* FMA */
    static const uint8_t vcvtph2ps[] = { 0xc4, 0xe2, 0x79, 0x13, 0xc1 };     /* F16C */
    static const uint8_t shlx[] = { 0xc4, 0xe2, 0x71, 0xf7, 0xc2 };          /* BMI2 */
    static const uint8_t andn[] = { 0xc4, 0xe2, 0x70, 0xf2, 0xc2 };          /* BMI1 */
    static const uint8_t lzcnt[] = { 0xf3, 0x48, 0x0f, 0xbd, 0xc1 };         /* ABM */
    static const uint8_t tzcnt[] = { 0xf3, 0x48, 0x0f, 0xbc, 0xc1 };         /* BMI1 */
    const struct { const char *model; const uint8_t *code; unsigned len; int expect; } cases[] = {
        { "qemu64", rdtscp, sizeof(rdtscp), EXCP_UD },
        { "x86-64-v2", rdtscp, sizeof(rdtscp), -1 },
        { "x86-64-v2", rdpid, sizeof(rdpid), EXCP_UD },
        { "max", rdpid, sizeof(rdpid), -1 },
        { "base", lahf, sizeof(lahf), EXCP_UD },
        { "qemu64", lahf, sizeof(lahf), -1 },
        { "base", cmpxchg16b, sizeof(cmpxchg16b), EXCP_UD },
        { "qemu64", cmpxchg16b, sizeof(cmpxchg16b), -1 },
        { "base", haddps, sizeof(haddps), EXCP_UD },
        { "qemu64", haddps, sizeof(haddps), -1 },
        { "base", lddqu, sizeof(lddqu), EXCP_UD },
        { "qemu64", lddqu, sizeof(lddqu), -1 },
        { "qemu64", pshufb, sizeof(pshufb), EXCP_UD },
        { "x86-64-v2", pshufb, sizeof(pshufb), -1 },
        { "qemu64", pshufb_mm, sizeof(pshufb_mm), EXCP_UD },
        { "x86-64-v2", pshufb_mm, sizeof(pshufb_mm), -1 },
        { "qemu64", palignr, sizeof(palignr), EXCP_UD },
        { "x86-64-v2", palignr, sizeof(palignr), -1 },
        { "qemu64", pminsb, sizeof(pminsb), EXCP_UD },
        { "x86-64-v2", pminsb, sizeof(pminsb), -1 },
        { "qemu64", roundps, sizeof(roundps), EXCP_UD },
        { "x86-64-v2", roundps, sizeof(roundps), -1 },
        { "qemu64", pcmpgtq, sizeof(pcmpgtq), EXCP_UD },
        { "x86-64-v2", pcmpgtq, sizeof(pcmpgtq), -1 },
        { "qemu64", crc32, sizeof(crc32), EXCP_UD },
        { "x86-64-v2", crc32, sizeof(crc32), -1 },
        { "qemu64", pcmpistri, sizeof(pcmpistri), EXCP_UD },
        { "x86-64-v2", pcmpistri, sizeof(pcmpistri), -1 },
        { "qemu64", popcnt, sizeof(popcnt), EXCP_UD },
        { "x86-64-v2", popcnt, sizeof(popcnt), -1 },
        { "x86-64-v2", movbe, sizeof(movbe), EXCP_UD },
        { "max", movbe, sizeof(movbe), -1 },
        { "base", paddq_mm, sizeof(paddq_mm), -1 },
        /* level 3: VEX (CR4.OSXSAVE and XCR0 set below) */
        { "x86-64-v2", vaddps, sizeof(vaddps), EXCP_UD },
        { "x86-64-v3", vaddps, sizeof(vaddps), -1 },
        { "x86-64-v2", vpaddd_y, sizeof(vpaddd_y), EXCP_UD },
        { "x86-64-v3", vpaddd_y, sizeof(vpaddd_y), -1 },
        { "x86-64-v3", vfmadd, sizeof(vfmadd), -1 },
        { "x86-64-v2", vfmadd, sizeof(vfmadd), EXCP_UD },
        { "x86-64-v3", vcvtph2ps, sizeof(vcvtph2ps), -1 },
        { "x86-64-v3", shlx, sizeof(shlx), -1 },
        { "x86-64-v2", shlx, sizeof(shlx), EXCP_UD },
        { "x86-64-v3", andn, sizeof(andn), -1 },
        { "x86-64-v2", andn, sizeof(andn), EXCP_UD },
        { "x86-64-v3", lzcnt, sizeof(lzcnt), -1 },
        { "x86-64-v3", tzcnt, sizeof(tzcnt), -1 },
        { "x86-64-v3", movbe, sizeof(movbe), -1 },
        { "qemu64", vaddps, sizeof(vaddps), EXCP_UD },
        { "base", pavgb_mm, sizeof(pavgb_mm), -1 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        TestCPU *t = tcpu_new(1);
        enter_long_mode(t);
        t->env->cr[4] |= CR4_OSFXSR | CR4_OSXMMEXCPT;
        t->env->model = x86_model_find(cases[i].model);
        if (cpu_has_feature(t->env, FEAT_1_ECX, CPUID_EXT_XSAVE)) {
            t->env->cr[4] |= CR4_OSXSAVE;
            t->env->xcr0 = 7;
        }
        int v = run64(t, cases[i].code, cases[i].len);
        if (v != cases[i].expect) {
            g_test_message("case %zu (%s): vector %d, expected %d", i, cases[i].model, v,
                           cases[i].expect);
            g_test_fail();
        }
        tcpu_free(t);
    }
}

/* -cpu max reports the legacy-encoded extensions emu86 implements
 * (docs/isa-extensions.md), read back through the CPUID instruction's
 * leaves (BMI1: TZCNT here, ANDN & co. in the VEX tables). */
static void test_max_extensions(void)
{
    TestCPU *t = tcpu_new(1);
    CPUX86State *env = t->env;
    env->model = x86_model_find("max");
    uint32_t l1[4], l7[4], l81[4];
    cpu_cpuid(env, 1, 0, l1);
    cpu_cpuid(env, 7, 0, l7);
    cpu_cpuid(env, 0x80000001u, 0, l81);
    uint32_t want1c = CPUID_EXT_PCLMULQDQ | CPUID_EXT_PCID | CPUID_EXT_AES | CPUID_EXT_RDRAND |
                      CPUID_EXT_CX16;
    uint32_t want7b = CPUID_7_EBX_FSGSBASE | CPUID_7_EBX_SMEP | CPUID_7_EBX_ERMS |
                      CPUID_7_EBX_INVPCID | CPUID_7_EBX_RDSEED | CPUID_7_EBX_ADX |
                      CPUID_7_EBX_SMAP | CPUID_7_EBX_CLFLUSHOPT | CPUID_7_EBX_CLWB |
                      CPUID_7_EBX_SHA_NI | CPUID_7_EBX_BMI1;
    g_assert_cmphex(l1[2] & want1c, ==, want1c);
    g_assert_cmphex(l7[1] & want7b, ==, want7b);
    g_assert_cmphex(l7[2] & (CPUID_7_ECX_UMIP | CPUID_7_ECX_RDPID), ==,
                    CPUID_7_ECX_UMIP | CPUID_7_ECX_RDPID);
    g_assert_cmphex(l7[3] & CPUID_7_EDX_FSRM, ==, CPUID_7_EDX_FSRM);
    g_assert_cmphex(l81[2] & (CPUID_EXT3_ABM | CPUID_EXT3_3DNOWPREFETCH), ==,
                    CPUID_EXT3_ABM | CPUID_EXT3_3DNOWPREFETCH);
    /* MONITOR stays off: MONITOR/MWAIT are #UD */
    g_assert_false(l1[2] & CPUID_EXT_MONITOR);
    /* the default model offers none of them */
    env->model = NULL;
    cpu_cpuid(env, 7, 0, l7);
    g_assert_cmphex(l7[1] & want7b, ==, 0);
    tcpu_free(t);
}

/* -cpu MODEL,flags (cpu_flags.c): QEMU's spellings, later flags win,
 * TCG drops what it lacks with a warning, bad input is an error. */
static void test_cpu_flags(void)
{
    char *warn = NULL, *err = NULL;
    X86CPUModel *m = x86_model_from_spec("qemu64,+x2apic,-sse3,sse4_1=on,+popcnt,-popcnt,"
                                         "lahf_lm=off,tsc-deadline=on,family=6,model=0x3a,"
                                         "stepping=9,model-id=Test CPU,pmu=off",
                                         true, &warn, &err);
    g_assert_nonnull(m);
    g_assert_null(err);
    g_assert_null(warn);
    g_assert_cmpstr(m->name, ==, "qemu64");
    uint32_t ecx = m->features[FEAT_1_ECX];
    g_assert_true(ecx & CPUID_EXT_X2APIC);
    g_assert_true(ecx & CPUID_EXT_TSC_DEADLINE);
    g_assert_true(ecx & CPUID_EXT_SSE41);
    g_assert_false(ecx & CPUID_EXT_SSE3);
    g_assert_false(ecx & CPUID_EXT_POPCNT);      /* -popcnt came last */
    g_assert_false(m->features[FEAT_8000_0001_ECX] & CPUID_EXT3_LAHF_LM);
    g_assert_cmphex(x86_model_signature(m), ==, 0x000306a9);
    g_assert_cmpstr(m->brand, ==, "Test CPU");
    /* the named model itself is untouched */
    g_assert_true(x86_model_find("qemu64")->features[FEAT_1_ECX] & CPUID_EXT_SSE3);
    g_free(m);

    /* TCG lacks VME and AVX-512: dropped, one warning line each */
    m = x86_model_from_spec("max,+vme,+avx512f", true, &warn, &err);
    g_assert_nonnull(m);
    g_assert_nonnull(warn);
    g_assert_nonnull(strstr(warn, "TCG doesn't support requested feature: vme"));
    g_assert_nonnull(strstr(warn, "avx512f"));
    g_assert_false(m->features[FEAT_1_EDX] & CPUID_VME);
    g_free(m);
    g_free(warn);
    /* without TCG (KVM decides later) VME stays in the model */
    m = x86_model_from_spec("max,+vme", false, &warn, &err);
    g_assert_nonnull(m);
    g_assert_true(m->features[FEAT_1_EDX] & CPUID_VME);
    g_free(m);
    g_free(warn);

    static const char *const bad[] = {
        "nosuchmodel", "qemu64,+nosuchflag", "qemu64,sse3=maybe", "qemu64,family=x",
        "qemu64,vendor=short", "qemu64,nosuchprop=1", "qemu64,stepping=16",
        "qemu64,enforce,+vme",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        warn = err = NULL;
        m = x86_model_from_spec(bad[i], true, &warn, &err);
        if (m || !err) {
            g_test_message("'%s' was accepted", bad[i]);
            g_test_fail();
        }
        g_free(m);
        g_free(err);
        g_free(warn);
    }
}

/* level= / xlevel= as QEMU: the highest leaves; features of leaves cut
 * off go (CPUID could not show them), higher leaves read zero. */
static void test_level_props(void)
{
    char *warn = NULL, *err = NULL;
    X86CPUModel *m = x86_model_from_spec("max,level=6,xlevel=0x80000004", true, &warn, &err);
    g_assert_null(err);
    g_assert_nonnull(m);
    g_assert_cmphex(m->features[FEAT_7_0_EBX], ==, 0);             /* AVX2, BMI... gone */
    g_assert_false(m->features[FEAT_1_ECX] & (CPUID_EXT_XSAVE | CPUID_EXT_AVX));
    g_assert_true(m->features[FEAT_1_ECX] & CPUID_EXT_SSE42);
    g_assert_true(m->features[FEAT_8000_0001_EDX] & CPUID_EXT2_LM);
    g_assert_cmphex(m->features[FEAT_8000_0007_EDX], ==, 0);
    TestCPU *t = tcpu_new(1);
    t->env->model = m;
    uint32_t r[4];
    cpu_cpuid(t->env, 0, 0, r);
    g_assert_cmphex(r[0], ==, 6);
    cpu_cpuid(t->env, 7, 0, r);
    g_assert_cmphex(r[1], ==, 0);
    cpu_cpuid(t->env, 0x80000000, 0, r);
    g_assert_cmphex(r[0], ==, 0x80000004);
    cpu_cpuid(t->env, 0x80000008, 0, r);
    g_assert_cmphex(r[0], ==, 0);
    tcpu_free(t);
    g_free(m);
    /* a higher level shows empty leaves */
    m = x86_model_from_spec("Opteron_G1,level=0xd", true, &warn, &err);
    g_assert_null(err);
    g_assert_cmphex(m->level, ==, 0xd);
    g_free(m);
    m = x86_model_from_spec("qemu64,xlevel=5", true, &warn, &err);
    g_assert_null(m);
    g_assert_nonnull(strstr(err, "xlevel"));
    g_free(err);
    err = NULL;
    m = x86_model_from_spec("qemu64,level=0", true, &warn, &err);
    g_assert_null(m);
    g_free(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cpuid/models-within-implemented", test_models_within_implemented);
    g_test_add_func("/cpuid/qemu64", test_qemu64_matches_qemu);
    g_test_add_func("/cpuid/default", test_default_model);
    g_test_add_func("/cpuid/x86-64-v3", test_v3_model);
    g_test_add_func("/cpuid/gated-instructions", test_gated_instructions);
    g_test_add_func("/cpuid/max-extensions", test_max_extensions);
    g_test_add_func("/cpuid/cpu-flags", test_cpu_flags);
    g_test_add_func("/cpuid/level-props", test_level_props);
    return g_test_run();
}

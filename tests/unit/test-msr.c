/*
 * tests/unit/test-msr.c - the MTRR, machine-check and AMD memory MSRs.
 *
 * What an OS relies on at boot: the registers exist when CPUID says so
 * (and raise #GP when it does not), hold what was written, refuse reserved
 * bits and invalid memory types, keep their values across INIT, and hold
 * a firmware-like setup after cpu_mtrr_firmware_setup(); EFER's enables
 * follow the model's CPUID.
 */
#include <glib.h>

#include "cpu-test-harness.h"
#include "target/i386/cpuid.h"

static void test_mtrr_registers(void)
{
    TestCPU *t = tcpu_new(1);
    CPUX86State *env = t->env;
    uint64_t v;
    g_assert_true(cpu_rdmsr(env, 0xfe, &v));
    g_assert_cmphex(v, ==, 0x508);                          /* 8 ranges, FIX, WC */
    g_assert_false(cpu_wrmsr(env, 0xfe, 0));                /* MTRRcap is read-only */
    g_assert_true(cpu_wrmsr(env, 0x2ff, 0xc06));            /* E | FE | WB */
    g_assert_true(cpu_rdmsr(env, 0x2ff, &v));
    g_assert_cmphex(v, ==, 0xc06);
    g_assert_false(cpu_wrmsr(env, 0x2ff, 0x1c06));          /* reserved bit 12 */
    g_assert_false(cpu_wrmsr(env, 0x2ff, 0xc02));           /* type 2 is reserved */
    g_assert_true(cpu_wrmsr(env, 0x268, 0x0506040100060506ull));
    g_assert_true(cpu_rdmsr(env, 0x268, &v));
    g_assert_cmphex(v, ==, 0x0506040100060506ull);
    g_assert_false(cpu_wrmsr(env, 0x26f, 0x0700000000000000ull)); /* type 7 in a fixed range */
    g_assert_true(cpu_wrmsr(env, 0x20e, 0xc0000000ull | 0));     /* PhysBase7, UC */
    g_assert_true(cpu_wrmsr(env, 0x20f, 0xffc0000800ull));       /* PhysMask7, valid */
    g_assert_false(cpu_wrmsr(env, 0x20f, 0x10000000800ull));     /* bit 40 >= MAXPHYADDR */
    g_assert_false(cpu_wrmsr(env, 0x20e, 0xc0000100ull));        /* reserved bit 8 */
    g_assert_false(cpu_rdmsr(env, 0x210, &v));                   /* past the 8 ranges */
    /* INIT keeps them (SDM Vol.3 Table 9-1), power-up clears them */
    cpu_x86_init_reset(t->cpu);
    g_assert_true(cpu_rdmsr(env, 0x20f, &v));
    g_assert_cmphex(v, ==, 0xffc0000800ull);
    cpu_x86_reset(t->cpu);
    g_assert_true(cpu_rdmsr(env, 0x2ff, &v));
    g_assert_cmphex(v, ==, 0);
    /* a model without MTRRs has no such MSRs */
    static X86CPUModel no_mtrr;
    no_mtrr = *x86_model_find("qemu64");
    no_mtrr.features[FEAT_1_EDX] &= ~(CPUID_MTRR | CPUID_MCA);
    env->model = &no_mtrr;
    g_assert_false(cpu_rdmsr(env, 0xfe, &v));
    g_assert_false(cpu_rdmsr(env, 0x179, &v));
    tcpu_free(t);
}

static void test_mtrr_firmware_setup(void)
{
    TestCPU *t = tcpu_new(1);
    CPUX86State *env = t->env;
    uint64_t v;
    cpu_mtrr_firmware_setup(env, 0x20000000, 0);
    g_assert_true(cpu_rdmsr(env, 0x2ff, &v));
    g_assert_cmphex(v, ==, 0xc06);
    g_assert_true(cpu_rdmsr(env, 0x259, &v));
    g_assert_cmphex(v, ==, 0);                              /* VGA window UC */
    /* [512 MiB, 4 GiB) as UC in aligned powers of two: 512M@512M, 1G@1G, 2G@2G */
    static const uint64_t want[3][2] = {
        { 0x20000000, 0xffe0000800ull }, { 0x40000000, 0xffc0000800ull },
        { 0x80000000, 0xff80000800ull },
    };
    for (int i = 0; i < 3; i++) {
        g_assert_true(cpu_rdmsr(env, 0x200 + 2 * i, &v));
        g_assert_cmphex(v, ==, want[i][0]);
        g_assert_true(cpu_rdmsr(env, 0x201 + 2 * i, &v));
        g_assert_cmphex(v, ==, want[i][1]);
    }
    g_assert_true(cpu_rdmsr(env, 0x207, &v));
    g_assert_cmphex(v & 0x800, ==, 0);                      /* range 3 unused */
    /* AMD: SYSCFG enables DRAM typing, TOP_MEM is the end of low RAM */
    g_assert_true(cpu_rdmsr(env, 0xc0010010, &v));
    g_assert_cmphex(v, ==, (1u << 18) | (1u << 20));
    g_assert_true(cpu_rdmsr(env, 0xc001001a, &v));
    g_assert_cmphex(v, ==, 0x20000000);
    cpu_mtrr_firmware_setup(env, 0xc0000000, 1ull << 30);
    g_assert_true(cpu_rdmsr(env, 0xc0010010, &v));
    g_assert_true(v & (1u << 21));                          /* TOM2 enabled */
    g_assert_true(cpu_rdmsr(env, 0xc001001d, &v));
    g_assert_cmphex(v, ==, 0x140000000ull);
    g_assert_false(cpu_wrmsr(env, 0xc0010010, 1));          /* not a DRAM-typing bit */
    tcpu_free(t);
}

static void test_mca_registers(void)
{
    TestCPU *t = tcpu_new(1);
    CPUX86State *env = t->env;
    uint64_t v;
    g_assert_true(cpu_rdmsr(env, 0x179, &v));
    g_assert_cmphex(v, ==, MCE_BANKS | (1u << 8));          /* banks, MCG_CTL_P */
    g_assert_false(cpu_wrmsr(env, 0x179, 0));
    g_assert_true(cpu_wrmsr(env, 0x17b, ~0ull));
    g_assert_false(cpu_wrmsr(env, 0x17b, 5));               /* all or nothing */
    g_assert_true(cpu_wrmsr(env, 0x17a, 0));
    g_assert_false(cpu_wrmsr(env, 0x17a, 0x10));            /* reserved */
    unsigned last = 0x400 + 4 * (MCE_BANKS - 1);
    g_assert_true(cpu_wrmsr(env, last, 0xfffffffffffffbffull)); /* CTL (K8 GART quirk) */
    g_assert_true(cpu_rdmsr(env, last, &v));
    g_assert_cmphex(v, ==, 0xfffffffffffffbffull);
    g_assert_true(cpu_wrmsr(env, 0x400, 0));                /* CTL: none */
    g_assert_true(cpu_wrmsr(env, 0x400, ~1ull));            /* UnixWare clears bit 0 */
    g_assert_false(cpu_wrmsr(env, 0x400, 0xaaaaaaaaaaaaaaaaull)); /* neither: #GP */
    g_assert_true(cpu_rdmsr(env, 0x400, &v));
    g_assert_cmphex(v, ==, ~1ull);
    g_assert_true(cpu_wrmsr(env, last + 1, 0));             /* STATUS: clear */
    g_assert_false(cpu_wrmsr(env, last + 1, 1));            /* only zeros */
    g_assert_true(cpu_rdmsr(env, last + 1, &v));
    g_assert_cmphex(v, ==, 0);                              /* no error logged */
    g_assert_false(cpu_rdmsr(env, 0x400 + 4 * MCE_BANKS, &v)); /* past the banks */
    /* AMD K8 extras Linux reads */
    g_assert_true(cpu_rdmsr(env, 0xc0010055, &v));
    g_assert_cmphex(v, ==, 0);
    g_assert_true(cpu_wrmsr(env, 0xc0010015, 0x10));
    g_assert_true(cpu_rdmsr(env, 0xc0010015, &v));
    g_assert_cmphex(v, ==, 0x10);
    tcpu_free(t);
}

/* IA32_FEATURE_CONTROL: Linux locks it on Intel models (a #GP there was
 * an "unchecked MSR access error" with -cpu Skylake-Client); locked, it
 * refuses writes; VMX/SMX enables are refused (no model has VMX); INIT
 * keeps it, a reset clears it. */
static void test_feature_control(void)
{
    TestCPU *t = tcpu_new(1);
    CPUX86State *env = t->env;
    uint64_t v = 1;
    g_assert_true(cpu_rdmsr(env, 0x3a, &v));
    g_assert_cmphex(v, ==, 0);
    g_assert_false(cpu_wrmsr(env, 0x3a, 0x5));               /* lock + VMX outside SMX */
    g_assert_true(cpu_wrmsr(env, 0x3a, 0x1));
    g_assert_true(cpu_rdmsr(env, 0x3a, &v));
    g_assert_cmphex(v, ==, 1);
    g_assert_false(cpu_wrmsr(env, 0x3a, 0x1));               /* locked */
    cpu_x86_init_reset(env->cpu);
    g_assert_true(cpu_rdmsr(env, 0x3a, &v));
    g_assert_cmphex(v, ==, 1);
    cpu_x86_reset(env->cpu);
    g_assert_true(cpu_rdmsr(env, 0x3a, &v));
    g_assert_cmphex(v, ==, 0);
    tcpu_free(t);
}

/* EFER's enables exist with their CPUID features: a 32-bit model such as
 * qemu32 (no LM, NX, SYSCALL) refuses each; kvm64 has all three. */
static void test_efer_follows_model(void)
{
    TestCPU *t = tcpu_new(1);
    CPUX86State *env = t->env;
    uint64_t v;
    env->model = x86_model_find("qemu32");
    g_assert_true(cpu_rdmsr(env, 0xc0000080, &v));
    g_assert_cmphex(v, ==, 0);
    g_assert_false(cpu_wrmsr(env, 0xc0000080, EFER_LME));
    g_assert_false(cpu_wrmsr(env, 0xc0000080, EFER_NXE));
    g_assert_false(cpu_wrmsr(env, 0xc0000080, EFER_SCE));
    g_assert_true(cpu_wrmsr(env, 0xc0000080, 0));
    env->model = x86_model_find("kvm64");
    g_assert_true(cpu_wrmsr(env, 0xc0000080, EFER_LME | EFER_NXE | EFER_SCE));
    g_assert_true(cpu_rdmsr(env, 0xc0000080, &v));
    g_assert_cmphex(v, ==, EFER_LME | EFER_NXE | EFER_SCE);
    tcpu_free(t);
}

/* AMD's NB_CFG: Linux sets bit 46 on family 10h-17h (EPYC, Opteron_G3)
 * without a fault handler; it holds what was written on an AMD model,
 * survives INIT, and does not exist on an Intel one.  LS_CFG likewise
 * (Linux's SSBD control on family 15h-17h). */
static void test_amd_nb_cfg(void)
{
    TestCPU *t = tcpu_new(1);
    CPUX86State *env = t->env;
    uint64_t v = 1;
    env->model = x86_model_find("EPYC");
    g_assert_true(cpu_rdmsr(env, 0xc001001f, &v));
    g_assert_cmphex(v, ==, 0);
    g_assert_true(cpu_wrmsr(env, 0xc001001f, 1ull << 46));
    cpu_x86_init_reset(t->cpu);
    g_assert_true(cpu_rdmsr(env, 0xc001001f, &v));
    g_assert_cmphex(v, ==, 1ull << 46);
    g_assert_true(cpu_wrmsr(env, 0xc0011020, 1ull << 10));   /* LS_CFG: SSBD on 17h */
    g_assert_true(cpu_rdmsr(env, 0xc0011020, &v));
    g_assert_cmphex(v, ==, 1ull << 10);
    env->model = x86_model_find("Penryn");
    g_assert_false(cpu_rdmsr(env, 0xc001001f, &v));
    g_assert_false(cpu_wrmsr(env, 0xc001001f, 0));
    g_assert_false(cpu_rdmsr(env, 0xc0011020, &v));
    tcpu_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/msr/mtrr", test_mtrr_registers);
    g_test_add_func("/msr/mtrr-firmware-setup", test_mtrr_firmware_setup);
    g_test_add_func("/msr/mca", test_mca_registers);
    g_test_add_func("/msr/feature-control", test_feature_control);
    g_test_add_func("/msr/efer-follows-model", test_efer_follows_model);
    g_test_add_func("/msr/amd-nb-cfg", test_amd_nb_cfg);
    return g_test_run();
}

/*
 * tests/unit/test-kvm-cpuid.c - the CPUID table a KVM vCPU gets
 * (accel/kvm/kvm-cpuid.c), built from a made-up KVM_GET_SUPPORTED_CPUID
 * answer, so it runs on any host, with or without /dev/kvm.
 *
 * What must hold (docs/architecture.md, "CPU models"): a named model is the interpreter's CPUID
 * with each feature word ANDed with KVM's; `host` and `max` are KVM's
 * table minus what "-feat" flags removed; KVM's paravirtual leaves stay
 * (their feature bits cut to those that work without KVM's LAPIC); every
 * table says "hypervisor", carries the vCPU's APIC ID and offers neither
 * x2APIC nor the TSC-deadline timer (the LAPIC is emu86's).
 */
#include <glib.h>
#include <stdlib.h>

#include "accel/kvm/kvm-int.h"
#include "cpu-test-harness.h"
#include "target/i386/cpuid.h"

#define HOST_1_ECX (CPUID_EXT_SSE3 | CPUID_EXT_SSSE3 | CPUID_EXT_SSE41 | CPUID_EXT_SSE42 | \
                    CPUID_EXT_POPCNT | CPUID_EXT_AES | CPUID_EXT_XSAVE | CPUID_EXT_AVX |    \
                    CPUID_EXT_X2APIC | CPUID_EXT_TSC_DEADLINE)
#define HOST_1_EDX (CPUID_FPU | CPUID_TSC | CPUID_MSR | CPUID_PAE | CPUID_CX8 | CPUID_APIC | \
                    CPUID_SEP | CPUID_PGE | CPUID_CMOV | CPUID_PAT | CPUID_MMX |             \
                    CPUID_FXSR | CPUID_SSE | CPUID_SSE2)
#define AVX512F (1u << 16)     /* CPUID.7.0:EBX, not in emu86's tables */
#define HOST_7_EBX (CPUID_7_EBX_AVX2 | CPUID_7_EBX_BMI1 | AVX512F)

/* A host's answer: an Intel CPU with AVX, AVX2 and AVX-512F but no CX16,
 * no MOVBE, no FMA; KVM's signature and paravirtual feature leaves. */
static struct kvm_cpuid2 *fake_supported(void)
{
    static const struct kvm_cpuid_entry2 e[] = {
        { .function = 0, .eax = 0xd, .ebx = 0x756e6547, .ecx = 0x6c65746e, .edx = 0x49656e69 },
        { .function = 1, .eax = 0x306c3, .ebx = 0x00010800, .ecx = HOST_1_ECX,
          .edx = HOST_1_EDX },
        { .function = 7, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
          .ebx = HOST_7_EBX },
        { .function = 0xd, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
          .eax = 7, .ebx = 832, .ecx = 832 },
        { .function = 0x40000000, .eax = 0x40000001, .ebx = 0x4b4d564b, .ecx = 0x564b4d56,
          .edx = 0x4d },
        { .function = 0x40000001, .eax = 0x01ffffff },
        { .function = 0x80000000, .eax = 0x80000008 },
        { .function = 0x80000001, .ecx = CPUID_EXT3_LAHF_LM,
          .edx = CPUID_EXT2_SYSCALL | CPUID_EXT2_NX | CPUID_EXT2_LM | CPUID_EXT2_RDTSCP },
        { .function = 0x80000008, .eax = 0x3027 },
    };
    struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + sizeof(e));
    c->nent = G_N_ELEMENTS(e);
    memcpy(c->entries, e, sizeof(e));
    return c;
}

static const struct kvm_cpuid_entry2 *entry(const struct kvm_cpuid2 *t, uint32_t fn,
                                            uint32_t idx)
{
    const struct kvm_cpuid_entry2 *e = kvm_cpuid_find_entry(t, fn, idx);
    g_assert_nonnull(e);
    return e;
}

/* The table for one model spec (as -cpu SPEC under -accel kvm) on vCPU n. */
static struct kvm_cpuid2 *build(const char *spec, int cpu_index, X86CPUModel **model)
{
    TestCPU *t = tcpu_new(1);
    char *warn = NULL, *err = NULL;
    *model = x86_model_from_spec(spec, false, &warn, &err);
    g_assert_null(err);
    g_free(warn);
    t->env->model = *model;
    t->cpu->index = cpu_index;
    struct kvm_cpuid2 *sup = fake_supported();
    struct kvm_cpuid2 *r = kvm_cpuid_build(t->cpu, sup);
    free(sup);
    tcpu_free(t);
    g_assert_nonnull(r);
    return r;
}

static void check_machine_bits(const struct kvm_cpuid2 *t, unsigned apic_id)
{
    const struct kvm_cpuid_entry2 *l1 = entry(t, 1, 0);
    g_assert_nonnull(l1);
    g_assert_true(l1->ecx & CPUID_EXT_HYPERVISOR);
    g_assert_false(l1->ecx & (CPUID_EXT_X2APIC | CPUID_EXT_TSC_DEADLINE));
    g_assert_false(l1->edx & CPUID_APIC);     /* no LAPIC in this machine */
    g_assert_cmpuint(l1->ebx >> 24, ==, apic_id);
    const struct kvm_cpuid_entry2 *kv = entry(t, 0x40000000, 0);
    g_assert_nonnull(kv);
    g_assert_cmphex(kv->ebx, ==, 0x4b4d564b);  /* "KVMK" */
    const struct kvm_cpuid_entry2 *pv = entry(t, 0x40000001, 0);
    g_assert_nonnull(pv);
    g_assert_cmphex(pv->eax, ==, (1u << 0) | (1u << 1) | (1u << 3) | (1u << 24));
}

static void test_named_model_within_kvm(void)
{
    X86CPUModel *m;
    struct kvm_cpuid2 *t = build("Haswell", 1, &m);
    const struct kvm_cpuid_entry2 *l1 = entry(t, 1, 0);
    /* Haswell's words ANDed with the host's: no CX16/MOVBE/FMA/F16C here */
    g_assert_cmphex(l1->ecx & ~CPUID_EXT_HYPERVISOR, ==,
                    m->features[FEAT_1_ECX] & HOST_1_ECX &
                    ~(CPUID_EXT_X2APIC | CPUID_EXT_TSC_DEADLINE));
    g_assert_true(l1->ecx & CPUID_EXT_AVX);
    g_assert_false(l1->ecx & (CPUID_EXT_CX16 | CPUID_EXT_MOVBE | CPUID_EXT_FMA));
    /* identity from the model, not from the host */
    g_assert_cmphex(l1->eax, ==, x86_model_signature(m));
    g_assert_cmphex(entry(t, 7, 0)->ebx, ==, m->features[FEAT_7_0_EBX] & HOST_7_EBX);
    g_assert_false(entry(t, 7, 0)->ebx & AVX512F);   /* not Haswell's */
    check_machine_bits(t, 1);
    free(t);
    g_free(m);
}

static void test_host_is_kvm_minus_removed(void)
{
    X86CPUModel *m;
    struct kvm_cpuid2 *t = build("host", 0, &m);
    g_assert_cmphex(entry(t, 1, 0)->eax, ==, 0x306c3);          /* the host's identity */
    g_assert_true(entry(t, 7, 0)->ebx & AVX512F);    /* beyond the interpreter */
    g_assert_true(entry(t, 1, 0)->ecx & CPUID_EXT_AVX);
    check_machine_bits(t, 0);
    free(t);
    g_free(m);

    t = build("host,-avx,avx2=off,-rdtscp", 2, &m);
    g_assert_false(entry(t, 1, 0)->ecx & CPUID_EXT_AVX);
    g_assert_true(entry(t, 1, 0)->ecx & CPUID_EXT_AES);
    g_assert_false(entry(t, 7, 0)->ebx & CPUID_7_EBX_AVX2);
    g_assert_true(entry(t, 7, 0)->ebx & CPUID_7_EBX_BMI1);
    g_assert_false(entry(t, 0x80000001, 0)->edx & CPUID_EXT2_RDTSCP);
    g_assert_true(entry(t, 0x80000001, 0)->edx & CPUID_EXT2_LM);
    check_machine_bits(t, 2);
    free(t);
    g_free(m);

    t = build("max,-aes", 0, &m);
    g_assert_false(entry(t, 1, 0)->ecx & CPUID_EXT_AES);
    g_assert_true(entry(t, 1, 0)->ecx & CPUID_EXT_AVX);
    free(t);
    g_free(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm-cpuid/named-model-within-kvm", test_named_model_within_kvm);
    g_test_add_func("/kvm-cpuid/host-is-kvm-minus-removed", test_host_is_kvm_minus_removed);
    return g_test_run();
}

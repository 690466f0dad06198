/*
 * target/i386/cpuid.c - the CPUID instruction (SDM Vol.2 CPUID).
 *
 * Design: a conservative model, "emu86-default": GenuineIntel family 6
 * model 6 stepping 3 that advertises only what the interpreter implements
 * (MMX, FXSR, SSE, SSE2, SSE3, SSSE3, SSE4.1, SSE4.2, POPCNT and MOVBE from
 * target/i386/sse*.c; APIC only when the machine gave this CPU a LAPIC).  Basic leaves 0, 1 and 7 and
 * extended leaves up to 0x80000008 are defined; leaves 2..6 read as zero;
 * leaves above the maximum return the data of the highest basic leaf, as
 * Intel processors do.
 */
#include <string.h>

#include "target/i386/cpu.h"
#include "target/i386/cpuid.h"
#include "target/i386/seg.h"

#define MAX_BASIC_LEAF 7u
#define MAX_EXT_LEAF 0x80000008u
#define CPUID_EXT2_PDPE1GB (1u << 26)
#define CPUID_EXT_SSSE3 (1u << 9)
#define CPUID_EXT_SSE41 (1u << 19)
#define CPUID_EXT_SSE42 (1u << 20)
#define CPUID_EXT_MOVBE (1u << 22)
#define CPUID_EXT_POPCNT (1u << 23)

const X86CPUModel x86_model_default = {
    .name = "emu86-default",
    .vendor = "GenuineIntel",
    .family = 6, .model = 6, .stepping = 3,
    .features_1_edx = CPUID_FPU | CPUID_DE | CPUID_PSE | CPUID_TSC | CPUID_MSR | CPUID_PAE |
                      CPUID_CX8 | CPUID_SEP | CPUID_PGE | CPUID_CMOV | CPUID_PAT |
                      CPUID_PSE36 | CPUID_CLFLUSH |
                      CPUID_MMX | CPUID_FXSR | CPUID_SSE | CPUID_SSE2,
    .features_1_ecx = CPUID_EXT_CX16 | CPUID_EXT_SSE3 | CPUID_EXT_SSSE3 |
                      CPUID_EXT_SSE41 | CPUID_EXT_SSE42 | CPUID_EXT_MOVBE |
                      CPUID_EXT_POPCNT,
    .features_7_ebx = 0,
    .features_7_ecx = 0,
    .features_ext_edx = CPUID_EXT2_SYSCALL | CPUID_EXT2_NX | CPUID_EXT2_PDPE1GB |
                        CPUID_EXT2_RDTSCP | CPUID_EXT2_LM,
    .features_ext_ecx = CPUID_EXT3_LAHF_LM,
    .brand = "emu86 virtual CPU",
    .phys_bits = 40, .virt_bits = 48,
};

static const X86CPUModel *const models[] = { &x86_model_default };

const X86CPUModel *x86_model_find(const char *name)
{
    for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
        if (!strcmp(models[i]->name, name)) {
            return models[i];
        }
    }
    return NULL;
}

/* SDM Vol.2 Figure 3-6: stepping 3:0, model 7:4, family 11:8, extended
 * model 19:16, extended family 27:20. */
uint32_t x86_model_signature(const X86CPUModel *m)
{
    uint32_t fam = m->family, model = m->model;
    uint32_t sig = m->stepping & 0xf;
    sig |= (model & 0xf) << 4;
    sig |= (fam > 0xf ? 0xf : fam) << 8;
    if (fam == 6 || fam >= 0xf) {
        sig |= ((model >> 4) & 0xf) << 16;
    }
    if (fam > 0xf) {
        sig |= ((fam - 0xf) & 0xff) << 20;
    }
    return sig;
}

static uint32_t str4(const char *s)
{
    return (uint32_t)(uint8_t)s[0] | (uint32_t)(uint8_t)s[1] << 8 |
           (uint32_t)(uint8_t)s[2] << 16 | (uint32_t)(uint8_t)s[3] << 24;
}

void cpu_cpuid(CPUX86State *env, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    const X86CPUModel *m = env->model ? env->model : &x86_model_default;
    uint32_t *a = &out[0], *b = &out[1], *c = &out[2], *d = &out[3];
    *a = *b = *c = *d = 0;

    if ((leaf < 0x80000000u && leaf > MAX_BASIC_LEAF) ||
        (leaf >= 0x80000000u && leaf > MAX_EXT_LEAF)) {
        leaf = MAX_BASIC_LEAF;
        subleaf = 0;
    }
    switch (leaf) {
    case 0:
        *a = MAX_BASIC_LEAF;
        *b = str4(m->vendor);
        *d = str4(m->vendor + 4);
        *c = str4(m->vendor + 8);
        break;
    case 1: {
        unsigned apic_id = env->cpu ? (unsigned)env->cpu->index : 0;
        *a = x86_model_signature(m);
        /* CLFLUSH line size in 8-byte units, one logical processor */
        *b = (8u << 8) | (1u << 16) | (apic_id << 24);
        *c = m->features_1_ecx;
        *d = m->features_1_edx;
        /* the APIC bit follows the machine: set when this CPU has a LAPIC
         * (and it is globally enabled, SDM Vol.3 10.4.3) */
        if (cpu_apic(env) && (env->apic_base & (1u << 11))) {
            *d |= CPUID_APIC;
        }
        break;
    }
    case 7:
        if (subleaf == 0) {
            *b = m->features_7_ebx;
            *c = m->features_7_ecx;
        }
        break;
    case 0x80000000u:
        *a = MAX_EXT_LEAF;
        break;
    case 0x80000001u:
        *c = m->features_ext_ecx;
        *d = m->features_ext_edx;
        break;
    case 0x80000002u: case 0x80000003u: case 0x80000004u: {
        char brand[48] = {0};
        strncpy(brand, m->brand ? m->brand : "", sizeof(brand) - 1);
        const char *p = brand + (leaf - 0x80000002u) * 16;
        *a = str4(p);
        *b = str4(p + 4);
        *c = str4(p + 8);
        *d = str4(p + 12);
        break;
    }
    case 0x80000008u:
        *a = m->phys_bits | ((uint32_t)m->virt_bits << 8);
        break;
    default:
        break;
    }
}

/*
 * target/i386/cpuid.h - the CPU model: what CPUID reports.
 *
 * Design: one X86CPUModel describes a CPU type (vendor, signature, feature
 * words); env->model points to it and cpu_cpuid() (cpuid.c) builds every
 * leaf from it.  Only features the emulator implements are advertised, so
 * a guest that trusts CPUID never meets a missing instruction.  Feature bit
 * positions follow the SDM Vol.2 CPUID tables.
 */
#ifndef TARGET_I386_CPUID_H
#define TARGET_I386_CPUID_H

#include <stdint.h>

/* CPUID.1:EDX */
#define CPUID_FPU    (1u << 0)
#define CPUID_VME    (1u << 1)
#define CPUID_DE     (1u << 2)
#define CPUID_PSE    (1u << 3)
#define CPUID_TSC    (1u << 4)
#define CPUID_MSR    (1u << 5)
#define CPUID_PAE    (1u << 6)
#define CPUID_MCE    (1u << 7)
#define CPUID_CX8    (1u << 8)
#define CPUID_APIC   (1u << 9)
#define CPUID_SEP    (1u << 11)
#define CPUID_MTRR   (1u << 12)
#define CPUID_PGE    (1u << 13)
#define CPUID_MCA    (1u << 14)
#define CPUID_CMOV   (1u << 15)
#define CPUID_PAT    (1u << 16)
#define CPUID_PSE36  (1u << 17)
#define CPUID_CLFLUSH (1u << 19)
#define CPUID_MMX    (1u << 23)
#define CPUID_FXSR   (1u << 24)
#define CPUID_SSE    (1u << 25)
#define CPUID_SSE2   (1u << 26)
/* CPUID.1:ECX */
#define CPUID_EXT_SSE3   (1u << 0)
#define CPUID_EXT_CX16   (1u << 13)
#define CPUID_EXT_HYPERVISOR (1u << 31)
/* CPUID.7.0:EBX */
#define CPUID_7_EBX_FSGSBASE (1u << 0)
#define CPUID_7_EBX_SMEP     (1u << 7)
#define CPUID_7_EBX_SMAP     (1u << 20)
/* CPUID.80000001:EDX / ECX */
#define CPUID_EXT2_SYSCALL (1u << 11)
#define CPUID_EXT2_NX      (1u << 20)
#define CPUID_EXT2_RDTSCP  (1u << 27)
#define CPUID_EXT2_LM      (1u << 29)
#define CPUID_EXT3_LAHF_LM (1u << 0)

typedef struct X86CPUModel {
    const char *name;
    char vendor[13];          /* 12 characters + NUL */
    uint32_t family, model, stepping;
    uint32_t features_1_edx, features_1_ecx;
    uint32_t features_7_ebx, features_7_ecx;
    uint32_t features_ext_edx, features_ext_ecx;  /* leaf 0x80000001 */
    const char *brand;        /* up to 48 characters */
    uint8_t phys_bits, virt_bits;
} X86CPUModel;

/* The default model ("emu86-default"). */
extern const X86CPUModel x86_model_default;
/* Model by name, or NULL. */
const X86CPUModel *x86_model_find(const char *name);
/* The value of CPUID.1:EAX for a model (also EDX at reset). */
uint32_t x86_model_signature(const X86CPUModel *m);

#endif

/*
 * target/i386/cpuid.h - CPU models: what CPUID reports and what a guest
 * may execute.
 *
 * Design: a model (X86CPUModel) is an identity (vendor, signature, brand)
 * plus feature words, one per CPUID register that carries feature bits
 * (FeatureWord).  x86_tcg_features[] lists what the interpreter implements;
 * every model is a subset of it (a unit test checks), `max` is all of it.
 * cpu_cpuid() (cpuid.c) builds every leaf from env->model, and instruction
 * handlers gate optional instructions with cpu_has_feature(), so a guest
 * sees #UD for exactly what CPUID does not offer, as on hardware.  Under
 * KVM, accel/kvm/kvm-cpuid.c intersects the model with what KVM supports.
 * Bit positions follow the SDM Vol.2 CPUID tables and AMD APM Vol.3 E.
 */
#ifndef TARGET_I386_CPUID_H
#define TARGET_I386_CPUID_H

#include <stdbool.h>
#include <stdint.h>

typedef enum FeatureWord {
    FEAT_1_EDX,         /* CPUID.1:EDX */
    FEAT_1_ECX,         /* CPUID.1:ECX */
    FEAT_6_EAX,         /* CPUID.6:EAX (thermal/power: ARAT) */
    FEAT_7_0_EBX,       /* CPUID.(7,0):EBX */
    FEAT_7_0_ECX,       /* CPUID.(7,0):ECX */
    FEAT_7_0_EDX,       /* CPUID.(7,0):EDX */
    FEAT_7_1_EAX,       /* CPUID.(7,1):EAX */
    FEAT_D_1_EAX,       /* CPUID.(0DH,1):EAX: XSAVEOPT, XSAVEC, XGETBV1, XSAVES */
    FEAT_8000_0001_EDX, /* CPUID.80000001H:EDX */
    FEAT_8000_0001_ECX, /* CPUID.80000001H:ECX */
    FEAT_8000_0007_EDX, /* CPUID.80000007H:EDX (invariant TSC) */
    FEAT_8000_0008_EBX, /* CPUID.80000008H:EBX (CLZERO, WBNOINVD, ...) */
    FEAT_NB
} FeatureWord;

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
#define CPUID_SS     (1u << 27)
#define CPUID_HTT    (1u << 28)
/* CPUID.1:ECX */
#define CPUID_EXT_SSE3       (1u << 0)
#define CPUID_EXT_PCLMULQDQ  (1u << 1)
#define CPUID_EXT_MONITOR    (1u << 3)
#define CPUID_EXT_SSSE3      (1u << 9)
#define CPUID_EXT_FMA        (1u << 12)
#define CPUID_EXT_CX16       (1u << 13)
#define CPUID_EXT_PCID       (1u << 17)
#define CPUID_EXT_SSE41      (1u << 19)
#define CPUID_EXT_SSE42      (1u << 20)
#define CPUID_EXT_X2APIC     (1u << 21)
#define CPUID_EXT_MOVBE      (1u << 22)
#define CPUID_EXT_POPCNT     (1u << 23)
#define CPUID_EXT_TSC_DEADLINE (1u << 24)
#define CPUID_EXT_AES        (1u << 25)
#define CPUID_EXT_XSAVE      (1u << 26)
#define CPUID_EXT_OSXSAVE    (1u << 27) /* dynamic: CR4.OSXSAVE, never in a model */
#define CPUID_EXT_AVX        (1u << 28)
#define CPUID_EXT_F16C       (1u << 29)
#define CPUID_EXT_RDRAND     (1u << 30)
#define CPUID_EXT_HYPERVISOR (1u << 31)
/* CPUID.6:EAX */
#define CPUID_6_EAX_ARAT     (1u << 2)  /* APIC timer runs in deep C-states */
/* CPUID.(7,0):EBX */
#define CPUID_7_EBX_FSGSBASE (1u << 0)
#define CPUID_7_EBX_BMI1     (1u << 3)
#define CPUID_7_EBX_AVX2     (1u << 5)
#define CPUID_7_EBX_FDP_EXCPTN_ONLY (1u << 6)
#define CPUID_7_EBX_SMEP     (1u << 7)
#define CPUID_7_EBX_BMI2     (1u << 8)
#define CPUID_7_EBX_ERMS     (1u << 9)
#define CPUID_7_EBX_INVPCID  (1u << 10)
#define CPUID_7_EBX_ZERO_FCS_FDS (1u << 13)
#define CPUID_7_EBX_RDSEED   (1u << 18)
#define CPUID_7_EBX_ADX      (1u << 19)
#define CPUID_7_EBX_SMAP     (1u << 20)
#define CPUID_7_EBX_CLFLUSHOPT (1u << 23)
#define CPUID_7_EBX_CLWB     (1u << 24)
#define CPUID_7_EBX_SHA_NI   (1u << 29)
/* CPUID.(7,0):ECX */
#define CPUID_7_ECX_UMIP     (1u << 2)
#define CPUID_7_ECX_PKU      (1u << 3)
#define CPUID_7_ECX_OSPKE    (1u << 4)  /* dynamic: CR4.PKE */
#define CPUID_7_ECX_VAES     (1u << 9)
#define CPUID_7_ECX_VPCLMULQDQ (1u << 10)
#define CPUID_7_ECX_RDPID    (1u << 22)
/* CPUID.(7,0):EDX */
#define CPUID_7_EDX_FSRM     (1u << 4)
/* CPUID.(0DH,1):EAX */
#define CPUID_D_1_EAX_XSAVEOPT (1u << 0)
#define CPUID_D_1_EAX_XSAVEC   (1u << 1)
#define CPUID_D_1_EAX_XGETBV1  (1u << 2)
#define CPUID_D_1_EAX_XSAVES   (1u << 3)
/* CPUID.80000001H:EDX (AMD also mirrors bits 0-9, 12-17, 23-24 of 1:EDX) */
#define CPUID_EXT2_SYSCALL (1u << 11)
#define CPUID_EXT2_NX      (1u << 20)
#define CPUID_EXT2_MMXEXT  (1u << 22)
#define CPUID_EXT2_FFXSR   (1u << 25)
#define CPUID_EXT2_PDPE1GB (1u << 26)
#define CPUID_EXT2_RDTSCP  (1u << 27)
#define CPUID_EXT2_LM      (1u << 29)
#define CPUID_EXT2_AMD_ALIASES 0x0183f3ffu
/* CPUID.80000001H:ECX */
#define CPUID_EXT3_LAHF_LM  (1u << 0)
#define CPUID_EXT3_CMP_LEG  (1u << 1)
#define CPUID_EXT3_ABM      (1u << 5)   /* LZCNT (and POPCNT on AMD) */
#define CPUID_EXT3_SSE4A    (1u << 6)
#define CPUID_EXT3_MISALIGNSSE (1u << 7)
#define CPUID_EXT3_3DNOWPREFETCH (1u << 8)
/* CPUID.80000007H:EDX */
#define CPUID_APM_INVTSC    (1u << 8)
/* CPUID.80000008H:EBX */
#define CPUID_8000_0008_EBX_CLZERO (1u << 0)

typedef struct X86CPUModel {
    const char *name;
    const char *desc;         /* one line for -cpu help */
    char vendor[13];          /* 12 characters + NUL */
    uint32_t family, model, stepping;
    uint32_t level;           /* maximum basic leaf; 0: the newest (0xD) */
    uint32_t xlevel;          /* maximum extended leaf; 0: 0x80000008 */
    uint32_t features[FEAT_NB];
    const char *brand;        /* up to 48 characters */
    uint8_t phys_bits, virt_bits;
    bool kvm_only;            /* "host": the host CPU's own CPUID, KVM only */
    /* "-feat" flags of the -cpu argument: under KVM `host` and `max` take
     * their features from KVM, and these still come off */
    uint32_t removed[FEAT_NB];
} X86CPUModel;

/* What the interpreter implements; every model's features are a subset. */
extern const uint32_t x86_tcg_features[FEAT_NB];
/* The default model (x86-64-v2 level). */
extern const X86CPUModel x86_model_default;
/* Model by name, or NULL. */
const X86CPUModel *x86_model_find(const char *name);
/* A model adjusted by a -cpu argument "NAME[,+feat|-feat|feat=on|off|
 * prop=value...]" (cpu_flags.c).  With tcg, features the interpreter
 * lacks are dropped with a warning.  Returns a g_malloc'd model, or NULL
 * with *err set; *warnings is NULL or g_malloc'd lines to print. */
X86CPUModel *x86_model_from_spec(const char *spec, bool tcg, char **warnings,
                                 char **err);
/* All models, for -cpu help; NULL-terminated. */
extern const X86CPUModel *const x86_models[];
/* The value of CPUID.1:EAX for a model (also EDX at reset). */
uint32_t x86_model_signature(const X86CPUModel *m);
/* The highest basic / extended CPUID leaf of a model. */
uint32_t x86_model_level(const X86CPUModel *m);
uint32_t x86_model_xlevel(const X86CPUModel *m);
/* Is the vendor AMD ("AuthenticAMD")?  A few instructions differ. */
bool x86_model_is_amd(const X86CPUModel *m);

/* The model a CPU state reports (the default when none was set, as in
 * unit tests that build a bare CPUX86State). */
struct CPUX86State;
const X86CPUModel *cpu_model(const struct CPUX86State *env);

/* Does this CPU's model offer every bit of `bits` in word `w`?  Handlers
 * of optional instructions raise #UD when it does not. */
static inline bool cpu_model_has(const X86CPUModel *m, FeatureWord w, uint32_t bits)
{
    return (m->features[w] & bits) == bits;
}
#define cpu_has_feature(env, w, bits) cpu_model_has(cpu_model(env), (w), (bits))

#endif

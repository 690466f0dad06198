/*
 * target/i386/cpuid.c - CPU models and the CPUID instruction (SDM Vol.2
 * CPUID; AMD APM Vol.3 appendix E).
 *
 * Design: every model is data (cpuid.h).  The models follow QEMU's names
 * so a QEMU command line picks the same CPU: `qemu64` is QEMU's default
 * (an AMD K8-like identity with SSE3), `x86-64-v2` adds the rest of that
 * psABI level (SSSE3, SSE4.1/4.2, POPCNT, CX16, LAHF), RDTSCP and the
 * invariant TSC and is emu86's default, `x86-64-v3` the next psABI level
 * (AVX2, FMA...), `max` offers everything the interpreter implements,
 * `base` is a bare x86-64.  The AMD identity of QEMU's models is kept: an OS then
 * applies no Intel-only errata work-arounds (Meltdown page-table
 * isolation, MDS buffer clearing) that no emulated CPU needs.
 *
 * Leaves: basic 0-0xD (2, 4 and 5 empty: AMD reports caches in
 * 0x80000005/6), extended up to 0x80000008.  A leaf above the maximum
 * returns zeros, as AMD processors do.  Cache and TLB sizes are nominal
 * (QEMU's legacy AMD values): an OS only uses them for tuning.
 */
#include <string.h>

#include "target/i386/cpu.h"
#include "target/i386/cpuid.h"
#include "target/i386/seg.h"
#include "target/i386/xsave.h"

#define MAX_BASIC_LEAF 0xdu
#define MAX_EXT_LEAF 0x80000008u

/*
 * Everything the interpreter implements.  An instruction-set extension is
 * listed here in the commit that implements it (and is then offered by
 * `max`, and by the named models that include it).
 */
#define TCG_FEATURES {                                                        \
    [FEAT_1_EDX] = CPUID_FPU | CPUID_DE | CPUID_PSE | CPUID_TSC | CPUID_MSR |  \
                   CPUID_PAE | CPUID_MCE | CPUID_CX8 | CPUID_APIC |            \
                   CPUID_SEP | CPUID_MTRR | CPUID_PGE | CPUID_MCA |            \
                   CPUID_CMOV | CPUID_PAT | CPUID_PSE36 | CPUID_CLFLUSH |      \
                   CPUID_MMX | CPUID_FXSR | CPUID_SSE | CPUID_SSE2 | CPUID_SS, \
    [FEAT_1_ECX] = CPUID_EXT_SSE3 | CPUID_EXT_SSSE3 | CPUID_EXT_CX16 |         \
                   CPUID_EXT_SSE41 | CPUID_EXT_SSE42 | CPUID_EXT_X2APIC |      \
                   CPUID_EXT_MOVBE | CPUID_EXT_POPCNT |                        \
                   CPUID_EXT_TSC_DEADLINE | CPUID_EXT_XSAVE | CPUID_EXT_AVX |  \
                   CPUID_EXT_F16C | CPUID_EXT_FMA | CPUID_EXT_HYPERVISOR |     \
                   CPUID_EXT_AES | CPUID_EXT_PCLMULQDQ | CPUID_EXT_RDRAND |    \
                   CPUID_EXT_PCID,                                             \
    [FEAT_6_EAX] = CPUID_6_EAX_ARAT,                                           \
    [FEAT_7_0_EBX] = CPUID_7_EBX_AVX2 | CPUID_7_EBX_BMI1 | CPUID_7_EBX_BMI2 |  \
                   CPUID_7_EBX_ADX |                                           \
                   CPUID_7_EBX_SHA_NI | CPUID_7_EBX_RDSEED |                   \
                   CPUID_7_EBX_FSGSBASE | CPUID_7_EBX_INVPCID |                \
                   CPUID_7_EBX_CLFLUSHOPT | CPUID_7_EBX_CLWB |                 \
                   CPUID_7_EBX_ERMS | CPUID_7_EBX_SMEP | CPUID_7_EBX_SMAP,     \
    [FEAT_7_0_ECX] = CPUID_7_ECX_RDPID | CPUID_7_ECX_UMIP | CPUID_7_ECX_VAES |  \
                   CPUID_7_ECX_VPCLMULQDQ,                                     \
    [FEAT_7_0_EDX] = CPUID_7_EDX_FSRM,                                         \
    [FEAT_D_1_EAX] = CPUID_D_1_EAX_XSAVEOPT | CPUID_D_1_EAX_XSAVEC |           \
                   CPUID_D_1_EAX_XGETBV1,                                      \
    [FEAT_8000_0001_EDX] = CPUID_EXT2_SYSCALL | CPUID_EXT2_NX |                \
                   CPUID_EXT2_PDPE1GB | CPUID_EXT2_RDTSCP | CPUID_EXT2_LM |    \
                   CPUID_EXT2_MMXEXT,                                          \
    [FEAT_8000_0001_ECX] = CPUID_EXT3_LAHF_LM | CPUID_EXT3_ABM |               \
                   CPUID_EXT3_SSE4A | CPUID_EXT3_3DNOWPREFETCH,                \
    [FEAT_8000_0007_EDX] = CPUID_APM_INVTSC,                                   \
}

const uint32_t x86_tcg_features[FEAT_NB] = TCG_FEATURES;

/* QEMU's PPRO_FEATURES plus what its qemu64 adds (target/i386/cpu.c). */
#define QEMU64_1_EDX (CPUID_FPU | CPUID_DE | CPUID_PSE | CPUID_TSC | CPUID_MSR | \
                      CPUID_PAE | CPUID_MCE | CPUID_CX8 | CPUID_APIC | CPUID_SEP | \
                      CPUID_MTRR | CPUID_PGE | CPUID_MCA | CPUID_CMOV | CPUID_PAT | \
                      CPUID_PSE36 | CPUID_CLFLUSH | CPUID_MMX | CPUID_FXSR |     \
                      CPUID_SSE | CPUID_SSE2)
#define QEMU64_1_ECX (CPUID_EXT_SSE3 | CPUID_EXT_CX16 | CPUID_EXT_HYPERVISOR)
#define QEMU64_EXT_EDX (CPUID_EXT2_SYSCALL | CPUID_EXT2_NX | CPUID_EXT2_LM)
/* x2APIC and the TSC-deadline timer are left out of the named models:
 * QEMU offers them only with KVM's in-kernel LAPIC, so a guest then boots
 * along the same paths as under QEMU TCG.  `max` has them. */

static const X86CPUModel model_qemu64 = {
    .name = "qemu64",
    .desc = "QEMU Virtual CPU version 2.5+ (QEMU's default model)",
    .vendor = "AuthenticAMD",
    .family = 15, .model = 107, .stepping = 1,
    .features = {
        [FEAT_1_EDX] = QEMU64_1_EDX,
        [FEAT_1_ECX] = QEMU64_1_ECX,
        [FEAT_8000_0001_EDX] = QEMU64_EXT_EDX,
        [FEAT_8000_0001_ECX] = CPUID_EXT3_LAHF_LM,
    },
    .brand = "QEMU Virtual CPU version 2.5+",
    .phys_bits = 40, .virt_bits = 48,
};

/* QEMU's kvm64 (an Intel identity with the qemu64 feature set; test
 * suites such as kvm-unit-tests ask for it).  QEMU's kvm64 also has VME,
 * which emu86 does not implement: it is left out, as TCG drops it. */
static const X86CPUModel model_kvm64 = {
    .name = "kvm64",
    .desc = "Common KVM processor (QEMU's kvm64, Intel identity)",
    .vendor = "GenuineIntel",
    .family = 15, .model = 6, .stepping = 1,
    .features = {
        [FEAT_1_EDX] = QEMU64_1_EDX,
        [FEAT_1_ECX] = CPUID_EXT_SSE3 | CPUID_EXT_CX16 | CPUID_EXT_HYPERVISOR,
        [FEAT_8000_0001_EDX] = QEMU64_EXT_EDX,
    },
    .brand = "Common KVM processor",
    .phys_bits = 40, .virt_bits = 48,
};

/* Named models of real CPU generations, as QEMU defines them (identity,
 * maximum basic leaf, feature words), within what the interpreter
 * implements: QEMU's TSX (HLE/RTM), MPX and VMX bits are not offered.
 * x2APIC and the TSC-deadline timer are left out as in the models above.
 * The cpuid_MODEL guests compare them with QEMU's CPUID. */
#define NEHALEM_1_ECX (QEMU64_1_ECX | CPUID_EXT_SSSE3 | CPUID_EXT_SSE41 | \
                       CPUID_EXT_SSE42 | CPUID_EXT_POPCNT)
#define WESTMERE_1_ECX (NEHALEM_1_ECX | CPUID_EXT_PCLMULQDQ | CPUID_EXT_AES)
#define SANDY_1_ECX (WESTMERE_1_ECX | CPUID_EXT_XSAVE | CPUID_EXT_AVX)
#define IVY_1_ECX (SANDY_1_ECX | CPUID_EXT_F16C | CPUID_EXT_RDRAND)
#define HASWELL_1_ECX (IVY_1_ECX | CPUID_EXT_FMA | CPUID_EXT_MOVBE | CPUID_EXT_PCID)
#define IVY_7_EBX (CPUID_7_EBX_FSGSBASE | CPUID_7_EBX_SMEP | CPUID_7_EBX_ERMS)
#define HASWELL_7_EBX (IVY_7_EBX | CPUID_7_EBX_BMI1 | CPUID_7_EBX_AVX2 | CPUID_7_EBX_BMI2 | \
                       CPUID_7_EBX_INVPCID)
#define INTEL_EXT_EDX (QEMU64_EXT_EDX)

static const X86CPUModel model_opteron_g1 = {
    .name = "Opteron_G1",
    .desc = "AMD Opteron 240 (Gen 1 Class Opteron)",
    .vendor = "AuthenticAMD",
    .family = 15, .model = 6, .stepping = 1, .level = 5,
    .features = {
        [FEAT_1_EDX] = QEMU64_1_EDX,
        [FEAT_1_ECX] = CPUID_EXT_SSE3 | CPUID_EXT_HYPERVISOR,
        [FEAT_8000_0001_EDX] = QEMU64_EXT_EDX,
    },
    .brand = "AMD Opteron 240 (Gen 1 Class Opteron)",
    .phys_bits = 40, .virt_bits = 48,
};

static const X86CPUModel model_nehalem = {
    .name = "Nehalem",
    .desc = "Intel Core i7 9xx (Nehalem Class Core i7)",
    .vendor = "GenuineIntel",
    .family = 6, .model = 26, .stepping = 3, .level = 0xb,
    .features = {
        [FEAT_1_EDX] = QEMU64_1_EDX,
        [FEAT_1_ECX] = NEHALEM_1_ECX,
        [FEAT_8000_0001_EDX] = INTEL_EXT_EDX,
        [FEAT_8000_0001_ECX] = CPUID_EXT3_LAHF_LM,
    },
    .brand = "Intel Core i7 9xx (Nehalem Class Core i7)",
    .phys_bits = 40, .virt_bits = 48,
};

static const X86CPUModel model_westmere = {
    .name = "Westmere",
    .desc = "Westmere E56xx/L56xx/X56xx (Nehalem-C)",
    .vendor = "GenuineIntel",
    .family = 6, .model = 44, .stepping = 1, .level = 0xb,
    .features = {
        [FEAT_1_EDX] = QEMU64_1_EDX,
        [FEAT_1_ECX] = WESTMERE_1_ECX,
        [FEAT_8000_0001_EDX] = INTEL_EXT_EDX,
        [FEAT_8000_0001_ECX] = CPUID_EXT3_LAHF_LM,
    },
    .brand = "Westmere E56xx/L56xx/X56xx (Nehalem-C)",
    .phys_bits = 40, .virt_bits = 48,
};

static const X86CPUModel model_sandybridge = {
    .name = "SandyBridge",
    .desc = "Intel Xeon E312xx (Sandy Bridge)",
    .vendor = "GenuineIntel",
    .family = 6, .model = 42, .stepping = 1,
    .features = {
        [FEAT_1_EDX] = QEMU64_1_EDX,
        [FEAT_1_ECX] = SANDY_1_ECX,
        [FEAT_D_1_EAX] = CPUID_D_1_EAX_XSAVEOPT,
        [FEAT_8000_0001_EDX] = INTEL_EXT_EDX | CPUID_EXT2_RDTSCP,
        [FEAT_8000_0001_ECX] = CPUID_EXT3_LAHF_LM,
    },
    .brand = "Intel Xeon E312xx (Sandy Bridge)",
    .phys_bits = 40, .virt_bits = 48,
};

static const X86CPUModel model_ivybridge = {
    .name = "IvyBridge",
    .desc = "Intel Xeon E3-12xx v2 (Ivy Bridge)",
    .vendor = "GenuineIntel",
    .family = 6, .model = 58, .stepping = 9,
    .features = {
        [FEAT_1_EDX] = QEMU64_1_EDX,
        [FEAT_1_ECX] = IVY_1_ECX,
        [FEAT_7_0_EBX] = IVY_7_EBX,
        [FEAT_D_1_EAX] = CPUID_D_1_EAX_XSAVEOPT,
        [FEAT_8000_0001_EDX] = INTEL_EXT_EDX | CPUID_EXT2_RDTSCP,
        [FEAT_8000_0001_ECX] = CPUID_EXT3_LAHF_LM,
    },
    .brand = "Intel Xeon E3-12xx v2 (Ivy Bridge)",
    .phys_bits = 40, .virt_bits = 48,
};

static const X86CPUModel model_haswell = {
    .name = "Haswell",
    .desc = "Intel Core Processor (Haswell) (TSX not offered)",
    .vendor = "GenuineIntel",
    .family = 6, .model = 60, .stepping = 4,
    .features = {
        [FEAT_1_EDX] = QEMU64_1_EDX,
        [FEAT_1_ECX] = HASWELL_1_ECX,
        [FEAT_7_0_EBX] = HASWELL_7_EBX,
        [FEAT_D_1_EAX] = CPUID_D_1_EAX_XSAVEOPT,
        [FEAT_8000_0001_EDX] = INTEL_EXT_EDX | CPUID_EXT2_RDTSCP,
        [FEAT_8000_0001_ECX] = CPUID_EXT3_LAHF_LM | CPUID_EXT3_ABM,
    },
    .brand = "Intel Core Processor (Haswell)",
    .phys_bits = 40, .virt_bits = 48,
};

static const X86CPUModel model_haswell_notsx = {
    .name = "Haswell-noTSX",
    .desc = "Intel Core Processor (Haswell, no TSX)",
    .vendor = "GenuineIntel",
    .family = 6, .model = 60, .stepping = 1,
    .features = {
        [FEAT_1_EDX] = QEMU64_1_EDX,
        [FEAT_1_ECX] = HASWELL_1_ECX,
        [FEAT_7_0_EBX] = HASWELL_7_EBX,
        [FEAT_D_1_EAX] = CPUID_D_1_EAX_XSAVEOPT,
        [FEAT_8000_0001_EDX] = INTEL_EXT_EDX | CPUID_EXT2_RDTSCP,
        [FEAT_8000_0001_ECX] = CPUID_EXT3_LAHF_LM | CPUID_EXT3_ABM,
    },
    .brand = "Intel Core Processor (Haswell, no TSX)",
    .phys_bits = 40, .virt_bits = 48,
};

static const X86CPUModel model_skylake_client = {
    .name = "Skylake-Client",
    .desc = "Intel Core Processor (Skylake) (TSX and MPX not offered)",
    .vendor = "GenuineIntel",
    .family = 6, .model = 94, .stepping = 3,
    .features = {
        [FEAT_1_EDX] = QEMU64_1_EDX,
        [FEAT_1_ECX] = HASWELL_1_ECX,
        [FEAT_7_0_EBX] = HASWELL_7_EBX | CPUID_7_EBX_RDSEED | CPUID_7_EBX_ADX |
                         CPUID_7_EBX_SMAP,
        [FEAT_D_1_EAX] = CPUID_D_1_EAX_XSAVEOPT | CPUID_D_1_EAX_XSAVEC |
                         CPUID_D_1_EAX_XGETBV1,
        [FEAT_8000_0001_EDX] = INTEL_EXT_EDX | CPUID_EXT2_RDTSCP,
        [FEAT_8000_0001_ECX] = CPUID_EXT3_LAHF_LM | CPUID_EXT3_ABM |
                               CPUID_EXT3_3DNOWPREFETCH,
    },
    .brand = "Intel Core Processor (Skylake)",
    .phys_bits = 40, .virt_bits = 48,
};

/* 32-bit models (no long mode).  Without LM, QEMU reports 36 physical
 * address bits (PAE, PSE-36) and no linear-address size. */
#define PPRO_1_EDX (CPUID_FPU | CPUID_DE | CPUID_PSE | CPUID_TSC | CPUID_MSR | CPUID_PAE | \
                    CPUID_MCE | CPUID_CX8 | CPUID_APIC | CPUID_SEP | CPUID_PGE |        \
                    CPUID_CMOV | CPUID_PAT | CPUID_MMX | CPUID_FXSR | CPUID_SSE |       \
                    CPUID_SSE2)

static const X86CPUModel model_qemu32 = {
    .name = "qemu32",
    .desc = "QEMU Virtual CPU version 2.5+ (32-bit, QEMU's qemu32)",
    .vendor = "GenuineIntel",
    .family = 6, .model = 6, .stepping = 3, .level = 4, .xlevel = 0x80000004,
    .features = {
        [FEAT_1_EDX] = PPRO_1_EDX,
        [FEAT_1_ECX] = CPUID_EXT_SSE3 | CPUID_EXT_HYPERVISOR,
    },
    .brand = "QEMU Virtual CPU version 2.5+",
    .phys_bits = 36, .virt_bits = 0,
};

static const X86CPUModel model_kvm32 = {
    .name = "kvm32",
    .desc = "Common 32-bit KVM processor (QEMU's kvm32)",
    .vendor = "GenuineIntel",
    .family = 15, .model = 6, .stepping = 1, .level = 5,
    .features = {
        [FEAT_1_EDX] = QEMU64_1_EDX,
        [FEAT_1_ECX] = CPUID_EXT_SSE3 | CPUID_EXT_HYPERVISOR,
    },
    .brand = "Common 32-bit KVM processor",
    .phys_bits = 36, .virt_bits = 0,
};

/* Core 2 generation.  QEMU's core2duo also has MONITOR (emu86 raises #UD
 * for MONITOR/MWAIT) and ACPI (thermal-control MSRs emu86 does not
 * have): those two bits are not offered. */
static const X86CPUModel model_core2duo = {
    .name = "core2duo",
    .desc = "Intel(R) Core(TM)2 Duo CPU T7700 (MONITOR and ACPI not offered)",
    .vendor = "GenuineIntel",
    .family = 6, .model = 15, .stepping = 11, .level = 10,
    .features = {
        [FEAT_1_EDX] = QEMU64_1_EDX | CPUID_SS,
        [FEAT_1_ECX] = QEMU64_1_ECX | CPUID_EXT_SSSE3,
        [FEAT_8000_0001_EDX] = INTEL_EXT_EDX,
        [FEAT_8000_0001_ECX] = CPUID_EXT3_LAHF_LM,
    },
    .brand = "Intel(R) Core(TM)2 Duo CPU     T7700  @ 2.40GHz",
    .phys_bits = 40, .virt_bits = 48,
};

static const X86CPUModel model_conroe = {
    .name = "Conroe",
    .desc = "Intel Celeron_4x0 (Conroe/Merom Class Core 2)",
    .vendor = "GenuineIntel",
    .family = 6, .model = 15, .stepping = 3, .level = 10,
    .features = {
        [FEAT_1_EDX] = QEMU64_1_EDX,
        [FEAT_1_ECX] = CPUID_EXT_SSE3 | CPUID_EXT_SSSE3 | CPUID_EXT_HYPERVISOR,
        [FEAT_8000_0001_EDX] = INTEL_EXT_EDX,
        [FEAT_8000_0001_ECX] = CPUID_EXT3_LAHF_LM,
    },
    .brand = "Intel Celeron_4x0 (Conroe/Merom Class Core 2)",
    .phys_bits = 40, .virt_bits = 48,
};

static const X86CPUModel model_penryn = {
    .name = "Penryn",
    .desc = "Intel Core 2 Duo P9xxx (Penryn Class Core 2)",
    .vendor = "GenuineIntel",
    .family = 6, .model = 23, .stepping = 3, .level = 10,
    .features = {
        [FEAT_1_EDX] = QEMU64_1_EDX,
        [FEAT_1_ECX] = QEMU64_1_ECX | CPUID_EXT_SSSE3 | CPUID_EXT_SSE41,
        [FEAT_8000_0001_EDX] = INTEL_EXT_EDX,
        [FEAT_8000_0001_ECX] = CPUID_EXT3_LAHF_LM,
    },
    .brand = "Intel Core 2 Duo P9xxx (Penryn Class Core 2)",
    .phys_bits = 40, .virt_bits = 48,
};

/* AMD generations.  QEMU's Opteron_G2 and later offer SVM (TCG emulates
 * it), its G3 and EPYC MONITOR, and EPYC CR8LEGACY, MISALIGNSSE, OSVW,
 * TOPOEXT and FXSR_OPT: emu86 has none of them, so they are not offered.
 * Their maximum extended leaf stays QEMU's; the leaves up to it that
 * describe those features (SVM's 0x8000000A, the topology leaves) read
 * as zeros. */
static const X86CPUModel model_opteron_g2 = {
    .name = "Opteron_G2",
    .desc = "AMD Opteron 22xx (Gen 2 Class Opteron) (SVM not offered)",
    .vendor = "AuthenticAMD",
    .family = 15, .model = 6, .stepping = 1, .level = 5, .xlevel = 0x8000000a,
    .features = {
        [FEAT_1_EDX] = QEMU64_1_EDX,
        [FEAT_1_ECX] = QEMU64_1_ECX,
        [FEAT_8000_0001_EDX] = QEMU64_EXT_EDX,
        [FEAT_8000_0001_ECX] = CPUID_EXT3_LAHF_LM,
    },
    .brand = "AMD Opteron 22xx (Gen 2 Class Opteron)",
    .phys_bits = 40, .virt_bits = 48,
};

static const X86CPUModel model_opteron_g3 = {
    .name = "Opteron_G3",
    .desc = "AMD Opteron 23xx (Gen 3 Class Opteron) (SVM, MONITOR, MISALIGNSSE not offered)",
    .vendor = "AuthenticAMD",
    .family = 16, .model = 2, .stepping = 3, .level = 5, .xlevel = 0x8000000a,
    .features = {
        [FEAT_1_EDX] = QEMU64_1_EDX,
        [FEAT_1_ECX] = QEMU64_1_ECX | CPUID_EXT_POPCNT,
        [FEAT_8000_0001_EDX] = QEMU64_EXT_EDX | CPUID_EXT2_RDTSCP,
        [FEAT_8000_0001_ECX] = CPUID_EXT3_LAHF_LM | CPUID_EXT3_ABM | CPUID_EXT3_SSE4A,
    },
    .brand = "AMD Opteron 23xx (Gen 3 Class Opteron)",
    .phys_bits = 40, .virt_bits = 48,
};

static const X86CPUModel model_epyc = {
    .name = "EPYC",
    .desc = "AMD EPYC Processor (SVM, MONITOR, TOPOEXT, MISALIGNSSE, OSVW, CR8LEGACY not offered)",
    .vendor = "AuthenticAMD",
    .family = 23, .model = 1, .stepping = 2, .level = 0xd, .xlevel = 0x8000001e,
    .features = {
        [FEAT_1_EDX] = QEMU64_1_EDX,
        [FEAT_1_ECX] = HASWELL_1_ECX & ~CPUID_EXT_PCID,
        [FEAT_7_0_EBX] = CPUID_7_EBX_FSGSBASE | CPUID_7_EBX_BMI1 | CPUID_7_EBX_AVX2 |
                         CPUID_7_EBX_SMEP | CPUID_7_EBX_BMI2 | CPUID_7_EBX_RDSEED |
                         CPUID_7_EBX_ADX | CPUID_7_EBX_SMAP | CPUID_7_EBX_CLFLUSHOPT |
                         CPUID_7_EBX_SHA_NI,
        [FEAT_D_1_EAX] = CPUID_D_1_EAX_XSAVEOPT | CPUID_D_1_EAX_XSAVEC |
                         CPUID_D_1_EAX_XGETBV1,
        [FEAT_8000_0001_EDX] = QEMU64_EXT_EDX | CPUID_EXT2_RDTSCP | CPUID_EXT2_PDPE1GB |
                               CPUID_EXT2_MMXEXT,
        [FEAT_8000_0001_ECX] = CPUID_EXT3_LAHF_LM | CPUID_EXT3_ABM | CPUID_EXT3_SSE4A |
                               CPUID_EXT3_3DNOWPREFETCH,
    },
    .brand = "AMD EPYC Processor",
    .phys_bits = 40, .virt_bits = 48,
};

const X86CPUModel x86_model_default = {
    .name = "x86-64-v2",
    .desc = "x86-64 psABI level 2: qemu64 + SSSE3, SSE4.1, SSE4.2, POPCNT (default)",
    .vendor = "AuthenticAMD",
    .family = 15, .model = 107, .stepping = 1,
    .features = {
        [FEAT_1_EDX] = QEMU64_1_EDX,
        [FEAT_1_ECX] = QEMU64_1_ECX | CPUID_EXT_SSSE3 |
                       CPUID_EXT_SSE41 | CPUID_EXT_SSE42 | CPUID_EXT_POPCNT,
        [FEAT_8000_0001_EDX] = QEMU64_EXT_EDX | CPUID_EXT2_RDTSCP,
        [FEAT_8000_0001_ECX] = CPUID_EXT3_LAHF_LM,
        /* emu86's TSC is the host's monotonic clock: invariant, and the
         * same on every CPU.  Saying so lets an OS keep the TSC as its
         * clock source with several CPUs (an AMD CPU without it is
         * assumed to have unsynchronised TSCs). */
        [FEAT_8000_0007_EDX] = CPUID_APM_INVTSC,
    },
    .brand = "emu86 x86-64-v2 CPU",
    .phys_bits = 40, .virt_bits = 48,
};

/* x86-64 psABI level 3 (x86-64-v2 + AVX, AVX2, BMI1, BMI2, F16C, FMA,
 * LZCNT, MOVBE, XSAVE/OSXSAVE).  XSAVEOPT/XSAVEC are not part of the
 * level. */
static const X86CPUModel model_v3 = {
    .name = "x86-64-v3",
    .desc = "x86-64 psABI level 3: x86-64-v2 + AVX, AVX2, FMA, F16C, BMI1, BMI2, LZCNT, "
            "MOVBE, XSAVE",
    .vendor = "AuthenticAMD",
    .family = 15, .model = 107, .stepping = 1,
    .features = {
        [FEAT_1_EDX] = QEMU64_1_EDX,
        [FEAT_1_ECX] = QEMU64_1_ECX | CPUID_EXT_SSSE3 | CPUID_EXT_SSE41 | CPUID_EXT_SSE42 |
                       CPUID_EXT_POPCNT | CPUID_EXT_FMA | CPUID_EXT_MOVBE |
                       CPUID_EXT_XSAVE | CPUID_EXT_AVX | CPUID_EXT_F16C,
        [FEAT_7_0_EBX] = CPUID_7_EBX_AVX2 | CPUID_7_EBX_BMI1 | CPUID_7_EBX_BMI2,
        [FEAT_8000_0001_EDX] = QEMU64_EXT_EDX | CPUID_EXT2_RDTSCP,
        [FEAT_8000_0001_ECX] = CPUID_EXT3_LAHF_LM | CPUID_EXT3_ABM,
        [FEAT_8000_0007_EDX] = CPUID_APM_INVTSC,    /* as x86-64-v2 */
    },
    .brand = "emu86 x86-64-v3 CPU",
    .phys_bits = 40, .virt_bits = 48,
};

static const X86CPUModel model_base = {
    .name = "base",
    .desc = "bare x86-64: the baseline of every 64-bit CPU (no SSE3)",
    .vendor = "AuthenticAMD",
    .family = 15, .model = 107, .stepping = 1,
    .features = {
        [FEAT_1_EDX] = QEMU64_1_EDX,
        [FEAT_1_ECX] = CPUID_EXT_HYPERVISOR,
        [FEAT_8000_0001_EDX] = QEMU64_EXT_EDX,
    },
    .brand = "emu86 base x86-64 CPU",
    .phys_bits = 40, .virt_bits = 48,
};

static const X86CPUModel model_max = {
    .name = "max",
    .desc = "every feature the accelerator can provide",
    .vendor = "AuthenticAMD",
    .family = 15, .model = 107, .stepping = 1,
    .features = TCG_FEATURES,
    .brand = "emu86 max CPU",
    .phys_bits = 40, .virt_bits = 48,
};

static const X86CPUModel model_host = {
    .name = "host",
    .desc = "the host CPU's own CPUID, as KVM offers it (KVM only)",
    .vendor = "AuthenticAMD",
    .family = 15, .model = 107, .stepping = 1,
    .features = TCG_FEATURES,
    .brand = "emu86 host CPU",
    .phys_bits = 40, .virt_bits = 48,
    .kvm_only = true,
};

const X86CPUModel *const x86_models[] = {
    &model_qemu64, &model_kvm64, &x86_model_default, &model_v3, &model_base, &model_max,
    &model_host, &model_opteron_g1, &model_nehalem, &model_westmere, &model_sandybridge,
    &model_ivybridge, &model_haswell, &model_haswell_notsx, &model_skylake_client,
    &model_qemu32, &model_kvm32, &model_core2duo, &model_conroe, &model_penryn,
    &model_opteron_g2, &model_opteron_g3, &model_epyc, NULL,
};

const X86CPUModel *x86_model_find(const char *name)
{
    for (size_t i = 0; x86_models[i]; i++) {
        if (!strcmp(x86_models[i]->name, name)) {
            return x86_models[i];
        }
    }
    return NULL;
}

const X86CPUModel *cpu_model(const CPUX86State *env)
{
    return env->model ? env->model : &x86_model_default;
}

uint32_t x86_model_level(const X86CPUModel *m)
{
    return m->level ? m->level : MAX_BASIC_LEAF;
}

uint32_t x86_model_xlevel(const X86CPUModel *m)
{
    return m->xlevel ? m->xlevel : MAX_EXT_LEAF;
}

bool x86_model_is_amd(const X86CPUModel *m)
{
    return !strcmp(m->vendor, "AuthenticAMD");
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

/* AMD APM Vol.3 E.4.5/E.4.6: L1 and L2 cache/TLB descriptors.  Sizes are
 * QEMU's legacy AMD values: 64 KiB 2-way L1s, 512 KiB 16-way L2, 64-byte
 * lines, 255/512-entry TLBs. */
#define AMD_L1_TLB_2M  0x01ff01ffu /* D and I: direct-mapped code 1, 255 entries */
#define AMD_L1_TLB_4K  0x01ff01ffu
#define AMD_L1_CACHE   0x40020140u /* 64 KiB, 2-way, 1 line/tag, 64 bytes */
#define AMD_L2_TLB_2M  0x00000000u /* K8: no 2M entries in the L2 TLB */
#define AMD_L2_TLB_4K  0x42004200u /* 512 entries, 4-way, D and I */
#define AMD_L2_CACHE   0x02008140u /* 512 KiB, 16-way (8), 1 line/tag, 64 B */

void cpu_cpuid(CPUX86State *env, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    const X86CPUModel *m = cpu_model(env);
    uint32_t *a = &out[0], *b = &out[1], *c = &out[2], *d = &out[3];
    unsigned apic_id = env->cpu ? (unsigned)env->cpu->index : 0;
    *a = *b = *c = *d = 0;

    /* Models of older CPUs stop earlier (QEMU's "level"): their guests
     * see the leaves up to it only. */
    uint32_t max_basic = x86_model_level(m);
    uint32_t max_ext = x86_model_xlevel(m);
    if ((leaf < 0x80000000u && leaf > max_basic) ||
        (leaf >= 0x80000000u && leaf > max_ext)) {
        return;
    }
    switch (leaf) {
    case 0:
        *a = max_basic;
        *b = str4(m->vendor);
        *d = str4(m->vendor + 4);
        *c = str4(m->vendor + 8);
        break;
    case 1:
        *a = x86_model_signature(m);
        /* CLFLUSH line size in 8-byte units; one logical processor per
         * package (each -smp CPU is a socket, as QEMU's default) */
        *b = (8u << 8) | (1u << 16) | (apic_id << 24);
        *c = m->features[FEAT_1_ECX];
        *d = m->features[FEAT_1_EDX];
        if (env->cr[4] & CR4_OSXSAVE) {
            *c |= CPUID_EXT_OSXSAVE;
        }
        /* The APIC bit follows the machine and IA32_APIC_BASE: set when
         * this CPU has a LAPIC and it is globally enabled (SDM Vol.3
         * 10.4.3); x2APIC and the TSC-deadline timer need that LAPIC. */
        if (!cpu_apic(env)) {
            *c &= ~(CPUID_EXT_X2APIC | CPUID_EXT_TSC_DEADLINE);
        }
        if (!cpu_apic(env) || !(env->apic_base & (1u << 11))) {
            *d &= ~CPUID_APIC;
        }
        break;
    case 6:
        *a = m->features[FEAT_6_EAX];
        break;
    case 7:
        if (subleaf == 0) {
            /* highest subleaf: 1 only when it has something (QEMU's rule) */
            *a = m->features[FEAT_7_1_EAX] ? 1 : 0;
            *b = m->features[FEAT_7_0_EBX];
            *c = m->features[FEAT_7_0_ECX];
            *d = m->features[FEAT_7_0_EDX];
            if (env->cr[4] & CR4_PKE) {
                *c |= CPUID_7_ECX_OSPKE;
            }
        } else if (subleaf == 1 && m->features[FEAT_7_1_EAX]) {
            *a = m->features[FEAT_7_1_EAX];
        }
        break;
    case 0xb:
        /* SDM Vol.3 9.9.4 (x2APIC topology): one thread per core, one core
         * per package; ECX echoes the subleaf, EDX the x2APIC ID. */
        if (subleaf < 2) {
            *a = 0;                 /* no ID bits below the next level */
            *b = 1;                 /* one logical processor at this level */
            *c = (subleaf & 0xff) | ((subleaf + 1) << 8); /* 1 = SMT, 2 = core */
        } else {
            *c = subleaf & 0xff;    /* invalid level */
        }
        *d = apic_id;
        break;
    case 0xd: {
        /* XSAVE state enumeration (SDM Vol.1 13.2): subleaf 0 the
         * supported XCR0 bits, the area size for the current XCR0 (EBX)
         * and for all supported components (ECX); 1 the XSAVE extensions
         * and the compacted size for XCR0 (IA32_XSS is always 0 here); 2
         * (AVX) size and standard-format offset. */
        uint64_t sup = xsave_supported_xcr0(env);
        if (!sup) {
            break;
        }
        if (subleaf == 0) {
            *a = (uint32_t)sup;
            *d = (uint32_t)(sup >> 32);
            *b = xsave_area_size(env->xcr0);
            *c = xsave_area_size(sup);
        } else if (subleaf == 1) {
            *a = m->features[FEAT_D_1_EAX];
            *b = xsave_compacted_size(env->xcr0);
        } else if (subleaf == 2 && (sup & XSTATE_YMM)) {
            *a = XSAVE_YMM_SIZE;
            *b = XSAVE_YMM_OFF;
        }
        break;
    }
    case 0x80000000u:
        /* (a model's xlevel above 0x80000008 names leaves, such as SVM's
         * 0x8000000A, that read as zeros here: their features are not
         * offered) */
        *a = max_ext;
        if (x86_model_is_amd(m)) {
            *b = str4(m->vendor);
            *d = str4(m->vendor + 4);
            *c = str4(m->vendor + 8);
        }
        break;
    case 0x80000001u:
        *a = x86_model_signature(m);
        *c = m->features[FEAT_8000_0001_ECX];
        *d = m->features[FEAT_8000_0001_EDX];
        if (x86_model_is_amd(m)) {
            uint32_t d1 = m->features[FEAT_1_EDX];
            if (!cpu_apic(env) || !(env->apic_base & (1u << 11))) {
                d1 &= ~CPUID_APIC;
            }
            *d |= d1 & CPUID_EXT2_AMD_ALIASES;
        }
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
    case 0x80000005u:
        if (x86_model_is_amd(m)) {
            *a = AMD_L1_TLB_2M;
            *b = AMD_L1_TLB_4K;
            *c = AMD_L1_CACHE;
            *d = AMD_L1_CACHE;
        }
        break;
    case 0x80000006u:
        if (x86_model_is_amd(m)) {
            *a = AMD_L2_TLB_2M;
            *b = AMD_L2_TLB_4K;
        }
        *c = AMD_L2_CACHE;
        break;
    case 0x80000007u:
        *d = m->features[FEAT_8000_0007_EDX];
        break;
    case 0x80000008u:
        *a = m->phys_bits | ((uint32_t)m->virt_bits << 8);
        *b = m->features[FEAT_8000_0008_EBX];
        break;
    default:
        break;
    }
}

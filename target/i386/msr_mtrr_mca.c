/*
 * target/i386/msr_mtrr_mca.c - the MTRR and machine-check MSRs.
 *
 * Design: both are register files an OS programs and reads back but that
 * change nothing in an emulator: all guest memory behaves as write-back
 * and no hardware error is ever logged.  What matters is that they exist
 * whenever CPUID says so (CPUID.1:EDX MTRR, MCE, MCA), hold what was
 * written, and refuse what the SDM calls reserved with #GP, because an OS
 * reads them at boot and panics on a #GP it did not expect (Linux:
 * "MCA architectural violation").
 *
 * MTRRs: SDM Vol.3 11.11 (8 variable ranges, fixed ranges, WC supported).
 * MCA: SDM Vol.3 15.3 (MCG_CAP with MCG_CTL_P and MCE_BANKS banks).
 */
#include <string.h>

#include "target/i386/cpu.h"
#include "target/i386/cpuid.h"

#define MSR_MCG_STATUS    0x17a
#define MSR_MCG_CTL       0x17b
#define MSR_MC0_CTL       0x400
#define MSR_MTRRCAP       0x0fe
#define MSR_AMD_SYSCFG    0xc0010010
#define MSR_AMD_TOP_MEM   0xc001001a
#define MSR_AMD_TOP_MEM2  0xc001001d

/* SYSCFG bits 17-22 (APM Vol.2 7.9.1): MtrrFixDramEn 18, MtrrFixDramModEn
 * 19, MtrrVarDramEn 20, MtrrTom2En 21, ... */
#define SYSCFG_WRITABLE   0x7e0000ull
#define SYSCFG_FIX_DRAM_EN (1ull << 18)
#define SYSCFG_VAR_DRAM_EN (1ull << 20)
#define SYSCFG_TOM2_EN    (1ull << 21)

#define MCG_CTL_P         (1ull << 8)
#define MCG_CAP_VALUE     (MCE_BANKS | MCG_CTL_P)
#define MCG_STATUS_VALID  0xfull     /* RIPV, EIPV, MCIP, LMCE_S */

#define MTRRCAP_VALUE     (MTRR_VCNT | (1u << 8) | (1u << 10)) /* VCNT, FIX, WC */
#define MTRR_DEF_TYPE_E   (1u << 11)
#define MTRR_DEF_TYPE_FE  (1u << 10)
#define MTRR_VALID        (1u << 11) /* PhysMask V */

enum { MT_UC = 0, MT_WC = 1, MT_WT = 4, MT_WP = 5, MT_WB = 6 };

static bool mtrr_type_valid(unsigned t)
{
    return t == MT_UC || t == MT_WC || t == MT_WT || t == MT_WP || t == MT_WB;
}

/* Index into MtrrState.fixed for a fixed-range MSR, or -1. */
static int mtrr_fixed_index(uint32_t msr)
{
    if (msr == MSR_MTRR_FIX64K) {
        return 0;
    }
    if (msr == MSR_MTRR_FIX16K_80000 || msr == MSR_MTRR_FIX16K_A0000) {
        return 1 + (int)(msr - MSR_MTRR_FIX16K_80000);
    }
    if (msr >= MSR_MTRR_FIX4K_C0000 && msr <= MSR_MTRR_FIX4K_C0000 + 7) {
        return 3 + (int)(msr - MSR_MTRR_FIX4K_C0000);
    }
    return -1;
}

/* Bits at or above MAXPHYADDR are reserved in PhysBase/PhysMask. */
static uint64_t phys_reserved(const CPUX86State *env)
{
    return ~((1ull << cpu_model(env)->phys_bits) - 1);
}

static bool mtrr_access(CPUX86State *env, uint32_t msr, uint64_t *value, bool write)
{
    MtrrState *m = &env->mtrr;
    int fi = mtrr_fixed_index(msr);
    if (msr == MSR_MTRRCAP) {
        if (write) {
            return false;
        }
        *value = MTRRCAP_VALUE;
        return true;
    }
    if (msr == MSR_MTRR_DEF_TYPE) {
        if (write) {
            if ((*value & ~(0xffull | MTRR_DEF_TYPE_E | MTRR_DEF_TYPE_FE)) ||
                !mtrr_type_valid(*value & 0xff)) {
                return false;
            }
            m->deftype = *value;
        } else {
            *value = m->deftype;
        }
        return true;
    }
    if (fi >= 0) {
        if (write) {
            for (int i = 0; i < 8; i++) {
                if (!mtrr_type_valid((*value >> (i * 8)) & 0xff)) {
                    return false;
                }
            }
            m->fixed[fi] = *value;
        } else {
            *value = m->fixed[fi];
        }
        return true;
    }
    /* variable ranges: 0x200 + 2n PhysBase, 0x201 + 2n PhysMask */
    unsigned n = (msr - MSR_MTRR_PHYSBASE0) / 2;
    bool is_mask = (msr - MSR_MTRR_PHYSBASE0) & 1;
    if (write) {
        uint64_t reserved = phys_reserved(env) |
                            (is_mask ? 0x7ffull : 0xf00ull);
        if (*value & reserved) {
            return false;
        }
        if (!is_mask && !mtrr_type_valid(*value & 0xff)) {
            return false;
        }
        m->var[n][is_mask] = *value;
    } else {
        *value = m->var[n][is_mask];
    }
    return true;
}

/* AMD's memory-typing MSRs, present on AMD models with MTRRs. */
static bool amd_mem_access(CPUX86State *env, uint32_t msr, uint64_t *value, bool write)
{
    MtrrState *m = &env->mtrr;
    uint64_t *reg = msr == MSR_AMD_SYSCFG ? &m->amd_syscfg :
                    msr == MSR_AMD_TOP_MEM ? &m->amd_top_mem : &m->amd_top_mem2;
    if (write) {
        /* SYSCFG: only its DRAM-typing bits; TOP_MEM*: bits 39:23 */
        uint64_t ok = msr == MSR_AMD_SYSCFG ? SYSCFG_WRITABLE
                                            : (~phys_reserved(env) & ~0x7fffffull);
        if (*value & ~ok) {
            return false;
        }
        *reg = *value;
    } else {
        *value = *reg;
    }
    return true;
}

static bool is_amd_mem_msr(uint32_t msr)
{
    return msr == MSR_AMD_SYSCFG || msr == MSR_AMD_TOP_MEM || msr == MSR_AMD_TOP_MEM2;
}

static bool is_mtrr_msr(uint32_t msr)
{
    return msr == MSR_MTRRCAP || msr == MSR_MTRR_DEF_TYPE || mtrr_fixed_index(msr) >= 0 ||
           (msr >= MSR_MTRR_PHYSBASE0 && msr < MSR_MTRR_PHYSBASE0 + 2 * MTRR_VCNT);
}

static bool is_mca_msr(uint32_t msr)
{
    return msr == MSR_MCG_CAP || msr == MSR_MCG_STATUS || msr == MSR_MCG_CTL ||
           (msr >= MSR_MC0_CTL && msr < MSR_MC0_CTL + 4 * MCE_BANKS);
}

static bool mca_access(CPUX86State *env, uint32_t msr, uint64_t *value, bool write)
{
    McaState *s = &env->mca;
    switch (msr) {
    case MSR_MCG_CAP:
        if (write) {
            return false; /* read-only */
        }
        *value = MCG_CAP_VALUE;
        return true;
    case MSR_MCG_STATUS:
        if (write) {
            if (*value & ~MCG_STATUS_VALID) {
                return false;
            }
            s->mcg_status = *value;
        } else {
            *value = s->mcg_status;
        }
        return true;
    case MSR_MCG_CTL:
        /* SDM 15.3.1.3: all ones enables every feature, all zeros none */
        if (write) {
            if (*value != 0 && *value != ~0ull) {
                return false;
            }
            s->mcg_ctl = *value;
        } else {
            *value = s->mcg_ctl;
        }
        return true;
    default: {
        unsigned bank = (msr - MSR_MC0_CTL) / 4, reg = (msr - MSR_MC0_CTL) % 4;
        if (write && reg == 1 && *value != 0) {
            /* SDM 15.3.2.2: only zeros may be written to MCi_STATUS
             * (clearing a logged error); no MCG_CAP bit allows more */
            return false;
        }
        if (write && reg == 0 && *value != 0 && (*value | (1ull << 10) | 1) != ~0ull) {
            /* MCi_CTL: the SDM defines only all zeros and all ones
             * (15.3.2.1); other values #GP as under KVM, which lets bit 10
             * (the AMD K8 GART workaround Linux applies to bank 4) and
             * bit 0 be cleared */
            return false;
        }
        if (write) {
            s->bank[bank][reg] = *value;
        } else {
            *value = s->bank[bank][reg];
        }
        return true;
    }
    }
}

bool cpu_mtrr_mca_msr(CPUX86State *env, uint32_t msr, uint64_t *value, bool write, bool *ok)
{
    if (is_mtrr_msr(msr)) {
        *ok = cpu_has_feature(env, FEAT_1_EDX, CPUID_MTRR) &&
              mtrr_access(env, msr, value, write);
        return true;
    }
    if (is_amd_mem_msr(msr) && x86_model_is_amd(cpu_model(env))) {
        *ok = cpu_has_feature(env, FEAT_1_EDX, CPUID_MTRR) &&
              amd_mem_access(env, msr, value, write);
        return true;
    }
    if (is_mca_msr(msr)) {
        *ok = cpu_has_feature(env, FEAT_1_EDX, CPUID_MCA) &&
              mca_access(env, msr, value, write);
        return true;
    }
    return false;
}

void cpu_mtrr_firmware_setup(CPUX86State *env, uint64_t below_4g, uint64_t above_4g)
{
    MtrrState *m = &env->mtrr;
    const uint64_t wb8 = 0x0606060606060606ull;
    memset(m, 0, sizeof(*m));
    m->fixed[0] = wb8;          /* 0x00000-0x7ffff */
    m->fixed[1] = wb8;          /* 0x80000-0x9ffff */
    m->fixed[2] = 0;            /* 0xa0000-0xbffff: VGA window, UC */
    for (int i = 3; i < 11; i++) {
        m->fixed[i] = wb8;      /* 0xc0000-0xfffff: RAM without a BIOS */
    }
    /* The PCI hole [below_4g, 4 GiB) as UC: naturally aligned power-of-two
     * blocks, each one variable range (the OS checks the ranges against
     * its e820 map). */
    uint64_t base = (below_4g + 0xfffffull) & ~0xfffffull;
    uint64_t addr_mask = (1ull << cpu_model(env)->phys_bits) - 1;
    unsigned n = 0;
    while (base < (1ull << 32) && n < MTRR_VCNT) {
        uint64_t size = base ? (base & -base) : (1ull << 32);
        while (base + size > (1ull << 32)) {
            size >>= 1;
        }
        m->var[n][0] = base | MT_UC;
        m->var[n][1] = (~(size - 1) & addr_mask) | MTRR_VALID;
        base += size;
        n++;
    }
    m->deftype = MTRR_DEF_TYPE_E | MTRR_DEF_TYPE_FE | MT_WB;
    /* AMD: DRAM below TOP_MEM (and up to TOP_MEM2) is WB */
    m->amd_syscfg = SYSCFG_FIX_DRAM_EN | SYSCFG_VAR_DRAM_EN;
    m->amd_top_mem = below_4g & ~0x7fffffull;
    if (above_4g) {
        m->amd_syscfg |= SYSCFG_TOM2_EN;
        m->amd_top_mem2 = ((1ull << 32) + above_4g) & ~0x7fffffull;
    }
}

/*
 * target/i386/msr.c - model-specific registers (RDMSR/WRMSR) and the TSC.
 *
 * Design: the MSRs of SDM Vol.4 chapter 2 that an OS touches on this CPU
 * model.  cpu_rdmsr/cpu_wrmsr return false for an unknown MSR or a write
 * with reserved bits set; the instruction handler raises #GP(0).  The
 * MTRR and machine-check MSRs live in msr_mtrr_mca.c.  The TSC runs at a nominal
 * 1 GHz: one tick per nanosecond of the host monotonic clock, plus
 * tsc_offset (a TSC write sets the offset).
 *
 * Local APIC: when the machine has a LAPIC for this CPU (hw/intc/apic.h),
 * IA32_APIC_BASE, the x2APIC MSRs 0x800-0x8ff, IA32_TSC_DEADLINE and CR8
 * go to it, under the BQL as its header requires.  The apic_* functions
 * are referenced weakly: a build without hw/intc/apic.c links, and
 * cpu_apic() then finds no LAPIC (the CPU keeps its own APIC_BASE copy
 * and CR8 register, as before the LAPIC existed).
 */
#include "hw/intc/apic.h"
#include "hw/machine.h"
#include "system/sysemu.h"
#include "target/i386/cpu.h"
#include "target/i386/cpuid.h"
#include "target/i386/seg.h"

#pragma weak apic_find
#pragma weak apic_get_base
#pragma weak apic_set_base
#pragma weak apic_msr_read
#pragma weak apic_msr_write
#pragma weak apic_set_tsc_deadline
#pragma weak apic_get_tsc_deadline
#pragma weak apic_get_tpr
#pragma weak apic_set_tpr

#define MSR_IA32_P5_MC_ADDR     0x0
#define MSR_IA32_P5_MC_TYPE     0x1
#define MSR_IA32_PLATFORM_ID    0x17
#define MSR_IA32_FEATURE_CONTROL 0x3a
#define MSR_IA32_BIOS_SIGN_ID   0x8b
#define MSR_AMD_HWCR            0xc0010015
#define MSR_AMD64_NB_CFG        0xc001001f
#define MSR_AMD64_LS_CFG        0xc0011020
#define MSR_K8_INT_PENDING_MSG  0xc0010055

uint64_t cpu_rdtsc(CPUX86State *env)
{
    return (uint64_t)(clock_ns() + env->tsc_offset);
}

struct ApicState *cpu_apic(CPUX86State *env)
{
    if (!apic_find || !env->cpu || !env->cpu->machine) {
        return NULL;
    }
    return apic_find(env->cpu->machine, env->cpu->index);
}

uint64_t cpu_get_cr8(CPUX86State *env)
{
    ApicState *s = cpu_apic(env);
    if (!s) {
        return env->cr8;
    }
    bql_lock();
    uint64_t v = apic_get_tpr(s) >> 4;
    bql_unlock();
    env->cr8 = v;
    return v;
}

void cpu_set_cr8(CPUX86State *env, uint64_t v)
{
    ApicState *s = cpu_apic(env);
    env->cr8 = v & 15;
    if (s) {
        bql_lock();
        apic_set_tpr(s, (uint8_t)((v & 15) << 4));
        bql_unlock();
    }
}

/* MSRs owned by the LAPIC; false with *handled = false if not one. */
static bool apic_msr(CPUX86State *env, uint32_t msr, uint64_t *value, bool write,
                     bool *handled)
{
    ApicState *s;
    *handled = false;
    if (msr != MSR_IA32_APICBASE && msr != MSR_IA32_TSC_DEADLINE &&
        (msr < 0x800 || msr > 0x8ff)) {
        return false;
    }
    s = cpu_apic(env);
    if (!s) {
        return false;
    }
    *handled = true;
    bool ok = true;
    bql_lock();
    if (msr == MSR_IA32_APICBASE) {
        if (write) {
            ok = apic_set_base(s, *value);
        }
        env->apic_base = apic_get_base(s);
        if (!write) {
            *value = env->apic_base;
        }
    } else if (msr == MSR_IA32_TSC_DEADLINE) {
        /* guest TSC -> clock_ns() time base (1 GHz TSC) */
        if (write) {
            apic_set_tsc_deadline(s, *value ? *value - (uint64_t)env->tsc_offset : 0);
        } else {
            uint64_t d = apic_get_tsc_deadline(s);
            *value = d ? d + (uint64_t)env->tsc_offset : 0;
        }
    } else {
        ok = write ? apic_msr_write(s, msr, *value) : apic_msr_read(s, msr, value);
    }
    bql_unlock();
    return ok;
}

/* AMD MSRs that keep what was written, on an AMD model only (NULL
 * otherwise, or for any other MSR):
 *  - HWCR: its bits tune caches and SMM, nothing here;
 *  - NB_CFG: Linux sets bit 46 (extended config-space access through
 *    CF8) with an unchecked RDMSR/WRMSR on family 10h-17h models, so a
 *    model of one has the register (emu86's config space is reached
 *    through 0xCF8/0xCFC with or without that bit);
 *  - LS_CFG: on family 15h-17h, where Linux finds the speculative-store-
 *    bypass disable bit (a checked probe; without it the kernel reports
 *    SSB "Vulnerable" where QEMU's guest has the prctl mitigation).
 *    Nothing here speculates. */
static uint64_t *amd_kept_msr(CPUX86State *env, uint32_t msr)
{
    if (!x86_model_is_amd(cpu_model(env))) {
        return NULL;
    }
    switch (msr) {
    case MSR_AMD_HWCR:     return &env->amd_hwcr;
    case MSR_AMD64_NB_CFG: return &env->amd_nb_cfg;
    case MSR_AMD64_LS_CFG: return &env->amd_ls_cfg;
    default:               return NULL;
    }
}

bool cpu_rdmsr(CPUX86State *env, uint32_t msr, uint64_t *value)
{
    uint64_t v;
    bool handled, ok = apic_msr(env, msr, value, false, &handled);
    if (handled || cpu_mtrr_mca_msr(env, msr, value, false, &ok)) {
        return ok;
    }
    switch (msr) {
    case MSR_IA32_TSC:          v = cpu_rdtsc(env); break;
    case MSR_IA32_APICBASE:     v = env->apic_base; break;
    case MSR_IA32_SYSENTER_CS:  v = env->sysenter_cs; break;
    case MSR_IA32_SYSENTER_ESP: v = env->sysenter_esp; break;
    case MSR_IA32_SYSENTER_EIP: v = env->sysenter_eip; break;
    case MSR_IA32_MISC_ENABLE:  v = env->misc_enable; break;
    case MSR_IA32_PAT:          v = env->pat; break;
    case MSR_EFER:              v = env->efer; break;
    case MSR_STAR:              v = env->star; break;
    case MSR_LSTAR:             v = env->lstar; break;
    case MSR_CSTAR:             v = env->cstar; break;
    case MSR_FMASK:             v = env->fmask; break;
    case MSR_FSBASE:            v = env->segs[R_FS].base; break;
    case MSR_GSBASE:            v = env->segs[R_GS].base; break;
    case MSR_KERNELGSBASE:      v = env->kernel_gs_base; break;
    case MSR_TSC_AUX:           v = env->tsc_aux; break;
    case MSR_AMD_HWCR:
    case MSR_AMD64_NB_CFG:
    case MSR_AMD64_LS_CFG: {
        const uint64_t *kept = amd_kept_msr(env, msr);
        if (!kept) {
            return false;
        }
        v = *kept;
        break;
    }
    case MSR_K8_INT_PENDING_MSG:
        /* K8 "interrupt pending and CMP-halt": no C1E, nothing pending
         * (Linux reads it for AMD erratum 400) */
        if (!x86_model_is_amd(cpu_model(env))) {
            return false;
        }
        v = 0;
        break;
    case MSR_IA32_P5_MC_ADDR:
    case MSR_IA32_P5_MC_TYPE:
    case MSR_IA32_FEATURE_CONTROL:
        v = env->feature_control;
        break;
    case MSR_IA32_PLATFORM_ID:
    case MSR_IA32_BIOS_SIGN_ID:
        v = 0;
        break;
    default:
        log_mask_printf(LOG_UNIMP, "rdmsr of unknown MSR 0x%x\n", msr);
        return false;
    }
    *value = v;
    return true;
}

/* PAT entries must hold a valid memory type: 0, 1, 4, 5, 6 or 7 */
static bool pat_valid(uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        unsigned t = (v >> (i * 8)) & 0xff;
        if (t == 2 || t == 3 || t > 7) {
            return false;
        }
    }
    return true;
}

bool cpu_wrmsr(CPUX86State *env, uint32_t msr, uint64_t v)
{
    bool handled, ok = apic_msr(env, msr, &v, true, &handled);
    if (handled || cpu_mtrr_mca_msr(env, msr, &v, true, &ok)) {
        return ok;
    }
    switch (msr) {
    case MSR_IA32_TSC:
        env->tsc_offset = (int64_t)(v - (uint64_t)clock_ns());
        return true;
    case MSR_IA32_APICBASE:
        /* base 39:12, enable 11, x2APIC 10 (not supported: reserved);
         * the BSP flag (bit 8) is read-only */
        if (v & ~(0xfffffff000ull | (1u << 11) | (1u << 8))) {
            return false;
        }
        env->apic_base = (v & ~(1ull << 8)) | (env->apic_base & (1ull << 8));
        return true;
    case MSR_IA32_SYSENTER_CS:
        env->sysenter_cs = v & 0xffffffffu;
        return true;
    case MSR_IA32_SYSENTER_ESP:
    case MSR_IA32_SYSENTER_EIP:
        if (!la_is_canonical(v)) {
            return false;
        }
        if (msr == MSR_IA32_SYSENTER_ESP) {
            env->sysenter_esp = v;
        } else {
            env->sysenter_eip = v;
        }
        return true;
    case MSR_IA32_MISC_ENABLE:
        env->misc_enable = v;
        return true;
    case MSR_IA32_FEATURE_CONTROL:
        /* SDM Vol.4 table 2-2: writes #GP once locked; the VMX, SMX, SGX
         * and LMCE enables need features no model offers, so only the
         * lock bit may be set (Linux's init_ia32_feat_ctl locks it) */
        if ((env->feature_control & 1) || (v & ~1ull)) {
            return false;
        }
        env->feature_control = v;
        return true;
    case MSR_IA32_PAT:
        if (!pat_valid(v)) {
            return false;
        }
        env->pat = v;
        return true;
    case MSR_EFER: {
        /* each bit exists only with its CPUID feature (a 32-bit model
         * such as qemu32 has none of them) */
        uint32_t ext = cpu_model(env)->features[FEAT_8000_0001_EDX];
        uint64_t writable = ((ext & CPUID_EXT2_SYSCALL) ? EFER_SCE : 0) |
                            ((ext & CPUID_EXT2_LM) ? EFER_LME : 0) |
                            ((ext & CPUID_EXT2_NX) ? EFER_NXE : 0);
        if (v & ~(writable | EFER_LMA)) {
            return false;
        }
        /* LME may not change while paging is on (SDM Vol.3 10.8.5) */
        if ((env->cr[0] & CR0_PG) && ((v ^ env->efer) & EFER_LME)) {
            return false;
        }
        uint64_t old = env->efer;
        env->efer = (v & writable) | (env->efer & EFER_LMA);  /* LMA is read-only */
        if ((old ^ env->efer) & EFER_NXE) {
            mmu_tlb_flush(env);
        }
        cpu_update_mode(env);
        return true;
    }
    case MSR_STAR:   env->star = v; return true;
    case MSR_LSTAR:
    case MSR_CSTAR:
        if (!la_is_canonical(v)) {
            return false;
        }
        if (msr == MSR_LSTAR) {
            env->lstar = v;
        } else {
            env->cstar = v;
        }
        return true;
    case MSR_FMASK:  env->fmask = v & 0xffffffffu; return true;
    case MSR_FSBASE:
    case MSR_GSBASE:
    case MSR_KERNELGSBASE:
        if (!la_is_canonical(v)) {
            return false;
        }
        if (msr == MSR_FSBASE) {
            env->segs[R_FS].base = v;
        } else if (msr == MSR_GSBASE) {
            env->segs[R_GS].base = v;
        } else {
            env->kernel_gs_base = v;
        }
        return true;
    case MSR_TSC_AUX:
        if (v >> 32) {
            return false;
        }
        env->tsc_aux = v;
        return true;
    case MSR_IA32_P5_MC_ADDR:
    case MSR_IA32_P5_MC_TYPE:
    case MSR_IA32_BIOS_SIGN_ID:
        return true;
    case MSR_AMD_HWCR:
    case MSR_AMD64_NB_CFG:
    case MSR_AMD64_LS_CFG: {
        uint64_t *kept = amd_kept_msr(env, msr);
        if (!kept) {
            return false;
        }
        *kept = v;
        return true;
    }
    case MSR_K8_INT_PENDING_MSG:
        return x86_model_is_amd(cpu_model(env)); /* C1E stays off */
    default:
        log_mask_printf(LOG_UNIMP, "wrmsr of unknown MSR 0x%x <- 0x%llx\n", msr,
                        (unsigned long long)v);
        return false;
    }
}

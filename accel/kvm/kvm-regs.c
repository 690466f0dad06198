/*
 * accel/kvm/kvm-regs.c - moving the vCPU state between CPUX86State and KVM.
 *
 * Design: CPUX86State is the one architectural view (target/i386/cpu.h);
 * KVM holds the live copy while the vCPU runs.  get_state fills env from
 * KVM_GET_REGS/SREGS/MSRS (+ DEBUGREGS, VCPU_EVENTS for the interrupt
 * shadow), put_state does the reverse.  Both are called only while the vCPU
 * is out of KVM_RUN (by its own thread, or by the generic code while it is
 * stopped).
 *
 * Segment attributes: SegmentCache.flags keeps the descriptor's high dword
 * bits in place (DESC_*), kvm_segment has them as separate fields with the
 * same meaning (api.rst, struct kvm_segment; SDM Vol.3 3.4.5), and both
 * hold the byte-granular limit.  A segment KVM calls "unusable" (a null
 * selector loaded in protected mode, SDM Vol.3 24.4.1) is represented here
 * with P clear, and vice versa.
 *
 * Pending external interrupt: sregs.interrupt_bitmap reports an interrupt
 * KVM has accepted (KVM_INTERRUPT) but not yet delivered.  KVM_SET_SREGS
 * only queues one when a bit is set and keeps the queued one otherwise, so
 * put_state passes an empty bitmap and never loses or duplicates it.
 *
 * x87, SSE and AVX state and XCR0: KVM_GET/SET_XSAVE (the standard-format
 * image, api.rst struct kvm_xsave; target/i386/xsave.c converts) and
 * KVM_GET/SET_XCRS, so the interpreter's view (CPUX86State.x87, .xcr0) is
 * KVM's.  put_state rewrites only components 0-2 of the image it read, so
 * state emu86 does not model (AVX-512, PKRU under -cpu host) survives.
 * Hosts without KVM_CAP_XSAVE fall back to KVM_GET/SET_FPU (no YMM).
 *
 * Reset: CPUX86State has no event queue, and KVM keeps it across
 * KVM_SET_REGS/SREGS.  So when put_state loads a reset (after
 * KVM_EXIT_SHUTDOWN or a machine reset request, or when env holds the
 * power-on/INIT signature CS:IP = F000:FFF0 with CR0.PE clear) it also
 * drops queued exceptions, interrupts and NMIs (SDM Vol.3 9.1.1), and
 * turns off the KVM paravirtual clock so KVM stops writing into memory the
 * next boot owns.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <asm/kvm_para.h>

#include "accel/kvm/kvm-int.h"
#include "hw/machine.h"
#include "system/sysemu.h"
#include "target/i386/cpu.h"
#include "target/i386/xsave.h"

/* The guest TSC as the CPU model computes it.  Weak so the accelerator
 * still links while target/i386/msr.c is absent; cpu.c's reset sets
 * tsc_offset = -clock_ns(), i.e. a 1 GHz counter, used as the fallback. */
extern uint64_t cpu_rdtsc(CPUX86State *env) __attribute__((weak));

static uint64_t env_tsc(CPUX86State *env)
{
    if (cpu_rdtsc) {
        return cpu_rdtsc(env);
    }
    return (uint64_t)(clock_ns() + env->tsc_offset);
}

#define APIC_BASE_EN (1ull << 11) /* IA32_APIC_BASE global enable */

/* ---- segments ---- */

static void seg_to_kvm(struct kvm_segment *k, const SegmentCache *sc)
{
    uint32_t f = sc->flags;
    memset(k, 0, sizeof(*k));
    k->base = sc->base;
    k->limit = sc->limit;
    k->selector = sc->selector;
    k->type = (f >> DESC_TYPE_SHIFT) & 15;
    k->s = (f & DESC_S_MASK) != 0;
    k->dpl = (f & DESC_DPL_MASK) >> DESC_DPL_SHIFT;
    k->present = (f & DESC_P_MASK) != 0;
    k->avl = (f & DESC_AVL_MASK) != 0;
    k->l = (f & DESC_L_MASK) != 0;
    k->db = (f & DESC_B_MASK) != 0;
    k->g = (f & DESC_G_MASK) != 0;
    k->unusable = !k->present;
}

static void seg_from_kvm(SegmentCache *sc, const struct kvm_segment *k)
{
    sc->base = k->base;
    sc->limit = k->limit;
    sc->selector = k->selector;
    sc->flags = ((uint32_t)(k->type & 15) << DESC_TYPE_SHIFT) |
                (k->s ? DESC_S_MASK : 0) |
                ((uint32_t)(k->dpl & 3) << DESC_DPL_SHIFT) |
                (k->present && !k->unusable ? DESC_P_MASK : 0) |
                (k->avl ? DESC_AVL_MASK : 0) |
                (k->l ? DESC_L_MASK : 0) |
                (k->db ? DESC_B_MASK : 0) |
                (k->g ? DESC_G_MASK : 0);
}

/* Real mode (CR0.PE=0) has no descriptors, but VM entry still checks the
 * hidden attributes (SDM Vol.3 26.3.1.2).  If the generic code left them
 * empty, give them the values a real-mode load produces: present,
 * accessed read/write data (code for CS), DPL 0 (3 in virtual-8086 mode). */
static void seg_fix_real_mode(struct kvm_segment *k, bool is_cs, bool vm86)
{
    if (k->present) {
        return;
    }
    k->present = 1;
    k->unusable = 0;
    k->s = 1;
    k->type = is_cs ? 0xb : 0x3;
    k->dpl = vm86 ? 3 : 0;
    if (!k->limit) {
        k->limit = 0xffff;
    }
}

/* ---- MSRs ---- */

/* Candidates in the order the state is transferred.  Each is kept only if
 * KVM_GET_MSR_INDEX_LIST lists it. */
static const uint32_t kvm_state_msr_candidates[] = {
    MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
    MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_FMASK, MSR_KERNELGSBASE,
    MSR_IA32_PAT, MSR_IA32_TSC, MSR_TSC_AUX, MSR_IA32_MISC_ENABLE,
};

void kvm_arch_init_msr_list(KvmState *s)
{
    struct kvm_msr_list probe = { .nmsrs = 0 };
    uint32_t n = 0;
    struct kvm_msr_list *list = NULL;

    s->nr_msrs = 0;
    /* api.rst: with too small an nmsrs, KVM_GET_MSR_INDEX_LIST fails with
     * E2BIG and sets nmsrs to the needed count. */
    if (ioctl(s->sys_fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 && errno == E2BIG) {
        n = probe.nmsrs;
        list = calloc(1, sizeof(*list) + n * sizeof(uint32_t));
        if (list) {
            list->nmsrs = n;
            if (ioctl(s->sys_fd, KVM_GET_MSR_INDEX_LIST, list) < 0) {
                free(list);
                list = NULL;
            }
        }
    }
    for (size_t i = 0; i < sizeof(kvm_state_msr_candidates) / sizeof(uint32_t); i++) {
        uint32_t msr = kvm_state_msr_candidates[i];
        bool ok = !list; /* no list: try them all (kvm_msrs_each skips refusals) */
        for (uint32_t j = 0; list && j < list->nmsrs; j++) {
            if (list->indices[j] == msr) {
                ok = true;
                break;
            }
        }
        /* KVM virtualises PAT and MISC_ENABLE itself on every host, but
         * older kernels leave them out of the index list. */
        if (msr == MSR_IA32_PAT || msr == MSR_IA32_MISC_ENABLE) {
            ok = true;
        }
        if (ok && s->nr_msrs < KVM_MAX_STATE_MSRS) {
            s->msrs[s->nr_msrs++] = msr;
        }
    }
    free(list);
    /* The MTRRs: KVM emulates them for every guest whose CPUID has MTRR
     * but does not list them; firmware's (x86_boot's) setup must reach
     * KVM and the guest's changes must come back. */
    static const uint32_t mtrr_fixed[] = {
        MSR_MTRR_DEF_TYPE, MSR_MTRR_FIX64K, MSR_MTRR_FIX16K_80000, MSR_MTRR_FIX16K_A0000,
    };
    for (size_t i = 0; i < sizeof(mtrr_fixed) / sizeof(mtrr_fixed[0]); i++) {
        s->msrs[s->nr_msrs++] = mtrr_fixed[i];
    }
    for (uint32_t i = 0; i < 8; i++) {
        s->msrs[s->nr_msrs++] = MSR_MTRR_FIX4K_C0000 + i;
    }
    for (uint32_t i = 0; i < 2 * MTRR_VCNT; i++) {
        s->msrs[s->nr_msrs++] = MSR_MTRR_PHYSBASE0 + i;
    }
}

typedef struct {
    struct kvm_msrs hdr;
    struct kvm_msr_entry entries[KVM_MAX_STATE_MSRS];
} KvmMsrBuf;

/* KVM_GET_MSRS / KVM_SET_MSRS on entries[0..n): they stop at the first MSR
 * KVM refuses and return how many they processed (api.rst), so report that
 * one (its entry gets index 0 afterwards, meaning "not transferred") and go
 * on with the rest.  Returns -1 if the ioctl itself failed. */
static int kvm_msrs_each(KvmVcpu *kv, unsigned long req, struct kvm_msr_entry *entries, int n)
{
    const char *name = req == KVM_GET_MSRS ? "KVM_GET_MSRS" : "KVM_SET_MSRS";
    int done = 0;
    while (done < n) {
        KvmMsrBuf tmp;
        memset(&tmp.hdr, 0, sizeof(tmp.hdr));
        memcpy(tmp.entries, &entries[done], (n - done) * sizeof(tmp.entries[0]));
        tmp.hdr.nmsrs = n - done;
        int r = ioctl(kv->fd, req, &tmp);
        if (r < 0) {
            kvm_report("%s failed: %s", name, strerror(errno));
            for (int i = done; i < n; i++) {
                entries[i].index = 0;
            }
            return -1;
        }
        memcpy(&entries[done], tmp.entries, r * sizeof(tmp.entries[0]));
        done += r;
        if (done < n) {
            kvm_report("%s refused MSR 0x%x", name, entries[done].index);
            entries[done].index = 0;
            done++;
        }
    }
    return 0;
}

static uint64_t *env_msr_field(CPUX86State *env, uint32_t msr)
{
    switch (msr) {
    case MSR_IA32_SYSENTER_CS: return &env->sysenter_cs;
    case MSR_IA32_SYSENTER_ESP: return &env->sysenter_esp;
    case MSR_IA32_SYSENTER_EIP: return &env->sysenter_eip;
    case MSR_STAR: return &env->star;
    case MSR_LSTAR: return &env->lstar;
    case MSR_CSTAR: return &env->cstar;
    case MSR_FMASK: return &env->fmask;
    case MSR_KERNELGSBASE: return &env->kernel_gs_base;
    case MSR_IA32_PAT: return &env->pat;
    case MSR_TSC_AUX: return &env->tsc_aux;
    case MSR_IA32_MISC_ENABLE: return &env->misc_enable;
    case MSR_MTRR_DEF_TYPE: return &env->mtrr.deftype;
    case MSR_MTRR_FIX64K: return &env->mtrr.fixed[0];
    case MSR_MTRR_FIX16K_80000: return &env->mtrr.fixed[1];
    case MSR_MTRR_FIX16K_A0000: return &env->mtrr.fixed[2];
    default:
        if (msr >= MSR_MTRR_FIX4K_C0000 && msr < MSR_MTRR_FIX4K_C0000 + 8) {
            return &env->mtrr.fixed[3 + msr - MSR_MTRR_FIX4K_C0000];
        }
        if (msr >= MSR_MTRR_PHYSBASE0 && msr < MSR_MTRR_PHYSBASE0 + 2 * MTRR_VCNT) {
            unsigned n = msr - MSR_MTRR_PHYSBASE0;
            return &env->mtrr.var[n / 2][n & 1];
        }
        return NULL;
    }
}

/* ---- x87 / SSE / AVX state and XCR0 ---- */

static void kvm_get_vector_state(KvmVcpu *kv, CPUX86State *env)
{
    if (kvm_state.xsave) {
        struct kvm_xsave xs;
        if (kvm_vcpu_ioctl_checked(kv, KVM_GET_XSAVE, &xs, "KVM_GET_XSAVE") == 0) {
            xsave_from_image(env, (const uint8_t *)xs.region);
        }
    } else {
        /* struct kvm_fpu: the FXSAVE fields one by one (api.rst) */
        struct kvm_fpu fpu;
        if (kvm_vcpu_ioctl_checked(kv, KVM_GET_FPU, &fpu, "KVM_GET_FPU") == 0) {
            uint8_t img[XSAVE_YMM_OFF + XSAVE_YMM_SIZE];
            xsave_to_image(env, img);           /* keeps YMM_H */
            memset(img, 0, 160);
            memcpy(img + 0, &fpu.fcw, 2);
            memcpy(img + 2, &fpu.fsw, 2);
            img[4] = fpu.ftwx;
            memcpy(img + 6, &fpu.last_opcode, 2);
            memcpy(img + 8, &fpu.last_ip, 8);
            memcpy(img + 16, &fpu.last_dp, 8);
            memcpy(img + 24, &fpu.mxcsr, 4);
            memcpy(img + 32, fpu.fpr, sizeof(fpu.fpr));
            memcpy(img + 160, fpu.xmm, sizeof(fpu.xmm));
            xsave_from_image(env, img);
        }
    }
    if (kvm_state.xcrs) {
        struct kvm_xcrs xcrs;
        if (kvm_vcpu_ioctl_checked(kv, KVM_GET_XCRS, &xcrs, "KVM_GET_XCRS") == 0) {
            for (uint32_t i = 0; i < xcrs.nr_xcrs && i < KVM_MAX_XCRS; i++) {
                if (xcrs.xcrs[i].xcr == 0) {
                    env->xcr0 = xcrs.xcrs[i].value;
                }
            }
        }
    }
}

static int kvm_put_vector_state(KvmVcpu *kv, const CPUX86State *env)
{
    int ret = 0;
    /* XCR0 first: KVM_SET_XSAVE then sees the components enabled */
    if (kvm_state.xcrs) {
        struct kvm_xcrs xcrs;
        memset(&xcrs, 0, sizeof(xcrs));
        xcrs.nr_xcrs = 1;
        xcrs.xcrs[0].xcr = 0;
        xcrs.xcrs[0].value = env->xcr0;
        if (kvm_vcpu_ioctl_checked(kv, KVM_SET_XCRS, &xcrs, "KVM_SET_XCRS") < 0) {
            ret = -1;
        }
    }
    uint8_t img[XSAVE_YMM_OFF + XSAVE_YMM_SIZE];
    xsave_to_image(env, img);
    if (kvm_state.xsave) {
        static const uint64_t ours = XSTATE_X87 | XSTATE_SSE | XSTATE_YMM;
        struct kvm_xsave xs;
        uint8_t *r = (uint8_t *)xs.region;
        if (kvm_vcpu_ioctl_checked(kv, KVM_GET_XSAVE, &xs, "KVM_GET_XSAVE") < 0) {
            memset(&xs, 0, sizeof(xs));
        }
        uint64_t bv, mine;
        memcpy(&bv, r + XSAVE_HDR_OFF, 8);
        memcpy(&mine, img + XSAVE_HDR_OFF, 8);
        memcpy(r, img, 416);                      /* legacy region up to XMM15 */
        memcpy(r + XSAVE_YMM_OFF, img + XSAVE_YMM_OFF, XSAVE_YMM_SIZE);
        bv = (bv & ~ours) | mine;
        memcpy(r + XSAVE_HDR_OFF, &bv, 8);
        if (kvm_vcpu_ioctl_checked(kv, KVM_SET_XSAVE, &xs, "KVM_SET_XSAVE") < 0) {
            ret = -1;
        }
    } else {
        struct kvm_fpu fpu;
        memset(&fpu, 0, sizeof(fpu));
        memcpy(&fpu.fcw, img + 0, 2);
        memcpy(&fpu.fsw, img + 2, 2);
        fpu.ftwx = img[4];
        memcpy(&fpu.last_opcode, img + 6, 2);
        memcpy(&fpu.last_ip, img + 8, 8);
        memcpy(&fpu.last_dp, img + 16, 8);
        memcpy(&fpu.mxcsr, img + 24, 4);
        memcpy(fpu.fpr, img + 32, sizeof(fpu.fpr));
        memcpy(fpu.xmm, img + 160, sizeof(fpu.xmm));
        if (kvm_vcpu_ioctl_checked(kv, KVM_SET_FPU, &fpu, "KVM_SET_FPU") < 0) {
            ret = -1;
        }
    }
    return ret;
}

/* ---- get ---- */

void kvm_arch_get_state(X86CPU *cpu)
{
    KvmVcpu *kv = cpu->accel_state;
    CPUX86State *env = &cpu->env;
    struct kvm_regs regs;
    struct kvm_sregs sregs;

    if (kvm_vcpu_ioctl_checked(kv, KVM_GET_REGS, &regs, "KVM_GET_REGS") == 0) {
        env->regs[R_EAX] = regs.rax;
        env->regs[R_ECX] = regs.rcx;
        env->regs[R_EDX] = regs.rdx;
        env->regs[R_EBX] = regs.rbx;
        env->regs[R_ESP] = regs.rsp;
        env->regs[R_EBP] = regs.rbp;
        env->regs[R_ESI] = regs.rsi;
        env->regs[R_EDI] = regs.rdi;
        env->regs[R_R8] = regs.r8;
        env->regs[R_R9] = regs.r9;
        env->regs[R_R10] = regs.r10;
        env->regs[R_R11] = regs.r11;
        env->regs[R_R12] = regs.r12;
        env->regs[R_R13] = regs.r13;
        env->regs[R_R14] = regs.r14;
        env->regs[R_R15] = regs.r15;
        env->rip = regs.rip;
        env->next_rip = regs.rip;
        /* Lazy flags: let the CPU model materialize them its own way. */
        cpu_set_eflags(env, regs.rflags | EFLAGS_FIXED1, ~0ull);
    }

    if (kvm_vcpu_ioctl_checked(kv, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS") == 0) {
        seg_from_kvm(&env->segs[R_ES], &sregs.es);
        seg_from_kvm(&env->segs[R_CS], &sregs.cs);
        seg_from_kvm(&env->segs[R_SS], &sregs.ss);
        seg_from_kvm(&env->segs[R_DS], &sregs.ds);
        seg_from_kvm(&env->segs[R_FS], &sregs.fs);
        seg_from_kvm(&env->segs[R_GS], &sregs.gs);
        seg_from_kvm(&env->ldt, &sregs.ldt);
        seg_from_kvm(&env->tr, &sregs.tr);
        env->gdt.base = sregs.gdt.base;
        env->gdt.limit = sregs.gdt.limit;
        env->idt.base = sregs.idt.base;
        env->idt.limit = sregs.idt.limit;
        env->cr[0] = sregs.cr0;
        env->cr[2] = sregs.cr2;
        env->cr[3] = sregs.cr3;
        env->cr[4] = sregs.cr4;
        env->cr8 = sregs.cr8;
        env->efer = sregs.efer;
        /* EN stays as the CPU model has it (see kvm_arch_put_state). */
        env->apic_base = (sregs.apic_base & ~APIC_BASE_EN) | (env->apic_base & APIC_BASE_EN);
    }

    if (kvm_state.nr_msrs) {
        KvmMsrBuf buf;
        memset(&buf, 0, sizeof(buf));
        for (int i = 0; i < kvm_state.nr_msrs; i++) {
            buf.entries[i].index = kvm_state.msrs[i];
        }
        int n = kvm_state.nr_msrs;
        kvm_msrs_each(kv, KVM_GET_MSRS, buf.entries, n);
        for (int i = 0; i < n; i++) {
            uint32_t msr = buf.entries[i].index;
            uint64_t *field = env_msr_field(env, msr);
            if (field) {
                *field = buf.entries[i].data;
            } else if (msr == MSR_IA32_TSC) {
                /* Keep env's TSC model in step: offset such that the CPU
                 * model's TSC now reads as KVM's guest TSC. */
                env->tsc_offset += (int64_t)(buf.entries[i].data - env_tsc(env));
                kv->tsc_offset_synced = env->tsc_offset;
                kv->tsc_synced = true;
            }
        }
    }

    if (kvm_state.debugregs) {
        struct kvm_debugregs dbg;
        if (ioctl(kv->fd, KVM_GET_DEBUGREGS, &dbg) == 0) {
            for (int i = 0; i < 4; i++) {
                env->dr[i] = dbg.db[i];
            }
            env->dr[6] = dbg.dr6;
            env->dr[7] = dbg.dr7;
        }
    }

    kvm_get_vector_state(kv, env);

    if (kvm_state.vcpu_events) {
        struct kvm_vcpu_events ev;
        if (ioctl(kv->fd, KVM_GET_VCPU_EVENTS, &ev) == 0) {
            env->inhibit_irq = (ev.interrupt.shadow &
                                (KVM_X86_SHADOW_INT_MOV_SS | KVM_X86_SHADOW_INT_STI)) != 0;
        }
    }

    cpu_update_mode(env);
}

/* ---- put ---- */

static bool env_is_reset_state(const CPUX86State *env)
{
    return !(env->cr[0] & CR0_PE) && env->rip == 0xfff0 &&
           env->segs[R_CS].selector == 0xf000 && env->segs[R_CS].base == 0xffff0000u;
}

static void kvm_put_reset_extras(KvmVcpu *kv)
{
    /* (x87/SSE/AVX and XCR0 come from env: kvm_put_vector_state) */
    if (kvm_state.vcpu_events) {
        struct kvm_vcpu_events ev;
        memset(&ev, 0, sizeof(ev));
        ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW;
        kvm_vcpu_ioctl_checked(kv, KVM_SET_VCPU_EVENTS, &ev, "KVM_SET_VCPU_EVENTS");
    }

    /* kvmclock off (Documentation/virt/kvm/x86/msr.rst: bit 0 enables).
     * A host without them refuses the write: nothing to turn off then. */
    struct {
        struct kvm_msrs hdr;
        struct kvm_msr_entry e[2];
    } msrs;
    memset(&msrs, 0, sizeof(msrs));
    msrs.hdr.nmsrs = 2;
    msrs.e[0].index = MSR_KVM_SYSTEM_TIME_NEW;
    msrs.e[1].index = MSR_KVM_SYSTEM_TIME;
    if (ioctl(kv->fd, KVM_SET_MSRS, &msrs) < 0) {
        kvm_report("KVM_SET_MSRS (kvmclock reset) failed: %s", strerror(errno));
    }
}

int kvm_arch_put_state(X86CPU *cpu)
{
    int ret = 0;
    KvmVcpu *kv = cpu->accel_state;
    CPUX86State *env = &cpu->env;
    struct kvm_regs regs;
    struct kvm_sregs sregs;

    memset(&regs, 0, sizeof(regs));
    regs.rax = env->regs[R_EAX];
    regs.rcx = env->regs[R_ECX];
    regs.rdx = env->regs[R_EDX];
    regs.rbx = env->regs[R_EBX];
    regs.rsp = env->regs[R_ESP];
    regs.rbp = env->regs[R_EBP];
    regs.rsi = env->regs[R_ESI];
    regs.rdi = env->regs[R_EDI];
    regs.r8 = env->regs[R_R8];
    regs.r9 = env->regs[R_R9];
    regs.r10 = env->regs[R_R10];
    regs.r11 = env->regs[R_R11];
    regs.r12 = env->regs[R_R12];
    regs.r13 = env->regs[R_R13];
    regs.r14 = env->regs[R_R14];
    regs.r15 = env->regs[R_R15];
    regs.rip = env->rip;
    regs.rflags = cpu_get_eflags(env) | EFLAGS_FIXED1;
    if (kvm_vcpu_ioctl_checked(kv, KVM_SET_REGS, &regs, "KVM_SET_REGS") < 0) {
        ret = -1;
    }

    memset(&sregs, 0, sizeof(sregs));
    seg_to_kvm(&sregs.es, &env->segs[R_ES]);
    seg_to_kvm(&sregs.cs, &env->segs[R_CS]);
    seg_to_kvm(&sregs.ss, &env->segs[R_SS]);
    seg_to_kvm(&sregs.ds, &env->segs[R_DS]);
    seg_to_kvm(&sregs.fs, &env->segs[R_FS]);
    seg_to_kvm(&sregs.gs, &env->segs[R_GS]);
    seg_to_kvm(&sregs.ldt, &env->ldt);
    seg_to_kvm(&sregs.tr, &env->tr);
    if (!(env->cr[0] & CR0_PE)) {
        struct kvm_segment *segs[] = { &sregs.es, &sregs.cs, &sregs.ss,
                                       &sregs.ds, &sregs.fs, &sregs.gs };
        for (int i = 0; i < 6; i++) {
            seg_fix_real_mode(segs[i], i == R_CS, false);
        }
    }
    /* VM entry wants TR to be a busy TSS (SDM Vol.3 26.3.1.2), also in
     * real mode; the power-on state (SDM Vol.3 9.1.1) is "present, R/W",
     * which KVM would refuse. */
    if (sregs.tr.s || (sregs.tr.type != 3 && sregs.tr.type != 11)) {
        sregs.tr.s = 0;
        sregs.tr.type = 11;
    }
    sregs.tr.present = 1;
    sregs.tr.unusable = 0;
    if (!sregs.ldt.selector && !(env->ldt.flags & DESC_P_MASK)) {
        sregs.ldt.unusable = 1;
    } else if (!sregs.ldt.unusable) {
        sregs.ldt.s = 0;
        sregs.ldt.type = 2;
    }
    sregs.gdt.base = env->gdt.base;
    sregs.gdt.limit = env->gdt.limit;
    sregs.idt.base = env->idt.base;
    sregs.idt.limit = env->idt.limit;
    sregs.cr0 = env->cr[0];
    sregs.cr2 = env->cr[2];
    sregs.cr3 = env->cr[3];
    sregs.cr4 = env->cr[4];
    sregs.cr8 = env->cr8;
    sregs.efer = env->efer;
    /* The machine has no local APIC.  KVM derives CPUID.1:EDX.APIC from
     * IA32_APIC_BASE.EN at run time, so EN goes to KVM cleared: the guest
     * then sees no APIC, as under the interpreter. */
    sregs.apic_base = env->apic_base & ~APIC_BASE_EN;
    /* interrupt_bitmap stays empty: see the design note. */
    if (kvm_vcpu_ioctl_checked(kv, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS") < 0) {
        ret = -1;
    }

    if (kvm_state.nr_msrs) {
        KvmMsrBuf buf;
        int n = 0;
        memset(&buf, 0, sizeof(buf));
        for (int i = 0; i < kvm_state.nr_msrs; i++) {
            uint32_t msr = kvm_state.msrs[i];
            uint64_t *field = env_msr_field(env, msr);
            if (field) {
                buf.entries[n].index = msr;
                buf.entries[n].data = *field;
                n++;
            } else if (msr == MSR_IA32_TSC &&
                       (!kv->tsc_synced || kv->tsc_offset_synced != env->tsc_offset)) {
                /* Only when the generic code moved the TSC (reset):
                 * rewriting it on every put would make it jump. */
                buf.entries[n].index = msr;
                buf.entries[n].data = env_tsc(env);
                n++;
                kv->tsc_offset_synced = env->tsc_offset;
                kv->tsc_synced = true;
            }
        }
        if (kvm_msrs_each(kv, KVM_SET_MSRS, buf.entries, n) < 0) {
            ret = -1;
        }
    }

    if (kvm_state.debugregs) {
        struct kvm_debugregs dbg;
        memset(&dbg, 0, sizeof(dbg));
        for (int i = 0; i < 4; i++) {
            dbg.db[i] = env->dr[i];
        }
        /* Architectural fixed bits (SDM Vol.3 17.2.3/17.2.4); KVM rejects
         * values with the reserved upper half set. */
        dbg.dr6 = (uint32_t)env->dr[6] | 0xffff0ff0u;
        dbg.dr7 = ((uint32_t)env->dr[7] | 0x400u);
        kvm_vcpu_ioctl_checked(kv, KVM_SET_DEBUGREGS, &dbg, "KVM_SET_DEBUGREGS");
    }

    if (kvm_put_vector_state(kv, env) < 0) {
        ret = -1;
    }

    if (kv->reset_pending || env_is_reset_state(env)) {
        kvm_put_reset_extras(kv);
        kv->reset_pending = false;
    }

    /* RFLAGS may have changed: the if_flag of the last exit is stale. */
    kv->run_flags_valid = false;
    return ret;
}

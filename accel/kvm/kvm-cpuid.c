/*
 * accel/kvm/kvm-cpuid.c - the CPUID table a KVM vCPU reports.
 *
 * Design: KVM does not invent CPUID values; userspace hands it a table with
 * KVM_SET_CPUID2 (api.rst), normally derived from KVM_GET_SUPPORTED_CPUID,
 * which lists what the host and KVM can virtualize.  For now the table is
 * that list with a few corrections for our machine (hypervisor bit, APIC
 * IDs, no local APIC: the machine has none and KVM's in-kernel LAPIC is
 * not created).
 * kvm_cpuid_apply_model() is the single place where the -cpu model
 * (target/i386/cpuid.c) will later be intersected with it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "accel/kvm/kvm-int.h"
#include "hw/machine.h"
#include "target/i386/cpu.h"

#define CPUID_1_EDX_APIC         (1u << 9)
#define CPUID_80000001_EDX_APIC  (1u << 9)  /* AMD's copy of the bit */
#define CPUID_1_ECX_X2APIC       (1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_ECX_HYPERVISOR   (1u << 31)

/* KVM paravirtual features (leaf 0x40000001 EAX, Documentation/virt/kvm/
 * x86/cpuid.rst) that work without an in-kernel irqchip: the clock
 * sources and the no-op I/O delay.  PV EOI, PV unhalt, PV IPIs, async PF
 * interrupts ... all assume KVM's LAPIC. */
#define KVM_PV_KEEP ((1u << 0) | (1u << 1) | (1u << 3) | (1u << 24))

static struct kvm_cpuid2 *kvm_get_supported_cpuid(int sys_fd, char *err, size_t len)
{
    /* api.rst KVM_GET_SUPPORTED_CPUID: E2BIG when nent is too small. */
    for (unsigned nent = 64; nent <= 4096; nent *= 2) {
        struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(struct kvm_cpuid_entry2));
        if (!c) {
            snprintf(err, len, "kvm: out of memory");
            return NULL;
        }
        c->nent = nent;
        if (ioctl(sys_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
            return c;
        }
        int e = errno;
        free(c);
        if (e != E2BIG) {
            snprintf(err, len, "kvm: KVM_GET_SUPPORTED_CPUID failed: %s", strerror(e));
            return NULL;
        }
    }
    snprintf(err, len, "kvm: KVM_GET_SUPPORTED_CPUID: too many entries");
    return NULL;
}

/*
 * Make the host-supported table into what this vCPU reports.  Today: the
 * host list as is, plus per-vCPU and machine-level corrections.  Later
 * (the -cpu model issue): intersect each leaf with env->model's values so
 * the guest sees the same CPU under KVM and TCG.
 */
void kvm_cpuid_apply_model(X86CPU *cpu, struct kvm_cpuid2 *c)
{
    uint32_t apic_id = (uint32_t)cpu->index;
    for (uint32_t i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];
        switch (e->function) {
        case 1:
            e->ecx |= CPUID_1_ECX_HYPERVISOR;
            /* The machine has no local APIC (no device model, no
             * in-kernel LAPIC): no APIC, x2APIC or TSC-deadline timer,
             * as the interpreter's CPU model reports. */
            e->edx &= ~CPUID_1_EDX_APIC;
            e->ecx &= ~(CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE);
            e->ebx = (e->ebx & 0x00ffffffu) | (apic_id << 24);
            break;
        case 0xb:
        case 0x1f:
            e->edx = apic_id; /* x2APIC ID of this logical processor */
            break;
        case 0x80000001:
            e->edx &= ~CPUID_80000001_EDX_APIC;
            break;
        case 0x40000001:
            e->eax &= KVM_PV_KEEP;
            break;
        default:
            break;
        }
    }
}

int kvm_cpuid_setup(KvmVcpu *kv, char *err, size_t len)
{
    struct kvm_cpuid2 *c = kvm_get_supported_cpuid(kvm_state.sys_fd, err, len);
    if (!c) {
        return -1;
    }
    kvm_cpuid_apply_model(kv->cpu, c);
    int r;
    do {
        r = ioctl(kv->fd, KVM_SET_CPUID2, c);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        snprintf(err, len, "kvm: KVM_SET_CPUID2 failed: %s", strerror(errno));
    }
    free(c);
    return r < 0 ? -1 : 0;
}

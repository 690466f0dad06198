/*
 * accel/kvm/kvm-cpuid.c - the CPUID table a KVM vCPU reports.
 *
 * Design: KVM does not invent CPUID values; userspace hands it a table with
 * KVM_SET_CPUID2 (api.rst), normally derived from KVM_GET_SUPPORTED_CPUID,
 * which lists what the host and KVM can virtualize.  kvm_cpuid_build()
 * intersects it with the -cpu model (target/i386/cpuid.c): the one place
 * that decides what a KVM guest sees.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "accel/kvm/kvm-int.h"
#include "hw/machine.h"
#include "target/i386/cpu.h"
#include "target/i386/cpuid.h"
#include "target/i386/seg.h"

#define CPUID_1_EDX_APIC         (1u << 9)
#define CPUID_80000001_EDX_APIC  (1u << 9)  /* AMD's copy of the bit */
#define CPUID_1_ECX_X2APIC       (1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_ECX_HYPERVISOR   (1u << 31)
#define MCG_CTL_P_BIT            (1ull << 8)

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

/* Where each model feature word lives in the CPUID table. */
static const struct {
    uint32_t function, index;
    int reg;            /* 0 = EAX, 1 = EBX, 2 = ECX, 3 = EDX */
    FeatureWord word;
} feature_regs[] = {
    { 1, 0, 3, FEAT_1_EDX },
    { 1, 0, 2, FEAT_1_ECX },
    { 6, 0, 0, FEAT_6_EAX },
    { 7, 0, 1, FEAT_7_0_EBX },
    { 7, 0, 2, FEAT_7_0_ECX },
    { 7, 0, 3, FEAT_7_0_EDX },
    { 7, 1, 0, FEAT_7_1_EAX },
    { 0xd, 1, 0, FEAT_D_1_EAX },
    { 0x80000001, 0, 3, FEAT_8000_0001_EDX },
    { 0x80000001, 0, 2, FEAT_8000_0001_ECX },
    { 0x80000007, 0, 3, FEAT_8000_0007_EDX },
    { 0x80000008, 0, 1, FEAT_8000_0008_EBX },
};

static uint32_t *entry_reg(struct kvm_cpuid_entry2 *e, int reg)
{
    return reg == 0 ? &e->eax : reg == 1 ? &e->ebx : reg == 2 ? &e->ecx : &e->edx;
}

const struct kvm_cpuid_entry2 *kvm_cpuid_find_entry(const struct kvm_cpuid2 *c,
                                                    uint32_t function, uint32_t index)
{
    for (uint32_t i = 0; i < c->nent; i++) {
        const struct kvm_cpuid_entry2 *e = &c->entries[i];
        if (e->function == function &&
            (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == index)) {
            return e;
        }
    }
    return NULL;
}

/* Subleaves the model's leaves have (the others are read with ECX = 0). */
static unsigned nr_subleaves(uint32_t function)
{
    switch (function) {
    case 7: return 2;
    case 0xb: return 3;
    case 0xd: return 64;
    default: return 1;
    }
}

static void add_entry(struct kvm_cpuid2 *t, uint32_t cap, const struct kvm_cpuid_entry2 *e)
{
    if (t->nent < cap) {
        t->entries[t->nent++] = *e;
    }
}

/*
 * The table this vCPU reports.  `host` and `max` are what KVM supports
 * (QEMU's meaning of both under KVM) minus the features a "-feat" flag
 * removed.  Any other model is the interpreter's
 * CPUID for that model (cpu_cpuid(), so the guest sees the same CPU under
 * both accelerators), with every feature word ANDed with KVM's: a feature
 * the host cannot virtualize is not offered.  KVM's own paravirtual leaves
 * (0x40000000...) are kept in both cases.  Machine corrections follow:
 * hypervisor bit, per-vCPU APIC IDs, no x2APIC or TSC-deadline timer (the
 * LAPIC is emu86's, reached through MMIO exits; KVM handles those MSRs
 * only for its in-kernel LAPIC).
 */
struct kvm_cpuid2 *kvm_cpuid_build(X86CPU *cpu, const struct kvm_cpuid2 *supported)
{
    CPUX86State *env = &cpu->env;
    const X86CPUModel *m = cpu_model(env);
    bool passthrough = !strcmp(m->name, "host") || !strcmp(m->name, "max");
    uint32_t cap = supported->nent + 160;
    struct kvm_cpuid2 *t = calloc(1, sizeof(*t) + cap * sizeof(struct kvm_cpuid_entry2));
    if (!t) {
        return NULL;
    }
    uint32_t apic_id = (uint32_t)cpu->index;

    if (passthrough) {
        for (uint32_t i = 0; i < supported->nent; i++) {
            add_entry(t, cap, &supported->entries[i]);
        }
    } else {
        static const uint32_t ranges[] = { 0, 0x80000000u }; /* basic, extended */
        for (size_t ri = 0; ri < sizeof(ranges) / sizeof(ranges[0]); ri++) {
            uint32_t base = ranges[ri], out[4];
            cpu_cpuid(env, base, 0, out);
            for (uint32_t f = base; f <= out[0] && f - base < 0x40; f++) {
                unsigned subs = nr_subleaves(f);
                for (uint32_t idx = 0; idx < subs; idx++) {
                    struct kvm_cpuid_entry2 e = { .function = f, .index = idx };
                    uint32_t r[4];
                    cpu_cpuid(env, f, idx, r);
                    if (idx > 0 && !(r[0] | r[1] | r[2] | r[3]) && f != 0xb) {
                        continue;
                    }
                    e.eax = r[0]; e.ebx = r[1]; e.ecx = r[2]; e.edx = r[3];
                    if (subs > 1) {
                        e.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
                    }
                    add_entry(t, cap, &e);
                }
            }
        }
        /* XSAVE components: only those KVM can context-switch (the
         * model's 0DH.0 EAX/EDX within KVM's) */
        struct kvm_cpuid_entry2 *xd =
            (struct kvm_cpuid_entry2 *)kvm_cpuid_find_entry(t, 0xd, 0);
        const struct kvm_cpuid_entry2 *xs = kvm_cpuid_find_entry(supported, 0xd, 0);
        if (xd) {
            xd->eax &= xs ? xs->eax : 0;
            xd->edx &= xs ? xs->edx : 0;
        }
        for (uint32_t i = 0; i < supported->nent; i++) {
            const struct kvm_cpuid_entry2 *e = &supported->entries[i];
            if ((e->function & 0xffff0000u) == 0x40000000u) {
                add_entry(t, cap, e);
            }
        }
    }

    /* Feature words: a named model's within KVM's (host and max are
     * KVM's already); in both, what a -feat flag took away stays away. */
    for (size_t i = 0; i < sizeof(feature_regs) / sizeof(feature_regs[0]); i++) {
        struct kvm_cpuid_entry2 *e = (struct kvm_cpuid_entry2 *)
            kvm_cpuid_find_entry(t, feature_regs[i].function, feature_regs[i].index);
        if (!e) {
            continue;
        }
        uint32_t keep = ~m->removed[feature_regs[i].word];
        if (!passthrough) {
            const struct kvm_cpuid_entry2 *s =
                kvm_cpuid_find_entry(supported, feature_regs[i].function, feature_regs[i].index);
            uint32_t have = s ? *entry_reg((struct kvm_cpuid_entry2 *)s,
                                           feature_regs[i].reg) : 0;
            if (feature_regs[i].word == FEAT_1_ECX) {
                have |= CPUID_EXT_HYPERVISOR; /* ours to set */
            }
            keep &= have;
        }
        *entry_reg(e, feature_regs[i].reg) &= keep;
    }

    for (uint32_t i = 0; i < t->nent; i++) {
        struct kvm_cpuid_entry2 *e = &t->entries[i];
        switch (e->function) {
        case 1:
            e->ecx |= CPUID_1_ECX_HYPERVISOR;
            e->ecx &= ~(CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE);
            if (!cpu_apic(env)) {
                e->edx &= ~CPUID_1_EDX_APIC;
            }
            e->ebx = (e->ebx & 0x00ffffffu) | (apic_id << 24);
            break;
        case 0xb:
        case 0x1f:
            e->edx = apic_id; /* x2APIC ID of this logical processor */
            break;
        case 0x80000001:
            if (!cpu_apic(env)) {
                e->edx &= ~CPUID_80000001_EDX_APIC;
            }
            break;
        case 0x40000001:
            e->eax &= KVM_PV_KEEP;
            break;
        default:
            break;
        }
    }
    return t;
}

int kvm_cpuid_setup(KvmVcpu *kv, char *err, size_t len)
{
    struct kvm_cpuid2 *c = kvm_get_supported_cpuid(kvm_state.sys_fd, err, len);
    if (!c) {
        return -1;
    }
    struct kvm_cpuid2 *t = kvm_cpuid_build(kv->cpu, c);
    free(c);
    if (!t) {
        snprintf(err, len, "kvm: out of memory");
        return -1;
    }
    int r;
    do {
        r = ioctl(kv->fd, KVM_SET_CPUID2, t);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        snprintf(err, len, "kvm: KVM_SET_CPUID2 failed: %s", strerror(errno));
    }
    free(t);
    return r < 0 ? -1 : 0;
}

/* api.rst KVM_X86_SETUP_MCE: MCG_CAP for this vCPU, its bank count at most
 * KVM_CAP_MCE's answer and its flags within KVM_X86_GET_MCE_CAP_SUPPORTED.
 * Without it KVM reports zero banks and a guest that trusts CPUID.MCA
 * meets #GP on MCi_CTL.  Our value is the interpreter's (MCE_BANKS banks,
 * MCG_CTL_P); a host that cannot give it gets a warning, not a failure. */
void kvm_mce_setup(KvmVcpu *kv)
{
    CPUX86State *env = &kv->cpu->env;
    if (!cpu_has_feature(env, FEAT_1_EDX, CPUID_MCE | CPUID_MCA) || kvm_state.mce_banks <= 0) {
        return;
    }
    uint64_t supported = 0;
    if (ioctl(kvm_state.sys_fd, KVM_X86_GET_MCE_CAP_SUPPORTED, &supported) < 0) {
        return;
    }
    uint64_t banks = MCE_BANKS < kvm_state.mce_banks ? MCE_BANKS : (uint64_t)kvm_state.mce_banks;
    uint64_t cap = banks | (supported & MCG_CTL_P_BIT);
    if (ioctl(kv->fd, KVM_X86_SETUP_MCE, &cap) < 0) {
        kvm_report("KVM_X86_SETUP_MCE failed: %s", strerror(errno));
    }
}

/*
 * accel/kvm/kvm-int.h - state shared by the files of the KVM accelerator.
 *
 * Design: one VM per process (emu86 runs one Machine), so the VM-wide state
 * lives in a single KvmState; each vCPU owns a KvmVcpu hung off
 * X86CPU.accel_state.  kvm-all.c creates the VM and runs vCPUs,
 * kvm-regs.c converts registers between CPUX86State and the KVM structures,
 * kvm-cpuid.c builds the CPUID table handed to KVM_SET_CPUID2.
 * Nothing outside accel/kvm includes this header.
 */
#ifndef ACCEL_KVM_KVM_INT_H
#define ACCEL_KVM_KVM_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

struct Machine;
struct X86CPU;

/* TSS (3 pages) and EPT identity map (1 page) needed by VMX to run real
 * mode without unrestricted guest (api.rst: KVM_SET_TSS_ADDR,
 * KVM_SET_IDENTITY_MAP_ADDR).  Placed just under the BIOS at the top of
 * 4 GiB, where no RAM lives; moved down if a slot is there. */
#define KVM_TSS_ADDR_DEFAULT   0xfffbd000ull
#define KVM_TSS_SIZE           0x3000ull
#define KVM_IDMAP_SIZE         0x1000ull

/* MSRs transferred by get_state/put_state (filtered at init by
 * KVM_GET_MSR_INDEX_LIST so hosts lacking one still work). */
#define KVM_MAX_STATE_MSRS 48  /* 16 general + 28 MTRRs */

typedef struct KvmState {
    int sys_fd;               /* /dev/kvm */
    int vm_fd;                /* KVM_CREATE_VM */
    struct Machine *machine;
    int vcpu_mmap_size;
    bool readonly_mem;        /* KVM_CAP_READONLY_MEM */
    bool immediate_exit;      /* KVM_CAP_IMMEDIATE_EXIT */
    bool vcpu_events;         /* KVM_CAP_VCPU_EVENTS */
    bool debugregs;           /* KVM_CAP_DEBUGREGS */
    bool xcrs;                /* KVM_CAP_XCRS */
    int mce_banks;            /* KVM_CAP_MCE: banks KVM can emulate (0: none) */
    bool xsave;               /* KVM_CAP_XSAVE */
    /* Which RamSlots are registered with KVM (false: the slot is served
     * through MMIO exits, e.g. ROM on a host without READONLY_MEM). */
    bool slot_in_kvm[16];
    uint64_t tss_addr;
    /* MSRs this host's KVM saves/restores, in state order */
    uint32_t msrs[KVM_MAX_STATE_MSRS];
    int nr_msrs;
} KvmState;

typedef struct KvmVcpu {
    int fd;
    struct kvm_run *run;
    size_t run_size;
    struct X86CPU *cpu;
    pthread_t thread;
    volatile int thread_known;  /* thread is valid (set at first vcpu_run) */
    /* run->if_flag / ready_for_interrupt_injection describe the state of
     * the last exit; put_state may have changed RFLAGS since, so they are
     * only trusted when this is set (cleared by put_state). */
    bool run_flags_valid;
    /* tsc_offset as of the last get/put: put_state writes MSR_IA32_TSC only
     * when the generic code changed it (reset), so a get/put round trip
     * does not make the guest TSC jump. */
    int64_t tsc_offset_synced;
    bool tsc_synced;
    /* The vCPU stopped for a reset (triple fault, machine reset request):
     * the next put_state also resets what CPUX86State does not hold. */
    bool reset_pending;
    /* Application processors wait for INIT/SIPI (SDM Vol.3 9.4); with our
     * userspace irqchip KVM cannot hold them in that state
     * (KVM_SET_MP_STATE needs its LAPIC), so vcpu_run reports them halted
     * until started.  Nothing starts them yet: INIT/SIPI delivery is a
     * later issue (the interpreter's APs wait the same way). */
    bool wait_for_sipi;
} KvmVcpu;

extern KvmState kvm_state;

/* kvm-all.c */
/* One "emu86: kvm: ..." line on stderr. */
void kvm_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvm_vcpu_ioctl_checked(KvmVcpu *kv, unsigned long req, void *arg,
                           const char *what);

/* kvm-regs.c */
void kvm_arch_get_state(struct X86CPU *cpu);
/* Returns -1 if KVM refused part of the state (already reported). */
int kvm_arch_put_state(struct X86CPU *cpu);
/* Build the MSR list from KVM_GET_MSR_INDEX_LIST (kvm_state.msrs). */
void kvm_arch_init_msr_list(KvmState *s);

/* kvm-cpuid.c */
struct kvm_cpuid2;
/* The CPUID table of this vCPU: its -cpu model within what KVM supports
 * (a new allocation, NULL when out of memory). */
struct kvm_cpuid2 *kvm_cpuid_build(struct X86CPU *cpu, const struct kvm_cpuid2 *supported);
/* The entry for (function, index) in a CPUID table (the index counts only
 * where the entry says it does), or NULL. */
const struct kvm_cpuid_entry2 *kvm_cpuid_find_entry(const struct kvm_cpuid2 *c,
                                                    uint32_t function, uint32_t index);
/* Returns 0, or -1 with a message in err. */
int kvm_cpuid_setup(KvmVcpu *kv, char *err, size_t len);
/* The machine-check banks the CPU model has (KVM_X86_SETUP_MCE), so the
 * MCA MSRs exist under KVM as under the interpreter. */
void kvm_mce_setup(KvmVcpu *kv);

#endif

/*
 * accel/accel.h - one small interface for the two ways of running vCPUs.
 *
 * accel/tcg runs guest code in software (block cache + interpreter, later a
 * JIT); accel/kvm hands it to /dev/kvm.  Both dispatch port I/O and MMIO to
 * the same Machine address spaces and never touch device state directly.
 * system/cpus.c owns the vCPU threads and calls into this interface.
 */
#ifndef ACCEL_ACCEL_H
#define ACCEL_ACCEL_H

#include <stdbool.h>
#include <stddef.h>

struct Machine;
struct X86CPU;

/* Why vcpu_run returned */
typedef enum VcpuExit {
    VCPU_EXIT_REQUEST,  /* CPU_INTERRUPT_EXIT / machine run state changed: re-check */
    VCPU_EXIT_HALT,     /* guest executed HLT and no interrupt is deliverable */
    VCPU_EXIT_FATAL,    /* unrecoverable (message already printed): exit status 1 */
} VcpuExit;

typedef struct AccelOps {
    const char *name;
    /* Can this accelerator run here?  If not, a one-line reason in why. */
    bool (*available)(char *why, size_t len);
    /* Whether `-accel auto` may pick it (KVM: only with vmx/svm). */
    bool (*preferred)(void);
    int (*init)(struct Machine *m, char *err, size_t len);
    int (*vcpu_init)(struct X86CPU *cpu, char *err, size_t len);
    /* Run until something needs the generic loop (see VcpuExit).  Called
     * without the BQL; takes it around device accesses. */
    VcpuExit (*vcpu_run)(struct X86CPU *cpu);
    /* Make vcpu_run return soon (any thread). */
    void (*kick)(struct X86CPU *cpu);
    /* Copy accelerator-held register state into cpu->env (for -d cpu, the
     * monitor, exit dumps) and back after the generic code changed it. */
    void (*get_state)(struct X86CPU *cpu);
    void (*put_state)(struct X86CPU *cpu);
    void (*vcpu_destroy)(struct X86CPU *cpu);
    void (*destroy)(struct Machine *m);
} AccelOps;

extern const AccelOps accel_tcg_ops;
extern const AccelOps accel_kvm_ops;

/* The accelerator the machine runs on (set by system/main.c). */
extern const AccelOps *current_accel;

/* Select by name: "tcg", "kvm", "auto".  Returns NULL with a reason. */
const AccelOps *accel_select(const char *name, char *why, size_t len);

#endif

/*
 * hw/machine.h - the PC machine: memory, ports, devices, CPUs, run state.
 *
 * hw/i386/pc.c builds it from the command line options; accelerators run
 * its CPUs; devices reach each other only through it (IRQ lines, address
 * spaces).  See docs/architecture.md.
 */
#ifndef HW_MACHINE_H
#define HW_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/bus.h"

#define MAX_CPUS 64
#define ISA_NUM_IRQS 16

struct X86CPU;
struct Chardev;

/* ---- devices created by name (-device NAME,prop=value,...) ---- */
typedef struct DeviceProps DeviceProps; /* parsed key=value list */
const char *device_prop_str(const DeviceProps *p, const char *key);
/* Parses an integer property (decimal, 0x hex); returns false and fills err
 * (a malloc'd message) when present but malformed. */
bool device_prop_u64(const DeviceProps *p, const char *key, uint64_t def,
                     uint64_t *out, char **err);

struct Machine;
typedef struct DeviceInfo {
    const char *name;
    const char *desc;
    size_t state_size;
    /* Known property names, NULL-terminated: others are rejected. */
    const char *const *props;
    /* Creates the device on m from its zeroed state; returns false with a
     * malloc'd message in *err on bad properties. */
    bool (*realize)(void *state, struct Machine *m, const DeviceProps *p, char **err);
    void (*reset)(void *state);   /* machine reset; may be NULL */
    bool user_creatable;          /* allowed with -device */
} DeviceInfo;

void device_register(const DeviceInfo *info);
const DeviceInfo *device_find(const char *name);
void device_list(void (*fn)(const DeviceInfo *info, void *opaque), void *opaque);
/* Create a device by name on m.  opts is "prop=value,..." (may be NULL or "").
 * Returns the state or NULL with *err set. */
void *device_create(struct Machine *m, const char *name, const char *opts, char **err);

/* A device file ends with DEVICE_REGISTER(my_device_info); */
#define DEVICE_REGISTER(info) \
    static void __attribute__((constructor)) device_register_##info(void) \
    { device_register(&(info)); }

/* ---- the machine ---- */
typedef struct Machine {
    PhysMemory mem;
    AddressSpace io;

    uint8_t *ram;             /* one host mapping of all guest RAM */
    uint64_t ram_size;
    uint64_t below_4g;        /* RAM at [0, below_4g) minus the legacy holes */
    uint64_t above_4g;        /* RAM at [4 GiB, 4 GiB + above_4g) */
    uint8_t *bios;            /* firmware image (ROM) */
    uint64_t bios_size;

    int nr_cpus;
    struct X86CPU *cpus[MAX_CPUS];
    /* Host time (clock_ns) of the last power-on or reset: every CPU's TSC
     * counts from it, so all TSCs start together as on hardware and a
     * guest's TSC synchronisation check passes.  0: not set yet. */
    int64_t tsc_epoch;

    /* ISA interrupt lines 0..15, wired to the PIC by pc.c */
    IrqLine isa_irq[ISA_NUM_IRQS];
    /* The interrupt controller seen by the CPUs (8259 pair for now):
     * intr_ack performs the INTA cycle and returns the vector. */
    void *intc;
    int (*intr_ack)(void *intc);

    /* PCI bus 0 (hw/pci/pci.h), created by the host bridge */
    struct PCIBus *pci_bus;

    /* Serial port 0 backend (NULL: -serial none) */
    struct Chardev *serial_chr[4];

    /* Devices created on this machine, for reset */
    struct { const DeviceInfo *info; void *state; } devices[64];
    int nr_devices;

    /* Run state: written by any thread under the BQL, read by vCPU loops. */
    volatile int shutdown_requested; /* guest or user asked to exit */
    int exit_status;                 /* process exit status for that */
    volatile int reset_requested;
    bool no_reboot;                  /* -no-reboot: a reset request exits */
    /* Called by the BSP after a machine reset, once devices and the BSP
     * are in their reset state (BQL held): -kernel boots load the kernel
     * again and put the BSP at its entry, as firmware would. */
    void (*boot_reset)(struct Machine *m);
} Machine;

/* Ask every vCPU to stop and the process to exit with status. */
void machine_request_shutdown(Machine *m, int status);
/* Guest-initiated reset (triple fault, keyboard controller, ...).  With
 * -no-reboot this becomes a shutdown (status 0, as QEMU). */
void machine_request_reset(Machine *m, const char *why);
/* Reset all devices (called by the vCPU loop when a reset is requested). */
void machine_reset_devices(Machine *m);
/* INTR line from the interrupt controller to CPU cpu_index (0 = BSP). */
void machine_set_cpu_intr(Machine *m, int cpu_index, int level);

#endif

/*
 * hw/intc/apic.h - local APIC (one per CPU, hw/intc/apic.c + apic_timer.c)
 * and I/O APIC (hw/intc/ioapic.c).  See docs/interrupts.md for the wiring.
 *
 * The LAPIC knows nothing about X86CPU: it drives its CPU through the
 * ApicCpuOps callbacks given at creation, and the CPU side (TCG interrupt
 * check, KVM injection, MSR and MMIO paths) calls the functions below.
 * Every call must be made with the BQL held.
 */
#ifndef HW_INTC_APIC_H
#define HW_INTC_APIC_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/machine.h"

typedef struct ApicState ApicState;

#define APIC_DEFAULT_BASE   0xfee00000ull
#define IOAPIC_DEFAULT_BASE 0xfec00000ull
#define IOAPIC_NUM_PINS     24

/* IA32_APIC_BASE (MSR 0x1b) bits, SDM Vol.3 10.4.4 / 10.12.1 */
#define MSR_IA32_APICBASE_BSP    (1ull << 8)
#define MSR_IA32_APICBASE_EXTD   (1ull << 10)   /* x2APIC mode */
#define MSR_IA32_APICBASE_ENABLE (1ull << 11)   /* global enable */
#define MSR_IA32_APICBASE_BASE   0xfffffff000ull /* 40 physical bits */
#define MSR_IA32_TSC_DEADLINE    0x6e0

/* Delivery modes (ICR, LVT and I/O APIC redirection entries) */
#define APIC_DM_FIXED   0
#define APIC_DM_LOWEST  1
#define APIC_DM_SMI     2
#define APIC_DM_NMI     4
#define APIC_DM_INIT    5
#define APIC_DM_SIPI    6
#define APIC_DM_EXTINT  7

/* How the LAPIC acts on its CPU.  All are called with the BQL held and
 * may be called from any thread (vCPU threads for IPIs, the I/O thread for
 * timers): they must only set request bits and kick the CPU. */
typedef struct ApicCpuOps {
    /* Level of the CPU's maskable-interrupt request: 1 while
     * apic_intr_pending() is true (CPU_INTERRUPT_HARD). */
    void (*set_intr)(void *opaque, int level);
    void (*nmi)(void *opaque);                    /* CPU_INTERRUPT_NMI */
    /* INIT received: the LAPIC has already done its own INIT reset
     * (apic_init_reset); the CPU enters wait-for-SIPI (CPU_INTERRUPT_INIT). */
    void (*init)(void *opaque);
    /* Start-up IPI with its vector: the AP starts at CS = vector << 8,
     * IP = 0 if it is waiting for SIPI, else the SIPI is ignored. */
    void (*sipi)(void *opaque, uint8_t vector);
} ApicCpuOps;

/* ---- creation: one LAPIC per CPU, on a machine-wide list ---- */
/* APIC ID = initial APIC ID = cpu_index; cpu_index 0 is the BSP.
 * Returns NULL if cpu_index is out of range or already has a LAPIC. */
ApicState *apic_create(Machine *m, int cpu_index, const ApicCpuOps *ops,
                       void *opaque);
/* The LAPIC of a CPU, or NULL. */
ApicState *apic_find(Machine *m, int cpu_index);
/* Frees every LAPIC of m and forgets the machine (also the I/O APIC's EOI
 * hook and the MMIO mapping).  Call before freeing the Machine. */
void apic_machine_cleanup(Machine *m);
/* Power-on reset (also done by the "apic" device on machine reset). */
void apic_reset(ApicState *s);
/* INIT reset, SDM 10.4.7.3: like power-on except APIC ID and APIC_BASE. */
void apic_init_reset(ApicState *s);
/* The state a BIOS leaves on the BSP (SVR enabled, LINT0 ExtINT, LINT1
 * NMI): for boots without firmware (-kernel, bare-metal images) so the
 * 8259 keeps reaching the CPU.  Needs xAPIC mode (the power-on state). */
void apic_setup_virtual_wire(ApicState *s);

/* ---- the CPU's view ---- */
/* Route global MMIO-region accesses from this thread to s (each vCPU
 * thread calls it once with its own LAPIC; default is CPU 0's). */
void apic_set_current(ApicState *s);
/* xAPIC MMIO page, offset 0..0xfff from the APIC base. */
uint64_t apic_mmio_read(ApicState *s, uint64_t off, unsigned size);
void apic_mmio_write(ApicState *s, uint64_t off, uint64_t val, unsigned size);
/* x2APIC MSRs 0x800-0x8ff.  false: the access must raise #GP(0). */
bool apic_msr_read(ApicState *s, uint32_t msr, uint64_t *val);
bool apic_msr_write(ApicState *s, uint32_t msr, uint64_t val);
/* IA32_APIC_BASE.  apic_set_base returns false for reserved bits or an
 * illegal mode transition (SDM 10.12.5): raise #GP(0).  The BSP bit is
 * read-only.  The caller keeps env->apic_base = apic_get_base(s). */
uint64_t apic_get_base(ApicState *s);
bool apic_set_base(ApicState *s, uint64_t val);
/* IA32_TSC_DEADLINE in the clock_ns() time base: the caller converts the
 * guest TSC (write: tsc - env->tsc_offset; read: +tsc_offset unless 0).
 * Ignored (reads 0) unless the LVT timer is in TSC-deadline mode. */
void apic_set_tsc_deadline(ApicState *s, uint64_t deadline_ns);
uint64_t apic_get_tsc_deadline(ApicState *s);
/* TPR (8 bits); CR8 = TPR[7:4] (SDM 10.8.6.1): cr8 writes do
 * apic_set_tpr(s, cr8 << 4), cr8 reads apic_get_tpr(s) >> 4. */
uint8_t apic_get_tpr(ApicState *s);
void apic_set_tpr(ApicState *s, uint8_t tpr);

/* ---- interrupt acceptance ---- */
/* A fixed/lowest interrupt in IRR outranks the processor priority. */
bool apic_has_interrupt(ApicState *s);
/* INTA of a fixed interrupt: IRR -> ISR, returns the vector; the spurious
 * vector (SVR[7:0]) when nothing outranks PPR; -1 when the APIC is
 * disabled. */
int apic_get_interrupt(ApicState *s);
/* The 8259's INTR may reach the CPU: APIC globally disabled (the pin goes
 * straight to the core) or LVT LINT0 unmasked with delivery mode ExtINT. */
bool apic_accepts_pic_interrupts(ApicState *s);
/* What the CPU's INTR line should be: has_interrupt, or an ExtINT
 * (from LINT0 or an I/O APIC ExtINT message) waiting. */
bool apic_intr_pending(ApicState *s);
/* The full INTA for the CPU: a LAPIC vector first, else the 8259's vector
 * through m->intr_ack for ExtINT; -1 if nothing (spurious LAPIC vector as
 * apic_get_interrupt).  This is what cpu_check_hard_interrupt and the KVM
 * injection path call instead of m->intr_ack. */
int apic_intr_ack(ApicState *s);
/* Local interrupt pins LINT0 (pin 0: the 8259 INTR in a PC) and LINT1
 * (pin 1: NMI), delivered as their LVT says. */
void apic_set_lint(ApicState *s, int pin, int level);

/* ---- messages on the APIC bus (I/O APIC, MSI) ---- */
/* Deliver an interrupt message to every LAPIC of m matching dest.
 * dest_mode: 0 physical, 1 logical.  trigger_level: level-triggered
 * (sets TMR, EOI is broadcast back).  dest 0xff (xAPIC) is a broadcast. */
void apic_deliver_irq(Machine *m, uint32_t dest, int dest_mode,
                      int delivery_mode, uint8_t vector, bool trigger_level);
/* EOI broadcast of level-triggered vectors (the I/O APIC registers it). */
void apic_set_eoi_hook(Machine *m, void (*eoi)(void *opaque, uint8_t vector),
                       void *opaque);

/* ---- I/O APIC ---- */
/* Input pin gsi (0..23) of the "ioapic" device state returned by
 * device_create(m, "ioapic", ...), or NULL. */
IrqLine *ioapic_get_gsi(void *ioapic, int gsi);

#endif

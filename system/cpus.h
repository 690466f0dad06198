/*
 * system/cpus.h - the vCPU threads.
 *
 * Host threads run the generic loop of system/cpus.c around
 * current_accel->vcpu_run(): one per vCPU under KVM, one for all vCPUs
 * (fair round-robin) under TCG; see docs/smp.md.  Declared without accel/ types so hw/ may use
 * cpus_kick() (the layering rule forbids hw/ including accel/ headers).
 */
#ifndef SYSTEM_CPUS_H
#define SYSTEM_CPUS_H

#include <stdbool.h>

struct Machine;
struct X86CPU;

/* Create the vCPU threads; each initialises its vCPUs with
 * current_accel->vcpu_init in its own thread (KVM binds a vCPU to the
 * thread that runs it).  Waits for all of them; returns false with a
 * g_malloc'd message if one failed (the process should then exit 1). */
bool cpus_start(struct Machine *m, char **err);

/* Wake a vCPU waiting in HLT and make a running one leave vcpu_run soon
 * (current_accel->kick).  Any thread, with or without the BQL.  Callers set
 * the interrupt_request bits first. */
void cpus_kick(struct X86CPU *cpu);

/* After a shutdown request: wait up to timeout_ms for every vCPU thread.
 * Returns false if some did not stop (the process exits anyway). */
bool cpus_join(struct Machine *m, int timeout_ms);

/* Is this CPU in wait-for-SIPI (APs at power-on, after INIT)?  Any thread;
 * a snapshot. */
bool cpus_waiting_for_sipi(struct X86CPU *cpu);

/* Tests: 1 = run all vCPUs on one round-robin thread, 0 = one thread per
 * vCPU, -1 = by accelerator (the default: round-robin for "tcg").  Takes
 * effect at the next cpus_start. */
void cpus_set_round_robin(int on);

#endif

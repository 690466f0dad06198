/*
 * system/runstate.h - running/paused state of the virtual machine (the
 * monitor's stop and cont, -S).
 *
 * Design: one global "paused" flag guarded by a mutex and a condition
 * variable.  vCPU threads honour it at a single safe point: the generic
 * loop of system/cpus.c (a thread owning vCPUs [first, first + count))
 * calls runstate_vcpu_checkpoint() at the top of each iteration, after its
 * shutdown and reset checks and before it runs a round of vcpu_run:
 *
 *         if (runstate_vcpu_checkpoint(m, t->first, t->count)) {
 *             continue;        // it slept: re-check shutdown/reset first
 *         }
 *
 * runstate_stop() sets the flag, kicks every vCPU out of vcpu_run or HLT
 * (CPU_INTERRUPT_EXIT + cpus_kick) and waits, with a deadline and without
 * the BQL, until every vCPU that has reached the loop is parked there.  A
 * parked vCPU has copied its registers into cpu->env (accel get_state, in
 * its own thread as KVM wants), so the monitor can read them.  A reset or
 * shutdown request wakes parked vCPUs so the reset rendezvous and thread
 * exit still work while paused; after a reset they park again.
 *
 * Guest time is NOT frozen: emu86's clocks (PIT, RTC, APIC timer, TSC
 * under KVM) follow the host clock, so a guest resumed after a long stop
 * sees the time jump, and timer interrupts that fell due are delivered on
 * cont (QEMU stops its virtual clock instead).
 */
#ifndef SYSTEM_RUNSTATE_H
#define SYSTEM_RUNSTATE_H

#include <stdbool.h>

struct Machine;
struct X86CPU;

/* Remember the machine (its CPUs are what stop kicks).  Idempotent. */
void runstate_init(struct Machine *m);

/* true unless stopped (monitor stop, -S). */
bool runstate_is_running(void);

/* Pause every vCPU.  Any thread; drops the BQL while waiting if the caller
 * holds it.  Returns true when every vCPU that runs the loop is parked,
 * false if one did not stop within timeout_ms (the VM is still marked
 * paused and that vCPU parks when it reaches its loop) or a shutdown is
 * under way. */
bool runstate_stop(int timeout_ms);

/* Mark the VM paused without waiting: for -S before the vCPUs start. */
void runstate_stop_async(void);

/* Resume (cont). */
void runstate_cont(void);

/* Wake parked vCPUs so they re-check shutdown/reset requests (the
 * monitor's quit and system_reset call it; parked vCPUs also poll). */
void runstate_wake(void);

/* The thread of vCPUs [first, first + count), top of its loop: returns
 * false at once while running; while paused, syncs their registers into
 * cpu->env (accel get_state), sleeps until cont, reset or shutdown, and
 * returns true. */
bool runstate_vcpu_checkpoint(struct Machine *m, int first, int count);
/* The vCPU thread of CPUs [first, first + count) runs: records its thread
 * id for `info cpus` (called first thing by the thread). */
void runstate_vcpu_thread_started(int first, int count);

/* Host thread id of vCPU index (0 until its thread reached the loop). */
int runstate_vcpu_thread_id(int index);

#endif

/*
 * hw/core/machine.c - machine run-state requests: shutdown, reset, and the
 * CPU interrupt line.
 *
 * Design: these are called from any thread (devices with the BQL held in a
 * vCPU or the I/O thread, vCPU loops without it, the main loop on a
 * signal).  They only set flags with atomics and then wake whoever must act:
 * the vCPU threads (system/cpus.c: cpus_kick) and the I/O thread
 * (main_loop_wakeup).  The work itself - stopping threads, resetting
 * devices, exiting - happens in those threads at safe points.  hw/ must not
 * include accel/ headers, so kicking goes through system/cpus.c.
 */
#include <stdio.h>

#include "hw/intc/apic.h"
#include "hw/machine.h"
#include "system/cpus.h"
#include "system/log.h"
#include "system/sysemu.h"
#include "target/i386/cpu.h"

void main_loop_wakeup(void);

static void machine_kick_all(Machine *m, int bits)
{
    for (int i = 0; i < m->nr_cpus; i++) {
        X86CPU *cpu = m->cpus[i];
        if (cpu) {
            __atomic_fetch_or(&cpu->interrupt_request, bits, __ATOMIC_SEQ_CST);
            cpus_kick(cpu);
        }
    }
}

void machine_request_shutdown(Machine *m, int status)
{
    int expected = 0;
    /* The first request decides the exit status: a later "terminating on
     * signal" must not overwrite a guest's isa-debug-exit code. */
    if (__atomic_compare_exchange_n(&m->shutdown_requested, &expected, 1, false,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
        m->exit_status = status;
    }
    machine_kick_all(m, CPU_INTERRUPT_EXIT);
    main_loop_wakeup();
}

void machine_request_reset(Machine *m, const char *why)
{
    if (m->no_reboot) {
        /* QEMU exits silently with status 0 here; one line says why the
         * guest stopped, which matters when a triple fault is the bug. */
        if (!m->shutdown_requested) {
            error_report("guest reset (%s), exiting because of -no-reboot",
                         why ? why : "unknown reason");
        }
        machine_request_shutdown(m, 0);
        return;
    }
    log_mask_printf(LOG_INT | LOG_GUEST_ERROR, "emu86: guest reset (%s)\n",
                    why ? why : "unknown reason");
    __atomic_store_n(&m->reset_requested, 1, __ATOMIC_SEQ_CST);
    machine_kick_all(m, CPU_INTERRUPT_EXIT);
}

void machine_reset_devices(Machine *m)
{
    m->tsc_epoch = clock_ns();   /* the CPUs reset next: their TSCs restart here */
    for (int i = 0; i < m->nr_devices; i++) {
        if (m->devices[i].info && m->devices[i].info->reset) {
            m->devices[i].info->reset(m->devices[i].state);
        }
    }
}

void machine_set_cpu_intr(Machine *m, int cpu_index, int level)
{
    if (cpu_index < 0 || cpu_index >= m->nr_cpus || !m->cpus[cpu_index]) {
        return;
    }
    /* With local APICs the 8259's INTR pin is wired to LINT0 of each LAPIC
     * (SDM Vol.3 10.5.1): whether it reaches the CPU is the LAPIC's
     * decision (virtual-wire mode, or the APIC globally disabled). */
    ApicState *apic = apic_find(m, cpu_index);
    if (apic) {
        apic_set_lint(apic, 0, level);
        return;
    }
    X86CPU *cpu = m->cpus[cpu_index];
    if (level) {
        __atomic_fetch_or(&cpu->interrupt_request, CPU_INTERRUPT_HARD,
                          __ATOMIC_SEQ_CST);
        cpus_kick(cpu);
    } else {
        __atomic_fetch_and(&cpu->interrupt_request, ~CPU_INTERRUPT_HARD,
                           __ATOMIC_SEQ_CST);
    }
}

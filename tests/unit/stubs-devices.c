/*
 * tests/unit/stubs-devices.c - weak stand-ins for the services the device
 * models call but that live in other parts of the program (the machine in
 * hw/i386/pc.c, the I/O thread in system/main_loop.c).  When the real ones
 * are linked in they win; the device tests then only rely on what both
 * versions do (shutdown_requested/exit_status), or check devstub_*_calls to
 * see whether the recording stub is the one in use.
 */
#include "hw/machine.h"

int devstub_cpu_intr_level;
int devstub_cpu_intr_calls;
int devstub_wakeup_calls;

__attribute__((weak)) void main_loop_wakeup(void)
{
    devstub_wakeup_calls++;
}

__attribute__((weak)) void machine_set_cpu_intr(Machine *m, int cpu_index, int level)
{
    devstub_cpu_intr_calls++;
    devstub_cpu_intr_level = level;
}

__attribute__((weak)) void machine_request_shutdown(Machine *m, int status)
{
    m->exit_status = status;
    m->shutdown_requested = 1;
}

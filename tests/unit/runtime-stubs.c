/*
 * tests/unit/runtime-stubs.c - weak stand-ins for what the runtime
 * (system/cpus.c, hw/i386/pc.c, accel/accel.c) calls in other parts of the
 * program: the accelerators' ops tables and the CPU model's init/reset.
 * They let every unit test link while those parts are being written; when
 * the real definitions are linked in they win.
 */
#include <string.h>

#include "accel/accel.h"
#include "hw/machine.h"
#include "target/i386/cpu.h"

static bool stub_unavailable(char *why, size_t len)
{
    strncpy(why, "not linked in this test", len);
    if (len) {
        why[len - 1] = 0;
    }
    return false;
}

__attribute__((weak)) const AccelOps accel_tcg_ops = { .name = "tcg" };
__attribute__((weak)) const AccelOps accel_kvm_ops = {
    .name = "kvm",
    .available = stub_unavailable,
};

__attribute__((weak)) void cpu_x86_init(X86CPU *cpu, struct Machine *m, int index)
{
    memset(cpu, 0, sizeof(*cpu));
    cpu->index = index;
    cpu->machine = m;
    cpu->env.cpu = cpu;
}

__attribute__((weak)) void cpu_x86_reset(X86CPU *cpu)
{
    cpu->env.rip = 0xfff0;
}

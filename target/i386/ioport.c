/*
 * target/i386/ioport.c - port I/O from the CPU.
 *
 * Design: IN/OUT/INS/OUTS (after their IOPL/TSS permission checks, done by
 * the instruction handlers) reach the machine's I/O address space here.
 * Devices are called with the big lock held (hw/bus.h locking rule).
 */
#include <inttypes.h>

#include "hw/machine.h"
#include "system/sysemu.h"
#include "target/i386/cpu.h"
#include "target/i386/seg.h"

uint64_t cpu_io_read(CPUX86State *env, uint16_t port, unsigned size)
{
    uint64_t v = ~0ull;
    Machine *m = env->cpu ? env->cpu->machine : NULL;
    if (m) {
        bql_lock();
        as_read(&m->io, port, size, &v);
        bql_unlock();
    }
    v &= size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
    log_mask_printf(LOG_IOPORT, "ioport read  %04x/%u -> %0*" PRIx64 "\n", port, size,
                    (int)size * 2, v);
    return v;
}

void cpu_io_write(CPUX86State *env, uint16_t port, uint64_t value, unsigned size)
{
    Machine *m = env->cpu ? env->cpu->machine : NULL;
    value &= size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
    log_mask_printf(LOG_IOPORT, "ioport write %04x/%u <- %0*" PRIx64 "\n", port, size,
                    (int)size * 2, value);
    if (m) {
        bql_lock();
        as_write(&m->io, port, size, value);
        bql_unlock();
    }
    mmu_tlb_check_a20(env);
}

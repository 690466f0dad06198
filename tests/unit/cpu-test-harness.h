/*
 * tests/unit/cpu-test-harness.h - a CPU on a minimal machine for unit tests
 * of the system architecture (paging, segmentation, interrupts).
 *
 * Design: header-only (each unit test is one translation unit linked with
 * the library objects).  tcpu_new() makes a zeroed Machine with N MiB of
 * RAM in one slot at guest-physical 0 and an X86CPU in its power-on state.
 * TCPU_RUN() arms env->jmp_env around a statement and yields the vector of
 * the exception it raised, or -1: what the execution loop does for real.
 * Helpers build descriptors, gates and page tables directly in guest RAM.
 */
#ifndef TESTS_UNIT_CPU_TEST_HARNESS_H
#define TESTS_UNIT_CPU_TEST_HARNESS_H

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"
#include "target/i386/cpu.h"
#include "target/i386/insn.h"
#include "target/i386/ops.h"

typedef struct TestCPU {
    Machine *m;
    X86CPU *cpu;
    CPUX86State *env;
    uint8_t *ram;
    uint64_t ram_size;
} TestCPU;

static inline TestCPU *tcpu_new(unsigned mib)
{
    TestCPU *t = calloc(1, sizeof(*t));
    t->m = calloc(1, sizeof(Machine));
    t->ram_size = (uint64_t)mib << 20;
    t->ram = calloc(1, t->ram_size);
    t->m->ram = t->ram;
    t->m->ram_size = t->ram_size;
    as_init(&t->m->mem.mmio, "memory");
    as_init(&t->m->io, "io");
    phys_add_slot(&t->m->mem, 0, t->ram_size, t->ram, false, "ram");
    t->cpu = calloc(1, sizeof(X86CPU));
    cpu_x86_init(t->cpu, t->m, 0);
    t->m->cpus[0] = t->cpu;
    t->m->nr_cpus = 1;
    t->env = &t->cpu->env;
    return t;
}

static inline void tcpu_free(TestCPU *t)
{
    as_destroy(&t->m->mem.mmio);
    as_destroy(&t->m->io);
    free(t->env->tlb);
    free(t->cpu);
    free(t->ram);
    free(t->m);
    free(t);
}

/* Run stmt with exceptions caught: evaluates to the vector or -1.  Used
 * inside g_assert_cmpint(), whose temporaries GCC wrongly suspects of being
 * clobbered (they are assigned after setjmp returns). */
#pragma GCC diagnostic ignored "-Wclobbered"
#define TCPU_RUN(env, stmt) __extension__({                  \
    volatile int tcpu_v_ = -1;                                \
    if (setjmp((env)->jmp_env) == 0) {                        \
        stmt;                                                 \
    } else {                                                  \
        tcpu_v_ = (env)->exception_index;                     \
    }                                                         \
    tcpu_v_;                                                  \
})

/* ---- guest-physical memory ---- */
static inline void pw8(TestCPU *t, uint64_t a, uint8_t v) { t->ram[a] = v; }
static inline void pw16(TestCPU *t, uint64_t a, uint16_t v) { memcpy(t->ram + a, &v, 2); }
static inline void pw32(TestCPU *t, uint64_t a, uint32_t v) { memcpy(t->ram + a, &v, 4); }
static inline void pw64(TestCPU *t, uint64_t a, uint64_t v) { memcpy(t->ram + a, &v, 8); }
static inline uint16_t pr16(TestCPU *t, uint64_t a) { uint16_t v; memcpy(&v, t->ram + a, 2); return v; }
static inline uint32_t pr32(TestCPU *t, uint64_t a) { uint32_t v; memcpy(&v, t->ram + a, 4); return v; }
static inline uint64_t pr64(TestCPU *t, uint64_t a) { uint64_t v; memcpy(&v, t->ram + a, 8); return v; }

/* ---- descriptors (SDM Vol.3 3.4.5) ---- */
/* attr: DESC_* bits of the high dword (type, S, DPL, P, L, B); a limit
 * above 1 MiB sets G and is stored in 4 KiB units. */
static inline uint64_t tdesc(uint32_t base, uint32_t limit, uint32_t attr)
{
    if (limit > 0xfffff) {
        limit >>= 12;
        attr |= DESC_G_MASK;
    }
    uint32_t e1 = (limit & 0xffff) | (base << 16);
    uint32_t e2 = ((base >> 16) & 0xff) | (base & 0xff000000u) | (limit & 0xf0000u) | attr;
    return (uint64_t)e2 << 32 | e1;
}

#define T_CODE  (DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK)
#define T_DATA  (DESC_P_MASK | DESC_S_MASK | DESC_W_MASK)
#define T_DPL(n) ((uint32_t)(n) << DESC_DPL_SHIFT)

/* 8-byte interrupt/trap/call gate: type 14/15 (32-bit int/trap), 6/7
 * (16-bit), 12 (call gate) */
static inline uint64_t tgate(uint16_t sel, uint32_t off, unsigned type, unsigned dpl,
                             unsigned params)
{
    uint32_t e1 = (off & 0xffff) | ((uint32_t)sel << 16);
    uint32_t e2 = (off & 0xffff0000u) | DESC_P_MASK | (dpl << DESC_DPL_SHIFT) |
                  (type << 8) | (params & 0x1f);
    return (uint64_t)e2 << 32 | e1;
}

/* 16-byte IA-32e gate at guest-physical a */
static inline void tgate64(TestCPU *t, uint64_t a, uint16_t sel, uint64_t off,
                           unsigned type, unsigned dpl, unsigned ist)
{
    pw64(t, a, tgate(sel, (uint32_t)off, type, dpl, 0) | ((uint64_t)ist << 32));
    pw64(t, a + 8, off >> 32);
}

/* Load a segment register cache straight from a GDT entry in RAM. */
static inline void tload_seg(TestCPU *t, int seg, uint16_t sel)
{
    uint64_t d = pr64(t, t->env->gdt.base + (sel & ~7u));
    uint32_t e1 = (uint32_t)d, e2 = d >> 32;
    uint32_t limit = (e1 & 0xffff) | (e2 & 0xf0000u);
    if (e2 & DESC_G_MASK) {
        limit = (limit << 12) | 0xfff;
    }
    SegmentCache *sc = &t->env->segs[seg];
    sc->selector = sel;
    sc->base = (e1 >> 16) | ((e2 & 0xff) << 16) | (e2 & 0xff000000u);
    sc->limit = limit;
    sc->flags = e2 & 0x00f0ff00u;
    cpu_update_mode(t->env);
}

/* Enter protected mode with the GDT at gdt_base (limit in bytes - 1). */
static inline void tpmode(TestCPU *t, uint64_t gdt_base, uint32_t gdt_limit)
{
    t->env->cr[0] |= CR0_PE;
    t->env->gdt.base = gdt_base;
    t->env->gdt.limit = gdt_limit;
    mmu_tlb_flush(t->env);
    cpu_update_mode(t->env);
}

/* Identity-map the first GiB with a 1 GiB page (4-level paging) and enter
 * IA-32e mode; pml4 and pdpt are two free 4 KiB pages. */
static inline void tlongmode(TestCPU *t, uint64_t pml4, uint64_t pdpt)
{
    pw64(t, pml4, pdpt | 7);
    pw64(t, pdpt, 0x87);  /* P RW US PS, base 0 */
    t->env->cr[3] = pml4;
    t->env->cr[4] |= CR4_PAE;
    t->env->efer |= EFER_LME | EFER_LMA;
    t->env->cr[0] |= CR0_PE | CR0_PG;
    mmu_tlb_flush(t->env);
    cpu_update_mode(t->env);
}

/* The 64-bit machine most instruction tests start from: flat code (0x08)
 * and data (0x10) descriptors in a GDT at 0x1000, the first GiB
 * identity-mapped (tables at 0x10000), CS, SS and DS loaded, and CR0.NE
 * and MP so that x87 errors raise #MF and WAIT honours TS. */
static inline void tflat64(TestCPU *t)
{
    pw64(t, 0x1008, tdesc(0, 0xfffff, T_CODE | DESC_L_MASK));
    pw64(t, 0x1010, tdesc(0, 0xffffffff, T_DATA | DESC_B_MASK));
    tpmode(t, 0x1000, 0x17);
    tlongmode(t, 0x10000, 0x11000);
    tload_seg(t, R_CS, 0x08);
    tload_seg(t, R_SS, 0x10);
    tload_seg(t, R_DS, 0x10);
    t->env->cr[0] |= CR0_NE | CR0_MP;
}

/* Decode bytes as exactly one instruction in the given mode and execute
 * it as the interpreter would (a privileged one at CPL > 0 is #GP(0)):
 * the vector of the exception it raised, EXCP_UD for an encoding the
 * decoder refuses, or -1 with RIP moved past it. */
static inline int texec_mode(CPUX86State *env, const uint8_t *b, unsigned n, CpuMode mode)
{
    Insn insn;
    DecodeResult r = decode_buf(&insn, mode, b, n);
    env->exception_index = -1;
    if (r == DECODE_UD) {
        return EXCP_UD;
    }
    if (r != DECODE_OK || insn.len != n) {
        fprintf(stderr, "texec: decode result %d, length %u of %u bytes\n", r, insn.len, n);
        abort();
    }
    if ((insn_op_flags[insn.op] & IF_PRIV) && env->cpl != 0) {
        env->error_code = 0;
        return EXCP_GP;
    }
    env->next_rip = env->rip + insn.len;
    int v = TCPU_RUN(env, insn_handlers[insn.op](env, &insn));
    if (v < 0) {
        env->rip = env->next_rip;
    }
    return v;
}

/* texec_mode() in the CPU's current code size */
static inline int texec(CPUX86State *env, const uint8_t *b, unsigned n)
{
    CpuMode mode = env->code_bits == 64 ? MODE_64 : env->code_bits == 32 ? MODE_32 : MODE_16;
    return texec_mode(env, b, n, mode);
}

#endif

/*
 * tests/unit/ops-weak-stubs.c - weak stand-ins for the CPU services the
 * instruction handlers call (exceptions, MMU, segmentation, CPUID, I/O,
 * the system-section handlers), linked into every unit test (Makefile
 * TEST_SUPPORT_SRCS).
 *
 * Design: every definition is weak, so once the real excp.c / mmu.c /
 * seg.c / ops_system.c are linked in they win and these vanish.  Memory is
 * a flat 64 KiB buffer (linear address modulo its size); tests that need
 * it check stub_mem_active() and otherwise set up a real machine or skip.
 */
#include <setjmp.h>
#include <string.h>

#include "target/i386/ops.h"
#include "tests/unit/ops-weak-stubs.h"

uint8_t stub_mem[65536];
uint64_t stub_io_last_port, stub_io_last_value;
unsigned stub_io_last_size, stub_io_writes, stub_io_reads;
int stub_last_interrupt = -1;

__attribute__((weak)) void cpu_raise_exception_err(CPUX86State *env, int vector,
                                                   uint32_t error_code)
{
    env->exception_index = vector;
    env->error_code = error_code;
    env->has_error_code = true;
    longjmp(env->jmp_env, 1);
}

__attribute__((weak)) void cpu_raise_exception(CPUX86State *env, int vector)
{
    env->exception_index = vector;
    env->error_code = 0;
    env->has_error_code = false;
    longjmp(env->jmp_env, 1);
}

__attribute__((weak)) void cpu_do_interrupt(CPUX86State *env, int vector, bool is_sw,
                                            bool has_error, uint32_t error_code,
                                            uint64_t next_rip)
{
    stub_last_interrupt = vector;
    env->rip = 0x1000 + vector * 16;
}

static uint64_t stub_ld(uint64_t la, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)stub_mem[(la + i) & 0xffff] << (8 * i);
    }
    return v;
}

static void stub_st(uint64_t la, unsigned size, uint64_t v)
{
    for (unsigned i = 0; i < size; i++) {
        stub_mem[(la + i) & 0xffff] = v >> (8 * i);
    }
}

uint8_t stub_cpu_ldub(CPUX86State *env, uint64_t la)
{
    return stub_ld(la, 1);
}

uint8_t cpu_ldub(CPUX86State *env, uint64_t la) __attribute__((weak, alias("stub_cpu_ldub")));
__attribute__((weak)) uint16_t cpu_lduw(CPUX86State *env, uint64_t la) { return stub_ld(la, 2); }
__attribute__((weak)) uint32_t cpu_ldl(CPUX86State *env, uint64_t la) { return stub_ld(la, 4); }
__attribute__((weak)) uint64_t cpu_ldq(CPUX86State *env, uint64_t la) { return stub_ld(la, 8); }
__attribute__((weak)) void cpu_stb(CPUX86State *env, uint64_t la, uint8_t v) { stub_st(la, 1, v); }
__attribute__((weak)) void cpu_stw(CPUX86State *env, uint64_t la, uint16_t v) { stub_st(la, 2, v); }
__attribute__((weak)) void cpu_stl(CPUX86State *env, uint64_t la, uint32_t v) { stub_st(la, 4, v); }
__attribute__((weak)) void cpu_stq(CPUX86State *env, uint64_t la, uint64_t v) { stub_st(la, 8, v); }
__attribute__((weak)) uint8_t cpu_ldub_kernel(CPUX86State *env, uint64_t la) { return stub_ld(la, 1); }
__attribute__((weak)) uint16_t cpu_lduw_kernel(CPUX86State *env, uint64_t la) { return stub_ld(la, 2); }
__attribute__((weak)) uint32_t cpu_ldl_kernel(CPUX86State *env, uint64_t la) { return stub_ld(la, 4); }
__attribute__((weak)) uint64_t cpu_ldq_kernel(CPUX86State *env, uint64_t la) { return stub_ld(la, 8); }

__attribute__((weak)) uint64_t mmu_translate(CPUX86State *env, uint64_t linear, int access,
                                             bool is_user)
{
    return linear;
}

/* Flat segmentation: base from the cache, no limit checks except a
 * canonical check in 64-bit code. */
__attribute__((weak)) uint64_t seg_linear(CPUX86State *env, int seg, uint64_t offset,
                                          unsigned size, int access)
{
    if (env->code_bits != 64) {
        return (env->segs[seg].base + offset) & 0xffffffffu;
    }
    uint64_t la = offset + ((seg == R_FS || seg == R_GS) ? env->segs[seg].base : 0);
    if ((uint64_t)((int64_t)(la << 16) >> 16) != la) {
        cpu_raise_exception_err(env, seg == R_SS ? EXCP_SS : EXCP_GP, 0);
    }
    return la;
}

__attribute__((weak)) void seg_load(CPUX86State *env, int seg, uint16_t selector)
{
    env->segs[seg].selector = selector;
    env->segs[seg].base = (uint64_t)selector << 4;
}

__attribute__((weak)) void cpu_cpuid(CPUX86State *env, uint32_t leaf, uint32_t subleaf,
                                     uint32_t out[4])
{
    out[0] = leaf ^ 0x11111111u;
    out[1] = subleaf;
    out[2] = 0x33333333u;
    out[3] = 0x44444444u;
}

__attribute__((weak)) uint64_t cpu_rdtsc(CPUX86State *env)
{
    return 0x123456789abcdef0ull;
}

__attribute__((weak)) uint64_t cpu_io_read(CPUX86State *env, uint16_t port, unsigned size)
{
    stub_io_reads++;
    stub_io_last_port = port;
    stub_io_last_size = size;
    return 0xa5a5a5a5u & size_mask(size);
}

__attribute__((weak)) void cpu_io_write(CPUX86State *env, uint16_t port, uint64_t value,
                                        unsigned size)
{
    stub_io_writes++;
    stub_io_last_port = port;
    stub_io_last_value = value;
    stub_io_last_size = size;
}

/* Every handler weakly: the user-level ones in ops_*.c override these;
 * the system ones stay #UD until ops_system.c is linked. */
#define INSN(id, mnemonic, flags) \
    __attribute__((weak)) void op_##id(CPUX86State *env, const Insn *insn) \
    { cpu_raise_exception(env, EXCP_UD); }
#include "target/i386/insn.def"
#undef INSN

bool stub_mem_active(void)
{
    return cpu_ldub == stub_cpu_ldub;
}

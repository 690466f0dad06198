/*
 * target/i386/debug.c - hardware breakpoints (SDM Vol.3 17.2-17.3):
 * DR0-DR3 with DR7's enables, types and lengths.
 *
 * Instruction breakpoints (R/W = 00) are checked by the interpreter
 * before an instruction runs (a fault, unless RFLAGS.RF is set); data
 * breakpoints (R/W = 01 write, 11 read or write) are checked by the MMU's
 * slow path, which every access to a page holding one takes while any is
 * enabled (the software TLB keeps no host pointer for such pages), and
 * trap after the instruction.  I/O breakpoints (R/W = 10 with CR4.DE)
 * are not implemented.  Only the interpreter's one-instruction path runs
 * while breakpoints are enabled, so the checks cost nothing otherwise.
 */
#include "target/i386/cpu.h"

#define DR7_RW(dr7, n)  (((dr7) >> (16 + 4 * (n))) & 3)
#define DR7_LEN(dr7, n) (((dr7) >> (18 + 4 * (n))) & 3)
#define DR7_ENABLED(dr7, n) (((dr7) >> (2 * (n))) & 3)

/* LEN 00/01/11/10 = 1/2/4/8 bytes; the address is aligned down to it */
static unsigned bp_len(uint64_t dr7, int n)
{
    static const unsigned len[4] = { 1, 2, 8, 4 };
    return len[DR7_LEN(dr7, n)];
}

void cpu_update_breakpoints(CPUX86State *env)
{
    uint64_t dr7 = env->dr[7];
    uint8_t insn = 0, data = 0;
    for (int n = 0; n < 4; n++) {
        if (!DR7_ENABLED(dr7, n)) {
            continue;
        }
        switch (DR7_RW(dr7, n)) {
        case 0:
            insn |= 1u << n;
            break;
        case 1:
        case 3:
            data |= 1u << n;
            break;
        default:
            break;      /* I/O breakpoints: not implemented */
        }
    }
    env->dr_insn_bp = insn;
    if (data || env->dr_data_bp) {
        /* TLB entries of watched pages must lose their host pointer (and
         * those of pages no longer watched may have it again) */
        mmu_tlb_flush(env);
    }
    env->dr_data_bp = data;
}

unsigned cpu_insn_breakpoint_hits(const CPUX86State *env, uint64_t la)
{
    unsigned hits = 0;
    for (int n = 0; n < 4; n++) {
        if ((env->dr_insn_bp >> n) & 1 && env->dr[n] == la) {
            hits |= 1u << n;
        }
    }
    return hits;
}

bool cpu_page_has_data_breakpoint(const CPUX86State *env, uint64_t page)
{
    for (int n = 0; n < 4; n++) {
        if ((env->dr_data_bp >> n) & 1 && (env->dr[n] & ~0xfffull) == page) {
            return true;
        }
    }
    return false;
}

void cpu_data_breakpoint_check(CPUX86State *env, uint64_t la, unsigned size, bool is_write)
{
    for (int n = 0; n < 4; n++) {
        if (!((env->dr_data_bp >> n) & 1) || (!is_write && DR7_RW(env->dr[7], n) != 3)) {
            continue;
        }
        unsigned len = bp_len(env->dr[7], n);
        uint64_t start = env->dr[n] & ~(uint64_t)(len - 1);
        if (la < start + len && start < la + size) {
            env->db_hits |= 1u << n;
        }
    }
}

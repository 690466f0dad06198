/*
 * target/i386/seg.h - helpers shared by the system-architecture files of the
 * CPU model (seg.c, excp.c, mmu.c, ops_system.c).  Not a contract header:
 * other subsystems use cpu.h.
 *
 * Design: descriptors are handled as the two raw dwords (e1 = low, e2 =
 * high) the SDM draws in Vol.3 3.4.5 / 3.5; SegmentCache.flags keeps e2's
 * attribute bits in place, so decoding is a few masks.  Stack pushes for
 * interrupt delivery and far calls go through StackPtr, which writes to a
 * stack that is not loaded yet (new SS:ESP from the TSS) and commits
 * nothing to the registers: callers load SS/CS/RSP only after every push
 * succeeded, so a fault in the middle leaves the architectural state intact.
 */
#ifndef TARGET_I386_SEG_H
#define TARGET_I386_SEG_H

#include "target/i386/cpu.h"

#define SEL_RPL(s) ((s) & 3u)
#define SEL_TI     4u
#define DESC_TYPE(e2) (((e2) >> 8) & 0xf)
#define DESC_DPL(e2)  (((e2) >> 13) & 3)

static inline uint64_t desc_base(uint32_t e1, uint32_t e2)
{
    return (e1 >> 16) | ((e2 & 0xff) << 16) | (e2 & 0xff000000u);
}

static inline uint32_t desc_limit(uint32_t e1, uint32_t e2)
{
    uint32_t limit = (e1 & 0xffff) | (e2 & 0x000f0000u);
    if (e2 & DESC_G_MASK) {
        limit = (limit << 12) | 0xfff;
    }
    return limit;
}

/* The cached attributes: the whole high dword, as QEMU keeps it, so that
 * `-d cpu` dumps match QEMU's byte for byte (the base and limit bits in it
 * are ignored: every user masks with DESC_*). */
static inline uint32_t desc_flags(uint32_t e2)
{
    return e2;
}

static inline bool la_is_canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* 64-bit mode: IA-32e mode with CS.L = 1 */
static inline bool cpu_in_64bit(const CPUX86State *env)
{
    return env->long_mode && (env->segs[R_CS].flags & DESC_L_MASK);
}

/* Protected mode proper (not real mode, not V86) */
static inline bool cpu_in_pmode(const CPUX86State *env)
{
    return (env->cr[0] & CR0_PE) && !(env->eflags & VM_MASK);
}

/* ---- seg.c ---- */
/* Read the 8-byte descriptor of sel from the GDT or LDT; false if its index
 * lies beyond the table limit. */
bool seg_fetch_desc(CPUX86State *env, uint16_t sel, uint32_t *e1, uint32_t *e2);
/* Third dword (bits 95:64) of a 16-byte long-mode system descriptor. */
bool seg_fetch_desc_hi(CPUX86State *env, uint16_t sel, uint32_t *e3);
/* Set the accessed bit of a code/data descriptor (in memory and in *e2). */
void seg_set_accessed(CPUX86State *env, uint16_t sel, uint32_t *e2);
/* Load the hidden part of a segment register without checks (no
 * cpu_update_mode: callers do that once after loading CS and SS). */
void seg_load_cache(CPUX86State *env, int seg, uint16_t sel, uint64_t base,
                    uint32_t limit, uint32_t flags);
void seg_load_cache_desc(CPUX86State *env, int seg, uint16_t sel,
                         uint32_t e1, uint32_t e2);
void seg_load_ldt(CPUX86State *env, uint16_t sel);
void seg_load_tr(CPUX86State *env, uint16_t sel);
/* true if off..off+size-1 lies within the segment (expand-down aware) */
bool seg_in_limit(const SegmentCache *sc, uint64_t off, unsigned size);
/* After a return to an outer level: null ES/DS/FS/GS that the new CPL may
 * not use (SDM Vol.2 IRET/RET operation). */
void seg_null_inaccessible(CPUX86State *env);
/* Inner stack for privilege level dpl from the 16/32-bit TSS (#TS on
 * overflow of the TSS limit). */
void tss_get_stack32(CPUX86State *env, int dpl, uint16_t *ss, uint32_t *sp);
/* 64-bit TSS: RSPn (n = 0..2) or ISTn (ist 1..7) */
uint64_t tss_get_stack64(CPUX86State *env, int dpl, int ist);
/* Validate a new SS for an inner-level transfer (#TS/#SS per SDM) and
 * return its descriptor. */
void seg_check_new_ss(CPUX86State *env, uint16_t ss, int dpl, uint32_t *e1,
                      uint32_t *e2, uint32_t ext);

/* Hardware task switch to the TSS (or through the task gate) sel with
 * descriptor e1/e2 (SDM Vol.3 8.3); next_eip is saved as the old task's
 * EIP.  Sets env->next_rip to the new task's EIP. */
enum { TASK_JMP, TASK_CALL, TASK_IRET };
void task_switch(CPUX86State *env, uint16_t sel, uint32_t e1, uint32_t e2, int source,
                 uint64_t next_eip);

/* ---- stack writes to a (possibly not yet loaded) stack ---- */
typedef struct StackPtr {
    SegmentCache ss;  /* the stack segment (for base and limit checks) */
    uint64_t sp;
    uint64_t mask;    /* 0xffff, 0xffffffff or ~0 */
    bool check_limit; /* not in 64-bit mode */
    bool user;        /* access with CPL 3 rights */
} StackPtr;
void stack_init(CPUX86State *env, StackPtr *st, const SegmentCache *ss,
                uint64_t sp, int bits, int cpl);
void stack_push(CPUX86State *env, StackPtr *st, uint64_t v, unsigned size);
uint64_t stack_pop(CPUX86State *env, StackPtr *st, unsigned size);
/* New RSP value after the pushes (upper bits preserved for 16-bit stacks) */
uint64_t stack_commit_sp(const StackPtr *st, uint64_t old_rsp);

/* ---- mmu.c: sized accesses with explicit rights ---- */
uint64_t mmu_ld(CPUX86State *env, uint64_t la, unsigned size, bool is_user);
void mmu_st(CPUX86State *env, uint64_t la, unsigned size, uint64_t v, bool is_user);
/* Flush the TLB if env->a20_mask changed since it was filled (called after
 * port writes: the A20 gate lives behind ports 0x92 and 0x60/0x64). */
void mmu_tlb_check_a20(CPUX86State *env);
/* CR3 load: flush all but global-page entries (all if CR4.PGE = 0). */
void mmu_tlb_flush_nonglobal(CPUX86State *env);

/* ---- msr.c: the CPU's local APIC, if the machine has one ---- */
struct ApicState *cpu_apic(CPUX86State *env);
/* CR8 = TPR[7:4] of the LAPIC (or env->cr8 without one) */
uint64_t cpu_get_cr8(CPUX86State *env);
void cpu_set_cr8(CPUX86State *env, uint64_t v);

/* ---- excp.c ---- */
/* IRET for the current mode; opsize 2, 4 or 8. */
void cpu_iret(CPUX86State *env, unsigned opsize);

/* ---- ops_system.c / seg.c far transfers ---- */
void cpu_far_jmp(CPUX86State *env, uint16_t sel, uint64_t off, unsigned opsize);
void cpu_far_call(CPUX86State *env, uint16_t sel, uint64_t off, unsigned opsize);
void cpu_far_ret(CPUX86State *env, unsigned opsize, unsigned imm);

#endif

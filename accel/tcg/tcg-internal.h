/*
 * accel/tcg/tcg-internal.h - pieces of the TCG accelerator shared by its
 * files: per-vCPU state, the block builder and the execution backends.
 *
 * Backends: the block cache (tcg/) is shared; a backend turns a block into
 * something it can run and runs it.  The interpreter walks the decoded
 * Insn array calling the semantic handlers of target/i386; a JIT will
 * compile the same array to host code and fall back to the same handlers
 * for what it does not emit inline.
 */
#ifndef ACCEL_TCG_INTERNAL_H
#define ACCEL_TCG_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "tcg/tcg.h"
#include "target/i386/cpu.h"

typedef struct TcgVcpu TcgVcpu;

typedef struct TcgBackend {
    const char *name;
    /* Prepare a freshly decoded block (a JIT compiles it); may be NULL. */
    void (*prepare)(TranslationBlock *tb);
    /* Run the block on env.  Returns after the block's last instruction,
     * or earlier when an instruction ended it (halt, its own code was
     * overwritten, a REP batch yielded).  Exceptions longjmp out. */
    void (*exec)(CPUX86State *env, TranslationBlock *tb, TcgVcpu *t);
    void (*release)(TranslationBlock *tb); /* may be NULL */
} TcgBackend;

extern const TcgBackend tcg_backend_interp;

/* Per-vCPU TCG state (X86CPU.tcg_state) */
struct TcgVcpu {
    TBCache *cache;
    const TcgBackend *backend;
    uint64_t insns_executed;   /* for the bench and -d exec statistics */
    uint64_t blocks_executed;
    uint64_t blocks_chained;   /* found through a link, no lookup */
    /* the cache's invalidation counter (tb_cache_generation_ptr), set at
     * vcpu_init: the run loop and the interpreter poll it without a call */
    const volatile uint64_t *gen_ptr;
    /* generation whose dropped blocks were last freed (tb_cache_collect);
     * kept here rather than in a local so it survives exception longjmps */
    uint64_t collected_gen;
};

/* Decode mode key of a block for the current state. */
static inline uint32_t tb_mode_flags(const CPUX86State *env)
{
    return env->code_bits;
}

/* Linear address of CS:RIP */
static inline uint64_t tcg_current_pc(const CPUX86State *env)
{
    if (env->code_bits == 64) {
        return env->rip;
    }
    return (env->segs[R_CS].base + env->rip) & 0xffffffffull;
}

/* Find or build the block at the current CS:RIP (raises #PF/#GP/#UD for
 * the first instruction when it cannot be fetched or decoded). */
TranslationBlock *tcg_find_block(CPUX86State *env, TcgVcpu *t);

#endif

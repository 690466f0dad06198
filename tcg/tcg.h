/*
 * tcg/tcg.h - the translation block cache, shared by every execution
 * backend (the interpreter now, a JIT later).
 *
 * A block is a run of guest instructions decoded once: keyed by the guest
 * physical address of its first byte, its linear PC and the CPU mode that
 * decoding depends on.  Blocks never span a page boundary except when the
 * first instruction itself straddles one (then page2 records the second
 * page), so every block lives on at most two physical pages, and each page
 * keeps the list of blocks on it: a guest write to a code page (reported
 * by the MMU through the CodeWatch of hw/bus.h) drops exactly the blocks
 * whose bytes it touches.
 */
#ifndef TCG_TCG_H
#define TCG_TCG_H

#include <stdbool.h>
#include <stdint.h>

#include "target/i386/insn.h"

#define TB_MAX_INSNS 64

typedef struct TranslationBlock {
    uint64_t pc;            /* linear address of the first instruction */
    uint64_t phys_pc;       /* guest physical address of the first byte */
    uint64_t phys_page2;    /* physical page of the straddling tail, or ~0 */
    uint32_t flags;         /* decode mode key (tb_mode_flags) */
    uint16_t size;          /* bytes covered */
    uint16_t nr_insns;
    bool invalid;           /* dropped while possibly executing: freed later */
    bool chainable;         /* ends in a near branch or a plain cut: the
                             * next block may be found through links[] */
    /* Successors seen after this block (taken / fall-through), valid only
     * while the cache generation equals links_gen: any invalidation may
     * free the block a link points to. */
    struct TranslationBlock *links[2];
    uint64_t links_gen;
    struct TranslationBlock *hash_next;
    struct TranslationBlock *page_next[2]; /* per-page lists (page 1, page 2) */
    void *backend_data;     /* a backend's compiled form (JIT code) */
    uint64_t exec_count;
    Insn insns[];           /* nr_insns decoded instructions */
} TranslationBlock;

typedef struct TBCache TBCache;
struct PhysMemory;

/* One cache per machine (blocks are physical, all vCPUs share them). */
TBCache *tb_cache_new(struct PhysMemory *pm);
void tb_cache_free(TBCache *c);

/* Find a valid block for (phys_pc, pc, flags), or NULL. */
TranslationBlock *tb_cache_lookup(TBCache *c, uint64_t phys_pc, uint64_t pc, uint32_t flags);
/* Allocate a block with room for n instructions (not yet inserted). */
TranslationBlock *tb_alloc(unsigned n);
/* Insert a filled block: indexes it and marks its pages as code. */
void tb_cache_insert(TBCache *c, TranslationBlock *tb);
/* Drop every block overlapping [gpa, gpa + len). Returns how many. */
unsigned tb_invalidate_phys_range(TBCache *c, uint64_t gpa, uint64_t len);
/* Drop everything (cache full, or a global change). */
void tb_cache_flush(TBCache *c);
/* Free blocks dropped earlier; call only when no block is executing. */
void tb_cache_collect(TBCache *c);
/* Number of invalidations since creation: the interpreter compares it
 * before and after an instruction to notice its own block went away. */
uint64_t tb_cache_generation(const TBCache *c);
/* The same counter for a hot loop to poll without a call. */
const volatile uint64_t *tb_cache_generation_ptr(const TBCache *c);

typedef struct TBCacheStats {
    uint64_t blocks, lookups, misses, invalidations, flushes;
} TBCacheStats;
void tb_cache_stats(const TBCache *c, TBCacheStats *out);

#endif

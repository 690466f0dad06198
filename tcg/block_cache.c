/*
 * tcg/block_cache.c - translation blocks: hash lookup, per-page lists and
 * self-modifying-code invalidation.
 *
 * Lookup is a hash on the physical PC (the linear PC and mode flags are
 * compared too, since the same bytes decode differently in another mode
 * and RIP-relative/IP-relative handling needs the linear PC).  Each code
 * page's block list hangs off a GHashTable keyed by physical page number;
 * CodeWatch.pages (one byte per page) is the cheap test the MMU does on
 * every store.  Blocks dropped by a write may be the very block that is
 * executing the write, so they are only unlinked and marked invalid here
 * and freed later by tb_cache_collect() at a block boundary.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "hw/bus.h"
#include "tcg/tcg.h"

#define TB_HASH_BITS 16
#define TB_HASH_SIZE (1u << TB_HASH_BITS)
/* Past this many blocks, start over: a guest that keeps generating code
 * (a JIT, a loader) must not grow our memory without bound. */
#define TB_MAX_BLOCKS (1u << 18)

struct TBCache {
    PhysMemory *pm;
    GMutex lock;
    TranslationBlock *hash[TB_HASH_SIZE];
    GHashTable *pages;          /* page number -> first TranslationBlock */
    uint8_t *page_flags;        /* CodeWatch.pages */
    uint64_t nr_page_flags;
    GPtrArray *garbage;         /* invalidated, not yet freed */
    uint64_t generation;
    uint64_t nr_blocks;
    TBCacheStats stats;
};

static unsigned tb_hash(uint64_t phys_pc)
{
    uint64_t h = phys_pc * 0x9e3779b97f4a7c15ull;
    return (unsigned)(h >> (64 - TB_HASH_BITS));
}

static void tb_code_write(void *opaque, uint64_t gpa, uint64_t len)
{
    tb_invalidate_phys_range(opaque, gpa, len);
}

TBCache *tb_cache_new(PhysMemory *pm)
{
    TBCache *c = calloc(1, sizeof(*c));
    uint64_t end = 0;

    g_mutex_init(&c->lock);
    c->pm = pm;
    c->pages = g_hash_table_new(g_int64_hash, g_int64_equal);
    c->garbage = g_ptr_array_new();
    for (int i = 0; i < pm->nr_slots; i++) {
        uint64_t e = pm->slots[i].gpa + pm->slots[i].size;
        if (e > end) {
            end = e;
        }
    }
    c->nr_page_flags = (end + 0xfff) >> 12;
    c->page_flags = calloc(c->nr_page_flags ? c->nr_page_flags : 1, 1);
    pm->code_watch = (CodeWatch){ c->page_flags, c->nr_page_flags, tb_code_write, c };
    return c;
}

static void tb_free_all_blocks(TBCache *c)
{
    for (unsigned i = 0; i < TB_HASH_SIZE; i++) {
        TranslationBlock *tb = c->hash[i];
        while (tb) {
            TranslationBlock *next = tb->hash_next;
            free(tb);
            tb = next;
        }
        c->hash[i] = NULL;
    }
}

void tb_cache_free(TBCache *c)
{
    if (!c) {
        return;
    }
    tb_cache_collect(c);
    tb_free_all_blocks(c);
    c->pm->code_watch = (CodeWatch){ 0 };
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, c->pages);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        g_free(key);
    }
    g_hash_table_destroy(c->pages);
    g_ptr_array_free(c->garbage, TRUE);
    free(c->page_flags);
    g_mutex_clear(&c->lock);
    free(c);
}

TranslationBlock *tb_cache_lookup(TBCache *c, uint64_t phys_pc, uint64_t pc, uint32_t flags)
{
    c->stats.lookups++;
    for (TranslationBlock *tb = c->hash[tb_hash(phys_pc)]; tb; tb = tb->hash_next) {
        if (tb->phys_pc == phys_pc && tb->pc == pc && tb->flags == flags) {
            return tb;
        }
    }
    c->stats.misses++;
    return NULL;
}

TranslationBlock *tb_alloc(unsigned n)
{
    TranslationBlock *tb = calloc(1, sizeof(*tb) + n * sizeof(Insn));
    if (!tb) {
        abort(); /* host out of memory: nothing sensible to do */
    }
    tb->phys_page2 = ~0ull;
    return tb;
}

static TranslationBlock **page_head(TBCache *c, uint64_t page, bool create)
{
    TranslationBlock **head = g_hash_table_lookup(c->pages, &page);
    if (!head && create) {
        /* key and value share one allocation: [page][head] */
        uint64_t *cell = g_malloc0(2 * sizeof(uint64_t));
        cell[0] = page;
        head = (TranslationBlock **)&cell[1];
        g_hash_table_insert(c->pages, cell, head);
    }
    return head;
}

static int tb_page_slot(const TranslationBlock *tb, uint64_t page)
{
    return (tb->phys_pc >> 12) == page ? 0 : 1;
}

static void page_link(TBCache *c, TranslationBlock *tb, uint64_t page, int slot)
{
    TranslationBlock **head = page_head(c, page, true);
    tb->page_next[slot] = *head;
    *head = tb;
    if (page < c->nr_page_flags) {
        c->page_flags[page] = 1;
    }
}

void tb_cache_insert(TBCache *c, TranslationBlock *tb)
{
    g_mutex_lock(&c->lock);
    if (c->nr_blocks >= TB_MAX_BLOCKS) {
        g_mutex_unlock(&c->lock);
        tb_cache_flush(c);
        g_mutex_lock(&c->lock);
    }
    unsigned h = tb_hash(tb->phys_pc);
    tb->hash_next = c->hash[h];
    c->hash[h] = tb;
    page_link(c, tb, tb->phys_pc >> 12, 0);
    if (tb->phys_page2 != ~0ull) {
        page_link(c, tb, tb->phys_page2 >> 12, 1);
    }
    c->nr_blocks++;
    c->stats.blocks++;
    g_mutex_unlock(&c->lock);
}

static bool tb_overlaps(const TranslationBlock *tb, uint64_t gpa, uint64_t len)
{
    uint64_t first_len = tb->size;
    if (tb->phys_page2 != ~0ull) {
        first_len = 0x1000 - (tb->phys_pc & 0xfff);
        uint64_t second_len = tb->size - first_len;
        if (gpa < tb->phys_page2 + second_len && tb->phys_page2 < gpa + len) {
            return true;
        }
    }
    return gpa < tb->phys_pc + first_len && tb->phys_pc < gpa + len;
}

static void page_unlink(TBCache *c, TranslationBlock *tb, uint64_t page)
{
    TranslationBlock **head = page_head(c, page, false);
    if (!head) {
        return;
    }
    for (TranslationBlock **pp = head; *pp; pp = &(*pp)->page_next[tb_page_slot(*pp, page)]) {
        if (*pp == tb) {
            *pp = tb->page_next[tb_page_slot(tb, page)];
            break;
        }
    }
    if (!*head && page < c->nr_page_flags) {
        c->page_flags[page] = 0;
    }
}

static void tb_unlink(TBCache *c, TranslationBlock *tb)
{
    for (TranslationBlock **pp = &c->hash[tb_hash(tb->phys_pc)]; *pp; pp = &(*pp)->hash_next) {
        if (*pp == tb) {
            *pp = tb->hash_next;
            break;
        }
    }
    page_unlink(c, tb, tb->phys_pc >> 12);
    if (tb->phys_page2 != ~0ull) {
        page_unlink(c, tb, tb->phys_page2 >> 12);
    }
    tb->invalid = true;
    g_ptr_array_add(c->garbage, tb);
    c->nr_blocks--;
    c->stats.invalidations++;
}

unsigned tb_invalidate_phys_range(TBCache *c, uint64_t gpa, uint64_t len)
{
    unsigned dropped = 0;
    if (len == 0) {
        return 0;
    }
    g_mutex_lock(&c->lock);
    for (uint64_t page = gpa >> 12; page <= (gpa + len - 1) >> 12; page++) {
        TranslationBlock **head = page_head(c, page, false);
        TranslationBlock *tb = head ? *head : NULL;
        while (tb) {
            TranslationBlock *next = tb->page_next[tb_page_slot(tb, page)];
            if (tb_overlaps(tb, gpa, len)) {
                tb_unlink(c, tb);
                dropped++;
            }
            tb = next;
        }
    }
    if (dropped) {
        c->generation++;
    }
    g_mutex_unlock(&c->lock);
    return dropped;
}

void tb_cache_flush(TBCache *c)
{
    g_mutex_lock(&c->lock);
    for (unsigned i = 0; i < TB_HASH_SIZE; i++) {
        for (TranslationBlock *tb = c->hash[i]; tb; tb = tb->hash_next) {
            tb->invalid = true;
            g_ptr_array_add(c->garbage, tb);
        }
        c->hash[i] = NULL;
    }
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, c->pages);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        *(TranslationBlock **)value = NULL;
    }
    memset(c->page_flags, 0, c->nr_page_flags);
    c->nr_blocks = 0;
    c->generation++;
    c->stats.flushes++;
    g_mutex_unlock(&c->lock);
}

void tb_cache_collect(TBCache *c)
{
    g_mutex_lock(&c->lock);
    for (unsigned i = 0; i < c->garbage->len; i++) {
        free(g_ptr_array_index(c->garbage, i));
    }
    g_ptr_array_set_size(c->garbage, 0);
    g_mutex_unlock(&c->lock);
}

uint64_t tb_cache_generation(const TBCache *c)
{
    return __atomic_load_n(&c->generation, __ATOMIC_ACQUIRE);
}

const volatile uint64_t *tb_cache_generation_ptr(const TBCache *c)
{
    return &c->generation;
}

void tb_cache_stats(const TBCache *c, TBCacheStats *out)
{
    *out = c->stats;
    out->blocks = c->nr_blocks;
}

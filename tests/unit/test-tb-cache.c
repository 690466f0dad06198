/* Unit tests for tcg/block_cache.c: lookup keys, page-precise
 * invalidation (self-modifying code), straddling blocks, the CodeWatch
 * page markers the MMU tests on every store, and flushing. */
#include <glib.h>
#include <string.h>

#include "hw/bus.h"
#include "tcg/tcg.h"

static uint8_t ram[0x10000];

static PhysMemory *make_pm(void)
{
    static PhysMemory pm;
    memset(&pm, 0, sizeof(pm));
    as_init(&pm.mmio, "mmio");
    phys_add_slot(&pm, 0, sizeof(ram), ram, false, "ram");
    return &pm;
}

static TranslationBlock *mk(TBCache *c, uint64_t phys, uint64_t pc, uint16_t size, uint32_t flags)
{
    TranslationBlock *tb = tb_alloc(1);
    tb->phys_pc = phys;
    tb->pc = pc;
    tb->size = size;
    tb->flags = flags;
    tb->nr_insns = 1;
    tb_cache_insert(c, tb);
    return tb;
}

static void test_lookup_keys(void)
{
    PhysMemory *pm = make_pm();
    TBCache *c = tb_cache_new(pm);
    TranslationBlock *a = mk(c, 0x1000, 0xffff1000, 16, 32);
    TranslationBlock *b = mk(c, 0x1000, 0xffff1000, 16, 64);
    g_assert_true(tb_cache_lookup(c, 0x1000, 0xffff1000, 32) == a);
    g_assert_true(tb_cache_lookup(c, 0x1000, 0xffff1000, 64) == b);
    g_assert_null(tb_cache_lookup(c, 0x1000, 0x1000, 32));     /* other linear alias */
    g_assert_null(tb_cache_lookup(c, 0x1010, 0xffff1010, 32));
    tb_cache_free(c);
}

static void test_invalidate_precise(void)
{
    PhysMemory *pm = make_pm();
    TBCache *c = tb_cache_new(pm);
    mk(c, 0x2000, 0x2000, 0x10, 32);
    mk(c, 0x2040, 0x2040, 0x10, 32);
    g_assert_true(code_watch_hit(&pm->code_watch, 0x2fff));
    g_assert_false(code_watch_hit(&pm->code_watch, 0x3000));
    /* a write between the blocks drops nothing */
    g_assert_cmpuint(tb_invalidate_phys_range(c, 0x2010, 0x30), ==, 0);
    uint64_t gen = tb_cache_generation(c);
    /* a write touching the last byte of the first block drops only it */
    g_assert_cmpuint(tb_invalidate_phys_range(c, 0x200f, 1), ==, 1);
    g_assert_cmpuint(tb_cache_generation(c), >, gen);
    g_assert_null(tb_cache_lookup(c, 0x2000, 0x2000, 32));
    g_assert_nonnull(tb_cache_lookup(c, 0x2040, 0x2040, 32));
    g_assert_true(code_watch_hit(&pm->code_watch, 0x2000));
    /* dropping the last block on a page clears the page marker */
    g_assert_cmpuint(tb_invalidate_phys_range(c, 0x2040, 4), ==, 1);
    g_assert_false(code_watch_hit(&pm->code_watch, 0x2000));
    tb_cache_collect(c);
    tb_cache_free(c);
}

static void test_store_through_phys_write(void)
{
    PhysMemory *pm = make_pm();
    TBCache *c = tb_cache_new(pm);
    mk(c, 0x4100, 0x4100, 8, 16);
    phys_write(pm, 0x4104, "\x90", 1); /* the CodeWatch hook is wired */
    g_assert_null(tb_cache_lookup(c, 0x4100, 0x4100, 16));
    tb_cache_free(c);
}

static void test_straddling_block(void)
{
    PhysMemory *pm = make_pm();
    TBCache *c = tb_cache_new(pm);
    /* first page 0x5ffc..0x5fff, tail mapped at physical page 0x9000 */
    TranslationBlock *tb = tb_alloc(1);
    tb->phys_pc = 0x5ffc;
    tb->pc = 0x7ffc;
    tb->phys_page2 = 0x9000;
    tb->size = 7;
    tb_cache_insert(c, tb);
    g_assert_true(code_watch_hit(&pm->code_watch, 0x9000));
    g_assert_cmpuint(tb_invalidate_phys_range(c, 0x9003, 1), ==, 0); /* past the tail */
    g_assert_cmpuint(tb_invalidate_phys_range(c, 0x9002, 1), ==, 1);
    g_assert_false(code_watch_hit(&pm->code_watch, 0x9000));
    g_assert_false(code_watch_hit(&pm->code_watch, 0x5000));
    tb_cache_free(c);
}

static void test_flush(void)
{
    PhysMemory *pm = make_pm();
    TBCache *c = tb_cache_new(pm);
    for (int i = 0; i < 100; i++) {
        mk(c, 0x100 * i, 0x100 * i, 4, 32);
    }
    TBCacheStats st;
    tb_cache_stats(c, &st);
    g_assert_cmpuint(st.blocks, ==, 100);
    tb_cache_flush(c);
    g_assert_null(tb_cache_lookup(c, 0x100, 0x100, 32));
    g_assert_false(code_watch_hit(&pm->code_watch, 0x100));
    tb_cache_collect(c);
    tb_cache_free(c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tb-cache/lookup-keys", test_lookup_keys);
    g_test_add_func("/tb-cache/invalidate-precise", test_invalidate_precise);
    g_test_add_func("/tb-cache/store-through-phys-write", test_store_through_phys_write);
    g_test_add_func("/tb-cache/straddling-block", test_straddling_block);
    g_test_add_func("/tb-cache/flush", test_flush);
    return g_test_run();
}

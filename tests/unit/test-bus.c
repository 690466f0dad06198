/* Unit tests for hw/core/bus.c: region lookup, overlap rejection, access
 * size splitting/widening, unassigned reads, RAM slots and the code watch. */
#include <glib.h>
#include <string.h>

#include "hw/bus.h"

typedef struct {
    uint8_t regs[16];
    int nr_reads, nr_writes;
    unsigned last_size;
} FakeDev;

static uint64_t fake_read(void *opaque, uint64_t off, unsigned size)
{
    FakeDev *d = opaque;
    uint64_t v = 0;
    d->nr_reads++;
    d->last_size = size;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)d->regs[(off + i) & 15] << (8 * i);
    }
    return v;
}

static void fake_write(void *opaque, uint64_t off, uint64_t value, unsigned size)
{
    FakeDev *d = opaque;
    d->nr_writes++;
    d->last_size = size;
    for (unsigned i = 0; i < size; i++) {
        d->regs[(off + i) & 15] = value >> (8 * i);
    }
}

static const MemoryOps byte_ops = { fake_read, fake_write, 1, 1 };
static const MemoryOps dword_ops = { fake_read, fake_write, 4, 4 };

static void test_map_and_find(void)
{
    AddressSpace as;
    FakeDev a = {0}, b = {0};
    as_init(&as, "io");
    g_assert_true(as_map(&as, 0x3f8, 8, &byte_ops, &a, "a"));
    g_assert_true(as_map(&as, 0x20, 2, &byte_ops, &b, "b"));
    g_assert_false(as_map(&as, 0x3fc, 8, &byte_ops, &b, "overlap"));
    g_assert_false(as_map(&as, 0x3f0, 9, &byte_ops, &b, "overlap-below"));
    g_assert_false(as_map(&as, 0x100, 0, &byte_ops, &b, "empty"));
    g_assert_true(as_find(&as, 0x3f8)->opaque == &a);
    g_assert_true(as_find(&as, 0x3ff)->opaque == &a);
    g_assert_null(as_find(&as, 0x400));
    g_assert_true(as_find(&as, 0x21)->opaque == &b);
    g_assert_null(as_find(&as, 0x22));
    as_unmap(&as, 0x20);
    g_assert_null(as_find(&as, 0x20));
    as_destroy(&as);
}

static void test_unassigned_reads_ones(void)
{
    AddressSpace as;
    uint64_t v = 0;
    as_init(&as, "io");
    g_assert_false(as_read(&as, 0x1234, 1, &v));
    g_assert_cmphex(v, ==, 0xff);
    g_assert_false(as_read(&as, 0x1234, 4, &v));
    g_assert_cmphex(v, ==, 0xffffffff);
    g_assert_false(as_write(&as, 0x1234, 2, 0x55));
    as_destroy(&as);
}

static void test_split_wide_access(void)
{
    AddressSpace as;
    FakeDev d = {0};
    uint64_t v;
    as_init(&as, "io");
    as_map(&as, 0x100, 8, &byte_ops, &d, "bytes");
    g_assert_true(as_write(&as, 0x100, 4, 0x11223344));
    g_assert_cmpint(d.nr_writes, ==, 4);
    g_assert_cmpuint(d.last_size, ==, 1);
    g_assert_cmphex(d.regs[0], ==, 0x44);
    g_assert_cmphex(d.regs[3], ==, 0x11);
    g_assert_true(as_read(&as, 0x101, 2, &v));
    g_assert_cmphex(v, ==, 0x2233);
    as_destroy(&as);
}

static void test_widen_narrow_access(void)
{
    AddressSpace as;
    FakeDev d = {0};
    uint64_t v;
    as_init(&as, "io");
    as_map(&as, 0xcf8, 4, &dword_ops, &d, "dword");
    as_write(&as, 0xcf8, 4, 0x80001234);
    g_assert_true(as_read(&as, 0xcfa, 1, &v));
    g_assert_cmpuint(d.last_size, ==, 4);
    g_assert_cmphex(v, ==, 0x00);
    as_write(&as, 0xcf9, 1, 0xab); /* read-modify-write of the dword */
    as_read(&as, 0xcf8, 4, &v);
    g_assert_cmphex(v, ==, 0x8000ab34);
    as_destroy(&as);
}

static void test_straddling_access(void)
{
    AddressSpace as;
    FakeDev a = {0};
    uint64_t v;
    as_init(&as, "io");
    as_map(&as, 0x10, 2, &byte_ops, &a, "a");
    a.regs[0] = 0x12;
    a.regs[1] = 0x34;
    /* 4 bytes starting at 0x10: two decoded, two unassigned (0xff) */
    g_assert_true(as_read(&as, 0x10, 4, &v));
    g_assert_cmphex(v, ==, 0xffff3412);
    as_destroy(&as);
}

static int watch_hits;
static void watch_write(void *opaque, uint64_t gpa, uint64_t len) { watch_hits++; }

static void test_ram_slots(void)
{
    PhysMemory pm;
    uint8_t ram[0x3000], rom[0x1000];
    uint8_t buf[8];
    uint8_t pages[16] = {0};
    memset(&pm, 0, sizeof(pm));
    memset(ram, 0, sizeof(ram));
    memset(rom, 0xaa, sizeof(rom));
    as_init(&pm.mmio, "mmio");
    g_assert_true(phys_add_slot(&pm, 0, sizeof(ram), ram, false, "ram"));
    g_assert_true(phys_add_slot(&pm, 0x10000, sizeof(rom), rom, true, "rom"));
    g_assert_false(phys_add_slot(&pm, 0x2000, 0x2000, ram, false, "overlap"));
    g_assert_true(phys_host_ptr(&pm, 0x1000, 4, false) == ram + 0x1000);
    g_assert_null(phys_host_ptr(&pm, 0x2ffe, 4, false)); /* runs off the slot */
    g_assert_null(phys_host_ptr(&pm, 0x10000, 1, true)); /* ROM not writable */
    g_assert_nonnull(phys_host_ptr(&pm, 0x10000, 1, false));

    /* a write straddling RAM's end and unassigned space, then ROM */
    phys_write(&pm, 0x2ffe, "\x01\x02\x03\x04", 4);
    g_assert_cmphex(ram[0x2ffe], ==, 1);
    g_assert_cmphex(ram[0x2fff], ==, 2);
    phys_read(&pm, 0x2ffe, buf, 4);
    g_assert_cmphex(buf[2], ==, 0xff);
    phys_write(&pm, 0x10000, "\x00", 1);
    g_assert_cmphex(rom[0], ==, 0xaa);

    /* writes to a watched (code) page are reported, others are not */
    pm.code_watch = (CodeWatch){ pages, 16, watch_write, NULL };
    pages[1] = 1;
    phys_write(&pm, 0x0ffc, "abcd", 4);
    g_assert_cmpint(watch_hits, ==, 0);
    phys_write(&pm, 0x0ffe, "abcd", 4);
    g_assert_cmpint(watch_hits, ==, 1);
    as_destroy(&pm.mmio);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/bus/map-and-find", test_map_and_find);
    g_test_add_func("/bus/unassigned-reads-ones", test_unassigned_reads_ones);
    g_test_add_func("/bus/split-wide-access", test_split_wide_access);
    g_test_add_func("/bus/widen-narrow-access", test_widen_narrow_access);
    g_test_add_func("/bus/straddling-access", test_straddling_access);
    g_test_add_func("/bus/ram-slots", test_ram_slots);
    return g_test_run();
}

/* Unit tests for hw/i386/pc.c: the guest RAM slot layout (64M, 3.5G, 5G),
 * where the firmware is mapped for 64 KiB and 256 KiB images, and rejection
 * of firmware files of a bad size or that cannot be read. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "hw/i386/pc.h"

static char *tmpdir;

static char *make_file(const char *name, size_t size, uint8_t fill_seed)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    uint8_t *buf = g_malloc(size ? size : 1);
    for (size_t i = 0; i < size; i++) {
        buf[i] = (uint8_t)(i * 7 + fill_seed + (i >> 12));
    }
    g_assert_true(g_file_set_contents(path, (char *)buf, size, NULL));
    g_free(buf);
    return path;
}

static const RamSlot *slot_named(Machine *m, const char *name)
{
    for (int i = 0; i < m->mem.nr_slots; i++) {
        if (!strcmp(m->mem.slots[i].name, name)) {
            return &m->mem.slots[i];
        }
    }
    return NULL;
}

static void check_slot(Machine *m, const char *name, uint64_t gpa, uint64_t size,
                       uint64_t host_off, bool ro)
{
    const RamSlot *s = slot_named(m, name);
    if (!s) {
        g_error("no slot %s", name);
    }
    g_assert_cmphex(s->gpa, ==, gpa);
    g_assert_cmphex(s->size, ==, size);
    g_assert_true(s->readonly == ro);
    if (!ro) {
        g_assert_true(s->host == m->ram + host_off);
    }
}

static Machine *new_machine(uint64_t ram, const char *bios, char **err)
{
    Machine *m = calloc(1, sizeof(*m));
    *err = NULL;
    if (!pc_memory_init(m, ram, bios, err)) {
        pc_machine_free(m);
        return NULL;
    }
    return m;
}

static void test_layout_64m(void)
{
    char *err;
    Machine *m = new_machine(64ULL << 20, NULL, &err);
    g_assert_nonnull(m);
    g_assert_cmphex(m->below_4g, ==, 64ULL << 20);
    g_assert_cmphex(m->above_4g, ==, 0);
    g_assert_cmpint(m->mem.nr_slots, ==, 3);
    check_slot(m, "pc.ram-low", 0, 0xa0000, 0, false);
    check_slot(m, "pc.ram-rom-area", 0xc0000, 0x40000, 0xc0000, false);
    check_slot(m, "pc.ram", 0x100000, (64ULL << 20) - 0x100000, 0x100000, false);
    /* the VGA window is not RAM */
    g_assert_null(phys_find_slot(&m->mem, 0xa0000));
    g_assert_null(phys_find_slot(&m->mem, 0xbffff));
    g_assert_null(phys_find_slot(&m->mem, 64ULL << 20));
    /* RAM is really one mapping: a write through the slot lands at the
     * same offset of m->ram */
    uint32_t v = 0x12345678;
    phys_write(&m->mem, 0x200000, &v, 4);
    g_assert_cmpint(memcmp(m->ram + 0x200000, &v, 4), ==, 0);
    pc_machine_free(m);
}

static void test_layout_3_5g(void)
{
    char *err;
    Machine *m = new_machine(0xe0000000ULL, NULL, &err);
    g_assert_nonnull(m);
    /* from 3.5 GiB on, QEMU keeps only 3 GiB below 4 GiB */
    g_assert_cmphex(m->below_4g, ==, 0xc0000000ULL);
    g_assert_cmphex(m->above_4g, ==, 0x20000000ULL);
    check_slot(m, "pc.ram", 0x100000, 0xc0000000ULL - 0x100000, 0x100000, false);
    check_slot(m, "pc.ram-above-4g", 1ULL << 32, 0x20000000ULL, 0xc0000000ULL, false);
    g_assert_null(phys_find_slot(&m->mem, 0xc0000000ULL));
    g_assert_null(phys_find_slot(&m->mem, 0xfffffff0ULL));
    pc_machine_free(m);

    /* just below the split point everything stays below 4 GiB */
    m = new_machine(0xdff00000ULL, NULL, &err);
    g_assert_nonnull(m);
    g_assert_cmphex(m->below_4g, ==, 0xdff00000ULL);
    g_assert_cmphex(m->above_4g, ==, 0);
    pc_machine_free(m);
}

static void test_layout_5g(void)
{
    char *err;
    Machine *m = new_machine(5ULL << 30, NULL, &err);
    g_assert_nonnull(m);
    g_assert_cmphex(m->below_4g, ==, 3ULL << 30);
    g_assert_cmphex(m->above_4g, ==, 2ULL << 30);
    check_slot(m, "pc.ram-above-4g", 1ULL << 32, 2ULL << 30, 3ULL << 30, false);
    const RamSlot *s = phys_find_slot(&m->mem, (6ULL << 30) - 1);
    g_assert_nonnull(s);
    g_assert_null(phys_find_slot(&m->mem, 6ULL << 30));
    pc_machine_free(m);
}

static void check_bios(size_t size, uint64_t isa_base)
{
    char name[32];
    snprintf(name, sizeof(name), "bios-%zu.bin", size);
    char *path = make_file(name, size, 3);
    char *err;
    Machine *m = new_machine(64ULL << 20, path, &err);
    if (!m) {
        g_error("%s", err);
    }
    g_assert_cmpuint(m->bios_size, ==, size);
    check_slot(m, "pc.bios", (1ULL << 32) - size, size, 0, true);
    check_slot(m, "isa-bios", isa_base, 0x100000 - isa_base, 0, true);
    /* the option ROM RAM area stops where the ISA BIOS alias starts */
    check_slot(m, "pc.ram-rom-area", 0xc0000, isa_base - 0xc0000, 0xc0000, false);

    /* reset vector = last 16 bytes of the file, seen at both addresses */
    gchar *data;
    gsize len;
    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    uint8_t hi[16], lo[16];
    phys_read(&m->mem, 0xfffffff0ULL, hi, 16);
    phys_read(&m->mem, 0xffff0, lo, 16);
    g_assert_cmpint(memcmp(hi, data + size - 16, 16), ==, 0);
    g_assert_cmpint(memcmp(lo, data + size - 16, 16), ==, 0);
    /* and the first byte of the alias */
    uint8_t b;
    phys_read(&m->mem, isa_base, &b, 1);
    g_assert_cmpint(b, ==, (uint8_t)data[size - (0x100000 - isa_base)]);
    /* ROM: writes are ignored */
    uint8_t junk[16] = { 0 };
    phys_write(&m->mem, 0xfffffff0ULL, junk, 16);
    phys_read(&m->mem, 0xfffffff0ULL, hi, 16);
    g_assert_cmpint(memcmp(hi, data + size - 16, 16), ==, 0);
    g_free(data);
    pc_machine_free(m);
    g_unlink(path);
    g_free(path);
}

static void test_bios_64k(void)
{
    check_bios(64 << 10, 0xf0000);
}

static void test_bios_256k(void)
{
    /* only the last 128 KiB are aliased below 1 MiB */
    check_bios(256 << 10, 0xe0000);
}

static void expect_bios_error(const char *path, const char *substr)
{
    char *err;
    Machine *m = new_machine(64ULL << 20, path, &err);
    g_assert_null(m);
    g_assert_nonnull(err);
    if (!strstr(err, substr)) {
        g_error("error '%s' does not contain '%s'", err, substr);
    }
    g_assert_null(strchr(err, '\n'));
    g_free(err);
}

static void test_bios_bad(void)
{
    char *p;
    p = make_file("small.bin", 1000, 0);
    expect_bios_error(p, "size 1000 is not a multiple of 64 KiB");
    g_unlink(p);
    g_free(p);
    p = make_file("empty.bin", 0, 0);
    expect_bios_error(p, "size 0 is not a multiple of 64 KiB");
    g_unlink(p);
    g_free(p);
    p = make_file("odd.bin", (64 << 10) + 512, 0);
    expect_bios_error(p, "is not a multiple of 64 KiB");
    g_unlink(p);
    g_free(p);
    p = make_file("huge.bin", (16 << 20) + (64 << 10), 0);
    expect_bios_error(p, "is not a multiple of 64 KiB");
    g_unlink(p);
    g_free(p);

    p = g_build_filename(tmpdir, "missing.bin", NULL);
    expect_bios_error(p, "could not load PC BIOS");
    expect_bios_error(p, "No such file or directory");
    g_free(p);
    /* a directory cannot be read as a file (root can read mode 000 files) */
    expect_bios_error(tmpdir, "could not load PC BIOS");
}

static void test_bios_16m_ok(void)
{
    char *p = make_file("big.bin", 16 << 20, 1);
    char *err;
    Machine *m = new_machine(64ULL << 20, p, &err);
    g_assert_nonnull(m);
    check_slot(m, "pc.bios", (1ULL << 32) - (16 << 20), 16 << 20, 0, true);
    check_slot(m, "isa-bios", 0xe0000, 0x20000, 0, true);
    pc_machine_free(m);
    g_unlink(p);
    g_free(p);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("emu86-test-pc-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);
    g_test_add_func("/pc/layout-64m", test_layout_64m);
    g_test_add_func("/pc/layout-3.5g", test_layout_3_5g);
    g_test_add_func("/pc/layout-5g", test_layout_5g);
    g_test_add_func("/pc/bios-64k", test_bios_64k);
    g_test_add_func("/pc/bios-256k", test_bios_256k);
    g_test_add_func("/pc/bios-16m", test_bios_16m_ok);
    g_test_add_func("/pc/bios-bad", test_bios_bad);
    int r = g_test_run();
    g_rmdir(tmpdir);
    g_free(tmpdir);
    return r;
}

/*
 * tests/unit/test-aml.c - the AML builder's encodings (ACPI 6.x 20.2):
 * integers pick the shortest form, PkgLength switches from one to two and
 * three bytes exactly at its limits, NameStrings get root/parent prefixes
 * and dual/multi-segment forms, EISA IDs compress as _HID requires, and
 * containers wrap bodies of any size.
 */
#include <glib.h>
#include <string.h>

#include "hw/acpi/aml.h"

static void expect(Aml *a, const uint8_t *bytes, size_t n)
{
    g_assert_false(a->oom);
    g_assert_cmpmem(a->buf, a->len, bytes, n);
    aml_free(a);
}

static void test_integers(void)
{
    expect(aml_int(0), (const uint8_t[]){ 0x00 }, 1);
    expect(aml_int(1), (const uint8_t[]){ 0x01 }, 1);
    expect(aml_int(~0ull), (const uint8_t[]){ 0xff }, 1);
    expect(aml_int(2), (const uint8_t[]){ 0x0a, 0x02 }, 2);
    expect(aml_int(0xff), (const uint8_t[]){ 0x0a, 0xff }, 2);
    expect(aml_int(0x100), (const uint8_t[]){ 0x0b, 0x00, 0x01 }, 3);
    expect(aml_int(0x10000), (const uint8_t[]){ 0x0c, 0x00, 0x00, 0x01, 0x00 }, 5);
    expect(aml_int(0x100000000ull),
           (const uint8_t[]){ 0x0e, 0, 0, 0, 0, 1, 0, 0, 0 }, 9);
    expect(aml_string("ab"), (const uint8_t[]){ 0x0d, 'a', 'b', 0 }, 4);
    /* EISAID("PNP0A03") is DWord 0x030AD041 (bytes 41 D0 0A 03) */
    expect(aml_eisaid("PNP0A03"), (const uint8_t[]){ 0x0c, 0x41, 0xd0, 0x0a, 0x03 }, 5);
    expect(aml_eisaid("PNP0501"), (const uint8_t[]){ 0x0c, 0x41, 0xd0, 0x05, 0x01 }, 5);
}

static void test_names(void)
{
    expect(aml_name("_SB"), (const uint8_t[]){ '_', 'S', 'B', '_' }, 4);
    expect(aml_name("\\_SB"), (const uint8_t[]){ 0x5c, '_', 'S', 'B', '_' }, 5);
    expect(aml_name("^ISA"), (const uint8_t[]){ 0x5e, 'I', 'S', 'A', '_' }, 5);
    expect(aml_name("\\_SB.PCI0"),
           (const uint8_t[]){ 0x5c, 0x2e, '_', 'S', 'B', '_', 'P', 'C', 'I', '0' }, 10);
    expect(aml_name("A.B.C"), (const uint8_t[]){ 0x2f, 3, 'A', '_', '_', '_', 'B', '_', '_', '_',
                                                 'C', '_', '_', '_' }, 14);
    expect(aml_name_decl("X", aml_int(5)),
           (const uint8_t[]){ 0x08, 'X', '_', '_', '_', 0x0a, 5 }, 7);
}

/* A scope whose body is n bytes: opcode, PkgLength, name, body. */
static void check_pkglength(size_t body_len, const uint8_t *pkg, size_t pkg_len)
{
    Aml *body = aml_new();
    for (size_t i = 0; i < body_len; i++) {
        aml_append(body, aml_int(0));
    }
    Aml *a = aml_scope("S", body);
    g_assert_false(a->oom);
    g_assert_cmpuint(a->len, ==, 1 + pkg_len + 4 + body_len);
    g_assert_cmphex(a->buf[0], ==, 0x10);
    g_assert_cmpmem(a->buf + 1, pkg_len, pkg, pkg_len);
    aml_free(a);
}

static void test_pkglength(void)
{
    /* the count includes the PkgLength bytes and the 4-byte name */
    check_pkglength(0, (const uint8_t[]){ 0x05 }, 1);
    check_pkglength(58, (const uint8_t[]){ 0x3f }, 1);          /* 63: the one-byte limit */
    check_pkglength(59, (const uint8_t[]){ 0x41, 0x04 }, 2);    /* 65 = 0x41 */
    check_pkglength(4089, (const uint8_t[]){ 0x4f, 0xff }, 2);  /* 4095 */
    check_pkglength(4090, (const uint8_t[]){ 0x81, 0x00, 0x01 }, 3); /* 4097 = 0x1001 */
}

static void test_resources(void)
{
    Aml *r = aml_io(0x3f8, 0x3f8, 1, 8);
    aml_append(r, aml_irq_noflags(4));
    Aml *t = aml_resource_template(r);
    static const uint8_t want[] = {
        0x11, 0x10, 0x0a, 0x0d,                        /* Buffer, PkgLength, size 13 */
        0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08, /* IO */
        0x22, 0x10, 0x00,                              /* IRQNoFlags {4} */
        0x79, 0x00,                                    /* End Tag */
    };
    expect(t, want, sizeof(want));
    Aml *q = aml_qword_memory(0x100000000ull, 0x17fffffffull, false);
    g_assert_cmpuint(q->len, ==, 46);
    g_assert_cmphex(q->buf[0], ==, 0x8a);
    g_assert_cmphex(q->buf[1] | q->buf[2] << 8, ==, 43);
    aml_free(q);
    Aml *d = aml_dword_memory(0xa0000, 0xbffff, true);
    g_assert_cmpuint(d->len, ==, 26);
    g_assert_cmphex(d->buf[5], ==, 3);                 /* RW, cacheable */
    aml_free(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/aml/integers", test_integers);
    g_test_add_func("/aml/names", test_names);
    g_test_add_func("/aml/pkglength", test_pkglength);
    g_test_add_func("/aml/resources", test_resources);
    return g_test_run();
}

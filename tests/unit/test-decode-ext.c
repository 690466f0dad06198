/*
 * tests/unit/test-decode-ext.c - decoding of the legacy-encoded ISA
 * extensions and system instructions (docs/isa-extensions.md): opcodes,
 * mandatory prefixes, operand sizes and the #UD encodings.  Split from
 * test-decode.c to keep files small (test-decode-capstone.c compares the
 * whole decoder with capstone and nasm, these encodings included).
 */
#include <glib.h>
#include <stdio.h>

#include "target/i386/decode-internal.h"

static int dec_rc(CpuMode mode, const char *hex)
{
    uint8_t b[32];
    unsigned n = 0;
    for (const char *p = hex; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        unsigned v;
        g_assert_true(sscanf(p, "%2x", &v) == 1);
        b[n++] = (uint8_t)v;
        p += 2;
    }
    Insn in;
    int rc = decode_buf(&in, mode, b, n);
    if (rc == DECODE_OK) {
        g_assert_cmpuint(in.len, ==, n);
    }
    return rc;
}

static Insn dec_ok(CpuMode mode, const char *hex)
{
    uint8_t b[32];
    unsigned n = 0;
    for (const char *p = hex; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        unsigned v;
        g_assert_true(sscanf(p, "%2x", &v) == 1);
        b[n++] = (uint8_t)v;
        p += 2;
    }
    Insn in;
    g_assert_cmpint(decode_buf(&in, mode, b, n), ==, DECODE_OK);
    g_assert_cmpuint(in.len, ==, n);
    return in;
}

static void test_extensions(void)
{
    Insn in;
    /* 66 does not matter with F3 (as on the host): 32-bit Ry */
    in = dec_ok(MODE_64, "66 f3 0f ae d9");     /* wrgsbase ecx */
    g_assert_cmpint(in.op, ==, OP_WRGSBASE);
    g_assert_cmpint(in.ops[0].size, ==, 4);
    g_assert_cmpint(dec_ok(MODE_64, "f2 f3 0f ae c0").op, ==, OP_RDFSBASE);
    g_assert_cmpint(dec_rc(MODE_64, "f3 f2 0f ae c0"), ==, DECODE_UD);
    in = dec_ok(MODE_64, "66 0f c7 f0");        /* rdrand ax (gated in the handler) */
    g_assert_cmpint(in.op, ==, OP_RDRAND);
    g_assert_cmpint(in.ops[0].size, ==, 2);
    in = dec_ok(MODE_64, "49 0f c7 f9");        /* rdseed r9 */
    g_assert_cmpint(in.op, ==, OP_RDSEED);
    g_assert_cmpint(in.ops[0].reg, ==, 9);
    g_assert_cmpint(in.ops[0].size, ==, 8);
    g_assert_cmpint(dec_rc(MODE_64, "f3 0f c7 f0"), ==, DECODE_UD);
    g_assert_cmpint(dec_rc(MODE_64, "f2 0f c7 f8"), ==, DECODE_UD);
    g_assert_cmpint(dec_rc(MODE_64, "0f c7 30"), ==, DECODE_UD);    /* /6 mem: VMPTRLD */
    /* F3 0F BC/BD: TZCNT/LZCNT (the handler falls back to BSF/BSR by
     * model); F2 after F3 makes it a plain BSF again */
    in = dec_ok(MODE_64, "66 f3 0f bd c1");     /* lzcnt ax, cx */
    g_assert_cmpint(in.op, ==, OP_LZCNT);
    g_assert_cmpint(in.opsize, ==, 2);
    g_assert_cmpint(dec_ok(MODE_32, "f3 0f bc c1").op, ==, OP_TZCNT);
    g_assert_cmpint(dec_ok(MODE_32, "f3 f2 0f bc c1").op, ==, OP_BSF);
    g_assert_cmpint(dec_ok(MODE_32, "0f bd c1").op, ==, OP_BSR);
    /* ADCX/ADOX: 66 is mandatory, not an operand size; REX.W = 64 bits */
    in = dec_ok(MODE_64, "66 48 0f 38 f6 c1");  /* adcx rax, rcx */
    g_assert_cmpint(in.op, ==, OP_ADCX);
    g_assert_cmpint(in.opsize, ==, 8);
    in = dec_ok(MODE_32, "66 0f 38 f6 00");     /* adcx eax, [eax] */
    g_assert_cmpint(in.op, ==, OP_ADCX);
    g_assert_cmpint(in.opsize, ==, 4);
    g_assert_cmpint(in.ops[1].kind, ==, OPK_MEM);
    in = dec_ok(MODE_64, "66 f3 0f 38 f6 c1");  /* adox eax, ecx */
    g_assert_cmpint(in.op, ==, OP_ADOX);
    g_assert_cmpint(in.opsize, ==, 4);
    g_assert_cmpint(dec_rc(MODE_64, "0f 38 f6 c1"), ==, DECODE_UD);     /* WRSS */
    g_assert_cmpint(dec_rc(MODE_64, "f2 0f 38 f6 c1"), ==, DECODE_UD);
    /* system extensions */
    in = dec_ok(MODE_64, "66 0f 38 82 08");     /* invpcid rcx, [rax] */
    g_assert_cmpint(in.op, ==, OP_INVPCID);
    g_assert_cmpint(in.ops[0].size, ==, 8);
    g_assert_cmpint(in.ops[1].kind, ==, OPK_MEM);
    in = dec_ok(MODE_32, "66 0f 38 82 08");     /* invpcid ecx, [eax] */
    g_assert_cmpint(in.ops[0].size, ==, 4);
    g_assert_cmpint(dec_rc(MODE_64, "66 0f 38 82 c8"), ==, DECODE_UD);  /* register */
    g_assert_cmpint(dec_rc(MODE_64, "0f 38 82 08"), ==, DECODE_UD);     /* no 66 */
    g_assert_cmpint(dec_ok(MODE_64, "0f 01 ca").op, ==, OP_CLAC);
    g_assert_cmpint(dec_ok(MODE_16, "0f 01 cb").op, ==, OP_STAC);
    g_assert_cmpint(dec_ok(MODE_64, "66 0f ae 30").op, ==, OP_CLWB);
    g_assert_cmpint(dec_ok(MODE_64, "66 0f ae 38").op, ==, OP_CLFLUSH);  /* clflushopt */
    g_assert_cmpint(dec_ok(MODE_64, "0f ae 30").op, ==, OP_SSE);         /* xsaveopt */
    g_assert_cmpint(dec_ok(MODE_64, "0f 0d 08").op, ==, OP_PREFETCH);    /* prefetchw */
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/decode-ext/encodings", test_extensions);
    return g_test_run();
}

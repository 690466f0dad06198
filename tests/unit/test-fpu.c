/*
 * tests/unit/test-fpu.c - the x87 FPU (target/i386/fpu.c) against the host.
 *
 * Design: the guest runs real encodings (decode_buf + fpu_execute) on a
 * flat 64-bit CPU from the cpu-test harness: FNINIT, FLDCW, n x FLD m80,
 * the instruction under test, FNSAVE.  The host runs the same sequence
 * natively (tref_run below: its own stub table, FLD-based set-up, no
 * FRSTOR of a prepared image), and the two 108-byte FNSAVE images, the
 * stored memory operand and the arithmetic flags are compared bit for bit.
 * Only the pointer fields (FIP, FCS, FOP, FDP, FDS), which hold host
 * addresses on the host side, are left out; they are checked separately
 * against the SDM.  Every valid D8-DF encoding is covered, over random and
 * edge operands (zeros, denormals, pseudo-denormals, unnormals, infinities,
 * pseudo-infinities, QNaN/SNaN/pseudo-NaN, huge/tiny exponents), all 4
 * rounding modes, 3 precision controls, masked and unmasked exceptions and
 * stack depths 0..8 (underflow/overflow).  The layouts of FNSTENV/FNSAVE
 * (16/32-bit, protected and real mode), FXSAVE, #NM, #MF, #UD and faults
 * on stores are tested separately.
 */
#include <glib.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cpu-test-harness.h"
#include "target/i386/fpu.h"
#include "target/i386/ops.h"
#include "target/i386/sse.h"

#define DATA   0x200000u   /* rbx: cw at +0, operand at +0x80, values at +0x100, save at +0x200 */
#define CODE   0x1000u

/* ------------------------------------------------------------------ */
/* host reference                                                      */

typedef struct TRef {
    uint16_t cw;
    uint16_t pre;          /* 1: set ZE PE first, 2: an underflow first */
    uint32_t n;            /* values to FLD before the instruction */
    uint64_t flags_in;     /*  8 */
    const void *stub;      /* 16 */
    void *mem;             /* 24 */
    uint64_t flags_out;    /* 32 */
    uint64_t pad1;         /* 40 */
    uint8_t vals[8][16];   /* 48: vals[0] is loaded first */
    uint8_t img[108];      /* 176: FNSAVE after the instruction */
} TRef;

_Static_assert(offsetof(TRef, vals) == 48, "TRef layout");
_Static_assert(offsetof(TRef, img) == 176, "TRef layout");

__asm__(
    ".pushsection .text\n"
    ".balign 16\n"
    "tref_run:\n"
    "    .byte 0xf3, 0x0f, 0x1e, 0xfa\n"
    "    push %rbx\n"
    "    mov %rdi, %rbx\n"
    "    fninit\n"                 /* same contents in the empty registers */
    "    fldz; fldz; fldz; fldz; fldz; fldz; fldz; fldz\n"
    "    fninit\n"
    "    fldcw (%rbx)\n"
    "    testb $1, 2(%rbx)\n"           /* pre: raise ZE and PE first */
    "    jz 3f\n"
    "    fldz; fld1; fdiv %st(1), %st; fstp %st(0); fstp %st(0)\n"
    "    fldpi; fsqrt; fstp %st(0)\n"
    "3:  testb $2, 2(%rbx)\n"           /* pre: and a stack fault (IE SF C1) */
    "    jz 4f\n"
    "    fcom %st(0)\n"
    "4:  mov 4(%rbx), %ecx\n"
    "    lea 48(%rbx), %rdx\n"
    "    test %ecx, %ecx\n"
    "    jz 2f\n"
    "1:  fldt (%rdx)\n"
    "    add $16, %rdx\n"
    "    dec %ecx\n"
    "    jnz 1b\n"
    "2:  mov 24(%rbx), %rsi\n"
    "    pushfq\n"
    "    pop %rax\n"
    "    and $~0x8d5, %rax\n"
    "    mov 8(%rbx), %r8\n"
    "    and $0x8d5, %r8\n"
    "    or %r8, %rax\n"
    "    push %rax\n"
    "    popfq\n"
    "    call *16(%rbx)\n"
    "    pushfq\n"
    "    pop %rax\n"
    "    mov %rax, 32(%rbx)\n"
    "    fnsave 176(%rbx)\n"
    "    pop %rbx\n"
    "    ret\n"
    /* one 8-byte stub per register form, then per memory form ([rsi]) */
    ".balign 16\n"
    "tref_stub_reg:\n"
    ".irp op, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf\n"
    "  .set tref_m, 0xc0\n"
    "  .rept 64\n"
    "    .byte 0xf3, 0x0f, 0x1e, 0xfa, \\op, tref_m, 0xc3, 0x90\n"
    "    .set tref_m, tref_m + 1\n"
    "  .endr\n"
    ".endr\n"
    "tref_stub_mem:\n"
    ".irp op, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf\n"
    "  .set tref_m, 0x06\n"
    "  .rept 8\n"
    "    .byte 0xf3, 0x0f, 0x1e, 0xfa, \\op, tref_m, 0xc3, 0x90\n"
    "    .set tref_m, tref_m + 8\n"
    "  .endr\n"
    ".endr\n"
    ".popsection\n");

void tref_run(TRef *r);
extern const uint8_t tref_stub_reg[], tref_stub_mem[];

/* ------------------------------------------------------------------ */
/* guest                                                               */

static TestCPU *t;
static CPUX86State *env;

static void setup64(void)
{
    t = tcpu_new(4);
    env = t->env;
    tflat64(t);
    env->regs[R_EBX] = DATA;
    fpu_reset(env);
}

static void teardown(void)
{
    tcpu_free(t);
    t = NULL;
    env = NULL;
}

static int gexec(const uint8_t *b, unsigned n)
{
    return texec(env, b, n);
}

#define GX(...) __extension__({ const uint8_t b_[] = { __VA_ARGS__ }; gexec(b_, sizeof(b_)); })

/* modrm with [rbx + disp32] for memory form /reg */
#define MRBX(reg) (uint8_t)(0x80 | ((reg) << 3) | 3)
#define D32(d) (uint8_t)(d), (uint8_t)((d) >> 8), (uint8_t)((d) >> 16), (uint8_t)((d) >> 24)

/* ------------------------------------------------------------------ */
/* random operands                                                     */

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}

static void f80(uint8_t *p, uint16_t sexp, uint64_t mant)
{
    memcpy(p, &mant, 8);
    memcpy(p + 8, &sexp, 2);
}

/* An 80-bit operand from every class the x87 distinguishes. */
static void rnd_f80(uint8_t *p)
{
    uint16_t s = (rnd() & 1) ? 0x8000 : 0;
    uint64_t m = rnd();
    uint16_t e;

    switch (rnd() % 20) {
    case 0: f80(p, s, 0); return;                                  /* +-0 */
    case 1: f80(p, s, m >> 1); return;                             /* denormal */
    case 2: f80(p, s, m | (1ull << 63)); return;                   /* pseudo-denormal */
    case 3: f80(p, s | (uint16_t)(1 + rnd() % 0x7ffe), m >> 1); return; /* unnormal */
    case 4: f80(p, s | 0x7fff, 1ull << 63); return;                /* infinity */
    case 5: f80(p, s | 0x7fff, 0); return;                         /* pseudo-infinity */
    case 6: f80(p, s | 0x7fff, (3ull << 62) | (m >> 2)); return;   /* QNaN */
    case 7: f80(p, s | 0x7fff, (1ull << 63) | ((m >> 2) | 1)); return; /* SNaN */
    case 8: f80(p, s | 0x7fff, m >> 1 | 1); return;                /* pseudo-NaN */
    case 9: f80(p, s | 0x7fff, 3ull << 62); return;                /* real indefinite */
    case 10: f80(p, s | (uint16_t)(1 + rnd() % 64), m | (1ull << 63)); return;     /* tiny */
    case 11: f80(p, s | (uint16_t)(0x7ffe - rnd() % 64), m | (1ull << 63)); return; /* huge */
    case 12: {                                                      /* small integer */
        long double v = (long double)(int)(rnd() % 2001 - 1000);
        memcpy(p, &v, 10);
        return;
    }
    case 13:                                                       /* near 1, bits set low */
        f80(p, s | (uint16_t)(0x3fff + rnd() % 3 - 1), (1ull << 63) | (rnd() & 0xfff));
        return;
    case 14:                                                       /* near the 32/64 bit rounding edges */
        f80(p, s | (uint16_t)(0x3fff + rnd() % 80), (1ull << 63) | (rnd() & 0xffffffffffull) |
            ((rnd() & 1) ? 0x400 : 0x80000000000ull));
        return;
    case 15:                                                       /* multiples of pi/4 */
        e = (uint16_t)(0x3ffe + rnd() % 70);
        f80(p, s | e, 0xc90fdaa22168c234ull + (rnd() % 5) - 2);
        return;
    default:
        e = (uint16_t)(0x3fff + (int)(rnd() % 200) - 100);
        f80(p, s | e, m | (1ull << 63));
        return;
    }
}

static void rnd_int(uint8_t *p, unsigned size)
{
    static const int64_t edges[] = { 0, 1, -1, 2, 3, 7, 100, -32768, 32767 };
    uint64_t v = rnd();

    switch (rnd() % 6) {
    case 0: v = (uint64_t)edges[rnd() % 9]; break;
    case 1: v = 1ull << (size * 8 - 1); break;            /* most negative: "indefinite" */
    case 2: v = (1ull << (size * 8 - 1)) - 1; break;
    case 3: v = (uint64_t)(int64_t)(int)(rnd() % 200001 - 100000); break;
    default: break;
    }
    memcpy(p, &v, size);
}

static void rnd_f32(uint8_t *p)
{
    static const uint32_t edges[] = {
        0, 0x80000000, 1, 0x807fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001,
        0xffbfffff, 0x3f800000, 0x00800000, 0x7f7fffff,
    };
    uint32_t v = (uint32_t)rnd();
    if (rnd() % 3 == 0) {
        v = edges[rnd() % 12];
    } else if (rnd() % 2) {
        v = (v & 0x807fffffu) | (uint32_t)(0x3f800000u + ((rnd() % 40) << 23) - (20u << 23));
    }
    memcpy(p, &v, 4);
}

static void rnd_f64(uint8_t *p)
{
    static const uint64_t edges[] = {
        0, 1ull << 63, 1, 0x800fffffffffffffull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
        0x7ff8000000000000ull, 0x7ff0000000000001ull, 0x3ff0000000000000ull,
        0x0010000000000000ull, 0x7fefffffffffffffull, 0x3fe0000000000001ull,
    };
    uint64_t v = rnd();
    if (rnd() % 3 == 0) {
        v = edges[rnd() % 12];
    } else if (rnd() % 2) {
        v = (v & 0x800fffffffffffffull) | ((0x3ffull + rnd() % 100 - 50) << 52);
    }
    memcpy(p, &v, 8);
}

static void rnd_bcd(uint8_t *p)
{
    for (int i = 0; i < 9; i++) {
        unsigned lo = rnd() % 10, hi = rnd() % 10;
        p[i] = (uint8_t)(hi << 4 | lo);
    }
    p[9] = (rnd() & 1) ? 0x80 : 0;
    if (rnd() % 8 == 0) {
        p[rnd() % 9] |= 0xa0;  /* an invalid digit: result is up to the CPU */
    }
}

/* ------------------------------------------------------------------ */
/* the generic differential case                                       */

/* Memory operand types of the memory forms */
enum { T_NONE, T_F32, T_F64, T_F80, T_I16, T_I32, T_I64, T_BCD, T_CW, T_ENV, T_SAVE };

typedef struct MemForm {
    uint8_t op, reg, type, size;
    bool store;
} MemForm;

/* SDM Vol.2 Tables A-7 (D8) .. A-21 (DF), memory forms */
static const MemForm mem_forms[] = {
#define ARITH8(o, ty, sz) \
    { o, 0, ty, sz, 0 }, { o, 1, ty, sz, 0 }, { o, 2, ty, sz, 0 }, { o, 3, ty, sz, 0 }, \
    { o, 4, ty, sz, 0 }, { o, 5, ty, sz, 0 }, { o, 6, ty, sz, 0 }, { o, 7, ty, sz, 0 }
    ARITH8(0xd8, T_F32, 4),
    { 0xd9, 0, T_F32, 4, 0 }, { 0xd9, 2, T_F32, 4, 1 }, { 0xd9, 3, T_F32, 4, 1 },
    { 0xd9, 4, T_ENV, 28, 0 }, { 0xd9, 5, T_CW, 2, 0 }, { 0xd9, 6, T_ENV, 28, 1 },
    { 0xd9, 7, T_CW, 2, 1 },
    ARITH8(0xda, T_I32, 4),
    { 0xdb, 0, T_I32, 4, 0 }, { 0xdb, 1, T_I32, 4, 1 }, { 0xdb, 2, T_I32, 4, 1 },
    { 0xdb, 3, T_I32, 4, 1 }, { 0xdb, 5, T_F80, 10, 0 }, { 0xdb, 7, T_F80, 10, 1 },
    ARITH8(0xdc, T_F64, 8),
    { 0xdd, 0, T_F64, 8, 0 }, { 0xdd, 1, T_I64, 8, 1 }, { 0xdd, 2, T_F64, 8, 1 },
    { 0xdd, 3, T_F64, 8, 1 }, { 0xdd, 4, T_SAVE, 108, 0 }, { 0xdd, 6, T_SAVE, 108, 1 },
    { 0xdd, 7, T_CW, 2, 1 },
    ARITH8(0xde, T_I16, 2),
    { 0xdf, 0, T_I16, 2, 0 }, { 0xdf, 1, T_I16, 2, 1 }, { 0xdf, 2, T_I16, 2, 1 },
    { 0xdf, 3, T_I16, 2, 1 }, { 0xdf, 4, T_BCD, 10, 0 }, { 0xdf, 5, T_I64, 8, 0 },
    { 0xdf, 6, T_BCD, 10, 1 }, { 0xdf, 7, T_I64, 8, 1 },
#undef ARITH8
};

/* Register forms the SDM defines, plus the aliases every x87 since the
 * 387 executes (FCOM2, FCOMP3, FXCH4, FCOMP5, FXCH7, FSTP1/8/9, FFREEP). */
static bool reg_form_valid(unsigned op, unsigned m)
{
    switch (op) {
    case 0xd8: case 0xdc: return true;
    case 0xd9:
        return m <= 0xd0 || (m >= 0xd8 && m <= 0xe1) || m == 0xe4 || m == 0xe5 ||
               (m >= 0xe8 && m <= 0xee) || m >= 0xf0;
    case 0xda: return m <= 0xdf || m == 0xe9;
    case 0xdb: return m <= 0xe4 || (m >= 0xe8 && m <= 0xf7);
    case 0xdd: return m <= 0xef;
    case 0xde: return m <= 0xd7 || m == 0xd9 || m >= 0xe0;
    case 0xdf: return m <= 0xdf || (m >= 0xe8 && m <= 0xf7);  /* E0 FNSTSW AX: own test */
    }
    return false;
}

static unsigned long nr_cases, nr_fail;

static void dump_case(const char *what, const TRef *r, unsigned op, unsigned modrm)
{
    if (++nr_fail > 12) {
        return;
    }
    printf("# FAIL %s: %02x %02x cw=%04x n=%u flags=%03llx\n", what, op, modrm, r->cw, r->n,
           (unsigned long long)r->flags_in & 0x8d5);
    for (unsigned i = 0; i < r->n; i++) {
        uint64_t m;
        uint16_t e;
        memcpy(&m, r->vals[i], 8);
        memcpy(&e, r->vals[i] + 8, 2);
        printf("#   val%u = %04x:%016llx\n", i, e, (unsigned long long)m);
    }
}

static bool img_equal(const uint8_t *a, const uint8_t *b)
{
    /* skip the pointer fields: FIP 12-15, FCS/FOP 16-19, FDP 20-23, FDS 24-27 */
    return memcmp(a, b, 12) == 0 && memcmp(a + 28, b + 28, 80) == 0;
}

static void dump_img(const char *who, const uint8_t *img)
{
    printf("#   %s:", who);
    for (int i = 0; i < 108; i++) {
        printf("%s%02x", (i == 28 || (i > 28 && (i - 28) % 10 == 0)) ? " | " :
               (i % 4 == 0 ? " " : ""), img[i]);
    }
    printf("\n");
}

/* Run (op, modrm or memory form mf) on both sides with r's set-up. */
static void run_case(TRef *r, unsigned op, unsigned modrm, const MemForm *mf, const uint8_t *memin)
{
    uint8_t hmem[128], gmem[128];
    unsigned msize = mf ? mf->size : 0;

    /* host */
    memset(hmem, 0xc3, sizeof(hmem));
    if (mf) {
        memcpy(hmem, memin, msize);
        r->stub = tref_stub_mem + (((op & 7u) << 3) | mf->reg) * 8;
    } else {
        r->stub = tref_stub_reg + (((op & 7u) << 6) | (modrm & 0x3fu)) * 8;
    }
    r->mem = hmem;
    tref_run(r);

    /* guest */
    pw16(t, DATA, r->cw);
    memset(t->ram + DATA + 0x80, 0xc3, 128);
    if (mf) {
        memcpy(t->ram + DATA + 0x80, memin, msize);
    }
    for (unsigned i = 0; i < r->n; i++) {
        memcpy(t->ram + DATA + 0x100 + 16 * i, r->vals[i], 10);
    }
    env->rip = CODE;
    g_assert_cmpint(GX(0xdb, 0xe3), ==, -1);                           /* FNINIT */
    for (int i = 0; i < 8; i++) {
        g_assert_cmpint(GX(0xd9, 0xee), ==, -1);                       /* FLDZ */
    }
    g_assert_cmpint(GX(0xdb, 0xe3), ==, -1);                           /* FNINIT */
    g_assert_cmpint(GX(0xd9, MRBX(5), D32(0)), ==, -1);                /* FLDCW */
    if (r->pre & 1) {
        g_assert_cmpint(GX(0xd9, 0xee), ==, -1);                       /* FLDZ */
        g_assert_cmpint(GX(0xd9, 0xe8), ==, -1);                       /* FLD1 */
        g_assert_cmpint(GX(0xd8, 0xf1), ==, -1);                       /* FDIV ST0, ST1 */
        g_assert_cmpint(GX(0xdd, 0xd8), ==, -1);                       /* FSTP ST0 */
        g_assert_cmpint(GX(0xdd, 0xd8), ==, -1);
        g_assert_cmpint(GX(0xd9, 0xeb), ==, -1);                       /* FLDPI */
        g_assert_cmpint(GX(0xd9, 0xfa), ==, -1);                       /* FSQRT */
        g_assert_cmpint(GX(0xdd, 0xd8), ==, -1);
    }
    if (r->pre & 2) {
        g_assert_cmpint(GX(0xd8, 0xd0), ==, -1);                       /* FCOM ST0 */
    }
    for (unsigned i = 0; i < r->n; i++) {
        g_assert_cmpint(GX(0xdb, MRBX(5), D32(0x100 + 16 * i)), ==, -1); /* FLD m80 */
    }
    cpu_set_eflags(env, r->flags_in, CC_MASK);
    int v;
    if (mf) {
        uint8_t b[6] = { (uint8_t)op, MRBX(mf->reg), D32(0x80) };
        v = gexec(b, 6);
    } else {
        uint8_t b[2] = { (uint8_t)op, (uint8_t)modrm };
        v = gexec(b, 2);
    }
    g_assert_cmpint(v, ==, -1);
    g_assert_cmpint(GX(0xdd, MRBX(6), D32(0x200)), ==, -1);           /* FNSAVE */
    memcpy(gmem, t->ram + DATA + 0x80, sizeof(gmem));
    nr_cases++;

    bool ok = img_equal(r->img, t->ram + DATA + 0x200);
    if (!ok) {
        dump_case("state", r, op, modrm);
        if (nr_fail <= 12) {
            dump_img("host ", r->img);
            dump_img("guest", t->ram + DATA + 0x200);
        }
    }
    if (mf && mf->store) {
        bool mok;
        if (mf->type == T_ENV || mf->type == T_SAVE) {
            mok = memcmp(hmem, gmem, 12) == 0 && memcmp(hmem + 28, gmem + 28, msize - 28) == 0;
        } else {
            mok = memcmp(hmem, gmem, msize) == 0;
        }
        if (!mok) {
            dump_case("memory", r, op, MRBX(mf->reg));
            ok = false;
        }
    }
    if ((cpu_get_eflags(env) & CC_MASK) != (r->flags_out & CC_MASK)) {
        dump_case("eflags", r, op, modrm);
        ok = false;
    }
    (void)ok;
}

static void rnd_setup(TRef *r, unsigned rc, unsigned pc)
{
    static const unsigned depths[] = { 0, 1, 2, 2, 2, 3, 3, 7, 8 };
    unsigned masks = (rnd() % 10 < 7) ? 0x3f : (unsigned)(rnd() & 0x3f);

    memset(r, 0, sizeof(*r));
    r->cw = (uint16_t)(0x40 | masks | (pc << 8) | (rc << 10));
    if (masks == 0x3f) {          /* earlier flags must survive: sticky */
        r->pre = (uint16_t)(rnd() % 4);
    }
    r->n = depths[rnd() % 9];
    r->flags_in = rnd() & 0x8d5;
    for (unsigned i = 0; i < r->n; i++) {
        rnd_f80(r->vals[i]);
    }
}

static void rnd_mem(const MemForm *mf, uint8_t *m)
{
    switch (mf->type) {
    case T_F32: rnd_f32(m); break;
    case T_F64: rnd_f64(m); break;
    case T_F80: rnd_f80(m); break;
    case T_I16: rnd_int(m, 2); break;
    case T_I32: rnd_int(m, 4); break;
    case T_I64: rnd_int(m, 8); break;
    case T_BCD: rnd_bcd(m); break;
    case T_CW: { uint16_t v = (uint16_t)rnd(); memcpy(m, &v, 2); break; }
    case T_ENV:
    case T_SAVE:
        for (unsigned i = 0; i < mf->size; i++) {
            m[i] = (uint8_t)rnd();
        }
        if (rnd() & 1) {          /* mostly masked, so that the next steps run */
            m[0] |= 0x3f;
        }
        if (mf->type == T_SAVE) {
            for (unsigned i = 0; i < 8; i++) {
                rnd_f80(m + 28 + 10 * i);
            }
        }
        break;
    }
}

static const unsigned pcs[3] = { 0, 2, 3 };

static void test_diff_reg(void)
{
    TRef r;

    setup64();
    nr_cases = nr_fail = 0;
    for (unsigned op = 0xd8; op <= 0xdf; op++) {
        for (unsigned m = 0xc0; m <= 0xff; m++) {
            if (!reg_form_valid(op, m)) {
                continue;
            }
            for (unsigned rc = 0; rc < 4; rc++) {
                for (unsigned p = 0; p < 3; p++) {
                    for (int k = 0; k < 16; k++) {
                        rnd_setup(&r, rc, pcs[p]);
                        run_case(&r, op, m, NULL, NULL);
                    }
                }
            }
        }
    }
    printf("# register forms: %lu differential cases, %lu failures\n", nr_cases, nr_fail);
    g_assert_cmpuint(nr_fail, ==, 0);
    teardown();
}

static void test_diff_mem(void)
{
    TRef r;
    uint8_t m[128];

    setup64();
    nr_cases = nr_fail = 0;
    for (unsigned i = 0; i < G_N_ELEMENTS(mem_forms); i++) {
        const MemForm *mf = &mem_forms[i];
        for (unsigned rc = 0; rc < 4; rc++) {
            for (unsigned p = 0; p < 3; p++) {
                for (int k = 0; k < 60; k++) {
                    rnd_setup(&r, rc, pcs[p]);
                    rnd_mem(mf, m);
                    run_case(&r, mf->op, MRBX(mf->reg), mf, m);
                }
            }
        }
    }
    printf("# memory forms: %lu differential cases, %lu failures\n", nr_cases, nr_fail);
    g_assert_cmpuint(nr_fail, ==, 0);
    teardown();
}

/* Binary arithmetic on dense operands near each other and at the
 * rounding edges: the cases where precision/rounding control matters. */
static void test_diff_arith_dense(void)
{
    static const uint8_t ops[][2] = {
        { 0xd8, 0xc1 }, { 0xd8, 0xc9 }, { 0xd8, 0xe1 }, { 0xd8, 0xe9 }, { 0xd8, 0xf1 },
        { 0xd8, 0xf9 }, { 0xdc, 0xc1 }, { 0xdc, 0xe9 }, { 0xdc, 0xf9 }, { 0xde, 0xc1 },
        { 0xde, 0xe9 }, { 0xde, 0xf9 }, { 0xd9, 0xfa }, { 0xd9, 0xfc }, { 0xd9, 0xf8 },
        { 0xd9, 0xf5 }, { 0xd9, 0xfd }, { 0xd9, 0xf4 }, { 0xd9, 0xfe }, { 0xd9, 0xff },
        { 0xd9, 0xf2 }, { 0xd9, 0xf3 }, { 0xd9, 0xf0 }, { 0xd9, 0xf1 }, { 0xd9, 0xf9 },
        { 0xd9, 0xfb }, { 0xd8, 0xd1 }, { 0xdb, 0xf1 }, { 0xdb, 0xe9 }, { 0xd9, 0xe5 },
    };
    TRef r;

    setup64();
    nr_cases = nr_fail = 0;
    for (unsigned i = 0; i < G_N_ELEMENTS(ops); i++) {
        for (unsigned rc = 0; rc < 4; rc++) {
            for (unsigned p = 0; p < 3; p++) {
                for (int k = 0; k < 40; k++) {
                    rnd_setup(&r, rc, pcs[p]);
                    r.n = 2;
                    for (int j = 0; j < 2; j++) {
                        uint16_t e = (uint16_t)(0x3fff + (int)(rnd() % 9) - 4 + (rnd() & 1 ? 0x8000 : 0));
                        if (k % 8 == 7) {
                            rnd_f80(r.vals[j]);
                        } else {
                            f80(r.vals[j], e, (1ull << 63) | rnd());
                        }
                    }
                    run_case(&r, ops[i][0], ops[i][1], NULL, NULL);
                }
            }
        }
    }
    printf("# dense arithmetic/transcendental: %lu cases, %lu failures\n", nr_cases, nr_fail);
    g_assert_cmpuint(nr_fail, ==, 0);
    teardown();
}

/* ------------------------------------------------------------------ */
/* known answers from the SDM, independent of the host                 */

static X87Reg st(unsigned i)
{
    return env->x87.regs[(fpu_top(&env->x87) + i) & 7];
}

static void put_f80(uint64_t off, uint16_t sexp, uint64_t mant)
{
    pw64(t, DATA + off, mant);
    pw16(t, DATA + off + 8, sexp);
}

static void test_known_answers(void)
{
    setup64();
    /* RESET state (SDM Vol.3 Table 9-1) */
    g_assert_cmphex(env->x87.fcw, ==, 0x0040);
    g_assert_cmphex(fpu_full_tag_word(&env->x87), ==, 0x5555);
    g_assert_cmphex(env->x87.mxcsr, ==, 0x1f80);
    env->rip = CODE;
    /* FNINIT state (SDM Vol.2 FINIT) */
    g_assert_cmpint(GX(0xdb, 0xe3), ==, -1);
    g_assert_cmphex(env->x87.fcw, ==, 0x037f);
    g_assert_cmphex(env->x87.fsw, ==, 0);
    g_assert_cmphex(fpu_full_tag_word(&env->x87), ==, 0xffff);

    /* 1 + 2 = 3 */
    g_assert_cmpint(GX(0xd9, 0xe8), ==, -1);                  /* FLD1 */
    g_assert_cmpint(GX(0xd9, 0xe8), ==, -1);                  /* FLD1 */
    g_assert_cmpint(GX(0xd8, 0xc1), ==, -1);                  /* FADD ST0, ST1 */
    g_assert_cmpint(GX(0xde, 0xc1), ==, -1);                  /* FADDP ST1, ST0 */
    g_assert_cmphex(st(0).sexp, ==, 0x4000);
    g_assert_cmphex(st(0).mant, ==, 0xc000000000000000ull);   /* 3.0 */
    g_assert_cmphex(fpu_top(&env->x87), ==, 7);
    g_assert_cmphex(fpu_full_tag_word(&env->x87), ==, 0x3fff); /* R7 valid */

    /* FSQRT(4) = 2 exactly, no PE */
    g_assert_cmpint(GX(0xd9, 0xe8), ==, -1);                  /* FLD1 */
    g_assert_cmpint(GX(0xde, 0xc1), ==, -1);                  /* FADDP: 4 */
    g_assert_cmpint(GX(0xd9, 0xfa), ==, -1);                  /* FSQRT */
    g_assert_cmphex(st(0).sexp, ==, 0x4000);
    g_assert_cmphex(st(0).mant, ==, 0x8000000000000000ull);
    g_assert_cmphex(env->x87.fsw & 0x3f, ==, 0);

    /* FLDPI: 80-bit rounding of pi per RC (SDM Vol.1 8.3.8: nearest/up
     * end in ...C235, down/chop in ...C234) */
    static const uint64_t pi_mant[4] = {
        0xc90fdaa22168c235ull, 0xc90fdaa22168c234ull, 0xc90fdaa22168c235ull, 0xc90fdaa22168c234ull,
    };
    for (unsigned rc = 0; rc < 4; rc++) {
        pw16(t, DATA, (uint16_t)(0x037f | (rc << 10)));
        g_assert_cmpint(GX(0xdb, 0xe3), ==, -1);
        g_assert_cmpint(GX(0xd9, MRBX(5), D32(0)), ==, -1);  /* FLDCW */
        g_assert_cmpint(GX(0xd9, 0xeb), ==, -1);              /* FLDPI */
        g_assert_cmphex(st(0).sexp, ==, 0x4000);
        g_assert_cmphex(st(0).mant, ==, pi_mant[rc]);
    }

    /* FCOMI ST0, ST1 with 1 < 2: CF=1 ZF=0 PF=0; equal: ZF=1 */
    g_assert_cmpint(GX(0xdb, 0xe3), ==, -1);
    g_assert_cmpint(GX(0xd9, 0xe8), ==, -1);
    g_assert_cmpint(GX(0xd9, 0xe8), ==, -1);
    g_assert_cmpint(GX(0xde, 0xc1), ==, -1);                  /* 2 */
    g_assert_cmpint(GX(0xd9, 0xe8), ==, -1);                  /* 1, 2 */
    cpu_set_eflags(env, CC_Z | CC_P | CC_O | CC_S | CC_A, CC_MASK);
    g_assert_cmpint(GX(0xdb, 0xf1), ==, -1);                  /* FCOMI ST0, ST1 */
    g_assert_cmphex(cpu_get_eflags(env) & CC_MASK, ==, CC_C);
    g_assert_cmpint(GX(0xdb, 0xf0), ==, -1);                  /* FCOMI ST0, ST0 */
    g_assert_cmphex(cpu_get_eflags(env) & CC_MASK, ==, CC_Z);

    /* FCMOVB ST0, ST1 moves with CF=1 */
    cpu_set_eflags(env, CC_C, CC_MASK);
    g_assert_cmpint(GX(0xda, 0xc1), ==, -1);
    g_assert_cmphex(st(0).mant, ==, 0x8000000000000000ull);
    g_assert_cmphex(st(0).sexp, ==, 0x4000);

    /* FNSTSW AX (DF E0) keeps the rest of RAX */
    env->regs[R_EAX] = 0x1122334455667788ull;
    g_assert_cmpint(GX(0xdf, 0xe0), ==, -1);
    g_assert_cmphex(env->regs[R_EAX], ==, 0x1122334455660000ull | env->x87.fsw);
    g_assert_cmphex(env->x87.fsw, ==, 0x3000);               /* TOP = 6 */

    /* FIST m16 of ST0 = 2.0 */
    g_assert_cmpint(GX(0xdf, MRBX(2), D32(0x80)), ==, -1);
    g_assert_cmphex(pr16(t, DATA + 0x80), ==, 2);
    teardown();
}

/* Tag word: 00 valid, 01 zero, 10 special, 11 empty (SDM Vol.1 8.1.7). */
static void test_tag_word(void)
{
    setup64();
    env->rip = CODE;
    put_f80(0x100, 0x3fff, 1ull << 63);   /* valid */
    put_f80(0x110, 0x8000, 0);            /* -0: zero */
    put_f80(0x120, 0x7fff, 1ull << 63);   /* inf: special */
    put_f80(0x130, 0x0000, 1);            /* denormal: special */
    put_f80(0x140, 0x0000, 1ull << 63);   /* pseudo-denormal: special */
    put_f80(0x150, 0x1234, 1ull << 40);   /* unnormal: special */
    put_f80(0x160, 0x7fff, 0);            /* pseudo-infinity: special */
    g_assert_cmpint(GX(0xdb, 0xe3), ==, -1);
    for (unsigned i = 0; i < 7; i++) {
        g_assert_cmpint(GX(0xdb, MRBX(5), D32(0x100 + 16 * i)), ==, -1);
    }
    /* R7 = valid, R6 zero, R5..R1 special, R0 empty */
    g_assert_cmphex(fpu_full_tag_word(&env->x87), ==, 0x1aab);
    g_assert_cmphex(env->x87.ftw, ==, 0xfe);
    g_assert_cmpint(GX(0xd9, MRBX(6), D32(0x200)), ==, -1);   /* FNSTENV */
    g_assert_cmphex(pr16(t, DATA + 0x208), ==, 0x1aab);
    /* FFREE ST(6) = R7 -> empty; FINCSTP does not change tags */
    g_assert_cmpint(GX(0xdd, 0xc6), ==, -1);
    g_assert_cmpint(GX(0xd9, 0xf7), ==, -1);
    g_assert_cmphex(fpu_full_tag_word(&env->x87), ==, 0xdaab);
    g_assert_cmphex(fpu_top(&env->x87), ==, 2);
    teardown();
}

/* Stack underflow / overflow: masked response is the QNaN indefinite with
 * IE, SF and C1 = 0 (underflow) / 1 (overflow) (SDM Vol.1 8.5.1.1). */
static void test_stack_faults(void)
{
    setup64();
    env->rip = CODE;
    g_assert_cmpint(GX(0xdb, 0xe3), ==, -1);
    g_assert_cmpint(GX(0xd8, 0xc1), ==, -1);                 /* FADD with empty regs */
    g_assert_cmphex(env->x87.fsw & 0x02ff, ==, 0x41);        /* SF IE, C1 = 0 */
    g_assert_cmphex(st(0).sexp, ==, 0xffff);
    g_assert_cmphex(st(0).mant, ==, 0xc000000000000000ull);

    g_assert_cmpint(GX(0xdb, 0xe3), ==, -1);
    for (int i = 0; i < 8; i++) {
        g_assert_cmpint(GX(0xd9, 0xe8), ==, -1);             /* FLD1 x 8 */
    }
    g_assert_cmphex(env->x87.fsw & 0xff, ==, 0);
    g_assert_cmpint(GX(0xd9, 0xee), ==, -1);                 /* FLDZ: overflow */
    g_assert_cmphex(env->x87.fsw & 0x02ff, ==, 0x241);       /* C1 SF IE */
    g_assert_cmphex(st(0).sexp, ==, 0xffff);
    g_assert_cmphex(st(0).mant, ==, 0xc000000000000000ull);

    /* unmasked IE: the stack is left alone, ES/B set, #MF at the next
     * waiting instruction only */
    pw16(t, DATA, 0x037e);
    g_assert_cmpint(GX(0xdb, 0xe3), ==, -1);
    g_assert_cmpint(GX(0xd9, MRBX(5), D32(0)), ==, -1);
    g_assert_cmpint(GX(0xd8, 0xc1), ==, -1);
    g_assert_cmphex(env->x87.fsw & 0x80ff, ==, 0x80c1);
    g_assert_cmphex(fpu_top(&env->x87), ==, 0);
    g_assert_cmphex(fpu_full_tag_word(&env->x87), ==, 0xffff);
    teardown();
}

static int ferr_calls;
static void count_ferr(CPUX86State *e)
{
    (void)e;
    ferr_calls++;
}

/* #MF: pending unmasked exception at the next waiting instruction with
 * CR0.NE=1 (SDM Vol.1 8.7); non-waiting ones go through. */
static void test_mf(void)
{
    setup64();
    env->rip = CODE;
    pw16(t, DATA, 0x037b);                                   /* ZE unmasked */
    g_assert_cmpint(GX(0xdb, 0xe3), ==, -1);
    g_assert_cmpint(GX(0xd9, MRBX(5), D32(0)), ==, -1);
    g_assert_cmpint(GX(0xd9, 0xee), ==, -1);                 /* FLDZ */
    g_assert_cmpint(GX(0xd9, 0xe8), ==, -1);                 /* FLD1 */
    g_assert_cmpint(GX(0xd8, 0xf1), ==, -1);                 /* FDIV ST0, ST1: 1/0 */
    uint64_t fip = env->x87.fip;
    g_assert_cmphex(env->x87.fsw & 0x80bf, ==, 0x8084);      /* B ES ZE */
    g_assert_cmphex(st(0).mant, ==, 0x8000000000000000ull);  /* destination unchanged */
    g_assert_cmphex(st(0).sexp, ==, 0x3fff);
    X87State before = env->x87;
    uint64_t rip = env->rip;
    g_assert_cmpint(GX(0xd9, 0xe8), ==, EXCP_MF);            /* FLD1 */
    g_assert_cmpint(memcmp(&before, &env->x87, sizeof(before)), ==, 0);
    g_assert_cmphex(env->rip, ==, rip);
    g_assert_cmpint(GX(0x9b), ==, EXCP_MF);                  /* FWAIT */
    g_assert_cmpint(GX(0xd9, MRBX(5), D32(0)), ==, EXCP_MF); /* FLDCW waits */
    g_assert_cmpint(GX(0x0f, 0x72, 0xd0, 0x01), ==, EXCP_MF); /* PSRLD mm0, 1 */
    /* an undefined group-13 /reg is #UD first: there is no instruction
     * to wait (difftest soak: the host raised #UD where emu86 had #MF) */
    g_assert_cmpint(GX(0x0f, 0x72, 0xfe, 0x02), ==, EXCP_UD); /* 0F 72 /7 */
    g_assert_cmpint(GX(0x0f, 0x71, 0xc8, 0x01), ==, EXCP_UD); /* 0F 71 /1 */
    g_assert_cmpint(GX(0x0f, 0x73, 0xd8, 0x01), ==, EXCP_UD); /* 0F 73 /3: XMM only */
    /* non-waiting: FNSTSW, FNSTCW, FNSTENV, FNCLEX */
    g_assert_cmpint(GX(0xdf, 0xe0), ==, -1);
    g_assert_cmphex(env->regs[R_EAX] & 0xffff, ==, env->x87.fsw);
    g_assert_cmpint(GX(0xd9, MRBX(7), D32(0x80)), ==, -1);
    g_assert_cmphex(env->x87.fip, ==, fip);                  /* control insns keep FIP */
    /* CR0.NE=0: FERR# (IRQ13 on a PC) and the instruction proceeds */
    env->cr[0] &= ~(uint64_t)CR0_NE;
    fpu_ferr_handler = count_ferr;
    g_assert_cmpint(GX(0x9b), ==, -1);
    g_assert_cmpint(ferr_calls, ==, 1);
    g_assert_cmpint(GX(0xdf, 0xe0), ==, -1);                 /* FNSTSW AX: no FERR# */
    g_assert_cmpint(ferr_calls, ==, 1);
    fpu_ferr_handler = NULL;
    env->cr[0] |= CR0_NE;
    g_assert_cmpint(GX(0xdb, 0xe2), ==, -1);                 /* FNCLEX */
    g_assert_cmphex(env->x87.fsw & 0x80ff, ==, 0);
    g_assert_cmpint(GX(0x9b), ==, -1);
    g_assert_cmpint(GX(0xd9, 0xe8), ==, -1);
    /* FLDCW unmasking a flag already set makes it pending */
    g_assert_cmpint(GX(0xdb, 0xe3), ==, -1);
    g_assert_cmpint(GX(0xd9, 0xee), ==, -1);
    g_assert_cmpint(GX(0xd9, 0xe8), ==, -1);
    g_assert_cmpint(GX(0xd8, 0xf1), ==, -1);                 /* masked: ZE, result inf */
    g_assert_cmphex(env->x87.fsw & 0x80ff, ==, 0x0004);
    g_assert_cmpint(GX(0xd9, MRBX(5), D32(0)), ==, -1);
    g_assert_cmphex(env->x87.fsw & 0x80ff, ==, 0x8084);
    g_assert_cmpint(GX(0x9b), ==, EXCP_MF);
    /* FNSTENV masks everything, so the exception is no longer pending */
    g_assert_cmpint(GX(0xd9, MRBX(6), D32(0x200)), ==, -1);
    g_assert_cmphex(env->x87.fcw, ==, 0x037f);
    g_assert_cmpint(GX(0x9b), ==, -1);
    teardown();
}

/* #NM (SDM Vol.3 Table 2-2) and #UD on reserved encodings. */
static void test_nm_ud(void)
{
    setup64();
    env->rip = CODE;
    env->cr[0] |= CR0_TS;
    g_assert_cmpint(GX(0xd9, 0xe8), ==, EXCP_NM);
    g_assert_cmpint(GX(0x9b), ==, EXCP_NM);                  /* MP=1 TS=1 */
    env->cr[0] &= ~(uint64_t)CR0_MP;
    g_assert_cmpint(GX(0x9b), ==, -1);                       /* MP=0 TS=1 */
    g_assert_cmpint(GX(0xdb, 0xe3), ==, EXCP_NM);
    env->cr[0] &= ~(uint64_t)CR0_TS;
    env->cr[0] |= CR0_EM;
    g_assert_cmpint(GX(0xd9, 0xe8), ==, EXCP_NM);
    g_assert_cmpint(GX(0x9b), ==, -1);                       /* WAIT ignores EM */
    env->cr[0] &= ~(uint64_t)CR0_EM;
    g_assert_cmpint(GX(0xd9, 0xe8), ==, -1);

    static const uint8_t ud[][2] = {
        { 0xd9, 0xd1 }, { 0xd9, 0xd7 }, { 0xd9, 0xe2 }, { 0xd9, 0xe3 }, { 0xd9, 0xe6 },
        { 0xd9, 0xe7 }, { 0xd9, 0xef }, { 0xda, 0xe0 }, { 0xda, 0xe8 }, { 0xda, 0xea },
        { 0xda, 0xf0 }, { 0xdb, 0xe5 }, { 0xdb, 0xe7 }, { 0xdb, 0xf8 }, { 0xdb, 0xff },
        { 0xdd, 0xf0 }, { 0xdd, 0xff }, { 0xde, 0xd8 }, { 0xde, 0xda }, { 0xdf, 0xe1 },
        { 0xdf, 0xe7 }, { 0xdf, 0xf8 }, { 0xdf, 0xff },
        { 0xd9, 0x0b }, { 0xdb, 0x23 }, { 0xdb, 0x33 }, { 0xdd, 0x2b },  /* memory /1 /4 /6 /5 */
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(ud); i++) {
        X87State before = env->x87;
        g_assert_cmpint(gexec(ud[i], 2), ==, EXCP_UD);
        g_assert_cmpint(memcmp(&before, &env->x87, sizeof(before)), ==, 0);
    }
    teardown();
}

/* A store that faults leaves memory and the FPU (TOP, tags, pointers) as
 * they were: compute, store, then pop. */
static void test_store_fault(void)
{
    setup64();
    env->rip = CODE;
    g_assert_cmpint(GX(0xdb, 0xe3), ==, -1);                 /* FNINIT */
    g_assert_cmpint(GX(0xd9, 0xeb), ==, -1);                 /* FLDPI */
    X87State before = env->x87;
    /* FSTP m80 across the end of the mapped 1 GiB: #PF, nothing written */
    env->regs[R_EBX] = 0x3ffffffcull;
    g_assert_cmpint(GX(0xdb, 0x3b), ==, EXCP_PF);            /* FSTP tbyte [rbx] */
    g_assert_cmphex(env->cr[2], ==, 0x40000000ull);
    g_assert_cmpint(memcmp(&before, &env->x87, sizeof(before)), ==, 0);
    /* non-canonical: #GP */
    env->regs[R_EBX] = 0x0000800000000000ull;
    g_assert_cmpint(GX(0xdd, 0x1b), ==, EXCP_GP);            /* FSTP qword [rbx] */
    g_assert_cmpint(GX(0xdf, 0x3b), ==, EXCP_GP);            /* FISTP qword */
    g_assert_cmpint(memcmp(&before, &env->x87, sizeof(before)), ==, 0);
    /* FNSAVE across the hole: #PF, no FNINIT */
    env->regs[R_EBX] = 0x3fffffc0ull;
    g_assert_cmpint(GX(0xdd, 0x33), ==, EXCP_PF);
    g_assert_cmpint(memcmp(&before, &env->x87, sizeof(before)), ==, 0);
    /* and a store that works */
    env->regs[R_EBX] = DATA;
    g_assert_cmpint(GX(0xdb, 0x3b), ==, -1);
    g_assert_cmphex(pr64(t, DATA), ==, 0xc90fdaa22168c235ull);
    g_assert_cmphex(pr16(t, DATA + 8), ==, 0x4000);
    g_assert_cmphex(fpu_full_tag_word(&env->x87), ==, 0xffff);
    teardown();
}

/* ------------------------------------------------------------------ */
/* pointers and environment layouts                                    */

/* FOP/FIP/FCS/FDP/FDS (SDM Vol.1 8.1.8-8.1.9): set by non-control
 * instructions, FDP/FDS only by those with a memory operand. */
static void test_pointers(void)
{
    setup64();
    pw32(t, DATA + 0x80, 0x3f800000);
    env->rip = 0x123456789aull;
    g_assert_cmpint(GX(0xdb, 0xe3), ==, -1);
    env->rip = 0x1234;
    g_assert_cmpint(GX(0xd9, 0xe8), ==, -1);                  /* FLD1 */
    env->rip = 0x2000;
    g_assert_cmpint(GX(0xd8, MRBX(0), D32(0x80)), ==, -1);    /* FADD m32 */
    g_assert_cmphex(env->x87.fop, ==, 0x083);
    g_assert_cmphex(env->x87.fip, ==, 0x2000);
    g_assert_cmphex(env->x87.fcs, ==, 0x08);
    g_assert_cmphex(env->x87.fdp, ==, DATA + 0x80);
    g_assert_cmphex(env->x87.fds, ==, 0x10);
    env->rip = 0x3000;
    g_assert_cmpint(GX(0xd9, 0xe1), ==, -1);                  /* FABS: no FDP change */
    g_assert_cmphex(env->x87.fop, ==, 0x1e1);
    g_assert_cmphex(env->x87.fip, ==, 0x3000);
    g_assert_cmphex(env->x87.fdp, ==, DATA + 0x80);
    /* control instructions leave them */
    env->rip = 0x4000;
    g_assert_cmpint(GX(0xd9, MRBX(7), D32(0x90)), ==, -1);    /* FNSTCW */
    g_assert_cmpint(GX(0xd9, MRBX(5), D32(0x90)), ==, -1);    /* FLDCW */
    g_assert_cmpint(GX(0xdb, 0xe2), ==, -1);                  /* FNCLEX */
    g_assert_cmpint(GX(0x9b), ==, -1);                        /* WAIT */
    g_assert_cmpint(GX(0xdf, 0xe0), ==, -1);                  /* FNSTSW AX */
    g_assert_cmpint(GX(0xd9, MRBX(6), D32(0x200)), ==, -1);   /* FNSTENV */
    g_assert_cmphex(env->x87.fip, ==, 0x3000);
    /* 32-bit protected-mode layout (SDM Vol.1 Figure 8-9) */
    g_assert_cmphex(pr32(t, DATA + 0x200), ==, 0xffff037f);
    g_assert_cmphex(pr32(t, DATA + 0x20c), ==, 0x3000);
    g_assert_cmphex(pr32(t, DATA + 0x210), ==, 0x01e10008);
    g_assert_cmphex(pr32(t, DATA + 0x214), ==, DATA + 0x80);
    g_assert_cmphex(pr32(t, DATA + 0x218), ==, 0xffff0010);
    /* 16-bit protected-mode layout (Figure 8-10): 66 D9 /6 */
    memset(t->ram + DATA + 0x300, 0xee, 32);
    g_assert_cmpint(GX(0x66, 0xd9, MRBX(6), D32(0x300)), ==, -1);
    g_assert_cmphex(pr16(t, DATA + 0x300), ==, 0x037f);
    g_assert_cmphex(pr16(t, DATA + 0x306), ==, 0x3000);
    g_assert_cmphex(pr16(t, DATA + 0x308), ==, 0x0008);
    g_assert_cmphex(pr16(t, DATA + 0x30a), ==, (uint16_t)(DATA + 0x80));
    g_assert_cmphex(pr16(t, DATA + 0x30c), ==, 0x0010);
    g_assert_cmphex(t->ram[DATA + 0x30e], ==, 0xee);          /* 14 bytes only */
    /* FNSAVE / FRSTOR round trip, pointers included */
    g_assert_cmpint(GX(0xd9, 0xeb), ==, -1);                  /* FLDPI */
    g_assert_cmpint(GX(0xd9, 0xe8), ==, -1);
    g_assert_cmpint(GX(0xdd, MRBX(6), D32(0x400)), ==, -1);   /* FNSAVE */
    g_assert_cmphex(fpu_full_tag_word(&env->x87), ==, 0xffff);
    g_assert_cmphex(env->x87.fip, ==, 0);
    g_assert_cmpint(GX(0xdd, MRBX(4), D32(0x400)), ==, -1);   /* FRSTOR */
    g_assert_cmpint(GX(0xdd, MRBX(6), D32(0x500)), ==, -1);
    g_assert_cmpint(memcmp(t->ram + DATA + 0x400, t->ram + DATA + 0x500, 108), ==, 0);
    g_assert_cmpint(GX(0x66, 0xdd, MRBX(4), D32(0x400)), ==, -1); /* 16-bit FRSTOR of it */
    g_assert_cmphex(env->x87.fcw, ==, 0x037f);
    teardown();
}

/* Real-address mode layouts (SDM Vol.1 Figures 8-9/8-10 real mode part):
 * 20/32-bit linear pointers, FOP beside FIP[31:16]. */
static void test_real_mode_env(void)
{
    t = tcpu_new(1);
    env = t->env;
    fpu_reset(env);
    cpu_load_seg_real(env, R_CS, 0x1234);
    cpu_load_seg_real(env, R_DS, 0x2000);
    env->cr[0] |= CR0_NE;
    env->regs[R_EBX] = 0x0100;
    pw32(t, 0x20100, 0x40490fdb);
    env->rip = 0x0008;
    g_assert_cmpint(GX(0xdb, 0xe3), ==, -1);                  /* FNINIT */
    env->rip = 0x0010;
    g_assert_cmpint(GX(0xd9, 0x07), ==, -1);                  /* FLD dword [bx] */
    g_assert_cmphex(env->x87.fop, ==, 0x107);
    env->rip = 0x0020;
    g_assert_cmpint(GX(0xd9, 0x37), ==, -1);                  /* FNSTENV [bx] (14) */
    g_assert_cmphex(pr16(t, 0x20100), ==, 0x037f);
    g_assert_cmphex(pr16(t, 0x20106), ==, 0x2350);            /* 0x12350 */
    g_assert_cmphex(pr16(t, 0x20108), ==, 0x1107);            /* IP[19:16], FOP */
    g_assert_cmphex(pr16(t, 0x2010a), ==, 0x0100);            /* 0x20100 */
    g_assert_cmphex(pr16(t, 0x2010c), ==, 0x2000);
    g_assert_cmpint(GX(0x66, 0xd9, 0x77, 0x20), ==, -1);      /* FNSTENV [bx+0x20] (28) */
    g_assert_cmphex(pr16(t, 0x20120 + 12), ==, 0x2350);
    g_assert_cmphex(pr32(t, 0x20120 + 16), ==, 0x00001107);
    g_assert_cmphex(pr16(t, 0x20120 + 20), ==, 0x0100);
    g_assert_cmphex(pr32(t, 0x20120 + 24), ==, 0x00002000);
    /* FLDENV takes the linear pointers back; FNSTENV reproduces the image */
    g_assert_cmpint(GX(0xd9, 0x27), ==, -1);                  /* FLDENV [bx] */
    g_assert_cmphex(env->x87.fip, ==, 0x12350);
    g_assert_cmphex(env->x87.fdp, ==, 0x20100);
    g_assert_cmpint(GX(0xd9, 0x77, 0x40), ==, -1);
    g_assert_cmpint(memcmp(t->ram + 0x20100, t->ram + 0x20140, 14), ==, 0);
    g_assert_cmpint(GX(0x66, 0xd9, 0x67, 0x20), ==, -1);      /* 32-bit FLDENV */
    g_assert_cmpint(GX(0x66, 0xd9, 0x77, 0x60), ==, -1);
    g_assert_cmpint(memcmp(t->ram + 0x20120, t->ram + 0x20160, 28), ==, 0);
    /* FNSAVE 94 bytes in 16-bit mode, registers after the 14-byte header */
    memset(t->ram + 0x20200, 0xee, 128);
    g_assert_cmpint(GX(0xd9, 0xe8), ==, -1);
    g_assert_cmpint(GX(0xdd, 0xb7, 0x00, 0x01), ==, -1);      /* FNSAVE [bx+0x100] */
    g_assert_cmphex(pr64(t, 0x20200 + 14), ==, 0x8000000000000000ull);
    g_assert_cmphex(pr16(t, 0x20200 + 22), ==, 0x3fff);
    g_assert_cmphex(t->ram[0x20200 + 94], ==, 0xee);
    teardown();
}

/* 32-bit protected mode with a based data segment: memory goes through
 * the segment, FDP is the offset and FDS the selector. */
static void test_pmode32_segments(void)
{
    t = tcpu_new(2);
    env = t->env;
    pw64(t, 0x1008, tdesc(0, 0xfffff, T_CODE | DESC_B_MASK));
    pw64(t, 0x1010, tdesc(0x10000, 0xffff, T_DATA | DESC_B_MASK));
    tpmode(t, 0x1000, 0x17);
    tload_seg(t, R_CS, 0x08);
    tload_seg(t, R_SS, 0x10);
    tload_seg(t, R_ES, 0x10);
    env->cr[0] |= CR0_NE;
    fpu_reset(env);
    env->regs[R_EBX] = 0x100;
    pw32(t, 0x10100, 0x40400000);                             /* 3.0f */
    env->rip = 0x400;
    g_assert_cmpint(GX(0xdb, 0xe3), ==, -1);
    g_assert_cmpint(GX(0x26, 0xd9, 0x03), ==, -1);            /* FLD dword es:[ebx] */
    g_assert_cmphex(st(0).sexp, ==, 0x4000);
    g_assert_cmphex(st(0).mant, ==, 0xc000000000000000ull);
    g_assert_cmphex(env->x87.fdp, ==, 0x100);
    g_assert_cmphex(env->x87.fds, ==, 0x10);
    g_assert_cmphex(env->x87.fip, ==, 0x402);            /* after FNINIT */
    /* FST m64 beyond the 64 KiB limit: #GP, stack unchanged */
    env->regs[R_EBX] = 0xfffc;
    g_assert_cmpint(GX(0x26, 0xdd, 0x1b), ==, EXCP_GP);       /* FSTP qword es:[ebx] */
    g_assert_cmphex(fpu_top(&env->x87), ==, 7);
    env->regs[R_EBX] = 0x200;
    g_assert_cmpint(GX(0x26, 0xdd, 0x1b), ==, -1);
    g_assert_cmphex(pr64(t, 0x10200), ==, 0x4008000000000000ull);
    g_assert_cmphex(fpu_top(&env->x87), ==, 0);
    /* 32-bit FNSTENV: FDS/FDP as recorded, FCS/FIP of the FSTP */
    g_assert_cmpint(GX(0x26, 0xd9, 0x33), ==, -1);            /* FNSTENV es:[ebx] */
    g_assert_cmphex(pr32(t, 0x10200 + 12), ==, 0x405);
    g_assert_cmphex(pr32(t, 0x10200 + 16), ==, 0x051b0008);
    g_assert_cmphex(pr32(t, 0x10200 + 20), ==, 0x200);
    g_assert_cmphex(pr16(t, 0x10200 + 24), ==, 0x10);
    teardown();
}

/* Guest FNSTENV/FNSAVE (16 and 32-bit) and FXSAVE against the host's for
 * the same state, pointers left out. */
static void test_layouts_vs_host(void)
{
    TRef r;
    uint8_t h16[94], henv16[14], henv32[28], hfx[512] __attribute__((aligned(16)));

    setup64();
    for (int k = 0; k < 300; k++) {
        rnd_setup(&r, rnd() % 4, pcs[rnd() % 3]);
        run_case(&r, 0xd8, 0xc0 | (rnd() % 8), NULL, NULL);  /* some state with flags */
        asm volatile("frstor %1\n\t.byte 0x66\n\tfnstenv %0\n\tfninit"
                     : "=m"(henv16) : "m"(r.img));
        asm volatile("frstor %1\n\tfnstenv %0\n\tfninit" : "=m"(henv32) : "m"(r.img));
        asm volatile("frstor %1\n\t.byte 0x66\n\tfnsave %0\n\tfninit" : "=m"(h16) : "m"(r.img));
        asm volatile("frstor %1\n\tfxsave %0\n\tfninit" : "=m"(hfx) : "m"(r.img));

        memcpy(t->ram + DATA + 0x800, r.img, 108);
        g_assert_cmpint(GX(0xdd, MRBX(4), D32(0x800)), ==, -1);        /* FRSTOR */
        X87State s = env->x87;
        g_assert_cmpint(GX(0x66, 0xd9, MRBX(6), D32(0x900)), ==, -1); /* 16-bit FNSTENV */
        env->x87 = s;
        g_assert_cmpint(GX(0xd9, MRBX(6), D32(0x940)), ==, -1);       /* 32-bit FNSTENV */
        env->x87 = s;
        g_assert_cmpint(TCPU_RUN(env, fpu_fxsave(env, DATA + 0xa00)), ==, -1);
        g_assert_cmpint(GX(0x66, 0xdd, MRBX(6), D32(0x980)), ==, -1); /* 16-bit FNSAVE */

        const uint8_t *g = t->ram + DATA;
        g_assert_cmpint(memcmp(g + 0x900, henv16, 6), ==, 0);
        g_assert_cmpint(memcmp(g + 0x940, henv32, 12), ==, 0);
        g_assert_cmpint(memcmp(g + 0x980, h16, 6), ==, 0);
        g_assert_cmpint(memcmp(g + 0x980 + 14, h16 + 14, 80), ==, 0);
        g_assert_cmpint(memcmp(g + 0xa00, hfx, 6), ==, 0);            /* FCW FSW FTW(abridged) */
        for (int i = 0; i < 8; i++) {
            g_assert_cmpint(memcmp(g + 0xa00 + 32 + 16 * i, hfx + 32 + 16 * i, 10), ==, 0);
        }
        /* 16-bit FRSTOR of the host's 94-byte image = the same state */
        memcpy(t->ram + DATA + 0xc00, h16, 94);
        g_assert_cmpint(GX(0x66, 0xdd, MRBX(4), D32(0xc00)), ==, -1);
        g_assert_cmpint(GX(0xdd, MRBX(6), D32(0xd00)), ==, -1);
        g_assert_cmpint(img_equal(g + 0xd00, r.img), ==, 1);
        /* FXRSTOR of the host's image = the same state */
        memcpy(t->ram + DATA + 0xe00, hfx, 512);
        g_assert_cmpint(TCPU_RUN(env, fpu_fxrstor(env, DATA + 0xe00)), ==, -1);
        g_assert_cmpint(GX(0xdd, MRBX(6), D32(0xd00)), ==, -1);
        g_assert_cmpint(img_equal(g + 0xd00, r.img), ==, 1);
    }
    teardown();
}

static void test_fxsave(void)
{
    setup64();
    env->rip = 0x5000;
    g_assert_cmpint(GX(0xdb, 0xe3), ==, -1);
    g_assert_cmpint(GX(0xd9, 0xe8), ==, -1);
    g_assert_cmpint(GX(0xd8, MRBX(0), D32(0x80)), ==, -1);
    env->x87.fip = 0x123456789aull;
    env->x87.fdp = 0xfedcba9876ull;
    env->x87.mxcsr = 0x1f80;
    memset(env->x87.xmm[15], 0x5a, 16);
    /* alignment (SDM FXSAVE: #GP(0) if not 16-byte aligned) */
    g_assert_cmpint(TCPU_RUN(env, fpu_fxsave(env, DATA + 0x408)), ==, EXCP_GP);
    g_assert_cmpint(TCPU_RUN(env, fpu_fxrstor(env, DATA + 0x404)), ==, EXCP_GP);
    /* 64-bit layout (REX.W) */
    g_assert_cmpint(TCPU_RUN(env, fpu_fxsave_ex(env, DATA + 0x400, true)), ==, -1);
    g_assert_cmphex(pr16(t, DATA + 0x400), ==, 0x037f);
    g_assert_cmphex(t->ram[DATA + 0x404], ==, 0x80);          /* R7 valid */
    g_assert_cmphex(pr16(t, DATA + 0x406), ==, 0x083);
    g_assert_cmphex(pr64(t, DATA + 0x408), ==, 0x123456789aull);
    g_assert_cmphex(pr64(t, DATA + 0x410), ==, 0xfedcba9876ull);
    g_assert_cmphex(pr32(t, DATA + 0x418), ==, 0x1f80);
    g_assert_cmphex(pr32(t, DATA + 0x41c), ==, FPU_MXCSR_MASK);
    g_assert_cmphex(pr64(t, DATA + 0x400 + 160 + 15 * 16), ==, 0x5a5a5a5a5a5a5a5aull);
    /* 32-bit layout: FIP[31:0], FCS, FDP[31:0], FDS */
    g_assert_cmpint(TCPU_RUN(env, fpu_fxsave(env, DATA + 0x600)), ==, -1);
    g_assert_cmphex(pr32(t, DATA + 0x608), ==, 0x3456789a);
    g_assert_cmphex(pr16(t, DATA + 0x60c), ==, 0x08);
    g_assert_cmphex(pr32(t, DATA + 0x610), ==, 0xdcba9876);
    g_assert_cmphex(pr16(t, DATA + 0x614), ==, 0x10);
    /* round trip; reserved MXCSR bits: #GP(0) and nothing loaded */
    X87State s = env->x87;
    fpu_reset(env);
    g_assert_cmpint(TCPU_RUN(env, fpu_fxrstor_ex(env, DATA + 0x400, true)), ==, -1);
    g_assert_cmpint(memcmp(&s.regs, &env->x87.regs, sizeof(s.regs)), ==, 0);
    g_assert_cmphex(env->x87.fip, ==, s.fip);
    g_assert_cmphex(env->x87.ftw, ==, s.ftw);
    g_assert_cmphex(env->x87.fsw, ==, s.fsw);
    pw32(t, DATA + 0x418, 0x10000);
    fpu_reset(env);
    g_assert_cmpint(TCPU_RUN(env, fpu_fxrstor_ex(env, DATA + 0x400, true)), ==, EXCP_GP);
    g_assert_cmphex(env->x87.ftw, ==, 0xff);                 /* still the RESET state */
    g_assert_cmphex(env->x87.fcw, ==, 0x0040);
    teardown();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (getenv("FPU_TEST_SEED")) {
        rng = strtoull(getenv("FPU_TEST_SEED"), NULL, 0) | 1;
    }
    g_test_add_func("/fpu/known-answers", test_known_answers);
    g_test_add_func("/fpu/tag-word", test_tag_word);
    g_test_add_func("/fpu/stack-faults", test_stack_faults);
    g_test_add_func("/fpu/mf", test_mf);
    g_test_add_func("/fpu/nm-ud", test_nm_ud);
    g_test_add_func("/fpu/store-fault", test_store_fault);
    g_test_add_func("/fpu/pointers", test_pointers);
    g_test_add_func("/fpu/real-mode-env", test_real_mode_env);
    g_test_add_func("/fpu/pmode32-segments", test_pmode32_segments);
    g_test_add_func("/fpu/layouts-vs-host", test_layouts_vs_host);
    g_test_add_func("/fpu/fxsave", test_fxsave);
    g_test_add_func("/fpu/diff-register-forms", test_diff_reg);
    g_test_add_func("/fpu/diff-memory-forms", test_diff_mem);
    g_test_add_func("/fpu/diff-arith-dense", test_diff_arith_dense);
    return g_test_run();
}

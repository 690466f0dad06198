/*
 * tests/unit/test-mmu.c - paging and the CPU memory path (target/i386/mmu.c).
 *
 * Page tables are built in test RAM for 32-bit (4 KiB and PSE 4 MiB pages),
 * PAE (2 MiB pages, NX) and 4-level paging (1 GiB / 2 MiB / 4 KiB pages);
 * the tests check translations, accessed/dirty updates, #PF error codes and
 * CR2 (not present, R/W with and without CR0.WP, U/S, NX, reserved bits),
 * the software TLB being stale until CR3 writes / INVLPG (through the real
 * MOV CR3 and INVLPG handlers), page-crossing stores that fault on the
 * second page, the self-modifying-code watch, ROM writes and MMIO.
 */
#include <glib.h>

#include "cpu-test-harness.h"
#include "target/i386/ops.h"

#define PG_P  1ull
#define PG_RW 2ull
#define PG_US 4ull
#define PG_A  0x20ull
#define PG_D  0x40ull
#define PG_PS 0x80ull
#define PG_NX (1ull << 63)

/* 32-bit paging: PD 0x10000, PT 0x11000 (la 0x400000..0x7fffff) */
static TestCPU *setup32(void)
{
    TestCPU *t = tcpu_new(16);
    pw32(t, 0x10000 + 1 * 4, 0x11000 | 7);
    pw32(t, 0x11000 + 0 * 4, 0x200000 | 7);          /* user RW */
    pw32(t, 0x11000 + 1 * 4, 0x201000 | 5);          /* user RO */
    pw32(t, 0x11000 + 2 * 4, 0x202000 | 3);          /* supervisor RW */
    pw32(t, 0x11000 + 3 * 4, 0x203000 | 6);          /* not present */
    pw32(t, 0x10000 + 2 * 4, 0xc00000 | PG_PS | 7);  /* 4 MiB page at 8M */
    t->env->cr[3] = 0x10000;
    t->env->cr[4] = CR4_PSE;
    t->env->cr[0] = CR0_PE | CR0_PG | CR0_ET;
    mmu_tlb_flush(t->env);
    cpu_update_mode(t->env);
    return t;
}

static void test_no_paging_a20(void)
{
    TestCPU *t = tcpu_new(4);
    CPUX86State *env = t->env;
    pw32(t, 0x1234, 0xdeadbeef);
    g_assert_cmphex(cpu_ldl(env, 0x1234), ==, 0xdeadbeef);
    g_assert_cmphex(mmu_translate(env, 0x101234, ACC_READ, false), ==, 0x101234);
    env->a20_mask = ~(1ull << 20);
    mmu_tlb_flush(env);
    g_assert_cmphex(cpu_ldl(env, 0x101234), ==, 0xdeadbeef);  /* wraps to 0x1234 */
    cpu_stw(env, 0x100000, 0x5a5a);
    g_assert_cmphex(pr16(t, 0), ==, 0x5a5a);
    tcpu_free(t);
}

static void test_paging32_translate(void)
{
    TestCPU *t = setup32();
    CPUX86State *env = t->env;
    g_assert_cmphex(mmu_translate(env, 0x400123, ACC_READ, false), ==, 0x200123);
    g_assert_true(pr32(t, 0x10004) & PG_A);
    g_assert_true(pr32(t, 0x11000) & PG_A);
    g_assert_false(pr32(t, 0x11000) & PG_D);
    pw32(t, 0x200010, 0x11223344);
    g_assert_cmphex(cpu_ldl(env, 0x400010), ==, 0x11223344);
    cpu_stl(env, 0x400010, 0xcafef00d);
    g_assert_cmphex(pr32(t, 0x200010), ==, 0xcafef00d);
    g_assert_true(pr32(t, 0x11000) & PG_D);
    g_assert_false(pr32(t, 0x10004) & PG_D);  /* D only on the leaf */
    /* 4 MiB PSE page */
    g_assert_cmphex(mmu_translate(env, 0x8abcde, ACC_READ, false), ==, 0xcabcde);
    cpu_stb(env, 0x800001, 0x77);
    g_assert_cmphex(t->ram[0xc00001], ==, 0x77);
    g_assert_true(pr32(t, 0x10008) & PG_D);
    tcpu_free(t);
}

static void test_paging32_faults(void)
{
    TestCPU *t = setup32();
    CPUX86State *env = t->env;
    /* not present: P = 0 */
    g_assert_cmpint(TCPU_RUN(env, cpu_ldl(env, 0x403000)), ==, EXCP_PF);
    g_assert_cmphex(env->error_code, ==, 0);
    g_assert_cmphex(env->cr[2], ==, 0x403000);
    g_assert_cmpint(TCPU_RUN(env, cpu_stl(env, 0x403004, 1)), ==, EXCP_PF);
    g_assert_cmphex(env->error_code, ==, PF_ERR_W);
    g_assert_cmpint(TCPU_RUN(env, cpu_ldub(env, 0xc00000)), ==, EXCP_PF); /* no PDE */
    g_assert_cmphex(env->error_code, ==, 0);
    g_assert_cmphex(env->cr[2], ==, 0xc00000);

    /* supervisor write to a read-only page: allowed unless CR0.WP */
    g_assert_cmpint(TCPU_RUN(env, cpu_stl(env, 0x401000, 5)), ==, -1);
    g_assert_cmphex(pr32(t, 0x201000), ==, 5);
    env->cr[0] |= CR0_WP;
    mmu_tlb_flush(env);
    g_assert_cmpint(TCPU_RUN(env, cpu_stl(env, 0x401000, 6)), ==, EXCP_PF);
    g_assert_cmphex(env->error_code, ==, PF_ERR_P | PF_ERR_W);
    g_assert_cmphex(pr32(t, 0x201000), ==, 5);

    /* user accesses */
    env->cpl = 3;
    g_assert_cmpint(TCPU_RUN(env, cpu_ldl(env, 0x402000)), ==, EXCP_PF);
    g_assert_cmphex(env->error_code, ==, PF_ERR_P | PF_ERR_U);
    g_assert_cmpint(TCPU_RUN(env, cpu_stl(env, 0x401000, 7)), ==, EXCP_PF);
    g_assert_cmphex(env->error_code, ==, PF_ERR_P | PF_ERR_W | PF_ERR_U);
    env->cr[0] &= ~(uint64_t)CR0_WP;
    mmu_tlb_flush(env);
    g_assert_cmpint(TCPU_RUN(env, cpu_stl(env, 0x401000, 7)), ==, EXCP_PF); /* WP irrelevant */
    g_assert_cmpint(TCPU_RUN(env, cpu_ldl(env, 0x401000)), ==, -1);
    /* the kernel variants keep supervisor rights at CPL 3 */
    g_assert_cmpint(TCPU_RUN(env, cpu_ldl_kernel(env, 0x402000)), ==, -1);
    tcpu_free(t);
}

/* PAE: PDPT 0x20000, PD 0x21000, PT 0x22000 */
static void test_pae(void)
{
    TestCPU *t = tcpu_new(16);
    CPUX86State *env = t->env;
    pw64(t, 0x20000, 0x21000 | PG_P);
    pw64(t, 0x21000 + 2 * 8, 0x600000 | PG_PS | 7 | PG_NX);   /* la 0x400000, 2 MiB */
    pw64(t, 0x21000 + 3 * 8, 0x22000 | 7);                    /* la 0x600000 */
    pw64(t, 0x22000 + 0 * 8, 0x300000 | 7);
    pw64(t, 0x22000 + 1 * 8, 0x301000 | 7 | (1ull << 51));    /* reserved bit */
    env->cr[3] = 0x20000;
    env->cr[4] = CR4_PAE;
    env->efer = EFER_NXE;
    env->cr[0] = CR0_PE | CR0_PG | CR0_ET;
    mmu_tlb_flush(env);
    cpu_update_mode(env);

    g_assert_cmphex(mmu_translate(env, 0x401234, ACC_READ, false), ==, 0x601234);
    g_assert_true(pr64(t, 0x21010) & PG_A);
    g_assert_cmphex(mmu_translate(env, 0x600abc, ACC_WRITE, false), ==, 0x300abc);
    g_assert_true(pr64(t, 0x22000) & PG_D);
    /* NX fetch */
    g_assert_cmpint(TCPU_RUN(env, cpu_fetch_byte(env, 0x400000)), ==, EXCP_PF);
    g_assert_cmphex(env->error_code, ==, PF_ERR_P | PF_ERR_I);
    g_assert_cmpint(TCPU_RUN(env, cpu_fetch_byte(env, 0x600000)), ==, -1);
    /* reserved physical-address bit */
    g_assert_cmpint(TCPU_RUN(env, cpu_ldl(env, 0x601000)), ==, EXCP_PF);
    g_assert_cmphex(env->error_code, ==, PF_ERR_P | PF_ERR_RSVD);
    g_assert_cmphex(env->cr[2], ==, 0x601000);
    /* the NX bit is reserved while EFER.NXE = 0 */
    env->efer = 0;
    mmu_tlb_flush(env);
    g_assert_cmpint(TCPU_RUN(env, cpu_ldl(env, 0x400000)), ==, EXCP_PF);
    g_assert_cmphex(env->error_code, ==, PF_ERR_P | PF_ERR_RSVD);
    /* no I/D bit without NXE (and SMEP) */
    g_assert_cmpint(TCPU_RUN(env, cpu_fetch_byte(env, 0x700000)), ==, EXCP_PF);
    g_assert_cmphex(env->error_code, ==, 0);
    tcpu_free(t);
}

/* 4-level: PML4 0x30000, PDPT 0x31000, PD 0x32000, PT 0x33000 */
static TestCPU *setup64(void)
{
    TestCPU *t = tcpu_new(16);
    CPUX86State *env = t->env;
    pw64(t, 0x30000, 0x31000 | 7);
    pw64(t, 0x30000 + 8, 0x31000 | 7 | PG_PS);              /* PS in a PML4E: reserved */
    pw64(t, 0x31000, 0x32000 | 7);
    pw64(t, 0x31000 + 8, 0x0 | PG_PS | 7);                   /* la 1G: 1 GiB page at 0 */
    pw64(t, 0x32000 + 1 * 8, 0x400000 | PG_PS | 7);          /* la 2M: 2 MiB page */
    pw64(t, 0x32000 + 2 * 8, 0x33000 | 7);                   /* la 4M: PT */
    pw64(t, 0x32000 + 4 * 8, 0x402000 | PG_PS | 7);          /* misaligned 2 MiB page */
    pw64(t, 0x33000 + 5 * 8, 0x500000 | 7);
    pw64(t, 0x33000 + 6 * 8, 0x501000 | 7 | PG_NX);
    pw64(t, 0x33000 + 7 * 8, 0x502000 | 3);                  /* supervisor */
    env->cr[3] = 0x30000;
    env->cr[4] = CR4_PAE;
    env->efer = EFER_LME | EFER_LMA | EFER_NXE;
    env->cr[0] = CR0_PE | CR0_PG | CR0_ET;
    mmu_tlb_flush(env);
    cpu_update_mode(env);
    return t;
}

static void test_4level(void)
{
    TestCPU *t = setup64();
    CPUX86State *env = t->env;
    g_assert_cmphex(mmu_translate(env, 0x40001234, ACC_READ, false), ==, 0x1234);
    g_assert_cmphex(mmu_translate(env, 0x212345, ACC_READ, false), ==, 0x412345);
    g_assert_cmphex(mmu_translate(env, 0x405678, ACC_READ, false), ==, 0x500678);
    g_assert_true(pr64(t, 0x30000) & PG_A);
    g_assert_true(pr64(t, 0x31000) & PG_A);
    g_assert_true(pr64(t, 0x32010) & PG_A);
    g_assert_true(pr64(t, 0x33028) & PG_A);
    g_assert_false(pr64(t, 0x33028) & PG_D);
    cpu_stq(env, 0x405008, 0x0123456789abcdefull);
    g_assert_cmphex(pr64(t, 0x500008), ==, 0x0123456789abcdefull);
    g_assert_true(pr64(t, 0x33028) & PG_D);

    g_assert_cmpint(TCPU_RUN(env, cpu_ldl(env, 0x8000000000ull)), ==, EXCP_PF);
    g_assert_cmphex(env->error_code, ==, PF_ERR_P | PF_ERR_RSVD);
    g_assert_cmpint(TCPU_RUN(env, cpu_ldl(env, 0x800000)), ==, EXCP_PF);
    g_assert_cmphex(env->error_code, ==, PF_ERR_P | PF_ERR_RSVD);
    g_assert_cmpint(TCPU_RUN(env, cpu_ldl(env, 0x406000)), ==, -1);
    g_assert_cmpint(TCPU_RUN(env, cpu_fetch_byte(env, 0x406000)), ==, EXCP_PF);
    g_assert_cmphex(env->error_code, ==, PF_ERR_P | PF_ERR_I);
    g_assert_cmphex(env->cr[2], ==, 0x406000);
    /* not present PML4E */
    g_assert_cmpint(TCPU_RUN(env, cpu_stb(env, 0x10000000000ull, 1)), ==, EXCP_PF);
    g_assert_cmphex(env->error_code, ==, PF_ERR_W);
    /* user access to a supervisor leaf, and a user fetch */
    env->cpl = 3;
    g_assert_cmpint(TCPU_RUN(env, cpu_ldl(env, 0x407000)), ==, EXCP_PF);
    g_assert_cmphex(env->error_code, ==, PF_ERR_P | PF_ERR_U);
    g_assert_cmpint(TCPU_RUN(env, cpu_fetch_byte(env, 0x407000)), ==, EXCP_PF);
    g_assert_cmphex(env->error_code, ==, PF_ERR_P | PF_ERR_U | PF_ERR_I);
    tcpu_free(t);
}

static void test_tlb_flush(void)
{
    TestCPU *t = setup32();
    CPUX86State *env = t->env;
    pw32(t, 0x200000, 0xaaaa);
    pw32(t, 0x205000, 0xbbbb);
    g_assert_cmphex(cpu_ldl(env, 0x400000), ==, 0xaaaa);
    pw32(t, 0x11000, 0x205000 | 7);
    g_assert_cmphex(cpu_ldl(env, 0x400000), ==, 0xaaaa);  /* stale TLB entry */

    Insn invlpg = { .op = OP_INVLPG, .len = 7, .opsize = 4, .addrsize = 4, .seg = R_DS,
                    .nr_ops = 1, .ops = { { OPK_MEM, 1, 0 } },
                    .mem = { REG_NONE, REG_NONE, 1, false, 0x400000 } };
    g_assert_cmpint(TCPU_RUN(env, op_INVLPG(env, &invlpg)), ==, -1);
    g_assert_cmphex(cpu_ldl(env, 0x400000), ==, 0xbbbb);

    pw32(t, 0x11000, 0x200000 | 7);
    g_assert_cmphex(cpu_ldl(env, 0x400000), ==, 0xbbbb);
    Insn movcr3 = { .op = OP_MOV_CR, .len = 3, .opsize = 4, .addrsize = 4, .seg = SEG_NONE,
                    .nr_ops = 2, .ops = { { OPK_CREG, 4, 3 }, { OPK_REG, 4, R_EAX } } };
    env->regs[R_EAX] = 0x10000;
    g_assert_cmpint(TCPU_RUN(env, op_MOV_CR(env, &movcr3)), ==, -1);
    g_assert_cmphex(cpu_ldl(env, 0x400000), ==, 0xaaaa);
    /* the write TLB is flushed too */
    pw32(t, 0x11000, 0x205000 | 7);
    cpu_stl(env, 0x400000, 0x1111);  /* fills the write entry for 0x200000 */
    g_assert_cmpint(TCPU_RUN(env, op_MOV_CR(env, &movcr3)), ==, -1);
    cpu_stl(env, 0x400000, 0x2222);
    g_assert_cmphex(pr32(t, 0x205000), ==, 0x2222);
    tcpu_free(t);
}

static void test_cross_page(void)
{
    TestCPU *t = setup32();
    CPUX86State *env = t->env;
    pw32(t, 0x200ffc, 0x44332211);
    pw32(t, 0x201000, 0x88776655);
    g_assert_cmphex(cpu_ldq(env, 0x400ffc), ==, 0x8877665544332211ull);
    g_assert_cmphex(cpu_ldl(env, 0x400ffe), ==, 0x66554433);

    /* user store crossing into a read-only page: #PF on the second page,
     * nothing written on the first */
    env->cpl = 3;
    g_assert_cmpint(TCPU_RUN(env, cpu_stl(env, 0x400ffe, 0xffffffff)), ==, EXCP_PF);
    g_assert_cmphex(env->error_code, ==, PF_ERR_P | PF_ERR_W | PF_ERR_U);
    g_assert_cmphex(env->cr[2], ==, 0x401000);
    g_assert_cmphex(pr32(t, 0x200ffc), ==, 0x44332211);
    g_assert_cmphex(pr32(t, 0x201000), ==, 0x88776655);
    /* crossing into a not-present page */
    env->cpl = 0;
    pw32(t, 0x202ffc, 0x12345678);
    g_assert_cmpint(TCPU_RUN(env, cpu_stq(env, 0x402ffc, 0)), ==, EXCP_PF);
    g_assert_cmphex(env->cr[2], ==, 0x403000);
    g_assert_cmphex(pr32(t, 0x202ffc), ==, 0x12345678);
    /* a supervisor crossing store that succeeds */
    cpu_stl(env, 0x400ffe, 0xa1b2c3d4);
    g_assert_cmphex(pr16(t, 0x200ffe), ==, 0xc3d4);
    g_assert_cmphex(pr16(t, 0x201000), ==, 0xa1b2);
    tcpu_free(t);
}

static uint64_t watch_gpa, watch_len;
static int watch_calls;
static void watch_write(void *opaque, uint64_t gpa, uint64_t len)
{
    watch_gpa = gpa;
    watch_len = len;
    watch_calls++;
}

static void test_code_watch(void)
{
    TestCPU *t = setup32();
    CPUX86State *env = t->env;
    CodeWatch *cw = &t->m->mem.code_watch;
    cw->nr_pages = t->ram_size >> 12;
    cw->pages = calloc(cw->nr_pages, 1);
    cw->write = watch_write;
    cw->pages[0x200] = 1;
    watch_calls = 0;
    cpu_stl(env, 0x400010, 1);
    g_assert_cmpint(watch_calls, ==, 1);
    g_assert_cmphex(watch_gpa, ==, 0x200010);
    g_assert_cmpint(watch_len, ==, 4);
    cpu_stw(env, 0x400020, 1);   /* TLB hit: still seen */
    g_assert_cmpint(watch_calls, ==, 2);
    g_assert_cmphex(watch_gpa, ==, 0x200020);
    cpu_stl(env, 0x402000, 1);   /* unwatched page */
    g_assert_cmpint(watch_calls, ==, 2);
    free(cw->pages);
    cw->pages = NULL;
    tcpu_free(t);
}

typedef struct { uint64_t last_off, last_val; unsigned last_size; int writes; } FakeMmio;
static uint64_t fake_read(void *opaque, uint64_t off, unsigned size)
{
    return 0x1000 + off;
}
static void fake_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    FakeMmio *d = opaque;
    d->last_off = off;
    d->last_val = v;
    d->last_size = size;
    d->writes++;
}
static const MemoryOps fake_ops = { fake_read, fake_write, 1, 8 };

static void test_rom_and_mmio(void)
{
    TestCPU *t = tcpu_new(4);
    CPUX86State *env = t->env;
    static uint8_t rom[65536];
    rom[0] = 0xea;
    g_assert_true(phys_add_slot(&t->m->mem, 0xf0000000u, sizeof(rom), rom, true, "rom"));
    FakeMmio dev = {0};
    g_assert_true(as_map(&t->m->mem.mmio, 0xfee00000u, 0x1000, &fake_ops, &dev, "fake"));

    g_assert_cmphex(cpu_ldub(env, 0xf0000000u), ==, 0xea);
    cpu_stb(env, 0xf0000000u, 0x90);                 /* ignored */
    g_assert_cmphex(rom[0], ==, 0xea);
    g_assert_cmphex(cpu_ldub(env, 0xf0000000u), ==, 0xea);

    cpu_stl(env, 0xfee00300u, 0x4500);
    g_assert_cmpint(dev.writes, ==, 1);
    g_assert_cmphex(dev.last_off, ==, 0x300);
    g_assert_cmpuint(dev.last_size, ==, 4);
    g_assert_cmphex(dev.last_val, ==, 0x4500);
    g_assert_cmphex(cpu_ldl(env, 0xfee00020u), ==, 0x1020);
    /* unassigned memory reads as ones */
    g_assert_cmphex(cpu_ldl(env, 0xe0000000u), ==, 0xffffffffu);
    tcpu_free(t);
}

static void test_smep_smap(void)
{
    TestCPU *t = setup32();
    CPUX86State *env = t->env;
    env->cr[4] |= CR4_SMEP | CR4_SMAP;
    mmu_tlb_flush(env);
    /* supervisor fetch from a user page */
    g_assert_cmpint(TCPU_RUN(env, cpu_fetch_byte(env, 0x400000)), ==, EXCP_PF);
    g_assert_cmphex(env->error_code, ==, PF_ERR_P | PF_ERR_I);
    /* supervisor data access to a user page: only with EFLAGS.AC */
    g_assert_cmpint(TCPU_RUN(env, cpu_ldl(env, 0x400000)), ==, EXCP_PF);
    env->eflags |= AC_MASK;
    g_assert_cmpint(TCPU_RUN(env, cpu_ldl(env, 0x400000)), ==, -1);
    env->eflags &= ~(uint64_t)AC_MASK;
    g_assert_cmpint(TCPU_RUN(env, cpu_ldl(env, 0x400000)), ==, EXCP_PF);
    tcpu_free(t);
}

static void test_global_and_large_invlpg(void)
{
    TestCPU *t = setup32();
    CPUX86State *env = t->env;
    Insn movcr3 = { .op = OP_MOV_CR, .len = 3, .opsize = 4, .addrsize = 4, .seg = SEG_NONE,
                    .nr_ops = 2, .ops = { { OPK_CREG, 4, 3 }, { OPK_REG, 4, R_EAX } } };
    env->regs[R_EAX] = 0x10000;
    /* a global 4 KiB page survives MOV CR3 with CR4.PGE, a normal one not */
    pw32(t, 0x11000, 0x200000 | 7 | 0x100);      /* G */
    pw32(t, 0x11000 + 8, 0x202000 | 3);
    env->cr[4] |= CR4_PGE;
    mmu_tlb_flush(env);
    pw32(t, 0x200000, 0xaaaa);
    pw32(t, 0x202000, 0xcccc);
    g_assert_cmphex(cpu_ldl(env, 0x400000), ==, 0xaaaa);
    g_assert_cmphex(cpu_ldl(env, 0x402000), ==, 0xcccc);
    pw32(t, 0x11000, 0x205000 | 7 | 0x100);
    pw32(t, 0x11000 + 8, 0x205000 | 3);
    g_assert_cmpint(TCPU_RUN(env, op_MOV_CR(env, &movcr3)), ==, -1);
    g_assert_cmphex(cpu_ldl(env, 0x400000), ==, 0xaaaa);   /* global: kept */
    g_assert_cmphex(cpu_ldl(env, 0x402000), ==, 0);        /* flushed: now 0x205000 */
    /* without PGE the CR3 write drops it too */
    env->cr[4] &= ~(uint64_t)CR4_PGE;
    mmu_tlb_flush(env);
    pw32(t, 0x11000, 0x200000 | 7 | 0x100);
    g_assert_cmphex(cpu_ldl(env, 0x400000), ==, 0xaaaa);
    pw32(t, 0x11000, 0x205000 | 7 | 0x100);
    g_assert_cmpint(TCPU_RUN(env, op_MOV_CR(env, &movcr3)), ==, -1);
    g_assert_cmphex(cpu_ldl(env, 0x400000), ==, 0);

    /* INVLPG of one address in a 4 MiB page drops every cached piece */
    pw32(t, 0xc00000, 0x1111);
    pw32(t, 0xc01000, 0x2222);
    g_assert_cmphex(cpu_ldl(env, 0x800000), ==, 0x1111);
    g_assert_cmphex(cpu_ldl(env, 0x801000), ==, 0x2222);
    pw32(t, 0x10008, 0x400000 | PG_PS | 7);       /* now at 4M */
    pw32(t, 0x400000, 0x3333);
    pw32(t, 0x401000, 0x4444);
    Insn invlpg = { .op = OP_INVLPG, .len = 7, .opsize = 4, .addrsize = 4, .seg = R_DS,
                    .nr_ops = 1, .ops = { { OPK_MEM, 1, 0 } },
                    .mem = { REG_NONE, REG_NONE, 1, false, 0x800000 } };
    g_assert_cmpint(TCPU_RUN(env, op_INVLPG(env, &invlpg)), ==, -1);
    g_assert_cmphex(cpu_ldl(env, 0x800000), ==, 0x3333);
    g_assert_cmphex(cpu_ldl(env, 0x801000), ==, 0x4444);
    tcpu_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mmu/no-paging-a20", test_no_paging_a20);
    g_test_add_func("/mmu/paging32/translate", test_paging32_translate);
    g_test_add_func("/mmu/paging32/faults", test_paging32_faults);
    g_test_add_func("/mmu/pae", test_pae);
    g_test_add_func("/mmu/4level", test_4level);
    g_test_add_func("/mmu/tlb-flush", test_tlb_flush);
    g_test_add_func("/mmu/cross-page", test_cross_page);
    g_test_add_func("/mmu/code-watch", test_code_watch);
    g_test_add_func("/mmu/rom-mmio", test_rom_and_mmio);
    g_test_add_func("/mmu/smep-smap", test_smep_smap);
    g_test_add_func("/mmu/global-large-invlpg", test_global_and_large_invlpg);
    return g_test_run();
}

/*
 * tests/unit/test-system-ext.c - the system instructions and CR4 features
 * a kernel uses: CR4 bits gated by the CPU model, PCID (CR3 bits 11:0 and
 * the bit-63 no-flush hint) and INVPCID, SMEP/SMAP with CLAC/STAC, UMIP,
 * RD/WR FS/GS BASE, CLFLUSH/CLFLUSHOPT/CLWB, fences, PREFETCHW,
 * MONITOR/MWAIT, RDTSCP/RDPID.
 *
 * Design: a long-mode CPU of the cpu-test harness with 4-level page
 * tables built here (4 KiB pages below 2 MiB, with one user page, one
 * read-only page and one hole; 2 MiB pages above), executing instruction
 * bytes through decode_buf + insn_handlers as the interpreter does, with
 * the IF_PRIV check of the execution loop.  The host cannot run these at
 * CPL 0, so the oracle is the SDM: each check cites its rule.  The TLB
 * tests are written so that a translation kept too long (an under-flush)
 * makes them fail.
 */
#include <glib.h>
#include <string.h>

#include "cpu-test-harness.h"
#include "target/i386/cpuid.h"
#include "target/i386/ops.h"

#define PML4 0x10000u
#define PDPT 0x11000u
#define PD   0x12000u
#define PT   0x13000u
#define PML4_B 0x14000u   /* a second address space (PCID tests) */
#define PDPT_B 0x15000u
#define PD_B   0x16000u
#define USER_PG 0x100000u /* user page */
#define RO_PG   0x101000u /* supervisor read-only page */
#define HOLE_PG 0x102000u /* not present */
#define VA2M    0x200000u /* a 2 MiB page remapped by the TLB tests */

#define P_P  1ull
#define P_RW 2ull
#define P_US 4ull
#define P_PS 0x80ull
#define P_G  0x100ull

static X86CPUModel model;

static TestCPU *setup(void)
{
    TestCPU *t = tcpu_new(16);
    CPUX86State *env = t->env;
    pw64(t, 0x1008, tdesc(0, 0xfffff, T_CODE | DESC_L_MASK));
    pw64(t, 0x1010, tdesc(0, 0xffffffff, T_DATA | DESC_B_MASK));
    pw64(t, 0x1018, tdesc(0, 0xfffff, T_CODE | DESC_L_MASK | T_DPL(3)));
    pw64(t, 0x1020, tdesc(0, 0xffffffff, T_DATA | DESC_B_MASK | T_DPL(3)));
    pw64(t, 0x1028, tdesc(0, 0xffffffff, T_CODE | DESC_B_MASK));      /* compat */
    tpmode(t, 0x1000, 0x2f);
    /* 4-level tables: user bits on the upper levels, rights in the leaves */
    pw64(t, PML4, PDPT | P_P | P_RW | P_US);
    pw64(t, PDPT, PD | P_P | P_RW | P_US);
    pw64(t, PD, PT | P_P | P_RW | P_US);
    for (uint64_t i = 0; i < 512; i++) {
        pw64(t, PT + 8 * i, (i << 12) | P_P | P_RW);
    }
    pw64(t, PT + 8 * (USER_PG >> 12), USER_PG | P_P | P_RW | P_US);
    pw64(t, PT + 8 * (RO_PG >> 12), RO_PG | P_P);
    pw64(t, PT + 8 * (HOLE_PG >> 12), 0);
    for (uint64_t i = 1; i < 8; i++) {
        pw64(t, PD + 8 * i, (i << 21) | P_P | P_RW | P_PS);
    }
    env->cr[3] = PML4;
    env->cr[4] |= CR4_PAE | CR4_OSFXSR;
    env->efer |= EFER_LME | EFER_LMA | EFER_NXE;
    env->cr[0] |= CR0_PE | CR0_PG | CR0_WP;
    mmu_tlb_flush(env);
    tload_seg(t, R_CS, 0x08);
    tload_seg(t, R_SS, 0x10);
    tload_seg(t, R_DS, 0x10);
    model = *x86_model_find("max");
    env->model = &model;
    return t;
}

static void to_cpl(TestCPU *t, int cpl)
{
    tload_seg(t, R_CS, cpl ? 0x1b : 0x08);
    tload_seg(t, R_SS, cpl ? 0x23 : 0x10);
    g_assert_cmpint(t->env->cpl, ==, cpl);
}

/* Decode (64-bit mode unless the CPU is elsewhere) and run as the
 * interpreter does: DECODE_UD -> #UD, IF_PRIV at CPL > 0 -> #GP(0). */
static int gexec(CPUX86State *env, const uint8_t *b, unsigned n)
{
    return texec(env, b, n);
}

#define GX(env, ...) __extension__({ const uint8_t b_[] = { __VA_ARGS__ }; \
                                     gexec((env), b_, sizeof(b_)); })

/* mov cr4, rax / mov cr3, rax / mov cr0, rax with rax = v */
static int mov_cr(CPUX86State *env, int cr, uint64_t v)
{
    env->regs[R_EAX] = v;
    return GX(env, 0x0f, 0x22, (uint8_t)(0xc0 | (cr << 3)));
}

/* mov eax, [rbx] with rbx = va: the value, or -1 - vector */
static int64_t load(CPUX86State *env, uint64_t va)
{
    env->regs[R_EBX] = va;
    int v = GX(env, 0x8b, 0x03);
    return v >= 0 ? -1 - v : (int64_t)(uint32_t)env->regs[R_EAX];
}

/* ---- CR4: the feature bits follow the model ---- */

static void test_cr4_gating(void)
{
    TestCPU *t = setup();
    CPUX86State *env = t->env;
    static const uint64_t bits[] = { CR4_FSGSBASE, CR4_SMEP, CR4_SMAP, CR4_UMIP, CR4_PCIDE };
    uint64_t base = env->cr[4];
    for (size_t i = 0; i < G_N_ELEMENTS(bits); i++) {
        /* max offers them */
        g_assert_cmpint(mov_cr(env, 4, base | bits[i]), ==, -1);
        g_assert_cmphex(env->cr[4], ==, base | bits[i]);
        g_assert_cmpint(mov_cr(env, 4, base), ==, -1);
        /* the default model (x86-64-v2) does not: reserved, #GP(0) */
        env->model = NULL;
        g_assert_cmpint(mov_cr(env, 4, base | bits[i]), ==, EXCP_GP);
        g_assert_cmphex(env->cr[4], ==, base);
        env->model = &model;
    }
    /* OSXSAVE needs XSAVE (not offered by max here) */
    model.features[FEAT_1_ECX] &= ~CPUID_EXT_XSAVE;
    g_assert_cmpint(mov_cr(env, 4, base | CR4_OSXSAVE), ==, EXCP_GP);
    tcpu_free(t);
}

/* ---- PCID: CR4.PCIDE rules, CR3 bit 63, no under-flush ---- */

static void test_pcid_cr_rules(void)
{
    TestCPU *t = setup();
    CPUX86State *env = t->env;
    uint64_t cr4 = env->cr[4];
    /* PCIDE 0 -> 1 with CR3[11:0] != 0: #GP(0) */
    env->cr[3] = PML4 | 0x18;      /* PWT|PCD */
    g_assert_cmpint(mov_cr(env, 4, cr4 | CR4_PCIDE), ==, EXCP_GP);
    env->cr[3] = PML4;
    g_assert_cmpint(mov_cr(env, 4, cr4 | CR4_PCIDE), ==, -1);
    /* MOV CR3 with bit 63: not stored, PCID kept in bits 11:0 */
    g_assert_cmpint(mov_cr(env, 3, (1ull << 63) | PML4 | 5), ==, -1);
    g_assert_cmphex(env->cr[3], ==, PML4 | 5);
    g_assert_cmpint(GX(env, 0x0f, 0x20, 0xd8), ==, -1);     /* mov rax, cr3 */
    g_assert_cmphex(env->regs[R_EAX], ==, PML4 | 5);
    /* the other high bits stay reserved */
    g_assert_cmpint(mov_cr(env, 3, (1ull << 62) | PML4), ==, EXCP_GP);
    /* without PCIDE bit 63 is reserved too */
    g_assert_cmpint(mov_cr(env, 3, PML4), ==, -1);
    g_assert_cmpint(mov_cr(env, 4, cr4), ==, -1);
    g_assert_cmpint(mov_cr(env, 3, (1ull << 63) | PML4), ==, EXCP_GP);
    /* clearing CR0.PG with PCIDE = 1 is #GP(0) (compatibility mode, where
     * leaving IA-32e mode is otherwise allowed) */
    g_assert_cmpint(mov_cr(env, 4, cr4 | CR4_PCIDE), ==, -1);
    tload_seg(t, R_CS, 0x28);
    g_assert_cmpint(env->code_bits, ==, 32);
    uint64_t cr0 = env->cr[0];
    env->regs[R_EAX] = cr0 & ~(uint64_t)CR0_PG;
    g_assert_cmpint(GX(env, 0x0f, 0x22, 0xc0), ==, EXCP_GP);
    g_assert_true(env->efer & EFER_LMA);
    env->regs[R_EAX] = cr4;
    g_assert_cmpint(GX(env, 0x0f, 0x22, 0xe0), ==, -1);     /* PCIDE off */
    env->regs[R_EAX] = cr0 & ~(uint64_t)CR0_PG;
    g_assert_cmpint(GX(env, 0x0f, 0x22, 0xc0), ==, -1);     /* leaves IA-32e mode */
    g_assert_false(env->efer & EFER_LMA);
    /* outside IA-32e mode PCIDE cannot be set */
    env->regs[R_EAX] = cr4 | CR4_PCIDE;
    g_assert_cmpint(GX(env, 0x0f, 0x22, 0xe0), ==, EXCP_GP);
    tcpu_free(t);
}

/* Two address spaces A (PML4) and B (PML4_B) map VA2M to different 2 MiB
 * frames; every switch and every INVPCID must make the next access see
 * the current tables, whatever the no-flush hint says for another PCID. */
static void test_pcid_no_underflush(void)
{
    TestCPU *t = setup();
    CPUX86State *env = t->env;
    pw64(t, PML4_B, PDPT_B | P_P | P_RW);
    pw64(t, PDPT_B, PD_B | P_P | P_RW);
    for (uint64_t i = 0; i < 8; i++) {
        pw64(t, PD_B + 8 * i, pr64(t, PD + 8 * i));
    }
    pw64(t, PD + 8, 0x400000 | P_P | P_RW | P_PS);      /* A: VA2M -> 4M */
    pw64(t, PD_B + 8, 0x600000 | P_P | P_RW | P_PS);    /* B: VA2M -> 6M */
    pw32(t, 0x400000, 0xaaaa);
    pw32(t, 0x600000, 0xbbbb);
    pw32(t, 0x800000, 0xcccc);
    g_assert_cmpint(mov_cr(env, 4, env->cr[4] | CR4_PCIDE | CR4_PGE), ==, -1);
    uint64_t nf = 1ull << 63;
    g_assert_cmpint(mov_cr(env, 3, PML4 | 1), ==, -1);
    g_assert_cmpint(load(env, VA2M), ==, 0xaaaa);
    g_assert_cmpint(mov_cr(env, 3, nf | PML4_B | 2), ==, -1);
    g_assert_cmpint(load(env, VA2M), ==, 0xbbbb);
    g_assert_cmpint(mov_cr(env, 3, nf | PML4 | 1), ==, -1);
    g_assert_cmpint(load(env, VA2M), ==, 0xaaaa);

    /* INVPCID rcx=type, [rsi] = descriptor { PCID, address } */
    uint64_t desc = 0x5000;
    env->regs[R_ESI] = desc;
#define INVPCID(type, pcid, addr) (env->regs[R_ECX] = (type), pw64(t, desc, (pcid)), \
                                   pw64(t, desc + 8, (addr)), GX(env, 0x66, 0x0f, 0x38, 0x82, 0x0e))
    /* type 0: one address of PCID 1 */
    pw64(t, PD + 8, 0x800000 | P_P | P_RW | P_PS);
    g_assert_cmpint(INVPCID(0, 1, VA2M + 0x123), ==, -1);
    g_assert_cmpint(load(env, VA2M), ==, 0xcccc);
    /* type 1: one PCID */
    pw64(t, PD + 8, 0x400000 | P_P | P_RW | P_PS);
    g_assert_cmpint(INVPCID(1, 1, 0), ==, -1);
    g_assert_cmpint(load(env, VA2M), ==, 0xaaaa);
    /* type 3: all but global */
    pw64(t, PD + 8, 0x600000 | P_P | P_RW | P_PS);
    g_assert_cmpint(INVPCID(3, 0, 0), ==, -1);
    g_assert_cmpint(load(env, VA2M), ==, 0xbbbb);
    /* a global page survives MOV CR3 (SDM 4.10.2.4) and type 3, not type 2 */
    pw64(t, PD + 8, 0x400000 | P_P | P_RW | P_PS | P_G);
    g_assert_cmpint(INVPCID(0, 1, VA2M), ==, -1);
    g_assert_cmpint(load(env, VA2M), ==, 0xaaaa);
    pw64(t, PD + 8, 0x800000 | P_P | P_RW | P_PS | P_G);
    g_assert_cmpint(INVPCID(2, 0, 0), ==, -1);
    g_assert_cmpint(load(env, VA2M), ==, 0xcccc);

    /* #GP(0): type > 3, descriptor bits 63:12, non-canonical type-0 address */
    g_assert_cmpint(INVPCID(4, 0, 0), ==, EXCP_GP);
    g_assert_cmpint(INVPCID(1, 0x1000, 0), ==, EXCP_GP);
    g_assert_cmpint(INVPCID(0, 1, 0x0000800000000000ull), ==, EXCP_GP);
    g_assert_cmpint(INVPCID(1, 0xfff, 0x0000800000000000ull), ==, -1);
    /* with PCIDE = 0, types 0/1 need PCID 0; types 2/3 ignore the PCID */
    g_assert_cmpint(mov_cr(env, 3, PML4), ==, -1);
    g_assert_cmpint(mov_cr(env, 4, env->cr[4] & ~(uint64_t)CR4_PCIDE), ==, -1);
    g_assert_cmpint(INVPCID(1, 3, 0), ==, EXCP_GP);
    g_assert_cmpint(INVPCID(0, 3, VA2M), ==, EXCP_GP);
    g_assert_cmpint(INVPCID(1, 0, 0), ==, -1);
    g_assert_cmpint(INVPCID(3, 3, 0), ==, -1);
    /* the descriptor is read: #PF on a hole */
    env->regs[R_ESI] = HOLE_PG;
    env->regs[R_ECX] = 2;
    g_assert_cmpint(GX(env, 0x66, 0x0f, 0x38, 0x82, 0x0e), ==, EXCP_PF);
    env->regs[R_ESI] = desc;
    /* CPL 3: #GP(0); a model without INVPCID: #UD, at any CPL */
    to_cpl(t, 3);
    g_assert_cmpint(INVPCID(2, 0, 0), ==, EXCP_GP);
    model.features[FEAT_7_0_EBX] &= ~CPUID_7_EBX_INVPCID;
    g_assert_cmpint(INVPCID(2, 0, 0), ==, EXCP_UD);
    to_cpl(t, 0);
    g_assert_cmpint(INVPCID(2, 0, 0), ==, EXCP_UD);
#undef INVPCID
    tcpu_free(t);
}

/* ---- SMEP, SMAP, CLAC/STAC ---- */

static void test_smep_smap(void)
{
    TestCPU *t = setup();
    CPUX86State *env = t->env;
    pw32(t, USER_PG, 0x1234);
    g_assert_cmpint(load(env, USER_PG), ==, 0x1234);   /* no SMAP: fine */
    g_assert_cmpint(mov_cr(env, 4, env->cr[4] | CR4_SMAP | CR4_SMEP), ==, -1);
    /* SMAP: a supervisor read of a user page with AC = 0 faults, P set,
     * U and W clear (SDM Vol.3 4.6, 4.7); the cached translation from
     * before is gone (CR4 writes flush) */
    g_assert_cmpint(load(env, USER_PG), ==, -1 - EXCP_PF);
    g_assert_cmphex(env->error_code, ==, PF_ERR_P);
    g_assert_cmphex(env->cr[2], ==, USER_PG);
    g_assert_cmpint(GX(env, 0x0f, 0x01, 0xcb), ==, -1);         /* stac */
    g_assert_true(env->eflags & AC_MASK);
    g_assert_cmpint(load(env, USER_PG), ==, 0x1234);
    g_assert_cmpint(GX(env, 0x0f, 0x01, 0xca), ==, -1);         /* clac */
    g_assert_false(env->eflags & AC_MASK);
    g_assert_cmpint(load(env, USER_PG), ==, -1 - EXCP_PF);
    /* implicit supervisor accesses fault whatever AC says */
    env->eflags |= AC_MASK;
    g_assert_cmpint(TCPU_RUN(env, cpu_ldl_kernel(env, USER_PG)), ==, EXCP_PF);
    env->eflags &= ~(uint64_t)AC_MASK;
    /* SMEP: supervisor fetch from a user page, I/D set */
    g_assert_cmpint(TCPU_RUN(env, cpu_fetch_byte(env, USER_PG)), ==, EXCP_PF);
    g_assert_cmphex(env->error_code, ==, PF_ERR_P | PF_ERR_I);
    g_assert_cmpint(TCPU_RUN(env, cpu_fetch_byte(env, RO_PG)), ==, -1);
    /* user mode is unaffected; CLAC/STAC there are #UD (SDM CLAC) */
    to_cpl(t, 3);
    g_assert_cmpint(load(env, USER_PG), ==, 0x1234);
    g_assert_cmpint(GX(env, 0x0f, 0x01, 0xcb), ==, EXCP_UD);
    g_assert_cmpint(GX(env, 0x0f, 0x01, 0xca), ==, EXCP_UD);
    g_assert_false(env->eflags & AC_MASK);
    to_cpl(t, 0);
    /* F3 0F 01 CA is ERETU (FRED), not CLAC */
    g_assert_cmpint(GX(env, 0xf3, 0x0f, 0x01, 0xca), ==, EXCP_UD);
    /* without SMAP in the model: #UD */
    model.features[FEAT_7_0_EBX] &= ~CPUID_7_EBX_SMAP;
    g_assert_cmpint(GX(env, 0x0f, 0x01, 0xcb), ==, EXCP_UD);
    tcpu_free(t);
}

/* ---- UMIP ---- */

static void test_umip(void)
{
    TestCPU *t = setup();
    CPUX86State *env = t->env;
    env->regs[R_EBX] = USER_PG;
    static const uint8_t forms[][3] = {
        { 0x0f, 0x01, 0x03 },   /* sgdt [rbx] */
        { 0x0f, 0x01, 0x0b },   /* sidt [rbx] */
        { 0x0f, 0x00, 0x03 },   /* sldt [rbx] */
        { 0x0f, 0x00, 0x0b },   /* str [rbx] */
        { 0x0f, 0x01, 0xe0 },   /* smsw eax */
    };
    to_cpl(t, 3);
    for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
        g_assert_cmpint(gexec(env, forms[i], 3), ==, -1);
    }
    to_cpl(t, 0);
    g_assert_cmpint(mov_cr(env, 4, env->cr[4] | CR4_UMIP), ==, -1);
    for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
        g_assert_cmpint(gexec(env, forms[i], 3), ==, -1);      /* CPL 0: allowed */
    }
    to_cpl(t, 3);
    for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
        g_assert_cmpint(gexec(env, forms[i], 3), ==, EXCP_GP);
        g_assert_cmphex(env->error_code, ==, 0);
    }
    tcpu_free(t);
}

/* ---- RD/WR FS/GS BASE ---- */

static void test_fsgsbase(void)
{
    TestCPU *t = setup();
    CPUX86State *env = t->env;
    env->segs[R_FS].base = 0x123456789abcull;
    /* CR4.FSGSBASE = 0: #UD (SDM RDFSBASE) */
    g_assert_cmpint(GX(env, 0xf3, 0x48, 0x0f, 0xae, 0xc0), ==, EXCP_UD);
    g_assert_cmpint(mov_cr(env, 4, env->cr[4] | CR4_FSGSBASE), ==, -1);
    to_cpl(t, 3);                       /* any CPL */
    env->regs[R_EAX] = 0;
    g_assert_cmpint(GX(env, 0xf3, 0x48, 0x0f, 0xae, 0xc0), ==, -1);   /* rdfsbase rax */
    g_assert_cmphex(env->regs[R_EAX], ==, 0x123456789abcull);
    env->regs[R_EAX] = ~0ull;
    g_assert_cmpint(GX(env, 0xf3, 0x0f, 0xae, 0xc0), ==, -1);         /* rdfsbase eax */
    g_assert_cmphex(env->regs[R_EAX], ==, 0x56789abcull);
    env->regs[R_ECX] = 0xffff800000001000ull;
    g_assert_cmpint(GX(env, 0xf3, 0x48, 0x0f, 0xae, 0xd9), ==, -1);   /* wrgsbase rcx */
    g_assert_cmphex(env->segs[R_GS].base, ==, 0xffff800000001000ull);
    env->regs[R_ECX] = 0x0000800000000000ull;                          /* not canonical */
    g_assert_cmpint(GX(env, 0xf3, 0x48, 0x0f, 0xae, 0xd9), ==, EXCP_GP);
    g_assert_cmphex(env->segs[R_GS].base, ==, 0xffff800000001000ull);
    env->regs[R_EDX] = 0xffffffff87654321ull;
    g_assert_cmpint(GX(env, 0xf3, 0x0f, 0xae, 0xd2), ==, -1);         /* wrfsbase edx */
    g_assert_cmphex(env->segs[R_FS].base, ==, 0x87654321ull);
    env->regs[R_EAX] = 0;
    g_assert_cmpint(GX(env, 0xf3, 0x48, 0x0f, 0xae, 0xc8), ==, -1);   /* rdgsbase rax */
    g_assert_cmphex(env->regs[R_EAX], ==, 0xffff800000001000ull);
    to_cpl(t, 0);
    /* compatibility mode: #UD */
    tload_seg(t, R_CS, 0x28);
    g_assert_cmpint(GX(env, 0xf3, 0x0f, 0xae, 0xc0), ==, EXCP_UD);
    tcpu_free(t);
}

/* ---- cache-line operations, fences, hints ---- */

static void test_cache_ops(void)
{
    TestCPU *t = setup();
    CPUX86State *env = t->env;
    static const uint8_t ops[][5] = {
        { 0x0f, 0xae, 0x3b },           /* clflush [rbx] */
        { 0x66, 0x0f, 0xae, 0x3b },     /* clflushopt [rbx] */
        { 0x66, 0x0f, 0xae, 0x33 },     /* clwb [rbx] */
    };
    static const unsigned len[] = { 3, 4, 4 };
    for (int i = 0; i < 3; i++) {
        /* a read-only page: fine (checked as a read); a hole: #PF with
         * W = 0 (SDM CLFLUSH: "treated as a load") */
        env->regs[R_EBX] = RO_PG + 63;
        g_assert_cmpint(gexec(env, ops[i], len[i]), ==, -1);
        env->regs[R_EBX] = HOLE_PG + 5;
        g_assert_cmpint(gexec(env, ops[i], len[i]), ==, EXCP_PF);
        g_assert_cmphex(env->error_code, ==, 0);
        g_assert_cmphex(env->cr[2], ==, HOLE_PG + 5);
        /* non-canonical: #GP(0) */
        env->regs[R_EBX] = 0x0000900000000000ull;
        g_assert_cmpint(gexec(env, ops[i], len[i]), ==, EXCP_GP);
        /* SMAP applies: user page at CPL 0 with AC = 0 */
        env->cr[4] |= CR4_SMAP;
        mmu_tlb_flush(env);
        env->regs[R_EBX] = USER_PG;
        g_assert_cmpint(gexec(env, ops[i], len[i]), ==, EXCP_PF);
        env->cr[4] &= ~(uint64_t)CR4_SMAP;
        mmu_tlb_flush(env);
    }
    env->regs[R_EBX] = RO_PG;
    /* F2/F3 0F AE /7 are not CLFLUSH: #UD */
    g_assert_cmpint(GX(env, 0xf3, 0x0f, 0xae, 0x3b), ==, EXCP_UD);
    g_assert_cmpint(GX(env, 0xf2, 0x0f, 0xae, 0x3b), ==, EXCP_UD);
    /* gates: the default model has CLFLUSH but neither CLFLUSHOPT nor CLWB */
    env->model = NULL;
    g_assert_cmpint(gexec(env, ops[0], len[0]), ==, -1);
    g_assert_cmpint(gexec(env, ops[1], len[1]), ==, EXCP_UD);
    g_assert_cmpint(gexec(env, ops[2], len[2]), ==, EXCP_UD);
    env->model = &model;
    /* PREFETCHW / PREFETCHh never fault, even on a hole */
    env->regs[R_EBX] = HOLE_PG;
    g_assert_cmpint(GX(env, 0x0f, 0x0d, 0x0b), ==, -1);
    g_assert_cmpint(GX(env, 0x0f, 0x18, 0x0b), ==, -1);
    g_assert_cmpint(GX(env, 0x0f, 0x0d, 0xcb), ==, EXCP_UD);   /* register form */
    /* fences */
    g_assert_cmpint(GX(env, 0x0f, 0xae, 0xe8), ==, -1);
    g_assert_cmpint(GX(env, 0x0f, 0xae, 0xf0), ==, -1);
    g_assert_cmpint(GX(env, 0x0f, 0xae, 0xf8), ==, -1);
    /* MONITOR/MWAIT: CPUID does not offer them, #UD even at CPL 0 */
    g_assert_cmpint(GX(env, 0x0f, 0x01, 0xc8), ==, EXCP_UD);
    g_assert_cmpint(GX(env, 0x0f, 0x01, 0xc9), ==, EXCP_UD);
    /* WBINVD/INVD: CPL 0 only */
    g_assert_cmpint(GX(env, 0x0f, 0x09), ==, -1);
    g_assert_cmpint(GX(env, 0x0f, 0x08), ==, -1);
    to_cpl(t, 3);
    g_assert_cmpint(GX(env, 0x0f, 0x09), ==, EXCP_GP);
    g_assert_cmpint(GX(env, 0x0f, 0x08), ==, EXCP_GP);
    /* PAUSE at any CPL */
    g_assert_cmpint(GX(env, 0xf3, 0x90), ==, -1);
    tcpu_free(t);
}

/* ---- RDTSCP / RDPID ---- */

static void test_rdtscp_rdpid(void)
{
    TestCPU *t = setup();
    CPUX86State *env = t->env;
    env->tsc_aux = 0xfedcba9876543210ull;   /* only the low 32 bits count */
    env->regs[R_ECX] = ~0ull;
    g_assert_cmpint(GX(env, 0x0f, 0x01, 0xf9), ==, -1);          /* rdtscp */
    g_assert_cmphex(env->regs[R_ECX], ==, 0x76543210ull);
    env->regs[R_EAX] = ~0ull;
    g_assert_cmpint(GX(env, 0xf3, 0x0f, 0xc7, 0xf8), ==, -1);    /* rdpid rax */
    g_assert_cmphex(env->regs[R_EAX], ==, 0x76543210ull);
    to_cpl(t, 3);
    g_assert_cmpint(GX(env, 0xf3, 0x41, 0x0f, 0xc7, 0xf9), ==, -1); /* rdpid r9 */
    g_assert_cmphex(env->regs[R_R9], ==, 0x76543210ull);
    /* CR4.TSD: RDTSCP at CPL 3 is #GP(0); RDPID is not affected */
    env->cr[4] |= CR4_TSD;
    g_assert_cmpint(GX(env, 0x0f, 0x01, 0xf9), ==, EXCP_GP);
    g_assert_cmpint(GX(env, 0xf3, 0x0f, 0xc7, 0xf8), ==, -1);
    tcpu_free(t);
}

/* MASKMOVDQU whose selected bytes run from a writable page into a
 * read-only one: #PF (W = 1) on the first byte of the second page and
 * nothing stored (restartable; the host does the same: found by the soak,
 * seed 1796615258 sequence 1633743). */
static void test_maskmovdqu_restartable(void)
{
    TestCPU *t = setup();
    CPUX86State *env = t->env;
    uint64_t rdi = USER_PG + 0xff8;
    pw64(t, rdi, 0x1111111111111111ull);
    memset(env->x87.xmm[0], 0x80, 16);      /* mask: every byte */
    memset(env->x87.xmm[1], 0x5a, 16);      /* data */
    env->regs[R_EDI] = rdi;
    g_assert_cmpint(GX(env, 0x66, 0x0f, 0xf7, 0xc8), ==, EXCP_PF);
    g_assert_cmphex(env->cr[2], ==, RO_PG);
    g_assert_cmphex(env->error_code & (PF_ERR_W | PF_ERR_P), ==, PF_ERR_W | PF_ERR_P);
    g_assert_cmphex(pr64(t, rdi), ==, 0x1111111111111111ull);
    /* only the bytes below the page selected: stored */
    memset(env->x87.xmm[0], 0, 16);
    memset(env->x87.xmm[0], 0x80, 8);
    g_assert_cmpint(GX(env, 0x66, 0x0f, 0xf7, 0xc8), ==, -1);
    g_assert_cmphex(pr64(t, rdi), ==, 0x5a5a5a5a5a5a5a5aull);
    tcpu_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/system-ext/cr4-gating", test_cr4_gating);
    g_test_add_func("/system-ext/pcid/cr-rules", test_pcid_cr_rules);
    g_test_add_func("/system-ext/pcid/no-underflush", test_pcid_no_underflush);
    g_test_add_func("/system-ext/smep-smap-clac-stac", test_smep_smap);
    g_test_add_func("/system-ext/umip", test_umip);
    g_test_add_func("/system-ext/fsgsbase", test_fsgsbase);
    g_test_add_func("/system-ext/cache-ops-fences-hints", test_cache_ops);
    g_test_add_func("/system-ext/rdtscp-rdpid", test_rdtscp_rdpid);
    g_test_add_func("/system-ext/maskmovdqu-restartable", test_maskmovdqu_restartable);
    return g_test_run();
}

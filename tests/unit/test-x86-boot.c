/* Unit tests for hw/i386/x86_boot.c and e820.c: a synthetic bzImage
 * (relocatable at pref_address, non-relocatable at 1 MiB), the zero page
 * (setup header copy, loader fields, command line, initrd at the top,
 * e820), the 32-bit entry state applied to a CPU, multiboot ELF32 and
 * a.out-kludge kernels with modules, and every error path a bad file can
 * take.  When tests/linux/build-image.sh has run, the real Debian kernel
 * and initrd are loaded too. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/i386/e820.h"
#include "hw/i386/pc.h"
#include "hw/i386/x86_boot.h"
#include "target/i386/cpu.h"

static char *tmpdir;

static void put16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }
static void put64(uint8_t *p, uint64_t v) { put32(p, v); put32(p + 4, v >> 32); }
static uint16_t get16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

static Machine *new_machine(uint64_t ram)
{
    Machine *m = calloc(1, sizeof(*m));
    char *err = NULL;
    g_assert_true(pc_memory_init(m, ram, NULL, &err));
    return m;
}

static char *write_file(const char *name, const void *buf, size_t len)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    g_assert_true(g_file_set_contents(path, buf, len, NULL));
    return path;
}

static uint8_t *ram(Machine *m, uint64_t gpa)
{
    return m->ram + gpa;   /* below 4 GiB guest addresses = host offsets */
}

typedef struct BzOpts {
    uint16_t version;
    uint8_t setup_sects;
    bool relocatable;
    uint32_t init_size;
    uint32_t ksize;
    uint32_t syssize_extra;  /* claim more than the file has */
    uint32_t cmdline_size;
    uint32_t initrd_max;
} BzOpts;

static char *make_bzimage(const char *name, const BzOpts *o, size_t *total)
{
    unsigned sects = o->setup_sects ? o->setup_sects : 4;
    size_t setup = (sects + 1) * 512, len = setup + o->ksize;
    uint8_t *b = g_malloc0(len);
    b[0x1f1] = o->setup_sects;
    put32(b + 0x1f4, (o->ksize + o->syssize_extra) / 16);
    put16(b + 0x1fe, 0xaa55);
    b[0x200] = 0xeb;
    b[0x201] = 0x6a;                  /* header ends at 0x26c */
    memcpy(b + 0x202, "HdrS", 4);
    put16(b + 0x206, o->version);
    b[0x211] = 0x01;                  /* LOADED_HIGH */
    put32(b + 0x214, 0x100000);
    put32(b + 0x22c, o->initrd_max ? o->initrd_max : 0x7fffffff);
    put32(b + 0x230, 0x200000);
    b[0x234] = o->relocatable;
    put32(b + 0x238, o->cmdline_size ? o->cmdline_size : 2047);
    put64(b + 0x258, 0x1000000);
    put32(b + 0x260, o->init_size);
    for (size_t i = setup; i < len; i++) {
        b[i] = (uint8_t)(i * 13 + 5);
    }
    char *path = write_file(name, b, len);
    g_free(b);
    if (total) {
        *total = len;
    }
    return path;
}

static const BzOpts good = {
    .version = 0x20f, .setup_sects = 0, .relocatable = true,
    .init_size = 8 << 20, .ksize = 64 << 10,
};

static void test_linux_relocatable(void)
{
    Machine *m = new_machine(64 << 20);
    char *k = make_bzimage("bz1", &good, NULL);
    uint8_t initrd[10000];
    memset(initrd, 0x5a, sizeof(initrd));
    char *rd = write_file("initrd1", initrd, sizeof(initrd));
    X86BootInfo b;
    char *err = NULL;
    g_assert_true(x86_load_linux(m, k, rd, "console=ttyS0 quiet", &b, &err));
    g_assert_null(err);
    /* at pref_address, byte for byte (setup_sects 0 means 4) */
    g_assert_cmphex(b.kernel_addr, ==, 0x1000000);
    g_assert_cmphex(b.eip, ==, 0x1000000);
    g_assert_cmpint(b.kernel_size, ==, 64 << 10);
    g_assert_cmphex(*ram(m, 0x1000000), ==, (uint8_t)(5 * 512 * 13 + 5));
    g_assert_cmphex(*ram(m, 0x1000000 + 1000), ==, (uint8_t)((5 * 512 + 1000) * 13 + 5));
    g_assert_cmphex(b.kernel_end, ==, 0x1000000 + (8 << 20));
    /* zero page */
    const uint8_t *zp = ram(m, X86_BOOT_ZERO_PAGE_ADDR);
    g_assert_cmphex(get32(zp + 0x202), ==, 0x53726448);
    g_assert_cmphex(get16(zp + 0x206), ==, 0x20f);
    g_assert_cmphex(zp[0x210], ==, 0xff);
    g_assert_cmphex(get32(zp + 0x214), ==, 0x1000000);
    g_assert_cmphex(get32(zp + 0x228), ==, X86_BOOT_CMDLINE_ADDR);
    g_assert_cmpstr((const char *)ram(m, X86_BOOT_CMDLINE_ADDR), ==, "console=ttyS0 quiet");
    g_assert_cmphex(get16(zp + 0x1fe), ==, 0xaa55);
    g_assert_cmphex(zp[0x0f], ==, 0);              /* orig_video_isVGA */
    g_assert_cmphex(zp[0x1ef], ==, 0);             /* sentinel */
    /* initrd at the top of RAM, page aligned */
    uint32_t ri = get32(zp + 0x218);
    g_assert_cmphex(ri, ==, ((64u << 20) - 10000) & ~0xfffu);
    g_assert_cmpuint(get32(zp + 0x21c), ==, 10000);
    g_assert_cmphex(b.initrd_addr, ==, ri);
    g_assert_cmphex(*ram(m, ri), ==, 0x5a);
    g_assert_cmphex(*ram(m, ri + 9999), ==, 0x5a);
    /* e820 */
    g_assert_cmpuint(zp[0x1e8], ==, 5);
    const uint8_t *e = zp + 0x2d0;
    g_assert_cmphex(get64(e), ==, 0);
    g_assert_cmphex(get64(e + 8), ==, 0x9fc00);
    g_assert_cmpuint(get32(e + 16), ==, E820_RAM);
    g_assert_cmphex(get64(e + 20 * 2), ==, 0xe0000);
    g_assert_cmpuint(get32(e + 20 * 2 + 16), ==, E820_RESERVED);
    g_assert_cmphex(get64(e + 20 * 3), ==, 0x100000);
    g_assert_cmphex(get64(e + 20 * 3 + 8), ==, (64 << 20) - 0x100000);
    g_assert_cmphex(get64(e + 20 * 4), ==, 0xfffc0000);
    g_assert_cmpuint(get32(zp + 0x1e0), ==, (64 << 10) - 1024);  /* alt_mem_k */
    /* RSDP hint */
    x86_boot_set_acpi_rsdp(m, &b, 0xf0000);
    g_assert_cmphex(get64(zp + 0x70), ==, 0xf0000);
    /* GDT in RAM */
    g_assert_cmphex(get64(ram(m, X86_BOOT_GDT_ADDR + 0x10)), ==, 0x00cf9b000000ffffull);
    g_assert_cmphex(get64(ram(m, X86_BOOT_GDT_ADDR + 0x18)), ==, 0x00cf93000000ffffull);

    /* the entry state on a CPU */
    X86CPU *cpu = calloc(1, sizeof(*cpu));
    cpu_x86_init(cpu, m, 0);
    cpu_x86_reset(cpu);
    x86_boot_apply(cpu, &b);
    CPUX86State *env = &cpu->env;
    g_assert_cmphex(env->rip, ==, 0x1000000);
    g_assert_cmphex(env->regs[R_ESI], ==, X86_BOOT_ZERO_PAGE_ADDR);
    g_assert_cmphex(env->regs[R_EBX] | env->regs[R_EBP] | env->regs[R_EDI], ==, 0);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x10);
    g_assert_cmphex(env->segs[R_DS].selector, ==, 0x18);
    g_assert_cmphex(env->segs[R_SS].selector, ==, 0x18);
    g_assert_cmphex(env->segs[R_ES].limit, ==, 0xffffffff);
    g_assert_true(env->cr[0] & CR0_PE);
    g_assert_false(env->cr[0] & CR0_PG);
    g_assert_false(cpu_get_eflags(env) & IF_MASK);
    g_assert_cmpint(env->code_bits, ==, 32);
    g_assert_cmpint(env->stack_bits, ==, 32);
    g_assert_cmpint(env->cpl, ==, 0);
    g_assert_cmphex(env->gdt.base, ==, X86_BOOT_GDT_ADDR);
    g_assert_cmphex(env->gdt.limit, ==, 31);
    free(cpu);
    pc_machine_free(m);
    g_free(k);
    g_free(rd);
}

static void test_linux_fixed_address(void)
{
    Machine *m = new_machine(32 << 20);
    BzOpts o = good;
    o.relocatable = false;
    o.init_size = 4 << 20;
    o.setup_sects = 7;
    char *k = make_bzimage("bz2", &o, NULL);
    X86BootInfo b;
    char *err = NULL;
    g_assert_true(x86_load_linux(m, k, NULL, NULL, &b, &err));
    g_assert_cmphex(b.kernel_addr, ==, 0x100000);
    g_assert_cmphex(*ram(m, 0x100000), ==, (uint8_t)(8 * 512 * 13 + 5));
    /* decompressed at pref_address (16 MiB) */
    g_assert_cmphex(b.kernel_end, ==, 0x1000000 + (4 << 20));
    g_assert_cmphex(get32(ram(m, X86_BOOT_ZERO_PAGE_ADDR + 0x218)), ==, 0);
    g_assert_cmpstr((const char *)ram(m, X86_BOOT_CMDLINE_ADDR), ==, "");
    /* protocol 2.09 has no pref_address/init_size: 1 MiB */
    o.relocatable = true;
    o.version = 0x209;
    g_free(k);
    k = make_bzimage("bz3", &o, NULL);
    Machine *m2 = new_machine(40 << 20);
    g_assert_true(x86_load_linux(m2, k, NULL, NULL, &b, &err));
    g_assert_cmphex(b.kernel_addr, ==, 0x100000);
    pc_machine_free(m2);
    pc_machine_free(m);
    g_free(k);
}

static void expect_linux_error(Machine *m, const char *k, const char *rd, const char *cl,
                               const char *needle)
{
    X86BootInfo b;
    char *err = NULL;
    g_assert_false(x86_load_linux(m, k, rd, cl, &b, &err));
    g_assert_nonnull(err);
    if (!strstr(err, needle)) {
        g_error("error '%s' does not contain '%s'", err, needle);
    }
    free(err);
}

static void test_linux_errors(void)
{
    Machine *m = new_machine(32 << 20);
    char *missing = g_build_filename(tmpdir, "no-such-kernel", NULL);
    expect_linux_error(m, missing, NULL, NULL, "No such file");
    uint8_t small[300] = { 0 };
    char *f = write_file("tiny", small, sizeof(small));
    expect_linux_error(m, f, NULL, NULL, "too short");
    g_free(f);
    uint8_t nomagic[4096] = { 0 };
    f = write_file("nomagic", nomagic, sizeof(nomagic));
    expect_linux_error(m, f, NULL, NULL, "HdrS");
    g_free(f);

    BzOpts o = good;
    o.version = 0x205;
    f = make_bzimage("old", &o, NULL);
    expect_linux_error(m, f, NULL, NULL, "2.05 is too old");
    g_free(f);

    o = good;
    o.syssize_extra = 4096;
    f = make_bzimage("trunc", &o, NULL);
    expect_linux_error(m, f, NULL, NULL, "truncated");
    g_free(f);

    /* setup_sects larger than the file */
    o = good;
    o.setup_sects = 200;
    o.ksize = 0;
    f = make_bzimage("setup", &o, NULL);
    expect_linux_error(m, f, NULL, NULL, "truncated");
    g_free(f);

    /* init_size beyond RAM */
    o = good;
    o.init_size = 64 << 20;
    f = make_bzimage("big", &o, NULL);
    expect_linux_error(m, f, NULL, NULL, "needs 80 MiB");
    g_free(f);

    /* command line longer than cmdline_size */
    o = good;
    o.cmdline_size = 10;
    f = make_bzimage("cl", &o, NULL);
    expect_linux_error(m, f, NULL, "0123456789A", "at most 10");
    X86BootInfo b;
    char *err = NULL;
    g_assert_true(x86_load_linux(m, f, NULL, "0123456789", &b, &err));
    g_free(f);

    /* initrd that does not fit above the kernel's decompression area */
    o = good;
    o.init_size = 0x100000;
    f = make_bzimage("k", &o, NULL);
    size_t big = 16 << 20;
    uint8_t *rdbuf = g_malloc0(big);
    char *rd = write_file("bigrd", rdbuf, big);
    expect_linux_error(m, f, rd, NULL, "too large");
    /* initrd_addr_max low: same */
    g_free(f);
    o.initrd_max = 0x1100000;
    f = make_bzimage("k2", &o, NULL);
    expect_linux_error(m, f, rd, NULL, "too large");
    char *rdmissing = g_build_filename(tmpdir, "no-initrd", NULL);
    expect_linux_error(m, f, rdmissing, NULL, "initrd");
    g_free(rdmissing);
    g_free(rd);
    g_free(rdbuf);
    /* an initrd larger than all of RAM */
    size_t huge = 40 << 20;
    rdbuf = g_malloc0(huge);
    rd = write_file("hugerd", rdbuf, huge);
    expect_linux_error(m, f, rd, NULL, "larger than the guest RAM");
    g_unlink(rd);
    g_free(rd);
    g_free(rdbuf);
    g_free(f);
    g_free(missing);
    pc_machine_free(m);
}

/* ---- multiboot ---- */

#define MB_LOAD 0x100000u

static void mb_header(uint8_t *h, uint32_t flags)
{
    put32(h, 0x1badb002);
    put32(h + 4, flags);
    put32(h + 8, (uint32_t)-(0x1badb002u + flags));
}

/* ELF32 with one PT_LOAD of 4 KiB at vaddr 0xc0100000 / paddr MB_LOAD,
 * memsz 8 KiB (bss), entry at vaddr + 0x40. */
static char *make_mb_elf(const char *name, uint32_t paddr, uint8_t cls)
{
    size_t len = 0x1000 + 0x1000;
    uint8_t *b = g_malloc0(len);
    memcpy(b, "\x7f" "ELF", 4);
    b[4] = cls;
    b[5] = 1;
    b[6] = 1;
    put16(b + 16, 2);
    put16(b + 18, 3);
    put32(b + 24, 0xc0100040);
    put32(b + 28, 52);
    put16(b + 42, 32);
    put16(b + 44, 1);
    uint8_t *ph = b + 52;
    put32(ph, 1);
    put32(ph + 4, 0x1000);
    put32(ph + 8, 0xc0100000);
    put32(ph + 12, paddr);
    put32(ph + 16, 0x1000);
    put32(ph + 20, 0x2000);
    mb_header(b + 0x1000, 0x3);
    for (int i = 12; i < 0x1000; i++) {
        b[0x1000 + i] = 0xcc;
    }
    char *p = write_file(name, b, len);
    g_free(b);
    return p;
}

static void test_multiboot_elf(void)
{
    Machine *m = new_machine(64 << 20);
    char *k = make_mb_elf("mb.elf", MB_LOAD, 1);
    uint8_t mod1[5000], mod2[10];
    memset(mod1, 0x11, sizeof(mod1));
    memset(mod2, 0x22, sizeof(mod2));
    char *p1 = write_file("mod1", mod1, sizeof(mod1));
    char *p2 = write_file("mod2", mod2, sizeof(mod2));
    char *mods = g_strdup_printf("%s arg=1,,2,%s", p1, p2);
    memset(ram(m, MB_LOAD + 0x1000), 0xee, 0x1000);   /* bss must be zeroed */
    X86BootInfo b;
    char *err = NULL;
    if (!x86_load_kernel(m, k, mods, "root=x", &b, &err)) {
        g_error("%s", err);
    }
    g_assert_true(b.multiboot);
    g_assert_cmphex(b.eip, ==, MB_LOAD + 0x40);
    g_assert_cmphex(b.regs[R_EAX], ==, 0x2badb002);
    g_assert_cmphex(b.regs[R_EBX], ==, X86_BOOT_MBI_ADDR);
    g_assert_cmphex(get32(ram(m, MB_LOAD)), ==, 0x1badb002);
    g_assert_cmphex(*ram(m, MB_LOAD + 0x1000), ==, 0);
    g_assert_cmphex(*ram(m, MB_LOAD + 0x1fff), ==, 0);
    const uint8_t *mbi = ram(m, X86_BOOT_MBI_ADDR);
    uint32_t flags = get32(mbi);
    g_assert_cmphex(flags & 0x24f, ==, 0x24d);   /* mem, cmdline, mods, mmap, name */
    g_assert_cmpuint(get32(mbi + 4), ==, 639);
    g_assert_cmpuint(get32(mbi + 8), ==, (64 << 10) - 1024);
    char *want = g_strdup_printf("%s root=x", k);
    g_assert_cmpstr((const char *)ram(m, get32(mbi + 16)), ==, want);
    g_free(want);
    g_assert_cmpuint(get32(mbi + 20), ==, 2);
    const uint8_t *md = ram(m, get32(mbi + 24));
    uint32_t s1 = get32(md), e1 = get32(md + 4);
    g_assert_cmphex(s1, ==, MB_LOAD + 0x2000);    /* page aligned after the bss */
    g_assert_cmpuint(e1 - s1, ==, 5000);
    g_assert_cmphex(*ram(m, s1), ==, 0x11);
    want = g_strdup_printf("%s arg=1,2", p1);
    g_assert_cmpstr((const char *)ram(m, get32(md + 8)), ==, want);
    g_free(want);
    g_assert_cmphex(get32(md + 16), ==, (s1 + 5000 + 0xfff) & ~0xfffu);
    g_assert_cmpuint(get32(md + 20) - get32(md + 16), ==, 10);
    g_assert_cmpstr((const char *)ram(m, get32(md + 24)), ==, p2);
    /* mmap: 20-byte entries preceded by their size */
    uint32_t ml = get32(mbi + 44);
    const uint8_t *mm = ram(m, get32(mbi + 48));
    g_assert_cmpuint(ml, ==, 5 * 24);
    g_assert_cmpuint(get32(mm), ==, 20);
    g_assert_cmphex(get64(mm + 4 + 24 * 3), ==, 0x100000);
    g_assert_cmpuint(get32(mm + 20 + 24 * 3), ==, 1);
    g_assert_cmpstr((const char *)ram(m, get32(mbi + 64)), ==, "emu86");
    g_free(mods);
    g_free(p1);
    g_free(p2);
    g_free(k);
    pc_machine_free(m);
}

static void test_multiboot_aout(void)
{
    Machine *m = new_machine(16 << 20);
    uint8_t b[0x3000] = { 0 };
    /* header at file offset 0x100; image loaded at 0x200000 */
    mb_header(b + 0x100, 0x10002);
    put32(b + 0x10c, 0x200100);        /* header_addr */
    put32(b + 0x110, 0x200000);        /* load_addr */
    put32(b + 0x114, 0x202000);        /* load_end_addr */
    put32(b + 0x118, 0x204000);        /* bss_end_addr */
    put32(b + 0x11c, 0x200200);        /* entry */
    b[0x1fff] = 0x77;
    b[0x2000] = 0x99;                  /* beyond load_end: not loaded */
    char *k = write_file("aout", b, sizeof(b));
    memset(ram(m, 0x202000), 0xee, 0x2000);
    X86BootInfo bi;
    char *err = NULL;
    if (!x86_load_multiboot(m, k, NULL, NULL, &bi, &err)) {
        g_error("%s", err);
    }
    g_assert_cmphex(bi.eip, ==, 0x200200);
    g_assert_cmphex(*ram(m, 0x201fff), ==, 0x77);
    g_assert_cmphex(*ram(m, 0x202000), ==, 0);
    g_assert_cmphex(*ram(m, 0x203fff), ==, 0);
    g_assert_cmphex(bi.kernel_end, ==, 0x204000);
    g_assert_cmphex(get32(ram(m, X86_BOOT_MBI_ADDR)) & 8, ==, 0);  /* no modules */

    /* hostile address fields */
    put32(b + 0x110, 0x100000);        /* header lies before the file start */
    g_free(k);
    k = write_file("aout-bad", b, sizeof(b));
    g_assert_false(x86_load_multiboot(m, k, NULL, NULL, &bi, &err));
    g_assert_nonnull(strstr(err, "load_addr"));
    free(err);
    put32(b + 0x110, 0x200000);
    put32(b + 0x114, 0x20f000);        /* load_end beyond the file */
    g_free(k);
    k = write_file("aout-bad2", b, sizeof(b));
    g_assert_false(x86_load_multiboot(m, k, NULL, NULL, &bi, &err));
    g_assert_nonnull(strstr(err, "outside the file"));
    free(err);
    put32(b + 0x114, 0x202000);
    put32(b + 0x118, 0xfff00000);      /* bss beyond RAM */
    g_free(k);
    k = write_file("aout-bad3", b, sizeof(b));
    g_assert_false(x86_load_multiboot(m, k, NULL, NULL, &bi, &err));
    g_assert_nonnull(strstr(err, "does not fit"));
    free(err);
    g_free(k);
    pc_machine_free(m);
}

static void test_multiboot_low_kernel(void)
{
    /* a kernel below 1 MiB: its module goes to 1 MiB, not into the VGA hole */
    Machine *m = new_machine(16 << 20);
    char *k = make_mb_elf("lowk", 0x40000, 1);
    uint8_t mod[100];
    memset(mod, 0x33, sizeof(mod));
    char *mp = write_file("lowmod", mod, sizeof(mod));
    X86BootInfo b;
    char *err = NULL;
    if (!x86_load_multiboot(m, k, mp, NULL, &b, &err)) {
        g_error("%s", err);
    }
    g_assert_cmphex(b.kernel_addr, ==, 0x40000);
    const uint8_t *md = ram(m, get32(ram(m, X86_BOOT_MBI_ADDR + 24)));
    g_assert_cmphex(get32(md), ==, 0x100000);
    g_assert_cmphex(*ram(m, 0x100000), ==, 0x33);
    g_free(mp);
    g_free(k);
    pc_machine_free(m);
}

/* A kernel on top of the default info area (kvm-unit-tests' realmode test
 * links at 0x8000): the GDT, MBI and command line follow the kernel. */
static void test_multiboot_info_after_kernel(void)
{
    Machine *m = new_machine(16 << 20);
    char *k = make_mb_elf("at8000", 0x8000, 1);
    X86BootInfo b;
    char *err = NULL;
    if (!x86_load_multiboot(m, k, NULL, "x=1", &b, &err)) {
        g_error("%s", err);
    }
    const uint64_t area = 0xa000;               /* 0x8000 + 0x2000 (bss) */
    g_assert_cmphex(b.gdt_base, ==, area);
    g_assert_cmphex(b.regs[R_EBX], ==, area + (X86_BOOT_MBI_ADDR - X86_BOOT_GDT_ADDR));
    g_assert_cmphex(get32(ram(m, 0x8000)), ==, 0x1badb002);   /* kernel intact */
    const uint8_t *mbi = ram(m, b.regs[R_EBX]);
    g_assert_cmphex(get32(mbi) & 0x245, ==, 0x245);            /* mem, cmdline, mmap, name */
    uint32_t cl = get32(mbi + 16);
    g_assert_cmphex(cl, >=, area);
    char *want = g_strdup_printf("%s x=1", k);
    g_assert_cmpstr((const char *)ram(m, cl), ==, want);
    g_free(want);
    g_assert_cmphex(get64(ram(m, area + 0x10)), ==, 0x00cf9b000000ffffull); /* code */
    g_free(k);
    pc_machine_free(m);
}

static void expect_mb_error(Machine *m, const char *k, const char *mods, const char *needle)
{
    X86BootInfo b;
    char *err = NULL;
    g_assert_false(x86_load_kernel(m, k, mods, NULL, &b, &err));
    g_assert_nonnull(err);
    if (!strstr(err, needle)) {
        g_error("error '%s' does not contain '%s'", err, needle);
    }
    free(err);
}

static void test_multiboot_errors(void)
{
    Machine *m = new_machine(16 << 20);
    uint8_t b[0x2000] = { 0 };
    char *k = write_file("nohdr", b, sizeof(b));
    expect_mb_error(m, k, NULL, "no multiboot header");
    g_free(k);
    mb_header(b + 0x40, 0);
    b[0x48] ^= 1;                      /* bad checksum */
    k = write_file("badsum", b, sizeof(b));
    expect_mb_error(m, k, NULL, "no multiboot header");
    g_free(k);
    mb_header(b + 0x40, 0x8);          /* required bit 3: unknown */
    k = write_file("flags", b, sizeof(b));
    expect_mb_error(m, k, NULL, "requires features 0x8");
    g_free(k);
    mb_header(b + 0x40, 0);            /* ELF path, not an ELF */
    k = write_file("notelf", b, sizeof(b));
    expect_mb_error(m, k, NULL, "ELF32");
    g_free(k);
    k = make_mb_elf("elf64", MB_LOAD, 2);
    expect_mb_error(m, k, NULL, "64-bit");
    g_free(k);
    k = make_mb_elf("ivtelf", 0x100, 1);
    expect_mb_error(m, k, NULL, "interrupt table");
    g_free(k);
    k = make_mb_elf("highelf", 0x2000000, 1);
    expect_mb_error(m, k, NULL, "beyond the guest RAM");
    g_free(k);
    /* program headers pointing outside the file */
    k = make_mb_elf("phdr", MB_LOAD, 1);
    gchar *buf;
    gsize len;
    g_assert_true(g_file_get_contents(k, &buf, &len, NULL));
    put32((uint8_t *)buf + 52 + 4, 0x1800);   /* p_offset + filesz > file */
    g_free(k);
    k = write_file("phdr", buf, len);
    expect_mb_error(m, k, NULL, "outside the file");
    put32((uint8_t *)buf + 52 + 4, 0x1000);
    put16((uint8_t *)buf + 44, 1000);         /* phnum past the end */
    g_free(k);
    k = write_file("phnum", buf, len);
    expect_mb_error(m, k, NULL, "program headers");
    g_free(k);
    g_free(buf);
    /* a module that is missing or too big */
    k = make_mb_elf("mbok", MB_LOAD, 1);
    char *missing = g_build_filename(tmpdir, "nomod", NULL);
    expect_mb_error(m, k, missing, "module");
    size_t big = 15 << 20;
    uint8_t *mb = g_malloc0(big);
    char *mp = write_file("bigmod", mb, big);
    expect_mb_error(m, k, mp, "does not fit");
    g_unlink(mp);
    g_free(mp);
    g_free(mb);
    g_free(missing);
    g_free(k);
    char *nofile = g_build_filename(tmpdir, "nokernel", NULL);
    expect_mb_error(m, nofile, NULL, "No such file");
    g_free(nofile);
    pc_machine_free(m);
}

static void test_e820_large(void)
{
    /* 5 GiB: 3 GiB below 4 GiB, 2 GiB above */
    Machine m = { .below_4g = 3ull << 30, .above_4g = 2ull << 30 };
    E820Entry e[E820_MAX_ENTRIES];
    int n = e820_build(&m, e, E820_MAX_ENTRIES);
    g_assert_cmpint(n, ==, 6);
    g_assert_cmphex(e[3].addr + e[3].size, ==, 3ull << 30);
    g_assert_cmphex(e[5].addr, ==, 1ull << 32);
    g_assert_cmphex(e[5].size, ==, 2ull << 30);
    for (int i = 1; i < n; i++) {
        g_assert_cmphex(e[i].addr, >=, e[i - 1].addr + e[i - 1].size);
    }
    /* truncated output never overflows */
    g_assert_cmpint(e820_build(&m, e, 2), ==, 2);
}

/* Hostile images: random corruption of the header fields of a valid
 * bzImage and multiboot kernel must give an error or a load inside RAM,
 * never a crash or an out-of-range access (run under ASan by check-asan). */
static void test_fuzz_headers(void)
{
    Machine *m = new_machine(24 << 20);
    GRand *rnd = g_rand_new_with_seed(0x8086);
    size_t bzlen = 0;
    char *bz = make_bzimage("fuzz-base", &good, &bzlen);
    gchar *base;
    gsize len;
    g_assert_true(g_file_get_contents(bz, &base, &len, NULL));
    char *mb = make_mb_elf("fuzz-mb", MB_LOAD, 1);
    gchar *mbase;
    gsize mlen;
    g_assert_true(g_file_get_contents(mb, &mbase, &mlen, NULL));
    uint8_t rd[3000];
    memset(rd, 1, sizeof(rd));
    char *rdp = write_file("fuzz-rd", rd, sizeof(rd));
    int loaded = 0;
    for (int iter = 0; iter < 400; iter++) {
        bool multiboot = iter & 1;
        gsize n = multiboot ? mlen : len;
        uint8_t *img = g_memdup2(multiboot ? mbase : base, n);
        /* corrupt a few bytes where the headers live */
        int flips = 1 + g_rand_int_range(rnd, 0, 8);
        for (int i = 0; i < flips; i++) {
            gsize at;
            if (multiboot) {
                at = g_rand_boolean(rnd) ? (gsize)g_rand_int_range(rnd, 0, 96)
                                         : 0x1000 + (gsize)g_rand_int_range(rnd, 0, 48);
            } else {
                at = 0x1f0 + (gsize)g_rand_int_range(rnd, 0, 0x80);
            }
            img[at] = (uint8_t)g_rand_int(rnd);
        }
        /* sometimes cut the file short */
        if (g_rand_int_range(rnd, 0, 4) == 0) {
            n = (gsize)g_rand_int_range(rnd, 0, (gint32)n);
        }
        char *k = write_file("fuzz-k", img, n);
        X86BootInfo b;
        char *err = NULL;
        bool ok = x86_load_kernel(m, k, multiboot ? NULL : rdp, "x", &b, &err);
        if (ok) {
            loaded++;
            g_assert_null(err);
            g_assert_cmphex(b.kernel_addr + b.kernel_size, <=, m->below_4g);
        } else {
            g_assert_nonnull(err);
            g_assert_cmpuint(strlen(err), >, 10);
            free(err);
        }
        g_free(k);
        g_free(img);
    }
    g_assert_cmpint(loaded, >, 0);
    g_free(rdp);
    g_free(mbase);
    g_free(mb);
    g_free(base);
    g_free(bz);
    g_rand_free(rnd);
    pc_machine_free(m);
}

static void test_debian_kernel(void)
{
    const char *cache = g_getenv("EMU86_IMAGE_CACHE");
    char *dir = cache ? g_strdup(cache) : g_strdup("build/linux-cache");
    char *k = g_build_filename(dir, "vmlinuz", NULL);
    char *rd = g_build_filename(dir, "initrd.gz", NULL);
    if (!g_file_test(k, G_FILE_TEST_EXISTS) || !g_file_test(rd, G_FILE_TEST_EXISTS)) {
        g_test_skip("no Debian kernel (run tests/linux/build-image.sh)");
    } else {
        Machine *m = new_machine(512 << 20);
        X86BootInfo b;
        char *err = NULL;
        if (!x86_load_kernel(m, k, rd, "console=ttyS0", &b, &err)) {
            g_error("%s", err);
        }
        g_assert_false(b.multiboot);
        g_assert_cmphex(b.protocol, >=, 0x20f);
        g_assert_cmphex(b.kernel_addr, ==, 0x1000000);
        g_assert_cmphex(b.initrd_addr + b.initrd_size, <=, 512 << 20);
        g_assert_cmphex(b.initrd_addr, >=, b.kernel_end);
        pc_machine_free(m);
    }
    g_free(k);
    g_free(rd);
    g_free(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("emu86-boot-XXXXXX", NULL);
    g_test_add_func("/x86-boot/linux-relocatable", test_linux_relocatable);
    g_test_add_func("/x86-boot/linux-fixed-address", test_linux_fixed_address);
    g_test_add_func("/x86-boot/linux-errors", test_linux_errors);
    g_test_add_func("/x86-boot/multiboot-elf", test_multiboot_elf);
    g_test_add_func("/x86-boot/multiboot-aout", test_multiboot_aout);
    g_test_add_func("/x86-boot/multiboot-low-kernel", test_multiboot_low_kernel);
    g_test_add_func("/x86-boot/multiboot-info-after-kernel", test_multiboot_info_after_kernel);
    g_test_add_func("/x86-boot/multiboot-errors", test_multiboot_errors);
    g_test_add_func("/x86-boot/e820-large", test_e820_large);
    g_test_add_func("/x86-boot/fuzz-headers", test_fuzz_headers);
    g_test_add_func("/x86-boot/debian-kernel", test_debian_kernel);
    int r = g_test_run();
    /* best effort: remove the scratch files */
    GDir *d = g_dir_open(tmpdir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        char *p = g_build_filename(tmpdir, name, NULL);
        g_unlink(p);
        g_free(p);
    }
    if (d) {
        g_dir_close(d);
    }
    g_rmdir(tmpdir);
    g_free(tmpdir);
    return r;
}

/* Unit tests for hw/i386/pc.c: the guest RAM slot layout (64M, 3.5G, 5G),
 * where the firmware is mapped for 64 KiB and 256 KiB images, and rejection
 * of firmware files of a bad size or that cannot be read.  Also the machine
 * run state (hw/core/machine.c) driven through the vCPU threads of
 * system/cpus.c by a scripted fake accelerator: halt/wake without
 * spinning, the reset rendezvous, first-shutdown-wins. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "accel/accel.h"
#include "hw/i386/pc.h"
#include "system/options.h"
#include "system/cpus.h"
#include "system/sysemu.h"
#include "target/i386/cpu.h"

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


/* ---- the whole machine from a command line (real device models) ---- */

/* Machines built here stay allocated (devices have no destroy hook):
 * keep them reachable for the leak checker. */
static Machine *kept_machines[4];
static int nr_kept;

static Machine *build(char **err, const char *first, ...)
{
    const char *argv[32] = { "emu86" };
    int argc = 1;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a; a = va_arg(ap, const char *)) {
        argv[argc++] = a;
    }
    va_end(ap);
    Options o;
    g_assert_true(options_parse(&o, argc, (char **)argv, err));
    Machine *m = pc_machine_create(&o, err);
    options_free(&o);
    if (m && nr_kept < 4) {
        kept_machines[nr_kept++] = m;
    }
    return m;
}

static bool has_device(Machine *m, const char *name)
{
    for (int i = 0; i < m->nr_devices; i++) {
        if (!strcmp(m->devices[i].info->name, name)) {
            return true;
        }
    }
    return false;
}

static void test_machine_create(void)
{
    char *fw = make_file("fw.bin", 64 << 10, 5);
    char *out = g_build_filename(tmpdir, "com3.txt", NULL);
    char *com3 = g_strdup_printf("file:%s", out);
    char *err = NULL;
    Machine *m = build(&err, "-m", "16M", "-smp", "2", "-bios", fw,
                       "-serial", "null", "-serial", "none", "-serial", com3,
                       "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", NULL);
    if (!m) {
        g_error("%s", err);
    }
    g_assert_cmpint(m->nr_cpus, ==, 2);
    g_assert_nonnull(m->cpus[0]);
    g_assert_nonnull(m->cpus[1]);
    g_assert_cmpint(m->cpus[1]->index, ==, 1);
    g_assert_true(m->cpus[1]->machine == m);
    g_assert_cmpuint(m->ram_size, ==, 16 << 20);
    for (const char *const *n = (const char *const[]){ "i8259", "i8254", "mc146818rtc",
                                                       "ioport80", "isa-serial",
                                                       "isa-debug-exit", NULL };
         *n; n++) {
        if (!has_device(m, *n)) {
            g_error("device %s not created", *n);
        }
    }
    g_assert_nonnull(m->intc);
    /* COM1 and COM3, no COM2 (-serial none) */
    g_assert_nonnull(m->serial_chr[0]);
    g_assert_null(m->serial_chr[1]);
    g_assert_nonnull(m->serial_chr[2]);
    g_assert_nonnull(as_find(&m->io, 0x3f8));
    g_assert_null(as_find(&m->io, 0x2f8));
    g_assert_nonnull(as_find(&m->io, 0x3e8));
    g_assert_null(as_find(&m->io, 0x2e8));
    g_assert_nonnull(as_find(&m->io, 0xf4));
    g_assert_nonnull(as_find(&m->io, 0x20));   /* PIC */
    g_assert_nonnull(as_find(&m->io, 0x40));   /* PIT */
    g_assert_nonnull(as_find(&m->io, 0x70));   /* RTC */
    /* the firmware's reset vector is readable */
    uint8_t b;
    phys_read(&m->mem, 0xfffffff0ULL, &b, 1);
    g_assert_cmpint(b, ==, (uint8_t)((0xfff0 * 7 + 5 + (0xfff0 >> 12)) & 0xff));
    g_unlink(out);
    g_unlink(fw);
    g_free(com3);
    g_free(out);
    g_free(fw);
}

static void test_machine_create_errors(void)
{
    char *fw = make_file("fw2.bin", 64 << 10, 5);
    char *err = NULL;
    g_assert_null(build(&err, "-bios", fw, "-serial", "none",
                        "-device", "isa-debug-exit,bogus=1", NULL));
    g_assert_nonnull(strstr(err, "bogus"));
    g_assert_true(g_str_has_prefix(err, "-device isa-debug-exit,bogus=1: "));
    g_free(err);
    err = NULL;
    g_assert_null(build(&err, "-bios", fw, "-serial", "none",
                        "-device", "no-such-device", NULL));
    g_assert_nonnull(strstr(err, "no-such-device"));
    g_free(err);
    err = NULL;
    g_assert_null(build(&err, "-bios", fw, "-serial", "file:/nonexistent/dir/x", NULL));
    g_assert_true(g_str_has_prefix(err, "-serial file:/nonexistent/dir/x: "));
    g_free(err);
    g_unlink(fw);
    g_free(fw);
}

/* ---- run state with a fake accelerator ---- */

static int fake_runs[MAX_CPUS];
static int fake_puts[MAX_CPUS];
static int fake_delivered;
static int fake_dev_resets;
static int fake_mode;   /* which script vcpu_run follows */

static bool fake_available(char *why, size_t len) { return true; }
static int fake_vcpu_init(X86CPU *cpu, char *err, size_t len) { return 0; }
static void fake_kick(X86CPU *cpu) { }
static void fake_put_state(X86CPU *cpu) { __atomic_fetch_add(&fake_puts[cpu->index], 1, __ATOMIC_SEQ_CST); }

static VcpuExit fake_vcpu_run(X86CPU *cpu)
{
    Machine *m = cpu->machine;
    int n = __atomic_add_fetch(&fake_runs[cpu->index], 1, __ATOMIC_SEQ_CST);
    int req = __atomic_load_n(&cpu->interrupt_request, __ATOMIC_SEQ_CST);
    if (req & CPU_INTERRUPT_EXIT) {
        return VCPU_EXIT_REQUEST;
    }
    if (fake_mode == 0) {
        /* halts until INTR, then "delivers" and powers off */
        if (req & CPU_INTERRUPT_HARD) {
            fake_delivered++;
            machine_request_shutdown(m, 42);
            machine_request_shutdown(m, 3);   /* later requests do not win */
            return VCPU_EXIT_REQUEST;
        }
        return VCPU_EXIT_HALT;
    }
    /* mode 1: the BSP asks for a reset on its first run and powers off
     * after it; the APs just halt */
    if (cpu->index == 0) {
        if (n == 1) {
            machine_request_reset(m, "test");
            return VCPU_EXIT_REQUEST;
        }
        /* power off once every CPU has been reset (the APs reset
         * themselves in their own threads, just after the BSP) */
        bool all = true;
        for (int i = 0; i < m->nr_cpus; i++) {
            all &= __atomic_load_n(&fake_puts[i], __ATOMIC_SEQ_CST) > 0;
        }
        if (all) {
            machine_request_shutdown(m, 7);
        }
        return VCPU_EXIT_REQUEST;
    }
    return VCPU_EXIT_HALT;
}

static const AccelOps fake_accel = {
    .name = "fake",
    .available = fake_available,
    .vcpu_init = fake_vcpu_init,
    .vcpu_run = fake_vcpu_run,
    .kick = fake_kick,
    .put_state = fake_put_state,
};

static void fake_dev_reset(void *state) { fake_dev_resets++; }
static const DeviceInfo fake_dev = { .name = "fake-dev", .reset = fake_dev_reset };

static Machine *fake_machine(int ncpus)
{
    Machine *m = calloc(1, sizeof(*m));
    for (int i = 0; i < ncpus; i++) {
        m->cpus[i] = calloc(1, sizeof(X86CPU));
        m->cpus[i]->index = i;
        m->cpus[i]->machine = m;
        m->cpus[i]->env.cpu = m->cpus[i];
    }
    m->nr_cpus = ncpus;
    m->devices[0].info = &fake_dev;
    m->nr_devices = 1;
    memset(fake_runs, 0, sizeof(fake_runs));
    memset(fake_puts, 0, sizeof(fake_puts));
    fake_delivered = fake_dev_resets = 0;
    current_accel = &fake_accel;
    return m;
}

static void fake_machine_free(Machine *m)
{
    for (int i = 0; i < m->nr_cpus; i++) {
        free(m->cpus[i]);
    }
    free(m);
}

static void test_halt_wake(void)
{
    Machine *m = fake_machine(1);
    char *err = NULL;
    fake_mode = 0;
    g_assert_true(cpus_start(m, &err));
    g_usleep(100 * 1000);
    /* halted: it ran once (maybe twice), it does not spin */
    int runs = __atomic_load_n(&fake_runs[0], __ATOMIC_SEQ_CST);
    g_assert_cmpint(runs, >=, 1);
    g_assert_cmpint(runs, <=, 2);
    g_assert_false(__atomic_load_n(&m->shutdown_requested, __ATOMIC_SEQ_CST));
    bql_lock();
    machine_set_cpu_intr(m, 0, 1);
    bql_unlock();
    g_assert_true(cpus_join(m, 2000));
    g_assert_cmpint(fake_delivered, ==, 1);
    g_assert_true(m->shutdown_requested);
    g_assert_cmpint(m->exit_status, ==, 42);
    g_assert_true(m->cpus[0]->interrupt_request & CPU_INTERRUPT_HARD);
    machine_set_cpu_intr(m, 0, 0);
    g_assert_false(m->cpus[0]->interrupt_request & CPU_INTERRUPT_HARD);
    fake_machine_free(m);
}

static void test_reset_rendezvous(void)
{
    Machine *m = fake_machine(3);
    char *err = NULL;
    fake_mode = 1;
    g_assert_true(cpus_start(m, &err));
    g_assert_true(cpus_join(m, 5000));
    g_assert_cmpint(m->exit_status, ==, 7);
    g_assert_false(m->reset_requested);
    g_assert_cmpint(fake_dev_resets, ==, 1);
    /* every CPU was reset and its state put back, once */
    for (int i = 0; i < 3; i++) {
        g_assert_cmpint(fake_puts[i], ==, 1);
    }
    fake_machine_free(m);
}

static void test_no_reboot(void)
{
    Machine *m = fake_machine(1);
    m->no_reboot = true;
    machine_request_reset(m, "unit test (expected message)");
    g_assert_true(m->shutdown_requested);
    g_assert_false(m->reset_requested);
    g_assert_cmpint(m->exit_status, ==, 0);
    g_assert_true(m->cpus[0]->interrupt_request & CPU_INTERRUPT_EXIT);
    fake_machine_free(m);
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
    g_test_add_func("/pc/machine-create", test_machine_create);
    g_test_add_func("/pc/machine-create-errors", test_machine_create_errors);
    g_test_add_func("/machine/halt-wake", test_halt_wake);
    g_test_add_func("/machine/reset-rendezvous", test_reset_rendezvous);
    g_test_add_func("/machine/no-reboot", test_no_reboot);
    int r = g_test_run();
    g_rmdir(tmpdir);
    g_free(tmpdir);
    return r;
}

/* Unit tests for system/options.c: QEMU size syntax, option errors,
 * repeatable options and the defaults that depend on several options. */
#include <glib.h>
#include <string.h>

#include "system/options.h"

/* Parse a NULL-terminated list of words (argv[0] is added). */
static bool parse(Options *o, char **err, const char *first, ...)
{
    const char *argv[64] = { "emu86" };
    int argc = 1;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a; a = va_arg(ap, const char *)) {
        g_assert_cmpint(argc, <, 63);
        argv[argc++] = a;
    }
    va_end(ap);
    *err = NULL;
    return options_parse(o, argc, (char **)argv, err);
}

/* Expect a failure whose message starts with prefix. */
static void expect_error(const char *prefix, const char *first, ...)
{
    const char *argv[64] = { "emu86" };
    int argc = 1;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a; a = va_arg(ap, const char *)) {
        argv[argc++] = a;
    }
    va_end(ap);
    Options o;
    char *err = NULL;
    g_assert_false(options_parse(&o, argc, (char **)argv, &err));
    g_assert_nonnull(err);
    if (!g_str_has_prefix(err, prefix)) {
        g_error("error '%s' does not start with '%s'", err, prefix);
    }
    g_assert_null(strchr(err, '\n'));
    g_free(err);
    options_free(&o);
}

static void test_sizes(void)
{
    uint64_t v;
    g_assert_true(options_parse_size("64", 1 << 20, &v));
    g_assert_cmpuint(v, ==, 64ULL << 20);
    g_assert_true(options_parse_size("64M", 1 << 20, &v));
    g_assert_cmpuint(v, ==, 64ULL << 20);
    g_assert_true(options_parse_size("2G", 1 << 20, &v));
    g_assert_cmpuint(v, ==, 2ULL << 30);
    g_assert_true(options_parse_size("2g", 1 << 20, &v));
    g_assert_cmpuint(v, ==, 2ULL << 30);
    g_assert_true(options_parse_size("512k", 1 << 20, &v));
    g_assert_cmpuint(v, ==, 512ULL << 10);
    g_assert_true(options_parse_size("1T", 1 << 20, &v));
    g_assert_cmpuint(v, ==, 1ULL << 40);
    g_assert_true(options_parse_size("1.5G", 1 << 20, &v));
    g_assert_cmpuint(v, ==, 3ULL << 29);
    g_assert_true(options_parse_size("4096B", 1 << 20, &v));
    g_assert_cmpuint(v, ==, 4096);
    g_assert_false(options_parse_size("", 1 << 20, &v));
    g_assert_false(options_parse_size("garbage", 1 << 20, &v));
    g_assert_false(options_parse_size("-5", 1 << 20, &v));
    g_assert_false(options_parse_size("64X", 1 << 20, &v));
    g_assert_false(options_parse_size("64MM", 1 << 20, &v));
    g_assert_false(options_parse_size("99999999999999999999", 1, &v));
    g_assert_false(options_parse_size("99999999999E", 1 << 20, &v));
}

static void test_defaults(void)
{
    Options o;
    char *err;
    g_assert_true(parse(&o, &err, NULL));
    g_assert_cmpuint(o.ram_size, ==, 128ULL << 20);
    g_assert_cmpint(o.smp, ==, 1);
    g_assert_cmpstr(o.accel, ==, "auto");
    g_assert_cmpstr(o.machine, ==, "pc");
    g_assert_cmpstr(o.cpu_model, ==, "x86-64-v2");
    g_assert_null(o.bios);
    g_assert_cmpint(o.nr_serial, ==, 1);
    g_assert_cmpstr(o.serial[0], ==, "null");
    g_assert_cmpint(o.help, ==, OPT_HELP_NONE);
    options_free(&o);
}

static void test_memory(void)
{
    Options o;
    char *err;
    g_assert_true(parse(&o, &err, "-m", "64", NULL));
    g_assert_cmpuint(o.ram_size, ==, 64ULL << 20);
    options_free(&o);
    g_assert_true(parse(&o, &err, "--m", "size=3G", NULL));
    g_assert_cmpuint(o.ram_size, ==, 3ULL << 30);
    options_free(&o);
    /* rounded up to 8 KiB like QEMU */
    g_assert_true(parse(&o, &err, "-m", "1001K", NULL));
    g_assert_cmpuint(o.ram_size, ==, 1008ULL << 10);
    options_free(&o);
    expect_error("-m 0: memory size must be > 0", "-m", "0", NULL);
    expect_error("-m 99999999G: memory size is too large", "-m", "99999999G", NULL);
    expect_error("-m 2T:", "-m", "2T", NULL);
    expect_error("-m garbage: invalid memory size", "-m", "garbage", NULL);
    expect_error("-m size=:", "-m", "size=", NULL);
    expect_error("-m: requires an argument", "-m", NULL);
}

static void test_smp_accel_machine_cpu(void)
{
    Options o;
    char *err;
    g_assert_true(parse(&o, &err, "-smp", "4", "-accel", "kvm", "-M", "pc",
                        "-cpu", "host", NULL));
    g_assert_cmpint(o.smp, ==, 4);
    g_assert_cmpstr(o.accel, ==, "kvm");
    g_assert_cmpstr(o.cpu_model, ==, "host");
    options_free(&o);
    g_assert_true(parse(&o, &err, "-smp", "cpus=2,sockets=1", "-enable-kvm",
                        "-machine", "pc-i440fx-7.2", NULL));
    g_assert_cmpint(o.smp, ==, 2);
    g_assert_cmpstr(o.accel, ==, "kvm");
    g_assert_cmpstr(o.machine, ==, "pc");
    options_free(&o);
    g_assert_true(parse(&o, &err, "-smp", "sockets=2,cores=2", NULL));
    g_assert_cmpint(o.smp, ==, 4);
    options_free(&o);
    g_assert_true(parse(&o, &err, "-machine", "pc,accel=auto", NULL));
    g_assert_cmpstr(o.accel, ==, "auto");
    options_free(&o);
    /* QEMU's fallback lists */
    g_assert_true(parse(&o, &err, "-accel", "kvm", "-accel", "tcg", NULL));
    g_assert_cmpstr(o.accel, ==, "kvm:tcg");
    options_free(&o);
    g_assert_true(parse(&o, &err, "-machine", "accel=kvm:tcg", NULL));
    g_assert_cmpstr(o.accel, ==, "kvm:tcg");
    options_free(&o);
    expect_error("-machine accel=kvm:bogus: invalid accelerator bogus",
                 "-machine", "accel=kvm:bogus", NULL);
    /* options after the accelerator name are ignored with a warning */
    g_assert_true(parse(&o, &err, "-accel", "tcg,thread=single", NULL));
    g_assert_cmpstr(o.accel, ==, "tcg");
    g_assert_nonnull(o.warnings);
    options_free(&o);
    expect_error("-smp 0:", "-smp", "0", NULL);
    expect_error("-smp 65:", "-smp", "65", NULL);
    expect_error("-smp x:", "-smp", "x", NULL);
    expect_error("-accel bogus: invalid accelerator", "-accel", "bogus", NULL);
    expect_error("-machine isapc:", "-machine", "isapc", NULL);
    expect_error("-M q35:", "-M", "q35", NULL);
    expect_error("-cpu pentium9:", "-cpu", "pentium9", NULL);
}

static void test_serial(void)
{
    Options o;
    char *err;
    g_assert_true(parse(&o, &err, "-serial", "stdio", "-serial", "file:/tmp/x",
                        "-serial", "none", "-serial", "null", NULL));
    g_assert_cmpint(o.nr_serial, ==, 4);
    g_assert_cmpstr(o.serial[0], ==, "stdio");
    g_assert_cmpstr(o.serial[1], ==, "file:/tmp/x");
    g_assert_cmpstr(o.serial[2], ==, "none");
    g_assert_cmpstr(o.serial[3], ==, "null");
    options_free(&o);
    expect_error("-serial null: too many serial ports", "-serial", "stdio", "-serial",
                 "stdio", "-serial", "stdio", "-serial", "stdio", "-serial", "null", NULL);
    g_assert_true(parse(&o, &err, "-serial", "pty", NULL));
    g_assert_cmpstr(o.serial[0], ==, "pty");
    options_free(&o);
    expect_error("-serial tcp::4444: character backend 'tcp' is not supported yet",
                 "-serial", "tcp::4444", NULL);
    expect_error("-serial bogus:: invalid character backend", "-serial", "bogus:", NULL);
    expect_error("-serial file::", "-serial", "file:", NULL);
}

static void test_nographic(void)
{
    Options o;
    char *err;
    g_assert_true(parse(&o, &err, "-nographic", NULL));
    g_assert_cmpint(o.nr_serial, ==, 1);
    g_assert_cmpstr(o.serial[0], ==, "mon:stdio");
    g_assert_cmpstr(o.display, ==, "none");
    options_free(&o);
    /* an explicit -serial wins, whatever the order */
    g_assert_true(parse(&o, &err, "-nographic", "-serial", "file:out.txt", NULL));
    g_assert_cmpint(o.nr_serial, ==, 1);
    g_assert_cmpstr(o.serial[0], ==, "file:out.txt");
    /* QEMU: the monitor then goes to stdio alone */
    g_assert_cmpstr(o.monitor, ==, "stdio");
    options_free(&o);
    g_assert_true(parse(&o, &err, "-nographic", NULL));
    g_assert_null(o.monitor);   /* on the mon:stdio console, C-a c */
    options_free(&o);
    /* and an explicit -monitor sends the serial port to stdio alone */
    g_assert_true(parse(&o, &err, "-nographic", "-monitor", "none", NULL));
    g_assert_cmpstr(o.serial[0], ==, "stdio");
    g_assert_cmpstr(o.monitor, ==, "none");
    options_free(&o);
    g_assert_true(parse(&o, &err, "-monitor", "stdio", "-serial", "none", NULL));
    g_assert_cmpstr(o.monitor, ==, "stdio");
    g_assert_cmpstr(o.serial[0], ==, "none");
    g_assert_null(o.warnings);
    options_free(&o);
    g_assert_true(parse(&o, &err, "-monitor", "pty", NULL));
    g_assert_cmpstr(o.monitor, ==, "pty");
    options_free(&o);
    g_assert_true(parse(&o, &err, "-monitor", "tcp::4444,server", NULL));
    g_assert_cmpstr(o.monitor, ==, "none");
    g_assert_nonnull(o.warnings);
    g_assert_nonnull(strstr(o.warnings[0], "not supported yet"));
    options_free(&o);
    g_assert_true(parse(&o, &err, "-nodefaults", NULL));
    g_assert_cmpint(o.nr_serial, ==, 0);
    options_free(&o);
    g_assert_true(parse(&o, &err, "-display", "none", NULL));
    g_assert_cmpstr(o.display, ==, "none");
    g_assert_cmpstr(o.serial[0], ==, "null");
    options_free(&o);
}

static void test_device_accumulates(void)
{
    Options o;
    char *err;
    g_assert_true(parse(&o, &err, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                        "--device", "foo", "-device", "bar,x=1", NULL));
    g_assert_cmpuint(g_strv_length(o.devices), ==, 3);
    g_assert_cmpstr(o.devices[0], ==, "isa-debug-exit,iobase=0xf4,iosize=0x04");
    g_assert_cmpstr(o.devices[1], ==, "foo");
    g_assert_cmpstr(o.devices[2], ==, "bar,x=1");
    options_free(&o);
    g_assert_true(parse(&o, &err, "-device", "help", NULL));
    g_assert_cmpint(o.help, ==, OPT_HELP_DEVICE);
    options_free(&o);
    g_assert_true(parse(&o, &err, "-device", "isa-serial,help", NULL));
    g_assert_cmpint(o.help, ==, OPT_HELP_DEVICE_PROPS);
    g_assert_cmpstr(o.help_arg, ==, "isa-serial");
    options_free(&o);
    expect_error("-device ,x=1: missing device name", "-device", ",x=1", NULL);
}

static void test_misc_options(void)
{
    Options o;
    char *err;
    g_assert_true(parse(&o, &err, "-bios", "fw.bin", "-kernel", "bz", "-initrd", "rd",
                        "-append", "console=ttyS0", "-no-reboot", "-no-shutdown",
                        "-name", "guest", "-rtc", "base=localtime", "-L", "/usr/share",
                        "-d", "in_asm,int", "-d", "cpu", "-D", "log.txt",
                        "-drive", "file=x.img", "-netdev", "user,id=n0",
                        "-monitor", "none", "disk.img", NULL));
    g_assert_cmpstr(o.bios, ==, "fw.bin");
    g_assert_cmpstr(o.kernel, ==, "bz");
    g_assert_cmpstr(o.initrd, ==, "rd");
    g_assert_cmpstr(o.append, ==, "console=ttyS0");
    g_assert_true(o.no_reboot);
    g_assert_true(o.no_shutdown);
    g_assert_cmpstr(o.name, ==, "guest");
    g_assert_true(o.rtc_localtime);
    g_assert_cmpstr(o.log_items, ==, "in_asm,int,cpu");
    g_assert_cmpstr(o.log_file, ==, "log.txt");
    g_assert_cmpuint(g_strv_length(o.drives), ==, 1);
    g_assert_cmpuint(g_strv_length(o.netdevs), ==, 1);
    g_assert_cmpuint(g_strv_length(o.images), ==, 1);
    /* -drive, -netdev and the disk image each warn */
    g_assert_cmpuint(g_strv_length(o.warnings), ==, 3);
    options_free(&o);

    g_assert_true(parse(&o, &err, "-d", "help", NULL));
    g_assert_cmpint(o.help, ==, OPT_HELP_LOG);
    options_free(&o);
    g_assert_true(parse(&o, &err, "--version", NULL));
    g_assert_cmpint(o.help, ==, OPT_HELP_VERSION);
    options_free(&o);
    g_assert_true(parse(&o, &err, "-h", NULL));
    g_assert_cmpint(o.help, ==, OPT_HELP_USAGE);
    options_free(&o);
    g_assert_true(parse(&o, &err, "-M", "help", NULL));
    g_assert_cmpint(o.help, ==, OPT_HELP_MACHINE);
    options_free(&o);
    g_assert_true(parse(&o, &err, "-cpu", "help", NULL));
    g_assert_cmpint(o.help, ==, OPT_HELP_CPU);
    options_free(&o);
    g_assert_true(parse(&o, &err, "-s", "-S", "-gdb", "tcp::1234", NULL));
    g_assert_true(o.gdb);
    g_assert_true(o.start_paused);
    options_free(&o);

    expect_error("-foo: invalid option", "-foo", NULL);
    expect_error("--bogus: invalid option", "--bogus", NULL);
    expect_error("-d bogus: unknown log item 'bogus'", "-d", "bogus", NULL);
    expect_error("-d in_asm,nope: unknown log item 'nope'", "-d", "in_asm,nope", NULL);
    expect_error("-rtc base=mars:", "-rtc", "base=mars", NULL);
    expect_error("-monitor bogus:", "-monitor", "bogus", NULL);
    expect_error("-display fancy:", "-display", "fancy", NULL);
    expect_error("-bios: requires an argument", "-bios", NULL);
    expect_error("-serial: requires an argument", "-serial", NULL);
}

static void test_usage_lists_options(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    options_print_usage(f);
    fclose(f);
    static const char *const must[] = {
        "-accel", "-m ", "-smp", "-bios", "-device", "-serial", "-nographic",
        "-d ", "-D ", "-no-reboot", "-kernel", "-machine", "-cpu", "-version",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(must); i++) {
        if (!strstr(buf, must[i])) {
            g_error("usage does not mention %s", must[i]);
        }
    }
    free(buf);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/options/sizes", test_sizes);
    g_test_add_func("/options/defaults", test_defaults);
    g_test_add_func("/options/memory", test_memory);
    g_test_add_func("/options/smp-accel-machine-cpu", test_smp_accel_machine_cpu);
    g_test_add_func("/options/serial", test_serial);
    g_test_add_func("/options/nographic", test_nographic);
    g_test_add_func("/options/device-accumulates", test_device_accumulates);
    g_test_add_func("/options/misc", test_misc_options);
    g_test_add_func("/options/usage", test_usage_lists_options);
    return g_test_run();
}

/* Unit tests for hw/core/device.c and the small ISA devices: the registry
 * and -device help listing, property parsing and its errors, I/O port
 * conflicts, creation records for reset, isa-debug-exit's exit status and
 * port 0x80. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"
#include "system/sysemu.h"

/* A model registered by the test to see exactly what realize receives. */
typedef struct {
    uint64_t a, b;
    const char *s;
    bool fail;
} ProbeDev;

static int probe_resets;

static bool probe_realize(void *state, Machine *m, const DeviceProps *p, char **err)
{
    ProbeDev *d = state;
    if (!device_prop_u64(p, "a", 7, &d->a, err) ||
        !device_prop_u64(p, "b", 9, &d->b, err)) {
        return false;
    }
    d->s = device_prop_str(p, "s") ? g_intern_string(device_prop_str(p, "s")) : NULL;
    if (d->s && !strcmp(d->s, "fail")) {
        *err = strdup("probe: told to fail");
        return false;
    }
    return true;
}

static void probe_reset(void *state) { probe_resets++; }

static const DeviceInfo probe_info = {
    .name = "test-probe",
    .desc = "unit test probe",
    .state_size = sizeof(ProbeDev),
    .props = (const char *const[]){ "a", "b", "s", NULL },
    .realize = probe_realize,
    .reset = probe_reset,
    .user_creatable = false,
};

static Machine *new_machine(void)
{
    Machine *m = g_new0(Machine, 1);
    as_init(&m->io, "io");
    return m;
}

static void free_machine(Machine *m)
{
    for (int i = 0; i < m->nr_devices; i++) {
        free(m->devices[i].state);
    }
    as_destroy(&m->io);
    g_free(m);
}

static void collect(const DeviceInfo *info, void *opaque)
{
    g_ptr_array_add(opaque, (gpointer)info);
}

static void test_registry(void)
{
    static const char *const names[] = {
        "i8259", "i8254", "mc146818rtc", "isa-serial", "isa-debug-exit", "ioport80",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        const DeviceInfo *info = device_find(names[i]);
        g_assert_nonnull(info);
        g_assert_cmpstr(info->name, ==, names[i]);
        g_assert_nonnull(info->desc);
    }
    g_assert_null(device_find("no-such-device"));
    g_assert_true(device_find("isa-debug-exit")->user_creatable);
    g_assert_true(device_find("isa-serial")->user_creatable);
    g_assert_false(device_find("i8259")->user_creatable);

    GPtrArray *all = g_ptr_array_new();
    device_list(collect, all);
    g_assert_cmpuint(all->len, >=, G_N_ELEMENTS(names) + 1);
    for (guint i = 1; i < all->len; i++) {
        const DeviceInfo *a = all->pdata[i - 1], *b = all->pdata[i];
        g_assert_cmpint(strcmp(a->name, b->name), <, 0);    /* sorted */
    }
    g_ptr_array_free(all, TRUE);
}

static void test_props(void)
{
    Machine *m = new_machine();
    char *err = NULL;
    ProbeDev *d = device_create(m, "test-probe", NULL, &err);
    g_assert_nonnull(d);
    g_assert_cmpuint(d->a, ==, 7);                  /* defaults */
    g_assert_cmpuint(d->b, ==, 9);
    d = device_create(m, "test-probe", "a=0x1f,b=010,s=hello,id=x", &err);
    g_assert_nonnull(d);
    g_assert_cmpuint(d->a, ==, 0x1f);
    g_assert_cmpuint(d->b, ==, 8);                  /* octal, as QEMU */
    g_assert_cmpstr(d->s, ==, "hello");
    d = device_create(m, "test-probe", "a=1,,a=2,", &err);   /* last wins */
    g_assert_nonnull(d);
    g_assert_cmpuint(d->a, ==, 2);
    d = device_create(m, "test-probe", "", &err);
    g_assert_nonnull(d);
    g_assert_null(err);
    g_assert_cmpint(m->nr_devices, ==, 4);
    g_assert_true(m->devices[3].info == &probe_info);
    free_machine(m);
}

static void expect_error(Machine *m, const char *name, const char *opts,
                         const char *needle)
{
    char *err = NULL;
    int before = m->nr_devices;
    g_assert_null(device_create(m, name, opts, &err));
    g_assert_nonnull(err);
    if (!strstr(err, needle)) {
        g_error("error '%s' does not mention '%s'", err, needle);
    }
    g_assert_cmpint(m->nr_devices, ==, before);
    free(err);
}

static void test_prop_errors(void)
{
    Machine *m = new_machine();
    expect_error(m, "no-such-device", NULL, "'no-such-device' is not a valid device model name");
    expect_error(m, "test-probe", "c=1", "unknown property 'c'");
    expect_error(m, "isa-debug-exit", "iobase=0xf4,bogus=1", "unknown property 'bogus'");
    expect_error(m, "i8259", "iobase=0x20", "unknown property 'iobase'");
    expect_error(m, "test-probe", "a=12x", "'a' expects an integer, got '12x'");
    expect_error(m, "test-probe", "a=", "'a' expects an integer");
    expect_error(m, "test-probe", "a=-1", "'a' expects an integer");
    expect_error(m, "test-probe", "b=0x", "'b' expects an integer");
    expect_error(m, "test-probe", "b=99999999999999999999999", "'b' expects an integer");
    expect_error(m, "test-probe", "a", "malformed property 'a'");
    expect_error(m, "test-probe", "=5", "malformed property");
    expect_error(m, "test-probe", "s=fail", "told to fail");
    expect_error(m, "isa-debug-exit", "iosize=0", "out of range");
    expect_error(m, "isa-debug-exit", "iobase=0xffff,iosize=4", "out of range");
    /* a NULL err is allowed */
    g_assert_null(device_create(m, "test-probe", "c=1", NULL));
    g_assert_cmpint(m->nr_devices, ==, 0);
    free_machine(m);
}

static void test_port_conflict(void)
{
    Machine *m = new_machine();
    char *err = NULL;
    g_assert_nonnull(device_create(m, "isa-debug-exit", "iobase=0xf4,iosize=0x04", &err));
    expect_error(m, "isa-debug-exit", "iobase=0xf4,iosize=0x04", "already in use");
    expect_error(m, "isa-debug-exit", "iobase=0xf7,iosize=1", "already in use");
    expect_error(m, "isa-serial", "iobase=0xf0", "already in use");
    g_assert_nonnull(device_create(m, "isa-debug-exit", "iobase=0xf8,iosize=1", &err));
    g_assert_nonnull(device_create(m, "ioport80", NULL, &err));
    expect_error(m, "ioport80", NULL, "already in use");
    g_assert_nonnull(device_create(m, "i8259", NULL, &err));
    expect_error(m, "i8259", NULL, "already in use");
    g_assert_cmpint(m->nr_devices, ==, 4);
    free_machine(m);
}

static void test_debug_exit(void)
{
    Machine *m = new_machine();
    char *err = NULL;
    uint64_t v = 0x1234;
    g_assert_nonnull(device_create(m, "isa-debug-exit", "iobase=0xf4,iosize=0x04", &err));
    g_assert_true(as_read(&m->io, 0xf4, 1, &v));
    g_assert_cmphex(v, ==, 0);
    g_assert_cmpint(m->shutdown_requested, ==, 0);
    as_write(&m->io, 0xf4, 4, 0x10);
    g_assert_cmpint(m->shutdown_requested, ==, 1);
    g_assert_cmpint(m->exit_status, ==, 0x21);

    free_machine(m);

    /* default iobase 0x501, byte write of 0 -> status 1 */
    m = new_machine();
    g_assert_nonnull(device_create(m, "isa-debug-exit", NULL, &err));
    as_write(&m->io, 0x502, 1, 0);
    g_assert_cmpint(m->shutdown_requested, ==, 1);
    g_assert_cmpint(m->exit_status, ==, 1);
    free_machine(m);
}

static void test_ioport80(void)
{
    Machine *m = new_machine();
    char *err = NULL;
    uint64_t v = 0;
    g_assert_nonnull(device_create(m, "ioport80", NULL, &err));
    g_assert_true(as_write(&m->io, 0x80, 1, 0x55));      /* claimed */
    g_assert_true(as_read(&m->io, 0x80, 1, &v));
    g_assert_cmphex(v, ==, 0xff);
    g_assert_null(as_find(&m->io, 0x81));
    free_machine(m);
}

static void test_reset_records(void)
{
    Machine *m = new_machine();
    char *err = NULL;
    g_assert_nonnull(device_create(m, "ioport80", NULL, &err));
    g_assert_nonnull(device_create(m, "test-probe", NULL, &err));
    g_assert_cmpint(m->nr_devices, ==, 2);
    g_assert_true(m->devices[0].info == device_find("ioport80"));
    probe_resets = 0;
    /* what machine_reset_devices() walks */
    for (int i = 0; i < m->nr_devices; i++) {
        if (m->devices[i].info->reset) {
            m->devices[i].info->reset(m->devices[i].state);
        }
    }
    g_assert_cmpint(probe_resets, ==, 1);
    /* the table is bounded: creation fails cleanly when it is full */
    while (m->nr_devices < 64) {
        g_assert_nonnull(device_create(m, "test-probe", NULL, &err));
    }
    expect_error(m, "test-probe", NULL, "too many devices");
    free_machine(m);
}

/* A hostile guest: random writes and reads over every port of every device
 * model here, with timers running; nothing may crash or trip the
 * sanitizers.  The machine is kept: its timers stay armed. */
static void test_port_fuzz(void)
{
    static const uint16_t ports[] = {
        0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x40, 0x41, 0x42, 0x43, 0x61,
        0x70, 0x71, 0x80, 0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe, 0x3ff,
    };
    static Machine *m;
    char *err = NULL;
    m = new_machine();
    m->ram_size = m->below_4g = 64 << 20;
    g_assert_nonnull(device_create(m, "i8259", NULL, &err));
    g_assert_nonnull(device_create(m, "i8254", NULL, &err));
    g_assert_nonnull(device_create(m, "mc146818rtc", NULL, &err));
    g_assert_nonnull(device_create(m, "ioport80", NULL, &err));
    g_assert_nonnull(device_create(m, "isa-serial", NULL, &err));
    /* reproducible with the seed GTest prints (--seed) */
    GRand *r = g_rand_new_with_seed(g_test_rand_int());
    for (int i = 0; i < 200000; i++) {
        uint16_t port = ports[g_rand_int_range(r, 0, G_N_ELEMENTS(ports))];
        uint64_t v;
        if (g_rand_boolean(r)) {
            as_write(&m->io, port, 1, g_rand_int(r) & 0xff);
        } else {
            as_read(&m->io, port, 1, &v);
            g_assert_cmpuint(v, <=, 0xff);
        }
        if ((i & 1023) == 0) {
            timers_run_expired();
            m->intr_ack(m->intc);
            irq_pulse(&m->isa_irq[g_rand_int_range(r, 0, 16)]);
        }
    }
    g_rand_free(r);
    /* the devices still work afterwards: reset them and use the UART */
    for (int i = 0; i < m->nr_devices; i++) {
        if (m->devices[i].info->reset) {
            m->devices[i].info->reset(m->devices[i].state);
        }
    }
    uint64_t lsr;
    as_read(&m->io, 0x3fd, 1, &lsr);
    g_assert_cmphex(lsr, ==, 0x60);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    device_register(&probe_info);
    g_test_add_func("/device/registry", test_registry);
    g_test_add_func("/device/props", test_props);
    g_test_add_func("/device/prop-errors", test_prop_errors);
    g_test_add_func("/device/port-conflict", test_port_conflict);
    g_test_add_func("/device/debug-exit", test_debug_exit);
    g_test_add_func("/device/ioport80", test_ioport80);
    g_test_add_func("/device/reset-records", test_reset_records);
    g_test_add_func("/device/port-fuzz", test_port_fuzz);
    return g_test_run();
}

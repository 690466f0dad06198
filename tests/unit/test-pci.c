/* Unit tests for the PCI host bridge (configuration mechanism #1), the
 * PIIX4 PM function and the ACPI power-off path a guest uses. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"
#include "hw/pci/pci.h"

static Machine *make_machine(void)
{
    Machine *m = g_new0(Machine, 1);
    char *err = NULL;
    as_init(&m->io, "io");
    as_init(&m->mem.mmio, "mmio");
    g_assert_nonnull(device_create(m, "i440fx", NULL, &err));
    g_assert_nonnull(device_create(m, "piix4-pm", NULL, &err));
    return m;
}

static void free_machine(Machine *m)
{
    for (int i = 0; i < m->nr_devices; i++) {
        free(m->devices[i].state);
    }
    as_destroy(&m->io);
    as_destroy(&m->mem.mmio);
    g_free(m);
}

static uint32_t cfg_read(Machine *m, int dev, int fn, int reg, unsigned size)
{
    uint64_t v;
    as_write(&m->io, 0xcf8, 4, 0x80000000u | (dev << 11) | (fn << 8) | (reg & 0xfc));
    as_read(&m->io, 0xcfc + (reg & 3), size, &v);
    return (uint32_t)v;
}

static void cfg_write(Machine *m, int dev, int fn, int reg, unsigned size, uint32_t val)
{
    as_write(&m->io, 0xcf8, 4, 0x80000000u | (dev << 11) | (fn << 8) | (reg & 0xfc));
    as_write(&m->io, 0xcfc + (reg & 3), size, val);
}

static void test_identity(void)
{
    Machine *m = make_machine();
    g_assert_cmphex(cfg_read(m, 0, 0, 0, 4), ==, 0x12378086);
    g_assert_cmphex(cfg_read(m, 1, 0, 0, 4), ==, 0x70008086);
    g_assert_cmphex(cfg_read(m, 1, 3, 0, 4), ==, 0x71138086);
    g_assert_cmphex(cfg_read(m, 1, 0, 0x0e, 1), ==, 0x80);     /* multi-function */
    g_assert_cmphex(cfg_read(m, 5, 0, 0, 4), ==, 0xffffffff);  /* empty slot */
    g_assert_cmphex(cfg_read(m, 0, 0, 0x02, 2), ==, 0x1237);   /* sub-dword access */
    /* read-only identity registers ignore writes */
    cfg_write(m, 0, 0, 0, 4, 0);
    g_assert_cmphex(cfg_read(m, 0, 0, 0, 4), ==, 0x12378086);
    /* CONFIG_ADDRESS without the enable bit reads ones */
    uint64_t v;
    as_write(&m->io, 0xcf8, 4, 0x00000000);
    as_read(&m->io, 0xcfc, 4, &v);
    g_assert_cmphex(v, ==, 0xffffffff);
    free_machine(m);
}

static void test_pm_window_and_poweroff(void)
{
    Machine *m = make_machine();
    uint64_t v = 0;
    /* window closed: nothing decodes at 0x604 */
    g_assert_false(as_read(&m->io, 0x608, 4, &v));
    cfg_write(m, 1, 3, 0x40, 4, 0x601);
    cfg_write(m, 1, 3, 0x80, 1, 0x01);
    g_assert_cmphex(cfg_read(m, 1, 3, 0x40, 4), ==, 0x601);
    /* the PM timer runs at 3.58 MHz: it advances over 2 ms */
    uint64_t t0, t1;
    g_assert_true(as_read(&m->io, 0x608, 4, &t0));
    g_usleep(2000);
    as_read(&m->io, 0x608, 4, &t1);
    uint32_t delta = (uint32_t)(t1 - t0) & 0xffffff;
    g_assert_cmpuint(delta, >=, 7000);
    g_assert_cmpuint(delta, <, 3579545);
    /* a sleep type other than S5 does not power off */
    as_write(&m->io, 0x604, 2, 0x2000 | (5 << 10));
    g_assert_false(m->shutdown_requested);
    /* SLP_TYP=0 | SLP_EN: power off with status 0 */
    m->exit_status = 77;
    as_write(&m->io, 0x604, 2, 0x2000);
    g_assert_true(m->shutdown_requested);
    g_assert_cmpint(m->exit_status, ==, 0);
    /* moving PMBA moves the window */
    cfg_write(m, 1, 3, 0x40, 4, 0xb001);
    g_assert_false(as_read(&m->io, 0x608, 4, &v));
    g_assert_true(as_read(&m->io, 0xb008, 4, &v));
    free_machine(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pci/identity", test_identity);
    g_test_add_func("/pci/pm-window-and-poweroff", test_pm_window_and_poweroff);
    return g_test_run();
}

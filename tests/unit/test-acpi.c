/* Unit tests for hw/i386/acpi_build.c: the tables are parsed back the way
 * an OS finds them (RSDP checksums -> RSDT/XSDT -> FADT -> FACS/DSDT, MADT),
 * checking signatures, lengths, checksums, pointers, the FADT fields Linux
 * relies on, the MADT entries and the AML bytes of \_S5.  Also writing
 * them to guest RAM and programming the PIIX4 PM window so that the FADT's
 * PM1a_CNT really powers the machine off. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/i386/acpi_build.h"
#include "hw/i386/pc.h"
#include "hw/pci/pci.h"

static uint16_t get16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++) {
        s += p[i];
    }
    return s;
}

typedef struct Tables {
    const uint8_t *blob;
    size_t len;
    uint64_t base;
} Tables;

/* A table at guest address addr: checked header, returns its bytes. */
static const uint8_t *table_at(const Tables *t, uint64_t addr, const char *sig)
{
    g_assert_cmphex(addr, >=, t->base);
    g_assert_cmphex(addr + 36, <=, t->base + t->len);
    const uint8_t *p = t->blob + (addr - t->base);
    g_assert_cmpmem(p, 4, sig, 4);
    uint32_t len = get32(p + 4);
    g_assert_cmpuint(len, >=, 36);
    g_assert_cmphex(addr + len, <=, t->base + t->len);
    g_assert_cmpuint(sum(p, len), ==, 0);
    g_assert_cmpmem(p + 10, 6, "EMU86 ", 6);
    return p;
}

static void check_tables(const AcpiBuildConfig *cfg, uint64_t base)
{
    size_t len = 0;
    uint64_t rsdp_addr = 0;
    uint8_t *blob = acpi_build_tables(cfg, base, &len, &rsdp_addr);
    g_assert_nonnull(blob);
    Tables t = { blob, len, base };
    g_assert_cmphex(rsdp_addr, ==, base);
    g_assert_cmphex(rsdp_addr & 15, ==, 0);

    /* RSDP: both checksums, revision 2, length 36 */
    const uint8_t *r = blob;
    g_assert_cmpmem(r, 8, "RSD PTR ", 8);
    g_assert_cmpuint(sum(r, 20), ==, 0);
    g_assert_cmpuint(sum(r, 36), ==, 0);
    g_assert_cmpuint(r[15], ==, 2);
    g_assert_cmpuint(get32(r + 20), ==, 36);
    const uint8_t *rsdt = table_at(&t, get32(r + 16), "RSDT");
    const uint8_t *xsdt = table_at(&t, get64(r + 24), "XSDT");
    int n = (get32(rsdt + 4) - 36) / 4;
    g_assert_cmpint(n, ==, 1 + cfg->madt + cfg->hpet);
    g_assert_cmpint((get32(xsdt + 4) - 36) / 8, ==, n);
    const uint8_t *fadt = NULL, *madt = NULL, *hpet = NULL;
    for (int i = 0; i < n; i++) {
        uint32_t a = get32(rsdt + 36 + 4 * i);
        g_assert_cmphex(get64(xsdt + 36 + 8 * i), ==, a);
        const uint8_t *p = blob + (a - base);
        if (!memcmp(p, "FACP", 4)) {
            fadt = table_at(&t, a, "FACP");
        } else if (!memcmp(p, "HPET", 4)) {
            hpet = table_at(&t, a, "HPET");
        } else {
            madt = table_at(&t, a, "APIC");
        }
    }
    g_assert_nonnull(fadt);

    /* HPET (IA-PC HPET 1.0a 3.2.4): block ID = capabilities 31:0, base in
     * system memory at 0xFED00000, HPET number 0 */
    g_assert_true(!!hpet == cfg->hpet);
    if (hpet) {
        g_assert_cmpuint(get32(hpet + 4), ==, 56);
        g_assert_cmpuint(hpet[8], ==, 1);
        g_assert_cmphex(get32(hpet + 36), ==, 0x8086a201);
        g_assert_cmpuint(hpet[40], ==, 0);
        g_assert_cmphex(get64(hpet + 44), ==, 0xfed00000);
        g_assert_cmpuint(hpet[52], ==, 0);
        g_assert_cmpuint(get16(hpet + 53), >, 0);
    }

    /* FADT */
    g_assert_cmpuint(get32(fadt + 4), ==, 244);
    g_assert_cmpuint(fadt[8], ==, 3);
    uint32_t facs_addr = get32(fadt + 36);
    g_assert_cmphex(facs_addr & 63, ==, 0);
    const uint8_t *facs = blob + (facs_addr - base);
    g_assert_cmpmem(facs, 4, "FACS", 4);
    g_assert_cmpuint(get32(facs + 4), ==, 64);
    const uint8_t *dsdt = table_at(&t, get32(fadt + 40), "DSDT");
    g_assert_cmpuint(get16(fadt + 46), ==, 9);                  /* SCI_INT */
    g_assert_cmpuint(get32(fadt + 48), ==, 0);                  /* SMI_CMD */
    g_assert_cmphex(get32(fadt + 56), ==, cfg->pm_io_base);     /* PM1a_EVT */
    g_assert_cmphex(get32(fadt + 64), ==, cfg->pm_io_base + 4); /* PM1a_CNT */
    g_assert_cmphex(get32(fadt + 76), ==, cfg->pm_io_base + 8); /* PM_TMR */
    g_assert_cmpuint(fadt[88], ==, 4);
    g_assert_cmpuint(fadt[89], ==, 2);
    g_assert_cmpuint(fadt[91], ==, 4);
    g_assert_cmphex(get32(fadt + 80), ==, 0);                   /* no GPE0 */
    g_assert_cmphex(get16(fadt + 109) & 3, ==, 3);              /* legacy, 8042 */
    uint32_t flags = get32(fadt + 112);
    g_assert_true(flags & (1u << 10));                          /* RESET_REG_SUP */
    g_assert_false(flags & (1u << 8));                          /* 24-bit timer */
    g_assert_cmpuint(fadt[116], ==, 1);                         /* reset reg: I/O */
    g_assert_cmpuint(fadt[117], ==, 8);
    g_assert_cmphex(get64(fadt + 120), ==, 0xcf9);
    g_assert_cmphex(fadt[128], ==, 6);
    g_assert_cmphex(get64(fadt + 140), ==, 0);                  /* X_DSDT unused */

    /* DSDT: revision 2; the AML ends with Name(\_S5, Package(4){0,0,0,0});
     * with PCI it describes \_SB.PCI0 (PNP0A03) first */
    static const uint8_t s5[] = {
        0x08, '\\', '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00,
    };
    static const uint8_t pnp0a03[] = { 0x0c, 0x41, 0xd0, 0x0a, 0x03 };
    g_assert_cmpuint(dsdt[8], ==, 2);
    uint32_t dlen = get32(dsdt + 4);
    g_assert_cmpuint(dlen, >=, 36 + sizeof(s5));
    g_assert_cmpmem(dsdt + dlen - sizeof(s5), sizeof(s5), s5, sizeof(s5));
    g_assert_true(!!memmem(dsdt + 36, dlen - 36, pnp0a03, sizeof(pnp0a03)) == cfg->pci);
    g_assert_true(!!memmem(dsdt + 36, dlen - 36, "PCI0", 4) == cfg->pci);
    static const uint8_t pnp0103[] = { 0x0c, 0x41, 0xd0, 0x01, 0x03 };
    g_assert_true(!!memmem(dsdt + 36, dlen - 36, pnp0103, sizeof(pnp0103)) == cfg->hpet);
    if (!cfg->pci && !cfg->hpet) {
        g_assert_cmpuint(dlen, ==, 36 + sizeof(s5));
    }

    /* MADT */
    if (cfg->madt) {
        g_assert_nonnull(madt);
        g_assert_cmphex(get32(madt + 36), ==, 0xfee00000);
        g_assert_cmphex(get32(madt + 40) & 1, ==, 1);
        uint32_t mlen = get32(madt + 4);
        int cpus = 0, ioapics = 0, isos = 0, nmis = 0;
        for (uint32_t off = 44; off < mlen;) {
            const uint8_t *e = madt + off;
            g_assert_cmpuint(e[1], >=, 2);
            g_assert_cmpuint(off + e[1], <=, mlen);
            switch (e[0]) {
            case 0:
                g_assert_cmpuint(e[1], ==, 8);
                g_assert_cmpuint(e[3], ==, cpus);
                g_assert_cmphex(get32(e + 4), ==, 1);
                cpus++;
                break;
            case 1:
                g_assert_cmpuint(e[1], ==, 12);
                g_assert_cmpuint(e[2], ==, cfg->ioapic_id);
                g_assert_cmphex(get32(e + 4), ==, 0xfec00000);
                g_assert_cmphex(get32(e + 8), ==, 0);
                ioapics++;
                break;
            case 2:
                g_assert_cmpuint(e[1], ==, 10);
                if (e[3] == 0) {
                    g_assert_cmpuint(get32(e + 4), ==, 2);
                } else {
                    g_assert_cmpuint(e[3], ==, 9);
                    g_assert_cmpuint(get32(e + 4), ==, 9);
                    g_assert_cmphex(get16(e + 8), ==, 0xd);     /* level, high */
                }
                isos++;
                break;
            case 4:
                nmis++;
                break;
            default:
                g_assert_not_reached();
            }
            off += e[1];
        }
        g_assert_cmpint(cpus, ==, cfg->nr_cpus);
        g_assert_cmpint(ioapics, ==, 1);
        g_assert_cmpint(isos, ==, 2);
        g_assert_cmpint(nmis, ==, 1);
    } else {
        g_assert_null(madt);
        g_assert_true(get16(fadt + 109) & 8);                   /* no MSI */
    }
    free(blob);
}

static void test_tables(void)
{
    AcpiBuildConfig cfg = { .nr_cpus = 1, .pm_io_base = 0x600, .sci_irq = 9, .madt = true,
                            .ioapic_id = 1 };
    check_tables(&cfg, 0xe0000);
    cfg.nr_cpus = 8;
    cfg.ioapic_id = 0;
    cfg.pm_io_base = 0xb000;
    check_tables(&cfg, 0x7fe0000);
    cfg.madt = false;
    check_tables(&cfg, 0xe0000);
    cfg.nr_cpus = 255;
    cfg.madt = true;
    check_tables(&cfg, 0xe0000);
    cfg.pci = cfg.rtc = cfg.kbd = cfg.com1 = true;
    cfg.pci_hole_start = 0x20000000;
    cfg.pci_hole64_start = 1ull << 32;
    cfg.pci_hole64_end = 3ull << 31;
    check_tables(&cfg, 0xe0000);
    cfg.hpet = true;
    check_tables(&cfg, 0xe0000);
    cfg.pci = false;
    cfg.madt = false;
    check_tables(&cfg, 0xe0000);
}

/* The DSDT through an independent AML disassembler (ACPICA's iasl, the
 * one Linux's interpreter comes from): it must parse without errors and
 * describe the host bridge, its windows, the routing table and the ISA
 * devices as the machine has them. */
static void test_dsdt_iasl(void)
{
    if (system("iasl -v >/dev/null 2>&1") != 0) {
        g_test_skip("iasl (acpica-tools) not installed");
        return;
    }
    AcpiBuildConfig cfg = { .nr_cpus = 2, .pm_io_base = 0x600, .sci_irq = 9, .madt = true,
                            .pci = true, .rtc = true, .kbd = true, .com1 = true,
                            .hpet = true, .fw_cfg = true, .pci_hole_start = 0x20000000,
                            .pci_hole64_start = 1ull << 32, .pci_hole64_end = 3ull << 31 };
    size_t len = 0;
    uint8_t *blob = acpi_build_tables(&cfg, 0xe0000, &len, NULL);
    g_assert_nonnull(blob);
    const uint8_t *fadt = blob + (get32(blob + get32(blob + 16) - 0xe0000 + 36) - 0xe0000);
    const uint8_t *dsdt = blob + (get32(fadt + 40) - 0xe0000);
    char dir[] = "/tmp/emu86-dsdt-XXXXXX";
    g_assert_nonnull(mkdtemp(dir));
    char *aml = g_strdup_printf("%s/dsdt.aml", dir);
    char *dsl = g_strdup_printf("%s/dsdt.dsl", dir);
    g_assert_true(g_file_set_contents(aml, (const char *)dsdt, get32(dsdt + 4), NULL));
    char *cmd = g_strdup_printf("iasl -d %s >%s/log 2>&1", aml, dir);
    g_assert_cmpint(system(cmd), ==, 0);
    char *text = NULL;
    g_assert_true(g_file_get_contents(dsl, &text, NULL, NULL));
    static const char *const expect[] = {
        "Device (PCI0)", "EisaId (\"PNP0A03\")", "WordBusNumber", "0x0CF7",
        "0x20000000,         // Range Minimum", "0xFEBFFFFF,         // Range Maximum",
        "QWordMemory", "0x000000017FFFFFFF", "Name (_PRT, Package (0x7C)",
        "0x001FFFFF", "Device (ISA)", "Device (RTC)", "EisaId (\"PNP0B00\")",
        "IRQNoFlags ()", "{8}", "{1}", "{4}", "{12}", "Device (KBD)", "Device (MOU)",
        "EisaId (\"PNP0F13\")", "Device (COM1)",
        "EisaId (\"PNP0501\")", "Name (\\_S5, Package (0x04)",
        "Device (HPET)", "EisaId (\"PNP0103\")",
        "Memory32Fixed (ReadOnly,", "0xFED00000,         // Address Base",
        "0x00000400,         // Address Length",
        "Device (FWCF)", "Name (_HID, \"QEMU0002\")", "Name (_STA, 0x0B)",
        "IO (Decode16,", "0x0510,             // Range Minimum", "0x0C,               // Length",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(expect); i++) {
        if (!strstr(text, expect[i])) {
            g_test_message("iasl output lacks \"%s\":\n%s", expect[i], text);
            g_test_fail();
        }
    }
    g_free(text);
    g_free(cmd);
    /* the HPET table through iasl's data-table disassembler */
    const uint8_t *rsdt = blob + (get32(blob + 16) - 0xe0000);
    const uint8_t *hpet = NULL;
    for (uint32_t i = 0; i < (get32(rsdt + 4) - 36) / 4; i++) {
        const uint8_t *p = blob + (get32(rsdt + 36 + 4 * i) - 0xe0000);
        if (!memcmp(p, "HPET", 4)) {
            hpet = p;
        }
    }
    g_assert_nonnull(hpet);
    char *dat = g_strdup_printf("%s/hpet.dat", dir);
    char *hdsl = g_strdup_printf("%s/hpet.dsl", dir);
    g_assert_true(g_file_set_contents(dat, (const char *)hpet, get32(hpet + 4), NULL));
    cmd = g_strdup_printf("iasl -d %s >%s/log 2>&1", dat, dir);
    g_assert_cmpint(system(cmd), ==, 0);
    g_assert_true(g_file_get_contents(hdsl, &text, NULL, NULL));
    static const char *const hexpect[] = {
        "High Precision Event Timer table", "Hardware Block ID : 8086A201",
        "Address : 00000000FED00000", "Space ID : 00 [SystemMemory]",
        "Sequence Number : 00",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(hexpect); i++) {
        if (!strstr(text, hexpect[i])) {
            g_test_message("iasl output lacks \"%s\":\n%s", hexpect[i], text);
            g_test_fail();
        }
    }
    g_free(text);
    g_free(cmd);
    g_free(dat);
    g_free(hdsl);
    cmd = g_strdup_printf("rm -rf %s", dir);
    g_assert_cmpint(system(cmd), ==, 0);
    g_free(cmd);
    g_free(aml);
    g_free(dsl);
    free(blob);
}

static void test_bad_config(void)
{
    AcpiBuildConfig cfg = { .nr_cpus = 1, .pm_io_base = 0x600, .sci_irq = 9 };
    size_t len;
    g_assert_null(acpi_build_tables(&cfg, 0xe0010, &len, NULL));       /* unaligned */
    g_assert_null(acpi_build_tables(&cfg, 0xfffff000, &len, NULL));    /* past 4 GiB */
    cfg.nr_cpus = 0;
    g_assert_null(acpi_build_tables(&cfg, 0xe0000, &len, NULL));
    cfg.nr_cpus = 256;
    g_assert_null(acpi_build_tables(&cfg, 0xe0000, &len, NULL));
    cfg.nr_cpus = 1;
    cfg.pm_io_base = 0x608;
    g_assert_null(acpi_build_tables(&cfg, 0xe0000, &len, NULL));
}

static void test_setup_and_poweroff(void)
{
    Machine *m = calloc(1, sizeof(*m));
    char *err = NULL;
    g_assert_true(pc_memory_init(m, 32 << 20, NULL, &err));
    g_assert_nonnull(device_create(m, "i440fx", NULL, &err));
    g_assert_nonnull(device_create(m, "piix4-pm", NULL, &err));
    m->nr_cpus = 2;
    AcpiBuildConfig cfg;
    acpi_build_default_config(m, &cfg);
    g_assert_cmpint(cfg.nr_cpus, ==, 2);
    g_assert_cmpint(cfg.ioapic_id, ==, 2);
    uint64_t rsdp = 0;
    g_assert_true(acpi_setup(m, &cfg, &rsdp, &err));
    g_assert_cmphex(rsdp, ==, 0xe0000);
    g_assert_cmpmem(m->ram + rsdp, 8, "RSD PTR ", 8);
    /* an OS's scan of 0xE0000-0xFFFFF finds it at a 16-byte boundary */
    uint64_t found = 0;
    for (uint64_t a = 0xe0000; a < 0x100000 && !found; a += 16) {
        if (!memcmp(m->ram + a, "RSD PTR ", 8) && sum(m->ram + a, 20) == 0) {
            found = a;
        }
    }
    g_assert_cmphex(found, ==, rsdp);

    /* the FADT's PM1a_CNT, once the PM window is programmed, powers off */
    g_assert_true(acpi_piix4_pm_program(m, ACPI_PM_IO_BASE));
    const uint8_t *rsdt = m->ram + get32(m->ram + rsdp + 16);
    const uint8_t *fadt = m->ram + get32(rsdt + 36);
    uint32_t cnt = get32(fadt + 64);
    uint64_t v = 0;
    g_assert_true(as_read(&m->io, get32(fadt + 76), 4, &v));    /* PM timer decodes */
    m->exit_status = 5;
    as_write(&m->io, cnt, 2, (0 << 10) | 0x2000);               /* SLP_TYP 0 | SLP_EN */
    g_assert_true(m->shutdown_requested);
    g_assert_cmpint(m->exit_status, ==, 0);
    g_assert_false(acpi_piix4_pm_program(m, 0x608));            /* misaligned */
    for (int i = 0; i < m->nr_devices; i++) {
        free(m->devices[i].state);
    }
    m->nr_cpus = 0;
    pc_machine_free(m);

    /* with a BIOS ROM over 0xE0000 the tables are the firmware's job */
    m = calloc(1, sizeof(*m));
    char path[] = "/tmp/emu86-acpi-bios-XXXXXX";
    int fd = mkstemp(path);
    g_assert_cmpint(fd, >=, 0);
    static uint8_t rom[128 << 10];
    g_assert_cmpint(write(fd, rom, sizeof(rom)), ==, sizeof(rom));
    close(fd);
    g_assert_true(pc_memory_init(m, 32 << 20, path, &err));
    unlink(path);
    m->nr_cpus = 1;
    acpi_build_default_config(m, &cfg);
    g_assert_false(acpi_setup(m, &cfg, &rsdp, &err));
    g_assert_nonnull(strstr(err, "not RAM"));
    free(err);
    g_assert_false(acpi_piix4_pm_program(m, ACPI_PM_IO_BASE));  /* no PCI bus */
    m->nr_cpus = 0;
    pc_machine_free(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/acpi/tables", test_tables);
    g_test_add_func("/acpi/bad-config", test_bad_config);
    g_test_add_func("/acpi/dsdt-iasl", test_dsdt_iasl);
    g_test_add_func("/acpi/setup-and-poweroff", test_setup_and_poweroff);
    return g_test_run();
}

/*
 * hw/i386/acpi_build.c - RSDP, RSDT, XSDT, FADT, FACS, DSDT, MADT and
 * HPET for -kernel boots.
 *
 * Design: the tables are built into one host buffer laid out for a known
 * guest base address, so all pointers are final when the checksums are
 * computed; the caller copies the blob into guest RAM (acpi_setup) or a
 * test parses it.  The DSDT's AML is built by hw/acpi/aml.c from the
 * machine's configuration rather than being a precompiled blob, so every
 * object is explained where it is made.
 *
 * What the FADT announces is what the machine has: PM1a event/control and
 * a 24-bit PM timer in the PIIX4 PM window, SCI on IRQ 9, no GPE block, no
 * SMI command port (the machine starts in ACPI mode: ACPICA treats
 * SMI_CMD = 0 as "already in ACPI mode"), no C2/C3, the 0xCF9 reset
 * register (i440fx.c implements it), and IAPC_BOOT_ARCH with LEGACY_DEVICES
 * and 8042 so Linux probes the i8042 at 0x60/0x64 without a PNP0303 device.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/acpi/aml.h"
#include "hw/i386/acpi_build.h"
#include "hw/pci/pci.h"
#include "hw/timer/hpet.h"

#define ACPI_HDR_LEN 36

/* FADT Flags (ACPI 6.x table 5.10) */
#define FADT_WBINVD        (1u << 0)
#define FADT_PROC_C1       (1u << 2)
#define FADT_PWR_BUTTON    (1u << 4)   /* 1: no fixed-feature power button */
#define FADT_SLP_BUTTON    (1u << 5)   /* 1: no fixed-feature sleep button */
#define FADT_FIX_RTC       (1u << 6)   /* 1: RTC wake status not in PM1 */
#define FADT_RESET_REG_SUP (1u << 10)
/* IAPC_BOOT_ARCH (table 5.11) */
#define BOOT_ARCH_LEGACY_DEVICES (1u << 0)
#define BOOT_ARCH_8042           (1u << 1)
#define BOOT_ARCH_VGA_NOT_PRESENT (1u << 2)
#define BOOT_ARCH_MSI_NOT_SUPPORTED (1u << 3)

typedef struct AcpiBlob {
    uint8_t *buf;
    size_t len, cap;
    uint64_t base;
    bool oom;
} AcpiBlob;

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

static uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++) {
        sum += p[i];
    }
    return (uint8_t)-sum;
}

/* Reserves len zeroed bytes at an aligned offset; returns the offset. */
static size_t blob_alloc(AcpiBlob *b, size_t len, size_t align)
{
    size_t off = (b->len + align - 1) & ~(align - 1);
    if (off + len > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < off + len) {
            cap *= 2;
        }
        uint8_t *n = realloc(b->buf, cap);
        if (!n) {
            b->oom = true;
            return 0;
        }
        memset(n + b->cap, 0, cap - b->cap);
        b->buf = n;
        b->cap = cap;
    }
    b->len = off + len;
    return off;
}

/* Standard description header (ACPI 6.x 5.2.6); checksum filled later. */
static void acpi_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
    memcpy(t, sig, 4);
    put32(t + 4, len);
    t[8] = rev;
    memcpy(t + 10, "EMU86 ", 6);          /* OEMID */
    memcpy(t + 16, "EMU86PC ", 8);        /* OEM Table ID */
    put32(t + 24, 1);                     /* OEM Revision */
    memcpy(t + 28, "EMU8", 4);            /* Creator ID */
    put32(t + 32, 1);                     /* Creator Revision */
}

static void acpi_finish(uint8_t *t, uint32_t len)
{
    t[9] = 0;
    t[9] = acpi_checksum(t, len);
}

/* Generic Address Structure (5.2.3.2): space 1 = System I/O */
static void acpi_gas_io(uint8_t *g, uint8_t bit_width, uint8_t access_size, uint64_t addr)
{
    g[0] = 1;
    g[1] = bit_width;
    g[2] = 0;
    g[3] = access_size;   /* 1 = byte access */
    put64(g + 4, addr);
}

/* ---- DSDT ---- */

/* PCI interrupt routing: device d's INTx pin p (0 = INTA) reaches I/O APIC
 * input 16 + ((d + p) mod 4), the swizzle a PCI-to-PCI bridge would apply;
 * inputs 16-23 are level-triggered, active-low as PCI requires (the _PRT's
 * default for GSIs without a MADT override). */
#define PCI_GSI_BASE 16

static Aml *dsdt_pci_prt(void)
{
    Aml *entries = aml_new();
    unsigned n = 0;
    for (unsigned dev = 1; dev < 32; dev++) {
        for (unsigned pin = 0; pin < 4; pin++, n++) {
            Aml *e = aml_int(((uint64_t)dev << 16) | 0xffff);   /* _ADR, any function */
            aml_append(e, aml_int(pin));
            aml_append(e, aml_int(0));                        /* Source: a GSI */
            aml_append(e, aml_int(PCI_GSI_BASE + ((dev + pin) & 3)));
            aml_append(entries, aml_package(e, 4));
        }
    }
    return aml_name_decl("_PRT", aml_package(entries, n));
}

static Aml *dsdt_isa_device(const char *name, const char *hid, unsigned uid, Aml *res)
{
    Aml *d = aml_new();
    aml_append(d, aml_name_decl("_HID", aml_eisaid(hid)));
    if (uid) {
        aml_append(d, aml_name_decl("_UID", aml_int(uid)));
    }
    aml_append(d, aml_name_decl("_CRS", aml_resource_template(res)));
    return aml_device(name, d);
}

static Aml *dsdt_pci0(const AcpiBuildConfig *cfg)
{
    Aml *crs = aml_new();
    aml_append(crs, aml_word_bus_number(0, 0xff));
    aml_append(crs, aml_io(0xcf8, 0xcf8, 1, 8));          /* the config ports */
    aml_append(crs, aml_word_io(0x0000, 0x0cf7));
    aml_append(crs, aml_word_io(0x0d00, 0xffff));
    aml_append(crs, aml_dword_memory(0xa0000, 0xbffff, true));   /* VGA window */
    aml_append(crs, aml_dword_memory(cfg->pci_hole_start, 0xfebfffff, false));
    if (cfg->pci_hole64_end > cfg->pci_hole64_start) {
        aml_append(crs, aml_qword_memory(cfg->pci_hole64_start, cfg->pci_hole64_end - 1, false));
    }

    Aml *isa = aml_new();
    aml_append(isa, aml_name_decl("_ADR", aml_int(0x00010000)));   /* 00:01.0 */
    if (cfg->rtc) {
        Aml *r = aml_io(0x70, 0x70, 1, 8);
        aml_append(r, aml_irq_noflags(8));
        aml_append(isa, dsdt_isa_device("RTC", "PNP0B00", 0, r));
    }
    if (cfg->kbd) {
        Aml *r = aml_io(0x60, 0x60, 1, 1);
        aml_append(r, aml_io(0x64, 0x64, 1, 1));
        aml_append(r, aml_irq_noflags(1));
        aml_append(isa, dsdt_isa_device("KBD", "PNP0303", 0, r));
        /* the PS/2 mouse on the controller's aux port */
        aml_append(isa, dsdt_isa_device("MOU", "PNP0F13", 0, aml_irq_noflags(12)));
    }
    if (cfg->com1) {
        Aml *r = aml_io(0x3f8, 0x3f8, 1, 8);
        aml_append(r, aml_irq_noflags(4));
        aml_append(isa, dsdt_isa_device("COM1", "PNP0501", 1, r));
    }

    Aml *pci = aml_new();
    aml_append(pci, aml_name_decl("_HID", aml_eisaid("PNP0A03")));
    aml_append(pci, aml_name_decl("_ADR", aml_int(0)));
    aml_append(pci, aml_name_decl("_UID", aml_int(0)));
    aml_append(pci, aml_name_decl("_CRS", aml_resource_template(crs)));
    aml_append(pci, dsdt_pci_prt());
    aml_append(pci, aml_device("ISA", isa));
    return aml_device("PCI0", pci);
}

/* The HPET as OSes look for it (IA-PC HPET 1.0a 3.2.5): PNP0103 with its
 * register block; its interrupts are not listed, the OS programs them. */
static Aml *dsdt_hpet(void)
{
    Aml *d = aml_new();
    aml_append(d, aml_name_decl("_HID", aml_eisaid("PNP0103")));
    aml_append(d, aml_name_decl("_UID", aml_int(0)));
    aml_append(d, aml_name_decl("_CRS", aml_resource_template(
        aml_memory32_fixed(HPET_BASE, HPET_LEN, false))));
    return aml_device("HPET", d);
}

/* fw_cfg as QEMU's DSDT lists it, so Linux's qemu_fw_cfg driver finds
 * it: the ID is QEMU's ACPI ID (a string, not an EISA ID), present and
 * enabled but hidden from the UI (_STA 0x0B), the selector, data and DMA
 * ports in one 12-port range. */
static Aml *dsdt_fw_cfg(void)
{
    Aml *d = aml_new();
    aml_append(d, aml_name_decl("_HID", aml_string("QEMU0002")));
    aml_append(d, aml_name_decl("_STA", aml_int(0x0b)));
    aml_append(d, aml_name_decl("_CRS", aml_resource_template(
        aml_io(0x510, 0x510, 1, 12))));
    return aml_device("FWCF", d);
}

uint8_t *acpi_build_dsdt_aml(const AcpiBuildConfig *cfg, size_t *len)
{
    Aml *dsdt = aml_new();
    if (cfg->pci || cfg->hpet || cfg->fw_cfg) {
        Aml *sb = aml_new();
        if (cfg->pci) {
            aml_append(sb, dsdt_pci0(cfg));
        }
        if (cfg->hpet) {
            aml_append(sb, dsdt_hpet());
        }
        if (cfg->fw_cfg) {
            aml_append(sb, dsdt_fw_cfg());
        }
        aml_append(dsdt, aml_scope("\\_SB", sb));
    }
    /* \_S5: SLP_TYPa, SLP_TYPb, two reserved (7.4.2): type 0 = power off
     * for piix4-pm. */
    Aml *s5 = aml_new();
    for (int i = 0; i < 4; i++) {
        aml_append(s5, aml_int(0));
    }
    aml_append(dsdt, aml_name_decl("\\_S5", aml_package(s5, 4)));
    uint8_t *out = NULL;
    if (!dsdt->oom) {
        out = malloc(dsdt->len ? dsdt->len : 1);
        if (out) {
            memcpy(out, dsdt->buf, dsdt->len);
            *len = dsdt->len;
        }
    }
    aml_free(dsdt);
    return out;
}

/* ---- tables ---- */

static size_t build_dsdt(AcpiBlob *b, const AcpiBuildConfig *cfg)
{
    size_t aml_len = 0;
    uint8_t *aml = acpi_build_dsdt_aml(cfg, &aml_len);
    if (!aml) {
        b->oom = true;
        return 0;
    }
    size_t len = ACPI_HDR_LEN + aml_len;
    size_t off = blob_alloc(b, len, 16);
    if (b->oom) {
        free(aml);
        return 0;
    }
    uint8_t *t = b->buf + off;
    /* revision 2: integers are 64 bits */
    acpi_header(t, "DSDT", (uint32_t)len, 2);
    memcpy(t + ACPI_HDR_LEN, aml, aml_len);
    free(aml);
    acpi_finish(t, (uint32_t)len);
    return off;
}

static size_t build_facs(AcpiBlob *b)
{
    /* 5.2.10: 64-byte aligned, no checksum */
    size_t off = blob_alloc(b, 64, 64);
    if (b->oom) {
        return 0;
    }
    uint8_t *t = b->buf + off;
    memcpy(t, "FACS", 4);
    put32(t + 4, 64);
    t[32] = 2;                       /* version */
    return off;
}

static size_t build_fadt(AcpiBlob *b, const AcpiBuildConfig *cfg, size_t facs, size_t dsdt)
{
    const uint32_t len = 244;        /* revision 3 layout (ACPI 2.0+) */
    size_t off = blob_alloc(b, len, 8);
    if (b->oom) {
        return 0;
    }
    uint8_t *t = b->buf + off;
    uint32_t pm = cfg->pm_io_base;
    acpi_header(t, "FACP", len, 3);
    put32(t + 36, (uint32_t)(b->base + facs));   /* FIRMWARE_CTRL */
    put32(t + 40, (uint32_t)(b->base + dsdt));   /* DSDT */
    t[45] = 0;                                   /* PM profile: unspecified */
    put16(t + 46, cfg->sci_irq);                 /* SCI_INT */
    put32(t + 48, 0);                            /* SMI_CMD: none */
    put32(t + 56, pm);                           /* PM1a_EVT_BLK */
    put32(t + 64, pm + 4);                       /* PM1a_CNT_BLK */
    put32(t + 76, pm + 8);                       /* PM_TMR_BLK */
    t[88] = 4;                                   /* PM1_EVT_LEN */
    t[89] = 2;                                   /* PM1_CNT_LEN */
    t[91] = 4;                                   /* PM_TMR_LEN */
    put16(t + 96, 0x0fff);                       /* P_LVL2_LAT > 100: no C2 */
    put16(t + 98, 0x0fff);                       /* P_LVL3_LAT > 1000: no C3 */
    t[108] = 0x32;                               /* CENTURY: CMOS register */
    uint16_t arch = BOOT_ARCH_LEGACY_DEVICES | BOOT_ARCH_8042 | BOOT_ARCH_VGA_NOT_PRESENT;
    if (!cfg->madt) {
        arch |= BOOT_ARCH_MSI_NOT_SUPPORTED;     /* no APIC, no MSI */
    }
    put16(t + 109, arch);                        /* IAPC_BOOT_ARCH */
    put32(t + 112, FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON | FADT_SLP_BUTTON |
                   FADT_FIX_RTC | FADT_RESET_REG_SUP);
    acpi_gas_io(t + 116, 8, 1, 0xcf9);           /* RESET_REG */
    t[128] = 0x06;                               /* RESET_VALUE: SYS_RST | RST_CPU */
    /* X_FIRMWARE_CTRL, X_DSDT and the X_ blocks stay 0: the 32-bit
     * fields above are used (5.2.9: X_ fields only when nonzero). */
    acpi_finish(t, len);
    return off;
}

static size_t build_madt(AcpiBlob *b, const AcpiBuildConfig *cfg)
{
    uint32_t len = 44 + 8 * cfg->nr_cpus + 12 + 2 * 10 + 6;
    size_t off = blob_alloc(b, len, 8);
    if (b->oom) {
        return 0;
    }
    uint8_t *t = b->buf + off;
    acpi_header(t, "APIC", len, 1);
    put32(t + 36, ACPI_LAPIC_ADDR);
    put32(t + 40, 1);                /* PCAT_COMPAT: dual 8259 present */
    uint8_t *e = t + 44;
    for (int i = 0; i < cfg->nr_cpus; i++, e += 8) {
        e[0] = 0;                    /* Processor Local APIC */
        e[1] = 8;
        e[2] = (uint8_t)i;           /* ACPI processor UID */
        e[3] = (uint8_t)i;           /* APIC ID */
        put32(e + 4, 1);             /* enabled */
    }
    e[0] = 1;                        /* I/O APIC */
    e[1] = 12;
    e[2] = cfg->ioapic_id;
    put32(e + 4, ACPI_IOAPIC_ADDR);
    put32(e + 8, 0);                 /* GSI base */
    e += 12;
    /* Interrupt Source Overrides (5.2.12.5): the PIT's IRQ0 is wired to
     * pin 2; the SCI is level triggered, active high (flags 0b1101). */
    static const struct { uint8_t irq; uint32_t gsi; uint16_t flags; } iso[2] = {
        { 0, 2, 0x0000 }, { 9, 9, 0x000d },
    };
    for (int i = 0; i < 2; i++, e += 10) {
        e[0] = 2;
        e[1] = 10;
        e[2] = 0;                    /* ISA */
        e[3] = iso[i].irq;
        put32(e + 4, iso[i].gsi);
        put16(e + 8, iso[i].flags);
    }
    e[0] = 4;                        /* Local APIC NMI: all CPUs, LINT1 */
    e[1] = 6;
    e[2] = 0xff;
    put16(e + 3, 0);
    e[5] = 1;
    acpi_finish(t, len);
    return off;
}

/* IA-PC HPET 1.0a 3.2.4: the Event Timer Block ID repeats the first half
 * of the capabilities register; the base is a memory-space GAS (widths 0,
 * as QEMU's table has them); periodic ticks below HPET_MIN_TICK coalesce;
 * no page protection. */
static size_t build_hpet(AcpiBlob *b)
{
    const uint32_t len = 56;
    size_t off = blob_alloc(b, len, 8);
    if (b->oom) {
        return 0;
    }
    uint8_t *t = b->buf + off;
    acpi_header(t, "HPET", len, 1);
    put32(t + 36, HPET_CAP_ID_LO);              /* Event Timer Block ID */
    t[40] = 0;                                  /* GAS: system memory */
    put64(t + 44, HPET_BASE);
    t[52] = 0;                                  /* HPET number */
    put16(t + 53, HPET_MIN_TICK);               /* minimum periodic tick */
    t[55] = 0;                                  /* page protection: none */
    acpi_finish(t, len);
    return off;
}

static size_t build_sdt(AcpiBlob *b, const char *sig, const size_t *tables, int n,
                        unsigned entry_size)
{
    uint32_t len = ACPI_HDR_LEN + entry_size * n;
    size_t off = blob_alloc(b, len, 8);
    if (b->oom) {
        return 0;
    }
    uint8_t *t = b->buf + off;
    acpi_header(t, sig, len, 1);
    for (int i = 0; i < n; i++) {
        uint64_t addr = b->base + tables[i];
        if (entry_size == 4) {
            put32(t + ACPI_HDR_LEN + 4 * i, (uint32_t)addr);
        } else {
            put64(t + ACPI_HDR_LEN + 8 * i, addr);
        }
    }
    acpi_finish(t, len);
    return off;
}

void acpi_build_default_config(const Machine *m, AcpiBuildConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->nr_cpus = m->nr_cpus > 0 ? m->nr_cpus : 1;
    cfg->pm_io_base = ACPI_PM_IO_BASE;
    cfg->sci_irq = ACPI_SCI_IRQ;
    cfg->madt = true;
    cfg->ioapic_id = (uint8_t)cfg->nr_cpus;
    cfg->pci = m->pci_bus != NULL;
    /* the 32-bit window starts where RAM below 4 GiB ends; the 64-bit one
     * (2 GiB, as QEMU's i440fx) at the first GiB boundary above RAM */
    cfg->pci_hole_start = (uint32_t)m->below_4g;
    uint64_t top = (1ull << 32) + m->above_4g;
    cfg->pci_hole64_start = (top + (1ull << 30) - 1) & ~((1ull << 30) - 1);
    cfg->pci_hole64_end = cfg->pci_hole64_start + (2ull << 30);
    for (int i = 0; i < m->nr_devices; i++) {
        const char *name = m->devices[i].info->name;
        cfg->rtc |= !strcmp(name, "mc146818rtc");
        cfg->kbd |= !strcmp(name, "i8042");
        cfg->com1 |= !strcmp(name, "isa-serial");
        cfg->hpet |= !strcmp(name, "hpet");
        cfg->fw_cfg |= !strcmp(name, "fw_cfg");
    }
}

uint8_t *acpi_build_tables(const AcpiBuildConfig *cfg, uint64_t base, size_t *len,
                           uint64_t *rsdp_addr)
{
    if (!cfg || (base & 63) || base + ACPI_TABLES_MAX > (1ull << 32) ||
        cfg->nr_cpus < 1 || cfg->nr_cpus > 255 || !cfg->pm_io_base ||
        (cfg->pm_io_base & 0x3f)) {
        return NULL;
    }
    AcpiBlob b = { .base = base };
    size_t rsdp = blob_alloc(&b, 36, 16);
    size_t facs = build_facs(&b);
    size_t dsdt = build_dsdt(&b, cfg);
    size_t tables[3];
    int n = 0;
    tables[n++] = build_fadt(&b, cfg, facs, dsdt);
    if (cfg->madt) {
        tables[n++] = build_madt(&b, cfg);
    }
    if (cfg->hpet) {
        tables[n++] = build_hpet(&b);
    }
    size_t rsdt = build_sdt(&b, "RSDT", tables, n, 4);
    size_t xsdt = build_sdt(&b, "XSDT", tables, n, 8);
    if (b.oom || b.len > ACPI_TABLES_MAX) {
        free(b.buf);
        return NULL;
    }
    /* RSDP (5.2.5.3), revision 2 */
    uint8_t *r = b.buf + rsdp;
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, "EMU86 ", 6);
    r[15] = 2;
    put32(r + 16, (uint32_t)(base + rsdt));
    put32(r + 20, 36);
    put64(r + 24, base + xsdt);
    r[8] = acpi_checksum(r, 20);
    r[32] = acpi_checksum(r, 36);
    *len = b.len;
    if (rsdp_addr) {
        *rsdp_addr = base + rsdp;
    }
    return b.buf;
}

bool acpi_setup(Machine *m, const AcpiBuildConfig *cfg, uint64_t *rsdp_addr, char **err)
{
    size_t len = 0;
    uint64_t rsdp = 0;
    uint8_t *blob = acpi_build_tables(cfg, ACPI_TABLES_ADDR, &len, &rsdp);
    if (!blob) {
        if (err) {
            *err = strdup("ACPI: cannot build the tables (bad configuration)");
        }
        return false;
    }
    if (!phys_host_ptr(&m->mem, ACPI_TABLES_ADDR, len, true)) {
        free(blob);
        if (err) {
            *err = strdup("ACPI: the BIOS area at 0xE0000 is not RAM (a -bios image "
                          "is mapped there and owns the ACPI tables)");
        }
        return false;
    }
    phys_write(&m->mem, ACPI_TABLES_ADDR, blob, len);
    free(blob);
    if (rsdp_addr) {
        *rsdp_addr = rsdp;
    }
    return true;
}

bool acpi_piix4_pm_program(Machine *m, uint16_t base)
{
    const uint8_t devfn = PCI_DEVFN(1, 3);
    if (!m->pci_bus || !m->pci_bus->devices[devfn] || (base & 0x3f)) {
        return false;
    }
    pci_config_write(m->pci_bus, devfn, 0x40, base | 1u, 4);   /* PMBA */
    pci_config_write(m->pci_bus, devfn, 0x80, 0x01, 1);        /* PMIOSE */
    return pci_config_read(m->pci_bus, devfn, 0x40, 4) == (base | 1u);
}

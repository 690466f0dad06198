/*
 * hw/i386/acpi_build.h - ACPI tables for a directly booted kernel
 * (-kernel: no firmware builds them).
 *
 * Tables (ACPI 6.x chapter 5): RSDP (revision 2) -> RSDT and XSDT ->
 * FADT (revision 3) -> FACS, DSDT; MADT when the machine has local APICs
 * and an I/O APIC; HPET (IA-PC HPET 1.0a 3.2.4) when it has an HPET.
 * The DSDT describes the PCI host bridge (\_SB.PCI0: bus numbers, I/O and
 * memory windows, interrupt routing), the ISA devices behind it (RTC,
 * keyboard controller, COM1) and the HPET (\_SB.HPET), so an OS finds
 * them through ACPI as on a firmware-booted PC.  It also holds
 * \_S5 = {0, 0, 0, 0}: Linux's power-off
 * writes SLP_TYP 0 | SLP_EN to PM1a_CNT, which hw/acpi/piix4_pm.c turns
 * into a shutdown.  The PM1 and PM timer blocks sit in the PIIX4 PM I/O
 * window, which firmware normally places at 0x600 (PMBA): with -kernel
 * acpi_piix4_pm_program() does that instead.
 *
 * Placement: the whole blob (RSDP first) goes into [0xE0000, 0x100000),
 * which is RAM when no -bios image is mapped, which e820 reserves and
 * which Linux scans for "RSD PTR " (ACPI 6.x 5.2.5.1).
 */
#ifndef HW_I386_ACPI_BUILD_H
#define HW_I386_ACPI_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/machine.h"

#define ACPI_PM_IO_BASE     0x600     /* PMBA as QEMU's firmware sets it */
#define ACPI_SCI_IRQ        9
#define ACPI_TABLES_ADDR    0xE0000ull
#define ACPI_TABLES_MAX     0x10000u  /* [0xE0000, 0xF0000) */
#define ACPI_LAPIC_ADDR     0xFEE00000u
#define ACPI_IOAPIC_ADDR    0xFEC00000u

typedef struct AcpiBuildConfig {
    int nr_cpus;            /* Processor Local APIC entries, APIC IDs 0.. */
    uint16_t pm_io_base;    /* PIIX4 PMBA: PM1a_EVT = base, CNT = +4, TMR = +8 */
    uint8_t sci_irq;        /* FADT SCI_INT */
    bool madt;              /* emit a MADT (only with APIC models: without
                             * one Linux must stay in PIC mode) */
    uint8_t ioapic_id;      /* MADT I/O APIC ID (default nr_cpus, as MP
                             * tables number it; QEMU's MADT says 0) */
    /* What the DSDT describes (the devices the machine has): */
    bool pci;               /* \_SB.PCI0 with its windows and _PRT */
    uint32_t pci_hole_start;        /* 32-bit MMIO window [start, 0xFEC00000) */
    uint64_t pci_hole64_start, pci_hole64_end; /* 64-bit window, end exclusive */
    bool rtc, kbd, com1;    /* PNP0B00 at 0x70, PNP0303 at 0x60/0x64, PNP0501 at 0x3F8 */
    bool hpet;              /* an HPET table and \_SB.HPET (PNP0103) at 0xFED00000 */
    bool fw_cfg;            /* \_SB.FWCF (QEMU0002) at ports 0x510-0x51b */
} AcpiBuildConfig;

/* The defaults for m: its CPU count, PMBA 0x600, SCI 9, MADT on, I/O APIC
 * ID = CPU count. */
void acpi_build_default_config(const Machine *m, AcpiBuildConfig *cfg);

/* Builds all tables as one blob to be placed at guest address base (64-byte
 * aligned, below 4 GiB): the RSDP at offset 0, the tables after it, every
 * pointer and checksum final.  Returns malloc'd bytes (free()) and their
 * length in *len, or NULL on bad arguments.  *rsdp_addr = base. */
uint8_t *acpi_build_tables(const AcpiBuildConfig *cfg, uint64_t base, size_t *len,
                           uint64_t *rsdp_addr);

/* The DSDT's AML body (after the table header) for cfg: malloc'd bytes
 * and their length, or NULL when out of memory. */
uint8_t *acpi_build_dsdt_aml(const AcpiBuildConfig *cfg, size_t *len);

/* Builds the tables and writes them to guest RAM at ACPI_TABLES_ADDR.
 * Fails (with a malloc'd *err) if that area is not writable RAM, e.g. a
 * -bios image is mapped there (the firmware then owns ACPI). */
bool acpi_setup(Machine *m, const AcpiBuildConfig *cfg, uint64_t *rsdp_addr, char **err);

/* Do what firmware does for the PIIX4 PM function (00:01.3): PMBA = base,
 * PMREGMISC.PMIOSE = 1.  False if there is no PCI bus or no function
 * there.  The function's reset clears both: call again after a reset. */
bool acpi_piix4_pm_program(Machine *m, uint16_t base);

#endif

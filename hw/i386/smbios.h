/*
 * hw/i386/smbios.h - SMBIOS (DMI) tables for a directly booted kernel.
 *
 * Firmware describes the machine to the OS in SMBIOS structures (DMTF
 * DSP0134): BIOS (type 0), system (1), chassis (3), one processor per CPU
 * (4), the memory array and its devices (16, 17, 19), boot status (32) and
 * the end marker (127).  With -kernel no firmware runs, so emu86 writes
 * them like the ACPI tables: a 2.8 entry point ("_SM_", 16-byte aligned in
 * [0xF0000, 0x100000) where an OS scans for it) followed by the table.
 * Linux then prints "DMI: emu86 Standard PC (i440FX + PIIX, 1996), ..."
 * and dmidecode works in the guest.
 */
#ifndef HW_I386_SMBIOS_H
#define HW_I386_SMBIOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/machine.h"

#define SMBIOS_ADDR      0xF0000ull
#define SMBIOS_MAX       0x8000u     /* [0xF0000, 0xF8000) */

typedef struct SmbiosConfig {
    int nr_cpus;
    uint64_t ram_size;               /* bytes */
    uint64_t below_4g, above_4g;     /* where the RAM is mapped */
    const char *cpu_vendor;          /* CPUID vendor, e.g. "AuthenticAMD" */
    const char *cpu_brand;
    uint32_t cpuid_eax, cpuid_edx;   /* CPUID.1 signature and features */
} SmbiosConfig;

/* Entry point at offset 0 (for guest address base), structures after it.
 * Returns malloc'd bytes and their length, or NULL on bad arguments. */
uint8_t *smbios_build(const SmbiosConfig *cfg, uint64_t base, size_t *len);

/* Builds the tables for m and writes them to guest RAM at SMBIOS_ADDR.
 * False (malloc'd *err) when that area is not RAM (a -bios image owns it). */
bool smbios_setup(Machine *m, char **err);

#endif

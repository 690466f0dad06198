/*
 * hw/i386/e820.h - the PC's BIOS memory map (INT 15h AX=E820h format), as
 * handed to a kernel that is booted directly (-kernel: Linux zero page,
 * multiboot mmap).
 *
 * Layout (ACPI 6.x 15.x "System Address Map Interfaces"; address range
 * types 1 = memory, 2 = reserved):
 *   [0, 0x9fc00)            RAM
 *   [0x9fc00, 0xa0000)      reserved (where a BIOS keeps its EBDA)
 *   [0xe0000, 0x100000)     reserved: the BIOS area; with -kernel it is
 *                           RAM holding the ACPI tables and the RSDP
 *   [1 MiB, below_4g)       RAM
 *   [4 GiB - 256 KiB, 4 GiB) reserved (firmware at the top of 4 GiB)
 *   [4 GiB, 4 GiB + above)  RAM
 */
#ifndef HW_I386_E820_H
#define HW_I386_E820_H

#include <stdint.h>

#include "hw/machine.h"

#define E820_RAM      1
#define E820_RESERVED 2
#define E820_ACPI     3

#define E820_EBDA_START   0x9fc00ULL
#define E820_BIOS_START   0xe0000ULL
#define E820_TOP_RESERVED (256ULL << 10)
#define E820_MAX_ENTRIES  16

typedef struct E820Entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} E820Entry;

/* Fills out[] (at most max entries, sorted, non-overlapping) for m's RAM
 * (m->below_4g, m->above_4g) and returns how many were written. */
int e820_build(const Machine *m, E820Entry *out, int max);

#endif

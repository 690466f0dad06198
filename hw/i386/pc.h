/*
 * hw/i386/pc.h - the "pc" machine (i440FX-era PC without PCI yet): guest
 * memory layout, firmware mapping, default ISA devices and CPUs.
 */
#ifndef HW_I386_PC_H
#define HW_I386_PC_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/machine.h"

struct Options;

#define PC_4G            (1ULL << 32)
#define PC_VGA_HOLE      0xa0000ULL   /* [0xa0000, 0xc0000): VGA window, MMIO */
#define PC_ROM_START     0xc0000ULL   /* option ROM / shadow area, RAM here */
#define PC_1M            0x100000ULL
/* QEMU's i440FX rule: all RAM below 4 GiB up to 3.5 GiB; from 3.5 GiB of
 * RAM on, only 3 GiB below 4 GiB (gigabyte aligned) and the rest above. */
#define PC_LOWMEM_LIMIT  0xe0000000ULL
#define PC_LOWMEM_SPLIT  0xc0000000ULL
#define PC_BIOS_MAX      (16ULL << 20)
#define PC_ISA_BIOS_MAX  (128ULL << 10)

/* Allocate RAM (one anonymous mapping), lay out the RAM slots, load and map
 * the firmware image bios_path (NULL: none).  On error returns false with a
 * g_malloc'd message (no "emu86: " prefix) and leaves m partially set up:
 * call pc_machine_free(). */
bool pc_memory_init(Machine *m, uint64_t ram_size, const char *bios_path,
                    char **err);

/* The whole machine from the command line: memory, CPUs (created and reset,
 * not yet started), default devices, serial ports, -device entries.  NULL
 * with *err (g_free) on bad input. */
Machine *pc_machine_create(const struct Options *o, char **err);

/* Unmap memory and free what pc_memory_init allocated (tests; the emulator
 * itself just exits). */
void pc_machine_free(Machine *m);

/* COMn resources, n = 0..3 */
extern const struct PcSerialRes { uint16_t iobase; uint8_t irq; } pc_serial_res[4];

#endif

/*
 * hw/i386/e820.c - the memory map given to directly booted kernels.
 *
 * Design: one function derives the map from the machine's RAM sizes, so
 * the Linux zero page and the multiboot mmap cannot disagree.  See e820.h
 * for the layout and why each reserved range exists.
 */
#include "hw/i386/e820.h"

static int e820_add(E820Entry *out, int n, int max, uint64_t addr, uint64_t end,
                    uint32_t type)
{
    if (end > addr && n < max) {
        out[n].addr = addr;
        out[n].size = end - addr;
        out[n].type = type;
        n++;
    }
    return n;
}

int e820_build(const Machine *m, E820Entry *out, int max)
{
    const uint64_t one_mb = 0x100000, four_gb = 1ULL << 32;
    uint64_t low = m->below_4g;
    int n = 0;
    /* A machine smaller than 640 KiB gets only what it has. */
    n = e820_add(out, n, max, 0, low < E820_EBDA_START ? low : E820_EBDA_START,
                 E820_RAM);
    n = e820_add(out, n, max, E820_EBDA_START, 0xa0000, E820_RESERVED);
    n = e820_add(out, n, max, E820_BIOS_START, one_mb, E820_RESERVED);
    if (low > one_mb) {
        n = e820_add(out, n, max, one_mb, low, E820_RAM);
    }
    n = e820_add(out, n, max, four_gb - E820_TOP_RESERVED, four_gb, E820_RESERVED);
    if (m->above_4g) {
        n = e820_add(out, n, max, four_gb, four_gb + m->above_4g, E820_RAM);
    }
    return n;
}

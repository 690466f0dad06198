/*
 * hw/i386/smbios.c - SMBIOS 2.8 tables (DMTF DSP0134 3.x layouts of the
 * 2.8-era structures), see smbios.h.
 *
 * Design: each structure is its formatted area followed by its string set
 * (strings numbered from 1, the set ending in a double NUL), appended to a
 * growable buffer; handles are assigned in order so structures can name
 * each other (type 17 -> its type 16 array).  The 32-bit entry point comes
 * last because it carries the table's length, count and checksums.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/i386/smbios.h"
#include "target/i386/cpu.h"
#include "target/i386/cpuid.h"

#define EP_LEN 0x1f          /* 2.1+ 32-bit entry point */
#define EMU86_BIOS_VERSION "emu86"
/* The BIOS date QEMU's SeaBIOS reports.  Linux keys quirks on this year:
 * from 2021 on (AMD) rtc-cmos moves RTC alarms to an ACPI RTC event this
 * machine does not have, from 2023 on it ignores e820 reservations for
 * host bridge windows; with SeaBIOS's date it takes QEMU's paths. */
#define EMU86_BIOS_DATE "04/01/2014"

typedef struct SmbiosBuf {
    uint8_t *buf;
    size_t len, cap;
    bool oom;
    uint16_t next_handle;
    unsigned count;
    size_t max_struct;       /* largest structure, for the entry point */
} SmbiosBuf;

static uint8_t *sb_reserve(SmbiosBuf *b, size_t n)
{
    if (b->oom) {
        return NULL;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        while (cap < b->len + n) {
            cap *= 2;
        }
        uint8_t *nb = realloc(b->buf, cap);
        if (!nb) {
            b->oom = true;
            return NULL;
        }
        b->buf = nb;
        b->cap = cap;
    }
    uint8_t *p = b->buf + b->len;
    memset(p, 0, n);
    b->len += n;
    return p;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

static size_t sb_begin(SmbiosBuf *b, uint8_t type, uint8_t len, uint16_t *handle)
{
    size_t off = b->len;
    uint8_t *p = sb_reserve(b, len);
    if (!p) {
        return 0;
    }
    p[0] = type;
    p[1] = len;
    *handle = b->next_handle++;
    put16(p + 2, *handle);
    return off;
}

/* Appends the string set; returns nothing, string numbers are 1.. in
 * order of the non-NULL strings given. */
static void sb_strings(SmbiosBuf *b, size_t start, const char *const *s, unsigned n)
{
    bool any = false;
    for (unsigned i = 0; i < n; i++) {
        if (s[i] && *s[i]) {
            size_t l = strlen(s[i]) + 1;
            uint8_t *p = sb_reserve(b, l);
            if (p) {
                memcpy(p, s[i], l);
            }
            any = true;
        }
    }
    sb_reserve(b, any ? 1 : 2);    /* the set ends with a second NUL */
    b->count++;
    if (b->len - start > b->max_struct) {
        b->max_struct = b->len - start;
    }
}

/* String number of s[i] within the set (0 if NULL/empty). */
static uint8_t sb_strnum(const char *const *s, unsigned i)
{
    if (!s[i] || !*s[i]) {
        return 0;
    }
    uint8_t n = 0;
    for (unsigned j = 0; j <= i; j++) {
        n += s[j] && *s[j];
    }
    return n;
}

static void type0_bios(SmbiosBuf *b)
{
    uint16_t h;
    const char *s[] = { "emu86", EMU86_BIOS_VERSION, EMU86_BIOS_DATE };
    size_t off = sb_begin(b, 0, 0x18, &h);
    if (b->oom) {
        return;
    }
    uint8_t *p = b->buf + off;
    p[4] = sb_strnum(s, 0);                  /* vendor */
    p[5] = sb_strnum(s, 1);                  /* version */
    put16(p + 6, 0xe800);                    /* starting segment */
    p[8] = sb_strnum(s, 2);                  /* release date */
    p[9] = 0;                                /* ROM size: 64 KiB */
    put64(p + 0xa, 1ull << 3);               /* characteristics not supported */
    p[0x12] = 0;                             /* extension byte 1 */
    p[0x13] = 1u << 4;                       /* ext. 2: it is a virtual machine */
    p[0x14] = 0;                             /* BIOS major release */
    p[0x15] = 0;
    p[0x16] = 0xff;                          /* no embedded controller */
    p[0x17] = 0xff;
    sb_strings(b, off, s, 3);
}

static void type1_system(SmbiosBuf *b)
{
    uint16_t h;
    const char *s[] = { "emu86", "Standard PC (i440FX + PIIX, 1996)", "pc", NULL, NULL, "emu86" };
    size_t off = sb_begin(b, 1, 0x1b, &h);
    if (b->oom) {
        return;
    }
    uint8_t *p = b->buf + off;
    p[4] = sb_strnum(s, 0);                  /* manufacturer */
    p[5] = sb_strnum(s, 1);                  /* product name */
    p[6] = sb_strnum(s, 2);                  /* version */
    p[7] = sb_strnum(s, 3);                  /* serial number */
    /* UUID 0x08..0x17: all zero means "not present" */
    p[0x18] = 6;                             /* wake-up type: power switch */
    p[0x19] = sb_strnum(s, 4);               /* SKU */
    p[0x1a] = sb_strnum(s, 5);               /* family */
    sb_strings(b, off, s, 6);
}

static void type3_chassis(SmbiosBuf *b)
{
    uint16_t h;
    const char *s[] = { "emu86", "pc" };
    size_t off = sb_begin(b, 3, 0x16, &h);
    if (b->oom) {
        return;
    }
    uint8_t *p = b->buf + off;
    p[4] = sb_strnum(s, 0);                  /* manufacturer */
    p[5] = 1;                                /* type: other */
    p[6] = sb_strnum(s, 1);                  /* version */
    p[9] = 3;                                /* boot-up state: safe */
    p[0xa] = 3;                              /* power supply state */
    p[0xb] = 3;                              /* thermal state */
    p[0xc] = 2;                              /* security status: unknown */
    p[0x11] = 0;                             /* height: unspecified */
    p[0x12] = 0;                             /* power cords */
    sb_strings(b, off, s, 2);
}

static void type4_processor(SmbiosBuf *b, const SmbiosConfig *cfg, int cpu)
{
    uint16_t h;
    char socket[16];
    snprintf(socket, sizeof(socket), "CPU %d", cpu);
    const char *s[] = { socket, cfg->cpu_vendor, cfg->cpu_brand };
    size_t off = sb_begin(b, 4, 0x2a, &h);
    if (b->oom) {
        return;
    }
    uint8_t *p = b->buf + off;
    p[4] = sb_strnum(s, 0);                  /* socket designation */
    p[5] = 3;                                /* type: central processor */
    p[6] = 1;                                /* family: other */
    p[7] = sb_strnum(s, 1);                  /* manufacturer */
    put32(p + 8, cfg->cpuid_eax);            /* processor ID: CPUID.1 EAX, EDX */
    put32(p + 0xc, cfg->cpuid_edx);
    p[0x10] = sb_strnum(s, 2);               /* version */
    p[0x11] = 0;                             /* voltage: unknown */
    put16(p + 0x12, 0);                      /* external clock: unknown */
    put16(p + 0x14, 2000);                   /* max speed, MHz */
    put16(p + 0x16, 2000);                   /* current speed */
    p[0x18] = 0x41;                          /* socket populated, CPU enabled */
    p[0x19] = 1;                             /* upgrade: other */
    put16(p + 0x1a, 0xffff);                 /* no L1/L2/L3 cache structures */
    put16(p + 0x1c, 0xffff);
    put16(p + 0x1e, 0xffff);
    p[0x23] = 1;                             /* core count */
    p[0x24] = 1;                             /* cores enabled */
    p[0x25] = 1;                             /* thread count */
    put16(p + 0x26, 0x04);                   /* characteristics: 64-bit capable */
    put16(p + 0x28, 1);                      /* family 2: other */
    sb_strings(b, off, s, 3);
}

static void memory_structures(SmbiosBuf *b, const SmbiosConfig *cfg)
{
    uint16_t array = 0, h = 0;
    const char *none[] = { NULL };
    uint64_t kib = cfg->ram_size >> 10;

    /* type 16: the physical memory array */
    size_t off = sb_begin(b, 16, 0x17, &array);
    if (b->oom) {
        return;
    }
    uint8_t *p = b->buf + off;
    p[4] = 1;                                /* location: other */
    p[5] = 3;                                /* use: system memory */
    p[6] = 6;                                /* error correction: multi-bit ECC */
    if (kib < 0x80000000ull) {
        put32(p + 7, (uint32_t)kib);         /* maximum capacity, KiB */
    } else {
        put32(p + 7, 0x80000000u);
        put64(p + 0xf, cfg->ram_size);       /* extended maximum capacity */
    }
    put16(p + 0xb, 0xfffe);                  /* no error information */
    put16(p + 0xd, 1);                       /* one memory device */
    sb_strings(b, off, none, 0);

    /* type 17: one DIMM holding all of it */
    const char *s17[] = { "DIMM 0", "emu86" };
    off = sb_begin(b, 17, 0x28, &h);
    if (b->oom) {
        return;
    }
    p = b->buf + off;
    put16(p + 4, array);
    put16(p + 6, 0xfffe);                    /* no error information */
    put16(p + 8, 0xffff);                    /* total width unknown */
    put16(p + 0xa, 0xffff);                  /* data width unknown */
    uint64_t mib = cfg->ram_size >> 20;
    if (mib < 0x7fff) {
        put16(p + 0xc, (uint16_t)mib);       /* size, MiB */
    } else {
        put16(p + 0xc, 0x7fff);
        put32(p + 0x1c, (uint32_t)mib);      /* extended size */
    }
    p[0xe] = 9;                              /* form factor: DIMM */
    p[0x10] = sb_strnum(s17, 0);             /* device locator */
    p[0x12] = 7;                             /* type: RAM */
    put16(p + 0x13, 2);                      /* type detail: other */
    p[0x17] = sb_strnum(s17, 1);             /* manufacturer */
    sb_strings(b, off, s17, 2);

    /* type 19: where the array's memory appears, one per RAM range */
    const uint64_t ranges[2][2] = {
        { 0, cfg->below_4g },
        { 1ull << 32, (1ull << 32) + cfg->above_4g },
    };
    for (int i = 0; i < 2; i++) {
        if (ranges[i][1] <= ranges[i][0]) {
            continue;
        }
        off = sb_begin(b, 19, 0x1f, &h);
        if (b->oom) {
            return;
        }
        p = b->buf + off;
        uint64_t start = ranges[i][0] >> 10, end = (ranges[i][1] >> 10) - 1;
        if (end < 0xffffffffull) {
            put32(p + 4, (uint32_t)start);
            put32(p + 8, (uint32_t)end);
        } else {
            put32(p + 4, 0xffffffffu);
            put32(p + 8, 0xffffffffu);
            put64(p + 0xf, ranges[i][0]);    /* extended, in bytes */
            put64(p + 0x17, ranges[i][1] - 1);
        }
        put16(p + 0xc, array);
        p[0xe] = 1;                          /* partition width */
        sb_strings(b, off, none, 0);
    }
}

static void type32_boot(SmbiosBuf *b)
{
    uint16_t h;
    const char *none[] = { NULL };
    size_t off = sb_begin(b, 32, 0xb, &h);   /* status 0: no errors */
    sb_strings(b, off, none, 0);
}

static void type127_end(SmbiosBuf *b)
{
    uint16_t h;
    const char *none[] = { NULL };
    size_t off = sb_begin(b, 127, 4, &h);
    sb_strings(b, off, none, 0);
}

static uint8_t checksum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++) {
        s += p[i];
    }
    return (uint8_t)-s;
}

uint8_t *smbios_build(const SmbiosConfig *cfg, uint64_t base, size_t *len)
{
    if (!cfg || cfg->nr_cpus < 1 || cfg->nr_cpus > 255 || (base & 15) ||
        base + SMBIOS_MAX > (1ull << 32)) {
        return NULL;
    }
    SmbiosBuf b = { .next_handle = 0 };
    sb_reserve(&b, 32);                      /* entry point, filled last */
    type0_bios(&b);
    type1_system(&b);
    type3_chassis(&b);
    for (int i = 0; i < cfg->nr_cpus; i++) {
        type4_processor(&b, cfg, i);
    }
    memory_structures(&b, cfg);
    type32_boot(&b);
    type127_end(&b);
    size_t table_len = b.len - 32;
    if (b.oom || b.len > SMBIOS_MAX || table_len > 0xffff) {
        free(b.buf);
        return NULL;
    }
    /* 32-bit entry point (DSP0134 5.2.1) */
    uint8_t *ep = b.buf;
    memcpy(ep, "_SM_", 4);
    ep[5] = EP_LEN;
    ep[6] = 2;                               /* version 2.8 */
    ep[7] = 8;
    put16(ep + 8, (uint16_t)b.max_struct);
    ep[0xa] = 0;                             /* entry point revision */
    memcpy(ep + 0x10, "_DMI_", 5);
    put16(ep + 0x16, (uint16_t)table_len);
    put32(ep + 0x18, (uint32_t)(base + 32));
    put16(ep + 0x1c, (uint16_t)b.count);
    ep[0x1e] = 0x28;                         /* BCD revision 2.8 */
    ep[0x15] = checksum(ep + 0x10, 0xf);     /* intermediate checksum */
    ep[4] = checksum(ep, EP_LEN);
    *len = b.len;
    return b.buf;
}

bool smbios_setup(Machine *m, char **err)
{
    SmbiosConfig cfg = {
        .nr_cpus = m->nr_cpus > 0 ? m->nr_cpus : 1,
        .ram_size = m->ram_size,
        .below_4g = m->below_4g,
        .above_4g = m->above_4g,
        .cpu_vendor = "",
        .cpu_brand = "",
    };
    if (m->nr_cpus > 0) {
        uint32_t r[4];
        CPUX86State *env = &m->cpus[0]->env;
        const X86CPUModel *model = cpu_model(env);
        cpu_cpuid(env, 1, 0, r);
        cfg.cpuid_eax = r[0];
        cfg.cpuid_edx = r[3];
        cfg.cpu_vendor = model->vendor;
        cfg.cpu_brand = model->brand ? model->brand : "";
    }
    size_t len = 0;
    uint8_t *blob = smbios_build(&cfg, SMBIOS_ADDR, &len);
    if (!blob) {
        *err = strdup("SMBIOS: cannot build the tables");
        return false;
    }
    if (!phys_host_ptr(&m->mem, SMBIOS_ADDR, len, true)) {
        free(blob);
        *err = strdup("SMBIOS: the BIOS area at 0xF0000 is not RAM");
        return false;
    }
    phys_write(&m->mem, SMBIOS_ADDR, blob, len);
    free(blob);
    return true;
}

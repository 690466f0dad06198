/*
 * hw/nvram/fw_cfg.c - QEMU's firmware configuration interface ("fw_cfg"),
 * the I/O-port flavour a PC has: selector at 0x510 (16-bit write), data at
 * 0x511 (byte reads), DMA address at 0x514/0x518 (two big-endian 32-bit
 * halves, the write of the low half starts the transfer).
 *
 * Why emu86 has it: guests written for QEMU ask it how the machine looks.
 * kvm-unit-tests reads the CPU count (key 0x05) before it wakes the APs
 * (a missing device reads 0xffff and the test waits for 65535 CPUs);
 * SeaBIOS, OVMF and Linux's qemu_fw_cfg driver read the RAM size and the
 * "etc/e820" file.  The layout of the interface (keys, file directory,
 * DMA descriptor) is QEMU's documented one (docs/specs/fw_cfg.txt there);
 * the items offered are the ones a directly booted PC needs, listed in
 * docs/devices.md.
 *
 * Design: items are immutable byte strings built at realize time; the
 * selector picks one and resets the read offset; reads past the end give
 * 0 as in QEMU.  Guest writes through the data port are ignored (QEMU 2.4
 * and later).  A DMA transfer is bounded by the item (zeros past its end,
 * written in page-sized chunks) and reports an error bit for anything it
 * cannot do (a write: no item is writable).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/i386/e820.h"
#include "hw/machine.h"
#include "hw/nvram/fw_cfg.h"

#define FW_CFG_FILE_FIRST   0x20
#define FW_CFG_MAX_FILES    16
#define FW_CFG_FILE_NAME    56
#define FW_CFG_ARCH_ITEMS   8
#define FW_CFG_DMA_SIGNATURE 0x51454d5520434647ULL  /* "QEMU CFG" */

typedef struct FwCfgItem {
    uint8_t *data;
    uint32_t len;
} FwCfgItem;

typedef struct FwCfgState {
    Machine *m;
    bool nographic;
    /* generic keys 0x0000.. (fixed ones, then one per file) */
    FwCfgItem items[FW_CFG_FILE_FIRST + FW_CFG_MAX_FILES];
    FwCfgItem arch_items[FW_CFG_ARCH_ITEMS];   /* keys 0x8000.. */
    char file_names[FW_CFG_MAX_FILES][FW_CFG_FILE_NAME];
    int nr_files;
    uint16_t key;        /* last selector written */
    uint32_t offset;     /* read position in the selected item */
    uint64_t dma_addr;   /* high half latched by the 0x514 write */
} FwCfgState;

static FwCfgItem *fw_cfg_item(FwCfgState *s, uint16_t key)
{
    /* Bit 14 marks a write selection on old QEMUs; it names the same item. */
    uint16_t index = key & 0x3fff;
    if (key & FW_CFG_ARCH_LOCAL) {
        return index < FW_CFG_ARCH_ITEMS ? &s->arch_items[index] : NULL;
    }
    return index < sizeof(s->items) / sizeof(s->items[0]) ? &s->items[index] : NULL;
}

static void fw_cfg_set(FwCfgItem *item, const void *data, uint32_t len)
{
    free(item->data);
    item->data = malloc(len ? len : 1);
    if (!item->data) {
        item->len = 0;
        return;
    }
    memcpy(item->data, data, len);
    item->len = len;
}

static void fw_cfg_set_u16(FwCfgItem *item, uint16_t v)
{
    uint8_t b[2] = { v, v >> 8 };
    fw_cfg_set(item, b, sizeof(b));
}

static void fw_cfg_set_u32(FwCfgItem *item, uint32_t v)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++) {
        b[i] = v >> (8 * i);
    }
    fw_cfg_set(item, b, sizeof(b));
}

static void fw_cfg_set_u64(FwCfgItem *item, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++) {
        b[i] = v >> (8 * i);
    }
    fw_cfg_set(item, b, sizeof(b));
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The directory (key 0x19) is rebuilt after each file: a big-endian count,
 * then 64-byte entries { be32 size, be16 key, be16 reserved, name[56] }. */
static void fw_cfg_rebuild_dir(FwCfgState *s)
{
    uint32_t len = 4 + 64 * s->nr_files;
    uint8_t *dir = calloc(1, len);
    if (!dir) {
        return;
    }
    put_be32(dir, s->nr_files);
    for (int i = 0; i < s->nr_files; i++) {
        uint8_t *e = dir + 4 + 64 * i;
        uint16_t key = FW_CFG_FILE_FIRST + i;
        put_be32(e, s->items[key].len);
        e[4] = key >> 8;
        e[5] = key & 0xff;
        memcpy(e + 8, s->file_names[i], FW_CFG_FILE_NAME);
    }
    fw_cfg_set(&s->items[FW_CFG_FILE_DIR], dir, len);
    free(dir);
}

static bool fw_cfg_add_file(FwCfgState *s, const char *name, const void *data,
                            uint32_t len)
{
    if (s->nr_files >= FW_CFG_MAX_FILES || strlen(name) >= FW_CFG_FILE_NAME) {
        return false;
    }
    int i = s->nr_files++;
    memset(s->file_names[i], 0, FW_CFG_FILE_NAME);
    strcpy(s->file_names[i], name);
    fw_cfg_set(&s->items[FW_CFG_FILE_FIRST + i], data, len);
    fw_cfg_rebuild_dir(s);
    return true;
}

/* "etc/e820" holds QEMU's view: the RAM ranges only (firmware adds its own
 * reservations), as packed { le64 address, le64 length, le32 type }. */
static void fw_cfg_add_e820(FwCfgState *s)
{
    uint8_t buf[2 * 20];
    uint32_t len = 0;
    const struct { uint64_t addr, size; } ram[2] = {
        { 0, s->m->below_4g }, { 1ULL << 32, s->m->above_4g },
    };
    for (int i = 0; i < 2; i++) {
        if (!ram[i].size) {
            continue;
        }
        for (int b = 0; b < 8; b++) {
            buf[len + b] = ram[i].addr >> (8 * b);
            buf[len + 8 + b] = ram[i].size >> (8 * b);
        }
        buf[len + 16] = E820_RAM;
        buf[len + 17] = buf[len + 18] = buf[len + 19] = 0;
        len += 20;
    }
    fw_cfg_add_file(s, "etc/e820", buf, len);
}

static void fw_cfg_select(FwCfgState *s, uint16_t key)
{
    s->key = key;
    s->offset = 0;
}

static uint8_t fw_cfg_read_byte(FwCfgState *s)
{
    FwCfgItem *item = fw_cfg_item(s, s->key);
    if (!item || s->offset >= item->len) {
        return 0;
    }
    return item->data[s->offset++];
}

/* One DMA descriptor at gpa: { be32 control, be32 length, be64 address }.
 * The control word is written back as 0 on success or with the error bit. */
static void fw_cfg_dma(FwCfgState *s, uint64_t gpa)
{
    PhysMemory *pm = &s->m->mem;
    uint8_t desc[16];
    phys_read(pm, gpa, desc, sizeof(desc));
    uint32_t control = get_be32(desc);
    uint32_t length = get_be32(desc + 4);
    uint64_t addr = (uint64_t)get_be32(desc + 8) << 32 | get_be32(desc + 12);
    bool error = false;

    if (control & FW_CFG_DMA_SELECT) {
        fw_cfg_select(s, control >> 16);
    }
    FwCfgItem *item = fw_cfg_item(s, s->key);
    uint32_t avail = (item && s->offset < item->len) ? item->len - s->offset : 0;

    if (control & FW_CFG_DMA_READ) {
        uint32_t n = length < avail ? length : avail;
        if (n) {
            phys_write(pm, addr, item->data + s->offset, n);
        }
        /* Past the item's end the transfer reads zeros (QEMU's rule).  Up
         * to 4 GiB of them: only into RAM, so a hostile length cannot make
         * emu86 crawl through MMIO byte by byte. */
        static const uint8_t zeros[4096];
        for (uint64_t done = n; done < length;) {
            uint64_t chunk = length - done < sizeof(zeros) ? length - done : sizeof(zeros);
            if (!phys_host_ptr(pm, addr + done, chunk, true)) {
                error = true;
                break;
            }
            phys_write(pm, addr + done, zeros, chunk);
            done += chunk;
        }
        s->offset += n;
    } else if (control & FW_CFG_DMA_WRITE) {
        error = true;                   /* no item is writable */
    } else if (control & FW_CFG_DMA_SKIP) {
        s->offset += length < avail ? length : avail;
    }
    uint8_t status[4];
    put_be32(status, error ? FW_CFG_DMA_ERROR : 0);
    phys_write(pm, gpa, status, sizeof(status));
}

/* Ports 0x510-0x511: a 16-bit selector write at 0x510, byte reads at 0x511. */
static uint64_t fw_cfg_port_read(void *opaque, uint64_t offset, unsigned size)
{
    FwCfgState *s = opaque;
    if (offset == 1 && size == 1) {
        return fw_cfg_read_byte(s);
    }
    return 0;
}

static void fw_cfg_port_write(void *opaque, uint64_t offset, uint64_t value,
                              unsigned size)
{
    FwCfgState *s = opaque;
    if (offset == 0 && size == 2) {
        fw_cfg_select(s, (uint16_t)value);
    }
}

static const MemoryOps fw_cfg_port_ops = {
    .read = fw_cfg_port_read,
    .write = fw_cfg_port_write,
    .min_size = 1,
    .max_size = 2,
};

/* Ports 0x514-0x51b: the DMA address register, big-endian. */
static uint64_t fw_cfg_dma_read(void *opaque, uint64_t offset, unsigned size)
{
    /* The register reads as the signature "QEMU CFG" in byte order. */
    uint64_t sig = FW_CFG_DMA_SIGNATURE;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned byte = offset + i;
        v |= ((sig >> (8 * (7 - byte))) & 0xff) << (8 * i);
    }
    return v;
}

static void fw_cfg_dma_write(void *opaque, uint64_t offset, uint64_t value,
                             unsigned size)
{
    FwCfgState *s = opaque;
    if (size != 4) {
        return;
    }
    uint32_t half = __builtin_bswap32((uint32_t)value);
    if (offset == 0) {
        s->dma_addr = (uint64_t)half << 32;
    } else if (offset == 4) {
        uint64_t gpa = s->dma_addr | half;
        s->dma_addr = 0;
        fw_cfg_dma(s, gpa);
    }
}

static const MemoryOps fw_cfg_dma_ops = {
    .read = fw_cfg_dma_read,
    .write = fw_cfg_dma_write,
    .min_size = 1,
    .max_size = 4,
};

static bool fw_cfg_realize(void *opaque, Machine *m, const DeviceProps *p,
                           char **err)
{
    FwCfgState *s = opaque;
    uint64_t nographic;
    if (!device_prop_u64(p, "nographic", 0, &nographic, err)) {
        return false;
    }
    s->m = m;
    s->nographic = nographic != 0;

    static const uint8_t uuid[16];
    fw_cfg_set(&s->items[FW_CFG_SIGNATURE], "QEMU", 4);
    fw_cfg_set_u32(&s->items[FW_CFG_ID], FW_CFG_VERSION | FW_CFG_VERSION_DMA);
    fw_cfg_set(&s->items[FW_CFG_UUID], uuid, sizeof(uuid));
    fw_cfg_set_u64(&s->items[FW_CFG_RAM_SIZE], m->ram_size);
    fw_cfg_set_u16(&s->items[FW_CFG_NOGRAPHIC], s->nographic);
    fw_cfg_set_u16(&s->items[FW_CFG_NB_CPUS], m->nr_cpus);
    fw_cfg_set_u16(&s->items[FW_CFG_BOOT_MENU], 0);
    fw_cfg_set_u16(&s->items[FW_CFG_MAX_CPUS], m->nr_cpus);
    /* The PIT is wired to I/O APIC pin 2 (the MADT's override says so). */
    fw_cfg_set_u32(&s->arch_items[FW_CFG_IRQ0_OVERRIDE & 0xff], 1);
    fw_cfg_rebuild_dir(s);
    fw_cfg_add_e820(s);

    if (!as_map(&m->io, FW_CFG_IO_BASE, 2, &fw_cfg_port_ops, s, "fw_cfg") ||
        !as_map(&m->io, FW_CFG_IO_BASE + 4, 8, &fw_cfg_dma_ops, s, "fw_cfg-dma")) {
        *err = strdup("fw_cfg: I/O ports 0x510-0x51b already in use");
        return false;
    }
    return true;
}

static void fw_cfg_reset(void *opaque)
{
    FwCfgState *s = opaque;
    fw_cfg_select(s, FW_CFG_SIGNATURE);
    s->dma_addr = 0;
}

static const DeviceInfo fw_cfg_info = {
    .name = "fw_cfg",
    .desc = "QEMU firmware configuration interface (ports 0x510-0x51b)",
    .state_size = sizeof(FwCfgState),
    .props = (const char *const[]){ "nographic", NULL },
    .realize = fw_cfg_realize,
    .reset = fw_cfg_reset,
    .user_creatable = false,
};
DEVICE_REGISTER(fw_cfg_info)

/*
 * hw/i386/x86_boot.c - direct kernel boot: Linux bzImage (boot protocol
 * 2.06+, 32-bit entry) and Multiboot 0.6.96.
 *
 * Design: instead of running the kernel's 16-bit setup code (which needs a
 * BIOS), the loader does what that code would: it builds the zero page
 * (struct boot_params) itself and enters the protected-mode kernel at its
 * 32-bit entry point, as boot.rst's "32-bit boot protocol" allows.  The
 * multiboot path loads ELF32 PT_LOAD segments (or the a.out kludge address
 * fields) and builds the multiboot information structure.  Both write
 * only through phys_write() after checking that the target range is
 * writable RAM, and both describe the entry CPU state in an X86BootInfo so
 * the same code serves TCG and KVM (x86_boot_apply writes CPUX86State).
 *
 * Every number taken from the files (header fields, ELF program headers,
 * sizes) is bounds-checked before use: a hostile or truncated image gets a
 * clear error, never an out-of-range copy.  Addresses are computed in
 * 64 bits so 32-bit fields cannot wrap.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/i386/e820.h"
#include "hw/i386/x86_boot.h"
#include "target/i386/cpu.h"
#include "target/i386/cpuid.h"

/* boot.rst / zero-page.rst offsets */
#define BP_EXT_MEM_K       0x002
#define BP_ACPI_RSDP       0x070
#define BP_ALT_MEM_K       0x1e0
#define BP_E820_ENTRIES    0x1e8
#define BP_HDR_START       0x1f1
#define BP_HDR_MAX_END     0x290   /* struct setup_header ends before 0x290 */
#define BP_E820_TABLE      0x2d0
#define BP_E820_MAX        128
#define HDR_SETUP_SECTS    0x1f1
#define HDR_SYSSIZE        0x1f4
#define HDR_JUMP           0x200
#define HDR_MAGIC          0x202
#define HDR_VERSION        0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS      0x211
#define HDR_CODE32_START   0x214
#define HDR_RAMDISK_IMAGE  0x218
#define HDR_RAMDISK_SIZE   0x21c
#define HDR_CMD_LINE_PTR   0x228
#define HDR_INITRD_MAX     0x22c
#define HDR_KERNEL_ALIGN   0x230
#define HDR_RELOCATABLE    0x234
#define HDR_XLOADFLAGS     0x236
#define HDR_CMDLINE_SIZE   0x238
#define HDR_PREF_ADDRESS   0x258
#define HDR_INIT_SIZE      0x260
#define LOADED_HIGH        0x01

#define MB_HEADER_MAGIC    0x1BADB002u
#define MB_SEARCH          8192
#define MB_FLAG_AOUT_KLUDGE 0x10000u
#define MB_KNOWN_REQUIRED  0x7u      /* page align, memory info, video (ignored) */
#define MB_MAX_MODULES     64

static const uint64_t boot_gdt[4] = {
    0, 0,
    0x00cf9b000000ffffull,  /* 0x10: code, base 0, limit 4 GiB, 32-bit, execute/read */
    0x00cf93000000ffffull,  /* 0x18: data, base 0, limit 4 GiB, 32-bit, read/write */
};

static bool boot_fail(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool boot_fail(char **err, const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0) {
        s = NULL;
    }
    va_end(ap);
    if (err) {
        *err = s;
    } else {
        free(s);
    }
    return false;
}

static uint16_t rd16(const uint8_t *p) { return p[0] | (p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | ((uint32_t)rd16(p + 2) << 16); }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | ((uint64_t)rd32(p + 4) << 32); }
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr32(uint8_t *p, uint32_t v) { wr16(p, (uint16_t)v); wr16(p + 2, (uint16_t)(v >> 16)); }
static void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }

static uint64_t mib(uint64_t bytes) { return bytes >> 20; }

/* Reads a whole regular file of at most max bytes. */
static uint8_t *boot_read_file(const char *what, const char *path, uint64_t max,
                               size_t *len, char **err)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        boot_fail(err, "%s '%s': %s", what, path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        boot_fail(err, "%s '%s': not a regular file", what, path);
        close(fd);
        return NULL;
    }
    if ((uint64_t)st.st_size > max) {
        boot_fail(err, "%s '%s' is %llu MiB, larger than the guest RAM can hold (%llu MiB)",
                  what, path, (unsigned long long)mib(st.st_size),
                  (unsigned long long)mib(max));
        close(fd);
        return NULL;
    }
    size_t size = (size_t)st.st_size;
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) {
        boot_fail(err, "%s '%s': out of memory", what, path);
        close(fd);
        return NULL;
    }
    size_t done = 0;
    while (done < size) {
        ssize_t r = read(fd, buf + done, size - done);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            boot_fail(err, "%s '%s': %s", what, path, r < 0 ? strerror(errno) : "short read");
            free(buf);
            close(fd);
            return NULL;
        }
        done += (size_t)r;
    }
    close(fd);
    *len = size;
    return buf;
}

/* Is [gpa, gpa+len) entirely writable RAM? */
static bool boot_ram_ok(Machine *m, uint64_t gpa, uint64_t len)
{
    if (gpa + len < gpa) {
        return false;
    }
    while (len > 0) {
        const RamSlot *s = phys_find_slot(&m->mem, gpa);
        if (!s || s->readonly) {
            return false;
        }
        uint64_t n = s->size - (gpa - s->gpa);
        if (n > len) {
            n = len;
        }
        gpa += n;
        len -= n;
    }
    return true;
}

static bool boot_store(Machine *m, uint64_t gpa, const void *buf, uint64_t len,
                       const char *what, char **err)
{
    if (!boot_ram_ok(m, gpa, len)) {
        return boot_fail(err, "%s: [%#llx, %#llx) is not RAM of this machine", what,
                         (unsigned long long)gpa, (unsigned long long)(gpa + len));
    }
    phys_write(&m->mem, gpa, buf, len);
    return true;
}

static bool boot_zero(Machine *m, uint64_t gpa, uint64_t len, const char *what, char **err)
{
    static const uint8_t zeros[4096];
    if (!boot_ram_ok(m, gpa, len)) {
        return boot_fail(err, "%s: [%#llx, %#llx) is not RAM of this machine", what,
                         (unsigned long long)gpa, (unsigned long long)(gpa + len));
    }
    while (len > 0) {
        uint64_t n = len < sizeof(zeros) ? len : sizeof(zeros);
        phys_write(&m->mem, gpa, zeros, n);
        gpa += n;
        len -= n;
    }
    return true;
}

/* The flat GDT both protocols enter with, and the common entry state. */
static bool boot_common(Machine *m, uint64_t gdt_addr, X86BootInfo *out, char **err)
{
    uint8_t gdt[sizeof(boot_gdt)];
    for (int i = 0; i < 4; i++) {
        wr64(gdt + 8 * i, boot_gdt[i]);
        out->gdt[i] = boot_gdt[i];
    }
    out->gdt_base = gdt_addr;
    out->gdt_limit = sizeof(gdt) - 1;
    out->cs = X86_BOOT_CS;
    out->ds = X86_BOOT_DS;
    return boot_store(m, gdt_addr, gdt, sizeof(gdt), "boot GDT", err);
}

/* ---- Linux ---- */

bool x86_load_linux(Machine *m, const char *kernel, const char *initrd,
                    const char *cmdline, X86BootInfo *out, char **err)
{
    memset(out, 0, sizeof(*out));
    if (!kernel) {
        return boot_fail(err, "no kernel image given");
    }
    size_t len = 0;
    uint8_t *k = boot_read_file("kernel", kernel, m->ram_size, &len, err);
    if (!k) {
        return false;
    }
    bool ok = false;
    uint8_t *rd = NULL;
    uint8_t zp[4096];

    /* The boot sector and the setup header up to init_size. */
    if (len < HDR_INIT_SIZE + 4) {
        boot_fail(err, "kernel '%s': file too short for a Linux boot header (%zu bytes)",
                  kernel, len);
        goto out;
    }
    if (rd32(k + HDR_MAGIC) != 0x53726448) { /* "HdrS" */
        boot_fail(err, "kernel '%s': not a Linux bzImage (no \"HdrS\" boot header)", kernel);
        goto out;
    }
    uint16_t version = rd16(k + HDR_VERSION);
    out->protocol = version;
    if (version < 0x206) {
        boot_fail(err, "kernel '%s': boot protocol %u.%02u is too old (2.06 or newer needed)",
                  kernel, version >> 8, version & 0xff);
        goto out;
    }
    /* A 64-bit kernel (XLF_KERNEL_64, protocol 2.12+) on a model without
     * long mode: its real-mode setup would say so, but this loader enters
     * at the 32-bit entry, where the kernel only halts. */
    const X86CPUModel *model = m->cpus[0] ? cpu_model(&m->cpus[0]->env) : NULL;
    if (version >= 0x20c && (k[HDR_XLOADFLAGS] & 1) && model &&
        !(model->features[FEAT_8000_0001_EDX] & CPUID_EXT2_LM)) {
        boot_fail(err, "kernel '%s' is a 64-bit kernel and the -cpu model '%s' has no long "
                  "mode (CPUID 0x80000001 EDX.LM)", kernel, model->name);
        goto out;
    }
    if (!(k[HDR_LOADFLAGS] & LOADED_HIGH)) {
        boot_fail(err, "kernel '%s': a zImage (not loaded high) is not supported", kernel);
        goto out;
    }
    uint64_t setup_sects = k[HDR_SETUP_SECTS] ? k[HDR_SETUP_SECTS] : 4;
    uint64_t setup_size = (setup_sects + 1) * 512;
    if (setup_size >= len) {
        boot_fail(err, "kernel '%s': truncated (setup code of %llu bytes, file of %zu)",
                  kernel, (unsigned long long)setup_size, len);
        goto out;
    }
    uint64_t ksize = len - setup_size;
    uint64_t syssize = (uint64_t)rd32(k + HDR_SYSSIZE) * 16;
    if (syssize > ksize) {
        boot_fail(err, "kernel '%s': truncated (header says %llu bytes of kernel, "
                  "the file has %llu)", kernel, (unsigned long long)syssize,
                  (unsigned long long)ksize);
        goto out;
    }
    bool relocatable = k[HDR_RELOCATABLE] != 0;
    uint64_t pref = version >= 0x20a ? rd64(k + HDR_PREF_ADDRESS) : X86_BOOT_KERNEL_ADDR;
    uint64_t init_size = version >= 0x20a ? rd32(k + HDR_INIT_SIZE) : 0;
    uint64_t low = m->below_4g;
    if (pref < X86_BOOT_KERNEL_ADDR || pref >= (1ull << 32)) {
        pref = X86_BOOT_KERNEL_ADDR;
    }
    uint64_t need = ksize > init_size ? ksize : init_size;
    /* Load where the kernel runs from when it may: no self-relocation. */
    uint64_t load = X86_BOOT_KERNEL_ADDR;
    if (relocatable && pref + need <= low) {
        load = pref;
    }
    /* The decompressor moves the kernel to max(load, LOAD_PHYSICAL_ADDR
     * = pref_address) and needs init_size bytes there. */
    uint64_t target = load > pref ? load : pref;
    uint64_t kend = load + ksize;
    if (target + init_size > kend) {
        kend = target + init_size;
    }
    if (kend > low) {
        boot_fail(err, "kernel '%s' needs %llu MiB of RAM below 4 GiB, the machine has %llu MiB",
                  kernel, (unsigned long long)mib(kend + 0xfffff),
                  (unsigned long long)mib(low));
        goto out;
    }

    /* Command line: cmdline_size excludes the terminating NUL. */
    const char *cl = cmdline ? cmdline : "";
    size_t cl_len = strlen(cl);
    uint64_t cl_max = rd32(k + HDR_CMDLINE_SIZE);
    if (cl_max > X86_BOOT_CMDLINE_MAX - 1) {
        cl_max = X86_BOOT_CMDLINE_MAX - 1;
    }
    if (cl_len > cl_max) {
        boot_fail(err, "kernel command line is %zu bytes, the kernel accepts at most %llu",
                  cl_len, (unsigned long long)cl_max);
        goto out;
    }

    /* Initrd: as high as allowed, 4 KiB aligned, above the kernel. */
    size_t rd_len = 0;
    uint64_t rd_addr = 0;
    if (initrd) {
        rd = boot_read_file("initrd", initrd, low, &rd_len, err);
        if (!rd) {
            goto out;
        }
        uint64_t max = rd32(k + HDR_INITRD_MAX);   /* highest byte it may occupy */
        if (max > low - 1) {
            max = low - 1;
        }
        if (rd_len > max + 1 || ((max + 1 - rd_len) & ~0xfffull) < kend) {
            boot_fail(err, "initrd '%s' (%llu MiB) is too large: it must fit between the "
                      "kernel (up to %llu MiB) and %llu MiB", initrd,
                      (unsigned long long)mib(rd_len), (unsigned long long)mib(kend),
                      (unsigned long long)mib(max + 1));
            goto out;
        }
        rd_addr = (max + 1 - rd_len) & ~0xfffull;
    }

    /* Zero page: the file's setup header, then what the loader fills in. */
    memset(zp, 0, sizeof(zp));
    uint64_t hdr_end = 0x202 + (uint64_t)k[HDR_JUMP + 1];
    if (hdr_end > BP_HDR_MAX_END) {
        hdr_end = BP_HDR_MAX_END;
    }
    memcpy(zp + BP_HDR_START, k + BP_HDR_START, hdr_end - BP_HDR_START);
    zp[HDR_TYPE_OF_LOADER] = 0xff;              /* undefined loader id */
    wr32(zp + HDR_CODE32_START, (uint32_t)load);
    wr32(zp + HDR_CMD_LINE_PTR, X86_BOOT_CMDLINE_ADDR);
    wr32(zp + HDR_RAMDISK_IMAGE, (uint32_t)rd_addr);
    wr32(zp + HDR_RAMDISK_SIZE, (uint32_t)rd_len);
    uint64_t ext_k = low > X86_BOOT_KERNEL_ADDR ? (low - X86_BOOT_KERNEL_ADDR) >> 10 : 0;
    wr32(zp + BP_ALT_MEM_K, (uint32_t)ext_k);
    wr16(zp + BP_EXT_MEM_K, (uint16_t)(ext_k > 0xfc00 ? 0xfc00 : ext_k));
    /* screen_info stays zero: orig_video_isVGA = 0 and no text geometry,
     * so Linux uses no VGA console on this serial-only machine. */
    E820Entry map[E820_MAX_ENTRIES];
    int n = e820_build(m, map, E820_MAX_ENTRIES);
    zp[BP_E820_ENTRIES] = (uint8_t)n;
    for (int i = 0; i < n && i < BP_E820_MAX; i++) {
        uint8_t *e = zp + BP_E820_TABLE + 20 * i;
        wr64(e, map[i].addr);
        wr64(e + 8, map[i].size);
        wr32(e + 16, map[i].type);
    }

    if (!boot_store(m, load, k + setup_size, ksize, "kernel", err) ||
        !boot_store(m, X86_BOOT_CMDLINE_ADDR, cl, cl_len + 1, "command line", err) ||
        (rd && !boot_store(m, rd_addr, rd, rd_len, "initrd", err)) ||
        !boot_store(m, X86_BOOT_ZERO_PAGE_ADDR, zp, sizeof(zp), "zero page", err) ||
        !boot_common(m, X86_BOOT_GDT_ADDR, out, err)) {
        goto out;
    }
    out->multiboot = false;
    out->eip = (uint32_t)load;
    /* 32-bit boot protocol: ESI = boot_params; EBP, EDI, EBX zero.  ESP
     * is not used before the kernel sets its own stack; point it below
     * the zero page anyway. */
    out->regs[R_ESI] = X86_BOOT_ZERO_PAGE_ADDR;
    out->regs[R_ESP] = X86_BOOT_ZERO_PAGE_ADDR;
    out->kernel_addr = load;
    out->kernel_size = ksize;
    out->kernel_end = kend;
    out->initrd_addr = rd_addr;
    out->initrd_size = rd_len;
    out->cmdline_addr = X86_BOOT_CMDLINE_ADDR;
    out->boot_params = X86_BOOT_ZERO_PAGE_ADDR;
    ok = true;
out:
    free(rd);
    free(k);
    return ok;
}

void x86_boot_set_acpi_rsdp(Machine *m, const X86BootInfo *b, uint64_t rsdp)
{
    if (b->multiboot || !b->boot_params) {
        return;
    }
    uint8_t v[8];
    wr64(v, rsdp);
    if (boot_ram_ok(m, b->boot_params + BP_ACPI_RSDP, 8)) {
        phys_write(&m->mem, b->boot_params + BP_ACPI_RSDP, v, 8);
    }
}

/* ---- Multiboot ---- */

/* The multiboot info area: the boot GDT, the MBI with its memory map,
 * module list and loader name, and the command lines, at these offsets
 * from its base.  The base is X86_BOOT_GDT_ADDR unless the kernel has a
 * segment there (kvm-unit-tests' realmode test loads at 0x8000): then it
 * follows the kernel's last byte, as QEMU puts its info after the image. */
#define MB_AREA_MBI_OFF     (X86_BOOT_MBI_ADDR - X86_BOOT_GDT_ADDR)
#define MB_AREA_CMDLINE_OFF (X86_BOOT_CMDLINE_ADDR - X86_BOOT_GDT_ADDR)
#define MB_AREA_SIZE        (MB_AREA_CMDLINE_OFF + X86_BOOT_CMDLINE_MAX)

static bool mb_in_area(uint64_t start, uint64_t end)
{
    return start < X86_BOOT_GDT_ADDR + MB_AREA_SIZE && end > X86_BOOT_GDT_ADDR;
}

/* Kernel segments must stay clear of the real-mode IVT/BDA the guest may
 * use and of the ROM/VGA hole; the info area moves out of their way. */
static bool mb_check_area(uint64_t start, uint64_t end, const char *kernel, char **err)
{
    if (start < 0x500) {
        return boot_fail(err, "kernel '%s': segment [%#llx, %#llx) overlaps the real-mode "
                         "interrupt table and BIOS data area", kernel,
                         (unsigned long long)start, (unsigned long long)end);
    }
    return true;
}

/* ELF32 PT_LOAD segments at their physical addresses. */
static bool mb_load_elf(Machine *m, const char *kernel, const uint8_t *k, size_t len,
                        uint32_t *entry, uint64_t *kstart, uint64_t *kend, char **err)
{
    if (len < 52) {
        return boot_fail(err, "kernel '%s': truncated ELF header", kernel);
    }
    if (k[4] == 2) {
        return boot_fail(err, "kernel '%s': 64-bit ELF multiboot kernels are not supported "
                         "(give a 32-bit one)", kernel);
    }
    if (k[4] != 1 || k[5] != 1 || rd16(k + 18) != 3) {
        return boot_fail(err, "kernel '%s': not a little-endian i386 ELF32 file", kernel);
    }
    uint64_t phoff = rd32(k + 28), phentsize = rd16(k + 42), phnum = rd16(k + 44);
    if (phentsize < 32 || phnum == 0 || phoff + phentsize * phnum > len) {
        return boot_fail(err, "kernel '%s': bad or truncated ELF program headers", kernel);
    }
    uint32_t e_entry = rd32(k + 24);
    *entry = e_entry;
    *kstart = ~0ull;
    *kend = 0;
    int loads = 0;
    for (uint64_t i = 0; i < phnum; i++) {
        const uint8_t *ph = k + phoff + i * phentsize;
        if (rd32(ph) != 1) { /* PT_LOAD */
            continue;
        }
        uint64_t off = rd32(ph + 4), vaddr = rd32(ph + 8), paddr = rd32(ph + 12);
        uint64_t filesz = rd32(ph + 16), memsz = rd32(ph + 20);
        if (filesz > memsz || off + filesz > len) {
            return boot_fail(err, "kernel '%s': ELF segment %llu lies outside the file",
                             kernel, (unsigned long long)i);
        }
        if (memsz == 0) {
            continue;
        }
        if (paddr + memsz > m->below_4g) {
            return boot_fail(err, "kernel '%s': ELF segment at %#llx (%llu KiB) is beyond "
                             "the guest RAM below 4 GiB (%llu MiB)", kernel,
                             (unsigned long long)paddr, (unsigned long long)(memsz >> 10),
                             (unsigned long long)mib(m->below_4g));
        }
        if (!mb_check_area(paddr, paddr + memsz, kernel, err) ||
            !boot_store(m, paddr, k + off, filesz, "kernel segment", err) ||
            !boot_zero(m, paddr + filesz, memsz - filesz, "kernel bss", err)) {
            return false;
        }
        /* A kernel linked high enters at a virtual address: run it at the
         * physical copy of that byte. */
        if (e_entry >= vaddr && e_entry < vaddr + memsz) {
            *entry = (uint32_t)(paddr + (e_entry - vaddr));
        }
        if (paddr < *kstart) {
            *kstart = paddr;
        }
        if (paddr + memsz > *kend) {
            *kend = paddr + memsz;
        }
        loads++;
    }
    if (!loads) {
        return boot_fail(err, "kernel '%s': no loadable ELF segment", kernel);
    }
    return true;
}

/* Header flag 16: load_addr..load_end_addr from the file, bss to bss_end. */
static bool mb_load_aout(Machine *m, const char *kernel, const uint8_t *k, size_t len,
                         uint64_t hoff, uint32_t *entry, uint64_t *kstart, uint64_t *kend,
                         char **err)
{
    if (hoff + 32 > len) {
        return boot_fail(err, "kernel '%s': truncated multiboot header", kernel);
    }
    uint64_t header_addr = rd32(k + hoff + 12), load_addr = rd32(k + hoff + 16);
    uint64_t load_end = rd32(k + hoff + 20), bss_end = rd32(k + hoff + 24);
    *entry = rd32(k + hoff + 28);
    if (load_addr > header_addr || header_addr - load_addr > hoff) {
        return boot_fail(err, "kernel '%s': multiboot load_addr %#llx does not match the "
                         "header's place in the file", kernel, (unsigned long long)load_addr);
    }
    uint64_t file_off = hoff - (header_addr - load_addr);
    if (!load_end) {
        load_end = load_addr + (len - file_off);
    }
    if (load_end < load_addr || file_off + (load_end - load_addr) > len) {
        return boot_fail(err, "kernel '%s': multiboot load_end_addr %#llx is outside the file",
                         kernel, (unsigned long long)load_end);
    }
    if (bss_end && bss_end < load_end) {
        return boot_fail(err, "kernel '%s': multiboot bss_end_addr below load_end_addr", kernel);
    }
    uint64_t end = bss_end ? bss_end : load_end;
    if (end > m->below_4g) {
        return boot_fail(err, "kernel '%s' (up to %#llx) does not fit in the guest RAM below "
                         "4 GiB (%llu MiB)", kernel, (unsigned long long)end,
                         (unsigned long long)mib(m->below_4g));
    }
    if (!mb_check_area(load_addr, end, kernel, err) ||
        !boot_store(m, load_addr, k + file_off, load_end - load_addr, "kernel", err) ||
        !boot_zero(m, load_end, end - load_end, "kernel bss", err)) {
        return false;
    }
    *kstart = load_addr;
    *kend = end;
    return true;
}

/* Appends s (NUL included) to the string area; returns its guest address. */
static bool mb_add_string(Machine *m, uint64_t *cur, uint64_t limit, const char *s, size_t n,
                          uint32_t *addr, char **err)
{
    if (*cur + n + 1 > limit) {
        return boot_fail(err, "multiboot command lines exceed %u KiB",
                         X86_BOOT_CMDLINE_MAX >> 10);
    }
    const uint8_t nul = 0;
    phys_write(&m->mem, *cur, s, n);
    phys_write(&m->mem, *cur + n, &nul, 1);
    *addr = (uint32_t)*cur;
    *cur += n + 1;
    return true;
}

bool x86_load_multiboot(Machine *m, const char *kernel, const char *modules,
                        const char *cmdline, X86BootInfo *out, char **err)
{
    memset(out, 0, sizeof(*out));
    if (!kernel) {
        return boot_fail(err, "no kernel image given");
    }
    size_t len = 0;
    uint8_t *k = boot_read_file("kernel", kernel, m->ram_size, &len, err);
    if (!k) {
        return false;
    }
    bool ok = false;
    char *spec = NULL;
    /* Multiboot 3.1.1: a 32-bit aligned header within the first 8192 bytes */
    uint64_t hoff = 0;
    bool found = false;
    for (uint64_t off = 0; off + 12 <= len && off + 12 <= MB_SEARCH; off += 4) {
        uint32_t magic = rd32(k + off), flags = rd32(k + off + 4), sum = rd32(k + off + 8);
        if (magic == MB_HEADER_MAGIC && (uint32_t)(magic + flags + sum) == 0) {
            hoff = off;
            found = true;
            break;
        }
    }
    if (!found) {
        boot_fail(err, "kernel '%s': no multiboot header in the first %u bytes (and not a "
                  "Linux bzImage)", kernel, MB_SEARCH);
        goto out;
    }
    uint32_t flags = rd32(k + hoff + 4);
    if (flags & 0xffff & ~MB_KNOWN_REQUIRED) {
        boot_fail(err, "kernel '%s': multiboot header requires features %#x this loader "
                  "does not provide", kernel, flags & 0xffff & ~MB_KNOWN_REQUIRED);
        goto out;
    }
    uint32_t entry = 0;
    uint64_t kstart = 0, kend = 0;
    if (flags & MB_FLAG_AOUT_KLUDGE) {
        ok = mb_load_aout(m, kernel, k, len, hoff, &entry, &kstart, &kend, err);
    } else {
        ok = mb_load_elf(m, kernel, k, len, &entry, &kstart, &kend, err);
    }
    if (!ok) {
        goto out;
    }
    ok = false;

    uint64_t area = X86_BOOT_GDT_ADDR;
    if (mb_in_area(kstart, kend)) {
        area = (kend + 0xfff) & ~0xfffull;
        if (area + MB_AREA_SIZE > (kend <= E820_EBDA_START ? E820_EBDA_START : m->below_4g)) {
            boot_fail(err, "kernel '%s': no room for the multiboot information after "
                      "the kernel's end %#llx", kernel, (unsigned long long)kend);
            goto out;
        }
    }
    const uint64_t mbi_addr = area + MB_AREA_MBI_OFF;
    const uint64_t str_limit = area + MB_AREA_SIZE;
    uint8_t mbi[88];
    memset(mbi, 0, sizeof(mbi));
    uint64_t str = area + MB_AREA_CMDLINE_OFF;
    uint32_t addr;
    /* cmdline: "kernel args", as QEMU and GRUB pass it */
    char *kcl = NULL;
    if (asprintf(&kcl, "%s%s%s", kernel, cmdline && *cmdline ? " " : "",
                 cmdline ? cmdline : "") < 0) {
        boot_fail(err, "out of memory");
        goto out;
    }
    bool sok = mb_add_string(m, &str, str_limit, kcl, strlen(kcl), &addr, err);
    free(kcl);
    if (!sok) {
        goto out;
    }
    uint32_t mb_flags = 1u << 0 | 1u << 2 | 1u << 6 | 1u << 9;
    wr32(mbi + 16, addr);

    /* Modules, page aligned after the kernel. */
    uint8_t mods[MB_MAX_MODULES * 16];
    int nr_mods = 0;
    uint64_t cur = ((area > kend ? area + MB_AREA_SIZE : kend) + 0xfff) & ~0xfffull;
    if (cur < X86_BOOT_KERNEL_ADDR) {
        cur = X86_BOOT_KERNEL_ADDR;   /* a low kernel: keep modules out of the VGA hole */
    }
    if (modules && *modules) {
        spec = strdup(modules);
        if (!spec) {
            boot_fail(err, "out of memory");
            goto out;
        }
        char *p = spec;
        while (*p) {
            /* one item up to a single comma; ",," is a literal comma */
            char *item = p, *w = p;
            while (*p && !(*p == ',' && p[1] != ',')) {
                if (*p == ',') {
                    p++;
                }
                *w++ = *p++;
            }
            if (*p == ',') {
                p++;
            }
            *w = '\0';
            if (!*item) {
                continue;
            }
            if (nr_mods == MB_MAX_MODULES) {
                boot_fail(err, "more than %d multiboot modules", MB_MAX_MODULES);
                goto out;
            }
            char *path = strndup(item, strcspn(item, " "));
            size_t mlen = 0;
            uint8_t *mod = path ? boot_read_file("module", path, m->below_4g, &mlen, err) : NULL;
            if (!mod) {
                if (!path) {
                    boot_fail(err, "out of memory");
                }
                free(path);
                goto out;
            }
            bool fits = cur + mlen <= m->below_4g;
            if (!fits) {
                boot_fail(err, "module '%s' (%llu MiB) does not fit in the guest RAM after "
                          "the kernel (%llu MiB below 4 GiB)", path,
                          (unsigned long long)mib(mlen), (unsigned long long)mib(m->below_4g));
            }
            free(path);
            if (!fits || !boot_store(m, cur, mod, mlen, "module", err) ||
                !mb_add_string(m, &str, str_limit, item, strlen(item), &addr, err)) {
                free(mod);
                goto out;
            }
            free(mod);
            uint8_t *e = mods + 16 * nr_mods;
            wr32(e, (uint32_t)cur);
            wr32(e + 4, (uint32_t)(cur + mlen));
            wr32(e + 8, addr);
            wr32(e + 12, 0);
            nr_mods++;
            cur = (cur + mlen + 0xfff) & ~0xfffull;
        }
    }
    /* Info area: mbi, then the mmap, the module list, the loader name. */
    const uint64_t mmap_addr = mbi_addr + 0x100;
    const uint64_t mods_addr = mbi_addr + 0x400;
    const uint64_t name_addr = mods_addr + sizeof(mods);
    if (nr_mods) {
        mb_flags |= 1u << 3;
        wr32(mbi + 20, (uint32_t)nr_mods);
        wr32(mbi + 24, (uint32_t)mods_addr);
        phys_write(&m->mem, mods_addr, mods, 16 * nr_mods);
    }
    uint64_t low = m->below_4g;
    wr32(mbi + 4, (uint32_t)((low < E820_EBDA_START ? low : E820_EBDA_START) >> 10));
    wr32(mbi + 8, (uint32_t)(low > X86_BOOT_KERNEL_ADDR ? (low - X86_BOOT_KERNEL_ADDR) >> 10 : 0));
    E820Entry map[E820_MAX_ENTRIES];
    int n = e820_build(m, map, E820_MAX_ENTRIES);
    uint8_t mm[E820_MAX_ENTRIES * 24];
    for (int i = 0; i < n; i++) {
        uint8_t *e = mm + 24 * i;
        wr32(e, 20);                  /* size of the rest of the entry */
        wr64(e + 4, map[i].addr);
        wr64(e + 12, map[i].size);
        wr32(e + 20, map[i].type);
    }
    wr32(mbi + 44, (uint32_t)(24 * n));
    wr32(mbi + 48, (uint32_t)mmap_addr);
    static const char name[] = "emu86";
    wr32(mbi + 64, (uint32_t)name_addr);
    wr32(mbi + 0, mb_flags);
    if (!boot_store(m, mmap_addr, mm, 24 * n, "multiboot mmap", err) ||
        !boot_store(m, name_addr, name, sizeof(name), "multiboot info", err) ||
        !boot_store(m, mbi_addr, mbi, sizeof(mbi), "multiboot info", err) ||
        !boot_common(m, area, out, err)) {
        goto out;
    }
    out->multiboot = true;
    out->eip = entry;
    out->regs[R_EAX] = MULTIBOOT_BOOTLOADER_MAGIC;
    out->regs[R_EBX] = (uint32_t)mbi_addr;
    out->regs[R_ESP] = (uint32_t)mbi_addr;  /* undefined by the spec; 8 KiB free below */
    out->kernel_addr = kstart;
    out->kernel_size = kend - kstart;
    out->kernel_end = kend;
    out->cmdline_addr = area + MB_AREA_CMDLINE_OFF;
    out->boot_params = mbi_addr;
    out->nr_modules = nr_mods;
    ok = true;
out:
    free(spec);
    free(k);
    return ok;
}

bool x86_load_kernel(Machine *m, const char *kernel, const char *initrd,
                     const char *cmdline, X86BootInfo *out, char **err)
{
    uint8_t magic[4];
    bool bzimage = false;
    FILE *f = kernel ? fopen(kernel, "rb") : NULL;
    if (f) {
        bzimage = fseek(f, HDR_MAGIC, SEEK_SET) == 0 && fread(magic, 1, 4, f) == 4 &&
                  rd32(magic) == 0x53726448;
        fclose(f);
    }
    /* Missing files are reported by the loader with the reason. */
    if (bzimage) {
        return x86_load_linux(m, kernel, initrd, cmdline, out, err);
    }
    return x86_load_multiboot(m, kernel, initrd, cmdline, out, err);
}

void x86_boot_apply(X86CPU *cpu, const X86BootInfo *b)
{
    CPUX86State *env = &cpu->env;
    const uint32_t code = DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK |
                          DESC_A_MASK | DESC_B_MASK | DESC_G_MASK;
    const uint32_t data = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK |
                          DESC_B_MASK | DESC_G_MASK;
    for (int i = 0; i < 16; i++) {
        env->regs[i] = i < 8 ? b->regs[i] : 0;
    }
    for (int s = 0; s < NR_SEGS; s++) {
        env->segs[s] = (SegmentCache){ b->ds, 0, 0xffffffffu, data };
    }
    env->segs[R_CS] = (SegmentCache){ b->cs, 0, 0xffffffffu, code };
    env->gdt = (DescTable){ b->gdt_base, b->gdt_limit };
    /* Protected mode, paging off, caches on (as firmware leaves them). */
    env->cr[0] = CR0_PE | CR0_ET;
    env->cr[3] = 0;
    env->cr[4] = 0;
    env->efer = 0;
    cpu_set_eflags(env, EFLAGS_FIXED1, ~0ull);  /* IF = 0 */
    env->rip = b->eip;
    env->next_rip = b->eip;
    env->halted = false;
    env->a20_mask = ~0ull;
    mmu_tlb_flush(env);
    cpu_update_mode(env);
}

/*
 * hw/i386/x86_boot.h - booting a kernel directly (-kernel/-initrd/-append):
 * the Linux x86 boot protocol (Documentation/x86/boot.rst, 32-bit boot
 * protocol) and Multiboot 0.6.96.
 *
 * The loaders put the kernel, the initrd/modules, the command line, the
 * boot information (Linux zero page or multiboot info) and a flat GDT into
 * guest RAM and describe the CPU state the kernel expects at its entry in
 * an X86BootInfo.  x86_boot_apply() puts that state into the BSP; the APs
 * stay in their reset state waiting for INIT/SIPI as on real hardware.
 *
 * Guest RAM used by the loader (all below the 640 KiB EBDA, none of it
 * given to the kernel as reserved: every structure is consumed or copied
 * by the kernel before it reuses low memory):
 *   0x5000  GDT (4 entries: two null, 0x10 flat code, 0x18 flat data)
 *   0x7000  Linux zero page (struct boot_params, 4 KiB)
 *   0x9000  multiboot info, its mmap and module list (up to 0x10000)
 *   0x20000 command line(s) (up to 64 KiB)
 * Kernel at pref_address (relocatable bzImage that fits) or 1 MiB; the
 * initrd as high as allowed below min(initrd_addr_max, RAM below 4 GiB).
 *
 * Errors are returned as malloc'd messages (free()) naming the file: a bad
 * image is the user's problem, never a crash.
 */
#ifndef HW_I386_X86_BOOT_H
#define HW_I386_X86_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/machine.h"

struct X86CPU;

#define X86_BOOT_GDT_ADDR       0x5000u
#define X86_BOOT_ZERO_PAGE_ADDR 0x7000u
#define X86_BOOT_MBI_ADDR       0x9000u
#define X86_BOOT_MBI_END        0x10000u
#define X86_BOOT_CMDLINE_ADDR   0x20000u
#define X86_BOOT_CMDLINE_MAX    0x10000u
#define X86_BOOT_KERNEL_ADDR    0x100000u

/* Linux 32-bit boot protocol selectors (boot.rst "32-bit boot protocol") */
#define X86_BOOT_CS 0x10
#define X86_BOOT_DS 0x18

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u

typedef struct X86BootInfo {
    bool multiboot;          /* false: Linux bzImage */
    /* CPU state at the kernel entry: 32-bit flat protected mode, paging
     * off, interrupts off (EFLAGS = 0x2). */
    uint32_t eip;
    uint32_t regs[8];        /* EAX..EDI in encoding order (R_EAX...) */
    uint16_t cs, ds;         /* ds also goes to ES, SS, FS, GS */
    uint64_t gdt_base;       /* the GDT is already written to guest RAM */
    uint16_t gdt_limit;
    uint64_t gdt[4];         /* its descriptors, for reference/tests */
    /* Where things went (for logs, tests, reset) */
    uint64_t kernel_addr, kernel_size;  /* loaded image (bytes copied) */
    uint64_t kernel_end;                /* end of what the kernel may use */
    uint64_t initrd_addr, initrd_size;  /* Linux initrd, or 0 */
    uint64_t cmdline_addr;
    uint64_t boot_params;               /* zero page or multiboot info */
    uint16_t protocol;                  /* Linux boot protocol version */
    int nr_modules;                     /* multiboot */
} X86BootInfo;

/* Linux bzImage (boot protocol >= 2.06).  initrd and cmdline may be NULL.
 * Returns false with *err set on any problem with the files. */
bool x86_load_linux(Machine *m, const char *kernel, const char *initrd,
                    const char *cmdline, X86BootInfo *out, char **err);

/* Multiboot v1 kernel (ELF32 or the a.out kludge of header flag 16).
 * modules: QEMU's -initrd syntax, "file1 args,file2 args" (",," is a
 * literal comma); each becomes a module whose string is "file args". */
bool x86_load_multiboot(Machine *m, const char *kernel, const char *modules,
                        const char *cmdline, X86BootInfo *out, char **err);

/* -kernel: a bzImage ("HdrS") goes to x86_load_linux, anything with a
 * multiboot header to x86_load_multiboot (as QEMU decides). */
bool x86_load_kernel(Machine *m, const char *kernel, const char *initrd,
                     const char *cmdline, X86BootInfo *out, char **err);

/* Tell a Linux kernel where the ACPI RSDP is (boot_params.acpi_rsdp_addr,
 * zero-page offset 0x070) besides the legacy 0xE0000 scan.  No-op for
 * multiboot. */
void x86_boot_set_acpi_rsdp(Machine *m, const X86BootInfo *b, uint64_t rsdp);

/* Put the entry state into cpu (normally m->cpus[0], after cpu_x86_reset):
 * segments from the GDT in b, CR0.PE, EFLAGS 0x2, registers, EIP. */
void x86_boot_apply(struct X86CPU *cpu, const X86BootInfo *b);

#endif

/*
 * hw/i386/pc.c - building the PC machine.
 *
 * Design: guest RAM is ONE anonymous MAP_NORESERVE mapping of -m bytes, so
 * an unused 64 GiB guest costs nothing and KVM/TCG can index it directly.
 * The PC's physical map then shows windows of it as RAM slots:
 *
 *   [0, 0xa0000)              low RAM
 *   [0xa0000, 0xc0000)        VGA window (MMIO, unassigned for now)
 *   [0xc0000, isa_bios)       RAM (option ROM / shadow area)
 *   [isa_bios, 1 MiB)         last <= 128 KiB of the firmware, read-only
 *   [1 MiB, lowmem)           RAM
 *   [4 GiB - bios, 4 GiB)     the whole firmware, read-only (reset vector)
 *   [4 GiB, 4 GiB + above)    RAM above 4 GiB
 *
 * Each slot points into the one host mapping at the same offset as its
 * guest address (below 4 GiB) or at lowmem + (gpa - 4 GiB) above, like
 * QEMU's pc.  The firmware gets its own host buffer so the guest can never
 * modify it through a RAM alias.
 *
 * Devices are created through the registry by name (device_create), so this
 * file knows their names and ISA resources but not their internals.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/i386/acpi_build.h"
#include "hw/i386/pc.h"
#include "hw/i386/smbios.h"
#include "hw/i386/x86_boot.h"
#include "hw/intc/apic.h"
#include "hw/pci/pci.h"
#include "system/cpus.h"
#include "system/options.h"
#include "system/sysemu.h"
#include "target/i386/cpu.h"
#include "target/i386/cpuid.h"

const struct PcSerialRes pc_serial_res[4] = {
    { 0x3f8, 4 }, { 0x2f8, 3 }, { 0x3e8, 4 }, { 0x2e8, 3 },
};

static char *pc_bios_load(Machine *m, const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        return g_strdup_printf("could not load PC BIOS '%s': %s", path, g_strerror(errno));
    }
    struct stat st;
    int e = 0;
    if (fstat(fd, &st) < 0) {
        e = errno;
    } else if (!S_ISREG(st.st_mode)) {
        e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    }
    if (e) {
        close(fd);
        return g_strdup_printf("could not load PC BIOS '%s': %s", path, g_strerror(e));
    }
    uint64_t size = st.st_size;
    if (size == 0 || size % (64 << 10) || size > PC_BIOS_MAX) {
        close(fd);
        return g_strdup_printf("-bios %s: size %llu is not a multiple of 64 KiB "
                               "between 64 KiB and 16 MiB", path,
                               (unsigned long long)size);
    }
    /* mmap'd rather than malloc'd: page aligned for KVM memory slots. */
    uint8_t *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        close(fd);
        return g_strdup_printf("could not load PC BIOS '%s': %s", path, g_strerror(errno));
    }
    uint64_t done = 0;
    while (done < size) {
        ssize_t r = read(fd, buf + done, size - done);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            int e = r < 0 ? errno : EIO;
            munmap(buf, size);
            close(fd);
            return g_strdup_printf("could not load PC BIOS '%s': %s", path,
                                   g_strerror(e));
        }
        done += r;
    }
    close(fd);
    m->bios = buf;
    m->bios_size = size;
    return NULL;
}

/* Guest RAM: one anonymous mapping, 2 MiB aligned and marked for
 * transparent huge pages, so that a guest touching a large buffer takes one
 * host fault per 2 MiB instead of one per 4 KiB (under KVM the EPT/NPT
 * mappings get large pages too; under TCG the host TLB reach grows).  The
 * alignment is obtained by over-allocating and trimming both ends, so
 * munmap(ram, size) releases exactly what is returned. */
#define PC_RAM_ALIGN (2ull << 20)
static uint8_t *pc_ram_alloc(uint64_t size)
{
    uint64_t len = size + PC_RAM_ALIGN;
    uint8_t *raw = mmap(NULL, len, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED) {
        return NULL;
    }
    uint8_t *ram = (uint8_t *)(((uintptr_t)raw + PC_RAM_ALIGN - 1) & ~(uintptr_t)(PC_RAM_ALIGN - 1));
    if (ram > raw) {
        munmap(raw, ram - raw);
    }
    uint64_t tail = (uint64_t)((raw + len) - (ram + size));
    if (tail) {
        munmap(ram + size, tail);
    }
#ifdef MADV_HUGEPAGE
    madvise(ram, size, MADV_HUGEPAGE); /* a hint: failure is harmless */
#endif
    return ram;
}

bool pc_memory_init(Machine *m, uint64_t ram_size, const char *bios_path,
                    char **err)
{
    *err = NULL;
    as_init(&m->io, "io");
    as_init(&m->mem.mmio, "memory");

    if (ram_size == 0 || ram_size > (1ULL << 40)) {
        *err = g_strdup_printf("-m: invalid memory size %llu", (unsigned long long)ram_size);
        return false;
    }
    uint8_t *ram = pc_ram_alloc(ram_size);
    if (!ram) {
        *err = g_strdup_printf("cannot set up guest memory 'pc.ram' (%llu MiB): %s",
                               (unsigned long long)(ram_size >> 20), g_strerror(errno));
        return false;
    }
    m->ram = ram;
    m->ram_size = ram_size;
    uint64_t lowmem = ram_size >= PC_LOWMEM_LIMIT ? PC_LOWMEM_SPLIT : ram_size;
    m->below_4g = lowmem;
    m->above_4g = ram_size - lowmem;

    if (bios_path) {
        *err = pc_bios_load(m, bios_path);
        if (*err) {
            return false;
        }
    }
    uint64_t isa_bios_size = m->bios ? MIN(m->bios_size, PC_ISA_BIOS_MAX) : 0;
    uint64_t isa_bios = PC_1M - isa_bios_size;

    bool ok = true;
    ok &= phys_add_slot(&m->mem, 0, MIN(lowmem, PC_VGA_HOLE), ram, false, "pc.ram-low");
    if (lowmem > PC_ROM_START) {
        ok &= phys_add_slot(&m->mem, PC_ROM_START, MIN(lowmem, isa_bios) - PC_ROM_START,
                            ram + PC_ROM_START, false, "pc.ram-rom-area");
    }
    if (lowmem > PC_1M) {
        ok &= phys_add_slot(&m->mem, PC_1M, lowmem - PC_1M, ram + PC_1M, false,
                            "pc.ram");
    }
    if (m->above_4g) {
        ok &= phys_add_slot(&m->mem, PC_4G, m->above_4g, ram + lowmem, false,
                            "pc.ram-above-4g");
    }
    if (m->bios) {
        ok &= phys_add_slot(&m->mem, PC_4G - m->bios_size, m->bios_size, m->bios,
                            true, "pc.bios");
        ok &= phys_add_slot(&m->mem, isa_bios, isa_bios_size,
                            m->bios + m->bios_size - isa_bios_size, true, "isa-bios");
    }
    if (!ok) {
        /* Only a layout bug can get here (slots overlap or run out). */
        *err = g_strdup("internal error: cannot map guest memory slots");
        return false;
    }
    return true;
}

/* Whether device `name` declares property `key`: default devices get only
 * the properties their model knows, so the board keeps working while a
 * model is simpler than the board would like. */
static bool pc_dev_has_prop(const char *name, const char *key)
{
    const DeviceInfo *info = device_find(name);
    for (int i = 0; info && info->props && info->props[i]; i++) {
        if (!strcmp(info->props[i], key)) {
            return true;
        }
    }
    return false;
}

static bool pc_add_device(Machine *m, const char *name, const char *opts, char **err)
{
    char *derr = NULL;
    if (!device_create(m, name, opts, &derr)) {
        *err = g_strdup_printf("cannot create device %s: %s", name,
                               derr ? derr : "unknown error");
        free(derr);
        return false;
    }
    return true;
}

static bool pc_serial_init(Machine *m, const Options *o, char **err)
{
    for (int i = 0; i < o->nr_serial && i < 4; i++) {
        if (!strcmp(o->serial[i], "none")) {
            continue;   /* QEMU: no port at this index */
        }
        char *cerr = NULL;
        m->serial_chr[i] = chardev_new(o->serial[i], &cerr);
        if (!m->serial_chr[i]) {
            *err = g_strdup_printf("-serial %s: %s", o->serial[i],
                                   cerr ? cerr : "cannot open character backend");
            free(cerr);
            return false;
        }
        GString *props = g_string_new("");
        if (pc_dev_has_prop("isa-serial", "chardev")) {
            g_string_append_printf(props, "chardev=%d,", i);
        }
        if (pc_dev_has_prop("isa-serial", "iobase")) {
            g_string_append_printf(props, "iobase=0x%x,", pc_serial_res[i].iobase);
        }
        if (pc_dev_has_prop("isa-serial", "irq")) {
            g_string_append_printf(props, "irq=%d,", pc_serial_res[i].irq);
        }
        if (props->len) {
            g_string_truncate(props, props->len - 1);
        }
        bool ok = pc_add_device(m, "isa-serial", props->str, err);
        g_string_free(props, TRUE);
        if (!ok) {
            return false;
        }
    }
    return true;
}

static bool pc_user_devices_init(Machine *m, const Options *o, char **err)
{
    for (int i = 0; o->devices && o->devices[i]; i++) {
        const char *spec = o->devices[i];
        const char *comma = strchr(spec, ',');
        char *name = comma ? g_strndup(spec, comma - spec) : g_strdup(spec);
        const DeviceInfo *info = device_find(name);
        char *derr = NULL;
        if (!info) {
            *err = g_strdup_printf("-device %s: '%s' is not a valid device model name "
                                   "(try -device help)", spec, name);
        } else if (!info->user_creatable) {
            *err = g_strdup_printf("-device %s: device '%s' can not be created with "
                                   "-device", spec, name);
        } else if (!device_create(m, name, comma ? comma + 1 : "", &derr)) {
            *err = g_strdup_printf("-device %s: %s", spec, derr ? derr : "failed");
            free(derr);
        }
        g_free(name);
        if (*err) {
            return false;
        }
    }
    return true;
}

/* ---- local APIC to CPU wiring: each callback only sets the CPU's request
 * bit and wakes its thread; the vCPU loop does the rest. ---- */
static void pc_cpu_request(X86CPU *cpu, int bit, int level)
{
    if (level) {
        __atomic_fetch_or(&cpu->interrupt_request, bit, __ATOMIC_SEQ_CST);
        cpus_kick(cpu);
    } else {
        __atomic_fetch_and(&cpu->interrupt_request, ~bit, __ATOMIC_SEQ_CST);
    }
}

static void pc_apic_set_intr(void *opaque, int level)
{
    pc_cpu_request(opaque, CPU_INTERRUPT_HARD, level);
}

static void pc_apic_nmi(void *opaque)
{
    pc_cpu_request(opaque, CPU_INTERRUPT_NMI, 1);
}

static void pc_apic_init(void *opaque)
{
    pc_cpu_request(opaque, CPU_INTERRUPT_INIT, 1);
}

static void pc_apic_sipi(void *opaque, uint8_t vector)
{
    X86CPU *cpu = opaque;
    cpu->sipi_vector = vector;
    pc_cpu_request(cpu, CPU_INTERRUPT_SIPI, 1);
}

static const ApicCpuOps pc_apic_cpu_ops = {
    .set_intr = pc_apic_set_intr,
    .nmi = pc_apic_nmi,
    .init = pc_apic_init,
    .sipi = pc_apic_sipi,
};

/* One local APIC per CPU (when the model is built in), then the device that
 * maps their page at 0xfee00000 and resets them with the machine. */
static bool pc_apic_init_all(Machine *m, char **err)
{
    if (!device_find("apic")) {
        return true;
    }
    for (int i = 0; i < m->nr_cpus; i++) {
        if (!apic_create(m, i, &pc_apic_cpu_ops, m->cpus[i])) {
            *err = g_strdup_printf("cannot create the local APIC of CPU %d", i);
            return false;
        }
        m->cpus[i]->env.apic_base = apic_get_base(apic_find(m, i));
    }
    return pc_add_device(m, "apic", "", err);
}

/* A machine whose devices could not all be created.  Devices have no
 * destroy hook, so it cannot be taken apart: its big mappings are released
 * and the rest is kept (reachable) until the process exits, which is what
 * the caller does next. */
static Machine *pc_abandoned;

static void pc_machine_abandon(Machine *m)
{
    if (m->ram) {
        munmap(m->ram, m->ram_size);
        m->ram = NULL;
    }
    if (m->bios) {
        munmap(m->bios, m->bios_size);
        m->bios = NULL;
    }
    pc_abandoned = m;
}

/* -kernel (docs/boot.md): the kernel (bzImage or multiboot) and its
 * initrd/modules, the ACPI tables in the BIOS area (RAM without -bios),
 * the PIIX4 PM window where the tables say, and the BSP at the kernel's
 * 32-bit entry.  After every device exists: the tables describe them. */
static struct { char *kernel, *initrd, *append; } pc_boot_files;

static bool pc_kernel_load(Machine *m, char **err)
{
    X86BootInfo boot;
    char *berr = NULL;
    if (!x86_load_kernel(m, pc_boot_files.kernel, pc_boot_files.initrd,
                         pc_boot_files.append, &boot, &berr)) {
        *err = g_strdup(berr ? berr : "cannot load the kernel");
        free(berr);
        return false;
    }
    if (acpi_piix4_pm_program(m, ACPI_PM_IO_BASE)) {
        AcpiBuildConfig cfg;
        uint64_t rsdp = 0;
        acpi_build_default_config(m, &cfg);
        /* a MADT only when the machine has the APICs it describes */
        cfg.madt = false;
        for (int i = 0; i < m->nr_devices; i++) {
            if (!strcmp(m->devices[i].info->name, "ioapic")) {
                cfg.madt = true;
            }
        }
        if (!acpi_setup(m, &cfg, &rsdp, &berr)) {
            *err = g_strdup(berr ? berr : "cannot build the ACPI tables");
            free(berr);
            return false;
        }
        x86_boot_set_acpi_rsdp(m, &boot, rsdp);
    }
    if (!smbios_setup(m, &berr)) {
        *err = g_strdup(berr);
        free(berr);
        return false;
    }
    x86_boot_apply(m->cpus[0], &boot);
    /* No firmware ran: give the PCI functions' BARs addresses in the
     * windows the DSDT describes (I/O from 0xc000, memory down from the
     * I/O APIC), as SeaBIOS does before a QEMU -kernel boot, ... */
    if (m->pci_bus) {
        pci_bus_assign_bars(m->pci_bus, 0xc000, (uint32_t)m->below_4g, 0xfec00000u);
    }
    /* ... program the MTRRs of every CPU as it would (the
     * OS wants them identical on all CPUs) ... */
    for (int i = 0; i < m->nr_cpus; i++) {
        cpu_mtrr_firmware_setup(&m->cpus[i]->env, m->below_4g, m->above_4g);
    }
    /* ... and leave the BSP's LAPIC as a BIOS would (software
     * enabled, LINT0 ExtINT for the 8259, LINT1 NMI), as QEMU's firmware
     * does before it jumps to a -kernel. */
    ApicState *apic = apic_find(m, 0);
    if (apic) {
        apic_setup_virtual_wire(apic);
    }
    /* The keyboard controller's command byte as PC firmware leaves it:
     * keyboard interrupt on, system flag set, scan codes translated to
     * set 1 (an OS then says "AT Translated Set 2 keyboard", as on QEMU).
     * Written through the ports, as firmware does. */
    for (int i = 0; i < m->nr_devices; i++) {
        if (!strcmp(m->devices[i].info->name, "i8042")) {
            as_write(&m->io, 0x64, 1, 0x60);        /* write command byte */
            as_write(&m->io, 0x60, 1, 0x45);        /* XLATE | SYS | KBDINT */
        }
    }
    return true;
}

/* m->boot_reset: a reboot loads the files again. */
static void pc_kernel_reset(Machine *m)
{
    char *err = NULL;
    if (!pc_kernel_load(m, &err)) {
        error_report("reset: %s", err);
        g_free(err);
        machine_request_shutdown(m, 1);
    }
}

static bool pc_kernel_boot(Machine *m, const Options *o, char **err)
{
    pc_boot_files.kernel = g_strdup(o->kernel);
    pc_boot_files.initrd = g_strdup(o->initrd);
    pc_boot_files.append = g_strdup(o->append);
    m->boot_reset = pc_kernel_reset;
    return pc_kernel_load(m, err);
}

Machine *pc_machine_create(const Options *o, char **err)
{
    Machine *m = calloc(1, sizeof(*m));
    if (!m) {
        *err = g_strdup("out of memory");
        return NULL;
    }
    m->no_reboot = o->no_reboot;
    if (!pc_memory_init(m, o->ram_size, o->bios, err)) {
        pc_machine_free(m);
        return NULL;
    }
    /* CPUs first: interrupt controllers may touch the CPU INTR line
     * (machine_set_cpu_intr) as soon as they are realized or reset.
     * Power-on: every CPU's TSC starts counting now. */
    m->tsc_epoch = clock_ns();
    for (int i = 0; i < o->smp; i++) {
        X86CPU *cpu = calloc(1, sizeof(*cpu));
        if (!cpu) {
            *err = g_strdup("out of memory");
            pc_machine_free(m);
            return NULL;
        }
        cpu_x86_init(cpu, m, i);
        /* -cpu NAME (options.c accepted only known names) */
        const X86CPUModel *model = o->cpu ? o->cpu : x86_model_find(o->cpu_model);
        if (model) {
            cpu->env.model = model;
        }
        cpu_x86_reset(cpu);
        m->cpus[i] = cpu;
        m->nr_cpus = i + 1;
    }
    /* The PIC first: it wires m->isa_irq[] that the others use.  The
     * keyboard controller, the PCI host bridge and its PM function are
     * created when their models are built in (a PC without them still runs
     * ISA-only firmware). */
    if (!pc_apic_init_all(m, err)) {
        pc_machine_abandon(m);
        return NULL;
    }
    /* The I/O APIC after the PIC: it chains m->isa_irq[] so each ISA line
     * drives both (IRQ0 -> pin 2 as the MADT will say).  The HPET after
     * the I/O APIC: it chains IRQ0 and IRQ8 in front of both, to cut the
     * PIT and the RTC off in legacy replacement mode. */
    static const struct { const char *name; bool optional; } defaults[] = {
        { "i8259", false }, { "ioapic", true }, { "i8254", false }, { "mc146818rtc", false },
        { "hpet", true }, { "ioport80", false }, { "i8042", true }, { "i440fx", true },
        { "piix4-pm", true }, { "fw_cfg", true },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(defaults); i++) {
        const char *name = defaults[i].name;
        const char *opts = "";
        if (defaults[i].optional && !device_find(name)) {
            continue;
        }
        if (!strcmp(name, "mc146818rtc") && o->rtc_localtime &&
            pc_dev_has_prop(name, "base")) {
            opts = "base=localtime";
        }
        if (!strcmp(name, "fw_cfg") && o->nographic) {
            opts = "nographic=1";
        }
        if (!pc_add_device(m, name, opts, err)) {
            pc_machine_abandon(m);
            return NULL;
        }
    }
    if (!pc_serial_init(m, o, err) || !pc_user_devices_init(m, o, err) ||
        (o->kernel && !pc_kernel_boot(m, o, err))) {
        pc_machine_abandon(m);
        return NULL;
    }
    return m;
}

void pc_machine_free(Machine *m)
{
    if (!m) {
        return;
    }
    /* Devices and chardevs have no destroy hook in the contract: they live
     * until exit.  Only the big host mappings are released here. */
    if (m->ram) {
        munmap(m->ram, m->ram_size);
    }
    if (m->bios) {
        munmap(m->bios, m->bios_size);
    }
    if (apic_find(m, 0)) {
        apic_machine_cleanup(m);
    }
    for (int i = 0; i < m->nr_cpus; i++) {
        free(m->cpus[i]);
        m->cpus[i] = NULL;
    }
    as_destroy(&m->io);
    as_destroy(&m->mem.mmio);
    free(m);
}

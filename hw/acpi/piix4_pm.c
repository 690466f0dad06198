/*
 * hw/acpi/piix4_pm.c - the power-management function of the PIIX4
 * (00:01.3): the ACPI PM1 event/control registers and the PM timer in an
 * I/O window the guest places through PCI configuration space.
 *
 * Guests find it as QEMU's "pc" machine offers it: PMBA (config 0x40)
 * gives the I/O base, PMREGMISC bit 0 (config 0x80) enables the window.
 * Writing PM1a_CNT with SLP_EN and SLP_TYP = 0 powers the machine off (the
 * \_S5 sleep type this machine's firmware tables will announce).
 * Registers (PIIX4 datasheet 7.2; ACPI 6.x 4.8.3):
 *   +0 PM1a_STS (write 1 to clear)   +2 PM1a_EN   +4 PM1a_CNT
 *   +8 PM_TMR: 24-bit free-running counter at 3.579545 MHz
 */
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"
#include "hw/pci/pci.h"
#include "system/sysemu.h"

#define PM_IO_SIZE 64
#define PM_TIMER_HZ 3579545ull
#define PM1_CNT_SCI_EN  0x0001
#define PM1_CNT_SLP_EN  0x2000
#define PM1_CNT_SLP_TYP_SHIFT 10
#define PM1_STS_TMR     0x0001
#define PM1_STS_WAK     0x8000

typedef struct PIIX4PMState {
    Machine *m;
    PCIDevice pci;
    uint64_t io_base;      /* 0 when the window is not mapped */
    uint16_t pm1_sts, pm1_en, pm1_cnt;
} PIIX4PMState;

static uint32_t pm_timer_now(void)
{
    /* ns * 3579545 / 1e9 without overflow for centuries of uptime */
    unsigned __int128 t = (unsigned __int128)clock_ns() * PM_TIMER_HZ;
    return (uint32_t)(t / 1000000000u) & 0xffffff;
}

static uint64_t pm_io_read(void *opaque, uint64_t off, unsigned size)
{
    PIIX4PMState *s = opaque;
    switch (off) {
    case 0: return s->pm1_sts;
    case 2: return s->pm1_en;
    case 4: return s->pm1_cnt;
    case 8: return pm_timer_now();
    default: return 0;
    }
}

static void pm_io_write(void *opaque, uint64_t off, uint64_t value, unsigned size)
{
    PIIX4PMState *s = opaque;
    switch (off) {
    case 0:
        s->pm1_sts &= (uint16_t)~value;
        break;
    case 2:
        s->pm1_en = (uint16_t)value;
        break;
    case 4:
        /* SLP_EN is write-only: it triggers the transition and reads 0 */
        s->pm1_cnt = (uint16_t)(value & ~PM1_CNT_SLP_EN);
        if (value & PM1_CNT_SLP_EN) {
            unsigned typ = (value >> PM1_CNT_SLP_TYP_SHIFT) & 7;
            if (typ == 0) {
                machine_request_shutdown(s->m, 0);
            } else {
                log_mask_printf(LOG_UNIMP, "piix4-pm: sleep type %u not supported\n", typ);
            }
        }
        break;
    default:
        break;
    }
}

static const MemoryOps pm_io_ops = {
    .read = pm_io_read,
    .write = pm_io_write,
    .min_size = 2,   /* 16-bit registers; the timer is read as a dword */
    .max_size = 4,
};

static void pm_update_io(PIIX4PMState *s)
{
    uint64_t base = pci_get_word(&s->pci, 0x40) & 0xffc0;
    bool enabled = (s->pci.config[0x80] & 1) && base != 0;
    if (s->io_base) {
        as_unmap(&s->m->io, s->io_base);
        s->io_base = 0;
    }
    if (enabled && as_map(&s->m->io, base, PM_IO_SIZE, &pm_io_ops, s, "piix4-pm")) {
        s->io_base = base;
    }
}

static void pm_config_written(PCIDevice *d, uint32_t addr, unsigned len)
{
    if ((addr < 0x42 && addr + len > 0x40) || (addr <= 0x80 && addr + len > 0x80)) {
        pm_update_io(d->opaque);
    }
}

static void piix4_pm_reset(void *state)
{
    PIIX4PMState *s = state;
    s->pci.config[0x40] = 0x01; /* PMBA: I/O space indicator */
    s->pci.config[0x41] = 0x00;
    s->pci.config[0x80] = 0x00;
    s->pm1_sts = s->pm1_en = s->pm1_cnt = 0;
    pm_update_io(s);
}

static bool piix4_pm_realize(void *state, Machine *m, const DeviceProps *p, char **err)
{
    PIIX4PMState *s = state;
    s->m = m;
    if (!m->pci_bus) {
        *err = strdup("piix4-pm: needs the i440fx PCI host bridge");
        return false;
    }
    pci_config_init(&s->pci, 0x8086, 0x7113, 0x03, 0x068000, 0x00);
    s->pci.devfn = PCI_DEVFN(1, 3);
    s->pci.name = "PIIX4 PM";
    s->pci.opaque = s;
    s->pci.config_written = pm_config_written;
    s->pci.wmask[0x40] = 0xc0;
    s->pci.wmask[0x41] = 0xff;
    s->pci.wmask[0x80] = 0x01;
    s->pci.config[PCI_INTERRUPT_PIN] = 1;
    s->pci.config[PCI_INTERRUPT_LINE] = 9; /* SCI on IRQ 9, as on QEMU's pc */
    if (!pci_bus_attach(m->pci_bus, &s->pci)) {
        *err = strdup("piix4-pm: PCI slot 01.3 is taken");
        return false;
    }
    piix4_pm_reset(s);
    return true;
}

static const char *const piix4_pm_props[] = { NULL };

static const DeviceInfo piix4_pm_info = {
    .name = "piix4-pm",
    .desc = "PIIX4 ACPI power management (PM1 registers, PM timer)",
    .state_size = sizeof(PIIX4PMState),
    .props = piix4_pm_props,
    .realize = piix4_pm_realize,
    .reset = piix4_pm_reset,
    .user_creatable = false,
};
DEVICE_REGISTER(piix4_pm_info)

/*
 * hw/rtc/mc146818rtc.c - MC146818 real-time clock and CMOS RAM ("mc146818rtc",
 * index port 0x70, data port 0x71, ISA IRQ 8).
 *
 * Design: the clock is the host's UTC wall clock plus an offset the guest
 * sets by writing the time registers, so no per-second timer is needed for
 * the time itself: the time registers are refreshed from the host clock
 * when read, in the BCD/binary and 12/24-hour formats register B selects.
 * Register A's UIP bit is set during the last 244 us of each second (the
 * datasheet's "update will occur within 244 us" window), which is what the
 * Linux and SeaBIOS read loops wait out.  The periodic interrupt (register
 * A rate select, 32768 >> (RS-1) Hz) and the update-ended/alarm interrupts
 * use Timers only while enabled in register B; flags land in register C,
 * whose read clears them and drops the IRQ line.
 *
 * The CMOS memory-size bytes follow what QEMU stores for a PC so firmware
 * and guests size memory the same way: 0x15/0x16 base memory in KiB,
 * 0x17/0x18 and 0x30/0x31 KiB above 1 MiB (capped at 65535), 0x34/0x35
 * 64 KiB blocks above 16 MiB, 0x5b-0x5d 64 KiB blocks above 4 GiB, 0x5f
 * CPUs - 1.  Bit 7 of the index (NMI disable) is ignored.
 */
#include <string.h>
#include <time.h>

#include "hw/machine.h"
#include "system/sysemu.h"

#define RTC_SECONDS       0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES       0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS         0x04
#define RTC_HOURS_ALARM   0x05
#define RTC_DAY_OF_WEEK   0x06
#define RTC_DAY_OF_MONTH  0x07
#define RTC_MONTH         0x08
#define RTC_YEAR          0x09
#define RTC_REG_A         0x0a
#define RTC_REG_B         0x0b
#define RTC_REG_C         0x0c
#define RTC_REG_D         0x0d
#define RTC_CENTURY       0x32

#define REGA_UIP  0x80
#define REGB_SET  0x80
#define REGB_PIE  0x40
#define REGB_AIE  0x20
#define REGB_UIE  0x10
#define REGB_DM   0x04      /* binary mode */
#define REGB_24H  0x02
#define REGC_IRQF 0x80
#define REGC_PF   0x40
#define REGC_AF   0x20
#define REGC_UF   0x10
#define REGD_VRT  0x80

#define NS_PER_SEC 1000000000LL
#define UIP_WINDOW_NS 244000LL

typedef struct RtcState {
    Machine *m;
    uint8_t cmos[128];
    uint8_t index;
    int64_t offset_ns;      /* guest time = host UTC + offset */
    Timer *periodic_timer;
    Timer *update_timer;
    int irq_level;
} RtcState;

static int64_t rtc_host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

static int64_t rtc_guest_ns(const RtcState *s)
{
    return rtc_host_ns() + s->offset_ns;
}

static uint8_t rtc_to_reg(const RtcState *s, int v)
{
    if (s->cmos[RTC_REG_B] & REGB_DM) {
        return v;
    }
    return ((v / 10) << 4) | (v % 10);
}

static int rtc_from_reg(const RtcState *s, uint8_t v)
{
    if (s->cmos[RTC_REG_B] & REGB_DM) {
        return v;
    }
    return (v >> 4) * 10 + (v & 0x0f);
}

static uint8_t rtc_hour_to_reg(const RtcState *s, int hour)
{
    if (s->cmos[RTC_REG_B] & REGB_24H) {
        return rtc_to_reg(s, hour);
    }
    /* 12-hour: 12, 1..11 with bit 7 set for PM */
    int h = hour % 12 ? hour % 12 : 12;
    return rtc_to_reg(s, h) | (hour >= 12 ? 0x80 : 0);
}

static int rtc_hour_from_reg(const RtcState *s, uint8_t v)
{
    if (s->cmos[RTC_REG_B] & REGB_24H) {
        return rtc_from_reg(s, v);
    }
    int h = rtc_from_reg(s, v & 0x7f) % 12;
    return (v & 0x80) ? h + 12 : h;
}

/* Copy the current time into the time registers (unless SET freezes them). */
static void rtc_refresh(RtcState *s)
{
    struct tm tm;
    time_t t;

    if (s->cmos[RTC_REG_B] & REGB_SET) {
        return;
    }
    t = rtc_guest_ns(s) / NS_PER_SEC;
    gmtime_r(&t, &tm);
    s->cmos[RTC_SECONDS] = rtc_to_reg(s, tm.tm_sec);
    s->cmos[RTC_MINUTES] = rtc_to_reg(s, tm.tm_min);
    s->cmos[RTC_HOURS] = rtc_hour_to_reg(s, tm.tm_hour);
    s->cmos[RTC_DAY_OF_WEEK] = rtc_to_reg(s, tm.tm_wday + 1);
    s->cmos[RTC_DAY_OF_MONTH] = rtc_to_reg(s, tm.tm_mday);
    s->cmos[RTC_MONTH] = rtc_to_reg(s, tm.tm_mon + 1);
    s->cmos[RTC_YEAR] = rtc_to_reg(s, (tm.tm_year + 1900) % 100);
    s->cmos[RTC_CENTURY] = rtc_to_reg(s, (tm.tm_year + 1900) / 100);
}

/* The guest wrote the time: make the registers the current time. */
static void rtc_set_from_regs(RtcState *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_sec = rtc_from_reg(s, s->cmos[RTC_SECONDS]);
    tm.tm_min = rtc_from_reg(s, s->cmos[RTC_MINUTES]);
    tm.tm_hour = rtc_hour_from_reg(s, s->cmos[RTC_HOURS]);
    tm.tm_mday = rtc_from_reg(s, s->cmos[RTC_DAY_OF_MONTH]);
    tm.tm_mon = rtc_from_reg(s, s->cmos[RTC_MONTH]) - 1;
    tm.tm_year = rtc_from_reg(s, s->cmos[RTC_YEAR]) +
                 rtc_from_reg(s, s->cmos[RTC_CENTURY]) * 100 - 1900;
    time_t t = timegm(&tm);
    /* the guest may write any bytes: keep the ns offset and the guest
     * clock within int64_t (years 1906..2191) */
    if (t < -2000000000LL) {
        t = -2000000000LL;
    } else if (t > 7000000000LL) {
        t = 7000000000LL;
    }
    /* the divider chain restarts: the new second begins now */
    s->offset_ns = (int64_t)t * NS_PER_SEC - rtc_host_ns();
}

static void rtc_update_irq(RtcState *s)
{
    uint8_t *c = &s->cmos[RTC_REG_C];
    uint8_t enabled = s->cmos[RTC_REG_B] & (REGB_PIE | REGB_AIE | REGB_UIE);
    /* PF/AF/UF sit at the same bit positions as PIE/AIE/UIE */
    if (*c & enabled & (REGC_PF | REGC_AF | REGC_UF)) {
        *c |= REGC_IRQF;
    }
    int level = (*c & REGC_IRQF) != 0;
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(&s->m->isa_irq[8], level);
    }
}

/* Periodic interrupt period in ns, or 0 when off. */
static int64_t rtc_period_ns(const RtcState *s)
{
    int rs = s->cmos[RTC_REG_A] & 0x0f;
    if (rs == 0 || ((s->cmos[RTC_REG_A] >> 4) & 7) != 2) {
        return 0;
    }
    if (rs <= 2) {
        rs += 7;    /* rates 1 and 2 repeat 256 Hz and 128 Hz */
    }
    return ((int64_t)1 << (rs - 1)) * NS_PER_SEC / 32768;
}

static void rtc_periodic_rearm(RtcState *s)
{
    int64_t period = rtc_period_ns(s);
    if (!period || !(s->cmos[RTC_REG_B] & REGB_PIE)) {
        timer_del(s->periodic_timer);
        return;
    }
    int64_t now = clock_ns();
    timer_mod(s->periodic_timer, (now / period + 1) * period);
}

static void rtc_periodic_cb(void *opaque)
{
    RtcState *s = opaque;
    s->cmos[RTC_REG_C] |= REGC_PF;
    rtc_update_irq(s);
    rtc_periodic_rearm(s);
}

static void rtc_update_rearm(RtcState *s)
{
    uint8_t b = s->cmos[RTC_REG_B];
    if (!(b & (REGB_UIE | REGB_AIE)) || (b & REGB_SET)) {
        timer_del(s->update_timer);
        return;
    }
    int64_t g = rtc_guest_ns(s);
    int64_t to_next = NS_PER_SEC - (g % NS_PER_SEC);
    timer_mod(s->update_timer, clock_ns() + to_next);
}

static bool rtc_alarm_match(RtcState *s, int alarm, int now)
{
    uint8_t a = s->cmos[alarm];
    return a >= 0xc0 || a == s->cmos[now];  /* 11xxxxxx: don't care */
}

static void rtc_update_cb(void *opaque)
{
    RtcState *s = opaque;
    /* the timer may fire a hair early relative to the wall clock */
    if (rtc_guest_ns(s) % NS_PER_SEC > NS_PER_SEC / 2) {
        rtc_update_rearm(s);
        return;
    }
    rtc_refresh(s);
    s->cmos[RTC_REG_C] |= REGC_UF;
    if (rtc_alarm_match(s, RTC_SECONDS_ALARM, RTC_SECONDS) &&
        rtc_alarm_match(s, RTC_MINUTES_ALARM, RTC_MINUTES) &&
        rtc_alarm_match(s, RTC_HOURS_ALARM, RTC_HOURS)) {
        s->cmos[RTC_REG_C] |= REGC_AF;
    }
    rtc_update_irq(s);
    rtc_update_rearm(s);
}

static bool rtc_uip(const RtcState *s)
{
    if (s->cmos[RTC_REG_B] & REGB_SET) {
        return false;
    }
    return rtc_guest_ns(s) % NS_PER_SEC >= NS_PER_SEC - UIP_WINDOW_NS;
}

static uint8_t rtc_read_data(RtcState *s)
{
    uint8_t idx = s->index, v;

    switch (idx) {
    case RTC_SECONDS:
    case RTC_MINUTES:
    case RTC_HOURS:
    case RTC_DAY_OF_WEEK:
    case RTC_DAY_OF_MONTH:
    case RTC_MONTH:
    case RTC_YEAR:
    case RTC_CENTURY:
        rtc_refresh(s);
        return s->cmos[idx];
    case RTC_REG_A:
        return (s->cmos[RTC_REG_A] & ~REGA_UIP) | (rtc_uip(s) ? REGA_UIP : 0);
    case RTC_REG_C: {
        /* The datasheet sets PF every period even with PIE off; QEMU only
         * runs the periodic timer with PIE on, and guests are tested
         * against QEMU, so PF is only set while PIE is on here too. */
        v = s->cmos[RTC_REG_C];
        s->cmos[RTC_REG_C] = 0;
        rtc_update_irq(s);
        return v;
    }
    default:
        return s->cmos[idx];
    }
}

static void rtc_write_data(RtcState *s, uint8_t v)
{
    uint8_t idx = s->index;

    switch (idx) {
    case RTC_SECONDS:
    case RTC_MINUTES:
    case RTC_HOURS:
    case RTC_DAY_OF_WEEK:
    case RTC_DAY_OF_MONTH:
    case RTC_MONTH:
    case RTC_YEAR:
    case RTC_CENTURY:
        if (!(s->cmos[RTC_REG_B] & REGB_SET)) {
            rtc_refresh(s);     /* other fields keep the current time */
        }
        s->cmos[idx] = v;
        if (!(s->cmos[RTC_REG_B] & REGB_SET)) {
            rtc_set_from_regs(s);
        }
        break;
    case RTC_REG_A:
        s->cmos[idx] = v & ~REGA_UIP;
        rtc_periodic_rearm(s);
        break;
    case RTC_REG_B: {
        uint8_t old = s->cmos[RTC_REG_B];
        if (!(old & REGB_SET)) {
            rtc_refresh(s);     /* freeze the registers at the current time */
        }
        if (v & REGB_SET) {
            v &= ~REGB_UIE;     /* datasheet: SET clears UIE */
        }
        /* A format change (DM, 24/12) does not convert the registers
         * (datasheet, and QEMU): while SET holds them they keep their
         * bytes; otherwise the next read renders the time anew. */
        s->cmos[RTC_REG_B] = v;
        if ((old & REGB_SET) && !(v & REGB_SET)) {
            rtc_set_from_regs(s);
        }
        rtc_update_irq(s);
        rtc_periodic_rearm(s);
        rtc_update_rearm(s);
        break;
    }
    case RTC_REG_C:
    case RTC_REG_D:
        break;  /* read-only */
    default:
        s->cmos[idx] = v;
        break;
    }
}

static uint64_t rtc_ioport_read(void *opaque, uint64_t offset, unsigned size)
{
    RtcState *s = opaque;
    if (offset == 0) {
        return 0xff;    /* the index register is write-only */
    }
    return rtc_read_data(s);
}

static void rtc_ioport_write(void *opaque, uint64_t offset, uint64_t value,
                             unsigned size)
{
    RtcState *s = opaque;
    if (offset == 0) {
        s->index = value & 0x7f;    /* bit 7 is the NMI mask: ignored */
    } else {
        rtc_write_data(s, value);
    }
}

static const MemoryOps rtc_ops = {
    .read = rtc_ioport_read,
    .write = rtc_ioport_write,
    .min_size = 1,
    .max_size = 1,
};

static void rtc_set_memory_size(RtcState *s, const Machine *m)
{
    const uint64_t KiB = 1024, MiB = 1024 * KiB;
    uint64_t below = m->below_4g, above = m->above_4g, v;

    if (!below && !above) {
        below = m->ram_size;
    }
    v = below / KiB < 640 ? below / KiB : 640;
    s->cmos[0x15] = v;
    s->cmos[0x16] = v >> 8;
    v = below > MiB ? (below - MiB) / KiB : 0;
    if (v > 65535) {
        v = 65535;
    }
    s->cmos[0x17] = s->cmos[0x30] = v;
    s->cmos[0x18] = s->cmos[0x31] = v >> 8;
    v = below > 16 * MiB ? (below - 16 * MiB) / (64 * KiB) : 0;
    if (v > 65535) {
        v = 65535;
    }
    s->cmos[0x34] = v;
    s->cmos[0x35] = v >> 8;
    v = above / (64 * KiB);
    s->cmos[0x5b] = v;
    s->cmos[0x5c] = v >> 8;
    s->cmos[0x5d] = v >> 16;
    s->cmos[0x5f] = m->nr_cpus > 0 ? m->nr_cpus - 1 : 0;
    /* no floppy drive (QEMU's board has one: 0x07 there, and 0x10 = 0x50),
     * FPU present, PS/2 mouse, VGA */
    s->cmos[0x14] = 0x06;
}

static void rtc_reset(void *opaque)
{
    RtcState *s = opaque;
    /* datasheet reset: PIE/AIE/UIE/SQWE cleared, flags cleared */
    s->cmos[RTC_REG_B] &= ~(REGB_PIE | REGB_AIE | REGB_UIE | 0x08);
    s->cmos[RTC_REG_C] = 0;
    timer_del(s->periodic_timer);
    timer_del(s->update_timer);
    if (s->irq_level) {
        s->irq_level = 0;
        irq_lower(&s->m->isa_irq[8]);
    }
}

static bool rtc_realize(void *opaque, Machine *m, const DeviceProps *p,
                        char **err)
{
    RtcState *s = opaque;
    uint64_t iobase;

    if (!device_prop_u64(p, "iobase", 0x70, &iobase, err)) {
        return false;
    }
    if (iobase > 0xfffe) {
        *err = strdup("mc146818rtc: iobase out of range");
        return false;
    }
    s->m = m;
    if (!as_map(&m->io, iobase, 2, &rtc_ops, s, "rtc")) {
        *err = strdup("mc146818rtc: I/O ports already in use");
        return false;
    }
    s->periodic_timer = timer_new(rtc_periodic_cb, s);
    s->update_timer = timer_new(rtc_update_cb, s);
    s->cmos[RTC_REG_A] = 0x26;      /* 32.768 kHz divider, 1024 Hz rate */
    s->cmos[RTC_REG_B] = REGB_24H;  /* BCD, 24-hour */
    s->cmos[RTC_REG_D] = REGD_VRT;  /* battery good */
    s->offset_ns = 0;               /* host UTC */
    rtc_refresh(s);
    rtc_set_memory_size(s, m);
    /* What QEMU's PC board stores besides the memory size: the IBM PS/2
     * century byte, and its default boot order "cad" (hard disk, floppy,
     * CD-ROM; 0x3d = first two, 0x38 bits 7-4 = third) that firmware
     * without a boot menu configuration falls back to. */
    s->cmos[0x37] = s->cmos[RTC_CENTURY];
    s->cmos[0x3d] = 0x12;
    s->cmos[0x38] = 0x30;
    return true;
}

static const DeviceInfo rtc_info = {
    .name = "mc146818rtc",
    .desc = "MC146818 real-time clock and CMOS RAM",
    .state_size = sizeof(RtcState),
    .props = (const char *const[]){ "iobase", NULL },
    .realize = rtc_realize,
    .reset = rtc_reset,
    .user_creatable = false,
};
DEVICE_REGISTER(rtc_info)

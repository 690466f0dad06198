/*
 * hw/timer/i8254.c - the 8254 programmable interval timer (ports 0x40-0x43)
 * and system control port B (0x61), which gates counter 2 and reads back
 * its output.
 *
 * Design: counters are not ticked.  Each counter remembers the clock_ns()
 * time its count was loaded; the count, OUT and the IRQ0 deadlines are
 * computed from the host monotonic clock at 1.193182 MHz, so guest time
 * follows host time whatever the accelerator's speed.  Channel 0's OUT is
 * wired to ISA IRQ0: a Timer fires at every period boundary in modes 2 and
 * 3 (where OUT rises) and once at terminal count in modes 0 and 4; each
 * firing pulses the line, which the edge-triggered 8259 latches.
 *
 * Counter 2's GATE is bit 0 of port 0x61 and its OUT is bit 5 (the PC
 * speaker and the TSC calibration loops of Linux and SeaBIOS use it).  Bit
 * 4 is the DRAM refresh request toggle; it flips on every read so that BIOS
 * delay loops that wait for it to change terminate.
 */
#include <string.h>

#include "hw/machine.h"
#include "system/sysemu.h"

#define PIT_FREQ 1193182ULL
#define NS_PER_SEC 1000000000ULL

typedef struct PitChannel {
    uint32_t count;         /* reload value, 1..0x10000 (binary) */
    uint8_t mode;           /* 0..5 */
    uint8_t rw_mode;        /* 1 LSB, 2 MSB, 3 LSB then MSB; 0 (only
                             * before programming) acts as LSB */
    bool bcd;
    bool gate;
    bool loaded;            /* a count was written since the control word */
    bool triggered;         /* modes 1/5: gate edge seen since loading */
    bool paused;            /* gate low stopped counting */
    bool null_count;
    int64_t load_ns;        /* clock_ns() when counting (re)started */
    uint64_t paused_ticks;  /* elapsed ticks frozen while paused */
    bool write_msb_next;
    uint8_t write_lsb;
    bool read_msb_next;
    uint8_t latch_state;    /* 0 none, 1 LSB left, 2 MSB left, 3 both */
    uint16_t latched_count;
    bool status_latched;
    uint8_t status;
} PitChannel;

typedef struct I8254State {
    PitChannel ch[3];
    Machine *m;
    Timer *irq_timer;
    uint64_t irq_target;    /* channel 0 tick of the edge irq_timer is for */
    uint8_t port61;         /* bits 0-1 as written */
    bool refresh;
} I8254State;

static uint64_t pit_ns_to_ticks(int64_t ns)
{
    return ns <= 0 ? 0 : (uint64_t)(((unsigned __int128)ns * PIT_FREQ) / NS_PER_SEC);
}

/* First clock_ns() offset at which `ticks` clocks have elapsed. */
static int64_t pit_ticks_to_ns(uint64_t ticks)
{
    return (int64_t)(((unsigned __int128)ticks * NS_PER_SEC + PIT_FREQ - 1) / PIT_FREQ);
}

static uint64_t pit_elapsed(const PitChannel *c, int64_t now)
{
    if (!c->loaded) {
        return 0;
    }
    if (c->paused) {
        return c->paused_ticks;
    }
    return pit_ns_to_ticks(now - c->load_ns);
}

static uint32_t pit_modulus(const PitChannel *c)
{
    return c->bcd ? 10000 : 0x10000;
}

/* Current counting element value (binary). */
static uint32_t pit_get_count(const PitChannel *c, int64_t now)
{
    uint64_t d = pit_elapsed(c, now);
    uint32_t v;

    switch (c->mode) {
    case 2:
        v = c->count - d % c->count;
        break;
    case 3:
        /* counts down by two each clock, reloading every half period */
        v = c->count - (2 * d) % c->count;
        break;
    case 1:
    case 5:
        if (!c->triggered) {
            d = 0;
        }
        /* fall through */
    default:
        v = (c->count + pit_modulus(c) - d % pit_modulus(c)) % pit_modulus(c);
        break;
    }
    return v % pit_modulus(c);
}

static bool pit_get_out(const PitChannel *c, int64_t now)
{
    uint64_t d = pit_elapsed(c, now);

    if (!c->loaded) {
        return c->mode != 0;    /* mode 0: OUT low after the control word */
    }
    switch (c->mode) {
    case 0:
        return d >= c->count;   /* high at terminal count, stays high */
    case 1:
        return !c->triggered || d >= c->count;
    case 2:
        if (!c->gate) {
            return true;
        }
        return d % c->count != c->count - 1; /* low for the last clock */
    case 3:
        if (!c->gate) {
            return true;
        }
        return d % c->count < (c->count + 1) / 2;
    case 4:
        return d != c->count;   /* one-clock low strobe */
    default:
        return !c->triggered || d != c->count;
    }
}

static uint16_t pit_to_bcd(uint32_t v)
{
    return (v % 10) | ((v / 10 % 10) << 4) | ((v / 100 % 10) << 8) |
           ((v / 1000 % 10) << 12);
}

static uint32_t pit_from_bcd(uint16_t v)
{
    /* invalid digits (A-F) are taken at face value, as the counter would */
    return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 +
           ((v >> 12) & 0xf) * 1000;
}

/* Arm the IRQ0 timer for the first rising OUT edge of channel 0 after now. */
static void pit_irq_schedule(I8254State *s, int64_t now)
{
    PitChannel *c = &s->ch[0];
    uint64_t d, target;

    if (!c->loaded || c->paused) {
        timer_del(s->irq_timer);
        return;
    }
    d = pit_elapsed(c, now);
    switch (c->mode) {
    case 2:
    case 3:
        target = (d / c->count + 1) * c->count;
        break;
    case 0:
    case 4:
        if (d >= c->count) {
            timer_del(s->irq_timer);
            return;
        }
        target = c->count;
        break;
    default:            /* modes 1/5 need a gate edge channel 0 never gets */
        timer_del(s->irq_timer);
        return;
    }
    s->irq_target = target;
    timer_mod(s->irq_timer, c->load_ns + pit_ticks_to_ns(target));
}

/* Longest backlog of periodic edges delivered late rather than dropped. */
#define PIT_MAX_BACKLOG_NS 200000000LL

static void pit_irq_timer_cb(void *opaque)
{
    I8254State *s = opaque;
    PitChannel *c = &s->ch[0];
    int64_t now = clock_ns();

    irq_pulse(&s->m->isa_irq[0]);
    if (c->mode != 2 && c->mode != 3) {
        pit_irq_schedule(s, now);   /* one-shot modes: nothing more */
        return;
    }
    /* Periodic: the next edge follows the one just delivered, so a late
     * I/O thread delivers every edge and the edge count follows host time
     * (the 8259 coalesces what the CPU has not taken yet).  Past a bounded
     * backlog, skip ahead instead of replaying it. */
    uint64_t next = s->irq_target + c->count;
    int64_t when = c->load_ns + pit_ticks_to_ns(next);
    if (now - when > PIT_MAX_BACKLOG_NS) {
        pit_irq_schedule(s, now);
        return;
    }
    s->irq_target = next;
    timer_mod(s->irq_timer, when);
}

static void pit_load_count(I8254State *s, int n, uint32_t val)
{
    PitChannel *c = &s->ch[n];
    int64_t now = clock_ns();

    if (c->bcd) {
        val = pit_from_bcd(val);
    }
    if (val == 0) {
        val = pit_modulus(c);   /* 0 is the maximum count */
    }
    /* modes 2/3 divide by N: a count of 1 is illegal there; avoid a
     * runaway timer */
    if ((c->mode == 2 || c->mode == 3) && val < 2) {
        val = 2;
    }
    c->count = val;
    c->loaded = true;
    c->null_count = false;
    c->load_ns = now;
    c->paused_ticks = 0;
    c->triggered = false;
    /* a gate held low keeps modes 0/2/3/4 from counting */
    c->paused = !c->gate && c->mode != 1 && c->mode != 5;
    if (n == 0) {
        pit_irq_schedule(s, now);
    }
}

static void pit_set_gate(I8254State *s, int n, bool gate)
{
    PitChannel *c = &s->ch[n];
    int64_t now = clock_ns();

    if (c->gate == gate) {
        return;
    }
    c->gate = gate;
    if (!c->loaded) {
        return;
    }
    switch (c->mode) {
    case 0:
    case 4:
        /* gate low suspends counting; high resumes where it stopped */
        if (!gate) {
            c->paused_ticks = pit_elapsed(c, now);
            c->paused = true;
        } else {
            c->load_ns = now - pit_ticks_to_ns(c->paused_ticks);
            c->paused = false;
        }
        break;
    case 2:
    case 3:
        /* gate low stops counting (OUT high); the rising edge reloads */
        if (!gate) {
            c->paused_ticks = pit_elapsed(c, now);
            c->paused = true;
        } else {
            c->load_ns = now;
            c->paused_ticks = 0;
            c->paused = false;
        }
        break;
    default:
        /* modes 1/5: the rising edge (re)triggers from the full count */
        if (gate) {
            c->load_ns = now;
            c->triggered = true;
        }
        break;
    }
    if (n == 0) {
        pit_irq_schedule(s, now);
    }
}

static void pit_latch_count(PitChannel *c, int64_t now)
{
    if (c->latch_state) {
        return;     /* a second latch before reading is ignored */
    }
    uint32_t v = pit_get_count(c, now);
    c->latched_count = c->bcd ? pit_to_bcd(v) : v;
    c->latch_state = c->rw_mode ? c->rw_mode : 1;
}

static void pit_latch_status(PitChannel *c, int64_t now)
{
    if (c->status_latched) {
        return;
    }
    c->status = (pit_get_out(c, now) << 7) | (c->null_count << 6) |
                (c->rw_mode << 4) | (c->mode << 1) | c->bcd;
    c->status_latched = true;
}

static void pit_write_control(I8254State *s, uint8_t val)
{
    int64_t now = clock_ns();
    int sc = val >> 6;

    if (sc == 3) {
        /* read-back: bit 5 = !COUNT, bit 4 = !STATUS, bits 1-3 counters */
        for (int n = 0; n < 3; n++) {
            if (!(val & (2 << n))) {
                continue;
            }
            if (!(val & 0x20)) {
                pit_latch_count(&s->ch[n], now);
            }
            if (!(val & 0x10)) {
                pit_latch_status(&s->ch[n], now);
            }
        }
        return;
    }
    PitChannel *c = &s->ch[sc];
    int rw = (val >> 4) & 3;
    if (rw == 0) {
        pit_latch_count(c, now);
        return;
    }
    c->rw_mode = rw;
    c->mode = (val >> 1) & 7;
    if (c->mode > 5) {
        c->mode -= 4;       /* 6 and 7 are aliases of 2 and 3 */
    }
    c->bcd = val & 1;
    c->write_msb_next = false;
    c->read_msb_next = false;
    c->latch_state = 0;
    c->status_latched = false;
    c->null_count = true;
    c->loaded = false;      /* counting waits for the new count */
    c->paused = false;
    if (sc == 0) {
        timer_del(s->irq_timer);
    }
}

static uint64_t pit_ioport_read(void *opaque, uint64_t offset, unsigned size)
{
    I8254State *s = opaque;
    PitChannel *c;
    uint8_t v;

    if (offset >= 3) {
        return 0;           /* control word: write-only; QEMU reads 0 */
    }
    c = &s->ch[offset];
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    if (c->latch_state) {
        switch (c->latch_state) {
        case 1:
            v = c->latched_count;
            c->latch_state = 0;
            break;
        case 2:
            v = c->latched_count >> 8;
            c->latch_state = 0;
            break;
        default:
            v = c->latched_count;
            c->latch_state = 2;
            break;
        }
        return v;
    }
    uint32_t cnt = pit_get_count(c, clock_ns());
    if (c->bcd) {
        cnt = pit_to_bcd(cnt);
    }
    switch (c->rw_mode) {
    case 0:
    case 1:
        return cnt & 0xff;
    case 2:
        return (cnt >> 8) & 0xff;
    default:
        v = c->read_msb_next ? cnt >> 8 : cnt;
        c->read_msb_next = !c->read_msb_next;
        return v;
    }
}

static void pit_ioport_write(void *opaque, uint64_t offset, uint64_t value,
                             unsigned size)
{
    I8254State *s = opaque;
    PitChannel *c;
    uint8_t v = value;

    if (offset == 3) {
        pit_write_control(s, v);
        return;
    }
    c = &s->ch[offset];
    switch (c->rw_mode) {
    case 0:
    case 1:
        pit_load_count(s, offset, v);
        break;
    case 2:
        pit_load_count(s, offset, (uint32_t)v << 8);
        break;
    default:
        if (!c->write_msb_next) {
            c->write_lsb = v;
            c->write_msb_next = true;
            /* mode 0: writing the first byte stops the count */
            if (c->mode == 0 && c->loaded) {
                c->paused_ticks = pit_elapsed(c, clock_ns());
                c->paused = true;
                if (offset == 0) {
                    timer_del(s->irq_timer);
                }
            }
        } else {
            c->write_msb_next = false;
            pit_load_count(s, offset, c->write_lsb | ((uint32_t)v << 8));
        }
        break;
    }
}

static const MemoryOps pit_ops = {
    .read = pit_ioport_read,
    .write = pit_ioport_write,
    .min_size = 1,
    .max_size = 1,
};

/* Port 0x61, system control port B. */
static uint64_t port61_read(void *opaque, uint64_t offset, unsigned size)
{
    I8254State *s = opaque;
    s->refresh = !s->refresh;
    return (s->port61 & 3) | (s->refresh << 4) |
           (pit_get_out(&s->ch[2], clock_ns()) << 5);
}

static void port61_write(void *opaque, uint64_t offset, uint64_t value,
                         unsigned size)
{
    I8254State *s = opaque;
    s->port61 = value & 3;
    pit_set_gate(s, 2, value & 1);
}

static const MemoryOps port61_ops = {
    .read = port61_read,
    .write = port61_write,
    .min_size = 1,
    .max_size = 1,
};

static void i8254_reset(void *opaque)
{
    I8254State *s = opaque;

    timer_del(s->irq_timer);
    s->port61 = 0;
    s->refresh = false;
    for (int n = 0; n < 3; n++) {
        PitChannel *c = &s->ch[n];
        memset(c, 0, sizeof(*c));
        /* power-on state as QEMU shows it in read-back status (0x86):
         * mode 3, binary, no access mode selected yet */
        c->mode = 3;
        c->rw_mode = 0;
        c->gate = n != 2;
        c->count = 0x10000;
    }
    /* like the BIOS-less power-on state QEMU models: channel 0 runs the
     * 18.2 Hz tick, the others wait to be programmed */
    pit_load_count(s, 0, 0);
}

static bool i8254_realize(void *opaque, Machine *m, const DeviceProps *p,
                          char **err)
{
    I8254State *s = opaque;
    uint64_t iobase;

    if (!device_prop_u64(p, "iobase", 0x40, &iobase, err)) {
        return false;
    }
    if (iobase > 0xfffc) {
        *err = strdup("i8254: iobase out of range");
        return false;
    }
    s->m = m;
    if (!as_map(&m->io, iobase, 4, &pit_ops, s, "pit")) {
        *err = strdup("i8254: I/O ports already in use");
        return false;
    }
    if (!as_map(&m->io, 0x61, 1, &port61_ops, s, "port61")) {
        as_unmap(&m->io, iobase);
        *err = strdup("i8254: I/O port 0x61 already in use");
        return false;
    }
    s->irq_timer = timer_new(pit_irq_timer_cb, s);
    i8254_reset(s);
    return true;
}

static const DeviceInfo i8254_info = {
    .name = "i8254",
    .desc = "8254 programmable interval timer and port 0x61",
    .state_size = sizeof(I8254State),
    .props = (const char *const[]){ "iobase", NULL },
    .realize = i8254_realize,
    .reset = i8254_reset,
    .user_creatable = false,
};
DEVICE_REGISTER(i8254_info)

/* Unit tests for hw/timer/i8254.c: real-time counting in mode 2, counter
 * latch, read-back, BCD, mode 0 on channel 2 gated and read through port
 * 0x61, and IRQ0 pulses driven by the timer list.
 *
 * Machines are never freed here: the PIT's IRQ timer stays on the global
 * timer list, so each test keeps its own machine and IRQ counter alive. */
#include <glib.h>
#include <time.h>

#include "hw/machine.h"
#include "system/sysemu.h"

#define PIT_HZ 1193182.0

typedef struct {
    int edges;
    int level;
} IrqCount;

static void count_irq(void *opaque, int n, int level)
{
    IrqCount *c = opaque;
    if (level && !c->level) {
        c->edges++;
    }
    c->level = level;
}

/* Device timers stay on the global timer list, so machines are never
 * freed; keeping them in a list also keeps leak checkers quiet. */
static void keep_alive(Machine *m)
{
    static GPtrArray *machines;
    if (!machines) {
        machines = g_ptr_array_new();
    }
    g_ptr_array_add(machines, m);
}

static Machine *pit_machine(IrqCount *irq0)
{
    Machine *m = g_new0(Machine, 1);
    keep_alive(m);
    char *err = NULL;
    as_init(&m->io, "io");
    m->isa_irq[0] = (IrqLine){ count_irq, irq0, 0 };
    g_assert_nonnull(device_create(m, "i8254", NULL, &err));
    g_assert_null(err);
    return m;
}

static void outb(Machine *m, uint16_t port, uint8_t v) { as_write(&m->io, port, 1, v); }
static uint8_t inb(Machine *m, uint16_t port)
{
    uint64_t v;
    as_read(&m->io, port, 1, &v);
    return v;
}

static void sleep_ms(int ms)
{
    g_usleep(ms * 1000);
}

static unsigned read_latched(Machine *m, int ch)
{
    outb(m, 0x43, ch << 6);               /* counter latch command */
    unsigned lo = inb(m, 0x40 + ch);
    return lo | (inb(m, 0x40 + ch) << 8);
}

static void test_mode2_real_time(void)
{
    IrqCount *irq0 = g_new0(IrqCount, 1);
    Machine *m = pit_machine(irq0);
    outb(m, 0x43, 0x34);                  /* ch0, LSB/MSB, mode 2 */
    outb(m, 0x40, 0x00);
    outb(m, 0x40, 0x00);                  /* 65536: 54.9 ms period */
    int64_t t0 = clock_ns();
    unsigned v1 = read_latched(m, 0);
    int64_t t1 = clock_ns();
    sleep_ms(10);
    int64_t t2 = clock_ns();
    unsigned v2 = read_latched(m, 0);
    int64_t t3 = clock_ns();
    /* it counts down: ticks between the reads must match host time */
    unsigned diff = (v1 - v2) & 0xffff;
    double lo = (t2 - t1) * PIT_HZ / 1e9 - 2;
    double hi = (t3 - t0) * PIT_HZ / 1e9 + 2;
    if (hi > 65535) {
        g_test_skip("host too slow for a stable measurement");
        return;
    }
    g_assert_cmpfloat(diff, >=, lo);
    g_assert_cmpfloat(diff, <=, hi);
    g_assert_cmpfloat(diff, >=, 10 * 1193 - 2);
}

static void test_latch_holds_value(void)
{
    IrqCount *irq0 = g_new0(IrqCount, 1);
    Machine *m = pit_machine(irq0);
    outb(m, 0x43, 0x34);
    outb(m, 0x40, 0x00);
    outb(m, 0x40, 0x00);
    outb(m, 0x43, 0x00);                  /* latch now */
    int64_t t = clock_ns();
    sleep_ms(5);
    outb(m, 0x43, 0x00);                  /* second latch is ignored */
    unsigned latched = inb(m, 0x40);
    latched |= inb(m, 0x40) << 8;
    unsigned now = read_latched(m, 0);
    unsigned ticks = (latched - now) & 0xffff;
    g_assert_cmpfloat(ticks, >=, (clock_ns() - t) * PIT_HZ / 1e9 * 0.5);
    g_assert_cmpuint(ticks, >=, 5 * 1193 - 2);
}

static void test_read_back(void)
{
    IrqCount *irq0 = g_new0(IrqCount, 1);
    Machine *m = pit_machine(irq0);
    /* power-on status as QEMU reports it: OUT high, mode 3, binary, no
     * access mode; the control port reads 0 */
    outb(m, 0x43, 0xee);                  /* status of all three */
    g_assert_cmphex(inb(m, 0x40), ==, 0x86);
    g_assert_cmphex(inb(m, 0x41), ==, 0x86);
    g_assert_cmphex(inb(m, 0x42), ==, 0x86);
    g_assert_cmphex(inb(m, 0x43), ==, 0x00);
    outb(m, 0x43, 0x74);                  /* ch1, LSB/MSB, mode 2 */
    /* before a count is written the status says "null count" */
    outb(m, 0x43, 0xe4);                  /* read-back status of ch1 */
    g_assert_cmphex(inb(m, 0x41), ==, 0x80 | 0x40 | 0x34);
    outb(m, 0x41, 0x00);
    outb(m, 0x41, 0x80);                  /* 0x8000 */
    outb(m, 0x43, 0xc4);                  /* read-back count+status ch1 */
    uint8_t status = inb(m, 0x41);
    g_assert_cmphex(status & 0x7f, ==, 0x34);  /* count loaded */
    unsigned v = inb(m, 0x41);
    v |= inb(m, 0x41) << 8;
    g_assert_cmpuint(v, <=, 0x8000);
    g_assert_cmpuint(v, >, 0x8000 - 1193 * 20);
    /* LSB-only access mode and BCD */
    outb(m, 0x43, 0x51);                  /* ch1, LSB only, mode 0, BCD */
    outb(m, 0x41, 0x99);
    outb(m, 0x43, 0xe4);
    g_assert_cmphex(inb(m, 0x41) & 0x3f, ==, 0x11);
    uint8_t b = inb(m, 0x41);
    /* BCD digits only, counting down from 99 */
    g_assert_cmpuint(b & 0xf, <=, 9);
    g_assert_cmpuint(b >> 4, <=, 9);
}

static void test_mode0_gate_port61(void)
{
    IrqCount *irq0 = g_new0(IrqCount, 1);
    Machine *m = pit_machine(irq0);
    outb(m, 0x61, 0x00);                  /* gate 2 low */
    outb(m, 0x43, 0xb0);                  /* ch2, LSB/MSB, mode 0 */
    outb(m, 0x42, 1193 & 0xff);
    outb(m, 0x42, 1193 >> 8);             /* 1 ms */
    g_assert_cmphex(inb(m, 0x61) & 0x20, ==, 0);
    sleep_ms(3);
    g_assert_cmphex(inb(m, 0x61) & 0x20, ==, 0);  /* gate low: no count */
    outb(m, 0x61, 0x01);
    g_assert_cmphex(inb(m, 0x61) & 0x21, ==, 0x01);
    sleep_ms(3);
    g_assert_cmphex(inb(m, 0x61) & 0x21, ==, 0x21);  /* terminal count */
    /* the refresh bit toggles between reads */
    uint8_t a = inb(m, 0x61), b = inb(m, 0x61);
    g_assert_cmphex((a ^ b) & 0x10, ==, 0x10);
    /* only bits 0 and 1 are writable */
    outb(m, 0x61, 0xff);
    g_assert_cmphex(inb(m, 0x61) & 0x0f, ==, 0x03);
}

/* Run the timer list like the I/O thread for ms milliseconds. */
static void run_timers_for(int ms)
{
    int64_t end = clock_ns() + ms * 1000000LL;
    while (clock_ns() < end) {
        int64_t d = timers_next_deadline();
        int64_t left = end - clock_ns();
        if (d < 0 || d > left) {
            d = left;
        }
        if (d > 0) {
            g_usleep(d / 1000 + 1);
        }
        timers_run_expired();
    }
}

static void test_irq0_rate(void)
{
    IrqCount *irq0 = g_new0(IrqCount, 1);
    Machine *m = pit_machine(irq0);
    const double period_ns = 1193 * 1e9 / PIT_HZ;      /* ~1 kHz */
    outb(m, 0x43, 0x34);
    outb(m, 0x40, 1193 & 0xff);
    irq0->edges = 0;
    int64_t load_lo = clock_ns();
    outb(m, 0x40, 1193 >> 8);
    int64_t load_hi = clock_ns();
    run_timers_for(50);
    /* every period boundary up to the last pass gives one pulse, even when
     * this thread was scheduled late */
    int64_t t_lo = clock_ns();
    timers_run_expired();
    int64_t t_hi = clock_ns();
    int lo = (int)((t_lo - load_hi) / period_ns) - 1;
    int hi = (int)((t_hi - load_lo) / period_ns) + 1;
    g_assert_cmpint(irq0->edges, >=, lo);
    g_assert_cmpint(irq0->edges, <=, hi);
    g_assert_cmpint(irq0->edges, >=, 45);
    g_assert_cmpint(irq0->level, ==, 0);   /* pulses leave the line low */

    /* mode 0: exactly one interrupt at terminal count */
    outb(m, 0x43, 0x30);
    outb(m, 0x40, 1193 & 0xff);
    outb(m, 0x40, 1193 >> 8);
    irq0->edges = 0;
    run_timers_for(20);
    g_assert_cmpint(irq0->edges, ==, 1);

    /* reprogramming to a slower rate takes effect at once */
    outb(m, 0x43, 0x34);
    outb(m, 0x40, 0x00);
    outb(m, 0x40, 0x00);                  /* 18.2 Hz */
    irq0->edges = 0;
    run_timers_for(20);
    g_assert_cmpint(irq0->edges, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pit/mode2-real-time", test_mode2_real_time);
    g_test_add_func("/pit/latch-holds-value", test_latch_holds_value);
    g_test_add_func("/pit/read-back", test_read_back);
    g_test_add_func("/pit/mode0-gate-port61", test_mode0_gate_port61);
    g_test_add_func("/pit/irq0-rate", test_irq0_rate);
    return g_test_run();
}

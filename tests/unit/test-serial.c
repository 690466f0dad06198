/* Unit tests for hw/char/serial.c: transmit to a file: chardev, divisor
 * latch, LSR bits, FIFO trigger levels and character timeout, interrupt
 * priorities and the IRQ line level, THRE re-arming, loopback with modem
 * bits, overrun, receive flow control from a chardev, property errors. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/machine.h"
#include "system/sysemu.h"

Chardev *chardev_new_mux_fds(int in_fd, int out_fd);

#define COM1 0x3f8

typedef struct {
    int level;
    int changes;
} IrqProbe;

static void probe_irq(void *opaque, int n, int level)
{
    IrqProbe *p = opaque;
    p->changes += p->level != level;
    p->level = level;
}

typedef struct {
    Machine *m;
    IrqProbe *irq;
    char *dir, *path;
} Rig;

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

static Rig rig_new(Chardev *chr)
{
    Rig r = {0};
    char *err = NULL;
    r.m = g_new0(Machine, 1);
    keep_alive(r.m);
    r.irq = g_new0(IrqProbe, 1);
    as_init(&r.m->io, "io");
    r.m->isa_irq[4] = (IrqLine){ probe_irq, r.irq, 4 };
    if (!chr) {
        r.dir = g_dir_make_tmp("emu86-serial-XXXXXX", NULL);
        r.path = g_build_filename(r.dir, "com1.txt", NULL);
        char *spec = g_strdup_printf("file:%s", r.path);
        chr = chardev_new(spec, &err);
        g_assert_null(err);
        g_free(spec);
    }
    r.m->serial_chr[0] = chr;
    g_assert_nonnull(device_create(r.m, "isa-serial", "iobase=0x3f8,irq=4,chardev=0", &err));
    g_assert_null(err);
    return r;
}

/* The machine stays (its UART timer is on the global list); the temp
 * file goes. */
static void rig_done(Rig *r)
{
    if (r->path) {
        g_unlink(r->path);
        g_rmdir(r->dir);
    }
    g_free(r->path);
    g_free(r->dir);
}

static void outb(Rig *r, uint16_t port, uint8_t v) { as_write(&r->m->io, port, 1, v); }
static uint8_t inb(Rig *r, uint16_t port)
{
    uint64_t v;
    as_read(&r->m->io, port, 1, &v);
    return v;
}

static char *rig_output(Rig *r)
{
    char *data = NULL;
    g_assert_true(g_file_get_contents(r->path, &data, NULL, NULL));
    return data;
}

static void test_transmit_and_lsr(void)
{
    Rig r = rig_new(NULL);
    g_assert_cmphex(inb(&r, COM1 + 5), ==, 0x60);     /* THRE | TEMT */
    outb(&r, COM1 + 3, 0x03);                         /* 8N1 */
    for (const char *p = "Linux\n"; *p; p++) {
        g_assert_cmphex(inb(&r, COM1 + 5) & 0x20, ==, 0x20);
        outb(&r, COM1, *p);
    }
    g_assert_cmphex(inb(&r, COM1 + 5), ==, 0x60);
    char *out = rig_output(&r);
    g_assert_cmpstr(out, ==, "Linux\n");
    g_free(out);
    g_assert_cmpint(r.irq->level, ==, 0);             /* IER = 0 */
    g_assert_cmphex(inb(&r, COM1 + 2), ==, 0x01);
    /* scratch register */
    outb(&r, COM1 + 7, 0x5a);
    g_assert_cmphex(inb(&r, COM1 + 7), ==, 0x5a);
    rig_done(&r);
}

static void test_divisor_latch(void)
{
    Rig r = rig_new(NULL);
    outb(&r, COM1 + 3, 0x83);                         /* DLAB, 8N1 */
    outb(&r, COM1 + 0, 0x01);                         /* 115200 */
    outb(&r, COM1 + 1, 0x02);
    g_assert_cmphex(inb(&r, COM1 + 0), ==, 0x01);
    g_assert_cmphex(inb(&r, COM1 + 1), ==, 0x02);
    outb(&r, COM1 + 3, 0x03);
    g_assert_cmphex(inb(&r, COM1 + 3), ==, 0x03);
    outb(&r, COM1 + 1, 0x00);                         /* IER, not DLM */
    outb(&r, COM1 + 0, 'x');                          /* THR, not DLL */
    outb(&r, COM1 + 3, 0x83);
    g_assert_cmphex(inb(&r, COM1 + 0), ==, 0x01);
    g_assert_cmphex(inb(&r, COM1 + 1), ==, 0x02);
    outb(&r, COM1 + 3, 0x03);
    char *out = rig_output(&r);
    g_assert_cmpstr(out, ==, "x");                    /* DLL write not sent */
    g_free(out);
    rig_done(&r);
}

static void test_thre_interrupt(void)
{
    Rig r = rig_new(NULL);
    outb(&r, COM1 + 1, 0x02);                 /* ETBEI with THR empty */
    g_assert_cmpint(r.irq->level, ==, 1);
    g_assert_cmphex(inb(&r, COM1 + 2), ==, 0x02);
    /* reading IIR acknowledged it */
    g_assert_cmpint(r.irq->level, ==, 0);
    g_assert_cmphex(inb(&r, COM1 + 2), ==, 0x01);
    /* Linux's THRE re-arm test: IER=0 then IER=THRI asserts again */
    outb(&r, COM1 + 1, 0x00);
    outb(&r, COM1 + 1, 0x02);
    g_assert_cmphex(inb(&r, COM1 + 2), ==, 0x02);
    /* each transmitted byte empties THR again */
    outb(&r, COM1, 'a');
    g_assert_cmpint(r.irq->level, ==, 1);
    outb(&r, COM1 + 1, 0x00);                 /* masked: line drops */
    g_assert_cmpint(r.irq->level, ==, 0);
    rig_done(&r);
}

static void test_fifo_trigger_and_timeout(void)
{
    Rig r = rig_new(NULL);
    outb(&r, COM1 + 3, 0x83);
    outb(&r, COM1 + 0, 0x01);                 /* 115200: 4 chars = 350 us */
    outb(&r, COM1 + 3, 0x03);
    outb(&r, COM1 + 4, 0x10);                 /* loopback */
    outb(&r, COM1 + 2, 0xc7);                 /* FIFO on, clear, trigger 14 */
    g_assert_cmphex(inb(&r, COM1 + 2), ==, 0xc1);
    outb(&r, COM1 + 1, 0x01);                 /* RDI */
    for (int i = 0; i < 13; i++) {
        outb(&r, COM1, 'A' + i);
    }
    g_assert_cmphex(inb(&r, COM1 + 5) & 0x01, ==, 0x01);
    g_assert_cmphex(inb(&r, COM1 + 2), ==, 0xc1);     /* below trigger */
    g_assert_cmpint(r.irq->level, ==, 0);
    outb(&r, COM1, 'N');
    g_assert_cmphex(inb(&r, COM1 + 2), ==, 0xc4);     /* 14 reached */
    g_assert_cmpint(r.irq->level, ==, 1);
    g_assert_cmphex(inb(&r, COM1), ==, 'A');
    g_assert_cmpint(r.irq->level, ==, 0);             /* 13 left */
    /* no more data: the character timeout fires after 4 char times */
    g_usleep(2000);
    timers_run_expired();
    g_assert_cmphex(inb(&r, COM1 + 2), ==, 0xcc);
    g_assert_cmpint(r.irq->level, ==, 1);
    for (int i = 1; i < 14; i++) {
        g_assert_cmphex(inb(&r, COM1), ==, 'A' + i);
    }
    g_assert_cmphex(inb(&r, COM1 + 5) & 0x01, ==, 0x00);
    g_assert_cmphex(inb(&r, COM1 + 2), ==, 0xc1);
    g_assert_cmpint(r.irq->level, ==, 0);

    /* the other trigger levels: 1, 4, 8 */
    static const struct { uint8_t fcr; int level; } trig[] = {
        { 0x07, 1 }, { 0x47, 4 }, { 0x87, 8 },
    };
    for (int t = 0; t < 3; t++) {
        outb(&r, COM1 + 2, trig[t].fcr);
        for (int i = 0; i < trig[t].level - 1; i++) {
            outb(&r, COM1, 'x');
        }
        g_assert_cmphex(inb(&r, COM1 + 2), ==, 0xc1);
        outb(&r, COM1, 'y');
        g_assert_cmphex(inb(&r, COM1 + 2), ==, 0xc4);
        outb(&r, COM1 + 2, trig[t].fcr);      /* FCR clear empties RX */
        g_assert_cmphex(inb(&r, COM1 + 5) & 0x01, ==, 0x00);
    }

    /* overrun: 17 bytes into 16; line status outranks received data */
    outb(&r, COM1 + 1, 0x05);
    for (int i = 0; i < 17; i++) {
        outb(&r, COM1, 'a' + i);
    }
    g_assert_cmphex(inb(&r, COM1 + 2), ==, 0xc6);
    g_assert_cmphex(inb(&r, COM1 + 5) & 0x03, ==, 0x03);   /* DR | OE */
    g_assert_cmphex(inb(&r, COM1 + 5) & 0x02, ==, 0x00);   /* OE cleared */
    g_assert_cmphex(inb(&r, COM1 + 2), ==, 0xc4);
    for (int i = 0; i < 16; i++) {
        g_assert_cmphex(inb(&r, COM1), ==, 'a' + i);       /* 17th lost */
    }
    /* loopback data never reaches the chardev */
    char *out = rig_output(&r);
    g_assert_cmpstr(out, ==, "");
    g_free(out);
    rig_done(&r);
}

static void test_priorities(void)
{
    Rig r = rig_new(NULL);
    outb(&r, COM1 + 4, 0x10);                 /* loopback, FIFO off */
    outb(&r, COM1, 'z');
    outb(&r, COM1 + 1, 0x0f);                 /* all sources */
    outb(&r, COM1 + 4, 0x12);                 /* RTS: CTS delta */
    /* data > THRE > modem status */
    g_assert_cmphex(inb(&r, COM1 + 2), ==, 0x04);
    g_assert_cmphex(inb(&r, COM1), ==, 'z');
    g_assert_cmphex(inb(&r, COM1 + 2), ==, 0x02);
    g_assert_cmphex(inb(&r, COM1 + 2), ==, 0x00);     /* modem status */
    /* CTS; DCTS, and DDSR/DDCD from entering loopback */
    g_assert_cmphex(inb(&r, COM1 + 6), ==, 0x1b);
    g_assert_cmphex(inb(&r, COM1 + 2), ==, 0x01);
    g_assert_cmpint(r.irq->level, ==, 0);
    /* 16450 mode overrun: RBR overwritten, OE set, line status first */
    outb(&r, COM1, '1');
    outb(&r, COM1, '2');
    g_assert_cmphex(inb(&r, COM1 + 2), ==, 0x06);
    g_assert_cmphex(inb(&r, COM1 + 5), ==, 0x63);
    g_assert_cmphex(inb(&r, COM1 + 2), ==, 0x04);
    g_assert_cmphex(inb(&r, COM1), ==, '2');
    rig_done(&r);
}

static void test_loopback_modem_bits(void)
{
    Rig r = rig_new(NULL);
    g_assert_cmphex(inb(&r, COM1 + 6), ==, 0xb0);     /* DCD DSR CTS */
    outb(&r, COM1 + 4, 0x10);
    g_assert_cmphex(inb(&r, COM1 + 6), ==, 0x0b);     /* all dropped */
    outb(&r, COM1 + 4, 0x1f);                         /* DTR RTS OUT1 OUT2 */
    g_assert_cmphex(inb(&r, COM1 + 6), ==, 0xfb);     /* RI rise: no delta */
    g_assert_cmphex(inb(&r, COM1 + 6), ==, 0xf0);     /* deltas read-clear */
    outb(&r, COM1 + 4, 0x1b);                         /* OUT1 off */
    g_assert_cmphex(inb(&r, COM1 + 6), ==, 0xb4);     /* TERI */
    rig_done(&r);
}

static void drain(void)
{
    for (int i = 0; i < 10; i++) {
        g_main_context_iteration(NULL, FALSE);
    }
}

static void test_receive_flow_control(void)
{
    int in[2], out[2];
    g_assert_cmpint(pipe(in), ==, 0);
    g_assert_cmpint(pipe(out), ==, 0);
    Rig r = rig_new(chardev_new_mux_fds(in[0], out[1]));
    outb(&r, COM1 + 1, 0x01);
    g_assert_cmpint(write(in[1], "abc", 3), ==, 3);
    drain();
    /* FIFO off: one byte held, the rest waits in the backend */
    g_assert_cmpint(r.irq->level, ==, 1);
    g_assert_cmphex(inb(&r, COM1 + 5) & 0x03, ==, 0x01);
    g_assert_cmphex(inb(&r, COM1), ==, 'a');
    g_assert_cmphex(inb(&r, COM1), ==, 'b');
    g_assert_cmphex(inb(&r, COM1), ==, 'c');
    g_assert_cmphex(inb(&r, COM1 + 5) & 0x03, ==, 0x00);
    g_assert_cmpint(r.irq->level, ==, 0);
    /* FIFO on: up to 16 arrive at once */
    outb(&r, COM1 + 2, 0x01);
    g_assert_cmpint(write(in[1], "0123456789abcdefXY", 18), ==, 18);
    drain();
    g_assert_cmphex(inb(&r, COM1 + 5) & 0x03, ==, 0x01);   /* no overrun */
    char got[19] = {0};
    for (int i = 0; i < 18; i++) {
        got[i] = inb(&r, COM1);
    }
    g_assert_cmpstr(got, ==, "0123456789abcdefXY");
    /* guest output goes to the console's output fd */
    outb(&r, COM1, '!');
    char c = 0;
    g_assert_cmpint(read(out[0], &c, 1), ==, 1);
    g_assert_cmpint(c, ==, '!');
    close(in[1]);
    drain();
}

static void test_bad_props(void)
{
    Machine *m = g_new0(Machine, 1);
    char *err = NULL;
    keep_alive(m);
    as_init(&m->io, "io");
    g_assert_null(device_create(m, "isa-serial", "irq=16", &err));
    g_assert_nonnull(strstr(err, "irq"));
    free(err);
    err = NULL;
    g_assert_null(device_create(m, "isa-serial", "chardev=4", &err));
    g_assert_nonnull(strstr(err, "chardev"));
    free(err);
    err = NULL;
    /* no backend (-serial none): output is dropped, nothing crashes */
    g_assert_nonnull(device_create(m, "isa-serial", "iobase=0x2f8,irq=3", &err));
    as_write(&m->io, 0x2f8, 1, 'q');
    g_assert_null(device_create(m, "isa-serial", "iobase=0x2f8,irq=3", &err));
    g_assert_nonnull(strstr(err, "in use"));
    free(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/serial/transmit-and-lsr", test_transmit_and_lsr);
    g_test_add_func("/serial/divisor-latch", test_divisor_latch);
    g_test_add_func("/serial/thre-interrupt", test_thre_interrupt);
    g_test_add_func("/serial/fifo-trigger-and-timeout", test_fifo_trigger_and_timeout);
    g_test_add_func("/serial/priorities", test_priorities);
    g_test_add_func("/serial/loopback-modem-bits", test_loopback_modem_bits);
    g_test_add_func("/serial/receive-flow-control", test_receive_flow_control);
    g_test_add_func("/serial/bad-props", test_bad_props);
    return g_test_run();
}

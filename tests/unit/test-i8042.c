/* Unit tests for hw/input/i8042.c: Linux's probe sequence (flush, self
 * test, command byte, interface tests, aux loopback with IRQ 12), the
 * keyboard's replies (reset, identify with and without translation, LEDs,
 * scan set), IRQ 1 edges per byte and their enable/disable bits, resets
 * through command 0xFE and the output port, A20 through the output port,
 * and scan code input with set-2 to set-1 translation. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "hw/input/i8042.h"
#include "hw/input/ps2_mouse.h"
#include "hw/machine.h"
#include "target/i386/cpu.h"

static int irq_level[16];
static int irq_edges[16];

static void irq_handler(void *opaque, int n, int level)
{
    if (level && !irq_level[n]) {
        irq_edges[n]++;
    }
    irq_level[n] = level;
}

static Machine *make_machine(void **kbc)
{
    Machine *m = g_new0(Machine, 1);
    char *err = NULL;
    as_init(&m->io, "io");
    as_init(&m->mem.mmio, "mmio");
    memset(irq_level, 0, sizeof(irq_level));
    memset(irq_edges, 0, sizeof(irq_edges));
    for (int i = 0; i < ISA_NUM_IRQS; i++) {
        m->isa_irq[i] = (IrqLine){ irq_handler, NULL, i };
    }
    *kbc = device_create(m, "i8042", NULL, &err);
    g_assert_nonnull(*kbc);
    return m;
}

static void free_machine(Machine *m)
{
    for (int i = 0; i < m->nr_devices; i++) {
        free(m->devices[i].state);
    }
    as_destroy(&m->io);
    as_destroy(&m->mem.mmio);
    g_free(m);
}

static uint8_t inb(Machine *m, uint16_t port)
{
    uint64_t v = 0xff;
    g_assert_true(as_read(&m->io, port, 1, &v));
    return (uint8_t)v;
}

static void outb(Machine *m, uint16_t port, uint8_t v)
{
    g_assert_true(as_write(&m->io, port, 1, v));
}

/* Like Linux's i8042_command(): send, then read n reply bytes. */
static void command(Machine *m, uint8_t cmd, const int *param_out, uint8_t *reply, int n)
{
    g_assert_cmphex(inb(m, 0x64) & 0x02, ==, 0);     /* IBF never set */
    outb(m, 0x64, cmd);
    if (param_out) {
        outb(m, 0x60, (uint8_t)*param_out);
    }
    for (int i = 0; i < n; i++) {
        g_assert_cmphex(inb(m, 0x64) & 0x01, ==, 0x01);
        reply[i] = inb(m, 0x60);
    }
}

static uint8_t read_byte(Machine *m, bool *aux)
{
    uint8_t st = inb(m, 0x64);
    g_assert_cmphex(st & 0x01, ==, 0x01);
    if (aux) {
        *aux = (st & 0x20) != 0;
    }
    return inb(m, 0x60);
}

static void assert_empty(Machine *m)
{
    g_assert_cmphex(inb(m, 0x64) & 0x01, ==, 0);
}

/* A byte to the mouse through D4; then its n answer bytes (aux data). */
static void mouse_cmd(Machine *m, uint8_t v, const uint8_t *want, int n)
{
    outb(m, 0x64, 0xd4);
    outb(m, 0x60, v);
    for (int i = 0; i < n; i++) {
        bool aux = false;
        uint8_t b = read_byte(m, &aux);
        g_assert_true(aux);
        if (want) {
            g_assert_cmphex(b, ==, want[i]);
        }
    }
    assert_empty(m);
}

/* What psmouse does: reset, ID, the IntelliMouse knocks (ID 3, then 4),
 * status, stream packets with IRQ 12 once reporting is on. */
static void test_mouse(void)
{
    void *kbc;
    Machine *m = make_machine(&kbc);
    static const uint8_t ack[] = { 0xfa }, bat[] = { 0xfa, 0xaa, 0x00 };
    mouse_cmd(m, 0xff, bat, 3);
    mouse_cmd(m, 0xf2, (const uint8_t[]){ 0xfa, 0x00 }, 2);
    /* 200, 100, 80: IntelliMouse (wheel) */
    for (int i = 0; i < 3; i++) {
        static const uint8_t rates[] = { 200, 100, 80 };
        mouse_cmd(m, 0xf3, ack, 1);
        mouse_cmd(m, rates[i], ack, 1);
    }
    mouse_cmd(m, 0xf2, (const uint8_t[]){ 0xfa, 0x03 }, 2);
    /* 200, 200, 80: Explorer (wheel + buttons 4/5) */
    for (int i = 0; i < 3; i++) {
        static const uint8_t rates[] = { 200, 200, 80 };
        mouse_cmd(m, 0xf3, ack, 1);
        mouse_cmd(m, rates[i], ack, 1);
    }
    mouse_cmd(m, 0xf2, (const uint8_t[]){ 0xfa, 0x04 }, 2);
    mouse_cmd(m, 0xe8, ack, 1);
    mouse_cmd(m, 0x03, ack, 1);                  /* 8 counts/mm */
    mouse_cmd(m, 0xe9, (const uint8_t[]){ 0xfa, 0x00, 0x03, 80 }, 4);
    /* not reporting yet: movement is only accumulated */
    i8042_mouse_input(kbc, 5, -3, 0, 0);
    assert_empty(m);
    mouse_cmd(m, 0xf4, ack, 1);
    mouse_cmd(m, 0xe9, (const uint8_t[]){ 0xfa, 0x20, 0x03, 80 }, 4);
    /* a packet: left button, dx 10 (+5 pending), dy -7 (-3 pending), wheel -1,
     * button 4 -> bit 4 of byte 3 */
    i8042_mouse_input(kbc, 5, -4, -1, PS2_MOUSE_LEFT | PS2_MOUSE_SIDE);
    static const uint8_t pkt[] = { 0x29, 10, 0xf9, 0x1f };
    for (int i = 0; i < 4; i++) {
        bool aux = false;
        g_assert_cmpint(irq_level[12], ==, 1);
        g_assert_cmphex(read_byte(m, &aux), ==, pkt[i]);
        g_assert_true(aux);
    }
    assert_empty(m);
    /* hostile floods stay bounded */
    for (int i = 0; i < 1000; i++) {
        i8042_mouse_input(kbc, 1 << 30, -(1 << 30), 1 << 20, 0xff);
        while (inb(m, 0x64) & 1) {
            inb(m, 0x60);
        }
    }
    /* unknown command: RESEND; wrap mode echoes */
    mouse_cmd(m, 0xf5, ack, 1);
    mouse_cmd(m, 0x12, (const uint8_t[]){ 0xfe }, 1);
    mouse_cmd(m, 0xee, ack, 1);
    mouse_cmd(m, 0x42, (const uint8_t[]){ 0x42 }, 1);
    mouse_cmd(m, 0xec, ack, 1);
    free_machine(m);
}

static void test_linux_probe(void)
{
    void *kbc;
    Machine *m = make_machine(&kbc);
    /* i8042_flush: a present controller reads back a sane status */
    uint8_t st = inb(m, 0x64);
    g_assert_cmphex(st, !=, 0xff);
    g_assert_cmphex(st & 0x01, ==, 0);
    uint8_t r[4];
    /* self test */
    command(m, 0xaa, NULL, r, 1);
    g_assert_cmphex(r[0], ==, 0x55);
    g_assert_cmphex(inb(m, 0x64) & 0x04, ==, 0x04);  /* SYS flag */
    g_assert_cmphex(inb(m, 0x64) & 0x08, ==, 0x08);  /* A2: last write was a command */
    /* read the command byte, write it back changed, read again */
    command(m, 0x20, NULL, r, 1);
    g_assert_cmphex(r[0], ==, 0x03);
    int ctr = 0x47;
    command(m, 0x60, &ctr, r, 0);
    g_assert_cmphex(inb(m, 0x64) & 0x08, ==, 0);     /* data write clears A2 */
    command(m, 0x20, NULL, r, 1);
    g_assert_cmphex(r[0], ==, 0x47);
    /* interface tests */
    command(m, 0xab, NULL, r, 1);
    g_assert_cmphex(r[0], ==, 0x00);
    command(m, 0xa9, NULL, r, 1);
    g_assert_cmphex(r[0], ==, 0x00);
    /* aux loopback: comes back as aux data, raises IRQ 12 (AUXINT set) */
    irq_edges[12] = irq_edges[1] = 0;
    int loop = 0x5a;
    outb(m, 0x64, 0xd3);
    outb(m, 0x60, (uint8_t)loop);
    g_assert_cmpint(irq_level[12], ==, 1);
    g_assert_cmpint(irq_edges[1], ==, 0);
    bool aux = false;
    g_assert_cmphex(read_byte(m, &aux), ==, 0x5a);
    g_assert_true(aux);
    g_assert_cmpint(irq_level[12], ==, 0);
    /* MUX detection loop returns the bytes unchanged: no MUX */
    static const uint8_t mux[3] = { 0xf0, 0x56, 0xa4 };
    for (int i = 0; i < 3; i++) {
        int p = mux[i];
        command(m, 0xd3, &p, r, 1);
        g_assert_cmphex(r[0], ==, mux[i]);
    }
    /* aux disable/enable toggles CTR bit 5 */
    command(m, 0xa7, NULL, r, 0);
    command(m, 0x20, NULL, r, 1);
    g_assert_cmphex(r[0] & 0x20, ==, 0x20);
    command(m, 0xa8, NULL, r, 0);
    command(m, 0x20, NULL, r, 1);
    g_assert_cmphex(r[0] & 0x20, ==, 0);
    /* the loopback works while the aux port is disabled too */
    command(m, 0xa7, NULL, r, 0);
    int p = 0xa5;
    command(m, 0xd3, &p, r, 1);
    g_assert_cmphex(r[0], ==, 0xa5);
    /* the mouse on the aux port answers a reset: ACK, BAT OK, ID 0 */
    outb(m, 0x64, 0xd4);
    outb(m, 0x60, 0xff);
    static const uint8_t bat[] = { 0xfa, 0xaa, 0x00 };
    for (int i = 0; i < 3; i++) {
        g_assert_cmphex(read_byte(m, &aux), ==, bat[i]);
        g_assert_true(aux);
    }
    /* keyboard disable/enable */
    command(m, 0xad, NULL, r, 0);
    command(m, 0x20, NULL, r, 1);
    g_assert_cmphex(r[0] & 0x10, ==, 0x10);
    command(m, 0xae, NULL, r, 0);
    command(m, 0x20, NULL, r, 1);
    g_assert_cmphex(r[0] & 0x10, ==, 0);
    assert_empty(m);
    free_machine(m);
}

/* atkbd's part: ps2_command writes to 0x60 and reads the ACK and reply. */
static void kbd_cmd(Machine *m, uint8_t cmd, const uint8_t *want, int n)
{
    outb(m, 0x60, cmd);
    for (int i = 0; i < n; i++) {
        bool aux = true;
        uint8_t v = read_byte(m, &aux);
        g_assert_false(aux);
        if (v != want[i]) {
            g_error("keyboard command 0x%02x: byte %d is 0x%02x, want 0x%02x", cmd, i, v,
                    want[i]);
        }
    }
    assert_empty(m);
}

static void test_keyboard_commands(void)
{
    void *kbc;
    Machine *m = make_machine(&kbc);
    kbd_cmd(m, 0xff, (const uint8_t[]){ 0xfa, 0xaa }, 2);
    kbd_cmd(m, 0xf2, (const uint8_t[]){ 0xfa, 0xab, 0x83 }, 3);
    kbd_cmd(m, 0xf5, (const uint8_t[]){ 0xfa }, 1);
    kbd_cmd(m, 0xf4, (const uint8_t[]){ 0xfa }, 1);
    kbd_cmd(m, 0xed, (const uint8_t[]){ 0xfa }, 1);
    kbd_cmd(m, 0x07, (const uint8_t[]){ 0xfa }, 1);      /* LED parameter */
    kbd_cmd(m, 0xf3, (const uint8_t[]){ 0xfa }, 1);
    kbd_cmd(m, 0x20, (const uint8_t[]){ 0xfa }, 1);      /* typematic parameter */
    kbd_cmd(m, 0xf0, (const uint8_t[]){ 0xfa }, 1);
    kbd_cmd(m, 0x00, (const uint8_t[]){ 0xfa, 0x02 }, 2); /* query: set 2 */
    kbd_cmd(m, 0xf0, (const uint8_t[]){ 0xfa }, 1);
    kbd_cmd(m, 0x03, (const uint8_t[]){ 0xfa }, 1);      /* select set 3 */
    kbd_cmd(m, 0xf0, (const uint8_t[]){ 0xfa }, 1);
    kbd_cmd(m, 0x00, (const uint8_t[]){ 0xfa, 0x03 }, 2);
    kbd_cmd(m, 0xee, (const uint8_t[]){ 0xee }, 1);      /* echo */
    kbd_cmd(m, 0x01, (const uint8_t[]){ 0xfe }, 1);      /* unknown: resend */
    /* with translation the ID's second byte is translated too */
    uint8_t r[1];
    int ctr = 0x43;
    command(m, 0x60, &ctr, r, 0);
    kbd_cmd(m, 0xf2, (const uint8_t[]){ 0xfa, 0xab, 0x41 }, 3);
    /* writing to the keyboard re-enables a disabled keyboard interface */
    command(m, 0xad, NULL, r, 0);
    kbd_cmd(m, 0xf4, (const uint8_t[]){ 0xfa }, 1);
    command(m, 0x20, NULL, r, 1);
    g_assert_cmphex(r[0] & 0x10, ==, 0);
    free_machine(m);
}

static void test_irq1(void)
{
    void *kbc;
    Machine *m = make_machine(&kbc);
    /* KBDINT on (power-on CTR): each byte is its own rising edge */
    irq_edges[1] = 0;
    outb(m, 0x60, 0xf2);
    g_assert_cmpint(irq_level[1], ==, 1);
    inb(m, 0x60);
    g_assert_cmpint(irq_level[1], ==, 1);    /* next byte loaded at once */
    inb(m, 0x60);
    inb(m, 0x60);
    g_assert_cmpint(irq_level[1], ==, 0);
    g_assert_cmpint(irq_edges[1], ==, 3);
    /* KBDINT off: data without an interrupt, as Linux polls */
    uint8_t r[1];
    int ctr = 0x00;
    command(m, 0x60, &ctr, r, 0);
    irq_edges[1] = 0;
    outb(m, 0x60, 0xf4);
    g_assert_cmpint(irq_level[1], ==, 0);
    g_assert_cmphex(read_byte(m, NULL), ==, 0xfa);
    /* enabling KBDINT while a byte waits raises the line */
    outb(m, 0x60, 0xee);
    g_assert_cmpint(irq_level[1], ==, 0);
    outb(m, 0x64, 0x60);
    outb(m, 0x60, 0x01);
    g_assert_cmpint(irq_level[1], ==, 1);
    g_assert_cmphex(inb(m, 0x60), ==, 0xee);
    g_assert_cmpint(irq_level[1], ==, 0);
    /* keyboard interface disabled: device bytes wait, replies do not */
    command(m, 0xad, NULL, r, 0);
    uint8_t key = 0x1c;
    i8042_keyboard_input(kbc, &key, 1);
    assert_empty(m);
    command(m, 0x20, NULL, r, 1);
    g_assert_cmphex(r[0], ==, 0x11);
    assert_empty(m);
    command(m, 0xae, NULL, r, 0);
    g_assert_cmpint(irq_level[1], ==, 1);
    g_assert_cmphex(read_byte(m, NULL), ==, 0x1c);
    /* an empty buffer reads the last byte again, without an IRQ */
    g_assert_cmphex(inb(m, 0x60), ==, 0x1c);
    g_assert_cmpint(irq_level[1], ==, 0);
    free_machine(m);
}

static void test_resets(void)
{
    void *kbc;
    Machine *m = make_machine(&kbc);
    g_assert_false(m->reset_requested);
    outb(m, 0x64, 0xfe);                      /* pulse the reset line */
    g_assert_true(m->reset_requested);
    m->reset_requested = 0;
    outb(m, 0x64, 0xff);                      /* pulse nothing */
    g_assert_false(m->reset_requested);
    /* output port: read, write with bit 0 low resets */
    uint8_t r[1];
    command(m, 0xd0, NULL, r, 1);
    g_assert_cmphex(r[0] & 0x03, ==, 0x03);
    int v = 0x03;
    command(m, 0xd1, &v, r, 0);
    g_assert_false(m->reset_requested);
    v = 0x02;
    command(m, 0xd1, &v, r, 0);
    g_assert_true(m->reset_requested);
    /* machine reset restores the power-on state */
    m->reset_requested = 0;
    outb(m, 0x60, 0xf2);
    machine_reset_devices(m);
    assert_empty(m);
    command(m, 0x20, NULL, r, 1);
    g_assert_cmphex(r[0], ==, 0x03);
    free_machine(m);
}

static void test_a20(void)
{
    void *kbc;
    Machine *m = make_machine(&kbc);
    X86CPU *cpu = g_new0(X86CPU, 1);
    cpu->env.a20_mask = ~0ull;
    m->cpus[0] = cpu;
    m->nr_cpus = 1;
    uint8_t r[1];
    int v = 0x01;                             /* A20 off, no reset */
    command(m, 0xd1, &v, r, 0);
    g_assert_cmphex(cpu->env.a20_mask, ==, ~(1ull << 20));
    command(m, 0xd0, NULL, r, 1);
    g_assert_cmphex(r[0] & 0x02, ==, 0);
    v = 0x03;
    command(m, 0xd1, &v, r, 0);
    g_assert_cmphex(cpu->env.a20_mask, ==, ~0ull);
    outb(m, 0x64, 0xdd);
    g_assert_cmphex(cpu->env.a20_mask, ==, ~(1ull << 20));
    outb(m, 0x64, 0xdf);
    g_assert_cmphex(cpu->env.a20_mask, ==, ~0ull);
    g_assert_false(m->reset_requested);
    m->cpus[0] = NULL;
    m->nr_cpus = 0;
    g_free(cpu);
    free_machine(m);
}

static void test_input_translation(void)
{
    void *kbc;
    Machine *m = make_machine(&kbc);
    /* direct (no XLATE): bytes pass as sent.  'A' press, E0-prefixed
     * right Ctrl release. */
    static const uint8_t keys[] = { 0x1c, 0xf0, 0x1c, 0xe0, 0xf0, 0x14 };
    i8042_keyboard_input(kbc, keys, sizeof(keys));
    for (size_t i = 0; i < sizeof(keys); i++) {
        g_assert_cmphex(read_byte(m, NULL), ==, keys[i]);
    }
    assert_empty(m);
    /* XLATE: set 1 with break bit */
    uint8_t r[1];
    int ctr = 0x41;
    command(m, 0x60, &ctr, r, 0);
    i8042_keyboard_input(kbc, keys, sizeof(keys));
    static const uint8_t set1[] = { 0x1e, 0x9e, 0xe0, 0x9d };
    for (size_t i = 0; i < sizeof(set1); i++) {
        g_assert_cmphex(read_byte(m, NULL), ==, set1[i]);
    }
    assert_empty(m);
    /* a few keys of each row: Esc, Enter, Space, F7 (0x83), KP 0 */
    static const uint8_t in2[] = { 0x76, 0x5a, 0x29, 0x83, 0x70 };
    static const uint8_t out1[] = { 0x01, 0x1c, 0x39, 0x41, 0x52 };
    i8042_keyboard_input(kbc, in2, sizeof(in2));
    for (size_t i = 0; i < sizeof(out1); i++) {
        g_assert_cmphex(read_byte(m, NULL), ==, out1[i]);
    }
    /* scanning disabled: keys are dropped */
    outb(m, 0x60, 0xf5);
    g_assert_cmphex(read_byte(m, NULL), ==, 0xfa);
    i8042_keyboard_input(kbc, keys, 1);
    assert_empty(m);
    /* more than the buffer holds: the rest is lost, nothing breaks */
    outb(m, 0x60, 0xf4);
    g_assert_cmphex(read_byte(m, NULL), ==, 0xfa);
    uint8_t many[100];
    memset(many, 0x1c, sizeof(many));
    i8042_keyboard_input(kbc, many, sizeof(many));
    int n = 0;
    while (inb(m, 0x64) & 1) {
        inb(m, 0x60);
        n++;
    }
    g_assert_cmpint(n, >=, 16);
    g_assert_cmpint(n, <, 100);
    free_machine(m);
}

/* Random port traffic (a hostile guest) never crashes, never loses the
 * controller: afterwards a reset and the probe still work. */
static void test_port_fuzz(void)
{
    void *kbc;
    Machine *m = make_machine(&kbc);
    GRand *rnd = g_rand_new_with_seed(42);
    for (int i = 0; i < 20000; i++) {
        uint16_t port = g_rand_boolean(rnd) ? 0x60 : 0x64;
        if (g_rand_int_range(rnd, 0, 3) == 0) {
            inb(m, port);
        } else {
            uint8_t v = (uint8_t)g_rand_int(rnd);
            if (port == 0x64 && (v >= 0xf0 || v == 0xd1)) {
                v = 0xaa;        /* keep resets out: they are tested elsewhere */
            }
            outb(m, port, v);
        }
        if (g_rand_int_range(rnd, 0, 500) == 0) {
            uint8_t keys[40];
            for (int k = 0; k < 40; k++) {
                keys[k] = (uint8_t)g_rand_int(rnd);
            }
            i8042_keyboard_input(kbc, keys, 40);
        }
    }
    machine_reset_devices(m);
    uint8_t r[1];
    command(m, 0xaa, NULL, r, 1);
    g_assert_cmphex(r[0], ==, 0x55);
    g_rand_free(rnd);
    free_machine(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/i8042/linux-probe", test_linux_probe);
    g_test_add_func("/i8042/mouse", test_mouse);
    g_test_add_func("/i8042/keyboard-commands", test_keyboard_commands);
    g_test_add_func("/i8042/irq1", test_irq1);
    g_test_add_func("/i8042/resets", test_resets);
    g_test_add_func("/i8042/a20", test_a20);
    g_test_add_func("/i8042/input-translation", test_input_translation);
    g_test_add_func("/i8042/port-fuzz", test_port_fuzz);
    return g_test_run();
}

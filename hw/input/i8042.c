/*
 * hw/input/i8042.c - the 8042 keyboard controller (ports 0x60/0x64) with
 * an AT keyboard behind it; IRQ 1 for keyboard data, IRQ 12 for aux data.
 *
 * Design: three sources feed the one output buffer (port 0x60), in this
 * priority: bytes the controller itself produces (command replies, the
 * D2/D3 "write output buffer" loopbacks), then the keyboard's queue, then
 * the aux port's.  Device bytes wait while their interface is disabled in
 * the command byte (CTR bits 4/5); controller bytes never do, as on the
 * real part (the guest must be able to read a reply to "read CTR" while
 * the keyboard is disabled).  Whenever the buffer empties the next byte is
 * loaded at once and the IRQ line dropped and raised again, so the PIC
 * sees one edge per byte.  Commands complete instantly: IBF never reads 1.
 *
 * With CTR.XLATE (bit 6) the controller translates the keyboard's set-2
 * bytes to set 1 (a released key's F0 prefix folds into bit 7), as PC/AT
 * firmware and DOS expect; Linux turns XLATE off or on and copes with both.
 * The aux port has a PS/2 mouse (ps2_mouse.c): bytes written with D4 go to
 * it and its answers queue as aux data (IRQ 12).
 *
 * Output port (D0/D1): bit 0 low resets the machine, bit 1 is the A20 gate
 * (applied to the BSP's a20_mask; KVM keeps A20 on).  Pulsing bit 0 with
 * command 0xFE (or any even 0xF0-0xFE) is the classic keyboard reset.
 * Registers and commands: Intel 8042 / IBM PC AT Technical Reference
 * "Keyboard controller"; keyboard commands: IBM PS/2 keyboard reference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/input/i8042.h"
#include "hw/input/ps2_mouse.h"
#include "hw/machine.h"
#include "system/sysemu.h"
#include "target/i386/cpu.h"

#define I8042_DATA   0x60
#define I8042_CMD    0x64

/* status register */
#define STS_OBF      0x01
#define STS_SYS      0x04
#define STS_A2       0x08   /* last write went to 0x64 */
#define STS_UNLOCKED 0x10   /* keyboard not inhibited */
#define STS_AUXDATA  0x20

/* command byte (controller RAM byte 0) */
#define CTR_KBDINT   0x01
#define CTR_AUXINT   0x02
#define CTR_SYS      0x04
#define CTR_KBDDIS   0x10
#define CTR_AUXDIS   0x20
#define CTR_XLATE    0x40

/* output port */
#define OUT_RESET    0x01   /* 1 = CPU reset line not asserted */
#define OUT_A20      0x02
#define OUT_KBD_OBF  0x10
#define OUT_AUX_OBF  0x20

#define KBD_ACK      0xfa
#define KBD_RESEND   0xfe
#define KBD_BAT_OK   0xaa

#define QUEUE_SIZE   16

typedef struct ByteQueue {
    uint8_t data[QUEUE_SIZE];
    uint8_t aux[QUEUE_SIZE];    /* ctrl queue only: reply shows as aux data */
    int head, count;
} ByteQueue;

typedef struct I8042State {
    Machine *m;
    IrqLine *kbd_irq, *aux_irq;
    int kbd_level, aux_level;

    uint8_t ram[32];            /* ram[0] is the command byte (CTR) */
    uint8_t status;             /* SYS and A2; the rest is computed */
    uint8_t outport;
    uint8_t pending_cmd;        /* controller command waiting for its data byte */

    bool obf, obf_aux;
    uint8_t out;                /* output buffer (last byte stays readable) */
    ByteQueue ctrl_q, kbd_q, aux_q;

    /* the keyboard */
    uint8_t kbd_pending;        /* command waiting for its parameter */
    bool kbd_scanning;
    uint8_t kbd_set, kbd_leds, kbd_typematic;
    bool xlate_break;           /* translation: an F0 prefix was swallowed */

    PS2Mouse mouse;             /* on the aux port */
} I8042State;

/* The 8042's set-2 to set-1 translation (bytes 0x00-0x7f; 0x80 and above
 * pass unchanged except 0x83, set 2's F7, which becomes 0x41). */
static const uint8_t xlate_table[128] = {
    0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
    0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a, 0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
    0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c, 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e, 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
    0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60, 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
    0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e, 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b, 0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
    0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45, 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
};

static void queue_push(ByteQueue *q, uint8_t v, bool aux)
{
    if (q->count == QUEUE_SIZE) {
        return;     /* overrun: the byte is lost, as with a full keyboard buffer */
    }
    int i = (q->head + q->count) % QUEUE_SIZE;
    q->data[i] = v;
    q->aux[i] = aux;
    q->count++;
}

static uint8_t queue_pop(ByteQueue *q, bool *aux)
{
    uint8_t v = q->data[q->head];
    if (aux) {
        *aux = q->aux[q->head];
    }
    q->head = (q->head + 1) % QUEUE_SIZE;
    q->count--;
    return v;
}

static void i8042_update_irq(I8042State *s)
{
    uint8_t ctr = s->ram[0];
    int kbd = s->obf && !s->obf_aux && (ctr & CTR_KBDINT);
    int aux = s->obf && s->obf_aux && (ctr & CTR_AUXINT);
    if (kbd != s->kbd_level) {
        s->kbd_level = kbd;
        irq_set(s->kbd_irq, kbd);
    }
    if (aux != s->aux_level) {
        s->aux_level = aux;
        irq_set(s->aux_irq, aux);
    }
}

/* Load the next byte into an empty output buffer. */
static void i8042_fill(I8042State *s)
{
    if (!s->obf) {
        uint8_t ctr = s->ram[0];
        bool aux = false;
        if (s->ctrl_q.count) {
            s->out = queue_pop(&s->ctrl_q, &aux);
        } else if (s->kbd_q.count && !(ctr & CTR_KBDDIS)) {
            s->out = queue_pop(&s->kbd_q, NULL);
        } else if (s->aux_q.count && !(ctr & CTR_AUXDIS)) {
            s->out = queue_pop(&s->aux_q, NULL);
            aux = true;
        } else {
            i8042_update_irq(s);
            return;
        }
        s->obf = true;
        s->obf_aux = aux;
    }
    i8042_update_irq(s);
}

static void i8042_ctrl_reply(I8042State *s, uint8_t v, bool aux)
{
    queue_push(&s->ctrl_q, v, aux);
    i8042_fill(s);
}

/* A byte from the keyboard, translated when CTR.XLATE says so. */
static void i8042_kbd_send(I8042State *s, uint8_t v)
{
    if (s->ram[0] & CTR_XLATE) {
        if (v == 0xf0) {
            s->xlate_break = true;
            return;
        }
        uint8_t t = v < 0x80 ? xlate_table[v] : (v == 0x83 ? 0x41 : v);
        if (s->xlate_break) {
            t |= 0x80;
            s->xlate_break = false;
        }
        v = t;
    }
    queue_push(&s->kbd_q, v, false);
}

static void i8042_kbd_defaults(I8042State *s)
{
    s->kbd_set = 2;
    s->kbd_typematic = 0x2b;   /* 10.9 cps, 500 ms */
}

/* A command or parameter byte written to the keyboard (port 0x60). */
static void i8042_kbd_write(I8042State *s, uint8_t v)
{
    uint8_t cmd = s->kbd_pending;
    s->kbd_pending = 0;
    switch (cmd) {
    case 0xed:                  /* LED parameter */
        s->kbd_leds = v & 7;
        i8042_kbd_send(s, KBD_ACK);
        return;
    case 0xf3:                  /* typematic parameter */
        s->kbd_typematic = v & 0x7f;
        i8042_kbd_send(s, KBD_ACK);
        return;
    case 0xf0:                  /* scan code set parameter */
        i8042_kbd_send(s, KBD_ACK);
        if (v == 0) {
            i8042_kbd_send(s, s->kbd_set);
        } else if (v <= 3) {
            s->kbd_set = v;
        }
        return;
    default:
        break;
    }
    switch (v) {
    case 0xed:
    case 0xf0:
    case 0xf3:
        s->kbd_pending = v;
        i8042_kbd_send(s, KBD_ACK);
        break;
    case 0xee:                  /* echo */
        i8042_kbd_send(s, 0xee);
        break;
    case 0xf2:                  /* identify: MF2 keyboard */
        i8042_kbd_send(s, KBD_ACK);
        i8042_kbd_send(s, 0xab);
        i8042_kbd_send(s, 0x83);
        break;
    case 0xf4:                  /* enable scanning */
        s->kbd_scanning = true;
        i8042_kbd_send(s, KBD_ACK);
        break;
    case 0xf5:                  /* disable scanning, restore defaults */
        s->kbd_scanning = false;
        i8042_kbd_defaults(s);
        i8042_kbd_send(s, KBD_ACK);
        break;
    case 0xf6:                  /* restore defaults */
        i8042_kbd_defaults(s);
        i8042_kbd_send(s, KBD_ACK);
        break;
    case 0xf7: case 0xf8: case 0xf9: case 0xfa:
    case 0xfb: case 0xfc: case 0xfd:
        i8042_kbd_send(s, KBD_ACK);  /* set-3 key types: accepted, unused */
        break;
    case 0xff:                  /* reset and self test (BAT) */
        s->kbd_q.count = 0;
        s->kbd_scanning = true;
        s->kbd_leds = 0;
        i8042_kbd_defaults(s);
        i8042_kbd_send(s, KBD_ACK);
        i8042_kbd_send(s, KBD_BAT_OK);
        break;
    default:
        i8042_kbd_send(s, KBD_RESEND);
        break;
    }
}

static void i8042_set_a20(I8042State *s, bool on)
{
    X86CPU *cpu = s->m->nr_cpus > 0 ? s->m->cpus[0] : NULL;
    if (cpu) {
        /* The CPU's port-I/O path flushes its TLB when this changes. */
        __atomic_store_n(&cpu->env.a20_mask, on ? ~0ull : ~(1ull << 20),
                         __ATOMIC_RELAXED);
    }
}

static void i8042_write_outport(I8042State *s, uint8_t v)
{
    uint8_t old = s->outport;
    s->outport = v;
    if ((old ^ v) & OUT_A20) {
        i8042_set_a20(s, v & OUT_A20);
    }
    if (!(v & OUT_RESET)) {
        s->outport |= OUT_RESET;    /* the line is pulsed, not held */
        machine_request_reset(s->m, "keyboard controller reset");
    }
}

static uint8_t i8042_read_outport(I8042State *s)
{
    uint8_t v = s->outport & ~(OUT_KBD_OBF | OUT_AUX_OBF);
    if (s->obf) {
        v |= s->obf_aux ? OUT_AUX_OBF : OUT_KBD_OBF;
    }
    return v;
}

static void i8042_write_ctr(I8042State *s, uint8_t v)
{
    s->ram[0] = v;
    s->status = (s->status & ~STS_SYS) | (v & CTR_SYS);
    i8042_fill(s);   /* an interface may be enabled, an IRQ enable changed */
}

static void i8042_command(I8042State *s, uint8_t cmd)
{
    if (cmd >= 0x20 && cmd <= 0x3f) {           /* read controller RAM */
        i8042_ctrl_reply(s, s->ram[cmd & 0x1f], false);
        return;
    }
    if ((cmd >= 0x60 && cmd <= 0x7f) || cmd == 0xd1 || cmd == 0xd2 ||
        cmd == 0xd3 || cmd == 0xd4) {
        s->pending_cmd = cmd;                    /* data follows on 0x60 */
        return;
    }
    if (cmd >= 0xf0) {                           /* pulse output port bits */
        if (!(cmd & 1)) {
            machine_request_reset(s->m, "keyboard controller reset");
        }
        return;
    }
    switch (cmd) {
    case 0xa4:                                   /* password installed? no */
        i8042_ctrl_reply(s, 0xf1, false);
        break;
    case 0xa7:
        i8042_write_ctr(s, s->ram[0] | CTR_AUXDIS);
        break;
    case 0xa8:
        i8042_write_ctr(s, s->ram[0] & ~CTR_AUXDIS);
        break;
    case 0xa9:                                   /* aux interface test: ok */
    case 0xab:                                   /* kbd interface test: ok */
        i8042_ctrl_reply(s, 0x00, false);
        break;
    case 0xaa:                                   /* controller self test */
        s->status |= STS_SYS;
        i8042_ctrl_reply(s, 0x55, false);
        break;
    case 0xad:
        i8042_write_ctr(s, s->ram[0] | CTR_KBDDIS);
        break;
    case 0xae:
        i8042_write_ctr(s, s->ram[0] & ~CTR_KBDDIS);
        break;
    case 0xc0:                                   /* input port: nothing set */
        i8042_ctrl_reply(s, 0x00, false);
        break;
    case 0xd0:
        i8042_ctrl_reply(s, i8042_read_outport(s), false);
        break;
    case 0xdd:                                   /* A20 off / on (some 8042s) */
        i8042_write_outport(s, s->outport & ~OUT_A20);
        break;
    case 0xdf:
        i8042_write_outport(s, s->outport | OUT_A20);
        break;
    default:
        log_mask_printf(LOG_UNIMP, "i8042: unknown controller command 0x%02x\n", cmd);
        break;
    }
}

static void i8042_data_write(I8042State *s, uint8_t v)
{
    uint8_t cmd = s->pending_cmd;
    s->pending_cmd = 0;
    if (cmd >= 0x60 && cmd <= 0x7f) {
        if (cmd == 0x60) {
            i8042_write_ctr(s, v);
        } else {
            s->ram[cmd & 0x1f] = v;
        }
        return;
    }
    switch (cmd) {
    case 0xd1:
        i8042_write_outport(s, v);
        return;
    case 0xd2:                                   /* as if from the keyboard */
        i8042_ctrl_reply(s, v, false);
        return;
    case 0xd3:                                   /* as if from the aux device */
        i8042_ctrl_reply(s, v, true);
        return;
    case 0xd4:                                   /* to the aux device */
        s->ram[0] &= ~CTR_AUXDIS;                /* sending enables the port */
        ps2_mouse_write(&s->mouse, v);
        i8042_fill(s);
        return;
    default:
        break;
    }
    /* To the keyboard; talking to it enables its interface. */
    s->ram[0] &= ~CTR_KBDDIS;
    i8042_kbd_write(s, v);
    i8042_fill(s);
}

static uint64_t i8042_read(void *opaque, uint64_t off, unsigned size)
{
    I8042State *s = opaque;
    if (off == 0) {                              /* 0x60: data */
        uint8_t v = s->out;
        if (s->obf) {
            s->obf = false;
            i8042_update_irq(s);                 /* drop the line: one edge per byte */
            i8042_fill(s);
        }
        return v;
    }
    uint8_t st = s->status | STS_UNLOCKED;       /* 0x64: status */
    if (s->obf) {
        st |= STS_OBF | (s->obf_aux ? STS_AUXDATA : 0);
    }
    return st;
}

static void i8042_write(void *opaque, uint64_t off, uint64_t value, unsigned size)
{
    I8042State *s = opaque;
    if (off == 0) {
        s->status &= ~STS_A2;
        i8042_data_write(s, (uint8_t)value);
    } else {
        s->status |= STS_A2;
        i8042_command(s, (uint8_t)value);
    }
}

static uint64_t i8042_data_read(void *opaque, uint64_t off, unsigned size)
{
    return i8042_read(opaque, 0, size);
}

static void i8042_data_write_op(void *opaque, uint64_t off, uint64_t value, unsigned size)
{
    i8042_write(opaque, 0, value, size);
}

static uint64_t i8042_cmd_read(void *opaque, uint64_t off, unsigned size)
{
    return i8042_read(opaque, 1, size);
}

static void i8042_cmd_write(void *opaque, uint64_t off, uint64_t value, unsigned size)
{
    i8042_write(opaque, 1, value, size);
}

static const MemoryOps i8042_data_ops = {
    .read = i8042_data_read,
    .write = i8042_data_write_op,
    .min_size = 1,
    .max_size = 1,
};

static const MemoryOps i8042_cmd_ops = {
    .read = i8042_cmd_read,
    .write = i8042_cmd_write,
    .min_size = 1,
    .max_size = 1,
};

/* Scan codes from a keyboard front end (a future display), in the set the
 * guest selected (set 2 unless it asked otherwise): make codes, E0
 * prefixes, F0 break prefixes as the keyboard sends them.  Dropped while
 * the guest has scanning disabled (F5).  Call with the BQL held. */
void i8042_keyboard_input(void *state, const uint8_t *scancodes, int n)
{
    I8042State *s = state;
    if (!s || !scancodes || !s->kbd_scanning) {
        return;
    }
    for (int i = 0; i < n; i++) {
        i8042_kbd_send(s, scancodes[i]);
    }
    i8042_fill(s);
}

static void i8042_reset(void *state)
{
    I8042State *s = state;
    memset(s->ram, 0, sizeof(s->ram));
    /* Power-on command byte: both interrupts enabled, no translation
     * (firmware sets XLATE when it wants set 1). */
    s->ram[0] = CTR_KBDINT | CTR_AUXINT;
    s->status = 0;
    s->outport = OUT_RESET | OUT_A20 | 0xcc;
    s->pending_cmd = 0;
    s->obf = s->obf_aux = false;
    s->out = 0;
    memset(&s->ctrl_q, 0, sizeof(s->ctrl_q));
    memset(&s->kbd_q, 0, sizeof(s->kbd_q));
    memset(&s->aux_q, 0, sizeof(s->aux_q));
    s->kbd_pending = 0;
    s->kbd_scanning = true;
    s->kbd_leds = 0;
    s->xlate_break = false;
    i8042_kbd_defaults(s);
    ps2_mouse_reset(&s->mouse);
    i8042_update_irq(s);
}

/* The mouse's answers and packets: aux data in the output buffer. */
static void i8042_aux_send(void *opaque, uint8_t v)
{
    I8042State *s = opaque;
    queue_push(&s->aux_q, v, true);
}

void i8042_mouse_input(void *state, int dx, int dy, int dz, uint8_t buttons)
{
    I8042State *s = state;
    ps2_mouse_event(&s->mouse, dx, dy, dz, buttons);
    i8042_fill(s);
}

static bool i8042_realize(void *state, Machine *m, const DeviceProps *p, char **err)
{
    I8042State *s = state;
    s->m = m;
    ps2_mouse_init(&s->mouse, i8042_aux_send, s);
    s->kbd_irq = &m->isa_irq[1];
    s->aux_irq = &m->isa_irq[12];
    if (!as_map(&m->io, I8042_DATA, 1, &i8042_data_ops, s, "i8042-data")) {
        *err = strdup("i8042: I/O port 0x60 already in use");
        return false;
    }
    if (!as_map(&m->io, I8042_CMD, 1, &i8042_cmd_ops, s, "i8042-cmd")) {
        as_unmap(&m->io, I8042_DATA);
        *err = strdup("i8042: I/O port 0x64 already in use");
        return false;
    }
    i8042_reset(s);
    return true;
}

static const char *const i8042_props[] = { NULL };

static const DeviceInfo i8042_info = {
    .name = "i8042",
    .desc = "PS/2 keyboard controller with an AT keyboard and a PS/2 mouse (ports 0x60/0x64, IRQ 1/12)",
    .state_size = sizeof(I8042State),
    .props = i8042_props,
    .realize = i8042_realize,
    .reset = i8042_reset,
    .user_creatable = false,
};
DEVICE_REGISTER(i8042_info)

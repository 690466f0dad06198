/*
 * hw/char/serial.c - 16550A UART on the ISA bus ("isa-serial").
 *
 * Design: register model from the 16550A datasheet: RBR/THR/IER/IIR/FCR/
 * LCR/MCR/LSR/MSR/SCR and the DLL/DLM divisor latch behind LCR.DLAB, a
 * 16-byte receive FIFO with the four trigger levels and the character
 * timeout indication, and the four interrupt sources in datasheet priority
 * (receiver line status > received data / timeout > THR empty > modem
 * status).  The IRQ line is level: it follows "some enabled interrupt is
 * pending".  Like QEMU (and unlike a real PC board) MCR.OUT2 does not gate
 * the line, so guests that never set OUT2 behave as they do under QEMU.
 *
 * Transmission has no baud-rate timing: a byte written to THR goes to the
 * chardev at once (or, in loopback, into the receiver), so the transmit
 * FIFO and shift register are always empty again when the guest looks:
 * THRE and TEMT read as set and the THRE interrupt is re-armed after every
 * write.  The receive side does keep time for the character timeout (four
 * character times at the programmed divisor), because drivers expect the
 * timeout only when no more data is coming.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"
#include "system/sysemu.h"

#define UART_FIFO_SIZE 16
#define UART_CLOCK 1843200ULL   /* PC UART crystal; baud = clock/16/div */

/* IER */
#define IER_RDI  0x01
#define IER_THRI 0x02
#define IER_RLSI 0x04
#define IER_MSI  0x08
/* IIR */
#define IIR_NO_INT 0x01
#define IIR_MSI    0x00
#define IIR_THRI   0x02
#define IIR_RDI    0x04
#define IIR_RLSI   0x06
#define IIR_CTI    0x0c
#define IIR_FIFO   0xc0
/* FCR */
#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
/* LCR */
#define LCR_DLAB 0x80
/* MCR */
#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
/* LSR */
#define LSR_DR   0x01
#define LSR_OE   0x02
#define LSR_PE   0x04
#define LSR_FE   0x08
#define LSR_BI   0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_ERRS (LSR_OE | LSR_PE | LSR_FE | LSR_BI)
/* MSR */
#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS  0x10
#define MSR_DSR  0x20
#define MSR_RI   0x40
#define MSR_DCD  0x80
#define MSR_DELTAS 0x0f

typedef struct SerialState {
    Machine *m;
    IrqLine *irq;
    Chardev *chr;
    Timer *timeout_timer;
    uint16_t iobase;

    uint16_t divisor;
    uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
    uint8_t rx_fifo[UART_FIFO_SIZE];
    int rx_head, rx_count;
    bool thr_ipending;      /* THR empty interrupt latched */
    bool timeout_ipending;  /* character timeout indication */
    int irq_level;
} SerialState;

static bool serial_fifo_on(const SerialState *s)
{
    return s->fcr & FCR_ENABLE;
}

static int serial_rx_trigger(const SerialState *s)
{
    static const int levels[4] = { 1, 4, 8, 14 };
    return levels[s->fcr >> 6];
}

/* The pending interrupt of highest priority, as the IIR id bits. */
static uint8_t serial_pending(const SerialState *s)
{
    if ((s->ier & IER_RLSI) && (s->lsr & LSR_ERRS)) {
        return IIR_RLSI;
    }
    if (s->ier & IER_RDI) {
        if (s->timeout_ipending) {
            return IIR_CTI;
        }
        if (serial_fifo_on(s) ? s->rx_count >= serial_rx_trigger(s)
                              : s->rx_count > 0) {
            return IIR_RDI;
        }
    }
    if ((s->ier & IER_THRI) && s->thr_ipending) {
        return IIR_THRI;
    }
    if ((s->ier & IER_MSI) && (s->msr & MSR_DELTAS)) {
        return IIR_MSI;
    }
    return IIR_NO_INT;
}

static void serial_update_irq(SerialState *s)
{
    int level = serial_pending(s) != IIR_NO_INT;
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(s->irq, level);
    }
}

/* Four character times at the current divisor and frame format. */
static int64_t serial_char_timeout_ns(const SerialState *s)
{
    int bits = 1 + 5 + (s->lcr & 3) + ((s->lcr & 0x08) ? 1 : 0) +
               ((s->lcr & 0x04) ? 2 : 1);
    uint64_t div = s->divisor ? s->divisor : 0x10000;
    return (int64_t)(4ULL * bits * div * 16 * 1000000000ULL / UART_CLOCK);
}

static void serial_timeout_rearm(SerialState *s)
{
    if (serial_fifo_on(s) && s->rx_count > 0) {
        timer_mod(s->timeout_timer, clock_ns() + serial_char_timeout_ns(s));
    } else {
        timer_del(s->timeout_timer);
    }
}

static void serial_timeout_cb(void *opaque)
{
    SerialState *s = opaque;
    if (serial_fifo_on(s) && s->rx_count > 0) {
        s->timeout_ipending = true;
        serial_update_irq(s);
    }
}

static void serial_rx_push(SerialState *s, uint8_t c)
{
    int cap = serial_fifo_on(s) ? UART_FIFO_SIZE : 1;
    if (s->rx_count >= cap) {
        if (!serial_fifo_on(s)) {
            /* 16450 mode: the new character overwrites RBR */
            s->rx_fifo[s->rx_head] = c;
        }
        s->lsr |= LSR_OE;
        return;
    }
    s->rx_fifo[(s->rx_head + s->rx_count) % UART_FIFO_SIZE] = c;
    s->rx_count++;
    s->lsr |= LSR_DR;
}

static void serial_rx_clear(SerialState *s)
{
    s->rx_head = s->rx_count = 0;
    s->lsr &= ~LSR_DR;
    s->timeout_ipending = false;
    timer_del(s->timeout_timer);
}

static int serial_can_receive(void *opaque)
{
    SerialState *s = opaque;
    if (s->mcr & MCR_LOOP) {
        return 0;   /* the receiver listens to the transmitter only */
    }
    return (serial_fifo_on(s) ? UART_FIFO_SIZE : 1) - s->rx_count;
}

static void serial_receive(void *opaque, const uint8_t *buf, int len)
{
    SerialState *s = opaque;
    for (int i = 0; i < len; i++) {
        serial_rx_push(s, buf[i]);
    }
    s->timeout_ipending = false;
    serial_timeout_rearm(s);
    serial_update_irq(s);
}

/* MSR as the modem inputs read; in loopback they are the MCR outputs. */
static void serial_set_msr_inputs(SerialState *s, uint8_t inputs)
{
    uint8_t old = s->msr, changed = (old ^ inputs) & 0xf0;
    uint8_t deltas = 0;
    if (changed & MSR_CTS) {
        deltas |= MSR_DCTS;
    }
    if (changed & MSR_DSR) {
        deltas |= MSR_DDSR;
    }
    if ((old & MSR_RI) && !(inputs & MSR_RI)) {
        deltas |= MSR_TERI;     /* trailing edge of ring indicator only */
    }
    if (changed & MSR_DCD) {
        deltas |= MSR_DDCD;
    }
    s->msr = (inputs & 0xf0) | (old & MSR_DELTAS) | deltas;
}

static void serial_loopback_msr(SerialState *s)
{
    uint8_t in = 0;
    if (s->mcr & MCR_RTS) {
        in |= MSR_CTS;
    }
    if (s->mcr & MCR_DTR) {
        in |= MSR_DSR;
    }
    if (s->mcr & MCR_OUT1) {
        in |= MSR_RI;
    }
    if (s->mcr & MCR_OUT2) {
        in |= MSR_DCD;
    }
    serial_set_msr_inputs(s, in);
}

static void serial_transmit(SerialState *s, uint8_t c)
{
    if (s->mcr & MCR_LOOP) {
        serial_rx_push(s, c);
        s->timeout_ipending = false;
        serial_timeout_rearm(s);
    } else if (s->chr) {
        chardev_write(s->chr, &c, 1);
    }
    /* sent at once: holding and shift registers are empty again */
    s->lsr |= LSR_THRE | LSR_TEMT;
    s->thr_ipending = true;
}

static uint64_t serial_read(void *opaque, uint64_t offset, unsigned size)
{
    SerialState *s = opaque;
    uint8_t v = 0xff;

    switch (offset) {
    case 0:
        if (s->lcr & LCR_DLAB) {
            return s->divisor & 0xff;
        }
        v = 0;
        if (s->rx_count > 0) {
            v = s->rx_fifo[s->rx_head];
            s->rx_head = (s->rx_head + 1) % UART_FIFO_SIZE;
            s->rx_count--;
        }
        if (s->rx_count == 0) {
            s->lsr &= ~LSR_DR;
        }
        s->timeout_ipending = false;
        serial_timeout_rearm(s);
        serial_update_irq(s);
        /* room again: let the backend deliver what it buffered */
        if (s->chr && !(s->mcr & MCR_LOOP)) {
            chardev_accept_input(s->chr);
        }
        return v;
    case 1:
        if (s->lcr & LCR_DLAB) {
            return s->divisor >> 8;
        }
        return s->ier;
    case 2: {
        uint8_t id = serial_pending(s);
        /* reading IIR acknowledges a THRE interrupt it reports */
        if (id == IIR_THRI) {
            s->thr_ipending = false;
            serial_update_irq(s);
        }
        return id | (serial_fifo_on(s) ? IIR_FIFO : 0);
    }
    case 3:
        return s->lcr;
    case 4:
        return s->mcr;
    case 5:
        v = s->lsr;
        /* error bits clear on read (they are the line status interrupt) */
        s->lsr &= ~LSR_ERRS;
        serial_update_irq(s);
        return v;
    case 6:
        v = s->msr;
        s->msr &= ~MSR_DELTAS;
        serial_update_irq(s);
        return v;
    case 7:
        return s->scr;
    }
    return v;
}

static void serial_write(void *opaque, uint64_t offset, uint64_t value,
                         unsigned size)
{
    SerialState *s = opaque;
    uint8_t v = value;

    switch (offset) {
    case 0:
        if (s->lcr & LCR_DLAB) {
            s->divisor = (s->divisor & 0xff00) | v;
            return;
        }
        s->thr_ipending = false;
        s->lsr &= ~(LSR_THRE | LSR_TEMT);
        serial_transmit(s, v);
        break;
    case 1:
        if (s->lcr & LCR_DLAB) {
            s->divisor = (s->divisor & 0x00ff) | (v << 8);
            return;
        }
        /* enabling ETBEI while THR is empty raises the THRE interrupt
         * (Linux's 8250 driver tests for this at startup) */
        if ((v & IER_THRI) && !(s->ier & IER_THRI) && (s->lsr & LSR_THRE)) {
            s->thr_ipending = true;
        }
        s->ier = v & 0x0f;
        break;
    case 2:
        /* toggling the FIFO enable resets both FIFOs */
        if ((v ^ s->fcr) & FCR_ENABLE) {
            v |= FCR_CLEAR_RX | FCR_CLEAR_TX;
        }
        if (v & FCR_CLEAR_RX) {
            serial_rx_clear(s);
        }
        /* the transmit FIFO is always empty: nothing to clear */
        s->fcr = v & (FCR_ENABLE | 0xc0);
        if (!serial_fifo_on(s)) {
            s->fcr = 0;
        }
        serial_timeout_rearm(s);
        break;
    case 3:
        s->lcr = v;
        break;
    case 4: {
        uint8_t old = s->mcr;
        s->mcr = v & 0x1f;
        if (s->mcr & MCR_LOOP) {
            serial_loopback_msr(s);
        } else if (old & MCR_LOOP) {
            /* back to the (virtual) modem: carrier, DSR and CTS present */
            serial_set_msr_inputs(s, MSR_DCD | MSR_DSR | MSR_CTS);
        }
        if ((old & MCR_LOOP) && !(s->mcr & MCR_LOOP) && s->chr) {
            chardev_accept_input(s->chr);
        }
        break;
    }
    case 5:
    case 6:
        break;  /* LSR/MSR writes are factory test modes: ignored */
    case 7:
        s->scr = v;
        break;
    }
    serial_update_irq(s);
}

static const MemoryOps serial_ops = {
    .read = serial_read,
    .write = serial_write,
    .min_size = 1,
    .max_size = 1,
};

static void serial_reset(void *opaque)
{
    SerialState *s = opaque;

    timer_del(s->timeout_timer);
    s->divisor = 12;    /* 9600 baud, what BIOSes leave programmed */
    s->ier = 0;
    s->lcr = 0;
    s->mcr = 0;
    s->lsr = LSR_THRE | LSR_TEMT;
    s->msr = MSR_DCD | MSR_DSR | MSR_CTS;
    s->scr = 0;
    s->fcr = 0;
    s->rx_head = s->rx_count = 0;
    s->thr_ipending = false;
    s->timeout_ipending = false;
    s->irq_level = 0;
    irq_lower(s->irq);
    if (s->chr) {
        chardev_accept_input(s->chr);
    }
}

static bool serial_realize(void *opaque, Machine *m, const DeviceProps *p,
                           char **err)
{
    SerialState *s = opaque;
    uint64_t iobase, irq, chr;

    if (!device_prop_u64(p, "iobase", 0x3f8, &iobase, err) ||
        !device_prop_u64(p, "irq", 4, &irq, err) ||
        !device_prop_u64(p, "chardev", 0, &chr, err)) {
        return false;
    }
    if (iobase > 0xfff8) {
        *err = strdup("isa-serial: iobase must be below 0xfff8");
        return false;
    }
    if (irq >= ISA_NUM_IRQS) {
        *err = strdup("isa-serial: irq must be 0..15");
        return false;
    }
    if (chr >= 4) {
        *err = strdup("isa-serial: chardev must be 0..3 (the -serial index)");
        return false;
    }
    s->m = m;
    s->iobase = iobase;
    s->irq = &m->isa_irq[irq];
    s->chr = m->serial_chr[chr];
    if (!as_map(&m->io, iobase, 8, &serial_ops, s, "serial")) {
        char *msg = NULL;
        if (asprintf(&msg, "isa-serial: I/O ports 0x%x-0x%x already in use",
                     (unsigned)iobase, (unsigned)iobase + 7) < 0) {
            msg = NULL;
        }
        *err = msg;
        return false;
    }
    s->timeout_timer = timer_new(serial_timeout_cb, s);
    serial_reset(s);
    if (s->chr) {
        ChardevFrontend fe = { serial_can_receive, serial_receive, s };
        chardev_set_frontend(s->chr, &fe);
    }
    return true;
}

static const DeviceInfo serial_info = {
    .name = "isa-serial",
    .desc = "16550A UART (props: iobase=0x3f8, irq=4, chardev=0..3)",
    .state_size = sizeof(SerialState),
    .props = (const char *const[]){ "iobase", "irq", "chardev", NULL },
    .realize = serial_realize,
    .reset = serial_reset,
    .user_creatable = true,
};
DEVICE_REGISTER(serial_info)

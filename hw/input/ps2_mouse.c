/*
 * hw/input/ps2_mouse.c - the PS/2 mouse protocol (see ps2_mouse.h).
 *
 * Facts from the IBM PS/2 Hardware Technical Reference ("Keyboard and
 * Auxiliary Device Controller", mouse commands E6-FF), and Microsoft's
 * IntelliMouse extensions: sample rates 200, 100, 80 switch the ID to 3
 * (4-byte packets, byte 3 = wheel); then 200, 200, 80 switch it to 4
 * (byte 3 = wheel in bits 3:0, buttons 4/5 in bits 4/5).
 */
#include <string.h>

#include "hw/input/ps2_mouse.h"

#define ACK    0xfa
#define RESEND 0xfe
#define BAT_OK 0xaa

static void mouse_send(PS2Mouse *m, uint8_t v)
{
    m->last = v;
    m->send(m->opaque, v);
}

static void mouse_defaults(PS2Mouse *m)
{
    m->rate = 100;
    m->resolution = 2;          /* 4 counts/mm */
    m->scaling21 = false;
    m->reporting = false;
    m->remote = false;
}

void ps2_mouse_reset(PS2Mouse *m)
{
    mouse_defaults(m);
    m->pending = 0;
    m->wrap = false;
    m->id = 0;
    memset(m->knock, 0, sizeof(m->knock));
    m->dx = m->dy = m->dz = 0;
    m->buttons = 0;
}

void ps2_mouse_init(PS2Mouse *m, void (*send)(void *, uint8_t), void *opaque)
{
    memset(m, 0, sizeof(*m));
    m->send = send;
    m->opaque = opaque;
    ps2_mouse_reset(m);
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* One movement packet from the accumulated motion (3 bytes, or 4 with a
 * wheel); motion beyond 9 bits is sent in later packets. */
static void mouse_packet(PS2Mouse *m)
{
    int dx = clamp(m->dx, -256, 255), dy = clamp(m->dy, -256, 255);
    uint8_t b0 = 0x08 | (m->buttons & 7);
    if (dx < 0) {
        b0 |= 0x10;
    }
    if (dy < 0) {
        b0 |= 0x20;
    }
    mouse_send(m, b0);
    mouse_send(m, (uint8_t)dx);
    mouse_send(m, (uint8_t)dy);
    m->dx -= dx;
    m->dy -= dy;
    if (m->id == 3) {
        int dz = clamp(m->dz, -128, 127);
        mouse_send(m, (uint8_t)dz);
        m->dz -= dz;
    } else if (m->id == 4) {
        int dz = clamp(m->dz, -8, 7);
        mouse_send(m, (uint8_t)((dz & 0x0f) | ((m->buttons & 0x18) << 1)));
        m->dz -= dz;
    } else {
        m->dz = 0;
    }
}

static void mouse_set_rate(PS2Mouse *m, uint8_t rate)
{
    m->rate = rate;
    m->knock[0] = m->knock[1];
    m->knock[1] = m->knock[2];
    m->knock[2] = rate;
    if (m->knock[0] == 200 && m->knock[1] == 100 && m->knock[2] == 80) {
        m->id = 3;
    } else if (m->id == 3 && m->knock[0] == 200 && m->knock[1] == 200 && m->knock[2] == 80) {
        m->id = 4;
    }
}

void ps2_mouse_write(PS2Mouse *m, uint8_t v)
{
    uint8_t cmd = m->pending;
    m->pending = 0;
    if (cmd == 0xf3) {                  /* sample rate parameter */
        mouse_set_rate(m, v);
        mouse_send(m, ACK);
        return;
    }
    if (cmd == 0xe8) {                  /* resolution parameter */
        m->resolution = v & 3;
        mouse_send(m, ACK);
        return;
    }
    if (m->wrap && v != 0xec && v != 0xff) {
        mouse_send(m, v);               /* wrap mode echoes everything else */
        return;
    }
    switch (v) {
    case 0xe6:
    case 0xe7:
        m->scaling21 = v == 0xe7;
        mouse_send(m, ACK);
        break;
    case 0xe8:
    case 0xf3:
        m->pending = v;
        mouse_send(m, ACK);
        break;
    case 0xe9:                          /* status request */
        mouse_send(m, ACK);
        mouse_send(m, (uint8_t)((m->remote ? 0x40 : 0) | (m->reporting ? 0x20 : 0) |
                                (m->scaling21 ? 0x10 : 0) |
                                (m->buttons & PS2_MOUSE_LEFT ? 0x04 : 0) |
                                (m->buttons & PS2_MOUSE_MIDDLE ? 0x02 : 0) |
                                (m->buttons & PS2_MOUSE_RIGHT ? 0x01 : 0)));
        mouse_send(m, m->resolution);
        mouse_send(m, m->rate);
        break;
    case 0xea:                          /* stream mode */
        m->remote = false;
        mouse_send(m, ACK);
        break;
    case 0xeb:                          /* read data */
        mouse_send(m, ACK);
        mouse_packet(m);
        break;
    case 0xec:                          /* leave wrap mode */
        m->wrap = false;
        mouse_send(m, ACK);
        break;
    case 0xee:                          /* wrap mode */
        m->wrap = true;
        mouse_send(m, ACK);
        break;
    case 0xf0:                          /* remote mode */
        m->remote = true;
        mouse_send(m, ACK);
        break;
    case 0xf2:                          /* get ID */
        mouse_send(m, ACK);
        mouse_send(m, m->id);
        break;
    case 0xf4:
        m->reporting = true;
        mouse_send(m, ACK);
        break;
    case 0xf5:
        m->reporting = false;
        mouse_send(m, ACK);
        break;
    case 0xf6:
        mouse_defaults(m);
        mouse_send(m, ACK);
        break;
    case 0xfe:                          /* resend the last byte */
        m->send(m->opaque, m->last);
        break;
    case 0xff:                          /* reset and self test */
        ps2_mouse_reset(m);
        mouse_send(m, ACK);
        mouse_send(m, BAT_OK);
        mouse_send(m, 0x00);            /* ID */
        break;
    default:
        mouse_send(m, RESEND);
        break;
    }
}

void ps2_mouse_event(PS2Mouse *m, int dx, int dy, int dz, uint8_t buttons)
{
    /* accumulate within bounds: a flood of events cannot overflow */
    m->dx = clamp(m->dx + clamp(dx, -4096, 4096), -4096, 4096);
    m->dy = clamp(m->dy + clamp(dy, -4096, 4096), -4096, 4096);
    m->dz = clamp(m->dz + clamp(dz, -64, 64), -64, 64);
    bool changed = buttons != m->buttons;
    m->buttons = buttons & 0x1f;
    if (!m->reporting || m->remote || m->wrap) {
        return;
    }
    /* a few packets at most per event; the rest waits for the next one */
    for (int i = 0; i < 4 && (changed || m->dx || m->dy || m->dz); i++) {
        mouse_packet(m);
        changed = false;
    }
}

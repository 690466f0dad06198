/*
 * hw/input/ps2_mouse.h - a PS/2 mouse: the device on the 8042's aux port.
 *
 * Design: the mouse is a byte-in, bytes-out state machine with no bus of
 * its own; the keyboard controller (i8042.c) feeds it the bytes the guest
 * writes with controller command D4 and queues what it answers through
 * the send callback.  It speaks the IBM PS/2 mouse protocol plus the
 * IntelliMouse (ID 3, wheel) and IntelliMouse Explorer (ID 4, wheel and
 * buttons 4/5) extensions that a driver unlocks with sample-rate "knock"
 * sequences, as QEMU's mouse does, so Linux finds an "ImExPS/2" mouse.
 */
#ifndef HW_INPUT_PS2_MOUSE_H
#define HW_INPUT_PS2_MOUSE_H

#include <stdbool.h>
#include <stdint.h>

#define PS2_MOUSE_LEFT   0x01
#define PS2_MOUSE_RIGHT  0x02
#define PS2_MOUSE_MIDDLE 0x04
#define PS2_MOUSE_SIDE   0x08  /* button 4 (Explorer) */
#define PS2_MOUSE_EXTRA  0x10  /* button 5 (Explorer) */

typedef struct PS2Mouse {
    void (*send)(void *opaque, uint8_t byte);
    void *opaque;
    uint8_t pending;            /* command waiting for its parameter byte */
    uint8_t last;               /* last byte sent, for RESEND */
    bool reporting, remote, wrap, scaling21;
    uint8_t rate, resolution;
    uint8_t id;                 /* 0 standard, 3 IntelliMouse, 4 Explorer */
    uint8_t knock[3];           /* the last three sample rates set */
    int dx, dy, dz;             /* movement not yet reported */
    uint8_t buttons;
} PS2Mouse;

/* Power-on state; send(opaque, byte) queues a byte for the guest. */
void ps2_mouse_init(PS2Mouse *m, void (*send)(void *, uint8_t), void *opaque);
void ps2_mouse_reset(PS2Mouse *m);
/* A byte from the host side of the aux port (controller command D4). */
void ps2_mouse_write(PS2Mouse *m, uint8_t byte);
/* Movement (dy positive = up, as PS/2 reports it) and the button state
 * from a front end; sends packets while reporting in stream mode. */
void ps2_mouse_event(PS2Mouse *m, int dx, int dy, int dz, uint8_t buttons);

#endif

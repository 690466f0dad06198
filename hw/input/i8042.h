/*
 * hw/input/i8042.h - the keyboard controller's input side, for front ends
 * (a display window) that turn host key events into scan codes.
 */
#ifndef HW_INPUT_I8042_H
#define HW_INPUT_I8042_H

#include <stdint.h>

/* state: what device_create(m, "i8042", ...) returned.  scancodes are the
 * bytes the keyboard sends on its wire in the guest-selected set (set 2
 * unless the guest asked otherwise: make codes, E0 and F0 prefixes); the
 * controller translates them to set 1 when the guest enabled translation.
 * Call with the BQL held. */
void i8042_keyboard_input(void *state, const uint8_t *scancodes, int n);
/* Mouse motion (dy positive = up) and buttons (PS2_MOUSE_* bits) for the
 * PS/2 mouse on the aux port.  Call with the BQL held. */
void i8042_mouse_input(void *state, int dx, int dy, int dz, uint8_t buttons);

#endif

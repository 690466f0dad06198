/*
 * system/monitor.h - the human monitor: a line-oriented command
 * interpreter in the style of QEMU's HMP ("(emu86) " prompt, info
 * registers/status/version/cpus, stop, cont, system_reset, quit, help).
 *
 * Reached through -monitor stdio|pty (a console of its own) or through
 * C-a c on a mon:stdio console (system/chardev.c switches the input focus
 * between the serial port and the monitor).  Input arrives byte by byte
 * from a raw terminal, so the monitor does its own echo and line editing.
 * Commands run in the I/O thread with the BQL held.
 */
#ifndef SYSTEM_MONITOR_H
#define SYSTEM_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct Machine;
struct Chardev;
typedef struct Monitor Monitor;

/* Where the monitor's output goes ("\n" is already "\r\n", as QEMU). */
typedef void (*MonitorWriteFn)(void *opaque, const char *buf, size_t len);

/* Create the monitors asked for: `spec` is the -monitor backend (NULL or
 * "none": none of its own; "stdio", "mon:stdio", "pty"), and a mon:stdio
 * serial console (chardev_new("mon:stdio")) gets one reached with C-a c.
 * version goes into the banner and `info version`.  Returns false with a
 * g_malloc'd message in *err (e.g. stdio already taken). */
bool monitor_init(struct Machine *m, const char *spec, const char *version, char **err);

/* A monitor writing through write(opaque, ...): what monitor_init builds
 * on, and what the unit tests drive. */
Monitor *monitor_new(struct Machine *m, MonitorWriteFn write, void *opaque,
                     const char *version);
void monitor_free(Monitor *mon);

/* Raw input bytes (echo, editing; a complete line is executed). */
void monitor_input(Monitor *mon, const uint8_t *buf, size_t len);
/* The monitor gets the input focus: banner the first time, then prompt. */
void monitor_focus_in(Monitor *mon);
/* Run one command line (without prompt or echo). */
void monitor_execute(Monitor *mon, const char *line);
void monitor_printf(Monitor *mon, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Split a command line into words (whitespace-separated; "..." groups).
 * Returns a NULL-terminated g_strv (empty for a blank line). */
char **monitor_split(const char *line);

/* ---- the chardev side (system/chardev.c) ---- */
/* Open a backend with a label for messages ("serial0", "compat_monitor0");
 * chardev_new() labels its backends serial0, serial1, ... in order. */
struct Chardev *chardev_new_labeled(const char *spec, const char *label, char **err);
/* The next "mon:" console that has no monitor yet, or NULL. */
struct Chardev *chardev_find_mon_mux(void);
/* Attach mon to chr: with focus, input goes to the monitor at once (a
 * console of its own); without, C-a c switches to it and back. */
void chardev_attach_monitor(struct Chardev *chr, Monitor *mon, bool focus);
/* MonitorWriteFn for a chardev (opaque: the Chardev). */
void chardev_monitor_write(void *opaque, const char *buf, size_t len);

#endif

/*
 * system/sysemu.h - services shared by devices, accelerators and the main
 * program: the big machine lock, the host clock, timers, character
 * backends and logging.
 *
 * Threads: one I/O thread runs a GLib main loop (console input, timers);
 * each vCPU runs in its own thread.  Device state is protected by one big
 * lock (BQL): vCPU threads take it around every device access, the I/O
 * thread around every timer and input callback.
 */
#ifndef SYSTEM_SYSEMU_H
#define SYSTEM_SYSEMU_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- big lock ---- */
void bql_lock(void);
void bql_unlock(void);
bool bql_locked(void);

/* ---- clock: host CLOCK_MONOTONIC in nanoseconds ---- */
int64_t clock_ns(void);

/* ---- timers (system/timer.c): run in the I/O thread with the BQL held ---- */
typedef struct Timer Timer;
typedef void (*TimerCb)(void *opaque);
Timer *timer_new(TimerCb cb, void *opaque);
void timer_free(Timer *t);
/* Fire cb once at the absolute clock_ns() time expire_ns (re-arms replace). */
void timer_mod(Timer *t, int64_t expire_ns);
void timer_del(Timer *t);
bool timer_pending(const Timer *t);
/* For the main loop: nanoseconds until the next deadline (-1 = none), and
 * run every expired timer. */
int64_t timers_next_deadline(void);
void timers_run_expired(void);

/* ---- character backends (system/chardev.c) ---- */
typedef struct Chardev Chardev;
/* The frontend (a UART) registers how much it can take and a receive cb. */
typedef struct ChardevFrontend {
    int (*can_receive)(void *opaque);
    void (*receive)(void *opaque, const uint8_t *buf, int len);
    void *opaque;
} ChardevFrontend;
/* spec: "stdio", "null"/"none", "file:PATH", "mon:stdio" (later "pty").
 * Returns NULL with *err set on a bad spec or unopenable file. */
Chardev *chardev_new(const char *spec, char **err);
void chardev_set_frontend(Chardev *chr, const ChardevFrontend *fe);
/* Write from the guest side; never blocks the guest for long. */
void chardev_write(Chardev *chr, const uint8_t *buf, int len);
/* Called by a frontend when it can take input again. */
void chardev_accept_input(Chardev *chr);
void chardev_close_all(void); /* restore terminals: every exit path */
/* Called on C-a x of a stdio console (set by main to request a clean
 * shutdown); when NULL the console restores the terminal and exit(0)s. */
extern void (*chardev_quit_hook)(void);

/* ---- logging: -d ITEMS -D FILE (system/log.c) ---- */
#define LOG_IN_ASM  (1u << 0)  /* capstone disassembly of each new block */
#define LOG_INT     (1u << 1)  /* interrupts and exceptions */
#define LOG_CPU     (1u << 2)  /* register dump before each block */
#define LOG_EXEC    (1u << 3)  /* each block executed */
#define LOG_GUEST_ERROR (1u << 4) /* guest did something undefined */
#define LOG_UNIMP   (1u << 5)  /* guest used something not implemented */
#define LOG_PCALL   (1u << 6)  /* far calls, task switches */
#define LOG_IOPORT  (1u << 7)
extern unsigned log_mask;
static inline bool log_enabled(unsigned mask) { return (log_mask & mask) != 0; }
/* Parse "-d" items; returns false with *err on an unknown item. */
bool log_parse_items(const char *items, char **err);
bool log_set_file(const char *path, char **err);
FILE *log_file(void);
void log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define log_mask_printf(mask, ...) \
    do { if (log_enabled(mask)) log_printf(__VA_ARGS__); } while (0)

/* ---- errors: one clear line on stderr ---- */
void error_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

/*
 * system/main_loop.h - the I/O thread (the main thread after start-up).
 */
#ifndef SYSTEM_MAIN_LOOP_H
#define SYSTEM_MAIN_LOOP_H

struct Machine;

/* Make the I/O thread re-evaluate its poll timeout and run state (any
 * thread; also declared by system/timer.c and hw/core/machine.c). */
void main_loop_wakeup(void);

/* Install SIGINT/SIGTERM/SIGHUP (orderly shutdown) and fatal-signal
 * (terminal restore) handlers, the poll function and the timer source.
 * Call once, early: a termination signal that arrives before
 * main_loop_run() is kept pending and handled when the loop starts. */
void main_loop_init(void);

/* Run timers and host input until m->shutdown_requested (signals and
 * C-a x then shut m down).  Takes the BQL
 * itself (held while dispatching, released while polling). */
void main_loop_run(struct Machine *m);

#endif

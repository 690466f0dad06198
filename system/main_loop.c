/*
 * system/main_loop.c - the I/O thread: a GLib main loop on the default
 * GMainContext.
 *
 * Design: the BQL is held while sources dispatch (timer callbacks, console
 * input from system/chardev.c's g_unix_fd_add watches) and dropped only
 * around the poll itself, via g_main_context_set_poll_func.  vCPU threads
 * thus get the lock whenever the I/O thread sleeps, and device callbacks
 * never race with vCPU port accesses.
 *
 * Timers (system/timer.c) appear as one custom GSource whose poll timeout is
 * the next deadline rounded up to whole milliseconds (GLib's unit), so a
 * timer never fires early; the poll function then sleeps with ppoll() until
 * the exact nanosecond deadline.  timer_mod() making an earlier deadline calls main_loop_wakeup(),
 * which interrupts the poll so prepare() runs again.
 *
 * Termination signals go through g_unix_signal_add, so the shutdown request
 * runs in the loop, not in signal context.  Fatal signals (crashes) only
 * restore the terminal (chardev_close_all is async-signal-safe) and
 * re-raise, so the process still dies by that signal.
 */
#include <glib.h>
#include <glib-unix.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "hw/machine.h"
#include "system/log.h"
#include "system/main_loop.h"
#include "system/sysemu.h"

static Machine *loop_machine;

void main_loop_wakeup(void)
{
    g_main_context_wakeup(NULL);
}

/* GLib computes the timeout in whole milliseconds; the timer deadline is
 * known to the nanosecond, so sleep exactly until it with ppoll (GPollFD
 * has struct pollfd's layout on Unix, which GLib guarantees).  A PIT
 * programmed for sub-millisecond periods then fires on time. */
G_STATIC_ASSERT(sizeof(GPollFD) == sizeof(struct pollfd));

static gint main_loop_poll(GPollFD *fds, guint nfds, gint timeout)
{
    int64_t ns = timeout < 0 ? -1 : (int64_t)timeout * 1000000;
    int64_t d = timers_next_deadline();
    if (d >= 0 && (ns < 0 || d < ns)) {
        ns = d;
    }
    bql_unlock();
    gint r;
    if (ns < 0) {
        r = ppoll((struct pollfd *)fds, nfds, NULL, NULL);
    } else {
        struct timespec ts = { ns / 1000000000, ns % 1000000000 };
        r = ppoll((struct pollfd *)fds, nfds, &ts, NULL);
    }
    bql_lock();
    return r;
}

static gboolean timer_source_prepare(GSource *s, gint *timeout)
{
    int64_t d = timers_next_deadline();
    if (d < 0) {
        *timeout = -1;
        return FALSE;
    }
    if (d == 0) {
        *timeout = 0;
        return TRUE;
    }
    int64_t ms = (d + 999999) / 1000000;
    *timeout = ms > G_MAXINT ? G_MAXINT : (gint)ms;
    return FALSE;
}

static gboolean timer_source_check(GSource *s)
{
    return timers_next_deadline() == 0;
}

static gboolean timer_source_dispatch(GSource *s, GSourceFunc cb, gpointer data)
{
    timers_run_expired();
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_source_funcs = {
    .prepare = timer_source_prepare,
    .check = timer_source_check,
    .dispatch = timer_source_dispatch,
};

static gboolean main_loop_on_signal(gpointer data)
{
    int sig = GPOINTER_TO_INT(data);
    /* QEMU says "terminating on signal N" and exits 0. */
    error_report("terminating on signal %d", sig);
    if (loop_machine) {
        machine_request_shutdown(loop_machine, 0);
    }
    return G_SOURCE_CONTINUE;
}

/* C-a x on a stdio console: an orderly shutdown like a poweroff. */
static void main_loop_quit(void)
{
    if (loop_machine) {
        machine_request_shutdown(loop_machine, 0);
    }
}

static void main_loop_fatal_signal(int sig)
{
    chardev_close_all();
    raise(sig);   /* SA_RESETHAND: now the default action */
}

void main_loop_init(void)
{
    g_main_context_set_poll_func(NULL, main_loop_poll);
    chardev_quit_hook = main_loop_quit;

    GSource *ts = g_source_new(&timer_source_funcs, sizeof(GSource));
    g_source_set_name(ts, "emu86-timers");
    g_source_attach(ts, NULL);
    g_source_unref(ts);

    g_unix_signal_add(SIGINT, main_loop_on_signal, GINT_TO_POINTER(SIGINT));
    g_unix_signal_add(SIGTERM, main_loop_on_signal, GINT_TO_POINTER(SIGTERM));
    g_unix_signal_add(SIGHUP, main_loop_on_signal, GINT_TO_POINTER(SIGHUP));
    /* A console or log pipe that goes away must not kill us silently: the
     * write fails with EPIPE instead. */
    signal(SIGPIPE, SIG_IGN);

    static const int fatal_sigs[] = {
        SIGABRT, SIGILL, SIGFPE,
#if !defined(__SANITIZE_ADDRESS__)
        /* under ASan its own handler reports the crash */
        SIGSEGV, SIGBUS,
#endif
    };
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = main_loop_fatal_signal;
    sa.sa_flags = SA_RESETHAND | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < G_N_ELEMENTS(fatal_sigs); i++) {
        sigaction(fatal_sigs[i], &sa, NULL);
    }
}

void main_loop_run(Machine *m)
{
    bql_lock();
    loop_machine = m;
    while (!__atomic_load_n(&m->shutdown_requested, __ATOMIC_SEQ_CST)) {
        g_main_context_iteration(NULL, TRUE);
    }
    bql_unlock();
}

/*
 * system/chardev.c - character backends for UART frontends and the
 * monitor: "stdio" (and "mon:stdio"), "pty", "file:PATH", "null"/"none".
 *
 * Design: output is written synchronously from the vCPU thread (the guest
 * is the only writer and the data is small); input is read by a GLib fd
 * watch on the default main context, which the I/O thread dispatches with
 * the BQL held, and is handed to the frontend only as fast as its
 * can_receive() allows.  What it cannot take waits in a buffer; while the
 * buffer is full the watch is removed (the fd would stay readable and spin
 * the loop) and chardev_accept_input() brings it back.
 *
 * stdio behaves like QEMU's -nographic console: when stdin is a terminal it
 * is put in raw mode (output processing is kept so "\n" still becomes
 * "\r\n"; Ctrl-C kills the process with "stdio" but is passed to the guest
 * with "mon:stdio", -nographic's default, as QEMU does), and a Ctrl-A escape multiplexer
 * handles C-a x (quit), C-a h (help), C-a C-a (a literal C-a) and C-a c
 * (switch the input focus between the serial port and the monitor).  The
 * terminal is restored by chardev_close_all(), which only calls tcsetattr()
 * on saved settings so it is async-signal-safe: atexit() and fatal signal
 * handlers both call it.
 *
 * Monitor: a console can carry a Monitor (system/monitor.c) beside its
 * frontend.  "mon:stdio" consoles are found by monitor_init() through
 * chardev_find_mon_mux() and get one reached with C-a c; a -monitor
 * console gets one with the focus from the start.  While the monitor has
 * the focus, input bytes (after the C-a escapes) go to it instead of the
 * frontend; guest output keeps going to the terminal, as in QEMU.
 *
 * "pty" opens a pseudo-terminal pair, puts it in raw mode and prints the
 * slave's name ("char device redirected to /dev/pts/N (label serial0)").
 * emu86 keeps its own descriptor of the slave open, so the master never
 * sees a hang-up when clients come and go: input simply resumes with the
 * next client, and output written while nobody listens waits in the pty's
 * buffer or, once that is full, is dropped (the master is non-blocking).
 */
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "system/monitor.h"
#include "system/sysemu.h"

#define CHARDEV_INBUF 4096
#define MUX_ESCAPE 0x01   /* Ctrl-A */

void (*chardev_quit_hook)(void);

typedef enum {
    CHARDEV_NULL,
    CHARDEV_STDIO,
    CHARDEV_FILE,
    CHARDEV_PTY,
} ChardevKind;

struct Chardev {
    ChardevKind kind;
    int in_fd, out_fd;          /* -1 when absent */
    bool mux;                   /* Ctrl-A escapes active */
    bool mux_escape;            /* previous input byte was Ctrl-A */
    bool eof;
    guint watch;                /* 0 when not watching in_fd */
    ChardevFrontend fe;
    bool has_fe;
    uint8_t inbuf[CHARDEV_INBUF];
    int in_head, in_len;        /* ring buffer of input for the frontend */
    char *label;                /* "serial0", "compat_monitor0" */
    bool mon_wanted;            /* "mon:" prefix: a monitor behind C-a c */
    Monitor *mon;               /* NULL: none attached */
    bool mon_focus;             /* input goes to mon */
    int pty_slave_fd;           /* kept open, see the design note; else -1 */
};

/* Saved terminal state: written before raw mode starts, read by signal
 * handlers. */
static struct termios saved_tty;
static volatile sig_atomic_t tty_raw;
static bool cleanup_installed;

void chardev_close_all(void)
{
    if (tty_raw) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
        tty_raw = 0;
    }
}

static void chardev_fatal_signal(int sig)
{
    chardev_close_all();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void chardev_install_cleanup(void)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV,
                                SIGBUS, SIGILL, SIGFPE, SIGABRT };
    if (cleanup_installed) {
        return;
    }
    cleanup_installed = true;
    atexit(chardev_close_all);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        struct sigaction old, sa;
        /* leave alone handlers main() installed: it restores the terminal
         * itself through chardev_close_all() */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
            !(old.sa_flags & SA_SIGINFO)) {
            memset(&sa, 0, sizeof(sa));
            sa.sa_handler = chardev_fatal_signal;
            sigemptyset(&sa.sa_mask);
            sa.sa_flags = SA_RESETHAND;
            sigaction(sigs[i], &sa, NULL);
        }
    }
}

/* Raw mode for the console.  allow_signals keeps ISIG: Ctrl-C then ends
 * emu86 ("stdio"); without it Ctrl-C is a byte for the guest, as QEMU's
 * "mon:stdio" (what -nographic uses) does. */
static void chardev_stdin_raw(bool allow_signals)
{
    struct termios tty;
    if (tty_raw || !isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty) < 0) {
        return;
    }
    chardev_install_cleanup();
    tty = saved_tty;
    tty.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    tty.c_oflag |= OPOST;
    tty.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    if (!allow_signals) {
        tty.c_lflag &= ~ISIG;
    }
    tty.c_cflag &= ~(CSIZE | PARENB);
    tty.c_cflag |= CS8;
    tty.c_cc[VMIN] = 1;
    tty.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &tty) == 0) {
        tty_raw = 1;
    }
}

static void chardev_out(Chardev *chr, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    if (chr->out_fd < 0) {
        return;
    }
    while (len > 0) {
        ssize_t n = write(chr->out_fd, p, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return;     /* EAGAIN, EPIPE, ...: drop rather than block */
        }
        p += n;
        len -= n;
    }
}

void chardev_write(Chardev *chr, const uint8_t *buf, int len)
{
    if (chr && len > 0) {
        chardev_out(chr, buf, len);
    }
}

/* Hand buffered input to the frontend as far as it accepts it. */
static void chardev_flush_input(Chardev *chr)
{
    while (chr->has_fe && chr->in_len > 0) {
        int room = chr->fe.can_receive ? chr->fe.can_receive(chr->fe.opaque) : 0;
        if (room <= 0) {
            break;
        }
        int n = chr->in_len;
        if (n > CHARDEV_INBUF - chr->in_head) {
            n = CHARDEV_INBUF - chr->in_head;   /* up to the ring's end */
        }
        if (n > room) {
            n = room;
        }
        chr->fe.receive(chr->fe.opaque, chr->inbuf + chr->in_head, n);
        chr->in_head = (chr->in_head + n) % CHARDEV_INBUF;
        chr->in_len -= n;
    }
}

static void chardev_queue_byte(Chardev *chr, uint8_t c)
{
    if (chr->in_len < CHARDEV_INBUF) {
        chr->inbuf[(chr->in_head + chr->in_len) % CHARDEV_INBUF] = c;
        chr->in_len++;
    }
}

/* One input byte after the escapes: to the monitor or the frontend. */
static void chardev_deliver_byte(Chardev *chr, uint8_t c)
{
    if (chr->mon && chr->mon_focus) {
        monitor_input(chr->mon, &c, 1);
    } else {
        chardev_queue_byte(chr, c);
    }
}

static void chardev_mux_help(Chardev *chr)
{
    static const char help[] =
        "\n"
        "C-a h    print this help\n"
        "C-a x    exit emulator\n"
        "C-a s    save disk data back to file (if -snapshot)\n"
        "C-a t    toggle console timestamps\n"
        "C-a b    send break (magic sysrq)\n"
        "C-a c    switch between console and monitor\n"
        "C-a C-a  sends C-a\n";
    chardev_out(chr, help, sizeof(help) - 1);
}

static void chardev_mux_quit(Chardev *chr)
{
    static const char msg[] = "\nemu86: terminating on C-a x\n";
    chardev_out(chr, msg, sizeof(msg) - 1);
    if (chardev_quit_hook) {
        chardev_quit_hook();
        return;
    }
    chardev_close_all();
    exit(0);
}

/* One input byte through the Ctrl-A multiplexer. */
static void chardev_mux_byte(Chardev *chr, uint8_t c)
{
    static const char no_mon[] = "\nno monitor on this console "
                                 "(use -serial mon:stdio or -monitor)\n";

    if (!chr->mux_escape) {
        if (c == MUX_ESCAPE) {
            chr->mux_escape = true;
        } else {
            chardev_deliver_byte(chr, c);
        }
        return;
    }
    chr->mux_escape = false;
    /* what was typed before the command reaches the guest first */
    chardev_flush_input(chr);
    switch (c) {
    case MUX_ESCAPE:
        chardev_deliver_byte(chr, c);
        break;
    case 'x':
        chardev_mux_quit(chr);
        break;
    case 'h':
    case '?':
        chardev_mux_help(chr);
        break;
    case 'c':
        if (!chr->mon) {
            chardev_out(chr, no_mon, sizeof(no_mon) - 1);
        } else if (chr->has_fe || !chr->mon_focus) {
            /* with no frontend the monitor is all there is: it stays */
            chr->mon_focus = !chr->mon_focus;
            if (chr->mon_focus) {
                monitor_focus_in(chr->mon);
            } else {
                chardev_flush_input(chr);
            }
        }
        break;
    default:
        /* s, t, b and unknown escapes: nothing to do (yet) */
        break;
    }
}

static gboolean chardev_input_ready(gint fd, GIOCondition cond, gpointer opaque);

static void chardev_watch_update(Chardev *chr)
{
    bool want = chr->in_fd >= 0 && !chr->eof && chr->in_len < CHARDEV_INBUF;
    if (want && !chr->watch) {
        chr->watch = g_unix_fd_add(chr->in_fd, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                   chardev_input_ready, chr);
    } else if (!want && chr->watch) {
        g_source_remove(chr->watch);
        chr->watch = 0;
    }
}

static gboolean chardev_input_ready(gint fd, GIOCondition cond, gpointer opaque)
{
    Chardev *chr = opaque;
    uint8_t buf[CHARDEV_INBUF];
    int room = CHARDEV_INBUF - chr->in_len;
    ssize_t n;

    /* a C-a escape yields at most one byte per input byte */
    n = read(fd, buf, room > 0 ? room : 1);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        /* EOF (stdin at /dev/null or a closed pipe) or error: stop */
        chr->eof = true;
        chr->watch = 0;
        return G_SOURCE_REMOVE;
    }
    for (ssize_t i = 0; i < n; i++) {
        if (chr->mux) {
            chardev_mux_byte(chr, buf[i]);
        } else {
            chardev_deliver_byte(chr, buf[i]);
        }
    }
    chardev_flush_input(chr);
    if (chr->in_len >= CHARDEV_INBUF) {
        chr->watch = 0;
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

void chardev_accept_input(Chardev *chr)
{
    if (!chr) {
        return;
    }
    chardev_flush_input(chr);
    chardev_watch_update(chr);
}

void chardev_set_frontend(Chardev *chr, const ChardevFrontend *fe)
{
    if (!chr) {
        return;
    }
    chr->has_fe = fe != NULL;
    if (fe) {
        chr->fe = *fe;
    }
    chardev_accept_input(chr);
}

/* Every backend lives until exit; the list keeps them reachable. */
static Chardev **all_chardevs;
static int nr_chardevs;

static Chardev *chardev_alloc(ChardevKind kind, int in_fd, int out_fd)
{
    Chardev *chr = calloc(1, sizeof(*chr));
    Chardev **list = realloc(all_chardevs, (nr_chardevs + 1) * sizeof(*list));
    if (!chr || !list) {
        abort();
    }
    all_chardevs = list;
    all_chardevs[nr_chardevs++] = chr;
    chr->kind = kind;
    chr->in_fd = in_fd;
    chr->out_fd = out_fd;
    chr->pty_slave_fd = -1;
    return chr;
}

void chardev_monitor_write(void *opaque, const char *buf, size_t len)
{
    chardev_out(opaque, buf, len);
}

Chardev *chardev_find_mon_mux(void)
{
    for (int i = 0; i < nr_chardevs; i++) {
        if (all_chardevs[i]->mon_wanted && !all_chardevs[i]->mon) {
            return all_chardevs[i];
        }
    }
    return NULL;
}

void chardev_attach_monitor(Chardev *chr, Monitor *mon, bool focus)
{
    if (!chr) {
        return;
    }
    chr->mon = mon;
    chr->mon_focus = focus && mon;
    if (chr->mon_focus) {
        monitor_focus_in(mon);
    }
    chardev_watch_update(chr);
}

/* A raw pseudo-terminal; the master is the backend's descriptor. */
static Chardev *chardev_new_pty(const char *label, char **err)
{
    int mfd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    char name[256];
    if (mfd < 0 || grantpt(mfd) < 0 || unlockpt(mfd) < 0 ||
        ptsname_r(mfd, name, sizeof(name)) != 0) {
        *err = g_strdup_printf("cannot open a pseudo-terminal: %s", strerror(errno));
        if (mfd >= 0) {
            close(mfd);
        }
        return NULL;
    }
    int sfd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    struct termios tty;
    if (sfd < 0 || tcgetattr(sfd, &tty) < 0) {
        *err = g_strdup_printf("cannot open %s: %s", name, strerror(errno));
        if (sfd >= 0) {
            close(sfd);
        }
        close(mfd);
        return NULL;
    }
    cfmakeraw(&tty);
    tcsetattr(sfd, TCSANOW, &tty);
    fcntl(mfd, F_SETFL, fcntl(mfd, F_GETFL) | O_NONBLOCK);
    Chardev *chr = chardev_alloc(CHARDEV_PTY, mfd, mfd);
    chr->pty_slave_fd = sfd;
    error_report("char device redirected to %s (label %s)", name, label);
    chardev_watch_update(chr);
    return chr;
}

/* A multiplexed console on arbitrary descriptors: what "stdio" is built
 * on, and how the unit tests drive the escape handling through a pipe.
 * Raw mode is applied only when in_fd is the terminal on stdin. */
static Chardev *chardev_new_mux(int in_fd, int out_fd, bool allow_signals)
{
    Chardev *chr = chardev_alloc(CHARDEV_STDIO, in_fd, out_fd);
    chr->mux = true;
    if (in_fd == STDIN_FILENO) {
        chardev_stdin_raw(allow_signals);
    }
    chardev_watch_update(chr);
    return chr;
}

Chardev *chardev_new_mux_fds(int in_fd, int out_fd);
Chardev *chardev_new_mux_fds(int in_fd, int out_fd)
{
    return chardev_new_mux(in_fd, out_fd, true);
}

static Chardev *chardev_open(const char *spec, const char *label, char **err);

Chardev *chardev_new_labeled(const char *spec, const char *label, char **err)
{
    Chardev *chr = chardev_open(spec ? spec : "null", label, err);
    if (chr) {
        chr->label = g_strdup(label);
        chr->mon_wanted = spec && !strncmp(spec, "mon:", 4);
    }
    return chr;
}

Chardev *chardev_new(const char *spec, char **err)
{
    /* the serial ports, in -serial order */
    static int serial_index;
    char *label = g_strdup_printf("serial%d", serial_index++);
    Chardev *chr = chardev_new_labeled(spec, label, err);
    g_free(label);
    return chr;
}

static Chardev *chardev_open(const char *spec, const char *label, char **err)
{
    if (!strcmp(spec, "null") || !strcmp(spec, "none")) {
        return chardev_alloc(CHARDEV_NULL, -1, -1);
    }
    if (!strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio")) {
        static bool stdio_taken;
        /* two readers of one terminal would split the keystrokes */
        if (stdio_taken) {
            *err = strdup("cannot use stdio by multiple character devices");
            return NULL;
        }
        stdio_taken = true;
        /* QEMU: a monitor muxed on stdio passes Ctrl-C to the guest */
        return chardev_new_mux(STDIN_FILENO, STDOUT_FILENO, strcmp(spec, "mon:stdio") != 0);
    }
    if (!strcmp(spec, "pty")) {
        return chardev_new_pty(label, err);
    }
    if (!strncmp(spec, "file:", 5)) {
        const char *path = spec + 5;
        if (!*path) {
            *err = strdup("chardev file: missing file name");
            return NULL;
        }
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0) {
            *err = g_strdup_printf("could not open '%s': %s", path, strerror(errno));
            return NULL;
        }
        return chardev_alloc(CHARDEV_FILE, -1, fd);
    }
    *err = g_strdup_printf("unknown character backend '%s' "
                           "(use stdio, mon:stdio, pty, file:PATH, null or none)", spec);
    return NULL;
}

/*
 * system/chardev.c - character backends for UART frontends: "stdio" (and
 * "mon:stdio"), "file:PATH", "null"/"none".
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
 * is put in raw mode (signals still kill the process, output processing is
 * kept so "\n" still becomes "\r\n"), and a Ctrl-A escape multiplexer
 * handles C-a x (quit), C-a h (help), C-a C-a (a literal C-a) and C-a c
 * (the monitor, not available yet).  The terminal is restored by
 * chardev_close_all(), which only calls tcsetattr() on saved settings so it
 * is async-signal-safe: atexit() and fatal signal handlers both call it.
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

#include "system/sysemu.h"

#define CHARDEV_INBUF 4096
#define MUX_ESCAPE 0x01   /* Ctrl-A */

void (*chardev_quit_hook)(void);

typedef enum {
    CHARDEV_NULL,
    CHARDEV_STDIO,
    CHARDEV_FILE,
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

static void chardev_stdin_raw(void)
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
    static const char no_mon[] = "\nmonitor not available yet\n";

    if (!chr->mux_escape) {
        if (c == MUX_ESCAPE) {
            chr->mux_escape = true;
        } else {
            chardev_queue_byte(chr, c);
        }
        return;
    }
    chr->mux_escape = false;
    /* what was typed before the command reaches the guest first */
    chardev_flush_input(chr);
    switch (c) {
    case MUX_ESCAPE:
        chardev_queue_byte(chr, c);
        break;
    case 'x':
        chardev_mux_quit(chr);
        break;
    case 'h':
    case '?':
        chardev_mux_help(chr);
        break;
    case 'c':
        chardev_out(chr, no_mon, sizeof(no_mon) - 1);
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
            chardev_queue_byte(chr, buf[i]);
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
    return chr;
}

/* A multiplexed console on arbitrary descriptors: what "stdio" is built
 * on, and how the unit tests drive the escape handling through a pipe.
 * Raw mode is applied only when in_fd is the terminal on stdin. */
Chardev *chardev_new_mux_fds(int in_fd, int out_fd);
Chardev *chardev_new_mux_fds(int in_fd, int out_fd)
{
    Chardev *chr = chardev_alloc(CHARDEV_STDIO, in_fd, out_fd);
    chr->mux = true;
    if (in_fd == STDIN_FILENO) {
        chardev_stdin_raw();
    }
    chardev_watch_update(chr);
    return chr;
}

Chardev *chardev_new(const char *spec, char **err)
{
    if (!spec) {
        spec = "null";
    }
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
        return chardev_new_mux_fds(STDIN_FILENO, STDOUT_FILENO);
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
                           "(use stdio, mon:stdio, file:PATH, null or none)", spec);
    return NULL;
}

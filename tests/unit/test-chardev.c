/* Unit tests for system/chardev.c: file: output, open errors, unknown
 * backends, and the stdio console's Ctrl-A multiplexer and input flow
 * control driven through pipes and the GLib default main context. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "system/monitor.h"
#include "system/sysemu.h"

Chardev *chardev_new_mux_fds(int in_fd, int out_fd);

typedef struct {
    GString *got;
    int room;
} Capture;

static int cap_can_receive(void *opaque)
{
    Capture *c = opaque;
    return c->room;
}

static void cap_receive(void *opaque, const uint8_t *buf, int len)
{
    Capture *c = opaque;
    g_assert_cmpint(len, <=, c->room);
    g_string_append_len(c->got, (const char *)buf, len);
    c->room -= len;
}

static void drain_main_context(void)
{
    /* a few passes: the watch fires once per readable poll */
    for (int i = 0; i < 20; i++) {
        g_main_context_iteration(NULL, FALSE);
    }
}

static char *read_fd_all(int fd)
{
    GString *s = g_string_new(NULL);
    char buf[512];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        g_string_append_len(s, buf, n);
    }
    return g_string_free(s, FALSE);
}

static void test_file_backend(void)
{
    char *dir = g_dir_make_tmp("emu86-chardev-XXXXXX", NULL);
    char *path = g_build_filename(dir, "out.txt", NULL);
    char *spec = g_strdup_printf("file:%s", path);
    char *err = NULL, *data = NULL;
    gsize len;

    g_file_set_contents(path, "old contents to be truncated", -1, NULL);
    Chardev *chr = chardev_new(spec, &err);
    g_assert_null(err);
    g_assert_nonnull(chr);
    chardev_write(chr, (const uint8_t *)"hello ", 6);
    chardev_write(chr, (const uint8_t *)"world\n", 6);
    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    g_assert_cmpstr(data, ==, "hello world\n");
    g_free(data);
    g_unlink(path);
    g_rmdir(dir);
    g_free(spec);
    g_free(path);
    g_free(dir);
}

static void test_bad_specs(void)
{
    char *err = NULL;
    g_assert_null(chardev_new("file:/nonexistent-dir-emu86/x/y", &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err, "/nonexistent-dir-emu86/x/y"));
    free(err);
    err = NULL;
    g_assert_null(chardev_new("bogus", &err));
    g_assert_nonnull(strstr(err, "bogus"));
    free(err);
    err = NULL;
    g_assert_null(chardev_new("file:", &err));
    g_assert_nonnull(err);
    free(err);
    err = NULL;
    /* null swallows output */
    Chardev *n = chardev_new("null", &err);
    g_assert_nonnull(n);
    chardev_write(n, (const uint8_t *)"x", 1);
    g_assert_nonnull(chardev_new("none", &err));
    g_assert_null(err);
}

static int quits;
static void test_quit_hook(void) { quits++; }

static void test_mux_escapes(void)
{
    int in[2], out[2];
    /* static: the chardev keeps the frontend pointer after the test */
    static Capture cap;
    cap = (Capture){ g_string_new(NULL), 1000 };
    ChardevFrontend fe = { cap_can_receive, cap_receive, &cap };

    g_assert_cmpint(pipe(in), ==, 0);
    g_assert_cmpint(pipe(out), ==, 0);
    Chardev *chr = chardev_new_mux_fds(in[0], out[1]);
    chardev_set_frontend(chr, &fe);
    chardev_quit_hook = test_quit_hook;

    /* plain bytes, C-a C-a = literal C-a, C-a h = help, C-a c = monitor */
    const char input[] = "ab\x01\x01" "c\x01h" "d\x01" "c" "e";
    g_assert_cmpint(write(in[1], input, sizeof(input) - 1), ==, sizeof(input) - 1);
    drain_main_context();
    g_assert_cmpmem(cap.got->str, cap.got->len, "ab\x01" "cde", 6);

    /* an escape split across two reads still works */
    g_assert_cmpint(write(in[1], "\x01", 1), ==, 1);
    drain_main_context();
    g_assert_cmpint(write(in[1], "x", 1), ==, 1);
    drain_main_context();
    g_assert_cmpint(quits, ==, 1);
    g_assert_cmpuint(cap.got->len, ==, 6);

    /* guest output and the console's messages share the output fd */
    chardev_write(chr, (const uint8_t *)"guest", 5);
    close(out[1]);
    char *o = read_fd_all(out[0]);
    g_assert_nonnull(strstr(o, "C-a h    print this help"));
    g_assert_nonnull(strstr(o, "C-a x    exit emulator"));
    g_assert_nonnull(strstr(o, "C-a C-a  sends C-a"));
    g_assert_nonnull(strstr(o, "no monitor on this console"));
    g_assert_nonnull(strstr(o, "guest"));
    g_free(o);

    /* EOF stops reading without spinning or delivering anything */
    close(in[1]);
    drain_main_context();
    g_assert_false(g_main_context_pending(NULL));
    chardev_quit_hook = NULL;
    close(in[0]);
    close(out[0]);
    g_string_free(cap.got, TRUE);
}

static void test_flow_control(void)
{
    int in[2], out[2];
    static Capture cap;
    cap = (Capture){ g_string_new(NULL), 0 };
    ChardevFrontend fe = { cap_can_receive, cap_receive, &cap };

    g_assert_cmpint(pipe(in), ==, 0);
    g_assert_cmpint(pipe(out), ==, 0);
    Chardev *chr = chardev_new_mux_fds(in[0], out[1]);
    chardev_set_frontend(chr, &fe);
    g_assert_cmpint(write(in[1], "0123456789", 10), ==, 10);
    drain_main_context();
    g_assert_cmpuint(cap.got->len, ==, 0);      /* frontend full: buffered */
    cap.room = 4;
    chardev_accept_input(chr);
    g_assert_cmpstr(cap.got->str, ==, "0123");
    cap.room = 100;
    chardev_accept_input(chr);
    g_assert_cmpstr(cap.got->str, ==, "0123456789");

    /* more input than the buffer holds: nothing is lost, the watch pauses
     * while the buffer is full and resumes on accept_input */
    cap.room = 0;
    g_string_truncate(cap.got, 0);
    static char big[6000];
    for (size_t i = 0; i < sizeof(big); i++) {
        big[i] = 'a' + i % 26;
    }
    g_assert_cmpint(write(in[1], big, sizeof(big)), ==, sizeof(big));
    drain_main_context();
    g_assert_cmpuint(cap.got->len, ==, 0);
    for (int i = 0; i < 10 && cap.got->len < sizeof(big); i++) {
        cap.room = 1 << 20;
        chardev_accept_input(chr);
        drain_main_context();
    }
    g_assert_cmpmem(cap.got->str, cap.got->len, big, sizeof(big));
    close(in[1]);
    drain_main_context();
    close(in[0]);
    close(out[0]);
    close(out[1]);
    g_string_free(cap.got, TRUE);
}

/* C-a c moves the input focus to an attached monitor and back; the
 * monitor answers on the console's output. */
static void test_mux_monitor(void)
{
    int in[2], out[2];
    static Capture cap;
    cap = (Capture){ g_string_new(NULL), 1000 };
    ChardevFrontend fe = { cap_can_receive, cap_receive, &cap };

    g_assert_cmpint(pipe(in), ==, 0);
    g_assert_cmpint(pipe(out), ==, 0);
    Chardev *chr = chardev_new_mux_fds(in[0], out[1]);
    chardev_set_frontend(chr, &fe);
    Monitor *mon = monitor_new(NULL, chardev_monitor_write, chr, "9.8.7");
    chardev_attach_monitor(chr, mon, false);

    const char input[] = "a\x01" "cinfo version\r" "\x01" "c" "b" "\x01" "c" "foo\n";
    g_assert_cmpint(write(in[1], input, sizeof(input) - 1), ==, sizeof(input) - 1);
    drain_main_context();
    g_assert_cmpstr(cap.got->str, ==, "ab");

    close(out[1]);
    char *o = read_fd_all(out[0]);
    g_assert_nonnull(strstr(o, "emu86 9.8.7 monitor - type 'help' for more information\r\n"
                               "(emu86) info version\r\n9.8.7\r\n(emu86) "));
    /* the banner only once; the second visit shows a prompt */
    g_assert_null(strstr(strstr(o, "monitor - type") + 1, "monitor - type"));
    g_assert_nonnull(strstr(o, "(emu86) foo\r\nunknown command: 'foo'\r\n(emu86) "));
    g_free(o);
    close(in[1]);
    drain_main_context();
    close(in[0]);
    close(out[0]);
    g_string_free(cap.got, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/chardev/file-backend", test_file_backend);
    g_test_add_func("/chardev/bad-specs", test_bad_specs);
    g_test_add_func("/chardev/mux-escapes", test_mux_escapes);
    g_test_add_func("/chardev/flow-control", test_flow_control);
    g_test_add_func("/chardev/mux-monitor", test_mux_monitor);
    return g_test_run();
}

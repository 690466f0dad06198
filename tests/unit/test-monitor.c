/*
 * Unit tests for system/monitor.c: word splitting, the command table
 * (help, info status/version/registers/cpus, stop/cont through
 * system/runstate.c, system_reset and quit as machine requests, unknown
 * commands) and the line editor (echo, backspace, Ctrl-U, escape
 * sequences, CR/LF/CR LF).  The machine is a zeroed Machine with one CPU
 * in its reset state and no vCPU thread, so stop returns at once.
 */
#include <glib.h>
#include <string.h>

#include "hw/machine.h"
#include "system/monitor.h"
#include "system/runstate.h"
#include "target/i386/cpu.h"

static GString *out;

static void cap_write(void *opaque, const char *buf, size_t len)
{
    g_string_append_len(out, buf, len);
}

static Machine *fake_machine(void)
{
    Machine *m = g_new0(Machine, 1);
    m->nr_cpus = 1;
    m->cpus[0] = g_new0(X86CPU, 1);
    cpu_x86_init(m->cpus[0], m, 0);
    cpu_x86_reset(m->cpus[0]);
    return m;
}

static void free_machine(Machine *m)
{
    g_free(m->cpus[0]);
    g_free(m);
}

/* Run one line; returns the output (owned by out). */
static const char *run(Monitor *mon, const char *line)
{
    g_string_truncate(out, 0);
    monitor_execute(mon, line);
    return out->str;
}

static void test_split(void)
{
    char **w = monitor_split("  info   registers\t-a ");
    g_assert_cmpint(g_strv_length(w), ==, 3);
    g_assert_cmpstr(w[0], ==, "info");
    g_assert_cmpstr(w[1], ==, "registers");
    g_assert_cmpstr(w[2], ==, "-a");
    g_strfreev(w);
    w = monitor_split("   ");
    g_assert_cmpint(g_strv_length(w), ==, 0);
    g_strfreev(w);
    w = monitor_split("help \"a b\" c");
    g_assert_cmpint(g_strv_length(w), ==, 3);
    g_assert_cmpstr(w[1], ==, "a b");
    g_strfreev(w);
}

static void test_commands(void)
{
    Machine *m = fake_machine();
    out = g_string_new(NULL);
    Monitor *mon = monitor_new(m, cap_write, NULL, "1.2.3");

    g_assert_cmpstr(run(mon, "foo"), ==, "unknown command: 'foo'\r\n");
    g_assert_cmpstr(run(mon, "info bogus"), ==, "unknown command: 'info bogus'\r\n");
    g_assert_cmpstr(run(mon, ""), ==, "");
    g_assert_cmpstr(run(mon, "info version"), ==, "1.2.3\r\n");
    const char *h = run(mon, "help");
    g_assert_nonnull(strstr(h, "cont|c  -- resume emulation\r\n"));
    g_assert_nonnull(strstr(h, "quit|q  -- quit the emulator\r\n"));
    g_assert_nonnull(strstr(h, "stop|s  -- stop emulation\r\n"));
    g_assert_nonnull(strstr(h, "system_reset  -- reset the system\r\n"));
    g_assert_nonnull(strstr(h, "info [subcommand]"));
    g_assert_cmpstr(run(mon, "h stop"), ==, "stop|s  -- stop emulation\r\n");
    g_assert_cmpstr(run(mon, "? c"), ==, "cont|c  -- resume emulation\r\n");
    g_assert_nonnull(strstr(run(mon, "info"), "info status  -- "));
    g_assert_nonnull(strstr(run(mon, "help info"), "info registers [-a]"));

    /* run state */
    g_assert_cmpstr(run(mon, "info status"), ==, "VM status: running\r\n");
    g_assert_cmpstr(run(mon, "stop"), ==, "");
    g_assert_false(runstate_is_running());
    g_assert_cmpstr(run(mon, "info status"), ==, "VM status: paused\r\n");
    g_assert_cmpstr(run(mon, "stop"), ==, "");          /* twice: no-op */
    g_assert_cmpstr(run(mon, "c"), ==, "");
    g_assert_true(runstate_is_running());
    g_assert_cmpstr(run(mon, "info status"), ==, "VM status: running\r\n");
    g_assert_cmpstr(run(mon, "s"), ==, "");
    g_assert_false(runstate_is_running());
    g_assert_cmpstr(run(mon, "cont"), ==, "");
    g_assert_cmpstr(run(mon, "stop now"), ==, "stop: extra parameter 'now'\r\n");
    g_assert_true(runstate_is_running());

    /* registers: the reset state, after the vCPUs were paused */
    const char *r = run(mon, "info registers");
    g_assert_nonnull(strstr(r, "EIP=0000fff0 "));
    g_assert_nonnull(strstr(r, "\r\nCS =f000 ffff0000 0000ffff"));
    g_assert_null(strstr(r, "CPU#0"));
    g_assert_true(runstate_is_running());               /* resumed */
    r = run(mon, "info registers -a");
    g_assert_true(g_str_has_prefix(r, "\r\nCPU#0\r\nEAX="));
    g_assert_cmpstr(run(mon, "info registers 1"), ==, "invalid vcpu: '1'\r\n");
    g_assert_nonnull(strstr(run(mon, "info registers 0"), "EIP="));
    g_assert_cmpstr(run(mon, "info cpus"), ==, "* CPU #0: (not started)\r\n");

    /* machine requests */
    g_assert_cmpint(m->reset_requested, ==, 0);
    g_assert_cmpstr(run(mon, "system_reset"), ==, "");
    g_assert_cmpint(m->reset_requested, ==, 1);
    g_assert_cmpint(m->shutdown_requested, ==, 0);
    g_assert_cmpstr(run(mon, "q"), ==, "");
    g_assert_cmpint(m->shutdown_requested, ==, 1);
    g_assert_cmpint(m->exit_status, ==, 0);

    monitor_free(mon);
    free_machine(m);
    g_string_free(out, TRUE);
}

static void test_line_editing(void)
{
    Machine *m = fake_machine();
    out = g_string_new(NULL);
    Monitor *mon = monitor_new(m, cap_write, NULL, "1.2.3");

    monitor_focus_in(mon);
    g_assert_cmpstr(out->str, ==, "emu86 1.2.3 monitor - type 'help' for more information\r\n"
                                  "(emu86) ");
    g_string_truncate(out, 0);
    monitor_focus_in(mon);                      /* banner once */
    g_assert_cmpstr(out->str, ==, "(emu86) ");

    /* typing is echoed; DEL/BS erase; CR LF ends one line only */
    g_string_truncate(out, 0);
    const char in1[] = "info verx\x7fsion\r\n";
    monitor_input(mon, (const uint8_t *)in1, strlen(in1));
    g_assert_cmpstr(out->str, ==, "info verx\b \bsion\r\n1.2.3\r\n(emu86) ");

    /* arrow keys and other escapes are swallowed; Ctrl-U kills the line */
    g_string_truncate(out, 0);
    const char in2[] = "junk\x15" "\x1b[A\x1bOPinfo\x1b[1;5D status\n";
    monitor_input(mon, (const uint8_t *)in2, strlen(in2));
    g_assert_cmpstr(out->str, ==, "junk\b \b\b \b\b \b\b \binfo status\r\n"
                                  "VM status: running\r\n(emu86) ");

    /* LF alone, CR alone, an empty line, backspace on an empty line */
    g_string_truncate(out, 0);
    const char in3[] = "\x08\rfoo\rbar\n";
    monitor_input(mon, (const uint8_t *)in3, strlen(in3));
    g_assert_cmpstr(out->str, ==, "\r\n(emu86) foo\r\nunknown command: 'foo'\r\n(emu86) "
                                  "bar\r\nunknown command: 'bar'\r\n(emu86) ");

    /* a partly typed line survives a focus switch and is redrawn */
    g_string_truncate(out, 0);
    monitor_input(mon, (const uint8_t *)"inf", 3);
    monitor_focus_in(mon);
    g_assert_cmpstr(out->str, ==, "inf(emu86) inf");

    /* after quit nothing more runs or prints */
    g_string_truncate(out, 0);
    const char in4[] = "o version\rquit\rinfo status\r";
    monitor_input(mon, (const uint8_t *)in4, strlen(in4));
    g_assert_cmpstr(out->str, ==, "o version\r\n1.2.3\r\n(emu86) quit\r\n");
    g_assert_cmpint(m->shutdown_requested, ==, 1);

    monitor_free(mon);
    free_machine(m);
    g_string_free(out, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/monitor/split", test_split);
    g_test_add_func("/monitor/commands", test_commands);
    g_test_add_func("/monitor/line-editing", test_line_editing);
    return g_test_run();
}

/*
 * system/monitor.c - the human monitor (see monitor.h).
 *
 * Design: a Monitor is an output callback plus a line editor.  Bytes from
 * a raw terminal go through a small state machine (printable characters
 * are echoed, Backspace/DEL erase, Ctrl-U kills the line, escape sequences
 * such as arrow keys are swallowed, CR, LF or CR LF end a line).  A line
 * is split into words and looked up in one command table, which also
 * drives `help`; `info` has its own table.  Output converts "\n" to
 * "\r\n" like QEMU's monitor, so it reads right on a raw terminal.
 *
 * Commands act on the machine through the same requests the guest uses
 * (machine_request_reset/shutdown) and through system/runstate.c for
 * stop/cont.  `info registers` needs a consistent cpu->env: when the VM
 * runs, it is paused around the dump (the vCPUs sync their registers from
 * the accelerator when they park) and resumed afterwards.
 *
 * The observable behaviour (prompt, command names and aliases, "VM status:
 * running", "unknown command: 'foo'") follows QEMU's HMP; the code is
 * emu86's own.
 */
#include <ctype.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"
#include "system/monitor.h"
#include "system/runstate.h"
#include "system/sysemu.h"
#include "target/i386/xsave.h"
#include "target/i386/cpu.h"

#define MON_LINE_MAX 1024
#define MON_PROMPT "(emu86) "
#define MON_STOP_TIMEOUT_MS 2000

struct Monitor {
    Machine *m;
    MonitorWriteFn write;
    void *opaque;
    char *version;
    char line[MON_LINE_MAX];
    size_t len;
    enum { ESC_NONE, ESC_START, ESC_CSI, ESC_SS3 } esc;
    bool last_cr;          /* previous byte was CR: a following LF is eaten */
    bool banner_done;
    bool quitting;         /* after quit: no more prompts */
};

typedef struct MonCmd {
    const char *name;      /* "cont|c": name and aliases */
    const char *args;
    const char *help;
    void (*fn)(Monitor *mon, char **argv);
} MonCmd;

/* ---- output ---- */

static void mon_raw(Monitor *mon, const char *s, size_t len)
{
    if (mon->write && len) {
        mon->write(mon->opaque, s, len);
    }
}

static void monitor_puts(Monitor *mon, const char *s)
{
    GString *out = g_string_sized_new(strlen(s) + 16);
    for (const char *p = s; *p; p++) {
        if (*p == '\n') {
            g_string_append_c(out, '\r');
        }
        g_string_append_c(out, *p);
    }
    mon_raw(mon, out->str, out->len);
    g_string_free(out, TRUE);
}

void monitor_printf(Monitor *mon, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    monitor_puts(mon, s);
    g_free(s);
}

static void mon_prompt(Monitor *mon)
{
    if (!mon->quitting) {
        mon_raw(mon, MON_PROMPT, strlen(MON_PROMPT));
    }
}

/* ---- helpers ---- */

/* Does word match "name|alias|..."? */
static bool mon_name_match(const char *names, const char *word)
{
    size_t wl = strlen(word);
    const char *p = names;
    while (*p) {
        size_t n = strcspn(p, "|");
        if (n == wl && !strncmp(p, word, n)) {
            return true;
        }
        p += n;
        if (*p == '|') {
            p++;
        }
    }
    return false;
}

static int mon_argc(char **argv)
{
    int n = 0;
    while (argv[n]) {
        n++;
    }
    return n;
}

static bool mon_no_args(Monitor *mon, char **argv)
{
    if (argv[1]) {
        monitor_printf(mon, "%s: extra parameter '%s'\n", argv[0], argv[1]);
        return false;
    }
    return true;
}

static void mon_dump_cpu(Monitor *mon, X86CPU *cpu)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        monitor_printf(mon, "out of memory\n");
        return;
    }
    cpu_dump_state(&cpu->env, f);
    cpu_dump_vregs(&cpu->env, f);   /* like QEMU's FPU/XMM part */
    fclose(f);
    monitor_puts(mon, buf);
    free(buf);
}

/* ---- info subcommands ---- */

static void info_registers(Monitor *mon, char **argv)
{
    Machine *m = mon->m;
    bool all = false;
    int index = 0;          /* the monitor's current CPU: the BSP */
    for (int i = 1; argv[i]; i++) {
        char *end;
        if (!strcmp(argv[i], "-a")) {
            all = true;
            continue;
        }
        long v = strtol(argv[i], &end, 0);
        if (*end || end == argv[i] || !m || v < 0 || v >= m->nr_cpus) {
            monitor_printf(mon, "invalid vcpu: '%s'\n", argv[i]);
            return;
        }
        index = (int)v;
    }
    if (!m || m->nr_cpus == 0 || !m->cpus[0]) {
        monitor_printf(mon, "No CPU available\n");
        return;
    }
    /* a running vCPU changes env under our feet: pause around the dump */
    bool was_running = runstate_is_running();
    if (was_running && !runstate_stop(MON_STOP_TIMEOUT_MS)) {
        monitor_printf(mon, "warning: the vCPUs did not stop, the registers may "
                            "be inconsistent\n");
    }
    for (int i = 0; i < m->nr_cpus; i++) {
        if (!m->cpus[i] || (!all && i != index)) {
            continue;
        }
        if (all) {
            monitor_printf(mon, "\nCPU#%d\n", i);
        }
        mon_dump_cpu(mon, m->cpus[i]);
    }
    if (was_running) {
        runstate_cont();
    }
}

static void info_status(Monitor *mon, char **argv)
{
    if (mon_no_args(mon, argv)) {
        monitor_printf(mon, "VM status: %s\n", runstate_is_running() ? "running" : "paused");
    }
}

static void info_version(Monitor *mon, char **argv)
{
    if (mon_no_args(mon, argv)) {
        monitor_printf(mon, "%s\n", mon->version);
    }
}

static void info_cpus(Monitor *mon, char **argv)
{
    Machine *m = mon->m;
    if (!mon_no_args(mon, argv)) {
        return;
    }
    for (int i = 0; m && i < m->nr_cpus; i++) {
        int tid = runstate_vcpu_thread_id(i);
        if (tid) {
            monitor_printf(mon, "%c CPU #%d: thread_id=%d\n", i == 0 ? '*' : ' ', i, tid);
        } else {
            monitor_printf(mon, "%c CPU #%d: (not started)\n", i == 0 ? '*' : ' ', i);
        }
    }
}

static const MonCmd info_cmds[] = {
    { "cpus", "", "show infos for each CPU", info_cpus },
    { "registers", "[-a] [vcpu]",
      "show the cpu registers (-a: all CPUs; vcpu: that CPU; default the first)",
      info_registers },
    { "status", "", "show the current VM status (running|paused)", info_status },
    { "version", "", "show the version of emu86", info_version },
    { NULL, NULL, NULL, NULL },
};

/* ---- commands ---- */

static void mon_help_line(Monitor *mon, const char *prefix, const MonCmd *c)
{
    monitor_printf(mon, "%s%s %s -- %s\n", prefix, c->name, c->args, c->help);
}

static void cmd_info(Monitor *mon, char **argv);
static void cmd_help(Monitor *mon, char **argv);

static void cmd_stop(Monitor *mon, char **argv)
{
    if (!mon_no_args(mon, argv)) {
        return;
    }
    if (!runstate_stop(MON_STOP_TIMEOUT_MS) && mon->m && !mon->m->shutdown_requested) {
        monitor_printf(mon, "warning: not every vCPU stopped within %d ms\n",
                       MON_STOP_TIMEOUT_MS);
    }
}

static void cmd_cont(Monitor *mon, char **argv)
{
    if (mon_no_args(mon, argv)) {
        runstate_cont();
    }
}

static void cmd_system_reset(Monitor *mon, char **argv)
{
    if (mon_no_args(mon, argv) && mon->m) {
        machine_request_reset(mon->m, "system_reset from the monitor");
        runstate_wake();
    }
}

static void cmd_quit(Monitor *mon, char **argv)
{
    if (!mon_no_args(mon, argv)) {
        return;
    }
    mon->quitting = true;
    if (mon->m) {
        machine_request_shutdown(mon->m, 0);
    }
    runstate_wake();
}

static const MonCmd mon_cmds[] = {
    { "cont|c", "", "resume emulation", cmd_cont },
    { "help|h|?", "[cmd]", "show the help", cmd_help },
    { "info", "[subcommand]", "show various information about the system state",
      cmd_info },
    { "quit|q", "", "quit the emulator", cmd_quit },
    { "stop|s", "", "stop emulation", cmd_stop },
    { "system_reset", "", "reset the system", cmd_system_reset },
    { NULL, NULL, NULL, NULL },
};

static void cmd_help(Monitor *mon, char **argv)
{
    const char *want = argv[1];
    bool found = false;
    if (want && !strcmp(want, "info")) {
        for (const MonCmd *c = info_cmds; c->name; c++) {
            mon_help_line(mon, "info ", c);
        }
        return;
    }
    for (const MonCmd *c = mon_cmds; c->name; c++) {
        if (!want || mon_name_match(c->name, want)) {
            mon_help_line(mon, "", c);
            found = true;
        }
    }
    if (!found) {
        monitor_printf(mon, "unknown command: '%s'\n", want);
    }
}

static void cmd_info(Monitor *mon, char **argv)
{
    if (!argv[1]) {
        for (const MonCmd *c = info_cmds; c->name; c++) {
            mon_help_line(mon, "info ", c);
        }
        return;
    }
    for (const MonCmd *c = info_cmds; c->name; c++) {
        if (mon_name_match(c->name, argv[1])) {
            c->fn(mon, argv + 1);
            return;
        }
    }
    monitor_printf(mon, "unknown command: 'info %s'\n", argv[1]);
}

/* ---- parsing and execution ---- */

char **monitor_split(const char *line)
{
    GPtrArray *words = g_ptr_array_new();
    const char *p = line;
    for (;;) {
        while (isspace((unsigned char)*p)) {
            p++;
        }
        if (!*p) {
            break;
        }
        GString *w = g_string_new(NULL);
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++) {
                g_string_append_c(w, *p);
            }
            if (*p == '"') {
                p++;
            }
        } else {
            while (*p && !isspace((unsigned char)*p)) {
                g_string_append_c(w, *p++);
            }
        }
        g_ptr_array_add(words, g_string_free(w, FALSE));
    }
    g_ptr_array_add(words, NULL);
    return (char **)g_ptr_array_free(words, FALSE);
}

void monitor_execute(Monitor *mon, const char *line)
{
    char **argv = monitor_split(line);
    if (mon_argc(argv) > 0) {
        const MonCmd *cmd = NULL;
        for (const MonCmd *c = mon_cmds; c->name && !cmd; c++) {
            if (mon_name_match(c->name, argv[0])) {
                cmd = c;
            }
        }
        if (cmd) {
            cmd->fn(mon, argv);
        } else {
            monitor_printf(mon, "unknown command: '%s'\n", argv[0]);
        }
    }
    g_strfreev(argv);
}

/* ---- line editing ---- */

static void mon_byte(Monitor *mon, uint8_t c)
{
    bool was_cr = mon->last_cr;
    mon->last_cr = false;

    switch (mon->esc) {
    case ESC_START:
        mon->esc = c == '[' ? ESC_CSI : c == 'O' ? ESC_SS3 : ESC_NONE;
        return;
    case ESC_CSI:
        if (c >= 0x40 && c <= 0x7e) {
            mon->esc = ESC_NONE;   /* final byte: arrows, Home, ... ignored */
        }
        return;
    case ESC_SS3:
        mon->esc = ESC_NONE;
        return;
    case ESC_NONE:
        break;
    }

    if (c == '\r' || c == '\n') {
        if (c == '\n' && was_cr) {
            return;                 /* CR LF is one end of line */
        }
        mon->last_cr = c == '\r';
        mon->line[mon->len] = '\0';
        mon_raw(mon, "\r\n", 2);
        mon->len = 0;
        char *line = g_strdup(mon->line);
        monitor_execute(mon, line);
        g_free(line);
        mon_prompt(mon);
        return;
    }
    if (c == 0x1b) {
        mon->esc = ESC_START;
        return;
    }
    if (c == 0x7f || c == 0x08) {
        if (mon->len > 0) {
            mon->len--;
            mon_raw(mon, "\b \b", 3);
        }
        return;
    }
    if (c == 0x15) {                /* Ctrl-U: kill the line */
        while (mon->len > 0) {
            mon->len--;
            mon_raw(mon, "\b \b", 3);
        }
        return;
    }
    if (c < 0x20) {
        return;                     /* other control characters */
    }
    if (mon->len + 1 < MON_LINE_MAX) {
        mon->line[mon->len++] = (char)c;
        mon_raw(mon, (const char *)&c, 1);
    }
}

void monitor_input(Monitor *mon, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len && !mon->quitting; i++) {
        mon_byte(mon, buf[i]);
    }
}

void monitor_focus_in(Monitor *mon)
{
    if (!mon->banner_done) {
        mon->banner_done = true;
        monitor_printf(mon, "emu86 %s monitor - type 'help' for more information\n",
                       mon->version);
    }
    mon_prompt(mon);
    /* redraw what was typed before the focus went away */
    mon_raw(mon, mon->line, mon->len);
}

Monitor *monitor_new(Machine *m, MonitorWriteFn write, void *opaque, const char *version)
{
    Monitor *mon = g_new0(Monitor, 1);
    mon->m = m;
    mon->write = write;
    mon->opaque = opaque;
    mon->version = g_strdup(version ? version : "unknown");
    if (m) {
        runstate_init(m);
    }
    return mon;
}

void monitor_free(Monitor *mon)
{
    if (mon) {
        g_free(mon->version);
        g_free(mon);
    }
}

/* Every monitor lives until exit; the list keeps them reachable. */
static GPtrArray *all_monitors;

static Monitor *monitor_on(Machine *m, struct Chardev *chr, bool focus, const char *version)
{
    Monitor *mon = monitor_new(m, chardev_monitor_write, chr, version);
    if (!all_monitors) {
        all_monitors = g_ptr_array_new();
    }
    g_ptr_array_add(all_monitors, mon);
    chardev_attach_monitor(chr, mon, focus);
    return mon;
}

bool monitor_init(Machine *m, const char *spec, const char *version, char **err)
{
    runstate_init(m);
    if (spec && (!strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio") ||
                 !strcmp(spec, "pty"))) {
        char *cerr = NULL;
        struct Chardev *chr = chardev_new_labeled(spec, "compat_monitor0", &cerr);
        if (!chr) {
            *err = g_strdup_printf("-monitor %s: %s", spec, cerr ? cerr : "cannot open");
            g_free(cerr);
            return false;
        }
        monitor_on(m, chr, true, version);
    }
    /* other specs (none, vc, tcp:, unix:) were accepted with a warning by
     * the option parser: no monitor of their own */
    struct Chardev *mux;
    while ((mux = chardev_find_mon_mux())) {
        monitor_on(m, mux, false, version);
    }
    return true;
}

/*
 * system/log.c - -d/-D logging, error_report() and fatal().
 *
 * Design: log_mask is a plain global read on hot paths (log_enabled() is an
 * inline test); it is only written during start-up.  log_printf() may be
 * called by several vCPU threads at once, so each call formats into one
 * buffer and writes it under a mutex: lines of different CPUs never
 * interleave mid-line.  error_report() writes one whole line with a single
 * fputs-style call for the same reason.
 */
#include <glib.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "system/log.h"
#include "system/sysemu.h"

unsigned log_mask;

static FILE *log_fp;          /* NULL: stderr */
static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;

static const struct {
    const char *name;
    unsigned mask;
    const char *help;
} log_items[] = {
    { "in_asm", LOG_IN_ASM, "show target assembly code for each compiled TB" },
    { "int", LOG_INT, "show interrupts/exceptions in short format" },
    { "cpu", LOG_CPU, "show CPU registers before entering a TB" },
    { "exec", LOG_EXEC, "show trace before each executed TB" },
    { "guest_errors", LOG_GUEST_ERROR,
      "log when the guest OS does something invalid (eg accessing a\n"
      "non-existent register)" },
    { "unimp", LOG_UNIMP, "log unimplemented functionality" },
    { "pcall", LOG_PCALL, "x86 only: show protected mode far calls/returns/exceptions" },
    { "ioport", LOG_IOPORT, "show all i/o ports accesses" },
};

bool log_parse_items(const char *items, char **err)
{
    unsigned mask = 0;
    char **parts = g_strsplit(items, ",", -1);
    for (int i = 0; parts[i]; i++) {
        if (!strcmp(parts[i], "help") || !strcmp(parts[i], "?")) {
            continue;   /* main.c prints the list (log_print_items) */
        }
        size_t j;
        for (j = 0; j < G_N_ELEMENTS(log_items); j++) {
            if (!strcmp(parts[i], log_items[j].name)) {
                mask |= log_items[j].mask;
                break;
            }
        }
        if (j == G_N_ELEMENTS(log_items)) {
            if (err) {
                *err = g_strdup_printf("-d %s: unknown log item '%s' (try -d help)",
                                       items, parts[i]);
            }
            g_strfreev(parts);
            return false;
        }
    }
    g_strfreev(parts);
    log_mask |= mask;
    return true;
}

void log_print_items(FILE *f)
{
    fprintf(f, "Log items (comma separated):\n");
    for (size_t j = 0; j < G_N_ELEMENTS(log_items); j++) {
        fprintf(f, "%-15s%s\n", log_items[j].name, log_items[j].help);
    }
}

bool log_set_file(const char *path, char **err)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        if (err) {
            *err = g_strdup_printf("-D %s: %s", path, g_strerror(errno));
        }
        return false;
    }
    /* Line buffered: a crash or a killed run still leaves whole lines. */
    setvbuf(f, NULL, _IOLBF, 0);
    pthread_mutex_lock(&log_mutex);
    if (log_fp) {
        fclose(log_fp);
    }
    log_fp = f;
    pthread_mutex_unlock(&log_mutex);
    return true;
}

FILE *log_file(void)
{
    return log_fp ? log_fp : stderr;
}

void log_printf(const char *fmt, ...)
{
    /* -d exec/cpu print a lot: format on the stack, allocate only for
     * unusually long messages. */
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    char *s = buf;
    if (n >= (int)sizeof(buf)) {
        va_start(ap, fmt);
        s = g_strdup_vprintf(fmt, ap);
        va_end(ap);
    }
    pthread_mutex_lock(&log_mutex);
    fputs(s, log_fp ? log_fp : stderr);
    pthread_mutex_unlock(&log_mutex);
    if (s != buf) {
        g_free(s);
    }
}

void log_flush(void)
{
    pthread_mutex_lock(&log_mutex);
    if (log_fp) {
        fflush(log_fp);
    }
    fflush(stderr);
    pthread_mutex_unlock(&log_mutex);
}

static void report_line(const char *prefix, const char *fmt, va_list ap)
{
    char *msg = g_strdup_vprintf(fmt, ap);
    size_t n = strlen(msg);
    /* Callers pass messages with or without a final newline: print exactly
     * one line. */
    while (n && msg[n - 1] == '\n') {
        msg[--n] = 0;
    }
    char *line = g_strdup_printf("emu86: %s%s\n", prefix, msg);
    fputs(line, stderr);
    fflush(stderr);
    g_free(line);
    g_free(msg);
}

void error_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_line("", fmt, ap);
    va_end(ap);
}

void warn_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_line("warning: ", fmt, ap);
    va_end(ap);
}

void fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_line("", fmt, ap);
    va_end(ap);
    chardev_close_all();   /* give the terminal back before leaving */
    log_flush();
    exit(1);
}

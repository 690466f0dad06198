/*
 * system/log.h - runtime-only additions to the logging API of
 * system/sysemu.h (used by main.c and main_loop.c, not by devices).
 */
#ifndef SYSTEM_LOG_H
#define SYSTEM_LOG_H

#include <stdio.h>

#include "system/sysemu.h"

/* "emu86: warning: ..." on stderr */
void warn_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The -d item list for "-d help". */
void log_print_items(FILE *f);
/* Flush (and close a -D file) before exit. */
void log_flush(void);

#endif

/*
 * system/options.h - the command line, parsed into one plain struct.
 *
 * Design: options_parse() has no side effects beyond filling Options (no
 * printing, no exit, no device or chardev creation), so the unit tests can
 * drive it directly and main.c decides what to print.  Everything that is
 * accepted but not implemented yet is recorded as a warning string that
 * main.c prints after a successful parse.  The spelling follows QEMU's
 * (-opt and --opt are the same; "-m 1G", "-smp cpus=2", ...).
 */
#ifndef SYSTEM_OPTIONS_H
#define SYSTEM_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define OPTIONS_MAX_SERIAL 4
#define OPTIONS_MAX_RAM (1ULL << 40)          /* 1 TiB */
#define OPTIONS_DEFAULT_RAM (128ULL << 20)    /* QEMU's default -m */

/* What main.c should print and exit 0 for, instead of running. */
typedef enum OptionsHelp {
    OPT_HELP_NONE,
    OPT_HELP_USAGE,     /* -h, --help */
    OPT_HELP_VERSION,   /* -version, --version */
    OPT_HELP_DEVICE,    /* -device help */
    OPT_HELP_DEVICE_PROPS, /* -device NAME,help (help_arg = NAME) */
    OPT_HELP_MACHINE,   /* -M help */
    OPT_HELP_CPU,       /* -cpu help */
    OPT_HELP_LOG,       /* -d help */
    OPT_HELP_ACCEL,     /* -accel help */
} OptionsHelp;

typedef struct Options {
    uint64_t ram_size;          /* bytes */
    int smp;                    /* number of vCPUs */
    char *accel;                /* "tcg", "kvm", "auto", or a ':' list of
                                 * them tried in order ("kvm:tcg") */
    bool accel_given;
    char *machine;              /* "pc" */
    char *cpu_model;            /* a name x86_model_find() knows */
    char *cpu_spec;             /* the whole -cpu argument (NULL: none given) */
    /* The model the CPUs get: cpu_spec applied for the chosen accelerator
     * (main.c fills it; NULL: x86_model_find(cpu_model)). */
    struct X86CPUModel *cpu;
    char *kernel, *initrd, *append;
    char *bios;                 /* NULL: none given */

    /* -serial specs in order; serial[i] is COMi+1.  "none" leaves a hole. */
    char *serial[OPTIONS_MAX_SERIAL];
    int nr_serial;
    char *monitor;
    char *display;              /* "none" or NULL (default) */
    bool nographic;
    bool nodefaults;

    char *log_items;            /* -d (validated) */
    char *log_file;             /* -D */
    bool gdb;                   /* -s / -gdb given */
    bool start_paused;          /* -S */
    bool no_reboot, no_shutdown;
    char *name;
    bool rtc_localtime;

    /* Repeatable options, NULL-terminated arrays (g_strv). */
    char **devices;             /* "NAME,prop=value,..." */
    char **drives;
    char **netdevs;
    char **images;              /* positional arguments */
    char **bios_dirs;           /* -L */
    /* "accepted but not implemented yet" and "ignored" notes, printed by
     * main.c as "emu86: warning: ..." */
    char **warnings;

    OptionsHelp help;
    char *help_arg;
} Options;

/* Parse argv[1..argc-1] into o (which is initialised first).  Returns true
 * on success; on bad input returns false with a malloc'd (g_free) message
 * in *err, without the "emu86: " prefix, e.g. "-m 0: memory size must be
 * > 0".  o must be freed with options_free() either way. */
bool options_parse(Options *o, int argc, char **argv, char **err);
void options_free(Options *o);

/* QEMU's size syntax: a number with an optional K/M/G/T/P/E suffix (bytes
 * with B, default unit default_unit); decimal fractions allowed ("1.5G").
 * Returns false on garbage or overflow. */
bool options_parse_size(const char *s, uint64_t default_unit, uint64_t *out);

/* The --help text. */
void options_print_usage(FILE *f);

/* The CPU model names -cpu accepts, NULL-terminated, with descriptions. */

#endif

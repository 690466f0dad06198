/*
 * system/main.c - program entry: command line, accelerator, machine, run.
 *
 * Design: a straight line of steps, each of which either succeeds or prints
 * ONE "emu86: ..." line and exits 1 (bad input never crashes).  Checks that
 * need no resources (options, firmware presence, device names, the
 * accelerator) come before anything is allocated or a terminal is put in
 * raw mode; after that, every exit path goes through main_exit() so the
 * terminal is restored.  The main thread then becomes the I/O thread
 * (system/main_loop.c) until a shutdown request, and the process exits with
 * the machine's exit status (isa-debug-exit code, 0 for poweroff/signals,
 * 1 for fatal emulation errors).
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accel/accel.h"
#include "hw/i386/pc.h"
#include "hw/machine.h"
#include "system/cpus.h"
#include "system/log.h"
#include "system/main_loop.h"
#include "system/monitor.h"
#include "system/options.h"
#include "system/runstate.h"
#include "system/sysemu.h"
#include "target/i386/cpuid.h"

#define EMU86_VERSION "0.1.0"

static void main_print_device(const DeviceInfo *info, void *opaque)
{
    if (info->user_creatable) {
        printf("name \"%s\"%s%s%s\n", info->name, info->desc ? ", desc \"" : "",
               info->desc ? info->desc : "", info->desc ? "\"" : "");
    }
}

/* -d help, -device help and friends: print to stdout, exit 0 (QEMU). */
static int main_print_help(const Options *o)
{
    switch (o->help) {
    case OPT_HELP_USAGE:
        printf("emu86 version " EMU86_VERSION "\n");
        options_print_usage(stdout);
        break;
    case OPT_HELP_VERSION:
        printf("emu86 version " EMU86_VERSION "\n");
        break;
    case OPT_HELP_DEVICE:
        printf("Devices (use -device NAME,help for properties):\n");
        device_list(main_print_device, NULL);
        break;
    case OPT_HELP_DEVICE_PROPS: {
        const DeviceInfo *info = device_find(o->help_arg);
        if (!info || !info->user_creatable) {
            error_report("-device %s,help: '%s' is not a valid device model name",
                         o->help_arg, o->help_arg);
            return 1;
        }
        printf("%s options:\n", info->name);
        for (int i = 0; info->props && info->props[i]; i++) {
            printf("  %s\n", info->props[i]);
        }
        break;
    }
    case OPT_HELP_MACHINE:
        printf("Supported machines are:\n"
               "pc                   Standard PC (i440FX, ISA devices) (default)\n");
        break;
    case OPT_HELP_CPU:
        printf("Available CPUs:\n");
        for (int i = 0; x86_models[i]; i++) {
            printf("x86 %-16s %s\n", x86_models[i]->name, x86_models[i]->desc);
        }
        break;
    case OPT_HELP_LOG:
        log_print_items(stdout);
        break;
    case OPT_HELP_ACCEL:
        printf("Accelerators supported in emu86 binary:\ntcg\nkvm\nauto\n");
        break;
    case OPT_HELP_NONE:
        break;
    }
    return 0;
}

static void main_atexit(void)
{
    /* isa-debug-exit and fatal() may exit from any thread: the terminal
     * must come back whatever the path. */
    chardev_close_all();
    log_flush();
}

static __attribute__((noreturn)) void main_exit(int status, bool threads_stopped)
{
    if (threads_stopped) {
        exit(status);
    }
    /* A vCPU thread did not stop: atexit handlers and destructors would
     * run under its feet, so restore the terminal and leave at once. */
    main_atexit();
    _exit(status);
}

/* Globals, not locals: what lives until exit stays reachable for the leak
 * checker of sanitizer builds, whichever thread calls exit(). */
static Options main_opts;
static Machine *main_machine;

/* Print one error line (err: a g_malloc'd message, consumed) and return 1. */
static int main_fail(char *err)
{
    error_report("%s", err ? err : "unknown error");
    g_free(err);
    options_free(&main_opts);
    return 1;
}

int main(int argc, char **argv)
{
    Options *o = &main_opts;
    char *err = NULL;

    if (!options_parse(o, argc, argv, &err)) {
        return main_fail(err);
    }
    if (o->help != OPT_HELP_NONE) {
        int r = main_print_help(o);
        options_free(o);
        return r;
    }
    for (int i = 0; o->warnings && o->warnings[i]; i++) {
        warn_report("%s", o->warnings[i]);
    }
    if (o->log_items && !log_parse_items(o->log_items, &err)) {
        return main_fail(err);
    }
    if (o->log_file && !log_set_file(o->log_file, &err)) {
        return main_fail(err);
    }
    if (!o->kernel && (o->initrd || o->append)) {
        return main_fail(g_strdup(o->initrd ? "-initrd only allowed with -kernel option"
                                            : "-append only allowed with -kernel option"));
    }
    if (o->kernel && o->bios) {
        /* The kernel is loaded directly (docs/boot.md); firmware that
         * loads it (fw_cfg) does not exist yet. */
        return main_fail(g_strdup("-kernel cannot be combined with -bios yet"));
    }
    if (!o->bios && !o->kernel) {
        return main_fail(g_strdup("no firmware: use -bios FILE or -kernel FILE"));
    }
    /* Like QEMU, a firmware name that is not a path to an existing file
     * is looked up in the -L directories. */
    if (o->bios && !g_file_test(o->bios, G_FILE_TEST_EXISTS) && !strchr(o->bios, '/')) {
        for (int i = 0; o->bios_dirs && o->bios_dirs[i]; i++) {
            char *p = g_build_filename(o->bios_dirs[i], o->bios, NULL);
            if (g_file_test(p, G_FILE_TEST_EXISTS)) {
                g_free(o->bios);
                o->bios = p;
                break;
            }
            g_free(p);
        }
    }
    for (int i = 0; o->devices && o->devices[i]; i++) {
        const char *spec = o->devices[i];
        char *name = g_strndup(spec, strcspn(spec, ","));
        const DeviceInfo *info = device_find(name);
        if (!info) {
            err = g_strdup_printf("-device %s: '%s' is not a valid device model name "
                                  "(try -device help)", spec, name);
        } else if (!info->user_creatable) {
            err = g_strdup_printf("-device %s: '%s' is part of the pc machine and "
                                  "cannot be added with -device", spec, name);
        }
        g_free(name);
        if (err) {
            return main_fail(err);
        }
    }

    /* Fallback list: each accelerator that cannot run here is a warning
     * while another one is left to try, the error when none is left. */
    const AccelOps *accel = NULL;
    char **names = g_strsplit(o->accel, ":", -1);
    for (int i = 0; names[i] && !accel; i++) {
        char why[512] = "";
        accel = accel_select(names[i], why, sizeof(why));
        if (!accel && !names[i + 1]) {
            g_strfreev(names);
            return main_fail(g_strdup(why));
        }
        if (!accel) {
            warn_report("%s; trying %s", why, names[i + 1]);
        }
    }
    g_strfreev(names);
    current_accel = accel;
    const X86CPUModel *cpu_model = x86_model_find(o->cpu_model);
    if (cpu_model && cpu_model->kvm_only && accel != &accel_kvm_ops) {
        return main_fail(g_strdup_printf("CPU model '%s' requires KVM", cpu_model->name));
    }
    if (o->cpu_spec) {
        /* -cpu flags: what TCG cannot run is dropped with a warning (under
         * KVM the CPUID intersection does that job). */
        char *cpu_warnings = NULL, *cpu_err = NULL;
        o->cpu = x86_model_from_spec(o->cpu_spec, accel != &accel_kvm_ops,
                                     &cpu_warnings, &cpu_err);
        if (cpu_warnings) {
            char **lines = g_strsplit(cpu_warnings, "\n", -1);
            for (int i = 0; lines[i]; i++) {
                warn_report("%s", lines[i]);
            }
            g_strfreev(lines);
            g_free(cpu_warnings);
        }
        if (!o->cpu) {
            return main_fail(g_strdup_printf("-cpu %s: %s", o->cpu_spec, cpu_err));
        }
    }
    if (log_mask) {
        log_printf("emu86: accel %s\n", accel->name);
    }

    atexit(main_atexit);
    main_loop_init();
    main_machine = pc_machine_create(o, &err);
    if (!main_machine) {
        main_exit(main_fail(err), true);
    }
    Machine *m = main_machine;
    char aerr[512] = "";
    if (accel->init && accel->init(m, aerr, sizeof(aerr)) != 0) {
        main_exit(main_fail(g_strdup(aerr[0] ? aerr : "accelerator initialisation failed")),
                  true);
    }
    if (!monitor_init(m, o->monitor, EMU86_VERSION, &err)) {
        main_exit(main_fail(err), true);
    }
    if (o->start_paused) {
        runstate_stop_async();
    }
    if (!cpus_start(m, &err)) {
        int r = main_fail(err);
        main_exit(r, cpus_join(m, 2000));
    }
    main_loop_run(m);

    bool stopped = cpus_join(m, 2000);
    if (!stopped) {
        error_report("vCPU threads did not stop, exiting anyway");
    }
    main_exit(m->exit_status, stopped);
}

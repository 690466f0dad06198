/*
 * system/options.c - the QEMU-compatible command line parser.
 *
 * Design: a table of options (name, takes an argument, handler, help line).
 * The same table drives parsing and --help, so the usage text cannot drift
 * from what is accepted.  Handlers validate their argument right away and
 * return a message naming the option ("-m 0: ...") so the user sees which
 * word of a long command line was wrong.  Nothing here prints or exits:
 * main.c does, after options_parse() returns (see options.h).
 */
#include <ctype.h>
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "system/options.h"
#include "target/i386/cpuid.h"


typedef bool (*OptHandler)(Options *o, const char *opt, const char *arg,
                           char **err);

typedef struct OptDef {
    const char *name;       /* without the leading dash */
    const char *argname;    /* NULL: takes no argument */
    OptHandler handler;
    const char *help;
} OptDef;

static void opt_warn(Options *o, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void opt_warn(Options *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    guint n = o->warnings ? g_strv_length(o->warnings) : 0;
    o->warnings = g_renew(char *, o->warnings, n + 2);
    o->warnings[n] = msg;
    o->warnings[n + 1] = NULL;
}

static void strv_append(char ***v, const char *s)
{
    guint n = *v ? g_strv_length(*v) : 0;
    *v = g_renew(char *, *v, n + 2);
    (*v)[n] = g_strdup(s);
    (*v)[n + 1] = NULL;
}

static void set_str(char **dst, const char *s)
{
    g_free(*dst);
    *dst = g_strdup(s);
}

bool options_parse_size(const char *s, uint64_t default_unit, uint64_t *out)
{
    const char *p = s;
    while (isspace((unsigned char)*p)) {
        p++;
    }
    if (!isdigit((unsigned char)*p) && *p != '.') {
        return false;  /* no sign, no empty string */
    }
    errno = 0;
    char *end;
    /* Integer part with strtoull so large byte counts stay exact; a
     * fraction is only meaningful with a unit above bytes. */
    uint64_t ival = strtoull(p, &end, 10);
    if (errno == ERANGE) {
        return false;
    }
    double frac = 0;
    bool has_frac = false;
    if (*end == '.') {
        char *fend;
        frac = strtod(end, &fend);
        if (fend == end + 1 && end == p) {
            return false;  /* "." alone */
        }
        has_frac = true;
        end = fend;
    } else if (end == p) {
        return false;
    }
    uint64_t unit = default_unit;
    if (*end) {
        switch (toupper((unsigned char)*end)) {
        case 'B': unit = 1; break;
        case 'K': unit = 1ULL << 10; break;
        case 'M': unit = 1ULL << 20; break;
        case 'G': unit = 1ULL << 30; break;
        case 'T': unit = 1ULL << 40; break;
        case 'P': unit = 1ULL << 50; break;
        case 'E': unit = 1ULL << 60; break;
        default: return false;
        }
        end++;
        if (*end) {
            return false;
        }
    }
    if (has_frac && unit == 1) {
        return false;
    }
    if (ival > UINT64_MAX / unit) {
        return false;
    }
    uint64_t v = ival * unit;
    if (has_frac) {
        double f = frac * (double)unit;
        if (v + f > 18446744073709549568.0) {
            return false;
        }
        v += (uint64_t)f;
    }
    *out = v;
    return true;
}

/* Split "a=1,b=2" (or "value,b=2" with an implied first key) into a
 * key/value list.  Returns a NULL-terminated array of pairs. */
static char **split_kv(const char *arg, const char *implied, char **err,
                       const char *opt)
{
    char **parts = g_strsplit(arg, ",", -1);
    GPtrArray *kv = g_ptr_array_new();
    for (int i = 0; parts[i]; i++) {
        char *eq = strchr(parts[i], '=');
        if (!eq) {
            if (i == 0 && implied) {
                g_ptr_array_add(kv, g_strdup(implied));
                g_ptr_array_add(kv, g_strdup(parts[i]));
                continue;
            }
            if (!*parts[i]) {
                continue;  /* tolerate a trailing comma */
            }
            *err = g_strdup_printf("-%s %s: expected key=value, not '%s'",
                                   opt, arg, parts[i]);
            g_strfreev(parts);
            g_ptr_array_free(kv, TRUE);
            return NULL;
        }
        g_ptr_array_add(kv, g_strndup(parts[i], eq - parts[i]));
        g_ptr_array_add(kv, g_strdup(eq + 1));
    }
    g_strfreev(parts);
    g_ptr_array_add(kv, NULL);
    return (char **)g_ptr_array_free(kv, FALSE);
}

static bool opt_m(Options *o, const char *opt, const char *arg, char **err)
{
    char **kv = split_kv(arg, "size", err, opt);
    if (!kv) {
        return false;
    }
    const char *size = NULL;
    for (int i = 0; kv[i]; i += 2) {
        if (!strcmp(kv[i], "size")) {
            size = kv[i + 1];
        } else if (!strcmp(kv[i], "slots") || !strcmp(kv[i], "maxmem")) {
            opt_warn(o, "-%s %s: %s= is ignored (no memory hotplug)", opt, arg, kv[i]);
        } else {
            *err = g_strdup_printf("-%s %s: invalid parameter '%s'", opt, arg, kv[i]);
            g_strfreev(kv);
            return false;
        }
    }
    uint64_t v;
    bool ok = true;
    if (!size || !options_parse_size(size, 1ULL << 20, &v)) {
        *err = g_strdup_printf("-%s %s: invalid memory size (use e.g. 512M or 2G)",
                               opt, arg);
        ok = false;
    } else if (v == 0) {
        *err = g_strdup_printf("-%s %s: memory size must be > 0", opt, arg);
        ok = false;
    } else if (v > OPTIONS_MAX_RAM) {
        *err = g_strdup_printf("-%s %s: memory size is too large (maximum 1 TiB)",
                               opt, arg);
        ok = false;
    } else {
        /* QEMU rounds the RAM size up to 8 KiB. */
        o->ram_size = (v + 8191) & ~8191ULL;
    }
    g_strfreev(kv);
    return ok;
}

static bool parse_int(const char *s, long *out)
{
    char *end;
    errno = 0;
    if (!isdigit((unsigned char)*s)) {
        return false;
    }
    long v = strtol(s, &end, 0);
    if (errno || *end) {
        return false;
    }
    *out = v;
    return true;
}

static bool opt_smp(Options *o, const char *opt, const char *arg, char **err)
{
    char **kv = split_kv(arg, "cpus", err, opt);
    if (!kv) {
        return false;
    }
    long cpus = -1, topo = 1;
    bool has_topo = false, ok = true;
    for (int i = 0; kv[i] && ok; i += 2) {
        long v;
        if (!parse_int(kv[i + 1], &v)) {
            *err = g_strdup_printf("-%s %s: '%s' is not a number", opt, arg, kv[i + 1]);
            ok = false;
        } else if (!strcmp(kv[i], "cpus")) {
            cpus = v;
        } else if (!strcmp(kv[i], "sockets") || !strcmp(kv[i], "cores") ||
                   !strcmp(kv[i], "threads") || !strcmp(kv[i], "dies")) {
            has_topo = true;
            topo = v > 0 && topo <= 1024 ? topo * v : 0;
        } else if (!strcmp(kv[i], "maxcpus")) {
            /* CPU hotplug is not supported: the limit is the count itself */
        } else {
            *err = g_strdup_printf("-%s %s: invalid parameter '%s'", opt, arg, kv[i]);
            ok = false;
        }
    }
    g_strfreev(kv);
    if (!ok) {
        return false;
    }
    if (cpus < 0) {
        cpus = has_topo ? topo : 1;
    }
    if (cpus < 1 || cpus > 64) {
        *err = g_strdup_printf("-%s %s: the number of CPUs must be between 1 and 64",
                               opt, arg);
        return false;
    }
    o->smp = (int)cpus;
    return true;
}

static bool accel_name_ok(const char *name)
{
    return !strcmp(name, "tcg") || !strcmp(name, "kvm") || !strcmp(name, "auto");
}

/* -accel may be repeated (QEMU: "-accel kvm -accel tcg" tries KVM, then
 * TCG), and -machine accel= takes the old "kvm:tcg" list form.  Both end
 * up as one ':'-separated list in o->accel, tried in order by main.c. */
static bool add_accel(Options *o, const char *opt, const char *arg,
                      const char *list, bool replace, char **err)
{
    char **names = g_strsplit(list, ":", -1);
    bool ok = names[0] != NULL;
    for (int i = 0; names[i] && ok; i++) {
        if (!accel_name_ok(names[i])) {
            *err = g_strdup_printf("-%s %s: invalid accelerator %s (try -accel help)",
                                   opt, arg, names[i]);
            ok = false;
        }
    }
    if (!names[0]) {
        *err = g_strdup_printf("-%s %s: missing accelerator name", opt, arg);
    }
    g_strfreev(names);
    if (!ok) {
        return false;
    }
    if (replace || !o->accel_given) {
        set_str(&o->accel, list);
    } else {
        char *joined = g_strjoin(":", o->accel, list, NULL);
        g_free(o->accel);
        o->accel = joined;
    }
    o->accel_given = true;
    return true;
}

static bool opt_accel(Options *o, const char *opt, const char *arg, char **err)
{
    if (!strcmp(arg, "help")) {
        o->help = OPT_HELP_ACCEL;
        return true;
    }
    char **kv = split_kv(arg, "accel", err, opt);
    if (!kv) {
        return false;
    }
    bool ok = true;
    for (int i = 0; kv[i] && ok; i += 2) {
        if (!strcmp(kv[i], "accel")) {
            ok = add_accel(o, opt, arg, kv[i + 1], false, err);
        } else {
            opt_warn(o, "-%s %s: option '%s' is ignored", opt, arg, kv[i]);
        }
    }
    g_strfreev(kv);
    return ok;
}

static bool opt_enable_kvm(Options *o, const char *opt, const char *arg, char **err)
{
    return add_accel(o, opt, "", "kvm", false, err);
}

static bool opt_machine(Options *o, const char *opt, const char *arg, char **err)
{
    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        o->help = OPT_HELP_MACHINE;
        return true;
    }
    char **kv = split_kv(arg, "type", err, opt);
    if (!kv) {
        return false;
    }
    bool ok = true;
    for (int i = 0; kv[i] && ok; i += 2) {
        const char *k = kv[i], *v = kv[i + 1];
        if (!strcmp(k, "type")) {
            /* "pc" and QEMU's versioned i440fx names are all the same
             * board here. */
            if (!strcmp(v, "pc") || g_str_has_prefix(v, "pc-i440fx-")) {
                set_str(&o->machine, "pc");
            } else if (!strcmp(v, "q35") || g_str_has_prefix(v, "pc-q35-")) {
                *err = g_strdup_printf("-%s %s: machine type '%s' is not supported yet "
                                       "(only 'pc')", opt, arg, v);
                ok = false;
            } else {
                *err = g_strdup_printf("-%s %s: unsupported machine type '%s' "
                                       "(try -machine help)", opt, arg, v);
                ok = false;
            }
        } else if (!strcmp(k, "accel")) {
            ok = add_accel(o, opt, arg, v, true, err);
        } else {
            opt_warn(o, "-%s %s: property '%s' is ignored", opt, arg, k);
        }
    }
    g_strfreev(kv);
    return ok;
}

static bool opt_cpu(Options *o, const char *opt, const char *arg, char **err)
{
    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        o->help = OPT_HELP_CPU;
        return true;
    }
    /* Syntax and names are checked now; what the accelerator can offer
     * is applied once it is chosen (main.c). */
    char *warnings = NULL, *perr = NULL;
    X86CPUModel *model = x86_model_from_spec(arg, false, &warnings, &perr);
    g_free(warnings);
    if (!model) {
        *err = g_strdup_printf("-%s %s: %s", opt, arg, perr);
        g_free(perr);
        return false;
    }
    g_free(o->cpu_model);
    o->cpu_model = g_strdup(model->name);
    g_free(o->cpu_spec);
    o->cpu_spec = g_strdup(arg);
    g_free(model);
    return true;
}

static bool opt_kernel(Options *o, const char *opt, const char *arg, char **err)
{
    set_str(&o->kernel, arg);
    return true;
}

static bool opt_initrd(Options *o, const char *opt, const char *arg, char **err)
{
    set_str(&o->initrd, arg);
    return true;
}

static bool opt_append(Options *o, const char *opt, const char *arg, char **err)
{
    set_str(&o->append, arg);
    return true;
}

static bool opt_bios(Options *o, const char *opt, const char *arg, char **err)
{
    if (!*arg) {
        *err = g_strdup_printf("-%s: empty file name", opt);
        return false;
    }
    set_str(&o->bios, arg);
    return true;
}

static bool opt_drive(Options *o, const char *opt, const char *arg, char **err)
{
    strv_append(&o->drives, arg);
    opt_warn(o, "-%s %s: disks are not implemented yet, ignored", opt, arg);
    return true;
}

static bool opt_netdev(Options *o, const char *opt, const char *arg, char **err)
{
    strv_append(&o->netdevs, arg);
    opt_warn(o, "-%s %s: networking is not implemented yet, ignored", opt, arg);
    return true;
}

static bool opt_device(Options *o, const char *opt, const char *arg, char **err)
{
    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        o->help = OPT_HELP_DEVICE;
        return true;
    }
    const char *comma = strchr(arg, ',');
    if (comma == arg || !*arg) {
        *err = g_strdup_printf("-%s %s: missing device name", opt, arg);
        return false;
    }
    if (comma && (!strcmp(comma + 1, "help") || !strcmp(comma + 1, "?"))) {
        o->help = OPT_HELP_DEVICE_PROPS;
        g_free(o->help_arg);
        o->help_arg = g_strndup(arg, comma - arg);
        return true;
    }
    strv_append(&o->devices, arg);
    return true;
}

static bool opt_nographic(Options *o, const char *opt, const char *arg, char **err)
{
    o->nographic = true;
    return true;
}

static bool opt_nodefaults(Options *o, const char *opt, const char *arg, char **err)
{
    o->nodefaults = true;
    return true;
}

static bool opt_display(Options *o, const char *opt, const char *arg, char **err)
{
    const char *comma = strchr(arg, ',');
    char *type = comma ? g_strndup(arg, comma - arg) : g_strdup(arg);
    bool ok = true;
    if (!strcmp(type, "none")) {
        set_str(&o->display, "none");
    } else if (!strcmp(type, "sdl") || !strcmp(type, "gtk") ||
               !strcmp(type, "curses") || !strcmp(type, "vnc") ||
               !strcmp(type, "default")) {
        opt_warn(o, "-%s %s: graphical displays are not implemented yet, using none",
                 opt, arg);
        set_str(&o->display, "none");
    } else {
        *err = g_strdup_printf("-%s %s: invalid display type '%s'", opt, arg, type);
        ok = false;
    }
    g_free(type);
    return ok;
}

static bool opt_vnc(Options *o, const char *opt, const char *arg, char **err)
{
    /* kvm-unit-tests and libvirt pass "-vnc none"; a real VNC server is
     * not implemented, so any other display is a warning, not a failure. */
    if (strcmp(arg, "none")) {
        opt_warn(o, "-%s %s: VNC is not implemented, no display is shown", opt, arg);
    }
    return true;
}

static bool opt_no_user_config(Options *o, const char *opt, const char *arg, char **err)
{
    return true;    /* emu86 reads no configuration files */
}

static bool opt_vga(Options *o, const char *opt, const char *arg, char **err)
{
    if (strcmp(arg, "none")) {
        opt_warn(o, "-%s %s: no graphics card is emulated yet", opt, arg);
    }
    return true;
}

/* Backends a serial port can use; the chardev helper opens them later. */
static bool serial_spec_ok(const Options *o, const char *opt, const char *arg,
                           char **err)
{
    if (!strcmp(arg, "stdio") || !strcmp(arg, "mon:stdio") ||
        !strcmp(arg, "none") || !strcmp(arg, "null") || !strcmp(arg, "pty")) {
        return true;
    }
    if (g_str_has_prefix(arg, "file:")) {
        if (!arg[5]) {
            *err = g_strdup_printf("-%s %s: missing file name", opt, arg);
            return false;
        }
        return true;
    }
    if (!strcmp(arg, "vc") || g_str_has_prefix(arg, "vc:") ||
        g_str_has_prefix(arg, "tcp:") || g_str_has_prefix(arg, "telnet:") ||
        g_str_has_prefix(arg, "unix:") || g_str_has_prefix(arg, "udp:") ||
        g_str_has_prefix(arg, "pipe:") || g_str_has_prefix(arg, "chardev:")) {
        *err = g_strdup_printf("-%s %s: character backend '%.*s' is not supported yet "
                               "(use stdio, mon:stdio, pty, file:PATH, null or none)",
                               opt, arg, (int)strcspn(arg, ":"), arg);
        return false;
    }
    *err = g_strdup_printf("-%s %s: invalid character backend '%s' "
                           "(use stdio, mon:stdio, pty, file:PATH, null or none)",
                           opt, arg, arg);
    return false;
}

static bool opt_serial(Options *o, const char *opt, const char *arg, char **err)
{
    if (!serial_spec_ok(o, opt, arg, err)) {
        return false;
    }
    if (o->nr_serial >= OPTIONS_MAX_SERIAL) {
        *err = g_strdup_printf("-%s %s: too many serial ports (at most %d)",
                               opt, arg, OPTIONS_MAX_SERIAL);
        return false;
    }
    o->serial[o->nr_serial++] = g_strdup(arg);
    return true;
}

/* The monitor runs on stdio or a pty (system/monitor.c); the backends
 * QEMU users often name for it but emu86 cannot open yet are accepted with
 * a warning so their command lines still start. */
static bool opt_monitor(Options *o, const char *opt, const char *arg, char **err)
{
    if (!strcmp(arg, "none") || !strcmp(arg, "stdio") || !strcmp(arg, "mon:stdio") ||
        !strcmp(arg, "pty")) {
        set_str(&o->monitor, arg);
        return true;
    }
    if (!strcmp(arg, "vc") || g_str_has_prefix(arg, "vc:") ||
        g_str_has_prefix(arg, "tcp:") || g_str_has_prefix(arg, "telnet:") ||
        g_str_has_prefix(arg, "unix:")) {
        set_str(&o->monitor, "none");
        opt_warn(o, "-%s %s: monitor backend '%.*s' is not supported yet "
                 "(use stdio or pty), no monitor", opt, arg,
                 (int)strcspn(arg, ":"), arg);
        return true;
    }
    *err = g_strdup_printf("-%s %s: invalid monitor backend '%s'", opt, arg, arg);
    return false;
}

static bool opt_d(Options *o, const char *opt, const char *arg, char **err)
{
    static const char *const items[] = {
        "in_asm", "int", "cpu", "exec", "guest_errors", "unimp", "pcall",
        "ioport", NULL,
    };
    char **parts = g_strsplit(arg, ",", -1);
    bool ok = true;
    for (int i = 0; parts[i] && ok; i++) {
        if (!strcmp(parts[i], "help") || !strcmp(parts[i], "?")) {
            o->help = OPT_HELP_LOG;
            continue;
        }
        bool found = false;
        for (int j = 0; items[j]; j++) {
            found |= !strcmp(parts[i], items[j]);
        }
        if (!found) {
            *err = g_strdup_printf("-%s %s: unknown log item '%s' (try -d help)",
                                   opt, arg, parts[i]);
            ok = false;
        }
    }
    g_strfreev(parts);
    if (ok) {
        /* Repeated -d options accumulate, as in QEMU. */
        char *joined = o->log_items ? g_strjoin(",", o->log_items, arg, NULL)
                                    : g_strdup(arg);
        g_free(o->log_items);
        o->log_items = joined;
    }
    return ok;
}

static bool opt_D(Options *o, const char *opt, const char *arg, char **err)
{
    set_str(&o->log_file, arg);
    return true;
}

static bool opt_s(Options *o, const char *opt, const char *arg, char **err)
{
    o->gdb = true;
    opt_warn(o, "-%s%s%s: the gdb stub is not implemented yet", opt,
             arg ? " " : "", arg ? arg : "");
    return true;
}

static bool opt_S(Options *o, const char *opt, const char *arg, char **err)
{
    o->start_paused = true;   /* main.c: runstate_stop_async(); cont starts it */
    return true;
}

static bool opt_no_reboot(Options *o, const char *opt, const char *arg, char **err)
{
    o->no_reboot = true;
    return true;
}

static bool opt_no_shutdown(Options *o, const char *opt, const char *arg, char **err)
{
    o->no_shutdown = true;
    return true;
}

static bool opt_name(Options *o, const char *opt, const char *arg, char **err)
{
    set_str(&o->name, arg);
    return true;
}

static bool opt_rtc(Options *o, const char *opt, const char *arg, char **err)
{
    char **kv = split_kv(arg, NULL, err, opt);
    if (!kv) {
        return false;
    }
    bool ok = true;
    for (int i = 0; kv[i] && ok; i += 2) {
        const char *k = kv[i], *v = kv[i + 1];
        if (!strcmp(k, "base")) {
            if (!strcmp(v, "utc")) {
                o->rtc_localtime = false;
            } else if (!strcmp(v, "localtime")) {
                o->rtc_localtime = true;
            } else {
                /* QEMU also takes a start date; not supported here */
                *err = g_strdup_printf("-%s %s: invalid base '%s' (utc or localtime)",
                                       opt, arg, v);
                ok = false;
            }
        } else if (!strcmp(k, "clock") || !strcmp(k, "driftfix")) {
            opt_warn(o, "-%s %s: '%s' is ignored", opt, arg, k);
        } else {
            *err = g_strdup_printf("-%s %s: invalid parameter '%s'", opt, arg, k);
            ok = false;
        }
    }
    g_strfreev(kv);
    return ok;
}

static bool opt_L(Options *o, const char *opt, const char *arg, char **err)
{
    strv_append(&o->bios_dirs, arg);
    return true;
}

static bool opt_help(Options *o, const char *opt, const char *arg, char **err)
{
    o->help = OPT_HELP_USAGE;
    return true;
}

static bool opt_version(Options *o, const char *opt, const char *arg, char **err)
{
    o->help = OPT_HELP_VERSION;
    return true;
}

static const OptDef opt_defs[] = {
    { "h", NULL, opt_help, "display this help and exit" },
    { "help", NULL, opt_help, NULL },
    { "version", NULL, opt_version, "display version information and exit" },
    { "machine", "[type=]pc[,accel=tcg|kvm]", opt_machine,
      "select the emulated machine ('-machine help' for a list)" },
    { "M", "pc", opt_machine, "same as -machine" },
    { "accel", "tcg|kvm|auto", opt_accel,
      "select the accelerator (default auto: KVM when the host CPU has\n"
      "                              vmx/svm and /dev/kvm opens, else TCG);\n"
      "                              repeat to give fallbacks: -accel kvm -accel tcg" },
    { "enable-kvm", NULL, opt_enable_kvm, "same as -accel kvm" },
    { "cpu", "model[,+feat|-feat|feat=on|off|prop=val...]", opt_cpu,
      "select the CPU model ('-cpu help' for a list) and adjust its features" },
    { "smp", "[cpus=]n", opt_smp, "number of CPUs (1..64)" },
    { "m", "[size=]megs", opt_m,
      "guest RAM size in MiB, or with a K/M/G/T suffix (default 128M)" },
    { "bios", "file", opt_bios, "firmware image (size a multiple of 64 KiB)" },
    { "L", "path", opt_L, "directory searched for the -bios file" },
    { "kernel", "bzImage", opt_kernel, "Linux bzImage or multiboot kernel to boot" },
    { "initrd", "file", opt_initrd, "initial ram disk for -kernel" },
    { "append", "cmdline", opt_append, "kernel command line for -kernel" },
    { "drive", "option[,...]", opt_drive, "disk drive (not implemented yet)" },
    { "netdev", "type,...", opt_netdev, "network backend (not implemented yet)" },
    { "device", "driver[,prop=value...]", opt_device,
      "add a device ('-device help' for a list, '-device NAME,help' for its properties)" },
    { "serial", "dev", opt_serial,
      "next serial port backend: stdio, mon:stdio, pty, file:PATH, null, none" },
    { "monitor", "dev", opt_monitor,
      "monitor backend: stdio, pty or none (-nographic: C-a c on the console)" },
    { "nographic", NULL, opt_nographic,
      "no display; the first serial port uses mon:stdio unless -serial is given" },
    { "display", "none", opt_display, "select the display (only none)" },
    { "vga", "type", opt_vga, "graphics card (accepted, none emulated yet)" },
    { "nodefaults", NULL, opt_nodefaults, "do not create the default serial port" },
    { "vnc", "none", opt_vnc, "VNC display (only none; accepted for QEMU scripts)" },
    { "no-user-config", NULL, opt_no_user_config,
      "accepted for compatibility (emu86 reads no config files)" },
    { "d", "item[,...]", opt_d, "enable logging of the items ('-d help' for a list)" },
    { "D", "logfile", opt_D, "write the -d log to logfile instead of stderr" },
    { "s", NULL, opt_s, "gdb stub on tcp::1234 (not implemented yet)" },
    { "gdb", "dev", opt_s, "gdb stub on dev (not implemented yet)" },
    { "S", NULL, opt_S, "start with the CPUs stopped ('cont' in the monitor starts them)" },
    { "no-reboot", NULL, opt_no_reboot, "exit instead of rebooting on a guest reset" },
    { "no-shutdown", NULL, opt_no_shutdown, "accepted for compatibility" },
    { "name", "string", opt_name, "name of the guest" },
    { "rtc", "base=utc|localtime", opt_rtc, "start time of the real time clock" },
    { NULL, NULL, NULL, NULL },
};

static const OptDef *opt_find(const char *name)
{
    for (const OptDef *d = opt_defs; d->name; d++) {
        if (!strcmp(d->name, name)) {
            return d;
        }
    }
    return NULL;
}

static void options_init(Options *o)
{
    memset(o, 0, sizeof(*o));
    o->ram_size = OPTIONS_DEFAULT_RAM;
    o->smp = 1;
    o->accel = g_strdup("auto");  /* KVM where the CPU has VT (vmx/svm), else TCG */
    o->machine = g_strdup("pc");
    o->cpu_model = g_strdup(x86_model_default.name);
}

/* Defaults that depend on several options, applied after the whole command
 * line is read (order of options must not matter). */
static void options_finish(Options *o)
{
    /* QEMU's rule: -nographic puts the serial port and the monitor on
     * stdio, muxed (C-a c) when neither was given, else whichever of the
     * two was not given goes to stdio alone. */
    bool default_serial = o->nr_serial == 0 && !o->nodefaults;
    bool default_monitor = !o->monitor && !o->nodefaults;
    if (o->nographic) {
        if (!o->display) {
            o->display = g_strdup("none");
        }
        if (default_serial && default_monitor) {
            o->serial[o->nr_serial++] = g_strdup("mon:stdio");
        } else if (default_serial) {
            o->serial[o->nr_serial++] = g_strdup("stdio");
        } else if (default_monitor) {
            o->monitor = g_strdup("stdio");
        }
    }
    if (o->nr_serial == 0 && !o->nodefaults) {
        /* QEMU's default COM1 goes to a virtual console; with no graphical
         * display yet, the port exists and its output is discarded. */
        o->serial[o->nr_serial++] = g_strdup("null");
    }
}

bool options_parse(Options *o, int argc, char **argv, char **err)
{
    options_init(o);
    *err = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1]) {
            /* QEMU treats a bare argument as the first hard disk image */
            strv_append(&o->images, a);
            opt_warn(o, "%s: disk images are not implemented yet, ignored", a);
            continue;
        }
        const char *name = a + 1;
        if (name[0] == '-') {
            name++;   /* --opt is the same as -opt */
        }
        const OptDef *d = opt_find(name);
        if (!d) {
            *err = g_strdup_printf("%s: invalid option", a);
            return false;
        }
        const char *arg = NULL;
        if (d->argname) {
            if (i + 1 >= argc) {
                *err = g_strdup_printf("-%s: requires an argument", d->name);
                return false;
            }
            arg = argv[++i];
        }
        if (!d->handler(o, d->name, arg, err)) {
            return false;
        }
        if (o->help == OPT_HELP_USAGE || o->help == OPT_HELP_VERSION) {
            break;  /* like QEMU: the rest of the line does not matter */
        }
    }
    options_finish(o);
    return true;
}

void options_free(Options *o)
{
    g_free(o->accel);
    g_free(o->machine);
    g_free(o->cpu_model);
    g_free(o->cpu_spec);
    g_free(o->cpu);
    g_free(o->kernel);
    g_free(o->initrd);
    g_free(o->append);
    g_free(o->bios);
    for (int i = 0; i < OPTIONS_MAX_SERIAL; i++) {
        g_free(o->serial[i]);
    }
    g_free(o->monitor);
    g_free(o->display);
    g_free(o->log_items);
    g_free(o->log_file);
    g_free(o->name);
    g_strfreev(o->devices);
    g_strfreev(o->drives);
    g_strfreev(o->netdevs);
    g_strfreev(o->images);
    g_strfreev(o->bios_dirs);
    g_strfreev(o->warnings);
    g_free(o->help_arg);
    memset(o, 0, sizeof(*o));
}

void options_print_usage(FILE *f)
{
    fprintf(f, "usage: emu86 [options] [disk_image]\n\n"
               "An x86-64 PC emulator with a QEMU-compatible command line.\n"
               "Every option may be spelled -opt or --opt.\n\n");
    for (const OptDef *d = opt_defs; d->name; d++) {
        if (!d->help) {
            continue;
        }
        char *left = d->argname ? g_strdup_printf("-%s %s", d->name, d->argname)
                                : g_strdup_printf("-%s", d->name);
        if (strlen(left) > 28) {
            fprintf(f, "%s\n%-30s%s\n", left, "", d->help);
        } else {
            fprintf(f, "%-30s%s\n", left, d->help);
        }
        g_free(left);
    }
    fprintf(f, "\nExit status: the guest's (isa-debug-exit: (value << 1) | 1), 0 on\n"
               "poweroff or a signal, 1 on bad input or a fatal emulation error.\n");
}

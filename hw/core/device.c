/*
 * hw/core/device.c - the registry of device models and -device creation.
 *
 * Design: each device file registers one DeviceInfo from a constructor
 * (DEVICE_REGISTER), so the registry is complete before main() runs and
 * needs no lock.  device_create() parses "prop=value,..." into a small
 * DeviceProps list, rejects property names the model does not declare (a
 * typo must not be silently ignored), allocates the zeroed state, realizes
 * it and records it in m->devices so machine_reset_devices() can reset
 * every device in creation order.
 *
 * Integers follow QEMU's qdev parsing (strtoull base 0: decimal, 0x hex,
 * leading 0 octal) so command lines written for QEMU mean the same here.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"

#define MAX_DEVICE_TYPES 64
#define MAX_DEVICE_PROPS 32

static const DeviceInfo *device_types[MAX_DEVICE_TYPES];
static int nr_device_types;

typedef struct DeviceProp {
    char *key;
    char *value;
} DeviceProp;

struct DeviceProps {
    DeviceProp props[MAX_DEVICE_PROPS];
    int nr;
};

static char *device_errf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *device_errf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0) {
        s = NULL;
    }
    va_end(ap);
    return s;
}

static void set_err(char **err, char *msg)
{
    if (err) {
        *err = msg;
    } else {
        free(msg);
    }
}

void device_register(const DeviceInfo *info)
{
    if (nr_device_types == MAX_DEVICE_TYPES) {
        fprintf(stderr, "emu86: too many device types (%s)\n", info->name);
        abort();
    }
    device_types[nr_device_types++] = info;
}

const DeviceInfo *device_find(const char *name)
{
    if (!name) {
        return NULL;
    }
    for (int i = 0; i < nr_device_types; i++) {
        if (!strcmp(device_types[i]->name, name)) {
            return device_types[i];
        }
    }
    return NULL;
}

static int device_info_cmp(const void *a, const void *b)
{
    const DeviceInfo *x = *(const DeviceInfo *const *)a;
    const DeviceInfo *y = *(const DeviceInfo *const *)b;
    return strcmp(x->name, y->name);
}

/* Calls fn for every registered model, sorted by name (for -device help). */
void device_list(void (*fn)(const DeviceInfo *info, void *opaque), void *opaque)
{
    const DeviceInfo *sorted[MAX_DEVICE_TYPES];
    memcpy(sorted, device_types, nr_device_types * sizeof(sorted[0]));
    qsort(sorted, nr_device_types, sizeof(sorted[0]), device_info_cmp);
    for (int i = 0; i < nr_device_types; i++) {
        fn(sorted[i], opaque);
    }
}

const char *device_prop_str(const DeviceProps *p, const char *key)
{
    if (!p) {
        return NULL;
    }
    /* the last occurrence wins, as in QEMU */
    for (int i = p->nr - 1; i >= 0; i--) {
        if (!strcmp(p->props[i].key, key)) {
            return p->props[i].value;
        }
    }
    return NULL;
}

bool device_prop_u64(const DeviceProps *p, const char *key, uint64_t def,
                     uint64_t *out, char **err)
{
    const char *s = device_prop_str(p, key);
    if (!s) {
        *out = def;
        return true;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (!*s || *s == '-' || *s == '+' || *s == ' ' || *end || errno) {
        set_err(err, device_errf("Parameter '%s' expects an integer, got '%s'",
                                 key, s));
        return false;
    }
    *out = v;
    return true;
}

static void device_props_free(DeviceProps *p)
{
    for (int i = 0; i < p->nr; i++) {
        free(p->props[i].key);
        free(p->props[i].value);
    }
    p->nr = 0;
}

static bool prop_known(const DeviceInfo *info, const char *key)
{
    /* "id" names the device for the user; accepted by every model */
    if (!strcmp(key, "id")) {
        return true;
    }
    for (const char *const *k = info->props; k && *k; k++) {
        if (!strcmp(*k, key)) {
            return true;
        }
    }
    return false;
}

/* Parses opts into p, checking names against info.  Empty items (",,"
 * or a trailing comma) are skipped. */
static bool device_props_parse(DeviceProps *p, const DeviceInfo *info,
                               const char *opts, char **err)
{
    p->nr = 0;
    if (!opts) {
        return true;
    }
    const char *s = opts;
    while (*s) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (len > 0) {
            const char *eq = memchr(s, '=', len);
            if (!eq || eq == s) {
                set_err(err, device_errf("%s: malformed property '%.*s' "
                                         "(expected name=value)",
                                         info->name, (int)len, s));
                device_props_free(p);
                return false;
            }
            char *key = strndup(s, eq - s);
            if (!prop_known(info, key)) {
                set_err(err, device_errf("%s: unknown property '%s'%s",
                                         info->name, key,
                                         info->props && info->props[0]
                                         ? "" : " (the device has none)"));
                free(key);
                device_props_free(p);
                return false;
            }
            if (p->nr == MAX_DEVICE_PROPS) {
                set_err(err, device_errf("%s: too many properties", info->name));
                free(key);
                device_props_free(p);
                return false;
            }
            p->props[p->nr].key = key;
            p->props[p->nr].value = strndup(eq + 1, len - (eq + 1 - s));
            p->nr++;
        }
        s += len;
        if (*s == ',') {
            s++;
        }
    }
    return true;
}

void *device_create(Machine *m, const char *name, const char *opts, char **err)
{
    const DeviceInfo *info = device_find(name);
    if (!info) {
        set_err(err, device_errf("'%s' is not a valid device model name",
                                 name ? name : ""));
        return NULL;
    }
    if (m->nr_devices >= (int)(sizeof(m->devices) / sizeof(m->devices[0]))) {
        set_err(err, device_errf("%s: too many devices on this machine", name));
        return NULL;
    }
    DeviceProps props;
    if (!device_props_parse(&props, info, opts, err)) {
        return NULL;
    }
    void *state = calloc(1, info->state_size ? info->state_size : 1);
    if (!state) {
        set_err(err, device_errf("%s: out of memory", name));
        device_props_free(&props);
        return NULL;
    }
    char *rerr = NULL;
    if (!info->realize(state, m, &props, &rerr)) {
        if (!rerr) {
            rerr = device_errf("%s: initialization failed", name);
        }
        set_err(err, rerr);
        device_props_free(&props);
        free(state);
        return NULL;
    }
    device_props_free(&props);
    m->devices[m->nr_devices].info = info;
    m->devices[m->nr_devices].state = state;
    m->nr_devices++;
    return state;
}

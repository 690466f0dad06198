/*
 * tests/unit/test-smbios.c - the SMBIOS tables an OS finds with -kernel.
 *
 * Parsed back the way an OS does (entry point checksums, structure walk
 * with string sets, handles, end marker), then read by an independent
 * decoder: dmidecode --from-dump (the blob built for address 0 is exactly
 * dmidecode's dump layout: entry point at 0, table at 32).
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "hw/i386/smbios.h"

static uint16_t get16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++) {
        s += p[i];
    }
    return s;
}

/* String number n of the structure at p (1-based), or NULL. */
static const char *str_of(const uint8_t *p, unsigned n)
{
    const char *s = (const char *)p + p[1];
    for (unsigned i = 1; n && *s; i++) {
        if (i == n) {
            return s;
        }
        s += strlen(s) + 1;
    }
    return NULL;
}

static const SmbiosConfig config = {
    .nr_cpus = 3, .ram_size = 6ull << 30, .below_4g = 3ull << 30, .above_4g = 3ull << 30,
    .cpu_vendor = "AuthenticAMD", .cpu_brand = "emu86 x86-64-v2 CPU",
    .cpuid_eax = 0x60fb1, .cpuid_edx = 0x078bfbfd,
};

static void test_structures(void)
{
    size_t len = 0;
    uint8_t *b = smbios_build(&config, 0xf0000, &len);
    g_assert_nonnull(b);
    g_assert_cmpmem(b, 4, "_SM_", 4);
    g_assert_cmpuint(b[5], ==, 0x1f);
    g_assert_cmpuint(sum(b, 0x1f), ==, 0);
    g_assert_cmpmem(b + 0x10, 5, "_DMI_", 5);
    g_assert_cmpuint(sum(b + 0x10, 0xf), ==, 0);
    g_assert_cmphex(get32(b + 0x18), ==, 0xf0000 + 32);
    size_t tlen = get16(b + 0x16);
    g_assert_cmpuint(32 + tlen, ==, len);
    unsigned count = get16(b + 0x1c), seen = 0, cpus = 0, type19 = 0;
    int types[128] = {0};
    const uint8_t *p = b + 32, *end = b + len;
    uint16_t array = 0xffff;
    while (p < end) {
        g_assert_true(p + p[1] + 2 <= end);
        g_assert_cmphex(get16(p + 2), ==, seen);       /* handles in order */
        types[p[0] & 127]++;
        switch (p[0]) {
        case 1:
            g_assert_cmpstr(str_of(p, p[4]), ==, "emu86");
            g_assert_cmpstr(str_of(p, p[5]), ==, "Standard PC (i440FX + PIIX, 1996)");
            break;
        case 4:
            g_assert_cmpstr(str_of(p, p[4]), ==, cpus == 0 ? "CPU 0" : cpus == 1 ? "CPU 1" : "CPU 2");
            g_assert_cmpstr(str_of(p, p[7]), ==, "AuthenticAMD");
            g_assert_cmphex(get32(p + 8), ==, 0x60fb1);
            cpus++;
            break;
        case 16:
            array = get16(p + 2);
            g_assert_cmphex(get32(p + 7), ==, (uint32_t)(6ull << 20));   /* KiB */
            break;
        case 17:
            g_assert_cmphex(get16(p + 4), ==, array);
            g_assert_cmpuint(get16(p + 0xc), ==, 6144);                  /* MiB */
            break;
        case 19:
            g_assert_cmphex(get16(p + 0xc), ==, array);
            type19++;
            break;
        }
        seen++;
        /* skip the formatted area and the string set (double NUL) */
        const uint8_t *s = p + p[1];
        while (s + 1 < end && (s[0] || s[1])) {
            s++;
        }
        p = s + 2;
        if (types[127]) {
            break;
        }
    }
    g_assert_true(p == end);
    g_assert_cmpuint(seen, ==, count);
    g_assert_cmpuint(cpus, ==, 3);
    g_assert_cmpuint(type19, ==, 2);
    for (int t = 0; t < 128; t++) {
        int want = t == 4 ? 3 : t == 19 ? 2 : (t == 0 || t == 1 || t == 3 || t == 16 ||
                                                t == 17 || t == 32 || t == 127);
        g_assert_cmpint(types[t], ==, want);
    }
    free(b);
    /* bad arguments */
    g_assert_null(smbios_build(&config, 0xf0008, &len));
    SmbiosConfig c = config;
    c.nr_cpus = 0;
    g_assert_null(smbios_build(&c, 0xf0000, &len));
}

static void test_dmidecode(void)
{
    if (system("dmidecode --version >/dev/null 2>&1") != 0) {
        g_test_skip("dmidecode not installed");
        return;
    }
    size_t len = 0;
    uint8_t *b = smbios_build(&config, 0, &len);
    g_assert_nonnull(b);
    char dir[] = "/tmp/emu86-smbios-XXXXXX";
    g_assert_nonnull(mkdtemp(dir));
    char *dump = g_strdup_printf("%s/dump", dir);
    g_assert_true(g_file_set_contents(dump, (const char *)b, len, NULL));
    char *cmd = g_strdup_printf("dmidecode --from-dump %s >%s/out 2>&1", dump, dir);
    g_assert_cmpint(system(cmd), ==, 0);
    char *out_path = g_strdup_printf("%s/out", dir), *text = NULL;
    g_assert_true(g_file_get_contents(out_path, &text, NULL, NULL));
    static const char *const expect[] = {
        "SMBIOS 2.8 present.", "Vendor: emu86", "Manufacturer: emu86",
        "Product Name: Standard PC (i440FX + PIIX, 1996)", "System is a virtual machine",
        "Socket Designation: CPU 2", "Version: emu86 x86-64-v2 CPU",
        "Maximum Capacity: 6 GB", "Size: 6 GB", "Locator: DIMM 0",
        "Starting Address: 0x00100000000", "Ending Address: 0x001BFFFFFFF",
        "Status: No errors detected", "End Of Table",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(expect); i++) {
        if (!strstr(text, expect[i])) {
            g_test_message("dmidecode output lacks \"%s\":\n%s", expect[i], text);
            g_test_fail();
        }
    }
    if (strstr(text, "Invalid") || strstr(text, "Wrong") || strstr(text, "<OUT OF SPEC>") ||
        strstr(text, "Bad")) {
        g_test_message("dmidecode complains:\n%s", text);
        g_test_fail();
    }
    g_free(text);
    g_free(cmd);
    cmd = g_strdup_printf("rm -rf %s", dir);
    g_assert_cmpint(system(cmd), ==, 0);
    g_free(cmd);
    g_free(out_path);
    g_free(dump);
    free(b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smbios/structures", test_structures);
    g_test_add_func("/smbios/dmidecode", test_dmidecode);
    return g_test_run();
}

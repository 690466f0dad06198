/*
 * target/i386/cpu_flags.c - "-cpu MODEL,+feat,-feat,feat=on,prop=value":
 * QEMU's way of adjusting a CPU model on the command line.
 *
 * Why: test suites and scripts written for QEMU ask for extra features
 * (kvm-unit-tests runs its APIC test with -cpu qemu64,+x2apic,+tsc-deadline)
 * or take some away to exercise a fallback path.  Silently ignoring the
 * flags would run a different CPU than the user asked for.
 *
 * Rules, as QEMU's: feature names are CPUID flag names as Linux and QEMU
 * spell them ('_' and '-' are the same); "+f"/"-f" and "f=on"/"f=off" are
 * equivalent and later ones win.  A feature the interpreter does not
 * implement is dropped with a warning ("TCG doesn't support requested
 * feature"), or refused with `enforce`.  Under KVM the model is later
 * intersected with what KVM supports (accel/kvm/kvm-cpuid.c), so a TCG
 * limit does not apply there.  Identity properties (vendor, family, model,
 * stepping, model-id) override the model's; a few QEMU properties that
 * describe things emu86 does not have (pmu, migratable, hv-*) are accepted
 * with a warning.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "target/i386/cpuid.h"

typedef struct FeatureName {
    const char *name;
    FeatureWord word;
    uint32_t bit;
} FeatureName;

static const FeatureName feature_names[] = {
    { "fpu", FEAT_1_EDX, CPUID_FPU }, { "vme", FEAT_1_EDX, CPUID_VME },
    { "de", FEAT_1_EDX, CPUID_DE }, { "pse", FEAT_1_EDX, CPUID_PSE },
    { "tsc", FEAT_1_EDX, CPUID_TSC }, { "msr", FEAT_1_EDX, CPUID_MSR },
    { "pae", FEAT_1_EDX, CPUID_PAE }, { "mce", FEAT_1_EDX, CPUID_MCE },
    { "cx8", FEAT_1_EDX, CPUID_CX8 }, { "apic", FEAT_1_EDX, CPUID_APIC },
    { "sep", FEAT_1_EDX, CPUID_SEP }, { "mtrr", FEAT_1_EDX, CPUID_MTRR },
    { "pge", FEAT_1_EDX, CPUID_PGE }, { "mca", FEAT_1_EDX, CPUID_MCA },
    { "cmov", FEAT_1_EDX, CPUID_CMOV }, { "pat", FEAT_1_EDX, CPUID_PAT },
    { "pse36", FEAT_1_EDX, CPUID_PSE36 }, { "clflush", FEAT_1_EDX, CPUID_CLFLUSH },
    { "mmx", FEAT_1_EDX, CPUID_MMX }, { "fxsr", FEAT_1_EDX, CPUID_FXSR },
    { "sse", FEAT_1_EDX, CPUID_SSE }, { "sse2", FEAT_1_EDX, CPUID_SSE2 },
    { "ss", FEAT_1_EDX, CPUID_SS }, { "ht", FEAT_1_EDX, CPUID_HTT },

    { "pni", FEAT_1_ECX, CPUID_EXT_SSE3 }, { "sse3", FEAT_1_ECX, CPUID_EXT_SSE3 },
    { "pclmulqdq", FEAT_1_ECX, CPUID_EXT_PCLMULQDQ },
    { "pclmuldq", FEAT_1_ECX, CPUID_EXT_PCLMULQDQ },
    { "monitor", FEAT_1_ECX, CPUID_EXT_MONITOR }, { "ssse3", FEAT_1_ECX, CPUID_EXT_SSSE3 },
    { "fma", FEAT_1_ECX, CPUID_EXT_FMA }, { "cx16", FEAT_1_ECX, CPUID_EXT_CX16 },
    { "pcid", FEAT_1_ECX, CPUID_EXT_PCID }, { "sse4.1", FEAT_1_ECX, CPUID_EXT_SSE41 },
    { "sse4.2", FEAT_1_ECX, CPUID_EXT_SSE42 }, { "x2apic", FEAT_1_ECX, CPUID_EXT_X2APIC },
    { "movbe", FEAT_1_ECX, CPUID_EXT_MOVBE }, { "popcnt", FEAT_1_ECX, CPUID_EXT_POPCNT },
    { "tsc-deadline", FEAT_1_ECX, CPUID_EXT_TSC_DEADLINE },
    { "aes", FEAT_1_ECX, CPUID_EXT_AES }, { "xsave", FEAT_1_ECX, CPUID_EXT_XSAVE },
    { "avx", FEAT_1_ECX, CPUID_EXT_AVX }, { "f16c", FEAT_1_ECX, CPUID_EXT_F16C },
    { "rdrand", FEAT_1_ECX, CPUID_EXT_RDRAND },
    { "hypervisor", FEAT_1_ECX, CPUID_EXT_HYPERVISOR },

    { "arat", FEAT_6_EAX, CPUID_6_EAX_ARAT },

    { "fsgsbase", FEAT_7_0_EBX, CPUID_7_EBX_FSGSBASE },
    { "bmi1", FEAT_7_0_EBX, CPUID_7_EBX_BMI1 }, { "avx2", FEAT_7_0_EBX, CPUID_7_EBX_AVX2 },
    { "fdp-excptn-only", FEAT_7_0_EBX, CPUID_7_EBX_FDP_EXCPTN_ONLY },
    { "smep", FEAT_7_0_EBX, CPUID_7_EBX_SMEP }, { "bmi2", FEAT_7_0_EBX, CPUID_7_EBX_BMI2 },
    { "erms", FEAT_7_0_EBX, CPUID_7_EBX_ERMS },
    { "invpcid", FEAT_7_0_EBX, CPUID_7_EBX_INVPCID },
    { "zero-fcs-fds", FEAT_7_0_EBX, CPUID_7_EBX_ZERO_FCS_FDS },
    { "rdseed", FEAT_7_0_EBX, CPUID_7_EBX_RDSEED }, { "adx", FEAT_7_0_EBX, CPUID_7_EBX_ADX },
    { "smap", FEAT_7_0_EBX, CPUID_7_EBX_SMAP },
    { "clflushopt", FEAT_7_0_EBX, CPUID_7_EBX_CLFLUSHOPT },
    { "clwb", FEAT_7_0_EBX, CPUID_7_EBX_CLWB }, { "sha-ni", FEAT_7_0_EBX, CPUID_7_EBX_SHA_NI },

    { "umip", FEAT_7_0_ECX, CPUID_7_ECX_UMIP }, { "pku", FEAT_7_0_ECX, CPUID_7_ECX_PKU },
    { "vaes", FEAT_7_0_ECX, CPUID_7_ECX_VAES },
    { "vpclmulqdq", FEAT_7_0_ECX, CPUID_7_ECX_VPCLMULQDQ },
    { "rdpid", FEAT_7_0_ECX, CPUID_7_ECX_RDPID },

    { "fsrm", FEAT_7_0_EDX, CPUID_7_EDX_FSRM },

    { "xsaveopt", FEAT_D_1_EAX, CPUID_D_1_EAX_XSAVEOPT },
    { "xsavec", FEAT_D_1_EAX, CPUID_D_1_EAX_XSAVEC },
    { "xgetbv1", FEAT_D_1_EAX, CPUID_D_1_EAX_XGETBV1 },
    { "xsaves", FEAT_D_1_EAX, CPUID_D_1_EAX_XSAVES },

    { "syscall", FEAT_8000_0001_EDX, CPUID_EXT2_SYSCALL },
    { "nx", FEAT_8000_0001_EDX, CPUID_EXT2_NX }, { "xd", FEAT_8000_0001_EDX, CPUID_EXT2_NX },
    { "mmxext", FEAT_8000_0001_EDX, CPUID_EXT2_MMXEXT },
    { "fxsr-opt", FEAT_8000_0001_EDX, CPUID_EXT2_FFXSR },
    { "ffxsr", FEAT_8000_0001_EDX, CPUID_EXT2_FFXSR },
    { "pdpe1gb", FEAT_8000_0001_EDX, CPUID_EXT2_PDPE1GB },
    { "rdtscp", FEAT_8000_0001_EDX, CPUID_EXT2_RDTSCP },
    { "lm", FEAT_8000_0001_EDX, CPUID_EXT2_LM },
    { "i64", FEAT_8000_0001_EDX, CPUID_EXT2_LM },

    { "lahf-lm", FEAT_8000_0001_ECX, CPUID_EXT3_LAHF_LM },
    { "cmp-legacy", FEAT_8000_0001_ECX, CPUID_EXT3_CMP_LEG },
    { "abm", FEAT_8000_0001_ECX, CPUID_EXT3_ABM },
    { "sse4a", FEAT_8000_0001_ECX, CPUID_EXT3_SSE4A },
    { "misalignsse", FEAT_8000_0001_ECX, CPUID_EXT3_MISALIGNSSE },
    { "3dnowprefetch", FEAT_8000_0001_ECX, CPUID_EXT3_3DNOWPREFETCH },

    { "invtsc", FEAT_8000_0007_EDX, CPUID_APM_INVTSC },

    { "clzero", FEAT_8000_0008_EBX, CPUID_8000_0008_EBX_CLZERO },
};

/* CPUID flags QEMU knows that emu86 never implements (virtualization,
 * AVX-512, TSX, ...): asking for one is a warning, as for any feature the
 * interpreter lacks, not an unknown-property error. */
static const char *const unimplemented_prefixes[] = {
    "vmx", "svm", "avx512", "avx-vnni", "amx", "hle", "rtm", "mpx", "la57",
    "pdcm", "est", "tm", "tm2", "ds", "ds-cpl", "acpi", "pbe", "xtpr", "dca",
    "smx", "cid", "osxsave", "ospke", "waitpkg", "movdiri", "movdir64b",
    "gfni", "sgx", "pks", "serialize", "tsx", "xop", "fma4", "tbm", "3dnow",
    "rdpru", "mwaitx", "topoext", "perfctr", "ibpb", "ibrs", "stibp", "ssbd",
    "spec-ctrl", "md-clear", "arch-capabilities", "kvm", "x2apic-api",
};

/* QEMU CPU properties emu86 accepts without effect (they describe things
 * it does not model: a PMU, migration, Hyper-V enlightenments, cache
 * topology hints). */
static const char *const ignored_props[] = {
    "pmu", "migratable", "l3-cache", "host-cache-info", "check",
    "min-level", "min-xlevel", "full-cpuid-auto-level", "kvm",
    "lbr-fmt", "tsc-frequency", "hv-",
};

static void canonical_name(char *s)
{
    for (char *p = s; *p; p++) {
        *p = (*p == '_') ? '-' : (char)tolower((unsigned char)*p);
    }
    /* Linux spells sse4.1 as sse4_1 */
    if (!strcmp(s, "sse4-1")) {
        strcpy(s, "sse4.1");
    } else if (!strcmp(s, "sse4-2")) {
        strcpy(s, "sse4.2");
    }
}

static const FeatureName *feature_lookup(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(feature_names); i++) {
        if (!strcmp(feature_names[i].name, name)) {
            return &feature_names[i];
        }
    }
    return NULL;
}

static bool has_prefix_in(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (g_str_has_prefix(name, list[i])) {
            return true;
        }
    }
    return false;
}

static bool parse_onoff(const char *v, bool *out)
{
    if (!strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1")) {
        *out = true;
        return true;
    }
    if (!strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0")) {
        *out = false;
        return true;
    }
    return false;
}

static bool parse_uint(const char *v, uint32_t max, uint32_t *out)
{
    char *end;
    unsigned long long x = strtoull(v, &end, 0);
    if (!*v || *end || x > max) {
        return false;
    }
    *out = (uint32_t)x;
    return true;
}

static void add_warning(GString *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (w->len) {
        g_string_append_c(w, '\n');
    }
    g_string_append_vprintf(w, fmt, ap);
    va_end(ap);
}

/* 48 characters and the terminator */
#define CPU_BRAND_ROOM 49

X86CPUModel *x86_model_from_spec(const char *spec, bool tcg, char **warnings,
                                 char **err)
{
    char **parts = g_strsplit(spec, ",", -1);
    GString *warn = g_string_new("");
    X86CPUModel *m = NULL;
    bool enforce = false;
    uint32_t set[FEAT_NB] = { 0 }, clear[FEAT_NB] = { 0 };
    *err = NULL;

    const X86CPUModel *base = x86_model_find(parts[0]);
    if (!base) {
        *err = g_strdup_printf("unable to find CPU model '%s' (try -cpu help)", parts[0]);
        goto out;
    }
    /* one block: the model and room for a model-id brand string, so the
     * caller's g_free() releases both */
    m = g_malloc0(sizeof(X86CPUModel) + CPU_BRAND_ROOM);
    *m = *base;
    char *brand_room = (char *)(m + 1);

    for (int i = 1; parts[i] && !*err; i++) {
        char *item = parts[i];
        if (!*item) {
            continue;
        }
        char *eq = strchr(item, '=');
        char *key = eq ? g_strndup(item, eq - item) : g_strdup(item);
        const char *val = eq ? eq + 1 : NULL;
        bool on = true, is_flag = false;

        if (!eq && (key[0] == '+' || key[0] == '-')) {
            on = key[0] == '+';
            memmove(key, key + 1, strlen(key));
            is_flag = true;
        }
        canonical_name(key);
        const FeatureName *f = feature_lookup(key);

        if (!is_flag && !eq && !f && !strcmp(key, "enforce")) {
            enforce = true;
        } else if (f || has_prefix_in(key, unimplemented_prefixes,
                                      G_N_ELEMENTS(unimplemented_prefixes))) {
            if (!is_flag && val && !parse_onoff(val, &on)) {
                *err = g_strdup_printf("'%s': value '%s' is not on or off", key, val);
            } else if (!f) {
                if (on) {
                    add_warning(warn, "%s doesn't support requested feature: %s",
                                tcg ? "TCG" : "emu86", key);
                    if (enforce) {
                        *err = g_strdup_printf("feature '%s' is not available", key);
                    }
                }
            } else if (on) {
                set[f->word] |= f->bit;
                clear[f->word] &= ~f->bit;
            } else {
                clear[f->word] |= f->bit;
                set[f->word] &= ~f->bit;
            }
        } else if (is_flag) {
            *err = g_strdup_printf("unknown CPU feature '%s'", key);
        } else if (!strcmp(key, "vendor")) {
            if (!val || strlen(val) != 12) {
                *err = g_strdup_printf("vendor must be 12 characters, not '%s'", val ? val : "");
            } else {
                memcpy(m->vendor, val, 13);
            }
        } else if (!strcmp(key, "family") || !strcmp(key, "model") ||
                   !strcmp(key, "stepping") || !strcmp(key, "phys-bits")) {
            uint32_t max = !strcmp(key, "family") ? 0xff + 0xf :
                           !strcmp(key, "model") ? 0xff :
                           !strcmp(key, "stepping") ? 0xf : 52;
            uint32_t x;
            if (!val || !parse_uint(val, max, &x) ||
                (!strcmp(key, "phys-bits") && x < 32)) {
                *err = g_strdup_printf("'%s': bad value '%s'", key, val ? val : "");
            } else if (!strcmp(key, "family")) {
                m->family = x;
            } else if (!strcmp(key, "model")) {
                m->model = x;
            } else if (!strcmp(key, "stepping")) {
                m->stepping = x;
            } else {
                m->phys_bits = (uint8_t)x;
            }
        } else if (!strcmp(key, "level") || !strcmp(key, "xlevel")) {
            /* the highest basic / extended leaf: leaves above the model's
             * own read as zeros, leaves cut off disappear with their
             * features (as QEMU's properties of the same names) */
            bool ext = key[0] == 'x';
            uint32_t x;
            if (!val || !parse_uint(val, 0xffffffffu, &x) ||
                (ext ? x < 0x80000000u || x > 0x800000ffu : x < 1 || x > 0xff)) {
                *err = g_strdup_printf("'%s': bad value '%s' (%s)", key, val ? val : "",
                                       ext ? "0x80000000 to 0x800000ff" : "1 to 0xff");
            } else if (ext) {
                m->xlevel = x;
            } else {
                m->level = x;
            }
        } else if (!strcmp(key, "model-id")) {
            /* the brand string has room for 48 characters */
            g_strlcpy(brand_room, val ? val : "", CPU_BRAND_ROOM);
            m->brand = brand_room;
        } else if (has_prefix_in(key, ignored_props, G_N_ELEMENTS(ignored_props))) {
            /* accepted as QEMU does; nothing in emu86 depends on it */
        } else {
            *err = g_strdup_printf("property '%s' not found", key);
        }
        g_free(key);
    }
    if (*err) {
        g_free(m);
        m = NULL;
        goto out;
    }
    for (int w = 0; w < FEAT_NB; w++) {
        m->features[w] = (m->features[w] | set[w]) & ~clear[w];
        m->removed[w] = clear[w];
        uint32_t missing = tcg ? m->features[w] & ~x86_tcg_features[w] : 0;
        for (size_t i = 0; missing && i < G_N_ELEMENTS(feature_names); i++) {
            const FeatureName *f = &feature_names[i];
            if (f->word == (FeatureWord)w && (missing & f->bit)) {
                add_warning(warn, "TCG doesn't support requested feature: %s", f->name);
                missing &= ~f->bit;
            }
        }
        if (tcg) {
            if (enforce && (m->features[w] & ~x86_tcg_features[w])) {
                *err = g_strdup("-cpu enforce: requested features are not available");
            }
            m->features[w] &= x86_tcg_features[w];
        }
    }
    /* Features whose leaves are cut off by level=/xlevel= go with them:
     * the guest could not see them, so it must meet #UD (XSAVE and what
     * needs it cannot be enumerated without leaf 0xD). */
    if (m && !*err) {
        uint32_t level = x86_model_level(m), xlevel = x86_model_xlevel(m);
        if (level < 6) {
            m->features[FEAT_6_EAX] = 0;
        }
        if (level < 7) {
            m->features[FEAT_7_0_EBX] = m->features[FEAT_7_0_ECX] = 0;
            m->features[FEAT_7_0_EDX] = m->features[FEAT_7_1_EAX] = 0;
        }
        if (level < 0xd) {
            m->features[FEAT_D_1_EAX] = 0;
            m->features[FEAT_1_ECX] &= ~(CPUID_EXT_XSAVE | CPUID_EXT_AVX | CPUID_EXT_FMA |
                                         CPUID_EXT_F16C);
        }
        if (xlevel < 0x80000001u) {
            m->features[FEAT_8000_0001_ECX] = m->features[FEAT_8000_0001_EDX] = 0;
        }
        if (xlevel < 0x80000007u) {
            m->features[FEAT_8000_0007_EDX] = 0;
        }
        if (xlevel < 0x80000008u) {
            m->features[FEAT_8000_0008_EBX] = 0;
        }
    }
    if (*err) {
        g_free(m);
        m = NULL;
    }
out:
    g_strfreev(parts);
    *warnings = warn->len ? g_string_free(warn, FALSE) : (g_string_free(warn, TRUE), NULL);
    return m;
}

/*
 * tests/realmode/meta.c - metadata.json and revocation_list.txt readers.
 *
 * The JSON walker is recursive descent over the whole grammar; it calls
 * leaf() for every scalar with the object-key path leading to it (array
 * elements get an empty key), and the metadata code picks the paths
 * opcodes/XX/{status,arch,flags-mask} and opcodes/XX/reg/N/{...}.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/realmode/meta.h"

#define MAX_DEPTH 16
#define MAX_KEY 32

typedef struct Json {
    const char *p;
    const char *start;
    char path[MAX_DEPTH][MAX_KEY];
    int depth;
    Metadata *md;
    char *err;
    size_t errlen;
} Json;

static bool json_err(Json *j, const char *what)
{
    snprintf(j->err, j->errlen, "metadata.json: %s at byte %ld", what, (long)(j->p - j->start));
    return false;
}

static void skip_ws(Json *j)
{
    while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r') {
        j->p++;
    }
}

/* Parse a string at j->p (on the opening quote) into out (truncated to
 * outlen-1; escapes other than \" and \\ are kept approximately, which is
 * enough because no key or value we use contains them). */
static bool parse_string(Json *j, char *out, size_t outlen)
{
    size_t n = 0;
    j->p++;
    for (;;) {
        char c = *j->p;
        if (c == 0) {
            return json_err(j, "unterminated string");
        }
        j->p++;
        if (c == '"') {
            break;
        }
        if (c == '\\') {
            c = *j->p;
            if (c == 0) {
                return json_err(j, "unterminated escape");
            }
            j->p++;
            if (c == 'u') {
                for (int i = 0; i < 4; i++) {
                    if (!isxdigit((unsigned char)*j->p)) {
                        return json_err(j, "bad \\u escape");
                    }
                    j->p++;
                }
                c = '?';
            } else if (c == 'n') {
                c = '\n';
            } else if (c == 't') {
                c = '\t';
            }
        }
        if (n + 1 < outlen) {
            out[n++] = c;
        }
    }
    if (outlen) {
        out[n] = 0;
    }
    return true;
}

static void leaf(Json *j, const char *sval, double nval, bool is_num)
{
    /* opcodes/XX/field  or  opcodes/XX/reg/N/field */
    if (j->depth < 3 || strcmp(j->path[0], "opcodes") != 0) {
        return;
    }
    char *end;
    long op = strtol(j->path[1], &end, 16);
    if (*end || op < 0 || op > 255 || j->path[1][0] == 0) {
        return;
    }
    OpcodeMeta *m;
    const char *field;
    if (j->depth == 3) {
        m = &j->md->op[op];
        field = j->path[2];
    } else if (j->depth == 5 && !strcmp(j->path[2], "reg")) {
        long r = strtol(j->path[3], &end, 10);
        if (*end || r < 0 || r > 7 || j->path[3][0] == 0) {
            return;
        }
        m = &j->md->reg[op][r];
        j->md->has_reg[op] = true;
        field = j->path[4];
    } else {
        return;
    }
    m->present = true;
    if (!strcmp(field, "flags-mask") && is_num) {
        m->has_mask = true;
        m->flags_mask = (uint16_t)nval;
    } else if (!strcmp(field, "status") && !is_num) {
        snprintf(m->status, sizeof(m->status), "%s", sval);
    } else if (!strcmp(field, "arch") && !is_num) {
        snprintf(m->arch, sizeof(m->arch), "%s", sval);
    }
}

static bool parse_value(Json *j);

static bool parse_container(Json *j, bool is_obj)
{
    char close = is_obj ? '}' : ']';
    j->p++;
    skip_ws(j);
    if (*j->p == close) {
        j->p++;
        return true;
    }
    if (j->depth >= MAX_DEPTH) {
        return json_err(j, "nesting too deep");
    }
    for (;;) {
        skip_ws(j);
        if (is_obj) {
            if (*j->p != '"') {
                return json_err(j, "expected a key");
            }
            if (!parse_string(j, j->path[j->depth], MAX_KEY)) {
                return false;
            }
            skip_ws(j);
            if (*j->p != ':') {
                return json_err(j, "expected ':'");
            }
            j->p++;
        } else {
            j->path[j->depth][0] = 0;
        }
        j->depth++;
        bool ok = parse_value(j);
        j->depth--;
        if (!ok) {
            return false;
        }
        skip_ws(j);
        if (*j->p == ',') {
            j->p++;
            continue;
        }
        if (*j->p == close) {
            j->p++;
            return true;
        }
        return json_err(j, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static bool parse_value(Json *j)
{
    skip_ws(j);
    char c = *j->p;
    if (c == '{' || c == '[') {
        return parse_container(j, c == '{');
    }
    if (c == '"') {
        char buf[64];
        if (!parse_string(j, buf, sizeof(buf))) {
            return false;
        }
        leaf(j, buf, 0, false);
        return true;
    }
    if (c == '-' || isdigit((unsigned char)c)) {
        char *end;
        errno = 0;
        double v = strtod(j->p, &end);
        if (end == j->p) {
            return json_err(j, "bad number");
        }
        j->p = end;
        leaf(j, NULL, v, true);
        return true;
    }
    static const char *const lits[] = { "true", "false", "null" };
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(lits[i]);
        if (!strncmp(j->p, lits[i], n)) {
            j->p += n;
            return true;
        }
    }
    return json_err(j, "unexpected character");
}

bool meta_parse(Metadata *md, const char *json, char *err, size_t errlen)
{
    Json j = { .p = json, .start = json, .md = md, .err = err, .errlen = errlen };
    memset(md, 0, sizeof(*md));
    skip_ws(&j);
    if (*j.p != '{') {
        return json_err(&j, "top level is not an object");
    }
    if (!parse_value(&j)) {
        return false;
    }
    skip_ws(&j);
    if (*j.p) {
        return json_err(&j, "trailing data");
    }
    return true;
}

bool meta_load(Metadata *md, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return false;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf) {
        snprintf(err, errlen, "%s: out of memory", path);
        return false;
    }
    buf[len] = 0;
    bool ok = meta_parse(md, buf, err, errlen);
    free(buf);
    return ok;
}

const OpcodeMeta *meta_lookup(const Metadata *md, int opcode, int reg)
{
    static const OpcodeMeta none = { .present = false, .flags_mask = 0xffff };
    if (opcode < 0 || opcode > 255) {
        return &none;
    }
    if (reg >= 0 && reg < 8 && md->has_reg[opcode] && md->reg[opcode][reg].present) {
        return &md->reg[opcode][reg];
    }
    return md->op[opcode].present ? &md->op[opcode] : &none;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool revoked_load(Revoked *rv, const char *path, char *err, size_t errlen)
{
    memset(rv, 0, sizeof(*rv));
    FILE *f = fopen(path, "r");
    if (!f) {
        return true; /* no list: nothing revoked */
    }
    char line[256];
    int lineno = 0;
    size_t cap = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        char *s = line;
        while (isspace((unsigned char)*s)) s++;
        char *e = s + strlen(s);
        while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
        if (*s == 0 || *s == '#') {
            continue;
        }
        if (e - s != 40) {
            snprintf(err, errlen, "%s:%d: expected a 40-digit SHA-1", path, lineno);
            fclose(f);
            revoked_free(rv);
            return false;
        }
        uint8_t h[20];
        for (int i = 0; i < 20; i++) {
            int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
            if (hi < 0 || lo < 0) {
                snprintf(err, errlen, "%s:%d: bad hex digit", path, lineno);
                fclose(f);
                revoked_free(rv);
                return false;
            }
            h[i] = (uint8_t)(hi << 4 | lo);
        }
        if (rv->count == cap) {
            cap = cap ? cap * 2 : 16;
            void *nh = realloc(rv->hash, cap * sizeof(*rv->hash));
            if (!nh) {
                snprintf(err, errlen, "out of memory");
                fclose(f);
                revoked_free(rv);
                return false;
            }
            rv->hash = nh;
        }
        memcpy(rv->hash[rv->count++], h, 20);
    }
    fclose(f);
    return true;
}

bool revoked_has(const Revoked *rv, const uint8_t hash[20])
{
    /* the list is expected to stay tiny (it is empty today) */
    for (size_t i = 0; i < rv->count; i++) {
        if (!memcmp(rv->hash[i], hash, 20)) {
            return true;
        }
    }
    return false;
}

void revoked_free(Revoked *rv)
{
    free(rv->hash);
    rv->hash = NULL;
    rv->count = 0;
}

/*
 * tests/realmode/moo.c - MOO file reader (format in moo.h and the test data
 * README).  Everything is parsed from an in-memory copy with explicit bounds
 * checks; the only allocation is the inflated file itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "tests/realmode/moo.h"

const char *const moo_reg_names[MOO_NR_REGS] = {
    "ax", "bx", "cx", "dx", "cs", "ss", "ds", "es",
    "sp", "bp", "si", "di", "ip", "flags",
};

static uint32_t rd32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* A chunk cursor: [p, end) holds a sequence of id/length/payload chunks. */
typedef struct Cursor {
    const uint8_t *p, *end;
} Cursor;

/* Next chunk of c: 1 with id/payload set, 0 at the end, -1 if malformed. */
static int next_chunk(Cursor *c, char id[5], const uint8_t **pl, uint32_t *len)
{
    if (c->p == c->end) {
        return 0;
    }
    if (c->end - c->p < 8) {
        return -1;
    }
    memcpy(id, c->p, 4);
    id[4] = 0;
    *len = rd32(c->p + 4);
    if ((size_t)(c->end - c->p - 8) < *len) {
        return -1;
    }
    *pl = c->p + 8;
    c->p += 8 + (size_t)*len;
    return 1;
}

static bool fail(MooFile *f, const char *fmt, const char *what, long v)
{
    snprintf(f->err, sizeof(f->err), fmt, what, v);
    return false;
}

bool moo_open(MooFile *f, const char *path)
{
    memset(f, 0, sizeof(*f));
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        snprintf(f->err, sizeof(f->err), "cannot open: %m");
        return false;
    }
    gzbuffer(gz, 1 << 17);
    size_t cap = 1 << 22, len = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            gzclose(gz);
            snprintf(f->err, sizeof(f->err), "out of memory");
            return false;
        }
        if (cap - len < (1 << 20)) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                continue;
            }
            buf = nb;
            cap *= 2;
        }
        unsigned want = (unsigned)(cap - len > (1u << 30) ? (1u << 30) : cap - len);
        int n = gzread(gz, buf + len, want);
        if (n < 0) {
            int errnum;
            const char *msg = gzerror(gz, &errnum);
            snprintf(f->err, sizeof(f->err), "gzip: %s", msg ? msg : "read error");
            free(buf);
            gzclose(gz);
            return false;
        }
        len += (size_t)n;
        if (n == 0 || (unsigned)n < want) {
            /* short read: end of stream or a truncated/corrupt stream */
            int errnum = Z_OK;
            const char *msg = gzerror(gz, &errnum);
            if (errnum != Z_OK && errnum != Z_STREAM_END) {
                snprintf(f->err, sizeof(f->err), "gzip: %s", msg ? msg : "error");
                free(buf);
                gzclose(gz);
                return false;
            }
            if (gzeof(gz) || n == 0) {
                break;
            }
        }
    }
    gzclose(gz);
    return moo_open_buffer(f, buf, len);
}

bool moo_open_buffer(MooFile *f, uint8_t *data, size_t len)
{
    memset(f, 0, sizeof(*f));
    f->data = data;
    f->len = len;
    Cursor c = { data, data + len };
    char id[5];
    const uint8_t *pl;
    uint32_t plen;
    int r = next_chunk(&c, id, &pl, &plen);
    if (r <= 0 || strcmp(id, "MOO ") != 0 || plen < 12) {
        snprintf(f->err, sizeof(f->err), "not a MOO file (no MOO header chunk)");
        moo_close(f);
        return false;
    }
    f->major = pl[0];
    f->minor = pl[1];
    f->test_count = rd32(pl + 4);
    memcpy(f->cpu, pl + 8, 4);
    f->pos = (size_t)(c.p - data);
    /* META is optional; it normally follows the header. */
    Cursor peek = c;
    if (next_chunk(&peek, id, &pl, &plen) == 1 && strcmp(id, "META") == 0 && plen >= 19) {
        f->has_meta = true;
        f->opcode = rd32(pl + 3);
        memcpy(f->mnemonic, pl + 7, 8);
        for (int i = 7; i >= 0 && f->mnemonic[i] == ' '; i--) {
            f->mnemonic[i] = 0;
        }
        f->cpu_mode = plen >= 28 ? pl[27] : 0;
        f->pos = (size_t)(peek.p - data);
    }
    return true;
}

static bool parse_regs(MooFile *f, MooState *s, const uint8_t *pl, uint32_t len,
                       const char *which)
{
    if (len < 2) {
        return fail(f, "%s REGS chunk too short (%ld bytes)", which, len);
    }
    s->mask = rd16(pl);
    uint32_t off = 2;
    for (int i = 0; i < 16; i++) {
        if (!(s->mask & (1u << i))) {
            continue;
        }
        if (i >= MOO_NR_REGS) {
            return fail(f, "%s REGS has unknown register bit %ld", which, i);
        }
        if (off + 2 > len) {
            return fail(f, "%s REGS truncated at register %ld", which, i);
        }
        s->regs[i] = rd16(pl + off);
        off += 2;
    }
    return true;
}

static bool parse_state(MooFile *f, MooState *s, const uint8_t *pl, uint32_t len,
                        const char *which)
{
    Cursor c = { pl, pl + len };
    char id[5];
    const uint8_t *sp;
    uint32_t slen;
    int r;
    memset(s, 0, sizeof(*s));
    while ((r = next_chunk(&c, id, &sp, &slen)) == 1) {
        if (!strcmp(id, "REGS")) {
            if (!parse_regs(f, s, sp, slen, which)) {
                return false;
            }
        } else if (!strcmp(id, "RAM ")) {
            if (slen < 4) {
                return fail(f, "%s RAM chunk too short (%ld bytes)", which, slen);
            }
            uint32_t n = rd32(sp);
            if ((uint64_t)n * MOO_RAM_ENTRY > slen - 4) {
                return fail(f, "%s RAM count exceeds its chunk (%ld entries)", which, n);
            }
            s->ram = sp + 4;
            s->ram_count = n;
        }
        /* QUEU and anything else: skipped */
    }
    if (r < 0) {
        return fail(f, "%s: malformed sub-chunk (offset %ld)", which, (long)(c.p - pl));
    }
    return true;
}

int moo_next(MooFile *f, MooTest *t)
{
    Cursor c = { f->data + f->pos, f->data + f->len };
    char id[5];
    const uint8_t *pl;
    uint32_t plen;
    int r;

    for (;;) {
        r = next_chunk(&c, id, &pl, &plen);
        if (r == 0) {
            f->pos = f->len;
            if (f->tests_read != f->test_count) {
                snprintf(f->err, sizeof(f->err),
                         "file ends after %u tests, header says %u (truncated?)",
                         f->tests_read, f->test_count);
                return -1;
            }
            return 0;
        }
        if (r < 0) {
            snprintf(f->err, sizeof(f->err),
                     "malformed chunk at byte %zu after %u tests (truncated?)",
                     f->pos, f->tests_read);
            return -1;
        }
        f->pos = (size_t)(c.p - f->data);
        if (!strcmp(id, "TEST")) {
            break;
        }
    }

    memset(t, 0, sizeof(*t));
    if (plen < 4) {
        snprintf(f->err, sizeof(f->err), "TEST chunk too short");
        return -1;
    }
    t->index = rd32(pl);
    Cursor tc = { pl + 4, pl + plen };
    const uint8_t *sp;
    uint32_t slen;
    bool have_init = false, have_fina = false;
    while ((r = next_chunk(&tc, id, &sp, &slen)) == 1) {
        if (!strcmp(id, "NAME") || !strcmp(id, "BYTS")) {
            uint32_t n = slen >= 4 ? rd32(sp) : UINT32_MAX;
            if (n > slen - 4 || slen < 4) {
                snprintf(f->err, sizeof(f->err), "test %u: bad %s length", t->index, id);
                return -1;
            }
            if (id[0] == 'N') {
                t->name = (const char *)sp + 4;
                t->name_len = n;
            } else {
                t->bytes = sp + 4;
                t->nbytes = n;
            }
        } else if (!strcmp(id, "INIT")) {
            if (!parse_state(f, &t->init, sp, slen, "INIT")) {
                goto bad;
            }
            have_init = true;
        } else if (!strcmp(id, "FINA")) {
            if (!parse_state(f, &t->fina, sp, slen, "FINA")) {
                goto bad;
            }
            have_fina = true;
        } else if (!strcmp(id, "EXCP")) {
            if (slen < 5) {
                snprintf(f->err, sizeof(f->err), "test %u: EXCP too short", t->index);
                return -1;
            }
            t->has_excp = true;
            t->excp_vector = sp[0];
            t->excp_flags_addr = rd32(sp + 1);
        } else if (!strcmp(id, "HASH")) {
            if (slen >= 20) {
                t->has_hash = true;
                memcpy(t->hash, sp, 20);
            }
        }
    }
    if (r < 0) {
        snprintf(f->err, sizeof(f->err), "test %u: malformed sub-chunk", t->index);
        return -1;
    }
    if (!have_init || !have_fina || (t->init.mask & 0x3fff) != 0x3fff) {
        snprintf(f->err, sizeof(f->err), "test %u: missing INIT/FINA or INIT registers",
                 t->index);
        return -1;
    }
    f->tests_read++;
    return 1;

bad: {
        /* prefix the parse_state message with the test index */
        char tmp[sizeof(f->err)];
        memcpy(tmp, f->err, sizeof(tmp));
        int n = snprintf(f->err, sizeof(f->err), "test %u: ", t->index);
        if (n > 0 && (size_t)n < sizeof(f->err)) {
            memcpy(f->err + n, tmp, sizeof(f->err) - (size_t)n - 1);
            f->err[sizeof(f->err) - 1] = 0;
        }
        return -1;
    }
}

void moo_close(MooFile *f)
{
    free(f->data);
    f->data = NULL;
    f->len = f->pos = 0;
}

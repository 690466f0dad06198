/*
 * hw/acpi/aml.c - ACPI Machine Language builder (see aml.h).
 *
 * Encodings: ACPI 6.x 20.2 (opcodes, PkgLength, NameString), 6.4.2 (small
 * resource descriptors), 6.4.3 (large descriptors, address spaces).
 */
#include <stdlib.h>
#include <string.h>

#include "hw/acpi/aml.h"

enum {
    OP_ZERO = 0x00, OP_ONE = 0x01, OP_NAME = 0x08, OP_BYTE = 0x0a, OP_WORD = 0x0b,
    OP_DWORD = 0x0c, OP_STRING = 0x0d, OP_QWORD = 0x0e, OP_SCOPE = 0x10,
    OP_BUFFER = 0x11, OP_PACKAGE = 0x12, OP_METHOD = 0x14, OP_DUAL_NAME = 0x2e,
    OP_MULTI_NAME = 0x2f, OP_EXT = 0x5b, OP_EXT_DEVICE = 0x82, OP_ROOT = 0x5c,
    OP_PARENT = 0x5e, OP_RETURN = 0xa4, OP_ONES = 0xff,
};

Aml *aml_new(void)
{
    Aml *a = calloc(1, sizeof(*a));
    if (!a) {
        /* a static sentinel that only records the failure */
        static Aml failed = { .oom = true };
        return &failed;
    }
    return a;
}

static bool aml_is_sentinel(const Aml *a)
{
    return a->oom && !a->buf && !a->cap;
}

void aml_free(Aml *a)
{
    if (a && !aml_is_sentinel(a)) {
        free(a->buf);
        free(a);
    }
}

static void aml_bytes(Aml *a, const void *p, size_t n)
{
    if (a->oom || n == 0) {
        return;   /* an empty child has no buffer at all */
    }
    if (a->len + n > a->cap) {
        size_t cap = a->cap ? a->cap : 64;
        while (cap < a->len + n) {
            cap *= 2;
        }
        uint8_t *nb = realloc(a->buf, cap);
        if (!nb) {
            a->oom = true;
            return;
        }
        a->buf = nb;
        a->cap = cap;
    }
    memcpy(a->buf + a->len, p, n);
    a->len += n;
}

static void aml_byte(Aml *a, uint8_t v)
{
    aml_bytes(a, &v, 1);
}

static void aml_le(Aml *a, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        aml_byte(a, (uint8_t)(v >> (8 * i)));
    }
}

void aml_append(Aml *parent, Aml *child)
{
    if (child->oom) {
        parent->oom = true;
    } else {
        aml_bytes(parent, child->buf, child->len);
    }
    aml_free(child);
}

/* PkgLength (20.2.4) for a body of n bytes; the encoding counts itself.
 * One byte holds up to 63; otherwise byte 0 carries the low nibble and
 * the count of following bytes (bits 7:6), each adding 8 bits. */
static void aml_pkglength(Aml *a, size_t body)
{
    if (body + 1 <= 0x3f) {
        aml_byte(a, (uint8_t)(body + 1));
        return;
    }
    int extra = 1;
    while (extra < 3 && body + 1 + extra > (1ul << (4 + 8 * extra)) - 1) {
        extra++;
    }
    size_t total = body + 1 + extra;
    aml_byte(a, (uint8_t)((extra << 6) | (total & 0xf)));
    for (int i = 0; i < extra; i++) {
        aml_byte(a, (uint8_t)(total >> (4 + 8 * i)));
    }
}

/* NameString (20.2.2): optional root '\' or parent '^' prefixes, then
 * dot-separated segments, each padded with '_' to four characters. */
static void aml_namestring(Aml *a, const char *path)
{
    while (*path == '\\' || *path == '^') {
        aml_byte(a, *path == '\\' ? OP_ROOT : OP_PARENT);
        path++;
    }
    unsigned nsegs = 0;
    for (const char *p = path; *p; nsegs++) {
        const char *dot = strchr(p, '.');
        p = dot ? dot + 1 : p + strlen(p);
    }
    if (nsegs == 0) {
        aml_byte(a, OP_ZERO);              /* NullName */
        return;
    }
    if (nsegs == 2) {
        aml_byte(a, OP_DUAL_NAME);
    } else if (nsegs > 2) {
        aml_byte(a, OP_MULTI_NAME);
        aml_byte(a, (uint8_t)nsegs);
    }
    const char *p = path;
    for (unsigned s = 0; s < nsegs; s++) {
        size_t n = strcspn(p, ".");
        for (size_t i = 0; i < 4; i++) {
            aml_byte(a, i < n ? (uint8_t)p[i] : '_');
        }
        p += n + (p[n] == '.');
    }
}

Aml *aml_int(uint64_t v)
{
    Aml *a = aml_new();
    if (v == 0) {
        aml_byte(a, OP_ZERO);
    } else if (v == 1) {
        aml_byte(a, OP_ONE);
    } else if (v == ~0ull) {
        aml_byte(a, OP_ONES);
    } else if (v <= 0xff) {
        aml_byte(a, OP_BYTE);
        aml_le(a, v, 1);
    } else if (v <= 0xffff) {
        aml_byte(a, OP_WORD);
        aml_le(a, v, 2);
    } else if (v <= 0xffffffffull) {
        aml_byte(a, OP_DWORD);
        aml_le(a, v, 4);
    } else {
        aml_byte(a, OP_QWORD);
        aml_le(a, v, 8);
    }
    return a;
}

Aml *aml_string(const char *s)
{
    Aml *a = aml_new();
    aml_byte(a, OP_STRING);
    aml_bytes(a, s, strlen(s) + 1);
    return a;
}

/* EISA ID (6.1.5 _HID): three letters, 5 bits each ('A' = 1), and four
 * hex digits, stored big-endian in a DWord. */
Aml *aml_eisaid(const char *id)
{
    uint32_t v = 0;
    if (strlen(id) == 7) {
        v = (uint32_t)((id[0] - '@') & 0x1f) << 26 | (uint32_t)((id[1] - '@') & 0x1f) << 21 |
            (uint32_t)((id[2] - '@') & 0x1f) << 16 | (uint32_t)strtoul(id + 3, NULL, 16);
    }
    Aml *a = aml_new();
    aml_byte(a, OP_DWORD);
    aml_byte(a, (uint8_t)(v >> 24));
    aml_byte(a, (uint8_t)(v >> 16));
    aml_byte(a, (uint8_t)(v >> 8));
    aml_byte(a, (uint8_t)v);
    return a;
}

Aml *aml_name(const char *path)
{
    Aml *a = aml_new();
    aml_namestring(a, path);
    return a;
}

/* opcode(s) PkgLength [name] [extra byte] body */
static Aml *aml_wrap(const uint8_t *op, size_t oplen, const char *name, int extra, Aml *body)
{
    Aml *inner = aml_new();
    if (name) {
        aml_namestring(inner, name);
    }
    if (extra >= 0) {
        aml_byte(inner, (uint8_t)extra);
    }
    aml_append(inner, body);
    Aml *a = aml_new();
    aml_bytes(a, op, oplen);
    aml_pkglength(a, inner->len);
    aml_append(a, inner);
    return a;
}

Aml *aml_package(Aml *elements, unsigned count)
{
    static const uint8_t op = OP_PACKAGE;
    return aml_wrap(&op, 1, NULL, (int)(count & 0xff), elements);
}

Aml *aml_name_decl(const char *name, Aml *value)
{
    Aml *a = aml_new();
    aml_byte(a, OP_NAME);
    aml_namestring(a, name);
    aml_append(a, value);
    return a;
}

Aml *aml_scope(const char *name, Aml *body)
{
    static const uint8_t op = OP_SCOPE;
    return aml_wrap(&op, 1, name, -1, body);
}

Aml *aml_device(const char *name, Aml *body)
{
    static const uint8_t op[2] = { OP_EXT, OP_EXT_DEVICE };
    return aml_wrap(op, 2, name, -1, body);
}

/* MethodFlags (20.2.5.2): ArgCount 2:0, SerializeFlag 3, SyncLevel 7:4 */
Aml *aml_method(const char *name, unsigned nargs, bool serialized, Aml *body)
{
    static const uint8_t op = OP_METHOD;
    return aml_wrap(&op, 1, name, (int)((nargs & 7) | (serialized ? 8 : 0)), body);
}

Aml *aml_return(Aml *value)
{
    Aml *a = aml_new();
    aml_byte(a, OP_RETURN);
    aml_append(a, value);
    return a;
}

/* ---- resource descriptors ---- */

Aml *aml_resource_template(Aml *descriptors)
{
    aml_byte(descriptors, 0x79);          /* End Tag (6.4.2.9) */
    aml_byte(descriptors, 0x00);          /* checksum 0: "treat as correct" */
    Aml *body = aml_int(descriptors->len);/* BufferSize */
    aml_append(body, descriptors);
    static const uint8_t op = OP_BUFFER;
    return aml_wrap(&op, 1, NULL, -1, body);
}

/* I/O Port descriptor (6.4.2.5): 16-bit decode */
Aml *aml_io(uint16_t min, uint16_t max, uint8_t align, uint8_t len)
{
    Aml *a = aml_new();
    aml_byte(a, 0x47);
    aml_byte(a, 0x01);
    aml_le(a, min, 2);
    aml_le(a, max, 2);
    aml_byte(a, align);
    aml_byte(a, len);
    return a;
}

/* IRQ descriptor without the flags byte (6.4.2.1): edge, active high */
Aml *aml_irq_noflags(unsigned irq)
{
    Aml *a = aml_new();
    aml_byte(a, 0x22);
    aml_le(a, irq < 16 ? 1u << irq : 0, 2);
    return a;
}

/* 32-Bit Fixed Memory Range descriptor (6.4.3.4) */
Aml *aml_memory32_fixed(uint32_t base, uint32_t len, bool writable)
{
    Aml *a = aml_new();
    aml_byte(a, 0x86);
    aml_le(a, 9, 2);
    aml_byte(a, writable ? 1 : 0);
    aml_le(a, base, 4);
    aml_le(a, len, 4);
    return a;
}

/* Address space descriptors (6.4.3.5): a host bridge's windows, produced
 * (general flags bit 0 = 0), with fixed minimum and maximum (bits 2, 3). */
enum { RES_MEMORY = 0, RES_IO = 1, RES_BUS = 2 };
#define ADDR_GENERAL_FLAGS 0x0c

static Aml *aml_address_space(uint8_t tag, unsigned width, uint8_t type, uint8_t type_flags,
                              uint64_t min, uint64_t max)
{
    Aml *a = aml_new();
    aml_byte(a, tag);
    aml_le(a, 3 + 5 * width, 2);          /* length after the 3-byte header */
    aml_byte(a, type);
    aml_byte(a, ADDR_GENERAL_FLAGS);
    aml_byte(a, type_flags);
    aml_le(a, 0, width);                  /* granularity */
    aml_le(a, min, width);
    aml_le(a, max, width);
    aml_le(a, 0, width);                  /* translation offset */
    aml_le(a, max - min + 1, width);      /* length */
    return a;
}

Aml *aml_word_bus_number(uint16_t min, uint16_t max)
{
    return aml_address_space(0x88, 2, RES_BUS, 0, min, max);
}

/* I/O flags: _RNG = 3 (ISA and non-ISA ranges) */
Aml *aml_word_io(uint16_t min, uint16_t max)
{
    return aml_address_space(0x88, 2, RES_IO, 3, min, max);
}

/* Memory flags: _RW = 1 (bit 0), _MEM 2:1 = 1 cacheable / 0 not */
Aml *aml_dword_memory(uint32_t min, uint32_t max, bool cacheable)
{
    return aml_address_space(0x87, 4, RES_MEMORY, 1 | (cacheable ? 2 : 0), min, max);
}

Aml *aml_qword_memory(uint64_t min, uint64_t max, bool cacheable)
{
    return aml_address_space(0x8a, 8, RES_MEMORY, 1 | (cacheable ? 2 : 0), min, max);
}

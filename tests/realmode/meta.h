/*
 * tests/realmode/meta.h - the two side files of the 80286 test set:
 * metadata.json (per-opcode status and flags-mask) and revocation_list.txt.
 *
 * Design: json-glib is not a dependency, and only one shape matters
 * ("opcodes" -> "XX" -> fields, optionally "reg" -> "N" -> fields), so a
 * small JSON walker tracks the key path and keeps the few leaves we need.
 * It still parses full JSON syntax (strings with escapes, arrays, literals)
 * so unexpected extra fields are skipped rather than misread.
 */
#ifndef TESTS_REALMODE_META_H
#define TESTS_REALMODE_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct OpcodeMeta {
    bool present;
    char status[16];          /* normal, alias, undocumented, undefined, prefix, fpu */
    char arch[8];             /* 86, 186, 286 */
    bool has_mask;
    uint16_t flags_mask;      /* AND-mask of defined flags; 0xffff if none */
} OpcodeMeta;

typedef struct Metadata {
    OpcodeMeta op[256];
    OpcodeMeta reg[256][8];   /* group opcodes: per ModRM.reg */
    bool has_reg[256];
} Metadata;

/* Returns false with err filled (file missing or malformed). */
bool meta_load(Metadata *md, const char *path, char *err, size_t errlen);
/* Parse from a NUL-terminated string (used by the loader and for tests). */
bool meta_parse(Metadata *md, const char *json, char *err, size_t errlen);
/* Metadata for opcode (and group reg, or -1); never NULL: an unknown
 * opcode gets a static "no mask" entry. */
const OpcodeMeta *meta_lookup(const Metadata *md, int opcode, int reg);

/* Revocation list: SHA-1 hashes (40 hex digits a line, '#' comments). */
typedef struct Revoked {
    uint8_t (*hash)[20];
    size_t count;
} Revoked;
/* A missing file is not an error (empty list); returns false only on a
 * malformed line, with err filled. */
bool revoked_load(Revoked *rv, const char *path, char *err, size_t errlen);
bool revoked_has(const Revoked *rv, const uint8_t hash[20]);
void revoked_free(Revoked *rv);

#endif

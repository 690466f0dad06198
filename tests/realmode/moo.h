/*
 * tests/realmode/moo.h - reader for the MOO test-vector format of
 * SingleStepTests/80286 (see /work/shared/testdata/80286/README.md).
 *
 * Design: a whole .MOO.gz file is inflated into memory once (zlib gzread),
 * then tests are walked in place: MooTest fields point into that buffer, so
 * iterating 5,000 tests allocates nothing.  Every length is bounds-checked
 * against its enclosing chunk; a truncated or corrupt file yields an error
 * message instead of a crash.  Unknown chunk ids (GMET, QUEU, CYCL, ...) are
 * skipped by their length, as the format asks.
 */
#ifndef TESTS_REALMODE_MOO_H
#define TESTS_REALMODE_MOO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Register order of REGS chunks (bit i of the presence mask = index i). */
enum {
    MOO_AX, MOO_BX, MOO_CX, MOO_DX, MOO_CS, MOO_SS, MOO_DS, MOO_ES,
    MOO_SP, MOO_BP, MOO_SI, MOO_DI, MOO_IP, MOO_FLAGS, MOO_NR_REGS
};
extern const char *const moo_reg_names[MOO_NR_REGS];

/* One RAM entry as stored: u32 address, u8 value (5 packed bytes). */
#define MOO_RAM_ENTRY 5

typedef struct MooState {
    uint16_t mask;                 /* which regs[] are present */
    uint16_t regs[MOO_NR_REGS];
    const uint8_t *ram;            /* ram_count packed entries */
    uint32_t ram_count;
} MooState;

static inline uint32_t moo_ram_addr(const MooState *s, uint32_t i)
{
    const uint8_t *p = s->ram + (size_t)i * MOO_RAM_ENTRY;
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint8_t moo_ram_val(const MooState *s, uint32_t i)
{
    return s->ram[(size_t)i * MOO_RAM_ENTRY + 4];
}

typedef struct MooTest {
    uint32_t index;
    const char *name;              /* not NUL-terminated: name_len bytes */
    uint32_t name_len;
    const uint8_t *bytes;          /* instruction bytes (the HLT included) */
    uint32_t nbytes;
    MooState init, fina;
    bool has_excp;
    uint8_t excp_vector;
    uint32_t excp_flags_addr;      /* physical address of the pushed FLAGS */
    bool has_hash;
    uint8_t hash[20];
} MooTest;

typedef struct MooFile {
    uint8_t *data;
    size_t len;
    size_t pos;                    /* next chunk to look at */
    uint8_t major, minor;
    uint32_t test_count;           /* from the MOO header */
    char cpu[5];
    bool has_meta;
    uint32_t opcode;               /* META */
    char mnemonic[9];
    uint8_t cpu_mode;
    uint32_t tests_read;
    char err[256];
} MooFile;

/* Inflate and check the header.  Returns false with f->err set. */
bool moo_open(MooFile *f, const char *path);
/* Parse an already inflated buffer (takes ownership of malloc'd data; on
 * failure it is freed already). */
bool moo_open_buffer(MooFile *f, uint8_t *data, size_t len);
/* 1 = *t filled, 0 = end of file (count checked), -1 = error in f->err. */
int moo_next(MooFile *f, MooTest *t);
void moo_close(MooFile *f);

#endif

/*
 * target/i386/insn.h - the decoded-instruction struct.
 *
 * Design: decode() (target/i386/decode.c) is the only code that looks at
 * instruction bytes.  It yields a compact Insn: an operation id from
 * insn.def, the effective operand/address sizes, the prefixes that matter,
 * and up to three operand descriptors.  Register and memory forms are split
 * at decode time (operand kind), so an operation's handler reads and writes
 * operands through insn_get_op()/insn_set_op() without caring which it is.
 * The semantic handlers (target/i386/ops_*.c) serve the interpreter and
 * later the JIT.
 */
#ifndef TARGET_I386_INSN_H
#define TARGET_I386_INSN_H

#include <stdbool.h>
#include <stdint.h>

/* Operation ids: one per semantic operation (not per opcode byte). */
typedef enum InsnOp {
#define INSN(id, mnemonic, flags) OP_##id,
#include "target/i386/insn.def"
#undef INSN
    OP_NB
} InsnOp;

/* Per-operation flags (third column of insn.def) */
#define IF_BRANCH   0x0001 /* may change RIP other than falling through: ends a block */
#define IF_LOCK     0x0002 /* LOCK prefix allowed (with a memory destination) */
#define IF_PRIV     0x0004 /* CPL 0 only (#GP(0) otherwise) */
#define IF_ENDBLK   0x0008 /* ends a block although it falls through (mode/CRn changes, HLT, ...) */
#define IF_NO64     0x0010 /* invalid in 64-bit mode (#UD) */
#define IF_STRING   0x0020 /* string op: REP/REPE/REPNE apply */
#define IF_IO       0x0040 /* port I/O: IOPL / TSS bitmap check */

extern const char *const insn_op_names[OP_NB];
extern const uint16_t insn_op_flags[OP_NB];

/* Operand kinds */
enum {
    OPK_NONE = 0,
    OPK_REG,    /* general register: reg = 0..15; for 1-byte operands without
                 * REX, reg 4..7 mean AH, CH, DH, BH: decode maps those to
                 * OPK_REG8H with reg = 0..3 */
    OPK_REG8H,  /* AH/CH/DH/BH: byte 1 of regs[reg] */
    OPK_MEM,    /* memory operand described by Insn.mem / Insn.seg */
    OPK_IMM,    /* immediate: Insn.imm, already sign- or zero-extended as the
                 * SDM says for this operand (Ib sign-extended to opsize for
                 * group-1 ALU, etc.) */
    OPK_SREG,   /* segment register reg = R_ES..R_GS */
    OPK_CREG,   /* control register reg = 0..15 */
    OPK_DREG,   /* debug register reg = 0..15 */
};

typedef struct InsnOperand {
    uint8_t kind;  /* OPK_* */
    uint8_t size;  /* bytes: 1, 2, 4, 8 (10/16 later for x87/SSE) */
    uint8_t reg;
} InsnOperand;

/* A ModRM / SIB / moffs memory reference: seg:[base + index*scale + disp]
 * truncated to addrsize.  base/index = 0xff when absent. */
typedef struct InsnMem {
    uint8_t base;
    uint8_t index;
    uint8_t scale;    /* 1, 2, 4, 8 */
    bool rip_rel;     /* 64-bit RIP-relative: disp is added to the next RIP */
    int64_t disp;
} InsnMem;

#define REG_NONE 0xff

/* Prefix bits kept in Insn.prefix */
#define PFX_LOCK  0x01
#define PFX_REP   0x02  /* F3: REP / REPE */
#define PFX_REPNE 0x04  /* F2 */
#define PFX_OPSZ  0x08  /* 66 seen */
#define PFX_ADSZ  0x10  /* 67 seen */
#define PFX_SEG   0x20  /* a segment override was given */
#define PFX_REX   0x40  /* a REX prefix was given (affects byte registers) */

/* Insn.opcode bit for VEX-encoded instructions (OP_SSE placeholders): the
 * low bits are the map (0x0f00, 0x0f3800, 0x0f3a00) | opcode byte, Insn.rex
 * holds REX-equivalent W/R/X/B bits and Insn.imm2 the raw VEX prefix bytes
 * (0xc5vv or 0xc4vvvv). */
#define DECODE_OPC_VEX 0x1000000u

/* VEX fields of a DECODE_OPC_VEX instruction: the last VEX byte (C5's
 * second, C4's third) is W/R vvvv L pp in both forms (SDM Vol.2 2.3.5).
 * vvvv is the full inverted-back field; outside 64-bit mode only its
 * low 3 bits name a register (the high bit is ignored there, but an
 * instruction that needs 1111b still checks all four). */
#define vex_vvvv(insn) ((unsigned)(~(insn)->imm2 >> 3) & 15)
#define vex_l(insn)    ((unsigned)((insn)->imm2 >> 2) & 1)
#define vex_pp(insn)   ((unsigned)(insn)->imm2 & 3)

typedef struct Insn {
    uint16_t op;        /* InsnOp */
    uint8_t len;        /* total length in bytes, 1..15 */
    uint8_t opsize;     /* effective operand size in bytes: 1, 2, 4, 8 */
    uint8_t addrsize;   /* effective address size in bytes: 2, 4, 8 */
    uint8_t prefix;     /* PFX_* */
    uint8_t seg;        /* effective segment of the memory operand (R_*), SEG_NONE if none */
    uint8_t rex;        /* raw REX byte or 0 */
    uint8_t nr_ops;
    uint8_t cond;       /* condition code 0..15 for Jcc/SETcc/CMOVcc, or
                         * the /reg sub-op when a handler wants it */
    uint32_t opcode;    /* primary opcode: 0x00-0xff, 0x0f00 | byte, 0x0f3800 | ... for maps
                         * (32 bits: the 3-byte maps do not fit 16; VEX-encoded
                         * instructions add DECODE_OPC_VEX, see decode.c) */
    uint8_t modrm;      /* raw ModRM byte (0 when none) */
    InsnOperand ops[3]; /* ops[0] is the destination when there is one */
    /* Not decoded: filled by the execution backend when a block is built
     * (insn_exec_prepare, target/i386/ops.h).  Both fit the padding before
     * mem, so an Insn stays 64 bytes. */
    uint16_t xop;       /* index into insn_exec_handlers[] */
    uint8_t xflags;     /* IX_* bits */
    InsnMem mem;
    int64_t imm;        /* first immediate (also: relative branch displacement,
                         * far pointer offset, ENTER size) */
    int64_t imm2;       /* second immediate (far pointer selector, ENTER level) */
} Insn;

/* Decoder modes */
typedef enum CpuMode { MODE_16 = 16, MODE_32 = 32, MODE_64 = 64 } CpuMode;

/* Decoder option ORed into the mode argument of decode_insn/decode_buf
 * (decode_mode() below): the CPU model offers AMD's SSE4a.  Then 0F 78
 * takes a ModRM and two imm8 and 0F 79 a ModRM, whatever the prefixes, as
 * the AMD host decodes them (OP_SSE: EXTRQ with 66, INSERTQ with F2, #UD
 * otherwise); without it they stay two-byte invalid opcodes, so a model
 * without SSE4a decodes exactly as before SSE4a was implemented. */
#define DECODE_F_SSE4A 0x100u

static inline CpuMode decode_mode(unsigned code_bits, bool sse4a)
{
    return (CpuMode)(code_bits | (sse4a ? DECODE_F_SSE4A : 0));
}

/* Fetch callback: returns the byte at offset i from the instruction start,
 * or -1 when it cannot be fetched (the decoder then stops with
 * DECODE_FETCH_FAULT and the caller raises #PF/#GP for that byte). */
typedef int (*InsnFetch)(void *opaque, unsigned i);

typedef enum DecodeResult {
    DECODE_OK = 0,
    DECODE_UD,          /* invalid opcode / encoding: raise #UD */
    DECODE_TOO_LONG,    /* more than 15 bytes: #GP(0) */
    DECODE_FETCH_FAULT, /* fetch callback failed */
} DecodeResult;

/* Decode one instruction.  On DECODE_UD, insn->len is the number of bytes
 * consumed so far (for logging). */
DecodeResult decode_insn(Insn *insn, CpuMode mode, InsnFetch fetch, void *opaque);
/* Convenience: decode from a buffer of avail bytes. */
DecodeResult decode_buf(Insn *insn, CpuMode mode, const uint8_t *buf, unsigned avail);

#endif

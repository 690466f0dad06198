/*
 * target/i386/decode-internal.h - opcode table format shared by decode.c
 * (the engine) and decode_tables.c (the data).
 *
 * Design: every opcode map is an array of DecodeEntry indexed by the
 * opcode byte.  An entry names the operation (OP_* from insn.def), up to
 * three operand descriptors written with the SDM's operand letters
 * (Vol.2 Appendix A.2: E = ModRM r/m, G = ModRM reg, I = immediate,
 * J = relative offset, M = memory-only r/m, R = register-only r/m,
 * O = moffs, S = Sreg, C/D = control/debug register; size suffixes
 * b/w/d/q/v/z), and DF_* flags carrying the superscripts of Table A-1
 * (i64, o64, d64, f64) plus decoder needs (ModRM present, group, ...).
 * An all-zero entry is OP_INVALID, so unlisted opcodes decode as #UD.
 */
#ifndef TARGET_I386_DECODE_INTERNAL_H
#define TARGET_I386_DECODE_INTERNAL_H

#include <stdint.h>

#include "target/i386/insn.h"

/* Operand descriptors */
enum {
    A_NONE = 0,
    /* ModRM r/m: register or memory */
    A_Eb, A_Ew, A_Ed, A_Ev,
    A_Evw,  /* Mw or Rv: MOV from Sreg, SLDT, STR, SMSW (SDM: 16 bits to memory) */
    /* ModRM r/m, memory only (mod=3 is #UD) */
    A_M,    /* size = opsize (LEA, BOUND's pair) */
    A_Mb, A_Mw,
    A_Mp,   /* far pointer m16:16/32/64: size = offset size (opsize), selector follows */
    A_Ms,   /* pseudo-descriptor for LGDT/SGDT...: size = opsize */
    A_Mq,   /* CMPXCHG8B/16B: size 8 or 16 */
    /* ModRM r/m, register only (mod!=3 is #UD) */
    A_Rv, A_Rw,
    A_Rcr,  /* MOV CR/DR general register: mod is ignored (SDM MOV CR), 8 bytes in 64-bit mode else 4 */
    /* ModRM reg */
    A_Gb, A_Gw, A_Gv,
    A_Sw,   /* segment register from ModRM reg */
    A_Cd,   /* control register from ModRM reg (+REX.R) */
    A_Dd,   /* debug register */
    /* immediates */
    A_Ib,   /* imm8 zero-extended (ports, vectors, shift counts, AAM base) */
    A_Ibs,  /* imm8 sign-extended to the operand size */
    A_Iw,   /* imm16 zero-extended */
    A_Iz,   /* imm16/imm32 sign-extended to the operand size */
    A_Iv,   /* imm16/imm32/imm64 (MOV reg, imm) */
    A_Jb, A_Jz, /* relative branch displacement, sign-extended */
    A_Ap,   /* direct far pointer: imm = offset, imm2 = selector */
    A_ENTER,/* Iw, Ib: imm = size, imm2 = level; no operand slot */
    /* fixed registers */
    A_AL, A_rAX,
    A_eAX,  /* AL/AX/EAX for IN/OUT: size min(opsize, 4) */
    A_CL, A_DX, A_ONE,
    A_Zb, A_Zv, /* register in the low 3 opcode bits (+REX.B) */
    A_Ob, A_Ov, /* moffs: address-size offset */
    A_ES, A_CS, A_SS, A_DS, A_FS, A_GS,
    /* length-only SSE/MMX r/m: OPK_MEM, or OPK_REG with the raw rm number */
    A_Wx,
};

/* Flags */
#define DF_MODRM   0x0001  /* ModRM byte follows the opcode */
#define DF_BYTE    0x0002  /* operand size is 1 byte */
#define DF_D64     0x0004  /* 64-bit mode: default 64-bit operand size, 66 gives 16 */
#define DF_F64     0x0008  /* 64-bit mode: operand size forced to 64 */
#define DF_NO64    0x0010  /* #UD in 64-bit mode (i64) */
#define DF_ONLY64  0x0020  /* #UD outside 64-bit mode (o64) */
#define DF_GROUP   0x0040  /* op is a group number: entry comes from decode_groups[op][reg] */
#define DF_GSPLIT  0x0080  /* group with different mod=3 encodings: use group op+1 when mod=3 */
#define DF_COND    0x0100  /* Insn.cond = low 4 bits of the opcode */
#define DF_SEGDS   0x0200  /* implicit DS:rSI-style memory (strings, XLAT, MONITOR): seg = DS or override */
#define DF_OPZ     0x0400  /* operand size capped at 4 (IN/OUT/INS/OUTS: REX.W ignored) */
#define DF_OP16    0x0800  /* operand size forced to 2 (ARPL) */
#define DF_SPECIAL 0x1000  /* decode.c fixes the entry up by opcode (prefix/mode dependent) */
#define DF_FAR     0x2000  /* RETF/IRET/SYSRET: not d64 (documentation only) */
#define DF_REGONLY 0x4000  /* mod!=3 is #UD (SSE shift groups 0F 71-73) */

typedef struct DecodeEntry {
    uint16_t op;      /* InsnOp, or group number with DF_GROUP */
    uint16_t flags;   /* DF_* */
    uint8_t arg[3];   /* A_* */
} DecodeEntry;

/* Group numbers */
enum {
    GRP_1b, GRP_1v, GRP_1vs, GRP_1a,
    GRP_2b, GRP_2v, GRP_2b1, GRP_2v1, GRP_2bCL, GRP_2vCL,
    GRP_3b, GRP_3v, GRP_4, GRP_5,
    GRP_6, GRP_7, GRP_7R, GRP_8, GRP_9, GRP_9R,
    GRP_11b, GRP_11v, GRP_15, GRP_15R, GRP_16, GRP_16R, GRP_P, GRP_PR,
    GRP_NB
};

extern const DecodeEntry decode_map1[256];
extern const DecodeEntry decode_map2[256];   /* 0F xx */
extern const DecodeEntry decode_groups[GRP_NB][8];
/* 0F 01 with mod=3, indexed by ModRM & 0x3f */
extern const DecodeEntry decode_0f01_reg[64];
/* 0F 38 / 0F 3A opcodes that exist (bitmaps of 256 bits) */
extern const uint32_t decode_0f38_valid[8];
extern const uint32_t decode_0f3a_valid[8];
/* VEX opcodes that exist in maps 0F, 0F38, 0F3A (any pp/L/W) */
extern const uint32_t decode_vex_valid[3][8];

#endif

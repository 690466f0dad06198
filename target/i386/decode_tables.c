/*
 * target/i386/decode_tables.c - the opcode maps (SDM Vol.2 Appendix A).
 *
 * Design: pure data, one DecodeEntry per opcode byte; see
 * decode-internal.h for the entry format.  The maps follow the SDM's
 * tables A-2 (one-byte), A-3 (0F) and A-6 (groups by ModRM.reg).
 *
 * Operand conventions the semantic handlers rely on (ops[] in Insn):
 *   - two-operand ALU/MOV/XCHG/TEST...: ops[0] = destination, ops[1] = source
 *     (Ib sign-extended for 83 and 6B/6A, Iz sign-extended to 64 bits).
 *   - shifts/rotates: ops[0] = r/m, ops[1] = count: OPK_IMM (imm = 1 or ib)
 *     or OPK_REG CL (size 1).
 *   - SHLD/SHRD: ops[0] = dst, ops[1] = src reg, ops[2] = count (imm or CL).
 *   - MUL/IMUL1/DIV/IDIV/NOT/NEG: ops[0] = r/m only (AL/rAX/rDX implicit).
 *   - IMUL (0F AF, 69, 6B): ops[0] = dst reg, ops[1] = r/m, ops[2] = imm if any.
 *   - MOVZX/MOVSX: ops[0] = Gv (opsize), ops[1] = source with size 1, 2
 *     (or 4 for MOVSXD; 2 for MOVSXD with 66).
 *   - XCHG 90+r: ops[0] = rAX, ops[1] = reg.  90 without REX.B = NOP,
 *     F3 90 = PAUSE.
 *   - IN: ops[0] = AL/AX/EAX, ops[1] = port (OPK_IMM, imm) or DX (OPK_REG 2,
 *     size 2).  OUT: ops[0] = port, ops[1] = AL/AX/EAX.  opsize <= 4.
 *   - string ops (MOVS/CMPS/STOS/LODS/SCAS/INS/OUTS): no operands; opsize =
 *     element size; Insn.seg = source segment (DS or override), the
 *     destination is always ES:rDI.  XLAT: no operands, Insn.seg likewise.
 *   - PUSH/POP: ops[0] = reg / r/m / imm.  PUSH_SEG/POP_SEG: ops[0] =
 *     OPK_SREG.  opsize = the stack slot size (8 or 2 in 64-bit mode).
 *   - JMP, CALL, Jcc, LOOPcc, JCXZ: relative forms have ops[0] = OPK_IMM with
 *     imm = sign-extended displacement from the next instruction;
 *     indirect forms have ops[0] = r/m.  Insn.cond for Jcc.
 *   - JMPF/CALLF: direct ops[0] = OPK_IMM, imm = offset, imm2 = selector;
 *     indirect ops[0] = OPK_MEM with size = offset size (= opsize), the
 *     16-bit selector follows the offset in memory.
 *   - LDS/LES/LSS/LFS/LGS: ops[0] = Gv, ops[1] = OPK_MEM (offset size =
 *     opsize, selector follows).
 *   - BOUND: ops[0] = Gv, ops[1] = OPK_MEM size opsize (upper bound follows).
 *   - LEA: ops[0] = Gv, ops[1] = OPK_MEM (never accessed).
 *   - MOVS/CMPS... with REX.W: opsize 8; INS/OUTS/IN/OUT never exceed 4.
 *   - RET/RETF: imm = bytes to pop (0 if none); ops[0] = OPK_IMM when given.
 *   - ENTER: no operands, imm = size, imm2 = level.  INT: imm = vector.
 *     AAM/AAD: imm = base.
 *   - MOV_SEG (8E): ops[0] = OPK_SREG, ops[1] = Ew.  MOV from Sreg (8C) is
 *     OP_MOV with ops[1] = OPK_SREG and ops[0] = Ew (2 bytes to memory,
 *     opsize to a register).
 *   - MOV_CR/MOV_DR: ops[0] = dest, ops[1] = src; one is OPK_CREG/OPK_DREG,
 *     the other a GPR of 8 bytes (64-bit mode) or 4.
 *   - LGDT/LIDT/SGDT/SIDT: ops[0] = OPK_MEM, opsize 2/4 (8 in 64-bit mode).
 *     LLDT/LTR/VERR/VERW/LMSW: ops[0] = Ew.  SLDT/STR/SMSW: ops[0] = Evw.
 *     LAR/LSL: ops[0] = Gv, ops[1] = Ew.  INVLPG/CLFLUSH/CLWB/PREFETCH:
 *     ops[0] = OPK_MEM size 1.
 *   - INVPCID: ops[0] = type register (8 bytes in 64-bit mode, else 4),
 *     ops[1] = OPK_MEM (the 16-byte descriptor).
 *   - CMPXCHG8B: ops[0] = OPK_MEM size 8, or 16 with REX.W (opsize 8).
 *   - BSWAP: ops[0] = reg.  SETcc: ops[0] = Eb, Insn.cond.  CMOVcc: Gv, Ev.
 *   - RDFSBASE..WRGSBASE, RDPID, RDRAND, RDSEED: ops[0] = register.
 *   - MONITOR: no operands, Insn.seg = DS or override (address in rAX).
 *   - Groups: Insn.cond = ModRM.reg as well (handlers may ignore it).
 *   - OP_FPU (D8-DF, 9B) and OP_SSE (0F SSE/MMX, 0F38, 0F3A, VEX, XSAVE
 *     family, POPCNT/MOVBE/CRC32/ADX): length-only placeholders: Insn.opcode,
 *     modrm, prefix and rex are set, ops[0] = the ModRM r/m (OPK_MEM, or
 *     OPK_REG with the raw register number) and ops[1] = imm8 if any.
 *     VEX: Insn.opcode has DECODE_OPC_VEX set, Insn.rex holds the VEX
 *     W/R/X/B as REX bits, Insn.imm2 the raw VEX bytes (0xc5vv/0xc4vvvv).
 *     The ModRM.reg operand (xmm register) is left to issue 3: modrm + rex.
 */
#include "target/i386/decode-internal.h"

#define E0(o, f)            { OP_##o, (f), { 0, 0, 0 } }
#define E1(o, f, a)         { OP_##o, (f), { A_##a, 0, 0 } }
#define E2(o, f, a, b)      { OP_##o, (f), { A_##a, A_##b, 0 } }
#define E3(o, f, a, b, c)   { OP_##o, (f), { A_##a, A_##b, A_##c } }
#define GRP(g, f)           { GRP_##g, DF_GROUP | DF_MODRM | (f), { 0, 0, 0 } }

#define M   DF_MODRM
#define B   DF_BYTE

/* The eight classic ALU rows: Eb,Gb  Ev,Gv  Gb,Eb  Gv,Ev  AL,Ib  rAX,Iz */
#define ALU(base, o) \
    [base + 0] = E2(o, M | B, Eb, Gb), \
    [base + 1] = E2(o, M, Ev, Gv), \
    [base + 2] = E2(o, M | B, Gb, Eb), \
    [base + 3] = E2(o, M, Gv, Ev), \
    [base + 4] = E2(o, B, AL, Ib), \
    [base + 5] = E2(o, 0, rAX, Iz)

#define R8(base, o, f, a) \
    [base + 0] = E1(o, f, a), [base + 1] = E1(o, f, a), \
    [base + 2] = E1(o, f, a), [base + 3] = E1(o, f, a), \
    [base + 4] = E1(o, f, a), [base + 5] = E1(o, f, a), \
    [base + 6] = E1(o, f, a), [base + 7] = E1(o, f, a)

#define R8x2(base, o, f, a, b) \
    [base + 0] = E2(o, f, a, b), [base + 1] = E2(o, f, a, b), \
    [base + 2] = E2(o, f, a, b), [base + 3] = E2(o, f, a, b), \
    [base + 4] = E2(o, f, a, b), [base + 5] = E2(o, f, a, b), \
    [base + 6] = E2(o, f, a, b), [base + 7] = E2(o, f, a, b)

#define R16(base, o, f, a) R8(base, o, f, a), R8(base + 8, o, f, a)
#define R16x2(base, o, f, a, b) R8x2(base, o, f, a, b), R8x2(base + 8, o, f, a, b)

/* SSE/MMX placeholders */
#define SSE     E1(SSE, M, Wx)
#define SSEI    E2(SSE, M, Wx, Ib)
#define SSE4(b) [b] = SSE, [b + 1] = SSE, [b + 2] = SSE, [b + 3] = SSE
#define SSE8(b) SSE4(b), SSE4(b + 4)
#define SSE16(b) SSE8(b), SSE8(b + 8)

/* ---- one-byte map, SDM Table A-2 ---- */
const DecodeEntry decode_map1[256] = {
    ALU(0x00, ADD), ALU(0x08, OR), ALU(0x10, ADC), ALU(0x18, SBB),
    ALU(0x20, AND), ALU(0x28, SUB), ALU(0x30, XOR), ALU(0x38, CMP),
    [0x06] = E1(PUSH_SEG, DF_NO64, ES), [0x07] = E1(POP_SEG, DF_NO64, ES),
    [0x0e] = E1(PUSH_SEG, DF_NO64, CS), /* 0x0f: escape, handled in decode.c */
    [0x16] = E1(PUSH_SEG, DF_NO64, SS), [0x17] = E1(POP_SEG, DF_NO64, SS),
    [0x1e] = E1(PUSH_SEG, DF_NO64, DS), [0x1f] = E1(POP_SEG, DF_NO64, DS),
    [0x27] = E0(DAA, DF_NO64 | B), [0x2f] = E0(DAS, DF_NO64 | B),
    [0x37] = E0(AAA, DF_NO64 | B), [0x3f] = E0(AAS, DF_NO64 | B),
    /* 40-4F are REX in 64-bit mode: the prefix loop never gets here then */
    R8(0x40, INC, DF_NO64, Zv), R8(0x48, DEC, DF_NO64, Zv),
    R8(0x50, PUSH, DF_D64, Zv), R8(0x58, POP, DF_D64, Zv),
    [0x60] = E0(PUSHA, DF_NO64), [0x61] = E0(POPA, DF_NO64),
    [0x62] = E2(BOUND, M | DF_NO64, Gv, M),     /* EVEX otherwise: #UD here */
    [0x63] = E2(ARPL, M | DF_SPECIAL | DF_OP16, Ew, Gw), /* MOVSXD in 64-bit mode */
    [0x68] = E1(PUSH, DF_D64, Iz),
    [0x69] = E3(IMUL, M, Gv, Ev, Iz),
    [0x6a] = E1(PUSH, DF_D64, Ibs),
    [0x6b] = E3(IMUL, M, Gv, Ev, Ibs),
    [0x6c] = E0(INS, B), [0x6d] = E0(INS, DF_OPZ),
    [0x6e] = E0(OUTS, B | DF_SEGDS), [0x6f] = E0(OUTS, DF_OPZ | DF_SEGDS),
    R16(0x70, JCC, DF_F64 | DF_COND, Jb),
    [0x80] = GRP(1b, B), [0x81] = GRP(1v, 0),
    [0x82] = GRP(1b, B | DF_NO64), [0x83] = GRP(1vs, 0),
    [0x84] = E2(TEST, M | B, Eb, Gb), [0x85] = E2(TEST, M, Ev, Gv),
    [0x86] = E2(XCHG, M | B, Eb, Gb), [0x87] = E2(XCHG, M, Ev, Gv),
    [0x88] = E2(MOV, M | B, Eb, Gb), [0x89] = E2(MOV, M, Ev, Gv),
    [0x8a] = E2(MOV, M | B, Gb, Eb), [0x8b] = E2(MOV, M, Gv, Ev),
    [0x8c] = E2(MOV, M, Evw, Sw),
    [0x8d] = E2(LEA, M, Gv, M),
    [0x8e] = E2(MOV_SEG, M | DF_OP16, Sw, Ew),
    [0x8f] = GRP(1a, DF_D64),
    [0x90] = E2(XCHG, DF_SPECIAL, rAX, Zv), /* NOP / PAUSE */
    [0x91] = E2(XCHG, 0, rAX, Zv), [0x92] = E2(XCHG, 0, rAX, Zv),
    [0x93] = E2(XCHG, 0, rAX, Zv), [0x94] = E2(XCHG, 0, rAX, Zv),
    [0x95] = E2(XCHG, 0, rAX, Zv), [0x96] = E2(XCHG, 0, rAX, Zv),
    [0x97] = E2(XCHG, 0, rAX, Zv),
    [0x98] = E0(CBW, 0), [0x99] = E0(CWD, 0),
    [0x9a] = E1(CALLF, DF_NO64, Ap),
    [0x9b] = E0(FPU, 0),                         /* FWAIT */
    [0x9c] = E0(PUSHF, DF_D64), [0x9d] = E0(POPF, DF_D64),
    [0x9e] = E0(SAHF, B), [0x9f] = E0(LAHF, B),
    [0xa0] = E2(MOV, B, AL, Ob), [0xa1] = E2(MOV, 0, rAX, Ov),
    [0xa2] = E2(MOV, B, Ob, AL), [0xa3] = E2(MOV, 0, Ov, rAX),
    [0xa4] = E0(MOVS, B | DF_SEGDS), [0xa5] = E0(MOVS, DF_SEGDS),
    [0xa6] = E0(CMPS, B | DF_SEGDS), [0xa7] = E0(CMPS, DF_SEGDS),
    [0xa8] = E2(TEST, B, AL, Ib), [0xa9] = E2(TEST, 0, rAX, Iz),
    [0xaa] = E0(STOS, B), [0xab] = E0(STOS, 0),
    [0xac] = E0(LODS, B | DF_SEGDS), [0xad] = E0(LODS, DF_SEGDS),
    [0xae] = E0(SCAS, B), [0xaf] = E0(SCAS, 0),
    R8x2(0xb0, MOV, B, Zb, Ib), R8x2(0xb8, MOV, 0, Zv, Iv),
    [0xc0] = GRP(2b, B), [0xc1] = GRP(2v, 0),
    [0xc2] = E1(RET, DF_F64, Iw), [0xc3] = E0(RET, DF_F64),
    [0xc4] = E2(LES, M | DF_NO64, Gv, Mp),       /* VEX3 in 64-bit mode / mod=3 */
    [0xc5] = E2(LDS, M | DF_NO64, Gv, Mp),       /* VEX2 */
    [0xc6] = GRP(11b, B), [0xc7] = GRP(11v, 0),
    [0xc8] = E1(ENTER, DF_D64, ENTER), [0xc9] = E0(LEAVE, DF_D64),
    [0xca] = E1(RETF, DF_FAR, Iw), [0xcb] = E0(RETF, DF_FAR),
    [0xcc] = E0(INT3, 0), [0xcd] = E1(INT, 0, Ib),
    [0xce] = E0(INTO, DF_NO64), [0xcf] = E0(IRET, DF_FAR),
    [0xd0] = GRP(2b1, B), [0xd1] = GRP(2v1, 0),
    [0xd2] = GRP(2bCL, B), [0xd3] = GRP(2vCL, 0),
    [0xd4] = E1(AAM, DF_NO64 | B, Ib), [0xd5] = E1(AAD, DF_NO64 | B, Ib),
    [0xd6] = E0(SALC, DF_NO64 | B),
    [0xd7] = E0(XLAT, B | DF_SEGDS),
    R8(0xd8, FPU, M, Wx),
    [0xe0] = E1(LOOPNE, DF_F64, Jb), [0xe1] = E1(LOOPE, DF_F64, Jb),
    [0xe2] = E1(LOOP, DF_F64, Jb), [0xe3] = E1(JCXZ, DF_F64, Jb),
    [0xe4] = E2(IN, B, AL, Ib), [0xe5] = E2(IN, DF_OPZ, eAX, Ib),
    [0xe6] = E2(OUT, B, Ib, AL), [0xe7] = E2(OUT, DF_OPZ, Ib, eAX),
    [0xe8] = E1(CALL, DF_F64, Jz), [0xe9] = E1(JMP, DF_F64, Jz),
    [0xea] = E1(JMPF, DF_NO64, Ap), [0xeb] = E1(JMP, DF_F64, Jb),
    [0xec] = E2(IN, B, AL, DX), [0xed] = E2(IN, DF_OPZ, eAX, DX),
    [0xee] = E2(OUT, B, DX, AL), [0xef] = E2(OUT, DF_OPZ, DX, eAX),
    [0xf1] = E0(INT1, 0),
    [0xf4] = E0(HLT, 0), [0xf5] = E0(CMC, 0),
    [0xf6] = GRP(3b, B), [0xf7] = GRP(3v, 0),
    [0xf8] = E0(CLC, 0), [0xf9] = E0(STC, 0),
    [0xfa] = E0(CLI, 0), [0xfb] = E0(STI, 0),
    [0xfc] = E0(CLD, 0), [0xfd] = E0(STD, 0),
    [0xfe] = GRP(4, B), [0xff] = GRP(5, 0),
};

/* ---- two-byte map 0F xx, SDM Table A-3 ---- */
const DecodeEntry decode_map2[256] = {
    [0x00] = GRP(6, 0), [0x01] = GRP(7, DF_GSPLIT),
    [0x02] = E2(LAR, M, Gv, Ew), [0x03] = E2(LSL, M, Gv, Ew),
    [0x05] = E0(SYSCALL, 0), [0x06] = E0(CLTS, 0),
    [0x07] = E0(SYSRET, DF_FAR), [0x08] = E0(INVD, 0), [0x09] = E0(WBINVD, 0),
    [0x0b] = E0(UD, 0),
    [0x0d] = GRP(P, DF_GSPLIT),                    /* PREFETCH/PREFETCHW */
    [0x0f] = SSEI,                                 /* 3DNow!: imm8 is the opcode */
    SSE8(0x10),
    [0x18] = GRP(16, DF_GSPLIT),
    [0x19] = E1(NOP, M, Ev), [0x1a] = E1(NOP, M, Ev), [0x1b] = E1(NOP, M, Ev),
    [0x1c] = E1(NOP, M, Ev), [0x1d] = E1(NOP, M, Ev), [0x1e] = E1(NOP, M, Ev),
    [0x1f] = E1(NOP, M, Ev),
    [0x20] = E2(MOV_CR, M, Rcr, Cd), [0x21] = E2(MOV_DR, M, Rcr, Dd),
    [0x22] = E2(MOV_CR, M, Cd, Rcr), [0x23] = E2(MOV_DR, M, Dd, Rcr),
    SSE8(0x28),
    [0x30] = E0(WRMSR, 0), [0x31] = E0(RDTSC, 0), [0x32] = E0(RDMSR, 0),
    [0x33] = E0(RDPMC, 0), [0x34] = E0(SYSENTER, 0), [0x35] = E0(SYSEXIT, DF_FAR),
    /* 0x38, 0x3a: three-byte escapes, handled in decode.c */
    R16x2(0x40, CMOV, M | DF_COND, Gv, Ev),
    SSE16(0x50), SSE16(0x60),
    [0x70] = SSEI,
    [0x71] = E2(SSE, M | DF_REGONLY, Wx, Ib),
    [0x72] = E2(SSE, M | DF_REGONLY, Wx, Ib),
    [0x73] = E2(SSE, M | DF_REGONLY, Wx, Ib),
    [0x74] = SSE, [0x75] = SSE, [0x76] = SSE,
    [0x77] = E0(SSE, 0),                           /* EMMS: no ModRM */
    /* AMD SSE4a, only when the model offers it (decode.c, DECODE_F_SSE4A):
     * 0F 78 /r ib ib (66: EXTRQ, F2: INSERTQ; Iw = length | index << 8),
     * 0F 79 /r (66: EXTRQ, F2: INSERTQ); other prefixes #UD after the
     * whole length, as on the AMD host */
    [0x78] = E2(SSE, M, Wx, Iw), [0x79] = SSE,
    [0x7c] = SSE, [0x7d] = SSE, [0x7e] = SSE, [0x7f] = SSE,
    R16(0x80, JCC, DF_F64 | DF_COND, Jz),
    R16(0x90, SETCC, M | B | DF_COND, Eb),
    [0xa0] = E1(PUSH_SEG, DF_D64, FS), [0xa1] = E1(POP_SEG, DF_D64, FS),
    [0xa2] = E0(CPUID, 0), [0xa3] = E2(BT, M, Ev, Gv),
    [0xa4] = E3(SHLD, M, Ev, Gv, Ib), [0xa5] = E3(SHLD, M, Ev, Gv, CL),
    [0xa8] = E1(PUSH_SEG, DF_D64, GS), [0xa9] = E1(POP_SEG, DF_D64, GS),
    [0xab] = E2(BTS, M, Ev, Gv),
    [0xac] = E3(SHRD, M, Ev, Gv, Ib), [0xad] = E3(SHRD, M, Ev, Gv, CL),
    [0xae] = GRP(15, DF_GSPLIT | DF_SPECIAL),
    [0xaf] = E2(IMUL, M, Gv, Ev),
    [0xb0] = E2(CMPXCHG, M | B, Eb, Gb), [0xb1] = E2(CMPXCHG, M, Ev, Gv),
    [0xb2] = E2(LSS, M, Gv, Mp), [0xb3] = E2(BTR, M, Ev, Gv),
    [0xb4] = E2(LFS, M, Gv, Mp), [0xb5] = E2(LGS, M, Gv, Mp),
    [0xb6] = E2(MOVZX, M, Gv, Eb), [0xb7] = E2(MOVZX, M, Gv, Ew),
    [0xb8] = E1(SSE, M | DF_SPECIAL, Wx),        /* POPCNT with F3, else #UD */
    [0xb9] = E2(UD, M, Gv, Ev),                  /* UD1 */
    [0xba] = GRP(8, 0),
    [0xbb] = E2(BTC, M, Ev, Gv),
    /* F3 0F BC/BD decode as TZCNT/LZCNT (decode.c); their handlers run
     * BSF/BSR when the CPU model lacks BMI1/LZCNT, as older CPUs do. */
    [0xbc] = E2(BSF, M | DF_SPECIAL, Gv, Ev), [0xbd] = E2(BSR, M | DF_SPECIAL, Gv, Ev),
    [0xbe] = E2(MOVSX, M, Gv, Eb), [0xbf] = E2(MOVSX, M, Gv, Ew),
    [0xc0] = E2(XADD, M | B, Eb, Gb), [0xc1] = E2(XADD, M, Ev, Gv),
    [0xc2] = SSEI, [0xc3] = E1(SSE, M, M),       /* MOVNTI: memory only */
    [0xc4] = SSEI, [0xc5] = SSEI, [0xc6] = SSEI,
    [0xc7] = GRP(9, DF_GSPLIT | DF_SPECIAL),
    R8(0xc8, BSWAP, 0, Zv),
    SSE16(0xd0), SSE16(0xe0), SSE4(0xf0), [0xf4] = SSE, [0xf5] = SSE, [0xf6] = SSE,
    [0xf7] = E1(SSE, M | DF_SEGDS, Wx),            /* MASKMOVQ/MASKMOVDQU: DS:rDI */
    SSE4(0xf8), [0xfc] = SSE,
    [0xfd] = SSE, [0xfe] = SSE,
    [0xff] = E2(UD, M, Gv, Ev),                  /* UD0 (with ModRM, current SDM) */
};

/* ---- groups, SDM Table A-6 (indexed by ModRM.reg) ---- */
#define ALUG(f, a, b) { \
    E2(ADD, f, a, b), E2(OR, f, a, b), E2(ADC, f, a, b), E2(SBB, f, a, b), \
    E2(AND, f, a, b), E2(SUB, f, a, b), E2(XOR, f, a, b), E2(CMP, f, a, b) }
#define SHG(f, a, b) { \
    E2(ROL, f, a, b), E2(ROR, f, a, b), E2(RCL, f, a, b), E2(RCR, f, a, b), \
    E2(SHL, f, a, b), E2(SHR, f, a, b), E2(SHL, f, a, b), E2(SAR, f, a, b) }

const DecodeEntry decode_groups[GRP_NB][8] = {
    [GRP_1b] = ALUG(B, Eb, Ib),
    [GRP_1v] = ALUG(0, Ev, Iz),
    [GRP_1vs] = ALUG(0, Ev, Ibs),
    [GRP_1a] = { E1(POP, DF_D64, Ev) },         /* /1-/7: XOP on AMD, #UD */
    [GRP_2b] = SHG(B, Eb, Ib),
    [GRP_2v] = SHG(0, Ev, Ib),
    [GRP_2b1] = SHG(B, Eb, ONE),
    [GRP_2v1] = SHG(0, Ev, ONE),
    [GRP_2bCL] = SHG(B, Eb, CL),
    [GRP_2vCL] = SHG(0, Ev, CL),
    [GRP_3b] = {
        E2(TEST, B, Eb, Ib), E2(TEST, B, Eb, Ib), /* /1: alias of /0 */
        E1(NOT, B, Eb), E1(NEG, B, Eb), E1(MUL, B, Eb), E1(IMUL1, B, Eb),
        E1(DIV, B, Eb), E1(IDIV, B, Eb) },
    [GRP_3v] = {
        E2(TEST, 0, Ev, Iz), E2(TEST, 0, Ev, Iz),
        E1(NOT, 0, Ev), E1(NEG, 0, Ev), E1(MUL, 0, Ev), E1(IMUL1, 0, Ev),
        E1(DIV, 0, Ev), E1(IDIV, 0, Ev) },
    [GRP_4] = { E1(INC, B, Eb), E1(DEC, B, Eb) },
    [GRP_5] = {
        E1(INC, 0, Ev), E1(DEC, 0, Ev), E1(CALL, DF_F64, Ev), E1(CALLF, DF_FAR, Mp),
        E1(JMP, DF_F64, Ev), E1(JMPF, DF_FAR, Mp), E1(PUSH, DF_D64, Ev) },
    [GRP_6] = {
        E1(SLDT, 0, Evw), E1(STR, 0, Evw), E1(LLDT, DF_OP16, Ew), E1(LTR, DF_OP16, Ew),
        E1(VERR, DF_OP16, Ew), E1(VERW, DF_OP16, Ew) },
    [GRP_7] = {
        E1(SGDT, DF_F64, Ms), E1(SIDT, DF_F64, Ms), E1(LGDT, DF_F64, Ms),
        E1(LIDT, DF_F64, Ms), E1(SMSW, 0, Evw), E0(INVALID, 0),
        E1(LMSW, DF_OP16, Ew), E1(INVLPG, B, Mb) },
    [GRP_7R] = { { 0 } },                        /* decode_0f01_reg instead */
    [GRP_8] = {
        E0(INVALID, 0), E0(INVALID, 0), E0(INVALID, 0), E0(INVALID, 0),
        E2(BT, 0, Ev, Ib), E2(BTS, 0, Ev, Ib), E2(BTR, 0, Ev, Ib), E2(BTC, 0, Ev, Ib) },
    [GRP_9] = {                                  /* memory forms */
        E0(INVALID, 0), E1(CMPXCHG8B, 0, Mq), E0(INVALID, 0),
        E1(SSE, 0, Wx), E1(SSE, 0, Wx), E1(SSE, 0, Wx), /* XRSTORS, XSAVEC, XSAVES */
        E0(INVALID, 0), E0(INVALID, 0) },            /* VMPTRLD/VMPTRST: no VMX */
    [GRP_9R] = {                                 /* register forms; F3 /7 = RDPID
                                                  * and the F2/F3 #UDs in decode.c */
        [6] = E1(RDRAND, 0, Rv), [7] = E1(RDSEED, 0, Rv) },
    [GRP_11b] = { E2(MOV, B, Eb, Ib) },          /* C6 F8: XABORT, no RTM: #UD */
    [GRP_11v] = { E2(MOV, 0, Ev, Iz) },          /* C7 F8: XBEGIN, #UD */
    [GRP_15] = {                                 /* memory: FXSAVE.. XSAVEOPT, CLFLUSH */
        E1(SSE, 0, Wx), E1(SSE, 0, Wx), E1(SSE, 0, Wx), E1(SSE, 0, Wx),
        E1(SSE, 0, Wx), E1(SSE, 0, Wx), E1(SSE, 0, Wx), E1(CLFLUSH, B, Mb) },
    [GRP_15R] = {                                /* no prefix; F3 forms in decode.c */
        E0(INVALID, 0), E0(INVALID, 0), E0(INVALID, 0), E0(INVALID, 0),
        E0(INVALID, 0), E0(LFENCE, 0), E0(MFENCE, 0), E0(SFENCE, 0) },
    [GRP_16] = {                                 /* 0F 18 memory: PREFETCHh, then hint NOPs */
        E1(PREFETCH, B, Mb), E1(PREFETCH, B, Mb), E1(PREFETCH, B, Mb),
        E1(PREFETCH, B, Mb), E1(NOP, 0, Ev), E1(NOP, 0, Ev), E1(NOP, 0, Ev),
        E1(NOP, 0, Ev) },
    [GRP_16R] = {
        E1(NOP, 0, Ev), E1(NOP, 0, Ev), E1(NOP, 0, Ev), E1(NOP, 0, Ev),
        E1(NOP, 0, Ev), E1(NOP, 0, Ev), E1(NOP, 0, Ev), E1(NOP, 0, Ev) },
    [GRP_P] = {                                  /* 0F 0D memory: PREFETCH(W) */
        E1(PREFETCH, B, Mb), E1(PREFETCH, B, Mb), E1(PREFETCH, B, Mb),
        E1(PREFETCH, B, Mb), E1(PREFETCH, B, Mb), E1(PREFETCH, B, Mb),
        E1(PREFETCH, B, Mb), E1(PREFETCH, B, Mb) },
    [GRP_PR] = { { 0 } },
};

/* 0F 01 with mod=3 (SDM Table A-6, group 7 "11B" row), by ModRM & 0x3f.
 * VMX/SVM/PKU/RTM/ENCLS encodings are #UD: the CPU model offers none;
 * CLAC/STAC check SMAP in their handlers. */
const DecodeEntry decode_0f01_reg[64] = {
    [0x08] = E0(MONITOR, DF_SEGDS), [0x09] = E0(MWAIT, 0),
    [0x0a] = E0(CLAC, 0), [0x0b] = E0(STAC, 0),
    [0x10] = E0(SSE, 0), [0x11] = E0(SSE, 0),      /* XGETBV, XSETBV */
    [0x20] = E1(SMSW, 0, Rv), [0x21] = E1(SMSW, 0, Rv), [0x22] = E1(SMSW, 0, Rv),
    [0x23] = E1(SMSW, 0, Rv), [0x24] = E1(SMSW, 0, Rv), [0x25] = E1(SMSW, 0, Rv),
    [0x26] = E1(SMSW, 0, Rv), [0x27] = E1(SMSW, 0, Rv),
    [0x30] = E1(LMSW, DF_OP16, Rw), [0x31] = E1(LMSW, DF_OP16, Rw),
    [0x32] = E1(LMSW, DF_OP16, Rw), [0x33] = E1(LMSW, DF_OP16, Rw),
    [0x34] = E1(LMSW, DF_OP16, Rw), [0x35] = E1(LMSW, DF_OP16, Rw),
    [0x36] = E1(LMSW, DF_OP16, Rw), [0x37] = E1(LMSW, DF_OP16, Rw),
    [0x38] = E0(SWAPGS, DF_ONLY64), [0x39] = E0(RDTSCP, 0),
};

/* 0F 38 xx that exist (all take ModRM, no immediate): SSSE3 00-0B, SSE4.1/4.2
 * 10-41, INVPCID 82, SHA C8-CD, GFNI CF, AES DB-DF, MOVBE/CRC32
 * F0/F1, WRSS/ADX F5/F6, MOVDIRI F8/F9. */
const uint32_t decode_0f38_valid[8] = {
    0x00000fffu | (1u << 0x10) | (1u << 0x14) | (1u << 0x15) | (1u << 0x17) |
        (1u << 0x1c) | (1u << 0x1d) | (1u << 0x1e),
    0x0000003fu | (0xfu << 8) | (0x3fu << 16) | (0x1ffu << 23),  /* 20-25 28-2B 30-35 37-3F */
    0x00000003u,                                               /* 40, 41 */
    0,
    1u << 2,                                                   /* 82: INVPCID (80/81 VMX: #UD) */
    0,
    (0x3fu << 8) | (1u << 15) | (0x1fu << 27),                 /* C8-CD, CF, DB-DF */
    (1u << 16) | (1u << 17) | (1u << 22) | (1u << 24) | (1u << 25), /* F0 F1 F6 F8 F9 */
};

/* 0F 3A xx that exist (ModRM + imm8): SSE4.1 08-0F 14-17 20-22 40-42,
 * PCLMUL 44, SSE4.2 60-63, SHA CC, GFNI CE/CF, AES DF. */
const uint32_t decode_0f3a_valid[8] = {
    0x0000ff00u | (0xfu << 20),
    0x00000007u,
    0x00000007u | (1u << 4),
    0x0000000fu,
    0, 0,
    (1u << 12) | (1u << 14) | (1u << 15) | (1u << 31),
    0,
};

/* VEX opcodes that exist, per map (0F, 0F 38, 0F 3A), whatever VEX.pp,
 * VEX.L and VEX.W say (the execution tables refine that; SDM Vol.2
 * Appendix A, "v" entries):
 *   0F:   10-17 28-2F 50-77 7C-7F AE (VLDMXCSR/VSTMXCSR) C2 C4-C6 D0-FE
 *   0F38: 00-0F 13 16-1A 1C-1E 20-25 28-2F 30-41 45-47 58-5A 78-79 8C 8E
 *         90-93 (gathers) 96-9F A6-AF B6-BF (FMA) DB-DF (AES) F2 F3 F5-F7 (BMI)
 *   0F3A: 00-02 04-06 08-0F 14-19 1D 20-22 38 39 40-42 44 (PCLMUL) 46
 *         4A-4C 60-63 DF (AES) F0 (RORX) */
const uint32_t decode_vex_valid[3][8] = {
    {
        0x00ff0000u,                                     /* 10-17 */
        0x0000ff00u,                                     /* 28-2F */
        0xffff0000u,                                     /* 50-5F */
        0x00ffffffu | (0xfu << 28),                      /* 60-77, 7C-7F */
        0,
        (1u << 14),                                      /* AE */
        (1u << 2) | (0x7u << 4) | 0xffff0000u,           /* C2, C4-C6, D0-DF */
        0x7fffffffu,                                     /* E0-FE */
    },
    {
        0x0000ffffu | (1u << 0x13) | (0x1fu << 0x16) | (0x7u << 0x1c),
        0x0000003fu | (0xffu << 8) | 0xffff0000u,        /* 20-25 28-2F 30-3F */
        0x00000003u | (0x7u << 5) | (0x7u << 0x18),      /* 40 41 45-47 58-5A */
        (0x3u << 0x18),                                  /* 78 79 */
        (1u << 0x0c) | (1u << 0x0e) | (0xfu << 0x10) | (0x3ffu << 0x16), /* 8C 8E 90-93 96-9F */
        (0x3ffu << 0x06) | (0x3ffu << 0x16),             /* A6-AF B6-BF */
        (0x1fu << 0x1b),                                 /* DB-DF */
        (0x3u << 0x12) | (0x7u << 0x15),                 /* F2 F3 F5-F7 */
    },
    {
        0x00000007u | (0x7u << 4) | (0xffu << 8) | (0x3fu << 0x14) | (1u << 0x1d),
        0x00000007u | (0x3u << 0x18),                    /* 20-22 38 39 */
        0x00000007u | (1u << 4) | (1u << 6) | (0x7u << 0x0a), /* 40-42 44 46 4A-4C */
        0x0000000fu,                                     /* 60-63 */
        0, 0,
        (1u << 0x1f),                                    /* DF */
        (1u << 0x10),                                    /* F0 */
    },
};

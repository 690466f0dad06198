/*
 * Unit tests for the x86 decoder (target/i386/decode.c) on their own:
 * hand-written operand checks, fetch limits and faults, a fuzz run, and
 * the disassembler front end.  The comparisons with capstone are in
 * test-decode-capstone.c.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target/i386/cpu.h"
#include "target/i386/disas.h"
#include "target/i386/insn.h"
#include "target/i386/decode-internal.h"

/* ------------------------------------------------------------------ */
/* Hand-written operand checks                                         */

/* "0f 1f 00" -> bytes; returns the count */
static unsigned parse_hex(const char *hex, uint8_t *b, unsigned max)
{
    unsigned n = 0;
    for (const char *p = hex; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        unsigned v;
        g_assert_true(sscanf(p, "%2x", &v) == 1);
        g_assert_cmpuint(n, <, max);
        b[n++] = v;
        p += 2;
    }
    return n;
}

static Insn dec_ok(CpuMode mode, const char *hex)
{
    uint8_t b[32];
    unsigned n = parse_hex(hex, b, sizeof(b));
    Insn in;
    int rc = decode_buf(&in, mode, b, n);
    if (rc != DECODE_OK) {
        g_test_message("decode of %s failed: %d", hex, rc);
    }
    g_assert_cmpint(rc, ==, DECODE_OK);
    g_assert_cmpuint(in.len, ==, n);
    return in;
}

static int dec_rc(CpuMode mode, const char *hex)
{
    uint8_t b[32];
    unsigned n = parse_hex(hex, b, sizeof(b));
    Insn in;
    return decode_buf(&in, mode, b, n);
}

static void test_operands(void)
{
    Insn in;

    /* mov eax, [ebx+esi*4+0x10] */
    in = dec_ok(MODE_32, "8b 44 b3 10");
    g_assert_cmpint(in.op, ==, OP_MOV);
    g_assert_cmpint(in.opsize, ==, 4);
    g_assert_cmpint(in.nr_ops, ==, 2);
    g_assert_cmpint(in.ops[0].kind, ==, OPK_REG);
    g_assert_cmpint(in.ops[0].reg, ==, R_EAX);
    g_assert_cmpint(in.ops[1].kind, ==, OPK_MEM);
    g_assert_cmpint(in.ops[1].size, ==, 4);
    g_assert_cmpint(in.mem.base, ==, R_EBX);
    g_assert_cmpint(in.mem.index, ==, R_ESI);
    g_assert_cmpint(in.mem.scale, ==, 4);
    g_assert_cmpint(in.mem.disp, ==, 0x10);
    g_assert_cmpint(in.seg, ==, R_DS);
    g_assert_cmpint(in.addrsize, ==, 4);

    /* 16-bit: mov ax, [bp+di-2] -> SS default */
    in = dec_ok(MODE_16, "8b 43 fe");
    g_assert_cmpint(in.opsize, ==, 2);
    g_assert_cmpint(in.mem.base, ==, R_EBP);
    g_assert_cmpint(in.mem.index, ==, R_EDI);
    g_assert_cmpint(in.mem.disp, ==, -2);
    g_assert_cmpint(in.seg, ==, R_SS);
    /* with ES override */
    in = dec_ok(MODE_16, "26 8b 43 fe");
    g_assert_cmpint(in.seg, ==, R_ES);
    /* [disp16] */
    in = dec_ok(MODE_16, "a1 34 12");
    g_assert_cmpint(in.ops[1].kind, ==, OPK_MEM);
    g_assert_cmpint(in.mem.disp, ==, 0x1234);
    in = dec_ok(MODE_16, "8b 1e 34 12");
    g_assert_cmpint(in.mem.base, ==, REG_NONE);
    g_assert_cmpint(in.mem.disp, ==, 0x1234);
    g_assert_cmpint(in.seg, ==, R_DS);
    /* 32-bit [esp+8] and [ebp-4] default to SS */
    in = dec_ok(MODE_32, "8b 44 24 08");
    g_assert_cmpint(in.mem.base, ==, R_ESP);
    g_assert_cmpint(in.mem.index, ==, REG_NONE);
    g_assert_cmpint(in.seg, ==, R_SS);
    in = dec_ok(MODE_32, "8b 45 fc");
    g_assert_cmpint(in.seg, ==, R_SS);
    g_assert_cmpint(in.mem.disp, ==, -4);
    /* 67 in 32-bit mode: 16-bit addressing */
    in = dec_ok(MODE_32, "67 8b 07");
    g_assert_cmpint(in.addrsize, ==, 2);
    g_assert_cmpint(in.mem.base, ==, R_EBX);

    /* RIP-relative: mov rax, [rip+0x100] */
    in = dec_ok(MODE_64, "48 8b 05 00 01 00 00");
    g_assert_cmpint(in.opsize, ==, 8);
    g_assert_true(in.mem.rip_rel);
    g_assert_cmpint(in.mem.base, ==, REG_NONE);
    g_assert_cmpint(in.mem.disp, ==, 0x100);
    /* 64-bit: SIB with no base: [rcx*8+0x1000] is absolute, not RIP */
    in = dec_ok(MODE_64, "8b 04 cd 00 10 00 00");
    g_assert_false(in.mem.rip_rel);
    g_assert_cmpint(in.mem.index, ==, R_ECX);
    g_assert_cmpint(in.mem.scale, ==, 8);

    /* REX.R/B: mov r9, [r13+0] ; R13 base is DS (not SS) */
    in = dec_ok(MODE_64, "4d 8b 4d 00");
    g_assert_cmpint(in.ops[0].reg, ==, 9);
    g_assert_cmpint(in.mem.base, ==, 13);
    g_assert_cmpint(in.seg, ==, R_DS);
    /* REX.X: [rax+r12*2] */
    in = dec_ok(MODE_64, "42 8b 04 60");
    g_assert_cmpint(in.mem.index, ==, 12);
    g_assert_cmpint(in.mem.scale, ==, 2);
    /* 64-bit ES/CS/SS/DS overrides are no-ops */
    in = dec_ok(MODE_64, "26 8b 45 00");
    g_assert_cmpint(in.seg, ==, R_SS);
    in = dec_ok(MODE_64, "64 8b 00");
    g_assert_cmpint(in.seg, ==, R_FS);
    /* REX followed by a legacy prefix is ignored: 48 66 89 c0 = mov ax, ax */
    in = dec_ok(MODE_64, "48 66 89 c0");
    g_assert_cmpint(in.opsize, ==, 2);
    g_assert_cmpint(in.rex, ==, 0);

    /* AH vs SPL */
    in = dec_ok(MODE_64, "88 e0");           /* mov al, ah */
    g_assert_cmpint(in.ops[1].kind, ==, OPK_REG8H);
    g_assert_cmpint(in.ops[1].reg, ==, 0);
    in = dec_ok(MODE_64, "40 88 e0");        /* mov al, spl */
    g_assert_cmpint(in.ops[1].kind, ==, OPK_REG);
    g_assert_cmpint(in.ops[1].reg, ==, R_ESP);
    g_assert_cmpint(in.ops[1].size, ==, 1);
    in = dec_ok(MODE_32, "b7 12");           /* mov bh, 0x12 */
    g_assert_cmpint(in.ops[0].kind, ==, OPK_REG8H);
    g_assert_cmpint(in.ops[0].reg, ==, 3);

    /* movzx ax, al: opsize 2, source size 1 */
    in = dec_ok(MODE_32, "66 0f b6 c0");
    g_assert_cmpint(in.op, ==, OP_MOVZX);
    g_assert_cmpint(in.opsize, ==, 2);
    g_assert_cmpint(in.ops[0].size, ==, 2);
    g_assert_cmpint(in.ops[1].size, ==, 1);
    /* movsx rax, word [rbx] */
    in = dec_ok(MODE_64, "48 0f bf 03");
    g_assert_cmpint(in.op, ==, OP_MOVSX);
    g_assert_cmpint(in.ops[0].size, ==, 8);
    g_assert_cmpint(in.ops[1].size, ==, 2);
    /* movsxd rax, ecx ; in 32-bit mode 63 is ARPL */
    in = dec_ok(MODE_64, "48 63 c1");
    g_assert_cmpint(in.op, ==, OP_MOVSX);
    g_assert_cmpint(in.ops[1].size, ==, 4);
    in = dec_ok(MODE_32, "63 c1");
    g_assert_cmpint(in.op, ==, OP_ARPL);

    /* 83 /0 sign-extends: add rax, -1 */
    in = dec_ok(MODE_64, "48 83 c0 ff");
    g_assert_cmpint(in.op, ==, OP_ADD);
    g_assert_cmpint(in.ops[1].kind, ==, OPK_IMM);
    g_assert_cmpint(in.imm, ==, -1);
    /* 81 with REX.W: imm32 sign-extended */
    in = dec_ok(MODE_64, "48 81 c0 00 00 00 80");
    g_assert_cmpint(in.imm, ==, (int64_t)0xffffffff80000000ll);
    /* 16-bit Iz */
    in = dec_ok(MODE_16, "05 34 12");
    g_assert_cmpint(in.imm & 0xffff, ==, 0x1234);
    /* mov r64, imm64 */
    in = dec_ok(MODE_64, "48 b8 88 77 66 55 44 33 22 11");
    g_assert_cmpint(in.imm, ==, 0x1122334455667788ll);
    g_assert_cmpint(in.opsize, ==, 8);
    /* mov r10d, imm32 */
    in = dec_ok(MODE_64, "41 ba 01 00 00 00");
    g_assert_cmpint(in.ops[0].reg, ==, 10);
    g_assert_cmpint(in.opsize, ==, 4);

    /* moffs: 64-bit mode has an 8-byte offset, 4 with 67 */
    in = dec_ok(MODE_64, "a1 88 77 66 55 44 33 22 11");
    g_assert_cmpint(in.op, ==, OP_MOV);
    g_assert_cmpint(in.ops[1].kind, ==, OPK_MEM);
    g_assert_cmpint(in.mem.disp, ==, 0x1122334455667788ll);
    g_assert_cmpint(in.mem.base, ==, REG_NONE);
    g_assert_cmpint(in.seg, ==, R_DS);
    in = dec_ok(MODE_64, "67 a2 44 33 22 11");
    g_assert_cmpint(in.ops[0].kind, ==, OPK_MEM);
    g_assert_cmpint(in.ops[0].size, ==, 1);
    g_assert_cmpint(in.mem.disp, ==, 0x11223344);

    /* far jmp ptr16:32 and ptr16:16 */
    in = dec_ok(MODE_32, "ea 78 56 34 12 08 00");
    g_assert_cmpint(in.op, ==, OP_JMPF);
    g_assert_cmpint(in.imm, ==, 0x12345678);
    g_assert_cmpint(in.imm2, ==, 8);
    in = dec_ok(MODE_16, "ea 00 7c 00 00");
    g_assert_cmpint(in.imm, ==, 0x7c00);
    g_assert_cmpint(in.imm2, ==, 0);
    g_assert_cmpint(dec_rc(MODE_64, "ea 00 00 00 00 08 00"), ==, DECODE_UD);
    /* jmp far [rax] with REX.W: m16:64 */
    in = dec_ok(MODE_64, "48 ff 28");
    g_assert_cmpint(in.op, ==, OP_JMPF);
    g_assert_cmpint(in.ops[0].size, ==, 8);
    g_assert_cmpint(dec_rc(MODE_64, "ff e8"), ==, DECODE_UD);   /* mod=3 */

    /* ENTER, RET imm, INT */
    in = dec_ok(MODE_32, "c8 10 00 02");
    g_assert_cmpint(in.op, ==, OP_ENTER);
    g_assert_cmpint(in.imm, ==, 16);
    g_assert_cmpint(in.imm2, ==, 2);
    in = dec_ok(MODE_64, "c2 08 00");
    g_assert_cmpint(in.op, ==, OP_RET);
    g_assert_cmpint(in.imm, ==, 8);
    g_assert_cmpint(in.opsize, ==, 8);
    in = dec_ok(MODE_16, "cd 21");
    g_assert_cmpint(in.imm, ==, 0x21);

    /* branches: rel sign-extended, f64 in long mode */
    in = dec_ok(MODE_64, "74 fe");
    g_assert_cmpint(in.op, ==, OP_JCC);
    g_assert_cmpint(in.cond, ==, 4);
    g_assert_cmpint(in.imm, ==, -2);
    in = dec_ok(MODE_64, "66 e8 00 00 00 00");  /* Intel: 66 ignored, rel32 */
    g_assert_cmpint(in.opsize, ==, 8);
    in = dec_ok(MODE_32, "66 e8 00 01");        /* rel16 in 32-bit mode */
    g_assert_cmpint(in.opsize, ==, 2);
    g_assert_cmpint(in.imm, ==, 0x100);
    in = dec_ok(MODE_64, "0f 8f 00 00 00 80");
    g_assert_cmpint(in.cond, ==, 0xf);
    g_assert_cmpint(in.imm, ==, (int64_t)0xffffffff80000000ll);
    in = dec_ok(MODE_64, "ff d0");              /* call rax */
    g_assert_cmpint(in.op, ==, OP_CALL);
    g_assert_cmpint(in.ops[0].kind, ==, OPK_REG);
    g_assert_cmpint(in.opsize, ==, 8);
    in = dec_ok(MODE_64, "e3 05");              /* jrcxz */
    g_assert_cmpint(in.op, ==, OP_JCXZ);
    g_assert_cmpint(in.addrsize, ==, 8);

    /* push/pop default 64 */
    in = dec_ok(MODE_64, "41 50");
    g_assert_cmpint(in.op, ==, OP_PUSH);
    g_assert_cmpint(in.opsize, ==, 8);
    g_assert_cmpint(in.ops[0].reg, ==, 8);
    in = dec_ok(MODE_64, "66 50");
    g_assert_cmpint(in.opsize, ==, 2);
    in = dec_ok(MODE_64, "6a ff");
    g_assert_cmpint(in.imm, ==, -1);
    g_assert_cmpint(in.opsize, ==, 8);
    in = dec_ok(MODE_64, "0f a0");
    g_assert_cmpint(in.op, ==, OP_PUSH_SEG);
    g_assert_cmpint(in.ops[0].kind, ==, OPK_SREG);
    g_assert_cmpint(in.ops[0].reg, ==, R_FS);
    g_assert_cmpint(dec_rc(MODE_64, "06"), ==, DECODE_UD);
    in = dec_ok(MODE_32, "1f");
    g_assert_cmpint(in.op, ==, OP_POP_SEG);
    g_assert_cmpint(in.ops[0].reg, ==, R_DS);

    /* shifts */
    in = dec_ok(MODE_32, "d3 e0");              /* shl eax, cl */
    g_assert_cmpint(in.op, ==, OP_SHL);
    g_assert_cmpint(in.ops[1].kind, ==, OPK_REG);
    g_assert_cmpint(in.ops[1].reg, ==, R_ECX);
    g_assert_cmpint(in.ops[1].size, ==, 1);
    in = dec_ok(MODE_32, "d1 f8");              /* sar eax, 1 */
    g_assert_cmpint(in.op, ==, OP_SAR);
    g_assert_cmpint(in.ops[1].kind, ==, OPK_IMM);
    g_assert_cmpint(in.imm, ==, 1);
    in = dec_ok(MODE_32, "c1 e8 04");
    g_assert_cmpint(in.op, ==, OP_SHR);
    g_assert_cmpint(in.imm, ==, 4);
    in = dec_ok(MODE_32, "0f a4 d8 03");        /* shld eax, ebx, 3 */
    g_assert_cmpint(in.op, ==, OP_SHLD);
    g_assert_cmpint(in.nr_ops, ==, 3);
    g_assert_cmpint(in.ops[1].reg, ==, R_EBX);

    /* IN/OUT */
    in = dec_ok(MODE_32, "e4 60");
    g_assert_cmpint(in.op, ==, OP_IN);
    g_assert_cmpint(in.opsize, ==, 1);
    g_assert_cmpint(in.imm, ==, 0x60);
    in = dec_ok(MODE_64, "48 ed");              /* in eax, dx: REX.W ignored */
    g_assert_cmpint(in.opsize, ==, 4);
    g_assert_cmpint(in.ops[1].kind, ==, OPK_REG);
    g_assert_cmpint(in.ops[1].reg, ==, R_EDX);
    g_assert_cmpint(in.ops[1].size, ==, 2);
    in = dec_ok(MODE_16, "e6 80");
    g_assert_cmpint(in.op, ==, OP_OUT);
    g_assert_cmpint(in.ops[0].kind, ==, OPK_IMM);
    g_assert_cmpint(in.ops[1].reg, ==, R_EAX);

    /* strings: seg = source segment */
    in = dec_ok(MODE_32, "f3 a5");
    g_assert_cmpint(in.op, ==, OP_MOVS);
    g_assert_cmpint(in.opsize, ==, 4);
    g_assert_true(in.prefix & PFX_REP);
    g_assert_cmpint(in.seg, ==, R_DS);
    in = dec_ok(MODE_32, "2e f3 a4");
    g_assert_cmpint(in.seg, ==, R_CS);
    g_assert_cmpint(in.opsize, ==, 1);
    in = dec_ok(MODE_64, "f3 48 ab");
    g_assert_cmpint(in.op, ==, OP_STOS);
    g_assert_cmpint(in.opsize, ==, 8);

    /* NOP / PAUSE / XCHG */
    g_assert_cmpint(dec_ok(MODE_64, "90").op, ==, OP_NOP);
    g_assert_cmpint(dec_ok(MODE_64, "f3 90").op, ==, OP_PAUSE);
    in = dec_ok(MODE_64, "41 90");
    g_assert_cmpint(in.op, ==, OP_XCHG);
    g_assert_cmpint(in.ops[1].reg, ==, 8);
    g_assert_cmpint(dec_ok(MODE_64, "0f 1f 44 00 00").op, ==, OP_NOP);
    g_assert_cmpint(dec_ok(MODE_64, "f3 0f 1e fa").op, ==, OP_NOP);

    /* control/debug/segment registers */
    in = dec_ok(MODE_64, "0f 20 d8");           /* mov rax, cr3 */
    g_assert_cmpint(in.op, ==, OP_MOV_CR);
    g_assert_cmpint(in.ops[0].kind, ==, OPK_REG);
    g_assert_cmpint(in.ops[0].size, ==, 8);
    g_assert_cmpint(in.ops[1].kind, ==, OPK_CREG);
    g_assert_cmpint(in.ops[1].reg, ==, 3);
    in = dec_ok(MODE_32, "0f 22 c0");           /* mov cr0, eax */
    g_assert_cmpint(in.ops[0].kind, ==, OPK_CREG);
    g_assert_cmpint(in.ops[1].size, ==, 4);
    in = dec_ok(MODE_64, "44 0f 22 c0");        /* mov cr8, rax */
    g_assert_cmpint(in.ops[0].reg, ==, 8);
    g_assert_cmpint(dec_rc(MODE_32, "0f 20 e8"), ==, DECODE_UD);  /* cr5 */
    in = dec_ok(MODE_32, "0f 23 f8");           /* mov dr7, eax */
    g_assert_cmpint(in.op, ==, OP_MOV_DR);
    g_assert_cmpint(in.ops[0].kind, ==, OPK_DREG);
    g_assert_cmpint(in.ops[0].reg, ==, 7);
    in = dec_ok(MODE_16, "8e d8");              /* mov ds, ax */
    g_assert_cmpint(in.op, ==, OP_MOV_SEG);
    g_assert_cmpint(in.ops[0].kind, ==, OPK_SREG);
    g_assert_cmpint(in.ops[0].reg, ==, R_DS);
    g_assert_cmpint(dec_rc(MODE_16, "8e c8"), ==, DECODE_UD);     /* mov cs */
    in = dec_ok(MODE_32, "8c 08");              /* mov [eax], cs: 16-bit store */
    g_assert_cmpint(in.op, ==, OP_MOV);
    g_assert_cmpint(in.ops[0].size, ==, 2);
    g_assert_cmpint(in.ops[1].kind, ==, OPK_SREG);
    g_assert_cmpint(in.ops[1].reg, ==, R_CS);

    /* memory-only forms reject mod=3 */
    g_assert_cmpint(dec_rc(MODE_32, "8d c0"), ==, DECODE_UD);     /* lea eax, eax */
    g_assert_cmpint(dec_rc(MODE_32, "0f b2 c0"), ==, DECODE_UD);  /* lss */
    g_assert_cmpint(dec_rc(MODE_64, "0f c7 c8"), ==, DECODE_UD);  /* cmpxchg8b reg */
    in = dec_ok(MODE_64, "48 0f c7 0f");        /* cmpxchg16b [rdi] */
    g_assert_cmpint(in.op, ==, OP_CMPXCHG8B);
    g_assert_cmpint(in.ops[0].size, ==, 16);
    in = dec_ok(MODE_64, "0f 01 10");           /* lgdt [rax] */
    g_assert_cmpint(in.op, ==, OP_LGDT);
    g_assert_cmpint(in.opsize, ==, 8);
    g_assert_cmpint(dec_ok(MODE_64, "0f 01 f8").op, ==, OP_SWAPGS);
    g_assert_cmpint(dec_rc(MODE_32, "0f 01 f8"), ==, DECODE_UD);
    g_assert_cmpint(dec_ok(MODE_64, "0f 01 f9").op, ==, OP_RDTSCP);
    g_assert_cmpint(dec_ok(MODE_32, "0f 01 c8").op, ==, OP_MONITOR);
    g_assert_cmpint(dec_ok(MODE_64, "0f ae e8").op, ==, OP_LFENCE);
    g_assert_cmpint(dec_ok(MODE_64, "0f ae 38").op, ==, OP_CLFLUSH);
    g_assert_cmpint(dec_ok(MODE_64, "f3 48 0f ae c0").op, ==, OP_RDFSBASE);
    g_assert_cmpint(dec_ok(MODE_64, "f3 0f c7 f8").op, ==, OP_RDPID);
    in = dec_ok(MODE_32, "0f ba e0 05");        /* bt eax, 5 */
    g_assert_cmpint(in.op, ==, OP_BT);
    g_assert_cmpint(in.imm, ==, 5);
    in = dec_ok(MODE_32, "0f 94 c0");           /* sete al */
    g_assert_cmpint(in.op, ==, OP_SETCC);
    g_assert_cmpint(in.cond, ==, 4);
    g_assert_cmpint(in.ops[0].size, ==, 1);
    in = dec_ok(MODE_64, "48 0f 4c c1");        /* cmovl rax, rcx */
    g_assert_cmpint(in.op, ==, OP_CMOV);
    g_assert_cmpint(in.cond, ==, 0xc);
    in = dec_ok(MODE_32, "6b c0 fe");           /* imul eax, eax, -2 */
    g_assert_cmpint(in.op, ==, OP_IMUL);
    g_assert_cmpint(in.nr_ops, ==, 3);
    g_assert_cmpint(in.imm, ==, -2);
    in = dec_ok(MODE_32, "f7 e3");              /* mul ebx */
    g_assert_cmpint(in.op, ==, OP_MUL);
    g_assert_cmpint(in.nr_ops, ==, 1);
    in = dec_ok(MODE_32, "f6 c4 01");           /* test ah, 1 */
    g_assert_cmpint(in.op, ==, OP_TEST);
    g_assert_cmpint(in.ops[0].kind, ==, OPK_REG8H);

    /* invalid in 64-bit mode, valid elsewhere */
    g_assert_cmpint(dec_rc(MODE_64, "27"), ==, DECODE_UD);
    g_assert_cmpint(dec_ok(MODE_32, "27").op, ==, OP_DAA);
    g_assert_cmpint(dec_rc(MODE_64, "82 c0 01"), ==, DECODE_UD);
    g_assert_cmpint(dec_ok(MODE_32, "60").op, ==, OP_PUSHA);
    g_assert_cmpint(dec_ok(MODE_32, "40").op, ==, OP_INC);

    /* LOCK rules */
    g_assert_cmpint(dec_ok(MODE_64, "f0 48 0f b1 0a").op, ==, OP_CMPXCHG);
    g_assert_cmpint(dec_rc(MODE_64, "f0 01 c0"), ==, DECODE_UD);  /* register dest */
    g_assert_cmpint(dec_rc(MODE_64, "f0 8b 00"), ==, DECODE_UD);  /* mov */

    /* VEX: length only; LES/LDS outside 64-bit mode when mod != 3 */
    in = dec_ok(MODE_64, "c5 f8 77");           /* vzeroupper */
    g_assert_cmpint(in.op, ==, OP_SSE);
    in = dec_ok(MODE_64, "c4 e3 79 0f c1 08");  /* vpalignr: imm8 */
    g_assert_cmpint(in.op, ==, OP_SSE);
    in = dec_ok(MODE_32, "c5 f9 6f 44 24 10");  /* vmovdqa xmm0, [esp+16] */
    g_assert_cmpint(in.op, ==, OP_SSE);
    in = dec_ok(MODE_32, "c4 06");              /* les eax, [esi] */
    g_assert_cmpint(in.op, ==, OP_LES);
    in = dec_ok(MODE_16, "c5 36 00 7c");        /* lds si, [0x7c00] */
    g_assert_cmpint(in.op, ==, OP_LDS);
    g_assert_cmpint(in.ops[1].size, ==, 2);
    in = dec_ok(MODE_64, "66 0f 3a 0f c1 08");  /* palignr */
    g_assert_cmpint(in.op, ==, OP_SSE);
    in = dec_ok(MODE_64, "dd 44 24 08");        /* fld qword [rsp+8] */
    g_assert_cmpint(in.op, ==, OP_FPU);
}

/* ------------------------------------------------------------------ */
/* Limits, faults, fuzz                                                */

typedef struct FetchCtx {
    const uint8_t *buf;
    unsigned limit;   /* first offset that faults */
    unsigned max_seen;
} FetchCtx;

static int fetch_cb(void *opaque, unsigned i)
{
    FetchCtx *c = opaque;
    if (i + 1 > c->max_seen) {
        c->max_seen = i + 1;
    }
    return i < c->limit ? c->buf[i] : -1;
}

static void test_limits(void)
{
    uint8_t b[32];
    Insn in;

    /* 15 bytes is fine: 14 prefixes + nop */
    memset(b, 0x66, 14);
    b[14] = 0x90;
    g_assert_cmpint(decode_buf(&in, MODE_32, b, 15), ==, DECODE_OK);
    g_assert_cmpint(in.len, ==, 15);
    /* 15 prefixes + nop: too long */
    memset(b, 0x66, 15);
    b[15] = 0x90;
    g_assert_cmpint(decode_buf(&in, MODE_32, b, 16), ==, DECODE_TOO_LONG);
    memset(b, 0x2e, 20);
    g_assert_cmpint(decode_buf(&in, MODE_64, b, 20), ==, DECODE_TOO_LONG);
    /* long instruction over 15: 8 prefixes + mov rax, imm64 (10 bytes) */
    memset(b, 0x3e, 8);
    memcpy(b + 8, "\x48\xb8\x01\x02\x03\x04\x05\x06\x07\x08", 10);
    g_assert_cmpint(decode_buf(&in, MODE_64, b, 18), ==, DECODE_TOO_LONG);

    /* fetch fault in the middle: mov eax, [ebx+esi*4+0x10] cut short */
    static const uint8_t mov[] = { 0x8b, 0x44, 0xb3, 0x10 };
    for (unsigned lim = 0; lim < sizeof(mov); lim++) {
        FetchCtx c = { mov, lim, 0 };
        g_assert_cmpint(decode_insn(&in, MODE_32, fetch_cb, &c), ==, DECODE_FETCH_FAULT);
        g_assert_cmpuint(c.max_seen, <=, lim + 1);
        g_assert_cmpint(decode_buf(&in, MODE_32, mov, lim), ==, DECODE_FETCH_FAULT);
    }
    FetchCtx c = { mov, 4, 0 };
    g_assert_cmpint(decode_insn(&in, MODE_32, fetch_cb, &c), ==, DECODE_OK);
    g_assert_cmpint(in.len, ==, 4);
    g_assert_cmpint(c.max_seen, ==, 4);
    g_assert_cmpint(decode_buf(&in, MODE_32, NULL, 0), ==, DECODE_FETCH_FAULT);
}

static void test_fuzz(void)
{
    static const CpuMode modes[] = { MODE_16, MODE_32, MODE_64 };
    GRand *r = g_rand_new_with_seed(0x8086);
    unsigned long n = g_test_slow() ? 3000000 : 1000000;
    unsigned long ok = 0, ud = 0, tl = 0;
    for (unsigned long i = 0; i < n; i++) {
        uint8_t b[15];
        for (unsigned k = 0; k < 15; k++) {
            b[k] = g_rand_int(r);
        }
        /* bias toward prefixes so the limit paths get exercised */
        if ((i & 7) == 0) {
            for (unsigned k = 0; k < 8; k++) {
                static const uint8_t p[] = { 0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x48, 0x64 };
                b[k] = p[g_rand_int_range(r, 0, 8)];
            }
        }
        Insn in;
        CpuMode mode = modes[i % 3];
        FetchCtx c = { b, 15, 0 };
        int rc = decode_insn(&in, mode, fetch_cb, &c);
        g_assert_cmpuint(in.len, <=, 15);
        g_assert_cmpuint(c.max_seen, <=, 15);
        g_assert_cmpuint(in.op, <, OP_NB);
        if (rc == DECODE_OK) {
            g_assert_cmpuint(in.len, >=, 1);
            /* never fetch past the end: a spurious #PF on the next page
             * would be a guest-visible bug */
            g_assert_cmpuint(c.max_seen, ==, in.len);
            g_assert_cmpuint(in.nr_ops, <=, 3);
            ok++;
        } else if (rc == DECODE_UD) {
            ud++;
        } else {
            g_assert_cmpint(rc, ==, DECODE_TOO_LONG);
            tl++;
        }
        /* the same bytes through decode_buf with a truncated buffer */
        unsigned cut = g_rand_int_range(r, 0, 16);
        Insn in2;
        int rc2 = decode_buf(&in2, mode, b, cut);
        g_assert_cmpuint(in2.len, <=, cut);
        if (rc2 == DECODE_OK) {
            g_assert_cmpint(rc, ==, DECODE_OK);
            g_assert_cmpuint(in2.len, ==, in.len);
        }
    }
    printf("# fuzz: %lu buffers: %lu ok, %lu #UD, %lu too long\n", n, ok, ud, tl);
    g_rand_free(r);
}

static void test_disas(void)
{
    char out[128];
    static const uint8_t code[] = { 0x48, 0x89, 0xe5, 0xc3 };
    int n = disas_insn(MODE_64, 0x1000, code, sizeof(code), out, sizeof(out));
    g_assert_cmpint(n, ==, 3);
    g_assert_cmpstr(out, ==, "mov rbp, rsp");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    disas_block_log(f, MODE_64, 0xffffffff81000000ull, code, sizeof(code));
    fclose(f);
    g_assert_nonnull(strstr(buf, "0xffffffff81000000:  mov rbp, rsp\n"));
    g_assert_nonnull(strstr(buf, "0xffffffff81000003:  ret"));
    free(buf);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/decode/operands", test_operands);
    g_test_add_func("/decode/limits", test_limits);
    g_test_add_func("/decode/disas", test_disas);
    g_test_add_func("/decode/fuzz", test_fuzz);
    return g_test_run();
}

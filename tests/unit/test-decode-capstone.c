/*
 * The x86 decoder (target/i386/decode.c) against capstone.
 *
 *  1. corpus agreement: linear sweeps over real code (the .text of
 *     /bin/busybox in 64-bit mode, a 32-bit i386 ELF if the machine has
 *     one, and the same bytes read as 16-bit code): where both decoders
 *     accept an instruction the lengths must agree and the mnemonic class
 *     must agree for the integer operations emu86 implements;
 *  2. a sweep over every opcode of the one-byte, 0F, 0F38 and 0F3A maps
 *     with each ModRM.reg/mod, with and without 66/67/REX, and over every
 *     VEX opcode;
 *  3. random byte streams, and nasm's encodings of hand-written lines.
 * Differences that are capstone 4 bugs are listed in cs_known_bug() with
 * the SDM's answer.  Decoder checks that need no second opinion are in
 * test-decode.c.
 */
#include <capstone/capstone.h>
#include <elf.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "target/i386/cpu.h"
#include "target/i386/disas.h"
#include "target/i386/insn.h"
#include "target/i386/decode-internal.h"

/* ------------------------------------------------------------------ */
/* capstone helpers                                                    */

static csh cs_handle(CpuMode mode)
{
    static csh h[3];
    static bool opened[3];
    int i = mode == MODE_16 ? 0 : mode == MODE_32 ? 1 : 2;
    if (!opened[i]) {
        cs_mode cm = mode == MODE_16 ? CS_MODE_16 : mode == MODE_32 ? CS_MODE_32 : CS_MODE_64;
        g_assert_cmpint(cs_open(CS_ARCH_X86, cm, &h[i]), ==, CS_ERR_OK);
        opened[i] = true;
    }
    return h[i];
}

/* Decode one instruction with capstone: length or 0; mnemonic copied. */
static int cs_decode(CpuMode mode, const uint8_t *buf, unsigned len, char *mn, size_t mnlen,
                     char *opstr, size_t oplen)
{
    static cs_insn *ci[3];
    int i = mode == MODE_16 ? 0 : mode == MODE_32 ? 1 : 2;
    csh h = cs_handle(mode);
    if (!ci[i]) {
        ci[i] = cs_malloc(h);
    }
    const uint8_t *p = buf;
    size_t sz = len > 15 ? 15 : len;
    uint64_t addr = 0x1000;
    if (!cs_disasm_iter(h, &p, &sz, &addr, ci[i])) {
        return 0;
    }
    if (mn) {
        snprintf(mn, mnlen, "%s", ci[i]->mnemonic);
    }
    if (opstr) {
        snprintf(opstr, oplen, "%s", ci[i]->op_str);
    }
    return ci[i]->size;
}

/* The operation a capstone mnemonic stands for, for the integer set emu86
 * implements; -1 for everything else (x87, SSE, VMX, ...). */
static int cs_class(const char *mnem)
{
    /* capstone 4 puts REP/LOCK and friends into the mnemonic */
    const char *sp;
    while ((sp = strchr(mnem, ' ')) != NULL) {
        mnem = sp + 1;
    }
    static const struct { const char *name; int op; } tab[] = {
        { "add", OP_ADD }, { "or", OP_OR }, { "adc", OP_ADC }, { "sbb", OP_SBB },
        { "and", OP_AND }, { "sub", OP_SUB }, { "xor", OP_XOR }, { "cmp", OP_CMP },
        { "test", OP_TEST }, { "inc", OP_INC }, { "dec", OP_DEC }, { "neg", OP_NEG },
        { "not", OP_NOT }, { "mul", OP_MUL }, { "imul", OP_IMUL }, { "div", OP_DIV },
        { "idiv", OP_IDIV }, { "rol", OP_ROL }, { "ror", OP_ROR }, { "rcl", OP_RCL },
        { "rcr", OP_RCR }, { "shl", OP_SHL }, { "sal", OP_SHL }, { "shr", OP_SHR },
        { "sar", OP_SAR }, { "shld", OP_SHLD }, { "shrd", OP_SHRD },
        { "daa", OP_DAA }, { "das", OP_DAS }, { "aaa", OP_AAA }, { "aas", OP_AAS },
        { "aam", OP_AAM }, { "aad", OP_AAD }, { "salc", OP_SALC },
        { "bt", OP_BT }, { "bts", OP_BTS }, { "btr", OP_BTR }, { "btc", OP_BTC },
        { "bsf", OP_BSF }, { "bsr", OP_BSR }, { "tzcnt", OP_TZCNT }, { "lzcnt", OP_LZCNT },
        { "adcx", OP_ADCX }, { "adox", OP_ADOX },
        { "bswap", OP_BSWAP }, { "mov", OP_MOV }, { "movabs", OP_MOV },
        { "movzx", OP_MOVZX }, { "movsx", OP_MOVSX }, { "movsxd", OP_MOVSX },
        { "lea", OP_LEA }, { "xchg", OP_XCHG }, { "xadd", OP_XADD },
        { "cmpxchg", OP_CMPXCHG }, { "cmpxchg8b", OP_CMPXCHG8B }, { "cmpxchg16b", OP_CMPXCHG8B },
        { "cbw", OP_CBW }, { "cwde", OP_CBW }, { "cdqe", OP_CBW },
        { "cwd", OP_CWD }, { "cdq", OP_CWD }, { "cqo", OP_CWD },
        { "xlatb", OP_XLAT }, { "xlat", OP_XLAT }, { "pushad", OP_PUSHA },
        { "popad", OP_POPA }, { "pushfw", OP_PUSHF }, { "popfw", OP_POPF }, { "lahf", OP_LAHF }, { "sahf", OP_SAHF },
        { "nop", OP_NOP }, { "endbr64", OP_NOP }, { "endbr32", OP_NOP },
        { "rdsspd", OP_NOP }, { "rdsspq", OP_NOP }, { "pause", OP_PAUSE },
        { "push", OP_PUSH }, { "pop", OP_POP },
        { "pusha", OP_PUSHA }, { "pushal", OP_PUSHA }, { "pushaw", OP_PUSHA },
        { "popa", OP_POPA }, { "popal", OP_POPA }, { "popaw", OP_POPA },
        { "pushf", OP_PUSHF }, { "pushfd", OP_PUSHF }, { "pushfq", OP_PUSHF },
        { "popf", OP_POPF }, { "popfd", OP_POPF }, { "popfq", OP_POPF },
        { "enter", OP_ENTER }, { "leave", OP_LEAVE },
        { "jmp", OP_JMP }, { "call", OP_CALL }, { "ret", OP_RET },
        { "loop", OP_LOOP }, { "loope", OP_LOOPE }, { "loopne", OP_LOOPNE },
        { "jcxz", OP_JCXZ }, { "jecxz", OP_JCXZ }, { "jrcxz", OP_JCXZ },
        { "clc", OP_CLC }, { "stc", OP_STC }, { "cmc", OP_CMC }, { "cld", OP_CLD },
        { "std", OP_STD }, { "cli", OP_CLI }, { "sti", OP_STI },
        { "movsb", OP_MOVS }, { "movsw", OP_MOVS }, { "movsd", OP_MOVS }, { "movsq", OP_MOVS },
        { "cmpsb", OP_CMPS }, { "cmpsw", OP_CMPS }, { "cmpsd", OP_CMPS }, { "cmpsq", OP_CMPS },
        { "stosb", OP_STOS }, { "stosw", OP_STOS }, { "stosd", OP_STOS }, { "stosq", OP_STOS },
        { "lodsb", OP_LODS }, { "lodsw", OP_LODS }, { "lodsd", OP_LODS }, { "lodsq", OP_LODS },
        { "scasb", OP_SCAS }, { "scasw", OP_SCAS }, { "scasd", OP_SCAS }, { "scasq", OP_SCAS },
        { "insb", OP_INS }, { "insw", OP_INS }, { "insd", OP_INS },
        { "outsb", OP_OUTS }, { "outsw", OP_OUTS }, { "outsd", OP_OUTS },
        { "in", OP_IN }, { "out", OP_OUT }, { "cpuid", OP_CPUID }, { "rdtsc", OP_RDTSC },
        { "rdtscp", OP_RDTSCP }, { "ud2", OP_UD }, { "ud1", OP_UD }, { "ud0", OP_UD },
        { "ud2b", OP_UD }, { "bound", OP_BOUND }, { "int3", OP_INT3 }, { "int", OP_INT },
        { "into", OP_INTO }, { "int1", OP_INT1 }, { "icebp", OP_INT1 },
        { "lfence", OP_LFENCE }, { "mfence", OP_MFENCE }, { "sfence", OP_SFENCE },
        { "clflush", OP_CLFLUSH }, { "clflushopt", OP_CLFLUSH }, { "clwb", OP_CLWB },
        { "invpcid", OP_INVPCID }, { "clac", OP_CLAC }, { "stac", OP_STAC },
        { "prefetch", OP_PREFETCH }, { "prefetchw", OP_PREFETCH }, { "prefetchwt1", OP_PREFETCH },
        { "prefetchnta", OP_PREFETCH }, { "prefetcht0", OP_PREFETCH },
        { "prefetcht1", OP_PREFETCH }, { "prefetcht2", OP_PREFETCH },
        { "rdpid", OP_RDPID }, { "rdrand", OP_RDRAND }, { "rdseed", OP_RDSEED }, { "ljmp", OP_JMPF }, { "lcall", OP_CALLF },
        { "retf", OP_RETF }, { "lret", OP_RETF }, { "retfq", OP_RETF },
        { "iret", OP_IRET }, { "iretd", OP_IRET }, { "iretq", OP_IRET },
        { "lds", OP_LDS }, { "les", OP_LES }, { "lss", OP_LSS }, { "lfs", OP_LFS },
        { "lgs", OP_LGS }, { "hlt", OP_HLT }, { "lgdt", OP_LGDT }, { "lidt", OP_LIDT },
        { "sgdt", OP_SGDT }, { "sidt", OP_SIDT }, { "lldt", OP_LLDT }, { "sldt", OP_SLDT },
        { "ltr", OP_LTR }, { "str", OP_STR }, { "lmsw", OP_LMSW }, { "smsw", OP_SMSW },
        { "clts", OP_CLTS }, { "invlpg", OP_INVLPG }, { "invd", OP_INVD },
        { "wbinvd", OP_WBINVD }, { "rdmsr", OP_RDMSR }, { "wrmsr", OP_WRMSR },
        { "rdpmc", OP_RDPMC }, { "lar", OP_LAR }, { "lsl", OP_LSL }, { "verr", OP_VERR },
        { "verw", OP_VERW }, { "arpl", OP_ARPL }, { "syscall", OP_SYSCALL },
        { "sysret", OP_SYSRET }, { "sysretq", OP_SYSRET }, { "sysenter", OP_SYSENTER },
        { "sysexit", OP_SYSEXIT }, { "sysexitq", OP_SYSEXIT }, { "swapgs", OP_SWAPGS },
        { "rdfsbase", OP_RDFSBASE }, { "rdgsbase", OP_RDGSBASE },
        { "wrfsbase", OP_WRFSBASE }, { "wrgsbase", OP_WRGSBASE },
        { "monitor", OP_MONITOR }, { "mwait", OP_MWAIT },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(tab); i++) {
        if (!strcmp(tab[i].name, mnem)) {
            return tab[i].op;
        }
    }
    if (mnem[0] == 'j') {
        return OP_JCC;
    }
    if (!strncmp(mnem, "set", 3) && strlen(mnem) <= 6) {
        return OP_SETCC;
    }
    if (!strncmp(mnem, "cmov", 4)) {
        return OP_CMOV;
    }
    return -1;
}

/* Does emu86's op match capstone's mnemonic? */
static bool class_match(int op, const char *mnem)
{
    int cls = cs_class(mnem);
    if (op == OP_SSE || op == OP_FPU) {
        /* movsd/cmpsd are also SSE2 names; popcnt etc. are placeholders */
        return cls == -1 || cls == OP_MOVS || cls == OP_CMPS;
    }
    if (cls == op) {
        return true;
    }
    switch (cls) {
    case OP_MOV: return op == OP_MOV_CR || op == OP_MOV_DR || op == OP_MOV_SEG;
    case OP_PUSH: return op == OP_PUSH_SEG;
    case OP_POP: return op == OP_POP_SEG;
    case OP_IMUL: return op == OP_IMUL1;
    /* 66 90 / 48 90 / F3 90 variants: capstone and emu86 name these
     * no-ops differently (nop, xchg rax,rax, pause) */
    case OP_NOP: return op == OP_XCHG || op == OP_PAUSE;
    case OP_XCHG: return op == OP_NOP || op == OP_PAUSE;
    case OP_JMP: return op == OP_JMPF;  /* capstone 4 names FF /5 "jmp" in some modes */
    case OP_CALL: return op == OP_CALLF;
    default: return false;
    }
}

/* ------------------------------------------------------------------ */
/* Known capstone 4 differences.  Each returns a reason, or NULL.      */

static const char *cs_known_bug(CpuMode mode, const uint8_t *b, unsigned avail,
                                const Insn *in, int cs_len, const char *mnem)
{
    /* skip legacy/REX prefixes to find the opcode */
    unsigned i = 0;
    bool p66 = false;
    int plock = -1;
    bool pmand = false;
    while (i < avail && i < 14) {
        uint8_t c = b[i];
        if (c == 0x66) {
            p66 = true;
        }
        if (c == 0xf0) {
            plock = i;
        }
        if (c == 0x66 || c == 0xf2 || c == 0xf3) {
            pmand = true;
        }
        if (c == 0x66 || c == 0x67 || c == 0xf0 || c == 0xf2 || c == 0xf3 || c == 0x2e ||
            c == 0x3e || c == 0x26 || c == 0x36 || c == 0x64 || c == 0x65 ||
            (mode == MODE_64 && (c & 0xf0) == 0x40)) {
            i++;
            continue;
        }
        break;
    }
    if (i >= avail) {
        return NULL;
    }
    uint8_t op = b[i];
    uint8_t op2 = i + 1 < avail ? b[i + 1] : 0;

    /* Near branches with 66 in 64-bit mode: the SDM (Jcc, JMP, CALL:
     * "In 64-bit mode the operand size is fixed at 64 bits") gives rel32;
     * capstone 4 decodes a rel16 as AMD does. */
    if (mode == MODE_64 && p66 &&
        (op == 0xe8 || op == 0xe9 || (op == 0x0f && (op2 & 0xf0) == 0x80))) {
        return "66 near branch: SDM rel32 in 64-bit mode";
    }
    /* UD0 (0F FF): the SDM (UD instruction) gives "UD0 r32, r/m32" with
     * ModRM; capstone 4 decodes it without. */
    if (op == 0x0f && (op2 == 0xff || op2 == 0xb9) && in->op == OP_UD) {
        return "UD0/UD1 take a ModRM (SDM UD0/UD1/UD2)";
    }
    uint8_t modrm = i + 2 < avail ? b[i + 2] : 0;
    /* LFENCE/MFENCE/SFENCE: the SDM (LFENCE) says the processor ignores
     * the r/m field, so 0F AE E8-EF / F0-F7 / F8-FF are all fences;
     * capstone 4 only knows rm=0. */
    if (op == 0x0f && op2 == 0xae && modrm >= 0xe8 && in->op >= OP_LFENCE &&
        in->op <= OP_SFENCE && cs_len == 0) {
        return "fence with r/m != 0 (SDM LFENCE: r/m ignored)";
    }
    /* The fences are "NP 0F AE E8/F0/F8" in the SDM: with 66/F2/F3 the
     * register forms are TPAUSE/UMONITOR/UMWAIT (/6), the withdrawn
     * PCOMMIT (66 /7), CET INCSSP (F3 /5): #UD on this CPU model;
     * capstone 4 ignores the prefix. */
    if (op == 0x0f && op2 == 0xae && modrm >= 0xc0 && pmand && in->op == OP_INVALID) {
        return "prefixed 0F AE mod=3 is not a fence (SDM: NP)";
    }
    /* F3 0F C7 /7 mod=3 is RDPID (SDM RDPID); RDSEED is NFx 0F C7 /7.
     * capstone 4 ignores the F3 and says rdseed. */
    if (op == 0x0f && op2 == 0xc7 && in->op == OP_RDPID && !strcmp(mnem, "rdseed")) {
        return "F3 0F C7 /7 is RDPID, not RDSEED";
    }
    /* RDRAND/RDSEED are "NFx 0F C7 /6 /7": with F2/F3 the host raises #UD
     * (F3 /6 is SENDUIPI, F3 /7 RDPID); capstone 4 ignores the prefix. */
    if (op == 0x0f && op2 == 0xc7 && in->op == OP_INVALID &&
        (!strcmp(mnem, "rdrand") || !strcmp(mnem, "rdseed"))) {
        return "F2/F3 0F C7 /6 /7 is not RDRAND/RDSEED (#UD on the host)";
    }
    /* F3 0F AE /5 mod=3 is INCSSPD/Q (CET shadow stack): #UD on a CPU
     * without CET; capstone 4 ignores the F3 and says lfence. */
    if (op == 0x0f && op2 == 0xae && (modrm & 0xf8) == 0xe8 && in->op == OP_INVALID &&
        !strcmp(mnem, "lfence")) {
        return "F3 0F AE /5 is INCSSP (CET), not LFENCE";
    }
    /* F3 (REX.W) 0F 1E /1 mod=3 is RDSSPD/RDSSPQ, a NOP without CET (SDM
     * RDSSP: "reserved-NOP" space 0F 1E); capstone 4 rejects the REX.W form. */
    if (op == 0x0f && op2 == 0x1e && in->op == OP_NOP && cs_len == 0) {
        return "0F 1E hint NOP (RDSSP) unknown to capstone 4";
    }
    /* 66 0F AE /6 memory is CLWB (SDM CLWB); capstone 4 in 16-bit mode
     * takes the 66 for an operand size and says XSAVEOPT. */
    if (mode == MODE_16 && op == 0x0f && op2 == 0xae && in->op == OP_CLWB &&
        !strcmp(mnem, "xsaveopt")) {
        return "66 0F AE /6 is CLWB (capstone 4, 16-bit mode: xsaveopt)";
    }
    /* TZCNT/LZCNT (F3 0F BC/BD), ADCX/ADOX (66/F3 0F 38 F6) and INVPCID
     * (66 0F 38 82) exist in every mode (SDM: "Valid" in the Compat/Leg Mode column); capstone 4
     * in 16-bit mode says BSF/BSR for the first and rejects the second. */
    if (mode == MODE_16 && op == 0x0f &&
        (((op2 == 0xbc || op2 == 0xbd) && (in->op == OP_TZCNT || in->op == OP_LZCNT)) ||
         (op2 == 0x38 && (in->op == OP_ADCX || in->op == OP_ADOX || in->op == OP_INVPCID)))) {
        return "TZCNT/LZCNT/ADCX/ADOX/INVPCID in 16-bit mode unknown to capstone 4";
    }
    /* MOV CS, r/m: the SDM (MOV) raises #UD; capstone 4 decodes it. */
    if (op == 0x8e && i + 1 < avail && ((b[i + 1] >> 3) & 7) == R_CS && in->op == OP_INVALID) {
        return "MOV CS is #UD (SDM MOV)";
    }
    /* LOCK on a non-lockable instruction or a register destination is
     * #UD (SDM LOCK); capstone 4 does not check. */
    if (plock >= 0 && in->op == OP_INVALID) {
        uint8_t nb[15];
        Insn in2;
        unsigned n = 0;
        for (unsigned k = 0; k < avail && n < 15; k++) {
            if (k > (unsigned)plock || b[k] != 0xf0) {
                nb[n++] = b[k];
            }
        }
        if (decode_buf(&in2, mode, nb, n) == DECODE_OK &&
            (!(insn_op_flags[in2.op] & IF_LOCK) || in2.nr_ops == 0 ||
             in2.ops[0].kind != OPK_MEM)) {
            return "LOCK without a lockable memory destination is #UD (SDM LOCK)";
        }
    }
    /* 0F 0D: PREFETCHW (/1), PREFETCHWT1 (/2); the SDM's map (Table A-3)
     * gives the whole row as prefetch/NOP Ev, AMD names /0 PREFETCH and the
     * rest aliases.  Capstone 4 rejects some /reg values. */
    if (op == 0x0f && op2 == 0x0d && in->op == OP_PREFETCH && cs_len == 0) {
        return "0F 0D prefetch space (SDM Table A-3)";
    }
    /* 0F 18-1F: hint NOPs "NOP Ev" (SDM Table A-3 and NOP): capstone 4
     * rejects several register and /reg forms. */
    if (op == 0x0f && op2 >= 0x18 && op2 <= 0x1f && in->op == OP_NOP && cs_len == 0) {
        return "0F 18-1F hint NOP (SDM NOP, Table A-3)";
    }
    /* SWAPGS outside 64-bit mode: #UD (SDM SWAPGS); capstone 4 decodes it. */
    if (mode != MODE_64 && !strcmp(mnem, "swapgs") && in->op == OP_INVALID) {
        return "SWAPGS is #UD outside 64-bit mode";
    }
    /* MOV to/from CR1, CR5-7, CR9-15: #UD (SDM MOV-Move to/from Control
     * Registers); capstone 4 decodes them. */
    if (op == 0x0f && (op2 == 0x20 || op2 == 0x22) && in->op == OP_INVALID) {
        return "reserved control register is #UD";
    }
    /* MOV DR8-15 (REX.R): #UD (SDM MOV-Move to/from Debug Registers). */
    if (op == 0x0f && (op2 == 0x21 || op2 == 0x23) && in->op == OP_INVALID) {
        return "DR8-DR15 are #UD";
    }
    /* MOV r/m, Sreg and MOV Sreg, r/m with REX.R: the Sreg field is the
     * 3-bit ModRM.reg (SDM Vol.2 3.1.1.3 "Sreg"), REX.R does not extend it;
     * capstone 4 rejects these. */
    if ((op == 0x8c || op == 0x8e) && mode == MODE_64 && cs_len == 0 &&
        (in->op == OP_MOV || in->op == OP_MOV_SEG)) {
        return "REX.R does not extend Sreg";
    }
    (void)cs_len;
    (void)mnem;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Comparison bookkeeping                                              */

typedef struct Stats {
    unsigned long total, both_ok, len_agree, len_bad, len_excused;
    unsigned long class_agree, class_bad, emu_ud_cs_int, emu_int_cs_bad;
    unsigned long emu_ud_cs_other, excused_ud;
    unsigned reports;
} Stats;

static void hexdump(char *out, size_t n, const uint8_t *b, unsigned len)
{
    out[0] = 0;
    for (unsigned i = 0; i < len && 3 * i + 3 < n; i++) {
        sprintf(out + 3 * i, "%02x ", b[i]);
    }
}

static void report(Stats *st, const char *what, CpuMode mode, const uint8_t *b, unsigned len,
                   const Insn *in, int emu_rc, int cs_len, const char *mnem, const char *opstr)
{
    if (st->reports++ >= (getenv("DECODE_VERBOSE") ? 100000 : 40)) {
        return;
    }
    char hx[64];
    hexdump(hx, sizeof(hx), b, len > 15 ? 15 : len);
    printf("# %s [mode %d] %s: emu rc=%d len=%u op=%s; capstone len=%d \"%s %s\"\n",
           what, mode, hx, emu_rc, in->len, insn_op_names[in->op], cs_len,
           mnem ? mnem : "", opstr ? opstr : "");
}

/* Compare one instruction at b[0..avail); returns the length to skip. */
static unsigned compare_one(Stats *st, CpuMode mode, const uint8_t *b, unsigned avail,
                            bool check_class)
{
    Insn in;
    char mn[64] = "", ops[160] = "";
    int rc = decode_buf(&in, mode, b, avail > 15 ? 15 : avail);
    int cl = cs_decode(mode, b, avail, mn, sizeof(mn), ops, sizeof(ops));
    st->total++;
    if (rc == DECODE_OK && cl > 0) {
        st->both_ok++;
        if ((int)in.len == cl) {
            st->len_agree++;
        } else if (cs_known_bug(mode, b, avail, &in, cl, mn)) {
            st->len_excused++;
            if (getenv("DECODE_VERBOSE")) {
                report(st, cs_known_bug(mode, b, avail, &in, cl, mn), mode, b, avail, &in,
                       rc, cl, mn, ops);
            }
        } else {
            st->len_bad++;
            report(st, "LENGTH", mode, b, avail, &in, rc, cl, mn, ops);
        }
        if (check_class) {
            if (class_match(in.op, mn) || cs_known_bug(mode, b, avail, &in, cl, mn)) {
                st->class_agree++;
            } else {
                st->class_bad++;
                report(st, "CLASS", mode, b, avail, &in, rc, cl, mn, ops);
            }
        }
    } else if (rc == DECODE_UD && cl > 0) {
        if (cs_class(mn) >= 0) {
            if (cs_known_bug(mode, b, avail, &in, cl, mn)) {
                st->excused_ud++;
                if (getenv("DECODE_VERBOSE")) {
                    report(st, cs_known_bug(mode, b, avail, &in, cl, mn), mode, b, avail, &in,
                           rc, cl, mn, ops);
                }
            } else {
                st->emu_ud_cs_int++;
                report(st, "EMU-UD", mode, b, avail, &in, rc, cl, mn, ops);
            }
        } else {
            st->emu_ud_cs_other++;
            if (getenv("DECODE_VERBOSE")) {
                report(st, "emu-ud-other", mode, b, avail, &in, rc, cl, mn, ops);
            }
        }
    } else if (rc == DECODE_OK && cl == 0 && in.op != OP_SSE && in.op != OP_FPU) {
        if (cs_known_bug(mode, b, avail, &in, cl, mn)) {
            st->excused_ud++;
        } else {
            st->emu_int_cs_bad++;
            report(st, "CS-BAD", mode, b, avail, &in, rc, cl, mn, ops);
        }
    }
    if (cl > 0) {
        return cl;
    }
    return rc == DECODE_OK ? in.len : 1;
}

static void print_stats(const char *name, const Stats *st)
{
    printf("# %s: %lu insns, both decoded %lu, length agree %lu, length disagree %lu "
           "(+%lu known capstone bugs), class agree %lu, class disagree %lu, "
           "emu #UD where capstone has an integer insn %lu (+%lu excused), "
           "emu integer insn capstone rejects %lu, emu #UD on non-integer %lu\n",
           name, st->total, st->both_ok, st->len_agree, st->len_bad, st->len_excused,
           st->class_agree, st->class_bad, st->emu_ud_cs_int, st->excused_ud,
           st->emu_int_cs_bad, st->emu_ud_cs_other);
}

/* ------------------------------------------------------------------ */
/* ELF .text loading (section headers parsed by hand)                  */

static uint8_t *load_text(const char *path, size_t *len)
{
    gchar *data;
    gsize size;
    if (!g_file_get_contents(path, &data, &size, NULL)) {
        return NULL;
    }
    uint8_t *res = NULL;
    const uint8_t *d = (const uint8_t *)data;
    if (size < sizeof(Elf32_Ehdr) || memcmp(d, ELFMAG, SELFMAG)) {
        goto out;
    }
    if (d[EI_CLASS] == ELFCLASS64 && size >= sizeof(Elf64_Ehdr)) {
        Elf64_Ehdr eh;
        memcpy(&eh, d, sizeof(eh));
        if (eh.e_shoff == 0 || eh.e_shstrndx >= eh.e_shnum ||
            eh.e_shoff + (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr) > size) {
            goto out;
        }
        Elf64_Shdr str;
        memcpy(&str, d + eh.e_shoff + eh.e_shstrndx * sizeof(Elf64_Shdr), sizeof(str));
        for (unsigned i = 0; i < eh.e_shnum; i++) {
            Elf64_Shdr sh;
            memcpy(&sh, d + eh.e_shoff + i * sizeof(Elf64_Shdr), sizeof(sh));
            if (str.sh_offset + sh.sh_name + 6 > size) {
                continue;
            }
            if (!strcmp((const char *)d + str.sh_offset + sh.sh_name, ".text") &&
                sh.sh_offset + sh.sh_size <= size) {
                res = g_memdup2(d + sh.sh_offset, sh.sh_size);
                *len = sh.sh_size;
                break;
            }
        }
    } else if (d[EI_CLASS] == ELFCLASS32) {
        Elf32_Ehdr eh;
        memcpy(&eh, d, sizeof(eh));
        if (eh.e_shoff == 0 || eh.e_shstrndx >= eh.e_shnum ||
            eh.e_shoff + (uint64_t)eh.e_shnum * sizeof(Elf32_Shdr) > size) {
            goto out;
        }
        Elf32_Shdr str;
        memcpy(&str, d + eh.e_shoff + eh.e_shstrndx * sizeof(Elf32_Shdr), sizeof(str));
        for (unsigned i = 0; i < eh.e_shnum; i++) {
            Elf32_Shdr sh;
            memcpy(&sh, d + eh.e_shoff + i * sizeof(Elf32_Shdr), sizeof(sh));
            if ((uint64_t)str.sh_offset + sh.sh_name + 6 > size) {
                continue;
            }
            if (!strcmp((const char *)d + str.sh_offset + sh.sh_name, ".text") &&
                (uint64_t)sh.sh_offset + sh.sh_size <= size) {
                res = g_memdup2(d + sh.sh_offset, sh.sh_size);
                *len = sh.sh_size;
                break;
            }
        }
    }
out:
    g_free(data);
    return res;
}

static void sweep_corpus(const char *name, CpuMode mode, const uint8_t *text, size_t len,
                         Stats *st)
{
    size_t off = 0;
    while (off < len) {
        off += compare_one(st, mode, text + off, (unsigned)MIN(len - off, 15), true);
    }
    print_stats(name, st);
}

static void test_corpus64(void)
{
    size_t len;
    uint8_t *text = load_text("/bin/busybox", &len);
    if (!text) {
        g_test_skip("/bin/busybox not found");
        return;
    }
    Stats st = { 0 };
    sweep_corpus("busybox .text (64-bit)", MODE_64, text, len, &st);

    /* decode speed alone (for the lead's notes, not a pass criterion) */
    gint64 t0 = g_get_monotonic_time();
    unsigned long n = 0;
    for (int rep = 0; rep < 5; rep++) {
        for (size_t off = 0; off < len; n++) {
            Insn in;
            size_t left = len - off;
            int rc = decode_buf(&in, MODE_64, text + off, left > 15 ? 15 : (unsigned)left);
            off += rc == DECODE_OK ? in.len : 1;
        }
    }
    gint64 t1 = g_get_monotonic_time();
    printf("# decode speed: %lu instructions in %.3f s = %.1f ns/insn\n", n,
           (t1 - t0) / 1e6, (t1 - t0) * 1000.0 / (n ? n : 1));
    g_free(text);
    g_assert_cmpuint(st.len_bad, ==, 0);
    g_assert_cmpuint(st.class_bad, ==, 0);
    g_assert_cmpuint(st.emu_ud_cs_int, ==, 0);
    g_assert_cmpuint(st.both_ok, >, 100000);
}

static const char *const corpus32_paths[] = {
    "/usr/libexec/valgrind/memcheck-x86-linux",
    "/usr/lib/valgrind/memcheck-x86-linux",
    "/usr/libexec/valgrind/none-x86-linux",
    "/usr/lib/i386-linux-gnu/libc.so.6",
};

static uint8_t *load_corpus32(size_t *len, const char **which)
{
    for (size_t i = 0; i < G_N_ELEMENTS(corpus32_paths); i++) {
        uint8_t *t = load_text(corpus32_paths[i], len);
        if (t) {
            *which = corpus32_paths[i];
            return t;
        }
    }
    return NULL;
}

static void test_corpus32(void)
{
    size_t len;
    const char *which;
    uint8_t *text = load_corpus32(&len, &which);
    if (!text) {
        g_test_skip("no i386 ELF on this machine");
        return;
    }
    Stats st = { 0 };
    char name[256];
    snprintf(name, sizeof(name), "%s .text (32-bit)", which);
    sweep_corpus(name, MODE_32, text, len, &st);
    g_free(text);
    g_assert_cmpuint(st.len_bad, ==, 0);
    g_assert_cmpuint(st.class_bad, ==, 0);
    g_assert_cmpuint(st.emu_ud_cs_int, ==, 0);
}

/* No 16-bit binaries ship with the system: sweep the 32-bit corpus (or
 * busybox) as if it were 16-bit code, which exercises 16-bit addressing
 * and operand sizes on realistic byte patterns. */
static void test_corpus16(void)
{
    size_t len;
    const char *which;
    uint8_t *text = load_corpus32(&len, &which);
    if (!text) {
        text = load_text("/bin/busybox", &len);
    }
    if (!text) {
        g_test_skip("no corpus");
        return;
    }
    if (len > 512 * 1024) {
        len = 512 * 1024;
    }
    Stats st = { 0 };
    sweep_corpus("32-bit .text read as 16-bit code", MODE_16, text, len, &st);
    g_free(text);
    g_assert_cmpuint(st.len_bad, ==, 0);
    g_assert_cmpuint(st.class_bad, ==, 0);
    g_assert_cmpuint(st.emu_ud_cs_int, ==, 0);
}

/* ------------------------------------------------------------------ */
/* Opcode map sweep                                                    */

static bool is_prefix(CpuMode mode, uint8_t b)
{
    switch (b) {
    case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
    case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
        return true;
    default:
        return mode == MODE_64 && (b & 0xf0) == 0x40;
    }
}

static void sweep_maps(CpuMode mode, Stats *st)
{
    static const uint8_t pfx64[][2] = {
        { 0 }, { 1, 0x66 }, { 1, 0x67 }, { 1, 0x48 }, { 1, 0x4d }, { 1, 0x40 },
        { 1, 0xf3 }, { 1, 0xf2 }, { 1, 0xf0 },
    };
    static const uint8_t pfx32[][2] = {
        { 0 }, { 1, 0x66 }, { 1, 0x67 }, { 1, 0xf3 }, { 1, 0xf2 }, { 1, 0xf0 },
    };
    unsigned npfx = mode == MODE_64 ? G_N_ELEMENTS(pfx64) : G_N_ELEMENTS(pfx32);
    static const uint8_t sibs[] = { 0x88, 0x25 };
    static const uint8_t rms[] = { 0, 4, 5, 6 };

    for (unsigned p = 0; p < npfx; p++) {
        const uint8_t *pf = mode == MODE_64 ? pfx64[p] : pfx32[p];
        for (unsigned map = 0; map < 4; map++) {
            for (unsigned opc = 0; opc < 256; opc++) {
                if (map == 0 && (is_prefix(mode, opc) || opc == 0x0f)) {
                    continue;
                }
                if (map == 1 && (opc == 0x38 || opc == 0x3a)) {
                    continue;
                }
                for (unsigned mod = 0; mod < 4; mod++) {
                    for (unsigned reg = 0; reg < 8; reg++) {
                        for (unsigned r = 0; r < G_N_ELEMENTS(rms); r++) {
                            for (unsigned s = 0; s < 2; s++) {
                                uint8_t b[15];
                                unsigned n = 0;
                                if (rms[r] != 4 && s) {
                                    continue;
                                }
                                memset(b, 0x11, sizeof(b));
                                for (unsigned k = 0; k < pf[0]; k++) {
                                    b[n++] = pf[1 + k];
                                }
                                if (map >= 1) {
                                    b[n++] = 0x0f;
                                }
                                if (map == 2) {
                                    b[n++] = 0x38;
                                }
                                if (map == 3) {
                                    b[n++] = 0x3a;
                                }
                                b[n++] = opc;
                                b[n++] = (mod << 6) | (reg << 3) | rms[r];
                                b[n++] = sibs[s];
                                compare_one(st, mode, b, 15, map <= 1);
                            }
                        }
                    }
                }
            }
        }
    }
}

static void test_opcode_maps(void)
{
    static const CpuMode modes[] = { MODE_16, MODE_32, MODE_64 };
    unsigned long bad = 0;
    for (unsigned i = 0; i < 3; i++) {
        Stats st = { 0 };
        char name[64];
        snprintf(name, sizeof(name), "opcode-map sweep (%d-bit)", modes[i]);
        sweep_maps(modes[i], &st);
        print_stats(name, &st);
        bad += st.len_bad + st.class_bad + st.emu_ud_cs_int + st.emu_int_cs_bad;
    }
    g_assert_cmpuint(bad, ==, 0);
}

/* ------------------------------------------------------------------ */
/* nasm cross-check: an assembler, not a disassembler, is the reference */

typedef struct AsmLine { const char *mn, *ops; } AsmLine;

static const AsmLine asm16[] = {
    { "mov", "ax, 1" }, { "mov", "eax, 0x12345678" }, { "mov", "[bx+si+0x1234], al" },
    { "mov", "al, [0x1234]" }, { "mov", "ax, [bp-2]" }, { "mov", "ds, ax" },
    { "mov", "ax, cs" }, { "mov", "[bx], es" }, { "mov", "cr0, eax" }, { "mov", "eax, cr0" },
    { "mov", "dr7, eax" }, { "lgdt", "[bx]" }, { "lidt", "[0x1234]" }, { "sgdt", "[bp+si]" },
    { "lldt", "ax" }, { "ltr", "[bx]" }, { "jmp", "0x08:0x1234" },
    { "jmp", "dword 0x08:0x12345678" }, { "jmp", "far [bx]" }, { "call", "far [bx+4]" },
    { "call", "0x08:0x1234" }, { "retf", "" }, { "retf", "4" }, { "iret", "" },
    { "iretd", "" }, { "int", "0x10" }, { "int3", "" }, { "into", "" },
    { "in", "al, 0x60" }, { "in", "ax, dx" }, { "out", "0x80, al" }, { "out", "dx, eax" },
    { "insb", "" }, { "outsw", "" }, { "rep movsb", "" }, { "rep stosd", "" },
    { "repne scasb", "" }, { "lodsw", "" }, { "cmpsb", "" }, { "xlatb", "" },
    { "es lodsb", "" }, { "push", "es" }, { "pop", "ds" }, { "push", "cs" }, { "pusha", "" },
    { "popad", "" }, { "pushf", "" }, { "popfd", "" }, { "enter", "16, 0" }, { "leave", "" },
    { "les", "si, [bx]" }, { "lds", "ax, [0x1234]" }, { "lss", "sp, [bx]" },
    { "lfs", "ax, [bx]" }, { "bound", "ax, [bx]" }, { "arpl", "[bx], ax" }, { "aam", "" },
    { "aad", "16" }, { "daa", "" }, { "aas", "" }, { "cli", "" }, { "sti", "" }, { "hlt", "" },
    { "cbw", "" }, { "cwd", "" }, { "cdq", "" }, { "cwde", "" }, { "loop", "$" },
    { "jcxz", "$" }, { "jz", "near $+0x100" }, { "ja", "short $+2" }, { "call", "$+0x1000" },
    { "jmp", "$+0x1000" }, { "movzx", "eax, byte [bx]" }, { "movsx", "ax, byte [si]" },
    { "imul", "ax, bx, 10" }, { "imul", "eax, [bx], 0x1234" }, { "shl", "ax, 1" },
    { "shr", "ax, cl" }, { "rol", "byte [bx], 3" }, { "shld", "ax, bx, 4" },
    { "shrd", "eax, ebx, cl" }, { "bt", "ax, 3" }, { "bts", "[bx], ax" }, { "bsf", "ax, bx" },
    { "bswap", "eax" }, { "xchg", "ax, bx" }, { "xchg", "[bx], al" },
    { "cmpxchg", "[bx], ax" }, { "xadd", "ax, bx" }, { "lock add", "[bx], ax" },
    { "lock cmpxchg8b", "[bx]" }, { "cpuid", "" }, { "rdtsc", "" }, { "rdmsr", "" },
    { "wrmsr", "" }, { "clts", "" }, { "invlpg", "[bx]" }, { "smsw", "ax" }, { "lmsw", "ax" },
    { "lar", "ax, bx" }, { "lsl", "eax, [bx]" }, { "verr", "ax" }, { "sysenter", "" },
    { "test", "al, 1" }, { "test", "word [bx], 0x1234" }, { "not", "byte [bx]" },
    { "neg", "ax" }, { "mul", "bl" }, { "div", "word [bx]" }, { "idiv", "ecx" },
    { "inc", "ax" }, { "dec", "bx" }, { "inc", "byte [bx]" }, { "add", "ax, byte -1" },
    { "add", "word [bx+di+0x7f], 0x1234" }, { "sub", "eax, 0x12345678" },
    { "and", "al, 0x0f" }, { "or", "[bp+0x10], ah" }, { "xor", "ax, ax" },
    { "cmp", "[0x1234], si" }, { "sbb", "ax, [bx]" }, { "adc", "al, 1" }, { "setz", "al" },
    { "cmovz", "ax, bx" }, { "nop", "" }, { "pause", "" }, { "ud2", "" }, { "wbinvd", "" },
    { "mov", "ax, [eax+ebx*4+0x12345678]" }, { "mov", "ax, [esp+4]" },
    { "fs mov", "ax, [bx]" }, { "salc", "" }, { "int1", "" }, { "fld", "dword [bx]" },
    { "fadd", "st0, st1" }, { "movaps", "xmm0, [bx]" }, { "pshufd", "xmm0, xmm1, 0x1b" },
    { "lfence", "" }, { "clflush", "[bx]" }, { "push", "word 0x1234" }, { "push", "byte -2" },
    { "pop", "word [bx]" }, { "mov", "byte [bx], 0x12" }, { "mov", "word [bp+si+2], 0x1234" },
};

static const AsmLine asm32[] = {
    { "mov", "eax, [ebx+esi*4+0x10]" }, { "mov", "eax, [0x12345678]" },
    { "mov", "[0x12345678], al" }, { "mov", "ecx, [ebp-4]" }, { "mov", "edx, [esp]" },
    { "mov", "ax, [bx+si]" }, { "jmp", "0x08:0x12345678" }, { "jmp", "word 0x08:0x1234" },
    { "push", "dword 0x12345678" }, { "push", "byte -1" }, { "o16 push", "word 0x1234" },
    { "sysexit", "" }, { "mov", "cr3, eax" }, { "mov", "eax, cr4" }, { "iretd", "" },
    { "iret", "" }, { "lgdt", "[eax]" }, { "jmp", "far [eax]" }, { "call", "dword [eax]" },
    { "call", "eax" }, { "ret", "" }, { "ret", "8" }, { "lea", "eax, [eax+eax*2]" },
    { "lea", "esi, [esi+0]" }, { "nop", "dword [eax+eax+0]" }, { "nop", "word [eax+eax+0]" },
    { "rep movsd", "" }, { "rep stosw", "" }, { "repe cmpsb", "" }, { "push", "ss" },
    { "pop", "es" }, { "push", "fs" }, { "pop", "gs" }, { "pushad", "" }, { "popa", "" },
    { "cdq", "" }, { "loopne", "$" }, { "jecxz", "$" }, { "jnz", "near $+0x1000" },
    { "imul", "ecx, edx" }, { "imul", "dword [esi]" }, { "shl", "dword [eax], cl" },
    { "sar", "eax, 31" }, { "btc", "dword [eax], 31" }, { "btr", "eax, ecx" },
    { "bsr", "eax, [ebx]" }, { "cmpxchg", "[ecx], edx" }, { "lock xadd", "[eax], ecx" },
    { "lock inc", "dword [eax]" }, { "xchg", "eax, ecx" }, { "xchg", "[eax], ebx" },
    { "movzx", "eax, word [eax]" }, { "movsx", "edx, cl" }, { "cmovl", "eax, [ecx]" },
    { "setg", "byte [eax]" }, { "in", "eax, 0x71" }, { "out", "0x70, al" }, { "outsd", "" },
    { "insw", "" }, { "les", "eax, [ebx]" }, { "lgs", "eax, [ebx]" }, { "lss", "esp, [ebx]" },
    { "bound", "eax, [ebx]" }, { "mov", "es, [eax]" }, { "mov", "[eax], ds" },
    { "mov", "eax, ds" }, { "sldt", "eax" }, { "str", "[eax]" }, { "verw", "[eax]" },
    { "mov", "dr0, ecx" }, { "mov", "ecx, dr6" }, { "rdtscp", "" }, { "monitor", "" },
    { "mwait", "" }, { "rdpmc", "" }, { "invd", "" }, { "cld", "" }, { "std", "" },
    { "clc", "" }, { "stc", "" }, { "cmc", "" }, { "lahf", "" }, { "sahf", "" },
    { "aaa", "" }, { "das", "" }, { "aam", "10" }, { "test", "eax, 0x80000000" },
    { "and", "dword [eax], byte -16" }, { "or", "eax, 0x80000001" },
    { "add", "byte [ebx+ecx*8+0x12345678], 0x7f" }, { "cmp", "al, 0x80" },
    { "mov", "bh, 0x12" }, { "mov", "eax, 0x12345678" }, { "enter", "0x1000, 3" },
    { "gs mov", "eax, [0]" }, { "fnstsw", "ax" }, { "fistp", "qword [esp+8]" },
    { "movdqa", "xmm1, [esp+16]" }, { "paddd", "mm0, mm1" }, { "emms", "" },
    { "vmovdqa", "xmm0, [esp+16]" }, { "sfence", "" }, { "mfence", "" },
    { "prefetchnta", "[eax]" }, { "ud1", "eax, [eax]" }, { "ud0", "eax, ecx" },
};

static const AsmLine asm64[] = {
    { "mov", "rax, 0x1122334455667788" }, { "mov", "rax, [rel $+0x100]" },
    { "movsxd", "rax, ecx" }, { "mov", "r9, [r13+0]" }, { "mov", "al, spl" },
    { "mov", "ah, bl" }, { "push", "r12" }, { "pop", "r15" }, { "mov", "cr8, rax" },
    { "mov", "rax, cr3" }, { "swapgs", "" }, { "syscall", "" }, { "sysret", "" },
    { "o64 sysret", "" }, { "iretq", "" }, { "iretd", "" }, { "lgdt", "[rax]" },
    { "jmp", "[rax]" }, { "call", "[rel $+0x1000]" }, { "jmp", "far [rax]" },
    { "jmp", "far qword [rax]" }, { "cmpxchg16b", "[rdi]" }, { "rdtscp", "" },
    { "rdfsbase", "rax" }, { "wrgsbase", "r8d" }, { "rdpid", "rax" },
    { "mov", "eax, [0x12345678]" }, { "mov", "rax, [qword 0x1122334455667788]" },
    { "mov", "[qword 0x1122334455667788], al" }, { "a32 mov", "eax, [eax]" },
    { "lea", "rax, [rsp+rcx*8+0x10]" }, { "lea", "r8, [rel $]" }, { "xchg", "r8, rax" },
    { "xchg", "eax, eax" }, { "rep stosq", "" }, { "rep movsq", "" }, { "lodsq", "" },
    { "lock xadd", "[rsi], rax" }, { "movzx", "r10d, byte [r11]" },
    { "movsx", "rax, word [rbx]" }, { "bswap", "r9" }, { "shl", "r8, cl" },
    { "imul", "r12, r13, 0x1234" }, { "test", "spl, 1" }, { "in", "eax, dx" },
    { "out", "dx, al" }, { "int", "0x80" }, { "ret", "8" }, { "o64 retf", "" }, { "retf", "" },
    { "push", "fs" }, { "pop", "gs" }, { "enter", "0x10, 1" }, { "leave", "" }, { "cqo", "" },
    { "cdqe", "" }, { "jrcxz", "$" }, { "loop", "$" }, { "ud2", "" }, { "endbr64", "" },
    { "nop", "dword [rax+rax+0]" }, { "nop", "word [rax+rax+0]" }, { "pause", "" },
    { "push", "qword 0x12345678" }, { "push", "word 0x1234" }, { "pushfq", "" },
    { "popfq", "" }, { "pushfw", "" }, { "call", "rax" }, { "call", "$+0x1000" },
    { "jmp", "short $" }, { "jl", "near $+0x1000" }, { "add", "r8, 0x12345678" },
    { "add", "qword [rel $+0x100], byte -1" }, { "sub", "rsp, 0x1000" },
    { "cmp", "byte [r12+r13*4+0x7f], 0" }, { "mov", "qword [rsp+8], -1" },
    { "mov", "r11b, 0x12" }, { "mov", "r11d, 0x12345678" }, { "mov", "sil, dil" },
    { "xor", "r15d, r15d" }, { "and", "rax, ~0xfff" }, { "or", "[rdx], r10" },
    { "cmpxchg", "[r8], r9b" }, { "lock cmpxchg", "[rdx], ecx" }, { "bt", "[rax], rdx" },
    { "bts", "qword [rax], 63" }, { "setnz", "r8b" }, { "cmovnz", "r8, [r9]" },
    { "shld", "rax, rdx, 7" }, { "sar", "r9d, 1" }, { "rcr", "byte [rax], cl" },
    { "mul", "r10" }, { "div", "qword [rbx]" }, { "neg", "r11" }, { "not", "byte [rsi]" },
    { "inc", "r8" }, { "dec", "dword [rax]" }, { "cpuid", "" }, { "rdmsr", "" },
    { "wrmsr", "" }, { "hlt", "" }, { "invlpg", "[rdi]" }, { "ltr", "ax" },
    { "mov", "ds, eax" }, { "mov", "rax, es" }, { "mov", "dr7, rax" }, { "clts", "" },
    { "lfence", "" }, { "mfence", "" }, { "sfence", "" }, { "clflush", "[rax]" },
    { "prefetcht0", "[rax]" }, { "prefetchw", "[rax]" }, { "fs mov", "rax, [0]" },
    { "gs mov", "rax, [rel $]" }, { "vmovdqa", "xmm0, [rsp+16]" },
    { "vpalignr", "xmm0, xmm1, xmm2, 8" }, { "vzeroupper", "" },
    { "vmovdqu", "ymm1, [rax+r9*2]" }, { "vpshufd", "ymm8, [r8], 0x1b" },
    { "movdqa", "xmm8, [r8]" }, { "crc32", "eax, byte [rdi]" }, { "popcnt", "rax, rcx" },
    { "palignr", "xmm0, xmm1, 3" }, { "pextrw", "eax, xmm1, 2" }, { "pcmpistri", "xmm1, [rax], 0x0c" },
    { "fld", "qword [rsp+8]" }, { "fxsave", "[rax]" }, { "ldmxcsr", "[rsp]" },
    { "movbe", "eax, [rdi]" }, { "xgetbv", "" },
};

static bool run_nasm(const char *dir, int bits, const AsmLine *lines, size_t n,
                     GPtrArray *bytes_out)
{
    char *src = g_strdup_printf("%s/t%d.asm", dir, bits);
    char *lst = g_strdup_printf("%s/t%d.lst", dir, bits);
    char *bin = g_strdup_printf("%s/t%d.bin", dir, bits);
    GString *text = g_string_new(NULL);
    g_string_append_printf(text, "bits %d\n", bits);
    for (size_t i = 0; i < n; i++) {
        g_string_append_printf(text, "%s %s\n", lines[i].mn, lines[i].ops);
    }
    bool ok = g_file_set_contents(src, text->str, -1, NULL);
    g_string_free(text, TRUE);
    gchar *argv[] = { (gchar *)"nasm", (gchar *)"-f", (gchar *)"bin", (gchar *)"-l", lst,
                      (gchar *)"-o", bin, src, NULL };
    gchar *err = NULL;
    gint status = -1;
    if (ok) {
        ok = g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                          NULL, NULL, NULL, &err, &status, NULL) && status == 0;
    }
    if (!ok) {
        printf("# nasm failed: %s\n", err ? err : "?");
    }
    g_free(err);
    gchar *listing = NULL;
    if (ok && g_file_get_contents(lst, &listing, NULL, NULL)) {
        /* listing columns: line number (6), address (7..14), hex from 16;
         * long encodings continue on lines with a blank address */
        for (size_t i = 0; i < n; i++) {
            g_ptr_array_add(bytes_out, g_byte_array_new());
        }
        gchar **ls = g_strsplit(listing, "\n", -1);
        for (gchar **l = ls; *l; l++) {
            int lineno;
            if (strlen(*l) < 17 || sscanf(*l, "%d", &lineno) != 1 || lineno < 2 ||
                (size_t)(lineno - 2) >= n) {
                continue;
            }
            GByteArray *ba = g_ptr_array_index(bytes_out, lineno - 2);
            for (const char *p = *l + 16; g_ascii_isxdigit(p[0]) && g_ascii_isxdigit(p[1]);
                 p += 2) {
                guint8 v = (g_ascii_xdigit_value(p[0]) << 4) | g_ascii_xdigit_value(p[1]);
                g_byte_array_append(ba, &v, 1);
            }
        }
        g_strfreev(ls);
        g_free(listing);
    }
    unlink(src);
    unlink(lst);
    unlink(bin);
    g_free(src);
    g_free(lst);
    g_free(bin);
    return ok;
}

static void test_nasm(void)
{
    gchar *nasm = g_find_program_in_path("nasm");
    if (!nasm) {
        g_test_skip("nasm not installed");
        return;
    }
    g_free(nasm);
    gchar *dir = g_dir_make_tmp("emu86-decode-XXXXXX", NULL);
    g_assert_nonnull(dir);
    static const struct { CpuMode mode; const AsmLine *l; size_t n; } sets[] = {
        { MODE_16, asm16, G_N_ELEMENTS(asm16) },
        { MODE_32, asm32, G_N_ELEMENTS(asm32) },
        { MODE_64, asm64, G_N_ELEMENTS(asm64) },
    };
    unsigned bad = 0, total = 0;
    for (unsigned s = 0; s < G_N_ELEMENTS(sets); s++) {
        GPtrArray *bytes = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
        g_assert_true(run_nasm(dir, sets[s].mode, sets[s].l, sets[s].n, bytes));
        for (size_t i = 0; i < sets[s].n; i++) {
            GByteArray *ba = g_ptr_array_index(bytes, i);
            Insn in;
            total++;
            int rc = decode_buf(&in, sets[s].mode, ba->data, ba->len);
            if (rc != DECODE_OK || in.len != ba->len || !class_match(in.op, sets[s].l[i].mn)) {
                char hx[64];
                hexdump(hx, sizeof(hx), ba->data, ba->len);
                printf("# nasm [mode %d] %s %s = %s: emu rc=%d len=%u op=%s\n", sets[s].mode,
                       sets[s].l[i].mn, sets[s].l[i].ops, hx, rc, in.len,
                       insn_op_names[in.op]);
                bad++;
            }
        }
        g_ptr_array_free(bytes, TRUE);
    }
    g_rmdir(dir);
    g_free(dir);
    printf("# nasm cross-check: %u instructions, %u disagree\n", total, bad);
    g_assert_cmpuint(bad, ==, 0);
}

/* Random buffers compared with capstone (length where both decode). */
static void test_random_vs_capstone(void)
{
    static const CpuMode modes[] = { MODE_16, MODE_32, MODE_64 };
    GRand *r = g_rand_new_with_seed(386);
    for (unsigned m = 0; m < 3; m++) {
        Stats st = { 0 };
        for (unsigned i = 0; i < 200000; i++) {
            uint8_t b[15];
            for (unsigned k = 0; k < 15; k++) {
                b[k] = g_rand_int(r);
            }
            compare_one(&st, modes[m], b, 15, true);
        }
        char name[64];
        snprintf(name, sizeof(name), "random bytes vs capstone (%d-bit)", modes[m]);
        print_stats(name, &st);
        g_assert_cmpuint(st.len_bad, ==, 0);
        g_assert_cmpuint(st.class_bad, ==, 0);
        g_assert_cmpuint(st.emu_ud_cs_int, ==, 0);
    }
    g_rand_free(r);
}

/* Every VEX opcode of maps 0F/0F38/0F3A in each pp, L and W, register
 * and memory ([rsp+disp8] through SIB, which is also a valid VSIB for the
 * gathers) forms, against capstone: where both decode, the lengths agree;
 * capstone's VEX instructions that emu86 rejects must be outside
 * decode_vex_valid (extensions the CPU model does not have). */
static void test_vex_vs_capstone(void)
{
    unsigned both = 0, emu_only = 0, cs_only = 0, len_diff = 0;
    for (unsigned map = 1; map <= 3; map++) {
        for (unsigned op = 0; op < 256; op++) {
            for (unsigned v = 0; v < 16; v++) {
                unsigned pp = v & 3, L = (v >> 2) & 1, W = v >> 3;
                for (unsigned form = 0; form < 2; form++) {
                    uint8_t b[16] = { 0xc4, (uint8_t)(0xe0 | map),
                                      (uint8_t)((W << 7) | 0x78 | (L << 2) | pp), (uint8_t)op };
                    if (form) {
                        b[4] = 0x44;    /* [rsp + disp8] via SIB */
                        b[5] = 0x24;
                        b[6] = 0x10;
                    } else {
                        b[4] = 0xc1;
                    }
                    for (int i = 7; i < 16; i++) {
                        b[i] = 0x90;
                    }
                    Insn in;
                    DecodeResult r = decode_buf(&in, MODE_64, b, sizeof(b));
                    char mn[32];
                    int cl = cs_decode(MODE_64, b, sizeof(b), mn, sizeof(mn), NULL, 0);
                    if (r == DECODE_OK && cl > 0) {
                        both++;
                        if ((int)in.len != cl) {
                            len_diff++;
                            g_test_message("VEX map %u op %02x pp %u L %u W %u %s: emu len %u, "
                                           "capstone %d (%s)", map, op, pp, L, W,
                                           form ? "mem" : "reg", in.len, cl, mn);
                        }
                    } else if (r == DECODE_OK) {
                        emu_only++;
                    } else if (cl > 0) {
                        cs_only++;
                        g_assert_false(decode_vex_valid[map - 1][op / 32] & (1u << (op % 32)));
                    }
                }
            }
        }
    }
    g_test_message("VEX sweep: %u both decode (%u length differences), %u emu86 only "
                   "(capstone 4 lacks them), %u capstone only (not offered)",
                   both, len_diff, emu_only, cs_only);
    g_assert_cmpuint(len_diff, ==, 0);
    g_assert_cmpuint(both, >, 2000);   /* capstone rejects the pp/L/W emu86 #UDs at run time */
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/decode/corpus64", test_corpus64);
    g_test_add_func("/decode/corpus32", test_corpus32);
    g_test_add_func("/decode/corpus16", test_corpus16);
    g_test_add_func("/decode/nasm", test_nasm);
    g_test_add_func("/decode/opcode-maps", test_opcode_maps);
    g_test_add_func("/decode/random-vs-capstone", test_random_vs_capstone);
    g_test_add_func("/decode/vex-vs-capstone", test_vex_vs_capstone);
    return g_test_run();
}

/*
 * tests/difftest/difftest.c - differential tester: random instruction
 * sequences run on the host CPU and on emu86's CPU core from the same
 * state, compared register by register, flag by flag, byte by byte.
 *
 * Design notes (docs/difftest.md has the long version):
 *  - Generation walks the decoder's own opcode tables (decode_map1/2,
 *    decode_groups, decode_0f01_reg): every entry becomes a candidate and
 *    its operand descriptors (A_*) say how to encode ModRM, SIB and the
 *    immediates.  Lengths are computed here, independently of decode.c, so
 *    a decoder length bug shows up as a mismatch.  Memory operands get a
 *    helper `mov reg, imm64` before them so that the effective address
 *    lands in the sandbox; branches are patched to forward targets inside
 *    the sequence.  Every sequence ends with int3.
 *  - The same virtual layout exists natively and in emu86: data sandbox at
 *    DATA_ADDR (NX), code page at CODE_ADDR, nothing around them, so
 *    RIP-relative, absolute and stack addresses are identical and wild
 *    accesses fault at the same address on both sides.
 *  - Native side: a persistent child process (so a wild store cannot hurt
 *    the tester) runs each job from a shared mailbox: a trampoline loads
 *    all GPRs, RSP and RFLAGS and jumps to the code; the run always ends in
 *    a signal (the final int3 or a fault), whose handler (on an alternate
 *    stack) records ucontext registers, trap number, error code and CR2.
 *  - emu86 side: a CPU in 64-bit long mode at CPL 3 with 4-level page
 *    tables mapping the same pages, stepped one instruction at a time the
 *    way accel/tcg does it (fetch through the MMU, decode_insn, LOCK/NO64
 *    validity, IF_PRIV, handler), exceptions caught on env->jmp_env.
 *  - Flags the SDM leaves undefined are tracked through the sequence per
 *    instruction with the emulator's pre-instruction values (shift counts,
 *    REP counts); a sequence whose later instruction *reads* an undefined
 *    flag is skipped (the generator inserts `cmp r, r` to make that rare).
 *  - On a mismatch the sequence is rerun on growing prefixes to find the
 *    first instruction where the two sides differ; mismatches are grouped
 *    into classes (operation + what differs) and printed at the end.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "target/i386/decode-internal.h"
#include "target/i386/disas.h"
#include "target/i386/fpu.h"
#include "target/i386/ops.h"
#include "tests/unit/cpu-test-harness.h"

/* ---- layout shared by host and emu86 ---- */
#define DATA_ADDR  0x10000000ull
#define DATA_SIZE  0x4000u            /* 4 pages, RW, NX */
#define CODE_ADDR  0x10008000ull      /* 1 page; 0x10004000-0x10007fff unmapped */
#define CODE_SIZE  0x1000u
#define STACK_TOP  (DATA_ADDR + 0x2800)
/* guest-physical placement in emu86 */
#define PT_PML4    0x1000
#define PT_PDPT    0x2000
#define PT_PD      0x3000
#define PT_PT      0x4000
#define PHYS_DATA  0x10000
#define PHYS_CODE  0x20000

#define MAX_ITEMS  64
#define MXCSR_DEFAULT 0x1f80u
#define MAX_CODE   1024

/* Flags compared (RF and the VM/VIF/VIP bits never change in user mode). */
#define CMP_FLAGS (CC_MASK | DF_MASK | TF_MASK | IF_MASK | IOPL_MASK | NT_MASK | AC_MASK | ID_MASK)

static const char *const op_ids[OP_NB] = {
#define INSN(id, mnemonic, flags) #id,
#include "target/i386/insn.def"
#undef INSN
};

/* ------------------------------------------------------------------ */
/* random numbers: xorshift64*, one stream per sequence so that sequence
 * i of seed S can be replayed alone (--first i --count 1) */
static uint64_t rng;

static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}

static unsigned rn(unsigned n)
{
    return (unsigned)(rnd() % n);
}

static void seed_seq(uint64_t seed, uint64_t i)
{
    uint64_t z = seed * 0x9e3779b97f4a7c15ull + i * 0xbf58476d1ce4e5b9ull + 1;
    z = (z ^ (z >> 31)) * 0x94d049bb133111ebull;
    rng = z ^ (z >> 29) ? z ^ (z >> 29) : 1;
}

/* edge-biased value of `bytes` bytes */
static uint64_t rnd_val(unsigned bytes)
{
    uint64_t v;
    switch (rn(10)) {
    case 0: v = 0; break;
    case 1: v = ~0ull; break;
    case 2: v = 1; break;
    case 3: v = 1ull << (bytes * 8 - 1); break;        /* sign bit */
    case 4: v = (1ull << (bytes * 8 - 1)) - 1; break;  /* max signed */
    case 5: v = rn(70); break;                         /* small: counts */
    case 6: v = 1ull << rn(64); break;
    default: v = rnd(); break;
    }
    return v & size_mask(bytes);
}

/* ------------------------------------------------------------------ */
/* candidates: one per (opcode, group reg, r/m form) of the tables */

enum { RM_NONE, RM_REG, RM_MEM, RM_ANY };

typedef struct Cand {
    uint8_t map;          /* 1: one-byte, 2: 0F, 3: 0F 38, 4: 0F 3A */
    uint8_t opc;
    int8_t greg;          /* ModRM.reg for group entries, else -1 */
    int8_t modrm_fixed;   /* 0F 01 register forms: low 6 bits of ModRM, else -1 */
    uint8_t rm;           /* RM_* */
    const DecodeEntry *e;
    uint16_t op;          /* the table's operation */
} Cand;

static Cand cands[1024];
static unsigned nr_cands;
static unsigned long excluded_by_cat[8];
static const char *const excluded_names[8] = {
    "x87 (off by default: --x87 generates it and compares the x87 state)",
    "values differ from the host by design (CPUID, RDTSC, RDTSCP, RDPMC, RDPID)",
    "enter the host kernel (SYSCALL, SYSENTER, INT n, INT1)",
    "segment loads and far transfers (need the host GDT)",
    "descriptor-table reads (host GDT/LDT/TR, Linux UMIP emulation)",
    "invalid table entries (#UD by construction, generated separately)",
    "SSE family disabled by --no-sse",
    "XSAVE family, XGETBV/XSETBV (host XCR0 / XSAVE features differ)",
};

static bool no_sse;
static bool with_x87;   /* --x87: generate D8-DF/9B and compare the x87 state */

static int exclusion(uint16_t op)
{
    switch (op) {
    case OP_FPU:
        return with_x87 ? -1 : 0;
    case OP_SSE:
        return no_sse ? 6 : -1;
    case OP_CPUID: case OP_RDTSC: case OP_RDTSCP: case OP_RDPMC: case OP_RDPID:
        return 1;
    case OP_SYSCALL: case OP_SYSENTER: case OP_INT: case OP_INT1:
        return 2;
    case OP_MOV_SEG: case OP_POP_SEG: case OP_LSS: case OP_LFS: case OP_LGS:
    case OP_JMPF: case OP_CALLF: case OP_RETF: case OP_IRET:
        return 3;
    case OP_SLDT: case OP_STR: case OP_SGDT: case OP_SIDT: case OP_SMSW:
    case OP_LAR: case OP_LSL: case OP_VERR: case OP_VERW:
        return 4;
    default:
        return -1;
    }
}

static bool arg_is_rm(uint8_t a, uint8_t *form)
{
    switch (a) {
    case A_Eb: case A_Ew: case A_Ed: case A_Ev: case A_Evw: case A_Wx:
        *form = RM_ANY;
        return true;
    case A_M: case A_Mb: case A_Mw: case A_Mp: case A_Ms: case A_Mq:
        *form = RM_MEM;
        return true;
    case A_Rv: case A_Rw: case A_Rcr:
        *form = RM_REG;
        return true;
    default:
        return false;
    }
}

static const char *only_op;

static void add_cand(uint8_t map, uint8_t opc, int greg, int fixed, uint8_t rmform,
                     const DecodeEntry *e)
{
    int ex = exclusion(e->op);
    if (ex < 0 && e->op == OP_SSE && map == 2 &&
        ((opc == 0xae && rmform == RM_MEM && greg >= 4 && greg <= 6) ||
         (opc == 0xc7 && greg >= 3 && greg <= 5) ||
         (opc == 0x01 && (fixed == 0x10 || fixed == 0x11)))) {
        ex = 7;
    }
    if (ex >= 0) {
        excluded_by_cat[ex]++;
        return;
    }
    if (only_op && strcasecmp(only_op, op_ids[e->op]) != 0) {
        return;
    }
    Cand *c = &cands[nr_cands++];
    c->map = map;
    c->opc = opc;
    c->greg = (int8_t)greg;
    c->modrm_fixed = (int8_t)fixed;
    c->e = e;
    c->op = e->op;
    c->rm = rmform;
    if (rmform == RM_NONE && (e->flags & DF_MODRM)) {
        c->rm = RM_ANY;
    }
    bool regonly = e->flags & DF_REGONLY;
    for (int i = 0; i < 3; i++) {
        uint8_t f;
        if (arg_is_rm(e->arg[i], &f)) {
            c->rm = rmform != RM_NONE ? rmform : f;
        }
    }
    if (regonly) {
        c->rm = RM_REG;
    }
}

static bool is_prefix_or_escape(uint8_t b)
{
    switch (b) {
    case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
    case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3: case 0x0f:
        return true;
    default:
        return b >= 0x40 && b <= 0x4f;  /* REX in 64-bit mode */
    }
}

static void build_cands(void)
{
    static const DecodeEntry invalid = { OP_INVALID, 0, { 0, 0, 0 } };
    for (int map = 1; map <= 2; map++) {
        const DecodeEntry *tab = map == 1 ? decode_map1 : decode_map2;
        for (int b = 0; b < 256; b++) {
            const DecodeEntry *e = &tab[b];
            if (map == 1 && is_prefix_or_escape((uint8_t)b)) {
                continue;
            }
            if (map == 1 && (b == 0xc4 || b == 0xc5 || b == 0x62)) {
                continue;   /* VEX/EVEX escapes in 64-bit mode */
            }
            if (map == 2 && (b == 0x38 || b == 0x3a)) {
                /* three-byte maps: every opcode of the valid bitmaps */
                static const DecodeEntry sse38 = { OP_SSE, DF_MODRM, { A_Wx, 0, 0 } };
                static const DecodeEntry sse3a = { OP_SSE, DF_MODRM, { A_Wx, A_Ib, 0 } };
                const uint32_t *valid = b == 0x38 ? decode_0f38_valid : decode_0f3a_valid;
                for (int o = 0; o < 256; o++) {
                    if (valid[o / 32] & (1u << (o % 32))) {
                        add_cand(b == 0x38 ? 3 : 4, (uint8_t)o, -1, -1, RM_NONE,
                                 b == 0x38 ? &sse38 : &sse3a);
                    }
                }
                continue;
            }
            if (!(e->flags & DF_GROUP)) {
                add_cand((uint8_t)map, (uint8_t)b, -1, -1, RM_NONE, e);
                continue;
            }
            for (int r = 0; r < 8; r++) {
                const DecodeEntry *ge = &decode_groups[e->op][r];
                if (e->flags & DF_GSPLIT) {
                    add_cand((uint8_t)map, (uint8_t)b, r, -1, RM_MEM, ge->op ? ge : &invalid);
                    if (e->op + 1 == GRP_7R) {
                        for (int lo = 0; lo < 8; lo++) {
                            const DecodeEntry *re = &decode_0f01_reg[r * 8 + lo];
                            add_cand(2, 1, r, r * 8 + lo, RM_REG, re->op ? re : &invalid);
                        }
                    } else {
                        const DecodeEntry *re = &decode_groups[e->op + 1][r];
                        add_cand((uint8_t)map, (uint8_t)b, r, -1, RM_REG, re->op ? re : &invalid);
                    }
                } else {
                    add_cand((uint8_t)map, (uint8_t)b, r, -1, RM_NONE, ge->op ? ge : &invalid);
                }
            }
        }
    }
}

/* ------------------------------------------------------------------ */
/* sequences */

enum { PATCH_NONE, PATCH_REL8, PATCH_REL32, PATCH_ABS64, PATCH_RIPREL };

typedef struct Item {
    uint8_t b[32];
    uint8_t len;
    bool test;            /* the instruction under test (else a helper) */
    bool group_start;     /* first item of a test insn and its helpers:
                           * the only places branches may land */
    const Cand *cand;
    uint8_t patch;        /* PATCH_* */
    uint8_t patch_off;
    int target;           /* item index a branch / abs64 points at */
    uint64_t data_addr;   /* RIP-relative target */
} Item;

typedef struct Seq {
    Item it[MAX_ITEMS];
    int n;
    uint64_t start;       /* address of item 0 */
    uint64_t addr[MAX_ITEMS + 1];
    uint8_t code[MAX_CODE];
    unsigned code_len;    /* without the final int3 */
    uint64_t regs[16];
    uint64_t flags;
    uint8_t xmm[16][16];
    uint32_t mxcsr;
    uint16_t fcw, fsw;    /* x87: control word, status word (TOP) */
    uint8_t ftw;          /* abridged tag, by physical register */
    uint8_t st[8][10];    /* ST(0)..ST(7) in stack order, 80-bit */
    uint8_t data[DATA_SIZE];
} Seq;

static void emit(Item *it, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++) {
        it->b[it->len++] = (uint8_t)(v >> (8 * i));
    }
}

static Item *new_item(Seq *s)
{
    Item *it = &s->it[s->n++];
    memset(it, 0, sizeof(*it));
    it->target = -1;
    return it;
}

/* helper: mov r64, imm64 */
static Item *helper_mov(Seq *s, int reg, uint64_t v)
{
    Item *it = new_item(s);
    emit(it, 0x48 | (reg >= 8 ? 1 : 0), 1);
    emit(it, 0xb8 + (reg & 7), 1);
    it->patch_off = it->len;
    emit(it, v, 8);
    return it;
}

/* a sandbox address with room for `room` bytes; sometimes right at an
 * edge of the mapped area so that accesses straddle into unmapped pages */
static uint64_t rnd_target(unsigned room)
{
    switch (rn(40)) {
    case 0: return DATA_ADDR + DATA_SIZE - 1 - rn(8);
    case 1: return DATA_ADDR - 1 - rn(4);
    default: break;
    }
    uint64_t a = DATA_ADDR + 64 + rn(DATA_SIZE - 128 - room);
    if (rn(3) == 0) {
        a &= ~15ull;
    }
    return a;
}

/* registers the generator must not point elsewhere for this instruction */
static bool reg_is_stack(int r)
{
    return r == R_ESP;
}

/* Encode the ModRM (and SIB/disp) memory form: appends to `it`, emits the
 * helpers that set base/index into `s` (before `it` is placed: the caller
 * builds `it` in a scratch buffer).  rel_fixup: set for RIP-relative. */
static void gen_mem(Seq *s, Item *it, uint8_t reg3, uint8_t *rex, bool a32, unsigned room,
                    bool avoid_rsp)
{
    uint64_t t = rnd_target(room);
    unsigned form = rn(10);
    if (form == 0) {
        /* RIP-relative */
        emit(it, 0x05 | (reg3 << 3), 1);
        it->patch = PATCH_RIPREL;
        it->patch_off = it->len;
        it->data_addr = t;
        emit(it, 0, 4);
        return;
    }
    if (form == 1) {
        /* [disp32] through SIB with no base and no index */
        emit(it, 0x04 | (reg3 << 3), 1);
        emit(it, 0x25, 1);
        emit(it, t, 4);
        return;
    }
    int base, index = -1;
    unsigned scale = rn(4);
    do {
        base = rn(16);
    } while (avoid_rsp && reg_is_stack(base));
    bool use_sib = (base & 7) == 4 || rn(3) == 0;
    if (use_sib && rn(4) != 0) {
        do {
            index = rn(16);
        } while (index == R_ESP || index == base || (avoid_rsp && reg_is_stack(index)));
    }
    unsigned mod = rn(3);
    if (mod == 0 && (base & 7) == 5) {
        mod = 1;  /* [rbp]/[r13] need a displacement */
    }
    int64_t disp = 0;
    if (mod == 1) {
        disp = (int8_t)rnd();
    } else if (mod == 2) {
        disp = rn(4) ? (int64_t)(int32_t)rnd() : (int64_t)(int32_t)(rnd() % 4096) - 2048;
    }
    uint64_t ival = 0;
    if (index >= 0) {
        ival = rn(2) ? rn(64) : (uint64_t)-(int64_t)rn(64);
        if (a32) {
            ival = (ival & 0xffffffffull) | (rnd() << 32);
        }
    }
    uint64_t bval = t - disp - (ival << scale);
    if (a32) {
        bval = (bval & 0xffffffffull) | (rnd() << 32);
    }
    helper_mov(s, base, bval);
    if (index >= 0) {
        helper_mov(s, index, ival);
    }
    *rex |= (base & 8) ? 1 : 0;
    if (use_sib) {
        emit(it, (mod << 6) | (reg3 << 3) | 4, 1);
        uint8_t ix = index >= 0 ? (index & 7) : 4;
        if (index >= 8) {
            *rex |= 2;
        }
        emit(it, (scale << 6) | (ix << 3) | (base & 7), 1);
    } else {
        emit(it, (mod << 6) | (reg3 << 3) | (base & 7), 1);
    }
    if (mod == 1) {
        emit(it, (uint64_t)disp, 1);
    } else if (mod == 2) {
        emit(it, (uint64_t)disp, 4);
    }
}

static uint64_t flags_image(void)
{
    uint64_t f = EFLAGS_FIXED1 | IF_MASK | (rnd() & CC_MASK);
    if (rn(8) == 0) {
        f |= DF_MASK;
    }
    return f;
}

/* Generate one instruction under test (plus its helpers) into s. */
static void gen_insn(Seq *s)
{
    const Cand *c = &cands[rn(nr_cands)];
    const DecodeEntry *e = c->e;
    Item tmp;
    memset(&tmp, 0, sizeof(tmp));
    tmp.target = -1;
    tmp.test = true;
    tmp.cand = c;

    uint16_t op = c->op;
    bool byte = e->flags & DF_BYTE;
    bool string = op == OP_MOVS || op == OP_CMPS || op == OP_STOS || op == OP_LODS ||
                  op == OP_SCAS || op == OP_INS || op == OP_OUTS;
    bool p66 = rn(5) == 0;
    bool p67 = rn(10) == 0;
    uint8_t rex = rn(5) < 3 ? 0x40 | (uint8_t)rn(16) : 0;
    uint8_t rep = 0;
    if (string || op == OP_NOP || op == OP_XCHG) {
        rep = rn(3) ? (rn(2) ? 0xf3 : 0xf2) : 0;
    } else if (op == OP_SSE) {
        /* mandatory prefix: none, 66, F3, F2 alike */
        unsigned m = rn(4);
        p66 = m == 1 || (m > 1 && rn(10) == 0);
        rep = m == 2 ? 0xf3 : m == 3 ? 0xf2 : 0;
    } else if (rn(25) == 0) {
        rep = rn(2) ? 0xf3 : 0xf2;
    }

    /* decide the r/m form first: it decides LOCK and helpers */
    bool mem = false;
    if (c->rm == RM_MEM) {
        mem = true;
    } else if (c->rm == RM_ANY) {
        mem = rn(2);
    }
    bool lock = false;
    if (insn_op_flags[op] & IF_LOCK) {
        lock = mem && rn(3) == 0;
    }
    if (rn(60) == 0) {
        lock = true;   /* misplaced LOCK: #UD on both */
    }

    /* operand size for immediates */
    bool rexw = rex & 8;
    unsigned opsize;
    if (byte) {
        opsize = 1;
    } else if (e->flags & DF_F64) {
        opsize = 8;
    } else if (rexw) {
        opsize = 8;
    } else if (e->flags & DF_D64) {
        opsize = p66 ? 2 : 8;
    } else {
        opsize = p66 ? 2 : 4;
    }
    if ((e->flags & DF_OPZ) && opsize > 4) {
        opsize = 4;
    }
    if (e->flags & DF_OP16) {
        opsize = 2;
    }

    /* stack users and string ops need sane pointers: helpers */
    if (string) {
        unsigned room = 64;
        uint64_t si = DATA_ADDR + 0x100 + rn(0x1000), di = DATA_ADDR + 0x1200 + rn(0x1000);
        if (rn(20) == 0) {
            di = DATA_ADDR + DATA_SIZE - rn(16);
        }
        if (p67) {
            si |= rnd() << 32;
            di |= rnd() << 32;
        }
        helper_mov(s, R_ESI, si);
        helper_mov(s, R_EDI, di);
        helper_mov(s, R_ECX, (rn(4) ? rn(6) : rn(40)) | (p67 ? rnd() << 32 : 0));
        (void)room;
    }
    if (op == OP_XLAT) {
        helper_mov(s, R_EBX, rnd_target(256) | (p67 ? rnd() << 32 : 0));
    }
    if (op == OP_LEAVE || op == OP_ENTER) {
        helper_mov(s, R_EBP, STACK_TOP - 0x100 + rn(0x200));
    }
    if (op == OP_POPF) {
        /* push a sane image first: TF would trap and AC would turn on
         * alignment checking in the host (CR0.AM=1) */
        Item *h = new_item(s);
        uint64_t v = flags_image() | (rn(2) ? NT_MASK : 0) | (rn(2) ? ID_MASK : 0);
        v &= ~(uint64_t)(TF_MASK | AC_MASK);
        emit(h, 0x68, 1);
        emit(h, v, 4);
    }

    /* prefixes: legacy in random order, then REX last */
    uint8_t pfx[8];
    int np = 0;
    if (p66) pfx[np++] = 0x66;
    if (p67 && (mem || string || op == OP_XLAT || op == OP_LOOP || op == OP_LOOPE ||
                op == OP_LOOPNE || op == OP_JCXZ || c->e->arg[0] == A_Ob || c->e->arg[0] == A_Ov ||
                c->e->arg[1] == A_Ob || c->e->arg[1] == A_Ov)) {
        pfx[np++] = 0x67;
    } else {
        p67 = false;
    }
    if (rep) pfx[np++] = rep;
    if (lock) pfx[np++] = 0xf0;
    if (rn(20) == 0) {
        static const uint8_t segs[] = { 0x26, 0x2e, 0x36, 0x3e };
        pfx[np++] = segs[rn(4)];
    }
    for (int i = np - 1; i > 0; i--) {
        int j = rn(i + 1);
        uint8_t t = pfx[i]; pfx[i] = pfx[j]; pfx[j] = t;
    }
    for (int i = 0; i < np; i++) {
        emit(&tmp, pfx[i], 1);
    }
    unsigned rex_pos = tmp.len;
    if (rex) {
        emit(&tmp, rex, 1);
    }
    if (c->map >= 2) {
        emit(&tmp, 0x0f, 1);
    }
    if (c->map == 3 || c->map == 4) {
        emit(&tmp, c->map == 3 ? 0x38 : 0x3a, 1);
    }
    emit(&tmp, c->opc, 1);

    bool has_modrm = (e->flags & DF_MODRM) || c->greg >= 0 || c->modrm_fixed >= 0 ||
                     c->rm != RM_NONE;
    if (has_modrm) {
        uint8_t reg3 = c->greg >= 0 ? (uint8_t)c->greg : (uint8_t)rn(8);
        if (c->modrm_fixed >= 0) {
            emit(&tmp, 0xc0 | (uint8_t)c->modrm_fixed, 1);
        } else if (mem) {
            uint8_t rexbits = 0;
            /* helpers for base/index are emitted now, before the insn */
            gen_mem(s, &tmp, reg3, &rexbits, p67, 64, false);
            if (rexbits) {
                if (!rex) {
                    /* insert a REX byte for REX.B/X */
                    memmove(&tmp.b[rex_pos + 1], &tmp.b[rex_pos], tmp.len - rex_pos);
                    tmp.len++;
                    if (tmp.patch) {
                        tmp.patch_off++;
                    }
                    rex = 0x40;
                }
                rex = (rex & ~3) | rexbits;
                tmp.b[rex_pos] = rex;
            } else if (rex) {
                /* REX.B/X of the generator's choice would change the
                 * registers: clear them so the helpers stay right */
                rex &= ~3;
                tmp.b[rex_pos] = rex;
            }
        } else {
            emit(&tmp, 0xc0 | (reg3 << 3) | (uint8_t)rn(8), 1);
        }
    }

    /* immediates */
    for (int i = 0; i < 3; i++) {
        switch (e->arg[i]) {
        case A_Ib: case A_Ibs:
            if (op == OP_ENTER) {
                break;
            }
            emit(&tmp, rnd_val(1), 1);
            break;
        case A_Iw:
            emit(&tmp, op == OP_RET ? rn(3) * 8 + rn(2) * rn(5) : rnd_val(2), 2);
            break;
        case A_Iz:
            emit(&tmp, rnd_val(opsize == 2 ? 2 : 4), opsize == 2 ? 2 : 4);
            break;
        case A_Iv:
            emit(&tmp, rnd_val(opsize), opsize);
            break;
        case A_Jb:
            tmp.patch = PATCH_REL8;
            tmp.patch_off = tmp.len;
            emit(&tmp, 0, 1);
            break;
        case A_Jz:
            tmp.patch = PATCH_REL32;
            tmp.patch_off = tmp.len;
            emit(&tmp, 0, 4);
            break;
        case A_ENTER:
            emit(&tmp, rn(4) ? rn(64) : rnd_val(2), 2);
            emit(&tmp, rn(3) ? rn(3) : rnd_val(1), 1);
            break;
        case A_Ap:
            emit(&tmp, rnd(), 6);
            break;
        case A_Ob: case A_Ov: {
            uint64_t t = rnd_target(16);
            if (p67) {
                emit(&tmp, t, 4);
            } else {
                emit(&tmp, t, 8);
            }
            break;
        }
        default:
            break;
        }
    }
    /* indirect near JMP/CALL through a register: point it at a later
     * instruction half of the time (patched at layout) */
    if ((op == OP_JMP || op == OP_CALL) && has_modrm && !mem && rn(2)) {
        uint8_t modrm = tmp.b[tmp.len - 1];
        int r = (modrm & 7) | ((rex & 1) ? 8 : 0);
        Item *h = helper_mov(s, r, 0);
        h->patch = PATCH_ABS64;
        h->target = -2; /* filled below: "some item after the test insn" */
    }
    Item *it = new_item(s);
    *it = tmp;
}

/* insert `cmp r64, r64` (defines all six arithmetic flags) */
static void helper_cmp(Seq *s)
{
    Item *it = new_item(s);
    emit(it, 0x48 | (rn(2) ? 4 : 0) | (rn(2) ? 1 : 0), 1);
    emit(it, 0x39, 1);
    emit(it, 0xc0 | (rn(8) << 3) | rn(8), 1);
}

/* Lay the items out and resolve the patches. */
static void layout(Seq *s)
{
    uint64_t a = s->start;
    for (int i = 0; i < s->n; i++) {
        s->addr[i] = a;
        a += s->it[i].len;
    }
    s->addr[s->n] = a;
    for (int i = 0; i < s->n; i++) {
        Item *it = &s->it[i];
        uint64_t next = s->addr[i] + it->len;
        switch (it->patch) {
        case PATCH_REL8: case PATCH_REL32: {
            if (it->target < 0) {
                /* a random later group start (or the end) within reach;
                 * the next item is always a fallback (disp 0) */
                int j = i + 1 + rn(s->n - i);
                while (j > i + 1 && ((j < s->n && !s->it[j].group_start) ||
                                     (it->patch == PATCH_REL8 && s->addr[j] - next > 127))) {
                    j--;
                }
                it->target = j;
            }
            int64_t d = (int64_t)(s->addr[it->target] - next);
            memcpy(&it->b[it->patch_off], &d, it->patch == PATCH_REL8 ? 1 : 4);
            break;
        }
        case PATCH_ABS64:
            if (it->target < 0) {
                /* the test insn follows this helper: go past it */
                int j = i + 2 + rn(s->n - i - 1 > 0 ? s->n - i - 1 : 1);
                j = j > s->n ? s->n : j;
                while (j < s->n && !s->it[j].group_start) {
                    j++;
                }
                it->target = j;
            }
            memcpy(&it->b[it->patch_off], &s->addr[it->target], 8);
            break;
        case PATCH_RIPREL: {
            int64_t d = (int64_t)(it->data_addr - next);
            memcpy(&it->b[it->patch_off], &d, 4);
            break;
        }
        }
    }
    unsigned n = 0;
    for (int i = 0; i < s->n; i++) {
        memcpy(&s->code[n], s->it[i].b, s->it[i].len);
        n += s->it[i].len;
    }
    s->code_len = n;
    s->code[n] = 0xcc;
}

/* ------------------------------------------------------------------ */
/* flag bookkeeping: what an instruction reads, defines and leaves
 * undefined, given the state before it (SDM Vol.2 per instruction,
 * Vol.1 Appendix A) */

typedef struct FlagFx {
    uint32_t read, def, undef;
    bool result_undefined;
} FlagFx;

static uint32_t cond_flags(int cond)
{
    switch (cond >> 1) {
    case 0: return CC_O;
    case 1: return CC_C;
    case 2: return CC_Z;
    case 3: return CC_C | CC_Z;
    case 4: return CC_S;
    case 5: return CC_P;
    case 6: return CC_S | CC_O;
    default: return CC_Z | CC_S | CC_O;
    }
}

static uint64_t count_reg(const CPUX86State *env, const Insn *in)
{
    uint64_t c = env->regs[R_ECX];
    return in->addrsize == 8 ? c : in->addrsize == 4 ? (uint32_t)c : (uint16_t)c;
}

static FlagFx flag_effects(const CPUX86State *env, const Insn *in)
{
    FlagFx fx = { 0, 0, 0, false };
    unsigned size = in->nr_ops && in->ops[0].size ? in->ops[0].size : in->opsize;
    unsigned bits = size * 8;
    const uint32_t ALL = CC_MASK;

    switch (in->op) {
    case OP_ADD: case OP_SUB: case OP_CMP: case OP_NEG:
    case OP_XADD: case OP_CMPXCHG:
        fx.def = ALL;
        break;
    case OP_ADC: case OP_SBB:
        fx.read = CC_C;
        fx.def = ALL;
        break;
    case OP_INC: case OP_DEC:
        fx.def = ALL & ~CC_C;
        break;
    case OP_AND: case OP_OR: case OP_XOR: case OP_TEST:
        fx.def = ALL & ~CC_A;
        fx.undef = CC_A;
        break;
    case OP_MUL: case OP_IMUL1: case OP_IMUL:
        fx.def = CC_C | CC_O;
        fx.undef = CC_S | CC_Z | CC_A | CC_P;
        break;
    case OP_DIV: case OP_IDIV:
        fx.undef = ALL;
        break;
    case OP_SHL: case OP_SHR: case OP_SAR: case OP_ROL: case OP_ROR:
    case OP_RCL: case OP_RCR: {
        uint64_t cnt = in->ops[1].kind == OPK_IMM ? (uint64_t)in->imm : env->regs[R_ECX];
        unsigned c = cnt & (size == 8 ? 63 : 31);
        bool rot = in->op == OP_ROL || in->op == OP_ROR || in->op == OP_RCL || in->op == OP_RCR;
        if (in->op == OP_RCL || in->op == OP_RCR) {
            fx.read = c ? CC_C : 0;
        }
        if (!c) {
            break;
        }
        if (rot) {
            fx.def = CC_C | CC_O;
        } else {
            fx.def = ALL & ~CC_A;
            fx.undef = CC_A;
            if (c >= bits && in->op != OP_SAR) {
                fx.undef |= CC_C;
            }
        }
        if (c != 1) {
            fx.undef |= CC_O;
        }
        break;
    }
    case OP_SHLD: case OP_SHRD: {
        uint64_t cnt = in->ops[2].kind == OPK_IMM ? (uint64_t)in->imm : env->regs[R_ECX];
        unsigned c = cnt & (size == 8 ? 63 : 31);
        if (!c) {
            break;
        }
        if (c > bits) {
            fx.undef = ALL;
            fx.result_undefined = true;
            break;
        }
        fx.def = ALL & ~CC_A;
        fx.undef = CC_A | (c != 1 ? CC_O : 0);
        break;
    }
    case OP_BT: case OP_BTS: case OP_BTR: case OP_BTC:
        fx.def = CC_C;
        fx.undef = CC_O | CC_S | CC_A | CC_P;
        break;
    case OP_BSF: case OP_BSR:
        fx.def = CC_Z;
        fx.undef = CC_C | CC_O | CC_S | CC_A | CC_P;
        break;
    case OP_CMPXCHG8B:
        fx.def = CC_Z;
        break;
    case OP_SETCC: case OP_CMOV: case OP_JCC:
        fx.read = cond_flags(in->cond);
        break;
    case OP_LOOPE: case OP_LOOPNE:
        fx.read = CC_Z;
        break;
    case OP_LAHF:
        fx.read = CC_S | CC_Z | CC_A | CC_P | CC_C;
        break;
    case OP_SAHF:
        fx.def = CC_S | CC_Z | CC_A | CC_P | CC_C;
        break;
    case OP_PUSHF:
        fx.read = ALL;
        break;
    case OP_CMC:
        fx.read = CC_C;
        fx.def = CC_C;
        break;
    case OP_CLC: case OP_STC:
        fx.def = CC_C;
        break;
    case OP_POPF:
        fx.def = ALL;
        break;
    case OP_CMPS: case OP_SCAS:
        if (!(in->prefix & (PFX_REP | PFX_REPNE)) || count_reg(env, in)) {
            fx.def = ALL;
        }
        break;
    default:
        break;
    }
    return fx;
}

/* Bytes of a sequence at `start` that fit in the code page (the rest
 * would be on the unmapped page after it). */
static size_t code_room(uint64_t start, size_t len)
{
    uint64_t room = CODE_ADDR + CODE_SIZE - start;
    return len < room ? len : (size_t)room;
}

/* ------------------------------------------------------------------ */
/* native side: persistent child, shared mailbox */

typedef struct HostJob {
    uint8_t code[MAX_CODE + 1];
    unsigned code_len;
    uint64_t entry;
    uint64_t regs[16];
    uint64_t flags;
    uint8_t xmm[16][16];
    uint32_t mxcsr;
    uint16_t fcw, fsw;
    uint8_t ftw;
    uint8_t st[8][10];
    uint8_t data[DATA_SIZE];
} HostJob;

typedef struct HostResult {
    int signo;
    int si_code;
    uint64_t regs[16];
    uint64_t rip, flags;
    uint64_t trapno, err, cr2;
    uint8_t xmm[16][16];
    uint32_t mxcsr;
    uint16_t fcw, fsw;
    uint8_t ftw;
    uint8_t st[8][10];
    uint8_t data[DATA_SIZE];
    uint16_t sel_cs, sel_ss, sel_ds, sel_es, sel_fs, sel_gs;
} HostResult;

typedef struct Mailbox {
    HostJob job;
    HostResult res;
} Mailbox;

static Mailbox *mbox;
static pid_t child_pid = -1;
static int to_child = -1, from_child = -1;

/* Child-side state (the child is a fork of this process). */
static sigjmp_buf child_jb;
/* Pop order of the trampoline: flags, rax..rdi (no rsp), r8..r15, rsp */
static uint64_t tramp_block[18];
__attribute__((used, visibility("hidden"))) uint64_t difftest_tramp_entry;

/* rdi = the pop block, rsi = a 512-byte FXSAVE image (x87 clean, the
 * job's XMM registers and MXCSR) */
void difftest_enter(uint64_t *block, void *fximage);
asm(".text\n"
    ".globl difftest_enter\n"
    ".type difftest_enter, @function\n"
    "difftest_enter:\n"
    "  fxrstor64 (%rsi)\n"
    "  mov %rdi, %rsp\n"
    "  popfq\n"
    "  pop %rax\n  pop %rcx\n  pop %rdx\n  pop %rbx\n"
    "  pop %rbp\n  pop %rsi\n  pop %rdi\n"
    "  pop %r8\n  pop %r9\n  pop %r10\n  pop %r11\n"
    "  pop %r12\n  pop %r13\n  pop %r14\n  pop %r15\n"
    "  pop %rsp\n"
    "  jmp *difftest_tramp_entry(%rip)\n"
    ".size difftest_enter, .-difftest_enter\n");

static void child_signal(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    greg_t *g = uc->uc_mcontext.gregs;
    HostResult *r = &mbox->res;
    static const int map[16] = {
        REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
        REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
    };
    r->signo = sig;
    r->si_code = si->si_code;
    for (int i = 0; i < 16; i++) {
        r->regs[i] = (uint64_t)g[map[i]];
    }
    r->rip = (uint64_t)g[REG_RIP];
    r->flags = (uint64_t)g[REG_EFL];
    r->trapno = (uint64_t)g[REG_TRAPNO];
    r->err = (uint64_t)g[REG_ERR];
    r->cr2 = (uint64_t)g[REG_CR2];
    if (uc->uc_mcontext.fpregs) {
        const struct _libc_fpstate *fp = uc->uc_mcontext.fpregs;
        r->mxcsr = fp->mxcsr;
        memcpy(r->xmm, fp->_xmm, sizeof(r->xmm));
        r->fcw = fp->cwd;
        r->fsw = fp->swd;
        r->ftw = (uint8_t)fp->ftw;
        for (int i = 0; i < 8; i++) {
            memcpy(r->st[i], &fp->_st[i], 10);   /* stack order */
        }
    }
    memcpy(r->data, (void *)DATA_ADDR, DATA_SIZE);
    siglongjmp(child_jb, 1);
}

static void child_main(void)
{
    static uint8_t altstack[65536];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = child_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    int sigs[] = { SIGSEGV, SIGILL, SIGFPE, SIGBUS, SIGTRAP };
    for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        sigaction(sigs[i], &sa, NULL);
    }
    void *d = mmap((void *)DATA_ADDR, DATA_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    void *c = mmap((void *)CODE_ADDR, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (d != (void *)DATA_ADDR || c != (void *)CODE_ADDR) {
        _exit(3);
    }
    uint16_t s;
    asm volatile("mov %%cs, %0" : "=r"(s)); mbox->res.sel_cs = s;
    asm volatile("mov %%ss, %0" : "=r"(s)); mbox->res.sel_ss = s;
    asm volatile("mov %%ds, %0" : "=r"(s)); mbox->res.sel_ds = s;
    asm volatile("mov %%es, %0" : "=r"(s)); mbox->res.sel_es = s;
    asm volatile("mov %%fs, %0" : "=r"(s)); mbox->res.sel_fs = s;
    asm volatile("mov %%gs, %0" : "=r"(s)); mbox->res.sel_gs = s;
    /* the x87/SSE image every job starts from: after FNINIT, registers
     * zero (as emu86's fpu_init_state(env, true)) */
    static uint8_t fximg[512] __attribute__((aligned(64)));
    asm volatile("fninit\n\tfxsave64 %0" : "=m"(fximg));
    memset(fximg + 32, 0, 128);  /* ST0-ST7 / MM0-MM7 */
    char ch = 'r';
    if (write(1, &ch, 1) != 1) {
        _exit(4);
    }
    for (;;) {
        if (read(0, &ch, 1) != 1) {
            _exit(0);
        }
        HostJob *j = &mbox->job;
        memcpy((void *)DATA_ADDR, j->data, DATA_SIZE);
        /* fill the page with int3 as emu86 does, then place the code */
        memset((void *)CODE_ADDR, 0xcc, CODE_SIZE);
        memcpy((void *)j->entry, j->code, code_room(j->entry, j->code_len + 1));
        tramp_block[0] = j->flags;
        int k = 1;
        for (int i = 0; i < 16; i++) {
            if (i != R_ESP) {
                tramp_block[k++] = j->regs[i];
            }
        }
        tramp_block[k] = j->regs[R_ESP];
        difftest_tramp_entry = j->entry;
        memcpy(fximg + 0, &j->fcw, 2);
        memcpy(fximg + 2, &j->fsw, 2);
        fximg[4] = j->ftw;
        memcpy(fximg + 24, &j->mxcsr, 4);
        for (int i = 0; i < 8; i++) {
            memset(fximg + 32 + 16 * i, 0, 16);
            memcpy(fximg + 32 + 16 * i, j->st[i], 10);
        }
        memcpy(fximg + 160, j->xmm, sizeof(j->xmm));
        if (sigsetjmp(child_jb, 1) == 0) {
            difftest_enter(tramp_block, fximg);
        }
        if (write(1, &ch, 1) != 1) {
            _exit(4);
        }
    }
}

static void host_stop(void)
{
    if (child_pid > 0) {
        close(to_child);
        close(from_child);
        kill(child_pid, SIGKILL);
        waitpid(child_pid, NULL, 0);
        child_pid = -1;
    }
}

static bool host_start(void)
{
    int p1[2], p2[2];
    if (pipe(p1) || pipe(p2)) {
        return false;
    }
    pid_t pid = fork();
    if (pid < 0) {
        return false;
    }
    if (pid == 0) {
        dup2(p1[0], 0);
        dup2(p2[1], 1);
        close(p1[0]); close(p1[1]); close(p2[0]); close(p2[1]);
        child_main();
        _exit(0);
    }
    close(p1[0]);
    close(p2[1]);
    to_child = p1[1];
    from_child = p2[0];
    child_pid = pid;
    char ch;
    if (read(from_child, &ch, 1) != 1) {
        host_stop();
        return false;
    }
    return true;
}

enum { HOST_OK, HOST_TIMEOUT, HOST_DIED };

static int host_run(const Seq *s)
{
    if (child_pid < 0 && !host_start()) {
        fprintf(stderr, "difftest: cannot start the host runner\n");
        exit(2);
    }
    HostJob *j = &mbox->job;
    memcpy(j->code, s->code, s->code_len + 1);
    j->code_len = s->code_len;
    j->entry = s->start;
    memcpy(j->regs, s->regs, sizeof(j->regs));
    j->flags = s->flags;
    memcpy(j->xmm, s->xmm, sizeof(j->xmm));
    j->mxcsr = s->mxcsr;
    j->fcw = s->fcw;
    j->fsw = s->fsw;
    j->ftw = s->ftw;
    memcpy(j->st, s->st, sizeof(j->st));
    memcpy(j->data, s->data, DATA_SIZE);
    memset(&mbox->res.signo, 0, offsetof(HostResult, data));
    char ch = 'g';
    if (write(to_child, &ch, 1) != 1) {
        host_stop();
        return HOST_DIED;
    }
    struct pollfd pfd = { .fd = from_child, .events = POLLIN };
    int r = poll(&pfd, 1, 2000);
    if (r <= 0) {
        host_stop();
        return HOST_TIMEOUT;
    }
    if (read(from_child, &ch, 1) != 1) {
        host_stop();
        return HOST_DIED;
    }
    return HOST_OK;
}

/* ------------------------------------------------------------------ */
/* emu86 side */

static TestCPU *tc;
static bool host_amd;     /* vendor differences the SDM does not cover */
static uint16_t host_sel[6];

static void emu_setup(void)
{
    tc = tcpu_new(4);
    /* 4-level tables: PML4[0] -> PDPT[0] -> PD[0x80] -> PT */
    pw64(tc, PT_PML4, PT_PDPT | 7);
    pw64(tc, PT_PDPT, PT_PD | 7);
    pw64(tc, PT_PD + 8 * ((DATA_ADDR >> 21) & 511), PT_PT | 7);
    for (unsigned i = 0; i < DATA_SIZE / 4096; i++) {
        pw64(tc, PT_PT + 8 * (((DATA_ADDR >> 12) & 511) + i),
             (PHYS_DATA + i * 4096) | 7 | (1ull << 63));
    }
    pw64(tc, PT_PT + 8 * ((CODE_ADDR >> 12) & 511), PHYS_CODE | 7);
}

static int emu_fetch(void *opaque, unsigned i)
{
    CPUX86State *env = opaque;
    return cpu_fetch_byte(env, env->rip + i);
}

static void emu_reset(const Seq *s)
{
    CPUX86State *env = tc->env;
    memset(env->regs, 0, sizeof(env->regs));
    env->cr[0] = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_PG;
    env->cr[2] = 0;
    env->cr[3] = PT_PML4;
    env->cr[4] = CR4_PAE | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT;
    env->efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
    for (int i = 0; i < NR_SEGS; i++) {
        SegmentCache *sc = &env->segs[i];
        sc->selector = host_sel[i];
        sc->base = 0;
        sc->limit = 0xffffffff;
        sc->flags = sc->selector ? (DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK |
                                    DESC_DPL_MASK | DESC_G_MASK | DESC_B_MASK) : 0;
    }
    env->segs[R_CS].flags = DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK |
                            DESC_A_MASK | DESC_DPL_MASK | DESC_L_MASK | DESC_G_MASK;
    memset(&env->tr, 0, sizeof(env->tr));
    memset(&env->ldt, 0, sizeof(env->ldt));
    env->eflags = EFLAGS_FIXED1;
    cpu_update_mode(env);
    mmu_tlb_flush(env);
    memcpy(env->regs, s->regs, sizeof(env->regs));
    cpu_set_eflags(env, s->flags, ~0ull);
    fpu_init_state(env, true);
    memcpy(env->x87.xmm, s->xmm, sizeof(env->x87.xmm));
    env->x87.mxcsr = s->mxcsr;
    env->x87.fcw = s->fcw;
    env->x87.fsw = s->fsw;
    env->x87.ftw = s->ftw;
    for (int i = 0; i < 8; i++) {
        X87Reg *r = &env->x87.regs[(((s->fsw >> 11) & 7) + i) & 7];
        memcpy(&r->mant, s->st[i], 8);
        memcpy(&r->sexp, s->st[i] + 8, 2);
    }
    env->rip = s->start;
    env->exception_index = -1;
    env->error_code = 0;
    env->has_error_code = false;
    env->halted = false;
    env->inhibit_irq = false;
    memcpy(tc->ram + PHYS_DATA, s->data, DATA_SIZE);
    memset(tc->ram + PHYS_CODE, 0xcc, CODE_SIZE);
    memcpy(tc->ram + PHYS_CODE + (s->start - CODE_ADDR), s->code,
           code_room(s->start, s->code_len + 1));
}

enum {
    EMU_END,           /* reached the final int3 */
    EMU_FAULT,         /* an exception */
    EMU_SKIP_UNDEF,    /* read an undefined flag / undefined result */
    EMU_SKIP_HOSTDIFF, /* an instruction the host decodes differently */
    EMU_STEPS,         /* ran too long */
};

typedef struct EmuOut {
    int status;
    int vector;
    uint32_t err;
    uint64_t cr2;
    uint32_t undef;       /* flags undefined at the end */
    const char *skip_why;
    int fault_item;       /* test item that faulted, or -1 */
    int cur_op;           /* operation being executed (-1 before decode) */
    int fault_op;         /* operation of a test item that faulted, or -1 */
    uint64_t ignore_lo[8], ignore_hi[8]; /* sandbox bytes not compared */
    int nr_ignore;
    bool no_cr2;          /* the #PF address is implementation-specific */
    uint16_t exec_ops[MAX_ITEMS]; /* ops of executed test items, in order */
    int nr_exec;
} EmuOut;

static int item_at(const Seq *s, uint64_t rip)
{
    for (int i = 0; i < s->n; i++) {
        if (s->addr[i] == rip) {
            return i;
        }
    }
    return -1;
}

/* Encodings emu86 treats like an older CPU but the host runs as a newer
 * instruction: skip rather than report. */
static const char *host_diff(const Insn *in)
{
    if ((in->opcode == 0x0fbc || in->opcode == 0x0fbd) && (in->prefix & PFX_REP)) {
        return "F3 0F BC/BD: TZCNT/LZCNT on the host (BMI1/ABM), BSF/BSR in emu86's model";
    }
    if (in->op == OP_RDFSBASE || in->op == OP_RDGSBASE || in->op == OP_WRFSBASE ||
        in->op == OP_WRGSBASE) {
        return "RD/WR FS/GS BASE (host TLS base)";
    }
    if (in->op == OP_FPU && !with_x87) {
        return "x87 instruction (run with --x87 to compare)";
    }
    if (host_amd && (in->prefix & PFX_OPSZ) &&
        (in->op == OP_JMP || in->op == OP_JCC || in->op == OP_CALL || in->op == OP_RET ||
         in->op == OP_LOOP || in->op == OP_LOOPE || in->op == OP_LOOPNE || in->op == OP_JCXZ)) {
        return "66 on a near branch: AMD uses a 16-bit operand size, Intel (and emu86) 64";
    }
    if (host_amd && (in->prefix & (PFX_REP | PFX_REPNE)) &&
        (in->op == OP_LOOPE || in->op == OP_LOOPNE)) {
        /* seen on an AMD EPYC host: with F3 LOOPcc tests ZF like LOOPE,
         * with F2 like LOOPNE, whatever the opcode says */
        return "F2/F3 on LOOPE/LOOPNE: the AMD host takes the condition from the prefix";
    }
    if (host_amd && in->opcode == 0x63 && (in->prefix & PFX_OPSZ) && in->nr_ops > 1 &&
        in->ops[1].kind == OPK_MEM) {
        return "66 MOVSXD from memory: the AMD host reads 4 bytes, the SDM says r/m16";
    }
    if (host_amd && in->op == OP_MOV_CR && (in->prefix & PFX_LOCK)) {
        return "LOCK MOV CRn: AMD's alternate encoding of CR8";
    }
    if (in->op == OP_RDPID || in->op == OP_RDTSCP || in->op == OP_CPUID || in->op == OP_RDTSC) {
        return "host-specific values";
    }
    return NULL;
}

static volatile int emu_steps;

/* SSE encodings whose outcome is partly implementation-specific. */
static void sse_quirks(CPUX86State *env, const Insn *in, EmuOut *o)
{
    if (in->op == OP_FPU) {
        /* FLDENV/FNSTENV (D9 /4 /6), FRSTOR/FNSAVE (DD /4 /6) crossing
         * into an unmapped page: the AMD host reports the last byte */
        unsigned r = (in->modrm >> 3) & 7;
        if ((in->opcode == 0xd9 || in->opcode == 0xdd) && (r == 4 || r == 6) &&
            (in->modrm >> 6) != 3 && host_amd) {
            o->no_cr2 = true;
        }
        return;
    }
    unsigned reg = (in->modrm >> 3) & 7, rm = in->modrm & 7;
    bool p66 = in->prefix & PFX_OPSZ;
    bool norep = !(in->prefix & (PFX_REP | PFX_REPNE));

    if (in->opcode == 0x0fae && reg <= 1 && (in->modrm >> 6) != 3 && norep && host_amd) {
        /* FXSAVE/FXRSTOR crossing into an unmapped page: the AMD host
         * reports the operand's last byte in CR2 */
        o->no_cr2 = true;
    }
    if (in->opcode == 0x0fae && reg == 0 && (in->modrm >> 6) != 3 && norep && host_amd) {
        /* FXSAVE: MXCSR_MASK at +28 is 0x2ffff on AMD (MM bit 17),
         * 0xffff in emu86's Intel model */
        uint64_t la = insn_ea(env, in);
        if (o->nr_ignore < 8) {
            o->ignore_lo[o->nr_ignore] = la + 28;
            o->ignore_hi[o->nr_ignore++] = la + 32;
        }
    }
    if (in->opcode == 0x0ff7 && (in->modrm >> 6) == 3 && norep) {
        /* MASKMOVQ / MASKMOVDQU: with an all-zero mask, whether the
         * address still faults is implementation-specific (SDM
         * MASKMOVDQU); which byte a partial fault reports too */
        uint64_t m[2] = { 0, 0 };
        if (p66) {
            memcpy(m, env->x87.xmm[rm | ((in->rex & 1) ? 8 : 0)], 16);
        } else {
            m[0] = env->x87.regs[rm].mant;
        }
        if (!((m[0] | m[1]) & 0x8080808080808080ull)) {
            o->status = EMU_SKIP_HOSTDIFF;
            o->skip_why = "MASKMOVQ/MASKMOVDQU with an all-zero mask (faults: implementation-specific)";
        }
        o->no_cr2 = true;
    }
}

static void emu_run(const Seq *s, EmuOut *o, bool track)
{
    CPUX86State *env = tc->env;
    memset(o, 0, sizeof(*o));
    o->fault_item = -1;
    o->fault_op = -1;
    o->cur_op = -1;
    uint64_t end = s->start + s->code_len;
    /* volatile: read after the longjmp of an exception */
    volatile uint32_t undef = 0;
    emu_reset(s);
    emu_steps = 0;
    Insn in;

    if (setjmp(env->jmp_env)) {
        o->status = EMU_FAULT;
        o->vector = env->exception_index;
        o->err = env->error_code;
        o->cr2 = env->cr[2];
        o->undef = undef;
        o->fault_item = item_at(s, env->rip);
        o->fault_op = o->fault_item >= 0 && s->it[o->fault_item].test ? o->cur_op : -1;
        return;
    }
    while (emu_steps++ < 20000) {
        if (env->rip == end && end < CODE_ADDR + CODE_SIZE) {
            /* (an end marker past the page is never reached: fetch #PF) */
            o->status = EMU_END;
            o->undef = undef;
            return;
        }
        o->cur_op = -1;
        DecodeResult r = decode_insn(&in, MODE_64, emu_fetch, env);
        if (r == DECODE_OK) {
            o->cur_op = in.op;
        }
        if (r == DECODE_OK) {
            uint16_t fl = insn_op_flags[in.op];
            if (in.prefix & PFX_LOCK) {
                if (!(fl & IF_LOCK) || in.nr_ops == 0 || in.ops[0].kind != OPK_MEM) {
                    r = DECODE_UD;
                }
            }
            if ((fl & IF_NO64) || in.op == OP_INVALID) {
                r = DECODE_UD;
            }
        }
        if (r == DECODE_UD) {
            cpu_raise_exception(env, EXCP_UD);
        } else if (r != DECODE_OK) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
        const char *hd = host_diff(&in);
        if (hd) {
            o->status = EMU_SKIP_HOSTDIFF;
            o->skip_why = hd;
            return;
        }
        if (env->eflags & (TF_MASK | AC_MASK)) {
            /* only a POPF reached without its sanitising push can do this */
            o->status = EMU_SKIP_HOSTDIFF;
            o->skip_why = "TF or AC set (single-step / alignment check not modelled here)";
            return;
        }
        int idx = item_at(s, env->rip);
        FlagFx fx = flag_effects(env, &in);
        if ((in.op == OP_BSF || in.op == OP_BSR) && insn_get_op(env, &in, 1) == 0) {
            /* zero source: destination undefined (SDM BSF/BSR) */
            fx.result_undefined = true;
        }
        if (track && (fx.read & undef)) {
            o->status = EMU_SKIP_UNDEF;
            o->skip_why = "an instruction reads a flag left undefined by an earlier one";
            return;
        }
        if (in.op == OP_INT3) {
            /* no IDT here: report the trap the way the host does */
            if (idx >= 0 && s->it[idx].test && o->nr_exec < MAX_ITEMS) {
                o->exec_ops[o->nr_exec++] = in.op;
            }
            env->rip += in.len;
            env->exception_index = EXCP_BP;
            env->error_code = 0;
            longjmp(env->jmp_env, 1);
        }
        if ((insn_op_flags[in.op] & IF_PRIV) && env->cpl != 0) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
        env->next_rip = env->rip + in.len;
        if (in.op == OP_SSE || in.op == OP_FPU) {
            sse_quirks(env, &in, o);
            if (o->status == EMU_SKIP_HOSTDIFF) {
                return;
            }
        }
        insn_handlers[in.op](env, &in);
        env->rip = env->next_rip;
        if (idx >= 0 && s->it[idx].test && o->nr_exec < MAX_ITEMS) {
            o->exec_ops[o->nr_exec++] = in.op;
        }
        if (track && fx.result_undefined) {
            o->status = EMU_SKIP_UNDEF;
            o->skip_why = in.op == OP_BSF || in.op == OP_BSR ?
                "BSF/BSR with a zero source (destination undefined)" :
                "SHLD/SHRD with count > operand size (result undefined)";
            return;
        }
        undef = (undef & ~fx.def) | fx.undef;
    }
    o->status = EMU_STEPS;
}

/* ------------------------------------------------------------------ */
/* comparison */

static const char *const reg_names[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

typedef struct Diff {
    bool any;
    char what[64];        /* class suffix: fault / reg / flags / mem / rip */
    char text[4096];
    size_t tl;
} Diff;

static void dprintf_(Diff *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (d->tl < sizeof(d->text)) {
        int n = vsnprintf(d->text + d->tl, sizeof(d->text) - d->tl, fmt, ap);
        if (n > 0) {
            d->tl += (size_t)n;
        }
    }
    va_end(ap);
}

static void set_what(Diff *d, const char *w)
{
    if (!d->any) {
        snprintf(d->what, sizeof(d->what), "%s", w);
    }
    d->any = true;
}

static void flag_str(uint64_t f, char *out)
{
    static const struct { uint32_t m; char c; } fl[] = {
        { CC_O, 'O' }, { DF_MASK, 'D' }, { IF_MASK, 'I' }, { TF_MASK, 'T' }, { CC_S, 'S' },
        { CC_Z, 'Z' }, { CC_A, 'A' }, { CC_P, 'P' }, { CC_C, 'C' },
    };
    for (unsigned i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
        *out++ = (f & fl[i].m) ? fl[i].c : '-';
    }
    *out = 0;
}

/* vector the host reports: Linux puts the hardware vector in trapno */
static int host_vector(const HostResult *h)
{
    return (int)h->trapno;
}

static bool pf_addr_in_sandbox(uint64_t a)
{
    return (a >= DATA_ADDR && a < DATA_ADDR + DATA_SIZE) ||
           (a >= CODE_ADDR && a < CODE_ADDR + CODE_SIZE);
}

/* Returns true when the sequence result should be skipped because the host
 * address space differs (a wild access hit a host mapping). */
static bool compare(const Seq *s, const EmuOut *o, const HostResult *h, Diff *d)
{
    CPUX86State *env = tc->env;
    int ev = o->status == EMU_FAULT ? o->vector : EXCP_BP;
    int hv = host_vector(h);
    uint64_t erip = env->rip;
    if (o->status == EMU_END) {
        erip = env->rip + 1; /* past the final int3, as the host reports */
    }
    if (ev != hv) {
        /* a wild access the host happened to satisfy (or vice versa) */
        if (ev == EXCP_PF && !pf_addr_in_sandbox(o->cr2) &&
            !(hv == EXCP_PF && h->cr2 == o->cr2)) {
            return true;
        }
        set_what(d, "fault");
        dprintf_(d, "  exception: emu86 %d (err %#x, cr2 %#llx), host %d (err %#llx, cr2 %#llx, sig %d)\n",
                 o->status == EMU_FAULT ? ev : -1, o->err, (unsigned long long)o->cr2,
                 hv == EXCP_BP && h->rip == s->start + s->code_len + 1 ? -1 : hv,
                 (unsigned long long)h->err, (unsigned long long)h->cr2, h->signo);
    } else if (ev == EXCP_PF) {
        if (o->cr2 != h->cr2 && !o->no_cr2) {
            set_what(d, "#PF address");
            dprintf_(d, "  #PF address: emu86 %#llx, host %#llx\n",
                     (unsigned long long)o->cr2, (unsigned long long)h->cr2);
        }
        if ((o->err ^ h->err) & (PF_ERR_W | PF_ERR_I)) {
            set_what(d, "#PF error code");
            dprintf_(d, "  #PF error code: emu86 %#x, host %#llx\n", o->err,
                     (unsigned long long)h->err);
        }
    } else if (ev == EXCP_GP || ev == EXCP_SS) {
        if (o->err != h->err) {
            set_what(d, "error code");
            dprintf_(d, "  error code: emu86 %#x, host %#llx\n", o->err, (unsigned long long)h->err);
        }
    }
    if (erip != h->rip) {
        set_what(d, "rip");
        dprintf_(d, "  rip: emu86 %#llx, host %#llx\n", (unsigned long long)erip,
                 (unsigned long long)h->rip);
    }
    for (int i = 0; i < 16; i++) {
        if (env->regs[i] != h->regs[i]) {
            set_what(d, "register");
            dprintf_(d, "  %s: emu86 %#018llx, host %#018llx (was %#llx)\n", reg_names[i],
                     (unsigned long long)env->regs[i], (unsigned long long)h->regs[i],
                     (unsigned long long)s->regs[i]);
        }
    }
    for (int i = 0; i < 16; i++) {
        if (memcmp(env->x87.xmm[i], h->xmm[i], 16)) {
            uint64_t e[2], hh[2], w[2];
            memcpy(e, env->x87.xmm[i], 16);
            memcpy(hh, h->xmm[i], 16);
            memcpy(w, s->xmm[i], 16);
            set_what(d, "xmm");
            dprintf_(d, "  xmm%d: emu86 %016llx%016llx, host %016llx%016llx (was %016llx%016llx)\n",
                     i, (unsigned long long)e[1], (unsigned long long)e[0],
                     (unsigned long long)hh[1], (unsigned long long)hh[0],
                     (unsigned long long)w[1], (unsigned long long)w[0]);
        }
    }
    {
        /* always: MMX instructions write MM0-7 (= the x87 registers), set
         * TOP to 0 and the tags; x87 instructions only with --x87 */
        const X87State *x = &env->x87;
        /* C0-C3 (0x4700) are undefined after many x87 instructions: not
         * compared; TOP, the exception flags, SF, ES and B are */
        if (x->fcw != h->fcw || ((x->fsw ^ h->fsw) & ~0x4700u) || x->ftw != h->ftw) {
            set_what(d, "x87 control/status/tag");
            dprintf_(d, "  x87 fcw/fsw/ftw: emu86 %04x/%04x/%02x, host %04x/%04x/%02x (was %04x/%04x/%02x)\n",
                     x->fcw, x->fsw, x->ftw, h->fcw, h->fsw, h->ftw, s->fcw, s->fsw, s->ftw);
        }
        unsigned top = (x->fsw >> 11) & 7;
        for (int i = 0; i < 8; i++) {
            unsigned phys = (top + i) & 7;
            if (!(x->ftw & h->ftw & (1u << phys))) {
                continue;   /* empty registers' contents do not matter */
            }
            const X87Reg *r = &x->regs[phys];
            uint64_t hm;
            uint16_t he;
            memcpy(&hm, h->st[i], 8);
            memcpy(&he, h->st[i] + 8, 2);
            if (r->mant != hm || r->sexp != he) {
                set_what(d, "x87 register");
                dprintf_(d, "  st(%d): emu86 %04x:%016llx, host %04x:%016llx\n", i, r->sexp,
                         (unsigned long long)r->mant, he, (unsigned long long)hm);
            }
        }
    }
    if (env->x87.mxcsr != h->mxcsr) {
        set_what(d, "mxcsr");
        dprintf_(d, "  mxcsr: emu86 %#x, host %#x (was %#x)\n", env->x87.mxcsr, h->mxcsr,
                 s->mxcsr);
    }
    uint64_t mask = CMP_FLAGS & ~(uint64_t)o->undef;
    uint64_t ef = cpu_get_eflags(env);
    if ((ef ^ h->flags) & mask) {
        char a[16], b[16];
        flag_str(ef & mask, a);
        flag_str(h->flags & mask, b);
        set_what(d, "flags");
        dprintf_(d, "  rflags: emu86 %#llx %s, host %#llx %s (compared %#llx)\n",
                 (unsigned long long)(ef & mask), a, (unsigned long long)(h->flags & mask), b,
                 (unsigned long long)mask);
    }
    const uint8_t *em = tc->ram + PHYS_DATA;
    int shown = 0;
    for (unsigned i = 0; i < DATA_SIZE; i++) {
        bool ignored = false;
        for (int k = 0; k < o->nr_ignore; k++) {
            ignored |= DATA_ADDR + i >= o->ignore_lo[k] && DATA_ADDR + i < o->ignore_hi[k];
        }
        if (ignored) {
            continue;
        }
        if (em[i] != h->data[i]) {
            set_what(d, "memory");
            if (shown++ < 16) {
                dprintf_(d, "  mem %#llx: emu86 %02x, host %02x (was %02x)\n",
                         (unsigned long long)(DATA_ADDR + i), em[i], h->data[i], s->data[i]);
            }
        }
    }
    if (shown > 16) {
        dprintf_(d, "  ... %d differing bytes in all\n", shown);
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* statistics and reports */

static unsigned long exec_per_op[OP_NB];
static unsigned long fault_per_op[OP_NB];
static uint8_t opcode_seen[4][256][9]; /* [map][opc][greg+1] */
static unsigned long skipped_by[8];
static const char *skipped_why[8];
static unsigned nr_skip_kinds;

static void count_skip(const char *why)
{
    for (unsigned i = 0; i < nr_skip_kinds; i++) {
        if (skipped_why[i] == why || !strcmp(skipped_why[i], why)) {
            skipped_by[i]++;
            return;
        }
    }
    if (nr_skip_kinds < 8) {
        skipped_why[nr_skip_kinds] = why;
        skipped_by[nr_skip_kinds++] = 1;
    }
}

typedef struct MClass {
    char key[160];
    unsigned long count;
    uint64_t first_seq;
    char example[12288];
} MClass;

static MClass classes[256];
static unsigned nr_classes;
static int verbose;
static uint64_t g_seed;

static void seq_listing(const Seq *s, char *out, size_t outlen, int mark)
{
    size_t l = 0;
    for (int i = 0; i < s->n && l < outlen; i++) {
        const Item *it = &s->it[i];
        char dis[128], hex[64];
        disas_insn(MODE_64, s->addr[i], it->b, it->len, dis, sizeof(dis));
        size_t hl = 0;
        for (int k = 0; k < it->len && hl + 3 < sizeof(hex); k++) {
            hl += (size_t)snprintf(hex + hl, sizeof(hex) - hl, "%02x ", it->b[k]);
        }
        Insn in;
        const char *opn = "?";
        if (decode_buf(&in, MODE_64, it->b, it->len) == DECODE_OK) {
            opn = op_ids[in.op];
        }
        l += (size_t)snprintf(out + l, outlen - l, "  %s %#llx: %-36s %-34s [%s]%s\n",
                              i == mark ? "=>" : (it->test ? " *" : "  "),
                              (unsigned long long)s->addr[i], hex, dis, opn,
                              it->test ? "" : " (helper)");
    }
}

static void state_listing(const Seq *s, char *out, size_t outlen)
{
    size_t l = 0;
    for (int i = 0; i < 16 && l < outlen; i++) {
        l += (size_t)snprintf(out + l, outlen - l, "%s%-3s=%016llx", i % 4 ? "  " : "  ",
                              reg_names[i], (unsigned long long)s->regs[i]);
        if (i % 4 == 3) {
            l += (size_t)snprintf(out + l, outlen - l, "\n");
        }
    }
    char f[16];
    flag_str(s->flags, f);
    l += (size_t)snprintf(out + l, outlen - l, "  rflags=%#llx %s\n", (unsigned long long)s->flags, f);
    bool sse = false;
    for (int i = 0; i < s->n; i++) {
        Insn in;
        if (s->it[i].test && decode_buf(&in, MODE_64, s->it[i].b, s->it[i].len) == DECODE_OK &&
            in.op == OP_SSE) {
            sse = true;
        }
    }
    for (int i = 0; sse && i < 16 && l < outlen; i++) {
        uint64_t q[2];
        memcpy(q, s->xmm[i], 16);
        l += (size_t)snprintf(out + l, outlen - l, "  xmm%-2d=%016llx%016llx%s", i,
                              (unsigned long long)q[1], (unsigned long long)q[0],
                              i % 2 ? "\n" : "");
    }
    if (sse && l < outlen) {
        snprintf(out + l, outlen - l, "  mxcsr=%#x\n", s->mxcsr);
    }
}

/* ------------------------------------------------------------------ */
/* one sequence */

static unsigned max_len = 8;

static void gen_seq(Seq *s)
{
    s->n = 0;
    int len = 1 + rn(max_len);
    uint32_t maybe_undef = 0;
    for (int k = 0; k < len && s->n < MAX_ITEMS - 12; k++) {
        int first = s->n;
        gen_insn(s);
        /* the flags the new test insn reads: when an earlier instruction may
         * have left them undefined, define them first with a cmp */
        Item *t = &s->it[s->n - 1];
        Insn in;
        if (decode_buf(&in, MODE_64, t->b, t->len) == DECODE_OK) {
            CPUX86State dummy;
            memset(&dummy, 0, sizeof(dummy));
            dummy.regs[R_ECX] = 2;  /* worst case for CL counts */
            FlagFx fx = flag_effects(&dummy, &in);
            if (in.op == OP_RCL || in.op == OP_RCR || in.op == OP_LOOPE ||
                in.op == OP_LOOPNE) {
                fx.read |= CC_C | CC_Z;
            }
            if (fx.read & maybe_undef) {
                /* slide the test insn and its helpers down one slot */
                memmove(&s->it[first + 1], &s->it[first], (s->n - first) * sizeof(Item));
                int n = s->n + 1;
                s->n = first;
                helper_cmp(s);
                s->n = n;
                maybe_undef = 0;
            }
            if (in.ops[1].kind != OPK_IMM && (in.op == OP_SHL || in.op == OP_SHR ||
                                              in.op == OP_SAR || in.op == OP_ROL ||
                                              in.op == OP_ROR || in.op == OP_RCL ||
                                              in.op == OP_RCR)) {
                fx.undef |= CC_A | CC_O | CC_C;
            }
            if (in.op == OP_SHLD || in.op == OP_SHRD) {
                fx.undef |= CC_MASK;
            }
            maybe_undef = (maybe_undef & ~fx.def) | fx.undef;
        }
        s->it[first].group_start = true;
    }
    unsigned total = 0;
    for (int i = 0; i < s->n; i++) {
        total += s->it[i].len;
    }
    s->start = CODE_ADDR + rn(CODE_SIZE - total - 1 < 2048 ? CODE_SIZE - total - 1 : 2048);
    if (rn(8) == 0) {
        s->start = CODE_ADDR + CODE_SIZE - total - 1; /* final int3 on the last byte */
    } else if (rn(16) == 0 && s->it[s->n - 1].len > 1) {
        /* the last instruction straddles the end of the code page: its
         * fetch faults (#PF, I/D=1) on the unmapped page after it */
        s->start = CODE_ADDR + CODE_SIZE - total + 1 + rn(s->it[s->n - 1].len - 1);
    }
    layout(s);
    for (int i = 0; i < 16; i++) {
        s->regs[i] = rnd_val(8);
    }
    s->regs[R_ESP] = STACK_TOP - (rn(16) == 0 ? rn(8) : rn(64) * 8);
    s->flags = flags_image();
    for (int i = 0; i < 16; i++) {
        for (int k = 0; k < 4; k++) {
            static const uint32_t fl[] = {
                0x3f800000, 0xbf800000, 0x00000000, 0x80000000, 0x7f800000, 0xff800000,
                0x7fc00000, 0x7fa00000, 0x00000001, 0x007fffff, 0x7f7fffff, 0x4b000000,
            };
            uint32_t v = rn(3) == 0 ? fl[rn(sizeof(fl) / sizeof(fl[0]))] : (uint32_t)rnd_val(4);
            memcpy(&s->xmm[i][k * 4], &v, 4);
        }
    }
    s->fcw = 0x037f;
    s->fsw = 0;
    s->ftw = 0;
    memset(s->st, 0, sizeof(s->st));
    if (with_x87) {
        /* random TOP, tags and 80-bit values; rarely a different
         * precision/rounding control or an unmasked exception */
        static const uint64_t mant[] = {
            0x8000000000000000ull, 0xc000000000000000ull, 0xffffffffffffffffull, 0,
            1, 0x4000000000000000ull, 0x7fffffffffffffffull,
        };
        static const uint16_t sexp[] = { 0x3fff, 0xbfff, 0, 0x8000, 0x7fff, 0xffff, 0x403e, 1, 0x4000 };
        if (rn(4) == 0) {
            s->fcw = (uint16_t)((s->fcw & ~0x0f00u) | (rn(16) << 8));
        }
        if (rn(16) == 0) {
            s->fcw &= (uint16_t)~(1u << rn(6));
        }
        s->fsw = (uint16_t)(rn(8) << 11);
        s->ftw = (uint8_t)rnd();
        for (int i = 0; i < 8; i++) {
            uint64_t m = rn(2) ? mant[rn(sizeof(mant) / sizeof(mant[0]))] : rnd() | (rn(8) ? 1ull << 63 : 0);
            uint16_t e = rn(2) ? sexp[rn(sizeof(sexp) / sizeof(sexp[0]))] : (uint16_t)(0x3fff - 70 + rn(140)) | (rn(2) << 15);
            memcpy(s->st[i], &m, 8);
            memcpy(s->st[i] + 8, &e, 2);
        }
    }
    /* MXCSR: random rounding, sometimes FTZ/DAZ, rarely an unmasked
     * exception (#XM), rarely a sticky flag already set */
    s->mxcsr = MXCSR_DEFAULT | (rn(4) << 13);
    if (rn(8) == 0) {
        s->mxcsr |= 0x8000 | 0x40;
    }
    if (rn(16) == 0) {
        s->mxcsr &= ~(1u << (7 + rn(6)));
    }
    if (rn(8) == 0) {
        s->mxcsr |= 1u << rn(6);
    }
    for (unsigned i = 0; i < DATA_SIZE; i += 8) {
        uint64_t v = rn(4) == 0 ? rnd_val(8) : rnd();
        memcpy(&s->data[i], &v, 8);
    }
}

/* Truncate s to its first k items (the end marker follows item k-1).
 * Returns false when a branch of the prefix targets beyond it. */
static bool prefix_of(const Seq *s, int k, Seq *p)
{
    for (int i = 0; i < k; i++) {
        if (s->it[i].target > k) {
            return false;
        }
    }
    memcpy(p, s, sizeof(*p));
    p->n = k;
    p->code_len = (unsigned)(s->addr[k] - s->start);
    p->code[p->code_len] = 0xcc;
    return true;
}

typedef enum { R_PASS, R_FAIL, R_SKIP } RunResult;

/* encodings the host runs and emu86 does not have: opcode bytes without
 * legacy prefixes and REX, ModRM included */
static char host_ext[64][24];
static unsigned long host_ext_count[64];
static unsigned nr_host_ext;

static void note_host_extension(const Item *it)
{
    unsigned i = 0;
    while (i < it->len && (is_prefix_or_escape(it->b[i]) && it->b[i] != 0x0f)) {
        i++;
    }
    char key[24];
    size_t l = 0;
    unsigned n = it->b[i] == 0x0f ? 3 : 2;
    for (unsigned k = 0; k < n && i + k < it->len; k++) {
        l += (size_t)snprintf(key + l, sizeof(key) - l, "%s%02x", k ? " " : "", it->b[i + k]);
    }
    for (unsigned k = 0; k < nr_host_ext; k++) {
        if (!strcmp(host_ext[k], key)) {
            host_ext_count[k]++;
            return;
        }
    }
    if (nr_host_ext < 64) {
        snprintf(host_ext[nr_host_ext], sizeof(host_ext[0]), "%s", key);
        host_ext_count[nr_host_ext++] = 1;
    }
}

/* Did the host execute the instruction at addr (not fault on it with #UD,
 * nor stop before it)?  Branches only go forward, so "before" is "below". */
static bool host_passed(const Seq *s, const HostResult *h, uint64_t addr)
{
    if (h->rip == addr) {
        return host_vector(h) != EXCP_UD;
    }
    return h->rip > addr || h->rip < s->start;
}

/* Run one sequence on both sides; on mismatch fills d. */
static RunResult run_both(const Seq *s, EmuOut *o, Diff *d, const char **why)
{
    emu_run(s, o, true);
    if (o->status == EMU_SKIP_UNDEF || o->status == EMU_SKIP_HOSTDIFF) {
        *why = o->skip_why;
        return R_SKIP;
    }
    int hr = host_run(s);
    if (hr == HOST_TIMEOUT) {
        *why = o->status == EMU_STEPS ? "runs too long on both sides" : "host timed out (emu86 did not)";
        return o->status == EMU_STEPS ? R_SKIP : R_FAIL;
    }
    if (hr == HOST_DIED) {
        *why = "host runner died (wild store into its own memory)";
        return R_SKIP;
    }
    if (o->status == EMU_STEPS) {
        *why = "emu86 ran 20000 steps, host finished";
        set_what(d, "endless");
        return R_FAIL;
    }
    if (compare(s, o, &mbox->res, d)) {
        *why = "wild access: host address space differs from the sandbox";
        return R_SKIP;
    }
    if (d->any && o->status == EMU_FAULT && o->vector == EXCP_UD && o->fault_item >= 0 &&
        host_passed(s, &mbox->res, s->addr[o->fault_item])) {
        /* emu86's CPU model has no such instruction, the host has one
         * (SVM, MONITORX, CLZERO, RDRAND, ...): not comparable */
        const Item *it = &s->it[o->fault_item];
        Insn in;
        DecodeResult r = decode_buf(&in, MODE_64, it->b, it->len);
        if (r == DECODE_UD || (r == DECODE_OK && (in.op == OP_INVALID || in.op == OP_SSE))) {
            note_host_extension(it);
            *why = "the host executes an encoding emu86's CPU model does not have (#UD)";
            return R_SKIP;
        }
    }
    if (d->any) {
        /* an instruction emu86 never executed (its fetch faulted first,
         * say) may still be one the host runs differently by design */
        for (int i = 0; i < s->n; i++) {
            Insn in;
            const char *hd;
            if (s->it[i].test &&
                decode_buf(&in, MODE_64, s->it[i].b, s->it[i].len) == DECODE_OK &&
                (hd = host_diff(&in)) != NULL) {
                *why = hd;
                return R_SKIP;
            }
        }
    }
    return d->any ? R_FAIL : R_PASS;
}

/* Without a verified prefix: blame the first instruction where one side
 * stopped (faulted) and the other went on. */
static int blame(const Seq *s, const EmuOut *o, uint64_t hrip)
{
    uint64_t erip = o->fault_item >= 0 ? s->addr[o->fault_item] : ~0ull;
    int hi = item_at(s, hrip);
    return hi >= 0 && hrip < erip ? hi : o->fault_item;
}

static void record_mismatch(const Seq *s, uint64_t seqno, const EmuOut *o, const Diff *d)
{
    const uint64_t hrip = mbox->res.rip;  /* the prefix runs overwrite it */
    /* find the first prefix that mismatches: its last test insn is the culprit */
    static Seq p;
    int culprit = -1;
    Diff pd;
    EmuOut po;
    bool prev_verified = true;  /* the empty prefix agrees trivially */
    for (int k = 1; k < s->n; k++) {
        if (!s->it[k - 1].test) {
            continue;
        }
        if (!prefix_of(s, k, &p)) {
            prev_verified = false;
            continue;
        }
        memset(&pd, 0, sizeof(pd));
        const char *why = NULL;
        RunResult r = run_both(&p, &po, &pd, &why);
        if (r == R_FAIL) {
            culprit = prev_verified ? k - 1 : blame(&p, &po, mbox->res.rip);
            break;
        }
        prev_verified = r == R_PASS;
    }
    const Diff *use = d;
    if (culprit >= 0) {
        use = &pd;
    } else {
        culprit = blame(s, o, hrip);
    }
    for (int i = s->n - 1; culprit < 0 && i >= 0; i--) {
        if (s->it[i].test) {
            culprit = i;  /* nothing faulted: the last instruction under test */
        }
    }
    char key[160];
    const char *opn = "?";
    const char *form = "";
    if (culprit >= 0) {
        Insn in;
        if (decode_buf(&in, MODE_64, s->it[culprit].b, s->it[culprit].len) == DECODE_OK) {
            opn = op_ids[in.op];
            if (in.op == OP_SSE) {
                /* name SSE encodings by mandatory prefix and opcode */
                static char sse_name[32];
                snprintf(sse_name, sizeof(sse_name), in.opcode > 0xffff ? "SSE %s%06x" : "SSE %s%04x",
                         in.prefix & PFX_REP ? "F3 " : in.prefix & PFX_REPNE ? "F2 " :
                         in.prefix & PFX_OPSZ ? "66 " : "", in.opcode);
                opn = sse_name;
            }
            for (int i = 0; i < in.nr_ops; i++) {
                if (in.ops[i].kind == OPK_MEM) {
                    form = " mem";
                }
            }
        }
    }
    const char *what = use->what[0] ? use->what : d->what;
    if (!strcmp(what, "#PF error code")) {
        /* one class for all read-modify-write operations */
        snprintf(key, sizeof(key), "read-modify-write mem: #PF error code");
    } else {
        snprintf(key, sizeof(key), "%s%s: %s", opn, form, what);
    }
    MClass *mc = NULL;
    for (unsigned i = 0; i < nr_classes; i++) {
        if (!strcmp(classes[i].key, key)) {
            mc = &classes[i];
        }
    }
    bool first = false;
    if (!mc && nr_classes < 256) {
        mc = &classes[nr_classes++];
        snprintf(mc->key, sizeof(mc->key), "%s", key);
        mc->first_seq = seqno;
        first = true;
    }
    if (mc) {
        mc->count++;
    }
    if (first || verbose) {
        char lst[4096], st[2048];
        const Seq *shown = culprit >= 0 && use == &pd ? &p : s;
        seq_listing(shown, lst, sizeof(lst), culprit);
        state_listing(shown, st, sizeof(st));
        char buf[12288];
        snprintf(buf, sizeof(buf),
                 "MISMATCH [%s] seed %llu sequence %llu (replay: --seed %llu --first %llu --count 1)\n"
                 "%s initial state:\n%s differences:\n%s",
                 key, (unsigned long long)g_seed, (unsigned long long)seqno,
                 (unsigned long long)g_seed, (unsigned long long)seqno, lst, st, use->text);
        fputs(buf, stdout);
        if (mc) {
            snprintf(mc->example, sizeof(mc->example), "%s", buf);
        }
    }
}

/* ------------------------------------------------------------------ */

static void usage(void)
{
    fprintf(stderr,
            "usage: difftest [--seed S] [--count N] [--seconds T] [--len L] [--first I]\n"
            "                [--only OPNAME] [--coverage] [--x87] [--no-sse] [-v]\n"
            "  --seed S      random seed (default 1)\n"
            "  --count N     number of sequences (default 10000; 0 = no limit)\n"
            "  --seconds T   stop after T seconds (soak)\n"
            "  --len L       at most L instructions under test per sequence (default 8)\n"
            "  --first I     number of the first sequence (to replay one)\n"
            "  --only OP     generate only table entries of operation OP (insn.def id)\n"
            "  --coverage    print the per-opcode coverage map\n"
            "  --x87         also generate x87 instructions and compare the x87 state\n"
            "  --no-sse      leave out the SSE/MMX family\n"
            "  -v            print every mismatch, not only the first of its class\n");
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void print_coverage(void)
{
    unsigned seen = 0, total = 0;
    printf("coverage by opcode (map opcode[/reg]: instructions executed by emu86):\n");
    for (unsigned i = 0; i < nr_cands; i++) {
        const Cand *c = &cands[i];
        bool dup = false;
        for (unsigned j = 0; j < i; j++) {
            if (cands[j].map == c->map && cands[j].opc == c->opc && cands[j].greg == c->greg) {
                dup = true;
            }
        }
        if (dup) {
            continue;
        }
        total++;
        bool s = opcode_seen[c->map - 1][c->opc][c->greg + 1];
        seen += s;
        static const char *const mapname[4] = { "", "0f ", "0f 38 ", "0f 3a " };
        printf("  %s%02x%s%c %-10s %s\n", mapname[c->map - 1], c->opc,
               c->greg >= 0 ? (char[]){ '/', (char)('0' + c->greg), 0 } : "  ", ' ',
               op_ids[c->op], s ? "yes" : "NO");
    }
    printf("opcodes exercised: %u of %u generated table entries\n", seen, total);
}

int main(int argc, char **argv)
{
    uint64_t seed = 1, count = 10000, first = 0;
    double seconds = 0;
    bool coverage = false, count_set = false;
    static const struct option lopts[] = {
        { "seed", required_argument, NULL, 's' },
        { "count", required_argument, NULL, 'n' },
        { "seconds", required_argument, NULL, 't' },
        { "len", required_argument, NULL, 'l' },
        { "first", required_argument, NULL, 'f' },
        { "only", required_argument, NULL, 'o' },
        { "coverage", no_argument, NULL, 'c' },
        { "x87", no_argument, NULL, 'x' },
        { "no-sse", no_argument, NULL, 'S' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "vh", lopts, NULL)) != -1) {
        switch (ch) {
        case 's': seed = strtoull(optarg, NULL, 0); break;
        case 'n': count = strtoull(optarg, NULL, 0); count_set = true; break;
        case 't': seconds = strtod(optarg, NULL); break;
        case 'l': max_len = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'f': first = strtoull(optarg, NULL, 0); break;
        case 'o': only_op = optarg; break;
        case 'c': coverage = true; break;
        case 'x': with_x87 = true; break;
        case 'S': no_sse = true; break;
        case 'v': verbose++; break;
        default: usage(); return ch == 'h' ? 0 : 2;
        }
    }
    if (max_len < 1 || max_len > 8) {
        max_len = max_len < 1 ? 1 : 8;
    }
    if (seconds > 0 && !count_set) {
        count = 0;
    }
    g_seed = seed;
    build_cands();
    if (!nr_cands) {
        fprintf(stderr, "difftest: no table entry matches --only %s\n", only_op);
        return 2;
    }
    mbox = mmap(NULL, sizeof(Mailbox), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mbox == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    if (!host_start()) {
        printf("difftest: cannot map the sandbox natively: 0 passed, 0 failed, 1 skipped\n");
        return 0;
    }
    host_sel[R_CS] = mbox->res.sel_cs;
    host_sel[R_SS] = mbox->res.sel_ss;
    host_sel[R_DS] = mbox->res.sel_ds;
    host_sel[R_ES] = mbox->res.sel_es;
    host_sel[R_FS] = mbox->res.sel_fs;
    host_sel[R_GS] = mbox->res.sel_gs;
    emu_setup();
    {
        uint32_t a, b, c, d;
        asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
        host_amd = b == 0x68747541; /* "Auth"enticAMD */
    }

    static Seq s;
    unsigned long passed = 0, failed = 0, skipped = 0;
    double t0 = now();
    uint64_t i;
    for (i = first; count == 0 || i < first + count; i++) {
        if (seconds > 0 && ((i - first) & 255) == 0 && now() - t0 >= seconds) {
            break;
        }
        seed_seq(seed, i);
        gen_seq(&s);
        EmuOut o;
        Diff d;
        memset(&d, 0, sizeof(d));
        const char *why = NULL;
        RunResult r = run_both(&s, &o, &d, &why);
        if (verbose > 1) {
            char lst[4096];
            seq_listing(&s, lst, sizeof(lst), -1);
            printf("sequence %llu: %s\n%s", (unsigned long long)i,
                   r == R_PASS ? "pass" : r == R_FAIL ? "FAIL" : "skip", lst);
        }
        if (r == R_SKIP) {
            skipped++;
            count_skip(why);
            continue;
        }
        for (int k = 0; k < o.nr_exec; k++) {
            exec_per_op[o.exec_ops[k]]++;
        }
        if (o.status == EMU_FAULT && o.fault_op >= 0) {
            fault_per_op[o.fault_op]++;
        }
        for (int k = 0; k < s.n; k++) {
            const Cand *c = s.it[k].cand;
            if (s.it[k].test && c) {
                opcode_seen[c->map - 1][c->opc][c->greg + 1] = 1;
            }
        }
        if (r == R_PASS) {
            passed++;
        } else {
            failed++;
            if (why && !d.any) {
                snprintf(d.what, sizeof(d.what), "%s", why);
                dprintf_(&d, "  %s\n", why);
                d.any = true;
            }
            record_mismatch(&s, i, &o, &d);
        }
    }
    double dt = now() - t0;
    host_stop();

    unsigned long total = passed + failed + skipped;
    printf("\n%lu sequences in %.1f s: %.0f sequences/s\n", total, dt, dt > 0 ? total / dt : 0.0);
    printf("instructions under test executed by emu86, per operation:\n ");
    unsigned ops_seen = 0, ops_total = 0;
    for (int k = 1; k < OP_NB; k++) {
        if (exec_per_op[k]) {
            printf(" %s:%lu", op_ids[k], exec_per_op[k]);
            ops_seen++;
        }
    }
    bool in_tables[OP_NB] = { false };
    for (unsigned k = 0; k < nr_cands; k++) {
        in_tables[cands[k].op] = true;
    }
    for (int k = 1; k < OP_NB; k++) {
        ops_total += in_tables[k];
    }
    printf("\ninstructions under test that raised an exception in emu86, per operation:\n ");
    unsigned ops_reached = 0;
    for (int k = 1; k < OP_NB; k++) {
        if (fault_per_op[k]) {
            printf(" %s:%lu", op_ids[k], fault_per_op[k]);
        }
        ops_reached += exec_per_op[k] || fault_per_op[k];
    }
    printf("\noperations completed: %u, completed or faulted: %u (of %u generated from the "
           "tables, %d in insn.def)\n", ops_seen, ops_reached, ops_total, OP_NB - 1);
    printf("generated but never completed nor faulted after decoding (decoded as #UD):\n ");
    for (int k = 1; k < OP_NB; k++) {
        if (in_tables[k] && !exec_per_op[k] && !fault_per_op[k]) {
            printf(" %s", op_ids[k]);
        }
    }
    printf("\ntable entries not generated:\n");
    for (int k = 0; k < 6; k++) {
        if (excluded_by_cat[k]) {
            printf("  %5lu  %s\n", excluded_by_cat[k], excluded_names[k]);
        }
    }
    if (nr_skip_kinds) {
        printf("sequences skipped:\n");
        for (unsigned k = 0; k < nr_skip_kinds; k++) {
            printf("  %7lu  %s\n", skipped_by[k], skipped_why[k]);
        }
    }
    if (nr_host_ext) {
        printf("encodings the host executes and emu86 raises #UD for (opcode modrm: count):\n ");
        for (unsigned k = 0; k < nr_host_ext; k++) {
            printf(" [%s]:%lu", host_ext[k], host_ext_count[k]);
        }
        printf("\n");
    }
    if (coverage) {
        print_coverage();
    }
    if (nr_classes) {
        printf("mismatch classes (operation [mem]: first difference):\n");
        for (unsigned k = 0; k < nr_classes; k++) {
            printf("  %7lu  %-40s first at sequence %llu\n", classes[k].count, classes[k].key,
                   (unsigned long long)classes[k].first_seq);
        }
    }
    printf("%lu passed, %lu failed, %lu skipped\n", passed, failed, skipped);
    return failed ? 1 : 0;
}

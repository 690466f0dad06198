/*
 * tests/difftest/gen.c - the instruction generator: candidates from the
 * decoder tables, one random instruction with its helpers, layout and
 * branch patching, and whole random sequences (gen_seq, prefix_of).
 */

#include "tests/difftest/difftest.h"
#include "target/i386/cpuid.h"

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

void seed_seq(uint64_t seed, uint64_t i)
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


Cand cands[2048];
unsigned nr_cands;
unsigned long excluded_by_cat[9];
const char *const excluded_names[9] = {
    "x87 (off by default: --x87 generates it and compares the x87 state)",
    "values differ from the host by design (CPUID, RDTSC, RDTSCP, RDPMC, RDPID)",
    "enter the host kernel (SYSCALL, SYSENTER, INT n, INT1)",
    "segment loads and far transfers (need the host GDT)",
    "descriptor-table reads (host GDT/LDT/TR, Linux UMIP emulation)",
    "invalid table entries (#UD by construction, generated separately)",
    "SSE family disabled by --no-sse",
    "XSAVE family, XGETBV/XSETBV (host XCR0 / XSAVE features differ)",
    "VEX entries of extensions -cpu max does not offer (BMI1 until TZCNT is on main)",
};

bool no_sse;
bool no_vex;     /* --no-vex: no VEX encodings */
bool with_x87;   /* --x87: generate D8-DF/9B and compare the x87 state */

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

const char *only_op;

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

bool is_prefix_or_escape(uint8_t b)
{
    switch (b) {
    case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
    case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3: case 0x0f:
        return true;
    default:
        return b >= 0x40 && b <= 0x4f;  /* REX in 64-bit mode */
    }
}

/* VEX: one candidate per entry (map, opcode, pp) of the execution tables
 * (sse_vex_map1, sse4_vex_map38/3a): AVX, AVX2, FMA, F16C, BMI1/2.
 * `--only VEX` selects them alone, `--only SSE` with the legacy ones. */
static void add_vex_cands(void)
{
    static const DecodeEntry vexent = { OP_SSE, DF_MODRM, { A_Wx, 0, 0 } };
    static CPUX86State max_env;
    max_env.model = x86_model_find("max");
    if (no_sse || no_vex || (only_op && strcasecmp(only_op, "VEX") && strcasecmp(only_op, "SSE"))) {
        return;
    }
    for (unsigned map = 1; map <= 3; map++) {
        for (unsigned op = 0; op < 256; op++) {
            for (unsigned pp = 0; pp < 4; pp++) {
                const SseEntry *e = map == 1 ? &sse_vex_map1[op][pp] :
                                    map == 2 ? &sse4_vex_map38[op][pp] : &sse4_vex_map3a[op][pp];
                if (!e->fn || nr_cands >= sizeof(cands) / sizeof(cands[0])) {
                    continue;
                }
                if (!sse_feat_ok(&max_env, e->feat)) {
                    excluded_by_cat[8]++;
                    continue;
                }
                Cand *c = &cands[nr_cands++];
                memset(c, 0, sizeof(*c));
                c->map = (uint8_t)(4 + map);
                c->opc = (uint8_t)op;
                c->greg = -1;
                c->modrm_fixed = -1;
                c->e = &vexent;
                c->op = OP_SSE;
                c->pp = (uint8_t)pp;
                c->ve = e;
                c->rm = (e->flags & SF_MEMONLY) ? RM_MEM : (e->flags & SF_REGONLY) ? RM_REG :
                        (map == 1 && op == 0x77) ? RM_NONE : RM_ANY;
            }
        }
    }
}

/* CPUID.80000001H:ECX.SSE4A[6] of the host: emu86's model here offers
 * SSE4a exactly then (emu.c), and decodes 0F 78/79 as SSE4a only then */
static bool host_sse4a(void)
{
    uint32_t a, b, c, d;
    asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000u), "c"(0));
    if (a < 0x80000001u) {
        return false;
    }
    asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000001u), "c"(0));
    return c & CPUID_EXT3_SSE4A;
}

void build_cands(void)
{
    add_vex_cands();
    if (only_op && !strcasecmp(only_op, "VEX")) {
        return;
    }
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
            if (map == 2 && (b == 0x78 || b == 0x79) && !host_sse4a()) {
                e = &invalid;   /* emu86 decodes them as SSE4a only with it */
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

/* helper: vpsrld/vpsrlq ymmI, ymmI, imm8 (VEX.256.66.0F 72/73 /2 ib):
 * small non-negative VSIB indices */
static void helper_vshift(Seq *s, unsigned i, bool q, unsigned cnt)
{
    Item *it = new_item(s);
    emit(it, 0xc4, 1);
    emit(it, 0x80 | 0x40 | ((i & 8) ? 0 : 0x20) | 1, 1);
    emit(it, ((~i & 15) << 3) | 4 | 1, 1);
    emit(it, q ? 0x73 : 0x72, 1);
    emit(it, 0xc0 | (2 << 3) | (i & 7), 1);
    emit(it, cnt, 1);
}

/* One VEX-encoded instruction under test (and its helpers).  The fields
 * the entry allows are random (VEX.L, VEX.W, VEX.vvvv, C4 or C5, register
 * or memory form, imm8); 1 in 32 one of L, W, vvvv is random regardless
 * and 1 in 40 a legacy prefix precedes VEX: #UD on both sides.  Memory
 * operands go through gen_mem (REX.X/B become VEX.X/B); the gathers get a
 * VSIB operand: a base register helper and, 7 times in 8, a shift helper
 * that makes the index vector small (else the elements land anywhere and
 * fault the same way on both sides). */
static void gen_vex(Seq *s, const Cand *c)
{
    const SseEntry *e = c->ve;
    uint32_t f = e->flags;
    unsigned map = c->map - 4, op = c->opc, pp = c->pp;
    Item tmp, mtmp;
    memset(&tmp, 0, sizeof(tmp));
    memset(&mtmp, 0, sizeof(mtmp));
    tmp.target = -1;
    tmp.test = true;
    tmp.cand = c;

    bool mem = c->rm == RM_MEM || (c->rm == RM_ANY && rn(2));
    unsigned L = (f & VF_L0) ? 0 : (f & VF_L1) ? 1 : rn(2);
    unsigned W = (f & VF_W0) ? 0 : (f & VF_W1) ? 1 : rn(2);
    unsigned vvvv = ((f & VF_NOV) || ((f & VF_NOVMEM) && mem)) ? 0 : rn(16);
    /* (VEX.256 of the AES rounds and PCLMULQDQ, VAES/VPCLMULQDQ, is
     * generated like any VEX.L: emu86 offers it where the host does) */
    if (rn(32) == 0) {
        switch (rn(3)) {
        case 0: L = rn(2); break;
        case 1: W = rn(2); break;
        default: vvvv = rn(16); break;
        }
    }
    unsigned reg = rn(16), rm = rn(16), xb = 0;
    if (map == 1 && op >= 0x71 && op <= 0x73) {
        static const uint8_t subs[3][4] = { { 2, 4, 6, 2 }, { 2, 4, 6, 6 }, { 2, 3, 6, 7 } };
        reg = (reg & 8) | subs[op - 0x71][rn(4)];
    } else if (map == 1 && op == 0xae) {
        reg = 2 + rn(2);
    } else if (map == 2 && op == 0xf3 && rn(16)) {
        reg = (reg & 8) | (1 + rn(3));      /* BLSR/BLSMSK/BLSI */
    }
    bool vsib = map == 2 && op >= 0x90 && op <= 0x93;
    bool p67 = mem && !vsib && rn(10) == 0;
    if (vsib) {
        int base;
        do {
            base = rn(16);
        } while (base == R_ESP);
        unsigned idx = rn(16), scale = rn(4);
        if (rn(8)) {
            while (idx == reg || idx == vvvv || reg == vvvv) {
                idx = rn(16);
                vvvv = rn(16);
            }
        }
        int64_t disp = rn(2) ? (int8_t)rnd() : 0;
        unsigned mod = disp || (base & 7) == 5 ? 1 : 0;
        uint64_t t = DATA_ADDR + 64 + rn(DATA_SIZE / 2);
        helper_mov(s, base, t - disp);
        if (rn(8)) {
            bool q = op & 1;        /* 91/93: qword indices */
            helper_vshift(s, idx, q, q ? 55 + rn(9) : 23 + rn(9));
        }
        emit(&mtmp, (mod << 6) | ((reg & 7) << 3) | 4, 1);
        emit(&mtmp, (scale << 6) | ((idx & 7) << 3) | (base & 7), 1);
        if (mod) {
            emit(&mtmp, (uint64_t)disp, 1);
        }
        xb = ((idx & 8) ? 2 : 0) | ((base & 8) ? 1 : 0);
    } else if (mem) {
        uint8_t rexbits = 0;
        gen_mem(s, &mtmp, (uint8_t)(reg & 7), &rexbits, p67, 64, false);
        xb = rexbits;
    } else {
        emit(&mtmp, 0xc0 | ((reg & 7) << 3) | (rm & 7), 1);
        xb = (rm & 8) ? 1 : 0;
    }

    if (rn(40) == 0) {
        static const uint8_t bad[] = { 0x66, 0xf2, 0xf3, 0xf0, 0x40, 0x48, 0x41 };
        emit(&tmp, bad[rn(sizeof(bad))], 1);
    }
    if (p67) {
        emit(&tmp, 0x67, 1);
    }
    if (map == 1 && !(xb & 3) && !W && rn(2)) {
        emit(&tmp, 0xc5, 1);
        emit(&tmp, ((reg & 8) ? 0 : 0x80) | ((~vvvv & 15) << 3) | (L << 2) | pp, 1);
    } else {
        emit(&tmp, 0xc4, 1);
        emit(&tmp, ((reg & 8) ? 0 : 0x80) | ((xb & 2) ? 0 : 0x40) | ((xb & 1) ? 0 : 0x20) | map, 1);
        emit(&tmp, (W << 7) | ((~vvvv & 15) << 3) | (L << 2) | pp, 1);
    }
    emit(&tmp, op, 1);
    if (!(map == 1 && op == 0x77)) {
        unsigned off = tmp.len;
        memcpy(&tmp.b[off], mtmp.b, mtmp.len);
        tmp.len += mtmp.len;
        if (mtmp.patch) {
            tmp.patch = mtmp.patch;
            tmp.patch_off = (uint8_t)(mtmp.patch_off + off);
            tmp.data_addr = mtmp.data_addr;
        }
    }
    if (map == 3 || (map == 1 && ((op >= 0x70 && op <= 0x73) || op == 0xc2 ||
                                  (op >= 0xc4 && op <= 0xc6)))) {
        emit(&tmp, rnd_val(1), 1);
    }
    Item *it = new_item(s);
    *it = tmp;
}

/* Generate one instruction under test (plus its helpers) into s. */
static void gen_insn(Seq *s)
{
    const Cand *c = &cands[rn(nr_cands)];
    if (c->map >= 5) {
        gen_vex(s, c);
        return;
    }
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
    } else if (c->map == 2 && (c->opc == 0xbc || c->opc == 0xbd) && rn(2)) {
        rep = 0xf3;     /* TZCNT/LZCNT half of the time, BSF/BSR otherwise */
    } else if (c->map == 2 && c->opc == 0xae && c->rm == RM_REG && c->greg < 4 && rn(2)) {
        rep = 0xf3;     /* RD/WR FS/GS BASE (#UD without the F3) */
    } else if (rn(25) == 0) {
        rep = rn(2) ? 0xf3 : 0xf2;
    }

    /* decide the r/m form first: it decides LOCK and helpers */
    bool mem = false;
    /* SSE4a EXTRQ/INSERTQ (0F 78/79) are register-only: memory 1 in 8 */
    bool sse4a = c->map == 2 && (c->opc == 0x78 || c->opc == 0x79) && op == OP_SSE;
    if (c->rm == RM_MEM) {
        mem = true;
    } else if (c->rm == RM_ANY) {
        mem = sse4a ? rn(8) == 0 : rn(2);
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
        if (sse4a && c->opc == 0x78 && p66 && rn(8)) {
            reg3 = 0;           /* EXTRQ xmm, imm8, imm8 is /0 (else #UD) */
        }
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
            uint8_t rm = (uint8_t)rn(8);
            bool rd_value = op == OP_RDRAND || op == OP_RDSEED ||
                            (c->map == 2 && c->opc == 0xae && c->greg >= 0 && c->greg < 2);
            if (rd_value && rm == 4 && !(rex & 1)) {
                /* RDRAND/RDSEED/RDFSBASE/RDGSBASE: not into RSP (a random
                 * RSP made the native runner's final int3 misbehave once;
                 * the FS base is a real host address) */
                rm = 3;
            }
            emit(&tmp, 0xc0 | (reg3 << 3) | rm, 1);
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
            if (sse4a && rn(2)) {
                /* EXTRQ/INSERTQ field length, index: mostly within 64 */
                emit(&tmp, rn(65) | rn(65) << 8 | (rn(8) ? 0 : rn(4) << 6), 2);
                break;
            }
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
/* one sequence */

unsigned max_len = 8;

void gen_seq(Seq *s)
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
        if (decode_buf(&in, dt_decode_mode, t->b, t->len) == DECODE_OK) {
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
        if (t->cand && (t->cand->op == OP_RDRAND || t->cand->op == OP_RDSEED ||
                        in.op == OP_RDFSBASE || in.op == OP_RDGSBASE)) {
            /* a random value, or a host TLS address that would let later
             * instructions touch the native runner's memory: nothing may
             * use it */
            break;
        }
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
            v = rn(3) == 0 ? fl[rn(sizeof(fl) / sizeof(fl[0]))] : (uint32_t)rnd_val(4);
            memcpy(&s->ymmh[i][k * 4], &v, 4);
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
bool prefix_of(const Seq *s, int k, Seq *p)
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

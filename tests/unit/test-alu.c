/*
 * tests/unit/test-alu.c - differential tests of the integer handlers
 * against the host CPU.
 *
 * Design: each case builds an Insn by hand with register operands, runs
 * the handler on a flat 64-bit CPUX86State, runs the same instruction on
 * the host through inline asm with identical register values and input
 * flags (popfq/pushfq around it), and compares all 64 bits of every
 * register involved plus the arithmetic flags.  Only flags the SDM calls
 * undefined for that instruction and those operands are masked.  #DE is
 * compared too: the host raises SIGFPE, the handler longjmps to jmp_env.
 * The asm moves rsp below the red zone before pushing.  BCD instructions
 * (invalid in 64-bit mode) are checked against hand-computed tables and a
 * literal transcription of the SDM pseudo-code.
 */
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <setjmp.h>

#include <cpuid.h>

#include "target/i386/cpuid.h"
#include "target/i386/ops.h"
#include "tests/unit/alu-undef.h"

static CPUX86State env;
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t host_flags_base;
static unsigned long undefined_result_diffs;
/* Per flag bit: cases where a flag the SDM calls undefined differs from
 * this host (informational: Intel and AMD differ there). */
static unsigned long undef_flag_diffs[12];

static uint64_t rnd(void)
{
    /* xorshift64* */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}

/* The model the handlers see: `max` plus BMI1 (TZCNT is gated on it, and
 * max leaves it to the VEX work), so every extension under test is on. */
static X86CPUModel test_model;

/* Host support for an extension (CPUID), by the feature word/bit pair. */
enum { NEED_NONE, NEED_ABM, NEED_BMI1, NEED_ADX };

static bool host_has(int need)
{
    unsigned a, b, c, d;
    switch (need) {
    case NEED_ABM:
        return __get_cpuid(0x80000001u, &a, &b, &c, &d) && (c & CPUID_EXT3_ABM);
    case NEED_BMI1:
        return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & CPUID_7_EBX_BMI1);
    case NEED_ADX:
        return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & CPUID_7_EBX_ADX);
    default:
        return true;
    }
}

static void env_init(void)
{
    memset(&env, 0, sizeof(env));
    env.model = &test_model;
    env.code_bits = 64;
    env.stack_bits = 64;
    env.long_mode = true;
    env.cr[0] = CR0_PE | CR0_PG | CR0_ET;
    env.cr[4] = CR4_PAE;
    env.efer = EFER_LME | EFER_LMA;
    env.segs[R_CS].flags = DESC_L_MASK | DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK;
    env.eflags = EFLAGS_FIXED1;
    env.exception_index = -1;
    env.a20_mask = ~0ull;
}

/* ---- random operands with edge values ---- */

static uint64_t rnd_val(unsigned size)
{
    static const uint64_t edges[] = { 0, 1, 2, 9, 0x0f, 0x10, 0x7f, 0x80, 0x99, 0xff };
    uint64_t m = size_mask(size), sign = 1ull << (size * 8 - 1);
    uint64_t v = rnd();
    uint64_t e;

    switch (rnd() % 10) {
    case 0: e = 0; break;
    case 1: e = m; break;                 /* -1 */
    case 2: e = sign; break;              /* most negative */
    case 3: e = sign - 1; break;          /* most positive */
    case 4: e = edges[rnd() % 10]; break;
    case 5: e = sign + 1; break;
    case 6: e = rnd() % 70; break;
    case 7: return rnd() & 1 ? 0 : ~0ull; /* whole register */
    default: return v;
    }
    return (v & ~m) | (e & m);
}

static uint64_t rnd_count(void)
{
    uint64_t hi = rnd() & ~0xffull;
    switch (rnd() % 4) {
    case 0: return hi | (rnd() & 0xff);
    case 1: return hi | (rnd() % 3);
    default: return hi | (rnd() % 66);
    }
}

static uint64_t rnd_flags(void)
{
    return host_flags_base | (rnd() & CC_MASK);
}

/* ---- host execution ---- */

#define HOST_PRE  "lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopfq\n\t"
#define HOST_POST "\n\tpushfq\n\tpop %[f]\n\tlea 128(%%rsp), %%rsp"

typedef void (*HostFn)(uint64_t *a, uint64_t *b, uint64_t *c, uint64_t *f);

/* a = dst (any reg), b = src (any reg) */
#define H_AB(name, text) \
static void name(uint64_t *pa, uint64_t *pb, uint64_t *pc, uint64_t *pf) \
{ \
    uint64_t a = *pa, b = *pb, f = *pf; \
    asm volatile(HOST_PRE text HOST_POST \
                 : [a] "+r"(a), [b] "+r"(b), [f] "+r"(f) : : "cc", "memory"); \
    *pa = a; *pb = b; *pf = f; \
}
/* a = dst (any reg), b = count in rcx */
#define H_AC(name, text) \
static void name(uint64_t *pa, uint64_t *pb, uint64_t *pc, uint64_t *pf) \
{ \
    uint64_t a = *pa, b = *pb, f = *pf; \
    asm volatile(HOST_PRE text HOST_POST \
                 : [a] "+r"(a), [b] "+c"(b), [f] "+r"(f) : : "cc", "memory"); \
    *pa = a; *pb = b; *pf = f; \
}
/* a = dst, b = src, c = count in rcx */
#define H_ABC(name, text) \
static void name(uint64_t *pa, uint64_t *pb, uint64_t *pc, uint64_t *pf) \
{ \
    uint64_t a = *pa, b = *pb, c = *pc, f = *pf; \
    asm volatile(HOST_PRE text HOST_POST \
                 : [a] "+r"(a), [b] "+r"(b), [c] "+c"(c), [f] "+r"(f) : : "cc", "memory"); \
    *pa = a; *pb = b; *pc = c; *pf = f; \
}
/* a = rax, b = rdx, c = any reg */
#define H_AD(name, text) \
static void name(uint64_t *pa, uint64_t *pb, uint64_t *pc, uint64_t *pf) \
{ \
    uint64_t a = *pa, b = *pb, c = *pc, f = *pf; \
    asm volatile(HOST_PRE text HOST_POST \
                 : [a] "+a"(a), [b] "+d"(b), [c] "+r"(c), [f] "+r"(f) : : "cc", "memory"); \
    *pa = a; *pb = b; *pc = c; *pf = f; \
}
/* a = rax, b = dst (any reg), c = src (any reg) */
#define H_XA(name, text) \
static void name(uint64_t *pa, uint64_t *pb, uint64_t *pc, uint64_t *pf) \
{ \
    uint64_t a = *pa, b = *pb, c = *pc, f = *pf; \
    asm volatile(HOST_PRE text HOST_POST \
                 : [a] "+a"(a), [b] "+r"(b), [c] "+r"(c), [f] "+r"(f) : : "cc", "memory"); \
    *pa = a; *pb = b; *pc = c; *pf = f; \
}

#define BIN4(mn) \
    H_AB(h_##mn##_1, #mn "b %b[b], %b[a]") \
    H_AB(h_##mn##_2, #mn "w %w[b], %w[a]") \
    H_AB(h_##mn##_4, #mn "l %k[b], %k[a]") \
    H_AB(h_##mn##_8, #mn "q %q[b], %q[a]")
#define BIN3(mn) \
    H_AB(h_##mn##_2, #mn "w %w[b], %w[a]") \
    H_AB(h_##mn##_4, #mn "l %k[b], %k[a]") \
    H_AB(h_##mn##_8, #mn "q %q[b], %q[a]")
#define UN4(mn) \
    H_AB(h_##mn##_1, #mn "b %b[a]") \
    H_AB(h_##mn##_2, #mn "w %w[a]") \
    H_AB(h_##mn##_4, #mn "l %k[a]") \
    H_AB(h_##mn##_8, #mn "q %q[a]")
#define SH4(mn) \
    H_AC(h_##mn##_1, #mn "b %%cl, %b[a]") \
    H_AC(h_##mn##_2, #mn "w %%cl, %w[a]") \
    H_AC(h_##mn##_4, #mn "l %%cl, %k[a]") \
    H_AC(h_##mn##_8, #mn "q %%cl, %q[a]")
#define SHD3(mn) \
    H_ABC(h_##mn##_2, #mn "w %%cl, %w[b], %w[a]") \
    H_ABC(h_##mn##_4, #mn "l %%cl, %k[b], %k[a]") \
    H_ABC(h_##mn##_8, #mn "q %%cl, %q[b], %q[a]")
#define MD4N(name, mn) \
    H_AD(h_##name##_1, #mn "b %b[c]") \
    H_AD(h_##name##_2, #mn "w %w[c]") \
    H_AD(h_##name##_4, #mn "l %k[c]") \
    H_AD(h_##name##_8, #mn "q %q[c]")
#define MD4(mn) MD4N(mn, mn)

BIN4(add) BIN4(or) BIN4(adc) BIN4(sbb) BIN4(and) BIN4(sub) BIN4(xor) BIN4(cmp)
BIN4(test) BIN4(xadd)
UN4(inc) UN4(dec) UN4(neg) UN4(not)
SH4(rol) SH4(ror) SH4(rcl) SH4(rcr) SH4(shl) SH4(shr) SH4(sar)
SHD3(shld) SHD3(shrd)
MD4(mul) MD4N(imul1, imul) MD4(div) MD4(idiv)
BIN3(imul) BIN3(bt) BIN3(bts) BIN3(btr) BIN3(btc) BIN3(bsf) BIN3(bsr)
BIN3(lzcnt) BIN3(tzcnt)
H_AB(h_adcx_4, "adcxl %k[b], %k[a]")
H_AB(h_adcx_8, "adcxq %q[b], %q[a]")
H_AB(h_adox_4, "adoxl %k[b], %k[a]")
H_AB(h_adox_8, "adoxq %q[b], %q[a]")
H_XA(h_cmpxchg_1, "cmpxchgb %b[c], %b[b]")
H_XA(h_cmpxchg_2, "cmpxchgw %w[c], %w[b]")
H_XA(h_cmpxchg_4, "cmpxchgl %k[c], %k[b]")
H_XA(h_cmpxchg_8, "cmpxchgq %q[c], %q[b]")
/* BSWAP r16 (66 0F C8+r): no mnemonic form, so prefix the 32-bit one. */
H_AB(h_bswap_2, ".byte 0x66\n\tbswapl %k[a]")
H_AB(h_bswap_4, "bswapl %k[a]")
H_AB(h_bswap_8, "bswapq %q[a]")
H_AD(h_cbw_2, "cbtw")
H_AD(h_cbw_4, "cwtl")
H_AD(h_cbw_8, "cltq")
H_AD(h_cwd_2, "cwtd")
H_AD(h_cwd_4, "cltd")
H_AD(h_cwd_8, "cqto")

#define CONDS(X) X(o) X(no) X(b) X(ae) X(e) X(ne) X(be) X(a) \
                 X(s) X(ns) X(p) X(np) X(l) X(ge) X(le) X(g)
#define CMOV3(cc) \
    H_AB(h_cmov##cc##_2, "cmov" #cc "w %w[b], %w[a]") \
    H_AB(h_cmov##cc##_4, "cmov" #cc "l %k[b], %k[a]") \
    H_AB(h_cmov##cc##_8, "cmov" #cc "q %q[b], %q[a]")
#define SET1(cc) H_AB(h_set##cc, "set" #cc " %b[a]")
CONDS(CMOV3)
CONDS(SET1)
#define CMOV_ROW(cc) { h_cmov##cc##_2, h_cmov##cc##_4, h_cmov##cc##_8 },
#define SET_ROW(cc) h_set##cc,
static const HostFn host_cmov[16][3] = { CONDS(CMOV_ROW) };
static const HostFn host_set[16] = { CONDS(SET_ROW) };

H_AD(h_lahf, "lahf")
H_AD(h_sahf, "sahf")

static sigjmp_buf host_jb;

static void sigfpe_handler(int sig)
{
    siglongjmp(host_jb, 1);
}

/* Runs fn; returns true if the host raised #DE (SIGFPE). */
static bool host_run(HostFn fn, uint64_t *a, uint64_t *b, uint64_t *c, uint64_t *f)
{
    if (sigsetjmp(host_jb, 1)) {
        return true;
    }
    fn(a, b, c, f);
    return false;
}

/* ---- emulator execution ---- */

static bool emu_run(const Insn *insn)
{
    env.exception_index = -1;
    if (setjmp(env.jmp_env)) {
        return true;
    }
    insn_handlers[insn->op](&env, insn);
    return false;
}

static void set_reg_op(Insn *in, int n, int reg, unsigned size)
{
    in->ops[n].kind = OPK_REG;
    in->ops[n].reg = reg;
    in->ops[n].size = size;
}

/* Operand layouts */
enum {
    K_BIN,      /* ops[0] = r3, ops[1] = r6; host a = r3, b = r6 */
    K_UN,       /* ops[0] = r3 */
    K_SHIFT,    /* ops[0] = r3, ops[1] = CL */
    K_SHD,      /* ops[0] = r3, ops[1] = r6, ops[2] = CL */
    K_MULDIV,   /* ops[0] = r3 (r/m), rAX/rDX implicit */
    K_CMPXCHG,  /* ops[0] = r3, ops[1] = r6, rAX implicit */
    K_IMUL3,    /* ops[0] = r3, ops[1] = r6, ops[2] = imm */
    K_ACC,      /* CBW/CWD: rAX/rDX only */
};

typedef struct AluTest {
    const char *name;
    int op;
    int kind;
    HostFn host[4]; /* by size 1, 2, 4, 8 (NULL: not tested) */
    int need;       /* NEED_*: host CPUID feature the test needs */
} AluTest;

#define S4(mn) { h_##mn##_1, h_##mn##_2, h_##mn##_4, h_##mn##_8 }
#define S3(mn) { NULL, h_##mn##_2, h_##mn##_4, h_##mn##_8 }
#define S2(mn) { NULL, NULL, h_##mn##_4, h_##mn##_8 }

static const AluTest alu_tests[] = {
    { "add", OP_ADD, K_BIN, S4(add) },
    { "or", OP_OR, K_BIN, S4(or) },
    { "adc", OP_ADC, K_BIN, S4(adc) },
    { "sbb", OP_SBB, K_BIN, S4(sbb) },
    { "and", OP_AND, K_BIN, S4(and) },
    { "sub", OP_SUB, K_BIN, S4(sub) },
    { "xor", OP_XOR, K_BIN, S4(xor) },
    { "cmp", OP_CMP, K_BIN, S4(cmp) },
    { "test", OP_TEST, K_BIN, S4(test) },
    { "xadd", OP_XADD, K_BIN, S4(xadd) },
    { "inc", OP_INC, K_UN, S4(inc) },
    { "dec", OP_DEC, K_UN, S4(dec) },
    { "neg", OP_NEG, K_UN, S4(neg) },
    { "not", OP_NOT, K_UN, S4(not) },
    { "rol", OP_ROL, K_SHIFT, S4(rol) },
    { "ror", OP_ROR, K_SHIFT, S4(ror) },
    { "rcl", OP_RCL, K_SHIFT, S4(rcl) },
    { "rcr", OP_RCR, K_SHIFT, S4(rcr) },
    { "shl", OP_SHL, K_SHIFT, S4(shl) },
    { "shr", OP_SHR, K_SHIFT, S4(shr) },
    { "sar", OP_SAR, K_SHIFT, S4(sar) },
    { "shld", OP_SHLD, K_SHD, S3(shld) },
    { "shrd", OP_SHRD, K_SHD, S3(shrd) },
    { "mul", OP_MUL, K_MULDIV, S4(mul) },
    { "imul1", OP_IMUL1, K_MULDIV, S4(imul1) },
    { "div", OP_DIV, K_MULDIV, S4(div) },
    { "idiv", OP_IDIV, K_MULDIV, S4(idiv) },
    { "imul2", OP_IMUL, K_BIN, S3(imul) },
    { "imul3", OP_IMUL, K_IMUL3, S3(imul) },
    { "bt", OP_BT, K_BIN, S3(bt) },
    { "bts", OP_BTS, K_BIN, S3(bts) },
    { "btr", OP_BTR, K_BIN, S3(btr) },
    { "btc", OP_BTC, K_BIN, S3(btc) },
    { "bsf", OP_BSF, K_BIN, S3(bsf) },
    { "bsr", OP_BSR, K_BIN, S3(bsr) },
    { "lzcnt", OP_LZCNT, K_BIN, S3(lzcnt), NEED_ABM },
    { "tzcnt", OP_TZCNT, K_BIN, S3(tzcnt), NEED_BMI1 },
    { "adcx", OP_ADCX, K_BIN, S2(adcx), NEED_ADX },
    { "adox", OP_ADOX, K_BIN, S2(adox), NEED_ADX },
    { "cmpxchg", OP_CMPXCHG, K_CMPXCHG, S4(cmpxchg) },
    { "bswap", OP_BSWAP, K_UN, S3(bswap) },
    { "cbw", OP_CBW, K_ACC, S3(cbw) },
    { "cwd", OP_CWD, K_ACC, S3(cwd) },
};

static unsigned size_index(unsigned size)
{
    return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
}

/* One random case; returns false (after a g_test message) on mismatch. */
static bool alu_case(const AluTest *t, unsigned size, HostFn host)
{
    uint64_t r[16];
    Insn in;
    uint64_t f_in = rnd_flags();
    uint64_t a = 0, b = 0, c = 0, f = f_in;
    int regs_cmp[4];
    int nregs = 0;
    uint64_t count = 0;
    bool undefined_result = false;

    for (int i = 0; i < 16; i++) {
        r[i] = rnd_val(size);
    }
    memset(&in, 0, sizeof(in));
    in.op = t->op;
    in.opsize = size;
    in.addrsize = 8;
    in.len = 3;
    in.seg = SEG_NONE;

    switch (t->kind) {
    case K_BIN:
    case K_CMPXCHG:
        set_reg_op(&in, 0, 3, size);
        set_reg_op(&in, 1, 6, size);
        in.nr_ops = 2;
        if (t->kind == K_CMPXCHG) {
            /* Make equality common. */
            if (rnd() & 1) {
                r[R_EAX] = (r[R_EAX] & ~size_mask(size)) | (r[3] & size_mask(size));
            }
            a = r[R_EAX], b = r[3], c = r[6];
            regs_cmp[nregs++] = R_EAX;
        } else {
            a = r[3], b = r[6];
        }
        regs_cmp[nregs++] = 3;
        regs_cmp[nregs++] = 6;
        break;
    case K_UN:
        set_reg_op(&in, 0, 3, size);
        in.nr_ops = 1;
        a = r[3];
        regs_cmp[nregs++] = 3;
        break;
    case K_SHIFT:
        r[R_ECX] = count = rnd_count();
        set_reg_op(&in, 0, 3, size);
        set_reg_op(&in, 1, R_ECX, 1);
        in.nr_ops = 2;
        a = r[3], b = r[R_ECX];
        regs_cmp[nregs++] = 3;
        regs_cmp[nregs++] = R_ECX;
        break;
    case K_SHD:
        r[R_ECX] = count = rnd_count();
        set_reg_op(&in, 0, 3, size);
        set_reg_op(&in, 1, 6, size);
        set_reg_op(&in, 2, R_ECX, 1);
        in.nr_ops = 3;
        a = r[3], b = r[6], c = r[R_ECX];
        regs_cmp[nregs++] = 6;
        if ((count & (size == 8 ? 63 : 31)) > size * 8) {
            undefined_result = true;
        } else {
            regs_cmp[nregs++] = 3;
        }
        break;
    case K_MULDIV:
        set_reg_op(&in, 0, 3, size);
        in.nr_ops = 1;
        if ((t->op == OP_DIV || t->op == OP_IDIV) && (rnd() & 1)) {
            /* Keep the dividend's high half small so most cases do not
             * overflow. */
            r[R_EDX] = (rnd() & 1) ? 0 : ~0ull;
            if (size == 1) {
                r[R_EAX] = (r[R_EAX] & ~0xff00ull) | ((r[R_EDX] & 0xff) << 8);
            }
        }
        a = r[R_EAX], b = r[R_EDX], c = r[3];
        regs_cmp[nregs++] = R_EAX;
        regs_cmp[nregs++] = R_EDX;
        regs_cmp[nregs++] = 3;
        break;
    case K_IMUL3: {
        int64_t imm = (rnd() & 1) ? (int8_t)rnd() : (int32_t)rnd();
        if (size == 2) {
            imm = (int16_t)imm;
        }
        set_reg_op(&in, 0, 3, size);
        set_reg_op(&in, 1, 6, size);
        in.ops[2].kind = OPK_IMM;
        in.ops[2].size = size;
        in.imm = imm;
        in.nr_ops = 3;
        /* Host: imul imm_reg, dst with dst preloaded with the source. */
        a = (r[3] & ~size_mask(size)) | (r[6] & size_mask(size));
        b = (uint64_t)imm;
        regs_cmp[nregs++] = 3;
        regs_cmp[nregs++] = 6;
        break;
    }
    case K_ACC:
        in.nr_ops = 0;
        a = r[R_EAX], b = r[R_EDX];
        regs_cmp[nregs++] = R_EAX;
        regs_cmp[nregs++] = R_EDX;
        break;
    }

    /* BSWAP r16 is undefined: the handler zeroes the low word (what this
     * host does, see test_bsf_zero); another vendor may differ. */
    if (t->op == OP_BSWAP && size == 2) {
        undefined_result = true;
        nregs = 0;
    }
    /* BSF/BSR of 0 into a 32-bit register: the handler follows Intel
     * (upper half cleared), AMD leaves the register alone. */
    if ((t->op == OP_BSF || t->op == OP_BSR) && size == 4 && !(r[6] & 0xffffffffu)) {
        undefined_result = true;
        nregs = 0;
        regs_cmp[nregs++] = 6;
    }

    /* emulator */
    memcpy(env.regs, r, sizeof(r));
    cpu_set_eflags(&env, f_in, CC_MASK);
    bool efault = emu_run(&in);
    uint32_t ef = cpu_get_eflags(&env) & CC_MASK;

    /* host */
    bool hfault = host_run(host, &a, &b, &c, &f);
    uint64_t h[16];
    memcpy(h, r, sizeof(h));
    switch (t->kind) {
    case K_BIN: case K_UN: h[3] = a; h[6] = b; break;
    case K_SHIFT: h[3] = a; h[R_ECX] = b; break;
    case K_SHD: h[3] = a; h[6] = b; h[R_ECX] = c; break;
    case K_MULDIV: h[R_EAX] = a; h[R_EDX] = b; h[3] = c; break;
    case K_CMPXCHG: h[R_EAX] = a; h[3] = b; h[6] = c; break;
    case K_IMUL3: h[3] = a; break;
    case K_ACC: h[R_EAX] = a; h[R_EDX] = b; break;
    }

    if (efault != hfault || (efault && env.exception_index != EXCP_DE)) {
        g_test_message("%s/%u: fault mismatch emu=%d(%d) host=%d a=%#llx b=%#llx c=%#llx",
                       t->name, size, efault, env.exception_index, hfault,
                       (unsigned long long)r[R_EAX], (unsigned long long)r[R_EDX],
                       (unsigned long long)r[3]);
        return false;
    }
    if (efault) {
        /* #DE: nothing may have changed. */
        return memcmp(env.regs, r, sizeof(r)) == 0;
    }
    if (undefined_result && env.regs[3] != h[3]) {
        undefined_result_diffs++;
    }
    for (int i = 0; i < nregs; i++) {
        int k = regs_cmp[i];
        if (env.regs[k] != h[k]) {
            g_test_message("%s/%u: reg %d emu=%#llx host=%#llx (in r3=%#llx r6=%#llx "
                           "rax=%#llx rcx=%#llx rdx=%#llx flags=%#llx)",
                           t->name, size, k, (unsigned long long)env.regs[k],
                           (unsigned long long)h[k], (unsigned long long)r[3],
                           (unsigned long long)r[6], (unsigned long long)r[R_EAX],
                           (unsigned long long)r[R_ECX], (unsigned long long)r[R_EDX],
                           (unsigned long long)f_in);
            return false;
        }
    }
    uint32_t m = defined_flags(t->op, size, count);
    for (uint32_t d = (ef ^ (uint32_t)f) & CC_MASK & ~m; d; d &= d - 1) {
        undef_flag_diffs[__builtin_ctz(d)]++;
    }
    if ((ef & m) != (f & m)) {
        g_test_message("%s/%u: flags emu=%#x host=%#x mask=%#x (in r3=%#llx r6=%#llx "
                       "rax=%#llx rcx=%#llx flags=%#llx)",
                       t->name, size, ef, (unsigned)(f & CC_MASK), m,
                       (unsigned long long)r[3], (unsigned long long)r[6],
                       (unsigned long long)r[R_EAX], (unsigned long long)r[R_ECX],
                       (unsigned long long)f_in);
        return false;
    }
    /* The lazy CF fast path must agree with the full computation. */
    if (cpu_cc_compute_c(&env) != !!(ef & CC_C)) {
        g_test_message("%s/%u: cpu_cc_compute_c disagrees", t->name, size);
        return false;
    }
    return true;
}

#define CASES_PER_SIZE 20000

static void test_alu_op(gconstpointer data)
{
    const AluTest *t = data;
    unsigned long checked = 0;

    if (!host_has(t->need)) {
        g_test_skip("the host CPU lacks this extension (CPUID)");
        return;
    }
    memset(undef_flag_diffs, 0, sizeof(undef_flag_diffs));
    env_init();
    for (unsigned si = 0; si < 4; si++) {
        unsigned size = 1u << si;
        HostFn host = t->host[size_index(size)];
        if (!host) {
            continue;
        }
        for (int i = 0; i < CASES_PER_SIZE; i++) {
            if (!alu_case(t, size, host)) {
                g_test_fail();
                return;
            }
            checked++;
        }
    }
    g_test_message("%s: %lu cases checked against the host", t->name, checked);
    if (undef_flag_diffs[0] | undef_flag_diffs[2] | undef_flag_diffs[4] |
        undef_flag_diffs[6] | undef_flag_diffs[7] | undef_flag_diffs[11]) {
        g_test_message("%s: undefined flags differing from this host (not errors): "
                       "CF %lu PF %lu AF %lu ZF %lu SF %lu OF %lu", t->name,
                       undef_flag_diffs[0], undef_flag_diffs[2], undef_flag_diffs[4],
                       undef_flag_diffs[6], undef_flag_diffs[7], undef_flag_diffs[11]);
    }
}

/* CMOVcc for every condition and size, with lazy flags produced by a
 * random CMP first; SETcc likewise (that is cpu_cond against the host). */
static void test_cmov_setcc(void)
{
    unsigned long checked = 0;
    static const unsigned sizes[3] = { 2, 4, 8 };

    env_init();
    for (int cond = 0; cond < 16; cond++) {
        for (int i = 0; i < 4000; i++) {
            unsigned si = rnd() % 3, size = sizes[si];
            uint64_t x = rnd_val(size), y = rnd_val(size), d = rnd(), s = rnd();
            uint64_t f = rnd_flags();
            /* Produce flags with a real CMP on both sides. */
            uint64_t cx = x, cy = y, dummy = 0;
            HostFn cmp = alu_tests[7].host[size_index(size)];
            cmp(&cx, &cy, &dummy, &f);

            Insn in;
            memset(&in, 0, sizeof(in));
            in.op = OP_CMP;
            in.opsize = size;
            in.seg = SEG_NONE;
            set_reg_op(&in, 0, 3, size);
            set_reg_op(&in, 1, 6, size);
            in.nr_ops = 2;
            env.regs[3] = x;
            env.regs[6] = y;
            emu_run(&in);

            /* CMOV */
            uint64_t hd = d, hs = s, hf = f;
            host_cmov[cond][si](&hd, &hs, &dummy, &hf);
            in.op = OP_CMOV;
            in.cond = cond;
            env.regs[3] = d;
            env.regs[6] = s;
            emu_run(&in);
            if (env.regs[3] != hd) {
                g_test_message("cmov cond %d size %u: emu=%#llx host=%#llx", cond, size,
                               (unsigned long long)env.regs[3], (unsigned long long)hd);
                g_test_fail();
                return;
            }
            /* SETcc */
            uint64_t sd = rnd();
            hd = sd;
            hf = f;
            host_set[cond](&hd, &hs, &dummy, &hf);
            in.op = OP_SETCC;
            in.opsize = 1;
            set_reg_op(&in, 0, 3, 1);
            in.nr_ops = 1;
            env.regs[3] = sd;
            emu_run(&in);
            if (env.regs[3] != hd) {
                g_test_message("setcc cond %d: emu=%#llx host=%#llx", cond,
                               (unsigned long long)env.regs[3], (unsigned long long)hd);
                g_test_fail();
                return;
            }
            checked += 2;
        }
    }
    g_test_message("cmov/setcc after cmp: %lu cases checked", checked);
}

/* cpu_cond over random materialized flags against the host's SETcc, and
 * over lazy flags from assorted operations. */
static void test_cond(void)
{
    unsigned long checked = 0;
    static const int lazy_ops[] = { 0, 1, 2, 3, 4, 5, 6, 10, 11, 12, 18, 20 };

    env_init();
    for (int i = 0; i < 20000; i++) {
        uint64_t f = rnd_flags();
        cpu_set_eflags(&env, f, CC_MASK);
        for (int cond = 0; cond < 16; cond++) {
            uint64_t a = 0x5555, b = 0, c = 0, hf = f;
            host_set[cond](&a, &b, &c, &hf);
            if (cpu_cond(&env, cond) != (a & 1)) {
                g_test_message("cond %d flags %#llx: emu=%d host=%d", cond,
                               (unsigned long long)f, cpu_cond(&env, cond), (int)(a & 1));
                g_test_fail();
                return;
            }
            checked++;
        }
    }
    /* Lazy states: ops whose flags are all defined (shift count 1). */
    for (int i = 0; i < 20000; i++) {
        const AluTest *t = &alu_tests[lazy_ops[rnd() % G_N_ELEMENTS(lazy_ops)]];
        unsigned size = 1u << (rnd() % 4);
        uint64_t x = rnd_val(size), y = rnd_val(size), cnt = 1, f = rnd_flags();
        Insn in;
        memset(&in, 0, sizeof(in));
        in.op = t->op;
        in.opsize = size;
        in.seg = SEG_NONE;
        set_reg_op(&in, 0, 3, size);
        set_reg_op(&in, 1, t->kind == K_SHIFT ? R_ECX : 6, t->kind == K_SHIFT ? 1 : size);
        in.nr_ops = t->kind == K_UN ? 1 : 2;
        env.regs[3] = x;
        env.regs[6] = y;
        env.regs[R_ECX] = cnt;
        cpu_set_eflags(&env, f, CC_MASK);
        emu_run(&in);
        uint64_t hx = x, hy = t->kind == K_SHIFT ? cnt : y, hc = 0, hf = f;
        t->host[size_index(size)](&hx, &hy, &hc, &hf);
        for (int cond = 0; cond < 16; cond++) {
            uint64_t a = 0, b = 0, c = 0, sf = hf;
            /* AF is undefined after logic ops but no condition reads it. */
            host_set[cond](&a, &b, &c, &sf);
            if (cpu_cond(&env, cond) != (a & 1)) {
                g_test_message("lazy %s/%u cond %d: emu=%d host=%d (x=%#llx y=%#llx)",
                               t->name, size, cond, cpu_cond(&env, cond), (int)(a & 1),
                               (unsigned long long)x, (unsigned long long)y);
                g_test_fail();
                return;
            }
            checked++;
        }
    }
    g_test_message("cpu_cond: %lu cases checked", checked);
}

static void test_lahf_sahf(void)
{
    env_init();
    Insn in;
    memset(&in, 0, sizeof(in));
    in.seg = SEG_NONE;
    for (int i = 0; i < 5000; i++) {
        uint64_t f = rnd_flags(), ax = rnd();
        uint64_t a = ax, b = 0, c = 0, hf = f;
        h_lahf(&a, &b, &c, &hf);
        env.regs[R_EAX] = ax;
        cpu_set_eflags(&env, f, CC_MASK);
        in.op = OP_LAHF;
        emu_run(&in);
        g_assert_cmphex(env.regs[R_EAX], ==, a);

        a = ax;
        hf = f;
        h_sahf(&a, &b, &c, &hf);
        env.regs[R_EAX] = ax;
        cpu_set_eflags(&env, f, CC_MASK);
        in.op = OP_SAHF;
        emu_run(&in);
        g_assert_cmphex(cpu_get_eflags(&env) & CC_MASK, ==, hf & CC_MASK);
    }
}

/* cpu_get_eflags / cpu_set_eflags round trip and partial masks. */
static void test_eflags_roundtrip(void)
{
    const uint64_t defined = CC_MASK | TF_MASK | IF_MASK | DF_MASK | IOPL_MASK | NT_MASK |
                             RF_MASK | VM_MASK | AC_MASK | VIF_MASK | VIP_MASK | ID_MASK;
    env_init();
    for (int i = 0; i < 10000; i++) {
        uint64_t v = rnd(), mask = rnd();
        uint64_t before = cpu_get_eflags(&env);
        cpu_set_eflags(&env, v, ~0ull);
        g_assert_cmphex(cpu_get_eflags(&env), ==, (v & defined) | EFLAGS_FIXED1);
        cpu_set_eflags(&env, before, ~0ull);
        cpu_set_eflags(&env, v, mask);
        uint64_t want = ((before & ~mask) | (v & mask)) & defined;
        g_assert_cmphex(cpu_get_eflags(&env), ==, want | EFLAGS_FIXED1);
        /* A lazy result followed by a partial write keeps the others. */
        set_cc(&env, CC_OP_SUBB, 4, 0, 1, 0); /* 1 - 1: ZF PF, no CF */
        cpu_set_eflags(&env, CC_C, CC_C);
        g_assert_cmphex(cpu_get_eflags(&env) & CC_MASK, ==, CC_Z | CC_P | CC_C);
    }
}

/* BSF/BSR of 0 (Intel behaviour, SDM leaves the result undefined): the
 * destination keeps its value, a 32-bit one has its upper half cleared. */
static void test_bsf_zero(void)
{
    static const unsigned sizes[3] = { 2, 4, 8 };
    env_init();
    for (int op = 0; op < 2; op++) {
        for (int i = 0; i < 3; i++) {
            Insn in;
            memset(&in, 0, sizeof(in));
            in.op = op ? OP_BSR : OP_BSF;
            in.opsize = sizes[i];
            in.seg = SEG_NONE;
            set_reg_op(&in, 0, 3, sizes[i]);
            set_reg_op(&in, 1, 6, sizes[i]);
            in.nr_ops = 2;
            env.regs[3] = 0x1122334455667788ull;
            env.regs[6] = sizes[i] == 8 ? 0 : 0xffffffff00000000ull;
            emu_run(&in);
            g_assert_true(cpu_get_eflags(&env) & CC_Z);
            g_assert_cmphex(env.regs[3], ==, sizes[i] == 4 ? 0x55667788ull
                                                           : 0x1122334455667788ull);
        }
    }
    /* BSWAP r16 (undefined in the SDM) clears the low word */
    Insn in;
    memset(&in, 0, sizeof(in));
    in.op = OP_BSWAP;
    in.opsize = 2;
    in.seg = SEG_NONE;
    set_reg_op(&in, 0, 3, 2);
    in.nr_ops = 1;
    env.regs[3] = 0x1122334455667788ull;
    emu_run(&in);
    g_assert_cmphex(env.regs[3], ==, 0x1122334455660000ull);
}

/* F3 0F BD / F3 0F BC on a model without LZCNT / BMI1 are BSR / BSF with
 * an ignored REP (SDM LZCNT/TZCNT): the handlers then compute exactly
 * what op_BSR/op_BSF do; with the feature, the count of zero bits. */
static void test_cnt_gating(void)
{
    static const unsigned sizes[3] = { 2, 4, 8 };
    X86CPUModel old = test_model;
    test_model.features[FEAT_8000_0001_ECX] &= ~CPUID_EXT3_ABM;
    test_model.features[FEAT_7_0_EBX] &= ~CPUID_7_EBX_BMI1;
    env_init();
    for (int i = 0; i < 20000; i++) {
        unsigned size = sizes[rnd() % 3];
        bool lz = rnd() & 1;
        Insn in;
        memset(&in, 0, sizeof(in));
        in.op = lz ? OP_LZCNT : OP_TZCNT;
        in.opsize = size;
        in.seg = SEG_NONE;
        in.prefix = PFX_REP;
        set_reg_op(&in, 0, 3, size);
        set_reg_op(&in, 1, 6, size);
        in.nr_ops = 2;
        uint64_t r3 = rnd(), r6 = rnd_val(size), f = rnd_flags();
        env.regs[3] = r3;
        env.regs[6] = r6;
        cpu_set_eflags(&env, f, CC_MASK);
        g_assert_false(emu_run(&in));
        uint64_t got = env.regs[3];
        uint32_t gotf = cpu_get_eflags(&env) & CC_MASK;
        env.regs[3] = r3;
        env.regs[6] = r6;
        cpu_set_eflags(&env, f, CC_MASK);
        in.op = lz ? OP_BSR : OP_BSF;
        g_assert_false(emu_run(&in));
        g_assert_cmphex(got, ==, env.regs[3]);
        g_assert_cmphex(gotf, ==, cpu_get_eflags(&env) & CC_MASK);
    }
    test_model = old;
    /* with the features: 16-bit LZCNT of 0 is 16, TZCNT of 0x8000 is 15 */
    env_init();
    Insn in;
    memset(&in, 0, sizeof(in));
    in.op = OP_LZCNT;
    in.opsize = 2;
    in.seg = SEG_NONE;
    set_reg_op(&in, 0, 3, 2);
    set_reg_op(&in, 1, 6, 2);
    in.nr_ops = 2;
    env.regs[3] = ~0ull;
    env.regs[6] = 0xffff0000u;
    g_assert_false(emu_run(&in));
    g_assert_cmphex(env.regs[3], ==, 0xffffffffffff0010ull);
    g_assert_cmphex(cpu_get_eflags(&env) & (CC_C | CC_Z), ==, CC_C);
    in.op = OP_TZCNT;
    env.regs[6] = 0x8000;
    g_assert_false(emu_run(&in));
    g_assert_cmphex(env.regs[3], ==, 0xffffffffffff000full);
    g_assert_cmphex(cpu_get_eflags(&env) & (CC_C | CC_Z), ==, 0);
}

/* ---- #DE details ---- */

static int run_expect_fault(Insn *in)
{
    return emu_run(in) ? env.exception_index : -1;
}

static void test_div_faults(void)
{
    Insn in;
    env_init();
    memset(&in, 0, sizeof(in));
    in.seg = SEG_NONE;
    set_reg_op(&in, 0, 3, 8);
    in.nr_ops = 1;

    struct { int op; unsigned size; uint64_t rax, rdx, div; bool fault; } cases[] = {
        { OP_DIV, 1, 0x0100, 0, 1, true },          /* 256 / 1 does not fit AL */
        { OP_DIV, 1, 0x00ff, 0, 1, false },
        { OP_DIV, 1, 0x1234, 0, 0, true },          /* divide by zero */
        { OP_DIV, 2, 0xffff, 0xffff, 0xffff, true },
        { OP_DIV, 2, 0xffff, 0xfffe, 0xffff, false },
        { OP_DIV, 4, 0, 1, 1, true },
        { OP_DIV, 8, 5, 0, 0, true },
        { OP_DIV, 8, 0, 1, 1, true },
        { OP_DIV, 8, ~0ull, 0, 1, false },
        { OP_IDIV, 1, 0xff80, 0, 0xff, true },      /* -128 / -1 = 128 */
        { OP_IDIV, 1, 0xff81, 0, 0xff, false },
        { OP_IDIV, 2, 0x8000, 0xffff, 0xffff, true },
        { OP_IDIV, 4, 0x80000000u, 0xffffffffu, 0xffffffffu, true },
        { OP_IDIV, 8, 1ull << 63, ~0ull, ~0ull, true }, /* INT64_MIN / -1 */
        { OP_IDIV, 8, 0, 1ull << 63, ~0ull, true },     /* INT128_MIN / -1 */
        { OP_IDIV, 8, 0, 1ull << 63, 2, true },
        { OP_IDIV, 8, 7, 0, 0, true },
        { OP_IDIV, 8, (uint64_t)-7, ~0ull, 2, false },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        in.op = cases[i].op;
        in.opsize = cases[i].size;
        in.ops[0].size = cases[i].size;
        env.regs[R_EAX] = cases[i].rax;
        env.regs[R_EDX] = cases[i].rdx;
        env.regs[3] = cases[i].div;
        int e = run_expect_fault(&in);
        g_assert_cmpint(e, ==, cases[i].fault ? EXCP_DE : -1);
        if (cases[i].fault) {
            g_assert_cmphex(env.regs[R_EAX], ==, cases[i].rax);
            g_assert_cmphex(env.regs[R_EDX], ==, cases[i].rdx);
        }
    }
    /* IDIV remainder takes the dividend's sign: -7 / 2 = -3 rem -1. */
    g_assert_cmphex(env.regs[R_EAX], ==, (uint64_t)-3);
    g_assert_cmphex(env.regs[R_EDX], ==, (uint64_t)-1);

    /* AAM 0 is #DE too. */
    memset(&in, 0, sizeof(in));
    in.op = OP_AAM;
    in.imm = 0;
    g_assert_cmpint(run_expect_fault(&in), ==, EXCP_DE);
}

/* ---- BCD ---- */

typedef struct BcdCase {
    int op;
    uint16_t ax;
    uint32_t fin;   /* CF / AF in */
    uint16_t ax_out;
    uint32_t fout;  /* expected CF / AF (and ZF/SF/PF for DAA/DAS) */
    uint32_t fmask; /* flags checked */
} BcdCase;

#define CA (CC_C | CC_A)
#define CAZSP (CC_C | CC_A | CC_Z | CC_S | CC_P)

/* Hand-computed from the SDM pseudo-code. */
static const BcdCase bcd_cases[] = {
    /* DAA */
    { OP_DAA, 0x009a, 0, 0x0000, CC_C | CC_A | CC_Z | CC_P, CAZSP },
    { OP_DAA, 0x0015, 0, 0x0015, 0, CAZSP },                  /* already BCD; 3 ones: PF=0 */
    { OP_DAA, 0x000f, 0, 0x0015, CC_A, CAZSP },               /* 0F+6 = 15 */
    { OP_DAA, 0x0019, CC_A, 0x001f, CC_A, CAZSP },            /* AF in: +6 */
    { OP_DAA, 0x00a0, 0, 0x0000, CC_C | CC_Z | CC_P, CAZSP }, /* A0 > 99: +60 */
    { OP_DAA, 0x0099, 0, 0x0099, CC_P | CC_S, CAZSP },        /* 99 stays */
    { OP_DAA, 0x0099, CC_C, 0x00f9, CC_C | CC_S | CC_P, CAZSP },     /* CF in: +60 */
    { OP_DAA, 0x00ff, 0, 0x0065, CC_C | CC_A | CC_P, CAZSP }, /* FF+6=05, +60=65 */
    { OP_DAA, 0x0000, CA, 0x0066, CC_C | CC_A | CC_P, CAZSP },
    { OP_DAA, 0x1234, 0, 0x1234, 0, CC_C | CC_A },            /* AH untouched */
    /* DAS */
    { OP_DAS, 0x009a, 0, 0x0034, CC_C | CC_A, CC_C | CC_A | CC_Z | CC_S },
    { OP_DAS, 0x0015, 0, 0x0015, 0, CAZSP },
    { OP_DAS, 0x000f, 0, 0x0009, CC_A | CC_P, CAZSP },        /* 0F-6 = 09 */
    { OP_DAS, 0x0000, CC_A, 0x00fa, CC_C | CC_A | CC_S, CC_C | CC_A | CC_S | CC_Z },
    { OP_DAS, 0x0000, CC_C, 0x00a0, CC_C | CC_S | CC_P, CAZSP },
    { OP_DAS, 0x00a0, 0, 0x0040, CC_C, CC_C | CC_A | CC_Z | CC_S },
    { OP_DAS, 0x0066, CA, 0x0000, CC_C | CC_A | CC_Z | CC_P, CAZSP },
    /* AAA: AX + 106h when adjusting, AL &= 0F */
    { OP_AAA, 0x000a, 0, 0x0100, CA, CA },
    { OP_AAA, 0x0009, 0, 0x0009, 0, CA },
    { OP_AAA, 0x0009, CC_A, 0x010f, CA, CA },
    { OP_AAA, 0x05fa, 0, 0x0700, CA, CA },                    /* FA+106 carries into AH */
    { OP_AAA, 0x0035, CC_C, 0x0005, 0, CA },
    { OP_AAA, 0xff0b, 0, 0x0001, CA, CA },
    /* AAS: AX - 6, AH - 1 when adjusting */
    { OP_AAS, 0x000a, 0, 0xff04, CA, CA },
    { OP_AAS, 0x0209, 0, 0x0209, 0, CA },
    { OP_AAS, 0x0200, CC_A, 0x000a, CA, CA },                 /* 0200-6 = 01FA, AH-1 = 00 */
    { OP_AAS, 0x0135, CC_C, 0x0105, 0, CA },
    /* AAM 10 / AAD 10 (imm in the table via ax_out high bits is not
     * needed: base 10) */
    { OP_AAM, 0x0063, 0, 0x0909, CC_P, CC_Z | CC_S | CC_P },  /* 99 = 9*10+9 */
    { OP_AAM, 0x00ff, 0, 0x1905, CC_P, CC_Z | CC_S | CC_P },  /* 255 = 25*10+5 */
    { OP_AAM, 0x1200, 0, 0x0000, CC_Z | CC_P, CC_Z | CC_S | CC_P },
    { OP_AAD, 0x0909, 0, 0x0063, CC_P, CC_Z | CC_S | CC_P },
    { OP_AAD, 0x1905, 0, 0x00ff, CC_S | CC_P, CC_Z | CC_S | CC_P }, /* 25*10+5 */
    { OP_AAD, 0x1a06, 0, 0x000a, CC_P, CC_Z | CC_S | CC_P },  /* 260+6 = 266 -> 0A */
};

/* Literal transcription of the SDM pseudo-code, as a second reference
 * over every AL / CF / AF combination. */
static void sdm_daa(uint8_t *al, bool *cf, bool *af)
{
    uint8_t old_al = *al;
    bool old_cf = *cf;
    *cf = false;
    if ((*al & 0x0f) > 9 || *af) {
        unsigned t = *al + 6;
        *al = (uint8_t)t;
        *cf = old_cf || t > 0xff;
        *af = true;
    } else {
        *af = false;
    }
    if (old_al > 0x99 || old_cf) {
        *al += 0x60;
        *cf = true;
    } else {
        *cf = false;
    }
}

static void sdm_das(uint8_t *al, bool *cf, bool *af)
{
    uint8_t old_al = *al;
    bool old_cf = *cf;
    *cf = false;
    if ((*al & 0x0f) > 9 || *af) {
        *cf = old_cf || *al < 6;
        *al -= 6;
        *af = true;
    } else {
        *af = false;
    }
    if (old_al > 0x99 || old_cf) {
        *al -= 0x60;
        *cf = true;
    }
}

static void test_bcd(void)
{
    Insn in;
    env_init();
    env.code_bits = 32;
    env.long_mode = false;
    memset(&in, 0, sizeof(in));
    in.seg = SEG_NONE;
    for (unsigned i = 0; i < G_N_ELEMENTS(bcd_cases); i++) {
        const BcdCase *c = &bcd_cases[i];
        in.op = c->op;
        in.imm = 10;
        env.regs[R_EAX] = 0xdeadbeef00000000ull | c->ax;
        cpu_set_eflags(&env, c->fin, CC_MASK);
        g_assert_false(emu_run(&in));
        if ((uint16_t)env.regs[R_EAX] != c->ax_out ||
            (cpu_get_eflags(&env) & c->fmask) != c->fout) {
            g_test_message("bcd case %u (op %s ax %#x): ax=%#x want %#x flags=%#x want %#x",
                           i, insn_op_names[c->op], c->ax, (unsigned)(uint16_t)env.regs[R_EAX],
                           c->ax_out, (unsigned)(cpu_get_eflags(&env) & c->fmask), c->fout);
            g_test_fail();
        }
        g_assert_cmphex(env.regs[R_EAX] >> 16, ==, 0xdeadbeef0000ull);
    }
    for (int op = 0; op < 2; op++) {
        for (unsigned v = 0; v < 256 * 4; v++) {
            uint8_t al = v & 0xff;
            bool cf = v & 0x100, af = v & 0x200;
            in.op = op ? OP_DAS : OP_DAA;
            env.regs[R_EAX] = 0x4200 | al;
            cpu_set_eflags(&env, (cf ? CC_C : 0) | (af ? CC_A : 0), CC_MASK);
            emu_run(&in);
            (op ? sdm_das : sdm_daa)(&al, &cf, &af);
            uint32_t f = cpu_get_eflags(&env);
            g_assert_cmphex(env.regs[R_EAX], ==, 0x4200u | al);
            g_assert_cmpint(!!(f & CC_C), ==, cf);
            g_assert_cmpint(!!(f & CC_A), ==, af);
            g_assert_cmpint(!!(f & CC_Z), ==, al == 0);
            g_assert_cmpint(!!(f & CC_S), ==, al >> 7);
            g_assert_cmpint(!!(f & CC_P), ==, !__builtin_parity(al));
        }
    }
    /* SALC */
    in.op = OP_SALC;
    env.regs[R_EAX] = 0x1234;
    cpu_set_eflags(&env, CC_C, CC_MASK);
    emu_run(&in);
    g_assert_cmphex(env.regs[R_EAX], ==, 0x12ff);
    cpu_set_eflags(&env, 0, CC_MASK);
    emu_run(&in);
    g_assert_cmphex(env.regs[R_EAX], ==, 0x1200);
}

int main(int argc, char **argv)
{
    struct sigaction sa;
    uint64_t fl;

    g_test_init(&argc, &argv, NULL);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = sigfpe_handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGFPE, &sa, NULL);
    asm volatile("pushfq\n\tpop %0" : "=r"(fl));
    host_flags_base = fl & ~(uint64_t)(CC_MASK | TF_MASK | DF_MASK | AC_MASK);
    test_model = *x86_model_find("max");
    test_model.features[FEAT_7_0_EBX] |= CPUID_7_EBX_BMI1;
    test_model.features[FEAT_8000_0001_ECX] |= CPUID_EXT3_ABM;
    test_model.features[FEAT_7_0_EBX] |= CPUID_7_EBX_ADX;

    for (unsigned i = 0; i < G_N_ELEMENTS(alu_tests); i++) {
        char *path = g_strdup_printf("/alu/host/%s", alu_tests[i].name);
        g_test_add_data_func(path, &alu_tests[i], test_alu_op);
        g_free(path);
    }
    g_test_add_func("/alu/host/cmov-setcc", test_cmov_setcc);
    g_test_add_func("/alu/flags/cond", test_cond);
    g_test_add_func("/alu/flags/lahf-sahf", test_lahf_sahf);
    g_test_add_func("/alu/flags/eflags-roundtrip", test_eflags_roundtrip);
    g_test_add_func("/alu/div-faults", test_div_faults);
    g_test_add_func("/alu/bsf-bsr-zero", test_bsf_zero);
    g_test_add_func("/alu/lzcnt-tzcnt-gating", test_cnt_gating);
    g_test_add_func("/alu/bcd", test_bcd);
    int rc = g_test_run();
    if (undefined_result_diffs) {
        printf("# note: %lu cases with an undefined result (SHLD/SHRD count > operand "
               "size, BSF/BSR r32 of 0, BSWAP r16) differ from this host\n", undefined_result_diffs);
    }
    return rc;
}

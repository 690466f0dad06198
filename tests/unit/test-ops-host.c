/*
 * tests/unit/test-ops-host.c - end-to-end differential test: random
 * instruction bytes -> decode_buf() -> insn_handlers[], against the host
 * CPU executing the very same bytes.
 *
 * Design: test-alu.c checks each handler with hand-built Insns; this one
 * checks that the decoder's operand conventions and the handlers agree
 * (operand order, sizes, immediate extension, byte registers AH..BH vs
 * SPL..DIL, implicit operands) for register-form integer instructions.
 * The bytes are copied into an executable page followed by RET and called
 * from a small harness (host_exec below) that loads all general registers
 * but RSP and RFLAGS from a state block and stores them back.  Encodings
 * that touch RSP are skipped; memory forms are limited to LEA (no access).
 * Flags the SDM leaves undefined are masked (alu-undef.h).
 */
#include <glib.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "target/i386/ops.h"
#include "tests/unit/alu-undef.h"

typedef struct HostState {
    uint64_t regs[16]; /* offsets 0..120 */
    uint64_t flags;    /* offset 128 */
} HostState;

void host_exec(HostState *s, const void *code);

asm(".text\n"
    ".globl host_exec\n"
    ".type host_exec, @function\n"
    "host_exec:\n"
    "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
    "  push %rsi\n"                 /* code pointer */
    "  push %rdi\n"                 /* state pointer */
    "  pushq 128(%rdi)\n  popfq\n"
    "  mov 0(%rdi), %rax\n  mov 8(%rdi), %rcx\n  mov 16(%rdi), %rdx\n"
    "  mov 24(%rdi), %rbx\n  mov 40(%rdi), %rbp\n  mov 48(%rdi), %rsi\n"
    "  mov 64(%rdi), %r8\n  mov 72(%rdi), %r9\n  mov 80(%rdi), %r10\n"
    "  mov 88(%rdi), %r11\n  mov 96(%rdi), %r12\n  mov 104(%rdi), %r13\n"
    "  mov 112(%rdi), %r14\n  mov 120(%rdi), %r15\n  mov 56(%rdi), %rdi\n"
    "  call *8(%rsp)\n"
    "  pushfq\n"
    "  xchg %rdi, 8(%rsp)\n"        /* rdi = state, slot = guest rdi */
    "  mov %rax, 0(%rdi)\n  mov %rcx, 8(%rdi)\n  mov %rdx, 16(%rdi)\n"
    "  mov %rbx, 24(%rdi)\n  mov %rbp, 40(%rdi)\n  mov %rsi, 48(%rdi)\n"
    "  mov %r8, 64(%rdi)\n  mov %r9, 72(%rdi)\n  mov %r10, 80(%rdi)\n"
    "  mov %r11, 88(%rdi)\n  mov %r12, 96(%rdi)\n  mov %r13, 104(%rdi)\n"
    "  mov %r14, 112(%rdi)\n  mov %r15, 120(%rdi)\n"
    "  pop %rax\n  mov %rax, 128(%rdi)\n"
    "  pop %rax\n  mov %rax, 56(%rdi)\n"
    "  pop %rsi\n"
    "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
    "  ret\n"
    ".size host_exec, .-host_exec\n");

static uint8_t *code_page;
static sigjmp_buf fpe_jb;
static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint64_t host_flags_base;
static CPUX86State env;

static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}

static void on_sigfpe(int sig)
{
    siglongjmp(fpe_jb, 1);
}

/* Opcodes exercised: one-byte and 0F-map integer instructions whose
 * register forms have no side effects beyond registers and flags. */
typedef struct Opc {
    uint16_t opcode;    /* 0x0Fxx for the two-byte map */
    uint8_t imm;        /* immediate bytes: 1, 2 (= z: 2 or 4 by opsize), 4 */
    bool modrm;
    bool mem_ok;        /* LEA: memory form allowed (no access happens) */
    int8_t reg_only;    /* -1, or the only ModRM.reg value allowed */
} Opc;

#define IMM_Z 3

static const Opc opcodes[] = {
    /* ALU Eb,Gb .. AL,Ib .. rAX,Iz for the eight operations */
    #define ALU_ROW(b) { b, 0, true, false, -1 }, { b + 1, 0, true, false, -1 }, \
        { b + 2, 0, true, false, -1 }, { b + 3, 0, true, false, -1 }, \
        { b + 4, 1, false, false, -1 }, { b + 5, IMM_Z, false, false, -1 }
    ALU_ROW(0x00), ALU_ROW(0x08), ALU_ROW(0x10), ALU_ROW(0x18),
    ALU_ROW(0x20), ALU_ROW(0x28), ALU_ROW(0x30), ALU_ROW(0x38),
    { 0x63, 0, true, false, -1 },                 /* MOVSXD */
    { 0x69, IMM_Z, true, false, -1 }, { 0x6b, 1, true, false, -1 },
    { 0x80, 1, true, false, -1 }, { 0x81, IMM_Z, true, false, -1 },
    { 0x83, 1, true, false, -1 },
    { 0x84, 0, true, false, -1 }, { 0x85, 0, true, false, -1 },
    { 0x86, 0, true, false, -1 }, { 0x87, 0, true, false, -1 },
    { 0x88, 0, true, false, -1 }, { 0x89, 0, true, false, -1 },
    { 0x8a, 0, true, false, -1 }, { 0x8b, 0, true, false, -1 },
    { 0x8d, 0, true, true, -1 },                  /* LEA */
    { 0x91, 0, false, false, -1 }, { 0x93, 0, false, false, -1 },
    { 0x96, 0, false, false, -1 }, { 0x97, 0, false, false, -1 },
    { 0x98, 0, false, false, -1 }, { 0x99, 0, false, false, -1 },
    { 0x9e, 0, false, false, -1 }, { 0x9f, 0, false, false, -1 },
    { 0xa8, 1, false, false, -1 }, { 0xa9, IMM_Z, false, false, -1 },
    { 0xb0, 1, false, false, -1 }, { 0xb3, 1, false, false, -1 },
    { 0xb5, 1, false, false, -1 }, { 0xb9, IMM_Z, false, false, -1 },
    { 0xbe, IMM_Z, false, false, -1 },
    { 0xc0, 1, true, false, -1 }, { 0xc1, 1, true, false, -1 },
    { 0xc6, 1, true, false, 0 }, { 0xc7, IMM_Z, true, false, 0 },
    { 0xd0, 0, true, false, -1 }, { 0xd1, 0, true, false, -1 },
    { 0xd2, 0, true, false, -1 }, { 0xd3, 0, true, false, -1 },
    { 0xf5, 0, false, false, -1 }, { 0xf8, 0, false, false, -1 },
    { 0xf9, 0, false, false, -1 },
    /* group 3: TEST has an immediate; group 4/5: INC/DEC only (the
     * others are branches and pushes) */
    { 0xf6, 1, true, false, 0 }, { 0xf7, IMM_Z, true, false, 0 },
    #define GRP3(r) { 0xf6, 0, true, false, r }, { 0xf7, 0, true, false, r }
    GRP3(2), GRP3(3), GRP3(4), GRP3(5), GRP3(6), GRP3(7),
    { 0xfe, 0, true, false, 0 }, { 0xff, 0, true, false, 0 },
    { 0xfe, 0, true, false, 1 }, { 0xff, 0, true, false, 1 },
    { 0x0f40, 0, true, false, -1 }, { 0x0f43, 0, true, false, -1 },
    { 0x0f47, 0, true, false, -1 }, { 0x0f4a, 0, true, false, -1 },
    { 0x0f4c, 0, true, false, -1 }, { 0x0f4f, 0, true, false, -1 },
    { 0x0f90, 0, true, false, -1 }, { 0x0f92, 0, true, false, -1 },
    { 0x0f95, 0, true, false, -1 }, { 0x0f96, 0, true, false, -1 },
    { 0x0f9a, 0, true, false, -1 }, { 0x0f9d, 0, true, false, -1 },
    { 0x0fa3, 0, true, false, -1 }, { 0x0fab, 0, true, false, -1 },
    { 0x0fb3, 0, true, false, -1 }, { 0x0fbb, 0, true, false, -1 },
    { 0x0fba, 1, true, false, -1 },
    { 0x0fa4, 1, true, false, -1 }, { 0x0fa5, 0, true, false, -1 },
    { 0x0fac, 1, true, false, -1 }, { 0x0fad, 0, true, false, -1 },
    { 0x0faf, 0, true, false, -1 },
    { 0x0fb0, 0, true, false, -1 }, { 0x0fb1, 0, true, false, -1 },
    { 0x0fb6, 0, true, false, -1 }, { 0x0fb7, 0, true, false, -1 },
    { 0x0fbe, 0, true, false, -1 }, { 0x0fbf, 0, true, false, -1 },
    { 0x0fbc, 0, true, false, -1 }, { 0x0fbd, 0, true, false, -1 },
    { 0x0fc0, 0, true, false, -1 }, { 0x0fc1, 0, true, false, -1 },
    { 0x0fc8, 0, false, false, -1 }, { 0x0fcb, 0, false, false, -1 },
    { 0x0fce, 0, false, false, -1 },
};

/* Generate one encoding; returns its length. */
static unsigned gen(uint8_t *b, const Opc *o)
{
    unsigned n = 0;
    bool opsz = rnd() % 4 == 0;
    bool rexw = false;

    if (opsz) {
        b[n++] = 0x66;
    }
    if (rnd() % 2) {
        uint8_t rex = 0x40 | (rnd() & 15); /* REX (W, R, X, B at random) */
        rexw = rex & 8;
        b[n++] = rex;
    }
    if (o->opcode > 0xff) {
        b[n++] = 0x0f;
    }
    b[n++] = o->opcode & 0xff;
    if (o->modrm) {
        uint8_t reg = o->reg_only >= 0 ? o->reg_only : rnd() & 7;
        uint8_t mod = o->mem_ok ? rnd() % 3 : 3;
        uint8_t rm = rnd() & 7;
        b[n++] = (mod << 6) | (reg << 3) | rm;
        if (mod != 3 && rm == 4) {
            b[n++] = rnd() & 0xff;      /* SIB */
        }
        if (mod == 1) {
            b[n++] = rnd() & 0xff;
        } else if (mod == 2 || (mod == 0 && rm == 5)) {
            for (int i = 0; i < 4; i++) {
                b[n++] = rnd() & 0xff;
            }
        }
    }
    unsigned imm = o->imm == IMM_Z ? (opsz && !rexw ? 2 : 4) : o->imm;
    if (o->opcode == 0xbe && rexw) {
        imm = 8;                        /* MOV r64, imm64 with REX.W */
    }
    for (unsigned i = 0; i < imm; i++) {
        b[n++] = rnd() & 0xff;
    }
    return n;
}

static bool uses_rsp(const Insn *in)
{
    for (int i = 0; i < in->nr_ops; i++) {
        if (in->ops[i].kind == OPK_REG && in->ops[i].reg == R_ESP) {
            return true;
        }
        if (in->ops[i].kind == OPK_MEM) {
            if (in->mem.rip_rel || in->mem.base == R_ESP || in->mem.index == R_ESP) {
                return true;            /* depends on the code address / RSP */
            }
        }
    }
    return false;
}

static uint64_t shift_count_of(const Insn *in, const uint64_t *r)
{
    int n = (in->op == OP_SHLD || in->op == OP_SHRD) ? 2 : 1;
    if (in->nr_ops <= n) {
        return 1;
    }
    if (in->ops[n].kind == OPK_IMM) {
        return (uint64_t)in->imm;
    }
    return r[R_ECX] & 0xff;
}

static uint64_t rnd_reg(void)
{
    switch (rnd() % 6) {
    case 0: return rnd() % 70;
    case 1: return ~0ull;
    case 2: return 1ull << (rnd() % 64);
    case 3: return (rnd() % 2) ? 0x80 : 0x8000;
    default: return rnd();
    }
}

static bool emu_run(const Insn *in)
{
    if (setjmp(env.jmp_env)) {
        return true;
    }
    insn_handlers[in->op](&env, in);
    return false;
}

static bool host_run(HostState *hs)
{
    if (sigsetjmp(fpe_jb, 1)) {
        return true;
    }
    host_exec(hs, code_page);
    return false;
}

static void test_decoded_vs_host(void)
{
    unsigned long checked = 0, skipped = 0, faults = 0, len_mismatch = 0;
    unsigned long per_op[OP_NB];

    memset(per_op, 0, sizeof(per_op));
    for (int iter = 0; iter < 200000; iter++) {
        const Opc *o = &opcodes[rnd() % G_N_ELEMENTS(opcodes)];
        uint8_t bytes[32];
        unsigned len = gen(bytes, o);
        Insn in;

        if (decode_buf(&in, MODE_64, bytes, len) != DECODE_OK ||
            uses_rsp(&in) || in.op == OP_INVALID) {
            skipped++;
            continue;
        }
        if (in.len != len) {
            len_mismatch++;
            continue;
        }
        HostState hs;
        for (int i = 0; i < 16; i++) {
            hs.regs[i] = rnd_reg();
        }
        hs.regs[R_ESP] = 0;
        hs.flags = host_flags_base | (rnd() & CC_MASK);
        uint64_t r_in[16];
        memcpy(r_in, hs.regs, sizeof(r_in));

        /* emulator */
        memset(&env, 0, sizeof(env));
        env.code_bits = env.stack_bits = 64;
        env.long_mode = true;
        env.cr[0] = CR0_PE | CR0_PG;
        env.efer = EFER_LMA | EFER_LME;
        env.exception_index = -1;
        memcpy(env.regs, r_in, sizeof(r_in));
        cpu_set_eflags(&env, hs.flags, CC_MASK);
        env.rip = 0x1000;
        env.next_rip = env.rip + in.len;
        bool efault = emu_run(&in);

        /* host */
        memcpy(code_page, bytes, len);
        code_page[len] = 0xc3;
        bool hfault = host_run(&hs);

        GString *hex = g_string_new(NULL);
        for (unsigned i = 0; i < len; i++) {
            g_string_append_printf(hex, "%02x ", bytes[i]);
        }
        if (efault != hfault || (efault && env.exception_index != EXCP_DE)) {
            g_test_message("%s(%s): fault emu=%d(%d) host=%d", hex->str,
                           insn_op_names[in.op], efault, env.exception_index, hfault);
            g_test_fail();
            g_string_free(hex, true);
            return;
        }
        if (efault) {
            faults++;
            g_string_free(hex, true);
            continue;
        }
        unsigned size = in.nr_ops ? in.ops[0].size : in.opsize;
        uint32_t m = defined_flags(in.op, size ? size : in.opsize, shift_count_of(&in, r_in));
        bool undefined_result = (in.op == OP_SHLD || in.op == OP_SHRD) &&
                                (shift_count_of(&in, r_in) & 31) > 16 && size == 2;
        /* BSWAP r16: undefined (zero here; vendors may differ) */
        if (in.op == OP_BSWAP && size == 2) {
            undefined_result = true;
        }
        /* BSF/BSR r32 of 0: Intel clears the upper half, AMD does not */
        if ((in.op == OP_BSF || in.op == OP_BSR) && size == 4 &&
            in.ops[1].kind == OPK_REG && !(uint32_t)r_in[in.ops[1].reg]) {
            undefined_result = true;
        }
        for (int i = 0; i < 16; i++) {
            if (i == R_ESP) {
                continue;
            }
            if (undefined_result && in.ops[0].kind == OPK_REG && i == in.ops[0].reg) {
                continue;
            }
            if (env.regs[i] != hs.regs[i]) {
                g_test_message("%s(%s): reg %d emu=%#llx host=%#llx in=%#llx", hex->str,
                               insn_op_names[in.op], i, (unsigned long long)env.regs[i],
                               (unsigned long long)hs.regs[i],
                               (unsigned long long)r_in[i]);
                g_test_fail();
                g_string_free(hex, true);
                return;
            }
        }
        uint32_t ef = cpu_get_eflags(&env) & CC_MASK;
        if ((ef & m) != (hs.flags & m)) {
            g_test_message("%s(%s): flags emu=%#x host=%#x mask=%#x", hex->str,
                           insn_op_names[in.op], ef, (unsigned)(hs.flags & CC_MASK), m);
            g_test_fail();
            g_string_free(hex, true);
            return;
        }
        g_string_free(hex, true);
        per_op[in.op]++;
        checked++;
    }
    GString *s = g_string_new(NULL);
    for (int i = 0; i < OP_NB; i++) {
        if (per_op[i]) {
            g_string_append_printf(s, " %s:%lu", insn_op_names[i], per_op[i]);
        }
    }
    g_test_message("decoded vs host: %lu instructions checked (%lu #DE on both, %lu "
                   "encodings skipped, %lu with a decoded length different from the "
                   "generator's);%s", checked, faults, skipped, len_mismatch, s->str);
    g_string_free(s, true);
    g_assert_cmpuint(checked, >, 100000);
}

static void skip_no_exec(void)
{
    g_test_skip("no executable page for host code");
}

int main(int argc, char **argv)
{
    struct sigaction sa;
    uint64_t fl;

    g_test_init(&argc, &argv, NULL);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigfpe;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGFPE, &sa, NULL);
    asm volatile("pushfq\n\tpop %0" : "=r"(fl));
    host_flags_base = fl & ~(uint64_t)(CC_MASK | TF_MASK | DF_MASK | AC_MASK);
    code_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code_page == MAP_FAILED) {
        g_test_add_func("/ops-host/decoded", skip_no_exec);
        return g_test_run();
    }
    g_test_add_func("/ops-host/decoded", test_decoded_vs_host);
    return g_test_run();
}

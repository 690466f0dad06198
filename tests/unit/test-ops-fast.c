/*
 * tests/unit/test-ops-fast.c - the specialised handlers of
 * target/i386/ops_fast.c against the generic ones they stand for.
 *
 * Design: random instructions of the shapes insn_exec_prepare()
 * specialises (register/immediate ALU ops, MOV, INC/DEC, shifts and
 * rotates by an immediate, LEA, Jcc) in 16-, 32- and 64-bit mode, with
 * random registers and a random lazy-flag state left by a random earlier
 * operation.  Each runs twice from the same state, once through
 * insn_handlers[op] and once through insn_exec_handlers[xop]; the
 * registers, next_rip, the raw lazy-flag state and any exception must be
 * identical.  The difftest and test-ops-fuzz only exercise the generic
 * handlers, so this is what keeps the two in step.
 */
#include <glib.h>
#include <setjmp.h>
#include <string.h>

#include "hw/machine.h"
#include "target/i386/ops_internal.h"

#define RAM_SIZE (2u << 20)

static uint8_t *ram;
static Machine machine;
static X86CPU cpu;
static CPUX86State *env = &cpu.env;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}

static void setup(int mode)
{
    cpu_x86_reset(&cpu);
    for (int i = 0; i < NR_SEGS; i++) {
        cpu_load_seg_real(env, i, 0);
    }
    if (mode != 16) {
        /* the handlers only look at code_bits and CS.limit */
        env->cr[0] |= CR0_PE;
        env->segs[R_CS].limit = rnd() % 2 ? 0xffffffffu : 0x20000;
        env->segs[R_CS].flags |= DESC_B_MASK;
        if (mode == 64) {
            /* first 2 MiB identity mapped (one large page), rest absent */
            uint64_t *pml4 = (uint64_t *)(ram + 0x1000);
            uint64_t *pdpt = (uint64_t *)(ram + 0x2000);
            uint64_t *pd = (uint64_t *)(ram + 0x3000);
            pml4[0] = 0x2000 | 7;
            pdpt[0] = 0x3000 | 7;
            pd[0] = 0x87;
            env->cr[3] = 0x1000;
            env->efer = EFER_LME | EFER_LMA;
            env->cr[4] |= CR4_PAE;
            env->cr[0] |= CR0_PG;
            env->segs[R_CS].flags = (env->segs[R_CS].flags & ~DESC_B_MASK) | DESC_L_MASK;
        }
    }
    mmu_tlb_flush(env);
    cpu_update_mode(env);
}

/* Restore a saved CPU state but keep this CPU's software TLB: the
 * snapshot's pointer may be NULL or stale, and the TLB the MMU allocated
 * lazily would leak.  Flushed, since the snapshot may map differently. */
static void restore_env(const CPUX86State *saved)
{
    struct MMUTlb *tlb = env->tlb;
    *env = *saved;
    env->tlb = tlb;
    mmu_tlb_flush(env);
}

static int run(const Insn *in, bool fast)
{
    env->next_rip = env->rip + in->len;
    env->exception_index = -1;
    if (setjmp(env->jmp_env)) {
        return env->exception_index;
    }
    if (fast) {
        insn_exec_handlers[in->xop](env, in);
    } else {
        insn_handlers[in->op](env, in);
    }
    return -1;
}

/* Opcodes with the shapes ops_fast.c handles (ModRM forms get a random
 * register or memory ModRM byte from the rest of the bytes). */
static const uint8_t first_bytes[] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
    0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d,
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d,
    0x40, 0x44, 0x48, 0x4b, 0x70, 0x72, 0x74, 0x75, 0x76, 0x7c, 0x7e, 0x7f,
    0x78, 0x79, 0x7a, 0x7b, 0x80, 0x81, 0x83, 0x84, 0x85, 0x88, 0x89, 0x8a,
    0x8b, 0x8d, 0xa8, 0xa9, 0xb0, 0xb4, 0xb8, 0xbc, 0xc0, 0xc1, 0xd0, 0xd1,
    0xc6, 0xc7, 0xfe, 0xff, 0xf6, 0xf7, 0x69, 0x6b, 0x0f,
};

static void test_fast_vs_generic(void)
{
    static const int modes[3] = { 16, 32, 64 };
    static const uint8_t prefixes[] = { 0x66, 0x67, 0x48, 0x41, 0x4c, 0x40, 0xf0 };
    unsigned long specialised = 0, mem_done = 0;

    for (int round = 0; round < 300; round++) {
        int mode = modes[round % 3];
        setup(mode);
        for (int i = 0; i < 2000; i++) {
            uint8_t bytes[16];
            unsigned k = 0;
            for (unsigned j = 0; j < 16; j++) {
                bytes[j] = rnd();
            }
            int np = rnd() % 3;
            for (int p = 0; p < np; p++) {
                uint8_t pb = prefixes[rnd() % sizeof(prefixes)];
                if (pb >= 0x40 && pb <= 0x4f && mode != 64) {
                    continue;
                }
                bytes[k++] = pb;
            }
            /* a REX prefix must come last */
            if (k == 2 && bytes[0] >= 0x40 && bytes[0] <= 0x4f) {
                bytes[0] = 0x66;
            }
            bytes[k] = first_bytes[rnd() % sizeof(first_bytes)];
            if (bytes[k] == 0x0f) {
                /* Jcc rel16/32 or IMUL r, r/m */
                bytes[k + 1] = rnd() % 2 ? 0xaf : 0x80 + rnd() % 16;
            }
            Insn in;
            if (decode_buf(&in, (CpuMode)mode, bytes, 16) != DECODE_OK) {
                continue;
            }
            insn_exec_prepare(&in);
            if (in.xop == in.op) {
                continue;
            }
            specialised++;
            for (int r = 0; r < 16; r++) {
                uint64_t v = rnd();
                switch (rnd() % 5) {
                case 0: v &= 0xff; break;
                case 1: v = (uint32_t)v; break;
                case 2: v = rnd() % 2 ? 0 : ~0ull; break;
                case 3: v = 0x10000 + rnd() % (RAM_SIZE - 0x20000); break;
                default: break;
                }
                env->regs[r] = v;
            }
            /* a random lazy-flag state, as any producer leaves it */
            env->cc_op = rnd() % CC_OP_NB;
            env->cc_dst = rnd();
            env->cc_src = rnd() % 2 ? rnd() : rnd() & 0xffff;
            env->cc_src2 = rnd() & 1;
            if (env->cc_op == CC_OP_EFLAGS) {
                env->cc_src &= CC_MASK;
            }
            env->rip = mode == 16 ? 0xff00 + rnd() % 0x100 : rnd() % 0x30000;
            CPUX86State before = *env;
            /* the bytes a store may write (the test's segments have base 0) */
            uint64_t la = 0;
            uint8_t mem_before[16], mem_generic[16];
            bool store = in.ops[0].kind == OPK_MEM;
            if (store) {
                la = insn_ea(env, &in) % (RAM_SIZE - 16);
                memcpy(mem_before, ram + la, 16);
            }

            int e1 = run(&in, false);
            CPUX86State generic = *env;
            if (store) {
                memcpy(mem_generic, ram + la, 16);
                memcpy(ram + la, mem_before, 16);
            }
            restore_env(&before);
            int e2 = run(&in, true);
            if (store) {
                g_assert_cmpmem(ram + la, 16, mem_generic, 16);
            }
            g_assert_cmphex(env->cr[2], ==, generic.cr[2]);

            g_assert_cmpint(e1, ==, e2);
            if (e1 < 0 && mode == 64 &&
                (in.ops[0].kind == OPK_MEM || in.ops[1].kind == OPK_MEM)) {
                mem_done++;
            }
            for (int r = 0; r < 16; r++) {
                if (env->regs[r] != generic.regs[r]) {
                    g_test_message("op %s xop %u mode %d reg %d", insn_op_names[in.op],
                                   in.xop, mode, r);
                }
                g_assert_cmphex(env->regs[r], ==, generic.regs[r]);
            }
            if (e1 < 0) {
                g_assert_cmphex(env->next_rip, ==, generic.next_rip);
                g_assert_cmpuint(env->cc_op, ==, generic.cc_op);
                g_assert_cmphex(env->cc_dst, ==, generic.cc_dst);
                g_assert_cmphex(env->cc_src, ==, generic.cc_src);
                g_assert_cmphex(env->cc_src2, ==, generic.cc_src2);
            }
            restore_env(&before);
        }
    }
    g_test_message("ops-fast: %lu specialised instructions compared, %lu memory "
                   "accesses in 64-bit mode", specialised, mem_done);
    g_assert_cmpuint(specialised, >, 100000);
    g_assert_cmpuint(mem_done, >, 1000);
}

/* The inline lazy-flag evaluation of ops_internal.h (cc_all, cc_c,
 * cc_cond: the fast paths of every Jcc, INC/DEC, ADC/SBB, rotate) against
 * flags.c, from random lazy states of every CCOp. */
static void test_inline_flags(void)
{
    for (int i = 0; i < 400000; i++) {
        env->cc_op = rnd() % CC_OP_NB;
        uint64_t a = rnd(), b = rnd();
        switch (rnd() % 4) {   /* equal, near and boundary operands too */
        case 0: b = a; break;
        case 1: b = a + rnd() % 3 - 1; break;
        case 2: a = rnd() % 2 ? 0 : 1ull << (rnd() % 64); break;
        default: break;
        }
        /* SUB-like states as a real CMP leaves them: dst = a - b */
        env->cc_dst = rnd() % 2 ? a - b : rnd();
        env->cc_src = b;
        env->cc_src2 = rnd() & 1;
        if (env->cc_op == CC_OP_EFLAGS) {
            env->cc_src &= CC_MASK;
        }
        g_assert_cmphex(cc_all(env), ==, cpu_cc_compute_all(env));
        g_assert_cmpint(cc_c(env), ==, cpu_cc_compute_c(env));
        for (int c = 0; c < 16; c++) {
            if (cc_cond(env, c) != cpu_cond(env, c)) {
                g_test_message("cc_op %u cond %d dst %llx src %llx", env->cc_op, c,
                               (unsigned long long)env->cc_dst,
                               (unsigned long long)env->cc_src);
            }
            g_assert_cmpint(cc_cond(env, c), ==, cpu_cond(env, c));
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ram = g_malloc0(RAM_SIZE);
    as_init(&machine.mem.mmio, "mmio");
    as_init(&machine.io, "io");
    phys_add_slot(&machine.mem, 0, RAM_SIZE, ram, false, "ram");
    machine.ram = ram;
    machine.ram_size = RAM_SIZE;
    cpu_x86_init(&cpu, &machine, 0);
    g_test_add_func("/ops-fast/fast-vs-generic", test_fast_vs_generic);
    g_test_add_func("/ops-fast/inline-flags", test_inline_flags);
    int rc = g_test_run();
    g_free(ram);
    return rc;
}

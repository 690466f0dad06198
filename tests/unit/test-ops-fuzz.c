/*
 * tests/unit/test-ops-fuzz.c - hostile-guest robustness of the user-level
 * handlers: random instruction bytes are decoded (decode_buf) and executed
 * on a real CPU model over 2 MiB of RAM in real mode, 32-bit protected
 * mode and 64-bit mode, with random registers and flags.
 *
 * Design: nothing is compared; the test passes when no handler crashes,
 * hangs (a REP batch must come back), leaves RSP/RIP inconsistent after an
 * exception, or trips ASan/UBSan (make check-asan).  Exceptions are the
 * normal outcome of many encodings.  System-section operations belong to
 * ops_system.c and are skipped, as is anything after an instruction that
 * switched modes.
 */
#include <glib.h>
#include <setjmp.h>
#include <string.h>

#include "hw/machine.h"
#include "target/i386/ops.h"

#define RAM_SIZE (2u << 20)

static uint8_t *ram;
static Machine machine;
static X86CPU cpu;
static CPUX86State *env = &cpu.env;
static uint64_t rng = 0x853c49e6748fea9bull;

static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}

static void set_flat(int seg, bool code, bool big)
{
    SegmentCache *s = &env->segs[seg];
    s->selector = (seg + 1) * 8;
    s->base = 0;
    s->limit = 0xffffffffu;
    s->flags = DESC_P_MASK | DESC_S_MASK | DESC_A_MASK | DESC_G_MASK |
               (big ? DESC_B_MASK : 0) | (code ? DESC_CS_MASK | DESC_R_MASK : DESC_W_MASK);
}

/* mode: 16 = real, 32 = flat protected, 64 = long mode (first 2 MiB
 * identity mapped, the rest not present). */
static void setup(int mode)
{
    cpu_x86_reset(&cpu);
    if (mode == 16) {
        for (int i = 0; i < NR_SEGS; i++) {
            cpu_load_seg_real(env, i, 0);
        }
    } else {
        env->cr[0] |= CR0_PE;
        for (int i = 0; i < NR_SEGS; i++) {
            set_flat(i, i == R_CS, mode == 32 || i != R_CS);
        }
        if (mode == 64) {
            uint64_t *pml4 = (uint64_t *)(ram + 0x1000);
            uint64_t *pdpt = (uint64_t *)(ram + 0x2000);
            uint64_t *pd = (uint64_t *)(ram + 0x3000);
            pml4[0] = 0x2000 | 7;
            pdpt[0] = 0x3000 | 7;
            pd[0] = 0x87;
            env->cr[3] = 0x1000;
            env->cr[4] |= CR4_PAE;
            env->efer = EFER_LME | EFER_LMA;
            env->cr[0] |= CR0_PG;
            env->segs[R_CS].flags |= DESC_L_MASK;
        }
    }
    /* A small IDT/IVT area so INT n has somewhere to go (it may still
     * fault: that is fine). */
    env->idt.base = 0;
    env->idt.limit = mode == 64 ? 0xfff : mode == 32 ? 0x7ff : 0x3ff;
    env->tr.base = 0x5000;
    env->tr.limit = 0x2067;
    mmu_tlb_flush(env);
    cpu_update_mode(env);
}

static uint64_t rnd_reg_value(void)
{
    switch (rnd() % 5) {
    case 0: return rnd() % RAM_SIZE;
    case 1: return rnd() % 0x10000;
    case 2: return rnd() % 70;
    case 3: return ~0ull - rnd() % 16;
    default: return rnd();
    }
}

static int exec_one(const Insn *in)
{
    env->next_rip = env->rip + in->len;
    env->exception_index = -1;
    if (setjmp(env->jmp_env)) {
        return env->exception_index;
    }
    insn_handlers[in->op](env, in);
    env->rip = env->next_rip;
    return -1;
}

static void test_fuzz(void)
{
    static const int modes[3] = { 16, 32, 64 };
    unsigned long executed = 0, faulted = 0, decoded = 0;

    for (int round = 0; round < 1200; round++) {
        int mode = modes[round % 3];
        /* Fresh RAM now and then; random bytes are good enough data. */
        if (round % 30 == 0) {
            for (unsigned i = 0; i < RAM_SIZE; i += 8) {
                uint64_t v = rnd();
                memcpy(ram + i, &v, 8);
            }
        }
        setup(mode);
        for (int i = 0; i < 1000; i++) {
            uint8_t bytes[16];
            Insn in;
            for (int k = 0; k < 16; k++) {
                bytes[k] = rnd();
            }
            if (rnd() % 4 == 0) {
                bytes[0] = 0x0f; /* two-byte map more often */
            }
            if (decode_buf(&in, (CpuMode)mode, bytes, 16) != DECODE_OK) {
                continue;
            }
            decoded++;
            if (in.op >= OP_JMPF && in.op != OP_FPU && in.op != OP_SSE) {
                continue; /* system section: ops_system.c */
            }
            if ((insn_op_flags[in.op] & IF_NO64) && mode == 64) {
                continue; /* the execution loop raises #UD first */
            }
            for (int r = 0; r < 16; r++) {
                env->regs[r] = rnd_reg_value();
            }
            env->regs[R_ESP] = 0x8000 + rnd() % 0x70000;
            cpu_set_eflags(env, rnd() & (CC_MASK | DF_MASK), CC_MASK | DF_MASK);
            env->rip = 0x1000;
            uint64_t rsp = env->regs[R_ESP];
            int e = -1;
            /* REP ops come back after a batch: bounded re-execution. */
            for (int n = 0; n < 64; n++) {
                e = exec_one(&in);
                if (e >= 0 || env->rip != 0x1000) {
                    break;
                }
            }
            executed++;
            if (e >= 0) {
                faulted++;
                /* Faults (not software interrupts) leave RIP at the
                 * instruction and, for stack instructions, RSP intact. */
                if (in.op != OP_INT && in.op != OP_INT3 && in.op != OP_INTO &&
                    in.op != OP_INT1) {
                    g_assert_cmphex(env->rip, ==, 0x1000);
                    if (in.op == OP_PUSH || in.op == OP_POP || in.op == OP_CALL ||
                        in.op == OP_RET || in.op == OP_ENTER || in.op == OP_PUSHA ||
                        in.op == OP_POPA || in.op == OP_PUSHF || in.op == OP_POPF) {
                        g_assert_cmphex(env->regs[R_ESP], ==, rsp);
                    }
                }
            }
            /* An instruction that changed the mode (interrupt delivery,
             * POPF into V86...) ends this round's assumptions. */
            if (env->code_bits != mode || (env->eflags & VM_MASK) || env->triple_fault) {
                setup(mode);
            }
        }
    }
    g_test_message("fuzz: %lu decoded, %lu executed, %lu raised an exception",
                   decoded, executed, faulted);
    g_assert_cmpuint(executed, >, 10000);
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
    g_test_add_func("/ops-fuzz/decoded-random", test_fuzz);
    int rc = g_test_run();
    g_free(ram);
    return rc;
}

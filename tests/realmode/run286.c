/*
 * tests/realmode/run286.c - real-mode conformance of the emu86 CPU core
 * against test vectors captured from a real 80286 (SingleStepTests/80286).
 *
 * Design: no devices and no main loop.  A Machine is built by hand (16 MiB
 * of RAM as one slot at 0, empty I/O and MMIO spaces, so every port read is
 * all ones as the test set expects) with one X86CPU run by the TCG
 * accelerator's own loop, so the block cache and its self-modifying-code
 * invalidation are exercised too: every test rewrites code bytes through
 * phys_write(), which drops the stale blocks.
 *
 * Per test: real-mode state from INIT (FLAGS bits 12-15 cleared), INIT RAM
 * written, run until the HLT that follows the instruction, then registers,
 * RAM and the FLAGS word pushed by an exception compared with FINA under the
 * opcode's flags-mask.  Bytes a test wrote are put back afterwards (we track
 * every address INIT and FINA name), so the next test starts from the same
 * baseline memory.
 *
 * The baseline memory is all HLT (F4) except for a trap: IVT entries 0-31
 * point at the HLT bytes at FFFF:0010+v (physical 0x100000+v).  A test's INIT overwrites the
 * entries it expects to use, so an exception the 286 did not take lands on
 * one of these HLTs: the run still stops at once, and the final CS:IP names
 * the vector we took (this is how "#SS instead of #GP" is recognised).
 *
 * Runaway guard: the interpreter has no instruction budget, so a watchdog
 * thread sets CPU_INTERRUPT_EXIT when one test has executed more than
 * WATCHDOG_BLOCKS blocks (checked every few ms; counting blocks rather than
 * time keeps it immune to a loaded host).  Each data file runs in a forked
 * child, so a crash or abort() inside the CPU core costs one file, not the
 * run; an alarm() bounds a child that hangs inside a single block.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "accel/accel.h"
#include "accel/tcg/tcg-internal.h"
#include "hw/bus.h"
#include "hw/machine.h"
#include "target/i386/cpu.h"
#include "tests/realmode/meta.h"
#include "tests/realmode/moo.h"

#define RAM_SIZE (16u << 20)
#define SENTINEL_SEG 0xffffu
#define SENTINEL_IP0 0x0010u        /* vector v's handler: FFFF:(0010 + v) */
#define SENTINEL_PHYS 0x100000u      /* = FFFF0 + 0010 */
#define SENTINEL_VECTORS 32
#define SENTINEL_STEP 0x40u         /* alternative areas, when a test's RAM
                                     * covers the first: FFFF:(0010 + 40k) */
#define SENTINEL_AREAS 8
#define WATCHDOG_BLOCKS 20000u      /* a real test needs a handful */
#define WATCHDOG_PERIOD_NS 2000000L  /* 2 ms */
#define FILE_ALARM_S 900             /* one file may not take longer */

/* The legitimate 286-vs-modern differences of the README, by name. */
enum {
    ONLY_POPF_BITS,   /* (b) POPF/IRET set IOPL/NT (bits 12-15) on 386+ */
    ONLY_SS_GP,       /* (c) SS word at 0xFFFF: #SS on 386+, #GP on 286 */
    ONLY_LEN10,       /* (d) >10-byte instruction: 286 faults, 386+ runs it */
    /* found by this runner, not in the README's list: */
    ONLY_LOCK_UD,     /* (e) LOCK on a non-lockable form: 286 ignores it, 386+ #UD */
    ONLY_FSGS,        /* (f) MOV Sreg 4/5: #UD on the 286, FS/GS on 386+ */
    ONLY_IMPRECISE,   /* (g) offset-0xFFFF fault after SI/DI/SP moved on the 286 */
    ONLY_WRAP,        /* (h) far pointer at 0xFFFE wraps on the 286, faults on 386+ */
    ONLY_IDIV,        /* (i) IDIV overflow the 286 misses (no #DE) */
    ONLY_AAM0,        /* (j) AAM 0: 286 sets SF/ZF/PF before #DE */
    NR_ONLY
};
static const char *const only_names[NR_ONLY] = {
    "POPF/IRET bits 12-15", "#GP vs #SS", "10-byte limit", "LOCK #UD",
    "no FS/GS", "fault after SI/DI/SP update", "far pointer wraps at 0xFFFF",
    "IDIV overflow without #DE", "AAM 0 flags",
};

/* Tests whose 286 result we believe is not the architectural behaviour
 * of any x86 (candidates for the upstream revocation list).  Skipped and
 * counted as "suspect"; see docs/realmode-286.md. */
static const struct {
    const char *hash;
    const char *why;
} suspect_tests[] = {
    /* CD.MOO.gz #2044 `int 3Bh`: the frame holds SS (12F2) where CS (C93A)
     * belongs; the 4,999 other INT n tests push CS. */
    { "ba5bb16b5a4306333a359c3abd2169b871ffa42c", "INT pushed SS in place of CS" },
    /* FF.3.MOO.gz #1141 `26 FF DD` (CALL FAR with a register operand):
     * #UD frame with SS (A538) in place of CS (06B6); undefined form. */
    { "ab0cea0f2b89ae469a98eaf20dedc9ff2ca08c91", "#UD frame with SS in place of CS" },
};

static bool is_suspect(const MooTest *t)
{
    char hex[41];
    if (!t->has_hash) {
        return false;
    }
    for (int i = 0; i < 20; i++) {
        snprintf(hex + 2 * i, 3, "%02x", t->hash[i]);
    }
    for (size_t i = 0; i < sizeof(suspect_tests) / sizeof(suspect_tests[0]); i++) {
        if (!strcmp(hex, suspect_tests[i].hash)) {
            return true;
        }
    }
    return false;
}

/* Counts one child reports for one file (sent through a pipe). */
typedef struct FileResult {
    long passed, failed, skipped, suspect;
    long only[NR_ONLY];
    bool file_error;          /* could not read / parse: counted as a failure */
    char first_fail[160];     /* "#idx name: what differs" of the first failure */
    char error[256];
} FileResult;

typedef struct Options {
    bool verbose;
    long max_tests;           /* per file, 0 = all */
    long max_print;           /* failures printed per file */
    long only_index;          /* -t: run just this test index, -1 = all */
    bool dump;                /* --dump: print parsed tests, do not run */
    bool quiet;               /* -q: only failing files and the totals */
    const char *data_dir;
} Options;

static Options opt = { .max_print = 5, .only_index = -1 };

/* Shared with the parent: the test a child is running, so a crash inside
 * the CPU core can be reported with the test that caused it. */
static volatile long *crash_index;

/* ---- the machine ---- */
static Machine machine;
static X86CPU cpu;
static uint8_t *ram;
static uint8_t *fina_mark;      /* RAM_SIZE bytes: FINA addresses of the current test */
static Metadata meta;
static Revoked revoked;

/* addresses the current test wrote (INIT) or may have changed (FINA) */
static uint32_t *touched;
static size_t nr_touched, cap_touched;

/* watchdog state shared with its thread */
static volatile uint64_t wd_seq;        /* odd while a test runs */
static volatile uint64_t wd_fired_seq;  /* seq the watchdog stopped */
static volatile uint64_t wd_start_blocks;

static uint8_t baseline_byte(uint32_t addr)
{
    if (addr < SENTINEL_VECTORS * 4) {
        unsigned v = addr / 4, off = addr % 4;
        uint16_t w = off < 2 ? (uint16_t)(SENTINEL_IP0 + v) : SENTINEL_SEG;
        return (uint8_t)(off & 1 ? w >> 8 : w);
    }
    /* everything else is HLT: a jump or fall-through into memory the 286
     * never fetched stops at once instead of running through zeros */
    return 0xf4;
}

/* Sentinel area of the current test (0 = the baseline one). */
static unsigned sentinel_area;

/* Vector whose sentinel HLT the CPU stopped at, or -1. */
static int sentinel_vector(uint16_t cs, uint16_t ip)
{
    uint16_t ip0 = (uint16_t)(SENTINEL_IP0 + SENTINEL_STEP * sentinel_area);
    if (cs == SENTINEL_SEG && ip > ip0 && ip <= ip0 + SENTINEL_VECTORS) {
        return ip - ip0 - 1;
    }
    return -1;
}

static void put_byte(uint32_t addr, uint8_t v)
{
    /* through phys_write so the TB cache drops blocks on the page */
    phys_write(&machine.mem, addr, &v, 1);
}

static void touch(uint32_t addr)
{
    if (nr_touched == cap_touched) {
        cap_touched = cap_touched ? cap_touched * 2 : 1024;
        touched = realloc(touched, cap_touched * sizeof(*touched));
        if (!touched) {
            fprintf(stderr, "run286: out of memory\n");
            exit(2);
        }
    }
    touched[nr_touched++] = addr;
}

static void restore_touched(void)
{
    for (size_t i = 0; i < nr_touched; i++) {
        uint32_t a = touched[i];
        if (ram[a] != baseline_byte(a)) {
            put_byte(a, baseline_byte(a));
        }
    }
    nr_touched = 0;
}

/* The real-mode reachable range (FFFF:FFFF = 0x10FFEF), page-rounded. */
#define REAL_RANGE 0x110000u
static uint8_t *base_img;       /* baseline_byte() of [0, REAL_RANGE) */

/* After a test that did not pass, the CPU may have written where the 286
 * did not (an exception frame the 286 never pushed, a runaway): such bytes
 * are in neither INIT nor FINA, so restore_touched() misses them and they
 * would leak into later tests.  Compare the whole real-mode range with the
 * baseline (a few hundred microseconds; passing tests skip this). */
static void scrub_stray(void)
{
    for (uint32_t pg = 0; pg < REAL_RANGE; pg += 4096) {
        if (!memcmp(ram + pg, base_img + pg, 4096)) {
            continue;
        }
        for (uint32_t a = pg; a < pg + 4096; a++) {
            if (ram[a] != base_img[a]) {
                put_byte(a, base_img[a]);
            }
        }
    }
}

static bool machine_setup(char *err, size_t len)
{
    memset(&machine, 0, sizeof(machine));
    as_init(&machine.io, "io");
    as_init(&machine.mem.mmio, "mmio");
    ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    fina_mark = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ram == MAP_FAILED || fina_mark == MAP_FAILED) {
        snprintf(err, len, "cannot map guest RAM: %s", strerror(errno));
        return false;
    }
    if (!phys_add_slot(&machine.mem, 0, RAM_SIZE, ram, false, "ram")) {
        snprintf(err, len, "phys_add_slot failed");
        return false;
    }
    machine.ram = ram;
    machine.ram_size = RAM_SIZE;
    machine.below_4g = RAM_SIZE;
    machine.nr_cpus = 1;
    machine.cpus[0] = &cpu;
    current_accel = &accel_tcg_ops;
    if (accel_tcg_ops.init(&machine, err, len) != 0) {
        return false;
    }
    cpu_x86_init(&cpu, &machine, 0);
    if (accel_tcg_ops.vcpu_init(&cpu, err, len) != 0) {
        return false;
    }
    base_img = malloc(REAL_RANGE);
    if (!base_img) {
        snprintf(err, len, "out of memory");
        return false;
    }
    for (uint32_t a = 0; a < REAL_RANGE; a++) {
        base_img[a] = baseline_byte(a);
    }
    /* no block exists yet, so RAM can be filled directly; the rest of
     * the 16 MiB is out of real-mode reach and stays zero */
    memcpy(ram, base_img, REAL_RANGE);
    return true;
}

/* ---- watchdog ---- */
static uint64_t blocks_now(void)
{
    TcgVcpu *t = cpu.tcg_state;
    return __atomic_load_n(&t->blocks_executed, __ATOMIC_RELAXED);
}

static void *watchdog_main(void *arg)
{
    struct timespec ts = { 0, WATCHDOG_PERIOD_NS };
    for (;;) {
        nanosleep(&ts, NULL);
        uint64_t seq = __atomic_load_n(&wd_seq, __ATOMIC_ACQUIRE);
        if (!(seq & 1) || wd_fired_seq == seq) {
            continue;
        }
        if (blocks_now() - wd_start_blocks > WATCHDOG_BLOCKS) {
            wd_fired_seq = seq;
            __atomic_fetch_or(&cpu.interrupt_request, CPU_INTERRUPT_EXIT, __ATOMIC_ACQ_REL);
        }
    }
    return NULL;
}

/* Bounded string copy (truncates; dst always terminated). */
static void copy_str(char *dst, size_t len, const char *src)
{
    size_t n = strlen(src);
    if (n >= len) {
        n = len - 1;
    }
    memcpy(dst, src, n);
    dst[n] = 0;
}

/* ---- one test ---- */
typedef struct Diff {
    char text[2048];
    size_t len;
    char first[128];          /* short summary for the docs table */
} Diff;

static void diff_add(Diff *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void diff_add(Diff *d, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (!d->first[0]) {
        copy_str(d->first, sizeof(d->first), line);
    }
    if (d->len < sizeof(d->text) - 1) {
        int n = snprintf(d->text + d->len, sizeof(d->text) - d->len, "    %s\n", line);
        if (n > 0) {
            d->len += (size_t)n;
            if (d->len > sizeof(d->text) - 1) {
                d->len = sizeof(d->text) - 1;
            }
        }
    }
}

static void flag_names(uint16_t bits, char *out, size_t len)
{
    static const char *const names[16] = {
        "C", "b1", "P", "b3", "A", "b5", "Z", "S",
        "T", "I", "D", "O", "IOPL0", "IOPL1", "NT", "b15",
    };
    size_t n = 0;
    out[0] = 0;
    for (int i = 15; i >= 0; i--) {
        if (bits & (1u << i)) {
            int w = snprintf(out + n, len - n, "%s%s", n ? "," : "", names[i]);
            if (w < 0 || (size_t)w >= len - n) {
                break;
            }
            n += (size_t)w;
        }
    }
}

static const int moo_to_reg[8] = { R_EAX, R_EBX, R_ECX, R_EDX, R_ESP, R_EBP, R_ESI, R_EDI };
static const int moo_to_seg[4] = { R_CS, R_SS, R_DS, R_ES };

static void load_seg(CPUX86State *env, int seg, uint16_t sel)
{
    SegmentCache *sc = &env->segs[seg];
    sc->selector = sel;
    sc->base = (uint64_t)sel << 4;
    sc->limit = 0xffff;
    sc->flags = DESC_P_MASK | DESC_S_MASK | DESC_A_MASK |
                (seg == R_CS ? DESC_CS_MASK | DESC_R_MASK : DESC_W_MASK);
}

static void setup_cpu(const MooTest *t)
{
    CPUX86State *env = &cpu.env;
    /* A runaway test could in principle leave protected mode, paging or
     * odd descriptor tables behind: start over from reset then (rare, and
     * reset also flushes the software TLB). */
    if (env->cr[0] != (CR0_CD | CR0_NW | CR0_ET) || env->cr[4] || env->efer ||
        env->idt.base || env->idt.limit != 0xffff || (env->eflags & VM_MASK)) {
        cpu_x86_reset(&cpu);
    }
    memset(env->regs, 0, sizeof(env->regs));
    for (int i = 0; i < 8; i++) {
        int moo = i < 4 ? i : MOO_SP + (i - 4);
        env->regs[moo_to_reg[i]] = t->init.regs[moo];
    }
    for (int i = 0; i < 4; i++) {
        load_seg(env, moo_to_seg[i], t->init.regs[MOO_CS + i]);
    }
    load_seg(env, R_FS, 0);
    load_seg(env, R_GS, 0);
    env->rip = env->next_rip = t->init.regs[MOO_IP];
    env->cc_op = CC_OP_EFLAGS;
    env->cc_src = env->cc_dst = env->cc_src2 = 0;
    env->eflags = EFLAGS_FIXED1;
    /* the 286 cannot hold IOPL/NT (bits 12-15) in real mode */
    cpu_set_eflags(env, (t->init.regs[MOO_FLAGS] & 0x0fffu) | EFLAGS_FIXED1, ~0ull);
    env->a20_mask = ~0ull;
    env->halted = false;
    env->inhibit_irq = false;
    env->exception_index = -1;
    env->old_exception = -1;
    env->triple_fault = false;
    cpu_update_mode(env);
}

/* Outcome of running one test */
enum { RUN_HALT, RUN_TIMEOUT, RUN_RESET, RUN_FATAL };

static int run_cpu(void)
{
    __atomic_fetch_and(&cpu.interrupt_request, ~CPU_INTERRUPT_EXIT, __ATOMIC_ACQ_REL);
    machine.reset_requested = 0;
    machine.shutdown_requested = 0;
    wd_start_blocks = blocks_now();
    uint64_t seq = wd_seq + 1;
    __atomic_store_n(&wd_seq, seq, __ATOMIC_RELEASE);
    int outcome = RUN_TIMEOUT;
    for (int tries = 0; tries < 100; tries++) {
        VcpuExit e = accel_tcg_ops.vcpu_run(&cpu);
        if (e == VCPU_EXIT_HALT) {
            outcome = RUN_HALT;
            break;
        }
        if (e == VCPU_EXIT_FATAL) {
            outcome = RUN_FATAL;
            break;
        }
        if (wd_fired_seq == seq) {
            outcome = RUN_TIMEOUT;
            break;
        }
        if (machine.reset_requested || machine.shutdown_requested) {
            outcome = RUN_RESET;
            break;
        }
        /* a stale watchdog kick meant for the previous test: go on */
    }
    __atomic_store_n(&wd_seq, seq + 1, __ATOMIC_RELEASE);
    return outcome;
}

static uint16_t cur_reg(int moo)
{
    CPUX86State *env = &cpu.env;
    switch (moo) {
    case MOO_AX: return (uint16_t)env->regs[R_EAX];
    case MOO_BX: return (uint16_t)env->regs[R_EBX];
    case MOO_CX: return (uint16_t)env->regs[R_ECX];
    case MOO_DX: return (uint16_t)env->regs[R_EDX];
    case MOO_CS: return env->segs[R_CS].selector;
    case MOO_SS: return env->segs[R_SS].selector;
    case MOO_DS: return env->segs[R_DS].selector;
    case MOO_ES: return env->segs[R_ES].selector;
    case MOO_SP: return (uint16_t)env->regs[R_ESP];
    case MOO_BP: return (uint16_t)env->regs[R_EBP];
    case MOO_SI: return (uint16_t)env->regs[R_ESI];
    case MOO_DI: return (uint16_t)env->regs[R_EDI];
    case MOO_IP: return (uint16_t)env->rip;
    default: return (uint16_t)cpu_get_eflags(env);
    }
}

/* Byte at CS:IP+i as INIT gave it, or -1 if the test does not list it. */
static int init_code_byte(const MooTest *t, unsigned i)
{
    uint32_t a = ((uint32_t)t->init.regs[MOO_CS] << 4) +
                 (uint16_t)(t->init.regs[MOO_IP] + i);
    for (uint32_t k = 0; k < t->init.ram_count; k++) {
        if (moo_ram_addr(&t->init, k) == a) {
            return moo_ram_val(&t->init, k);
        }
    }
    return -1;
}

/* Instruction length as the 286 counts it (prefixes included), from the
 * code bytes in INIT RAM: needed for the 10-byte rule, because BYTS stops
 * early for encodings the disassembler calls "(bad)".  Only 286 one-byte
 * opcodes exist in this test set.  Returns 0 when bytes are missing. */
static unsigned len286(const MooTest *t)
{
    unsigned i = 0;
    int b;
    for (;; i++) {
        b = init_code_byte(t, i);
        if (b < 0 || i >= 16) {
            return 0;
        }
        if (b != 0x26 && b != 0x2e && b != 0x36 && b != 0x3e &&
            b != 0xf0 && b != 0xf2 && b != 0xf3) {
            break;
        }
    }
    uint8_t op = (uint8_t)b;
    unsigned len = i + 1, imm = 0;
    bool modrm = false;
    if (op < 0x40) {
        switch (op & 7) {
        case 0: case 1: case 2: case 3: modrm = true; break;
        case 4: imm = 1; break;
        case 5: imm = 2; break;
        }
    } else if (op >= 0x70 && op <= 0x7f) {
        imm = 1;
    } else if (op >= 0xb0 && op <= 0xbf) {
        imm = op < 0xb8 ? 1 : 2;
    } else if (op >= 0xd8 && op <= 0xdf) {
        modrm = true;
    } else {
        switch (op) {
        case 0x62: case 0x63: case 0x84 ... 0x8f: case 0xc4: case 0xc5:
        case 0xd0 ... 0xd3: case 0xfe: case 0xff:
            modrm = true; break;
        case 0x69: case 0x81: case 0xc7: modrm = true; imm = 2; break;
        case 0x6b: case 0x80: case 0x82: case 0x83: case 0xc0: case 0xc1: case 0xc6:
            modrm = true; imm = 1; break;
        case 0x68: case 0xa0 ... 0xa3: case 0xa9: case 0xc2: case 0xca:
        case 0xe8: case 0xe9:
            imm = 2; break;
        case 0x6a: case 0xa8: case 0xcd: case 0xd4: case 0xd5: case 0xe0 ... 0xe7: case 0xeb:
            imm = 1; break;
        case 0x9a: case 0xea: imm = 4; break;
        case 0xc8: imm = 3; break;
        case 0xf6: case 0xf7: modrm = true; break; /* imm added below for /0 /1 */
        }
    }
    if (modrm) {
        int m = init_code_byte(t, len);
        if (m < 0) {
            return 0;
        }
        len++;
        unsigned mod = (unsigned)m >> 6, rm = (unsigned)m & 7;
        if (mod == 1) {
            len += 1;
        } else if (mod == 2 || (mod == 0 && rm == 6)) {
            len += 2;
        }
        if ((op == 0xf6 || op == 0xf7) && ((m >> 3) & 7) <= 1) {
            imm = op == 0xf6 ? 1 : 2;
        }
    }
    return len + imm;
}

static const char *vector_name(int v)
{
    static const char *const names[] = {
        "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
        "#DF", "?9", "#TS", "#NP", "#SS", "#GP", "#PF", "?15",
    };
    return v >= 0 && v < 16 ? names[v] : "INT";
}

/* Where the exception pushed FLAGS: SS:SP+4 after the three pushes.  We
 * compute it instead of trusting EXCP: the capture records the bus address
 * of the word, which is rounded down to even when SP is odd (1,109 of the
 * 12,048 exception tests checked). */
static uint32_t excp_flags_addr(const MooTest *t)
{
    uint16_t ss = (t->fina.mask & (1u << MOO_SS)) ? t->fina.regs[MOO_SS] : t->init.regs[MOO_SS];
    uint16_t sp = (t->fina.mask & (1u << MOO_SP)) ? t->fina.regs[MOO_SP] : t->init.regs[MOO_SP];
    uint32_t fa = ((uint32_t)ss << 4) + (uint16_t)(sp + 4);
    return (fa & ~1u) == (t->excp_flags_addr & ~1u) ? fa : t->excp_flags_addr;
}

/* Does the instruction carry a LOCK prefix that a 386+ rejects with #UD?
 * SDM Vol.2 "LOCK": only ADD ADC AND BTC BTR BTS CMPXCHG DEC INC NEG NOT OR
 * SBB SUB XOR XADD XCHG with a memory destination may be locked.  The 286
 * accepts LOCK on anything.  Only the opcodes of this test set matter: the
 * two-byte (0F) forms never occur. */
static bool lock_rejected_by_386(const MooTest *t)
{
    bool lock = false;
    uint32_t i = 0;
    for (; i < t->nbytes; i++) {
        uint8_t b = t->bytes[i];
        if (b == 0xf0) {
            lock = true;
        } else if (b != 0x26 && b != 0x2e && b != 0x36 && b != 0x3e && b != 0xf2 && b != 0xf3) {
            break;
        }
    }
    if (!lock || i >= t->nbytes) {
        return false;
    }
    uint8_t op = t->bytes[i];
    bool has_modrm = i + 1 < t->nbytes;
    uint8_t modrm = has_modrm ? t->bytes[i + 1] : 0;
    bool mem = has_modrm && (modrm >> 6) != 3;
    unsigned reg = (modrm >> 3) & 7;
    bool ok;
    if (op < 0x40 && (op & 7) <= 1 && (op & 0x38) != 0x38) {
        ok = mem;                                  /* ALU r/m, reg (not CMP) */
    } else if (op >= 0x80 && op <= 0x83) {
        ok = mem && reg != 7;                      /* group 1, not CMP */
    } else if (op == 0x86 || op == 0x87) {
        ok = mem;                                  /* XCHG */
    } else if (op == 0xf6 || op == 0xf7) {
        ok = mem && (reg == 2 || reg == 3);        /* NOT, NEG */
    } else if (op == 0xfe || op == 0xff) {
        ok = mem && reg <= 1;                      /* INC, DEC */
    } else {
        ok = false;
    }
    return !ok;
}

/* What differed in one test, for the report and the 286-only classes. */
typedef struct Check {
    bool bad;                 /* some difference other than FLAGS bits 12-15 */
    bool hi_only;             /* POPF/IRET: only FLAGS bits 12-15 differ */
    uint16_t reg_diff;        /* 1 << MOO_* of registers that differ */
    uint16_t flags_diff;      /* FLAGS bits (under the mask) that differ */
    bool ram_diff;            /* RAM bytes other than the pushed FLAGS word */
    uint16_t pushed_diff;     /* pushed FLAGS bits that differ */
    bool other_diff;          /* run outcome, upper register bits, bases */
    int took;                 /* sentinel vector we ended on, or -1 */
    bool sentinel_clobbered;  /* INIT overwrote our trap vectors/HLTs */
} Check;

static uint16_t expected_reg(const MooTest *t, int i)
{
    uint16_t v = (t->fina.mask & (1u << i)) ? t->fina.regs[i] : t->init.regs[i];
    return i == MOO_FLAGS && !(t->fina.mask & (1u << i)) ? v & 0x0fff : v;
}

/* Did we raise a fault at the instruction start (a frame at SP-6 holding
 * the instruction's own CS:IP)?  Identifies our exception even when the
 * test's RAM overwrote the sentinel vectors. */
static bool our_fault_at_start(const MooTest *t)
{
    uint16_t sp0 = t->init.regs[MOO_SP];
    if (cur_reg(MOO_SS) != t->init.regs[MOO_SS] || cur_reg(MOO_SP) != (uint16_t)(sp0 - 6)) {
        return false;
    }
    uint32_t base = (uint32_t)t->init.regs[MOO_SS] << 4;
    uint16_t w[2];
    for (int k = 0; k < 2; k++) {
        uint32_t a = base + (uint16_t)(sp0 - 6 + 2 * k);
        uint32_t b = base + (uint16_t)(sp0 - 5 + 2 * k);
        w[k] = (uint16_t)(ram[a] | ram[b] << 8);
    }
    return w[0] == t->init.regs[MOO_IP] && w[1] == t->init.regs[MOO_CS];
}

/* Opcode byte after the prefixes (from BYTS), and its ModRM, or -1. */
static int insn_opcode(const MooTest *t, int *modrm)
{
    for (uint32_t i = 0; i < t->nbytes; i++) {
        uint8_t b = t->bytes[i];
        if (b != 0x26 && b != 0x2e && b != 0x36 && b != 0x3e && b != 0xf0 && b != 0xf2 &&
            b != 0xf3) {
            *modrm = i + 1 < t->nbytes ? t->bytes[i + 1] : -1;
            return b;
        }
    }
    *modrm = -1;
    return -1;
}

/* Compare the machine with FINA, recording differences in d and c. */
static void check_test(const MooTest *t, uint16_t fmask, bool popf_like, int outcome,
                       Diff *d, Check *c)
{
    CPUX86State *env = &cpu.env;
    memset(c, 0, sizeof(*c));
    c->took = -1;

    if (outcome == RUN_TIMEOUT) {
        diff_add(d, "no HLT reached: stopped after %u blocks (runaway), at %04x:%04x",
                 WATCHDOG_BLOCKS, cur_reg(MOO_CS), cur_reg(MOO_IP));
        c->other_diff = true;
    } else if (outcome == RUN_RESET) {
        diff_add(d, "triple fault / reset request, at %04x:%04x", cur_reg(MOO_CS),
                 cur_reg(MOO_IP));
        c->other_diff = true;
    } else if (outcome == RUN_FATAL) {
        diff_add(d, "vcpu_run returned FATAL at %04x:%04x", cur_reg(MOO_CS), cur_reg(MOO_IP));
        c->other_diff = true;
    }

    for (uint32_t i = 0; i < t->init.ram_count; i++) {
        uint32_t a = moo_ram_addr(&t->init, i);
        uint32_t lo = SENTINEL_PHYS + SENTINEL_STEP * sentinel_area;
        if (a < SENTINEL_VECTORS * 4 || (a >= lo && a < lo + SENTINEL_VECTORS)) {
            c->sentinel_clobbered = true;
        }
    }
    /* ending on a trap HLT is only news when the 286 did not end there */
    if (cur_reg(MOO_CS) != expected_reg(t, MOO_CS) || cur_reg(MOO_IP) != expected_reg(t, MOO_IP)) {
        c->took = sentinel_vector(cur_reg(MOO_CS), cur_reg(MOO_IP));
    }
    if (c->took >= 0) {
        if (t->has_excp) {
            diff_add(d, "took %s(%d) where the 286 took %s(%d)", vector_name(c->took), c->took,
                     vector_name(t->excp_vector), t->excp_vector);
        } else {
            diff_add(d, "took %s(%d) where the 286 took no exception", vector_name(c->took),
                     c->took);
        }
    } else if (c->sentinel_clobbered && our_fault_at_start(t) &&
               (cur_reg(MOO_CS) != expected_reg(t, MOO_CS) ||
                cur_reg(MOO_IP) != expected_reg(t, MOO_IP))) {
        diff_add(d, "faulted at the instruction (vector unknown: the test overwrote the trap "
                    "vectors)");
    }

    for (int i = 0; i < MOO_NR_REGS; i++) {
        uint16_t want = expected_reg(t, i);
        uint16_t got = cur_reg(i);
        if (i == MOO_FLAGS) {
            uint16_t x = (uint16_t)((got ^ want) & fmask);
            if (x) {
                char nb[96];
                flag_names(x, nb, sizeof(nb));
                if (popf_like && !(x & 0x0fff)) {
                    c->hi_only = true;
                    diff_add(d, "flags: got %04x want %04x: only %s (bits 12-15) differ",
                             got, want, nb);
                } else {
                    diff_add(d, "flags: got %04x want %04x (mask %04x) differ in %s",
                             got, want, fmask, nb);
                    c->flags_diff = x;
                    c->reg_diff |= 1u << i;
                }
            }
        } else if (got != want) {
            diff_add(d, "%s: got %04x want %04x", moo_reg_names[i], got, want);
            c->reg_diff |= 1u << i;
        }
    }
    for (int i = 0; i < 8; i++) {
        if (env->regs[i] >> 16) {
            diff_add(d, "register %d upper bits changed: %016llx", i,
                     (unsigned long long)env->regs[i]);
            c->other_diff = true;
        }
    }
    if (env->rip >> 16) {
        diff_add(d, "rip above 16 bits: %llx", (unsigned long long)env->rip);
        c->other_diff = true;
    }
    for (int s = 0; s < 4; s++) {
        const SegmentCache *sc = &env->segs[moo_to_seg[s]];
        if (sc->base != (uint64_t)sc->selector << 4) {
            diff_add(d, "%s base %llx is not selector << 4", moo_reg_names[MOO_CS + s],
                     (unsigned long long)sc->base);
            c->other_diff = true;
        }
    }

    /* RAM: every FINA byte, and every INIT byte FINA does not mention must
     * be unchanged.  The FLAGS word an exception pushed is compared as a
     * word under the flags mask instead. */
    uint32_t fa = t->has_excp ? excp_flags_addr(t) : UINT32_MAX;
    for (uint32_t i = 0; i < t->fina.ram_count; i++) {
        uint32_t a = moo_ram_addr(&t->fina, i);
        if (a < RAM_SIZE) {
            fina_mark[a] = 1;
        }
    }
    int ram_diffs = 0;
    for (int pass = 0; pass < 2; pass++) {
        const MooState *s = pass ? &t->init : &t->fina;
        for (uint32_t i = 0; i < s->ram_count; i++) {
            uint32_t a = moo_ram_addr(s, i);
            if (a >= RAM_SIZE || a == fa || a == fa + 1 || (pass && fina_mark[a])) {
                continue;
            }
            uint8_t want = moo_ram_val(s, i);
            if (ram[a] != want) {
                if (ram_diffs++ < 8) {
                    diff_add(d, "ram[%05x]: got %02x want %02x%s", a, ram[a], want,
                             pass ? " (unchanged on the 286)" : "");
                }
                c->ram_diff = true;
            }
        }
    }
    if (fa != UINT32_MAX && fa + 1 < RAM_SIZE) {
        int want_lo = -1, want_hi = -1;
        for (int pass = 0; pass < 2; pass++) {
            const MooState *s = pass ? &t->init : &t->fina;
            for (uint32_t i = 0; i < s->ram_count; i++) {
                uint32_t a = moo_ram_addr(s, i);
                if (a == fa && want_lo < 0) want_lo = moo_ram_val(s, i);
                if (a == fa + 1 && want_hi < 0) want_hi = moo_ram_val(s, i);
            }
        }
        if (want_lo >= 0 && want_hi >= 0) {
            uint16_t want = (uint16_t)(want_lo | want_hi << 8);
            uint16_t got = (uint16_t)(ram[fa] | ram[fa + 1] << 8);
            uint16_t x = (uint16_t)((got ^ want) & fmask);
            if (x) {
                char nb[96];
                flag_names(x, nb, sizeof(nb));
                diff_add(d, "pushed FLAGS at %05x: got %04x want %04x differ in %s", fa, got,
                         want, nb);
                c->pushed_diff = x;
            }
        }
    }
    for (uint32_t i = 0; i < t->fina.ram_count; i++) {
        uint32_t a = moo_ram_addr(&t->fina, i);
        if (a < RAM_SIZE) {
            fina_mark[a] = 0;
        }
    }
    c->bad = c->reg_diff || c->ram_diff || c->pushed_diff || c->other_diff || c->took >= 0;
}

/* Is a 16-bit register off by a small step (an index or SP the 286 had
 * already advanced when it faulted)? */
static bool off_by_step(uint16_t got, uint16_t want)
{
    uint16_t d = (uint16_t)(got - want);
    return d == 1 || d == 2 || d == 0xffff || d == 0xfffe;
}

/* Expected RAM byte (FINA, else INIT), or -1 when the test does not say. */
static int expected_byte(const MooTest *t, uint32_t a)
{
    for (int pass = 0; pass < 2; pass++) {
        const MooState *s = pass ? &t->init : &t->fina;
        for (uint32_t i = 0; i < s->ram_count; i++) {
            if (moo_ram_addr(s, i) == a) {
                return moo_ram_val(s, i);
            }
        }
    }
    return -1;
}

/* With SP off by a step, is our exception frame (IP, CS, FLAGS under the
 * mask) the 286's frame, just at our SP? */
static bool frame_matches_shifted(const MooTest *t, uint16_t fmask)
{
    uint32_t ours = (uint32_t)cur_reg(MOO_SS) << 4;
    uint32_t theirs = (uint32_t)expected_reg(t, MOO_SS) << 4;
    for (int k = 0; k < 3; k++) {
        uint16_t got = 0, want = 0;
        for (int b = 0; b < 2; b++) {
            int e = expected_byte(t, theirs + (uint16_t)(expected_reg(t, MOO_SP) + 2 * k + b));
            if (e < 0) {
                return false;
            }
            want |= (uint16_t)(e << (8 * b));
            got |= (uint16_t)(ram[ours + (uint16_t)(cur_reg(MOO_SP) + 2 * k + b)] << (8 * b));
        }
        if (k == 2 ? ((got ^ want) & fmask) != 0 : got != want) {
            return false;
        }
    }
    return true;
}

/* Result classes of one test */
enum { T_PASS, T_FAIL, T_ONLY };

/* Decide PASS / FAIL / 286-only (with the reason) from the differences.
 * Each class is recognised by the exact signature of that difference, so
 * anything else stays a failure. */
static int classify(const MooTest *t, const Check *c, uint16_t fmask, int *reason)
{
    if (!c->bad) {
        if (!c->hi_only) {
            return T_PASS;
        }
        *reason = ONLY_POPF_BITS;
        return T_ONLY;
    }
    int modrm;
    int op = insn_opcode(t, &modrm);
    int v286 = t->has_excp ? t->excp_vector : -1;
    bool same_handler = cur_reg(MOO_CS) == expected_reg(t, MOO_CS) &&
                        cur_reg(MOO_IP) == expected_reg(t, MOO_IP);
    bool we_faulted = c->took >= 0 || our_fault_at_start(t);

    /* (d) more than 10 bytes: #GP(13) (or #UD) on the 286 */
    if ((v286 == EXCP_GP || v286 == EXCP_UD) && len286(t) > 10) {
        *reason = ONLY_LEN10;
        return T_ONLY;
    }
    /* (c) SS word at offset 0xFFFF: #GP(13) on the 286, #SS(12) on 386+ */
    if (v286 == EXCP_GP && c->took == EXCP_SS) {
        *reason = ONLY_SS_GP;
        return T_ONLY;
    }
    /* (e) LOCK the 286 ignored, #UD at the instruction on a 386+ */
    if (lock_rejected_by_386(t) && our_fault_at_start(t) &&
        (c->took < 0 || c->took == EXCP_UD)) {
        *reason = ONLY_LOCK_UD;
        return T_ONLY;
    }
    /* (f) MOV to/from Sreg 4/5: #UD on the 286 (no FS/GS), FS/GS on 386+ */
    if ((op == 0x8c || op == 0x8e) && modrm >= 0 && ((modrm >> 3) & 7) >= 4 &&
        ((modrm >> 3) & 7) <= 5 && v286 == EXCP_UD && !we_faulted) {
        *reason = ONLY_FSGS;
        return T_ONLY;
    }
    /* (g) a word access at offset 0xFFFF faults on the 286 after SI/DI/SP
     * (and a REP count) were already advanced (POP m16, string ops); a 386+
     * faults precisely.  Same handler reached, only CX/SI/DI/SP off by 1-2;
     * when SP differs the frame moves with it and must match there. */
    bool sp_moved = (c->reg_diff & (1u << MOO_SP)) != 0;
    if (v286 == EXCP_GP && same_handler && !c->other_diff && !c->flags_diff && c->reg_diff &&
        !(c->reg_diff & ~((1u << MOO_CX) | (1u << MOO_SI) | (1u << MOO_DI) | (1u << MOO_SP))) &&
        (sp_moved ? frame_matches_shifted(t, fmask) : !c->ram_diff && !c->pushed_diff)) {
        bool steps = true;
        for (int i = MOO_CX; i <= MOO_DI; i++) {
            if ((c->reg_diff & (1u << i)) && !off_by_step(cur_reg(i), expected_reg(t, i))) {
                steps = false;
            }
        }
        if (steps) {
            *reason = ONLY_IMPRECISE;
            return T_ONLY;
        }
    }
    /* (h) a far pointer at offset 0xFFFE: the 286 wraps the selector word
     * to offset 0, a 386+ faults on the segment limit */
    if ((op == 0xc4 || op == 0xc5 || (op == 0xff && modrm >= 0 &&
                                      (((modrm >> 3) & 7) == 3 || ((modrm >> 3) & 7) == 5))) &&
        v286 < 0 && (c->took == EXCP_GP || c->took == EXCP_SS ||
                     (c->took < 0 && our_fault_at_start(t)))) {
        *reason = ONLY_WRAP;
        return T_ONLY;
    }
    /* (i) IDIV overflows the 286 does not detect (quotient out of range,
     * no #DE); a 386+ raises #DE */
    if ((op == 0xf6 || op == 0xf7) && modrm >= 0 && ((modrm >> 3) & 7) == 7 && v286 < 0 &&
        (c->took == EXCP_DE || (c->took < 0 && our_fault_at_start(t)))) {
        *reason = ONLY_IDIV;
        return T_ONLY;
    }
    /* (j) AAM 0: the 286 updates SF/ZF/PF before raising #DE; a 386+
     * leaves FLAGS alone */
    if (op == 0xd4 && modrm == 0 && v286 == EXCP_DE && same_handler && !c->other_diff &&
        !c->ram_diff && !(c->reg_diff & ~(1u << MOO_FLAGS)) &&
        !((c->flags_diff | c->pushed_diff) & ~(CC_S | CC_Z | CC_P))) {
        *reason = ONLY_AAM0;
        return T_ONLY;
    }
    return T_FAIL;
}

static void print_test(FILE *f, const MooTest *t, const char *label)
{
    fprintf(f, "  %s #%u `%.*s` bytes:", label, t->index, (int)t->name_len, t->name);
    for (uint32_t i = 0; i < t->nbytes; i++) {
        fprintf(f, " %02x", t->bytes[i]);
    }
    fprintf(f, "\n");
}

static void dump_test(const MooTest *t)
{
    print_test(stdout, t, "TEST");
    for (int s = 0; s < 2; s++) {
        const MooState *st = s ? &t->fina : &t->init;
        printf("    %s regs:", s ? "FINA" : "INIT");
        for (int i = 0; i < MOO_NR_REGS; i++) {
            if (st->mask & (1u << i)) {
                printf(" %s=%04x", moo_reg_names[i], st->regs[i]);
            }
        }
        printf("\n    %s ram (%u):", s ? "FINA" : "INIT", st->ram_count);
        for (uint32_t i = 0; i < st->ram_count && i < 24; i++) {
            printf(" %05x=%02x", moo_ram_addr(st, i), moo_ram_val(st, i));
        }
        printf("%s\n", st->ram_count > 24 ? " ..." : "");
    }
    if (t->has_excp) {
        printf("    EXCP vector %u, FLAGS pushed at %05x\n", t->excp_vector, t->excp_flags_addr);
    }
    if (t->has_hash) {
        printf("    HASH ");
        for (int i = 0; i < 20; i++) {
            printf("%02x", t->hash[i]);
        }
        printf("\n");
    }
}

/* "F7.6.MOO.gz" -> opcode 0xF7, reg 6; "9D.MOO.gz" -> 0x9D, -1 */
static bool parse_file_name(const char *path, int *opcode, int *reg)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    char *end;
    long op = strtol(b, &end, 16);
    if (end != b + 2 || op < 0 || op > 255) {
        return false;
    }
    *opcode = (int)op;
    *reg = -1;
    if (end[0] == '.' && end[1] >= '0' && end[1] <= '7' && end[2] == '.') {
        *reg = end[1] - '0';
    }
    return true;
}

/* Runs one file (in the child).  Prints failures; fills r. */
static void run_file(const char *path, FileResult *r)
{
    MooFile f;
    int opcode = -1, reg = -1;
    if (!moo_open(&f, path)) {
        r->file_error = true;
        snprintf(r->error, sizeof(r->error), "%s", f.err);
        return;
    }
    if (!parse_file_name(path, &opcode, &reg)) {
        opcode = f.has_meta ? (int)(f.opcode & 0xff) : -1;
    }
    const OpcodeMeta *om = meta_lookup(&meta, opcode, reg);
    uint16_t fmask = om->has_mask ? om->flags_mask : 0xffff;
    bool popf_like = opcode == 0x9d || opcode == 0xcf;

    MooTest t;
    int rc;
    long n = 0, printed = 0;
    while ((rc = moo_next(&f, &t)) == 1) {
        if (opt.only_index >= 0 && t.index != (uint32_t)opt.only_index) {
            continue;
        }
        if (opt.max_tests && n >= opt.max_tests) {
            break;
        }
        n++;
        if (crash_index) {
            *crash_index = t.index;
        }
        if (opt.dump) {
            dump_test(&t);
            continue;
        }
        if (t.has_hash && revoked_has(&revoked, t.hash)) {
            r->skipped++;
            continue;
        }
        if (is_suspect(&t)) {
            r->suspect++;
            if (opt.verbose || opt.only_index >= 0) {
                print_test(stdout, &t, "suspect (skipped)");
            }
            continue;
        }
        setup_cpu(&t);
        bool addr_bad = false;
        /* If INIT covers the trap HLTs, move the traps to a free area for
         * this test (the IVT bytes are restored with the touched ones). */
        sentinel_area = 0;
        for (unsigned k = 0; k < SENTINEL_AREAS; k++) {
            uint32_t lo = SENTINEL_PHYS + SENTINEL_STEP * k;
            bool hit = false;
            for (uint32_t i = 0; i < t.init.ram_count && !hit; i++) {
                uint32_t a = moo_ram_addr(&t.init, i);
                hit = a >= lo && a < lo + SENTINEL_VECTORS;
            }
            if (!hit) {
                sentinel_area = k;
                break;
            }
        }
        if (sentinel_area) {
            for (uint32_t v = 0; v < SENTINEL_VECTORS; v++) {
                uint16_t ip = (uint16_t)(SENTINEL_IP0 + SENTINEL_STEP * sentinel_area + v);
                put_byte(4 * v, (uint8_t)ip);
                put_byte(4 * v + 1, (uint8_t)(ip >> 8));
                touch(4 * v);
                touch(4 * v + 1);
            }
        }
        for (uint32_t i = 0; i < t.init.ram_count; i++) {
            uint32_t a = moo_ram_addr(&t.init, i);
            if (a >= RAM_SIZE) {
                addr_bad = true;
                continue;
            }
            put_byte(a, moo_ram_val(&t.init, i));
            touch(a);
        }
        for (uint32_t i = 0; i < t.fina.ram_count; i++) {
            uint32_t a = moo_ram_addr(&t.fina, i);
            if (a < RAM_SIZE) {
                touch(a);
            }
        }
        if (t.has_excp && excp_flags_addr(&t) + 1 < RAM_SIZE) {
            touch(excp_flags_addr(&t));
            touch(excp_flags_addr(&t) + 1);
        }

        int outcome = run_cpu();
        Diff d = { .len = 0 };
        d.text[0] = 0;
        int reason = -1;
        Check chk;
        check_test(&t, fmask, popf_like, outcome, &d, &chk);
        int res = classify(&t, &chk, fmask, &reason);
        if (addr_bad) {
            diff_add(&d, "INIT RAM address beyond 16 MiB (corrupt test?)");
            res = T_FAIL;
        }
        restore_touched();
        if (res == T_ONLY && chk.took >= 0 &&
            (reason == ONLY_LOCK_UD || reason == ONLY_SS_GP || reason == ONLY_WRAP ||
             reason == ONLY_IDIV)) {
            /* our only extra writes: the frame of the #UD/#SS we took */
            uint32_t ss_base = (uint32_t)cur_reg(MOO_SS) << 4;
            for (uint16_t k = 0; k < 6; k++) {
                uint32_t a = ss_base + (uint16_t)(cur_reg(MOO_SP) + k);
                if (ram[a] != baseline_byte(a)) {
                    put_byte(a, baseline_byte(a));
                }
            }
        } else if (res != T_PASS && !(res == T_ONLY && (reason == ONLY_POPF_BITS ||
                                                         reason == ONLY_AAM0))) {
            scrub_stray();
        }

        if (res == T_PASS) {
            r->passed++;
            if (opt.only_index >= 0) {
                print_test(stdout, &t, "pass");
            }
            continue;
        }
        if (res == T_ONLY) {
            r->only[reason]++;
            if (opt.verbose) {
                print_test(stdout, &t, "286-only");
                printf("    (%s)\n%s", only_names[reason], d.text);
            }
            continue;
        }
        r->failed++;
        if (!r->first_fail[0]) {
            snprintf(r->first_fail, sizeof(r->first_fail), "#%u `%.*s`: %s", t.index,
                     (int)(t.name_len > 40 ? 40 : t.name_len), t.name, d.first);
        }
        if (opt.verbose || printed < opt.max_print) {
            printed++;
            print_test(stdout, &t, "FAIL");
            fputs(d.text, stdout);
        }
    }
    if (rc < 0) {
        r->file_error = true;
        snprintf(r->error, sizeof(r->error), "%s", f.err);
    }
    moo_close(&f);
    fflush(stdout);
}

/* Fork a child for one file so a crash in the CPU core costs one file. */
static void run_file_isolated(const char *path, FileResult *r)
{
    int fds[2];
    memset(r, 0, sizeof(*r));
    fflush(stdout);
    fflush(stderr);
    if (pipe(fds) != 0) {
        r->file_error = true;
        snprintf(r->error, sizeof(r->error), "pipe: %s", strerror(errno));
        return;
    }
    if (crash_index) {
        *crash_index = -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        r->file_error = true;
        snprintf(r->error, sizeof(r->error), "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        alarm(FILE_ALARM_S);
        pthread_t th;
        if (!opt.dump) {
            pthread_create(&th, NULL, watchdog_main, NULL);
        }
        FileResult res;
        memset(&res, 0, sizeof(res));
        run_file(path, &res);
        fflush(stdout);
        ssize_t w = write(fds[1], &res, sizeof(res));
        _exit(w == (ssize_t)sizeof(res) ? 0 : 3);
    }
    close(fds[1]);
    size_t got = 0;
    while (got < sizeof(*r)) {
        ssize_t n = read(fds[0], (char *)r + got, sizeof(*r) - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (got != sizeof(*r)) {
        memset(r, 0, sizeof(*r));
        r->file_error = true;
        if (WIFSIGNALED(status)) {
            snprintf(r->error, sizeof(r->error),
                     "runner child died with signal %d (%s)%s in test #%ld",
                     WTERMSIG(status), strsignal(WTERMSIG(status)),
                     WTERMSIG(status) == SIGALRM ? ": file took too long" : "",
                     crash_index ? *crash_index : -1L);
        } else {
            snprintf(r->error, sizeof(r->error),
                     "runner child exited with status %d in test #%ld",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                     crash_index ? *crash_index : -1L);
        }
    }
}

/* ---- data location ---- */
static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Finds the 80286 directory; returns false with a reason. */
static bool find_data_dir(char *out, size_t len, char *why, size_t whylen)
{
    const char *env = getenv("EMU86_TESTDATA");
    if (opt.data_dir) {
        snprintf(out, len, "%s", opt.data_dir);
    } else if (env && *env) {
        snprintf(out, len, "%s", env);
    } else {
        /* the binary lives in REPO/BUILD/run286: data is REPO/../shared */
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        out[0] = 0;
        if (n > 0) {
            exe[n] = 0;
            char *repo = dirname(dirname(exe));
            char cand[PATH_MAX + 64];
            snprintf(cand, sizeof(cand), "%s/../shared/testdata/80286", repo);
            if (is_dir(cand)) {
                copy_str(out, len, cand);
            }
        }
        if (!out[0]) {
            snprintf(out, len, "../shared/testdata/80286");
        }
    }
    if (!is_dir(out)) {
        snprintf(why, whylen, "test data directory %s not found (set EMU86_TESTDATA)", out);
        return false;
    }
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: run286 [-q] [-v] [-n max-tests-per-file] [-p max-failures-printed]\n"
            "              [-t test-index] [--dump] [--data DIR] [FILES...]\n"
            "FILES: paths, or names inside the data directory (F7.6, F7.6.MOO.gz).\n"
            "Default data: $EMU86_TESTDATA, else REPO/../shared/testdata/80286.\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "data", required_argument, NULL, 'D' },
        { "dump", no_argument, NULL, 'd' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, "qvn:p:t:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'q': opt.quiet = true; break;
        case 'v': opt.verbose = true; break;
        case 'n': opt.max_tests = strtol(optarg, NULL, 0); break;
        case 'p': opt.max_print = strtol(optarg, NULL, 0); break;
        case 't': opt.only_index = strtol(optarg, NULL, 0); break;
        case 'd': opt.dump = true; break;
        case 'D': opt.data_dir = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }

    char data[PATH_MAX], why[PATH_MAX + 128], err[512];
    char vdir[PATH_MAX + 32], path[PATH_MAX * 2];
    if (!find_data_dir(data, sizeof(data), why, sizeof(why))) {
        printf("realmode: skipped: %s\n", why);
        printf("0 passed, 0 failed, 1 skipped\n");
        return 0;
    }
    /* DIR may be the 80286 directory or its v1_real_mode directory */
    snprintf(vdir, sizeof(vdir), "%s/v1_real_mode", data);
    if (!is_dir(vdir)) {
        snprintf(vdir, sizeof(vdir), "%s", data);
    }

    snprintf(path, sizeof(path), "%s/metadata.json", vdir);
    if (!meta_load(&meta, path, err, sizeof(err))) {
        /* without masks every flag is compared: say so, keep going */
        printf("realmode: warning: %s; comparing all flags\n", err);
        memset(&meta, 0, sizeof(meta));
    }
    snprintf(path, sizeof(path), "%s/../revocation_list.txt", vdir);
    if (access(path, R_OK) != 0) {
        snprintf(path, sizeof(path), "%s/revocation_list.txt", vdir);
    }
    if (!revoked_load(&revoked, path, err, sizeof(err))) {
        printf("realmode: warning: %s; nothing revoked\n", err);
    }

    /* the file list */
    char **files = NULL;
    size_t nfiles = 0;
    if (optind < argc) {
        files = calloc((size_t)(argc - optind), sizeof(*files));
        for (int i = optind; i < argc; i++) {
            const char *a = argv[i];
            char *p;
            if (access(a, F_OK) == 0) {
                p = strdup(a);
            } else if (strstr(a, ".MOO")) {
                p = malloc(strlen(vdir) + strlen(a) + 2);
                sprintf(p, "%s/%s", vdir, a);
            } else {
                p = malloc(strlen(vdir) + strlen(a) + 16);
                sprintf(p, "%s/%s.MOO.gz", vdir, a);
            }
            files[nfiles++] = p;
        }
    } else {
        DIR *dir = opendir(vdir);
        struct dirent *de;
        size_t cap = 0;
        while (dir && (de = readdir(dir))) {
            size_t l = strlen(de->d_name);
            if (l < 7 || strcmp(de->d_name + l - 7, ".MOO.gz") != 0) {
                continue;
            }
            if (nfiles == cap) {
                cap = cap ? cap * 2 : 256;
                files = realloc(files, cap * sizeof(*files));
            }
            files[nfiles] = malloc(strlen(vdir) + l + 2);
            sprintf(files[nfiles++], "%s/%s", vdir, de->d_name);
        }
        if (dir) {
            closedir(dir);
        }
        if (nfiles == 0) {
            printf("realmode: skipped: no *.MOO.gz files in %s\n", vdir);
            printf("0 passed, 0 failed, 1 skipped\n");
            return 0;
        }
        qsort(files, nfiles, sizeof(*files), cmp_str);
    }

    void *shared = mmap(NULL, sizeof(long), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                        -1, 0);
    crash_index = shared == MAP_FAILED ? NULL : shared;
    if (!opt.dump && !machine_setup(err, sizeof(err))) {
        printf("realmode: cannot build the machine: %s\n", err);
        printf("0 passed, 1 failed\n");
        return 1;
    }

    long passed = 0, failed = 0, skipped = 0, suspect = 0, failed_files = 0;
    long only[NR_ONLY] = { 0 };
    for (size_t i = 0; i < nfiles; i++) {
        FileResult r;
        const char *base = strrchr(files[i], '/');
        base = base ? base + 1 : files[i];
        run_file_isolated(files[i], &r);
        if (opt.dump) {
            if (r.file_error) {
                printf("ERROR %s: %s\n", base, r.error);
            }
            continue;
        }
        long nonly = 0;
        char reasons[256] = "";
        size_t rl = 0;
        for (int k = 0; k < NR_ONLY; k++) {
            nonly += r.only[k];
            only[k] += r.only[k];
            if (r.only[k]) {
                rl += (size_t)snprintf(reasons + rl, sizeof(reasons) - rl, "%s%s %ld",
                                       rl ? ", " : " (", only_names[k], r.only[k]);
            }
        }
        if (rl) {
            snprintf(reasons + rl, sizeof(reasons) - rl, ")");
        }
        bool bad = r.failed || r.file_error;
        if (opt.quiet && !bad) {
            passed += r.passed;
            skipped += r.skipped;
            suspect += r.suspect;
            continue;
        }
        printf("%s %s: %ld passed, %ld failed, %ld 286-only%s", bad ? "FAIL" : "PASS", base,
               r.passed, r.failed, nonly, reasons);
        if (r.skipped) {
            printf(", %ld revoked", r.skipped);
        }
        if (r.suspect) {
            printf(", %ld suspect", r.suspect);
        }
        if (r.file_error) {
            printf(" [file error: %s]", r.error);
            failed_files++;
        }
        if (r.failed && r.first_fail[0]) {
            printf("\n    first: %s", r.first_fail);
        }
        printf("\n");
        fflush(stdout);
        passed += r.passed;
        failed += r.failed;
        skipped += r.skipped;
        suspect += r.suspect;
    }
    for (size_t i = 0; i < nfiles; i++) {
        free(files[i]);
    }
    free(files);
    revoked_free(&revoked);
    if (opt.dump) {
        return 0;
    }
    long nonly = 0;
    for (int k = 0; k < NR_ONLY; k++) {
        nonly += only[k];
    }
    printf("realmode: %zu files (%ld with errors), 286-only:", nfiles, failed_files);
    for (int k = 0; k < NR_ONLY; k++) {
        printf("%s %s %ld", k ? "," : "", only_names[k], only[k]);
    }
    printf("; revoked %ld, suspect %ld\n", skipped, suspect);
    /* 286-only tests are neither passes nor failures: reported as skipped */
    printf("%ld passed, %ld failed, %ld skipped\n", passed, failed + failed_files,
           skipped + nonly + suspect);
    return failed + failed_files ? 1 : 0;
}

/*
 * tests/difftest/difftest.h - private header of the differential tester:
 * sandbox layout, the sequence / host-result / emu-result types shared
 * by gen.c, host.c, emu.c and difftest.c, and their cross-file entry points.
 */
#ifndef TESTS_DIFFTEST_DIFFTEST_H
#define TESTS_DIFFTEST_DIFFTEST_H

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

#include "target/i386/cpuid.h"
#include "target/i386/decode-internal.h"
#include "target/i386/disas.h"
#include "target/i386/fpu.h"
#include "target/i386/ops.h"
#include "target/i386/sse.h"
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

enum { RM_NONE, RM_REG, RM_MEM, RM_ANY };

typedef struct Cand {
    uint8_t map;          /* 1: one-byte, 2: 0F, 3: 0F 38, 4: 0F 3A;
                           * VEX: 5: 0F, 6: 0F 38, 7: 0F 3A */
    uint8_t opc;
    int8_t greg;          /* ModRM.reg for group entries, else -1 */
    int8_t modrm_fixed;   /* 0F 01 register forms: low 6 bits of ModRM, else -1 */
    uint8_t rm;           /* RM_* */
    const DecodeEntry *e;
    uint16_t op;          /* the table's operation */
    uint8_t pp;           /* VEX: VEX.pp (the table column) */
    const SseEntry *ve;   /* VEX: the execution table entry */
} Cand;

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
    uint8_t ymmh[16][16]; /* bits 255:128 of YMM0-15 */
    uint32_t mxcsr;
    uint16_t fcw, fsw;    /* x87: control word, status word (TOP) */
    uint8_t ftw;          /* abridged tag, by physical register */
    uint8_t st[8][10];    /* ST(0)..ST(7) in stack order, 80-bit */
    uint8_t data[DATA_SIZE];
} Seq;

typedef struct FlagFx {
    uint32_t read, def, undef;
    bool result_undefined;
} FlagFx;

typedef struct HostJob {
    uint8_t code[MAX_CODE + 1];
    unsigned code_len;
    uint64_t entry;
    uint64_t regs[16];
    uint64_t flags;
    uint8_t xmm[16][16];
    uint8_t ymmh[16][16];
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
    uint8_t ymmh[16][16];
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

enum { HOST_OK, HOST_TIMEOUT, HOST_DIED };

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
    uint64_t reg_random[16]; /* register bits with random values (RDRAND/
                              * RDSEED destinations): not compared */
    uint16_t exec_ops[MAX_ITEMS]; /* ops of executed test items, in order */
    uint8_t exec_item[MAX_ITEMS]; /* and their item indexes */
    int nr_exec;
} EmuOut;

typedef struct Diff {
    bool any;
    char what[64];        /* class suffix: fault / reg / flags / mem / rip */
    char text[4096];
    size_t tl;
} Diff;

/* difftest.c */
extern const char *const op_ids[OP_NB];

/* gen.c: candidates and random sequences */
void seed_seq(uint64_t seed, uint64_t i);
extern Cand cands[2048];
extern unsigned nr_cands;
extern unsigned long excluded_by_cat[9];
extern const char *const excluded_names[9];
extern bool no_sse;
extern bool no_vex;
extern bool with_x87;
extern const char *only_op;
/* decode mode of the emu86 side: 64-bit, with SSE4a decoding when the
 * model (max and the host's CPUID) offers it (emu.c) */
extern CpuMode dt_decode_mode;
bool is_prefix_or_escape(uint8_t b);
void build_cands(void);
extern unsigned max_len;
void gen_seq(Seq *s);
bool prefix_of(const Seq *s, int k, Seq *p);

/* emu.c: flag bookkeeping and the emu86 side */
FlagFx flag_effects(const CPUX86State *env, const Insn *in);
extern TestCPU *tc;
extern bool host_amd;
extern uint16_t host_sel[6];
void emu_setup(void);
int item_at(const Seq *s, uint64_t rip);
const char *host_diff(const Insn *in);
const char *host_lacks(const Insn *in);
bool model_offers(const Insn *in);
void emu_run(const Seq *s, EmuOut *o, bool track);

/* host.c: the native side */
size_t code_room(uint64_t start, size_t len);
extern Mailbox *mbox;
void host_stop(void);
bool host_start(void);
int host_run(const Seq *s);

#endif /* TESTS_DIFFTEST_DIFFTEST_H */

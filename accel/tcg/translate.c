/*
 * accel/tcg/translate.c - build translation blocks: decode guest code at
 * CS:RIP into a run of Insn, once, and cache it.
 *
 * A block ends after a branch or an instruction that changes the mode
 * (IF_BRANCH / IF_ENDBLK), at the end of the page, at TB_MAX_INSNS, or just
 * before an instruction that cannot be fetched or decoded.  That last rule
 * keeps decoding free of side effects: a bad instruction is only ever
 * decoded as the first of a block, and only then, when the CPU really
 * executes it, do we raise #UD, #GP or #PF (with CR2) for it.
 */
#include <string.h>

#include "accel/tcg/tcg-internal.h"
#include "hw/machine.h"
#include "system/sysemu.h"
#include "target/i386/cpuid.h"
#include "target/i386/disas.h"
#include "target/i386/ops.h"

typedef struct FetchCtx {
    CPUX86State *env;
    const uint8_t *page;     /* host view of the block's first page or NULL */
    uint64_t page_phys;      /* its physical address */
    uint64_t start_la;       /* linear address of the instruction */
    uint64_t page_end_la;    /* first linear address past the page */
    uint64_t limit_la;       /* first linear address past CS.limit */
    bool first;              /* decoding the block's first instruction */
    uint64_t page2_phys;     /* set when the first insn straddles */
} FetchCtx;

static int fetch_byte(void *opaque, unsigned i)
{
    FetchCtx *f = opaque;
    uint64_t la = f->start_la + i;

    if (la >= f->limit_la) {
        return -1;
    }
    if (la < f->page_end_la) {
        if (f->page) {
            return f->page[la & 0xfff];
        }
        uint8_t b;
        phys_read(&f->env->cpu->machine->mem, f->page_phys + (la & 0xfff), &b, 1);
        return b;
    }
    if (!f->first) {
        return -1; /* only the first instruction may straddle into page 2 */
    }
    /* The CPU really executes this instruction: a fault here is genuine. */
    uint64_t pa = mmu_translate(f->env, la, ACC_EXEC, f->env->cpl == 3);
    f->page2_phys = pa & ~0xfffull;
    uint8_t b;
    phys_read(&f->env->cpu->machine->mem, pa, &b, 1);
    return b;
}

/* Decide whether an instruction decoded fine can run in this mode at all:
 * LOCK on an instruction or operand that does not allow it is #UD
 * (SDM Vol.2 LOCK), as are IF_NO64 operations in 64-bit mode. */
static bool insn_encoding_valid(const CPUX86State *env, const Insn *insn)
{
    uint16_t fl = insn_op_flags[insn->op];
    if (insn->prefix & PFX_LOCK) {
        if (!(fl & IF_LOCK) || insn->nr_ops == 0 || insn->ops[0].kind != OPK_MEM) {
            return false;
        }
    }
    if ((fl & IF_NO64) && env->code_bits == 64) {
        return false;
    }
    return true;
}

/* Does this instruction leave the CPU in the same mode, privilege level
 * and address space, so that the next block may be reached without a new
 * translation of the PC?  Near branches and ordinary instructions do; far
 * transfers, interrupts and everything that ends a block for a mode change
 * (CR writes, INVLPG, MOV SS, POPF, STI, HLT...) do not. */
static bool insn_ends_near(const Insn *insn)
{
    switch (insn->op) {
    case OP_JMP: case OP_JCC: case OP_CALL: case OP_RET:
    case OP_LOOP: case OP_LOOPE: case OP_LOOPNE: case OP_JCXZ:
        return true;
    default:
        return !(insn_op_flags[insn->op] & (IF_BRANCH | IF_ENDBLK));
    }
}

static void log_block(CPUX86State *env, TranslationBlock *tb)
{
    uint8_t buf[TB_MAX_INSNS * 15];
    unsigned n = tb->size < sizeof(buf) ? tb->size : sizeof(buf);
    for (unsigned i = 0; i < n; i++) {
        /* re-read through the physical pages the block was built from */
        uint64_t pa = tb->phys_pc + i;
        if (tb->phys_page2 != ~0ull && ((tb->phys_pc & 0xfff) + i) >= 0x1000) {
            pa = tb->phys_page2 + ((tb->phys_pc & 0xfff) + i - 0x1000);
        }
        phys_read(&env->cpu->machine->mem, pa, &buf[i], 1);
    }
    log_printf("----------------\nIN: \n");
    disas_block_log(log_file(), (CpuMode)env->code_bits, tb->pc, buf, n);
    log_printf("\n");
}

static TranslationBlock *tb_gen(CPUX86State *env, TcgVcpu *t, uint64_t pc, uint64_t phys_pc)
{
    Insn insns[TB_MAX_INSNS];
    unsigned n = 0, size = 0;
    FetchCtx f = {
        .env = env,
        .page_phys = phys_pc & ~0xfffull,
        .page_end_la = (pc | 0xfff) + 1,
        .page2_phys = ~0ull,
    };
    f.page = phys_host_ptr(&env->cpu->machine->mem, f.page_phys, 0x1000, false);

    /* CS limit: in real and protected (non-64) mode EIP must stay within
     * CS.limit (SDM Vol.3 5.3); a fetch beyond it is #GP(0). */
    f.limit_la = ~0ull;
    if (env->code_bits != 64) {
        f.limit_la = env->segs[R_CS].base + (uint64_t)env->segs[R_CS].limit + 1;
    }
    if (env->code_bits != 64 && (env->rip > env->segs[R_CS].limit)) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }

    bool sse4a = cpu_has_feature(env, FEAT_8000_0001_ECX, CPUID_EXT3_SSE4A);
    while (n < TB_MAX_INSNS) {
        Insn *insn = &insns[n];
        f.start_la = pc + size;
        f.first = (n == 0);
        DecodeResult r = decode_insn(insn, decode_mode(env->code_bits, sse4a), fetch_byte, &f);
        if (r == DECODE_OK && !insn_encoding_valid(env, insn)) {
            r = DECODE_UD;
        }
        if (r != DECODE_OK) {
            if (n > 0) {
                break; /* raise it when it is the first of its own block */
            }
            if (r == DECODE_UD) {
                log_mask_printf(LOG_UNIMP, "emu86: invalid opcode at %04x:%016llx\n",
                                env->segs[R_CS].selector, (unsigned long long)env->rip);
                cpu_raise_exception(env, EXCP_UD);
            }
            if (r == DECODE_TOO_LONG || f.start_la + insn->len >= f.limit_la) {
                cpu_raise_exception_err(env, EXCP_GP, 0);
            }
            /* fetch fault of the first instruction: beyond CS limit is
             * #GP(0); a page fault was already raised by fetch_byte */
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
        size += insn->len;
        n++;
        uint16_t fl = insn_op_flags[insn->op];
        if (fl & (IF_BRANCH | IF_ENDBLK)) {
            break;
        }
        if (pc + size >= f.page_end_la) {
            break;
        }
    }

    TranslationBlock *tb = tb_alloc(n);
    tb->chainable = insn_ends_near(&insns[n - 1]);
    tb->pc = pc;
    tb->phys_pc = phys_pc;
    tb->phys_page2 = f.page2_phys;
    tb->flags = tb_mode_flags(env);
    tb->size = (uint16_t)size;
    tb->nr_insns = (uint16_t)n;
    memcpy(tb->insns, insns, n * sizeof(Insn));
    if (t->backend->prepare) {
        t->backend->prepare(tb);
    }
    tb_cache_insert(t->cache, tb);
    if (log_enabled(LOG_IN_ASM)) {
        log_block(env, tb);
    }
    return tb;
}

TranslationBlock *tcg_find_block(CPUX86State *env, TcgVcpu *t)
{
    uint64_t pc = tcg_current_pc(env);
    uint64_t phys = mmu_translate(env, pc, ACC_EXEC, env->cpl == 3);
    TranslationBlock *tb = tb_cache_lookup(t->cache, phys, pc, tb_mode_flags(env));
    if (!tb) {
        tb = tb_gen(env, t, pc, phys);
    }
    return tb;
}

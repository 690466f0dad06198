/*
 * target/i386/fpu.c - the x87 FPU: dispatch of D8-DF / 9B, control
 * instructions, environment/state images, pointers, #NM and #MF.
 *
 * Design (see also fpu_host.c and docs/x87.md):
 *   - Data instructions (arithmetic, compares, loads/stores, constants,
 *     transcendental, FXCH, FCMOVcc, FFREE, ...) run on the host x87 with
 *     the guest state loaded: fpu_host_exec().  Memory operands are read
 *     from the guest into a host buffer first; for stores the host writes
 *     the buffer, then the guest memory is written, and only then is the
 *     new FPU state committed, so a #PF/#GP on the store leaves the FPU
 *     exactly as before (SDM: compute, store, then pop).
 *   - Exception flags: the guest's sticky flags (IE..PE, SF) are removed
 *     from the image before the host run and ORed back afterwards, so a
 *     pending unmasked guest exception never fires inside the host.  ES
 *     and B are then recomputed from flags & ~masks (SDM Vol.1 8.1.3.1).
 *   - Control instructions (FNINIT, FNCLEX, FLDCW, FNSTCW, FNSTSW,
 *     FNSTENV, FLDENV, FNSAVE, FRSTOR, WAIT) depend on the guest mode and
 *     operand size and are done here (SDM Vol.1 8.1.10, Figures 8-9..8-12).
 *   - FOP/FIP/FCS (and FDP/FDS for memory forms) are updated by every
 *     non-control instruction (FOP "compatibility mode" behaviour, always).
 *   - #NM: EM or TS set (D8-DF), MP and TS set (WAIT) (SDM Vol.3 Table
 *     2-2).  #MF: a waiting instruction finds ES set and CR0.NE=1 (SDM
 *     Vol.1 8.7).  With CR0.NE=0 the PC raises IRQ13 through FERR#:
 *     fpu_ferr_handler (NULL by default) is called and the
 *     instruction goes on as if IGNNE# were asserted.
 */
#include <string.h>

#include "target/i386/fpu.h"
#include "target/i386/ops.h"

/* FSW bits (SDM Vol.1 Figure 8-4) */
#define FSW_IE  0x0001u
#define FSW_SF  0x0040u
#define FSW_ES  0x0080u
#define FSW_C0  0x0100u
#define FSW_C1  0x0200u
#define FSW_C2  0x0400u
#define FSW_TOP 0x3800u
#define FSW_C3  0x4000u
#define FSW_B   0x8000u
#define FSW_EXC 0x003fu   /* IE DE ZE OE UE PE */
#define FSW_STICKY 0x007fu

/* FLDCW keeps bits 0-5, 8-12; bit 6 reads as 1 (reserved), 13-15 as 0. */
#define FCW_KEEP 0x1f3fu
#define FCW_ONE  0x0040u

#define IMG_SIZE 108

static inline bool cr0_ne(const CPUX86State *env)
{
    return env->cr[0] & CR0_NE;
}

/* ES and B summarise "an unmasked exception flag is set". */
static uint16_t fsw_fix_es(uint16_t fsw, uint16_t fcw)
{
    fsw &= ~(FSW_ES | FSW_B);
    if (fsw & ~fcw & FSW_EXC) {
        fsw |= FSW_ES | FSW_B;
    }
    return fsw;
}

uint16_t fpu_full_tag_word(const X87State *s)
{
    uint16_t tw = 0;

    for (int i = 0; i < 8; i++) {
        unsigned tag;
        unsigned exp = s->regs[i].sexp & 0x7fff;
        uint64_t m = s->regs[i].mant;

        if (!(s->ftw & (1u << i))) {
            tag = 3;                          /* empty */
        } else if (exp == 0x7fff) {
            tag = 2;                          /* NaN, infinity, pseudo-* */
        } else if (exp == 0) {
            tag = m ? 2 : 1;                  /* denormal / pseudo-denormal : zero */
        } else {
            tag = (m >> 63) ? 0 : 2;          /* valid : unnormal */
        }
        tw |= tag << (2 * i);
    }
    return tw;
}

static uint8_t abridge_tags(uint16_t tw)
{
    uint8_t t = 0;

    for (int i = 0; i < 8; i++) {
        if (((tw >> (2 * i)) & 3) != 3) {
            t |= 1u << i;
        }
    }
    return t;
}

void fpu_init_state(CPUX86State *env, bool full)
{
    X87State *s = &env->x87;

    s->fcw = 0x037f;
    s->fsw = 0;
    s->ftw = 0;
    s->fop = 0;
    s->fip = s->fdp = 0;
    s->fcs = s->fds = 0;
    if (full) {
        memset(s->regs, 0, sizeof(s->regs));
        s->mxcsr = 0x1f80;
        memset(s->xmm, 0, sizeof(s->xmm));
        memset(s->ymmh, 0, sizeof(s->ymmh));
    }
}

/* Power-on / RESET (SDM Vol.3 Table 9-1): FCW 0040H (everything
 * unmasked, single precision), FSW 0, tag word 5555H (all registers hold
 * +0.0), pointers 0, MXCSR 1F80H.  INIT leaves the x87/SSE state alone
 * (SDM Vol.3 9.1), so this is for RESET only; software runs FNINIT. */
void fpu_reset(CPUX86State *env)
{
    fpu_init_state(env, true);
    env->x87.fcw = 0x0040;
    env->x87.ftw = 0xff;
}

/* ---- the 108-byte 32-bit protected-mode image the host run uses ---- */

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static void put_reg(uint8_t *p, const X87Reg *r)
{
    put64(p, r->mant);
    put16(p + 8, r->sexp);
}

static void get_reg(X87Reg *r, const uint8_t *p)
{
    r->mant = get64(p);
    r->sexp = get16(p + 8);
}

/* Registers in ST order from offset off (stride bytes apart). */
static void put_stack(const X87State *s, uint8_t *p, unsigned stride)
{
    unsigned top = fpu_top(s);

    for (unsigned i = 0; i < 8; i++) {
        put_reg(p + i * stride, &s->regs[(top + i) & 7]);
    }
}

static void get_stack(X87State *s, const uint8_t *p, unsigned stride)
{
    unsigned top = fpu_top(s);

    for (unsigned i = 0; i < 8; i++) {
        get_reg(&s->regs[(top + i) & 7], p + i * stride);
    }
}

static void state_to_host_img(const X87State *s, uint8_t *img)
{
    memset(img, 0, IMG_SIZE);
    put16(img + 0, s->fcw);
    put16(img + 4, s->fsw & ~(FSW_STICKY | FSW_ES | FSW_B));
    put16(img + 8, fpu_full_tag_word(s));
    /* A nonzero FIP keeps the host x87 out of its XSAVE "initial
     * configuration" (SDM Vol.1 13.6), in which a context switch may
     * zero the contents of empty registers instead of keeping them. */
    put32(img + 12, 1);
    put_stack(s, img + 28, 10);
}

/* Take the host's result; the caller handles pointers. */
static void host_img_to_state(X87State *s, const uint8_t *img, uint16_t old_fsw)
{
    s->fcw = get16(img + 0);
    s->fsw = fsw_fix_es(get16(img + 4) | (old_fsw & FSW_STICKY), s->fcw);
    s->ftw = abridge_tags(get16(img + 8));
    get_stack(s, img + 28, 10);
}

/* ---- exceptions ---- */

/* The PC's FERR# -> IRQ13 path (CR0.NE=0): the board code may set this to
 * raise IRQ13 on the PIC (deasserted again by an OUT to port F0h). */
void (*fpu_ferr_handler)(CPUX86State *env);

/* A waiting x87 instruction (or WAIT) with an unmasked exception pending
 * (SDM Vol.1 8.7, Vol.3 2.5 CR0.NE). */
static void check_pending(CPUX86State *env)
{
    if (!(env->x87.fsw & FSW_ES)) {
        return;
    }
    if (cr0_ne(env)) {
        cpu_raise_exception(env, EXCP_MF);
    }
    /* CR0.NE=0: signal FERR# and go on as if IGNNE# were asserted (the
     * processor is not frozen until the interrupt arrives). */
    if (fpu_ferr_handler) {
        fpu_ferr_handler(env);
    }
}

/* ---- guest memory: all pages are checked before anything is written ---- */

static void probe_write(CPUX86State *env, uint64_t la, unsigned size)
{
    uint64_t end = la + size - 1;

    for (uint64_t p = la & ~0xfffull;; p += 0x1000) {
        uint64_t a = p < la ? la : p;
        if (!env->long_mode) {
            a &= 0xffffffffu;
        }
        mmu_translate(env, a, ACC_WRITE, env->cpl == 3);
        if (p >= (end & ~0xfffull)) {
            break;
        }
    }
}

static uint64_t la_off(const CPUX86State *env, uint64_t la, unsigned i)
{
    la += i;
    return env->long_mode ? la : (la & 0xffffffffu);
}

static void read_bytes(CPUX86State *env, uint64_t la, uint8_t *buf, unsigned size)
{
    unsigned i = 0;

    for (; i + 8 <= size; i += 8) {
        put64(buf + i, cpu_ldq(env, la_off(env, la, i)));
    }
    for (; i + 2 <= size; i += 2) {
        put16(buf + i, cpu_lduw(env, la_off(env, la, i)));
    }
    for (; i < size; i++) {
        buf[i] = cpu_ldub(env, la_off(env, la, i));
    }
}

static void write_bytes(CPUX86State *env, uint64_t la, const uint8_t *buf, unsigned size)
{
    unsigned i = 0;

    probe_write(env, la, size);
    for (; i + 8 <= size; i += 8) {
        cpu_stq(env, la_off(env, la, i), get64(buf + i));
    }
    for (; i + 4 <= size; i += 4) {
        cpu_stl(env, la_off(env, la, i), get32(buf + i));
    }
    for (; i + 2 <= size; i += 2) {
        cpu_stw(env, la_off(env, la, i), get16(buf + i));
    }
    for (; i < size; i++) {
        cpu_stb(env, la_off(env, la, i), buf[i]);
    }
}

/* ---- pointers (SDM Vol.1 8.1.8, 8.1.9) ---- */

static void update_pointers(CPUX86State *env, const Insn *insn, bool has_mem)
{
    X87State *s = &env->x87;

    s->fop = (uint16_t)(((insn->opcode & 7u) << 8) | insn->modrm);
    s->fip = env->rip;
    s->fcs = env->segs[R_CS].selector;
    if (has_mem) {
        int seg = insn->seg == SEG_NONE ? R_DS : insn->seg;
        s->fdp = insn_ea(env, insn);
        s->fds = env->segs[seg].selector;
    }
}

/* ---- environment images (SDM Vol.1 Figures 8-9 .. 8-12) ---- */

static bool real_layout(const CPUX86State *env)
{
    return !(env->cr[0] & CR0_PE) || (env->eflags & VM_MASK);
}

/* Returns the size: 14 (16-bit operand size) or 28. */
static unsigned store_env(CPUX86State *env, uint8_t *p, bool op16)
{
    X87State *s = &env->x87;
    uint16_t tw = fpu_full_tag_word(s);

    if (op16) {
        put16(p + 0, s->fcw);
        put16(p + 2, s->fsw);
        put16(p + 4, tw);
        if (real_layout(env)) {
            uint32_t ip = (uint32_t)(((uint64_t)s->fcs << 4) + s->fip);
            uint32_t dp = (uint32_t)(((uint64_t)s->fds << 4) + s->fdp);
            put16(p + 6, (uint16_t)ip);
            put16(p + 8, (uint16_t)(((ip >> 4) & 0xf000u) | (s->fop & 0x7ffu)));
            put16(p + 10, (uint16_t)dp);
            put16(p + 12, (uint16_t)((dp >> 4) & 0xf000u));
        } else {
            put16(p + 6, (uint16_t)s->fip);
            put16(p + 8, s->fcs);
            put16(p + 10, (uint16_t)s->fdp);
            put16(p + 12, s->fds);
        }
        return 14;
    }
    /* The reserved upper halves read as FFFF on hardware. */
    put32(p + 0, 0xffff0000u | s->fcw);
    put32(p + 4, 0xffff0000u | s->fsw);
    put32(p + 8, 0xffff0000u | tw);
    if (real_layout(env)) {
        uint32_t ip = (uint32_t)(((uint64_t)s->fcs << 4) + s->fip);
        uint32_t dp = (uint32_t)(((uint64_t)s->fds << 4) + s->fdp);
        put32(p + 12, 0xffff0000u | (ip & 0xffffu));
        put32(p + 16, ((ip >> 4) & 0x0ffff000u) | (s->fop & 0x7ffu));
        put32(p + 20, 0xffff0000u | (dp & 0xffffu));
        put32(p + 24, (dp >> 4) & 0x0ffff000u);
    } else {
        put32(p + 12, (uint32_t)s->fip);
        put32(p + 16, s->fcs | ((uint32_t)(s->fop & 0x7ffu) << 16));
        put32(p + 20, (uint32_t)s->fdp);
        put32(p + 24, 0xffff0000u | s->fds);
    }
    return 28;
}

static unsigned load_env(CPUX86State *env, const uint8_t *p, bool op16)
{
    X87State *s = &env->x87;
    uint16_t fcw, fsw, tw;

    fcw = get16(p + 0);
    if (op16) {
        fsw = get16(p + 2);
        tw = get16(p + 4);
        if (real_layout(env)) {
            uint16_t w = get16(p + 8);
            s->fip = get16(p + 6) | ((uint32_t)(w & 0xf000u) << 4);
            s->fop = w & 0x7ffu;
            s->fdp = get16(p + 10) | ((uint32_t)(get16(p + 12) & 0xf000u) << 4);
            s->fcs = s->fds = 0;
        } else {
            s->fip = get16(p + 6);
            s->fcs = get16(p + 8);
            s->fdp = get16(p + 10);
            s->fds = get16(p + 12);
        }
    } else {
        fsw = get16(p + 4);
        tw = get16(p + 8);
        if (real_layout(env)) {
            uint32_t w = get32(p + 16);
            s->fip = get16(p + 12) | ((w & 0x0ffff000u) << 4);
            s->fop = w & 0x7ffu;
            s->fdp = get16(p + 20) | ((get32(p + 24) & 0x0ffff000u) << 4);
            s->fcs = s->fds = 0;
        } else {
            s->fip = get32(p + 12);
            s->fcs = get16(p + 16);
            s->fop = get16(p + 18) & 0x7ffu;
            s->fdp = get32(p + 20);
            s->fds = get16(p + 24);
        }
    }
    s->fcw = (fcw & FCW_KEEP) | FCW_ONE;
    s->fsw = fsw_fix_es(fsw, s->fcw);
    s->ftw = abridge_tags(tw);
    return op16 ? 14 : 28;
}

/* ---- control instructions ---- */

static void do_fnstenv(CPUX86State *env, const Insn *insn)
{
    uint8_t buf[28];
    bool op16 = insn->opsize == 2;
    unsigned n = store_env(env, buf, op16);

    write_bytes(env, insn_mem_linear(env, insn, n, ACC_WRITE), buf, n);
    /* FSTENV then masks all exceptions (SDM Vol.2 FSTENV), which also
     * clears ES/B. */
    env->x87.fcw |= FSW_EXC;
    env->x87.fsw = fsw_fix_es(env->x87.fsw, env->x87.fcw);
}

static void do_fldenv(CPUX86State *env, const Insn *insn)
{
    uint8_t buf[28];
    bool op16 = insn->opsize == 2;
    unsigned n = op16 ? 14 : 28;

    read_bytes(env, insn_mem_linear(env, insn, n, ACC_READ), buf, n);
    load_env(env, buf, op16);
}

static void do_fnsave(CPUX86State *env, const Insn *insn)
{
    uint8_t buf[IMG_SIZE];
    bool op16 = insn->opsize == 2;
    unsigned n = store_env(env, buf, op16);

    put_stack(&env->x87, buf + n, 10);
    write_bytes(env, insn_mem_linear(env, insn, n + 80, ACC_WRITE), buf, n + 80);
    fpu_init_state(env, false);   /* FSAVE ends with FNINIT */
}

static void do_frstor(CPUX86State *env, const Insn *insn)
{
    uint8_t buf[IMG_SIZE];
    bool op16 = insn->opsize == 2;
    unsigned n = op16 ? 14 : 28;

    read_bytes(env, insn_mem_linear(env, insn, n + 80, ACC_READ), buf, n + 80);
    load_env(env, buf, op16);
    get_stack(&env->x87, buf + n, 10);
}

/* ---- data instructions on the host ---- */

/* Run op/modrm on the host with the guest state.  mem/size: the memory
 * operand (already read for loads); is_store: the host writes mem and the
 * bytes go to guest memory at la when it did. */
static void run_host(CPUX86State *env, const Insn *insn, uint8_t op, uint8_t modrm,
                     uint8_t *mem, unsigned size, bool is_store, uint64_t la)
{
    X87State *s = &env->x87;
    uint8_t img[IMG_SIZE];
    uint64_t fl = cpu_get_eflags(env);
    bool written = false;

    state_to_host_img(s, img);
    if (is_store) {
        /* Did the host store?  Unmasked IE/OE/UE/... suppress the store
         * (SDM Vol.1 8.5); a second run with another fill tells a result
         * equal to the first fill from "not written". */
        uint8_t img2[IMG_SIZE];
        memcpy(img2, img, IMG_SIZE);
        memset(mem, 0xa5, size);
        fpu_host_exec(img, mem, op, modrm, &fl);
        for (unsigned i = 0; i < size; i++) {
            written |= mem[i] != 0xa5;
        }
        if (!written) {
            memset(mem, 0x5a, size);
            fpu_host_exec(img2, mem, op, modrm, &fl);
            for (unsigned i = 0; i < size; i++) {
                written |= mem[i] != 0x5a;
            }
            memcpy(img, img2, IMG_SIZE);
        }
        if (written) {
            write_bytes(env, la, mem, size);   /* may fault: state untouched */
        }
    } else {
        fpu_host_exec(img, mem, op, modrm, &fl);
    }
    host_img_to_state(s, img, s->fsw);
    /* FCOMI & co. write ZF/PF/CF and clear OF/SF/AF (SDM Vol.2 FCOMI). */
    if ((op == 0xdb || op == 0xdf) && modrm >= 0xe8 && modrm <= 0xf7) {
        cpu_set_eflags(env, fl, CC_MASK);
    }
    update_pointers(env, insn, modrm < 0xc0);
}

/* Memory forms (SDM Vol.2 Table A-7 .. A-21): operand size, 0 = #UD,
 * negative = control instruction handled in C; stores flagged. */
enum { M_UD = 0, M_CTRL = -1 };
static const int8_t mem_size[8][8] = {
    /* D8 */ { 4, 4, 4, 4, 4, 4, 4, 4 },
    /* D9 */ { 4, M_UD, 4, 4, M_CTRL, M_CTRL, M_CTRL, M_CTRL },
    /* DA */ { 4, 4, 4, 4, 4, 4, 4, 4 },
    /* DB */ { 4, 4, 4, 4, M_UD, 10, M_UD, 10 },
    /* DC */ { 8, 8, 8, 8, 8, 8, 8, 8 },
    /* DD */ { 8, 8, 8, 8, M_CTRL, M_UD, M_CTRL, M_CTRL },
    /* DE */ { 2, 2, 2, 2, 2, 2, 2, 2 },
    /* DF */ { 2, 2, 2, 2, 10, 8, 10, 8 },
};
/* bit r of mem_store[op & 7]: /r stores to memory */
static const uint8_t mem_store[8] = {
    0x00, 0x0c, 0x00, 0x8e, 0x00, 0x0e, 0x00, 0xce,
};

static void exec_mem(CPUX86State *env, const Insn *insn, uint8_t op, unsigned reg)
{
    X87State *s = &env->x87;
    int size = mem_size[op & 7][reg];
    uint8_t mem[16];

    if (size == M_UD) {
        cpu_raise_exception(env, EXCP_UD);
    }
    if (size == M_CTRL) {
        switch (((op & 7) << 3) | reg) {
        case 014: /* D9 /4 FLDENV */
            check_pending(env);
            do_fldenv(env, insn);
            return;
        case 015: /* D9 /5 FLDCW */
            check_pending(env);
            s->fcw = (cpu_lduw(env, insn_mem_linear(env, insn, 2, ACC_READ)) & FCW_KEEP) | FCW_ONE;
            s->fsw = fsw_fix_es(s->fsw, s->fcw);
            return;
        case 016: /* D9 /6 FNSTENV */
            do_fnstenv(env, insn);
            return;
        case 017: /* D9 /7 FNSTCW */
            cpu_stw(env, insn_mem_linear(env, insn, 2, ACC_WRITE), s->fcw);
            return;
        case 054: /* DD /4 FRSTOR */
            check_pending(env);
            do_frstor(env, insn);
            return;
        case 056: /* DD /6 FNSAVE */
            do_fnsave(env, insn);
            return;
        case 057: /* DD /7 FNSTSW m16 */
            cpu_stw(env, insn_mem_linear(env, insn, 2, ACC_WRITE), s->fsw);
            return;
        }
    }
    check_pending(env);
    bool is_store = (mem_store[op & 7] >> reg) & 1;
    uint64_t la = insn_mem_linear(env, insn, size, is_store ? ACC_WRITE : ACC_READ);
    if (!is_store) {
        read_bytes(env, la, mem, size);
    }
    run_host(env, insn, op, (uint8_t)(reg << 3), mem, size, is_store, la);
}

/* Register forms (SDM Vol.2 Tables A-7..A-21, ModRM C0-FF): run on the
 * host, or a special action.  The undocumented aliases every x87 since
 * the 387 executes (FSTP1 D9 D8+i, FCOM2 DC D0+i, FCOMP3 DC D8+i, FXCH4
 * DD C8+i, FCOMP5 DE D0+i, FFREEP DF C0+i, FXCH7 DF C8+i, FSTP8/9 DF
 * D0-DF) run natively too: they are not all exact copies of the documented
 * forms (AMD's FSTP1 does not signal stack underflow), and the host is the
 * reference. */
enum { R_UD, R_HOST, R_NOP_NOWAIT, R_FNCLEX, R_FNINIT, R_FNSTSW_AX };

static int reg_form(unsigned op, unsigned m)
{
    switch (op) {
    case 0xd8:
    case 0xdc:
        return R_HOST;
    case 0xd9:
        return (m <= 0xd0 || (m >= 0xd8 && m <= 0xe1) || m == 0xe4 || m == 0xe5 ||
                (m >= 0xe8 && m <= 0xee) || m >= 0xf0) ? R_HOST : R_UD;
    case 0xda:
        return (m <= 0xdf || m == 0xe9) ? R_HOST : R_UD;
    case 0xdb:
        if (m <= 0xdf || (m >= 0xe8 && m <= 0xf7)) {
            return R_HOST;
        }
        switch (m) {
        case 0xe0: case 0xe1: case 0xe4:  /* FNENI, FNDISI, FNSETPM: 8087/287 only */
            return R_NOP_NOWAIT;
        case 0xe2: return R_FNCLEX;
        case 0xe3: return R_FNINIT;
        }
        return R_UD;
    case 0xdd:
        return m <= 0xef ? R_HOST : R_UD;
    case 0xde:
        return (m >= 0xd8 && m <= 0xdf && m != 0xd9) ? R_UD : R_HOST;
    case 0xdf:
        if (m == 0xe0) {
            return R_FNSTSW_AX;
        }
        return (m <= 0xdf || (m >= 0xe8 && m <= 0xf7)) ? R_HOST : R_UD;
    }
    return R_UD;
}

static void exec_reg(CPUX86State *env, const Insn *insn)
{
    X87State *s = &env->x87;
    uint8_t op = (uint8_t)insn->opcode, modrm = insn->modrm;

    switch (reg_form(op, modrm)) {
    case R_UD:
        cpu_raise_exception(env, EXCP_UD);
    case R_NOP_NOWAIT:
        return;
    case R_FNCLEX:
        s->fsw &= ~(FSW_STICKY | FSW_ES | FSW_B);
        return;
    case R_FNINIT:
        fpu_init_state(env, false);
        return;
    case R_FNSTSW_AX:
        reg_write(env, R_EAX, 2, s->fsw);
        return;
    default:
        check_pending(env);
        run_host(env, insn, op, modrm, NULL, 0, false, 0);
        return;
    }
}

void fpu_execute(CPUX86State *env, const Insn *insn)
{
    uint64_t cr0 = env->cr[0];

    if (insn->opcode == 0x9b) {                /* WAIT/FWAIT */
        if ((cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)) {
            cpu_raise_exception(env, EXCP_NM);
        }
        check_pending(env);
        return;
    }
    if (cr0 & (CR0_EM | CR0_TS)) {
        cpu_raise_exception(env, EXCP_NM);
    }
    if (insn->modrm >= 0xc0) {
        exec_reg(env, insn);
    } else {
        exec_mem(env, insn, (uint8_t)insn->opcode, (insn->modrm >> 3) & 7);
    }
}

/* ---- FXSAVE / FXRSTOR (SDM Vol.2 FXSAVE, Table 3-53/3-56) ---- */

static unsigned fx_nr_xmm(const CPUX86State *env)
{
    return env->code_bits == 64 ? 16 : 8;
}

/* The x87 part of the legacy image: bytes 0-23 and 32-159 (SDM Vol.1
 * 13.5.1, Vol.2 FXSAVE Table 3-53/3-56); shared with XSAVE. */
void fpu_fx_put_x87(const CPUX86State *env, uint8_t *buf, bool rex_w)
{
    const X87State *s = &env->x87;

    memset(buf, 0, 24);
    memset(buf + 32, 0, 128);
    put16(buf + 0, s->fcw);
    put16(buf + 2, s->fsw);
    buf[4] = s->ftw;
    put16(buf + 6, s->fop);
    if (rex_w) {
        put64(buf + 8, s->fip);
        put64(buf + 16, s->fdp);
    } else {
        put32(buf + 8, (uint32_t)s->fip);
        put16(buf + 12, s->fcs);
        put32(buf + 16, (uint32_t)s->fdp);
        put16(buf + 20, s->fds);
    }
    put_stack(s, buf + 32, 16);
}

void fpu_fx_get_x87(CPUX86State *env, const uint8_t *buf, bool rex_w)
{
    X87State *s = &env->x87;

    s->fcw = (get16(buf + 0) & FCW_KEEP) | FCW_ONE;
    s->fsw = fsw_fix_es(get16(buf + 2), s->fcw);
    s->ftw = buf[4];
    s->fop = get16(buf + 6) & 0x7ffu;
    if (rex_w) {
        s->fip = get64(buf + 8);
        s->fdp = get64(buf + 16);
    } else {
        s->fip = get32(buf + 8);
        s->fcs = get16(buf + 12);
        s->fdp = get32(buf + 16);
        s->fds = get16(buf + 20);
    }
    get_stack(s, buf + 32, 16);
}

void fpu_fxsave_ex(CPUX86State *env, uint64_t la, bool rex_w)
{
    X87State *s = &env->x87;
    uint8_t buf[416];
    unsigned nxmm = fx_nr_xmm(env);

    if (la & 15) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    memset(buf, 0, sizeof(buf));
    fpu_fx_put_x87(env, buf, rex_w);
    put32(buf + 24, s->mxcsr);
    put32(buf + 28, FPU_MXCSR_MASK);
    memcpy(buf + 160, s->xmm, nxmm * 16);
    write_bytes(env, la, buf, 160 + nxmm * 16);
}

void fpu_fxrstor_ex(CPUX86State *env, uint64_t la, bool rex_w)
{
    X87State *s = &env->x87;
    uint8_t buf[416];
    unsigned nxmm = fx_nr_xmm(env);

    if (la & 15) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    read_bytes(env, la, buf, 160 + nxmm * 16);
    if (get32(buf + 24) & ~FPU_MXCSR_MASK) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    fpu_fx_get_x87(env, buf, rex_w);
    s->mxcsr = get32(buf + 24);
    memcpy(s->xmm, buf + 160, nxmm * 16);
}

void fpu_fxsave(CPUX86State *env, uint64_t la)
{
    fpu_fxsave_ex(env, la, false);
}

void fpu_fxrstor(CPUX86State *env, uint64_t la)
{
    fpu_fxrstor_ex(env, la, false);
}

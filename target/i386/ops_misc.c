/*
 * target/i386/ops_misc.c - flag instructions (CLC..STD, CLI/STI), software
 * interrupts (INT n, INT3, INTO, INT1, BOUND), CPUID, RDTSC/RDTSCP/RDPID,
 * RDRAND/RDSEED, fences/CLFLUSH/PREFETCH, #UD and the x87/SSE placeholders.
 *
 * Design: software interrupts are delivered by excp.c through
 * cpu_do_interrupt() with next_rip as the return address; on return
 * env->rip is the handler, so the handler sets next_rip = rip to keep the
 * execution loop from moving it.  Faults (#BR, #GP, #UD, #NM) leave
 * through cpu_raise_exception*() with rip at this instruction.
 */
#include <sys/random.h>

#include "target/i386/cpuid.h"
#include "target/i386/fpu.h"
#include "target/i386/ops_internal.h"
#include "target/i386/sse.h"

void op_CLC(CPUX86State *env, const Insn *insn)
{
    cc_update(env, CC_C, 0);
}

void op_STC(CPUX86State *env, const Insn *insn)
{
    cc_update(env, CC_C, CC_C);
}

void op_CMC(CPUX86State *env, const Insn *insn)
{
    uint32_t f = cpu_cc_compute_all(env);
    cc_set_all(env, f ^ CC_C);
}

void op_CLD(CPUX86State *env, const Insn *insn)
{
    env->eflags &= ~(uint64_t)DF_MASK;
}

void op_STD(CPUX86State *env, const Insn *insn)
{
    env->eflags |= DF_MASK;
}

/* CLI/STI (SDM CLI/STI operation and Table "Decision Table for CLI
 * Results"): IF changes when CPL <= IOPL (any CPL in real mode, IOPL = 3
 * in V86 mode); otherwise VIF changes under CR4.VME (V86) or CR4.PVI
 * (CPL 3), else #GP(0). */
static int cli_sti_target(CPUX86State *env)
{
    if (!prot_mode(env)) {
        return IF_MASK;
    }
    if (v86_mode(env)) {
        if (cur_iopl(env) == 3) {
            return IF_MASK;
        }
        if (env->cr[4] & CR4_VME) {
            return VIF_MASK;
        }
    } else {
        if (env->cpl <= cur_iopl(env)) {
            return IF_MASK;
        }
        if (env->cpl == 3 && (env->cr[4] & CR4_PVI)) {
            return VIF_MASK;
        }
    }
    cpu_raise_exception_err(env, EXCP_GP, 0);
}

void op_CLI(CPUX86State *env, const Insn *insn)
{
    env->eflags &= ~(uint64_t)cli_sti_target(env);
}

void op_STI(CPUX86State *env, const Insn *insn)
{
    int bit = cli_sti_target(env);

    if (bit == VIF_MASK) {
        /* Setting VIF with a virtual interrupt pending faults so the
         * monitor can deliver it. */
        if (env->eflags & VIP_MASK) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
        env->eflags |= VIF_MASK;
        return;
    }
    /* The interrupt shadow covers the next instruction only when STI
     * actually changes IF from 0 to 1. */
    if (!(env->eflags & IF_MASK)) {
        env->inhibit_irq = true;
    }
    env->eflags |= IF_MASK;
}

/* ---- software interrupts ---- */

static void soft_int(CPUX86State *env, int vector, bool is_sw)
{
    cpu_do_interrupt(env, vector, is_sw, false, 0, env->next_rip);
    env->next_rip = env->rip;
}

/* Virtual-8086 mode with CR4.VME: the 32-byte interrupt redirection
 * bitmap just below the I/O map base in the TSS says, per vector, whether
 * INT n goes to the 8086 handler in the task's own IVT (bit clear: SDM
 * Vol.3 20.3.3, methods 5 and 6) or to the protected-mode IDT.  Returns
 * true if the interrupt was redirected. */
static bool v86_redirect_int(CPUX86State *env, uint8_t vector)
{
    unsigned type = (env->tr.flags >> DESC_TYPE_SHIFT) & 15;
    if ((type & ~2u) != 9 || env->tr.limit < 0x67) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    uint32_t iomap = cpu_lduw_kernel(env, env->tr.base + 0x66);
    uint64_t off = (uint64_t)iomap - 32 + vector / 8;
    if (iomap < 32 || off > env->tr.limit) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    if ((cpu_ldub_kernel(env, env->tr.base + off) >> (vector & 7)) & 1) {
        return false;
    }
    /* 8086-style delivery on the 16-bit V86 stack; with IOPL < 3 the
     * pushed FLAGS carry VIF in IF and IOPL = 3, and VIF is cleared
     * instead of IF. */
    uint16_t ip = cpu_lduw(env, (uint64_t)vector * 4);
    uint16_t cs = cpu_lduw(env, (uint64_t)vector * 4 + 2);
    uint64_t fl = cpu_get_eflags(env) & 0xffff;
    bool iopl3 = cur_iopl(env) == 3;
    if (!iopl3) {
        fl = (fl & ~(uint64_t)IF_MASK) | ((env->eflags & VIF_MASK) ? IF_MASK : 0) | IOPL_MASK;
    }
    uint64_t sp = env->regs[R_ESP];
    stack_write(env, sp - 2, fl, 2);
    stack_write(env, sp - 4, env->segs[R_CS].selector, 2);
    stack_write(env, sp - 6, env->next_rip & 0xffff, 2);
    reg_write(env, R_ESP, 2, sp - 6);
    env->eflags &= ~(uint64_t)(TF_MASK | (iopl3 ? IF_MASK : VIF_MASK));
    cpu_load_seg_real(env, R_CS, cs);
    env->next_rip = ip;
    return true;
}

void op_INT(CPUX86State *env, const Insn *insn)
{
    uint8_t vector = (uint8_t)insn->imm;

    if (v86_mode(env)) {
        if ((env->cr[4] & CR4_VME) && v86_redirect_int(env, vector)) {
            return;
        }
        /* INT n in V86 mode is IOPL-sensitive (SDM INT n: #GP(0) when
         * IOPL < 3 and the interrupt is not redirected). */
        if (cur_iopl(env) < 3) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
    }
    soft_int(env, vector, true);
}

void op_INT3(CPUX86State *env, const Insn *insn)
{
    soft_int(env, EXCP_BP, true);
}

void op_INTO(CPUX86State *env, const Insn *insn)
{
    if (cpu_cc_compute_all(env) & CC_O) {
        soft_int(env, EXCP_OF, true);
    }
}

/* INT1 (ICEBP, F1) raises #DB as a trap without the gate-DPL check. */
void op_INT1(CPUX86State *env, const Insn *insn)
{
    soft_int(env, EXCP_DB, false);
}

/* BOUND r, m: #BR (a fault) if the signed index is outside
 * [lower, upper], both read from memory at m and m + opsize. */
void op_BOUND(CPUX86State *env, const Insn *insn)
{
    unsigned size = insn->opsize;

    if (insn->ops[1].kind != OPK_MEM) {
        cpu_raise_exception(env, EXCP_UD);
    }
    int seg = insn->seg == SEG_NONE ? R_DS : insn->seg;
    uint64_t ea = insn_ea(env, insn);
    int64_t lo = sext(ld_size(env, seg_linear(env, seg, ea, size, ACC_READ), size), size);
    int64_t hi = sext(ld_size(env, seg_linear(env, seg, (ea + size) & size_mask(insn->addrsize),
                                               size, ACC_READ), size), size);
    int64_t idx = sext(reg_read(env, insn->ops[0].reg, size), size);
    if (idx < lo || idx > hi) {
        cpu_raise_exception(env, EXCP_BR);
    }
}

/* ---- identification and time ---- */

void op_CPUID(CPUX86State *env, const Insn *insn)
{
    uint32_t out[4];

    cpu_cpuid(env, (uint32_t)env->regs[R_EAX], (uint32_t)env->regs[R_ECX], out);
    env->regs[R_EAX] = out[0];
    env->regs[R_EBX] = out[1];
    env->regs[R_ECX] = out[2];
    env->regs[R_EDX] = out[3];
}

/* CR4.TSD restricts RDTSC/RDTSCP to CPL 0 (SDM RDTSC). */
static uint64_t read_tsc_checked(CPUX86State *env)
{
    if ((env->cr[4] & CR4_TSD) && env->cpl != 0 && prot_mode(env)) {
        cpu_raise_exception_err(env, EXCP_GP, 0);
    }
    return cpu_rdtsc(env);
}

void op_RDTSC(CPUX86State *env, const Insn *insn)
{
    uint64_t t = read_tsc_checked(env);
    env->regs[R_EAX] = (uint32_t)t;
    env->regs[R_EDX] = t >> 32;
}

void op_RDTSCP(CPUX86State *env, const Insn *insn)
{
    if (!cpu_has_feature(env, FEAT_8000_0001_EDX, CPUID_EXT2_RDTSCP)) {
        cpu_raise_exception(env, EXCP_UD);
    }
    uint64_t t = read_tsc_checked(env);
    env->regs[R_EAX] = (uint32_t)t;
    env->regs[R_EDX] = t >> 32;
    env->regs[R_ECX] = (uint32_t)env->tsc_aux;
}

/* RDPID: CPUID.(EAX=07H,ECX=0):ECX[22]. */
void op_RDPID(CPUX86State *env, const Insn *insn)
{
    if (!cpu_has_feature(env, FEAT_7_0_ECX, CPUID_7_ECX_RDPID)) {
        cpu_raise_exception(env, EXCP_UD);
    }
    insn_set_op(env, insn, 0, (uint32_t)env->tsc_aux);
}

/* RDRAND/RDSEED r16/r32/r64: random bits from the host kernel's CSPRNG
 * (getrandom(2), which is seeded from the host's own entropy sources:
 * good enough for both, a guest cannot tell a DRBG output from a seed).
 * Success: CF = 1, OF SF ZF AF PF = 0.  If the host cannot deliver, the
 * instruction reports "not ready" as hardware may: CF = 0 and the
 * destination 0 (SDM RDRAND Operation), so guests retry. */
static void rd_random(CPUX86State *env, const Insn *insn)
{
    uint64_t v = 0;
    bool ok = getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v);
    insn_set_op(env, insn, 0, ok ? v : 0);
    cc_set_all(env, ok ? CC_C : 0);
}

void op_RDRAND(CPUX86State *env, const Insn *insn)
{
    if (!cpu_has_feature(env, FEAT_1_ECX, CPUID_EXT_RDRAND)) {
        cpu_raise_exception(env, EXCP_UD);
    }
    rd_random(env, insn);
}

void op_RDSEED(CPUX86State *env, const Insn *insn)
{
    if (!cpu_has_feature(env, FEAT_7_0_EBX, CPUID_7_EBX_RDSEED)) {
        cpu_raise_exception(env, EXCP_UD);
    }
    rd_random(env, insn);
}

/* ---- ordering and cache hints ----
 * Guest loads and stores are host loads and stores in program order, and
 * an x86-64 host is TSO like the guest, so the only reordering another
 * vCPU thread could see is a store passing a later load: MFENCE is a host
 * full fence for that (a future multi-threaded TCG; one thread today).
 * LFENCE/SFENCE order nothing beyond what TSO gives (their WC-memory and
 * speculation roles have no emulated counterpart): compiler barriers.
 * Gates: LFENCE/MFENCE are SSE2, SFENCE SSE (or AMD's MMX extensions). */

void op_LFENCE(CPUX86State *env, const Insn *insn)
{
    if (!cpu_has_feature(env, FEAT_1_EDX, CPUID_SSE2)) {
        cpu_raise_exception(env, EXCP_UD);
    }
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

void op_MFENCE(CPUX86State *env, const Insn *insn)
{
    if (!cpu_has_feature(env, FEAT_1_EDX, CPUID_SSE2)) {
        cpu_raise_exception(env, EXCP_UD);
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void op_SFENCE(CPUX86State *env, const Insn *insn)
{
    if (!cpu_has_feature(env, FEAT_1_EDX, CPUID_SSE) &&
        !cpu_has_feature(env, FEAT_8000_0001_EDX, CPUID_EXT2_MMXEXT)) {
        cpu_raise_exception(env, EXCP_UD);
    }
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* CLFLUSH (NP 0F AE /7), CLFLUSHOPT (66 0F AE /7), CLWB (66 0F AE /6):
 * there is no cache to write back, but the operand is checked like a
 * one-byte read (SDM CLFLUSH: segment checks, #PF "as a load"; SMAP
 * applies), without touching the byte (it may be MMIO).  0F AE /7 with
 * an F2 or F3 mandatory prefix is neither (SDM Vol.2 Table A-6): #UD, as
 * on the host.  Gates: CPUID.1:EDX.CLFSH[19], (7,0):EBX.CLFLUSHOPT[23],
 * (7,0):EBX.CLWB[24]. */
static void cache_line_op(CPUX86State *env, const Insn *insn, FeatureWord w, uint32_t bit)
{
    if (!cpu_has_feature(env, w, bit)) {
        cpu_raise_exception(env, EXCP_UD);
    }
    uint64_t la = insn_mem_linear(env, insn, 1, ACC_READ);
    mmu_translate(env, la, ACC_READ, env->cpl == 3);
}

void op_CLFLUSH(CPUX86State *env, const Insn *insn)
{
    if (insn->prefix & (PFX_REP | PFX_REPNE)) {
        cpu_raise_exception(env, EXCP_UD);
    }
    if (insn->prefix & PFX_OPSZ) {
        cache_line_op(env, insn, FEAT_7_0_EBX, CPUID_7_EBX_CLFLUSHOPT);
    } else {
        cache_line_op(env, insn, FEAT_1_EDX, CPUID_CLFLUSH);
    }
}

void op_CLWB(CPUX86State *env, const Insn *insn)
{
    cache_line_op(env, insn, FEAT_7_0_EBX, CPUID_7_EBX_CLWB);
}

/* PREFETCHh (0F 18 /0-/3) and PREFETCH/PREFETCHW (0F 0D, AMD's 3DNow!
 * prefetch space, CPUID.80000001H:ECX.3DNowPrefetch[8]) never fault:
 * hints, executed as NOPs (Intel CPUs without PREFETCHW also treat 0F 0D
 * as a NOP). */
void op_PREFETCH(CPUX86State *env, const Insn *insn)
{
}

/* ---- invalid and not-yet-emulated ---- */

void op_INVALID(CPUX86State *env, const Insn *insn)
{
    cpu_raise_exception(env, EXCP_UD);
}

void op_UD(CPUX86State *env, const Insn *insn)
{
    cpu_raise_exception(env, EXCP_UD);
}

/* x87 (D8-DF, 9B): #NM when CR0.EM or CR0.TS is set (SDM Vol.3 2.5 /
 * Table 2-2); WAIT/FWAIT only checks TS with MP and is otherwise a no-op.
 * Without an FPU model the rest is #UD for now. */
/* x87 (D8-DF) and FWAIT (9B): target/i386/fpu.c, which does the
 * CR0.EM/TS/MP checks (#NM) and pending-exception (#MF) rules itself. */
void op_FPU(CPUX86State *env, const Insn *insn)
{
    fpu_execute(env, insn);
}

/* SSE/SSE2/SSE3/SSSE3/MMX: target/i386/sse.c (CR0.EM/TS, CR4.OSFXSR
 * checks included). */
void op_SSE(CPUX86State *env, const Insn *insn)
{
    sse_execute(env, insn);
}

/*
 * target/i386/sse_host.c - run one SSE floating-point instruction on the
 * host's SSE unit under the guest's MXCSR.
 *
 * Design: emu86 runs on x86-64 hosts, whose SSE/SSE2/SSE3 unit is the
 * reference the guest expects (SDM Vol.1 ch.10-12).  Rather than
 * re-implementing IEEE rounding, DAZ/FTZ, NaN selection, the RCP/RSQRT
 * approximation tables and the exception flags, the operands go into host
 * xmm0/xmm1 (and rax for the integer side of CVTSI2Sx / CVTSx2SI), the
 * guest MXCSR is loaded with all exceptions masked and its flags cleared,
 * the very same instruction runs, and the result, the new flags and RFLAGS
 * (for COMISx/UCOMISx) come back.  The host's MXCSR is saved and restored
 * around the run, so host code never sees the guest's rounding mode.
 *
 * The stubs (sse_stubs.def) are pre-assembled: 16 bytes each, ENDBR64,
 * the instruction, RET.  Unmasked exceptions (SDM Vol.1 11.5.2): the
 * masked run tells which exceptions occur; if any is unmasked in the guest
 * MXCSR the destination is left alone, the flags are set as the SDM
 * describes (pre-computation exceptions IE/DE/ZE alone when one of those is
 * unmasked, otherwise all detected flags) and #XM is raised, or #UD when
 * CR4.OSXMMEXCPT=0 (SDM Vol.1 11.5.3).
 */
#include "target/i386/sse.h"

#define SSE_STUB(name, bytes) \
    ".balign 16\n.byte 0xf3,0x0f,0x1e,0xfa," bytes ",0xc3\n"

__asm__(
    ".pushsection .text\n"
    ".balign 16\n"
    ".globl emu86_sse_host_run\n"
    ".hidden emu86_sse_host_run\n"
    ".type emu86_sse_host_run, @function\n"
    /* void emu86_sse_host_run(SseHostBuf *b rdi, const void *stub rsi) */
    "emu86_sse_host_run:\n"
    "    .byte 0xf3, 0x0f, 0x1e, 0xfa\n"       /* endbr64 */
    "    push %rbx\n"
    "    sub $16, %rsp\n"
    "    stmxcsr (%rsp)\n"
    "    mov %rdi, %rbx\n"
    "    movups 0(%rbx), %xmm0\n"
    "    movups 16(%rbx), %xmm1\n"
    "    mov 48(%rbx), %rax\n"
    "    ldmxcsr 32(%rbx)\n"
    "    call *%rsi\n"
    "    stmxcsr 36(%rbx)\n"
    "    pushfq\n"
    "    pop %rcx\n"
    "    mov %rcx, 40(%rbx)\n"
    "    ldmxcsr (%rsp)\n"
    "    movups %xmm0, 0(%rbx)\n"
    "    mov %rax, 48(%rbx)\n"
    "    add $16, %rsp\n"
    "    pop %rbx\n"
    "    ret\n"
    ".size emu86_sse_host_run, . - emu86_sse_host_run\n"
    ".balign 16\n"
    ".globl emu86_sse_stubs\n"
    ".hidden emu86_sse_stubs\n"
    "emu86_sse_stubs:\n"
#include "target/i386/sse_stubs.def"
    ".popsection\n");

#undef SSE_STUB

void emu86_sse_host_run(SseHostBuf *b, const void *stub);
extern const uint8_t emu86_sse_stubs[];

void sse_host_run(SseHostBuf *b, unsigned stub)
{
    emu86_sse_host_run(b, emu86_sse_stubs + stub * 16);
}

void sse_fp_run(CPUX86State *env, SseHostBuf *b, unsigned stub)
{
    uint32_t *mx = sse_mxcsr(env);
    XMMReg old = b->x0;
    uint64_t old_rax = b->rax;

    b->mxcsr_in = (*mx & ~MXCSR_FLAGS) | MXCSR_MASKS;
    sse_host_run(b, stub);
    uint32_t f = b->mxcsr_out & MXCSR_FLAGS;
    uint32_t unmasked = f & ~(*mx >> MXCSR_MASK_SHIFT) & MXCSR_FLAGS;
    if (unmasked) {
        const uint32_t pre = MXCSR_IE | MXCSR_DE | MXCSR_ZE;
        *mx |= (unmasked & pre) ? (f & pre) : f;
        b->x0 = old;
        b->rax = old_rax;
        cpu_raise_exception(env, (env->cr[4] & CR4_OSXMMEXCPT) ? EXCP_XM : EXCP_UD);
    }
    *mx |= f;
}

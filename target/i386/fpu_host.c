/*
 * target/i386/fpu_host.c - run one x87 instruction on the host's x87.
 *
 * Design: emu86 runs on x86-64 hosts, whose x87 is the reference the
 * guest expects (SDM Vol.1 ch.8).  Instead of re-implementing 80-bit
 * arithmetic, rounding, the transcendental approximations and the masked /
 * unmasked exception responses, the guest's whole x87 state is loaded into
 * the host FPU (FRSTOR of a 32-bit protected-mode image), the same
 * instruction executes on the host, and FNSAVE stores the state back.
 *
 * The instructions are pre-assembled stubs: one per register form (D8-DF
 * C0-FF: 512 stubs) and one per memory form with the memory operand
 * rewritten to [rsi] (mod=00 rm=110: 64 stubs).  Each stub is 8 bytes:
 * ENDBR64 (a NOP without CET), the two opcode bytes, RET, padding.  The
 * caller (fpu.c) never selects an encoding the SDM leaves undefined, so no
 * stub can raise #UD on the host.
 *
 * Host hygiene: the SysV ABI wants the x87 stack empty and the control
 * word preserved across calls.  FNSAVE re-initialises the FPU (empty stack,
 * no pending exception) and the host's control word is put back with FLDCW
 * afterwards.  Before FRSTOR the caller clears the exception flags in the
 * image (fpu.c ORs them back), so no pending unmasked guest exception can
 * fire #MF (SIGFPE) inside the host: only FNSAVE, a non-waiting
 * instruction, follows the guest instruction.  The host RFLAGS arithmetic
 * bits are set from *rflags around the stub (FCMOVcc reads them, FCOMI
 * writes them); TF/DF/AC are left as the host has them.
 */
#include <stdint.h>

#include "target/i386/fpu.h"

__asm__(
    ".pushsection .text\n"
    ".balign 16\n"
    ".globl emu86_fpu_host_run\n"
    ".hidden emu86_fpu_host_run\n"
    ".type emu86_fpu_host_run, @function\n"
    /* void emu86_fpu_host_run(img rdi, mem rsi, stub rdx, rflags rcx) */
    "emu86_fpu_host_run:\n"
    "    .byte 0xf3, 0x0f, 0x1e, 0xfa\n"       /* endbr64 */
    "    push %rbx\n"
    "    sub $16, %rsp\n"
    "    fnstcw (%rsp)\n"
    "    mov %rcx, %rbx\n"
    "    frstor (%rdi)\n"
    "    pushfq\n"
    "    pop %rax\n"
    "    and $~0x8d5, %rax\n"                  /* CF PF AF ZF SF OF */
    "    mov (%rbx), %r8\n"
    "    and $0x8d5, %r8\n"
    "    or %r8, %rax\n"
    "    push %rax\n"
    "    popfq\n"
    "    call *%rdx\n"
    "    pushfq\n"
    "    pop %rax\n"
    "    mov %rax, (%rbx)\n"
    "    fnsave (%rdi)\n"
    "    fldcw (%rsp)\n"
    "    add $16, %rsp\n"
    "    pop %rbx\n"
    "    ret\n"
    ".size emu86_fpu_host_run, . - emu86_fpu_host_run\n"

    ".balign 16\n"
    ".globl emu86_fpu_stub_reg\n"
    ".hidden emu86_fpu_stub_reg\n"
    "emu86_fpu_stub_reg:\n"
    ".irp op, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf\n"
    "  .set emu86_fpu_m, 0xc0\n"
    "  .rept 64\n"
    "    .byte 0xf3, 0x0f, 0x1e, 0xfa, \\op, emu86_fpu_m, 0xc3, 0x90\n"
    "    .set emu86_fpu_m, emu86_fpu_m + 1\n"
    "  .endr\n"
    ".endr\n"

    ".globl emu86_fpu_stub_mem\n"
    ".hidden emu86_fpu_stub_mem\n"
    "emu86_fpu_stub_mem:\n"
    ".irp op, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf\n"
    "  .set emu86_fpu_m, 0x06\n"
    "  .rept 8\n"
    "    .byte 0xf3, 0x0f, 0x1e, 0xfa, \\op, emu86_fpu_m, 0xc3, 0x90\n"
    "    .set emu86_fpu_m, emu86_fpu_m + 8\n"
    "  .endr\n"
    ".endr\n"
    ".popsection\n");

void emu86_fpu_host_run(uint8_t *img, void *mem, const void *stub, uint64_t *rflags);
extern const uint8_t emu86_fpu_stub_reg[];
extern const uint8_t emu86_fpu_stub_mem[];

void fpu_host_exec(uint8_t img[108], void *mem, uint8_t op, uint8_t modrm, uint64_t *rflags)
{
    const uint8_t *stub;

    if (modrm >= 0xc0) {
        stub = emu86_fpu_stub_reg + (((op & 7u) << 6) | (modrm & 0x3fu)) * 8;
    } else {
        stub = emu86_fpu_stub_mem + (((op & 7u) << 3) | ((modrm >> 3) & 7u)) * 8;
    }
    emu86_fpu_host_run(img, mem, stub, rflags);
}

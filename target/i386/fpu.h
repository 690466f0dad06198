/*
 * target/i386/fpu.h - the x87 FPU (D8-DF, 9B WAIT) and the x87 part of
 * FXSAVE/FXRSTOR.
 *
 * Design: the state lives in CPUX86State.x87 (cpu.h).  Arithmetic is done
 * by the host's own x87 (emu86 runs on x86-64 hosts only): the guest state
 * is loaded into the host FPU with FRSTOR, the very same instruction runs on
 * the host, and FNSAVE brings the result back, so results, C0-C3, the
 * exception flags, masked and unmasked responses, stack faults and the
 * handling of unsupported formats are those of a real x87 by construction.
 * Control instructions (FNINIT, FLDCW, FNSTENV, FRSTOR...) and everything
 * that depends on the guest's mode (environment layouts, pointers, #NM, #MF)
 * are done here in C.  See docs/x87.md.
 */
#ifndef TARGET_I386_FPU_H
#define TARGET_I386_FPU_H

#include <stdbool.h>
#include <stdint.h>

#include "target/i386/cpu.h"
#include "target/i386/insn.h"

/* Execute one decoded x87 instruction (OP_FPU: D8-DF, and 9B WAIT/FWAIT),
 * including the #NM (CR0.EM/TS/MP) and #MF (pending unmasked exception,
 * CR0.NE=1) checks.  Contract as for any handler in ops.h: env->rip at the
 * instruction, faults longjmp out with the FPU state unchanged. */
void fpu_execute(CPUX86State *env, const Insn *insn);

/* Power-on/RESET state (SDM Vol.3 Table 9-1): FCW 0040H, FSW 0, tag
 * word 5555H (R0-R7 = +0.0), pointers 0, MXCSR 1F80H, XMM 0.  Not for
 * INIT, which leaves the x87 and SSE state unchanged (SDM Vol.3 9.1). */
void fpu_reset(CPUX86State *env);
/* FNINIT (SDM Vol.2 FINIT): FCW 037FH, FSW 0, all tags empty, pointers
 * and FOP 0; registers keep their contents.  full: also zero the
 * registers and XMM and set MXCSR to 1F80H. */
void fpu_init_state(CPUX86State *env, bool full);

/* FXSAVE / FXRSTOR of the 512-byte area at linear address la (SDM Vol.2
 * FXSAVE, Tables 3-53..3-56).  The caller has done the #UD/#NM checks of
 * 0F AE /0 /1 (CR0.EM -> #UD, CR0.TS -> #NM) and the segment checks of
 * the 512-byte operand; these helpers check the 16-byte alignment (#GP(0)),
 * probe every page before writing anything (a #PF leaves memory and state
 * untouched) and, for FXRSTOR, reserved MXCSR bits (#GP(0)).
 * rex_w selects the 64-bit FIP/FDP layout (FXSAVE64, REX.W in 64-bit mode);
 * otherwise the 32-bit layout with FCS/FDS. */
void fpu_fxsave(CPUX86State *env, uint64_t la);
void fpu_fxrstor(CPUX86State *env, uint64_t la);
void fpu_fxsave_ex(CPUX86State *env, uint64_t la, bool rex_w);
void fpu_fxrstor_ex(CPUX86State *env, uint64_t la, bool rex_w);

/* The x87 part (bytes 0-23 and 32-159) of an FXSAVE/XSAVE legacy image
 * in a host buffer, for XSAVE/XRSTOR (target/i386/xsave.c).  get applies
 * FXRSTOR's rules (FCW reserved bits, FSW.ES from the masks). */
void fpu_fx_put_x87(const CPUX86State *env, uint8_t *buf, bool rex_w);
void fpu_fx_get_x87(CPUX86State *env, const uint8_t *buf, bool rex_w);

/* FERR# (CR0.NE=0): called when a waiting x87 instruction finds an
 * unmasked exception pending; the instruction then proceeds as if IGNNE#
 * were asserted.  NULL by default; the PC board may set it to raise IRQ13
 * (cleared again by an OUT to port F0h). */
extern void (*fpu_ferr_handler)(CPUX86State *env);

/* MXCSR bits FXRSTOR/LDMXCSR accept (bits 0-15; DAZ included). */
#define FPU_MXCSR_MASK 0x0000ffffu

/* ---- helpers shared with the tests and the monitor ---- */
/* Full 2-bit tag word as FSTENV/FSAVE store it (SDM Vol.1 8.1.7):
 * 00 valid, 01 zero, 10 special, 11 empty, tag i = physical Ri. */
uint16_t fpu_full_tag_word(const X87State *s);
/* FSW with TOP folded in (it always is in X87State.fsw). */
static inline unsigned fpu_top(const X87State *s) { return (s->fsw >> 11) & 7; }

/* The host run: load the 108-byte 32-bit protected-mode FSAVE image img
 * into the host x87, execute the x87 instruction opcode byte op (D8-DF) and
 * ModRM modrm on the host (memory forms address the buffer mem), store the
 * state back into img.  *rflags supplies the arithmetic flags FCMOVcc reads
 * and receives those FCOMI & co. write.  Exposed for the tests. */
void fpu_host_exec(uint8_t img[108], void *mem, uint8_t op, uint8_t modrm, uint64_t *rflags);

#endif

/*
 * target/i386/xsave.h - XCR0 and the XSAVE feature set (SDM Vol.1 ch.13).
 *
 * Design: the state components emu86 implements are x87 (0), SSE (1) and
 * AVX (2); their registers live in CPUX86State.x87 (cpu.h), XCR0 in
 * CPUX86State.xcr0.  XINUSE (SDM Vol.1 13.6) is not tracked: it is
 * computed from the register values, so a component is "in use" exactly
 * when it is not in its initial configuration.  That is what the AMD
 * host does for every case we could observe (a zero idiom or an XRSTOR of
 * zero values leaves a component init), and the SDM allows it (XINUSE[i]=0
 * must imply the initial configuration; the converse is optional).  No
 * bookkeeping is therefore needed on any instruction, and KVM's XSAVE
 * image carries everything (accel/kvm/kvm-regs.c).
 */
#ifndef TARGET_I386_XSAVE_H
#define TARGET_I386_XSAVE_H

#include <stdbool.h>
#include <stdint.h>

#include "target/i386/cpu.h"
#include "target/i386/insn.h"

#define XSTATE_X87 0x1ull
#define XSTATE_SSE 0x2ull
#define XSTATE_YMM 0x4ull

#define XSAVE_HDR_OFF 512       /* XSAVE header (SDM Vol.1 13.4.2) */
#define XSAVE_YMM_OFF 576       /* AVX state, standard format (CPUID.(0DH,2):EBX) */
#define XSAVE_YMM_SIZE 256

/* The XCR0 bits this CPU's model supports (CPUID.(0DH,0):EAX): 0 without
 * XSAVE, x87|SSE with it, |AVX when AVX is offered. */
uint64_t xsave_supported_xcr0(const CPUX86State *env);
/* Bytes of a standard-format area holding the components in mask
 * (CPUID.(0DH,0):EBX/ECX), and of a compacted one (CPUID.(0DH,1):EBX). */
unsigned xsave_area_size(uint64_t mask);
unsigned xsave_compacted_size(uint64_t mask);
/* XINUSE: the components not in their initial configuration.  with_mxcsr:
 * SSE also counts as in use when MXCSR != 1F80H (what XGETBV(ECX=1) and
 * XSAVEC report: the compacted XRSTOR only loads MXCSR with XSTATE_BV[1]). */
uint64_t xsave_xinuse(const CPUX86State *env, bool with_mxcsr);
/* May VEX-encoded instructions run: CR4.OSXSAVE=1 and XCR0 enables SSE
 * and AVX (SDM Vol.1 14.3, Vol.2 2.3.2)? */
static inline bool xsave_avx_enabled(const CPUX86State *env)
{
    return (env->cr[4] & CR4_OSXSAVE) &&
           (env->xcr0 & (XSTATE_SSE | XSTATE_YMM)) == (XSTATE_SSE | XSTATE_YMM);
}

/* The instructions (OP_SSE placeholders routed by sse.c):
 * 0F AE /4 XSAVE, /5 XRSTOR, /6 XSAVEOPT (memory forms);
 * 0F C7 /3 XRSTORS, /4 XSAVEC, /5 XSAVES (memory forms);
 * 0F 01 D0 XGETBV, D1 XSETBV.  All checks included. */
void xsave_grp15(CPUX86State *env, const Insn *insn, unsigned sub);
void xsave_grp9(CPUX86State *env, const Insn *insn, unsigned sub);
void xsave_xcr(CPUX86State *env, const Insn *insn);

/* The standard-format XSAVE image of components 0-2 (832 bytes, 64-bit
 * x87 pointer layout), as KVM_GET_XSAVE / KVM_SET_XSAVE exchange it
 * (Documentation/virt/kvm/api.rst, struct kvm_xsave).  from_image puts
 * a component whose XSTATE_BV bit is clear in its initial configuration. */
void xsave_to_image(const CPUX86State *env, uint8_t *img);
void xsave_from_image(CPUX86State *env, const uint8_t *img);

/* XCR0, MXCSR and XMM/YMM for the monitor's `info registers`. */
#include <stdio.h>
void cpu_dump_vregs(CPUX86State *env, FILE *f);

#endif

/*
 * target/i386/sse.h - SSE/SSE2/SSE3 and MMX for the interpreter.
 *
 * Design: the decoder yields OP_SSE with Insn.opcode (0x0fxx), modrm,
 * prefix, rex, ops[0] = the ModRM r/m (OPK_MEM or OPK_REG raw number) and
 * ops[1] = imm8 when present (decode_tables.c).  sse_execute() picks the
 * operation from one table indexed by (opcode byte, mandatory prefix:
 * none/66/F3/F2) in sse.c; each entry names a handler, the memory operand
 * size and flags (MMX registers, alignment, register/memory only).
 *
 * Floating point runs on the host's own SSE unit under the guest's MXCSR
 * (sse_host.c: pre-assembled stubs "op xmm0, xmm1"), so rounding, DAZ/FTZ,
 * NaN propagation, RCP/RSQRT approximations and exception flags are the
 * host's, bit for bit.  Integer SIMD is plain C (sse_int.c).
 *
 * State: XMM0-15 and MXCSR live in env->x87.xmm / env->x87.mxcsr, the
 * FXSAVE image fields the x87 helper put in X87State (cpu.h), so
 * fpu_fxsave/fpu_fxrstor see them without any copying.  All access goes
 * through xmm_get/xmm_set below: moving the registers into CPUX86State
 * proper (with YMM room) is a change of these two helpers.  MMX register i
 * is the mantissa of physical x87 register Ri (SDM Vol.1 9.5).
 */
#ifndef TARGET_I386_SSE_H
#define TARGET_I386_SSE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "target/i386/cpu.h"
#include "target/i386/insn.h"

/* One 128-bit register as every element type. */
typedef union XMMReg {
    uint8_t b[16];
    int8_t sb[16];
    uint16_t w[8];
    int16_t sw[8];
    uint32_t l[4];
    int32_t sl[4];
    uint64_t q[2];
    int64_t sq[2];
    float s[4];
    double d[2];
} XMMReg;

/* MXCSR (SDM Vol.1 10.2.3) */
#define MXCSR_IE  0x0001u
#define MXCSR_DE  0x0002u
#define MXCSR_ZE  0x0004u
#define MXCSR_OE  0x0008u
#define MXCSR_UE  0x0010u
#define MXCSR_PE  0x0020u
#define MXCSR_FLAGS 0x003fu
#define MXCSR_DAZ 0x0040u
#define MXCSR_MASKS 0x1f80u
#define MXCSR_MASK_SHIFT 7
#define MXCSR_RESET 0x1f80u
#define MXCSR_VALID 0x0000ffffu   /* MXCSR_MASK reported by FXSAVE */

static inline void xmm_get(const CPUX86State *env, unsigned i, XMMReg *r)
{
    memcpy(r, env->x87.xmm[i & 15], 16);
}

static inline void xmm_set(CPUX86State *env, unsigned i, const XMMReg *r)
{
    memcpy(env->x87.xmm[i & 15], r, 16);
}

/* One 256-bit register: x[0] = bits 127:0 (the XMM register), x[1] =
 * bits 255:128. */
typedef union YMMReg {
    uint8_t b[32];
    uint16_t w[16];
    uint32_t l[8];
    int32_t sl[8];
    uint64_t q[4];
    int64_t sq[4];
    float s[8];
    double d[4];
    XMMReg x[2];
} YMMReg;

static inline void ymm_get(const CPUX86State *env, unsigned i, YMMReg *r)
{
    memcpy(&r->x[0], env->x87.xmm[i & 15], 16);
    memcpy(&r->x[1], env->x87.ymmh[i & 15], 16);
}

static inline void ymm_set(CPUX86State *env, unsigned i, const YMMReg *r)
{
    memcpy(env->x87.xmm[i & 15], &r->x[0], 16);
    memcpy(env->x87.ymmh[i & 15], &r->x[1], 16);
}

/* Bits 255:128 alone (VEX.128 forms zero them: SDM Vol.1 14.1.2). */
static inline void ymmh_get(const CPUX86State *env, unsigned i, XMMReg *r)
{
    memcpy(r, env->x87.ymmh[i & 15], 16);
}

static inline void ymmh_set(CPUX86State *env, unsigned i, const XMMReg *r)
{
    memcpy(env->x87.ymmh[i & 15], r, 16);
}

static inline uint32_t *sse_mxcsr(CPUX86State *env)
{
    return &env->x87.mxcsr;
}

static inline uint64_t mmx_get(const CPUX86State *env, unsigned i)
{
    return env->x87.regs[i & 7].mant;
}

/* Writing an MMX register sets the exponent/sign field to all ones
 * (SDM Vol.1 9.5.1). */
static inline void mmx_set(CPUX86State *env, unsigned i, uint64_t v)
{
    env->x87.regs[i & 7].mant = v;
    env->x87.regs[i & 7].sexp = 0xffff;
}

/* x87 -> MMX transition (SDM Vol.1 9.6.1): TOP = 0, all tags valid.  As
 * observed on hardware: a fault on an explicit memory operand (#GP, #PF,
 * load or store) leaves it undone; a fault on MASKMOVQ's implicit DS:rDI
 * store or an #XM of the MMX conversions leaves it done. */
static inline void mmx_transition(CPUX86State *env)
{
    env->x87.fsw &= ~0x3800u;
    env->x87.ftw = 0xff;
}

/* Decoded operand context handed to the handlers.  The same handlers
 * serve the legacy encodings and the VEX ones (target/i386/avx.c): the
 * first source of an operation is register v1 (= reg for legacy SSE, VEX.vvvv
 * for VEX), and the 128-bit lane a call works on is `lane` (VEX.256
 * instructions that stay within lanes are executed as two calls, lane 0
 * then lane 1, the memory operand at +16 for lane 1: avx.c checks the
 * whole operand before the first call, so the second cannot fault).
 * Results go through sse_dst_set/sse_rm_set, which for VEX.128 zero bits
 * 255:128 of the destination (SDM Vol.1 14.1.2). */
typedef struct SseCtx {
    CPUX86State *env;
    const Insn *insn;
    unsigned reg;      /* ModRM.reg (+REX.R for XMM) */
    unsigned rm;       /* ModRM.rm (+REX.B for XMM), register forms */
    unsigned v1;       /* first source: reg, or VEX.vvvv */
    bool mem;          /* r/m is memory */
    bool mmx;          /* MMX form: reg/rm name mm0-mm7 */
    bool vex;          /* VEX-encoded */
    unsigned vl;       /* VEX.L (0: 128 bits, 1: 256 bits); 0 for legacy */
    unsigned lane;     /* 128-bit lane this call computes (0 or 1) */
    unsigned moff;     /* byte offset of the lane in the memory operand */
    unsigned pfx;      /* 0 none, 1 66, 2 F3, 3 F2 */
    unsigned msize;    /* memory operand size of the r/m source (per lane) */
    unsigned arg;      /* table argument (operation / stub number) */
    unsigned flags;    /* table flags */
    uint8_t imm;       /* imm8 if any */
} SseCtx;

/* Lane-aware register access for the handlers (see SseCtx). */
static inline void sse_lane_get(const SseCtx *c, unsigned r, unsigned lane, XMMReg *x)
{
    if (lane) {
        ymmh_get(c->env, r, x);
    } else {
        xmm_get(c->env, r, x);
    }
}

static inline void sse_lane_set(SseCtx *c, unsigned r, unsigned lane, const XMMReg *x)
{
    if (lane) {
        ymmh_set(c->env, r, x);
        return;
    }
    xmm_set(c->env, r, x);
    if (c->vex && !c->vl) {
        static const XMMReg zero;
        ymmh_set(c->env, r, &zero);
    }
}

typedef void (*SseFn)(SseCtx *c);

/* The CPUID feature an entry needs (SDM Vol.2 "CPUID Feature Flag"
 * column of each instruction): #UD when the CPU model lacks it, as on
 * hardware (and QEMU) - checked before any other fault. */
typedef enum SseFeat {
    FT_NONE, FT_MMX, FT_SSE, FT_SSE2, FT_SSE3, FT_SSSE3, FT_SSE41, FT_SSE42,
    FT_POPCNT, FT_MOVBE, FT_FXSR,
    FT_MMXSSE,          /* MMX forms SSE added (PSHUFW, PAVGB...): SSE or AMD MMXEXT */
    FT_AVX, FT_AVX2, FT_FMA, FT_F16C, FT_BMI1, FT_BMI2,
    FT_AES, FT_PCLMUL, FT_SHA,
    FT_AVX_AES, FT_AVX_PCLMUL,  /* VEX forms: AVX and AES / PCLMULQDQ */
    FT_VAES, FT_VPCLMUL,        /* their VEX.256 forms: AVX and VAES / VPCLMULQDQ */
    FT_SSE4A,                   /* AMD SSE4a: EXTRQ, INSERTQ, MOVNTSS/SD */
    FT_NB
} SseFeat;

/* Does this CPU's model offer feature ft? */
bool sse_feat_ok(const CPUX86State *env, unsigned ft);

/* One table entry: handler, SF_* flags (VF_* too for the VEX tables),
 * memory size of the r/m source (0: 16 for XMM, 8 for MMX; VEX: per
 * 128-bit lane), argument (IOP_*, stub number...), SseFeat. */
typedef struct SseEntry {
    SseFn fn;
    uint32_t flags;
    uint8_t msize;
    uint16_t arg;
    uint8_t feat;
} SseEntry;

/* Table flags */
#define SF_MMX     0x01  /* registers are mm0-7 (pure MMX register form) */
#define SF_MMXT    0x02  /* touches an MMX register: x87->MMX transition */
#define SF_UNAL    0x04  /* 16-byte memory operand need not be aligned */
#define SF_REGONLY 0x08
#define SF_MEMONLY 0x10
#define SF_NOFXSR  0x20  /* not subject to CR4.OSFXSR (MMX, FXSAVE) */
#define SF_GPR     0x40  /* general-register instruction (MOVNTI): no SSE checks */
#define SF_MMXST   0x80  /* MASKMOVQ: the x87->MMX transition precedes a store fault */
/* VEX tables only (target/i386/avx.c checks them, SDM Vol.2 2.3.6-2.5) */
#define VF_NOV     0x00100  /* VEX.vvvv must be 1111b (vex_vvvv() == 0), else #UD */
#define VF_L0      0x00200  /* VEX.L must be 0, else #UD */
#define VF_L1      0x00400  /* VEX.L must be 1, else #UD */
#define VF_ALIGN   0x00800  /* memory aligned to the vector size (VMOVAPS...), else #GP */
#define VF_WIDE    0x01000  /* the handler does the 256-bit case itself (one call) */
#define VF_I256    0x02000  /* VEX.256 needs AVX2 (integer forms) */
#define VF_STORE   0x04000  /* the memory operand is written */
#define VF_LIG     0x08000  /* VEX.L ignored: a 128-bit (scalar) operation */
#define VF_W0      0x10000  /* VEX.W must be 0, else #UD */
#define VF_W1      0x20000  /* VEX.W must be 1, else #UD */
#define VF_NOVMEM  0x40000  /* VEX.vvvv must be 1111b for the memory form */
#define VF_FIXM    0x80000  /* msize is the whole memory operand (not per lane) */
#define VF_WGPR   0x100000  /* VEX.W selects a 64-bit GPR: ignored outside 64-bit mode */
#define VF_VSIB   0x200000  /* gathers: #UD when destination, index and mask overlap */

/* Execute one OP_SSE instruction (all checks included). */
void sse_execute(CPUX86State *env, const Insn *insn);

/* ---- sse.c helpers for the handler files ---- */
/* Linear address of the memory operand (segment checks) for size bytes;
 * align16: #GP(0) unless 16-byte aligned. */
uint64_t sse_la(SseCtx *c, unsigned size, int access, bool align16);
void sse_load(SseCtx *c, XMMReg *r, unsigned size);       /* r zeroed above size */
void sse_store(SseCtx *c, const XMMReg *r, unsigned size);
/* The r/m source: memory (c->msize bytes, zero above), mm or xmm register. */
void sse_src(SseCtx *c, XMMReg *r);
/* The ModRM.reg operand as destination: read / write (mm: low 8 bytes). */
void sse_dst_get(SseCtx *c, XMMReg *r);      /* the first source (v1) */
void sse_dst_set(SseCtx *c, const XMMReg *r);
/* ModRM.reg as a source (stores, extracts), r/m register read and write */
void sse_reg_get(SseCtx *c, XMMReg *r);
void sse_rm_get(SseCtx *c, XMMReg *r);
void sse_rm_set(SseCtx *c, const XMMReg *r);
/* r/m as a general register (+REX.B) or memory of size bytes */
uint64_t sse_get_ey(SseCtx *c, unsigned size);
void sse_set_ey(SseCtx *c, unsigned size, uint64_t v);
/* ModRM.reg as a general register number (+REX.R) */
unsigned sse_gpr_reg(const SseCtx *c);

/* ---- the VEX tables (same layout; avx.c dispatches) ---- */
extern const SseEntry sse_vex_map1[256][4];     /* sse.c */
extern const SseEntry sse4_vex_map38[256][4];   /* sse4.c */
extern const SseEntry sse4_vex_map3a[256][4];
/* avx.c: VEX execution and the AVX-only handlers the tables use */
void avx_execute(CPUX86State *env, const Insn *insn);
void avx_h_vzero(SseCtx *c);
void avx_h_movmsk(SseCtx *c);
void avx_h_pmovmskb(SseCtx *c);
void avx_h_mxcsr(SseCtx *c);
void avx_h_shift(SseCtx *c);
void avx_h_cvt(SseCtx *c);
void avx_h_permil(SseCtx *c);
void avx_h_permil_imm(SseCtx *c);
void avx_h_test(SseCtx *c);
void avx_h_broadcast(SseCtx *c);
void avx_h_pmovx(SseCtx *c);
void avx_h_maskmov(SseCtx *c);
void avx_h_perm2(SseCtx *c);
void avx_h_insert128(SseCtx *c);
void avx_h_extract128(SseCtx *c);
void avx_h_blendv(SseCtx *c);
void avx_h_cvtph2ps(SseCtx *c);
void avx_h_cvtps2ph(SseCtx *c);
/* avx2.c: the AVX2-only operations */
void avx2_h_permd(SseCtx *c);
void avx2_h_permq(SseCtx *c);
void avx2_h_varshift(SseCtx *c);
void avx2_h_blendd(SseCtx *c);
void avx2_h_pmaskmov(SseCtx *c);
void avx2_h_gather(SseCtx *c);
/* fma.c: FMA3 (0F38 96-9F, A6-AF, B6-BF) */
void fma_h(SseCtx *c);
unsigned fma_stub(unsigned opb, bool w);
/* bmi.c: BMI1/BMI2 general-register instructions */
void bmi_h_andn(SseCtx *c);
void bmi_h_bextr(SseCtx *c);
void bmi_h_grp17(SseCtx *c);
void bmi_h_bzhi(SseCtx *c);
void bmi_h_pdep_pext(SseCtx *c);
void bmi_h_mulx(SseCtx *c);
void bmi_h_rorx(SseCtx *c);
void bmi_h_shx(SseCtx *c);
/* avx.c memory helpers: the whole operand of size bytes */
void avx_load(SseCtx *c, void *buf, unsigned size);
void avx_store(SseCtx *c, const void *buf, unsigned size);

/* ---- sse4.c: SSE4.1, SSE4.2, POPCNT, MOVBE, CRC32 ---- */
extern const SseEntry sse4_map38[256][4];
extern const SseEntry sse4_map3a[256][4];
void sse_h_popcnt(SseCtx *c);

/* ---- aes.c: AES-NI, PCLMULQDQ; sha.c: SHA extensions ---- */
void sse_h_aes_round(SseCtx *c);  /* arg: 0 ENC, 1 ENCLAST, 2 DEC, 3 DECLAST */
void sse_h_aesimc(SseCtx *c);
void sse_h_aeskeygen(SseCtx *c);
void sse_h_pclmul(SseCtx *c);
void sse_h_sha1rnds4(SseCtx *c);
void sse_h_sha1nexte(SseCtx *c);
void sse_h_sha1msg1(SseCtx *c);
void sse_h_sha1msg2(SseCtx *c);
void sse_h_sha256rnds2(SseCtx *c);
void sse_h_sha256msg1(SseCtx *c);
void sse_h_sha256msg2(SseCtx *c);

/* ---- sse_int.c: integer SIMD ---- */
enum {
    IOP_PADDB, IOP_PADDW, IOP_PADDD, IOP_PADDQ,
    IOP_PSUBB, IOP_PSUBW, IOP_PSUBD, IOP_PSUBQ,
    IOP_PADDSB, IOP_PADDSW, IOP_PADDUSB, IOP_PADDUSW,
    IOP_PSUBSB, IOP_PSUBSW, IOP_PSUBUSB, IOP_PSUBUSW,
    IOP_PCMPEQB, IOP_PCMPEQW, IOP_PCMPEQD,
    IOP_PCMPGTB, IOP_PCMPGTW, IOP_PCMPGTD,
    IOP_PMULLW, IOP_PMULHW, IOP_PMULHUW, IOP_PMULUDQ, IOP_PMADDWD,
    IOP_PMINUB, IOP_PMAXUB, IOP_PMINSW, IOP_PMAXSW,
    IOP_PAVGB, IOP_PAVGW, IOP_PSADBW,
    IOP_PAND, IOP_PANDN, IOP_POR, IOP_PXOR,
    IOP_PUNPCKLBW, IOP_PUNPCKLWD, IOP_PUNPCKLDQ, IOP_PUNPCKLQDQ,
    IOP_PUNPCKHBW, IOP_PUNPCKHWD, IOP_PUNPCKHDQ, IOP_PUNPCKHQDQ,
    IOP_PACKSSWB, IOP_PACKSSDW, IOP_PACKUSWB,
    IOP_PSRLW, IOP_PSRLD, IOP_PSRLQ, IOP_PSRAW, IOP_PSRAD,
    IOP_PSLLW, IOP_PSLLD, IOP_PSLLQ,
    /* SSSE3 */
    IOP_PSHUFB, IOP_PHADDW, IOP_PHADDD, IOP_PHADDSW, IOP_PMADDUBSW,
    IOP_PHSUBW, IOP_PHSUBD, IOP_PHSUBSW, IOP_PSIGNB, IOP_PSIGNW, IOP_PSIGND,
    IOP_PMULHRSW, IOP_PABSB, IOP_PABSW, IOP_PABSD,
    IOP_NB
};
/* d = d op s over n bytes (8 for MMX, 16 for XMM). */
void sse_int_op(unsigned op, XMMReg *d, const XMMReg *s, unsigned n);
void sse_h_int(SseCtx *c);        /* Pq,Qq / Vx,Wx binary op, arg = IOP_* */
void sse_h_shift_imm(SseCtx *c);  /* 0F 71-73 groups */
bool sse_shift_imm_defined(unsigned elem_size, bool mmx, unsigned sub);
void sse_h_pshuf(SseCtx *c);      /* 0F 70 */
void sse_h_palignr(SseCtx *c);

/* ---- sse_host.c: run an SSE instruction on the host ---- */
typedef struct SseHostBuf {
    XMMReg x0;          /*  0: xmm0 in/out (destination) */
    XMMReg x1;          /* 16: xmm1 in (source) */
    uint32_t mxcsr_in;  /* 32 */
    uint32_t mxcsr_out; /* 36 */
    uint64_t rflags;    /* 40: out */
    uint64_t rax;       /* 48: in/out (CVTSI2SS source, CVTSS2SI result) */
    uint64_t rdx;       /* 56: in (PCMPESTRx length) */
    uint64_t rcx;       /* 64: out (PCMPxSTRI index) */
    XMMReg x2;          /* 72: xmm2 in (FMA third operand) */
} SseHostBuf;

/* Stub numbers: see SSE_HOST_STUBS in sse_host.c */
enum {
#define SSE_STUB(name, bytes) SSE_STUB_##name,
#include "target/i386/sse_stubs.def"
#undef SSE_STUB
    SSE_STUB_NB,
    /* then 256-entry arrays (one stub per imm8) for SSE4.1/4.2 */
    SSE_STUB_ROUNDPS = SSE_STUB_NB, SSE_STUB_ROUNDPD = SSE_STUB_NB + 256,
    SSE_STUB_ROUNDSS = SSE_STUB_NB + 512, SSE_STUB_ROUNDSD = SSE_STUB_NB + 768,
    SSE_STUB_DPPS = SSE_STUB_NB + 1024, SSE_STUB_DPPD = SSE_STUB_NB + 1280,
    SSE_STUB_PCMPESTRM = SSE_STUB_NB + 1536, SSE_STUB_PCMPESTRI = SSE_STUB_NB + 1792,
    SSE_STUB_PCMPISTRM = SSE_STUB_NB + 2048, SSE_STUB_PCMPISTRI = SSE_STUB_NB + 2304,
    /* VEX: VCMPPS/PD/SS/SD with predicates 0-31, 32 each */
    SSE_STUB_VCMPPS = SSE_STUB_NB + 2560,
    /* FMA3: "vfm... xmm0, xmm1, xmm2" for opcodes 96-9F, A6-AF, B6-BF
     * (30, in that order), VEX.W0 then VEX.W1 (fma_stub() in fma.c) */
    SSE_STUB_FMA = SSE_STUB_VCMPPS + 128,
    SSE_STUB_VEX_NB = SSE_STUB_FMA + 60,
};
void sse_host_run(SseHostBuf *b, unsigned stub);

/* Run a stub under the guest MXCSR with all exceptions masked, merge the
 * flags into the guest MXCSR; on an unmasked exception, raise #XM (or #UD
 * when CR4.OSXMMEXCPT=0) leaving the destination untouched. */
void sse_fp_run(CPUX86State *env, SseHostBuf *b, unsigned stub);
/* The same for n lanes of one instruction (VEX.256: 2), all or nothing. */
void sse_fp_run_lanes(CPUX86State *env, SseHostBuf *b, unsigned n, unsigned stub);

#endif

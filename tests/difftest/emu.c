/*
 * tests/difftest/emu.c - the emu86 side: per-instruction flag bookkeeping
 * (read / defined / undefined) and a long-mode CPL3 CPU stepped one
 * instruction at a time over the same sandbox layout as the host.
 */

#include <asm/prctl.h>
#include <setjmp.h>
#include <sys/syscall.h>

#include "tests/difftest/difftest.h"
#include "target/i386/cpuid.h"

/* ------------------------------------------------------------------ */
/* flag bookkeeping: what an instruction reads, defines and leaves
 * undefined, given the state before it (SDM Vol.2 per instruction,
 * Vol.1 Appendix A) */


static uint32_t cond_flags(int cond)
{
    switch (cond >> 1) {
    case 0: return CC_O;
    case 1: return CC_C;
    case 2: return CC_Z;
    case 3: return CC_C | CC_Z;
    case 4: return CC_S;
    case 5: return CC_P;
    case 6: return CC_S | CC_O;
    default: return CC_Z | CC_S | CC_O;
    }
}

static uint64_t count_reg(const CPUX86State *env, const Insn *in)
{
    uint64_t c = env->regs[R_ECX];
    return in->addrsize == 8 ? c : in->addrsize == 4 ? (uint32_t)c : (uint16_t)c;
}

FlagFx flag_effects(const CPUX86State *env, const Insn *in)
{
    FlagFx fx = { 0, 0, 0, false };
    unsigned size = in->nr_ops && in->ops[0].size ? in->ops[0].size : in->opsize;
    unsigned bits = size * 8;
    const uint32_t ALL = CC_MASK;

    switch (in->op) {
    case OP_ADD: case OP_SUB: case OP_CMP: case OP_NEG:
    case OP_XADD: case OP_CMPXCHG:
        fx.def = ALL;
        break;
    case OP_ADC: case OP_SBB:
        fx.read = CC_C;
        fx.def = ALL;
        break;
    case OP_INC: case OP_DEC:
        fx.def = ALL & ~CC_C;
        break;
    case OP_AND: case OP_OR: case OP_XOR: case OP_TEST:
        fx.def = ALL & ~CC_A;
        fx.undef = CC_A;
        break;
    case OP_MUL: case OP_IMUL1: case OP_IMUL:
        fx.def = CC_C | CC_O;
        fx.undef = CC_S | CC_Z | CC_A | CC_P;
        break;
    case OP_DIV: case OP_IDIV:
        fx.undef = ALL;
        break;
    case OP_SHL: case OP_SHR: case OP_SAR: case OP_ROL: case OP_ROR:
    case OP_RCL: case OP_RCR: {
        uint64_t cnt = in->ops[1].kind == OPK_IMM ? (uint64_t)in->imm : env->regs[R_ECX];
        unsigned c = cnt & (size == 8 ? 63 : 31);
        bool rot = in->op == OP_ROL || in->op == OP_ROR || in->op == OP_RCL || in->op == OP_RCR;
        if (in->op == OP_RCL || in->op == OP_RCR) {
            fx.read = c ? CC_C : 0;
        }
        if (!c) {
            break;
        }
        if (rot) {
            fx.def = CC_C | CC_O;
        } else {
            fx.def = ALL & ~CC_A;
            fx.undef = CC_A;
            if (c >= bits && in->op != OP_SAR) {
                fx.undef |= CC_C;
            }
        }
        if (c != 1) {
            fx.undef |= CC_O;
        }
        break;
    }
    case OP_SHLD: case OP_SHRD: {
        uint64_t cnt = in->ops[2].kind == OPK_IMM ? (uint64_t)in->imm : env->regs[R_ECX];
        unsigned c = cnt & (size == 8 ? 63 : 31);
        if (!c) {
            break;
        }
        if (c > bits) {
            fx.undef = ALL;
            fx.result_undefined = true;
            break;
        }
        fx.def = ALL & ~CC_A;
        fx.undef = CC_A | (c != 1 ? CC_O : 0);
        break;
    }
    case OP_BT: case OP_BTS: case OP_BTR: case OP_BTC:
        fx.def = CC_C;
        fx.undef = CC_O | CC_S | CC_A | CC_P;
        break;
    case OP_BSF: case OP_BSR:
        fx.def = CC_Z;
        fx.undef = CC_C | CC_O | CC_S | CC_A | CC_P;
        break;
    case OP_CMPXCHG8B:
        fx.def = CC_Z;
        break;
    case OP_RDRAND: case OP_RDSEED:
        fx.def = CC_MASK;
        break;
    case OP_LZCNT: case OP_TZCNT:
        fx.def = CC_C | CC_Z;
        fx.undef = CC_O | CC_S | CC_A | CC_P;
        break;
    case OP_ADCX:
        fx.read = fx.def = CC_C;
        break;
    case OP_ADOX:
        fx.read = fx.def = CC_O;
        break;
    case OP_SETCC: case OP_CMOV: case OP_JCC:
        fx.read = cond_flags(in->cond);
        break;
    case OP_LOOPE: case OP_LOOPNE:
        fx.read = CC_Z;
        break;
    case OP_LAHF:
        fx.read = CC_S | CC_Z | CC_A | CC_P | CC_C;
        break;
    case OP_SAHF:
        fx.def = CC_S | CC_Z | CC_A | CC_P | CC_C;
        break;
    case OP_PUSHF:
        fx.read = ALL;
        break;
    case OP_CMC:
        fx.read = CC_C;
        fx.def = CC_C;
        break;
    case OP_CLC: case OP_STC:
        fx.def = CC_C;
        break;
    case OP_POPF:
        fx.def = ALL;
        break;
    case OP_SSE:
        if (in->opcode & DECODE_OPC_VEX) {
            /* BMI1 and BZHI write flags with AF/PF (BEXTR: SF too)
             * undefined; VTESTPx/VPTEST, VCOMISx, VPCMPxSTRx all six */
            unsigned map = (in->opcode >> 8) & 0xffff, b = in->opcode & 0xff;
            unsigned pp = vex_pp(in);
            if (map == 0x0f38 && (b == 0xf2 || b == 0xf3 || (b == 0xf5 && pp == 0))) {
                fx.def = ALL & ~(CC_A | CC_P);
                fx.undef = CC_A | CC_P;
            } else if (map == 0x0f38 && b == 0xf7 && pp == 0) {
                fx.def = CC_Z | CC_C | CC_O;
                fx.undef = CC_A | CC_P | CC_S;
            } else if ((map == 0x0f38 && (b == 0x0e || b == 0x0f || b == 0x17)) ||
                       (map == 0x0f && (b == 0x2e || b == 0x2f)) ||
                       (map == 0x0f3a && b >= 0x60 && b <= 0x63)) {
                fx.def = ALL;
            }
        }
        break;
    case OP_CMPS: case OP_SCAS:
        if (!(in->prefix & (PFX_REP | PFX_REPNE)) || count_reg(env, in)) {
            fx.def = ALL;
        }
        break;
    default:
        break;
    }
    return fx;
}

/* ------------------------------------------------------------------ */
/* emu86 side */

TestCPU *tc;
bool host_amd;     /* vendor differences the SDM does not cover */
uint16_t host_sel[6];

/* emu86's CPU model here: everything the interpreter implements (`max`)
 * that the host CPU also reports, plus BMI1 when the host has it (TZCNT
 * is gated on BMI1, which `max` leaves to the VEX work; VEX is not
 * generated).  An encoding whose meaning depends on CPUID (F3 0F BD is
 * LZCNT or BSR) then means the same thing on both sides. */
static X86CPUModel dt_model;
CpuMode dt_decode_mode = MODE_64;
static uint32_t host_feat[FEAT_NB];
static bool host_fsgsbase;  /* the host kernel enabled CR4.FSGSBASE (probed) */
static bool host_misalignsse; /* AMD misaligned SSE mode: MXCSR.MM writable */
static uint32_t host_mxcsr_mask; /* what the host's FXSAVE stores at +28 */
static uint64_t host_fs_base, host_gs_base;   /* the runner's (fork keeps them) */

static void host_features(uint32_t f[FEAT_NB])
{
    static const struct { uint32_t leaf, sub; int reg; } src[FEAT_NB] = {
        [FEAT_1_EDX] = { 1, 0, 3 }, [FEAT_1_ECX] = { 1, 0, 2 },
        [FEAT_6_EAX] = { 6, 0, 0 },
        [FEAT_7_0_EBX] = { 7, 0, 1 }, [FEAT_7_0_ECX] = { 7, 0, 2 },
        [FEAT_7_0_EDX] = { 7, 0, 3 }, [FEAT_7_1_EAX] = { 7, 1, 0 },
        [FEAT_D_1_EAX] = { 0xd, 1, 0 },
        [FEAT_8000_0001_EDX] = { 0x80000001u, 0, 3 },
        [FEAT_8000_0001_ECX] = { 0x80000001u, 0, 2 },
        [FEAT_8000_0007_EDX] = { 0x80000007u, 0, 3 },
        [FEAT_8000_0008_EBX] = { 0x80000008u, 0, 1 },
    };
    uint32_t max_basic, max_ext, r[4];
    asm volatile("cpuid" : "=a"(max_basic), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(0), "c"(0));
    asm volatile("cpuid" : "=a"(max_ext), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                 : "a"(0x80000000u), "c"(0));
    for (int w = 0; w < FEAT_NB; w++) {
        uint32_t leaf = src[w].leaf;
        f[w] = 0;
        if (leaf == 0 || (leaf < 0x80000000u ? leaf > max_basic : leaf > max_ext)) {
            continue;
        }
        asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(src[w].sub));
        f[w] = r[src[w].reg];
    }
}

/* The CPUID feature an instruction needs (word, bits), or bits = 0. */
static uint32_t insn_feature(const Insn *in, int *word)
{
    *word = 0;
    switch (in->op) {
    case OP_LZCNT: *word = FEAT_8000_0001_ECX; return CPUID_EXT3_ABM;
    case OP_TZCNT: *word = FEAT_7_0_EBX; return CPUID_7_EBX_BMI1;
    case OP_ADCX: case OP_ADOX: *word = FEAT_7_0_EBX; return CPUID_7_EBX_ADX;
    case OP_RDRAND: *word = FEAT_1_ECX; return CPUID_EXT_RDRAND;
    case OP_RDSEED: *word = FEAT_7_0_EBX; return CPUID_7_EBX_RDSEED;
    case OP_INVPCID: *word = FEAT_7_0_EBX; return CPUID_7_EBX_INVPCID;
    case OP_CLWB: *word = FEAT_7_0_EBX; return CPUID_7_EBX_CLWB;
    case OP_CLAC: case OP_STAC: *word = FEAT_7_0_EBX; return CPUID_7_EBX_SMAP;
    case OP_CLFLUSH:
        if (in->prefix & PFX_OPSZ) {
            *word = FEAT_7_0_EBX;
            return CPUID_7_EBX_CLFLUSHOPT;
        }
        *word = FEAT_1_EDX;
        return CPUID_CLFLUSH;
    case OP_SSE:
        if (in->opcode & DECODE_OPC_VEX) {
            return 0;
        }
        switch (in->opcode) {
        case 0x0f38c8: case 0x0f38c9: case 0x0f38ca: case 0x0f38cb: case 0x0f38cc:
        case 0x0f38cd: case 0x0f3acc:
            *word = FEAT_7_0_EBX;
            return CPUID_7_EBX_SHA_NI;
        case 0x0f38db: case 0x0f38dc: case 0x0f38dd: case 0x0f38de: case 0x0f38df:
        case 0x0f3adf:
            *word = FEAT_1_ECX;
            return CPUID_EXT_AES;
        case 0x0f3a44:
            *word = FEAT_1_ECX;
            return CPUID_EXT_PCLMULQDQ;
        case 0x0f78: case 0x0f79:
            *word = FEAT_8000_0001_ECX;
            return CPUID_EXT3_SSE4A;
        case 0x0f2b:
            if (in->prefix & (PFX_REP | PFX_REPNE)) {   /* MOVNTSS / MOVNTSD */
                *word = FEAT_8000_0001_ECX;
                return CPUID_EXT3_SSE4A;
            }
            return 0;
        default:
            return 0;
        }
    default: return 0;
    }
}

/* Instructions emu86 offers that the host's CPUID does not: the host may
 * still run them (this AMD host executes RDSEED with CPUID.RDSEED = 0),
 * so they are skipped and counted rather than compared. */
const char *host_lacks(const Insn *in)
{
    static char why[96];
    int w;
    uint32_t bits = insn_feature(in, &w);
    if (bits && (x86_tcg_features[w] & bits) && !(host_feat[w] & bits)) {
        snprintf(why, sizeof(why), "%s: the host CPU does not report it (CPUID), not compared",
                 insn_op_names[in->op]);
        return why;
    }
    return NULL;
}

/* The instruction needs a CPUID feature that emu86's model here offers
 * (then an emu86 #UD where the host runs it is a real difference, not a
 * host extension: SSE4a since emu86 implements it). */
bool model_offers(const Insn *in)
{
    int w;
    uint32_t bits = insn_feature(in, &w);
    return bits && (dt_model.features[w] & bits) == bits;
}

/* Does RDFSBASE run here (CR4.FSGSBASE set by the host kernel)?  Probed:
 * AT_HWCAP2 says no on this host while the instruction runs. */
static sigjmp_buf probe_jb;

static void probe_sigill(int sig)
{
    siglongjmp(probe_jb, 1);
}

static bool probe_rdfsbase(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = probe_sigill;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGILL, &sa, &old);
    volatile bool ok = false;
    if (!sigsetjmp(probe_jb, 1)) {
        uint64_t v;
        asm volatile(".byte 0xf3, 0x48, 0x0f, 0xae, 0xc0" : "=a"(v));   /* rdfsbase rax */
        (void)v;
        ok = true;
    }
    sigaction(SIGILL, &old, NULL);
    return ok;
}

void emu_setup(void)
{
    host_features(host_feat);
    host_fsgsbase = probe_rdfsbase();
    host_misalignsse = host_feat[FEAT_8000_0001_ECX] & CPUID_EXT3_MISALIGNSSE;
    {
        static uint8_t img[512] __attribute__((aligned(16)));
        asm volatile("fxsave64 %0" : "=m"(img));
        memcpy(&host_mxcsr_mask, img + 28, 4);
    }
    if (syscall(SYS_arch_prctl, ARCH_GET_FS, &host_fs_base) ||
        syscall(SYS_arch_prctl, ARCH_GET_GS, &host_gs_base)) {
        host_fs_base = host_gs_base = 0;
    }
    dt_model = *x86_model_find("max");
    dt_model.name = "difftest";
    dt_model.features[FEAT_7_0_EBX] |= CPUID_7_EBX_BMI1;
    for (int w = 0; w < FEAT_NB; w++) {
        dt_model.features[w] &= host_feat[w];
    }
    dt_decode_mode = decode_mode(64, dt_model.features[FEAT_8000_0001_ECX] & CPUID_EXT3_SSE4A);
    tc = tcpu_new(4);
    tc->env->model = &dt_model;
    /* 4-level tables: PML4[0] -> PDPT[0] -> PD[0x80] -> PT */
    pw64(tc, PT_PML4, PT_PDPT | 7);
    pw64(tc, PT_PDPT, PT_PD | 7);
    pw64(tc, PT_PD + 8 * ((DATA_ADDR >> 21) & 511), PT_PT | 7);
    for (unsigned i = 0; i < DATA_SIZE / 4096; i++) {
        pw64(tc, PT_PT + 8 * (((DATA_ADDR >> 12) & 511) + i),
             (PHYS_DATA + i * 4096) | 7 | (1ull << 63));
    }
    pw64(tc, PT_PT + 8 * ((CODE_ADDR >> 12) & 511), PHYS_CODE | 7);
}

static int emu_fetch(void *opaque, unsigned i)
{
    CPUX86State *env = opaque;
    return cpu_fetch_byte(env, env->rip + i);
}

static void emu_reset(const Seq *s)
{
    CPUX86State *env = tc->env;
    memset(env->regs, 0, sizeof(env->regs));
    env->cr[0] = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_PG;
    env->cr[2] = 0;
    env->cr[3] = PT_PML4;
    env->cr[4] = CR4_PAE | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE |
                 (host_fsgsbase ? CR4_FSGSBASE : 0);
    env->xcr0 = 7;          /* x87, SSE, AVX: as the host's Linux sets it */
    env->efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
    for (int i = 0; i < NR_SEGS; i++) {
        SegmentCache *sc = &env->segs[i];
        sc->selector = host_sel[i];
        sc->base = 0;
        sc->limit = 0xffffffff;
        sc->flags = sc->selector ? (DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK |
                                    DESC_DPL_MASK | DESC_G_MASK | DESC_B_MASK) : 0;
    }
    env->segs[R_CS].flags = DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK |
                            DESC_A_MASK | DESC_DPL_MASK | DESC_L_MASK | DESC_G_MASK;
    /* RDFSBASE/RDGSBASE read the runner's bases (the generator emits no
     * FS/GS overrides, so nothing else uses them) */
    env->segs[R_FS].base = host_fs_base;
    env->segs[R_GS].base = host_gs_base;
    memset(&env->tr, 0, sizeof(env->tr));
    memset(&env->ldt, 0, sizeof(env->ldt));
    env->eflags = EFLAGS_FIXED1;
    cpu_update_mode(env);
    mmu_tlb_flush(env);
    memcpy(env->regs, s->regs, sizeof(env->regs));
    cpu_set_eflags(env, s->flags, ~0ull);
    fpu_init_state(env, true);
    memcpy(env->x87.xmm, s->xmm, sizeof(env->x87.xmm));
    memcpy(env->x87.ymmh, s->ymmh, sizeof(env->x87.ymmh));
    env->x87.mxcsr = s->mxcsr;
    env->x87.fcw = s->fcw;
    env->x87.fsw = s->fsw;
    env->x87.ftw = s->ftw;
    for (int i = 0; i < 8; i++) {
        X87Reg *r = &env->x87.regs[(((s->fsw >> 11) & 7) + i) & 7];
        memcpy(&r->mant, s->st[i], 8);
        memcpy(&r->sexp, s->st[i] + 8, 2);
    }
    env->rip = s->start;
    env->exception_index = -1;
    env->error_code = 0;
    env->has_error_code = false;
    env->halted = false;
    env->inhibit_irq = false;
    memcpy(tc->ram + PHYS_DATA, s->data, DATA_SIZE);
    memset(tc->ram + PHYS_CODE, 0xcc, CODE_SIZE);
    memcpy(tc->ram + PHYS_CODE + (s->start - CODE_ADDR), s->code,
           code_room(s->start, s->code_len + 1));
}


int item_at(const Seq *s, uint64_t rip)
{
    for (int i = 0; i < s->n; i++) {
        if (s->addr[i] == rip) {
            return i;
        }
    }
    return -1;
}

/* Encodings emu86 treats like an older CPU but the host runs as a newer
 * instruction: skip rather than report. */
const char *host_diff(const Insn *in)
{
    const char *lacks = host_lacks(in);
    if (lacks) {
        return lacks;
    }
    if ((in->op == OP_WRFSBASE || in->op == OP_WRGSBASE) && host_fsgsbase) {
        /* the host kernel set CR4.FSGSBASE: a WRFSBASE would move the
         * native runner's TLS (RDFSBASE/RDGSBASE are compared: emu86's
         * bases are the runner's; without CR4.FSGSBASE all four #UD) */
        return "WRFSBASE/WRGSBASE (would move the native runner's TLS)";
    }
    if (in->op == OP_FPU && !with_x87) {
        return "x87 instruction (run with --x87 to compare)";
    }
    if (host_amd && (in->prefix & PFX_OPSZ) &&
        (in->op == OP_JMP || in->op == OP_JCC || in->op == OP_CALL || in->op == OP_RET ||
         in->op == OP_LOOP || in->op == OP_LOOPE || in->op == OP_LOOPNE || in->op == OP_JCXZ)) {
        return "66 on a near branch: AMD uses a 16-bit operand size, Intel (and emu86) 64";
    }
    if (host_amd && (in->prefix & (PFX_REP | PFX_REPNE)) &&
        (in->op == OP_LOOPE || in->op == OP_LOOPNE)) {
        /* seen on an AMD EPYC host: with F3 LOOPcc tests ZF like LOOPE,
         * with F2 like LOOPNE, whatever the opcode says */
        return "F2/F3 on LOOPE/LOOPNE: the AMD host takes the condition from the prefix";
    }
    if (host_amd && in->opcode == 0x63 && (in->prefix & PFX_OPSZ) && in->nr_ops > 1 &&
        in->ops[1].kind == OPK_MEM) {
        return "66 MOVSXD from memory: the AMD host reads 4 bytes, the SDM says r/m16";
    }
    if (host_amd && in->op == OP_MOV_CR && (in->prefix & PFX_LOCK)) {
        return "LOCK MOV CRn: AMD's alternate encoding of CR8";
    }
    if (host_amd && (in->opcode == (DECODE_OPC_VEX | 0x0f3a00) ||
                     in->opcode == (DECODE_OPC_VEX | 0x0f3a01)) && !(in->rex & 8)) {
        return "VPERMQ/VPERMPD with VEX.W0: the AMD host runs them, the SDM defines W1 only";
    }
    if (in->op == OP_RDPID || in->op == OP_RDTSCP || in->op == OP_CPUID || in->op == OP_RDTSC) {
        return "host-specific values";
    }
    return NULL;
}

static volatile int emu_steps;

/* Read 4 bytes at linear address la without raising anything (the
 * difftest's flat segments: the effective address is the linear one). */
static bool peek32(CPUX86State *env, uint64_t la, uint32_t *v)
{
    jmp_buf saved;
    memcpy(saved, env->jmp_env, sizeof(saved));
    volatile bool ok = false;
    int exc = env->exception_index;
    uint32_t err = env->error_code;
    uint64_t cr2 = env->cr[2];
    if (setjmp(env->jmp_env) == 0) {
        *v = cpu_ldl(env, la);
        ok = true;
    }
    memcpy(env->jmp_env, saved, sizeof(saved));
    env->exception_index = exc;
    env->error_code = err;
    env->cr[2] = cr2;
    return ok;
}

/* SSE encodings whose outcome is partly implementation-specific. */
static void sse_quirks(CPUX86State *env, const Insn *in, EmuOut *o)
{
    if (in->op == OP_FPU) {
        /* FLDENV/FNSTENV (D9 /4 /6), FRSTOR/FNSAVE (DD /4 /6) crossing
         * into an unmapped page: the AMD host reports the last byte */
        unsigned r = (in->modrm >> 3) & 7;
        if ((in->opcode == 0xd9 || in->opcode == 0xdd) && (r == 4 || r == 6) &&
            (in->modrm >> 6) != 3 && host_amd) {
            o->no_cr2 = true;
        }
        return;
    }
    unsigned reg = (in->modrm >> 3) & 7, rm = in->modrm & 7;
    bool p66 = in->prefix & PFX_OPSZ;
    bool norep = !(in->prefix & (PFX_REP | PFX_REPNE));

    if (in->opcode == 0x0fae && reg <= 1 && (in->modrm >> 6) != 3 && norep && host_amd) {
        /* FXSAVE/FXRSTOR crossing into an unmapped page: the AMD host
         * reports the operand's last byte in CR2 */
        o->no_cr2 = true;
    }
    if (in->opcode == 0x0fae && (reg == 1 || reg == 2) && (in->modrm >> 6) != 3 && norep &&
        !p66 && host_misalignsse) {
        /* LDMXCSR / FXRSTOR of an MXCSR image with bit 17 set: MXCSR.MM,
         * AMD's misaligned-SSE mode, is writable on this host (MXCSR_MASK
         * 0x2ffff) and reserved in emu86's model (#GP(0)).  Found by the
         * soak, seed 1796615904 sequence 4661255. */
        uint32_t v;
        uint64_t ea = insn_ea(env, in) + (reg == 1 ? 24 : 0);
        if (peek32(env, ea, &v) && (v & ~0xffffu) == 0x20000u) {
            o->status = EMU_SKIP_HOSTDIFF;
            o->skip_why = "MXCSR.MM (AMD misaligned-SSE mode) set by LDMXCSR/FXRSTOR: host feature";
            return;
        }
    }
    if ((in->opcode & ~DECODE_OPC_VEX) == 0x0fae && reg == 2 && (in->modrm >> 6) != 3 &&
        norep && host_amd) {
        /* (V)LDMXCSR of a value with bit 17 (and no other reserved bit):
         * AMD's misaligned-SSE mode bit (MXCSR_MASK 0x2ffff), loaded by
         * the host; #GP(0) in emu86's model (MXCSR_MASK 0xffff) */
        uint64_t la = insn_ea(env, in);
        uint32_t v;
        if (la >= DATA_ADDR && la + 4 <= DATA_ADDR + DATA_SIZE) {
            memcpy(&v, tc->ram + PHYS_DATA + (la - DATA_ADDR), 4);
            if ((v & ~0xffffu) == 0x20000u) {
                o->status = EMU_SKIP_HOSTDIFF;
                o->skip_why = "(V)LDMXCSR with bit 17: AMD's misaligned-SSE mode (MXCSR_MASK 0x2ffff)";
                return;
            }
        }
    }
    if (in->opcode == (DECODE_OPC_VEX | 0x0ff7) && vex_pp(in) == 1) {
        p66 = true;     /* VMASKMOVDQU: the same quirks as MASKMOVDQU */
    }
    if ((in->opcode & ~DECODE_OPC_VEX) == 0x0ff7 && (in->modrm >> 6) == 3 && norep) {
        /* MASKMOVQ / MASKMOVDQU: with an all-zero mask, whether the
         * address still faults is implementation-specific (SDM
         * MASKMOVDQU); which byte a partial fault reports too */
        uint64_t m[2] = { 0, 0 };
        if (p66) {
            memcpy(m, env->x87.xmm[rm | ((in->rex & 1) ? 8 : 0)], 16);
        } else {
            m[0] = env->x87.regs[rm].mant;
        }
        if (!((m[0] | m[1]) & 0x8080808080808080ull)) {
            o->status = EMU_SKIP_HOSTDIFF;
            o->skip_why = "MASKMOVQ/MASKMOVDQU with an all-zero mask (faults: implementation-specific)";
        }
        /* A partial mask over a range that runs into another page: the
         * AMD host checks every byte of the range, masked-off ones too
         * (#PF on an unselected byte, soak seed 1796617294 sequence
         * 5372303); emu86 checks the selected bytes.  The SDM leaves
         * faults of masked-off bytes implementation-specific. */
        unsigned n = p66 ? 16 : 8;
        uint64_t full = p66 ? 0x8080808080808080ull : 0;
        uint64_t la = env->regs[R_EDI] & size_mask(in->addrsize);
        if (((m[0] & 0x8080808080808080ull) != 0x8080808080808080ull ||
             (m[1] & 0x8080808080808080ull) != full) &&
            (la & 0xfff) + n > 0x1000) {
            o->status = EMU_SKIP_HOSTDIFF;
            o->skip_why = "MASKMOVQ/MASKMOVDQU with a partial mask across pages "
                          "(faults of masked-off bytes: implementation-specific)";
        }
        o->no_cr2 = true;
    }
}

void emu_run(const Seq *s, EmuOut *o, bool track)
{
    CPUX86State *env = tc->env;
    memset(o, 0, sizeof(*o));
    o->fault_item = -1;
    o->fault_op = -1;
    o->cur_op = -1;
    uint64_t end = s->start + s->code_len;
    /* volatile: read after the longjmp of an exception */
    volatile uint32_t undef = 0;
    emu_reset(s);
    emu_steps = 0;
    Insn in;

    if (setjmp(env->jmp_env)) {
        o->status = EMU_FAULT;
        o->vector = env->exception_index;
        o->err = env->error_code;
        o->cr2 = env->cr[2];
        o->undef = undef;
        o->fault_item = item_at(s, env->rip);
        o->fault_op = o->fault_item >= 0 && s->it[o->fault_item].test ? o->cur_op : -1;
        return;
    }
    while (emu_steps++ < 20000) {
        if (env->rip == end && end < CODE_ADDR + CODE_SIZE) {
            /* (an end marker past the page is never reached: fetch #PF) */
            o->status = EMU_END;
            o->undef = undef;
            return;
        }
        o->cur_op = -1;
        DecodeResult r = decode_insn(&in, dt_decode_mode, emu_fetch, env);
        if (r == DECODE_OK) {
            o->cur_op = in.op;
        }
        if (r == DECODE_OK) {
            uint16_t fl = insn_op_flags[in.op];
            if (in.prefix & PFX_LOCK) {
                if (!(fl & IF_LOCK) || in.nr_ops == 0 || in.ops[0].kind != OPK_MEM) {
                    r = DECODE_UD;
                }
            }
            if ((fl & IF_NO64) || in.op == OP_INVALID) {
                r = DECODE_UD;
            }
        }
        if (r == DECODE_UD) {
            cpu_raise_exception(env, EXCP_UD);
        } else if (r != DECODE_OK) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
        const char *hd = host_diff(&in);
        if (hd) {
            o->status = EMU_SKIP_HOSTDIFF;
            o->skip_why = hd;
            return;
        }
        if (env->eflags & (TF_MASK | AC_MASK)) {
            /* only a POPF reached without its sanitising push can do this */
            o->status = EMU_SKIP_HOSTDIFF;
            o->skip_why = "TF or AC set (single-step / alignment check not modelled here)";
            return;
        }
        int idx = item_at(s, env->rip);
        FlagFx fx = flag_effects(env, &in);
        if ((in.op == OP_BSF || in.op == OP_BSR) && insn_get_op(env, &in, 1) == 0) {
            /* zero source: destination undefined (SDM BSF/BSR) */
            fx.result_undefined = true;
        }
        if (track && (fx.read & undef)) {
            o->status = EMU_SKIP_UNDEF;
            o->skip_why = "an instruction reads a flag left undefined by an earlier one";
            return;
        }
        if (in.op == OP_INT3) {
            /* no IDT here: report the trap the way the host does */
            if (idx >= 0 && s->it[idx].test && o->nr_exec < MAX_ITEMS) {
                o->exec_item[o->nr_exec] = (uint8_t)idx;
                o->exec_ops[o->nr_exec++] = in.op;
            }
            env->rip += in.len;
            env->exception_index = EXCP_BP;
            env->error_code = 0;
            longjmp(env->jmp_env, 1);
        }
        if ((insn_op_flags[in.op] & IF_PRIV) && env->cpl != 0) {
            cpu_raise_exception_err(env, EXCP_GP, 0);
        }
        env->next_rip = env->rip + in.len;
        if (in.op == OP_SSE || in.op == OP_FPU) {
            sse_quirks(env, &in, o);
            if (o->status == EMU_SKIP_HOSTDIFF) {
                return;
            }
        }
        insn_handlers[in.op](env, &in);
        if (in.op == OP_SSE && in.opcode == 0x0fae && ((in.modrm >> 3) & 7) == 0 &&
            (in.modrm >> 6) != 3 && !(in.prefix & (PFX_REP | PFX_REPNE))) {
            /* FXSAVE: MXCSR_MASK is 0x2ffff on an AMD host with
             * misaligned-SSE mode (MM, bit 17), 0xffff in emu86's model.
             * The host's value goes into emu86's image so that a later
             * instruction reading it (soak seed 1796651422 sequence
             * 20993444: NEG of byte +30) sees the same bytes. */
            cpu_stl(env, insn_ea(env, &in) + 28, host_mxcsr_mask);
        }
        if ((in.op == OP_RDRAND || in.op == OP_RDSEED) && in.ops[0].kind == OPK_REG) {
            /* random bits (the size rules are compared: 16-bit forms keep
             * 63:16, 32-bit ones zero 63:32) */
            o->reg_random[in.ops[0].reg & 15] |= size_mask(in.ops[0].size);
        }
        env->rip = env->next_rip;
        if (idx >= 0 && s->it[idx].test && o->nr_exec < MAX_ITEMS) {
            o->exec_item[o->nr_exec] = (uint8_t)idx;
            o->exec_ops[o->nr_exec++] = in.op;
        }
        if (track && fx.result_undefined) {
            o->status = EMU_SKIP_UNDEF;
            o->skip_why = in.op == OP_BSF || in.op == OP_BSR ?
                "BSF/BSR with a zero source (destination undefined)" :
                "SHLD/SHRD with count > operand size (result undefined)";
            return;
        }
        undef = (undef & ~fx.def) | fx.undef;
    }
    o->status = EMU_STEPS;
}

/*
 * target/i386/cpu.h - the architected state of one x86-64 CPU.
 *
 * Design: CPUX86State holds the registers as the Intel SDM defines them and
 * is the single view of the CPU: the TCG interpreter executes on it directly,
 * KVM copies it in and out with KVM_GET/SET_* around exits that need it, and
 * `-d cpu`, the monitor and a future gdbstub read it.  Nothing here depends
 * on an accelerator.
 *
 * Flags are lazy (as in most fast interpreters): arithmetic stores its
 * operands and result in cc_* and the flags are computed only when read.
 * Always use cpu_get_eflags()/cpu_set_eflags() to read or write RFLAGS.
 */
#ifndef TARGET_I386_CPU_H
#define TARGET_I386_CPU_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

/* General registers, in encoding order (SDM Vol.2 2.1.5). */
enum {
    R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI,
    R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15,
};

/* Segment registers, in encoding order (Sreg field of MOV Sreg). */
enum { R_ES, R_CS, R_SS, R_DS, R_FS, R_GS, NR_SEGS };
#define SEG_NONE 7 /* Insn.seg when no memory operand */

/* RFLAGS bits (SDM Vol.1 3.4.3) */
#define CC_C   0x0001u
#define CC_P   0x0004u
#define CC_A   0x0010u
#define CC_Z   0x0040u
#define CC_S   0x0080u
#define CC_O   0x0800u
#define CC_MASK (CC_C | CC_P | CC_A | CC_Z | CC_S | CC_O)
#define TF_MASK   0x00000100u
#define IF_MASK   0x00000200u
#define DF_MASK   0x00000400u
#define IOPL_MASK 0x00003000u
#define IOPL_SHIFT 12
#define NT_MASK   0x00004000u
#define RF_MASK   0x00010000u
#define VM_MASK   0x00020000u
#define AC_MASK   0x00040000u
#define VIF_MASK  0x00080000u
#define VIP_MASK  0x00100000u
#define ID_MASK   0x00200000u
#define EFLAGS_FIXED1 0x00000002u /* bit 1 always reads 1 */

/* Descriptor attribute bits, kept in SegmentCache.flags exactly where they
 * sit in the high dword of a segment descriptor (SDM Vol.3 3.4.5). */
#define DESC_TYPE_SHIFT 8
#define DESC_TYPE_MASK  (15u << DESC_TYPE_SHIFT)
#define DESC_A_MASK     (1u << 8)   /* accessed (code/data) */
#define DESC_W_MASK     (1u << 9)   /* writable data */
#define DESC_R_MASK     (1u << 9)   /* readable code */
#define DESC_E_MASK     (1u << 10)  /* expand-down data */
#define DESC_C_MASK     (1u << 10)  /* conforming code */
#define DESC_CS_MASK    (1u << 11)  /* code segment */
#define DESC_S_MASK     (1u << 12)  /* 1 = code/data, 0 = system */
#define DESC_DPL_SHIFT  13
#define DESC_DPL_MASK   (3u << DESC_DPL_SHIFT)
#define DESC_P_MASK     (1u << 15)
#define DESC_AVL_MASK   (1u << 20)
#define DESC_L_MASK     (1u << 21)  /* 64-bit code segment */
#define DESC_B_MASK     (1u << 22)  /* D/B: 32-bit default */
#define DESC_G_MASK     (1u << 23)

typedef struct SegmentCache {
    uint16_t selector;
    uint64_t base;
    uint32_t limit;  /* byte-granular, already scaled by G */
    uint32_t flags;  /* DESC_* bits */
} SegmentCache;

typedef struct DescTable {
    uint64_t base;
    uint32_t limit;
} DescTable;

/* Control register bits */
#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_ET (1u << 4)
#define CR0_NE (1u << 5)
#define CR0_WP (1u << 16)
#define CR0_AM (1u << 18)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)
#define CR4_VME (1u << 0)
#define CR4_PVI (1u << 1)
#define CR4_TSD (1u << 2)
#define CR4_DE  (1u << 3)
/* debug registers (SDM Vol.3 17.2) */
#define DR6_BD    (1u << 13)   /* general detect */
#define DR6_BS    (1u << 14)   /* single step */
#define DR7_GD    (1u << 13)   /* general detect enable */
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_MCE (1u << 6)
#define CR4_PGE (1u << 7)
#define CR4_PCE (1u << 8)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_UMIP (1u << 11)
#define CR4_FSGSBASE (1u << 16)
#define CR4_PCIDE (1u << 17)
#define CR4_OSXSAVE (1u << 18)
#define CR4_SMEP (1u << 20)
#define CR4_SMAP (1u << 21)
#define CR4_PKE (1u << 22)

#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define EFER_NXE (1u << 11)

/* MSR numbers (SDM Vol.4) */
#define MSR_IA32_TSC            0x10
#define MSR_IA32_APICBASE       0x1b
#define MSR_IA32_SYSENTER_CS    0x174
#define MSR_IA32_SYSENTER_ESP   0x175
#define MSR_IA32_SYSENTER_EIP   0x176
#define MSR_IA32_MISC_ENABLE    0x1a0
#define MSR_IA32_PAT            0x277
#define MSR_MTRR_PHYSBASE0      0x200   /* PhysBase n = 0x200 + 2n, PhysMask n = 0x201 + 2n */
#define MSR_MTRR_FIX64K         0x250
#define MSR_MTRR_FIX16K_80000   0x258
#define MSR_MTRR_FIX16K_A0000   0x259
#define MSR_MTRR_FIX4K_C0000    0x268   /* ... 0x26f */
#define MSR_MTRR_DEF_TYPE       0x2ff
#define MSR_MCG_CAP             0x179
#define MSR_EFER                0xc0000080
#define MSR_STAR                0xc0000081
#define MSR_LSTAR               0xc0000082
#define MSR_CSTAR               0xc0000083
#define MSR_FMASK               0xc0000084
#define MSR_FSBASE              0xc0000100
#define MSR_GSBASE              0xc0000101
#define MSR_KERNELGSBASE        0xc0000102
#define MSR_TSC_AUX             0xc0000103

/* Exception vectors (SDM Vol.3 6.3.1) */
enum {
    EXCP_DE = 0, EXCP_DB = 1, EXCP_NMI = 2, EXCP_BP = 3, EXCP_OF = 4,
    EXCP_BR = 5, EXCP_UD = 6, EXCP_NM = 7, EXCP_DF = 8, EXCP_TS = 10,
    EXCP_NP = 11, EXCP_SS = 12, EXCP_GP = 13, EXCP_PF = 14, EXCP_MF = 16,
    EXCP_AC = 17, EXCP_MC = 18, EXCP_XM = 19,
};

/* #PF error code bits */
#define PF_ERR_P   (1u << 0)
#define PF_ERR_W   (1u << 1)
#define PF_ERR_U   (1u << 2)
#define PF_ERR_RSVD (1u << 3)
#define PF_ERR_I   (1u << 4)

/* Lazy-flag operations: which computation produced cc_dst/cc_src/cc_src2.
 * The suffix is the operand size.  See target/i386/flags.c. */
typedef enum CCOp {
    CC_OP_EFLAGS,   /* flags are materialized in cc_src (CC_MASK bits) */
#define CC_OP_SIZED(name) name##B, name##W, name##L, name##Q
    CC_OP_SIZED(CC_OP_ADD),   /* dst = result, src = second operand */
    CC_OP_SIZED(CC_OP_ADC),   /* dst = result, src = second operand, src2 = carry in */
    CC_OP_SIZED(CC_OP_SUB),   /* dst = result, src = second operand */
    CC_OP_SIZED(CC_OP_SBB),   /* dst = result, src = second operand, src2 = borrow in */
    CC_OP_SIZED(CC_OP_LOGIC), /* dst = result */
    CC_OP_SIZED(CC_OP_INC),   /* dst = result, src = old CF */
    CC_OP_SIZED(CC_OP_DEC),   /* dst = result, src = old CF */
    CC_OP_SIZED(CC_OP_SHL),   /* dst = result, src = value shifted by count-1 */
    CC_OP_SIZED(CC_OP_SAR),   /* dst = result, src = value shifted by count-1 (SHR/SAR) */
    CC_OP_SIZED(CC_OP_MUL),   /* dst = low result, src = nonzero if high part significant */
#undef CC_OP_SIZED
    CC_OP_NB
} CCOp;

/* x87 FPU state (SDM Vol.1 8.1), see target/i386/fpu.c.  Registers are
 * kept by physical number R0..R7 (ST(i) = R[(TOP + i) & 7]) as raw 80-bit
 * values, so FSAVE/FRSTOR round-trip every bit pattern (unnormals,
 * pseudo-denormals included).  The tag word is abridged (one "non-empty"
 * bit per physical register, like FXSAVE); FSTENV/FSAVE compute the full
 * 2-bit tags from the register contents, as the hardware does. */
typedef struct X87Reg {
    uint64_t mant;        /* significand, bit 63 = explicit integer bit J */
    uint16_t sexp;        /* sign (bit 15) and biased exponent */
} X87Reg;

typedef struct X87State {
    X87Reg regs[8];       /* physical R0..R7 */
    uint16_t fcw;         /* control word */
    uint16_t fsw;         /* status word, TOP kept in bits 13:11 */
    uint8_t ftw;          /* abridged tag: bit i set = Ri not empty */
    uint16_t fop;         /* last non-control opcode, 11 bits */
    uint16_t fcs, fds;    /* selectors of FIP / FDP */
    uint64_t fip, fdp;    /* offsets (64-bit in 64-bit mode) */
    /* SSE part of the FXSAVE image: storage until the SSE state lands in
     * CPUX86State (then fpu_fxsave/fxrstor move to the real registers). */
    uint32_t mxcsr;
    uint8_t xmm[16][16];
    /* AVX: bits 255:128 of YMM0-15 (YMMi = ymmh[i]:xmm[i]).  The XSAVE
     * "AVX state" component (SDM Vol.1 13.5.3); FXSAVE does not touch it.
     * Kept here with the rest of the register file so INIT preserves it
     * like XMM (SDM Vol.3 Table 9-1).  Access through ymm_get/ymm_set
     * (target/i386/sse.h). */
    uint8_t ymmh[16][16];
} X87State;

/* Memory-type range registers (SDM Vol.3 11.11).  Kept for the OS to
 * read back: memory types do not change what the interpreter does. */
#define MTRR_VCNT 8
typedef struct MtrrState {
    uint64_t deftype;             /* IA32_MTRR_DEF_TYPE */
    uint64_t fixed[11];           /* 0x250, 0x258, 0x259, 0x268..0x26f */
    uint64_t var[MTRR_VCNT][2];   /* IA32_MTRR_PHYSBASEn, IA32_MTRR_PHYSMASKn */
    /* AMD's DRAM typing (APM Vol.2 7.9): SYSCFG, TOP_MEM, TOP_MEM2 */
    uint64_t amd_syscfg, amd_top_mem, amd_top_mem2;
} MtrrState;

/* Machine-check architecture (SDM Vol.3 ch.15): the banks an OS polls;
 * an emulated machine never logs an error in them. */
#define MCE_BANKS 10
typedef struct McaState {
    uint64_t mcg_status, mcg_ctl;
    uint64_t bank[MCE_BANKS][4];  /* MCi_CTL, MCi_STATUS, MCi_ADDR, MCi_MISC */
} McaState;

typedef struct CPUX86State {
    /* --- registers the interpreter touches on every instruction --- */
    uint64_t regs[16];
    uint64_t rip;         /* start of the instruction being executed */
    uint64_t next_rip;    /* where execution continues after it: set by the
                           * execution loop to rip + len before calling a
                           * handler; branch handlers overwrite it */
    uint64_t eflags;      /* all bits except the arithmetic flags (CC_MASK) */
    uint64_t cc_dst, cc_src, cc_src2;
    uint32_t cc_op;       /* CCOp */

    SegmentCache segs[NR_SEGS];
    SegmentCache ldt, tr;
    DescTable gdt, idt;

    /* Derived mode, recomputed by cpu_update_mode() after any change of
     * CR0, EFER, CS or SS: */
    uint8_t cpl;          /* current privilege level 0..3 */
    uint8_t code_bits;    /* 16, 32 or 64: default operand/address size of CS */
    uint8_t stack_bits;   /* 16, 32 or 64: SS.B (64 in long mode) */
    bool long_mode;       /* EFER.LMA */

    uint64_t cr[5];       /* CR0, (CR1 unused), CR2, CR3, CR4 */
    uint64_t cr8;         /* TPR */
    uint64_t dr[8];
    uint64_t efer;
    uint64_t star, lstar, cstar, fmask, kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t apic_base;
    uint64_t pat;
    uint64_t misc_enable;
    uint64_t feature_control;   /* IA32_FEATURE_CONTROL (0x3a): only its lock bit */
    uint64_t amd_hwcr;    /* AMD HWCR (0xC0010015) */
    uint64_t amd_nb_cfg;  /* AMD NB_CFG (0xC001001F), a northbridge register */
    uint64_t amd_ls_cfg;  /* AMD LS_CFG (0xC0011020): load-store unit tuning */
    uint64_t tsc_aux;
    int64_t tsc_offset;   /* guest TSC = host-time-derived counter + offset */
    MtrrState mtrr;       /* unchanged by INIT (SDM Vol.3 Table 9-1) */
    McaState mca;         /* unchanged by INIT */

    uint64_t a20_mask;    /* ~0 with A20 on; ~(1 << 20) with A20 off */

    /* Interrupt shadow after STI / MOV SS / POP SS: one instruction long. */
    bool inhibit_irq;
    /* The shadow comes from MOV SS / POP SS (not STI): it also holds back
     * single-step and data-breakpoint #DBs for one instruction (SDM Vol.3
     * 6.8.3); pending_step is a single-step trap so held back. */
    bool movss_shadow;
    bool pending_step;
    /* set by every interrupt/exception delivery: an instruction that
     * delivered one itself (INT n, INT3, INTO, ICEBP) has no single-step
     * trap of its own, its handler starts with TF=0 */
    bool event_delivered;
    /* hardware breakpoints (target/i386/debug.c): bit n = DRn enabled as
     * an instruction / a data breakpoint; db_hits collects the data
     * breakpoints the current instruction hit, pending_hits those a MOV SS
     * shadow holds back */
    uint8_t dr_insn_bp, dr_data_bp;
    uint8_t db_hits, pending_hits;
    bool halted;
    /* NMIs are blocked from NMI delivery to the next IRET (SDM Vol.3
     * 6.7.1); excp.c keeps it. */
    bool nmi_blocked;

    /* Exception delivery bookkeeping (target/i386/excp.c) */
    int exception_index;  /* -1 when none pending */
    uint32_t error_code;
    bool has_error_code;
    int old_exception;    /* for #DF / triple fault detection, -1 if none */
    bool triple_fault;    /* set when a triple fault happened: machine resets */

    /* Long jump target for exceptions raised deep inside an instruction
     * (memory access, privilege check).  Set by the execution loop. */
    jmp_buf jmp_env;

    /* The CPUID model this CPU reports (target/i386/cpuid.c). */
    const struct X86CPUModel *model;

    /* Software TLB of the interpreter's memory path (target/i386/mmu.c),
     * allocated on first use; NULL until then and unused under KVM. */
    struct MMUTlb *tlb;

    /* x87 FPU (target/i386/fpu.c), SSE and AVX registers */
    X87State x87;
    /* XCR0, the XSAVE feature mask (SDM Vol.1 13.3); 1 after RESET, kept
     * on INIT.  target/i386/xsave.c. */
    uint64_t xcr0;

    struct X86CPU *cpu;   /* back pointer */
} CPUX86State;

/* Requests to the vCPU, set from any thread, read between blocks. */
#define CPU_INTERRUPT_HARD  0x01 /* external interrupt line (PIC INTR) high */
#define CPU_INTERRUPT_EXIT  0x02 /* leave the run loop (stop, reset, shutdown) */
#define CPU_INTERRUPT_NMI   0x04
#define CPU_INTERRUPT_INIT  0x08
#define CPU_INTERRUPT_SIPI  0x10

struct Machine;

typedef struct X86CPU {
    CPUX86State env;
    int index;
    struct Machine *machine;
    volatile int interrupt_request; /* CPU_INTERRUPT_* bits, atomics */
    void *accel_state;              /* owned by the accelerator */
    uint8_t sipi_vector;            /* start-up vector of the last SIPI */
    void *tcg_state;                /* block cache etc. when run by TCG */
} X86CPU;

/* Can this (halted) CPU make progress?  An external interrupt only counts
 * when IF is set: `cli; hlt` waits for NMI, INIT or a machine request. */
static inline bool cpu_has_work(X86CPU *cpu)
{
    int req = __atomic_load_n(&cpu->interrupt_request, __ATOMIC_ACQUIRE);
    if (req & (CPU_INTERRUPT_EXIT | CPU_INTERRUPT_NMI | CPU_INTERRUPT_INIT | CPU_INTERRUPT_SIPI)) {
        return true;
    }
    return (req & CPU_INTERRUPT_HARD) && (cpu->env.eflags & IF_MASK);
}

/* ---- cpu.c: reset, mode bookkeeping, flags ---- */
void cpu_x86_init(X86CPU *cpu, struct Machine *m, int index);
void cpu_x86_reset(X86CPU *cpu);          /* power-on / RESET state, SDM Vol.3 9.1.1 */
/* INIT (SDM Vol.3 Table 9-1): a reset keeping x87/SSE, TSC, PAT, APIC_BASE */
void cpu_x86_init_reset(X86CPU *cpu);
void cpu_update_mode(CPUX86State *env);   /* recompute cpl, code_bits, ... */
uint64_t cpu_get_eflags(CPUX86State *env);
/* Writes the bits in mask from value (arithmetic flags included). */
void cpu_set_eflags(CPUX86State *env, uint64_t value, uint64_t mask);
/* Only the arithmetic flags (CC_MASK) computed from the lazy state. */
uint32_t cpu_cc_compute_all(const CPUX86State *env);
bool cpu_cc_compute_c(const CPUX86State *env);
/* Jcc/SETcc/CMOVcc condition 0..15 (SDM Vol.2 Appendix B.1.4.7). */
bool cpu_cond(const CPUX86State *env, int cond);

/* Load a segment register in real/V86 mode (base = selector << 4). */
void cpu_load_seg_real(CPUX86State *env, int seg, uint16_t selector);

/* Dump registers in QEMU's `-d cpu` style. */
#include <stdio.h>
void cpu_dump_state(CPUX86State *env, FILE *f);

/* ---- excp.c: exceptions and interrupts ---- */
/* Raise an exception from inside an instruction: records it and longjmps to
 * env->jmp_env.  RIP must still point at the faulting instruction (faults)
 * or after it (traps, software interrupts): callers arrange that. */
__attribute__((noreturn)) void cpu_raise_exception(CPUX86State *env, int vector);
__attribute__((noreturn)) void cpu_raise_exception_err(CPUX86State *env, int vector,
                                                       uint32_t error_code);
/* Deliver a pending exception/interrupt through the IVT/IDT (real mode,
 * protected mode, long mode), handling #DF and triple fault.
 * is_sw: INT n / INT3 / INTO (privilege check against gate DPL);
 * next_rip: the return address pushed for software interrupts and traps. */
void cpu_do_interrupt(CPUX86State *env, int vector, bool is_sw, bool has_error,
                      uint32_t error_code, uint64_t next_rip);
/* The external interrupt check: if IF=1 and no shadow, and the machine has a
 * pending vector, deliver it.  Returns true if one was delivered. */
bool cpu_check_hard_interrupt(X86CPU *cpu);

/* ---- mmu.c: memory access from the CPU (linear addresses) ---- */
/* Access kinds for translation */
enum { ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2 };
/* Translate a linear address, raising #PF on failure (is_user: CPL 3 access
 * rights; implicit supervisor accesses to descriptor tables pass false).
 * Returns the guest physical address and sets A/D bits in the page tables. */
uint64_t mmu_translate(CPUX86State *env, uint64_t linear, int access, bool is_user);
/* Flush the software TLB (CR3 write, CR0/CR4 paging changes): all or one page. */
void mmu_tlb_flush(CPUX86State *env);
/* target/i386/debug.c: hardware breakpoints */
void cpu_update_breakpoints(CPUX86State *env);      /* after DR0-3/DR7 change */
unsigned cpu_insn_breakpoint_hits(const CPUX86State *env, uint64_t la);
bool cpu_page_has_data_breakpoint(const CPUX86State *env, uint64_t page);
void cpu_data_breakpoint_check(CPUX86State *env, uint64_t la, unsigned size, bool is_write);
void mmu_tlb_flush_page(CPUX86State *env, uint64_t linear);

/* Linear-address loads and stores with the current CPL's rights.  Accesses
 * that cross a page boundary are handled (both pages checked before any
 * byte is written). */
uint8_t  cpu_ldub(CPUX86State *env, uint64_t la);
uint16_t cpu_lduw(CPUX86State *env, uint64_t la);
uint32_t cpu_ldl(CPUX86State *env, uint64_t la);
uint64_t cpu_ldq(CPUX86State *env, uint64_t la);
void cpu_stb(CPUX86State *env, uint64_t la, uint8_t v);
void cpu_stw(CPUX86State *env, uint64_t la, uint16_t v);
void cpu_stl(CPUX86State *env, uint64_t la, uint32_t v);
void cpu_stq(CPUX86State *env, uint64_t la, uint64_t v);
/* Same with supervisor rights (descriptor tables, TSS, IDT, stack switch). */
uint8_t  cpu_ldub_kernel(CPUX86State *env, uint64_t la);
uint16_t cpu_lduw_kernel(CPUX86State *env, uint64_t la);
uint32_t cpu_ldl_kernel(CPUX86State *env, uint64_t la);
uint64_t cpu_ldq_kernel(CPUX86State *env, uint64_t la);
void cpu_stb_kernel(CPUX86State *env, uint64_t la, uint8_t v);
void cpu_stw_kernel(CPUX86State *env, uint64_t la, uint16_t v);
void cpu_stl_kernel(CPUX86State *env, uint64_t la, uint32_t v);
void cpu_stq_kernel(CPUX86State *env, uint64_t la, uint64_t v);
/* Instruction fetch (execute permission); used by the decoder's fetch. */
uint8_t cpu_fetch_byte(CPUX86State *env, uint64_t la);
/* Atomic compare-and-exchange of size 8 or 16 bytes at la (CMPXCHG8B/16B)
 * with the current CPL's write rights: if memory equals cmp[] it becomes
 * nv[] and true is returned; otherwise cmp[] receives the memory value.
 * One host locked instruction when the operand is in RAM within a page
 * (16-byte operands must be 16-aligned: the caller raises #GP first). */
bool cpu_cmpxchg(CPUX86State *env, uint64_t la, unsigned size, uint64_t cmp[2],
                 const uint64_t nv[2]);

/* ---- seg.c: segmentation (protected mode descriptors) ---- */
/* Compute the linear address of seg:offset for an access of `size` bytes,
 * checking limit and type in 16/32-bit modes (#GP(0) or #SS(0)), and
 * canonical form in 64-bit mode.  addr_bits truncates offset first. */
uint64_t seg_linear(CPUX86State *env, int seg, uint64_t offset, unsigned size, int access);
/* MOV/POP to a segment register, LDS-style loads: full protected-mode
 * checks (SDM Vol.3 5.4 / the MOV instruction's operation section). */
void seg_load(CPUX86State *env, int seg, uint16_t selector);

/* ---- cpuid.c / msr.c ---- */
void cpu_cpuid(CPUX86State *env, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
/* Returns false if the MSR does not exist (caller raises #GP(0)). */
bool cpu_rdmsr(CPUX86State *env, uint32_t msr, uint64_t *value);
bool cpu_wrmsr(CPUX86State *env, uint32_t msr, uint64_t value);
/* MTRR and MCA MSRs (msr_mtrr_mca.c): true when msr is one of them, with
 * *ok telling whether the access is valid (false: #GP). */
bool cpu_mtrr_mca_msr(CPUX86State *env, uint32_t msr, uint64_t *value, bool write, bool *ok);
/* What firmware leaves in the MTRRs before it boots an OS: WB everywhere
 * but the VGA window and the PCI hole [below_4g, 4 GiB), which are UC
 * (on AMD models also SYSCFG, TOP_MEM and TOP_MEM2 for the RAM). */
void cpu_mtrr_firmware_setup(CPUX86State *env, uint64_t below_4g, uint64_t above_4g);
uint64_t cpu_rdtsc(CPUX86State *env);

/* Port I/O from the CPU (goes to the machine's I/O address space). */
uint64_t cpu_io_read(CPUX86State *env, uint16_t port, unsigned size);
void cpu_io_write(CPUX86State *env, uint16_t port, uint64_t value, unsigned size);

#endif

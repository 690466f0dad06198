/*
 * target/i386/cpu.c - CPU creation, power-on/INIT reset, derived mode state
 * and the register dump.
 *
 * Design: cpu_update_mode() is the one place that derives cpl, code_bits,
 * stack_bits and long_mode from the architectural registers, so every
 * instruction that changes CR0, CR4, EFER, CS or SS ends by calling it.
 * CPL is taken from SS.DPL in protected mode (SDM Vol.3 5.5: CS.RPL and
 * SS.DPL always equal CPL; SS.DPL is also what VMX/KVM report), which keeps
 * CPL right while CS still holds a real-mode selector after setting CR0.PE
 * and while a conforming code segment is running.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"
#include "system/sysemu.h"
#include "target/i386/cpu.h"
#include "target/i386/cpuid.h"
#include "target/i386/fpu.h"
#include "target/i386/seg.h"

void cpu_x86_init(X86CPU *cpu, struct Machine *m, int index)
{
    memset(cpu, 0, sizeof(*cpu));
    cpu->index = index;
    cpu->machine = m;
    cpu->env.cpu = cpu;
    cpu->env.model = &x86_model_default;
    cpu_x86_reset(cpu);
}

/* SDM Vol.3 9.1.1, Table 9-1: processor state after power-up/reset/INIT. */
void cpu_x86_reset(X86CPU *cpu)
{
    CPUX86State *env = &cpu->env;
    const struct X86CPUModel *model = env->model ? env->model : &x86_model_default;
    struct MMUTlb *tlb = env->tlb;
    jmp_buf saved_jmp;

    /* Everything up to the back pointers is architectural state, except
     * the execution loop's longjmp target: a reset requested from inside
     * the loop must not leave a dangling jmp_buf behind. */
    memcpy(saved_jmp, env->jmp_env, sizeof(jmp_buf));
    memset(env, 0, offsetof(CPUX86State, model));
    memcpy(env->jmp_env, saved_jmp, sizeof(jmp_buf));
    env->model = model;
    env->tlb = tlb;
    env->cpu = cpu;

    env->regs[R_EDX] = x86_model_signature(model);
    env->rip = env->next_rip = 0xfff0;
    env->eflags = EFLAGS_FIXED1;
    env->cc_op = CC_OP_EFLAGS;
    env->cc_src = 0;

    for (int i = 0; i < NR_SEGS; i++) {
        /* present, writable, accessed data segments with a 64 KiB limit */
        env->segs[i].selector = 0;
        env->segs[i].base = 0;
        env->segs[i].limit = 0xffff;
        env->segs[i].flags = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK;
    }
    env->segs[R_CS].selector = 0xf000;
    env->segs[R_CS].base = 0xffff0000u;
    env->segs[R_CS].flags = DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK |
                            DESC_R_MASK | DESC_A_MASK;
    env->ldt = (SegmentCache){ 0, 0, 0xffff, DESC_P_MASK | (2u << DESC_TYPE_SHIFT) };
    env->tr = (SegmentCache){ 0, 0, 0xffff, DESC_P_MASK | (11u << DESC_TYPE_SHIFT) };
    env->gdt = (DescTable){ 0, 0xffff };
    env->idt = (DescTable){ 0, 0xffff };

    env->cr[0] = CR0_CD | CR0_NW | CR0_ET;   /* 0x60000010 */
    env->dr[6] = 0xffff0ff0u;
    env->dr[7] = 0x400;
    env->dr_insn_bp = env->dr_data_bp = 0;
    env->db_hits = env->pending_hits = 0;
    env->efer = 0;
    env->pat = 0x0007040600070406ull;
    env->misc_enable = 1;                    /* fast strings enable */
    env->feature_control = 0;                /* unlocked until firmware/OS locks it */
    env->apic_base = 0xfee00000u | (1u << 11) | (cpu->index == 0 ? (1u << 8) : 0);
    /* TSC = 0 at power-on/reset, the same instant for every CPU of the
     * machine (Machine.tsc_epoch) */
    env->tsc_offset = -((cpu->machine && cpu->machine->tsc_epoch) ? cpu->machine->tsc_epoch
                                                                  : clock_ns());
    env->a20_mask = ~0ull;

    env->exception_index = -1;
    env->old_exception = -1;
    env->triple_fault = false;
    env->halted = false;
    env->inhibit_irq = false;
    env->movss_shadow = false;
    env->pending_step = false;

    fpu_reset(env);   /* x87 power-on state (FCW, tags...), fpu.c */
    env->xcr0 = 1;    /* x87 only (SDM Vol.1 13.3) */
    mmu_tlb_flush(env);
    cpu_update_mode(env);
}

/* SDM Vol.3 9.1.1, Table 9-1, "INIT" column: like a reset, except that
 * the x87/SSE state (FCW, FSW, tags, data registers, XMM, MXCSR), the TSC,
 * the MTRRs/PAT, IA32_MISC_ENABLE and IA32_APIC_BASE are left unchanged
 * (the LAPIC did its own INIT reset and kept its base: SDM 10.4.7.3).
 * A20 is a chipset line, not CPU state.  Whether the CPU then waits for
 * a SIPI is the caller's business (system/cpus.c). */
void cpu_x86_init_reset(X86CPU *cpu)
{
    CPUX86State *env = &cpu->env;
    X87State x87 = env->x87;
    int64_t tsc_offset = env->tsc_offset;
    uint64_t pat = env->pat, misc_enable = env->misc_enable, hwcr = env->amd_hwcr;
    uint64_t nb_cfg = env->amd_nb_cfg, ls_cfg = env->amd_ls_cfg;
    uint64_t feature_control = env->feature_control;
    uint64_t apic_base = env->apic_base, tsc_aux = env->tsc_aux;
    uint64_t a20_mask = env->a20_mask, xcr0 = env->xcr0;
    MtrrState mtrr = env->mtrr;
    McaState mca = env->mca;

    cpu_x86_reset(cpu);
    env->mtrr = mtrr;
    env->mca = mca;
    env->xcr0 = xcr0;
    env->x87 = x87;
    env->tsc_offset = tsc_offset;
    env->pat = pat;
    env->misc_enable = misc_enable;
    env->feature_control = feature_control;
    env->amd_hwcr = hwcr;
    env->amd_nb_cfg = nb_cfg;
    env->amd_ls_cfg = ls_cfg;
    env->apic_base = apic_base;
    env->tsc_aux = tsc_aux;
    env->a20_mask = a20_mask;
}

void cpu_update_mode(CPUX86State *env)
{
    const SegmentCache *cs = &env->segs[R_CS];
    env->long_mode = (env->efer & EFER_LMA) != 0;
    if (!(env->cr[0] & CR0_PE)) {
        env->cpl = 0;
    } else if (env->eflags & VM_MASK) {
        env->cpl = 3;
    } else {
        env->cpl = (env->segs[R_SS].flags & DESC_DPL_MASK) >> DESC_DPL_SHIFT;
    }
    if (env->long_mode && (cs->flags & DESC_L_MASK)) {
        env->code_bits = 64;
        env->stack_bits = 64;
        return;
    }
    if (env->eflags & VM_MASK) {
        env->code_bits = 16;
        env->stack_bits = 16;
        return;
    }
    /* Real mode too follows the cached D/B bits ("unreal" 32-bit code). */
    env->code_bits = (cs->flags & DESC_B_MASK) ? 32 : 16;
    env->stack_bits = (env->segs[R_SS].flags & DESC_B_MASK) ? 32 : 16;
}

void cpu_load_seg_real(CPUX86State *env, int seg, uint16_t selector)
{
    SegmentCache *sc = &env->segs[seg];
    sc->selector = selector;
    sc->base = (uint64_t)selector << 4;
    /* SDM Vol.3 20.1.1: real mode keeps the cached limit and attributes;
     * in V86 mode they are forced to a 64 KiB DPL 3 data segment. */
    if (env->eflags & VM_MASK) {
        sc->limit = 0xffff;
        sc->flags = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK |
                    (3u << DESC_DPL_SHIFT) | (seg == R_CS ? DESC_CS_MASK : 0);
    } else if (seg == R_CS) {
        /* a real-mode far transfer leaves 16-bit code */
        sc->flags = (sc->flags & ~(DESC_B_MASK | DESC_L_MASK | DESC_DPL_MASK)) |
                    DESC_P_MASK | DESC_S_MASK;
    } else if (seg == R_SS) {
        sc->flags = (sc->flags & ~DESC_DPL_MASK) | DESC_P_MASK | DESC_S_MASK;
    } else {
        sc->flags |= DESC_P_MASK | DESC_S_MASK;
    }
    if (seg == R_CS || seg == R_SS) {
        cpu_update_mode(env);
    }
}

/* ---- register dump in the layout of QEMU's `-d cpu` ---- */

static const char *const sys_type_legacy[16] = {
    "Reserved", "TSS16-avl", "LDT", "TSS16-busy", "CallGate16", "TaskGate",
    "IntGate16", "TrapGate16", "Reserved", "TSS32-avl", "Reserved",
    "TSS32-busy", "CallGate32", "Reserved", "IntGate32", "TrapGate32",
};
static const char *const sys_type_long[16] = {
    "<hiword>", "Reserved", "LDT", "Reserved", "Reserved", "Reserved",
    "Reserved", "Reserved", "Reserved", "TSS64-avl", "Reserved",
    "TSS64-busy", "CallGate64", "Reserved", "IntGate64", "TrapGate64",
};

static void dump_seg(CPUX86State *env, FILE *f, const char *name,
                     const SegmentCache *sc, bool wide)
{
    uint32_t fl = sc->flags;
    if (wide) {
        fprintf(f, "%-3s=%04x %016" PRIx64 " %08x %08x", name, sc->selector,
                sc->base, sc->limit, fl);
    } else {
        fprintf(f, "%-3s=%04x %08x %08x %08x", name, sc->selector,
                (uint32_t)sc->base, sc->limit, fl);
    }
    if ((env->cr[0] & CR0_PE) && (fl & DESC_P_MASK)) {
        fprintf(f, " DPL=%u ", (fl & DESC_DPL_MASK) >> DESC_DPL_SHIFT);
        if (fl & DESC_S_MASK) {
            if (fl & DESC_CS_MASK) {
                fprintf(f, "%s [%c%c", (fl & DESC_L_MASK) ? "CS64" :
                        (fl & DESC_B_MASK) ? "CS32" : "CS16",
                        (fl & DESC_C_MASK) ? 'C' : '-', (fl & DESC_R_MASK) ? 'R' : '-');
            } else {
                fprintf(f, "%s [%c%c", ((fl & DESC_B_MASK) || env->long_mode) ? "DS  " : "DS16",
                        (fl & DESC_E_MASK) ? 'E' : '-', (fl & DESC_W_MASK) ? 'W' : '-');
            }
            fprintf(f, "%c]", (fl & DESC_A_MASK) ? 'A' : '-');
        } else {
            const char *const *names = env->long_mode ? sys_type_long : sys_type_legacy;
            fputs(names[(fl & DESC_TYPE_MASK) >> DESC_TYPE_SHIFT], f);
        }
    }
    fputc('\n', f);
}

void cpu_dump_state(CPUX86State *env, FILE *f)
{
    static const char *const seg_names[NR_SEGS] = { "ES", "CS", "SS", "DS", "FS", "GS" };
    static const char *const reg64[16] = {
        "RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "RSP",
        "R8 ", "R9 ", "R10", "R11", "R12", "R13", "R14", "R15",
    };
    static const int order[16] = { R_EAX, R_EBX, R_ECX, R_EDX, R_ESI, R_EDI, R_EBP,
                                   R_ESP, 8, 9, 10, 11, 12, 13, 14, 15 };
    uint64_t fl = cpu_get_eflags(env);
    bool wide = env->long_mode;
    char fchars[8] = {
        (fl & DF_MASK) ? 'D' : '-', (fl & CC_O) ? 'O' : '-', (fl & CC_S) ? 'S' : '-',
        (fl & CC_Z) ? 'Z' : '-', (fl & CC_A) ? 'A' : '-', (fl & CC_P) ? 'P' : '-',
        (fl & CC_C) ? 'C' : '-', 0,
    };

    if (wide) {
        for (int i = 0; i < 16; i++) {
            fprintf(f, "%s=%016" PRIx64 "%c", reg64[i], env->regs[order[i]],
                    (i & 3) == 3 ? '\n' : ' ');
        }
        fprintf(f, "RIP=%016" PRIx64 " RFL=%08x [%s] CPL=%u II=%d A20=%d SMM=0 HLT=%d\n",
                env->rip, (uint32_t)fl, fchars, env->cpl, env->inhibit_irq,
                (env->a20_mask >> 20) & 1 ? 1 : 0, env->halted);
    } else {
        for (int i = 0; i < 8; i++) {
            fprintf(f, "E%s=%08x%c", reg64[i] + 1, (uint32_t)env->regs[order[i]],
                    (i & 3) == 3 ? '\n' : ' ');
        }
        fprintf(f, "EIP=%08x EFL=%08x [%s] CPL=%u II=%d A20=%d SMM=0 HLT=%d\n",
                (uint32_t)env->rip, (uint32_t)fl, fchars, env->cpl, env->inhibit_irq,
                (env->a20_mask >> 20) & 1 ? 1 : 0, env->halted);
    }
    for (int i = 0; i < NR_SEGS; i++) {
        dump_seg(env, f, seg_names[i], &env->segs[i], wide);
    }
    dump_seg(env, f, "LDT", &env->ldt, wide);
    dump_seg(env, f, "TR", &env->tr, wide);
    if (wide) {
        fprintf(f, "GDT=     %016" PRIx64 " %08x\n", env->gdt.base, env->gdt.limit);
        fprintf(f, "IDT=     %016" PRIx64 " %08x\n", env->idt.base, env->idt.limit);
        fprintf(f, "CR0=%08x CR2=%016" PRIx64 " CR3=%016" PRIx64 " CR4=%08x\n",
                (uint32_t)env->cr[0], env->cr[2], env->cr[3], (uint32_t)env->cr[4]);
        for (int i = 0; i < 4; i++) {
            fprintf(f, "DR%d=%016" PRIx64 " ", i, env->dr[i]);
        }
        fprintf(f, "\nDR6=%016" PRIx64 " DR7=%016" PRIx64 "\n", env->dr[6], env->dr[7]);
    } else {
        fprintf(f, "GDT=     %08x %08x\n", (uint32_t)env->gdt.base, env->gdt.limit);
        fprintf(f, "IDT=     %08x %08x\n", (uint32_t)env->idt.base, env->idt.limit);
        fprintf(f, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", (uint32_t)env->cr[0],
                (uint32_t)env->cr[2], (uint32_t)env->cr[3], (uint32_t)env->cr[4]);
        /* QEMU prints the debug registers at full width in every mode */
        for (int i = 0; i < 4; i++) {
            fprintf(f, "DR%d=%016" PRIx64 " ", i, env->dr[i]);
        }
        fprintf(f, "\nDR6=%016" PRIx64 " DR7=%016" PRIx64 "\n", env->dr[6], env->dr[7]);
    }
    /* QEMU's lazy-flag line; ours is shown materialized (CCO=EFLAGS) since
     * the two emulators' lazy encodings differ */
    if (env->long_mode && (env->segs[R_CS].flags & DESC_L_MASK)) {
        fprintf(f, "CCS=%016" PRIx64 " CCD=%016" PRIx64 " CCO=EFLAGS\n",
                (uint64_t)(fl & CC_MASK), (uint64_t)0);
    } else {
        fprintf(f, "CCS=%08x CCD=%08x CCO=EFLAGS\n", (uint32_t)(fl & CC_MASK), 0u);
    }
    fprintf(f, "EFER=%016" PRIx64 "\n", env->efer);
}

/*
 * tests/unit/test-kvm-regs.c - CPUX86State <-> KVM's register structures
 * (accel/kvm/kvm-regs.c) on any host: this binary defines ioctl() itself,
 * so the KVM calls of kvm-regs.c land in a fake vCPU that keeps what
 * KVM_SET_* hands it and gives it back on KVM_GET_*.  What goes through
 * put_state must come back through get_state unchanged: general and
 * segment registers, control registers, EFER, the MSRs KVM lists, the
 * MTRRs, debug registers, x87/SSE/AVX and XCR0, with KVM_SET_XSAVE or
 * with the older KVM_SET_FPU.  (With /dev/kvm, test-kvm runs real guests.)
 */
#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "accel/kvm/kvm-int.h"
#include "cpu-test-harness.h"
#include "target/i386/cpuid.h"

#define FAKE_SYS_FD  9001
#define FAKE_VCPU_FD 9002

static struct {
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_xsave xsave;
    struct kvm_fpu fpu;
    struct kvm_xcrs xcrs;
    struct kvm_debugregs dbg;
    struct kvm_vcpu_events events;
    struct { uint32_t index; uint64_t data; } msr[64];
    int nr_msr;
    uint32_t refused_msr;   /* KVM_SET/GET_MSRS stop at this one (0: none) */
} fake;

/* MSRs the fake host lists in KVM_GET_MSR_INDEX_LIST: not CSTAR */
static const uint32_t fake_index_list[] = {
    MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP, MSR_STAR,
    MSR_LSTAR, MSR_FMASK, MSR_KERNELGSBASE, MSR_IA32_TSC, MSR_TSC_AUX,
};

static uint64_t *fake_msr(uint32_t index)
{
    for (int i = 0; i < fake.nr_msr; i++) {
        if (fake.msr[i].index == index) {
            return &fake.msr[i].data;
        }
    }
    g_assert_cmpint(fake.nr_msr, <, 64);
    fake.msr[fake.nr_msr].index = index;
    fake.msr[fake.nr_msr].data = 0;
    return &fake.msr[fake.nr_msr++].data;
}

static int fake_msrs(struct kvm_msrs *m, bool set)
{
    uint32_t i;
    for (i = 0; i < m->nmsrs; i++) {
        if (m->entries[i].index == fake.refused_msr) {
            break;          /* KVM returns how many it did */
        }
        if (set) {
            *fake_msr(m->entries[i].index) = m->entries[i].data;
        } else {
            m->entries[i].data = *fake_msr(m->entries[i].index);
        }
    }
    return (int)i;
}

int ioctl(int fd, unsigned long req, ...)
{
    va_list ap;
    va_start(ap, req);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (fd != FAKE_SYS_FD && fd != FAKE_VCPU_FD) {
        return (int)syscall(SYS_ioctl, fd, req, arg);
    }
    switch (req) {
    case KVM_GET_MSR_INDEX_LIST: {
        struct kvm_msr_list *l = arg;
        uint32_t n = G_N_ELEMENTS(fake_index_list);
        if (l->nmsrs < n) {
            l->nmsrs = n;
            errno = E2BIG;
            return -1;
        }
        l->nmsrs = n;
        memcpy(l->indices, fake_index_list, sizeof(fake_index_list));
        return 0;
    }
    case KVM_GET_REGS: memcpy(arg, &fake.regs, sizeof(fake.regs)); return 0;
    case KVM_SET_REGS: memcpy(&fake.regs, arg, sizeof(fake.regs)); return 0;
    case KVM_GET_SREGS: memcpy(arg, &fake.sregs, sizeof(fake.sregs)); return 0;
    case KVM_SET_SREGS: memcpy(&fake.sregs, arg, sizeof(fake.sregs)); return 0;
    case KVM_GET_XSAVE: memcpy(arg, &fake.xsave, sizeof(fake.xsave)); return 0;
    case KVM_SET_XSAVE: memcpy(&fake.xsave, arg, sizeof(fake.xsave)); return 0;
    case KVM_GET_FPU: memcpy(arg, &fake.fpu, sizeof(fake.fpu)); return 0;
    case KVM_SET_FPU: memcpy(&fake.fpu, arg, sizeof(fake.fpu)); return 0;
    case KVM_GET_XCRS: memcpy(arg, &fake.xcrs, sizeof(fake.xcrs)); return 0;
    case KVM_SET_XCRS: memcpy(&fake.xcrs, arg, sizeof(fake.xcrs)); return 0;
    case KVM_GET_DEBUGREGS: memcpy(arg, &fake.dbg, sizeof(fake.dbg)); return 0;
    case KVM_SET_DEBUGREGS: memcpy(&fake.dbg, arg, sizeof(fake.dbg)); return 0;
    case KVM_GET_VCPU_EVENTS: memcpy(arg, &fake.events, sizeof(fake.events)); return 0;
    case KVM_SET_VCPU_EVENTS: memcpy(&fake.events, arg, sizeof(fake.events)); return 0;
    case KVM_GET_MSRS: return fake_msrs(arg, false);
    case KVM_SET_MSRS: return fake_msrs(arg, true);
    default:
        errno = ENOTTY;
        return -1;
    }
}

/* A 64-bit guest in the middle of something: every field a distinct value. */
static void fill_state(CPUX86State *env)
{
    for (int i = 0; i < 16; i++) {
        env->regs[i] = 0x1111111111111111ull * (uint64_t)(i + 1) + 0x0123;
    }
    env->rip = 0xffffffff81234567ull;
    cpu_set_eflags(env, 0x00000a97, ~0ull);     /* OF DF SF AF PF CF, IF */
    env->segs[R_FS].base = 0x7f0012345000ull;
    env->segs[R_GS].base = 0xffff888012340000ull;
    env->tr.selector = 0x40;
    env->tr.base = 0xfffffe0000003000ull;
    env->tr.limit = 0x4087;
    env->tr.flags = DESC_P_MASK | (11u << 8);   /* busy 64-bit TSS */
    env->ldt.selector = 0;
    env->gdt.base = 0xfffffe0000001000ull;
    env->gdt.limit = 0x7f;
    env->idt.base = 0xfffffe0000000000ull;
    env->idt.limit = 0xfff;
    env->cr[2] = 0x7ffd12345678ull;
    env->cr[4] |= CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE;
    env->cr8 = 5;
    env->efer |= EFER_SCE | EFER_NXE;
    env->star = 0x0023001000000000ull;
    env->lstar = 0xffffffff81a00080ull;
    env->cstar = 0xffffffff81a01000ull;
    env->fmask = 0x47700;
    env->kernel_gs_base = 0x7f0000001000ull;
    env->sysenter_cs = 0x10;
    env->sysenter_esp = 0xfffffe0000004000ull;
    env->sysenter_eip = 0xffffffff81a02000ull;
    env->pat = 0x0407050600070106ull;
    env->tsc_aux = 3;
    env->misc_enable = 1;
    env->mtrr.deftype = 0xc06;
    for (int i = 0; i < 11; i++) {
        env->mtrr.fixed[i] = 0x0606060606060606ull - (uint64_t)i;
    }
    for (int i = 0; i < MTRR_VCNT; i++) {
        env->mtrr.var[i][0] = 0x80000000ull * (uint64_t)i | 6;
        env->mtrr.var[i][1] = 0xff80000800ull;
    }
    env->dr[0] = 0x401000;
    env->dr[1] = 0x402000;
    env->dr[2] = 0x403000;
    env->dr[3] = 0x404000;
    env->dr[6] = 0xffff0ff1;
    env->dr[7] = 0x000d0403;
    env->xcr0 = 7;
    X87State *x = &env->x87;
    x->fcw = 0x027f;
    x->fsw = 0x3800;                 /* TOP = 7 */
    x->ftw = 0x80;                   /* R7 in use */
    x->regs[7].mant = 0xc90fdaa22168c235ull;
    x->regs[7].sexp = 0x4000;        /* pi */
    x->mxcsr = 0x1fa0;
    for (int i = 0; i < 16; i++) {
        for (int j = 0; j < 16; j++) {
            x->xmm[i][j] = (uint8_t)(i * 16 + j);
            x->ymmh[i][j] = (uint8_t)(0xff - i * 16 - j);
        }
    }
    cpu_update_mode(env);
}

/* What get_state must rebuild: a CPU with the same model, nothing else. */
static void scramble(CPUX86State *env)
{
    memset(env->regs, 0, sizeof(env->regs));
    env->rip = 0;
    cpu_set_eflags(env, 0x2, ~0ull);
    memset(env->segs, 0, sizeof(env->segs));
    memset(&env->tr, 0, sizeof(env->tr));
    memset(&env->gdt, 0, sizeof(env->gdt));
    memset(&env->idt, 0, sizeof(env->idt));
    memset(env->cr, 0, sizeof(env->cr));
    env->cr8 = env->efer = 0;
    env->star = env->lstar = env->cstar = env->fmask = env->kernel_gs_base = 0;
    env->sysenter_cs = env->sysenter_esp = env->sysenter_eip = 0;
    env->pat = env->tsc_aux = env->misc_enable = 0;
    memset(&env->mtrr, 0, sizeof(env->mtrr));
    memset(env->dr, 0, sizeof(env->dr));
    memset(&env->x87, 0, sizeof(env->x87));
    env->xcr0 = 1;
}

static void check_same(CPUX86State *a, CPUX86State *b, bool cstar_listed)
{
    g_assert_cmpmem(a->regs, sizeof(a->regs), b->regs, sizeof(b->regs));
    g_assert_cmphex(a->rip, ==, b->rip);
    g_assert_cmphex(cpu_get_eflags(a), ==, cpu_get_eflags(b));
    for (int s = 0; s < 6; s++) {
        g_assert_cmphex(a->segs[s].selector, ==, b->segs[s].selector);
        g_assert_cmphex(a->segs[s].base, ==, b->segs[s].base);
        g_assert_cmphex(a->segs[s].limit, ==, b->segs[s].limit);
        /* (KVM has no place for the accessed bit of a null selector) */
        if (a->segs[s].selector) {
            g_assert_cmphex(a->segs[s].flags, ==, b->segs[s].flags);
        }
    }
    g_assert_cmphex(a->tr.base, ==, b->tr.base);
    g_assert_cmphex(a->tr.limit, ==, b->tr.limit);
    g_assert_cmphex(a->tr.selector, ==, b->tr.selector);
    g_assert_cmphex(a->tr.flags, ==, b->tr.flags);
    g_assert_cmphex(a->gdt.base, ==, b->gdt.base);
    g_assert_cmphex(a->gdt.limit, ==, b->gdt.limit);
    g_assert_cmphex(a->idt.base, ==, b->idt.base);
    g_assert_cmphex(a->idt.limit, ==, b->idt.limit);
    for (int i = 0; i < 5; i++) {
        g_assert_cmphex(a->cr[i], ==, b->cr[i]);
    }
    g_assert_cmphex(a->cr8, ==, b->cr8);
    g_assert_cmphex(a->efer, ==, b->efer);
    g_assert_cmpint(a->code_bits, ==, b->code_bits);
    g_assert_cmphex(a->star, ==, b->star);
    g_assert_cmphex(a->lstar, ==, b->lstar);
    /* an MSR the host does not list is not transferred (stays as it was) */
    if (cstar_listed) {
        g_assert_cmphex(a->cstar, ==, b->cstar);
    }
    g_assert_cmphex(a->fmask, ==, b->fmask);
    g_assert_cmphex(a->kernel_gs_base, ==, b->kernel_gs_base);
    g_assert_cmphex(a->sysenter_cs, ==, b->sysenter_cs);
    g_assert_cmphex(a->sysenter_esp, ==, b->sysenter_esp);
    g_assert_cmphex(a->sysenter_eip, ==, b->sysenter_eip);
    g_assert_cmphex(a->pat, ==, b->pat);
    g_assert_cmphex(a->tsc_aux, ==, b->tsc_aux);
    g_assert_cmphex(a->misc_enable, ==, b->misc_enable);
    g_assert_cmphex(a->mtrr.deftype, ==, b->mtrr.deftype);
    g_assert_cmpmem(a->mtrr.fixed, sizeof(a->mtrr.fixed), b->mtrr.fixed, sizeof(b->mtrr.fixed));
    g_assert_cmpmem(a->mtrr.var, sizeof(a->mtrr.var), b->mtrr.var, sizeof(b->mtrr.var));
    for (int i = 0; i < 8; i++) {
        if (i != 4 && i != 5) {
            g_assert_cmphex(a->dr[i], ==, b->dr[i]);
        }
    }
    g_assert_cmphex(a->x87.fcw, ==, b->x87.fcw);
    g_assert_cmphex(a->x87.fsw, ==, b->x87.fsw);
    g_assert_cmphex(a->x87.ftw, ==, b->x87.ftw);
    g_assert_cmphex(a->x87.regs[7].mant, ==, b->x87.regs[7].mant);
    g_assert_cmphex(a->x87.regs[7].sexp, ==, b->x87.regs[7].sexp);
    g_assert_cmphex(a->x87.mxcsr, ==, b->x87.mxcsr);
    g_assert_cmpmem(a->x87.xmm, sizeof(a->x87.xmm), b->x87.xmm, sizeof(b->x87.xmm));
}

static void round_trip(bool xsave, bool cstar_listed)
{
    memset(&fake, 0, sizeof(fake));
    memset(&kvm_state, 0, sizeof(kvm_state));
    kvm_state.sys_fd = FAKE_SYS_FD;
    kvm_state.xsave = xsave;
    kvm_state.xcrs = xsave;
    kvm_state.debugregs = true;
    kvm_state.vcpu_events = true;
    if (cstar_listed) {
        kvm_state.sys_fd = -1;      /* no index list: every candidate is tried */
    }
    kvm_arch_init_msr_list(&kvm_state);
    g_assert_cmpint(kvm_state.nr_msrs, >, 28);

    TestCPU *t = tcpu_new(4);
    tflat64(t);
    CPUX86State *env = t->env;
    env->model = x86_model_find("max");
    KvmVcpu kv = { .fd = FAKE_VCPU_FD, .cpu = t->cpu };
    t->cpu->accel_state = &kv;
    fill_state(env);
    static CPUX86State before;
    before = *env;

    g_assert_cmpint(kvm_arch_put_state(t->cpu), ==, 0);
    scramble(env);
    kvm_arch_get_state(t->cpu);
    check_same(env, &before, cstar_listed);
    if (xsave) {
        /* YMM upper halves and XCR0 travel with KVM_SET_XSAVE/XCRS */
        g_assert_cmpmem(env->x87.ymmh, sizeof(env->x87.ymmh), before.x87.ymmh,
                        sizeof(before.x87.ymmh));
        g_assert_cmphex(env->xcr0, ==, 7);
    }
    /* and a second put/get changes nothing */
    g_assert_cmpint(kvm_arch_put_state(t->cpu), ==, 0);
    scramble(env);
    kvm_arch_get_state(t->cpu);
    check_same(env, &before, cstar_listed);
    t->cpu->accel_state = NULL;
    tcpu_free(t);
}

static void test_round_trip_xsave(void)
{
    round_trip(true, false);
}

static void test_round_trip_fpu(void)
{
    round_trip(false, true);
}

/* KVM refuses one MSR in the middle of the list: the rest still moves. */
static void test_refused_msr(void)
{
    memset(&fake, 0, sizeof(fake));
    memset(&kvm_state, 0, sizeof(kvm_state));
    kvm_state.sys_fd = -1;
    kvm_arch_init_msr_list(&kvm_state);
    fake.refused_msr = MSR_LSTAR;
    TestCPU *t = tcpu_new(4);
    tflat64(t);
    KvmVcpu kv = { .fd = FAKE_VCPU_FD, .cpu = t->cpu };
    t->cpu->accel_state = &kv;
    fill_state(t->env);
    static CPUX86State before;
    before = *t->env;
    /* (a refusal is one line on stderr; the state still goes in) */
    g_assert_cmpint(kvm_arch_put_state(t->cpu), ==, 0);
    scramble(t->env);
    kvm_arch_get_state(t->cpu);
    g_assert_cmphex(t->env->star, ==, before.star);
    g_assert_cmphex(t->env->fmask, ==, before.fmask);
    g_assert_cmphex(t->env->pat, ==, before.pat);
    g_assert_cmphex(t->env->mtrr.var[7][1], ==, before.mtrr.var[7][1]);
    g_assert_cmphex(t->env->lstar, ==, 0);
    t->cpu->accel_state = NULL;
    tcpu_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm-regs/round-trip-xsave", test_round_trip_xsave);
    g_test_add_func("/kvm-regs/round-trip-fpu", test_round_trip_fpu);
    g_test_add_func("/kvm-regs/refused-msr", test_refused_msr);
    return g_test_run();
}

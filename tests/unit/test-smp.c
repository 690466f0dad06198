/* Unit tests for the SMP side of system/cpus.c, driven by a scripted fake
 * accelerator (as tests/unit/test-pc.c does for the vCPU threads):
 *  - round-robin: every vCPU on one host thread, APs in wait-for-SIPI are
 *    never run, a started AP alternates fairly with the BSP;
 *  - INIT/SIPI state machine (SDM Vol.3 8.4, 9.1, 10.6.1): SIPI start
 *    state, SIPI to a running CPU ignored, INIT to the BSP restarts it at
 *    the reset vector keeping x87 and TSC (Table 9-1), a reset puts the APs
 *    back in wait-for-SIPI;
 *  - a round-robin thread with every vCPU halted sleeps and wakes on a kick;
 *  - one thread per vCPU (the KVM model) runs a started AP on its own thread.
 */
#include <glib.h>
#include <pthread.h>
#include <string.h>

#include "accel/accel.h"
#include "hw/machine.h"
#include "system/cpus.h"
#include "system/sysemu.h"
#include "target/i386/cpu.h"

#define LOG_MAX 64

static int runs[MAX_CPUS];
static int puts_[MAX_CPUS];
static pthread_t run_thread[MAX_CPUS];
static int run_log[LOG_MAX];      /* CPU index of each vcpu_run, in order */
static int nr_log;
static int mode;
static bool check_ok;             /* a check made inside vcpu_run */

static bool fake_available(char *why, size_t len) { return true; }
static int fake_vcpu_init(X86CPU *cpu, char *err, size_t len) { return 0; }
static void fake_kick(X86CPU *cpu) { }
static void fake_put_state(X86CPU *cpu)
{
    __atomic_fetch_add(&puts_[cpu->index], 1, __ATOMIC_SEQ_CST);
}

/* What pc.c's LAPIC callbacks do for an INIT / SIPI message. */
static void send_init(X86CPU *cpu)
{
    __atomic_fetch_or(&cpu->interrupt_request, CPU_INTERRUPT_INIT, __ATOMIC_SEQ_CST);
    cpus_kick(cpu);
}

static void send_sipi(X86CPU *cpu, uint8_t vector)
{
    cpu->sipi_vector = vector;
    __atomic_fetch_or(&cpu->interrupt_request, CPU_INTERRUPT_SIPI, __ATOMIC_SEQ_CST);
    cpus_kick(cpu);
}

static VcpuExit fake_vcpu_run(X86CPU *cpu)
{
    Machine *m = cpu->machine;
    X86CPU *ap = m->nr_cpus > 1 ? m->cpus[1] : NULL;
    int n = __atomic_add_fetch(&runs[cpu->index], 1, __ATOMIC_SEQ_CST);
    int req = __atomic_load_n(&cpu->interrupt_request, __ATOMIC_SEQ_CST);

    run_thread[cpu->index] = pthread_self();
    if (nr_log < LOG_MAX) {
        run_log[nr_log++] = cpu->index;
    }
    if (req & (CPU_INTERRUPT_EXIT | CPU_INTERRUPT_INIT | CPU_INTERRUPT_SIPI)) {
        return VCPU_EXIT_REQUEST;
    }
    switch (mode) {
    case 0:
        /* round-robin: start CPU 1, let both run slices, then SIPI the
         * running CPU 1 (ignored), then power off */
        if (cpu->index == 0) {
            if (n == 1) {
                send_init(ap);
                send_sipi(ap, 0x12);
            } else if (n == 10) {
                send_sipi(ap, 0x34);
            } else if (n == 20) {
                machine_request_shutdown(m, 5);
            }
        }
        return VCPU_EXIT_REQUEST;   /* "slice used up" */
    case 1:
        /* halt sleep: CPU 0 starts CPU 1 and halts; CPU 1 halts until
         * INTR, then powers off */
        if (cpu->index == 0) {
            if (n == 1) {
                send_init(ap);
                send_sipi(ap, 0x01);
            }
            return VCPU_EXIT_HALT;
        }
        if (req & CPU_INTERRUPT_HARD) {
            machine_request_shutdown(m, 9);
            return VCPU_EXIT_REQUEST;
        }
        return VCPU_EXIT_HALT;
    case 2:
        /* INIT to the BSP: reset vector, x87 control word and TSC kept */
        if (n == 1) {
            cpu->env.x87.fcw = 0x0123;
            cpu->env.tsc_offset = 12345;
            cpu->env.rip = 0x4321;
            cpu->env.cr[0] |= CR0_PE;
            send_init(cpu);
            return VCPU_EXIT_REQUEST;
        }
        check_ok = cpu->env.rip == 0xfff0 && cpu->env.segs[R_CS].selector == 0xf000 &&
                   cpu->env.segs[R_CS].base == 0xffff0000u && !(cpu->env.cr[0] & CR0_PE) &&
                   cpu->env.x87.fcw == 0x0123 && cpu->env.tsc_offset == 12345 &&
                   !cpus_waiting_for_sipi(cpu);
        machine_request_shutdown(m, 6);
        return VCPU_EXIT_REQUEST;
    case 3:
        /* reset: a started AP waits for SIPI again afterwards */
        if (cpu->index == 0) {
            if (n == 1) {
                send_init(ap);
                send_sipi(ap, 0x02);
            } else if (n == 3) {
                check_ok = !cpus_waiting_for_sipi(ap) && runs[1] > 0;
                machine_request_reset(m, "test");
            } else if (n > 3) {
                check_ok = check_ok && cpus_waiting_for_sipi(ap) &&
                           !cpus_waiting_for_sipi(cpu);
                machine_request_shutdown(m, 7);
            }
        }
        return VCPU_EXIT_REQUEST;
    default:
        /* one thread per vCPU: CPU 0 starts CPU 1, which powers off */
        if (cpu->index == 0) {
            if (n == 1) {
                send_init(ap);
                send_sipi(ap, 0x03);
            }
            return VCPU_EXIT_HALT;
        }
        machine_request_shutdown(m, 8);
        return VCPU_EXIT_REQUEST;
    }
}

static const AccelOps fake_accel = {
    .name = "fake",
    .available = fake_available,
    .vcpu_init = fake_vcpu_init,
    .vcpu_run = fake_vcpu_run,
    .kick = fake_kick,
    .put_state = fake_put_state,
};

static Machine *fake_machine(int ncpus, int m_mode, int rr)
{
    Machine *m = calloc(1, sizeof(*m));
    for (int i = 0; i < ncpus; i++) {
        m->cpus[i] = calloc(1, sizeof(X86CPU));
        cpu_x86_init(m->cpus[i], m, i);
    }
    m->nr_cpus = ncpus;
    memset(runs, 0, sizeof(runs));
    memset(puts_, 0, sizeof(puts_));
    memset(run_thread, 0, sizeof(run_thread));
    nr_log = 0;
    mode = m_mode;
    check_ok = false;
    current_accel = &fake_accel;
    cpus_set_round_robin(rr);
    return m;
}

static void fake_machine_free(Machine *m)
{
    for (int i = 0; i < m->nr_cpus; i++) {
        free(m->cpus[i]);
    }
    free(m);
    cpus_set_round_robin(-1);
}

static void test_round_robin(void)
{
    Machine *m = fake_machine(3, 0, 1);
    char *err = NULL;
    g_assert_true(cpus_start(m, &err));
    g_assert_true(cpus_join(m, 5000));
    g_assert_cmpint(m->exit_status, ==, 5);
    /* CPU 2 never got a SIPI: never run */
    g_assert_cmpint(runs[2], ==, 0);
    g_assert_true(cpus_waiting_for_sipi(m->cpus[2]));
    g_assert_cmpint(runs[1], >=, 10);
    /* one host thread for everything */
    g_assert_true(pthread_equal(run_thread[0], run_thread[1]));
    /* started at vector 0x12: CS 1200, base 0x12000, IP 0, real mode; the
     * later SIPI 0x34 to the running CPU changed nothing */
    X86CPU *ap = m->cpus[1];
    g_assert_cmpuint(ap->env.segs[R_CS].selector, ==, 0x1200);
    g_assert_cmphex(ap->env.segs[R_CS].base, ==, 0x12000);
    g_assert_cmphex(ap->env.rip, ==, 0);
    g_assert_false(ap->env.cr[0] & CR0_PE);
    /* INIT and SIPI arrived in one BSP slice: applied in order, one put;
     * the ignored SIPI put nothing */
    g_assert_cmpint(puts_[1], ==, 1);
    /* fair: once CPU 1 runs, the two alternate */
    int first1 = -1;
    for (int i = 0; i < nr_log; i++) {
        if (run_log[i] == 1) {
            first1 = i;
            break;
        }
    }
    g_assert_cmpint(first1, >, 0);
    for (int i = first1; i + 1 < nr_log && i < first1 + 16; i++) {
        g_assert_cmpint(run_log[i], !=, run_log[i + 1]);
    }
    fake_machine_free(m);
}

static void test_halt_sleep(void)
{
    Machine *m = fake_machine(2, 1, 1);
    char *err = NULL;
    g_assert_true(cpus_start(m, &err));
    g_usleep(100 * 1000);
    /* both halted: the thread sleeps instead of spinning */
    int r0 = __atomic_load_n(&runs[0], __ATOMIC_SEQ_CST);
    int r1 = __atomic_load_n(&runs[1], __ATOMIC_SEQ_CST);
    g_assert_cmpint(r1, >=, 1);
    g_usleep(50 * 1000);
    g_assert_cmpint(__atomic_load_n(&runs[0], __ATOMIC_SEQ_CST), ==, r0);
    g_assert_cmpint(__atomic_load_n(&runs[1], __ATOMIC_SEQ_CST), ==, r1);
    g_assert_cmpint(r0 + r1, <=, 8);
    /* an interrupt for CPU 1 wakes the thread */
    __atomic_fetch_or(&m->cpus[1]->interrupt_request, CPU_INTERRUPT_HARD, __ATOMIC_SEQ_CST);
    cpus_kick(m->cpus[1]);
    g_assert_true(cpus_join(m, 2000));
    g_assert_cmpint(m->exit_status, ==, 9);
    fake_machine_free(m);
}

static void test_init_bsp(void)
{
    Machine *m = fake_machine(2, 2, 1);
    char *err = NULL;
    g_assert_true(cpus_start(m, &err));
    g_assert_true(cpus_join(m, 2000));
    g_assert_cmpint(m->exit_status, ==, 6);
    g_assert_true(check_ok);
    g_assert_cmpint(runs[1], ==, 0);
    fake_machine_free(m);
}

static void test_reset_waits_for_sipi(void)
{
    Machine *m = fake_machine(2, 3, 1);
    char *err = NULL;
    g_assert_true(cpus_start(m, &err));
    g_assert_true(cpus_join(m, 2000));
    g_assert_cmpint(m->exit_status, ==, 7);
    g_assert_true(check_ok);
    fake_machine_free(m);
}

static void test_thread_per_vcpu(void)
{
    Machine *m = fake_machine(2, 4, 0);
    char *err = NULL;
    g_assert_true(cpus_start(m, &err));
    g_assert_true(cpus_join(m, 2000));
    g_assert_cmpint(m->exit_status, ==, 8);
    g_assert_cmpint(runs[1], >=, 1);
    g_assert_false(pthread_equal(run_thread[0], run_thread[1]));
    g_assert_cmpuint(m->cpus[1]->env.segs[R_CS].selector, ==, 0x0300);
    fake_machine_free(m);
}

static void test_init_reset_state(void)
{
    /* SDM Vol.3 Table 9-1: INIT keeps x87/SSE, TSC, PAT, APIC_BASE */
    X86CPU *cpu = calloc(1, sizeof(*cpu));
    cpu_x86_init(cpu, NULL, 1);
    cpu->env.x87.fcw = 0x027f;
    cpu->env.x87.mxcsr = 0x9fc0;
    cpu->env.x87.xmm[3][5] = 0xaa;
    cpu->env.tsc_offset = -777;
    cpu->env.pat = 0x0606060606060606ull;
    cpu->env.apic_base = 0xfed00000u;  /* moved, not BSP */
    cpu->env.efer = EFER_LME;
    cpu->env.cr[0] |= CR0_PE;
    cpu->env.regs[R_EAX] = 0x1234;
    cpu_x86_init_reset(cpu);
    g_assert_cmphex(cpu->env.x87.fcw, ==, 0x027f);
    g_assert_cmphex(cpu->env.x87.mxcsr, ==, 0x9fc0);
    g_assert_cmphex(cpu->env.x87.xmm[3][5], ==, 0xaa);
    g_assert_cmpint(cpu->env.tsc_offset, ==, -777);
    g_assert_cmphex(cpu->env.pat, ==, 0x0606060606060606ull);
    g_assert_cmphex(cpu->env.apic_base, ==, 0xfed00000u);
    g_assert_cmphex(cpu->env.efer, ==, 0);
    g_assert_cmphex(cpu->env.cr[0], ==, 0x60000010);
    g_assert_cmphex(cpu->env.regs[R_EAX], ==, 0);
    g_assert_cmphex(cpu->env.rip, ==, 0xfff0);
    free(cpu);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smp/init-reset-state", test_init_reset_state);
    g_test_add_func("/smp/round-robin", test_round_robin);
    g_test_add_func("/smp/halt-sleep", test_halt_sleep);
    g_test_add_func("/smp/init-bsp", test_init_bsp);
    g_test_add_func("/smp/reset-waits-for-sipi", test_reset_waits_for_sipi);
    g_test_add_func("/smp/thread-per-vcpu", test_thread_per_vcpu);
    return g_test_run();
}

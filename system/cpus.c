/*
 * system/cpus.c - vCPU threads, their generic run loop and the INIT/SIPI
 * state machine (docs/smp.md).
 *
 * Thread model: KVM runs one host thread per vCPU (KVM binds a vCPU to the
 * thread that created it).  TCG runs *every* vCPU on one host thread, in a
 * fair round-robin: each runnable vCPU in turn executes until it halts, is
 * asked to leave, or uses up its slice of blocks (accel/tcg/tcg-accel.c).
 * One thread means no data races in the shared block cache or the
 * interpreter's lock-free paths, LOCK-prefixed instructions are trivially
 * atomic, and requests/kicks work exactly as with a single CPU.
 *
 * The loop of a thread owning vCPUs [first, first + count) is
 *
 *     shutdown requested?  -> leave
 *     reset requested?     -> rendezvous (below), then loop
 *     paused (monitor stop, -S)? -> park in runstate_vcpu_checkpoint, loop
 *     seq = wake_seq
 *     for each owned vCPU:
 *         clear CPU_INTERRUPT_EXIT; stop requested? -> next round
 *         INIT / SIPI pending? -> state machine (below)
 *         waiting for SIPI?    -> skip
 *         apic_set_current(its LAPIC); r = vcpu_run(cpu)  (without the BQL)
 *         HALT -> mark halted; FATAL -> machine_request_shutdown(m, 1)
 *     every vCPU halted or waiting -> sleep until wake_seq != seq
 *
 * EXIT is cleared *before* the run-state checks, so a request made after
 * them leaves the bit set and vcpu_run returns at once: no lost requests.
 *
 * Halt sleeping uses a per-thread wake sequence number, bumped (under
 * cpus_mutex) by every cpus_kick() of one of its vCPUs.  The loop samples
 * it before a round; it sleeps only if no vCPU made progress in the round
 * and the number is unchanged.  So an interrupt raised while vcpu_run was
 * deciding to halt is never lost, and a CPU halted with IF=0 and INTR high
 * does not spin: it sleeps until the next event (NMI, INIT, reset, a kick).
 *
 * INIT/SIPI (SDM Vol.3 8.4 MP initialization, 9.1 INIT state, 10.6 IPIs):
 * application processors start in wait-for-SIPI, only the BSP runs.  An
 * INIT (CPU_INTERRUPT_INIT, the LAPIC already did its own INIT reset)
 * puts the CPU in the INIT state (cpu_x86_init_reset: Table 9-1); an AP
 * then waits for SIPI, the BSP restarts at the reset vector, as on real
 * hardware since the P6 and as QEMU does.  A SIPI to a CPU waiting for
 * one starts it in real mode at CS = vector << 8 (base vector << 12),
 * IP = 0; a SIPI to any other CPU is ignored (SDM 10.6.1 "Start-Up").
 * Both accelerators: the new state goes to the accelerator with put_state
 * in the vCPU's own thread.
 *
 * Reset is a rendezvous led by the thread of the BSP (CPU 0): the other
 * threads park at a safe point and count themselves in nr_paused; when all
 * are parked the leader resets the devices (BQL held) and its own vCPUs,
 * then clears m->reset_requested; each parked thread then resets its own
 * vCPUs (KVM register ioctls belong to the vCPU's thread).  After a reset
 * the APs wait for SIPI again.
 */
#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "accel/accel.h"
#include "hw/intc/apic.h"
#include "hw/machine.h"
#include "system/cpus.h"
#include "system/log.h"
#include "system/runstate.h"
#include "system/sysemu.h"
#include "target/i386/cpu.h"

/* A host thread running vCPUs [first, first + count) of t->m. */
typedef struct VcpuThread {
    pthread_t thread;
    Machine *m;
    int first, count;
    bool created;        /* pthread_create succeeded */
    bool init_done;      /* vcpu_init returned for all (cpus_mutex) */
    bool init_ok;
    bool exited;         /* loop left (cpus_mutex) */
    unsigned wake_seq;   /* bumped by cpus_kick (cpus_mutex) */
    char err[256];
} VcpuThread;

static pthread_mutex_t cpus_mutex = PTHREAD_MUTEX_INITIALIZER;
/* One condition for every state change: few threads, rare events. */
static pthread_cond_t cpus_cond = PTHREAD_COND_INITIALIZER;
static VcpuThread threads[MAX_CPUS];
static int nr_threads;
static VcpuThread *vcpu_thread[MAX_CPUS];  /* which thread runs CPU i */
/* CPU i is in wait-for-SIPI; only touched by the thread running it. */
static bool wait_for_sipi[MAX_CPUS];
static int nr_paused;            /* non-leader threads parked for a reset */
static bool cpus_go;             /* every vCPU initialised: start running */

void cpus_kick(X86CPU *cpu)
{
    if (!cpu || cpu->index < 0 || cpu->index >= MAX_CPUS) {
        return;
    }
    bool ready;
    pthread_mutex_lock(&cpus_mutex);
    VcpuThread *t = vcpu_thread[cpu->index];
    if (!t) {
        pthread_mutex_unlock(&cpus_mutex);
        return;
    }
    t->wake_seq++;
    ready = t->init_done && t->init_ok && !t->exited;
    pthread_cond_broadcast(&cpus_cond);
    pthread_mutex_unlock(&cpus_mutex);
    /* Only a vCPU the accelerator knows about can be kicked out of
     * vcpu_run; before that, the sequence bump is all it needs. */
    if (ready && current_accel && current_accel->kick) {
        current_accel->kick(cpu);
    }
}

bool cpus_waiting_for_sipi(X86CPU *cpu)
{
    return cpu && cpu->index >= 0 && cpu->index < MAX_CPUS &&
           __atomic_load_n(&wait_for_sipi[cpu->index], __ATOMIC_ACQUIRE);
}

static bool cpus_stop_requested(Machine *m)
{
    return __atomic_load_n(&m->shutdown_requested, __ATOMIC_SEQ_CST) ||
           __atomic_load_n(&m->reset_requested, __ATOMIC_SEQ_CST);
}

/* Sleep until kicked (wake_seq moves away from seq) or the run state
 * changes.  cpus_mutex not held on entry. */
static void cpus_wait_kick(VcpuThread *t, unsigned seq)
{
    pthread_mutex_lock(&cpus_mutex);
    while (t->wake_seq == seq && !cpus_stop_requested(t->m)) {
        pthread_cond_wait(&cpus_cond, &cpus_mutex);
    }
    pthread_mutex_unlock(&cpus_mutex);
}

static void cpus_set_wait_for_sipi(X86CPU *cpu, bool on)
{
    __atomic_store_n(&wait_for_sipi[cpu->index], on, __ATOMIC_RELEASE);
}

static void cpus_reset_self(X86CPU *cpu)
{
    Machine *m = cpu->machine;
    cpu_x86_reset(cpu);
    if (cpu->index == 0 && m && m->boot_reset) {
        bql_lock();
        m->boot_reset(m);
        bql_unlock();
    }
    if (current_accel->put_state) {
        current_accel->put_state(cpu);
    }
    /* SDM Vol.3 8.4.1: after RESET only the BSP runs. */
    cpus_set_wait_for_sipi(cpu, cpu->index != 0);
}

/* Consume pending INIT/SIPI requests of cpu (its own thread); see the
 * design note. */
static void cpus_handle_init_sipi(X86CPU *cpu)
{
    int ev = __atomic_fetch_and(&cpu->interrupt_request,
                                ~(CPU_INTERRUPT_INIT | CPU_INTERRUPT_SIPI),
                                __ATOMIC_SEQ_CST) &
             (CPU_INTERRUPT_INIT | CPU_INTERRUPT_SIPI);
    bool changed = false;

    if (!ev) {
        return;
    }
    if (ev & CPU_INTERRUPT_INIT) {
        /* x87/SSE and TSC survive INIT (Table 9-1): fetch them first. */
        if (current_accel->get_state) {
            current_accel->get_state(cpu);
        }
        cpu_x86_init_reset(cpu);
        /* The BSP restarts at the reset vector (SDM 8.4.1: the BSP flag
         * survives INIT and the BSP runs the BIOS); an AP waits for SIPI. */
        cpus_set_wait_for_sipi(cpu, cpu->index != 0);
        changed = true;
        log_mask_printf(LOG_INT, "emu86: cpu %d: INIT%s\n", cpu->index,
                        cpu->index != 0 ? ", waiting for SIPI" : ", restarting at the reset vector");
    }
    if (ev & CPU_INTERRUPT_SIPI) {
        uint8_t v = __atomic_load_n(&cpu->sipi_vector, __ATOMIC_ACQUIRE);
        if (cpus_waiting_for_sipi(cpu)) {
            /* SDM Vol.3 8.4.4.1 / 10.6.1: real mode at vector << 12. */
            CPUX86State *env = &cpu->env;
            env->segs[R_CS].selector = (uint16_t)(v << 8);
            env->segs[R_CS].base = (uint64_t)v << 12;
            env->segs[R_CS].limit = 0xffff;
            env->rip = env->next_rip = 0;
            env->halted = false;
            cpu_update_mode(env);
            cpus_set_wait_for_sipi(cpu, false);
            changed = true;
            log_mask_printf(LOG_INT, "emu86: cpu %d: SIPI vector %02x, starting at %04x:0000\n",
                            cpu->index, v, v << 8);
        } else {
            /* SDM 10.6.1: a SIPI to a CPU not in wait-for-SIPI is ignored. */
            log_mask_printf(LOG_INT, "emu86: cpu %d: SIPI vector %02x ignored (not waiting)\n",
                            cpu->index, v);
        }
    }
    if (changed && current_accel->put_state) {
        current_accel->put_state(cpu);
    }
}

/* The reset rendezvous; see the design note. */
static void cpus_handle_reset(VcpuThread *t)
{
    Machine *m = t->m;

    if (t->first != 0) {
        pthread_mutex_lock(&cpus_mutex);
        nr_paused++;
        pthread_cond_broadcast(&cpus_cond);
        while (m->reset_requested && !m->shutdown_requested) {
            pthread_cond_wait(&cpus_cond, &cpus_mutex);
        }
        nr_paused--;
        pthread_mutex_unlock(&cpus_mutex);
        if (!m->shutdown_requested) {
            for (int i = t->first; i < t->first + t->count; i++) {
                cpus_reset_self(m->cpus[i]);
            }
        }
        return;
    }

    pthread_mutex_lock(&cpus_mutex);
    while (nr_paused < nr_threads - 1 && !m->shutdown_requested) {
        pthread_cond_wait(&cpus_cond, &cpus_mutex);
    }
    pthread_mutex_unlock(&cpus_mutex);
    if (m->shutdown_requested) {
        return;
    }
    bql_lock();
    /* Forget interrupt lines and pending events first: device reset may
     * raise a line again, which must then stick. */
    for (int i = 0; i < m->nr_cpus; i++) {
        __atomic_fetch_and(&m->cpus[i]->interrupt_request,
                           ~(CPU_INTERRUPT_HARD | CPU_INTERRUPT_NMI |
                             CPU_INTERRUPT_INIT | CPU_INTERRUPT_SIPI),
                           __ATOMIC_SEQ_CST);
    }
    machine_reset_devices(m);
    bql_unlock();
    for (int i = t->first; i < t->first + t->count; i++) {
        cpus_reset_self(m->cpus[i]);
    }
    log_mask_printf(LOG_INT | LOG_GUEST_ERROR, "emu86: machine reset done\n");

    pthread_mutex_lock(&cpus_mutex);
    __atomic_store_n(&m->reset_requested, 0, __ATOMIC_SEQ_CST);
    pthread_cond_broadcast(&cpus_cond);
    pthread_mutex_unlock(&cpus_mutex);
}

static void *cpus_thread_fn(void *opaque)
{
    VcpuThread *t = opaque;
    Machine *m = t->m;
    char err[sizeof(t->err)] = "";
    int r = 0;

    runstate_vcpu_thread_started(t->first, t->count);
    for (int i = t->first; i < t->first + t->count && r == 0; i++) {
        if (current_accel->vcpu_init) {
            r = current_accel->vcpu_init(m->cpus[i], err, sizeof(err));
        }
    }
    pthread_mutex_lock(&cpus_mutex);
    t->init_done = true;
    t->init_ok = r == 0;
    if (r) {
        snprintf(t->err, sizeof(t->err), "%s", err[0] ? err : "vCPU initialisation failed");
        t->exited = true;
    }
    pthread_cond_broadcast(&cpus_cond);
    while (r == 0 && !cpus_go && !m->shutdown_requested) {
        pthread_cond_wait(&cpus_cond, &cpus_mutex);
    }
    pthread_mutex_unlock(&cpus_mutex);
    if (r) {
        return NULL;
    }

    for (;;) {
        if (m->shutdown_requested) {
            break;
        }
        if (m->reset_requested) {
            cpus_handle_reset(t);
            continue;
        }
        /* monitor stop / -S: park here (system/runstate.h) */
        if (runstate_vcpu_checkpoint(m, t->first, t->count)) {
            continue;
        }
        pthread_mutex_lock(&cpus_mutex);
        unsigned seq = t->wake_seq;
        pthread_mutex_unlock(&cpus_mutex);

        bool progress = false;
        for (int i = t->first; i < t->first + t->count; i++) {
            X86CPU *cpu = m->cpus[i];
            __atomic_fetch_and(&cpu->interrupt_request, ~CPU_INTERRUPT_EXIT, __ATOMIC_SEQ_CST);
            if (cpus_stop_requested(m)) {
                progress = true;
                break;
            }
            cpus_handle_init_sipi(cpu);
            if (cpus_waiting_for_sipi(cpu)) {
                continue;
            }
            /* Accesses to the shared xAPIC page from this thread reach
             * the running CPU's own local APIC (SDM Vol.3 10.4.1: each
             * CPU sees its own). */
            apic_set_current(apic_find(m, cpu->index));
            VcpuExit e = current_accel->vcpu_run(cpu);
            if (e == VCPU_EXIT_HALT) {
                cpu->env.halted = true;
            } else {
                progress = true;
                if (e == VCPU_EXIT_FATAL) {
                    machine_request_shutdown(m, 1);
                }
            }
        }
        if (!progress) {
            cpus_wait_kick(t, seq);
        }
    }

    pthread_mutex_lock(&cpus_mutex);
    t->exited = true;
    pthread_cond_broadcast(&cpus_cond);
    pthread_mutex_unlock(&cpus_mutex);
    return NULL;
}

/* -1: by accelerator (TCG round-robin, one thread per vCPU otherwise). */
static int rr_override = -1;

void cpus_set_round_robin(int on)
{
    rr_override = on;
}

static bool cpus_round_robin(void)
{
    if (rr_override >= 0) {
        return rr_override != 0;
    }
    return current_accel && strcmp(current_accel->name, "tcg") == 0;
}

bool cpus_start(Machine *m, char **err)
{
    sigset_t block, old;
    bool rr = cpus_round_robin();

    /* Termination signals belong to the I/O thread's main loop: vCPU
     * threads inherit a mask that blocks them. */
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &old);

    /* A fresh start (the unit tests start several machines). */
    pthread_mutex_lock(&cpus_mutex);
    memset(threads, 0, sizeof(threads));
    memset(vcpu_thread, 0, sizeof(vcpu_thread));
    nr_paused = 0;
    cpus_go = false;
    nr_threads = rr ? (m->nr_cpus > 0) : m->nr_cpus;
    for (int i = 0; i < nr_threads; i++) {
        VcpuThread *t = &threads[i];
        t->m = m;
        t->first = rr ? 0 : i;
        t->count = rr ? m->nr_cpus : 1;
        for (int c = t->first; c < t->first + t->count; c++) {
            vcpu_thread[c] = t;
            /* SDM Vol.3 8.4.1: at power-on only the BSP runs. */
            wait_for_sipi[c] = c != 0;
        }
    }
    pthread_mutex_unlock(&cpus_mutex);
    for (int i = 0; i < nr_threads; i++) {
        VcpuThread *t = &threads[i];
        int r = pthread_create(&t->thread, NULL, cpus_thread_fn, t);
        if (r) {
            pthread_sigmask(SIG_SETMASK, &old, NULL);
            *err = g_strdup_printf("cannot create vCPU thread %d: %s", i, g_strerror(r));
            machine_request_shutdown(m, 1);
            nr_threads = i;
            return false;
        }
        t->created = true;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    /* Wait for every vcpu_init. */
    pthread_mutex_lock(&cpus_mutex);
    for (int i = 0; i < nr_threads; i++) {
        while (!threads[i].init_done) {
            pthread_cond_wait(&cpus_cond, &cpus_mutex);
        }
    }
    for (int i = 0; i < nr_threads; i++) {
        if (!threads[i].init_ok) {
            *err = g_strdup_printf("vCPU %d: %s", threads[i].first, threads[i].err);
            pthread_mutex_unlock(&cpus_mutex);
            machine_request_shutdown(m, 1);
            return false;
        }
    }
    cpus_go = true;
    pthread_cond_broadcast(&cpus_cond);
    pthread_mutex_unlock(&cpus_mutex);
    return true;
}

bool cpus_join(Machine *m, int timeout_ms)
{
    struct timespec deadline;
    bool all = true;

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    /* Wake anything still sleeping so it sees the shutdown. */
    pthread_mutex_lock(&cpus_mutex);
    pthread_cond_broadcast(&cpus_cond);
    pthread_mutex_unlock(&cpus_mutex);
    for (int i = 0; i < nr_threads; i++) {
        VcpuThread *t = &threads[i];
        if (!t->created) {
            continue;
        }
        if (pthread_timedjoin_np(t->thread, NULL, &deadline) == 0) {
            t->created = false;
        } else {
            all = false;
        }
    }
    return all;
}

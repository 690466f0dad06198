/*
 * system/cpus.c - vCPU threads and their generic run loop.
 *
 * Design: every vCPU has its own thread for both accelerators.  The loop is
 *
 *     clear CPU_INTERRUPT_EXIT
 *     shutdown requested?  -> leave
 *     reset requested?     -> rendezvous (below), then loop
 *     r = current_accel->vcpu_run(cpu)      (without the BQL)
 *     HALT  -> sleep until something new happens (a kick)
 *     FATAL -> machine_request_shutdown(m, 1)
 *
 * EXIT is cleared *before* the run-state checks, so a request made after
 * them leaves the bit set and vcpu_run returns at once: no lost requests.
 *
 * Halt sleeping uses a per-vCPU wake sequence number, bumped (under
 * cpus_mutex) by every cpus_kick().  The loop samples it before vcpu_run;
 * after a HALT exit it sleeps only while the number is unchanged.  So an
 * interrupt raised while vcpu_run was deciding to halt is never lost, and
 * a CPU halted with IF=0 and INTR high does not spin: it sleeps until the
 * next event (NMI, reset, shutdown, a new kick).
 *
 * Reset is a rendezvous led by the BSP (CPU 0): the other vCPUs park at a
 * safe point and count themselves in nr_paused; when all are parked the
 * BSP resets the devices (BQL held) and itself, then clears
 * m->reset_requested; each parked vCPU then resets its own CPU state in its
 * own thread (KVM register ioctls belong to the vCPU's thread).
 *
 * With TCG only the BSP runs for now: APs sleep until INIT/SIPI support
 * arrives (a later issue), taking part in reset and shutdown only.
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
#include "system/sysemu.h"
#include "target/i386/cpu.h"

typedef struct VcpuThread {
    pthread_t thread;
    X86CPU *cpu;
    Machine *m;
    bool created;        /* pthread_create succeeded */
    bool init_done;      /* vcpu_init returned (cpus_mutex) */
    bool init_ok;
    bool exited;         /* loop left (cpus_mutex) */
    unsigned wake_seq;   /* bumped by cpus_kick (cpus_mutex) */
    char err[256];
} VcpuThread;

static pthread_mutex_t cpus_mutex = PTHREAD_MUTEX_INITIALIZER;
/* One condition for every state change: few threads, rare events. */
static pthread_cond_t cpus_cond = PTHREAD_COND_INITIALIZER;
static VcpuThread vcpus[MAX_CPUS];
static int nr_vcpus;
static int nr_paused;            /* non-BSP vCPUs parked for a reset */
static bool cpus_go;             /* every vCPU initialised: start running */

void cpus_kick(X86CPU *cpu)
{
    if (!cpu || cpu->index < 0 || cpu->index >= MAX_CPUS) {
        return;
    }
    VcpuThread *t = &vcpus[cpu->index];
    bool ready;
    pthread_mutex_lock(&cpus_mutex);
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
}

/* The reset rendezvous; see the design note. */
static void cpus_handle_reset(VcpuThread *t)
{
    Machine *m = t->m;
    X86CPU *cpu = t->cpu;

    if (cpu->index != 0) {
        pthread_mutex_lock(&cpus_mutex);
        nr_paused++;
        pthread_cond_broadcast(&cpus_cond);
        while (m->reset_requested && !m->shutdown_requested) {
            pthread_cond_wait(&cpus_cond, &cpus_mutex);
        }
        nr_paused--;
        pthread_mutex_unlock(&cpus_mutex);
        if (!m->shutdown_requested) {
            cpus_reset_self(cpu);
        }
        return;
    }

    pthread_mutex_lock(&cpus_mutex);
    while (nr_paused < nr_vcpus - 1 && !m->shutdown_requested) {
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
    cpus_reset_self(cpu);
    log_mask_printf(LOG_INT | LOG_GUEST_ERROR, "emu86: machine reset done\n");

    pthread_mutex_lock(&cpus_mutex);
    __atomic_store_n(&m->reset_requested, 0, __ATOMIC_SEQ_CST);
    pthread_cond_broadcast(&cpus_cond);
    pthread_mutex_unlock(&cpus_mutex);
}

static void *cpus_thread_fn(void *opaque)
{
    VcpuThread *t = opaque;
    X86CPU *cpu = t->cpu;
    Machine *m = t->m;
    char err[sizeof(t->err)] = "";

    int r = current_accel->vcpu_init ? current_accel->vcpu_init(cpu, err, sizeof(err)) : 0;
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

    /* Accesses to the shared xAPIC page from this thread reach this CPU's
     * own local APIC (SDM Vol.3 10.4.1: each CPU sees its own). */
    apic_set_current(apic_find(m, cpu->index));

    bool runs = cpu->index == 0 || strcmp(current_accel->name, "tcg") != 0;
    for (;;) {
        __atomic_fetch_and(&cpu->interrupt_request, ~CPU_INTERRUPT_EXIT, __ATOMIC_SEQ_CST);
        if (m->shutdown_requested) {
            break;
        }
        if (m->reset_requested) {
            cpus_handle_reset(t);
            continue;
        }
        int events = __atomic_load_n(&cpu->interrupt_request, __ATOMIC_SEQ_CST) &
                     (CPU_INTERRUPT_INIT | CPU_INTERRUPT_SIPI);
        if (events) {
            /* INIT/SIPI bring up application processors (the SMP work of
             * a later issue).  Until then they are consumed here so a
             * halted CPU does not see them as work forever. */
            __atomic_fetch_and(&cpu->interrupt_request, ~events, __ATOMIC_SEQ_CST);
            log_mask_printf(LOG_UNIMP, "emu86: cpu %d: INIT/SIPI (vector %02x) not supported yet\n",
                            cpu->index, cpu->sipi_vector);
        }
        pthread_mutex_lock(&cpus_mutex);
        unsigned seq = t->wake_seq;
        pthread_mutex_unlock(&cpus_mutex);
        if (!runs) {
            /* TCG AP: parked until SIPI support exists. */
            cpus_wait_kick(t, seq);
            continue;
        }
        VcpuExit e = current_accel->vcpu_run(cpu);
        if (e == VCPU_EXIT_HALT) {
            cpu->env.halted = true;
            cpus_wait_kick(t, seq);
        } else if (e == VCPU_EXIT_FATAL) {
            machine_request_shutdown(m, 1);
        }
    }

    pthread_mutex_lock(&cpus_mutex);
    t->exited = true;
    pthread_cond_broadcast(&cpus_cond);
    pthread_mutex_unlock(&cpus_mutex);
    return NULL;
}

bool cpus_start(Machine *m, char **err)
{
    sigset_t block, old;

    /* Termination signals belong to the I/O thread's main loop: vCPU
     * threads inherit a mask that blocks them. */
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &old);

    /* A fresh start (the unit tests start several machines). */
    pthread_mutex_lock(&cpus_mutex);
    memset(vcpus, 0, sizeof(vcpus));
    nr_paused = 0;
    cpus_go = false;
    nr_vcpus = m->nr_cpus;
    pthread_mutex_unlock(&cpus_mutex);
    for (int i = 0; i < m->nr_cpus; i++) {
        VcpuThread *t = &vcpus[i];
        t->cpu = m->cpus[i];
        t->m = m;
        int r = pthread_create(&t->thread, NULL, cpus_thread_fn, t);
        if (r) {
            pthread_sigmask(SIG_SETMASK, &old, NULL);
            *err = g_strdup_printf("cannot create vCPU thread %d: %s", i, g_strerror(r));
            machine_request_shutdown(m, 1);
            nr_vcpus = i;
            return false;
        }
        t->created = true;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    /* Wait for every vcpu_init. */
    pthread_mutex_lock(&cpus_mutex);
    for (int i = 0; i < m->nr_cpus; i++) {
        while (!vcpus[i].init_done) {
            pthread_cond_wait(&cpus_cond, &cpus_mutex);
        }
    }
    for (int i = 0; i < m->nr_cpus; i++) {
        if (!vcpus[i].init_ok) {
            *err = g_strdup_printf("vCPU %d: %s", i, vcpus[i].err);
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
    for (int i = 0; i < nr_vcpus; i++) {
        VcpuThread *t = &vcpus[i];
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

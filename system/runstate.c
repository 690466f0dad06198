/*
 * system/runstate.c - stop/cont of the vCPUs; see runstate.h for the
 * protocol.
 *
 * Design: rs_paused is the request; rs_parked is a bit mask of the vCPUs
 * whose thread sleeps in runstate_vcpu_checkpoint(); rs_seen the vCPUs
 * whose thread ever called it (a thread may own several vCPUs: TCG runs
 * them all round-robin on one).  runstate_stop() waits until
 * rs_parked covers rs_seen.  A vCPU not seen yet has not run guest code,
 * and will park at its first checkpoint since the flag is already set.
 *
 * Deadlock freedom: the waiter releases the BQL (a vCPU may need it to
 * finish a device access before it can leave vcpu_run) and every wait has a
 * deadline.  Parked vCPUs sleep in bounded slices so a shutdown requested
 * by a path that does not call runstate_wake() (signals, C-a x) is still
 * seen within RS_POLL_MS.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "accel/accel.h"
#include "hw/machine.h"
#include "system/cpus.h"
#include "system/runstate.h"
#include "system/sysemu.h"
#include "target/i386/cpu.h"

#define RS_POLL_MS 50

static pthread_mutex_t rs_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rs_cond = PTHREAD_COND_INITIALIZER;
static volatile bool rs_paused;
static uint64_t rs_parked, rs_seen;      /* bit per vCPU index (rs_mutex;
                                          * rs_seen also read atomically) */
static int rs_tid[MAX_CPUS];
static Machine *rs_machine;

void runstate_init(Machine *m)
{
    pthread_mutex_lock(&rs_mutex);
    rs_machine = m;
    pthread_mutex_unlock(&rs_mutex);
}

bool runstate_is_running(void)
{
    return !__atomic_load_n(&rs_paused, __ATOMIC_SEQ_CST);
}

static void rs_deadline(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static bool rs_machine_stopping(const Machine *m)
{
    return m && (__atomic_load_n(&m->shutdown_requested, __ATOMIC_SEQ_CST) ||
                 __atomic_load_n(&m->reset_requested, __ATOMIC_SEQ_CST));
}

void runstate_stop_async(void)
{
    pthread_mutex_lock(&rs_mutex);
    __atomic_store_n(&rs_paused, true, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&rs_mutex);
}

bool runstate_stop(int timeout_ms)
{
    Machine *m = rs_machine;
    runstate_stop_async();
    if (!m) {
        return true;
    }
    /* Out of vcpu_run (EXIT) or HLT (the kick's wake sequence). */
    for (int i = 0; i < m->nr_cpus; i++) {
        if (m->cpus[i]) {
            __atomic_fetch_or(&m->cpus[i]->interrupt_request, CPU_INTERRUPT_EXIT,
                              __ATOMIC_SEQ_CST);
            cpus_kick(m->cpus[i]);
        }
    }

    bool had_bql = bql_locked();
    if (had_bql) {
        bql_unlock();
    }
    struct timespec deadline;
    rs_deadline(&deadline, timeout_ms);
    bool ok = true;
    pthread_mutex_lock(&rs_mutex);
    while ((rs_parked & rs_seen) != rs_seen) {
        if (__atomic_load_n(&m->shutdown_requested, __ATOMIC_SEQ_CST) ||
            !__atomic_load_n(&rs_paused, __ATOMIC_SEQ_CST)) {
            ok = false;
            break;
        }
        /* a reset in progress: its vCPUs park again once it is done */
        struct timespec now, slice;
        clock_gettime(CLOCK_REALTIME, &now);
        if (now.tv_sec > deadline.tv_sec ||
            (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec)) {
            ok = false;
            break;
        }
        rs_deadline(&slice, RS_POLL_MS);
        if (slice.tv_sec > deadline.tv_sec ||
            (slice.tv_sec == deadline.tv_sec && slice.tv_nsec > deadline.tv_nsec)) {
            slice = deadline;
        }
        pthread_cond_timedwait(&rs_cond, &rs_mutex, &slice);
    }
    pthread_mutex_unlock(&rs_mutex);
    if (had_bql) {
        bql_lock();
    }
    return ok;
}

void runstate_cont(void)
{
    pthread_mutex_lock(&rs_mutex);
    __atomic_store_n(&rs_paused, false, __ATOMIC_SEQ_CST);
    pthread_cond_broadcast(&rs_cond);
    pthread_mutex_unlock(&rs_mutex);
}

void runstate_wake(void)
{
    pthread_mutex_lock(&rs_mutex);
    pthread_cond_broadcast(&rs_cond);
    pthread_mutex_unlock(&rs_mutex);
}

void runstate_vcpu_thread_started(int first, int count)
{
    int tid = (int)syscall(SYS_gettid);
    for (int i = first; i < first + count && i < MAX_CPUS; i++) {
        if (i >= 0) {
            __atomic_store_n(&rs_tid[i], tid, __ATOMIC_RELAXED);
        }
    }
}

bool runstate_vcpu_checkpoint(Machine *m, int first, int count)
{
    uint64_t bits = 0;
    for (int i = first; i < first + count && i < MAX_CPUS; i++) {
        if (i >= 0) {
            bits |= 1ULL << i;
        }
    }
    if (!bits) {
        return false;
    }
    if ((__atomic_load_n(&rs_seen, __ATOMIC_SEQ_CST) & bits) != bits) {
        runstate_vcpu_thread_started(first, count);
        pthread_mutex_lock(&rs_mutex);
        __atomic_fetch_or(&rs_seen, bits, __ATOMIC_SEQ_CST);
        pthread_mutex_unlock(&rs_mutex);
    }
    if (!__atomic_load_n(&rs_paused, __ATOMIC_SEQ_CST)) {
        return false;
    }
    /* cpu->env becomes the truth for the monitor while parked; this is
     * the vCPUs' own thread, as KVM wants */
    for (int i = first; i < first + count; i++) {
        if (current_accel && current_accel->get_state && m->cpus[i]) {
            current_accel->get_state(m->cpus[i]);
        }
    }
    pthread_mutex_lock(&rs_mutex);
    rs_parked |= bits;
    pthread_cond_broadcast(&rs_cond);
    while (__atomic_load_n(&rs_paused, __ATOMIC_SEQ_CST) && !rs_machine_stopping(m)) {
        struct timespec slice;
        rs_deadline(&slice, RS_POLL_MS);
        pthread_cond_timedwait(&rs_cond, &rs_mutex, &slice);
    }
    rs_parked &= ~bits;
    pthread_cond_broadcast(&rs_cond);
    pthread_mutex_unlock(&rs_mutex);
    return true;
}

int runstate_vcpu_thread_id(int index)
{
    if (index < 0 || index >= MAX_CPUS) {
        return 0;
    }
    return __atomic_load_n(&rs_tid[index], __ATOMIC_RELAXED);
}

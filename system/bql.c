/*
 * system/bql.c - the big machine lock and the host clock.
 *
 * Design: one plain (non-recursive) pthread mutex serialises every call into
 * device state.  bql_locked() answers "does *this* thread hold it?" through a
 * thread-local flag, which is what assertions in devices and timers need; a
 * recursive mutex would hide lock-ordering bugs, so taking the lock twice in
 * one thread is a bug and deadlocks loudly instead of silently nesting.
 *
 * clock_ns() is CLOCK_MONOTONIC so guest time follows host time but never
 * jumps backwards when the wall clock is adjusted.
 */
#include <pthread.h>
#include <time.h>

#include "system/sysemu.h"

static pthread_mutex_t bql_mutex = PTHREAD_MUTEX_INITIALIZER;
static __thread bool bql_held;

void bql_lock(void)
{
    pthread_mutex_lock(&bql_mutex);
    bql_held = true;
}

void bql_unlock(void)
{
    bql_held = false;
    pthread_mutex_unlock(&bql_mutex);
}

bool bql_locked(void)
{
    return bql_held;
}

int64_t clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

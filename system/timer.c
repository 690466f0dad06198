/*
 * system/timer.c - one-shot host-clock timers for device models.
 *
 * Design: a singly linked list kept sorted by deadline; a machine has a
 * handful of timers (PIT channel 0, RTC, UART), so O(n) insertion is fine.
 * The list has its own small mutex because the I/O thread may ask for the
 * next deadline without the BQL while vCPU threads (holding the BQL) re-arm
 * timers from port writes.  Callbacks run with the BQL held by the caller of
 * timers_run_expired() and without the list mutex, so they may re-arm or
 * free their own timer.
 *
 * When a timer_mod() makes a timer the earliest one, the I/O thread may be
 * sleeping until a later deadline: main_loop_wakeup() (system/main_loop.c)
 * kicks it so it recomputes its poll timeout.
 */
#include <pthread.h>
#include <stdlib.h>

#include "system/sysemu.h"

void main_loop_wakeup(void);

struct Timer {
    TimerCb cb;
    void *opaque;
    int64_t expire_ns;
    bool pending;
    Timer *next;
};

static pthread_mutex_t timer_mutex = PTHREAD_MUTEX_INITIALIZER;
static Timer *timer_head;
/* Set while this thread runs expired timers: it is the I/O thread itself and
 * will look at the list again before sleeping, so no wake-up is needed. */
static __thread bool in_timer_run;

/* Unlink t if pending; timer_mutex held. */
static void timer_unlink(Timer *t)
{
    if (!t->pending) {
        return;
    }
    for (Timer **pp = &timer_head; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->next = NULL;
    t->pending = false;
}

Timer *timer_new(TimerCb cb, void *opaque)
{
    Timer *t = calloc(1, sizeof(*t));
    if (!t) {
        abort();
    }
    t->cb = cb;
    t->opaque = opaque;
    return t;
}

void timer_free(Timer *t)
{
    if (!t) {
        return;
    }
    timer_del(t);
    free(t);
}

void timer_mod(Timer *t, int64_t expire_ns)
{
    bool new_head;

    pthread_mutex_lock(&timer_mutex);
    timer_unlink(t);
    t->expire_ns = expire_ns;
    Timer **pp = &timer_head;
    /* equal deadlines keep arming order */
    while (*pp && (*pp)->expire_ns <= expire_ns) {
        pp = &(*pp)->next;
    }
    t->next = *pp;
    *pp = t;
    t->pending = true;
    new_head = timer_head == t;
    pthread_mutex_unlock(&timer_mutex);

    if (new_head && !in_timer_run) {
        main_loop_wakeup();
    }
}

void timer_del(Timer *t)
{
    pthread_mutex_lock(&timer_mutex);
    timer_unlink(t);
    pthread_mutex_unlock(&timer_mutex);
}

bool timer_pending(const Timer *t)
{
    return t->pending;
}

int64_t timers_next_deadline(void)
{
    int64_t d = -1;
    pthread_mutex_lock(&timer_mutex);
    if (timer_head) {
        d = timer_head->expire_ns - clock_ns();
        if (d < 0) {
            d = 0;
        }
    }
    pthread_mutex_unlock(&timer_mutex);
    return d;
}

void timers_run_expired(void)
{
    int64_t now = clock_ns();
    /* A callback that keeps re-arming in the past must not hang the I/O
     * thread: bound the work done in one pass. */
    int budget = 10000;
    bool was_running = in_timer_run;

    in_timer_run = true;
    while (budget-- > 0) {
        pthread_mutex_lock(&timer_mutex);
        Timer *t = timer_head;
        if (!t || t->expire_ns > now) {
            pthread_mutex_unlock(&timer_mutex);
            break;
        }
        timer_head = t->next;
        t->next = NULL;
        t->pending = false;
        TimerCb cb = t->cb;
        void *opaque = t->opaque;
        pthread_mutex_unlock(&timer_mutex);
        cb(opaque); /* may re-arm or free t */
    }
    in_timer_run = was_running;
}

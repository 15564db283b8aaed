/* Signal recording for nanosh. */
#include "shell/cli/signals.h"
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

/* The program's only process-wide state. A lock-free atomic int may be read and written
 * from a signal handler (C11 7.14.1.1) and from any thread. */
static _Atomic int flag;

#define FATAL_BASE 128

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the signal flag must be lock-free");

static void on_signal(int sig)
{
    if (sig != SIGINT) {
        atomic_store(&flag, FATAL_BASE + sig);
        return;
    }
    int v = atomic_load(&flag);
    /* A fatal signal stays recorded; SIGINTs count up to two (ctrl_c, then terminate). */
    while (v < 2 && !atomic_compare_exchange_weak(&flag, &v, v + 1))
        ;
}

void signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

int signals_interrupts(void)
{
    int v = atomic_load(&flag);
    return v < FATAL_BASE ? v : 0;
}

void signals_reset_interrupts(void)
{
    int v = atomic_load(&flag);
    while (v < FATAL_BASE && v && !atomic_compare_exchange_weak(&flag, &v, 0))
        ;
}

int signals_fatal(void)
{
    int v = atomic_load(&flag);
    return v >= FATAL_BASE ? v - FATAL_BASE : 0;
}

const _Atomic int *signals_cancel_flag(void)
{
    return &flag;
}

void signals_terminate_on_arrival(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (signals_fatal())
        raise(signals_fatal());
    if (signals_interrupts())
        raise(SIGINT);
}

/* Signal recording for nanosh. */
#include "shell/cli/signals.h"
#include <signal.h>
#include <string.h>

static volatile sig_atomic_t interrupts;
static volatile sig_atomic_t fatal;

static void on_signal(int sig)
{
    if (sig == SIGINT) {
        if (interrupts < 1000)
            interrupts++;
    } else
        fatal = sig;
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
    return interrupts;
}

void signals_reset_interrupts(void)
{
    interrupts = 0;
}

int signals_fatal(void)
{
    return fatal;
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
    if (fatal)
        raise(fatal);
    if (interrupts)
        raise(SIGINT);
}

/* Signal handling for nanosh: handlers only record what arrived, in the program's one
 * piece of process-wide state; the code that talks to the server decides what to do
 * (WinRS ctrl_c, terminate, shell cleanup). */
#ifndef NANOSH_SHELL_SIGNALS_H
#define NANOSH_SHELL_SIGNALS_H

/* SIGINT, SIGTERM and SIGHUP are recorded, without SA_RESTART so blocking reads and
 * polls wake up; SIGPIPE is ignored so a closed output pipe shows up as EPIPE. */
void signals_install(void);

int signals_interrupts(void);       /* SIGINTs since the last reset, counted up to 2 */
void signals_reset_interrupts(void);
int signals_fatal(void);            /* SIGTERM or SIGHUP number if one arrived, else 0 */

/* The flag itself, as a library run's cancel flag (wsman/run.h): 1 after one SIGINT
 * (WS_CANCEL_CTRL_C), 2 after two (WS_CANCEL_TERMINATE), 128 + the signal number after
 * SIGTERM or SIGHUP, which also terminates and is the exit status to give. */
const _Atomic int *signals_cancel_flag(void);

/* For code that has no remote state to clean up (nanosh wsman, once any prompt is over):
 * SIGINT, SIGTERM and SIGHUP end the process again, at once, as their default does. A
 * signal recorded before the call is acted on now. */
void signals_terminate_on_arrival(void);

#endif

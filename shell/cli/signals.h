/* Signal handling for nanosh: handlers only record what arrived; the code that talks to
 * the server decides what to do (WinRS ctrl_c, terminate, shell cleanup). */
#ifndef NANOSH_SHELL_SIGNALS_H
#define NANOSH_SHELL_SIGNALS_H

/* SIGINT, SIGTERM and SIGHUP are recorded, without SA_RESTART so blocking reads and
 * polls wake up; SIGPIPE is ignored so a closed output pipe shows up as EPIPE. */
void signals_install(void);

int signals_interrupts(void);       /* SIGINTs since the last reset */
void signals_reset_interrupts(void);
int signals_fatal(void);            /* SIGTERM or SIGHUP number if one arrived, else 0 */

/* For code that has no remote state to clean up (nanosh wsman, once any prompt is over):
 * SIGINT, SIGTERM and SIGHUP end the process again, at once, as their default does. A
 * signal recorded before the call is acted on now. */
void signals_terminate_on_arrival(void);

#endif

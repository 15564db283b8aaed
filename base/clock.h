/* The one clock for deadlines and timeouts. */
#ifndef NANOSH_CLOCK_H
#define NANOSH_CLOCK_H

/* Milliseconds of CLOCK_MONOTONIC: immune to the wall clock being set. */
long long ws_now_ms(void);

#endif

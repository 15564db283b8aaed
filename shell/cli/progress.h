/* The progress display of push and pull (issue 11): on a terminal, one line for the
 * file being copied and one for the total, each with bytes, rate and ETA, redrawn at
 * most ten times a second. Without a terminal it draws nothing. */
#ifndef NANOSH_SHELL_CLI_PROGRESS_H
#define NANOSH_SHELL_CLI_PROGRESS_H
#include <stddef.h>
#include <stdio.h>

enum { PROGRESS_REDRAW_MS = 100 };

typedef struct progress {
    FILE *out;                       /* NULL: draw nothing */
    int width;                       /* the terminal's columns */
    int shown;                       /* the two lines are on screen, cursor on the first */
    long long start_ms, file_start_ms, last_draw_ms;
    char name[256];                  /* the file being copied, as shown */
    unsigned long long file_done, file_size;
    unsigned long long file_first;   /* done at the first update: a resumed copy's start */
    int got_first;
    unsigned long long total_size;   /* 0: unknown */
    unsigned long long total_before; /* bytes of the files already finished */
    unsigned long long moved;        /* bytes moved over the network so far */
} progress;

/* Draws on out when it is a terminal (isatty), else nothing. total_size may be 0. */
void progress_init(progress *p, FILE *out, unsigned long long total_size);
void progress_start(progress *p, const char *name, unsigned long long size,
                    const char *transport);
/* Redraws when PROGRESS_REDRAW_MS have passed since the last drawing, or at the end. */
void progress_update(progress *p, unsigned long long done, unsigned long long size);
/* The file's final line (word: "copied", "unchanged", "failed"), left on screen. */
void progress_finish(progress *p, const char *word, unsigned long long size);
/* Takes the lines off the screen, before an error line is printed. */
void progress_clear(progress *p);
/* The total's final line, left on screen. */
void progress_end(progress *p, size_t files);

/* Formatting, for the display and its tests. */
/* "0 B", "1023 B", "1.0 KiB", "12.3 MiB", "1.5 GiB". */
void progress_bytes(char *buf, size_t n, double bytes);
/* "0:07", "1:02:03", or "--:--" when unknown (negative or not finite). */
void progress_eta(char *buf, size_t n, double seconds);
/* One line of at most width columns: name (shortened from the left with "..." when
 * needed), a bar when size is known, percent, done/size, rate, ETA. */
void progress_line(char *buf, size_t n, const char *name, unsigned long long done,
                   unsigned long long size, double rate, int width);

#endif

/* --log FILE: a transcript of the interactive session, as evil-winrm's -l keeps one: the
 * prompts, the lines typed, and everything written to stdout and stderr (the remote
 * output, nanosh's messages, local commands' output).
 *
 * Output is copied by a thread: fd 1 and 2 become pipes that it reads, writing each chunk
 * to the terminal and to the file, through one fixed buffer (bounded memory). The line
 * editor draws on the terminal itself, so what it echoes is not in the file: only the
 * finished line is, written by the shell. Typed answers never go through stdout (the
 * terminal echoes them, or hides them), so secrets typed for a prompt are not in it. */
#ifndef NANOSH_SHELL_TRANSCRIPT_H
#define NANOSH_SHELL_TRANSCRIPT_H
#include <pthread.h>
#include <stdio.h>

/* What the transcript says in place of a line typed while a remote command ran. */
#define TRANSCRIPT_HIDDEN "[input not logged]"
/* What it says in place of a local command's (!command) output. */
#define TRANSCRIPT_LOCAL "[output of the local command not logged]"

typedef struct transcript {
    int fd;                 /* the file; -1: no transcript */
    int term_out, term_err; /* the original fd 1 and 2, while they are captured; else -1 */
    int out_r, err_r;       /* the pipes' read ends (err_r -1 when 1 and 2 share one) */
    int out_w, err_w;       /* their write ends, to put back on 1 and 2 after a pause */
    int err_shared;         /* fd 2 is on the stdout pipe */
    int ctl[2], ack[2];     /* the shell asks the thread to drain (sync) or to stop */
    pthread_t thread;
    int running;
    FILE *tty_out;          /* the terminal's stdout for the line editor; NULL: stdout */
    FILE *tty_err;          /* the terminal's stderr for progress bars; NULL: stderr */
} transcript;

/* Opens path for appending (0600, no symlink, a regular file) and writes the session's
 * header line with the date and host. 0, or 255 after a one-line error. */
int transcript_open(transcript *t, const char *path, const char *host);
/* From now on fd 1, and 2 with_stderr, are copied to the file too. 0, or 255 after a
 * message. */
int transcript_capture(transcript *t, int with_stderr);
/* Returns once everything written to fd 1 and 2 so far is on the terminal and in the
 * file: before a prompt, so that the prompt comes after the output. */
void transcript_sync(transcript *t);
/* Puts the terminal back on fd 1 and 2 for a local command, noting in the file that its
 * output is not there; transcript_resume copies again. */
void transcript_pause(transcript *t);
void transcript_resume(transcript *t);
/* A line typed at prompt; hidden: TRANSCRIPT_HIDDEN instead of the line. */
void transcript_input(transcript *t, const char *prompt, const char *line, int hidden);
/* Stops copying, puts fd 1 and 2 back, closes the file. Safe on a zeroed t (fd 0 is
 * never the file: transcript_init sets -1). */
void transcript_close(transcript *t);
/* No transcript, nothing captured. */
void transcript_init(transcript *t);

#endif

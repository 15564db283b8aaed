/* Progress lines for push and pull (see progress.h). ANSI: "\r" returns to the line's
 * start, ESC[K clears to its end, ESC[J to the screen's end, ESC[A goes up one line. */
#include "shell/cli/progress.h"
#include "base/clock.h"
#include <math.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

void progress_bytes(char *buf, size_t n, double bytes)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    if (bytes < 1024) {
        snprintf(buf, n, "%.0f B", bytes < 0 ? 0 : bytes);
        return;
    }
    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        u++;
    }
    snprintf(buf, n, "%.1f %s", bytes, unit[u]);
}

void progress_eta(char *buf, size_t n, double seconds)
{
    if (!isfinite(seconds) || seconds < 0 || seconds > 359999) {
        snprintf(buf, n, "--:--");
        return;
    }
    unsigned long s = (unsigned long)(seconds + 0.5);
    if (s >= 3600)
        snprintf(buf, n, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, n, "%lu:%02lu", s / 60, s % 60);
}

/* Columns of UTF-8 text, one per code point (wide characters are rare in file names). */
static int columns(const char *s)
{
    int c = 0;
    for (; *s; s++)
        c += ((unsigned char)*s & 0xc0) != 0x80;
    return c;
}

/* The last cols columns of s, starting at a code point. */
static const char *tail_columns(const char *s, int cols)
{
    int have = columns(s);
    while (*s && have > cols) {
        s++;
        while (((unsigned char)*s & 0xc0) == 0x80)
            s++;
        have--;
    }
    return s;
}

void progress_line(char *buf, size_t n, const char *name, unsigned long long done,
                   unsigned long long size, double rate, int width)
{
    char d[32], sz[32], r[32], eta[32], stats[160];
    progress_bytes(d, sizeof d, (double)done);
    progress_bytes(r, sizeof r, rate);
    if (size) {
        progress_bytes(sz, sizeof sz, (double)size);
        progress_eta(eta, sizeof eta, rate > 0 ? (double)(size - (done < size ? done : size))
                                                 / rate : -1);
        int pct = (int)((double)(done < size ? done : size) * 100.0 / (double)size);
        snprintf(stats, sizeof stats, " %3d%% %s / %s  %s/s  ETA %s", pct, d, sz, r, eta);
    } else {
        snprintf(stats, sizeof stats, "  %s  %s/s", d, r);
    }
    int avail = width - 1 - (int)strlen(stats);
    if (avail < 8)
        avail = 8;
    int name_max = avail > 40 ? avail * 2 / 3 : avail;
    int ncols = columns(name);
    const char *shown = name;
    const char *dots = "";
    if (ncols > name_max) {
        shown = tail_columns(name, name_max - 3);
        dots = "...";
        ncols = name_max;
    }
    size_t k = (size_t)snprintf(buf, n, "%s%s", dots, shown);
    int bar = avail - ncols - 3;
    if (size && bar >= 6 && k + (size_t)bar + 4 < n) {
        int fill = (int)((double)(done < size ? done : size) * bar / (double)size);
        buf[k++] = ' ';
        buf[k++] = '[';
        for (int i = 0; i < bar; i++)
            buf[k++] = i < fill ? '#' : ' ';
        buf[k++] = ']';
        buf[k] = '\0';
    } else {
        for (int i = ncols; i < avail && k + 1 < n; i++)
            buf[k++] = ' ';
        buf[k] = '\0';
    }
    if (k < n)
        snprintf(buf + k, n - k, "%s", stats);
}

static int terminal_width(FILE *out)
{
    struct winsize ws;
    if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    return 80;
}

void progress_init(progress *p, FILE *out, unsigned long long total_size)
{
    memset(p, 0, sizeof *p);
    p->out = out && isatty(fileno(out)) ? out : NULL;
    p->width = p->out ? terminal_width(out) : 80;
    p->total_size = total_size;
    p->start_ms = ws_now_ms();
}

static double rate_of(unsigned long long bytes, long long since_ms, long long now)
{
    long long ms = now - since_ms;
    return ms > 0 ? (double)bytes * 1000.0 / (double)ms : 0;
}

static void draw(progress *p, long long now)
{
    char l1[1024], l2[1024], label[64];
    progress_line(l1, sizeof l1, p->name, p->file_done, p->file_size,
                  rate_of(p->file_done - p->file_first, p->file_start_ms, now), p->width);
    unsigned long long total = p->total_before + p->file_done;
    snprintf(label, sizeof label, "total");
    progress_line(l2, sizeof l2, label, total,
                  p->total_size >= total ? p->total_size : 0,
                  rate_of(p->moved + (p->file_done - p->file_first), p->start_ms, now),
                  p->width);
    fprintf(p->out, "\r\033[K%s\n\033[K%s\r\033[A", l1, l2);
    fflush(p->out);
    p->shown = 1;
    p->last_draw_ms = now;
}

void progress_start(progress *p, const char *name, unsigned long long size,
                    const char *transport)
{
    snprintf(p->name, sizeof p->name, "%s (%s)", name, transport);
    p->file_done = p->file_first = 0;
    p->got_first = 0;
    p->file_size = size;
    p->file_start_ms = ws_now_ms();
    p->last_draw_ms = 0;
    if (p->out)
        draw(p, p->file_start_ms);
}

void progress_update(progress *p, unsigned long long done, unsigned long long size)
{
    if (!p->got_first) {
        p->got_first = 1;
        p->file_first = done;          /* resumed: those bytes were already there */
    }
    p->file_done = done;
    p->file_size = size;
    if (!p->out)
        return;
    long long now = ws_now_ms();
    if (now - p->last_draw_ms >= PROGRESS_REDRAW_MS || done == size)
        draw(p, now);
}

void progress_finish(progress *p, const char *word, unsigned long long size)
{
    p->moved += p->file_done > p->file_first ? p->file_done - p->file_first : 0;
    p->total_before += size;
    p->file_done = p->file_first = p->file_size = 0;
    if (!p->out)
        return;
    char line[1024], b[32];
    progress_bytes(b, sizeof b, (double)size);
    snprintf(line, sizeof line, "%s  %s  %s", p->name, b, word);
    fprintf(p->out, "\r\033[J%s\n", line);
    fflush(p->out);
    p->shown = 0;
}

void progress_clear(progress *p)
{
    if (!p->out || !p->shown)
        return;
    fputs("\r\033[J", p->out);
    fflush(p->out);
    p->shown = 0;
}

void progress_end(progress *p, size_t files)
{
    if (!p->out)
        return;
    long long now = ws_now_ms();
    char b[32], r[32];
    progress_bytes(b, sizeof b, (double)p->total_before);
    progress_bytes(r, sizeof r, rate_of(p->moved, p->start_ms, now));
    fprintf(p->out, "\r\033[Jtotal  %zu file%s  %s  %s/s  %.1f s\n", files,
            files == 1 ? "" : "s", b, r, (double)(now - p->start_ms) / 1000.0);
    fflush(p->out);
    p->shown = 0;
}

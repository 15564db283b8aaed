/* The --json summary of push and pull (see push_report.h). */
#include "shell/cli/push_report.h"
#include "shell/cli/json.h"
#include <stdlib.h>
#include <string.h>

static char *dup_or_empty(const char *s) { return strdup(s ? s : ""); }

void push_report_add(push_report *rp, const push_file *f, const char *status,
                     const xfer_result *r, double seconds, xfer_kind kind,
                     const ws_error *err)
{
    if (rp->nfiles == rp->cap) {
        size_t cap = rp->cap ? rp->cap * 2 : 16;
        push_report_file *n = realloc(rp->files, cap * sizeof *n);
        if (!n) {
            rp->oom = 1;
            return;
        }
        rp->files = n;
        rp->cap = cap;
    }
    push_report_file *e = &rp->files[rp->nfiles];
    memset(e, 0, sizeof *e);
    e->local = dup_or_empty(f->local);
    e->remote = dup_or_empty(f->remote);
    e->transport = f->transport;
    e->status = status;
    if (r)
        e->r = *r;
    e->seconds = seconds;
    e->kind = kind;
    if (err) {
        e->message = dup_or_empty(err->what);
        e->fix = dup_or_empty(err->fix);
    }
    if (!e->local || !e->remote || (err && (!e->message || !e->fix))) {
        free(e->local);
        free(e->remote);
        free(e->message);
        free(e->fix);
        rp->oom = 1;
        return;
    }
    rp->transport = f->transport;
    rp->nfiles++;
}

void push_report_fallback(push_report *rp, const ws_error *why)
{
    free(rp->fallback);
    rp->fallback = strdup(why->what);
}

static void write_error(FILE *out, xfer_kind kind, const char *message, const char *fix)
{
    fputs("{\"kind\": ", out);
    json_write_string(out, xfer_kind_name(kind));
    fputs(", \"message\": ", out);
    json_write_string(out, message);
    fputs(", \"fix\": ", out);
    json_write_string(out, fix);
    fputc('}', out);
}

static void write_file(FILE *out, const push_report_file *e)
{
    int failed = strcmp(e->status, "failed") == 0;
    fputs("    {\"local\": ", out);
    json_write_string(out, e->local);
    fputs(", \"remote\": ", out);
    json_write_string(out, e->remote);
    fputs(", \"transport\": ", out);
    json_write_string(out, e->transport);
    fputs(", \"status\": ", out);
    json_write_string(out, e->status);
    fprintf(out, ", \"bytes\": %llu, \"moved\": %llu, \"resumed_from\": %llu, \"sha256\": ",
            failed ? 0ULL : e->r.size, e->r.moved, e->r.resumed_from);
    json_write_string(out, !failed && e->r.sha256[0] ? e->r.sha256 : NULL);
    fprintf(out, ", \"seconds\": %.3f, \"error\": ", e->seconds);
    if (failed)
        write_error(out, e->kind, e->message, e->fix);
    else
        fputs("null", out);
    fputc('}', out);
}

void push_report_write(FILE *out, const push_report *rp, const char *command,
                       const char *host, const char *via, const push_totals *t,
                       double seconds, const ws_error *job_err)
{
    int err = job_err && job_err->rc != WS_OK;
    const char *status = t->cancelled ? "interrupted" : err ? "failed" : "ok";
    fputs("{\n  \"command\": ", out);
    json_write_string(out, command);
    fputs(",\n  \"host\": ", out);
    json_write_string(out, host);
    fputs(",\n  \"via\": ", out);
    json_write_string(out, via);
    fputs(",\n  \"transport\": ", out);
    json_write_string(out, rp->transport);
    fputs(",\n  \"fallback\": ", out);
    json_write_string(out, rp->fallback);
    fputs(",\n  \"status\": ", out);
    json_write_string(out, status);
    fputs(",\n  \"files\": [", out);
    for (size_t i = 0; i < rp->nfiles; i++) {
        fputs(i ? ",\n" : "\n", out);
        write_file(out, &rp->files[i]);
    }
    fputs(rp->nfiles ? "\n  ],\n" : "],\n", out);
    fprintf(out, "  \"totals\": {\"files\": %zu, \"copied\": %zu, \"unchanged\": %zu, "
            "\"failed\": %zu, \"bytes\": %llu, \"moved\": %llu, \"seconds\": %.3f},\n",
            t->files, t->copied, t->unchanged, t->failed, t->bytes, t->moved, seconds);
    fputs("  \"error\": ", out);
    if (err)
        write_error(out, t->kind ? t->kind : XFER_E_OTHER, job_err->what, job_err->fix);
    else
        fputs("null", out);
    fputs("\n}\n", out);
    fflush(out);
}

void push_report_free(push_report *rp)
{
    for (size_t i = 0; i < rp->nfiles; i++) {
        free(rp->files[i].local);
        free(rp->files[i].remote);
        free(rp->files[i].message);
        free(rp->files[i].fix);
    }
    free(rp->files);
    free(rp->fallback);
    memset(rp, 0, sizeof *rp);
}

/* sim/progress.c - the progress line of long runs (only on a terminal) and the SIGINT/SIGTERM
 * handler that lets `replay` and `run` stop at a safe point and write partial results. */
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

volatile int sim_stop_signal;

static void on_stop(int sig)
{
    if (!sim_stop_signal)
        sim_stop_signal = sig;
}

void sim_stop_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    /* One-shot: the second Ctrl-C takes the default action.  SA_RESTART: a read of the trace
     * or a guest's system call is not cut short (the flag is looked at between records). */
    sa.sa_flags = SA_RESETHAND | SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

const char *sim_stop_reason(void)
{
    switch (sim_stop_signal) {
    case 0: return NULL;
    case SIGINT: return "interrupted by SIGINT";
    case SIGTERM: return "interrupted by SIGTERM";
    default: return "interrupted by a signal";
    }
}

/* ---- the progress line ---- */

#define PROGRESS_PERIOD 0.25 /* seconds between redraws */
#define PROGRESS_FIRST 0.5   /* nothing for runs shorter than this */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void sim_progress_start(struct sim_progress *p, const char *what)
{
    memset(p, 0, sizeof *p);
    p->fd = -1;
    p->on = isatty(2) == 1;
    p->t0 = now_s();
    p->next = p->t0 + PROGRESS_FIRST;
    snprintf(p->what, sizeof p->what, "%s", what);
}

void sim_progress_file(struct sim_progress *p, const char *trace)
{
    struct stat want, st;
    if (!p->on || !strcmp(trace, "-") || stat(trace, &want) != 0 || !S_ISREG(want.st_mode))
        return;
    /* The reader's descriptor is the one open on the same file (traces/ keeps it private;
     * its offset is what has been read, compressed bytes for .xz and .gz). */
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd == dirfd(d) || fd <= 2)
            continue;
        if (fstat(fd, &st) == 0 && st.st_dev == want.st_dev && st.st_ino == want.st_ino) {
            p->fd = fd;
            p->size = (uint64_t)want.st_size;
        }
    }
    closedir(d);
}

static void fmt_count(char *buf, size_t len, double v)
{
    if (v >= 1e9)
        snprintf(buf, len, "%.2fG", v / 1e9);
    else if (v >= 1e6)
        snprintf(buf, len, "%.1fM", v / 1e6);
    else if (v >= 1e3)
        snprintf(buf, len, "%.1fk", v / 1e3);
    else
        snprintf(buf, len, "%.0f", v);
}

static void fmt_eta(char *buf, size_t len, double s)
{
    if (!(s >= 0) || s > 360000)
        snprintf(buf, len, "?");
    else if (s >= 3600)
        snprintf(buf, len, "%d:%02d:%02d", (int)s / 3600, (int)s / 60 % 60, (int)s % 60);
    else
        snprintf(buf, len, "%d:%02d", (int)s / 60, (int)s % 60);
}

static void draw(struct sim_progress *p, const char *line)
{
    /* \r, the line, erase to the end of the line: shorter lines leave nothing behind. */
    fprintf(stderr, "\r%s: %s\033[K", p->what, line);
    fflush(stderr);
    p->drawn = true;
}

static bool due(struct sim_progress *p, double *t)
{
    if (!p->on)
        return false;
    *t = now_s();
    if (*t < p->next)
        return false;
    p->next = *t + PROGRESS_PERIOD;
    return true;
}

void sim_progress_replay(struct sim_progress *p, uint64_t records, uint64_t accesses)
{
    double t;
    if (!due(p, &t))
        return;
    double el = t - p->t0;
    char rec[32], acc[32], line[200];
    fmt_count(rec, sizeof rec, (double)records);
    fmt_count(acc, sizeof acc, (double)accesses);
    int n = snprintf(line, sizeof line, "%s records, %s accesses, %.1f M accesses/s", rec, acc,
                     el > 0 ? (double)accesses / el / 1e6 : 0.0);
    if (p->fd >= 0 && p->size > 0) {
        off_t pos = lseek(p->fd, 0, SEEK_CUR);
        if (pos > 0 && n > 0 && (size_t)n < sizeof line) {
            double f = (double)pos / (double)p->size;
            if (f > 1)
                f = 1;
            char eta[32];
            fmt_eta(eta, sizeof eta, f > 0 ? el * (1 - f) / f : -1);
            snprintf(line + n, sizeof line - (size_t)n, ", %.1f%%, ETA %s", f * 100, eta);
        }
    }
    draw(p, line);
}

void sim_progress_run(struct sim_progress *p, uint64_t insns)
{
    double t;
    if (!due(p, &t))
        return;
    double el = t - p->t0;
    char ins[32], line[200];
    fmt_count(ins, sizeof ins, (double)insns);
    int n = snprintf(line, sizeof line, "%s instructions, %.1f M instructions/s", ins,
                     el > 0 ? (double)insns / el / 1e6 : 0.0);
    if (p->max && n > 0 && (size_t)n < sizeof line)
        snprintf(line + n, sizeof line - (size_t)n, ", %.1f%% of --max-insns",
                 100.0 * (double)insns / (double)p->max);
    draw(p, line);
}

void sim_progress_end(struct sim_progress *p)
{
    if (p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    p->drawn = false;
}

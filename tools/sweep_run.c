/* tools/sweep_run.c - running a sweep's cells (sweep_internal.h): locally with up to -j
 * children at once, one cell at a time for an emitted job, or emitted as a GNU parallel job
 * list or a Slurm job array.
 *
 * Crash safety: a cell's child writes DIR/tmp/ID.{json,csv} (each itself written atomically
 * by the report code); only after the child succeeded are they renamed into DIR/cells/, the
 * CSV last, so DIR/cells/ID.csv exists only when the cell is complete.  Cells whose CSV and
 * JSON both exist are skipped.  A lock file per cell (fcntl, works on NFS with lockd) keeps
 * two runners from working on one cell at once. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sweep_internal.h"

/* Whether a result file is marked partial (vkmmu wrote it after an interruption or a
 * timeout: `"partial": true`). */
static bool json_partial(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    /* the mark sits in the workload object, before "results" */
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *res = strstr(buf, "\"results\"");
    if (res)
        *res = 0;
    return strstr(buf, "\"partial\": true") != NULL;
}

struct sweep_job {
    const struct sweep_cell *cell;
    pid_t pid;
    int lock_fd;
    struct timespec t0;
};

static volatile sig_atomic_t sweep_stop; /* SIGINT/SIGTERM seen */
static void on_stop(int sig)
{
    sweep_stop = sig;
}
static void on_child(int sig)
{
    (void)sig;
}

static void tmp_paths(const char *dir, const struct sweep_cell *c, char **json, char **csv)
{
    *json = sweep_format("%s/tmp/%s.json", dir, c->id);
    *csv = sweep_format("%s/tmp/%s.csv", dir, c->id);
}

static void remove_tmp(const char *dir, const struct sweep_cell *c)
{
    char *j, *v;
    tmp_paths(dir, c, &j, &v);
    char *jt = sweep_format("%s.tmp", j), *vt = sweep_format("%s.tmp", v);
    unlink(j);
    unlink(v);
    unlink(jt);
    unlink(vt);
    free(j);
    free(v);
    free(jt);
    free(vt);
}

/* Starts a cell's child.  0 started; 1 the cell is locked by another runner (skipped);
 * -1 failed to start. */
static int job_start(const struct sweep_spec *sp, const char *dir, struct sweep_job *job,
                     const sigset_t *child_mask)
{
    const struct sweep_cell *c = job->cell;
    char *lock = sweep_format("%s/tmp/%s.lock", dir, c->id);
    job->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (job->lock_fd < 0) {
        fprintf(stderr, "vkmmu sweep: %s: %s\n", lock, strerror(errno));
        free(lock);
        return -1;
    }
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(job->lock_fd, F_SETLK, &fl) != 0) {
        fprintf(stderr, "vkmmu sweep: cell %s: being run by another runner (%s), skipped\n",
                c->id, lock);
        close(job->lock_fd);
        free(lock);
        return 1;
    }
    free(lock);
    if (sweep_cell_complete(dir, c)) { /* finished by another runner meanwhile */
        close(job->lock_fd);
        return 1;
    }
    remove_tmp(dir, c);
    if (sweep_costs_file_ensure(sp, c, dir) < 0) {
        close(job->lock_fd);
        return -1;
    }
    char *json, *csv, *log = sweep_format("%s/logs/%s.log", dir, c->id);
    tmp_paths(dir, c, &json, &csv);
    struct sweep_strings av = {0};
    sweep_cell_argv(sp, c, dir, json, csv, &av);
    clock_gettime(CLOCK_MONOTONIC, &job->t0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* The child: its own output to the cell's log, the spec's directory as working
         * directory (relative paths in the spec are the spec's), default signal mask. */
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        int in = open("/dev/null", O_RDONLY);
        if (fd < 0 || in < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 || dup2(in, 0) < 0)
            _exit(126);
        if (chdir(sp->dir) != 0) {
            fprintf(stderr, "vkmmu sweep: %s: %s\n", sp->dir, strerror(errno));
            _exit(126);
        }
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGCHLD, SIG_DFL);
        sigprocmask(SIG_SETMASK, child_mask, NULL);
        execv("/proc/self/exe", av.v);
        fprintf(stderr, "vkmmu sweep: cannot run /proc/self/exe: %s\n", strerror(errno));
        _exit(126);
    }
    int e = errno;
    sweep_strings_free(&av);
    free(json);
    free(csv);
    free(log);
    if (pid < 0) {
        fprintf(stderr, "vkmmu sweep: cell %s: cannot fork: %s\n", c->id, strerror(e));
        close(job->lock_fd);
        return -1;
    }
    job->pid = pid;
    return 0;
}

/* After the child ended: moves its results into cells/ (CSV last) when it succeeded.  Returns
 * 0 (complete) or -1 (failed; the reason printed). */
static int job_finish(const struct sweep_spec *sp, const char *dir, struct sweep_job *job, int status,
                      bool quiet_ok)
{
    const struct sweep_cell *c = job->cell;
    const struct sweep_workload *w = &sp->w[c->w];
    char *json, *csv;
    tmp_paths(dir, c, &json, &csv);
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - job->t0.tv_sec) +
                  (double)(t1.tv_nsec - job->t0.tv_nsec) / 1e9;
    /* replay: success is exit 0.  run: the exit status is the guest's, so a normal exit with
     * both files is complete, except 2 (bad usage, nothing written), and results marked partial
     * (interrupted: 130, 143; --timeout: 124), which a resumed sweep must run again. */
    bool ok = WIFEXITED(status) && sweep_file_exists(json) && sweep_file_exists(csv) &&
              (w->program ? WEXITSTATUS(status) != 2 : WEXITSTATUS(status) == 0) &&
              !json_partial(json);
    int rc = -1;
    if (ok) {
        char *dj = sweep_format("%s/cells/%s.json", dir, c->id), *dc = sweep_format("%s/cells/%s.csv", dir, c->id);
        if (rename(json, dj) != 0 || rename(csv, dc) != 0)
            fprintf(stderr, "vkmmu sweep: cell %s: cannot move its results into %s/cells: %s\n",
                    c->id, dir, strerror(errno));
        else
            rc = 0;
        free(dj);
        free(dc);
    }
    if (rc == 0) {
        if (!quiet_ok)
            fprintf(stderr, "vkmmu sweep: cell %s: done (%.2f s)\n", c->id, secs);
    } else if (sweep_stop) {
        fprintf(stderr, "vkmmu sweep: cell %s: interrupted, its partial output removed\n", c->id);
    } else if (WIFSIGNALED(status)) {
        fprintf(stderr, "vkmmu sweep: cell %s: killed by signal %d; log %s/logs/%s.log\n", c->id,
                WTERMSIG(status), dir, c->id);
    } else if (!ok) {
        fprintf(stderr, "vkmmu sweep: cell %s: failed (exit %d); log %s/logs/%s.log\n", c->id,
                WIFEXITED(status) ? WEXITSTATUS(status) : -1, dir, c->id);
    }
    if (rc < 0)
        remove_tmp(dir, c);
    close(job->lock_fd);
    free(json);
    free(csv);
    return rc;
}

int sweep_make_dirs(const char *dir)
{
    static const char *const subs[] = {"", "/cells", "/tmp", "/logs", "/costs"};
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        char *p = sweep_format("%s%s", dir, subs[i]);
        int rc = sweep_make_directories(p);
        if (rc < 0)
            fprintf(stderr, "vkmmu sweep: %s: cannot create: %s\n", p, strerror(errno));
        free(p);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* The signal handling of a local run: SIGINT/SIGTERM/SIGCHLD caught, and blocked except
 * inside sigsuspend (no lost wake-ups); what was in force before, to restore. */
struct signal_state {
    sigset_t old;
    struct sigaction old_int, old_term, old_chld;
};

static void signals_catch(struct signal_state *st)
{
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGCHLD);
    struct sigaction sa = {0};
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &st->old_int);
    sigaction(SIGTERM, &sa, &st->old_term);
    sa.sa_handler = on_child;
    sigaction(SIGCHLD, &sa, &st->old_chld);
    sigprocmask(SIG_BLOCK, &block, &st->old);
    sweep_stop = 0;
}

static void signals_restore(const struct signal_state *st)
{
    sigprocmask(SIG_SETMASK, &st->old, NULL);
    sigaction(SIGINT, &st->old_int, NULL);
    sigaction(SIGTERM, &st->old_term, NULL);
    sigaction(SIGCHLD, &st->old_chld, NULL);
}

/* A local run: the pending cells, the children running and what became of the others. */
struct local_run {
    const struct sweep_spec *sp;
    const char *dir;
    const struct sweep_cell **todo;
    size_t ntodo, next;
    struct sweep_job *run;
    size_t nrun;
    size_t launched, done, failed, busy;
};

/* Starts pending cells until jobs children run, max_cells were launched or a stop signal. */
static void launch(struct local_run *r, unsigned jobs, size_t max_cells, const sigset_t *child_mask)
{
    while (!sweep_stop && r->nrun < jobs && r->next < r->ntodo &&
           (max_cells == 0 || r->launched < max_cells)) {
        struct sweep_job *j = &r->run[r->nrun];
        j->cell = r->todo[r->next++];
        int rc = job_start(r->sp, r->dir, j, child_mask);
        if (rc == 0) {
            r->nrun++;
            r->launched++;
        } else if (rc < 0) {
            r->failed++;
        } else {
            r->busy++;
        }
    }
}

/* Finishes every child that has ended; false when none had. */
static bool reap(struct local_run *r)
{
    int status;
    pid_t pid;
    bool reaped = false;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (size_t i = 0; i < r->nrun; i++) {
            if (r->run[i].pid != pid)
                continue;
            if (job_finish(r->sp, r->dir, &r->run[i], status, false) == 0)
                r->done++;
            else if (!sweep_stop)
                r->failed++;
            r->run[i] = r->run[--r->nrun];
            break;
        }
        reaped = true;
    }
    return reaped;
}

/* The last line of a local run, from the cells complete now; returns the exit status. */
static int local_summary(const struct local_run *r, const struct sweep_cell *cells, size_t ncells)
{
    size_t left = 0;
    for (size_t i = 0; i < ncells; i++)
        left += !sweep_cell_complete(r->dir, &cells[i]);
    if (sweep_stop) {
        fprintf(stderr, "vkmmu sweep: interrupted: %zu of %zu cells complete; run the same "
                        "command again to resume\n", ncells - left, ncells);
        return 130;
    }
    if (r->failed) {
        fprintf(stderr, "vkmmu sweep: %zu cell%s failed; %zu of %zu cells complete\n", r->failed,
                r->failed == 1 ? "" : "s", ncells - left, ncells);
        return VKMMU_EXIT_FAILED;
    }
    if (left && r->busy) {
        fprintf(stderr, "vkmmu sweep: %zu of %zu cells complete; %zu being run by another runner "
                        "(run again once it has finished)\n", ncells - left, ncells, r->busy);
        return VKMMU_EXIT_FAILED;
    }
    if (left) {
        fprintf(stderr, "vkmmu sweep: stopped after %zu cells (--max-cells); %zu of %zu "
                        "complete\n", r->launched, ncells - left, ncells);
        return VKMMU_EXIT_OK;
    }
    fprintf(stderr, "vkmmu sweep: all %zu cells complete in %s/cells (%zu run now); merge with "
                    "`vkmmu merge %s -o table.csv`\n", ncells, r->dir, r->done, r->dir);
    return VKMMU_EXIT_OK;
}

/* Runs the pending cells with up to jobs children at once; stops launching after max_cells
 * (0 = no limit) or on SIGINT/SIGTERM (children are sent SIGTERM, their partial outputs
 * removed).  Returns the exit status. */
int sweep_run_local(const struct sweep_spec *sp, const struct sweep_cell *cells, size_t ncells,
                    const char *dir, unsigned jobs, size_t max_cells)
{
    struct local_run r = {.sp = sp, .dir = dir};
    r.todo = sweep_malloc(ncells * sizeof(*r.todo));
    for (size_t i = 0; i < ncells; i++)
        if (!sweep_cell_complete(dir, &cells[i]))
            r.todo[r.ntodo++] = &cells[i];
    fprintf(stderr, "vkmmu sweep: %zu cells, %zu complete, %zu to run (-j %u)\n", ncells,
            ncells - r.ntodo, r.ntodo, jobs);
    struct signal_state signals;
    signals_catch(&signals);
    r.run = sweep_malloc(jobs * sizeof(*r.run));
    bool killed = false;
    for (;;) {
        launch(&r, jobs, max_cells, &signals.old);
        if (sweep_stop && !killed) {
            for (size_t i = 0; i < r.nrun; i++)
                kill(r.run[i].pid, SIGTERM);
            killed = true;
        }
        if (r.nrun == 0)
            break;
        if (!reap(&r))
            sigsuspend(&signals.old);
    }
    signals_restore(&signals);
    free(r.run);
    int status = local_summary(&r, cells, ncells);
    free(r.todo);
    return status;
}

/* One cell, synchronously (the command an emitted job runs). */
int sweep_run_one(const struct sweep_spec *sp, const struct sweep_cell *c, const char *dir)
{
    if (sweep_cell_complete(dir, c)) {
        fprintf(stderr, "vkmmu sweep: cell %s: complete already, skipped\n", c->id);
        return VKMMU_EXIT_OK;
    }
    sigset_t cur;
    sigprocmask(SIG_SETMASK, NULL, &cur);
    struct sweep_job job = {.cell = c};
    int rc = job_start(sp, dir, &job, &cur);
    if (rc != 0)
        return rc > 0 ? VKMMU_EXIT_OK : VKMMU_EXIT_FAILED;
    int status;
    while (waitpid(job.pid, &status, 0) < 0)
        if (errno != EINTR) {
            fprintf(stderr, "vkmmu sweep: waitpid: %s\n", strerror(errno));
            return VKMMU_EXIT_FAILED;
        }
    return job_finish(sp, dir, &job, status, false) == 0 ? VKMMU_EXIT_OK : VKMMU_EXIT_FAILED;
}

/* ---- emitting job lists ---- */

static char *self_exe(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n < 0)
        return sweep_strdup("vkmmu");
    buf[n] = '\0';
    return sweep_strdup(buf);
}

int sweep_emit(const struct sweep_spec *sp, const struct sweep_cell *cells, size_t ncells,
                const char *dir, const char *kind, unsigned jobs, bool jobs_given)
{
    for (size_t i = 0; i < ncells; i++)
        if (sweep_costs_file_ensure(sp, &cells[i], dir) < 0)
            return VKMMU_EXIT_FAILED;
    char *exe = self_exe(), *qexe = sweep_shell_quote(exe), *qspec = sweep_shell_quote(sp->path), *qdir = sweep_shell_quote(dir);
    struct sweep_text t = {0};
    char *path;
    int rc;
    if (!strcmp(kind, "parallel")) {
        for (size_t i = 0; i < ncells; i++) {
            char *qid = sweep_shell_quote(cells[i].id);
            sweep_text_add(&t, "%s sweep %s -o %s --cell %s\n", qexe, qspec, qdir, qid);
            free(qid);
        }
        path = sweep_format("%s/jobs.txt", dir);
    } else {
        char *qlog = sweep_format("%s/logs/slurm-%%A_%%a.out", dir);
        char throttle[32] = "";
        if (jobs_given)
            snprintf(throttle, sizeof throttle, "%%%u", jobs);
        sweep_text_add(
            &t,
            "#!/bin/bash\n"
            "# Slurm job array written by `vkmmu sweep --emit slurm`: one array task per cell.\n"
            "# Submit with: sbatch %s/sweep.sbatch\n"
            "# The directory below, the spec, its workloads and vkmmu must be at these paths\n"
            "# on every node (a shared filesystem).  A task whose cell is complete exits at\n"
            "# once, so resubmitting the script resumes the sweep.\n"
            "#SBATCH --job-name=vkmmu-sweep\n"
            "#SBATCH --array=0-%zu%s\n"
            "#SBATCH --ntasks=1\n"
            "#SBATCH --cpus-per-task=1\n"
            "#SBATCH --output=%s\n"
            "set -eu\n"
            "cells=(\n",
            dir, ncells - 1, throttle, qlog);
        free(qlog);
        for (size_t i = 0; i < ncells; i++) {
            char *qid = sweep_shell_quote(cells[i].id);
            sweep_text_add(&t, "  %s\n", qid);
            free(qid);
        }
        sweep_text_add(&t,
               ")\n"
               "exec %s sweep %s -o %s --cell \"${cells[$SLURM_ARRAY_TASK_ID]}\"\n",
               qexe, qspec, qdir);
        path = sweep_format("%s/sweep.sbatch", dir);
    }
    rc = sweep_write_atomic(path, t.s);
    if (rc == 0 && strcmp(kind, "parallel"))
        chmod(path, 0755);
    if (rc == 0)
        fprintf(stderr, "vkmmu sweep: %zu cells; wrote %s\n%s", ncells, path,
                !strcmp(kind, "parallel")
                    ? "  run with: parallel -j N < jobs.txt  (or parallel --sshloginfile HOSTS)\n"
                    : "  submit with: sbatch sweep.sbatch\n");
    free(path);
    free(t.s);
    free(exe);
    free(qexe);
    free(qspec);
    free(qdir);
    return rc == 0 ? VKMMU_EXIT_OK : VKMMU_EXIT_FAILED;
}

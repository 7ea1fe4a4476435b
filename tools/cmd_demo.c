/* tools/cmd_demo.c - `vkmmu demo`: the headline comparison on the bundled workloads (guests/ and
 * busybox): schemes native, vpt-1.10, vpt, ept x policies none, dfly, dfly2010, linux-fa,
 * window:16, seq, ptpage (plus window:1..64 for the window and sensitivity figures) x dirty
 * strict, eager.  It writes a sweep spec, runs it with `vkmmu sweep` (resumable), merges the
 * CSV, collects the JSON, draws every figure kind with `vkmmu plot`, prints a summary table and
 * names the output folder at the end. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"
#include "tools.h"
#include "results_read.h"

#define DEMO_SCHEMES "native, vpt-1.10, vpt, ept"
#define DEMO_POLICIES "none, dfly, dfly2010, linux-fa, window:16, seq, ptpage"
#define DEMO_WINDOWS "1, 2, 4, 8, 32, 64"
#define DEMO_DIRTY "strict, eager"
#define DEMO_INTERVAL "1000000"

static void demo_usage(FILE *out)
{
    fputs("usage: vkmmu demo [-o DIR] [-j N] [--guests DIR] [--busybox PATH]\n"
          "Runs the headline comparison on the bundled workloads: every guests/ program and\n"
          "three busybox runs, under schemes " DEMO_SCHEMES ",\n"
          "policies " DEMO_POLICIES " (and window:N for N in " DEMO_WINDOWS "),\n"
          "dirty strategies " DEMO_DIRTY ".  Prints a summary and writes results.csv,\n"
          "results.json and figures/ (PDF and PNG of every `vkmmu plot` kind) into DIR.\n"
          "Re-running with the same -o DIR resumes: finished workloads are not run again.\n"
          "\n"
          "options:\n"
          "  -o DIR          output folder (default: vkmmu-demo in the current directory)\n"
          "  -j N            workloads run at once (default: the number of CPUs)\n"
          "  --guests DIR    the built guests (default: guests/ next to this binary's cli/)\n"
          "  --busybox PATH  an i386 static busybox (default /bin/busybox; skipped if absent)\n"
          "  -h, --help      this text\n"
          "exit status: 0 success, 1 a step failed, 2 bad usage\n",
          out);
}

#define DEMO_FIG_POLICIES "none,dfly,dfly2010,linux-fa,window:16,seq,ptpage"

struct strlist {
    char **v;
    size_t n, cap;
};

/* Appends s (not copied; NULL terminates an argument vector). */
static void sl_push(struct strlist *l, const char *s)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        char **n = realloc(l->v, ncap * sizeof *n);
        if (!n) {
            free(l->v);
            l->v = NULL;
            l->n = l->cap = 0;
            return;
        }
        l->v = n;
        l->cap = ncap;
    }
    l->v[l->n++] = (char *)s;
}

static void sl_free_all(struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/* The cells' JSON files, from the sweep's manifest (cells.tsv: the id first on each line). */
static int cell_jsons(const char *dir, struct strlist *out)
{
    char manifest[PATH_MAX + 32];
    snprintf(manifest, sizeof manifest, "%s/sweep/cells.tsv", dir);
    FILE *m = fopen(manifest, "r");
    if (!m)
        return -1;
    char line[4096];
    while (fgets(line, sizeof line, m)) {
        char id[512];
        if (sscanf(line, "%511s", id) != 1 || !strcmp(id, "cell") || id[0] == '#')
            continue;
        size_t len = strlen(dir) + strlen(id) + 32;
        char *p = malloc(len);
        if (!p)
            break;
        snprintf(p, len, "%s/sweep/cells/%s.json", dir, id);
        sl_push(out, p);
    }
    fclose(m);
    return 0;
}

/* Runs vkmmu itself with args (NULL-terminated); stdout to out_path when not NULL. */
static int run_self(char *const *args, const char *out_path)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (out_path) {
            FILE *f = freopen(out_path, "w", stdout);
            if (!f)
                _exit(126);
        }
        execv("/proc/self/exe", args);
        _exit(126);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int mkdir_p(const char *path)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    if (!in)
        return -1;
    FILE *out = fopen(to, "wb");
    if (!out) {
        fclose(in);
        return -1;
    }
    char buf[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    if (ferror(in))
        rc = -1;
    fclose(in);
    if (fclose(out) != 0)
        rc = -1;
    return rc;
}

/* words.txt for busybox sort: 20000 deterministic lines. */
static int write_words(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    uint32_t x = 2463534242u;
    for (int i = 0; i < 20000; i++) {
        char w[16];
        int len = 3 + (int)(x % 9);
        for (int k = 0; k < len; k++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            w[k] = (char)('a' + x % 26);
        }
        w[len] = 0;
        fprintf(f, "%s %u\n", w, x % 100000);
    }
    return fclose(f);
}

/* The directory of this binary's build: /proc/self/exe is BUILD/cli/vkmmu. */
static int default_guests(char *out, size_t len)
{
    char exe[PATH_MAX - 16];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = 0;
    char *s = strrchr(exe, '/');
    if (!s)
        return -1;
    *s = 0;
    s = strrchr(exe, '/');
    if (!s)
        return -1;
    *s = 0;
    snprintf(out, len, "%s/guests", exe);
    return 0;
}

/* Writes DIR/demo.sweep; returns the number of workloads. */
static int write_spec(const char *dir, const char *guests, const char *busybox, const char *root)
{
    char path[PATH_MAX + 32], wl[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/demo.sweep", dir);
    snprintf(wl, sizeof wl, "%s/workloads.txt", guests);
    FILE *in = fopen(wl, "r");
    if (!in) {
        fprintf(stderr, "vkmmu demo: %s: %s (build the project first, or give --guests DIR)\n",
                wl, strerror(errno));
        return -1;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        fclose(in);
        fprintf(stderr, "vkmmu demo: %s: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "# written by vkmmu demo: the headline comparison\n[workloads]\n");
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof line, in)) {
        line[strcspn(line, "\r\n")] = 0;
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '#')
            continue;
        char name[128];
        int used = 0;
        if (sscanf(p, "%127s%n", name, &used) != 1)
            continue;
        fprintf(f, "program = %s %s/%s%s\n", name, guests, name, p + used);
        n++;
    }
    fclose(in);
    if (busybox && access(busybox, X_OK) == 0) {
        fprintf(f, "program = bb-md5sum %s md5sum data.bin\n", busybox);
        fprintf(f, "program = bb-sort %s sort words.txt\n", busybox);
        fprintf(f, "program = bb-gzip %s gzip -c data.bin\n", busybox);
        n += 3;
    } else if (busybox) {
        fprintf(stderr, "vkmmu demo: %s not found: the busybox workloads are skipped\n", busybox);
    }
    fprintf(f,
            "\n[axes]\nscheme = %s\npolicy = %s\nwindow = %s\ndirty = %s\n\n"
            "[options]\nargs = --interval %s\nrun-args = --engine hooks --root %s "
            "--max-insns 2000000000\n",
            DEMO_SCHEMES, DEMO_POLICIES, DEMO_WINDOWS, DEMO_DIRTY, DEMO_INTERVAL, root);
    if (fclose(f) != 0)
        return -1;
    return n;
}

/* results.json: every cell's JSON in one array, in cell order. */
static int collect_json(const char *dir)
{
    char out[PATH_MAX + 32], tmp[PATH_MAX + 40];
    snprintf(out, sizeof out, "%s/results.json", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    struct strlist cells = {0};
    if (cell_jsons(dir, &cells) < 0)
        return -1;
    FILE *f = fopen(tmp, "w");
    if (!f) {
        sl_free_all(&cells);
        return -1;
    }
    fputs("{\n\"tool\": \"vkmmu demo\",\n\"version\": ", f);
    sim_json_string(f, VKMMU_VERSION);
    fputs(",\n\"git_commit\": ", f);
    sim_json_string(f, VKMMU_GIT_COMMIT);
    fputs(",\n\"workloads\": [\n", f);
    int rc = 0;
    for (size_t i = 0; i < cells.n; i++) {
        FILE *c = fopen(cells.v[i], "r");
        if (!c) {
            rc = -1;
            continue;
        }
        if (i)
            fputs(",\n", f);
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, c)) > 0)
            if (fwrite(buf, 1, n, f) != n)
                rc = -1;
        fclose(c);
    }
    sl_free_all(&cells);
    fputs("]\n}\n", f);
    if (fclose(f) != 0 || rc < 0 || rename(tmp, out) != 0)
        return -1;
    return 0;
}

/* The summary on stdout: per workload, reflections per 1000 instructions and overhead for a
 * few headline configurations. */
static void summary(const char *csv)
{
    struct rr_file rf;
    char err[512];
    if (rr_file_load(&rf, csv, err, sizeof err) < 0) {
        fprintf(stderr, "vkmmu demo: %s\n", err);
        return;
    }
    static const char *const cols[][3] = {
        {"vpt-1.10", "none", "strict"},   {"vpt-1.10", "dfly", "strict"},
        {"vpt", "dfly2010", "strict"},    {"vpt", "window:16", "eager"},
        {"vpt", "seq", "eager"},          {"ept", "none", "strict"},
    };
    size_t ncols = sizeof cols / sizeof cols[0];
    printf("overhead against native (reflections per 1000 instructions):\n%-12s", "workload");
    for (size_t c = 0; c < ncols; c++) {
        char h[48];
        snprintf(h, sizeof h, "%s/%s%s", cols[c][0], cols[c][1],
                 strcmp(cols[c][2], "strict") ? "/eager" : "");
        printf(" %24s", h);
    }
    putchar('\n');
    const char *last = NULL;
    for (size_t i = 0; i < rf.n; i++) {
        const struct rr_result *r = &rf.r[i];
        if (last && !strcmp(last, r->workload))
            continue;
        last = r->workload;
        printf("%-12s", r->workload);
        for (size_t c = 0; c < ncols; c++) {
            const struct rr_result *hit = NULL;
            for (size_t j = 0; j < rf.n; j++) {
                const struct rr_result *x = &rf.r[j];
                if (!strcmp(x->workload, r->workload) && !strcmp(x->scheme, cols[c][0]) &&
                    !strcmp(x->policy, cols[c][1]) && !strcmp(x->dirty, cols[c][2]))
                    hit = x;
            }
            if (!hit) {
                printf(" %24s", "-");
                continue;
            }
            double insns = (double)hit->c[MMU_C_insns];
            double refl = (double)hit->c[MMU_C_fault_reflected];
            char cell[48];
            snprintf(cell, sizeof cell, "%+.1f%% (%.2f)", hit->overhead * 100,
                     insns > 0 ? refl * 1000 / insns : 0);
            printf(" %24s", cell);
        }
        putchar('\n');
    }
    rr_file_fini(&rf);
}

int cmd_demo(int argc, char **argv)
{
    const char *out = "vkmmu-demo", *jobs = NULL, *busybox = "/bin/busybox";
    char guests[PATH_MAX] = "";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            demo_usage(stdout);
            return VKMMU_EXIT_OK;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "vkmmu demo: %s: %s\n", a,
                    strncmp(a, "-", 1) ? "unexpected argument" : "missing value");
            return VKMMU_EXIT_USAGE;
        }
        if ((!strcmp(a, "-o") || !strcmp(a, "--guests")) && strlen(argv[i + 1]) >= PATH_MAX) {
            /* both are copied into PATH_MAX bytes (and no longer path can be opened) */
            fprintf(stderr, "vkmmu demo: %s: path of %zu characters is too long (at most %d)\n",
                    a, strlen(argv[i + 1]), PATH_MAX - 1);
            return VKMMU_EXIT_USAGE;
        }
        if (!strcmp(a, "-o"))
            out = argv[++i];
        else if (!strcmp(a, "-j"))
            jobs = argv[++i];
        else if (!strcmp(a, "--guests"))
            snprintf(guests, sizeof guests, "%s", argv[++i]);
        else if (!strcmp(a, "--busybox"))
            busybox = argv[++i];
        else {
            fprintf(stderr, "vkmmu demo: unknown option '%s' (see vkmmu demo --help)\n", a);
            return VKMMU_EXIT_USAGE;
        }
    }
    if (!guests[0] && default_guests(guests, sizeof guests) < 0) {
        fprintf(stderr, "vkmmu demo: cannot find the guests: give --guests DIR\n");
        return VKMMU_EXIT_USAGE;
    }
    char dir[PATH_MAX], gabs[PATH_MAX];
    if (mkdir_p(out) < 0 || !realpath(out, dir)) {
        fprintf(stderr, "vkmmu demo: %s: %s\n", out, strerror(errno));
        return VKMMU_EXIT_FAILED;
    }
    if (!realpath(guests, gabs)) {
        fprintf(stderr, "vkmmu demo: --guests %s: %s\n", guests, strerror(errno));
        return VKMMU_EXIT_USAGE;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    /* The guests' root: the input files the workloads read. */
    char root[PATH_MAX + 16], p1[PATH_MAX + 16], p2[PATH_MAX + 32];
    snprintf(root, sizeof root, "%s/root", dir);
    snprintf(p1, sizeof p1, "%s/data.bin", gabs);
    snprintf(p2, sizeof p2, "%s/data.bin", root);
    if (mkdir_p(root) < 0 || copy_file(p1, p2) < 0) {
        fprintf(stderr, "vkmmu demo: cannot prepare %s (from %s): %s\n", root, p1,
                strerror(errno));
        return VKMMU_EXIT_FAILED;
    }
    snprintf(p2, sizeof p2, "%s/words.txt", root);
    if (write_words(p2) < 0) {
        fprintf(stderr, "vkmmu demo: %s: %s\n", p2, strerror(errno));
        return VKMMU_EXIT_FAILED;
    }
    int nw = write_spec(dir, gabs, busybox, root);
    if (nw < 0)
        return VKMMU_EXIT_FAILED;
    fprintf(stderr, "vkmmu demo: %d workloads x 4 schemes x 13 policies x 2 dirty strategies\n",
            nw);

    char spec[PATH_MAX + 16], sweepdir[PATH_MAX + 16], csv[PATH_MAX + 16];
    snprintf(spec, sizeof spec, "%s/demo.sweep", dir);
    snprintf(sweepdir, sizeof sweepdir, "%s/sweep", dir);
    snprintf(csv, sizeof csv, "%s/results.csv", dir);
    char *sweep_args[] = {"vkmmu", "sweep", spec, "-o", sweepdir, "-j", (char *)(jobs ? jobs : "0"),
                          NULL};
    if (!jobs)
        sweep_args[5] = NULL; /* the sweep's default: the number of CPUs */
    int st = run_self(sweep_args, NULL);
    if (st != 0) {
        fprintf(stderr, "vkmmu demo: the sweep failed (status %d); its logs are in %s/logs\n",
                st, sweepdir);
        return st == 130 ? 130 : VKMMU_EXIT_FAILED;
    }
    char *merge_args[] = {"vkmmu", "merge", sweepdir, "-o", csv, NULL};
    if (run_self(merge_args, NULL) != 0) {
        fprintf(stderr, "vkmmu demo: merging the results failed\n");
        return VKMMU_EXIT_FAILED;
    }
    if (collect_json(dir) < 0) {
        fprintf(stderr, "vkmmu demo: cannot write %s/results.json\n", dir);
        return VKMMU_EXIT_FAILED;
    }

    /* Figures: every kind, as PDF (for papers) and PNG (to look at).  The merged CSV has
     * every result; timelines are only in the cells' JSON. */
    char figs[PATH_MAX + 16];
    snprintf(figs, sizeof figs, "%s/figures", dir);
    mkdir_p(figs);
    struct strlist cells = {0};
    if (cell_jsons(dir, &cells) < 0) {
        fprintf(stderr, "vkmmu demo: cannot list the cells of %s\n", sweepdir);
        return VKMMU_EXIT_FAILED;
    }
    /* Each figure at single-column width: a readable subset of workloads and policies. */
    static const char *const kinds[][5] = {
        /* kind, scheme, dirty, policies (NULL = all), workloads (NULL = all) */
        {"policies", "vpt-1.10", "strict", DEMO_FIG_POLICIES, NULL},
        {"window", "vpt", "eager", NULL, "seqscan,stride,sparse,randacc,churn,filemmap"},
        {"overhead", "vpt-1.10", "strict", "none,dfly,dfly2010,window:16,seq",
         "seqscan,randacc,churn,bb-sort"},
        {"accuracy", "vpt", "strict", NULL, "seqscan,stride,randacc,churn"},
        {"timeline", "vpt-1.10", "strict", "none,dfly,seq", "seqscan,randacc,bb-sort"},
        {"sensitivity", "vpt", "eager", NULL, "seqscan,randacc,churn,stride"},
    };
    int failed = 0;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        for (int fmt = 0; fmt < 2; fmt++) {
            char fig[PATH_MAX + 64];
            snprintf(fig, sizeof fig, "%s/%s.%s", figs, kinds[k][0], fmt ? "png" : "pdf");
            struct strlist av = {0};
            sl_push(&av, "vkmmu");
            sl_push(&av, "plot");
            if (!strcmp(kinds[k][0], "timeline")) {
                for (size_t j = 0; j < cells.n; j++)
                    sl_push(&av, cells.v[j]);
            } else {
                sl_push(&av, csv);
            }
            if (kinds[k][4]) {
                sl_push(&av, "--workload");
                sl_push(&av, kinds[k][4]);
            }
            sl_push(&av, "-o");
            sl_push(&av, fig);
            sl_push(&av, "--kind");
            sl_push(&av, kinds[k][0]);
            sl_push(&av, "--scheme");
            sl_push(&av, kinds[k][1]);
            sl_push(&av, "--dirty");
            sl_push(&av, kinds[k][2]);
            if (kinds[k][3]) {
                sl_push(&av, "--policy");
                sl_push(&av, kinds[k][3]);
            }
            sl_push(&av, NULL);
            if (!av.v || run_self(av.v, NULL) != 0) {
                fprintf(stderr, "vkmmu demo: figure %s failed\n", fig);
                failed++;
            }
            free(av.v);
        }
    }
    sl_free_all(&cells);

    summary(csv);
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("\ndemo results in %s/ (results.csv, results.json, figures/*.pdf and *.png); "
           "%.0f s\n",
           dir, secs);
    return failed ? VKMMU_EXIT_FAILED : VKMMU_EXIT_OK;
}

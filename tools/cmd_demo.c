/* tools/cmd_demo.c - `vkmmu demo`: the headline comparison on the bundled workloads (guests/ and
 * busybox, i386 and x86-64 builds; the x86-64 ones named NAME-64 and bb64-*): schemes native,
 * vpt-1.10, vpt, ept x policies none, dfly, dfly2010, linux-fa, window:16, seq, ptpage (plus
 * window:1..64 for the window and sensitivity figures) x dirty strict, eager.  It writes a
 * sweep spec, runs it with `vkmmu sweep` (resumable), merges the CSV, collects the JSON, draws
 * every figure kind with `vkmmu plot`, prints a summary table and names the output folder at
 * the end. */
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
#include "results_json.h"
#include "results_read.h"
#include "results_schema.h"

#define DEMO_SCHEMES "native, vpt-1.10, vpt, ept"
#define DEMO_POLICIES "none, dfly, dfly2010, linux-fa, window:16, seq, ptpage"
#define DEMO_WINDOWS "1, 2, 4, 8, 32, 64"
#define DEMO_DIRTY "strict, eager"
#define DEMO_INTERVAL "1000000"

/* The amd64 busybox that scripts/install-deps.sh unpacks (--busybox-amd64-path). */
#define DEMO_BUSYBOX64_PATH "/opt/vkmmu/busybox-amd64/bin/busybox"

enum { DEMO_OUTPUT = 1, DEMO_JOBS, DEMO_GUESTS, DEMO_BUSYBOX, DEMO_BUSYBOX64, DEMO_HELP };

static const struct opt demo_options[] = {
    {NULL, 'o', "DIR", "output folder (default: vkmmu-demo in the current directory)", DEMO_OUTPUT},
    {NULL, 'j', "N", "workloads run at once (default: the number of CPUs)", DEMO_JOBS},
    {"guests", 0, "DIR", "the built guests (default: guests/ next to this binary's cli/)",
     DEMO_GUESTS},
    {"busybox", 0, "PATH", "an i386 static busybox (default /bin/busybox; skipped if absent)",
     DEMO_BUSYBOX},
    {"busybox64", 0, "PATH",
     "an amd64 static busybox (default " DEMO_BUSYBOX64_PATH "; skipped if absent)",
     DEMO_BUSYBOX64},
    {"help", 'h', NULL, "this text", DEMO_HELP},
    OPT_END,
};
static const struct opt *const demo_tables[] = {demo_options, NULL};
#define DEMO_HELP_COLUMN 18

static void demo_usage(FILE *out)
{
    fputs("usage: vkmmu demo [-o DIR] [-j N] [--guests DIR] [--busybox PATH] [--busybox64 PATH]\n"
          "Runs the headline comparison on the bundled workloads: every guests/ program (i386,\n"
          "and its x86-64 build as NAME-64), five i386 and three amd64 busybox runs,\n"
          "the dynamically linked sqlite (i386 and x86-64) and the host's sort and python3\n"
          "(every run with --sysroot /),\n"
          "under schemes " DEMO_SCHEMES ",\n"
          "policies " DEMO_POLICIES " (and window:N for N in " DEMO_WINDOWS "),\n"
          "dirty strategies " DEMO_DIRTY ".  Prints a summary and writes results.csv,\n"
          "results.json and figures/ (PDF and PNG of every `vkmmu plot` kind) into DIR.\n"
          "Re-running with the same -o DIR resumes: finished workloads are not run again.\n"
          "\n"
          "options:\n",
          out);
    opt_usage_at(demo_tables, DEMO_HELP_COLUMN, out);
    fputs("exit status: 0 success, 1 a step failed, 2 bad usage\n", out);
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

/* The dynamically linked workloads (issue 14), when present: guests/sqlite and
 * guests/x86_64/sqlite (as sqlite and sqlite-64, so the arch figure pairs them) and two of the
 * host's own programs, coreutils sort and python3.11.  They run with the demo's --sysroot /.
 * Returns how many were written. */
static int write_dynamic(FILE *f, const char *guests)
{
    char prog[PATH_MAX + 32];
    int n = 0;
    snprintf(prog, sizeof prog, "%s/sqlite", guests);
    if (access(prog, X_OK) == 0 && ++n)
        fprintf(f, "program = sqlite %s 5000\n", prog);
    snprintf(prog, sizeof prog, "%s/x86_64/sqlite", guests);
    if (access(prog, X_OK) == 0 && ++n)
        fprintf(f, "program = sqlite-64 %s 5000\n", prog);
    if (access("/usr/bin/sort", X_OK) == 0 && ++n)
        fprintf(f, "program = host-sort /usr/bin/sort -k2n words.txt\n");
    if (access("/usr/bin/python3.11", X_OK) == 0 && ++n)
        fprintf(f, "program = host-python3 /usr/bin/python3.11 -c \"import collections; "
                   "c = collections.Counter(w[0] for w in open('words.txt')); "
                   "print(c.most_common(3))\"\n");
    if (n < 4)
        fprintf(stderr, "vkmmu demo: %d of the 4 dynamically linked workloads found (guests/sqlite "
                        "needs libsqlite3-0:i386 and libsqlite3-dev; the others are the host's "
                        "/usr/bin/sort and /usr/bin/python3.11)\n", n);
    return n;
}

/* Writes DIR/demo.sweep; returns the number of workloads. */
static int write_spec(const char *dir, const char *guests, const char *busybox,
                      const char *busybox64, const char *root)
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
    /* The x86-64 builds of the same programs (guests/x86_64/NAME), as NAME-64. */
    rewind(in);
    int n64 = 0;
    while (fgets(line, sizeof line, in)) {
        line[strcspn(line, "\r\n")] = 0;
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        char name[128], prog[PATH_MAX + 160];
        int used = 0;
        if (!*p || *p == '#' || sscanf(p, "%127s%n", name, &used) != 1 || strlen(name) > 61)
            continue;
        snprintf(prog, sizeof prog, "%s/x86_64/%s", guests, name);
        if (access(prog, X_OK) != 0)
            continue;
        fprintf(f, "program = %s-64 %s%s\n", name, prog, p + used);
        n64++;
    }
    if (!n64)
        fprintf(stderr, "vkmmu demo: no x86-64 guests in %s/x86_64: the NAME-64 workloads are "
                        "skipped\n", guests);
    n += n64;
    fclose(in);
    if (busybox && access(busybox, X_OK) == 0) {
        fprintf(f, "program = bb-md5sum %s md5sum data.bin\n", busybox);
        fprintf(f, "program = bb-sort %s sort words.txt\n", busybox);
        fprintf(f, "program = bb-gzip %s gzip -c data.bin\n", busybox);
        /* processes (issue 12): a pipeline, and a script of many short commands */
        fprintf(f, "program = bb-pipeline %s sh -c 'cat words.txt | grep e | sort | uniq -c | "
                   "sort -rn | head -3'\n", busybox);
        fprintf(f, "program = bb-script %s sh -c 'i=0; while [ $i -lt 30 ]; do echo $i | md5sum "
                   "| cut -c1-8; i=$((i+1)); done | sort | tail -2'\n", busybox);
        n += 5;
    } else if (busybox) {
        fprintf(stderr, "vkmmu demo: %s not found: the busybox workloads are skipped\n", busybox);
    }
    if (busybox64 && access(busybox64, X_OK) == 0) {
        fprintf(f, "program = bb64-md5sum %s md5sum data.bin\n", busybox64);
        fprintf(f, "program = bb64-sort %s sort words.txt\n", busybox64);
        fprintf(f, "program = bb64-gzip %s gzip -c data.bin\n", busybox64);
        n += 3;
    } else if (busybox64) {
        fprintf(stderr,
                "vkmmu demo: %s not found (scripts/install-deps.sh unpacks it): the amd64 "
                "busybox workloads are skipped\n",
                busybox64);
    }
    n += write_dynamic(f, guests);
    fprintf(f,
            "\n[axes]\nscheme = %s\npolicy = %s\nwindow = %s\ndirty = %s\n\n"
            "[options]\nargs = --interval %s\nrun-args = --engine hooks --root %s --sysroot / "
            "--max-insns 2000000000\n",
            DEMO_SCHEMES, DEMO_POLICIES, DEMO_WINDOWS, DEMO_DIRTY, DEMO_INTERVAL, root);
    if (fclose(f) != 0)
        return -1;
    return n;
}

/* results.json: every cell's JSON in one array, in cell order, each as its own file writes it:
 * {"tool": "vkmmu demo", "version", "git_commit", "workloads": [FILE...]} (results_schema.h). */
static int collect_json(const char *dir)
{
    char out[PATH_MAX + 32], tmp[PATH_MAX + 40];
    snprintf(out, sizeof out, "%s/results.json", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    struct strlist cells = {0};
    if (cell_jsons(dir, &cells) < 0)
        return -1;
    struct json_object *root = json_object_new_object();
    struct json_object *members[] = {
        json_object_new_string(SIM_DEMO_TOOL), json_object_new_string(VKMMU_VERSION),
        json_object_new_string(VKMMU_GIT_COMMIT), sim_results_files_array(cells.v, cells.n)};
    static const char *const keys[] = {SIM_KEY_TOOL, SIM_KEY_VERSION, SIM_KEY_GIT_COMMIT,
                                       SIM_KEY_DEMO_WORKLOADS};
    int rc = root ? 0 : -1;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!members[i] || rc < 0 || json_object_object_add(root, keys[i], members[i]) < 0) {
            json_object_put(members[i]);
            rc = -1;
        }
    FILE *f = rc == 0 ? fopen(tmp, "w") : NULL;
    if (f) {
        sim_json_layout_flat(root);
        rc = sim_json_write(f, root);
        if (fclose(f) != 0)
            rc = -1;
    }
    json_object_put(root);
    sl_free_all(&cells);
    if (!f || rc < 0 || rename(tmp, out) != 0)
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

/* The command line of vkmmu demo. */
struct demo_args {
    const char *out, *jobs, *busybox, *busybox64;
    char guests[PATH_MAX];
};

static int demo_option(void *ctx, const struct opt *o, const char *v)
{
    struct demo_args *a = ctx;
    if (o->value && !v)
        return 0; /* "--name: missing value" */
    if ((o->id == DEMO_OUTPUT || o->id == DEMO_GUESTS) && strlen(v) >= PATH_MAX) {
        /* both are copied into PATH_MAX bytes (and no longer path can be opened) */
        fprintf(stderr, "vkmmu demo: %s: path of %zu characters is too long (at most %d)\n",
                o->id == DEMO_OUTPUT ? "-o" : "--guests", strlen(v), PATH_MAX - 1);
        return VKMMU_EXIT_USAGE;
    }
    switch (o->id) {
    case DEMO_OUTPUT:
        a->out = v;
        break;
    case DEMO_JOBS:
        a->jobs = v;
        break;
    case DEMO_GUESTS:
        snprintf(a->guests, sizeof a->guests, "%s", v);
        break;
    case DEMO_BUSYBOX:
        a->busybox = v;
        break;
    case DEMO_BUSYBOX64:
        a->busybox64 = v;
        break;
    case DEMO_HELP:
        demo_usage(stdout);
        return OPT_EXIT_OK;
    }
    return 0;
}

/* Parses argv into *a; 0, or the exit status after printing the reason. */
static int demo_parse_args(int argc, char **argv, struct demo_args *a)
{
    int first;
    int st = opt_parse("demo", demo_tables, OPT_OPERANDS_MIXED, argc, argv, demo_option, a, &first);
    if (st)
        return st;
    if (first < argc) {
        fprintf(stderr, "vkmmu demo: %s: unexpected argument\n", argv[first]);
        return VKMMU_EXIT_USAGE;
    }
    return 0;
}

/* The demo's folders and files. */
struct demo_paths {
    char dir[PATH_MAX], guests[PATH_MAX]; /* absolute */
    char root[PATH_MAX + 16];             /* the guests' root: the files the workloads read */
    char spec[PATH_MAX + 16], sweepdir[PATH_MAX + 16], csv[PATH_MAX + 16];
};

/* The output folder, the guests' root with its input files, and the sweep spec.  The
 * number of workloads, or -1 with *status the exit status after printing the reason. */
static int prepare(const struct demo_args *a, struct demo_paths *p, int *status)
{
    *status = VKMMU_EXIT_FAILED;
    if (mkdir_p(a->out) < 0 || !realpath(a->out, p->dir)) {
        fprintf(stderr, "vkmmu demo: %s: %s\n", a->out, strerror(errno));
        return -1;
    }
    if (!realpath(a->guests, p->guests)) {
        fprintf(stderr, "vkmmu demo: --guests %s: %s\n", a->guests, strerror(errno));
        *status = VKMMU_EXIT_USAGE;
        return -1;
    }
    char p1[PATH_MAX + 16], p2[PATH_MAX + 32];
    snprintf(p->root, sizeof p->root, "%s/root", p->dir);
    snprintf(p1, sizeof p1, "%s/data.bin", p->guests);
    snprintf(p2, sizeof p2, "%s/data.bin", p->root);
    if (mkdir_p(p->root) < 0 || copy_file(p1, p2) < 0) {
        fprintf(stderr, "vkmmu demo: cannot prepare %s (from %s): %s\n", p->root, p1,
                strerror(errno));
        return -1;
    }
    snprintf(p2, sizeof p2, "%s/words.txt", p->root);
    if (write_words(p2) < 0) {
        fprintf(stderr, "vkmmu demo: %s: %s\n", p2, strerror(errno));
        return -1;
    }
    snprintf(p->spec, sizeof p->spec, "%s/demo.sweep", p->dir);
    snprintf(p->sweepdir, sizeof p->sweepdir, "%s/sweep", p->dir);
    snprintf(p->csv, sizeof p->csv, "%s/results.csv", p->dir);
    return write_spec(p->dir, p->guests, a->busybox, a->busybox64, p->root);
}

/* The sweep run (resumable), its CSV merged and its JSON collected.  The exit status. */
static int run_sweep(const struct demo_args *a, const struct demo_paths *p)
{
    char *sweep_args[] = {"vkmmu", "sweep", (char *)p->spec, "-o", (char *)p->sweepdir, "-j",
                          (char *)(a->jobs ? a->jobs : "0"), NULL};
    if (!a->jobs)
        sweep_args[5] = NULL; /* the sweep's default: the number of CPUs */
    int st = run_self(sweep_args, NULL);
    if (st != 0) {
        fprintf(stderr, "vkmmu demo: the sweep failed (status %d); its logs are in %s/logs\n",
                st, p->sweepdir);
        return st == 130 ? 130 : VKMMU_EXIT_FAILED;
    }
    char *merge_args[] = {"vkmmu", "merge", (char *)p->sweepdir, "-o", (char *)p->csv, NULL};
    if (run_self(merge_args, NULL) != 0) {
        fprintf(stderr, "vkmmu demo: merging the results failed\n");
        return VKMMU_EXIT_FAILED;
    }
    if (collect_json(p->dir) < 0) {
        fprintf(stderr, "vkmmu demo: cannot write %s/results.json\n", p->dir);
        return VKMMU_EXIT_FAILED;
    }
    return VKMMU_EXIT_OK;
}

/* One figure of the demo: kind, scheme, dirty, policies (NULL = all), workloads (NULL =
 * all). */
typedef const char *const demo_figure[5];

/* Draws figure k as fig with `vkmmu plot` over the merged CSV (over the cells' JSON for the
 * timeline, which only they hold).  0, or -1 after printing that it failed. */
static int draw_figure(demo_figure k, const char *fig, const struct demo_paths *p,
                       const struct strlist *cells)
{
    struct strlist av = {0};
    sl_push(&av, "vkmmu");
    sl_push(&av, "plot");
    if (!strcmp(k[0], "timeline")) {
        for (size_t j = 0; j < cells->n; j++)
            sl_push(&av, cells->v[j]);
    } else {
        sl_push(&av, p->csv);
    }
    if (k[4]) {
        sl_push(&av, "--workload");
        sl_push(&av, k[4]);
    }
    sl_push(&av, "-o");
    sl_push(&av, fig);
    sl_push(&av, "--kind");
    sl_push(&av, k[0]);
    sl_push(&av, "--scheme");
    sl_push(&av, k[1]);
    sl_push(&av, "--dirty");
    sl_push(&av, k[2]);
    if (k[3]) {
        sl_push(&av, "--policy");
        sl_push(&av, k[3]);
    }
    sl_push(&av, NULL);
    int rc = 0;
    if (!av.v || run_self(av.v, NULL) != 0) {
        fprintf(stderr, "vkmmu demo: figure %s failed\n", fig);
        rc = -1;
    }
    free(av.v);
    return rc;
}

/* Figures: every kind, as PDF (for papers) and PNG (to look at).  The number that failed,
 * or -1 after printing the reason. */
static int draw_figures(const struct demo_paths *p)
{
    char figs[PATH_MAX + 16];
    snprintf(figs, sizeof figs, "%s/figures", p->dir);
    mkdir_p(figs);
    struct strlist cells = {0};
    if (cell_jsons(p->dir, &cells) < 0) {
        fprintf(stderr, "vkmmu demo: cannot list the cells of %s\n", p->sweepdir);
        return -1;
    }
    /* Each figure at single-column width: a readable subset of workloads and policies. */
    static demo_figure kinds[] = {
        {"policies", "vpt-1.10", "strict", DEMO_FIG_POLICIES, NULL},
        {"window", "vpt", "eager", NULL, "seqscan,stride,sparse,randacc,churn,filemmap"},
        {"overhead", "vpt-1.10", "strict", "none,dfly,dfly2010,window:16,seq",
         "seqscan,randacc,churn,bb-sort"},
        {"accuracy", "vpt", "strict", NULL, "seqscan,stride,randacc,churn"},
        {"timeline", "vpt-1.10", "strict", "none,dfly,seq", "seqscan,randacc,bb-sort"},
        {"sensitivity", "vpt", "eager", NULL, "seqscan,randacc,churn,stride"},
        /* i386 against x86-64: every workload present under both names */
        {"arch", "vpt-1.10", "strict", "none", NULL},
    };
    int failed = 0;
    char x64[PATH_MAX + 16];
    snprintf(x64, sizeof x64, "%s/x86_64", p->guests);
    bool have64 = access(x64, X_OK) == 0;
    if (!have64)
        fprintf(stderr, "vkmmu demo: no %s: the arch figure is skipped\n", x64);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        for (int fmt = 0; fmt < 2 && (have64 || strcmp(kinds[k][0], "arch")); fmt++) {
            char fig[PATH_MAX + 64];
            snprintf(fig, sizeof fig, "%s/%s.%s", figs, kinds[k][0], fmt ? "png" : "pdf");
            failed += draw_figure(kinds[k], fig, p, &cells) < 0;
        }
    sl_free_all(&cells);
    return failed;
}

/* The fork figure (docs/processes.md): for each K of DEMO_FORK_PAGES the scenario of
 * tools/fork_trace.c and its baseline in DIR/fork, replayed under the dfly2007 costs, drawn
 * as figures/fork.{pdf,png} (per fork) and figures/fork-per-page.{pdf,png}.  The number of
 * steps that failed, after printing which. */
#define DEMO_FORK_SCHEMES "native,vpt-1.10,vpt,ept,linux"
#define DEMO_FORK_CHILD_WRITES 25
static int draw_fork_figures(const struct demo_paths *p)
{
    static const unsigned pages[] = {1, 4, 16, 64, 256, 2048}; /* 2048: an 8 MiB parent */
    char dir[PATH_MAX + 16], err[PATH_MAX + 128];
    snprintf(dir, sizeof dir, "%s/fork", p->dir);
    struct strlist av = {0};
    sl_push(&av, strdup("vkmmu"));
    sl_push(&av, strdup("plot"));
    int failed = mkdir_p(dir) < 0;
    if (failed)
        fprintf(stderr, "vkmmu demo: %s: %s\n", dir, strerror(errno));
    for (size_t i = 0; i < sizeof pages / sizeof pages[0] && !failed; i++) {
        if (fork_trace_pair(dir, "fork", pages[i], DEMO_FORK_CHILD_WRITES, err, sizeof err)) {
            fprintf(stderr, "vkmmu demo: %s\n", err);
            failed++;
        }
        for (int base = 0; base < 2 && !failed; base++) {
            char trace[PATH_MAX + 64], json[PATH_MAX + 64];
            snprintf(trace, sizeof trace, "%s/fork-k%u%s.vkt.txt", dir, pages[i],
                     base ? FORK_TRACE_BASE_SUFFIX : "");
            snprintf(json, sizeof json, "%s/fork-k%u%s.json", dir, pages[i],
                     base ? FORK_TRACE_BASE_SUFFIX : "");
            char *replay[] = {"vkmmu", "replay", "--scheme", DEMO_FORK_SCHEMES, "--costs",
                              "dfly2007", "--json", json, trace, NULL};
            if (run_self(replay, "/dev/null") != 0) {
                fprintf(stderr, "vkmmu demo: replaying %s failed\n", trace);
                failed++;
            }
            sl_push(&av, strdup(json));
        }
    }
    static const char *const figs[][2] = {{"fork", "total"}, {"fork-per-page", "per-page"}};
    size_t nin = av.n;
    for (size_t k = 0; k < 4 && !failed && av.v; k++) {
        char fig[PATH_MAX + 64];
        snprintf(fig, sizeof fig, "%s/figures/%s.%s", p->dir, figs[k / 2][0], k % 2 ? "png" : "pdf");
        av.n = nin;
        const char *rest[] = {"-o", fig, "--kind", "fork", "--metric", figs[k / 2][1], NULL};
        for (size_t j = 0; j < sizeof rest / sizeof rest[0]; j++)
            sl_push(&av, rest[j]);
        if (av.v && run_self(av.v, NULL) != 0) {
            fprintf(stderr, "vkmmu demo: figure %s failed\n", fig);
            failed++;
        }
    }
    int out_of_memory = av.v == NULL;
    av.n = av.v ? nin : 0;
    sl_free_all(&av);
    if (out_of_memory)
        fputs("vkmmu demo: the fork figure: out of memory\n", stderr);
    return failed + out_of_memory;
}

int cmd_demo(int argc, char **argv)
{
    struct demo_args a = {.out = "vkmmu-demo", .busybox = "/bin/busybox",
                          .busybox64 = DEMO_BUSYBOX64_PATH};
    int status = demo_parse_args(argc, argv, &a);
    if (status == OPT_EXIT_OK) /* --help printed */
        return VKMMU_EXIT_OK;
    if (status)
        return status;
    if (!a.guests[0] && default_guests(a.guests, sizeof a.guests) < 0) {
        fprintf(stderr, "vkmmu demo: cannot find the guests: give --guests DIR\n");
        return VKMMU_EXIT_USAGE;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    static struct demo_paths p; /* large: not on the stack */
    int nw = prepare(&a, &p, &status);
    if (nw < 0)
        return status;
    fprintf(stderr, "vkmmu demo: %d workloads x 4 schemes x 13 policies x 2 dirty strategies\n",
            nw);
    if ((status = run_sweep(&a, &p)) != VKMMU_EXIT_OK)
        return status;
    int failed = draw_figures(&p);
    if (failed < 0)
        return VKMMU_EXIT_FAILED;
    failed += draw_fork_figures(&p);
    summary(p.csv);
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("\ndemo results in %s/ (results.csv, results.json, figures/*.pdf and *.png); "
           "%.0f s\n",
           p.dir, secs);
    return failed ? VKMMU_EXIT_FAILED : VKMMU_EXIT_OK;
}

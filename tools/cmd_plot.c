/* tools/cmd_plot.c - `vkmmu plot RESULTS... -o FIG --kind KIND`: figures from result files with
 * gnuplot.  This file reads the options (one table drives parsing and --help) and the
 * results, writes the script's preamble, runs gnuplot and embeds the metadata; the kinds are
 * drawn by plot_kinds.c, plot_kind_window.c, plot_kind_overhead.c and plot_kind_fork.c,
 * plot_meta.c embeds.
 * Design and formulas: docs/plotting.md. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim.h"
#include "tools.h"
#include "plot_internal.h"

const char *const plot_palette[8] = {"#E69F00", "#56B4E9", "#009E73", "#0072B2",
                                     "#D55E00", "#CC79A7", "#F0E442", "#000000"};

static const struct {
    const char *name;
    int (*fn)(struct plot_ctx *c);
    const char *desc;
} kinds[] = {
    {"policies", plot_kind_policies,
     "reflections and dirty-bit traps per 1000 instructions, by policy"},
    {"window", plot_kind_window,
     "a metric against the prefault window size (window:N), presets marked"},
    {"overhead", plot_kind_overhead,
     "estimated overhead against native, stacked by cost component"},
    {"accuracy", plot_kind_accuracy,
     "prefault accuracy (used/issued) against coverage (reflections removed)"},
    {"timeline", plot_kind_timeline,
     "reflections per interval over the run (results of --interval)"},
    {"sensitivity", plot_kind_sensitivity,
     "heat map of overhead over reflection cost x window size"},
    {"fork", plot_kind_fork,
     "cost of one fork+exit+wait per scheme against pages touched, by component"},
    {"arch", plot_kind_arch,
     "i386 (NAME) vs x86-64 (NAME-64): walk refs per fault, PT pages, overhead"},
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

int plot_bad(const char *fmt, ...)
{
    va_list ap;
    fputs("vkmmu plot: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return VKMMU_EXIT_USAGE;
}

enum {
    PLOT_OUTPUT = 1, PLOT_KIND, PLOT_DATA, PLOT_METRIC, PLOT_SCHEME, PLOT_DIRTY, PLOT_POLICY,
    PLOT_WORKLOAD, PLOT_SCALES, PLOT_SIZE, PLOT_HELP
};

static const struct opt plot_options[] = {
    {"output", 'o', "FIG", "the figure: .pdf or .svg (vector) or .png (300 dpi)", PLOT_OUTPUT},
    {"kind", 0, "KIND", "what to draw (above)", PLOT_KIND},
    {"data", 0, "DIR",
     "also write the gnuplot script (plot.gp) and its data files\n"
     "into DIR, to restyle: cd DIR && gnuplot plot.gp",
     PLOT_DATA},
    {"metric", 0, "NAME",
     "window: reflections (default), traps, overhead, accuracy,\n"
     "or any counter name (e.g. fault.real, cycles.total);\n"
     "fork: total (default) or per-page",
     PLOT_METRIC},
    {"scheme", 0, "LIST", "schemes to draw (default: the first vkernel scheme found)", PLOT_SCHEME},
    {"dirty", 0, "LIST", "dirty strategies to draw (default: the first found)", PLOT_DIRTY},
    {"policy", 0, "LIST", "policies to draw (default: all)", PLOT_POLICY},
    {"workload", 0, "LIST", "workloads to draw (default: all)", PLOT_WORKLOAD},
    {"scales", 0, "LIST", "sensitivity: reflection-cost scales\n(default 0.25,0.5,1,2,4,8)",
     PLOT_SCALES},
    {"size", 0, "W,H", "figure size in inches (default 3.5 wide, height by kind)", PLOT_SIZE},
    {"help", 'h', NULL, "this text", PLOT_HELP},
    OPT_END,
};
static const struct opt *const plot_tables[] = {plot_options, NULL};

static void usage(FILE *out)
{
    fputs("usage: vkmmu plot RESULTS... -o FIG.{pdf,svg,png} --kind KIND [OPTIONS]\n"
          "Draws a figure from vkmmu result files (JSON of --json or CSV of --csv, detected by\n"
          "content) with gnuplot.  The workload of a file is the basename of its JSON\n"
          "workload.name, or the CSV file's name (or a CSV `workload` column).\n"
          "\n"
          "kinds (--kind):\n",
          out);
    for (size_t i = 0; i < NKINDS; i++)
        fprintf(out, "  %-12s %s\n", kinds[i].name, kinds[i].desc);
    fputs("\n"
          "options:\n",
          out);
    opt_usage(plot_tables, out);
    fputs("\n"
          "The figure's metadata holds the tool version, this command line and each input's\n"
          "configuration (SVG <metadata>, PNG tEXt/iTXt, PDF Info dictionary).\n"
          "gnuplot is found on PATH, or set VKMMU_GNUPLOT to its path.\n"
          "exit status: 0 success, 1 gnuplot missing or failed, 2 bad usage or bad input\n",
          out);
}

/* ---- shared helpers ---- */

bool plot_in_list(const char *list, const char *s)
{
    if (!list)
        return true;
    size_t n = strlen(s);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !strncmp(p, s, n))
            return true;
        if (!e)
            break;
        p = e + 1;
    }
    return false;
}

const struct plot_row *plot_find(const struct plot_ctx *c, const char *wl, const char *scheme,
                                 const char *policy, const char *dirty)
{
    for (size_t i = 0; i < c->nrows; i++) {
        const struct rr_result *r = c->rows[i].r;
        if (!strcmp(r->workload, wl) && !strcmp(r->scheme, scheme) && !strcmp(r->policy, policy) &&
            !strcmp(r->dirty, dirty))
            return &c->rows[i];
    }
    return NULL;
}

double plot_native_total(const struct plot_ctx *c, const char *wl)
{
    const struct plot_row *n = plot_find(c, wl, "native", "none", "strict");
    if (n)
        return (double)n->r->c[MMU_C_cycles_total];
    /* overhead = total / native - 1, so native = total / (1 + overhead). */
    for (size_t i = 0; i < c->nrows; i++) {
        const struct rr_result *r = c->rows[i].r;
        if (!strcmp(r->workload, wl) && isfinite(r->overhead) && r->overhead > -1.0 &&
            r->c[MMU_C_cycles_total] > 0)
            return (double)r->c[MMU_C_cycles_total] / (1.0 + r->overhead);
    }
    return NAN;
}

static uint64_t accesses(const struct rr_result *r)
{
    return r->c[MMU_C_access_read] + r->c[MMU_C_access_write] + r->c[MMU_C_access_fetch];
}

double plot_per1000(const struct plot_ctx *c, const struct rr_result *r)
{
    uint64_t d = c->per_insn ? r->c[MMU_C_insns] : accesses(r);
    return (double)d / 1000.0;
}

const char *plot_rate_unit(const struct plot_ctx *c)
{
    return c->per_insn ? "per 1000 instructions" : "per 1000 accesses";
}

static bool vkernel_scheme(const char *s)
{
    return strcmp(s, "native") && strcmp(s, "linux");
}

void plot_choose_config(struct plot_ctx *c)
{
    c->scheme = NULL;
    c->dirty = NULL;
    for (int pass = 0; pass < 2 && !c->scheme; pass++)
        for (size_t i = 0; i < c->nrows && !c->scheme; i++) {
            const struct rr_result *r = c->rows[i].r;
            if (plot_in_list(c->want_scheme, r->scheme) && (pass || vkernel_scheme(r->scheme)))
                c->scheme = r->scheme;
        }
    for (size_t i = 0; i < c->nrows && !c->dirty; i++) {
        const struct rr_result *r = c->rows[i].r;
        if ((!c->scheme || !strcmp(r->scheme, c->scheme)) && plot_in_list(c->want_dirty, r->dirty))
            c->dirty = r->dirty;
    }
    if (!c->dirty)
        c->scheme = NULL; /* no row of the scheme has a wanted dirty strategy */
    /* Rates per instruction only when every selected row counted instructions (traces
     * without `I` records have none): one unit for the whole figure. */
    c->per_insn = true;
    bool any = false;
    for (size_t i = 0; i < c->nrows; i++) {
        const struct rr_result *r = c->rows[i].r;
        if (!c->scheme || strcmp(r->scheme, c->scheme) || !c->dirty || strcmp(r->dirty, c->dirty))
            continue;
        any = true;
        if (r->c[MMU_C_insns] == 0)
            c->per_insn = false;
    }
    if (!any)
        c->per_insn = false;
    snprintf(c->sel, sizeof(c->sel), "scheme %s, dirty %s, rates %s", c->scheme ? c->scheme : "-",
             c->dirty ? c->dirty : "-", plot_rate_unit(c));
}

const char **plot_policies(const struct plot_ctx *c, size_t *n)
{
    const char **p = calloc(c->nrows + 1, sizeof(*p));
    *n = 0;
    if (!p)
        return NULL;
    for (size_t i = 0; i < c->nrows; i++) {
        const struct rr_result *r = c->rows[i].r;
        if (!c->scheme || strcmp(r->scheme, c->scheme) || strcmp(r->dirty, c->dirty) ||
            !plot_in_list(c->want_policy, r->policy))
            continue;
        size_t k = 0;
        while (k < *n && strcmp(p[k], r->policy))
            k++;
        if (k == *n)
            p[(*n)++] = r->policy;
    }
    return p;
}

FILE *plot_data_open(const struct plot_ctx *c, const char *name)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/%s", c->dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        fprintf(stderr, "vkmmu plot: %s: cannot write: %s\n", path, strerror(errno));
    return f;
}

void plot_gp_str(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f); /* '' is a quote inside a single-quoted gnuplot string */
        if (*s == '\n')
            fputc(' ', f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

void plot_token(char *dst, size_t len, const char *s)
{
    size_t k = 0;
    for (; *s && k + 1 < len; s++)
        dst[k++] = (*s == ' ' || *s == '\t' || *s == '"' || *s == '\'' || *s == '#' ||
                    (unsigned char)*s < 0x20)
                       ? '_'
                       : *s;
    dst[k] = 0;
    if (!k && len > 1) {
        dst[0] = '-';
        dst[1] = 0;
    }
}

/* ---- loading ---- */

/* Two results are the same cell when workload, configuration and options agree. */
static bool same_cell(const struct rr_result *a, const struct rr_result *b)
{
    return !strcmp(a->workload, b->workload) && !strcmp(a->scheme, b->scheme) &&
           !strcmp(a->policy, b->policy) && !strcmp(a->dirty, b->dirty) &&
           !strcmp(a->options, b->options);
}

static int load_inputs(struct plot_ctx *c, char **paths, size_t n)
{
    char err[512];
    c->files = calloc(n, sizeof(*c->files));
    if (!c->files)
        return plot_bad("out of memory");
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
            return plot_bad("%s: is a directory, not a result file", paths[i]);
        if (rr_file_load(&c->files[i], paths[i], err, sizeof(err)) < 0)
            return plot_bad("%s", err);
        c->nfiles++;
        if (c->files[i].n == 0)
            return plot_bad("%s: holds no results", paths[i]);
        total += c->files[i].n;
    }
    c->rows = calloc(total, sizeof(*c->rows));
    c->wls = calloc(total, sizeof(*c->wls));
    if (!c->rows || !c->wls)
        return plot_bad("out of memory");
    size_t dups = 0;
    for (size_t i = 0; i < c->nfiles; i++)
        for (size_t k = 0; k < c->files[i].n; k++) {
            const struct rr_result *r = &c->files[i].r[k];
            if (!plot_in_list(c->want_workload, r->workload))
                continue;
            bool dup = false;
            for (size_t j = 0; j < c->nrows && !dup; j++)
                dup = same_cell(c->rows[j].r, r);
            if (dup) {
                if (!dups++)
                    fprintf(stderr,
                            "vkmmu plot: %s: %s/%s/%s of workload %s seen before; the first is "
                            "drawn\n",
                            c->files[i].path, r->scheme, r->policy, r->dirty, r->workload);
                continue;
            }
            c->rows[c->nrows].r = r;
            c->rows[c->nrows].f = &c->files[i];
            c->nrows++;
            size_t w = 0;
            while (w < c->nwl && strcmp(c->wls[w], r->workload))
                w++;
            if (w == c->nwl)
                c->wls[c->nwl++] = r->workload;
        }
    if (dups > 1)
        fprintf(stderr, "vkmmu plot: %zu duplicate results ignored in all\n", dups);
    if (!c->nrows)
        return plot_bad("no results of workload %s in the inputs", c->want_workload);
    return 0;
}

/* ---- gnuplot ---- */

/* The gnuplot to run: $VKMMU_GNUPLOT, else "gnuplot" on PATH.  Fills path or returns -1. */
static int find_gnuplot(char *path, size_t len)
{
    const char *g = getenv("VKMMU_GNUPLOT");
    if (!g || !*g)
        g = "gnuplot";
    if (strchr(g, '/')) {
        snprintf(path, len, "%s", g);
        return access(path, X_OK) == 0 ? 0 : -1;
    }
    const char *p = getenv("PATH");
    if (!p)
        p = "/usr/bin:/bin";
    while (*p) {
        const char *e = strchr(p, ':');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        snprintf(path, len, "%.*s/%s", (int)(n ? n : 1), n ? p : ".", g);
        if (access(path, X_OK) == 0)
            return 0;
        if (!e)
            break;
        p = e + 1;
    }
    return -1;
}

/* Runs gnuplot on DIR/plot.gp in DIR with outfile set to out; 0 or -1 after a message. */
static int run_gnuplot(const char *gnuplot, const char *dir, const char *out)
{
    size_t n = strlen(out) * 2 + 16;
    char *set = malloc(n);
    if (!set)
        return -1;
    size_t k = 0;
    k += (size_t)snprintf(set, n, "outfile='");
    for (const char *s = out; *s; s++) {
        if (*s == '\'')
            set[k++] = '\'';
        set[k++] = *s;
    }
    set[k++] = '\'';
    set[k] = 0;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "vkmmu plot: cannot start gnuplot: %s\n", strerror(errno));
        free(set);
        return -1;
    }
    if (pid == 0) {
        if (chdir(dir) != 0)
            _exit(126);
        char *argv[] = {(char *)"gnuplot", (char *)"-e", set, (char *)"plot.gp", NULL};
        execv(gnuplot, argv);
        fprintf(stderr, "vkmmu plot: %s: cannot run: %s\n", gnuplot, strerror(errno));
        _exit(127);
    }
    free(set);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) {
            fprintf(stderr, "vkmmu plot: waiting for gnuplot: %s\n", strerror(errno));
            return -1;
        }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "vkmmu plot: gnuplot failed (%s %d) on %s/plot.gp\n",
                WIFEXITED(st) ? "exit status" : "signal",
                WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), dir);
        return -1;
    }
    return 0;
}

/* The metadata text: the tool, this command, the selection and every input's echo. */
static char *metadata_text(const struct plot_ctx *c, int argc, char **argv)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return NULL;
    fprintf(m, "vkmmu plot --kind %s; vkmmu %s (git %s)\n", c->kind, VKMMU_VERSION,
            VKMMU_GIT_COMMIT);
    fputs("command: vkmmu", m);
    for (int i = 0; i < argc; i++)
        fprintf(m, " %s", argv[i]);
    fprintf(m, "\nselection: %s\n", c->sel);
    for (size_t i = 0; i < c->nfiles; i++) {
        const struct rr_file *f = &c->files[i];
        fprintf(m, "input %s: %s, workload %s, %zu results", f->path, f->is_json ? "JSON" : "CSV",
                f->workload, f->n);
        if (f->is_json)
            fprintf(m, ", vkmmu %s (git %s), costs %s, command: %s", f->version, f->git_commit,
                    f->cost_profile, f->command_line);
        fputc('\n', m);
    }
    if (fclose(m) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int rm_tree_files(const char *dir)
{
    /* Only what plot wrote: plot.gp and *.dat (the temporary directory holds nothing else). */
    char cmd[PATH_MAX + 64];
    static const char *const names[] = {"plot.gp",      "policies.dat",   "window.dat",
                                        "presets.dat",  "overhead.dat",   "accuracy.dat",
                                        "timeline.dat", "sensitivity.dat", "arch.dat"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(cmd, sizeof(cmd), "%s/%s", dir, names[i]);
        unlink(cmd);
    }
    return rmdir(dir);
}

/* Refuses -o FIG, or a file vkmmu writes into --data DIR, naming one of the result files. */
static int plot_check_paths(const struct plot_ctx *c, char **inputs, size_t ninputs)
{
    static const char *const data_files[] = {"plot.gp", "policies.dat", "window.dat",
                                             "presets.dat", "overhead.dat", "accuracy.dat",
                                             "timeline.dat", "sensitivity.dat", "arch.dat"};
    struct sim_paths paths;
    sim_paths_init(&paths);
    for (size_t i = 0; i < ninputs; i++)
        sim_paths_add(&paths, "RESULTS", inputs[i], SIM_PATH_IN);
    sim_paths_add(&paths, "-o", c->out, SIM_PATH_OUT_TMP);
    for (size_t k = 0; c->data_dir && k < sizeof data_files / sizeof *data_files; k++) {
        char *p = NULL;
        if (asprintf(&p, "%s/%s", c->data_dir, data_files[k]) < 0) {
            sim_paths_fini(&paths);
            return VKMMU_EXIT_FAILED;
        }
        sim_paths_add(&paths, "a file of --data", p, SIM_PATH_OUT);
        free(p);
    }
    int rc = sim_paths_check(&paths, "plot");
    sim_paths_fini(&paths);
    return rc;
}

static int plot_option(void *ctx, const struct opt *o, const char *val)
{
    struct plot_ctx *c = ctx;
    if (o->value && !val)
        return plot_bad("--%s needs a value (see 'vkmmu plot --help')", o->name);
    switch (o->id) {
    case PLOT_OUTPUT: c->out = val; break;
    case PLOT_KIND: c->kind = val; break;
    case PLOT_DATA: c->data_dir = val; break;
    case PLOT_METRIC: c->metric = val; break;
    case PLOT_SCHEME: c->want_scheme = val; break;
    case PLOT_DIRTY: c->want_dirty = val; break;
    case PLOT_POLICY: c->want_policy = val; break;
    case PLOT_WORKLOAD: c->want_workload = val; break;
    case PLOT_SCALES: c->scales = val; break;
    case PLOT_HELP: usage(stdout); return OPT_EXIT_OK;
    case PLOT_SIZE: {
        char *end;
        c->w_in = strtod(val, &end);
        if (*end == ',')
            c->h_in = strtod(end + 1, &end);
        if (*end || !(c->w_in >= 1 && c->w_in <= 40) || !(c->h_in >= 1 && c->h_in <= 40))
            return plot_bad("--size '%s': expected W,H in inches (1 to 40)", val);
        break;
    }
    }
    return 0;
}

/* The kind's function, the figure's format and the inputs checked.  0, or the exit status
 * after printing the reason. */
static int plot_check_args(struct plot_ctx *c, int (**kind_fn)(struct plot_ctx *), size_t ninputs)
{
    if (!c->kind)
        return plot_bad("--kind KIND is required (policies, window, overhead, accuracy, timeline, "
                        "sensitivity, fork, arch)");
    *kind_fn = NULL;
    for (size_t k = 0; k < NKINDS; k++)
        if (!strcmp(kinds[k].name, c->kind))
            *kind_fn = kinds[k].fn;
    if (!*kind_fn)
        return plot_bad("unknown kind '%s' (policies, window, overhead, accuracy, timeline, "
                        "sensitivity, fork, arch)",
                        c->kind);
    if (!c->out)
        return plot_bad("-o FIG is required (.pdf, .svg or .png)");
    const char *dot = strrchr(c->out, '.');
    if (dot && !strcasecmp(dot, ".pdf"))
        c->fmt = PLOT_PDF;
    else if (dot && !strcasecmp(dot, ".svg"))
        c->fmt = PLOT_SVG;
    else if (dot && !strcasecmp(dot, ".png"))
        c->fmt = PLOT_PNG;
    else
        return plot_bad("%s: the output must end in .pdf, .svg or .png", c->out);
    if (strlen(c->out) >= PATH_MAX) /* the directory is copied into PATH_MAX bytes below */
        return plot_bad("-o: path of %zu characters is too long (at most %d)", strlen(c->out),
                        PATH_MAX - 1);
    if (!ninputs)
        return plot_bad("no result files given (see 'vkmmu plot --help')");
    return 0;
}

/* The script and data go to --data DIR, or a private temporary directory (*tmpdir set).  0,
 * or the exit status after printing the reason. */
static int plot_open_dir(struct plot_ctx *c, bool *tmpdir)
{
    if (c->data_dir) {
        if (mkdir(c->data_dir, 0777) != 0 && errno != EEXIST)
            return plot_bad("--data %s: cannot create: %s", c->data_dir, strerror(errno));
        if (!realpath(c->data_dir, c->dir))
            return plot_bad("--data %s: %s", c->data_dir, strerror(errno));
        return 0;
    }
    const char *t = getenv("TMPDIR");
    int n = snprintf(c->dir, sizeof(c->dir), "%s/vkmmu-plot-XXXXXX", t && *t ? t : "/tmp");
    if (n < 0 || (size_t)n >= sizeof(c->dir)) {
        fprintf(stderr, "vkmmu plot: TMPDIR of %zu characters is too long (at most %d)\n",
                strlen(t), (int)sizeof(c->dir) - 20);
        return VKMMU_EXIT_FAILED;
    }
    if (!mkdtemp(c->dir)) {
        fprintf(stderr, "vkmmu plot: %s: cannot create a temporary directory: %s\n", c->dir,
                strerror(errno));
        return VKMMU_EXIT_FAILED;
    }
    *tmpdir = true;
    return 0;
}

/* The figure's absolute path into outabs (gnuplot runs in c->dir: the output path must not be
 * relative to here).  0, or the exit status after printing the reason. */
static int plot_output_path(const struct plot_ctx *c, char *outabs, size_t len)
{
    char tmp[PATH_MAX], outdir[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", c->out);
    char *slash = strrchr(tmp, '/');
    const char *base = slash ? slash + 1 : tmp;
    if (slash)
        *slash = 0;
    if (!realpath(slash ? (tmp[0] ? tmp : "/") : ".", outdir))
        return plot_bad("%s: its directory does not exist", c->out);
    snprintf(outabs, len, "%s/%s", strcmp(outdir, "/") ? outdir : "", base);
    return 0;
}

/* The script's preamble: where it comes from, the metadata as comments, the output file, the
 * terminal of the format at width x h inches and the house style. */
static void write_preamble(FILE *g, const struct plot_ctx *c, const char *meta,
                           const char *outabs, double h)
{
    fprintf(g, "# vkmmu plot --kind %s: written by vkmmu %s (git %s).\n", c->kind, VKMMU_VERSION,
            VKMMU_GIT_COMMIT);
    fputs("# Restyle freely; run it in this directory: gnuplot plot.gp\n"
          "# (gnuplot -e \"outfile='other.pdf'\" plot.gp to draw elsewhere; the terminal is\n"
          "# chosen below).  The metadata vkmmu embeds is not added by a rerun.\n#\n",
          g);
    for (const char *p = meta; *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        fprintf(g, "# %.*s\n", (int)n, p);
        p += n + (e ? 1 : 0);
    }
    fputs("\nif (!exists(\"outfile\")) outfile = ", g);
    plot_gp_str(g, outabs);
    fputc('\n', g);
    /* Single-column figures: 3.5 in wide, 8 pt text.  SVG: 100 user units per inch (the
     * width and height are rewritten in inches afterwards), so 11 units = 8 pt.  PNG: 300 dpi;
     * pango sets text at 96 pixels per inch, so fonts and lines are scaled by 300/96. */
    switch (c->fmt) {
    case PLOT_PDF:
        fprintf(g,
                "set terminal pdfcairo size %.2fin,%.2fin font 'Sans,8' linewidth 1 noenhanced\n",
                c->w_in, h);
        break;
    case PLOT_SVG:
        fprintf(g, "set terminal svg size %d,%d font 'Sans,11' linewidth 1.4 noenhanced\n",
                (int)lround(c->w_in * 100), (int)lround(h * 100));
        break;
    case PLOT_PNG:
        fprintf(g,
                "set terminal pngcairo size %d,%d font 'Sans,8' fontscale 3.125 linewidth 3.125 "
                "noenhanced\n",
                (int)lround(c->w_in * 300), (int)lround(h * 300));
        break;
    }
    fputs("set output outfile\nset encoding utf8\n", g);
    for (int k = 0; k < 8; k++)
        fprintf(g, "set linetype %d lc rgb '%s' lw 1.5 pt 7 ps 0.6\n", k + 1, plot_palette[k]);
    fputs("set linetype cycle 8\nset border 3 lw 0.8\nset tics nomirror out scale 0.6\n"
          "set grid ytics lw 0.5 lc rgb '#dddddd'\nset key noautotitle\n\n",
          g);
}

/* Writes c->dir/plot.gp: the kind writes its body into a memory buffer first, as the preamble
 * needs the height and the selection it chooses.  *meta receives the metadata text and *h the
 * figure's height.  0, or the exit status after printing the reason. */
static int plot_write_script(struct plot_ctx *c, int (*kind_fn)(struct plot_ctx *),
                             const char *outabs, int argc, char **argv, char **meta, double *h)
{
    char gppath[PATH_MAX + 16];
    snprintf(gppath, sizeof(gppath), "%s/plot.gp", c->dir);
    FILE *gp_file = fopen(gppath, "w");
    if (!gp_file) {
        fprintf(stderr, "vkmmu plot: %s: cannot write: %s\n", gppath, strerror(errno));
        return VKMMU_EXIT_FAILED;
    }
    char *body = NULL;
    size_t bodylen = 0;
    c->gp = open_memstream(&body, &bodylen);
    if (!c->gp) {
        fclose(gp_file);
        return VKMMU_EXIT_FAILED;
    }
    int rc = kind_fn(c);
    fclose(c->gp);
    c->gp = gp_file;
    *h = c->h_in > 0 ? c->h_in : (c->h_default > 0 ? c->h_default : 2.8);
    if (rc == 0 && !(*meta = metadata_text(c, argc, argv)))
        rc = VKMMU_EXIT_FAILED;
    if (rc != 0) {
        free(body);
        fclose(gp_file);
        return rc;
    }
    write_preamble(gp_file, c, *meta, outabs, *h);
    fwrite(body, 1, bodylen, gp_file);
    free(body);
    if (fclose(gp_file) != 0) {
        fprintf(stderr, "vkmmu plot: %s: write error: %s\n", gppath, strerror(errno));
        return VKMMU_EXIT_FAILED;
    }
    return 0;
}

/* Runs gnuplot on the script: it writes FIG.tmp; the metadata is embedded there and the
 * result renamed, so FIG is either the old file or the finished new one.  The exit status. */
static int plot_render(const struct plot_ctx *c, const char *outabs, const char *meta, double h)
{
    char gnuplot[PATH_MAX];
    if (find_gnuplot(gnuplot, sizeof(gnuplot)) < 0) {
        fprintf(stderr,
                "vkmmu plot: gnuplot not found (%s); install gnuplot-nox (Debian) or set "
                "VKMMU_GNUPLOT to its path\n",
                getenv("VKMMU_GNUPLOT") && *getenv("VKMMU_GNUPLOT") ? getenv("VKMMU_GNUPLOT")
                                                                    : "not on PATH");
        return VKMMU_EXIT_FAILED;
    }
    char outtmp[2 * PATH_MAX + 16];
    snprintf(outtmp, sizeof(outtmp), "%s.tmp", outabs);
    char title[128];
    snprintf(title, sizeof(title), "vkmmu plot: %s", c->kind);
    if (run_gnuplot(gnuplot, c->dir, outtmp) < 0 ||
        plot_embed_metadata(outtmp, c->fmt, title, meta, c->w_in, h) < 0) {
        unlink(outtmp);
        return VKMMU_EXIT_FAILED;
    }
    if (rename(outtmp, outabs) != 0) {
        fprintf(stderr, "vkmmu plot: %s: cannot rename to %s: %s\n", outtmp, outabs,
                strerror(errno));
        unlink(outtmp);
        return VKMMU_EXIT_FAILED;
    }
    return VKMMU_EXIT_OK;
}

/* Everything after the options: inputs checked and loaded, the script written, gnuplot run.
 * The exit status; *tmpdir set when c->dir is a temporary directory to remove. */
static int plot_draw(struct plot_ctx *c, char **inputs, size_t ninputs, int argc, char **argv,
                     bool *tmpdir)
{
    int (*kind_fn)(struct plot_ctx *) = NULL;
    int rc;
    char outabs[2 * PATH_MAX + 8];
    if ((rc = plot_check_args(c, &kind_fn, ninputs)) != 0 ||
        (rc = plot_check_paths(c, inputs, ninputs)) != 0 ||
        (rc = load_inputs(c, inputs, ninputs)) != 0 || (rc = plot_open_dir(c, tmpdir)) != 0 ||
        (rc = plot_output_path(c, outabs, sizeof outabs)) != 0)
        return rc;
    char *meta = NULL;
    double h;
    rc = plot_write_script(c, kind_fn, outabs, argc, argv, &meta, &h);
    if (rc == 0)
        rc = plot_render(c, outabs, meta, h);
    free(meta);
    return rc;
}

int cmd_plot(int argc, char **argv)
{
    struct plot_ctx c = {.w_in = 3.5};
    /* The command line as given, for the metadata (opt_parse moves the operands last). */
    char **given = calloc((size_t)argc + 1, sizeof(*given));
    if (!given)
        return plot_bad("out of memory");
    memcpy(given, argv, (size_t)argc * sizeof(*given));
    int first;
    int rc = opt_parse("plot", plot_tables, OPT_OPERANDS_MIXED, argc, argv, plot_option, &c,
                       &first);
    bool tmpdir = false;
    if (rc == OPT_EXIT_OK) /* --help printed */
        rc = VKMMU_EXIT_OK;
    else if (rc == 0)
        rc = plot_draw(&c, argv + first, (size_t)(argc - first), argc, given, &tmpdir);
    if (tmpdir)
        rm_tree_files(c.dir);
    for (size_t i = 0; i < c.nfiles; i++)
        rr_file_fini(&c.files[i]);
    free(c.files);
    free(c.rows);
    free(c.wls);
    free(given);
    return rc;
}

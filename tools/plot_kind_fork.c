/* tools/plot_kind_fork.c - the kind `fork` of `vkmmu plot`: the estimated cost of one
 * fork+exit+wait per scheme against the pages touched K, stacked by cost component.  Each
 * cost is cycles(PREFIX-kK) - cycles(PREFIX-kK-base), the results of the two traces that
 * `vkmmu forktrace` writes (tools/fork_trace.c).  Formulas: docs/plotting.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "tools.h"
#include "plot_internal.h"

#define NFC 8 /* cost components; the last is "other" */
static const char *const fc_names[NFC] = {
    "reflections",  "real faults",   "dirty-bit traps", "prefault work",
    "invalidations", "system calls", "vmspace calls",   "other",
};
static const char *const fc_columns[NFC] = {
    "reflections", "real_faults", "dirty_traps", "prefault", "invalidations", "syscalls",
    "vmspace",     "other",
};
static const int fc_ctr[NFC - 1] = {
    MMU_C_cycles_reflect, MMU_C_cycles_fault, MMU_C_cycles_dirty,   MMU_C_cycles_prefault,
    MMU_C_cycles_inval,   MMU_C_cycles_syscall, MMU_C_cycles_vmspace,
};
/* The overhead kind's colours, wine (Tol's palette) for the vmspace calls, grey for other. */
static const char *const fc_colour[NFC] = {"#E69F00", "#56B4E9", "#009E73", "#0072B2",
                                           "#D55E00", "#CC79A7", "#882255", "#999999"};
/* Counts whose difference fork.dat lists beside the cycles (docs/processes.md reads them). */
static const int fc_counts[] = {MMU_C_fault_real,  MMU_C_fault_reflected, MMU_C_fault_dirty_trap,
                                MMU_C_page_cow,    MMU_C_vk_inval,        MMU_C_vk_vmspace,
                                MMU_C_vk_syscall};
#define NCOUNTS (sizeof fc_counts / sizeof fc_counts[0])

/* The panels in this order first; other schemes follow in order of appearance. */
static const char *const scheme_order[] = {"native", "vpt-1.10", "vpt", "ept", "linux"};
#define NORDER (sizeof scheme_order / sizeof scheme_order[0])

#define MAX_PREFIX 224

/* What the kind draws: one series (PREFIX), one policy and dirty strategy, panels per scheme,
 * bars per K. */
struct fork_fig {
    char prefix[MAX_PREFIX];
    const char *policy, *dirty;
    const char **schemes;
    size_t nsch;
    unsigned *ks;
    size_t nk;
    bool per_page;
    double unit_div;                  /* cycles per unit: clock x 1000 (µs) or 1000 */
    const char *unit;                 /* "µs" or "thousand cycles" */
    bool used[NFC], negative;
    double *ymin, *ymax;              /* per panel */
};

/* A workload label PREFIX-kK or PREFIX-kK-base: its prefix, K and whether it is the
 * baseline; false for any other label. */
static bool fork_label(const char *wl, char prefix[MAX_PREFIX], unsigned *k, bool *base)
{
    size_t n = strlen(wl), bl = strlen(FORK_TRACE_BASE_SUFFIX);
    *base = n > bl && !strcmp(wl + n - bl, FORK_TRACE_BASE_SUFFIX);
    if (*base)
        n -= bl;
    size_t d = n;
    while (d > 0 && wl[d - 1] >= '0' && wl[d - 1] <= '9')
        d--;
    if (d == n || n - d > 7 || d < 3 || wl[d - 1] != 'k' || wl[d - 2] != '-' ||
        d - 2 >= MAX_PREFIX || wl[d] == '0')
        return false;
    memcpy(prefix, wl, d - 2);
    prefix[d - 2] = 0;
    *k = (unsigned)strtoul(wl + d, NULL, 10);
    return *k >= 1;
}

static int compare_unsigned(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return (x > y) - (x < y);
}

static size_t scheme_rank(const char *s)
{
    for (size_t i = 0; i < NORDER; i++)
        if (!strcmp(s, scheme_order[i]))
            return i;
    return NORDER;
}

/* The policy (dirty strategy) drawn: the first of want found in the fork rows, else prefer
 * if present, else the first found. */
static const char *fork_pick(const struct plot_ctx *c, const char *want, const char *prefer,
                             bool policy)
{
    const char *first = NULL;
    char prefix[MAX_PREFIX];
    unsigned k;
    bool base;
    for (size_t i = 0; i < c->nrows; i++) {
        const struct rr_result *r = c->rows[i].r;
        const char *v = policy ? r->policy : r->dirty;
        if (!fork_label(r->workload, prefix, &k, &base) || !plot_in_list(want, v))
            continue;
        if (!want && !strcmp(v, prefer))
            return v;
        if (!first)
            first = v;
    }
    return first;
}

/* The series' prefix (one only: 2 when the inputs hold several, after the message), its
 * policy and dirty strategy.  0, or the exit status. */
static int fork_series(const struct plot_ctx *c, struct fork_fig *f)
{
    char prefix[MAX_PREFIX];
    unsigned k;
    bool base;
    for (size_t i = 0; i < c->nrows; i++) {
        if (!fork_label(c->rows[i].r->workload, prefix, &k, &base))
            continue;
        if (!f->prefix[0])
            snprintf(f->prefix, sizeof f->prefix, "%s", prefix);
        else if (strcmp(prefix, f->prefix))
            return plot_nothing(c,
                                "several fork series (%s-kK and %s-kK): give the results "
                                "of one prefix",
                                f->prefix, prefix);
    }
    if (!f->prefix[0])
        return plot_nothing(c,
                            "the fork kind needs results of traces named PREFIX-kK and "
                            "PREFIX-kK" FORK_TRACE_BASE_SUFFIX " (vkmmu forktrace writes them)");
    f->policy = fork_pick(c, c->want_policy, "none", true);
    f->dirty = fork_pick(c, c->want_dirty, "strict", false);
    if (!f->policy || !f->dirty)
        return plot_nothing(c, "no %s-kK results of policy %s and dirty strategy %s", f->prefix,
                            c->want_policy ? c->want_policy : "(any)",
                            c->want_dirty ? c->want_dirty : "(any)");
    return 0;
}

/* The rows of K for scheme s: the fork and its baseline; false unless both are there. */
static bool fork_pair(const struct plot_ctx *c, const struct fork_fig *f, const char *s,
                      unsigned k, const struct plot_row **fk, const struct plot_row **bs)
{
    char wl[MAX_PREFIX + 32];
    snprintf(wl, sizeof wl, "%s-k%u", f->prefix, k);
    *fk = plot_find(c, wl, s, f->policy, f->dirty);
    snprintf(wl, sizeof wl, "%s-k%u" FORK_TRACE_BASE_SUFFIX, f->prefix, k);
    *bs = plot_find(c, wl, s, f->policy, f->dirty);
    return *fk && *bs;
}

/* Adds v to the set a[0..*n) (cap entries) unless it is there. */
static void add_unique_k(unsigned *a, size_t *n, unsigned v)
{
    for (size_t i = 0; i < *n; i++)
        if (a[i] == v)
            return;
    a[(*n)++] = v;
}

/* The schemes (panels, in scheme_order) and the K values (sorted) of the series' rows. */
static void fork_axes(const struct plot_ctx *c, struct fork_fig *f)
{
    char prefix[MAX_PREFIX];
    unsigned k;
    bool base;
    for (size_t i = 0; i < c->nrows; i++) {
        const struct rr_result *r = c->rows[i].r;
        if (!fork_label(r->workload, prefix, &k, &base) || strcmp(prefix, f->prefix) ||
            strcmp(r->policy, f->policy) || strcmp(r->dirty, f->dirty) ||
            !plot_in_list(c->want_scheme, r->scheme))
            continue;
        add_unique_k(f->ks, &f->nk, k);
        size_t j = 0;
        while (j < f->nsch && strcmp(f->schemes[j], r->scheme))
            j++;
        if (j == f->nsch)
            f->schemes[f->nsch++] = r->scheme;
    }
    qsort(f->ks, f->nk, sizeof *f->ks, compare_unsigned);
    for (size_t a = 1; a < f->nsch; a++) /* insertion sort, stable: a handful of schemes */
        for (size_t b = a; b > 0 && scheme_rank(f->schemes[b - 1]) > scheme_rank(f->schemes[b]);
             b--) {
            const char *t = f->schemes[b];
            f->schemes[b] = f->schemes[b - 1];
            f->schemes[b - 1] = t;
        }
}

/* The unit: microseconds when every drawn result's file gives the same clock, else
 * thousands of cycles. */
static void fork_unit(const struct plot_ctx *c, struct fork_fig *f)
{
    double clock = 0;
    bool same = true;
    for (size_t s = 0; s < f->nsch; s++)
        for (size_t i = 0; i < f->nk; i++) {
            const struct plot_row *fk, *bs;
            if (!fork_pair(c, f, f->schemes[s], f->ks[i], &fk, &bs))
                continue;
            double a = fk->f->clock_ghz, b = bs->f->clock_ghz;
            if (!(a > 0) || a != b || (clock > 0 && a != clock))
                same = false;
            clock = a;
        }
    f->unit_div = same && clock > 0 ? clock * 1000.0 : 1000.0;
    f->unit = same && clock > 0 ? "\xc2\xb5s" : "thousand cycles";
}

/* The components of K's cost in scheme s (in the unit, per page when asked), comp[NFC-1]
 * the rest of the total; false when a result is missing. */
static bool fork_cost(const struct plot_ctx *c, const struct fork_fig *f, const char *s,
                      unsigned k, double comp[NFC], double *total)
{
    const struct plot_row *fk, *bs;
    if (!fork_pair(c, f, s, k, &fk, &bs))
        return false;
    double div = f->unit_div * (f->per_page ? (double)k : 1.0), sum = 0;
    for (int i = 0; i < NFC - 1; i++) {
        comp[i] = ((double)fk->r->c[fc_ctr[i]] - (double)bs->r->c[fc_ctr[i]]) / div;
        sum += comp[i];
    }
    *total = ((double)fk->r->c[MMU_C_cycles_total] - (double)bs->r->c[MMU_C_cycles_total]) / div;
    comp[NFC - 1] = *total - sum;
    if (fabs(comp[NFC - 1]) < 1e-9 * (fabs(*total) + 1))
        comp[NFC - 1] = 0;
    return true;
}

/* One line of fork.dat: the scheme, K, the total and components, the counts' differences. */
static void fork_dat_line(FILE *d, const struct plot_ctx *c, const struct fork_fig *f,
                          const char *s, unsigned k, const double comp[NFC], double total)
{
    const struct plot_row *fk, *bs;
    fork_pair(c, f, s, k, &fk, &bs);
    char st[96];
    plot_token(st, sizeof st, s);
    fprintf(d, "%s %u %.6g", st, k, total);
    for (int i = 0; i < NFC; i++)
        fprintf(d, " %.6g", comp[i]);
    for (size_t i = 0; i < NCOUNTS; i++)
        fprintf(d, " %lld", (long long)(fk->r->c[fc_counts[i]] - bs->r->c[fc_counts[i]]));
    fputc('\n', d);
}

/* Panel p's bars: fork.dat (readable: one line per K) and fork-stack.dat (per K and
 * component the box [xlo, xhi] x [ylo, yhi], stacked up from 0 or down when negative). */
static void fork_panel_data(const struct plot_ctx *c, struct fork_fig *f, size_t p, double h,
                            FILE *d, FILE *st)
{
    const char *s = f->schemes[p];
    fprintf(d, "%s# %s\n", p ? "\n\n" : "", s);
    fprintf(st, "%s# %s\n", p ? "\n\n" : "", s);
    f->ymin[p] = 0, f->ymax[p] = 0;
    for (size_t i = 0; i < f->nk; i++) {
        double comp[NFC], total, up = 0, down = 0;
        unsigned k = f->ks[i];
        if (!fork_cost(c, f, s, k, comp, &total))
            continue;
        fork_dat_line(d, c, f, s, k, comp, total);
        for (int j = 0; j < NFC; j++) {
            if (comp[j] == 0)
                continue;
            double lo = comp[j] > 0 ? up : down + comp[j];
            double hi = comp[j] > 0 ? up + comp[j] : down;
            if (comp[j] > 0)
                up = hi;
            else
                down = lo, f->negative = true;
            fprintf(st, "%u %.6g %.6g %.6g %.6g %d -\n", k, k * exp2(-h), k * exp2(h), lo, hi,
                    j + 1);
            f->used[j] = true;
        }
        /* component 0: the bar's total, printed above it */
        fprintf(st, "%u %.6g %.6g %.6g %.6g 0 %.*f\n", k, k * exp2(-h), k * exp2(h), up, up,
                fabs(total) < 99.95 ? 1 : 0, total);
        f->ymin[p] = fmin(f->ymin[p], down);
        f->ymax[p] = fmax(f->ymax[p], up);
    }
}

/* Half the width of a bar in log2 units: 0.3 of the smallest gap between two K, at most
 * 0.45. */
static double fork_bar_half_width(const struct fork_fig *f)
{
    double gap = 1.5;
    for (size_t i = 1; i < f->nk; i++)
        gap = fmin(gap, log2((double)f->ks[i] / (double)f->ks[i - 1]));
    return 0.3 * gap;
}

/* Writes fork.dat and fork-stack.dat.  0, or the exit status after printing the reason. */
static int fork_data(const struct plot_ctx *c, struct fork_fig *f, double h)
{
    FILE *d = plot_data_open(c, "fork.dat");
    FILE *st = d ? plot_data_open(c, "fork-stack.dat") : NULL;
    if (!st) {
        if (d)
            fclose(d);
        return VKMMU_EXIT_FAILED;
    }
    fprintf(d,
            "# one fork+exit+wait: %s-kK minus %s-kK" FORK_TRACE_BASE_SUFFIX
            ", policy %s, dirty %s; one block per scheme\n"
            "# costs in %s per fork%s; counts are differences\n# scheme K total",
            f->prefix, f->prefix, f->policy, f->dirty, f->unit,
            f->per_page ? " per page touched" : "");
    for (int i = 0; i < NFC; i++)
        fprintf(d, " %s", fc_columns[i]);
    for (size_t i = 0; i < NCOUNTS; i++)
        fprintf(d, " %s", mmu_counter_names[fc_counts[i]]);
    fputc('\n', d);
    fputs("# K xlow xhigh ylow yhigh component (1-based, as fork.dat's columns 4-11; 0: the "
          "total, label) label; one block per scheme\n",
          st);
    for (size_t p = 0; p < f->nsch; p++)
        fork_panel_data(c, f, p, h, d, st);
    fclose(st);
    return fclose(d) == 0 ? 0 : VKMMU_EXIT_FAILED;
}

/* Figure geometry in inches: the panels' height and gap, and around them. */
#define PANEL_IN 0.95
#define GAP_IN 0.12
#define TOP_IN 0.1
#define LEFT_IN 0.62
#define RIGHT_IN 0.12
#define KEY_ROW_IN 0.14
#define BOTTOM_IN 0.5 /* the x tics and label, above the legend */

/* The x axis of every panel: log2, a tic at each K (labelled on the last panel only). */
static void fork_x_axis(FILE *g, const struct fork_fig *f, double h)
{
    fputs("set logscale x 2\nset mxtics default\n", g);
    fprintf(g, "set xrange [%.6g:%.6g]\n", f->ks[0] * exp2(-h - 0.35),
            f->ks[f->nk - 1] * exp2(h + 0.35));
    fputs("XT_LABELS = 'set xtics (", g);
    for (size_t i = 0; i < f->nk; i++)
        fprintf(g, "%s\"%u\" %u", i ? ", " : "", f->ks[i], f->ks[i]);
    fputs(")'\nXT_BLANK = 'set xtics (", g);
    for (size_t i = 0; i < f->nk; i++)
        fprintf(g, "%s\"\" %u", i ? ", " : "", f->ks[i]);
    fputs(")'\n", g);
}

/* The legend's entries (on the last panel, in the bottom margin): the components drawn. */
static void fork_key_entries(FILE *g, const struct fork_fig *f)
{
    for (int j = 0; j < NFC; j++)
        if (f->used[j])
            fprintf(g, ", \\\n     NaN with boxes fs solid 1.0 lc rgb '%s' title '%s'",
                    fc_colour[j], fc_names[j]);
    if (f->negative)
        fputs(", \\\n     NaN with points pt 3 ps 1.0 lc rgb '#000000' title 'total'", g);
}

/* Panel p: the scheme's name in the corner its bars leave free (top left when the cost
 * grows with K, top right per page), its y range with room for the totals, its bars. */
static void fork_panel(FILE *g, const struct fork_fig *f, size_t p, bool last)
{
    double span = f->ymax[p] - f->ymin[p] > 0 ? f->ymax[p] - f->ymin[p] : 1;
    fputs("set label 1 ", g);
    plot_gp_str(g, f->schemes[p]);
    fprintf(g, " at graph %s, graph 0.93 %s front\n", f->per_page ? "0.98" : "0.02",
            f->per_page ? "right" : "left");
    fprintf(g, "set yrange [%.6g:%.6g]\n@%s\n", f->ymin[p] < 0 ? f->ymin[p] - 0.06 * span : 0,
            f->ymax[p] + 0.22 * span, last ? "XT_LABELS" : "XT_BLANK");
    fprintf(g,
            "plot for [j=1:%d] 'fork-stack.dat' index %zu using 1:(int($6)==j ? ($4+$5)/2 : NaN)"
            ":2:3:4:5 with boxxyerror fs solid 1.0 border lc rgb '#ffffff' lc rgb C[j] notitle, "
            "\\\n     '' index %zu using 1:(int($6)==0 ? $5 : NaN):7 with labels offset 0,0.45 "
            "font ',6' notitle",
            NFC, p, p);
    if (f->negative)
        fprintf(g, ", \\\n     'fork.dat' index %zu using 2:3 with points pt 3 ps 1.0 lc rgb "
                   "'#000000' notitle", p);
    if (last)
        fork_key_entries(g, f);
    fputs("\n", g);
}

/* The panels: a multiplot with fixed margins, so that every plot area has the same size;
 * one y label for all, the legend in the bottom margin. */
static void fork_panels(FILE *g, const struct fork_fig *f, double h_in, double w_in, int rows)
{
    double bottom = BOTTOM_IN + KEY_ROW_IN * rows;
    fprintf(g, "set multiplot layout %zu,1 margins screen %.4f,%.4f,%.4f,%.4f spacing screen "
               "0,%.4f\n",
            f->nsch, LEFT_IN / w_in, 1 - RIGHT_IN / w_in, bottom / h_in, 1 - TOP_IN / h_in,
            GAP_IN / h_in);
    fprintf(g, "set label 99 '%s (%s)' at screen %.4f, screen %.4f rotate by 90 center\n",
            f->per_page ? "fork+exit+wait cost per page" : "cost of one fork+exit+wait", f->unit,
            0.1 / w_in,
            (bottom + (h_in - TOP_IN)) / 2 / h_in);
    for (size_t p = 0; p < f->nsch; p++) {
        bool last = p + 1 == f->nsch;
        if (last)
            fprintf(g, "set xlabel 'pages touched K (4 KiB pages, log scale)'\n"
                       "set key at screen 0.5, screen %.4f center top horizontal Left reverse "
                       "samplen 1.5 spacing 1.0 width 0.5 maxrows %d\n",
                    (KEY_ROW_IN * rows + 0.05) / h_in, rows);
        fork_panel(g, f, p, last);
        if (!p)
            fputs("unset label 99\n", g);
    }
    fputs("unset multiplot\n", g);
}

static void fork_script(struct plot_ctx *c, struct fork_fig *f, double h)
{
    FILE *g = c->gp;
    int nkey = f->negative;
    for (int j = 0; j < NFC; j++)
        nkey += f->used[j];
    int rows = (nkey + 1) / 2; /* two columns fit the plot's width */
    /* the panels together at least 2.4 in high: room for the y label */
    double panels = fmax(PANEL_IN * (double)f->nsch + GAP_IN * (double)(f->nsch - 1), 2.4);
    double h_in = c->h_in > 0 ? c->h_in : TOP_IN + panels + BOTTOM_IN + KEY_ROW_IN * rows;
    c->h_default = h_in;
    fputs("array C[8] = [", g);
    for (int j = 0; j < NFC; j++)
        fprintf(g, "%s'%s'", j ? ", " : "", fc_colour[j]);
    fputs("]\nset grid ytics lw 0.5 lc rgb '#dddddd'\nset format y '%g'\nset xzeroaxis lt -1 "
          "lw 0.8\n",
          g);
    fork_x_axis(g, f, h);
    fork_panels(g, f, h_in, c->w_in, rows);
    size_t sl = strlen(c->sel);
    snprintf(c->sel + sl, sizeof(c->sel) - sl,
             "; fork: cycles(%s-kK) - cycles(%s-kK" FORK_TRACE_BASE_SUFFIX
             "), policy %s, dirty %s, %s%s",
             f->prefix, f->prefix, f->policy, f->dirty, f->unit,
             f->per_page ? " per page touched" : " per fork");
}

/* Keeps the schemes with a fork and its baseline for some K, and the K with both in some
 * scheme. */
static void fork_prune(const struct plot_ctx *c, struct fork_fig *f)
{
    size_t kept = 0;
    for (size_t i = 0; i < f->nk; i++) {
        bool any = false;
        for (size_t s = 0; s < f->nsch && !any; s++) {
            const struct plot_row *fk, *bs;
            any = fork_pair(c, f, f->schemes[s], f->ks[i], &fk, &bs);
        }
        if (any)
            f->ks[kept++] = f->ks[i];
    }
    f->nk = kept;
    kept = 0;
    for (size_t s = 0; s < f->nsch; s++) {
        bool any = false;
        for (size_t i = 0; i < f->nk && !any; i++) {
            const struct plot_row *fk, *bs;
            any = fork_pair(c, f, f->schemes[s], f->ks[i], &fk, &bs);
        }
        if (any)
            f->schemes[kept++] = f->schemes[s];
    }
    f->nsch = kept;
}

int plot_kind_fork(struct plot_ctx *c)
{
    static const struct fork_fig zero;
    struct fork_fig f = zero;
    if (c->metric && strcmp(c->metric, "total") && strcmp(c->metric, "per-page"))
        return plot_bad("unknown metric '%s' (fork: total, per-page)", c->metric);
    f.per_page = c->metric && !strcmp(c->metric, "per-page");
    int rc = fork_series(c, &f);
    if (rc)
        return rc;
    f.schemes = calloc(c->nrows + 1, sizeof *f.schemes);
    f.ks = calloc(c->nrows + 1, sizeof *f.ks);
    f.ymin = calloc(c->nrows + 1, sizeof(double));
    f.ymax = calloc(c->nrows + 1, sizeof(double));
    if (!f.schemes || !f.ks || !f.ymin || !f.ymax) {
        rc = plot_bad("out of memory");
        goto out;
    }
    fork_axes(c, &f);
    fork_prune(c, &f);
    if (!f.nsch) {
        rc = plot_nothing(c,
                          "no K has both %s-kK and %s-kK" FORK_TRACE_BASE_SUFFIX
                          " results of policy %s, dirty strategy %s%s%s",
                          f.prefix, f.prefix, f.policy, f.dirty,
                          c->want_scheme ? " and scheme " : "",
                          c->want_scheme ? c->want_scheme : "");
        goto out;
    }
    snprintf(c->sel, sizeof c->sel, "schemes");
    for (size_t s = 0; s < f.nsch; s++) {
        size_t sl = strlen(c->sel);
        snprintf(c->sel + sl, sizeof c->sel - sl, "%s%s", s ? "," : " ", f.schemes[s]);
    }
    fork_unit(c, &f);
    double h = fork_bar_half_width(&f);
    if ((rc = fork_data(c, &f, h)) == 0)
        fork_script(c, &f, h);
out:
    free(f.schemes), free(f.ks), free(f.ymin), free(f.ymax);
    return rc;
}

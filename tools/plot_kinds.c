/* tools/plot_kinds.c - the figures of `vkmmu plot`: each kind turns the loaded results into data
 * files and gnuplot commands.  Formulas: docs/plotting.md. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "tools.h"
#include "plot_internal.h"

/* ---- helpers ---- */

/* "vkmmu plot: FILE[ and N more]: nothing to plot: ..."; returns VKMMU_EXIT_USAGE. */
__attribute__((format(printf, 2, 3))) static int plot_nothing(const struct plot_ctx *c,
                                                              const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "vkmmu plot: %s", c->files[0].path);
    if (c->nfiles > 1)
        fprintf(stderr, " (and %zu more)", c->nfiles - 1);
    fputs(": nothing to plot: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return VKMMU_EXIT_USAGE;
}

static int no_config(const struct plot_ctx *c)
{
    return plot_nothing(c, "no results of scheme %s and dirty strategy %s",
                        c->want_scheme ? c->want_scheme : "(any)",
                        c->want_dirty ? c->want_dirty : "(any)");
}

/* Writes `array NAME[n] = ['a', 'b']`. */
static void gp_array(FILE *g, const char *name, const char *const *items, size_t n)
{
    fprintf(g, "array %s[%zu] = [", name, n);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(", ", g);
        plot_gp_str(g, items[i]);
    }
    fputs("]\n", g);
}

/* Writes `set xtics (...)` (axis "x" or "x2") with labels at positions. */
static void gp_tics(FILE *g, const char *axis, const char *const *labels, const double *pos,
                    size_t n, const char *extra)
{
    fprintf(g, "set %stics %s(", axis, extra ? extra : "");
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(", ", g);
        plot_gp_str(g, labels[i]);
        fprintf(g, " %.6g", pos[i]);
    }
    fputs(")\n", g);
}

/* "window:N" or "window:N:VARIANT": N and the variant ("" for the default); false otherwise. */
static bool parse_window(const char *policy, unsigned *n, const char **variant)
{
    if (strncmp(policy, "window:", 7))
        return false;
    char *end;
    unsigned long v = strtoul(policy + 7, &end, 10);
    if (end == policy + 7 || (*end && *end != ':') || v == 0)
        return false;
    *n = (unsigned)v;
    *variant = *end ? end + 1 : "";
    return true;
}

static double pct(double a, double b)
{
    return b > 0 ? 100.0 * a / b : NAN;
}

/* Overhead (%) of a row against its workload's native total; the file's value otherwise. */
static double row_overhead(const struct plot_ctx *c, const struct rr_result *r)
{
    double n = plot_native_total(c, r->workload);
    if (isfinite(n) && n > 0)
        return 100.0 * ((double)r->c[MMU_C_cycles_total] / n - 1.0);
    return isfinite(r->overhead) ? 100.0 * r->overhead : NAN;
}

static const char *key_below = "set key below center horizontal Left reverse samplen 1.5 "
                               "spacing 1.0 width 0.5 maxrows 3\n";

/* ---- policies: reflections and dirty-bit traps per 1000 instructions ---- */

int plot_kind_policies(struct plot_ctx *c)
{
    plot_choose_config(c);
    size_t np;
    const char **pol = plot_policies(c, &np);
    if (!pol || !np) {
        free(pol);
        return no_config(c);
    }
    FILE *d = plot_data_open(c, "policies.dat");
    if (!d) {
        free(pol);
        return VKMMU_EXIT_FAILED;
    }
    double bw = 0.8 / (double)np, ymax = 0;
    bool traps = false;
    size_t points = 0;
    fprintf(d, "# x reflections reflections+dirty_traps (%s) workload policy\n", plot_rate_unit(c));
    size_t drawn = 0; /* policies with a block: gnuplot merges an empty block with the next */
    for (size_t j = 0; j < np; j++) {
        size_t here = 0;
        for (size_t i = 0; i < c->nwl; i++) {
            const struct plot_row *row = plot_find(c, c->wls[i], c->scheme, pol[j], c->dirty);
            if (!row || plot_per1000(c, row->r) == 0)
                continue;
            if (!here++)
                fprintf(d, "%s# policy %s\n", drawn ? "\n\n" : "", pol[j]);
            double den = plot_per1000(c, row->r);
            double refl = (double)row->r->c[MMU_C_fault_reflected] / den;
            double tr = (double)row->r->c[MMU_C_fault_dirty_trap] / den;
            char wt[96], pt[96];
            plot_token(wt, sizeof(wt), c->wls[i]);
            plot_token(pt, sizeof(pt), pol[j]);
            fprintf(d, "%.6g %.6g %.6g %s %s\n",
                    (double)i + ((double)j - (double)(np - 1) / 2.0) * bw, refl, refl + tr, wt, pt);
            traps |= tr > 0;
            if (refl + tr > ymax)
                ymax = refl + tr;
            points++;
        }
        if (here)
            pol[drawn++] = pol[j];
    }
    np = drawn;
    fclose(d);
    if (!points) {
        free(pol);
        return plot_nothing(c, "the %s/%s results count no accesses", c->scheme, c->dirty);
    }
    FILE *g = c->gp;
    double *pos = malloc(c->nwl * sizeof(*pos));
    for (size_t i = 0; pos && i < c->nwl; i++)
        pos[i] = (double)i;
    size_t chars = 0;
    for (size_t i = 0; i < c->nwl; i++)
        chars += strlen(c->wls[i]) + 2;
    /* About 36 characters of 8 pt text fit under a 3.5 in plot: rotate longer tic labels. */
    if (pos)
        gp_tics(g, "x", c->wls, pos, c->nwl,
                (double)chars > 10.0 * c->w_in ? "scale 0 rotate by 30 right " : "scale 0 ");
    free(pos);
    gp_array(g, "P", pol, np);
    fprintf(g, "BW = %.6g\n", bw);
    fprintf(g, "set xrange [-0.5:%.1f]\n", (double)c->nwl - 0.5);
    fprintf(g, "set yrange [0:%.6g]\n", ymax > 0 ? ymax * 1.05 : 1.0);
    fprintf(g, "set ylabel '%s %s'\n", traps ? "reflections, traps" : "reflections",
            plot_rate_unit(c));
    fputs(key_below, g);
    fputs("set style fill solid 1.0 border lc rgb '#333333'\n"
          "plot for [j=1:|P|] 'policies.dat' index (j-1) using 1:2:(BW) with boxes lt j "
          "title P[j]",
          g);
    if (traps)
        fputs(", \\\n     for [j=1:|P|] 'policies.dat' index (j-1) "
              "using 1:(($2+$3)/2):($1-BW/2):($1+BW/2):2:3 with boxxyerror "
              "fs pattern 4 border lc rgb '#333333' lc rgb '#333333' notitle, \\\n"
              "     NaN with boxes fs pattern 4 border lc rgb '#333333' lc rgb '#333333' "
              "title 'dirty-bit traps'",
              g);
    fputs("\n", g);
    size_t sl = strlen(c->sel);
    snprintf(c->sel + sl, sizeof(c->sel) - sl, "; bars: reflections%s",
             traps ? " + dirty-bit traps" : "");
    c->h_default = 2.6 + 0.15 * (double)((np + (traps ? 1 : 0) + 2) / 3);
    free(pol);
    return 0;
}

/* ---- window: a metric against the window size ---- */

enum metric_kind { MET_REFL, MET_TRAPS, MET_OVERHEAD, MET_ACCURACY, MET_COUNTER };

static double metric_value(const struct plot_ctx *c, const struct rr_result *r, enum metric_kind m,
                           int ctr)
{
    double den = plot_per1000(c, r);
    switch (m) {
    case MET_REFL: return den > 0 ? (double)r->c[MMU_C_fault_reflected] / den : NAN;
    case MET_TRAPS: return den > 0 ? (double)r->c[MMU_C_fault_dirty_trap] / den : NAN;
    case MET_OVERHEAD: return row_overhead(c, r);
    case MET_ACCURACY:
        return pct((double)r->c[MMU_C_prefault_used], (double)r->c[MMU_C_prefault_issued]);
    case MET_COUNTER: return (double)r->c[ctr];
    }
    return NAN;
}

struct wpoint {
    unsigned n;
    double v;
};
static int wpoint_cmp(const void *a, const void *b)
{
    const struct wpoint *x = a, *y = b;
    return (x->n > y->n) - (x->n < y->n);
}

int plot_kind_window(struct plot_ctx *c)
{
    plot_choose_config(c);
    if (!c->scheme)
        return no_config(c);
    enum metric_kind m = MET_REFL;
    int ctr = -1;
    const char *mname = c->metric ? c->metric : "reflections";
    char ylabel[160];
    if (!strcmp(mname, "reflections")) {
        snprintf(ylabel, sizeof(ylabel), "reflections %s", plot_rate_unit(c));
    } else if (!strcmp(mname, "traps")) {
        m = MET_TRAPS;
        snprintf(ylabel, sizeof(ylabel), "dirty-bit traps %s", plot_rate_unit(c));
    } else if (!strcmp(mname, "overhead")) {
        m = MET_OVERHEAD;
        snprintf(ylabel, sizeof(ylabel), "overhead against native (%%)");
    } else if (!strcmp(mname, "accuracy")) {
        m = MET_ACCURACY;
        snprintf(ylabel, sizeof(ylabel), "prefault accuracy: used / issued (%%)");
    } else if ((ctr = mmu_counter_find(mname)) >= 0) {
        m = MET_COUNTER;
        snprintf(ylabel, sizeof(ylabel), "%s (%s)", mname,
                 !strncmp(mname, "cycles.", 7) ? "cycles" : "events");
    } else {
        return plot_bad("unknown metric '%s' (reflections, traps, overhead, accuracy, or a "
                        "counter name such as fault.real)",
                        mname);
    }
    /* Variants of window:N present (series per workload and variant). */
    const char *variants[8];
    size_t nvar = 0;
    for (size_t i = 0; i < c->nrows; i++) {
        const struct rr_result *r = c->rows[i].r;
        unsigned n;
        const char *v;
        if (strcmp(r->scheme, c->scheme) || strcmp(r->dirty, c->dirty) ||
            !plot_in_list(c->want_policy, r->policy) || !parse_window(r->policy, &n, &v))
            continue;
        size_t k = 0;
        while (k < nvar && strcmp(variants[k], v))
            k++;
        if (k == nvar && nvar < 8)
            variants[nvar++] = v;
    }
    if (!nvar)
        return plot_nothing(c,
                            "no window:N results of %s/%s in the inputs (run "
                            "vkmmu with --policy window:1,window:2,window:4,...)",
                            c->scheme, c->dirty);
    FILE *d = plot_data_open(c, "window.dat");
    if (!d)
        return VKMMU_EXIT_FAILED;
    struct wpoint *pts = calloc(c->nrows, sizeof(*pts));
    const char **titles = calloc(c->nwl * nvar + 1, sizeof(*titles));
    char(*tbuf)[128] = calloc(c->nwl * nvar + 1, sizeof(*tbuf));
    /* Colour per workload (as the presets' marks), dash pattern per variant. */
    int *series_lt = calloc(2 * (c->nwl * nvar + 1), sizeof(*series_lt));
    if (!pts || !titles || !tbuf || !series_lt) {
        fclose(d);
        free(pts);
        free(titles);
        free(tbuf);
        free(series_lt);
        return plot_bad("out of memory");
    }
    size_t ns = 0, total = 0;
    double xmin = INFINITY, xmax = 0;
    fprintf(d, "# window_pages %s\n", mname);
    for (size_t w = 0; w < c->nwl; w++)
        for (size_t vi = 0; vi < nvar; vi++) {
            size_t np = 0;
            for (size_t i = 0; i < c->nrows; i++) {
                const struct rr_result *r = c->rows[i].r;
                unsigned n;
                const char *v;
                if (strcmp(r->workload, c->wls[w]) || strcmp(r->scheme, c->scheme) ||
                    strcmp(r->dirty, c->dirty) || !plot_in_list(c->want_policy, r->policy) ||
                    !parse_window(r->policy, &n, &v) || strcmp(v, variants[vi]))
                    continue;
                double val = metric_value(c, r, m, ctr);
                if (!isfinite(val))
                    continue;
                pts[np].n = n;
                pts[np].v = val;
                np++;
            }
            if (!np)
                continue;
            qsort(pts, np, sizeof(*pts), wpoint_cmp);
            fprintf(d, "%s# %s %s\n", ns ? "\n\n" : "", c->wls[w], variants[vi]);
            for (size_t k = 0; k < np; k++) {
                fprintf(d, "%u %.6g\n", pts[k].n, pts[k].v);
                xmin = fmin(xmin, pts[k].n);
                xmax = fmax(xmax, pts[k].n);
            }
            if (nvar > 1)
                snprintf(tbuf[ns], sizeof(tbuf[ns]), "%s (%s)", c->wls[w],
                         *variants[vi] ? variants[vi] : "fwd");
            else
                snprintf(tbuf[ns], sizeof(tbuf[ns]), "%s", c->wls[w]);
            titles[ns] = tbuf[ns];
            series_lt[2 * ns] = (int)(w % 8) + 1;
            series_lt[2 * ns + 1] = vi ? (int)vi + 2 : 1; /* dt 2 is none's line */
            ns++;
            total += np;
        }
    fclose(d);
    /* Presets at their nominal window sizes: dfly +-4 pages (8), dfly2010 8 pages, linux-fa
     * an aligned 16-page block; none as a dashed line per workload. */
    static const struct {
        const char *policy;
        double x;
        int pt;
        const char *title;
    } presets[] = {
        {"dfly", 8, 9, "dfly (at 8)"},
        {"dfly2010", 8, 11, "dfly2010 (at 8)"},
        {"linux-fa", 16, 5, "linux-fa (at 16)"},
    };
    FILE *p = plot_data_open(c, "presets.dat");
    if (!p) {
        free(pts);
        free(titles);
        free(tbuf);
        free(series_lt);
        return VKMMU_EXIT_FAILED;
    }
    bool has_preset[3] = {false, false, false};
    int pidx[3] = {0, 0, 0}, npidx = 0;
    fputs("# window_pages value linetype(workload)\n", p);
    for (size_t k = 0; k < 3; k++) {
        for (size_t w = 0; w < c->nwl; w++) {
            const struct plot_row *row =
                plot_find(c, c->wls[w], c->scheme, presets[k].policy, c->dirty);
            if (!row || !plot_in_list(c->want_policy, presets[k].policy))
                continue;
            double val = metric_value(c, row->r, m, ctr);
            if (!isfinite(val))
                continue;
            if (!has_preset[k]) {
                fprintf(p, "%s# %s\n", npidx ? "\n\n" : "", presets[k].policy);
                pidx[k] = npidx++;
            }
            fprintf(p, "%g %.6g %zu\n", presets[k].x, val, w % 8 + 1);
            has_preset[k] = true;
            xmin = fmin(xmin, presets[k].x);
            xmax = fmax(xmax, presets[k].x);
        }
    }
    fclose(p);
    FILE *g = c->gp;
    fputs("set logscale x 2\nset format x '%g'\n", g);
    fprintf(g, "set xrange [%.6g:%.6g]\n", xmin / 1.3, xmax * 1.3);
    fputs("set xlabel 'prefault window (pages besides the faulting one)'\n", g);
    fprintf(g, "set ylabel '%s'\n", ylabel);
    fputs("set yrange [0:*]\nset offsets 0, 0, graph 0.05, 0\n", g);
    fputs(key_below, g);
    gp_array(g, "S", titles, ns);
    fputs("array LT[|S|]\narray DT[|S|]\n", g);
    for (size_t s = 0; s < ns; s++)
        fprintf(g, "LT[%zu] = %d; DT[%zu] = %d\n", s + 1, series_lt[2 * s], s + 1,
                series_lt[2 * s + 1]);
    fputs("plot for [s=1:|S|] 'window.dat' index (s-1) using 1:2 with linespoints lt LT[s] "
          "dt DT[s] pt 7 ps 0.5 title S[s]",
          g);
    for (size_t k = 0; k < 3; k++)
        if (has_preset[k])
            fprintf(g,
                    ", \\\n     'presets.dat' index %d using 1:2:3 with points pt %d ps 1.1 "
                    "lc variable notitle, \\\n     NaN with points pt %d ps 1.1 lc rgb "
                    "'#333333' title '%s'",
                    pidx[k], presets[k].pt, presets[k].pt, presets[k].title);
    bool any_none = false;
    for (size_t w = 0; w < c->nwl; w++) {
        const struct plot_row *row = plot_find(c, c->wls[w], c->scheme, "none", c->dirty);
        if (!row || !plot_in_list(c->want_policy, "none"))
            continue;
        double val = metric_value(c, row->r, m, ctr);
        if (!isfinite(val))
            continue;
        fprintf(g, ", \\\n     %.6g with lines lt %zu dt 2 lw 1 notitle", val, w % 8 + 1);
        any_none = true;
    }
    if (any_none)
        fputs(", \\\n     NaN with lines dt 2 lw 1 lc rgb '#333333' title 'none (dashed)'", g);
    fputs("\n", g);
    size_t sl = strlen(c->sel);
    snprintf(c->sel + sl, sizeof(c->sel) - sl, "; metric %s", mname);
    size_t entries = ns + (size_t)has_preset[0] + has_preset[1] + has_preset[2] + any_none;
    c->h_default = 2.6 + 0.15 * (double)((entries + 2) / 3);
    (void)total;
    free(pts);
    free(titles);
    free(tbuf);
    free(series_lt);
    return 0;
}

/* ---- overhead: stacked by cost component ---- */

#define NCOMP 8
static const char *const comp_names[NCOMP] = {
    "reflections",  "real faults", "dirty-bit traps", "prefault work", "invalidations",
    "system calls", "TLB",         "other",
};
static const int comp_ctr[NCOMP - 1] = {
    MMU_C_cycles_reflect, MMU_C_cycles_fault,   MMU_C_cycles_dirty, MMU_C_cycles_prefault,
    MMU_C_cycles_inval,   MMU_C_cycles_syscall, MMU_C_cycles_tlb,
};
static const char *const comp_colour[NCOMP] = {"#E69F00", "#56B4E9", "#009E73", "#0072B2",
                                               "#D55E00", "#CC79A7", "#F0E442", "#999999"};

int plot_kind_overhead(struct plot_ctx *c)
{
    plot_choose_config(c);
    if (!c->scheme)
        return no_config(c);
    /* The bars: every selected configuration but the baseline, in order of appearance;
     * --scheme/--dirty lists select several, else the chosen scheme and dirty strategy. */
    struct bar {
        const char *scheme, *policy, *dirty;
    } *bars = calloc(c->nrows + 1, sizeof(*bars));
    if (!bars)
        return plot_bad("out of memory");
    size_t nb = 0;
    for (size_t i = 0; i < c->nrows; i++) {
        const struct rr_result *r = c->rows[i].r;
        if (!(c->want_scheme ? plot_in_list(c->want_scheme, r->scheme)
                             : !strcmp(r->scheme, c->scheme)) ||
            !(c->want_dirty ? plot_in_list(c->want_dirty, r->dirty)
                            : !strcmp(r->dirty, c->dirty)) ||
            !plot_in_list(c->want_policy, r->policy))
            continue;
        if (!strcmp(r->scheme, "native") && !strcmp(r->policy, "none") &&
            !strcmp(r->dirty, "strict"))
            continue;
        size_t k = 0;
        while (k < nb && !(!strcmp(bars[k].scheme, r->scheme) &&
                           !strcmp(bars[k].policy, r->policy) && !strcmp(bars[k].dirty, r->dirty)))
            k++;
        if (k == nb)
            bars[nb++] = (struct bar){r->scheme, r->policy, r->dirty};
    }
    bool many_schemes = false, many_dirty = false;
    for (size_t k = 1; k < nb; k++) {
        many_schemes |= strcmp(bars[k].scheme, bars[0].scheme) != 0;
        many_dirty |= strcmp(bars[k].dirty, bars[0].dirty) != 0;
    }
    FILE *d = plot_data_open(c, "overhead.dat");
    if (!d) {
        free(bars);
        return VKMMU_EXIT_FAILED;
    }
    size_t cap = c->nwl * (nb + 1) + 1;
    double *lo = calloc(cap * NCOMP, sizeof(double)), *hi = calloc(cap * NCOMP, sizeof(double));
    double *xs = calloc(cap, sizeof(double)), *tot = calloc(cap, sizeof(double));
    double *gpos = calloc(c->nwl + 1, sizeof(double));
    const char **xl = calloc(cap, sizeof(*xl)), **gl = calloc(c->nwl + 1, sizeof(*gl));
    char(*lbuf)[96] = calloc(cap, sizeof(*lbuf));
    if (!lo || !hi || !xs || !tot || !gpos || !xl || !gl || !lbuf) {
        fclose(d);
        free(bars), free(lo), free(hi), free(xs), free(tot), free(gpos), free(xl), free(gl),
            free(lbuf);
        return plot_bad("out of memory");
    }
    size_t n = 0, ng = 0;
    bool used[NCOMP] = {false};
    bool no_native = false;
    double x = 0, ymin = 0, ymax = 0;
    for (size_t w = 0; w < c->nwl; w++) {
        double Tn = plot_native_total(c, c->wls[w]);
        const struct plot_row *nat = plot_find(c, c->wls[w], "native", "none", "strict");
        double gstart = x;
        size_t before = n;
        for (size_t b = 0; b < nb; b++) {
            const struct plot_row *row =
                plot_find(c, c->wls[w], bars[b].scheme, bars[b].policy, bars[b].dirty);
            if (!row || !isfinite(Tn) || Tn <= 0)
                continue;
            const struct rr_result *r = row->r;
            double comp[NCOMP] = {0};
            if (nat) {
                /* overhead = sum over components of (mine - native) / native total; the
                 * instruction cycles are equal in both, anything left is "other". */
                double sum = 0;
                for (int k = 0; k < NCOMP - 1; k++) {
                    comp[k] =
                        100.0 * ((double)r->c[comp_ctr[k]] - (double)nat->r->c[comp_ctr[k]]) / Tn;
                    sum += comp[k];
                }
                comp[NCOMP - 1] = row_overhead(c, r) - sum;
            } else {
                /* Without the native row only the vkernel-only components are known apart;
                 * the rest of the overhead (faults, system calls, TLB net of native) is
                 * "other". */
                no_native = true;
                static const int vk_only[] = {0, 2, 3, 4};
                double sum = 0;
                for (size_t k = 0; k < 4; k++) {
                    comp[vk_only[k]] = 100.0 * (double)r->c[comp_ctr[vk_only[k]]] / Tn;
                    sum += comp[vk_only[k]];
                }
                comp[NCOMP - 1] = row_overhead(c, r) - sum;
            }
            if (fabs(comp[NCOMP - 1]) < 1e-9)
                comp[NCOMP - 1] = 0;
            double up = 0, down = 0;
            for (int k = 0; k < NCOMP; k++) {
                if (comp[k] > 0) {
                    lo[n * NCOMP + k] = up;
                    up += comp[k];
                    hi[n * NCOMP + k] = up;
                } else {
                    hi[n * NCOMP + k] = down;
                    down += comp[k];
                    lo[n * NCOMP + k] = down;
                }
                if (comp[k] != 0)
                    used[k] = true;
            }
            ymin = fmin(ymin, down);
            ymax = fmax(ymax, up);
            xs[n] = x;
            tot[n] = row_overhead(c, r);
            if (many_schemes && many_dirty)
                snprintf(lbuf[n], sizeof(lbuf[n]), "%s/%s/%s", bars[b].scheme, bars[b].policy,
                         bars[b].dirty);
            else if (many_schemes)
                snprintf(lbuf[n], sizeof(lbuf[n]), "%s/%s", bars[b].scheme, bars[b].policy);
            else if (many_dirty)
                snprintf(lbuf[n], sizeof(lbuf[n]), "%s/%s", bars[b].policy, bars[b].dirty);
            else
                snprintf(lbuf[n], sizeof(lbuf[n]), "%s", bars[b].policy);
            xl[n] = lbuf[n];
            n++;
            x += 1;
        }
        if (n > before) {
            gpos[ng] = (gstart + x - 1) / 2;
            gl[ng++] = c->wls[w];
            x += 0.8; /* a gap between workloads */
        }
    }
    int rc = 0;
    if (!n) {
        rc = plot_nothing(c,
                          "no %s/%s results with a native baseline (run vkmmu "
                          "with --json or --csv; the overhead needs cycles.total against native)",
                          c->scheme, c->dirty);
        fclose(d);
        goto out;
    }
    /* Blocks only for the components drawn: gnuplot merges empty blocks with the next. */
    int index[NCOMP], nidx = 0;
    fputs("# x ylow yhigh (overhead %, one block per component drawn), last block: x total\n", d);
    for (int k = 0; k < NCOMP; k++) {
        if (!used[k])
            continue;
        fprintf(d, "%s# %s\n", nidx ? "\n\n" : "", comp_names[k]);
        index[k] = nidx++;
        for (size_t i = 0; i < n; i++)
            if (lo[i * NCOMP + k] != hi[i * NCOMP + k])
                fprintf(d, "%.6g %.6g %.6g\n", xs[i], lo[i * NCOMP + k], hi[i * NCOMP + k]);
    }
    fprintf(d, "%s# total\n", nidx ? "\n\n" : "");
    for (size_t i = 0; i < n; i++)
        fprintf(d, "%.6g %.6g\n", xs[i], tot[i]);
    fclose(d);
    FILE *g = c->gp;
    gp_tics(g, "x", xl, xs, n, "rotate by 90 right scale 0 ");
    gp_tics(g, "x2", gl, gpos, ng, "scale 0 ");
    fprintf(g, "set xrange [-0.7:%.6g]\nset link x2\n", x - 0.8 - 0.3);
    double span = ymax - ymin > 0 ? ymax - ymin : 1;
    fprintf(g, "set yrange [%.6g:%.6g]\n", ymin < 0 ? ymin - 0.05 * span : 0, ymax + 0.05 * span);
    fputs("set ylabel 'estimated overhead against native (%)'\n", g);
    fputs("set xzeroaxis lt -1 lw 0.8\n", g);
    fputs(key_below, g);
    /* Thin white borders separate the stacked components without darkening small ones. */
    fputs("set style fill solid 1.0 border lc rgb '#ffffff'\nplot ", g);
    bool first = true;
    for (int k = 0; k < NCOMP; k++) {
        if (!used[k])
            continue;
        const char *title = comp_names[k];
        if (k == NCOMP - 1 && no_native)
            title = "faults, syscalls, TLB (net)";
        fprintf(g,
                "%s'overhead.dat' index %d using 1:(($2+$3)/2):($1-0.4):($1+0.4):2:3 with "
                "boxxyerror lc rgb '%s' title '%s'",
                first ? "" : ", \\\n     ", index[k], comp_colour[k], title);
        first = false;
    }
    fprintf(g,
            "%s'overhead.dat' index %d using 1:2 with points pt 3 ps 1.0 lc rgb "
            "'#000000' title 'total'\n",
            first ? "" : ", \\\n     ", nidx);
    if (no_native)
        fprintf(stderr, "vkmmu plot: no native/none/strict result for some workloads: their "
                        "faults, system calls and TLB are drawn as one net component\n");
    size_t sl = strlen(c->sel);
    snprintf(c->sel + sl, sizeof(c->sel) - sl, "; overhead components against native cycles.total");
    {
        size_t used_n = 1;
        for (int k = 0; k < NCOMP; k++)
            used_n += used[k];
        size_t maxlab = 0;
        for (size_t i = 0; i < n; i++)
            maxlab = strlen(xl[i]) > maxlab ? strlen(xl[i]) : maxlab;
        c->h_default = 2.4 + 0.15 * (double)((used_n + 2) / 3) + 0.06 * (double)maxlab;
    }
out:
    free(bars), free(lo), free(hi), free(xs), free(tot), free(gpos), free(xl), free(gl), free(lbuf);
    return rc;
}

/* ---- accuracy against coverage ---- */

static const int wl_pt[] = {7, 5, 9, 13, 11, 15, 4, 6};

int plot_kind_accuracy(struct plot_ctx *c)
{
    plot_choose_config(c);
    size_t np;
    const char **pol = plot_policies(c, &np);
    if (!pol || !np) {
        free(pol);
        return no_config(c);
    }
    FILE *d = plot_data_open(c, "accuracy.dat");
    if (!d) {
        free(pol);
        return VKMMU_EXIT_FAILED;
    }
    const char **titles = calloc(np + 1, sizeof(*titles));
    int *lts = calloc(np + 1, sizeof(*lts));
    struct wpoint *wp = calloc(c->nrows + 1, sizeof(*wp));
    double *wacc = calloc(c->nrows + 1, sizeof(double));
    if (!titles || !lts || !wp || !wacc) {
        fclose(d);
        free(pol), free(titles), free(lts), free(wp), free(wacc);
        return plot_bad("out of memory");
    }
    size_t ns = 0, points = 0, no_none = 0;
    double xmin = 0, xmax = 100;
    fputs("# coverage_% accuracy_% point_type(workload)\n", d);
    for (size_t j = 0; j < np; j++) {
        if (!strcmp(pol[j], "none"))
            continue;
        size_t here = 0;
        for (size_t w = 0; w < c->nwl; w++) {
            const struct plot_row *row = plot_find(c, c->wls[w], c->scheme, pol[j], c->dirty);
            const struct plot_row *none = plot_find(c, c->wls[w], c->scheme, "none", c->dirty);
            if (!row)
                continue;
            if (!none) {
                no_none++;
                continue;
            }
            double r0 = (double)none->r->c[MMU_C_fault_reflected];
            double cov = pct(r0 - (double)row->r->c[MMU_C_fault_reflected], r0);
            double acc = pct((double)row->r->c[MMU_C_prefault_used],
                             (double)row->r->c[MMU_C_prefault_issued]);
            if (!isfinite(cov) || !isfinite(acc))
                continue;
            if (!here)
                fprintf(d, "%s# %s\n", ns ? "\n\n" : "", pol[j]);
            fprintf(d, "%.6g %.6g %d\n", cov, acc, wl_pt[w % 8]);
            xmin = fmin(xmin, cov);
            xmax = fmax(xmax, cov);
            here++;
        }
        if (here) {
            titles[ns] = pol[j];
            lts[ns] = (int)(j % 8) + 1;
            ns++;
            points += here;
        }
    }
    /* Window sizes of a workload joined by a thin line, in window order (one block per
     * workload after the policies' blocks). */
    size_t nlines = 0;
    for (size_t w = 0; w < c->nwl && points; w++) {
        const struct plot_row *none = plot_find(c, c->wls[w], c->scheme, "none", c->dirty);
        if (!none || none->r->c[MMU_C_fault_reflected] == 0)
            continue;
        double r0 = (double)none->r->c[MMU_C_fault_reflected];
        size_t k = 0;
        for (size_t i = 0; i < c->nrows; i++) {
            const struct rr_result *r = c->rows[i].r;
            unsigned wn;
            const char *v;
            if (strcmp(r->workload, c->wls[w]) || strcmp(r->scheme, c->scheme) ||
                strcmp(r->dirty, c->dirty) || !plot_in_list(c->want_policy, r->policy) ||
                !parse_window(r->policy, &wn, &v) || *v || r->c[MMU_C_prefault_issued] == 0)
                continue;
            wp[k].n = wn;
            wp[k].v = pct(r0 - (double)r->c[MMU_C_fault_reflected], r0);
            /* the sort moves both: keep accuracy by encoding index */
            wacc[k] = pct((double)r->c[MMU_C_prefault_used], (double)r->c[MMU_C_prefault_issued]);
            wp[k].n = wn * 1024u + (unsigned)k; /* stable key: window, then index */
            k++;
        }
        if (k < 2)
            continue;
        qsort(wp, k, sizeof(*wp), wpoint_cmp);
        fprintf(d, "\n\n# windows of %s\n", c->wls[w]);
        for (size_t i = 0; i < k; i++)
            fprintf(d, "%.6g %.6g\n", wp[i].v, wacc[wp[i].n % 1024u]);
        nlines++;
    }
    fclose(d);
    int rc = 0;
    if (!points) {
        rc = plot_nothing(c,
                          "accuracy needs policies that prefault and the policy "
                          "none of the same scheme, dirty strategy and workload (%s/%s%s)",
                          c->scheme, c->dirty, no_none ? "; none is missing" : "");
        goto out;
    }
    if (no_none)
        fprintf(stderr, "vkmmu plot: %zu results skipped: their workload has no %s/none/%s\n",
                no_none, c->scheme, c->dirty);
    FILE *g = c->gp;
    gp_array(g, "P", titles, ns);
    fputs("array LT[|P|]\n", g);
    for (size_t s = 0; s < ns; s++)
        fprintf(g, "LT[%zu] = %d\n", s + 1, lts[s]);
    fprintf(g, "set xrange [%.6g:%.6g]\nset yrange [-3:103]\n", xmin - 3, xmax + 3);
    fputs("set xlabel 'coverage: reflections removed against none (%)'\n"
          "set ylabel 'accuracy: prefaults used / issued (%)'\n"
          "set grid xtics ytics lw 0.5 lc rgb '#dddddd'\n",
          g);
    fputs(key_below, g);
    fputs("plot ", g);
    for (size_t l = 0; l < nlines; l++)
        fprintf(g,
                "'accuracy.dat' index %zu using 1:2 with lines lw 0.8 lc rgb '#bbbbbb' "
                "notitle, \\\n     ",
                ns + l);
    /* pt variable draws no sample in the key: the policies' entries are separate. */
    fputs("for [s=1:|P|] 'accuracy.dat' index (s-1) using 1:2:3 with points pt variable "
          "ps 1.2 lt LT[s] notitle, \\\n"
          "     for [s=1:|P|] NaN with points pt 7 ps 1.2 lt LT[s] title P[s]",
          g);
    if (c->nwl > 1)
        for (size_t w = 0; w < c->nwl && w < 8; w++) {
            fprintf(g, ", \\\n     NaN with points pt %d ps 1.2 lc rgb '#333333' title ", wl_pt[w]);
            plot_gp_str(g, c->wls[w]);
        }
    if (nlines)
        fputs(", \\\n     NaN with lines lw 0.8 lc rgb '#bbbbbb' title 'window:N in order'", g);
    fputs("\n", g);
    c->h_default =
        2.9 + 0.15 * (double)((ns + (c->nwl > 1 ? c->nwl : 0) + (nlines ? 1 : 0) + 2) / 3);
out:
    free(pol), free(titles), free(lts), free(wp), free(wacc);
    return rc;
}

/* ---- timeline: reflections per interval ---- */

int plot_kind_timeline(struct plot_ctx *c)
{
    plot_choose_config(c);
    bool any = false;
    for (size_t i = 0; i < c->nrows && !any; i++)
        any = c->rows[i].r->ntimeline > 0;
    if (!any)
        return plot_bad("%s%s: the results carry no timeline; rerun vkmmu with --interval N "
                        "(a timeline point every N accesses)",
                        c->files[0].path, c->nfiles > 1 ? " (and the other inputs)" : "");
    if (!c->scheme)
        return no_config(c);
    size_t np;
    const char **pol = plot_policies(c, &np);
    if (!pol)
        return plot_bad("out of memory");
    size_t cap = c->nwl * np + 1;
    const char **titles = calloc(cap, sizeof(*titles));
    char(*tbuf)[160] = calloc(cap, sizeof(*tbuf));
    int *lts = calloc(cap, sizeof(int)), *dts = calloc(cap, sizeof(int));
    FILE *d = plot_data_open(c, "timeline.dat");
    if (!titles || !tbuf || !lts || !dts || !d) {
        if (d)
            fclose(d);
        free(pol), free(titles), free(tbuf), free(lts), free(dts);
        return d ? plot_bad("out of memory") : VKMMU_EXIT_FAILED;
    }
    const char *unit = NULL;
    size_t ns = 0;
    double xend = 0;
    fputs("# interval_start reflections_in_interval (a last row closes the step)\n", d);
    for (size_t w = 0; w < c->nwl; w++)
        for (size_t j = 0; j < np; j++) {
            const struct plot_row *row = plot_find(c, c->wls[w], c->scheme, pol[j], c->dirty);
            if (!row || !row->r->ntimeline)
                continue;
            if (!unit)
                unit = row->f->timeline_unit;
            const struct rr_point *t = row->r->timeline;
            fprintf(d, "%s# %s %s\n", ns ? "\n\n" : "", c->wls[w], pol[j]);
            double start = 0;
            uint64_t prev = 0, cnt = 0;
            for (size_t k = 0; k < row->r->ntimeline; k++) {
                uint64_t cur = t[k].c[MMU_C_fault_reflected];
                cnt = cur >= prev ? cur - prev : 0;
                fprintf(d, "%.17g %llu\n", start, (unsigned long long)cnt);
                prev = cur;
                start = t[k].end;
            }
            xend = start > xend ? start : xend;
            fprintf(d, "%.17g %llu\n", start, (unsigned long long)cnt);
            if (c->nwl > 1)
                snprintf(tbuf[ns], sizeof(tbuf[ns]), "%s %s", c->wls[w], pol[j]);
            else
                snprintf(tbuf[ns], sizeof(tbuf[ns]), "%s", pol[j]);
            titles[ns] = tbuf[ns];
            lts[ns] = (int)(j % 8) + 1;
            dts[ns] = (int)(w % 5) + 1;
            ns++;
        }
    fclose(d);
    int rc = 0;
    if (!ns) {
        rc = plot_nothing(c,
                          "no %s/%s result carries a timeline (rerun vkmmu with "
                          "--interval N)",
                          c->scheme, c->dirty);
        goto out;
    }
    FILE *g = c->gp;
    gp_array(g, "S", titles, ns);
    fputs("array LT[|S|]\narray DT[|S|]\n", g);
    for (size_t s = 0; s < ns; s++)
        fprintf(g, "LT[%zu] = %d; DT[%zu] = %d\n", s + 1, lts[s], s + 1, dts[s]);
    /* Plain numbers on the axis: large runs in thousands or millions, said in the label. */
    double xs = xend >= 2e6 ? 1e6 : xend >= 2e4 ? 1e3 : 1;
    fprintf(g, "XS = %g\nset xlabel 'position in the run (%s%s)'\n", xs,
            xs == 1e6   ? "million "
            : xs == 1e3 ? "thousand "
                        : "",
            unit ? unit : "interval ends");
    fputs("set ylabel 'reflections per interval'\nset yrange [0:*]\nset xrange [0:*]\n", g);
    fputs(key_below, g);
    fputs("plot for [s=1:|S|] 'timeline.dat' index (s-1) using ($1/XS):2 with steps lt LT[s] "
          "dt DT[s] lw 1.2 title S[s]\n",
          g);
    c->h_default = 2.6 + 0.15 * (double)((ns + 2) / 3);
out:
    free(pol), free(titles), free(tbuf), free(lts), free(dts);
    return rc;
}

/* ---- sensitivity: overhead over reflection cost x window ---- */

int plot_kind_sensitivity(struct plot_ctx *c)
{
    plot_choose_config(c);
    if (!c->scheme)
        return no_config(c);
    double scales[32];
    size_t nsc = 0;
    const char *list = c->scales ? c->scales : "0.25,0.5,1,2,4,8";
    for (const char *p = list; *p;) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || (*end && *end != ',') || !(v > 0) || !isfinite(v) || nsc == 32)
            return plot_bad("--scales '%s': expected up to 32 positive numbers separated by "
                            "commas",
                            list);
        scales[nsc++] = v;
        p = *end ? end + 1 : end;
    }
    /* Columns: none (window 0) and window:N of the default (forward) variant, ascending. */
    unsigned cols[64];
    size_t ncol = 0;
    bool has_none = false;
    for (size_t i = 0; i < c->nrows; i++) {
        const struct rr_result *r = c->rows[i].r;
        unsigned n;
        const char *v;
        if (strcmp(r->scheme, c->scheme) || strcmp(r->dirty, c->dirty) ||
            !plot_in_list(c->want_policy, r->policy))
            continue;
        if (!strcmp(r->policy, "none")) {
            has_none = true;
            continue;
        }
        if (!parse_window(r->policy, &n, &v) || *v)
            continue;
        size_t k = 0;
        while (k < ncol && cols[k] != n)
            k++;
        if (k == ncol && ncol < 63)
            cols[ncol++] = n;
    }
    if (!ncol)
        return plot_nothing(c,
                            "sensitivity needs window:N results of %s/%s (run "
                            "vkmmu with --policy none,window:1,window:2,...)",
                            c->scheme, c->dirty);
    for (size_t a = 1; a < ncol; a++) /* insertion sort: a handful of columns */
        for (size_t b = a; b > 0 && cols[b - 1] > cols[b]; b--) {
            unsigned t = cols[b];
            cols[b] = cols[b - 1];
            cols[b - 1] = t;
        }
    if (has_none) {
        memmove(cols + 1, cols, ncol * sizeof(cols[0]));
        cols[0] = 0;
        ncol++;
    }
    /* The reflection cost in cycles: shared by all inputs, the y axis is in cycles. */
    double rcost = NAN;
    bool same_cost = true;
    for (size_t i = 0; i < c->nfiles; i++) {
        if (!c->files[i].has_costs) {
            same_cost = false;
            continue;
        }
        double v = c->files[i].costs[MMU_COST_reflect];
        if (isnan(rcost))
            rcost = v;
        else if (rcost != v)
            same_cost = false;
    }
    if (isnan(rcost))
        same_cost = false;
    FILE *d = plot_data_open(c, "sensitivity.dat");
    if (!d)
        return VKMMU_EXIT_FAILED;
    fputs("# window_column scale_row overhead_% label_colour label "
          "(overhead = (T + (s-1) R) / T_native - 1)\n",
          d);
    double *vals = calloc(c->nwl * ncol * nsc + 1, sizeof(double));
    const char **panels = calloc(c->nwl + 1, sizeof(*panels));
    if (!vals || !panels) {
        fclose(d);
        free(vals);
        free(panels);
        return plot_bad("out of memory");
    }
    double vmin = INFINITY, vmax = -INFINITY;
    size_t npan = 0;
    for (size_t w = 0; w < c->nwl; w++) {
        double Tn = plot_native_total(c, c->wls[w]);
        bool any = false;
        for (size_t k = 0; k < ncol; k++) {
            char pol[32];
            if (cols[k])
                snprintf(pol, sizeof(pol), "window:%u", cols[k]);
            else
                snprintf(pol, sizeof(pol), "none");
            const struct plot_row *row = plot_find(c, c->wls[w], c->scheme, pol, c->dirty);
            for (size_t s = 0; s < nsc; s++) {
                double v = NAN;
                if (row && isfinite(Tn) && Tn > 0) {
                    const struct rr_result *r = row->r;
                    /* R: the reflections' cycles at the profile's cost (the echoed costs
                     * when the file has them; cycles.reflect otherwise). */
                    double R = row->f->has_costs ? (double)r->c[MMU_C_fault_reflected] *
                                                       row->f->costs[MMU_COST_reflect]
                                                 : (double)r->c[MMU_C_cycles_reflect];
                    v = 100.0 *
                        (((double)r->c[MMU_C_cycles_total] + (scales[s] - 1.0) * R) / Tn - 1.0);
                }
                vals[(npan * ncol + k) * nsc + s] = v;
                if (isfinite(v)) {
                    vmin = fmin(vmin, v);
                    vmax = fmax(vmax, v);
                    any = true;
                }
            }
        }
        if (any)
            panels[npan++] = c->wls[w];
    }
    int rc = 0;
    if (!npan) {
        fclose(d);
        rc = plot_nothing(c, "no %s/%s window results with a native baseline", c->scheme, c->dirty);
        goto out;
    }
    if (!(vmax > vmin))
        vmax = vmin + 1;
    /* Overheads span decades when the reflection cost does: a logarithmic colour scale then
     * (only possible when every value is positive). */
    bool logcb = vmin > 0 && vmax / vmin >= 20;
    for (size_t p = 0; p < npan; p++) {
        fprintf(d, "%s# %s\n", p ? "\n\n" : "", panels[p]);
        for (size_t s = 0; s < nsc; s++) {
            for (size_t k = 0; k < ncol; k++) {
                double v = vals[(p * ncol + k) * nsc + s];
                /* Dark text on the light (high) end of the palette, white on the dark end. */
                double frac = logcb && isfinite(v) ? log(v / vmin) / log(vmax / vmin)
                                                   : (v - vmin) / (vmax - vmin);
                unsigned tc = isfinite(v) && frac > 0.55 ? 0x000000 : 0xffffff;
                char lab[32];
                if (!isfinite(v))
                    snprintf(lab, sizeof(lab), "-");
                else if (fabs(v) >= 99.5)
                    snprintf(lab, sizeof(lab), "%.0f", v);
                else
                    snprintf(lab, sizeof(lab), "%.1f", v);
                fprintf(d, "%zu %zu %.6g %u %s\n", k, s, isfinite(v) ? v : NAN, tc, lab);
            }
            fputc('\n', d);
        }
    }
    fclose(d);
    FILE *g = c->gp;
    fputs("set xtics scale 0 (", g);
    for (size_t k = 0; k < ncol; k++) {
        if (cols[k])
            fprintf(g, "%s'%u' %zu", k ? ", " : "", cols[k], k);
        else
            fprintf(g, "%s'none' %zu", k ? ", " : "", k);
    }
    fputs(")\nset ytics scale 0 (", g);
    for (size_t s = 0; s < nsc; s++) {
        if (same_cost)
            fprintf(g, "%s'%.0f' %zu", s ? ", " : "", scales[s] * rcost, s);
        else
            fprintf(g, "%s'x%g' %zu", s ? ", " : "", scales[s], s);
    }
    fputs(")\n", g);
    fprintf(g, "set xrange [-0.5:%.1f]\nset yrange [-0.5:%.1f]\n", (double)ncol - 0.5,
            (double)nsc - 0.5);
    fprintf(g, "set cbrange [%.6g:%.6g]\n", vmin, vmax);
    if (logcb)
        fputs("set logscale cb\n", g);
    /* viridis (perceptually uniform, readable with colour-vision deficiency and in grey) */
    fputs("set palette defined (0 '#440154', 1 '#3B528B', 2 '#21918C', 3 '#5EC962', 4 "
          "'#FDE725')\n"
          "unset grid\nset border 15 lw 0.8\nset tics nomirror\n"
          "set cblabel 'overhead (%)' offset 0.5,0\nset cbtics scale 0.5\nset rmargin 11\n",
          g);
    if (same_cost)
        fputs("set ylabel 'reflection cost (cycles)'\n", g);
    else
        fputs("set ylabel 'reflection cost (x profile)'\n", g);
    fprintf(g, "set multiplot layout %zu,1\n", npan);
    for (size_t p = 0; p < npan; p++) {
        if (npan > 1) {
            fputs("set title ", g);
            plot_gp_str(g, panels[p]);
            fputs(" offset 0,-0.6\n", g);
        }
        if (p + 1 == npan)
            fputs("set xlabel 'prefault window (pages besides the faulting one)'\n", g);
        fprintf(g,
                "plot 'sensitivity.dat' index %zu using 1:2:3 with image, \\\n"
                "     '' index %zu using 1:2:5:4 with labels tc rgb variable font ',6'\n",
                p, p);
    }
    fputs("unset multiplot\n", g);
    size_t sl = strlen(c->sel);
    snprintf(c->sel + sl, sizeof(c->sel) - sl,
             "; overhead(s) = (cycles.total + (s-1) * fault.reflected * reflect) / "
             "cycles.total(native) - 1; scales %s",
             list);
    c->h_default = 0.3 + 1.9 * (double)npan;
out:
    free(vals);
    free(panels);
    return rc;
}

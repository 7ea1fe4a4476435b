/* tools/plot_kind_window.c - the kinds of `vkmmu plot` over the prefault window size:
 * window (a metric against window:N, presets marked) and sensitivity (overhead over
 * reflection cost x window size).  Formulas: docs/plotting.md. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "plot_internal.h"

/* ---- window: a metric against the window size ---- */

enum metric_kind { MET_REFL, MET_TRAPS, MET_OVERHEAD, MET_ACCURACY, MET_COUNTER };

static double metric_value(const struct plot_ctx *c, const struct rr_result *r, enum metric_kind m,
                           int ctr)
{
    double den = plot_per1000(c, r);
    switch (m) {
    case MET_REFL: return den > 0 ? (double)r->c[MMU_C_fault_reflected] / den : NAN;
    case MET_TRAPS: return den > 0 ? (double)r->c[MMU_C_fault_dirty_trap] / den : NAN;
    case MET_OVERHEAD: return plot_row_overhead(c, r);
    case MET_ACCURACY:
        return plot_percent((double)r->c[MMU_C_prefault_used], (double)r->c[MMU_C_prefault_issued]);
    case MET_COUNTER: return (double)r->c[ctr];
    }
    return NAN;
}


/* The metric of the window kind (--metric). */
struct window_metric {
    enum metric_kind m;
    int ctr; /* the counter of MET_COUNTER */
    const char *name;
    char ylabel[160];
};

/* Resolves --metric.  0, or the exit status after printing the reason. */
static int window_metric(const struct plot_ctx *c, struct window_metric *wm)
{
    wm->m = MET_REFL;
    wm->ctr = -1;
    const char *mname = wm->name = c->metric ? c->metric : "reflections";
    if (!strcmp(mname, "reflections")) {
        snprintf(wm->ylabel, sizeof(wm->ylabel), "reflections %s", plot_rate_unit(c));
    } else if (!strcmp(mname, "traps")) {
        wm->m = MET_TRAPS;
        snprintf(wm->ylabel, sizeof(wm->ylabel), "dirty-bit traps %s", plot_rate_unit(c));
    } else if (!strcmp(mname, "overhead")) {
        wm->m = MET_OVERHEAD;
        snprintf(wm->ylabel, sizeof(wm->ylabel), "overhead against native (%%)");
    } else if (!strcmp(mname, "accuracy")) {
        wm->m = MET_ACCURACY;
        snprintf(wm->ylabel, sizeof(wm->ylabel), "prefault accuracy: used / issued (%%)");
    } else if ((wm->ctr = mmu_counter_find(mname)) >= 0) {
        wm->m = MET_COUNTER;
        snprintf(wm->ylabel, sizeof(wm->ylabel), "%s (%s)", mname,
                 !strncmp(mname, "cycles.", 7) ? "cycles" : "events");
    } else {
        return plot_bad("unknown metric '%s' (reflections, traps, overhead, accuracy, or a "
                        "counter name such as fault.real)",
                        mname);
    }
    return 0;
}

/* Whether row r is a window:N result of the chosen configuration (n, variant set). */
static bool window_row(const struct plot_ctx *c, const struct rr_result *r, unsigned *n,
                       const char **variant)
{
    return !strcmp(r->scheme, c->scheme) && !strcmp(r->dirty, c->dirty) &&
           plot_in_list(c->want_policy, r->policy) && plot_parse_window(r->policy, n, variant);
}

/* Variants of window:N present (series per workload and variant), at most 8; the count. */
static size_t window_variants(const struct plot_ctx *c, const char *variants[8])
{
    size_t nvar = 0;
    for (size_t i = 0; i < c->nrows; i++) {
        unsigned n;
        const char *v;
        if (!window_row(c, c->rows[i].r, &n, &v))
            continue;
        size_t k = 0;
        while (k < nvar && strcmp(variants[k], v))
            k++;
        if (k == nvar && nvar < 8)
            variants[nvar++] = v;
    }
    return nvar;
}

/* The series of window.dat and the x extent of everything drawn. */
struct window_series {
    struct plot_window_point *pts;
    const char **titles;
    char (*tbuf)[128];
    int *series_lt; /* colour per workload (as the presets' marks), dash pattern per variant */
    size_t n;
    double xmin, xmax;
};

/* The points of workload w and variant v, sorted by window size, into ws->pts; their count. */
static size_t window_points(const struct plot_ctx *c, const struct window_metric *wm, size_t w,
                            const char *variant, struct window_series *ws)
{
    size_t np = 0;
    for (size_t i = 0; i < c->nrows; i++) {
        const struct rr_result *r = c->rows[i].r;
        unsigned n;
        const char *v;
        if (strcmp(r->workload, c->wls[w]) || !window_row(c, r, &n, &v) || strcmp(v, variant))
            continue;
        double val = metric_value(c, r, wm->m, wm->ctr);
        if (!isfinite(val))
            continue;
        ws->pts[np].n = n;
        ws->pts[np].v = val;
        np++;
    }
    qsort(ws->pts, np, sizeof(*ws->pts), plot_window_point_compare);
    return np;
}

/* Writes window.dat: a block per workload x variant with points. */
static void window_data(const struct plot_ctx *c, FILE *d, const struct window_metric *wm,
                        const char *const *variants, size_t nvar, struct window_series *ws)
{
    fprintf(d, "# window_pages %s\n", wm->name);
    for (size_t w = 0; w < c->nwl; w++)
        for (size_t vi = 0; vi < nvar; vi++) {
            size_t np = window_points(c, wm, w, variants[vi], ws);
            if (!np)
                continue;
            size_t ns = ws->n;
            fprintf(d, "%s# %s %s\n", ns ? "\n\n" : "", c->wls[w], variants[vi]);
            for (size_t k = 0; k < np; k++) {
                fprintf(d, "%u %.6g\n", ws->pts[k].n, ws->pts[k].v);
                ws->xmin = fmin(ws->xmin, ws->pts[k].n);
                ws->xmax = fmax(ws->xmax, ws->pts[k].n);
            }
            if (nvar > 1)
                snprintf(ws->tbuf[ns], sizeof(ws->tbuf[ns]), "%s (%s)", c->wls[w],
                         *variants[vi] ? variants[vi] : "fwd");
            else
                snprintf(ws->tbuf[ns], sizeof(ws->tbuf[ns]), "%s", c->wls[w]);
            ws->titles[ns] = ws->tbuf[ns];
            ws->series_lt[2 * ns] = (int)(w % 8) + 1;
            ws->series_lt[2 * ns + 1] = vi ? (int)vi + 2 : 1; /* dt 2 is none's line */
            ws->n++;
        }
}

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

/* Which presets presets.dat has, and the block index of each. */
struct window_presets {
    bool has[3];
    int index[3];
};

/* Writes presets.dat: a block per preset with results, a point per workload. */
static void window_presets(const struct plot_ctx *c, FILE *p, const struct window_metric *wm,
                           struct window_series *ws, struct window_presets *wp)
{
    int npidx = 0;
    fputs("# window_pages value linetype(workload)\n", p);
    for (size_t k = 0; k < 3; k++) {
        for (size_t w = 0; w < c->nwl; w++) {
            const struct plot_row *row =
                plot_find(c, c->wls[w], c->scheme, presets[k].policy, c->dirty);
            if (!row || !plot_in_list(c->want_policy, presets[k].policy))
                continue;
            double val = metric_value(c, row->r, wm->m, wm->ctr);
            if (!isfinite(val))
                continue;
            if (!wp->has[k]) {
                fprintf(p, "%s# %s\n", npidx ? "\n\n" : "", presets[k].policy);
                wp->index[k] = npidx++;
            }
            fprintf(p, "%g %.6g %zu\n", presets[k].x, val, w % 8 + 1);
            wp->has[k] = true;
            ws->xmin = fmin(ws->xmin, presets[k].x);
            ws->xmax = fmax(ws->xmax, presets[k].x);
        }
    }
}

/* The none results as dashed lines, one per workload; whether any was drawn. */
static bool window_none_lines(const struct plot_ctx *c, FILE *g, const struct window_metric *wm)
{
    bool any_none = false;
    for (size_t w = 0; w < c->nwl; w++) {
        const struct plot_row *row = plot_find(c, c->wls[w], c->scheme, "none", c->dirty);
        if (!row || !plot_in_list(c->want_policy, "none"))
            continue;
        double val = metric_value(c, row->r, wm->m, wm->ctr);
        if (!isfinite(val))
            continue;
        fprintf(g, ", \\\n     %.6g with lines lt %zu dt 2 lw 1 notitle", val, w % 8 + 1);
        any_none = true;
    }
    if (any_none)
        fputs(", \\\n     NaN with lines dt 2 lw 1 lc rgb '#333333' title 'none (dashed)'", g);
    return any_none;
}

static void window_script(struct plot_ctx *c, const struct window_metric *wm,
                          const struct window_series *ws, const struct window_presets *wp)
{
    FILE *g = c->gp;
    size_t ns = ws->n;
    fputs("set logscale x 2\nset format x '%g'\n", g);
    fprintf(g, "set xrange [%.6g:%.6g]\n", ws->xmin / 1.3, ws->xmax * 1.3);
    fputs("set xlabel 'prefault window (pages besides the faulting one)'\n", g);
    fprintf(g, "set ylabel '%s'\n", wm->ylabel);
    fputs("set yrange [0:*]\nset offsets 0, 0, graph 0.05, 0\n", g);
    fputs(plot_key_below, g);
    plot_gp_array(g, "S", ws->titles, ns);
    fputs("array LT[|S|]\narray DT[|S|]\n", g);
    for (size_t s = 0; s < ns; s++)
        fprintf(g, "LT[%zu] = %d; DT[%zu] = %d\n", s + 1, ws->series_lt[2 * s], s + 1,
                ws->series_lt[2 * s + 1]);
    fputs("plot for [s=1:|S|] 'window.dat' index (s-1) using 1:2 with linespoints lt LT[s] "
          "dt DT[s] pt 7 ps 0.5 title S[s]",
          g);
    for (size_t k = 0; k < 3; k++)
        if (wp->has[k])
            fprintf(g,
                    ", \\\n     'presets.dat' index %d using 1:2:3 with points pt %d ps 1.1 "
                    "lc variable notitle, \\\n     NaN with points pt %d ps 1.1 lc rgb "
                    "'#333333' title '%s'",
                    wp->index[k], presets[k].pt, presets[k].pt, presets[k].title);
    bool any_none = window_none_lines(c, g, wm);
    fputs("\n", g);
    size_t sl = strlen(c->sel);
    snprintf(c->sel + sl, sizeof(c->sel) - sl, "; metric %s", wm->name);
    size_t entries = ns + (size_t)wp->has[0] + wp->has[1] + wp->has[2] + any_none;
    c->h_default = 2.6 + 0.15 * (double)((entries + 2) / 3);
}

static void window_series_free(struct window_series *ws)
{
    free(ws->pts);
    free(ws->titles);
    free(ws->tbuf);
    free(ws->series_lt);
}

int plot_kind_window(struct plot_ctx *c)
{
    plot_choose_config(c);
    if (!c->scheme)
        return plot_no_config(c);
    struct window_metric wm;
    int rc = window_metric(c, &wm);
    if (rc)
        return rc;
    const char *variants[8];
    size_t nvar = window_variants(c, variants);
    if (!nvar)
        return plot_nothing(c,
                            "no window:N results of %s/%s in the inputs (run "
                            "vkmmu with --policy window:1,window:2,window:4,...)",
                            c->scheme, c->dirty);
    FILE *d = plot_data_open(c, "window.dat");
    if (!d)
        return VKMMU_EXIT_FAILED;
    struct window_series ws = {.xmin = INFINITY, .xmax = 0};
    ws.pts = calloc(c->nrows, sizeof(*ws.pts));
    ws.titles = calloc(c->nwl * nvar + 1, sizeof(*ws.titles));
    ws.tbuf = calloc(c->nwl * nvar + 1, sizeof(*ws.tbuf));
    ws.series_lt = calloc(2 * (c->nwl * nvar + 1), sizeof(*ws.series_lt));
    if (!ws.pts || !ws.titles || !ws.tbuf || !ws.series_lt) {
        fclose(d);
        window_series_free(&ws);
        return plot_bad("out of memory");
    }
    window_data(c, d, &wm, variants, nvar, &ws);
    fclose(d);
    FILE *p = plot_data_open(c, "presets.dat");
    if (!p) {
        window_series_free(&ws);
        return VKMMU_EXIT_FAILED;
    }
    struct window_presets wp = {{false, false, false}, {0, 0, 0}};
    window_presets(c, p, &wm, &ws, &wp);
    fclose(p);
    window_script(c, &wm, &ws, &wp);
    window_series_free(&ws);
    return 0;
}

/* ---- sensitivity: overhead over reflection cost x window ---- */

/* The grid of the sensitivity kind: rows are reflection-cost scales, columns none (window 0)
 * and window:N, one panel per workload. */
struct sensitivity {
    double scales[32];
    size_t nsc;
    const char *list; /* the scales as given */
    unsigned cols[64];
    size_t ncol;
    double rcost;   /* the reflection cost in cycles shared by all inputs */
    bool same_cost; /* whether there is one: the y axis is then in cycles */
    double *vals;   /* [(panel * ncol + column) * nsc + scale]: overhead (%) or NaN */
    const char **panels;
    size_t npan;
    double vmin, vmax;
};

/* --scales.  0, or the exit status after printing the reason. */
static int sensitivity_scales(const struct plot_ctx *c, struct sensitivity *sv)
{
    const char *list = sv->list = c->scales ? c->scales : "0.25,0.5,1,2,4,8";
    for (const char *p = list; *p;) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || (*end && *end != ',') || !(v > 0) || !isfinite(v) || sv->nsc == 32)
            return plot_bad("--scales '%s': expected up to 32 positive numbers separated by "
                            "commas",
                            list);
        sv->scales[sv->nsc++] = v;
        p = *end ? end + 1 : end;
    }
    return 0;
}

/* Columns: none (window 0) and window:N of the default (forward) variant, ascending. */
static void sensitivity_columns(const struct plot_ctx *c, struct sensitivity *sv)
{
    unsigned *cols = sv->cols;
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
        if (!plot_parse_window(r->policy, &n, &v) || *v)
            continue;
        size_t k = 0;
        while (k < ncol && cols[k] != n)
            k++;
        if (k == ncol && ncol < 63)
            cols[ncol++] = n;
    }
    sv->ncol = ncol;
    if (!ncol)
        return;
    for (size_t a = 1; a < ncol; a++) /* insertion sort: a handful of columns */
        for (size_t b = a; b > 0 && cols[b - 1] > cols[b]; b--) {
            unsigned t = cols[b];
            cols[b] = cols[b - 1];
            cols[b - 1] = t;
        }
    if (has_none) {
        memmove(cols + 1, cols, ncol * sizeof(cols[0]));
        cols[0] = 0;
        sv->ncol++;
    }
}

/* The reflection cost in cycles: shared by all inputs, the y axis is in cycles. */
static void sensitivity_cost(const struct plot_ctx *c, struct sensitivity *sv)
{
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
    sv->rcost = rcost;
    sv->same_cost = same_cost;
}

/* The overhead (%) of row at reflection-cost scale s against the native total Tn:
 * (T + (s-1) R) / T_native - 1, NaN without a row or a native total. */
static double scaled_overhead(const struct plot_row *row, double Tn, double scale)
{
    if (!row || !isfinite(Tn) || Tn <= 0)
        return NAN;
    const struct rr_result *r = row->r;
    /* R: the reflections' cycles at the profile's cost (the echoed costs when the file has
     * them; cycles.reflect otherwise). */
    double R = row->f->has_costs
                   ? (double)r->c[MMU_C_fault_reflected] * row->f->costs[MMU_COST_reflect]
                   : (double)r->c[MMU_C_cycles_reflect];
    return 100.0 * (((double)r->c[MMU_C_cycles_total] + (scale - 1.0) * R) / Tn - 1.0);
}

/* Every cell of every workload's panel; a panel only for a workload with a value. */
static void sensitivity_values(const struct plot_ctx *c, struct sensitivity *sv)
{
    size_t ncol = sv->ncol, nsc = sv->nsc;
    for (size_t w = 0; w < c->nwl; w++) {
        double Tn = plot_native_total(c, c->wls[w]);
        bool any = false;
        for (size_t k = 0; k < ncol; k++) {
            char pol[32];
            if (sv->cols[k])
                snprintf(pol, sizeof(pol), "window:%u", sv->cols[k]);
            else
                snprintf(pol, sizeof(pol), "none");
            const struct plot_row *row = plot_find(c, c->wls[w], c->scheme, pol, c->dirty);
            for (size_t s = 0; s < nsc; s++) {
                double v = scaled_overhead(row, Tn, sv->scales[s]);
                sv->vals[(sv->npan * ncol + k) * nsc + s] = v;
                if (isfinite(v)) {
                    sv->vmin = fmin(sv->vmin, v);
                    sv->vmax = fmax(sv->vmax, v);
                    any = true;
                }
            }
        }
        if (any)
            sv->panels[sv->npan++] = c->wls[w];
    }
}

/* Writes sensitivity.dat: a block per panel, a line per cell with its label and the label's
 * colour. */
static void sensitivity_data(FILE *d, const struct sensitivity *sv, bool logcb)
{
    double vmin = sv->vmin, vmax = sv->vmax;
    for (size_t p = 0; p < sv->npan; p++) {
        fprintf(d, "%s# %s\n", p ? "\n\n" : "", sv->panels[p]);
        for (size_t s = 0; s < sv->nsc; s++) {
            for (size_t k = 0; k < sv->ncol; k++) {
                double v = sv->vals[(p * sv->ncol + k) * sv->nsc + s];
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
}

/* The axes: window sizes across, reflection costs (cycles, or scales) up; the colour box. */
static void sensitivity_axes(FILE *g, const struct sensitivity *sv, bool logcb)
{
    fputs("set xtics scale 0 (", g);
    for (size_t k = 0; k < sv->ncol; k++) {
        if (sv->cols[k])
            fprintf(g, "%s'%u' %zu", k ? ", " : "", sv->cols[k], k);
        else
            fprintf(g, "%s'none' %zu", k ? ", " : "", k);
    }
    fputs(")\nset ytics scale 0 (", g);
    for (size_t s = 0; s < sv->nsc; s++) {
        if (sv->same_cost)
            fprintf(g, "%s'%.0f' %zu", s ? ", " : "", sv->scales[s] * sv->rcost, s);
        else
            fprintf(g, "%s'x%g' %zu", s ? ", " : "", sv->scales[s], s);
    }
    fputs(")\n", g);
    fprintf(g, "set xrange [-0.5:%.1f]\nset yrange [-0.5:%.1f]\n", (double)sv->ncol - 0.5,
            (double)sv->nsc - 0.5);
    fprintf(g, "set cbrange [%.6g:%.6g]\n", sv->vmin, sv->vmax);
    if (logcb)
        fputs("set logscale cb\n", g);
}

static void sensitivity_script(struct plot_ctx *c, const struct sensitivity *sv, bool logcb)
{
    FILE *g = c->gp;
    sensitivity_axes(g, sv, logcb);
    /* viridis (perceptually uniform, readable with colour-vision deficiency and in grey) */
    fputs("set palette defined (0 '#440154', 1 '#3B528B', 2 '#21918C', 3 '#5EC962', 4 "
          "'#FDE725')\n"
          "unset grid\nset border 15 lw 0.8\nset tics nomirror\n"
          "set cblabel 'overhead (%)' offset 0.5,0\nset cbtics scale 0.5\nset rmargin 11\n",
          g);
    if (sv->same_cost)
        fputs("set ylabel 'reflection cost (cycles)'\n", g);
    else
        fputs("set ylabel 'reflection cost (x profile)'\n", g);
    fprintf(g, "set multiplot layout %zu,1\n", sv->npan);
    for (size_t p = 0; p < sv->npan; p++) {
        if (sv->npan > 1) {
            fputs("set title ", g);
            plot_gp_str(g, sv->panels[p]);
            fputs(" offset 0,-0.6\n", g);
        }
        if (p + 1 == sv->npan)
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
             sv->list);
    c->h_default = 0.3 + 1.9 * (double)sv->npan;
}

int plot_kind_sensitivity(struct plot_ctx *c)
{
    plot_choose_config(c);
    if (!c->scheme)
        return plot_no_config(c);
    static struct sensitivity zero;
    struct sensitivity sv = zero;
    int rc = sensitivity_scales(c, &sv);
    if (rc)
        return rc;
    sensitivity_columns(c, &sv);
    if (!sv.ncol)
        return plot_nothing(c,
                            "sensitivity needs window:N results of %s/%s (run "
                            "vkmmu with --policy none,window:1,window:2,...)",
                            c->scheme, c->dirty);
    sensitivity_cost(c, &sv);
    FILE *d = plot_data_open(c, "sensitivity.dat");
    if (!d)
        return VKMMU_EXIT_FAILED;
    fputs("# window_column scale_row overhead_% label_colour label "
          "(overhead = (T + (s-1) R) / T_native - 1)\n",
          d);
    sv.vals = calloc(c->nwl * sv.ncol * sv.nsc + 1, sizeof(double));
    sv.panels = calloc(c->nwl + 1, sizeof(*sv.panels));
    if (!sv.vals || !sv.panels) {
        fclose(d);
        free(sv.vals);
        free(sv.panels);
        return plot_bad("out of memory");
    }
    sv.vmin = INFINITY, sv.vmax = -INFINITY;
    sensitivity_values(c, &sv);
    if (!sv.npan) {
        fclose(d);
        rc = plot_nothing(c, "no %s/%s window results with a native baseline", c->scheme,
                          c->dirty);
    } else {
        if (!(sv.vmax > sv.vmin))
            sv.vmax = sv.vmin + 1;
        /* Overheads span decades when the reflection cost does: a logarithmic colour scale
         * then (only possible when every value is positive). */
        bool logcb = sv.vmin > 0 && sv.vmax / sv.vmin >= 20;
        sensitivity_data(d, &sv, logcb);
        fclose(d);
        sensitivity_script(c, &sv, logcb);
    }
    free(sv.vals);
    free(sv.panels);
    return rc;
}

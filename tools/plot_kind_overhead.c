/* tools/plot_kind_overhead.c - the kinds of `vkmmu plot` that compare a configuration with
 * its baselines: overhead (against native, stacked by cost component) and accuracy (prefault
 * accuracy against coverage, against none).  Formulas: docs/plotting.md. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "plot_internal.h"

/* ---- overhead: stacked by cost component ---- */

#define NCOMP 9
static const char *const comp_names[NCOMP] = {
    "reflections",  "real faults",   "dirty-bit traps", "prefault work", "invalidations",
    "system calls", "vmspace calls", "TLB",             "other",
};
static const int comp_ctr[NCOMP - 1] = {
    MMU_C_cycles_reflect, MMU_C_cycles_fault,   MMU_C_cycles_dirty,   MMU_C_cycles_prefault,
    MMU_C_cycles_inval,   MMU_C_cycles_syscall, MMU_C_cycles_vmspace, MMU_C_cycles_tlb,
};
/* Okabe & Ito's palette; wine (Tol's palette) for the vmspace calls, grey for other. */
static const char *const comp_colour[NCOMP] = {"#E69F00", "#56B4E9", "#009E73",
                                               "#0072B2", "#D55E00", "#CC79A7",
                                               "#882255", "#F0E442", "#999999"};

/* A bar: one configuration. */
struct bar {
    const char *scheme, *policy, *dirty;
};

/* The stacked bars: per bar i and component k the segment [lo, hi] (NCOMP per bar), its x,
 * total and label; per workload group its centre and label. */
struct overhead {
    struct bar *bars;
    size_t nb;
    bool many_schemes, many_dirty;
    double *lo, *hi, *xs, *tot, *gpos;
    const char **xl, **gl;
    char (*lbuf)[96];
    size_t n, ng;
    bool used[NCOMP];
    bool no_native;
    double x, ymin, ymax;
};

/* The bars: every selected configuration but the baseline, in order of appearance;
 * --scheme/--dirty lists select several, else the chosen scheme and dirty strategy. */
static void overhead_bars(const struct plot_ctx *c, struct overhead *o)
{
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
        while (k < o->nb && !(!strcmp(o->bars[k].scheme, r->scheme) &&
                              !strcmp(o->bars[k].policy, r->policy) &&
                              !strcmp(o->bars[k].dirty, r->dirty)))
            k++;
        if (k == o->nb)
            o->bars[o->nb++] = (struct bar){r->scheme, r->policy, r->dirty};
    }
    for (size_t k = 1; k < o->nb; k++) {
        o->many_schemes |= strcmp(o->bars[k].scheme, o->bars[0].scheme) != 0;
        o->many_dirty |= strcmp(o->bars[k].dirty, o->bars[0].dirty) != 0;
    }
}

/* The overhead of r split into components (% of the native total Tn), against the native
 * row nat when there is one. */
static void bar_components(const struct plot_ctx *c, const struct rr_result *r,
                           const struct plot_row *nat, double Tn, double comp[NCOMP],
                           bool *no_native)
{
    if (nat) {
        /* overhead = sum over components of (mine - native) / native total; the
         * instruction cycles are equal in both, anything left is "other". */
        double sum = 0;
        for (int k = 0; k < NCOMP - 1; k++) {
            comp[k] = 100.0 * ((double)r->c[comp_ctr[k]] - (double)nat->r->c[comp_ctr[k]]) / Tn;
            sum += comp[k];
        }
        comp[NCOMP - 1] = plot_row_overhead(c, r) - sum;
    } else {
        /* Without the native row only the vkernel-only components are known apart;
         * the rest of the overhead (faults, system calls, TLB net of native) is
         * "other". */
        *no_native = true;
        static const int vk_only[] = {0, 2, 3, 4, 6};
        double sum = 0;
        for (size_t k = 0; k < sizeof vk_only / sizeof vk_only[0]; k++) {
            comp[vk_only[k]] = 100.0 * (double)r->c[comp_ctr[vk_only[k]]] / Tn;
            sum += comp[vk_only[k]];
        }
        comp[NCOMP - 1] = plot_row_overhead(c, r) - sum;
    }
    if (fabs(comp[NCOMP - 1]) < 1e-9)
        comp[NCOMP - 1] = 0;
}

/* Bar o->n: its components stacked up from 0 (positive) or down (negative), and its label. */
static void bar_add(const struct plot_ctx *c, struct overhead *o, const struct bar *b,
                    const struct rr_result *r, const double comp[NCOMP])
{
    size_t n = o->n;
    double up = 0, down = 0;
    for (int k = 0; k < NCOMP; k++) {
        if (comp[k] > 0) {
            o->lo[n * NCOMP + k] = up;
            up += comp[k];
            o->hi[n * NCOMP + k] = up;
        } else {
            o->hi[n * NCOMP + k] = down;
            down += comp[k];
            o->lo[n * NCOMP + k] = down;
        }
        if (comp[k] != 0)
            o->used[k] = true;
    }
    o->ymin = fmin(o->ymin, down);
    o->ymax = fmax(o->ymax, up);
    o->xs[n] = o->x;
    o->tot[n] = plot_row_overhead(c, r);
    if (o->many_schemes && o->many_dirty)
        snprintf(o->lbuf[n], sizeof(o->lbuf[n]), "%s/%s/%s", b->scheme, b->policy, b->dirty);
    else if (o->many_schemes)
        snprintf(o->lbuf[n], sizeof(o->lbuf[n]), "%s/%s", b->scheme, b->policy);
    else if (o->many_dirty)
        snprintf(o->lbuf[n], sizeof(o->lbuf[n]), "%s/%s", b->policy, b->dirty);
    else
        snprintf(o->lbuf[n], sizeof(o->lbuf[n]), "%s", b->policy);
    o->xl[n] = o->lbuf[n];
    o->n++;
    o->x += 1;
}

/* Every bar of every workload with a native total, grouped by workload. */
static void overhead_stack(const struct plot_ctx *c, struct overhead *o)
{
    for (size_t w = 0; w < c->nwl; w++) {
        double Tn = plot_native_total(c, c->wls[w]);
        const struct plot_row *nat = plot_find(c, c->wls[w], "native", "none", "strict");
        double gstart = o->x;
        size_t before = o->n;
        for (size_t b = 0; b < o->nb; b++) {
            const struct bar *bar = &o->bars[b];
            const struct plot_row *row =
                plot_find(c, c->wls[w], bar->scheme, bar->policy, bar->dirty);
            if (!row || !isfinite(Tn) || Tn <= 0)
                continue;
            double comp[NCOMP] = {0};
            bar_components(c, row->r, nat, Tn, comp, &o->no_native);
            bar_add(c, o, bar, row->r, comp);
        }
        if (o->n > before) {
            o->gpos[o->ng] = (gstart + o->x - 1) / 2;
            o->gl[o->ng++] = c->wls[w];
            o->x += 0.8; /* a gap between workloads */
        }
    }
}

/* Writes overhead.dat: blocks only for the components drawn (gnuplot merges empty blocks
 * with the next), index[k] the block of component k; the last block the totals.  The number
 * of component blocks. */
static int overhead_data(const struct overhead *o, FILE *d, int index[NCOMP])
{
    int nidx = 0;
    fputs("# x ylow yhigh (overhead %, one block per component drawn), last block: x total\n", d);
    for (int k = 0; k < NCOMP; k++) {
        if (!o->used[k])
            continue;
        fprintf(d, "%s# %s\n", nidx ? "\n\n" : "", comp_names[k]);
        index[k] = nidx++;
        for (size_t i = 0; i < o->n; i++)
            if (o->lo[i * NCOMP + k] != o->hi[i * NCOMP + k])
                fprintf(d, "%.6g %.6g %.6g\n", o->xs[i], o->lo[i * NCOMP + k],
                        o->hi[i * NCOMP + k]);
    }
    fprintf(d, "%s# total\n", nidx ? "\n\n" : "");
    for (size_t i = 0; i < o->n; i++)
        fprintf(d, "%.6g %.6g\n", o->xs[i], o->tot[i]);
    return nidx;
}

/* The plot command: a box series per component drawn, then the totals. */
static void overhead_plot(FILE *g, const struct overhead *o, const int index[NCOMP], int nidx)
{
    /* Thin white borders separate the stacked components without darkening small ones. */
    fputs("set style fill solid 1.0 border lc rgb '#ffffff'\nplot ", g);
    bool first = true;
    for (int k = 0; k < NCOMP; k++) {
        if (!o->used[k])
            continue;
        const char *title = comp_names[k];
        if (k == NCOMP - 1 && o->no_native)
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
}

static void overhead_script(struct plot_ctx *c, const struct overhead *o, const int index[NCOMP],
                            int nidx)
{
    FILE *g = c->gp;
    plot_gp_tics(g, "x", o->xl, o->xs, o->n, "rotate by 90 right scale 0 ");
    plot_gp_tics(g, "x2", o->gl, o->gpos, o->ng, "scale 0 ");
    fprintf(g, "set xrange [-0.7:%.6g]\nset link x2\n", o->x - 0.8 - 0.3);
    double span = o->ymax - o->ymin > 0 ? o->ymax - o->ymin : 1;
    fprintf(g, "set yrange [%.6g:%.6g]\n", o->ymin < 0 ? o->ymin - 0.05 * span : 0,
            o->ymax + 0.05 * span);
    fputs("set ylabel 'estimated overhead against native (%)'\n", g);
    fputs("set xzeroaxis lt -1 lw 0.8\n", g);
    fputs(plot_key_below, g);
    overhead_plot(g, o, index, nidx);
    if (o->no_native)
        fprintf(stderr, "vkmmu plot: no native/none/strict result for some workloads: their "
                        "faults, system calls and TLB are drawn as one net component\n");
    size_t sl = strlen(c->sel);
    snprintf(c->sel + sl, sizeof(c->sel) - sl, "; overhead components against native cycles.total");
    size_t used_n = 1;
    for (int k = 0; k < NCOMP; k++)
        used_n += o->used[k];
    size_t maxlab = 0;
    for (size_t i = 0; i < o->n; i++)
        maxlab = strlen(o->xl[i]) > maxlab ? strlen(o->xl[i]) : maxlab;
    c->h_default = 2.4 + 0.15 * (double)((used_n + 2) / 3) + 0.06 * (double)maxlab;
}

static void overhead_free(struct overhead *o)
{
    free(o->bars), free(o->lo), free(o->hi), free(o->xs), free(o->tot), free(o->gpos);
    free(o->xl), free(o->gl), free(o->lbuf);
}

int plot_kind_overhead(struct plot_ctx *c)
{
    plot_choose_config(c);
    if (!c->scheme)
        return plot_no_config(c);
    struct overhead o = {0};
    o.bars = calloc(c->nrows + 1, sizeof(*o.bars));
    if (!o.bars)
        return plot_bad("out of memory");
    overhead_bars(c, &o);
    FILE *d = plot_data_open(c, "overhead.dat");
    if (!d) {
        overhead_free(&o);
        return VKMMU_EXIT_FAILED;
    }
    size_t cap = c->nwl * (o.nb + 1) + 1;
    o.lo = calloc(cap * NCOMP, sizeof(double)), o.hi = calloc(cap * NCOMP, sizeof(double));
    o.xs = calloc(cap, sizeof(double)), o.tot = calloc(cap, sizeof(double));
    o.gpos = calloc(c->nwl + 1, sizeof(double));
    o.xl = calloc(cap, sizeof(*o.xl)), o.gl = calloc(c->nwl + 1, sizeof(*o.gl));
    o.lbuf = calloc(cap, sizeof(*o.lbuf));
    if (!o.lo || !o.hi || !o.xs || !o.tot || !o.gpos || !o.xl || !o.gl || !o.lbuf) {
        fclose(d);
        overhead_free(&o);
        return plot_bad("out of memory");
    }
    overhead_stack(c, &o);
    int rc = 0;
    if (!o.n) {
        rc = plot_nothing(c,
                          "no %s/%s results with a native baseline (run vkmmu "
                          "with --json or --csv; the overhead needs cycles.total against native)",
                          c->scheme, c->dirty);
        fclose(d);
    } else {
        int index[NCOMP];
        int nidx = overhead_data(&o, d, index);
        fclose(d);
        overhead_script(c, &o, index, nidx);
    }
    overhead_free(&o);
    return rc;
}

/* ---- accuracy against coverage ---- */

static const int wl_pt[] = {7, 5, 9, 13, 11, 15, 4, 6};

/* The policies of accuracy.dat and what the script needs of it. */
struct accuracy {
    const char **titles;
    int *lts;
    struct plot_window_point *wp;
    double *wacc;
    size_t ns, points, no_none, nlines;
    double xmin, xmax;
};

/* Writes the policies' blocks of accuracy.dat: per policy but none, a point per workload
 * (coverage against none, accuracy), point type by workload. */
static void accuracy_points(const struct plot_ctx *c, FILE *d, const char **pol, size_t np,
                            struct accuracy *a)
{
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
                a->no_none++;
                continue;
            }
            double r0 = (double)none->r->c[MMU_C_fault_reflected];
            double cov = plot_percent(r0 - (double)row->r->c[MMU_C_fault_reflected], r0);
            double acc = plot_percent((double)row->r->c[MMU_C_prefault_used],
                                      (double)row->r->c[MMU_C_prefault_issued]);
            if (!isfinite(cov) || !isfinite(acc))
                continue;
            if (!here)
                fprintf(d, "%s# %s\n", a->ns ? "\n\n" : "", pol[j]);
            fprintf(d, "%.6g %.6g %d\n", cov, acc, wl_pt[w % 8]);
            a->xmin = fmin(a->xmin, cov);
            a->xmax = fmax(a->xmax, cov);
            here++;
        }
        if (here) {
            a->titles[a->ns] = pol[j];
            a->lts[a->ns] = (int)(j % 8) + 1;
            a->ns++;
            a->points += here;
        }
    }
}

/* Window sizes of a workload joined by a thin line, in window order (one block per
 * workload after the policies' blocks). */
static void accuracy_window_lines(const struct plot_ctx *c, FILE *d, struct accuracy *a)
{
    for (size_t w = 0; w < c->nwl && a->points; w++) {
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
                !plot_parse_window(r->policy, &wn, &v) || *v || r->c[MMU_C_prefault_issued] == 0)
                continue;
            a->wp[k].v = plot_percent(r0 - (double)r->c[MMU_C_fault_reflected], r0);
            a->wacc[k] = plot_percent((double)r->c[MMU_C_prefault_used],
                                      (double)r->c[MMU_C_prefault_issued]);
            /* the sort moves wp only: its key is the window, then the index into wacc */
            a->wp[k].n = wn * 1024u + (unsigned)k;
            k++;
        }
        if (k < 2)
            continue;
        qsort(a->wp, k, sizeof(*a->wp), plot_window_point_compare);
        fprintf(d, "\n\n# windows of %s\n", c->wls[w]);
        for (size_t i = 0; i < k; i++)
            fprintf(d, "%.6g %.6g\n", a->wp[i].v, a->wacc[a->wp[i].n % 1024u]);
        a->nlines++;
    }
}

static void accuracy_script(struct plot_ctx *c, const struct accuracy *a)
{
    FILE *g = c->gp;
    size_t ns = a->ns;
    plot_gp_array(g, "P", a->titles, ns);
    fputs("array LT[|P|]\n", g);
    for (size_t s = 0; s < ns; s++)
        fprintf(g, "LT[%zu] = %d\n", s + 1, a->lts[s]);
    fprintf(g, "set xrange [%.6g:%.6g]\nset yrange [-3:103]\n", a->xmin - 3, a->xmax + 3);
    fputs("set xlabel 'coverage: reflections removed against none (%)'\n"
          "set ylabel 'accuracy: prefaults used / issued (%)'\n"
          "set grid xtics ytics lw 0.5 lc rgb '#dddddd'\n",
          g);
    fputs(plot_key_below, g);
    fputs("plot ", g);
    for (size_t l = 0; l < a->nlines; l++)
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
    if (a->nlines)
        fputs(", \\\n     NaN with lines lw 0.8 lc rgb '#bbbbbb' title 'window:N in order'", g);
    fputs("\n", g);
    c->h_default =
        2.9 + 0.15 * (double)((ns + (c->nwl > 1 ? c->nwl : 0) + (a->nlines ? 1 : 0) + 2) / 3);
}

int plot_kind_accuracy(struct plot_ctx *c)
{
    plot_choose_config(c);
    size_t np;
    const char **pol = plot_policies(c, &np);
    if (!pol || !np) {
        free(pol);
        return plot_no_config(c);
    }
    FILE *d = plot_data_open(c, "accuracy.dat");
    if (!d) {
        free(pol);
        return VKMMU_EXIT_FAILED;
    }
    struct accuracy a = {.xmin = 0, .xmax = 100};
    a.titles = calloc(np + 1, sizeof(*a.titles));
    a.lts = calloc(np + 1, sizeof(*a.lts));
    a.wp = calloc(c->nrows + 1, sizeof(*a.wp));
    a.wacc = calloc(c->nrows + 1, sizeof(double));
    int rc = 0;
    if (!a.titles || !a.lts || !a.wp || !a.wacc) {
        fclose(d);
        rc = plot_bad("out of memory");
        goto out;
    }
    accuracy_points(c, d, pol, np, &a);
    accuracy_window_lines(c, d, &a);
    fclose(d);
    if (!a.points) {
        rc = plot_nothing(c,
                          "accuracy needs policies that prefault and the policy "
                          "none of the same scheme, dirty strategy and workload (%s/%s%s)",
                          c->scheme, c->dirty, a.no_none ? "; none is missing" : "");
        goto out;
    }
    if (a.no_none)
        fprintf(stderr, "vkmmu plot: %zu results skipped: their workload has no %s/none/%s\n",
                a.no_none, c->scheme, c->dirty);
    accuracy_script(c, &a);
out:
    free(pol), free(a.titles), free(a.lts), free(a.wp), free(a.wacc);
    return rc;
}

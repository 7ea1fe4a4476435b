/* tools/plot_kinds.c - the figures of `vkmmu plot` (plot_internal.h): what the kinds share,
 * and the kinds policies and timeline.  Each kind turns the loaded results into data files and
 * gnuplot commands.  Formulas: docs/plotting.md. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "plot_internal.h"

/* ---- helpers ---- */

/* "vkmmu plot: FILE[ and N more]: nothing to plot: ..."; returns VKMMU_EXIT_USAGE. */
int plot_nothing(const struct plot_ctx *c, const char *fmt, ...)
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

int plot_no_config(const struct plot_ctx *c)
{
    return plot_nothing(c, "no results of scheme %s and dirty strategy %s",
                        c->want_scheme ? c->want_scheme : "(any)",
                        c->want_dirty ? c->want_dirty : "(any)");
}

/* Writes `array NAME[n] = ['a', 'b']`. */
void plot_gp_array(FILE *g, const char *name, const char *const *items, size_t n)
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
void plot_gp_tics(FILE *g, const char *axis, const char *const *labels, const double *pos,
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
bool plot_parse_window(const char *policy, unsigned *n, const char **variant)
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

double plot_percent(double a, double b)
{
    return b > 0 ? 100.0 * a / b : NAN;
}

/* Overhead (%) of a row against its workload's native total; the file's value otherwise. */
double plot_row_overhead(const struct plot_ctx *c, const struct rr_result *r)
{
    double n = plot_native_total(c, r->workload);
    if (isfinite(n) && n > 0)
        return 100.0 * ((double)r->c[MMU_C_cycles_total] / n - 1.0);
    return isfinite(r->overhead) ? 100.0 * r->overhead : NAN;
}

const char plot_key_below[] = "set key below center horizontal Left reverse samplen 1.5 "
                               "spacing 1.0 width 0.5 maxrows 3\n";


int plot_window_point_compare(const void *a, const void *b)
{
    const struct plot_window_point *x = a, *y = b;
    return (x->n > y->n) - (x->n < y->n);
}

/* ---- policies: reflections and dirty-bit traps per 1000 instructions ---- */

/* What policies.dat holds, for the script. */
struct policies_data {
    size_t points;
    double ymax;
    bool traps;
};

/* Writes policies.dat: a block per policy drawn, one bar per workload at offset bw within its
 * group.  pol is compacted to the policies drawn (*np their count): gnuplot merges an empty
 * block with the next. */
static void policies_data(struct plot_ctx *c, FILE *d, const char **pol, size_t *np, double bw,
                          struct policies_data *out)
{
    fprintf(d, "# x reflections reflections+dirty_traps (%s) workload policy\n", plot_rate_unit(c));
    size_t drawn = 0;
    for (size_t j = 0; j < *np; j++) {
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
                    (double)i + ((double)j - (double)(*np - 1) / 2.0) * bw, refl, refl + tr, wt, pt);
            out->traps |= tr > 0;
            if (refl + tr > out->ymax)
                out->ymax = refl + tr;
            out->points++;
        }
        if (here)
            pol[drawn++] = pol[j];
    }
    *np = drawn;
}

/* The workloads as x tics, rotated when their labels would not fit. */
static void policies_tics(const struct plot_ctx *c, FILE *g)
{
    double *pos = malloc(c->nwl * sizeof(*pos));
    for (size_t i = 0; pos && i < c->nwl; i++)
        pos[i] = (double)i;
    size_t chars = 0;
    for (size_t i = 0; i < c->nwl; i++)
        chars += strlen(c->wls[i]) + 2;
    /* About 36 characters of 8 pt text fit under a 3.5 in plot: rotate longer tic labels. */
    if (pos)
        plot_gp_tics(g, "x", c->wls, pos, c->nwl,
                     (double)chars > 10.0 * c->w_in ? "scale 0 rotate by 30 right " : "scale 0 ");
    free(pos);
}

int plot_kind_policies(struct plot_ctx *c)
{
    plot_choose_config(c);
    size_t np;
    const char **pol = plot_policies(c, &np);
    if (!pol || !np) {
        free(pol);
        return plot_no_config(c);
    }
    FILE *d = plot_data_open(c, "policies.dat");
    if (!d) {
        free(pol);
        return VKMMU_EXIT_FAILED;
    }
    double bw = 0.8 / (double)np;
    struct policies_data data = {0};
    policies_data(c, d, pol, &np, bw, &data);
    fclose(d);
    if (!data.points) {
        free(pol);
        return plot_nothing(c, "the %s/%s results count no accesses", c->scheme, c->dirty);
    }
    FILE *g = c->gp;
    policies_tics(c, g);
    plot_gp_array(g, "P", pol, np);
    fprintf(g, "BW = %.6g\n", bw);
    fprintf(g, "set xrange [-0.5:%.1f]\n", (double)c->nwl - 0.5);
    fprintf(g, "set yrange [0:%.6g]\n", data.ymax > 0 ? data.ymax * 1.05 : 1.0);
    fprintf(g, "set ylabel '%s %s'\n", data.traps ? "reflections, traps" : "reflections",
            plot_rate_unit(c));
    fputs(plot_key_below, g);
    fputs("set style fill solid 1.0 border lc rgb '#333333'\n"
          "plot for [j=1:|P|] 'policies.dat' index (j-1) using 1:2:(BW) with boxes lt j "
          "title P[j]",
          g);
    if (data.traps)
        fputs(", \\\n     for [j=1:|P|] 'policies.dat' index (j-1) "
              "using 1:(($2+$3)/2):($1-BW/2):($1+BW/2):2:3 with boxxyerror "
              "fs pattern 4 border lc rgb '#333333' lc rgb '#333333' notitle, \\\n"
              "     NaN with boxes fs pattern 4 border lc rgb '#333333' lc rgb '#333333' "
              "title 'dirty-bit traps'",
              g);
    fputs("\n", g);
    size_t sl = strlen(c->sel);
    snprintf(c->sel + sl, sizeof(c->sel) - sl, "; bars: reflections%s",
             data.traps ? " + dirty-bit traps" : "");
    c->h_default = 2.6 + 0.15 * (double)((np + (data.traps ? 1 : 0) + 2) / 3);
    free(pol);
    return 0;
}

/* ---- timeline: reflections per interval ---- */

/* The series of the timeline: title, line type and dash type of each. */
struct timeline_series {
    const char **titles;
    char (*tbuf)[160];
    int *lts, *dts;
    size_t n;
    const char *unit; /* of the interval ends, from the first file with a timeline */
    double xend;      /* the last interval end */
};

/* One series of timeline.dat: the reflections of each interval of row, as steps (a last row
 * closes the last step). */
static void timeline_block(FILE *d, const struct plot_row *row, struct timeline_series *ts)
{
    const struct rr_point *t = row->r->timeline;
    double start = 0;
    uint64_t prev = 0, cnt = 0;
    for (size_t k = 0; k < row->r->ntimeline; k++) {
        uint64_t cur = t[k].c[MMU_C_fault_reflected];
        cnt = cur >= prev ? cur - prev : 0;
        fprintf(d, "%.17g %llu\n", start, (unsigned long long)cnt);
        prev = cur;
        start = t[k].end;
    }
    ts->xend = start > ts->xend ? start : ts->xend;
    fprintf(d, "%.17g %llu\n", start, (unsigned long long)cnt);
}

/* Writes timeline.dat: a block per workload x policy that carries a timeline. */
static void timeline_data(const struct plot_ctx *c, FILE *d, const char **pol, size_t np,
                          struct timeline_series *ts)
{
    fputs("# interval_start reflections_in_interval (a last row closes the step)\n", d);
    for (size_t w = 0; w < c->nwl; w++)
        for (size_t j = 0; j < np; j++) {
            const struct plot_row *row = plot_find(c, c->wls[w], c->scheme, pol[j], c->dirty);
            if (!row || !row->r->ntimeline)
                continue;
            if (!ts->unit)
                ts->unit = row->f->timeline_unit;
            fprintf(d, "%s# %s %s\n", ts->n ? "\n\n" : "", c->wls[w], pol[j]);
            timeline_block(d, row, ts);
            size_t ns = ts->n;
            if (c->nwl > 1)
                snprintf(ts->tbuf[ns], sizeof(ts->tbuf[ns]), "%s %s", c->wls[w], pol[j]);
            else
                snprintf(ts->tbuf[ns], sizeof(ts->tbuf[ns]), "%s", pol[j]);
            ts->titles[ns] = ts->tbuf[ns];
            ts->lts[ns] = (int)(j % 8) + 1;
            ts->dts[ns] = (int)(w % 5) + 1;
            ts->n++;
        }
}

static void timeline_script(struct plot_ctx *c, const struct timeline_series *ts)
{
    FILE *g = c->gp;
    size_t ns = ts->n;
    plot_gp_array(g, "S", ts->titles, ns);
    fputs("array LT[|S|]\narray DT[|S|]\n", g);
    for (size_t s = 0; s < ns; s++)
        fprintf(g, "LT[%zu] = %d; DT[%zu] = %d\n", s + 1, ts->lts[s], s + 1, ts->dts[s]);
    /* Plain numbers on the axis: large runs in thousands or millions, said in the label. */
    double xend = ts->xend;
    double xs = xend >= 2e6 ? 1e6 : xend >= 2e4 ? 1e3 : 1;
    fprintf(g, "XS = %g\nset xlabel 'position in the run (%s%s)'\n", xs,
            xs == 1e6   ? "million "
            : xs == 1e3 ? "thousand "
                        : "",
            ts->unit ? ts->unit : "interval ends");
    fputs("set ylabel 'reflections per interval'\nset yrange [0:*]\nset xrange [0:*]\n", g);
    fputs(plot_key_below, g);
    fputs("plot for [s=1:|S|] 'timeline.dat' index (s-1) using ($1/XS):2 with steps lt LT[s] "
          "dt DT[s] lw 1.2 title S[s]\n",
          g);
    c->h_default = 2.6 + 0.15 * (double)((ns + 2) / 3);
}

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
        return plot_no_config(c);
    size_t np;
    const char **pol = plot_policies(c, &np);
    if (!pol)
        return plot_bad("out of memory");
    size_t cap = c->nwl * np + 1;
    struct timeline_series ts = {0};
    ts.titles = calloc(cap, sizeof(*ts.titles));
    ts.tbuf = calloc(cap, sizeof(*ts.tbuf));
    ts.lts = calloc(cap, sizeof(int));
    ts.dts = calloc(cap, sizeof(int));
    FILE *d = plot_data_open(c, "timeline.dat");
    int rc = 0;
    if (!ts.titles || !ts.tbuf || !ts.lts || !ts.dts || !d) {
        if (d)
            fclose(d);
        rc = d ? plot_bad("out of memory") : VKMMU_EXIT_FAILED;
    } else {
        timeline_data(c, d, pol, np, &ts);
        fclose(d);
        if (!ts.n)
            rc = plot_nothing(c,
                              "no %s/%s result carries a timeline (rerun vkmmu with "
                              "--interval N)",
                              c->scheme, c->dirty);
        else
            timeline_script(c, &ts);
    }
    free(pol), free(ts.titles), free(ts.tbuf), free(ts.lts), free(ts.dts);
    return rc;
}

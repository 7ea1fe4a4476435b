/* tools/plot_kind_arch.c - the kind arch of `vkmmu plot`: i386 against x86-64 for the
 * workloads present under both names (NAME and NAME-64, or bb-X and bb64-X), in three panels
 * of grouped bars: walk references per reflected fault, page-table pages allocated
 * (vk.pt_alloc), and the overhead against native.  One scheme/policy/dirty selection.  Formulas: docs/plotting.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "plot_internal.h"

#define ARCH_NPAN 3
static const char *const arch_ylabel[ARCH_NPAN] = {"walk refs / reflection", "PT pages",
                                                   "overhead (%)"};

/* One workload drawn: its name and the value of each panel, i386 and x86-64. */
struct arch_pair {
    const char *name;
    double v[ARCH_NPAN][2];
};

/* The policy drawn: the first of --policy, else none when the selection has it, else the
 * first policy of the selection; NULL when the selection has none. */
static const char *arch_policy(const struct plot_ctx *c)
{
    size_t np;
    const char **pol = plot_policies(c, &np);
    const char *p = NULL;
    for (size_t j = 0; pol && j < np && !p; j++)
        if (!strcmp(pol[j], "none"))
            p = pol[j];
    if (!p && pol && np)
        p = pol[0];
    free(pol);
    return p;
}

/* The three values of a row: refs per reflection, pt_alloc, overhead (%). */
static void arch_values(const struct plot_ctx *c, const struct rr_result *r, double v[ARCH_NPAN])
{
    double refl = (double)r->c[MMU_C_fault_reflected];
    v[0] = refl > 0 ? (double)r->c[MMU_C_walk_refs] / refl : NAN;
    v[1] = (double)r->c[MMU_C_vk_pt_alloc];
    v[2] = plot_row_overhead(c, r);
}

/* The pairs: every workload W with a row of the selection under both W and W-64 (bb-X and
 * bb64-X for the demo's busybox runs), in order of appearance.  The count. */
static size_t arch_pairs(const struct plot_ctx *c, const char *pol, struct arch_pair *out)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nwl; i++) {
        const char *w = c->wls[i];
        size_t len = strlen(w);
        if ((len > 3 && !strcmp(w + len - 3, "-64")) || !strncmp(w, "bb64-", 5))
            continue;
        char w64[256];
        snprintf(w64, sizeof w64, "%s-64", w);
        const struct plot_row *a = plot_find(c, w, c->scheme, pol, c->dirty);
        const struct plot_row *b = plot_find(c, w64, c->scheme, pol, c->dirty);
        if (!b && !strncmp(w, "bb-", 3)) { /* the demo's busybox runs: bb-X and bb64-X */
            snprintf(w64, sizeof w64, "bb64-%s", w + 3);
            b = plot_find(c, w64, c->scheme, pol, c->dirty);
        }
        if (!a || !b)
            continue;
        double va[ARCH_NPAN], vb[ARCH_NPAN];
        arch_values(c, a->r, va);
        arch_values(c, b->r, vb);
        out[n].name = w;
        for (int k = 0; k < ARCH_NPAN; k++) {
            out[n].v[k][0] = va[k];
            out[n].v[k][1] = vb[k];
        }
        n++;
    }
    return n;
}

/* Writes arch.dat: a block per panel, a line per workload (x, i386, x86-64, name; NaN where a
 * value is undefined). */
static void arch_data(FILE *d, const struct arch_pair *p, size_t n)
{
    fputs("# x i386 x86-64 workload; blocks: walk refs per reflected fault, vk.pt_alloc, "
          "overhead %\n",
          d);
    for (int k = 0; k < ARCH_NPAN; k++) {
        fprintf(d, "%s# %s\n", k ? "\n\n" : "", arch_ylabel[k]);
        for (size_t i = 0; i < n; i++) {
            char wt[96];
            plot_token(wt, sizeof wt, p[i].name);
            fprintf(d, "%zu %.6g %.6g %s\n", i, p[i].v[k][0], p[i].v[k][1], wt);
        }
    }
}

/* The y range of panel k: from min(0, lowest) to the highest, with 8% headroom. */
static void arch_range(FILE *g, const struct arch_pair *p, size_t n, int k)
{
    double lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++)
        for (int a = 0; a < 2; a++)
            if (isfinite(p[i].v[k][a])) {
                lo = fmin(lo, p[i].v[k][a]);
                hi = fmax(hi, p[i].v[k][a]);
            }
    if (hi <= lo)
        hi = lo + 1;
    fprintf(g, "set yrange [%.6g:%.6g]\n", lo < 0 ? lo * 1.08 : 0.0, hi > 0 ? hi * 1.08 : 0.0);
}

/* The script: three panels sharing the workload axis, the legend on top. */
static void arch_script(struct plot_ctx *c, const struct arch_pair *p, size_t n)
{
    FILE *g = c->gp;
    const char **names = malloc(n * sizeof *names);
    double *pos = malloc(n * sizeof *pos);
    size_t chars = 0;
    for (size_t i = 0; names && pos && i < n; i++) {
        names[i] = p[i].name;
        pos[i] = (double)i;
        chars += strlen(p[i].name) + 2;
    }
    /* About 36 characters of 8 pt text fit under a 3.5 in plot: rotate longer tic labels,
     * steeper when there are many. */
    bool rotate = (double)chars > 10.0 * c->w_in, steep = (double)chars > 20.0 * c->w_in;
    double panel = 1.05, top = 0.3, bottom = steep ? 0.65 : rotate ? 0.55 : 0.35, gap = 0.12;
    double h = c->h_in > 0 ? c->h_in : top + ARCH_NPAN * panel + (ARCH_NPAN - 1) * gap + bottom;
    c->h_default = h;
    fprintf(g,
            "set multiplot layout %d,1 margins screen %.4f,%.4f,%.4f,%.4f spacing screen 0,%.4f\n",
            ARCH_NPAN, 0.6 / c->w_in, 1 - 0.1 / c->w_in, bottom / h, 1 - top / h, gap / h);
    fprintf(g, "set xrange [-0.5:%.1f]\nset style fill solid 1.0 border lc rgb '#333333'\n"
               "BW = 0.38\n",
            (double)n - 0.5);
    fprintf(g, "set key at screen 0.5, screen %.4f center top horizontal Left reverse "
               "samplen 1.5 width 0.5\n",
            1 - 0.02 / h);
    for (int k = 0; k < ARCH_NPAN; k++) {
        bool last = k + 1 == ARCH_NPAN;
        if (last && names && pos)
            plot_gp_tics(g, "x", names, pos, n,
                         steep    ? "scale 0 rotate by 55 right "
                         : rotate ? "scale 0 rotate by 30 right "
                                  : "scale 0 ");
        else
            fputs("set xtics scale 0 format ''\nset xtics ()\n", g);
        fprintf(g, "set ylabel '%s'\n", arch_ylabel[k]);
        arch_range(g, p, n, k);
        if (k == 1)
            fputs("unset key\n", g);
        fprintf(g, "plot 'arch.dat' index %d using ($1-BW/2):2:(BW) with boxes lt 1 title "
                   "'i386', \\\n     '' index %d using ($1+BW/2):3:(BW) with boxes lt 2 "
                   "title 'x86-64'\n",
                k, k);
    }
    fputs("unset multiplot\n", g);
    free(names), free(pos);
}

int plot_kind_arch(struct plot_ctx *c)
{
    plot_choose_config(c);
    if (!c->scheme)
        return plot_no_config(c);
    const char *pol = arch_policy(c);
    if (!pol)
        return plot_no_config(c);
    struct arch_pair *p = calloc(c->nwl + 1, sizeof *p);
    if (!p)
        return plot_bad("out of memory");
    size_t n = arch_pairs(c, pol, p);
    if (!n) {
        free(p);
        return plot_nothing(c,
                            "no workload has results of both architectures (NAME and NAME-64) "
                            "for %s/%s/%s",
                            c->scheme, pol, c->dirty);
    }
    FILE *d = plot_data_open(c, "arch.dat");
    if (!d) {
        free(p);
        return VKMMU_EXIT_FAILED;
    }
    arch_data(d, p, n);
    fclose(d);
    arch_script(c, p, n);
    size_t sl = strlen(c->sel);
    snprintf(c->sel + sl, sizeof(c->sel) - sl,
             "; policy %s; i386 (NAME) vs x86-64 (NAME-64): walk refs per reflected fault, "
             "vk.pt_alloc, overhead vs native",
             pol);
    free(p);
    return 0;
}

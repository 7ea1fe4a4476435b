/* tools/sweep_cells.c - a sweep's cells (sweep_spec.h, sweep_internal.h): their ids, the
 * child command of each, the derived costs file of a scaled cell and the manifest.
 *
 * A cell is one workload x one value of every axis that needs its own invocation (cost
 * profile, --vk-mem, reflection cost scale).  The model axes (scheme x policy x dirty) go
 * into the cell's single `vkmmu replay` / `vkmmu run`, which evaluates them in one pass. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep_internal.h"

/* 64-bit FNV-1a: the hash part of a cell id (stable across hosts and builds). */
static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ull;
    }
    h ^= 0xff; /* field separator: ("ab","c") and ("a","bc") differ */
    h *= 0x100000001b3ull;
    return h;
}


/* "64M" for 64 MiB, "unl" for unlimited: the vk-mem part of a cell id. */
static void mem_label(uint64_t bytes, char *buf, size_t len)
{
    static const char units[] = "KMGT";
    if (bytes == 0) {
        snprintf(buf, len, "unl");
        return;
    }
    int u = -1;
    while (u < 3 && bytes % 1024 == 0) {
        bytes /= 1024;
        u++;
    }
    if (u < 0)
        snprintf(buf, len, "%" PRIu64, bytes);
    else
        snprintf(buf, len, "%" PRIu64 "%c", bytes, units[u]);
}



/* The costs a cell runs with: the profile with reflect scaled. */
static struct mmu_costs cell_costs(const struct sweep_spec *sp, const struct sweep_cell *c)
{
    struct mmu_costs k = sp->costs[c->c].c;
    k.v[MMU_COST_reflect] *= sp->scales[c->s];
    return k;
}

/* The derived costs file of a scaled cell (DIR/costs/LABEL.rs-SCALE.costs), or NULL when the
 * scale is 1 and the profile is used as written. */
static char *cell_costs_path(const struct sweep_spec *sp, const struct sweep_cell *c, const char *dir)
{
    if (sp->scales[c->s] == 1.0)
        return NULL;
    char sc[32];
    sim_fmt_double(sc, sizeof sc, sp->scales[c->s]);
    return sweep_format("%s/costs/%s.rs-%s.costs", dir, sp->costs[c->c].label, sc);
}

static char *costs_text(const struct sweep_spec *sp, const struct sweep_cell *c)
{
    struct mmu_costs k = cell_costs(sp, c);
    char sc[32], num[40];
    sim_fmt_double(sc, sizeof sc, sp->scales[c->s]);
    struct sweep_text t = {0};
    sweep_text_add(&t, "# written by vkmmu sweep: costs %s with reflect scaled by %s\n",
           sp->costs[c->c].value, sc);
    sim_fmt_double(num, sizeof num, k.clock_ghz);
    sweep_text_add(&t, "clock_ghz = %s\n", num);
    for (size_t i = 0; i < MMU_NCOSTS; i++) {
        sim_fmt_double(num, sizeof num, k.v[i]);
        sweep_text_add(&t, "%s = %s\n", mmu_cost_names[i], num);
    }
    return t.s;
}

/* Writes the derived costs file of a scaled cell unless it already holds the right text. */
int sweep_costs_file_ensure(const struct sweep_spec *sp, const struct sweep_cell *c, const char *dir)
{
    char *path = cell_costs_path(sp, c, dir);
    if (!path)
        return 0;
    char *want = costs_text(sp, c);
    int rc = 0;
    char *have = sweep_read_file(path, NULL);
    if (!have || strcmp(have, want))
        rc = sweep_write_atomic(path, want);
    free(have);
    free(want);
    free(path);
    return rc;
}

/* The argument vector of a cell's child (argv[0] "vkmmu"), outputs to json/csv. */
void sweep_cell_argv(const struct sweep_spec *sp, const struct sweep_cell *c, const char *dir,
                      const char *json, const char *csv, struct sweep_strings *out)
{
    const struct sweep_workload *w = &sp->w[c->w];
    char *j;
    sweep_strings_push(out, "vkmmu");
    sweep_strings_push(out, w->program ? "run" : "replay");
    sweep_strings_push(out, "--scheme");
    sweep_strings_push(out, j = sweep_strings_join(&sp->schemes));
    free(j);
    sweep_strings_push(out, "--policy");
    sweep_strings_push(out, j = sweep_strings_join(&sp->policies));
    free(j);
    sweep_strings_push(out, "--dirty");
    sweep_strings_push(out, j = sweep_strings_join(&sp->dirties));
    free(j);
    sweep_strings_push(out, "--costs");
    char *cp = cell_costs_path(sp, c, dir);
    sweep_strings_push(out, cp ? cp : sp->costs[c->c].value);
    free(cp);
    if (sp->mems[c->m]) {
        char m[32];
        snprintf(m, sizeof m, "%" PRIu64, sp->mems[c->m]);
        sweep_strings_push(out, "--vk-mem");
        sweep_strings_push(out, m);
    }
    for (size_t i = 0; i < sp->args.n; i++)
        sweep_strings_push(out, sp->args.v[i]);
    if (w->program)
        for (size_t i = 0; i < sp->run_args.n; i++)
            sweep_strings_push(out, sp->run_args.v[i]);
    if (json) {
        sweep_strings_push(out, "--json");
        sweep_strings_push(out, json);
    }
    if (csv) {
        sweep_strings_push(out, "--csv");
        sweep_strings_push(out, csv);
    }
    sweep_strings_push(out, "--");
    for (size_t i = 0; i < w->argv.n; i++)
        sweep_strings_push(out, w->argv.v[i]);
}

/* Every cell: workload x costs x vk-mem x reflect-scale, in that nesting order.  The id is
 * readable parameters plus a hash of everything that determines the results (workload,
 * model axes, options, the cost values), so editing the spec never reuses a stale cell. */
struct sweep_cell *sweep_cells_make(const struct sweep_spec *sp, size_t *ncells)
{
    size_t n = sp->nw * sp->ncosts * sp->nmems * sp->nscales, k = 0;
    struct sweep_cell *cells = sweep_malloc(n * sizeof(*cells));
    for (size_t w = 0; w < sp->nw; w++)
        for (size_t c = 0; c < sp->ncosts; c++)
            for (size_t m = 0; m < sp->nmems; m++)
                for (size_t s = 0; s < sp->nscales; s++) {
                    struct sweep_cell *cell = &cells[k++];
                    *cell = (struct sweep_cell){.w = w, .c = c, .m = m, .s = s};
                    /* The hash covers the child's arguments except paths that depend on DIR,
                     * plus the effective cost values. */
                    struct sweep_strings av = {0};
                    sweep_cell_argv(sp, cell, "DIR", NULL, NULL, &av);
                    uint64_t h = 0xcbf29ce484222325ull;
                    for (size_t i = 0; i < av.n; i++)
                        h = fnv1a(h, av.v[i]);
                    struct mmu_costs kc = cell_costs(sp, cell);
                    char num[40];
                    sim_fmt_double(num, sizeof num, kc.clock_ghz);
                    h = fnv1a(h, num);
                    for (size_t i = 0; i < MMU_NCOSTS; i++) {
                        sim_fmt_double(num, sizeof num, kc.v[i]);
                        h = fnv1a(h, num);
                    }
                    sweep_strings_free(&av);
                    char ml[32], sc[32];
                    mem_label(sp->mems[m], ml, sizeof ml);
                    sim_fmt_double(sc, sizeof sc, sp->scales[s]);
                    cell->id = sweep_format("%s.%s.mem-%s.rs-%s.%08" PRIx32, sp->w[w].name,
                                    sp->costs[c].label, ml, sc, (uint32_t)(h ^ (h >> 32)));
                }
    *ncells = n;
    return cells;
}

void sweep_cells_free(struct sweep_cell *cells, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(cells[i].id);
    free(cells);
}

bool sweep_cell_complete(const char *dir, const struct sweep_cell *c)
{
    char *j = sweep_format("%s/cells/%s.json", dir, c->id), *v = sweep_format("%s/cells/%s.csv", dir, c->id);
    bool ok = sweep_file_exists(j) && sweep_file_exists(v);
    free(j);
    free(v);
    return ok;
}

/* The manifest merge reads: one line per cell of the current spec. */
int sweep_manifest_write(const struct sweep_spec *sp, const struct sweep_cell *cells, size_t n,
                          const char *dir)
{
    struct sweep_text t = {0};
    sweep_text_add(&t, "cell\tworkload\tcosts\tvk_mem\treflect_scale\n");
    for (size_t i = 0; i < n; i++) {
        char sc[32];
        sim_fmt_double(sc, sizeof sc, sp->scales[cells[i].s]);
        sweep_text_add(&t, "%s\t%s\t%s\t%" PRIu64 "\t%s\n", cells[i].id, sp->w[cells[i].w].name,
               sp->costs[cells[i].c].label, sp->mems[cells[i].m], sc);
    }
    char *path = sweep_format("%s/cells.tsv", dir);
    int rc = sweep_write_atomic(path, t.s);
    free(path);
    free(t.s);
    return rc;
}

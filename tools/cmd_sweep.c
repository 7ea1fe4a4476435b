/* tools/cmd_sweep.c - `vkmmu sweep SPEC`: workloads x configurations from a spec file
 * (sweep_spec.c), one result pair (JSON + CSV) per cell (sweep_cells.c), resumable, run
 * locally with -j N or emitted as a GNU parallel job list or a Slurm job array (sweep_run.c).
 * The spec format and the directory layout are documented in docs/sweeps.md. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sweep_internal.h"
#include "tools.h"

enum { SWEEP_JOBS = 1, SWEEP_OUTPUT, SWEEP_EMIT, SWEEP_CELL, SWEEP_MAX_CELLS, SWEEP_LIST, SWEEP_HELP };

static const struct opt sweep_options[] = {
    {NULL, 'j', "N", "cells run at once (default: the number of CPUs)", SWEEP_JOBS},
    {NULL, 'o', "DIR",
     "results directory (default: SPEC's name without extension\n"
     "+ -results, in the current directory)",
     SWEEP_OUTPUT},
    {"emit", 0, "parallel", "write DIR/jobs.txt, one command per cell, for GNU parallel",
     SWEEP_EMIT},
    /* The help's second line of --emit: getopt_long takes the first entry of a name. */
    {"emit", 0, "slurm",
     "write DIR/sweep.sbatch, a Slurm job array (one task per cell;\n"
     "-j N throttles it to N tasks at once)",
     SWEEP_EMIT},
    {"cell", 0, "ID", "run that one cell (what the emitted jobs run)", SWEEP_CELL},
    {"max-cells", 0, "N", "start at most N cells, then stop (batches; tests)", SWEEP_MAX_CELLS},
    {"list", 0, NULL, "print the cell ids and exit", SWEEP_LIST},
    {"help", 'h', NULL, "this text", SWEEP_HELP},
    OPT_END,
};
static const struct opt *const sweep_tables[] = {sweep_options, NULL};

static void sweep_usage(FILE *out)
{
    fputs("usage: vkmmu sweep SPEC [-j N] [-o DIR] [--emit parallel|slurm]\n"
          "Runs every cell of the sweep described by SPEC (docs/sweeps.md): one workload x one\n"
          "cost profile x one --vk-mem x one reflection cost scale per cell, all the spec's\n"
          "schemes x policies x dirty strategies in the cell's single replay/run.  Results go\n"
          "to DIR/cells/CELL.{json,csv}; complete cells are skipped, so running the same\n"
          "command again resumes an interrupted sweep.  Merge with `vkmmu merge DIR`.\n"
          "\n"
          "options:\n",
          out);
    opt_usage(sweep_tables, out);
    fputs("\n"
          "exit status: 0 every cell complete (or --max-cells reached), 1 a cell failed,\n"
          "2 bad usage or bad spec, 130 interrupted (resumable)\n",
          out);
}

/* The command line of vkmmu sweep. */
struct sweep_args {
    const char *spec_path, *dir, *emit_kind, *cell;
    unsigned long jobs, max_cells; /* 0 when not given */
    bool list;
};

static int parse_count(const char *s, unsigned long max, unsigned long *out)
{
    uint64_t v;
    if (sim_parse_uint(s, 1, max, &v) < 0)
        return -1;
    *out = (unsigned long)v;
    return 0;
}

static int sweep_option(void *ctx, const struct opt *o, const char *v)
{
    struct sweep_args *a = ctx;
    if (o->value && !v)
        return 0; /* "--name: missing value" */
    switch (o->id) {
    case SWEEP_JOBS:
        if (parse_count(v, 1024, &a->jobs) < 0) {
            fprintf(stderr, "vkmmu sweep: -j: bad count '%s' (expected 1 to 1024)\n", v);
            return VKMMU_EXIT_USAGE;
        }
        break;
    case SWEEP_OUTPUT:
        a->dir = v;
        break;
    case SWEEP_EMIT:
        if (strcmp(v, "parallel") && strcmp(v, "slurm")) {
            fprintf(stderr, "vkmmu sweep: --emit: expected parallel or slurm, got '%s'\n", v);
            return VKMMU_EXIT_USAGE;
        }
        a->emit_kind = v;
        break;
    case SWEEP_CELL:
        a->cell = v;
        break;
    case SWEEP_MAX_CELLS:
        if (parse_count(v, ULONG_MAX, &a->max_cells) < 0) {
            fprintf(stderr, "vkmmu sweep: --max-cells: bad count '%s' (expected 1 to %lu)\n", v,
                    ULONG_MAX);
            return VKMMU_EXIT_USAGE;
        }
        break;
    case SWEEP_LIST:
        a->list = true;
        break;
    case SWEEP_HELP:
        sweep_usage(stdout);
        return OPT_EXIT_OK;
    }
    return 0;
}

/* Parses argv into *a; 0, or the exit status after printing the reason. */
static int sweep_parse_args(int argc, char **argv, struct sweep_args *a)
{
    int first;
    int st = opt_parse("sweep", sweep_tables, OPT_OPERANDS_MIXED, argc, argv, sweep_option, a,
                       &first);
    if (st)
        return st == OPT_EXIT_OK ? VKMMU_EXIT_OK : st;
    if (argc - first > 1) {
        fprintf(stderr, "vkmmu sweep: one SPEC only ('%s' and '%s')\n", argv[first],
                argv[first + 1]);
        return VKMMU_EXIT_USAGE;
    }
    a->spec_path = first < argc ? argv[first] : NULL;
    if (!a->spec_path) {
        fprintf(stderr, "vkmmu sweep: missing SPEC (see vkmmu sweep --help)\n");
        return VKMMU_EXIT_USAGE;
    }
    if (a->emit_kind && a->cell) {
        fprintf(stderr, "vkmmu sweep: --emit and --cell exclude each other\n");
        return VKMMU_EXIT_USAGE;
    }
    return 0;
}

/* Refuses a results directory whose files (DIR itself, cells.tsv, jobs.txt, sweep.sbatch)
 * would overwrite the spec, a workload or a costs file. */
static int sweep_check_paths(const struct sweep_spec *sp, const char *dir)
{
    struct sim_paths paths;
    struct sweep_strings names = {0};
    sim_paths_init(&paths);
    sim_paths_add(&paths, "SPEC", sp->path, SIM_PATH_IN);
    for (size_t i = 0; i < sp->nw + sp->ncosts; i++) {
        bool w = i < sp->nw; /* a costs value is a file only when one exists */
        char *p = sweep_spec_path(sp, w ? sp->w[i].argv.v[0] : sp->costs[i - sp->nw].value);
        if (w || access(p, F_OK) == 0)
            sweep_strings_push(&names, p);
        free(p);
    }
    for (size_t i = 0; i < names.n; i++)
        sim_paths_add(&paths, "an input of SPEC", names.v[i], SIM_PATH_IN);
    sim_paths_add(&paths, "-o", dir, SIM_PATH_OUT);
    char *out[3] = {sweep_format("%s/cells.tsv", dir), sweep_format("%s/jobs.txt", dir),
                    sweep_format("%s/sweep.sbatch", dir)};
    for (size_t i = 0; i < 3; i++)
        sim_paths_add(&paths, "a file of -o", out[i], SIM_PATH_OUT_TMP);
    int rc = sim_paths_check(&paths, "sweep");
    sim_paths_fini(&paths);
    for (size_t i = 0; i < 3; i++)
        free(out[i]);
    sweep_strings_free(&names);
    return rc;
}

/* The results directory, created and made absolute (children run in the spec's directory
 * and emitted jobs anywhere); NULL after printing the reason, *status the exit status. */
static char *results_dir(const struct sweep_spec *sp, const struct sweep_args *a, int *status)
{
    char *dir;
    if (a->dir) {
        dir = sweep_strdup(a->dir);
    } else {
        const char *b = strrchr(a->spec_path, '/');
        char *stem = sweep_strdup(b ? b + 1 : a->spec_path), *dot = strrchr(stem, '.');
        if (dot && dot != stem)
            *dot = '\0';
        dir = sweep_format("%s-results", stem);
        free(stem);
    }
    if ((*status = sweep_check_paths(sp, dir)) != VKMMU_EXIT_OK) {
        free(dir);
        return NULL;
    }
    *status = VKMMU_EXIT_FAILED;
    if (sweep_make_dirs(dir) < 0) {
        free(dir);
        return NULL;
    }
    char rp[PATH_MAX];
    if (!realpath(dir, rp)) {
        fprintf(stderr, "vkmmu sweep: %s: %s\n", dir, strerror(errno));
        free(dir);
        return NULL;
    }
    free(dir);
    *status = VKMMU_EXIT_OK;
    return sweep_strdup(rp);
}

/* --cell ID: that one cell, run synchronously. */
static int run_named_cell(const struct sweep_spec *sp, const struct sweep_cell *cells,
                          size_t ncells, const char *dir, const char *id)
{
    for (size_t i = 0; i < ncells; i++)
        if (!strcmp(cells[i].id, id))
            return sweep_run_one(sp, &cells[i], dir);
    fprintf(stderr, "vkmmu sweep: --cell %s: no such cell in %s (see --list)\n", id, sp->path);
    return VKMMU_EXIT_USAGE;
}

/* The cells listed, run (one, or all locally) or emitted as jobs. */
static int sweep_cells(const struct sweep_spec *sp, const struct sweep_cell *cells, size_t ncells,
                       const struct sweep_args *a)
{
    if (a->list) {
        for (size_t i = 0; i < ncells; i++)
            printf("%s\n", cells[i].id);
        return VKMMU_EXIT_OK;
    }
    int status;
    char *dir = results_dir(sp, a, &status);
    if (!dir)
        return status;
    unsigned long jobs = a->jobs;
    if (!jobs) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = n > 0 ? (unsigned long)n : 1;
    }
    if (a->cell)
        status = run_named_cell(sp, cells, ncells, dir, a->cell);
    else if (sweep_manifest_write(sp, cells, ncells, dir) < 0)
        status = VKMMU_EXIT_FAILED;
    else if (a->emit_kind)
        status = sweep_emit(sp, cells, ncells, dir, a->emit_kind, (unsigned)jobs, a->jobs != 0);
    else
        status = sweep_run_local(sp, cells, ncells, dir, (unsigned)jobs, a->max_cells);
    free(dir);
    return status;
}

int cmd_sweep(int argc, char **argv)
{
    struct sweep_args a = {0};
    int status = sweep_parse_args(argc, argv, &a);
    if (status || !a.spec_path) /* bad usage, or --help printed */
        return status;
    struct sweep_spec sp;
    if (sweep_spec_parse(&sp, a.spec_path) < 0)
        return VKMMU_EXIT_USAGE;
    size_t ncells;
    struct sweep_cell *cells = sweep_cells_make(&sp, &ncells);
    status = sweep_cells(&sp, cells, ncells, &a);
    sweep_cells_free(cells, ncells);
    sweep_spec_fini(&sp);
    return status;
}

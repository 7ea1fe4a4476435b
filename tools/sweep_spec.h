/* tools/sweep_spec.h - a sweep's spec file (docs/sweeps.md) parsed, and its cells: one
 * workload x one cost profile x one --vk-mem x one reflection cost scale each, the model axes
 * (scheme x policy x dirty) all in the cell's single replay/run. */
#ifndef VKMMU_SWEEP_SPEC_H
#define VKMMU_SWEEP_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"
#include "sweep_util.h"

struct sweep_workload {
    char *name;
    bool program;               /* program = NAME PATH ARGS... (vkmmu run), else trace = NAME PATH */
    struct sweep_strings argv;  /* PATH then ARGS, as written (relative to the spec's directory) */
    unsigned line;
};

struct sweep_costs {
    char *label; /* profile name, or the file's name without directory and extension */
    char *value; /* what --costs receives (a profile name or a path as written) */
    struct mmu_costs c;
};

struct sweep_spec {
    char *path; /* absolute */
    char *dir;  /* absolute; children run here, so relative paths are the spec's */
    struct sweep_workload *w;
    size_t nw;
    struct sweep_strings schemes, policies, dirties;
    struct sweep_costs *costs;
    size_t ncosts;
    uint64_t *mems; /* bytes; 0 = unlimited */
    size_t nmems;
    double *scales;
    size_t nscales;
    struct sweep_strings args, run_args; /* [options] args = ..., run-args = ... */
};

struct sweep_cell {
    char *id;
    size_t w, c, m, s; /* indices into the spec's axes */
};

/* Parses the spec file at path into *spec (every axis given its default when the spec leaves
 * it out).  On error prints "vkmmu sweep: SPEC:LINE: what was expected" (or without LINE)
 * and returns -1 with *spec freed; else 0, and the caller calls sweep_spec_fini. */
int sweep_spec_parse(struct sweep_spec *spec, const char *path);
void sweep_spec_fini(struct sweep_spec *spec);
/* The path of a spec-relative file, for checks made from the sweep's own directory;
 * malloc'd. */
char *sweep_spec_path(const struct sweep_spec *spec, const char *path);

/* Every cell of spec, in the nesting order workload x costs x vk-mem x reflect-scale; *ncells
 * receives the count.  Free with sweep_cells_free. */
struct sweep_cell *sweep_cells_make(const struct sweep_spec *spec, size_t *ncells);
void sweep_cells_free(struct sweep_cell *cells, size_t n);

#endif

/* tools/sweep_internal.h - what the parts of `vkmmu sweep` share besides the spec: a cell's
 * files and child command (sweep_cells.c) and running or emitting the cells (sweep_run.c).
 * The directory layout is documented in docs/sweeps.md. */
#ifndef VKMMU_SWEEP_INTERNAL_H
#define VKMMU_SWEEP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "sweep_spec.h"

/* True when DIR/cells/ID.json and DIR/cells/ID.csv both exist. */
bool sweep_cell_complete(const char *dir, const struct sweep_cell *c);
/* The argument vector of a cell's child (argv[0] "vkmmu"), appended to out; json and csv
 * are its output files, or NULL to leave them out (the cell id's hash). */
void sweep_cell_argv(const struct sweep_spec *sp, const struct sweep_cell *c, const char *dir,
                     const char *json, const char *csv, struct sweep_strings *out);
/* Writes the derived costs file of a scaled cell (DIR/costs/) unless it already holds the
 * right text.  0, or -1 after printing the reason. */
int sweep_costs_file_ensure(const struct sweep_spec *sp, const struct sweep_cell *c,
                            const char *dir);
/* Writes DIR/cells.tsv, the manifest merge reads: one line per cell.  0 or -1. */
int sweep_manifest_write(const struct sweep_spec *sp, const struct sweep_cell *cells, size_t n,
                         const char *dir);

/* Creates DIR and its cells/, tmp/, logs/ and costs/.  0, or -1 after printing the reason. */
int sweep_make_dirs(const char *dir);
/* Runs the pending cells with up to jobs children at once; stops launching after max_cells
 * (0 = no limit) or on SIGINT/SIGTERM.  Returns the exit status. */
int sweep_run_local(const struct sweep_spec *sp, const struct sweep_cell *cells, size_t ncells,
                    const char *dir, unsigned jobs, size_t max_cells);
/* Runs one cell synchronously (what an emitted job runs).  Returns the exit status. */
int sweep_run_one(const struct sweep_spec *sp, const struct sweep_cell *c, const char *dir);
/* Writes DIR/jobs.txt (kind "parallel") or DIR/sweep.sbatch (kind "slurm", throttled to jobs
 * when jobs_given).  Returns the exit status. */
int sweep_emit(const struct sweep_spec *sp, const struct sweep_cell *cells, size_t ncells,
               const char *dir, const char *kind, unsigned jobs, bool jobs_given);

#endif

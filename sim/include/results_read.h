/* sim/include/results_read.h - reads vkmmu result files back: the JSON of `--json` and the CSV of
 * `--csv` (and merged CSVs with an optional `workload` column), detected by content.  For the
 * commands that consume results (plot, and a sweep's merge may use it too).
 *
 * Counters are matched by name (mmu_counter_names): unknown names are ignored and missing ones
 * read as 0, so files from older or newer versions still load. */
#ifndef VKMMU_RESULTS_READ_H
#define VKMMU_RESULTS_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmu.h"

/* One cumulative point of a result's optional "timeline" array. */
struct rr_point {
    double end;                /* "end": where the interval ends (unit: rr_file.timeline_unit) */
    uint64_t c[MMU_NCOUNTERS]; /* cumulative counters at `end` */
};

/* One configuration's result. */
struct rr_result {
    char *workload; /* the file's workload label, or the CSV row's `workload` */
    char *scheme, *policy, *dirty;
    char *options; /* JSON text of "options" (for duplicate detection), or "" */
    uint64_t c[MMU_NCOUNTERS];
    double overhead;           /* as written; NaN when null or absent */
    struct rr_point *timeline; /* NULL when the result has none */
    size_t ntimeline;
};

struct rr_file {
    char *path;
    bool is_json;
    char *workload; /* label: basename of workload.name (JSON) or of the file */
    /* Echoed metadata (JSON only; NULL/false for CSV). */
    char *version, *git_commit, *command_line, *cost_profile;
    bool has_costs;
    double costs[MMU_NCOSTS]; /* meta.costs.values, by mmu_cost_names */
    double clock_ghz;         /* meta.costs.clock_ghz, 0 when absent */
    char *timeline_unit;      /* meta "timeline_unit"/"interval_unit" or NULL */
    struct rr_result *r;
    size_t n;
};

/* Loads PATH.  0 on success (the caller owns *out: rr_file_fini); -1 with "PATH: what is
 * wrong" (with a byte offset or line where it applies) in err, and nothing to free. */
int rr_file_load(struct rr_file *out, const char *path, char *err, size_t errlen);
void rr_file_fini(struct rr_file *f);

/* A workload label from a path: its basename without the trace/result suffixes
 * (.vkt.txt, .vkt, .txt, .json, .csv, .xz, .gz, .champsim).  Returns a malloc'd string. */
char *rr_workload_label(const char *path);

#endif

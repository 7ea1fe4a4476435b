/* cli/cli.h - what the vkmmu subcommands share: the model options common to `replay` and `run`,
 * building the set of configurations, and reporting (table, JSON, CSV).
 *
 * Exit statuses of every subcommand: 0 success, 1 failed run, 2 bad usage or bad input. */
#ifndef VKMMU_CLI_H
#define VKMMU_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "mmu.h"
#include "vk.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAILED 1 /* the run failed (model error, cannot write a result file) */
#define CLI_EXIT_USAGE 2  /* bad usage or bad input (option, trace, costs file) */

/* The whole command line ("vkmmu", "replay", ...), set by main() before dispatching: the one
 * to echo in cli_report.argc/argv. */
extern int cli_argc;
extern char **cli_argv;

/* ---- subcommands ----
 * main() calls them with the arguments after "vkmmu": argv[0] is the subcommand's name
 * ("replay"), its options start at argv[1].  Each returns the exit status. */
int cmd_replay(int argc, char **argv);
int cmd_run(int argc, char **argv); /* cli/cmd_run.c */
int cmd_list(int argc, char **argv);
int cmd_convert(int argc, char **argv);   /* cli/cmd_convert.c */
int cmd_plot(int argc, char **argv);      /* cli/cmd_plot.c */
int cmd_sweep(int argc, char **argv);     /* cli/cmd_sweep.c */
int cmd_merge(int argc, char **argv);     /* cli/cmd_sweep.c */
int cmd_calibrate(int argc, char **argv); /* cli/cmd_calibrate.c */
int cmd_demo(int argc, char **argv);      /* cli/cmd_demo.c */

/* ---- model options shared by replay and run ---- */
struct cli_model_opts {
    /* Comma-separated lists, validated when parsed; they point into argv or at literals. */
    const char *schemes;  /* --scheme LIST, default "vpt-1.10" */
    const char *policies; /* --policy LIST, default "none" */
    const char *dirties;  /* --dirty LIST, default "strict" */
    struct mmu_costs costs; /* --costs NAME|FILE, resolved when parsed; default "modern" */
    struct vk_options vk;   /* --real-prefault N, --vk-mem SIZE, --file-cache warm|cold,
                               --inval-every-enter; applied to every configuration */
    uint64_t interval;      /* --interval N: timeline points every N instructions (or
                               accesses, for traces without instruction counts); 0 = none */
    const char *json_path;  /* --json FILE, or NULL */
    const char *costs_arg;  /* --costs NAME|FILE as given, or NULL (an input when a file) */
    const char *csv_path;   /* --csv FILE, or NULL */
};

/* Sets the defaults (resolves the "modern" cost profile).  0, or -1 with err filled. */
int cli_model_opts_init(struct cli_model_opts *o, char *err, size_t errlen);
/* cli_model_opt refuses a value longer than CLI_VALUE_MAX characters (no path the system
 * opens is longer), so that an err buffer of CLI_ERR_MAX bytes holds every message it writes
 * without cutting a quoted value or path. */
#define CLI_VALUE_MAX 4095
#define CLI_ERR_MAX (3 * CLI_VALUE_MAX + MMU_COSTS_ERR_MAX + 512)

/* If argv[*i] is one of the options above, consumes it and its value (as `--opt VALUE` or
 * `--opt=VALUE`; *i is left on the last argument consumed) and returns 1.  Returns 0 when
 * argv[*i] is not one of them, and -1 with "what was expected" in err when its value is bad
 * or missing (unknown scheme/policy/dirty strategy, bad costs file "FILE:LINE: ...", bad
 * size): the caller then prints "vkmmu CMD: ERR" and exits CLI_EXIT_USAGE. */
int cli_model_opt(struct cli_model_opts *o, int argc, char **argv, int *i, char *err,
                  size_t errlen);

/* Prints the help lines of the options above (two-space indented), for `CMD --help`. */
void cli_model_opts_usage(FILE *out);

/* Initializes *set for arch and adds one model per combination scheme x policy x dirty, in
 * that nesting order (scheme outermost), duplicates dropped.  The baseline native/none/strict
 * is always computed: if it is not among those combinations it is appended and marked
 * baseline-only (computed for the overhead, not reported).  On success returns 0; the caller
 * owns *set (vk_set_fini) and *baseline_only (free; one bool per model); *native_index is
 * the baseline's index.  On failure returns -1 with err filled and nothing to free. */
int cli_build_set(struct cli_model_opts *o, struct vk_set *set, enum mmu_arch arch,
                  int *native_index, bool **baseline_only, char *err, size_t errlen);

/* In builds with VKMMU_CHECK_IDENTITIES (Debug, sanitizer), checks the model.md section 9
 * identities of every finished model; prints the first failure to stderr and returns -1.
 * Otherwise (and when all hold) returns 0. */
int cli_check_identities(const struct vk_set *set);
/* 0, or -1 after printing "CMD: CONFIG: counter NAME does not fit in 64 bits ..." when a
 * finished model of set has a counter that would have wrapped (vk_overflow): its results
 * must not be reported.  Call before cli_check_identities. */
int cli_check_overflow(const struct vk_set *set, const char *cmd, const struct mmu_costs *costs);

/* ---- timelines (--interval N; cli/timeline.c) ----
 * Cumulative counters of every model at every N instructions and, apart, every N user
 * accesses; the run's end decides which unit is reported (instructions when there were any).
 * At most CLI_TIMELINE_MAX points per unit: past that the interval doubles and every other
 * point is dropped, so memory stays bounded on any trace. */
#define CLI_TIMELINE_MAX 4096
struct cli_tl_series {
    uint64_t interval, next;   /* current interval and the next boundary */
    size_t n, cap;
    uint64_t *ends;            /* n points: the instruction or access count at each */
    struct mmu_counters *c;    /* n x nmodels cumulative counters */
};
struct cli_timeline {
    size_t nmodels;
    uint64_t insns, accesses;  /* so far */
    struct cli_tl_series by_insn, by_access;
    bool use_insns;            /* set by cli_timeline_finish */
};
int cli_timeline_init(struct cli_timeline *t, uint64_t interval, size_t nmodels);
void cli_timeline_fini(struct cli_timeline *t);
/* Call after each event with the instructions and accesses it added; takes points as due.
 * Returns -1 when out of memory. */
int cli_timeline_slow(struct cli_timeline *t, struct vk_set *set);
static inline int cli_timeline_tick(struct cli_timeline *t, struct vk_set *set, uint64_t insns,
                                    uint64_t accesses)
{
    /* An instruction count from the input can wrap the sum: hold it at 2^64 - 1 (the models
     * report the overflow, vk_overflow; accesses grow by one per record). */
    if (__builtin_add_overflow(t->insns, insns, &t->insns))
        t->insns = UINT64_MAX;
    t->accesses += accesses;
    if (t->insns >= t->by_insn.next || t->accesses >= t->by_access.next)
        return cli_timeline_slow(t, set);
    return 0;
}
/* Adds the final point (the models' finished counters) and picks the unit. */
int cli_timeline_finish(struct cli_timeline *t, struct vk_set *set);
/* The series reported, and its unit ("instructions" or "accesses"). */
const struct cli_tl_series *cli_timeline_series(const struct cli_timeline *t, const char **unit);

/* ---- reporting ---- */
struct cli_report {
    int argc;                        /* the whole command line, echoed in the JSON meta */
    char **argv;
    const struct mmu_costs *costs;   /* the cost profile in force */
    const char *workload_kind;       /* "text-trace", "program", ... */
    const char *workload_name;       /* the trace path or the program */
    /* The "workload" object always holds "kind", "name" and "arch" (of the set); these are
     * extra members as JSON text: zero or more `"key": value` separated by commas, without
     * braces (e.g. `"records": 12, "lines": 20`), or NULL. */
    const char *workload_extra_json;
    const struct vk_set *set;        /* finished models (vk_set_finish called) */
    int native_index;                /* the native/none/strict model */
    const bool *baseline_only;       /* per model: not reported */
    const struct cli_timeline *timeline; /* --interval points, or NULL */
};

/* Overhead of model i against the baseline: cycles.total / cycles.total(native) - 1; 0 when
 * both are 0, NaN when only the baseline's is 0. */
double cli_overhead(const struct cli_report *r, size_t i);

/* Table on out: one row per reported configuration.  0, or -1 on an output error. */
int cli_report_table(const struct cli_report *r, FILE *out);
/* JSON / CSV result files, written atomically (PATH.tmp, fsync, rename) and deterministically
 * (same input, same bytes).  0, or -1 after printing "vkmmu: PATH: reason" on stderr (the
 * caller exits CLI_EXIT_FAILED). */
int cli_report_json(const struct cli_report *r, const char *path);
int cli_report_csv(const struct cli_report *r, const char *path);
/* The timeline as CSV: scheme,policy,dirty,unit,end,<counters>, one row per point and
 * reported configuration (written next to --csv X.csv as X.timeline.csv). */
int cli_report_timeline_csv(const struct cli_report *r, const char *path);
/* Writes every requested output: the table on stdout, then --json and --csv.  0 or -1. */
int cli_report_all(const struct cli_report *r, const struct cli_model_opts *o);

/* Atomic result files: cli_atomic_open opens PATH.tmp.PID (*tmp gets the allocated name; NULL
 * after printing the reason); cli_atomic_close flushes, fsyncs and closes it, then renames it
 * to PATH: a reader sees the old file or the whole new one.  On any failure it prints the
 * reason, removes the temporary file and returns -1.  Either way it frees tmp. */
FILE *cli_atomic_open(const char *path, char **tmp);
int cli_atomic_close(FILE *f, char *tmp, const char *path);

/* Writes s as a JSON string (quoted, escaped) to f. */
void cli_json_string(FILE *f, const char *s);
/* A double as text: integers as integers, else the shortest %g form that reads back to exactly
 * v (JSON, CSV, costs files, sweep ids). */
void cli_fmt_double(char *buf, size_t len, double v);
/* Writes a double as a JSON number, shortest form that reads back exactly; null if not finite. */
void cli_json_double(FILE *f, double v);

/* ---- outputs that would overwrite inputs (cli/same_file.c) ----
 * A command adds every file it reads and writes, then checks before writing anything.
 * CLI_PATH_OUT is written in place; CLI_PATH_OUT_TMP through PATH.tmp or PATH.tmp.PID and a
 * rename, so those names must not be inputs either.  "-" (standard input/output) is ignored. */
enum cli_path_kind { CLI_PATH_IN, CLI_PATH_OUT, CLI_PATH_OUT_TMP };
struct cli_path;
struct cli_paths {
    struct cli_path *v;
    size_t n, cap;
    bool oom;
};
void cli_paths_init(struct cli_paths *p);
void cli_paths_fini(struct cli_paths *p);
/* role names the path in the message ("--json", "TRACE"); it must outlive p. */
void cli_paths_add(struct cli_paths *p, const char *role, const char *path,
                   enum cli_path_kind kind);
/* CLI_EXIT_OK when no output names the same file as an input or another output; otherwise
 * prints "vkmmu CMD: ROLE 'A' and ROLE 'B' are the same file: ..." and returns CLI_EXIT_USAGE
 * (CLI_EXIT_FAILED when out of memory). */
int cli_paths_check(const struct cli_paths *p, const char *cmd);
/* Adds the model options' files: --costs (an input, when it names a file), --json, --csv and,
 * with --interval, the timeline CSV next to --csv. */
void cli_paths_add_results(struct cli_paths *p, const struct cli_model_opts *o);

/* ---- numbers in options (cli/numbers.c) ----
 * Plain decimal digits only (no sign, spaces, 0x or suffix) from lo to hi: 0, or -1. */
int cli_parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/* ---- traces: options, conversion, recording (cli/cmd_convert.c, cli/record.c) ---- */
#include "trc.h"

/* If argv[*i] is --format F or --regions FILE (also as --opt=VALUE), consumes it (*i left on
 * the last argument consumed) and returns 1; 0 when it is neither; -1 with err filled when
 * the value is missing or unknown. */
int cli_trace_opt(int argc, char **argv, int *i, enum trc_format *fmt, const char **regions,
                  char *err, size_t errlen);

/* Opens a trace and reads its first record (which may set the architecture the models and
 * writers need from the start): *more is trc_next's answer for *rec.  Returns CLI_EXIT_OK, or
 * CLI_EXIT_USAGE after printing the reason (nothing to close). */
int cli_trace_begin(const char *path, enum trc_format fmt, struct trc_reader **r,
                    struct trc_record *rec, int *more);

/* A tap that writes every event it sees to w (for `run --record FILE.vkt`): install it as
 * set->tap before the first event.  Write errors stick in w and are reported by
 * trc_writer_close.  The returned tap holds w as its ctx. */
struct vk_tap cli_record_tap(struct trc_writer *w);

/* ---- progress and interruption of long runs (cli/progress.c) ----
 * SIGINT and SIGTERM during `replay` and `run` ask the run to stop at its next safe point:
 * the results so far are written, marked partial, and the command exits 128 + the signal
 * (130, 143).  The handler is one-shot (SA_RESETHAND): a second signal takes the default
 * action and ends vkmmu at once. */
#define CLI_EXIT_TIMEOUT 124 /* `run --timeout` reached (as timeout(1)) */
extern volatile int cli_stop_signal; /* the first SIGINT/SIGTERM received, or 0 */
void cli_stop_install(void);
/* "interrupted by SIGINT" (or SIGTERM); NULL when no signal arrived. */
const char *cli_stop_reason(void);

/* A progress line on stderr, redrawn in place at most 4 times a second, only when stderr is
 * a terminal (nothing at all otherwise).  Callers call the update functions often (every 64K
 * records, every 64K blocks); they read the clock and draw only when a redraw is due. */
struct cli_progress {
    bool on;            /* stderr is a terminal */
    bool drawn;         /* a line is on the screen */
    double t0, next;    /* start time, next redraw (CLOCK_MONOTONIC seconds) */
    int fd;             /* the input's descriptor, for its position (replay), or -1 */
    uint64_t size;      /* the input's size in bytes (regular file), 0 when unknown */
    uint64_t max;       /* run: --max-insns, 0 when none */
    char what[64];      /* "vkmmu replay", "vkmmu run (pass 1/2)" */
};
void cli_progress_start(struct cli_progress *p, const char *what);
/* replay: the trace TRACE (not "-") is a regular file opened by this process: its size and
 * read position give a percentage and an ETA (compressed files: compressed bytes). */
void cli_progress_file(struct cli_progress *p, const char *trace);
void cli_progress_replay(struct cli_progress *p, uint64_t records, uint64_t accesses);
void cli_progress_run(struct cli_progress *p, uint64_t insns);
/* Clears the line (if one was drawn). */
void cli_progress_end(struct cli_progress *p);

#endif

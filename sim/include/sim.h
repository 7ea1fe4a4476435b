/* sim/include/sim.h - running an experiment: the model options and the set of configurations they
 * build, the experiments themselves (sim_replay, sim_run, sim_convert), timelines, progress
 * and interruption, and the results (table, JSON, CSV), written and read.  Used by cli/
 * (replay, run, convert), tools/ (sweep, plot, calibrate, demo), and tests, bench and fuzz
 * that run an experiment without the command line.
 *
 * Exit statuses of every command: 0 success, 1 failed run, 2 bad usage or bad input. */
#ifndef VKMMU_SIM_H
#define VKMMU_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "mmu.h"
#include "vk.h"
#include "option_table.h"

#define VKMMU_EXIT_OK 0
#define VKMMU_EXIT_FAILED 1 /* the run failed (model error, cannot write a result file) */
#define VKMMU_EXIT_USAGE 2  /* bad usage or bad input (option, trace, costs file) */

/* ---- model options shared by replay and run ---- */
struct sim_model_opts {
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
int sim_model_opts_init(struct sim_model_opts *o, char *err, size_t errlen);
/* sim_model_opt refuses a value longer than SIM_VALUE_MAX characters (no path the system
 * opens is longer), so that an err buffer of SIM_ERR_MAX bytes holds every message it writes
 * without cutting a quoted value or path. */
#define SIM_VALUE_MAX 4095
#define SIM_ERR_MAX (3 * SIM_VALUE_MAX + MMU_COSTS_ERR_MAX + 512)

/* The options above as one table (option_table.h), in help order: commands append it to
 * their own tables.  Their ids are SIM_OPT_*, above every id a command uses for its own
 * options (those stay below SIM_OPT_FIRST). */
enum sim_model_option_id {
    SIM_OPT_FIRST = 0x1000,
    SIM_OPT_SCHEME = SIM_OPT_FIRST,
    SIM_OPT_POLICY,
    SIM_OPT_DIRTY,
    SIM_OPT_COSTS,
    SIM_OPT_REAL_PREFAULT,
    SIM_OPT_VK_MEM,
    SIM_OPT_FILE_CACHE,
    SIM_OPT_ZERO_PAGE,
    SIM_OPT_INVAL_EVERY_ENTER,
    SIM_OPT_TLB,
    SIM_OPT_INTERVAL,
    SIM_OPT_JSON,
    SIM_OPT_CSV,
    SIM_OPT_LAST = SIM_OPT_CSV,
};
extern const struct opt sim_model_options[];
/* Applies model option id (SIM_OPT_*) with its value (NULL for the flag
 * --inval-every-enter; NULL for an option with a value means the value is missing).  0, or
 * -1 with "what was expected" in err (unknown scheme/policy/dirty strategy, bad costs file
 * "FILE:LINE: ...", bad size, value missing or longer than SIM_VALUE_MAX): the caller then
 * prints "vkmmu CMD: ERR" and exits VKMMU_EXIT_USAGE. */
int sim_model_option(struct sim_model_opts *o, int id, const char *value, char *err,
                     size_t errlen);

/* The argv form of sim_model_option, for callers that walk argv themselves.
 * If argv[*i] is one of the options above, consumes it and its value (as `--opt VALUE` or
 * `--opt=VALUE`; *i is left on the last argument consumed) and returns 1.  Returns 0 when
 * argv[*i] is not one of them, and -1 with "what was expected" in err when its value is bad
 * or missing (unknown scheme/policy/dirty strategy, bad costs file "FILE:LINE: ...", bad
 * size): the caller then prints "vkmmu CMD: ERR" and exits VKMMU_EXIT_USAGE. */
int sim_model_opt(struct sim_model_opts *o, int argc, char **argv, int *i, char *err,
                  size_t errlen);

/* Prints the help lines of the options above (two-space indented), for `CMD --help`. */
void sim_model_opts_usage(FILE *out);

/* Initializes *set for arch and adds one model per combination scheme x policy x dirty, in
 * that nesting order (scheme outermost), duplicates dropped.  The baseline native/none/strict
 * is always computed: if it is not among those combinations it is appended and marked
 * baseline-only (computed for the overhead, not reported).  On success returns 0; the caller
 * owns *set (vk_set_fini) and *baseline_only (free; one bool per model); *native_index is
 * the baseline's index.  On failure returns -1 with err filled and nothing to free. */
int sim_build_set(struct sim_model_opts *o, struct vk_set *set, enum mmu_arch arch,
                  int *native_index, bool **baseline_only, char *err, size_t errlen);

/* In builds with VKMMU_CHECK_IDENTITIES (Debug, sanitizer), checks the model.md section 9
 * identities of every finished model; prints the first failure to stderr and returns -1.
 * Otherwise (and when all hold) returns 0. */
int sim_check_identities(const struct vk_set *set);
/* 0, or -1 after printing "CMD: CONFIG: counter NAME does not fit in 64 bits ..." when a
 * finished model of set has a counter that would have wrapped (vk_overflow): its results
 * must not be reported.  Call before sim_check_identities. */
int sim_check_overflow(const struct vk_set *set, const char *cmd, const struct mmu_costs *costs);

/* ---- timelines (--interval N; sim/timeline.c) ----
 * Cumulative counters of every model at every N instructions and, apart, every N user
 * accesses; the run's end decides which unit is reported (instructions when there were any).
 * At most SIM_TIMELINE_MAX points per unit: past that the interval doubles and every other
 * point is dropped, so memory stays bounded on any trace. */
#define SIM_TIMELINE_MAX 4096
struct sim_tl_series {
    uint64_t interval, next;   /* current interval and the next boundary */
    size_t n, cap;
    uint64_t *ends;            /* n points: the instruction or access count at each */
    struct mmu_counters *c;    /* n x nmodels cumulative counters */
};
struct sim_timeline {
    size_t nmodels;
    uint64_t insns, accesses;  /* so far */
    struct sim_tl_series by_insn, by_access;
    bool use_insns;            /* set by sim_timeline_finish */
};
int sim_timeline_init(struct sim_timeline *t, uint64_t interval, size_t nmodels);
void sim_timeline_fini(struct sim_timeline *t);
/* Call after each event with the instructions and accesses it added; takes points as due.
 * Returns -1 when out of memory. */
int sim_timeline_slow(struct sim_timeline *t, struct vk_set *set);
static inline int sim_timeline_tick(struct sim_timeline *t, struct vk_set *set, uint64_t insns,
                                    uint64_t accesses)
{
    /* An instruction count from the input can wrap the sum: hold it at 2^64 - 1 (the models
     * report the overflow, vk_overflow; accesses grow by one per record). */
    if (__builtin_add_overflow(t->insns, insns, &t->insns))
        t->insns = UINT64_MAX;
    t->accesses += accesses;
    if (t->insns >= t->by_insn.next || t->accesses >= t->by_access.next)
        return sim_timeline_slow(t, set);
    return 0;
}
/* Adds the final point (the models' finished counters) and picks the unit. */
int sim_timeline_finish(struct sim_timeline *t, struct vk_set *set);
/* The series reported, and its unit ("instructions" or "accesses"). */
const struct sim_tl_series *sim_timeline_series(const struct sim_timeline *t, const char **unit);

/* ---- reporting ---- */
struct json_object; /* json-c */
struct sim_report {
    int argc;                        /* the whole command line, echoed in the JSON meta */
    char **argv;
    const struct mmu_costs *costs;   /* the cost profile in force */
    const char *workload_kind;       /* "text-trace", "program", ... */
    const char *workload_name;       /* the trace path or the program */
    /* The "workload" object always holds "kind", "name" and "arch" (of the set), then the
     * members added by sim_report_extra_* (a json-c object); NULL
     * until the first, freed by sim_report_fini. */
    struct json_object *workload_extra;
    const struct vk_set *set;        /* finished models (vk_set_finish called) */
    int native_index;                /* the native/none/strict model */
    const bool *baseline_only;       /* per model: not reported */
    const struct sim_timeline *timeline; /* --interval points, or NULL */
    /* run: the guest's processes; with more than one, each result gets "processes", the
     * counters of each (vk_process_counters), and the workload lists them */
    const struct emu_process *procs;
    size_t nprocs;
};

/* Members of the "workload" object after "kind", "name" and "arch", in call order (a key
 * given again replaces its value in place); the key is copied.  0, or -1 when out of memory.
 * The caller calls sim_report_fini once it has written the report. */
int sim_report_extra_u64(struct sim_report *r, const char *key, uint64_t value);
int sim_report_extra_int(struct sim_report *r, const char *key, int64_t value);
int sim_report_extra_bool(struct sim_report *r, const char *key, bool value);
int sim_report_extra_string(struct sim_report *r, const char *key, const char *value);
void sim_report_fini(struct sim_report *r);

/* Overhead of model i against the baseline: cycles.total / cycles.total(native) - 1; 0 when
 * both are 0, NaN when only the baseline's is 0. */
double sim_overhead(const struct sim_report *r, size_t i);

/* Table on out: one row per reported configuration.  0, or -1 on an output error. */
int sim_report_table(const struct sim_report *r, FILE *out);
/* JSON / CSV result files, written atomically (PATH.tmp, fsync, rename) and deterministically
 * (same input, same bytes).  0, or -1 after printing "vkmmu: PATH: reason" on stderr (the
 * caller exits VKMMU_EXIT_FAILED). */
int sim_report_json(const struct sim_report *r, const char *path);
int sim_report_csv(const struct sim_report *r, const char *path);
/* The timeline as CSV: scheme,policy,dirty,unit,end,<counters>, one row per point and
 * reported configuration (written next to --csv X.csv as X.timeline.csv). */
int sim_report_timeline_csv(const struct sim_report *r, const char *path);
/* Writes every requested output: the table on stdout, then --json and --csv.  0 or -1. */
int sim_report_all(const struct sim_report *r, const struct sim_model_opts *o);

/* Atomic result files: sim_atomic_open opens PATH.tmp.PID (*tmp gets the allocated name; NULL
 * after printing the reason); sim_atomic_close flushes, fsyncs and closes it, then renames it
 * to PATH: a reader sees the old file or the whole new one.  On any failure it prints the
 * reason, removes the temporary file and returns -1.  Either way it frees tmp. */
FILE *sim_atomic_open(const char *path, char **tmp);
int sim_atomic_close(FILE *f, char *tmp, const char *path);

/* A double as text: integers as integers, else the shortest %g form that reads back to exactly
 * v (JSON, CSV, costs files, sweep ids). */
void sim_fmt_double(char *buf, size_t len, double v);

/* ---- outputs that would overwrite inputs (sim/same_file.c) ----
 * A command adds every file it reads and writes, then checks before writing anything.
 * SIM_PATH_OUT is written in place; SIM_PATH_OUT_TMP through PATH.tmp or PATH.tmp.PID and a
 * rename, so those names must not be inputs either.  "-" (standard input/output) is ignored. */
enum sim_path_kind { SIM_PATH_IN, SIM_PATH_OUT, SIM_PATH_OUT_TMP };
struct sim_path;
struct sim_paths {
    struct sim_path *v;
    size_t n, cap;
    bool oom;
};
void sim_paths_init(struct sim_paths *p);
void sim_paths_fini(struct sim_paths *p);
/* role names the path in the message ("--json", "TRACE"); it must outlive p. */
void sim_paths_add(struct sim_paths *p, const char *role, const char *path,
                   enum sim_path_kind kind);
/* VKMMU_EXIT_OK when no output names the same file as an input or another output; otherwise
 * prints "vkmmu CMD: ROLE 'A' and ROLE 'B' are the same file: ..." and returns VKMMU_EXIT_USAGE
 * (VKMMU_EXIT_FAILED when out of memory). */
int sim_paths_check(const struct sim_paths *p, const char *cmd);
/* Adds the model options' files: --costs (an input, when it names a file), --json, --csv and,
 * with --interval, the timeline CSV next to --csv. */
void sim_paths_add_results(struct sim_paths *p, const struct sim_model_opts *o);

/* ---- numbers in options (sim/numbers.c) ----
 * Plain decimal digits only (no sign, spaces, 0x or suffix) from lo to hi: 0, or -1. */
int sim_parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/* ---- traces: opening, recording (sim/record.c) ---- */
#include "trc.h"

/* Opens a trace and reads its first record (which may set the architecture the models and
 * writers need from the start): *more is trc_next's answer for *rec.  Returns VKMMU_EXIT_OK, or
 * VKMMU_EXIT_USAGE after printing the reason (nothing to close). */
int sim_trace_begin(const char *path, enum trc_format fmt, struct trc_reader **r,
                    struct trc_record *rec, int *more);

/* A tap that writes every event it sees to w (for `run --record FILE.vkt`): install it as
 * set->tap before the first event.  Write errors stick in w and are reported by
 * trc_writer_close.  The returned tap holds w as its ctx. */
struct vk_tap sim_record_tap(struct trc_writer *w);

/* ---- experiments: a replay of a trace, a run of a program, a conversion of a trace
 * (sim/replay.c, sim/run.c, sim/convert.c) ----
 * One call runs a whole experiment from parsed options, as `vkmmu replay` and `vkmmu run` do:
 * it refuses outputs that would overwrite inputs, builds the configurations, runs them and
 * reports (the table, --json, --csv).  It returns the command's exit status and prints every
 * error itself, as "vkmmu replay: ..." or "vkmmu run: ...".  SIGINT and SIGTERM stop it at
 * the next safe point (sim_stop_install). */
struct sim_replay_args {
    struct sim_model_opts model;
    const char *trace;        /* the trace's path, or "-" for standard input */
    enum trc_format format;   /* --format, TRC_FMT_AUTO by default */
    const char *regions_path; /* --regions FILE, or NULL */
    int argc;                 /* the whole command line, echoed in the JSON */
    char **argv;
};
/* Sets the defaults (the model options' too).  0, or -1 with err filled. */
int sim_replay_args_init(struct sim_replay_args *a, char *err, size_t errlen);
/* Replays a->trace through every configuration: 0, 1 failed run, 2 bad input, 128 + signal
 * when interrupted (the results so far written, marked partial). */
int sim_replay(const struct sim_replay_args *a);

#include "emu.h"

struct sim_run_args {
    struct sim_model_opts model;
    const char *program;      /* the program's host path (an i386 or x86-64 ELF) */
    int guest_argc;           /* the guest's argv; guest_argv[0] is PROGRAM as given */
    char **guest_argv;
    bool engine_set;          /* --engine given; else paging with one reported */
    enum emu_engine engine;   /* configuration and no --tlb, --record or --interval */
    const char *root;         /* --root DIR, default "." */
    const char *sysroot;      /* --sysroot DIR, default none */
    bool writable;            /* --writable */
    uint64_t seed;            /* --seed N, default 1 */
    uint64_t max_insns;       /* --max-insns N, 0 = none */
    double timeout_s;         /* --timeout SECONDS, 0 = none */
    uint64_t guest_mem;       /* --guest-mem SIZE in bytes, 0 = unlimited */
    unsigned max_procs;       /* --max-procs N, 0 = gos's default (GOS_MAX_PROCS_DEFAULT) */
    unsigned top;             /* --top N, 0 = none */
    const char *stdin_path;   /* --stdin FILE, or NULL for vkmmu's */
    const char *stdout_path;  /* --stdout FILE, or NULL for vkmmu's */
    const char *record_path;  /* --record FILE.vkt, or NULL */
    int argc;                 /* the whole command line, echoed in the JSON */
    char **argv;
};
/* Sets the defaults (the model options' too).  0, or -1 with err filled. */
int sim_run_args_init(struct sim_run_args *a, char *err, size_t errlen);
/* Runs a->program under the emulator with every configuration in the loop; the report goes to
 * stderr.  Returns the guest's exit status (128 + N when it died of signal N), 1 when
 * --max-insns stopped it or the run failed, 2 for bad usage or a bad program, 124 when
 * --timeout stopped it, 128 + signal when interrupted. */
int sim_run(const struct sim_run_args *a);

struct sim_convert_args {
    const char *in;           /* the trace's path, or "-" for standard input */
    const char *out;          /* -o OUT.vkt (written through OUT.vkt.tmp and a rename) */
    enum trc_format format;   /* --format, TRC_FMT_AUTO by default */
    const char *regions_path; /* --regions FILE, or NULL */
    bool quiet;               /* -q: no summary line on stderr */
};
/* Converts a->in to the binary .vkt format (docs/vkt-format.md): replaying OUT gives exactly
 * the counts of replaying IN.  0, 1 cannot write, 2 bad input, 128 + signal when interrupted
 * (OUT left as it was). */
int sim_convert(const struct sim_convert_args *a);

/* True when a policy of o needs a first pass over the whole input (oracle:N;
 * vk_policy_needs_first_pass): replay gives it one, run refuses it.  o's lists are valid
 * (sim_model_option checked them). */
bool sim_needs_first_pass(const struct sim_model_opts *o);

/* ---- progress and interruption of long runs (sim/progress.c) ----
 * SIGINT and SIGTERM during `replay` and `run` ask the run to stop at its next safe point:
 * the results so far are written, marked partial, and the command exits 128 + the signal
 * (130, 143).  The handler is one-shot (SA_RESETHAND): a second signal takes the default
 * action and ends vkmmu at once. */
#define VKMMU_EXIT_TIMEOUT 124 /* `run --timeout` reached (as timeout(1)) */
extern volatile int sim_stop_signal; /* the first SIGINT/SIGTERM received, or 0 */
void sim_stop_install(void);
/* "interrupted by SIGINT" (or SIGTERM); NULL when no signal arrived. */
const char *sim_stop_reason(void);

/* A progress line on stderr, redrawn in place at most 4 times a second, only when stderr is
 * a terminal (nothing at all otherwise).  Callers call the update functions often (every 64K
 * records, every 64K blocks); they read the clock and draw only when a redraw is due. */
struct sim_progress {
    bool on;            /* stderr is a terminal */
    bool drawn;         /* a line is on the screen */
    double t0, next;    /* start time, next redraw (CLOCK_MONOTONIC seconds) */
    int fd;             /* the input's descriptor, for its position (replay), or -1 */
    uint64_t size;      /* the input's size in bytes (regular file), 0 when unknown */
    uint64_t max;       /* run: --max-insns, 0 when none */
    char what[64];      /* "vkmmu replay", "vkmmu run (pass 1/2)" */
};
void sim_progress_start(struct sim_progress *p, const char *what);
/* replay: the trace TRACE (not "-") is a regular file opened by this process: its size and
 * read position give a percentage and an ETA (compressed files: compressed bytes). */
void sim_progress_file(struct sim_progress *p, const char *trace);
void sim_progress_replay(struct sim_progress *p, uint64_t records, uint64_t accesses);
void sim_progress_run(struct sim_progress *p, uint64_t insns);
/* Clears the line (if one was drawn). */
void sim_progress_end(struct sim_progress *p);

#endif

/* tools/include/tools.h - applications over results: sweeps and their merge, figures, host
 * calibration and the demo.  Each is a command of vkmmu: main() (cli/) calls it with the
 * arguments after "vkmmu" (argv[0] is the command's name) and exits with its answer
 * (VKMMU_EXIT_*, sim/include/sim.h). */
#ifndef VKMMU_TOOLS_H
#define VKMMU_TOOLS_H

int cmd_plot(int argc, char **argv);      /* tools/cmd_plot.c */
int cmd_sweep(int argc, char **argv);     /* tools/cmd_sweep.c */
int cmd_merge(int argc, char **argv);     /* tools/cmd_merge.c */
int cmd_calibrate(int argc, char **argv); /* tools/cmd_calibrate.c */
int cmd_demo(int argc, char **argv);      /* tools/cmd_demo.c */
int cmd_forktrace(int argc, char **argv); /* tools/cmd_forktrace.c */

/* ---- fork scenarios as text traces (tools/fork_trace.c; docs/processes.md) ---- */
#include <stdbool.h>
#include <stdio.h>

#define FORK_TRACE_TEXT_PAGES 2u       /* the text region the processes fetch from */
#define FORK_TRACE_MAX_PAGES (1u << 19) /* K at most 2 GiB of anonymous memory */
#define FORK_TRACE_BASE_SUFFIX "-base" /* PREFIX-kK-base: the baseline of PREFIX-kK */

struct fork_trace {
    unsigned pages;           /* K: the anonymous pages the parent writes (1..MAX_PAGES) */
    unsigned child_write_pct; /* the share of the K pages the child writes (0..100) */
    bool fork;                /* false: the baseline, without fork, child and wait */
};

/* Writes the scenario as a text trace to out.  0, or -1 with errno set (EINVAL for a field
 * out of range, else the write error). */
int fork_trace_write(FILE *out, const struct fork_trace *t);
/* Writes DIR/PREFIX-kK.vkt.txt (with the fork) and DIR/PREFIX-kK-base.vkt.txt (its
 * baseline), each complete or not at all.  0, or -1 with "PATH: reason" in err. */
int fork_trace_pair(const char *dir, const char *prefix, unsigned pages, unsigned child_write_pct,
                    char *err, size_t errlen);

#endif

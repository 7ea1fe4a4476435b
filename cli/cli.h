/* cli/cli.h - the vkmmu command: main() and, per command, an option table and a call into
 * sim/ (replay, run, convert) or the registries (list).  The applications over results are in
 * tools/ (tools.h).
 *
 * Exit statuses of every subcommand: 0 success, 1 failed run, 2 bad usage or bad input
 * (VKMMU_EXIT_*, sim/include/sim.h). */
#ifndef VKMMU_CLI_H
#define VKMMU_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sim.h"
#include "tools.h"
#include "trc.h"

/* The whole command line ("vkmmu", "replay", ...) as it was given, set by main() before
 * dispatching: the one to echo in sim_report.argc/argv (parsing may reorder argv). */
extern int cli_argc;
extern char **cli_argv;

/* ---- subcommands ----
 * main() calls them with the arguments after "vkmmu": argv[0] is the subcommand's name
 * ("replay"), its options start at argv[1].  Each returns the exit status. */
int cmd_replay(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_convert(int argc, char **argv);
/* plot, sweep, merge, calibrate, demo: tools/tools.h */

/* ---- option handlers shared by commands ----
 * Each returns 0, or VKMMU_EXIT_USAGE after printing "vkmmu CMD: what was expected"; a NULL
 * value means the option was given without one. */
/* --format F (cli/cmd_convert.c) */
int cli_trace_format(const char *cmd, const char *value, enum trc_format *fmt);
/* --regions FILE (cli/cmd_convert.c) */
int cli_trace_regions(const char *cmd, const char *value, const char **regions_path);

/* An option of sim_model_options. */
static inline int cli_model_option(const char *cmd, struct sim_model_opts *model,
                                   const struct opt *o, const char *value)
{
    char err[SIM_ERR_MAX];
    if (sim_model_option(model, o->id, value, err, sizeof err) < 0) {
        fprintf(stderr, "vkmmu %s: %s\n", cmd, err);
        return VKMMU_EXIT_USAGE;
    }
    return 0;
}

#endif

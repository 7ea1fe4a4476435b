/* cli/cli.h - the vkmmu command: main() and the commands that call into sim/ (replay, run) or
 * traces/ (convert, list).  The applications over results are in tools/ (tools.h).
 *
 * Exit statuses of every subcommand: 0 success, 1 failed run, 2 bad usage or bad input
 * (VKMMU_EXIT_*, sim/sim.h). */
#ifndef VKMMU_CLI_H
#define VKMMU_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sim.h"
#include "tools.h"
#include "trc.h"

/* The whole command line ("vkmmu", "replay", ...), set by main() before dispatching: the one
 * to echo in sim_report.argc/argv. */
extern int cli_argc;
extern char **cli_argv;

/* ---- subcommands ----
 * main() calls them with the arguments after "vkmmu": argv[0] is the subcommand's name
 * ("replay"), its options start at argv[1].  Each returns the exit status. */
int cmd_replay(int argc, char **argv);
int cmd_run(int argc, char **argv); /* cli/cmd_run.c */
int cmd_list(int argc, char **argv);
int cmd_convert(int argc, char **argv);   /* cli/cmd_convert.c */
/* plot, sweep, merge, calibrate, demo: tools/tools.h */

/* ---- traces (cli/cmd_convert.c) ---- */
/* If argv[*i] is --format F or --regions FILE (also as --opt=VALUE), consumes it (*i left on
 * the last argument consumed) and returns 1; 0 when it is neither; -1 with err filled when
 * the value is missing or unknown. */
int cli_trace_opt(int argc, char **argv, int *i, enum trc_format *fmt, const char **regions,
                  char *err, size_t errlen);

#endif

/* cli/main.c - the vkmmu command: dispatches to the subcommands. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_argc;
char **cli_argv;

/* The subcommands: one table drives dispatch and the usage text. */
static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *args;
    const char *desc;
} commands[] = {
    {"replay", cmd_replay, "[OPTIONS] TRACE", "replay a trace through every configuration"},
    {"run", cmd_run, "[OPTIONS] -- PROGRAM [ARGS]", "run an i386 program under the emulator and the model"},
    {"convert", cmd_convert, "IN [--format F] -o OUT.vkt", "convert a trace to vkmmu's binary format"},
    {"list", cmd_list, "", "list schemes, policies, dirty strategies, TLB presets, cost profiles"},
    {"plot", cmd_plot, "RESULTS... -o FIG --kind KIND", "draw a figure from result files (gnuplot)"},
    {"sweep", cmd_sweep, "SPEC", "run a sweep of workloads x configurations"},
    {"merge", cmd_merge, "DIR -o TABLE.csv", "merge a sweep's result files into one CSV"},
    {"calibrate", cmd_calibrate, "-o HOST.costs", "measure this host's costs into a costs file"},
    {"demo", cmd_demo, "[-o DIR]", "the headline comparison on the bundled workloads"},
    {"forktrace", cmd_forktrace, "-o DIR K...", "write fork scenarios as text traces"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* The options in place of a command (also `vkmmu -h` and `vkmmu help`), in the column of the
 * commands' descriptions. */
enum { OPT_HELP = 1, OPT_VERSION };
static const struct opt main_table[] = {
    {"help", 0, NULL, "this text", OPT_HELP},
    {"version", 0, NULL, "the version and git commit", OPT_VERSION},
    OPT_END,
};
static const struct opt *const main_options[] = {main_table, NULL};
#define MAIN_HELP_COLUMN 13

static void usage(FILE *out)
{
    fputs("usage: vkmmu COMMAND [OPTIONS] [ARGS]\n"
          "vkmmu models the two-stage VPAGETABLE MMU of the DragonFly BSD virtual kernel and\n"
          "counts its faults, reflections, dirty-bit traps and invalidations.\n"
          "\n"
          "commands:\n",
          out);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-10s %-30s %s\n", commands[i].name, commands[i].args, commands[i].desc);
    opt_usage_at(main_options, MAIN_HELP_COLUMN, out);
    fputs("\n"
          "`vkmmu COMMAND --help` describes a command's options.\n"
          "exit status: 0 success, 1 failed run, 2 bad usage or bad input\n",
          out);
}

int main(int argc, char **argv)
{
    /* The command line as given, for the JSON echo: the commands' parsing moves their
     * operands after their options in argv itself. */
    cli_argc = argc;
    cli_argv = malloc(((size_t)argc + 1) * sizeof *cli_argv);
    if (!cli_argv) {
        fputs("vkmmu: out of memory\n", stderr);
        return VKMMU_EXIT_FAILED;
    }
    memcpy(cli_argv, argv, ((size_t)argc + 1) * sizeof *cli_argv);
    if (argc < 2) {
        usage(stderr);
        return VKMMU_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(cmd, commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    const struct opt *o = opt_find(main_options, cmd);
    if ((o && o->id == OPT_HELP) || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return VKMMU_EXIT_OK;
    }
    if (o && o->id == OPT_VERSION) {
        printf("vkmmu %s (git %s)\n", VKMMU_VERSION, VKMMU_GIT_COMMIT);
        return VKMMU_EXIT_OK;
    }
    fprintf(stderr, "vkmmu: unknown command '%s' (see 'vkmmu --help')\n", cmd);
    return VKMMU_EXIT_USAGE;
}

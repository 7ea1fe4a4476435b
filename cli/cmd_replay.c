/* cli/cmd_replay.c - `vkmmu replay [OPTIONS] TRACE`: its option table, then sim_replay(). */
#include <string.h>

#include "cli.h"

enum { OPT_FORMAT = 1, OPT_REGIONS, OPT_HELP };

static const struct opt replay_trace_options[] = {
    {"format", 0, "F",
     "the trace's format: auto (default: .vkt by its magic number,\n"
     "*.champsim[.xz|.gz] ChampSim, a `==PID==` first line Lackey,\n"
     "else text), text, vkt, lackey, champsim, cloudsuite;\n"
     "FILE.xz and FILE.gz are decompressed on the fly",
     OPT_FORMAT},
    {"regions", 0, "FILE",
     "regions applied before the trace's first record, instead of\n"
     "the default region: `map START END PROT KIND [NAME]` lines\n"
     "and /proc/PID/maps lines",
     OPT_REGIONS},
    OPT_END,
};
static const struct opt replay_help_option[] = {
    {"help", 'h', NULL, "this text", OPT_HELP},
    OPT_END,
};
static const struct opt *const replay_options[] = {replay_trace_options, sim_model_options,
                                                   replay_help_option, NULL};

static void replay_usage(FILE *out)
{
    fputs("usage: vkmmu replay [OPTIONS] TRACE\n"
          "Replays a trace (TRACE, or - for standard input) through every configuration in\n"
          "one pass and prints one row per configuration.\n"
          "\n"
          "options:\n",
          out);
    opt_usage(replay_options, out);
    fputs("\n"
          "A progress line is drawn on stderr when it is a terminal.  SIGINT (Ctrl-C) or\n"
          "SIGTERM stops the replay after the current records and writes the results so far,\n"
          "marked partial; a second Ctrl-C quits at once.\n"
          "\n"
          "exit status: 0 success, 1 failed run, 2 bad usage or bad input, 130 (SIGINT) or\n"
          "143 (SIGTERM) interrupted, partial results written\n",
          out);
}

static int replay_option(void *ctx, const struct opt *o, const char *value)
{
    struct sim_replay_args *a = ctx;
    switch (o->id) {
    case OPT_HELP:
        replay_usage(stdout);
        return OPT_EXIT_OK;
    case OPT_FORMAT:
        return cli_trace_format("replay", value, &a->format);
    case OPT_REGIONS:
        return cli_trace_regions("replay", value, &a->regions_path);
    default:
        return cli_model_option("replay", &a->model, o, value);
    }
}

int cmd_replay(int argc, char **argv)
{
    struct sim_replay_args a;
    char err[SIM_ERR_MAX];
    if (sim_replay_args_init(&a, err, sizeof err) < 0) {
        fprintf(stderr, "vkmmu replay: %s\n", err);
        return VKMMU_EXIT_FAILED;
    }
    int first;
    int st = opt_parse("replay", replay_options, OPT_OPERANDS_MIXED, argc, argv, replay_option,
                       &a, &first);
    if (st)
        return st == OPT_EXIT_OK ? VKMMU_EXIT_OK : st;
    if (first >= argc) {
        fprintf(stderr, "vkmmu replay: missing TRACE (see vkmmu replay --help)\n");
        return VKMMU_EXIT_USAGE;
    }
    if (argc - first > 1) {
        fprintf(stderr, "vkmmu replay: more than one TRACE ('%s', '%s')\n", argv[first],
                argv[first + 1]);
        return VKMMU_EXIT_USAGE;
    }
    a.trace = argv[first];
    a.argc = cli_argc;
    a.argv = cli_argv;
    return sim_replay(&a);
}

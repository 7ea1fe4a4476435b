/* cli/cmd_convert.c - `vkmmu convert IN [--format F] [--regions FILE] -o OUT.vkt`: its option
 * table, then sim_convert(); and the trace options it shares with replay (--format,
 * --regions). */
#include "cli.h"

enum { OPT_OUTPUT = 1, OPT_FORMAT, OPT_REGIONS, OPT_QUIET, OPT_HELP };

static const struct opt convert_table[] = {
    {"output", 'o', "FILE", "the .vkt file to write (required)", OPT_OUTPUT},
    {"format", 0, "F",
     "IN's format: auto (default), text, vkt, lackey, champsim,\n"
     "cloudsuite (see vkmmu replay --help)",
     OPT_FORMAT},
    {"regions", 0, "FILE",
     "regions written before IN's first record (see vkmmu replay\n"
     "--help); IN's own file ids are shifted above the file's",
     OPT_REGIONS},
    {"quiet", 'q', NULL, "no summary line", OPT_QUIET},
    {"help", 'h', NULL, "this text", OPT_HELP},
    OPT_END,
};
static const struct opt *const convert_options[] = {convert_table, NULL};

static void convert_usage(FILE *out)
{
    fputs("usage: vkmmu convert IN [--format F] [--regions FILE] -o OUT.vkt\n"
          "Converts a trace (IN, or - for standard input) to the binary .vkt format.\n"
          "\n"
          "options:\n",
          out);
    opt_usage(convert_options, out);
    fputs("\n"
          "exit status: 0 success, 1 failed (cannot write), 2 bad usage or bad input\n",
          out);
}

int cli_trace_format(const char *cmd, const char *value, enum trc_format *fmt)
{
    if (!value) {
        fprintf(stderr, "vkmmu %s: --format needs a value (auto, text, vkt, lackey, champsim "
                        "or cloudsuite)\n", cmd);
        return VKMMU_EXIT_USAGE;
    }
    if (trc_format_parse(value, fmt) < 0 || *fmt == TRC_FMT_REGIONS) {
        fprintf(stderr, "vkmmu %s: unknown format '%s' (expected auto, text, vkt, lackey, "
                        "champsim or cloudsuite)\n", cmd, value);
        return VKMMU_EXIT_USAGE;
    }
    return 0;
}

int cli_trace_regions(const char *cmd, const char *value, const char **regions_path)
{
    if (!value) {
        fprintf(stderr, "vkmmu %s: --regions needs a FILE\n", cmd);
        return VKMMU_EXIT_USAGE;
    }
    *regions_path = value;
    return 0;
}

static int convert_option(void *ctx, const struct opt *o, const char *value)
{
    struct sim_convert_args *a = ctx;
    switch (o->id) {
    case OPT_HELP:
        convert_usage(stdout);
        return OPT_EXIT_OK;
    case OPT_QUIET:
        a->quiet = true;
        return 0;
    case OPT_FORMAT:
        return cli_trace_format("convert", value, &a->format);
    case OPT_REGIONS:
        return cli_trace_regions("convert", value, &a->regions_path);
    default:
        if (!value) {
            fprintf(stderr, "vkmmu convert: -o needs a FILE\n");
            return VKMMU_EXIT_USAGE;
        }
        a->out = value;
        return 0;
    }
}

/* Parses the command line into *a: 0, or the exit status (OPT_EXIT_OK after --help). */
static int convert_parse(int argc, char **argv, struct sim_convert_args *a)
{
    int first;
    int st = opt_parse("convert", convert_options, OPT_OPERANDS_MIXED, argc, argv,
                       convert_option, a, &first);
    if (st)
        return st;
    if (argc - first > 1) {
        fprintf(stderr, "vkmmu convert: more than one IN ('%s', '%s')\n", argv[first],
                argv[first + 1]);
        return VKMMU_EXIT_USAGE;
    }
    a->in = first < argc ? argv[first] : NULL;
    if (!a->in || !a->out) {
        fprintf(stderr, "vkmmu convert: missing %s (see vkmmu convert --help)\n",
                !a->in ? "IN" : "-o OUT.vkt");
        return VKMMU_EXIT_USAGE;
    }
    return 0;
}

int cmd_convert(int argc, char **argv)
{
    struct sim_convert_args a = {.format = TRC_FMT_AUTO};
    int st = convert_parse(argc, argv, &a);
    if (st)
        return st == OPT_EXIT_OK ? VKMMU_EXIT_OK : st;
    return sim_convert(&a);
}

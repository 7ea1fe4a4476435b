/* tools/cmd_forktrace.c - `vkmmu forktrace [--child-writes PCT] [--prefix NAME] -o DIR K...`:
 * writes the fork scenario of tools/fork_trace.c and its baseline for every K given, as
 * DIR/PREFIX-kK.vkt.txt and DIR/PREFIX-kK-base.vkt.txt (docs/processes.md). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim.h"
#include "tools.h"

#define FT_DEFAULT_CHILD_WRITES 25

enum { FT_OUTPUT = 1, FT_CHILD_WRITES, FT_PREFIX, FT_HELP };

static const struct opt ft_options[] = {
    {NULL, 'o', "DIR", "where the traces go (created if missing)", FT_OUTPUT},
    {"child-writes", 0, "PCT",
     "the share of the K pages the child writes, spread evenly\n(0 to 100, default 25)",
     FT_CHILD_WRITES},
    {"prefix", 0, "NAME", "the traces' names: NAME-kK.vkt.txt (default fork)", FT_PREFIX},
    {"help", 'h', NULL, "this text", FT_HELP},
    OPT_END,
};
static const struct opt *const ft_tables[] = {ft_options, NULL};

struct ft_args {
    const char *dir, *prefix;
    unsigned child_write_pct;
};

static void ft_usage(FILE *out)
{
    fputs("usage: vkmmu forktrace [--child-writes PCT] [--prefix NAME] -o DIR K...\n"
          "Writes, for every K (pages touched), a text trace of one fork+exit+wait and its\n"
          "baseline: the parent writes K anonymous pages and forks; the child reads them,\n"
          "writes PCT% of them and exits; the parent waits and writes them again.  The\n"
          "baseline is the same without the fork, the child and the wait.  Replay both with\n"
          "vkmmu replay --json and draw them with vkmmu plot --kind fork (docs/processes.md).\n"
          "\n"
          "options:\n",
          out);
    opt_usage(ft_tables, out);
    fputs("exit status: 0 success, 1 a trace could not be written, 2 bad usage\n", out);
}

/* A decimal number from lo to hi into *out; false otherwise. */
static bool parse_unsigned(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *s == '-' || *s == '+' || *end || errno || v < lo || v > hi)
        return false;
    *out = (unsigned)v;
    return true;
}

static int ft_option(void *ctx, const struct opt *o, const char *v)
{
    struct ft_args *a = ctx;
    if (o->value && !v)
        return 0; /* opt_parse prints "X: missing value" */
    switch (o->id) {
    case FT_OUTPUT:
        a->dir = v;
        break;
    case FT_CHILD_WRITES:
        if (!parse_unsigned(v, 0, 100, &a->child_write_pct)) {
            fprintf(stderr, "vkmmu forktrace: --child-writes '%s': expected a percentage from 0 "
                            "to 100\n", v);
            return VKMMU_EXIT_USAGE;
        }
        break;
    case FT_PREFIX:
        if (!*v || strpbrk(v, "/ \t\n") || strlen(v) > 200) {
            fprintf(stderr, "vkmmu forktrace: --prefix '%s': expected a name of 1 to 200 "
                            "characters without '/' or blanks\n", v);
            return VKMMU_EXIT_USAGE;
        }
        a->prefix = v;
        break;
    case FT_HELP:
        ft_usage(stdout);
        return OPT_EXIT_OK;
    }
    return 0;
}

/* Every K checked before anything is written.  0, or the exit status after the message. */
static int check_pages(int argc, char **argv, int first)
{
    if (first >= argc) {
        fputs("vkmmu forktrace: no K given (the pages touched, e.g. 4 256 2048)\n", stderr);
        return VKMMU_EXIT_USAGE;
    }
    for (int i = first; i < argc; i++) {
        unsigned k;
        if (!parse_unsigned(argv[i], 1, FORK_TRACE_MAX_PAGES, &k)) {
            fprintf(stderr, "vkmmu forktrace: K '%s': expected a number of pages from 1 to %u\n",
                    argv[i], FORK_TRACE_MAX_PAGES);
            return VKMMU_EXIT_USAGE;
        }
    }
    return 0;
}

int cmd_forktrace(int argc, char **argv)
{
    struct ft_args a = {.prefix = "fork", .child_write_pct = FT_DEFAULT_CHILD_WRITES};
    int first;
    int st = opt_parse("forktrace", ft_tables, OPT_OPERANDS_MIXED, argc, argv, ft_option, &a,
                       &first);
    if (st == OPT_EXIT_OK)
        return VKMMU_EXIT_OK;
    if (st)
        return st;
    if (!a.dir) {
        fputs("vkmmu forktrace: -o DIR is required\n", stderr);
        return VKMMU_EXIT_USAGE;
    }
    if ((st = check_pages(argc, argv, first)) != 0)
        return st;
    if (mkdir(a.dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "vkmmu forktrace: %s: cannot create: %s\n", a.dir, strerror(errno));
        return VKMMU_EXIT_FAILED;
    }
    for (int i = first; i < argc; i++) {
        char err[PATH_MAX + 128];
        if (fork_trace_pair(a.dir, a.prefix, (unsigned)strtoul(argv[i], NULL, 10),
                            a.child_write_pct, err, sizeof err) != 0) {
            fprintf(stderr, "vkmmu forktrace: %s\n", err);
            return VKMMU_EXIT_FAILED;
        }
    }
    return VKMMU_EXIT_OK;
}

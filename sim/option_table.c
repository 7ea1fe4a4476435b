/* sim/option_table.c - parsing and help of a command's option tables (option_table.h). */
#include "option_table.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define HELP_COLUMN 23
#define LONG_BASE 256 /* getopt_long's val of entry k: LONG_BASE + k (above every char) */

/* Every entry of the tables that is an option, in order. */
struct entries {
    const struct opt **v;
    size_t n;
};

static bool is_end(const struct opt *o)
{
    return !o->name && !o->help;
}

/* An option (long name, short name or both), not a line of help text. */
static bool is_option(const struct opt *o)
{
    return o->name || o->short_name;
}

static int collect(const struct opt *const *tables, struct entries *e)
{
    size_t n = 0;
    for (size_t t = 0; tables[t]; t++)
        for (const struct opt *o = tables[t]; !is_end(o); o++)
            n += is_option(o);
    e->v = calloc(n + 1, sizeof *e->v);
    e->n = 0;
    if (!e->v)
        return -1;
    for (size_t t = 0; tables[t]; t++)
        for (const struct opt *o = tables[t]; !is_end(o); o++)
            if (is_option(o))
                e->v[e->n++] = o;
    return 0;
}

/* getopt_long's description of the entries: "-:" (operands returned in order) or "+:" (stop
 * at the first operand), then the short options. */
static int describe(const struct entries *e, enum opt_operands mode, struct option **longopts,
                    char **shortopts)
{
    *longopts = calloc(e->n + 1, sizeof **longopts);
    *shortopts = calloc(2 * e->n + 3, 1);
    if (!*longopts || !*shortopts)
        return -1;
    char *s = *shortopts;
    *s++ = mode == OPT_OPERANDS_STOP ? '+' : '-';
    *s++ = ':';
    size_t nlong = 0;
    for (size_t k = 0; k < e->n; k++) {
        const struct opt *o = e->v[k];
        if (o->name)
            (*longopts)[nlong++] = (struct option){
                o->name, o->value ? required_argument : no_argument, NULL, LONG_BASE + (int)k};
        if (o->short_name) {
            *s++ = o->short_name;
            if (o->value)
                *s++ = ':';
        }
    }
    return 0;
}

static const struct opt *by_val(const struct entries *e, int val)
{
    if (val >= LONG_BASE && (size_t)(val - LONG_BASE) < e->n)
        return e->v[val - LONG_BASE];
    for (size_t k = 0; k < e->n; k++)
        if (val > 0 && e->v[k]->short_name == val)
            return e->v[k];
    return NULL;
}

static int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "vkmmu %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return VKMMU_EXIT_USAGE;
}

struct parse {
    const char *cmd;
    const struct entries *e;
    int argc;
    char **argv;
    char **operands; /* in command-line order */
    int noperands;
};

/* The option as written: argv[at] when that element starts with '-', else "-c". */
static const char *as_written(const struct parse *p, int at, int c, char buf[3])
{
    if (at > 0 && at < p->argc && p->argv[at][0] == '-')
        return p->argv[at];
    buf[0] = '-', buf[1] = (char)c, buf[2] = '\0';
    return buf;
}

/* False when argv[at] abbreviates the long option o: getopt_long accepts unambiguous
 * abbreviations ("--sch" for "--scheme"), vkmmu takes only whole names. */
static bool written_whole(const struct parse *p, int at, const struct opt *o)
{
    if (at <= 0 || at >= p->argc || strncmp(p->argv[at], "--", 2) != 0 || !o->name)
        return true; /* a short option */
    const char *a = p->argv[at] + 2;
    size_t n = strcspn(a, "=");
    return n == strlen(o->name) && !strncmp(a, o->name, n);
}

/* One answer c of getopt_long for the element that started at argv[at]: an operand, an
 * option or an error.  0 to go on, else the exit status. */
static int one(struct parse *p, int c, int at, opt_handler handler, void *ctx)
{
    char buf[3];
    if (c == 1) {
        p->operands[p->noperands++] = optarg;
        return 0;
    }
    const struct opt *o = by_val(p->e, c == ':' || c == '?' ? optopt : c);
    if (c == ':' && o && !o->name)
        return usage_error(p->cmd, "-%c: missing value", o->short_name);
    if (c == ':') {
        int st = o ? handler(ctx, o, NULL) : 0;
        return st ? st : usage_error(p->cmd, "--%s: missing value", o ? o->name : "?");
    }
    if (c == '?' && optopt >= LONG_BASE && o)
        return usage_error(p->cmd, "--%s takes no value", o->name);
    if (c == '?' || !o || !written_whole(p, at, o))
        return usage_error(p->cmd, "unknown option '%s' (see vkmmu %s --help)",
                           as_written(p, at, c == '?' ? optopt : c, buf), p->cmd);
    return handler(ctx, o, o->value ? optarg : NULL);
}

/* Runs getopt_long over argv; operands are collected in p->operands. */
static int run_getopt(struct parse *p, const struct option *longopts, const char *shortopts,
                      opt_handler handler, void *ctx)
{
    opterr = 0;
    optind = 0; /* a full re-initialization: commands may parse more than once */
    for (;;) {
        int at = optind ? optind : 1;
        int c = getopt_long(p->argc, p->argv, shortopts, longopts, NULL);
        if (c == -1)
            break;
        int st = one(p, c, at, handler, ctx);
        if (st)
            return st;
    }
    while (optind < p->argc)
        p->operands[p->noperands++] = p->argv[optind++];
    return 0;
}

int opt_parse(const char *cmd, const struct opt *const *tables, enum opt_operands mode,
              int argc, char **argv, opt_handler handler, void *ctx, int *first_operand)
{
    struct entries e;
    struct option *longopts = NULL;
    char *shortopts = NULL;
    struct parse p = {cmd, &e, argc, argv, calloc((size_t)argc + 1, sizeof(char *)), 0};
    int st = VKMMU_EXIT_FAILED;
    if (collect(tables, &e) == 0 && p.operands && describe(&e, mode, &longopts, &shortopts) == 0)
        st = run_getopt(&p, longopts, shortopts, handler, ctx);
    else
        fprintf(stderr, "vkmmu %s: out of memory\n", cmd);
    if (st == 0) {
        /* The operands go last, in order; the strings themselves do not move. */
        *first_operand = argc - p.noperands;
        memcpy(argv + *first_operand, p.operands, (size_t)p.noperands * sizeof(char *));
    }
    free(p.operands);
    free(e.v);
    free(longopts);
    free(shortopts);
    return st;
}

/* ---- help ---- */

static void help_text(const char *help, size_t column, size_t column_now, FILE *out)
{
    const char *line = help;
    for (;;) {
        size_t n = strcspn(line, "\n");
        fprintf(out, "%*s%.*s\n", (int)(column - column_now), "", (int)n, line);
        if (!line[n])
            return;
        line += n + 1;
        column_now = 0;
    }
}

void opt_usage(const struct opt *const *tables, FILE *out)
{
    opt_usage_at(tables, HELP_COLUMN, out);
}

void opt_usage_at(const struct opt *const *tables, int column, FILE *out)
{
    size_t help_column = (size_t)column;
    for (size_t t = 0; tables[t]; t++)
        for (const struct opt *o = tables[t]; !is_end(o); o++) {
            if (!is_option(o)) {
                help_text(o->help, help_column, 0, out);
                continue;
            }
            char left[128];
            size_t len = (size_t)(!o->name ? snprintf(left, sizeof left, "  -%c", o->short_name)
                                  : o->short_name
                                      ? snprintf(left, sizeof left, "  -%c, --%s", o->short_name, o->name)
                                      : snprintf(left, sizeof left, "  --%s", o->name));
            if (o->value && len < sizeof left)
                len += (size_t)snprintf(left + len, sizeof left - len, " %s", o->value);
            fputs(left, out);
            if (!o->help) {
                fputc('\n', out);
            } else if (len + 2 <= help_column) {
                help_text(o->help, help_column, len, out);
            } else {
                fputs("  ", out);
                help_text(o->help, help_column, help_column, out);
            }
        }
}

const struct opt *opt_find(const struct opt *const *tables, const char *arg)
{
    for (size_t t = 0; tables[t]; t++)
        for (const struct opt *o = tables[t]; !is_end(o); o++) {
            if (!is_option(o) || arg[0] != '-')
                continue;
            if (o->name && arg[1] == '-' && !strcmp(arg + 2, o->name))
                return o;
            if (o->short_name && arg[1] == o->short_name && !arg[2])
                return o;
        }
    return NULL;
}

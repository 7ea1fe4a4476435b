/* tests/cli/test_option_table.c - one option table drives parsing and help
 * (sim/option_table.c): forms of values, operands in order, whole names only, and the help
 * layout every command's --help uses. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

enum { O_OUT = 1, O_QUIET, O_SCHEME, O_INVAL };
static const struct opt table[] = {
    {"output", 'o', "FILE", "the file to write", O_OUT},
    {"quiet", 'q', NULL, "no summary line", O_QUIET},
    {"scheme", 0, "LIST", "comma-separated schemes\nsecond line", O_SCHEME},
    {"inval-every-enter", 0, NULL, "release 1.8", O_INVAL},
    {NULL, 0, NULL, "a line of text", 0},
    OPT_END,
};
static const struct opt *const tables[] = {table, NULL};

struct seen {
    char log[512];
};
static int record(void *ctx, const struct opt *o, const char *value)
{
    struct seen *s = ctx;
    size_t n = strlen(s->log);
    snprintf(s->log + n, sizeof s->log - n, "%s=%s;", o->name, value ? value : "(flag)");
    return 0;
}

static int parse(enum opt_operands mode, struct seen *s, int *first, int argc, char **argv)
{
    memset(s, 0, sizeof *s);
    return opt_parse("test", tables, mode, argc, argv, record, s, first);
}

Test(option_table, values_in_every_form_and_operands_in_order)
{
    char *argv[] = {"test", "in1", "--output", "a", "-ob", "-o", "c", "--scheme=vpt", "-q",
                    "in2", "-", "--", "--quiet", NULL};
    struct seen s;
    int first;
    cr_assert_eq(parse(OPT_OPERANDS_MIXED, &s, &first, 13, argv), 0);
    cr_assert_str_eq(s.log, "output=a;output=b;output=c;scheme=vpt;quiet=(flag);");
    cr_assert_eq(first, 13 - 4);
    cr_assert_str_eq(argv[first], "in1");
    cr_assert_str_eq(argv[first + 1], "in2");
    cr_assert_str_eq(argv[first + 2], "-");
    cr_assert_str_eq(argv[first + 3], "--quiet"); /* after "--": an operand */
}

Test(option_table, stop_mode_leaves_the_program_arguments_alone)
{
    char *argv[] = {"test", "-q", "prog", "--output", "x", NULL};
    struct seen s;
    int first;
    cr_assert_eq(parse(OPT_OPERANDS_STOP, &s, &first, 5, argv), 0);
    cr_assert_str_eq(s.log, "quiet=(flag);");
    cr_assert_eq(first, 2);
    cr_assert_str_eq(argv[3], "--output");
}

Test(option_table, abbreviations_are_unknown_options, .init = cr_redirect_stderr)
{
    char *argv[] = {"test", "--sch", "vpt", NULL};
    struct seen s;
    int first;
    cr_assert_eq(parse(OPT_OPERANDS_MIXED, &s, &first, 3, argv), VKMMU_EXIT_USAGE);
    cr_assert_str_eq(s.log, "");
    fflush(stderr);
    cr_assert_stderr_eq_str("vkmmu test: unknown option '--sch' (see vkmmu test --help)\n");
}

Test(option_table, unknown_short_option, .init = cr_redirect_stderr)
{
    char *argv[] = {"test", "-x", NULL};
    struct seen s;
    int first;
    cr_assert_eq(parse(OPT_OPERANDS_MIXED, &s, &first, 2, argv), VKMMU_EXIT_USAGE);
    fflush(stderr);
    cr_assert_stderr_eq_str("vkmmu test: unknown option '-x' (see vkmmu test --help)\n");
}

Test(option_table, missing_value, .init = cr_redirect_stderr)
{
    char *argv[] = {"test", "--scheme", NULL};
    struct seen s;
    int first;
    cr_assert_eq(parse(OPT_OPERANDS_MIXED, &s, &first, 2, argv), VKMMU_EXIT_USAGE);
    fflush(stderr);
    cr_assert_stderr_eq_str("vkmmu test: --scheme: missing value\n");
}

Test(option_table, flag_with_a_value, .init = cr_redirect_stderr)
{
    char *argv[] = {"test", "--inval-every-enter=1", NULL};
    struct seen s;
    int first;
    cr_assert_eq(parse(OPT_OPERANDS_MIXED, &s, &first, 2, argv), VKMMU_EXIT_USAGE);
    fflush(stderr);
    cr_assert_stderr_eq_str("vkmmu test: --inval-every-enter takes no value\n");
}

Test(option_table, a_second_parse_starts_afresh)
{
    char *a1[] = {"test", "-q", "x", NULL};
    char *a2[] = {"test", "--output", "y", NULL};
    struct seen s;
    int first;
    cr_assert_eq(parse(OPT_OPERANDS_MIXED, &s, &first, 3, a1), 0);
    cr_assert_eq(parse(OPT_OPERANDS_MIXED, &s, &first, 3, a2), 0);
    cr_assert_str_eq(s.log, "output=y;");
    cr_assert_eq(first, 3);
}

Test(option_table, help_layout)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    opt_usage(tables, f);
    fclose(f);
    cr_assert_str_eq(buf, "  -o, --output FILE    the file to write\n"
                          "  -q, --quiet          no summary line\n"
                          "  --scheme LIST        comma-separated schemes\n"
                          "                       second line\n"
                          "  --inval-every-enter  release 1.8\n"
                          "                       a line of text\n");
    free(buf);
}

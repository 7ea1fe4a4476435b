/* sim/include/option_table.h - a command's options as one table that drives both the parsing
 * (getopt_long) and the help text, so that the two cannot drift apart.
 *
 * A command lists its options (and may append shared tables, such as the model options of
 * sim.h), calls opt_parse with a handler that receives each option's id and value, and prints
 * its help with opt_usage.  Behaviour shared by every command:
 *   --name VALUE and --name=VALUE; -x VALUE and -xVALUE for short names;
 *   long names are matched whole (no abbreviations);
 *   options and operands may be mixed unless the command stops at its first operand (run);
 *   "--" ends the options; "-" alone is an operand (standard input or output). */
#ifndef VKMMU_OPTION_TABLE_H
#define VKMMU_OPTION_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct opt {
    /* long name without "--"; NULL for an option with a short name only (-j N), or, without
     * a short name either, for a line of help text only */
    const char *name;
    char short_name;   /* 'o' for -o, or 0 */
    const char *value; /* the value's name in the help ("FILE"); NULL for a flag */
    /* Help text: lines separated by '\n', each printed in the help column; a line of help
     * text only (name NULL) is printed from the help column too. */
    const char *help;
    int id;            /* what the handler is told; distinct within one parse */
};

/* A table ends with an entry whose name and help are both NULL (OPT_END).  A parse takes the
 * tables of a command as a NULL-terminated array, in help order. */
#define OPT_END {NULL, 0, NULL, NULL, 0}

/* Called for every option in command-line order.  value is NULL for a flag.  Returns 0 to go
 * on, or an exit status (> 0) to stop parsing with it; on usage errors it prints the message
 * itself.  An option that takes a value but was given none is also passed to the handler,
 * with value NULL, so that a command may print its own message and return 2; when the handler
 * returns 0, opt_parse prints "--name: missing value".  OPT_EXIT_OK stops the parse at once
 * with success (--help printed): opt_parse returns it and the command exits 0. */
typedef int (*opt_handler)(void *ctx, const struct opt *o, const char *value);
#define OPT_EXIT_OK (-1)

/* What opt_parse does with what is not an option. */
enum opt_operands {
    OPT_OPERANDS_MIXED, /* operands may come between options (GNU order) */
    OPT_OPERANDS_STOP,  /* options end at the first operand (vkmmu run PROGRAM ARGS...) */
};

/* Parses argv[1..argc) (argv[0] is the command's name).  Errors are printed as
 * "vkmmu CMD: unknown option 'X' (see vkmmu CMD --help)", "vkmmu CMD: --name: missing value",
 * "vkmmu CMD: --name takes no value" and give exit status 2.  On success returns 0 with
 * *first_operand the index of the first operand in argv (the operands are then
 * argv[*first_operand..argc), options moved before them); otherwise the exit status (or
 * OPT_EXIT_OK from the handler). */
int opt_parse(const char *cmd, const struct opt *const *tables, enum opt_operands mode,
              int argc, char **argv, opt_handler handler, void *ctx, int *first_operand);

/* Prints the options of tables as help lines: "  -o, --name VALUE" (or "  -o VALUE" for a
 * short name only) then the help text from column 23 (on the next line when the left part is
 * too wide for two spaces before it). */
void opt_usage(const struct opt *const *tables, FILE *out);
/* The option of tables written exactly as arg ("--name" or "-x"), or NULL: for main(), which
 * looks only at its first argument (a command, --help or --version). */
const struct opt *opt_find(const struct opt *const *tables, const char *arg);
/* opt_usage with the help text from column instead of 23. */
void opt_usage_at(const struct opt *const *tables, int column, FILE *out);

#endif

/* cli/cmd_convert.c - placeholder until `vkmmu convert` is written. */
#include "cli.h"

int cmd_convert(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "vkmmu convert: not available in this build yet\n");
    return CLI_EXIT_USAGE;
}

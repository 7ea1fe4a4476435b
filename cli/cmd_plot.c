/* cli/cmd_plot.c - placeholder until `vkmmu plot` is written. */
#include "cli.h"

int cmd_plot(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "vkmmu plot: not available in this build yet\n");
    return CLI_EXIT_USAGE;
}

/* cli/cmd_sweep.c - placeholder until `vkmmu sweep` and `vkmmu merge` are written. */
#include "cli.h"

int cmd_sweep(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "vkmmu sweep: not available in this build yet\n");
    return CLI_EXIT_USAGE;
}

int cmd_merge(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "vkmmu merge: not available in this build yet\n");
    return CLI_EXIT_USAGE;
}

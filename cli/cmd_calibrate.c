/* cli/cmd_calibrate.c - placeholder until `vkmmu calibrate` is written. */
#include "cli.h"

int cmd_calibrate(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "vkmmu calibrate: not available in this build yet\n");
    return CLI_EXIT_USAGE;
}

/* cli/cmd_demo.c - placeholder until `vkmmu demo` is written. */
#include "cli.h"

int cmd_demo(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "vkmmu demo: not available in this build yet\n");
    return CLI_EXIT_USAGE;
}

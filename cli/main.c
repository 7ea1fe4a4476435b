/* cli/main.c - the vkmmu command: dispatches to the subcommands. */
#include <string.h>

#include "cli.h"

int cli_argc;
char **cli_argv;

static void usage(FILE *out)
{
    fputs("usage: vkmmu COMMAND [OPTIONS] [ARGS]\n"
          "vkmmu models the two-stage VPAGETABLE MMU of the DragonFly BSD virtual kernel and\n"
          "counts its faults, reflections, dirty-bit traps and invalidations.\n"
          "\n"
          "commands:\n"
          "  replay [OPTIONS] TRACE   replay a vkmmu text trace through every configuration\n"
          "  run [OPTIONS] PROGRAM    run an i386 program under the emulator and the model\n"
          "  list                     list schemes, policies, dirty strategies, cost profiles\n"
          "  --help                   this text\n"
          "  --version                the version and git commit\n"
          "\n"
          "`vkmmu COMMAND --help` describes a command's options.\n"
          "exit status: 0 success, 1 failed run, 2 bad usage or bad input\n",
          out);
}

int main(int argc, char **argv)
{
    cli_argc = argc;
    cli_argv = argv;
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "replay"))
        return cmd_replay(argc - 1, argv + 1);
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "list"))
        return cmd_list(argc - 1, argv + 1);
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (!strcmp(cmd, "--version")) {
        printf("vkmmu %s (git %s)\n", VKMMU_VERSION, VKMMU_GIT_COMMIT);
        return CLI_EXIT_OK;
    }
    fprintf(stderr, "vkmmu: unknown command '%s' (expected replay, run, list, --help or "
                    "--version)\n", cmd);
    return CLI_EXIT_USAGE;
}

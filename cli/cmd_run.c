/* cli/cmd_run.c - `vkmmu run [OPTIONS] [--] PROGRAM [ARGS...]`: its option table, then
 * sim_run().  The options end at PROGRAM: what follows is the program's own. */
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* --top N: emu_options.top is unsigned; the list is only cut at N, so any N up to that works. */
#define RUN_TOP_MAX ((uint64_t)UINT_MAX)
/* --max-procs N: each process holds a Unicorn machine (its guest memory is the host's). */
#define RUN_MAX_PROCS_MAX 4096u

enum {
    OPT_ENGINE = 1, OPT_ROOT, OPT_SYSROOT, OPT_WRITABLE, OPT_SEED, OPT_STDIN, OPT_STDOUT, OPT_MAX_INSNS,
    OPT_TIMEOUT, OPT_GUEST_MEM, OPT_MAX_PROCS, OPT_RECORD, OPT_TOP, OPT_HELP,
};

static const struct opt run_table[] = {
    {"engine", 0, "paging|hooks",
     "paging: the model's real PTEs are Unicorn's page tables (one\n"
     "pass per configuration); hooks: one pass, every access hooked\n"
     "(default: paging with one reported configuration and no\n"
     "--tlb, else hooks)",
     OPT_ENGINE},
    {"root", 0, "DIR", "the only directory tree the guest sees (default .)", OPT_ROOT},
    {"sysroot", 0, "DIR",
     "a read-only system view: paths the root lacks are looked up\n"
     "here (--sysroot / gives the host's libraries; default none)",
     OPT_SYSROOT},
    {"writable", 0, NULL, "let the guest create, write, rename and remove files there",
     OPT_WRITABLE},
    {"seed", 0, "N", "seed of the guest's virtual clock and getrandom (default 1)", OPT_SEED},
    {"stdin", 0, "FILE", "the guest's standard input (default: vkmmu's)", OPT_STDIN},
    {"stdout", 0, "FILE", "the guest's standard output (default: vkmmu's)", OPT_STDOUT},
    {"max-insns", 0, "N", "stop the guest after N instructions (exit status 1)", OPT_MAX_INSNS},
    {"timeout", 0, "SECONDS",
     "stop the guest after SECONDS of wall-clock time (exit status\n"
     "124; results so far written, marked partial)",
     OPT_TIMEOUT},
    {"guest-mem", 0, "SIZE",
     "cap the total size of the guest's regions (image, stack, brk,\n"
     "mmap) like RLIMIT_AS: a brk or mmap past it fails (ENOMEM);\n"
     "default unlimited",
     OPT_GUEST_MEM},
    {"max-procs", 0, "N",
     "at most N guest processes at once (default 64): a fork\n"
     "beyond answers EAGAIN, as Linux does at RLIMIT_NPROC",
     OPT_MAX_PROCS},
    {"record", 0, "FILE.vkt",
     "record every event of the run (implies --engine hooks);\n"
     "`vkmmu replay FILE.vkt` reproduces the run's counts",
     OPT_RECORD},
    {"top", 0, "N",
     "list the N instructions causing the most reflections and\n"
     "dirty-bit traps (first configuration)",
     OPT_TOP},
    {"help", 'h', NULL, "this text", OPT_HELP},
    OPT_END,
};
static const struct opt *const run_options[] = {sim_model_options, run_table, NULL};

static void run_usage(FILE *out)
{
    fputs("usage: vkmmu run [OPTIONS] [--] PROGRAM [ARGS...]\n"
          "Runs an i386 or x86-64 Linux program (static, static-pie or dynamically linked: its\n"
          "interpreter is loaded as Linux loads it) under Unicorn with every configuration in\n"
          "the loop.  The guest's stdin/stdout/stderr are vkmmu's; the report goes to stderr.\n"
          "\n"
          "options:\n",
          out);
    opt_usage(run_options, out);
    fputs("\n"
          "A progress line is drawn on stderr when it is a terminal.  SIGINT (Ctrl-C) or\n"
          "SIGTERM stops the guest and writes the results so far, marked partial; a second\n"
          "Ctrl-C quits at once.\n"
          "\n"
          "exit status: the guest's (128+N when it dies of signal N), 1 failed run or\n"
          "--max-insns reached, 2 bad usage or bad program, 124 --timeout reached, 130\n"
          "(SIGINT) or 143 (SIGTERM) interrupted\n",
          out);
}

static int usage_error(const char *what, const char *value)
{
    fprintf(stderr, "vkmmu run: %s, got '%s'\n", what, value ? value : "");
    return VKMMU_EXIT_USAGE;
}

/* --seed, --max-insns, --top: an integer from 0 to max. */
static int count_option(const struct opt *o, const char *value, uint64_t max, uint64_t *out)
{
    if (value && sim_parse_uint(value, 0, max, out) == 0)
        return 0;
    fprintf(stderr, "vkmmu run: --%s: expected an integer from 0 to %" PRIu64 ", got '%s'\n",
            o->name, max, value ? value : "");
    return VKMMU_EXIT_USAGE;
}

static int timeout_option(const char *value, double *seconds)
{
    char *end = NULL;
    /* decimal only: strtod alone also takes " 5", "+5", "0x10", "inf" */
    bool plain = value && (isdigit((unsigned char)value[0]) || value[0] == '.') &&
                 !strpbrk(value, "xX");
    double t = plain ? strtod(value, &end) : 0;
    if (!plain || *end || !(t > 0) || t > 1e9)
        return usage_error("--timeout: expected a positive number of seconds (at most "
                           "1000000000)", value);
    *seconds = t;
    return 0;
}

static int guest_mem_option(const char *value, uint64_t *bytes)
{
    int sz = value ? vk_parse_size(value, bytes) : -1;
    if (sz == -2) {
        fprintf(stderr, "vkmmu run: --guest-mem: '%s' does not fit in 64 bits (expected less "
                        "than 2^64 bytes; a 32-bit guest uses at most 4G)\n", value);
        return VKMMU_EXIT_USAGE;
    }
    if (sz < 0 || *bytes < 4096)
        return usage_error("--guest-mem: expected a size such as 64M or 1G (at least 4k)", value);
    return 0;
}

/* --root DIR, --sysroot DIR, --stdin FILE, --stdout FILE, --record FILE.vkt */
static int path_option(const struct opt *o, const char *value, const char **path)
{
    if (!value) {
        fprintf(stderr, "vkmmu run: --%s: expected a %s\n", o->name,
                o->id == OPT_ROOT || o->id == OPT_SYSROOT ? "directory" : "file");
        return VKMMU_EXIT_USAGE;
    }
    *path = value;
    return 0;
}

static int run_option(void *ctx, const struct opt *o, const char *value)
{
    struct sim_run_args *a = ctx;
    uint64_t n;
    int st;
    switch (o->id) {
    case OPT_HELP: run_usage(stdout); return OPT_EXIT_OK;
    case OPT_ENGINE:
        if (!value || emu_engine_parse(value, &a->engine) != 0 || a->engine == EMU_ENGINE_BARE)
            return usage_error("--engine: expected paging or hooks", value);
        a->engine_set = true;
        return 0;
    case OPT_ROOT: return path_option(o, value, &a->root);
    case OPT_SYSROOT: return path_option(o, value, &a->sysroot);
    case OPT_STDIN: return path_option(o, value, &a->stdin_path);
    case OPT_STDOUT: return path_option(o, value, &a->stdout_path);
    case OPT_RECORD: return path_option(o, value, &a->record_path);
    case OPT_WRITABLE: a->writable = true; return 0;
    case OPT_SEED: return count_option(o, value, UINT64_MAX, &a->seed);
    case OPT_MAX_INSNS: return count_option(o, value, UINT64_MAX, &a->max_insns);
    case OPT_TOP:
        if ((st = count_option(o, value, RUN_TOP_MAX, &n)) == 0)
            a->top = (unsigned)n;
        return st;
    case OPT_TIMEOUT: return timeout_option(value, &a->timeout_s);
    case OPT_GUEST_MEM: return guest_mem_option(value, &a->guest_mem);
    case OPT_MAX_PROCS:
        if (!value || sim_parse_uint(value, 1, RUN_MAX_PROCS_MAX, &n) != 0) {
            fprintf(stderr, "vkmmu run: --max-procs: expected an integer from 1 to %u, got "
                            "'%s'\n", RUN_MAX_PROCS_MAX, value ? value : "");
            return VKMMU_EXIT_USAGE;
        }
        a->max_procs = (unsigned)n;
        return 0;
    default: return cli_model_option("run", &a->model, o, value);
    }
}

int cmd_run(int argc, char **argv)
{
    struct sim_run_args a;
    char err[SIM_ERR_MAX];
    if (sim_run_args_init(&a, err, sizeof err) < 0) {
        fprintf(stderr, "vkmmu run: %s\n", err);
        return VKMMU_EXIT_FAILED;
    }
    int first;
    int st = opt_parse("run", run_options, OPT_OPERANDS_STOP, argc, argv, run_option, &a, &first);
    if (st)
        return st == OPT_EXIT_OK ? VKMMU_EXIT_OK : st;
    if (first >= argc) {
        fprintf(stderr, "vkmmu run: missing PROGRAM (see vkmmu run --help)\n");
        return VKMMU_EXIT_USAGE;
    }
    a.program = argv[first];
    a.guest_argc = argc - first;
    a.guest_argv = argv + first;
    a.argc = cli_argc;
    a.argv = cli_argv;
    return sim_run(&a);
}

/* bench/emu_bench.c - the emulation benchmark of issues 4 and 13: one guest (i386 or x86-64,
 * from its ELF header), measured side by side in one process on the same loader and machine
 * set-up:
 *   bare      Unicorn with paging on, every page present, only `int 0x80` hooked, no model
 *   paging    --engine paging with one configuration (vpt-1.10/none/strict)
 *   hooks x1  --engine hooks with that configuration
 *   hooks x8  --engine hooks with 8 configurations (4 schemes x policies none and dfly)
 *   native    the host running the same binary itself (fork, exec, wait), when it can: the
 *             slowdown of each engine against it
 * Each is run REPEAT times (default 3, rounds interleaved); the median wall time of the emulation (uc_emu_start to
 * its return, set-up excluded) is reported with the speed relative to bare and the goal
 * (paging >= 0.8, hooks x1 >= 0.5, hooks x8 >= 0.25 of bare's speed).
 *
 * usage: emu_bench [-r REPEAT] [-C DIR] [-e ENGINE] PROGRAM [ARGS...]   (guest output goes to
 * /dev/null; DIR is the guest's --root, default .; -e runs one variant, for profiling) */
#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu.h"

struct variant {
    const char *name;
    enum emu_engine engine;
    unsigned nconfigs;
    double goal; /* fraction of bare's speed; 0 = the reference */
};

static const struct variant variants[] = {
    {"bare", EMU_ENGINE_BARE, 0, 0},
    {"paging x1", EMU_ENGINE_PAGING, 1, 0.8},
    {"hooks x1", EMU_ENGINE_HOOKS, 1, 0.5},
    {"hooks x8", EMU_ENGINE_HOOKS, 8, 0.25},
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int add_config(struct vk_set *set, const char *scheme, const char *policy)
{
    struct vk_config c = {0};
    char err[256];
    c.scheme = vk_scheme_find(scheme);
    c.dirty = vk_dirty_find("strict");
    if (!c.scheme || !c.dirty || vk_policy_parse(policy, &c.policy, err, sizeof err) != 0) {
        fprintf(stderr, "emu_bench: cannot build configuration %s/%s\n", scheme, policy);
        return -1;
    }
    const struct mmu_cost_profile *p = mmu_cost_profile_find("modern");
    return vk_set_add(set, &c, p ? p->costs : NULL) < 0 ? -1 : 0;
}

static int build(struct vk_set *set, unsigned n, enum mmu_arch arch)
{
    static const char *const schemes[] = {"vpt-1.10", "vpt", "native", "linux"};
    static const char *const policies[] = {"none", "dfly"};
    vk_set_init(set, arch);
    for (unsigned i = 0; i < n; i++)
        if (add_config(set, schemes[i % 4], policies[(i / 4) % 2]) != 0)
            return -1;
    return 0;
}

/* The same program run by the host itself (fork, execv in the guest's root, output to
 * /dev/null), timed from fork to wait: its wall seconds, or 0 when the host cannot run it. */
static double run_native(const struct emu_options *o, int null_fd)
{
    char path[4096];
    if (!realpath(o->program, path))
        return 0;
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        dup2(null_fd, 0);
        dup2(null_fd, 1);
        dup2(null_fd, 2);
        if (chdir(o->gos.root) != 0)
            _exit(127);
        execv(path, o->argv);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) == 127)
        return 0;
    return now_s() - t0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int repeat = 3, i = 1;
    const char *root = ".", *only = NULL;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-r") && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-C") && i + 1 < argc)
            root = argv[++i];
        else if (!strcmp(argv[i], "-e") && i + 1 < argc)
            only = argv[++i];
        else
            break;
    }
    if (i >= argc || repeat < 1 || repeat > 99) {
        fprintf(stderr, "usage: emu_bench [-r REPEAT] [-C ROOT] [-e ENGINE] PROGRAM [ARGS...]\n"
                        "  -e bare|paging|hooks|hooks8: run only that variant (for profiling)\n");
        return 2;
    }
    int null_fd = open("/dev/null", O_RDWR);
    enum mmu_arch arch;
    char aerr[512];
    if (emu_program_arch(argv[i], &arch, aerr, sizeof aerr) != EMU_OK) {
        fprintf(stderr, "emu_bench: %s\n", aerr);
        return 1;
    }
    struct emu_options o = {0};
    o.program = argv[i];
    o.argc = argc - i;
    o.argv = argv + i;
    o.gos.root = root;
    o.gos.seed = 1;
    o.gos.exe_path = "/prog";
    o.gos.stdin_fd = null_fd;
    o.gos.stdout_fd = null_fd;
    o.gos.stderr_fd = null_fd;

    size_t nv = sizeof variants / sizeof variants[0];
    double med[8] = {0};
    uint64_t insns = 0;
    printf("guest (%s): %s", mmu_arch_name(arch), o.program);
    for (int k = i + 1; k < argc; k++)
        printf(" %s", argv[k]);
    printf("  (median of %d runs, emulation time only)\n", repeat);
    printf("%-10s %8s %10s %12s %8s %6s %s\n", "engine", "configs", "seconds", "M insns/s",
           "vs bare", "goal", "");
    static const char *const short_names[] = {"bare", "paging", "hooks", "hooks8"};
    /* Rounds interleave the variants, so a load that comes and goes on the machine hits them
     * alike; each variant's median over the rounds is reported. */
    double t[8][99], native[99] = {0};
    for (int r = 0; r < repeat; r++) {
        for (size_t v = 0; v < nv; v++) {
            if (only && strcmp(only, short_names[v]) != 0)
                continue;
            struct vk_set set;
            if (build(&set, variants[v].nconfigs, arch) != 0)
                return 1;
            o.engine = variants[v].engine;
            struct emu_result res;
            char err[1024];
            int rc = emu_run(&o, &set, &res, err, sizeof err);
            if (rc != EMU_OK) {
                fprintf(stderr, "emu_bench: %s: %s\n", variants[v].name, err);
                return 1;
            }
            if (res.end != EMU_END_EXIT || res.exit_status != 0)
                fprintf(stderr, "emu_bench: %s: the guest ended with status %d\n",
                        variants[v].name, res.exit_status);
            if (res.insns)
                insns = res.insns;
            t[v][r] = res.seconds;
            emu_result_fini(&res);
            vk_set_fini(&set);
        }
        if (!only)
            native[r] = run_native(&o, null_fd);
    }
    for (size_t v = 0; v < nv; v++) {
        if (only && strcmp(only, short_names[v]) != 0)
            continue;
        qsort(t[v], (size_t)repeat, sizeof t[v][0], cmp_double);
        med[v] = t[v][repeat / 2];
    }
    int fails = 0;
    for (size_t v = 0; v < nv; v++) {
        double ratio = med[v] > 0 ? med[0] / med[v] : 0;
        bool ok = variants[v].goal == 0 || ratio >= variants[v].goal;
        fails += !ok;
        printf("%-10s %8u %10.3f %12.1f %8.2f ", variants[v].name, variants[v].nconfigs, med[v],
               med[v] > 0 ? (double)insns / med[v] / 1e6 : 0.0, ratio);
        if (variants[v].goal > 0)
            printf("%6.2f %s\n", variants[v].goal, ok ? "met" : "MISSED");
        else
            printf("%6s reference\n", "-");
    }
    if (!only) {
        qsort(native, (size_t)repeat, sizeof native[0], cmp_double);
        double nat = native[repeat / 2];
        if (nat > 0)
            printf("%-10s %8s %10.3f %12.1f %8.2f %6s host (slowdown of paging x%.1f, hooks x%.1f)\n",
                   "native", "-", nat, (double)insns / nat / 1e6, med[0] > 0 ? med[0] / nat : 0,
                   "-", med[1] / nat, med[2] / nat);
        else
            printf("%-10s %8s %10s %12s %8s %6s the host cannot run it (ENOEXEC)\n", "native",
                   "-", "n/a", "n/a", "n/a", "-");
    }
    printf("guest instructions: %llu\n", (unsigned long long)insns);
    close(null_fd);
    return fails ? 3 : 0;
}

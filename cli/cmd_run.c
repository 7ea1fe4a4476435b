/* cli/cmd_run.c - `vkmmu run [OPTIONS] [--] PROGRAM [ARGS...]`: runs a static i386 program
 * under Unicorn with the models in the loop (issue 4) and reports on stderr (and --json/--csv
 * files), so the report never mixes with the guest's own output on stdout.
 *
 * Engines: `hooks` runs the guest once and feeds every configuration through memory hooks;
 * `paging` makes one configuration's real PTEs the hardware's page tables, so it runs the
 * guest once per configuration (the native baseline included): the first pass is the one
 * whose output and exit status the user sees, later passes run with output discarded and the
 * same input (a pipe on stdin is kept in memory for them; a terminal is not: they read
 * /dev/null).  Default: paging when one
 * configuration is reported (the native baseline then costs a second pass), hooks otherwise.
 *
 * Exit status: the guest's (128+N when it dies of signal N); 1 when --max-insns stops it or
 * the run fails; 2 for bad usage or a bad program; 124 when --timeout stops it; 130 (SIGINT)
 * or 143 (SIGTERM) when interrupted.  Timeouts and interruptions write the results so far,
 * marked partial. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "emu.h"

/* --top N: emu_options.top is unsigned; the list is only cut at N, so any N up to that works. */
#define RUN_TOP_MAX ((uint64_t)UINT_MAX)

static void run_usage(FILE *out)
{
    fputs("usage: vkmmu run [OPTIONS] [--] PROGRAM [ARGS...]\n"
          "Runs a static i386 Linux program (ELF ET_EXEC) under Unicorn with every configuration\n"
          "in the loop.  The guest's stdin/stdout/stderr are vkmmu's; the report goes to stderr.\n"
          "\n"
          "options:\n",
          out);
    sim_model_opts_usage(out);
    fputs("  --engine paging|hooks  paging: the model's real PTEs are Unicorn's page tables (one\n"
          "                       pass per configuration); hooks: one pass, every access hooked\n"
          "                       (default: paging with one reported configuration and no\n"
          "                       --tlb, else hooks)\n"
          "  --root DIR           the only directory tree the guest sees (default .)\n"
          "  --writable           let the guest create, write, rename and remove files there\n"
          "  --seed N             seed of the guest's virtual clock and getrandom (default 1)\n"
          "  --stdin FILE         the guest's standard input (default: vkmmu's)\n"
          "  --stdout FILE        the guest's standard output (default: vkmmu's)\n"
          "  --max-insns N        stop the guest after N instructions (exit status 1)\n"
          "  --timeout SECONDS    stop the guest after SECONDS of wall-clock time (exit status\n"
          "                       124; results so far written, marked partial)\n"
          "  --guest-mem SIZE     cap the total size of the guest's regions (image, stack, brk,\n"
          "                       mmap) like RLIMIT_AS: a brk or mmap past it fails (ENOMEM);\n"
          "                       default unlimited\n"
          "  --record FILE.vkt    record every event of the run (implies --engine hooks);\n"
          "                       `vkmmu replay FILE.vkt` reproduces the run's counts\n"
          "  --top N              list the N instructions causing the most reflections and\n"
          "                       dirty-bit traps (first configuration)\n"
          "  -h, --help           this text\n"
          "\n"
          "A progress line is drawn on stderr when it is a terminal.  SIGINT (Ctrl-C) or\n"
          "SIGTERM stops the guest and writes the results so far, marked partial; a second\n"
          "Ctrl-C quits at once.\n"
          "\n"
          "exit status: the guest's (128+N when it dies of signal N), 1 failed run or\n"
          "--max-insns reached, 2 bad usage or bad program, 124 --timeout reached, 130\n"
          "(SIGINT) or 143 (SIGTERM) interrupted\n",
          out);
}

static void run_progress(void *ctx, uint64_t insns)
{
    sim_progress_run(ctx, insns);
}

/* Takes the value of --opt VALUE or --opt=VALUE; NULL when it is missing. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] == '\0' && *i + 1 < argc)
        return argv[++*i];
    return NULL;
}

static bool is_opt(const char *a, const char *name)
{
    size_t n = strlen(name);
    return strncmp(a, name, n) == 0 && (a[n] == '\0' || a[n] == '=');
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGILL: return "SIGILL";
    case SIGFPE: return "SIGFPE";
    case SIGTRAP: return "SIGTRAP";
    case SIGBUS: return "SIGBUS";
    case SIGPIPE: return "SIGPIPE";
    default: return "signal";
    }
}

/* A copy of a non-seekable stdin, so every paging pass reads the same input. */
static int spool_stdin(void)
{
    int fd = memfd_create("vkmmu-stdin", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    char buf[65536];
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(fd, buf + off, (size_t)(n - off));
            if (w < 0) {
                close(fd);
                return -1;
            }
            off += w;
        }
    }
    return fd;
}

/* Output of later paging passes goes to a sink of the same kind as the first pass's fd (glibc
 * takes a different stdio path for a character device than for a pipe or a file), so every
 * pass runs the same instructions.  A pipe sink is drained by a thread. */
struct sink {
    int fd;        /* what the guest gets */
    int drain_fd;  /* read end of a pipe sink, or -1 */
    pthread_t thread;
    bool thread_on;
};

static void *drain(void *arg)
{
    struct sink *s = arg;
    char buf[65536];
    while (read(s->drain_fd, buf, sizeof buf) > 0)
        ;
    return NULL;
}

static int sink_open(struct sink *s, int like_fd, int null_fd)
{
    struct stat st;
    s->fd = -1;
    s->drain_fd = -1;
    s->thread_on = false;
    if (fstat(like_fd, &st) == 0 && S_ISREG(st.st_mode)) {
        s->fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    } else if (fstat(like_fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) == 0) {
            s->fd = p[1];
            s->drain_fd = p[0];
            if (pthread_create(&s->thread, NULL, drain, s) == 0) {
                s->thread_on = true;
            } else {
                close(p[0]);
                close(p[1]);
                s->fd = s->drain_fd = -1;
            }
        }
    }
    if (s->fd < 0)
        s->fd = dup(null_fd);
    return s->fd < 0 ? -1 : 0;
}

static void sink_close(struct sink *s)
{
    if (s->fd >= 0)
        close(s->fd);
    if (s->thread_on)
        pthread_join(s->thread, NULL);
    if (s->drain_fd >= 0)
        close(s->drain_fd);
    s->fd = s->drain_fd = -1;
}

static void print_guest_end(const char *prog, const struct emu_result *res)
{
    if (res->end == EMU_END_SIGNAL) {
        fprintf(stderr, "vkmmu run: %s killed by %s (signal %d): %s\n", prog,
                signal_name(res->signal), res->signal, res->what);
        fprintf(stderr, "  eip 0x%08" PRIx32 "%s%s%s: %s\n", res->eip, res->sym[0] ? " <" : "",
                res->sym, res->sym[0] ? ">" : "", res->insn);
        fprintf(stderr, "  faulting address 0x%08" PRIx32 "\n", res->fault_addr);
    } else if (res->end == EMU_END_MAX_INSNS) {
        fprintf(stderr, "vkmmu run: %s stopped by --max-insns after %" PRIu64
                        " instructions (eip 0x%08" PRIx32 ")\n",
                prog, res->insns, res->eip);
    } else if (res->end == EMU_END_TIMEOUT) {
        fprintf(stderr, "vkmmu run: %s stopped by --timeout after %" PRIu64
                        " instructions (eip 0x%08" PRIx32 "): the results are partial\n",
                prog, res->insns, res->eip);
    } else if (res->end == EMU_END_INTERRUPTED) {
        fprintf(stderr, "vkmmu run: %s %s after %" PRIu64 " instructions (eip 0x%08" PRIx32
                        "): the results are partial\n",
                prog, sim_stop_reason() ? sim_stop_reason() : "interrupted", res->insns,
                res->eip);
    }
}

/* The set's tap during a run: the recorder (--record) and the timeline (--interval). */
struct run_tap {
    struct vk_set *set;
    struct trc_writer *writer;
    struct vk_tap rec;
    struct sim_timeline tl;
    bool tl_on, failed;
};

static void rt_map(void *c, uint64_t s, uint64_t e, unsigned p, enum vk_region_kind k, uint32_t f,
                   uint64_t o)
{
    struct run_tap *t = c;
    if (t->writer)
        t->rec.map(t->rec.ctx, s, e, p, k, f, o);
}
static void rt_unmap(void *c, uint64_t s, uint64_t e)
{
    struct run_tap *t = c;
    if (t->writer)
        t->rec.unmap(t->rec.ctx, s, e);
}
static void rt_protect(void *c, uint64_t s, uint64_t e, unsigned p)
{
    struct run_tap *t = c;
    if (t->writer)
        t->rec.protect(t->rec.ctx, s, e, p);
}
/* A timeline point is due before this event reaches the models: the point holds the counters
 * up to the event before it. */
static void rt_access(void *c, uint64_t a, uint64_t n, enum mmu_kind k)
{
    struct run_tap *t = c;
    if (t->writer)
        t->rec.access(t->rec.ctx, a, n, k);
    if (t->tl_on && sim_timeline_tick(&t->tl, t->set, 0, 1) < 0)
        t->failed = true;
}
static void rt_kaccess(void *c, uint64_t a, uint64_t n, bool w)
{
    struct run_tap *t = c;
    if (t->writer)
        t->rec.kernel_access(t->rec.ctx, a, n, w);
}
static void rt_insns(void *c, uint64_t n)
{
    struct run_tap *t = c;
    if (t->writer)
        t->rec.insns(t->rec.ctx, n);
    if (t->tl_on && sim_timeline_tick(&t->tl, t->set, n, 0) < 0)
        t->failed = true;
}
static void rt_syscall(void *c, unsigned nr)
{
    struct run_tap *t = c;
    if (t->writer)
        t->rec.syscall(t->rec.ctx, nr);
}

static struct vk_tap run_tap_make(struct run_tap *t)
{
    return (struct vk_tap){rt_map, rt_unmap, rt_protect, rt_access, rt_kaccess, rt_insns,
                           rt_syscall, t};
}

/* X.csv -> X.timeline.csv */
static int write_timeline_csv(const struct sim_report *rep, const char *csv)
{
    size_t len = strlen(csv);
    size_t stem = len >= 4 && !strcmp(csv + len - 4, ".csv") ? len - 4 : len;
    char *p = malloc(stem + sizeof ".timeline.csv");
    if (!p)
        return -1;
    memcpy(p, csv, stem);
    memcpy(p + stem, ".timeline.csv", sizeof ".timeline.csv");
    int rc = sim_report_timeline_csv(rep, p);
    free(p);
    return rc;
}

/* The program must be a readable, non-empty regular file no larger than the i386 guest's
 * address space (the loader reads it whole).  VKMMU_EXIT_OK, or VKMMU_EXIT_USAGE after saying why. */
static int check_program(const char *prog)
{
    struct stat st;
    const char *why = NULL;
    char buf[128];
    int fd = -1;
    if (stat(prog, &st) != 0 || (S_ISREG(st.st_mode) && (fd = open(prog, O_RDONLY)) < 0)) {
        fprintf(stderr, "vkmmu run: %s: cannot open: %s\n", prog, strerror(errno));
        return VKMMU_EXIT_USAGE;
    }
    if (fd >= 0)
        close(fd);
    if (S_ISDIR(st.st_mode))
        why = "is a directory";
    else if (S_ISFIFO(st.st_mode))
        why = "is a FIFO, not a regular file";
    else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
        why = "is a device, not a regular file";
    else if (S_ISSOCK(st.st_mode))
        why = "is a socket, not a regular file";
    else if (st.st_size == 0)
        why = "is an empty file";
    else if ((uint64_t)st.st_size > 0xC0000000ull) {
        snprintf(buf, sizeof buf, "is %jd bytes, larger than the 3 GiB i386 guest address space",
                 (intmax_t)st.st_size);
        why = buf;
    }
    if (!why)
        return VKMMU_EXIT_OK;
    fprintf(stderr, "vkmmu run: %s: %s (expected a static i386 ELF executable)\n", prog, why);
    return VKMMU_EXIT_USAGE;
}

/* Refuses outputs that would overwrite the program, --stdin or each other. */
static int check_run_paths(const struct sim_model_opts *mo, const char *prog,
                           const char *stdin_path, const char *stdout_path,
                           const char *record_path)
{
    struct sim_paths paths;
    sim_paths_init(&paths);
    sim_paths_add(&paths, "PROGRAM", prog, SIM_PATH_IN);
    sim_paths_add(&paths, "--stdin", stdin_path, SIM_PATH_IN);
    sim_paths_add_results(&paths, mo);
    sim_paths_add(&paths, "--record", record_path, SIM_PATH_OUT);
    sim_paths_add(&paths, "--stdout", stdout_path, SIM_PATH_OUT);
    int rc = sim_paths_check(&paths, "run");
    sim_paths_fini(&paths);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    /* A guest writing to a closed pipe must see EPIPE (and die of its own SIGPIPE, reported
     * by gos), not take vkmmu down with it. */
    signal(SIGPIPE, SIG_IGN);
    struct sim_model_opts mo;
    char err[SIM_ERR_MAX];
    if (sim_model_opts_init(&mo, err, sizeof err) < 0) {
        fprintf(stderr, "vkmmu run: %s\n", err);
        return VKMMU_EXIT_FAILED;
    }
    struct emu_options eo = {0};
    bool engine_set = false;
    const char *stdin_path = NULL, *stdout_path = NULL, *record_path = NULL;
    uint64_t seed = 1, top = 0;
    eo.gos.root = ".";
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (a[0] != '-' || !a[1])
            break;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            run_usage(stdout);
            return VKMMU_EXIT_OK;
        }
        int rc = sim_model_opt(&mo, argc, argv, &i, err, sizeof err);
        if (rc < 0) {
            fprintf(stderr, "vkmmu run: %s\n", err);
            return VKMMU_EXIT_USAGE;
        }
        if (rc > 0)
            continue;
        const char *v;
        if (is_opt(a, "--engine")) {
            v = opt_value(argc, argv, &i, "--engine");
            if (!v || emu_engine_parse(v, &eo.engine) != 0 || eo.engine == EMU_ENGINE_BARE) {
                fprintf(stderr, "vkmmu run: --engine: expected paging or hooks, got '%s'\n",
                        v ? v : "");
                return VKMMU_EXIT_USAGE;
            }
            engine_set = true;
        } else if (is_opt(a, "--root")) {
            if (!(eo.gos.root = opt_value(argc, argv, &i, "--root"))) {
                fprintf(stderr, "vkmmu run: --root: expected a directory\n");
                return VKMMU_EXIT_USAGE;
            }
        } else if (!strcmp(a, "--writable")) {
            eo.gos.writable = true;
        } else if (is_opt(a, "--seed") || is_opt(a, "--max-insns") || is_opt(a, "--top")) {
            const char *name = is_opt(a, "--seed") ? "--seed" : is_opt(a, "--top") ? "--top"
                                                                                   : "--max-insns";
            v = opt_value(argc, argv, &i, name);
            uint64_t n, max = !strcmp(name, "--top") ? RUN_TOP_MAX : UINT64_MAX;
            if (!v || sim_parse_uint(v, 0, max, &n) != 0) {
                fprintf(stderr, "vkmmu run: %s: expected an integer from 0 to %" PRIu64
                                ", got '%s'\n", name, max, v ? v : "");
                return VKMMU_EXIT_USAGE;
            }
            if (!strcmp(name, "--seed"))
                seed = n;
            else if (!strcmp(name, "--top"))
                top = n;
            else
                eo.max_insns = n;
        } else if (is_opt(a, "--timeout")) {
            v = opt_value(argc, argv, &i, "--timeout");
            char *end = NULL;
            /* decimal only: strtod alone also takes " 5", "+5", "0x10", "inf" */
            bool plain = v && (isdigit((unsigned char)v[0]) || v[0] == '.') && !strpbrk(v, "xX");
            double t = plain ? strtod(v, &end) : 0;
            if (!plain || *end || !(t > 0) || t > 1e9) {
                fprintf(stderr, "vkmmu run: --timeout: expected a positive number of seconds "
                                "(at most 1000000000), got '%s'\n", v ? v : "");
                return VKMMU_EXIT_USAGE;
            }
            eo.timeout_s = t;
        } else if (is_opt(a, "--guest-mem")) {
            v = opt_value(argc, argv, &i, "--guest-mem");
            uint64_t b = 0;
            int sz = v ? vk_parse_size(v, &b) : -1;
            if (sz == -2) {
                fprintf(stderr, "vkmmu run: --guest-mem: '%s' does not fit in 64 bits (expected "
                                "less than 2^64 bytes; a 32-bit guest uses at most 4G)\n", v);
                return VKMMU_EXIT_USAGE;
            }
            if (sz < 0 || b < 4096) {
                fprintf(stderr, "vkmmu run: --guest-mem: expected a size such as 64M or 1G "
                                "(at least 4k), got '%s'\n", v ? v : "");
                return VKMMU_EXIT_USAGE;
            }
            eo.gos.mem_limit = b;
        } else if (is_opt(a, "--record")) {
            if (!(record_path = opt_value(argc, argv, &i, "--record"))) {
                fprintf(stderr, "vkmmu run: --record: expected a file\n");
                return VKMMU_EXIT_USAGE;
            }
        } else if (is_opt(a, "--stdin")) {
            if (!(stdin_path = opt_value(argc, argv, &i, "--stdin"))) {
                fprintf(stderr, "vkmmu run: --stdin: expected a file\n");
                return VKMMU_EXIT_USAGE;
            }
        } else if (is_opt(a, "--stdout")) {
            if (!(stdout_path = opt_value(argc, argv, &i, "--stdout"))) {
                fprintf(stderr, "vkmmu run: --stdout: expected a file\n");
                return VKMMU_EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "vkmmu run: unknown option '%s' (see vkmmu run --help)\n", a);
            return VKMMU_EXIT_USAGE;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "vkmmu run: missing PROGRAM (see vkmmu run --help)\n");
        return VKMMU_EXIT_USAGE;
    }
    eo.program = argv[i];
    eo.argc = argc - i;
    eo.argv = argv + i;
    eo.top = (unsigned)top;
    eo.gos.seed = seed;
    const char *base = strrchr(eo.program, '/');
    char exe[512];
    snprintf(exe, sizeof exe, "/%s", base ? base + 1 : eo.program);
    eo.gos.exe_path = exe;
    struct stat st;
    if (stat(eo.gos.root, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "vkmmu run: --root %s: not a directory\n", eo.gos.root);
        return VKMMU_EXIT_USAGE;
    }
    int bad = check_program(eo.program);
    if (bad == VKMMU_EXIT_OK)
        bad = check_run_paths(&mo, eo.program, stdin_path, stdout_path, record_path);
    if (bad != VKMMU_EXIT_OK)
        return bad;

    if (strstr(mo.policies, "oracle")) {
        fprintf(stderr, "vkmmu run: policy oracle:N needs the whole run in advance: record the run "
                        "(--record FILE.vkt) and replay it with `vkmmu replay`\n");
        return VKMMU_EXIT_USAGE;
    }
    /* Recording and timelines need every access: the hooks engine. */
    bool need_hooks = record_path || mo.interval;
    if (need_hooks && engine_set && eo.engine == EMU_ENGINE_PAGING) {
        fprintf(stderr, "vkmmu run: --record and --interval need --engine hooks (the paging "
                        "engine sees faults, not accesses)\n");
        return VKMMU_EXIT_USAGE;
    }

    struct vk_set set;
    int native;
    bool *baseline_only;
    if (sim_build_set(&mo, &set, MMU_ARCH_I386, &native, &baseline_only, err, sizeof err) < 0) {
        fprintf(stderr, "vkmmu run: %s\n", err);
        return VKMMU_EXIT_FAILED;
    }
    size_t reported = 0;
    for (size_t k = 0; k < set.n; k++)
        reported += !baseline_only[k];
    if (!engine_set)
        eo.engine = reported == 1 && !mo.vk.tlb_on && !need_hooks ? EMU_ENGINE_PAGING
                                                                   : EMU_ENGINE_HOOKS;
    struct run_tap rt = {.set = &set};
    struct vk_tap tap = run_tap_make(&rt);
    if (record_path) {
        if (trc_writer_open(&rt.writer, record_path, MMU_ARCH_I386, err, sizeof err) < 0) {
            fprintf(stderr, "vkmmu run: --record: %s\n", err);
            free(baseline_only);
            vk_set_fini(&set);
            return VKMMU_EXIT_USAGE;
        }
        rt.rec = sim_record_tap(rt.writer);
    }
    if (mo.interval) {
        sim_timeline_init(&rt.tl, mo.interval, set.n);
        rt.tl_on = true;
    }
    if (need_hooks)
        set.tap = &tap;
    size_t passes = eo.engine == EMU_ENGINE_PAGING ? set.n : 1;

    /* Guest file descriptors; later paging passes get the same input and no output. */
    int status = VKMMU_EXIT_OK;
    int in_fd = 0, out_fd = 1, null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    off_t in_start = -1;
    if (stdin_path && (in_fd = open(stdin_path, O_RDONLY | O_CLOEXEC)) < 0) {
        fprintf(stderr, "vkmmu run: --stdin %s: %s\n", stdin_path, strerror(errno));
        status = VKMMU_EXIT_USAGE;
        goto out;
    }
    if (stdout_path &&
        (out_fd = open(stdout_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        fprintf(stderr, "vkmmu run: --stdout %s: %s\n", stdout_path, strerror(errno));
        status = VKMMU_EXIT_USAGE;
        goto out;
    }
    bool in_tty = false;
    if (passes > 1) {
        in_start = lseek(in_fd, 0, SEEK_CUR);
        /* A terminal is not spooled (that would wait for end-of-file before the guest
         * starts): later passes read /dev/null instead, a character device as well. */
        in_tty = in_start < 0 && isatty(in_fd);
        if (in_start < 0 && !in_tty) {
            int fd = spool_stdin();
            if (fd < 0) {
                fprintf(stderr, "vkmmu run: cannot keep a copy of standard input: %s\n",
                        strerror(errno));
                status = VKMMU_EXIT_FAILED;
                goto out;
            }
            if (in_fd != 0)
                close(in_fd);
            in_fd = fd;
            in_start = 0;
        }
    }

    struct emu_result first = {0};
    double seconds = 0;
    uint64_t page_faults = 0;
    struct gos_log *glog = NULL;
    if (passes > 1) {
        glog = gos_log_new();
        if (!glog) {
            fprintf(stderr, "vkmmu run: cannot create the system-call log: %s\n",
                    strerror(errno));
            status = VKMMU_EXIT_FAILED;
            goto out;
        }
    }
    eo.gos_log = glog;
    /* Ctrl-C and SIGTERM stop the guest at the next block (a watchdog thread watches the
     * flag); the first pass also has the --timeout.  When the first pass stops early, the
     * later passes run to the same instruction, so every configuration covers the same
     * prefix of the run. */
    sim_stop_install();
    eo.stop = &sim_stop_signal;
    const char *partial = NULL;
    char partial_buf[160];
    struct sim_progress pg;
    eo.progress = run_progress;
    eo.progress_ctx = &pg;
    for (size_t p = 0; p < passes; p++) {
        eo.gos_replay = p > 0;
        if (p > 0 && (first.end == EMU_END_TIMEOUT || first.end == EMU_END_INTERRUPTED)) {
            eo.max_insns = first.insns;
            eo.stop = NULL;
        }
        if (p > 0)
            eo.timeout_s = 0;
        char what[64];
        if (passes > 1)
            snprintf(what, sizeof what, "vkmmu run (pass %zu/%zu)", p + 1, passes);
        else
            snprintf(what, sizeof what, "vkmmu run");
        sim_progress_start(&pg, what);
        pg.max = eo.max_insns;
        struct vk_set one = set;
        if (eo.engine == EMU_ENGINE_PAGING) {
            one.m = &set.m[p];
            one.n = one.cap = 1;
        }
        if (in_start >= 0 && lseek(in_fd, in_start, SEEK_SET) < 0) {
            fprintf(stderr, "vkmmu run: cannot rewind standard input: %s\n", strerror(errno));
            status = VKMMU_EXIT_FAILED;
            break;
        }
        eo.gos.stdin_fd = p > 0 && in_tty ? null_fd : in_fd;
        eo.gos.stdout_fd = out_fd;
        eo.gos.stderr_fd = 2;
        struct sink so = {.fd = -1, .drain_fd = -1}, se = {.fd = -1, .drain_fd = -1};
        if (p > 0) {
            if (sink_open(&so, out_fd, null_fd) != 0 || sink_open(&se, 2, null_fd) != 0) {
                fprintf(stderr, "vkmmu run: cannot open an output sink: %s\n", strerror(errno));
                sink_close(&so);
                sink_close(&se);
                status = VKMMU_EXIT_FAILED;
                break;
            }
            eo.gos.stdout_fd = so.fd;
            eo.gos.stderr_fd = se.fd;
        }
        struct emu_result res;
        int rc = emu_run(&eo, &one, &res, err, sizeof err);
        sim_progress_end(&pg);
        sink_close(&so);
        sink_close(&se);
        if (rc != EMU_OK) {
            fprintf(stderr, "vkmmu run: %s\n", err);
            status = rc == EMU_EINPUT ? VKMMU_EXIT_USAGE : VKMMU_EXIT_FAILED;
            emu_result_fini(&res);
            break;
        }
        seconds += res.seconds;
        page_faults += res.page_faults;
        if (p == 0) {
            first = res;
            if (res.end == EMU_END_TIMEOUT) {
                snprintf(partial_buf, sizeof partial_buf, "--timeout %g s reached",
                         eo.timeout_s);
                partial = partial_buf;
            } else if (res.end == EMU_END_INTERRUPTED) {
                partial = sim_stop_reason();
            }
        } else if (res.end == EMU_END_INTERRUPTED) {
            /* The first pass ran to its end; this configuration saw less of the run. */
            snprintf(partial_buf, sizeof partial_buf, "%s during pass %zu of %zu",
                     sim_stop_reason(), p + 1, passes);
            partial = partial_buf;
            fprintf(stderr, "vkmmu run: %s after %" PRIu64 " of %" PRIu64 " instructions: "
                            "the results are partial\n", partial, res.insns, first.insns);
            emu_result_fini(&res);
            break;
        } else {
            /* Later passes write to /dev/null, and glibc's stdio may take a slightly
             * different path for it (a few instructions); a different ending is worth
             * saying. */
            if (res.exit_status != first.exit_status && !partial)
                fprintf(stderr, "vkmmu run: warning: pass %zu ended with status %d, the first "
                                "with %d\n",
                        p + 1, res.exit_status, first.exit_status);
            emu_result_fini(&res);
        }
    }
    if (glog)
        gos_log_free(glog);
    if (rt.writer) {
        char werr[SIM_ERR_MAX];
        bool failed = status != VKMMU_EXIT_OK;
        if (trc_writer_close(rt.writer, failed, werr, sizeof werr) < 0 && !failed) {
            fprintf(stderr, "vkmmu run: --record: %s\n", werr);
            status = VKMMU_EXIT_FAILED;
        }
        rt.writer = NULL;
    }
    if (status == VKMMU_EXIT_OK && (rt.failed || (rt.tl_on && sim_timeline_finish(&rt.tl, &set) < 0))) {
        fprintf(stderr, "vkmmu run: out of memory for the timeline\n");
        status = VKMMU_EXIT_FAILED;
    }
    if (status != VKMMU_EXIT_OK) {
        emu_result_fini(&first);
        goto out;
    }

    print_guest_end(eo.program, &first);
    if (first.unknown_calls[0])
        fprintf(stderr, "vkmmu run: system calls answered ENOSYS: %s\n", first.unknown_calls);
    status = first.exit_status;
    if (partial)
        status = first.end == EMU_END_TIMEOUT ? VKMMU_EXIT_TIMEOUT
                 : sim_stop_signal            ? 128 + sim_stop_signal
                                              : VKMMU_EXIT_FAILED;
    if (sim_check_overflow(&set, "vkmmu run", &mo.costs) < 0) {
        emu_result_fini(&first);
        status = VKMMU_EXIT_FAILED;
        goto out;
    }
    if (sim_check_identities(&set) < 0)
        status = VKMMU_EXIT_FAILED;
    fprintf(stderr,
            "vkmmu run: %s, engine %s (%zu pass%s), %" PRIu64 " instructions, %" PRIu64
            " system calls, %" PRIu64 " page faults taken, %.3f s emulated (%.1f M "
            "instructions/s)\n",
            eo.program, emu_engine_name(eo.engine), passes, passes == 1 ? "" : "es", first.insns,
            first.syscalls, page_faults, seconds,
            seconds > 0 ? (double)first.insns * (double)passes / seconds / 1e6 : 0.0);
    if (first.nsites) {
        fprintf(stderr, "top %zu fault sites (reflections + dirty-bit traps, %s):\n",
                first.nsites, "first configuration");
        fprintf(stderr, "  %-10s %10s %10s  %-32s %s\n", "eip", "reflected", "dirty", "symbol",
                "instruction");
        for (size_t k = 0; k < first.nsites; k++)
            fprintf(stderr, "  0x%08" PRIx32 " %10" PRIu64 " %10" PRIu64 "  %-32s %s\n",
                    first.sites[k].eip, first.sites[k].reflected, first.sites[k].dirty_traps,
                    first.sites[k].sym[0] ? first.sites[k].sym : "?", first.sites[k].insn);
    }
    char extra[1400];
    int n = snprintf(extra, sizeof extra,
             "\"engine\": \"%s\",\n    \"passes\": %zu,\n    \"insns\": %" PRIu64
             ",\n    \"syscalls\": %" PRIu64 ",\n    \"exit_status\": %d,\n    \"signal\": %d,\n"
             "    \"max_insns_reached\": %s,\n    \"seed\": %" PRIu64
             ",\n    \"end\": \"%s\",\n    \"eip\": %" PRIu32,
             emu_engine_name(eo.engine), passes, first.insns, first.syscalls, first.exit_status,
             first.end == EMU_END_SIGNAL ? first.signal : 0,
             first.end == EMU_END_MAX_INSNS ? "true" : "false", seed,
             first.end == EMU_END_EXIT        ? "exit"
             : first.end == EMU_END_SIGNAL    ? "signal"
             : first.end == EMU_END_TIMEOUT   ? "timeout"
             : first.end == EMU_END_INTERRUPTED ? "interrupted"
                                              : "max-insns",
             first.end == EMU_END_EXIT ? 0 : first.eip);
    if (eo.gos.mem_limit && n > 0 && (size_t)n < sizeof extra)
        n += snprintf(extra + n, sizeof extra - (size_t)n, ",\n    \"guest_mem\": %" PRIu64,
                      eo.gos.mem_limit);
    if (partial && n > 0 && (size_t)n < sizeof extra) {
        n += snprintf(extra + n, sizeof extra - (size_t)n,
                      ",\n    \"partial\": true,\n    \"partial_reason\": \"%s\"", partial);
    }
    struct sim_report rep = {
        .argc = cli_argc,
        .argv = cli_argv,
        .costs = &mo.costs,
        .workload_kind = "program",
        .workload_name = eo.program,
        .workload_extra_json = extra,
        .set = &set,
        .native_index = native,
        .baseline_only = baseline_only,
        .timeline = rt.tl_on ? &rt.tl : NULL,
    };
    /* the table goes to stderr: stdout is the guest's */
    if (sim_report_table(&rep, stderr) < 0) {
        status = VKMMU_EXIT_FAILED;
    } else {
        if (partial)
            fprintf(stderr, "partial results: %s after %" PRIu64 " instructions%s\n", partial,
                    first.insns, mo.csv_path ? " (the CSV rows carry no mark)" : "");
        struct sim_model_opts files = mo;
        if ((files.json_path && sim_report_json(&rep, files.json_path) < 0) ||
            (files.csv_path && sim_report_csv(&rep, files.csv_path) < 0))
            status = VKMMU_EXIT_FAILED;
        if (status != VKMMU_EXIT_FAILED && files.csv_path && rep.timeline &&
            write_timeline_csv(&rep, files.csv_path) < 0)
            status = VKMMU_EXIT_FAILED;
    }
    emu_result_fini(&first);
out:
    if (in_fd > 0)
        close(in_fd);
    if (out_fd > 1)
        close(out_fd);
    if (null_fd >= 0)
        close(null_fd);
    if (rt.writer)
        trc_writer_close(rt.writer, true, err, sizeof err);
    if (rt.tl_on)
        sim_timeline_fini(&rt.tl);
    free(baseline_only);
    vk_set_fini(&set);
    return status;
}

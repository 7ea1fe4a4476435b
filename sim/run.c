/* sim/run.c - sim_run(): runs an i386 or x86-64 program under Unicorn with the models in the loop
 * and reports on stderr (and --json/--csv files), so the report never mixes with the guest's
 * own output on stdout.
 *
 * Engines: `hooks` runs the guest once and feeds every configuration through memory hooks;
 * `paging` makes one configuration's real PTEs the hardware's page tables, so it runs the
 * guest once per configuration (the native baseline included): the first pass is the one
 * whose output and exit status the user sees, later passes replay the first pass's system
 * calls (gos_log) with output discarded and the same input (a pipe on stdin is kept in
 * memory for them; a terminal is not: they read /dev/null).  Default: paging when one
 * configuration is reported (the native baseline then costs a second pass), hooks otherwise.
 *
 * Exit status: the guest's (128+N when it dies of signal N); 1 when --max-insns stops it or
 * the run fails; 2 for bad usage or a bad program; 124 when --timeout stops it; 130 (SIGINT)
 * or 143 (SIGTERM) when interrupted.  Timeouts and interruptions write the results so far,
 * marked partial. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"

int sim_run_args_init(struct sim_run_args *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    a->root = ".";
    a->seed = 1;
    return sim_model_opts_init(&a->model, err, errlen);
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

/* ---- the guest's standard input and output in later paging passes ---- */

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

/* ---- the set's tap during a run: the recorder (--record) and the timeline (--interval) ---- */

struct run_tap {
    struct vk_set *set;
    struct trc_writer *writer;
    struct vk_tap rec;
    struct sim_timeline tl;
    bool tl_on, failed;
    /* The tap sees an event before the models do; the timeline counts it at the next event
     * (or at the end), once the models have it, so that a point holds the counters after the
     * event that reached the boundary, as replay's do. */
    uint64_t due_insns, due_accesses;
};

/* Counts the previous event on the timeline (the models have it now), then holds this one. */
static void rt_timeline(struct run_tap *t, uint64_t insns, uint64_t accesses)
{
    if (!t->tl_on)
        return;
    if ((t->due_insns || t->due_accesses) &&
        sim_timeline_tick(&t->tl, t->set, t->due_insns, t->due_accesses) < 0)
        t->failed = true;
    t->due_insns = insns;
    t->due_accesses = accesses;
}

static void rt_map(void *c, uint64_t s, uint64_t e, unsigned p, enum vk_region_kind k, uint32_t f,
                   uint64_t o)
{
    struct run_tap *t = c;
    if (t->writer)
        t->rec.map(t->rec.ctx, s, e, p, k, f, o);
    rt_timeline(t, 0, 0);
}
static void rt_unmap(void *c, uint64_t s, uint64_t e)
{
    struct run_tap *t = c;
    if (t->writer)
        t->rec.unmap(t->rec.ctx, s, e);
    rt_timeline(t, 0, 0);
}
static void rt_protect(void *c, uint64_t s, uint64_t e, unsigned p)
{
    struct run_tap *t = c;
    if (t->writer)
        t->rec.protect(t->rec.ctx, s, e, p);
    rt_timeline(t, 0, 0);
}
static void rt_move(void *c, uint64_t o, uint64_t n, uint64_t len)
{
    struct run_tap *t = c;
    if (t->writer)
        t->rec.move(t->rec.ctx, o, n, len);
    rt_timeline(t, 0, 0);
}
static void rt_access(void *c, uint64_t a, uint64_t n, enum mmu_kind k)
{
    struct run_tap *t = c;
    if (t->writer)
        t->rec.access(t->rec.ctx, a, n, k);
    rt_timeline(t, 0, 1);
}
static void rt_kaccess(void *c, uint64_t a, uint64_t n, bool w)
{
    struct run_tap *t = c;
    if (t->writer)
        t->rec.kernel_access(t->rec.ctx, a, n, w);
    rt_timeline(t, 0, 0);
}
static void rt_insns(void *c, uint64_t n)
{
    struct run_tap *t = c;
    if (t->writer)
        t->rec.insns(t->rec.ctx, n);
    rt_timeline(t, n, 0);
}
static void rt_syscall(void *c, unsigned nr)
{
    struct run_tap *t = c;
    if (t->writer)
        t->rec.syscall(t->rec.ctx, nr);
    rt_timeline(t, 0, 0);
}

static void rt_fork(void *c, uint32_t child, bool vfork)
{
    struct run_tap *t = c;
    if (t->writer && t->rec.fork)
        t->rec.fork(t->rec.ctx, child, vfork);
}
static void rt_switch(void *c, uint32_t pid)
{
    struct run_tap *t = c;
    if (t->writer && t->rec.switch_to)
        t->rec.switch_to(t->rec.ctx, pid);
}
static void rt_exec(void *c)
{
    struct run_tap *t = c;
    if (t->writer && t->rec.exec)
        t->rec.exec(t->rec.ctx);
}
static void rt_exit(void *c)
{
    struct run_tap *t = c;
    if (t->writer && t->rec.exit)
        t->rec.exit(t->rec.ctx);
}

static struct vk_tap run_tap_make(struct run_tap *t)
{
    return (struct vk_tap){
        .map = rt_map,
        .unmap = rt_unmap,
        .protect = rt_protect,
        .move = rt_move,
        .access = rt_access,
        .kernel_access = rt_kaccess,
        .insns = rt_insns,
        .syscall = rt_syscall,
        .fork = rt_fork,
        .switch_to = rt_switch,
        .exec = rt_exec,
        .exit = rt_exit,
        .ctx = t,
    };
}

/* ---- checks before the run ---- */

/* The program must be a readable, non-empty regular file no larger than the i386 guest's
 * address space (the loader reads it whole).  VKMMU_EXIT_OK, or VKMMU_EXIT_USAGE after saying
 * why. */
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
    fprintf(stderr, "vkmmu run: %s: %s (expected an i386 or x86-64 ELF executable)\n", prog, why);
    return VKMMU_EXIT_USAGE;
}

/* Refuses outputs that would overwrite the program, --stdin or each other. */
static int check_run_paths(const struct sim_run_args *a)
{
    struct sim_paths paths;
    sim_paths_init(&paths);
    sim_paths_add(&paths, "PROGRAM", a->program, SIM_PATH_IN);
    sim_paths_add(&paths, "--stdin", a->stdin_path, SIM_PATH_IN);
    sim_paths_add_results(&paths, &a->model);
    sim_paths_add(&paths, "--record", a->record_path, SIM_PATH_OUT);
    sim_paths_add(&paths, "--stdout", a->stdout_path, SIM_PATH_OUT);
    int rc = sim_paths_check(&paths, "run");
    sim_paths_fini(&paths);
    return rc;
}

/* Recording and timelines need every access: the hooks engine. */
static bool run_needs_hooks(const struct sim_run_args *a)
{
    return a->record_path || a->model.interval;
}

/* Every check that needs no model: an exit status, the error printed. */
static int run_check(const struct sim_run_args *a)
{
    struct stat st;
    if (stat(a->root, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "vkmmu run: --root %s: not a directory\n", a->root);
        return VKMMU_EXIT_USAGE;
    }
    if (a->sysroot && (stat(a->sysroot, &st) != 0 || !S_ISDIR(st.st_mode))) {
        fprintf(stderr, "vkmmu run: --sysroot %s: not a directory\n", a->sysroot);
        return VKMMU_EXIT_USAGE;
    }
    int bad = check_program(a->program);
    if (bad == VKMMU_EXIT_OK)
        bad = check_run_paths(a);
    if (bad != VKMMU_EXIT_OK)
        return bad;
    if (sim_needs_first_pass(&a->model)) {
        fprintf(stderr, "vkmmu run: policy oracle:N needs the whole run in advance: record the run "
                        "(--record FILE.vkt) and replay it with `vkmmu replay`\n");
        return VKMMU_EXIT_USAGE;
    }
    if (run_needs_hooks(a) && a->engine_set && a->engine == EMU_ENGINE_PAGING) {
        fprintf(stderr, "vkmmu run: --record and --interval need --engine hooks (the paging "
                        "engine sees faults, not accesses)\n");
        return VKMMU_EXIT_USAGE;
    }
    return VKMMU_EXIT_OK;
}

/* ---- one run: its state, set-up, passes, report ---- */

struct run {
    const struct sim_run_args *args;
    struct sim_model_opts model; /* a copy: sim_build_set takes it writable */
    struct emu_options eo;
    enum mmu_arch arch;          /* the program's layout (its ELF header) */
    char exe[512];               /* "/PROGRAM's basename", the guest's /proc/self/exe */
    struct vk_set set;           /* every configuration; the one owner of the models */
    bool have_set;
    int native;
    bool *baseline_only;
    struct run_tap rt;
    struct vk_tap tap;
    size_t passes;
    int in_fd, out_fd, null_fd;  /* the guest's stdin and stdout, /dev/null */
    off_t in_start;              /* where stdin is rewound to for later passes, or -1 */
    bool in_tty;                 /* stdin is a terminal: later passes read /dev/null */
    struct gos_log *glog;        /* the first pass's system calls, for later passes */
    struct emu_result first;     /* the first pass's result */
    double seconds;
    uint64_t page_faults;
    const char *partial;         /* why the results are partial, or NULL */
    char partial_buf[160];
    struct sim_progress progress;
};

static void run_progress(void *ctx, uint64_t insns)
{
    sim_progress_run(ctx, insns);
}

/* The emulator's options from the arguments. */
static void run_emu_options(struct run *r)
{
    const struct sim_run_args *a = r->args;
    struct emu_options *eo = &r->eo;
    eo->engine = a->engine;
    eo->program = a->program;
    eo->argc = a->guest_argc;
    eo->argv = a->guest_argv;
    eo->max_insns = a->max_insns;
    eo->top = a->top;
    eo->timeout_s = a->timeout_s;
    eo->gos.root = a->root;
    eo->gos.sysroot = a->sysroot;
    eo->gos.writable = a->writable;
    eo->gos.seed = a->seed;
    eo->gos.mem_limit = a->guest_mem;
    eo->gos.max_procs = a->max_procs;
    const char *base = strrchr(a->program, '/');
    snprintf(r->exe, sizeof r->exe, "/%s", base ? base + 1 : a->program);
    eo->gos.exe_path = r->exe;
    eo->progress = run_progress;
    eo->progress_ctx = &r->progress;
}

/* Builds the configurations, picks the engine, opens the recorder and the timeline: an exit
 * status, the error printed. */
static int run_models(struct run *r)
{
    char err[SIM_ERR_MAX];
    /* the models' layout is the program's: i386 or x86-64 (its ELF header) */
    int st = emu_program_arch(r->args->program, &r->arch, err, sizeof err);
    if (st != EMU_OK) {
        fprintf(stderr, "vkmmu run: %s\n", err);
        return st == EMU_EINPUT ? VKMMU_EXIT_USAGE : VKMMU_EXIT_FAILED;
    }
    if (sim_build_set(&r->model, &r->set, r->arch, &r->native, &r->baseline_only, err,
                      sizeof err) < 0) {
        fprintf(stderr, "vkmmu run: %s\n", err);
        return VKMMU_EXIT_FAILED;
    }
    r->have_set = true;
    size_t reported = 0;
    for (size_t k = 0; k < r->set.n; k++)
        reported += !r->baseline_only[k];
    bool need_hooks = run_needs_hooks(r->args);
    if (!r->args->engine_set)
        r->eo.engine = reported == 1 && !r->model.vk.tlb_on && !need_hooks ? EMU_ENGINE_PAGING
                                                                         : EMU_ENGINE_HOOKS;
    r->rt.set = &r->set;
    r->tap = run_tap_make(&r->rt);
    if (r->args->record_path) {
        if (trc_writer_open(&r->rt.writer, r->args->record_path, r->arch, err,
                            sizeof err) < 0) {
            fprintf(stderr, "vkmmu run: --record: %s\n", err);
            r->rt.writer = NULL;
            return VKMMU_EXIT_USAGE;
        }
        r->rt.rec = sim_record_tap(r->rt.writer);
    }
    if (r->model.interval) {
        sim_timeline_init(&r->rt.tl, r->model.interval, r->set.n);
        r->rt.tl_on = true;
    }
    if (need_hooks)
        r->set.tap = &r->tap;
    r->passes = r->eo.engine == EMU_ENGINE_PAGING ? r->set.n : 1;
    return VKMMU_EXIT_OK;
}

/* The guest's stdin and stdout; with later passes, a way to give them the same input (a
 * rewind, a copy of a pipe, or /dev/null for a terminal) and the system-call log.  An exit
 * status, the error printed. */
static int run_guest_files(struct run *r)
{
    const struct sim_run_args *a = r->args;
    if (a->stdin_path && (r->in_fd = open(a->stdin_path, O_RDONLY | O_CLOEXEC)) < 0) {
        fprintf(stderr, "vkmmu run: --stdin %s: %s\n", a->stdin_path, strerror(errno));
        return VKMMU_EXIT_USAGE;
    }
    if (a->stdout_path &&
        (r->out_fd = open(a->stdout_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        fprintf(stderr, "vkmmu run: --stdout %s: %s\n", a->stdout_path, strerror(errno));
        return VKMMU_EXIT_USAGE;
    }
    if (r->passes <= 1)
        return VKMMU_EXIT_OK;
    r->in_start = lseek(r->in_fd, 0, SEEK_CUR);
    /* A terminal is not spooled (that would wait for end-of-file before the guest starts):
     * later passes read /dev/null instead, a character device as well. */
    r->in_tty = r->in_start < 0 && isatty(r->in_fd);
    if (r->in_start < 0 && !r->in_tty) {
        int fd = spool_stdin();
        if (fd < 0) {
            fprintf(stderr, "vkmmu run: cannot keep a copy of standard input: %s\n",
                    strerror(errno));
            return VKMMU_EXIT_FAILED;
        }
        if (r->in_fd != 0)
            close(r->in_fd);
        r->in_fd = fd;
        r->in_start = 0;
    }
    r->glog = gos_log_new();
    if (!r->glog) {
        fprintf(stderr, "vkmmu run: cannot create the system-call log: %s\n", strerror(errno));
        return VKMMU_EXIT_FAILED;
    }
    r->eo.gos_log = r->glog;
    return VKMMU_EXIT_OK;
}

/* The models pass p drives: the whole set (hooks: one pass for every configuration, so the
 * timeline, which samples set, sees the pending counts of its fast path too), or a view of
 * model p alone (paging).  set stays the one owner of the models and the hit filter; the view
 * borrows model p, has no filter (the paging engine reports faults, not accesses, so none is
 * consulted) and is never given to vk_set_fini. */
static struct vk_set *run_pass_models(struct run *r, size_t p, struct vk_set *view)
{
    if (r->eo.engine != EMU_ENGINE_PAGING)
        return &r->set;
    *view = r->set;
    view->m = &r->set.m[p];
    view->n = view->cap = 1;
    view->filter = NULL;
    view->filter_off = true;
    return view;
}

/* The emulator's options for pass p: later passes replay the first one's system calls, run
 * to where it stopped (when a timeout or a signal stopped it) and have no timeout. */
static void run_pass_options(struct run *r, size_t p)
{
    r->eo.gos_replay = p > 0;
    if (p > 0 && (r->first.end == EMU_END_TIMEOUT || r->first.end == EMU_END_INTERRUPTED)) {
        r->eo.max_insns = r->first.insns;
        r->eo.stop = NULL;
    }
    if (p > 0)
        r->eo.timeout_s = 0;
    char what[64];
    if (r->passes > 1)
        snprintf(what, sizeof what, "vkmmu run (pass %zu/%zu)", p + 1, r->passes);
    else
        snprintf(what, sizeof what, "vkmmu run");
    sim_progress_start(&r->progress, what);
    r->progress.max = r->eo.max_insns;
}

/* Runs the guest once with the guest files of pass p (sinks for later passes): EMU_OK, or
 * an exit status (> 0) after printing the error. */
static int run_guest(struct run *r, size_t p, struct vk_set *models, struct emu_result *res)
{
    char err[SIM_ERR_MAX];
    if (r->in_start >= 0 && lseek(r->in_fd, r->in_start, SEEK_SET) < 0) {
        fprintf(stderr, "vkmmu run: cannot rewind standard input: %s\n", strerror(errno));
        return VKMMU_EXIT_FAILED;
    }
    r->eo.gos.stdin_fd = p > 0 && r->in_tty ? r->null_fd : r->in_fd;
    r->eo.gos.stdout_fd = r->out_fd;
    r->eo.gos.stderr_fd = 2;
    struct sink so = {.fd = -1, .drain_fd = -1}, se = {.fd = -1, .drain_fd = -1};
    if (p > 0) {
        if (sink_open(&so, r->out_fd, r->null_fd) != 0 || sink_open(&se, 2, r->null_fd) != 0) {
            fprintf(stderr, "vkmmu run: cannot open an output sink: %s\n", strerror(errno));
            sink_close(&so);
            sink_close(&se);
            return VKMMU_EXIT_FAILED;
        }
        r->eo.gos.stdout_fd = so.fd;
        r->eo.gos.stderr_fd = se.fd;
    }
    int rc = emu_run(&r->eo, models, res, err, sizeof err);
    sim_progress_end(&r->progress);
    sink_close(&so);
    sink_close(&se);
    if (rc == EMU_OK)
        return EMU_OK;
    fprintf(stderr, "vkmmu run: %s\n", err);
    emu_result_fini(res);
    return rc == EMU_EINPUT ? VKMMU_EXIT_USAGE : VKMMU_EXIT_FAILED;
}

/* Takes the result of pass p: the first pass's is kept (and says whether the results are
 * partial); a later pass's is compared with it.  False when the passes stop here. */
static bool run_pass_result(struct run *r, size_t p, struct emu_result *res)
{
    r->seconds += res->seconds;
    r->page_faults += res->page_faults;
    if (p == 0) {
        r->first = *res;
        if (res->end == EMU_END_TIMEOUT) {
            snprintf(r->partial_buf, sizeof r->partial_buf, "--timeout %g s reached",
                     r->eo.timeout_s);
            r->partial = r->partial_buf;
        } else if (res->end == EMU_END_INTERRUPTED) {
            r->partial = sim_stop_reason();
        }
        return true;
    }
    bool go_on = true;
    if (res->end == EMU_END_INTERRUPTED) {
        /* The first pass ran to its end; this configuration saw less of the run. */
        snprintf(r->partial_buf, sizeof r->partial_buf, "%s during pass %zu of %zu",
                 sim_stop_reason(), p + 1, r->passes);
        r->partial = r->partial_buf;
        fprintf(stderr, "vkmmu run: %s after %" PRIu64 " of %" PRIu64 " instructions: "
                        "the results are partial\n", r->partial, res->insns, r->first.insns);
        go_on = false;
    } else if (res->exit_status != r->first.exit_status && !r->partial) {
        /* Later passes write to /dev/null, and glibc's stdio may take a slightly different
         * path for it (a few instructions); a different ending is worth saying. */
        fprintf(stderr, "vkmmu run: warning: pass %zu ended with status %d, the first "
                        "with %d\n", p + 1, res->exit_status, r->first.exit_status);
    }
    emu_result_fini(res);
    return go_on;
}

/* Every pass.  Ctrl-C and SIGTERM stop the guest at the next block (a watchdog thread
 * watches the flag); the first pass also has the --timeout.  When the first pass stops
 * early, the later passes run to the same instruction, so every configuration covers the
 * same prefix of the run.  An exit status. */
static int run_passes(struct run *r)
{
    sim_stop_install();
    r->eo.stop = &sim_stop_signal;
    for (size_t p = 0; p < r->passes; p++) {
        run_pass_options(r, p);
        struct vk_set view;
        struct vk_set *models = run_pass_models(r, p, &view);
        struct emu_result res;
        int st = run_guest(r, p, models, &res);
        if (st != EMU_OK)
            return st;
        if (!run_pass_result(r, p, &res))
            break;
    }
    return VKMMU_EXIT_OK;
}

/* Closes the recording and finishes the timeline: an exit status. */
static int run_close_taps(struct run *r, int status)
{
    if (r->rt.writer) {
        char err[SIM_ERR_MAX];
        bool failed = status != VKMMU_EXIT_OK;
        if (trc_writer_close(r->rt.writer, failed, err, sizeof err) < 0 && !failed) {
            fprintf(stderr, "vkmmu run: --record: %s\n", err);
            status = VKMMU_EXIT_FAILED;
        }
        r->rt.writer = NULL;
    }
    if (status == VKMMU_EXIT_OK) {
        rt_timeline(&r->rt, 0, 0); /* the last event */
        if (r->rt.failed || (r->rt.tl_on && sim_timeline_finish(&r->rt.tl, &r->set) < 0)) {
            fprintf(stderr, "vkmmu run: out of memory for the timeline\n");
            status = VKMMU_EXIT_FAILED;
        }
    }
    return status;
}

static void print_guest_end(const char *prog, const struct emu_result *res)
{
    if (res->end == EMU_END_SIGNAL) {
        fprintf(stderr, "vkmmu run: %s killed by %s (signal %d): %s\n", prog,
                signal_name(res->signal), res->signal, res->what);
        fprintf(stderr, "  eip 0x%08" PRIx64 "%s%s%s: %s\n", res->eip, res->sym[0] ? " <" : "",
                res->sym, res->sym[0] ? ">" : "", res->insn);
        fprintf(stderr, "  faulting address 0x%08" PRIx64 "\n", res->fault_addr);
    } else if (res->end == EMU_END_MAX_INSNS) {
        fprintf(stderr, "vkmmu run: %s stopped by --max-insns after %" PRIu64
                        " instructions (eip 0x%08" PRIx64 ")\n",
                prog, res->insns, res->eip);
    } else if (res->end == EMU_END_TIMEOUT) {
        fprintf(stderr, "vkmmu run: %s stopped by --timeout after %" PRIu64
                        " instructions (eip 0x%08" PRIx64 "): the results are partial\n",
                prog, res->insns, res->eip);
    } else if (res->end == EMU_END_INTERRUPTED) {
        fprintf(stderr, "vkmmu run: %s %s after %" PRIu64 " instructions (eip 0x%08" PRIx64
                        "): the results are partial\n",
                prog, sim_stop_reason() ? sim_stop_reason() : "interrupted", res->insns,
                res->eip);
    } else if (res->end == EMU_END_DEADLOCK) {
        fprintf(stderr, "vkmmu run: %s deadlocked after %" PRIu64 " instructions: every "
                        "thread waits; the results are partial\n",
                prog, res->insns);
        for (const char *l = res->report; *l;) {
            const char *e = strchr(l, '\n');
            int n = e ? (int)(e - l) : (int)strlen(l);
            fprintf(stderr, "  %.*s\n", n, l);
            l += n + (e != NULL);
        }
    }
}

/* One line on the guest's processes when there was more than one. */
static void print_processes(const struct emu_result *f)
{
    if (f->nprocs <= 1)
        return;
    size_t exited = 0, failed = 0;
    for (size_t i = 0; i < f->nprocs; i++) {
        exited += f->procs[i].exited;
        failed += f->procs[i].exited && f->procs[i].wait_status != 0;
    }
    fprintf(stderr, "vkmmu run: %zu processes (pids %" PRIu32 "-%" PRIu32 "): %zu exited, %zu "
                    "of them with a non-zero status or a signal, %zu still running at the end\n",
            f->nprocs, f->procs[0].pid, f->procs[f->nprocs - 1].pid, exited, failed,
            f->nprocs - exited);
}

/* The summary line and the --top fault sites, on stderr. */
static void run_print_summary(const struct run *r)
{
    const struct emu_result *f = &r->first;
    fprintf(stderr,
            "vkmmu run: %s, engine %s (%zu pass%s), %" PRIu64 " instructions, %" PRIu64
            " system calls, %" PRIu64 " page faults taken, %.3f s emulated (%.1f M "
            "instructions/s)\n",
            r->eo.program, emu_engine_name(r->eo.engine), r->passes, r->passes == 1 ? "" : "es",
            f->insns, f->syscalls, r->page_faults, r->seconds,
            r->seconds > 0 ? (double)f->insns * (double)r->passes / r->seconds / 1e6 : 0.0);
    if (!f->nsites)
        return;
    fprintf(stderr, "top %zu fault sites (reflections + dirty-bit traps, %s):\n", f->nsites,
            "first configuration");
    bool many = false; /* the program is named when more than one ran */
    for (size_t k = 1; k < f->nsites; k++)
        many |= strcmp(f->sites[k].program, f->sites[0].program) != 0;
    for (size_t k = 0; k < f->nprocs && !many; k++)
        many |= f->nsites && strcmp(f->procs[k].program, f->sites[0].program) != 0;
    int digits = 8; /* 12 when an address is above 4 GiB (x86-64) */
    for (size_t k = 0; k < f->nsites; k++)
        if (f->sites[k].eip > UINT32_MAX)
            digits = 12;
    fprintf(stderr, "  %-*s %10s %10s  %s%-32s %s\n", digits + 2, "eip", "reflected", "dirty",
            many ? "program: " : "", "symbol", "instruction");
    for (size_t k = 0; k < f->nsites; k++)
        fprintf(stderr, "  0x%0*" PRIx64 " %10" PRIu64 " %10" PRIu64 "  %s%s%-32s %s\n",
                digits, f->sites[k].eip, f->sites[k].reflected, f->sites[k].dirty_traps,
                many ? f->sites[k].program : "", many ? ": " : "",
                f->sites[k].sym[0] ? f->sites[k].sym : "?", f->sites[k].insn);
}

static const char *end_name(enum emu_end end)
{
    switch (end) {
    case EMU_END_EXIT: return "exit";
    case EMU_END_SIGNAL: return "signal";
    case EMU_END_TIMEOUT: return "timeout";
    case EMU_END_INTERRUPTED: return "interrupted";
    case EMU_END_DEADLOCK: return "deadlock";
    default: return "max-insns";
    }
}

/* The "workload" members a program adds: how it ran and ended.  0, or -1 when out of
 * memory. */
static int run_workload_members(const struct run *r, struct sim_report *rep)
{
    const struct emu_result *f = &r->first;
    int rc = sim_report_extra_string(rep, "engine", emu_engine_name(r->eo.engine));
    rc |= sim_report_extra_u64(rep, "passes", r->passes);
    rc |= sim_report_extra_u64(rep, "insns", f->insns);
    rc |= sim_report_extra_u64(rep, "syscalls", f->syscalls);
    rc |= sim_report_extra_int(rep, "exit_status", f->exit_status);
    rc |= sim_report_extra_int(rep, "signal", f->end == EMU_END_SIGNAL ? f->signal : 0);
    rc |= sim_report_extra_bool(rep, "max_insns_reached", f->end == EMU_END_MAX_INSNS);
    rc |= sim_report_extra_u64(rep, "seed", r->args->seed);
    rc |= sim_report_extra_string(rep, "end", end_name(f->end));
    rc |= sim_report_extra_u64(rep, "eip", f->end == EMU_END_EXIT ? 0 : f->eip);
    if (r->eo.gos.mem_limit)
        rc |= sim_report_extra_u64(rep, "guest_mem", r->eo.gos.mem_limit);
    if (r->partial) {
        rc |= sim_report_extra_bool(rep, "partial", true);
        rc |= sim_report_extra_string(rep, "partial_reason", r->partial);
    }
    return rc;
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

/* The table on stderr (stdout is the guest's), then --json and --csv: an exit status. */
static int run_write_results(struct run *r, int status)
{
    struct sim_report rep = {
        .argc = r->args->argc,
        .argv = r->args->argv,
        .costs = &r->model.costs,
        .workload_kind = "program",
        .workload_name = r->eo.program,
        .set = &r->set,
        .native_index = r->native,
        .baseline_only = r->baseline_only,
        .timeline = r->rt.tl_on ? &r->rt.tl : NULL,
        .procs = r->first.procs,
        .nprocs = r->first.nprocs,
    };
    if (run_workload_members(r, &rep) < 0) {
        fprintf(stderr, "vkmmu run: out of memory for the results\n");
        sim_report_fini(&rep);
        return VKMMU_EXIT_FAILED;
    }
    if (sim_report_table(&rep, stderr) < 0) {
        sim_report_fini(&rep);
        return VKMMU_EXIT_FAILED;
    }
    if (r->partial)
        fprintf(stderr, "partial results: %s after %" PRIu64 " instructions%s\n", r->partial,
                r->first.insns, r->model.csv_path ? " (the CSV rows carry no mark)" : "");
    const char *json = r->model.json_path, *csv = r->model.csv_path;
    if ((json && sim_report_json(&rep, json) < 0) || (csv && sim_report_csv(&rep, csv) < 0))
        status = VKMMU_EXIT_FAILED;
    if (status != VKMMU_EXIT_FAILED && csv && rep.timeline && write_timeline_csv(&rep, csv) < 0)
        status = VKMMU_EXIT_FAILED;
    sim_report_fini(&rep);
    return status;
}

/* How the guest ended, the checks of the counts, the summary and the results: the exit
 * status (the guest's, unless the run was cut short or a check or a write failed). */
static int run_report(struct run *r)
{
    const struct emu_result *f = &r->first;
    print_guest_end(r->eo.program, f);
    if (f->unknown_calls[0])
        fprintf(stderr, "vkmmu run: system calls answered ENOSYS: %s\n", f->unknown_calls);
    for (const char *p = f->notes; *p;) {
        const char *nl = strchr(p, '\n');
        int n = nl ? (int)(nl - p) : (int)strlen(p);
        fprintf(stderr, "vkmmu run: note: %.*s\n", n, p);
        p += n + (nl != NULL);
    }
    print_processes(f);
    int status = f->exit_status;
    if (f->end == EMU_END_DEADLOCK)
        r->partial = "deadlock";
    if (r->partial)
        status = f->end == EMU_END_TIMEOUT ? VKMMU_EXIT_TIMEOUT
                 : sim_stop_signal         ? 128 + sim_stop_signal
                                           : VKMMU_EXIT_FAILED;
    if (sim_check_overflow(&r->set, "vkmmu run", &r->model.costs) < 0)
        return VKMMU_EXIT_FAILED;
    if (sim_check_identities(&r->set) < 0)
        status = VKMMU_EXIT_FAILED;
    run_print_summary(r);
    return run_write_results(r, status);
}

static void run_fini(struct run *r)
{
    emu_result_fini(&r->first);
    if (r->glog)
        gos_log_free(r->glog);
    if (r->in_fd > 0)
        close(r->in_fd);
    if (r->out_fd > 1)
        close(r->out_fd);
    if (r->null_fd >= 0)
        close(r->null_fd);
    if (r->rt.writer) {
        char err[SIM_ERR_MAX];
        trc_writer_close(r->rt.writer, true, err, sizeof err);
    }
    if (r->rt.tl_on)
        sim_timeline_fini(&r->rt.tl);
    free(r->baseline_only);
    if (r->have_set)
        vk_set_fini(&r->set);
}

int sim_run(const struct sim_run_args *a)
{
    /* A guest writing to a closed pipe must see EPIPE (and die of its own SIGPIPE, reported
     * by gos), not take vkmmu down with it. */
    signal(SIGPIPE, SIG_IGN);
    int status = run_check(a);
    if (status != VKMMU_EXIT_OK)
        return status;
    struct run r = {.args = a, .model = a->model, .in_fd = 0, .out_fd = 1, .in_start = -1};
    run_emu_options(&r);
    status = run_models(&r);
    if (status == VKMMU_EXIT_OK) {
        r.null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        status = run_guest_files(&r);
    } else {
        r.null_fd = -1;
    }
    if (status == VKMMU_EXIT_OK)
        status = run_passes(&r);
    status = run_close_taps(&r, status);
    if (status == VKMMU_EXIT_OK)
        status = run_report(&r);
    run_fini(&r);
    return status;
}

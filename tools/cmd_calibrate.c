/* tools/cmd_calibrate.c - `vkmmu calibrate -o HOST.costs`: measures this host's memory-management
 * costs (calibrate_measure.c) and writes them as a costs file (the `key = value` format of mmu_costs_load), each
 * value with its method, median and spread in a comment.
 *
 * Every measurement is a batch over thousands of pages (or calls) timed with CLOCK_MONOTONIC,
 * giving nanoseconds per event; one batch is one run, and the value is the median of --runs
 * runs.  Cycles are nanoseconds x the TSC frequency, itself measured against CLOCK_MONOTONIC,
 * so they are TSC cycles like the ones in ../shared/docs/costs.md.  The process is pinned to
 * one CPU while measuring (the userfaultfd handler and the pipe partner then run on the same
 * CPU as the faulting thread, as in costs.md's "handler on the same CPU").  What each key
 * means and how this compares with the `modern` profile: docs/calibration.md. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "calibrate_internal.h"
#include "sim.h"
#include "tools.h"

enum { CALIBRATE_OUTPUT = 1, CALIBRATE_RUNS, CALIBRATE_NO_USERFAULTFD, CALIBRATE_HELP };

static const struct opt calibrate_options[] = {
    {NULL, 'o', "FILE", "the costs file (- for standard output)", CALIBRATE_OUTPUT},
    {"runs", 0, "N", "runs per measurement, the median is kept (default 5)", CALIBRATE_RUNS},
    {"no-userfaultfd", 0, NULL,
     "measure the reflection as a signal round trip, as when\nuserfaultfd is not permitted",
     CALIBRATE_NO_USERFAULTFD},
    {"help", 'h', NULL, "this text", CALIBRATE_HELP},
    OPT_END,
};
static const struct opt *const calibrate_tables[] = {calibrate_options, NULL};

static void calibrate_usage(FILE *out)
{
    fputs("usage: vkmmu calibrate -o HOST.costs [--runs N]\n"
          "Measures this host's costs (minor fault, zero-fill, system call, write-protect trap,\n"
          "a reflection-like userfaultfd round trip, TLB miss, page zeroing, copy-on-write,\n"
          "mprotect, context-switch round trip) and writes a costs file for --costs, each value\n"
          "with its method and spread in a comment (docs/calibration.md).\n"
          "\n"
          "options:\n",
          out);
    opt_usage(calibrate_tables, out);
    fputs("\n"
          "exit status: 0 success, 1 a measurement failed, 2 bad usage\n",
          out);
}

/* The command line of vkmmu calibrate. */
struct calibrate_args {
    const char *out;
    long runs;
    bool no_uffd;
};

static int calibrate_option(void *ctx, const struct opt *o, const char *v)
{
    struct calibrate_args *a = ctx;
    uint64_t n;
    if (o->value && !v) {
        fprintf(stderr, "vkmmu calibrate: unknown option or missing value '--%s' (see vkmmu "
                        "calibrate --help)\n", o->name);
        return VKMMU_EXIT_USAGE;
    }
    switch (o->id) {
    case CALIBRATE_OUTPUT:
        a->out = v;
        break;
    case CALIBRATE_RUNS:
        if (sim_parse_uint(v, 1, 1000, &n) < 0) {
            fprintf(stderr, "vkmmu calibrate: --runs: bad count '%s' (expected 1 to 1000)\n", v);
            return VKMMU_EXIT_USAGE;
        }
        a->runs = (int)n;
        break;
    case CALIBRATE_NO_USERFAULTFD:
        a->no_uffd = true;
        break;
    case CALIBRATE_HELP:
        calibrate_usage(stdout);
        return OPT_EXIT_OK;
    }
    return 0;
}

/* Parses argv into *a; 0, or the exit status after printing the reason. */
static int calibrate_parse_args(int argc, char **argv, struct calibrate_args *a)
{
    int first;
    int st = opt_parse("calibrate", calibrate_tables, OPT_OPERANDS_MIXED, argc, argv,
                       calibrate_option, a, &first);
    if (st)
        return st == OPT_EXIT_OK ? VKMMU_EXIT_OK : st;
    if (first < argc) {
        fprintf(stderr, "vkmmu calibrate: unexpected argument '%s' (see vkmmu calibrate --help)\n",
                argv[first]);
        return VKMMU_EXIT_USAGE;
    }
    if (!a->out || !*a->out) {
        fprintf(stderr, "vkmmu calibrate: missing -o FILE (see vkmmu calibrate --help)\n");
        return VKMMU_EXIT_USAGE;
    }
    return 0;
}

/* One measured quantity over the runs. */
enum {
    Q_FAULT_R, Q_FAULT_W, Q_SYSCALL, Q_PINGPONG, Q_WPTRAP, Q_SIGTRAP, Q_UFFD, Q_TLB, Q_MEMSET,
    Q_COW, Q_MPROTECT, Q_N
};
static const char *const q_names[Q_N] = {
    "anonymous first-touch read", "anonymous first-touch write", "getppid system call",
    "pipe ping-pong round trip", "user-level write-protect trap", "signal round trip (PROT_NONE)",
    "userfaultfd round trip", "TLB-missing load (vs in-page)", "memset of 4 KiB",
    "MAP_PRIVATE file first write", "mprotect of one page",
};

/* One calibration: the buffers it measures with and the values of every run. */
struct calibration {
    long runs;
    bool no_uffd, uffd_ok;
    int uffd_errno;
    bool pinned;
    cpu_set_t old_set;
    double *v[Q_N]; /* v[q][run] */
    double ghz_v[5];
    struct chase ch;
    char *zbuf;
    int cow_fd;
    char *cow_path; /* sized to the output's directory or $TMPDIR: never cut */
    long cow_fs;
};

/* Pins to the CPU we are on, for stable numbers and same-CPU round trips. */
static void pin_cpu(struct calibration *cal)
{
    cpu_set_t one;
    int cpu = sched_getcpu();
    if (cpu >= 0 && sched_getaffinity(0, sizeof cal->old_set, &cal->old_set) == 0) {
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        cal->pinned = sched_setaffinity(0, sizeof one, &one) == 0;
    }
}

static void calibration_fini(struct calibration *cal)
{
    free(cal->cow_path);
    if (cal->ch.buf)
        munmap(cal->ch.buf, CAL_CHASE_PAGES * CAL_PAGE);
    if (cal->zbuf)
        munmap(cal->zbuf, CAL_ZERO_PAGES * CAL_PAGE);
    if (cal->cow_fd >= 0)
        close(cal->cow_fd);
    for (int q = 0; q < Q_N; q++)
        free(cal->v[q]);
    if (cal->pinned)
        sched_setaffinity(0, sizeof cal->old_set, &cal->old_set);
}

/* The COW file: next to the output (a real filesystem, usually), else $TMPDIR; unlinked at
 * once and filled through write(2), so every page is in the page cache. */
static int make_cow_file(struct calibration *cal, const char *out)
{
    const char *slash = strcmp(out, "-") ? strrchr(out, '/') : NULL;
    const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    int n;
    if (!strcmp(out, "-"))
        n = asprintf(&cal->cow_path, "%s/vkmmu-calibrate.XXXXXX", tmpdir);
    else if (slash)
        n = asprintf(&cal->cow_path, "%.*s/.vkmmu-calibrate.XXXXXX", (int)(slash - out), out);
    else
        n = asprintf(&cal->cow_path, ".vkmmu-calibrate.XXXXXX");
    cal->cow_fd = n < 0 ? -1 : mkstemp(cal->cow_path);
    if (cal->cow_fd < 0 && n >= 0) {
        free(cal->cow_path);
        n = asprintf(&cal->cow_path, "%s/vkmmu-calibrate.XXXXXX", tmpdir);
        cal->cow_fd = n < 0 ? -1 : mkstemp(cal->cow_path);
    }
    if (n < 0) {
        cal->cow_path = NULL;
        fprintf(stderr, "vkmmu calibrate: out of memory\n");
        return -1;
    }
    if (cal->cow_fd < 0) {
        fprintf(stderr, "vkmmu calibrate: %s: %s\n", cal->cow_path, strerror(errno));
        return -1;
    }
    unlink(cal->cow_path);
    struct statfs sf;
    if (fstatfs(cal->cow_fd, &sf) == 0)
        cal->cow_fs = (long)sf.f_type;
    for (size_t i = 0; i < CAL_COW_PAGES; i++)
        if (write(cal->cow_fd, cal->zbuf, CAL_PAGE) != (ssize_t)CAL_PAGE) {
            fprintf(stderr, "vkmmu calibrate: %s: write: %s\n", cal->cow_path, strerror(errno));
            return -1;
        }
    return 0;
}

/* The TSC frequency and the buffers of the measurements.  0, or -1 after printing why. */
static int prepare(struct calibration *cal, const char *out)
{
    for (int q = 0; q < Q_N; q++)
        if (!cal->v[q]) {
            fputs("vkmmu calibrate: out of memory\n", stderr);
            return -1;
        }
    fprintf(stderr, "vkmmu calibrate: %ld runs per measurement%s\n", cal->runs,
            cal->pinned ? ", pinned to one CPU" : "");
#ifdef CAL_HAVE_TSC
    for (int i = 0; i < 5; i++)
        cal->ghz_v[i] = calibrate_tsc_ghz();
#else
    for (int i = 0; i < 5; i++)
        cal->ghz_v[i] = 1.0; /* no TSC: "cycles" are nanoseconds */
#endif
    if (calibrate_chase_init(&cal->ch) < 0 ||
        !(cal->zbuf = calibrate_map_anon(CAL_ZERO_PAGES, PROT_READ | PROT_WRITE))) {
        fprintf(stderr, "vkmmu calibrate: cannot map the test buffers: %s\n", strerror(errno));
        return -1;
    }
    memset(cal->zbuf, 1, (size_t)CAL_ZERO_PAGES * CAL_PAGE);
    return make_cow_file(cal, out);
}

/* Every measurement once, into x; the userfaultfd one given up on its first failure. */
static void measure_once(struct calibration *cal, double x[Q_N])
{
    x[Q_FAULT_R] = calibrate_fault_read();
    x[Q_FAULT_W] = calibrate_fault_write();
    x[Q_SYSCALL] = calibrate_syscall();
    x[Q_PINGPONG] = calibrate_pingpong();
    x[Q_WPTRAP] = calibrate_trap(true, PROT_READ);
    x[Q_SIGTRAP] = calibrate_trap(false, PROT_NONE);
    x[Q_UFFD] = 0;
    if (cal->uffd_ok) {
        x[Q_UFFD] = calibrate_uffd();
        if (x[Q_UFFD] < 0) {
            cal->uffd_ok = false;
            cal->uffd_errno = errno;
            x[Q_UFFD] = 0;
        }
    }
    x[Q_TLB] = calibrate_tlb_miss(&cal->ch);
    x[Q_MEMSET] = calibrate_memset(cal->zbuf);
    x[Q_COW] = calibrate_cow(cal->cow_fd);
    x[Q_MPROTECT] = calibrate_mprotect();
}

/* Runs interleave the measurements, so a slow phase of the host spreads over all.  0, or -1
 * after printing which measurement failed. */
static int measure(struct calibration *cal)
{
    for (long r = 0; r < cal->runs; r++) {
        double x[Q_N];
        measure_once(cal, x);
        for (int q = 0; q < Q_N; q++) {
            if (x[q] < 0 && !(q == Q_UFFD)) {
                fprintf(stderr, "vkmmu calibrate: %s: failed: %s\n", q_names[q], strerror(errno));
                return -1;
            }
            cal->v[q][r] = x[q];
        }
    }
    return 0;
}

/* What a key of the costs file is made of, in ns (median-based; the spread of a difference
 * is the spread of its terms). */
struct key {
    const char *name;
    double ns;          /* -1: not measured (modern's value, kept in ns) */
    const char *method;
    int q, q2;          /* measurements behind it (q2 subtracted), -1 none */
};

/* The statistics of the runs. */
struct results {
    struct stat3 s[Q_N], g; /* g: the TSC frequency */
    double ghz;
};

/* The keys of the costs file from the measurements; a key not measured keeps ns -1. */
static void derive_keys(const struct calibration *cal, const struct results *res,
                        struct key keys[MMU_NCOSTS])
{
    const struct stat3 *s = res->s;
    for (int k = 0; k < MMU_NCOSTS; k++)
        keys[k] = (struct key){mmu_cost_names[k], -1, NULL, -1, -1};
#define KEY(id, value, m, a, b) keys[MMU_COST_##id] = (struct key){#id, (value), (m), (a), (b)}
    double fault = s[Q_FAULT_R].med;
    double zero = s[Q_FAULT_W].med - fault;
    const char *zero_m =
        "anonymous first-touch write minus first-touch read (allocation + zeroing)";
    if (zero <= 0) {
        zero = s[Q_MEMSET].med;
        zero_m = "memset of 4 KiB (the write-minus-read difference was not positive)";
    }
    double cow = s[Q_COW].med - fault;
    const char *cow_m = "first write to a MAP_PRIVATE page of a cached file minus the "
                        "first-touch read";
    if (cow <= 0) {
        cow = s[Q_COW].med;
        cow_m = "first write to a MAP_PRIVATE page of a cached file (not less the fault: "
                "the difference was not positive)";
    }
    double tlb = s[Q_TLB].med > 0 ? s[Q_TLB].med : 1.0 / res->ghz;
    KEY(syscall_native, s[Q_SYSCALL].med, "syscall(SYS_getppid) in a loop", Q_SYSCALL, -1);
    KEY(syscall_vk, s[Q_PINGPONG].med,
        "pipe ping-pong round trip with a process on the same CPU (2 context switches, "
        "4 system calls), as modern", Q_PINGPONG, -1);
    KEY(fault_native, fault, "anonymous first-touch read (zero page mapped, no allocation)",
        Q_FAULT_R, -1);
    KEY(fault_real, fault, "as fault_native (a minor fault without allocation), as modern",
        Q_FAULT_R, -1);
    KEY(walk_ref, tlb,
        "pointer chase, one load per 4 KiB page over 128 MiB in random order, minus the "
        "same chase within one page (TLB miss + its cache misses)", Q_TLB, -1);
    if (cal->uffd_ok)
        KEY(reflect, s[Q_UFFD].med,
            "userfaultfd missing fault served by a thread on the same CPU with UFFDIO_COPY "
            "(includes the 4 KiB copy)", Q_UFFD, -1);
    else
        KEY(reflect, s[Q_SIGTRAP].med,
            "userfaultfd not permitted: SIGSEGV on a PROT_NONE page, handler mprotect(RW), "
            "return (a signal round trip)", Q_SIGTRAP, -1);
    KEY(dirty_trap, fault,
        "a write fault the kernel resolves alone: as fault_native, as modern (the "
        "user-level trap is in the comments below)", Q_FAULT_R, -1);
    KEY(zero_fill, zero, zero_m, Q_FAULT_W, Q_FAULT_R);
    KEY(cow, cow, cow_m, Q_COW, Q_FAULT_R);
    KEY(pt_alloc, zero, "a zeroed page: as zero_fill, as modern", Q_FAULT_W, Q_FAULT_R);
    KEY(inval, s[Q_MPROTECT].med,
        "mprotect of one resident page (a system call plus a one-page pmap change), as "
        "modern", Q_MPROTECT, -1);
    KEY(ept_violation, 2528.0 / res->ghz + fault,
        "not measurable without KVM: 2,528 cycles per KVM_RUN round trip (lkml, Dec 2020) "
        "plus the measured minor fault, as modern", Q_FAULT_R, -1);
#undef KEY
}

/* The first lines of the costs file: host, date, method and the clock. */
static void write_preamble(FILE *f, const struct calibration *cal, const struct results *res)
{
    struct utsname un;
    char host[400] = "?", when[64] = "?";
    if (uname(&un) == 0)
        snprintf(host, sizeof host, "%s %s %s", un.nodename, un.sysname, un.release);
    time_t tnow = time(NULL);
    struct tm tmv;
    if (gmtime_r(&tnow, &tmv))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    fprintf(f,
            "# vkmmu costs file written by `vkmmu calibrate` (docs/calibration.md)\n"
            "# host: %s; %s; vkmmu %s\n"
            "# Each value: median of %ld runs (min-max in brackets), each run a batch of\n"
            "# thousands of events timed with CLOCK_MONOTONIC; cycles = ns x clock_ghz.\n"
            "# %s.  Keys not measured keep modern's value in ns at this clock.\n"
            "base = modern\n\n",
            host, when, VKMMU_VERSION, cal->runs,
            cal->pinned ? "Pinned to one CPU while measuring"
                        : "Not pinned (sched_setaffinity failed)");
    fprintf(f, "# TSC frequency: rdtsc against CLOCK_MONOTONIC over 5 x 50 ms: %.4f GHz "
               "[%.4f-%.4f]\nclock_ghz = %.4f\n\n", res->g.med, res->g.min, res->g.max, res->ghz);
}

/* One key with its method and measurements in comments. */
static void write_key(FILE *f, int k, const struct key *K, const struct results *res)
{
    const struct mmu_costs *mc = mmu_cost_profile_find("modern")->costs;
    const struct stat3 *s = res->s;
    double cyc;
    if (K->ns < 0) {
        double ns = mc->v[k] / mc->clock_ghz;
        cyc = k == MMU_COST_insn ? mc->v[k] : ns * res->ghz;
        if (k == MMU_COST_insn)
            fprintf(f, "# not measured: modern's assumption (CPI 1)\n");
        else
            fprintf(f, "# not measured: modern's value %.0f cycles = %.0f ns, at this "
                       "clock\n", mc->v[k], ns);
    } else {
        cyc = K->ns * res->ghz;
        fprintf(f, "# %s\n", K->method);
        if (K->q >= 0 && K->q2 < 0)
            fprintf(f, "#   %s: %.1f ns [%.1f-%.1f]\n", q_names[K->q], s[K->q].med,
                    s[K->q].min, s[K->q].max);
        else if (K->q >= 0)
            fprintf(f, "#   %s %.1f ns [%.1f-%.1f] - %s %.1f ns [%.1f-%.1f]\n",
                    q_names[K->q], s[K->q].med, s[K->q].min, s[K->q].max, q_names[K->q2],
                    s[K->q2].med, s[K->q2].min, s[K->q2].max);
        fprintf(f, "#   = %.1f ns; modern: %.0f cycles\n", K->ns, mc->v[k]);
    }
    if (cyc < 1)
        cyc = 1; /* every key positive: a cost the host cannot resolve is one cycle */
    fprintf(f, "%s = %.0f\n\n", K->name, cyc);
}

/* The measurements no key uses, as comments at the end. */
static void write_unused(FILE *f, const struct calibration *cal, const struct results *res)
{
    const struct stat3 *s = res->s;
    double ghz = res->ghz;
    fprintf(f, "# Measured but not used for a key:\n");
    fprintf(f, "#   user-level write-protect trap (SIGSEGV + mprotect + return): %.1f ns "
               "[%.1f-%.1f] = %.0f cycles\n", s[Q_WPTRAP].med, s[Q_WPTRAP].min,
            s[Q_WPTRAP].max, s[Q_WPTRAP].med * ghz);
    fprintf(f, "#   signal round trip on a PROT_NONE page: %.1f ns [%.1f-%.1f] = %.0f cycles\n",
            s[Q_SIGTRAP].med, s[Q_SIGTRAP].min, s[Q_SIGTRAP].max, s[Q_SIGTRAP].med * ghz);
    fprintf(f, "#   memset of a resident 4 KiB page: %.1f ns [%.1f-%.1f] = %.0f cycles\n",
            s[Q_MEMSET].med, s[Q_MEMSET].min, s[Q_MEMSET].max, s[Q_MEMSET].med * ghz);
    if (cal->uffd_ok)
        fprintf(f, "#   userfaultfd round trip: %.1f ns [%.1f-%.1f]\n", s[Q_UFFD].med,
                s[Q_UFFD].min, s[Q_UFFD].max);
    else if (cal->no_uffd)
        fprintf(f, "#   userfaultfd: not used (--no-userfaultfd)\n");
    else
        fprintf(f, "#   userfaultfd: not permitted (%s)\n", strerror(cal->uffd_errno));
    fprintf(f, "#   copy-on-write file on %s\n", calibrate_fs_name(cal->cow_fs));
}

/* Writes the costs file to f (stdout, or tmp renamed to out once complete).  0, or -1 after
 * printing the write error. */
static int write_costs(FILE *f, const char *tmp, const char *out, const struct calibration *cal,
                       const struct results *res)
{
    struct key keys[MMU_NCOSTS];
    derive_keys(cal, res, keys);
    write_preamble(f, cal, res);
    for (int k = 0; k < MMU_NCOSTS; k++)
        write_key(f, k, &keys[k], res);
    write_unused(f, cal, res);
    int werr = fflush(f) != 0 || ferror(f);
    if (f != stdout) {
        werr |= fsync(fileno(f)) != 0;
        werr |= fclose(f) != 0;
        if (!werr && rename(tmp, out) != 0)
            werr = 1;
        if (werr)
            unlink(tmp);
    }
    if (werr) {
        fprintf(stderr, "vkmmu calibrate: %s: write error: %s\n", out, strerror(errno));
        return -1;
    }
    return 0;
}

/* The spread of every measurement on stderr. */
static void print_spread(const struct calibration *cal, const struct results *res)
{
    const struct stat3 *s = res->s;
    fprintf(stderr, "  %-34s %10s %10s %10s %9s\n", "measurement (ns per event)", "median",
            "min", "max", "cycles");
    for (int q = 0; q < Q_N; q++)
        if (q != Q_UFFD || cal->uffd_ok)
            fprintf(stderr, "  %-34s %10.1f %10.1f %10.1f %9.0f\n", q_names[q], s[q].med,
                    s[q].min, s[q].max, s[q].med * res->ghz);
    fprintf(stderr, "  %-34s %10.4f %10.4f %10.4f\n", "TSC GHz", res->g.med, res->g.min,
            res->g.max);
}

/* The statistics of the runs, the costs file written from them and the spread printed.
 * The exit status. */
static int report(struct calibration *cal, FILE *f, const char *tmp, const char *out,
                  double t_start)
{
    struct results res;
    res.g = calibrate_stats(cal->ghz_v, 5);
    for (int q = 0; q < Q_N; q++)
        res.s[q] = calibrate_stats(cal->v[q], (int)cal->runs);
    res.ghz = res.g.med;
    if (!cal->uffd_ok)
        fprintf(stderr, "vkmmu calibrate: userfaultfd %s; the reflection uses the signal "
                        "round trip\n", cal->no_uffd ? "not used (--no-userfaultfd)"
                                                     : strerror(cal->uffd_errno));
    int status = write_costs(f, tmp, out, cal, &res) < 0 ? VKMMU_EXIT_FAILED : VKMMU_EXIT_OK;
    print_spread(cal, &res);
    if (status == VKMMU_EXIT_OK)
        fprintf(stderr, "vkmmu calibrate: wrote %s in %.1f s\n", out,
                (calibrate_now_ns() - t_start) / 1e9);
    return status;
}

int cmd_calibrate(int argc, char **argv)
{
    struct calibrate_args a = {.runs = 5};
    int status = calibrate_parse_args(argc, argv, &a);
    if (status || !a.out) /* bad usage, or --help printed */
        return status;
    struct calibration cal = {.runs = a.runs, .no_uffd = a.no_uffd, .uffd_ok = !a.no_uffd,
                              .uffd_errno = a.no_uffd ? EPERM : 0, .cow_fd = -1};
    pin_cpu(&cal);
    for (int q = 0; q < Q_N; q++)
        cal.v[q] = calloc((size_t)cal.runs, sizeof(double));
    double t_start = calibrate_now_ns();
    /* PATH.tmp is opened first, so an unwritable path fails before the measurements. */
    char *tmp = NULL;
    FILE *outf = NULL;
    if (strcmp(a.out, "-") && (asprintf(&tmp, "%s.tmp", a.out) < 0 || !(outf = fopen(tmp, "w")))) {
        fprintf(stderr, "vkmmu calibrate: %s: cannot write: %s\n", tmp ? tmp : a.out,
                strerror(errno));
        free(tmp);
        calibration_fini(&cal);
        return VKMMU_EXIT_FAILED;
    }
    if (prepare(&cal, a.out) < 0 || measure(&cal) < 0) {
        if (outf) { /* failed before writing */
            fclose(outf);
            unlink(tmp);
        }
        status = VKMMU_EXIT_FAILED;
    } else {
        status = report(&cal, outf ? outf : stdout, tmp, a.out, t_start);
    }
    free(tmp);
    calibration_fini(&cal);
    return status;
}

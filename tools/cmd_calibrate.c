/* tools/cmd_calibrate.c - `vkmmu calibrate -o HOST.costs`: measures this host's memory-management
 * costs and writes them as a costs file (the `key = value` format of mmu_costs_load), each
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
#include <fcntl.h>
#include <inttypes.h>
#include <linux/userfaultfd.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define CAL_HAVE_TSC 1
#endif

#include "sim.h"
#include "tools.h"

#define CAL_PAGE 4096u

/* Sizes of one run (pages or calls).  Chosen so the default 5 runs finish in a few seconds
 * on a 2-core VM while averaging over thousands of events. */
enum {
    CAL_FAULT_PAGES = 16384,   /* 64 MiB per fault batch */
    CAL_TRAP_PAGES = 4096,     /* signal and userfaultfd round trips */
    CAL_SYSCALLS = 200000,
    CAL_PINGPONGS = 20000,
    CAL_MPROTECTS = 50000,
    CAL_CHASE_PAGES = 32768,   /* 128 MiB: far beyond any STLB's reach */
    CAL_ZERO_PAGES = 8192,     /* 32 MiB: beyond L2, so memset writes to memory */
    CAL_COW_PAGES = 8192,
};

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void *map_anon(size_t pages, int prot)
{
    void *p = mmap(NULL, pages * CAL_PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    /* Base pages only: a transparent huge page would make one fault serve 512 pages. */
    madvise(p, pages * CAL_PAGE, MADV_NOHUGEPAGE);
    /* Not shared with the ping-pong child: fork would write-protect the buffers that live
     * across runs, and the next memset would pay a copy-on-write fault per page. */
    madvise(p, pages * CAL_PAGE, MADV_DONTFORK);
    return p;
}

/* ---- the measurements: each returns ns per event for one run, or -1 (errno set) ---- */

/* TSC ticks per ns over a 50 ms busy wait. */
static double m_tsc_ghz(void)
{
#ifdef CAL_HAVE_TSC
    double t0 = now_ns();
    uint64_t c0 = __rdtsc();
    double t1;
    while ((t1 = now_ns()) - t0 < 50e6)
        ;
    uint64_t c1 = __rdtsc();
    return (double)(c1 - c0) / (t1 - t0);
#else
    return -1;
#endif
}

/* Anonymous first touch by a read: the zero page is mapped, nothing allocated. */
static double m_fault_read(void)
{
    volatile char *p = map_anon(CAL_FAULT_PAGES, PROT_READ | PROT_WRITE);
    if (!p)
        return -1;
    char sink = 0;
    double t0 = now_ns();
    for (size_t i = 0; i < CAL_FAULT_PAGES; i++)
        sink ^= p[i * CAL_PAGE];
    double t = now_ns() - t0;
    munmap((void *)p, CAL_FAULT_PAGES * CAL_PAGE);
    (void)sink;
    return t / CAL_FAULT_PAGES;
}

/* Anonymous first touch by a write: fault + page allocation + zeroing. */
static double m_fault_write(void)
{
    volatile char *p = map_anon(CAL_FAULT_PAGES, PROT_READ | PROT_WRITE);
    if (!p)
        return -1;
    double t0 = now_ns();
    for (size_t i = 0; i < CAL_FAULT_PAGES; i++)
        p[i * CAL_PAGE] = 1;
    double t = now_ns() - t0;
    munmap((void *)p, CAL_FAULT_PAGES * CAL_PAGE);
    return t / CAL_FAULT_PAGES;
}

static double m_syscall(void)
{
    double t0 = now_ns();
    for (int i = 0; i < CAL_SYSCALLS; i++)
        syscall(SYS_getppid);
    return (now_ns() - t0) / CAL_SYSCALLS;
}

/* Pipe ping-pong with a child on the same CPU: 2 context switches and 4 system calls per
 * round trip, the shape of a vkernel guest system call (trap, vkernel, vmspace_ctl back). */
static double m_pingpong(void)
{
    int ab[2], ba[2];
    if (pipe(ab) != 0)
        return -1;
    if (pipe(ba) != 0) {
        close(ab[0]);
        close(ab[1]);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(ab[1]); /* else the parent's close never ends this loop */
        close(ba[0]);
        while (read(ab[0], &c, 1) == 1)
            if (write(ba[1], &c, 1) != 1)
                break;
        _exit(0);
    }
    double t = -1;
    if (pid > 0) {
        char c = 'x';
        int i;
        double t0 = now_ns();
        for (i = 0; i < CAL_PINGPONGS; i++)
            if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
                break;
        if (i == CAL_PINGPONGS)
            t = (now_ns() - t0) / CAL_PINGPONGS;
    }
    close(ab[1]);
    close(ba[0]);
    close(ab[0]);
    close(ba[1]);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    return t;
}

/* The SIGSEGV handler of the trap measurements: makes the faulting page read-write (the
 * user-level equivalent of a vkernel entering the page) and returns to retry the access. */
/* volatile: written by the measuring code, read by the signal handler */
static char *volatile trap_lo, *volatile trap_hi;
static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    char *a = si->si_addr;
    if (a >= trap_lo && a < trap_hi) {
        mprotect((void *)((uintptr_t)a & ~(uintptr_t)(CAL_PAGE - 1)), CAL_PAGE,
                 PROT_READ | PROT_WRITE);
        return;
    }
    signal(sig, SIG_DFL); /* not ours: crash as usual on return */
}

/* A trap on every page of a region mapped with prot_before after optionally faulting it in:
 * SIGSEGV, handler mprotect(1 page, RW), return, retried write. */
static double m_trap(bool populate, int prot_before)
{
    char *p = map_anon(CAL_TRAP_PAGES, PROT_READ | PROT_WRITE);
    if (!p)
        return -1;
    if (populate)
        for (size_t i = 0; i < CAL_TRAP_PAGES; i++)
            p[i * CAL_PAGE] = 1;
    mprotect(p, CAL_TRAP_PAGES * CAL_PAGE, prot_before);
    struct sigaction sa = {0}, old;
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    trap_lo = p;
    trap_hi = p + CAL_TRAP_PAGES * CAL_PAGE;
    sigaction(SIGSEGV, &sa, &old);
    volatile char *v = p;
    double t0 = now_ns();
    for (size_t i = 0; i < CAL_TRAP_PAGES; i++)
        v[i * CAL_PAGE] = 2;
    double t = now_ns() - t0;
    sigaction(SIGSEGV, &old, NULL);
    trap_lo = trap_hi = NULL;
    munmap(p, CAL_TRAP_PAGES * CAL_PAGE);
    return t / CAL_TRAP_PAGES;
}

/* mprotect of one resident page, alternating read-only and read-write: the closest host
 * analogue of DragonFly's madvise(MADV_INVAL) (a system call plus a one-page pmap change). */
static double m_mprotect(void)
{
    char *p = map_anon(1, PROT_READ | PROT_WRITE);
    if (!p)
        return -1;
    p[0] = 1;
    double t0 = now_ns();
    for (int i = 0; i < CAL_MPROTECTS; i++)
        mprotect(p, CAL_PAGE, i & 1 ? PROT_READ | PROT_WRITE : PROT_READ);
    double t = now_ns() - t0;
    munmap(p, CAL_PAGE);
    return t / CAL_MPROTECTS;
}

/* ---- userfaultfd ---- */

struct uffd_server {
    int fd;
    size_t todo;
    char *src;
    int err;
};

static void *uffd_serve(void *arg)
{
    struct uffd_server *s = arg;
    while (s->todo) {
        struct uffd_msg msg;
        ssize_t n = read(s->fd, &msg, sizeof msg);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != (ssize_t)sizeof msg) {
            s->err = n < 0 ? errno : EIO;
            return NULL;
        }
        if (msg.event != UFFD_EVENT_PAGEFAULT)
            continue;
        struct uffdio_copy cp = {
            .dst = msg.arg.pagefault.address & ~(uint64_t)(CAL_PAGE - 1),
            .src = (uintptr_t)s->src,
            .len = CAL_PAGE,
        };
        if (ioctl(s->fd, UFFDIO_COPY, &cp) != 0 && errno != EEXIST) {
            s->err = errno;
            return NULL;
        }
        s->todo--;
    }
    return NULL;
}

static int uffd_open(void)
{
#ifdef SYS_userfaultfd
    int fd = -1;
#ifdef UFFD_USER_MODE_ONLY
    fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
#endif
    if (fd < 0)
        fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct uffdio_api api = {.api = UFFD_API};
    if (ioctl(fd, UFFDIO_API, &api) != 0) {
        close(fd);
        return -1;
    }
    return fd;
#else
    errno = ENOSYS;
    return -1;
#endif
}

/* A missing-page fault served by a userfaultfd handler thread with UFFDIO_COPY: the fault,
 * the handler's wake-up, its read and copy, and the faulting thread's resumption. */
static double m_uffd(void)
{
    int fd = uffd_open();
    if (fd < 0)
        return -1;
    char *p = map_anon(CAL_TRAP_PAGES, PROT_READ | PROT_WRITE);
    char *src = map_anon(1, PROT_READ | PROT_WRITE);
    double t = -1;
    if (!p || !src)
        goto out;
    memset(src, 7, CAL_PAGE);
    struct uffdio_register reg = {
        .range = {.start = (uintptr_t)p, .len = (uint64_t)CAL_TRAP_PAGES * CAL_PAGE},
        .mode = UFFDIO_REGISTER_MODE_MISSING,
    };
    if (ioctl(fd, UFFDIO_REGISTER, &reg) != 0)
        goto out;
    struct uffd_server s = {.fd = fd, .todo = CAL_TRAP_PAGES, .src = src};
    pthread_t th;
    if ((errno = pthread_create(&th, NULL, uffd_serve, &s)) != 0)
        goto out;
    volatile char *v = p;
    char sink = 0;
    double t0 = now_ns();
    for (size_t i = 0; i < CAL_TRAP_PAGES; i++)
        sink ^= v[i * CAL_PAGE];
    t = (now_ns() - t0) / CAL_TRAP_PAGES;
    (void)sink;
    pthread_join(th, NULL);
    if (s.err) {
        errno = s.err;
        t = -1;
    }
out:
    if (p)
        munmap(p, CAL_TRAP_PAGES * CAL_PAGE);
    if (src)
        munmap(src, CAL_PAGE);
    close(fd);
    return t;
}

/* ---- TLB-missing pointer chase ---- */

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

struct chase {
    char *buf;       /* CAL_CHASE_PAGES pages, one pointer per page in a random cycle */
    void **start;
    void **local;    /* one page: 64 pointers (one per cache line) in a random cycle */
};

static void shuffle(size_t *v, size_t n, uint64_t *seed)
{
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)(rng_next(seed) % (i + 1));
        size_t t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}

static int chase_init(struct chase *c)
{
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    c->buf = map_anon(CAL_CHASE_PAGES, PROT_READ | PROT_WRITE);
    if (!c->buf)
        return -1;
    size_t *order = malloc(CAL_CHASE_PAGES * sizeof(*order));
    if (!order) {
        munmap(c->buf, CAL_CHASE_PAGES * CAL_PAGE);
        return -1;
    }
    for (size_t i = 0; i < CAL_CHASE_PAGES; i++)
        order[i] = i;
    shuffle(order, CAL_CHASE_PAGES, &seed);
    /* A random line in each page, so the chase does not hit one cache set. */
    void ***slot = malloc(CAL_CHASE_PAGES * sizeof(*slot));
    if (!slot) {
        free(order);
        munmap(c->buf, CAL_CHASE_PAGES * CAL_PAGE);
        return -1;
    }
    for (size_t i = 0; i < CAL_CHASE_PAGES; i++)
        slot[i] = (void **)(c->buf + order[i] * CAL_PAGE + (rng_next(&seed) % 64) * 64);
    for (size_t i = 0; i < CAL_CHASE_PAGES; i++)
        *slot[i] = slot[(i + 1) % CAL_CHASE_PAGES];
    c->start = slot[0];
    free(slot);
    free(order);

    size_t lines[64];
    for (size_t i = 0; i < 64; i++)
        lines[i] = i;
    shuffle(lines, 64, &seed);
    char *page = c->buf; /* reuses page 0's other lines: only the slot line is taken */
    void **ls[64];
    size_t k = 0;
    for (size_t i = 0; i < 64; i++) {
        void **a = (void **)(page + lines[i] * 64 + 8); /* +8: never the chase's slot word */
        ls[k++] = a;
    }
    for (size_t i = 0; i < 64; i++)
        *ls[i] = ls[(i + 1) % 64];
    c->local = ls[0];
    return 0;
}

/* ns per step of a chase of n steps from p. */
static double chase_run(void **p, size_t n)
{
    double t0 = now_ns();
    for (size_t i = 0; i < n; i++)
        p = *p;
    double t = now_ns() - t0;
    __asm__ volatile("" : : "r"(p) : "memory");
    return t / (double)n;
}

/* One access per 4 KiB page over the big buffer, minus a chase of the same length inside
 * one page (L1 hits, no TLB miss): what a TLB miss and its cache misses add to a load. */
static double m_tlb_miss(struct chase *c)
{
    double far = chase_run(c->start, 2 * CAL_CHASE_PAGES);
    double near = chase_run(c->local, 2 * CAL_CHASE_PAGES);
    return far - near;
}

/* memset of a resident 4 KiB page, over a buffer larger than L2. */
static double m_memset(char *buf)
{
    double t0 = now_ns();
    for (size_t i = 0; i < CAL_ZERO_PAGES; i++) {
        memset(buf + i * CAL_PAGE, 0, CAL_PAGE);
        __asm__ volatile("" : : "r"(buf) : "memory");
    }
    return (now_ns() - t0) / CAL_ZERO_PAGES;
}

/* First write to each page of a MAP_PRIVATE mapping of a file whose pages are in the page
 * cache (no fork): fault + page-cache lookup + allocation + copy. */
static double m_cow(int fd)
{
    char *p = mmap(NULL, CAL_COW_PAGES * CAL_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return -1;
    volatile char *v = p;
    double t0 = now_ns();
    for (size_t i = 0; i < CAL_COW_PAGES; i++)
        v[i * CAL_PAGE] = 3;
    double t = now_ns() - t0;
    munmap(p, CAL_COW_PAGES * CAL_PAGE);
    return t / CAL_COW_PAGES;
}

/* ---- statistics and output ---- */

struct stat3 {
    double med, min, max;
};

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static struct stat3 stats(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_d);
    struct stat3 s = {.min = v[0], .max = v[n - 1]};
    s.med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return s;
}

static const char *fs_name(long type)
{
    switch (type) {
    case 0xEF53: return "ext4";
    case 0x01021994: return "tmpfs";
    case 0x794c7630: return "overlayfs";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    default: return "other";
    }
}

static void calibrate_usage(FILE *out)
{
    fputs("usage: vkmmu calibrate -o HOST.costs [--runs N]\n"
          "Measures this host's costs (minor fault, zero-fill, system call, write-protect trap,\n"
          "a reflection-like userfaultfd round trip, TLB miss, page zeroing, copy-on-write,\n"
          "mprotect, context-switch round trip) and writes a costs file for --costs, each value\n"
          "with its method and spread in a comment (docs/calibration.md).\n"
          "\n"
          "options:\n"
          "  -o FILE              the costs file (- for standard output)\n"
          "  --runs N             runs per measurement, the median is kept (default 5)\n"
          "  --no-userfaultfd     measure the reflection as a signal round trip, as when\n"
          "                       userfaultfd is not permitted\n"
          "  -h, --help           this text\n"
          "\n"
          "exit status: 0 success, 1 a measurement failed, 2 bad usage\n",
          out);
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

int cmd_calibrate(int argc, char **argv)
{
    const char *out = NULL;
    long runs = 5;
    bool no_uffd = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            calibrate_usage(stdout);
            return VKMMU_EXIT_OK;
        } else if (!strcmp(a, "-o") && i + 1 < argc) {
            out = argv[++i];
        } else if (!strncmp(a, "-o", 2) && a[2]) {
            out = a + 2;
        } else if (!strcmp(a, "--no-userfaultfd")) {
            no_uffd = true;
        } else if ((!strcmp(a, "--runs") && i + 1 < argc) || !strncmp(a, "--runs=", 7)) {
            const char *v = a[6] == '=' ? a + 7 : argv[++i];
            uint64_t n;
            if (sim_parse_uint(v, 1, 1000, &n) < 0) {
                fprintf(stderr, "vkmmu calibrate: --runs: bad count '%s' (expected 1 to 1000)\n",
                        v);
                return VKMMU_EXIT_USAGE;
            }
            runs = (int)n;
        } else {
            fprintf(stderr, "vkmmu calibrate: %s '%s' (see vkmmu calibrate --help)\n",
                    a[0] == '-' ? "unknown option or missing value" : "unexpected argument", a);
            return VKMMU_EXIT_USAGE;
        }
    }
    if (!out || !*out) {
        fprintf(stderr, "vkmmu calibrate: missing -o FILE (see vkmmu calibrate --help)\n");
        return VKMMU_EXIT_USAGE;
    }

    /* Pin to the CPU we are on, for stable numbers and same-CPU round trips. */
    cpu_set_t old_set, one;
    bool pinned = false;
    int cpu = sched_getcpu();
    if (cpu >= 0 && sched_getaffinity(0, sizeof old_set, &old_set) == 0) {
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        pinned = sched_setaffinity(0, sizeof one, &one) == 0;
    }

    double *v[Q_N];
    for (int q = 0; q < Q_N; q++)
        v[q] = calloc((size_t)runs, sizeof(double));
    double ghz_v[5];
    int status = VKMMU_EXIT_OK;
    bool uffd_ok = !no_uffd;
    int uffd_errno = no_uffd ? EPERM : 0;
    struct chase ch = {0};
    char *zbuf = NULL;
    int cow_fd = -1;
    char *cow_path = NULL; /* sized to the output's directory or $TMPDIR: never cut */
    long cow_fs = 0;
    double t_start = now_ns();
    /* PATH.tmp is opened first, so an unwritable path fails before the measurements. */
    char *tmp = NULL;
    FILE *outf = NULL;
    if (strcmp(out, "-")) {
        if (asprintf(&tmp, "%s.tmp", out) < 0 || !(outf = fopen(tmp, "w"))) {
            fprintf(stderr, "vkmmu calibrate: %s: cannot write: %s\n", tmp ? tmp : out,
                    strerror(errno));
            free(tmp);
            tmp = NULL;
            status = VKMMU_EXIT_FAILED;
            goto out;
        }
    }

    for (int q = 0; q < Q_N; q++)
        if (!v[q]) {
            fputs("vkmmu calibrate: out of memory\n", stderr);
            status = VKMMU_EXIT_FAILED;
            goto out;
        }
    fprintf(stderr, "vkmmu calibrate: %ld runs per measurement%s\n", runs,
            pinned ? ", pinned to one CPU" : "");
#ifdef CAL_HAVE_TSC
    for (int i = 0; i < 5; i++)
        ghz_v[i] = m_tsc_ghz();
#else
    for (int i = 0; i < 5; i++)
        ghz_v[i] = 1.0; /* no TSC: "cycles" are nanoseconds */
#endif
    if (chase_init(&ch) < 0 || !(zbuf = map_anon(CAL_ZERO_PAGES, PROT_READ | PROT_WRITE))) {
        fprintf(stderr, "vkmmu calibrate: cannot map the test buffers: %s\n", strerror(errno));
        status = VKMMU_EXIT_FAILED;
        goto out;
    }
    memset(zbuf, 1, (size_t)CAL_ZERO_PAGES * CAL_PAGE);
    {
        /* The COW file: next to the output (a real filesystem, usually), else $TMPDIR. */
        const char *slash = strcmp(out, "-") ? strrchr(out, '/') : NULL;
        const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        int n;
        if (!strcmp(out, "-"))
            n = asprintf(&cow_path, "%s/vkmmu-calibrate.XXXXXX", tmpdir);
        else if (slash)
            n = asprintf(&cow_path, "%.*s/.vkmmu-calibrate.XXXXXX", (int)(slash - out), out);
        else
            n = asprintf(&cow_path, ".vkmmu-calibrate.XXXXXX");
        cow_fd = n < 0 ? -1 : mkstemp(cow_path);
        if (cow_fd < 0 && n >= 0) {
            free(cow_path);
            n = asprintf(&cow_path, "%s/vkmmu-calibrate.XXXXXX", tmpdir);
            cow_fd = n < 0 ? -1 : mkstemp(cow_path);
        }
        if (n < 0) {
            cow_path = NULL;
            fprintf(stderr, "vkmmu calibrate: out of memory\n");
            status = VKMMU_EXIT_FAILED;
            goto out;
        }
        if (cow_fd < 0) {
            fprintf(stderr, "vkmmu calibrate: %s: %s\n", cow_path, strerror(errno));
            status = VKMMU_EXIT_FAILED;
            goto out;
        }
        unlink(cow_path);
        struct statfs sf;
        if (fstatfs(cow_fd, &sf) == 0)
            cow_fs = (long)sf.f_type;
        /* Written through write(2), so every page is in the page cache. */
        for (size_t i = 0; i < CAL_COW_PAGES; i++)
            if (write(cow_fd, zbuf, CAL_PAGE) != (ssize_t)CAL_PAGE) {
                fprintf(stderr, "vkmmu calibrate: %s: write: %s\n", cow_path, strerror(errno));
                status = VKMMU_EXIT_FAILED;
                goto out;
            }
    }

    /* Runs interleave the measurements, so a slow phase of the host spreads over all. */
    for (long r = 0; r < runs; r++) {
        double x[Q_N];
        x[Q_FAULT_R] = m_fault_read();
        x[Q_FAULT_W] = m_fault_write();
        x[Q_SYSCALL] = m_syscall();
        x[Q_PINGPONG] = m_pingpong();
        x[Q_WPTRAP] = m_trap(true, PROT_READ);
        x[Q_SIGTRAP] = m_trap(false, PROT_NONE);
        x[Q_UFFD] = 0;
        if (uffd_ok) {
            x[Q_UFFD] = m_uffd();
            if (x[Q_UFFD] < 0) {
                uffd_ok = false;
                uffd_errno = errno;
                x[Q_UFFD] = 0;
            }
        }
        x[Q_TLB] = m_tlb_miss(&ch);
        x[Q_MEMSET] = m_memset(zbuf);
        x[Q_COW] = m_cow(cow_fd);
        x[Q_MPROTECT] = m_mprotect();
        for (int q = 0; q < Q_N; q++) {
            if (x[q] < 0 && !(q == Q_UFFD)) {
                fprintf(stderr, "vkmmu calibrate: %s: failed: %s\n", q_names[q], strerror(errno));
                status = VKMMU_EXIT_FAILED;
                goto out;
            }
            v[q][r] = x[q];
        }
    }

    {
        struct stat3 s[Q_N], g = stats(ghz_v, 5);
        for (int q = 0; q < Q_N; q++)
            s[q] = stats(v[q], (int)runs);
        double ghz = g.med;
        if (!uffd_ok)
            fprintf(stderr, "vkmmu calibrate: userfaultfd %s; the reflection uses the signal "
                            "round trip\n", no_uffd ? "not used (--no-userfaultfd)"
                                                       : strerror(uffd_errno));

        /* Derived values, in ns (median-based; the spread of a difference is the spread of
         * its terms). */
        struct key {
            const char *name;
            double ns;            /* -1: not measured (modern's value, kept in ns) */
            const char *method;
            int q, q2;            /* measurements behind it (q2 subtracted), -1 none */
        } keys[MMU_NCOSTS];
        const struct mmu_cost_profile *modern = mmu_cost_profile_find("modern");
        const struct mmu_costs *mc = modern->costs;
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
        double tlb = s[Q_TLB].med > 0 ? s[Q_TLB].med : 1.0 / ghz;
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
        if (uffd_ok)
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
        KEY(ept_violation, 2528.0 / ghz + fault,
            "not measurable without KVM: 2,528 cycles per KVM_RUN round trip (lkml, Dec 2020) "
            "plus the measured minor fault, as modern", Q_FAULT_R, -1);
#undef KEY

        FILE *f = outf ? outf : stdout;
        outf = NULL;
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
                host, when, VKMMU_VERSION, runs,
                pinned ? "Pinned to one CPU while measuring"
                       : "Not pinned (sched_setaffinity failed)");
        fprintf(f, "# TSC frequency: rdtsc against CLOCK_MONOTONIC over 5 x 50 ms: %.4f GHz "
                   "[%.4f-%.4f]\nclock_ghz = %.4f\n\n", g.med, g.min, g.max, ghz);
        for (int k = 0; k < MMU_NCOSTS; k++) {
            struct key *K = &keys[k];
            double cyc;
            if (K->ns < 0) {
                double ns = mc->v[k] / mc->clock_ghz;
                cyc = k == MMU_COST_insn ? mc->v[k] : ns * ghz;
                if (k == MMU_COST_insn)
                    fprintf(f, "# not measured: modern's assumption (CPI 1)\n");
                else
                    fprintf(f, "# not measured: modern's value %.0f cycles = %.0f ns, at this "
                               "clock\n", mc->v[k], ns);
            } else {
                cyc = K->ns * ghz;
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
        fprintf(f, "# Measured but not used for a key:\n");
        fprintf(f, "#   user-level write-protect trap (SIGSEGV + mprotect + return): %.1f ns "
                   "[%.1f-%.1f] = %.0f cycles\n", s[Q_WPTRAP].med, s[Q_WPTRAP].min,
                s[Q_WPTRAP].max, s[Q_WPTRAP].med * ghz);
        fprintf(f, "#   signal round trip on a PROT_NONE page: %.1f ns [%.1f-%.1f] = %.0f cycles\n",
                s[Q_SIGTRAP].med, s[Q_SIGTRAP].min, s[Q_SIGTRAP].max, s[Q_SIGTRAP].med * ghz);
        fprintf(f, "#   memset of a resident 4 KiB page: %.1f ns [%.1f-%.1f] = %.0f cycles\n",
                s[Q_MEMSET].med, s[Q_MEMSET].min, s[Q_MEMSET].max, s[Q_MEMSET].med * ghz);
        if (uffd_ok)
            fprintf(f, "#   userfaultfd round trip: %.1f ns [%.1f-%.1f]\n", s[Q_UFFD].med,
                    s[Q_UFFD].min, s[Q_UFFD].max);
        else if (no_uffd)
            fprintf(f, "#   userfaultfd: not used (--no-userfaultfd)\n");
        else
            fprintf(f, "#   userfaultfd: not permitted (%s)\n", strerror(uffd_errno));
        fprintf(f, "#   copy-on-write file on %s\n", fs_name(cow_fs));
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
            status = VKMMU_EXIT_FAILED;
        }

        /* The spread on stderr. */
        fprintf(stderr, "  %-34s %10s %10s %10s %9s\n", "measurement (ns per event)", "median",
                "min", "max", "cycles");
        for (int q = 0; q < Q_N; q++)
            if (q != Q_UFFD || uffd_ok)
                fprintf(stderr, "  %-34s %10.1f %10.1f %10.1f %9.0f\n", q_names[q], s[q].med,
                        s[q].min, s[q].max, s[q].med * ghz);
        fprintf(stderr, "  %-34s %10.4f %10.4f %10.4f\n", "TSC GHz", g.med, g.min, g.max);
        if (status == VKMMU_EXIT_OK)
            fprintf(stderr, "vkmmu calibrate: wrote %s in %.1f s\n", out,
                    (now_ns() - t_start) / 1e9);
    }
out:
    if (outf) { /* failed before writing */
        fclose(outf);
        unlink(tmp);
    }
    free(tmp);
    free(cow_path);
    if (ch.buf)
        munmap(ch.buf, CAL_CHASE_PAGES * CAL_PAGE);
    if (zbuf)
        munmap(zbuf, CAL_ZERO_PAGES * CAL_PAGE);
    if (cow_fd >= 0)
        close(cow_fd);
    for (int q = 0; q < Q_N; q++)
        free(v[q]);
    if (pinned)
        sched_setaffinity(0, sizeof old_set, &old_set);
    return status;
}

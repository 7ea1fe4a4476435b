/* tools/calibrate_measure.c - the measurements of `vkmmu calibrate` (calibrate_internal.h):
 * each a batch over thousands of pages (or calls) timed with CLOCK_MONOTONIC, giving
 * nanoseconds per event for one run, and the statistics over the runs. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/userfaultfd.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
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
#endif

#include "calibrate_internal.h"

double calibrate_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

void *calibrate_map_anon(size_t pages, int prot)
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
double calibrate_tsc_ghz(void)
{
#ifdef CAL_HAVE_TSC
    double t0 = calibrate_now_ns();
    uint64_t c0 = __rdtsc();
    double t1;
    while ((t1 = calibrate_now_ns()) - t0 < 50e6)
        ;
    uint64_t c1 = __rdtsc();
    return (double)(c1 - c0) / (t1 - t0);
#else
    return -1;
#endif
}

/* Anonymous first touch by a read: the zero page is mapped, nothing allocated. */
double calibrate_fault_read(void)
{
    volatile char *p = calibrate_map_anon(CAL_FAULT_PAGES, PROT_READ | PROT_WRITE);
    if (!p)
        return -1;
    char sink = 0;
    double t0 = calibrate_now_ns();
    for (size_t i = 0; i < CAL_FAULT_PAGES; i++)
        sink ^= p[i * CAL_PAGE];
    double t = calibrate_now_ns() - t0;
    munmap((void *)p, CAL_FAULT_PAGES * CAL_PAGE);
    (void)sink;
    return t / CAL_FAULT_PAGES;
}

/* Anonymous first touch by a write: fault + page allocation + zeroing. */
double calibrate_fault_write(void)
{
    volatile char *p = calibrate_map_anon(CAL_FAULT_PAGES, PROT_READ | PROT_WRITE);
    if (!p)
        return -1;
    double t0 = calibrate_now_ns();
    for (size_t i = 0; i < CAL_FAULT_PAGES; i++)
        p[i * CAL_PAGE] = 1;
    double t = calibrate_now_ns() - t0;
    munmap((void *)p, CAL_FAULT_PAGES * CAL_PAGE);
    return t / CAL_FAULT_PAGES;
}

double calibrate_syscall(void)
{
    double t0 = calibrate_now_ns();
    for (int i = 0; i < CAL_SYSCALLS; i++)
        syscall(SYS_getppid);
    return (calibrate_now_ns() - t0) / CAL_SYSCALLS;
}

/* Pipe ping-pong with a child on the same CPU: 2 context switches and 4 system calls per
 * round trip, the shape of a vkernel guest system call (trap, vkernel, vmspace_ctl back). */
double calibrate_pingpong(void)
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
        double t0 = calibrate_now_ns();
        for (i = 0; i < CAL_PINGPONGS; i++)
            if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
                break;
        if (i == CAL_PINGPONGS)
            t = (calibrate_now_ns() - t0) / CAL_PINGPONGS;
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
double calibrate_trap(bool populate, int prot_before)
{
    char *p = calibrate_map_anon(CAL_TRAP_PAGES, PROT_READ | PROT_WRITE);
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
    double t0 = calibrate_now_ns();
    for (size_t i = 0; i < CAL_TRAP_PAGES; i++)
        v[i * CAL_PAGE] = 2;
    double t = calibrate_now_ns() - t0;
    sigaction(SIGSEGV, &old, NULL);
    trap_lo = trap_hi = NULL;
    munmap(p, CAL_TRAP_PAGES * CAL_PAGE);
    return t / CAL_TRAP_PAGES;
}

/* mprotect of one resident page, alternating read-only and read-write: the closest host
 * analogue of DragonFly's madvise(MADV_INVAL) (a system call plus a one-page pmap change). */
double calibrate_mprotect(void)
{
    char *p = calibrate_map_anon(1, PROT_READ | PROT_WRITE);
    if (!p)
        return -1;
    p[0] = 1;
    double t0 = calibrate_now_ns();
    for (int i = 0; i < CAL_MPROTECTS; i++)
        mprotect(p, CAL_PAGE, i & 1 ? PROT_READ | PROT_WRITE : PROT_READ);
    double t = calibrate_now_ns() - t0;
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
double calibrate_uffd(void)
{
    int fd = uffd_open();
    if (fd < 0)
        return -1;
    char *p = calibrate_map_anon(CAL_TRAP_PAGES, PROT_READ | PROT_WRITE);
    char *src = calibrate_map_anon(1, PROT_READ | PROT_WRITE);
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
    double t0 = calibrate_now_ns();
    for (size_t i = 0; i < CAL_TRAP_PAGES; i++)
        sink ^= v[i * CAL_PAGE];
    t = (calibrate_now_ns() - t0) / CAL_TRAP_PAGES;
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

static void shuffle(size_t *v, size_t n, uint64_t *seed)
{
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)(rng_next(seed) % (i + 1));
        size_t t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}

int calibrate_chase_init(struct chase *c)
{
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    c->buf = calibrate_map_anon(CAL_CHASE_PAGES, PROT_READ | PROT_WRITE);
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
    double t0 = calibrate_now_ns();
    for (size_t i = 0; i < n; i++)
        p = *p;
    double t = calibrate_now_ns() - t0;
    __asm__ volatile("" : : "r"(p) : "memory");
    return t / (double)n;
}

/* One access per 4 KiB page over the big buffer, minus a chase of the same length inside
 * one page (L1 hits, no TLB miss): what a TLB miss and its cache misses add to a load. */
double calibrate_tlb_miss(struct chase *c)
{
    double far = chase_run(c->start, 2 * CAL_CHASE_PAGES);
    double near = chase_run(c->local, 2 * CAL_CHASE_PAGES);
    return far - near;
}

/* memset of a resident 4 KiB page, over a buffer larger than L2. */
double calibrate_memset(char *buf)
{
    double t0 = calibrate_now_ns();
    for (size_t i = 0; i < CAL_ZERO_PAGES; i++) {
        memset(buf + i * CAL_PAGE, 0, CAL_PAGE);
        __asm__ volatile("" : : "r"(buf) : "memory");
    }
    return (calibrate_now_ns() - t0) / CAL_ZERO_PAGES;
}

/* First write to each page of a MAP_PRIVATE mapping of a file whose pages are in the page
 * cache (no fork): fault + page-cache lookup + allocation + copy. */
double calibrate_cow(int fd)
{
    char *p = mmap(NULL, CAL_COW_PAGES * CAL_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return -1;
    volatile char *v = p;
    double t0 = calibrate_now_ns();
    for (size_t i = 0; i < CAL_COW_PAGES; i++)
        v[i * CAL_PAGE] = 3;
    double t = calibrate_now_ns() - t0;
    munmap(p, CAL_COW_PAGES * CAL_PAGE);
    return t / CAL_COW_PAGES;
}

/* ---- statistics ---- */

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct stat3 calibrate_stats(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_d);
    struct stat3 s = {.min = v[0], .max = v[n - 1]};
    s.med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return s;
}

const char *calibrate_fs_name(long type)
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

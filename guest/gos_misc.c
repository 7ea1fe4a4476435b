/* guest/gos_misc.c - the guest's virtual clock and random source, ids, uname,
 * resource limits, signal bookkeeping and prctl.  Everything here is deterministic: the clock
 * starts at a fixed epoch plus a function of the seed and advances by GOS_CLOCK_STEP_NS per
 * clock read and by the requested time per sleep; random bytes come from splitmix64 seeded
 * with the seed.  Signals are recorded, never delivered (the guest is alone and has no timer). */
#include "gos_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GOS_EPOCH_S 1704067200ull     /* 2024-01-01T00:00:00Z */
#define GOS_BOOT_S 100ull             /* CLOCK_MONOTONIC at the start of the run */
#define GOS_CLOCK_STEP_NS 1000ull     /* each clock read advances time by 1 us */
#define NS 1000000000ull
#define G_RLIM_INF32 0xFFFFFFFFu
#define G_RLIM_INF64 0xFFFFFFFFFFFFFFFFull
#define G_SIGSET_SIZE 8u
#define G_SIGKILL 9
#define G_SIGSTOP 19
#define G_SS_DISABLE 2u
#define G_SS_AUTODISARM 0x80000000u
#define G_MINSIGSTKSZ 2048u

static uint64_t splitmix64_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void gos_misc_init(struct gos *g)
{
    g->w->rng = g->opt.seed;
    uint64_t s = g->opt.seed ^ 0x636C6F636B000000ull; /* a stream of its own for the epoch */
    g->w->epoch_ns = GOS_EPOCH_S * NS + splitmix64_next(&s) % (86400ull * NS);
    g->w->clock_ns = 0;
    g->altstack[1] = G_SS_DISABLE;
    static const uint64_t lim[16][2] = {
        [0] = {G_RLIM_INF64, G_RLIM_INF64},   /* CPU */
        [1] = {G_RLIM_INF64, G_RLIM_INF64},   /* FSIZE */
        [2] = {G_RLIM_INF64, G_RLIM_INF64},   /* DATA */
        [3] = {8u << 20, G_RLIM_INF64},       /* STACK */
        [4] = {0, G_RLIM_INF64},              /* CORE */
        [5] = {G_RLIM_INF64, G_RLIM_INF64},   /* RSS */
        [6] = {4096, 4096},                   /* NPROC */
        [7] = {GOS_NFDS, GOS_NFDS},           /* NOFILE: the fd table's size */
        [8] = {8u << 20, 8u << 20},           /* MEMLOCK */
        [9] = {G_RLIM_INF64, G_RLIM_INF64},   /* AS */
        [10] = {G_RLIM_INF64, G_RLIM_INF64},  /* LOCKS */
        [11] = {4096, 4096},                  /* SIGPENDING */
        [12] = {819200, 819200},              /* MSGQUEUE */
        [13] = {0, 0},                        /* NICE */
        [14] = {0, 0},                        /* RTPRIO */
        [15] = {G_RLIM_INF64, G_RLIM_INF64},  /* RTTIME */
    };
    memcpy(g->rlim, lim, sizeof lim);
    const char *b = strrchr(g->exe_path, '/');
    b = b ? b + 1 : g->exe_path;
    strncpy(g->comm, b, sizeof g->comm - 1);
}

void gos_random_bytes(struct gos *g, void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n) {
        uint64_t v = splitmix64_next(&g->w->rng);
        size_t c = n < 8 ? n : 8;
        memcpy(p, &v, c);
        p += c;
        n -= c;
    }
}

/* ---- clock -------------------------------------------------------------------------------- */

/* Time on clock id after one step; -1 for a clock the guest cannot read. */
static int64_t clock_read(struct gos *g, uint32_t id)
{
    g->w->clock_ns += GOS_CLOCK_STEP_NS;
    switch (id) {
    case 0: /* REALTIME */
    case 5: /* REALTIME_COARSE */
    case 11: /* TAI */
        return (int64_t)(g->w->epoch_ns + g->w->clock_ns);
    case 1: /* MONOTONIC */
    case 4: /* MONOTONIC_RAW */
    case 6: /* MONOTONIC_COARSE */
    case 7: /* BOOTTIME */
        return (int64_t)(GOS_BOOT_S * NS + g->w->clock_ns);
    case 2: /* PROCESS_CPUTIME_ID */
    case 3: /* THREAD_CPUTIME_ID */
        return (int64_t)g->w->clock_ns;
    default:
        return -1;
    }
}

int64_t gos_realtime_now(struct gos *g)
{
    return clock_read(g, 0);
}

int64_t gos_sys_time(struct gos *g, const struct gos_regs *r)
{
    int64_t t = clock_read(g, 0) / (int64_t)NS;
    if (!gos_is64(g))
        t = (int32_t)t; /* i386's time_t */
    if (r->a[0]) {
        int rc = gos_copy_out_ptr(g, r->a[0], (uint64_t)t);
        if (rc)
            return rc;
    }
    return t;
}

int64_t gos_sys_gettimeofday(struct gos *g, const struct gos_regs *r)
{
    int64_t now = clock_read(g, 0);
    if (r->a[0]) { /* struct timeval: two longs */
        int64_t sec = now / (int64_t)NS, usec = now % (int64_t)NS / 1000;
        int rc = gos_copy_out_ptr(g, r->a[0], (uint64_t)sec);
        if (!rc)
            rc = gos_copy_out_ptr(g, r->a[0] + gos_ptr_size(g), (uint64_t)usec);
        if (rc)
            return rc;
    }
    if (r->a[1]) {
        int32_t tz[2] = {0, 0}; /* UTC, no DST */
        int rc = gos_copy_out(g, r->a[1], tz, sizeof tz);
        if (rc)
            return rc;
    }
    return 0;
}

/* wide: 64-bit fields (i386's *_time64 calls, and every x86-64 timespec). */
static int32_t put_timespec(struct gos *g, uint64_t addr, int64_t ns, bool wide)
{
    if (wide) {
        int64_t ts[2] = {ns / (int64_t)NS, ns % (int64_t)NS};
        return gos_copy_out(g, addr, ts, sizeof ts);
    }
    int32_t ts[2] = {(int32_t)(ns / (int64_t)NS), (int32_t)(ns % (int64_t)NS)};
    return gos_copy_out(g, addr, ts, sizeof ts);
}

/* Reads a timespec (32- or 64-bit fields) as nanoseconds; -EINVAL for a bad one. */
static int get_timespec(struct gos *g, uint64_t addr, bool wide, int64_t *ns)
{
    int64_t sec, nsec;
    if (wide) {
        int64_t ts[2];
        int rc = gos_copy_in(g, addr, ts, sizeof ts);
        if (rc)
            return rc;
        sec = ts[0];
        nsec = ts[1];
    } else {
        int32_t ts[2];
        int rc = gos_copy_in(g, addr, ts, sizeof ts);
        if (rc)
            return rc;
        sec = ts[0];
        nsec = ts[1];
    }
    if (sec < 0 || nsec < 0 || nsec >= (int64_t)NS || sec > (int64_t)(UINT32_MAX))
        return -EINVAL;
    *ns = sec * (int64_t)NS + nsec;
    return 0;
}

static int32_t do_clock_gettime(struct gos *g, const struct gos_regs *r, bool wide)
{
    int64_t now = clock_read(g, r->a[0]);
    if (now < 0)
        return -EINVAL;
    return put_timespec(g, r->a[1], now, wide);
}

int64_t gos_sys_clock_gettime(struct gos *g, const struct gos_regs *r)
{
    return do_clock_gettime(g, r, false);
}

int64_t gos_sys_clock_gettime64(struct gos *g, const struct gos_regs *r)
{
    return do_clock_gettime(g, r, true);
}

static int32_t do_clock_getres(struct gos *g, const struct gos_regs *r, bool wide)
{
    if (r->a[0] > 11 || (r->a[0] >= 8 && r->a[0] <= 10))
        return -EINVAL;
    return r->a[1] ? put_timespec(g, r->a[1], 1, wide) : 0;
}

int64_t gos_sys_clock_getres(struct gos *g, const struct gos_regs *r)
{
    return do_clock_getres(g, r, false);
}

int64_t gos_sys_clock_getres_time64(struct gos *g, const struct gos_regs *r)
{
    return do_clock_getres(g, r, true);
}

/* A sleep advances the virtual clock by the time asked and returns at once (rem untouched). */
int64_t gos_sys_nanosleep(struct gos *g, const struct gos_regs *r)
{
    int64_t ns;
    int rc = get_timespec(g, r->a[0], gos_is64(g), &ns);
    if (rc)
        return rc;
    g->w->clock_ns += (uint64_t)ns;
    return 0;
}

static int32_t do_clock_nanosleep(struct gos *g, const struct gos_regs *r, bool wide)
{
    uint32_t id = (uint32_t)r->a[0], flags = (uint32_t)r->a[1];
    if (id == 3) /* THREAD_CPUTIME_ID */
        return -EINVAL;
    int64_t ns;
    int rc = get_timespec(g, r->a[2], wide, &ns);
    if (rc)
        return rc;
    if (flags & 1) { /* TIMER_ABSTIME: sleep until the clock reads ns */
        int64_t now = clock_read(g, id);
        if (now < 0)
            return -EINVAL;
        if (ns > now)
            g->w->clock_ns += (uint64_t)(ns - now);
    } else {
        if (clock_read(g, id) < 0)
            return -EINVAL;
        g->w->clock_ns += (uint64_t)ns;
    }
    return 0;
}

int64_t gos_sys_clock_nanosleep(struct gos *g, const struct gos_regs *r)
{
    return do_clock_nanosleep(g, r, false);
}

int64_t gos_sys_clock_nanosleep_time64(struct gos *g, const struct gos_regs *r)
{
    return do_clock_nanosleep(g, r, true);
}

/* ---- random, ids, uname ------------------------------------------------------------------ */

int64_t gos_sys_getrandom(struct gos *g, const struct gos_regs *r)
{
    if (r->a[2] & ~7u) /* GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE */
        return -EINVAL;
    size_t n = r->a[1] < GOS_IO_MAX ? r->a[1] : GOS_IO_MAX;
    if (n == 0)
        return 0;
    uint8_t *s = gos_scratch(g, n);
    if (!s)
        return -ENOMEM;
    gos_random_bytes(g, s, n);
    int rc = gos_copy_out(g, r->a[0], s, n);
    return rc ? rc : (int64_t)n;
}

/* struct new_utsname: six fields of 65 bytes. */
int64_t gos_sys_uname(struct gos *g, const struct gos_regs *r)
{
    char u[6][65];
    memset(u, 0, sizeof u);
    static const char *const f[6] = {"Linux", "vkmmu", "6.1.0-vkmmu", "#1 SMP vkmmu",
                                     "i686", "(none)"};
    for (int i = 0; i < 6; i++)
        strcpy(u[i], f[i]);
    if (gos_is64(g))
        strcpy(u[4], "x86_64");
    return gos_copy_out(g, r->a[0], u, sizeof u);
}

/* Fixed ids, the same as the aux vector's AT_UID/AT_GID (gos_stack.c), so that a run's output
 * does not depend on who runs vkmmu (root under CI).  Access checks are the host's (gos_fs.c). */
int64_t gos_sys_getuid(struct gos *g, const struct gos_regs *r)
{
    (void)g;
    (void)r;
    return GOS_UID;
}

int64_t gos_sys_getgid(struct gos *g, const struct gos_regs *r)
{
    (void)g;
    (void)r;
    return GOS_GID;
}

int64_t gos_sys_getgroups32(struct gos *g, const struct gos_regs *r)
{
    int32_t size = (int32_t)r->a[0];
    if (size < 0)
        return -EINVAL;
    if (size == 0)
        return 1;
    uint32_t gid = GOS_GID; /* one supplementary group: the guest's own */
    int rc = gos_copy_out(g, r->a[1], &gid, 4);
    return rc ? rc : 1;
}

/* ---- user and group ids ------------------------------------------------------------------
 * The guest is an unprivileged process (no CAP_SETUID, CAP_SETGID) whose real, effective, saved
 * and filesystem ids are all GOS_UID (GOS_GID for groups), and nothing ever changes them.  As
 * in Linux's kernel/sys.c for such a process: a call that asks for the ids it already has
 * succeeds, -1 keeps an id where the call allows it (setre*id, setres*id), anything else is
 * EPERM; set*id(-1) is EINVAL; setfs*id returns the old fsid whatever it is given.  The 16-bit
 * calls (kernel/uid16.c) take the low 16 bits of the argument with 0xFFFF for -1, and
 * getres*id(16) writes 16-bit ids. */
enum id_op { ID_GET, ID_SET, ID_SETRE, ID_SETRES, ID_SETFS, ID_GETRES };

struct id_call {
    const char *name; /* the call's name in either table (x86-64 has only 32-bit ids, under
                         the names i386 gives its 16-bit calls) */
    enum id_op op;
    bool gid, narrow; /* a group call; a 16-bit call (on i386) */
};

static const struct id_call id_calls[] = {
    {"getuid", ID_GET, false, true},
    {"geteuid", ID_GET, false, true},
    {"getgid", ID_GET, true, true},
    {"getegid", ID_GET, true, true},
    {"setuid", ID_SET, false, true},
    {"setgid", ID_SET, true, true},
    {"setreuid", ID_SETRE, false, true},
    {"setregid", ID_SETRE, true, true},
    {"setresuid", ID_SETRES, false, true},
    {"setresgid", ID_SETRES, true, true},
    {"setfsuid", ID_SETFS, false, true},
    {"setfsgid", ID_SETFS, true, true},
    {"getresuid", ID_GETRES, false, true},
    {"getresgid", ID_GETRES, true, true},
    {"setuid32", ID_SET, false, false},
    {"setgid32", ID_SET, true, false},
    {"setreuid32", ID_SETRE, false, false},
    {"setregid32", ID_SETRE, true, false},
    {"setresuid32", ID_SETRES, false, false},
    {"setresgid32", ID_SETRES, true, false},
    {"setfsuid32", ID_SETFS, false, false},
    {"setfsgid32", ID_SETFS, true, false},
    {"getresuid32", ID_GETRES, false, false},
    {"getresgid32", ID_GETRES, true, false},
};

/* An id argument: a 16-bit call's is truncated, its 0xFFFF meaning -1 (low2highuid). */
static uint32_t id_arg(const struct id_call *c, uint32_t v)
{
    if (!c->narrow)
        return v;
    v &= 0xFFFFu;
    return v == 0xFFFFu ? UINT32_MAX : v;
}

/* getres*id: the three ids, each a separate put_user (an earlier one may land before a later
 * one faults). */
static int64_t get_res_ids(struct gos *g, const struct id_call *c, const struct gos_regs *r,
                           uint32_t id)
{
    const uint64_t ptrs[3] = {r->a[0], r->a[1], r->a[2]};
    uint16_t id16 = (uint16_t)id; /* GOS_UID and GOS_GID fit: no overflowuid */
    for (int i = 0; i < 3; i++) {
        int rc = c->narrow ? gos_copy_out(g, ptrs[i], &id16, 2) : gos_copy_out(g, ptrs[i], &id, 4);
        if (rc)
            return rc;
    }
    return 0;
}

int64_t gos_sys_ids(struct gos *g, const struct gos_regs *r)
{
    const struct id_call *c = NULL;
    const char *name = gos_call_name(g, (unsigned)r->ax);
    for (size_t i = 0; i < sizeof id_calls / sizeof id_calls[0] && !c; i++)
        if (strcmp(id_calls[i].name, name) == 0)
            c = &id_calls[i];
    if (!c)
        return -ENOSYS;
    struct id_call wide = *c;
    if (gos_is64(g)) { /* getuid and the rest are the 32-bit calls there */
        wide.narrow = false;
        c = &wide;
    }
    uint32_t id = c->gid ? GOS_GID : GOS_UID;
    uint32_t a = id_arg(c, (uint32_t)r->a[0]), b = id_arg(c, (uint32_t)r->a[1]),
             d = id_arg(c, (uint32_t)r->a[2]);
    bool keep_a = a == UINT32_MAX || a == id, keep_b = b == UINT32_MAX || b == id;
    switch (c->op) {
    case ID_GET: return (int32_t)id;
    case ID_SET: return a == UINT32_MAX ? -EINVAL : a == id ? 0 : -EPERM;
    case ID_SETRE: return keep_a && keep_b ? 0 : -EPERM;
    case ID_SETRES: return keep_a && keep_b && (d == UINT32_MAX || d == id) ? 0 : -EPERM;
    case ID_SETFS: return (int32_t)id;
    case ID_GETRES: return get_res_ids(g, c, r, id);
    }
    return -ENOSYS;
}

int64_t gos_sys_set_robust_list(struct gos *g, const struct gos_regs *r)
{
    /* sizeof(struct robust_list_head): three pointer-sized fields */
    return r->a[1] == 3u * gos_ptr_size(g) ? 0 : -EINVAL;
}

/* ---- resource limits ---------------------------------------------------------------------- */

/* i386 ugetrlimit: 32-bit fields, RLIM_INFINITY clamped; x86-64 getrlimit: 64-bit ones. */
int64_t gos_sys_ugetrlimit(struct gos *g, const struct gos_regs *r)
{
    if (r->a[0] >= 16)
        return -EINVAL;
    if (gos_is64(g))
        return gos_copy_out(g, r->a[1], g->rlim[r->a[0]], 16);
    uint32_t l[2];
    for (int i = 0; i < 2; i++) {
        uint64_t v = g->rlim[r->a[0]][i];
        l[i] = v >= G_RLIM_INF32 ? G_RLIM_INF32 : (uint32_t)v;
    }
    return gos_copy_out(g, r->a[1], l, sizeof l);
}

/* prlimit64(pid, resource, const struct rlimit64 *new, struct rlimit64 *old) */
int64_t gos_sys_prlimit64(struct gos *g, const struct gos_regs *r)
{
    if (r->a[0] != 0 && r->a[0] != g->pid)
        return -ESRCH;
    if (r->a[1] >= 16)
        return -EINVAL;
    uint64_t nl[2], old[2] = {g->rlim[r->a[1]][0], g->rlim[r->a[1]][1]};
    if (r->a[2]) {
        int rc = gos_copy_in(g, r->a[2], nl, sizeof nl);
        if (rc)
            return rc;
        if (nl[0] > nl[1] || nl[1] > old[1])
            return nl[0] > nl[1] ? -EINVAL : -EPERM;
    }
    if (r->a[3]) {
        int rc = gos_copy_out(g, r->a[3], old, sizeof old);
        if (rc)
            return rc;
    }
    if (r->a[2]) {
        g->rlim[r->a[1]][0] = nl[0];
        g->rlim[r->a[1]][1] = nl[1];
    }
    return 0;
}

/* ---- signals (recorded, never delivered) --------------------------------------------------- */

/* rt_sigaction(sig, act, oact, sigsetsize); the kernel struct sigaction is {handler, flags,
 * restorer, mask (8 bytes)}: 20 bytes on i386, four 8-byte fields (32 bytes) on x86-64. */
int64_t gos_sys_rt_sigaction(struct gos *g, const struct gos_regs *r)
{
    int32_t sig = (int32_t)r->a[0];
    if (r->a[3] != G_SIGSET_SIZE || sig < 1 || sig > 64)
        return -EINVAL;
    unsigned w = gos_ptr_size(g); /* handler, flags and restorer are longs/pointers */
    size_t size = 3 * (size_t)w + 8;
    uint8_t b[32] = {0};
    struct gos_sigaction nw = {0, 0, 0, 0};
    if (r->a[1]) {
        if (sig == G_SIGKILL || sig == G_SIGSTOP)
            return -EINVAL;
        int rc = gos_copy_in(g, r->a[1], b, size);
        if (rc)
            return rc;
        memcpy(&nw.handler, b, w);
        memcpy(&nw.flags, b + w, w);
        memcpy(&nw.restorer, b + 2 * w, w);
        memcpy(&nw.mask, b + 3 * w, 8);
    }
    if (r->a[2]) {
        const struct gos_sigaction *o = &g->sigact[sig];
        memcpy(b, &o->handler, w);
        memcpy(b + w, &o->flags, w);
        memcpy(b + 2 * w, &o->restorer, w);
        memcpy(b + 3 * w, &o->mask, 8);
        int rc = gos_copy_out(g, r->a[2], b, size);
        if (rc)
            return rc;
    }
    if (r->a[1])
        g->sigact[sig] = nw;
    return 0;
}

int64_t gos_sigpipe(struct gos *g)
{
    const int sigpipe = 13;
    if (g->sigact[sigpipe].handler == 0 /* SIG_DFL: terminate */ &&
        !(g->sigmask & (1ull << (sigpipe - 1)))) {
        g->exiting = true;
        g->exit_signal = sigpipe;
        g->exit_status = 128 + sigpipe;
    }
    return -EPIPE; /* a caught or blocked SIGPIPE is sent by gos_syscall */
}

int64_t gos_sys_rt_sigprocmask(struct gos *g, const struct gos_regs *r)
{
    if (r->a[3] != G_SIGSET_SIZE)
        return -EINVAL;
    uint64_t old = g->sigmask, set = 0;
    if (r->a[1]) {
        int rc = gos_copy_in(g, r->a[1], &set, 8);
        if (rc)
            return rc;
        set &= ~((1ull << (G_SIGKILL - 1)) | (1ull << (G_SIGSTOP - 1)));
        switch (r->a[0]) {
        case 0: /* SIG_BLOCK */
            g->sigmask |= set;
            break;
        case 1: /* SIG_UNBLOCK */
            g->sigmask &= ~set;
            break;
        case 2: /* SIG_SETMASK */
            g->sigmask = set;
            break;
        default:
            return -EINVAL;
        }
    }
    return r->a[2] ? gos_copy_out(g, r->a[2], &old, 8) : 0;
}

/* stack_t {ss_sp, int ss_flags, size_t ss_size} in g's ABI (12 bytes on i386, 24 on x86-64)
 * to or from host words. */
static int stack_t_in(struct gos *g, uint64_t addr, uint64_t v[3])
{
    unsigned w = gos_ptr_size(g);
    uint8_t b[24] = {0};
    int rc = gos_copy_in(g, addr, b, 3 * (size_t)w);
    if (rc)
        return rc;
    uint32_t flags;
    v[0] = v[2] = 0;
    memcpy(&v[0], b, w);
    memcpy(&flags, b + w, 4);
    memcpy(&v[2], b + 2 * w, w);
    v[1] = flags;
    return 0;
}
static int stack_t_out(struct gos *g, uint64_t addr, const uint64_t v[3])
{
    unsigned w = gos_ptr_size(g);
    uint8_t b[24] = {0};
    uint32_t flags = (uint32_t)v[1];
    memcpy(b, &v[0], w);
    memcpy(b + w, &flags, 4);
    memcpy(b + 2 * w, &v[2], w);
    return gos_copy_out(g, addr, b, 3 * (size_t)w);
}

/* sigaltstack(ss, oss) */
int64_t gos_sys_sigaltstack(struct gos *g, const struct gos_regs *r)
{
    uint64_t nw[3], old[3] = {g->altstack[0], g->altstack[1], g->altstack[2]};
    if (r->a[0]) {
        int rc = stack_t_in(g, r->a[0], nw);
        if (rc)
            return rc;
        uint64_t mode = nw[1] & ~(uint64_t)G_SS_AUTODISARM;
        if (mode != 0 && mode != G_SS_DISABLE)
            return -EINVAL;
        if (mode == 0 && nw[2] < G_MINSIGSTKSZ)
            return -ENOMEM;
    }
    if (r->a[1]) {
        int rc = stack_t_out(g, r->a[1], old);
        if (rc)
            return rc;
    }
    if (r->a[0]) {
        if ((nw[1] & ~(uint64_t)G_SS_AUTODISARM) == G_SS_DISABLE)
            nw[0] = nw[2] = 0;
        memcpy(g->altstack, nw, sizeof nw);
    }
    return 0;
}

/* ---- prctl, sysinfo, affinity, rusage, poll ---------------------------------------------- */

int64_t gos_sys_prctl(struct gos *g, const struct gos_regs *r)
{
    switch (r->a[0]) {
    case 15: { /* PR_SET_NAME: up to 15 bytes, truncated (strncpy_from_user) */
        char b[16];
        size_t n = 0;
        for (; n < 15; n++) {
            int rc = g->mem.read(g->mem.ctx, r->a[1] + n, &b[n], 1);
            if (rc)
                return -EFAULT;
            if (!b[n])
                break;
        }
        int rc = gos_kernel_access(g, r->a[1], n < 15 ? n + 1 : 15, false);
        if (rc)
            return rc;
        b[n < 15 ? n : 15] = 0;
        memcpy(g->comm, b, sizeof b);
        return 0;
    }
    case 16: /* PR_GET_NAME */
        return gos_copy_out(g, r->a[1], g->comm, sizeof g->comm);
    case 3: /* PR_GET_DUMPABLE */
        return 1;
    case 1: /* PR_SET_PDEATHSIG */
    case 4: /* PR_SET_DUMPABLE */
    case 38: /* PR_SET_NO_NEW_PRIVS */
    case 41: /* PR_SET_THP_DISABLE */
        return 0;
    case 42: /* PR_GET_THP_DISABLE */
        return 0;
    default:
        return -EINVAL;
    }
}

/* struct sysinfo: uptime, loads[3], totalram, freeram, sharedram, bufferram, totalswap,
 * freeswap (longs), procs (u16), pad, totalhigh, freehigh (longs), mem_unit (u32): 64 bytes on
 * i386, 112 on x86-64.  A fixed 1 GiB machine, idle, one process. */
int64_t gos_sys_sysinfo(struct gos *g, const struct gos_regs *r)
{
    unsigned w = gos_ptr_size(g);
    uint8_t b[112];
    memset(b, 0, sizeof b);
    uint64_t uptime = (GOS_BOOT_S * NS + g->w->clock_ns) / NS;
    uint64_t total = 262144, fr = 196608; /* pages of mem_unit bytes */
    uint32_t unit = 4096;
    uint16_t procs = 1;
    memcpy(b + 0, &uptime, w);
    memcpy(b + 4 * w, &total, w);
    memcpy(b + 5 * w, &fr, w);
    memcpy(b + 10 * w, &procs, 2);
    size_t unit_at = 10 * (size_t)w + w + 2 * w; /* procs and its pad take a long's room */
    memcpy(b + unit_at, &unit, 4);
    return gos_copy_out(g, r->a[0], b, w == 8 ? 112 : 64);
}

int64_t gos_sys_sched_getaffinity(struct gos *g, const struct gos_regs *r)
{
    if (r->a[0] != 0 && r->a[0] != g->pid)
        return -ESRCH;
    if (r->a[1] < 4 || (r->a[1] & 3))
        return -EINVAL;
    uint32_t mask = 1; /* one CPU */
    int rc = gos_copy_out(g, r->a[2], &mask, 4);
    return rc ? rc : 4;
}

/* struct rusage: two timevals then 14 longs (72 bytes on i386, 144 on x86-64); the user time
 * is the virtual CPU clock, everything else zero. */
int64_t gos_sys_getrusage(struct gos *g, const struct gos_regs *r)
{
    int32_t who = (int32_t)r->a[0];
    if (who != 0 && who != -1 && who != 1)
        return -EINVAL;
    unsigned w = gos_ptr_size(g);
    uint8_t b[144];
    memset(b, 0, sizeof b);
    if (who != -1) {
        uint64_t sec = g->w->clock_ns / NS, usec = g->w->clock_ns % NS / 1000;
        memcpy(b, &sec, w);
        memcpy(b + w, &usec, w);
    }
    return gos_copy_out(g, r->a[1], b, 18 * (size_t)w);
}

/* execve: caught signals go back to their default action (ignored ones stay ignored), the
 * alternate stack goes, and comm becomes the program's name. */
void gos_misc_exec(struct gos *g, const char *path)
{
    for (int i = 0; i < 65; i++)
        if (g->sigact[i].handler > 1) /* neither SIG_DFL (0) nor SIG_IGN (1) */
            g->sigact[i] = (struct gos_sigaction){0, 0, 0, 0};
    g->altstack[0] = g->altstack[2] = 0;
    g->altstack[1] = G_SS_DISABLE;
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    memset(g->comm, 0, sizeof g->comm);
    strncpy(g->comm, b, sizeof g->comm - 1);
}

/* posix_fadvise: advice only, the page cache is the model's and takes none.  Linux's checks
 * (mm/fadvise.c): EBADF for a bad descriptor, ESPIPE for a pipe or FIFO, EINVAL for a
 * negative length or an unknown advice (POSIX_FADV_NORMAL 0 to NOREUSE 5).  The i386 calls
 * split the 64-bit offset (and fadvise64_64's length) into two registers. */
static int64_t fadvise(struct gos *g, int32_t fd, int64_t len, uint64_t advice)
{
    int h = gos_host_fd(g, fd);
    struct stat st;
    if (h < 0 || fstat(h, &st) != 0)
        return -EBADF;
    if (S_ISFIFO(st.st_mode))
        return -ESPIPE;
    if (len < 0 || advice > 5)
        return -EINVAL;
    return 0;
}

int64_t gos_sys_fadvise64(struct gos *g, const struct gos_regs *r)
{
    if (gos_is64(g)) /* fd, offset, len, advice */
        return fadvise(g, (int32_t)r->a[0], (int64_t)r->a[2], r->a[3]);
    /* i386: fd, offset low, offset high, len (a 32-bit size_t), advice */
    return fadvise(g, (int32_t)r->a[0], (int64_t)(uint32_t)r->a[3], (uint32_t)r->a[4]);
}

int64_t gos_sys_fadvise64_64(struct gos *g, const struct gos_regs *r)
{
    /* i386: fd, offset low, offset high, len low, len high, advice */
    int64_t len = (int64_t)((uint64_t)(uint32_t)r->a[4] << 32 | (uint32_t)r->a[3]);
    return fadvise(g, (int32_t)r->a[0], len, (uint32_t)r->a[5]);
}

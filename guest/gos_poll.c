/* guest/gos_poll.c - poll, ppoll, select, pselect6 and epoll, without blocking the host.
 *
 * Readiness is the host's: the guest's descriptors are host descriptors, and every guest
 * thread is stopped while a call runs, so a poll with no timeout (the host's answer now) is
 * the same in every run.  What must not happen is the host waiting: a pipe between two guest
 * processes becomes ready only when the other one runs, so a host poll on it would wait for
 * ever.  When nothing is ready and the call may wait:
 *
 *   - every descriptor it waits on is a pipe the guest made: the thread blocks (gos_proc.c)
 *     and its call runs again once another thread completed a call; a timeout is a deadline
 *     on the virtual clock, which jumps there when every thread waits (no wall-clock time is
 *     spent, and the same run times out at the same point);
 *   - another descriptor is involved (a terminal, a host pipe on stdin): the host waits on
 *     it as before, for the timeout (the virtual clock then moves by the timeout).
 *
 * The call reads its arguments (the pollfd array, the fd_sets) without telling the models
 * while it only looks, and with the kernel accesses reported when it completes, so a call
 * that blocked and ran again counts them once, as Linux's poll copies them once.  The
 * signal mask of ppoll, pselect6 and epoll_pwait is applied as Linux applies it: a
 * pending signal it lets through ends the wait with EINTR, and its handler runs with that
 * mask (gos_poll_interrupted, asked before the call in every pass; a signal that comes while
 * the thread waits wakes it, and the restarted call sees it).  Epoll instances are host epoll instances on the
 * host descriptors, so level- and edge-triggered, one-shot and exclusive wake-ups are
 * Linux's own. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "gos_internal.h"

#define MS_NS 1000000ll
#define S_NS 1000000000ll

/* Guest memory without a kernel access reported (the completed call reports it). */
static int peek(struct gos *g, uint64_t addr, void *buf, size_t len)
{
    uint8_t *out = buf;
    for (size_t got = 0; got < len;) {
        uint64_t a = addr + got;
        size_t chunk = GOS_PAGE - (size_t)(a & (GOS_PAGE - 1));
        if (chunk > len - got)
            chunk = len - got;
        if (a < addr || a >= gos_user_limit(g) || g->mem.read(g->mem.ctx, a, out + got, chunk) != 0)
            return -EFAULT;
        got += chunk;
    }
    return 0;
}

/* A pipe (or socket) the guest made: only another guest thread changes its readiness. */
static bool internal_fd(const struct gos *g, int32_t gfd)
{
    return gfd >= 0 && gfd < GOS_NFDS && g->fds[gfd].host >= 0 && g->fds[gfd].pipe;
}

/* Nothing is ready: what the call does.  WAIT_NONE: it answers 0 now (no timeout, or the
 * deadline passed); WAIT_BLOCKED: the thread sleeps and the call runs again; WAIT_HOST: the
 * host waits (ms for the host's call, -1 for ever). */
enum wait_how { WAIT_NONE, WAIT_BLOCKED, WAIT_HOST };

static enum wait_how how_to_wait(struct gos *g, int64_t timeout_ns, bool internal, uint64_t on,
                                 int *ms)
{
    if (timeout_ns == 0 || gos_wait_timed_out(g))
        return WAIT_NONE;
    if (internal) {
        gos_block_timed(g, on, timeout_ns);
        return WAIT_BLOCKED;
    }
    int64_t up = timeout_ns < 0 ? -1 : (timeout_ns + MS_NS - 1) / MS_NS;
    *ms = up > INT_MAX ? INT_MAX : (int)up;
    return WAIT_HOST;
}

/* The host waited ms and nothing came: the virtual clock moves as much. */
static void host_timed_out(struct gos *g, int ms, int got)
{
    if (got == 0 && ms > 0)
        g->w->clock_ns += (uint64_t)ms * MS_NS;
}

/* Nothing in p was ready: waits as how_to_wait says, the host polling p when it must.  1: the
 * thread blocked (the call returns and runs again); 0: *got is the call's count (0 when it
 * timed out); -errno. */
static int poll_wait(struct gos *g, struct pollfd *p, size_t n, int64_t timeout_ns, bool internal,
                     uint64_t on, int *got)
{
    int ms = 0;
    switch (how_to_wait(g, timeout_ns, internal, on, &ms)) {
    case WAIT_BLOCKED:
        return 1;
    case WAIT_HOST:
        *got = poll(p, n, ms);
        if (*got < 0)
            return -errno;
        host_timed_out(g, ms, *got);
        return 0;
    case WAIT_NONE:
        break;
    }
    return 0;
}

/* A timeout argument as nanoseconds: -1 for none (NULL), -EINVAL/-EFAULT as a negative
 * errno in *rc.  wide: 64-bit fields; usec: a timeval. */
static int64_t get_timeout(struct gos *g, uint64_t addr, bool wide, bool usec, int *rc)
{
    *rc = 0;
    if (!addr)
        return -1;
    int64_t sec, frac;
    if (wide) {
        int64_t t[2];
        *rc = gos_copy_in(g, addr, t, sizeof t);
        sec = t[0];
        frac = t[1];
    } else {
        int32_t t[2];
        *rc = gos_copy_in(g, addr, t, sizeof t);
        sec = t[0];
        frac = t[1];
    }
    if (*rc)
        return 0;
    int64_t unit = usec ? 1000 : 1, lim = usec ? 1000000 : S_NS;
    if (sec < 0 || frac < 0 || frac >= lim) {
        *rc = -EINVAL;
        return 0;
    }
    if (sec > INT64_MAX / S_NS - 1)
        return INT64_MAX / 2; /* for ever, in practice */
    return sec * S_NS + frac * unit;
}

/* ---- poll, ppoll ---- */

static int64_t do_poll(struct gos *g, uint64_t addr, uint64_t n, int64_t timeout_ns)
{
    if (n > GOS_NFDS)
        return -EINVAL;
    struct pollfd *p = calloc(n ? n : 1, sizeof *p);
    int32_t *gfd = calloc(n ? n : 1, sizeof *gfd);
    if (!p || !gfd) {
        free(p);
        free(gfd);
        gos_fail(g, "out of memory (poll)");
        return -ENOMEM;
    }
    int64_t ret = n ? peek(g, addr, p, n * sizeof *p) : 0;
    bool internal = true;
    for (uint64_t i = 0; i < n && ret == 0; i++) {
        gfd[i] = p[i].fd;
        if (p[i].fd < 0)
            continue;
        int h = gos_host_fd(g, p[i].fd);
        internal &= internal_fd(g, p[i].fd);
        p[i].fd = h >= 0 ? h : -1; /* not open: POLLNVAL below */
    }
    int got = 0;
    if (ret == 0) {
        got = poll(p, n, 0);
        if (got < 0)
            ret = -errno;
    }
    bool nval = false; /* a descriptor that is not open: POLLNVAL is an answer */
    for (uint64_t i = 0; i < n; i++)
        nval |= gfd[i] >= 0 && p[i].fd < 0;
    if (ret == 0 && got == 0 && !nval) {
        int w = poll_wait(g, p, n, timeout_ns, internal, addr, &got);
        if (w == 1) {
            free(p);
            free(gfd);
            return 0;
        }
        ret = w;
    }
    if (ret == 0) {
        got = 0;
        for (uint64_t i = 0; i < n; i++) {
            if (gfd[i] >= 0 && p[i].fd < 0)
                p[i].revents = POLLNVAL;
            p[i].fd = gfd[i];
            got += p[i].revents != 0;
        }
        /* the kernel's accesses, once: the array read, then the revents written */
        struct pollfd *again = n ? malloc(n * sizeof *again) : NULL;
        if (n && !again)
            ret = -ENOMEM;
        else if (n && (ret = gos_copy_in(g, addr, again, n * sizeof *again)) == 0)
            ret = gos_copy_out(g, addr, p, n * sizeof *p);
        free(again);
    }
    free(p);
    free(gfd);
    return ret ? ret : got;
}

int64_t gos_sys_poll(struct gos *g, const struct gos_regs *r)
{
    int32_t ms = (int32_t)r->a[2];
    return do_poll(g, r->a[0], r->a[1], ms < 0 ? -1 : (int64_t)ms * MS_NS);
}

static int64_t do_ppoll(struct gos *g, const struct gos_regs *r, bool wide)
{
    int rc;
    int64_t t = get_timeout(g, r->a[2], wide, false, &rc);
    return rc ? rc : do_poll(g, r->a[0], r->a[1], t);
}

int64_t gos_sys_ppoll(struct gos *g, const struct gos_regs *r)
{
    return do_ppoll(g, r, gos_is64(g));
}

int64_t gos_sys_ppoll_time64(struct gos *g, const struct gos_regs *r)
{
    return do_ppoll(g, r, true);
}

/* ---- select, pselect6 ---- */

/* The fd_set bytes select looks at: whole longs (4 bytes on i386, 8 on x86-64), as Linux
 * copies them. */
static size_t set_bytes(const struct gos *g, int32_t nfds)
{
    size_t bits = gos_ptr_size(g) * 8u;
    return ((size_t)nfds + bits - 1) / bits * gos_ptr_size(g);
}

/* How many descriptors Linux's select looks at: its descriptor table's size, 64 until a
 * descriptor past it is opened, then the table grows to 128, 256, 512, ... (expand_fdtable;
 * Linux never shrinks it, here the highest descriptor open now decides).  select(1024, ...)
 * with a bit set for a descriptor beyond it ignores the bit, as Linux does. */
static int32_t fd_table_size(const struct gos *g)
{
    int32_t hi = -1;
    for (int32_t i = GOS_NFDS; i-- > 0;)
        if (g->fds[i].host >= 0) {
            hi = i;
            break;
        }
    if (hi < 64)
        return 64;
    int32_t n = 1;
    while (n < hi / 128 + 1)
        n *= 2;
    return n * 128 < GOS_NFDS ? n * 128 : GOS_NFDS;
}

/* select's core: sets[3] are the read, write and except fd_set addresses (0: none); the
 * timeout in ns (-1 none).  *blocked when the thread blocked. */
static int64_t do_select(struct gos *g, int32_t nfds, const uint64_t sets[3], int64_t timeout_ns,
                         bool *blocked)
{
    *blocked = false;
    if (nfds < 0)
        return -EINVAL;
    if (nfds > fd_table_size(g))
        nfds = fd_table_size(g); /* Linux looks at no more than its descriptor table holds */
    size_t nb = set_bytes(g, nfds);
    uint8_t in[3][GOS_NFDS / 8 + 8], out[3][GOS_NFDS / 8 + 8];
    memset(in, 0, sizeof in);
    memset(out, 0, sizeof out);
    for (int k = 0; k < 3; k++)
        if (sets[k] && nb && peek(g, sets[k], in[k], nb) != 0)
            return -EFAULT;
    struct pollfd p[GOS_NFDS];
    int32_t which[GOS_NFDS];
    size_t n = 0;
    bool internal = true;
    for (int32_t fd = 0; fd < nfds; fd++) {
        short ev = 0;
        for (int k = 0; k < 3; k++)
            if (in[k][fd / 8] & (1u << (fd % 8)))
                ev |= k == 0 ? POLLIN : k == 1 ? POLLOUT : POLLPRI;
        if (!ev)
            continue;
        int h = gos_host_fd(g, fd);
        if (h < 0)
            return -EBADF;
        internal &= internal_fd(g, fd);
        p[n] = (struct pollfd){h, ev, 0};
        which[n++] = fd;
    }
    int got = poll(p, n, 0);
    if (got < 0)
        return -errno;
    if (got == 0) {
        int w = poll_wait(g, p, n, timeout_ns, internal, sets[0] ? sets[0] : sets[1], &got);
        if (w < 0)
            return w;
        if (w == 1) {
            *blocked = true;
            return 0;
        }
    }
    int64_t count = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t fd = which[i];
        short re = p[i].revents;
        bool bits[3] = {(p[i].events & POLLIN) && (re & (POLLIN | POLLHUP | POLLERR)),
                        (p[i].events & POLLOUT) && (re & (POLLOUT | POLLERR)),
                        (p[i].events & POLLPRI) && (re & POLLPRI)};
        for (int k = 0; k < 3; k++)
            if (bits[k]) {
                out[k][fd / 8] |= (uint8_t)(1u << (fd % 8));
                count++;
            }
    }
    /* the kernel's accesses, once: each set read, then written with what is ready */
    for (int k = 0; k < 3; k++) {
        if (!sets[k] || !nb)
            continue;
        int rc = gos_copy_in(g, sets[k], in[k], nb);
        if (!rc)
            rc = gos_copy_out(g, sets[k], out[k], nb);
        if (rc)
            return rc;
    }
    return count;
}

/* What is left of the timeout, written back as Linux does (0 once it ran out). */
static int put_left(struct gos *g, uint64_t addr, bool wide, bool usec, int64_t left_ns)
{
    int64_t sec = left_ns / S_NS, frac = left_ns % S_NS / (usec ? 1000 : 1);
    if (wide) {
        int64_t t[2] = {sec, frac};
        return gos_copy_out(g, addr, t, sizeof t);
    }
    int32_t t[2] = {(int32_t)sec, (int32_t)frac};
    return gos_copy_out(g, addr, t, sizeof t);
}

static int64_t select_common(struct gos *g, const struct gos_regs *r, bool wide, bool usec)
{
    int rc;
    int64_t t = get_timeout(g, r->a[4], wide, usec, &rc);
    if (rc)
        return rc;
    uint64_t sets[3] = {r->a[1], r->a[2], r->a[3]};
    bool timed_out = gos_wait_timed_out(g);
    bool blocked;
    int64_t ret = do_select(g, (int32_t)r->a[0], sets, t, &blocked);
    if (blocked || ret < 0 || !r->a[4])
        return ret;
    /* virtual time passes only while every thread waits: the call either took no time or
     * ran out */
    rc = put_left(g, r->a[4], wide, usec, timed_out ? 0 : t);
    return rc ? rc : ret;
}

int64_t gos_sys_select(struct gos *g, const struct gos_regs *r)
{
    return select_common(g, r, gos_is64(g), true);
}

int64_t gos_sys_pselect6(struct gos *g, const struct gos_regs *r)
{
    return select_common(g, r, gos_is64(g), false);
}

int64_t gos_sys_pselect6_time64(struct gos *g, const struct gos_regs *r)
{
    return select_common(g, r, true, false);
}

/* ---- the signal masks of ppoll, pselect6, epoll_pwait and epoll_pwait2 ---- */

/* Where call nr keeps its signal mask: *at the mask's address and its size, or false. */
static bool mask_arg(struct gos *g, unsigned nr, const struct gos_regs *r, uint64_t *at,
                     uint64_t *size)
{
    bool w = gos_is64(g);
    if (w ? nr == 271 : (nr == 309 || nr == 414)) { /* ppoll: mask, size */
        *at = r->a[3];
        *size = r->a[4];
        return true;
    }
    if (w ? (nr == 281 || nr == 441) : (nr == 319 || nr == 441)) { /* epoll_pwait(2) */
        *at = r->a[4];
        *size = r->a[5];
        return true;
    }
    if (w ? nr == 270 : (nr == 308 || nr == 413)) { /* pselect6: {mask, size} at the 6th */
        if (!r->a[5])
            return false;
        uint64_t pair[2] = {0, 0};
        if (w) {
            if (peek(g, r->a[5], pair, 16) != 0)
                return false;
        } else {
            uint32_t p32[2];
            if (peek(g, r->a[5], p32, 8) != 0)
                return false;
            pair[0] = p32[0];
            pair[1] = p32[1];
        }
        *at = pair[0];
        *size = pair[1];
        return true;
    }
    return false;
}

bool gos_poll_interrupted(struct gos *g, unsigned nr, const struct gos_regs *r)
{
    uint64_t at, size, mask;
    if (!mask_arg(g, nr, r, &at, &size) || !at || size != 8 || peek(g, at, &mask, 8) != 0)
        return false; /* no mask (or a bad one: the call itself answers) */
    return gos_signal_interrupts(g, mask);
}

/* ---- epoll ---- */

static int64_t epoll_new(struct gos *g, bool cloexec)
{
    int h = epoll_create1(EPOLL_CLOEXEC);
    if (h < 0)
        return -errno;
    return gos_fd_install(g, h, cloexec);
}

int64_t gos_sys_epoll_create(struct gos *g, const struct gos_regs *r)
{
    return (int32_t)r->a[0] <= 0 ? -EINVAL : epoll_new(g, false);
}

int64_t gos_sys_epoll_create1(struct gos *g, const struct gos_regs *r)
{
    uint32_t flags = (uint32_t)r->a[0];
    return flags & ~(uint32_t)EPOLL_CLOEXEC ? -EINVAL : epoll_new(g, flags & EPOLL_CLOEXEC);
}

/* struct epoll_event is packed on x86-64 and naturally 12 bytes on i386: the same bytes. */
struct guest_epoll_event {
    uint32_t events;
    uint64_t data;
} __attribute__((packed));
_Static_assert(sizeof(struct guest_epoll_event) == 12, "epoll_event is 12 bytes");
_Static_assert(sizeof(struct epoll_event) == 12, "the host's epoll_event is 12 bytes");

int64_t gos_sys_epoll_ctl(struct gos *g, const struct gos_regs *r)
{
    int32_t op = (int32_t)r->a[1], fd = (int32_t)r->a[2];
    int ep = gos_host_fd(g, (int32_t)r->a[0]), h = gos_host_fd(g, fd);
    if (ep < 0 || h < 0)
        return -EBADF;
    struct epoll_event ev = {0};
    if (op != EPOLL_CTL_DEL) {
        struct guest_epoll_event ge;
        int rc = gos_copy_in(g, r->a[3], &ge, sizeof ge);
        if (rc)
            return rc;
        ev.events = ge.events;
        ev.data.u64 = ge.data;
    }
    return epoll_ctl(ep, op, h, &ev) == 0 ? 0 : -errno;
}

/* Whether every descriptor host epoll instance ep watches is a pipe the guest made (its
 * interest list, from the host's /proc/self/fdinfo). */
static bool epoll_internal(const struct gos *g, int ep)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", ep);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    bool internal = true;
    while (internal && fgets(line, sizeof line, f)) {
        int tfd;
        if (sscanf(line, "tfd: %d", &tfd) != 1)
            continue;
        bool found = false;
        for (int32_t i = 0; i < GOS_NFDS && !found; i++)
            found = g->fds[i].host == tfd && internal_fd(g, i);
        internal = found;
    }
    fclose(f);
    return internal;
}

static int64_t epoll_wait_common(struct gos *g, const struct gos_regs *r, int64_t timeout_ns)
{
    int32_t max = (int32_t)r->a[2];
    int ep = gos_host_fd(g, (int32_t)r->a[0]);
    if (ep < 0)
        return -EBADF;
    if (max <= 0 || max > INT_MAX / (int32_t)sizeof(struct guest_epoll_event))
        return -EINVAL;
    if ((uint64_t)max > GOS_IO_MAX / sizeof(struct epoll_event))
        max = (int32_t)(GOS_IO_MAX / sizeof(struct epoll_event));
    struct epoll_event *ev = (struct epoll_event *)gos_scratch(g, (size_t)max * sizeof *ev);
    if (!ev)
        return -ENOMEM;
    int got = epoll_wait(ep, ev, max, 0);
    if (got < 0)
        return -errno;
    if (got == 0) {
        int ms = 0;
        switch (how_to_wait(g, timeout_ns, epoll_internal(g, ep), r->a[0], &ms)) {
        case WAIT_BLOCKED:
            return 0;
        case WAIT_HOST:
            got = epoll_wait(ep, ev, max, ms);
            if (got < 0)
                return -errno;
            host_timed_out(g, ms, got);
            break;
        case WAIT_NONE:
            break;
        }
    }
    int rc = got ? gos_copy_out(g, r->a[1], ev, (size_t)got * sizeof *ev) : 0;
    return rc ? rc : got;
}

int64_t gos_sys_epoll_wait(struct gos *g, const struct gos_regs *r)
{
    int32_t ms = (int32_t)r->a[3];
    return epoll_wait_common(g, r, ms < 0 ? -1 : (int64_t)ms * MS_NS);
}

int64_t gos_sys_epoll_pwait(struct gos *g, const struct gos_regs *r)
{
    return gos_sys_epoll_wait(g, r);
}

int64_t gos_sys_epoll_pwait2(struct gos *g, const struct gos_regs *r)
{
    int rc;
    int64_t t = get_timeout(g, r->a[3], true, false, &rc); /* __kernel_timespec on both */
    return rc ? rc : epoll_wait_common(g, r, t);
}

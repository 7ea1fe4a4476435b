/* guest/gos_sock.c - Unix-domain socket pairs: socketpair and the calls on its ends.
 *
 * A guest may connect its own processes and threads with socketpair(AF_UNIX, ...) (Python's
 * asyncio wakes its event loop through one; multiprocessing and many servers pass data over
 * them).  Each pair is a host socket pair, and like a guest pipe (gos_fs.c) a call on an end
 * that is not ready blocks the guest thread, never the host: the host is always asked with
 * MSG_DONTWAIT, after gos_pipe_wait.  Sockets that reach outside the guest (socket, bind,
 * connect, accept) do not exist: the sandbox has no network and no named sockets, and those
 * calls answer ENOSYS (reported as unknown calls, or through socketcall on i386).  Ancillary
 * data (passing descriptors or credentials) is refused with EOPNOTSUPP and a note in the
 * report.  Addresses are those of unnamed Unix sockets: a family and nothing else. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gos_internal.h"

#define G_SOCK_NONBLOCK 04000u
#define G_SOCK_CLOEXEC 02000000u

int64_t gos_sys_socketpair(struct gos *g, const struct gos_regs *r)
{
    int32_t domain = (int32_t)r->a[0], proto = (int32_t)r->a[2];
    uint32_t type = (uint32_t)r->a[1], base = type & 0xFu;
    if (type & ~(0xFu | G_SOCK_NONBLOCK | G_SOCK_CLOEXEC) || base >= 11 /* SOCK_MAX */)
        return -EINVAL;
    if (domain == AF_INET || domain == AF_INET6)
        return -EOPNOTSUPP; /* their families have no socketpair */
    if (domain != AF_UNIX)
        return -EAFNOSUPPORT;
    if (base == SOCK_RAW)
        base = SOCK_DGRAM; /* as Linux's unix_create does */
    if (base != SOCK_STREAM && base != SOCK_DGRAM && base != SOCK_SEQPACKET)
        return -ESOCKTNOSUPPORT;
    if (proto != 0 && proto != AF_UNIX)
        return -EPROTONOSUPPORT;
    int sv[2];
    if (socketpair(AF_UNIX, (int)base | SOCK_CLOEXEC | ((type & G_SOCK_NONBLOCK) ? SOCK_NONBLOCK : 0),
                   0, sv) != 0)
        return -errno;
    bool ce = type & G_SOCK_CLOEXEC;
    int32_t a = gos_fd_install(g, sv[0], ce);
    if (a < 0) {
        close(sv[1]);
        return a;
    }
    int32_t b = gos_fd_install(g, sv[1], ce);
    if (b < 0) {
        gos_fd_release(g, a);
        return b;
    }
    g->fds[a].pipe = g->fds[b].pipe = true; /* guest-side blocking, as a pipe's */
    int32_t fds[2] = {a, b};
    int rc = gos_copy_out(g, r->a[3], fds, sizeof fds);
    if (rc) {
        gos_fd_release(g, a);
        gos_fd_release(g, b);
    }
    return rc;
}

/* The host socket behind guest fd fd: -EBADF, -ENOTSOCK, or the host fd. */
static int sock_fd(struct gos *g, int32_t fd)
{
    int h = gos_host_fd(g, fd);
    if (h < 0)
        return -EBADF;
    int type;
    socklen_t len = sizeof type;
    if (getsockopt(h, SOL_SOCKET, SO_TYPE, &type, &len) != 0)
        return errno == ENOTSOCK ? -ENOTSOCK : -errno;
    return h;
}

/* Sends n bytes gathered in s; the guest's flags (MSG_DONTWAIT, MSG_NOSIGNAL, MSG_EOR, ...)
 * with the host never waiting. */
static int64_t host_send(struct gos *g, int h, const void *s, size_t n, int32_t flags)
{
    ssize_t put = send(h, s, n, flags | MSG_DONTWAIT | MSG_NOSIGNAL);
    if (put >= 0)
        return put;
    if (errno == EPIPE && !(flags & MSG_NOSIGNAL))
        return gos_sigpipe(g);
    return -errno;
}

static int64_t do_sendto(struct gos *g, int32_t fd, uint64_t buf, uint64_t len, int32_t flags,
                         uint64_t addr)
{
    int h = sock_fd(g, fd);
    if (h < 0)
        return h;
    if (addr)
        return -EISCONN; /* every guest socket is one end of a connected pair */
    if (!(flags & MSG_DONTWAIT) && gos_pipe_wait(g, fd, h, true))
        return 0;
    size_t n = len < GOS_IO_MAX ? (size_t)len : GOS_IO_MAX;
    uint8_t *s = gos_scratch(g, n ? n : 1);
    if (!s)
        return -ENOMEM;
    int rc = gos_copy_in(g, buf, s, n);
    return rc ? rc : host_send(g, h, s, n, flags);
}

int64_t gos_sys_sendto(struct gos *g, const struct gos_regs *r)
{
    return do_sendto(g, (int32_t)r->a[0], r->a[1], r->a[2], (int32_t)r->a[3], r->a[4]);
}

/* The peer address a receive writes: an unnamed Unix socket has none (length 0). */
static int put_no_addr(struct gos *g, uint64_t addrlen)
{
    uint32_t zero = 0;
    return addrlen ? gos_copy_out(g, addrlen, &zero, sizeof zero) : 0;
}

static int64_t do_recvfrom(struct gos *g, int32_t fd, uint64_t buf, uint64_t len, int32_t flags,
                           uint64_t addr, uint64_t addrlen)
{
    int h = sock_fd(g, fd);
    if (h < 0)
        return h;
    if (!(flags & MSG_DONTWAIT) && gos_pipe_wait(g, fd, h, false))
        return 0;
    size_t n = len < GOS_IO_MAX ? (size_t)len : GOS_IO_MAX;
    uint8_t *s = gos_scratch(g, n ? n : 1);
    if (!s)
        return -ENOMEM;
    ssize_t got = recv(h, s, n, (flags & ~MSG_WAITALL) | MSG_DONTWAIT);
    if (got < 0)
        return -errno;
    size_t stored = (size_t)got < n ? (size_t)got : n; /* MSG_TRUNC answers the datagram's size */
    int rc = gos_copy_out(g, buf, s, stored);
    if (!rc && addr)
        rc = put_no_addr(g, addrlen);
    return rc ? rc : got;
}

int64_t gos_sys_recvfrom(struct gos *g, const struct gos_regs *r)
{
    return do_recvfrom(g, (int32_t)r->a[0], r->a[1], r->a[2], (int32_t)r->a[3], r->a[4],
                       r->a[5]);
}

/* struct msghdr: name, namelen, iov, iovlen, control, controllen, flags; 28 bytes on i386
 * (4-byte fields), 56 on x86-64 (pointers and size_t of 8, namelen and flags of 4). */
struct msg {
    uint64_t name, iov, iovlen, control, controllen;
    size_t at_namelen, at_controllen, at_flags, size;
};

static int read_msg(struct gos *g, uint64_t addr, struct msg *m)
{
    uint8_t b[56];
    bool w = gos_is64(g);
    m->size = w ? 56 : 28;
    int rc = gos_copy_in(g, addr, b, m->size);
    if (rc)
        return rc;
    uint64_t f[7];
    if (w) {
        static const size_t off[5] = {0, 16, 24, 32, 40};
        for (int i = 0; i < 5; i++)
            memcpy(&f[i], b + off[i], 8);
        m->at_namelen = 8;
        m->at_controllen = 40;
        m->at_flags = 48;
    } else {
        static const size_t off[5] = {0, 8, 12, 16, 20};
        for (int i = 0; i < 5; i++) {
            uint32_t v;
            memcpy(&v, b + off[i], 4);
            f[i] = v;
        }
        m->at_namelen = 4;
        m->at_controllen = 20;
        m->at_flags = 24;
    }
    m->name = f[0];
    m->iov = f[1];
    m->iovlen = f[2];
    m->control = f[3];
    m->controllen = f[4];
    return 0;
}

/* Ancillary data is not carried: EOPNOTSUPP, and the report says so (once). */
static int64_t no_ancillary(struct gos *g, const char *call)
{
    char line[160];
    snprintf(line, sizeof line,
             "%s with ancillary data (descriptors or credentials over a socket) was answered "
             "EOPNOTSUPP: vkmmu does not carry it",
             call);
    gos_note(g, line);
    return -EOPNOTSUPP;
}

/* What sendmsg and recvmsg share: the socket (the thread blocks while it is not ready, before
 * any guest memory is read), the msghdr, its iovecs and a scratch buffer of their total
 * (capped at GOS_IO_MAX).  1 to go on, else the call's result. */
static int64_t msg_begin(struct gos *g, const struct gos_regs *r, bool send_op, int *h,
                         struct msg *m, uint64_t (*iov)[2], size_t *cap, uint8_t **s)
{
    int32_t fd = (int32_t)r->a[0], flags = (int32_t)r->a[2];
    *h = sock_fd(g, fd);
    if (*h < 0)
        return *h;
    if (!(flags & MSG_DONTWAIT) && gos_pipe_wait(g, fd, *h, send_op))
        return 0;
    int rc = read_msg(g, r->a[1], m);
    if (rc)
        return rc;
    if (send_op && m->name)
        return -EISCONN;
    if (send_op && m->controllen)
        return no_ancillary(g, "sendmsg");
    if (m->iovlen > 1024)
        return -EMSGSIZE;
    int64_t total = gos_read_iov(g, m->iov, (int32_t)m->iovlen, iov);
    if (total < 0)
        return total;
    *cap = (uint64_t)total < GOS_IO_MAX ? (size_t)total : GOS_IO_MAX;
    *s = gos_scratch(g, *cap ? *cap : 1);
    return *s ? 1 : -ENOMEM;
}

int64_t gos_sys_sendmsg(struct gos *g, const struct gos_regs *r)
{
    int h;
    struct msg m;
    uint64_t iov[1024][2];
    size_t cap, have = 0;
    uint8_t *s;
    int64_t go = msg_begin(g, r, true, &h, &m, iov, &cap, &s);
    if (go != 1)
        return go;
    int rc;
    for (uint64_t i = 0; i < m.iovlen && have < cap; i++) {
        size_t len = iov[i][1] < cap - have ? (size_t)iov[i][1] : cap - have;
        if ((rc = gos_copy_in(g, iov[i][0], s + have, len)) != 0)
            return rc;
        have += len;
    }
    return host_send(g, h, s, have, (int32_t)r->a[2]);
}

int64_t gos_sys_recvmsg(struct gos *g, const struct gos_regs *r)
{
    int h;
    struct msg m;
    uint64_t iov[1024][2];
    size_t cap;
    uint8_t *s;
    int64_t go = msg_begin(g, r, false, &h, &m, iov, &cap, &s);
    if (go != 1)
        return go;
    int rc, flags = (int32_t)r->a[2];
    struct iovec one = {s, cap};
    struct msghdr hm = {.msg_iov = &one, .msg_iovlen = 1};
    ssize_t got = recvmsg(h, &hm, (flags & ~MSG_WAITALL) | MSG_DONTWAIT);
    if (got < 0)
        return -errno;
    size_t stored = (size_t)got < cap ? (size_t)got : cap, done = 0;
    for (uint64_t i = 0; i < m.iovlen && done < stored; i++) {
        size_t len = iov[i][1] < stored - done ? (size_t)iov[i][1] : stored - done;
        if ((rc = gos_copy_out(g, iov[i][0], s + done, len)) != 0)
            return rc;
        done += len;
    }
    /* no peer address, no ancillary data, the host's flags (MSG_TRUNC, MSG_EOR) */
    uint8_t zero8[8] = {0};
    int32_t fl = hm.msg_flags;
    if ((rc = gos_copy_out(g, r->a[1] + m.at_namelen, zero8, 4)) != 0 ||
        (rc = gos_copy_out(g, r->a[1] + m.at_controllen, zero8, gos_ptr_size(g))) != 0 ||
        (rc = gos_copy_out(g, r->a[1] + m.at_flags, &fl, 4)) != 0)
        return rc;
    return got;
}

int64_t gos_sys_shutdown(struct gos *g, const struct gos_regs *r)
{
    int h = sock_fd(g, (int32_t)r->a[0]);
    if (h < 0)
        return h;
    return shutdown(h, (int)r->a[1]) == 0 ? 0 : -errno;
}

/* The SOL_SOCKET options whose value is an int (or struct linger: two ints) on both ABIs. */
static bool plain_option(int32_t name)
{
    switch (name) {
    case SO_REUSEADDR: case SO_TYPE: case SO_ERROR: case SO_BROADCAST: case SO_SNDBUF:
    case SO_RCVBUF: case SO_KEEPALIVE: case SO_LINGER: case SO_PASSCRED: case SO_RCVLOWAT:
    case SO_SNDLOWAT: case SO_ACCEPTCONN: case SO_PROTOCOL: case SO_DOMAIN: case SO_PASSSEC:
        return true;
    default:
        return false;
    }
}

int64_t gos_sys_getsockopt(struct gos *g, const struct gos_regs *r)
{
    int32_t level = (int32_t)r->a[1], name = (int32_t)r->a[2];
    int h = sock_fd(g, (int32_t)r->a[0]);
    if (h < 0)
        return h;
    int32_t len;
    int rc = gos_copy_in(g, r->a[4], &len, sizeof len);
    if (rc)
        return rc;
    if (len < 0)
        return -EINVAL;
    uint8_t v[16] = {0};
    socklen_t got = sizeof v;
    if (level == SOL_SOCKET && name == SO_PEERCRED) {
        /* the peer is this guest's own process tree: its pid, and the guest's ids */
        uint32_t cred[3] = {g->pid, 1000, 1000};
        memcpy(v, cred, sizeof cred);
        got = sizeof cred;
    } else if (level != SOL_SOCKET || !plain_option(name)) {
        return -ENOPROTOOPT;
    } else if (getsockopt(h, level, name, v, &got) != 0) {
        return -errno;
    }
    uint32_t n = (uint32_t)len < got ? (uint32_t)len : got;
    if ((rc = gos_copy_out(g, r->a[3], v, n)) != 0)
        return rc;
    return gos_copy_out(g, r->a[4], &n, sizeof n);
}

int64_t gos_sys_setsockopt(struct gos *g, const struct gos_regs *r)
{
    int32_t level = (int32_t)r->a[1], name = (int32_t)r->a[2], len = (int32_t)r->a[4];
    int h = sock_fd(g, (int32_t)r->a[0]);
    if (h < 0)
        return h;
    if (level != SOL_SOCKET || !plain_option(name))
        return -ENOPROTOOPT;
    if (len < 0)
        return -EINVAL;
    uint8_t v[16] = {0};
    size_t n = (size_t)len < sizeof v ? (size_t)len : sizeof v;
    int rc = gos_copy_in(g, r->a[3], v, n);
    if (rc)
        return rc;
    return setsockopt(h, level, name, v, (socklen_t)n) == 0 ? 0 : -errno;
}

/* getsockname and getpeername: an unnamed Unix socket's address is its family alone. */
static int64_t sock_name(struct gos *g, const struct gos_regs *r, bool peer)
{
    int h = sock_fd(g, (int32_t)r->a[0]);
    if (h < 0)
        return h;
    struct sockaddr_storage sa;
    socklen_t got = sizeof sa;
    if ((peer ? getpeername(h, (struct sockaddr *)&sa, &got)
              : getsockname(h, (struct sockaddr *)&sa, &got)) != 0)
        return -errno;
    int32_t len;
    int rc = gos_copy_in(g, r->a[2], &len, sizeof len);
    if (rc)
        return rc;
    if (len < 0)
        return -EINVAL;
    uint16_t family = AF_UNIX; /* the host's path would name a host file: never passed on */
    uint32_t full = sizeof family, n = (uint32_t)len < full ? (uint32_t)len : full;
    if ((rc = gos_copy_out(g, r->a[1], &family, n)) != 0)
        return rc;
    return gos_copy_out(g, r->a[2], &full, sizeof full);
}

int64_t gos_sys_getsockname(struct gos *g, const struct gos_regs *r)
{
    /* getpeername is 52 (x86-64) and 368 (i386); socketcall passes its own numbers */
    bool peer = r->ax == 52 || r->ax == 368;
    return sock_name(g, r, peer);
}

bool gos_sock_nosignal(struct gos *g, unsigned nr, const struct gos_regs *r)
{
    uint64_t flags;
    if (gos_is64(g) ? nr == 44 : nr == 369) /* sendto */
        flags = r->a[3];
    else if (gos_is64(g) ? nr == 46 : nr == 370) /* sendmsg */
        flags = r->a[2];
    else if (!gos_is64(g) && nr == 102 && (r->a[0] == 9 || r->a[0] == 11 || r->a[0] == 16)) {
        /* socketcall's send, sendto, sendmsg: the flags word in its argument array (read as
         * the engine sees memory: no kernel access) */
        uint32_t f;
        unsigned at = r->a[0] == 16 ? 2 : 3;
        if (g->mem.read(g->mem.ctx, r->a[1] + 4ull * at, &f, sizeof f) != 0)
            return false;
        flags = f;
    } else
        return false;
    return flags & MSG_NOSIGNAL;
}

/* i386's socketcall(call, args): the arguments are an array of longs in guest memory. */
int64_t gos_sys_socketcall(struct gos *g, const struct gos_regs *r)
{
    static const uint8_t nargs[21] = {0, 3, 3, 3, 2, 3, 3, 3, 4, 4, 4, 6, 6, 2, 5, 5, 3, 3, 4, 5, 4};
    uint32_t call = (uint32_t)r->a[0];
    if (call < 1 || call > 20)
        return -EINVAL;
    uint32_t a[6] = {0};
    int rc = gos_copy_in(g, r->a[1], a, nargs[call] * sizeof a[0]);
    if (rc)
        return rc;
    struct gos_regs x = {.ax = 0, .sp = r->sp};
    for (int i = 0; i < 6; i++)
        x.a[i] = a[i];
    switch (call) {
    case 6: /* getsockname */
        return sock_name(g, &x, false);
    case 7: /* getpeername */
        return sock_name(g, &x, true);
    case 8: /* socketpair */
        return gos_sys_socketpair(g, &x);
    case 9: /* send(fd, buf, len, flags) */
        return do_sendto(g, (int32_t)a[0], a[1], a[2], (int32_t)a[3], 0);
    case 10: /* recv */
        return do_recvfrom(g, (int32_t)a[0], a[1], a[2], (int32_t)a[3], 0, 0);
    case 11: /* sendto */
        return gos_sys_sendto(g, &x);
    case 12: /* recvfrom */
        return gos_sys_recvfrom(g, &x);
    case 13: /* shutdown */
        return gos_sys_shutdown(g, &x);
    case 14: /* setsockopt */
        return gos_sys_setsockopt(g, &x);
    case 15: /* getsockopt */
        return gos_sys_getsockopt(g, &x);
    case 16: /* sendmsg */
        return gos_sys_sendmsg(g, &x);
    case 17: /* recvmsg */
        return gos_sys_recvmsg(g, &x);
    default: /* socket, bind, connect, listen, accept, accept4, recvmmsg, sendmmsg */
        return -ENOSYS;
    }
}

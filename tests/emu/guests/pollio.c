/* The poll family on pipes between guest processes and threads, for tests/emu/test_poll.sh:
 * every wait here is answered by another guest process or thread, or by a timeout, never by
 * the host.  argv[1] picks one; each prints lines that name no time or address, so the
 * reference runner's output is the same.
 *   fork      the parent polls (no timeout) a pipe its child writes after a sleep; then
 *             select, ppoll and pselect in turn, each answered by the child
 *   timeout   poll, select (remaining time written back), ppoll and epoll_wait on a pipe
 *             nobody writes: each returns 0 after at least its timeout; select(0, ...) and
 *             poll(NULL, 0, ...) sleep; a closed descriptor is POLLNVAL
 *   epoll     level- and edge-triggered and one-shot interest, MOD and DEL, the data word
 *             given back, EPOLLHUP once the writer closes, and the errors of epoll_ctl
 *   threads   a thread waits in epoll_wait (no timeout) while the main thread writes to
 *             the pipe later; then the other way round with poll
 *   socket    socketpair (stream, datagram, seqpacket): send, recv, sendmsg, recvmsg,
 *             MSG_PEEK, MSG_DONTWAIT, MSG_TRUNC, shutdown, EPIPE, the options and names,
 *             FIONBIO and FIONREAD, a blocking recv a child answers, epoll on a socket
 *   sigmask   pselect, ppoll and epoll_pwait with a mask that lets SIGUSR1 through (blocked
 *             otherwise): a child's kill ends each with EINTR after the handler ran; a signal
 *             already pending ends it at once; an ignored one does not
 *   all       every one of these in turn
 *   long      poll 20 s and epoll_wait 10 s on a pipe nobody writes (not in "all": under
 *             vkmmu the 30 s are virtual time, which test_poll.sh checks against the clock)
 *   forever   polls, with no timeout, a pipe only it could write: Linux waits for ever,
 *             vkmmu reports the deadlock (not in "all") */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void nap(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static void check(int ok, const char *what)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", what);
}

/* The child writes one byte after ms, then exits. */
static pid_t writer_child(int w, long ms, char c)
{
    pid_t pid = fork();
    if (pid == 0) {
        nap(ms);
        if (write(w, &c, 1) != 1)
            _exit(3);
        _exit(0);
    }
    return pid;
}

static void reap(pid_t pid)
{
    int st = 0;
    waitpid(pid, &st, 0);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child exited 0");
}

static void with_fork(void)
{
    int p[2];
    char c = 0;
    if (pipe(p) != 0)
        return;
    pid_t pid = writer_child(p[1], 50, 'a');
    struct pollfd f = {p[0], POLLIN, 0};
    int n = poll(&f, 1, -1);
    check(n == 1 && (f.revents & POLLIN), "poll without a timeout: the child's byte");
    check(read(p[0], &c, 1) == 1 && c == 'a', "read it");
    reap(pid);

    pid = writer_child(p[1], 30, 'b');
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    n = select(p[0] + 1, &rs, NULL, NULL, NULL);
    check(n == 1 && FD_ISSET(p[0], &rs), "select without a timeout");
    check(read(p[0], &c, 1) == 1 && c == 'b', "read it");
    reap(pid);

    pid = writer_child(p[1], 30, 'c');
    struct timespec long_wait = {100, 0};
    f.revents = 0;
    n = ppoll(&f, 1, &long_wait, NULL);
    check(n == 1 && (f.revents & POLLIN), "ppoll with a long timeout");
    check(read(p[0], &c, 1) == 1 && c == 'c', "read it");
    reap(pid);

    pid = writer_child(p[1], 30, 'd');
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    n = pselect(p[0] + 1, &rs, NULL, NULL, &long_wait, NULL);
    check(n == 1 && FD_ISSET(p[0], &rs), "pselect with a long timeout");
    check(read(p[0], &c, 1) == 1 && c == 'd', "read it");
    reap(pid);

    /* the write end is always ready; a full pipe is not */
    FD_ZERO(&rs);
    fd_set ws;
    FD_ZERO(&ws);
    FD_SET(p[1], &ws);
    FD_SET(p[0], &rs);
    struct timeval zero = {0, 0};
    n = select(p[1] + 1, &rs, &ws, NULL, &zero);
    check(n == 1 && FD_ISSET(p[1], &ws) && !FD_ISSET(p[0], &rs), "select: the write end only");
    close(p[0]);
    close(p[1]);
}

static void with_timeouts(void)
{
    int p[2];
    if (pipe(p) != 0)
        return;
    struct pollfd f = {p[0], POLLIN, 0};
    double t0 = now();
    int n = poll(&f, 1, 120);
    check(n == 0 && now() - t0 >= 0.12, "poll times out after 120 ms");

    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    struct timeval tv = {0, 250000};
    t0 = now();
    n = select(p[0] + 1, &rs, NULL, NULL, &tv);
    check(n == 0 && !FD_ISSET(p[0], &rs) && now() - t0 >= 0.25, "select times out after 250 ms");
    check(tv.tv_sec == 0 && tv.tv_usec == 0, "select wrote back no time left");

    struct timespec ts = {0, 80000000};
    t0 = now();
    n = ppoll(&f, 1, &ts, NULL);
    check(n == 0 && now() - t0 >= 0.08, "ppoll times out after 80 ms");

    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 7};
    check(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "epoll_ctl ADD");
    struct epoll_event out[4];
    t0 = now();
    n = epoll_wait(ep, out, 4, 60);
    check(n == 0 && now() - t0 >= 0.06, "epoll_wait times out after 60 ms");

    tv = (struct timeval){0, 300000};
    t0 = now();
    n = select(0, NULL, NULL, NULL, &tv);
    check(n == 0 && now() - t0 >= 0.3, "select(0, ...) sleeps 300 ms");
    t0 = now();
    n = poll(NULL, 0, 40);
    check(n == 0 && now() - t0 >= 0.04, "poll(NULL, 0, 40) sleeps 40 ms");

    /* a timeout of 0 answers at once; a descriptor that is not open is POLLNVAL */
    struct pollfd two[2] = {{p[0], POLLIN, 0}, {999, POLLIN, 0}};
    n = poll(two, 2, -1);
    check(n == 1 && two[0].revents == 0 && two[1].revents == POLLNVAL, "POLLNVAL for fd 999");
    FD_ZERO(&rs);
    FD_SET(900, &rs);
    tv = (struct timeval){0, 0};
    errno = 0;
    check(select(901, &rs, NULL, NULL, &tv) == -1 && errno == EBADF, "select on fd 900: EBADF");
    close(ep);
    close(p[0]);
    close(p[1]);
}

static void with_epoll(void)
{
    int p[2];
    char buf[8];
    if (pipe(p) != 0)
        return;
    int ep = epoll_create(4);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1122334455667788ull}, out[4];
    check(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "ADD level-triggered");
    errno = 0;
    check(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == -1 && errno == EEXIST, "ADD again: EEXIST");
    check(write(p[1], "xy", 2) == 2, "write 2 bytes");
    int n = epoll_wait(ep, out, 4, 0);
    check(n == 1 && out[0].events == EPOLLIN && out[0].data.u64 == 0x1122334455667788ull,
          "level: ready, the data word given back");
    n = epoll_wait(ep, out, 4, 0);
    check(n == 1, "level: still ready (nothing read)");
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u32 = 5;
    check(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0, "MOD to edge-triggered");
    n = epoll_wait(ep, out, 4, 0);
    check(n == 1 && out[0].data.u32 == 5, "edge: the MOD reports once");
    n = epoll_wait(ep, out, 4, 0);
    check(n == 0, "edge: not again without new data");
    check(read(p[0], buf, 1) == 1 && write(p[1], "z", 1) == 1, "read one, write one");
    n = epoll_wait(ep, out, 4, 0);
    check(n == 1, "edge: new data reports again");
    ev.events = EPOLLIN | EPOLLONESHOT;
    check(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0, "MOD to one-shot");
    check(epoll_wait(ep, out, 4, 0) == 1 && epoll_wait(ep, out, 4, 0) == 0, "one-shot: once");
    check(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0, "DEL");
    errno = 0;
    check(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == -1 && errno == ENOENT, "DEL again: ENOENT");
    ev.events = EPOLLIN;
    check(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "ADD again");
    check(read(p[0], buf, sizeof buf) == 2, "drain");
    close(p[1]);
    n = epoll_wait(ep, out, 4, -1);
    check(n == 1 && (out[0].events & EPOLLHUP), "the writer closed: EPOLLHUP");
    errno = 0;
    check(epoll_wait(ep, out, 0, 0) == -1 && errno == EINVAL, "maxevents 0: EINVAL");
    errno = 0;
    check(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev) == -1 && errno == EBADF, "ADD fd 999: EBADF");
    errno = 0;
    check(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev) == -1 && errno == EINVAL, "ADD itself: EINVAL");
    errno = 0;
    check(epoll_create1(12345) == -1 && errno == EINVAL, "epoll_create1(bad flags): EINVAL");
    errno = 0;
    check(epoll_create(0) == -1 && errno == EINVAL, "epoll_create(0): EINVAL");
    close(p[0]);
    close(ep);
}

static int tpipe[2], tep;

static void *epoll_waiter(void *arg)
{
    (void)arg;
    struct epoll_event out[2];
    int n = epoll_wait(tep, out, 2, -1);
    char c = 0;
    int r = n == 1 ? (int)read(tpipe[0], &c, 1) : -1;
    return (void *)(long)(n == 1 && r == 1 && c == 't' && out[0].data.u32 == 42);
}

static void *late_writer(void *arg)
{
    (void)arg;
    nap(70);
    return (void *)(long)(write(tpipe[1], "u", 1) == 1);
}

static void with_threads(void)
{
    if (pipe(tpipe) != 0)
        return;
    tep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 42};
    epoll_ctl(tep, EPOLL_CTL_ADD, tpipe[0], &ev);
    pthread_t t;
    pthread_create(&t, NULL, epoll_waiter, NULL);
    nap(50);
    check(write(tpipe[1], "t", 1) == 1, "main thread writes");
    void *ok = NULL;
    pthread_join(t, &ok);
    check(ok != NULL, "a thread's epoll_wait without a timeout got it");

    pthread_create(&t, NULL, late_writer, NULL);
    struct pollfd f = {tpipe[0], POLLIN, 0};
    int n = poll(&f, 1, 5000);
    char c = 0;
    check(n == 1 && read(tpipe[0], &c, 1) == 1 && c == 'u', "main thread's poll: the thread's byte");
    pthread_join(t, &ok);
    check(ok != NULL, "the writer thread wrote");
    close(tep);
    close(tpipe[0]);
    close(tpipe[1]);
}

static void with_sockets(void)
{
    int sv[2], t;
    char buf[64];
    check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair stream");
    check(send(sv[0], "hello", 5, 0) == 5, "send 5");
    check(recv(sv[1], buf, 2, MSG_PEEK) == 2 && !memcmp(buf, "he", 2), "recv MSG_PEEK");
    int held = 0;
    check(ioctl(sv[1], FIONREAD, &held) == 0 && held == 5, "FIONREAD: 5 held");
    check(recv(sv[1], buf, sizeof buf, 0) == 5 && !memcmp(buf, "hello", 5), "recv 5");
    errno = 0;
    check(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT) == -1 && errno == EAGAIN,
          "recv MSG_DONTWAIT on nothing: EAGAIN");
    int on = 1;
    check(ioctl(sv[1], FIONBIO, &on) == 0, "FIONBIO on");
    errno = 0;
    check(read(sv[1], buf, 1) == -1 && errno == EAGAIN, "read of a non-blocking socket: EAGAIN");
    on = 0;
    ioctl(sv[1], FIONBIO, &on);
    struct iovec iov[2] = {{"ab", 2}, {"cde", 3}};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
    check(sendmsg(sv[0], &m, 0) == 5, "sendmsg of 2 iovecs");
    char x[2], y[8];
    struct iovec in[2] = {{x, 2}, {y, sizeof y}};
    struct msghdr mi = {.msg_iov = in, .msg_iovlen = 2, .msg_flags = 77};
    ssize_t n = recvmsg(sv[1], &mi, 0);
    check(n == 5 && !memcmp(x, "ab", 2) && !memcmp(y, "cde", 3) && mi.msg_flags == 0 &&
              mi.msg_namelen == 0 && mi.msg_controllen == 0,
          "recvmsg scattered into 2 iovecs");
    socklen_t len = sizeof t;
    check(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &t, &len) == 0 && t == SOCK_STREAM && len == 4,
          "SO_TYPE stream");
    struct sockaddr_storage sa;
    len = sizeof sa;
    check(getsockname(sv[0], (struct sockaddr *)&sa, &len) == 0 && sa.ss_family == AF_UNIX &&
              len == 2,
          "getsockname: an unnamed Unix socket");
    len = sizeof sa;
    check(getpeername(sv[0], (struct sockaddr *)&sa, &len) == 0 && len == 2, "getpeername");
    errno = 0;
    check(getsockopt(0, SOL_SOCKET, SO_TYPE, &t, &len) == -1 && errno == ENOTSOCK,
          "SO_TYPE of stdin: ENOTSOCK");

    /* a blocking recv answered by a child, then end of file when the peer shuts down */
    pid_t pid = fork();
    if (pid == 0) {
        nap(40);
        send(sv[0], "late", 4, 0);
        shutdown(sv[0], SHUT_WR);
        _exit(0);
    }
    check(recv(sv[1], buf, sizeof buf, 0) == 4 && !memcmp(buf, "late", 4), "blocking recv: the child's");
    reap(pid);
    check(recv(sv[1], buf, sizeof buf, 0) == 0, "after shutdown(SHUT_WR): end of file");
    close(sv[1]);
    errno = 0;
    check(send(sv[0], "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE, "send to a closed peer: EPIPE");
    close(sv[0]);

    check(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair datagram");
    send(sv[0], "123456", 6, 0);
    send(sv[0], "78", 2, 0);
    check(recv(sv[1], buf, 4, 0) == 4, "datagram: a short buffer truncates");
    check(recv(sv[1], buf, sizeof buf, 0) == 2 && !memcmp(buf, "78", 2), "datagram boundaries kept");
    send(sv[0], "123456", 6, 0);
    check(recv(sv[1], buf, 3, MSG_TRUNC) == 6, "MSG_TRUNC: the datagram's full size");
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 9}, out;
    epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev);
    pid = fork();
    if (pid == 0) {
        nap(30);
        send(sv[0], "z", 1, 0);
        _exit(0);
    }
    check(epoll_wait(ep, &out, 1, -1) == 1 && out.data.u32 == 9, "epoll on a socket, a child sends");
    reap(pid);
    close(ep);
    close(sv[0]);
    close(sv[1]);
    check(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv) == 0, "socketpair seqpacket");
    errno = 0;
    check(recv(sv[0], buf, 1, 0) == -1 && errno == EAGAIN, "SOCK_NONBLOCK: EAGAIN");
    close(sv[0]);
    close(sv[1]);
    errno = 0;
    check(socketpair(AF_UNIX, 4, 0, sv) == -1 && errno == ESOCKTNOSUPPORT, "SOCK_RDM: ESOCKTNOSUPPORT");
    errno = 0;
    check(socketpair(AF_INET, SOCK_STREAM, 0, sv) == -1 && errno == EOPNOTSUPP,
          "AF_INET: EOPNOTSUPP");
    errno = 0;
    check(socketpair(AF_UNIX, SOCK_STREAM, 7, sv) == -1 && errno == EPROTONOSUPPORT,
          "protocol 7: EPROTONOSUPPORT");
}

static volatile int usr1;
static void on_usr1(int s)
{
    (void)s;
    usr1++;
}

/* A child sends SIGUSR1 to its parent after ms. */
static pid_t killer_child(long ms)
{
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        nap(ms);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    return pid;
}

static void with_sigmask(void)
{
    int p[2];
    if (pipe(p) != 0)
        return;
    struct sigaction sa = {.sa_handler = on_usr1};
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t block, open_set, now;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    sigemptyset(&open_set);
    struct timespec long_wait = {100, 0};
    fd_set rs;

    pid_t pid = killer_child(40);
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    errno = 0;
    int n = pselect(p[0] + 1, &rs, NULL, NULL, &long_wait, &open_set);
    check(n == -1 && errno == EINTR && usr1 == 1, "pselect: SIGUSR1 let through, EINTR after the handler");
    sigprocmask(SIG_BLOCK, NULL, &now);
    check(sigismember(&now, SIGUSR1), "the caller's mask is back");
    reap(pid);

    pid = killer_child(40);
    struct pollfd f = {p[0], POLLIN, 0};
    errno = 0;
    n = ppoll(&f, 1, NULL, &open_set);
    check(n == -1 && errno == EINTR && usr1 == 2, "ppoll: the same");
    reap(pid);

    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN}, out;
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    pid = killer_child(40);
    errno = 0;
    n = epoll_pwait(ep, &out, 1, -1, &open_set);
    check(n == -1 && errno == EINTR && usr1 == 3, "epoll_pwait: the same");
    reap(pid);

    raise(SIGUSR1); /* pending, blocked */
    check(usr1 == 3, "raised while blocked: not yet handled");
    errno = 0;
    n = ppoll(&f, 1, &long_wait, &open_set);
    check(n == -1 && errno == EINTR && usr1 == 4, "a pending signal ends ppoll at once");

    /* a mask that keeps SIGUSR1 blocked: the wait times out instead */
    struct timespec short_wait = {0, 50000000};
    pid = killer_child(10);
    n = ppoll(&f, 1, &short_wait, &block);
    check(n == 0 && usr1 == 4, "a mask that keeps it blocked: ppoll times out");
    reap(pid);
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    check(usr1 == 5, "unblocked afterwards: handled then");
    signal(SIGUSR1, SIG_DFL);
    close(ep);
    close(p[0]);
    close(p[1]);
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "all";
    int all = strcmp(what, "all") == 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (all || !strcmp(what, "fork"))
        with_fork();
    if (all || !strcmp(what, "timeout"))
        with_timeouts();
    if (all || !strcmp(what, "epoll"))
        with_epoll();
    if (all || !strcmp(what, "threads"))
        with_threads();
    if (all || !strcmp(what, "socket"))
        with_sockets();
    if (all || !strcmp(what, "sigmask"))
        with_sigmask();
    if (!strcmp(what, "long")) {
        int p[2];
        if (pipe(p) != 0)
            return 1;
        struct pollfd f = {p[0], POLLIN, 0};
        double t0 = now();
        check(poll(&f, 1, 20000) == 0 && now() - t0 >= 20, "poll times out after 20 s");
        int ep = epoll_create1(0);
        struct epoll_event ev = {.events = EPOLLIN}, out;
        epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
        t0 = now();
        check(epoll_wait(ep, &out, 1, 10000) == 0 && now() - t0 >= 10,
              "epoll_wait times out after 10 s");
        return 0;
    }
    if (!strcmp(what, "forever")) {
        int p[2];
        struct pollfd f = {0, POLLIN, 0};
        if (pipe(p) == 0) {
            f.fd = p[0];
            poll(&f, 1, -1);
        }
        return 1;
    }
    return 0;
}

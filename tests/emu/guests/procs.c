/* tests/emu/guests/procs.c - processes, threads and signals for tests/emu/test_processes.sh.
 * Each mode prints what it observed, deterministically (no pids, no timing):
 *   fork N      N children, one after another, each reads an inherited buffer, writes half of
 *               it and exits with a status from what it read; the parent checks its own copy
 *   pipe N      a child writes N lines into a pipe, the parent counts them (pipe blocking)
 *   threads T   T threads sum a range under a mutex, the main thread waits on a condvar
 *   spawn       vfork + execve of itself, posix_spawn, and the exit statuses
 *   signals     handlers (plain and SA_SIGINFO), alarm + pause, SIGCHLD, kill of a child,
 *               a caught SIGPIPE, a blocked then unblocked signal
 *   segv-child  a child that dies of SIGSEGV, seen by wait4
 *   forkbomb    forks until fork fails: the errno and how many
 *   deadlock    reads a pipe whose only writer is itself
 *   exit N      exits with N (what spawn execs) */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static char buf[64 * 4096];

static int mode_fork(int n)
{
    for (size_t i = 0; i < sizeof buf; i += 64)
        buf[i] = (char)(i / 4096 + 1);
    for (int k = 0; k < n; k++) {
        pid_t p = fork();
        if (p < 0)
            return perror("fork"), 1;
        if (p == 0) {
            unsigned sum = 0;
            for (size_t i = 0; i < sizeof buf; i += 64)
                sum += (unsigned char)buf[i];
            for (size_t i = 0; i < sizeof buf / 2; i += 4096)
                buf[i] = 0;
            _exit((int)(sum % 200) + k);
        }
        int st = 0;
        if (waitpid(p, &st, 0) != p)
            return perror("waitpid"), 1;
        printf("child %d exit %d\n", k, WEXITSTATUS(st));
    }
    unsigned sum = 0;
    for (size_t i = 0; i < sizeof buf; i += 64)
        sum += (unsigned char)buf[i];
    printf("parent sum %u\n", sum);
    return 0;
}

static int mode_pipe(int n)
{
    int fd[2];
    if (pipe(fd) != 0)
        return 1;
    pid_t p = fork();
    if (p == 0) {
        close(fd[0]);
        FILE *f = fdopen(fd[1], "w");
        for (int i = 0; i < n; i++)
            fprintf(f, "line %d\n", i);
        fclose(f);
        _exit(0);
    }
    close(fd[1]);
    FILE *f = fdopen(fd[0], "r");
    char line[64];
    int lines = 0;
    long bytes = 0;
    while (fgets(line, sizeof line, f)) {
        lines++;
        bytes += (long)strlen(line);
    }
    int st;
    waitpid(p, &st, 0);
    printf("lines %d bytes %ld child %d\n", lines, bytes, WEXITSTATUS(st));
    return 0;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long total;
static int done, nthreads;

static void *worker(void *arg)
{
    long id = (long)arg, s = 0;
    for (long i = id; i < 200000; i += nthreads)
        s += i % 13;
    pthread_mutex_lock(&mu);
    total += s;
    done++;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    return (void *)id;
}

static int mode_threads(int t)
{
    pthread_t th[32];
    nthreads = t > 32 ? 32 : t;
    for (long i = 0; i < nthreads; i++)
        if (pthread_create(&th[i], NULL, worker, (void *)i) != 0)
            return 1;
    pthread_mutex_lock(&mu);
    while (done < nthreads)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    long ids = 0;
    for (int i = 0; i < nthreads; i++) {
        void *r;
        pthread_join(th[i], &r);
        ids += (long)r;
    }
    printf("threads %d total %ld ids %ld\n", nthreads, total, ids);
    return 0;
}

static int mode_spawn(const char *self)
{
    pid_t p = vfork();
    if (p == 0) {
        execl(self, self, "exit", "7", (char *)NULL);
        _exit(127);
    }
    int st;
    waitpid(p, &st, 0);
    printf("vfork+exec exit %d\n", WEXITSTATUS(st));
    char *argv[] = {(char *)self, "exit", "9", NULL};
    if (posix_spawn(&p, self, NULL, NULL, argv, environ) != 0)
        return 1;
    waitpid(p, &st, 0);
    printf("posix_spawn exit %d\n", WEXITSTATUS(st));
    errno = 0;
    char *bad[] = {"/no/such/program", NULL};
    int rc = posix_spawn(&p, bad[0], NULL, NULL, bad, environ);
    if (rc == 0)
        waitpid(p, &st, 0);
    printf("posix_spawn missing %s\n", rc == ENOENT || (rc == 0 && WEXITSTATUS(st) == 127)
                                           ? "ENOENT" : "unexpected");
    return 0;
}

static volatile int got_usr1, got_alrm, got_chld, got_pipe, info_ok;
static void on_usr1(int s) { got_usr1 = s; }
static void on_alrm(int s) { (void)s; got_alrm++; }
static void on_chld(int s) { (void)s; got_chld++; }
static void on_pipe(int s) { (void)s; got_pipe++; }
static void on_info(int s, siginfo_t *si, void *uc) { (void)uc; info_ok = si->si_signo == s; }

static int mode_signals(void)
{
    double keep = 1.25;
    signal(SIGUSR1, on_usr1);
    kill(getpid(), SIGUSR1);
    printf("usr1 %d fp kept %.2f\n", got_usr1, keep * 2);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_info;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("siginfo %d\n", info_ok);
    signal(SIGALRM, on_alrm);
    alarm(2);
    pause();
    printf("alarm %d\n", got_alrm);
    signal(SIGCHLD, on_chld);
    for (int i = 0; i < 3; i++)
        if (fork() == 0)
            _exit(i);
    int st, n = 0;
    while (wait(&st) > 0)
        n++;
    printf("children %d sigchld %d\n", n, got_chld > 0);
    pid_t p = fork();
    if (p == 0)
        for (;;)
            pause();
    kill(p, SIGTERM);
    waitpid(p, &st, 0);
    printf("child killed %d by %d\n", WIFSIGNALED(st), WTERMSIG(st));
    signal(SIGPIPE, on_pipe);
    int fd[2];
    pipe(fd);
    close(fd[0]);
    int w = (int)write(fd[1], "x", 1);
    printf("write %d errno %d sigpipe %d\n", w, errno, got_pipe);
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    sigprocmask(SIG_BLOCK, &m, NULL);
    got_usr1 = 0;
    kill(getpid(), SIGUSR1);
    printf("blocked %d\n", got_usr1);
    sigprocmask(SIG_UNBLOCK, &m, NULL);
    printf("unblocked %d\n", got_usr1);
    fflush(stdout);
    signal(SIGTERM, SIG_DFL);
    kill(getpid(), SIGTERM);
    printf("not reached\n");
    return 0;
}

static int mode_segv_child(void)
{
    pid_t p = fork();
    if (p == 0) {
        volatile int *bad = (int *)16;
        *bad = 1;
        _exit(0);
    }
    int st;
    waitpid(p, &st, 0);
    printf("child signaled %d signal %d\n", WIFSIGNALED(st), WTERMSIG(st));
    return 0;
}

static int mode_forkbomb(void)
{
    int n = 0;
    for (;;) {
        pid_t p = fork();
        if (p == 0) {
            pause(); /* stays until the parent ends the run */
            _exit(0);
        }
        if (p < 0)
            break;
        n++;
    }
    printf("forks %d then errno %s\n", n, errno == EAGAIN ? "EAGAIN" : strerror(errno));
    return 0;
}

static int mode_deadlock(void)
{
    int fd[2];
    char c;
    if (pipe(fd) != 0)
        return 1;
    printf("reading\n");
    fflush(stdout);
    return (int)read(fd[0], &c, 1);
}

int main(int argc, char **argv)
{
    const char *m = argc > 1 ? argv[1] : "";
    int n = argc > 2 ? atoi(argv[2]) : 3;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(m, "fork"))
        return mode_fork(n);
    if (!strcmp(m, "pipe"))
        return mode_pipe(n);
    if (!strcmp(m, "threads"))
        return mode_threads(n);
    if (!strcmp(m, "spawn"))
        return mode_spawn(argv[0]);
    if (!strcmp(m, "signals"))
        return mode_signals();
    if (!strcmp(m, "segv-child"))
        return mode_segv_child();
    if (!strcmp(m, "forkbomb"))
        return mode_forkbomb();
    if (!strcmp(m, "deadlock"))
        return mode_deadlock();
    if (!strcmp(m, "exit"))
        return n;
    fprintf(stderr, "usage: procs fork|pipe|threads|spawn|signals|segv-child|forkbomb|"
                    "deadlock|exit [N]\n");
    return 2;
}

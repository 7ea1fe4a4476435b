/* scripts/minflt.c - runs a program natively with transparent huge pages off and prints the
 * minor and major page faults the kernel counted for it (getrusage of the child), for the
 * comparison of scheme `linux` with a real kernel (docs/linux-vs-host.md).
 * usage: minflt PROGRAM [ARGS...]   (the program's stdout goes to /dev/null)
 * Output: "MINOR MAJOR STATUS", the faults from the execve on (the kernel's exec path, the program
 * and the children it waited for), and its exit status (128 + signal if killed).  The forked
 * child's own faults before the execve (copy-on-write of this program's stack and libc data
 * after fork: about 21 minor faults on Linux 6.18, which earlier versions of this program counted
 * as the program's) are taken out: the child reads its counts just before execv and sends them
 * up the pipe.
 * When the program cannot be executed (e.g. ENOEXEC: an i386 program on a host without IA-32
 * emulation) it prints no numbers and exits 3: the child's execv error comes back through a
 * close-on-exec pipe, so a failed exec is never counted as a run. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* The child's fault counts just before its execv. */
struct pre_exec {
    long minflt;
    long majflt;
};

/* read_full: reads exactly len bytes from fd unless EOF or an error comes first; returns the
 * number of bytes read (short only at EOF or on error). */
static size_t read_full(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return got;
}

/* main: runs argv[1] with argv[1..] as described at the top; 0, or 3 if it could not be
 * executed, 1/2 on a failure of its own. */
int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: minflt PROGRAM [ARGS...]\n");
        return 2;
    }
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) {
        perror("pipe2");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0)
            perror("prctl(PR_SET_THP_DISABLE)");
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 1);
        close(report[0]);
        struct rusage self;
        struct pre_exec pre = {0, 0};
        if (getrusage(RUSAGE_SELF, &self) == 0) {
            pre.minflt = self.ru_minflt;
            pre.majflt = self.ru_majflt;
        }
        if (write(report[1], &pre, sizeof pre) != (ssize_t)sizeof pre)
            _exit(126);
        execv(argv[1], argv + 1);
        int err = errno;
        if (write(report[1], &err, sizeof err) != (ssize_t)sizeof err)
            _exit(126);
        _exit(127);
    }
    close(report[1]);
    struct pre_exec pre = {0, 0};
    int exec_errno = 0;
    size_t got_pre = read_full(report[0], &pre, sizeof pre);
    size_t got = got_pre == sizeof pre ? read_full(report[0], &exec_errno, sizeof exec_errno) : 0;
    close(report[0]);
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("wait4");
        return 1;
    }
    if (got_pre != sizeof pre) {
        fprintf(stderr, "minflt: the child died before its execv (status %d); no fault counts\n",
                status);
        return 1;
    }
    if (got == sizeof exec_errno) {
        fprintf(stderr, "minflt: cannot execute %s: %s; no fault counts to report\n", argv[1],
                strerror(exec_errno));
        return 3;
    }
    printf("%ld %ld %d\n", ru.ru_minflt - pre.minflt, ru.ru_majflt - pre.majflt,
           WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return 0;
}

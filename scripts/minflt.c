/* scripts/minflt.c - runs a program natively with transparent huge pages off and prints the
 * minor and major page faults the kernel counted for it (getrusage of the child), for the
 * comparison of scheme `linux` with a real kernel (docs/linux-vs-host.md).
 * usage: minflt PROGRAM [ARGS...]   (the program's stdout goes to /dev/null)
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
        execv(argv[1], argv + 1);
        int err = errno;
        if (write(report[1], &err, sizeof err) != (ssize_t)sizeof err)
            _exit(126);
        _exit(127);
    }
    close(report[1]);
    int exec_errno = 0;
    ssize_t got = read(report[0], &exec_errno, sizeof exec_errno);
    close(report[0]);
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("wait4");
        return 1;
    }
    if (got == (ssize_t)sizeof exec_errno) {
        fprintf(stderr, "minflt: cannot execute %s: %s; no fault counts to report\n", argv[1],
                strerror(exec_errno));
        return 3;
    }
    printf("%ld %ld %d\n", ru.ru_minflt, ru.ru_majflt,
           WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return 0;
}

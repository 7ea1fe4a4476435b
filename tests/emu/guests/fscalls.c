/* statfs, fstatfs (statfs64 and fstatfs64 in i386 glibc), statvfs, creat and close_range, for
 * tests/emu/test_fscalls.sh: prints the fields that do not change while the host runs (the
 * type, block size, name length, read-only flag), so the reference's output is the same. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    struct statfs a, b;
    int fd = creat("made.txt", 0640);
    printf("creat: %s\n", fd >= 0 ? "ok" : strerror(errno));
    printf("write: %zd\n", write(fd, "abc", 3));
    struct stat st;
    fstat(fd, &st);
    printf("mode %o size %lld\n", (unsigned)(st.st_mode & 0777), (long long)st.st_size);
    errno = 0;
    ssize_t n = read(fd, &st, 1);
    printf("read from a creat fd: %zd %s\n", n, strerror(errno));
    if (statfs(".", &a) != 0) {
        printf("statfs: %s\n", strerror(errno));
        return 1;
    }
    printf("statfs .: bsize %ld, namelen %ld, read-only %d\n", (long)a.f_bsize,
           (long)a.f_namelen, (int)((a.f_flags & ST_RDONLY) != 0));
    if (fd >= 0 && fstatfs(fd, &b) == 0)
        printf("fstatfs: the same type %d\n", a.f_type == b.f_type);
    printf("blocks %d, free <= blocks %d\n", a.f_blocks > 0, a.f_bfree <= a.f_blocks);
    struct statvfs v;
    int rc = statvfs(".", &v);
    printf("statvfs: %d, frsize %lu, rdonly %d\n", rc, (unsigned long)v.f_frsize,
           (int)((v.f_flag & ST_RDONLY) != 0));
    errno = 0;
    rc = statfs("no/such", &a);
    printf("statfs of a missing path: %d %s\n", rc, strerror(errno));
    errno = 0;
    rc = fstatfs(77, &a);
    printf("fstatfs of fd 77: %d %s\n", rc, strerror(errno));
    int d1 = dup(fd), d2 = dup(fd);
    long l = syscall(SYS_close_range, d1, d2, 0);
    printf("close_range: %ld\n", l);
    errno = 0;
    rc = close(d2);
    printf("closed: %d %s\n", rc, strerror(errno));
    l = syscall(SYS_close_range, fd, fd, 4);
    printf("close_range CLOEXEC: %ld, flags %d\n", l, fcntl(fd, F_GETFD));
    errno = 0;
    l = syscall(SYS_close_range, 5, 4, 0);
    printf("close_range bad: %ld %s\n", l, strerror(errno));
    close(fd);
    unlink("made.txt");
    return 0;
}

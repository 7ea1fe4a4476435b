/* statfs, fstatfs (statfs64 and fstatfs64 in i386 glibc), statvfs, creat and close_range, for
 * tests/emu/test_fscalls.sh: prints the fields that do not change while the host runs (the
 * type, block size, name length, read-only flag), so the reference's output is the same.
 * With the argument "maps": /proc/self/maps, the program's text, the stack, an anonymous
 * mapping split by mprotect, and glibc's pthread_getattr_np for the main thread (which reads
 * the file); qemu-user's own maps differ, so test_fscalls.sh holds the i386 build's output
 * against the host's run of the x86-64 build. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The maps line holding address a: its range and permissions; 0 when none. */
static int find_map(uintptr_t a, uintptr_t *lo, uintptr_t *hi, char perms[5], char *name,
                    size_t namelen)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f)) {
        unsigned long s, e;
        char p[5] = "", n[256] = "";
        if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %255s", &s, &e, p, n) < 3)
            continue;
        if (a >= s && a < e) {
            *lo = s;
            *hi = e;
            memcpy(perms, p, 5);
            snprintf(name, namelen, "%s", n);
            found = 1;
        }
    }
    if (f)
        fclose(f);
    return found;
}

static void maps(void)
{
    uintptr_t lo, hi;
    char perms[5], name[256];
    int local = 0;
    int ok = find_map((uintptr_t)&maps, &lo, &hi, perms, name, sizeof name);
    const char *base = strrchr(name, '/');
    printf("maps: text %d %s %s\n", ok, perms, base ? base + 1 : name);
    ok = find_map((uintptr_t)&local, &lo, &hi, perms, name, sizeof name);
    printf("maps: stack %d %s %s\n", ok, perms, name);
    char *m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ok = find_map((uintptr_t)m + 4096, &lo, &hi, perms, name, sizeof name);
    printf("maps: mmap %d %s covers it %d\n", ok, perms,
           lo <= (uintptr_t)m && hi >= (uintptr_t)m + 3 * 4096);
    mprotect(m + 4096, 4096, PROT_READ);
    ok = find_map((uintptr_t)m + 4096, &lo, &hi, perms, name, sizeof name);
    printf("maps: after mprotect %d %s exactly the page %d\n", ok, perms,
           lo == (uintptr_t)m + 4096 && hi == (uintptr_t)m + 8192);
    munmap(m, 3 * 4096);
    ok = find_map((uintptr_t)m + 4096, &lo, &hi, perms, name, sizeof name);
    printf("maps: after munmap %d\n", ok);
    pthread_attr_t at;
    void *stack = NULL;
    size_t size = 0;
    int rc = pthread_getattr_np(pthread_self(), &at);
    if (rc == 0)
        pthread_attr_getstack(&at, &stack, &size);
    printf("pthread_getattr_np: %d, the stack holds a local %d\n", rc,
           (uintptr_t)stack <= (uintptr_t)&local && (uintptr_t)&local < (uintptr_t)stack + size);
    int fd = open("/proc/self/maps", O_RDONLY);
    errno = 0;
    ssize_t n = write(fd, "x", 1);
    printf("write to maps: %zd %s\n", n, strerror(errno));
    close(fd);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "maps") == 0) {
        maps();
        return 0;
    }
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

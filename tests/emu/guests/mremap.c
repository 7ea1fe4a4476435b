/* Guest for tests/emu/test_mremap.sh, static glibc, built for i386 (mremap) and x86-64
 * (mremap64): moving mremap (docs/model-notes.md, "Moving mremap").  argv[1] picks one:
 *   realloc  a 200,000-byte malloc block (mmapped by glibc) filled with a pattern, then grown
 *            by realloc five times, each time with a page mapped right above the block so that
 *            it cannot grow in place: glibc's mremap(MREMAP_MAYMOVE) moves it; checks every
 *            byte after each growth and prints the moves and a checksum
 *   direct   mremap itself: a growth that must move, a move with MREMAP_FIXED onto another
 *            mapping (which goes), a shrink, and the errors (overlap, no MAYMOVE)
 *   dontunmap MREMAP_DONTUNMAP: the pages move, the old range stays mapped and reads zeros
 *   fork     a block shared copy-on-write with a child after fork, moved by the child (its
 *            pages shared with the parent), written by both; each checks its own bytes
 * Nothing printed depends on an address: the host's kernel and vkmmu's guest OS may place the
 * blocks differently. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096ul
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

static unsigned char pat(size_t i)
{
    return (unsigned char)((i * 2654435761u) >> 13);
}

static void fill(unsigned char *p, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        p[i] = pat(i);
}

/* The index of the first byte that is not the pattern's, or n. */
static size_t check(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != pat(i))
            return i;
    return n;
}

static uint32_t checksum(const unsigned char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* Maps a read-only page at the first page past the mmapped malloc chunk of ptr (its header
 * holds the chunk's size; the chunk starts two size words before ptr), so that the chunk
 * cannot grow in place.  1 when mapped, 0 when the page was taken already. */
static int block_above(void *ptr)
{
    size_t sz = ((size_t *)ptr)[-1] & ~(size_t)7;
    char *chunk = (char *)ptr - 2 * sizeof(size_t);
    void *at = chunk + sz;
    void *q = mmap(at, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (q == MAP_FAILED)
        return 0;
    if (q != at) { /* a kernel without MAP_FIXED_NOREPLACE took it as a hint */
        munmap(q, PAGE);
        return 0;
    }
    return 1;
}

static int do_realloc(void)
{
    size_t n = 200000;
    unsigned char *p = malloc(n);
    if (!p)
        return 1;
    fill(p, 0, n);
    for (int k = 0; k < 5; k++) {
        int blocked = block_above(p);
        size_t m = n + 40000 + (size_t)k * 12288;
        unsigned char *q = realloc(p, m);
        if (!q) {
            printf("realloc %d failed\n", k);
            return 1;
        }
        size_t bad = check(q, n);
        printf("growth %d: %zu -> %zu bytes, moved %d, first bad byte %zu\n", k, n, m,
               q != p || !blocked, bad); /* not blocked: the page above was taken already */
        fill(q, n, m);
        p = q;
        n = m;
    }
    printf("checksum %08x of %zu bytes, check %s\n", checksum(p, n), n,
           check(p, n) == n ? "ok" : "BAD");
    free(p);
    return 0;
}

static int do_direct(void)
{
    size_t len = 16 * PAGE;
    unsigned char *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED)
        return 1;
    fill(a, 0, len);
    /* a blocker right above: growth must move */
    void *blk = mmap(a + len, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                     -1, 0); /* (or it is taken already) */
    unsigned char *b = mremap(a, len, 2 * len, 0);
    printf("grow without MAYMOVE: %s\n", b == MAP_FAILED ? strerror(errno) : "grew");
    b = mremap(a, len, 2 * len, MREMAP_MAYMOVE);
    if (b == MAP_FAILED)
        return 1;
    printf("grow with MAYMOVE: moved %d, old bytes %s, new bytes %s\n", b != a,
           check(b, len) == len ? "kept" : "LOST", b[len] == 0 && b[2 * len - 1] == 0 ? "zero" : "NOT ZERO");
    fill(b, len, 2 * len);
    /* MREMAP_FIXED onto another mapping: its contents go */
    unsigned char *c = mmap(NULL, 3 * len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(c, 0x5a, 3 * len);
    unsigned char *d = mremap(b, 2 * len, 2 * len, MREMAP_MAYMOVE | MREMAP_FIXED, c + len);
    printf("fixed: at the target %d, bytes %s, rest of the target %02x %02x\n", d == c + len,
           check(d, 2 * len) == 2 * len ? "kept" : "LOST", c[0], c[len - 1]);
    d[0] ^= 0xff;
    d[0] ^= 0xff;
    printf("overlapping fixed: %s\n",
           mremap(d, 2 * len, 2 * len, MREMAP_MAYMOVE | MREMAP_FIXED, d + PAGE) == MAP_FAILED
               ? strerror(errno) : "moved");
    unsigned char *e = mremap(d, 2 * len, len, 0);
    printf("shrink: in place %d, bytes %s\n", e == d, check(e, len) == len ? "kept" : "LOST");
    printf("checksum %08x\n", checksum(e, len));
    if (blk != MAP_FAILED)
        munmap(blk, PAGE);
    return 0;
}

static int do_dontunmap(void)
{
    size_t len = 6 * PAGE;
    unsigned char *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED)
        return 1;
    fill(a, 0, len);
    printf("dontunmap, other length: %s\n",
           mremap(a, len, 2 * len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL) == MAP_FAILED
               ? strerror(errno) : "moved");
    printf("dontunmap without MAYMOVE: %s\n",
           mremap(a, len, len, MREMAP_DONTUNMAP, NULL) == MAP_FAILED ? strerror(errno) : "moved");
    unsigned char *b = mremap(a, len, len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
    /* (new_address is read with MREMAP_DONTUNMAP too: a hint, page-aligned or EINVAL) */
    if (b == MAP_FAILED) {
        printf("dontunmap: %s\n", strerror(errno));
        return 0;
    }
    size_t zeros = 0;
    for (size_t i = 0; i < len; i++)
        zeros += a[i] == 0;
    a[0] = 1; /* the old range is still mapped, writable */
    a[len - 1] = 2;
    printf("dontunmap: moved %d, bytes %s, old range %zu zero bytes of %zu, written %d %d\n",
           b != a, check(b, len) == len ? "kept" : "LOST", zeros, len, a[0], a[len - 1]);
    /* with MREMAP_FIXED: onto a mapping of its own */
    unsigned char *c = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned char *d = mremap(b, len, len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP | MREMAP_FIXED, c);
    printf("dontunmap fixed: at the target %d, bytes %s, old range byte %d\n", d == c,
           d != MAP_FAILED && check(d, len) == len ? "kept" : "LOST", b[PAGE]);
    return 0;
}

static int do_fork(void)
{
    size_t len = 24 * PAGE;
    unsigned char *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED)
        return 1;
    fill(a, 0, len);
    mmap(a + len, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        unsigned char *b = mremap(a, len, len + 8 * PAGE, MREMAP_MAYMOVE);
        if (b == MAP_FAILED)
            _exit(3);
        size_t bad = check(b, len);
        b[0] = 1;           /* a copy-on-write of a moved shared page */
        b[len - 1] = 2;
        fill(b, len, len + 8 * PAGE);
        printf("child: moved %d, first bad byte %zu, checksum %08x\n", b != a, bad,
               checksum(b, len + 8 * PAGE));
        fflush(stdout);
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    size_t bad = check(a, len);
    a[PAGE] ^= 0x80; /* the parent's copy-on-write after the child moved its share */
    printf("parent: child status %d, first bad byte %zu, checksum %08x\n", st, bad,
           checksum(a, len));
    return 0;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "realloc";
    if (!strcmp(what, "realloc"))
        return do_realloc();
    if (!strcmp(what, "direct"))
        return do_direct();
    if (!strcmp(what, "fork"))
        return do_fork();
    if (!strcmp(what, "dontunmap"))
        return do_dontunmap();
    fprintf(stderr, "usage: mremap realloc|direct|fork|dontunmap\n");
    return 2;
}
